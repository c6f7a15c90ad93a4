"""Affect regression (energy, danceability, valence) with CNN/LSTM backbones.

From scratch, by transfer from the genre classifier's backbone, and multitask:

``scratch``
    One single-output regressor per target and model, randomly initialised.
``transfer``
    The same, but the backbone starts from the genre-trained classifier's weights and the whole
    network is fine-tuned (the lab's protocol).
``multitask``
    One model per backbone with one output per target; the loss is the sum of the targets'
    mean squared errors.

Targets are standardised with the training clips' mean and deviation; Spearman's rho is
computed over all test predictions of a target (not averaged over batches).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from genrelearn.features.store import FrameSet
from genrelearn.models.heads import regression_loss
from genrelearn.models.metrics import spearman
from genrelearn.models.supervised import (
    RunResult,
    build_model,
    fit,
    make_datasets,
    make_loader,
    parse_feature_set,
    predict,
)
from genrelearn.models.torch_setup import seed_everything

_log = logging.getLogger(__name__)

MODES = ("scratch", "transfer", "multitask")


def standardise_targets(
    values: np.ndarray, train: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(standardised values, mean, std)`` with statistics of the ``train`` rows."""
    values = np.asarray(values, dtype=np.float32)
    mean = values[train].mean(axis=0)
    std = np.maximum(values[train].std(axis=0), 1e-6)
    return ((values - mean) / std).astype(np.float32), mean, std


def run_regression(
    frames: FrameSet,
    feature_set: str,
    model_name: str,
    mode: str,
    targets: pd.DataFrame,
    split: Mapping[str, np.ndarray],
    settings: Mapping[str, Any],
    device: torch.device,
    seed: int,
    backbone_state: Mapping[str, torch.Tensor] | None = None,
) -> RunResult:
    """Train one regressor and score it on the test clips.

    Parameters
    ----------
    frames : FrameSet
        Frames of the feature file ``feature_set`` is a slice of (clips in the same order as
        ``targets``' rows).
    mode : {"scratch", "transfer", "multitask"}
        With ``scratch``/``transfer`` ``targets`` has one column; ``multitask`` takes them all.
    targets : pandas.DataFrame
        One column per target, one row per clip of ``frames``.
    backbone_state : mapping, optional
        Genre-trained backbone weights (``transfer`` only).

    Returns
    -------
    RunResult
        Its ``metrics`` hold ``spearman`` ``{target: rho}`` and ``mode``/``model``/targets.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {MODES}")
    if (mode == "transfer") != (backbone_state is not None):
        raise ValueError("a genre-trained backbone is needed for, and only for, mode 'transfer'")
    if mode != "multitask" and targets.shape[1] != 1:
        raise ValueError(f"mode {mode!r} trains one target at a time, got {list(targets)}")
    beat, columns = parse_feature_set(feature_set)
    values, mean, std = standardise_targets(targets.to_numpy(), split["train"])
    datasets = make_datasets(
        frames, split, values, columns, None if beat else settings["max_frames"]
    )
    names = list(targets.columns)
    name = f"{mode}/{model_name}/{'+'.join(names) if mode != 'multitask' else 'all'}"
    seed_everything(seed)
    model = build_model(model_name, datasets["train"].n_features, len(names), settings)
    if backbone_state is not None:
        model.backbone.load_state_dict(backbone_state)
    result = fit(model, regression_loss, datasets, settings, device, seed, name)
    test = make_loader(datasets["test"], int(settings["batch_size"]), False, seed)
    pred = predict(model, test, device) * std + mean
    truth = targets.to_numpy()[split["test"]]
    rho = {t: spearman(truth[:, j], pred[:, j]) for j, t in enumerate(names)}
    predictions = pd.DataFrame({"run": name, "track_id": frames.track_ids[split["test"]]})
    for j, t in enumerate(names):
        predictions[f"{t}_true"] = truth[:, j]
        predictions[f"{t}_predicted"] = pred[:, j]
    metrics = {
        "mode": mode,
        "model": model_name,
        "feature_set": feature_set,
        "targets": names,
        "spearman": rho,
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
        "train_seconds": float(result.history["seconds"].sum()),
    }
    _log.info("%s: Spearman %s", name, {t: round(r, 3) for t, r in rho.items()})
    return RunResult(name, result.history.assign(run=name), predictions, metrics, model)


def run_affect(
    frames: FrameSet,
    feature_set: str,
    models: Sequence[str],
    targets: pd.DataFrame,
    split: Mapping[str, np.ndarray],
    settings: Mapping[str, Any],
    device: torch.device,
    seed: int,
    backbones: Mapping[str, Mapping[str, torch.Tensor]],
) -> list[RunResult]:
    """Every model x {scratch and transfer per target, multitask on all targets}.

    ``backbones`` maps a model name to its genre-trained backbone weights; a model without one
    has no transfer runs.
    """
    runs = []
    for model_name in models:
        for target in targets.columns:
            runs.append(
                run_regression(
                    frames,
                    feature_set,
                    model_name,
                    "scratch",
                    targets[[target]],
                    split,
                    settings,
                    device,
                    seed,
                )
            )
            if model_name in backbones:
                runs.append(
                    run_regression(
                        frames,
                        feature_set,
                        model_name,
                        "transfer",
                        targets[[target]],
                        split,
                        settings,
                        device,
                        seed,
                        backbones[model_name],
                    )
                )
        runs.append(
            run_regression(
                frames,
                feature_set,
                model_name,
                "multitask",
                targets,
                split,
                settings,
                device,
                seed,
            )
        )
    return runs
