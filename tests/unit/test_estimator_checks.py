"""scikit-learn's own estimator checks on the six estimators of the study.

Every check scikit-learn yields runs (``parametrize_with_checks``). A check that cannot apply
is declared in :data:`DECLARED` with its reason and the error that shows it; those run as
strict expected failures (one that starts to pass fails the suite), and
:func:`test_declared_checks_fail_for_the_stated_reason` checks that each fails with that error,
not another.

Settings are small, and chosen so that the checks comparing two computations compare
converged or identical ones on any CPU:

* ``StructuredAutoEncoder``: one atom, float64, ``rtol=1e-10``. With one atom each code step is
  a scalar lasso per frame and the dictionary step an isotropic quadratic on the unit ball;
  the tight step ``1/L`` equals the curvature, so FISTA's first step solves each exactly and
  the second meets ``rtol``. On the checks' data the fit stops on ``rtol`` after 5 or 6 outer
  iterations, and ``fit_transform`` (codes of the fit) and ``transform`` (lasso with the final
  dictionary) differ by at most 2e-6 (the check's atol is 1e-2); a subset of rows gets the
  codes of the full call up to float64 rounding (the check's atol is 1e-7). With several atoms
  the alternating minimisation needs far more work to get there (measured with 2 atoms and
  ``rtol=0``: 10 outer x 200 inner iterations still fail the fit_transform check, 30 x 300
  pass, in about a minute for the checks). float32 codes of about 4 have an ulp of 5e-7,
  above the subset check's atol, hence float64.
* ``RandomCNN``: the sample-level waveform model, whose input is 2-D (clips x samples), with
  ``batch_size=1``: a batch of one clip is computed the same whatever the other clips, whereas
  float32 convolutions over batches of different sizes may round differently (measured: 1 ulp),
  and the order-invariance check allows 1e-9.
* ``DBN``, ``ConvRBM``, ``ConvVAE``: one epoch, tiny layers; every PyTorch model on one thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import estimator_checks_generator, parametrize_with_checks

from genrelearn.models.conv_rbm import ConvRBM
from genrelearn.models.conv_vae import ConvVAE
from genrelearn.models.dbn import DBN
from genrelearn.models.elm import ELMClassifier
from genrelearn.models.random_cnn import RandomCNN
from genrelearn.sae.estimator import StructuredAutoEncoder

ESTIMATORS = [
    StructuredAutoEncoder(
        n_atoms=1, rtol=1e-10, n_inner=100, n_outer=100, device="cpu", dtype="float64", n_jobs=1
    ),
    DBN(hidden=(4, 3), pretrain_epochs=1, batch_size=16, device="cpu", n_jobs=1),
    ConvRBM(n_filters=2, kernel=(1, 1), epochs=1, batch_size=16, device="cpu", n_jobs=1),
    ConvVAE(latent=2, channels=(2,), epochs=1, batch_size=16, device="cpu", n_jobs=1),
    RandomCNN("sample_level", budget=7, batch_size=1, device="cpu", n_jobs=1),
    ELMClassifier(n_hidden=20),
]


@dataclass(frozen=True)
class Declared:
    """Why a check cannot apply, and the error message (a regex) that shows it."""

    reason: str
    error: str


_PATCHES = Declared(
    "the check fits on a 2-D array (samples x features); the model takes 4-D spectrogram "
    "patches (n, 1, bands, frames) and rejects any other shape",
    r"patches must have shape \(n, 1, bands, frames\)",
)
_PATCHES_FIRST = Declared(
    "the check wants the error for its 2-D array to name the sample or feature count; the "
    "model rejects the array first for not being 4-D patches (n, 1, bands, frames)",
    _PATCHES.error,
)
_PATCHES_NAN = Declared(
    "after the NaN and inf fits (rejected, as the check wants) the check fits on a finite 2-D "
    "array; the model takes 4-D patches (n, 1, bands, frames) (non-finite patches: "
    "test_patch_models_reject_bad_patches)",
    _PATCHES.error,
)
#: Checks of the patch models that fit on 2-D data (the others pass: input validation, API).
_PATCH_CHECKS = {
    **dict.fromkeys(
        [
            "check_fit_score_takes_y",
            "check_estimators_overwrite_params",
            "check_dont_overwrite_parameters",
            "check_estimators_fit_returns_self",
            "check_readonly_memmap_input",
            "check_n_features_in_after_fitting",
            "check_positive_only_tag_during_fit",
            "check_estimators_dtypes",
            "check_dtype_object",
            "check_pipeline_consistency",
            "check_estimators_pickle",
            "check_f_contiguous_array_estimator",
            "check_transformer_data_not_an_array",
            "check_transformer_general",
            "check_transformer_preserve_dtypes",
            "check_methods_sample_order_invariance",
            "check_methods_subset_invariance",
            "check_dict_unchanged",
            "check_fit_idempotent",
            "check_fit_check_is_fitted",
            "check_n_features_in",
            "check_fit2d_predict1d",
        ],
        _PATCHES,
    ),
    "check_fit2d_1sample": _PATCHES_FIRST,
    "check_fit2d_1feature": _PATCHES_FIRST,
    "check_estimators_nan_inf": _PATCHES_NAN,
}
_SHORT_CLIPS = Declared(
    "the check fits on clips of 2 samples; the sample-level network's first convolution spans "
    "3 samples (stride 3), so fit rejects shorter clips",
    r"sample_level needs clips of at least 3 samples",
)
DECLARED: dict[str, dict[str, Declared]] = {
    "StructuredAutoEncoder": {},
    "DBN": {},
    "ConvRBM": _PATCH_CHECKS,
    "ConvVAE": _PATCH_CHECKS,
    "RandomCNN": dict.fromkeys(
        [
            "check_estimators_overwrite_params",
            "check_estimators_fit_returns_self",
            "check_readonly_memmap_input",
            "check_fit_idempotent",
            "check_fit_check_is_fitted",
            "check_n_features_in",
        ],
        _SHORT_CLIPS,
    ),
    "ELMClassifier": {},
}


def expected_failed_checks(estimator: object) -> dict[str, str]:
    """``{check name: reason}`` for :func:`parametrize_with_checks`."""
    return {name: d.reason for name, d in DECLARED[type(estimator).__name__].items()}


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=expected_failed_checks, xfail_strict=True
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def _messages(exc: BaseException | None) -> str:
    """The messages of an exception and of those it was raised from or during."""
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return "\n".join(str(e) for e in seen)


@pytest.mark.parametrize(
    "estimator",
    [e for e in ESTIMATORS if DECLARED[type(e).__name__]],
    ids=lambda e: type(e).__name__,
)
def test_declared_checks_fail_for_the_stated_reason(estimator):
    declared = DECLARED[type(estimator).__name__]
    ran = set()
    for est, check in estimator_checks_generator(estimator):
        name = check.func.__name__
        if name not in declared:
            continue
        ran.add(name)
        with pytest.raises(Exception) as info:
            check(est)
        assert re.search(declared[name].error, _messages(info.value)), (name, info.value)
    assert ran == set(declared)  # every declared check exists and was run


# The checks give the patch models 2-D arrays only; their 4-D input gets the same guarantees.
@pytest.mark.parametrize(
    "model",
    [
        ConvRBM(n_filters=2, kernel=(2, 2), epochs=1, device="cpu", n_jobs=1),
        ConvVAE(latent=2, channels=(2,), epochs=1, device="cpu", n_jobs=1),
    ],
    ids=lambda m: type(m).__name__,
)
def test_patch_models_reject_bad_patches(model):
    patches = np.random.default_rng(0).normal(size=(6, 1, 4, 4)).astype(np.float32)
    with pytest.raises(NotFittedError):
        model.transform(patches)
    for bad, match in [(np.nan, "NaN"), (np.inf, "infinity")]:
        broken = patches.copy()
        broken[2, 0, 1, 3] = bad
        with pytest.raises(ValueError, match=match):
            model.fit(broken)
        fitted = model.fit(patches)
        with pytest.raises(ValueError, match=match):
            fitted.transform(broken)
    with pytest.raises(ValueError, match="Complex data not supported"):
        model.fit(patches.astype(np.complex64))
    with pytest.raises(ValueError, match="0 sample"):
        model.fit(patches[:0])
    out = model.fit(patches).transform(patches)
    assert out.dtype == np.float32 and out.shape[0] == len(patches)


def test_spectrogram_random_cnn_rejects_bad_clips():
    clips = np.random.default_rng(0).normal(size=(3, 16, 8)).astype(np.float32)
    model = RandomCNN("vgg", budget=10, device="cpu", n_jobs=1)
    with pytest.raises(NotFittedError):
        model.transform(clips)
    broken = clips.copy()
    broken[1, 3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(broken)
    with pytest.raises(ValueError, match="NaN"):
        model.fit(clips).transform(broken)
    with pytest.raises(ValueError, match="16 features"):
        model.transform(clips[:, :12])  # another clip length
    with pytest.raises(ValueError, match="needs clips of at least 7 frames"):
        RandomCNN("vertical_7x96", budget=10, device="cpu").fit(clips[:, :6])


def test_dbn_predict_proba_exists_once_fine_tuned():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    dbn = DBN(hidden=(4,), pretrain_epochs=1, finetune_epochs=1, batch_size=8, device="cpu")
    with pytest.raises(NotFittedError):
        dbn.predict_proba(X)  # unfitted: the scikit-learn error
    dbn.fit(X)
    assert not hasattr(dbn, "predict_proba")  # pretrained only: no classifier yet
    with pytest.raises(AttributeError, match="predict_proba") as info:
        dbn.predict_proba(X)
    assert "call fine_tune" in str(info.value.__cause__)  # the reason, in the traceback
    proba = dbn.fine_tune(X[:30], y[:30], X[30:], y[30:]).predict_proba(X)
    assert proba.shape == (40, 2) and proba.dtype == np.float32
    with pytest.raises(ValueError, match="features"):
        dbn.predict_proba(X[:, :4])
