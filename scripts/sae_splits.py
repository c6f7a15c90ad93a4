"""Rule sae_splits: stratified clip folds for the grouped protocol of learned features."""

from typing import TYPE_CHECKING

from genrelearn.features import load_frames
from genrelearn.io import write_json
from genrelearn.logs import log_to_file
from genrelearn.protocols import clip_folds
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        frames = load_frames(snakemake.input.frames)
        folds = clip_folds(
            frames.genres, p.n_repeats, p.n_splits, p.seed, config_key="sae.grouped.n_splits"
        )
        write_json(snakemake.output.splits, [fold.to_record() for fold in folds])
        log.info("%d folds over %d clips", len(folds), frames.n_clips)


if __name__ == "__main__":
    main()
