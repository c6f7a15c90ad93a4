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
        """Scores of the classes, as scikit-learn's classifiers give them.

        Returns
        -------
        numpy.ndarray
            With more than two classes, the network's outputs ``(n_samples, n_classes)``, one
            column per class of ``classes_``. With two classes, ``(n_samples,)``: the output of
            ``classes_[1]`` minus that of ``classes_[0]``, so that a positive score means
            ``classes_[1]``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = self._hidden(X) @ self.output_weights_
        if len(self.classes_) == 2:
            return out[:, 1] - out[:, 0]
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The class of the largest output.

        With two classes: ``classes_[1]`` when its output is the larger, i.e. when
        :meth:`decision_function` is positive.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
