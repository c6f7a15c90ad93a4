"""Rule synthesize_dataset: write the synthetic genre dataset in GTZAN's layout."""

from typing import TYPE_CHECKING

from genrelearn.data.synth import generate_dataset
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        log.info(
            "generating %d genres x %d clips x %.1f s (seed %d, spread %g)",
            len(p.genres),
            p.clips_per_genre,
            p.duration,
            p.seed,
            p.spread,
        )
        meta = generate_dataset(
            snakemake.output.audio,
            genres=p.genres,
            clips_per_genre=p.clips_per_genre,
            duration=p.duration,
            sample_rate=p.sample_rate,
            seed=p.seed,
            spread=p.spread,
            n_jobs=snakemake.threads,
        )
        log.info("wrote %d clips to %s", len(meta), snakemake.output.audio)


if __name__ == "__main__":
    main()
