"""FISTA (Beck & Teboulle, 2009) for the three sub-problems of the structured auto-encoder.

Two implementations share one set of rules:

* :func:`fista` is the textbook solver on callables (``grad``, ``prox``, ``objective``). It
  allocates new tensors each iteration and serves the small dictionary and encoder steps
  (``n x m`` and ``m x n`` variables) and the tests.
* :func:`fista_lasso` is specialised to ``q(x) + lz * ||x||_1`` with a quadratic
  ``q(x) = 1/2 <x, A x> - <b, x> + c`` (:class:`Quadratic`), the sparse-coding step whose variable
  has one row per frame. Because the gradient ``A x - b`` is affine, its value at the
  extrapolated point ``y`` is the same combination (weights summing to 1) of the gradients at
  ``x_t`` and ``x_{t-1}`` as ``y`` is of the iterates, so each iteration applies ``A`` **once**
  (to the new iterate) and still knows both the gradient at ``y`` and the objective at
  ``x_{t+1}``; all updates are in place on a fixed set of buffers.

Shared rules
------------
* Momentum ``t_1 = 1``, ``t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2``, extrapolation
  ``y = x_{k+1} + (t_k - 1) / t_{k+1} * (x_{k+1} - x_k)``, restarted at every call (the solve is
  warm-started from ``x0`` only), as pyunlocbox's ``acceleration.fista``.
* Stopping as pyunlocbox's ``solve(rtol=...)``: after iteration ``t`` when
  ``|f_t - f_{t-1}| / |f_t| < rtol`` (``f_0`` is the objective at ``x0``), or after ``max_iter``.
* **Monotone result.** FISTA's objective is not monotone. Both solvers return the best iterate
  seen, ``x0`` included, so a solve never increases its objective; the alternating scheme built
  on it therefore never increases the total energy. :func:`fista_lasso` keeps no copy while the
  objective decreases: it copies the previous iterate only when an iteration fails to improve on
  it (so the extra buffer usually stays unallocated).
* ``restart=True`` switches to a monotone variant with function-value restart (O'Donoghue &
  Candes, 2015): an iterate that increases the objective is rejected and the momentum restarts
  from the current point (a plain proximal-gradient step, which cannot increase the objective
  with ``step <= 1/Lipschitz``); two rejections in a row end the solve.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

Tensor = torch.Tensor

_BLOCK = 1 << 22  # elements per partial sum in :func:`dot` and :func:`l1_norm`


@dataclass
class FistaResult:
    """Outcome of a FISTA solve.

    Attributes
    ----------
    x : Tensor
        The best iterate seen (``x0`` included).
    objective : float
        Its objective.
    initial_objective : float
        The objective at ``x0``.
    n_iter : int
        Iterations run.
    converged : bool
        ``True`` when the relative-change criterion stopped the solve (not ``max_iter``).
    objectives : list of float
        The objective of every iterate ``x_1, x_2, ...`` (rejected ones included).
    gap : float
        Relative duality gap ``(P - bound) / |P|`` at the last iterate whose gap was computed
        (the returned iterate's objective is at most that iterate's, so the bound holds for it
        too); ``nan`` when no gap was computed.
    """

    x: Tensor
    objective: float
    initial_objective: float
    n_iter: int
    converged: bool
    objectives: list[float] = field(default_factory=list)
    gap: float = math.nan


@dataclass
class Quadratic:
    """The quadratic ``q(x) = 1/2 <x, A x> - <b, x> + const`` with ``A`` symmetric PSD.

    ``apply(v, out)`` writes ``A v`` into ``out`` (a tensor shaped like ``v``) and returns it.
    ``gradient(v, out)``, when given, writes ``A v - b`` into ``out`` in one pass (e.g. a GEMM
    with ``-b`` as its accumulator); by default it is ``apply`` followed by a subtraction.
    ``objective(v, gv)``, when given, returns ``q(v)`` right after ``gradient`` was evaluated at
    ``v`` (``gv``), e.g. from a residual that evaluation kept; by default ``q(v)`` is computed by
    expansion from ``b`` and ``const``.
    """

    apply: Callable[[Tensor, Tensor], Tensor]
    b: Tensor
    const: float
    gradient: Callable[[Tensor, Tensor], Tensor] | None = None
    objective: Callable[[Tensor, Tensor], float] | None = None

    def matvec(self, v: Tensor) -> Tensor:
        """``A v`` in a new tensor."""
        return self.apply(v, torch.empty_like(v))

    def grad(self, v: Tensor, out: Tensor | None = None) -> Tensor:
        """The gradient ``A v - b`` (into ``out`` when given)."""
        out = torch.empty_like(v) if out is None else out
        if self.gradient is not None:
            return self.gradient(v, out)
        return self.apply(v, out).sub_(self.b)

    def value(self, v: Tensor, gv: Tensor | None = None) -> float:
        """``q(v)``; pass ``gv = A v - b`` if it was just evaluated at ``v``.

        By ``objective`` when given, else as ``1/2 <v, A v - b> - 1/2 <b, v> + const``.
        """
        if gv is None:
            gv = self.grad(v)
        if self.objective is not None:
            return self.objective(v, gv)
        return 0.5 * (dot(v, gv) - dot(self.b, v)) + self.const


def dot(a: Tensor, b: Tensor) -> float:
    """``<a, b>`` as a Python float, summed in blocks of 4M elements then in double precision."""
    a, b = a.reshape(-1), b.reshape(-1)
    if a.numel() <= _BLOCK:
        return float(torch.dot(a, b))
    return math.fsum(
        float(torch.dot(a[i : i + _BLOCK], b[i : i + _BLOCK])) for i in range(0, a.numel(), _BLOCK)
    )


def l1_norm(x: Tensor, work: Tensor | None = None) -> float:
    """``||x||_1`` as a Python float; ``work`` (shaped like ``x``) avoids a temporary."""
    if work is not None:
        return float(torch.abs(x, out=work).sum(dtype=work.dtype))
    flat = x.reshape(-1)
    return math.fsum(
        float(flat[i : i + _BLOCK].abs().sum()) for i in range(0, flat.numel(), _BLOCK)
    )


def soft_threshold(v: Tensor, threshold: float) -> Tensor:
    """``sign(v) * max(|v| - threshold, 0)`` in a new tensor (the prox of ``threshold*||.||_1``)."""
    return torch.nn.functional.softshrink(v, threshold) if threshold else v.clone()


def soft_threshold_(v: Tensor, threshold: float) -> Tensor:
    """In-place :func:`soft_threshold` (one pass over ``v``); returns ``v``."""
    if threshold:
        torch.ops.aten.softshrink.out(v, threshold, out=v)
    return v


def project_columns(v: Tensor, sphere: bool = False) -> Tensor:
    """Columns of ``v`` projected onto the unit l2 ball, ``v_j / max(1, ||v_j||)`` (new tensor).

    With ``sphere=True`` every non-zero column is scaled to unit norm instead.
    """
    norms = torch.linalg.vector_norm(v, dim=0, keepdim=True)
    if sphere:
        return v / torch.where(norms > 0, norms, torch.ones_like(norms))
    return v / norms.clamp(min=1.0)


def _momentum(t: float) -> tuple[float, float]:
    t_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
    return t_next, (t - 1.0) / t_next


def _relative_change(f_new: float, f_old: float) -> float:
    if f_new == f_old:
        return 0.0
    return abs(f_new - f_old) / abs(f_new) if f_new != 0 else math.inf


def _check(step: float, rtol: float, max_iter: int, min_iter: int = 1) -> None:
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"step must be positive and finite, got {step}")
    if not rtol >= 0:
        raise ValueError(f"rtol must be >= 0, got {rtol}")
    if max_iter < 0:
        raise ValueError(f"max_iter must be >= 0, got {max_iter}")
    if min_iter < 1:
        raise ValueError(f"min_iter must be >= 1, got {min_iter}")


GAP_EVERY = 20
"""Iterations between two duality-gap tests (a test costs a few iterations)."""


class GapRule:
    """When to test the duality gap, and whether it stops the solve.

    With ``gap_tol`` set, a solve stops only when its relative duality gap is at most
    ``gap_tol`` (``rtol`` then only brings a test forward); the gap is tested once ``min_iter``
    iterations have run, every ``every`` iterations, and when the relative objective change
    falls below ``rtol`` (at most every ``every // 4`` iterations). Without ``gap_tol`` the
    solve stops on ``rtol`` once ``min_iter`` iterations have run, as pyunlocbox's.
    """

    def __init__(
        self,
        gap: Callable[[Tensor, Tensor], float] | None,
        gap_tol: float | None,
        rtol: float,
        min_iter: int,
        every: int = GAP_EVERY,
    ):
        if gap_tol is not None and not gap_tol >= 0:
            raise ValueError(f"gap_tol must be >= 0 or None, got {gap_tol}")
        if gap_tol is not None and gap is None:
            raise ValueError("gap_tol needs a duality gap (gap=...)")
        self.gap, self.gap_tol, self.rtol, self.min_iter = gap, gap_tol, rtol, min_iter
        self.every, self.last, self.value = max(1, every), 0, math.nan

    def stop(self, k: int, rel: float, x: Tensor, gx: Tensor) -> bool:
        """Whether iteration ``k`` (iterate ``x``, gradient ``gx``) ends the solve."""
        if k < self.min_iter:
            return False
        if self.gap_tol is None:
            return rel < self.rtol
        since = k - self.last
        if since >= self.every or (rel < self.rtol and since >= max(1, self.every // 4)):
            self.last, self.value = k, self.gap(x, gx)
            return self.value <= self.gap_tol
        return False

    def final(self, k: int, x: Tensor, gx: Tensor) -> float:
        """The relative gap at the end of the solve (computed unless iteration ``k`` had it)."""
        if self.gap is not None and (self.last != k or math.isnan(self.value)):
            self.last, self.value = k, self.gap(x, gx)
        return self.value


def fista(
    grad: Callable[[Tensor], Tensor],
    prox: Callable[[Tensor, float], Tensor],
    x0: Tensor,
    step: float,
    rtol: float = 1e-5,
    max_iter: int = 500,
    objective: Callable[[Tensor], float] | None = None,
    restart: bool = False,
    min_iter: int = 1,
) -> FistaResult:
    """Minimise ``s(x) + g(x)`` with FISTA: ``s`` smooth (``grad``), ``g`` simple (``prox``).

    Parameters
    ----------
    grad : callable
        ``grad(x)``: the gradient of ``s`` (a new tensor).
    prox : callable
        ``prox(v, step)``: ``argmin_x g(x) + ||x - v||^2 / (2 step)`` (a new tensor).
    x0 : Tensor
        Starting point (not modified).
    step : float
        Step size, at most ``1 / Lipschitz(grad)`` for the convergence guarantee.
    rtol : float
        Relative objective change below which the solve stops.
    max_iter : int
        Iteration cap.
    objective : callable, optional
        ``objective(x) -> float`` = ``s(x) + g(x)``. Without it the criterion uses the relative
        change of ``||x||`` instead and the best-iterate rule is off (the last iterate is kept).
    restart : bool
        Monotone variant with function-value restart (module docstring).
    min_iter : int
        No stopping test before this many iterations.

    Returns
    -------
    FistaResult
    """
    _check(step, rtol, max_iter, min_iter)

    def value(x: Tensor) -> float:
        return float(objective(x)) if objective is not None else float(torch.linalg.norm(x))

    x = x0.clone()
    f = f0 = value(x)
    best, f_best = x, f
    y, t = x, 1.0
    n_iter, converged, rejected, fs = 0, False, 0, []
    for k in range(1, max_iter + 1):
        n_iter = k
        x_new = prox(y - step * grad(y), step)
        f_new = value(x_new)
        fs.append(f_new)
        if restart and objective is not None and f_new > f:
            rejected += 1
            if rejected >= 2:
                break
            y, t = x, 1.0
            continue
        rejected = 0
        if objective is None or f_new <= f_best:
            best, f_best = x_new, f_new
        rel = _relative_change(f_new, f)
        t, beta = _momentum(t)
        y = x_new + beta * (x_new - x)
        x, f = x_new, f_new
        if rel < rtol and k >= min_iter:
            converged = True
            break
    if objective is None:
        f_best = f0 = math.nan
    return FistaResult(best, f_best, f0, n_iter, converged, fs)


def fista_lasso(
    q: Quadratic,
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
    """Minimise ``q(x) + lz * ||x||_1`` with FISTA, applying ``A`` once per iteration.

    Parameters
    ----------
    q : Quadratic
        The smooth part.
    lz : float
        Weight of the l1 norm (``0`` for none).
    x : Tensor
        Starting point, **used as a work buffer** (its content is overwritten; the result may or
        may not live in it: use ``result.x``). Must be contiguous.
    step, rtol, max_iter, restart
        As :func:`fista`.
    min_iter : int
        No stopping test before this many iterations (so that a warm start still moves).
    gap : callable, optional
        ``gap(v, gv)``: the relative duality gap at ``v`` whose gradient is ``gv`` (e.g.
        :func:`genrelearn.sae.duality.code_gap`). Computed at the end of the solve for the
        result, and during it when ``gap_tol`` is set.
    gap_tol : float, optional
        Stop when the relative duality gap is at most this (:class:`GapRule`); ``None``: stop on
        ``rtol``.
    gap_every : int
        Iterations between two gap tests.

    Returns
    -------
    FistaResult
        ``result.x`` is one of the solver's buffers (``x`` itself or a new tensor).

    Notes
    -----
    The solver keeps the gradients ``g = A x - b`` of the iterate and of the extrapolated point
    (both affine in the point, so the extrapolation carries over to them). One iteration is: a
    gradient step and an in-place soft-thresholding on ``y``, one ``A`` product (``q.gradient``),
    three reductions for the objective and two in-place extrapolations. Memory: five buffers
    shaped like ``x`` (``x``, ``g_x``, ``y``, ``g_y`` and one work buffer for ``|x|``), plus a
    sixth only if an iteration ever fails to improve on the best objective.
    """
    _check(step, rtol, max_iter, min_iter)
    rule = GapRule(gap, gap_tol, rtol, min_iter, gap_every)
    tau = step * lz
    work = torch.empty_like(x)

    def value(v: Tensor, gv: Tensor) -> float:
        f = q.value(v, gv)
        return f + lz * l1_norm(v, work) if lz else f

    gx = q.grad(x)
    f = f0 = value(x, gx)
    y, gy = x.clone(), gx.clone()
    best: Tensor | None = None  # copy of the best iterate, made only when needed
    best_is_x, f_best = True, f
    t, n_iter, converged, rejected, fs = 1.0, 0, False, 0, []
    for k in range(1, max_iter + 1):
        n_iter = k
        # y <- prox(y - step * (A y - b)): the new iterate, in y's buffer.
        soft_threshold_(y.add_(gy, alpha=-step), tau)
        q.grad(y, gy)
        f_new = value(y, gy)
        fs.append(f_new)
        if restart and f_new > f:
            rejected += 1
            if rejected >= 2:
                break
            y.copy_(x)
            gy.copy_(gx)
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
        if rule.stop(k, rel, y, gy):
            x, gx = y, gy
            converged = True
            break
        # Next extrapolated point, in x's buffer: y' = x_new + beta (x_new - x); same for g.
        t, beta = _momentum(t)
        x.mul_(-beta).add_(y, alpha=1.0 + beta)
        gx.mul_(-beta).add_(gy, alpha=1.0 + beta)
        x, y, gx, gy = y, x, gy, gx
    out = x if best_is_x else best
    assert out is not None
    # x is the last accepted iterate (also after a restart or the iteration cap), gx its gradient.
    relative_gap = rule.final(n_iter, x, gx) if gap is not None else math.nan
    return FistaResult(out, f_best, f0, n_iter, converged, fs, relative_gap)
