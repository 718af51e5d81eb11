"""Dense, Dropout, Flatten: known forward values, float64 gradient checks, and bad input."""

import numpy as np
import pytest
from helpers import grads_when_dx_is_skipped, layer_gradient_errors

from dlcore.layers import Dense, Dropout, Flatten
from dlcore.tolerance import assert_close


def test_dense_forward_known_value():
    layer = Dense(2, 3)
    layer.W.value[...] = [[1, 2, 3], [4, 5, 6]]
    layer.b.value[...] = [0.5, -1, 0]
    x = np.array([[1.0, 1.0], [0.0, 2.0]], dtype=np.float32)
    # row 0: [1+4, 2+5, 3+6] + b ; row 1: [8, 10, 12] + b
    assert_close(layer.forward(x), [[5.5, 6.0, 9.0], [8.5, 9.0, 12.0]], n_terms=3,
                 what="Dense's float32 output and the sums by hand")


def test_bias_is_the_threshold_example():
    # weighted sum -0.35: a ReLU neuron stays silent; a bias of +1 makes it fire with 0.65
    layer = Dense(1, 1)
    layer.W.value[...] = 1.0
    x = np.array([[-0.35]], dtype=np.float32)
    assert np.maximum(layer.forward(x), 0)[0, 0] == 0.0
    layer.b.value[...] = 1.0
    assert_close(np.maximum(layer.forward(x), 0)[0, 0], 0.65, n_terms=2,
                 what="relu(-0.35 + 1) and 0.65")


def test_dense_gradient_check_float64():
    rng = np.random.default_rng(1)
    layer = Dense(4, 3, seed=0, dtype=np.float64)
    x = rng.standard_normal((5, 4))
    dout = rng.standard_normal((5, 3))
    errors = layer_gradient_errors(layer, x, dout)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-6, errors


def test_dense_backward_accumulates_until_zero_grad():
    layer = Dense(3, 2, seed=0)
    x = np.ones((2, 3), dtype=np.float32)
    layer.forward(x)
    layer.backward(np.ones((2, 2), dtype=np.float32))
    first = layer.W.grad.copy()
    layer.backward(np.ones((2, 2), dtype=np.float32))
    assert_close(layer.W.grad, 2 * first, n_terms=2 * len(x), what="two backward passes and twice one")
    layer.zero_grad()
    assert not layer.W.grad.any() and not layer.b.grad.any()


def test_dense_without_input_grad_returns_none_and_the_same_parameter_grads():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 5))
    dout = rng.standard_normal((6, 4))
    grads = grads_when_dx_is_skipped(lambda: Dense(5, 4, seed=2, dtype=np.float64), x, dout)
    assert set(grads) == {"W", "b"}
    # dW = x.T @ dout and db = sum of dout's rows, whether dx is computed or not
    assert np.allclose(grads["W"], x.T @ dout) and np.allclose(grads["b"], dout.sum(axis=0))


def test_dense_defaults_float32_and_seeded():
    a, b = Dense(5, 4, seed=7), Dense(5, 4, seed=7)
    assert a.W.value.dtype == np.float32 and a.b.value.dtype == np.float32
    assert np.array_equal(a.W.value, b.W.value)
    assert not np.array_equal(a.W.value, Dense(5, 4, seed=8).W.value)
    assert a.num_parameters() == 5 * 4 + 4


def test_dense_to_float64_for_gradient_checks():
    layer = Dense(3, 2, seed=0).to(np.float64)
    assert layer.W.value.dtype == np.float64 and layer.W.grad.dtype == np.float64


def test_dense_wrong_input_width_names_both_shapes():
    layer = Dense(64, 10)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 64\).*\(32, 100\).*Dense\(100, 10\)"):
        layer.forward(np.zeros((32, 100), dtype=np.float32))


def test_dense_single_sample_hint():
    with pytest.raises(ValueError, match=r"\(N, 3\).*shape \(3,\).*reshape\(1, -1\)"):
        Dense(3, 2).forward(np.zeros(3))


def test_dense_image_batch_hint_flatten():
    with pytest.raises(ValueError, match=r"\(N, 64\).*\(10, 8, 8\).*Flatten"):
        Dense(64, 2).forward(np.zeros((10, 8, 8)))


@pytest.mark.parametrize("bad", [0, -3])
def test_dense_rejects_sizes_below_one(bad):
    with pytest.raises(ValueError, match=rf"expected in_features to be a positive integer, received {bad}\. Hint"):
        Dense(bad, 3)


@pytest.mark.parametrize("bad, kind", [(2.5, "float"), ("10", "str"), (True, "bool")])
def test_dense_rejects_sizes_that_are_not_integers(bad, kind):
    with pytest.raises(TypeError, match=rf"expected out_features to be a positive integer, received {kind}"):
        Dense(3, bad)


def test_dense_unknown_init_name():
    with pytest.raises(ValueError, match=r"expected one of.*received 'uniform'"):
        Dense(3, 2, init="uniform")


def test_dropout_train_and_eval():
    layer = Dropout(0.5, seed=0)
    x = np.ones((1000, 20), dtype=np.float32)
    out = layer.forward(x)
    kept = out != 0
    assert 0.45 < kept.mean() < 0.55
    assert_close(out[kept], np.full(kept.sum(), 2.0, dtype=np.float32),
                 what="the survivors and 1 / (1 - p)")  # survivors scaled by 1 / (1 - p)
    assert np.array_equal(layer.backward(np.ones_like(x)) != 0, kept)
    layer.eval()
    assert np.array_equal(layer.forward(x), x)
    assert np.array_equal(layer.backward(x), x)


@pytest.mark.parametrize("bad", [1.0, -0.1, 1.5])
def test_dropout_rejects_bad_p(bad):
    with pytest.raises(ValueError, match=r"expected p .* in \[0, 1\), received"):
        Dropout(bad)


def test_flatten_round_trip():
    layer = Flatten()
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    out = layer.forward(x)
    assert out.shape == (2, 12) and np.array_equal(out[1], np.arange(12, 24))
    assert layer.backward(out).shape == (2, 3, 4)
    assert layer.output_shape((None, 1, 8, 8)) == (None, 64)


def test_flatten_needs_a_batch():
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*shape \(5,\)"):
        Flatten().forward(np.zeros(5))
