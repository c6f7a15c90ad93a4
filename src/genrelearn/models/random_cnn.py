"""Randomly weighted CNN front-ends of Pons & Serra (2018), as feature extractors.

Every convolution gets He-style normal weights (fan-in, ReLU gain) drawn from a seeded generator
and zero biases; nothing is trained and there is no batch normalisation. A clip's feature vector
is the mean of every feature map of the selected layers over its non-channel axes (time, and
frequency for 2-D maps), concatenated over the layers: one scalar per map.

The number of maps scales with a ``budget``, the target dimension of the feature vector (3585 in
the study, where it is split evenly over the selected layers; see :func:`filters_per_layer` and
:func:`output_dim`). Spectrogram models take ``(n_clips, n_frames, n_mels)`` log-mel arrays,
waveform models ``(n_clips, n_samples)`` arrays.

Frame-level back-end: in the study's code the three back-end layers of the frame-level models
end up with a last axis of size one after a transpose, so their mean gives one scalar per layer
instead of one per map. By default the maps are averaged as intended (``frame_level_quirk=False``);
``frame_level_quirk=True`` reproduces the collapse (``n + 3`` and ``5 n + 3`` dimensions).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from genrelearn.features.store import FrameSet
from genrelearn.models.random_cnn_specs import (
    ARCHITECTURES,
    INPUT_KINDS,
    MIN_LENGTH,
    check_architecture,
    filters_per_layer,
    output_dim,
    temporal_counts,
)
from genrelearn.models.torch_setup import resolve_device, seed_everything, torch_threads

__all__ = [
    "ARCHITECTURES",
    "INPUT_KINDS",
    "RandomCNN",
    "build_model",
    "filters_per_layer",
    "output_dim",
    "randomize",
    "stack_clips",
]


def _pool(h: torch.Tensor, kernel: Sequence[int]) -> torch.Tensor:
    """Max-pool the trailing axes by ``kernel`` (shrunk to the map, partial windows kept)."""
    k = [max(1, min(int(s), int(d))) for s, d in zip(kernel, h.shape[2:], strict=True)]
    if len(k) == 1:
        return F.max_pool1d(h, k[0], k[0], ceil_mode=True)
    return F.max_pool2d(h, k, k, ceil_mode=True)


class _VGG(nn.Module):
    """5 x [3x3 conv 'same', ELU, max-pool] over (time, mel); every pooled output is a feature."""

    POOLS = ((4, 2), (4, 3), (5, 2), (4, 2), (4, 4))

    def __init__(self, n: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(1 if i == 0 else n, n, 3, padding=1) for i in range(len(self.POOLS))
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        h, outs = x[:, None], []
        for conv, pool in zip(self.convs, self.POOLS, strict=True):
            h = _pool(F.elu(conv(h)), pool)
            outs.append(h)
        return outs


class _Vertical(nn.Module):
    """One (7 x height) conv 'valid', ReLU, max-pool over the remaining mel positions."""

    def __init__(self, n: int, height: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, n, (7, height))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        h = F.relu(self.conv(x[:, None]))
        return [h.amax(dim=3, keepdim=True)]


def _same_time(k: int) -> tuple[int, int]:
    return (k // 2, 0)


class _Timbral(nn.Module):
    """6 parallel (k x 0.9F) and (k x 0.4F) convs, k in 7, 3, 1; max over mel; one output."""

    def __init__(self, n: int, n_mels: int) -> None:
        super().__init__()
        shapes = [(7, 0.9, n), (3, 0.9, 2 * n), (1, 0.9, 4 * n)]
        shapes += [(7, 0.4, n), (3, 0.4, 2 * n), (1, 0.4, 4 * n)]
        self.convs = nn.ModuleList(
            nn.Conv2d(1, c, (k, max(1, int(frac * n_mels))), padding=_same_time(k))
            for k, frac, c in shapes
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        h = x[:, None]
        return [torch.cat([F.relu(conv(h)).amax(dim=3) for conv in self.convs], dim=1)]


class _Temporal(nn.Module):
    """Mean over mel bands, then parallel 1-D convs of 165, 128, 64 and 32 frames ('same')."""

    KERNELS = (165, 128, 64, 32)

    def __init__(self, n: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv1d(1, c, k, padding="same")
            for k, c in zip(self.KERNELS, temporal_counts(n), strict=True)
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        h = x.mean(dim=2)[:, None]
        return [torch.cat([F.relu(conv(h)) for conv in self.convs], dim=1)]


class _TimbralTemporal(nn.Module):
    def __init__(self, n: int, n_mels: int) -> None:
        super().__init__()
        self.timbral = _Timbral(n, n_mels)
        self.temporal = _Temporal(n)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.timbral(x) + self.temporal(x)


class _SampleLevel(nn.Module):
    """Strided conv (3, stride 3), then 6 x [conv 3 'same', ReLU, max-pool 3]; 7 outputs."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.first = nn.Conv1d(1, n, 3, stride=3)
        self.convs = nn.ModuleList(nn.Conv1d(n, n, 3, padding=1) for _ in range(6))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        h = F.relu(self.first(x[:, None]))
        outs = [h]
        for conv in self.convs:
            h = _pool(F.relu(conv(h)), (3,))
            outs.append(h)
        return outs


class _Backend(nn.Module):
    """Frame-level back-end: conv 7 over all channels; residual conv 7; pool 2; residual conv 7."""

    def __init__(self, c_in: int, n: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(c_in, n, 7, padding=3)
        self.conv2 = nn.Conv1d(n, n, 7, padding=3)
        self.conv3 = nn.Conv1d(n, n, 7, padding=3)

    def forward(self, h: torch.Tensor) -> list[torch.Tensor]:
        b1 = F.relu(self.conv1(h))
        b2 = F.relu(self.conv2(b1)) + b1
        pooled = _pool(b2, (2,))
        b3 = F.relu(self.conv3(pooled)) + pooled
        return [b1, b2, b3]


class _FrameLevel(nn.Module):
    """Conv(s) of 512 (or 512 ... 32) samples with stride 32, then the back-end."""

    def __init__(self, n: int, kernels: Sequence[int], quirk: bool) -> None:
        super().__init__()
        self.fronts = nn.ModuleList(
            nn.Conv1d(1, n, k, stride=32, padding=(k - 32) // 2 if len(kernels) > 1 else 0)
            for k in kernels
        )
        self.backend = _Backend(n * len(kernels), n)
        self.quirk = quirk

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        fronts = [F.relu(conv(x[:, None])) for conv in self.fronts]
        length = min(f.shape[2] for f in fronts)
        fronts = [f[:, :, :length] for f in fronts]
        backs = self.backend(torch.cat(fronts, dim=1))
        if self.quirk:  # the study's transpose: one map per back-end layer
            backs = [b.mean(dim=(1, 2))[:, None, None] for b in backs]
        return fronts + backs


def build_model(
    architecture: str, budget: int, n_mels: int = 96, frame_level_quirk: bool = False
) -> nn.Module:
    """The untrained network of ``architecture`` (weights not yet randomised)."""
    n = filters_per_layer(architecture, budget)
    if architecture == "vgg":
        return _VGG(n)
    if architecture == "vertical_7x86":
        return _Vertical(n, max(1, int(0.9 * n_mels)))
    if architecture == "vertical_7x96":
        return _Vertical(n, n_mels)
    if architecture == "timbral":
        return _Timbral(n, n_mels)
    if architecture == "temporal":
        return _Temporal(n)
    if architecture == "timbral_temporal":
        return _TimbralTemporal(n, n_mels)
    if architecture == "sample_level":
        return _SampleLevel(n)
    kernels = (512,) if architecture == "frame_level" else (512, 256, 128, 64, 32)
    return _FrameLevel(n, kernels, frame_level_quirk)


def randomize(model: nn.Module, seed: int) -> nn.Module:
    """He-normal weights (fan-in, ReLU gain) from a generator seeded with ``seed``; zero biases.

    The weights are drawn on the CPU in module order, so a seed gives the same network on every
    device.
    """
    generator = seed_everything(int(seed))
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv1d | nn.Conv2d):
                nn.init.kaiming_normal_(
                    module.weight, mode="fan_in", nonlinearity="relu", generator=generator
                )
                if module.bias is not None:
                    module.bias.zero_()
    return model


class RandomCNN(TransformerMixin, BaseEstimator):
    """Randomly weighted CNN front-end: clips -> mean of every feature map of its layers.

    Parameters
    ----------
    architecture : str
        One of :data:`ARCHITECTURES`.
    budget : int
        Target feature dimension (3585 in the study); see :func:`output_dim`.
    random_state : int
        Seed of the random weights.
    batch_size : int
        Clips per forward pass.
    device : str
        ``auto``, ``cpu`` or ``cuda`` (:func:`~genrelearn.models.torch_setup.resolve_device`).
    frame_level_quirk : bool
        Reproduce the study's collapse of the frame-level back-end maps (see the module notes).
    n_jobs : int, optional
        Torch CPU threads during ``transform`` (``None``: PyTorch's current setting).

    Attributes
    ----------
    model_ : torch.nn.Module
        The random network.
    input_shape_ : tuple of int
        Shape of one clip seen in ``fit``; ``transform`` needs the same.
    n_features_in_ : int
        Size of the input's second axis: samples per waveform clip, frames per spectrogram.
    n_features_out_ : int
        Dimension of the feature vectors.

    Notes
    -----
    ``fit`` draws the weights and checks the input's shape; it learns nothing from the data, so
    fitting on training clips only or on all clips gives the same features. Inputs and
    features are float32.
    """

    def __init__(
        self,
        architecture: str = "vgg",
        budget: int = 160,
        random_state: int = 0,
        batch_size: int = 16,
        device: str = "auto",
        frame_level_quirk: bool = False,
        n_jobs: int | None = None,
    ) -> None:
        self.architecture = architecture
        self.budget = budget
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.frame_level_quirk = frame_level_quirk
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> Tags:
        """scikit-learn tags: float32 in and out."""
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # every output is float32
        return tags

    def _check_input(self, X: np.ndarray, reset: bool) -> np.ndarray:
        X = validate_data(self, X, dtype=np.float32, allow_nd=True, reset=reset)
        wave = INPUT_KINDS[self.architecture] == "wave12k"
        if wave and X.ndim == 3 and X.shape[2] == 1:
            X = X[:, :, 0]
        expected = 2 if wave else 3
        if X.ndim != expected:
            layout = "(n_clips, n_samples)" if wave else "(n_clips, n_frames, n_mels)"
            raise ValueError(
                f"{self.architecture} expects {layout} input, got shape {X.shape}; it reads the "
                f"{INPUT_KINDS[self.architecture]} feature"
            )
        shortest = MIN_LENGTH.get(self.architecture, 1)
        if X.shape[1] < shortest:
            unit = "samples" if wave else "frames"
            raise ValueError(
                f"{self.architecture} needs clips of at least {shortest} {unit} "
                f"(n_features >= {shortest}), got n_features={X.shape[1]}"
            )
        return X

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> RandomCNN:
        """Draw the random weights for inputs shaped like ``X`` (no learning)."""
        check_architecture(self.architecture)
        X = self._check_input(X, reset=True)
        n_mels = int(X.shape[2]) if X.ndim == 3 else 96
        model = build_model(self.architecture, self.budget, n_mels, self.frame_level_quirk)
        self.model_ = randomize(model, self.random_state).eval()
        self.input_shape_ = tuple(int(s) for s in X.shape[1:])
        self.n_features_out_ = output_dim(self.architecture, self.budget, self.frame_level_quirk)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Feature vectors ``(n_clips, n_features_out_)`` float32."""
        check_is_fitted(self, "model_")
        X = self._check_input(X, reset=False)
        if tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(f"fitted on clips of shape {self.input_shape_}, got {X.shape[1:]}")
        device = resolve_device(self.device)
        model = self.model_.to(device)
        out = []
        with torch_threads(self.n_jobs), torch.no_grad():
            for start in range(0, len(X), int(self.batch_size)):
                batch = torch.from_numpy(X[start : start + int(self.batch_size)]).to(device)
                maps = model(batch)
                means = [m.flatten(start_dim=2).mean(dim=2) for m in maps]
                out.append(torch.cat(means, dim=1).cpu().numpy())
        self.model_ = model.cpu()
        features = np.concatenate(out) if out else np.zeros((0, self.n_features_out_), np.float32)
        if features.shape[1] != self.n_features_out_:
            raise RuntimeError(
                f"{self.architecture}: {features.shape[1]} features, "
                f"expected {self.n_features_out_}"
            )
        return features.astype(np.float32)


def stack_clips(frames: FrameSet, n_rows: int | None = None) -> np.ndarray:
    """Clips of a frame set as one ``(n_clips, n_rows, dim)`` array, cropped or zero-padded.

    With ``n_rows=None`` every clip is cropped to the shortest clip's length (equal-length
    batches); with a number, clips are cropped to it and shorter ones zero-padded at the end,
    as the study did.
    """
    lengths = np.diff(frames.offsets)
    if frames.n_clips == 0:
        raise ValueError("no clips to stack")
    n = int(lengths.min()) if n_rows is None else int(n_rows)
    if n < 1:
        raise ValueError(f"cannot crop clips to {n} rows")
    out = np.zeros((frames.n_clips, n, frames.dim), dtype=np.float32)
    for i in range(frames.n_clips):
        clip = frames.clip(i)[:n]
        out[i, : len(clip)] = clip
    return out
