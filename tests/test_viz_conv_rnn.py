"""Smoke tests for the convolution and recurrence plots (dlcore/viz.py, 08 and 09), with Agg."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402

from dlcore.course import viz  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


IMAGE = np.arange(30, dtype=float).reshape(5, 6) % 7
KERNEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0]])


def test_convolution_step_shows_the_window_and_the_sum_so_far():
    axes = viz.draw_convolution_step(IMAGE, KERNEL, row=1, col=2)
    ax_in, ax_k, ax_out = axes
    frame = [p for p in ax_in.patches if isinstance(p, Rectangle)][0]
    assert frame.get_xy() == (1.5, 0.5) and (frame.get_width(), frame.get_height()) == (3, 2)
    assert len(ax_in.texts) == IMAGE.size and len(ax_k.texts) == KERNEL.size
    # output 4x4: cells computed row by row up to (1, 2) -> 4 + 3 = 7 values written
    assert len(ax_out.texts) == 7
    by_hand = np.sum(IMAGE[1:3, 2:5] * KERNEL)
    assert f"= {by_hand:.4g}" in ax_out.get_title()


def test_convolution_step_refuses_a_position_outside_the_output():
    with pytest.raises(ValueError, match=r"0 <= row < 4.*row=4"):
        viz.draw_convolution_step(IMAGE, KERNEL, row=4, col=0)
    with pytest.raises(ValueError, match=r"2-D image.*\(30,\)"):
        viz.draw_convolution_step(IMAGE.ravel(), KERNEL, row=0, col=0)


def test_show_filters_one_panel_per_filter_with_a_shared_scale():
    W = np.random.default_rng(0).standard_normal((5, 1, 3, 3))
    axes = viz.show_filters(W, ncols=3)
    assert len(axes) == 6  # 2 rows of 3, the last one empty
    images = [ax.images[0] for ax in axes[:5]]
    assert all(im.get_clim() == images[0].get_clim() for im in images)
    lo, hi = images[0].get_clim()
    assert lo == -hi == -np.abs(W).max()
    assert len(axes[0].texts) == 9 and not axes[5].axison
    np.testing.assert_allclose(images[2].get_array(), W[2, 0])


def test_show_filters_needs_one_input_channel():
    with pytest.raises(ValueError, match=r"\(C_out, kh, kw\).*\(4, 2, 3, 3\).*W\[:, c\]"):
        viz.show_filters(np.zeros((4, 2, 3, 3)))


def test_show_feature_maps_puts_the_input_first():
    maps = np.maximum(np.random.default_rng(1).standard_normal((3, 6, 6)), 0)
    axes = viz.show_feature_maps(maps, image=IMAGE, ncols=4)
    assert [ax.get_title() for ax in axes] == ["input", "map 0", "map 1", "map 2"]
    assert axes[1].images[0].get_cmap().name == "Reds"  # after ReLU: no negative values
    signed = viz.show_feature_maps(maps - 0.5)
    assert signed[0].images[0].get_cmap().name == "RdBu_r"
    with pytest.raises(ValueError, match=r"\(C, H, W\).*\(2, 3, 6, 6\)"):
        viz.show_feature_maps(np.zeros((2, 3, 6, 6)))


@pytest.mark.parametrize("size, kernel, padding, stride, count", [
    (8, 3, 0, 1, 6), (8, 3, 1, 2, 4), (7, 3, 0, 2, 3), (6, 4, 0, 3, 1),
])
def test_window_positions_counts_the_windows_that_fit(size, kernel, padding, stride, count):
    ax = viz.draw_window_positions(size, kernel, padding, stride)
    bars = [p for p in ax.patches if p.get_linestyle() == "-" and p.get_height() < 1]
    assert len(bars) == count == (size + 2 * padding - kernel) // stride + 1
    assert f"= {count} positions" in ax.get_title()
    leftover = (size + 2 * padding - kernel) % stride != 0
    assert any(t.get_text() == "does not fit" for t in ax.texts) == leftover


def test_max_pooling_writes_the_winners():
    x = np.array([[1, 3, 2, 0], [4, 2, 1, 5]])
    ax_in, ax_out = viz.draw_max_pooling(x)
    assert [t.get_text() for t in ax_out.texts] == ["4", "5"]
    bold = [t.get_text() for t in ax_in.texts if t.get_fontweight() == "bold"]
    assert sorted(bold) == ["4", "5"]
    with pytest.raises(ValueError, match=r"multiples of size=2.*\(3, 4\)"):
        viz.draw_max_pooling(np.zeros((3, 4)))


def test_rnn_diagram_has_one_cell_per_step():
    ax = viz.draw_rnn_unrolled(steps=5)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    # rolled cell + its input, h_0, 5 cells + 5 inputs, the Dense box
    assert len(boxes) == 2 + 1 + 10 + 1
    labels = {t.get_text() for t in ax.texts}
    assert {"$h_{1}$", "$h_{T}$", "$x_{T}$", "$h_0 = 0$"} <= labels
    with pytest.raises(ValueError, match="from 2 to 8.*received 1"):
        viz.draw_rnn_unrolled(steps=1)


def test_hidden_states_heat_map_is_units_by_time():
    hs = np.tanh(np.random.default_rng(2).standard_normal((12, 5)))
    ax_x, ax_h = viz.plot_hidden_states(hs, x=np.arange(12.0))
    assert ax_h.images[0].get_array().shape == (5, 12)  # one row per unit, one column per step
    assert ax_h.images[0].get_clim() == (-1, 1)
    assert ax_h.get_xlabel() == "time step $t$" and ax_h.get_ylabel() == "hidden unit"
    assert len(ax_x.lines) == 1
    alone = viz.plot_hidden_states(hs[None])
    assert alone.images[0].get_array().shape == (5, 12)
    with pytest.raises(ValueError, match=r"\(T, H\).*\(2, 12, 5\)"):
        viz.plot_hidden_states(np.zeros((2, 12, 5)))


def test_gradient_vs_distance_is_on_a_log_scale():
    ax = viz.plot_gradient_vs_distance({"small": 0.5 ** np.arange(10), "large": 2.0 ** np.arange(10)})
    assert ax.get_yscale() == "log"
    assert len(ax.get_legend().get_texts()) == 2
    np.testing.assert_allclose(ax.lines[1].get_ydata(), 2.0 ** np.arange(10))


def test_sequence_predictions_marks_truth_and_prediction():
    X = np.random.default_rng(3).standard_normal((5, 8, 1))
    y = np.arange(5.0)[:, None]
    axes = viz.plot_sequence_predictions(X, y, y_hat=y + 0.5, n=3)
    assert len(axes) == 3
    star, cross = axes[1].lines[1], axes[1].lines[2]
    assert star.get_xydata().tolist() == [[9.0, 1.0]]
    assert cross.get_xydata().tolist() == [[9.0, 1.5]]


def test_next_value_forecast_starts_after_the_window():
    series = np.sin(np.arange(40) / 3)
    ax = viz.plot_next_value_forecast(series, series[10:] * 0.9, window=10, clean=series)
    red = [line for line in ax.lines if line.get_label() == "prediction of each next value"][0]
    assert red.get_xdata()[0] == 10 and len(red.get_xdata()) == 30
    with pytest.raises(ValueError, match="len.series. - window = 30, received 29"):
        viz.plot_next_value_forecast(series, series[11:], window=10)


def test_clipping_runs_marks_the_run_that_blew_up():
    runs = {
        "no clipping": {"grad_norm": [1.0, 50.0, 1e6, np.inf], "loss": [1.0, 3.0, 1e5, np.nan]},
        "clipped": {"grad_norm": np.linspace(5, 1, 10), "loss": np.linspace(1, 0.2, 10)},
    }
    ax_g, ax_l = viz.plot_clipping_runs(runs, clip_norm=1.0)
    assert ax_g.get_yscale() == "log" and ax_l.get_yscale() == "log"
    crosses = [line for line in ax_l.lines if line.get_marker() == "X"]
    assert len(crosses) == 1 and crosses[0].get_xydata().tolist() == [[3.0, 1e5]]
    assert any(line.get_label() == "clip_norm = 1" for line in ax_g.lines)
