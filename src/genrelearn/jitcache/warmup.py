"""Compile, once, every numba function that the feature extractors reach.

Run by :func:`genrelearn.jitcache.warm` in a fresh interpreter whose ``NUMBA_CACHE_DIR`` is the
generation being prepared.
"""

from __future__ import annotations

import librosa
import numpy as np

from genrelearn.features.cqt import thesis_cqt
from genrelearn.features.extract import EXTRACTORS


def compile_feature_paths() -> None:
    """Run every feature extractor, and the librosa calls they make, once on a short clip.

    numba compiles (and caches) per argument type, not per value, so one short float32 clip
    (the workflow reads audio as float32) reaches every compiled function that the feature
    rules use: CQT with estimated tuning (``piptrack``/``localmax``), chroma, beat tracking,
    HPSS, onset strength, resampling and the rest.
    """
    sr = 22050
    t = np.arange(6 * sr) / sr
    y = 0.3 * np.sin(2 * np.pi * 220.0 * t) * (1 + np.sin(2 * np.pi * 2.0 * t))
    y[:: sr // 2] += 1.0  # clicks at 120 BPM for the beat tracker
    y = (0.5 * y / np.abs(y).max()).astype(np.float32)
    for extract in EXTRACTORS.values():
        extract(y, sr)
    thesis_cqt(y, sr, tuning=None)
    for dtype in (np.float32, np.float64):
        librosa.util.localmax(np.abs(y[:4096]).astype(dtype).reshape(64, 64), axis=0)
        librosa.estimate_tuning(y=y.astype(dtype), sr=sr)
