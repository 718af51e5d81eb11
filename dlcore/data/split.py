"""Splitting the data into training, validation and test sets (``train_val_test_split``).

Part of ``dlcore.data``; its docstring gives the whole picture.
"""

from __future__ import annotations

import math

import numpy as np

from ..rng import as_generator
from ..validate import describe

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
