"""Tables and figures of the structured auto-encoder study."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from genrelearn.report.figures import STYLE, plt
from genrelearn.report.macros import format_number
from genrelearn.report.tables import pm

TERMS = ("data_term", "l1_term", "graph_term", "encoder_term")
TERM_LABELS = {
    "data_term": r"$\frac{\lambda_d}{2}\|X - DZ\|_F^2$",
    "l1_term": r"$\lambda_z\|Z\|_1$",
    "graph_term": r"$\frac{\lambda_g}{2}\,\mathrm{tr}(ZLZ^\top)$",
    "encoder_term": r"$\frac{\lambda_e}{2}\|Z - EX\|_F^2$",
}
PARAM_LABELS = {
    "lg": r"$\lambda_g$",
    "ld": r"$\lambda_d$",
    "lz": r"$\lambda_z$",
    "le": r"$\lambda_e$",
    "n_atoms": "atoms $m$",
    "rtol": "rtol",
    "k": "$K$",
    "noise": "noise std",
    "n_vectors": r"$N_\mathrm{vectors}$",
}
COLUMN_LABELS = {"cqt": "CQT"}


def column_label(column: str) -> str:
    """Label of a thesis-table column: ``cqt`` is CQT, ``lg~100`` is lambda_g = 100."""
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    return rf"$\lambda_g = {column.split('~')[1]}$"


def thesis_table_frame(
    rows: Sequence[tuple[float, str, Mapping[str, Mapping[str, Any]]]],
    published: pd.DataFrame | None,
    protocols: Sequence[str],
) -> pd.DataFrame:
    """The thesis table: one row per (noise, method), one column per protocol (+ published).

    Parameters
    ----------
    rows : sequence of (noise, column, {protocol: summary})
        Our summaries per point of the table.
    published : pandas.DataFrame, optional
        ``noise, column, accuracy_mean, accuracy_std`` of the original.
    protocols : sequence of str
        Our protocols, in column order.
    """
    out = []
    for noise, column, by_protocol in rows:
        row: dict[str, Any] = {"Noise": format_number(noise, 2), "Features": column_label(column)}
        for protocol in protocols:
            s = by_protocol[protocol]
            header = "ours, grouped" if protocol == "grouped" else "ours, thesis protocol"
            row[header] = pm(s["accuracy_mean"], s["accuracy_std"])
        if published is not None:
            match = published[
                np.isclose(published["noise"], noise) & (published["column"] == column)
            ]
            row["thesis (GTZAN)"] = (
                pm(match["accuracy_mean"].iloc[0], match["accuracy_std"].iloc[0])
                if len(match)
                else "{--}"
            )
        out.append(row)
    return pd.DataFrame(out).set_index(["Noise", "Features"])


def sweep_frame(
    rows: Sequence[tuple[str, float, Mapping[str, Any], pd.DataFrame]],
) -> pd.DataFrame:
    """One row per sweep point: accuracy, non-zeros and iterations of the final model."""
    out = []
    for param, value, summary, history in rows:
        last = history.iloc[-1]
        out.append(
            {
                "Parameter": PARAM_LABELS.get(param, param),
                "Value": f"{value:g}",
                "Accuracy": pm(summary["accuracy_mean"], summary["accuracy_std"]),
                "Non-zeros": format_number(100 * float(last["sparsity"]), 1),
                "Outer": str(len(history)),
                "Inner (Z)": str(int(history["inner_z"].sum())),
            }
        )
    return pd.DataFrame(out).set_index(["Parameter", "Value"])


def convergence_figure(history: pd.DataFrame) -> Figure:
    """Each weighted objective term and the total per outer iteration (log scale)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(4.2, 2.8), layout="constrained")
        x = history["outer"].to_numpy()
        ax.plot(x, history["objective"], "k-", lw=1.5, label="total")
        for term in TERMS:
            if term in history and (history[term] > 0).any():
                ax.plot(x, history[term], marker=".", lw=1, label=TERM_LABELS[term])
        ax.set_yscale("log")
        ax.set_xlabel("outer iteration")
        ax.set_ylabel("objective")
        ax.legend(fontsize=6, frameon=False)
    return fig


def atoms_figure(dictionary: np.ndarray, usage: np.ndarray, n_show: int = 64) -> Figure:
    """The most used atoms (columns of D), sorted by the CQT bin of their peak."""
    order = np.argsort(-usage)[: min(n_show, dictionary.shape[1])]
    order = order[np.argsort(np.argmax(np.abs(dictionary[:, order]), axis=0))]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.5, 2.6), layout="constrained")
        image = ax.imshow(
            dictionary[:, order],
            origin="lower",
            aspect="auto",
            cmap="RdBu_r",
            vmin=-np.abs(dictionary).max(),
            vmax=np.abs(dictionary).max(),
            interpolation="nearest",
        )
        ax.set_xlabel(f"atom (the {len(order)} most used, by peak bin)")
        ax.set_ylabel("CQT bin")
        fig.colorbar(image, ax=ax, shrink=0.9)
    return fig


def sweep_figure(
    sweeps: Mapping[str, Sequence[tuple[float, Mapping[str, Any], pd.DataFrame]]],
) -> Figure:
    """Accuracy (left axis) and non-zero codes (right axis) against each swept parameter."""
    params = [p for p, points in sweeps.items() if points]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            1,
            max(len(params), 1),
            figsize=(2.3 * max(len(params), 1), 2.4),
            layout="constrained",
            squeeze=False,
        )
        for ax, param in zip(axes[0], params, strict=False):
            points = sorted(sweeps[param], key=lambda p: p[0])
            values = np.array([p[0] for p in points], dtype=float)
            acc = np.array([p[1]["accuracy_mean"] for p in points])
            err = np.array([p[1]["accuracy_std"] for p in points])
            nnz = np.array([100 * float(p[2]["sparsity"].iloc[-1]) for p in points])
            x = np.arange(len(values))
            ax.errorbar(x, acc, yerr=err, color="C0", marker="o", capsize=2)
            ax.set_xticks(x, [f"{v:g}" for v in values])
            ax.set_xlabel(PARAM_LABELS.get(param, param))
            ax.set_ylabel("accuracy (%)", color="C0")
            twin = ax.twinx()
            twin.plot(x, nnz, color="C3", marker="s", ls="--")
            twin.set_ylabel("non-zeros (%)", color="C3")
    return fig


def _frames_image(ax: Axes, rows: np.ndarray, frame_rate: float, cmap: str) -> None:
    """Draw ``rows`` (one per frame) as an image: time in seconds across, columns upwards."""
    ax.imshow(
        rows.T,
        origin="lower",
        aspect="auto",
        cmap=cmap,
        extent=(0, len(rows) / frame_rate, -0.5, rows.shape[1] - 0.5),
        interpolation="nearest",
    )


def codes_figure(frames: np.ndarray, codes: np.ndarray, frame_rate: float, title: str) -> Figure:
    """A clip's CQT frames above its codes |Z| (atoms sorted by total use in the clip)."""
    order = np.argsort(-np.abs(codes).sum(axis=0))
    with plt.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(
            2, 1, figsize=(5.5, 3.6), sharex=True, layout="constrained"
        )
        _frames_image(top, frames, frame_rate, "magma")
        top.set_ylabel("CQT bin")
        top.set_title(title)
        _frames_image(bottom, np.abs(codes[:, order]), frame_rate, "Greys")
        bottom.set_ylabel("atom (by use)")
        bottom.set_xlabel("time (s)")
    return fig
