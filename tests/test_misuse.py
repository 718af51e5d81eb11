"""Misuse of layers, fit, evaluate and the metrics: a clear error at the call, before any harm.

Each test gives one bad input and checks the exception type (``dlcore.validate``: TypeError for
the wrong kind, ValueError for a wrong value, RuntimeError for calls in the wrong order) and
that the message names what was received. Training that must not have started is checked by
comparing the weights before and after.
"""

import warnings

import numpy as np
import pytest

from dlcore.activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from dlcore.conv import Conv2D, MaxPool2D
from dlcore.data import LabelEncoder
from dlcore.layers import BatchNorm, Dense, Dropout, Flatten
from dlcore.losses import MSE, BinaryCrossEntropy, Hinge, KLDivergence, SoftmaxCrossEntropy
from dlcore.metrics import accuracy, confusion_matrix
from dlcore.module import Parameter, Sequential
from dlcore.optim import SGD
from dlcore.recurrent import RNN
from dlcore.train import evaluate, fit

# --- backward before forward ---------------------------------------------------------------------

NO_FORWARD = r"backward: expected forward\(x\) to have run first, received backward\(dout\) " \
             r"with no forward pass\. Hint: "


@pytest.mark.parametrize("layer", [
    Dense(3, 2, seed=0), Dropout(0.5, seed=0), Flatten(), ReLU(), LeakyReLU(), Sigmoid(), Tanh(),
    Softmax(), Identity(), BatchNorm(3), Sequential(Dense(3, 2, seed=0), ReLU()),
], ids=lambda layer: type(layer).__name__)
def test_backward_before_forward_is_a_runtime_error_naming_the_layer(layer):
    with pytest.raises(RuntimeError, match=type(layer).__name__ + r".*" + NO_FORWARD):
        layer.backward(np.ones((4, 2), dtype=np.float32))


# --- backward with a gradient of the wrong shape ------------------------------------------------

WRONG_DOUT = [  # (layer, input shape, output shape, a dout shape that is not the output's)
    (Dense(3, 2, seed=0), (4, 3), (4, 2), (4, 5)),
    (Dense(3, 2, seed=0), (4, 3), (4, 2), (2, 4)),  # transposed
    (Dropout(0.5, seed=0), (4, 3), (4, 3), (4, 2)),
    (Flatten(), (4, 2, 3), (4, 6), (4, 2, 3)),  # the input's shape, not the output's
    (ReLU(), (4, 3), (4, 3), (4, 1)),  # would broadcast silently
    (LeakyReLU(), (4, 3), (4, 3), (3,)),
    (Sigmoid(), (4, 3), (4, 3), (1, 3)),
    (Tanh(), (4, 3), (4, 3), (4, 3, 1)),
    (Softmax(), (4, 3), (4, 3), (4, 5)),
    (Identity(), (4, 3), (4, 3), (5, 3)),
    (BatchNorm(3), (4, 3), (4, 3), (4, 1)),
    (Sequential(Dense(3, 2, seed=0), ReLU()), (4, 3), (4, 2), (4, 3)),
]


@pytest.mark.parametrize("layer, x_shape, out_shape, dout_shape", WRONG_DOUT,
                         ids=[f"{type(c[0]).__name__}-{c[3]}" for c in WRONG_DOUT])
def test_backward_with_a_gradient_of_the_wrong_shape_names_both_shapes(layer, x_shape, out_shape,
                                                                       dout_shape):
    layer.train()
    out = layer.forward(np.ones(x_shape, dtype=np.float32))
    assert out.shape == out_shape
    received = str(dout_shape).replace("(", r"\(").replace(")", r"\)")
    expected = str(out_shape).replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(ValueError, match=rf"backward: expected dout of the shape of the last "
                                         rf"output, {expected}, received array of shape "
                                         rf"{received}, dtype float32\. Hint: "):
        layer.backward(np.ones(dout_shape, dtype=np.float32))


def test_backward_refuses_a_gradient_of_strings():
    layer = ReLU()
    layer.forward(np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"ReLU\.backward: expected dout to be an array of "
                                        r"numbers.*received array of shape \(2, 2\), dtype <U1"):
        layer.backward(np.array([["a", "b"], ["c", "d"]]))


# --- an output changed in place by the caller never changes the gradients -----------------------


@pytest.mark.parametrize("make, x", [
    (Sigmoid, np.linspace(-2, 2, 12).reshape(3, 4)),
    (Tanh, np.linspace(-2, 2, 12).reshape(3, 4)),
    (Softmax, np.linspace(-2, 2, 12).reshape(3, 4)),
    (lambda: MaxPool2D(2), np.arange(32, dtype=np.float64).reshape(2, 1, 4, 4)),
], ids=["Sigmoid", "Tanh", "Softmax", "MaxPool2D"])
def test_changing_the_output_in_place_leaves_backward_unchanged(make, x):
    rng = np.random.default_rng(0)
    clean, edited = make(), make()
    out_clean = clean.forward(x)
    out_edited = edited.forward(x)
    dout = rng.standard_normal(out_clean.shape)
    out_edited *= 0.5  # the caller's own business: a new array, not the layer's cache
    out_edited[...] = 0
    np.testing.assert_array_equal(edited.backward(dout), clean.backward(dout))


# --- constructors and calls --------------------------------------------------------------------


@pytest.mark.parametrize("value, received", [
    ("abc", r"array of shape \(\), dtype <U3"),
    (np.array([1 + 2j]), r"array of shape \(1,\), dtype complex128"),
    (np.array([object()]), r"array of shape \(1,\), dtype object"),
    ([[1.0, 2.0], [3.0]], r"list \[\[1\.0, 2\.0\], \[3\.0\]\]"),
])
def test_parameter_of_something_that_is_not_numbers_is_a_type_error(value, received):
    with pytest.raises(TypeError, match=rf"Parameter\('param'\): expected value to be .*"
                                        rf"received {received}"):
        Parameter(value)


def test_parameter_name_must_be_a_string():
    with pytest.raises(TypeError, match=r"Parameter: expected name to be a str.*received int 3"):
        Parameter(np.zeros(2), name=3)


@pytest.mark.parametrize("shape, error, received", [
    (5, TypeError, r"received int 5"),
    ("64", TypeError, r"received str '64'"),
    ((64, 2.5), TypeError, r"received \(64, 2\.5\), which holds float 2\.5"),
    ((0,), ValueError, r"received \(0,\)"),
])
def test_summary_refuses_an_input_shape_that_is_not_a_shape(shape, error, received):
    model = Sequential(Dense(64, 10, seed=0))
    with pytest.raises(error, match=r"Sequential\.summary: expected input_shape to be a tuple "
                                    r"of sizes.*" + received):
        model.summary(input_shape=shape)


@pytest.mark.parametrize("build", [
    lambda: Dense(2, 3, dtype=np.int32),
    lambda: Conv2D(1, 2, 3, dtype=np.int32),
    lambda: RNN(2, 3, dtype=np.int32),
    lambda: BatchNorm(3, dtype=np.int32),
    lambda: Sequential(Dense(2, 3, seed=0)).to(np.int32),
    lambda: Parameter(np.zeros(2)).to(np.int32),
], ids=["Dense", "Conv2D", "RNN", "BatchNorm", "Sequential.to", "Parameter.to"])
def test_an_integer_dtype_is_refused_instead_of_rounding_the_weights_to_zero(build):
    with pytest.raises(TypeError, match=r"expected dtype to be a float dtype such as "
                                        r"np\.float32, received dtype int32\. Hint: "):
        build()


def test_a_dtype_that_is_no_dtype_is_named():
    with pytest.raises(TypeError, match=r"Dense\.to: expected dtype to be a float dtype.*"
                                        r"received dtype int64"):
        Dense(2, 3, seed=0).to("int")
    with pytest.raises(TypeError, match=r"Dense\.to: .*received str 'flaot'"):
        Dense(2, 3, seed=0).to("flaot")


def test_leaky_relu_of_a_bool_and_predict_with_a_bool_batch_size():
    with pytest.raises(TypeError, match=r"LeakyReLU: expected alpha to be a number in \[0, 1\), "
                                        r"received bool False"):
        LeakyReLU(False)
    model = Sequential(Dense(2, 3, seed=0))
    with pytest.raises(TypeError, match=r"Sequential\.predict: expected batch_size to be a "
                                        r"positive integer, received bool True"):
        model.predict(np.ones((4, 2)), batch_size=True)


# --- fit: every check before the first update ----------------------------------------------------


def classification_data(n=40, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).astype(np.float32), rng.integers(0, k, n)


def classifier(d=4, k=3):
    return Sequential(Dense(d, 8, seed=0), ReLU(), Dense(8, k, seed=1))


def fit_and_check_nothing_changed(model, loss, X, y, error, pattern, **kwargs):
    before = model.state_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way to the error either
        with pytest.raises(error, match=pattern):
            fit(model, loss, SGD(model.parameters(), lr=0.1), X, y, epochs=2, batch_size=16,
                progress=False, seed=0, **kwargs)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before), "weights were updated"


@pytest.mark.parametrize("bad, shown", [
    (3, r"3\.0"), (10, r"10\.0"), (-1, r"-1\.0"), (1e30, r"1e\+30"), (2.5, r"2\.5"),
])
def test_a_bad_label_is_reported_at_its_place_in_y_before_any_update(bad, shown):
    X, y = classification_data()
    y = y.astype(np.float64)
    y[19] = bad  # in the second mini-batch of 16: its place there would be 3
    pattern = (rf"fit: y \(array of shape \(40,\), dtype float32\) does not fit the loss.*"
               rf"checked on all of it before any update: SoftmaxCrossEntropy: .*"
               rf"y\[19\] = {shown}")
    fit_and_check_nothing_changed(classifier(), SoftmaxCrossEntropy(), X, y, ValueError, pattern)


def test_a_huge_unsigned_label_is_reported_as_given_not_wrapped():
    X, y = classification_data()
    y = y.astype(np.uint64)
    y[7] = np.iinfo(np.uint64).max
    fit_and_check_nothing_changed(classifier(), SoftmaxCrossEntropy(), X, y, ValueError,
                                  r"received the label y\[7\] = 18446744073709551615")


def test_the_validation_labels_are_checked_before_the_first_epoch_naming_y_val():
    X, y = classification_data()
    X_val, y_val = classification_data(n=10, seed=1)
    y_val[3] = 12
    fit_and_check_nothing_changed(
        classifier(), SoftmaxCrossEntropy(), X, y, ValueError,
        r"fit: y_val \(array of shape \(10,\).*does not fit the loss.*y\[3\] = 12",
        validation_data=(X_val, y_val))


def test_validation_inputs_of_the_wrong_width_are_named_x_val_before_the_first_epoch():
    X, y = classification_data()
    X_val = np.ones((10, 5), dtype=np.float32)
    fit_and_check_nothing_changed(
        classifier(), SoftmaxCrossEntropy(), X, y, ValueError,
        r"fit: X_val \(array of shape \(10, 5\), dtype float32\) does not fit the model.*"
        r"Dense\(4 -> 8\): expected input of shape \(N, 4\)",
        validation_data=(X_val, np.zeros(10, dtype=int)))


def test_training_inputs_of_the_wrong_width_are_named_x():
    X, y = classification_data(d=6)
    fit_and_check_nothing_changed(classifier(d=4), SoftmaxCrossEntropy(), X, y, ValueError,
                                  r"fit: X \(array of shape \(40, 6\), dtype float32\) does not "
                                  r"fit the model")


def test_one_output_for_a_multi_class_loss_is_caught_before_training():
    X, y = classification_data()
    fit_and_check_nothing_changed(classifier(k=1), SoftmaxCrossEntropy(), X, y, ValueError,
                                  r"fit: y .*SoftmaxCrossEntropy: expected y_hat of shape \(N, "
                                  r"K\).*received shape \(40, 1\)")


def test_binary_targets_outside_zero_one_are_found_in_the_whole_of_y():
    X, _ = classification_data()
    y = np.zeros((40, 1), dtype=np.float32)
    y[33] = 2.0
    fit_and_check_nothing_changed(classifier(k=1), BinaryCrossEntropy(), X, y, ValueError,
                                  r"BinaryCrossEntropy: expected y to hold probabilities in "
                                  r"\[0, 1\], received y\[33, 0\] = 2\.0")


def test_hinge_labels_mixing_both_conventions_are_refused_before_training():
    X, _ = classification_data()
    y = np.ones(40)
    y[5], y[30] = -1, 0
    fit_and_check_nothing_changed(classifier(k=1), Hinge(), X, y, ValueError,
                                  r"Hinge: expected labels in \{-1, \+1\} or in \{0, 1\}, "
                                  r"received both -1 and 0")


def test_regression_targets_of_the_wrong_width_are_refused_before_training():
    X, _ = classification_data()
    y = np.zeros((40, 3), dtype=np.float32)
    fit_and_check_nothing_changed(classifier(k=1), MSE(), X, y, ValueError,
                                  r"MSE: expected y of the same shape as y_hat, \(40, 1\).*"
                                  r"received y of shape \(40, 3\)")


def test_one_hot_rows_that_do_not_sum_to_one_are_found_at_their_row():
    X, labels = classification_data()
    y = np.eye(3, dtype=np.float32)[labels]
    y[37] = [1, 1, 0]
    fit_and_check_nothing_changed(classifier(), SoftmaxCrossEntropy(), X, y, ValueError,
                                  r"received row 37 summing to 2\.0")


def test_kl_targets_of_another_shape_are_refused_before_training():
    X, _ = classification_data()
    model = Sequential(Dense(4, 3, seed=0), Softmax())
    fit_and_check_nothing_changed(model, KLDivergence(), X, np.full((40, 2), 0.5), ValueError,
                                  r"KLDivergence: expected y of the same shape as y_hat, "
                                  r"\(40, 3\).*received shape \(40, 2\)")


def test_evaluate_reports_a_bad_label_at_its_place_in_y_not_in_a_batch():
    X, y = classification_data(n=3000)
    y[1500] = 7
    with pytest.raises(ValueError, match=r"evaluate: y .* y\[1500\] = 7"):
        evaluate(classifier(), SoftmaxCrossEntropy(), X, y, batch_size=1024)


# --- metrics and data --------------------------------------------------------------------------


def test_confusion_matrix_refuses_to_allocate_a_matrix_for_ids():
    with pytest.raises(ValueError, match=r"confusion_matrix: expected a result of at most 1 GiB, "
                                         r"received a 100001 x 100001 matrix of counts \(largest "
                                         r"label 100000\).*74\.5 GiB\. Hint: .*LabelEncoder"):
        confusion_matrix(np.array([0, 10**5]), np.array([0, 1]))


def test_metrics_report_a_label_of_1e30_as_given():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"accuracy: expected class labels .* in y, received "
                                             r"the label 1e\+30"):
            accuracy(np.array([0, 1]), np.array([0.0, 1e30]))


def test_label_encoder_on_ragged_lists_names_the_label_it_cannot_use():
    with pytest.raises(TypeError, match=r"LabelEncoder\.fit: expected hashable labels.*received "
                                        r"\[1, 2\] at position 0.*Hint: "):
        LabelEncoder().fit([[1, 2], [3]])
