"""Tests for dlcore/losses.py: known values, gradient checks, target forms, stability, errors."""

import math
import warnings

import numpy as np
import pytest
from helpers import numerical_grad

from dlcore.losses import (
    MSE,
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    CategoricalCrossEntropy,
    Hinge,
    Huber,
    KLDivergence,
    Loss,
    SoftmaxCrossEntropy,
)
from dlcore.tolerance import assert_close

# --- helpers -----------------------------------------------------------------------------------


def rel_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def check_gradient(loss, y_hat, y):
    """The relative error between backward() and central differences, on float64 inputs."""
    loss(y_hat, y)
    analytic = loss.backward()
    nudged = y_hat.astype(np.float64)  # a copy we may perturb: y_hat is not changed
    numeric = numerical_grad(lambda: loss(nudged, y), nudged)
    assert analytic.shape == y_hat.shape
    assert analytic.dtype == np.float64
    return rel_error(analytic, numeric)


def softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


rng = np.random.default_rng(0)


# --- known values, worked out by hand ----------------------------------------------------------


def test_mse_known_value():
    y_hat = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[0.0, 2.0], [5.0, 1.0]])
    # errors 1, 0, -2, 3 -> squares 1, 0, 4, 9 -> mean over 4 elements
    assert MSE()(y_hat, y) == pytest.approx(14 / 4)


def test_huber_known_value_both_regimes():
    y = np.zeros(4)
    y_hat = np.array([0.5, -2.0, 3.0, 0.0])
    # 0.5 * 0.5^2 = 0.125;  1 * (2 - 0.5) = 1.5;  1 * (3 - 0.5) = 2.5;  0
    assert Huber(delta=1.0)(y_hat, y) == pytest.approx((0.125 + 1.5 + 2.5 + 0) / 4)
    # with delta = 2: 0.125;  0.5 * 4 = 2;  2 * (3 - 1) = 4;  0
    assert Huber(delta=2.0)(y_hat, y) == pytest.approx((0.125 + 2.0 + 4.0 + 0) / 4)


def test_huber_is_half_mse_for_small_errors():
    y_hat = np.array([0.1, -0.3, 0.2])
    y = np.zeros(3)
    assert Huber()(y_hat, y) == pytest.approx(0.5 * MSE()(y_hat, y))


def test_bce_known_value():
    y_hat = np.array([0.9, 0.2])
    y = np.array([1, 0])
    expected = -(math.log(0.9) + math.log(1 - 0.2)) / 2
    assert BinaryCrossEntropy()(y_hat, y) == pytest.approx(expected)


def test_bce_soft_target_known_value():
    y_hat = np.array([0.6])
    y = np.array([0.3])
    expected = -(0.3 * math.log(0.6) + 0.7 * math.log(0.4))
    assert BinaryCrossEntropy()(y_hat, y) == pytest.approx(expected)


def test_bce_with_logits_known_value():
    z = np.array([0.0, 2.0])
    y = np.array([1, 0])
    # -log(sigmoid(0)) = log 2;  -log(1 - sigmoid(2)) = log(1 + e^2)
    expected = (math.log(2) + math.log(1 + math.e**2)) / 2
    assert BinaryCrossEntropyWithLogits()(z, y) == pytest.approx(expected)


def test_bce_with_logits_equals_bce_on_sigmoid():
    z = np.array([-2.0, -0.5, 0.3, 1.7])
    y = np.array([0.0, 1.0, 1.0, 0.25])
    expected = BinaryCrossEntropy()(sigmoid(z), y)
    assert BinaryCrossEntropyWithLogits()(z, y) == pytest.approx(expected, rel=1e-12)


def test_hinge_known_value_both_label_forms():
    s = np.array([2.0, 0.5, -0.5])
    # margins 1 - y*s: 1 - 2 = -1 -> 0;  1 - 0.5 = 0.5;  1 - 0.5 = 0.5
    expected = (0 + 0.5 + 0.5) / 3
    assert Hinge()(s, np.array([1, 1, -1])) == pytest.approx(expected)
    assert Hinge()(s, np.array([1, 1, 0])) == pytest.approx(expected)  # 0 is read as -1


def test_categorical_cross_entropy_dog_cat_example():
    # columns: dog, cat; the true class is dog (0)
    y_hat = np.array([[0.46, 0.54], [0.98, 0.02]])
    y = np.array([0, 0])
    cce = CategoricalCrossEntropy()
    assert cce(y_hat[:1], y[:1]) == pytest.approx(0.7765, abs=1e-4)  # -ln 0.46
    assert cce(y_hat[1:], y[1:]) == pytest.approx(0.0202, abs=1e-4)  # -ln 0.98
    assert cce(y_hat, y) == pytest.approx((-math.log(0.46) - math.log(0.98)) / 2)


def test_softmax_cross_entropy_known_values():
    sce = SoftmaxCrossEntropy()
    assert sce(np.array([[0.0, 0.0]]), np.array([0])) == pytest.approx(math.log(2))
    # logits 1, 2, 3 and true class 2: -(3 - log(e + e^2 + e^3))
    expected = -(3 - math.log(math.e + math.e**2 + math.e**3))
    assert sce(np.array([[1.0, 2.0, 3.0]]), np.array([2])) == pytest.approx(expected)


def test_softmax_cross_entropy_equals_softmax_then_categorical():
    z = rng.standard_normal((5, 4))
    y = np.array([0, 3, 1, 1, 2])
    expected = CategoricalCrossEntropy()(softmax_rows(z), y)
    assert SoftmaxCrossEntropy()(z, y) == pytest.approx(expected, rel=1e-12)


def test_kl_divergence_known_values():
    kl = KLDivergence()
    # one-hot target: KL = 1 * log(1 / 0.5) = log 2 (the 0 * log 0 term counts as 0)
    assert kl(np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]])) == pytest.approx(math.log(2))
    q = np.array([[0.25, 0.75]])
    p = np.array([[0.5, 0.5]])
    expected = 0.25 * math.log(0.25 / 0.5) + 0.75 * math.log(0.75 / 0.5)
    assert kl(p, q) == pytest.approx(expected)
    assert kl(q, q) == pytest.approx(0.0, abs=1e-15)


def test_kl_divergence_is_cross_entropy_minus_entropy():
    p = softmax_rows(rng.standard_normal((3, 4)))
    q = softmax_rows(rng.standard_normal((3, 4)))
    cross_entropy = CategoricalCrossEntropy()(p, q)
    entropy = -np.sum(q * np.log(q)) / 3
    assert KLDivergence()(p, q) == pytest.approx(cross_entropy - entropy, rel=1e-12)


# --- gradient checks (float64) -----------------------------------------------------------------


def test_mse_gradient():
    assert check_gradient(MSE(), rng.standard_normal((4, 3)), rng.standard_normal((4, 3))) < 1e-6


def test_huber_gradient_both_regimes():
    y = rng.standard_normal((2, 3))
    y_hat = y + np.array([[0.3, -2.5, 1.7], [-0.4, 4.0, -0.9]])  # away from |r| = delta
    assert check_gradient(Huber(delta=1.0), y_hat, y) < 1e-6


def test_bce_gradient_hard_and_soft_targets():
    y_hat = np.array([[0.1], [0.45], [0.8], [0.95]])
    assert check_gradient(BinaryCrossEntropy(), y_hat, np.array([0, 1, 1, 0])) < 1e-6
    assert check_gradient(BinaryCrossEntropy(), y_hat, np.array([0.1, 0.9, 0.5, 0.3])) < 1e-6


def test_bce_with_logits_gradient():
    z = 3 * rng.standard_normal(6)
    assert check_gradient(BinaryCrossEntropyWithLogits(), z, np.array([0, 1, 1, 0, 1, 0])) < 1e-6
    y_soft = np.array([0.2, 0.7, 1.0, 0.0, 0.5, 0.9])
    assert check_gradient(BinaryCrossEntropyWithLogits(), z, y_soft) < 1e-6


def test_hinge_gradient_away_from_the_kink():
    s = np.array([[-1.5], [0.3], [2.0], [-0.2]])
    y = np.array([1, -1, 1, 1])  # margins 2.5, 1.3, -1, 1.2: none at 0
    assert check_gradient(Hinge(), s, y) < 1e-6


def test_categorical_cross_entropy_gradient_labels_and_one_hot():
    p = softmax_rows(rng.standard_normal((4, 3)))
    labels = np.array([2, 0, 1, 1])
    assert check_gradient(CategoricalCrossEntropy(), p, labels) < 1e-6
    assert check_gradient(CategoricalCrossEntropy(), p, np.eye(3)[labels]) < 1e-6


def test_softmax_cross_entropy_gradient_labels_one_hot_and_soft():
    z = 2 * rng.standard_normal((5, 4))
    labels = np.array([3, 0, 1, 1, 2])
    assert check_gradient(SoftmaxCrossEntropy(), z, labels) < 1e-6
    assert check_gradient(SoftmaxCrossEntropy(), z, np.eye(4)[labels]) < 1e-6
    soft = softmax_rows(rng.standard_normal((5, 4)))
    assert check_gradient(SoftmaxCrossEntropy(), z, soft) < 1e-6


def test_kl_divergence_gradient_with_a_zero_target():
    p = softmax_rows(rng.standard_normal((3, 4)))
    q = softmax_rows(rng.standard_normal((3, 4)))
    q[0] = [0.0, 0.5, 0.5, 0.0]
    assert check_gradient(KLDivergence(), p, q) < 1e-6


def test_softmax_cross_entropy_backward_is_softmax_minus_one_hot_over_n():
    z = rng.standard_normal((3, 4))
    labels = np.array([1, 3, 0])
    sce = SoftmaxCrossEntropy()
    sce(z, labels)
    expected = (softmax_rows(z) - np.eye(4)[labels]) / 3
    np.testing.assert_allclose(sce.backward(), expected, rtol=1e-12, atol=1e-15)
    # backward may be called again: it does not change what forward kept
    np.testing.assert_allclose(sce.backward(), expected, rtol=1e-12, atol=1e-15)


# --- target forms ------------------------------------------------------------------------------


@pytest.mark.parametrize("loss_cls", [SoftmaxCrossEntropy, CategoricalCrossEntropy])
def test_labels_one_hot_and_integer_valued_floats_agree(loss_cls):
    z = rng.standard_normal((6, 4))
    y_hat = z if loss_cls is SoftmaxCrossEntropy else softmax_rows(z)
    labels = np.array([0, 3, 2, 2, 1, 0])
    loss = loss_cls()
    value_labels = loss(y_hat, labels)
    grad_labels = loss.backward()
    value_one_hot = loss(y_hat, np.eye(4)[labels])
    grad_one_hot = loss.backward()
    value_floats = loss(y_hat, labels.astype(np.float64))
    grad_floats = loss.backward()
    assert value_labels == pytest.approx(value_one_hot, rel=1e-12)
    assert value_labels == pytest.approx(value_floats, rel=1e-12)
    np.testing.assert_allclose(grad_labels, grad_one_hot, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad_labels, grad_floats, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "loss, y_hat",
    [
        (BinaryCrossEntropy(), np.array([0.9, 0.2, 0.6])),
        (BinaryCrossEntropyWithLogits(), np.array([2.0, -1.0, 0.5])),
        (Hinge(), np.array([2.0, -1.0, 0.5])),
        (MSE(), np.array([2.0, -1.0, 0.5])),
        (Huber(), np.array([2.0, -1.0, 0.5])),
    ],
)
def test_column_and_flat_shapes_are_reshaped_never_broadcast(loss, y_hat):
    y = np.array([1, 0, 1])
    flat = loss(y_hat, y)
    grad_flat = loss.backward()
    # every combination of (N,) and (N, 1) gives the same number, the one of matching shapes
    for a, b in [(y_hat[:, None], y), (y_hat, y[:, None]), (y_hat[:, None], y[:, None])]:
        assert loss(a, b) == pytest.approx(flat, rel=1e-12)
        grad = loss.backward()
        assert grad.shape == a.shape
        np.testing.assert_allclose(grad.ravel(), grad_flat, rtol=1e-12)
    # the classic bug, (N, 1) - (N,) broadcast to (N, N), would give another number here
    if isinstance(loss, MSE):
        broadcast = np.mean((y_hat[:, None] - y) ** 2)
        assert broadcast != pytest.approx(flat)


# --- classification helpers --------------------------------------------------------------------


def test_is_classification_flags():
    assert MSE.is_classification is False
    assert Huber.is_classification is False
    for cls in [
        BinaryCrossEntropy,
        BinaryCrossEntropyWithLogits,
        Hinge,
        CategoricalCrossEntropy,
        SoftmaxCrossEntropy,
        KLDivergence,
    ]:
        assert cls.is_classification is True
        assert issubclass(cls, Loss)


@pytest.mark.parametrize("loss_cls", [SoftmaxCrossEntropy, CategoricalCrossEntropy, KLDivergence])
def test_multiclass_predict_and_target_labels(loss_cls):
    y_hat = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5]])
    loss = loss_cls()
    predicted = loss.predict_labels(y_hat)
    assert predicted.dtype == np.int64 and predicted.shape == (3,)
    np.testing.assert_array_equal(predicted, [1, 0, 2])
    np.testing.assert_array_equal(loss.target_labels(np.eye(3)[[2, 0, 1]]), [2, 0, 1])
    labels = loss.target_labels(np.array([2.0, 0.0, 1.0]))
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [2, 0, 1])


def test_binary_predict_labels_thresholds():
    p = np.array([[0.2], [0.5], [0.7]])
    labels = BinaryCrossEntropy().predict_labels(p)
    assert labels.dtype == np.int64 and labels.shape == (3,)
    np.testing.assert_array_equal(labels, [0, 0, 1])  # class 1 where p > 0.5
    z = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(BinaryCrossEntropyWithLogits().predict_labels(z), [0, 0, 1])
    np.testing.assert_array_equal(Hinge().predict_labels(z), [0, 0, 1])


def test_binary_target_labels():
    np.testing.assert_array_equal(BinaryCrossEntropy().target_labels(np.array([[1], [0]])), [1, 0])
    soft = np.array([0.9, 0.1])  # label smoothing rounds back to 1, 0
    np.testing.assert_array_equal(BinaryCrossEntropyWithLogits().target_labels(soft), [1, 0])
    hinge_labels = Hinge().target_labels(np.array([-1, 1, 1, -1]))
    assert hinge_labels.dtype == np.int64
    np.testing.assert_array_equal(hinge_labels, [0, 1, 1, 0])
    np.testing.assert_array_equal(Hinge().target_labels(np.array([0, 1])), [0, 1])


def test_regression_loss_has_no_labels():
    with pytest.raises(TypeError, match=r"expected a classification loss.*received the regression"):
        MSE().predict_labels(np.zeros((2, 1)))
    with pytest.raises(TypeError, match=r"expected a classification loss.*received the regression"):
        Huber().target_labels(np.zeros(2))


# --- contract: dtype, Python float, inputs untouched -------------------------------------------


def loss_cases():
    """(loss, y_hat, y) for every loss, on small valid float64 inputs."""
    p2 = softmax_rows(np.array([[0.2, -1.0, 0.5], [1.0, 0.0, -0.5]]))
    return [
        (MSE(), np.array([[0.5, -1.0], [2.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])),
        (Huber(), np.array([[0.5, -1.0], [2.0, 0.0]]), np.array([[0.0, 1.0], [-1.0, 1.0]])),
        (BinaryCrossEntropy(), np.array([[0.3], [0.8]]), np.array([0, 1])),
        (BinaryCrossEntropyWithLogits(), np.array([[0.3], [-0.8]]), np.array([0, 1])),
        (Hinge(), np.array([0.3, -0.8]), np.array([-1, 1])),
        (CategoricalCrossEntropy(), p2, np.array([2, 0])),
        (SoftmaxCrossEntropy(), np.array([[0.2, -1.0, 0.5], [1.0, 0.0, -0.5]]), np.array([2, 0])),
        (KLDivergence(), p2, softmax_rows(np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]]))),
    ]


def _loss_name(value):
    return type(value).__name__ if isinstance(value, Loss) else None


@pytest.mark.parametrize("loss, y_hat, y", loss_cases(), ids=_loss_name)
def test_float32_in_float32_gradient_out(loss, y_hat, y):
    y_hat32 = y_hat.astype(np.float32)
    value = loss(y_hat32, y)
    assert type(value) is float
    grad = loss.backward()
    assert grad.dtype == np.float32
    assert grad.shape == y_hat32.shape
    # float64 agrees, up to the rounding of a float32 loss that adds up every element
    assert_close(value, loss(y_hat, y), n_terms=y_hat.size, dtype=np.float32,
                 what="the float32 and float64 losses")


@pytest.mark.parametrize("loss, y_hat, y", loss_cases(), ids=_loss_name)
def test_inputs_are_not_changed(loss, y_hat, y):
    y_hat_before, y_before = y_hat.copy(), y.copy()
    loss(y_hat, y)
    loss.backward()
    loss.backward()
    np.testing.assert_array_equal(y_hat, y_hat_before)
    np.testing.assert_array_equal(y, y_before)


@pytest.mark.parametrize("loss, y_hat, y", loss_cases(), ids=_loss_name)
def test_backward_before_forward_raises(loss, y_hat, y):
    fresh = type(loss)()
    name = type(loss).__name__
    with pytest.raises(
        RuntimeError, match=rf"{name}\.backward: expected a forward pass first.*received"
    ):
        fresh.backward()


# --- numerical stability -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_huge_logits(dtype):
    z = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]], dtype=dtype)
    sce = SoftmaxCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = sce(z, np.array([0, 0]))
        grad = sce.backward()
    # row 0 is right with certainty (loss 0); row 1 is wrong by 1e4 (loss 1e4)
    assert_close(value, 5000.0, n_terms=z.size, dtype=dtype, what="the loss and (0 + 1e4) / 2")
    assert np.all(np.isfinite(grad))
    assert_close(grad, [[0, 0, 0], [-0.5, 0.5, 0]], n_terms=3, what="the gradient and by hand")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_at_probabilities_zero_and_one(dtype):
    p = np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype)
    y = np.array([0, 1, 1, 0])
    bce = BinaryCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = bce(p, y)
        grad = bce.backward()
    # two right with certainty (about 0), two wrong with certainty (about -log(1e-7) = 16.1 each)
    assert math.isfinite(value)
    assert value == pytest.approx(2 * -math.log(1e-7) / 4, rel=0.05)
    assert np.all(np.isfinite(grad))
    assert grad.dtype == dtype
    assert grad[2] < 0 < grad[3]  # still pushes the wrong predictions the right way


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_at_plus_minus_1000(dtype):
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0], dtype=dtype)
    y = np.array([1, 0, 0, 1])
    loss = BinaryCrossEntropyWithLogits()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(z, y)
        grad = loss.backward()
    assert_close(value, (0 + 0 + 1000 + 1000) / 4, n_terms=z.size, dtype=dtype,
                 what="the loss and (0 + 0 + 1000 + 1000) / 4")
    assert_close(grad, [0.0, 0.0, 0.25, -0.25], what="the gradient and by hand")


def test_categorical_and_kl_at_zero_probability():
    y_hat = np.array([[0.0, 1.0], [1.0, 0.0]])
    q = np.array([[1.0, 0.0], [1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for loss in [CategoricalCrossEntropy(), KLDivergence()]:
            value = loss(y_hat, q)
            grad = loss.backward()
            assert value == pytest.approx(-math.log(1e-7) / 2, rel=1e-6)
            assert np.all(np.isfinite(grad))
        assert KLDivergence()(q, q) == 0.0  # 0 * log 0 counts as 0, no warning


# --- bad inputs: each error names the expected and the received value --------------------------


def test_label_out_of_range():
    with pytest.raises(
        ValueError, match=r"expected labels in \[0, 3\).*received the label y\[1\] = 3"
    ):
        SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"expected labels in \[0, 3\).*y\[0\] = -1"):
        CategoricalCrossEntropy()(np.full((2, 3), 1 / 3), np.array([-1, 0]))


def test_float_labels_that_are_not_integers():
    with pytest.raises(ValueError, match=r"expected integer class labels.*received.*y\[1\] = 1\.5"):
        SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0.0, 1.5]))


def test_wrong_number_of_rows():
    with pytest.raises(
        ValueError, match=r"one row per sample of y_hat, N = 2.*received y with 3 rows"
    ):
        SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"N = 4.*received y with 3 rows"):
        BinaryCrossEntropy()(np.full((4, 1), 0.5), np.array([0, 1, 1]))


def test_one_hot_width_differs_from_k():
    with pytest.raises(ValueError, match=r"\(N, K\) = \(2, 3\).*received shape \(2, 4\)"):
        SoftmaxCrossEntropy()(np.zeros((2, 3)), np.eye(4)[[0, 1]])
    # labels in a column are not one-hot rows either; the hint says what to do
    with pytest.raises(ValueError, match=r"received shape \(2, 1\).*y\.ravel\(\)"):
        SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([[0], [1]]))


def test_bce_targets_outside_zero_one():
    with pytest.raises(
        ValueError, match=r"expected y to hold probabilities in \[0, 1\].*= 2\.0.*Hinge"
    ):
        BinaryCrossEntropy()(np.array([0.5, 0.5]), np.array([0, 2]))
    with pytest.raises(ValueError, match=r"in \[0, 1\].*= -1\.0.*Hinge"):
        BinaryCrossEntropyWithLogits()(np.array([0.5, 0.5]), np.array([-1, 1]))


def test_logits_given_to_bce_on_probabilities():
    with pytest.raises(
        ValueError,
        match=r"expected y_hat to hold probabilities in \[0, 1\].*y_hat\[1\] = 2\.5.*"
        r"BinaryCrossEntropyWithLogits",
    ):
        BinaryCrossEntropy()(np.array([0.5, 2.5]), np.array([0, 1]))


def test_logits_given_to_categorical_cross_entropy():
    with pytest.raises(
        ValueError,
        match=r"probabilities in \[0, 1\].*y_hat\[0, 0\] = 2\.0.*SoftmaxCrossEntropy",
    ):
        CategoricalCrossEntropy()(np.array([[2.0, -1.0, 0.5]]), np.array([0]))


def test_probability_rows_that_do_not_sum_to_one():
    with pytest.raises(ValueError, match=r"summing to 1, received row 0 summing to 1\.5.*Softmax"):
        CategoricalCrossEntropy()(np.array([[0.9, 0.6], [0.5, 0.5]]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"row of y.*summing to 1, received row 1 summing to 2\.0"):
        SoftmaxCrossEntropy()(np.zeros((2, 2)), np.array([[1.0, 0.0], [1.0, 1.0]]))


def test_nan_in_predictions_and_targets():
    with pytest.raises(ValueError, match=r"expected y_hat to hold finite numbers.*1 NaN"):
        SoftmaxCrossEntropy()(np.array([[0.0, np.nan]]), np.array([0]))
    with pytest.raises(ValueError, match=r"expected y to hold finite numbers.*1 NaN.*index \(1,\)"):
        MSE()(np.zeros(3), np.array([0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match=r"finite numbers.*0 NaN and 1 infinite"):
        BinaryCrossEntropyWithLogits()(np.array([np.inf, 0.0]), np.array([1, 0]))


def test_empty_batch():
    with pytest.raises(ValueError, match=r"expected a non-empty batch \(N >= 1\).*N = 0"):
        SoftmaxCrossEntropy()(np.zeros((0, 3)), np.zeros(0, dtype=np.int64))
    with pytest.raises(ValueError, match=r"N >= 1.*N = 0"):
        MSE()(np.zeros((0, 1)), np.zeros((0, 1)))


def test_regression_shape_mismatch():
    with pytest.raises(
        ValueError, match=r"same shape as y_hat, \(3, 1\).*received y of shape \(3, 2\)"
    ):
        MSE()(np.zeros((3, 1)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"same shape as y_hat, \(2, 2\).*shape \(2,\)"):
        Huber()(np.zeros((2, 2)), np.zeros(2))


def test_hinge_bad_labels():
    with pytest.raises(
        ValueError, match=r"expected labels in \{-1, \+1\} or in \{0, 1\}.*value 2\.0"
    ):
        Hinge()(np.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\{-1, \+1\} or in \{0, 1\}, received both -1 and 0"):
        Hinge()(np.zeros(3), np.array([0, 1, -1]))


def test_binary_loss_given_k_columns():
    with pytest.raises(ValueError, match=r"y_hat of shape \(N,\) or \(N, 1\).*shape \(4, 2\)"):
        BinaryCrossEntropyWithLogits()(np.zeros((4, 2)), np.array([0, 1, 1, 0]))
    with pytest.raises(ValueError, match=r"y of shape \(N,\) or \(N, 1\).*shape \(4, 2\)"):
        BinaryCrossEntropy()(np.full(4, 0.5), np.eye(2)[[0, 1, 1, 0]])


def test_multiclass_loss_given_one_column():
    with pytest.raises(ValueError, match=r"\(N, K\).*K >= 2.*received shape \(3, 1\).*WithLogits"):
        SoftmaxCrossEntropy()(np.zeros((3, 1)), np.array([0, 0, 0]))


def test_kl_divergence_needs_distributions_as_targets():
    with pytest.raises(ValueError, match=r"same shape as y_hat, \(2, 2\).*received shape \(2,\)"):
        KLDivergence()(np.full((2, 2), 0.5), np.array([0, 1]))


def test_targets_of_the_wrong_type():
    with pytest.raises(TypeError, match=r"expected y to be an array of numbers.*received.*<U3"):
        SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array(["cat", "dog"]))


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_huber_delta_must_be_positive(bad):
    with pytest.raises(
        ValueError, match=rf"expected delta to be a finite number > 0, received {bad!r}"
    ):
        Huber(delta=bad)


def test_huber_delta_that_is_not_a_number_is_a_type_error():
    with pytest.raises(TypeError, match=r"expected delta to be a finite number > 0, received "
                                        r"str '1'"):
        Huber(delta="1")


@pytest.mark.parametrize("loss_cls", [BinaryCrossEntropy, CategoricalCrossEntropy, KLDivergence])
def test_eps_must_be_small_and_positive(loss_cls):
    with pytest.raises(ValueError, match=r"0 < eps < 0\.5.*received 0\.7"):
        loss_cls(eps=0.7)
