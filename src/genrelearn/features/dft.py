"""Magnitude DFT frames, the input of Hamel & Eck's deep belief network."""

from __future__ import annotations

import librosa
import numpy as np


def dft_magnitude(
    y: np.ndarray,
    sample_rate: int,
    n_fft: int = 1024,
    hop_length: int = 512,
    center: bool = False,
) -> np.ndarray:
    """``|DFT|`` of Hann-windowed frames, one row per frame (``n_fft // 2 + 1`` bins).

    Parameters
    ----------
    y : numpy.ndarray
        Mono signal.
    sample_rate : int
        Sample rate of ``y`` (unused by the transform; kept for the extractor signature).
    n_fft : int
        Frame length in samples (Hamel & Eck: 1024 samples, 46.4 ms at 22050 Hz).
    hop_length : int
        Hop in samples (512: frames overlap by half).
    center : bool
        Pad the signal so that frame ``t`` is centred on sample ``t * hop_length``.

    Returns
    -------
    numpy.ndarray
        ``(n_frames, n_fft // 2 + 1)`` float32 magnitudes.
    """
    del sample_rate
    y = np.asarray(y, dtype=np.float32)
    if len(y) < n_fft and not center:
        raise ValueError(f"clip of {len(y)} samples is shorter than one {n_fft}-sample frame")
    spec = librosa.stft(y, n_fft=n_fft, hop_length=hop_length, window="hann", center=center)
    return np.abs(spec).T.astype(np.float32)
