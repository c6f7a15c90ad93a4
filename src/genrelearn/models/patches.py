"""Spectrogram patches ("images") for the convolutional models, with their clip index."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_array


def spectrogram_patches(
    frames: np.ndarray, offsets: np.ndarray, patch_frames: int
) -> tuple[np.ndarray, np.ndarray]:
    """Cut every clip's ``(T, n_bands)`` spectrogram into non-overlapping patches.

    Parameters
    ----------
    frames : numpy.ndarray
        ``(n_frames_total, n_bands)``, clips stacked (a FrameSet's ``frames``).
    offsets : numpy.ndarray
        ``(n_clips + 1,)`` clip boundaries.
    patch_frames : int
        Frames per patch; a trailing part shorter than a patch is dropped.

    Returns
    -------
    patches : numpy.ndarray
        ``(n_patches, 1, n_bands, patch_frames)`` float32 (channel, frequency, time).
    clip : numpy.ndarray
        Clip index of every patch.

    Raises
    ------
    ValueError
        If a clip is shorter than one patch.
    """
    patches, clips = [], []
    for i in range(len(offsets) - 1):
        spec = frames[offsets[i] : offsets[i + 1]]
        n = len(spec) // patch_frames
        if n == 0:
            raise ValueError(
                f"clip {i} has {len(spec)} frames, fewer than one patch of {patch_frames}; "
                "lower patch_frames in the deep config"
            )
        cut = spec[: n * patch_frames].reshape(n, patch_frames, -1).transpose(0, 2, 1)
        patches.append(cut[:, None])
        clips.append(np.full(n, i))
    return np.concatenate(patches).astype(np.float32), np.concatenate(clips)


def clip_means(vectors: np.ndarray, clip: np.ndarray, n_clips: int) -> np.ndarray:
    """Average of the vectors of each clip, ``(n_clips, dim)``."""
    sums = np.zeros((n_clips, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, clip, vectors)
    counts = np.bincount(clip, minlength=n_clips)[:, None]
    return (sums / np.maximum(counts, 1)).astype(np.float32)


def check_patches(X: np.ndarray) -> np.ndarray:
    """``X`` as float32 patches ``(n, 1, bands, frames)`` for the convolutional models.

    Raises
    ------
    ValueError
        If ``X`` has no patch, non-finite or complex values, or another shape.
    TypeError
        If ``X`` is sparse.
    """
    X = check_array(X, dtype=np.float32, allow_nd=True)
    if X.ndim != 4 or X.shape[1] != 1:
        raise ValueError(f"patches must have shape (n, 1, bands, frames), got {X.shape}")
    return X
