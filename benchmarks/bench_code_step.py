"""Per-iteration cost of the plain lasso code step (no graph, no encoder), solver by solver.

The same frames, dictionary and warm start for every solver, one after another in this process:
the Gram form (``Z (ld D^T D) - ld X D``), the factored form carrying gradients
(:func:`genrelearn.sae.fista.fista_lasso` on ``code_quadratic(factored=True)``) and the factored
form carrying residuals (:func:`genrelearn.sae.residual.fista_lasso_residual`), over row blocks
of the given sizes, a fixed number of iterations (``rtol = 0``). Frames: the first
``--clips`` clips of each genre of the benchmark frame cache (``bench_sae.py`` builds it),
min-max scaled; dictionary: seed 1, unit-norm columns; warm start: 30 iterations of
:func:`genrelearn.sae.sparse_code` (codes as sparse as an outer iteration's).

Example::

    .venv/bin/python benchmarks/bench_code_step.py --threads 2 --rows 512,2048 --atoms 512
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from benchdata import frame_subset, log


def main() -> None:
    """Print one row per block size and solver: milliseconds per iteration and the objective."""
    from genrelearn.sae.fista import fista_lasso
    from genrelearn.sae.objective import code_lipschitz, code_quadratic, row_blocks
    from genrelearn.sae.residual import fista_lasso_residual
    from genrelearn.sae.steps import sparse_code

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/genrelearn-bench"))
    ap.add_argument("--clips", type=int, default=10, help="clips per genre (1288 frames each)")
    ap.add_argument("--atoms", type=int, default=512)
    ap.add_argument("--rows", default="512,2048", help="row-block sizes")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--solvers", default="gram,gradient,residual")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    frames = args.cache_dir / "frames_synth_100x29.932s.npy"
    if not frames.exists():
        raise SystemExit(f"{frames} is missing: run benchmarks/bench_sae.py --prepare-only first")
    X = torch.from_numpy(frame_subset(frames, 10, args.clips, 644).astype(np.float32))
    X = (X - X.amin(0)) / (X.amax(0) - X.amin(0)).clamp(min=1e-12)
    g = torch.Generator().manual_seed(1)
    D = torch.rand(X.shape[1], args.atoms, generator=g)
    D /= D.norm(dim=0)
    ld, lz = 10.0, 1.0
    log(f"{X.shape[0]:,} x {X.shape[1]} frames, m = {args.atoms}: warm start")
    Z0 = sparse_code(X, D, lz, ld, rtol=0.0, max_iter=30).x.clone()
    step = 1.0 / code_lipschitz(D, ld)
    nnz = 100 * float((Z0 != 0).float().mean())
    print(
        f"\n{X.shape[0]:,} x {X.shape[1]}, m = {args.atoms}, {args.iters} iterations, "
        f"{args.threads} threads, non-zeros at the start {nnz:.1f} %"
    )
    print("\n| rows per block | solver | ms per iteration | objective |\n|---|---|---|---|")
    for rows in (int(r) for r in args.rows.split(",")):
        for solver in args.solvers.split(","):
            out, f = Z0.clone(), 0.0
            t0 = time.perf_counter()
            for s in row_blocks(X.shape[0], rows):
                xb = out[s]
                if solver == "residual":
                    res = fista_lasso_residual(X[s], D, ld, lz, xb, step, 0.0, args.iters)
                else:
                    q = code_quadratic(X[s], D, ld, factored=solver == "gradient")
                    res = fista_lasso(q, lz, xb, step, 0.0, args.iters)
                if res.x is not xb:
                    xb.copy_(res.x)
                f += res.objective
            ms = (time.perf_counter() - t0) / args.iters * 1000
            print(f"| {rows} | {solver} | {ms:.1f} | {f:.8g} |", flush=True)


if __name__ == "__main__":
    main()
