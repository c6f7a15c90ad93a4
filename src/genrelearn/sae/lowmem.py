"""The Z-step with the graph term in two code-sized buffers (for large problems).

With ``lg > 0`` the code step does not separate over frames, so :func:`~genrelearn.sae.fista.
fista_lasso` solves it as one block and keeps six buffers shaped like the codes (the iterate,
the extrapolated point, both gradients, ``b = X W`` and a work buffer; a seventh for the best
iterate). At the GTZAN size (1,288,000 frames, m = 512) one such buffer is 2.6 GB, so that is
about 16 GB. :func:`fista_lasso_graph_lowmem` keeps two: the caller's codes buffer, which holds
the extrapolated point ``y`` and receives the next iterate row block by row block, and
``P = lg L y``, formed once per iteration from the whole ``y`` before the blocks overwrite it
(the only product that couples rows). The last accepted iterate, needed for the momentum, is
kept as sparse row blocks (8 bytes per non-zero: codes are sparse, so this is a fraction of a
dense buffer). Everything local to a frame (``y G - X W``, the soft-thresholding, the
objective's quadratic and l1 parts) is computed on row blocks in small temporaries.

The price is time: the objective of each new iterate needs its own ``x G`` product (done on
the sparse blocks) and the iterates are compressed, so an iteration costs about 2.5 times the
default solver's. The iterations are monotone FISTA with function-value restart: an iterate
that does not lower the objective is rejected and the momentum restarts from the last accepted
one; two rejections in a row stop the solve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from genrelearn.sae.fista import _check, _momentum, _relative_change, dot, soft_threshold_
from genrelearn.sae.objective import csr_rows, row_blocks

Tensor = torch.Tensor


@dataclass
class LowMemResult:
    """Outcome of :func:`fista_lasso_graph_lowmem` (the codes are written into ``x``)."""

    objective: float
    initial_objective: float
    n_iter: int
    converged: bool


def compress(block: Tensor) -> Tensor:
    """A dense row block as sparse CSR with 32-bit indices (8 bytes per non-zero)."""
    c = block.to_sparse_csr()
    return torch.sparse_csr_tensor(
        c.crow_indices().to(torch.int32),
        c.col_indices().to(torch.int32),
        c.values(),
        size=c.shape,
        check_invariants=False,
    )


def restore(dense: Tensor, blocks: list[Tensor], slices: list[slice]) -> None:
    """Write sparse row ``blocks`` back into the rows ``slices`` of ``dense``."""
    for b, s in zip(blocks, slices, strict=True):
        dense[s].copy_(b.to_dense())


def fista_lasso_graph_lowmem(
    X: Tensor,
    G: Tensor,
    W: Tensor,
    const: float,
    L: Tensor,
    lg: float,
    lz: float,
    x: Tensor,
    step: float,
    rtol: float = 1e-5,
    max_iter: int = 500,
    rows: int = 1 << 14,
) -> LowMemResult:
    """Minimise ``1/2 <x, x G> - <X W, x> + lg/2 <x, L x> + const + lz ||x||_1`` in place.

    Parameters
    ----------
    X : (N, n) Tensor
        Frames.
    G, W : Tensor
        ``(m, m)`` and ``(n, m)`` from :func:`~genrelearn.sae.objective.code_parts`.
    const : float
        The objective's constant (``ld/2 ||X||^2`` and the encoder's part).
    L : (N, N) Tensor
        Laplacian as a torch sparse CSR tensor.
    lg, lz : float
        Weights of the graph term and of the l1 norm.
    x : (N, m) Tensor
        Starting point; receives the result.
    step : float
        Step size (``1 / Lipschitz``).
    rtol, max_iter : float, int
        Stopping rule: relative objective change, iteration cap.
    rows : int
        Rows per block of the frame-local computations.

    Returns
    -------
    LowMemResult
        Objective before and after, iterations, whether ``rtol`` stopped the solve.
    """
    _check(step, rtol, max_iter)
    N = x.shape[0]
    blocks = [s for s in row_blocks(N, rows) if s.stop > s.start]
    L_rows = [csr_rows(L, s.start, s.stop) for s in blocks]
    tau = step * lz

    def objective(v: Tensor, sparse: list[Tensor] | None = None) -> float:
        # ``sparse``: the same rows of ``v`` as compressed blocks (a cheaper product with G).
        parts = []
        for i, (s, Lb) in enumerate(zip(blocks, L_rows, strict=True)):
            vb = v[s]
            bw = X[s] @ W
            vg = vb @ G if sparse is None else sparse[i] @ G
            quad = 0.5 * dot(vb, vg) - dot(bw, vb)
            graph = 0.5 * lg * dot(vb, torch.sparse.mm(Lb, v)) if lg else 0.0
            l1 = lz * float(vb.abs().sum(dtype=torch.float64)) if lz else 0.0
            parts.append(quad + graph + l1)
        return math.fsum(parts) + const

    y = x  # the extrapolated point, overwritten block by block by the next iterate
    kept = [compress(y[s]) for s in blocks]  # the last accepted iterate, sparse
    at_kept = True  # whether y holds the accepted iterate
    f = f0 = objective(y)
    P = torch.empty_like(y)  # lg L y
    fresh: list[Tensor] = []  # the new iterate, sparse
    t, n_iter, converged, rejected = 1.0, 0, False, 0
    for k in range(1, max_iter + 1):
        n_iter = k
        P.zero_()
        torch.addmm(P, L, y, beta=1.0, alpha=lg, out=P)
        fresh = []
        for s in blocks:
            yb = y[s]
            g = torch.addmm(X[s] @ W, yb, G, beta=-1.0).add_(P[s])
            fresh.append(compress(soft_threshold_(yb.add_(g, alpha=-step), tau)))
        at_kept = False
        f_new = objective(y, fresh)
        if f_new > f:  # not a descent: restart the momentum from the last accepted iterate
            rejected += 1
            restore(y, kept, blocks)
            at_kept = True
            if rejected >= 2:
                break
            t = 1.0
            continue
        rejected = 0
        rel = _relative_change(f_new, f)
        f = f_new
        if rel < rtol:
            at_kept, converged = True, True
            break
        # y <- y + beta (y - kept), block by block; the new iterate becomes the accepted one.
        t, beta = _momentum(t)
        for i, s in enumerate(blocks):
            y[s].mul_(1.0 + beta).sub_(kept[i].to_dense(), alpha=beta)
        kept = fresh
    if not at_kept:
        restore(y, kept, blocks)
    del P, kept, fresh
    return LowMemResult(f, f0, n_iter, converged)
