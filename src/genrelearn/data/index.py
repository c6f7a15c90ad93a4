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


@dataclass
class TrackIndex:
    """The clips that passed :func:`validate_clip`, and those left out under ``skip``.

    Attributes
    ----------
    tracks : pandas.DataFrame
        One row per valid clip, sorted by genre then track id, with columns ``track_id``,
        ``genre``, ``path``, ``duration`` (s), ``sample_rate``, ``channels``, ``frames``.
    skipped : pandas.DataFrame
        ``track_id``, ``genre``, ``path``, ``problem`` of every invalid clip left out.
    """

    tracks: pd.DataFrame
    skipped: pd.DataFrame


INVALID_POLICIES = ("fail", "skip")


def build_index(
    root: str | Path,
    genres: Sequence[str],
    sample_rate: int,
    channels: int = 1,
    min_duration: float = 0.0,
    max_duration: float = float("inf"),
    invalid: str = "fail",
) -> TrackIndex:
    """Validate every clip; stop at the first invalid one, or leave invalid ones out.

    Parameters
    ----------
    root : str or Path
        Folder holding ``genres/<genre>/<genre>.NNNNN.(wav|au)``.
    genres : sequence of str
        Genres to index (each must have at least one valid clip).
    sample_rate, channels : int
        What every clip must have.
    min_duration, max_duration : float
        Allowed clip duration in seconds.
    invalid : str
        ``fail`` raises at the first invalid clip; ``skip`` leaves invalid clips out of the
        index and lists them in :attr:`TrackIndex.skipped`.

    Returns
    -------
    TrackIndex

    Raises
    ------
    AudioValidationError
        Under ``fail``, at the first invalid clip.
    ValueError
        For an unknown policy, or when ``skip`` leaves a genre without any clip.
    """
    if invalid not in INVALID_POLICIES:
        raise ValueError(f"unknown policy for invalid clips {invalid!r}; use {INVALID_POLICIES}")
    rows, skipped = [], []
    for track_id, genre, path in find_clips(root, genres):
        try:
            info = validate_clip(path, sample_rate, channels, min_duration, max_duration)
        except AudioValidationError as err:
            if invalid == "fail":
                raise
            skipped.append(
                {"track_id": track_id, "genre": genre, "path": str(path), "problem": err.problem}
            )
            continue
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
    columns = ["track_id", "genre", "path", "duration", "sample_rate", "channels", "frames"]
    tracks = pd.DataFrame(rows, columns=columns)
    empty = sorted(set(genres) - set(tracks["genre"]))
    if empty:
        raise ValueError(
            f"{root}: every clip of {', '.join(empty)} is invalid; nothing is left to study"
        )
    return TrackIndex(
        tracks, pd.DataFrame(skipped, columns=["track_id", "genre", "path", "problem"])
    )
