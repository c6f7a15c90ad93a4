"""The constant-Q transform of the thesis: two interleaved streams of 1024-sample frames.

Defferrard (2015) frames each clip with ``n_a = 1024`` samples and computes, over the whole clip,
``cqt(y, hop_length=1024, fmin=C2 (65.41 Hz), n_bins=96, bins_per_octave=24)`` twice: on the
aligned signal ``y`` and on the offset signal ``y[512:]``. The last column (mostly padding) is
dropped from both, and the two streams are interleaved into one time-ordered sequence with a
512-sample hop. The output is the linear magnitude: no log, no power, no contrast normalisation.

Two settings of librosa 0.4 (the thesis's version) differ from today's defaults and are
parameters here: ``tuning`` (0.4 re-estimated it per call; ``None`` does that, a number fixes it)
and ``filter_scale`` (0.4's ``resolution=2`` is today's ``filter_scale=2``).
"""

from __future__ import annotations

import librosa
import numpy as np

C2_HZ = float(librosa.note_to_hz("C2"))


def thesis_cqt(
    y: np.ndarray,
    sample_rate: int,
    hop_length: int = 1024,
    stream_offset: int = 512,
    fmin: float = C2_HZ,
    n_bins: int = 96,
    bins_per_octave: int = 24,
    filter_scale: float = 2.0,
    tuning: float | None = 0.0,
    max_frames: int | None = None,
) -> np.ndarray:
    """Compute the two-stream CQT of one clip.

    Parameters
    ----------
    y : numpy.ndarray
        Mono signal.
    sample_rate : int
        Sample rate of ``y`` in Hz.
    hop_length : int
        Hop of each stream (the thesis's frame length, 1024).
    stream_offset : int
        Start of the second stream in samples (512: 50 % overlap). ``0`` gives one stream.
    fmin : float
        Centre frequency of the lowest bin (C2 = 65.41 Hz).
    n_bins, bins_per_octave : int
        96 bins at 24 per octave: four octaves at quarter-tone resolution.
    filter_scale : float
        Filter length scale (librosa 0.4's ``resolution``).
    tuning : float or None
        Tuning deviation in fractions of a bin; ``None`` estimates it from the clip.
    max_frames : int, optional
        Keep only the first ``max_frames`` frames of each stream (the thesis's ``Nframes``).

    Returns
    -------
    numpy.ndarray
        ``(2 * n_frames, n_bins)`` float32 magnitudes, aligned and offset frames interleaved
        (a0, o0, a1, o1, ...); ``(n_frames, n_bins)`` when ``stream_offset`` is 0. Both streams
        are cut to the shorter one's length after dropping their last column.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"expected a mono signal, got shape {y.shape}")

    def stream(signal: np.ndarray) -> np.ndarray:
        spec = librosa.cqt(
            signal,
            sr=sample_rate,
            hop_length=hop_length,
            fmin=fmin,
            n_bins=n_bins,
            bins_per_octave=bins_per_octave,
            filter_scale=filter_scale,
            tuning=tuning,
        )
        return np.abs(spec[:, :-1]).T

    aligned = stream(y)
    if stream_offset == 0:
        out = aligned if max_frames is None else aligned[:max_frames]
        return np.ascontiguousarray(out, dtype=np.float32)
    offset = stream(y[stream_offset:])
    n = min(len(aligned), len(offset))
    if max_frames is not None:
        n = min(n, max_frames)
    out = np.empty((2 * n, n_bins), dtype=np.float32)
    out[0::2] = aligned[:n]
    out[1::2] = offset[:n]
    return out


def cqt_frequencies(n_bins: int = 96, fmin: float = C2_HZ, bins_per_octave: int = 24) -> np.ndarray:
    """Centre frequency in Hz of each CQT bin."""
    return librosa.cqt_frequencies(n_bins=n_bins, fmin=fmin, bins_per_octave=bins_per_octave)
