"""Rule plot_spectrograms: one clip per genre, CQT or log-mel."""

from typing import TYPE_CHECKING

import numpy as np

from genrelearn.features import load_frames
from genrelearn.logs import log_to_file
from genrelearn.report.figures import save_figure, spectrogram_grid

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log:
        frames = load_frames(snakemake.input.frames)
        images, titles = [], []
        for genre in sorted(set(frames.genres)):
            clips = np.flatnonzero(frames.genres == genre)
            i = clips[min(p.example_clip, len(clips) - 1)]
            images.append(frames.clip(i))
            titles.append(str(frames.track_ids[i]))
        if p.kind == "cqt":
            bpo = p.extractor["bins_per_octave"]
            ticks = np.arange(0, p.extractor["n_bins"], bpo)
            labels = [f"C{2 + k}" for k in range(len(ticks))]
            fig = spectrogram_grid(
                images,
                titles,
                frames.frame_rate,
                "CQT bin",
                (ticks, labels),
                cmap=p.cmap,
                log_amplitude=True,
            )
        else:
            fig = spectrogram_grid(
                images, titles, frames.frame_rate, "mel band", cmap=p.cmap, log_amplitude=False
            )
        save_figure(fig, snakemake.output.figure, dpi=p.dpi)
        log.info("plotted %s for %s", p.kind, titles)


if __name__ == "__main__":
    main()
