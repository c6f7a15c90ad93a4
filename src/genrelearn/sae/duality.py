"""A duality gap for the code step: a certified bound on its distance to the optimum.

The code step minimises, over the codes ``Z`` (``N x m``, one row per frame),

    P(Z) = ld/2 ||X - Z D^T||^2 + le/2 ||Z - X E^T||^2 + k(Z) + lz ||Z||_1,
    k(Z) = lg/2 <Z, L Z>            (L symmetric PSD, the graph Laplacian).

Write the explicit quadratics as ``f(K Z)`` with ``K Z = (Z D^T, Z)`` and
``f(R1, R2) = ld/2 ||X - R1||^2 + le/2 ||R2 - X E^T||^2``. For any dual point ``theta`` and any
linearisation point ``W`` of the convex ``k``, Fenchel-Young and convexity give, for every ``Z``,

    P(Z) >= -f*(theta) - k(W) + <K^T theta + grad k(W), Z> + lz ||Z||_1
         >= -f*(theta) - k(W)        whenever |K^T theta + grad k(W)| <= lz element-wise,

(``<grad k(W), W> = 2 k(W)`` since ``k`` is a homogeneous quadratic) so the right-hand side is a
lower bound on the optimum ``P*``, and ``P(Z) - bound`` bounds ``P(Z) - P*``. The dual point is
built from the current codes: row ``i`` of ``theta`` is ``s_i`` times the gradient of ``f`` at
``K Z`` (``ld R_i`` and ``le R2_i``, with the residuals ``R = Z D^T - X`` and
``R2 = Z - X E^T``), and ``W = t Z`` with one ``t`` in ``[0, 1]``. Then, with
``u_i = ld R_i D + le R2_i`` (the gradient of the explicit part) and ``v = lg L Z``:

* the constraint of row ``i`` is ``|s_i u_ij + t v_ij| <= lz`` for every ``j``: an interval of
  ``s_i`` (:func:`update_row_interval`);
* the bound is ``sum_i (-s_i a_i - s_i^2 b_i / 2) - t^2 k(Z)`` with
  ``a_i = ld <R_i, X_i> + le <R2_i, (X E^T)_i>`` and ``b_i = ld ||R_i||^2 + le ||R2_i||^2``,
  maximised row by row over the interval (:func:`row_bound`).

Without the graph (``lg = 0``) ``t`` plays no part and the rows are independent. With it, the
feasible ``t`` form an interval ``[0, t_max]`` (the constraints are convex in ``(s, t)`` and hold at
the origin); ``t = 1`` is tried first, then ``lz / max |u + v|``, which is always feasible
(:func:`graph_scale`) and tends to 1 as the codes converge. At the optimum
``s_i = t = 1`` is feasible and the gap is zero, so the gap goes to zero as the codes converge.
With ``lz = 0`` the constraint forces the exact optimum and the bound is useless: the gap is then
reported as ``nan`` and does not stop a solve.

The arithmetic of the bound (the intervals, the per-row reductions) runs in double precision, so
the gap is exact up to the rounding of the float32 products it starts from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

Tensor = torch.Tensor

KEEP_ELEMENTS = 1 << 24
"""Up to this many code entries, :func:`code_gap` keeps the gradients of its first pass."""


@dataclass
class Gap:
    """A primal value and a certified lower bound on the optimum.

    Attributes
    ----------
    primal : float
        ``P(Z)``, computed from the residuals (not by expanding the squares).
    dual : float
        A lower bound on the optimum ``P*`` (``-inf`` when none was found).
    """

    primal: float
    dual: float

    @property
    def gap(self) -> float:
        """``primal - dual`` (``>= P(Z) - P*``)."""
        return self.primal - self.dual

    @property
    def relative(self) -> float:
        """``gap / |primal|`` (``nan`` without a bound)."""
        if not math.isfinite(self.dual):
            return math.nan
        return self.gap / abs(self.primal) if self.primal else 0.0


def empty_interval(n_rows: int, device: torch.device | str) -> tuple[Tensor, Tensor]:
    """``(lo, hi) = (-inf, +inf)`` for ``n_rows`` rows, in double precision."""
    f64 = dict(device=device, dtype=torch.float64)
    return torch.full((n_rows,), -math.inf, **f64), torch.full((n_rows,), math.inf, **f64)


def update_row_interval(
    u: Tensor, v: Tensor | None, t: float, lz: float, lo: Tensor, hi: Tensor
) -> None:
    """Intersect, row by row, ``[lo, hi]`` with the ``s`` such that ``|s u + t v| <= lz``.

    Parameters
    ----------
    u : (rows, cols) Tensor
        Gradient of the explicit quadratics at the codes (some or all columns of it).
    v : (rows, cols) Tensor or None
        The graph term's gradient ``lg L Z`` on the same entries (``None``: no graph).
    t : float
        Scale of the graph term's linearisation point.
    lz : float
        Weight of the l1 norm (``> 0``).
    lo, hi : (rows,) float64 Tensor
        The interval so far, updated in place (columns can be visited in any number of chunks).
    """
    if v is None or t == 0:  # |s| max_j |u_ij| <= lz: a symmetric interval, one pass
        peak = u.abs().amax(dim=1).double()
        half = torch.where(peak > 0, lz / torch.where(peak > 0, peak, 1.0), math.inf)
        torch.maximum(lo, -half, out=lo)
        torch.minimum(hi, half, out=hi)
        return
    # With w = t v: s in [(-lz - w') / |u|, (lz - w') / |u|], w' = w sign(u), sign(0) = +1 (so
    # that |w| > lz still empties the interval of a zero u through an infinite bound). In
    # float64 exactly; in a narrower dtype in that dtype (half the passes' bytes, no
    # conversions) against an lz shrunk by rounding_margin, so that the interval stays inside
    # the exact one despite the rounding of the few operations below.
    if u.dtype == torch.float64 or v.dtype == torch.float64:
        u, v, bound = u.double(), v.double(), lz
    else:
        bound = lz * (1.0 - rounding_margin(u.dtype))
    au = u.abs()  # new tensors: u and v may be kept by the caller
    w = torch.where(u < 0, v, v.neg()).mul_(-t)  # = t v sign(u)
    low = torch.sub(-bound, w).div_(au).nan_to_num_(nan=-math.inf)
    high = w.neg_().add_(bound).div_(au).nan_to_num_(nan=math.inf)
    torch.maximum(lo, low.amax(dim=1).double(), out=lo)
    torch.minimum(hi, high.amin(dim=1).double(), out=hi)


def rounding_margin(dtype: torch.dtype) -> float:
    """Relative shrink of ``lz`` that covers the rounding of the constraint arithmetic.

    ``0`` in float64 (where it is done exactly enough); otherwise 16 units of ``dtype``'s
    rounding: the interval bounds and the peak ``max |u + v|`` come from two or three
    correctly rounded operations on ``u`` and ``v``.
    """
    return 0.0 if dtype == torch.float64 else 16 * torch.finfo(dtype).eps


def row_bound(a: Tensor, b: Tensor, lo: Tensor, hi: Tensor) -> float:
    """``sum_i max_{s in [lo_i, hi_i]} (-s a_i - s^2 b_i / 2)``; ``-inf`` if an interval is empty.

    ``a`` and ``b`` are the per-row reductions of the module docstring (``b_i >= 0``; ``b_i = 0``
    implies ``a_i = 0``).
    """
    if bool((lo > hi).any()):
        return -math.inf
    a, b = a.double(), b.double()
    positive = b > 0
    s = torch.where(positive, -a / torch.where(positive, b, torch.ones_like(b)), 0.0)
    s = torch.minimum(torch.maximum(s, lo), hi)
    s = torch.where(positive, s, 0.0)  # b_i = 0: the row's term is 0 for any feasible s
    s = torch.where(torch.isfinite(s), s, 0.0)
    return float((-s * a - 0.5 * s * s * b).sum())


def gradient_peak(u: Tensor, v: Tensor | None) -> float:
    """``max |u + v|`` over the entries (``0`` when there are none), rounded upwards.

    Computed in the dtype of ``u`` and ``v``; in a narrower one than float64 it is enlarged by
    :func:`rounding_margin` so that it is not below the exact maximum.
    """
    if not u.numel():
        return 0.0
    w = u.abs() if v is None else torch.add(u, v).abs_()
    return float(w.amax()) * (1.0 + rounding_margin(w.dtype))


def graph_scale(peak: float, lz: float, dtype: torch.dtype = torch.float64) -> float:
    """The graph scale tried after ``t = 1``: ``t0 = lz / peak``, always feasible.

    ``peak`` is ``max |u + v|`` (:func:`gradient_peak` at ``t = 1``). With ``s_i = t`` for every
    row the constraints read ``t |u + v| <= lz``, so ``t0`` is feasible (taken a relative 1e-12
    smaller against rounding, and four :func:`rounding_margin` of ``dtype``, the gradients'
    dtype, smaller than the shrunk ``lz`` of :func:`update_row_interval`). Near the optimum
    ``peak`` is ``lz`` up to rounding and ``t0`` is 1 up to rounding, so the gap goes to zero
    with the codes' error whenever rounding makes ``t = 1`` infeasible.
    """
    shrink = (1.0 - 1e-12) * (1.0 - 4 * rounding_margin(dtype))
    return min(1.0, lz / peak) * shrink if peak > 0 else 1.0


def residual_reductions(
    X: Tensor,
    Z: Tensor,
    D: Tensor,
    ld: float,
    E: Tensor | None = None,
    le: float = 0.0,
) -> tuple[Tensor, Tensor, Tensor]:
    """``a``, ``b`` (per row, float64) and ``u = ld R D + le R2`` for a block of rows.

    ``R = Z D^T - X`` and ``R2 = Z - X E^T`` (module docstring). ``u`` is a new tensor in the
    codes' dtype.
    """
    R = torch.addmm(X, Z, D.T, beta=-1.0)
    a = (R * X).sum(dim=1, dtype=torch.float64).mul_(ld)  # float32 products, float64 sums
    b = R.square().sum(dim=1, dtype=torch.float64).mul_(ld)
    u = torch.mm(R, D).mul_(ld)
    if le:
        XE = X @ E.T
        R2 = Z - XE
        a += le * (R2 * XE).sum(dim=1, dtype=torch.float64)
        b += le * R2.square().sum(dim=1, dtype=torch.float64)
        u.add_(R2, alpha=le)
    return a, b, u


def code_gap(
    X: Tensor,
    Z: Tensor,
    D: Tensor,
    *,
    ld: float,
    lz: float,
    E: Tensor | None = None,
    le: float = 0.0,
    L: Tensor | None = None,
    lg: float = 0.0,
    rows: int = 1 << 14,
) -> Gap:
    """The code step's objective at ``Z`` and a certified lower bound on its optimum.

    Parameters
    ----------
    X : (N, n) Tensor
        Frames.
    Z : (N, m) Tensor
        Codes (any point: the bound holds for every ``Z``, and is tight at the optimum).
    D : (n, m) Tensor
        Dictionary.
    ld, lz, le, lg : float
        Weights of the terms.
    E : (m, n) Tensor, optional
        Encoder (used when ``le > 0``).
    L : (N, N) torch sparse CSR Tensor, optional
        Laplacian (used when ``lg > 0``).
    rows : int
        Rows per block. Memory: a few ``rows x m`` temporaries and four floats per row; nothing
        shaped like ``Z``. Each trial of the graph scale ``t`` is one more pass over the blocks
        (two GEMMs and a sparse product each), and ``t = 1`` is usually feasible.

    Returns
    -------
    Gap
    """
    from genrelearn.sae.objective import csr_rows, row_blocks

    N = X.shape[0]
    graph = bool(lg) and L is not None
    blocks = [s for s in row_blocks(N, rows) if s.stop > s.start]
    f64 = dict(device=X.device, dtype=torch.float64)
    a, b = torch.zeros(N, **f64), torch.zeros(N, **f64)
    lo, hi = empty_interval(N, X.device)
    kz_parts, l1_parts = [], []
    peak = 0.0  # max |u + v|: the graph scale lz / peak is feasible with s_i = t for every row

    def graph_gradient(s: slice) -> Tensor | None:
        if not graph:
            return None
        Lb = L if len(blocks) == 1 else csr_rows(L, s.start, s.stop)
        return torch.sparse.mm(Lb, Z).mul_(lg)

    # First pass: the primal and, with t = 1, the intervals. The gradients are kept for a second
    # scale when they are small (the default graph solver's sizes), else recomputed.
    keep = graph and N * Z.shape[1] <= KEEP_ELEMENTS
    kept: list[tuple[Tensor, Tensor | None]] = []
    for s in blocks:
        a[s], b[s], u = residual_reductions(X[s], Z[s], D, ld, E, le)
        v = graph_gradient(s)
        if graph:
            kz_parts.append(0.5 * float((Z[s] * v).sum(dtype=torch.float64)))
        l1_parts.append(float(Z[s].abs().sum(dtype=torch.float64)) if lz else 0.0)
        if lz:
            update_row_interval(u, v, 1.0, lz, lo[s], hi[s])
            if graph:
                peak = max(peak, gradient_peak(u, v))
        if keep:
            kept.append((u, v))
        del u, v
    kz = math.fsum(kz_parts)
    primal = 0.5 * float(b.sum()) + kz + lz * math.fsum(l1_parts)
    if not lz:
        return Gap(primal, -math.inf)
    bound = row_bound(a, b, lo, hi)
    if math.isfinite(bound) or not graph:
        return Gap(primal, bound - kz)
    # t = 1 is infeasible: the largest scale known to be feasible, lz / max |u + v|, which is 1 up
    # to the codes' error near the optimum (one more pass; a finer search would cost one each).
    t = graph_scale(peak, lz, Z.dtype)
    lo, hi = empty_interval(N, X.device)
    for i, s in enumerate(blocks):
        if keep:
            u, v = kept[i]
        else:
            u, v = residual_reductions(X[s], Z[s], D, ld, E, le)[2], graph_gradient(s)
        update_row_interval(u, v, t, lz, lo[s], hi[s])
    bound = row_bound(a, b, lo, hi)
    return Gap(primal, bound - t * t * kz if math.isfinite(bound) else -math.inf)
