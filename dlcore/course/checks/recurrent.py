"""The checkers of ``notebooks/10_recurrent.ipynb``.

How a checker works: see ``common.py``.

Each checker is tested in ``tests/test_checks_10_recurrent.py``: it passes the
reference solution and fails typical wrong answers with the right hint.
"""

from __future__ import annotations

import numpy as np

from .common import (
    Inputs,
    LearnerError,
    agrees,
    as_result_array,
    call_learner,
    diagnose,
    run_check,
)


def _rnn_case(N: int, T: int, D: int, H: int, seed: int):
    """Random inputs and weights for the RNN checkers; W_hh far from symmetric."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D))
    W_xh = 0.6 * rng.standard_normal((D, H))
    W_hh = 0.5 * rng.standard_normal((H, H))
    b = 0.3 * rng.standard_normal(H)
    return x, W_xh, W_hh, b


def _rnn_unroll(x, W_xh, W_hh, b, carry=True):
    """Every hidden state h_1..h_T: (N, T, H). ``carry=False`` restarts from h_0 = 0 each step."""
    N, T, _ = x.shape
    h = np.zeros((N, W_hh.shape[0]))
    hs = np.zeros((N, T, W_hh.shape[0]))
    for t in range(T):
        h_new = np.tanh(x[:, t] @ W_xh + h @ W_hh + b)
        hs[:, t] = h_new
        if carry:
            h = h_new
    return hs


def check_rnn_step(fn):
    """Exercise in 10_recurrent: ``fn(x_t, h_prev, W_xh, W_hh, b) -> h_t``, one step of an RNN.

    x_t: (N, D), h_prev: (N, H), W_xh: (D, H), W_hh: (H, H), b: (H,) -> h_t: (N, H) with
    ``h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b)``. D != H and N differs from both, so every
    misplaced matrix shows in the shape or the values.
    """
    def one_case(N, D, H, seed):
        x, W_xh, W_hh, b = _rnn_case(N, 1, D, H, seed)
        x_t = x[:, 0]
        h_prev = np.tanh(np.random.default_rng(seed + 1).standard_normal((N, H)))
        out = as_result_array(call_learner(fn, x_t, h_prev, W_xh, W_hh, b, inputs=Inputs(
            ("x_t", "h_prev", "W_xh", "W_hh", "b"), ("x_t @ W_xh", "h_prev @ W_hh"),
            f"h_t of shape {(N, H)}")))
        a = x_t @ W_xh + h_prev @ W_hh + b
        right = np.tanh(a)
        # tanh's slope is at most 1: h_t is off by no more than a, a sum of D + H + 1 terms
        terms = np.abs(x_t) @ np.abs(W_xh) + np.abs(h_prev) @ np.abs(W_hh) + np.abs(b)
        mistake = diagnose(out, right, {
            "forgot the recurrent term: the new state also depends on the previous one, "
            "add h_prev @ W_hh.": np.tanh(x_t @ W_xh + b),
            "forgot the input: add x_t @ W_xh.": np.tanh(h_prev @ W_hh + b),
            "forgot the tanh: h_t = np.tanh(x_t @ W_xh + h_prev @ W_hh + b).": a,
            "W_hh is transposed: with samples as rows the previous state enters as "
            "h_prev @ W_hh (not W_hh.T, or W_hh @ h_prev.T).":
                np.tanh(x_t @ W_xh + h_prev @ W_hh.T + b),
            "forgot the bias b inside the tanh.": np.tanh(x_t @ W_xh + h_prev @ W_hh),
            "the bias is added after the tanh; it belongs inside: "
            "np.tanh(x_t @ W_xh + h_prev @ W_hh + b).": np.tanh(x_t @ W_xh + h_prev @ W_hh) + b,
            "used the sigmoid: this RNN's cell squashes with tanh, np.tanh(...).":
                1 / (1 + np.exp(-a)),
            "returned the previous state h_prev: compute and return the new state h_t.": h_prev,
        }, n_terms=D + H + 1, scale=np.max(terms))
        if mistake:
            raise LearnerError(f"{mistake} (case: N={N}, D={D}, H={H})")

    def cases():
        one_case(3, 2, 4, seed=0)
        one_case(5, 3, 2, seed=1)

    return run_check(cases, "Right: h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b).")


def check_rnn_forward(fn):
    """Exercise in 10_recurrent: ``fn(x, W_xh, W_hh, b) -> hs``, every hidden state of an RNN.

    x: (N, T, D) -> hs: (N, T, H), ``hs[:, t]`` the state after reading step t (h_1 .. h_T;
    h_0 = 0 is not included), each ``h_t = tanh(x_t @ W_xh + h_{t-1} @ W_hh + b)``.
    """
    def one_case(N, T, D, H, seed):
        x, W_xh, W_hh, b = _rnn_case(N, T, D, H, seed)
        out = as_result_array(call_learner(fn, x, W_xh, W_hh, b, inputs=Inputs(
            ("x", "W_xh", "W_hh", "b"), ("x_t @ W_xh", "h @ W_hh"), f"hs of shape {(N, T, H)}",
            shapes={"x_t": (N, D), "h": (N, H)})))
        right = _rnn_unroll(x, W_xh, W_hh, b)
        zeros = np.zeros((N, 1, H))
        # Each step adds D + H + 1 terms (|h| <= 1) and carries the earlier steps' rounding
        # through W_hh and tanh (slope <= 1): over T steps, at most T times as many.
        step_terms = np.max(np.abs(x) @ np.abs(W_xh) + np.abs(W_hh).sum(axis=0) + np.abs(b))
        tol = {"n_terms": T * (D + H + 1),
               "scale": step_terms * max(1.0, float(np.abs(W_hh).sum(axis=0).max()))}
        if out.shape == (N, T + 1, H):
            if agrees(out[:, 1:], right, **tol) and agrees(out[:, 0], 0 * right[:, 0], **tol):
                raise LearnerError(
                    f"off by one: your output starts with h_0 = 0, shape (N, T + 1, H) = "
                    f"{out.shape}. Return only the T states after each step, h_1 .. h_T, "
                    f"shape {right.shape}. (case: N={N}, T={T}, D={D}, H={H})"
                )
        if out.shape == (N, H) and agrees(out, right[:, -1], **tol):
            raise LearnerError(
                f"you returned only the last state h_T, shape {out.shape}. Keep every one: "
                f"hs[:, t] = h after step t, shape (N, T, H) = {right.shape}."
            )
        mistake = diagnose(out, right, {
            "the state is not carried forward: every step started again from h_0 = 0. After "
            "each step set h = h_t, so the next step uses it.":
                _rnn_unroll(x, W_xh, W_hh, b, carry=False),
            "off by one: your hs[:, t] is the state BEFORE step t (h_0 .. h_{T-1}). Store the "
            "new state after computing it, so hs[:, t] = h_t for t = 1 .. T.":
                np.concatenate([zeros, right[:, :-1]], axis=1),
            "time and batch axes are swapped: return (N, T, H), with the time steps on axis 1 "
            "(hs[:, t] = h_t), e.g. np.stack(states, axis=1).": right.transpose(1, 0, 2),
            "every entry holds the last state: store a copy of h at each step (hs[:, t] = h), "
            "not a reference to one array that keeps changing.":
                np.repeat(right[:, -1:], T, axis=1),
        }, **tol)
        if mistake:
            raise LearnerError(f"{mistake} (case: N={N}, T={T}, D={D}, H={H})")

    def cases():
        one_case(2, 5, 3, 4, seed=3)
        one_case(4, 3, 1, 2, seed=4)

    return run_check(cases, "Right: every hidden state h_1 .. h_T, each built from the input "
                            "at its step and the state before it.")


def check_clip_by_global_norm(fn):
    """Exercise in 10_recurrent: ``fn(grads, max_norm) -> clipped``, gradient clipping.

    grads: a list of arrays of any shapes -> a list of arrays of the same shapes. With the
    global norm ``n = sqrt(sum over every array of sum(g**2))``, every array is multiplied by
    ``max_norm / n`` if ``n > max_norm`` and left as it is otherwise (the rule of the
    optimizers' ``clip_norm``). The inputs must not be changed in place.
    """
    def one_case(grads, max_norm):
        copies = [g.copy() for g in grads]
        result = call_learner(fn, copies, max_norm)
        if result is None:
            raise LearnerError("your function returned None. Hint: did you forget the "
                               "`return` statement?")
        result = list(result)
        if len(result) != len(grads):
            raise LearnerError(
                f"expected a list of {len(grads)} arrays (one per gradient), received "
                f"{len(result)} items."
            )
        out = [as_result_array(r) for r in result]
        for o, g in zip(out, grads, strict=True):
            if o.shape != g.shape:
                raise LearnerError(f"wrong shape: expected {g.shape}, received {o.shape}; "
                                   f"each clipped gradient keeps its array's shape.")
        norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
        scale = min(1.0, max_norm / norm)
        right = [g * scale for g in grads]
        each = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]
        squared = norm ** 2
        flat_out = np.concatenate([o.ravel() for o in out])
        candidates = {
            "each array was clipped on its own: the norm is GLOBAL, one number for all the "
            "gradients together, n = sqrt(sum of g**2 over every array), and every array is "
            "scaled by the same factor max_norm / n.": each,
            "the gradients were rescaled although their norm is below max_norm: clip only "
            "when n > max_norm, otherwise return them unchanged.": [g * max_norm / norm
                                                                    for g in grads],
            "each number was cut to [-max_norm, max_norm] (np.clip): that changes the "
            "direction. Clipping by norm multiplies every gradient by max_norm / n, keeping "
            "the direction.": [np.clip(g, -max_norm, max_norm) for g in grads],
            "the norm is missing its square root: n = sqrt(sum of g**2), not the sum "
            "itself.": [g * min(1.0, max_norm / squared) for g in grads],
            "the gradients were divided by the norm but not multiplied by max_norm: the "
            "clipped norm must equal max_norm.": [g / norm if norm > max_norm else g
                                                  for g in grads],
        }
        flat_right = np.concatenate([r.ravel() for r in right])
        # the norm adds up the squares of every number; each value is one product with it
        mistake = diagnose(flat_out, flat_right, {
            hint: np.concatenate([w.ravel() for w in wrong])
            for hint, wrong in candidates.items()
        }, n_terms=flat_right.size + 1)
        if mistake:
            raise LearnerError(f"{mistake} (case: global norm {norm:.3g}, max_norm "
                               f"{max_norm:g})")
        if any(not np.array_equal(c, g) for c, g in zip(copies, grads, strict=True)):
            raise LearnerError("the values are right, but your function changed the input "
                               "arrays in place. Return new arrays (g * scale), so the caller's "
                               "gradients stay as they were.")

    def cases():
        rng = np.random.default_rng(9)
        one_case([rng.standard_normal((3, 4)) * 2.0, rng.standard_normal(4) * 0.1], 1.0)
        one_case([np.array([[3.0, 0.0]]), np.array([4.0])], 10.0)
        one_case([np.array([0.3, -0.4]), np.array([[6.0, 0.0], [0.0, 8.0]])], 2.0)

    return run_check(cases, "Right: one global norm for all the gradients, and every array "
                            "scaled by max_norm / norm only when the norm is too large.")
