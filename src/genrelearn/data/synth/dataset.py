"""Generation of the whole dataset: per-clip seeding, WAV files and the metadata table."""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import soundfile as sf
from tqdm import tqdm

from genrelearn.data.synth.attributes import clip_attributes
from genrelearn.data.synth.profiles import GENRES, _check_spread, sample_clip_params
from genrelearn.data.synth.render import render_clip
from genrelearn.workers import map_in_processes


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


def _make_clip_job(job: tuple[str, str, int, float, int, int, float]) -> dict[str, Any]:
    return _make_clip(*job)


def _job_name(job: tuple[str, str, int, float, int, int, float]) -> str:
    return f"{job[1]}.{job[2]:05d}"


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
        Worker processes (when > 1; a dead worker raises
        :class:`genrelearn.workers.WorkerCrashError` naming its clip).
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
    made = map_in_processes(
        _make_clip_job, jobs, int(n_jobs), describe=_job_name, what="synthetic clip"
    )
    with tqdm(disable=not progress, **bar_args) as bar:
        for row in made:
            rows.append(row)
            bar.update()

    rank = {g: i for i, g in enumerate(GENRES)}
    rows.sort(key=lambda r: (rank[r["genre"]], r["clip_index"]))
    meta = pd.DataFrame(rows).reset_index(drop=True)
    csv = out / "metadata.csv"
    tmp = out / f".metadata.csv.{os.getpid()}.tmp"
    meta.to_csv(tmp, index=False, float_format="%.6g", lineterminator="\n")
    os.replace(tmp, csv)
    return meta
