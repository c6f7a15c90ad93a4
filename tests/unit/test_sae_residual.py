"""The residual-carrying lasso solver follows the gradient-carrying one, iterate by iterate.

In float64 both solvers compute the same iterates up to rounding of sums of a few hundred
terms per entry: ``1e-10`` relative leaves about five orders of magnitude over it.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LassoLars

from genrelearn.sae import steps
from genrelearn.sae.duality import code_gap
from genrelearn.sae.fista import fista_lasso
from genrelearn.sae.objective import code_lipschitz, code_quadratic, energy_terms
from genrelearn.sae.residual import fista_lasso_residual
from genrelearn.sae.steps import sparse_code

SLACK = 1e-10
N, n, m = 150, 10, 48
LD, LZ = 10.0, 1.0


def _problem(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    X = torch.from_numpy(rng.random((N, n)))
    D = torch.from_numpy(rng.random((n, m)))
    return X, D / D.norm(dim=0)


@pytest.mark.parametrize("restart", [False, True])
@pytest.mark.parametrize("start", ["zeros", "random"])
def test_same_iterates_as_the_gradient_carrying_solver(restart, start):
    X, D = _problem(1)
    x0 = torch.zeros(N, m, dtype=X.dtype)
    if start == "random":
        x0 = torch.from_numpy(np.random.default_rng(2).random((N, m)) * 0.1)
    step = 1.0 / code_lipschitz(D, LD)
    ref = fista_lasso(code_quadratic(X, D, LD, factored=True), LZ, x0.clone(), step, 0.0, 120,
                      restart)  # fmt: skip
    new = fista_lasso_residual(X, D, LD, LZ, x0.clone(), step, 0.0, 120, restart)
    assert new.n_iter == ref.n_iter
    assert new.initial_objective == pytest.approx(ref.initial_objective, rel=SLACK)
    np.testing.assert_allclose(new.objectives, ref.objectives, rtol=SLACK)
    scale = float(ref.x.abs().max())
    assert float((new.x - ref.x).abs().max()) <= SLACK * scale
    exact = energy_terms(X, new.x, D, ld=LD, lz=LZ)["objective"]
    assert new.objective == pytest.approx(exact, rel=SLACK)
    # the objectives decrease (best-iterate FISTA keeps the best; restart rejects increases)
    assert new.objective < new.initial_objective


def test_gap_rule_stops_at_the_stated_gap():
    X, D = _problem(3)
    step = 1.0 / code_lipschitz(D, LD)

    def gap(v: torch.Tensor, r: torch.Tensor) -> float:
        assert r.shape == (N, n)  # the residual, not the gradient
        np.testing.assert_allclose(r.numpy(), (v @ D.T - X).numpy(), atol=1e-12)
        return code_gap(X, v, D, ld=LD, lz=LZ).relative

    res = fista_lasso_residual(X, D, LD, LZ, torch.zeros(N, m, dtype=X.dtype), step, 1e-3,
                               5000, gap=gap, gap_tol=1e-4, gap_every=10)  # fmt: skip
    assert res.converged
    assert res.gap <= 1e-4
    # the certificate holds for the returned (best) iterate: compare with LARS's exact optimum
    lars = LassoLars(alpha=LZ / (LD * n), fit_intercept=False, max_iter=10_000)
    Z_star = torch.from_numpy(np.stack([lars.fit(D.numpy(), x).coef_ for x in X.numpy()]))
    f_star = energy_terms(X, Z_star, D, ld=LD, lz=LZ)["objective"]
    assert (res.objective - f_star) / res.objective <= 1e-4 * (1 + SLACK)


def test_sparse_code_uses_it_for_the_factored_plain_lasso(monkeypatch):
    X, D = _problem(4)
    calls = []
    real = steps.fista_lasso_residual
    monkeypatch.setattr(
        steps, "fista_lasso_residual", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    fact = sparse_code(X, D, LZ, LD, factored=True, rtol=0.0, max_iter=80, rows=64)
    assert len(calls) == 3  # one per row block
    gram = sparse_code(X, D, LZ, LD, factored=False, rtol=0.0, max_iter=80, rows=64)
    assert len(calls) == 3
    assert fact.objective == pytest.approx(gram.objective, rel=SLACK)
    assert float((fact.x - gram.x).abs().max()) <= SLACK * float(gram.x.abs().max())
    # the encoder term needs the gradient-carrying solver
    sparse_code(X, D, LZ, LD, E=torch.ones(m, n, dtype=X.dtype) * 0.01, le=1.0, factored=True,
                rtol=0.0, max_iter=5)  # fmt: skip
    assert len(calls) == 3
