"""dlcore/validate.py: one exception type per kind of mistake, the same in every module."""

import numpy as np
import pytest

from dlcore import validate
from dlcore.activations import LeakyReLU
from dlcore.conv import Conv2D
from dlcore.data import BatchLoader, one_hot
from dlcore.layers import BatchNorm, Dense, Dropout
from dlcore.losses import BinaryCrossEntropy, Huber
from dlcore.metrics import confusion_matrix
from dlcore.module import Parameter, Sequential
from dlcore.optim import SGD, Adam
from dlcore.recurrent import RNN
from dlcore.train import EarlyStopping, fit


def test_message_has_where_expected_received_and_hint():
    text = validate.message("Dense(3 -> 2)", "input of shape (N, 3)", "array of shape (5,)",
                            "use x.reshape(1, -1).")
    assert text == ("Dense(3 -> 2): expected input of shape (N, 3), received array of shape "
                    "(5,). Hint: use x.reshape(1, -1).")
    assert validate.describe(np.zeros((2, 3), dtype=np.float32)) == (
        "array of shape (2, 3), dtype float32")


@pytest.mark.parametrize("check, good, wrong_kind, wrong_value", [
    (validate.positive_int, 3, 2.5, 0),
    (validate.positive_number, 0.1, "0.1", -1.0),
    (validate.non_negative_number, 0.0, None, float("nan")),
    (validate.fraction, 0.5, "0.5", 1.0),
])
def test_each_check_typeerror_for_kind_valueerror_for_value(check, good, wrong_kind, wrong_value):
    assert check(good, "x", "f") == good
    with pytest.raises(TypeError, match=r"^f: expected x to be .*, received "):
        check(wrong_kind, "x", "f")
    with pytest.raises(ValueError, match=r"^f: expected x to be .*, received "):
        check(wrong_value, "x", "f")
    with pytest.raises(TypeError):
        check(True, "x", "f")  # True is an int to Python, never the number someone meant


def test_finite_says_how_many_and_where_and_is_a_value_error():
    a = np.ones((3, 4))
    a[1, 2] = np.nan
    with pytest.raises(validate.NotFiniteError, match=r"1 NaN and 0 infinite values \(the first "
                                                      r"at index \(1, 2\)\)\. Hint: fill"):
        validate.finite(a, "X", "fit", "fill it.")
    assert issubclass(validate.NotFiniteError, ValueError)
    assert validate.finite(np.ones(3), "X", "fit", "") is None


def test_as_float_array_keeps_floats_and_refuses_strings():
    x = np.zeros(3, dtype=np.float64)
    assert validate.as_float_array(x, "x", "f") is x
    assert validate.as_float_array([1, 2], "x", "f").dtype == np.float32
    with pytest.raises(TypeError, match=r"x to be an array of numbers.*LabelEncoder"):
        validate.as_float_array(np.array(["a"]), "x", "f")


# The same mistake in different modules: the same exception type.
A_SIZE_THAT_IS_A_FLOAT = [
    lambda: Dense(2.0, 3),
    lambda: RNN(2, 3.0),
    lambda: Conv2D(1.0, 2, 3),
    lambda: BatchNorm(4.0),
    lambda: one_hot([0, 1], num_classes=2.0),
    lambda: confusion_matrix([0, 1], [0, 1], num_classes=2.0),
    lambda: BatchLoader(np.zeros((4, 2)), None, batch_size=2.0),
    lambda: EarlyStopping(patience=2.0),
    lambda: Sequential(Dense(2, 2)).predict(np.zeros((2, 2)), batch_size=2.0),
]

A_SIZE_OF_ZERO = [
    lambda: Dense(0, 3),
    lambda: RNN(2, 0),
    lambda: Conv2D(0, 2, 3),
    lambda: BatchNorm(0),
    lambda: one_hot([0, 1], num_classes=0),
    lambda: EarlyStopping(patience=0),
    lambda: Sequential(Dense(2, 2)).predict(np.zeros((2, 2)), batch_size=0),
]

A_RATE_THAT_IS_A_STRING = [
    lambda: SGD([Parameter(np.zeros(2))], lr="0.1"),
    lambda: Adam([Parameter(np.zeros(2))], beta1="0.9"),
    lambda: Dropout("0.5"),
    lambda: LeakyReLU("0.1"),
    lambda: Huber(delta="1"),
    lambda: BinaryCrossEntropy(eps="1e-7"),
    lambda: BatchNorm(3, momentum="0.1"),
    lambda: EarlyStopping(min_delta="0"),
]

A_RATE_OUT_OF_RANGE = [
    lambda: SGD([Parameter(np.zeros(2))], lr=-0.1),
    lambda: Adam([Parameter(np.zeros(2))], beta1=1.0),
    lambda: Dropout(1.0),
    lambda: LeakyReLU(-0.1),
    lambda: Huber(delta=0.0),
    lambda: BinaryCrossEntropy(eps=0.7),
    lambda: BatchNorm(3, momentum=1.5),
    lambda: EarlyStopping(min_delta=-1.0),
]


@pytest.mark.parametrize("make", A_SIZE_THAT_IS_A_FLOAT + A_RATE_THAT_IS_A_STRING)
def test_the_wrong_kind_of_thing_is_a_type_error_everywhere(make):
    with pytest.raises(TypeError, match=r"expected .*received"):
        make()


@pytest.mark.parametrize("make", A_SIZE_OF_ZERO + A_RATE_OUT_OF_RANGE)
def test_a_wrong_value_is_a_value_error_everywhere(make):
    with pytest.raises(ValueError, match=r"expected .*received"):
        make()


def test_fit_counts_are_checked_like_every_other_count():
    model = Sequential(Dense(2, 2, seed=0))
    X, y = np.zeros((4, 2), dtype=np.float32), np.array([0, 1, 0, 1])
    with pytest.raises(TypeError, match=r"fit: expected batch_size to be a positive integer, "
                                        r"received float 2\.0"):
        fit(model, BinaryCrossEntropy(), SGD(model.parameters()), X, y, epochs=1,
            batch_size=2.0, progress=False)
