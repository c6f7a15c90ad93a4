"""Frames of many clips in one array, with the offsets that say where each clip starts.

A :class:`FrameSet` keeps all frames of a dataset as one ``(n_frames_total, dim)`` float32 array
(row = frame, in time order within a clip) and ``offsets`` of length ``n_clips + 1``, so that
later stages can pool per clip, split by clip, or learn from all frames at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from genrelearn.io import atomic_path


@dataclass
class FrameSet:
    """Frames of a set of clips.

    Attributes
    ----------
    frames : numpy.ndarray
        ``(n_frames_total, dim)`` float32, clips stacked in index order.
    offsets : numpy.ndarray
        ``(n_clips + 1,)`` int64; clip ``i`` owns rows ``offsets[i]:offsets[i + 1]``.
    track_ids, genres : numpy.ndarray
        ``(n_clips,)`` strings.
    frame_rate : float
        Frames per second of the (interleaved) sequence.
    meta : dict
        The extraction parameters, for provenance and for the paper.
    """

    frames: np.ndarray
    offsets: np.ndarray
    track_ids: np.ndarray
    genres: np.ndarray
    frame_rate: float
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.offsets = np.asarray(self.offsets, dtype=np.int64)
        self.track_ids = np.asarray(self.track_ids, dtype=str)
        self.genres = np.asarray(self.genres, dtype=str)
        if self.frames.ndim != 2:
            raise ValueError(f"frames must be 2-D, got shape {self.frames.shape}")
        if len(self.offsets) != len(self.track_ids) + 1 or self.offsets[0] != 0:
            raise ValueError("offsets must start at 0 and have one entry more than track_ids")
        if self.offsets[-1] != len(self.frames) or np.any(np.diff(self.offsets) < 0):
            raise ValueError("offsets must be non-decreasing and end at the number of frames")
        if len(self.genres) != len(self.track_ids):
            raise ValueError("genres and track_ids must have the same length")

    @property
    def n_clips(self) -> int:
        """Number of clips."""
        return len(self.track_ids)

    @property
    def dim(self) -> int:
        """Dimension of a frame."""
        return int(self.frames.shape[1])

    def clip(self, i: int) -> np.ndarray:
        """Frames of clip ``i``, shape ``(n_frames_i, dim)``."""
        return self.frames[self.offsets[i] : self.offsets[i + 1]]

    def frame_clip_index(self) -> np.ndarray:
        """Clip index of every frame, shape ``(n_frames_total,)``."""
        return np.repeat(np.arange(self.n_clips), np.diff(self.offsets))

    def select(self, genres: Sequence[str]) -> FrameSet:
        """Return the clips of the given genres (in their original order)."""
        keep = np.flatnonzero(np.isin(self.genres, list(genres)))
        parts = [self.clip(i) for i in keep]
        lengths = [len(p) for p in parts]
        frames = np.concatenate(parts) if parts else self.frames[:0]
        return FrameSet(
            frames=frames,
            offsets=np.concatenate([[0], np.cumsum(lengths)]),
            track_ids=self.track_ids[keep],
            genres=self.genres[keep],
            frame_rate=self.frame_rate,
            meta=dict(self.meta),
        )

    def head(self, n_rows: int | None) -> FrameSet:
        """Keep the first ``n_rows`` frames of every clip (all of them when ``None``)."""
        if n_rows is None:
            return self
        if n_rows < 1:
            raise ValueError(f"n_rows must be >= 1, got {n_rows}")
        return FrameSet.from_clips(
            [self.clip(i)[:n_rows] for i in range(self.n_clips)],
            self.track_ids,
            self.genres,
            self.frame_rate,
            self.meta,
        )

    def with_frames(self, frames: np.ndarray) -> FrameSet:
        """The same clips with other per-frame vectors (e.g. codes), row for row."""
        if len(frames) != len(self.frames):
            raise ValueError(f"expected {len(self.frames)} rows, got {len(frames)}")
        return FrameSet(
            frames=np.asarray(frames, dtype=np.float32),
            offsets=self.offsets,
            track_ids=self.track_ids,
            genres=self.genres,
            frame_rate=self.frame_rate,
            meta=dict(self.meta),
        )

    def take(self, clips: np.ndarray) -> FrameSet:
        """The clips of index ``clips``, in that order."""
        return FrameSet.from_clips(
            [self.clip(int(i)) for i in clips],
            self.track_ids[clips],
            self.genres[clips],
            self.frame_rate,
            self.meta,
        )

    @classmethod
    def from_clips(
        cls,
        clips: Sequence[np.ndarray],
        track_ids: Sequence[str],
        genres: Sequence[str],
        frame_rate: float,
        meta: dict[str, Any] | None = None,
    ) -> FrameSet:
        """Stack per-clip ``(n_frames_i, dim)`` arrays into one set."""
        lengths = [len(c) for c in clips]
        return cls(
            frames=np.concatenate(clips).astype(np.float32, copy=False),
            offsets=np.concatenate([[0], np.cumsum(lengths)]),
            track_ids=np.asarray(track_ids),
            genres=np.asarray(genres),
            frame_rate=float(frame_rate),
            meta=dict(meta or {}),
        )


def save_frames(path: str | Path, frameset: FrameSet, compress: bool = False) -> None:
    """Write a :class:`FrameSet` to an ``.npz`` file, atomically (zip-compressed if asked)."""
    import json

    with atomic_path(path, suffix=".npz") as tmp:
        (np.savez_compressed if compress else np.savez)(
            tmp,
            frames=frameset.frames,
            offsets=frameset.offsets,
            track_ids=frameset.track_ids,
            genres=frameset.genres,
            frame_rate=np.float64(frameset.frame_rate),
            meta=np.asarray(json.dumps(frameset.meta, sort_keys=True)),
        )


def load_frames(path: str | Path) -> FrameSet:
    """Read a :class:`FrameSet` written by :func:`save_frames`."""
    import json

    with np.load(path, allow_pickle=False) as data:
        return FrameSet(
            frames=data["frames"],
            offsets=data["offsets"],
            track_ids=data["track_ids"],
            genres=data["genres"],
            frame_rate=float(data["frame_rate"]),
            meta=json.loads(str(data["meta"])),
        )
