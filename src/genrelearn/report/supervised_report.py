"""Tables, macros and figures of the supervised CNN/LSTM study."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from genrelearn.features.sets import FEATURE_SETS  # noqa: E402
from genrelearn.features.store import FrameSet  # noqa: E402
from genrelearn.report.figures import STYLE  # noqa: E402
from genrelearn.report.macros import format_number, macro_name  # noqa: E402

FEATURE_SET_LABELS = {
    "mel": "mel",
    "mel_beat": "mel, beat-synced",
    "chroma": "chroma",
    "chroma_beat": "chroma, beat-synced",
    "fused": "fused",
    "fused_beat": "fused, beat-synced",
}
MODEL_LABELS = {"cnn": "CNN", "lstm": "LSTM"}
MODE_LABELS = {"scratch": "from scratch", "transfer": "transfer", "multitask": "multitask"}


def classification_frame(runs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Accuracy and macro/weighted precision, recall, F1 (in %) per feature set and model."""
    rows = {}
    for m in runs:
        key = (FEATURE_SET_LABELS.get(m["feature_set"], m["feature_set"]), MODEL_LABELS[m["model"]])
        rows[key] = {
            "Accuracy": 100 * m["accuracy"],
            "Macro P": 100 * m["macro_precision"],
            "Macro R": 100 * m["macro_recall"],
            "Macro F1": 100 * m["macro_f1"],
            "Weighted F1": 100 * m["weighted_f1"],
            "Epochs": int(m["epochs_run"]),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["Feature set", "Model"])
    return frame


def spearman_table(spearman: pd.DataFrame, targets: Sequence[str]) -> pd.DataFrame:
    """Spearman rho per (model, mode) and target, with the mean over targets."""
    wide = spearman.pivot_table(index=["model", "mode"], columns="target", values="spearman")
    wide = wide[list(targets)]
    wide["mean"] = wide.mean(axis=1)
    order = [(m, mode) for m in MODEL_LABELS for mode in MODE_LABELS if (m, mode) in wide.index]
    wide = wide.loc[order]
    wide.index = pd.MultiIndex.from_tuples(
        [(MODEL_LABELS[m], MODE_LABELS[mode]) for m, mode in wide.index],
        names=["Model", "Training"],
    )
    wide.columns = [c.capitalize() for c in wide.columns]
    return wide


def best_classification(runs: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The run with the highest test accuracy (ties: highest macro F1, then first listed)."""
    return max(runs, key=lambda m: (m["accuracy"], m["macro_f1"]))


def classification_macros(runs: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Best classifier and every run's accuracy and macro/weighted F1, as macro bodies."""
    best = best_classification(runs)
    out = {
        "SupBestModel": MODEL_LABELS[best["model"]],
        "SupBestFeatureSet": FEATURE_SET_LABELS[best["feature_set"]],
        "SupBestAccuracy": format_number(100 * best["accuracy"]),
        "SupBestMacroFOne": format_number(100 * best["macro_f1"]),
        "SupBestWeightedFOne": format_number(100 * best["weighted_f1"]),
        "SupTestClips": str(best["n_test"]),
        "SupTrainClips": str(best["n_train"]),
        "SupValidClips": str(best["n_valid"]),
        "SupRuns": str(len(runs)),
    }
    worst = min(runs, key=lambda m: (m["accuracy"], m["macro_f1"]))
    out["SupWorstModel"] = MODEL_LABELS[worst["model"]]
    out["SupWorstFeatureSet"] = FEATURE_SET_LABELS[worst["feature_set"]]
    out["SupWorstAccuracy"] = format_number(100 * worst["accuracy"])
    for m in runs:
        stem = ("sup", m["model"], m["feature_set"])
        out[macro_name(*stem, "acc")] = format_number(100 * m["accuracy"])
        out[macro_name(*stem, "macro", "f", "one")] = format_number(100 * m["macro_f1"])
    return out


def affect_macros(spearman: pd.DataFrame, targets: Sequence[str]) -> dict[str, str]:
    """Best (model, training) per target and for the mean rho, as macro bodies."""
    out: dict[str, str] = {}
    wide = spearman.pivot_table(index=["model", "mode"], columns="target", values="spearman")
    wide["mean"] = wide[list(targets)].mean(axis=1)
    for column in [*targets, "mean"]:
        model, mode = wide[column].idxmax()
        stem = macro_name("sup", "best", column)
        out[stem + "Model"] = MODEL_LABELS[model]
        out[stem + "Training"] = MODE_LABELS[mode]
        out[stem + "Rho"] = format_number(float(wide.loc[(model, mode), column]), 2)
    for (model, mode), row in wide.iterrows():
        out[macro_name("sup", "rho", model, mode, "mean")] = format_number(float(row["mean"]), 2)
    return out


def confusion_title(run: Mapping[str, Any]) -> str:
    """``CNN on mel, beat-synced`` for a run's metrics."""
    return f"{MODEL_LABELS[run['model']]} on {FEATURE_SET_LABELS[run['feature_set']]}"


def shapes_frame(raw: FrameSet, beat: FrameSet) -> pd.DataFrame:
    """Per feature set: dimension and frames per clip raw vs beat-synced, and the reduction."""
    n_raw = np.diff(raw.offsets)
    n_beat = np.diff(beat.offsets)
    rows = {}
    for name, columns in FEATURE_SETS.items():
        dim = len(range(*columns.indices(raw.dim)))
        rows[name] = {
            "Rows": dim,
            "Frames raw": float(n_raw.mean()),
            "Frames beat-synced": float(n_beat.mean()),
            "Min beat-synced": int(n_beat.min()),
            "Max beat-synced": int(n_beat.max()),
            "Reduction": float(n_raw.sum() / max(n_beat.sum(), 1)),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "Feature set"
    return frame


def spectrogram_figure(
    raw: FrameSet, beat: FrameSet, genres: Sequence[str], cmap: str = "magma"
) -> Figure:
    """Mel and chroma of the first clip of each genre, raw (per frame) and beat-synced."""
    panels = [
        ("mel", False, "mel band"),
        ("mel", True, "mel band"),
        ("chroma", False, "chroma bin"),
        ("chroma", True, "chroma bin"),
    ]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            len(genres), len(panels), figsize=(7.0, 1.6 * len(genres) + 0.3), squeeze=False
        )
        for r, genre in enumerate(genres):
            hits = np.flatnonzero(raw.genres == genre)
            if len(hits) == 0:
                raise ValueError(f"no clip of genre {genre!r} in the feature file")
            i = int(hits[0])
            for c, (name, synced, ylabel) in enumerate(panels):
                frames = (beat if synced else raw).clip(i)[:, FEATURE_SETS[name]]
                ax = axes[r, c]
                if synced:
                    extent = (-0.5, len(frames) - 0.5, -0.5, frames.shape[1] - 0.5)
                    xlabel = "beat interval"
                else:
                    extent = (0, len(frames) / raw.frame_rate, -0.5, frames.shape[1] - 0.5)
                    xlabel = "time (s)"
                ax.imshow(
                    frames.T,
                    origin="lower",
                    aspect="auto",
                    cmap=cmap,
                    extent=extent,
                    interpolation="nearest",
                )
                if r == 0:
                    ax.set_title(f"{name}, {'beat-synced' if synced else 'raw'}")
                ax.set_xlabel(xlabel)
                ax.set_ylabel(f"{raw.track_ids[i]}\n{ylabel}" if c == 0 else ylabel)
        fig.tight_layout()
    return fig
