"""The input checks of the whole library, and the one rule for their exceptions.

Every dlcore function checks what it is given at the boundary (a layer's input, a loss's
targets, a constructor's arguments) and refuses a mistake *before* any work is done, with a
message in three parts::

    Dense(64 -> 10): expected input of shape (N, 64), received array of shape (32, 100),
    dtype float32. Hint: the layer before gives 100 features per sample; ...

    <where>: expected <what was expected>, received <what was received>. Hint: <what to try>.

The exception type says which kind of mistake it is, the same everywhere:

- ``TypeError``: the wrong *kind* of thing (a string or a float where an integer size is
  expected, a class where an instance is expected, an array of strings);
- ``ValueError``: the right kind with a wrong *value* (a size of 0, a learning rate of -1, an
  array of the wrong shape, a NaN, a file that describes something impossible);
- ``RuntimeError``: a call made in the wrong order (``backward`` before ``forward``).

The checks live here, in one place, so that a layer's ``forward`` can show its maths first and
leave the checking to a one-line call. Introduced with the layers in
``notebooks/02_architecture.ipynb``; every notebook meets these messages when something is off.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "describe",
    "message",
    "as_float_array",
    "positive_int",
    "positive_number",
    "non_negative_number",
    "fraction",
    "boolean",
    "finite",
    "NotFiniteError",
    "float_dtype",
    "shape_tuple",
    "output_gradient",
    "table_size",
]


class NotFiniteError(ValueError):
    """A NaN or an infinity where finite numbers are expected: a ``ValueError`` like any wrong
    value, with a name of its own so that ``fit`` can tell a diverging model from bad data."""


def describe(x) -> str:
    """A short description of ``x`` for a message: ``array of shape (32, 10), dtype float32``."""
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape}, dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


def message(where: str, expected: str, received: str, hint: str = "") -> str:
    """``"<where>: expected <expected>, received <received>. Hint: <hint>"``, the one format."""
    text = f"{where}: expected {expected}, received {received}."
    if hint:
        text += f" Hint: {hint}"
    return text


def _is_integer(value) -> bool:
    # True is an int to Python, but never the size someone meant
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def as_float_array(x, name: str, where: str) -> np.ndarray:
    """``x`` as a floating-point NumPy array; ``TypeError`` if it does not hold numbers.

    Integer and boolean arrays become float32 (the training dtype); float arrays keep their
    dtype, so a float64 gradient check stays float64. No copy is made when none is needed.
    """
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy gives many different errors here
        raise TypeError(message(where, f"{name} to be a NumPy array of numbers",
                                describe(x))) from exc
    if arr.dtype.kind in "iub":
        return arr.astype(np.float32)
    if arr.dtype.kind != "f":
        raise TypeError(message(
            where, f"{name} to be an array of numbers (float32 for training)", describe(arr),
            "encode strings or objects as numbers first, e.g. with dlcore.data.LabelEncoder.",
        ))
    return arr


def positive_int(value, name: str, where: str, hint: str = "") -> int:
    """``value`` as an ``int`` >= 1 (a size, a count of epochs): TypeError / ValueError otherwise.

    ``2.5``, ``"3"`` and ``True`` are the wrong kind (TypeError); ``0`` and ``-1`` the wrong
    value (ValueError).
    """
    expected = f"{name} to be a positive integer"
    if not _is_integer(value):
        raise TypeError(message(where, expected, f"{type(value).__name__} {value!r}", hint))
    if value < 1:
        raise ValueError(message(where, expected, repr(value), hint))
    return int(value)


def positive_number(value, name: str, where: str, hint: str = "") -> float:
    """``value`` as a finite ``float`` > 0 (a learning rate, an epsilon)."""
    expected = f"{name} to be a finite number > 0"
    if not _is_real(value):
        raise TypeError(message(where, expected, f"{type(value).__name__} {value!r}", hint))
    if not (math.isfinite(value) and value > 0):
        raise ValueError(message(where, expected, repr(value), hint))
    return float(value)


def non_negative_number(value, name: str, where: str, hint: str = "") -> float:
    """``value`` as a finite ``float`` >= 0 (a weight decay, a tolerance of improvement)."""
    expected = f"{name} to be a number >= 0"
    if not _is_real(value):
        raise TypeError(message(where, expected, f"{type(value).__name__} {value!r}", hint))
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(message(where, expected, repr(value), hint))
    return float(value)


def fraction(value, name: str, where: str, hint: str = "") -> float:
    """``value`` as a ``float`` in [0, 1): a share that is dropped, or of the past that is kept."""
    expected = f"{name} to be a number in [0, 1)"
    if not _is_real(value):
        raise TypeError(message(where, expected, f"{type(value).__name__} {value!r}", hint))
    if not (0.0 <= value < 1.0):
        raise ValueError(message(where, expected, repr(value), hint))
    return float(value)


def boolean(value, name: str, where: str) -> bool:
    """``value`` as a ``bool``; anything but True/False (``"yes"``, ``1``) is a TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(message(where, f"{name} to be True or False",
                                f"{type(value).__name__} {value!r}"))
    return bool(value)


def finite(a: np.ndarray, name: str, where: str, hint: str) -> None:
    """``NotFiniteError`` (a ValueError) if the float array ``a`` holds a NaN or an infinity.

    One pass over ``a`` clears the usual, clean case: a NaN or an infinity anywhere makes the
    sum NaN or infinite. Only then is every entry examined (``np.isfinite(a)`` alone would
    first build a boolean array as large as ``a``: 45 MiB for the 60 000 MNIST images).
    """
    if a.dtype.kind != "f":
        return
    with np.errstate(over="ignore", invalid="ignore"):
        if math.isfinite(a.sum()):
            return
    bad = ~np.isfinite(a)
    if not bad.any():  # finite numbers so large that their sum overflowed
        return
    n_nan = int(np.count_nonzero(np.isnan(a)))
    n_inf = int(np.count_nonzero(bad)) - n_nan
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    raise NotFiniteError(message(
        where, f"{name} to hold finite numbers",
        f"{describe(a)} with {n_nan} NaN and {n_inf} infinite values (the first at index "
        f"{first})", hint,
    ))


def float_dtype(dtype, where: str, name: str = "dtype") -> np.dtype:
    """``dtype`` as a NumPy float dtype (float16, float32 or float64); TypeError otherwise.

    An integer dtype would silently round every starting weight to 0, and a string that names
    no dtype would fail deep inside NumPy: both are refused here, at the call.
    """
    hint = "np.float32 to train, np.float64 for gradient checks."
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(message(where, f"{name} to be a float dtype such as np.float32",
                                f"{type(dtype).__name__} {dtype!r}", hint)) from exc
    if dt.kind != "f" or dtype is None:
        raise TypeError(message(where, f"{name} to be a float dtype such as np.float32",
                                "None" if dtype is None else f"dtype {dt.name}", hint))
    return dt


def shape_tuple(shape, name: str, where: str, hint: str = "") -> tuple:
    """``shape`` as a tuple of sizes (each an int >= 1, or None for "unknown").

    ``5`` (a number, not a shape), ``"64"`` and ``(8, 2.5)`` are TypeErrors; ``(0, 3)`` a
    ValueError.
    """
    expected = f"{name} to be a tuple of sizes such as (64,) or (1, 28, 28)"
    if not isinstance(shape, (tuple, list)):
        raise TypeError(message(where, expected, f"{type(shape).__name__} {shape!r}", hint))
    for s in shape:
        if s is not None and not _is_integer(s):
            raise TypeError(message(where, expected, f"{shape!r}, which holds "
                                    f"{type(s).__name__} {s!r}", hint))
        if s is not None and s < 1:
            raise ValueError(message(where, expected + " (every size >= 1)", repr(shape), hint))
    return tuple(None if s is None else int(s) for s in shape)


def output_gradient(dout, output_shape, where: str) -> np.ndarray:
    """``dout`` (dL/d(output)) checked at the start of a layer's ``backward``.

    ``output_shape`` is the shape of the output the last ``forward`` returned, or None if
    ``forward`` has not run: then there is nothing to differentiate (RuntimeError). ``dout``
    must have exactly the output's shape (ValueError): broadcasting a gradient of another shape
    would give a wrong gradient, or NumPy's error from deep inside the layer.
    """
    if output_shape is None:
        raise RuntimeError(message(
            where, "forward(x) to have run first", "backward(dout) with no forward pass",
            "back propagation goes through the values the forward pass kept: call "
            "y = layer.forward(x), then layer.backward(dout) with dout of y's shape.",
        ))
    dout = as_float_array(dout, "dout", where)
    if dout.shape != tuple(output_shape):
        raise ValueError(message(
            where, f"dout of the shape of the last output, {tuple(output_shape)}", describe(dout),
            "dout is dL/d(output): one number per number the forward pass returned; "
            "pass loss.backward() or the gradient of the layer after this one.",
        ))
    return dout


def table_size(n_numbers: int, itemsize: int, where: str, what: str, hint: str,
               limit_bytes: int = 2**31) -> None:
    """ValueError if a result of ``n_numbers`` numbers of ``itemsize`` bytes would exceed
    ``limit_bytes`` (2 GiB): asked for by a mistake (ids taken for class labels), such an array
    would exhaust the memory before anything could be said."""
    size = int(n_numbers) * int(itemsize)
    if size > limit_bytes:
        raise ValueError(message(
            where, f"a result of at most {limit_bytes / 2**30:g} GiB",
            f"{what}: {int(n_numbers):,} numbers, {size / 2**30:.1f} GiB", hint,
        ))
