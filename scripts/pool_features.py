"""Rule pool_features: aggregate each clip's frames into 2 x n_vectors vectors."""

from typing import TYPE_CHECKING

from genrelearn.features import load_frames
from genrelearn.logs import log_to_file
from genrelearn.pooling import pool_frameset, save_pooled
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        pooled = pool_frameset(load_frames(snakemake.input.frames), p.n_vectors, p.method)
        save_pooled(snakemake.output.vectors, pooled)
        log.info(
            "pooled %d clips into %s vectors (window %d frames, %s)",
            len(pooled.track_ids),
            pooled.vectors.shape,
            pooled.window,
            p.method,
        )


if __name__ == "__main__":
    main()
