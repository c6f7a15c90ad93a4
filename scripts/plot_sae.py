"""Rule plot_sae: convergence, atoms, sweeps or an example clip's codes."""

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from genrelearn.features import load_frames
from genrelearn.io import read_json
from genrelearn.logs import log_to_file
from genrelearn.report.figures import save_figure
from genrelearn.report.sae_report import (
    atoms_figure,
    codes_figure,
    convergence_figure,
    sweep_figure,
)

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    inp = snakemake.input
    with log_to_file(snakemake.log[0]) as log:
        if p.figure == "convergence":
            fig = convergence_figure(pd.read_csv(inp.history))
        elif p.figure == "atoms":
            with np.load(inp.model) as model:
                dictionary = model["dictionary"]
            usage = np.abs(load_frames(inp.codes).frames).sum(axis=0)
            fig = atoms_figure(dictionary, usage)
        elif p.figure == "sweeps":
            summaries, histories = iter(inp.summaries), iter(inp.histories)
            sweeps = {
                param: [
                    (value, read_json(next(summaries)), pd.read_csv(next(histories)))
                    for value, _ in points
                ]
                for param, points in p.sweeps.items()
            }
            fig = sweep_figure(sweeps)
        else:
            codes, frames = load_frames(inp.codes), load_frames(inp.frames)
            genre_clips = np.flatnonzero(frames.genres == frames.genres[0])
            i = int(genre_clips[min(p.example_clip, len(genre_clips) - 1)])
            fig = codes_figure(
                frames.clip(i), codes.clip(i), frames.frame_rate, str(frames.track_ids[i])
            )
        save_figure(fig, snakemake.output.figure, dpi=p.dpi)
        log.info("figure %s", p.figure)


if __name__ == "__main__":
    main()
