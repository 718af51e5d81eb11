"""The 03_loss checkers pass the reference solutions and name typical mistakes."""

import warnings

import numpy as np
import pytest
from helpers import assert_fails_with, not_implemented, returns_none

from dlcore.course.checks.loss import (
    check_binary_cross_entropy,
    check_categorical_cross_entropy,
    check_mse,
)


# --- MSE -----------------------------------------------------------------------------------------
def test_mse_right(capsys):
    assert check_mse(lambda y_hat, y: np.mean((y_hat - y) ** 2))
    assert capsys.readouterr().out.startswith("✅ Right")


@pytest.mark.parametrize("wrong, hint", [
    (lambda y_hat, y: np.sum((y_hat - y) ** 2), "summed the squared errors"),
    (lambda y_hat, y: np.mean(y_hat - y), "forgot to square"),
    (lambda y_hat, y: np.mean(np.abs(y_hat - y)), "MAE"),
    (lambda y_hat, y: np.sqrt(np.mean((y_hat - y) ** 2)), "RMSE"),
    (lambda y_hat, y: 0.5 * np.mean((y_hat - y) ** 2), "half the MSE"),
    (lambda y_hat, y: np.mean(y_hat - y) ** 2, "squared the mean error"),
    (lambda y_hat, y: (y_hat - y) ** 2, "one squared error per element"),
])
def test_mse_mistakes(wrong, hint):
    assert_fails_with(check_mse(wrong), hint)


def test_mse_not_done_and_none():
    assert_fails_with(check_mse(not_implemented), "NotImplementedError")
    assert_fails_with(check_mse(returns_none), "returned None")


# --- binary cross-entropy ------------------------------------------------------------------------
def bce_right(p, y):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_bce_right(capsys):
    assert check_binary_cross_entropy(bce_right)
    assert capsys.readouterr().out.startswith("✅ Right")


@pytest.mark.parametrize("wrong, hint", [
    (lambda p, y: -bce_right(p, y), "wrong sign"),
    (lambda p, y: -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)), "summed over the samples"),
    (lambda p, y: -np.mean(y * np.log10(p) + (1 - y) * np.log10(1 - p)), "log10"),
    (lambda p, y: -np.mean(y * np.log(p)), "forgot the (1 - y)"),
    (lambda p, y: -np.mean(y * np.log(1 - p) + (1 - y) * np.log(p)), "swapped p and 1 - p"),
    (lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)), "one loss per sample"),
])
def test_bce_mistakes(wrong, hint):
    assert_fails_with(check_binary_cross_entropy(wrong), hint)


def test_bce_swapped_arguments_is_named_without_a_numpy_warning():
    def swapped(p, y):
        return -np.mean(p * np.log(y) + (1 - p) * np.log(1 - y))

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning from log(0) would fail here
        result = check_binary_cross_entropy(swapped)
    assert_fails_with(result, "not a finite number", "did you swap p and y")


def test_bce_not_done_and_none():
    assert_fails_with(check_binary_cross_entropy(not_implemented), "NotImplementedError")
    assert_fails_with(check_binary_cross_entropy(returns_none), "returned None")


# --- categorical cross-entropy -------------------------------------------------------------------
def cce_right(P, Y):
    return -np.mean(np.sum(Y * np.log(P), axis=1))


def test_cce_right(capsys):
    assert check_categorical_cross_entropy(cce_right)
    assert capsys.readouterr().out.startswith("✅ Right")
    # picking the true class's probability is the same thing
    assert check_categorical_cross_entropy(
        lambda P, Y: -np.mean(np.log(P[np.arange(len(P)), Y.argmax(axis=1)])))


@pytest.mark.parametrize("wrong, hint", [
    (lambda P, Y: -np.mean(np.sum(Y * np.log(P), axis=0)), "wrong axis"),
    (lambda P, Y: -np.mean(Y * np.log(P)), "averaged over the classes too"),
    (lambda P, Y: -np.sum(Y * np.log(P)), "summed over the samples too"),
    (lambda P, Y: np.mean(np.sum(Y * np.log(P), axis=1)), "wrong sign"),
    (lambda P, Y: -np.mean(np.sum(Y * np.log10(P), axis=1)), "log10"),
    (lambda P, Y: -np.mean(np.sum(np.log(P), axis=1)), "forgot to multiply by Y"),
    (lambda P, Y: -np.sum(Y * np.log(P), axis=1), "one loss per sample"),
    (lambda P, Y: -np.sum(Y * np.log(P), axis=0), "one number per class"),
])
def test_cce_mistakes(wrong, hint):
    assert_fails_with(check_categorical_cross_entropy(wrong), hint)


def test_cce_log_of_the_targets_is_named():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = check_categorical_cross_entropy(lambda P, Y: -np.mean(np.sum(P * np.log(Y), axis=1)))
    assert_fails_with(result, "not a finite number", "not of the one-hot Y")


def test_cce_not_done_and_none():
    assert_fails_with(check_categorical_cross_entropy(not_implemented), "NotImplementedError")
    assert_fails_with(check_categorical_cross_entropy(returns_none), "returned None")
