"""Loss functions: one number that says how wrong the predictions are, and its gradient.

Introduced in ``notebooks/03_loss.ipynb``; ``SoftmaxCrossEntropy`` is the loss of the training
loop in ``notebooks/07_training_loop.ipynb``.

The loss contract (the same for every loss):

- ``loss(y_hat, y)``, the same as ``loss.forward(y_hat, y)``, takes the predictions first and
  the targets second (as PyTorch does), returns the mean loss over the batch as a Python
  ``float``, and keeps in the loss what ``backward`` will need.
- ``backward()`` takes no argument and returns dL/dy_hat of that mean: an array of the same
  shape and dtype as ``y_hat``. It is the ``dout`` that starts back propagation through the
  model: ``model.backward(loss.backward())``.

Which mean: ``MSE``, ``Huber``, ``BinaryCrossEntropy``, ``BinaryCrossEntropyWithLogits`` and
``Hinge`` average over all elements of ``y_hat`` (one per sample for the binary losses);
``CategoricalCrossEntropy``, ``SoftmaxCrossEntropy`` and ``KLDivergence`` sum over the K classes
of a sample and average over the N samples. Because the loss is a mean, every gradient carries a
``1/N`` (or ``1/(number of elements)``): forget it, and the step size grows with the batch.

Classification losses have ``is_classification = True`` and turn scores into class labels with
``predict_labels(y_hat) -> (N,) int64`` and targets into labels with ``target_labels(y) -> (N,)
int64``, so that training can report accuracy. Regression losses have
``is_classification = False``.

Every input is checked at the boundary: a wrong shape, a NaN, a probability above 1 or a class
label out of range raises an error that names the loss, what was expected, what was received,
and what to try, instead of giving a silently wrong number.
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid, softmax
from .validate import as_float_array, describe, finite, message, positive_number

__all__ = [
    "Loss",
    "MSE",
    "Huber",
    "BinaryCrossEntropy",
    "BinaryCrossEntropyWithLogits",
    "Hinge",
    "CategoricalCrossEntropy",
    "SoftmaxCrossEntropy",
    "KLDivergence",
]

# How far the rows of a probability matrix may be from summing to 1 (float32 softmax outputs sum
# to 1 within about 1e-6; a sigmoid per class or raw counts are off by far more than this).
_ROW_SUM_TOLERANCE = 1e-3


# --- input checks shared by the losses ---------------------------------------------------------
# Each checks one thing (and returns the array converted or reshaped where that is its job), or
# raises ValueError / TypeError with a message naming the loss (`where`), the expected and the
# received value, and a hint.


def _check_finite(x: np.ndarray, name: str, where: str) -> None:
    """Raise a ValueError if ``x`` holds a NaN or an infinity."""
    finite(x, name, where, "NaN or inf in y_hat usually means training diverged (try a smaller "
                           "learning rate); in y it usually means missing values in the data.")


def _check_prediction(y_hat, where: str) -> np.ndarray:
    """``y_hat`` as a float array of shape (N, ...) with N >= 1 and only finite numbers."""
    y_hat = as_float_array(y_hat, "y_hat", where)
    if y_hat.ndim == 0:
        raise ValueError(
            f"{where}: expected y_hat to be a batch of shape (N, ...), received a scalar "
            f"({describe(y_hat)}). Hint: pass the model's output for the whole batch."
        )
    if y_hat.shape[0] == 0:
        raise ValueError(
            f"{where}: expected a non-empty batch (N >= 1), received y_hat with N = 0 "
            f"({describe(y_hat)}). Hint: the mean over an empty batch is undefined; check "
            f"the batch size and the data split."
        )
    _check_finite(y_hat, "y_hat", where)
    return y_hat


def _check_target(y, where: str) -> np.ndarray:
    """``y`` as a NumPy array of numbers (bool, int or float), with at least one dimension."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: expected y to be an array of numbers (class labels or target values), "
            f"received {describe(y)}. Hint: encode string labels as integers 0..K-1 "
            f"with dlcore.data.LabelEncoder."
        )
    if y.ndim == 0:
        raise ValueError(
            f"{where}: expected y to be a batch of targets of shape (N, ...), received a scalar "
            f"({describe(y)}). Hint: pass one target per sample."
        )
    if y.dtype.kind == "f":
        _check_finite(y, "y", where)
    return y


def _check_same_rows(y_hat: np.ndarray, y: np.ndarray, where: str) -> None:
    if y.shape[0] != y_hat.shape[0]:
        raise ValueError(
            f"{where}: expected y to have one row per sample of y_hat, N = {y_hat.shape[0]}, "
            f"received y with {y.shape[0]} rows (y_hat shape {y_hat.shape}, y shape {y.shape}). "
            f"Hint: pass the targets of the same mini-batch as the predictions."
        )


def _match_regression_shapes(y_hat: np.ndarray, y: np.ndarray, where: str) -> np.ndarray:
    """``y`` with exactly the shape of ``y_hat``; (N,) against (N, 1) is reshaped, not broadcast.

    Broadcasting y_hat (N, 1) against y (N,) would give an (N, N) matrix of every prediction
    minus every target: a loss that looks plausible and is wrong. So shapes must match.
    """
    _check_same_rows(y_hat, y, where)
    if y.shape == y_hat.shape:
        return y
    N = y_hat.shape[0]
    if y.shape == (N,) and y_hat.shape == (N, 1):
        return y.reshape(N, 1)
    if y.shape == (N, 1) and y_hat.shape == (N,):
        return y.reshape(N)
    raise ValueError(
        f"{where}: expected y of the same shape as y_hat, {y_hat.shape} (or (N,) against "
        f"(N, 1)), received y of shape {y.shape}. Hint: one target per output of the model; "
        f"for class labels use a classification loss such as SoftmaxCrossEntropy."
    )


def _check_one_per_sample(x: np.ndarray, name: str, where: str) -> None:
    """``x`` must hold one value per sample: shape (N,) or (N, 1)."""
    if x.ndim == 1 or (x.ndim == 2 and x.shape[1] == 1):
        return
    if name == "y_hat":
        hint = (
            "for K > 1 classes use SoftmaxCrossEntropy (logits) or CategoricalCrossEntropy "
            "(probabilities)."
        )
    else:
        hint = "a binary loss takes one 0/1 target per sample, not one-hot rows."
    raise ValueError(
        f"{where}: expected {name} of shape (N,) or (N, 1), one value per sample, received "
        f"shape {x.shape}. Hint: {hint}"
    )


def _match_binary_shapes(y_hat: np.ndarray, y: np.ndarray, where: str) -> np.ndarray:
    """``y`` reshaped to ``y_hat``'s shape; both must hold one value per sample: (N,) or (N, 1).

    Reshaped, never broadcast: y_hat (N, 1) against y (N,) would broadcast to (N, N).
    """
    _check_one_per_sample(y_hat, "y_hat", where)
    _check_same_rows(y_hat, y, where)
    _check_one_per_sample(y, "y", where)
    return y.reshape(y_hat.shape)


def _check_probabilities(x: np.ndarray, name: str, where: str, hint: str) -> None:
    """Raise a ValueError unless every entry of ``x`` lies in [0, 1]."""
    outside = (x < 0) | (x > 1)
    if outside.any():
        first = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"{where}: expected {name} to hold probabilities in [0, 1], received "
            f"{name}{list(first)} = {float(x[first])} (min {float(x.min())}, "
            f"max {float(x.max())}). Hint: {hint}"
        )


def _check_rows_sum_to_one(x: np.ndarray, name: str, where: str, hint: str) -> None:
    """Raise a ValueError unless each row of ``x`` (N, K) sums to 1."""
    row_sums = x.sum(axis=1)
    off = np.abs(row_sums - 1) > _ROW_SUM_TOLERANCE
    if off.any():
        n = int(np.argmax(off))
        raise ValueError(
            f"{where}: expected each row of {name} to be a probability distribution summing to "
            f"1, received row {n} summing to {float(row_sums[n])}. Hint: {hint}"
        )


def _check_class_scores(y_hat: np.ndarray, where: str) -> None:
    """``y_hat`` must be (N, K) with K >= 2 classes."""
    if y_hat.ndim != 2 or y_hat.shape[1] < 2:
        raise ValueError(
            f"{where}: expected y_hat of shape (N, K), one column per class with K >= 2, "
            f"received shape {y_hat.shape}. Hint: end a K-class model with Dense(..., K); for a "
            f"single output per sample use BinaryCrossEntropyWithLogits."
        )


def _as_class_labels(y: np.ndarray, where: str, num_classes: int | None) -> np.ndarray:
    """Integer class labels (N,) as int64, each in [0, K) (in [0, inf) when K is not known)."""
    if y.dtype.kind == "f":
        not_integer = y != np.round(y)
        if not_integer.any():
            n = int(np.argmax(not_integer))
            raise ValueError(
                f"{where}: expected integer class labels 0..K-1, received the non-integer "
                f"value y[{n}] = {float(y[n])}. Hint: pass labels of shape (N,) such as "
                f"[0, 2, 1], or one row per sample of shape (N, K) for one-hot or soft targets."
            )
    if y.size == 0:
        return y.astype(np.int64)
    # Checked in y's own dtype, before the cast to int64: a label of 1e30 (or a uint64 beyond
    # int64) would otherwise wrap around and be reported as some unrelated negative number.
    # Two reductions are cheaper than a boolean mask; the mask is built only to report an error.
    in_range = y.min() >= 0 and (num_classes is None or y.max() < num_classes)
    if in_range:
        return y.astype(np.int64, copy=False)
    if num_classes is None:
        bad = y < 0
        expected = "labels >= 0"
    else:
        bad = (y < 0) | (y >= num_classes)
        expected = f"labels in [0, {num_classes}), as y_hat has K = {num_classes} columns"
    n = int(np.argmax(bad))
    raise ValueError(  # str of a NumPy scalar: the shortest text that gives it back, "1e+30"
        f"{where}: expected {expected}, received the label y[{n}] = {y[n]!s}. Hint: "
        f"labels must be 0..K-1 (dlcore.data.LabelEncoder makes them from any labels); "
        f"check that the model has one output per class."
    )


def _as_class_targets(y_hat: np.ndarray, y, where: str) -> np.ndarray:
    """Targets for a K-class loss: int64 labels (N,), or rows (N, K) in ``y_hat``'s dtype.

    Rows may be one-hot or soft (label smoothing): each in [0, 1] and summing to 1.
    """
    y = _check_target(y, where)
    N, K = y_hat.shape
    _check_same_rows(y_hat, y, where)
    if y.ndim == 1:
        return _as_class_labels(y, where, num_classes=K)
    if y.ndim != 2 or y.shape[1] != K:
        raise ValueError(
            f"{where}: expected y as class labels of shape (N,) = ({N},) or one-hot rows of "
            f"shape (N, K) = ({N}, {K}), received shape {y.shape}. Hint: if these are class "
            f"labels in a column, pass y.ravel(); the number of one-hot columns must equal the "
            f"model's number of outputs."
        )
    y = y.astype(y_hat.dtype, copy=False)
    hint = "one-hot rows have a single 1; dlcore.data.one_hot(labels, K) makes them."
    _check_probabilities(y, "y", where, hint)
    _check_rows_sum_to_one(y, "y", where, hint)
    return y


def _predicted_labels_multiclass(y_hat, where: str) -> np.ndarray:
    """The most probable class of each row of scores (N, K) -> (N,) int64."""
    y_hat = _check_prediction(y_hat, where)
    _check_class_scores(y_hat, where)
    return np.argmax(y_hat, axis=1).astype(np.int64)


def _target_labels_multiclass(y, where: str) -> np.ndarray:
    """Labels (N,) checked and returned as int64, or the argmax of rows (N, K) -> (N,) int64."""
    y = _check_target(y, where)
    if y.ndim == 1:
        return _as_class_labels(y, where, num_classes=None)
    if y.ndim == 2:
        return np.argmax(y, axis=1).astype(np.int64)
    raise ValueError(
        f"{where}: expected class labels of shape (N,) or one-hot rows of shape (N, K), "
        f"received shape {y.shape}. Hint: pass one label or one row per sample."
    )


def _check_eps(eps, where: str) -> float:
    hint = "the default 1e-7 keeps log() finite and changes nothing else."
    eps = positive_number(eps, "eps", where, hint)
    if eps >= 0.5:
        raise ValueError(message(where, "eps to be a small number (0 < eps < 0.5)", repr(eps),
                                 hint))
    return eps


def _binary_targets(y_hat: np.ndarray, y, where: str) -> np.ndarray:
    """Targets of a binary cross-entropy: one per sample, each in [0, 1], shaped as y_hat."""
    y = _check_target(y, where)
    y = _match_binary_shapes(y_hat, y, where).astype(y_hat.dtype, copy=False)
    _check_probabilities(
        y, "y", where,
        "targets are 0/1 labels (or soft targets in [0, 1]); for labels -1/+1 use Hinge.",
    )
    return y


def _binary_labels_from_threshold(scores: np.ndarray, threshold: float) -> np.ndarray:
    """(N,) or (N, 1) scores -> (N,) int64: 1 where the score is above ``threshold``, else 0."""
    return (scores.reshape(scores.shape[0]) > threshold).astype(np.int64)


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
