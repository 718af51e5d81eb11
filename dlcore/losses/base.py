"""The ``Loss`` contract every loss follows: ``loss(y_hat, y)`` then ``loss.backward()``.

Part of ``dlcore.losses``; its docstring gives the whole picture.
"""

from __future__ import annotations

import numpy as np

# --- the base class ----------------------------------------------------------------------------


class Loss:
    """Base class of every loss: the shared bookkeeping, not the maths.

    A subclass implements ``forward(y_hat, y)``, which stores in ``self._cache`` what its
    ``backward()`` needs, and ``backward()``, which starts with ``self._saved()``.
    A classification loss sets ``is_classification = True`` and implements ``predict_labels``
    and ``target_labels``.
    """

    is_classification: bool = False
    _cache: tuple | None = None

    def forward(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement forward(y_hat, y).")

    def backward(self) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement backward().")

    def __call__(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        return self.forward(y_hat, y)

    def _targets(self, y_hat: np.ndarray, y, where: str):
        """``y`` checked against predictions ``y_hat`` and converted as ``forward`` uses it.

        Reads only ``y_hat``'s shape and dtype, so that ``check_targets`` can run it on the
        whole of ``y`` at once. A loss with checks of its own targets writes it; here: none.
        """
        return y

    def check_targets(self, y, output_shape: tuple) -> None:
        """Check every target of ``y`` for a model whose output has the shape ``output_shape``
        ``(N, ...)``, as ``forward`` would check a batch of them, without computing anything.

        ``fit`` calls it on the whole of ``y`` (and of ``y_val``) before the first update, so a
        bad label is reported at its place in ``y``, before training changed any weight.
        """
        # a zero-stride array of the output's shape: the checks read only its shape and dtype
        probe = np.broadcast_to(np.zeros((), dtype=np.float32), tuple(output_shape))
        self._targets(probe, y, type(self).__name__)

    def chance_loss(self, y, output_shape: tuple) -> float | None:
        """The loss of a model that knows nothing: the same output for every sample (the
        uniform distribution over K classes, a probability of 0.5, the mean target), or None
        if this loss does not say.

        ``fit`` compares the training loss with it: a loss far above both where it started and
        this level means training diverged even if every number is still finite.
        """
        return None

    def _saved(self) -> tuple:
        """What the last ``forward`` kept for ``backward``; a RuntimeError if there was none."""
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward: expected a forward pass first, received a call "
                f"to backward() with nothing computed. Hint: compute loss = loss_fn(y_hat, y), "
                f"then call loss_fn.backward()."
            )
        return self._cache

    def predict_labels(self, y_hat: np.ndarray) -> np.ndarray:
        """The predicted class of each sample: (N, ...) -> (N,) int64 (classification only)."""
        raise TypeError(
            f"{type(self).__name__}.predict_labels: expected a classification loss "
            f"(is_classification = True), received the regression loss {type(self).__name__}. "
            f"Hint: check loss.is_classification before asking for class labels."
        )

    def target_labels(self, y: np.ndarray) -> np.ndarray:
        """The true class of each sample: targets -> (N,) int64 (classification only)."""
        raise TypeError(
            f"{type(self).__name__}.target_labels: expected a classification loss "
            f"(is_classification = True), received the regression loss {type(self).__name__}. "
            f"Hint: check loss.is_classification before asking for class labels."
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
