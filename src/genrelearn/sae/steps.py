"""The three steps of the alternating minimisation, as functions on tensors.

Layout as :mod:`genrelearn.sae.objective`: frames ``X`` ``(N, n)``, codes ``Z`` ``(N, m)``,
dictionary ``D`` ``(n, m)``, encoder ``E`` ``(m, n)``, Laplacian ``L`` ``(N, N)``.

* :func:`sparse_code` (Z-step): with ``D`` (and ``E``, ``L``) fixed, minimises
  ``ld/2 ||X - Z D^T||^2 + lz ||Z||_1 + lg/2 <Z, L Z> + le/2 ||Z - X E^T||^2`` by FISTA with
  soft-thresholding. Without the graph term the problem separates over frames, so it is solved
  on row blocks (about 256K values each on the CPU), one after the other, each with its own
  stopping test (a block stops when *its* objective's relative change falls below ``rtol``;
  since the total is the sum of the blocks' objectives, the whole problem then meets the same
  criterion). Memory is the output plus a handful of block buffers. With the graph term it is
  one block, solved by :func:`~genrelearn.sae.fista.fista_lasso` (about six buffers shaped like
  the codes) or, for large problems, by :func:`~genrelearn.sae.lowmem.fista_lasso_graph_chunked`
  (the codes and one more buffer shaped like them, worked on by column chunks of atoms); see
  ``low_memory``.
* :func:`update_dictionary` (D-step) and :func:`update_encoder` (E-step): FISTA with the
  column-wise projection onto the unit l2 ball, in double precision on the Gram matrices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch

from genrelearn.sae.duality import Gap, code_gap
from genrelearn.sae.fista import GAP_EVERY, Quadratic, fista, fista_lasso, project_columns
from genrelearn.sae.lowmem import fista_lasso_graph_chunked
from genrelearn.sae.objective import (
    CODE_BLOCK_ELEMENTS,
    STEP_RULES,
    GramStats,
    block_rows,
    code_lipschitz,
    code_parts,
    code_quadratic,
    dictionary_quadratic,
    encoder_quadratic,
    factored_is_cheaper,
    gram_stats,
    laplacian_norm,
    row_blocks,
    sym_norm,
    to_torch_csr,
)
from genrelearn.sae.residual import fista_lasso_residual

Tensor = torch.Tensor


LOW_MEMORY_BYTES = 4 << 30
"""Above this estimate of the default graph solver's buffers (seven code-sized tensors),
:func:`sparse_code` switches to the three-buffer solver unless told otherwise."""


@dataclass
class StepResult:
    """Outcome of one step.

    Attributes
    ----------
    x : Tensor
        The updated variable (codes, dictionary or encoder).
    objective : float
        The step's objective at ``x`` (for the code step: the whole energy).
    initial_objective : float
        The step's objective at the starting point.
    n_iter : int
        FISTA iterations (code step: the most over the row blocks).
    n_iter_mean : float
        Code step: iterations averaged over frames (same as ``n_iter`` for the other steps).
    lipschitz : float
        The Lipschitz constant whose inverse was the step size.
    converged : bool
        Whether the stopping rule (``rtol``, or ``gap_tol`` when set; not the iteration cap)
        stopped every solve.
    gap : float
        Code step: the relative duality gap ``(P - bound) / |P|`` of the result, a certified
        bound on its relative distance to the optimum (``nan`` when not computed, e.g. with
        ``lz = 0``). Other steps: ``nan``.
    """

    x: Tensor
    objective: float
    initial_objective: float
    n_iter: int
    n_iter_mean: float
    lipschitz: float
    converged: bool
    gap: float = math.nan


def _tensor(a: Any, like: Tensor | None = None) -> Tensor:
    if isinstance(a, Tensor):
        return a if like is None else a.to(device=like.device, dtype=like.dtype)
    t = torch.as_tensor(np.asarray(a))
    return t if like is None else t.to(device=like.device, dtype=like.dtype)


def sparse_code(
    X: Any,
    D: Any,
    lz: float = 1.0,
    ld: float = 10.0,
    *,
    E: Any = None,
    le: float = 0.0,
    L: Any = None,
    lg: float = 0.0,
    Z0: Any = None,
    out: Tensor | None = None,
    step: str = "tight",
    rtol: float = 1e-5,
    max_iter: int = 500,
    lnorm: float | None = None,
    rows: int | None = None,
    restart: bool = False,
    low_memory: bool | None = None,
    gap_tol: float | None = None,
    min_iter: int = 1,
    gap_every: int = GAP_EVERY,
    factored: bool | None = None,
) -> StepResult:
    """Codes of the frames ``X`` with the dictionary ``D`` fixed (the Z-step).

    Parameters
    ----------
    X : (N, n) tensor or array
        Frames (rows). Tensors keep their device and dtype; arrays become tensors of their dtype
        on the CPU; every other input is moved to ``X``'s device and dtype.
    D : (n, m)
        Dictionary (atoms are columns).
    lz, ld : float
        Weights of ``||Z||_1`` and of ``1/2 ||X - Z D^T||^2``.
    E : (m, n), optional
        Encoder, used when ``le > 0``.
    le : float
        Weight of ``1/2 ||Z - X E^T||^2``.
    L : (N, N) scipy sparse matrix or torch sparse CSR tensor, optional
        Graph Laplacian over the frames, used when ``lg > 0``.
    lg : float
        Weight of ``1/2 <Z, L Z>`` (= ``tr(Z L Z^T)/2`` in the thesis's layout).
    Z0 : (N, m), optional
        Warm start (default zeros). Not modified unless it is ``out``.
    out : (N, m) tensor, optional
        Where to write the codes (may be ``Z0``: the step is then done in place).
    step : {"tight", "thesis"}
        Lipschitz bound (:func:`~genrelearn.sae.objective.code_lipschitz`).
    rtol, max_iter : float, int
        FISTA stopping rule (per row block).
    lnorm : float, optional
        Norm of ``L`` matching ``step`` (computed with
        :func:`~genrelearn.sae.objective.laplacian_norm` when omitted; pass it to reuse it).
    rows : int, optional
        Rows per block when the problem separates (default
        :data:`~genrelearn.sae.objective.CODE_BLOCK_ELEMENTS` values per block: 256K on the CPU,
        16M on a GPU).
    restart : bool
        Monotone FISTA with function-value restart instead of best-iterate FISTA.
    low_memory : bool, optional
        With the graph term: solve by column chunks of atoms with about two code-sized buffers
        instead of seven (:func:`~genrelearn.sae.lowmem.fista_lasso_graph_chunked`; monotone
        FISTA with restart, factored products). Default: when seven buffers would exceed
        :data:`LOW_MEMORY_BYTES`.
    gap_tol : float, optional
        Certified stopping rule: a solve (each row block, or the whole graph problem) stops when
        its relative duality gap (:mod:`genrelearn.sae.duality`) is at most ``gap_tol``; ``rtol``
        then only brings the test forward. ``None``: stop on ``rtol``. The gap of the result is
        computed either way (``StepResult.gap``) when ``lz > 0``.
    min_iter : int
        No stopping test before this many iterations.
    gap_every : int
        Iterations between two gap tests.
    factored : bool, optional
        Gradient as ``(Z D^T - X) D`` instead of ``Z (D^T D)``: same iterates up to rounding,
        and the objective from the residual. Default: when it costs fewer flops
        (:func:`~genrelearn.sae.objective.factored_is_cheaper`, ``m > 2 n``).

    Returns
    -------
    StepResult
        ``x`` is the ``(N, m)`` codes tensor (``out`` when given).
    """
    if step not in STEP_RULES:
        raise ValueError(f"step must be one of {STEP_RULES}, got {step!r}")
    X = _tensor(X).contiguous()
    D = _tensor(D, X)
    N, m = X.shape[0], D.shape[1]
    if D.shape[0] != X.shape[1]:
        raise ValueError(f"D has {D.shape[0]} rows, X has {X.shape[1]} columns")
    le, lg = float(le or 0.0), float(lg or 0.0)
    E = _tensor(E, X) if le else None
    if lg and L is None:
        raise ValueError("L (the Laplacian) is required when lg > 0")
    if lg:
        if lnorm is None:
            if sp.issparse(L):
                lnorm = laplacian_norm(L, step)
            else:
                raise ValueError("lnorm is required when L is a torch tensor")
        if sp.issparse(L):
            L = to_torch_csr(L, X.device, X.dtype)
    else:
        L, lnorm = None, 0.0
    if out is None:
        out = torch.zeros(N, m, device=X.device, dtype=X.dtype)
        if Z0 is not None:
            out.copy_(_tensor(Z0, X))
    elif Z0 is not None and Z0 is not out:
        out.copy_(_tensor(Z0, X))
    lip = code_lipschitz(D, ld, le, lg, lnorm, step)
    if lip <= 0:  # no smooth term: the minimiser of lz ||Z||_1 is 0
        if lz:
            out.zero_()
        return StepResult(out, 0.0, 0.0, 0, 0.0, lip, True)
    if not rows:
        rows = block_rows(m, CODE_BLOCK_ELEMENTS.get(X.device.type, CODE_BLOCK_ELEMENTS["cuda"]))
    if factored is None:
        factored = factored_is_cheaper(X.shape[1], m)
    parts = None if factored else code_parts(D, ld, E, le, X.dtype)
    weights = dict(ld=ld, lz=lz, E=E, le=le, lg=lg)
    if lg and low_memory is None:
        low_memory = 7 * N * m * X.element_size() > LOW_MEMORY_BYTES
    if lg and low_memory:
        r = fista_lasso_graph_chunked(
            X, D, ld, L, lg, lz, out, 1.0 / lip, E=E, le=le, rtol=rtol, max_iter=max_iter,
            min_iter=min_iter, gap_tol=gap_tol, gap_every=gap_every,
        )  # fmt: skip
        gap = r.gap
        if lz and math.isnan(gap):  # computed by the solver only with gap_tol set
            gap = code_gap(X, out, D, L=L, **weights).relative
        return StepResult(out, r.objective, r.initial_objective, r.n_iter, r.n_iter, lip,
                          r.converged, gap)  # fmt: skip
    rows = N if lg else rows
    residual = factored and not lg and not le
    f = f0 = 0.0
    n_max, n_sum, converged = 0, 0, True
    gaps: list[Gap] = []
    for s in row_blocks(N, rows):
        if s.stop <= s.start:
            continue
        Xb, xb = X[s], out[s]
        # the plain lasso in the factored form carries residuals, not gradients (fewer buffers)
        q = None if residual else code_quadratic(Xb, D, ld, E, le, L, lg, parts, factored)
        last: list[Gap] = []

        def block_gap(v: Tensor, gv: Tensor, Xb: Tensor = Xb, last: list[Gap] = last) -> float:
            del gv  # the bound recomputes the residuals it needs
            last[:] = [code_gap(Xb, v, D, L=L, **weights)]
            return last[0].relative

        rule = dict(gap=block_gap if lz else None, gap_tol=gap_tol, gap_every=gap_every)
        if q is None:
            res = fista_lasso_residual(
                Xb, D, ld, lz, xb, 1.0 / lip, rtol, max_iter, restart, min_iter=min_iter, **rule
            )
        else:
            res = fista_lasso(
                q, lz, xb, 1.0 / lip, rtol, max_iter, restart, min_iter=min_iter, **rule
            )
        if res.x is not xb:
            xb.copy_(res.x)
        f += res.objective
        f0 += res.initial_objective
        n_max = max(n_max, res.n_iter)
        n_sum += res.n_iter * (s.stop - s.start)
        converged &= res.converged
        gaps.extend(last)
        del q, res  # free the block's buffers before the next block
    gap = math.nan
    if gaps and lz:
        primal = math.fsum(g.primal for g in gaps)
        gap = math.fsum(g.gap for g in gaps) / abs(primal) if primal else 0.0
    return StepResult(out, f, f0, n_max, n_sum / max(N, 1), lip, converged, gap)


def _ball_step(
    q: Quadratic,
    x0: Tensor,
    lip: float,
    rtol: float,
    max_iter: int,
    restart: bool,
    min_iter: int = 1,
) -> StepResult:
    """FISTA on ``q`` with the columns projected onto the unit ball (the D- and E-steps)."""
    if lip <= 0:  # the quadratic is constant: nothing to do
        v = q.value(x0)
        return StepResult(x0, v, v, 0, 0.0, lip, True)
    res = fista(
        q.grad, lambda v, _step: project_columns(v), x0, 1.0 / lip, rtol, max_iter, q.value,
        restart, min_iter,
    )  # fmt: skip
    return StepResult(
        res.x, res.objective, res.initial_objective, res.n_iter, res.n_iter, lip, res.converged
    )


def update_dictionary(
    stats: GramStats,
    D: Tensor,
    ld: float,
    *,
    step: str = "tight",
    rtol: float = 1e-5,
    max_iter: int = 500,
    restart: bool = False,
    min_iter: int = 1,
) -> StepResult:
    """The D-step: minimise ``ld/2 ||X - Z D^T||^2`` over atoms in the unit ball.

    ``stats`` holds ``Z^T Z``, ``X^T Z`` and ``X^T X`` (:func:`gram_stats`). Runs in double
    precision; the result ``x`` is float64 (cast it back as needed). The step is
    ``1 / (ld ||Z^T Z||)`` with the spectral (``tight``) or Frobenius (``thesis``) norm.
    """
    lip = ld * sym_norm(stats.ZtZ, step)
    return _ball_step(
        dictionary_quadratic(stats, ld), D.double(), lip, rtol, max_iter, restart, min_iter
    )


def update_encoder(
    stats: GramStats,
    E: Tensor,
    le: float,
    *,
    step: str = "tight",
    rtol: float = 1e-5,
    max_iter: int = 500,
    restart: bool = False,
    min_iter: int = 1,
) -> StepResult:
    """The E-step: minimise ``le/2 ||Z - X E^T||^2`` over encoders with columns in the unit ball.

    Same conventions as :func:`update_dictionary`; the step is ``1 / (le ||X^T X||)``.
    """
    lip = le * sym_norm(stats.XtX, step)
    return _ball_step(
        encoder_quadratic(stats, le), E.double(), lip, rtol, max_iter, restart, min_iter
    )


__all__ = [
    "StepResult",
    "gram_stats",
    "sparse_code",
    "update_dictionary",
    "update_encoder",
]
