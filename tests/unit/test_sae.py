"""Tests of the structured auto-encoder (genrelearn.sae): solvers, energy and estimator."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone

from genrelearn.sae import (
    StructuredAutoEncoder,
    code_gradient,
    code_lipschitz,
    code_quadratic,
    dictionary_gradient,
    dictionary_quadratic,
    encoder_gradient,
    encoder_quadratic,
    energy_terms,
    fista,
    fista_lasso,
    gram_stats,
    laplacian_norm,
    project_columns,
    soft_threshold,
    sparse_code,
    to_torch_csr,
    update_dictionary,
    update_encoder,
)

N, n, m = 300, 20, 16


def knn_laplacian(X: np.ndarray, k: int = 6) -> sp.csr_matrix:
    """Normalised Laplacian of a symmetric kNN graph (self loops, w = exp(-d / sigma))."""
    d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    idx = np.argsort(d2, axis=1)[:, :k]  # self first
    dist = np.sqrt(np.take_along_axis(d2, idx, axis=1))
    sigma = dist[:, -1].mean()
    rows = np.repeat(np.arange(len(X)), k)
    W = sp.csr_matrix((np.exp(-dist.ravel() / sigma), (rows, idx.ravel())), shape=(len(X),) * 2)
    W = W.maximum(W.T)
    deg = np.asarray(W.sum(axis=1)).ravel()
    Dm = sp.diags(1.0 / np.sqrt(deg))
    return sp.csr_matrix(sp.eye(len(X)) - Dm @ W @ Dm)


pytestmark = pytest.mark.usefixtures("one_torch_thread")

EPS32 = float(np.finfo(np.float32).eps)  # 2**-23; the unit roundoff is half of it


def code_step_gap(
    X: torch.Tensor,
    Z: torch.Tensor,
    D: torch.Tensor,
    lz: float,
    ld: float,
    *,
    E: torch.Tensor | None = None,
    le: float = 0.0,
    L: torch.Tensor | None = None,
    lg: float = 0.0,
) -> tuple[float, float]:
    """The code step's energy at ``Z`` and a certified bound on its distance to the minimum.

    The energy is ``mu``-strongly convex with ``mu = ld lambda_min(D^T D) + le`` (the graph term
    is positive semi-definite and only adds to it), so ``f(Z) - min f <= ||r||^2 / (2 mu)`` for
    every subgradient ``r`` at ``Z``; ``r`` is the least-norm one. Everything in float64: its
    rounding (about 1e-16 relative) is far below what the tests assert with it.
    """
    X, Z, D = X.double(), Z.double(), D.double()
    E = None if E is None else E.double()
    g = code_gradient(X, Z, D, ld, E, le, L, lg)
    r = torch.where(Z != 0, g + lz * torch.sign(Z), torch.sign(g) * (g.abs() - lz).clamp(min=0))
    mu = ld * float(torch.linalg.eigvalsh(D.T @ D)[0]) + le
    f = energy_terms(X, Z, D, ld=ld, lz=lz, E=E, le=le, L=L, lg=lg)["objective"]
    return f, float((r**2).sum()) / (2 * mu)


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    """Non-negative, correlated frames in [0, 1] (a few spectral-like templates plus noise)."""
    rng = np.random.default_rng(0)
    templates = rng.random((6, n)) ** 3
    weights = rng.random((N, 6)) * (rng.random((N, 6)) < 0.5)
    X = weights @ templates + 0.05 * rng.random((N, n))
    X = (X - X.min(0)) / (X.max(0) - X.min(0))
    return X.astype(np.float32)


@pytest.fixture(scope="module")
def lap(data) -> sp.csr_matrix:
    return knn_laplacian(data.astype(np.float64))


def _dict(seed: int = 3, rows: int = n, cols: int = m) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return project_columns(torch.rand(rows, cols, generator=g, dtype=torch.float64), sphere=True)


# --------------------------------------------------------------------------- 1. monotone energy


@pytest.mark.parametrize(
    "kw",
    [{}, {"lg": 10.0}, {"le": 1.0}, {"lg": 10.0, "le": 1.0}, {"lg": 100.0, "step": "thesis"}],
    ids=["plain", "graph", "encoder", "graph+encoder", "graph-thesis"],
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_energy_never_increases(data, lap, kw, dtype):
    est = StructuredAutoEncoder(n_atoms=m, n_outer=25, rtol=1e-7, dtype=dtype, device="cpu", **kw)
    est.fit(data, laplacian=lap)
    f = np.r_[est.initial_objective_, est.history_["objective"].to_numpy()]
    assert len(f) >= 3
    # Exact in exact arithmetic: each step keeps its best iterate. In floating point the code
    # step decides "best" on its own evaluation of the energy, a constant ld/2 ||X||^2 = f[0]
    # plus quadratic terms that cancel most of it, each a sum of N m products: its rounding is
    # about sqrt(N m) u f[0] (the probabilistic bound for sums; u = eps/2), and two such values
    # are compared. float32: 8e-6 f[0] (the float32 solver's energy is measured off by up to
    # 3e-7 f[0] under other kernels, and such fits do rise, by 2e-8 f); float64: 1.5e-14 f[0].
    eps = float(np.finfo(dtype).eps)
    slack = np.sqrt(N * m) * eps * f[0]
    assert np.all(np.diff(f) <= slack), np.diff(f)
    assert f[-1] < 0.9 * f[0]
    terms = est.history_[["data_term", "l1_term", "graph_term", "encoder_term"]].sum(axis=1)
    np.testing.assert_allclose(terms, est.history_["objective"], rtol=1e-9)
    assert (est.history_["graph_term"] > 0).all() == bool(kw.get("lg"))
    assert (est.history_["encoder_term"] > 0).all() == bool(kw.get("le"))


def test_inner_solvers_never_increase(data, lap):
    X = torch.from_numpy(data).double()
    D = _dict()
    L = to_torch_csr(lap, "cpu", torch.float64)
    for restart in (False, True):
        q = code_quadratic(X, D, 10.0, L=L, lg=50.0)
        lip = code_lipschitz(D, 10.0, lg=50.0, lnorm=laplacian_norm(lap))
        # A too large step makes plain FISTA oscillate: the returned iterate is still the best.
        res = fista_lasso(q, 1.0, torch.zeros(N, m, dtype=torch.float64), 3.0 / lip, 0, 60, restart)
        assert res.objective <= res.initial_objective
        assert res.objective == pytest.approx(min([res.initial_objective, *res.objectives]))
        assert q.value(res.x) + torch.abs(res.x).sum().item() == pytest.approx(res.objective)
        if restart:  # the accepted iterates are monotone by construction
            assert res.objective <= res.objectives[0]


# --------------------------------------------------------------------------- 2. lasso optimality


@pytest.mark.parametrize(("lg", "low_memory"), [(0.0, None), (20.0, False), (20.0, True)])
def test_sparse_code_optimality_conditions(data, lap, lg, low_memory):
    X = torch.from_numpy(data).double()
    D, lz, ld = _dict(), 1.0, 10.0
    res = sparse_code(
        X, D, lz, ld, L=lap if lg else None, lg=lg, rtol=0, max_iter=3000,
        low_memory=low_memory, rows=64,
    )  # fmt: skip
    Z = res.x
    L = to_torch_csr(lap, "cpu", torch.float64)
    g = code_gradient(X, Z, D, ld, L=L, lg=lg)
    nz = Z != 0
    assert 0.05 < nz.double().mean() < 0.95  # a non-trivial support
    tol = 1e-6 * ld
    assert torch.all((g[nz] + lz * torch.sign(Z[nz])).abs() <= tol)
    assert torch.all(g[~nz].abs() <= lz + tol)


# --------------------------------------------------------------------------- 3. vs pyunlocbox


@pytest.mark.parametrize(("lg", "low_memory"), [(0.0, None), (20.0, False), (20.0, True)])
def test_sparse_code_matches_pyunlocbox(data, lap, lg, low_memory):
    pytest.importorskip("pyunlocbox")
    from pyunlocbox import acceleration, functions, solvers

    X = data.astype(np.float64)
    Dt = _dict(seed=5)
    D = Dt.numpy()
    lz, ld = 1.0, 10.0
    Ls = lap.astype(np.float64)

    f_l1 = functions.norm_l1(lambda_=lz)
    assert f_l1.lambda_ == lz  # a misspelt weight keyword would be silently ignored
    if lg:
        f_smooth = functions.func()
        f_smooth._eval = lambda Z: (
            0.5 * ld * np.sum((X - Z @ D.T) ** 2) + 0.5 * lg * np.sum(Z * (Ls @ Z))
        )
        f_smooth._grad = lambda Z: ld * (Z @ D.T - X) @ D + lg * (Ls @ Z)
    else:
        # lambda_ ||A(Z) - X||^2 with A(Z) = Z D^T: lambda_ = ld / 2.
        f_smooth = functions.norm_l2(lambda_=ld / 2, A=lambda Z: Z @ D.T, At=lambda R: R @ D, y=X)
        assert f_smooth.lambda_ == ld / 2
    lip = code_lipschitz(Dt, ld, lg=lg, lnorm=laplacian_norm(Ls) if lg else 0.0)
    solver = solvers.forward_backward(step=1.0 / lip, accel=acceleration.fista())
    ret = solvers.solve(
        [f_l1, f_smooth], np.zeros((N, m)), solver, rtol=1e-12, maxit=4000, verbosity="NONE"
    )
    Z_ref = ret["sol"]
    f_ref = f_l1.eval(Z_ref) + f_smooth.eval(Z_ref)

    res = sparse_code(
        torch.from_numpy(X), Dt, lz, ld, L=Ls if lg else None, lg=lg, rtol=1e-12, max_iter=4000,
        low_memory=low_memory, rows=64,
    )  # fmt: skip
    L_t = to_torch_csr(Ls, "cpu", torch.float64)
    ours = energy_terms(torch.from_numpy(X), res.x, Dt, ld=ld, lz=lz, L=L_t, lg=lg)["objective"]
    assert ours == pytest.approx(res.objective, rel=1e-9)
    assert ours == pytest.approx(f_ref, rel=1e-3)
    assert abs(ours - f_ref) / f_ref < 1e-6  # both run to convergence
    # The float32 solver at the default tolerance lands close too.
    res32 = sparse_code(
        torch.from_numpy(data), Dt, lz, ld, L=Ls if lg else None, lg=lg, rtol=1e-5, max_iter=500,
        low_memory=low_memory, rows=64,
    )  # fmt: skip
    assert res32.objective == pytest.approx(f_ref, rel=1e-3)


# --------------------------------------------------------------------------- 4. gradients


def test_gradients_match_autograd(data, lap):
    torch.manual_seed(0)
    X = torch.from_numpy(data[:60]).double()
    Nn = X.shape[0]
    L = to_torch_csr(knn_laplacian(data[:60].astype(np.float64)), "cpu", torch.float64)
    Ld = L.to_dense()
    Z = torch.randn(Nn, m, dtype=torch.float64, requires_grad=True)
    D = _dict().requires_grad_(True)
    E = _dict(seed=4, rows=m, cols=n).requires_grad_(True)
    ld, lg, le = 10.0, 7.0, 3.0

    def smooth(Z, D, E):
        return (
            0.5 * ld * ((X - Z @ D.T) ** 2).sum()
            + 0.5 * lg * (Z * (Ld @ Z)).sum()
            + 0.5 * le * ((Z - X @ E.T) ** 2).sum()
        )

    f = smooth(Z, D, E)
    gZ, gD, gE = torch.autograd.grad(f, (Z, D, E))
    Z, D, E = Z.detach(), D.detach(), E.detach()

    np.testing.assert_allclose(code_gradient(X, Z, D, ld, E, le, L, lg), gZ, rtol=1e-10)
    q = code_quadratic(X, D, ld, E, le, L, lg)  # the form the Z-step uses
    np.testing.assert_allclose(q.grad(Z), gZ, rtol=1e-10, atol=1e-10)
    assert q.value(Z) == pytest.approx(f.item(), rel=1e-12)

    stats = gram_stats(X, Z)
    np.testing.assert_allclose(dictionary_gradient(X, Z, D, ld), gD, rtol=1e-10)
    qd = dictionary_quadratic(stats, ld)  # the form the D-step uses
    np.testing.assert_allclose(qd.grad(D), gD, rtol=1e-10, atol=1e-9)
    assert qd.value(D) == pytest.approx(0.5 * ld * ((X - Z @ D.T) ** 2).sum().item(), rel=1e-12)

    np.testing.assert_allclose(encoder_gradient(X, Z, E, le), gE, rtol=1e-10)
    qe = encoder_quadratic(stats, le)
    np.testing.assert_allclose(qe.grad(E), gE, rtol=1e-10, atol=1e-9)
    assert qe.value(E) == pytest.approx(0.5 * le * ((Z - X @ E.T) ** 2).sum().item(), rel=1e-12)


# --------------------------------------------------------------------------- 5. step rules


@pytest.mark.parametrize("lg", [0.0, 5.0])
def test_thesis_and_tight_steps_agree(data, lap, lg):
    kw = dict(n_atoms=m, lg=lg, rtol=1e-9, n_inner=2000, n_outer=60, dtype="float64", device="cpu")
    tight = StructuredAutoEncoder(step="tight", **kw).fit(data, laplacian=lap)
    thesis = StructuredAutoEncoder(step="thesis", **kw).fit(data, laplacian=lap)
    f_tight = tight.history_["objective"].iloc[-1]
    f_thesis = thesis.history_["objective"].iloc[-1]
    assert abs(f_tight - f_thesis) / f_tight < 0.01
    # The thesis's Frobenius bounds are larger, hence smaller steps.
    assert thesis.lipschitz_["z"] > tight.lipschitz_["z"]
    assert thesis.lipschitz_["d"] >= tight.lipschitz_["d"]


def test_lipschitz_bounds(lap):
    D = _dict()
    spectral = torch.linalg.eigvalsh(D.T @ D)[-1].item()
    assert code_lipschitz(D, 10.0) == pytest.approx(10 * spectral)
    assert code_lipschitz(D, 10.0, kind="thesis") == pytest.approx(
        10 * torch.linalg.matrix_norm(D.T @ D).item()
    )
    exact = np.linalg.eigvalsh(lap.toarray())[-1]
    est = laplacian_norm(lap)
    assert exact * 0.98 <= est <= max(1.01 * exact, 1e-12) + 1e-12
    assert est <= 2.0 + 1e-9  # normalised Laplacian
    assert laplacian_norm(lap, "thesis") == pytest.approx(np.sqrt((lap.toarray() ** 2).sum()))


# --------------------------------------------------------------------------- 6. constraints


def test_columns_in_unit_ball(data, lap):
    est = StructuredAutoEncoder(n_atoms=m, le=2.0, lg=5.0, n_outer=10, device="cpu")
    est.fit(data, laplacian=lap)
    assert est.dictionary_.shape == (n, m)
    assert est.encoder_.shape == (m, n)
    assert np.all(np.linalg.norm(est.dictionary_, axis=0) <= 1 + 1e-5)
    assert np.all(np.linalg.norm(est.encoder_, axis=0) <= 1 + 1e-5)
    assert est.codes_.shape == (N, m)
    assert est.codes_.dtype == np.float32


# --------------------------------------------------------------------------- 7. determinism


def test_determinism(data):
    kw = dict(n_atoms=m, n_outer=5, device="cpu")
    a = StructuredAutoEncoder(random_state=1, **kw).fit(data)
    b = StructuredAutoEncoder(random_state=1, **kw).fit(data)
    c = StructuredAutoEncoder(random_state=2, **kw).fit(data)
    np.testing.assert_array_equal(a.dictionary_, b.dictionary_)
    np.testing.assert_array_equal(a.codes_, b.codes_)
    assert not np.allclose(a.dictionary_, c.dictionary_)


# --------------------------------------------------------------------------- 8. transform


def test_transform_lasso_and_approx(data):
    est = StructuredAutoEncoder(n_atoms=m, le=1.0, n_outer=20, device="cpu").fit(data)
    Z = est.transform(data, method="lasso")
    assert Z.shape == (N, m)
    f_learned = est.objective(data, est.codes_)["objective"]
    f_new = est.objective(data, Z)["objective"]
    assert f_new == pytest.approx(f_learned, rel=2e-3)
    # Both codes are near the minimiser Z* of the fitted model's code energy, which is
    # mu-strongly convex (mu >= le): ||Z - Z*|| <= ||r(Z)|| / mu = sqrt(2 gap(Z) / mu) for the
    # least-norm subgradient r, hence this certified bound on their distance (0.11 ||codes||
    # here, for an actual 0.043: a fixed threshold would only restate one machine's number).
    Xt, D, E = (torch.from_numpy(a) for a in (data, est.dictionary_, est.encoder_))
    mu = 10.0 * float(torch.linalg.eigvalsh(D.double().T @ D.double())[0]) + 1.0
    radius = 0.0
    for codes in (Z, est.codes_):
        _, gap = code_step_gap(Xt, torch.from_numpy(codes), D, 1.0, 10.0, E=E, le=1.0)
        radius += np.sqrt(2 * gap / mu)
    assert np.linalg.norm(Z - est.codes_) <= radius

    Za = est.transform(data, method="approx")
    assert not Za.any()  # |X E^T| < 1 = lz / le everywhere on these frames
    # Frames three times as loud give non-zero codes (12 % of them). The transform computes X E^T
    # in float32: |error| <= gamma_n |X| |E^T| (any summation order, n = 20 terms, u = eps/2),
    # and the soft-thresholding is 1-Lipschitz, plus one rounding of its result.
    loud = 3 * data
    Za = est.transform(loud, method="approx")
    exact = loud.astype(np.float64) @ est.encoder_.T.astype(np.float64)
    exact = np.sign(exact) * np.maximum(np.abs(exact) - 1.0, 0.0)
    assert 0.05 < np.count_nonzero(Za) / Za.size < 0.5
    u = EPS32 / 2
    bound = n * u / (1 - n * u) * (np.abs(loud).astype(np.float64) @ np.abs(est.encoder_.T))
    assert np.all(np.abs(Za - exact) <= bound + u * np.abs(exact))

    plain = StructuredAutoEncoder(n_atoms=m, n_outer=3, device="cpu").fit(data)
    assert plain.encoder_ is None
    with pytest.raises(ValueError, match="approx"):
        plain.transform(data, method="approx")
    with pytest.raises(ValueError, match="method"):
        plain.transform(data, method="magic")


def test_transform_with_graph(data, lap):
    est = StructuredAutoEncoder(n_atoms=m, lg=10.0, n_outer=10, device="cpu")
    Z_fit = est.fit_transform(data, laplacian=lap)
    assert Z_fit is est.codes_
    Z_graph = est.transform(data, laplacian=lap)
    Z_plain = est.transform(data)  # inductive, no graph term
    f = est.objective(data, Z_fit, laplacian=lap)
    assert f["graph_term"] > 0 and f["total"] == f["objective"]
    assert est.objective(data, Z_graph, laplacian=lap)["objective"] == pytest.approx(
        f["objective"], rel=2e-3
    )
    assert not np.allclose(Z_graph, Z_plain)
    assert est.objective(data, Z_plain)["graph_term"] == 0.0


def test_objective_matches_history(data):
    est = StructuredAutoEncoder(n_atoms=m, le=0.5, n_outer=4, device="cpu").fit(data)
    terms = est.objective(data, est.codes_)
    last = est.history_.iloc[-1]
    for key in ("objective", "data_term", "l1_term", "encoder_term"):
        assert terms[key] == pytest.approx(last[key], rel=1e-5)
    assert list(est.history_.columns) == [
        "outer",
        "objective",
        "data_term",
        "l1_term",
        "graph_term",
        "encoder_term",
        "sparsity",
        "inner_z",
        "inner_d",
        "inner_e",
        "seconds",
        "inner_z_mean",
        "gap_z",
    ]
    assert (est.history_["inner_z_mean"] <= est.history_["inner_z"]).all()
    assert est.n_iter_ == len(est.history_)
    sparsity = np.count_nonzero(est.codes_) / est.codes_.size
    assert last["sparsity"] == pytest.approx(sparsity)
    assert est.history_["seconds"].is_monotonic_increasing
    assert est.device_ == "cpu"


# --------------------------------------------------------------------------- 9. switches, checks


def test_terms_switched_off_and_laplacian_required(data, lap):
    StructuredAutoEncoder(n_atoms=m, lg=0.0, n_outer=2, device="cpu").fit(data)
    StructuredAutoEncoder(n_atoms=m, lg=None, le=None, n_outer=2, device="cpu").fit(data)
    with pytest.raises(ValueError, match="laplacian"):
        StructuredAutoEncoder(n_atoms=m, lg=1.0, device="cpu").fit(data)
    with pytest.raises(ValueError, match="laplacian"):
        StructuredAutoEncoder(n_atoms=m, lg=1.0, device="cpu").fit(data, laplacian=lap[:10, :10])
    with pytest.raises(ValueError, match="laplacian"):
        StructuredAutoEncoder(n_atoms=m, lg=1.0, device="cpu").fit(data, laplacian=lap.toarray())
    est = StructuredAutoEncoder(n_atoms=m, lg=0.0, n_outer=2, device="cpu")
    est.fit(data, laplacian=lap)  # ignored without the graph term
    assert (est.history_["graph_term"] == 0).all()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("n_atoms", 0),
        ("ld", -1.0),
        ("lz", "big"),
        ("lg", float("nan")),
        ("le", -2),
        ("rtol", -1.0),
        ("n_inner", 0),
        ("n_outer", 1.5),
        ("step", "spectral"),
        ("device", "tpu"),
        ("n_jobs", 0),
        ("random_state", -1),
        ("dtype", "float16"),
    ],
)
def test_invalid_parameters(data, name, value):
    est = StructuredAutoEncoder(n_atoms=m, n_outer=1).set_params(**{name: value})
    with pytest.raises(ValueError, match=name):
        est.fit(data)


def test_sklearn_api(data):
    est = StructuredAutoEncoder(n_atoms=8, lg=3.0, step="thesis", n_jobs=1)
    assert est.get_params()["lg"] == 3.0
    twin = clone(est).set_params(lg=0.0)
    assert twin.lg == 0.0 and est.lg == 3.0
    assert "n_atoms=8" in repr(est)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        est.transform(data)
    threads = torch.get_num_threads()
    twin.set_params(n_outer=2, device="cpu", n_jobs=1).fit(data)
    assert torch.get_num_threads() == threads
    with pytest.raises(ValueError, match="features"):
        twin.transform(data[:, :5])


# --------------------------------------------------------------------------- solver units


def test_low_memory_graph_solver(data, lap, monkeypatch):
    """The three-buffer graph solver: same optimum, never worse than its start, auto switch."""
    import genrelearn.sae.steps as steps
    from genrelearn.sae.objective import graph_form

    # Same optimum, in float64 and to the end (rtol=0): the default solver runs its 2000
    # iterations, the restarted one stops when two steps in a row fail to lower its objective
    # (its rounding floor). A relative-change rule bounds the last change, not the distance to
    # the optimum (and at rtol 1e-7 float32 cannot resolve the change at all, so which solver
    # lands lower depends on the CPU's kernels); code_step_gap certifies the distance.
    X = torch.from_numpy(data).double()
    D = _dict()
    L64 = to_torch_csr(lap, "cpu", torch.float64)
    kw = dict(L=lap, lg=50.0, rtol=0.0, max_iter=2000)
    fast = sparse_code(X, D, 1.0, 10.0, low_memory=False, **kw)
    lean = sparse_code(X, D, 1.0, 10.0, low_memory=True, rows=37, **kw)
    f_fast, gap_fast = code_step_gap(X, fast.x, D, 1.0, 10.0, L=L64, lg=50.0)
    f_lean, gap_lean = code_step_gap(X, lean.x, D, 1.0, 10.0, L=L64, lg=50.0)
    # A rounding floor of ~1e-15 f times the condition number (5.6e3) is ~6e-12 f; measured:
    # 2e-15 f and 2e-14 f.
    assert max(gap_fast, gap_lean) <= 1e-10 * f_fast
    # f - gap <= min f <= f for both, so they differ by at most the larger gap (the slack:
    # float64 rounding of the two energies, < 1e-13 f).
    assert abs(f_lean - f_fast) <= max(gap_fast, gap_lean) + 1e-12 * f_fast
    # The solver's own bookkeeping is that energy: float64 sums of at most N n = 6000 products
    # over terms of 10 f in all, worst case 6000 x 1.1e-16 x 10 = 7e-12 relative.
    assert lean.objective == pytest.approx(f_lean, rel=1e-10)
    assert lean.objective < lean.initial_objective
    # <Z, L Z> by row blocks equals the one-shot product (float64 sums of N m = 4800 products
    # with sum |z (L z)| = 1.7 <Z, L Z>: worst case 4800 x 1.1e-16 x 1.7 = 9e-13).
    whole = float((lean.x * torch.sparse.mm(L64, lean.x)).sum())
    assert graph_form(L64, lean.x, rows=29) == pytest.approx(whole, rel=1e-12)

    # The float32 default path. A warm start at its own result is not left for a worse point,
    # exactly: the restarted solver accepts only iterates that do not raise its objective, and
    # its first value is that very objective, computed by the same code on the same numbers.
    X32, D32 = torch.from_numpy(data), D.float()
    kw32 = dict(L=lap, lg=50.0, rtol=1e-5, max_iter=500)
    lean32 = sparse_code(X32, D32, 1.0, 10.0, low_memory=True, rows=37, **kw32)
    assert lean32.objective < lean32.initial_objective
    again = sparse_code(X32, D32, 1.0, 10.0, Z0=lean32.x, low_memory=True, rows=37, **kw32)
    assert again.initial_objective == lean32.objective
    assert again.objective <= lean32.objective
    # The default switches to it above LOW_MEMORY_BYTES: the same code path on the same
    # machine, hence bit-identical codes.
    monkeypatch.setattr(steps, "LOW_MEMORY_BYTES", 0)
    auto = sparse_code(X32, D32, 1.0, 10.0, rows=37, **kw32)
    assert torch.equal(auto.x, lean32.x)


def test_fista_generic_and_specialised_agree(data):
    X = torch.from_numpy(data).double()
    D = _dict()
    q = code_quadratic(X, D, 10.0)
    lip = code_lipschitz(D, 10.0)
    ref = fista(
        q.grad,
        lambda v, s: soft_threshold(v, s * 1.0),
        torch.zeros(N, m, dtype=torch.float64),
        1.0 / lip,
        rtol=1e-10,
        max_iter=300,
        objective=lambda v: q.value(v) + v.abs().sum().item(),
    )
    fast = fista_lasso(q, 1.0, torch.zeros(N, m, dtype=torch.float64), 1.0 / lip, 1e-10, 300)
    assert fast.n_iter == ref.n_iter
    np.testing.assert_allclose(fast.objectives, ref.objectives, rtol=1e-10)
    np.testing.assert_allclose(fast.x, ref.x, atol=1e-9)
    # Block-wise (separable) codes equal the one-block solution at convergence.
    blocks = sparse_code(X, D, 1.0, 10.0, rows=100, rtol=1e-9, max_iter=1000)
    whole = sparse_code(X, D, 1.0, 10.0, rows=N, rtol=1e-9, max_iter=1000)
    assert blocks.objective == pytest.approx(whole.objective, rel=1e-6)


def test_dictionary_and_encoder_steps_decrease(data):
    X = torch.from_numpy(data).double()
    D, E = _dict(), _dict(seed=4, rows=m, cols=n)
    Z = sparse_code(X, D, 1.0, 10.0).x
    stats = gram_stats(X, Z)
    rd = update_dictionary(stats, D * 0.5, 10.0, max_iter=200)
    assert rd.objective <= rd.initial_objective
    assert torch.all(torch.linalg.vector_norm(rd.x, dim=0) <= 1 + 1e-12)
    re = update_encoder(stats, E, 2.0, max_iter=200, step="thesis")
    assert re.objective < re.initial_objective
    assert torch.all(torch.linalg.vector_norm(re.x, dim=0) <= 1 + 1e-12)
    # Z = 0 leaves the dictionary untouched.
    zero = gram_stats(X, torch.zeros_like(Z))
    assert torch.equal(update_dictionary(zero, D, 10.0).x, D)


# --------------------------------------------------------------------------- 10. CUDA


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_cpu_and_cuda_agree(data, lap):
    kw = dict(n_atoms=m, lg=10.0, le=0.5, n_outer=8, dtype="float64")
    cpu = StructuredAutoEncoder(device="cpu", **kw).fit(data, laplacian=lap)
    gpu = StructuredAutoEncoder(device="cuda", **kw).fit(data, laplacian=lap)
    assert gpu.device_.startswith("cuda")
    np.testing.assert_allclose(gpu.history_["objective"], cpu.history_["objective"], rtol=1e-6)
    np.testing.assert_allclose(gpu.dictionary_, cpu.dictionary_, atol=1e-5)
    np.testing.assert_allclose(gpu.codes_, cpu.codes_, atol=1e-5)
    np.testing.assert_allclose(
        gpu.transform(data, method="approx"), cpu.transform(data, method="approx"), atol=1e-5
    )
