"""SVM and ELM back-ends of the random-CNN study: hyper-parameters chosen on training data only.

Every split of a protocol gives four index sets: ``fit`` and ``valid`` (both inside the training
data) to choose the hyper-parameters, ``refit`` the data the chosen model is then trained on, and
``test`` the data it is scored on once. Under ``grouped`` (one vector per clip, so grouping by
clip is splitting by vector) the validation clips are a stratified part of each training fold and
the chosen model is refit on the whole training fold; under ``fault-filtered`` they are the
published ``valid`` list and the model is refit on ``train`` only, as Pons & Serra (2018) did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import GridSearchCV, PredefinedSplit, StratifiedShuffleSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from genrelearn.models.elm import ELMClassifier
from genrelearn.protocols import clip_folds, predefined_split

BACKENDS = ("svm", "elm")
SCALINGS = ("none", "standard")


def make_backend(name: str, scaling: str = "none", seed: int = 0) -> Pipeline:
    """``svm`` (SVC) or ``elm`` (:class:`ELMClassifier`), optionally after standard scaling."""
    if name not in BACKENDS:
        raise ValueError(f"unknown back-end {name!r}; choose one of {BACKENDS}")
    if scaling not in SCALINGS:
        raise ValueError(f"unknown scaling {scaling!r}; choose one of {SCALINGS}")
    clf: BaseEstimator = SVC() if name == "svm" else ELMClassifier(random_state=seed)
    steps = [("scale", StandardScaler())] if scaling == "standard" else []
    return Pipeline([*steps, ("clf", clf)])


def svm_grid(C: Sequence[float], gamma: Sequence[float | str], linear: bool = True) -> list[dict]:
    """Pons & Serra's SVM grid: RBF with every (C, gamma), and linear with every C."""
    grid: list[dict[str, list[Any]]] = [
        {"clf__kernel": ["rbf"], "clf__C": [float(c) for c in C], "clf__gamma": list(gamma)}
    ]
    if linear:
        grid.append({"clf__kernel": ["linear"], "clf__C": [float(c) for c in C]})
    return grid


def elm_grid(n_hidden: Sequence[int]) -> list[dict]:
    """The ELM grid over hidden units."""
    return [{"clf__n_hidden": [int(n) for n in n_hidden]}]


def select_and_refit(
    model: Pipeline,
    grid: list[dict],
    X: np.ndarray,
    y: np.ndarray,
    fit: np.ndarray,
    valid: np.ndarray,
    refit: np.ndarray,
) -> tuple[Pipeline, dict[str, Any], float]:
    """Choose the grid point with the best validation accuracy, then refit it.

    Each point is trained on ``X[fit]`` and scored on ``X[valid]`` (ties go to the first point
    in grid order); the best one is trained again on ``X[refit]``. No other sample is seen.

    Returns
    -------
    model : Pipeline
        The chosen model fitted on ``refit``.
    params : dict
        Its grid parameters (without the ``clf__`` prefix).
    valid_accuracy : float
        Its validation accuracy.
    """
    idx = np.concatenate([fit, valid])
    folds = np.concatenate([np.full(len(fit), -1), np.zeros(len(valid), dtype=int)])
    search = GridSearchCV(model, grid, cv=PredefinedSplit(folds), refit=False, n_jobs=1)
    search.fit(X[idx], y[idx])
    params = search.best_params_
    chosen = clone(model).set_params(**params).fit(X[refit], y[refit])
    return (
        chosen,
        {k.removeprefix("clf__"): v for k, v in params.items()},
        float(search.best_score_),
    )


def backend_splits(
    protocol: str,
    labels: np.ndarray,
    settings: Mapping[str, Any],
    seed: int = 1,
    subsets: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """The ``fit``, ``valid``, ``refit`` and ``test`` indices of every split of ``protocol``.

    Parameters
    ----------
    protocol : str
        ``grouped`` (stratified K-fold over the clips, settings ``n_repeats``, ``n_splits``,
        ``valid_size``) or ``fault-filtered`` (``subsets`` per clip).
    labels : numpy.ndarray
        Class of every clip (one vector per clip).
    """
    labels = np.asarray(labels)
    if protocol == "fault-filtered":
        if subsets is None:
            raise ValueError("fault-filtered needs the subset (train/valid/test) of every clip")
        train, valid, test = predefined_split(subsets)
        return [
            {"repeat": 0, "fold": 0, "fit": train, "valid": valid, "refit": train, "test": test}
        ]
    if protocol != "grouped":
        raise ValueError(f"back-ends support grouped and fault-filtered, not {protocol!r}")
    out = []
    splits = clip_folds(
        labels,
        int(settings["n_repeats"]),
        int(settings["n_splits"]),
        seed,
        config_key="deep.backends.grouped.n_splits",
    )
    for rep, fold, train, test in splits:
        inner = StratifiedShuffleSplit(
            n_splits=1,
            test_size=float(settings["valid_size"]),
            random_state=seed + 1000 * rep + fold,
        )
        fit, valid = next(inner.split(train, labels[train]))
        out.append(
            {
                "repeat": rep,
                "fold": fold,
                "fit": train[fit],
                "valid": train[valid],
                "refit": train,
                "test": test,
            }
        )
    return out


def evaluate_backends(
    X: np.ndarray,
    labels: np.ndarray,
    splits: Sequence[Mapping[str, Any]],
    grids: Mapping[str, list[dict]],
    scaling: str = "none",
    seed: int = 0,
) -> pd.DataFrame:
    """Score every back-end of ``grids`` (``svm``/``elm`` -> grid) on every split.

    Returns
    -------
    pandas.DataFrame
        One row per back-end and split: ``backend``, ``repeat``, ``fold``, ``n_refit``,
        ``n_test``, ``accuracy`` (test, in %), ``valid_accuracy`` (%), ``params`` (JSON text).
    """
    import json

    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels)
    rows = []
    for name, grid in grids.items():
        for split in splits:
            model, params, valid_acc = select_and_refit(
                make_backend(name, scaling, seed),
                grid,
                X,
                labels,
                split["fit"],
                split["valid"],
                split["refit"],
            )
            test = split["test"]
            acc = float(np.mean(model.predict(X[test]) == labels[test]))
            rows.append(
                {
                    "backend": name,
                    "repeat": split["repeat"],
                    "fold": split["fold"],
                    "n_refit": len(split["refit"]),
                    "n_test": len(test),
                    "accuracy": 100 * acc,
                    "valid_accuracy": 100 * valid_acc,
                    "params": json.dumps(params, sort_keys=True),
                }
            )
    return pd.DataFrame(rows)
