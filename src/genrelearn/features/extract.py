"""Compute one kind of frame feature for every clip of a track index."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import soundfile as sf
from tqdm import tqdm

from genrelearn.data.index import AudioValidationError
from genrelearn.features.beat_sync import fused, fused_beat  # supervised CNN/LSTM
from genrelearn.features.cqt import thesis_cqt

# DBN / ConvRBM / VAE features
from genrelearn.features.dft import dft_magnitude
from genrelearn.features.pons import PONS_EXTRACTORS, pons_frame_rate
from genrelearn.features.spectral import log_mel, mfcc
from genrelearn.features.store import FrameSet
from genrelearn.workers import map_in_processes

#: Feature kind -> function ``(y, sample_rate, **params) -> (n_frames, dim)``.
EXTRACTORS: dict[str, Callable[..., np.ndarray]] = {
    "cqt": thesis_cqt,
    "mel": log_mel,
    "mfcc": mfcc,
    # DBN / ConvRBM / VAE features: |DFT| frames, 64-band log-mel
    "dft": dft_magnitude,
    "mel64": log_mel,
    # supervised CNN/LSTM: log-mel + chroma stack, raw and beat-synchronous
    "fused": fused,
    "fused_beat": fused_beat,
}
# Inputs of the randomly weighted CNNs and their MFCC baseline, at 12 kHz (rules/deep.smk).
EXTRACTORS.update(PONS_EXTRACTORS)


def frame_rate(kind: str, params: Mapping[str, Any], sample_rate: int) -> float:
    """Frames per second of the sequence that ``kind`` produces with ``params``."""
    if kind in PONS_EXTRACTORS:  # resampled inputs of the random CNNs: their own rate
        return pons_frame_rate(kind, dict(params))
    hop = float(params.get("hop_length", 512))
    if kind == "cqt" and params.get("stream_offset", 512):
        hop /= 2.0  # two interleaved streams
    return sample_rate / hop


def load_clip(path: str, sample_rate: int, max_samples: int | None = None) -> np.ndarray:
    """Read a mono clip as float32, optionally truncated to ``max_samples`` samples.

    Raises
    ------
    AudioValidationError
        If the file's sample rate differs from ``sample_rate`` or it is not mono.
    """
    y, sr = sf.read(path, dtype="float32", always_2d=True)
    if sr != sample_rate:
        raise AudioValidationError(path, f"sample rate is {sr} Hz, expected {sample_rate} Hz")
    if y.shape[1] != 1:
        raise AudioValidationError(path, f"has {y.shape[1]} channels, expected mono")
    y = y[:, 0]
    return y[:max_samples] if max_samples else y


def _extract_one(
    path: str, kind: str, params: Mapping[str, Any], sample_rate: int, max_samples: int | None
) -> np.ndarray:
    y = load_clip(path, sample_rate, max_samples)
    return EXTRACTORS[kind](y, sample_rate, **params)


def extract_features(
    tracks: pd.DataFrame,
    kind: str,
    params: Mapping[str, Any],
    sample_rate: int,
    max_samples: int | None = None,
    n_jobs: int = 1,
    progress: bool = True,
) -> FrameSet:
    """Compute feature ``kind`` for every track.

    Parameters
    ----------
    tracks : pandas.DataFrame
        Track index with columns ``track_id``, ``genre``, ``path``.
    kind : str
        One of :data:`EXTRACTORS`.
    params : mapping
        Keyword arguments of the extractor.
    sample_rate : int
        Sample rate every clip must have.
    max_samples : int, optional
        Truncate each clip to this many samples first (the thesis: 660,000).
    n_jobs : int
        Worker processes.
    progress : bool
        Show a tqdm bar on stderr.

    Returns
    -------
    FrameSet
        Frames of all clips in index order, with the parameters in ``meta``.

    Raises
    ------
    genrelearn.workers.WorkerCrashError
        If a worker process dies (a crash in compiled code, out of memory); the message names
        the clip, the signal and what to do.
    """
    if kind not in EXTRACTORS:
        raise ValueError(f"unknown feature kind {kind!r}; choose one of {sorted(EXTRACTORS)}")
    work = partial(
        _extract_one,
        kind=kind,
        params=dict(params),
        sample_rate=sample_rate,
        max_samples=max_samples,
    )
    paths = tracks["path"].astype(str).tolist()
    computed = map_in_processes(work, paths, n_jobs, what=f"{kind} features of clip")
    bar = tqdm(total=len(paths), desc=f"{kind} features", unit="clip", disable=not progress)
    clips: list[np.ndarray] = []
    for out in computed:
        clips.append(out)
        bar.update()
    bar.close()
    meta = {
        "kind": kind,
        "params": dict(params),
        "sample_rate": sample_rate,
        "max_samples": max_samples,
    }
    return FrameSet.from_clips(
        clips,
        tracks["track_id"].astype(str).tolist(),
        tracks["genre"].astype(str).tolist(),
        frame_rate(kind, params, sample_rate),
        meta,
    )
