"""The energy of the structured auto-encoder, its three quadratic sub-problems and step sizes.

Layout: the math of the thesis writes ``X`` (``n x N``), ``Z`` (``m x N``), ``D`` (``n x m``),
``E`` (``m x n``). Here, as in scikit-learn, frames are **rows**: ``X`` is ``(N, n)`` and the
codes ``Z`` are ``(N, m)`` (the transposes), while ``D`` stays ``(n, m)`` (atoms are columns) and
``E`` stays ``(m, n)``. In this layout the energy reads

    f = ld/2 ||X - Z D^T||^2 + lz ||Z||_1 + lg/2 <Z, L Z> + le/2 ||Z - X E^T||^2,

with ``L`` the ``(N, N)`` graph Laplacian (symmetric PSD). A weight of ``0`` (or ``None``)
removes its term. Each block of variables enters through a quadratic
``q(x) = 1/2 <x, A x> - <b, x> + c`` (:class:`~genrelearn.sae.fista.Quadratic`):

* codes: ``A Z = Z (ld D^T D + le I) + lg L Z``, ``b = X (ld D + le E^T)``,
  ``c = ld/2 ||X||^2 + le/2 ||X E^T||^2`` (gradient ``ld (Z D^T - X) D + le (Z - X E^T) + lg L Z``);
* dictionary: ``A D = ld D (Z^T Z)``, ``b = ld X^T Z``, ``c = ld/2 ||X||^2``;
* encoder: ``A E = le E (X^T X)``, ``b = le Z^T X``, ``c = le/2 ||Z||^2``.

The dictionary and encoder steps only need the Gram matrices ``Z^T Z`` (``m x m``), ``X^T Z``
(``n x m``) and ``X^T X`` (``n x n``), summed over row blocks in double precision
(:func:`gram_stats`), so their iterations cost ``O(n m^2)`` and not ``O(N)``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch

from genrelearn.sae.fista import Quadratic, dot, l1_norm

Tensor = torch.Tensor

STEP_RULES = ("tight", "thesis")
"""``thesis``: Frobenius-norm Lipschitz bounds of the original code; ``tight``: spectral norms."""

POWER_ITERATIONS = 50
"""Power iterations for the spectral norm of the Laplacian."""

SAFETY = 1.01
"""Factor applied to the power-iteration estimate of ``||L||_2`` (which is a lower bound)."""

BLOCK_ELEMENTS = 1 << 22
"""Default size of a row block (rows x columns) in the blockwise passes over the frames."""

CODE_BLOCK_ELEMENTS = {"cpu": 1 << 18, "cuda": 1 << 24}
"""Default size of a row block of the separable code step, per device type. On the CPU, blocks of
1 MiB per buffer keep FISTA's element-wise passes in the caches (per iteration, up to ~1.5x faster
than 16 MiB blocks at m = 128 and 512 on 2 cores); on a GPU, large blocks amortise launches."""


def block_rows(n_cols: int, elements: int = BLOCK_ELEMENTS) -> int:
    """Rows per block so that a block of ``n_cols`` columns holds about ``elements`` values."""
    return max(256, elements // max(1, n_cols))


def row_blocks(n_rows: int, rows: int) -> list[slice]:
    """Contiguous row slices of at most ``rows`` rows covering ``range(n_rows)``."""
    return [slice(i, min(i + rows, n_rows)) for i in range(0, n_rows, rows)] or [slice(0, 0)]


# --------------------------------------------------------------------------- Laplacian


def check_laplacian(laplacian: Any, n: int, name: str = "laplacian") -> sp.csr_matrix:
    """Validate a graph Laplacian: scipy sparse, ``(n, n)``, finite, symmetric; return CSR."""
    if not sp.issparse(laplacian):
        raise ValueError(f"{name} must be a scipy.sparse matrix, got {type(laplacian).__name__}")
    L = sp.csr_matrix(laplacian)
    if L.shape != (n, n):
        raise ValueError(f"{name} has shape {L.shape}, expected ({n}, {n}) (one row per frame)")
    if not np.all(np.isfinite(L.data)):
        raise ValueError(f"{name} has non-finite values")
    asym = abs(L - L.T)
    if asym.nnz and asym.max() > 1e-5 * max(1.0, abs(L).max()):
        raise ValueError(f"{name} must be symmetric")
    return L


def laplacian_norm(
    L: sp.spmatrix,
    kind: str = "tight",
    n_iter: int = POWER_ITERATIONS,
    seed: int = 1,
    safety: float = SAFETY,
) -> float:
    """The norm of ``L`` used in the code step's Lipschitz constant.

    ``kind="thesis"``: the Frobenius norm. ``kind="tight"``: the spectral norm estimated by
    ``n_iter`` seeded power iterations (double precision, on the CPU, so every device gets the
    same value), times ``safety``, capped by the Gershgorin bound ``max_i sum_j |L_ij|`` (a
    guaranteed upper bound).
    """
    L = sp.csr_matrix(L, dtype=np.float64)
    if kind == "thesis":
        return float(np.sqrt(np.sum(L.data**2)))
    if kind != "tight":
        raise ValueError(f"step must be one of {STEP_RULES}, got {kind!r}")
    if L.nnz == 0:
        return 0.0
    gershgorin = float(abs(L).sum(axis=1).max())
    v = np.random.default_rng(seed).standard_normal(L.shape[0])
    v /= np.linalg.norm(v)
    estimate = 0.0
    for _ in range(n_iter):
        w = L @ v
        estimate = float(np.linalg.norm(w))
        if estimate == 0.0:
            break
        v = w / estimate
    return min(safety * estimate, gershgorin)


def to_torch_csr(
    L: sp.spmatrix,
    device: torch.device | str,
    dtype: torch.dtype,
    index_dtype: torch.dtype | None = None,
) -> Tensor:
    """A scipy sparse matrix as a torch sparse CSR tensor on ``device``.

    ``index_dtype``: ``torch.int32`` or ``torch.int64``; default int32 when the indices fit
    (half the index memory, and no conversion per product: MKL's CPU kernels take 32-bit
    indices), else int64. On the CPU, arrays that already have the right dtypes are shared with
    ``L`` rather than copied (a CSR ``L`` of float32 values with int32 indices is then not
    duplicated for a float32 solve); torch never writes them.
    """
    L = sp.csr_matrix(L)
    if index_dtype is None:
        fits = max(L.nnz, L.shape[0], L.shape[1]) < np.iinfo(np.int32).max
        index_dtype = torch.int32 if fits else torch.int64
    if index_dtype not in (torch.int32, torch.int64):
        raise ValueError(f"index_dtype must be torch.int32 or torch.int64, got {index_dtype}")
    np_index = np.int32 if index_dtype == torch.int32 else np.int64

    def tensor(a: np.ndarray, np_dtype: Any) -> Tensor:
        if a.dtype == np_dtype and a.flags.c_contiguous and a.flags.writeable:
            return torch.from_numpy(a)
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np_dtype))

    values = L.data
    if values.dtype not in (np.float32, np.float64):
        values = values.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "sparse CSR support is in beta"
        return torch.sparse_csr_tensor(
            tensor(L.indptr, np_index),
            tensor(L.indices, np_index),
            torch.from_numpy(np.ascontiguousarray(values)).to(dtype),
            size=L.shape,
            check_invariants=False,
        ).to(device)


def csr_rows(L: Tensor, start: int, stop: int) -> Tensor:
    """Rows ``start:stop`` of a torch sparse CSR matrix, sharing its index and value storage."""
    crow = L.crow_indices()
    lo, hi = int(crow[start]), int(crow[stop])
    return torch.sparse_csr_tensor(
        crow[start : stop + 1] - lo,
        L.col_indices()[lo:hi],
        L.values()[lo:hi],
        size=(stop - start, L.shape[1]),
        check_invariants=False,
    )


def graph_form(L: Tensor, Z: Tensor, rows: int = 1 << 14) -> float:
    """``<Z, L Z>`` summed over row blocks of ``L Z`` (no temporary as large as ``Z``)."""
    if not Z.numel():
        return 0.0
    if L.layout != torch.sparse_csr or Z.shape[0] <= rows:
        return dot(Z, torch.sparse.mm(L, Z))
    return math.fsum(
        dot(Z[s], torch.sparse.mm(csr_rows(L, s.start, s.stop), Z))
        for s in row_blocks(Z.shape[0], rows)
    )


# --------------------------------------------------------------------------- Gram matrices


@dataclass
class GramStats:
    """Double-precision Gram matrices of the frames ``X`` (N, n) and codes ``Z`` (N, m)."""

    ZtZ: Tensor | None  # (m, m)
    XtZ: Tensor | None  # (n, m)
    XtX: Tensor | None  # (n, n)

    @property
    def xx(self) -> float:
        """``||X||^2``."""
        return float(torch.trace(self.XtX))

    @property
    def zz(self) -> float:
        """``||Z||^2``."""
        return float(torch.trace(self.ZtZ))


def gram_stats(
    X: Tensor, Z: Tensor | None = None, rows: int | None = None, xtx: bool = True
) -> GramStats:
    """``Z^T Z``, ``X^T Z`` and (if ``xtx``) ``X^T X``, summed over row blocks in float64."""
    m = 0 if Z is None else Z.shape[1]
    rows = rows or block_rows(max(m, X.shape[1]))
    f64 = dict(device=X.device, dtype=torch.float64)
    ztz = torch.zeros(m, m, **f64) if Z is not None else None
    xtz = torch.zeros(X.shape[1], m, **f64) if Z is not None else None
    xtx_ = torch.zeros(X.shape[1], X.shape[1], **f64) if xtx else None
    for s in row_blocks(X.shape[0], rows):
        Xb = X[s]
        if Z is not None:
            Zb = Z[s]
            ztz += (Zb.T @ Zb).double()
            xtz += (Xb.T @ Zb).double()
        if xtx_ is not None:
            xtx_ += (Xb.T @ Xb).double()
    return GramStats(ztz, xtz, xtx_)


# --------------------------------------------------------------------------- norms and steps


def sym_norm(G: Tensor, kind: str) -> float:
    """Norm of a symmetric PSD matrix: spectral (``tight``, exact eigenvalue) or Frobenius."""
    if G.numel() == 0:
        return 0.0
    if kind == "tight":
        return max(0.0, float(torch.linalg.eigvalsh(G.double())[-1]))
    if kind == "thesis":
        return float(torch.linalg.matrix_norm(G.double()))
    raise ValueError(f"step must be one of {STEP_RULES}, got {kind!r}")


def code_lipschitz(
    D: Tensor, ld: float, le: float = 0.0, lg: float = 0.0, lnorm: float = 0.0, kind: str = "tight"
) -> float:
    """Lipschitz bound of the code step: ``le + ld ||D^T D|| + lg ||L||`` (norms per ``kind``)."""
    DtD = D.double().T @ D.double()
    return le + (ld * sym_norm(DtD, kind) if ld else 0.0) + (lg * lnorm if lg else 0.0)


# --------------------------------------------------------------------------- quadratics


def code_parts(
    D: Tensor, ld: float, E: Tensor | None = None, le: float = 0.0, dtype: torch.dtype | None = None
) -> tuple[Tensor, Tensor]:
    """``G = ld D^T D + le I`` (``m x m``) and ``W = ld D + le E^T`` (``n x m``) of the code step.

    ``A Z = Z G (+ lg L Z)`` and ``b = X W``; computed in double precision, returned in ``dtype``
    (default ``D``'s).
    """
    m = D.shape[1]
    G = ld * (D.double().T @ D.double())
    W = ld * D.double()
    if le:
        G += le * torch.eye(m, dtype=torch.float64, device=D.device)
        W += le * E.double().T
    dtype = dtype or D.dtype
    return G.to(dtype), W.to(dtype)


def factored_is_cheaper(n: int, m: int) -> bool:
    """Whether the code step's factored products beat the Gram form for ``n`` bands, ``m`` atoms.

    The Gram form ``Z G`` costs ``2 N m^2`` flops per iteration, the factored form
    ``(Z D^T - X) D`` costs ``4 N n m``; the factored one is cheaper when ``m > 2 n``.
    """
    return m > 2 * n


def code_quadratic(
    X: Tensor,
    D: Tensor,
    ld: float,
    E: Tensor | None = None,
    le: float = 0.0,
    L: Tensor | None = None,
    lg: float = 0.0,
    parts: tuple[Tensor, Tensor] | None = None,
    factored: bool = False,
) -> Quadratic:
    """The code step's smooth part on the frames ``X`` (a row block unless ``lg > 0``).

    Two exact forms of the same gradient ``ld (Z D^T - X) D + le (Z - X E^T) + lg L Z``:

    * Gram (``factored=False``): ``Z G - X W`` with ``G``, ``W`` from :func:`code_parts`
      (``parts``, computed here when omitted; pass it to reuse it over blocks), one
      ``m x m`` GEMM; the objective is evaluated by expanding the squares.
    * factored: the residual ``R = Z D^T - X`` (``n`` columns), then ``ld R D``: two thin
      GEMMs, cheaper when ``m > 2 n`` (:func:`factored_is_cheaper`). The objective is computed
      from the residual of the last gradient evaluation (``ld/2 ||R||^2`` and the other terms),
      which keeps the digits that subtracting ``ld/2 ||X||^2`` would lose.
    """
    graph = L if lg else None
    if not factored:
        G, W = parts if parts is not None else code_parts(D, ld, E, le, X.dtype)
        b = X @ W

        def apply(v: Tensor, out: Tensor) -> Tensor:
            torch.mm(v, G, out=out)
            if graph is not None:
                torch.addmm(out, graph, v, beta=1.0, alpha=lg, out=out)
            return out

        def gradient(v: Tensor, out: Tensor) -> Tensor:
            torch.addmm(b, v, G, beta=-1.0, out=out)  # v G - b in one GEMM
            if graph is not None:
                torch.addmm(out, graph, v, beta=1.0, alpha=lg, out=out)
            return out

        const = 0.5 * ld * dot(X, X) if ld else 0.0
        if le:
            XE = X @ E.T
            const += 0.5 * le * dot(XE, XE)
            del XE
        return Quadratic(apply, b, const, gradient)

    Dt = D.T.contiguous()
    Dld = D * ld
    XE = X @ E.T if le else None  # the encoder's targets
    R = torch.empty(X.shape[0], D.shape[0], dtype=X.dtype, device=X.device)
    P = torch.empty(X.shape[0], D.shape[1], dtype=X.dtype, device=X.device) if lg else None
    state = {"work": None}

    def residual_gradient(v: Tensor, out: Tensor) -> Tensor:
        torch.addmm(X, v, Dt, beta=-1.0, out=R)  # R = v D^T - X
        torch.mm(R, Dld, out=out)
        if le:
            out.add_(v, alpha=le).sub_(XE, alpha=le)
        if P is not None:
            P.zero_()
            torch.addmm(P, graph, v, beta=1.0, alpha=1.0, out=P)  # P = L v
            out.add_(P, alpha=lg)
        return out

    def apply(v: Tensor, out: Tensor) -> Tensor:
        out = residual_gradient(v, out)
        # A v = gradient + X W, with X W = ld X D + le X E^T
        torch.addmm(out, X, Dld, out=out)
        if le:
            out.add_(XE, alpha=le)
        return out

    def value(v: Tensor, gv: Tensor) -> float:
        del gv  # the residual of the last gradient evaluation (at v) is in R
        f = 0.5 * ld * dot(R, R)
        if le:
            if state["work"] is None or state["work"].shape != v.shape:
                state["work"] = torch.empty_like(v)
            w = torch.sub(v, XE, out=state["work"])
            f += 0.5 * le * dot(w, w)
        if P is not None:
            f += 0.5 * lg * dot(v, P)
        return f

    return Quadratic(apply, torch.empty(0), 0.0, residual_gradient, value)


def dictionary_quadratic(stats: GramStats, ld: float) -> Quadratic:
    """The dictionary step's quadratic in ``D`` (double precision, from the Gram matrices)."""
    ZtZ = stats.ZtZ

    def apply(v: Tensor, out: Tensor) -> Tensor:
        return torch.mm(v, ZtZ, out=out).mul_(ld)

    return Quadratic(apply, ld * stats.XtZ, 0.5 * ld * stats.xx)


def encoder_quadratic(stats: GramStats, le: float) -> Quadratic:
    """The encoder step's quadratic in ``E`` (double precision, from the Gram matrices)."""
    XtX = stats.XtX

    def apply(v: Tensor, out: Tensor) -> Tensor:
        return torch.mm(v, XtX, out=out).mul_(le)

    return Quadratic(apply, le * stats.XtZ.T.contiguous(), 0.5 * le * stats.zz)


# --------------------------------------------------------------------------- gradients


def code_gradient(
    X: Tensor,
    Z: Tensor,
    D: Tensor,
    ld: float,
    E: Tensor | None = None,
    le: float = 0.0,
    L: Tensor | None = None,
    lg: float = 0.0,
) -> Tensor:
    """Gradient in ``Z`` of the smooth energy: ``ld (Z D^T - X) D + le (Z - X E^T) + lg L Z``."""
    g = ld * (Z @ D.T - X) @ D
    if le:
        g = g + le * (Z - X @ E.T)
    if lg:
        g = g + lg * (L @ Z)
    return g


def dictionary_gradient(X: Tensor, Z: Tensor, D: Tensor, ld: float) -> Tensor:
    """Gradient in ``D`` of ``ld/2 ||X - Z D^T||^2``: ``ld (D Z^T Z - X^T Z)``."""
    return ld * (D @ (Z.T @ Z) - X.T @ Z)


def encoder_gradient(X: Tensor, Z: Tensor, E: Tensor, le: float) -> Tensor:
    """Gradient in ``E`` of ``le/2 ||Z - X E^T||^2``: ``le (E X^T X - Z^T X)``."""
    return le * (E @ (X.T @ X) - Z.T @ X)


# --------------------------------------------------------------------------- energy

TERMS = ("data_term", "l1_term", "graph_term", "encoder_term")


def energy_terms(
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
    rows: int | None = None,
) -> dict[str, float]:
    """The weighted terms of the energy and their sum (``objective``), by row blocks.

    The graph term is counted only when ``lg > 0`` and ``L`` is given.
    """
    rows = rows or block_rows(max(Z.shape[1], X.shape[1]))
    data = enc = l1 = 0.0
    for s in row_blocks(X.shape[0], rows):
        Xb, Zb = X[s], Z[s]
        if ld:
            r = Zb @ D.T
            r -= Xb
            data += dot(r, r)
        if le:
            r = Xb @ E.T
            r -= Zb
            enc += dot(r, r)
        if lz:
            l1 += l1_norm(Zb)
    graph = 0.0
    if lg and L is not None:
        graph = graph_form(L, Z)
    terms = {
        "data_term": 0.5 * ld * data,
        "l1_term": lz * l1,
        "graph_term": 0.5 * lg * graph,
        "encoder_term": 0.5 * le * enc,
    }
    terms["objective"] = math.fsum(terms.values())
    return terms
