"""The extreme learning machine: fits separable data, is seeded, selects on training data only."""

import numpy as np
import pytest

from genrelearn.models.backends import elm_grid, evaluate_backends, make_backend, select_and_refit
from genrelearn.models.elm import ELMClassifier


def _separable(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = np.where(X @ np.array([1.0, -2.0, 0.5, 1.0]) > 0, "pos", "neg")
    return X, y


def test_fits_a_linearly_separable_set():
    X, y = _separable()
    elm = ELMClassifier(n_hidden=200, random_state=0).fit(X, y)
    assert (elm.predict(X) == y).mean() == 1.0
    assert set(elm.classes_) == {"neg", "pos"}
    scores = elm.decision_function(X)  # two classes: one score, positive for classes_[1]
    assert scores.shape == (60,)
    np.testing.assert_array_equal(elm.predict(X), elm.classes_[(scores > 0).astype(int)])


def test_seeded_hidden_layer():
    X, y = _separable()
    a = ELMClassifier(n_hidden=50, random_state=1).fit(X, y)
    b = ELMClassifier(n_hidden=50, random_state=1).fit(X, y)
    c = ELMClassifier(n_hidden=50, random_state=2).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    assert not np.allclose(a.hidden_weights_, c.hidden_weights_)


def test_rejects_bad_settings_and_inputs():
    X, y = _separable()
    with pytest.raises(ValueError, match="n_hidden"):
        ELMClassifier(n_hidden=0).fit(X, y)
    elm = ELMClassifier(n_hidden=10).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        elm.predict(X[:, :2])


def test_hidden_size_is_selected_on_training_data_only():
    X, y = _separable(120)
    fit, valid, test = np.arange(60), np.arange(60, 90), np.arange(90, 120)
    grid = elm_grid([5, 50, 200])
    _, chosen, _ = select_and_refit(make_backend("elm"), grid, X, y, fit, valid, fit)
    X2, y2 = X.copy(), y.copy()
    rng = np.random.default_rng(3)
    X2[test] = rng.normal(size=X[test].shape) * 100
    y2[test] = rng.permutation(y[test])
    _, chosen2, _ = select_and_refit(make_backend("elm"), grid, X2, y2, fit, valid, fit)
    assert chosen == chosen2 and chosen["n_hidden"] in (5, 50, 200)


def test_evaluate_backends_rows():
    X, y = _separable(90)
    splits = [
        {
            "repeat": 0,
            "fold": 0,
            "fit": np.arange(40),
            "valid": np.arange(40, 60),
            "refit": np.arange(60),
            "test": np.arange(60, 90),
        }
    ]
    rows = evaluate_backends(X, y, splits, {"elm": elm_grid([20, 100])}, scaling="standard")
    assert list(rows["backend"]) == ["elm"] and rows["n_refit"].iloc[0] == 60
    assert 50 <= rows["accuracy"].iloc[0] <= 100
