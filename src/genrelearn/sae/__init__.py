"""The structured auto-encoder of Defferrard (2015): model, solvers, estimator and its study.

* :class:`StructuredAutoEncoder`: the scikit-learn estimator (``fit``, ``fit_transform``,
  ``transform``, ``objective``).
* Pure solvers on torch tensors, frames as rows (``X`` ``(N, n)``, codes ``(N, m)``,
  dictionary ``(n, m)``, encoder ``(m, n)``): :func:`sparse_code` (Z-step),
  :func:`update_dictionary` (D-step), :func:`update_encoder` (E-step), the FISTA engines
  :func:`fista` and :func:`fista_lasso`, the energy :func:`energy_terms` and the gradients.
* The study around it: :mod:`genrelearn.sae.points` (experiment points),
  :mod:`genrelearn.sae.evaluation` (frames, fold parts, pooled codes, scores) and
  :mod:`genrelearn.sae.study` (the estimator of a point, recoding).

See :mod:`genrelearn.sae.fista` for the monotone FISTA rules and
:mod:`genrelearn.sae.objective` for the energy, its sub-problems and the step-size rules.

The names above are loaded on first use (:pep:`562`): importing a sub-module that needs no
solver, such as :mod:`genrelearn.sae.points` (read when the workflow builds its job graph) or
:mod:`genrelearn.sae.evaluation`, does not import PyTorch. ``_LAZY`` maps each name to its
sub-module; :mod:`genrelearn.sources` reads it, so ``from genrelearn.sae import name`` in a
rule's script still declares that sub-module as the rule's code.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

#: Name exported by this package -> the sub-module that defines it.
_LAZY = {
    "StructuredAutoEncoder": "estimator",
    "resolve_device": "estimator",
    "FistaResult": "fista",
    "Quadratic": "fista",
    "fista": "fista",
    "fista_lasso": "fista",
    "project_columns": "fista",
    "soft_threshold": "fista",
    "soft_threshold_": "fista",
    "STEP_RULES": "objective",
    "GramStats": "objective",
    "code_gradient": "objective",
    "code_lipschitz": "objective",
    "code_parts": "objective",
    "code_quadratic": "objective",
    "dictionary_gradient": "objective",
    "dictionary_quadratic": "objective",
    "encoder_gradient": "objective",
    "encoder_quadratic": "objective",
    "energy_terms": "objective",
    "gram_stats": "objective",
    "laplacian_norm": "objective",
    "to_torch_csr": "objective",
    "StepResult": "steps",
    "sparse_code": "steps",
    "update_dictionary": "steps",
    "update_encoder": "steps",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    """Import the sub-module that defines ``name`` on first access (:pep:`562`)."""
    try:
        submodule = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{submodule}"), name)
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


class _Package(types.ModuleType):
    """The package's module type: its name ``fista`` stays the function, not the sub-module.

    Importing a sub-module binds it to its name on the package. The function
    :func:`~genrelearn.sae.fista.fista` shares its sub-module's name, and the package exports
    the function (as its eager imports did before they were made lazy).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
