"""The input checks the losses share: shapes, labels, probabilities, with clear messages.

Part of ``dlcore.losses``; its docstring gives the whole picture.
"""

from __future__ import annotations

import numpy as np

from ..validate import as_float_array, describe, finite, message, positive_number

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
