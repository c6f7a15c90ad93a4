import numpy as np
import pytest
import scipy.sparse as sp

from genrelearn import graph
from genrelearn.graph import (
    BACKENDS,
    KnnResult,
    add_noise,
    adjacency,
    knn_search,
    laplacian,
    minmax_scale,
    recall_at_k,
    resolve_backend,
)

# ------------------------------------------------------------------------------------------
# fixtures and helpers
# ------------------------------------------------------------------------------------------


def brute_force(X, k):
    """Plain numpy kNN (self included), float64 distances."""
    X = np.asarray(X, dtype=np.float64)
    sq = (X**2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0)
    np.fill_diagonal(d2, -1)  # self first
    idx = np.argsort(d2, axis=1, kind="stable")[:, :k]
    np.fill_diagonal(d2, 0)
    return idx, np.sqrt(np.take_along_axis(d2, idx, axis=1))


def clustered(n=5000, dim=96, latent=8, n_clusters=40, seed=0):
    """Low-dimensional clustered data embedded linearly in ``dim`` dimensions."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(n_clusters, latent))
    labels = rng.integers(n_clusters, size=n)
    z = centres[labels] + rng.normal(size=(n, latent))
    mix = rng.normal(size=(latent, dim)) / np.sqrt(latent)
    X = z @ mix + 0.05 * rng.normal(size=(n, dim))
    return minmax_scale(X)[0]


@pytest.fixture(scope="module")
def small():
    return np.random.default_rng(3).random((300, 12)).astype(np.float32)


@pytest.fixture(scope="module")
def structured():
    X = clustered()
    return X, knn_search(X, k=11, backend="exact", n_jobs=2)


# ------------------------------------------------------------------------------------------
# scaling and noise
# ------------------------------------------------------------------------------------------


def test_minmax_scale_maps_columns_to_unit_interval():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)) * [1, 10, 100, 0.1, 1] + [0, 5, -3, 2, 0]
    X[:, 4] = 7.0  # constant column
    Y, lo, hi = minmax_scale(X)
    assert Y.dtype == np.float32
    np.testing.assert_allclose(Y[:, :4].min(0), 0, atol=1e-7)
    np.testing.assert_allclose(Y[:, :4].max(0), 1, atol=1e-6)
    assert (Y[:, 4] == 0).all()
    np.testing.assert_allclose(lo, X.min(0))
    np.testing.assert_allclose(hi, X.max(0))
    np.testing.assert_allclose(Y[:, :4], (X[:, :4] - lo[:4]) / (hi[:4] - lo[:4]), atol=1e-6)


def test_minmax_scale_applies_a_fitted_scaling():
    X = np.array([[0.0, 10.0], [2.0, 20.0]])
    _, lo, hi = minmax_scale(X)
    Y, lo2, hi2 = minmax_scale(np.array([[1.0, 30.0], [-2.0, 15.0]]), lo, hi)
    np.testing.assert_allclose(Y, [[0.5, 2.0], [-1.0, 0.5]])  # inductive: no clipping
    np.testing.assert_array_equal(lo2, lo)
    np.testing.assert_array_equal(hi2, hi)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"lo": np.zeros(2)}, "lo and hi"),
        ({"lo": np.zeros(3), "hi": np.ones(3)}, "lo"),
        ({"lo": np.ones(2), "hi": np.zeros(2)}, "hi"),
    ],
)
def test_minmax_scale_rejects_bad_bounds(kwargs, word):
    with pytest.raises(ValueError, match=word):
        minmax_scale(np.ones((4, 2)), **kwargs)


def test_minmax_scale_rejects_bad_input():
    with pytest.raises(ValueError, match="X"):
        minmax_scale(np.ones(5))
    with pytest.raises(ValueError, match="NaN"):
        minmax_scale(np.array([[1.0, np.nan]]))


def test_add_noise_is_seeded():
    X = np.zeros((500, 4), dtype=np.float32)
    a, b, c = add_noise(X, 0.1, seed=1), add_noise(X, 0.1, seed=1), add_noise(X, 0.1, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.float32
    assert abs(a.std() - 0.1) < 0.01
    assert (X == 0).all()  # input untouched
    assert add_noise(X, 0.0, seed=1) is X
    with pytest.raises(ValueError, match="std"):
        add_noise(X, -1.0, seed=1)


# ------------------------------------------------------------------------------------------
# kNN search
# ------------------------------------------------------------------------------------------


def test_exact_matches_brute_force(small):
    res = knn_search(small, k=11, backend="exact")
    idx, dist = brute_force(small, 11)
    assert isinstance(res, KnnResult)
    assert res.backend == "exact"
    assert res.indices.shape == (300, 11) and res.indices.dtype == np.int64
    assert res.distances.shape == (300, 11) and res.distances.dtype == np.float32
    # The returned distances are float32 roundings of float64 sums over float32 differences:
    # off by <= 2 u d (u = 2**-24) <= 5e-7 for these d <= 3.5; the reference is float64.
    np.testing.assert_allclose(res.distances, dist, atol=1e-5)
    # indices agree except where two candidates are at the same distance
    mismatch = res.indices != idx
    assert mismatch.mean() < 0.01
    d_res = np.linalg.norm(small[res.indices].astype(np.float64) - small[:, None, :], axis=2)
    np.testing.assert_allclose(d_res, dist, atol=1e-5)
    assert res.seconds >= 0


def test_self_first_and_sorted(small):
    for backend in ("exact", "hnsw", "flann"):
        res = knn_search(small, k=5, backend=backend)
        np.testing.assert_array_equal(res.indices[:, 0], np.arange(len(small)))
        assert (res.distances[:, 0] == 0).all()
        assert (np.diff(res.distances, axis=1) >= 0).all()
        # no repeated ids in a row
        s = np.sort(res.indices, axis=1)
        assert (s[:, 1:] != s[:, :-1]).all()


def test_duplicates_keep_self_in_column_0():
    rng = np.random.default_rng(0)
    X = np.vstack([np.zeros((8, 3)), rng.random((40, 3)) + 1]).astype(np.float32)
    res = knn_search(X, k=4, backend="exact")
    np.testing.assert_array_equal(res.indices[:, 0], np.arange(48))
    assert (res.distances[:8] == 0).all()
    assert (res.indices[:8] < 8).all()


def test_k_equal_one_and_k_equal_n(small):
    res = knn_search(small[:20], k=1, backend="exact")
    np.testing.assert_array_equal(res.indices[:, 0], np.arange(20))
    full = knn_search(small[:20], k=20, backend="exact")
    assert (np.sort(full.indices, axis=1) == np.arange(20)).all()


@pytest.mark.parametrize(
    ("backend", "options"),
    [
        ("hnsw", {}),
        ("flann", {}),
        ("flann", {"algorithm": "kdtree", "trees": 4, "checks": 512}),
    ],
)
def test_approximate_backends_reach_recall(structured, backend, options):
    X, exact = structured
    res = knn_search(X, k=11, backend=backend, n_jobs=2, **options)
    assert res.backend == backend
    assert recall_at_k(res.indices, exact.indices) >= 0.9
    # distances are exact for the returned ids: off by <= 2 u d <= 1.2e-6 (d <= sqrt(96)) from
    # the float64 reference (a float32 norm over 96 terms would itself be off by up to 3e-5)
    d = np.linalg.norm(X[res.indices].astype(np.float64) - X[:, None, :], axis=2)
    np.testing.assert_allclose(res.distances, d, atol=1e-5)


def test_flann_autotuned_runs(structured):
    # FLANN's autotuning times candidate indexes: ~12 s from a few thousand points on, so only a
    # small run here (at this size it may settle for linear search). Its target_precision is a
    # precision on sampled query points, not recall@10.
    X = structured[0][:500]
    res = knn_search(X, k=11, backend="flann", algorithm="autotuned", target_precision=0.9)
    exact = knn_search(X, k=11, backend="exact")
    np.testing.assert_array_equal(res.indices[:, 0], np.arange(500))
    assert recall_at_k(res.indices, exact.indices) >= 0.5
    assert {"algorithm", "checks"} <= set(res.options["tuned"])


def test_hnsw_seed_reaches_the_index():
    # With weak settings the found neighbours depend on the random levels: the same seed
    # (single thread) gives the same graph, another seed another one. (FLANN is not seedable:
    # pyflann-ibeis's FLANN draws its k-d tree shuffles from std::random_device.)
    X = np.random.default_rng(0).random((2000, 20)).astype(np.float32)
    weak = {"M": 4, "ef_construction": 11, "ef_search": 11}
    a = knn_search(X, k=11, backend="hnsw", seed=1, **weak)
    b = knn_search(X, k=11, backend="hnsw", seed=2, **weak)
    c = knn_search(X, k=11, backend="hnsw", seed=1, **weak)
    np.testing.assert_array_equal(a.indices, c.indices)
    assert (a.indices != b.indices).any()


def test_faiss_thread_count_restored(small):
    faiss = pytest.importorskip("faiss")
    before = faiss.omp_get_max_threads()
    knn_search(small, k=3, backend="exact", n_jobs=1)
    assert faiss.omp_get_max_threads() == before


def test_sklearn_fallback_without_faiss(small, monkeypatch):
    real = graph._try_import
    monkeypatch.setattr(graph, "_try_import", lambda name: None if name == "faiss" else real(name))
    res = knn_search(small, k=6, backend="exact")
    ref = brute_force(small, 6)[1]
    np.testing.assert_allclose(res.distances, ref, atol=1e-5)
    assert resolve_backend("auto", 10**7) == "exact"
    with pytest.raises(ImportError, match="faiss"):
        knn_search(small, k=6, backend="hnsw")


def test_hnswlib_backend(small):
    pytest.importorskip("hnswlib")
    res = knn_search(small, k=6, backend="hnswlib")
    assert res.backend == "hnswlib"
    np.testing.assert_array_equal(res.indices[:, 0], np.arange(len(small)))
    assert recall_at_k(res.indices, knn_search(small, k=6, backend="exact").indices) > 0.9
    again = knn_search(small, k=6, backend="hnswlib")
    np.testing.assert_array_equal(res.indices, again.indices)


def test_hnswlib_missing_gives_install_hint(small, monkeypatch):
    real = graph._try_import
    monkeypatch.setattr(graph, "_try_import", lambda n: None if n == "hnswlib" else real(n))
    with pytest.raises(ImportError, match="pip install"):
        knn_search(small, k=6, backend="hnswlib")
    with pytest.raises(ImportError, match="hnswlib"):
        resolve_backend("hnswlib", 10)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"k": 0}, "k"),
        ({"k": 2.5}, "k"),
        ({"k": True}, "k"),
        ({"k": 301}, "k"),
        ({"backend": "annoy"}, "backend"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"seed": -1}, "seed"),
        ({"backend": "exact", "ef_search": 3}, "ef_search"),
        ({"backend": "hnsw", "M": 0}, "M"),
        ({"backend": "flann", "algorithm": "lsh"}, "algorithm"),
        ({"backend": "flann", "algorithm": "autotuned", "trees": 4}, "trees"),
        ({"backend": "flann", "algorithm": "autotuned", "target_precision": 1.5}, "target"),
    ],
)
def test_knn_search_rejects_bad_arguments(small, kwargs, word):
    with pytest.raises(ValueError, match=word):
        knn_search(small, **kwargs)


def test_knn_search_rejects_bad_data():
    with pytest.raises(ValueError, match="X"):
        knn_search(np.ones(10), k=1)
    with pytest.raises(ValueError, match="NaN"):
        knn_search(np.array([[0.0], [np.inf]]), k=1)


def test_resolve_backend():
    assert resolve_backend("auto", 1000) == "exact"
    assert resolve_backend("auto", 10**6) == "hnsw"
    assert resolve_backend("auto", 10, auto_threshold=5) == "hnsw"
    for name in BACKENDS:
        assert resolve_backend(name, 10**6) == name
    with pytest.raises(ValueError, match="backend"):
        resolve_backend("kdtree", 10)
    with pytest.raises(ValueError, match="n"):
        resolve_backend("auto", -1)


def test_recall_at_k_hand_made():
    exact = np.array([[0, 1, 2, 3], [1, 0, 2, 3]])
    approx = np.array([[0, 1, 3, 9], [1, 7, 8, 9]])
    # row 0 finds 1 and 3 of {1,2,3}; row 1 finds none of {0,2,3}
    assert recall_at_k(approx, exact) == pytest.approx(2 / 6)
    # k=1: row 0 finds 1, row 1 misses 0
    assert recall_at_k(approx, exact, k=1) == pytest.approx(0.5)
    # order inside the top-k does not matter; self column ignored
    assert recall_at_k(np.array([[5, 3, 2, 1]]), np.array([[0, 1, 2, 3]])) == 1.0
    assert recall_at_k(exact, exact) == 1.0
    with pytest.raises(ValueError, match="k"):
        recall_at_k(approx, exact, k=4)
    with pytest.raises(ValueError, match="rows"):
        recall_at_k(approx[:1], exact)


# ------------------------------------------------------------------------------------------
# adjacency and Laplacian
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def knn_small(small):
    return knn_search(small, k=11, backend="exact")


def test_adjacency_is_sparse_symmetric_with_self_loops(knn_small):
    W = adjacency(knn_small)
    assert sp.issparse(W) and isinstance(W, sp.csr_matrix)
    assert W.shape == (300, 300) and W.dtype == np.float32
    assert W.nnz <= 300 * 11 * 2
    assert abs(W - W.T).max() == 0
    np.testing.assert_array_equal(W.diagonal(), 1.0)
    assert (W.data > 0).all() and (W.data <= 1).all()
    W0 = adjacency(knn_small, self_loops=False)
    np.testing.assert_array_equal(W0.diagonal(), 0.0)
    assert W0.nnz == W.nnz - 300
    assert (W - W0 - sp.identity(300)).nnz == 0 or abs(W - W0 - sp.identity(300)).max() == 0


def test_adjacency_weights_by_hand(knn_small):
    ids, dist = knn_small.indices, knn_small.distances.astype(np.float64)
    sigma = dist[:, 10].mean()  # distance to the 11th (farthest kept) neighbour
    W = adjacency(ids, dist, csigma=1.0)
    i, j = 17, int(ids[17, 3])

    def expected(csigma):
        s = csigma * sigma
        w = np.exp(-dist[i, 3] / s)
        if i in ids[j]:  # symmetrisation keeps the larger of both directions
            w = max(w, np.exp(-dist[j, list(ids[j]).index(i)] / s))
        return w

    assert W[i, j] == pytest.approx(expected(1.0), rel=1e-6)
    assert W[j, i] == W[i, j]
    W2 = adjacency(ids, dist, csigma=2.0)
    assert W2[i, j] == pytest.approx(expected(2.0), rel=1e-6)
    # a pair that is nobody's neighbour has no entry
    far = np.setdiff1d(np.arange(300), np.concatenate([ids[5], np.nonzero(ids == 5)[0]]))[0]
    assert W[5, far] == 0


def test_adjacency_toy_graph():
    # three points on a line at 0, 1, 3; k = 2 (self + nearest)
    ids = np.array([[0, 1], [1, 0], [2, 1]])
    dist = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 2.0]])
    W = adjacency(ids, dist).toarray()
    sigma = (1 + 1 + 2) / 3
    a, b = np.exp(-1 / sigma), np.exp(-2 / sigma)
    np.testing.assert_allclose(W, [[1, a, 0], [a, 1, b], [0, b, 1]], rtol=1e-6)


def test_adjacency_rejects_bad_input(knn_small):
    ids, dist = knn_small.indices, knn_small.distances
    with pytest.raises(ValueError, match="distances"):
        adjacency(ids)
    with pytest.raises(ValueError, match="distances"):
        adjacency(knn_small, dist)
    with pytest.raises(ValueError, match="distances"):
        adjacency(ids, dist[:, :5])
    with pytest.raises(ValueError, match="csigma"):
        adjacency(knn_small, csigma=0)
    with pytest.raises(ValueError, match="indices"):
        adjacency(ids + 1000, dist)
    with pytest.raises(ValueError, match="sigma"):
        adjacency(ids, np.zeros_like(dist))


def test_normalized_laplacian(knn_small):
    W = adjacency(knn_small)
    L = laplacian(W)
    assert isinstance(L, sp.csr_matrix) and L.shape == W.shape
    assert abs(L - L.T).max() < 1e-6
    # float64 degrees, as the library's (W.sum would add the float32 weights in float32); L is
    # their float64 result rounded to float32, so each check below is off by a few u32 = 6e-8
    # times the row's size (|L_ij| <= 1, degrees 4.3 to 16.5).
    degree = np.asarray(W.astype(np.float64).sum(axis=1)).ravel()
    np.testing.assert_allclose(L @ np.sqrt(degree), 0, atol=1e-5)
    ev = np.linalg.eigvalsh(L.toarray().astype(np.float64))
    assert ev.min() >= -1e-5 and ev.max() <= 2 + 1e-5
    np.testing.assert_allclose(L.diagonal(), 1 - 1 / degree, atol=1e-6)


def test_combinatorial_laplacian(knn_small):
    W = adjacency(knn_small)
    L = laplacian(W, kind="combinatorial")
    # Row sums in float64 of the float32-rounded L: off by <= u32 sum_j |L_ij| < 2 u32 degree
    # = 2e-6 (degrees <= 16.5); a float32 sum of the row could add some 22 u32 |L_ii| more.
    row_sums = np.asarray(L.astype(np.float64).sum(axis=1)).ravel()
    np.testing.assert_allclose(row_sums, 0, atol=1e-5)
    ev = np.linalg.eigvalsh(L.toarray().astype(np.float64))
    assert ev.min() >= -1e-5
    Lw = laplacian(adjacency(knn_small, self_loops=False), kind="combinatorial")
    np.testing.assert_allclose((L - Lw).toarray(), 0, atol=1e-6)  # self-loops cancel


def test_laplacian_isolated_vertex_and_errors():
    W = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=np.float64))
    L = laplacian(W).toarray()
    np.testing.assert_allclose(L, [[1, -1, 0], [-1, 1, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="kind"):
        laplacian(W, kind="random-walk")
    with pytest.raises(ValueError, match="square"):
        laplacian(sp.csr_matrix((2, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        laplacian(-W)
