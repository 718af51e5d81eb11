"""Labels as numbers: ``LabelEncoder`` for strings, ``one_hot`` for one-hot rows.

Part of ``dlcore.data``; its docstring gives the whole picture.
"""

from __future__ import annotations

import numpy as np

from ..validate import describe, positive_int


# --- labels -----------------------------------------------------------------------------------
def _as_label_array(labels, where: str) -> np.ndarray:
    """Labels as a 1-D array; hashable objects such as tuples become an object array."""
    if isinstance(labels, np.ndarray):
        arr = labels
    else:
        try:
            values = list(labels)
        except TypeError:  # a single label, not a sequence: reported by the ndim check below
            values = labels
        try:
            arr = np.asarray(values)
        except ValueError:  # ragged lists, [[1, 2], [3]]: kept as objects, refused by fit
            arr = None
        # np.asarray turns [1, "a"] into ["1", "a"] and a list of tuples into a 2-D array:
        # keep every label as it was instead, in an object array
        if arr is None or arr.ndim != 1 or arr.tolist() != values:
            try:
                arr = np.fromiter(values, dtype=object, count=len(values))
            except (TypeError, ValueError):
                pass
    if arr is None:
        raise TypeError(f"{where}: expected labels, one per sample, received {describe(labels)}.")
    if arr.ndim != 1:
        raise ValueError(
            f"{where}: expected labels to be 1-D, one label per sample, received "
            f"{describe(arr)}. Hint: for a column of labels use labels.ravel()."
        )
    return arr


def _sorted_classes(values: list) -> np.ndarray:
    """Sorted unique labels as an array: strings stay strings, numbers stay numbers.

    Labels of types that cannot be compared with each other (e.g. 1 and "a") are ordered by
    type name, then by ``repr``, so the order is still the same on every run.
    """
    try:
        ordered = sorted(values)
    except TypeError:
        ordered = sorted(values, key=lambda v: (type(v).__name__, repr(v)))
    arr = np.asarray(ordered) if ordered else np.asarray([])
    if arr.ndim != 1 or arr.dtype == object or arr.tolist() != ordered:
        arr = np.empty(len(ordered), dtype=object)  # keep each label exactly as it was
        arr[:] = ordered
    return arr


class LabelEncoder:
    """Turn class labels of any kind ("cat", "dog", ...) into the integers 0..K-1, and back.

    Losses and ``one_hot`` need the class of a sample as an integer index; data sets often
    store it as a name. ``fit`` learns the classes: ``classes_`` holds them sorted, and a
    label's code is its position there. Works for strings, numbers, and any hashable values
    (labels of mixed types that cannot be compared are ordered by type name, then ``repr``).

    Examples
    --------
    As in ``notebooks/01_data.ipynb``:

    >>> enc = LabelEncoder()
    >>> enc.fit_transform(["cat", "dog", "cat"])
    array([0, 1, 0])
    >>> enc.classes_
    array(['cat', 'dog'], dtype='<U3')
    >>> enc.inverse_transform([1, 0])
    array(['dog', 'cat'], dtype='<U3')
    """

    def __init__(self):
        self.classes_ = None

    def fit(self, labels) -> LabelEncoder:
        """Learn the sorted unique labels. labels: (N,) -> self (so calls can be chained)."""
        arr = _as_label_array(labels, "LabelEncoder.fit")
        if len(arr) == 0:
            raise ValueError(
                "LabelEncoder.fit: expected at least one label, received an empty sequence."
            )
        try:
            unique = list(dict.fromkeys(arr.tolist()))  # keeps first occurrences, hashes once
        except TypeError as exc:
            n, first = next(((i, v) for i, v in enumerate(arr.tolist())
                             if getattr(v, "__hash__", None) is None), ("?", "a label"))
            raise TypeError(
                f"LabelEncoder.fit: expected hashable labels (strings, numbers, tuples), "
                f"received {first!r:.80} at position {n} ({exc}). "
                f"Hint: lists cannot be labels; convert them to tuples, or is this one row of "
                f"features per sample rather than one label?"
            ) from exc
        self.classes_ = _sorted_classes(unique)
        self._code_of = {label: code for code, label in enumerate(self.classes_.tolist())}
        return self

    def _check_fitted(self, where: str) -> None:
        if self.classes_ is None:
            raise ValueError(
                f"LabelEncoder.{where}: expected a fitted encoder, received one that has not "
                f"been fitted yet. Hint: call fit(train_labels) or fit_transform(...) first."
            )

    def transform(self, labels) -> np.ndarray:
        """labels: (N,) -> codes (N,) int64, code = position of the label in ``classes_``."""
        self._check_fitted("transform")
        arr = _as_label_array(labels, "LabelEncoder.transform")
        try:
            # np.unique is vectorised; the dictionary is looked up once per distinct label only
            unique, inverse = np.unique(arr, return_inverse=True)
            unique = unique.tolist()
        except TypeError:  # labels of mixed types: fall back to one dictionary look-up each
            unique = list(dict.fromkeys(arr.tolist()))
            position = {label: i for i, label in enumerate(unique)}
            inverse = np.array([position[v] for v in arr.tolist()], dtype=np.int64)
        unknown = [v for v in unique if v not in self._code_of]
        if unknown:
            known = self.classes_.tolist()
            known_text = repr(known[:20]) + (" ..." if len(known) > 20 else "")
            raise ValueError(
                f"LabelEncoder.transform: expected labels from the fitted classes {known_text}, "
                f"received unknown label(s) {unknown[:10]!r}. Hint: fit the encoder on labels "
                f"that include every class (for example on all labels before splitting)."
            )
        codes_of_unique = np.array([self._code_of[v] for v in unique], dtype=np.int64)
        return codes_of_unique[np.asarray(inverse).reshape(-1)]

    def fit_transform(self, labels) -> np.ndarray:
        """``fit(labels)`` then ``transform(labels)``: labels (N,) -> codes (N,) int64."""
        return self.fit(labels).transform(labels)

    def inverse_transform(self, codes) -> np.ndarray:
        """codes: (N,) integers in [0, K) -> labels (N,), i.e. ``classes_[codes]``."""
        self._check_fitted("inverse_transform")
        c = np.asarray(codes)
        if c.dtype.kind not in "iu":
            raise TypeError(
                f"LabelEncoder.inverse_transform: expected integer codes, received "
                f"{describe(c)}. Hint: predicted labels come from y_hat.argmax(axis=1)."
            )
        k = len(self.classes_)
        bad = c[(c < 0) | (c >= k)]
        if bad.size:
            raise ValueError(
                f"LabelEncoder.inverse_transform: expected codes in [0, {k}) for the {k} known "
                f"classes, received {bad.ravel()[:10].tolist()}."
            )
        return self.classes_[c]

    def __repr__(self) -> str:
        if self.classes_ is None:
            return "LabelEncoder(not fitted)"
        return f"LabelEncoder(classes_={self.classes_.tolist()!r})"


def one_hot(y, num_classes=None, dtype=np.float32) -> np.ndarray:
    """Integer labels -> one-hot rows: y (N,) -> Y (N, K) with ``Y[i, y[i]] = 1``, else 0.

    A classifier with K outputs is compared with a target that has the same shape: a row of
    K numbers, 1 for the true class and 0 elsewhere (``notebooks/01_data.ipynb``,
    ``03_loss``). Labels must be integers in [0, K); float labels are accepted when they are
    whole numbers (2.0), so labels read from a float file work. Strings: encode them first
    with ``LabelEncoder``.

    Parameters
    ----------
    y : array (N,)
        Class labels 0..K-1.
    num_classes : int or None
        K. If None, ``max(y) + 1``; give it explicitly when a split might miss the last class.
    dtype : floating dtype of the result (float32 for training).
    """
    where = "one_hot"
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(
            f"{where}: expected y to be 1-D integer labels of shape (N,), received "
            f"{describe(arr)}. Hint: is y already one-hot? If it is a column of labels "
            f"of shape (N, 1), pass y.ravel()."
        )
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.floor(arr)):
            bad = arr[~np.isfinite(arr) | (arr != np.floor(arr))]
            raise ValueError(
                f"{where}: expected whole-number labels, received {bad[:5].tolist()}. "
                f"Hint: one_hot takes class indices, not probabilities or scores."
            )
    elif arr.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: expected integer labels, received {describe(arr)}. Hint: encode "
            f"strings as integers first with dlcore.data.LabelEncoder."
        )
    if num_classes is None:
        if len(arr) == 0:
            raise ValueError(
                f"{where}: expected at least one label when num_classes is None, received an "
                f"empty array. Hint: give num_classes=K."
            )
        num_classes = int(arr.max()) + 1 if arr.max() >= 0 else 1
    else:
        num_classes = positive_int(num_classes, "num_classes", where)
    k = int(num_classes)
    if len(arr) * k > 2**31:
        raise ValueError(
            f"{where}: expected a one-hot matrix of a sensible size, received {len(arr)} labels "
            f"and num_classes={k} (largest label {arr.max().item()!r}), which would need "
            f"{len(arr) * k:,} numbers. Hint: are these ids rather than class indices? Encode "
            f"them with dlcore.data.LabelEncoder."
        )
    bad = arr[(arr < 0) | (arr >= k)]  # checked before the cast, so 1e30 is reported as it is
    if bad.size:
        raise ValueError(
            f"{where}: expected labels in [0, {k}) for num_classes={k}, received "
            f"{sorted(set(bad.tolist()))[:10]}. Hint: labels count from 0; pass num_classes "
            f"if some class is missing from this y."
        )
    labels = arr.astype(np.int64)
    Y = np.zeros((len(labels), k), dtype=dtype)
    Y[np.arange(len(labels)), labels] = 1
    return Y
