"""Exercise checkers: run a learner's function on cases of their own and give a verdict.

Every exercise in the notebooks is followed by a cell such as ``check_one_hot(one_hot)``. The
checker calls the learner's function on a few cases, compares with the reference answer and prints
either ``✅`` or ``❌`` followed by the *likely mistake* (wrong shape, transposed weights, forgot
the bias, missing 1/m, wrong sign, wrong axis, ...) and a hint, never just "wrong".

How a checker finds the likely mistake: besides the right answer it computes the answers that
typical mistakes would give (for example ``W @ x`` instead of ``x @ W``, or a sum instead of a
mean) and says which one the learner's output matches. A mistake that makes the function crash
instead, such as ``X @ W.T`` with non-square W, is explained by ``call_learner``: given the
exercise's names and products (``Inputs``), it names the product that did not fit, with the
shapes multiplied, the product expected, and the change to make (drop a .T, add one, swap the
order). A checker chooses non-square cases so that a transposed matrix raises rather than
silently giving a wrong value of the right shape, or names that value among its mistakes.
``call_learner`` also fails a function that changes an input the exercise asks to keep.

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

import contextlib
import io
import json
import os
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass(frozen=True)
class Inputs:
    """What a checker tells :func:`call_learner` about the arguments, to explain a failure.

    names : the exercise's names of the positional arguments, in order: ``("X", "W", "b")``.
    products : the matrix products of the right answer, in those names: ``("X @ W",)``,
        ``("dZ @ W.T", "X.T @ dZ")``. A name that is no argument (``A1``) has its shape in
        ``shapes``.
    returns : what the function returns, with its shape, for the message: ``"Z of shape (5, 4)"``.
    shapes : the shapes of the intermediates named in ``products``.
    unchanged : set when the exercise asks to leave the inputs as they were: the hint shown when
        the function changes one of them in place.
    """

    names: tuple[str, ...]
    products: tuple[str, ...] = ()
    returns: str = ""
    shapes: dict = field(default_factory=dict)
    unchanged: str | None = None


def call_learner(fn: Callable, *args, inputs: Inputs | None = None, **kwargs):
    """Call the learner's function on copies of the inputs; turn a crash into a friendly message.

    Copies protect the checker's own cases from a function that changes its inputs in place.
    With ``inputs`` (see :class:`Inputs`), a product or a sum whose shapes do not fit is
    explained with the exercise's names and shapes, and a function that changed an input it
    should leave alone fails.
    """
    if not callable(fn):
        raise LearnerError(
            f"expected a function, received {type(fn).__name__}. Hint: pass the function itself, "
            f"without calling it: check_x(my_function), not check_x(my_function())."
        )
    given = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    try:
        out = fn(*given, **kwargs)
    except NotImplementedError:
        raise LearnerError(
            "your function still raises NotImplementedError. Replace the line "
            "`raise NotImplementedError` with your code."
        ) from None
    except Exception as exc:  # the learner's code may raise anything
        where = _learner_line(exc)
        explained = _explain_shape_error(fn, args, kwargs, inputs, exc)
        if explained:
            raise LearnerError(f"your function raised {type(exc).__name__} ({where}): "
                               f"{explained}") from None
        raise LearnerError(
            f"your function raised {type(exc).__name__}: {exc} ({where})."
        ) from None
    if inputs is not None and inputs.unchanged is not None:
        changed = [name for name, a, b in zip(inputs.names, args, given, strict=False)
                   if isinstance(a, np.ndarray) and not np.array_equal(a, b, equal_nan=True)]
        if changed:
            names = " and ".join(changed)
            raise LearnerError(
                f"your function changed {names} in place (for example with `{changed[0]} -= ...`, "
                f"`{changed[0]} /= ...` or `{changed[0]}[...] = ...`): expected the "
                f"input{'s' if len(changed) > 1 else ''} to stay as given, since the caller "
                f"still needs {'them' if len(changed) > 1 else 'it'}. Hint: {inputs.unchanged}"
            )
    return out


def _learner_line(exc: Exception) -> str:
    """``line N: `code` `` of the last frame outside NumPy, where the learner's code failed."""
    frames = traceback.extract_tb(exc.__traceback__)
    inside_numpy = str(Path(np.__file__).parent)
    outside = [f for f in frames if not f.filename.startswith(inside_numpy)] or frames
    last = outside[-1]
    return f"line {last.lineno}: `{(last.line or '').strip()}`"


# --- explaining a shape error raised inside the learner's function ---------------------------
#
# NumPy's own message ("matmul: Input operand 1 has a mismatch in its core dimension 0 ...")
# names neither the arrays nor their shapes. When the learner's function raises such an error,
# it is run once more on inputs that remember their names (``_Named``, a view of each input):
# the failing product or sum is then known by its operands' names and shapes ("X (5, 3) @ W.T
# (4, 3)"), and compared with the products of the right answer (``Inputs.products``) to say
# what to change. The first run's result is never replaced: the second run only explains it.

_SHAPE_WORDS = ("matmul", "not aligned", "broadcast")


class _Named(np.ndarray):
    """An input array that knows its name in the exercise, and ``W.T`` as the transpose of W.

    Every operation on it computes on plain arrays (the results are plain arrays); one that
    raises a ValueError is written down in ``_NAMED_FAILURES`` with its operands.
    """

    name: str | None = None

    def __array_finalize__(self, obj):
        # a copy, a cast or a view of the whole array keeps the name; a slice or reshape is nameless
        same = isinstance(obj, np.ndarray) and self.shape == obj.shape
        self.name = getattr(obj, "name", None) if same else None

    def _transposed(self, out):
        if isinstance(out, _Named) and self.name and self.ndim == 2 \
                and out.shape == self.shape[::-1] and out.strides == self.strides[::-1] \
                and (out.shape, out.strides) != (self.shape, self.strides):
            out.name = self.name[:-2] if self.name.endswith(".T") else self.name + ".T"
        return out

    @property
    def T(self):  # noqa: N802 - NumPy's name
        return self._transposed(super().T)

    def transpose(self, *axes):
        return self._transposed(super().transpose(*axes))

    def __array_ufunc__(self, ufunc, method, *operands, **kwargs):
        plain = [np.asarray(a) if isinstance(a, _Named) else a for a in operands]
        outs = kwargs.get("out")
        if outs:
            kwargs["out"] = tuple(np.asarray(a) if isinstance(a, _Named) else a for a in outs)
        try:
            result = getattr(ufunc, method)(*plain, **kwargs)
        except ValueError:
            _NAMED_FAILURES.append((ufunc.__name__, operands))
            raise
        if outs:
            return outs[0] if len(outs) == 1 else outs
        names = [getattr(a, "name", None) for a in operands]
        if ufunc is np.matmul and method == "__call__" and all(names):
            result = result.view(_Named)  # named too, should a sum with it fail next
            result.name = f"({names[0]} @ {names[1]})"
        return result

    def __array_function__(self, func, types, args, kwargs):
        try:
            return super().__array_function__(func, types, args, kwargs)
        except ValueError:
            _NAMED_FAILURES.append((func.__name__, args))
            raise

    def dot(self, other, out=None):
        return np.dot(self, other, out=out)


_NAMED_FAILURES: list = []


def _explain_shape_error(fn, args, kwargs, inputs: Inputs | None, exc: Exception) -> str | None:
    """Run ``fn`` again on named inputs and explain the product or sum that did not fit."""
    if inputs is None or not isinstance(exc, ValueError) \
            or not any(word in str(exc) for word in _SHAPE_WORDS):
        return None
    named = []
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray) and i < len(inputs.names):
            a = a.copy().view(_Named)
            a.name = inputs.names[i]
        elif isinstance(a, np.ndarray):
            a = a.copy()
        named.append(a)
    _NAMED_FAILURES.clear()
    try:  # quietly: what the function prints or warns was shown by the first run
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), \
                np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            fn(*named, **kwargs)
    except ValueError:
        pass
    except Exception:  # noqa: BLE001 - the second run went another way: keep NumPy's message
        return None
    if not _NAMED_FAILURES:
        return None
    op, operands = _NAMED_FAILURES[0]
    _NAMED_FAILURES.clear()
    arrays = [(getattr(a, "name", None), np.shape(a)) for a in operands
              if isinstance(a, (np.ndarray, list, tuple))]
    if op in ("matmul", "dot") and len(arrays) == 2:
        known = {name: np.shape(a) for name, a in zip(inputs.names, args, strict=False)}
        return _explain_product(*arrays, inputs, {**inputs.shapes, **known})
    if len(arrays) >= 2 and "broadcast" in str(exc):
        return _explain_broadcast(op, arrays, inputs)
    return None


def _describe(name, shape) -> str:
    return f"{name} {shape}" if name else f"an array of shape {shape}"


def _base(name: str) -> str:
    return name[:-2] if name.endswith(".T") else name


def _shape_of(name: str, known: dict) -> tuple | None:
    """The shape of ``W`` or ``W.T`` from the shapes of the names."""
    shape = known.get(_base(name))
    if shape is None:
        return None
    return tuple(shape)[::-1] if name.endswith(".T") else tuple(shape)


def _expected_products(inputs: Inputs) -> list[tuple[str, str]]:
    """``("X @ W",)`` -> ``[("X", "W")]``."""
    return [tuple(part.strip() for part in text.split("@")) for text in inputs.products]


def _explain_product(left, right, inputs: Inputs, known: dict) -> str:
    """Name a matrix product whose inner sizes differ, and the product the exercise expects.

    ``left`` and ``right`` are the operands' (name or None, shape); ``known`` maps every name
    the products use to its shape.
    """
    (la, sa), (lb, sb) = left, right
    rows = f"{sb[0]} entries" if len(sb) == 1 else f"{sb[-2]} rows"
    cols = f"{sa[-1]} entries" if len(sa) == 1 else f"{sa[-1]} columns"
    text = (f"the matrix product {_describe(la, sa)} @ {_describe(lb, sb)} does not fit: the "
            f"left has {cols}, the right {rows}, and these must be equal.")
    match = None
    for L, R in _expected_products(inputs):
        bases = {_base(L), _base(R)}
        if la and lb and {_base(la), _base(lb)} == bases:
            match = (L, R)
            break
        if match is None and ((la and _base(la) in bases) or (lb and _base(lb) in bases)):
            match = (L, R)
    if match is None:
        wanted = ", ".join(inputs.products)
        return (f"{text} Expected {inputs.returns}" + (f", from {wanted}" if wanted else "")
                + ". Hint: check the order of the product and every .T: in A @ B, A needs as "
                  "many columns as B has rows.")
    L, R = match
    sL, sR = _shape_of(L, known), _shape_of(R, known)
    if sL is not None and sR is not None:
        out = np.zeros(sL) @ np.zeros(sR)
        text += f" Expected {L} @ {R}: {sL} @ {sR} -> {out.shape}"
    else:
        text += f" Expected {L} @ {R}"
    text += f", for {inputs.returns}." if inputs.returns else "."
    tips = []
    if (la and _base(la) == _base(R) and _base(R) != _base(L)) or \
            (lb and _base(lb) == _base(L) and _base(R) != _base(L)):
        tips.append(f"swap the order of the product: {_base(L)} comes first")
    else:
        for got, want in ((la, L), (lb, R)):
            if not got or _base(got) != _base(want) or got == want:
                continue
            base, shape = _base(want), _shape_of(_base(want), known)
            if shape is None:
                continue
            if got.endswith(".T"):
                tips.append(f"{base} already has the shape {shape} the product needs: "
                            f"drop the .T")
            else:
                tips.append(f"transpose {base}: {base}.T has the shape {shape[::-1]} the "
                            f"product needs")
    if not tips:
        tips.append("check the order of the product and every .T")
    return f"{text} Hint: {'; '.join(tips)}; write {L} @ {R}."


def _explain_broadcast(op, arrays, inputs: Inputs) -> str:
    """Name an element-wise operation (or an einsum) whose operands' shapes do not line up."""
    described = " and ".join(_describe(name, shape) for name, shape in arrays)
    if op == "einsum":
        text = (f"np.einsum cannot line up {described}: a letter of the subscripts stands for "
                f"one size, the same in every operand.")
    else:
        text = (f"np.{op} of {described} cannot work element by element: NumPy lines the "
                f"shapes up from the right, and each pair of sizes must be equal or 1.")
    if inputs.returns:
        text += f" Expected {inputs.returns}"
        text += f", from {', '.join(inputs.products)}." if inputs.products else "."
    return (f"{text} Hint: look at the shape of each term on that line; a .T too many or a "
            f"product in the wrong order gives a term of the wrong shape.")


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


