"""The 01_data checkers pass the reference solutions and name typical mistakes."""

import math

import numpy as np
import pytest
from helpers import assert_fails_with, not_implemented, returns_none

from dlcore.course.checks.data import (
    check_iterations_per_epoch,
    check_one_hot,
    check_standardize_train_test,
)


# --- one-hot -------------------------------------------------------------------------------------
def one_hot_right(labels, num_classes):
    Y = np.zeros((len(labels), num_classes))
    Y[np.arange(len(labels)), labels] = 1
    return Y


def test_one_hot_right(capsys):
    result = check_one_hot(one_hot_right)
    assert result.passed and bool(result)
    assert capsys.readouterr().out.startswith("✅ Right")


def test_one_hot_right_with_eye_and_int_dtype():
    assert check_one_hot(lambda labels, k: np.eye(k, dtype=int)[labels])


@pytest.mark.parametrize("wrong, hint", [
    (lambda labels, k: one_hot_right(labels, k).T, "transposed"),
    (lambda labels, k: _whole_columns(labels, k), "Y[np.arange(N), labels] = 1"),
    (lambda labels, k: np.eye(k)[labels - 1], "one column to the left"),
    (lambda labels, k: one_hot_right(labels, labels.max() + 1), "use the num_classes argument"),
    (lambda labels, k: one_hot_right(labels, len(np.unique(labels))), "counted the classes"),
    (lambda labels, k: labels, "you returned the labels themselves"),
])
def test_one_hot_mistakes(wrong, hint):
    assert_fails_with(check_one_hot(wrong), hint)


def _whole_columns(labels, k):
    Y = np.zeros((len(labels), k))
    Y[:, labels] = 1
    return Y


def test_one_hot_one_column_to_the_right_crashes_with_a_message():
    # labels + 1 runs past the last column: the learner sees their own IndexError, explained.
    result = check_one_hot(lambda labels, k: one_hot_right(labels + 1, k))
    assert_fails_with(result, "your function raised IndexError")


def test_one_hot_not_done_and_none():
    assert_fails_with(check_one_hot(not_implemented), "NotImplementedError")
    assert_fails_with(check_one_hot(returns_none), "returned None", "return")


def test_one_hot_not_a_function():
    assert_fails_with(check_one_hot(one_hot_right(np.array([0, 1]), 2)), "expected a function")


# --- standardise with training statistics -------------------------------------------------------
def standardize_right(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std


def test_standardize_right(capsys):
    assert check_standardize_train_test(standardize_right)
    assert "the test data stayed unseen" in capsys.readouterr().out


def test_standardize_with_dlcore_scaler_is_right():
    from dlcore.data import StandardScaler

    def with_scaler(X_train, X_test):
        scaler = StandardScaler().fit(X_train)
        return scaler.transform(X_train), scaler.transform(X_test)

    assert check_standardize_train_test(with_scaler)


def each_own_statistics(X_train, X_test):
    return ((X_train - X_train.mean(0)) / X_train.std(0),
            (X_test - X_test.mean(0)) / X_test.std(0))


def all_data_statistics(X_train, X_test):
    X = np.concatenate([X_train, X_test])
    return (X_train - X.mean(0)) / X.std(0), (X_test - X.mean(0)) / X.std(0)


def per_sample(X_train, X_test):
    f = lambda X: (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)  # noqa: E731
    return f(X_train), f(X_test)


def by_variance(X_train, X_test):
    mean, var = X_train.mean(0), X_train.var(0)
    return (X_train - mean) / var, (X_test - mean) / var


def sample_std(X_train, X_test):
    mean, std = X_train.mean(0), X_train.std(0, ddof=1)
    return (X_train - mean) / std, (X_test - mean) / std


def global_statistics(X_train, X_test):
    mean, std = X_train.mean(), X_train.std()
    return (X_train - mean) / std, (X_test - mean) / std


def no_centering(X_train, X_test):
    std = X_train.std(0)
    return X_train / std, X_test / std


@pytest.mark.parametrize("wrong, hints", [
    (each_own_statistics, ["the test split:", "its own mean and std", "unseen"]),
    (all_data_statistics, ["the train split:", "all the data", "X_train only"]),
    (per_sample, ["wrong axis", "axis=0"]),
    (by_variance, ["divided by the variance"]),
    (sample_std, ["ddof=1"]),
    (global_statistics, ["one mean and std for the whole array"]),
    (no_centering, ["forgot to subtract the mean"]),
    (lambda a, b: standardize_right(a, b)[::-1], ["wrong order"]),
    (lambda a, b: standardize_right(a, b)[0], ["expected a pair", "return both arrays"]),
])
def test_standardize_mistakes(wrong, hints):
    assert_fails_with(check_standardize_train_test(wrong), *hints)


def test_standardize_not_done_and_none():
    assert_fails_with(check_standardize_train_test(not_implemented), "NotImplementedError")
    assert_fails_with(check_standardize_train_test(returns_none), "returned None")


def scales_both_in_place(X_train, X_test):
    # right values, but the caller's arrays are overwritten: the exercise asks to leave them
    mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
    X_test -= mu
    X_test /= sigma
    X_train -= mu
    X_train /= sigma
    return X_train, X_test


def centres_train_in_place(X_train, X_test):
    mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
    X_train -= mu  # std is the same after centring, so the values stay right
    return X_train / sigma, (X_test - mu) / sigma


def test_standardize_in_place_fails_and_names_the_changed_inputs():
    assert_fails_with(check_standardize_train_test(scales_both_in_place),
                      "changed X_train and X_test in place", "X_train_scaled = (X_train - mu)")
    result = check_standardize_train_test(centres_train_in_place)
    assert_fails_with(result, "changed X_train in place", "X_train -= mu overwrites")
    assert "X_test" not in result.message.split("Hint")[0]


def test_standardize_checker_cases_do_not_reach_the_learner_by_reference():
    # The function changes only copies: the checker's own cases stay intact for the next call.
    check_standardize_train_test(scales_both_in_place)
    assert check_standardize_train_test(standardize_right)


# --- iterations per epoch -------------------------------------------------------------------------
def iterations_right(n, batch_size, drop_last=False):
    return n // batch_size if drop_last else math.ceil(n / batch_size)


def test_iterations_right(capsys):
    assert check_iterations_per_epoch(iterations_right)
    assert check_iterations_per_epoch(
        lambda n, b, drop_last=False: n // b if drop_last else -(-n // b))
    assert capsys.readouterr().out.count("✅") == 2


@pytest.mark.parametrize("wrong, hints", [
    (lambda n, b, drop_last=False: n // b, ["round up (ceil)", "n=6401, batch_size=64",
                                            "expected 101, received 100"]),
    (lambda n, b, drop_last=False: math.ceil(n / b), ["with drop_last=True"]),
    (lambda n, b, drop_last=False: n // b if drop_last else n // b + 1,
     ["off by one", "n=6400, batch_size=64", "expected 100, received 101"]),
    (lambda n, b, drop_last=False: n // b if drop_last else round(n / b), ["round()"]),
    (lambda n, b, drop_last=False: b // n if drop_last else math.ceil(b / n), ["swapped"]),
    (lambda n, b, drop_last=False: n / b, ["not a whole number", "100.015625"]),
    (lambda n, b, drop_last=False: float(n // b if drop_last else math.ceil(n / b)),
     ["a float", "return an int"]),
    (lambda n, b, drop_last=False: True, ["returned True"]),
])
def test_iterations_mistakes(wrong, hints):
    assert_fails_with(check_iterations_per_epoch(wrong), *hints)


def test_iterations_forgot_drop_last_parameter():
    result = check_iterations_per_epoch(lambda n, b: math.ceil(n / b))
    assert_fails_with(result, "has no drop_last parameter", "def iterations_per_epoch(n, batch_size, drop_last=False)")


def test_iterations_accepts_keyword_arguments():
    assert check_iterations_per_epoch(lambda n, b, **kw: iterations_right(n, b, **kw))


def test_iterations_not_done_and_none():
    assert_fails_with(check_iterations_per_epoch(not_implemented), "NotImplementedError")
    assert_fails_with(check_iterations_per_epoch(returns_none), "returned None")
