"""How good are the predictions? Accuracy and the confusion matrix.

Introduced in ``notebooks/03_loss.ipynb`` (a loss is what training minimises; a metric is what a
person reads) and used from ``notebooks/07_training_loop.ipynb`` on.

Both functions take the prediction first and the target second, as the losses do
(``accuracy(y_hat, y)``), and accept either form of each:

- ``y_hat``: predicted labels ``(N,)`` or scores ``(N, K)`` with ``K >= 2`` (logits or
  probabilities; the predicted class is the column with the largest score, ``argmax``);
- ``y``: true labels ``(N,)`` or one-hot rows ``(N, K)``.

A single column of scores ``(N, 1)`` is refused: it could be a probability (threshold 0.5) or a
logit (threshold 0), and guessing wrong would give a silently wrong accuracy. Threshold it first,
e.g. ``(y_hat[:, 0] > 0.5).astype(int)`` for probabilities.
"""

from __future__ import annotations

import numpy as np

from .validate import describe, positive_int, table_size


def _as_labels(a, name: str, where: str) -> np.ndarray:
    """Turn labels ``(N,)`` or scores / one-hot rows ``(N, K)`` into integer labels ``(N,)``.

    A column ``(N, 1)`` is accepted only if it holds whole numbers (labels written as a column);
    a column of scores raises, because the right threshold depends on what the scores are.
    """
    if not isinstance(a, np.ndarray):
        try:
            a = np.asarray(a)
        except Exception as exc:  # pragma: no cover - numpy raises many different errors here
            raise TypeError(
                f"{where}: expected {name} to be a NumPy array of labels or scores, "
                f"received {describe(a)}."
            ) from exc
    if a.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: expected {name} to be an array of numbers (integer labels or float scores), "
            f"received {describe(a)}. Hint: encode string labels as integers first with "
            f"dlcore.data.LabelEncoder."
        )
    if a.ndim == 0 or a.ndim > 2:
        raise ValueError(
            f"{where}: expected {name} to have shape (N,) (labels) or (N, K) (scores or one-hot "
            f"rows), received {describe(a)}."
        )
    if a.shape[0] == 0:
        raise ValueError(
            f"{where}: expected at least one sample in {name}, received {describe(a)}."
        )
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))[0]
        raise ValueError(
            f"{where}: expected finite numbers in {name}, received NaN or inf "
            f"({int(np.count_nonzero(~np.isfinite(a)))} of them, the first at index "
            f"{tuple(int(i) for i in bad)}). Hint: the model's output is NaN when training "
            f"diverged; lower the learning rate."
        )
    if a.ndim == 2 and a.shape[1] >= 2:
        # scores (logits or probabilities) or one-hot rows: the class is the largest column
        return a.argmax(axis=1)
    if a.ndim == 2:  # (N, 1): only a column of whole numbers is unambiguous
        if a.dtype.kind == "f" and not np.array_equal(a, np.round(a)):
            raise ValueError(
                f"{where}: {name} has shape {a.shape}: a single column of scores is ambiguous "
                f"(a probability is thresholded at 0.5, a logit at 0), expected labels (N,) or "
                f"scores (N, K) with K >= 2. Hint: threshold first, e.g. "
                f"(y_hat[:, 0] > 0.5).astype(int) for probabilities or (y_hat[:, 0] > 0) for "
                f"logits."
            )
        a = a[:, 0]
    if a.dtype.kind == "f":
        if not np.array_equal(a, np.round(a)):
            raise ValueError(
                f"{where}: expected {name} of shape (N,) to hold whole-number class labels, "
                f"received non-integer values such as {a[a != np.round(a)][0]!r}. Hint: "
                f"scores or probabilities must have one column per class (N, K); threshold a "
                f"single probability first, e.g. (p > 0.5).astype(int)."
            )
    if a.min() < 0:
        raise ValueError(
            f"{where}: expected class labels 0, 1, ..., K-1 in {name}, received the negative "
            f"label {a.min()!s}. Hint: map labels to 0..K-1 with "
            f"dlcore.data.LabelEncoder (labels -1/+1 for Hinge become 0/1 with (y > 0))."
        )
    if a.max() >= 2**62:  # checked before the cast, which would wrap it to a negative number
        raise ValueError(
            f"{where}: expected class labels 0, 1, ..., K-1 in {name}, received the label "
            f"{a.max()!s}. Hint: these look like ids, not classes; map them to 0..K-1 with "
            f"dlcore.data.LabelEncoder."
        )
    return a.astype(np.int64)


def _num_score_columns(a) -> int | None:
    """K if ``a`` is a score or one-hot array ``(N, K)`` with K >= 2, else None."""
    shape = np.shape(a)
    if len(shape) == 2 and shape[1] >= 2:
        return int(shape[1])
    return None


def _labels_pair(y_hat, y, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Both arguments as integer labels ``(N,)``, with their lengths checked against each other."""
    pred = _as_labels(y_hat, "y_hat", where)
    true = _as_labels(y, "y", where)
    if pred.shape[0] != true.shape[0]:
        raise ValueError(
            f"{where}: expected y_hat and y to hold the same number of samples, received "
            f"{pred.shape[0]} predictions (y_hat {np.shape(y_hat)}) and {true.shape[0]} targets "
            f"(y {np.shape(y)}). Hint: predict on the same X the labels belong to."
        )
    # A label that no column of the scores can predict is a sign of labels that do not start at 0
    for labels, other, other_name, label_name in ((true, y_hat, "y_hat", "y"),
                                                 (pred, y, "y", "y_hat")):
        K = _num_score_columns(other)
        if K is not None and labels.max() >= K:
            raise ValueError(
                f"{where}: {other_name} has {K} columns (classes 0..{K - 1}), but {label_name} "
                f"holds the label {int(labels.max())}. Hint: labels must run from 0 to K-1; "
                f"map them with dlcore.data.LabelEncoder."
            )
    return pred, true


def accuracy(y_hat, y) -> float:
    """The fraction of samples whose predicted class is the true class.

    ``accuracy = (1/N) * sum_i [label(y_hat_i) == label(y_i)]``

    Parameters
    ----------
    y_hat : (N,) int labels or (N, K) scores with K >= 2
        Predicted labels, or scores (logits or probabilities) of which the largest wins.
    y : (N,) int labels or (N, K) one-hot rows
        The true classes.

    Returns
    -------
    float in [0, 1].
    """
    pred, true = _labels_pair(y_hat, y, "accuracy")
    return float(np.count_nonzero(pred == true)) / pred.shape[0]


def confusion_matrix(y_hat, y, num_classes: int | None = None) -> np.ndarray:
    """Count, for each true class, how often each class was predicted.

    ``C[i, j]`` = number of samples whose true class is ``i`` and predicted class is ``j``:
    rows are the true class, columns the predicted class. The diagonal holds the correct
    predictions, so ``np.trace(C) / C.sum()`` is the accuracy; a large off-diagonal entry shows
    which two classes the model confuses.

    Parameters
    ----------
    y_hat : (N,) int labels or (N, K) scores with K >= 2
    y : (N,) int labels or (N, K) one-hot rows
    num_classes : int, optional
        K. By default one more than the largest label seen (or the number of score columns), so
        a class that never occurs in a small sample still gets a row when you pass it.

    Returns
    -------
    (K, K) int64 array.
    """
    where = "confusion_matrix"
    pred, true = _labels_pair(y_hat, y, where)
    seen = max(int(pred.max()), int(true.max())) + 1
    seen = max(seen, _num_score_columns(y_hat) or 0, _num_score_columns(y) or 0)
    if num_classes is None:
        K = seen
    else:
        K = positive_int(num_classes, "num_classes", where)
        if seen > K:
            raise ValueError(
                f"{where}: expected labels (or score columns) below num_classes={K}, received "
                f"class {seen - 1}. Hint: leave num_classes=None to count the classes from the "
                f"data."
            )
    table_size(K * K, 8, where, f"a {K} x {K} matrix of counts (largest label {seen - 1})",
               "are these ids rather than class indices? Encode them with "
               "dlcore.data.LabelEncoder.", limit_bytes=2**30)
    # Each (true, predicted) pair becomes one index true*K + predicted; counting the indices
    # fills the matrix in one vectorised call.
    counts = np.bincount(true * K + pred, minlength=K * K)
    return counts.reshape(K, K).astype(np.int64)
