"""Scales, chord progressions and the octave placement of pitches."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from genrelearn.data.synth.profiles import ClipParams

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
