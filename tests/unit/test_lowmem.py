"""Tests of the low-memory graph solvers (genrelearn.sae.lowmem) and of the Laplacian's transfer."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from test_sae import knn_laplacian

from genrelearn.sae import project_columns, sparse_code, to_torch_csr
from genrelearn.sae.duality import code_gap
from genrelearn.sae.lowmem import chunk_widths, chunked_bytes, fista_lasso_graph_chunked

pytestmark = pytest.mark.usefixtures("one_torch_thread")

N, n, m = 300, 20, 16
LD, LZ, LG, LE = 10.0, 1.0, 50.0, 2.0
EPS64 = float(np.finfo(np.float64).eps)


@pytest.fixture(scope="module")
def problem() -> dict:
    """Correlated frames in [0, 1], their kNN Laplacian, a unit-norm dictionary and an encoder."""
    rng = np.random.default_rng(0)
    templates = rng.random((6, n)) ** 3
    weights = rng.random((N, 6)) * (rng.random((N, 6)) < 0.5)
    X = weights @ templates + 0.05 * rng.random((N, n))
    X = (X - X.min(0)) / (X.max(0) - X.min(0))
    g = torch.Generator().manual_seed(3)
    D = project_columns(torch.rand(n, m, generator=g, dtype=torch.float64), sphere=True)
    E = project_columns(torch.rand(m, n, generator=g, dtype=torch.float64), sphere=True)
    lap = knn_laplacian(X)
    return dict(X=torch.from_numpy(X), lap=lap, L=to_torch_csr(lap, "cpu", torch.float64), D=D, E=E)


def _chunked(p: dict, le: float = 0.0, Z0: torch.Tensor | None = None, **kw):
    """The atom-split solver from ``Z0`` (default zeros) with the default solver's step."""
    lip = sparse_code(p["X"], p["D"], LZ, LD, L=p["lap"], lg=LG, E=p["E"], le=le, max_iter=0)
    z = torch.zeros(N, m, dtype=torch.float64) if Z0 is None else Z0.clone()
    E = p["E"] if le else None
    r = fista_lasso_graph_chunked(
        p["X"], p["D"], LD, p["L"], LG, LZ, z, 1.0 / lip.lipschitz, E=E, le=le, **kw
    )
    return z, r


def test_chunk_widths():
    assert chunk_widths(16, 1) == [16]
    assert chunk_widths(16, 5) == [4, 3, 3, 3, 3]
    assert chunk_widths(16, 40) == [1] * 16  # never an empty chunk
    assert chunked_bytes(10, 3, 16, 4, chunk_cols=5) == 4 * 10 * (16 + 4 + 6)


@pytest.mark.parametrize("le", [0.0, LE])
@pytest.mark.parametrize("chunks", [1, 3, 5, 16])
def test_chunked_follows_the_default_and_row_split_solvers(problem, chunks, le):
    """Same iterates as the monotone default solver and the row-split solver, up to rounding.

    40 iterations from Z = 0 with no stopping test (rtol = 0): all three run monotone FISTA with
    function-value restart on the same energy, one in the Gram form on the whole block, one in
    the Gram form on row blocks, this one in the factored form on column chunks (1, a divisor of
    m, a non-divisor, one atom per chunk). In float64 they differ only by rounding: each
    iteration's products carry relative errors of a few ``n m eps`` (1e-14), and the proximal
    gradient map with momentum is stable here (measured: 1e-15 after 40 iterations); the bounds
    leave a factor of 1e4 over the ``40 x 1e-14`` accumulation.
    """
    p = problem
    X, D, E = p["X"], p["D"], p["E"]
    kw = dict(L=p["lap"], lg=LG, E=E, le=le, rtol=0.0, max_iter=40)
    default = sparse_code(X, D, LZ, LD, low_memory=False, restart=True, **kw)
    rows = sparse_code(X, D, LZ, LD, low_memory=True, rows=37, **kw)
    z, r = _chunked(p, le, chunks=chunks, rtol=0.0, max_iter=40, rows=41)
    assert r.n_iter == default.n_iter == rows.n_iter == 40
    assert not r.converged and math.isnan(r.gap)  # no gap without gap_tol
    scale = float(default.x.abs().max())
    for other in (default, rows):
        assert r.initial_objective == pytest.approx(other.initial_objective, rel=1e-12)
        assert r.objective == pytest.approx(other.objective, rel=1e-12)
        assert float((z - other.x).abs().max()) <= 1e-9 * scale
    assert r.objective < r.initial_objective


def test_chunked_float32_never_leaves_its_start(problem):
    """float32 (the default dtype): a warm start at its own result is not left for a worse point.

    The solver accepts only iterates that do not raise its objective, and its first value is
    that very objective, computed by the same code on the same numbers.
    """
    p = problem
    q = dict(p, X=p["X"].float(), D=p["D"].float(), L=to_torch_csr(p["lap"], "cpu", torch.float32))
    z, r = _chunked(q, Z0=torch.zeros(N, m), chunks=3, rtol=1e-5, max_iter=500)
    assert r.objective < r.initial_objective
    _, again = _chunked(q, Z0=z, chunks=3, rtol=1e-5, max_iter=500)
    assert again.initial_objective == r.objective
    assert again.objective <= r.objective


@pytest.mark.parametrize("le", [0.0, LE])
def test_chunked_gap_is_the_code_gap_and_bounds_the_distance(problem, le):
    """The reported gap is duality.code_gap's at the result and bounds ``P(Z) - P*``.

    ``P*`` is approached by a long float64 solve (rtol = 0, 3000 iterations, ending on the
    rounding floor): its objective is ``>= P*``, so ``P(Z) - f_ref <= P(Z) - P* <= gap``. Both
    gaps are float64 sums over N m = 4800 terms (a relative rounding of about 1e-13).
    """
    p = problem
    E = p["E"] if le else None
    ref_z, ref = _chunked(p, le, chunks=5, rtol=0.0, max_iter=3000)
    for tol in (1e-2, 1e-4):
        z, r = _chunked(p, le, chunks=5, rtol=0.0, max_iter=3000, gap_tol=tol, gap_every=5)
        assert r.converged and r.n_iter < 3000
        g = code_gap(p["X"], z, p["D"], ld=LD, lz=LZ, E=E, le=le, L=p["L"], lg=LG)
        assert r.gap == pytest.approx(g.relative, rel=1e-9)
        assert g.primal == pytest.approx(r.objective, rel=1e-12)
        assert r.gap <= tol
        assert r.objective - ref.objective <= g.gap + 1e-12 * abs(r.objective)
        assert r.objective >= ref.objective - 1e-12 * abs(r.objective)
    # Periodic checks every 5 iterations after min_iter = 3 (rtol = 0 never fires): the solve
    # stops on a check.
    _, r = _chunked(p, le, chunks=2, rtol=0.0, max_iter=3000, gap_tol=1e-3, gap_every=5, min_iter=3)
    assert r.converged and (r.n_iter - 3) % 5 == 0 and r.gap <= 1e-3
    # The long solve ends on its rounding floor: its objective stops resolving changes of about
    # 1e-16 relative, which are quadratic in the distance to the optimum, while the gap is
    # linear in it; so its gap is about 1e-8 (measured 4e-8 and 5e-9), far below the tolerances.
    g_ref = code_gap(p["X"], ref_z, p["D"], ld=LD, lz=LZ, E=E, le=le, L=p["L"], lg=LG)
    assert g_ref.relative <= 1e-6


def test_chunked_min_iter(problem):
    """No stopping test before min_iter: a criterion that fires at once waits for it."""
    p = problem
    _, r = _chunked(p, chunks=3, rtol=10.0, max_iter=100)
    assert r.converged and r.n_iter == 1  # any relative change is below rtol = 10
    _, r = _chunked(p, chunks=3, rtol=10.0, max_iter=100, min_iter=17)
    assert r.converged and r.n_iter == 17
    # With the gap rule, the rtol criterion firing at min_iter triggers a check, which passes.
    _, r = _chunked(p, chunks=3, rtol=10.0, max_iter=100, min_iter=12, gap_tol=1.0)
    assert r.converged and r.n_iter == 12 and r.gap <= 1.0
    # min_iter beyond max_iter: the cap ends the solve, unconverged, with the result's gap.
    _, r = _chunked(p, chunks=3, rtol=10.0, max_iter=8, min_iter=20, gap_tol=1.0)
    assert not r.converged and r.n_iter == 8 and 0 < r.gap < math.inf


def test_chunked_without_l1_has_no_gap(problem):
    """lz = 0: no dual bound exists, the gap is nan and rtol decides."""
    p = problem
    z = torch.zeros(N, m, dtype=torch.float64)
    lip = sparse_code(p["X"], p["D"], 0.0, LD, L=p["lap"], lg=LG, max_iter=0).lipschitz
    r = fista_lasso_graph_chunked(
        p["X"], p["D"], LD, p["L"], LG, 0.0, z, 1 / lip, rtol=1e-6, gap_tol=1e-3, chunks=2
    )
    assert r.converged and math.isnan(r.gap)


def test_chunked_strided_codes(problem):
    """Codes that are a strided view are solved in a buffer of their own: the same result."""
    p = problem
    z, r = _chunked(p, chunks=3, rtol=0.0, max_iter=15)
    wide = torch.zeros(N, 2 * m, dtype=torch.float64)
    view = wide[:, ::2]
    lip = sparse_code(p["X"], p["D"], LZ, LD, L=p["lap"], lg=LG, max_iter=0).lipschitz
    s = fista_lasso_graph_chunked(
        p["X"], p["D"], LD, p["L"], LG, LZ, view, 1 / lip, rtol=0.0, max_iter=15, chunks=3
    )
    assert torch.equal(view, z) and s.objective == r.objective
    assert not wide[:, 1::2].any()


def test_chunked_allocates_no_code_sized_temporaries(problem):
    """Beyond its fixed buffers the solver (gap included) allocates only row-block temporaries.

    Fixed: the extrapolated point (N m values), one N x mc work buffer and two N x n residuals.
    The profiler sees every allocation of the CPU allocator.
    """
    from torch.profiler import ProfilerActivity, profile

    p = problem
    z = torch.zeros(N, m, dtype=torch.float64)
    args = (p["X"], p["D"], LD, p["L"], LG, LZ, z, 1e-3)
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fista_lasso_graph_chunked(
            *args, rtol=0.0, max_iter=4, gap_tol=0.0, gap_every=2, rows=50, chunks=4
        )
    sizes = [e.self_cpu_memory_usage for e in prof.events() if e.self_cpu_memory_usage > 0]
    item, mc = z.element_size(), m // 4  # 4 chunks; row blocks of 50 x 4 values
    assert sorted(s for s in sizes if s >= N * mc * item) == sorted(
        [N * m * item, N * mc * item, N * n * item, N * n * item]
    )


def test_to_torch_csr_int32_shared(problem):
    """int32 indices when they fit, shared with scipy where the dtypes match; same products."""
    lap32 = sp.csr_matrix(problem["lap"], dtype=np.float32)
    lap32.indptr, lap32.indices = lap32.indptr.astype(np.int32), lap32.indices.astype(np.int32)
    L = to_torch_csr(lap32, "cpu", torch.float32)
    assert L.crow_indices().dtype == L.col_indices().dtype == torch.int32
    assert L.crow_indices().data_ptr() == lap32.indptr.ctypes.data
    assert L.col_indices().data_ptr() == lap32.indices.ctypes.data
    assert L.values().data_ptr() == lap32.data.ctypes.data
    L64 = to_torch_csr(lap32, "cpu", torch.float64, index_dtype=torch.int64)
    assert L64.crow_indices().dtype == torch.int64 and L64.values().dtype == torch.float64
    Z = torch.rand(N, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    # The same float64 products (the values are the float32 ones either way), exactly.
    assert torch.equal(torch.sparse.mm(L.double(), Z), torch.sparse.mm(L64, Z))
    with pytest.raises(ValueError, match="index_dtype"):
        to_torch_csr(lap32, "cpu", torch.float32, index_dtype=torch.int16)
