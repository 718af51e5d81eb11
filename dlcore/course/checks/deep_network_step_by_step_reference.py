"""The classic program of 08_deep_network_step_by_step, as the course writes it, and what its
checkers share.

The reference versions of the ten functions (float64, the column form: ``W`` of shape
``(n_l, n_{l-1})``, ``Z = W @ A + b``, one sample per column) and the pieces every checker of
that notebook uses: the safe call that turns a shape error into a hint, the comparison with
``dlcore.tolerance``. The checkers are in ``deep_network_step_by_step.py`` (forward) and
``deep_network_step_by_step_backward.py`` (backward, update, predict).
"""

from __future__ import annotations

import copy

import numpy as np

from dlcore.course.checks.common import (
    LearnerError,
    as_result_array,
    call_learner,
    diagnose,
)
from dlcore.tolerance import tolerance

# =================================================================================================
# The reference program (float64, the column form)
# =================================================================================================


def _sigmoid(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def _relu(Z):
    return np.maximum(Z, 0)


def _initialize(layer_dims, seed, scale=lambda n_prev: 0.01, reseed=False):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        if reseed:  # a new Generator for every layer: a slip the checker recognises
            rng = np.random.default_rng(seed)
        shape = (layer_dims[l], layer_dims[l - 1])
        parameters[f"W{l}"] = rng.standard_normal(shape) * scale(layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


def _forward(X, parameters, hidden=_relu, output=_sigmoid, bias=True):
    """AL and the classic caches [((A_prev, W, b), Z), ...]; hidden/output: the activations."""
    L = len(parameters) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + (b if bias else 0)
        caches.append(((A, W, b), Z))
        A = (output if l == L else hidden)(Z)
    return A, caches


def _cost(AL, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)


def _linear_backward(dZ, cache):
    A_prev, W, _b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m


def _dZ(dA, Z, activation):
    if activation == "sigmoid":
        s = _sigmoid(Z)
        return dA * s * (1 - s)
    return dA * (Z > 0)


def _backward(AL, Y, caches, dAL=None, hidden="relu", output="sigmoid"):
    L = len(caches)
    dA = -(Y / AL - (1 - Y) / (1 - AL)) if dAL is None else dAL
    grads = {}
    for l in range(L, 0, -1):
        linear_cache, Z = caches[l - 1]
        dZ = dA if (output if l == L else hidden) is None else _dZ(
            dA, Z, output if l == L else hidden)
        dA, grads[f"dW{l}"], grads[f"db{l}"] = _linear_backward(dZ, linear_cache)
        grads[f"dA{l - 1}"] = dA
    return grads


def _update(parameters, grads, learning_rate):
    return {key: value - learning_rate * grads["d" + key] for key, value in parameters.items()}


def _predict(X, parameters):
    AL, _ = _forward(X, parameters)
    return (AL > 0.5).astype(int)


def _named(name, fn):
    """``fn`` under the learner's function name, marked as the course's own version."""
    def reference(*args, **kwargs):
        return fn(*args, **kwargs)
    reference.__name__ = reference.__qualname__ = name
    reference.course_reference = True
    return reference


REFERENCE = {name: _named(name, fn) for name, fn in {
    "initialize_parameters_deep": lambda layer_dims, seed=None: _initialize(layer_dims, seed),
    "linear_forward": lambda A, W, b: (W @ A + b, (A, W, b)),
    "linear_activation_forward": lambda A_prev, W, b, activation: (
        (_sigmoid if activation == "sigmoid" else _relu)(W @ A_prev + b),
        ((A_prev, W, b), W @ A_prev + b)),
    "L_model_forward": lambda X, parameters: _forward(X, parameters),
    "compute_cost": _cost,
    "linear_backward": _linear_backward,
    "linear_activation_backward": lambda dA, cache, activation: _linear_backward(
        _dZ(dA, cache[1], activation), cache[0]),
    "L_model_backward": lambda AL, Y, caches: _backward(AL, Y, caches),
    "update_parameters": _update,
    "predict": _predict,
}.items()}
"""The course's own version of each function, by name (``finished_or_reference`` uses them)."""

# =================================================================================================
# Shared pieces of the checkers
# =================================================================================================

_PRODUCT = "the shapes of a matrix product do not fit."
_ELEMENTWISE = "two arrays whose shapes do not fit were combined element by element."


def _call(fn, *args, product_hint: str = "", extra: dict | None = None):
    """call_learner on deep copies; a shape error or a missing key becomes a hint."""
    args = copy.deepcopy(args)
    try:
        return call_learner(fn, *args)
    except LearnerError as err:
        text = str(err)
        shapes = "ValueError" in text and product_hint
        if shapes and ("matmul" in text or "not aligned" in text):
            raise LearnerError(f"{text} {_PRODUCT.capitalize()} Hint: {product_hint}") from None
        if shapes and "could not be broadcast" in text:
            raise LearnerError(f"{text} {_ELEMENTWISE.capitalize()} Hint: {product_hint}") from None
        for kind, hint in (extra or {}).items():
            if kind in text:
                raise LearnerError(f"{text} Hint: {hint}") from None
        raise


def _shape(x):
    """The shape of ``x`` as an array, or None if it is no array of numbers."""
    try:
        return np.shape(x)
    except ValueError:  # a ragged list
        return None


def _array(out, what: str) -> tuple[np.ndarray, np.dtype]:
    """The learner's output as a float64 array, and the float dtype it was computed in."""
    array = as_result_array(out, what)  # raises the verdict for None or no numbers
    dtype = np.asarray(out).dtype
    return array, (dtype if dtype.kind == "f" else np.dtype(np.float64))


def _compare(out, dtype, expected, mistakes: dict, *, n_terms: int, scale: float) -> str | None:
    """``diagnose`` with the tolerance of ``n_terms``-term sums in ``dtype`` (dlcore.tolerance).

    ``scale`` is the size of the terms added; the allowed difference is
    ``tolerance(dtype, n_terms) * scale``, the same as ``dlcore.tolerance.close``.
    """
    atol = tolerance(dtype, n_terms) * max(float(scale), 1e-30)
    return diagnose(out, expected, mistakes, atol=atol, rtol=0)


def _size(*arrays) -> float:
    """The size of the terms: the largest absolute value among ``arrays``."""
    return max(float(np.max(np.abs(a))) for a in arrays)


def _pair_or_triple(result, names: str, what_back: str):
    """Check that the learner returned a tuple/list of ``len(names.split(', '))`` things."""
    count = len(names.split(", "))
    if result is None:
        raise LearnerError(f"your function returned None. Hint: end with `return {names}`.")
    if not isinstance(result, (tuple, list)) or len(result) != count:
        length = f" of length {len(result)}" if hasattr(result, "__len__") else ""
        raise LearnerError(f"expected {what_back}, received {type(result).__name__}{length}. "
                           f"Hint: `return {names}`.")
    return result


_KEYS_HINT = ("parameters holds W1, b1, ..., WL, bL: L = len(parameters) // 2 layers, numbered "
              "from 1; check the range of your loop and the keys ('W' + str(l)).")

