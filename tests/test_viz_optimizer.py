"""Smoke tests for the optimizer plots (dlcore/viz.py, 06_optimizer), with the Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore.course import viz  # noqa: E402
from dlcore.course.interactive import SURFACES, optimize_on_surface  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", list(SURFACES))
def test_loss_surface_draws_contours_and_minimum(name):
    surface = SURFACES[name]
    _, ax = plt.subplots()
    filled = viz.plot_loss_surface(surface, ax=ax, levels=12)
    assert len(filled.levels) == 12
    assert ax.get_xlabel() == "$w_1$" and ax.get_ylabel() == "$w_2$"
    assert ax.get_xlim() == surface.xlim and ax.get_ylim() == surface.ylim
    star = [line for line in ax.lines if line.get_label() == "lowest point"]
    assert len(star) == 1
    np.testing.assert_allclose(star[0].get_xydata()[0], surface.minimum)


def test_path_is_clipped_to_the_axes():
    surface = SURFACES["bowl"]
    _, ax = plt.subplots()
    viz.plot_loss_surface(surface, ax=ax)
    path = np.array([[-4.0, 1.5], [0.0, -148.5], [1e6, 2.0]])
    line = viz.plot_path(path, ax=ax, label="run")
    xy = line.get_xydata()
    assert xy.shape == (3, 2)
    np.testing.assert_allclose(xy[1], [0.0, surface.ylim[0]])  # clipped to the bottom edge
    np.testing.assert_allclose(xy[2], [surface.xlim[1], 2.0])  # clipped to the right edge
    assert ax.get_xlim() == surface.xlim


def test_loss_per_step_uses_log_scale_and_floors_zero():
    _, ax = plt.subplots()
    line = viz.plot_loss_per_step([4.0, 1.0, 0.0], ax=ax)
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(line.get_ydata(), [4.0, 1.0, 1e-12])
    assert ax.get_xlabel() == "step"


def test_surface_runs_one_run_shows_the_message():
    run = optimize_on_surface("bowl", "SGD", 10.0)
    axes = viz.plot_surface_runs(SURFACES["bowl"], [run])
    ax_map, ax_loss = axes
    texts = [t.get_text().replace("\n", " ") for t in ax_loss.texts]
    assert any(t.startswith("diverged at step 1") for t in texts)
    assert "diverged" in ax_loss.get_title()
    assert ax_loss.get_xlim() == (0, run.steps)
    # path (+ its start square), the star, and the red cross where it left
    assert any(line.get_marker() == "X" for line in ax_map.lines)


def test_surface_runs_race_draws_one_path_and_curve_per_run():
    runs = [optimize_on_surface("valley", name, lr)
            for name, lr in [("SGD", 0.01), ("momentum", 0.01), ("Adam", 0.1)]]
    ax_map, ax_loss = viz.plot_surface_runs(SURFACES["valley"], runs)
    labels = [line.get_label() for line in ax_loss.lines]
    assert labels == ["SGD, lr=0.01", "momentum, lr=0.01", "Adam, lr=0.1"]
    assert [t.get_text() for t in ax_map.get_legend().get_texts()] == ["lowest point"]
    assert len(ax_loss.get_legend().get_texts()) == 3
    assert len(ax_loss.lines[0].get_xdata()) == 201


def test_surface_paths_one_map_per_run_and_a_shared_loss_panel():
    runs = [optimize_on_surface("bowl", "SGD", lr) for lr in (0.001, 0.1, 0.21)]
    axes = viz.plot_surface_paths(SURFACES["bowl"], runs, labels=["small", "right", "large"])
    assert len(axes) == 4
    maps, ax_loss = axes[:-1], axes[-1]
    assert [ax.get_title() for ax in maps] == ["small: crawling", "right: converged",
                                               "large: diverged"]
    assert [line.get_label() for line in ax_loss.lines] == ["small", "right", "large"]
    # each map: its own path (and start square) only, and a red cross only where it diverged
    for ax, run in zip(maps, runs, strict=True):
        assert ax.get_xlim() == SURFACES["bowl"].xlim
        crosses = [line for line in ax.lines if line.get_marker() == "X"]
        assert len(crosses) == (1 if run.diverged else 0)
    assert maps[0].lines[1].get_color() == ax_loss.lines[0].get_color()


def test_surface_paths_names_a_wrong_number_of_axes():
    runs = [optimize_on_surface("bowl", "SGD", 0.1)]
    _, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match=r"expected 2 axes .* received 3 axes"):
        viz.plot_surface_paths(SURFACES["bowl"], runs, axes=axes)
