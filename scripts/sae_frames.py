"""Rule sae_frames: the CQT frames of the auto-encoder's genre subset."""

from typing import TYPE_CHECKING

from genrelearn.features import load_frames, save_frames
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded
from genrelearn.sae.evaluation import sae_frames

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        frames = sae_frames(load_frames(snakemake.input.frames), p.genres, p.max_frames)
        save_frames(snakemake.output.frames, frames)
        log.info(
            "%d clips of %s, %d frames of dimension %d",
            frames.n_clips,
            list(p.genres),
            len(frames.frames),
            frames.dim,
        )


if __name__ == "__main__":
    main()
