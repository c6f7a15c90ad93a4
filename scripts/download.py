"""Rules download_gtzan, download_gtzan_split: fetch a file from mirrors, resumable, verified."""

from typing import TYPE_CHECKING

from genrelearn.data.download import download
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        log.info("mirrors: %s", ", ".join(p.urls))
        download(
            p.urls,
            snakemake.output.file,
            dict(p.checksums),
            size=p.size,
            retries=p.retries,
            timeout=p.timeout,
            backoff=p.backoff,
            hint=p.hint,
        )


if __name__ == "__main__":
    main()
