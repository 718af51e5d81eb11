"""Losses for regression, one number per target: MSE and Huber.

Part of ``dlcore.losses``; its docstring gives the whole picture.
"""

from __future__ import annotations

import numpy as np

from ..validate import positive_number
from .base import Loss
from .checks import (
    _check_prediction,
    _check_target,
    _match_regression_shapes,
)

# --- regression --------------------------------------------------------------------------------


class MSE(Loss):
    """Mean squared error, the loss of regression.

    ``L = 1/M * sum_i (y_hat_i - y_i)^2`` over all M elements of ``y_hat`` (PyTorch's default),
    so ``dL/dy_hat_i = 2 * (y_hat_i - y_i) / M``.

    Shapes: ``y_hat: (N, ...)``, ``y`` of the same shape ((N,) against (N, 1) is allowed) ->
    a float. Squaring makes every error positive and punishes large errors much more than small
    ones, which is also why one outlier can dominate it (see ``Huber``).
    Introduced in ``notebooks/03_loss.ipynb``.
    """

    is_classification = False

    def forward(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        where = "MSE"
        y_hat = _check_prediction(y_hat, where)
        y = self._targets(y_hat, y, where)
        diff = y_hat - y
        self._cache = (diff,)
        # squared in float64: a float32 error of 1e20 squared would overflow to inf
        return float(np.mean(np.square(diff, dtype=np.float64)))

    def _targets(self, y_hat, y, where):
        y = _check_target(y, where)
        return _match_regression_shapes(y_hat, y, where).astype(y_hat.dtype, copy=False)

    def chance_loss(self, y, output_shape):
        """The variance of the targets: the loss of always predicting their mean."""
        probe = np.broadcast_to(np.zeros((), dtype=np.float32), tuple(output_shape))
        y = self._targets(probe, y, "MSE").astype(np.float64)
        return float(np.mean((y - y.mean(axis=0)) ** 2))

    def backward(self) -> np.ndarray:
        (diff,) = self._saved()
        M = diff.size
        return 2 * diff / M


class Huber(Loss):
    """Huber loss: squared error for small errors, absolute error for large ones.

    With the error ``r = y_hat - y`` and the threshold ``delta``::

        l(r) = 0.5 * r^2                      if |r| <= delta
        l(r) = delta * (|r| - 0.5 * delta)    otherwise

    ``L`` is the mean of ``l`` over all M elements, and ``dL/dy_hat = l'(r) / M`` with
    ``l'(r) = r`` inside the threshold and ``delta * sign(r)`` outside. The two pieces meet with
    the same value and slope at ``|r| = delta``, so the loss is smooth like MSE near the target,
    but an outlier pulls with a bounded force ``delta`` instead of one that grows with the error.

    Shapes: ``y_hat: (N, ...)``, ``y`` of the same shape ((N,) against (N, 1) is allowed) ->
    a float. Introduced in ``notebooks/03_loss.ipynb``.
    """

    is_classification = False

    def __init__(self, delta: float = 1.0):
        self.delta = positive_number(
            delta, "delta", "Huber",
            "delta is the error size where the loss turns from squared to linear; 1.0 is usual.",
        )

    def forward(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        where = "Huber"
        y_hat = _check_prediction(y_hat, where)
        y = self._targets(y_hat, y, where)
        r = y_hat - y
        self._cache = (r, np.abs(r) <= self.delta)
        return float(np.mean(self._losses(r)))

    def _losses(self, r: np.ndarray) -> np.ndarray:
        """``l(r)`` for every error, in float64 and without squaring a large ``r``.

        With ``q = min(|r|, delta)``, ``l(r) = 0.5 * q**2 + delta * (|r| - q)``: the two pieces
        of the definition in one line, so a float32 error of 1e30 never overflows ``r**2``.
        """
        abs_r = np.abs(r).astype(np.float64)
        q = np.minimum(abs_r, self.delta)
        return 0.5 * q**2 + self.delta * (abs_r - q)

    def _targets(self, y_hat, y, where):
        y = _check_target(y, where)
        return _match_regression_shapes(y_hat, y, where).astype(y_hat.dtype, copy=False)

    def chance_loss(self, y, output_shape):
        """The loss of always predicting the mean target."""
        probe = np.broadcast_to(np.zeros((), dtype=np.float32), tuple(output_shape))
        y = self._targets(probe, y, "Huber").astype(np.float64)
        return float(np.mean(self._losses(y - y.mean(axis=0))))

    def backward(self) -> np.ndarray:
        r, small = self._saved()
        M = r.size
        dr = np.where(small, r, self.delta * np.sign(r))
        return dr / M

    def __repr__(self) -> str:
        return f"Huber(delta={self.delta!r})"
