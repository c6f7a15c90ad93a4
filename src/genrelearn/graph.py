"""The k-nearest-neighbour graph of the thesis and its Laplacian.

Defferrard (2015) connects every CQT frame (a 96-d vector, min-max scaled per bin, optionally
with added white noise) to its ``K = 11`` nearest neighbours, *self included* (10 neighbours plus
the point itself), under the Euclidean distance. The edge weights are

    w_ij = exp(-d_ij / sigma),   sigma = Csigma * mean_i d_i(K),

with ``d`` the **non-squared** Euclidean distance and ``d_i(K)`` the distance from vertex ``i`` to
its ``K``-th (farthest kept) neighbour; ``Csigma = 1``. The diagonal is set to 1 (self-loops),
the matrix is symmetrised by the element-wise maximum ``W <- max(W, W^T)`` and explicit zeros are
removed. The graph enters the auto-encoder through the symmetric normalised Laplacian
``L = I - A^{-1/2} W A^{-1/2}``, whose degrees ``A`` include the self-loop.

The thesis searched the neighbours with FLANN (``algorithm='autotuned', target_precision=0.99``),
which is approximate and not seeded. Here the search has interchangeable backends (see
:func:`knn_search`): exact brute force with faiss, faiss HNSW, FLANN through ``pyflann_ibeis``
and, when installed, hnswlib. Every backend returns the same layout (:class:`KnnResult`): row
``i`` starts with ``i`` itself at distance 0, and the other distances are recomputed exactly from
the data for the returned ids, so backends differ only in *which* neighbours they find.

Everything stays sparse: no function here builds a dense ``N x N`` matrix.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

BACKENDS = ("exact", "hnsw", "flann")
"""Backends always accepted by :func:`knn_search` (``"hnswlib"`` too when it is importable)."""

OPTIONAL_BACKENDS = ("hnswlib",)
"""Backends that need an optional package (``pip install 'genrelearn[bench]'``)."""

AUTO_THRESHOLD = 100_000
"""Default size from which ``backend="auto"`` switches from exact search to HNSW."""

LAPLACIAN_KINDS = ("normalized", "combinatorial")

_DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "exact": {"batch_size": 16_384},
    "hnsw": {"M": 16, "ef_construction": 40, "ef_search": 32, "batch_size": 16_384},
    "flann": {
        "algorithm": "kdtree",
        "trees": 8,
        "checks": 256,
        "target_precision": 0.99,
        "build_weight": 0.01,
        "memory_weight": 0.0,
        "sample_fraction": 0.1,
    },
    "hnswlib": {"M": 32, "ef_construction": 80, "ef_search": 64},
}
_FLANN_ALGORITHMS = ("kdtree", "kmeans", "autotuned")
_FLANN_KEYS = {
    "kdtree": ("trees", "checks"),
    "kmeans": ("checks",),
    "autotuned": ("target_precision", "build_weight", "memory_weight", "sample_fraction"),
}
_HNSWLIB_HINT = (
    "the 'hnswlib' backend needs the optional hnswlib package: "
    "pip install 'genrelearn[bench]' (or pip install hnswlib==0.8.0); it compiles from source "
    "with -march=native unless HNSWLIB_NO_NATIVE=1 is set"
)
_FAISS_HINT = "the 'hnsw' backend needs faiss: pip install faiss-cpu"
_FLANN_HINT = "the 'flann' backend needs FLANN's Python binding: pip install pyflann-ibeis==2.5.0"


@dataclass
class KnnResult:
    """Result of :func:`knn_search`.

    Attributes
    ----------
    indices : numpy.ndarray
        ``(N, k)`` int64 neighbour ids. Column 0 is the point itself.
    distances : numpy.ndarray
        ``(N, k)`` float32 Euclidean (not squared) distances, ascending along each row; column
        0 is exactly 0.
    backend : str
        The backend that ran (``"auto"`` is resolved).
    seconds : float
        Wall time of the whole search (index build, search and post-processing).
    build_seconds : float
        Part of ``seconds`` spent building the index (0 for brute force).
    options : dict
        Backend settings actually used (defaults filled in), for provenance.
    """

    indices: np.ndarray
    distances: np.ndarray
    backend: str
    seconds: float
    build_seconds: float = 0.0
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def k(self) -> int:
        """Neighbours per vertex, self included."""
        return int(self.indices.shape[1])


# ----------------------------------------------------------------------------------------------
# Input preparation: scaling and noise
# ----------------------------------------------------------------------------------------------


def _as_2d(X: Any, name: str = "X") -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (samples x features), got shape {X.shape}")
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{name} must have at least one row and one column, got {X.shape}")
    if not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer)):
        raise ValueError(f"{name} must hold real numbers, got dtype {X.dtype}")
    return X


def _check_finite(X: np.ndarray, name: str = "X", chunk: int = 65_536) -> None:
    for start in range(0, X.shape[0], chunk):
        if not np.isfinite(X[start : start + chunk]).all():
            raise ValueError(f"{name} contains NaN or infinite values")


def minmax_scale(
    X: np.ndarray,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale every column to ``[0, 1]`` by its minimum and maximum.

    The thesis scales each of the 96 CQT bins over the whole loaded subset (transductive). Pass
    the ``lo``/``hi`` of an earlier call to apply that fitted scaling to new data instead
    (inductive); values outside the fitted range then fall outside ``[0, 1]`` (no clipping).

    Parameters
    ----------
    X : numpy.ndarray
        ``(N, d)`` data.
    lo, hi : numpy.ndarray, optional
        ``(d,)`` column minima and maxima to apply. Give both or neither; when neither is given
        they are fitted on ``X``.

    Returns
    -------
    scaled : numpy.ndarray
        ``(N, d)`` float32 ``(X - lo) / (hi - lo)``; a constant column (``hi == lo``) maps to 0.
    lo, hi : numpy.ndarray
        ``(d,)`` float64 minima and maxima used.

    Raises
    ------
    ValueError
        If ``X`` is not a finite 2-D array, only one of ``lo``/``hi`` is given, their shapes do
        not match ``X``'s columns, or ``hi < lo`` somewhere.
    """
    X = _as_2d(X)
    _check_finite(X)
    if (lo is None) != (hi is None):
        raise ValueError("lo and hi must be given together (a fitted scaling) or both omitted")
    if lo is None or hi is None:
        lo = X.min(axis=0).astype(np.float64)
        hi = X.max(axis=0).astype(np.float64)
    else:
        lo = np.asarray(lo, dtype=np.float64).reshape(-1)
        hi = np.asarray(hi, dtype=np.float64).reshape(-1)
        for name, value in (("lo", lo), ("hi", hi)):
            if value.shape != (X.shape[1],):
                raise ValueError(
                    f"{name} must have one value per column ({X.shape[1]}), got {value.shape}"
                )
            if not np.isfinite(value).all():
                raise ValueError(f"{name} contains NaN or infinite values")
        if (hi < lo).any():
            raise ValueError("hi must be >= lo in every column")
    span = hi - lo
    scale = np.divide(1.0, span, out=np.zeros_like(span), where=span > 0)
    lo32 = lo.astype(np.float32)
    scale32 = scale.astype(np.float32)
    out = np.empty(X.shape, dtype=np.float32)
    chunk = 65_536
    for start in range(0, X.shape[0], chunk):
        block = out[start : start + chunk]
        np.subtract(X[start : start + chunk], lo32, out=block, casting="unsafe")
        block *= scale32
    return out, lo, hi


def add_noise(X: np.ndarray, std: float, seed: int) -> np.ndarray:
    """Add white Gaussian noise ``N(0, std^2)`` to ``X`` (the thesis's ``noise_std``).

    Parameters
    ----------
    X : numpy.ndarray
        Data, usually the output of :func:`minmax_scale`.
    std : float
        Noise standard deviation (>= 0). With 0, ``X`` itself is returned, unchanged and
        uncopied.
    seed : int
        Seed of a :func:`numpy.random.default_rng` generator: the same seed gives the same
        noise.

    Returns
    -------
    numpy.ndarray
        A new array ``X + noise``, float32 when ``X`` is float32 (else float64).

    Raises
    ------
    ValueError
        If ``std`` is negative or not finite.
    """
    std = float(std)
    if not np.isfinite(std) or std < 0:
        raise ValueError(f"std must be a finite number >= 0, got {std}")
    if std == 0:
        return X
    X = np.asarray(X)
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(X.shape, dtype=dtype)
    noise *= dtype(std)
    noise += X
    return noise


# ----------------------------------------------------------------------------------------------
# Nearest-neighbour search
# ----------------------------------------------------------------------------------------------


def _try_import(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _hnswlib_available() -> bool:
    return _try_import("hnswlib") is not None


def resolve_backend(backend: str, n: int, auto_threshold: int = AUTO_THRESHOLD) -> str:
    """Resolve a backend name, mapping ``"auto"`` to a concrete backend.

    ``"auto"`` picks exact brute force (faiss ``IndexFlatL2``) below ``auto_threshold`` points
    and faiss HNSW (default settings) from there on. Measured with ``benchmarks/bench_knn.py``
    on min-max scaled CQT frames, two cores: exact search is ``O(N^2 d)``, about 90 CPU-bound
    seconds at 200,000 points (about 20 s at 100,000) and an estimated one to two and a half
    hours for GTZAN's 1,288,000 frames; faiss HNSW builds and searches those 1,288,000 frames
    in 94 s at recall@10 0.971 (the defaults, ``M=16, ef_construction=40, ef_search=32``) to
    183 s at 0.998 (``M=32, 80, 64``), on a machine loaded by other jobs (about half that with
    the two cores free), while FLANN k-d trees reach only 0.76 in 149 s. Below the threshold
    exact search costs seconds and is deterministic, so ``"auto"`` prefers it there.
    Without faiss, ``"auto"`` always falls back to ``"exact"`` (scikit-learn brute force).

    Parameters
    ----------
    backend : str
        ``"auto"``, one of :data:`BACKENDS`, or ``"hnswlib"``.
    n : int
        Number of points to index.
    auto_threshold : int
        Size from which ``"auto"`` chooses HNSW.

    Returns
    -------
    str
        A concrete backend name.

    Raises
    ------
    ValueError
        If ``backend`` is unknown or ``n``/``auto_threshold`` is negative.
    ImportError
        If ``backend`` is ``"hnswlib"`` and hnswlib is not installed.
    """
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n}")
    if int(auto_threshold) != auto_threshold or auto_threshold < 0:
        raise ValueError(f"auto_threshold must be a non-negative integer, got {auto_threshold}")
    if not isinstance(backend, str):
        raise ValueError(f"backend must be a string, got {backend!r}")
    if backend == "auto":
        if n < auto_threshold or _try_import("faiss") is None:
            return "exact"
        return "hnsw"
    if backend in BACKENDS:
        return backend
    if backend in OPTIONAL_BACKENDS:
        if not _hnswlib_available():
            raise ImportError(_HNSWLIB_HINT)
        return backend
    raise ValueError(f"unknown backend {backend!r}; choose 'auto', one of {BACKENDS}, or 'hnswlib'")


def _check_options(backend: str, options: dict[str, Any]) -> dict[str, Any]:
    allowed = _DEFAULT_OPTIONS[backend]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(
            f"unknown option(s) {unknown} for backend {backend!r}; allowed: {sorted(allowed)}"
        )
    merged = {**allowed, **options}
    for key, value in merged.items():
        if key == "algorithm":
            if value not in _FLANN_ALGORITHMS:
                raise ValueError(f"algorithm must be one of {_FLANN_ALGORITHMS}, got {value!r}")
        elif key in ("target_precision", "sample_fraction"):
            if not 0 < float(value) <= 1:
                raise ValueError(f"{key} must be in (0, 1], got {value}")
            merged[key] = float(value)
        elif key in ("build_weight", "memory_weight"):
            if not (np.isfinite(float(value)) and float(value) >= 0):
                raise ValueError(f"{key} must be a finite number >= 0, got {value}")
            merged[key] = float(value)
        else:
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f"{key} must be a positive integer, got {value!r}")
            merged[key] = int(value)
    if backend == "flann":
        keep = ("algorithm", *_FLANN_KEYS[merged["algorithm"]])
        stray = sorted(set(options) - set(keep))
        if stray:
            raise ValueError(
                f"option(s) {stray} do not apply to FLANN algorithm {merged['algorithm']!r}; "
                f"it takes {list(keep[1:])}"
            )
        merged = {key: merged[key] for key in keep}
    return merged


def _resolve_jobs(n_jobs: int) -> int:
    if isinstance(n_jobs, bool) or int(n_jobs) != n_jobs or not (n_jobs >= 1 or n_jobs == -1):
        raise ValueError(f"n_jobs must be a positive integer or -1 (all cores), got {n_jobs!r}")
    if n_jobs == -1:
        return (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )
    return int(n_jobs)


@contextmanager
def _faiss_threads(faiss: Any, n_jobs: int) -> Iterator[None]:
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n_jobs)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def _put_self_first(indices: np.ndarray, self_ids: np.ndarray) -> np.ndarray:
    """Return ids with ``self_ids`` in column 0 and the other ids in their found order.

    A row that already holds its own id loses that occurrence from its place; a row that does
    not (exact duplicates crowded it out, or an approximate search missed it) loses its last id.
    """
    n, k = indices.shape
    is_self = indices == self_ids[:, None]
    first_self = is_self & (np.cumsum(is_self, axis=1) == 1)
    keep = ~first_self
    keep[~first_self.any(axis=1), -1] = False
    out = np.empty((n, k), dtype=np.int64)
    out[:, 0] = self_ids
    out[:, 1:] = indices[keep].reshape(n, k - 1)
    return out


def _exact_distances(
    X: np.ndarray, self_ids: np.ndarray, nbr_ids: np.ndarray, batch: int = 8192
) -> np.ndarray:
    """Euclidean distances ``||X[self_ids[i]] - X[nbr_ids[i, j]]||`` (float64 accumulation)."""
    out = np.empty(nbr_ids.shape, dtype=np.float32)
    for start in range(0, len(self_ids), batch):
        stop = start + batch
        diff = X[nbr_ids[start:stop]] - X[self_ids[start:stop], None, :]
        sq = np.einsum("ijk,ijk->ij", diff, diff, dtype=np.float64)
        out[start:stop] = np.sqrt(sq)
    return out


def _finalize(
    X: np.ndarray, raw_ids: np.ndarray, self_ids: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Put self first, recompute exact distances and sort each row by them."""
    if self_ids is None:
        self_ids = np.arange(raw_ids.shape[0], dtype=np.int64)
    raw_ids = np.asarray(raw_ids).astype(np.int64, copy=False)
    if (raw_ids < 0).any() or (raw_ids >= X.shape[0]).any():
        raise RuntimeError(
            "the search returned invalid neighbour ids (fewer than k found); "
            "raise the backend's search effort (ef_search / checks)"
        )
    ids = _put_self_first(raw_ids, self_ids)
    dist = np.zeros(ids.shape, dtype=np.float32)
    if ids.shape[1] > 1:
        dist[:, 1:] = _exact_distances(X, ids[:, 0], ids[:, 1:])
        order = np.argsort(dist[:, 1:], axis=1, kind="stable")
        ids[:, 1:] = np.take_along_axis(ids[:, 1:], order, axis=1)
        dist[:, 1:] = np.take_along_axis(dist[:, 1:], order, axis=1)
    return ids, dist


def _search_exact(
    X: np.ndarray, k: int, n_jobs: int, opts: dict[str, Any]
) -> tuple[np.ndarray, float]:
    faiss = _try_import("faiss")
    if faiss is None:
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(n_neighbors=k, algorithm="brute", n_jobs=n_jobs).fit(X)
        return nn.kneighbors(X, return_distance=False), 0.0
    ids = np.empty((X.shape[0], k), dtype=np.int64)
    with _faiss_threads(faiss, n_jobs):
        index = faiss.IndexFlatL2(X.shape[1])
        index.add(X)
        for start in range(0, X.shape[0], opts["batch_size"]):
            stop = start + opts["batch_size"]
            _, ids[start:stop] = index.search(X[start:stop], k)
    return ids, 0.0


def _search_hnsw(
    X: np.ndarray, k: int, n_jobs: int, seed: int, opts: dict[str, Any]
) -> tuple[np.ndarray, float]:
    faiss = _try_import("faiss")
    if faiss is None:
        raise ImportError(_FAISS_HINT)
    ids = np.empty((X.shape[0], k), dtype=np.int64)
    with _faiss_threads(faiss, n_jobs):
        t0 = time.perf_counter()
        index = faiss.IndexHNSWFlat(X.shape[1], opts["M"])
        index.hnsw.efConstruction = opts["ef_construction"]
        # The level of each inserted point is drawn from this generator (faiss seeds it with
        # 12345 by default); the insertion itself is multi-threaded and not reproducible.
        index.hnsw.rng = faiss.RandomGenerator(int(seed))
        index.add(X)
        build = time.perf_counter() - t0
        index.hnsw.efSearch = max(opts["ef_search"], k)
        for start in range(0, X.shape[0], opts["batch_size"]):
            stop = start + opts["batch_size"]
            _, ids[start:stop] = index.search(X[start:stop], k)
    return ids, build


def _search_flann(
    X: np.ndarray, k: int, n_jobs: int, seed: int, opts: dict[str, Any]
) -> tuple[np.ndarray, float]:
    pyflann = _try_import("pyflann_ibeis")
    if pyflann is None:
        raise ImportError(_FLANN_HINT)
    flann = pyflann.FLANN()
    params = dict(opts)
    if params["algorithm"] == "kmeans":
        params["branching"] = 32
    t0 = time.perf_counter()
    used = flann.build_index(X, random_seed=int(seed), log_level="warning", **params)
    build = time.perf_counter() - t0
    if params["algorithm"] == "autotuned":
        # Record what the tuning chose (algorithm id, trees, branching, checks, ...).
        opts["tuned"] = {
            key: used[key]
            for key in ("algorithm", "trees", "branching", "iterations", "checks", "speedup")
            if key in used
        }
    ids, _ = flann.nn_index(X, k, cores=n_jobs)
    flann.delete_index()
    return np.asarray(ids).reshape(X.shape[0], k), build


def _search_hnswlib(
    X: np.ndarray, k: int, n_jobs: int, seed: int, opts: dict[str, Any]
) -> tuple[np.ndarray, float]:
    hnswlib = _try_import("hnswlib")
    if hnswlib is None:
        raise ImportError(_HNSWLIB_HINT)
    t0 = time.perf_counter()
    index = hnswlib.Index(space="l2", dim=X.shape[1])
    index.init_index(
        max_elements=X.shape[0],
        ef_construction=opts["ef_construction"],
        M=opts["M"],
        random_seed=int(seed),
    )
    # hnswlib inserts in the given order, and time-ordered frames (neighbours of neighbours
    # first) make a poor graph: insert in a seeded random order, as faiss does within a level.
    order = np.random.default_rng(seed).permutation(X.shape[0])
    chunk = 65_536
    for start in range(0, X.shape[0], chunk):
        ids = order[start : start + chunk]
        index.add_items(X[ids], ids, num_threads=n_jobs)
    build = time.perf_counter() - t0
    index.set_ef(max(opts["ef_search"], k))
    ids, _ = index.knn_query(X, k=k, num_threads=n_jobs)
    return ids.astype(np.int64), build


def knn_search(
    X: np.ndarray,
    k: int = 11,
    backend: str = "auto",
    n_jobs: int = 1,
    seed: int = 1,
    **options: Any,
) -> KnnResult:
    """Find the ``k`` nearest neighbours of every row of ``X`` among the rows of ``X``.

    ``k`` counts the point itself, as in the thesis (``K = 11``: self plus 10 neighbours).
    Whatever the backend, column 0 of the result is the point itself at distance 0 (a point
    with more than ``k - 1`` exact duplicates keeps itself and drops one duplicate), and the
    other distances are recomputed exactly (float64 accumulation) from ``X`` for the returned
    ids and sorted ascending. Backends therefore differ only in which neighbours they find.

    Backends and their ``options`` (defaults in brackets):

    ``"exact"``
        Brute force with faiss ``IndexFlatL2``, queried in batches of ``batch_size`` [16384]
        rows; falls back to scikit-learn ``NearestNeighbors(algorithm="brute")`` when faiss is
        not installed. Ties between equidistant points are broken arbitrarily.
    ``"hnsw"``
        faiss ``IndexHNSWFlat`` with ``M`` [16] links per node, ``ef_construction`` [40] and
        ``ef_search`` [32] (raised to ``k`` if smaller), ``batch_size`` [16384]. On GTZAN's
        1,288,000 CQT frames with two cores the defaults reach recall@10 0.971 within the
        two-minute goal; ``M=32, ef_construction=80, ef_search=64`` reaches 0.998 in twice the
        time.
    ``"flann"``
        ``pyflann_ibeis.FLANN`` (FLANN 1.8) with ``algorithm`` ``"kdtree"`` [default; ``trees``
        8, ``checks`` 256], ``"kmeans"`` (``checks``, branching 32) or ``"autotuned"`` (the
        thesis: ``target_precision`` [0.99], ``build_weight`` [0.01], ``memory_weight`` [0],
        ``sample_fraction`` [0.1]; slow to tune).
    ``"hnswlib"``
        hnswlib (optional extra ``bench``) with ``M`` [32], ``ef_construction`` [80],
        ``ef_search`` [64]; points are inserted in a seeded random order (time-ordered frames
        inserted in order give a much worse graph: recall@10 0.81 instead of 0.97).
    ``"auto"``
        See :func:`resolve_backend`.

    Determinism: ``"exact"`` is deterministic (up to ties). faiss's and hnswlib's HNSW draw
    the level of every node from a generator seeded with ``seed``, so with ``n_jobs=1`` they
    give identical results for identical input; with ``n_jobs > 1`` points are inserted
    concurrently and the graph, hence a few neighbours, can change from run to run (the search
    itself is deterministic). FLANN is **not** reproducible: ``seed`` is passed as its
    ``random_seed``, but the FLANN bundled in pyflann-ibeis 2.5.0 shuffles the k-d tree splits
    with a ``std::random_device``-seeded generator, and ``"autotuned"`` chooses its parameters
    from timings. The thesis's graph (autotuned FLANN) was not reproducible either.

    Parameters
    ----------
    X : numpy.ndarray
        ``(N, d)`` data; converted to C-contiguous float32.
    k : int
        Neighbours per point including itself, ``1 <= k <= N``.
    backend : str
        ``"auto"``, ``"exact"``, ``"hnsw"``, ``"flann"`` or ``"hnswlib"``.
    n_jobs : int
        Threads (``-1``: all available cores). faiss's global OpenMP thread count is restored
        afterwards.
    seed : int
        Seed for the randomised index structures.
    **options
        Backend settings, see above; an option the backend does not know raises ValueError.

    Returns
    -------
    KnnResult
        Neighbour ids and Euclidean distances, the backend used and timings.

    Raises
    ------
    ValueError
        If ``X`` is not a finite non-empty 2-D array, ``k``, ``n_jobs``, ``backend`` or an
        option is invalid (the message names it).
    ImportError
        If the package of the chosen backend is not installed.
    """
    X = _as_2d(X)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer (neighbours including self), got {k!r}")
    k = int(k)
    if k > X.shape[0]:
        raise ValueError(f"k={k} exceeds the number of points N={X.shape[0]}")
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    jobs = _resolve_jobs(n_jobs)
    name = resolve_backend(backend, X.shape[0])
    opts = _check_options(name, options)
    X = np.ascontiguousarray(X, dtype=np.float32)
    _check_finite(X)

    t0 = time.perf_counter()
    if name == "exact":
        raw, build = _search_exact(X, k, jobs, opts)
    elif name == "hnsw":
        raw, build = _search_hnsw(X, k, jobs, int(seed), opts)
    elif name == "flann":
        raw, build = _search_flann(X, k, jobs, int(seed), opts)
    else:
        raw, build = _search_hnswlib(X, k, jobs, int(seed), opts)
    ids, dist = _finalize(X, raw)
    seconds = time.perf_counter() - t0
    return KnnResult(ids, dist, name, seconds, build, opts)


def recall_at_k(approx: np.ndarray, exact: np.ndarray, k: int | None = None) -> float:
    """Fraction of the true ``k`` nearest neighbours (self excluded) that ``approx`` found.

    Both arrays follow the :class:`KnnResult` layout: one row per query, column 0 the query
    itself, then neighbours in ascending distance. Column 0 is ignored, and for each row the
    overlap of ``approx[i, 1:k+1]`` with ``exact[i, 1:k+1]`` is counted. Ties at the ``k``-th
    distance make the true set ambiguous; such rows may score below 1 against another exact
    answer.

    Parameters
    ----------
    approx : numpy.ndarray
        ``(n, ka)`` ids found by the method under test.
    exact : numpy.ndarray
        ``(n, ke)`` ids from an exact search.
    k : int, optional
        Neighbours compared, self excluded; ``1 <= k <= min(ka, ke) - 1``. Defaults to
        ``ke - 1`` (``recall@10`` for the thesis's ``K = 11``).

    Returns
    -------
    float
        Mean over rows of ``|found ∩ true| / k``, in ``[0, 1]``.

    Raises
    ------
    ValueError
        If the arrays are not 2-D with the same number of rows, or ``k`` is out of range.
    """
    approx = np.asarray(approx)
    exact = np.asarray(exact)
    if approx.ndim != 2 or exact.ndim != 2:
        raise ValueError(f"approx and exact must be 2-D, got {approx.shape} and {exact.shape}")
    if approx.shape[0] != exact.shape[0]:
        raise ValueError(
            f"approx and exact must have the same rows, got {approx.shape[0]} and {exact.shape[0]}"
        )
    k_max = min(approx.shape[1], exact.shape[1]) - 1
    if k is None:
        k = exact.shape[1] - 1
    if isinstance(k, bool) or int(k) != k or not 1 <= k <= k_max:
        raise ValueError(f"k must be an integer in 1..{k_max} (self excluded), got {k!r}")
    k = int(k)
    if approx.shape[0] == 0:
        raise ValueError("approx and exact have no rows")
    hits = 0
    chunk = 65_536
    for start in range(0, approx.shape[0], chunk):
        a = approx[start : start + chunk, 1 : k + 1]
        e = exact[start : start + chunk, 1 : k + 1]
        hits += int((a[:, :, None] == e[:, None, :]).any(axis=2).sum())
    return hits / (approx.shape[0] * k)


# ----------------------------------------------------------------------------------------------
# Graph and Laplacian
# ----------------------------------------------------------------------------------------------


def adjacency(
    result_or_indices: KnnResult | np.ndarray,
    distances: np.ndarray | None = None,
    csigma: float = 1.0,
    self_loops: bool = True,
) -> sp.csr_matrix:
    """Weighted, symmetric kNN adjacency matrix of the thesis.

    ``w_ij = exp(-d_ij / sigma)`` for every found pair, with ``sigma = csigma * mean_i
    d[i, -1]`` (the mean distance to the last, i.e. ``k``-th, neighbour kept). The diagonal is
    1 with ``self_loops`` and 0 (absent) without, whatever the ids say; the matrix is then
    symmetrised by ``W <- max(W, W^T)`` and explicit zeros (weights that underflowed) are
    removed. Row ``i`` of the ids is vertex ``i``; an id appearing twice in a row counts once.

    Parameters
    ----------
    result_or_indices : KnnResult or numpy.ndarray
        A :func:`knn_search` result, or ``(N, k)`` integer ids in ``0..N-1``.
    distances : numpy.ndarray, optional
        ``(N, k)`` Euclidean (non-squared) distances; required with raw ids, not allowed with
        a :class:`KnnResult`.
    csigma : float
        The thesis's ``Csigma`` (> 0).
    self_loops : bool
        Set ``W_ii = 1`` (the thesis's ``diag=True``).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(N, N)`` float32, symmetric, canonical format (sorted indices, no duplicates).

    Raises
    ------
    ValueError
        On inconsistent shapes, ids out of range, negative or non-finite distances, a
        non-positive ``csigma``, or ``sigma == 0`` (every ``k``-th neighbour at distance 0).
    """
    if isinstance(result_or_indices, KnnResult):
        if distances is not None:
            raise ValueError("distances must be omitted when a KnnResult is given")
        indices, distances = result_or_indices.indices, result_or_indices.distances
    else:
        indices = result_or_indices
        if distances is None:
            raise ValueError("distances are required when result_or_indices is an id array")
    indices = np.asarray(indices)
    distances = np.asarray(distances, dtype=np.float64)
    if indices.ndim != 2 or indices.shape[0] < 1 or indices.shape[1] < 1:
        raise ValueError(f"indices must be a non-empty (N, k) array, got shape {indices.shape}")
    if not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"indices must be integers, got dtype {indices.dtype}")
    if distances.shape != indices.shape:
        raise ValueError(
            f"distances must have the shape of indices {indices.shape}, got {distances.shape}"
        )
    n = indices.shape[0]
    if indices.min() < 0 or indices.max() >= n:
        raise ValueError(f"indices must lie in 0..{n - 1} (one row per vertex)")
    if not np.isfinite(distances).all() or (distances < 0).any():
        raise ValueError("distances must be finite and non-negative")
    csigma = float(csigma)
    if not np.isfinite(csigma) or csigma <= 0:
        raise ValueError(f"csigma must be a finite number > 0, got {csigma}")
    sigma = csigma * float(distances[:, -1].mean())
    if sigma <= 0:
        raise ValueError(
            "sigma is 0: every k-th neighbour is at distance 0 (duplicated points); "
            "use a larger k or add noise"
        )

    rows = np.repeat(np.arange(n, dtype=np.int64), indices.shape[1])
    cols = indices.astype(np.int64, copy=False).ravel()
    weights = np.exp(-distances.ravel() / sigma)
    off = rows != cols
    rows, cols, weights = rows[off], cols[off], weights[off]
    sorted_rows = np.sort(indices, axis=1)
    if (sorted_rows[:, 1:] == sorted_rows[:, :-1]).any():
        # Repeated ids in a row: keep each pair once, with its largest weight.
        key = rows * n + cols
        order = np.lexsort((-weights, key))
        key, weights = key[order], weights[order]
        first = np.ones(key.size, dtype=bool)
        first[1:] = key[1:] != key[:-1]
        key, weights = key[first], weights[first]
        rows, cols = key // n, key % n
    if self_loops:
        diag = np.arange(n, dtype=np.int64)
        rows = np.concatenate([rows, diag])
        cols = np.concatenate([cols, diag])
        weights = np.concatenate([weights, np.ones(n)])
    W = sp.csr_matrix((weights.astype(np.float32), (rows, cols)), shape=(n, n), dtype=np.float32)
    W = sp.csr_matrix(W.maximum(W.T))
    W.eliminate_zeros()
    W.sort_indices()
    return W


def laplacian(W: Any, kind: str = "normalized") -> sp.csr_matrix:
    """Graph Laplacian of a symmetric, non-negative adjacency matrix.

    ``"normalized"``: ``L = I - A^{-1/2} W A^{-1/2}`` (the thesis), ``"combinatorial"``:
    ``L = A - W``, where ``A = diag(W 1)`` are the degrees *including* self-loops. A vertex of
    degree 0 gets ``A^{-1/2} = 0``, hence ``L_ii = 1`` (normalised) or 0 (combinatorial).
    Degrees are accumulated in float64; explicit zeros are removed.

    Parameters
    ----------
    W : scipy.sparse matrix or array_like
        ``(N, N)`` symmetric adjacency, e.g. from :func:`adjacency`.
    kind : str
        ``"normalized"`` or ``"combinatorial"``.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(N, N)`` Laplacian, float32 for float32 input (else float64).

    Raises
    ------
    ValueError
        If ``kind`` is unknown or ``W`` is not square with non-negative weights.
    """
    if kind not in LAPLACIAN_KINDS:
        raise ValueError(f"unknown Laplacian kind {kind!r}; choose one of {LAPLACIAN_KINDS}")
    W = sp.csr_matrix(W)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square matrix, got shape {W.shape}")
    if W.nnz and (not np.isfinite(W.data).all() or (W.data < 0).any()):
        raise ValueError("W must have finite, non-negative weights")
    dtype = np.float32 if W.dtype == np.float32 else np.float64
    W64 = W.astype(np.float64)
    degree = np.asarray(W64.sum(axis=1)).ravel()
    n = W.shape[0]
    if kind == "combinatorial":
        L = sp.diags(degree, format="csr") - W64
    else:
        inv_sqrt = np.zeros(n)
        np.divide(1.0, np.sqrt(degree), out=inv_sqrt, where=degree > 0)
        scale = sp.diags(inv_sqrt, format="csr")
        L = sp.identity(n, format="csr") - scale @ W64 @ scale
    L = sp.csr_matrix(L, dtype=dtype)
    L.eliminate_zeros()
    L.sort_indices()
    return L
