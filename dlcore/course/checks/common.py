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

The checkers live in one module per notebook, beside this one. Each one is tested in
``tests/test_checks*.py``: it
passes the reference solution and fails typical wrong answers with the right hint.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlcore.tolerance import tolerance


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


#: When this environment variable names a file, every verdict is also appended to it as one JSON
#: line, ``{"passed": true, "message": "✅ ..."}``. ``tools/grade.py`` sets it while it runs a
#: student's notebook, so it reads the verdicts instead of parsing the printed text.
VERDICTS_FILE_VARIABLE = "DLCORE_VERDICTS_FILE"


def verdict(passed: bool, message: str) -> CheckResult:
    """Print ``✅ message`` or ``❌ message`` and return the ``CheckResult``."""
    text = ("✅ " if passed else "❌ ") + message
    print(text)
    path = os.environ.get(VERDICTS_FILE_VARIABLE)
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"passed": bool(passed), "message": text}) + "\n")
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


