"""Benchmark the structured auto-encoder (:mod:`genrelearn.sae`) at the thesis's sizes.

Data: realistic CQT frames from the project's own pipeline. The synthetic GTZAN-layout dataset
(:func:`genrelearn.data.synth.generate_dataset`, 10 genres x 100 clips x 30 s) is truncated to
the thesis's 660,000 samples per clip and goes through the two-stream CQT
(:func:`genrelearn.features.cqt.thesis_cqt`): 1288 frames of 96 bins per clip, cached as an
``.npy`` under ``--cache-dir`` (genre order blues, classical, country, ...). Frames are min-max
scaled per bin over the subset used, as in the thesis.

Settings (each fit runs in a fresh process, so its peak RSS is its own, data included):

(a) the thesis's table setting: 5 genres x 100 clips x the first 149 frames of each stream =
    149,000 x 96, m = 128, ld = 10, lz = 1, lg = 100 with the thesis's K = 11 kNN graph (exact
    faiss search, w = exp(-d / sigma), normalised Laplacian; :mod:`genrelearn.graph`), plus the
    same without the graph (lg = 0). Thesis: 2,781 s (lg = 100) and 1,148 s (lg = 0).
(peer) the code step alone (Z-step from Z = 0 with a fixed dictionary, lg = 100, rtol 1e-5,
    at most 500 iterations, the same step size) with pyunlocbox 0.6.1 (``forward_backward`` +
    ``acceleration.fista``, numpy/scipy) and with :func:`genrelearn.sae.sparse_code`, on the
    first ``--peer-n`` frames of (a) and the Laplacian's principal sub-matrix over them.
(b) the full set: 1,288,000 x 96, m = 512, no graph, rtol 1e-5 (thesis: 35,429 s for 15
    outer iterations on a 12-core node). Run with ``--full-outer`` outer iterations (capped when
    that is less than the default 50); the table then gives the per-outer-iteration cost and an
    extrapolation, labelled as such.

Example::

    .venv/bin/python benchmarks/bench_sae.py --threads 2
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

CLIP_SAMPLES = 660_000  # the thesis truncates every GTZAN clip to 660,000 samples
ROWS_PER_CLIP = 1288  # 2 streams x 644 frames
K = 11


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _clip_frames(path: str) -> np.ndarray:
    import soundfile as sf

    from genrelearn.features.cqt import thesis_cqt

    y, sr = sf.read(path, dtype="float32", always_2d=False)
    if y.ndim > 1:
        y = y.mean(axis=1)
    return thesis_cqt(y[:CLIP_SAMPLES], sr)


def build_frames(cache_dir: Path, clips_per_genre: int, n_jobs: int) -> Path:
    """Generate the clips and their CQT frames once; return the cached ``.npy``."""
    from genrelearn.data.synth import GENRES, generate_dataset

    tag = f"synth_{clips_per_genre}x30s"
    out = cache_dir / f"sae_frames_{tag}_{CLIP_SAMPLES}.npy"
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
            duration=30.0,
            n_jobs=n_jobs,
            progress=False,
        )
        t1 = time.perf_counter()
        paths = [str(audio_dir / p) for p in meta["path"]]
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as pool:
            blocks.extend(pool.map(_clip_frames, paths, chunksize=4))
        _log(f"{genre}: synth {t1 - t0:.0f} s, CQT {time.perf_counter() - t1:.0f} s")
    frames = np.concatenate(blocks).astype(np.float32)
    if frames.shape[0] != len(GENRES) * clips_per_genre * ROWS_PER_CLIP:
        raise RuntimeError(f"unexpected frame count {frames.shape}")
    tmp = out.with_suffix(".tmp.npy")
    np.save(tmp, frames)
    tmp.replace(out)
    return out


def subset(frames_path: Path, n_genres: int, clips_per_genre: int, n_frames: int) -> np.ndarray:
    """Prefix subset ``[:n_genres, :clips, :n_frames per stream]``, min-max scaled per bin."""
    from genrelearn.graph import minmax_scale

    F = np.load(frames_path, mmap_mode="r")
    total_clips = F.shape[0] // ROWS_PER_CLIP
    per_genre = total_clips // 10
    clips = [g * per_genre + c for g in range(n_genres) for c in range(clips_per_genre)]
    rows = 2 * n_frames
    X = np.concatenate([F[c * ROWS_PER_CLIP : c * ROWS_PER_CLIP + rows] for c in clips])
    return np.ascontiguousarray(minmax_scale(X)[0], dtype=np.float32)


def build_graph(X: np.ndarray, cache: Path, threads: int) -> tuple[Path, float]:
    """The thesis's kNN Laplacian over the rows of ``X`` (cached ``.npz``); build seconds."""
    import scipy.sparse as sp

    from genrelearn.graph import adjacency, knn_search, laplacian

    timing = cache.with_suffix(".seconds")
    if cache.exists():
        return cache, float(timing.read_text()) if timing.exists() else float("nan")
    t0 = time.perf_counter()
    res = knn_search(X, k=K, backend="exact", n_jobs=threads)
    L = laplacian(adjacency(res), "normalized")
    seconds = time.perf_counter() - t0
    sp.save_npz(cache, L)
    timing.write_text(f"{seconds:.1f}")
    return cache, seconds


# --------------------------------------------------------------------------- children


def _fit_child(data: str, lap: str | None, params: dict[str, Any], threads: int):
    import scipy.sparse as sp
    import torch

    from genrelearn.sae import StructuredAutoEncoder

    torch.set_num_threads(threads)
    X = np.load(data)
    L = sp.load_npz(lap) if lap else None
    est = StructuredAutoEncoder(device="cpu", n_jobs=threads, **params)
    t0 = time.perf_counter()
    est.fit(X, laplacian=L)
    seconds = time.perf_counter() - t0
    h = est.history_
    return {
        "seconds": seconds,
        "peak": _peak_rss(),
        "outer": est.n_iter_,
        "inner_z": int(h["inner_z"].sum()),
        "inner_z_mean": float(h["inner_z_mean"].sum()),
        "inner_d": int(h["inner_d"].sum()),
        "objective": float(h["objective"].iloc[-1]),
        "sparsity": float(h["sparsity"].iloc[-1]),
        "history": h,
        "dictionary": est.dictionary_,
        "lipschitz": est.lipschitz_,
    }


def _peer_child(data: str, lap: str, D: np.ndarray, n: int, lz, ld, lg, rtol, maxit, threads):
    """The Z-step from zero with pyunlocbox and with genrelearn.sae on the same problem."""
    import scipy.sparse as sp
    import torch
    from pyunlocbox import acceleration, functions, solvers

    from genrelearn.sae import (
        code_lipschitz,
        energy_terms,
        laplacian_norm,
        sparse_code,
        to_torch_csr,
    )

    torch.set_num_threads(threads)
    X = np.load(data)[:n].astype(np.float32)
    L = sp.csr_matrix(sp.load_npz(lap)[:n, :n], dtype=np.float32)
    Dt = torch.from_numpy(D.astype(np.float32))
    lnorm = laplacian_norm(L, "tight")
    lip = code_lipschitz(Dt, ld, lg=lg, lnorm=lnorm)
    out = {"n": n, "lipschitz": lip}

    # pyunlocbox: the thesis's formulation (norm_l1 + a smooth func with eval and grad).
    f_l1 = functions.norm_l1(lambda_=lz)
    assert f_l1.lambda_ == lz
    f_smooth = functions.func()
    f_smooth._eval = lambda Z: float(
        0.5 * ld * np.sum((X - Z @ D.T) ** 2) + 0.5 * lg * np.sum(Z * (L @ Z))
    )
    f_smooth._grad = lambda Z: ld * ((Z @ D.T - X) @ D) + lg * (L @ Z)
    solver = solvers.forward_backward(step=1.0 / lip, accel=acceleration.fista())
    t0 = time.perf_counter()
    ret = solvers.solve(
        [f_l1, f_smooth],
        np.zeros((n, D.shape[1]), dtype=np.float32),
        solver,
        rtol=rtol,
        maxit=maxit,
        verbosity="NONE",
    )
    out["pyunlocbox_seconds"] = time.perf_counter() - t0
    out["pyunlocbox_iter"] = int(ret["niter"])
    Xt = torch.from_numpy(X)
    Lt = to_torch_csr(L, "cpu", torch.float32)
    Zp = torch.from_numpy(np.asarray(ret["sol"], dtype=np.float32))
    out["pyunlocbox_objective"] = energy_terms(Xt, Zp, Dt, ld=ld, lz=lz, L=Lt, lg=lg)["objective"]

    t0 = time.perf_counter()
    res = sparse_code(Xt, Dt, lz, ld, L=L, lg=lg, lnorm=lnorm, rtol=rtol, max_iter=maxit)
    out["sae_seconds"] = time.perf_counter() - t0
    out["sae_iter"] = res.n_iter
    out["sae_objective"] = energy_terms(Xt, res.x, Dt, ld=ld, lz=lz, L=Lt, lg=lg)["objective"]
    out["peak"] = _peak_rss()
    return out


def _run(fn, *args):
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


def _gb(nbytes: float) -> str:
    return f"{nbytes / 2**30:.2f} GB"


def main() -> None:
    """Prepare the data, run the settings and print the markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/genrelearn-bench"))
    ap.add_argument("--clips-per-genre", type=int, default=100)
    ap.add_argument("--settings", default="a,a0,peer,b", help="subset of a,a0,peer,b")
    ap.add_argument("--peer-n", type=int, default=149_000, help="frames in the peer comparison")
    ap.add_argument("--full-outer", type=int, default=2, help="outer iterations of (b)")
    ap.add_argument("--prepare-only", action="store_true")
    args = ap.parse_args()

    args.cache_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    frames_path = build_frames(args.cache_dir, args.clips_per_genre, args.threads)
    _log(f"frames ready ({time.perf_counter() - t0:.0f} s): {frames_path}")
    settings = [s.strip() for s in args.settings.split(",") if s.strip()]

    small = args.cache_dir / f"sae_X_5x{args.clips_per_genre}x149.npy"
    if not small.exists():
        np.save(small, subset(frames_path, 5, args.clips_per_genre, 149))
    lap, graph_seconds = build_graph(
        np.load(small),
        args.cache_dir / f"sae_L_5x{args.clips_per_genre}x149_k{K}.npz",
        args.threads,
    )
    _log(f"graph ready ({graph_seconds:.0f} s build): {lap}")
    full = args.cache_dir / f"sae_X_10x{args.clips_per_genre}x644.npy"
    if "b" in settings and not full.exists():
        np.save(full, subset(frames_path, 10, args.clips_per_genre, 644))
    if args.prepare_only:
        return

    thesis = dict(n_atoms=128, ld=10.0, lz=1.0, rtol=1e-5, n_inner=500, n_outer=50, seed=1)
    rows: list[tuple[str, dict[str, Any]]] = []
    fitted_D = None
    for name in settings:
        if name in ("a", "a0"):
            lg = 100.0 if name == "a" else 0.0
            _log(f"({name}) fit 149,000 x 96, m=128, lg={lg:g}")
            r = _run(
                _fit_child, str(small), str(lap) if lg else None, {**thesis, "lg": lg}, args.threads
            )
            if name == "a":
                fitted_D = r["dictionary"]
            print(r["history"].to_string(), file=sys.stderr)
            rows.append((f"({name}) 149,000 x 96, m=128, lg={lg:g}", r))
        elif name == "b":
            n_outer = args.full_outer
            _log(f"(b) fit 1,288,000 x 96, m=512, no graph, n_outer={n_outer}")
            params = {**thesis, "n_atoms": 512, "lg": 0.0, "n_outer": n_outer}
            r = _run(_fit_child, str(full), None, params, args.threads)
            print(r["history"].to_string(), file=sys.stderr)
            rows.append((f"(b) 1,288,000 x 96, m=512, lg=0, n_outer<={n_outer}", r))
        elif name == "peer":
            D = fitted_D
            if D is None:  # the initial dictionary of the estimator (seed 1)
                import torch

                from genrelearn.sae import project_columns

                g = torch.Generator().manual_seed(1)
                D = project_columns(torch.rand(96, 128, generator=g, dtype=torch.float64), True)
                D = D.float().numpy()
            _log(f"(peer) Z-step on {args.peer_n} frames, lg=100: pyunlocbox vs genrelearn.sae")
            r = _run(
                _peer_child,
                str(small),
                str(lap),
                D,
                args.peer_n,
                1.0,
                10.0,
                100.0,
                1e-5,
                500,
                args.threads,
            )
            rows.append(("peer", r))

    print(f"\nmachine: {platform.processor() or platform.machine()}, {args.threads} threads")
    if graph_seconds == graph_seconds:
        print(
            f"kNN graph (exact faiss, K={K}) + normalised Laplacian over 149,000 frames: "
            f"{graph_seconds:.0f} s (when it was built; cached since)"
        )
    print(
        "\n| setting | time | peak RSS | outer | inner Z (sum of max / mean over blocks) | inner D "
        "| final objective | non-zeros |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, r in rows:
        if label == "peer":
            continue
        print(
            f"| {label} | {r['seconds']:.0f} s | {_gb(r['peak'])} | {r['outer']} | "
            f"{r['inner_z']} / {r['inner_z_mean']:.0f} | {r['inner_d']} | {r['objective']:.6g} | "
            f"{100 * r['sparsity']:.1f}% |"
        )
    for label, r in rows:
        if label.startswith("(b)"):
            h = r["history"]
            per = np.diff(np.r_[0.0, h["seconds"].to_numpy()])
            zmean = h["inner_z_mean"].to_numpy()
            print(
                f"\n(b) seconds per outer iteration: {', '.join(f'{s:.0f}' for s in per)}; "
                f"inner Z per outer (max / mean over blocks): "
                f"{', '.join(f'{a}/{b:.0f}' for a, b in zip(h['inner_z'], zmean, strict=True))}; "
                f"~{per.sum() / zmean.sum():.2f} s per code-step iteration over all frames"
            )
            print(
                f"(b) EXTRAPOLATION (not measured): 15 outer iterations (the thesis's run) "
                f"~ {15 * per.mean():.0f} s at the measured mean cost per outer iteration"
            )
    for label, r in rows:
        if label != "peer":
            continue
        print(
            f"\nZ-step alone, first {r['n']} frames of (a), lg=100, same D, step 1/"
            f"{r['lipschitz']:.4g}, rtol 1e-5, <= 500 iterations:"
        )
        print("\n| solver | time | iterations | objective |")
        print("|---|---|---|---|")
        print(
            f"| pyunlocbox 0.6.1 forward_backward + fista (numpy/scipy) | "
            f"{r['pyunlocbox_seconds']:.1f} s | {r['pyunlocbox_iter']} | "
            f"{r['pyunlocbox_objective']:.7g} |"
        )
        print(
            f"| genrelearn.sae.sparse_code (torch) | {r['sae_seconds']:.1f} s | "
            f"{r['sae_iter']} | {r['sae_objective']:.7g} |"
        )


if __name__ == "__main__":
    main()
