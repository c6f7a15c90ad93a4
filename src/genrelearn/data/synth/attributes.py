"""Energy, danceability and valence of a clip, computed from its drawn parameters.

The formulas are documented in the docstring of :mod:`genrelearn.data.synth`.
"""

from __future__ import annotations

import math

from genrelearn.data.synth.profiles import ClipParams

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

    The formulas are given in the docstring of :mod:`genrelearn.data.synth`; they are
    deterministic and use the parameters only (never the audio).

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
