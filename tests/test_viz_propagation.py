"""Smoke tests of the forward/back-propagation plots (04, 05), drawn with the Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402

from dlcore.course import viz  # noqa: E402
from dlcore.gradcheck import GradCheckResult, TensorCheck  # noqa: E402

VALUES = {"x": 2.0, "w": -3.0, "b": 1.0, "y": 1.0, "u": -6.0, "z": -5.0, "a": 0.0067, "L": 0.987}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_neuron_graph_draws_eight_boxes_and_four_operations():
    ax = viz.draw_neuron_graph(VALUES)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(boxes) == 8 and len(circles) == 4
    assert "-6" in texts(ax) and "σ" in texts(ax)
    assert not any(t.startswith("∂L/∂") for t in texts(ax))  # forward only: no gradients
    assert "forward" in ax.get_title()


def test_neuron_graph_writes_each_gradient_given():
    grads = {"w": -0.0264, "x": 0.0396, "L": 1.0}
    ax = viz.draw_neuron_graph(VALUES, grads)
    shown = [t for t in texts(ax) if t.startswith("∂L/∂")]
    assert sorted(shown) == sorted(["∂L/∂w = -0.0264", "∂L/∂x = 0.0396", "∂L/∂L = 1"])


def test_neuron_graph_names_missing_values():
    with pytest.raises(ValueError, match=r"expected values for .*missing \['L'\]"):
        viz.draw_neuron_graph({k: v for k, v in VALUES.items() if k != "L"})


def test_digit_probabilities_draws_the_image_and_ten_bars_with_the_prediction_coloured():
    probs = np.full(10, 0.05)
    probs[3] = 0.55
    im, bars = viz.plot_digit_probabilities(np.arange(64.0), probs, label=3)
    assert im.get_array().shape == (8, 8)
    assert len(bars) == 10
    heights = [b.get_height() for b in bars]
    np.testing.assert_allclose(heights, probs)
    green = matplotlib.colors.to_rgba(viz.RIGHT)
    assert bars[3].get_facecolor() == green and bars[0].get_facecolor() != green
    assert "3" in im.axes.get_title()


def test_digit_probabilities_marks_a_wrong_prediction_red_on_given_axes():
    _, axes = plt.subplots(1, 2)
    probs = np.eye(10)[7] * 0.9 + 0.01
    _, bars = viz.plot_digit_probabilities(np.zeros((8, 8)), probs, label=1, axes=axes)
    assert bars[7].get_facecolor() == matplotlib.colors.to_rgba(viz.WRONG)
    assert axes[1].get_ylabel() == "probability"


def test_digit_probabilities_rejects_a_non_square_image():
    with pytest.raises(ValueError, match=r"expected a square image.*received shape \(10,\)"):
        viz.plot_digit_probabilities(np.zeros(10), np.full(10, 0.1))


def make_result():
    details = [
        TensorCheck("layers[0].W", (3, 2), 1e-9, "layers[0].W[0, 0]", 1.0, 1.0, True),
        TensorCheck("layers[0].b", (2,), 0.6, "layers[0].b[1]", 2.0, 0.5, False),
    ]
    return GradCheckResult(0.6, "layers[0].b[1]", False, 1e-6, details)


def test_gradcheck_plot_has_one_bar_per_tensor_red_where_it_failed():
    bars = viz.plot_gradcheck(make_result())
    assert len(bars) == 2
    ax = bars[0].axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["layers[0].W", "layers[0].b"]
    widths = sorted(b.get_width() for b in bars)
    np.testing.assert_allclose(widths, [1e-9, 0.6])
    assert ax.get_xscale() == "log"
    failing = [b for b in bars if b.get_width() == 0.6][0]
    assert failing.get_facecolor() == matplotlib.colors.to_rgba(viz.WRONG)
    assert "layers[0].b[1]" in ax.get_title()
    # the tolerance is named above the bars, not in a legend that could cover one
    assert ax.get_legend() is None and "tolerance 1e-06" in [t.get_text() for t in ax.texts]


def test_gradcheck_plot_rejects_an_empty_result():
    with pytest.raises(ValueError, match="with details, received one with none"):
        viz.plot_gradcheck(GradCheckResult(0.0, "(nothing to check)", True, 1e-6, []))


def test_step_size_errors_draws_one_log_log_line_per_method():
    h = np.logspace(-10, -1, 10)
    lines = viz.plot_step_size_errors(h, {"forward": h, "central": h**2})
    assert len(lines) == 2
    ax = lines[0].axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "step h"
    np.testing.assert_allclose(lines[1].get_ydata(), np.maximum(h**2, 1e-17))
