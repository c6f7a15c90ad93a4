"""Additive synthesis of single notes: the timbre of an instrument and the voice that plays it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
