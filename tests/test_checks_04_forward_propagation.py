"""Checkers of 04_forward_propagation: pass the reference, name the typical mistakes."""

import numpy as np
import pytest
from helpers import assert_fails_with, not_implemented, returns_none

from dlcore.course.checks.forward_propagation import (
    check_dense_forward,
    check_dense_forward_columns,
    check_two_layer_forward,
)


def relu(z):
    return np.maximum(z, 0)


def softmax(z, axis=1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --- check_dense_forward: Z = X @ W + b ---------------------------------------------------------


def test_dense_forward_passes_the_reference(capsys):
    result = check_dense_forward(lambda X, W, b: X @ W + b)
    assert result.passed and result
    assert "✅" in capsys.readouterr().out


def column_habit(X, W, b):
    # the quoted line in the verdict is this function's body, not the test's expectation
    return W.T @ X.T + b


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda X, W, b: X @ W, "forgot the bias"),
        (lambda X, W, b: X @ W - b, "wrong sign of the bias"),
        (lambda X, W, b: relu(X @ W + b), "you applied ReLU"),
        (lambda X, W, b: (X @ W + b).T, "column form"),
        (lambda X, W, b: (X @ W + b).mean(axis=0), "averaged over the samples"),
        (lambda X, W, b: X @ W + b.reshape(-1, 1), "added as a column"),
        (column_habit, "np.add of (W.T @ X.T) (4, 5) and b (4,) cannot work element by element"),
        (not_implemented, "NotImplementedError"),
        (returns_none, "returned None"),
    ],
)
def test_dense_forward_names_the_mistake(wrong, hint):
    assert_fails_with(check_dense_forward(wrong), hint)


def weights_transposed(X, W, b):
    return X @ W.T + b


def weights_first(X, W, b):
    return W @ X + b


def dot_transposed(X, W, b):
    return np.dot(X, W.T) + b


def method_dot_transposed(X, W, b):
    return X.dot(W.T) + b


@pytest.mark.parametrize("wrong, hints", [
    (weights_transposed, ["X (5, 3) @ W.T (4, 3) does not fit",
                          "Expected X @ W: (5, 3) @ (3, 4) -> (5, 4)", "drop the .T"]),
    (weights_first, ["W (3, 4) @ X (5, 3) does not fit", "swap the order", "write X @ W"]),
    (dot_transposed, ["X (5, 3) @ W.T (4, 3) does not fit", "drop the .T"]),
    (method_dot_transposed, ["X (5, 3) @ W.T (4, 3) does not fit", "drop the .T"]),
])
def test_dense_forward_names_a_transposed_or_swapped_product(wrong, hints):
    result = check_dense_forward(wrong)
    assert_fails_with(result, *hints)
    assert "gufunc" not in result.message  # NumPy's own message is replaced, not repeated


def test_dense_forward_names_a_slip_made_only_on_the_second_case():
    # no case of the checker is square (D_in != D_out), so the slip raises on every case
    def second_case_only(X, W, b):
        return X @ W.T + b if X.shape == (4, 6) else X @ W + b

    assert_fails_with(check_dense_forward(second_case_only),
                      "X (4, 6) @ W.T (4, 6) does not fit", "drop the .T")


def test_dense_forward_a_shape_error_the_products_do_not_explain_keeps_numpy_words():
    def reshaped(X, W, b):
        return X.reshape(-1, 5) @ W + b  # neither name survives a reshape

    assert_fails_with(check_dense_forward(reshaped), "does not fit",
                      "check the order of the product and every .T")


def test_dense_forward_a_second_run_that_goes_another_way_keeps_the_first_error():
    calls = []

    def fails_once(X, W, b):
        calls.append(1)
        if len(calls) == 1:
            return X @ W.T + b
        raise KeyError("something else")

    assert_fails_with(check_dense_forward(fails_once), "raised ValueError: matmul")


def test_dense_forward_does_not_see_changes_the_learner_makes_to_inputs():
    def in_place(X, W, b):
        X += 1  # changes only the checker's copy
        return (X - 1) @ W + b

    assert check_dense_forward(in_place).passed


# --- check_dense_forward_columns: Z = W @ A_prev + b --------------------------------------------


def test_dense_forward_columns_passes_the_reference():
    assert check_dense_forward_columns(lambda A, W, b: W @ A + b).passed


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda A, W, b: W @ A, "forgot the bias"),
        (lambda A, W, b: W @ A - b, "wrong sign of the bias"),
        (lambda A, W, b: (W @ A + b).T, "rows form"),
        (lambda A, W, b: relu(W @ A + b), "you applied ReLU"),
        (lambda A, W, b: A @ W + b if A.shape[1] == W.shape[0] else W @ A + b, "wrong order"),
        (lambda A, W, b: W @ A + b.ravel(), "added along the rows"),
        (not_implemented, "NotImplementedError"),
        (returns_none, "returned None"),
    ],
)
def test_dense_forward_columns_names_the_mistake(wrong, hint):
    assert_fails_with(check_dense_forward_columns(wrong), hint)


# --- check_two_layer_forward: (P, cache) ---------------------------------------------------------


def two_layer(X, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = relu(Z1)
    P = softmax(A1 @ W2 + b2)
    return P, (X, Z1, A1)


def test_two_layer_forward_passes_the_reference():
    assert check_two_layer_forward(two_layer).passed


def test_two_layer_forward_accepts_a_list_cache_and_a_stable_softmax_from_dlcore():
    from dlcore.activations import softmax as dl_softmax

    def with_list(X, W1, b1, W2, b2):
        Z1 = X @ W1 + b1
        A1 = np.maximum(Z1, 0)
        return dl_softmax(A1 @ W2 + b2, axis=-1), [X, Z1, A1]

    assert check_two_layer_forward(with_list).passed


def no_relu(X, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    return softmax(Z1 @ W2 + b2), (X, Z1, Z1)


def no_softmax(X, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = relu(Z1)
    return A1 @ W2 + b2, (X, Z1, A1)


def wrong_axis(X, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = relu(Z1)
    return softmax(A1 @ W2 + b2, axis=0), (X, Z1, A1)


def no_b2(X, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = relu(Z1)
    return softmax(A1 @ W2), (X, Z1, A1)


def relu_on_output(X, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = relu(Z1)
    return softmax(relu(A1 @ W2 + b2)), (X, Z1, A1)


def cache_swapped(X, W1, b1, W2, b2):
    P, (X, Z1, A1) = two_layer(X, W1, b1, W2, b2)
    return P, (X, A1, Z1)


def cache_too_short(X, W1, b1, W2, b2):
    P, (X, Z1, A1) = two_layer(X, W1, b1, W2, b2)
    return P, (Z1, A1)


def only_P(X, W1, b1, W2, b2):
    return two_layer(X, W1, b1, W2, b2)[0]


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (no_relu, "no ReLU after the first layer"),
        (no_softmax, "no softmax at the end"),
        (wrong_axis, "softmax along the wrong axis"),
        (no_b2, "forgot the bias b2"),
        (relu_on_output, "ReLU on the output too"),
        (cache_swapped, "cache[1]: it holds A1, but it should hold Z1"),
        (cache_too_short, "expected cache = (X, Z1, A1)"),
        (only_P, "expected two things back"),
        (not_implemented, "NotImplementedError"),
        (returns_none, "returned None"),
    ],
)
def test_two_layer_forward_names_the_mistake(wrong, hint):
    assert_fails_with(check_two_layer_forward(wrong), hint)


def first_weights_transposed(X, W1, b1, W2, b2):
    Z1 = X @ W1.T + b1
    A1 = relu(Z1)
    return softmax(A1 @ W2 + b2), (X, Z1, A1)


def second_weights_transposed(X, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = relu(Z1)
    return softmax(A1 @ W2.T + b2), (X, Z1, A1)


@pytest.mark.parametrize("wrong, hints", [
    (first_weights_transposed, ["X (5, 3) @ W1.T (4, 3) does not fit",
                                "Expected X @ W1: (5, 3) @ (3, 4) -> (5, 4)", "drop the .T"]),
    (second_weights_transposed, ["@ W2.T (6, 4) does not fit",
                                 "Expected A1 @ W2: (5, 4) @ (4, 6) -> (5, 6)", "drop the .T"]),
])
def test_two_layer_forward_names_a_transposed_weight_matrix(wrong, hints):
    assert_fails_with(check_two_layer_forward(wrong), *hints)


def test_dense_forward_columns_names_the_rows_habit_by_its_shapes():
    assert_fails_with(check_dense_forward_columns(lambda A, W, b: A @ W + b),
                      "A_prev (3, 5) @ W (4, 3) does not fit", "write W @ A_prev")


def test_a_checker_given_the_result_instead_of_the_function_says_so():
    assert_fails_with(check_dense_forward(np.zeros((2, 2))), "pass the function itself")
