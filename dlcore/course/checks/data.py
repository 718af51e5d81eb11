"""The checkers of ``notebooks/01_data.ipynb``.

How a checker works: see ``common.py``.

Each checker is tested in ``tests/test_checks_01_data.py``: it passes the
reference solution and fails typical wrong answers with the right hint.
"""

from __future__ import annotations

import numpy as np

from .common import (
    Inputs,
    LearnerError,
    as_result_array,
    call_learner,
    diagnose,
    run_check,
)


def check_one_hot(fn):
    """Exercise in 01_data: ``fn(labels, num_classes) -> Y``, labels (N,) ints -> Y (N, K).

    ``Y[i, labels[i]] = 1`` and every other entry 0. The cases use N != K (so a transposed
    answer is caught) and a batch that misses the last classes (so counting the classes from
    the labels instead of using ``num_classes`` is caught).
    """
    def one_case(labels, num_classes):
        labels = np.asarray(labels)
        n, k = len(labels), num_classes
        out = as_result_array(call_learner(fn, labels, num_classes))
        right = np.zeros((n, k))
        right[np.arange(n), labels] = 1
        whole_columns = np.zeros((n, k))
        whole_columns[:, labels] = 1
        counted = int(labels.max()) + 1
        from_labels = np.zeros((n, counted))
        from_labels[np.arange(n), labels] = 1
        mistake = diagnose(out, right, {
            "transposed: your array has one row per class and one column per sample. Hint: "
            "make it np.zeros((N, num_classes)), one row per sample.": right.T,
            "whole columns are set to 1: Y[:, labels] = 1 sets column labels[j] in every row. "
            "Hint: pair each row with its own label, Y[np.arange(N), labels] = 1.": whole_columns,
            "the 1s are one column to the left: classes count from 0, so label c goes in "
            "column c (not c - 1).": np.roll(right, -1, axis=1),
            "the 1s are one column to the right: classes count from 0, so label c goes in "
            "column c (not c + 1).": np.roll(right, 1, axis=1),
            "you counted the classes from the labels (labels.max() + 1 or "
            "len(np.unique(labels))), but a batch can miss some classes. Hint: use the "
            "num_classes argument for the number of columns.": from_labels,
            "you returned the labels themselves. Hint: build an (N, num_classes) array of "
            "zeros and put one 1 in each row.": labels,
        })
        if mistake:
            raise LearnerError(f"{mistake} (case: labels={labels.tolist()}, "
                               f"num_classes={num_classes})")

    def cases():
        one_case([2, 0, 1, 2, 3], 4)
        one_case([0, 2, 2, 1], 5)

    return run_check(cases, "Right: each row has a single 1, in the column of its class.")


def _standardize(X, mean_from, axis=0, ddof=0, power=0.5):
    """(X - mean) / spread with the statistics of ``mean_from`` (helper of the checker below)."""
    mean = mean_from.mean(axis=axis, keepdims=True)
    spread = mean_from.var(axis=axis, ddof=ddof, keepdims=True) ** power
    return (X - mean) / spread


def check_standardize_train_test(fn):
    """Exercise in 01_data: ``fn(X_train, X_test) -> (X_train_scaled, X_test_scaled)``.

    Both splits are standardised per feature (axis 0) with the *training* mean and standard
    deviation (``np.std``, ddof=0): ``(X - mean_train) / std_train``. The checker names the
    leaks (test or all-data statistics) and the usual slips (axis, variance, ddof), and fails
    a function that changes ``X_train`` or ``X_test`` in place (``X_train -= mu``), even when
    the arrays it returns are right: the caller's data would be lost.
    """
    def cases():
        rng = np.random.default_rng(1)
        # 3 features in very different units; the test split is shifted and wider, so its
        # statistics differ clearly from the training split's.
        scale, shift = np.array([1.0, 10.0, 100.0]), np.array([5.0, -20.0, 300.0])
        X_train = rng.standard_normal((6, 3)) * scale + shift
        X_test = rng.standard_normal((4, 3)) * scale * 2 + shift + scale
        out = call_learner(fn, X_train, X_test, inputs=Inputs(("X_train", "X_test"), unchanged=(
            "compute new arrays and return them: X_train - mu makes a new array, while "
            "X_train -= mu overwrites the caller's X_train. Write "
            "X_train_scaled = (X_train - mu) / sigma, and the same for X_test.")))
        if out is None:
            raise LearnerError("your function returned None. Hint: did you forget the "
                               "`return X_train_scaled, X_test_scaled` line?")
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise LearnerError(
                f"expected a pair (X_train_scaled, X_test_scaled), received "
                f"{type(out).__name__}{'' if not hasattr(out, 'shape') else ' ' + str(out.shape)}"
                f". Hint: return both arrays: `return X_train_scaled, X_test_scaled`.")
        train_out = as_result_array(out[0], "the first array you returned (train)")
        test_out = as_result_array(out[1], "the second array you returned (test)")
        if train_out.shape == X_test.shape and test_out.shape == X_train.shape:
            raise LearnerError("the two arrays are in the wrong order: return "
                               "X_train_scaled first, then X_test_scaled.")
        X_all = np.concatenate([X_train, X_test])
        for part, out_part, X in (("train", train_out, X_train), ("test", test_out, X_test)):
            mistakes = {
                "you used the statistics of all the data (train and test together), so the "
                "test split leaked into the scaling. Hint: compute mean and std on X_train "
                "only.":
                    _standardize(X, X_all),
                "you scaled it with its own mean and std; for the test split that is a leak, "
                "the test data must stay unseen. Hint: scale X_test with the mean and std of "
                "X_train.": _standardize(X, X),
                "wrong axis: you standardised each sample (row) instead of each feature "
                "(column). Hint: use X_train.mean(axis=0) and X_train.std(axis=0).":
                    _standardize(X, X, axis=1),
                "you divided by the variance instead of the standard deviation. Hint: use "
                "np.std (the square root of the variance).": _standardize(X, X_train, power=1),
                "you used the sample standard deviation (ddof=1). Hint: the course (and "
                "StandardScaler) uses np.std's default, ddof=0.": _standardize(X, X_train, ddof=1),
                "you forgot to subtract the mean: (X - mean) / std.":
                    X / X_train.std(axis=0),
                "you forgot to divide by the standard deviation: (X - mean) / std.":
                    X - X_train.mean(axis=0),
                "you used one mean and std for the whole array instead of one per feature. "
                "Hint: X_train.mean(axis=0) gives one mean per column.":
                    (X - X_train.mean()) / X_train.std(),
            }
            # mean and variance add up len(X_train) numbers; (X - mean) / std is computed from
            # terms of size |X| / std, larger than the result when a feature sits far from 0
            std = X_train.std(axis=0)
            mistake = diagnose(out_part, _standardize(X, X_train), mistakes,
                               n_terms=len(X_train),
                               scale=(np.abs(X) + np.abs(X_train.mean(axis=0))) / std)
            if mistake:
                raise LearnerError(f"the {part} split: {mistake}")

    return run_check(cases, "Right: both splits are scaled with the training split's mean and "
                            "standard deviation, feature by feature; the test data stayed unseen.")


def check_iterations_per_epoch(fn):
    """Exercise in 01_data: ``fn(n, batch_size, drop_last=False) -> int``, batches per epoch.

    ``ceil(n / batch_size)`` (the last, smaller batch counts), or ``floor(n / batch_size)`` with
    ``drop_last=True``. The cases include n a multiple of batch_size (off-by-one), n just above
    it (floor vs ceil), and batch_size > n.
    """
    import inspect  # here, not at the top: this section only needs it

    def cases():
        if callable(fn):
            try:
                params = inspect.signature(fn).parameters
            except (TypeError, ValueError):  # some built-ins have no signature: just call
                params = {"drop_last": None}
            takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in params.values())
            if "drop_last" not in params and not takes_kwargs:
                raise LearnerError(
                    f"your function takes ({', '.join(params)}) but has no drop_last parameter. "
                    f"Hint: def iterations_per_epoch(n, batch_size, drop_last=False):")
        table = [(6400, 64, False), (6401, 64, False), (6401, 64, True), (6400, 64, True),
                 (10, 3, False), (10, 3, True), (5, 8, False), (1000, 300, False)]
        outputs = []
        for n, batch_size, drop_last in table:
            out = call_learner(fn, n, batch_size, drop_last=drop_last)
            where = f"for n={n}, batch_size={batch_size}, drop_last={drop_last}"
            if out is None:
                raise LearnerError(f"your function returned None {where}. Hint: did you "
                                   f"forget the `return` statement?")
            if isinstance(out, bool):
                raise LearnerError(f"your function returned {out} {where}: expected a number "
                                   f"of batches (an int).")
            value = as_result_array(out)
            if value.shape != ():
                raise LearnerError(f"your function returned an array of shape {value.shape} "
                                   f"{where}: expected one number, the count of batches.")
            outputs.append((where, out, float(value)))
        for where, _out, value in outputs:
            if value != round(value):
                raise LearnerError(
                    f"{where} you returned {value!r}, not a whole number: a number of "
                    f"batches is a count. Hint: n / batch_size gives a fraction; round it "
                    f"up (math.ceil, or -(-n // batch_size)) or down (n // batch_size).")
        for where, out, value in outputs:
            if not isinstance(out, (int, np.integer)):
                raise LearnerError(
                    f"{where} you returned {value!r}, a float. Hint: return an int, e.g. "
                    f"int(np.ceil(n / batch_size)), so it can be used in range(...).")
        got = [int(out) for _, out, _ in outputs]
        n, bs, drop = (np.array([row[i] for row in table]) for i in range(3))
        ceil, floor = -(-n // bs), n // bs
        right = np.where(drop, floor, ceil)
        mistake = diagnose(np.array(got, dtype=float), right, {
            "the last, smaller batch is missing: without drop_last it still counts, so "
            "round up (ceil), not down (n // batch_size).": floor,
            "with drop_last=True the last, smaller batch is left out: round down "
            "(n // batch_size) in that case.": ceil,
            "off by one: n // batch_size + 1 counts a leftover batch even when n is a "
            "multiple of batch_size. Hint: round up instead: -(-n // batch_size) or "
            "math.ceil(n / batch_size).": np.where(drop, floor, floor + 1),
            "round() goes to the nearest whole number, but a leftover of even one sample "
            "makes one more batch. Hint: round up with math.ceil.":
                np.where(drop, floor, np.round(n / bs)),
            "n and batch_size are swapped: the number of batches is n / batch_size.":
                np.where(drop, bs // n, -(-bs // n)),
        })
        if mistake:
            first = int(np.flatnonzero(np.array(got) != right)[0])
            n0, bs0, d0 = table[first]
            raise LearnerError(f"{mistake} (for n={n0}, batch_size={bs0}, drop_last={d0}: "
                               f"expected {right[first]}, received {got[first]})")

    return run_check(cases, "Right: ceil(n / batch_size) batches per epoch, or "
                            "floor(n / batch_size) when the last, smaller batch is dropped.")


