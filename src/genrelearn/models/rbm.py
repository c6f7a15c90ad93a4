"""Restricted Boltzmann machines trained by contrastive divergence (CD-k).

:class:`RBM` is a fully connected RBM with binary hidden units and Gaussian (unit variance, on
standardised data) or Bernoulli visible units; :func:`train_cd` trains it, or any model with the
same interface (:class:`genrelearn.models.conv_rbm.ConvRBMModule`), by minimising the CD
surrogate ``F(v_data) - F(v_model)`` (free energy ``F``) with SGD. CD has no loss worth early
stopping on, so the loop does not use :func:`genrelearn.models.training.train_epochs`; it
monitors the one-step reconstruction error and the mean free energy of the data per epoch
instead, saved as a history with the same columns (``train_loss`` = reconstruction error).
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

_log = logging.getLogger(__name__)

VISIBLE_UNITS = ("gaussian", "bernoulli")


class EnergyModel(Protocol):
    """What :func:`train_cd` needs of a model."""

    def free_energy(self, v: torch.Tensor) -> torch.Tensor: ...  # noqa: D102

    def gibbs(self, v: torch.Tensor, k: int, generator: torch.Generator | None) -> torch.Tensor: ...  # noqa: D102, E501

    def reconstruct(self, v: torch.Tensor) -> torch.Tensor: ...  # noqa: D102

    def parameters(self) -> object: ...  # noqa: D102


class RBM(nn.Module):
    """RBM with binary hidden units.

    Parameters
    ----------
    n_visible, n_hidden : int
        Layer sizes.
    visible : str
        ``gaussian`` (real-valued visible units of unit variance: standardise the data) or
        ``bernoulli`` (values in [0, 1], e.g. the hidden probabilities of the layer below).
    generator : torch.Generator, optional
        Source of the initial weights (``N(0, 0.01^2)``).
    """

    def __init__(
        self,
        n_visible: int,
        n_hidden: int,
        visible: str = "bernoulli",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if visible not in VISIBLE_UNITS:
            raise ValueError(f"visible must be one of {VISIBLE_UNITS}, got {visible!r}")
        self.visible = visible
        self.W = nn.Parameter(0.01 * torch.randn(n_visible, n_hidden, generator=generator))
        self.b_v = nn.Parameter(torch.zeros(n_visible))
        self.b_h = nn.Parameter(torch.zeros(n_hidden))

    def hidden_prob(self, v: torch.Tensor) -> torch.Tensor:
        """``P(h = 1 | v)``."""
        return torch.sigmoid(v @ self.W + self.b_h)

    def visible_mean(self, h: torch.Tensor) -> torch.Tensor:
        """``E[v | h]``."""
        act = h @ self.W.T + self.b_v
        return act if self.visible == "gaussian" else torch.sigmoid(act)

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """Free energy of every row of ``v``, shape ``(n,)``."""
        hidden = F.softplus(v @ self.W + self.b_h).sum(dim=1)
        if self.visible == "gaussian":
            return 0.5 * ((v - self.b_v) ** 2).sum(dim=1) - hidden
        return -(v @ self.b_v) - hidden

    def gibbs(self, v: torch.Tensor, k: int, generator: torch.Generator | None) -> torch.Tensor:
        """``k`` steps of block Gibbs sampling from ``v``; visible units take their mean."""
        for _ in range(k):
            h = torch.bernoulli(self.hidden_prob(v), generator=generator)
            v = self.visible_mean(h)
        return v

    def reconstruct(self, v: torch.Tensor) -> torch.Tensor:
        """Mean-field reconstruction ``E[v | P(h | v)]``."""
        return self.visible_mean(self.hidden_prob(v))


def train_cd(
    model: nn.Module,
    data: torch.Tensor,
    *,
    epochs: int,
    lr: float,
    momentum: float = 0.9,
    k: int = 1,
    batch_size: int = 256,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
    desc: str = "CD",
    progress: bool = True,
) -> pd.DataFrame:
    """Train an energy model by CD-k with SGD; return its per-epoch history.

    Parameters
    ----------
    model : torch.nn.Module
        :class:`RBM` or a model with ``free_energy``, ``gibbs`` and ``reconstruct``; on
        ``device``.
    data : torch.Tensor
        Training samples (first axis), on the CPU; mini-batches go to ``device``.
    epochs : int
        Passes over the data.
    lr, momentum : float
        SGD step and momentum.
    k : int
        Gibbs steps of the negative phase.
    batch_size : int
        Samples per update.
    generator : torch.Generator, optional
        Shuffling and sampling (CPU); the negative phase samples on ``device`` from a generator
        seeded from it.
    device : torch.device or str
        Where the model lives.
    desc : str
        Progress bar and log label.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    pandas.DataFrame
        ``epoch``, ``train_loss`` (mean squared reconstruction error per visible unit),
        ``val_loss`` (NaN), ``free_energy`` (mean over the data), ``seconds``.

    Raises
    ------
    FloatingPointError
        If the reconstruction error becomes NaN or infinite.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    device = torch.device(device)
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    sampler = torch.Generator(device=device).manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    n = len(data)
    rows = []
    bar = tqdm(total=epochs, desc=desc, unit="epoch", disable=not progress)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=generator)
        err_sum, fe_sum = 0.0, 0.0
        for i in range(0, n, batch_size):
            v0 = data[order[i : i + batch_size]].to(device)
            vk = model.gibbs(v0, k, sampler).detach()
            fe0 = model.free_energy(v0)
            loss = fe0.mean() - model.free_energy(vk).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                err = ((model.reconstruct(v0) - v0) ** 2).flatten(1).mean(dim=1)
            err_sum += float(err.sum())
            fe_sum += float(fe0.detach().sum())
        recon = err_sum / n
        if not np.isfinite(recon):
            bar.close()
            raise FloatingPointError(
                f"{desc}: reconstruction error is {recon} at epoch {epoch}; lower the learning "
                "rate or standardise the input"
            )
        rows.append(
            {
                "epoch": epoch,
                "train_loss": recon,
                "val_loss": np.nan,
                "free_energy": fe_sum / n,
                "seconds": time.perf_counter() - start,
            }
        )
        bar.set_postfix(recon=f"{recon:.4g}")
        bar.update()
        _log.info("%s epoch %d: reconstruction error %.5g", desc, epoch, recon)
    bar.close()
    return pd.DataFrame(rows)
