"""Rule extract_features: one frame feature for every indexed clip."""

from typing import TYPE_CHECKING

import pandas as pd

from genrelearn.features import save_frames
from genrelearn.features.extract import extract_features
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        tracks = pd.read_csv(snakemake.input.tracks)
        frames = extract_features(
            tracks,
            p.kind,
            dict(p.extractor),
            sample_rate=p.sample_rate,
            max_samples=p.max_samples,
            n_jobs=snakemake.threads,
        )
        save_frames(snakemake.output.frames, frames)
        log.info(
            "%s: %d clips, %d frames of dimension %d",
            p.kind,
            frames.n_clips,
            len(frames.frames),
            frames.dim,
        )


if __name__ == "__main__":
    main()
