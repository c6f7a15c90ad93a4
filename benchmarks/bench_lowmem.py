"""Benchmark the low-memory graph solvers of the code step at the full size, old against new.

The problem is the code step of the thesis's full-scale fit: the 1,288,000 x 96 CQT frames of
``bench_sae.py`` (min-max scaled), m = 512, ld = 10, lz = 1, lg = 100 with the K = 11 faiss HNSW
graph over all frames, float32, from Z = 0 with a fixed random unit-norm dictionary (the
estimator's initial one, seed 1) and the tight step. Each solver runs ``--iters`` iterations
(rtol = 0, no stopping test) in a fresh process, which loads the frames and the graph as
``scripts/sae_fit.py`` does and then does what a fit does around a code step (the energy terms
and the Gram matrices of the D-step), so its peak RSS is the whole fit process's at this size:
frames, graph, codes and the solver's buffers.

* ``rows``: :func:`genrelearn.sae.lowmem.fista_lasso_graph_lowmem`, the row-split solver (three
  code-sized buffers, Gram form), with the Laplacian as ``to_torch_csr`` made it before int32
  indices (int64 indices and float values copied from scipy's arrays);
* ``chunks:MC``: :func:`genrelearn.sae.lowmem.fista_lasso_graph_chunked`, the atom split with
  column chunks of ``MC`` atoms (two code-sized buffers, one ``N x MC`` and two ``N x n``,
  factored form), with ``to_torch_csr``'s int32 indices shared with scipy's arrays.

Example (the frames and the graph are built and cached by ``bench_sae.py``)::

    .venv/bin/python benchmarks/bench_sae.py --threads 2 --settings bg --prepare-only
    .venv/bin/python benchmarks/bench_lowmem.py --threads 2 --iters 10 --solvers rows,chunks:64
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from benchdata import K, load_average, log, peak_rss, run_in_child


def _old_to_torch_csr(L: Any, dtype: Any) -> Any:
    """The Laplacian as ``to_torch_csr`` made it before: int64 indices, values copied."""
    import scipy.sparse as sp
    import torch

    L = sp.csr_matrix(L)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.sparse_csr_tensor(
            torch.from_numpy(L.indptr.astype(np.int64)),
            torch.from_numpy(L.indices.astype(np.int64)),
            torch.from_numpy(L.data.astype(np.float64)).to(dtype),
            size=L.shape,
            check_invariants=False,
        )


def solve_child(
    frames: str, lap: str, solver: str, m: int, iters: int, threads: int, lg: float = 100.0
) -> dict[str, Any]:
    """One solver's run in this (fresh) process: seconds per iteration and peak RSS.

    Parameters
    ----------
    frames, lap : str
        ``.npy`` frames (N, n) and ``.npz`` scipy Laplacian (N, N).
    solver : str
        ``rows`` or ``chunks:MC`` (module docstring).
    m, iters, threads : int
        Atoms, iterations, torch threads.
    lg : float
        Weight of the graph term.
    """
    import scipy.sparse as sp
    import torch

    from genrelearn.sae import (
        code_lipschitz,
        energy_terms,
        gram_stats,
        laplacian_norm,
        project_columns,
        to_torch_csr,
    )
    from genrelearn.sae.lowmem import fista_lasso_graph_chunked, fista_lasso_graph_lowmem
    from genrelearn.sae.objective import check_laplacian, code_parts, dot

    torch.set_num_threads(threads)
    ld, lz = 10.0, 1.0
    X = np.load(frames)
    L = sp.load_npz(lap)  # held for the whole run, as the caller of a fit holds it
    N, n = X.shape
    Lc = check_laplacian(L, N)
    lnorm = laplacian_norm(Lc, "tight", seed=1)
    Lt = (
        _old_to_torch_csr(Lc, torch.float32)
        if solver == "rows"
        else to_torch_csr(Lc, "cpu", torch.float32)
    )
    del Lc
    Xt = torch.as_tensor(np.ascontiguousarray(X)).to(dtype=torch.float32)
    g = torch.Generator().manual_seed(1)
    D = project_columns(torch.rand(n, m, generator=g, dtype=torch.float64), sphere=True).float()
    step = 1.0 / code_lipschitz(D, ld, lg=lg, lnorm=lnorm)
    Z = torch.zeros(N, m)
    rss_before = peak_rss()
    t0 = time.perf_counter()
    if solver == "rows":
        G, W = code_parts(D, ld)
        const = 0.5 * ld * dot(Xt, Xt)
        r = fista_lasso_graph_lowmem(Xt, G, W, const, Lt, lg, lz, Z, step, 0.0, iters)
    else:
        mc = int(solver.split(":")[1])
        chunks = -(-m // mc)
        r = fista_lasso_graph_chunked(
            Xt, D, ld, Lt, lg, lz, Z, step, rtol=0.0, max_iter=iters, chunks=chunks
        )
    seconds = time.perf_counter() - t0
    rss_solve = peak_rss()
    # What a fit does around its code step: the energy terms and the D-step's Gram matrices.
    terms = energy_terms(Xt, Z, D, ld=ld, lz=lz, L=Lt, lg=lg)
    gram_stats(Xt, Z, xtx=False)
    return {
        "solver": solver,
        "n_iter": r.n_iter,
        "seconds": seconds,
        "per_iter": seconds / max(1, r.n_iter),
        "objective": r.objective,
        "energy": terms["objective"],
        "nnz": L.nnz,
        "index_dtype": str(Lt.col_indices().dtype).replace("torch.", ""),
        "peak_before_solve": rss_before,
        "peak_solve": rss_solve,
        "peak": peak_rss(),
        "load": load_average(),
    }


def table(results: list[dict[str, Any]]) -> str:
    """The markdown table of :func:`solve_child` results."""
    lines = [
        "| solver | L indices | iterations | s per iteration | peak RSS before the solve "
        "| peak RSS (whole process) | solver's objective | energy_terms objective | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['solver']} | {r['index_dtype']} | {r['n_iter']} | {r['per_iter']:.2f} | "
            f"{r['peak_before_solve'] / 2**30:.2f} GiB | **{r['peak'] / 2**30:.2f} GiB** | "
            f"{r['objective']:.7g} | {r['energy']:.7g} | {r['load']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the solvers, each in a fresh process, alternating, and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/genrelearn-bench"))
    ap.add_argument("--clips-per-genre", type=int, default=100)
    ap.add_argument("--frames", type=Path, help="frames .npy (default: bench_sae.py's full set)")
    ap.add_argument("--laplacian", type=Path, help="Laplacian .npz (default: its HNSW graph)")
    ap.add_argument("--atoms", type=int, default=512)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--solvers", default="rows,chunks:64", help="rows and/or chunks:MC, ...")
    ap.add_argument("--repeat", type=int, default=1, help="rounds over the solvers")
    args = ap.parse_args()

    c = args.clips_per_genre
    frames = args.frames or args.cache_dir / f"sae_X_10x{c}x644.npy"
    lap = args.laplacian or args.cache_dir / f"sae_L_10x{c}x644_k{K}_hnsw.npz"
    for path in (frames, lap):
        if not path.exists():
            raise SystemExit(f"{path} is missing: run bench_sae.py --settings bg --prepare-only")
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    results = []
    for rnd in range(args.repeat):
        for s in solvers:
            log(f"round {rnd + 1}: {s}, {args.iters} iterations")
            r = run_in_child(
                solve_child, str(frames), str(lap), s, args.atoms, args.iters, args.threads
            )
            log(f"  {r['per_iter']:.2f} s per iteration, peak {r['peak'] / 2**30:.2f} GiB")
            results.append(r)
    X = np.load(frames, mmap_mode="r")
    print(
        f"\n{X.shape[0]:,} x {X.shape[1]} frames, m = {args.atoms}, lg = 100, ld = 10, lz = 1, "
        f"float32, Laplacian nnz {results[0]['nnz']:,}; {args.iters} iterations from Z = 0, "
        f"rtol = 0; {platform.processor() or platform.machine()}, {args.threads} threads\n"
    )
    print(table(results))


if __name__ == "__main__":
    main()
