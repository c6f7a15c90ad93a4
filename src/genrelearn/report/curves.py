"""Learning curves: loss per epoch of one or more trainings (from their saved histories)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from genrelearn.report.figures import STYLE  # noqa: E402


def learning_curves_figure(
    histories: Mapping[str, pd.DataFrame],
    ncols: int = 3,
    ylabel: str = "loss",
    logy: bool = False,
) -> Figure:
    """One panel per training: training loss (solid) and validation loss (dashed) per epoch.

    Parameters
    ----------
    histories : mapping of str to pandas.DataFrame
        Panel title -> history with ``epoch``, ``train_loss`` and optionally ``val_loss``
        (as :func:`genrelearn.models.training.train_epochs` returns). The epoch of the lowest
        validation loss, whose weights were kept, is marked with a dot.
    ncols : int
        Panels per row.
    ylabel : str
        Label of the loss axis.
    logy : bool
        Logarithmic loss axis.
    """
    if not histories:
        raise ValueError("no training history to plot")
    n = len(histories)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(2.3 * ncols, 1.8 * nrows), squeeze=False, sharex=False
        )
        for ax, (title, hist) in zip(axes.flat, histories.items(), strict=False):
            ax.plot(hist["epoch"], hist["train_loss"], color="C0", lw=1, label="train")
            if "val_loss" in hist and np.isfinite(hist["val_loss"]).any():
                ax.plot(hist["epoch"], hist["val_loss"], color="C1", lw=1, ls="--", label="valid")
                best = hist.loc[hist["val_loss"].idxmin()]
                ax.plot(best["epoch"], best["val_loss"], "o", color="C1", ms=3)
            ax.set_title(title)
            ax.set_xlabel("epoch")
            ax.set_ylabel(ylabel)
            if logy:
                ax.set_yscale("log")
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        axes.flat[0].legend(frameon=False)
        fig.tight_layout()
    return fig
