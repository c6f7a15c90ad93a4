"""The Z-step with the graph term in few code-sized buffers (for large problems).

With ``lg > 0`` the code step does not separate over frames, so :func:`~genrelearn.sae.fista.
fista_lasso` solves it as one block and keeps six buffers shaped like the codes (the iterate,
the extrapolated point, both gradients, ``b = X W`` and a work buffer; a seventh for the best
iterate). At the GTZAN size (1,288,000 frames, m = 512) one such buffer is 2.6 GB, so that is
about 17 GB. Two solvers here need less; both run monotone FISTA with function-value restart
(an iterate that does not lower the objective is rejected and the momentum restarts from the
last accepted one; two rejections in a row stop the solve), so from the same start they follow
the same iterates as ``fista_lasso(..., restart=True)`` up to rounding.

:func:`fista_lasso_graph_chunked` (atom split) keeps the iterate and the extrapolated point,
each stored as column chunks (``N x mc``, contiguous; the iterate in the caller's codes
buffer), one ``N x mc`` work buffer and two ``N x n`` residuals ``R = Z D^T - X``. The explicit
quadratics couple atoms only through the residual (the gradient's chunk ``c`` is
``ld R D_c + le (Z_c - X E_c^T) + lg L Z_c``) and ``L`` acts on each column separately, so a
chunk of the next iterate needs only the same chunk of the extrapolated point and the residual
of the whole point. The residual is affine in the point, so it is carried along the
extrapolation (``R_y = (1 + beta) R_z - beta R_x``) as :func:`~genrelearn.sae.fista.
fista_lasso` carries gradients: per iteration two ``N x n x m`` GEMM passes (the factored form,
``4 N n m`` flops instead of the Gram form's ``2 N m^2`` twice) and two sparse products per
column (``L y`` for the gradient, ``L z`` for the objective's graph term). The objective is
computed from the residuals, not by expanding squares. It can stop on a certified duality gap
(:mod:`genrelearn.sae.duality`), computed chunk by chunk on row blocks.

:func:`fista_lasso_graph_lowmem` (row split, kept for comparison) keeps three: the iterate
``x``, the extrapolated point ``y`` (which receives the next iterate row block by row block)
and ``P = L y``, in the Gram form ``y G - X W`` on row blocks; its objective needs a second
``x G`` product, so an iteration costs two ``2 N m^2`` GEMMs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from genrelearn.sae.duality import (
    Gap,
    empty_interval,
    gradient_peak,
    graph_scale,
    row_bound,
    update_row_interval,
)
from genrelearn.sae.fista import _check, _momentum, _relative_change, dot, soft_threshold_
from genrelearn.sae.objective import csr_rows, row_blocks

Tensor = torch.Tensor

CHUNK_COLUMNS = 64
"""Default atoms per column chunk of :func:`fista_lasso_graph_chunked`."""

GAP_EVERY = 10
"""Default iterations between two duality-gap checks of :func:`fista_lasso_graph_chunked`."""

_ROW_ELEMENTS = 1 << 18  # values per row block of the chunked solver's reductions and gap
_PIECE = 1 << 12  # values per partial sum of the chunked solver's reductions


@dataclass
class LowMemResult:
    """Outcome of the low-memory solvers (the codes are written into ``x``).

    ``gap`` is the relative duality gap ``(P(Z) - bound) / |P(Z)|`` at the result, ``nan`` when
    it was not computed (or no bound exists, ``lz = 0``).
    """

    objective: float
    initial_objective: float
    n_iter: int
    converged: bool
    gap: float = math.nan


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


# --------------------------------------------------------------------------- atom split


def chunk_widths(m: int, chunks: int) -> list[int]:
    """Widths of ``chunks`` column chunks covering ``m`` columns, as equal as possible."""
    chunks = max(1, min(int(chunks), m)) if m else 1
    q, r = divmod(m, chunks)
    return [q + (i < r) for i in range(chunks)]


def chunked_bytes(N: int, n: int, m: int, itemsize: int, chunk_cols: int = CHUNK_COLUMNS) -> int:
    """Bytes of :func:`fista_lasso_graph_chunked`'s buffers beyond the caller's codes."""
    mc = max(chunk_widths(m, math.ceil(m / max(1, chunk_cols))) or [0])
    return itemsize * N * (m + mc + 2 * n)


def _pieces(v: Tensor) -> list[Tensor]:
    """A contiguous tensor's values as a ``(k, _PIECE)`` view and the remainder."""
    flat = v.reshape(-1)
    k = flat.numel() // _PIECE
    out = [flat[: k * _PIECE].view(k, _PIECE)] if k else []
    if flat.numel() > k * _PIECE:
        out.append(flat[k * _PIECE :].view(1, -1))
    return out


def _sumsq(v: Tensor) -> float:
    """``||v||^2``: norms of pieces of 4096 values, squared and summed in double precision."""
    return math.fsum(
        float(torch.linalg.vector_norm(p, dim=1).double().square().sum()) for p in _pieces(v)
    )


def _sumabs(v: Tensor) -> float:
    """``||v||_1``: l1 norms of pieces of 4096 values, summed in double precision."""
    return math.fsum(
        float(torch.linalg.vector_norm(p, ord=1, dim=1).double().sum()) for p in _pieces(v)
    )


def _sum(v: Tensor) -> float:
    """The sum of ``v``'s values: pieces of 4096 values, summed in double precision."""
    return math.fsum(float(p.sum(dim=1).double().sum()) for p in _pieces(v))


def fista_lasso_graph_chunked(
    X: Tensor,
    D: Tensor,
    ld: float,
    L: Tensor | None,
    lg: float,
    lz: float,
    x: Tensor,
    step: float,
    *,
    E: Tensor | None = None,
    le: float = 0.0,
    rtol: float = 1e-5,
    max_iter: int = 500,
    min_iter: int = 0,
    gap_tol: float | None = None,
    gap_every: int = GAP_EVERY,
    chunks: int | None = None,
    rows: int | None = None,
) -> LowMemResult:
    """Minimise the code step's energy by monotone FISTA on column chunks of the codes, in place.

    The energy is ``ld/2 ||X - Z D^T||^2 + le/2 ||Z - X E^T||^2 + lg/2 <Z, L Z> + lz ||Z||_1``
    (module docstring for the scheme).

    Parameters
    ----------
    X : (N, n) Tensor
        Frames (contiguous).
    D : (n, m) Tensor
        Dictionary.
    ld : float
        Weight of the data term.
    L : (N, N) torch sparse CSR Tensor or None
        Laplacian (used when ``lg > 0``); int32 indices avoid a conversion per product.
    lg, lz : float
        Weights of the graph term and of the l1 norm.
    x : (N, m) Tensor
        Starting point; receives the result. When contiguous, its storage holds the iterate's
        chunks during the solve (its content is then meaningless until the solver returns).
    step : float
        Step size (``1 / Lipschitz``).
    E : (m, n) Tensor, optional
        Encoder (used when ``le > 0``).
    le : float
        Weight of the encoder term.
    rtol, max_iter : float, int
        Relative objective change and iteration cap.
    min_iter : int
        No stopping test (``rtol`` or gap) before this many iterations. Two rejected iterates in
        a row (the rounding floor: no step lowers the objective) still end the solve.
    gap_tol : float, optional
        Stop when the relative duality gap ``gap / |P(Z)|`` is at most ``gap_tol`` (a certified
        bound on the distance to the optimum). The gap is computed every ``gap_every``
        iterations after ``min_iter`` and when the ``rtol`` criterion fires (once between two
        periodic checks), and at the result. ``None``: stop on ``rtol`` alone, no gap. With
        ``lz = 0`` no bound exists and ``rtol`` decides.
    gap_every : int
        Iterations between periodic gap checks.
    chunks : int, optional
        Number of column chunks (default: chunks of about :data:`CHUNK_COLUMNS` atoms).
    rows : int, optional
        Rows per block of the reductions and the gap (default about 256K values per block).

    Returns
    -------
    LowMemResult
        Objectives before and after, iterations, whether a stopping test (not the cap or the
        rounding floor) ended the solve, and the final relative gap.

    Notes
    -----
    Memory beyond ``x``: the extrapolated point (``N x m``), one ``N x mc`` work buffer, two
    ``N x n`` residuals (:func:`chunked_bytes`), and row-block temporaries; nothing else shaped
    like the codes, the gap included.
    """
    _check(step, rtol, max_iter)
    if gap_every < 1:
        raise ValueError(f"gap_every must be >= 1, got {gap_every}")
    N, m = x.shape
    dev, dt = x.device, x.dtype
    lg = float(lg or 0.0) if L is not None else 0.0
    le = float(le or 0.0) if E is not None else 0.0
    widths = chunk_widths(m, chunks or math.ceil(m / CHUNK_COLUMNS))
    starts = [sum(widths[:i]) for i in range(len(widths))]
    cols = [slice(a, a + w) for a, w in zip(starts, widths, strict=True)]
    rows = rows or max(256, _ROW_ELEMENTS // max(1, max(widths)))
    blocks = [s for s in row_blocks(N, rows) if s.stop > s.start]
    tau = step * lz
    certify = gap_tol is not None and lz > 0

    # Per-chunk factors: ld D_c for the gradient, D_c^T for the residual, E_c^T for the encoder.
    Dc = [(ld * D[:, c]).contiguous() for c in cols]
    DcT = [D[:, c].T.contiguous() for c in cols]
    EcT = [E[c].T.contiguous() for c in cols] if le else []

    def chunk_views(flat: Tensor) -> list[Tensor]:
        return [flat[N * a : N * (a + w)].view(N, w) for a, w in zip(starts, widths, strict=True)]

    other = torch.empty(N * m, device=dev, dtype=dt)
    ys = chunk_views(other)
    for yc, c in zip(ys, cols, strict=True):
        yc.copy_(x[:, c])
    home = x.view(-1) if x.is_contiguous() else torch.empty(N * m, device=dev, dtype=dt)
    xs = chunk_views(home)
    for xc, yc in zip(xs, ys, strict=True):
        xc.copy_(yc)
    work = torch.empty(N * max(widths), device=dev, dtype=dt)
    Rx = torch.empty(N, X.shape[1], device=dev, dtype=dt)
    Ry = torch.empty_like(Rx)
    L_rows = [L if len(blocks) == 1 else csr_rows(L, s.start, s.stop) for s in blocks] if lg else []

    def residual(zs: list[Tensor], out: Tensor) -> Tensor:
        """``out = Z D^T - X`` from the chunks of ``Z``."""
        out.copy_(X)  # then out <- -out + z_0 D_0^T (a GEMM's own beta; addmm(X, ..., out=)
        for i, zc in enumerate(zs):  # runs at half the speed)
            out.addmm_(zc, DcT[i], beta=-1.0 if i == 0 else 1.0)
        return out

    def chunk_terms(i: int, zc: Tensor) -> float:
        """The graph, encoder and l1 terms of chunk ``i`` (the work buffer is overwritten)."""
        w = work[: zc.numel()].view_as(zc)
        f = 0.0
        if lg:
            torch.addmm(w, L, zc, beta=0.0, out=w)
            f += 0.5 * lg * _sum(w.mul_(zc))
        if le:
            torch.mm(X, EcT[i], out=w)
            f += 0.5 * le * _sumsq(w.sub_(zc))
        if lz:
            f += lz * _sumabs(zc)
        return f

    def value(zs: list[Tensor], R: Tensor) -> float:
        parts = [chunk_terms(i, zc) for i, zc in enumerate(zs)]
        return 0.5 * ld * _sumsq(R) + math.fsum(parts)

    def prox_chunk(i: int, yc: Tensor, R: Tensor) -> float:
        """``y_c <- soft(y_c - step g_c)`` with the gradient at the point of residual ``R``."""
        w = work[: yc.numel()].view_as(yc)
        torch.mm(R, Dc[i], out=w)
        if le:
            w.addmm_(X, EcT[i], alpha=-le).add_(yc, alpha=le)
        if lg:
            w.addmm_(L, yc, alpha=lg)
        soft_threshold_(yc.add_(w, alpha=-step), tau)
        return chunk_terms(i, yc)

    def gap(zs: list[Tensor], R: Tensor) -> Gap:
        return _chunked_gap(X, zs, R, Dc, EcT, le, L_rows, lg, lz, blocks, ld)

    residual(xs, Rx)
    f = f0 = value(xs, Rx)
    Ry.copy_(Rx)
    t, n_iter, converged, rejected = 1.0, 0, False, 0
    last_check, rtol_armed = min_iter, True
    rel_gap, gap_at, accepted_at = math.nan, -1, 0
    for k in range(1, max_iter + 1):
        n_iter = k
        parts = [prox_chunk(i, yc, Ry) for i, yc in enumerate(ys)]
        residual(ys, Ry)  # the new iterate's residual, in the buffer of the point's
        f_new = 0.5 * ld * _sumsq(Ry) + math.fsum(parts)
        if f_new > f:  # not a descent: restart the momentum from the last accepted iterate
            rejected += 1
            if rejected >= 2:
                break
            for xc, yc in zip(xs, ys, strict=True):
                yc.copy_(xc)
            Ry.copy_(Rx)
            t = 1.0
            continue
        rejected = 0
        rel = _relative_change(f_new, f)
        f, accepted_at = f_new, k
        stop = False
        if k >= min_iter:
            if not certify:
                stop = rel < rtol
            elif k - last_check >= gap_every or (rel < rtol and rtol_armed):
                rtol_armed = k - last_check >= gap_every
                last_check, gap_at = k, k
                rel_gap = gap(ys, Ry).relative
                stop = rel < rtol if math.isnan(rel_gap) else rel_gap <= gap_tol
        # The accepted iterate becomes x; on going on, x's buffers receive the next point
        # y' = z + beta (z - x) and its residual (affine in the point).
        if not stop:
            t, beta = _momentum(t)
            for xc, yc in zip(xs, ys, strict=True):
                torch.lerp(yc, xc, -beta, out=xc)  # z + beta (z - x) in one pass
            torch.lerp(Ry, Rx, -beta, out=Rx)
        xs, ys, Rx, Ry = ys, xs, Ry, Rx
        if stop:
            converged = True
            break
    if certify and gap_at != accepted_at:  # the gap of the result, if not known yet
        rel_gap = gap(xs, Rx).relative
    # Back to the caller's row-major layout (through the other buffer when the result is in
    # the caller's storage).
    if xs[0].data_ptr() == home.data_ptr():
        for xc, yc in zip(xs, ys, strict=True):
            yc.copy_(xc)
        xs = ys
    for xc, c in zip(xs, cols, strict=True):
        x[:, c].copy_(xc)
    return LowMemResult(f, f0, n_iter, converged, rel_gap)


def _chunked_gap(
    X: Tensor,
    zs: list[Tensor],
    R: Tensor,
    Dc: list[Tensor],
    EcT: list[Tensor],
    le: float,
    L_rows: list[Tensor],
    lg: float,
    lz: float,
    blocks: list[slice],
    ld: float,
) -> Gap:
    """:func:`~genrelearn.sae.duality.code_gap` for codes stored as column chunks.

    ``R = Z D^T - X`` (the whole residual), ``Dc`` the chunks of ``ld D``, ``EcT`` those of
    ``E^T`` (with ``le > 0``), ``L_rows`` the row blocks of ``L`` (with ``lg > 0``). The row
    interval of each frame is a running max/min over the chunks; the temporaries are row blocks
    of one chunk.
    """
    N = X.shape[0]
    f64 = dict(device=X.device, dtype=torch.float64)
    a, b = torch.zeros(N, **f64), torch.zeros(N, **f64)
    for s in blocks:
        Rb, Xb = R[s].double(), X[s].double()
        a[s] = ld * (Rb * Xb).sum(dim=1)
        b[s] = ld * Rb.square().sum(dim=1)
    kz_parts, l1_parts = [], []

    def explicit(i: int, zc: Tensor, s: slice, reduce: bool) -> Tensor:
        u = torch.mm(R[s], Dc[i])
        if le:
            XE = X[s] @ EcT[i]
            R2 = zc[s] - XE
            if reduce:
                a[s] += le * (R2.double() * XE.double()).sum(dim=1)
                b[s] += le * R2.double().square().sum(dim=1)
            u.add_(R2, alpha=le)
        return u

    def graph(j: int, zc: Tensor) -> Tensor | None:
        return torch.sparse.mm(L_rows[j], zc).mul_(lg) if lg else None

    lo, hi = empty_interval(N, X.device)
    peak = 0.0
    for i, zc in enumerate(zs):
        for j, s in enumerate(blocks):
            u = explicit(i, zc, s, True)
            v = graph(j, zc)
            if lg:
                kz_parts.append(0.5 * float((zc[s].double() * v.double()).sum()))
            l1_parts.append(float(zc[s].abs().sum(dtype=torch.float64)) if lz else 0.0)
            if lz:
                update_row_interval(u, v, 1.0, lz, lo[s], hi[s])
                peak = max(peak, gradient_peak(u, v))
    kz = math.fsum(kz_parts)
    primal = 0.5 * float(b.sum()) + kz + lz * math.fsum(l1_parts)
    if not lz:
        return Gap(primal, -math.inf)
    bound = row_bound(a, b, lo, hi)
    if math.isfinite(bound) or not lg:
        return Gap(primal, bound - kz)
    for t in (graph_scale(peak, lz, X.dtype),):  # the always-feasible scale: one pass
        lo, hi = empty_interval(N, X.device)
        for i, zc in enumerate(zs):
            for j, s in enumerate(blocks):
                update_row_interval(explicit(i, zc, s, False), graph(j, zc), t, lz, lo[s], hi[s])
        bound = row_bound(a, b, lo, hi)
        if math.isfinite(bound):
            return Gap(primal, bound - t * t * kz)
    return Gap(primal, -math.inf)
