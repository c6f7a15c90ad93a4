"""Rule extract_gtzan: verify the archive's checksum, then extract its clips safely."""

from typing import TYPE_CHECKING

from genrelearn.data.archive import extract_clips
from genrelearn.data.download import verify_file
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        verify_file(snakemake.input.archive, dict(p.checksums), p.size)
        log.info("%s: %s verified", snakemake.input.archive, ", ".join(p.checksums))
        counts = extract_clips(snakemake.input.archive, snakemake.output.audio)
        log.info("members: %s", dict(sorted(counts.items())))


if __name__ == "__main__":
    main()
