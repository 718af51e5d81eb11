"""Tests for the 10_recurrent checkers: the reference passes, typical mistakes get their hint."""

import numpy as np
import pytest
from helpers import assert_fails_with, not_implemented, returns_none

from dlcore.course.checks.recurrent import (
    check_clip_by_global_norm,
    check_rnn_forward,
    check_rnn_step,
)
from dlcore.module import Parameter
from dlcore.optim import SGD
from dlcore.recurrent import RNN
from dlcore.tolerance import assert_close


# --- rnn_step -----------------------------------------------------------------------------------
def rnn_step(x_t, h_prev, W_xh, W_hh, b):
    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b)


def test_rnn_step_reference_passes(capsys):
    result = check_rnn_step(rnn_step)
    assert result.passed
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b), "forgot the recurrent term"),
    (lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b, "forgot the tanh"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b), "W_hh is transposed"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + (Wh @ h.T).T + b), "W_hh is transposed"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh), "forgot the bias"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh) + b, "after the tanh"),
    (lambda x, h, Wx, Wh, b: 1 / (1 + np.exp(-(x @ Wx + h @ Wh + b))), "sigmoid"),
    (lambda x, h, Wx, Wh, b: np.tanh(h @ Wh + b), "forgot the input"),
    (lambda x, h, Wx, Wh, b: h, "returned the previous state"),
])
def test_rnn_step_mistakes_are_named(wrong, hint):
    assert_fails_with(check_rnn_step(wrong), hint)


def rnn_step_input_weights_transposed(x_t, h_prev, W_xh, W_hh, b):
    return np.tanh(x_t @ W_xh.T + h_prev @ W_hh + b)


def test_rnn_step_transposed_input_weights_are_named_with_their_shapes():
    result = check_rnn_step(rnn_step_input_weights_transposed)
    assert_fails_with(result, "x_t (3, 2) @ W_xh.T (4, 2) does not fit",
                      "Expected x_t @ W_xh: (3, 2) @ (2, 4) -> (3, 4)", "drop the .T")
    assert "gufunc" not in result.message


def test_rnn_step_transposed_input_weights_on_the_second_case_only():
    def second_case_only(x_t, h_prev, W_xh, W_hh, b):
        if x_t.shape[0] == 5:
            return rnn_step_input_weights_transposed(x_t, h_prev, W_xh, W_hh, b)
        return rnn_step(x_t, h_prev, W_xh, W_hh, b)

    assert_fails_with(check_rnn_step(second_case_only), "x_t (5, 3) @ W_xh.T (2, 3)")


def test_rnn_forward_transposed_input_weights_are_named():
    def forward(x, W_xh, W_hh, b):
        N, T, _ = x.shape
        h = np.zeros((N, W_hh.shape[0]))
        states = []
        for t in range(T):
            h = np.tanh(x[:, t] @ W_xh.T + h @ W_hh + b)
            states.append(h)
        return np.stack(states, axis=1)

    assert_fails_with(check_rnn_forward(forward), "@ W_xh.T", "Expected x_t @ W_xh",
                      "drop the .T")


def test_rnn_step_wrong_shape_is_reported():
    transposed = check_rnn_step(lambda x, h, Wx, Wh, b: rnn_step(x, h, Wx, Wh, b).T)
    assert_fails_with(transposed, "transpose")


def test_rnn_step_not_implemented_and_none():
    assert_fails_with(check_rnn_step(not_implemented), "NotImplementedError")
    assert_fails_with(check_rnn_step(returns_none), "returned None")


# --- rnn_forward --------------------------------------------------------------------------------
def rnn_forward(x, W_xh, W_hh, b):
    N, T, _ = x.shape
    h = np.zeros((N, W_hh.shape[0]))
    states = []
    for t in range(T):
        h = rnn_step(x[:, t], h, W_xh, W_hh, b)
        states.append(h)
    return np.stack(states, axis=1)


def test_rnn_forward_reference_passes():
    assert check_rnn_forward(rnn_forward).passed


def test_rnn_forward_reference_agrees_with_dlcore_rnn():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 3))
    layer = RNN(3, 4, return_sequences=True, seed=0, dtype=np.float64)
    layer.b.value[:] = rng.standard_normal(4)
    out = layer.forward(x)
    # 5 steps, each a sum of 3 + 4 + 1 terms that carries the earlier steps' rounding
    assert_close(out, rnn_forward(x, layer.W_xh.value, layer.W_hh.value, layer.b.value),
                 n_terms=5 * (3 + 4 + 1), what="dlcore's RNN and the loop")


def not_carried(x, W_xh, W_hh, b):
    N, T, _ = x.shape
    h0 = np.zeros((N, W_hh.shape[0]))
    return np.stack([rnn_step(x[:, t], h0, W_xh, W_hh, b) for t in range(T)], axis=1)


def with_h0(x, W_xh, W_hh, b):
    hs = rnn_forward(x, W_xh, W_hh, b)
    return np.concatenate([np.zeros_like(hs[:, :1]), hs], axis=1)


def state_before_step(x, W_xh, W_hh, b):
    return with_h0(x, W_xh, W_hh, b)[:, :-1]


def same_array_every_step(x, W_xh, W_hh, b):
    N, T, _ = x.shape
    hs = np.zeros((N, T, W_hh.shape[0]))
    h = np.zeros((N, W_hh.shape[0]))
    rows = []
    for t in range(T):
        h[:] = rnn_step(x[:, t], h, W_xh, W_hh, b)  # updated in place ...
        rows.append(h)  # ... so every entry is the same array
    for t in range(T):
        hs[:, t] = rows[t]
    return hs


@pytest.mark.parametrize("wrong, hint", [
    (not_carried, "not carried forward"),
    (with_h0, "starts with h_0"),
    (state_before_step, "BEFORE step t"),
    (lambda x, Wx, Wh, b: rnn_forward(x, Wx, Wh, b)[:, -1], "only the last state"),
    (lambda x, Wx, Wh, b: rnn_forward(x, Wx, Wh, b).transpose(1, 0, 2), "axes are swapped"),
    (same_array_every_step, "store a copy"),
])
def test_rnn_forward_mistakes_are_named(wrong, hint):
    assert_fails_with(check_rnn_forward(wrong), hint)


def test_rnn_forward_not_implemented_and_none():
    assert_fails_with(check_rnn_forward(not_implemented), "NotImplementedError")
    assert_fails_with(check_rnn_forward(returns_none), "returned None")


# --- clip_by_global_norm ------------------------------------------------------------------------
def clip_by_global_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    if norm > max_norm:
        return [g * (max_norm / norm) for g in grads]
    return [g.copy() for g in grads]


def test_clip_reference_passes():
    assert check_clip_by_global_norm(clip_by_global_norm).passed


def test_clip_reference_agrees_with_the_optimizers_clip_norm():
    grads = [np.array([[3.0, 0.0]]), np.array([4.0])]  # global norm 5, by hand
    params = [Parameter(np.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad[...] = g
    SGD(params, lr=1.0, clip_norm=1.0).step()  # w <- 0 - 1 * clipped g
    for p, clipped in zip(params, clip_by_global_norm(grads, 1.0), strict=True):
        np.testing.assert_allclose(-p.value, clipped)
    np.testing.assert_allclose(-params[0].value, [[0.6, 0.0]])


def each_on_its_own(grads, max_norm):
    return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]


def always_rescaled(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * max_norm / norm for g in grads]


def no_sqrt(grads, max_norm):
    squared = sum(np.sum(g ** 2) for g in grads)
    return [g * min(1.0, max_norm / squared) for g in grads]


def divided_only(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g / norm if norm > max_norm else g for g in grads]


def in_place(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return grads


@pytest.mark.parametrize("wrong, hint", [
    (each_on_its_own, "clipped on its own"),
    (always_rescaled, "below max_norm"),
    (lambda grads, m: [np.clip(g, -m, m) for g in grads], "np.clip"),
    (no_sqrt, "square root"),
    (divided_only, "not multiplied by max_norm"),
    (in_place, "in place"),
    (lambda grads, m: grads[:1], "a list of 2 arrays"),
    (lambda grads, m: [g.ravel() for g in grads], "wrong shape"),
])
def test_clip_mistakes_are_named(wrong, hint):
    assert_fails_with(check_clip_by_global_norm(wrong), hint)


def test_clip_not_implemented_and_none():
    assert_fails_with(check_clip_by_global_norm(not_implemented), "NotImplementedError")
    assert_fails_with(check_clip_by_global_norm(returns_none), "returned None")
