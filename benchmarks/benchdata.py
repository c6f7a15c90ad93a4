"""Shared helpers of the benchmark scripts: realistic CQT frames, child processes, resources.

The frames come from the project's own pipeline, never from random vectors: the synthetic
GTZAN-layout dataset (:func:`genrelearn.data.synth.generate_dataset`, 10 genres x
``clips_per_genre`` clips) through the thesis's two-stream CQT
(:func:`genrelearn.features.cqt.thesis_cqt`). At the GTZAN size (100 clips per genre, clips of
660,000 samples as the thesis truncates them) that is 1288 frames per clip, 1,288,000 x 96 in
all, cached once as an ``.npy`` (genre order as :data:`genrelearn.data.synth.GENRES`).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

#: The thesis truncates every GTZAN clip to 660,000 samples (29.93 s at 22,050 Hz).
CLIP_SAMPLES = 660_000
#: Two CQT streams of 644 frames per truncated clip.
ROWS_PER_CLIP = 1288
#: Neighbours per frame in the thesis's graph, the frame itself included.
K = 11


def log(msg: str) -> None:
    """Print a timestamped progress line to stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def peak_rss() -> int:
    """Peak resident set size of this process image in bytes.

    ``/proc/self/status``'s ``VmHWM`` starts afresh at ``exec``, unlike ``ru_maxrss`` which
    keeps the high-water mark of the parent that spawned the process.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_average() -> float:
    """The machine's 1-minute load average."""
    return os.getloadavg()[0]


def run_in_child(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` in a fresh spawned process (own memory high-water mark) and return."""
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


def _clip_frames(path: str) -> np.ndarray:
    import soundfile as sf

    from genrelearn.features.cqt import thesis_cqt

    y, sr = sf.read(path, dtype="float32", always_2d=False)
    if y.ndim > 1:
        y = y.mean(axis=1)
    return thesis_cqt(y[:CLIP_SAMPLES], sr)


def build_frames(cache_dir: Path, clips_per_genre: int, n_jobs: int) -> Path:
    """Generate the clips and their CQT frames once; return the cached ``.npy`` path.

    Parameters
    ----------
    cache_dir : Path
        Where the audio and the frames are cached.
    clips_per_genre : int
        Clips of each of the 10 genres (100 is the GTZAN size).
    n_jobs : int
        Worker processes for synthesis and CQT.
    """
    from genrelearn.data.synth import GENRES, generate_dataset

    duration = CLIP_SAMPLES / 22_050
    tag = f"synth_{clips_per_genre}x{duration:.3f}s"
    out = cache_dir / f"frames_{tag}.npy"
    if out.exists():
        return out
    audio_dir = cache_dir / tag
    blocks = []
    ctx = mp.get_context("spawn")
    for genre in GENRES:
        t0 = time.perf_counter()
        meta = generate_dataset(
            audio_dir,
            genres=[genre],
            clips_per_genre=clips_per_genre,
            duration=duration,
            n_jobs=n_jobs,
            progress=False,
        )
        t1 = time.perf_counter()
        paths = [str(audio_dir / p) for p in meta["path"]]
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as pool:
            blocks.extend(pool.map(_clip_frames, paths, chunksize=4))
        log(f"{genre}: synth {t1 - t0:.0f} s, CQT {time.perf_counter() - t1:.0f} s")
    frames = np.concatenate(blocks).astype(np.float32)
    expected = len(GENRES) * clips_per_genre * ROWS_PER_CLIP
    if frames.shape[0] != expected:
        raise RuntimeError(f"{out}: expected {expected} frames, got {frames.shape[0]}")
    tmp = out.with_suffix(".tmp.npy")
    np.save(tmp, frames)
    tmp.replace(out)
    return out


def frame_subset(
    frames_path: Path, n_genres: int, clips_per_genre: int, n_frames: int
) -> np.ndarray:
    """Rows of the first ``n_genres`` x ``clips_per_genre`` clips, first ``n_frames`` per stream.

    The two CQT streams are interleaved row by row, so that is the first ``2 * n_frames`` rows
    of each clip (the thesis's "first 149 frames" setting). The result is min-max scaled per
    bin over the subset, float32.
    """
    from genrelearn.graph import minmax_scale

    F = np.load(frames_path, mmap_mode="r")
    per_genre = F.shape[0] // ROWS_PER_CLIP // 10
    clips = [g * per_genre + c for g in range(n_genres) for c in range(clips_per_genre)]
    rows = 2 * n_frames
    X = np.concatenate([F[c * ROWS_PER_CLIP : c * ROWS_PER_CLIP + rows] for c in clips])
    return np.ascontiguousarray(minmax_scale(X)[0], dtype=np.float32)
