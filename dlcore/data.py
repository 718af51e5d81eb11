"""Getting data ready for a network: splits, label encoding, one-hot, scaling and mini-batches.

Introduced in ``notebooks/01_data.ipynb``; ``notebooks/07_training_loop.ipynb`` uses
``BatchLoader`` inside the training loop.

The order of the steps matters, and each function here does one of them:

1. ``train_val_test_split``: set the validation and test data aside *first*, before looking at
   any statistics, so that what we measure on them is an honest estimate of new data.
2. ``LabelEncoder``: turn class names ("cat", "dog") into the integers 0..K-1 a loss expects.
3. ``one_hot``: turn integer labels into (N, K) rows with a single 1, for losses that compare
   probability vectors.
4. ``MinMaxScaler`` / ``StandardScaler``: bring features to similar ranges, with statistics
   learned on the training split only.
5. ``BatchLoader``: serve the training data in shuffled mini-batches, one epoch per loop.

Conventions: samples are rows (``X`` has shape ``(N, ...)``, ``y`` has ``N`` entries); no
function changes the caller's arrays (new arrays are built by indexing); randomness comes from
``seed`` (None, an int or a ``numpy.random.Generator``, see ``dlcore.rng``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .rng import as_generator
from .validate import as_float_array, describe, positive_int

__all__ = [
    "train_val_test_split",
    "LabelEncoder",
    "one_hot",
    "MinMaxScaler",
    "StandardScaler",
    "BatchLoader",
]

_SPLIT_NAMES = {2: ("train", "test"), 3: ("train", "val", "test")}


# --- helpers ----------------------------------------------------------------------------------
def _as_samples(a, name: str, where: str) -> np.ndarray:
    """``a`` as an array of at least one dimension whose first axis holds the samples."""
    arr = np.asarray(a)
    if arr.ndim == 0:
        raise ValueError(
            f"{where}: expected {name} to be an array with one row per sample, shape (N, ...), "
            f"received {describe(arr)}."
        )
    return arr


def _check_same_length(X: np.ndarray, y: np.ndarray, where: str) -> None:
    if len(X) != len(y):
        raise ValueError(
            f"{where}: expected X and y to have the same number of samples, received "
            f"X with {len(X)} (shape {X.shape}) and y with {len(y)} (shape {y.shape}). "
            f"Hint: sample i is row X[i] with label y[i]; check that neither was sliced alone."
        )


def _split_sizes(n: int, ratios: np.ndarray) -> np.ndarray:
    """Share ``n`` samples out in proportion to ``ratios``: every sample exactly once.

    Each split first gets ``floor(ratio * n)``; the few samples left over (fewer than the number
    of splits) go one each to the splits with the largest fractional parts, ties to the earlier
    split. So every size differs from ``ratio * n`` by less than one.
    """
    exact = ratios * n
    sizes = np.floor(exact).astype(np.int64)
    leftover = n - int(sizes.sum())
    order = np.argsort(-(exact - sizes), kind="stable")
    sizes[order[:leftover]] += 1
    return sizes


def _stratified_sizes(class_counts: np.ndarray, ratios: np.ndarray) -> np.ndarray:
    """Table (num_classes, num_splits): how many samples of each class go to each split.

    Every class is split with the same ratios: it first gets ``floor(ratio * n_class)`` in each
    split. Its few leftover samples (at most one per split) go to the splits whose overall size
    (from ``_split_sizes``) is still furthest from reached, then to splits where the class is
    still missing, then by largest fractional part. So each class count is within one sample of
    ``ratio * n_class``, and the split sizes come out the same as without stratification.
    """
    exact = class_counts[:, None] * ratios[None, :]
    table = np.floor(exact).astype(np.int64)
    fraction = exact - table
    still_needed = _split_sizes(int(class_counts.sum()), ratios) - table.sum(axis=0)
    split_index = np.arange(len(ratios))
    for c in range(len(class_counts)):  # one pass per class, not per sample
        leftover = int(class_counts[c] - table[c].sum())
        if leftover == 0:
            continue
        missing = table[c] == 0
        # np.lexsort sorts by the last key first: most still needed, then missing, then fraction
        order = np.lexsort((split_index, -fraction[c], ~missing, -still_needed))
        chosen = order[:leftover]
        table[c, chosen] += 1
        still_needed[chosen] -= 1
    return table


def _check_ratios(ratios, where: str) -> np.ndarray:
    try:
        r = np.asarray(ratios, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{where}: expected ratios to be 2 or 3 numbers such as (0.6, 0.2, 0.2), "
            f"received {ratios!r}."
        ) from exc
    if r.ndim != 1 or len(r) not in (2, 3):
        raise ValueError(
            f"{where}: expected ratios to be 2 numbers (train, test) or 3 numbers "
            f"(train, val, test), received {ratios!r}. Hint: ratios=(0.6, 0.2, 0.2)."
        )
    if not np.all(np.isfinite(r)) or np.any(r <= 0):
        raise ValueError(
            f"{where}: expected every ratio to be > 0, received {ratios!r}. "
            f"Hint: use 2 ratios, e.g. (0.8, 0.2), if you do not want a validation split."
        )
    if abs(r.sum() - 1.0) > 1e-6:
        raise ValueError(
            f"{where}: expected ratios to sum to 1, received {ratios!r} which sums to "
            f"{r.sum():.6g}. Hint: every sample goes to exactly one split, e.g. (0.6, 0.2, 0.2)."
        )
    return r


# --- splitting --------------------------------------------------------------------------------
def train_val_test_split(X, y, ratios=(0.6, 0.2, 0.2), seed=None, stratify=False):
    """Shuffle the samples and cut them into training, validation and test splits.

    Why three splits (``notebooks/01_data.ipynb``): the network learns its weights on the
    *training* split; we choose settings (learning rate, size, when to stop) by looking at the
    *validation* split; the *test* split is looked at once, at the end, to estimate how the
    finished model does on data it has never influenced. Choosing settings on the test split
    would make that estimate optimistic.

    Parameters
    ----------
    X : array (N, ...)
        Samples, one per row (any number of further dimensions, e.g. images (N, 8, 8)).
    y : array (N,) or (N, K)
        Targets: class labels, one-hot rows or regression values; ``y[i]`` belongs to ``X[i]``.
    ratios : 3 numbers (train, val, test) or 2 numbers (train, test)
        Positive fractions summing to 1. With 2 ratios there is no validation split and the
        result has 2 pairs instead of 3.
    seed : None, int or numpy.random.Generator
        Controls the shuffle; the same seed gives the same splits.
    stratify : bool
        If True, ``y`` must be 1-D class labels and every class is split on its own with the
        same ratios, so each split has the class proportions of the whole data set (each class
        count within one sample of ``ratio * n_class``). Use it for small or unbalanced data
        sets, where a plain shuffle can leave a rare class out of the test split.

    Returns
    -------
    list of (X_part, y_part) pairs
        ``[(X_train, y_train), (X_val, y_val), (X_test, y_test)]``, or
        ``[(X_train, y_train), (X_test, y_test)]`` with 2 ratios. Every sample lands in exactly
        one split, and each split size differs from ``ratio * N`` by less than one (the
        leftover samples after rounding down go to the splits with the largest fractions).
        Each split is in shuffled order. The parts are new arrays; ``X`` and ``y`` are not
        changed or reordered.

    Example
    -------
    >>> (X_train, y_train), (X_val, y_val), (X_test, y_test) = train_val_test_split(X, y, seed=0)
    """
    where = "train_val_test_split"
    X = _as_samples(X, "X", where)
    y = _as_samples(y, "y", where)
    _check_same_length(X, y, where)
    n = len(X)
    if n == 0:
        raise ValueError(f"{where}: expected at least one sample, received X with 0 rows.")
    r = _check_ratios(ratios, where)
    names = _SPLIT_NAMES[len(r)]
    rng = as_generator(seed)

    if not stratify:
        sizes = _split_sizes(n, r)
        for name, size, ratio in zip(names, sizes, r, strict=True):
            if size == 0:
                raise ValueError(
                    f"{where}: the {name} split would be empty: expected at least 1 sample, "
                    f"received {n} samples x ratio {ratio:g} = {n * ratio:.3g}. Hint: use more "
                    f"data or a larger {name} ratio."
                )
        order = rng.permutation(n)
        bounds = np.cumsum(sizes)[:-1]
        parts = np.split(order, bounds)
    else:
        if y.ndim != 1:
            raise ValueError(
                f"{where}: stratify=True expects y to be 1-D class labels of shape (N,), "
                f"received {describe(y)}. Hint: split before one_hot, or stratify on "
                f"y.argmax(axis=1)."
            )
        classes, class_of_sample = np.unique(y, return_inverse=True)
        class_counts = np.bincount(class_of_sample, minlength=len(classes))
        table = _stratified_sizes(class_counts, r)
        empty_class, empty_split = np.nonzero(table == 0)
        if len(empty_class) > 0:
            c, s = empty_class[0], empty_split[0]
            needed = math.ceil(1 / r.min() - 1e-9)
            raise ValueError(
                f"{where}: class {classes.tolist()[c]!r} has only {class_counts[c]} sample(s), "
                f"too few to appear in every split with ratios {tuple(float(v) for v in r)}: the "
                f"{names[s]} split would get none. Hint: stratify needs about {needed} samples "
                f"of every class with these ratios; merge rare classes, use fewer splits, or "
                f"use stratify=False."
            )
        # Samples of each class in random order, then each class cut with its row of the table.
        shuffled = rng.permutation(n)
        by_class = shuffled[np.argsort(class_of_sample[shuffled], kind="stable")]
        class_starts = np.concatenate([[0], np.cumsum(class_counts)])
        pieces = [[] for _ in r]
        for c in range(len(classes)):
            members = by_class[class_starts[c] : class_starts[c + 1]]
            for s, chunk in enumerate(np.split(members, np.cumsum(table[c])[:-1])):
                pieces[s].append(chunk)
        # Shuffle each split, so that it is not sorted by class.
        parts = [rng.permutation(np.concatenate(p)) for p in pieces]

    return [(X[idx], y[idx]) for idx in parts]


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

    Example (``notebooks/01_data.ipynb``)
    -------
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


# --- scaling ----------------------------------------------------------------------------------
class _Scaler:
    """Shared checks of the two scalers: fitted or not, 2-D input, the number of features."""

    n_features_in_: int | None = None

    def _check_X(self, X, method: str, fitting: bool = False) -> np.ndarray:
        where = f"{type(self).__name__}.{method}"
        if not fitting and self.n_features_in_ is None:
            raise ValueError(
                f"{where}: expected a fitted scaler, received one that has not been fitted "
                f"yet. Hint: call fit(X_train) first (on the training split only)."
            )
        X = as_float_array(X, "X", where)
        if X.ndim != 2:
            raise ValueError(
                f"{where}: expected X of shape (N, D), one row of D features per sample, "
                f"received {describe(X)}. Hint: for images use X.reshape(len(X), -1)."
            )
        if fitting and len(X) == 0:
            raise ValueError(f"{where}: expected at least one sample, received X with 0 rows.")
        if not fitting and X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{where}: expected X with {self.n_features_in_} features (the number seen in "
                f"fit), received {X.shape[1]} (shape {X.shape}). Hint: transform data with "
                f"the same columns as the training data."
            )
        if not np.all(np.isfinite(X)):
            raise ValueError(
                f"{where}: expected finite numbers, received {int(np.sum(~np.isfinite(X)))} "
                f"NaN or infinite value(s) in {describe(X)}. Hint: fill or drop missing "
                f"values first."
            )
        return X

    @staticmethod
    def _finite(out: np.ndarray, where: str) -> np.ndarray:
        if not np.all(np.isfinite(out)):
            raise ValueError(
                f"{where}: expected the scaled values to fit in {out.dtype}, received values "
                f"that overflow. Hint: the input is extremely large compared with the training "
                f"data; check its units."
            )
        return out

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``: X (N, D) -> (N, D). Use it on the training split."""
        return self.fit(X).transform(X)


class MinMaxScaler(_Scaler):
    """Rescale every feature to ``feature_range`` (default [0, 1]) using its training min/max.

    Formula, per feature j (``notebooks/01_data.ipynb``)::

        x_scaled = (x - min_j) / (max_j - min_j) * (hi - lo) + lo

    Why fit on the training split only: the validation and test splits stand for data the
    model has never seen. If their min and max went into the scaling, information about them
    would *leak* into training and the validation score would look better than it will be on
    really new data. So ``fit(X_train)`` once, then ``transform`` every split with those
    numbers; values of val/test outside the training range simply land outside [lo, hi].

    A constant feature (max == min) has range 0; it is divided by 1 instead, so it becomes
    ``lo`` and never NaN. Float inputs keep their dtype (float32 stays float32); integers
    become float32.

    Attributes (after ``fit``): ``data_min_``, ``data_max_`` (D,), ``data_range_`` (D,) with the
    zero ranges of constant features replaced by 1, ``n_features_in_``.
    """

    def __init__(self, feature_range=(0, 1)):
        try:
            lo, hi = (float(v) for v in feature_range)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"MinMaxScaler: expected feature_range to be two numbers (lo, hi), received "
                f"{feature_range!r}. Hint: feature_range=(0, 1) or (-1, 1)."
            ) from exc
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(
                f"MinMaxScaler: expected feature_range (lo, hi) with lo < hi, received "
                f"{feature_range!r}. Hint: feature_range=(0, 1) or (-1, 1)."
            )
        self.feature_range = (lo, hi)
        self.data_min_ = self.data_max_ = self.data_range_ = None
        self.n_features_in_ = None

    def fit(self, X) -> MinMaxScaler:
        """Learn each feature's min and max from X (N, D), the training split. Returns self."""
        X = self._check_X(X, "fit", fitting=True)
        self.data_min_ = X.min(axis=0)
        self.data_max_ = X.max(axis=0)
        with np.errstate(over="ignore"):  # max - min of huge values: caught just below
            data_range = self.data_max_.astype(np.float64) - self.data_min_.astype(np.float64)
        self.data_range_ = np.where(data_range == 0, 1.0, data_range)  # constant feature: / 1
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        """X (M, D) -> scaled (M, D), with the min/max learned in ``fit``; same float dtype."""
        X = self._check_X(X, "transform")
        lo, hi = self.feature_range
        with np.errstate(over="ignore", invalid="ignore"):
            out = (X - self.data_min_) / self.data_range_ * (hi - lo) + lo
        return self._finite(out.astype(X.dtype, copy=False), "MinMaxScaler.transform")

    def inverse_transform(self, X_scaled) -> np.ndarray:
        """Undo ``transform``: (M, D) -> (M, D) in the original units (constant features -> min)."""
        X_scaled = self._check_X(X_scaled, "inverse_transform")
        lo, hi = self.feature_range
        with np.errstate(over="ignore", invalid="ignore"):
            out = (X_scaled - lo) / (hi - lo) * self.data_range_ + self.data_min_
        out = out.astype(X_scaled.dtype, copy=False)
        return self._finite(out, "MinMaxScaler.inverse_transform")

    def __repr__(self) -> str:
        return f"MinMaxScaler(feature_range={self.feature_range})"


class StandardScaler(_Scaler):
    """Shift and scale every feature to mean 0 and standard deviation 1 on the training split.

    Formula, per feature j (``notebooks/01_data.ipynb``)::

        x_scaled = (x - mean_j) / std_j,   std_j = sqrt(mean((x_j - mean_j)^2))

    Why it helps: gradient descent takes one learning rate for all weights; if one feature is
    in thousands and another in thousandths, no single step size suits both.

    Why fit on the training split only: the statistics of the validation and test splits must
    not *leak* into training, or the validation score would promise more than the model gives
    on new data. ``fit(X_train)`` once, then ``transform`` every split with the same mean/std.

    A constant feature (all values equal) has std 0; its std is set to 1 and its mean to the
    constant, so it becomes exactly 0, never NaN. The statistics are computed in float64 and
    the output keeps the input's float dtype (integers become float32).

    Attributes (after ``fit``): ``mean_``, ``std_`` (D,) float64, ``n_features_in_``.
    """

    def __init__(self):
        self.mean_ = self.std_ = None
        self.n_features_in_ = None

    def fit(self, X) -> StandardScaler:
        """Learn each feature's mean and std from X (N, D), the training split. Returns self."""
        X = self._check_X(X, "fit", fitting=True)
        X64 = X.astype(np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X64.mean(axis=0)
            std = X64.std(axis=0)
        constant = X64.max(axis=0) == X64.min(axis=0)
        # mean of equal values can be off in the last bit; use the value itself so it maps to 0
        self.mean_ = np.where(constant, X64[0], mean)
        self.std_ = np.where(constant, 1.0, std)
        if not (np.all(np.isfinite(self.mean_)) and np.all(np.isfinite(self.std_))):
            raise ValueError(
                f"StandardScaler.fit: expected values whose mean and std fit in float64, "
                f"received values up to {np.abs(X64).max():.3g}. Hint: change the units first."
            )
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        """X (M, D) -> standardised (M, D), with the training mean/std; same float dtype."""
        X = self._check_X(X, "transform")
        with np.errstate(over="ignore", invalid="ignore"):
            out = (X - self.mean_.astype(X.dtype)) / self.std_.astype(X.dtype)
        return self._finite(out, "StandardScaler.transform")

    def inverse_transform(self, X_scaled) -> np.ndarray:
        """Undo ``transform``: (M, D) -> (M, D) in the original units."""
        X_scaled = self._check_X(X_scaled, "inverse_transform")
        dtype = X_scaled.dtype
        with np.errstate(over="ignore", invalid="ignore"):
            out = X_scaled * self.std_.astype(dtype) + self.mean_.astype(dtype)
        return self._finite(out, "StandardScaler.inverse_transform")

    def __repr__(self) -> str:
        return "StandardScaler()"


# --- mini-batches -----------------------------------------------------------------------------
class BatchLoader:
    """Serve ``(X_batch, y_batch)`` mini-batches; each ``for`` loop over it is one epoch.

    Why mini-batches (``notebooks/01_data.ipynb``, used in ``07_training_loop``): a gradient
    from a batch of, say, 64 samples is a cheap, noisy estimate of the gradient over all N;
    many cheap steps learn faster than few exact ones. Why shuffle every epoch: batches that
    always hold the same samples in the same order give the same noise every epoch, and data
    sorted by class would give batches of a single class.

    >>> loader = BatchLoader(X_train, y_train, batch_size=64, seed=0)
    >>> len(loader)                       # ceil(N / 64) batches per epoch
    >>> for epoch in range(10):
    ...     for X_batch, y_batch in loader:   # a new order every epoch
    ...         ...

    Parameters
    ----------
    X : array (N, ...)
        Samples, one per row.
    y : array (N, ...) or None
        Targets. ``None`` (e.g. for an autoencoder) still yields pairs, ``(X_batch, None)``,
        so the loop ``for X_batch, y_batch in loader`` has one shape in every case.
    batch_size : int
        Samples per batch, >= 1. May exceed N (then one batch holds everything).
    shuffle : bool
        Draw a new random order at the start of every epoch (True), or keep the order of X.
    seed : None, int or numpy.random.Generator
        One Generator is made from it when the loader is built; each epoch draws the next
        permutation from it. So epochs differ from each other, and two loaders built with the
        same integer seed give exactly the same sequence of batches.
    drop_last : bool
        Leave out the last, smaller batch when N is not a multiple of batch_size (then every
        batch has exactly batch_size samples).

    Batches are sliced out with one fancy index per batch, ``X[order[i:i + batch_size]]``: new
    arrays, never views of the caller's data, and no Python loop over samples.

    Attributes: ``num_samples`` (N), ``batch_size``, ``shuffle``, ``drop_last``, and ``epoch``:
    how many epochs (iterations over the loader) have started, 0 before the first.
    """

    def __init__(self, X, y, batch_size, shuffle=True, seed=None, drop_last=False):
        where = "BatchLoader"
        X = _as_samples(X, "X", where)
        if y is not None:
            y = _as_samples(y, "y", where)
            _check_same_length(X, y, where)
        if len(X) == 0:
            raise ValueError(f"{where}: expected at least one sample, received X with 0 rows.")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(
                f"{where}: expected batch_size to be a positive int, received "
                f"{type(batch_size).__name__} {batch_size!r}. Hint: batch_size=64, or "
                f"int(batch_size) if it was computed."
            )
        if batch_size < 1:
            raise ValueError(
                f"{where}: expected batch_size to be a positive int (>= 1), received "
                f"{batch_size}. Hint: typical values are 32, 64, 128."
            )
        if drop_last and batch_size > len(X):
            raise ValueError(
                f"{where}: with drop_last=True, expected batch_size <= N = {len(X)} samples, "
                f"received batch_size={batch_size}, which would give no batch at all. Hint: "
                f"use a smaller batch_size or drop_last=False."
            )
        self.X = X
        self.y = y
        self.num_samples = len(X)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        self._rng = as_generator(seed)

    def __len__(self) -> int:
        """Batches per epoch: ceil(N / batch_size), or floor(N / batch_size) with drop_last."""
        if self.drop_last:
            return self.num_samples // self.batch_size
        return -(-self.num_samples // self.batch_size)  # ceiling division, in integers

    def __iter__(self):
        """One epoch: yields ``len(self)`` pairs ``(X_batch, y_batch)``, each sample once."""
        self.epoch += 1
        if self.shuffle:
            order = self._rng.permutation(self.num_samples)
        else:
            order = np.arange(self.num_samples)
        stop = len(self) * self.batch_size if self.drop_last else self.num_samples
        for start in range(0, stop, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self.X[idx], (None if self.y is None else self.y[idx])

    def __repr__(self) -> str:
        return (
            f"BatchLoader(num_samples={self.num_samples}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, batches={len(self)}, "
            f"epoch={self.epoch})"
        )
