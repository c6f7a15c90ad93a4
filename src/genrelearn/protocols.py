"""Evaluation protocols: how vectors and clips are split into training, validation and test sets.

Every study splits through this module, so that one concept has one implementation:

* :func:`thesis_splits`, :func:`grouped_splits` and :func:`make_splits` split pooled vectors;
  :func:`clip_folds` splits clips (one label per clip). All return lists of :class:`Split`.
* :func:`carve_validation` holds a stratified validation part out of a fold's training clips.
* :func:`published_subsets` maps a published split file onto clips and
  :func:`predefined_split` turns those subsets into index arrays.

The protocols:

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
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

# scikit-learn's splitters are imported by the functions that use them: several rules import
# this module for Split alone and should not pay scikit-learn's start-up (about a second).

PROTOCOLS = ("thesis", "grouped", "fault-filtered")
#: Protocols given by a fixed, published split rather than by random splits.
PREDEFINED = frozenset({"fault-filtered"})
#: Protocols that fit the scaler (and, later, graphs and dictionaries) on all data.
TRANSDUCTIVE = frozenset({"thesis"})


class Split(NamedTuple):
    """One split of a protocol: its repetition, its fold, its training and test indices.

    Every split function of this module returns a list of these. It unpacks as the tuple
    ``(repeat, fold, train, test)``; ``train`` and ``test`` are sorted integer index arrays
    (of samples, or of clips for :func:`clip_folds`).
    """

    repeat: int
    fold: int
    train: np.ndarray
    test: np.ndarray

    def to_record(self) -> dict[str, Any]:
        """The split as JSON-ready ``{"repeat", "fold", "train", "test"}`` (lists of int)."""
        return {
            "repeat": int(self.repeat),
            "fold": int(self.fold),
            "train": self.train.tolist(),
            "test": self.test.tolist(),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Split:
        """Inverse of :meth:`to_record`."""
        return cls(
            int(record["repeat"]),
            int(record["fold"]),
            np.asarray(record["train"], dtype=np.int64),
            np.asarray(record["test"], dtype=np.int64),
        )


def thesis_splits(
    n_samples: int, n_repeats: int = 20, n_splits: int = 10, test_size: float = 0.1, seed: int = 1
) -> list[Split]:
    """Repeated ShuffleSplit over ``n_samples`` samples; repetition ``r`` is seeded ``seed + r``."""
    from sklearn.model_selection import ShuffleSplit

    splits = []
    for rep in range(n_repeats):
        cv = ShuffleSplit(n_splits=n_splits, test_size=test_size, random_state=seed + rep)
        for fold, (train, test) in enumerate(cv.split(np.zeros(n_samples))):
            splits.append(Split(rep, fold, train, test))
    return splits


def grouped_splits(
    labels: np.ndarray,
    groups: np.ndarray,
    n_repeats: int = 5,
    n_splits: int = 10,
    seed: int = 1,
    *,
    config_key: str = "n_splits",
) -> list[Split]:
    """Repeated stratified K-fold grouped by ``groups``; repetition ``r`` is seeded ``seed + r``.

    Parameters
    ----------
    labels, groups : numpy.ndarray
        Class and group (clip) of every sample.
    n_repeats, n_splits : int
        Repetitions, and folds per repetition.
    seed : int
        Seed of the first repetition.
    config_key : str
        The setting that gives ``n_splits``, named by the error message.

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
                f"class {label.item()!r} has {n_groups} clips, fewer than n_splits={n_splits}; "
                f"lower {config_key} or add clips"
            )
    from sklearn.model_selection import StratifiedGroupKFold

    splits = []
    for rep in range(n_repeats):
        cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed + rep)
        for fold, (train, test) in enumerate(cv.split(np.zeros(len(labels)), labels, groups)):
            splits.append(Split(rep, fold, train, test))
    return splits


def clip_folds(
    labels: np.ndarray, n_repeats: int, n_splits: int, seed: int, *, config_key: str = "n_splits"
) -> list[Split]:
    """Repeated stratified K-fold over clips: :func:`grouped_splits` with one sample per clip.

    Parameters
    ----------
    labels : numpy.ndarray
        Class (genre) of every clip.
    n_repeats, n_splits, seed, config_key
        As for :func:`grouped_splits`.

    Returns
    -------
    list of Split
        ``train`` and ``test`` are clip indices (positions in ``labels``).
    """
    labels = np.asarray(labels)
    return grouped_splits(
        labels, np.arange(len(labels)), n_repeats, n_splits, seed, config_key=config_key
    )


def carve_validation(
    labels: np.ndarray, fraction: float, seed: int, *, config_key: str = "n_splits"
) -> tuple[np.ndarray, np.ndarray]:
    """Hold out a stratified validation part of a fold's training clips (for early stopping).

    ``round(fraction * len(labels))`` clips are held out, and at least one per class, so that
    the stratified split exists.

    Parameters
    ----------
    labels : numpy.ndarray
        Class of every training clip.
    fraction : float
        Share of the clips held out.
    seed : int
        Seed of the draw.
    config_key : str
        The setting to lower when the clips are too few, named by the error message (the
        number of folds: fewer folds leave more training clips).

    Returns
    -------
    fit, valid : numpy.ndarray
        Sorted positions in ``labels`` of the clips to fit on and of the validation clips.

    Raises
    ------
    ValueError
        If fewer than one clip per class would be left to fit on.
    """
    labels = np.asarray(labels)
    n_classes = len(np.unique(labels))
    n_valid = max(n_classes, int(round(float(fraction) * len(labels))))
    if len(labels) - n_valid < n_classes:
        raise ValueError(
            f"{len(labels)} training clips are too few to hold out {n_valid} for validation "
            f"and keep one per class to fit on; add clips or lower {config_key}"
        )
    from sklearn.model_selection import train_test_split

    fit, valid = train_test_split(
        np.arange(len(labels)), test_size=n_valid, stratify=labels, random_state=seed
    )
    return np.sort(fit), np.sort(valid)


def published_subsets(split_csv: str | Path, track_ids: np.ndarray) -> np.ndarray:
    """Subset of every clip in a published split file (GTZAN's fault-filtered split).

    Parameters
    ----------
    split_csv : str or Path
        A CSV file with columns ``track_id`` and ``subset`` (``train``, ``valid``, ``test``),
        as the ``gtzan_split`` rule writes it.
    track_ids : numpy.ndarray
        The clips, in their order.

    Returns
    -------
    numpy.ndarray
        ``train``, ``valid``, ``test``, or ``""`` for a clip the split leaves out, per clip
        (the input of :func:`predefined_split`).
    """
    published = pd.read_csv(split_csv).set_index("track_id")["subset"]
    return pd.Series(track_ids).map(published).fillna("").to_numpy()


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
    *,
    config_key: str = "classify.grouped.n_splits",
) -> list[Split]:
    """Splits of ``protocol`` with its ``settings`` (``n_repeats``, ``n_splits``, ...).

    ``config_key`` names the setting of ``n_splits`` in the error of :func:`grouped_splits`.
    """
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
            config_key=config_key,
        )
    if protocol in PREDEFINED:
        raise ValueError(f"{protocol} is a predefined split: use predefined_split")
    raise ValueError(f"unknown protocol {protocol!r}; choose one of {PROTOCOLS}")
