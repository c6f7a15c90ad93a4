"""Mini-batch training with early stopping on a validation loss, and its per-epoch history.

Every gradient-trained model of the study (the DBN's fine-tuning, the convolutional VAE, the
supervised CNN and LSTM, the regressors) goes through :func:`train_epochs`, so that they all
log the same progress, stop by the same rule and save the same history (``epoch``,
``train_loss``, ``val_loss``, ``seconds``) for the learning-curve figures.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

_log = logging.getLogger(__name__)

#: ``loss_fn(model, batch) -> scalar tensor``; the batch is already on the model's device.
LossFn = Callable[[torch.nn.Module, Any], torch.Tensor]

HISTORY_COLUMNS = ("epoch", "train_loss", "val_loss", "seconds")


def to_device(batch: Any, device: torch.device | str) -> Any:
    """Move every tensor of a (nested) tuple, list or dict batch to ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # namedtuple
        return type(batch)(*(to_device(v, device) for v in batch))
    if isinstance(batch, list | tuple):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


@dataclass
class EarlyStopping:
    """Stop when the monitored loss has not improved for ``patience`` epochs.

    Parameters
    ----------
    patience : int
        Epochs without improvement tolerated; ``0`` disables stopping.
    min_delta : float
        Smallest decrease that counts as an improvement.
    """

    patience: int = 5
    min_delta: float = 0.0
    best: float = field(default=math.inf, init=False)
    best_epoch: int = field(default=-1, init=False)
    bad_epochs: int = field(default=0, init=False)

    def step(self, loss: float, epoch: int) -> bool:
        """Record ``loss`` of ``epoch``; return whether it is the best so far."""
        if loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.bad_epochs = float(loss), int(epoch), 0
            return True
        self.bad_epochs += 1
        return False

    @property
    def should_stop(self) -> bool:
        """Whether ``patience`` epochs have passed without improvement."""
        return self.patience > 0 and self.bad_epochs >= self.patience


@dataclass
class TrainingResult:
    """What :func:`train_epochs` returns.

    Attributes
    ----------
    history : pandas.DataFrame
        One row per epoch with :data:`HISTORY_COLUMNS` (``val_loss`` is NaN without a
        validation loader).
    best_epoch : int
        Epoch whose weights the model holds at the end (the last one without validation).
    stopped_early : bool
        Whether early stopping ended the training before ``max_epochs``.
    """

    history: pd.DataFrame
    best_epoch: int
    stopped_early: bool


def mean_loss(
    model: torch.nn.Module, loader: Iterable[Any], loss_fn: LossFn, device: torch.device | str
) -> float:
    """Average of ``loss_fn`` over ``loader`` in eval mode, without gradients.

    Batches are weighted by their size (the length of their first tensor) so that a short
    last batch does not count as much as a full one.
    """
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for batch in loader:
            batch = to_device(batch, device)
            n = _batch_size(batch)
            total += float(loss_fn(model, batch)) * n
            count += n
    return total / max(count, 1)


def _batch_size(batch: Any) -> int:
    first = batch
    while isinstance(first, list | tuple | Mapping):
        first = next(iter(first.values())) if isinstance(first, Mapping) else first[0]
    return int(first.shape[0]) if isinstance(first, torch.Tensor) else 1


def train_epochs(
    model: torch.nn.Module,
    loss_fn: LossFn,
    train_loader: Iterable[Any],
    val_loader: Iterable[Any] | None = None,
    *,
    optimizer: torch.optim.Optimizer,
    max_epochs: int,
    patience: int = 5,
    device: torch.device | str = "cpu",
    grad_clip: float | None = None,
    desc: str = "training",
    progress: bool = True,
) -> TrainingResult:
    """Train ``model`` for up to ``max_epochs`` epochs, keeping the best validation weights.

    Parameters
    ----------
    model : torch.nn.Module
        Already on ``device``.
    loss_fn : callable
        ``loss_fn(model, batch) -> scalar tensor``, called in train mode for the update and
        in eval mode (no gradients) for the validation loss.
    train_loader, val_loader : iterable of batches
        Typically :class:`torch.utils.data.DataLoader`; batches are moved to ``device``.
        Without ``val_loader`` no early stopping happens and the last weights are kept.
    optimizer : torch.optim.Optimizer
        Over ``model``'s parameters.
    max_epochs : int
        Upper bound on the number of epochs.
    patience : int
        Early stopping: epochs without a lower validation loss before stopping.
    device : torch.device or str
        Where batches go.
    grad_clip : float, optional
        Clip the gradients' global norm to this value.
    desc : str
        Label of the progress bar and log lines.
    progress : bool
        Show a tqdm bar (on stderr, which rule scripts route to their log).

    Returns
    -------
    TrainingResult
        The history; the model is left holding the weights of ``best_epoch``.

    Raises
    ------
    FloatingPointError
        If a training loss becomes NaN or infinite (a diverged run is not saved as a result).
    """
    if max_epochs < 1:
        raise ValueError(f"max_epochs must be >= 1, got {max_epochs}")
    stopper = EarlyStopping(patience=patience)
    best_state: dict[str, torch.Tensor] | None = None
    rows: list[dict[str, float]] = []
    stopped = False
    bar = tqdm(total=max_epochs, desc=desc, unit="epoch", disable=not progress)
    for epoch in range(1, max_epochs + 1):
        start = time.perf_counter()
        model.train()
        total, count = 0.0, 0
        for batch in train_loader:
            batch = to_device(batch, device)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model, batch)
            if not torch.isfinite(loss):
                bar.close()
                raise FloatingPointError(
                    f"{desc}: training loss is {loss.item()} at epoch {epoch}; lower the "
                    "learning rate or check the input scaling"
                )
            loss.backward()
            if grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
            n = _batch_size(batch)
            total += float(loss.detach()) * n
            count += n
        train_loss = total / max(count, 1)
        val_loss = (
            mean_loss(model, val_loader, loss_fn, device) if val_loader is not None else np.nan
        )
        rows.append(
            {
                "epoch": epoch,
                "train_loss": train_loss,
                "val_loss": val_loss,
                "seconds": time.perf_counter() - start,
            }
        )
        bar.set_postfix(train=f"{train_loss:.4g}", val=f"{val_loss:.4g}")
        bar.update()
        _log.info("%s epoch %d: train loss %.5g, val loss %.5g", desc, epoch, train_loss, val_loss)
        if val_loader is None:
            continue
        if stopper.step(val_loss, epoch):
            best_state = copy.deepcopy(model.state_dict())
        if stopper.should_stop:
            stopped = True
            _log.info(
                "%s: no lower validation loss for %d epochs, stopping; best epoch %d",
                desc,
                patience,
                stopper.best_epoch,
            )
            break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    best_epoch = stopper.best_epoch if val_loader is not None else len(rows)
    return TrainingResult(
        pd.DataFrame(rows, columns=list(HISTORY_COLUMNS)), int(best_epoch), stopped
    )
