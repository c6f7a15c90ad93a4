"""FISTA for the frame-separable lasso code step, carrying residuals instead of gradients.

Without the graph and the encoder (``lg = le = 0``) the code step is the lasso

    min_Z ld/2 ||X - Z D^T||^2 + lz ||Z||_1,

whose gradient ``ld (Z D^T - X) D`` depends on ``Z`` only through the residual
``R = Z D^T - X`` (``N x n``, with ``n`` bands much fewer than ``m`` atoms).
:func:`~genrelearn.sae.fista.fista_lasso` keeps the gradients of the iterate and of the
extrapolated point (two more ``N x m`` buffers, each read and written once more per iteration
by the extrapolation, and the gradient step reading one of them). Both are affine in the point,
so the residuals can be carried along the extrapolation instead
(``R_y = (1 + beta) R_x' - beta R_x``) and the gradient step folded into one GEMM that updates
the point in place (``y <- y - step ld R_y D``). The iterates are those of
:func:`~genrelearn.sae.fista.fista_lasso` on the factored quadratic up to rounding, at the same
``4 N n m`` flops per iteration, with two ``N x m`` buffers (``x`` and ``y``) instead of five, and
about half the memory traffic: at m = 512 an iteration over many frames is bound by memory
bandwidth rather than by the GEMMs' flops, so the traffic decides its time.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from genrelearn.sae.fista import (
    GAP_EVERY,
    FistaResult,
    GapRule,
    _check,
    _momentum,
    _relative_change,
    dot,
    soft_threshold_,
)

Tensor = torch.Tensor


def _l1(x: Tensor) -> float:
    """``||x||_1`` in one reading pass (no temporary shaped like ``x``)."""
    return float(torch.linalg.vector_norm(x, ord=1))


def fista_lasso_residual(
    X: Tensor,
    D: Tensor,
    ld: float,
    lz: float,
    x: Tensor,
    step: float,
    rtol: float = 1e-5,
    max_iter: int = 500,
    restart: bool = False,
    *,
    min_iter: int = 1,
    gap: Callable[[Tensor, Tensor], float] | None = None,
    gap_tol: float | None = None,
    gap_every: int = GAP_EVERY,
) -> FistaResult:
    """Solve ``min_Z ld/2 ||X - Z D^T||^2 + lz ||Z||_1`` from ``x`` by FISTA.

    Parameters
    ----------
    X : (N, n) Tensor
        Frames (contiguous).
    D : (n, m) Tensor
        Dictionary.
    ld : float
        Weight of the reconstruction term (``> 0``).
    lz : float
        Weight of the l1 norm (``0`` for none).
    x : (N, m) Tensor
        Starting point, **used as a work buffer** (its content is overwritten; use
        ``result.x``). Must be contiguous.
    step : float
        Step size (at most ``1 / (ld ||D||_2^2)``).
    rtol, max_iter, restart, min_iter, gap, gap_tol, gap_every
        As :func:`~genrelearn.sae.fista.fista_lasso`. ``gap(v, r)`` receives the point and its
        residual ``v D^T - X`` (not its gradient).

    Returns
    -------
    FistaResult
        ``result.x`` is one of the solver's buffers (``x`` itself or a new tensor).

    Notes
    -----
    One iteration: the gradient step as one in-place GEMM, an in-place soft-thresholding, the
    residual (one thin GEMM), the objective from the residual and one reading pass for the l1
    norm, and the two extrapolations (the point and its residual).
    """
    _check(step, rtol, max_iter, min_iter)
    rule = GapRule(gap, gap_tol, rtol, min_iter, gap_every)
    tau = step * lz
    Dt = D.T.contiguous()
    Dstep = D * (-step * ld)  # y - step * ld R D as y.addmm_(R, Dstep)

    def residual(v: Tensor, out: Tensor) -> Tensor:
        return torch.addmm(X, v, Dt, beta=-1.0, out=out)

    def value(v: Tensor, r: Tensor) -> float:
        f = 0.5 * ld * dot(r, r)
        return f + lz * _l1(v) if lz else f

    rx = residual(x, torch.empty(X.shape[0], D.shape[0], dtype=X.dtype, device=X.device))
    f = f0 = value(x, rx)
    y, ry = x.clone(), rx.clone()
    best: Tensor | None = None  # copy of the best iterate, made only when needed
    best_is_x, f_best = True, f
    t, n_iter, converged, rejected, fs = 1.0, 0, False, 0, []
    for k in range(1, max_iter + 1):
        n_iter = k
        # y <- prox(y - step * ld * R_y D): the new iterate, in y's buffer.
        soft_threshold_(y.addmm_(ry, Dstep), tau)
        residual(y, ry)
        f_new = value(y, ry)
        fs.append(f_new)
        if restart and f_new > f:
            rejected += 1
            if rejected >= 2:
                break
            y.copy_(x)
            ry.copy_(rx)
            t = 1.0
            continue
        rejected = 0
        if f_new <= f_best:
            best_is_x, f_best = True, f_new
        elif best_is_x:  # the best is x, whose buffer is about to hold the next y
            best = x.clone() if best is None else best.copy_(x)
            best_is_x = False
        rel = _relative_change(f_new, f)
        f = f_new
        if rule.stop(k, rel, y, ry):
            x, rx = y, ry
            converged = True
            break
        # Next extrapolated point, in x's buffer: y' = x_new + beta (x_new - x); same for R.
        t, beta = _momentum(t)
        x.mul_(-beta).add_(y, alpha=1.0 + beta)
        rx.mul_(-beta).add_(ry, alpha=1.0 + beta)
        x, y, rx, ry = y, x, ry, rx
    out = x if best_is_x else best
    assert out is not None
    # x is the last accepted iterate (also after a restart or the iteration cap), rx its residual.
    relative_gap = rule.final(n_iter, x, rx) if gap is not None else math.nan
    return FistaResult(out, f_best, f0, n_iter, converged, fs, relative_gap)
