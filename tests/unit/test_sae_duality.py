"""The code step's duality gap, its certified stopping rule, and the factored gradient.

Everything here runs in float64, so the comparisons are exact up to float64 rounding of sums of
a few thousand terms: a tolerance of ``1e-9`` relative leaves six orders of magnitude of margin
over it and is far below the gaps and distances being compared.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.linear_model import LassoLars

from genrelearn.sae.duality import code_gap
from genrelearn.sae.fista import fista_lasso
from genrelearn.sae.objective import code_quadratic, energy_terms, gram_stats, to_torch_csr
from genrelearn.sae.steps import sparse_code, update_dictionary

F64_SLACK = 1e-9  # relative: float64 rounding of the energies' sums, with a wide margin

N, n, m = 120, 12, 40
LD, LZ = 10.0, 1.0


def _problem(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, sp.csr_matrix]:
    """Non-negative frames, a unit-norm dictionary, an encoder and a normalised kNN Laplacian."""
    rng = np.random.default_rng(seed)
    X = torch.from_numpy(rng.random((N, n)))
    D = torch.from_numpy(rng.random((n, m)))
    D /= D.norm(dim=0)
    E = torch.from_numpy(rng.random((m, n)) * 0.1)
    dist = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1).numpy()
    nearest = np.argsort(dist, axis=1)[:, 1:6]
    W = sp.csr_matrix((np.ones(nearest.size), (np.repeat(np.arange(N), 5), nearest.ravel())))
    W = W.maximum(W.T)
    d = np.asarray(W.sum(axis=1)).ravel()
    L = sp.eye(N) - sp.diags(d**-0.5) @ W @ sp.diags(d**-0.5)
    return X, D, E, sp.csr_matrix(L)


def _energy(X, Z, D, E, le, L, lg) -> float:
    Lt = to_torch_csr(L, "cpu", torch.float64) if lg else None
    return energy_terms(X, Z, D, ld=LD, lz=LZ, E=E, le=le, L=Lt, lg=lg)["objective"]


def _gap(X, Z, D, E, le, L, lg):
    Lt = to_torch_csr(L, "cpu", torch.float64) if lg else None
    return code_gap(X, Z, D, ld=LD, lz=LZ, E=E, le=le, L=Lt, lg=lg)


def test_gap_of_the_lasso_bounds_the_distance_to_lars():
    """Without graph or encoder every frame is a lasso: LARS gives its exact optimum."""
    X, D, _, _ = _problem()
    # ld/2 |x - D z|^2 + lz |z|_1  =  ld n * (1/(2n) |x - D z|^2 + lz/(ld n) |z|_1)
    lars = LassoLars(alpha=LZ / (LD * n), fit_intercept=False, max_iter=10_000)
    Z_star = torch.from_numpy(np.stack([lars.fit(D.numpy(), x).coef_ for x in X.numpy()]))
    f_star = _energy(X, Z_star, D, None, 0.0, None, 0.0)
    assert _gap(X, Z_star, D, None, 0.0, None, 0.0).relative < 1e-8
    for n_iter in (1, 5, 20, 80, 300):
        Z = sparse_code(X, D, LZ, LD, rtol=0.0, max_iter=n_iter).x
        g = _gap(X, Z, D, None, 0.0, None, 0.0)
        assert g.primal == pytest.approx(_energy(X, Z, D, None, 0.0, None, 0.0), rel=F64_SLACK)
        assert g.dual <= f_star * (1 + F64_SLACK)
        assert g.primal - f_star <= g.gap * (1 + F64_SLACK) + F64_SLACK * f_star


@pytest.mark.parametrize("lg, le", [(0.0, 2.0), (5.0, 0.0), (5.0, 2.0)])
def test_gap_bounds_the_distance_to_a_long_reference_solve(lg, le):
    X, D, E, L = _problem(1)
    kw = dict(E=E, le=le, L=L if lg else None, lg=lg)
    ref = sparse_code(X, D, LZ, LD, rtol=0.0, max_iter=20_000, gap_tol=1e-10, gap_every=250, **kw).x
    f_ref = _energy(X, ref, D, E, le, L, lg)
    # The reference certifies itself: its own gap is tiny, so f_ref is within it of P*.
    ref_gap = _gap(X, ref, D, E, le, L, lg)
    assert ref_gap.relative < 1e-8
    gaps = []
    for n_iter in (1, 10, 50, 200):
        Z = sparse_code(X, D, LZ, LD, rtol=0.0, max_iter=n_iter, **kw).x
        g = _gap(X, Z, D, E, le, L, lg)
        assert g.primal == pytest.approx(_energy(X, Z, D, E, le, L, lg), rel=F64_SLACK)
        # P(Z) - P* <= gap, and P* >= f_ref - ref_gap.gap
        assert g.primal - (f_ref - ref_gap.gap) <= g.gap * (1 + F64_SLACK) + F64_SLACK * f_ref
        assert g.dual <= f_ref * (1 + F64_SLACK)
        gaps.append(g.gap)
    assert gaps[-1] < gaps[0]


@pytest.mark.parametrize("lg", [0.0, 5.0])
@pytest.mark.parametrize("gap_tol", [1e-2, 1e-4])
def test_gap_tol_stops_within_the_stated_distance(lg, gap_tol):
    X, D, _, L = _problem(2)
    kw = dict(L=L if lg else None, lg=lg)
    ref = sparse_code(X, D, LZ, LD, rtol=0.0, max_iter=20_000, gap_tol=1e-10, gap_every=250, **kw).x
    f_ref = _energy(X, ref, D, None, 0.0, L, lg)
    res = sparse_code(X, D, LZ, LD, rtol=1e-3, max_iter=20_000, gap_tol=gap_tol, **kw)
    assert res.converged
    assert res.gap <= gap_tol
    f = _energy(X, res.x, D, None, 0.0, L, lg)
    assert (f - f_ref) / f <= gap_tol * (1 + F64_SLACK) + F64_SLACK
    # rtol alone (1e-3 here) stops much earlier and certifies nothing like it
    loose = sparse_code(X, D, LZ, LD, rtol=1e-3, max_iter=20_000, **kw)
    assert loose.n_iter_mean < res.n_iter_mean
    assert math.isfinite(loose.gap) and loose.gap > 0


@pytest.mark.parametrize("lg, le", [(0.0, 0.0), (0.0, 2.0), (5.0, 0.0), (5.0, 2.0)])
def test_factored_gradient_gives_the_gram_iterates(lg, le):
    X, D, E, L = _problem(3)
    kw = dict(E=E, le=le, L=L if lg else None, lg=lg, rtol=0.0, max_iter=60)
    gram = sparse_code(X, D, LZ, LD, factored=False, **kw)
    fact = sparse_code(X, D, LZ, LD, factored=True, **kw)
    scale = float(gram.x.abs().max())
    assert float((gram.x - fact.x).abs().max()) <= 1e-10 * scale
    assert fact.objective == pytest.approx(gram.objective, rel=1e-10)
    assert fact.objective == pytest.approx(_energy(X, fact.x, D, E, le, L, lg), rel=F64_SLACK)


def test_factored_objective_is_computed_from_the_residual():
    """In float32 the factored value keeps the digits the expansion loses to ld/2 |X|^2."""
    X, D, _, _ = _problem(4)
    Z = sparse_code(X, D, LZ, LD, rtol=0.0, max_iter=200).x
    exact = _energy(X, Z, D, None, 0.0, None, 0.0) - LZ * float(Z.abs().sum())
    X32, D32, Z32 = X.float(), D.float(), Z.float()
    errors = {}
    for factored in (False, True):
        q = code_quadratic(X32, D32, LD, factored=factored)
        errors[factored] = abs(q.value(Z32, q.grad(Z32)) - exact)
    # float32 rounding of the residual's squares: a few units of 2^-24 of the value itself
    assert errors[True] <= 64 * 2.0**-24 * exact
    assert errors[True] <= errors[False]


def test_min_iter_keeps_a_warm_start_moving():
    X, D, _, _ = _problem(5)
    Z = sparse_code(X, D, LZ, LD, rtol=1e-3, max_iter=500).x
    again = sparse_code(X, D, LZ, LD, Z0=Z, rtol=1e-3, max_iter=500, rows=N)
    kept = sparse_code(X, D, LZ, LD, Z0=Z, rtol=1e-3, max_iter=500, rows=N, min_iter=7)
    assert again.n_iter < 7
    assert kept.n_iter >= 7
    assert kept.objective <= again.objective * (1 + F64_SLACK)
    stats = gram_stats(X, Z)
    d = update_dictionary(stats, D, LD, rtol=1.0, min_iter=4)
    assert d.n_iter == 4


def test_fista_lasso_reports_the_gap_of_its_result():
    X, D, _, _ = _problem(6)
    q = code_quadratic(X, D, LD)
    seen = []

    def gap(v, gv):
        seen.append(v.clone())
        return code_gap(X, v, D, ld=LD, lz=LZ).relative

    x = torch.zeros(N, m, dtype=torch.float64)
    res = fista_lasso(q, LZ, x, 1.0 / (LD * float(torch.linalg.eigvalsh(D.T @ D)[-1])),
                      rtol=0.0, max_iter=30, gap=gap)  # fmt: skip
    assert len(seen) == 1  # computed once, at the end (no gap_tol)
    assert res.gap == pytest.approx(code_gap(X, res.x, D, ld=LD, lz=LZ).relative, rel=1e-6)
    with pytest.raises(ValueError, match="gap_tol needs"):
        fista_lasso(q, LZ, x, 1e-3, gap_tol=1e-3)


def test_estimator_records_and_honours_the_gap():
    from genrelearn.sae import StructuredAutoEncoder

    X, _, _, L = _problem(7)
    kw = dict(n_atoms=m, ld=LD, lz=LZ, lg=5.0, rtol=1e-4, n_outer=4, device="cpu", dtype="float64")
    loose = StructuredAutoEncoder(**kw).fit(X.numpy(), laplacian=L)
    tight = StructuredAutoEncoder(**kw, gap_tol=1e-3, min_inner=3).fit(X.numpy(), laplacian=L)
    assert np.isfinite(loose.history_["gap_z"]).all()
    assert (tight.history_["gap_z"] <= 1e-3).all()
    assert (tight.history_["inner_z"] >= 3).all() and (tight.history_["inner_d"] >= 3).all()
    with pytest.raises(ValueError, match="gap_tol"):
        StructuredAutoEncoder(gap_tol=0.0).fit(X.numpy())


@pytest.mark.parametrize("graph", [False, True])
def test_row_interval_is_exactly_the_feasible_scales(graph):
    """Each row's interval holds the s with |s u + t v| <= lz on every entry, and no other."""
    from genrelearn.sae.duality import empty_interval, update_row_interval

    rng = np.random.default_rng(8)
    u = torch.from_numpy(rng.normal(size=(200, 6)))
    u[::7, 2] = 0.0  # zero gradients, with and without a violating graph entry
    v = torch.from_numpy(rng.normal(size=(200, 6)) * 0.3) if graph else None
    lo, hi = empty_interval(200, "cpu")
    update_row_interval(u[:, :4], None if v is None else v[:, :4], 0.8, 1.0, lo, hi)
    update_row_interval(u[:, 4:], None if v is None else v[:, 4:], 0.8, 1.0, lo, hi)
    w = torch.zeros_like(u) if v is None else 0.8 * v
    for s in np.linspace(-3, 3, 601):
        feasible = ((s * u + w).abs() <= 1.0).all(dim=1)
        inside = (lo <= s) & (s <= hi)
        assert torch.equal(feasible, inside), s


def test_float32_row_interval_lies_inside_the_exact_one():
    """In float32 the interval is computed against a shrunk lz: never wider than the exact one."""
    from genrelearn.sae.duality import empty_interval, update_row_interval

    rng = np.random.default_rng(9)
    u = torch.from_numpy(rng.normal(size=(400, 16))).float()
    u[::5, 3] = 0.0
    v = torch.from_numpy(rng.normal(size=(400, 16)) * 0.3).float()
    u[::10, 5], v[::10, 5] = 0.0, 1.5  # |t v| > lz where u = 0: no feasible s in those rows
    lo32, hi32 = empty_interval(400, "cpu")
    update_row_interval(u, v, 0.9, 1.0, lo32, hi32)
    lo64, hi64 = empty_interval(400, "cpu")
    update_row_interval(u.double(), v.double(), 0.9, 1.0, lo64, hi64)
    nonempty = lo64 <= hi64
    assert nonempty.any() and (~nonempty).any()
    assert (lo32[nonempty] >= lo64[nonempty]).all() and (hi32[nonempty] <= hi64[nonempty]).all()
    # every s of the float32 interval satisfies the exact (float64) constraints
    w = 0.9 * v.double()
    for s in np.linspace(-3, 3, 301):
        inside = (lo32 <= s) & (s <= hi32)
        assert ((s * u.double() + w).abs()[inside] <= 1.0).all(), s


@pytest.mark.parametrize("lg", [0.0, 5.0])
def test_float32_gap_is_a_lower_bound_on_the_float64_optimum(lg):
    """The float32 gap, from early iterates (where t = 1 is infeasible) to late ones, certifies."""
    X, D, _, L = _problem(5)
    kw = dict(L=L if lg else None, lg=lg)
    ref = sparse_code(X, D, LZ, LD, rtol=0.0, max_iter=20_000, gap_tol=1e-10, gap_every=250, **kw).x
    f_ref = _energy(X, ref, D, None, 0.0, L, lg)
    L32 = to_torch_csr(L, "cpu", torch.float32) if lg else None
    for n_iter in (1, 5, 40, 400):
        Z = sparse_code(X.float(), D.float(), LZ, LD, rtol=0.0, max_iter=n_iter, **kw).x
        g = code_gap(X.float(), Z, D.float(), ld=LD, lz=LZ, L=L32, lg=lg)
        assert math.isfinite(g.dual)
        # float32 products: the bound can exceed the optimum only by their rounding
        assert g.dual <= f_ref * (1 + 1e-5)
        assert g.primal == pytest.approx(_energy(X, Z.double(), D, None, 0.0, L, lg), rel=1e-5)
        # and it loses nothing visible against the same bound computed in float64
        g64 = _gap(X, Z.double(), D, None, 0.0, L, lg)
        assert g.dual >= g64.dual - 1e-5 * abs(g64.primal)
