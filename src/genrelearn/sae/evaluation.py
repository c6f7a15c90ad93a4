"""Evaluation of the structured auto-encoder study: frames, fold parts, pooled codes, scores.

The thesis protocol is transductive: frames are min-max scaled over the whole subset, the kNN
graph and the dictionary are learned on all frames, and the codes learned jointly are pooled and
classified. The grouped protocol fits the scaling, the graph and the dictionary on the training
clips of each fold only and codes the test clips with the learned dictionary (``transform``),
so that nothing about a test clip is seen before it is scored.

Every function here is a plain step on arrays or :class:`~genrelearn.features.FrameSet`; the
Snakemake rules only read, call and write. The clip folds are
:func:`genrelearn.protocols.clip_folds`, written as :meth:`~genrelearn.protocols.Split.to_record`
records. Nothing here imports PyTorch (see :mod:`genrelearn.sae.study`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from genrelearn.features.store import FrameSet
from genrelearn.graph import add_noise, minmax_scale
from genrelearn.io import read_json
from genrelearn.pooling import PooledSet, pool_frameset
from genrelearn.protocols import Split

if TYPE_CHECKING:
    from genrelearn.classify import Evaluation


def sae_frames(frames: FrameSet, genres: Sequence[str], max_frames: int | None) -> FrameSet:
    """The CQT frames the auto-encoder studies: ``genres``' clips, first frames of each stream.

    ``max_frames`` counts frames per stream (the thesis's ``Nframes``); with the two interleaved
    CQT streams that is ``2 * max_frames`` rows per clip.
    """
    subset = frames.select(genres)
    streams = 2 if frames.meta.get("params", {}).get("stream_offset", 512) else 1
    return subset.head(None if max_frames is None else streams * max_frames)


def part_frames(
    frames: FrameSet, noise: float, noise_seed: int, train: Sequence[int] | None = None
) -> tuple[FrameSet, FrameSet | None]:
    """Scaled (and noisy) frames of a part: all clips, or a fold's training and test clips.

    With ``train`` (clip indices), the scaling is fitted on the training clips only and applied
    to the others; the noise of the test clips is drawn from ``noise_seed + 1``.

    Returns
    -------
    fit_frames : FrameSet
        The frames the graph and the dictionary are learned on.
    test_frames : FrameSet or None
        The other clips' frames (``None`` without ``train``).
    """
    if train is None:
        X, _, _ = minmax_scale(frames.frames)
        return frames.with_frames(add_noise(X, noise, noise_seed)), None
    train = np.asarray(train)
    test = np.setdiff1d(np.arange(frames.n_clips), train)
    fit_part, test_part = frames.take(train), frames.take(test)
    X_fit, lo, hi = minmax_scale(fit_part.frames)
    X_test, _, _ = minmax_scale(test_part.frames, lo, hi)
    return (
        fit_part.with_frames(add_noise(X_fit, noise, noise_seed)),
        test_part.with_frames(add_noise(X_test, noise, noise_seed + 1)),
    )


def pooled_codes(codes: FrameSet, n_vectors: int) -> PooledSet:
    """Pool codes (or frames) with the thesis's sum of absolute values per window."""
    return pool_frameset(codes, int(n_vectors), "sum_abs")


def classifier_scaling(model: str) -> str:
    """The thesis's scaling before the SVM: min-max for the CQT baseline, none for codes."""
    return "minmax" if model == "cqt" else "none"


def evaluate_folds(
    folds: Sequence[tuple[tuple[int, int], PooledSet, PooledSet]],
    scaling: str,
    svm: Mapping[str, Any],
) -> Evaluation:
    """Score an SVM per fold: trained on the fold's training vectors, tested on its test vectors.

    Parameters
    ----------
    folds : sequence of ((repeat, fold), train, test)
        ``train``/``test`` are the pooled vectors of the fold's training and test clips.
    scaling : str
        ``minmax`` (fitted on the training vectors) or ``none``.
    svm : mapping
        Keyword arguments of :class:`sklearn.svm.SVC`.
    """
    # scikit-learn is imported here, not with the module: the rules that only load, scale or
    # pool frames (the kNN graph, the fits, the CQT codes) then start without it.
    from genrelearn.classify import Evaluation, fit_and_score_held_out, make_classifier

    classes = sorted(set(folds[0][1].genres) | set(folds[0][2].genres))
    model = make_classifier(scaling, svm)
    rows, confusions = [], []
    for (repeat, fold), train, test in folds:
        row, confusion = fit_and_score_held_out(
            model,
            (train.vectors, np.searchsorted(classes, train.labels), train.clip),
            (test.vectors, np.searchsorted(classes, test.labels), test.clip),
            len(classes),
            repeat,
            fold,
        )
        rows.append(row)
        confusions.append(confusion)
    return Evaluation(pd.DataFrame(rows), np.sum(confusions, axis=0).astype(np.int64), classes)


def load_part(
    frames: FrameSet,
    fold: Sequence[int] | None,
    splits_file: str | Path | None,
    noise: float,
    noise_seed: int,
) -> tuple[FrameSet, FrameSet | None]:
    """Scaled frames of a part named by ``fold`` (``[repeat, fold]``) or all clips (``None``).

    Parameters
    ----------
    frames : FrameSet
        The study's frames (:func:`sae_frames`).
    fold : sequence of int or None
        ``[repeat, fold]`` of a fold part, ``None`` for all clips.
    splits_file : str, Path or None
        The splits file (records of :meth:`genrelearn.protocols.Split.to_record`); needed for
        a fold part only.
    noise, noise_seed
        As for :func:`part_frames`.
    """
    if fold is None:
        return part_frames(frames, noise, noise_seed)
    if not splits_file:
        raise ValueError(f"fold {fold} needs the splits file")
    match = [
        split
        for split in map(Split.from_record, read_json(splits_file))
        if [split.repeat, split.fold] == list(fold)
    ]
    if not match:
        raise ValueError(f"fold {fold} is not in the splits file {splits_file}")
    return part_frames(frames, noise, noise_seed, train=match[0].train)


def join_parts(fit_codes: FrameSet, test_codes: FrameSet | None) -> FrameSet:
    """One code set, training clips first; ``meta['n_train_clips']`` marks the boundary."""
    if test_codes is None:
        out = fit_codes.with_frames(fit_codes.frames)
        out.meta["n_train_clips"] = fit_codes.n_clips
        return out
    out = FrameSet.from_clips(
        [fit_codes.clip(i) for i in range(fit_codes.n_clips)]
        + [test_codes.clip(i) for i in range(test_codes.n_clips)],
        np.concatenate([fit_codes.track_ids, test_codes.track_ids]),
        np.concatenate([fit_codes.genres, test_codes.genres]),
        fit_codes.frame_rate,
        fit_codes.meta,
    )
    out.meta["n_train_clips"] = fit_codes.n_clips
    return out


def split_parts(codes: FrameSet) -> tuple[FrameSet, FrameSet]:
    """Inverse of :func:`join_parts`: the training and the held-out clips' codes."""
    n_train = int(codes.meta["n_train_clips"])
    return codes.take(np.arange(n_train)), codes.take(np.arange(n_train, codes.n_clips))
