"""Tables and figures of the deep generative learners (DBN, ConvRBM, convolutional VAE)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from genrelearn.report.figures import STYLE  # noqa: E402
from genrelearn.report.macros import format_number  # noqa: E402
from genrelearn.report.tables import pm  # noqa: E402

#: Display names of the ConvRBM poolings (Jolif & Perkovic's column names).
POOLING_LABELS = {
    "flatten": "Flatten",
    "global_avg": "Global average",
    "max": "Max",
    "global_max": "Global max",
    "avg2d": "Average 2-D",
}
STAGE_LABELS = {"pretrained": "Pretrained", "fine-tuned": "Fine-tuned"}


def _cell(values: pd.Series) -> str:
    values = 100 * values.astype(float)
    if len(values) < 2:
        return format_number(float(values.mean()))
    return pm(float(values.mean()), float(values.std(ddof=0)))


def dbn_layer_frame(scores: pd.DataFrame, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Clip accuracy (%, mean +- std over folds) by layer (rows) and stage (columns).

    ``published`` (columns ``layer``, ``accuracy``) adds a column of their numbers, labelled
    as theirs; rows absent from a stage are left empty.
    """
    layers = list(dict.fromkeys(scores["layer"]))
    table = pd.DataFrame(index=pd.Index([_layer_label(x) for x in layers], name="Features"))
    for stage, label in STAGE_LABELS.items():
        cells = []
        for layer in layers:
            part = scores[(scores["stage"] == stage) & (scores["layer"] == layer)]
            cells.append(_cell(part["clip_accuracy"]) if len(part) else "{--}")
        table[f"{label} (ours)"] = cells
    if published is not None:
        theirs = dict(zip(published["layer"], published["accuracy"], strict=True))
        table["Hamel \\& Eck 2010 (theirs)"] = [
            format_number(float(theirs[x])) if x in theirs else "{--}" for x in layers
        ]
    return table


def _layer_label(layer: str) -> str:
    if layer == "all":
        return "all layers"
    if layer == "frame vote":
        return "DBN frame vote"
    return f"layer {layer[1:]}"


def convrbm_frame(scores: pd.DataFrame) -> pd.DataFrame:
    """Random-forest accuracy and macro F1 (%, mean +- std over folds) per pooling variant."""
    rows = {}
    for pooling, part in scores.groupby("pooling", sort=False):
        rows[POOLING_LABELS.get(pooling, pooling)] = {
            "Dimension": str(int(part["dim"].iloc[0])),
            "Accuracy": _cell(part["accuracy"]),
            "Macro F1": _cell(part["f1_macro"]),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "Pooling"
    return frame


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
