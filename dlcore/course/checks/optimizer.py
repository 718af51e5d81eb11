"""The checkers of ``notebooks/06_optimizer.ipynb``.

How a checker works: see ``common.py``.

Each checker is tested in ``tests/test_checks_06_optimizer.py``: it passes the
reference solution and fails typical wrong answers with the right hint.
"""

from __future__ import annotations

import numpy as np

from .common import (
    LearnerError,
    agrees,
    as_result_array,
    call_learner,
    diagnose,
    run_check,
)


def check_sgd_step(fn):
    """Exercise in 06_optimizer: ``fn(w, grad, lr) -> w_new = w - lr * grad``.

    ``w`` and ``grad`` have the same shape (any shape); the function returns the new weights as
    a new array and leaves ``w`` unchanged (the course's rule: never change the caller's arrays;
    dlcore's optimizers update ``Parameter.value`` in place, but that is their job, not this
    function's). Cases: a (3, 2) matrix with lr=0.1 and a vector with lr=0.5.
    """
    def one_case(w, grad, lr):
        w_given = w.copy()
        # called on our own copy of w, so that a change in place can be seen afterwards
        out = call_learner(lambda: fn(w_given, grad.copy(), lr))
        changed = not np.array_equal(w_given, w)
        if out is None:
            if changed:
                raise LearnerError(
                    "your function changed w in place and returned None. Hint: compute the new "
                    "weights as a new array and return them: return w - lr * grad.")
            raise LearnerError("your function returned None. Hint: did you forget the "
                               "`return` statement?")
        out = as_result_array(out)
        right = w - lr * grad
        mistake = diagnose(out, right, {
            "wrong sign: w + lr * grad climbs uphill (gradient ascent). The gradient points "
            "to where the loss grows; step the other way: w - lr * grad.": w + lr * grad,
            "you forgot the learning rate: w - grad takes a full gradient-sized step. "
            "Multiply the gradient by lr.": w - grad,
            "you divided by the learning rate: w - grad / lr. Multiply instead: "
            "w - lr * grad.": w - grad / lr,
            "you returned the step, -lr * grad, not the new weights. Add it to w: "
            "w - lr * grad.": -lr * grad,
            "you returned lr * grad: subtract it from w.": lr * grad,
            "you returned the weights unchanged: subtract lr * grad from w.": w,
            "you multiplied w by the step: the update is a subtraction, w - lr * grad.":
                w * (1 - lr * grad),
        }, n_terms=2, scale=np.max(np.abs(w) + np.abs(lr * grad)))
        if mistake:
            raise LearnerError(mistake)
        if changed:
            raise LearnerError(
                "the returned weights are right, but your function also changed w in place "
                "(w -= ... or w[...] = ...). Hint: write w_new = w - lr * grad, which makes a "
                "new array, and return it; the caller's w must stay as it was.")

    def cases():
        if not callable(fn):
            call_learner(fn)  # raises the usual "expected a function" verdict
        rng = np.random.default_rng(6)
        one_case(rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), 0.1)
        one_case(rng.standard_normal(4), rng.standard_normal(4), 0.5)

    return run_check(cases, "Right: w - lr * grad, one step downhill, returned as a new array.")


def _adam_reference(w, g, m, v, t, lr, beta1, beta2, eps, *, correct_m=True, correct_v=True,
                    t_shift=0, swap=False, sqrt=True, eps_inside=False, return_hats=False,
                    no_one_minus=False, sign=1.0, use_lr=True):
    """Adam's update and the answers typical mistakes give (helper of ``check_adam_step``).

    ``t_shift`` moves the exponent of the bias correction (``beta**(t + 1)`` for 1);
    ``use_lr=False`` forgets the learning rate.
    """
    b1, b2 = (beta2, beta1) if swap else (beta1, beta2)
    if no_one_minus:
        m_new, v_new = b1 * m + g, b2 * v + g**2
    else:
        m_new, v_new = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
    m_hat = m_new / (1 - b1**(t + t_shift)) if correct_m else m_new
    v_hat = v_new / (1 - b2**(t + t_shift)) if correct_v else v_new
    root = np.sqrt(v_hat + eps) if eps_inside else (np.sqrt(v_hat) + eps if sqrt else v_hat + eps)
    w_new = w - sign * (lr if use_lr else 1.0) * m_hat / root
    if return_hats:
        return w_new, m_hat, v_hat
    return w_new, m_new, v_new


def _adam_scale(w, g, m, v, t, lr, beta1, beta2, eps):
    """How far the rounding of a right Adam step can move each value, packed as (w, m, v).

    The ``scale`` for :func:`agrees`, one number per value. Adam has two
    differences of numbers close to 1, which in float32 (beta1 and beta2 included) lose digits:
    ``1 - beta2`` (0.999 is off by 1.3e-8 in float32, so 0.001 by 1.3e-5 of itself), and the bias
    correction ``1 - beta**t``, whose error ``t * eps * beta**t`` is 250 units in the last place of
    ``1 - beta2**t`` at t = 4. So the error of ``(1 - beta) * g`` is about ``eps * |g|``, not
    ``eps * (1 - beta) * |g|``, and the step lr * m_hat / (sqrt(v_hat) + eps) inherits the relative
    errors of m_hat and (half of) v_hat.
    """
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    m_new, v_new = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m_new / c1, v_new / c2
    m_error = (np.abs(m) + np.abs(g)) / c1 + np.abs(m_hat) * (t * beta1**t + 1) / c1
    v_relative = ((np.abs(v) + g**2) / np.maximum(v_new, np.finfo(float).tiny)
                  + (t * beta2**t + 1) / c2)
    step_error = lr * (m_error + np.abs(m_hat) * (v_relative / 2 + 3)) / (np.sqrt(v_hat) + eps)
    return np.concatenate([
        (np.abs(w) + step_error).ravel(),
        (np.abs(m) + np.abs(g)).ravel(),
        (np.abs(v) + g**2).ravel(),
    ])


def check_adam_step(fn):
    """Exercise in 06_optimizer: one Adam update, ``fn(w, g, m, v, t, lr, beta1, beta2, eps)``.

    Returns ``(w_new, m_new, v_new)``::

        m_new = beta1 * m + (1 - beta1) * g
        v_new = beta2 * v + (1 - beta2) * g**2
        m_hat = m_new / (1 - beta1**t);  v_hat = v_new / (1 - beta2**t)
        w_new = w - lr * m_hat / (sqrt(v_hat) + eps)

    ``m_new`` and ``v_new`` are the *uncorrected* averages (the state kept for the next step);
    the corrected ``m_hat``, ``v_hat`` are used for this step only.

    Decided: ``sqrt(v_hat + eps)`` (eps inside the root, as some libraries write it) is accepted.
    eps only keeps the division safe when ``v_hat`` is 0; on the checker's cases (gradients of
    ordinary size) the two forms agree to within the tolerance, so either passes.

    Cases: the first step (``t = 1``, ``m = v = 0``) on a (2, 3) array, and the fourth step
    with earlier averages on a vector; lr = 0.1 so that a wrong update is clearly visible.
    """
    def one_case(w, g, m, v, t, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
        args = (w, g, m, v, t, lr, beta1, beta2, eps)
        out = call_learner(fn, *args)
        if out is None:
            raise LearnerError("your function returned None. Hint: end with "
                               "`return w_new, m_new, v_new`.")
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            received = (f"{len(out)} values" if isinstance(out, (tuple, list))
                        else type(out).__name__)
            raise LearnerError(f"expected three arrays (w_new, m_new, v_new), received "
                               f"{received}. Hint: return w_new, m_new, v_new.")
        got = [as_result_array(a, f"the {name} you returned")
               for a, name in zip(out, ("w_new", "m_new", "v_new"), strict=True)]
        for a, name in zip(got, ("w_new", "m_new", "v_new"), strict=True):
            if a.shape != w.shape:
                raise LearnerError(f"wrong shape: {name} has shape {a.shape}, expected "
                                   f"{w.shape}, the shape of w.")
        if not all(np.isfinite(a).all() for a in got):
            with np.errstate(divide="ignore", invalid="ignore"):
                shifted = _adam_reference(*args, t_shift=-1)
            # t - 1 at t = 1: m_new and v_new right, w_new not finite where the reference's isn't
            if (not np.isfinite(shifted[0]).all()
                    and np.array_equal(np.isfinite(got[0]), np.isfinite(shifted[0]))
                    and all(agrees(a, b, n_terms=4, atol=1e-7)
                            for a, b in zip(got[1:], shifted[1:], strict=True))):
                raise LearnerError(
                    f"your function returned NaN or inf at step t={t}, expected finite "
                    f"numbers: the bias correction uses the exponent t - 1 = {t - 1}, and "
                    f"1 - beta**0 = 0 is a division by zero. Hint: use beta1**t and beta2**t "
                    f"with the t given ({t}); it already counts the steps from 1.")
            raise LearnerError(
                f"your function returned NaN or inf at step t={t}, expected finite numbers. "
                f"Hint: the bias correction divides by 1 - beta**t, which is 0 when t = 0: "
                f"t counts steps from 1; and the square root needs v_hat >= 0.")
        packed = np.concatenate([a.ravel() for a in got])

        def pack(**mistake):
            return np.concatenate([a.ravel() for a in _adam_reference(*args, **mistake)])

        right = pack()
        scale = _adam_scale(*args)

        def same(a, b, part=slice(None)):
            return agrees(a, b, n_terms=4, scale=scale[part], atol=1e-7)

        if not same(packed, right) and same(packed, pack(eps_inside=True)):
            return  # eps inside the square root: accepted (see the docstring)
        v_only = _adam_reference(*args)
        order_vm = np.concatenate([v_only[0].ravel(), v_only[2].ravel(), v_only[1].ravel()])
        mistake = diagnose(packed, right, {
            "no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t) before the "
            "update. m and v start at 0, so without it the first steps have the wrong size.":
                pack(correct_m=False, correct_v=False),
            "only m is bias-corrected: v needs it too, v_hat = v_new / (1 - beta2**t). Both "
            "averages start at 0, so both are too small in the first steps.":
                pack(correct_v=False),
            "only v is bias-corrected: m needs it too, m_hat = m_new / (1 - beta1**t). Both "
            "averages start at 0, so both are too small in the first steps.":
                pack(correct_m=False),
            f"the bias correction uses the exponent t + 1 = {t + 1}: use beta1**t and "
            f"beta2**t with the t given ({t}); it already counts the steps from 1.":
                pack(t_shift=1),
            f"the bias correction uses the exponent t - 1 = {t - 1}: use beta1**t and "
            f"beta2**t with the t given ({t}); it already counts the steps from 1.":
                pack(t_shift=-1) if t > 1 else np.full_like(right, np.nan),
            "the learning rate is missing: the step is lr * m_hat / (sqrt(v_hat) + eps); "
            "without lr the first step moves every weight by about 1 instead of about lr.":
                pack(use_lr=False),
            "beta1 and beta2 are swapped: beta1 (0.9) averages the gradient m, beta2 (0.999) "
            "averages the squared gradient v.": pack(swap=True),
            "the square root is missing: divide by sqrt(v_hat) + eps, not by v_hat + eps "
            "(v holds squared gradients; its root has the size of a gradient).":
                pack(sqrt=False),
            "you returned the bias-corrected m_hat and v_hat as the new state. Return the "
            "plain averages m_new and v_new; the correction is recomputed at every step.":
                pack(return_hats=True),
            "the (1 - beta) factors are missing: m_new = beta1 * m + (1 - beta1) * g and "
            "v_new = beta2 * v + (1 - beta2) * g**2.": pack(no_one_minus=True),
            "wrong sign: the update subtracts, w - lr * m_hat / (sqrt(v_hat) + eps).":
                pack(sign=-1.0),
            "the three arrays are in the wrong order: return w_new, m_new, v_new.": order_vm,
        }, atol=1e-7, n_terms=4, scale=scale)
        if mistake:
            parts = ("w_new", "m_new", "v_new")
            size = w.size
            wrong = [name for i, (a, r, name) in enumerate(zip(got, v_only, parts, strict=True))
                     if not same(a.ravel(), r.ravel(), slice(i * size, (i + 1) * size))]
            if mistake.startswith("the values differ"):
                raise LearnerError(f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} "
                                   f"wrong at step t={t}. Re-read the formulas above line by "
                                   f"line.")
            raise LearnerError(f"{mistake} (wrong: {', '.join(wrong)}; step t={t})")

    def cases():
        rng = np.random.default_rng(7)
        w, g = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
        one_case(w, g, np.zeros((2, 3)), np.zeros((2, 3)), 1)
        w, g = rng.standard_normal(4), rng.standard_normal(4)
        m, v = 0.3 * rng.standard_normal(4), 0.01 * rng.random(4) + 0.005
        one_case(w, g, m, v, 4)

    return run_check(cases, "Right: Adam's update, with both moving averages, the bias "
                            "correction and the square root.")


