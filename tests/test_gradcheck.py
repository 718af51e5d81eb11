"""Tests for dlcore.gradcheck: the checker must pass correct gradients AND fail wrong ones."""

import numpy as np
import pytest

from dlcore import activations, conv, losses, recurrent
from dlcore.gradcheck import (
    GradCheckResult,
    check_layer,
    check_loss,
    check_model,
    numerical_gradient,
    relative_error,
)
from dlcore.layers import Dense, Dropout, Flatten
from dlcore.module import Layer, Parameter, Sequential


def away_from_zero(shape, seed=0):
    """Random numbers with |x| >= 0.1, so that ReLU's kink at 0 is far from every input."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    return np.where(x >= 0, x + 0.1, x - 0.1)


# --- numerical_gradient and relative_error ------------------------------------------------------


def test_numerical_gradient_of_x_squared():
    x = np.array([-2.0, 0.5, 3.0])
    grad = numerical_gradient(lambda v: np.sum(v**2), x)
    np.testing.assert_allclose(grad, [-4.0, 1.0, 6.0], rtol=1e-8)  # d(x^2)/dx = 2x
    np.testing.assert_array_equal(x, [-2.0, 0.5, 3.0])  # restored exactly


def test_numerical_gradient_of_a_matrix_function():
    # f(W) = sum((A @ W) * B)  ->  df/dW = A.T @ B   (worked out by hand)
    rng = np.random.default_rng(1)
    A, W, B = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    W_before = W.copy()
    grad = numerical_gradient(lambda w: np.sum((A @ w) * B), W)
    np.testing.assert_allclose(grad, A.T @ B, rtol=1e-7, atol=1e-10)
    np.testing.assert_array_equal(W, W_before)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def f(v):
        if v[0] != 1.0:
            raise RuntimeError("boom")
        return 0.0

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numerical_gradient_bad_inputs():
    with pytest.raises(TypeError, match=r"expected x to be float64.*received.*float32"):
        numerical_gradient(np.sum, np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match=r"float64 NumPy array.*received list"):
        numerical_gradient(np.sum, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"single number.*shape \(3,\)"):
        numerical_gradient(lambda v: v * 2, np.ones(3))
    with pytest.raises(ValueError, match=r"small positive step h.*received 0"):
        numerical_gradient(np.sum, np.ones(3), h=0)


def test_relative_error_known_values():
    err = relative_error([1.0, 1.0, 0.0, -1.0], [1.0, 3.0, 0.0, 1.0])
    # |1-1|/2 = 0 ; |1-3|/4 = 0.5 ; both zero -> 0 ; opposite signs -> 2/2 = 1
    np.testing.assert_allclose(err, [0.0, 0.5, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"same shape.*\(2,\) and \(3,\)"):
        relative_error(np.ones(2), np.ones(3))


# --- check_layer on correct layers --------------------------------------------------------------


@pytest.mark.parametrize(
    "make_layer, shape",
    [
        (lambda: Dense(4, 3, seed=0), (5, 4)),
        (lambda: activations.Sigmoid(), (3, 4)),
        (lambda: activations.Tanh(), (3, 4)),
        (lambda: activations.ReLU(), (3, 4)),
        (lambda: activations.LeakyReLU(0.1), (3, 4)),
        (lambda: activations.Softmax(), (3, 5)),
        (lambda: activations.Identity(), (2, 3)),
        (lambda: Flatten(), (2, 3, 2)),
        (lambda: Dropout(0.5, seed=0), (4, 3)),
        (
            lambda: Sequential(Dense(4, 6, seed=1), activations.Tanh(), Dense(6, 3, seed=2),
                               activations.Softmax()),
            (5, 4),
        ),
        (lambda: conv.Conv2D(2, 3, 3, stride=1, padding=1, seed=0), (2, 2, 5, 5)),
        (lambda: conv.Conv2D(1, 2, 3, stride=2, seed=0), (2, 1, 7, 7)),
        (lambda: conv.MaxPool2D(2), (2, 2, 4, 4)),
        (lambda: recurrent.RNN(3, 4, seed=0), (2, 5, 3)),
        (lambda: recurrent.RNN(3, 4, return_sequences=True, seed=0), (2, 4, 3)),
        (
            lambda: Sequential(conv.Conv2D(1, 2, 3, padding=1, seed=0), activations.ReLU(),
                               conv.MaxPool2D(2), Flatten(), Dense(2 * 2 * 2, 3, seed=1)),
            (2, 1, 4, 4),
        ),
    ],
)
def test_check_layer_passes_on_correct_layers(make_layer, shape):
    layer = make_layer()
    result = check_layer(layer, away_from_zero(shape), seed=0)
    assert isinstance(result, GradCheckResult)
    assert result.passed, str(result)
    assert bool(result) is True
    assert result.max_rel_error < 1e-6


def test_check_layer_names_nested_parameters():
    model = Sequential(Dense(3, 4, seed=0), activations.ReLU(), Dense(4, 2, seed=1))
    result = check_layer(model, away_from_zero((4, 3)))
    names = [d.name for d in result.details]
    assert names == ["input", "layers[0].W", "layers[0].b", "layers[2].W", "layers[2].b"]
    assert result.passed, str(result)


def test_check_layer_does_not_touch_the_callers_layer_or_input():
    layer = Dense(3, 2, seed=0)
    W, b = layer.W.value.copy(), layer.b.value.copy()
    layer.W.grad += 7.0  # a stale gradient the check must neither use nor clear
    layer.eval()
    x = away_from_zero((4, 3)).astype(np.float32)
    x_before = x.copy()
    assert check_layer(layer, x, mode="train")
    assert layer.W.value.dtype == np.float32  # the copy was cast, not the layer
    np.testing.assert_array_equal(layer.W.value, W)
    np.testing.assert_array_equal(layer.b.value, b)
    np.testing.assert_array_equal(layer.W.grad, np.full((3, 2), 7.0, dtype=np.float32))
    assert layer.training is False
    np.testing.assert_array_equal(x, x_before)
    assert x.dtype == np.float32


def test_dropout_in_train_mode_fails_which_is_why_eval_is_the_default():
    # every forward pass draws a new mask, so the finite differences compare different functions
    result = check_layer(Dropout(0.5, seed=0), away_from_zero((4, 3)), mode="train")
    assert not result
    assert check_layer(Dropout(0.5, seed=0), away_from_zero((4, 3)))  # eval mode


def test_check_layer_checks_the_input_gradient_even_if_the_model_skips_it():
    model = Sequential(Dense(3, 4, seed=0), activations.Tanh(), Dense(4, 2, seed=1))
    model.needs_input_grad = False  # as fit sets it while training
    result = check_layer(model, away_from_zero((4, 3)))
    assert result and result.details[0].name == "input"
    assert model.needs_input_grad is False  # the caller's model is left as it was


# --- check_layer must FAIL on wrong layers ------------------------------------------------------


class DenseMissingTranspose(Layer):
    """A deliberately broken Dense: dx = dout @ W (should be dout @ W.T). Square W so it runs."""

    parameter_names = ("W", "b")

    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.W = Parameter(rng.standard_normal((3, 3)), "W")
        self.b = Parameter(np.zeros(3), "b")

    def forward(self, x):
        self.x = x
        return x @ self.W.value + self.b.value

    def backward(self, dout):
        self.W.grad += self.x.T @ dout
        self.b.grad += dout.sum(axis=0)
        return dout @ self.W.value  # BUG: missing .T



class DenseWrongSignBias(DenseMissingTranspose):
    """A deliberately broken Dense: db has the wrong sign; dx and dW are right."""

    def backward(self, dout):
        self.W.grad += self.x.T @ dout
        self.b.grad -= dout.sum(axis=0)  # BUG: wrong sign
        return dout @ self.W.value.T


def test_check_layer_fails_on_missing_transpose():
    result = check_layer(DenseMissingTranspose(), away_from_zero((4, 3)))
    assert result.passed is False
    assert not result
    assert result.max_rel_error > 1e-2
    assert result.where.startswith("input[")  # the wrong tensor is the input gradient
    by_name = {d.name: d for d in result.details}
    assert not by_name["input"].passed
    assert by_name["W"].passed and by_name["b"].passed
    assert "FAILED" in str(result) and "WRONG" in str(result)


def test_check_layer_fails_on_wrong_sign_and_points_at_the_bias():
    result = check_layer(DenseWrongSignBias(), away_from_zero((4, 3)))
    assert not result
    assert result.where.startswith("b[")
    assert result.max_rel_error == pytest.approx(1.0)  # opposite signs: |a - n| / (|a| + |n|) = 1
    by_name = {d.name: d for d in result.details}
    assert by_name["input"].passed and by_name["W"].passed and not by_name["b"].passed
    assert by_name["b"].analytic == pytest.approx(-by_name["b"].numerical, rel=1e-6)


def test_check_layer_fails_in_a_sequential_and_names_the_layer():
    model = Sequential(Dense(3, 3, seed=0), activations.Tanh(), DenseWrongSignBias())
    result = check_layer(model, away_from_zero((4, 3)))
    assert not result
    assert result.where.startswith("layers[2].b[")


def test_check_layer_bad_inputs():
    with pytest.raises(TypeError, match=r"expected a dlcore Layer.*received type"):
        check_layer(activations.ReLU, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"mode 'eval' or 'train', received 'test'"):
        check_layer(activations.ReLU(), np.ones((2, 2)), mode="test")
    with pytest.raises(ValueError, match=r"non-empty batch.*shape \(0, 2\)"):
        check_layer(activations.ReLU(), np.ones((0, 2)))
    with pytest.raises(ValueError, match=r"positive tolerance.*received -1"):
        check_layer(activations.ReLU(), np.ones((2, 2)), tol=-1)


class ShapeBugLayer(Layer):
    def forward(self, x):
        return x * 2.0

    def backward(self, dout):
        return dout[:, :1]  # wrong shape


def test_check_layer_reports_a_wrong_gradient_shape():
    with pytest.raises(ValueError, match=r"dL/dx to have shape \(2, 3\), received.*\(2, 1\)"):
        check_layer(ShapeBugLayer(), np.ones((2, 3)))


# --- check_loss and check_model ------------------------------------------------------------------


class HalfSquaredError:
    """A tiny loss written here, L = 0.5 * mean((y_hat - y)^2), so the test needs no losses.py."""

    is_classification = False

    def __init__(self, bug=False):
        self.bug = bug

    def __call__(self, y_hat, y):
        self.diff = y_hat - y
        return float(0.5 * np.mean(self.diff**2))

    def backward(self):
        g = self.diff / self.diff.size
        return 2 * g if self.bug else g  # BUG variant: factor 2 too large


def test_check_loss_passes_and_fails():
    rng = np.random.default_rng(0)
    y_hat, y = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    good = check_loss(HalfSquaredError(), y_hat, y)
    assert good, str(good)
    bad = check_loss(HalfSquaredError(bug=True), y_hat, y)
    assert not bad
    # analytic = 2 * numerical  ->  relative error |2n - n| / (3|n|) = 1/3 everywhere
    assert bad.max_rel_error == pytest.approx(1 / 3, rel=1e-5)
    assert bad.where.startswith("y_hat[")


def test_check_model_passes_and_fails():
    X = away_from_zero((6, 3))
    y = np.random.default_rng(2).standard_normal((6, 2))
    model = Sequential(Dense(3, 4, seed=0), activations.Tanh(), Dense(4, 2, seed=1))
    result = check_model(model, HalfSquaredError(), X, y)
    assert result, str(result)
    assert [d.name for d in result.details] == ["layers[0].W", "layers[0].b", "layers[2].W",
                                                "layers[2].b"]
    broken = Sequential(DenseWrongSignBias(), activations.Tanh(), Dense(3, 2, seed=1))
    result = check_model(broken, HalfSquaredError(), X[:, :3], y)
    assert not result
    assert result.where.startswith("layers[0].b[")


def test_check_model_with_real_losses():
    X = away_from_zero((6, 3))
    labels = np.array([0, 1, 2, 0, 1, 2])
    model = Sequential(Dense(3, 4, seed=0), activations.Tanh(), Dense(4, 3, seed=1))
    result = check_model(model, losses.SoftmaxCrossEntropy(), X, labels)
    assert result, str(result)
    rng = np.random.default_rng(3)
    assert check_loss(losses.MSE(), rng.standard_normal((4, 2)), rng.standard_normal((4, 2)))
    assert check_loss(losses.SoftmaxCrossEntropy(), rng.standard_normal((4, 3)), labels[:4])


def test_result_str_is_readable():
    result = check_layer(Dense(2, 2, seed=0), away_from_zero((3, 2)))
    text = str(result)
    assert text.startswith("gradient check PASSED: max relative error")
    assert "input" in text and "W" in text and "b" in text


# --- tiny gradients: rounding noise is not a bug, a bug still is -------------------------------


def test_relative_error_floor_compares_tiny_elements_with_the_tensor_scale():
    # an element 1e-5 with a rounding error of 1e-11 next to an element of 1.0
    analytic = np.array([1.0, 1e-5])
    numerical = np.array([1.0, 1e-5 + 1e-11])
    assert relative_error(analytic, numerical)[1] > 1e-7          # plain: noise looks large
    assert relative_error(analytic, numerical, floor=2e-3)[1] < 1e-8  # against the scale: tiny


def test_digits_model_with_tiny_gradients_passes_at_default_tolerance():
    """A correct 64-32-10 softmax network on 8 real digits. Compared element by element with
    itself, rounding noise gives a relative error of about 2e-6 on this batch (measured when the
    floor was introduced); against the tensor's scale it is below 1e-6, as it should be."""
    from dlcore.datasets import load_digits

    X, y = load_digits()
    idx = np.random.default_rng(1).choice(len(X), 8, replace=False)
    model = Sequential(Dense(64, 32, seed=1), activations.ReLU(), Dense(32, 10, seed=2))
    result = check_model(model, losses.SoftmaxCrossEntropy(), X[idx] / 16.0, y[idx])
    assert result.passed, str(result)


def test_a_bug_at_a_tiny_element_still_fails():
    class HalfGradientAtOneWeight(Dense):
        """Dense whose dW is wrong at a single element (halved)."""

        def backward(self, dout):
            dx = super().backward(dout)
            self.W.grad[0, 0] *= 0.5
            return dx

    rng = np.random.default_rng(0)
    layer = HalfGradientAtOneWeight(3, 2, seed=0)
    result = check_layer(layer, rng.standard_normal((4, 3)))
    assert not result.passed
    assert result.where == "W[0, 0]" and result.max_rel_error > 1e-3
