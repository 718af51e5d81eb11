"""The checkers of ``notebooks/05_back_propagation.ipynb``.

How a checker works: see ``common.py``.

Each checker is tested in ``tests/test_checks_05_back_propagation.py``: it passes the
reference solution and fails typical wrong answers with the right hint.
"""

from __future__ import annotations

import numpy as np

from dlcore.gradcheck import numerical_gradient

from .common import (
    Inputs,
    LearnerError,
    as_result_array,
    call_learner,
    diagnose,
    run_check,
)


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
                "used the derivative of tanh, 1 - tanh(z)**2: this layer is a sigmoid, whose "
                "local derivative is s * (1 - s) with s = sigmoid(z).":
                    dout * (1 - np.tanh(z) ** 2),
                "1 - s**2 is the form of tanh's derivative (1 - tanh(z)**2); the sigmoid's is "
                "s * (1 - s).": dout * (1 - s**2),
            }, n_terms=5)  # a chain of element-wise roundings: exp, +, /, 1 - s, two products
            if mistake:
                raise LearnerError(mistake)
    return run_check(cases, "Right: dz = dout * s * (1 - s) with s = sigmoid(z).")


def check_dense_backward(fn):
    """Exercise in 05_back_propagation: ``fn(dZ, X, W) -> (dX, dW, db)`` of ``Z = X @ W + b``.

    dZ: (N, D_out) is dL/dZ of the *mean* loss over the batch, so it already carries the 1/N:
    the gradients are plain sums, ``dX = dZ @ W.T`` (N, D_in), ``dW = X.T @ dZ`` (D_in, D_out),
    ``db = dZ.sum(axis=0)`` (D_out,). The first case is not square, so ``dZ @ W`` or
    ``X @ dZ.T`` raise there and are named with their shapes; the second is square, so that
    products in the wrong order run and can be recognised by their values.
    """
    def cases():
        rng = np.random.default_rng(51)
        for n, d_in, d_out in [(5, 3, 4), (4, 4, 4)]:
            X = rng.standard_normal((n, d_in))
            W = rng.standard_normal((d_in, d_out))
            dZ = rng.standard_normal((n, d_out)) / n
            result = call_learner(fn, dZ, X, W, inputs=Inputs(
                ("dZ", "X", "W"), ("dZ @ W.T", "X.T @ dZ"),
                f"dX of shape {X.shape}, dW of shape {W.shape} and db of shape {(d_out,)}"))
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
            dW_mistakes = {
                "dW is transposed: dW = X.T @ dZ has the shape of W, (D_in, D_out); "
                "dZ.T @ X gives (D_out, D_in).": dZ.T @ X,
                "you divided by N again: dZ is the gradient of the *mean* loss, so it already "
                "carries the 1/N; dW = X.T @ dZ is a plain sum over the samples.": X.T @ dZ / n,
                "wrong sign: dW = X.T @ dZ, no minus (the minus sign belongs to the update "
                "step W -= lr * dW, not to the gradient).": -(X.T @ dZ),
            }
            if n == d_in == d_out:
                dW_mistakes["the transpose is on the wrong matrix: dW = X.T @ dZ sums over the "
                            "samples, while X @ dZ.T pairs samples with outputs."] = X @ dZ.T
            mistake = diagnose(got[1], dW, dW_mistakes, n_terms=n, scale=np.max(aX.T @ adZ))
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


