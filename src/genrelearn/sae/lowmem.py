"""The Z-step with the graph term in three code-sized buffers (for large problems).

With ``lg > 0`` the code step does not separate over frames, so :func:`~genrelearn.sae.fista.
fista_lasso` solves it as one block and keeps six buffers shaped like the codes (the iterate,
the extrapolated point, both gradients, ``b = X W`` and a work buffer; a seventh for the best
iterate). At the GTZAN size (1,288,000 frames, m = 512) one such buffer is 2.6 GB, so that is
about 17 GB. :func:`fista_lasso_graph_lowmem` solves the same problem with three: the iterate
``x``, the extrapolated point ``y`` (which receives the next iterate row block by row block)
and ``P = L y``. Everything that is local to a frame (``y G - X W``, the soft-thresholding,
the objective's quadratic and l1 parts) is computed on row blocks in small temporaries; only
the sparse product couples rows, and it is formed once per iteration from the whole ``y``
before the blocks overwrite it.

The price is a second pass per iteration: the objective of the new iterate needs its own
``x G`` product (the default solver carries gradients along the extrapolation instead), so an
iteration costs about twice as many flops. The iterations are monotone FISTA with
function-value restart: an iterate that does not lower the objective is rejected and the
momentum restarts from the last accepted one; two rejections in a row stop the solve.
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

    def objective(v: Tensor) -> float:
        parts = []
        for s, Lb in zip(blocks, L_rows, strict=True):
            vb = v[s]
            bw = X[s] @ W
            t = torch.addmm(bw, vb, G, beta=-1.0)  # vb G - X_b W
            quad = 0.5 * (dot(vb, t) - dot(bw, vb))
            graph = 0.5 * lg * dot(vb, torch.sparse.mm(Lb, v)) if lg else 0.0
            l1 = lz * float(vb.abs().sum(dtype=torch.float64)) if lz else 0.0
            parts.append(quad + graph + l1)
        return math.fsum(parts) + const

    out = x
    f = f0 = objective(x)
    y = x.clone()  # the extrapolated point; becomes the next iterate block by block
    P = torch.empty_like(x)  # lg L y
    t, n_iter, converged, rejected = 1.0, 0, False, 0
    for k in range(1, max_iter + 1):
        n_iter = k
        P.zero_()
        torch.addmm(P, L, y, beta=1.0, alpha=lg, out=P)
        for s in blocks:
            yb = y[s]
            g = torch.addmm(X[s] @ W, yb, G, beta=-1.0).add_(P[s])
            yb.add_(g, alpha=-step)
            soft_threshold_(yb, tau)
        f_new = objective(y)
        if f_new > f:  # not a descent: restart the momentum from the last accepted iterate
            rejected += 1
            if rejected >= 2:
                break
            y.copy_(x)
            t = 1.0
            continue
        rejected = 0
        rel = _relative_change(f_new, f)
        f = f_new
        if rel < rtol:
            x.copy_(y)
            converged = True
            break
        # x <- y + beta (y - x): the next extrapolated point; then swap the names.
        t, beta = _momentum(t)
        x.mul_(-beta).add_(y, alpha=1.0 + beta)
        x, y = y, x
    if x is not out:
        out.copy_(x)
    del P, x, y
    return LowMemResult(f, f0, n_iter, converged)
