"""Exercise checkers: run a learner's function on cases of their own and give a verdict.

Every exercise in the notebooks is followed by a cell such as ``check_one_hot(one_hot)``. The
checker calls the learner's function on a few cases, compares with the reference answer and prints
either ``✅`` or ``❌`` followed by the *likely mistake* (wrong shape, transposed weights, forgot
the bias, missing 1/m, wrong sign, wrong axis, ...) and a hint, never just "wrong".

How a checker finds the likely mistake: besides the right answer it computes the answers that
typical mistakes would give (for example ``W @ x`` instead of ``x @ W``, or a sum instead of a
mean) and says which one the learner's output matches.

How close counts as right: a right answer may add its numbers in another order (a loop, einsum,
the column form, another CPU's or thread count's matrix product) or work in float32, so its last
bits differ from the reference's. ``agrees`` allows for that with ``dlcore.tolerance``: a
tolerance from the precision and the length of the sums behind each value, measured against the
size of the terms added; a mistake changes the result far more than that.

A checker returns a ``CheckResult``: truthy when the answer is right, so a solutions notebook can
write ``assert check_one_hot(one_hot)`` and nbval fails if the reference solution breaks. The
verdict is printed once, whether or not the result is used.

The checkers are grouped by notebook below. Each one is tested in ``tests/test_checks*.py``: it
passes the reference solution and fails typical wrong answers with the right hint.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .gradcheck import numerical_gradient
from .tolerance import tolerance


@dataclass
class CheckResult:
    """The verdict of a checker: ``passed`` and the ``message`` shown to the learner."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def _ipython_display_(self) -> None:
        # The verdict has already been printed by the checker; showing the object again in a
        # notebook would print it twice.
        return None

    def __str__(self) -> str:
        return self.message


def verdict(passed: bool, message: str) -> CheckResult:
    """Print ``✅ message`` or ``❌ message`` and return the ``CheckResult``."""
    text = ("✅ " if passed else "❌ ") + message
    print(text)
    return CheckResult(bool(passed), text)


class LearnerError(Exception):
    """Raised inside a checker when the learner's function itself raised; carries the verdict."""


def call_learner(fn: Callable, *args, **kwargs):
    """Call the learner's function on copies of the inputs; turn a crash into a friendly message.

    Copies protect the checker's own cases from a function that changes its inputs in place.
    """
    if not callable(fn):
        raise LearnerError(
            f"expected a function, received {type(fn).__name__}. Hint: pass the function itself, "
            f"without calling it: check_x(my_function), not check_x(my_function())."
        )
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise LearnerError(
            "your function still raises NotImplementedError. Replace the line "
            "`raise NotImplementedError` with your code."
        ) from None
    except Exception as exc:  # the learner's code may raise anything
        last = traceback.extract_tb(exc.__traceback__)[-1]
        raise LearnerError(
            f"your function raised {type(exc).__name__}: {exc} (line {last.lineno}: "
            f"`{(last.line or '').strip()}`)."
        ) from None


def as_result_array(out, what: str = "your function") -> np.ndarray:
    """Turn the learner's output into an array, or explain why it cannot be checked."""
    if out is None:
        raise LearnerError(
            f"{what} returned None. Hint: did you forget the `return` statement?"
        )
    try:
        return np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise LearnerError(
            f"{what} returned {type(out).__name__}, which is not an array of numbers."
        ) from None


def _finite_max(a) -> float:
    """The largest absolute finite value of ``a`` (0 if there is none)."""
    a = np.abs(np.asarray(a, dtype=float))
    a = a[np.isfinite(a)]
    return float(a.max()) if a.size else 0.0


def agrees(out, expected, *, n_terms: int = 1, scale=None, dtype=np.float32,
           atol: float = 1e-6, rtol: float = 1e-5) -> bool:
    """True when ``out`` equals ``expected`` up to float rounding, computed in any order.

    A right answer may add its numbers in another order than the reference (a loop, einsum,
    the column form, another CPU's matrix product) or in float32, the precision dlcore trains
    in; its last bits then differ. So the absolute tolerance is the larger of ``atol`` (and
    ``rtol`` of each value, the floors for float64 answers) and
    ``dlcore.tolerance.tolerance(dtype, n_terms) * scale``:

    n_terms : how many numbers the longest sum behind each value adds up (``D + 1`` for
        ``X @ W + b``; 1 for element-wise maths).
    scale : the size of the terms added, a number or an array of one per value (for
        ``X @ W + b``: ``abs(X) @ abs(W) + abs(b)``, which a sum that cancels can exceed by
        far); by default the largest absolute value of ``expected``.
    dtype : the least precise dtype a right answer may be computed in (float32 by default;
        float64 for a check that needs float64, such as a numerical gradient).
    """
    out = np.asarray(out, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if out.shape != expected.shape:
        return False
    if scale is None:
        scale = _finite_max(expected)
    limit = np.maximum(atol, tolerance(dtype, n_terms) * np.asarray(scale, dtype=float))
    with np.errstate(invalid="ignore"):  # inf - inf: an infinity must be matched exactly
        near = np.abs(out - expected) <= limit + rtol * np.abs(expected)
    return bool(np.all(np.where(np.isfinite(expected), near, out == expected)))


def diagnose(out: np.ndarray, expected: np.ndarray, mistakes: dict[str, np.ndarray],
             atol: float = 1e-6, rtol: float = 1e-5, *, n_terms: int = 1, scale=None,
             dtype=np.float32) -> str | None:
    """Compare ``out`` with ``expected``; return None if right, else the likely mistake.

    ``mistakes`` maps a hint (what the learner probably did and how to fix it) to the answer that
    mistake would give. A wrong shape is reported first, since nothing else can be compared.
    Values are compared with :func:`agrees` (``atol``, ``rtol``, ``n_terms``, ``scale`` and
    ``dtype`` are passed on), so that a right answer summed in another order or computed in
    float32 passes on any CPU. A mistake is compared with the scale of its own values unless
    ``scale`` is given.
    """
    expected = np.asarray(expected, dtype=float)

    def same(a, b):
        return agrees(a, b, n_terms=n_terms, scale=scale, dtype=dtype, atol=atol, rtol=rtol)

    for hint, wrong in mistakes.items():
        wrong = np.asarray(wrong, dtype=float)
        if same(out, wrong) and not same(wrong, expected):
            return hint
    if out.shape != expected.shape:
        if out.shape == expected.shape[::-1] and out.ndim == 2:
            return (f"wrong shape: expected {expected.shape}, received {out.shape}, which is the "
                    f"transpose. Hint: samples are rows; check the order in your matrix product "
                    f"or a missing/extra .T.")
        return f"wrong shape: expected {expected.shape}, received {out.shape}."
    if same(out, expected):
        return None
    where = np.unravel_index(np.argmax(np.abs(out - expected)), out.shape) if out.ndim else ()
    index = f" at index {tuple(int(i) for i in where)}" if out.ndim else ""
    return (f"the values differ{index}: expected {expected[where]:.6g}, received "
            f"{out[where]:.6g}. Re-read the formula above and compare it line by line.")


def run_check(cases: Callable[[], None], success: str) -> CheckResult:
    """Run ``cases`` (which raises ``LearnerError`` with the verdict at the first failure)."""
    try:
        cases()
    except LearnerError as err:
        return verdict(False, str(err))
    return verdict(True, success)


# =================================================================================================
# 01_data
# =================================================================================================


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
    leaks (test or all-data statistics) and the usual slips (axis, variance, ddof).
    """
    def cases():
        rng = np.random.default_rng(1)
        # 3 features in very different units; the test split is shifted and wider, so its
        # statistics differ clearly from the training split's.
        scale, shift = np.array([1.0, 10.0, 100.0]), np.array([5.0, -20.0, 300.0])
        X_train = rng.standard_normal((6, 3)) * scale + shift
        X_test = rng.standard_normal((4, 3)) * scale * 2 + shift + scale
        out = call_learner(fn, X_train, X_test)
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


# =================================================================================================
# 02_architecture
# =================================================================================================


def _arch_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def check_neuron(fn):
    """Exercise in 02_architecture: ``fn(x, w, b) -> a = relu(x @ w + b)``, one neuron, a batch.

    x: (N, D) samples as rows, w: (D,) one weight per input, b: a number -> a: (N,), the
    neuron's output for every sample. The last cases are the classic example: x = -0.35, w = 1,
    b = 1 gives 0.65 (and b = 0 gives 0).
    """
    def one_case(x, w, b, label):
        out = as_result_array(call_learner(fn, x, w, b))
        z = x @ w + b
        right = np.maximum(z, 0)
        terms = np.abs(x) @ np.abs(w) + abs(b)  # the size of what x @ w + b adds up
        mistake = diagnose(out, right, {
            "forgot the bias: add b to the weighted sum before the activation.":
                np.maximum(x @ w, 0),
            "subtracted the bias: the weighted sum is x @ w + b.": np.maximum(x @ w - b, 0),
            "no activation: apply ReLU, np.maximum(z, 0), to z = x @ w + b.": z,
            "added the bias after the activation: the bias goes inside, relu(x @ w + b).":
                np.maximum(x @ w, 0) + b,
            "used the sigmoid; this neuron uses ReLU, np.maximum(z, 0).": _arch_sigmoid(z),
            "multiplied element by element but did not add up: x * w has one column per "
            "input; the weighted sum is x @ w (or (x * w).sum(axis=1)).": np.maximum(x * w + b, 0),
            "returned a column of shape (N, 1); expected one number per sample, shape (N,). "
            "Hint: use w of shape (D,) as given, x @ w.": right.reshape(-1, 1),
        }, n_terms=x.shape[1] + 1, scale=np.max(terms))
        if mistake:
            raise LearnerError(f"{mistake} (case: {label})")

    def cases():
        rng = np.random.default_rng(20)
        one_case(rng.standard_normal((5, 3)), rng.standard_normal(3), 0.7,
                 "x of shape (5, 3), w of shape (3,), b = 0.7")
        x = np.array([[-0.35]])
        one_case(x, np.array([1.0]), 0.0, "x = -0.35, w = 1, b = 0: expected 0, silent")
        one_case(x, np.array([1.0]), 1.0, "x = -0.35, w = 1, b = 1: expected 0.65")

    return run_check(cases, "Right: the neuron computes relu(x @ w + b) for every row of x.")


def check_count_parameters(fn):
    """Exercise in 02_architecture: ``fn(layer_sizes) -> int``, the parameters of a dense network.

    ``layer_sizes`` lists the width of every layer, input first: [3, 4, 2] is 3 inputs, 4 hidden
    neurons, 2 outputs. Each Dense layer from D_in to D_out has D_in * D_out weights and D_out
    biases; the input layer has none. [3, 4, 2] -> (3*4 + 4) + (4*2 + 2) = 26.
    """
    def one_case(sizes):
        pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
        weights = sum(a * b for a, b in pairs)
        right = weights + sum(b for _, b in pairs)
        out = as_result_array(call_learner(fn, list(sizes)))
        mistake = diagnose(out, right, {
            "you counted the weights but not the biases: each neuron also has one bias, "
            "so a layer has D_in * D_out + D_out parameters.": weights,
            "you gave the input layer biases too: the inputs are the data, not neurons, so "
            "only the layers after it have biases.": weights + sum(sizes),
            "you counted one bias per input (D_in); there is one bias per neuron (D_out).":
                weights + sum(a for a, _ in pairs),
            "you multiplied all the layer sizes together; count layer by layer: "
            "D_in * D_out + D_out for each pair of neighbouring layers, then add.":
                int(np.prod(sizes)),
            "you returned one count per layer; add them up to get one number.":
                np.array([a * b + b for a, b in pairs]),
        })
        if mistake:
            raise LearnerError(f"{mistake} (case: layer_sizes = {list(sizes)}, expected {right})")

    def cases():
        for sizes in ([3, 4, 2], [64, 32, 10], [5, 8, 8, 3], [2, 1]):
            one_case(sizes)

    return run_check(cases, "Right: each layer has D_in * D_out weights and D_out biases; the "
                            "input layer has none.")


def check_sigmoid_derivative(fn):
    """Exercise in 02_architecture: ``fn(z) -> s * (1 - s)`` with ``s = sigmoid(z)``, elementwise.

    z: any shape -> the same shape. The slope of the sigmoid at z, at most 0.25 (at z = 0).
    """
    def cases():
        rng = np.random.default_rng(21)
        for z in (np.array([-4.0, -1.0, 0.0, 0.5, 3.0]), 3 * rng.standard_normal((3, 4))):
            out = as_result_array(call_learner(fn, z))
            s = _arch_sigmoid(z)
            right = s * (1 - s)
            mistake = diagnose(out, right, {
                "you returned sigmoid(z) itself (or forgot the factor (1 - s)): the "
                "derivative is s * (1 - s) with s = sigmoid(z).": s,
                "used z instead of s = sigmoid(z): the derivative is s * (1 - s), not "
                "z * (1 - z).": z * (1 - z),
                "wrong sign: the sigmoid only goes up, so its slope s * (1 - s) is never "
                "negative; check for s * (s - 1).": -right,
                "forgot the factor s: the derivative is s * (1 - s), not (1 - s).": 1 - s,
                "wrote s * s; the derivative is s * (1 - s).": s * s,
            }, n_terms=4)  # a chain of 4 roundings: exp (a few ulps apart on other CPUs), +, /, *
            if mistake:
                raise LearnerError(f"{mistake} (case: z of shape {z.shape})")

    return run_check(cases, "Right: the slope of the sigmoid is s * (1 - s), at most 0.25 "
                            "(at z = 0).")


# =================================================================================================
# 03_loss
# =================================================================================================


def _loss_finite(out, hint: str) -> None:
    """Raise a LearnerError if the learner's loss is NaN or infinite (a log(0) somewhere)."""
    if not np.all(np.isfinite(out)):
        raise LearnerError(f"your function returned {out.tolist()}, not a finite number. "
                           f"{hint}")


def check_mse(fn):
    """Exercise in 03_loss: ``fn(y_hat, y) -> float``, the mean squared error.

    ``mean((y_hat - y) ** 2)`` over all elements; y_hat and y of the same shape, (N,) or (N, D).
    The checker names a sum instead of a mean, a missing square, the absolute error, the root
    (RMSE), the 1/2 convention and an array of per-sample losses.
    """
    def one_case(y_hat, y, label):
        out = as_result_array(call_learner(fn, y_hat, y))
        diff = y_hat - y
        right = np.mean(diff**2)
        mistake = diagnose(out, right, {
            "you summed the squared errors: divide by their number m (take the mean), so the "
            "loss does not grow with the batch size.": np.sum(diff**2),
            "forgot to square the errors: mean((y_hat - y) ** 2). Without the square, errors "
            "of opposite signs cancel out.": np.mean(diff),
            "you took the absolute error (that is the MAE); MSE squares the errors: "
            "mean((y_hat - y) ** 2).": np.mean(np.abs(diff)),
            "you took the square root (that is the RMSE); MSE stops before the root.":
                np.sqrt(np.mean(diff**2)),
            "you returned half the MSE (the 1/2 of some textbooks); here MSE is "
            "mean((y_hat - y) ** 2), without the 1/2.": 0.5 * np.mean(diff**2),
            "you squared the mean error; square each error first, then take the mean.":
                np.mean(diff) ** 2,
            "you returned one squared error per element; the loss is one number, their mean.":
                diff**2,
        }, n_terms=diff.size)
        if mistake:
            raise LearnerError(f"{mistake} (case: {label})")

    def cases():
        one_case(np.array([2.5, 0.0, 2.1, 7.8]), np.array([3.0, -0.5, 2.0, 7.0]),
                 "y_hat = [2.5, 0.0, 2.1, 7.8], y = [3.0, -0.5, 2.0, 7.0], expected 0.2875")
        rng = np.random.default_rng(30)
        one_case(rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), "arrays of shape (3, 2)")

    return run_check(cases, "Right: MSE is the mean of the squared errors.")


def check_binary_cross_entropy(fn):
    """Exercise in 03_loss: ``fn(p, y) -> float``, binary cross-entropy (log loss).

    p: (N,) predicted probabilities of class 1 (never exactly 0 or 1 here), y: (N,) targets 0/1
    (the second case uses soft targets in [0, 1]) -> ``-mean(y ln p + (1 - y) ln(1 - p))``.
    """
    def one_case(p, y, label):
        with np.errstate(divide="ignore", invalid="ignore"):  # a swapped log(y) gives log(0)
            out = as_result_array(call_learner(fn, p, y))
        _loss_finite(out, "Probably a log(0): did you swap p and y? The logs are of the "
                          "prediction p (here never exactly 0 or 1), not of the labels y.")
        log_p, log_1p = np.log(p), np.log(1 - p)
        right = -np.mean(y * log_p + (1 - y) * log_1p)
        with np.errstate(divide="ignore", invalid="ignore"):
            swapped = -np.mean(p * np.log(y) + (1 - p) * np.log(1 - y))
        mistake = diagnose(out, right, {
            "wrong sign: the logs of probabilities are negative, so the loss needs a minus in "
            "front to be positive: -mean(...).": -right,
            "you summed over the samples: divide by their number m (take the mean).":
                -np.sum(y * log_p + (1 - y) * log_1p),
            "used log10; the cross-entropy uses the natural log, np.log.":
                -np.mean(y * np.log10(p) + (1 - y) * np.log10(1 - p)),
            "forgot the (1 - y) * ln(1 - p) term: without it, the samples of class 0 cost "
            "nothing.": -np.mean(y * log_p),
            "swapped p and 1 - p: y = 1 pairs with ln(p), the probability of class 1, and "
            "y = 0 with ln(1 - p).": -np.mean(y * log_1p + (1 - y) * log_p),
            "swapped p and y: the logs are of the prediction p, multiplied by the targets y.":
                swapped,
            "you returned one loss per sample; the loss is one number, their mean.":
                -(y * log_p + (1 - y) * log_1p),
        }, n_terms=2 * len(p))
        if mistake:
            raise LearnerError(f"{mistake} (case: {label})")

    def cases():
        one_case(np.array([0.9, 0.2, 0.6, 0.95, 0.3]), np.array([1.0, 0.0, 1.0, 1.0, 0.0]),
                 "p = [0.9, 0.2, 0.6, 0.95, 0.3], y = [1, 0, 1, 1, 0]")
        one_case(np.array([0.7, 0.1, 0.5]), np.array([0.8, 0.3, 0.5]),
                 "soft targets y = [0.8, 0.3, 0.5], p = [0.7, 0.1, 0.5]")

    return run_check(cases, "Right: binary cross-entropy is -mean(y ln p + (1 - y) ln(1 - p)).")


def check_categorical_cross_entropy(fn):
    """Exercise in 03_loss: ``fn(P, Y) -> float``, cross-entropy with one-hot targets.

    P: (N, K) predicted probabilities (rows sum to 1), Y: (N, K) one-hot targets ->
    ``-mean over samples of sum over classes of Y * ln P``: sum along axis 1, mean along axis 0.
    The first case has N = 4 samples and K = 3 classes, so a sum along the wrong axis shows.
    """
    def one_case(P, Y, label):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = as_result_array(call_learner(fn, P, Y))
        _loss_finite(out, "Probably a log(0): take the log of the probabilities P (never 0 "
                          "here), not of the one-hot Y.")
        N, K = P.shape
        terms = Y * np.log(P)
        total = -np.sum(terms)
        right = total / N
        mistake = diagnose(out, right, {
            "wrong sign: ln P is negative, so the loss needs a minus: -mean(sum(Y * ln P)).":
                -right,
            "you summed over the samples too: divide by the number of samples N (mean over "
            "axis 0).": total,
            "wrong axis: you summed over the samples (axis 0) and averaged over the classes. "
            "Sum over the classes, axis=1, then take the mean over the samples.": total / K,
            "you averaged over the classes too (np.mean of Y * ln P divides by N * K): sum "
            "over the K classes (axis=1), then take the mean over the N samples.":
                total / (N * K),
            "used log10; the cross-entropy uses the natural log, np.log.":
                -np.sum(Y * np.log10(P)) / N,
            "forgot to multiply by Y: only the probability of the true class counts, "
            "Y * ln P keeps it and sets the others to 0.": -np.sum(np.log(P)) / N,
            "you returned one loss per sample; the loss is one number, their mean.":
                -terms.sum(axis=1),
            "you returned one number per class (a sum over axis 0); sum over the classes "
            "(axis=1) and take the mean over the samples.": -terms.sum(axis=0),
        }, n_terms=N * K)
        if mistake:
            raise LearnerError(f"{mistake} (case: {label})")

    def cases():
        P = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4], [0.25, 0.25, 0.5], [0.05, 0.9, 0.05]])
        Y = np.eye(3)[[0, 2, 2, 1]]
        one_case(P, Y, "N = 4 samples, K = 3 classes")
        one_case(np.array([[0.46, 0.54]]), np.array([[1.0, 0.0]]),
                 "the dog/cat example, dog 0.46 / cat 0.54, true class dog: expected 0.777")

    return run_check(cases, "Right: the cross-entropy is -ln of the probability given to the "
                            "true class, averaged over the samples.")


# =================================================================================================
# 04_forward_propagation
# =================================================================================================


def _fp_relu(z):
    return np.maximum(z, 0)


def _fp_softmax(z, axis=1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def check_dense_forward(fn):
    """Exercise in 04_forward_propagation: ``fn(X, W, b) -> Z = X @ W + b`` (rows form).

    X: (N, D_in), W: (D_in, D_out), b: (D_out,) -> Z: (N, D_out), one row per sample. One case
    has N == D_out, so that a bias added as a column (one bias per *sample*) still broadcasts and
    can be recognised.
    """
    def cases():
        rng = np.random.default_rng(40)
        for n, d_in, d_out in [(5, 3, 4), (4, 6, 4)]:
            X = rng.standard_normal((n, d_in))
            W = rng.standard_normal((d_in, d_out))
            b = rng.standard_normal(d_out)
            out = as_result_array(call_learner(fn, X, W, b))
            right = X @ W + b
            mistakes = {
                "forgot the bias: add b to every row, Z = X @ W + b.": X @ W,
                "wrong sign of the bias: it is added, Z = X @ W + b.": X @ W - b,
                "you applied ReLU: this exercise asks for the weighted sums Z only (the "
                "activation A = g(Z) is the next step).": _fp_relu(right),
                "you returned the column form (D_out, N): in the rows form every row is one "
                "sample, Z = X @ W + b, of shape (N, D_out).": right.T,
                "you averaged over the samples: keep one row per sample, Z = X @ W + b has shape "
                "(N, D_out).": right.mean(axis=0),
            }
            if n == d_out:
                mistakes["the bias was added as a column, b[:, None], so each *sample* got its "
                          "own bias. In the rows form b has shape (D_out,) and is added to every "
                          "row: X @ W + b."] = X @ W + b[:, None]
            mistake = diagnose(out, right, mistakes, n_terms=d_in + 1,
                               scale=np.max(np.abs(X) @ np.abs(W) + np.abs(b)))
            if mistake:
                raise LearnerError(mistake)
    return run_check(cases, "Right: Z = X @ W + b, one row of D_out weighted sums per sample.")


def check_dense_forward_columns(fn):
    """Exercise in 04_forward_propagation: ``fn(A_prev, W, b) -> Z = W @ A_prev + b``.

    The column form of the classic texts: A_prev: (n_prev, m) with samples as columns,
    W: (n, n_prev), b: (n, 1) -> Z: (n, m). The second case is square, so that the rows-form
    product ``A_prev @ W`` runs and can be recognised.
    """
    def cases():
        rng = np.random.default_rng(41)
        for n_prev, n, m in [(3, 4, 5), (3, 3, 3)]:
            A_prev = rng.standard_normal((n_prev, m))
            W = rng.standard_normal((n, n_prev))
            b = rng.standard_normal((n, 1))
            out = as_result_array(call_learner(fn, A_prev, W, b))
            right = W @ A_prev + b
            mistakes = {
                "forgot the bias: Z = W @ A_prev + b.": W @ A_prev,
                "wrong sign of the bias: it is added, Z = W @ A_prev + b.": W @ A_prev - b,
                "you returned the rows form (m, n): in the column form every *column* is one "
                "sample, Z = W @ A_prev + b, of shape (n, m).": right.T,
                "you applied ReLU: this exercise asks for the weighted sums Z only.":
                    _fp_relu(right),
            }
            if n == n_prev == m:
                mistakes["wrong order: in the column form the weights come first, "
                          "Z = W @ A_prev + b (A_prev @ W is the rows habit)."] = A_prev @ W + b
                mistakes["the bias was added along the rows (b.ravel() or b.T): b has shape "
                          "(n, 1), one number per neuron, added to every column."] = (
                    W @ A_prev + b.T
                )
            mistake = diagnose(out, right, mistakes, n_terms=n_prev + 1,
                               scale=np.max(np.abs(W) @ np.abs(A_prev) + np.abs(b)))
            if mistake:
                raise LearnerError(mistake)
    return run_check(cases, "Right: Z = W @ A_prev + b, one column of n weighted sums per sample.")


def check_two_layer_forward(fn):
    """Exercise in 04_forward_propagation: a two-layer forward pass that keeps its caches.

    ``fn(X, W1, b1, W2, b2) -> (P, cache)`` with ``Z1 = X @ W1 + b1``, ``A1 = relu(Z1)``,
    ``Z2 = A1 @ W2 + b2``, ``P = softmax(Z2)`` along each row, and ``cache = (X, Z1, A1)``:
    X: (N, D), W1: (D, H), b1: (H,), W2: (H, K), b2: (K,) -> P: (N, K).
    """
    def cases():
        rng = np.random.default_rng(42)
        for n, d, h, k in [(5, 3, 4, 6), (6, 4, 5, 3)]:
            X = rng.standard_normal((n, d))
            W1, b1 = rng.standard_normal((d, h)), rng.standard_normal(h)
            W2, b2 = rng.standard_normal((h, k)), rng.standard_normal(k)
            result = call_learner(fn, X, W1, b1, W2, b2)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                if result is None:
                    raise LearnerError(
                        "your function returned None. Hint: end with `return P, cache`."
                    )
                raise LearnerError(
                    f"expected two things back, (P, cache), received {type(result).__name__}"
                    f"{'' if not hasattr(result, '__len__') else f' of length {len(result)}'}. "
                    f"Hint: `return P, cache` with cache = (X, Z1, A1)."
                )
            P = as_result_array(result[0], "P (the first thing returned)")
            Z1 = X @ W1 + b1
            A1 = _fp_relu(Z1)
            Z2 = A1 @ W2 + b2
            right = _fp_softmax(Z2)
            # The rounding of Z1 (sums of d + 1 terms) goes on through W2 into Z2 (h + 1 more),
            # and softmax adds k exponentials; P moves by at most twice the error of Z2, whose
            # terms are bounded by scale2.
            terms1 = np.abs(X) @ np.abs(W1) + np.abs(b1)
            scale1, scale2 = np.max(terms1), np.max(terms1 @ np.abs(W2) + np.abs(b2))
            if np.isnan(P).any():
                raise LearnerError(
                    "P contains NaN: the softmax overflowed. Hint: subtract each row's maximum "
                    "before np.exp, or use dlcore.activations.softmax."
                )
            mistake = diagnose(P, right, {
                "no ReLU after the first layer: A1 = relu(Z1) = np.maximum(Z1, 0) goes into the "
                "second layer, not Z1.": _fp_softmax(Z1 @ W2 + b2),
                "no softmax at the end: P = softmax(Z2) turns the scores into probabilities.": Z2,
                "softmax along the wrong axis: each *row* (sample) must sum to 1, so normalise "
                "with axis=1 (or axis=-1).": _fp_softmax(Z2, axis=0),
                "ReLU on the output too: the last layer gives scores Z2 that go straight into "
                "softmax.": _fp_softmax(_fp_relu(Z2)),
                "forgot the biases b1 and b2.": _fp_softmax(_fp_relu(X @ W1) @ W2),
                "forgot the bias b2 of the second layer.": _fp_softmax(A1 @ W2),
                "forgot the bias b1 of the first layer.": _fp_softmax(_fp_relu(X @ W1) @ W2 + b2),
            }, n_terms=d + h + k + 2, scale=2 * scale2)
            if mistake:
                raise LearnerError("P: " + mistake)
            cache = result[1]
            if not isinstance(cache, (tuple, list)) or len(cache) != 3:
                raise LearnerError(
                    f"expected cache = (X, Z1, A1), three arrays, received "
                    f"{type(cache).__name__}"
                    f"{f' of length {len(cache)}' if hasattr(cache, '__len__') else ''}. "
                    f"Hint: backward will need X (for dW1), Z1 (where the ReLU let the signal "
                    f"through) and A1 (for dW2)."
                )
            for i, (name, want) in enumerate([("X", X), ("Z1", Z1), ("A1", A1)]):
                got = as_result_array(cache[i], f"cache[{i}]")
                others = {
                    f"it holds {other}, but it should hold {name}: keep them in the order "
                    f"(X, Z1, A1).": value
                    for other, value in [("X", X), ("Z1", Z1), ("A1", A1), ("Z2", Z2)]
                    if other != name
                }
                mistake = diagnose(got, want, others, n_terms=d + 1, scale=scale1)
                if mistake:
                    raise LearnerError(f"cache[{i}]: " + mistake)
    return run_check(
        cases,
        "Right: P = softmax(relu(X @ W1 + b1) @ W2 + b2), and the cache keeps X, Z1 and A1 for "
        "the backward pass.",
    )


# =================================================================================================
# 05_back_propagation
# =================================================================================================


def _bp_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def check_sigmoid_backward(fn):
    """Exercise in 05_back_propagation: ``fn(dout, z) -> dz = dout * s * (1 - s)``, s = sigmoid(z).

    dout: dL/da, z: the sigmoid's input, both (N, D) -> dz: dL/dz, (N, D). The chain rule
    multiplies the upstream gradient by the local derivative, element by element.
    """
    def cases():
        rng = np.random.default_rng(50)
        for shape in [(4, 3), (2, 5)]:
            z = 2.0 * rng.standard_normal(shape)
            dout = rng.standard_normal(shape)
            out = as_result_array(call_learner(fn, dout, z))
            s = _bp_sigmoid(z)
            right = dout * s * (1 - s)
            mistake = diagnose(out, right, {
                "forgot to multiply by dout: the chain rule multiplies the upstream gradient "
                "dL/da = dout by the local derivative da/dz = s (1 - s).": s * (1 - s),
                "used z instead of s = sigmoid(z) in the derivative: it is s (1 - s), with "
                "s = 1 / (1 + exp(-z)), not z (1 - z).": dout * z * (1 - z),
                "multiplied dout by sigmoid(z) itself instead of its derivative "
                "s (1 - s).": dout * s,
                "wrong sign: s (1 - s) is never negative, so dz has the sign of dout; "
                "check for s (s - 1).": -right,
                "added dout and the local derivative: the chain rule *multiplies* them, "
                "dz = dout * s * (1 - s).": dout + s * (1 - s),
                "forgot the factor s: the derivative is s * (1 - s), not (1 - s).": dout * (1 - s),
            }, n_terms=5)  # a chain of element-wise roundings: exp, +, /, 1 - s, two products
            if mistake:
                raise LearnerError(mistake)
    return run_check(cases, "Right: dz = dout * s * (1 - s) with s = sigmoid(z).")


def check_dense_backward(fn):
    """Exercise in 05_back_propagation: ``fn(dZ, X, W) -> (dX, dW, db)`` of ``Z = X @ W + b``.

    dZ: (N, D_out) is dL/dZ of the *mean* loss over the batch, so it already carries the 1/N:
    the gradients are plain sums, ``dX = dZ @ W.T`` (N, D_in), ``dW = X.T @ dZ`` (D_in, D_out),
    ``db = dZ.sum(axis=0)`` (D_out,). One case is square, so that products in the wrong order
    run and can be recognised by their values.
    """
    def cases():
        rng = np.random.default_rng(51)
        for n, d_in, d_out in [(5, 3, 4), (4, 4, 4)]:
            X = rng.standard_normal((n, d_in))
            W = rng.standard_normal((d_in, d_out))
            dZ = rng.standard_normal((n, d_out)) / n
            result = call_learner(fn, dZ, X, W)
            if result is None:
                raise LearnerError(
                    "your function returned None. Hint: end with `return dX, dW, db`."
                )
            if not isinstance(result, (tuple, list)) or len(result) != 3:
                raise LearnerError(
                    f"expected three gradients back, (dX, dW, db), received "
                    f"{type(result).__name__}"
                    f"{f' of length {len(result)}' if hasattr(result, '__len__') else ''}. "
                    f"Hint: `return dX, dW, db`."
                )
            dX, dW, db = dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)
            got = [as_result_array(r, f"item {i} of what you returned")
                   for i, r in enumerate(result)]
            if d_in != d_out:
                shapes = [g.shape for g in got]
                if shapes != [dX.shape, dW.shape, db.shape] and sorted(shapes) == sorted(
                    [dX.shape, dW.shape, db.shape]
                ):
                    raise LearnerError(
                        f"the gradients come back in another order (shapes {shapes}): return "
                        f"them as dX, dW, db, with shapes {dX.shape}, {dW.shape}, {db.shape}."
                    )
            # each gradient is a sum: dW and db over the n samples, dX over the d_out outputs
            aX, aW, adZ = np.abs(X), np.abs(W), np.abs(dZ)
            mistake = diagnose(got[1], dW, {
                "dW is transposed: dW = X.T @ dZ has the shape of W, (D_in, D_out); "
                "dZ.T @ X gives (D_out, D_in).": dZ.T @ X,
                "you divided by N again: dZ is the gradient of the *mean* loss, so it already "
                "carries the 1/N; dW = X.T @ dZ is a plain sum over the samples.": X.T @ dZ / n,
                "wrong sign: dW = X.T @ dZ, no minus (the minus sign belongs to the update "
                "step W -= lr * dW, not to the gradient).": -(X.T @ dZ),
            }, n_terms=n, scale=np.max(aX.T @ adZ))
            if mistake:
                raise LearnerError("dW: " + mistake)
            mistake = diagnose(got[2], db, {
                "you took the mean over the samples: dZ already carries the 1/N of the mean "
                "loss, so the bias gradient is the plain sum, db = dZ.sum(axis=0).":
                    dZ.mean(axis=0),
                "forgot to sum over the samples: b is added to every row, so its gradient "
                "collects every row's contribution, db = dZ.sum(axis=0), of shape (D_out,).": dZ,
                "summed over the wrong axis: sum over the samples (rows), "
                "db = dZ.sum(axis=0), which has the shape of b, (D_out,).": dZ.sum(axis=1),
                "summed everything into one number: db has the shape of b, (D_out,), so sum "
                "over the rows only, dZ.sum(axis=0).": np.array(dZ.sum()),
                "wrong sign: db = dZ.sum(axis=0), no minus.": -db,
            }, n_terms=n, scale=np.max(adZ.sum(axis=0)))
            if mistake:
                raise LearnerError("db: " + mistake)
            dX_mistakes = {
                "wrong matrix order: dX = dZ @ W.T has the shape of X, (N, D_in); W @ dZ.T "
                "gives its transpose.": W @ dZ.T,
                "wrong sign: dX = dZ @ W.T, no minus.": -dX,
                "you divided by N again: dZ already carries the 1/N; dX = dZ @ W.T.": dX / n,
            }
            if d_in == d_out:
                dX_mistakes["forgot to transpose W: dX = dZ @ W.T (each input's gradient "
                            "collects the weights going *out* of it, a row of W)."] = dZ @ W
            mistake = diagnose(got[0], dX, dX_mistakes, n_terms=d_out,
                               scale=np.max(adZ @ aW.T))
            if mistake:
                raise LearnerError("dX: " + mistake)
    return run_check(
        cases,
        "Right: dX = dZ @ W.T, dW = X.T @ dZ, db = dZ.sum(axis=0): each gradient has the shape "
        "of the thing.",
    )


def _one_sided_difference(f, x, h):
    """(f(x + h) - f(x)) / h, element by element; h < 0 gives the backward difference."""
    grad = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - f0) / h
        x[i] = old
    return grad


def _row_difference(f, x, h):
    """What a loop over ``range(len(x))`` gives for a 2-D x: one nudge of a whole row."""
    grad = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def check_numerical_gradient(fn):
    """Exercise in 05_back_propagation: ``fn(f, x, h) -> grad``, by central differences.

    ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)`` for every element ``i`` of x (any shape),
    nudging ``x`` in place and putting each element back afterwards. The cases use a cubic with a
    fairly large h, where the one-sided difference ``(f(x + h) - f(x)) / h`` is visibly less
    accurate (its error shrinks like h, the central one's like h**2), and a 2-D x.
    """
    def cases():
        if not callable(fn):
            call_learner(fn)  # raises the "pass the function itself" verdict
        rng = np.random.default_rng(52)
        C = rng.standard_normal((2, 3))

        def cubic(v):
            return float(np.sum(v**3))

        def cubic_mix(v):
            return float(np.sum(C * v**3) + np.sum(v) ** 2)

        for f, x0, h in [(cubic, np.array([-1.0, 0.5, 2.0, 3.0]), 1e-2),
                         (cubic_mix, rng.standard_normal((2, 3)), 1e-3)]:
            x = x0.copy()
            # x is passed as it is (call_learner would pass a copy): the check needs to see
            # whether x is put back, since a layer's weights are nudged in place.
            out = call_learner(lambda f=f, x=x, h=h: fn(f, x, h))
            if not np.allclose(x, x0, rtol=0, atol=1e-12):
                raise LearnerError(
                    "x was not restored: after nudging x[i] to x[i] + h and x[i] - h, put the "
                    "old value back (old = x[i] ... x[i] = old). Otherwise every later "
                    "evaluation happens at a shifted point, and the weights of a layer being "
                    "checked end up changed."
                )
            out = as_result_array(out)
            work = x0.copy()
            right = numerical_gradient(f, work, h)  # dlcore's own, the reference
            mistakes = {
                "this is the forward difference (f(x + h) - f(x)) / h: its error shrinks only "
                "like h. Use the central difference (f(x + h) - f(x - h)) / (2h), whose error "
                "shrinks like h**2.": _one_sided_difference(f, x0.copy(), h),
                "this is the backward difference (f(x) - f(x - h)) / h: its error shrinks only "
                "like h. Use the central difference (f(x + h) - f(x - h)) / (2h).":
                    _one_sided_difference(f, x0.copy(), -h),
                "forgot to divide by 2h: the two points are 2h apart, so divide the difference "
                "f(x + h) - f(x - h) by (2 * h).": right * 2 * h,
                "divided by h instead of 2h: the two points x - h and x + h are 2h apart.":
                    right * 2,
                "`/ 2 * h` multiplies by h (Python reads it as (.../2)*h): write `/ (2 * h)`.":
                    right * h * h,
            }
            if x0.ndim == 2:
                mistakes["only one nudge per row: `for i in range(len(x))` nudges a whole row "
                         "of a 2-D x at once. Loop over every element, e.g. "
                         "`for i in np.ndindex(x.shape):`."] = _row_difference(f, x0.copy(), h)
            # float64 on purpose: in float32 a nudge h is a few rounding steps of x, and the
            # difference is mostly rounding error (these tolerances are float64's)
            mistake = diagnose(out, right, mistakes, atol=1e-8, rtol=1e-6, dtype=np.float64)
            if mistake:
                raise LearnerError(mistake)
    return run_check(
        cases,
        "Right: (f(x + h) - f(x - h)) / (2h) for every element, with x put back each time.",
    )


# =================================================================================================
# 06_optimizer
# =================================================================================================


def check_sgd_step(fn):
    """Exercise in 06_optimizer: ``fn(w, grad, lr) -> w_new = w - lr * grad``.

    ``w`` and ``grad`` have the same shape (any shape); the function returns the new weights as
    a new array and leaves ``w`` unchanged (the course's rule: never change the caller's arrays;
    dlcore's optimizers update ``Parameter.value`` in place, but that is their job, not this
    function's). Cases: a (3, 2) matrix with lr=0.1 and a vector with lr=0.5.
    """
    def one_case(w, grad, lr):
        w_given = w.copy()
        # called on our own copy of w, so that a change in place can be seen afterwards
        out = call_learner(lambda: fn(w_given, grad.copy(), lr))
        changed = not np.array_equal(w_given, w)
        if out is None:
            if changed:
                raise LearnerError(
                    "your function changed w in place and returned None. Hint: compute the new "
                    "weights as a new array and return them: return w - lr * grad.")
            raise LearnerError("your function returned None. Hint: did you forget the "
                               "`return` statement?")
        out = as_result_array(out)
        right = w - lr * grad
        mistake = diagnose(out, right, {
            "wrong sign: w + lr * grad climbs uphill (gradient ascent). The gradient points "
            "to where the loss grows; step the other way: w - lr * grad.": w + lr * grad,
            "you forgot the learning rate: w - grad takes a full gradient-sized step. "
            "Multiply the gradient by lr.": w - grad,
            "you divided by the learning rate: w - grad / lr. Multiply instead: "
            "w - lr * grad.": w - grad / lr,
            "you returned the step, -lr * grad, not the new weights. Add it to w: "
            "w - lr * grad.": -lr * grad,
            "you returned lr * grad: subtract it from w.": lr * grad,
            "you returned the weights unchanged: subtract lr * grad from w.": w,
            "you multiplied w by the step: the update is a subtraction, w - lr * grad.":
                w * (1 - lr * grad),
        }, n_terms=2, scale=np.max(np.abs(w) + np.abs(lr * grad)))
        if mistake:
            raise LearnerError(mistake)
        if changed:
            raise LearnerError(
                "the returned weights are right, but your function also changed w in place "
                "(w -= ... or w[...] = ...). Hint: write w_new = w - lr * grad, which makes a "
                "new array, and return it; the caller's w must stay as it was.")

    def cases():
        if not callable(fn):
            call_learner(fn)  # raises the usual "expected a function" verdict
        rng = np.random.default_rng(6)
        one_case(rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), 0.1)
        one_case(rng.standard_normal(4), rng.standard_normal(4), 0.5)

    return run_check(cases, "Right: w - lr * grad, one step downhill, returned as a new array.")


def _adam_reference(w, g, m, v, t, lr, beta1, beta2, eps, *, correct=True, swap=False,
                    sqrt=True, eps_inside=False, return_hats=False, no_one_minus=False,
                    sign=1.0):
    """Adam's update and the answers typical mistakes give (helper of ``check_adam_step``)."""
    b1, b2 = (beta2, beta1) if swap else (beta1, beta2)
    if no_one_minus:
        m_new, v_new = b1 * m + g, b2 * v + g**2
    else:
        m_new, v_new = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
    m_hat = m_new / (1 - b1**t) if correct else m_new
    v_hat = v_new / (1 - b2**t) if correct else v_new
    root = np.sqrt(v_hat + eps) if eps_inside else (np.sqrt(v_hat) + eps if sqrt else v_hat + eps)
    w_new = w - sign * lr * m_hat / root
    if return_hats:
        return w_new, m_hat, v_hat
    return w_new, m_new, v_new


def _adam_scale(w, g, m, v, t, lr, beta1, beta2, eps):
    """How far the rounding of a right Adam step can move each value, packed as (w, m, v).

    The ``scale`` for :func:`agrees`, one number per value. Adam has two
    differences of numbers close to 1, which in float32 (beta1 and beta2 included) lose digits:
    ``1 - beta2`` (0.999 is off by 1.3e-8 in float32, so 0.001 by 1.3e-5 of itself), and the bias
    correction ``1 - beta**t``, whose error ``t * eps * beta**t`` is 250 units in the last place of
    ``1 - beta2**t`` at t = 4. So the error of ``(1 - beta) * g`` is about ``eps * |g|``, not
    ``eps * (1 - beta) * |g|``, and the step lr * m_hat / (sqrt(v_hat) + eps) inherits the relative
    errors of m_hat and (half of) v_hat.
    """
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    m_new, v_new = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m_new / c1, v_new / c2
    m_error = (np.abs(m) + np.abs(g)) / c1 + np.abs(m_hat) * (t * beta1**t + 1) / c1
    v_relative = ((np.abs(v) + g**2) / np.maximum(v_new, np.finfo(float).tiny)
                  + (t * beta2**t + 1) / c2)
    step_error = lr * (m_error + np.abs(m_hat) * (v_relative / 2 + 3)) / (np.sqrt(v_hat) + eps)
    return np.concatenate([
        (np.abs(w) + step_error).ravel(),
        (np.abs(m) + np.abs(g)).ravel(),
        (np.abs(v) + g**2).ravel(),
    ])


def check_adam_step(fn):
    """Exercise in 06_optimizer: one Adam update, ``fn(w, g, m, v, t, lr, beta1, beta2, eps)``.

    Returns ``(w_new, m_new, v_new)``::

        m_new = beta1 * m + (1 - beta1) * g
        v_new = beta2 * v + (1 - beta2) * g**2
        m_hat = m_new / (1 - beta1**t);  v_hat = v_new / (1 - beta2**t)
        w_new = w - lr * m_hat / (sqrt(v_hat) + eps)

    ``m_new`` and ``v_new`` are the *uncorrected* averages (the state kept for the next step);
    the corrected ``m_hat``, ``v_hat`` are used for this step only.

    Decided: ``sqrt(v_hat + eps)`` (eps inside the root, as some libraries write it) is accepted.
    eps only keeps the division safe when ``v_hat`` is 0; on the checker's cases (gradients of
    ordinary size) the two forms agree to within the tolerance, so either passes.

    Cases: the first step (``t = 1``, ``m = v = 0``) on a (2, 3) array, and the fourth step
    with earlier averages on a vector; lr = 0.1 so that a wrong update is clearly visible.
    """
    def one_case(w, g, m, v, t, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
        args = (w, g, m, v, t, lr, beta1, beta2, eps)
        out = call_learner(fn, *args)
        if out is None:
            raise LearnerError("your function returned None. Hint: end with "
                               "`return w_new, m_new, v_new`.")
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            received = (f"{len(out)} values" if isinstance(out, (tuple, list))
                        else type(out).__name__)
            raise LearnerError(f"expected three arrays (w_new, m_new, v_new), received "
                               f"{received}. Hint: return w_new, m_new, v_new.")
        got = [as_result_array(a, f"the {name} you returned")
               for a, name in zip(out, ("w_new", "m_new", "v_new"), strict=True)]
        for a, name in zip(got, ("w_new", "m_new", "v_new"), strict=True):
            if a.shape != w.shape:
                raise LearnerError(f"wrong shape: {name} has shape {a.shape}, expected "
                                   f"{w.shape}, the shape of w.")
        if not all(np.isfinite(a).all() for a in got):
            raise LearnerError(
                f"your function returned NaN or inf at step t={t}. Hint: the bias correction "
                f"divides by 1 - beta**t, which is 0 when t = 0: t counts steps from 1.")
        packed = np.concatenate([a.ravel() for a in got])

        def pack(**mistake):
            return np.concatenate([a.ravel() for a in _adam_reference(*args, **mistake)])

        right = pack()
        scale = _adam_scale(*args)

        def same(a, b, part=slice(None)):
            return agrees(a, b, n_terms=4, scale=scale[part], atol=1e-7)

        if not same(packed, right) and same(packed, pack(eps_inside=True)):
            return  # eps inside the square root: accepted (see the docstring)
        v_only = _adam_reference(*args)
        order_vm = np.concatenate([v_only[0].ravel(), v_only[2].ravel(), v_only[1].ravel()])
        mistake = diagnose(packed, right, {
            "no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t) before the "
            "update. m and v start at 0, so without it the first steps have the wrong size.":
                pack(correct=False),
            "beta1 and beta2 are swapped: beta1 (0.9) averages the gradient m, beta2 (0.999) "
            "averages the squared gradient v.": pack(swap=True),
            "the square root is missing: divide by sqrt(v_hat) + eps, not by v_hat + eps "
            "(v holds squared gradients; its root has the size of a gradient).":
                pack(sqrt=False),
            "you returned the bias-corrected m_hat and v_hat as the new state. Return the "
            "plain averages m_new and v_new; the correction is recomputed at every step.":
                pack(return_hats=True),
            "the (1 - beta) factors are missing: m_new = beta1 * m + (1 - beta1) * g and "
            "v_new = beta2 * v + (1 - beta2) * g**2.": pack(no_one_minus=True),
            "wrong sign: the update subtracts, w - lr * m_hat / (sqrt(v_hat) + eps).":
                pack(sign=-1.0),
            "the three arrays are in the wrong order: return w_new, m_new, v_new.": order_vm,
        }, atol=1e-7, n_terms=4, scale=scale)
        if mistake:
            parts = ("w_new", "m_new", "v_new")
            size = w.size
            wrong = [name for i, (a, r, name) in enumerate(zip(got, v_only, parts, strict=True))
                     if not same(a.ravel(), r.ravel(), slice(i * size, (i + 1) * size))]
            if mistake.startswith("the values differ"):
                raise LearnerError(f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} "
                                   f"wrong at step t={t}. Re-read the formulas above line by "
                                   f"line.")
            raise LearnerError(f"{mistake} (wrong: {', '.join(wrong)}; step t={t})")

    def cases():
        rng = np.random.default_rng(7)
        w, g = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
        one_case(w, g, np.zeros((2, 3)), np.zeros((2, 3)), 1)
        w, g = rng.standard_normal(4), rng.standard_normal(4)
        m, v = 0.3 * rng.standard_normal(4), 0.01 * rng.random(4) + 0.005
        one_case(w, g, m, v, 4)

    return run_check(cases, "Right: Adam's update, with both moving averages, the bias "
                            "correction and the square root.")


# =================================================================================================
# 07_training_loop
# =================================================================================================


def _epoch_reference(model, loss_fn, optimizer, X, y, batch_size, rng, *, zero_grad=True,
                     shuffle=True, drop_last=False, update=True, same_order=True):
    """One epoch of mini-batch training, and the epochs typical mistakes give.

    Helper of ``check_train_one_epoch``: returns the list of batch losses.
    """
    N = len(X)
    order = rng.permutation(N) if shuffle else np.arange(N)
    order_y = order if same_order else rng.permutation(N)
    stop = (N // batch_size) * batch_size if drop_last else N
    losses = []
    for start in range(0, stop, batch_size):
        if zero_grad:
            optimizer.zero_grad()
        y_hat = model.forward(X[order[start:start + batch_size]])
        losses.append(loss_fn(y_hat, y[order_y[start:start + batch_size]]))
        model.backward(loss_fn.backward())
        if update:
            optimizer.step()
    return losses


def check_train_one_epoch(fn):
    """Exercise in 07_training_loop: ``fn(model, loss_fn, optimizer, X, y, batch_size, rng)``.

    One epoch of mini-batch training: ``order = rng.permutation(N)``, then for each slice
    ``order[start:start + batch_size]`` (the last one may be smaller): ``zero_grad``, forward,
    loss, backward, ``step``. Returns the list of the ``ceil(N / batch_size)`` batch losses.

    The checker trains a small float64 model (``Dense(4, 3)``, ``SoftmaxCrossEntropy``, ``SGD``
    with lr=0.5) with the learner's function and with the reference from the same starting
    weights and the same seed, then compares the losses and the final weights with those of
    typical mistakes: forgot ``zero_grad`` (gradients pile up), forgot to shuffle, shuffled X and
    y separately, dropped the last partial batch, never updated. Cases: N=10 with batches of 4
    (4, 4, 2) and N=12 with batches of 6 (no partial batch).
    """
    from .layers import Dense
    from .losses import SoftmaxCrossEntropy
    from .module import Sequential
    from .optim import SGD

    def setup(seed):
        model = Sequential(Dense(4, 3, seed=seed, dtype=np.float64))
        return model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.5)

    def one_case(N, batch_size, seed):
        data = np.random.default_rng(100 + seed)
        X = data.standard_normal((N, 4))
        y = np.arange(N) % 3

        def run(**variant):
            model, loss_fn, optimizer = setup(seed)
            losses = _epoch_reference(model, loss_fn, optimizer, X, y, batch_size,
                                      np.random.default_rng(seed), **variant)
            return np.concatenate([np.asarray(losses, dtype=float)] +
                                  [p.value.ravel() for p in model.parameters()])

        model, loss_fn, optimizer = setup(seed)
        start_weights = np.concatenate([p.value.ravel() for p in model.parameters()])
        out = call_learner(fn, model, loss_fn, optimizer, X, y, batch_size,
                           np.random.default_rng(seed))
        expected_count = -(-N // batch_size)
        where = f"(N={N}, batch_size={batch_size})"
        if out is None:
            raise LearnerError("your function returned None. Hint: collect each batch's loss "
                               "in a list and `return losses` at the end.")
        if np.ndim(out) == 0:
            raise LearnerError(
                f"your function returned one number {where}; expected a list with one loss per "
                f"mini-batch ({expected_count} of them). Hint: losses.append(loss_fn(y_hat, "
                f"y_batch)) inside the loop, and return the list.")
        losses = as_result_array(out, "the list of losses you returned")
        if losses.ndim != 1:
            raise LearnerError(f"expected a flat list of {expected_count} losses {where}, "
                               f"received an array of shape {losses.shape}.")
        weights = np.concatenate([p.value.ravel() for p in model.parameters()])
        if len(losses) != expected_count:
            hint = ""
            if len(losses) == N // batch_size:
                hint = (" The last, smaller batch is missing: range(0, N, batch_size) "
                        "includes it; the slice order[start:start + batch_size] is simply "
                        "shorter there.")
            elif len(losses) == N:
                hint = " That is one loss per sample: step through the data batch_size at a " \
                       "time, range(0, N, batch_size)."
            raise LearnerError(f"wrong number of iterations {where}: expected ceil(N / "
                               f"batch_size) = {expected_count} losses, received "
                               f"{len(losses)}.{hint}")
        if np.array_equal(weights, start_weights):
            raise LearnerError(
                "the weights did not change. Hint: after loss_fn(...), call "
                "model.backward(loss_fn.backward()) to fill the gradients, then "
                "optimizer.step() to update the weights.")
        packed = np.concatenate([losses, weights])
        mistake = diagnose(packed, run(), {
            "you forgot optimizer.zero_grad() at the start of each iteration: the gradients "
            "of earlier batches pile up in p.grad (backward adds into it).":
                run(zero_grad=False),
            "the data was not shuffled: take the batches in the order "
            "order = rng.permutation(len(X)), drawn once at the start of the epoch.":
                run(shuffle=False),
            "X and y were shuffled with two different permutations, so the labels no longer "
            "belong to their samples. Hint: draw one order and index both: X[idx], y[idx].":
                run(same_order=False),
        }, atol=1e-8, dtype=np.float64)  # the model is float64, the same code on both sides
        if mistake:
            if mistake.startswith("the values differ"):
                mistake = (
                    f"the losses or the final weights differ from the reference {where}. "
                    f"Hint: draw order = rng.permutation(len(X)) once, take the batches "
                    f"order[start:start + batch_size] in turn, and for each one call "
                    f"zero_grad, forward, loss, backward, step in that order.")
            raise LearnerError(mistake)

    def cases():
        one_case(10, 4, 0)
        one_case(12, 6, 1)

    return run_check(cases, "Right: one shuffled pass over the data, one update per mini-batch "
                            "(the last, smaller one included), gradients cleared each time.")


def check_accuracy_from_proba(fn):
    """Exercise in 07_training_loop: ``fn(P, y) -> float``, the fraction predicted right.

    ``P: (N, K)`` class probabilities (rows sum to 1), ``y: (N,)`` integer labels; the
    predicted class is the column with the largest probability, ``P.argmax(axis=1)``, and the
    accuracy is ``mean(predicted == y)``, a number between 0 and 1. Cases: a square (4, 4) P
    (so that argmax over the wrong axis still runs) and a (6, 3) P.
    """
    def one_case(P, y):
        try:
            out = call_learner(fn, P, y)
        except LearnerError as err:
            if "broadcast" in str(err):
                raise LearnerError(
                    f"{err} Hint: the predicted class of each sample is the largest entry of "
                    f"its row, P.argmax(axis=1), one label per sample; axis=0 gives one per "
                    f"class.") from None
            raise
        if out is None:
            raise LearnerError("your function returned None. Hint: did you forget the "
                               "`return` statement?")
        value = as_result_array(out)
        predicted = P.argmax(axis=1)
        right = np.mean(predicted == y)
        if value.shape == y.shape:
            if np.array_equal(value, predicted):
                raise LearnerError("you returned the predicted labels; compare them with y and "
                                   "take the mean: np.mean(P.argmax(axis=1) == y).")
            raise LearnerError("you returned one value per sample; average them into one "
                               "number with .mean().")
        if value.shape != ():
            raise LearnerError(f"expected one number, received an array of shape "
                               f"{value.shape}.")
        mistake = diagnose(value, right, {
            "wrong axis: P.argmax(axis=0) gives the most likely *sample* for each class. Use "
            "axis=1: the most likely class of each sample (each row).":
                np.mean(P.argmax(axis=0) == y) if P.shape[0] == P.shape[1] else np.nan,
            "you returned the number of right predictions; divide by N (use np.mean) to get "
            "a fraction.": np.sum(predicted == y),
            "you returned a percentage; the course's accuracy is a fraction between 0 and 1.":
                100 * right,
            "you returned the error rate (the fraction wrong); the accuracy is the fraction "
            "right.": 1 - right,
            "you compared probabilities with labels: turn each row of probabilities into a "
            "class first with P.argmax(axis=1), then compare with y.":
                np.mean(P.max(axis=1) == y),
        }, n_terms=len(y))
        if mistake:
            raise LearnerError(mistake)

    def cases():
        P = np.array([[0.10, 0.60, 0.20, 0.10],
                      [0.50, 0.30, 0.10, 0.10],
                      [0.05, 0.05, 0.80, 0.10],
                      [0.40, 0.05, 0.25, 0.30]])
        one_case(P, np.array([1, 0, 2, 3]))  # predicted 1, 0, 2, 0: 3 of 4 right
        P = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4],
                      [0.5, 0.2, 0.3], [0.1, 0.1, 0.8], [0.25, 0.45, 0.3]])
        one_case(P, np.array([0, 1, 2, 1, 2, 0]))  # right: 4 of 6

    return run_check(cases, "Right: the class with the largest probability in each row, "
                            "compared with y, averaged into a fraction.")


# =================================================================================================
# 08_convolution
# =================================================================================================


def _conv_size_mistakes(sizes: np.ndarray) -> dict[str, np.ndarray]:
    """The output sizes that the usual slips give, for the rows (H, K, P, S) of ``sizes``."""
    H, K, P, S = sizes.T.astype(float)
    return {
        "forgot the +1: the window fits at its first position too. Count the steps "
        "(H + 2P - K) // S, then add 1 for the starting position.": (H + 2 * P - K) // S,
        "the padding is added on one side only: P zeros go on BOTH sides, so the padded "
        "size is H + 2*P.": (H + P - K) // S + 1,
        "the padding is missing: the padded input has H + 2*P pixels, not H.": (H - K) // S + 1,
        "the stride is missing: divide the distance the window can travel by the step S.":
            H + 2 * P - K + 1,
        "not an integer: (H + 2P - K) / S can leave a remainder, and a window that does not "
        "fit is not counted. Use integer division //.": (H + 2 * P - K) / S + 1,
        "rounded up: a last window that would stick out of the (padded) input does not "
        "count, so round down, with //.": np.ceil((H + 2 * P - K) / S) + 1,
    }


def check_conv_output_size(fn):
    """Exercise in 08_convolution: ``fn(H, K, P, S) -> int``, the output size of a convolution.

    ``(H + 2P - K) // S + 1``: the number of positions a window of K pixels takes, in steps of S,
    over an input of H pixels with P zeros added on each side. The cases include strides that
    leave a remainder (so plain division and rounding up are caught) and padding (so one-sided
    padding is caught).
    """
    sizes = np.array([
        (8, 3, 0, 1), (8, 3, 1, 1), (8, 3, 0, 2), (28, 5, 2, 2), (7, 3, 1, 2), (32, 4, 1, 3),
        (10, 4, 0, 3),
    ])

    def cases():
        raw = []
        for H, K, P, S in sizes.tolist():
            out = call_learner(fn, H, K, P, S)
            if out is None:
                raise LearnerError(
                    f"your function returned None for H={H}, K={K}, P={P}, S={S}. Hint: did "
                    f"you forget the `return` statement?"
                )
            if isinstance(out, (bool, np.bool_)) or not isinstance(
                    out, (int, float, np.integer, np.floating)):
                raise LearnerError(
                    f"expected one number (an int), received {type(out).__name__} {out!r} for "
                    f"H={H}, K={K}, P={P}, S={S}."
                )
            raw.append(out)
        outs = np.array(raw, dtype=float)
        H, K, P, S = sizes.T
        right = (H + 2 * P - K) // S + 1
        mistake = diagnose(outs, right, _conv_size_mistakes(sizes))
        if mistake:
            first = int(np.flatnonzero(outs != right)[0])
            H1, K1, P1, S1 = sizes[first].tolist()
            raise LearnerError(
                f"{mistake} (for H={H1}, K={K1}, P={P1}, S={S1} the output size is "
                f"{right[first]}, your function gave {outs[first]:g})"
            )
        for out, (H1, K1, P1, S1) in zip(raw, sizes.tolist(), strict=True):
            if not isinstance(out, (int, np.integer)):
                raise LearnerError(
                    f"the values are right, but the function returned {type(out).__name__} "
                    f"{out!r} for H={H1}, K={K1}, P={P1}, S={S1}: a size counts positions, so "
                    f"return an int (// on ints gives an int; np.floor and / give floats)."
                )

    return run_check(cases, "Right: (H + 2P - K) // S + 1 windows fit, for every case.")


def _correlate_valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Reference 'valid' cross-correlation of one channel (the checkers' own, by loops)."""
    H, W = image.shape
    kh, kw = kernel.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out


def check_correlate2d(fn):
    """Exercise in 08_convolution: ``fn(image, kernel) -> out``, a 'valid' cross-correlation.

    image: (H, W), kernel: (kh, kw) -> out: (H - kh + 1, W - kw + 1) with
    ``out[r, c] = sum over i, j of image[r + i, c + j] * kernel[i, j]`` (no flip, no padding),
    what ``Conv2D`` computes for one channel without bias. The cases use a non-square image and
    a non-square, asymmetric kernel, so a flipped kernel, swapped axes and the 'full' or 'same'
    output sizes are all told apart.
    """
    def one_case(image, kernel):
        H, W = image.shape
        kh, kw = kernel.shape
        out = as_result_array(call_learner(fn, image, kernel))
        right = _correlate_valid(image, kernel)
        shapes = {
            (H + kh - 1, W + kw - 1): "the output has the 'full' size (H + kh - 1, W + kw - 1): "
            "the kernel also visits positions where it sticks out of the image. 'Valid' keeps "
            "only the positions where it lies wholly inside: (H - kh + 1, W - kw + 1).",
            (H, W): "the output has the input's size (the 'same' size, as with padding). "
            "Without padding the kernel fits at only (H - kh + 1, W - kw + 1) positions.",
            (H - kh, W - kw): "the output is one row and one column too small: the last "
            "position, r = H - kh, counts too. Hint: range(H - kh + 1).",
            (W - kh + 1, H - kw + 1): "swapped axes: your output has shape (W - kh + 1, "
            "H - kw + 1). Rows go with the image's first axis and the kernel's height kh, "
            "columns with the second axis and kw.",
            (H - kw + 1, W - kh + 1): "the kernel's height and width are swapped: rows of the "
            "output need the kernel height kh = kernel.shape[0], columns the width "
            "kw = kernel.shape[1].",
        }
        if out.shape != right.shape and out.shape in shapes:
            raise LearnerError(f"{shapes[out.shape]} (case: image {image.shape}, kernel "
                               f"{kernel.shape}, expected {right.shape}, received {out.shape})")
        terms = _correlate_valid(np.abs(image), np.abs(kernel))  # the size of what is added
        mistake = diagnose(out, right, {
            "the kernel is flipped: that is the 'true' convolution of mathematics. Deep "
            "learning's convolution (and Conv2D) is a cross-correlation: multiply image[r + i, "
            "c + j] by kernel[i, j], without turning the kernel around.":
                _correlate_valid(image, kernel[::-1, ::-1]),
            "the output is transposed: out[r, c] belongs to row r and column c of the image. "
            "Hint: fill out[r, c], not out[c, r].": right.T,
            "the kernel is transposed: multiply by kernel[i, j], with i the row and j the "
            "column.": _correlate_valid(image, kernel.T) if kh == kw else np.zeros(0),
            "you summed the patches without multiplying by the kernel: each pixel is weighted "
            "by the kernel entry on top of it, image[r + i, c + j] * kernel[i, j].":
                _correlate_valid(image, np.ones_like(kernel)),
        }, n_terms=kh * kw, scale=np.max(terms))
        if mistake:
            raise LearnerError(f"{mistake} (case: image {image.shape}, kernel {kernel.shape})")

    def cases():
        rng = np.random.default_rng(8)
        one_case(rng.integers(0, 10, (6, 8)).astype(float), np.array([[1.0, 2.0, 0.0],
                                                                       [-1.0, 0.5, 3.0]]))
        one_case(rng.standard_normal((5, 8)), rng.standard_normal((3, 3)))

    return run_check(cases, "Right: the kernel slides over every position where it fits and "
                            "each output is the sum of the products, as in Conv2D.")


def check_max_pool(fn):
    """Exercise in 08_convolution: ``fn(x) -> out``, 2x2 max pooling with stride 2.

    x: (H, W) with H and W even -> out: (H // 2, W // 2), ``out[r, c]`` the largest of the four
    numbers ``x[2r:2r + 2, 2c:2c + 2]``. The cases are not square, so a transposed answer and
    blocks taken in the wrong order are told apart.
    """
    def one_case(x):
        H, W = x.shape
        out = as_result_array(call_learner(fn, x))
        blocks = x.reshape(H // 2, 2, W // 2, 2)
        right = blocks.max(axis=(1, 3))
        if out.shape == (H - 1, W - 1):
            raise LearnerError(
                f"your output has shape {out.shape}: the windows overlap (stride 1). With "
                f"stride 2 they touch without overlapping, giving {right.shape}. Hint: the "
                f"window at (r, c) is x[2*r:2*r + 2, 2*c:2*c + 2]."
            )
        mistake = diagnose(out, right, {
            "you took the average of each window (average pooling); max pooling keeps the "
            "largest value, .max().": blocks.mean(axis=(1, 3)),
            "you took the smallest value of each window; max pooling keeps the largest, "
            ".max().": blocks.min(axis=(1, 3)),
            "the windows are not 2x2 blocks of neighbours: x.reshape(H // 2, W // 2, 2, 2) "
            "mixes rows and columns. Hint: x.reshape(H // 2, 2, W // 2, 2).max(axis=(1, 3)), "
            "or loop over the windows.": x.reshape(H // 2, W // 2, 2, 2).max(axis=(2, 3)),
            "your windows take pixels that are H // 2 apart instead of neighbours. Hint: the "
            "window at (r, c) is x[2*r:2*r + 2, 2*c:2*c + 2].":
                x.reshape(2, H // 2, 2, W // 2).max(axis=(0, 2)),
            "only the rows were pooled: each window covers 2 rows AND 2 columns.":
                x.reshape(H // 2, 2, W).max(axis=1),
            "only the columns were pooled: each window covers 2 rows AND 2 columns.":
                x.reshape(H, W // 2, 2).max(axis=2),
            "the output is transposed: out[r, c] belongs to the window in rows 2r, 2r+1 and "
            "columns 2c, 2c+1.": right.T,
        })
        if mistake:
            raise LearnerError(f"{mistake} (case: x of shape {x.shape})")

    def cases():
        rng = np.random.default_rng(2)
        one_case(rng.integers(0, 20, (4, 6)).astype(float))
        one_case(rng.standard_normal((6, 8)))

    return run_check(cases, "Right: every 2x2 window is replaced by its largest value.")


# =================================================================================================
# 09_recurrent
# =================================================================================================


def _rnn_case(N: int, T: int, D: int, H: int, seed: int):
    """Random inputs and weights for the RNN checkers; W_hh far from symmetric."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D))
    W_xh = 0.6 * rng.standard_normal((D, H))
    W_hh = 0.5 * rng.standard_normal((H, H))
    b = 0.3 * rng.standard_normal(H)
    return x, W_xh, W_hh, b


def _rnn_unroll(x, W_xh, W_hh, b, carry=True):
    """Every hidden state h_1..h_T: (N, T, H). ``carry=False`` restarts from h_0 = 0 each step."""
    N, T, _ = x.shape
    h = np.zeros((N, W_hh.shape[0]))
    hs = np.zeros((N, T, W_hh.shape[0]))
    for t in range(T):
        h_new = np.tanh(x[:, t] @ W_xh + h @ W_hh + b)
        hs[:, t] = h_new
        if carry:
            h = h_new
    return hs


def check_rnn_step(fn):
    """Exercise in 09_recurrent: ``fn(x_t, h_prev, W_xh, W_hh, b) -> h_t``, one step of an RNN.

    x_t: (N, D), h_prev: (N, H), W_xh: (D, H), W_hh: (H, H), b: (H,) -> h_t: (N, H) with
    ``h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b)``. D != H and N differs from both, so every
    misplaced matrix shows in the shape or the values.
    """
    def one_case(N, D, H, seed):
        x, W_xh, W_hh, b = _rnn_case(N, 1, D, H, seed)
        x_t = x[:, 0]
        h_prev = np.tanh(np.random.default_rng(seed + 1).standard_normal((N, H)))
        out = as_result_array(call_learner(fn, x_t, h_prev, W_xh, W_hh, b))
        a = x_t @ W_xh + h_prev @ W_hh + b
        right = np.tanh(a)
        # tanh's slope is at most 1: h_t is off by no more than a, a sum of D + H + 1 terms
        terms = np.abs(x_t) @ np.abs(W_xh) + np.abs(h_prev) @ np.abs(W_hh) + np.abs(b)
        mistake = diagnose(out, right, {
            "forgot the recurrent term: the new state also depends on the previous one, "
            "add h_prev @ W_hh.": np.tanh(x_t @ W_xh + b),
            "forgot the input: add x_t @ W_xh.": np.tanh(h_prev @ W_hh + b),
            "forgot the tanh: h_t = np.tanh(x_t @ W_xh + h_prev @ W_hh + b).": a,
            "W_hh is transposed: with samples as rows the previous state enters as "
            "h_prev @ W_hh (not W_hh.T, or W_hh @ h_prev.T).":
                np.tanh(x_t @ W_xh + h_prev @ W_hh.T + b),
            "forgot the bias b inside the tanh.": np.tanh(x_t @ W_xh + h_prev @ W_hh),
            "the bias is added after the tanh; it belongs inside: "
            "np.tanh(x_t @ W_xh + h_prev @ W_hh + b).": np.tanh(x_t @ W_xh + h_prev @ W_hh) + b,
            "used the sigmoid: this RNN's cell squashes with tanh, np.tanh(...).":
                1 / (1 + np.exp(-a)),
            "returned the previous state h_prev: compute and return the new state h_t.": h_prev,
        }, n_terms=D + H + 1, scale=np.max(terms))
        if mistake:
            raise LearnerError(f"{mistake} (case: N={N}, D={D}, H={H})")

    def cases():
        one_case(3, 2, 4, seed=0)
        one_case(5, 3, 2, seed=1)

    return run_check(cases, "Right: h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b).")


def check_rnn_forward(fn):
    """Exercise in 09_recurrent: ``fn(x, W_xh, W_hh, b) -> hs``, every hidden state of an RNN.

    x: (N, T, D) -> hs: (N, T, H), ``hs[:, t]`` the state after reading step t (h_1 .. h_T;
    h_0 = 0 is not included), each ``h_t = tanh(x_t @ W_xh + h_{t-1} @ W_hh + b)``.
    """
    def one_case(N, T, D, H, seed):
        x, W_xh, W_hh, b = _rnn_case(N, T, D, H, seed)
        out = as_result_array(call_learner(fn, x, W_xh, W_hh, b))
        right = _rnn_unroll(x, W_xh, W_hh, b)
        zeros = np.zeros((N, 1, H))
        # Each step adds D + H + 1 terms (|h| <= 1) and carries the earlier steps' rounding
        # through W_hh and tanh (slope <= 1): over T steps, at most T times as many.
        step_terms = np.max(np.abs(x) @ np.abs(W_xh) + np.abs(W_hh).sum(axis=0) + np.abs(b))
        tol = {"n_terms": T * (D + H + 1),
               "scale": step_terms * max(1.0, float(np.abs(W_hh).sum(axis=0).max()))}
        if out.shape == (N, T + 1, H):
            if agrees(out[:, 1:], right, **tol) and agrees(out[:, 0], 0 * right[:, 0], **tol):
                raise LearnerError(
                    f"off by one: your output starts with h_0 = 0, shape (N, T + 1, H) = "
                    f"{out.shape}. Return only the T states after each step, h_1 .. h_T, "
                    f"shape {right.shape}. (case: N={N}, T={T}, D={D}, H={H})"
                )
        if out.shape == (N, H) and agrees(out, right[:, -1], **tol):
            raise LearnerError(
                f"you returned only the last state h_T, shape {out.shape}. Keep every one: "
                f"hs[:, t] = h after step t, shape (N, T, H) = {right.shape}."
            )
        mistake = diagnose(out, right, {
            "the state is not carried forward: every step started again from h_0 = 0. After "
            "each step set h = h_t, so the next step uses it.":
                _rnn_unroll(x, W_xh, W_hh, b, carry=False),
            "off by one: your hs[:, t] is the state BEFORE step t (h_0 .. h_{T-1}). Store the "
            "new state after computing it, so hs[:, t] = h_t for t = 1 .. T.":
                np.concatenate([zeros, right[:, :-1]], axis=1),
            "time and batch axes are swapped: return (N, T, H), with the time steps on axis 1 "
            "(hs[:, t] = h_t), e.g. np.stack(states, axis=1).": right.transpose(1, 0, 2),
            "every entry holds the last state: store a copy of h at each step (hs[:, t] = h), "
            "not a reference to one array that keeps changing.":
                np.repeat(right[:, -1:], T, axis=1),
        }, **tol)
        if mistake:
            raise LearnerError(f"{mistake} (case: N={N}, T={T}, D={D}, H={H})")

    def cases():
        one_case(2, 5, 3, 4, seed=3)
        one_case(4, 3, 1, 2, seed=4)

    return run_check(cases, "Right: every hidden state h_1 .. h_T, each built from the input "
                            "at its step and the state before it.")


def check_clip_by_global_norm(fn):
    """Exercise in 09_recurrent: ``fn(grads, max_norm) -> clipped``, gradient clipping.

    grads: a list of arrays of any shapes -> a list of arrays of the same shapes. With the
    global norm ``n = sqrt(sum over every array of sum(g**2))``, every array is multiplied by
    ``max_norm / n`` if ``n > max_norm`` and left as it is otherwise (the rule of the
    optimizers' ``clip_norm``). The inputs must not be changed in place.
    """
    def one_case(grads, max_norm):
        copies = [g.copy() for g in grads]
        result = call_learner(fn, copies, max_norm)
        if result is None:
            raise LearnerError("your function returned None. Hint: did you forget the "
                               "`return` statement?")
        result = list(result)
        if len(result) != len(grads):
            raise LearnerError(
                f"expected a list of {len(grads)} arrays (one per gradient), received "
                f"{len(result)} items."
            )
        out = [as_result_array(r) for r in result]
        for o, g in zip(out, grads, strict=True):
            if o.shape != g.shape:
                raise LearnerError(f"wrong shape: expected {g.shape}, received {o.shape}; "
                                   f"each clipped gradient keeps its array's shape.")
        norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
        scale = min(1.0, max_norm / norm)
        right = [g * scale for g in grads]
        each = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]
        squared = norm ** 2
        flat_out = np.concatenate([o.ravel() for o in out])
        candidates = {
            "each array was clipped on its own: the norm is GLOBAL, one number for all the "
            "gradients together, n = sqrt(sum of g**2 over every array), and every array is "
            "scaled by the same factor max_norm / n.": each,
            "the gradients were rescaled although their norm is below max_norm: clip only "
            "when n > max_norm, otherwise return them unchanged.": [g * max_norm / norm
                                                                    for g in grads],
            "each number was cut to [-max_norm, max_norm] (np.clip): that changes the "
            "direction. Clipping by norm multiplies every gradient by max_norm / n, keeping "
            "the direction.": [np.clip(g, -max_norm, max_norm) for g in grads],
            "the norm is missing its square root: n = sqrt(sum of g**2), not the sum "
            "itself.": [g * min(1.0, max_norm / squared) for g in grads],
            "the gradients were divided by the norm but not multiplied by max_norm: the "
            "clipped norm must equal max_norm.": [g / norm if norm > max_norm else g
                                                  for g in grads],
        }
        flat_right = np.concatenate([r.ravel() for r in right])
        # the norm adds up the squares of every number; each value is one product with it
        mistake = diagnose(flat_out, flat_right, {
            hint: np.concatenate([w.ravel() for w in wrong])
            for hint, wrong in candidates.items()
        }, n_terms=flat_right.size + 1)
        if mistake:
            raise LearnerError(f"{mistake} (case: global norm {norm:.3g}, max_norm "
                               f"{max_norm:g})")
        if any(not np.array_equal(c, g) for c, g in zip(copies, grads, strict=True)):
            raise LearnerError("the values are right, but your function changed the input "
                               "arrays in place. Return new arrays (g * scale), so the caller's "
                               "gradients stay as they were.")

    def cases():
        rng = np.random.default_rng(9)
        one_case([rng.standard_normal((3, 4)) * 2.0, rng.standard_normal(4) * 0.1], 1.0)
        one_case([np.array([[3.0, 0.0]]), np.array([4.0])], 10.0)
        one_case([np.array([0.3, -0.4]), np.array([[6.0, 0.0], [0.0, 8.0]])], 2.0)

    return run_check(cases, "Right: one global norm for all the gradients, and every array "
                            "scaled by max_norm / norm only when the norm is too large.")
