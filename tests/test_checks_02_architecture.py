"""The 02_architecture checkers pass the reference solutions and name typical mistakes."""

import numpy as np
import pytest
from helpers import assert_fails_with, not_implemented, returns_none

from dlcore.course.checks.architecture import (
    check_count_parameters,
    check_neuron,
    check_sigmoid_derivative,
)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# --- one neuron ----------------------------------------------------------------------------------
def neuron_right(x, w, b):
    return np.maximum(x @ w + b, 0)


def test_neuron_right(capsys):
    result = check_neuron(neuron_right)
    assert result.passed and bool(result)
    assert capsys.readouterr().out.startswith("✅ Right")


def test_neuron_right_written_with_a_sum():
    assert check_neuron(lambda x, w, b: np.maximum((x * w).sum(axis=1) + b, 0))


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, w, b: np.maximum(x @ w, 0), "forgot the bias"),
    (lambda x, w, b: x @ w + b, "no activation"),
    (lambda x, w, b: np.maximum(x @ w - b, 0), "subtracted the bias"),
    (lambda x, w, b: np.maximum(x @ w, 0) + b, "added the bias after the activation"),
    (lambda x, w, b: sigmoid(x @ w + b), "used the sigmoid"),
    (lambda x, w, b: np.maximum(x * w + b, 0), "did not add up"),
    (lambda x, w, b: np.maximum(x @ w.reshape(-1, 1) + b, 0), "shape (N, 1)"),
])
def test_neuron_mistakes(wrong, hint):
    assert_fails_with(check_neuron(wrong), hint)


def neuron_transposed_x(x, w, b):
    return np.maximum(x.T @ w + b, 0)


def test_neuron_transposed_x_is_named_with_its_shapes():
    # x.T @ w: NumPy's own words ("matmul: Input operand 1 has a mismatch ...") name neither
    assert_fails_with(check_neuron(neuron_transposed_x), "x.T (3, 5) @ w (3,) does not fit",
                      "Expected x @ w: (5, 3) @ (3,) -> (5,)", "drop the .T")


def test_neuron_names_the_case():
    assert_fails_with(check_neuron(lambda x, w, b: np.maximum(x @ w, 0)),
                      "x of shape (5, 3), w of shape (3,), b = 0.7")


def test_neuron_classic_case_catches_a_bias_that_only_works_for_zero():
    # right whenever b = 0 (the random case has b = 0.7, so make it fail only on the classic one)
    def only_positive_inputs(x, w, b):
        out = np.maximum(x @ w + b, 0)
        return np.where(x[:, 0] < 0, np.maximum(x @ w, 0), out) if x.shape[1] == 1 else out

    assert_fails_with(check_neuron(only_positive_inputs), "x = -0.35, w = 1, b = 1: expected 0.65")


def test_neuron_not_done_and_none():
    assert_fails_with(check_neuron(not_implemented), "NotImplementedError")
    assert_fails_with(check_neuron(returns_none), "returned None")


# --- counting parameters -------------------------------------------------------------------------
def count_right(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def test_count_parameters_right(capsys):
    assert check_count_parameters(count_right)
    assert capsys.readouterr().out.startswith("✅ Right")
    # (D_in + 1) * D_out is the same count written differently
    assert check_count_parameters(lambda s: sum((a + 1) * b for a, b in zip(s[:-1], s[1:], strict=True)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)), "not the biases"),
    (lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)) + sum(s), "input layer biases"),
    (lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:], strict=True)), "one bias per input"),
    (lambda s: int(np.prod(s)), "multiplied all the layer sizes"),
    (lambda s: [a * b + b for a, b in zip(s[:-1], s[1:], strict=True)], "one count per layer"),
])
def test_count_parameters_mistakes(wrong, hint):
    result = check_count_parameters(wrong)
    assert_fails_with(result, hint, "layer_sizes = [3, 4, 2], expected 26")


def test_count_parameters_not_done_and_none():
    assert_fails_with(check_count_parameters(not_implemented), "NotImplementedError")
    assert_fails_with(check_count_parameters(returns_none), "returned None")


# --- sigmoid derivative --------------------------------------------------------------------------
def test_sigmoid_derivative_right(capsys):
    assert check_sigmoid_derivative(lambda z: sigmoid(z) * (1 - sigmoid(z)))
    assert capsys.readouterr().out.startswith("✅ Right")
    # the same derivative written with exp
    assert check_sigmoid_derivative(lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2)


@pytest.mark.parametrize("wrong, hint", [
    (lambda z: sigmoid(z), "sigmoid(z) itself"),
    (lambda z: z * (1 - z), "used z instead of s"),
    (lambda z: sigmoid(z) * (sigmoid(z) - 1), "wrong sign"),
    (lambda z: 1 - sigmoid(z), "forgot the factor s"),
    (lambda z: sigmoid(z) ** 2, "wrote s * s"),
    (lambda z: 1 - np.tanh(z) ** 2, "this is the derivative of tanh"),
    (lambda z: 1 - sigmoid(z) ** 2, "1 - s**2 is the form of tanh's derivative"),
])
def test_sigmoid_derivative_mistakes(wrong, hint):
    assert_fails_with(check_sigmoid_derivative(wrong), hint)


def test_sigmoid_derivative_not_done_and_none():
    assert_fails_with(check_sigmoid_derivative(not_implemented), "NotImplementedError")
    assert_fails_with(check_sigmoid_derivative(returns_none), "returned None")
