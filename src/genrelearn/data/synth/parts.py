"""The pitched parts of a clip: comping, bass line and melody, rendered into stem buffers."""

from __future__ import annotations

import math

import numpy as np

from genrelearn.data.synth.harmony import _MODE_INTERVALS, _place
from genrelearn.data.synth.instruments import _Voice
from genrelearn.data.synth.profiles import ClipParams
from genrelearn.data.synth.rhythm import _Grid, _velocity


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
