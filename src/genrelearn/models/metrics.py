"""Scores of the supervised models (no torch needed): classification report, Spearman's rho."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from genrelearn.classify import per_class_report


def classification_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro and weighted precision/recall/F1, per-class report, confusion matrix."""
    k = len(classes)
    confusion = np.zeros((k, k), dtype=int)
    np.add.at(confusion, (np.asarray(y_true), np.asarray(y_pred)), 1)
    report = per_class_report(confusion, list(classes))
    out: dict[str, Any] = {
        "accuracy": float(np.trace(confusion) / max(confusion.sum(), 1)),
        "classes": list(classes),
        "confusion": confusion.tolist(),
        "per_class": report,
    }
    for avg in ("macro", "weighted"):
        for metric in ("precision", "recall", "f1"):
            out[f"{avg}_{metric}"] = report[f"{avg} avg"][metric]
    return out


def spearman(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Spearman's rank correlation over all predictions (NaN-free: 0 for a constant input)."""
    y_true = np.asarray(y_true, dtype=float).ravel()
    y_pred = np.asarray(y_pred, dtype=float).ravel()
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} true values but {len(y_pred)} predictions")
    if np.ptp(y_true) == 0 or np.ptp(y_pred) == 0:
        return 0.0
    return float(spearmanr(y_true, y_pred).statistic)


def spearman_frame(runs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Long table ``mode, model, target, spearman`` from the runs' metrics."""
    rows = [
        {"mode": m["mode"], "model": m["model"], "target": t, "spearman": rho}
        for m in runs
        for t, rho in m["spearman"].items()
    ]
    return pd.DataFrame(rows, columns=["mode", "model", "target", "spearman"])
