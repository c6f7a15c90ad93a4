"""Short-time spectral features: log-mel spectrogram and MFCC (librosa)."""

from __future__ import annotations

import librosa
import numpy as np


def log_mel(
    y: np.ndarray,
    sample_rate: int,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    top_db: float = 80.0,
) -> np.ndarray:
    """Log-mel power spectrogram in dB (``power_to_db``, ref 1.0).

    Returns
    -------
    numpy.ndarray
        ``(n_frames, n_mels)`` float32, one row per frame.
    """
    spec = librosa.feature.melspectrogram(
        y=np.asarray(y, dtype=np.float32),
        sr=sample_rate,
        n_fft=n_fft,
        hop_length=hop_length,
        n_mels=n_mels,
        fmin=fmin,
        fmax=fmax,
        power=2.0,
    )
    return librosa.power_to_db(spec, ref=1.0, amin=1e-10, top_db=top_db).T.astype(np.float32)


def mfcc(
    y: np.ndarray,
    sample_rate: int,
    n_mfcc: int = 20,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    deltas: bool = False,
) -> np.ndarray:
    """MFCCs, optionally with first and second differences.

    Returns
    -------
    numpy.ndarray
        ``(n_frames, n_mfcc)`` or, with ``deltas``, ``(n_frames, 3 * n_mfcc)`` float32.
    """
    coeffs = librosa.feature.mfcc(
        y=np.asarray(y, dtype=np.float32),
        sr=sample_rate,
        n_mfcc=n_mfcc,
        n_fft=n_fft,
        hop_length=hop_length,
        n_mels=n_mels,
    )
    if deltas:
        coeffs = stack_deltas(coeffs)
    return coeffs.T.astype(np.float32)


def stack_deltas(coeffs: np.ndarray) -> np.ndarray:
    """Coefficients over their first and second differences (``librosa.feature.delta``).

    Parameters
    ----------
    coeffs : numpy.ndarray
        ``(n_coeffs, n_frames)``, one column per frame (at least 9 frames).

    Returns
    -------
    numpy.ndarray
        ``(3 * n_coeffs, n_frames)``: the coefficients, their deltas, their delta-deltas.
    """
    return np.vstack(
        [coeffs, librosa.feature.delta(coeffs, order=1), librosa.feature.delta(coeffs, order=2)]
    )
