"""The drum part: per-clip synthesised kit, 16-step pattern templates and their placement."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from genrelearn.data.synth.profiles import ClipParams
from genrelearn.data.synth.rhythm import _Grid, _velocity

# pattern -> instrument -> (core steps, {optional step: weight}); an optional step sounds with
# probability min(1, 2 * density * weight), density = kick_prob for kicks, hat_prob otherwise.
_EIGHTHS = {s: 1.0 for s in range(0, 16, 2)}
_SIXTEENTHS = {s: 0.4 for s in range(1, 16, 2)}
_DRUM_TEMPLATES: Mapping[str, Mapping[str, tuple[tuple[int, ...], Mapping[int, float]]]] = {
    "none": {},
    "rock_backbeat": {
        "kick": ((0, 8), {6: 0.5, 10: 1.0, 14: 0.3, 3: 0.2, 11: 0.3}),
        "snare": ((4, 12), {7: 0.15, 9: 0.15, 15: 0.15}),
        "hat": ((), {**_EIGHTHS, **_SIXTEENTHS}),
    },
    "four_on_floor": {
        "kick": ((0, 4, 8, 12), {14: 0.2, 3: 0.1}),
        "snare": ((4, 12), {15: 0.1}),
        "ohat": ((2, 6, 10, 14), {}),
        "hat": ((), {s: 0.5 for s in range(16) if s % 4 != 2}),
    },
    "boom_bap": {
        "kick": ((0, 10), {3: 0.3, 7: 0.6, 11: 0.4, 14: 0.3}),
        "snare": ((4, 12), {15: 0.15}),
        "hat": ((), {**_EIGHTHS, **{s: 0.3 for s in range(1, 16, 2)}}),
    },
    "one_drop": {
        "kick": ((8,), {0: 0.1}),
        "rim": ((8,), {6: 0.2, 14: 0.2}),
        "hat": ((), {**_EIGHTHS, **{s: 0.3 for s in range(1, 16, 2)}}),
    },
    "shuffle": {
        "kick": ((0, 8), {6: 0.4, 14: 0.4, 10: 0.3}),
        "snare": ((4, 12), {}),
        "hat": ((0, 4, 8, 12), {2: 1.0, 6: 1.0, 10: 1.0, 14: 1.0}),
    },
    "double_kick": {
        "kick": ((0, 8), {s: 1.0 for s in range(16) if s not in (0, 8)}),
        "snare": ((4, 12), {}),
        "hat": ((0, 4, 8, 12), {2: 0.5, 6: 0.5, 10: 0.5, 14: 0.5}),
    },
    "jazz_ride": {
        "ride": ((0, 4, 8, 12), {6: 1.0, 14: 1.0, 2: 0.1, 10: 0.1}),
        "hat": ((4, 12), {}),
        "kick": ((), {0: 0.15, 4: 0.15, 8: 0.15, 12: 0.15, 11: 0.1}),
        "snare": ((), {2: 0.15, 6: 0.15, 7: 0.15, 10: 0.15, 11: 0.15, 14: 0.15, 15: 0.15}),
    },
}
_DRUM_GAIN = {"kick": 1.0, "snare": 0.8, "rim": 0.6, "hat": 0.3, "ohat": 0.3, "ride": 0.35}


def _hp_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    w = rng.standard_normal(n + 2)
    return (w[2:] - 2.0 * w[1:-1] + w[:-2]) / 2.5  # second difference: a steep high-pass


def _drum_kit(pattern: str, sr: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    def time(sec: float) -> np.ndarray:
        return np.arange(int(sec * sr)) / sr

    t = time(0.45)
    tight = pattern == "double_kick"
    boomy = pattern in ("boom_bap", "one_drop")
    f_lo = rng.uniform(42, 55) - (6 if boomy else 0)
    sweep, tau = rng.uniform(60, 120), 0.012 if tight else 0.03
    ph = f_lo * t + sweep * tau * (1.0 - np.exp(-t / tau))
    body_decay = 0.09 if tight else (0.35 if boomy else 0.2)
    kick = np.sin(2 * np.pi * ph) * np.exp(-t / body_decay)
    click = _hp_noise(rng, len(t)) * np.exp(-t / 0.002) * (0.8 if tight else 0.3)
    kit = {"kick": kick + click}
    t = time(0.3)
    tone = np.sin(2 * np.pi * rng.uniform(170, 220) * t) * np.exp(-t / 0.04)
    snare_tau = 0.06 if pattern == "jazz_ride" else rng.uniform(0.08, 0.15)
    kit["snare"] = 0.6 * tone + _hp_noise(rng, len(t)) * np.exp(-t / snare_tau)
    t = time(0.08)
    kit["rim"] = np.sin(2 * np.pi * 420 * t) * np.exp(-t / 0.015) + 0.5 * _hp_noise(
        rng, len(t)
    ) * np.exp(-t / 0.01)
    t = time(0.1)
    kit["hat"] = _hp_noise(rng, len(t)) * np.exp(-t / rng.uniform(0.015, 0.035))
    t = time(0.4)
    kit["ohat"] = _hp_noise(rng, len(t)) * np.exp(-t / 0.15)
    t = time(1.2)
    base = rng.uniform(330, 420)
    freqs = base * np.array([1.0, 1.47, 2.09, 2.56, 3.37, 4.12]) * 2.2
    freqs = freqs[freqs < 0.45 * sr]
    ring = np.sin(2 * np.pi * np.outer(freqs, t)).sum(axis=0) / max(len(freqs), 1)
    kit["ride"] = (0.6 * ring + 0.5 * _hp_noise(rng, len(t))) * np.exp(-t / 0.5)
    t = time(1.5)
    kit["crash"] = _hp_noise(rng, len(t)) * np.exp(-t / 0.6)
    return kit


def _render_drums(
    params: ClipParams,
    buf: np.ndarray,
    sr: int,
    grid: _Grid,
    n_beats: int,
    rng: np.random.Generator,
) -> None:
    template = _DRUM_TEMPLATES[params.drum_pattern]
    if not template or params.drum_level <= 0:
        return
    kit = _drum_kit(params.drum_pattern, sr, rng)
    n_bars = int(math.ceil(n_beats / 4))

    def draw_bar() -> dict[str, np.ndarray]:
        bar = {}
        for inst, (core, opt) in template.items():
            density = params.kick_prob if inst == "kick" else params.hat_prob
            hits = np.zeros(16, dtype=bool)
            hits[list(core)] = True
            for s, w in opt.items():
                if rng.random() < min(1.0, 2.0 * density * w):
                    hits[s] = True
            bar[inst] = hits
        return bar

    bar_a = draw_bar()
    bar_b = {k: v.copy() for k, v in bar_a.items()}
    redraw = draw_bar()
    for inst in bar_b:
        mask = rng.random(16) < 0.3
        bar_b[inst][mask] = redraw[inst][mask]
    crashes = params.drum_pattern in ("rock_backbeat", "double_kick", "four_on_floor")
    hits: list[tuple[str, float, float]] = []  # (instrument, beat, velocity)
    for bar in range(n_bars):
        pattern = bar_a if bar % 2 == 0 else bar_b
        for inst, steps in pattern.items():
            core = set(template[inst][0])
            for s in np.flatnonzero(steps):
                vel = float(_velocity(int(s), params.accent, rng))
                if inst == "snare" and s not in core:
                    vel *= 0.35  # ghost notes
                if params.drum_pattern == "jazz_ride" and inst in ("kick", "snare"):
                    vel *= 0.5
                hits.append((inst, bar * 4 + s / 4.0, vel))
        if bar % 4 == 3 and "snare" in template and rng.random() < 0.5:
            for s in range(12, 16):
                hits.append(("snare", bar * 4 + s / 4.0, 0.5 + 0.1 * (s - 12)))
        if crashes and bar % 4 == 0 and rng.random() < 0.6:
            hits.append(("crash", bar * 4.0, 0.5))
    for inst, beat, vel in hits:
        if beat >= n_beats:
            continue
        start_s = float(grid.seconds(beat)) + rng.normal(0.0, 0.002)
        start = int(round(max(start_s, 0.0) * sr))
        if start >= len(buf):
            continue
        sample = kit[inst]
        m = min(len(sample), len(buf) - start)
        buf[start : start + m] += _DRUM_GAIN.get(inst, 0.4) * vel * sample[:m]
