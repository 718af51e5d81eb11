"""Plots of 02_architecture, drawn with the Agg backend: what is drawn, not how it looks."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore.activations import Identity, ReLU, Sigmoid, Softmax, Tanh  # noqa: E402
from dlcore.course import viz  # noqa: E402
from dlcore.course.viz import (  # noqa: E402
    draw_network,
    network_weights,
    plot_activation,
    plot_decision_boundary,
    plot_fits,
    plot_layer_histograms,
    plot_softmax,
)
from dlcore.layers import Dense  # noqa: E402
from dlcore.module import Sequential  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_network_weights_from_model_layer_and_list():
    model = Sequential(Dense(3, 4, seed=0), ReLU(), Dense(4, 2, seed=1))
    weights = network_weights(model)
    assert [W.shape for W in weights] == [(3, 4), (4, 2)]
    assert weights[0] is model[0].W.value  # the model's own numbers, not a copy
    assert [W.shape for W in network_weights(model[0])] == [(3, 4)]
    assert [W.shape for W in network_weights([np.ones((2, 5)), np.ones((5, 1))])] == [(2, 5), (5, 1)]


def test_network_weights_rejects_matrices_that_do_not_chain():
    with pytest.raises(ValueError, match=r"expected matrix 1 to have 4 rows.*received shape \(3, 2\)"):
        network_weights([np.ones((3, 4)), np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"expected a Sequential with Dense layers.*received ReLU"):
        network_weights(ReLU())


def test_draw_network_one_line_per_weight_coloured_by_sign_sized_by_value():
    W1 = np.array([[1.0, -2.0], [0.5, 0.0], [-0.25, 4.0]])  # 3 -> 2
    W2 = np.array([[3.0], [-1.0]])  # 2 -> 1
    ax = draw_network([W1, W2])
    # one circle per neuron: 3 + 2 + 1
    assert len(ax.patches) == 6
    lines1, lines2 = ax.collections
    assert len(lines1.get_segments()) == 6 and len(lines2.get_segments()) == 2
    widths = lines1.get_linewidths()
    # the widest line is the largest |w| (4.0), the thinnest the zero weight
    assert np.argmax(widths) == 5 and np.argmin(widths) == 3
    colours = lines1.get_colors()
    blue, red = matplotlib.colors.to_rgba(viz.POSITIVE), matplotlib.colors.to_rgba(viz.NEGATIVE)
    # row-major order: W[0,0]=1 (blue), W[0,1]=-2 (red), ...
    assert np.allclose(colours[0][:3], blue[:3]) and np.allclose(colours[1][:3], red[:3])
    assert np.allclose(lines2.get_colors()[1][:3], red[:3])


def test_draw_network_of_a_model_and_with_values():
    model = Sequential(Dense(3, 4, seed=0), ReLU(), Dense(4, 2, seed=1))
    ax = draw_network(model, show_values=True)
    assert len(ax.patches) == 3 + 4 + 2
    texts = [t.get_text() for t in ax.texts]
    assert f"{model[0].W.value[0, 0]:.2f}" in texts
    assert "hidden layer 1\n4 neurons" in texts and "x1" in texts and "ŷ2" in texts


@pytest.mark.parametrize(
    "layer, derivative",
    [
        (Identity(), lambda z: np.ones_like(z)),
        (Sigmoid(), lambda z: (1 / (1 + np.exp(-z))) * (1 - 1 / (1 + np.exp(-z)))),
        (Tanh(), lambda z: 1 - np.tanh(z) ** 2),
        (ReLU(), lambda z: (z > 0).astype(float)),
    ],
)
def test_plot_activation_draws_the_function_and_its_derivative(layer, derivative):
    z = np.linspace(-3, 3, 61)
    ax = plot_activation(layer, z=z)
    curve, slope = ax.lines[0], ax.lines[1]
    assert np.allclose(curve.get_xdata(), z)
    assert np.allclose(slope.get_ydata(), derivative(z))
    assert ax.get_title() == type(layer).__name__


def test_plot_activation_refuses_softmax():
    with pytest.raises(ValueError, match=r"expected an elementwise activation.*received Softmax"):
        plot_activation(Softmax())


def test_plot_softmax_bars_sum_to_one():
    ax = plot_softmax(np.array([2.0, 1.0, 0.1]), class_names=["a", "b", "c"])
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 6
    assert np.allclose(heights[:3], [2.0, 1.0, 0.1])
    assert sum(heights[3:]) == pytest.approx(1.0)
    assert heights[3] == pytest.approx(np.exp(2) / (np.exp(2) + np.exp(1) + np.exp(0.1)))


def test_plot_decision_boundary_colours_the_predicted_regions():
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [-2.0, 1.0], [2.0, -1.0]])
    y = np.array([0, 1, 0, 1])
    calls = []

    def predict(points):
        calls.append(points.shape)
        return (points[:, 0] > 0).astype(int)

    ax = plot_decision_boundary(predict, X, y, resolution=50)
    assert calls == [(2500, 2)]
    assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2"
    assert len(ax.collections) >= 2  # the filled regions and the points
    with pytest.raises(ValueError, match=r"one label per point, shape \(2500,\), received shape \(2500, 3\)"):
        plot_decision_boundary(lambda p: np.zeros((len(p), 3)), X, y, resolution=50)


def test_plot_layer_histograms_one_axes_per_layer_with_its_spread():
    rng = np.random.default_rng(0)
    outputs = [rng.standard_normal((100, 10)) * s for s in (1.0, 0.5, 0.1)]
    axes = plot_layer_histograms(outputs, bins=20, label="small")
    assert len(axes) == 3
    assert all(len(ax.patches) == 20 for ax in axes)
    assert axes[2].get_title() == f"layer 3\nstd {outputs[2].std():.3g}"
    assert axes[0].get_ylabel() == "small"
    axes = plot_layer_histograms(outputs[1:], layer_numbers=[2, 8])
    assert axes[1].get_title().startswith("layer 8\n")
    fig, too_few = plt.subplots(1, 2)
    with pytest.raises(ValueError, match=r"at least 3 axes.*received 2"):
        plot_layer_histograms(outputs, axes=too_few)


def test_plot_fits_draws_points_and_one_line_per_curve():
    x = np.linspace(0, 1, 5)
    ax = plot_fits(x, x**2, {"line": (x, x), "square": (x, x**2)}, title="fits")
    assert len(ax.lines) == 2
    assert [line.get_label() for line in ax.lines] == ["line", "square"]
    assert len(ax.collections) == 1 and ax.get_title() == "fits"
