"""Genre names, parameter options and limits, the genre distributions and their sampling.

Every genre is a distribution over the parameters of one clip (:class:`ClipParams`): uniform
ranges for the continuous parameters and probability tables for the categorical ones
(:data:`GENRE_PROFILES`). The ``spread`` knob widens the ranges about their centres and mixes
the uniform distribution into the tables (:func:`genre_distribution`); :func:`sample_clip_params`
draws one clip's parameters and :func:`profile_table` tabulates the distributions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from genrelearn.data.genres import GENRES

DRUM_PATTERNS: tuple[str, ...] = (
    "none",
    "rock_backbeat",
    "four_on_floor",
    "boom_bap",
    "one_drop",
    "shuffle",
    "double_kick",
    "jazz_ride",
)
MODES: tuple[str, ...] = (
    "major",
    "minor",
    "dorian",
    "mixolydian",
    "phrygian",
    "harmonic_minor",
    "blues",
)
CHORD_VOCABS: tuple[str, ...] = ("power", "triad", "seventh", "extended")
CHORD_BEATS: tuple[int, ...] = (2, 4, 8, 16)
COMP_STYLES: tuple[str, ...] = ("pad", "strum", "skank", "stabs", "arpeggio", "power_eighths")
BASS_STYLES: tuple[str, ...] = ("root", "root_fifth", "walking", "octave", "syncopated")

#: Weight of the uniform distribution mixed into every categorical table, per unit of spread.
CATEGORICAL_MIX_PER_SPREAD = 0.25

#: Physical limits of the continuous parameters (natural units); widened ranges are clipped here.
PARAM_LIMITS: Mapping[str, tuple[float, float]] = MappingProxyType(
    {
        "tempo": (40.0, 220.0),  # BPM
        "swing": (0.0, 1.0),  # 0 straight, 1 triplet feel
        "hat_prob": (0.0, 1.0),  # density of optional hat / ride / ghost-note steps
        "kick_prob": (0.0, 1.0),  # density of optional kick steps
        "drum_level": (0.0, 2.0),  # drum stem RMS relative to the comping stem
        "n_partials": (1.0, 24.0),  # partials of the instrument (rounded)
        "slope_db": (-24.0, 0.0),  # spectral slope of the partials, dB per octave
        "attack": (0.001, 0.5),  # s
        "decay": (0.05, 8.0),  # s, exponential time constant after the attack
        "inharmonicity": (0.0, 0.002),  # B in f_k = k f0 sqrt(1 + B k^2)
        "drive": (0.0, 30.0),  # tanh distortion gain on the instrument bus
        "vibrato_depth": (0.0, 60.0),  # cents
        "vibrato_rate": (3.0, 8.0),  # Hz
        "comp_level": (0.1, 2.0),  # comping stem RMS (linear)
        "bass_level": (0.0, 2.0),  # bass stem RMS relative to the comping stem
        "bass_register": (24.0, 52.0),  # MIDI note around which the bass roots lie
        "melody_center": (48.0, 90.0),  # MIDI note
        "melody_spread": (2.0, 24.0),  # semitones either side of the centre
        "note_density": (0.0, 4.0),  # melody notes per beat
        "melody_level": (0.0, 2.0),  # melody stem RMS relative to the comping stem
        "noise_db": (-80.0, -10.0),  # hiss RMS relative to the mix RMS
        "crackle_rate": (0.0, 40.0),  # vinyl clicks per second
        "dyn_depth_db": (0.0, 24.0),  # depth of the slow loudness envelope
        "accent": (0.0, 1.0),  # how much weaker off-beat hits are
        "reverb_wet": (0.0, 0.9),  # wet fraction
        "reverb_time": (0.2, 4.0),  # s (RT60 of the impulse response)
        "peak_level": (0.5, 0.95),  # final peak amplitude
    }
)
_INTEGER_PARAMS = frozenset({"n_partials"})

_CATEGORICAL_OPTIONS: Mapping[str, tuple[Any, ...]] = MappingProxyType(
    {
        "drum_pattern": DRUM_PATTERNS,
        "mode": MODES,
        "chord_vocab": CHORD_VOCABS,
        "chord_beats": CHORD_BEATS,
        "comp_style": COMP_STYLES,
        "bass_style": BASS_STYLES,
    }
)


@dataclass(frozen=True)
class GenreProfile:
    """The parameter distribution of one genre.

    Attributes
    ----------
    continuous : Mapping[str, tuple[float, float]]
        ``(low, high)`` range of every continuous parameter (see :data:`PARAM_LIMITS`).
    categorical : Mapping[str, Mapping[Any, float]]
        Probability of every option of every categorical parameter (options not listed: 0).
    """

    continuous: Mapping[str, tuple[float, float]]
    categorical: Mapping[str, Mapping[Any, float]]


_DEFAULT_CONTINUOUS: dict[str, tuple[float, float]] = {
    "vibrato_rate": (4.5, 6.5),
    "crackle_rate": (0.0, 0.0),
    "comp_level": (0.8, 1.0),
    "peak_level": (0.5, 0.95),
}


def _profile(
    categorical: dict[str, dict[Any, float]], **ranges: tuple[float, float]
) -> GenreProfile:
    continuous = {**_DEFAULT_CONTINUOUS, **ranges}
    missing = set(PARAM_LIMITS) - set(continuous)
    if missing:  # pragma: no cover - guards the table below
        raise AssertionError(f"profile lacks {sorted(missing)}")
    ordered = {name: tuple(map(float, continuous[name])) for name in PARAM_LIMITS}
    cats = {name: MappingProxyType(dict(categorical[name])) for name in _CATEGORICAL_OPTIONS}
    return GenreProfile(MappingProxyType(ordered), MappingProxyType(cats))


#: Per-genre parameter distributions (ranges in natural units, categorical probabilities).
# fmt: off
GENRE_PROFILES: Mapping[str, GenreProfile] = MappingProxyType(
    {
        "blues": _profile(
            {
                "drum_pattern": {"shuffle": 0.7, "rock_backbeat": 0.15, "jazz_ride": 0.15},
                "mode": {"blues": 0.8, "mixolydian": 0.2},
                "chord_vocab": {"seventh": 0.7, "triad": 0.15, "extended": 0.15},
                "chord_beats": {4: 0.7, 8: 0.2, 2: 0.1},
                "comp_style": {"strum": 0.5, "stabs": 0.3, "pad": 0.2},
                "bass_style": {"root_fifth": 0.5, "walking": 0.4, "root": 0.1},
            },
            tempo=(70, 130), swing=(0.55, 0.95), hat_prob=(0.3, 0.6), kick_prob=(0.2, 0.5),
            drum_level=(0.5, 0.9), n_partials=(6, 12), slope_db=(-10, -5),
            attack=(0.003, 0.015), decay=(0.4, 1.2), inharmonicity=(0.0001, 0.0005),
            drive=(0.5, 4.0), vibrato_depth=(5, 25), bass_level=(0.6, 1.1),
            bass_register=(31, 40), melody_center=(62, 74), melody_spread=(5, 10),
            note_density=(0.75, 2.0), melody_level=(0.6, 1.1), noise_db=(-45, -30),
            crackle_rate=(0.0, 1.0), dyn_depth_db=(2, 6), accent=(0.3, 0.6),
            reverb_wet=(0.15, 0.35), reverb_time=(0.8, 1.8),
        ),
        "classical": _profile(
            {
                "drum_pattern": {"none": 1.0},
                "mode": {"major": 0.45, "minor": 0.3, "harmonic_minor": 0.25},
                "chord_vocab": {"triad": 0.6, "seventh": 0.3, "extended": 0.1},
                "chord_beats": {2: 0.3, 4: 0.5, 8: 0.2},
                "comp_style": {"pad": 0.5, "arpeggio": 0.5},
                "bass_style": {"root": 0.8, "walking": 0.2},
            },
            tempo=(50, 110), swing=(0.0, 0.05), hat_prob=(0.0, 0.1), kick_prob=(0.0, 0.1),
            drum_level=(0.0, 0.03), n_partials=(8, 16), slope_db=(-12, -6),
            attack=(0.06, 0.3), decay=(2.0, 6.0), inharmonicity=(0.0, 0.0001),
            drive=(0.0, 0.1), vibrato_depth=(10, 35), vibrato_rate=(4.5, 6.0),
            bass_level=(0.3, 0.7), bass_register=(33, 45), melody_center=(64, 80),
            melody_spread=(9, 16), note_density=(0.5, 2.0), melody_level=(0.7, 1.2),
            noise_db=(-70, -55), dyn_depth_db=(8, 18), accent=(0.1, 0.3),
            reverb_wet=(0.35, 0.6), reverb_time=(1.8, 3.5),
        ),
        "country": _profile(
            {
                "drum_pattern": {"rock_backbeat": 0.7, "shuffle": 0.2, "none": 0.1},
                "mode": {"major": 0.8, "mixolydian": 0.2},
                "chord_vocab": {"triad": 0.8, "seventh": 0.2},
                "chord_beats": {4: 0.6, 8: 0.3, 2: 0.1},
                "comp_style": {"strum": 0.6, "arpeggio": 0.3, "stabs": 0.1},
                "bass_style": {"root_fifth": 0.8, "walking": 0.2},
            },
            tempo=(90, 140), swing=(0.0, 0.2), hat_prob=(0.3, 0.6), kick_prob=(0.1, 0.4),
            drum_level=(0.4, 0.8), n_partials=(10, 18), slope_db=(-6, -3),
            attack=(0.001, 0.005), decay=(0.25, 0.7), inharmonicity=(0.0002, 0.0008),
            drive=(0.0, 1.0), vibrato_depth=(0, 10), vibrato_rate=(5.0, 6.5),
            bass_level=(0.5, 0.9), bass_register=(33, 42), melody_center=(62, 74),
            melody_spread=(5, 10), note_density=(1.0, 2.5), melody_level=(0.6, 1.0),
            noise_db=(-60, -45), dyn_depth_db=(2, 6), accent=(0.3, 0.6),
            reverb_wet=(0.1, 0.3), reverb_time=(0.6, 1.4),
        ),
        "disco": _profile(
            {
                "drum_pattern": {"four_on_floor": 0.9, "rock_backbeat": 0.1},
                "mode": {"minor": 0.4, "dorian": 0.3, "major": 0.3},
                "chord_vocab": {"seventh": 0.5, "extended": 0.3, "triad": 0.2},
                "chord_beats": {4: 0.3, 8: 0.5, 2: 0.2},
                "comp_style": {"stabs": 0.5, "skank": 0.2, "strum": 0.1, "pad": 0.2},
                "bass_style": {"octave": 0.9, "syncopated": 0.1},
            },
            tempo=(110, 130), swing=(0.0, 0.1), hat_prob=(0.7, 1.0), kick_prob=(0.0, 0.3),
            drum_level=(0.8, 1.3), n_partials=(6, 14), slope_db=(-8, -4),
            attack=(0.005, 0.03), decay=(0.3, 1.5), inharmonicity=(0.0, 0.0002),
            drive=(0.0, 1.5), vibrato_depth=(0, 15), bass_level=(0.8, 1.3),
            bass_register=(31, 40), melody_center=(64, 76), melody_spread=(5, 10),
            note_density=(1.0, 2.5), melody_level=(0.5, 1.0), noise_db=(-65, -50),
            dyn_depth_db=(1, 4), accent=(0.3, 0.6), reverb_wet=(0.15, 0.35),
            reverb_time=(0.8, 1.6),
        ),
        "hiphop": _profile(
            {
                "drum_pattern": {"boom_bap": 0.9, "rock_backbeat": 0.1},
                "mode": {"minor": 0.5, "dorian": 0.3, "phrygian": 0.1, "harmonic_minor": 0.1},
                "chord_vocab": {"seventh": 0.5, "extended": 0.3, "triad": 0.2},
                "chord_beats": {8: 0.4, 16: 0.6},
                "comp_style": {"pad": 0.4, "stabs": 0.3, "arpeggio": 0.3},
                "bass_style": {"syncopated": 0.6, "root": 0.4},
            },
            tempo=(80, 100), swing=(0.2, 0.6), hat_prob=(0.3, 0.7), kick_prob=(0.3, 0.7),
            drum_level=(1.0, 1.5), n_partials=(4, 10), slope_db=(-12, -7),
            attack=(0.005, 0.04), decay=(0.5, 2.0), inharmonicity=(0.0, 0.0003),
            drive=(0.3, 2.5), vibrato_depth=(0, 8), bass_level=(1.1, 1.7),
            bass_register=(24, 33), melody_center=(60, 76), melody_spread=(3, 7),
            note_density=(0.25, 0.8), melody_level=(0.3, 0.7), noise_db=(-45, -30),
            crackle_rate=(3, 15), dyn_depth_db=(0, 3), accent=(0.4, 0.8),
            reverb_wet=(0.05, 0.2), reverb_time=(0.4, 1.0),
        ),
        "jazz": _profile(
            {
                "drum_pattern": {"jazz_ride": 0.9, "shuffle": 0.1},
                "mode": {"dorian": 0.35, "major": 0.3, "mixolydian": 0.2, "minor": 0.15},
                "chord_vocab": {"extended": 0.6, "seventh": 0.4},
                "chord_beats": {2: 0.4, 4: 0.5, 8: 0.1},
                "comp_style": {"stabs": 0.5, "pad": 0.3, "arpeggio": 0.2},
                "bass_style": {"walking": 0.9, "root_fifth": 0.1},
            },
            tempo=(90, 180), swing=(0.6, 1.0), hat_prob=(0.4, 0.8), kick_prob=(0.05, 0.25),
            drum_level=(0.3, 0.6), n_partials=(4, 9), slope_db=(-14, -9),
            attack=(0.005, 0.03), decay=(0.8, 2.0), inharmonicity=(0.0, 0.0002),
            drive=(0.0, 0.3), vibrato_depth=(0, 12), bass_level=(0.6, 1.0),
            bass_register=(31, 40), melody_center=(62, 76), melody_spread=(7, 14),
            note_density=(1.5, 3.5), melody_level=(0.7, 1.1), noise_db=(-60, -45),
            crackle_rate=(0.0, 0.5), dyn_depth_db=(3, 8), accent=(0.2, 0.5),
            reverb_wet=(0.15, 0.35), reverb_time=(1.0, 2.0),
        ),
        "metal": _profile(
            {
                "drum_pattern": {"double_kick": 0.7, "rock_backbeat": 0.3},
                "mode": {"phrygian": 0.35, "minor": 0.35, "harmonic_minor": 0.3},
                "chord_vocab": {"power": 0.9, "triad": 0.1},
                "chord_beats": {2: 0.3, 4: 0.5, 8: 0.2},
                "comp_style": {"power_eighths": 0.9, "strum": 0.1},
                "bass_style": {"root": 0.7, "octave": 0.3},
            },
            tempo=(130, 200), swing=(0.0, 0.05), hat_prob=(0.3, 0.7), kick_prob=(0.6, 1.0),
            drum_level=(0.9, 1.4), n_partials=(8, 16), slope_db=(-8, -4),
            attack=(0.001, 0.006), decay=(0.3, 1.0), inharmonicity=(0.0, 0.0002),
            drive=(10, 25), vibrato_depth=(0, 10), bass_level=(0.5, 0.9),
            bass_register=(26, 35), melody_center=(60, 76), melody_spread=(5, 12),
            note_density=(1.0, 3.0), melody_level=(0.3, 0.7), noise_db=(-60, -45),
            dyn_depth_db=(0, 2), accent=(0.1, 0.3), reverb_wet=(0.1, 0.25),
            reverb_time=(0.8, 1.6),
        ),
        "pop": _profile(
            {
                "drum_pattern": {"rock_backbeat": 0.6, "four_on_floor": 0.3, "boom_bap": 0.1},
                "mode": {"major": 0.8, "minor": 0.1, "mixolydian": 0.1},
                "chord_vocab": {"triad": 0.8, "seventh": 0.1, "extended": 0.1},
                "chord_beats": {4: 0.6, 8: 0.3, 2: 0.1},
                "comp_style": {"pad": 0.3, "strum": 0.3, "stabs": 0.2, "arpeggio": 0.2},
                "bass_style": {"root": 0.5, "octave": 0.2, "syncopated": 0.3},
            },
            tempo=(95, 130), swing=(0.0, 0.15), hat_prob=(0.4, 0.8), kick_prob=(0.2, 0.5),
            drum_level=(0.6, 1.0), n_partials=(6, 12), slope_db=(-8, -4),
            attack=(0.01, 0.05), decay=(0.8, 2.5), inharmonicity=(0.0, 0.0001),
            drive=(0.0, 1.0), vibrato_depth=(15, 35), vibrato_rate=(5.0, 6.5),
            bass_level=(0.6, 1.0), bass_register=(31, 40), melody_center=(65, 76),
            melody_spread=(4, 9), note_density=(1.0, 2.0), melody_level=(0.9, 1.3),
            noise_db=(-70, -55), dyn_depth_db=(1, 5), accent=(0.3, 0.6),
            reverb_wet=(0.15, 0.35), reverb_time=(0.8, 1.8),
        ),
        "reggae": _profile(
            {
                "drum_pattern": {"one_drop": 0.85, "rock_backbeat": 0.15},
                "mode": {"minor": 0.4, "major": 0.35, "dorian": 0.25},
                "chord_vocab": {"triad": 0.7, "seventh": 0.3},
                "chord_beats": {4: 0.4, 8: 0.5, 2: 0.1},
                "comp_style": {"skank": 0.85, "stabs": 0.15},
                "bass_style": {"syncopated": 0.6, "root": 0.4},
            },
            tempo=(60, 90), swing=(0.1, 0.4), hat_prob=(0.3, 0.7), kick_prob=(0.05, 0.3),
            drum_level=(0.6, 1.0), n_partials=(5, 10), slope_db=(-10, -5),
            attack=(0.002, 0.01), decay=(0.15, 0.5), inharmonicity=(0.0, 0.0002),
            drive=(0.0, 1.5), vibrato_depth=(0, 10), bass_level=(1.2, 1.8),
            bass_register=(26, 35), melody_center=(60, 72), melody_spread=(4, 8),
            note_density=(0.5, 1.5), melody_level=(0.4, 0.8), noise_db=(-60, -45),
            crackle_rate=(0.0, 1.0), dyn_depth_db=(1, 4), accent=(0.4, 0.7),
            reverb_wet=(0.2, 0.4), reverb_time=(1.0, 2.0),
        ),
        "rock": _profile(
            {
                "drum_pattern": {"rock_backbeat": 0.85, "shuffle": 0.05, "double_kick": 0.1},
                "mode": {"major": 0.4, "minor": 0.3, "mixolydian": 0.2, "dorian": 0.1},
                "chord_vocab": {"power": 0.5, "triad": 0.5},
                "chord_beats": {4: 0.5, 8: 0.3, 2: 0.2},
                "comp_style": {"power_eighths": 0.5, "strum": 0.5},
                "bass_style": {"root": 0.6, "octave": 0.2, "root_fifth": 0.2},
            },
            tempo=(100, 150), swing=(0.0, 0.1), hat_prob=(0.4, 0.8), kick_prob=(0.3, 0.6),
            drum_level=(0.8, 1.2), n_partials=(8, 16), slope_db=(-8, -4),
            attack=(0.002, 0.01), decay=(0.4, 1.2), inharmonicity=(0.0, 0.0003),
            drive=(3, 10), vibrato_depth=(0, 15), bass_level=(0.6, 1.0),
            bass_register=(28, 38), melody_center=(60, 74), melody_spread=(5, 10),
            note_density=(1.0, 2.0), melody_level=(0.6, 1.0), noise_db=(-60, -45),
            dyn_depth_db=(1, 4), accent=(0.3, 0.6), reverb_wet=(0.1, 0.3),
            reverb_time=(0.8, 1.6),
        ),
    }
)
# fmt: on


@dataclass(frozen=True)
class ClipParams:
    """Every parameter drawn for one clip (see :data:`GENRE_PROFILES` for the units).

    Attributes
    ----------
    genre : str
        Genre the parameters were drawn from.
    key : int
        Pitch class of the tonic (0 = C, ..., 11 = B), uniform over genres.
    tempo, swing : float
        Beats per minute; swing in ``[0, 1]`` (1 moves the off-beat eighth to the triplet).
    drum_pattern : str
        One of :data:`DRUM_PATTERNS`.
    hat_prob, kick_prob : float
        Densities of the optional hat/ride/ghost-note and kick steps of the 16-step grid.
    drum_level : float
        Drum stem RMS relative to the comping stem (0 when ``drum_pattern == "none"``).
    n_partials, slope_db, attack, decay, inharmonicity, drive, vibrato_depth, vibrato_rate
        Timbre of the comping and melody instrument: number of partials, spectral slope in
        dB/octave, attack (s), decay time constant (s), inharmonicity coefficient ``B``, tanh
        distortion drive, vibrato depth (cents) and rate (Hz; melody only).
    mode, chord_vocab, chord_beats : str, str, int
        Scale (:data:`MODES`), chord vocabulary (:data:`CHORD_VOCABS`), beats per chord.
    comp_style, comp_level : str, float
        Comping style (:data:`COMP_STYLES`) and stem level.
    bass_style, bass_level, bass_register : str, float, float
        Bass style (:data:`BASS_STYLES`), stem level, MIDI note of the bass register.
    melody_center, melody_spread, note_density, melody_level : float
        Melody register (MIDI centre, semitones either side), notes per beat, stem level.
    noise_db, crackle_rate : float
        Hiss level (dB re mix RMS) and vinyl clicks per second.
    dyn_depth_db, accent : float
        Depth of the slow loudness envelope (dB) and accent strength.
    reverb_wet, reverb_time : float
        Reverb wet fraction and RT60 (s).
    peak_level : float
        Peak amplitude of the rendered clip.
    spread : float
        Overlap knob the parameters were drawn with.
    seed, clip_index : int
        Dataset seed and clip index (-1 when drawn outside :func:`generate_dataset`).
    """

    genre: str
    key: int
    tempo: float
    swing: float
    drum_pattern: str
    hat_prob: float
    kick_prob: float
    drum_level: float
    n_partials: int
    slope_db: float
    attack: float
    decay: float
    inharmonicity: float
    drive: float
    vibrato_depth: float
    vibrato_rate: float
    mode: str
    chord_vocab: str
    chord_beats: int
    comp_style: str
    comp_level: float
    bass_style: str
    bass_level: float
    bass_register: float
    melody_center: float
    melody_spread: float
    note_density: float
    melody_level: float
    noise_db: float
    crackle_rate: float
    dyn_depth_db: float
    accent: float
    reverb_wet: float
    reverb_time: float
    peak_level: float
    spread: float = 1.0
    seed: int = -1
    clip_index: int = -1

    def __post_init__(self) -> None:
        for name, options in _CATEGORICAL_OPTIONS.items():
            if getattr(self, name) not in options:
                raise ValueError(f"{name} must be one of {options}, got {getattr(self, name)!r}")
        if not 0 <= self.key < 12:
            raise ValueError(f"key must be a pitch class 0..11, got {self.key}")
        for name in PARAM_LIMITS:
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value}")
        if self.tempo <= 0:
            raise ValueError(f"tempo must be > 0, got {self.tempo}")
        if self.n_partials < 1:
            raise ValueError(f"n_partials must be >= 1, got {self.n_partials}")


# --------------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------------


def _check_genre(genre: str) -> None:
    if genre not in GENRES:
        raise ValueError(f"genre: unknown genre {genre!r}; expected one of {GENRES}")


def _check_spread(spread: float) -> float:
    spread = float(spread)
    if not math.isfinite(spread) or spread < 0:
        raise ValueError(f"spread must be a finite number >= 0, got {spread}")
    return spread


def _widened(name: str, low: float, high: float, spread: float) -> tuple[float, float]:
    centre, half = 0.5 * (low + high), 0.5 * (high - low) * spread
    lo_lim, hi_lim = PARAM_LIMITS[name]
    return max(lo_lim, min(hi_lim, centre - half)), max(lo_lim, min(hi_lim, centre + half))


def _mixed(name: str, probs: Mapping[Any, float], spread: float) -> np.ndarray:
    options = _CATEGORICAL_OPTIONS[name]
    p = np.array([float(probs.get(o, 0.0)) for o in options])
    p /= p.sum()
    w = min(1.0, CATEGORICAL_MIX_PER_SPREAD * spread)
    p = (1.0 - w) * p + w / len(options)
    return p / p.sum()


def profile_table(spread: float = 1.0) -> pd.DataFrame:
    """Tabulate the genre distributions as drawn with ``spread`` (for the paper).

    Parameters
    ----------
    spread : float
        Overlap knob (see the docstring of :mod:`genrelearn.data.synth`).

    Returns
    -------
    pandas.DataFrame
        One row per genre; continuous parameters as ``"[low, high]"`` strings (widened ranges) and
        categorical ones as ``"option:probability"`` lists (options above 1 %).
    """
    rows = []
    for genre in GENRES:
        ranges, tables = genre_distribution(genre, spread)
        row: dict[str, str] = {"genre": genre}
        for name, (a, b) in ranges.items():
            row[name] = f"[{a:.4g}, {b:.4g}]"
        for name, table in tables.items():
            row[name] = ", ".join(f"{o}:{q:.2f}" for o, q in table.items() if q > 0.01)
        rows.append(row)
    return pd.DataFrame(rows)


def genre_distribution(
    genre: str, spread: float = 1.0
) -> tuple[dict[str, tuple[float, float]], dict[str, dict[Any, float]]]:
    """The distribution a clip of ``genre`` is drawn from, after widening by ``spread``.

    Returns
    -------
    ranges : dict
        Continuous parameter -> ``(low, high)`` of its uniform distribution.
    tables : dict
        Categorical parameter -> ``{option: probability}``.
    """
    spread = _check_spread(spread)
    if genre not in GENRE_PROFILES:
        raise ValueError(f"genre: unknown genre {genre!r}; choose from {GENRES}")
    prof = GENRE_PROFILES[genre]
    ranges = {
        name: tuple(float(v) for v in _widened(name, lo, hi, spread))
        for name, (lo, hi) in prof.continuous.items()
    }
    tables = {
        name: dict(
            zip(opts, (float(q) for q in _mixed(name, prof.categorical[name], spread)), strict=True)
        )
        for name, opts in _CATEGORICAL_OPTIONS.items()
    }
    return ranges, tables  # type: ignore[return-value]


def sample_clip_params(genre: str, rng: np.random.Generator, spread: float = 1.0) -> ClipParams:
    """Draw one clip's parameters from its genre's distribution.

    Parameters
    ----------
    genre : str
        One of :data:`GENRES`.
    rng : numpy.random.Generator
        Source of randomness (the draws happen in a fixed order).
    spread : float
        Overlap knob: widens the continuous ranges by ``spread`` about their centres and mixes
        a weight ``min(1, 0.25 * spread)`` of the uniform distribution into the categorical ones.

    Returns
    -------
    ClipParams
        The drawn parameters (``seed`` and ``clip_index`` left at -1).

    Raises
    ------
    ValueError
        If ``genre`` is unknown or ``spread`` is negative.
    """
    _check_genre(genre)
    spread = _check_spread(spread)
    prof = GENRE_PROFILES[genre]
    values: dict[str, Any] = {}
    for name, (lo, hi) in prof.continuous.items():
        a, b = _widened(name, lo, hi, spread)
        x = float(rng.uniform(a, b))
        values[name] = int(round(x)) if name in _INTEGER_PARAMS else x
    for name, options in _CATEGORICAL_OPTIONS.items():
        p = _mixed(name, prof.categorical[name], spread)
        values[name] = options[int(rng.choice(len(options), p=p))]
    values["key"] = int(rng.integers(12))
    if values["drum_pattern"] == "none":
        values["drum_level"] = 0.0
    return ClipParams(genre=genre, spread=spread, **values)
