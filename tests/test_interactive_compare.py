"""Tests for the runs kept side by side (dlcore/course/interactive/compare.py)."""

from types import SimpleNamespace

import pytest
from matplotlib.colors import to_rgb

from dlcore.course.interactive import CURRENT_STYLE, RUN_STYLES, Comparison


def run(size):
    return SimpleNamespace(batch_size=size)


def comparison():
    return Comparison(key=lambda r: r.batch_size, describe=lambda r: f"batch size {r.batch_size}")


def test_styles_differ_in_colour_line_style_and_marker():
    for attribute in ("color", "linestyle", "marker"):
        values = [repr(getattr(s, attribute)) for s in RUN_STYLES]
        assert len(set(values)) == len(values), f"two styles share a {attribute}: {values}"
    # the current run is solid, like the first kept one, but black and with its own marker
    assert CURRENT_STYLE.color not in {s.color for s in RUN_STYLES}
    assert CURRENT_STYLE.marker not in {s.marker for s in RUN_STYLES}


def test_colours_are_okabe_ito_without_yellow():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    colours = {s.color for s in RUN_STYLES}
    assert colours <= okabe_ito and "#F0E442" not in colours
    assert to_rgb(CURRENT_STYLE.color) == (0.0, 0.0, 0.0)


def test_add_keeps_runs_in_order_each_with_the_next_style():
    c = comparison()
    assert c.add(run(1)) == "batch size 1 added to the comparison."
    c.add(run(32))
    assert [r.batch_size for r in c.runs] == [1, 32]
    assert [s.style for s in c.shown()] == list(RUN_STYLES[:2])
    assert all(s.kept for s in c.shown())


def test_the_same_run_twice_is_refused():
    c = comparison()
    c.add(run(8))
    assert c.add(run(8)) == "batch size 8 is already in the comparison."
    assert len(c) == 1


def test_current_run_is_added_in_black_unless_kept():
    c = comparison()
    c.add(run(8))
    shown = c.shown(run(64))
    assert [(s.run.batch_size, s.kept, s.style) for s in shown] == [
        (8, True, RUN_STYLES[0]), (64, False, CURRENT_STYLE)]
    shown = c.shown(run(8))  # the current run is the kept one: drawn once, in its kept style
    assert [(s.run.batch_size, s.kept, s.style) for s in shown] == [(8, True, RUN_STYLES[0])]


def test_a_full_comparison_lets_the_oldest_go_and_says_so():
    c = comparison()
    for size in range(1, len(RUN_STYLES) + 1):
        c.add(run(size))
    message = c.add(run(100))
    assert f"At most {len(RUN_STYLES)} runs" in message and "batch size 1, was taken out" in message
    assert [r.batch_size for r in c.runs] == [*range(2, len(RUN_STYLES) + 1), 100]
    # the new run takes the style that was freed: every kept run keeps its own
    assert [s.style for s in c.shown()] == [*RUN_STYLES[1:], RUN_STYLES[0]]


def test_clear_forgets_every_run():
    c = comparison()
    c.add(run(1))
    c.add(run(2))
    assert c.clear() == "Comparison cleared (2 runs taken out)."
    assert len(c) == 0 and c.shown() == []
    assert c.clear() == "Comparison cleared (0 runs taken out)."
    c.add(run(4))
    assert c.shown()[0].style == RUN_STYLES[0]


@pytest.mark.parametrize("style", RUN_STYLES)
def test_style_kwargs_draw(style):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1], **style.kwargs())
    assert line.get_marker() == style.marker
    assert to_rgb(line.get_color()) == to_rgb(style.color)
    plt.close(fig)
