"""Rule mfcc120_vectors: the MFCC baseline's one 120-dim vector per clip, as clip vectors."""

from typing import TYPE_CHECKING

import numpy as np

from genrelearn.features import load_frames
from genrelearn.logs import log_to_file
from genrelearn.pooling import PooledSet, save_pooled

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    with log_to_file(snakemake.log[0]) as log:
        frames = load_frames(snakemake.input.frames)
        if not np.all(np.diff(frames.offsets) == 1):
            raise ValueError(
                f"{snakemake.input.frames}: expected one row per clip (mfcc120 summaries)"
            )
        save_pooled(
            snakemake.output.vectors,
            PooledSet(
                vectors=frames.frames,
                clip=np.arange(frames.n_clips),
                track_ids=frames.track_ids,
                genres=frames.genres,
                window=1,
            ),
        )
        log.info("%d clips, %d dims", frames.n_clips, frames.dim)


main()
