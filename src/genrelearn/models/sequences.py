"""Variable-length clip sequences: an on-demand ``Dataset`` and a padding ``collate_fn``.

The dataset reads a :class:`~genrelearn.features.store.FrameSet`; the collate function pads
each batch.

The dataset never builds a tensor of the whole set: item ``i`` slices clip ``i``'s rows (and the
columns of the chosen feature set) out of the frame array, standardises them with statistics
fitted on the training clips, optionally crops them to ``max_frames`` and returns a float32
tensor. :func:`pad_collate` zero-pads the batch to its own longest sequence and returns the true
lengths, which the LSTM packs (:func:`torch.nn.utils.rnn.pack_padded_sequence`) and the CNN
uses to mask its time pooling.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
from torch.utils.data import Dataset

from genrelearn.features.store import FrameSet


class Batch(NamedTuple):
    """A padded batch.

    ``x (B, T_max, F)``, ``y`` (class ``(B,)`` or targets ``(B, k)``), ``lengths (B,)`` int64
    true lengths.
    """

    x: torch.Tensor
    y: torch.Tensor
    lengths: torch.Tensor


def feature_stats(
    frames: FrameSet, clips: Sequence[int], columns: slice | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-dimension mean and standard deviation over all frames of ``clips``.

    Fitted on the training clips only, so no test statistics leak into the inputs.
    """
    columns = columns or slice(None)
    total = None
    total_sq = None
    count = 0
    for i in clips:
        x = frames.clip(int(i))[:, columns].astype(np.float64)
        total = x.sum(axis=0) if total is None else total + x.sum(axis=0)
        total_sq = (x**2).sum(axis=0) if total_sq is None else total_sq + (x**2).sum(axis=0)
        count += len(x)
    if count == 0 or total is None or total_sq is None:
        raise ValueError("no frames to compute feature statistics from")
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - mean**2, 0.0))
    return mean.astype(np.float32), np.maximum(std, 1e-6).astype(np.float32)


class ClipSequences(Dataset):
    """One item per clip: ``(frames (T, F) float32 tensor, target, length)``.

    Parameters
    ----------
    frames : FrameSet
        All clips' frames (a view is sliced per item; nothing is copied up front).
    clips : sequence of int
        Clip indices of ``frames`` in this dataset, in order.
    targets : numpy.ndarray
        One target per clip of ``frames`` (indexed like ``frames``): class indices ``(n,)``
        (int) or regression targets ``(n,)`` / ``(n, k)`` (float).
    columns : slice, optional
        Columns of the feature set (e.g. mel of the fused array); all by default.
    mean, std : numpy.ndarray, optional
        Standardisation (from :func:`feature_stats` on the training clips).
    max_frames : int, optional
        Keep at most this many frames, taken from the middle of the clip.
    """

    def __init__(
        self,
        frames: FrameSet,
        clips: Sequence[int],
        targets: np.ndarray,
        columns: slice | None = None,
        mean: np.ndarray | None = None,
        std: np.ndarray | None = None,
        max_frames: int | None = None,
    ) -> None:
        self.frames = frames
        self.clips = np.asarray(clips, dtype=np.int64)
        targets = np.asarray(targets)
        if len(targets) != frames.n_clips:
            raise ValueError(f"{len(targets)} targets for {frames.n_clips} clips")
        self.targets = targets
        self.columns = columns or slice(None)
        self.mean = mean
        self.std = std
        if max_frames is not None and max_frames < 1:
            raise ValueError(f"max_frames must be >= 1, got {max_frames}")
        self.max_frames = max_frames

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, item: int) -> tuple[torch.Tensor, torch.Tensor, int]:
        i = int(self.clips[item])
        x = self.frames.clip(i)[:, self.columns]
        if len(x) == 0:
            raise ValueError(f"clip {self.frames.track_ids[i]} has no frames")
        if self.max_frames is not None and len(x) > self.max_frames:
            start = (len(x) - self.max_frames) // 2
            x = x[start : start + self.max_frames]
        if self.mean is not None and self.std is not None:
            x = (x - self.mean) / self.std
        target = self.targets[i]
        y = (
            torch.as_tensor(target, dtype=torch.long)
            if np.issubdtype(self.targets.dtype, np.integer)
            else torch.as_tensor(target, dtype=torch.float32)
        )
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), y, len(x)

    @property
    def n_features(self) -> int:
        """Dimension of a frame of this feature set."""
        return int(self.frames.frames[:1, self.columns].shape[1])


def pad_collate(items: Sequence[tuple[torch.Tensor, torch.Tensor, int]]) -> Batch:
    """Zero-pad a list of ``(x (T_i, F), y, T_i)`` items to the batch's longest ``T_i``."""
    if not items:
        raise ValueError("empty batch")
    xs, ys, lengths = zip(*items, strict=True)
    x = torch.nn.utils.rnn.pad_sequence(list(xs), batch_first=True)
    return Batch(x, torch.stack(list(ys)), torch.as_tensor(lengths, dtype=torch.long))
