"""Plain functions several test files share, so each is written (and fixed) once.

- gradients: ``numerical_grad``, ``max_rel_error``, ``layer_gradient_errors``,
  ``grads_when_dx_is_skipped``, and ``gradient_descent`` for the "it learns" tests;
- exercise checkers (``tests/test_checks_*.py``): the learner stubs ``not_implemented`` and
  ``returns_none``, and ``assert_fails_with`` for a failed check and its hint.

Test modules import them with ``from helpers import numerical_grad, max_rel_error``. pytest's
default ("prepend") import mode puts ``tests/`` on ``sys.path`` for a test module in a folder
without ``__init__.py``, so this works under ``pytest`` and ``python -m pytest`` alike. Importing
this module does nothing but define functions.

``numerical_grad`` is the tests' own oracle for back propagation, written here independently of
``dlcore.gradcheck``: a test that checked dlcore's gradients with dlcore's own differences could
not catch a mistake the two share.
"""

import numpy as np


def numerical_grad(f, x, h=1e-6):
    """Central differences of the scalar ``f()`` with respect to every element of ``x``.

    ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)``, one element ``i`` at a time, with an
    error of order h^2 (a one-sided difference would be of order h). ``f`` takes no argument:
    it reads ``x`` itself (an input or a ``Parameter.value`` a layer closes over), so ``x`` is
    nudged *in place* and every element is put back before the next one. Use float64 arrays:
    in float32 a nudge of 1e-6 is a few rounding steps, and the difference mostly rounding error.

    x: any shape -> grad: the same shape and dtype as x.
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def max_rel_error(a, b):
    """The worst element-wise relative error ``|a - b| / (|a| + |b|)`` between two gradients.

    Relative, so it means the same for large and small gradients; the floor of 1e-12 in the
    denominator makes two zeros agree instead of giving 0 / 0. The tests ask for < 1e-6 in float64.
    """
    return np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12))


def layer_gradient_errors(layer, x, dout, h=1e-6):
    """Back propagation against central differences, for a layer's input and every parameter.

    The scalar ``L = sum(layer.forward(x) * dout)`` has dL/d(output) = ``dout``, so one
    ``forward(x)`` and ``backward(dout)`` give dL/dx (returned) and dL/dp (added into each
    ``Parameter.grad``): those start from zero in a fresh layer, or call ``zero_grad()`` first.
    Each is compared with ``numerical_grad`` of L (x and the parameters are nudged in place and
    put back). Use a float64 layer and float64 x, dout.

    Returns ``{"x": error, "<parameter name>": error, ...}``, each a ``max_rel_error``.
    """

    def L():
        return np.sum(layer.forward(x) * dout)

    layer.forward(x)
    dx = layer.backward(dout)
    assert dx.shape == x.shape
    errors = {"x": max_rel_error(dx, numerical_grad(L, x, h))}
    for param in layer.parameters():
        errors[param.name] = max_rel_error(param.grad, numerical_grad(L, param.value, h))
    return errors


def grads_when_dx_is_skipped(make_layer, x, dout):
    """The parameter gradients of a layer that skips dL/dx (``needs_input_grad = False``).

    Two fresh layers from ``make_layer()`` run ``forward(x)`` and ``backward(dout)``: the first
    with ``needs_input_grad = True`` must return dL/dx, the second with ``False`` must return
    ``None``, and both must give exactly the same parameter gradients (skipping dL/dx must not
    change them). Returns the second layer's gradients, ``{parameter name: grad}``, for the
    caller to check by hand.
    """
    grads = []
    for needed in (True, False):
        layer = make_layer()
        layer.needs_input_grad = needed
        layer.forward(x)
        dx = layer.backward(dout)
        assert (dx is None) == (not needed)
        grads.append({param.name: param.grad.copy() for param in layer.parameters()})
    with_dx, without_dx = grads
    assert with_dx.keys() == without_dx.keys()
    for name in with_dx:
        assert np.array_equal(with_dx[name], without_dx[name]), name
    return without_dx


def gradient_descent(model, loss_and_grad, steps, lr):
    """Plain full-batch gradient descent on ``model``; returns the loss before and after.

    ``loss_and_grad()`` runs the model forward on the whole training set and returns
    ``(loss, dL/d(output))``. Each step: ``zero_grad()``, ``backward``, then ``p -= lr * dL/dp``
    for every parameter, with no optimizer from ``dlcore.optim``, so a layer test does not
    depend on one.
    """
    first, _ = loss_and_grad()
    for _ in range(steps):
        model.zero_grad()
        _, dout = loss_and_grad()
        model.backward(dout)
        for param in model.parameters():
            param.value -= lr * param.grad
    last, _ = loss_and_grad()
    return first, last


def not_implemented(*args, **kwargs):
    """A learner's exercise stub that was not filled in yet: it raises ``NotImplementedError``."""
    raise NotImplementedError


def returns_none(*args, **kwargs):
    """A learner's function that forgot its ``return`` statement."""
    return None


def assert_fails_with(result, *hints):
    """Assert that a checker's ``result`` is a failure whose message names every one of ``hints``.

    A failure is printed as ``❌`` followed by the likely mistake (see ``dlcore.course.checks.common.verdict``).
    """
    assert not result.passed
    assert result.message.startswith("❌")
    for hint in hints:
        assert hint in result.message, result.message
