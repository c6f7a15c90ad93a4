"""The auto-encoder of one experiment point: build it from the point's parameters, recode.

They are apart from :mod:`genrelearn.sae.evaluation` so that the steps of the study that never
fit a dictionary (frames, folds, kNN graph, CQT baseline, classification) import neither the
solvers nor PyTorch: the workflow declares the modules a rule's script imports as its inputs
(:mod:`genrelearn.sources`), and an edit of the solver must rerun the fits, not the kNN search.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from genrelearn.sae.estimator import StructuredAutoEncoder
from genrelearn.sae.steps import sparse_code


def make_autoencoder(
    params: Mapping[str, Any], solver: Mapping[str, Any], n_jobs: int = 1
) -> StructuredAutoEncoder:
    """A :class:`~genrelearn.sae.StructuredAutoEncoder` for a point and the solver settings.

    Parameters
    ----------
    params : mapping
        The point: ``n_atoms``, ``ld``, ``lz``, ``lg``, ``le``, ``rtol``.
    solver : mapping
        Settings shared by every point: ``n_inner``, ``n_outer``, ``gap_tol``, ``min_inner``,
        ``step``, ``device``, ``seed``.
    n_jobs : int
        Threads of the solver.

    Returns
    -------
    StructuredAutoEncoder
        The unfitted estimator.
    """
    return StructuredAutoEncoder(
        n_atoms=int(params["n_atoms"]),
        ld=float(params["ld"]),
        lz=float(params["lz"]),
        lg=float(params["lg"]),
        le=float(params["le"]),
        rtol=float(params["rtol"]),
        n_inner=int(solver["n_inner"]),
        n_outer=int(solver["n_outer"]),
        gap_tol=None if solver["gap_tol"] is None else float(solver["gap_tol"]),
        min_inner=int(solver["min_inner"]),
        step=str(solver["step"]),
        device=str(solver["device"]),
        random_state=int(solver["seed"]),
        n_jobs=n_jobs,
    )


def recode(model: Any, X: np.ndarray, Z0: np.ndarray) -> np.ndarray:
    """Sparse codes of ``X`` with the fitted dictionary fixed and no graph, from ``Z0``.

    This is ``model.transform(X, method="lasso")`` warm-started from ``Z0`` (e.g. the codes
    learned jointly with the dictionary), which converges in a few iterations instead of
    hundreds from zero.

    Parameters
    ----------
    model : StructuredAutoEncoder
        A fitted estimator.
    X : ndarray of shape (n_frames, n_features)
        Frames to code.
    Z0 : ndarray of shape (n_frames, n_atoms)
        Starting codes.

    Returns
    -------
    ndarray of shape (n_frames, n_atoms)
        The codes.
    """
    result = sparse_code(
        torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)),
        torch.from_numpy(np.ascontiguousarray(model.dictionary_, dtype=np.float32)),
        model.lz,
        model.ld,
        E=None if model.encoder_ is None else torch.from_numpy(model.encoder_),
        le=model.le or 0.0,
        Z0=torch.from_numpy(np.ascontiguousarray(Z0, dtype=np.float32)),
        step=model.step,
        rtol=model.rtol,
        max_iter=model.n_inner,
    )
    return result.x.cpu().numpy()
