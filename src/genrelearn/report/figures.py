"""Figures of the paper (matplotlib, Agg backend, mathtext: no TeX needed to draw them)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from genrelearn.io import atomic_path  # noqa: E402

STYLE = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "text.usetex": False,
    "pdf.fonttype": 42,
    "svg.hashsalt": "genrelearn",
}


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> None:
    """Save ``fig`` atomically, without a creation date so reruns give identical files."""
    suffix = Path(path).suffix
    metadata = {"CreationDate": None} if suffix == ".pdf" else None
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", metadata=metadata)
    plt.close(fig)


def spectrogram_grid(
    images: Sequence[np.ndarray],
    titles: Sequence[str],
    frame_rate: float,
    y_label: str,
    y_ticks: tuple[np.ndarray, Sequence[str]] | None = None,
    cmap: str = "magma",
    log_amplitude: bool = True,
) -> Figure:
    """Grid of spectrograms (each ``(n_frames, n_bins)``), one panel per title.

    With ``log_amplitude`` the images are shown in dB relative to each panel's maximum.
    """
    n = len(images)
    ncols = min(5, n)
    nrows = int(np.ceil(n / ncols))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(1.4 * ncols + 0.6, 1.5 * nrows + 0.3),
            squeeze=False,
            sharey=True,
        )
        for ax, image, title in zip(axes.flat, images, titles, strict=False):
            data = np.asarray(image, dtype=float).T
            if log_amplitude:
                data = 20 * np.log10(np.maximum(data, 1e-6 * data.max() + 1e-12) / data.max())
                vmin, vmax = -60.0, 0.0
            else:
                vmin, vmax = np.percentile(data, [2, 99.5])
            extent = (0.0, data.shape[1] / frame_rate, -0.5, data.shape[0] - 0.5)
            mesh = ax.imshow(
                data,
                origin="lower",
                aspect="auto",
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
                extent=extent,
                interpolation="nearest",
            )
            ax.set_title(title)
            ax.set_xlabel("time (s)")
            if y_ticks is not None:
                ax.set_yticks(y_ticks[0], y_ticks[1])
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        for ax in axes.flat:
            ax.label_outer()
        for ax in axes[:, 0]:
            ax.set_ylabel(y_label)
        fig.colorbar(mesh, ax=axes, shrink=0.8, label="dB" if log_amplitude else "")
    return fig


def confusion_figure(confusion: np.ndarray, classes: Sequence[str]) -> Figure:
    """Row-normalised confusion matrix (recall per class, in %) with the counts' percentages."""
    confusion = np.asarray(confusion, dtype=float)
    rates = 100 * confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    k = len(classes)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(0.42 * k + 1.6, 0.42 * k + 1.2), layout="constrained")
        ax.imshow(rates, cmap="Blues", vmin=0, vmax=100)
        for i in range(k):
            for j in range(k):
                ax.text(
                    j,
                    i,
                    f"{rates[i, j]:.0f}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if rates[i, j] > 60 else "black",
                )
        ax.set_xticks(range(k), classes, rotation=60, ha="right")
        ax.set_yticks(range(k), classes)
        ax.set_xlabel("predicted genre")
        ax.set_ylabel("true genre")
    return fig
