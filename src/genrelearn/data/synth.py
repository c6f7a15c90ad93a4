"""A deterministic synthetic music-genre dataset written in GTZAN's layout.

The default dataset of the study, so that the paper builds offline. Ten genres named like
GTZAN's (:data:`GENRES`) are each a *distribution* over musically meaningful parameters
(:data:`GENRE_PROFILES`): every clip draws its own :class:`ClipParams` from its genre's
distribution (:func:`sample_clip_params`) and is rendered from them (:func:`render_clip`) as a
mix of four stems -- drums, bass, a comping instrument and a melody -- followed by distortion,
slow dynamics, reverb and noise. :func:`generate_dataset` writes
``<out_dir>/genres/<genre>/<genre>.<NNNNN>.wav`` (mono, 16-bit PCM) and ``<out_dir>/metadata.csv``.

Parameters and their distributions
----------------------------------
Continuous parameters are drawn uniformly from a per-genre ``(low, high)`` range in natural
units; categorical ones from a per-genre probability table. The ``spread`` knob controls how much
the genres overlap:

* continuous: the range keeps its centre ``c = (low + high) / 2`` and its half-width
  ``h = (high - low) / 2`` becomes ``h * spread``; the widened range is clipped to the parameter's
  physical limits (:data:`PARAM_LIMITS`). ``spread = 0`` puts every clip at the centre.
* categorical: ``p' = (1 - w) * p + w / K`` over the ``K`` options of the parameter, with
  ``w = min(1, CATEGORICAL_MIX_PER_SPREAD * spread)`` and ``CATEGORICAL_MIX_PER_SPREAD = 0.25``
  (so at the default ``spread = 1`` a quarter of the mass is spread uniformly, and from
  ``spread = 4`` on the categorical parameters carry no genre information at all).

The key (pitch class of the tonic) is uniform over the 12 pitch classes for every genre.
``drum_level`` is set to 0 when the drawn pattern is ``"none"``.

Attributes
----------
:func:`clip_attributes` computes three scores in ``[0, 1]`` from the drawn parameters (never from
the audio). With ``clip(x) = min(1, max(0, x))`` and the effective drum level
``D_lvl = drum_level`` (0 when ``drum_pattern == "none"``):

* ``T = clip((tempo - 60) / 120)`` (tempo, 60 -> 0, 180 BPM -> 1)
* ``X = 1 - exp(-drive / 5)`` (distortion)
* ``B = clip((slope_db + 15) / 12)`` (brightness: -15 dB/oct -> 0, -3 dB/oct -> 1)

**energy** ``= 0.30 T + 0.25 clip(D_lvl / 1.5) + 0.20 X + 0.15 clip(note_density / 4)
+ 0.10 L``, with the loudness term
``L = 0.5 (peak_level - 0.5) / 0.45 + 0.5 (1 - clip(dyn_depth_db / 18))``.

**danceability** ``= 0.30 clip(D_lvl / 0.8) + 0.25 exp(-((tempo - 120) / 25)^2)
+ 0.15 (1 - swing) + 0.15 K + 0.15 G``, with the kick density ``K = kick_prob`` (0 without
drums) and the groove of the pattern ``G`` = four_on_floor 1.0, boom_bap 0.85, one_drop 0.8,
rock_backbeat 0.65, shuffle 0.55, jazz_ride 0.35, double_kick 0.2, none 0.

**valence** ``= 0.45 M + 0.20 T + 0.20 B + 0.15 (1 - X)``, with the brightness of the mode ``M``
= major 1.0, mixolydian 0.8, dorian 0.55, blues 0.45, minor 0.2, harmonic_minor 0.1, phrygian 0.

The weights of each score sum to 1, so each score lies in ``[0, 1]``; each varies within a
genre because its inputs are drawn per clip.

Rendering
---------
Events sit on a 16-step-per-bar grid (4/4); swing moves the off-beat eighth from 1/2 to
``1/2 + swing/6`` of the beat (the triplet position at ``swing = 1``), warping the sixteenths
with it. A four-chord progression of scale degrees (a 12-bar I-IV-V for the blues mode) changes
every ``chord_beats`` beats. The comping and melody instrument is additive: partial ``k`` of
``n_partials`` has frequency ``k f0 sqrt(1 + B k^2) / sqrt(1 + B)`` and amplitude
``k^(slope_db / 6.02)``, a linear attack, an exponential decay (faster for higher partials) and a
release after the note's gate; the melody adds vibrato. Drums are synthesised per clip (pitch-swept
sine kick, noise snare, high-passed noise hats, inharmonic ride) and placed from the pattern's
16-step template: core steps always sound, optional steps with probability
``min(1, 2 * density * weight)`` (density ``kick_prob`` for kicks, ``hat_prob`` otherwise); a
second bar re-draws 30 % of the steps and the two bars loop, with fills and crashes. The stems are
RMS-normalised and mixed with their levels; the comping + melody bus goes through
``tanh(drive * x / peak)`` first (RMS kept), the mix then through the slow loudness envelope
(``-dyn_depth_db/2 * (1 + sin(2 pi t / P + phi))`` dB, ``P`` in 3-10 s), a convolution with an
exponentially decaying noise impulse response (RT60 ``reverb_time``, wet fraction
``reverb_wet``), hiss at ``noise_db`` below the mix RMS plus ``crackle_rate`` clicks per second,
and a final peak normalisation to ``peak_level``.

Determinism
-----------
Clip ``i`` of genre ``g`` uses ``np.random.SeedSequence([seed, GENRES.index(g), i])``, spawned
into one stream for the parameters and one for the rendering. Clips therefore do not depend on
which other genres or clips are generated, nor on the order or the number of worker processes.
The phase of each note's fundamental is float64, wrapped to one cycle; the partial phases and
their sines are then evaluated in float32 for speed (phase rounding below 1e-5 rad for harmonic
partials and 1e-3 rad for the inharmonic drift of long notes, at least 60 dB under the partial).
Everything else is float64, cast to float32 at the end.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import soundfile as sf
from scipy.signal import fftconvolve, lfilter
from tqdm import tqdm

__all__ = [
    "BASS_STYLES",
    "CATEGORICAL_MIX_PER_SPREAD",
    "CHORD_BEATS",
    "CHORD_VOCABS",
    "COMP_STYLES",
    "DRUM_PATTERNS",
    "GENRES",
    "GENRE_PROFILES",
    "MODES",
    "PARAM_LIMITS",
    "ClipParams",
    "GenreProfile",
    "clip_attributes",
    "generate_dataset",
    "genre_distribution",
    "profile_table",
    "render_clip",
    "sample_clip_params",
]

GENRES: tuple[str, ...] = (
    "blues",
    "classical",
    "country",
    "disco",
    "hiphop",
    "jazz",
    "metal",
    "pop",
    "reggae",
    "rock",
)

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
        Overlap knob (see the module docstring).

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


# --------------------------------------------------------------------------------------------
# Attributes
# --------------------------------------------------------------------------------------------

_GROOVE = {
    "four_on_floor": 1.0,
    "boom_bap": 0.85,
    "one_drop": 0.8,
    "rock_backbeat": 0.65,
    "shuffle": 0.55,
    "jazz_ride": 0.35,
    "double_kick": 0.2,
    "none": 0.0,
}
_MODE_BRIGHTNESS = {
    "major": 1.0,
    "mixolydian": 0.8,
    "dorian": 0.55,
    "blues": 0.45,
    "minor": 0.2,
    "harmonic_minor": 0.1,
    "phrygian": 0.0,
}


def _clip01(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def clip_attributes(params: ClipParams) -> dict[str, float]:
    """Energy, danceability and valence of a clip, from its drawn parameters.

    The formulas are given in the module docstring; they are deterministic and use the
    parameters only (never the audio).

    Parameters
    ----------
    params : ClipParams
        Drawn parameters.

    Returns
    -------
    dict[str, float]
        ``{"energy": ..., "danceability": ..., "valence": ...}``, each in ``[0, 1]``.
    """
    has_drums = params.drum_pattern != "none"
    drum_level = params.drum_level if has_drums else 0.0
    t = _clip01((params.tempo - 60.0) / 120.0)
    x = 1.0 - math.exp(-max(params.drive, 0.0) / 5.0)
    b = _clip01((params.slope_db + 15.0) / 12.0)
    loud = 0.5 * _clip01((params.peak_level - 0.5) / 0.45) + 0.5 * (
        1.0 - _clip01(params.dyn_depth_db / 18.0)
    )
    energy = (
        0.30 * t
        + 0.25 * _clip01(drum_level / 1.5)
        + 0.20 * x
        + 0.15 * _clip01(params.note_density / 4.0)
        + 0.10 * loud
    )
    dance = (
        0.30 * _clip01(drum_level / 0.8)
        + 0.25 * math.exp(-(((params.tempo - 120.0) / 25.0) ** 2))
        + 0.15 * (1.0 - _clip01(params.swing))
        + 0.15 * (_clip01(params.kick_prob) if has_drums else 0.0)
        + 0.15 * _GROOVE[params.drum_pattern]
    )
    valence = 0.45 * _MODE_BRIGHTNESS[params.mode] + 0.20 * t + 0.20 * b + 0.15 * (1.0 - x)
    return {
        "energy": _clip01(energy),
        "danceability": _clip01(dance),
        "valence": _clip01(valence),
    }


# --------------------------------------------------------------------------------------------
# Rendering: notes
# --------------------------------------------------------------------------------------------

_CHUNK = 8192  # samples per block when rendering a note (bounds memory, keeps blocks in cache)


@dataclass(frozen=True)
class _Timbre:
    n_partials: int
    slope_db: float
    attack: float
    decay: float
    inharmonicity: float
    vibrato_depth: float = 0.0
    vibrato_rate: float = 5.0
    damping: float = 0.12  # extra decay rate of partial k: damping * (k - 1) / decay


class _Voice:
    """Additive synthesiser of one timbre: adds notes into a float64 buffer.

    Partial ``k`` (``k = 1..n_partials``) has frequency ``f0 * r_k`` with
    ``r_k = k sqrt(1 + B k^2) / sqrt(1 + B)``, amplitude ``k^(slope_db / 6.02)`` (normalised to sum
    1) and an extra decay rate ``damping (k - 1) / decay`` on top of the note envelope, so high
    partials die first (plucked strings). Partials above 0.45 ``sample_rate`` are dropped.
    """

    def __init__(self, timbre: _Timbre, sample_rate: int) -> None:
        self.t = timbre
        self.sr = sample_rate
        k = np.arange(1, max(1, int(timbre.n_partials)) + 1, dtype=np.float64)
        amps = k ** (timbre.slope_db / (20.0 * np.log10(2.0)))
        self.amps = (amps / amps.sum()).astype(np.float32)
        self.ratio = k * np.sqrt(1.0 + max(timbre.inharmonicity, 0.0) * k**2)
        self.ratio /= self.ratio[0]
        self.k2pi = (2.0 * np.pi * k).astype(np.float32)
        self.dev2pi = 2.0 * np.pi * (self.ratio - k)  # extra radians per second per Hz of f0
        self.decay = max(timbre.decay, 1e-3)
        self.attack = max(timbre.attack, 1e-4)
        self.damp_rate = timbre.damping / self.decay
        self.release = float(np.clip(0.3 * self.decay, 0.02, 0.4))

    def add(
        self,
        buf: np.ndarray,
        start_s: float,
        gate_s: float,
        midi: float,
        vel: float,
        vibrato: bool = False,
    ) -> None:
        """Add one note starting at ``start_s`` held for ``gate_s`` seconds.

        Only the note's own span (until its envelope has died away) is rendered, in blocks of
        ``_CHUNK`` samples as a ``partials x samples`` matrix. The phase of the fundamental is
        float64 and wrapped to one cycle before the float32 sines are taken.
        """
        sr, t = self.sr, self.t
        f0 = 440.0 * 2.0 ** ((midi - 69.0) / 12.0)
        n_part = int(np.searchsorted(self.ratio * f0, 0.45 * sr))
        start = int(round(max(start_s, 0.0) * sr))
        if n_part < 1 or start >= len(buf) or vel <= 0:
            return
        attack, decay, release = self.attack, self.decay, self.release
        gate = max(gate_s, 0.005)
        span = min(gate + 5.0 * release, attack + 7.0 * decay)
        n = min(int(span * sr) + 1, len(buf) - start)
        amps = self.amps[:n_part]
        k2pi = self.k2pi[:n_part, None]
        dev = (self.dev2pi[:n_part] * f0).astype(np.float32)[:, None]
        has_dev = bool(np.any(dev != 0))
        damp = np.float32(self.damp_rate) if n_part > 1 and self.damp_rate > 0 else None
        beta = 0.0
        rate = max(t.vibrato_rate, 0.1)
        if vibrato and t.vibrato_depth > 0:
            beta = f0 * (2.0 ** (t.vibrato_depth / 1200.0) - 1.0) / (2.0 * np.pi * rate)
        for i0 in range(0, n, _CHUNK):
            m = min(_CHUNK, n - i0)
            tt = (i0 + np.arange(m)) / sr
            c0 = f0 * tt
            if beta:
                ramp = np.minimum(tt / 0.25, 1.0)  # vibrato fades in over 250 ms
                c0 += beta * ramp * (1.0 - np.cos(2.0 * np.pi * rate * tt))
            u0 = (c0 - np.floor(c0)).astype(np.float32)
            t32 = tt.astype(np.float32)
            cyc = k2pi * u0[None, :]
            if has_dev:
                cyc += dev * t32[None, :]
            np.sin(cyc, out=cyc)
            if damp is not None:  # partial k decays faster by exp(-damp (k - 1) t)
                g = np.exp(-damp * t32)
                fade = g.copy()
                for row in cyc[1:]:
                    row *= fade
                    fade *= g
            y = amps @ cyc
            expo = np.maximum(t32 - np.float32(attack), 0) / np.float32(decay)
            expo += np.maximum(t32 - np.float32(gate), 0) / np.float32(release)
            env = np.minimum(t32 / np.float32(attack), 1) * np.exp(-expo)
            buf[start + i0 : start + i0 + m] += vel * (env * y)


# --------------------------------------------------------------------------------------------
# Rendering: harmony, rhythm and stems
# --------------------------------------------------------------------------------------------

_MODE_INTERVALS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {
        "major": (0, 2, 4, 5, 7, 9, 11),
        "minor": (0, 2, 3, 5, 7, 8, 10),
        "dorian": (0, 2, 3, 5, 7, 9, 10),
        "mixolydian": (0, 2, 4, 5, 7, 9, 10),
        "phrygian": (0, 1, 3, 5, 7, 8, 10),
        "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
        "blues": (0, 3, 5, 6, 7, 10),
    }
)
_BLUES_ROOTS = (0, 0, 0, 0, 5, 5, 0, 0, 7, 5, 0, 7)  # 12-bar blues, one entry per chord
_BLUES_CHORDS = {
    "power": (0, 7, 12),
    "triad": (0, 4, 7),
    "seventh": (0, 4, 7, 10),
    "extended": (0, 4, 10, 14),
}
_DEGREE_WEIGHTS = np.array([0.22, 0.10, 0.05, 0.22, 0.20, 0.16, 0.05])


class _Grid:
    """Converts beat positions (with swing) into seconds."""

    def __init__(self, tempo: float, swing: float) -> None:
        self.spb = 60.0 / tempo
        self.split = 0.5 + float(np.clip(swing, 0.0, 1.0)) / 6.0

    def seconds(self, beats: np.ndarray | float) -> np.ndarray:
        b = np.asarray(beats, dtype=np.float64)
        whole = np.floor(b)
        u = b - whole
        s = self.split
        warped = np.where(u < 0.5, u * (s / 0.5), s + (u - 0.5) * ((1.0 - s) / 0.5))
        return (whole + warped) * self.spb


def _progression(params: ClipParams, n_chords: int, rng: np.random.Generator) -> list[list[int]]:
    """Chord tones (semitones above the tonic) for each of ``n_chords`` chords."""
    vocab = params.chord_vocab
    if params.mode == "blues":
        shape = _BLUES_CHORDS[vocab]
        return [[r + s for s in shape] for r in (_BLUES_ROOTS * (n_chords // 12 + 1))[:n_chords]]
    scale = _MODE_INTERVALS[params.mode]
    degrees = [0]
    for _ in range(3):
        w = _DEGREE_WEIGHTS.copy()
        w[degrees[-1]] = 0.0
        degrees.append(int(rng.choice(7, p=w / w.sum())))
    chords = []
    for i in range(n_chords):
        d = degrees[i % 4]
        root = scale[d]
        if vocab == "power":
            chords.append([root, root + 7, root + 12])
            continue
        steps = {"triad": (0, 2, 4), "seventh": (0, 2, 4, 6), "extended": (0, 2, 6, 8)}[vocab]
        chords.append([scale[(d + j) % 7] + 12 * ((d + j) // 7) for j in steps])
    return chords


def _place(pitch: int, centre: float) -> int:
    """Move ``pitch`` by octaves into ``[centre - 6, centre + 6)``."""
    return int(pitch + 12 * math.floor((centre + 6 - pitch) / 12.0))


def _velocity(step16: np.ndarray | int, accent: float, rng: np.random.Generator) -> np.ndarray:
    weak = np.array([0.0, 0.6, 0.35, 0.6])[np.asarray(step16) % 4]
    jitter = rng.uniform(0.85, 1.0, size=np.shape(weak))
    return (1.0 - np.clip(accent, 0.0, 1.0) * weak) * jitter


def _render_comp(
    params: ClipParams,
    voice: _Voice,
    buf: np.ndarray,
    grid: _Grid,
    chords: list[list[int]],
    n_beats: int,
    rng: np.random.Generator,
) -> None:
    style, cb, acc = params.comp_style, params.chord_beats, params.accent
    centre = float(np.clip(params.melody_center - 9.0, 48.0, 64.0))
    power = params.chord_vocab == "power"
    spb = grid.spb
    stab_steps = np.zeros(0, dtype=np.int64)
    if style == "stabs":
        w = np.array([0.3, 0.5, 1.0, 1.2] * 4)
        n_hits = int(rng.integers(2, 5))
        stab_steps = np.sort(rng.choice(16, size=n_hits, replace=False, p=w / w.sum()))
    key = params.key
    for ci, chord in enumerate(chords):
        if power:
            root = _place(key + chord[0], 44.0)
            notes = [root + (c - chord[0]) for c in chord]
        else:
            notes = sorted(_place(key + c, centre) for c in chord)
        b0 = ci * cb
        gain = 1.0 / math.sqrt(len(notes))
        if style == "pad":
            st = float(grid.seconds(b0))
            dur = float(grid.seconds(b0 + cb)) - st
            for m in notes:
                voice.add(buf, st, dur, m, gain * rng.uniform(0.8, 1.0))
            continue
        events: list[tuple[float, float, int, float]] = []  # (beat, gate beats, step, vel)
        if style == "strum":
            for b in range(cb):
                events.append((b0 + b, 0.9, 0, 1.0))
                if rng.random() < 0.4:
                    events.append((b0 + b + 0.5, 0.45, 2, 0.6))
        elif style == "skank":
            events = [(b0 + b + 0.5, 0.25, 2, 1.0) for b in range(cb)]
        elif style == "stabs":
            for bar in range(int(math.ceil(cb / 4))):
                for s in stab_steps:
                    beat = bar * 4 + s / 4.0
                    if beat < cb:
                        events.append((b0 + beat, 0.5, int(s), 1.0))
        elif style == "power_eighths":
            events = [(b0 + e / 2.0, 0.45, 2 * (e % 2), 1.0) for e in range(2 * cb)]
        else:  # arpeggio
            step = 0.25 if params.tempo < 100 else 0.5
            order = notes + notes[-2:0:-1] if len(notes) > 2 else notes
            for j in range(int(round(cb / step))):
                events.append((b0 + j * step, 1.5 * step, int(j * step * 4) % 16, 1.0))
        for j, (beat, gate, step, v) in enumerate(events):
            if beat >= n_beats:
                break
            vel = gain * v * float(_velocity(step, acc, rng))
            st = float(grid.seconds(beat)) + rng.normal(0.0, 0.003)
            gs = gate * spb
            if style == "arpeggio":
                voice.add(buf, st, gs, order[j % len(order)], 1.6 * vel)
            elif style == "strum":
                seq = notes if step == 0 else notes[::-1]
                for i, m in enumerate(seq):
                    voice.add(buf, st + i * 0.012, gs, m, vel)
            else:
                for m in notes:
                    voice.add(buf, st, gs, m, vel)


def _render_bass(
    params: ClipParams,
    voice: _Voice,
    buf: np.ndarray,
    grid: _Grid,
    chords: list[list[int]],
    n_beats: int,
    rng: np.random.Generator,
) -> None:
    style, cb, spb = params.bass_style, params.chord_beats, grid.spb
    reg = params.bass_register
    scale = _MODE_INTERVALS[params.mode]
    sync = np.sort(rng.choice([0, 3, 6, 8, 10, 11, 14], size=4, replace=False))
    sync = np.unique(np.concatenate([[0], sync]))
    events: list[tuple[float, float, int]] = []  # (beat, gate beats, midi)
    for ci, chord in enumerate(chords):
        b0 = ci * cb
        root = _place(params.key + chord[0], reg)
        nxt = _place(params.key + chords[(ci + 1) % len(chords)][0], reg)
        if style == "root":
            events += [(b0 + b, 1.9, root) for b in range(0, cb, 2)]
        elif style == "root_fifth":
            events += [(b0 + b, 0.8, root + (7 if b % 2 else 0)) for b in range(cb)]
        elif style == "octave":
            events += [(b0 + e / 2.0, 0.4, root + 12 * (e % 2)) for e in range(2 * cb)]
        elif style == "walking":
            prev = root
            for b in range(cb):
                if b == 0:
                    m = root
                elif b == cb - 1:
                    m = nxt + (1 if rng.random() < 0.5 else -1)
                else:
                    cands = [_place(params.key + s, prev) for s in scale]
                    cands = [c for c in cands if 0 < abs(c - prev) <= 4] or [prev + 2]
                    m = int(rng.choice(cands))
                events.append((b0 + b, 0.9, m))
                prev = m
        else:  # syncopated
            for bar in range(int(math.ceil(cb / 4))):
                for i, s in enumerate(sync):
                    beat = bar * 4 + s / 4.0
                    if beat >= cb:
                        continue
                    end = (bar * 4 + sync[i + 1] / 4.0) if i + 1 < len(sync) else bar * 4 + 4
                    pitch = root + (7 if rng.random() < 0.2 else 0)
                    events.append((b0 + beat, 0.9 * (end - beat), pitch))
    for beat, gate, m in events:
        if beat >= n_beats:
            break
        step = int(round((beat % 1.0) * 4))
        vel = float(_velocity(step, 0.5 * params.accent, rng))
        st = float(grid.seconds(beat)) + rng.normal(0.0, 0.003)
        voice.add(buf, st, gate * spb, m, vel)


def _render_melody(
    params: ClipParams,
    voice: _Voice,
    buf: np.ndarray,
    grid: _Grid,
    chords: list[list[int]],
    n_beats: int,
    rng: np.random.Generator,
) -> None:
    density = max(params.note_density, 0.0)
    if density <= 0:
        return
    scale = _MODE_INTERVALS[params.mode]
    lo = params.melody_center - max(params.melody_spread, 1.0)
    hi = params.melody_center + max(params.melody_spread, 1.0)
    pool = [
        p
        for p in range(int(math.floor(lo)) - 12, int(math.ceil(hi)) + 13)
        if (p - params.key) % 12 in scale
    ]
    notes = [p for p in pool if lo <= p <= hi]
    while len(notes) < 3:  # tiny spreads: take the nearest scale notes
        cands = [p for p in pool if p not in notes]
        notes.append(min(cands, key=lambda p: abs(p - params.melody_center)))
        notes.sort()
    metric = np.array([1.6, 0.6, 1.1, 0.7])
    n_slots = n_beats * 4
    onsets = np.zeros(n_slots, dtype=bool)
    phrase = None
    for p0 in range(0, n_slots, 32):
        if phrase is None or rng.random() < 0.3:
            p_slot = np.minimum(1.0, density / 4.0 * np.tile(metric, 8))
            phrase = rng.random(32) < p_slot
            for bar in range(2):
                if rng.random() < 0.15:
                    phrase[bar * 16 : bar * 16 + 16] = False
        onsets[p0 : p0 + 32] = phrase[: n_slots - p0]
    slots = np.flatnonzero(onsets)
    if len(slots) == 0:
        slots = np.array([0])
    steps = np.array([-3, -2, -1, 0, 1, 2, 3])
    step_p = np.array([0.05, 0.15, 0.25, 0.1, 0.25, 0.15, 0.05])
    idx = int(rng.integers(len(notes)))
    cb = params.chord_beats
    for j, s in enumerate(slots):
        idx += int(rng.choice(steps, p=step_p))
        if idx < 0 or idx >= len(notes):
            idx = int(np.clip(-idx if idx < 0 else 2 * (len(notes) - 1) - idx, 0, len(notes) - 1))
        m = notes[idx]
        beat = s / 4.0
        if s % 4 == 0 and rng.random() < 0.6:
            chord = chords[min(int(beat // cb), len(chords) - 1)]
            pcs = {(params.key + c) % 12 for c in chord}
            tones = [i for i, p in enumerate(notes) if p % 12 in pcs]
            if tones:
                idx = min(tones, key=lambda i: abs(i - idx))
                m = notes[idx]
        nxt = slots[j + 1] / 4.0 if j + 1 < len(slots) else beat + 1.0
        gate = float(np.clip(0.85 * (nxt - beat), 0.125, 2.0)) * grid.spb
        vel = float(_velocity(int(s), params.accent, rng))
        st = float(grid.seconds(beat)) + rng.normal(0.0, 0.004)
        voice.add(buf, st, gate, m, vel, vibrato=True)


# --------------------------------------------------------------------------------------------
# Rendering: drums
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Rendering: whole clip
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Dataset
# --------------------------------------------------------------------------------------------


def _clip_rngs(seed: int, genre: str, index: int) -> tuple[np.random.Generator, ...]:
    ss = np.random.SeedSequence([seed, GENRES.index(genre), index])
    return tuple(np.random.default_rng(child) for child in ss.spawn(2))


def _write_wav(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        sf.write(tmp, audio, sample_rate, subtype="PCM_16", format="WAV")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _make_clip(
    out_dir: str,
    genre: str,
    index: int,
    duration: float,
    sample_rate: int,
    seed: int,
    spread: float,
) -> dict[str, Any]:
    param_rng, render_rng = _clip_rngs(seed, genre, index)
    params = sample_clip_params(genre, param_rng, spread)
    params = dataclasses.replace(params, seed=seed, clip_index=index)
    audio = render_clip(params, sample_rate, duration, render_rng)
    track_id = f"{genre}.{index:05d}"
    rel = f"genres/{genre}/{track_id}.wav"
    _write_wav(Path(out_dir) / rel, audio, sample_rate)
    row: dict[str, Any] = {
        "track_id": track_id,
        "genre": genre,
        "path": rel,
        "duration": len(audio) / sample_rate,
        "sample_rate": sample_rate,
        **clip_attributes(params),
    }
    for name, value in dataclasses.asdict(params).items():
        if name != "genre":
            row[name] = value
    return row


def generate_dataset(
    out_dir: str | Path,
    genres: Sequence[str] = GENRES,
    clips_per_genre: int = 100,
    duration: float = 30.0,
    sample_rate: int = 22050,
    seed: int = 1,
    spread: float = 1.0,
    n_jobs: int = 1,
    progress: bool = True,
) -> pd.DataFrame:
    """Write the synthetic dataset in GTZAN's layout and return its metadata.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Output folder; receives ``genres/<genre>/<genre>.<NNNNN>.wav`` and ``metadata.csv``.
    genres : Sequence[str]
        Genres to generate (a subset of :data:`GENRES`); each clip is the same whatever the
        subset.
    clips_per_genre : int
        Clips per genre (1 to 100000).
    duration : float
        Clip length in seconds.
    sample_rate : int
        Sample rate in Hz (>= 8000).
    seed : int
        Dataset seed (non-negative); clip ``i`` of genre ``g`` is seeded with
        ``SeedSequence([seed, GENRES.index(g), i])``.
    spread : float
        Overlap knob of :func:`sample_clip_params`.
    n_jobs : int
        Worker processes (``ProcessPoolExecutor`` when > 1).
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    pandas.DataFrame
        One row per clip, sorted by genre then index: ``track_id``, ``genre``, ``path``
        (relative to ``out_dir``), ``duration``, ``sample_rate``, ``energy``, ``danceability``,
        ``valence``, then every other :class:`ClipParams` field. The same frame is written to
        ``metadata.csv`` with floats formatted as ``%.6g``.

    Raises
    ------
    ValueError
        If an argument is out of range (the message names it).
    """
    if isinstance(genres, str):
        raise ValueError(f"genres must be a sequence of genre names, got the string {genres!r}")
    genres = list(genres)
    if not genres:
        raise ValueError("genres must name at least one genre")
    unknown = [g for g in genres if g not in GENRES]
    if unknown:
        raise ValueError(f"genres: unknown genre(s) {unknown}; expected names from {GENRES}")
    if len(set(genres)) != len(genres):
        raise ValueError(f"genres contains duplicates: {genres}")
    if int(clips_per_genre) != clips_per_genre or not 1 <= clips_per_genre <= 100_000:
        raise ValueError(f"clips_per_genre must be an integer in 1..100000, got {clips_per_genre}")
    if not math.isfinite(duration) or duration <= 0:
        raise ValueError(f"duration must be a finite number > 0, got {duration}")
    if int(sample_rate) != sample_rate or sample_rate < 8000:
        raise ValueError(f"sample_rate must be an integer >= 8000, got {sample_rate}")
    if round(duration * sample_rate) < 1:
        raise ValueError(f"duration {duration} s is shorter than one sample")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    spread = _check_spread(spread)
    if int(n_jobs) != n_jobs or n_jobs < 1:
        raise ValueError(f"n_jobs must be an integer >= 1, got {n_jobs}")

    out = Path(out_dir)
    genres = sorted(genres, key=GENRES.index)
    for g in genres:
        (out / "genres" / g).mkdir(parents=True, exist_ok=True)
    jobs = [
        (str(out), g, i, float(duration), int(sample_rate), int(seed), spread)
        for g in genres
        for i in range(int(clips_per_genre))
    ]
    rows: list[dict[str, Any]] = []
    bar_args: dict[str, Any] = dict(total=len(jobs), desc="synth", unit="clip", file=sys.stderr)
    if n_jobs == 1:
        with tqdm(disable=not progress, **bar_args) as bar:
            for job in jobs:
                rows.append(_make_clip(*job))
                bar.update()
    else:
        with ProcessPoolExecutor(max_workers=int(n_jobs)) as pool:
            # Submit (and so start the workers) before the progress bar starts its thread.
            futures = [pool.submit(_make_clip, *job) for job in jobs]
            try:
                with tqdm(disable=not progress, **bar_args) as bar:
                    for fut in as_completed(futures):
                        rows.append(fut.result())
                        bar.update()
            except BaseException:
                for fut in futures:
                    fut.cancel()
                raise

    rank = {g: i for i, g in enumerate(GENRES)}
    rows.sort(key=lambda r: (rank[r["genre"]], r["clip_index"]))
    meta = pd.DataFrame(rows).reset_index(drop=True)
    csv = out / "metadata.csv"
    tmp = out / f".metadata.csv.{os.getpid()}.tmp"
    meta.to_csv(tmp, index=False, float_format="%.6g", lineterminator="\n")
    os.replace(tmp, csv)
    return meta
