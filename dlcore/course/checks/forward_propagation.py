"""The checkers of ``notebooks/04_forward_propagation.ipynb``.

How a checker works: see ``common.py``.

Each checker is tested in ``tests/test_checks_04_forward_propagation.py``: it passes the
reference solution and fails typical wrong answers with the right hint.
"""

from __future__ import annotations

import numpy as np

from .common import (
    Inputs,
    LearnerError,
    as_result_array,
    call_learner,
    diagnose,
    run_check,
)


def _fp_relu(z):
    return np.maximum(z, 0)


def _fp_softmax(z, axis=1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def check_dense_forward(fn):
    """Exercise in 04_forward_propagation: ``fn(X, W, b) -> Z = X @ W + b`` (rows form).

    X: (N, D_in), W: (D_in, D_out), b: (D_out,) -> Z: (N, D_out), one row per sample. One case
    has N == D_out, so that a bias added as a column (one bias per *sample*) still broadcasts and
    can be recognised. No case has D_in == D_out, so ``X @ W.T`` and ``W @ X`` raise, and the
    message names the product and its shapes.
    """
    def cases():
        rng = np.random.default_rng(40)
        for n, d_in, d_out in [(5, 3, 4), (4, 6, 4)]:
            X = rng.standard_normal((n, d_in))
            W = rng.standard_normal((d_in, d_out))
            b = rng.standard_normal(d_out)
            right = X @ W + b
            out = as_result_array(call_learner(fn, X, W, b, inputs=Inputs(
                ("X", "W", "b"), ("X @ W",), f"Z of shape {right.shape}")))
            mistakes = {
                "forgot the bias: add b to every row, Z = X @ W + b.": X @ W,
                "wrong sign of the bias: it is added, Z = X @ W + b.": X @ W - b,
                "you applied ReLU: this exercise asks for the weighted sums Z only (the "
                "activation A = g(Z) is the next step).": _fp_relu(right),
                "you returned the column form (D_out, N): in the rows form every row is one "
                "sample, Z = X @ W + b, of shape (N, D_out).": right.T,
                "you averaged over the samples: keep one row per sample, Z = X @ W + b has shape "
                "(N, D_out).": right.mean(axis=0),
            }
            if n == d_out:
                mistakes["the bias was added as a column, b[:, None], so each *sample* got its "
                          "own bias. In the rows form b has shape (D_out,) and is added to every "
                          "row: X @ W + b."] = X @ W + b[:, None]
            mistake = diagnose(out, right, mistakes, n_terms=d_in + 1,
                               scale=np.max(np.abs(X) @ np.abs(W) + np.abs(b)))
            if mistake:
                raise LearnerError(mistake)
    return run_check(cases, "Right: Z = X @ W + b, one row of D_out weighted sums per sample.")


def check_dense_forward_columns(fn):
    """Exercise in 04_forward_propagation: ``fn(A_prev, W, b) -> Z = W @ A_prev + b``.

    The column form of the classic texts: A_prev: (n_prev, m) with samples as columns,
    W: (n, n_prev), b: (n, 1) -> Z: (n, m). The second case is square, so that the rows-form
    product ``A_prev @ W`` runs and can be recognised.
    """
    def cases():
        rng = np.random.default_rng(41)
        for n_prev, n, m in [(3, 4, 5), (3, 3, 3)]:
            A_prev = rng.standard_normal((n_prev, m))
            W = rng.standard_normal((n, n_prev))
            b = rng.standard_normal((n, 1))
            right = W @ A_prev + b
            out = as_result_array(call_learner(fn, A_prev, W, b, inputs=Inputs(
                ("A_prev", "W", "b"), ("W @ A_prev",), f"Z of shape {right.shape}")))
            mistakes = {
                "forgot the bias: Z = W @ A_prev + b.": W @ A_prev,
                "wrong sign of the bias: it is added, Z = W @ A_prev + b.": W @ A_prev - b,
                "you returned the rows form (m, n): in the column form every *column* is one "
                "sample, Z = W @ A_prev + b, of shape (n, m).": right.T,
                "you applied ReLU: this exercise asks for the weighted sums Z only.":
                    _fp_relu(right),
            }
            if n == n_prev == m:
                mistakes["wrong order: in the column form the weights come first, "
                          "Z = W @ A_prev + b (A_prev @ W is the rows habit)."] = A_prev @ W + b
                mistakes["the bias was added along the rows (b.ravel() or b.T): b has shape "
                          "(n, 1), one number per neuron, added to every column."] = (
                    W @ A_prev + b.T
                )
            mistake = diagnose(out, right, mistakes, n_terms=n_prev + 1,
                               scale=np.max(np.abs(W) @ np.abs(A_prev) + np.abs(b)))
            if mistake:
                raise LearnerError(mistake)
    return run_check(cases, "Right: Z = W @ A_prev + b, one column of n weighted sums per sample.")


def check_two_layer_forward(fn):
    """Exercise in 04_forward_propagation: a two-layer forward pass that keeps its caches.

    ``fn(X, W1, b1, W2, b2) -> (P, cache)`` with ``Z1 = X @ W1 + b1``, ``A1 = relu(Z1)``,
    ``Z2 = A1 @ W2 + b2``, ``P = softmax(Z2)`` along each row, and ``cache = (X, Z1, A1)``:
    X: (N, D), W1: (D, H), b1: (H,), W2: (H, K), b2: (K,) -> P: (N, K). D, H and K differ,
    so a transposed W1 or W2 raises and is named with its shapes.
    """
    def cases():
        rng = np.random.default_rng(42)
        for n, d, h, k in [(5, 3, 4, 6), (6, 4, 5, 3)]:
            X = rng.standard_normal((n, d))
            W1, b1 = rng.standard_normal((d, h)), rng.standard_normal(h)
            W2, b2 = rng.standard_normal((h, k)), rng.standard_normal(k)
            result = call_learner(fn, X, W1, b1, W2, b2, inputs=Inputs(
                ("X", "W1", "b1", "W2", "b2"), ("X @ W1", "A1 @ W2"), f"P of shape {(n, k)}",
                shapes={"A1": (n, h)}))
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                if result is None:
                    raise LearnerError(
                        "your function returned None. Hint: end with `return P, cache`."
                    )
                raise LearnerError(
                    f"expected two things back, (P, cache), received {type(result).__name__}"
                    f"{'' if not hasattr(result, '__len__') else f' of length {len(result)}'}. "
                    f"Hint: `return P, cache` with cache = (X, Z1, A1)."
                )
            P = as_result_array(result[0], "P (the first thing returned)")
            Z1 = X @ W1 + b1
            A1 = _fp_relu(Z1)
            Z2 = A1 @ W2 + b2
            right = _fp_softmax(Z2)
            # The rounding of Z1 (sums of d + 1 terms) goes on through W2 into Z2 (h + 1 more),
            # and softmax adds k exponentials; P moves by at most twice the error of Z2, whose
            # terms are bounded by scale2.
            terms1 = np.abs(X) @ np.abs(W1) + np.abs(b1)
            scale1, scale2 = np.max(terms1), np.max(terms1 @ np.abs(W2) + np.abs(b2))
            if np.isnan(P).any():
                raise LearnerError(
                    "P contains NaN: the softmax overflowed. Hint: subtract each row's maximum "
                    "before np.exp, or use dlcore.activations.softmax."
                )
            mistake = diagnose(P, right, {
                "no ReLU after the first layer: A1 = relu(Z1) = np.maximum(Z1, 0) goes into the "
                "second layer, not Z1.": _fp_softmax(Z1 @ W2 + b2),
                "no softmax at the end: P = softmax(Z2) turns the scores into probabilities.": Z2,
                "softmax along the wrong axis: each *row* (sample) must sum to 1, so normalise "
                "with axis=1 (or axis=-1).": _fp_softmax(Z2, axis=0),
                "ReLU on the output too: the last layer gives scores Z2 that go straight into "
                "softmax.": _fp_softmax(_fp_relu(Z2)),
                "forgot the biases b1 and b2.": _fp_softmax(_fp_relu(X @ W1) @ W2),
                "forgot the bias b2 of the second layer.": _fp_softmax(A1 @ W2),
                "forgot the bias b1 of the first layer.": _fp_softmax(_fp_relu(X @ W1) @ W2 + b2),
            }, n_terms=d + h + k + 2, scale=2 * scale2)
            if mistake:
                raise LearnerError("P: " + mistake)
            cache = result[1]
            if not isinstance(cache, (tuple, list)) or len(cache) != 3:
                raise LearnerError(
                    f"expected cache = (X, Z1, A1), three arrays, received "
                    f"{type(cache).__name__}"
                    f"{f' of length {len(cache)}' if hasattr(cache, '__len__') else ''}. "
                    f"Hint: backward will need X (for dW1), Z1 (where the ReLU let the signal "
                    f"through) and A1 (for dW2)."
                )
            for i, (name, want) in enumerate([("X", X), ("Z1", Z1), ("A1", A1)]):
                got = as_result_array(cache[i], f"cache[{i}]")
                others = {
                    f"it holds {other}, but it should hold {name}: keep them in the order "
                    f"(X, Z1, A1).": value
                    for other, value in [("X", X), ("Z1", Z1), ("A1", A1), ("Z2", Z2)]
                    if other != name
                }
                mistake = diagnose(got, want, others, n_terms=d + 1, scale=scale1)
                if mistake:
                    raise LearnerError(f"cache[{i}]: " + mistake)
    return run_check(
        cases,
        "Right: P = softmax(relu(X @ W1 + b1) @ W2 + b2), and the cache keeps X, Z1 and A1 for "
        "the backward pass.",
    )


