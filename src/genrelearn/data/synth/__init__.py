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

from genrelearn.data.synth.attributes import clip_attributes
from genrelearn.data.synth.dataset import generate_dataset
from genrelearn.data.synth.profiles import (
    BASS_STYLES,
    CATEGORICAL_MIX_PER_SPREAD,
    CHORD_BEATS,
    CHORD_VOCABS,
    COMP_STYLES,
    DRUM_PATTERNS,
    GENRE_PROFILES,
    GENRES,
    MODES,
    PARAM_LIMITS,
    ClipParams,
    GenreProfile,
    genre_distribution,
    profile_table,
    sample_clip_params,
)
from genrelearn.data.synth.render import render_clip

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
