"""RNN: values by hand and by a plain loop, float64 gradient checks (BPTT), bad input."""

import json

import numpy as np
import pytest
from helpers import gradient_descent, layer_gradient_errors

from dlcore.layers import Dense
from dlcore.module import Sequential
from dlcore.recurrent import RNN
from dlcore.tolerance import assert_close


def rnn_by_loops(x, W_xh, W_hh, b):
    """The recurrence written plainly, one sample and one time step at a time."""
    N, T, _ = x.shape
    H = W_hh.shape[0]
    hs = np.zeros((N, T, H))
    for n in range(N):
        h = np.zeros(H)
        for t in range(T):
            h = np.tanh(x[n, t] @ W_xh + h @ W_hh + b)
            hs[n, t] = h
    return hs


# --- forward values ----------------------------------------------------------------------------


def test_rnn_forward_known_value_by_hand():
    layer = RNN(1, 1, return_sequences=True)
    layer.W_xh.value[...] = 1.0
    layer.W_hh.value[...] = 0.5
    layer.b.value[...] = 0.0
    x = np.array([[[1.0], [0.0], [-2.0]]], dtype=np.float32)  # (N=1, T=3, D=1)
    h1 = np.tanh(1.0)
    h2 = np.tanh(0.5 * h1)  # no input at t=2: only the memory of t=1 remains
    h3 = np.tanh(-2.0 + 0.5 * h2)
    out = layer.forward(x)
    assert out.shape == (1, 3, 1) and out.dtype == np.float32
    # each step adds x W_xh + h W_hh + b in float32, and carries the earlier steps' rounding
    assert_close(out[0, :, 0], [h1, h2, h3], n_terms=3 * 3, what="the float32 RNN and by hand")


@pytest.mark.parametrize("return_sequences", [True, False])
def test_rnn_forward_matches_loops(return_sequences):
    rng = np.random.default_rng(0)
    layer = RNN(3, 5, return_sequences=return_sequences, seed=1, dtype=np.float64)
    layer.b.value[...] = rng.standard_normal(5)
    x = rng.standard_normal((4, 6, 3))
    expected = rnn_by_loops(x, layer.W_xh.value, layer.W_hh.value, layer.b.value)
    out = layer.forward(x)
    assert np.allclose(layer.hidden_states, expected, rtol=1e-12, atol=1e-12)
    assert layer.hidden_states.shape == (4, 6, 5)
    if return_sequences:
        assert out.shape == (4, 6, 5) and np.allclose(out, expected)
    else:
        assert out.shape == (4, 5) and np.allclose(out, expected[:, -1])


def test_rnn_output_is_not_the_cache_and_input_untouched():
    rng = np.random.default_rng(0)
    layer = RNN(2, 3, return_sequences=True, seed=0)
    x = rng.standard_normal((2, 4, 2)).astype(np.float32)
    before = x.copy()
    out = layer.forward(x)
    out[...] = 0.0
    assert np.any(layer.hidden_states != 0)
    layer.backward(np.ones((2, 4, 3), dtype=np.float32))
    assert np.array_equal(x, before)


def test_rnn_float32_throughout_and_saturation_without_warnings():
    layer = RNN(2, 3, seed=0)
    x = np.full((2, 5, 2), 1e6, dtype=np.float32)  # tanh saturates at 1; nothing overflows
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(out))
    assert out.dtype == np.float32 and dx.dtype == np.float32
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    assert np.all(np.abs(out) <= 1)


# --- gradients (back propagation through time) -------------------------------------------------


@pytest.mark.parametrize("return_sequences", [True, False])
def test_rnn_gradient_check_float64(return_sequences):
    rng = np.random.default_rng(2)
    layer = RNN(2, 3, return_sequences=return_sequences, seed=3, dtype=np.float64)
    layer.b.value[...] = 0.1 * rng.standard_normal(3)
    x = rng.standard_normal((3, 4, 2))  # N=3, T=4, D=2
    dout = rng.standard_normal(layer.forward(x).shape)
    layer.zero_grad()
    errors = layer_gradient_errors(layer, x, dout, h=1e-5)
    assert set(errors) == {"x", "W_xh", "W_hh", "b"}
    assert max(errors.values()) < 1e-6, errors


def test_rnn_last_state_only_depends_on_every_step():
    # With return_sequences=False, the gradient still reaches the first time step through W_hh.
    layer = RNN(1, 2, seed=0, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((1, 5, 1))
    layer.forward(x)
    dx = layer.backward(np.ones((1, 2)))
    assert np.all(dx[0, :, 0] != 0)


# --- bookkeeping -------------------------------------------------------------------------------


def test_rnn_parameters_config_output_shape_and_summary():
    layer = RNN(3, 8, return_sequences=True, seed=0)
    assert [p.name for p in layer.parameters()] == ["W_xh", "W_hh", "b"]
    assert layer.W_xh.shape == (3, 8) and layer.W_hh.shape == (8, 8) and layer.b.shape == (8,)
    assert layer.num_parameters() == 3 * 8 + 8 * 8 + 8
    cfg = layer.config()
    assert cfg == {"input_size": 3, "hidden_size": 8, "return_sequences": True, "init": "xavier"}
    assert RNN(**json.loads(json.dumps(cfg))).config() == cfg
    assert layer.output_shape((None, None, 3)) == (None, None, 8)
    assert RNN(3, 8).output_shape((None, 10, 3)) == (None, 8)
    text = Sequential(RNN(3, 8), Dense(8, 1)).summary()  # input size found from the config
    assert "(N, 8)" in text and "(N, 1)" in text
    assert f"{3 * 8 + 8 * 8 + 8 + 8 + 1:,}" in text


def test_rnn_seed_gives_same_weights_and_two_different_matrices():
    a, b = RNN(4, 4, seed=7), RNN(4, 4, seed=7)
    assert np.array_equal(a.W_xh.value, b.W_xh.value)
    assert np.array_equal(a.W_hh.value, b.W_hh.value)
    assert not np.array_equal(a.W_xh.value, a.W_hh.value)


# --- bad input ---------------------------------------------------------------------------------


def test_rnn_rejects_2d_input_with_single_feature_hint():
    with pytest.raises(ValueError, match=r"\(N, T, D\).*\(8, 10\).*x\[\.\.\., None\]"):
        RNN(1, 4).forward(np.zeros((8, 10)))


def test_rnn_rejects_single_sequence_with_batch_hint():
    with pytest.raises(ValueError, match=r"\(N, T, D\).*input_size = 3.*\(10, 3\).*x\[None\]"):
        RNN(3, 4).forward(np.zeros((10, 3)))


def test_rnn_rejects_wrong_feature_count():
    with pytest.raises(ValueError, match=r"input_size = 3.*\(2, 5, 4\).*RNN\(4, 6\)"):
        RNN(3, 6).forward(np.zeros((2, 5, 4)))


def test_rnn_rejects_4d_input_and_empty_sequences():
    with pytest.raises(ValueError, match=r"\(N, T, D\).*\(2, 5, 3, 1\)"):
        RNN(3, 6).forward(np.zeros((2, 5, 3, 1)))
    with pytest.raises(ValueError, match=r"T >= 1.*\(2, 0, 3\)"):
        RNN(3, 6).forward(np.zeros((2, 0, 3)))


def test_rnn_backward_checks_dout_shape_and_order():
    layer = RNN(2, 3)
    with pytest.raises(RuntimeError, match="forward"):
        layer.backward(np.zeros((1, 3)))
    layer.forward(np.zeros((1, 4, 2)))
    with pytest.raises(ValueError, match=r"\(1, 3\).*\(1, 4, 3\).*return_sequences=False"):
        layer.backward(np.zeros((1, 4, 3)))


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"input_size": 0}, ValueError, r"input_size.*positive.*received 0"),
        ({"hidden_size": -1}, ValueError, r"hidden_size.*positive.*received -1"),
        ({"hidden_size": 2.5}, TypeError, r"hidden_size.*integer.*received float 2.5"),
        ({"return_sequences": "yes"}, TypeError, r"True or False.*received str 'yes'"),
        ({"init": "orthogonal"}, ValueError, r"'xavier'.*'orthogonal'"),
    ],
)
def test_rnn_rejects_bad_constructor_arguments(kwargs, error, pattern):
    args = {"input_size": 2, "hidden_size": 3, **kwargs}
    with pytest.raises(error, match=pattern):
        RNN(**args)


def test_rnn_output_shape_rejects_wrong_layout():
    with pytest.raises(ValueError, match=r"\(N, T, D\).*\(None, 3\)"):
        RNN(3, 4).output_shape((None, 3))
    with pytest.raises(ValueError, match=r"input_size = 3.*\(None, 10, 2\)"):
        RNN(3, 4).output_shape((None, 10, 2))


# --- learning ----------------------------------------------------------------------------------


def test_rnn_learns_to_sum_a_sequence():
    """RNN -> Dense learns y = sum of the inputs, which needs memory of every step."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-0.5, 0.5, size=(64, 5, 1)).astype(np.float32)
    y = X.sum(axis=1)  # (64, 1)
    model = Sequential(RNN(1, 8, seed=1), Dense(8, 1, init="xavier", seed=2))

    def loss_and_grad():
        y_hat = model.forward(X)
        return np.mean((y_hat - y) ** 2), 2 * (y_hat - y) / len(X)

    first, last = gradient_descent(model, loss_and_grad, steps=300, lr=0.1)
    assert last < 0.2 * first
