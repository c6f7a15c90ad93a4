"""Index a dataset in GTZAN's layout and check every clip before any feature is computed.

The layout is ``<root>/genres/<genre>/<genre>.<NNNNN>.<ext>``. Each file is opened, decoded in
full and checked for sample rate, channel count and duration, so that a corrupt or foreign file
stops the workflow at the index with its name, rather than deep inside a feature extractor.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

AUDIO_EXTENSIONS = (".wav", ".au")
_NAME = re.compile(r"^(?P<genre>[a-z]+)\.(?P<index>\d{5})\.(?P<ext>wav|au)$")


class AudioValidationError(ValueError):
    """A clip that cannot be used: the message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class ClipInfo:
    """What the index records of a valid clip."""

    path: str
    sample_rate: int
    channels: int
    frames: int

    @property
    def duration(self) -> float:
        """Duration in seconds."""
        return self.frames / self.sample_rate


def validate_clip(
    path: str | Path,
    sample_rate: int,
    channels: int = 1,
    min_duration: float = 0.0,
    max_duration: float = float("inf"),
) -> ClipInfo:
    """Decode a clip in full and check its format.

    Parameters
    ----------
    path : str or Path
        Audio file (any format libsndfile reads: WAV, AU, ...).
    sample_rate : int
        Required sample rate in Hz.
    channels : int
        Required number of channels.
    min_duration, max_duration : float
        Accepted duration range in seconds.

    Returns
    -------
    ClipInfo
        Format facts of the clip.

    Raises
    ------
    AudioValidationError
        If the file is missing, cannot be decoded, or has the wrong format, with the reason.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioValidationError(path, "file not found")
    try:
        info = sf.info(str(path))
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as err:
        raise AudioValidationError(
            path, f"cannot be decoded ({err}); re-download or remove it"
        ) from err
    if sr != sample_rate:
        raise AudioValidationError(path, f"sample rate is {sr} Hz, expected {sample_rate} Hz")
    if data.shape[1] != channels:
        raise AudioValidationError(path, f"has {data.shape[1]} channels, expected {channels}")
    if data.shape[0] == 0:
        raise AudioValidationError(path, "contains no samples")
    if not np.isfinite(data).all():
        raise AudioValidationError(path, "contains NaN or infinite samples")
    if data.shape[0] != info.frames:
        raise AudioValidationError(
            path, f"header announces {info.frames} samples but {data.shape[0]} could be decoded"
        )
    duration = data.shape[0] / sr
    if not min_duration <= duration <= max_duration:
        raise AudioValidationError(
            path,
            f"lasts {duration:.2f} s, outside the accepted {min_duration:g}-{max_duration:g} s",
        )
    return ClipInfo(str(path), int(sr), int(data.shape[1]), int(data.shape[0]))


def find_clips(root: str | Path, genres: Sequence[str]) -> list[tuple[str, str, Path]]:
    """List ``(track_id, genre, path)`` of every clip of ``genres`` under ``root/genres``.

    Files whose names do not follow ``<genre>.<NNNNN>.<ext>`` (Marsyas ``.mf`` lists,
    AppleDouble ``._*`` files) are ignored. A genre folder that is missing or empty is an error.
    """
    root = Path(root)
    clips: list[tuple[str, str, Path]] = []
    for genre in genres:
        folder = root / "genres" / genre
        if not folder.is_dir():
            raise FileNotFoundError(
                f"{folder}: genre folder not found (dataset layout is "
                "<root>/genres/<genre>/<genre>.NNNNN.wav)"
            )
        found = []
        for path in sorted(folder.iterdir()):
            match = _NAME.match(path.name)
            if match and match["genre"] == genre:
                found.append((f"{genre}.{match['index']}", genre, path))
        if not found:
            raise FileNotFoundError(f"{folder}: no {genre}.NNNNN.wav/.au clips in it")
        clips.extend(found)
    return clips


def index_tracks(
    root: str | Path,
    genres: Sequence[str],
    sample_rate: int,
    channels: int = 1,
    min_duration: float = 0.0,
    max_duration: float = float("inf"),
) -> pd.DataFrame:
    """Validate every clip and return the track index.

    Returns
    -------
    pandas.DataFrame
        One row per clip, sorted by genre then track id, with columns ``track_id``, ``genre``,
        ``path``, ``duration`` (s), ``sample_rate``, ``channels``, ``frames``.

    Raises
    ------
    AudioValidationError
        At the first clip that fails :func:`validate_clip`.
    """
    rows = []
    for track_id, genre, path in find_clips(root, genres):
        info = validate_clip(path, sample_rate, channels, min_duration, max_duration)
        rows.append(
            {
                "track_id": track_id,
                "genre": genre,
                "path": str(path),
                "duration": round(info.duration, 6),
                "sample_rate": info.sample_rate,
                "channels": info.channels,
                "frames": info.frames,
            }
        )
    return pd.DataFrame(rows)
