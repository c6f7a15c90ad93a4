"""Aggregate a clip's frames into a few feature vectors (the thesis's pooling).

The thesis interleaves both CQT streams into ``T = 2 * Nframes`` time-ordered vectors, cuts
``n_vectors`` consecutive windows of length ``L = floor(T / (n_vectors + 0.5))`` starting at 0
(aligned set) and ``n_vectors`` more starting at ``floor(L / 2)`` (offset set), and sums the
absolute values over each window: ``2 * n_vectors`` vectors per clip (12 for ``n_vectors = 6``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genrelearn.features.store import FrameSet

POOLING_METHODS = ("sum_abs", "mean", "mean_std")


def window_length(n_frames: int, n_vectors: int) -> int:
    """Window length ``floor(n_frames / (n_vectors + 0.5))`` in frames.

    Parameters
    ----------
    n_frames : int
        Length ``T`` of the clip's frame sequence (both streams interleaved).
    n_vectors : int
        Windows per set.
    """
    if n_vectors < 1:
        raise ValueError(f"n_vectors must be >= 1, got {n_vectors}")
    length = int(np.floor(n_frames / (n_vectors + 0.5)))
    if length < 1:
        raise ValueError(f"{n_frames} frames are too few for {n_vectors} windows per set")
    return length


def window_starts(n_frames: int, n_vectors: int) -> np.ndarray:
    """First frame of each of the ``2 * n_vectors`` windows (aligned set, then offset set)."""
    length = window_length(n_frames, n_vectors)
    aligned = np.arange(n_vectors) * length
    return np.concatenate([aligned, aligned + length // 2])


def pool_clip(frames: np.ndarray, n_vectors: int = 6, method: str = "sum_abs") -> np.ndarray:
    """Pool one clip's ``(T, dim)`` frames into ``(2 * n_vectors, out_dim)`` vectors.

    ``method`` is ``sum_abs`` (the thesis: sum of absolute values), ``mean``, or ``mean_std``
    (mean and standard deviation concatenated, ``out_dim = 2 * dim``).
    """
    if method not in POOLING_METHODS:
        raise ValueError(f"unknown pooling method {method!r}; choose one of {POOLING_METHODS}")
    length = window_length(len(frames), n_vectors)
    windows = np.stack([frames[s : s + length] for s in window_starts(len(frames), n_vectors)])
    windows = windows.astype(np.float64)
    if method == "sum_abs":
        out = np.abs(windows).sum(axis=1)
    elif method == "mean":
        out = windows.mean(axis=1)
    else:
        out = np.concatenate([windows.mean(axis=1), windows.std(axis=1)], axis=1)
    return out.astype(np.float32)


@dataclass
class PooledSet:
    """Pooled vectors of a set of clips.

    Attributes
    ----------
    vectors : numpy.ndarray
        ``(n_clips * 2 * n_vectors, out_dim)`` float32.
    clip : numpy.ndarray
        Index of the clip each vector comes from (the group for clip-wise splitting).
    track_ids, genres : numpy.ndarray
        Per clip.
    window : int
        Window length in frames (of the shortest clip, if lengths differ).
    frame_rate : float
        Frames per second of the pooled frame sequence (``window / frame_rate`` seconds).
    """

    vectors: np.ndarray
    clip: np.ndarray
    track_ids: np.ndarray
    genres: np.ndarray
    window: int
    frame_rate: float = float("nan")

    @property
    def labels(self) -> np.ndarray:
        """Genre of every vector."""
        return self.genres[self.clip]

    def select(self, genres: list[str]) -> PooledSet:
        """Keep the clips of ``genres``, renumbering clips from 0."""
        keep_clip = np.isin(self.genres, genres)
        new_index = np.cumsum(keep_clip) - 1
        mask = keep_clip[self.clip]
        return PooledSet(
            vectors=self.vectors[mask],
            clip=new_index[self.clip[mask]],
            track_ids=self.track_ids[keep_clip],
            genres=self.genres[keep_clip],
            window=self.window,
            frame_rate=self.frame_rate,
        )


def pool_frameset(frameset: FrameSet, n_vectors: int = 6, method: str = "sum_abs") -> PooledSet:
    """Pool every clip of ``frameset`` with :func:`pool_clip`."""
    pooled = [pool_clip(frameset.clip(i), n_vectors, method) for i in range(frameset.n_clips)]
    lengths = np.diff(frameset.offsets)
    return PooledSet(
        vectors=np.concatenate(pooled),
        clip=np.repeat(np.arange(frameset.n_clips), 2 * n_vectors),
        track_ids=frameset.track_ids,
        genres=frameset.genres,
        window=window_length(int(lengths.min()), n_vectors),
        frame_rate=frameset.frame_rate,
    )


def save_pooled(path: str, pooled: PooledSet) -> None:
    """Write a :class:`PooledSet` to ``.npz``."""
    from genrelearn.io import atomic_path

    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(
            tmp,
            vectors=pooled.vectors,
            clip=pooled.clip,
            track_ids=pooled.track_ids,
            genres=pooled.genres,
            window=np.int64(pooled.window),
            frame_rate=np.float64(pooled.frame_rate),
        )


def load_pooled(path: str) -> PooledSet:
    """Read a :class:`PooledSet` written by :func:`save_pooled`."""
    with np.load(path, allow_pickle=False) as data:
        return PooledSet(
            vectors=data["vectors"],
            clip=data["clip"],
            track_ids=data["track_ids"],
            genres=data["genres"],
            window=int(data["window"]),
            frame_rate=float(data["frame_rate"]),
        )
