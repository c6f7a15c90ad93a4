"""The structured auto-encoder of Defferrard (2015): model, solvers and estimator.

* :class:`StructuredAutoEncoder`: the scikit-learn estimator (``fit``, ``fit_transform``,
  ``transform``, ``objective``).
* Pure solvers on torch tensors, frames as rows (``X`` ``(N, n)``, codes ``(N, m)``,
  dictionary ``(n, m)``, encoder ``(m, n)``): :func:`sparse_code` (Z-step),
  :func:`update_dictionary` (D-step), :func:`update_encoder` (E-step), the FISTA engines
  :func:`fista` and :func:`fista_lasso`, the energy :func:`energy_terms` and the gradients.

See :mod:`genrelearn.sae.fista` for the monotone FISTA rules and
:mod:`genrelearn.sae.objective` for the energy, its sub-problems and the step-size rules.
"""

from genrelearn.sae.estimator import StructuredAutoEncoder, resolve_device
from genrelearn.sae.fista import (
    FistaResult,
    Quadratic,
    fista,
    fista_lasso,
    project_columns,
    soft_threshold,
    soft_threshold_,
)
from genrelearn.sae.objective import (
    STEP_RULES,
    GramStats,
    code_gradient,
    code_lipschitz,
    code_parts,
    code_quadratic,
    dictionary_gradient,
    dictionary_quadratic,
    encoder_gradient,
    encoder_quadratic,
    energy_terms,
    gram_stats,
    laplacian_norm,
    to_torch_csr,
)
from genrelearn.sae.steps import StepResult, sparse_code, update_dictionary, update_encoder

__all__ = [
    "STEP_RULES",
    "FistaResult",
    "GramStats",
    "Quadratic",
    "StepResult",
    "StructuredAutoEncoder",
    "code_gradient",
    "code_lipschitz",
    "code_parts",
    "code_quadratic",
    "dictionary_gradient",
    "dictionary_quadratic",
    "encoder_gradient",
    "encoder_quadratic",
    "energy_terms",
    "fista",
    "fista_lasso",
    "gram_stats",
    "laplacian_norm",
    "project_columns",
    "resolve_device",
    "soft_threshold",
    "soft_threshold_",
    "sparse_code",
    "to_torch_csr",
    "update_dictionary",
    "update_encoder",
]
