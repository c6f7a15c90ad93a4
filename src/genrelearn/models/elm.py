"""Extreme learning machine: a random ReLU hidden layer and a least-squares output layer.

As in the back-end of Pons & Serra (2018) (after Huang et al.'s ELM): the input is projected by
normal random weights and biases, passed through a ReLU, and the output weights are the
minimum-norm least-squares solution (pseudo-inverse) onto one-hot targets coded as +-1. The class
is the arg-max of the outputs. Only the output layer is fitted; the hidden layer is drawn from
``random_state``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data


class ELMClassifier(ClassifierMixin, BaseEstimator):
    """Extreme learning machine classifier (scikit-learn API).

    Parameters
    ----------
    n_hidden : int
        Hidden ReLU units.
    random_state : int
        Seed of the hidden layer's weights and biases.

    Attributes
    ----------
    classes_ : numpy.ndarray
        Class labels, in output order.
    hidden_weights_ : numpy.ndarray
        ``(n_features, n_hidden)`` random input weights.
    hidden_bias_ : numpy.ndarray
        ``(n_hidden,)`` random biases.
    output_weights_ : numpy.ndarray
        ``(n_hidden, n_classes)`` least-squares output weights.
    """

    def __init__(self, n_hidden: int = 500, random_state: int = 0) -> None:
        self.n_hidden = n_hidden
        self.random_state = random_state

    def _hidden(self, X: np.ndarray) -> np.ndarray:
        return np.maximum(X @ self.hidden_weights_ + self.hidden_bias_, 0.0)

    def fit(self, X: np.ndarray, y: np.ndarray) -> ELMClassifier:
        """Draw the hidden layer and solve the output layer on ``(X, y)``."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        if int(self.n_hidden) < 1:
            raise ValueError(f"n_hidden must be >= 1, got {self.n_hidden}")
        self.classes_ = unique_labels(y)
        rng = np.random.default_rng(self.random_state)
        self.hidden_weights_ = rng.standard_normal((X.shape[1], int(self.n_hidden)))
        self.hidden_bias_ = rng.standard_normal(int(self.n_hidden))
        targets = np.where(y[:, None] == self.classes_[None, :], 1.0, -1.0)
        self.output_weights_, *_ = np.linalg.lstsq(self._hidden(X), targets, rcond=None)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Outputs ``(n_samples, n_classes)`` of the network."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._hidden(X) @ self.output_weights_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The class of the largest output."""
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]
