"""Losses for binary classification, one score per sample: BCE (+ with logits), Hinge.

Part of ``dlcore.losses``; its docstring gives the whole picture.
"""

from __future__ import annotations

import numpy as np

from ..activations import sigmoid
from .base import Loss
from .checks import (
    _binary_labels_from_threshold,
    _binary_targets,
    _check_eps,
    _check_one_per_sample,
    _check_prediction,
    _check_probabilities,
    _check_target,
    _match_binary_shapes,
)

# --- binary classification: one score per sample ----------------------------------------------


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy on probabilities, for a model that ends with ``Sigmoid``.

    With ``p = y_hat`` the predicted probability of class 1 and ``y`` the target::

        L = -1/N * sum_n [ y_n * log(p_n) + (1 - y_n) * log(1 - p_n) ]
        dL/dp_n = (p_n - y_n) / (p_n * (1 - p_n)) / N

    ``p`` is first clipped to ``[eps, 1 - eps]`` so that ``log(0)`` never happens: a confident
    wrong prediction costs about ``-log(eps) = 16.1`` instead of infinity. The gradient uses the
    clipped ``p`` too, so it stays finite and still points the right way at ``p = 0`` or ``1``.
    (Numerically better still: drop the ``Sigmoid`` and use ``BinaryCrossEntropyWithLogits``.)

    Shapes: ``y_hat: (N,)`` or ``(N, 1)``, probabilities in [0, 1]; ``y: (N,)`` or ``(N, 1)``.
    Targets may be hard labels 0/1 or soft targets anywhere in [0, 1] (e.g. label smoothing).
    ``predict_labels`` says class 1 where ``p > 0.5``. Introduced in ``notebooks/03_loss.ipynb``.
    """

    is_classification = True

    def __init__(self, eps: float = 1e-7):
        self.eps = _check_eps(eps, "BinaryCrossEntropy")

    def forward(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        where = "BinaryCrossEntropy"
        y_hat = _check_prediction(y_hat, where)
        y = self._targets(y_hat, y, where)
        _check_probabilities(
            y_hat,
            "y_hat",
            where,
            "did you pass logits (raw scores)? Use BinaryCrossEntropyWithLogits on them, or "
            "end the model with Sigmoid.",
        )
        p = np.clip(y_hat, self.eps, 1 - self.eps)
        losses = -(y * np.log(p) + (1 - y) * np.log(1 - p))
        self._cache = (p, y)
        return float(np.mean(losses))

    def backward(self) -> np.ndarray:
        p, y = self._saved()
        M = p.size
        return (p - y) / (p * (1 - p)) / M

    def _targets(self, y_hat, y, where):
        return _binary_targets(y_hat, y, where)

    def chance_loss(self, y, output_shape):
        """``log 2``: the loss of predicting 0.5 for every sample."""
        return float(np.log(2.0))

    def predict_labels(self, y_hat: np.ndarray) -> np.ndarray:
        """Class 1 where the probability is above 0.5: (N,) or (N, 1) -> (N,) int64."""
        where = "BinaryCrossEntropy.predict_labels"
        y_hat = _check_prediction(y_hat, where)
        _check_one_per_sample(y_hat, "y_hat", where)
        return _binary_labels_from_threshold(y_hat, 0.5)

    def target_labels(self, y: np.ndarray) -> np.ndarray:
        """0/1 targets as labels (soft targets rounded at 0.5): (N,) or (N, 1) -> (N,) int64."""
        where = "BinaryCrossEntropy.target_labels"
        y = _check_target(y, where)
        _check_one_per_sample(y, "y", where)
        return _binary_labels_from_threshold(y, 0.5)

    def __repr__(self) -> str:
        return f"BinaryCrossEntropy(eps={self.eps!r})"


class BinaryCrossEntropyWithLogits(Loss):
    """Binary cross-entropy on logits: ``Sigmoid`` and cross-entropy in one stable formula.

    With the logit ``z = y_hat`` (any real number), ``p = sigmoid(z)`` and the target ``y``,
    the cross-entropy ``-[y log p + (1 - y) log(1 - p)]`` simplifies to::

        l(z, y) = max(z, 0) - z * y + log(1 + exp(-|z|))
        dL/dz_n = (sigmoid(z_n) - y_n) / N

    Written this way ``exp`` only ever sees ``-|z| <= 0``, so nothing overflows even for
    ``z = 1000``, and no probability is rounded to exactly 0 or 1 before its log is taken.
    The gradient is just "prediction minus target", the same neat form as for softmax.

    Shapes: ``y_hat: (N,)`` or ``(N, 1)`` logits; ``y: (N,)`` or ``(N, 1)`` targets, 0/1
    labels or soft targets in [0, 1]. ``predict_labels`` says class 1 where ``z > 0``
    (that is ``p > 0.5``). Introduced in ``notebooks/03_loss.ipynb``.
    """

    is_classification = True

    def forward(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        where = "BinaryCrossEntropyWithLogits"
        z = _check_prediction(y_hat, where)
        y = self._targets(z, y, where)
        losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        self._cache = (z, y)
        return float(np.mean(losses))

    def backward(self) -> np.ndarray:
        z, y = self._saved()
        M = z.size
        return (sigmoid(z) - y) / M

    def _targets(self, y_hat, y, where):
        return _binary_targets(y_hat, y, where)

    def chance_loss(self, y, output_shape):
        """``log 2``: the loss of the logit 0 (a probability of 0.5) for every sample."""
        return float(np.log(2.0))

    def predict_labels(self, y_hat: np.ndarray) -> np.ndarray:
        """Class 1 where the logit is above 0: (N,) or (N, 1) -> (N,) int64."""
        where = "BinaryCrossEntropyWithLogits.predict_labels"
        y_hat = _check_prediction(y_hat, where)
        _check_one_per_sample(y_hat, "y_hat", where)
        return _binary_labels_from_threshold(y_hat, 0.0)

    def target_labels(self, y: np.ndarray) -> np.ndarray:
        """0/1 targets as labels (soft targets rounded at 0.5): (N,) or (N, 1) -> (N,) int64."""
        where = "BinaryCrossEntropyWithLogits.target_labels"
        y = _check_target(y, where)
        _check_one_per_sample(y, "y", where)
        return _binary_labels_from_threshold(y, 0.5)


class Hinge(Loss):
    """Hinge loss, the loss of the support vector machine, on raw scores.

    With the score ``s = y_hat`` and the label ``y`` in {-1, +1}::

        l(s, y) = max(0, 1 - y * s)
        dL/ds_n = -y_n / N   where 1 - y_n * s_n > 0,   else 0

    A sample costs nothing once it is on the right side with a margin of at least 1
    (``y * s >= 1``); inside the margin it costs in proportion to how far it is from it.

    Labels: {-1, +1}, or {0, 1} where 0 is read as -1 (the form the other binary losses use);
    one array may not mix -1 and 0. Shapes: ``y_hat: (N,)`` or ``(N, 1)``; ``y: (N,)`` or
    ``(N, 1)``. ``predict_labels`` says class 1 where ``s > 0`` and returns 0/1;
    ``target_labels`` maps -1 to 0. Introduced in ``notebooks/03_loss.ipynb``.
    """

    is_classification = True

    @staticmethod
    def _plus_minus_one(y: np.ndarray, where: str) -> np.ndarray:
        """Labels in {-1, +1} or {0, 1} -> {-1.0, +1.0} (same dtype as ``y`` if float)."""
        plus_minus = (y == -1) | (y == 1)
        zero_one = (y == 0) | (y == 1)
        if not (plus_minus.all() or zero_one.all()):
            bad = ~(plus_minus | zero_one)
            if bad.any():
                n = int(np.argmax(bad.reshape(-1)))
                received = f"the value {float(y.reshape(-1)[n])} at flat index {n}"
            else:
                received = "both -1 and 0"
            raise ValueError(
                f"{where}: expected labels in {{-1, +1}} or in {{0, 1}}, received {received}. "
                f"Hint: use -1/+1 (or 0/1) for the two classes, not both conventions at once."
            )
        return np.where(y > 0, 1.0, -1.0)

    def forward(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        where = "Hinge"
        s = _check_prediction(y_hat, where)
        y = self._targets(s, y, where)
        margin = 1 - y * s
        losses = np.maximum(0, margin)
        self._cache = (margin, y)
        return float(np.mean(losses))

    def backward(self) -> np.ndarray:
        margin, y = self._saved()
        M = margin.size
        ds = np.where(margin > 0, -y, 0)
        return ds / M

    def _targets(self, y_hat, y, where):
        y = _check_target(y, where)
        y = _match_binary_shapes(y_hat, y, where)
        return self._plus_minus_one(y, where).astype(y_hat.dtype, copy=False)

    def chance_loss(self, y, output_shape):
        """1: the loss of the score 0 for every sample."""
        return 1.0

    def predict_labels(self, y_hat: np.ndarray) -> np.ndarray:
        """Class 1 where the score is above 0, else class 0: (N,) or (N, 1) -> (N,) int64."""
        where = "Hinge.predict_labels"
        y_hat = _check_prediction(y_hat, where)
        _check_one_per_sample(y_hat, "y_hat", where)
        return _binary_labels_from_threshold(y_hat, 0.0)

    def target_labels(self, y: np.ndarray) -> np.ndarray:
        """Labels -1/+1 (or 0/1) as 0/1: (N,) or (N, 1) -> (N,) int64."""
        where = "Hinge.target_labels"
        y = _check_target(y, where)
        _check_one_per_sample(y, "y", where)
        return _binary_labels_from_threshold(self._plus_minus_one(y, where), 0.0)
