"""Classify pooled vectors with an SVM under an evaluation protocol and score every split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import confusion_matrix
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import SVC

from genrelearn.protocols import PREDEFINED, TRANSDUCTIVE, Split, make_splits, predefined_split
from genrelearn.workers import explain_worker_death

SCALERS = ("minmax", "none")


def make_classifier(scaling: str = "minmax", svm: Mapping[str, Any] | None = None) -> Pipeline:
    """The thesis classifier: optional min-max scaling, then ``SVC`` (linear, C=1 by default)."""
    if scaling not in SCALERS:
        raise ValueError(f"unknown scaling {scaling!r}; choose one of {SCALERS}")
    params = {"kernel": "linear", "C": 1.0, **dict(svm or {})}
    steps: list[Any] = [MinMaxScaler()] if scaling == "minmax" else []
    return make_pipeline(*steps, SVC(**params))


def clip_vote(predictions: np.ndarray, clips: np.ndarray, n_classes: int) -> dict[int, int]:
    """Majority vote of each clip's vector predictions (ties go to the lowest class index)."""
    votes: dict[int, int] = {}
    for clip in np.unique(clips):
        counts = np.bincount(predictions[clips == clip], minlength=n_classes)
        votes[int(clip)] = int(np.argmax(counts))
    return votes


@dataclass
class Evaluation:
    """Scores of a classifier over all splits of a protocol.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per split: ``repeat``, ``fold``, ``n_train``, ``n_test``, ``accuracy`` (per
        vector) and ``clip_accuracy`` (majority vote of each test clip's vectors).
    confusion : numpy.ndarray
        Confusion matrix of the vectors summed over all splits (rows: true class).
    classes : list of str
        Class names in matrix order.
    extra : dict
        Protocol-specific facts copied into the summary (e.g. the hyper-parameters selected
        on a validation set).
    """

    scores: pd.DataFrame
    confusion: np.ndarray
    classes: list[str]
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Mean and std of the scores (in %), and per-class precision, recall and F1."""
        acc = self.scores["accuracy"].to_numpy() * 100
        clip_acc = self.scores["clip_accuracy"].to_numpy() * 100
        return {
            **self.extra,
            "accuracy_mean": float(acc.mean()),
            "accuracy_std": float(acc.std()),
            "clip_accuracy_mean": float(clip_acc.mean()),
            "clip_accuracy_std": float(clip_acc.std()),
            "n_splits": len(self.scores),
            "classes": self.classes,
            "confusion": self.confusion.tolist(),
            "per_class": per_class_report(self.confusion, self.classes),
        }


def per_class_report(confusion: np.ndarray, classes: Sequence[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per class, with macro and weighted averages."""
    confusion = np.asarray(confusion, dtype=float)
    tp = np.diag(confusion)
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    report = {
        name: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": float(support[i]),
        }
        for i, name in enumerate(classes)
    }
    weights = support / support.sum()
    for avg, w in (("macro", np.full(len(classes), 1 / len(classes))), ("weighted", weights)):
        report[f"{avg} avg"] = {
            "precision": float(w @ precision),
            "recall": float(w @ recall),
            "f1": float(w @ f1),
            "support": float(support.sum()),
        }
    return report


def fit_and_score(
    model: Pipeline, X: np.ndarray, y: np.ndarray, clips: np.ndarray, split: Split, n_classes: int
) -> tuple[dict[str, Any], np.ndarray]:
    """Fit a clone of ``model`` on one split and score it per vector and per clip (vote).

    Returns
    -------
    row : dict
        ``repeat``, ``fold``, ``n_train``, ``n_test``, ``accuracy``, ``clip_accuracy``.
    confusion : numpy.ndarray
        Confusion matrix of the test vectors.
    """
    rep, fold, train, test = split
    fitted = clone(model).fit(X[train], y[train])
    pred = fitted.predict(X[test])
    votes = clip_vote(pred, clips[test], n_classes)
    test_clips = np.unique(clips[test])
    clip_truth = {int(c): int(y[test][clips[test] == c][0]) for c in test_clips}
    clip_acc = np.mean([votes[int(c)] == clip_truth[int(c)] for c in test_clips])
    row = {
        "repeat": rep,
        "fold": fold,
        "n_train": len(train),
        "n_test": len(test),
        "accuracy": float(np.mean(pred == y[test])),
        "clip_accuracy": float(clip_acc),
    }
    return row, confusion_matrix(y[test], pred, labels=np.arange(n_classes))


def fit_and_score_held_out(
    model: Pipeline,
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_classes: int,
    repeat: int = 0,
    fold: int = 0,
) -> tuple[dict[str, Any], np.ndarray]:
    """:func:`fit_and_score` on a training set and a test set given apart.

    For features computed per part (e.g. codes learned on a fold's training clips, then computed
    for its test clips): the two sets are stacked, test clips numbered after the training ones,
    and scored as the split ``(repeat, fold)`` of the stack.

    Parameters
    ----------
    model : Pipeline
        The classifier (cloned, not fitted in place).
    train, test : tuple of numpy.ndarray
        ``(vectors, labels, clips)`` of each set: labels are class indices, clips number the
        set's own clips from 0.
    n_classes : int
        Number of classes (confusion matrix size).
    repeat, fold : int
        The split's name in the score row.

    Returns
    -------
    row, confusion
        As for :func:`fit_and_score`.
    """
    (X_train, y_train, clips_train), (X_test, y_test, clips_test) = train, test
    X = np.concatenate([X_train, X_test]).astype(np.float64)
    y = np.concatenate([y_train, y_test])
    clips = np.concatenate([clips_train, clips_test + clips_train.max() + 1])
    n_train = len(X_train)
    split = Split(repeat, fold, np.arange(n_train), np.arange(n_train, len(X)))
    return fit_and_score(model, X, y, clips, split, n_classes)


def evaluate(
    vectors: np.ndarray,
    labels: Sequence[str],
    clips: np.ndarray,
    protocol: str,
    settings: Mapping[str, Any],
    scaling: str = "minmax",
    svm: Mapping[str, Any] | None = None,
    seed: int = 1,
    n_jobs: int = 1,
    subsets: np.ndarray | None = None,
) -> Evaluation:
    """Evaluate the SVM on pooled vectors under ``protocol``.

    Parameters
    ----------
    vectors : numpy.ndarray
        ``(n_vectors, dim)`` pooled features.
    labels : sequence of str
        Genre of each vector.
    clips : numpy.ndarray
        Clip of each vector (groups for the ``grouped`` protocol and for voting).
    protocol : str
        ``thesis``, ``grouped`` or ``fault-filtered`` (see :mod:`genrelearn.protocols`).
    settings : mapping
        The protocol's split settings; for ``fault-filtered``, ``C``: the values of the SVM's
        C tried on the validation set.
    scaling : str
        ``minmax`` or ``none``. Under a transductive protocol the scaler is fit once on all
        vectors, as in the thesis; otherwise on each training set only.
    svm : mapping, optional
        Keyword arguments of :class:`sklearn.svm.SVC`.
    seed : int
        Seed of the splits.
    n_jobs : int
        Splits fitted in parallel.
    subsets : numpy.ndarray, optional
        For a predefined split (``fault-filtered``): ``train``, ``valid``, ``test`` or ``""``
        (left out) per vector.

    Returns
    -------
    Evaluation
    """
    if protocol in PREDEFINED:
        if subsets is None:
            raise ValueError(f"protocol {protocol} needs the subset of every vector")
        return evaluate_predefined(
            vectors, labels, clips, subsets, settings["C"], scaling, svm, n_jobs
        )
    classes = sorted(set(labels))
    y = np.searchsorted(classes, np.asarray(labels))
    X = np.asarray(vectors, dtype=np.float64)
    clips = np.asarray(clips)
    model = make_classifier(scaling, svm)
    if protocol in TRANSDUCTIVE and scaling != "none":
        X = MinMaxScaler().fit_transform(X)
        model = make_classifier("none", svm)
    splits = make_splits(protocol, y, clips, settings, seed)
    with explain_worker_death(f"the {len(splits)} SVM fits of a {protocol} evaluation"):
        results = Parallel(n_jobs=n_jobs)(
            delayed(fit_and_score)(model, X, y, clips, split, len(classes)) for split in splits
        )
    rows = [r for r, _ in results]
    confusion = np.sum([c for _, c in results], axis=0)
    return Evaluation(pd.DataFrame(rows), confusion.astype(np.int64), classes)


def evaluate_predefined(
    vectors: np.ndarray,
    labels: Sequence[str],
    clips: np.ndarray,
    subsets: np.ndarray,
    c_values: Sequence[float],
    scaling: str = "minmax",
    svm: Mapping[str, Any] | None = None,
    n_jobs: int = 1,
) -> Evaluation:
    """Train on ``train``, select C on ``valid``, score the selected SVM once on ``test``.

    The scaler is fit on the training vectors only; the selected model is refit on the
    training vectors alone (not training + validation), as Pons & Serra (2018) did.

    Parameters
    ----------
    vectors, labels, clips, scaling, svm, n_jobs
        As for :func:`evaluate`.
    subsets : numpy.ndarray
        ``train``, ``valid``, ``test`` or ``""`` (left out) per vector.
    c_values : sequence of float
        Values of C tried; ties go to the first in the list.

    Returns
    -------
    Evaluation
        One score row (``repeat`` 0, ``fold`` 0) on the test set; ``extra`` holds the selected
        C, the validation accuracy of every C and the clip counts of the subsets.
    """
    if not len(c_values):
        raise ValueError("no value of C to select from")
    classes = sorted(set(labels))
    y = np.searchsorted(classes, np.asarray(labels))
    X = np.asarray(vectors, dtype=np.float64)
    clips = np.asarray(clips)
    train, valid, test = predefined_split(subsets)
    base = dict(svm or {})
    candidates = [make_classifier(scaling, {**base, "C": float(c)}) for c in c_values]
    with explain_worker_death(f"the SVM fits for {len(candidates)} values of C"):
        results = Parallel(n_jobs=n_jobs)(
            delayed(fit_and_score)(model, X, y, clips, Split(0, i, train, valid), len(classes))
            for i, model in enumerate(candidates)
        )
    valid_acc = [row["accuracy"] for row, _ in results]
    best = int(np.argmax(valid_acc))
    split = Split(0, 0, train, test)
    row, confusion = fit_and_score(candidates[best], X, y, clips, split, len(classes))
    extra = {
        "selected_C": float(c_values[best]),
        "valid_accuracy": {
            f"{float(c):g}": 100 * a for c, a in zip(c_values, valid_acc, strict=True)
        },
        "subset_clips": {
            name: int(len(np.unique(clips[idx])))
            for name, idx in (("train", train), ("valid", valid), ("test", test))
        },
    }
    return Evaluation(pd.DataFrame([row]), confusion.astype(np.int64), classes, extra)
