"""Evaluation protocols: how pooled vectors are split into training and test sets.

``thesis``
    The original protocol (Defferrard 2015): ``n_repeats`` rounds of ``ShuffleSplit(n_splits,
    test_size)`` over the pooled vectors, neither stratified nor grouped, after scaling on all
    vectors. Vectors of one clip land in both training and test sets: it leaks, and is kept to
    reproduce the original numbers.
``grouped``
    The honest protocol: ``n_repeats`` rounds of stratified K-fold grouped by clip, every learned
    step (here the scaler) fit on the training folds only.
``fault-filtered``
    GTZAN only: the published train/valid/test split of Kereliuk et al. (2015), artists
    disjoint and faulty clips left out. Hyper-parameters are selected on ``valid`` after
    training on ``train``, and the selected model is scored once on ``test``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.model_selection import ShuffleSplit, StratifiedGroupKFold

PROTOCOLS = ("thesis", "grouped", "fault-filtered")
#: Protocols given by a fixed, published split rather than by random splits.
PREDEFINED = frozenset({"fault-filtered"})
#: Protocols that fit the scaler (and, later, graphs and dictionaries) on all data.
TRANSDUCTIVE = frozenset({"thesis"})

Split = tuple[int, int, np.ndarray, np.ndarray]


def thesis_splits(
    n_samples: int, n_repeats: int = 20, n_splits: int = 10, test_size: float = 0.1, seed: int = 1
) -> list[Split]:
    """``(repeat, fold, train, test)`` index arrays of repeated ShuffleSplit."""
    splits = []
    for rep in range(n_repeats):
        cv = ShuffleSplit(n_splits=n_splits, test_size=test_size, random_state=seed + rep)
        for fold, (train, test) in enumerate(cv.split(np.zeros(n_samples))):
            splits.append((rep, fold, train, test))
    return splits


def grouped_splits(
    labels: np.ndarray, groups: np.ndarray, n_repeats: int = 5, n_splits: int = 10, seed: int = 1
) -> list[Split]:
    """``(repeat, fold, train, test)`` of repeated stratified K-fold grouped by ``groups``.

    Raises
    ------
    ValueError
        If a class has fewer groups (clips) than ``n_splits``.
    """
    labels = np.asarray(labels)
    groups = np.asarray(groups)
    for label in np.unique(labels):
        n_groups = len(np.unique(groups[labels == label]))
        if n_groups < n_splits:
            raise ValueError(
                f"class {label!r} has {n_groups} clips, fewer than n_splits={n_splits}; "
                "lower classify.grouped.n_splits or add clips"
            )
    splits = []
    for rep in range(n_repeats):
        cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed + rep)
        for fold, (train, test) in enumerate(cv.split(np.zeros(len(labels)), labels, groups)):
            splits.append((rep, fold, train, test))
    return splits


def predefined_split(subsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of the ``train``, ``valid`` and ``test`` samples of a published split.

    Parameters
    ----------
    subsets : numpy.ndarray
        Subset of every sample: ``train``, ``valid``, ``test``, or anything else (for example
        an empty string) for a sample the split leaves out.

    Raises
    ------
    ValueError
        If a subset is empty.
    """
    subsets = np.asarray(subsets)
    out = tuple(np.flatnonzero(subsets == name) for name in ("train", "valid", "test"))
    empty = [
        name for name, idx in zip(("train", "valid", "test"), out, strict=True) if not len(idx)
    ]
    if empty:
        raise ValueError(f"the predefined split has no {' or '.join(empty)} samples")
    return out


def make_splits(
    protocol: str,
    labels: np.ndarray,
    groups: np.ndarray,
    settings: Mapping[str, Any],
    seed: int,
) -> list[Split]:
    """Splits of ``protocol`` with its ``settings`` (``n_repeats``, ``n_splits``, ...)."""
    if protocol == "thesis":
        return thesis_splits(
            len(labels),
            n_repeats=int(settings["n_repeats"]),
            n_splits=int(settings["n_splits"]),
            test_size=float(settings["test_size"]),
            seed=seed,
        )
    if protocol == "grouped":
        return grouped_splits(
            labels,
            groups,
            n_repeats=int(settings["n_repeats"]),
            n_splits=int(settings["n_splits"]),
            seed=seed,
        )
    if protocol in PREDEFINED:
        raise ValueError(f"{protocol} is a predefined split: use predefined_split")
    raise ValueError(f"unknown protocol {protocol!r}; choose one of {PROTOCOLS}")
