"""Supervised CNN/LSTM experiments: genre classification and affect regression.

Feature sets are column slices of the ``fused`` (raw frames) and ``fused_beat`` (beat-synchronous)
feature files (:data:`genrelearn.features.beat_sync.FEATURE_SETS`): ``mel``, ``chroma``,
``fused`` and their ``_beat`` versions. Every model is trained by
:func:`genrelearn.models.training.train_epochs` (Adam, early stopping on the validation loss) on
one split of the clips: a stratified test fold grouped by clip (or GTZAN's published split) and a
validation part carved from the training clips only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader

from genrelearn.features.sets import FEATURE_SETS
from genrelearn.features.store import FrameSet
from genrelearn.models.heads import SequenceModel
from genrelearn.models.metrics import classification_metrics
from genrelearn.models.sequences import ClipSequences, feature_stats, pad_collate
from genrelearn.models.training import LossFn, TrainingResult, to_device, train_epochs
from genrelearn.protocols import carve_validation, clip_folds, predefined_split

_log = logging.getLogger(__name__)

#: The setting of the folds' count, named by the errors of too few clips.
N_SPLITS_KEY = "supervised.n_splits"

#: Suffix of the beat-synchronous feature sets.
BEAT = "_beat"


def parse_feature_set(name: str) -> tuple[bool, slice]:
    """``(beat_synchronous, columns)`` of a feature set name such as ``chroma_beat``.

    Raises
    ------
    ValueError
        For a name that is not ``mel``, ``chroma``, ``fused`` with or without ``_beat``.
    """
    beat = name.endswith(BEAT)
    base = name[: -len(BEAT)] if beat else name
    if base not in FEATURE_SETS:
        known = [f"{b}{s}" for b in FEATURE_SETS for s in ("", BEAT)]
        raise ValueError(f"unknown feature set {name!r}; choose from {known}")
    return beat, FEATURE_SETS[base]


def clip_split(
    labels: np.ndarray,
    seed: int,
    n_splits: int = 5,
    val_fraction: float = 0.15,
    subsets: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Train, validation and test clip indices.

    Without ``subsets``: the test clips are the first fold of a stratified ``n_splits``-fold
    split of the clips (:func:`genrelearn.protocols.clip_folds`), and ``val_fraction`` of the
    remaining clips, stratified, are held out for early stopping
    (:func:`genrelearn.protocols.carve_validation`). With ``subsets`` (a published split:
    ``train``/``valid``/``test`` per clip, anything else left out) it is used as given
    (:func:`genrelearn.protocols.predefined_split`).
    """
    if subsets is not None:
        return dict(zip(("train", "valid", "test"), predefined_split(subsets), strict=True))
    _, _, train, test = clip_folds(labels, 1, n_splits, seed, config_key=N_SPLITS_KEY)[0]
    fit, valid = carve_validation(
        np.asarray(labels)[train], val_fraction, seed, config_key=N_SPLITS_KEY
    )
    return {"train": train[fit], "valid": train[valid], "test": test}


def make_datasets(
    frames: FrameSet,
    split: Mapping[str, np.ndarray],
    targets: np.ndarray,
    columns: slice,
    max_frames: int | None,
) -> dict[str, ClipSequences]:
    """One :class:`ClipSequences` per part, standardised with the training clips' statistics."""
    mean, std = feature_stats(frames, split["train"], columns)
    return {
        part: ClipSequences(frames, clips, targets, columns, mean, std, max_frames)
        for part, clips in split.items()
    }


def make_loader(dataset: ClipSequences, batch_size: int, shuffle: bool, seed: int) -> DataLoader:
    """Padded mini-batches (:func:`pad_collate`), shuffled by a seeded generator."""
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        collate_fn=pad_collate,
        generator=torch.Generator().manual_seed(seed) if shuffle else None,
    )


def predict(model: torch.nn.Module, loader: DataLoader, device: torch.device | str) -> np.ndarray:
    """Raw outputs ``(n, n_outputs)`` of ``model`` over ``loader``, in order."""
    model.eval()
    outs = []
    with torch.no_grad():
        for batch in loader:
            batch = to_device(batch, device)
            outs.append(model(batch.x, batch.lengths).cpu().numpy())
    return np.concatenate(outs)


def overfit_one_batch(
    model: torch.nn.Module,
    batch: Any,
    loss_fn: LossFn,
    steps: int = 200,
    lr: float = 1e-3,
    device: torch.device | str = "cpu",
) -> list[float]:
    """Train ``model`` on one batch only and return the loss at every step.

    The sanity check of the lab: a model and loss wired correctly drive the loss of a single
    batch close to zero. Dropout is disabled (eval mode is not used, so batch norm still
    learns the batch's statistics).
    """
    model.to(device).train()
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    batch = to_device(batch, device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model, batch)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses


def fit(
    model: SequenceModel,
    loss_fn: LossFn,
    datasets: Mapping[str, ClipSequences],
    settings: Mapping[str, Any],
    device: torch.device,
    seed: int,
    desc: str,
) -> TrainingResult:
    """Adam (``settings['lr']``) with early stopping on the validation part."""
    model.to(device)
    train = make_loader(datasets["train"], int(settings["batch_size"]), True, seed)
    valid = make_loader(datasets["valid"], int(settings["batch_size"]), False, seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(settings["lr"]))
    return train_epochs(
        model,
        loss_fn,
        train,
        valid,
        optimizer=optimizer,
        max_epochs=int(settings["epochs"]),
        patience=int(settings["patience"]),
        device=device,
        desc=desc,
    )


@dataclass
class RunResult:
    """One trained model: its training history, test predictions and metrics."""

    name: str
    history: pd.DataFrame
    predictions: pd.DataFrame
    metrics: dict[str, Any]
    model: SequenceModel


def build_model(
    model: str, n_features: int, n_outputs: int, settings: Mapping[str, Any]
) -> SequenceModel:
    """A backbone from ``settings[model]`` (``cnn`` or ``lstm``) with a linear head."""
    from genrelearn.models.heads import make_backbone

    return SequenceModel(make_backbone(model, n_features, settings[model]), n_outputs)


def run_classification(
    feature_files: Mapping[bool, FrameSet],
    feature_set: str,
    model_name: str,
    split: Mapping[str, np.ndarray],
    classes: Sequence[str],
    settings: Mapping[str, Any],
    device: torch.device,
    seed: int,
) -> RunResult:
    """Train and test one genre classifier (``model_name`` on ``feature_set``).

    Parameters
    ----------
    feature_files : mapping
        ``{False: raw fused frames, True: beat-synchronous fused frames}`` (only those needed).
    split : mapping
        ``train``/``valid``/``test`` clip indices (:func:`clip_split`).
    classes : sequence of str
        Genre names; a clip's label is the index of its genre.
    settings : mapping
        The ``supervised`` config: ``lr``, ``batch_size``, ``epochs``, ``patience``,
        ``max_frames`` and the ``cnn``/``lstm`` settings.
    """
    from genrelearn.models.heads import classification_loss
    from genrelearn.models.torch_setup import seed_everything

    beat, columns = parse_feature_set(feature_set)
    frames = feature_files[beat]
    lookup = {g: i for i, g in enumerate(classes)}
    labels = np.array([lookup[g] for g in frames.genres], dtype=np.int64)
    datasets = make_datasets(
        frames, split, labels, columns, None if beat else settings["max_frames"]
    )
    name = f"{model_name}/{feature_set}"
    seed_everything(seed)
    model = build_model(model_name, datasets["train"].n_features, len(classes), settings)
    result = fit(model, classification_loss, datasets, settings, device, seed, name)
    test = make_loader(datasets["test"], int(settings["batch_size"]), False, seed)
    scores = predict(model, test, device)
    pred = scores.argmax(axis=1)
    truth = labels[split["test"]]
    metrics = classification_metrics(truth, pred, classes)
    metrics.update(
        model=model_name,
        feature_set=feature_set,
        best_epoch=result.best_epoch,
        epochs_run=len(result.history),
        stopped_early=result.stopped_early,
        n_train=len(split["train"]),
        n_valid=len(split["valid"]),
        n_test=len(split["test"]),
        n_parameters=int(sum(p.numel() for p in model.parameters())),
        train_seconds=float(result.history["seconds"].sum()),
    )
    predictions = pd.DataFrame(
        {
            "run": name,
            "track_id": frames.track_ids[split["test"]],
            "true": [classes[i] for i in truth],
            "predicted": [classes[i] for i in pred],
        }
    )
    _log.info("%s: test accuracy %.3f", name, metrics["accuracy"])
    return RunResult(name, result.history.assign(run=name), predictions, metrics, model)
