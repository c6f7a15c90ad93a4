"""Convolutional RBM on log-mel patches, with the pooling variants of the Jolif & Perkovic study.

Gaussian visible units (standardised log-mel patches, unit variance), ``n_filters`` binary hidden
feature maps sharing one ``kernel`` each (Lee et al. 2009), trained by CD-k
(:func:`genrelearn.models.rbm.train_cd`). The hidden probability maps are pooled into patch
vectors by one of :data:`POOLINGS` and averaged per clip by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted
from torch import nn
from torch.nn import functional as F

from genrelearn.models.patches import check_patches
from genrelearn.models.rbm import train_cd
from genrelearn.models.torch_setup import resolve_device, seed_everything, torch_threads

#: Pooling of the hidden maps ``(n, K, H, W)`` into vectors.
POOLINGS = ("flatten", "global_avg", "max", "global_max", "avg2d")


class ConvRBMModule(nn.Module):
    """Energy model of a convolutional RBM (Gaussian visible, binary hidden maps)."""

    def __init__(
        self, n_filters: int, kernel: Sequence[int], generator: torch.Generator | None = None
    ) -> None:
        super().__init__()
        kh, kw = (int(k) for k in kernel)
        self.W = nn.Parameter(0.01 * torch.randn(n_filters, 1, kh, kw, generator=generator))
        self.b_h = nn.Parameter(torch.zeros(n_filters))
        self.b_v = nn.Parameter(torch.zeros(1))

    def hidden_act(self, v: torch.Tensor) -> torch.Tensor:
        """Pre-sigmoid hidden maps."""
        return F.conv2d(v, self.W) + self.b_h[None, :, None, None]

    def hidden_prob(self, v: torch.Tensor) -> torch.Tensor:
        """``P(h = 1 | v)``, shape ``(n, K, H - kh + 1, W - kw + 1)``."""
        return torch.sigmoid(self.hidden_act(v))

    def visible_mean(self, h: torch.Tensor) -> torch.Tensor:
        """``E[v | h]`` (full convolution of the maps with the filters)."""
        return F.conv_transpose2d(h, self.W) + self.b_v

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """Free energy per patch, shape ``(n,)``."""
        quad = 0.5 * ((v - self.b_v) ** 2).flatten(1).sum(dim=1)
        return quad - F.softplus(self.hidden_act(v)).flatten(1).sum(dim=1)

    def gibbs(self, v: torch.Tensor, k: int, generator: torch.Generator | None) -> torch.Tensor:
        """``k`` block Gibbs steps; visible units take their mean."""
        for _ in range(k):
            v = self.visible_mean(torch.bernoulli(self.hidden_prob(v), generator=generator))
        return v

    def reconstruct(self, v: torch.Tensor) -> torch.Tensor:
        """Mean-field reconstruction."""
        return self.visible_mean(self.hidden_prob(v))


def pool_maps(maps: torch.Tensor, method: str, pool_size: int = 4) -> torch.Tensor:
    """Pool hidden maps ``(n, K, H, W)`` into ``(n, dim)`` vectors.

    ``flatten`` keeps every unit; ``global_avg``/``global_max`` give one number per map;
    ``max``/``avg2d`` pool ``pool_size`` x ``pool_size`` blocks, then flatten.
    """
    if method == "flatten":
        return maps.flatten(1)
    if method == "global_avg":
        return maps.mean(dim=(2, 3))
    if method == "global_max":
        return maps.amax(dim=(2, 3))
    if method == "max":
        return F.max_pool2d(maps, pool_size, ceil_mode=True).flatten(1)
    if method == "avg2d":
        return F.avg_pool2d(maps, pool_size, ceil_mode=True).flatten(1)
    raise ValueError(f"unknown pooling {method!r}; choose one of {POOLINGS}")


class ConvRBM(TransformerMixin, BaseEstimator):
    """Convolutional RBM on spectrogram patches ``(n, 1, n_bands, n_frames)``.

    Parameters
    ----------
    n_filters : int
        Hidden feature maps.
    kernel : sequence of int
        Filter size (frequency bands, frames).
    epochs, lr, momentum, cd_k, batch_size : int, float, float, int, int
        Contrastive-divergence training; the SGD step is ``lr`` divided by the number of
        hidden positions per map (the free energy sums over them).
    pooling : str
        Default pooling of :meth:`transform` (one of :data:`POOLINGS`).
    pool_size : int
        Block size of the ``max`` and ``avg2d`` poolings.
    device, random_state, n_jobs, progress
        As for :class:`genrelearn.models.dbn.DBN`.

    Attributes
    ----------
    mean_, scale_ : float
        Standardisation of the patches (over all values of the training patches).
    history_ : pandas.DataFrame
        Reconstruction error and free energy per epoch.

    Notes
    -----
    The input is 4-D, one single-channel patch per sample; patches of any size at least the
    kernel's can be transformed (the ``flatten``, ``max`` and ``avg2d`` poolings then give
    vectors whose length depends on the size). Inputs and outputs are float32.
    """

    def __init__(
        self,
        n_filters: int = 16,
        kernel: Sequence[int] = (8, 8),
        epochs: int = 5,
        lr: float = 1e-3,
        momentum: float = 0.9,
        cd_k: int = 1,
        batch_size: int = 64,
        pooling: str = "global_avg",
        pool_size: int = 4,
        device: str = "auto",
        random_state: int = 1,
        n_jobs: int | None = None,
        progress: bool = False,
    ) -> None:
        self.n_filters = n_filters
        self.kernel = kernel
        self.epochs = epochs
        self.lr = lr
        self.momentum = momentum
        self.cd_k = cd_k
        self.batch_size = batch_size
        self.pooling = pooling
        self.pool_size = pool_size
        self.device = device
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.progress = progress

    def fit(self, X: np.ndarray, y: None = None) -> ConvRBM:
        """Standardise the patches and train the filters by CD-k (no labels)."""
        X = check_patches(X)
        device = resolve_device(self.device)
        self.device_ = str(device)
        self.mean_ = float(X.mean())
        self.scale_ = float(X.std()) + 1e-6
        gen = seed_everything(self.random_state)
        self.module_ = ConvRBMModule(self.n_filters, self.kernel, generator=gen).to(device)
        kh, kw = (int(k) for k in self.kernel)
        positions = (X.shape[2] - kh + 1) * (X.shape[3] - kw + 1)
        if positions < 1:
            raise ValueError(
                f"kernel {tuple(self.kernel)} is larger than the patches {X.shape[2:]}"
            )
        with torch_threads(self.n_jobs):
            self.history_ = train_cd(
                self.module_,
                torch.from_numpy((X - self.mean_) / self.scale_),
                epochs=self.epochs,
                # the free energy sums over every hidden position: step per position
                lr=self.lr / positions,
                momentum=self.momentum,
                k=self.cd_k,
                batch_size=self.batch_size,
                generator=gen,
                device=device,
                desc=f"ConvRBM CD-{self.cd_k}",
                progress=self.progress,
            )
        self.module_.eval()
        return self

    def transform(self, X: np.ndarray, pooling: str | None = None) -> np.ndarray:
        """Pooled hidden probabilities of every patch, ``(n, dim)`` float32."""
        return self.transform_many(X, [pooling or self.pooling])[pooling or self.pooling]

    def transform_many(
        self,
        X: np.ndarray,
        poolings: Sequence[str],
        clip: np.ndarray | None = None,
        chunk: int = 256,
    ) -> dict[str, np.ndarray]:
        """Several poolings of the same hidden maps, computed once per chunk of patches.

        With ``clip`` (the clip index of every patch), return the mean pooled vector of every
        clip, ``(n_clips, dim)``, without holding all patches' vectors (``flatten`` is large).
        """
        check_is_fitted(self, "module_")
        X = check_patches(X)
        device = torch.device(self.device_)
        outs: dict[str, list[np.ndarray]] = {p: [] for p in poolings}
        sums: dict[str, np.ndarray] = {}
        with torch_threads(self.n_jobs), torch.no_grad():
            for i in range(0, len(X), chunk):
                v = torch.from_numpy((X[i : i + chunk] - self.mean_) / self.scale_).to(device)
                maps = self.module_.hidden_prob(v)
                for p in poolings:
                    vec = pool_maps(maps, p, self.pool_size).cpu().numpy().astype(np.float64)
                    if clip is None:
                        outs[p].append(vec)
                        continue
                    if p not in sums:
                        sums[p] = np.zeros((int(clip.max()) + 1, vec.shape[1]))
                    np.add.at(sums[p], clip[i : i + chunk], vec)
        if clip is None:
            return {p: np.concatenate(v).astype(np.float32) for p, v in outs.items()}
        counts = np.bincount(clip)[:, None]
        return {p: (s / np.maximum(counts, 1)).astype(np.float32) for p, s in sums.items()}

    def __sklearn_tags__(self) -> Tags:
        """scikit-learn tags: float32 in and out."""
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # every output is float32
        return tags
