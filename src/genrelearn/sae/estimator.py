"""The structured auto-encoder as a scikit-learn estimator (:class:`StructuredAutoEncoder`)."""

from __future__ import annotations

import logging
import math
import time
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted, validate_data

from genrelearn.models.torch_setup import resolve_device, torch_threads
from genrelearn.sae.fista import project_columns, soft_threshold
from genrelearn.sae.objective import (
    STEP_RULES,
    TERMS,
    block_rows,
    check_laplacian,
    energy_terms,
    gram_stats,
    laplacian_norm,
    row_blocks,
    to_torch_csr,
)
from genrelearn.sae.steps import sparse_code, update_dictionary, update_encoder

_log = logging.getLogger(__name__)

DTYPES = {"float32": torch.float32, "float64": torch.float64}
HISTORY_COLUMNS = (
    "outer",
    "objective",
    *TERMS,
    "sparsity",
    "inner_z",
    "inner_d",
    "inner_e",
    "seconds",
    "inner_z_mean",
    "gap_z",
)


def _weight(value: Any, name: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number >= 0 or None, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return float(value)


def _int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _to_device(a: Any, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """An array as a tensor on ``device`` in ``dtype`` (C-contiguous first)."""
    return torch.as_tensor(np.ascontiguousarray(a)).to(device=device, dtype=dtype)


def _graph(
    laplacian: Any, n_rows: int, step: str, seed: int, device: torch.device, dtype: torch.dtype
) -> tuple[torch.Tensor, float]:
    """The checked Laplacian as a torch CSR tensor, and its norm for the code step's steps."""
    L = check_laplacian(laplacian, n_rows)
    lnorm = laplacian_norm(L, step, seed=seed)
    return to_torch_csr(L, device, dtype), lnorm


class StructuredAutoEncoder(TransformerMixin, BaseEstimator):
    """Structured (graph-regularised) sparse auto-encoder of Defferrard (2015).

    Learns a dictionary ``D`` (``n x m``), codes ``Z`` and optionally a linear encoder ``E``
    (``m x n``) by minimising, in the math layout of the thesis (``X`` is ``n x N``)::

        ld/2 ||X - D Z||_F^2 + lz ||Z||_1 + lg/2 tr(Z L Z^T) + le/2 ||Z - E X||_F^2

    with every column of ``D`` and of ``E`` in the unit l2 ball. A weight of ``0`` (or ``None``)
    removes its term; ``lg > 0`` needs the graph Laplacian ``L`` over the frames.

    Optimisation (as the thesis's code): alternating minimisation ``Z -> D -> E`` (``E`` only
    when ``le > 0``), each sub-problem solved by FISTA warm-started from the current value with
    its momentum restarted at each call. FISTA stops when the relative change of its objective is
    below ``rtol`` or after ``n_inner`` iterations; the outer loop stops when the relative change
    of the energy is below ``rtol`` or after ``n_outer`` iterations. Each FISTA solve returns its
    best iterate, so the energy never increases from one outer iteration to the next.

    Step sizes are ``1/B`` with Lipschitz bounds ``B``:

    * ``step="tight"`` (default): spectral norms. Codes ``le + ld ||D^T D||_2 + lg ||L||_2``,
      dictionary ``ld ||Z Z^T||_2``, encoder ``le ||X X^T||_2``. The Gram norms are exact largest
      eigenvalues (``m x m`` or ``n x n`` symmetric matrices, in double precision); ``||L||_2`` is
      estimated once per fit by 50 seeded power iterations, times 1.01, capped by the Gershgorin
      bound.
    * ``step="thesis"``: the original code's Frobenius bounds (``||.||_F`` in place of
      ``||.||_2``), which give much smaller steps, mostly because ``||L||_F`` grows like
      ``sqrt(N)``.

    Initialisation: ``Z = 0``; ``D`` (then ``E``) drawn from ``U[0, 1)`` by a CPU
    ``torch.Generator`` seeded with ``random_state`` (in double precision, then cast), columns
    scaled to unit norm. The thesis drew them with NumPy after ``np.random.seed(1)``, so the
    values differ.

    Parameters
    ----------
    n_atoms : int
        ``m``, the number of atoms (code dimension).
    ld, lz, lg, le : float or None
        Weights of the data, sparsity (l1), graph (Dirichlet) and encoder terms.
    rtol : float
        Relative tolerance of the inner (FISTA) and outer stopping rules.
    n_inner, n_outer : int
        Iteration caps of each FISTA solve and of the alternating loop.
    step : {"tight", "thesis"}
        Step-size rule (above).
    device : {"auto", "cpu", "cuda"}
        Where to compute (``"auto"``: CUDA when available).
    n_jobs : int or None
        CPU threads for torch during ``fit``/``transform`` (``-1``: all cores; ``None``: leave
        torch's setting alone).
    random_state : int
        Seed of the initialisation.
    dtype : {"float32", "float64"}
        Working precision of the frames and codes (the small dictionary and encoder steps always
        run in double precision).
    verbose : bool
        Print one line per outer iteration.

    Attributes
    ----------
    dictionary_ : ndarray (n, m)
        ``D``, atoms as columns.
    encoder_ : ndarray (m, n) or None
        ``E`` (``None`` when ``le == 0``).
    codes_ : ndarray (N, m)
        The codes learned jointly with ``D`` (``Z^T``: one row per frame), as
        :meth:`fit_transform` returns them; :meth:`transform` codes frames anew.
    history_ : pandas.DataFrame
        One row per outer iteration: ``outer``, ``objective``, the weighted terms ``data_term``,
        ``l1_term``, ``graph_term``, ``encoder_term``, ``sparsity`` (fraction of non-zero codes),
        ``inner_z`` (most FISTA iterations over the code step's row blocks), ``inner_d``,
        ``inner_e``, ``seconds`` (cumulative wall time since ``fit`` started) and
        ``inner_z_mean`` (the code step's iterations averaged over frames).
    initial_objective_ : float
        The energy at the initialisation (``Z = 0``).
    n_iter_ : int
        Outer iterations run.
    lipschitz_ : dict
        The last Lipschitz constants ``{"z", "d", "e"}`` (``nan`` for a step not run).
    device_ : str
        The device used.
    n_features_in_ : int
        ``n``.

    Notes
    -----
    Memory: the frames and the codes (``N x n`` and ``N x m`` in ``dtype``), plus, without the
    graph term, a few small buffers per row block of the code step (which then separates over
    frames; :func:`~genrelearn.sae.steps.sparse_code`), or, with it, five more ``N x m``
    buffers and the Laplacian. No ``N x N`` dense matrix is ever formed.
    """

    def __init__(
        self,
        n_atoms: int = 128,
        ld: float = 10.0,
        lz: float = 1.0,
        lg: float = 0.0,
        le: float = 0.0,
        rtol: float = 1e-5,
        n_inner: int = 500,
        n_outer: int = 50,
        gap_tol: float | None = None,
        min_inner: int = 1,
        step: str = "tight",
        device: str = "auto",
        n_jobs: int | None = 1,
        random_state: int = 1,
        dtype: str = "float32",
        verbose: bool = False,
    ):
        self.n_atoms = n_atoms
        self.ld = ld
        self.lz = lz
        self.lg = lg
        self.le = le
        self.rtol = rtol
        self.n_inner = n_inner
        self.n_outer = n_outer
        self.gap_tol = gap_tol
        self.min_inner = min_inner
        self.step = step
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose

    # ------------------------------------------------------------------ validation

    def _params(self) -> dict[str, Any]:
        p = {
            "n_atoms": _int(self.n_atoms, "n_atoms", 1),
            "ld": _weight(self.ld, "ld"),
            "lz": _weight(self.lz, "lz"),
            "lg": _weight(self.lg, "lg"),
            "le": _weight(self.le, "le"),
            "n_inner": _int(self.n_inner, "n_inner", 1),
            "n_outer": _int(self.n_outer, "n_outer", 1),
            "min_inner": _int(self.min_inner, "min_inner", 1),
            "seed": _int(self.random_state, "random_state", 0),
        }
        rtol = self.rtol
        if isinstance(rtol, bool) or not isinstance(rtol, Real) or not rtol >= 0:
            raise ValueError(f"rtol must be a number >= 0, got {rtol!r}")
        p["rtol"] = float(rtol)
        gap_tol = self.gap_tol
        if gap_tol is not None and (
            isinstance(gap_tol, bool) or not isinstance(gap_tol, Real) or not gap_tol > 0
        ):
            raise ValueError(f"gap_tol must be a number > 0 or None, got {gap_tol!r}")
        p["gap_tol"] = None if gap_tol is None else float(gap_tol)
        if self.step not in STEP_RULES:
            raise ValueError(f"step must be one of {STEP_RULES}, got {self.step!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {tuple(DTYPES)}, got {self.dtype!r}")
        if self.n_jobs is not None and (
            isinstance(self.n_jobs, bool)
            or not isinstance(self.n_jobs, Integral)
            or (self.n_jobs < 1 and self.n_jobs != -1)
        ):
            raise ValueError(f"n_jobs must be a positive integer, -1 or None, got {self.n_jobs!r}")
        p["device"] = resolve_device(self.device)
        p["dtype"] = DTYPES[self.dtype]
        return p

    def _check_fitted(self) -> None:
        check_is_fitted(self, "dictionary_")

    def __sklearn_tags__(self) -> Tags:
        """scikit-learn tags: the codes come out in the working precision ``dtype``."""
        tags = super().__sklearn_tags__()
        # float32 and float64 frames alike are coded in ``dtype`` (float32 by default), so only
        # input already in that precision keeps its dtype.
        tags.transformer_tags.preserves_dtype = [self.dtype] if self.dtype in DTYPES else []
        return tags

    # ------------------------------------------------------------------ fitting

    def fit(self, X: Any, y: Any = None, laplacian: Any = None) -> StructuredAutoEncoder:
        """Learn ``D`` (and ``E``) and the codes of ``X``.

        Parameters
        ----------
        X : array (N, n)
            Frames, one per row.
        y : ignored
        laplacian : scipy sparse matrix (N, N), optional
            Graph Laplacian over the rows of ``X``; required when ``lg > 0`` (ignored otherwise).

        Returns
        -------
        self
        """
        self._fit(X, laplacian)
        return self

    def fit_transform(self, X: Any, y: Any = None, laplacian: Any = None) -> np.ndarray:
        """Fit and return the codes of the alternating fit (``codes_``).

        These are the codes learned jointly with the dictionary: those of the last code step,
        solved for the dictionary (and encoder) of the previous outer iteration and, with
        ``lg > 0``, with the graph term over the rows of ``X``. They are not recomputed with the
        final dictionary. When the fit has converged (the outer loop stopped on ``rtol``, not
        on ``n_outer``) they agree with ``fit(X).transform(X)`` up to what the last outer
        iteration changed (for ``lg > 0``, when :meth:`transform` gets the same
        ``laplacian``); with the iteration caps reached they differ by how far the
        alternating minimisation is from its fixed point. The study's training codes are these.

        Parameters
        ----------
        X : array (N, n)
            Frames, one per row.
        y : ignored
        laplacian : scipy sparse matrix (N, N), optional
            As for :meth:`fit`.

        Returns
        -------
        ndarray (N, m)
            ``codes_``, in ``dtype``.
        """
        self._fit(X, laplacian)
        return self.codes_

    def _fit(self, X: Any, laplacian: Any) -> None:
        p = self._params()
        X = validate_data(self, X, dtype="numeric")
        N, n = X.shape
        m, ld, lz, lg, le = p["n_atoms"], p["ld"], p["lz"], p["lg"], p["le"]
        dev, dtype = p["device"], p["dtype"]
        if lg and laplacian is None:
            raise ValueError("laplacian is required when lg > 0 (or set lg=0)")
        t_start = time.perf_counter()
        with torch_threads(self.n_jobs):
            L = lnorm = None
            if lg:
                L, lnorm = _graph(laplacian, N, self.step, p["seed"], dev, dtype)
            Xt = _to_device(X, dev, dtype)
            gen = torch.Generator().manual_seed(p["seed"])
            D = project_columns(torch.rand(n, m, generator=gen, dtype=torch.float64), sphere=True)
            D = D.to(device=dev, dtype=dtype)
            E = None
            if le:
                E = project_columns(torch.rand(m, n, generator=gen, dtype=torch.float64), True)
                E = E.to(device=dev, dtype=dtype)
            Z = torch.zeros(N, m, device=dev, dtype=dtype)
            xtx = gram_stats(Xt, None).XtX
            weights = dict(ld=ld, lz=lz, lg=lg, le=le)
            f_prev = energy_terms(Xt, Z, D, E=E, L=L, **weights)["objective"]
            self.initial_objective_ = f_prev
            rows, lip = [], {"z": math.nan, "d": math.nan, "e": math.nan}
            solver = dict(
                step=self.step, rtol=p["rtol"], max_iter=p["n_inner"], min_iter=p["min_inner"]
            )
            for outer in range(1, p["n_outer"] + 1):
                rz = sparse_code(
                    Xt, D, lz, ld, E=E, le=le, L=L, lg=lg, Z0=Z, out=Z, lnorm=lnorm,
                    gap_tol=p["gap_tol"], **solver,
                )  # fmt: skip
                lip["z"] = rz.lipschitz
                inner_d = inner_e = 0
                if ld or le:
                    stats = gram_stats(Xt, Z, xtx=False)
                    stats.XtX = xtx
                    if ld:
                        rd = update_dictionary(stats, D, ld, **solver)
                        D, inner_d, lip["d"] = rd.x.to(dtype), rd.n_iter, rd.lipschitz
                    if le:
                        re = update_encoder(stats, E, le, **solver)
                        E, inner_e, lip["e"] = re.x.to(dtype), re.n_iter, re.lipschitz
                    del stats
                terms = energy_terms(Xt, Z, D, E=E, L=L, **weights)
                f = terms["objective"]
                nnz = sum(int(torch.count_nonzero(Z[s])) for s in row_blocks(N, block_rows(m)))
                rows.append(
                    {
                        "outer": outer,
                        "objective": f,
                        **{k: terms[k] for k in TERMS},
                        "sparsity": nnz / max(1, N * m),
                        "inner_z": rz.n_iter,
                        "inner_d": inner_d,
                        "inner_e": inner_e,
                        "seconds": time.perf_counter() - t_start,
                        "inner_z_mean": rz.n_iter_mean,
                        "gap_z": rz.gap,
                    }
                )
                self._report(rows[-1])
                rel = abs(f - f_prev) / abs(f) if f else 0.0
                f_prev = f
                if rel < p["rtol"]:
                    break
        self.dictionary_ = D.cpu().numpy()
        self.encoder_ = None if E is None else E.cpu().numpy()
        self.codes_ = Z.cpu().numpy()
        self.history_ = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
        self.n_iter_ = len(rows)
        self.lipschitz_ = lip
        self.device_ = str(dev)

    def _report(self, row: dict[str, Any]) -> None:
        msg = (
            f"outer {row['outer']:3d}  objective {row['objective']:.7g}  "
            f"(data {row['data_term']:.5g}, l1 {row['l1_term']:.5g}, "
            f"graph {row['graph_term']:.5g}, encoder {row['encoder_term']:.5g})  "
            f"non-zeros {100 * row['sparsity']:.2f}%  Z gap {row['gap_z']:.2e}  inner z/d/e "
            f"{row['inner_z']}/{row['inner_d']}/{row['inner_e']}  {row['seconds']:.1f} s"
        )
        _log.info(msg)
        if self.verbose:
            print(msg, flush=True)

    # ------------------------------------------------------------------ inference

    def _model(self, dev: torch.device, dtype: torch.dtype) -> tuple[torch.Tensor, Any]:
        D = torch.as_tensor(self.dictionary_).to(device=dev, dtype=dtype)
        E = None if self.encoder_ is None else torch.as_tensor(self.encoder_).to(dev, dtype)
        return D, E

    def transform(self, X: Any, laplacian: Any = None, method: str = "lasso") -> np.ndarray:
        """Codes of new frames with the learned dictionary (and encoder) fixed (inductive).

        Each call solves the code step afresh from ``Z = 0``; it never reuses ``codes_``. So
        ``fit(X).transform(X)`` equals :meth:`fit_transform` only up to the fit's convergence
        (see there). Without the graph term the problem separates over frames and is solved
        on row blocks, each with its own stopping test (``rtol`` on the block's objective, or
        ``n_inner``): a subset of the rows may stop at another iteration than the full call,
        so it gets the same codes only as far as both solves have converged.

        Parameters
        ----------
        X : array (N', n)
            Frames.
        laplacian : scipy sparse matrix (N', N'), optional
            Graph over the new frames: with ``lg > 0`` it adds the graph term to the lasso.
        method : {"lasso", "approx"}
            ``"lasso"``: solve the code step (FISTA from ``Z = 0``, same ``rtol`` and
            ``n_inner``) with ``D`` fixed, including the encoder term when ``le > 0``.
            ``"approx"``: the encoder's fast approximation ``soft_threshold(E x, lz / le)``
            (requires ``le > 0``).

        Returns
        -------
        ndarray (N', m)
            The codes, in ``dtype``.
        """
        self._check_fitted()
        p = self._params()
        X = validate_data(self, X, dtype="numeric", reset=False)
        dev, dtype = p["device"], p["dtype"]
        with torch_threads(self.n_jobs):
            D, E = self._model(dev, dtype)
            Xt = _to_device(X, dev, dtype)
            if method == "approx":
                if not p["le"] or E is None:
                    raise ValueError("method='approx' needs an encoder: fit with le > 0")
                return soft_threshold(Xt @ E.T, p["lz"] / p["le"]).cpu().numpy()
            if method != "lasso":
                raise ValueError(f"method must be 'lasso' or 'approx', got {method!r}")
            L, lnorm, lg = None, None, p["lg"]
            if lg and laplacian is not None:
                L, lnorm = _graph(laplacian, X.shape[0], self.step, p["seed"], dev, dtype)
            else:
                lg = 0.0
            res = sparse_code(
                Xt,
                D,
                p["lz"],
                p["ld"],
                E=E,
                le=p["le"],
                L=L,
                lg=lg,
                lnorm=lnorm,
                step=self.step,
                rtol=p["rtol"],
                max_iter=p["n_inner"],
                min_iter=p["min_inner"],
                gap_tol=p["gap_tol"],
            )
            return res.x.cpu().numpy()

    def objective(self, X: Any, Z: Any, laplacian: Any = None) -> dict[str, float]:
        """The weighted energy terms of codes ``Z`` (N, m) for frames ``X`` with the fitted model.

        Returns ``data_term``, ``l1_term``, ``graph_term``, ``encoder_term``, their sum
        ``objective`` and the same sum as ``total``. The graph term is counted only when
        ``lg > 0`` and ``laplacian`` is given.
        """
        self._check_fitted()
        p = self._params()
        X = validate_data(self, X, dtype="numeric", reset=False)
        Z = np.asarray(Z)
        if Z.shape != (X.shape[0], self.dictionary_.shape[1]):
            raise ValueError(
                f"Z has shape {Z.shape}, expected ({X.shape[0]}, {self.dictionary_.shape[1]})"
            )
        dev, dtype = p["device"], p["dtype"]
        with torch_threads(self.n_jobs):
            D, E = self._model(dev, dtype)
            Xt = _to_device(X, dev, dtype)
            Zt = _to_device(Z, dev, dtype)
            L = None
            if p["lg"] and laplacian is not None:
                L = to_torch_csr(check_laplacian(laplacian, X.shape[0]), dev, dtype)
            terms = energy_terms(
                Xt, Zt, D, E=E, L=L, ld=p["ld"], lz=p["lz"], lg=p["lg"], le=p["le"]
            )
        terms["total"] = terms["objective"]
        return terms
