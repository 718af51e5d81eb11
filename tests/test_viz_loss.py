"""Plots of 03_loss, drawn with the Agg backend: the numbers behind each curve, by hand."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore.course.viz import loss_curve, plot_class_probabilities, plot_loss_curve  # noqa: E402
from dlcore.losses import MSE, BinaryCrossEntropy, CategoricalCrossEntropy, Hinge, Huber  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_loss_curve_of_mse_is_the_square_and_its_slope_twice_the_error():
    y_hat = np.array([-2.0, 0.0, 0.5, 3.0])
    values, slopes = loss_curve(MSE(), y_hat, 1.0)  # one target for all candidates
    assert np.allclose(values, [9.0, 1.0, 0.25, 4.0])
    assert np.allclose(slopes, [-6.0, -2.0, -1.0, 4.0])


def test_loss_curve_of_huber_is_linear_outside_delta():
    values, slopes = loss_curve(Huber(delta=1.0), np.array([-3.0, 0.5, 2.0]), np.zeros(3))
    # |r| > 1: 1 * (|r| - 0.5); |r| <= 1: r^2 / 2
    assert np.allclose(values, [2.5, 0.125, 1.5])
    assert np.allclose(slopes, [-1.0, 0.5, 1.0])


def test_loss_curve_of_binary_cross_entropy_by_hand():
    p = np.array([0.1, 0.5, 0.9])
    values, slopes = loss_curve(BinaryCrossEntropy(), p, 1.0)
    assert np.allclose(values, -np.log(p))
    assert np.allclose(slopes, -1 / p)
    values0, _ = loss_curve(BinaryCrossEntropy(), p, 0.0)
    assert np.allclose(values0, -np.log(1 - p))


def test_loss_curve_of_hinge_by_hand():
    values, slopes = loss_curve(Hinge(), np.array([-1.0, 0.5, 2.0]), 1)
    assert np.allclose(values, [2.0, 0.5, 0.0])
    assert np.allclose(slopes, [-1.0, -1.0, 0.0])


def test_loss_curve_with_rows_of_probabilities():
    # the dog/cat example: true class dog (0); the curve over the probability given to dog
    p_dog = np.array([0.46, 0.98])
    y_hat = np.column_stack([p_dog, 1 - p_dog])
    values, slopes = loss_curve(CategoricalCrossEntropy(), y_hat, np.array([1.0, 0.0]))
    assert np.allclose(values, [0.7765, 0.0202], atol=1e-4)
    assert slopes.shape == (2, 2)
    assert np.allclose(slopes[:, 0], -1 / p_dog) and np.allclose(slopes[:, 1], 0.0)


def test_loss_curve_rejects_mismatched_targets():
    with pytest.raises(ValueError, match=r"one target per candidate, 3.*received y of shape \(2,\)"):
        loss_curve(MSE(), np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match=r"shape \(M, ...\), received a scalar 0.5"):
        loss_curve(MSE(), 0.5, 0.0)


def test_plot_loss_curve_draws_loss_and_slope():
    fig, (ax, slope_ax) = plt.subplots(1, 2)
    x = np.linspace(-1, 1, 11)
    out = plot_loss_curve(x, x**2, 2 * x, ax=ax, slope_ax=slope_ax, label="MSE")
    assert out is ax
    assert np.allclose(ax.lines[0].get_ydata(), x**2)
    assert np.allclose(slope_ax.lines[0].get_ydata(), 2 * x)
    assert ax.get_ylabel() == "loss" and slope_ax.get_ylabel() == "slope dL/dŷ"
    assert slope_ax.lines[0].get_color() == ax.lines[0].get_color()


def test_plot_class_probabilities_shows_the_loss_of_the_true_class():
    ax = plot_class_probabilities([0.46, 0.54], ["dog", "cat"], true_class=0)
    assert [round(p.get_height(), 2) for p in ax.patches] == [0.46, 0.54]
    assert ax.get_title() == "true: dog, loss = -ln 0.46 = 0.78"
    with pytest.raises(ValueError, match=r"one probability per class name, 2, received shape \(3,\)"):
        plot_class_probabilities([0.2, 0.3, 0.5], ["dog", "cat"], 0)
