"""Exercise checkers of ``notebooks/08_deep_network_step_by_step.ipynb``.

The notebook writes the program of the classic texts as ten NumPy functions, with one sample per
*column*: ``W`` of shape ``(n_l, n_{l-1})``, ``b`` of shape ``(n_l, 1)``, ``Z = W @ A + b``, and
the parameters in a dict ``{"W1": ..., "b1": ..., ...}``. Each ``check_<name>(fn)`` runs the
learner's function on cases of its own, compares with the reference answer and prints ``✅`` or
``❌`` with the likely mistake, like the course's other checkers (whose verdict, result object and
mistake matching, in ``common.py``, it reuses).

Floats are compared with ``dlcore.tolerance``: the allowed difference is the rounding of a sum of
``n_terms`` numbers of the precision the learner computed in, so a float32 answer passes and a
slip (a missing ``1/m``, a wrong sign, a transposed product) never does. A NumPy error from a
matrix product whose shapes do not fit becomes a hint about the transpose or the order of the
product, not a bare traceback.

``finished_or_reference`` lets the notebook train with the learner's functions once their checks
pass, and with the course's own until then, so that every cell runs either way.

This module holds the checkers of the first five functions (initialisation, the forward
functions, the cost); ``deep_network_step_by_step_backward.py`` the other five and
``finished_or_reference``; ``deep_network_step_by_step_reference.py`` the course's own program.
"""

from __future__ import annotations

import numpy as np

from dlcore.course.checks.common import (
    LearnerError,
    as_result_array,
    run_check,
)
from dlcore.tolerance import close

from .deep_network_step_by_step_reference import (
    _KEYS_HINT,
    _array,
    _call,
    _compare,
    _forward,
    _initialize,
    _pair_or_triple,
    _relu,
    _shape,
    _sigmoid,
    _size,
)

# =================================================================================================
# 1. initialize_parameters_deep
# =================================================================================================


def check_initialize_parameters_deep(fn):
    """``fn(layer_dims, seed) -> {"W1": (n_1, n_0), "b1": (n_1, 1), ...}``, the classic start.

    ``rng = np.random.default_rng(seed)``, then for l = 1, ..., L in order
    ``W{l} = rng.standard_normal((n_l, n_{l-1})) * 0.01`` and ``b{l} = np.zeros((n_l, 1))``.
    """
    def one_case(layer_dims, seed):
        out = _call(fn, list(layer_dims), seed)
        if out is None:
            raise LearnerError("your function returned None. Hint: end with `return parameters`.")
        if not isinstance(out, dict):
            raise LearnerError(f"expected a dict {{'W1': ..., 'b1': ...}}, received "
                               f"{type(out).__name__}.")
        L = len(layer_dims) - 1
        want = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
        if set(out) != want:
            missing, extra = sorted(want - set(out)), sorted(set(out) - want)
            raise LearnerError(
                f"for layer_dims={layer_dims} expected the keys {sorted(want)}; "
                f"{'missing ' + str(missing) if missing else ''}"
                f"{' ' if missing and extra else ''}{'extra ' + str(extra) if extra else ''}. "
                f"Hint: the input is layer 0 and has no weights; layers l = 1, ..., L with "
                f"L = len(layer_dims) - 1, so loop over range(1, len(layer_dims)).")
        right = _initialize(layer_dims, seed)
        for l in range(1, L + 1):
            W, _ = _array(out[f"W{l}"], f"W{l}")
            b, _ = _array(out[f"b{l}"], f"b{l}")
            n, n_prev = layer_dims[l], layer_dims[l - 1]
            if W.shape != (n, n_prev):
                flip = " (the transpose)" if W.shape == (n_prev, n) else ""
                raise LearnerError(
                    f"W{l} has shape {W.shape}{flip}, expected {(n, n_prev)}. Hint: in the column "
                    f"form W^[l] has one row per neuron, shape (n_l, n_(l-1)) = "
                    f"(layer_dims[l], layer_dims[l - 1]).")
            if b.shape != (n, 1):
                raise LearnerError(
                    f"b{l} has shape {b.shape}, expected {(n, 1)}. Hint: a column, "
                    f"np.zeros((layer_dims[l], 1)), added to every column (sample) of W @ A.")
            if np.any(b != 0):
                raise LearnerError(
                    f"b{l} is not zero. Hint: the biases start at zero, np.zeros((n_l, 1)); only "
                    f"the weights need random numbers, to make the neurons differ.")
        Ws = [_array(out[f"W{l}"], "W")[0] for l in range(1, L + 1)]
        spread = np.sqrt(np.mean(np.concatenate([W.ravel() ** 2 for W in Ws])))
        if spread > 0.3:
            he = _initialize(layer_dims, seed, scale=lambda n_prev: np.sqrt(2 / n_prev))
            if all(close(out[f"W{l}"], he[f"W{l}"]) for l in range(1, L + 1)):
                raise LearnerError("this is He's start, randn * sqrt(2 / n_(l-1)). Hint: this "
                                   "exercise asks for the classic start, randn * 0.01 (the end "
                                   "of the notebook shows when He is needed).")
            raise LearnerError(
                f"the weights are about {spread:.2g} in size, expected about 0.01. Hint: "
                f"forgot the * 0.01? W = rng.standard_normal((n_l, n_(l-1))) * 0.01.")
        if all(np.all(W >= 0) for W in Ws):
            raise LearnerError("every weight is positive. Hint: rng.random draws uniform numbers "
                               "in [0, 1); use rng.standard_normal (centred on 0) * 0.01.")
        again = _call(fn, list(layer_dims), seed)
        if any(not np.array_equal(again[f"W{l}"], Wl) for l, Wl in enumerate(Ws, 1)):
            raise LearnerError(
                "two calls with the same seed gave different weights. Hint: draw from "
                "rng = np.random.default_rng(seed), not from np.random.randn (global state).")
        other = _call(fn, list(layer_dims), seed + 1)
        if all(np.array_equal(other[f"W{l}"], Wl) for l, Wl in enumerate(Ws, 1)):
            raise LearnerError("another seed gave the same weights: the seed argument is "
                               "ignored. Hint: rng = np.random.default_rng(seed).")
        reseeded = _initialize(layer_dims, seed, reseed=True)
        for l in range(1, L + 1):
            if close(out[f"W{l}"], right[f"W{l}"]):   # float32 weights pass too
                continue
            if L > 1 and all(close(out[f"W{k}"], reseeded[f"W{k}"]) for k in range(1, L + 1)):
                raise LearnerError(
                    "you create a new Generator for every layer, so each layer starts the same "
                    "random numbers again. Hint: rng = np.random.default_rng(seed) once, before "
                    "the loop.")
            raise LearnerError(
                f"W{l} holds other random numbers than expected. Hint: rng = "
                f"np.random.default_rng(seed) once, then for l = 1, ..., L in order "
                f"W = rng.standard_normal((n_l, n_(l-1))) * 0.01 (draw nothing for b).")

    def cases():
        one_case([5, 4, 3, 1], 3)
        one_case([3, 2], 1)
    return run_check(cases, "Right: W^[l] = randn(n_l, n_(l-1)) * 0.01 from one seeded Generator, "
                            "b^[l] = zeros(n_l, 1).")


# =================================================================================================
# 2-4. The forward functions
# =================================================================================================

_LINEAR_PRODUCT = ("in the column form the weights come first and are not transposed: "
                   "Z = W @ A + b, (n_l, n_(l-1)) @ (n_(l-1), m) -> (n_l, m). A @ W or W.T @ A "
                   "is the rows-form habit (04_forward_propagation).")


def _linear_cache(cache, A, W, b, where: str, n_terms: int = 1):
    """The cache must be (A_prev, W, b), the three inputs, in that order."""
    if not isinstance(cache, (tuple, list)) or len(cache) != 3:
        raise LearnerError(f"{where}: expected the cache (A_prev, W, b), three arrays. Hint: "
                           f"linear_backward unpacks it as A_prev, W, b = cache.")
    for got, want, name in zip(cache, (A, W, b), ("A_prev", "W", "b"), strict=True):
        if _shape(got) != want.shape or not close(got, want, n_terms=n_terms,
                                                    scale=max(1.0, _size(want))):
            raise LearnerError(f"{where}: the cache should be (A_prev, W, b) in this order; its "
                               f"{name} is not the {name} that came in.")


def _Z_mistakes(A, W, b, right):
    mistakes = {
        "forgot the bias: Z = W @ A + b.": W @ A,
        "wrong sign of the bias: it is added, Z = W @ A + b.": W @ A - b,
        "you returned Z.T, the rows form (m, n_l): in the column form each *column* is one "
        "sample, Z = W @ A + b.": right.T,
    }
    if W.shape[0] == W.shape[1]:
        mistakes["W is transposed: Z = W @ A + b with W as it is, (n_l, n_(l-1)); W.T @ A is "
                 "the rows habit."] = W.T @ A + b
    if W.shape[0] == W.shape[1] == A.shape[1]:
        mistakes["wrong order: in the column form the weights come first, Z = W @ A + b "
                 "(A @ W is the rows habit)."] = A @ W + b
        mistakes["the bias was added along the rows (b.T or b.ravel()): b has shape (n_l, 1) "
                 "and is added to every column."] = W @ A + b.T
    return mistakes


def check_linear_forward(fn):
    """``fn(A, W, b) -> (Z, cache)``: ``Z = W @ A + b`` (n_l, m), ``cache = (A, W, b)``."""
    def cases():
        rng = np.random.default_rng(80)
        for n_prev, n, m in [(3, 4, 5), (3, 3, 3)]:
            A, W = rng.standard_normal((n_prev, m)), rng.standard_normal((n, n_prev))
            b = rng.standard_normal((n, 1))
            result = _pair_or_triple(_call(fn, A, W, b, product_hint=_LINEAR_PRODUCT),
                                     "Z, cache", "two things back, (Z, cache)")
            Z, dtype = _array(result[0], "Z (the first thing returned)")
            right = W @ A + b
            mistakes = _Z_mistakes(A, W, b, right)
            mistakes["you applied ReLU: linear_forward returns the weighted sums Z only; the "
                     "activation is the next function's job."] = _relu(right)
            mistake = _compare(Z, dtype, right, mistakes, n_terms=n_prev + 1,
                               scale=_size(np.abs(W) @ np.abs(A) + np.abs(b)))
            if mistake:
                raise LearnerError("Z: " + mistake)
            _linear_cache(result[1], A, W, b, "cache")
    return run_check(cases, "Right: Z = W @ A + b, one column per sample, and the cache keeps "
                            "(A, W, b).")


def check_linear_activation_forward(fn):
    """``fn(A_prev, W, b, activation) -> (A, cache)``, activation "relu" or "sigmoid".

    ``A = g(W @ A_prev + b)``; ``cache = ((A_prev, W, b), Z)``, the linear cache and Z.
    """
    def cases():
        rng = np.random.default_rng(81)
        for (n_prev, n, m), activation in [((3, 4, 5), "relu"), ((3, 4, 5), "sigmoid"),
                                           ((3, 3, 3), "sigmoid")]:
            A_prev = rng.standard_normal((n_prev, m))
            W, b = rng.standard_normal((n, n_prev)), rng.standard_normal((n, 1))
            result = _pair_or_triple(
                _call(fn, A_prev, W, b, activation, product_hint=_LINEAR_PRODUCT),
                "A, cache", "two things back, (A, cache)")
            A, dtype = _array(result[0], "A (the first thing returned)")
            Z = W @ A_prev + b
            g, other = (_sigmoid, _relu) if activation == "sigmoid" else (_relu, _sigmoid)
            mistakes = {
                f"wrong activation: activation='{activation}' asks for "
                f"{'sigmoid, 1 / (1 + exp(-Z))' if activation == 'sigmoid' else 'ReLU, max(Z, 0)'}"
                f". Hint: compare the activation argument with 'relu' and 'sigmoid'.": other(Z),
                "you returned Z, before the activation: A = g(Z).": Z,
                "sigmoid with the wrong sign: it is 1 / (1 + exp(-Z)).": 1 / (1 + np.exp(Z)),
            }
            mistakes.update({k: g(v) for k, v in _Z_mistakes(A_prev, W, b, Z).items()})
            mistake = _compare(A, dtype, g(Z), mistakes, n_terms=n_prev + 1,
                               scale=_size(np.abs(W) @ np.abs(A_prev) + np.abs(b)))
            if mistake:
                raise LearnerError(f"A (activation='{activation}'): " + mistake)
            cache = result[1]
            if not isinstance(cache, (tuple, list)) or len(cache) != 2:
                raise LearnerError("expected cache = (linear_cache, Z), two things. Hint: "
                                   "linear_activation_backward unpacks linear_cache, Z = cache.")
            _linear_cache(cache[0], A_prev, W, b, "cache[0], the linear cache")
            got_Z = np.asarray(as_result_array(cache[1], "cache[1]"))
            if got_Z.shape != Z.shape or not close(cache[1], Z, n_terms=n_prev + 1):
                holds = (" it holds A, the output." if got_Z.shape == Z.shape
                         and close(cache[1], g(Z), n_terms=n_prev + 1) else "")
                raise LearnerError(f"cache[1] should be Z, the input of the activation;{holds} "
                                   f"Hint: the backward pass needs Z for the slope g'(Z).")
    return run_check(cases, "Right: A = g(W @ A_prev + b) for ReLU and sigmoid, and the cache "
                            "keeps ((A_prev, W, b), Z).")


def _random_parameters(layer_dims, rng):
    return {key: value for l in range(1, len(layer_dims)) for key, value in (
        (f"W{l}", rng.standard_normal((layer_dims[l], layer_dims[l - 1]))
         * 1.5 / np.sqrt(layer_dims[l - 1])),
        (f"b{l}", 0.5 * rng.standard_normal((layer_dims[l], 1))))}


_MODEL_PRODUCT = ("each layer computes W^[l] @ A_prev + b^[l], where A_prev is the output of the "
                  "layer before (X for layer 1): (n_l, n_(l-1)) @ (n_(l-1), m). Check the order "
                  "of the product, a stray .T, and that A is passed on from layer to layer.")


def check_L_model_forward(fn):
    """``fn(X, parameters) -> (AL, caches)``: ReLU for layers 1..L-1, sigmoid for layer L.

    AL: (1, m); caches: a list of L caches ``((A_prev, W, b), Z)``, layer 1 first.
    """
    def cases():
        rng = np.random.default_rng(82)
        for layer_dims, m in [([4, 5, 3, 1], 6), ([3, 1], 4)]:
            X = rng.standard_normal((layer_dims[0], m))
            parameters = _random_parameters(layer_dims, rng)
            L = len(layer_dims) - 1
            result = _pair_or_triple(
                _call(fn, X, parameters, product_hint=_MODEL_PRODUCT,
                      extra={"KeyError": _KEYS_HINT}),
                "AL, caches", "two things back, (AL, caches)")
            AL, dtype = _array(result[0], "AL (the first thing returned)")
            right, right_caches = _forward(X, parameters)
            if AL.shape != right.shape and AL.shape[1:] == (m,) and L > 1:
                raise LearnerError(
                    f"AL has shape {AL.shape}, expected {right.shape}: is the last layer "
                    f"missing? Hint: layers 1, ..., L-1 use ReLU, then layer L = "
                    f"len(parameters) // 2 computes AL = sigmoid(W^[L] @ A + b^[L]).")
            mistakes = {
                "sigmoid in the hidden layers too: layers 1, ..., L-1 use ReLU, only the last "
                "layer uses sigmoid.": _forward(X, parameters, hidden=_sigmoid)[0],
                "ReLU on the last layer too: the output layer uses sigmoid, so that AL is a "
                "probability.": _forward(X, parameters, output=_relu)[0],
                "no activation on the last layer: AL = sigmoid(Z^[L]).":
                    _forward(X, parameters, output=lambda Z: Z)[0],
                "forgot the biases: Z = W @ A + b in every layer.":
                    _forward(X, parameters, bias=False)[0],
                "you returned AL.T: AL has shape (1, m), one column per sample.": right.T,
            }
            mistake = _compare(AL, dtype, right, mistakes, n_terms=sum(layer_dims) * L,
                               scale=max(1.0, _size(*(c[1] for c in right_caches))))
            if mistake:
                raise LearnerError("AL: " + mistake)
            caches = result[1]
            if not isinstance(caches, (tuple, list)) or len(caches) != L:
                length = f" of length {len(caches)}" if hasattr(caches, "__len__") else ""
                raise LearnerError(
                    f"expected caches to be a list of L = {L} caches (one per layer), received "
                    f"{type(caches).__name__}{length}. Hint: append each layer's cache, the "
                    f"output layer's too.")
            for l, (cache, (linear, Z)) in enumerate(zip(caches, right_caches, strict=True), 1):
                if not isinstance(cache, (tuple, list)) or len(cache) != 2:
                    raise LearnerError(f"caches[{l - 1}] should be ((A_prev, W, b), Z), as "
                                       f"linear_activation_forward returns it.")
                _linear_cache(cache[0], *linear, f"caches[{l - 1}][0] (layer {l})",
                              n_terms=sum(layer_dims) * L)
                if _shape(cache[1]) != Z.shape or not close(
                        cache[1], Z, n_terms=sum(layer_dims) * L, scale=max(1.0, _size(Z))):
                    raise LearnerError(f"caches[{l - 1}][1] (layer {l}) should be Z^[{l}].")
    return run_check(cases, "Right: L-1 times LINEAR -> RELU, then LINEAR -> SIGMOID, with one "
                            "cache per layer.")


# =================================================================================================
# 5. compute_cost
# =================================================================================================


def check_compute_cost(fn):
    """``fn(AL, Y) -> cost``: ``-1/m * sum(Y log AL + (1 - Y) log(1 - AL))``, one number."""
    def cases():
        rng = np.random.default_rng(83)
        for m in (5, 8):
            AL = rng.uniform(0.05, 0.95, size=(1, m))
            Y = (rng.uniform(size=(1, m)) < 0.5).astype(float)
            Y[0, :2] = [0.0, 1.0]
            out = _call(fn, AL, Y, product_hint=(
                "Y and AL both have shape (1, m): multiply them element by element, "
                "np.sum(Y * np.log(AL)), or take np.dot(Y, np.log(AL).T)."))
            cost, dtype = _array(out, "your cost")
            if cost.size != 1:
                raise LearnerError(f"expected one number, received an array of shape "
                                   f"{cost.shape}. Hint: sum over all the samples: np.sum(...), "
                                   f"not one loss per sample.")
            cost = cost.reshape(())
            terms = Y * np.log(AL) + (1 - Y) * np.log(1 - AL)
            right = -np.sum(terms) / m
            mistake = _compare(cost, dtype, right, {
                "forgot the 1/m: the cost is the mean over the m samples, -1/m * sum(...).":
                    -np.sum(terms),
                "wrong sign: log of a probability is negative, so the cost has a minus in front, "
                "-1/m * sum(...), and is positive.": -right,
                "forgot the 1/m and the minus sign.": np.sum(terms),
                "only the Y * log(AL) term: add (1 - Y) * log(1 - AL), the cost of the samples "
                "whose label is 0.": -np.sum(Y * np.log(AL)) / m,
                "labels and probabilities paired the wrong way: Y goes with log(AL), 1 - Y with "
                "log(1 - AL).": -np.sum(Y * np.log(1 - AL) + (1 - Y) * np.log(AL)) / m,
                "np.log10 instead of np.log: cross-entropy uses the natural logarithm.":
                    right / np.log(10),
            }, n_terms=m, scale=_size(terms))
            if mistake:
                raise LearnerError(mistake)
    return run_check(cases, "Right: cost = -1/m * sum(Y log AL + (1 - Y) log(1 - AL)).")


