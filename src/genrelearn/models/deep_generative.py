"""The deep generative study: DBN by layer, ConvRBM poolings, VAE probe.

Each function takes a :class:`~genrelearn.features.store.FrameSet` and plain settings and
returns tables (pandas) and clip vectors, so that rule scripts only read and write files.
Supervised steps (fine-tuning, SVM, random forest, logistic regression) always fit on the
training clips of a stratified clip fold (:func:`genrelearn.protocols.clip_folds`) and are
scored on its test clips; the DBN's early stopping uses validation clips carved from the
training clips (:func:`genrelearn.protocols.carve_validation`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from genrelearn.classify import fit_and_score_held_out, make_classifier
from genrelearn.features.store import FrameSet
from genrelearn.models.conv_rbm import POOLINGS, ConvRBM
from genrelearn.models.conv_vae import ConvVAE
from genrelearn.models.dbn import DBN, window_stats
from genrelearn.models.patches import clip_means, spectrogram_patches
from genrelearn.pooling import PooledSet
from genrelearn.protocols import carve_validation, clip_folds

#: The setting of the folds' count, named by the errors of too few clips.
N_SPLITS_KEY = "deep.folds.n_splits"


def _frame_labels(frames: FrameSet, classes: Sequence[str]) -> np.ndarray:
    return np.searchsorted(classes, frames.genres[frames.frame_clip_index()])


def dbn_layer_study(
    frames: FrameSet,
    dbn: Mapping[str, Any],
    *,
    window: int,
    frame_step: int,
    n_repeats: int,
    n_splits: int,
    valid_fraction: float,
    scaling: str,
    svm: Mapping[str, Any],
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Hamel & Eck's table by layer, honestly: every model is fit per fold on training clips.

    Per fold: pretrain the DBN on the training clips' frames (no labels), score an SVM on the
    windowed mean/variance of each layer's activations and of all layers; fine-tune the stack
    with early stopping on validation clips carved from the training clips, score the SVM on
    the fine-tuned activations again, and the network's own decision (mean frame posterior
    per test clip).

    Parameters
    ----------
    frames : FrameSet
        |DFT| frames of every clip.
    dbn : mapping
        Keyword arguments of :class:`~genrelearn.models.dbn.DBN` (not ``random_state``).
    window : int
        Frames per aggregation window.
    frame_step : int
        Fit the DBN on every ``frame_step``-th frame (features use all frames).
    n_repeats, n_splits : int
        Clip folds.
    valid_fraction : float
        Share of a fold's training clips used for early stopping.
    scaling, svm : str, mapping
        The SVM of the main table (:func:`genrelearn.classify.make_classifier`).
    seed : int
        Folds and models.

    Returns
    -------
    scores : pandas.DataFrame
        ``repeat``, ``fold``, ``stage`` (pretrained, fine-tuned), ``layer`` (L1.., all,
        frame vote), ``accuracy`` (per window vector; per clip for the frame vote) and
        ``clip_accuracy``.
    pretrain : pandas.DataFrame
        CD histories (with ``repeat``, ``fold``, ``layer``).
    finetune : pandas.DataFrame
        Fine-tuning histories (with ``repeat``, ``fold``).
    """
    classes = sorted(set(frames.genres.tolist()))
    y_clip = np.searchsorted(classes, frames.genres)
    rows, pre_hist, ft_hist = [], [], []
    n_layers = len(dbn["hidden"])
    layer_sets = [(f"L{i + 1}", [i]) for i in range(n_layers)] + [("all", list(range(n_layers)))]
    folds = clip_folds(frames.genres, n_repeats, n_splits, seed, config_key=N_SPLITS_KEY)
    for rep, fold, train, test in folds:
        fit_pos, val_pos = carve_validation(
            frames.genres[train], valid_fraction, seed + fold, config_key=N_SPLITS_KEY
        )
        train_set, test_set = frames.take(train), frames.take(test)
        fit_set, val_set = frames.take(train[fit_pos]), frames.take(train[val_pos])
        model = DBN(**dict(dbn), random_state=seed + 100 * rep + fold).fit(
            train_set.frames[::frame_step]
        )
        pre_hist.append(model.pretrain_history_.assign(repeat=rep, fold=fold))
        for stage in ("pretrained", "fine-tuned"):
            if stage == "fine-tuned":
                model.fine_tune(
                    fit_set.frames[::frame_step],
                    _frame_labels(fit_set, classes)[::frame_step],
                    val_set.frames[::frame_step],
                    _frame_labels(val_set, classes)[::frame_step],
                )
                ft_hist.append(model.finetune_history_.assign(repeat=rep, fold=fold))
            out_train = model.layer_outputs(train_set.frames)
            out_test = model.layer_outputs(test_set.frames)
            for name, layers in layer_sets:
                X_tr, c_tr = window_stats(
                    np.hstack([out_train[i] for i in layers]), train_set.offsets, window
                )
                X_te, c_te = window_stats(
                    np.hstack([out_test[i] for i in layers]), test_set.offsets, window
                )
                row, _ = fit_and_score_held_out(
                    make_classifier(scaling, svm),
                    (X_tr, y_clip[train][c_tr], c_tr),
                    (X_te, y_clip[test][c_te], c_te),
                    len(classes),
                    rep,
                    fold,
                )
                rows.append({**row, "stage": stage, "layer": name})
        proba = model.predict_proba(test_set.frames)
        votes = clip_means(proba, test_set.frame_clip_index(), test_set.n_clips).argmax(axis=1)
        acc = float(np.mean(votes == y_clip[test]))
        rows.append(
            {
                "repeat": rep,
                "fold": fold,
                "n_train": len(train),
                "n_test": len(test),
                "accuracy": acc,
                "clip_accuracy": acc,
                "stage": "fine-tuned",
                "layer": "frame vote",
            }
        )
    return pd.DataFrame(rows), pd.concat(pre_hist), pd.concat(ft_hist)


def dbn_vectors(
    frames: FrameSet, dbn: Mapping[str, Any], *, window: int, frame_step: int, seed: int
) -> tuple[PooledSet, pd.DataFrame]:
    """Label-free DBN fitted on all clips (transductive); all layers' windowed statistics."""
    model = DBN(**dict(dbn), random_state=seed).fit(frames.frames[::frame_step])
    vectors, clip = window_stats(model.transform(frames.frames), frames.offsets, window)
    pooled = PooledSet(vectors, clip, frames.track_ids, frames.genres, window, frames.frame_rate)
    return pooled, model.pretrain_history_


def _folds_of_clip_vectors(
    make_model: Any,
    vectors: np.ndarray,
    genres: np.ndarray,
    n_repeats: int,
    n_splits: int,
    seed: int,
) -> list[dict[str, Any]]:
    classes = sorted(set(genres.tolist()))
    y = np.searchsorted(classes, genres)
    rows = []
    for rep, fold, train, test in clip_folds(
        genres, n_repeats, n_splits, seed, config_key=N_SPLITS_KEY
    ):
        pred = make_model().fit(vectors[train], y[train]).predict(vectors[test])
        rows.append(
            {
                "repeat": rep,
                "fold": fold,
                "accuracy": float(np.mean(pred == y[test])),
                "f1_macro": float(f1_score(y[test], pred, average="macro")),
            }
        )
    return rows


def convrbm_study(
    frames: FrameSet,
    convrbm: Mapping[str, Any],
    *,
    patch_frames: int,
    main_pooling: str,
    forest_trees: int,
    n_repeats: int,
    n_splits: int,
    seed: int,
    n_jobs: int = 1,
) -> tuple[pd.DataFrame, PooledSet, pd.DataFrame, dict[str, np.ndarray]]:
    """ConvRBM on all clips' patches (label-free, transductive); random forest per pooling.

    Returns
    -------
    scores : pandas.DataFrame
        ``pooling``, ``repeat``, ``fold``, ``accuracy``, ``f1_macro`` of the random forest on
        the clip-mean pooled vectors.
    vectors : PooledSet
        One clip-mean vector per clip with ``main_pooling``, for the main table.
    history : pandas.DataFrame
        CD history.
    clip_vectors : dict
        Pooling -> ``(n_clips, dim)`` clip-mean vectors.
    """
    patches, clip = spectrogram_patches(frames.frames, frames.offsets, patch_frames)
    model = ConvRBM(**dict(convrbm), random_state=seed).fit(patches)
    clip_vectors = model.transform_many(patches, POOLINGS, clip=clip)
    rows = []
    for pooling in POOLINGS:
        for row in _folds_of_clip_vectors(
            lambda: RandomForestClassifier(
                n_estimators=forest_trees, random_state=seed, n_jobs=n_jobs
            ),
            clip_vectors[pooling],
            frames.genres,
            n_repeats,
            n_splits,
            seed,
        ):
            rows.append({"pooling": pooling, "dim": clip_vectors[pooling].shape[1], **row})
    pooled = _clip_pooled(clip_vectors[main_pooling], frames, patch_frames)
    return pd.DataFrame(rows), pooled, model.history_, clip_vectors


def vae_study(
    frames: FrameSet,
    vae: Mapping[str, Any],
    *,
    patch_frames: int,
    logreg_C: float,
    n_repeats: int,
    n_splits: int,
    seed: int,
) -> tuple[pd.DataFrame, PooledSet, pd.DataFrame]:
    """Convolutional VAE on all clips' patches (label-free, transductive) + logistic regression.

    Returns the per-fold scores of the logistic regression on the clip-mean latent means, the
    clip vectors for the main table and the training history.
    """
    patches, clip = spectrogram_patches(frames.frames, frames.offsets, patch_frames)
    model = ConvVAE(**dict(vae), random_state=seed).fit(patches)
    vectors = clip_means(model.transform(patches), clip, frames.n_clips)
    rows = _folds_of_clip_vectors(
        lambda: make_pipeline(StandardScaler(), LogisticRegression(C=logreg_C, max_iter=2000)),
        vectors,
        frames.genres,
        n_repeats,
        n_splits,
        seed,
    )
    return pd.DataFrame(rows), _clip_pooled(vectors, frames, patch_frames), model.history_


def _clip_pooled(vectors: np.ndarray, frames: FrameSet, patch_frames: int) -> PooledSet:
    """One vector per clip as a :class:`PooledSet` (window = the shortest clip's frames)."""
    lengths = np.diff(frames.offsets)
    return PooledSet(
        vectors=np.asarray(vectors, dtype=np.float32),
        clip=np.arange(frames.n_clips),
        track_ids=frames.track_ids,
        genres=frames.genres,
        window=int(lengths.min() // patch_frames * patch_frames),
        frame_rate=frames.frame_rate,
    )
