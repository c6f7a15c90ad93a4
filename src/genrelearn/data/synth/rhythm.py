"""The swung beat grid and the accent pattern of note and hit velocities."""

from __future__ import annotations

import numpy as np


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


def _velocity(step16: np.ndarray | int, accent: float, rng: np.random.Generator) -> np.ndarray:
    weak = np.array([0.0, 0.6, 0.35, 0.6])[np.asarray(step16) % 4]
    jitter = rng.uniform(0.85, 1.0, size=np.shape(weak))
    return (1.0 - np.clip(accent, 0.0, 1.0) * weak) * jitter
