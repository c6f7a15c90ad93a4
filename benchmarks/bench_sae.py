"""Benchmark the structured auto-encoder (:mod:`genrelearn.sae`) at the thesis's sizes.

Data: realistic CQT frames from the project's own pipeline (:mod:`benchdata`, shared with
``bench_knn.py``): 1000 synthetic GTZAN-layout clips of 660,000 samples through the thesis's
two-stream CQT, 1288 frames of 96 bins per clip. Frames are min-max scaled per bin over the
subset used, as in the thesis.

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
(bg) the full set with the graph: m = 512, lg = 100, the K = 11 graph over all 1,288,000
    frames from faiss HNSW (the ``auto`` backend at this size), ``--graph-outer`` outer
    iterations: time per outer iteration and peak memory (goal: within 8 GB).
(ab) side by side in one run: the solver of another revision (``--baseline REV``, checked out
    into a temporary git worktree and imported from there by the child process) against this
    checkout's, with the stopping rule as before (rtol only) and with the certified one
    (``--gap-tol``, ``--min-inner``), on (a) and on the first ``--ab-clips`` clips of each genre
    of (b) (m = 512, no graph, 15 outer iterations, rtol 1e-5). Each row's final relative
    duality gap of its last Z-step is recomputed here with :mod:`genrelearn.sae.duality`, so
    the old solver's rows get one too.

Example::

    .venv/bin/python benchmarks/bench_sae.py --threads 2
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from benchdata import K, build_frames, frame_subset, log, peak_rss, run_in_child


def build_graph(
    X: np.ndarray, cache: Path, threads: int, backend: str = "exact"
) -> tuple[Path, float]:
    """The thesis's kNN Laplacian over the rows of ``X`` (cached ``.npz``); build seconds."""
    import scipy.sparse as sp

    from genrelearn.graph import adjacency, knn_search, laplacian

    timing = cache.with_suffix(".seconds")
    if cache.exists():
        return cache, float(timing.read_text()) if timing.exists() else float("nan")
    t0 = time.perf_counter()
    res = knn_search(X, k=K, backend=backend, n_jobs=threads, seed=1)
    L = laplacian(adjacency(res), "normalized")
    seconds = time.perf_counter() - t0
    sp.save_npz(cache, L)
    timing.write_text(f"{seconds:.1f}")
    return cache, seconds


# --------------------------------------------------------------------------- children


def _fit_child(
    data: str, lap: str | None, params: dict[str, Any], threads: int, src: str | None = None
):
    if src is not None:  # another revision's library, imported afresh in this spawned child
        sys.path.insert(0, src)
        # the venv's .pth imports genrelearn.jitcache at start-up: forget this checkout's modules
        for name in [k for k in sys.modules if k == "genrelearn" or k.startswith("genrelearn.")]:
            del sys.modules[name]
    import scipy.sparse as sp
    import torch

    import genrelearn
    from genrelearn.sae import StructuredAutoEncoder

    if src is not None:
        assert Path(genrelearn.__file__).is_relative_to(src), genrelearn.__file__

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
        "peak": peak_rss(),
        "outer": est.n_iter_,
        "inner_z": int(h["inner_z"].sum()),
        "inner_z_mean": float(h["inner_z_mean"].sum()),
        "inner_d": int(h["inner_d"].sum()),
        "objective": float(h["objective"].iloc[-1]),
        "sparsity": float(h["sparsity"].iloc[-1]),
        "history": h,
        "dictionary": est.dictionary_,
        "codes": est.codes_,
        "lipschitz": est.lipschitz_,
    }


def _gap_child(data: str, lap: str | None, params: dict[str, Any], r: dict[str, Any], threads):
    """Relative duality gap of a fit's last codes for the dictionary it was coded with.

    The last Z-step coded the frames with the dictionary of the previous outer iteration,
    which a fit does not keep; the gap here is that of the final codes for the final
    dictionary, the same certificate for every revision.
    """
    import scipy.sparse as sp
    import torch

    from genrelearn.sae.duality import code_gap
    from genrelearn.sae.objective import to_torch_csr

    torch.set_num_threads(threads)
    X = torch.from_numpy(np.load(data).astype(np.float32))
    L = None
    if lap and params.get("lg"):
        L = to_torch_csr(sp.load_npz(lap), "cpu", torch.float32)
    g = code_gap(
        X, torch.from_numpy(r["codes"]), torch.from_numpy(r["dictionary"]).float(),
        ld=params["ld"], lz=params["lz"], L=L, lg=params.get("lg", 0.0),
    )  # fmt: skip
    return g.relative


def _worktree(rev: str, cache: Path) -> Path:
    """``src/`` of ``rev`` in a git worktree under ``cache`` (made once per revision)."""
    import subprocess

    repo = Path(__file__).resolve().parent.parent
    sha = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", rev], capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = cache / f"rev-{sha[:12]}"
    if not tree.exists():
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "add", "--detach", str(tree), sha],
            check=True, capture_output=True,
        )  # fmt: skip
    return tree / "src"


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
    out["peak"] = peak_rss()
    return out


def _optional_float(text: str) -> float | None:
    return None if text.lower() == "none" else float(text)


def _gb(nbytes: float) -> str:
    return f"{nbytes / 2**30:.2f} GB"


def main() -> None:
    """Prepare the data, run the settings and print the markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/genrelearn-bench"))
    ap.add_argument("--clips-per-genre", type=int, default=100)
    ap.add_argument("--settings", default="a,a0,peer,b,bg", help="subset of a,a0,peer,b,bg,ab")
    ap.add_argument("--peer-n", type=int, default=149_000, help="frames in the peer comparison")
    ap.add_argument("--full-outer", type=int, default=2, help="outer iterations of (b)")
    ap.add_argument("--graph-outer", type=int, default=1, help="outer iterations of (bg)")
    ap.add_argument("--graph-inner", type=int, default=500, help="Z-step cap of (bg)")
    ap.add_argument("--baseline", default="2c29968", help="revision of the (ab) baseline solver")
    ap.add_argument("--ab-clips", type=int, default=10, help="clips per genre of (ab) at m=512")
    ap.add_argument(
        "--gap-tol", type=_optional_float, default=1e-2,
        help="certified rule of (ab) and (b) ('none': rtol alone, the final gap still reported)",
    )  # fmt: skip
    ap.add_argument("--min-inner", type=int, default=5, help="min inner iterations of (ab) and (b)")
    ap.add_argument("--ab-cases", default="m512,a", help="subset of m512,a: the (ab) problems")
    ap.add_argument(
        "--ab-rules", default="rtol,gap", help="subset of rtol,gap: this checkout's (ab) rows"
    )
    ap.add_argument("--prepare-only", action="store_true")
    args = ap.parse_args()

    args.cache_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    frames_path = build_frames(args.cache_dir, args.clips_per_genre, args.threads)
    log(f"frames ready ({time.perf_counter() - t0:.0f} s): {frames_path}")
    settings = [s.strip() for s in args.settings.split(",") if s.strip()]

    small = args.cache_dir / f"sae_X_5x{args.clips_per_genre}x149.npy"
    if not small.exists():
        np.save(small, frame_subset(frames_path, 5, args.clips_per_genre, 149))
    lap, graph_seconds = build_graph(
        np.load(small),
        args.cache_dir / f"sae_L_5x{args.clips_per_genre}x149_k{K}.npz",
        args.threads,
    )
    log(f"graph ready ({graph_seconds:.0f} s build): {lap}")
    full = args.cache_dir / f"sae_X_10x{args.clips_per_genre}x644.npy"
    if ("b" in settings or "bg" in settings) and not full.exists():
        np.save(full, frame_subset(frames_path, 10, args.clips_per_genre, 644))
    full_lap, full_graph_seconds = None, float("nan")
    if "bg" in settings:
        full_lap, full_graph_seconds = build_graph(
            np.load(full),
            args.cache_dir / f"sae_L_10x{args.clips_per_genre}x644_k{K}_hnsw.npz",
            args.threads,
            backend="hnsw",
        )
        log(f"full graph ready ({full_graph_seconds:.0f} s build): {full_lap}")
    ab_full = args.cache_dir / f"sae_X_10x{args.ab_clips}x644.npy"
    if "ab" in settings and not ab_full.exists():
        np.save(ab_full, frame_subset(frames_path, 10, args.ab_clips, 644))
    if args.prepare_only:
        return

    thesis = dict(n_atoms=128, ld=10.0, lz=1.0, rtol=1e-5, n_inner=500, n_outer=50, random_state=1)
    rows: list[tuple[str, dict[str, Any]]] = []
    fitted_D = None
    for name in settings:
        if name in ("a", "a0"):
            lg = 100.0 if name == "a" else 0.0
            log(f"({name}) fit 149,000 x 96, m=128, lg={lg:g}")
            r = run_in_child(
                _fit_child, str(small), str(lap) if lg else None, {**thesis, "lg": lg}, args.threads
            )
            if name == "a":
                fitted_D = r["dictionary"]
            print(r["history"].to_string(), file=sys.stderr)
            rows.append((f"({name}) 149,000 x 96, m=128, lg={lg:g}", r))
        elif name == "b":
            n_outer = args.full_outer
            rule = f"gap_tol {args.gap_tol}, min_inner {args.min_inner}"
            log(f"(b) fit 1,288,000 x 96, m=512, no graph, n_outer={n_outer}, {rule}")
            params = {
                **thesis, "n_atoms": 512, "lg": 0.0, "n_outer": n_outer,
                "gap_tol": args.gap_tol, "min_inner": args.min_inner,
            }  # fmt: skip
            r = run_in_child(_fit_child, str(full), None, params, args.threads)
            print(r["history"].to_string(), file=sys.stderr)
            rows.append((f"(b) 1,288,000 x 96, m=512, lg=0, n_outer<={n_outer}, {rule}", r))
        elif name == "bg":
            n_outer = args.graph_outer
            log(f"(bg) fit 1,288,000 x 96, m=512, lg=100, n_outer={n_outer}")
            params = {
                **thesis, "n_atoms": 512, "lg": 100.0, "n_outer": n_outer,
                "n_inner": args.graph_inner,
            }  # fmt: skip
            r = run_in_child(_fit_child, str(full), str(full_lap), params, args.threads)
            print(r["history"].to_string(), file=sys.stderr)
            rows.append(
                (f"(bg) 1,288,000 x 96, m=512, lg=100, n_outer<={n_outer}, "
                 f"n_inner<={args.graph_inner}", r)
            )  # fmt: skip
        elif name == "ab":
            base_src = str(_worktree(args.baseline, args.cache_dir))
            certified = {"gap_tol": args.gap_tol, "min_inner": args.min_inner}
            n_ab = 10 * args.ab_clips * 1288
            cases = [
                ("m512", f"{n_ab:,} x 96, m=512, lg=0, <=15 outer", str(ab_full), None,
                 {**thesis, "n_atoms": 512, "lg": 0.0, "n_outer": 15}),
                ("a", "149,000 x 96, m=128, lg=100 (a)", str(small), str(lap),
                 {**thesis, "lg": 100.0}),
            ]  # fmt: skip
            solvers = [
                ("base", f"{args.baseline} (rtol)", base_src, {}),
                ("rtol", "this checkout (rtol)", None, {}),
                ("gap", f"this checkout (gap_tol {args.gap_tol}, min_inner {args.min_inner})",
                 None, certified),
            ]  # fmt: skip
            rules = {"base", *args.ab_rules.split(",")}
            for key, case, data, graph, params in cases:
                if key not in args.ab_cases.split(","):
                    continue
                for _, solver, src, extra in (s for s in solvers if s[0] in rules):
                    log(f"(ab) {case}: {solver}")
                    fit = {**params, **extra}
                    r = run_in_child(_fit_child, data, graph, fit, args.threads, src)
                    r["gap"] = run_in_child(_gap_child, data, graph, params, r, args.threads)
                    print(r["history"].to_string(), file=sys.stderr)
                    rows.append((f"(ab) {case}, {solver}", r))
        elif name == "peer":
            D = fitted_D
            if D is None:  # the initial dictionary of the estimator (seed 1)
                import torch

                from genrelearn.sae import project_columns

                g = torch.Generator().manual_seed(1)
                D = project_columns(torch.rand(96, 128, generator=g, dtype=torch.float64), True)
                D = D.float().numpy()
            log(f"(peer) Z-step on {args.peer_n} frames, lg=100: pyunlocbox vs genrelearn.sae")
            r = run_in_child(
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
    if full_graph_seconds == full_graph_seconds:
        print(
            f"kNN graph (faiss HNSW, K={K}) + normalised Laplacian over 1,288,000 frames: "
            f"{full_graph_seconds:.0f} s (when it was built; cached since)"
        )
    print(
        "\n| setting | time | peak RSS | outer | inner Z (sum of max / mean over blocks) | inner D "
        "| final objective | non-zeros | final Z gap |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, r in rows:
        if label == "peer":
            continue
        gap = f"{r['gap']:.1e}" if "gap" in r else "–"
        print(
            f"| {label} | {r['seconds']:.0f} s | {_gb(r['peak'])} | {r['outer']} | "
            f"{r['inner_z']} / {r['inner_z_mean']:.0f} | {r['inner_d']} | {r['objective']:.6g} | "
            f"{100 * r['sparsity']:.1f}% | {gap} |"
        )
    for label, r in rows:
        if label.startswith(("(b)", "(bg)")):
            h = r["history"]
            per = np.diff(np.r_[0.0, h["seconds"].to_numpy()])
            zmean = h["inner_z_mean"].to_numpy()
            print(
                f"\n{label.split()[0]} seconds per outer iteration: "
                f"{', '.join(f'{s:.0f}' for s in per)}; "
                f"inner Z per outer (max / mean over blocks): "
                f"{', '.join(f'{a}/{b:.0f}' for a, b in zip(h['inner_z'], zmean, strict=True))}; "
                f"~{per.sum() / zmean.sum():.2f} s per code-step iteration over all frames"
            )
            if not label.startswith("(b)"):
                continue
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
