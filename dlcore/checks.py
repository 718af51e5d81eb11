"""Exercise checkers: run a learner's function on cases of their own and give a verdict.

Every exercise in the notebooks is followed by a cell such as ``check_one_hot(one_hot)``. The
checker calls the learner's function on a few cases, compares with the reference answer and prints
either ``✅`` or ``❌`` followed by the *likely mistake* (wrong shape, transposed weights, forgot
the bias, missing 1/m, wrong sign, wrong axis, ...) and a hint, never just "wrong".

How a checker finds the likely mistake: besides the right answer it computes the answers that
typical mistakes would give (for example ``W @ x`` instead of ``x @ W``, or a sum instead of a
mean) and says which one the learner's output matches.

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


def diagnose(out: np.ndarray, expected: np.ndarray, mistakes: dict[str, np.ndarray],
             atol: float = 1e-6, rtol: float = 1e-5) -> str | None:
    """Compare ``out`` with ``expected``; return None if right, else the likely mistake.

    ``mistakes`` maps a hint (what the learner probably did and how to fix it) to the answer that
    mistake would give. A wrong shape is reported first, since nothing else can be compared.
    """
    expected = np.asarray(expected, dtype=float)
    for hint, wrong in mistakes.items():
        wrong = np.asarray(wrong, dtype=float)
        if wrong.shape == out.shape and np.allclose(out, wrong, atol=atol, rtol=rtol):
            same_as_right = wrong.shape == expected.shape and np.allclose(
                wrong, expected, atol=atol, rtol=rtol
            )
            if not same_as_right:
                return hint
    if out.shape != expected.shape:
        if out.shape == expected.shape[::-1] and out.ndim == 2:
            return (f"wrong shape: expected {expected.shape}, received {out.shape}, which is the "
                    f"transpose. Hint: samples are rows; check the order in your matrix product "
                    f"or a missing/extra .T.")
        return f"wrong shape: expected {expected.shape}, received {out.shape}."
    if np.allclose(out, expected, atol=atol, rtol=rtol):
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


# =================================================================================================
# 02_architecture
# =================================================================================================


# =================================================================================================
# 03_loss
# =================================================================================================


# =================================================================================================
# 04_forward_propagation
# =================================================================================================


# =================================================================================================
# 05_back_propagation
# =================================================================================================


# =================================================================================================
# 06_optimizer
# =================================================================================================


# =================================================================================================
# 07_training_loop
# =================================================================================================


# =================================================================================================
# 08_convolution
# =================================================================================================


# =================================================================================================
# 09_recurrent
# =================================================================================================
