"""Rendering of a whole clip: the stems, their mix, distortion, dynamics, reverb and noise."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.signal import fftconvolve, lfilter

from genrelearn.data.synth.drums import _render_drums
from genrelearn.data.synth.harmony import _progression
from genrelearn.data.synth.instruments import _Timbre, _Voice
from genrelearn.data.synth.parts import _render_bass, _render_comp, _render_melody
from genrelearn.data.synth.profiles import ClipParams
from genrelearn.data.synth.rhythm import _Grid


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0


def _normalised(x: np.ndarray) -> np.ndarray:
    r = _rms(x)
    return x / r if r > 1e-12 else x


def render_clip(
    params: ClipParams, sample_rate: int, duration: float, rng: np.random.Generator
) -> np.ndarray:
    """Render one clip from its parameters.

    Parameters
    ----------
    params : ClipParams
        Drawn parameters (see :func:`sample_clip_params`).
    sample_rate : int
        Sample rate in Hz (>= 8000).
    duration : float
        Length in seconds (> 0).
    rng : numpy.random.Generator
        Source of the rendering randomness (pattern and melody details, noise).

    Returns
    -------
    numpy.ndarray
        float32 mono signal of exactly ``round(duration * sample_rate)`` samples, peak-normalised
        to ``params.peak_level``; never silent, never NaN.

    Raises
    ------
    ValueError
        If ``sample_rate`` or ``duration`` is out of range.
    """
    if int(sample_rate) != sample_rate or sample_rate < 8000:
        raise ValueError(f"sample_rate must be an integer >= 8000, got {sample_rate}")
    if not math.isfinite(duration) or duration <= 0:
        raise ValueError(f"duration must be a finite number > 0, got {duration}")
    sr = int(sample_rate)
    n = int(round(duration * sr))
    if n < 1:
        raise ValueError(f"duration {duration} s is shorter than one sample at {sr} Hz")
    grid = _Grid(params.tempo, params.swing)
    n_beats = int(math.ceil(n / sr / grid.spb)) + 1
    n_chords = int(math.ceil(n_beats / params.chord_beats)) + 1
    chords = _progression(params, n_chords, rng)

    timbre = _Timbre(
        n_partials=int(params.n_partials),
        slope_db=params.slope_db,
        attack=params.attack,
        decay=params.decay,
        inharmonicity=params.inharmonicity,
        vibrato_depth=params.vibrato_depth,
        vibrato_rate=params.vibrato_rate,
    )
    pad_timbre = dataclasses.replace(
        timbre,
        attack=max(params.attack, 0.08),
        decay=max(params.decay, params.chord_beats * grid.spb),
    )
    bass_decay = 0.35 if params.bass_style in ("octave", "syncopated") else 0.8
    bass_timbre = _Timbre(
        n_partials=6, slope_db=-10.0, attack=0.006, decay=bass_decay, inharmonicity=0.0
    )
    comp_voice = _Voice(pad_timbre if params.comp_style == "pad" else timbre, sr)
    if params.comp_style == "skank":
        comp_voice = _Voice(dataclasses.replace(timbre, decay=min(params.decay, 0.25)), sr)

    comp = np.zeros(n)
    _render_comp(params, comp_voice, comp, grid, chords, n_beats, rng)
    melody = np.zeros(n)
    _render_melody(params, _Voice(timbre, sr), melody, grid, chords, n_beats, rng)
    bass = np.zeros(n)
    _render_bass(params, _Voice(bass_timbre, sr), bass, grid, chords, n_beats, rng)
    drums = np.zeros(n)
    _render_drums(params, drums, sr, grid, n_beats, rng)

    bus = params.comp_level * _normalised(comp) + params.melody_level * _normalised(melody)
    if params.drive > 0.05:
        peak = float(np.max(np.abs(bus)))
        if peak > 1e-12:
            level = _rms(bus)
            bus = np.tanh(params.drive * bus / peak)
            bus *= level / max(_rms(bus), 1e-12)
    drum_level = params.drum_level if params.drum_pattern != "none" else 0.0
    mix = bus + params.bass_level * _normalised(bass) + drum_level * _normalised(drums)

    t = np.arange(n) / sr
    if params.dyn_depth_db > 0:
        period, phase = rng.uniform(3.0, 10.0), rng.uniform(0.0, 2 * np.pi)
        depth = params.dyn_depth_db * 0.5 * (1.0 + np.sin(2 * np.pi * t / period + phase))
        mix *= 10.0 ** (-depth / 20.0)

    if params.reverb_wet > 0.005:
        rt = max(params.reverb_time, 0.05)
        tir = np.arange(max(int(min(rt, 3.0) * sr), 2)) / sr
        ir = rng.standard_normal(len(tir)) * np.exp(-6.91 * tir / rt)
        ir = lfilter([0.5], [1.0, -0.5], ir)  # darker tail
        ir[: int(0.012 * sr)] = 0.0  # pre-delay
        wet = fftconvolve(mix, ir)[:n]
        wr = _rms(wet)
        if wr > 1e-12:
            mix = (1.0 - params.reverb_wet) * mix + params.reverb_wet * wet * (_rms(mix) / wr)

    level = _rms(mix)
    if level <= 1e-12:  # degenerate parameters: never return silence
        mix = rng.standard_normal(n) * 0.1
        level = _rms(mix)
    hiss = lfilter([1.0, -0.6], [1.0], rng.standard_normal(n))
    mix = mix + hiss * (level * 10.0 ** (params.noise_db / 20.0) / max(_rms(hiss), 1e-12))
    n_clicks = int(rng.poisson(max(params.crackle_rate, 0.0) * n / sr))
    if n_clicks:
        peak = float(np.max(np.abs(mix)))
        pos = rng.integers(0, n, size=n_clicks)
        amp = peak * np.exp(rng.uniform(np.log(0.05), np.log(0.5), size=n_clicks))
        amp *= rng.choice([-1.0, 1.0], size=n_clicks)
        shape = np.exp(-np.arange(24) / 3.0)
        for p, a in zip(pos, amp, strict=True):
            m = min(24, n - p)
            mix[p : p + m] += a * shape[:m] * rng.uniform(0.5, 1.0, size=m)

    peak = float(np.max(np.abs(mix)))
    if not math.isfinite(peak) or peak <= 0:
        mix = np.where(np.isfinite(mix), mix, 0.0)
        peak = float(np.max(np.abs(mix)))
        if peak <= 0:
            mix = rng.standard_normal(n)
            peak = float(np.max(np.abs(mix)))
    out = (mix * (float(np.clip(params.peak_level, 0.01, 1.0)) / peak)).astype(np.float32)
    return np.clip(out, -1.0, 1.0)
