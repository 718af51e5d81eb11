"""The bias-threshold widget of 02_architecture: its compute functions, by hand, and its view."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore.course.interactive import (  # noqa: E402
    bias_explorer,
    bias_summary,
    decision_line,
    firing_region,
    neuron_response,
    plot_bias_threshold,
    side_counts,
)


def test_classic_example_relu_silent_then_fires_with_bias_one():
    # x = -0.35, w = 1: the weighted sum is -0.35; ReLU is silent without bias
    r = neuron_response(np.array([-0.35]), 1.0, 0.0, "relu")
    assert np.allclose(r.weighted_sum, [-0.35])
    assert np.allclose(r.z, [-0.35])
    assert np.allclose(r.a, [0.0])
    assert not r.fires[0]
    assert r.threshold == 0.0
    # a bias of +1 moves the threshold to -1 and the neuron fires with 0.65
    r = neuron_response(np.array([-0.35]), 1.0, 1.0, "relu")
    assert np.allclose(r.weighted_sum, [-0.35])
    assert np.allclose(r.z, [0.65])
    assert np.allclose(r.a, [0.65])
    assert r.fires[0]
    assert r.threshold == -1.0


def test_batch_of_two_inputs_by_hand():
    x = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 0.0]])
    w = np.array([0.5, -1.0])
    r = neuron_response(x, w, 0.25, "relu")
    # 0.5 - 2 = -1.5; -0.5 - 0.5 = -1.0; 0
    assert np.allclose(r.weighted_sum, [-1.5, -1.0, 0.0])
    assert np.allclose(r.z, [-1.25, -0.75, 0.25])
    assert np.allclose(r.a, [0.0, 0.0, 0.25])
    assert r.fires.tolist() == [False, False, True]
    assert r.threshold == -0.25


@pytest.mark.parametrize(
    "activation, expected",
    [
        ("relu", [0.0, 0.0, 2.0]),
        ("step", [0.0, 0.0, 1.0]),
        ("sigmoid", [1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-2.0))]),
        ("tanh", [np.tanh(-1.0), 0.0, np.tanh(2.0)]),
        ("linear", [-1.0, 0.0, 2.0]),
    ],
)
def test_each_activation_by_hand(activation, expected):
    r = neuron_response(np.array([-1.0, 0.0, 2.0]), 1.0, 0.0, activation)
    assert np.allclose(r.a, expected)
    # "fires" means z > 0 whatever the activation (sigmoid above 0.5, tanh above 0)
    assert r.fires.tolist() == [False, False, True]


def test_raising_the_bias_lowers_the_threshold_by_the_same_amount():
    x = np.linspace(-2, 2, 41)
    for b in (-1.0, 0.0, 0.5, 1.5):
        r = neuron_response(x, 2.0, b)
        assert r.threshold == -b
        # with w = 2 the neuron fires for x > -b / 2
        assert np.array_equal(r.fires, x > -b / 2)


def test_neuron_response_does_not_change_its_input():
    x = np.array([[1.0, -2.0]])
    before = x.copy()
    neuron_response(x, np.array([1.0, 1.0]), 3.0)
    assert np.array_equal(x, before)


def test_neuron_response_bad_inputs_name_expected_and_received():
    with pytest.raises(ValueError, match=r"w of shape \(2,\).*received shape \(3,\)"):
        neuron_response(np.zeros((4, 2)), np.ones(3), 0.0)
    with pytest.raises(ValueError, match=r"expected activation to be one of.*received 'softplus'"):
        neuron_response(np.zeros(3), 1.0, 0.0, "softplus")
    with pytest.raises(ValueError, match=r"expected x of shape \(N, D\).*received shape \(2, 2, 2\)"):
        neuron_response(np.zeros((2, 2, 2)), np.ones(2), 0.0)
    with pytest.raises(ValueError, match=r"bias b to be one finite number, received nan"):
        neuron_response(np.zeros(3), 1.0, float("nan"))
    with pytest.raises(TypeError, match=r"array of numbers, received dtype <U1"):
        neuron_response(np.array(["a"]), 1.0, 0.0)


def test_decision_line_points_satisfy_the_equation():
    w, b = np.array([2.0, -1.0]), 0.5
    x1, x2 = decision_line(w, b, (-3, 3))
    assert np.allclose(x1, [-3, 3])
    assert np.allclose(w[0] * x1 + w[1] * x2 + b, 0.0)


def test_decision_line_moves_by_minus_b_over_w_and_does_not_turn():
    w = np.array([1.0, 2.0])
    _, x2_at_0 = decision_line(w, 0.0, (0, 1))
    _, x2_at_1 = decision_line(w, 1.0, (0, 1))
    # at x1 = 0 the line crosses the x2 axis at -b / w2
    assert x2_at_0[0] == pytest.approx(0.0)
    assert x2_at_1[0] == pytest.approx(-0.5)
    # the whole line shifted by -1 / w2 = -0.5, so its slope is unchanged
    assert np.allclose(x2_at_1 - x2_at_0, -0.5)


def test_decision_line_vertical_when_w2_is_zero():
    x1, x2 = decision_line(np.array([2.0, 0.0]), 1.0, (-3, 3), (-1, 4))
    assert np.allclose(x1, [-0.5, -0.5])
    assert np.allclose(x2, [-1, 4])


def test_decision_line_errors():
    with pytest.raises(ValueError, match=r"at least one non-zero weight, received w = \[0.0, 0.0\]"):
        decision_line(np.zeros(2), 1.0, (-1, 1))
    with pytest.raises(ValueError, match=r"w of shape \(2,\), received shape \(3,\)"):
        decision_line(np.ones(3), 1.0, (-1, 1))


def polygon_area(corners):
    x, y = corners[:, 0], corners[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def test_firing_region_by_hand():
    box = ((-1, 1), (-1, 1))
    # x1 > 0: the right half of the 2 x 2 box
    right = firing_region(np.array([1.0, 0.0]), 0.0, *box)
    assert polygon_area(right) == pytest.approx(2.0)
    assert np.all(right[:, 0] >= 0)
    # x1 + x2 > 0: half the box, a triangle
    tri = firing_region(np.array([1.0, 1.0]), 0.0, *box)
    assert len(tri) == 3
    assert polygon_area(tri) == pytest.approx(2.0)
    # a large bias: fires everywhere; a very negative one: nowhere
    assert polygon_area(firing_region(np.array([1.0, 1.0]), 5.0, *box)) == pytest.approx(4.0)
    assert firing_region(np.array([1.0, 1.0]), -5.0, *box).shape == (0, 2)
    # x1 > 0.5 (b = -0.5): a strip of width 0.5
    assert polygon_area(firing_region(np.array([1.0, 0.0]), -0.5, *box)) == pytest.approx(1.0)


def test_side_counts_by_hand():
    fires = np.array([True, False, True, True, False])
    y = np.array([0, 0, 1, 1, 1])
    counts = side_counts(fires, y)
    assert counts.tolist() == [[1, 1], [1, 2]]
    with pytest.raises(ValueError, match=r"same shape \(N,\), received \(5,\) and \(4,\)"):
        side_counts(fires, y[:4])


def blobs():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-2, 1, (20, 2)), rng.normal(2, 1, (20, 2))])
    y = np.repeat([0, 1], 20)
    return X, y


def test_plot_bias_threshold_draws_the_example():
    X, y = blobs()
    ax1, ax2 = plot_bias_threshold(X, y, (1.0, 1.0), 1.0)
    try:
        # the dashed threshold sits at x = -b / w1 = -1
        xs = [line.get_xdata() for line in ax1.lines]
        assert any(len(x) == 2 and np.allclose(x, [-1.0, -1.0]) for x in xs)
        # the highlighted point is (x, a) = (-0.35, 0.65)
        points = [line for line in ax1.lines if len(line.get_xdata()) == 1]
        assert len(points) == 1
        assert np.allclose(points[0].get_xdata(), [-0.35])
        assert np.allclose(points[0].get_ydata(), [0.65])
        texts = " ".join(t.get_text() for t in ax1.texts + ax2.texts)
        assert "+0.65" in texts and "fires" in texts
        # one shaded polygon and one line on the right
        assert len(ax2.patches) == 1
        assert ax2.get_xlabel() == "x1" and ax2.get_ylabel() == "x2"
    finally:
        plt.close("all")


def test_bias_explorer_has_a_bias_slider_that_redraws(monkeypatch):
    import base64

    import IPython.display

    published = []
    monkeypatch.setattr(IPython.display, "publish_display_data",
                        lambda data, metadata=None: published.append((data, metadata)))
    X, y = blobs()
    box = bias_explorer(X, y)
    assert "dlcore-bias-explorer" in box._dom_classes
    sliders = [w for w in box.children[0].children if hasattr(w, "description")]
    assert [s.description for s in sliders] == ["bias", "w1", "w2"]
    assert all(s.continuous_update for s in sliders)
    shown = [base64.b64decode(data["image/png"]) for data, _ in published]
    assert len(shown) == 1 and shown[0][:4] == b"\x89PNG"
    sliders[0].value = 1.0
    box.children[1].value = "sigmoid"
    shown = [base64.b64decode(data["image/png"]) for data, _ in published]
    assert len(shown) == 3 and shown[1] != shown[0] and shown[2] != shown[1]
    # every picture carries its one-sentence summary: in the <img alt>, the PNG's metadata and
    # the text form, and it follows the sliders
    for (data, metadata), activation, b in zip(published, ["relu", "relu", "sigmoid"],
                                               [0.0, 1.0, 1.0], strict=True):
        summary = bias_summary(X, y, (1.0, 1.0), b, activation)
        assert data["text/plain"] == summary == metadata["image/png"]["alt"]
        assert f'alt="{summary}"' in data["text/html"].replace("&#x27;", "'")
    assert "b = 1.00" in published[1][0]["text/plain"]


def test_bias_summary_says_what_the_picture_shows():
    X = np.array([[-2.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    y = np.array([0, 0, 1, 1])
    silent = bias_summary(X, y, (1.0, 0.0), 0.0)
    assert "w1 = 1.00, w2 = 0.00, b = 0.00" in silent
    assert "a = 0.00, so it is silent; threshold x = 0.00" in silent
    assert "fires (shaded side of the line) for 2 (class 0: 0, class 1: 2)" in silent
    fires = bias_summary(X, y, (1.0, 0.0), 1.0)
    assert "a = 0.65, so it fires; threshold x = -1.00" in fires
    assert "silent for 2 (class 0: 2, class 1: 0)" in fires  # z = 0 at x1 = -1: not above
    assert "threshold none (w1 = 0)" in bias_summary(X, y, (0.0, 1.0), 0.5)


def test_bias_explorer_rejects_bad_data():
    with pytest.raises(ValueError, match=r"X of shape \(N, 2\).*received \(5, 3\)"):
        bias_explorer(np.zeros((5, 3)), np.zeros(5, dtype=int))
