"""Log-mel + chroma stacks (the lab's 140-row "fused" features), raw and beat-synchronous.

The supervised CNN/LSTM study reads 128 log-mel bands (``power_to_db``, ``ref=max``)
and 12 chroma bins computed with librosa's defaults (22050 Hz, ``n_fft`` 2048, hop 512), stacked
as one ``(n_frames, 140)`` array (columns 0-127 mel, 128-139 chroma) so that mel, chroma and the
fused set are column slices of one feature file
(:data:`genrelearn.features.sets.FEATURE_SETS`). The beat-synchronous
version tracks beats on the percussive part of the clip (median-filter HPSS) and takes the median
of every row between consecutive beats (``librosa.util.sync``), so that one clip has one column
per beat interval instead of one per hop.

To keep the default run cheap, HPSS runs on the mel power spectrogram already computed for the
features (``hpss_domain="mel"``: a 128-row median filter instead of a 1025-row one) and the onset
envelope for the beat tracker is taken from that percussive mel spectrogram; ``hpss_domain=
"stft"`` separates the full STFT as the lab did (about 8 times slower).
"""

from __future__ import annotations

import librosa
import numpy as np

from genrelearn.features.sets import CHROMA_BINS, MEL_BANDS


def _power_spectrogram(y: np.ndarray, n_fft: int, hop_length: int) -> np.ndarray:
    return (
        np.abs(librosa.stft(np.asarray(y, dtype=np.float32), n_fft=n_fft, hop_length=hop_length))
        ** 2
    )


def mel_chroma(
    y: np.ndarray,
    sample_rate: int,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = MEL_BANDS,
    n_chroma: int = CHROMA_BINS,
    power: np.ndarray | None = None,
) -> np.ndarray:
    """Log-mel (dB re. the clip's maximum) stacked over STFT chroma, one row per frame.

    Parameters
    ----------
    y : numpy.ndarray
        Mono signal.
    sample_rate : int
        Its sample rate in Hz.
    n_fft, hop_length : int
        STFT size and hop in samples.
    n_mels, n_chroma : int
        Mel bands and chroma bins.
    power : numpy.ndarray, optional
        The ``|STFT|^2`` of ``y`` with these settings, if already computed.

    Returns
    -------
    numpy.ndarray
        ``(n_frames, n_mels + n_chroma)`` float32: mel columns first, then chroma.
    """
    if power is None:
        power = _power_spectrogram(y, n_fft, hop_length)
    mel = librosa.feature.melspectrogram(S=power, sr=sample_rate, n_mels=n_mels)
    mel_db = librosa.power_to_db(mel, ref=np.max)
    chroma = librosa.feature.chroma_stft(S=power, sr=sample_rate, n_chroma=n_chroma)
    return np.vstack([mel_db, chroma]).T.astype(np.float32)


def beat_frames(
    y: np.ndarray,
    sample_rate: int,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = MEL_BANDS,
    hpss_kernel: int = 31,
    hpss_domain: str = "mel",
    power: np.ndarray | None = None,
) -> np.ndarray:
    """Frame indices of the beats tracked on the percussive part of ``y``.

    Parameters
    ----------
    hpss_kernel : int
        Median-filter length of the harmonic/percussive separation.
    hpss_domain : {"mel", "stft"}
        Separate the mel power spectrogram (cheap) or the full STFT (the lab's way).

    Returns
    -------
    numpy.ndarray
        Sorted beat positions in frames (may be empty for a clip without a pulse).
    """
    if hpss_domain not in ("mel", "stft"):
        raise ValueError(f"hpss_domain must be 'mel' or 'stft', got {hpss_domain!r}")
    if power is None:
        power = _power_spectrogram(y, n_fft, hop_length)
    if hpss_domain == "stft":
        _, perc = librosa.decompose.hpss(power, kernel_size=hpss_kernel)
        perc_mel = librosa.feature.melspectrogram(S=perc, sr=sample_rate, n_mels=n_mels)
    else:
        mel = librosa.feature.melspectrogram(S=power, sr=sample_rate, n_mels=n_mels)
        _, perc_mel = librosa.decompose.hpss(mel, kernel_size=hpss_kernel)
    envelope = librosa.onset.onset_strength(
        S=librosa.power_to_db(perc_mel, ref=np.max), sr=sample_rate, hop_length=hop_length
    )
    _, beats = librosa.beat.beat_track(
        onset_envelope=envelope, sr=sample_rate, hop_length=hop_length, units="frames"
    )
    return np.asarray(beats, dtype=int)


def beat_synchronous(frames: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """Median of the frames between consecutive beats (``librosa.util.sync``, padded).

    Parameters
    ----------
    frames : numpy.ndarray
        ``(n_frames, dim)``.
    beats : numpy.ndarray
        Beat positions in frames.

    Returns
    -------
    numpy.ndarray
        ``(n_intervals, dim)`` float32, one row per interval of ``[0, beats..., n_frames]``
        (the clip's start and end are added as boundaries).
    """
    n_frames = len(frames)
    bounds = librosa.util.fix_frames(beats, x_min=0, x_max=n_frames)
    synced = librosa.util.sync(frames.T, bounds, aggregate=np.median, pad=False)
    return np.ascontiguousarray(synced.T, dtype=np.float32)


def fused(
    y: np.ndarray,
    sample_rate: int,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = MEL_BANDS,
    n_chroma: int = CHROMA_BINS,
) -> np.ndarray:
    """Feature kind ``fused``: :func:`mel_chroma` frames, ``(n_frames, n_mels + n_chroma)``."""
    return mel_chroma(y, sample_rate, n_fft, hop_length, n_mels, n_chroma)


def fused_beat(
    y: np.ndarray,
    sample_rate: int,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = MEL_BANDS,
    n_chroma: int = CHROMA_BINS,
    hpss_kernel: int = 31,
    hpss_domain: str = "mel",
) -> np.ndarray:
    """Feature kind ``fused_beat``: :func:`mel_chroma` frames synced to the tracked beats.

    One STFT serves the features and the beat tracker.

    Returns
    -------
    numpy.ndarray
        ``(n_beat_intervals, n_mels + n_chroma)`` float32.
    """
    power = _power_spectrogram(y, n_fft, hop_length)
    frames = mel_chroma(y, sample_rate, n_fft, hop_length, n_mels, n_chroma, power=power)
    beats = beat_frames(
        y, sample_rate, n_fft, hop_length, n_mels, hpss_kernel, hpss_domain, power=power
    )
    return beat_synchronous(frames, beats)
