"""Inputs of the randomly weighted CNNs of Pons & Serra (2018) and their MFCC baseline, at 12 kHz.

Every clip is first resampled to ``target_rate`` (12 kHz in the study) with librosa's default
resampler (soxr, high quality). Three kinds are computed from it:

``mel12k``
    Log-mel power spectrogram: ``n_fft`` 512, hop 256, 96 bands over 0-6 kHz, ``power_to_db``
    with ``ref=1.0, amin=1e-10, top_db=80`` (the study's ``librosa.logamplitude``), one row per
    frame (time x mel), no normalisation.
``wave12k``
    The resampled waveform itself, one sample per row (a ``(n_samples, 1)`` array), for the
    sample-level and frame-level models.
``mfcc120``
    The study's baseline: 20 MFCCs (librosa defaults: ``n_fft`` 2048, hop 512) with their first
    and second differences, summarised by the mean and the standard deviation of each over the
    clip: one 120-dimensional row per clip.
"""

from __future__ import annotations

from typing import Any

import librosa
import numpy as np

from genrelearn.features.spectral import log_mel, stack_deltas


def resample(y: np.ndarray, sample_rate: int, target_rate: int) -> np.ndarray:
    """``y`` at ``target_rate`` Hz (float32; unchanged when the rates agree)."""
    y = np.asarray(y, dtype=np.float32)
    if int(sample_rate) == int(target_rate):
        return y
    return librosa.resample(y, orig_sr=sample_rate, target_sr=target_rate).astype(np.float32)


def log_mel_12k(
    y: np.ndarray,
    sample_rate: int,
    target_rate: int = 12000,
    n_fft: int = 512,
    hop_length: int = 256,
    n_mels: int = 96,
    fmin: float = 0.0,
    fmax: float = 6000.0,
) -> np.ndarray:
    """Log-mel spectrogram of the resampled clip, ``(n_frames, n_mels)`` float32 in dB."""
    return log_mel(
        resample(y, sample_rate, target_rate),
        target_rate,
        n_fft=n_fft,
        hop_length=hop_length,
        n_mels=n_mels,
        fmin=fmin,
        fmax=fmax,
        top_db=80.0,
    )


def waveform_12k(y: np.ndarray, sample_rate: int, target_rate: int = 12000) -> np.ndarray:
    """The resampled waveform as a column, ``(n_samples, 1)`` float32."""
    return resample(y, sample_rate, target_rate)[:, None]


def mfcc_stats(
    y: np.ndarray,
    sample_rate: int,
    target_rate: int = 12000,
    n_mfcc: int = 20,
    n_fft: int = 2048,
    hop_length: int = 512,
) -> np.ndarray:
    """Mean and std of MFCCs, deltas and delta-deltas over the clip, ``(1, 6 * n_mfcc)``.

    The order is the means of the ``3 * n_mfcc`` coefficients, then their standard deviations.
    """
    coeffs = librosa.feature.mfcc(
        y=resample(y, sample_rate, target_rate),
        sr=target_rate,
        n_mfcc=n_mfcc,
        n_fft=n_fft,
        hop_length=hop_length,
    )
    if coeffs.shape[1] < 9:
        raise ValueError(
            f"clip too short for MFCC deltas: {coeffs.shape[1]} frames, need at least 9"
        )
    stacked = stack_deltas(coeffs)
    return np.concatenate([stacked.mean(axis=1), stacked.std(axis=1)])[None, :].astype(np.float32)


#: Feature kind -> extractor, registered in :data:`genrelearn.features.extract.EXTRACTORS`.
PONS_EXTRACTORS = {"mel12k": log_mel_12k, "wave12k": waveform_12k, "mfcc120": mfcc_stats}


def pons_frame_rate(kind: str, params: dict[str, Any]) -> float:
    """Rows per second of ``kind``: frames for mel12k, samples for wave12k, 0 for mfcc120."""
    rate = float(params.get("target_rate", 12000))
    if kind == "wave12k":
        return rate
    if kind == "mel12k":
        return rate / float(params.get("hop_length", 256))
    return 0.0
