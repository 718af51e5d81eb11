"""Losses for multi-class classification, one score per class: cross-entropies and KL.

Part of ``dlcore.losses``; its docstring gives the whole picture.
"""

from __future__ import annotations

import numpy as np

from ..activations import softmax
from .base import Loss
from .checks import (
    _as_class_targets,
    _check_class_scores,
    _check_eps,
    _check_prediction,
    _check_probabilities,
    _check_rows_sum_to_one,
    _check_same_rows,
    _check_target,
    _predicted_labels_multiclass,
    _target_labels_multiclass,
)

# --- multi-class classification: one score per class ------------------------------------------


class CategoricalCrossEntropy(Loss):
    """Cross-entropy on probabilities, for a model that ends with ``Softmax``.

    With ``p = y_hat`` the predicted class probabilities and ``y`` the one-hot targets::

        L = -1/N * sum_n sum_k y_nk * log(p_nk)
        dL/dp_nk = -y_nk / p_nk / N

    For a one-hot target only the true class counts: the loss is ``-log`` of the probability
    given to the true class (true class dog, prediction dog 0.46 / cat 0.54: ``-ln 0.46 =
    0.777``; dog 0.98: ``0.020``). ``p`` is clipped to ``[eps, 1]`` so that ``log(0)`` never
    happens. (Numerically better: drop the ``Softmax`` and use ``SoftmaxCrossEntropy``.)

    Shapes: ``y_hat: (N, K)``, rows of probabilities summing to 1; ``y``: integer labels
    ``(N,)`` in [0, K), or rows ``(N, K)`` that are one-hot (or soft, summing to 1).
    ``predict_labels`` is the argmax of each row. Introduced in ``notebooks/03_loss.ipynb``.
    """

    is_classification = True

    def __init__(self, eps: float = 1e-7):
        self.eps = _check_eps(eps, "CategoricalCrossEntropy")

    def forward(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        where = "CategoricalCrossEntropy"
        y_hat = _check_prediction(y_hat, where)
        _check_class_scores(y_hat, where)
        _check_probabilities(
            y_hat,
            "y_hat",
            where,
            "did you pass logits (raw scores)? Use SoftmaxCrossEntropy on them, or end the "
            "model with Softmax.",
        )
        _check_rows_sum_to_one(
            y_hat,
            "y_hat",
            where,
            "end the model with Softmax (not Sigmoid), or use SoftmaxCrossEntropy on logits.",
        )
        y = self._targets(y_hat, y, where)
        N = y_hat.shape[0]
        if y.ndim == 1:
            # integer labels: only the probability of the true class enters the loss
            p_true = np.clip(y_hat[np.arange(N), y], self.eps, 1.0)
            loss = -np.mean(np.log(p_true))
            self._cache = (y_hat, y, p_true)
        else:
            p = np.clip(y_hat, self.eps, 1.0)
            loss = -np.sum(y * np.log(p)) / N
            self._cache = (y_hat, y, p)
        return float(loss)

    def backward(self) -> np.ndarray:
        y_hat, y, p = self._saved()
        N = y_hat.shape[0]
        if y.ndim == 1:
            # dL/dp is -1 / p_true / N at the true class of each row and 0 elsewhere
            dp = np.zeros_like(y_hat)
            dp[np.arange(N), y] = -1 / p / N
            return dp
        return -y / p / N

    def _targets(self, y_hat, y, where):
        _check_class_scores(y_hat, where)
        return _as_class_targets(y_hat, y, where)

    def chance_loss(self, y, output_shape):
        """``log K``: the loss of the uniform distribution over the K classes."""
        return float(np.log(output_shape[1])) if len(output_shape) == 2 else None

    def predict_labels(self, y_hat: np.ndarray) -> np.ndarray:
        """The most probable class of each row: (N, K) -> (N,) int64."""
        where = "CategoricalCrossEntropy.predict_labels"
        return _predicted_labels_multiclass(y_hat, where)

    def target_labels(self, y: np.ndarray) -> np.ndarray:
        """Labels (N,) as they are, or the argmax of one-hot rows (N, K) -> (N,) int64."""
        where = "CategoricalCrossEntropy.target_labels"
        return _target_labels_multiclass(y, where)

    def __repr__(self) -> str:
        return f"CategoricalCrossEntropy(eps={self.eps!r})"


class SoftmaxCrossEntropy(Loss):
    """Softmax and cross-entropy fused, on logits: the standard loss of a K-class classifier.

    With the logits ``z = y_hat`` (the last ``Dense`` layer's output, no ``Softmax`` after it)::

        log p_nk = z_nk - log(sum_j exp(z_nj))          (log-softmax)
        L = -1/N * sum_n sum_k y_nk * log p_nk           (= -1/N sum_n log p_{n, y_n} for labels)
        dL/dz = (softmax(z) - y_onehot) / N

    Fusing the two is both simpler and safer than ``Softmax`` followed by
    ``CategoricalCrossEntropy``: the gradient is just "probabilities minus targets", and the
    log-sum-exp is computed after subtracting each row's maximum (``softmax(z) = softmax(z - c)``),
    so logits of 10 000 neither overflow ``exp`` nor take ``log(0)``. This is PyTorch's
    ``CrossEntropyLoss``.

    Shapes: ``y_hat: (N, K)`` logits; ``y``: integer labels ``(N,)`` in [0, K), or rows
    ``(N, K)`` that are one-hot (or soft, summing to 1). ``predict_labels`` is the argmax of
    each row (the same as the argmax of the probabilities). Introduced in
    ``notebooks/03_loss.ipynb`` and used for training from ``notebooks/07_training_loop.ipynb``.
    """

    is_classification = True

    def forward(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        where = "SoftmaxCrossEntropy"
        z = _check_prediction(y_hat, where)
        _check_class_scores(z, where)
        y = self._targets(z, y, where)
        N = z.shape[0]
        # log p = log softmax(z) = (z - max) - log(sum exp(z - max)): every exp is at most 1
        # and the sum at least 1, so neither exp nor log can overflow (the log-sum-exp trick)
        shifted = z - z.max(axis=1, keepdims=True)
        log_sum_exp = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_p = shifted - log_sum_exp
        if y.ndim == 1:
            loss = -np.mean(log_p[np.arange(N), y])  # labels: log p of the true class only
        else:
            loss = -np.sum(y * log_p) / N
        self._cache = (z, y)
        return float(loss)

    def backward(self) -> np.ndarray:
        z, y = self._saved()
        N = z.shape[0]
        dz = softmax(z, axis=1)  # p, then p - y: the "probabilities minus targets" gradient
        if y.ndim == 1:
            dz[np.arange(N), y] -= 1  # minus the one-hot target, without building it
        else:
            dz -= y
        return dz / N

    def _targets(self, y_hat, y, where):
        _check_class_scores(y_hat, where)
        return _as_class_targets(y_hat, y, where)

    def chance_loss(self, y, output_shape):
        """``log K``: the loss of equal logits (the uniform distribution) over K classes."""
        return float(np.log(output_shape[1])) if len(output_shape) == 2 else None

    def predict_labels(self, y_hat: np.ndarray) -> np.ndarray:
        """The class with the largest logit in each row: (N, K) -> (N,) int64."""
        where = "SoftmaxCrossEntropy.predict_labels"
        return _predicted_labels_multiclass(y_hat, where)

    def target_labels(self, y: np.ndarray) -> np.ndarray:
        """Labels (N,) as they are, or the argmax of one-hot rows (N, K) -> (N,) int64."""
        where = "SoftmaxCrossEntropy.target_labels"
        return _target_labels_multiclass(y, where)


class KLDivergence(Loss):
    """Kullback-Leibler divergence of the predicted distribution from the target distribution.

    With ``p = y_hat`` and ``q = y`` probability distributions over K classes (rows summing
    to 1)::

        L = 1/N * sum_n sum_k q_nk * log(q_nk / p_nk)      with 0 * log 0 = 0
        dL/dp_nk = -q_nk / p_nk / N

    It is the cross-entropy minus the entropy of the targets, so it is 0 exactly when
    ``p = q`` and its gradient is that of ``CategoricalCrossEntropy``; it is the loss to use
    when the targets themselves are distributions (distillation, soft labels). ``p`` is clipped
    to ``[eps, 1]`` so that ``log(0)`` never happens. Note the order: prediction first, as in
    every loss here, which is the reverse of the maths notation ``KL(q || p)``.

    Shapes: ``y_hat: (N, K)`` and ``y: (N, K)``, both rows of probabilities summing to 1.
    ``predict_labels`` and ``target_labels`` are the argmax of each row.
    Introduced in ``notebooks/03_loss.ipynb``.
    """

    is_classification = True

    def __init__(self, eps: float = 1e-7):
        self.eps = _check_eps(eps, "KLDivergence")

    def forward(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        where = "KLDivergence"
        y_hat = _check_prediction(y_hat, where)
        _check_class_scores(y_hat, where)
        hint_p = "end the model with Softmax, or pass probabilities rather than logits."
        _check_probabilities(y_hat, "y_hat", where, hint_p)
        _check_rows_sum_to_one(y_hat, "y_hat", where, hint_p)
        q = self._targets(y_hat, y, where)
        N = y_hat.shape[0]
        p = np.clip(y_hat, self.eps, 1.0)
        # 0 * log 0 = 0: take log(1) = 0 where q is 0, so no log(0) is ever computed
        log_q = np.log(np.where(q > 0, q, 1))
        loss = np.sum(q * (log_q - np.log(p))) / N
        self._cache = (p, q)
        return float(loss)

    def backward(self) -> np.ndarray:
        p, q = self._saved()
        N = p.shape[0]
        return -q / p / N

    def _targets(self, y_hat, y, where):
        _check_class_scores(y_hat, where)
        y = _check_target(y, where)
        _check_same_rows(y_hat, y, where)
        if y.shape != y_hat.shape:
            raise ValueError(
                f"{where}: expected y of the same shape as y_hat, {y_hat.shape} (one target "
                f"distribution per sample), received shape {y.shape}. Hint: for integer class "
                f"labels use CategoricalCrossEntropy or SoftmaxCrossEntropy."
            )
        q = y.astype(y_hat.dtype, copy=False)
        hint_q = "each target row must be a distribution over the K classes, summing to 1."
        _check_probabilities(q, "y", where, hint_q)
        _check_rows_sum_to_one(q, "y", where, hint_q)
        return q

    def chance_loss(self, y, output_shape):
        """``log K`` at most: the loss of the uniform distribution over the K classes."""
        return float(np.log(output_shape[1])) if len(output_shape) == 2 else None

    def predict_labels(self, y_hat: np.ndarray) -> np.ndarray:
        """The most probable class of each row: (N, K) -> (N,) int64."""
        where = "KLDivergence.predict_labels"
        return _predicted_labels_multiclass(y_hat, where)

    def target_labels(self, y: np.ndarray) -> np.ndarray:
        """The most probable class of each target row: (N, K) -> (N,) int64."""
        where = "KLDivergence.target_labels"
        return _target_labels_multiclass(y, where)

    def __repr__(self) -> str:
        return f"KLDivergence(eps={self.eps!r})"
