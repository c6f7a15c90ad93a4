"""Benchmark the kNN-graph backends of :mod:`genrelearn.graph` on realistic CQT frames.

The frames come from the project's own pipeline, not from random vectors (:mod:`benchdata`):
synthetic GTZAN-layout clips of 660,000 samples through the thesis's two-stream CQT, 1,288,000
frames of 96 bins at the GTZAN size, min-max scaled per bin as in the thesis.

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
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
from benchdata import (
    CLIP_SAMPLES,
    K,
    build_frames,
    cpu_seconds,
    load_average,
    log,
    peak_rss,
    run_in_child,
)


def _child(path: str, backend: str, options: dict[str, Any], threads: int, rows: Any, queries: Any):
    """Run one setting in a fresh process; return timings, query rows of ids and peak RSS."""
    from genrelearn.graph import knn_search

    X = np.load(path)
    if rows is not None:
        X = np.ascontiguousarray(X[rows])
    load0 = load_average()
    cpu0 = cpu_seconds()
    res = knn_search(X, k=K, backend=backend, n_jobs=threads, seed=1, **options)
    cpu = cpu_seconds() - cpu0
    ids = res.indices[queries] if queries is not None else None
    return {
        "build": res.build_seconds,
        "total": res.seconds,
        "cpu": cpu,
        "load": max(load0, load_average()),
        "ids": ids,
        "peak": peak_rss(),
        "options": res.options,
    }


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
    ap.add_argument("--exact-max", type=int, default=200_000, help="largest exact run")
    ap.add_argument("--hnsw", default="16:40:32,24:64:48,32:80:64", help="M:efC:efS,...")
    ap.add_argument("--hnswlib", default="16:40:32", help="M:efC:ef,...")
    ap.add_argument("--flann", default="4:64,8:256", help="trees:checks,...")
    ap.add_argument("--seed", type=int, default=0, help="seed of the subsample and queries")
    args = ap.parse_args()

    args.cache_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    frames_path = build_frames(args.cache_dir, args.clips_per_genre, args.threads)
    log(f"frames ready ({time.perf_counter() - t0:.0f} s): {frames_path}")

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
    truth, t_truth = run_in_child(_truth, str(data_path), queries, args.threads)
    log(f"N = {n}, exact ids of {len(queries)} queries in {t_truth:.1f} s")

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
                log("hnswlib not installed: skipped (pip install 'genrelearn[bench]')")
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
        log(f"running {backend} {opts} on {n if sub is None else len(sub)} rows")
        out = run_in_child(_child, str(data_path), backend, opts, args.threads, sub,
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
        log(lines[-1])

    import faiss

    print(
        f"\nkNN graph, k={K} (self included), {n:,} x 96 min-max scaled CQT frames of "
        f"{args.clips_per_genre * 10} synthetic clips of {CLIP_SAMPLES:,} samples; "
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
