"""Rule deep_dbn: label-free DBN on all clips' |DFT| frames -> clip vectors (main table)."""

from typing import TYPE_CHECKING

from genrelearn.features import load_frames
from genrelearn.io import write_csv
from genrelearn.logs import log_to_file
from genrelearn.models.deep_generative import dbn_vectors
from genrelearn.pooling import save_pooled
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        frames = load_frames(snakemake.input.frames)
        window = max(1, round(p.window_seconds * frames.frame_rate))
        log.info(
            "DBN %s on %d clips, %d frames (every %d-th for training), windows of %d frames",
            p.dbn["hidden"],
            frames.n_clips,
            len(frames.frames),
            p.frame_step,
            window,
        )
        dbn = {**p.dbn, "device": p.device, "n_jobs": p.n_jobs, "progress": True}
        pooled, history = dbn_vectors(
            frames, dbn, window=window, frame_step=p.frame_step, seed=p.seed
        )
        save_pooled(snakemake.output.vectors, pooled)
        write_csv(snakemake.output.history, history, float_format="%.8g")
        log.info("%d vectors of %d dims", *pooled.vectors.shape)


if __name__ == "__main__":
    main()
