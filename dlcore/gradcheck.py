"""Gradient checking: is a backward pass right? Compare it with finite differences.

Introduced in ``notebooks/05_back_propagation.ipynb``. The derivative is the limit of
``(f(x + h) - f(x - h)) / 2h`` as ``h -> 0``; with a small ``h`` this *central difference* is
accurate to about ``h**2``, so it gives an independent answer that an analytic gradient (the
``backward`` of a layer or a loss) must agree with. It needs no maths, only two evaluations of
``f`` per number, which is also why it is far too slow to train with: it is a checking tool for
small inputs, and the loops over elements below are deliberate (they read like the formula).

What "agree" means: the *relative* error ``|a - n| / (|a| + |n|)`` (``a`` analytic, ``n``
numerical), so that gradients of size 1e3 and 1e-3 are judged alike. In float64 with
``h = 1e-5`` a correct backward pass gives about 1e-8 or less; a wrong one (a missing transpose,
a wrong sign, a forgotten ``1/N``) gives 1e-2 to 1. The checks therefore run in float64: in
float32 a step of 1e-5 is mostly lost to rounding.

Kinks: where a function is not differentiable (ReLU at exactly 0, max-pooling with a tie, a
clipped loss at its clip limit, Hinge at margin 1) the two sides of the central difference see
different slopes and the check can fail although the backward pass is right. Check with
random inputs away from kinks (the chance of landing within ``h`` of one is tiny).

- ``numerical_gradient(f, x, h)``: dF/dx of a scalar function by central differences.
- ``relative_error(a, b)``: the elementwise relative error above.
- ``check_layer(layer, x)``: dL/dx and every parameter's gradient of any ``Layer``.
- ``check_loss(loss, y_hat, y)``: ``loss.backward()`` against numerical dL/dy_hat.
- ``check_model(model, loss, X, y)``: every parameter of a whole model through the loss.

Each check returns a ``GradCheckResult``: it prints as a small table, is truthy when the check
passed (``assert check_layer(Dense(3, 2), x)``), and says where the worst error is (``"W[2, 0]"``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .module import Layer
from .rng import as_generator
from .validate import describe, message, positive_number

# --- the two tools ------------------------------------------------------------------------------


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5):
    """The gradient of a scalar function ``f`` at ``x``, by central differences.

    ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)`` for every element ``i`` of ``x``.

    ``x`` is perturbed *in place*, one element at a time, and each element is restored right
    after (also if ``f`` raises), so ``f`` may read ``x`` itself rather than its argument: this
    is how the gradient with respect to a layer's weights is taken, by nudging ``W.value`` and
    re-running ``forward``. When this function returns, ``x`` holds exactly its old values.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar (a Python float or an array of size 1).
    x : float64 ndarray of any shape
        The point. Must be float64: in float32 a step of ``h`` is mostly lost to rounding.
    h : float
        The step. 1e-5 balances the truncation error (~h**2) against rounding (~1e-16 / h).

    Returns
    -------
    ndarray of the same shape as ``x``.
    """
    where = "numerical_gradient"
    if not callable(f):
        raise TypeError(f"{where}: expected f to be a function of x, received {type(f).__name__}.")
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            f"{where}: expected x to be a float64 NumPy array (it is perturbed in place), "
            f"received {describe(x)}. Hint: x = np.asarray(x, dtype=np.float64)."
        )
    if x.dtype != np.float64:
        raise TypeError(
            f"{where}: expected x to be float64, received {describe(x)}. Hint: in "
            f"{x.dtype} a step of h={h} is mostly lost to rounding; cast with "
            f"x.astype(np.float64) (and the layer with layer.to(np.float64))."
        )
    _check_step(h, where)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):  # one element at a time: a checking tool, not a training tool
        old = x[i]
        try:
            x[i] = old + h
            f_plus = _scalar(f(x), where)
            x[i] = old - h
            f_minus = _scalar(f(x), where)
        finally:
            x[i] = old  # restore, so the caller's array is unchanged afterwards
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _scalar(value, where: str) -> float:
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(
            f"{where}: expected f(x) to return a single number, received an array of shape "
            f"{arr.shape}. Hint: sum the output, e.g. lambda x: np.sum(g(x) * R)."
        )
    return float(arr.reshape(()))


def relative_error(a, b, floor: float = 0.0) -> np.ndarray:
    """Elementwise ``|a - b| / max(|a| + |b|, floor)``: 0 when equal, 1 when opposite or one is 0.

    With ``floor = 0`` (the smallest positive float64 is used) only 0/0 is avoided, where both
    are exactly 0, which counts as agreement (error 0). The checks below pass a ``floor`` of
    ``1e-3`` times the largest ``|a| + |b|`` in the tensor: an element whose gradient is a
    thousand times smaller than the tensor's largest is then compared with that scale instead of
    with itself. Without it, the rounding error of the numerical gradient (about ``1e-16 / h``)
    alone can exceed 1e-6 relative to a gradient of 1e-5, and a correct layer would "fail";
    a real bug at such an element still gives an error near ``1e-3`` or more.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"relative_error: expected a and b of the same shape, received {a.shape} and {b.shape}."
        )
    floor = max(float(floor), np.finfo(np.float64).tiny)
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)


# --- the result ---------------------------------------------------------------------------------


@dataclass
class TensorCheck:
    """The comparison for one tensor (the input, or one parameter such as ``layers[0].W``)."""

    name: str
    shape: tuple
    max_rel_error: float
    where: str  # index of the worst element, e.g. "W[3, 1]"
    analytic: float  # the two gradients at that element
    numerical: float
    passed: bool


@dataclass
class GradCheckResult:
    """The outcome of a gradient check: truthy if every tensor passed.

    Attributes
    ----------
    max_rel_error : float
        The worst relative error over all tensors checked.
    where : str
        The element where it occurs, e.g. ``"W[3, 1]"``, ``"input[0, 2]"``, ``"layers[2].b[4]"``.
    passed : bool
        ``max_rel_error <= tolerance``.
    tolerance : float
    details : list of TensorCheck
        One entry per tensor, in order (the input first, then the parameters).
    """

    max_rel_error: float
    where: str
    passed: bool
    tolerance: float
    details: list[TensorCheck] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            f"gradient check {verdict}: max relative error {self.max_rel_error:.2e} at "
            f"{self.where} (tolerance {self.tolerance:.0e})"
        ]
        w = max([len("tensor")] + [len(d.name) for d in self.details])
        lines.append(
            f"  {'tensor':<{w}}  {'shape':<14}  {'max rel err':>11}  {'where':<18}  "
            f"{'analytic':>12}  {'numerical':>12}"
        )
        for d in self.details:
            mark = "ok" if d.passed else "WRONG"
            lines.append(
                f"  {d.name:<{w}}  {str(d.shape):<14}  {d.max_rel_error:>11.2e}  {d.where:<18}  "
                f"{d.analytic:>12.5g}  {d.numerical:>12.5g}  {mark}"
            )
        if not self.passed:
            lines.append(
                "  Hint: a relative error near 1 means a wrong formula (a missing transpose, a "
                "wrong sign, a forgotten 1/N); a failure at only a few elements may be a kink "
                "(ReLU at 0)."
            )
        return "\n".join(lines)


def _compare(named, tol: float) -> GradCheckResult:
    """Build the result from ``[(name, analytic, numerical), ...]``."""
    details = []
    for name, analytic, numerical in named:
        if analytic.size == 0:
            details.append(TensorCheck(name, analytic.shape, 0.0, name, 0.0, 0.0, True))
            continue
        scale = float(np.max(np.abs(analytic) + np.abs(numerical)))
        err = relative_error(analytic, numerical, floor=1e-3 * scale)
        if err.size == 0:
            details.append(TensorCheck(name, analytic.shape, 0.0, name, 0.0, 0.0, True))
            continue
        i = np.unravel_index(int(np.argmax(err)), err.shape)
        index = ", ".join(str(int(k)) for k in i)
        worst = float(err[i])
        details.append(
            TensorCheck(
                name=name,
                shape=tuple(analytic.shape),
                max_rel_error=worst,
                where=f"{name}[{index}]",
                analytic=float(analytic[i]),
                numerical=float(numerical[i]),
                passed=bool(worst <= tol),
            )
        )
    if not details:
        return GradCheckResult(0.0, "(nothing to check)", True, tol, details)
    worst = max(details, key=lambda d: d.max_rel_error)
    return GradCheckResult(
        max_rel_error=worst.max_rel_error,
        where=worst.where,
        passed=all(d.passed for d in details),
        tolerance=tol,
        details=details,
    )


# --- helpers shared by the checks ---------------------------------------------------------------


def _check_tol_h(tol, h, where: str) -> None:
    positive_number(tol, "a positive tolerance tol", where, "1e-6 suits float64 with h = 1e-5.")
    _check_step(h, where)


def _check_step(h, where: str) -> None:
    expected = "a small positive step h (0 < h < 1)"
    hint = "1e-5 balances the truncation error (~h**2) against rounding (~1e-16 / h)."
    if positive_number(h, expected, where, hint) >= 1:
        raise ValueError(message(where, expected, repr(h), hint))


def _as_float64(x, name: str, where: str) -> np.ndarray:
    """A float64 *copy* of ``x``: the checks never touch the caller's arrays."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: expected {name} to be an array of numbers, received {describe(x)}."
        )
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError(
            f"{where}: expected {name} to be a non-empty batch of shape (N, ...), "
            f"received {describe(arr)}."
        )
    return np.array(arr, dtype=np.float64)


def _set_mode(layer: Layer, mode: str, where: str) -> None:
    if mode == "eval":
        layer.eval()
    elif mode == "train":
        layer.train()
    else:
        raise ValueError(message(where, "mode 'eval' or 'train'", repr(mode),
                                 "use 'train' for a layer whose training forward pass is "
                                 "deterministic, such as BatchNorm."))


def _check_float64_output(out, who: str, where: str) -> np.ndarray:
    if not isinstance(out, np.ndarray) or out.dtype != np.float64:
        raise TypeError(
            f"{where}: {who} returned {describe(out)} for float64 input; a gradient check "
            f"needs float64 all the way through. Hint: the layer should keep the dtype of its "
            f"input and of its parameters (layer.to(np.float64) was called)."
        )
    return out


def _check_grad_shape(grad, expected_shape, what: str, where: str) -> np.ndarray:
    if not isinstance(grad, np.ndarray) or grad.shape != tuple(expected_shape):
        raise ValueError(
            f"{where}: expected {what} to have shape {tuple(expected_shape)}, received "
            f"{describe(grad)}. Hint: a gradient always has the shape of the thing it is "
            f"the gradient with respect to."
        )
    return grad


# --- the checks ---------------------------------------------------------------------------------


def check_layer(layer: Layer, x, seed=0, tol: float = 1e-6, mode: str = "eval",
                h: float = 1e-5) -> GradCheckResult:
    """Check a layer's ``backward``: dL/dx and every parameter's gradient, numerically.

    Works on any ``Layer`` (Dense, the activations, Conv2D, RNN, a whole Sequential, ...)
    because the loss is a *random projection* of the output::

        L = sum(out * R)      with R ~ N(0, 1), fixed by ``seed``, same shape as out

    so ``dL/dout = R`` is what ``backward`` receives. A random R mixes every output into L, so a
    mistake anywhere in the backward pass shows up (a loss like ``sum(out)`` could hide one).

    The check runs on a float64 *deep copy* of the layer and of ``x``: the caller's layer (its
    weights, gradients, caches and mode) and array are never changed.

    Parameters
    ----------
    layer : Layer
    x : (N, ...) array
        A small input batch, e.g. (4, 3) for Dense(3, 2). Keep it away from kinks (ReLU at 0).
    seed : None, int or Generator
        For R.
    tol : float
        The largest relative error that passes; 1e-6 suits float64 with h = 1e-5.
    mode : "eval" (default) or "train"
        The layer's mode during the check. ``Dropout`` draws a new mask on every forward pass
        in train mode, so the finite differences would compare different functions: check it
        in eval mode (where it is the identity), which is the default. Use "train" for layers
        whose training-mode forward pass is deterministic.
    h : float
        The finite-difference step.

    Returns
    -------
    GradCheckResult (truthy if passed), with one entry for ``input`` and one per parameter.
    """
    where = "check_layer"
    if not isinstance(layer, Layer):
        raise TypeError(
            f"{where}: expected a dlcore Layer (Dense, ReLU, Sequential, ...), received "
            f"{type(layer).__name__}. Hint: instantiate it, e.g. check_layer(ReLU(), x)."
        )
    _check_tol_h(tol, h, where)
    x = _as_float64(x, "x", where)
    layer = copy.deepcopy(layer).to(np.float64)
    layer.needs_input_grad = True  # dL/dx is checked too, so backward must return it
    _set_mode(layer, mode, where)
    named = layer.named_parameters()
    name = type(layer).__name__

    # analytic: one forward pass, then backward with dL/dout = R
    out = _check_float64_output(layer.forward(x), f"{name}.forward", where)
    R = as_generator(seed).standard_normal(out.shape)
    layer.zero_grad()
    dx = layer.backward(R.copy())
    dx = _check_grad_shape(dx, x.shape, f"{name}.backward's result dL/dx", where).copy()
    analytic = [("input", dx)]
    for pname, p in named:
        analytic.append(
            (pname, _check_grad_shape(p.grad, p.value.shape, f"{pname}.grad", where).copy())
        )

    # numerical: nudge x and each parameter in place, re-running forward each time
    def L(_):
        return float(np.sum(layer.forward(x) * R))

    numerical = [numerical_gradient(L, x, h)]
    for _, p in named:
        numerical.append(numerical_gradient(L, p.value, h))
    return _compare([(n, a, num) for (n, a), num in zip(analytic, numerical, strict=True)], tol)


def check_loss(loss, y_hat, y, tol: float = 1e-6, h: float = 1e-5) -> GradCheckResult:
    """Check ``loss.backward()`` against the numerical gradient dL/dy_hat.

    ``y_hat``: (N, ...) predictions, cast to a float64 copy; ``y``: the targets as the loss
    expects them (labels stay integers, float targets become float64). The loss object is
    deep-copied, so its cache is left as it was. Clipped losses (``BinaryCrossEntropy`` on
    probabilities) have a kink at the clip limits: use probabilities well inside (0, 1).

    Returns a ``GradCheckResult`` with one entry, ``y_hat``.
    """
    where = "check_loss"
    if not (callable(loss) and hasattr(loss, "backward")):
        raise TypeError(
            f"{where}: expected a dlcore loss object such as MSE(), received "
            f"{type(loss).__name__}. Hint: instantiate the class, e.g. check_loss(MSE(), ...)."
        )
    _check_tol_h(tol, h, where)
    y_hat = _as_float64(y_hat, "y_hat", where)
    y = np.asarray(y)
    if y.dtype.kind == "f":
        y = y.astype(np.float64)
    loss = copy.deepcopy(loss)

    loss(y_hat, y)
    grad = loss.backward()
    grad = _check_grad_shape(grad, y_hat.shape, f"{type(loss).__name__}.backward()", where)
    grad = np.array(grad, dtype=np.float64)
    numerical = numerical_gradient(lambda _: loss(y_hat, y), y_hat, h)
    return _compare([("y_hat", grad, numerical)], tol)


def check_model(model: Layer, loss, X, y, tol: float = 1e-6, mode: str = "eval",
                h: float = 1e-5) -> GradCheckResult:
    """Check every parameter gradient of a whole model, through the loss.

    ``L = loss(model.forward(X), y)``; ``model.backward(loss.backward())`` gives the analytic
    gradients, compared with central differences on each parameter (two forward passes per
    number, so keep the model and ``X`` small). The model and loss are deep-copied and cast to
    float64; ``mode`` as in ``check_layer`` (eval by default, because of Dropout).

    Returns a ``GradCheckResult`` with one entry per parameter, named like ``layers[0].W``.
    """
    where = "check_model"
    if not isinstance(model, Layer):
        raise TypeError(
            f"{where}: expected a dlcore model (a Sequential or any Layer), received "
            f"{type(model).__name__}."
        )
    if not (callable(loss) and hasattr(loss, "backward")):
        raise TypeError(
            f"{where}: expected a dlcore loss object such as SoftmaxCrossEntropy(), received "
            f"{type(loss).__name__}."
        )
    _check_tol_h(tol, h, where)
    X = _as_float64(X, "X", where)
    y = np.asarray(y)
    if y.dtype.kind == "f":
        y = y.astype(np.float64)
    model = copy.deepcopy(model).to(np.float64)
    loss = copy.deepcopy(loss)
    _set_mode(model, mode, where)
    named = model.named_parameters()

    # analytic: forward, loss, backward, exactly as in a training step
    y_hat = _check_float64_output(model.forward(X), f"{type(model).__name__}.forward", where)
    model.zero_grad()
    loss(y_hat, y)
    model.backward(loss.backward())
    analytic = [
        (pname, _check_grad_shape(p.grad, p.value.shape, f"{pname}.grad", where).copy())
        for pname, p in named
    ]

    def L(_):
        return loss(model.forward(X), y)

    numerical = [numerical_gradient(L, p.value, h) for _, p in named]
    return _compare([(n, a, num) for (n, a), num in zip(analytic, numerical, strict=True)], tol)
