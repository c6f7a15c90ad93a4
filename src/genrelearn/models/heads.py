"""A backbone (CNN or LSTM) with a linear head: classifier, regressor or multitask regressor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from genrelearn.models.cnn import CNNBackbone
from genrelearn.models.lstm import LSTMBackbone

MODELS = ("cnn", "lstm")


class SequenceModel(nn.Module):
    """``backbone(x, lengths)`` followed by ``Linear(feature_size, n_outputs)``.

    ``n_outputs`` is the number of classes (cross-entropy), 1 (a single-target regressor) or
    the number of targets of a multitask regressor (one output per target, losses summed).
    """

    def __init__(self, backbone: nn.Module, n_outputs: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(int(backbone.feature_size), n_outputs)  # type: ignore[arg-type]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``(B, T, F)``, ``(B,)`` -> ``(B, n_outputs)``."""
        return self.head(self.backbone(x, lengths))


def make_backbone(model: str, n_features: int, settings: Mapping[str, Any]) -> nn.Module:
    """A ``cnn`` or ``lstm`` backbone from the ``supervised`` config settings.

    ``settings`` keys: ``channels``, ``feature_size`` (CNN); ``hidden_size``, ``num_layers``,
    ``bidirectional`` (LSTM); ``dropout`` (both).
    """
    if model == "cnn":
        return CNNBackbone(
            n_features,
            channels=tuple(settings["channels"]),
            feature_size=int(settings["feature_size"]),
            dropout=float(settings["dropout"]),
        )
    if model == "lstm":
        return LSTMBackbone(
            n_features,
            hidden_size=int(settings["hidden_size"]),
            num_layers=int(settings["num_layers"]),
            bidirectional=bool(settings["bidirectional"]),
            dropout=float(settings["dropout"]),
        )
    raise ValueError(f"unknown model {model!r}; choose one of {MODELS}")


def classification_loss(model: nn.Module, batch: Sequence[torch.Tensor]) -> torch.Tensor:
    """Cross-entropy of a classifier on a :class:`~genrelearn.models.sequences.Batch`."""
    x, y, lengths = batch
    return nn.functional.cross_entropy(model(x, lengths), y)


def regression_loss(model: nn.Module, batch: Sequence[torch.Tensor]) -> torch.Tensor:
    """Sum over targets of each target's mean squared error (one target: plain MSE)."""
    x, y, lengths = batch
    pred = model(x, lengths)
    y = y.reshape(pred.shape)
    return ((pred - y) ** 2).mean(dim=0).sum()
