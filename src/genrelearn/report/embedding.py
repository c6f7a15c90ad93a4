"""t-SNE maps of learned clip features, coloured by genre."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from genrelearn.report.figures import STYLE  # noqa: E402


def tsne_figure(embeddings: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """One scatter panel per method: 2-D t-SNE embedding of clip vectors coloured by genre.

    Parameters
    ----------
    embeddings : mapping of str to (points, genres)
        Panel title -> ``(n_clips, 2)`` embedding and the clips' genres.
    """
    if not embeddings:
        raise ValueError("no embedding to plot")
    genres = sorted({g for _, (_, gs) in embeddings.items() for g in gs})
    colours = plt.get_cmap("tab10" if len(genres) <= 10 else "tab20")
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(embeddings), figsize=(2.4 * len(embeddings), 2.6))
        axes = np.atleast_1d(axes)
        for ax, (title, (points, gs)) in zip(axes, embeddings.items(), strict=True):
            for i, genre in enumerate(genres):
                sel = np.asarray(gs) == genre
                ax.scatter(*points[sel].T, s=4, color=colours(i), label=genre, linewidths=0)
            ax.set_title(title)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.legend(
            *axes[0].get_legend_handles_labels(),
            loc="lower center",
            ncol=min(len(genres), 5),
            frameon=False,
            markerscale=2,
        )
        fig.tight_layout(rect=(0, 0.12 if len(genres) > 5 else 0.08, 1, 1))
    return fig
