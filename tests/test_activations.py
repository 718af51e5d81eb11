"""Activations: known values by hand, float64 gradient checks, and stability at extreme inputs."""

import warnings

import numpy as np
import pytest
from helpers import layer_gradient_errors

from dlcore.activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, sigmoid, softmax
from dlcore.tolerance import assert_close


def test_known_values():
    z = np.array([[-1.0, 0.0, 2.0]])
    assert np.allclose(Identity().forward(z), z)
    assert np.allclose(ReLU().forward(z), [[0.0, 0.0, 2.0]])
    assert np.allclose(LeakyReLU(0.1).forward(z), [[-0.1, 0.0, 2.0]])
    assert np.allclose(Sigmoid().forward(z), [[1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-2.0))]])
    assert np.allclose(Tanh().forward(z), [[(np.e**-1 - np.e) / (np.e**-1 + np.e), 0.0, np.tanh(2.0)]])
    p = Softmax().forward(np.array([[0.0, np.log(3.0)]]))
    assert np.allclose(p, [[0.25, 0.75]])


def test_relu_derivative_at_zero_is_zero_like_pytorch():
    layer = ReLU()
    layer.forward(np.array([[0.0, 1.0, -1.0]]))
    assert np.array_equal(layer.backward(np.ones((1, 3))), [[0.0, 1.0, 0.0]])


@pytest.mark.parametrize("layer", [Identity(), Sigmoid(), Tanh(), ReLU(), LeakyReLU(0.05), Softmax()])
def test_gradient_check_float64(layer):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # stay away from the kink of ReLU at 0
    dout = rng.standard_normal((4, 5))
    errors = layer_gradient_errors(layer, x, dout)
    assert set(errors) == {"x"}  # an activation has no parameters
    assert errors["x"] < 1e-6


def test_float32_in_float32_out():
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    for layer in [Identity(), Sigmoid(), Tanh(), ReLU(), LeakyReLU(), Softmax()]:
        out = layer.forward(x)
        assert out.dtype == np.float32, type(layer).__name__
        assert layer.backward(np.ones_like(out)).dtype == np.float32, type(layer).__name__


def test_sigmoid_at_plus_minus_1000_is_finite_without_warnings():
    z = np.array([[-1000.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(z)
        layer = Sigmoid()
        out = layer.forward(z)
        grad = layer.backward(np.ones_like(z))
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(grad))
    assert s[0, 0] == 0.0 and s[0, 1] == 1.0
    assert np.array_equal(out, s)


def test_softmax_of_huge_logits_is_finite_without_warnings():
    z = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(z)
        layer = Softmax()
        layer.forward(z)
        grad = layer.backward(np.ones_like(z))
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(grad))
    assert_close(p.sum(axis=1), [1.0, 1.0], n_terms=3, what="each row's probabilities summed")
    assert_close(p[0], [1.0, 0.0, 0.0], n_terms=3, what="softmax of (1e4, 0, -1e4) and (1, 0, 0)")
    assert_close(p[1], [1 / 3] * 3, n_terms=3, what="softmax of three equal logits and 1/3")


def test_leaky_relu_rejects_bad_alpha():
    with pytest.raises(ValueError, match=r"alpha.*\[0, 1\).*received -0\.5"):
        LeakyReLU(-0.5)


def test_activation_rejects_strings():
    with pytest.raises(TypeError, match=r"ReLU.*expected x.*array of numbers.*received"):
        ReLU().forward(np.array([["a", "b"]]))
