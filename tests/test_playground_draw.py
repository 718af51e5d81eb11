"""The playground's picture (dlcore/course/interactive/playground_draw.py): one PNG per frame,
drawn again only where the run changed, and a new figure when the architecture changes."""

import io

import numpy as np
import pytest

pytest.importorskip("matplotlib")
PIL = pytest.importorskip("PIL.Image")

from dlcore.course.interactive import Playground, PlaygroundSettings, preset  # noqa: E402
from dlcore.course.interactive.playground_draw import (  # noqa: E402
    PlaygroundFigure,
    _nice_ceiling,
    render,
)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(PIL.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_a_step_changes_the_picture_and_the_same_run_draws_the_same():
    run = Playground(preset("squares_circles"))
    figure, first = render(run)
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    figure, again = render(run, figure)
    np.testing.assert_array_equal(pixels(first), pixels(again))
    run.step(5)
    figure2, after = render(run, figure)
    assert figure2 is figure, "the same architecture reuses its figure"
    changed = np.abs(pixels(after) - pixels(first)).sum(axis=2) > 0
    assert changed.mean() > 0.01, "five epochs should change the answer and the neurons"


def test_a_new_architecture_gets_a_new_figure_with_its_neurons():
    run = Playground(PlaygroundSettings(hidden=(3, 2)))
    figure, _ = render(run)
    assert [len(column) for column in figure.images] == [2, 3, 2, 1]
    wider = Playground(PlaygroundSettings(hidden=(5,), features=("x1", "x2", "sin(x1)")))
    figure2, _ = render(wider, figure)
    assert figure2 is not figure
    assert [len(column) for column in figure2.images] == [3, 5, 1]


def test_the_selected_neuron_and_the_point_are_drawn():
    run = Playground(PlaygroundSettings(hidden=(3,)))
    figure, plain = render(run, None, selected=None)
    figure, chosen = render(run, figure, selected=(1, 2), point=(3.0, -2.0))
    assert figure.highlight.get_visible()
    x, y = figure.centres[1][2]
    assert figure.highlight.get_xy()[0] < x < figure.highlight.get_xy()[0] + 1
    assert list(figure.marker.get_xdata()) == [3.0]
    assert (pixels(plain) != pixels(chosen)).any()


def test_weights_are_lines_sized_by_size_and_coloured_by_sign():
    run = Playground(PlaygroundSettings(hidden=(2,)))
    figure, _ = render(run)
    w = np.concatenate([W.ravel() for W in run.weights()])
    widths = np.asarray(figure.lines.get_linewidths())
    order = np.argsort(np.abs(w))
    assert (np.diff(widths[order]) >= 0).all(), "a larger weight is a thicker line"
    assert np.array_equal(np.sign(figure.lines.get_array()), np.sign(w))
    assert np.abs(figure.lines.get_array()).max() == 1.0, "relative to the largest weight"


def test_a_diverged_run_is_drawn_with_its_banner():
    run = Playground(preset("lr_too_high"))
    run.step(3)
    figure, png = render(run)
    assert run.diverged and figure.banner.get_visible()
    assert "diverged" in figure.banner.get_text()


def test_nice_ceiling():
    assert [_nice_ceiling(x) for x in (7, 10, 11, 35, 0.73, 120)] == [10, 10, 20, 50, 1.0, 200]


def test_figure_shape_key_covers_the_points():
    run = Playground(PlaygroundSettings(), added_points=[(1.0, 1.0, 0.0)])
    assert PlaygroundFigure.architecture(run) != PlaygroundFigure.architecture(
        Playground(PlaygroundSettings()))
