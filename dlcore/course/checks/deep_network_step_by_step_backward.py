"""Exercise checkers of ``notebooks/08_deep_network_step_by_step.ipynb``: the backward
functions, the update and the prediction, and training with whatever is finished.

See ``deep_network_step_by_step.py`` for how these checkers work.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np

from dlcore.course.checks.common import (
    LearnerError,
    run_check,
)
from dlcore.tolerance import close

from .deep_network_step_by_step import (
    _MODEL_PRODUCT,
    _random_parameters,
    check_compute_cost,
    check_initialize_parameters_deep,
    check_L_model_forward,
    check_linear_activation_forward,
    check_linear_forward,
)
from .deep_network_step_by_step_reference import (
    _KEYS_HINT,
    REFERENCE,
    _array,
    _backward,
    _call,
    _compare,
    _dZ,
    _forward,
    _linear_backward,
    _pair_or_triple,
    _relu,
    _sigmoid,
    _size,
)

# =================================================================================================
# 6-8. The backward functions
# =================================================================================================

_BACKWARD_PRODUCT = ("in the column form dW = dZ @ A_prev.T, (n_l, m) @ (m, n_(l-1)), and "
                     "dA_prev = W.T @ dZ, (n_(l-1), n_l) @ (n_l, m). Check which factor needs "
                     ".T and the order of the product.")


def _grads_of(result, where: str):
    result = _pair_or_triple(result, "dA_prev, dW, db", "three gradients back, (dA_prev, dW, db)")
    return [_array(r, f"{name} ({where})") for r, name in zip(result, ("dA_prev", "dW", "db"),
                                                              strict=True)]


def _check_linear_grads(got, dZ, A_prev, W, *, prefix="", dZ_mistakes=None):
    """Compare (dA_prev, dW, db) with the formulas; name the slip. dZ_mistakes: wrong dZ's."""
    m = A_prev.shape[1]
    dA_prev, dW, db = _linear_backward(dZ, (A_prev, W, None))
    (g_dA, t_dA), (g_dW, t_dW), (g_db, t_db) = got
    wrong_dW = {hint: dZ_w @ A_prev.T / m for hint, dZ_w in (dZ_mistakes or {}).items()}
    wrong_dW.update({
        "dW: forgot the 1/m: dW = dZ @ A_prev.T / m (the cost is a mean).": dZ @ A_prev.T,
        "dW is transposed: dW = dZ @ A_prev.T / m has the shape of W, (n_l, n_(l-1)).":
            A_prev @ dZ.T / m,
        "dW: wrong sign: dW = dZ @ A_prev.T / m, no minus (the minus is in the update).": -dW,
    })
    mistake = _compare(g_dW, t_dW, dW, wrong_dW, n_terms=m, scale=_size(dZ) * _size(A_prev))
    if mistake:
        raise LearnerError(prefix + (mistake if mistake.startswith(("dW", "dZ")) else
                                     "dW: " + mistake))
    mistake = _compare(g_db, t_db, db, {
        "db summed over the wrong axis: sum over the samples, the columns, "
        "np.sum(dZ, axis=1, keepdims=True) / m.": dZ.sum(axis=0, keepdims=True) / m,
        "db summed over the wrong axis (and without keepdims): sum over the samples, "
        "np.sum(dZ, axis=1, keepdims=True) / m.": dZ.sum(axis=0) / m,
        "db lost its column shape: np.sum(dZ, axis=1, keepdims=True) / m has the shape of b, "
        "(n_l, 1).": db.ravel(),
        "db: forgot the 1/m: np.sum(dZ, axis=1, keepdims=True) / m.": db * m,
        "db summed everything into one number: sum over the samples only, axis=1.":
            np.array(dZ.sum() / m),
        "db: forgot to sum over the samples: np.sum(dZ, axis=1, keepdims=True) / m.": dZ / m,
    }, n_terms=m, scale=_size(dZ) / m)
    if mistake:
        raise LearnerError(prefix + (mistake if mistake.startswith("db") else "db: " + mistake))
    wrong_dA = {
        "dA_prev: you divided by m: only dW and db carry the 1/m; dA_prev = W.T @ dZ.":
            dA_prev / m,
        "dA_prev: wrong sign: dA_prev = W.T @ dZ.": -dA_prev,
    }
    if W.shape[0] == W.shape[1]:
        wrong_dA["dA_prev: forgot to transpose W: dA_prev = W.T @ dZ."] = W @ dZ
    mistake = _compare(g_dA, t_dA, dA_prev, wrong_dA, n_terms=W.shape[0],
                       scale=_size(W) * _size(dZ))
    if mistake:
        raise LearnerError(prefix + (mistake if mistake.startswith("dA") else
                                     "dA_prev: " + mistake))


def check_linear_backward(fn):
    """``fn(dZ, cache) -> (dA_prev, dW, db)`` with ``cache = (A_prev, W, b)``.

    ``dW = dZ @ A_prev.T / m`` (n_l, n_(l-1)), ``db = sum(dZ, axis=1, keepdims) / m`` (n_l, 1),
    ``dA_prev = W.T @ dZ`` (n_(l-1), m).
    """
    def cases():
        rng = np.random.default_rng(84)
        for n_prev, n, m in [(3, 4, 5), (3, 3, 3)]:
            A_prev, W = rng.standard_normal((n_prev, m)), rng.standard_normal((n, n_prev))
            b, dZ = rng.standard_normal((n, 1)), rng.standard_normal((n, m))
            got = _grads_of(_call(fn, dZ, (A_prev, W, b), product_hint=_BACKWARD_PRODUCT),
                            "from linear_backward")
            _check_linear_grads(got, dZ, A_prev, W)
    return run_check(cases, "Right: dW = dZ A_prev^T / m, db = row sums of dZ / m, "
                            "dA_prev = W^T dZ.")


def check_linear_activation_backward(fn):
    """``fn(dA, cache, activation) -> (dA_prev, dW, db)``, cache ``((A_prev, W, b), Z)``.

    ``dZ = dA * g'(Z)`` (ReLU: 1 where Z > 0, else 0; sigmoid: s (1 - s)), then linear_backward.
    """
    def cases():
        rng = np.random.default_rng(85)
        for activation in ("relu", "sigmoid"):
            n_prev, n, m = 3, 4, 5
            A_prev, W = rng.standard_normal((n_prev, m)), rng.standard_normal((n, n_prev))
            b = rng.standard_normal((n, 1))
            Z, dA = W @ A_prev + b, rng.standard_normal((n, m))
            got = _grads_of(_call(fn, dA, ((A_prev, W, b), Z), activation,
                                  product_hint=_BACKWARD_PRODUCT),
                            f"activation='{activation}'")
            other = "sigmoid" if activation == "relu" else "relu"
            s = _sigmoid(Z)
            dZ_mistakes = {
                "dZ: you used dA itself: multiply by the activation's slope, dZ = dA * g'(Z).":
                    dA,
                f"dZ: the slope of the wrong activation: activation='{activation}' needs "
                f"{'s * (1 - s)' if activation == 'sigmoid' else '1 where Z > 0, else 0'}.":
                    _dZ(dA, Z, other),
                "dZ: multiplied by g(Z) instead of its slope g'(Z).":
                    dA * (s if activation == "sigmoid" else _relu(Z)),
                "dZ: the sigmoid's slope is s * (1 - s) with s = sigmoid(Z), not Z * (1 - Z).":
                    dA * Z * (1 - Z),
            }
            _check_linear_grads(got, _dZ(dA, Z, activation), A_prev, W,
                                prefix=f"(activation='{activation}') ", dZ_mistakes=dZ_mistakes)
    return run_check(cases, "Right: dZ = dA * g'(Z), then the three gradients of the linear "
                            "step.")


def _model_case(layer_dims, m, rng):
    X = rng.standard_normal((layer_dims[0], m))
    parameters = _random_parameters(layer_dims, rng)
    Y = (rng.uniform(size=(1, m)) < 0.5).astype(float)
    Y[0, :2] = [0.0, 1.0]
    return X, parameters, Y


def check_L_model_backward(fn):
    """``fn(AL, Y, caches) -> grads`` with ``grads["dW" + str(l)]``, ``grads["db" + str(l)]``.

    dAL = -(Y / AL - (1 - Y) / (1 - AL)); layer L backward through the sigmoid, then layers
    L-1, ..., 1 through ReLU, each with its cache.
    """
    def cases():
        rng = np.random.default_rng(86)
        for layer_dims, m in [([4, 5, 3, 1], 6), ([3, 1], 4)]:
            X, parameters, Y = _model_case(layer_dims, m, rng)
            AL, caches = _forward(X, parameters)
            L = len(caches)
            grads = _call(fn, AL, Y, caches, product_hint=_BACKWARD_PRODUCT,
                          extra={"KeyError": "grads uses the keys 'dW' + str(l) and "
                                             "'db' + str(l) for l = 1, ..., L."})
            if grads is None:
                raise LearnerError("your function returned None. Hint: end with `return grads`.")
            if not isinstance(grads, dict):
                raise LearnerError(f"expected a dict of gradients, received "
                                   f"{type(grads).__name__}.")
            right = _backward(AL, Y, caches)
            dAL = -(Y / AL - (1 - Y) / (1 - AL))
            wrong = {
                "the sign of dAL is wrong: dAL = -(Y / AL - (1 - Y) / (1 - AL)).":
                    _backward(AL, Y, caches, dAL=-dAL),
                "AL - Y is already dZ^[L], the sigmoid's slope included; used as dAL the slope "
                "is applied twice. Hint: start from dAL = -(Y / AL - (1 - Y) / (1 - AL)).":
                    _backward(AL, Y, caches, dAL=AL - Y),
                "the 1/m is applied twice: dAL has no 1/m; only dW and db divide by m, once.":
                    _backward(AL, Y, caches, dAL=dAL / m),
                "the last layer went back through ReLU: it is the sigmoid layer "
                "(linear_activation_backward(..., 'sigmoid')).":
                    _backward(AL, Y, caches, output="relu"),
                "the hidden layers went back through sigmoid: layers L-1, ..., 1 use ReLU.":
                    _backward(AL, Y, caches, hidden="sigmoid"),
                "dZ: the hidden layers miss the slope of ReLU: dZ = dA * (Z > 0).":
                    _backward(AL, Y, caches, hidden=None),
            }
            for l in range(L, 0, -1):
                for p in ("dW", "db"):
                    key = f"{p}{l}"
                    if key not in grads:
                        shifted = f"{p}0" in grads or f"{p}{L + 1}" in grads
                        raise LearnerError(
                            f"grads has no key '{key}' (its keys: {sorted(grads)})"
                            f"{': the layer numbers are off by one' if shifted else ''}. Hint: "
                            f"store layer l's gradients as grads['dW' + str(l)] and "
                            f"grads['db' + str(l)], l = L, L-1, ..., 1.")
                    got, dtype = _array(grads[key], f"grads['{key}']")
                    if got.shape != right[key].shape:
                        for k in range(1, L + 1):
                            if got.shape == right[f"{p}{k}"].shape and close(
                                    got, right[f"{p}{k}"], n_terms=m * sum(layer_dims)):
                                raise LearnerError(
                                    f"grads['{key}'] holds the gradient of layer {k}: the "
                                    f"layer numbers are off by one. Hint: layer l's gradients go "
                                    f"in grads['dW' + str(l)], l = L, L-1, ..., 1.")
                    mistake = _compare(got, dtype, right[key],
                                       {h: w[key] for h, w in wrong.items()},
                                       n_terms=m * sum(layer_dims),
                                       scale=max(1.0, _size(right[key])))
                    if mistake:
                        raise LearnerError(f"grads['{key}']: {mistake}")
    return run_check(cases, "Right: back through the sigmoid layer, then the ReLU layers, from "
                            "layer L down to layer 1.")


# =================================================================================================
# 9-10. update_parameters, predict
# =================================================================================================


def check_update_parameters(fn):
    """``fn(parameters, grads, learning_rate) -> parameters``: ``W = W - lr * dW``, ``b`` too."""
    def cases():
        rng = np.random.default_rng(87)
        for layer_dims, lr in [([4, 3, 2, 1], 0.1), ([2, 1], 0.5)]:
            parameters = _random_parameters(layer_dims, rng)
            grads = {"d" + k: rng.standard_normal(v.shape) for k, v in parameters.items()}
            grads.update({f"dA{l}": rng.standard_normal((layer_dims[l], 3))
                          for l in range(len(layer_dims) - 1)})
            out = _call(fn, parameters, grads, lr, extra={"KeyError": _KEYS_HINT})
            if out is None:
                raise LearnerError("your function returned None. Hint: end with "
                                   "`return parameters`.")
            if not isinstance(out, dict):
                raise LearnerError(f"expected the dict of parameters, received "
                                   f"{type(out).__name__}.")
            for key in parameters:
                if key not in out:
                    raise LearnerError(f"the parameters you returned have no '{key}'.")
                got, dtype = _array(out[key], key)
                p, g = parameters[key], grads["d" + key]
                mistake = _compare(got, dtype, p - lr * g, {
                    "+ instead of -: gradient descent goes *against* the gradient, "
                    "W = W - learning_rate * dW.": p + lr * g,
                    "forgot the learning rate: W = W - learning_rate * dW.": p - g,
                    "not updated: every W^[l] and b^[l], l = 1, ..., L (L = len(parameters) // "
                    "2), moves by - learning_rate times its gradient.": p,
                }, n_terms=2, scale=_size(p, lr * g))
                if mistake:
                    raise LearnerError(f"{key}: {mistake}")
    return run_check(cases, "Right: every W^[l] and b^[l] moved by - learning_rate times its "
                            "gradient.")


def check_predict(fn):
    """``fn(X, parameters) -> p``, (1, m) of 0/1: 1 where the forward pass gives AL > 0.5."""
    def cases():
        rng = np.random.default_rng(88)
        layer_dims, m = [4, 5, 3, 1], 40
        X, parameters, _ = _model_case(layer_dims, m, rng)
        AL = _forward(X, parameters)[0]
        right = (AL > 0.5).astype(float)
        out = _call(fn, X, parameters, product_hint=_MODEL_PRODUCT,
                    extra={"KeyError": _KEYS_HINT})
        if isinstance(out, tuple):
            raise LearnerError(f"expected the predictions only, received a tuple of {len(out)}. "
                               f"Hint: AL, caches = L_model_forward(X, parameters), then return "
                               f"the predictions made from AL.")
        p, _ = _array(out, "your predictions")
        if p.shape == (m,) or p.shape == (m, 1):
            raise LearnerError(f"the predictions have shape {p.shape}, expected (1, {m}), the "
                               f"shape of AL and Y. Hint: (AL > 0.5).astype(int) keeps it.")
        if p.shape != right.shape:
            raise LearnerError(f"the predictions have shape {p.shape}, expected (1, {m}).")
        if not np.all((p == 0) | (p == 1)):
            raise LearnerError("the predictions are not all 0 or 1: did you return the "
                               "probabilities AL? Hint: a label is 1 where AL > 0.5, else 0.")
        if np.array_equal(p, 1 - right):
            raise LearnerError("the labels are flipped: predict 1 where AL > 0.5 (AL is the "
                               "probability of label 1), else 0.")
        if not np.array_equal(p, right):
            ones, zeros = AL[p == 1], AL[p == 0]
            if ones.size and zeros.size and zeros.max() < ones.min():
                raise LearnerError(f"wrong threshold: your cut between 0 and 1 lies between "
                                   f"AL = {zeros.max():.2f} and {ones.min():.2f}. Hint: predict "
                                   f"1 where AL > 0.5 (AL is a probability; 0 is the threshold "
                                   f"for Z, not for AL).")
            if not zeros.size:
                raise LearnerError("every prediction is 1. Hint: compare AL, a probability, with "
                                   "0.5 (0 is the threshold for Z, not for AL).")
            raise LearnerError("the predictions differ from AL > 0.5. Hint: run the forward "
                               "pass, AL, _ = L_model_forward(X, parameters), then AL > 0.5.")
    return run_check(cases, "Right: 1 where AL > 0.5, else 0, one prediction per column.")


# =================================================================================================
# Training with whatever is finished
# =================================================================================================

CHECKERS = {
    "initialize_parameters_deep": check_initialize_parameters_deep,
    "linear_forward": check_linear_forward,
    "linear_activation_forward": check_linear_activation_forward,
    "L_model_forward": check_L_model_forward,
    "compute_cost": check_compute_cost,
    "linear_backward": check_linear_backward,
    "linear_activation_backward": check_linear_activation_backward,
    "L_model_backward": check_L_model_backward,
    "update_parameters": check_update_parameters,
    "predict": check_predict,
}


def finished_or_reference(*functions):
    """Each of the learner's functions if its checker passes, else the course's own version.

    The checkers run silently; one line says which functions stand in. Returns the functions in
    the order given, so the notebook writes ``f, g = finished_or_reference(f, g)``.
    """
    chosen, standing_in = [], []
    for fn in functions:
        name = getattr(fn, "__name__", "")
        if name not in CHECKERS:
            raise ValueError(f"finished_or_reference: expected one of {sorted(CHECKERS)}, "
                             f"received {name!r}.")
        with contextlib.redirect_stdout(io.StringIO()):
            passed = (not getattr(fn, "course_reference", False)
                      and CHECKERS[name](fn).passed)
        chosen.append(fn if passed else REFERENCE[name])
        if not passed:
            standing_in.append(name)
    if standing_in:
        print(f"Not finished yet, so the course's version stands in for: "
              f"{', '.join(standing_in)}. Once their checkers say ✅, run this cell again.")
    else:
        print(f"All {len(functions)} functions pass their checks: what follows runs your code.")
    return tuple(chosen)
