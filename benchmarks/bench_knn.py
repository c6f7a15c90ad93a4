"""Benchmark the kNN-graph backends of :mod:`genrelearn.graph` on realistic CQT frames.

The frames come from the project's own pipeline, not from random vectors: the synthetic
dataset (:func:`genrelearn.data.synth.generate_dataset`, GTZAN layout) goes through the thesis's
two-stream CQT (:func:`genrelearn.features.cqt.thesis_cqt`). At the GTZAN size (10 genres x 100
clips x 30 s) that is 1,288,000 frames of 96 bins, cached as an ``.npy`` under ``--cache-dir``.
The frames are min-max scaled per bin, as in the thesis.

Each backend setting builds the full graph (``k = 11``, self included) in a fresh process, so
the peak RSS column is that run's own (data included). Recall@10 is measured on ``--queries``
random rows against an exact faiss search of those rows over the whole set. Exact brute force
costs ``O(N^2)``; above ``--exact-max`` rows it runs on a random subset of that size and the
table adds a quadratic extrapolation to the full size.

Example (the GTZAN-size run)::

    .venv/bin/python benchmarks/bench_knn.py --threads 2
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

K = 11


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _clip_frames(path: str) -> np.ndarray:
    import soundfile as sf

    from genrelearn.features.cqt import thesis_cqt

    y, sr = sf.read(path, dtype="float32", always_2d=False)
    if y.ndim > 1:
        y = y.mean(axis=1)
    return thesis_cqt(y, sr)


def build_frames(cache_dir: Path, clips_per_genre: int, duration: float, n_jobs: int) -> Path:
    """Generate the synthetic clips and their CQT frames once; return the cached ``.npy``."""
    from genrelearn.data.synth import GENRES, generate_dataset

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
        _log(f"{genre}: synth {t1 - t0:.0f} s, CQT {time.perf_counter() - t1:.0f} s")
    frames = np.concatenate(blocks).astype(np.float32)
    tmp = out.with_suffix(".tmp.npy")
    np.save(tmp, frames)
    tmp.replace(out)
    return out


def _peak_rss() -> int:
    """Peak resident set size of this process image in bytes.

    ``/proc/self/status``'s ``VmHWM`` starts afresh at ``exec``, unlike ``ru_maxrss`` which
    keeps the high-water mark of the forking parent.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child(path: str, backend: str, options: dict[str, Any], threads: int, rows: Any, queries: Any):
    """Run one setting in a fresh process; return timings, query rows of ids and peak RSS."""
    from genrelearn.graph import knn_search

    X = np.load(path)
    if rows is not None:
        X = np.ascontiguousarray(X[rows])
    load0 = os.getloadavg()[0]
    cpu0 = _cpu_seconds()
    res = knn_search(X, k=K, backend=backend, n_jobs=threads, seed=1, **options)
    cpu = _cpu_seconds() - cpu0
    ids = res.indices[queries] if queries is not None else None
    return {
        "build": res.build_seconds,
        "total": res.seconds,
        "cpu": cpu,
        "load": max(load0, os.getloadavg()[0]),
        "ids": ids,
        "peak": _peak_rss(),
        "options": res.options,
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _truth(path: str, queries: np.ndarray, threads: int):
    """Exact ids (self first) of the query rows over the whole set, with faiss."""
    import faiss

    from genrelearn.graph import _put_self_first

    X = np.load(path)
    faiss.omp_set_num_threads(threads)
    t0 = time.perf_counter()
    index = faiss.IndexFlatL2(X.shape[1])
    index.add(X)
    _, ids = index.search(np.ascontiguousarray(X[queries]), K)
    return _put_self_first(ids, queries.astype(np.int64)), time.perf_counter() - t0


def _run(fn, *args):
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


def _parse(spec: str, names: tuple[str, ...]) -> list[dict[str, int]]:
    out = []
    for item in filter(None, spec.split(",")):
        values = item.split(":")
        if len(values) != len(names):
            raise SystemExit(f"setting {item!r}: expected {':'.join(names)}")
        out.append(dict(zip(names, map(int, values), strict=True)))
    return out


def main() -> None:
    """Parse arguments, run every setting and print the markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=None, help="subsample rows (default: all)")
    ap.add_argument("--backends", default="exact,hnsw,hnswlib,flann")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/genrelearn-bench"))
    ap.add_argument("--clips-per-genre", type=int, default=100)
    # GTZAN clips are truncated to 660,000 samples (29.93 s): 644 frames per stream.
    ap.add_argument("--duration", type=float, default=660_000 / 22_050)
    ap.add_argument("--exact-max", type=int, default=200_000, help="largest exact run")
    ap.add_argument("--hnsw", default="16:40:32,24:64:48,32:80:64", help="M:efC:efS,...")
    ap.add_argument("--hnswlib", default="16:40:32", help="M:efC:ef,...")
    ap.add_argument("--flann", default="4:64,8:256", help="trees:checks,...")
    ap.add_argument("--seed", type=int, default=0, help="seed of the subsample and queries")
    args = ap.parse_args()

    args.cache_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    frames_path = build_frames(args.cache_dir, args.clips_per_genre, args.duration, args.threads)
    _log(f"frames ready ({time.perf_counter() - t0:.0f} s): {frames_path}")

    from genrelearn.graph import minmax_scale, recall_at_k

    rng = np.random.default_rng(args.seed)
    frames = np.load(frames_path, mmap_mode="r")
    n_all = frames.shape[0]
    if args.n is not None and args.n < n_all:
        rows = np.sort(rng.choice(n_all, size=args.n, replace=False))
        frames = frames[rows]
    X = minmax_scale(np.asarray(frames))[0]
    del frames
    n = X.shape[0]
    data_path = args.cache_dir / f"scaled_{frames_path.stem}_n{n}_s{args.seed}.npy"
    np.save(data_path, X)
    del X
    queries = np.sort(rng.choice(n, size=min(args.queries, n), replace=False))
    truth, t_truth = _run(_truth, str(data_path), queries, args.threads)
    _log(f"N = {n}, exact ids of {len(queries)} queries in {t_truth:.1f} s")

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    plan: list[tuple[str, dict[str, Any]]] = []
    for b in backends:
        if b == "exact":
            plan.append(("exact", {}))
        elif b == "hnsw":
            names = ("M", "ef_construction", "ef_search")
            plan += [("hnsw", o) for o in _parse(args.hnsw, names)]
        elif b == "hnswlib":
            try:
                import hnswlib  # noqa: F401
            except ImportError:
                _log("hnswlib not installed: skipped (pip install 'genrelearn[bench]')")
                continue
            names = ("M", "ef_construction", "ef_search")
            plan += [("hnswlib", o) for o in _parse(args.hnswlib, names)]
        elif b == "flann":
            plan += [
                ("flann", {"algorithm": "kdtree", **o})
                for o in _parse(args.flann, ("trees", "checks"))
            ]
        else:
            raise SystemExit(f"unknown backend {b!r}")

    header = (
        "| backend | settings | rows | build s | search s | total s | recall@10 | peak RSS "
        "| CPU s | load |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|---|---|"]
    for backend, opts in plan:
        sub = None
        if backend == "exact" and n > args.exact_max:
            sub = np.sort(rng.choice(n, size=args.exact_max, replace=False))
        _log(f"running {backend} {opts} on {n if sub is None else len(sub)} rows")
        out = _run(_child, str(data_path), backend, opts, args.threads, sub,
                   queries if sub is None else None)  # fmt: skip
        settings = ", ".join(f"{k}={v}" for k, v in opts.items()) or "faiss IndexFlatL2"
        if out["ids"] is not None:
            recall = f"{recall_at_k(out['ids'], truth):.4f}"
        else:
            recall = "1 (exact)"
        rows_txt = f"{n:,}" if sub is None else f"{len(sub):,} (subset)"
        lines.append(
            f"| {backend} | {settings} | {rows_txt} | {out['build']:.1f} | "
            f"{out['total'] - out['build']:.1f} | {out['total']:.1f} | {recall} | "
            f"{out['peak'] / 2**30:.2f} GiB | {out['cpu']:.0f} | {out['load']:.1f} |"
        )
        if sub is not None:
            est = out["total"] * (n / len(sub)) ** 2
            lines.append(
                f"| exact | extrapolated x(N/{len(sub):,})^2 | {n:,} | – | – | ~{est:.0f} | 1 "
                "| – | – | – |"
            )
        _log(lines[-1])

    import faiss

    print(
        f"\nkNN graph, k={K} (self included), {n:,} x 96 min-max scaled CQT frames of "
        f"{args.clips_per_genre * 10} synthetic clips x {args.duration:g} s; "
        f"{args.threads} threads; recall@10 on {len(queries)} random rows "
        f"(exact faiss search of those rows: {t_truth:.1f} s).\n"
        f"python {platform.python_version()}, faiss {faiss.__version__}, "
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}). "
        "Search s includes re-ranking the ids by exact distances. CPU s: the run's CPU time "
        "(about threads x total s when it has the cores to itself); load: the machine's 1-min "
        "load average (highest of start and end of the run).\n"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
