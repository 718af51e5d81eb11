"""Tests for the learning-rate widget (dlcore/course/interactive/learning_rate.py, 06_optimizer):
its compute part, its picture and its controls."""

import warnings

import numpy as np
import pytest

from dlcore.course.interactive import (
    CURRENT_STYLE,
    DIVERGENCE_FACTOR,
    OPTIMIZER_CHOICES,
    RUN_STYLES,
    SURFACES,
    Bowl,
    Comparison,
    Valley,
    describe_surface_run,
    learning_rate_summary,
    make_optimizer,
    optimize_on_surface,
)
from dlcore.module import Parameter
from dlcore.optim import SGD, Adagrad, Adam, RMSprop


# --- the surfaces -------------------------------------------------------------------------------
def test_bowl_loss_and_gradient_known_values():
    bowl = Bowl()
    # L(2, 1) = (4 + 10) / 2 = 7; gradient (w1, 10 w2) = (2, 10)
    assert bowl.loss(np.array([2.0, 1.0])) == pytest.approx(7.0)
    np.testing.assert_allclose(bowl.gradient(np.array([2.0, 1.0])), [2.0, 10.0])
    assert bowl.loss(np.array(bowl.minimum)) == 0.0


def test_valley_loss_and_gradient_known_values():
    valley = Valley()
    # at (0, 1): (1 - 0)^2 + 10 (1 - 0)^2 = 11; gradient (-2 (1) - 0, 20 (1)) = (-2, 20)
    assert valley.loss(np.array([0.0, 1.0])) == pytest.approx(11.0)
    np.testing.assert_allclose(valley.gradient(np.array([0.0, 1.0])), [-2.0, 20.0])
    assert valley.loss(np.array(valley.minimum)) == 0.0


@pytest.mark.parametrize("name", list(SURFACES))
def test_surface_gradient_matches_central_differences(name):
    surface = SURFACES[name]
    w = np.array([0.3, -0.7])
    h = 1e-6
    numeric = np.array([
        (surface.loss(w + h * e) - surface.loss(w - h * e)) / (2 * h) for e in np.eye(2)
    ])
    analytic = surface.gradient(w)
    rel = np.abs(numeric - analytic) / np.maximum(np.abs(numeric) + np.abs(analytic), 1e-12)
    assert rel.max() < 1e-6


@pytest.mark.parametrize("name", list(SURFACES))
def test_surface_loss_works_on_a_grid(name):
    surface = SURFACES[name]
    grid = np.zeros((4, 5, 2))
    assert surface.loss(grid).shape == (4, 5)


def test_backward_adds_into_grad_like_a_layer():
    bowl = Bowl()
    p = Parameter(np.array([2.0, 1.0]), "w")
    bowl.backward(p)
    bowl.backward(p)
    np.testing.assert_allclose(p.grad, [4.0, 20.0])  # added twice, not overwritten


def test_one_sgd_step_by_hand():
    # w = (-4, 1.5), gradient (-4, 15), lr 0.1 -> w - lr g = (-3.6, 0.0)
    run = optimize_on_surface("bowl", "SGD", 0.1, steps=1)
    np.testing.assert_allclose(run.path[0], [-4.0, 1.5])
    np.testing.assert_allclose(run.path[1], [-3.6, 0.0], atol=1e-12)
    assert run.losses[1] == pytest.approx(0.5 * 3.6**2)


# --- the three regimes of the learning rate -----------------------------------------------------
def test_tiny_learning_rate_crawls():
    run = optimize_on_surface("bowl", "SGD", 1e-4, steps=50)
    assert run.losses[-1] > 0.9 * run.losses[0]
    assert not run.diverged
    assert run.outcome == "crawling"
    assert "raise the learning rate" in run.message


def test_good_learning_rate_converges():
    run = optimize_on_surface("bowl", "SGD", 0.1, steps=50)
    assert run.losses[-1] < 1e-3 * run.losses[0]
    assert run.outcome == "converged"
    assert run.path.shape == (51, 2)
    assert run.losses.shape == (51,)


def test_large_learning_rate_oscillates():
    # lr = 0.19 < 2/10: w2 is multiplied by 1 - 1.9 = -0.9 each step, flipping sign
    run = optimize_on_surface("bowl", "SGD", 0.19, steps=50)
    assert not run.diverged
    w2 = run.path[:, 1]
    assert np.all(np.sign(w2[1:11]) != np.sign(w2[:10]))
    # the loss still falls (both factors are below 1 in size), so the path tells the story
    assert "zig-zagging" in run.message and "turned back on 49 of 50 steps" in run.message


def test_oscillation_seen_in_the_loss_is_reported():
    run = optimize_on_surface("bowl", "RMSprop", 10.0)
    assert run.outcome == "oscillating"
    assert "the loss went up on" in run.message and "Lower the learning rate" in run.message


def test_huge_learning_rate_diverges_with_message_and_finite_arrays():
    run = optimize_on_surface("bowl", "SGD", 10.0, steps=50)
    assert run.diverged
    assert run.outcome == "diverged"
    # step 1: w2 = 1.5 - 10 * 15 = -148.5, loss about 1.1e5 > 1000 * 19.25
    assert run.diverged_at == 1
    assert run.message.startswith("diverged at step 1")
    assert "lower the learning rate" in run.message
    assert np.isfinite(run.path).all() and np.isfinite(run.losses).all()
    assert len(run.path) == len(run.losses) == run.diverged_at + 1
    assert run.losses[-1] > DIVERGENCE_FACTOR * run.losses[0]


def test_divergence_message_names_the_limit():
    run = optimize_on_surface("bowl", "SGD", 1.0, steps=50)
    start = 0.5 * (16 + 10 * 2.25)  # 19.25
    assert run.diverged
    assert f"{1000 * start:,.0f}" in run.message  # "19,250"


@pytest.mark.parametrize("surface", list(SURFACES))
@pytest.mark.parametrize("optimizer", OPTIMIZER_CHOICES)
@pytest.mark.parametrize("lr", [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 3.0, 10.0])
def test_every_choice_works_at_every_slider_value_without_warning(surface, optimizer, lr):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = optimize_on_surface(surface, optimizer, lr)
    assert np.isfinite(run.path).all() and np.isfinite(run.losses).all()
    assert run.path.shape == (len(run.losses), 2)
    assert len(run.losses) >= 2
    assert run.outcome in {"diverged", "crawling", "oscillating", "converged", "on its way"}
    assert run.message


def test_adam_reaches_the_end_of_the_valley():
    run = optimize_on_surface("valley", "Adam", 0.1)
    np.testing.assert_allclose(run.path[-1], [1.0, 1.0], atol=1e-2)


def test_runs_are_deterministic():
    a = optimize_on_surface("valley", "RMSprop", 0.01)
    b = optimize_on_surface("valley", "RMSprop", 0.01)
    np.testing.assert_array_equal(a.path, b.path)


# --- the optimizer menu -------------------------------------------------------------------------
def test_make_optimizer_gives_the_named_rule():
    p = [Parameter(np.zeros(2), "w")]
    assert type(make_optimizer("SGD", p, 0.1)) is SGD
    assert make_optimizer("SGD", p, 0.1).momentum == 0.0
    assert make_optimizer("momentum", p, 0.1).momentum == 0.9
    assert type(make_optimizer("Adagrad", p, 0.1)) is Adagrad
    assert type(make_optimizer("RMSprop", p, 0.1)) is RMSprop
    assert type(make_optimizer("Adam", p, 0.1)) is Adam


# --- bad input ----------------------------------------------------------------------------------
def test_unknown_surface_is_refused():
    with pytest.raises(ValueError, match=r"expected surface_name.*'bowl'.*received 'hill'"):
        optimize_on_surface("hill", "SGD", 0.1)


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match=r"expected optimizer_name.*'Adam'.*received 'adam'"):
        optimize_on_surface("bowl", "adam", 0.1)


def test_bad_learning_rate_is_refused():
    with pytest.raises(ValueError, match=r"expected lr to be a finite number > 0, received -0.1"):
        optimize_on_surface("bowl", "SGD", -0.1)


def test_bad_steps_is_refused():
    with pytest.raises(ValueError, match=r"expected steps to be a positive integer, received 0"):
        optimize_on_surface("bowl", "SGD", 0.1, steps=0)


# --- runs side by side --------------------------------------------------------------------------
def compared(*runs, current=None):
    comparison = Comparison(lambda r: (r.surface, r.optimizer, f"{r.lr:.2g}"), describe_surface_run)
    for run in runs:
        comparison.add(run)
    return comparison.shown(current)


def test_summary_names_each_run_with_its_outcome_and_numbers():
    good = optimize_on_surface("bowl", "SGD", 0.1)
    wild = optimize_on_surface("bowl", "SGD", 1.0)
    current = optimize_on_surface("bowl", "Adam", 0.1)
    text = learning_rate_summary(compared(good, wild, current=current))
    assert text.startswith("3 runs on the bowl. ")
    assert (f"SGD, lr 0.1 (kept): converged, loss 19.2 at the start and {good.losses[-1]:.2g} "
            f"after 50 steps") in text
    assert f"SGD, lr 1 (kept): diverged at step {wild.diverged_at}" in text
    assert f"Adam, lr 0.1 (current): {current.outcome}" in text
    assert "\n" not in text
    assert learning_rate_summary([]) == "No run to show: move the learning rate slider."


@pytest.fixture
def plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def legend_texts(fig):
    """The runs' legend, under the two panels."""
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def test_two_learning_rates_on_one_map(plt):
    from dlcore.course.interactive import plot_surface_comparison

    runs = [optimize_on_surface("bowl", "SGD", lr) for lr in (0.01, 0.1)]
    wild = optimize_on_surface("bowl", "SGD", 1.0)
    shown = compared(*runs, current=wild)
    ax_map, ax_loss = plot_surface_comparison(SURFACES["bowl"], shown)
    names = legend_texts(ax_loss.figure)
    assert names == ["SGD, lr 0.01: on its way", "SGD, lr 0.1: converged",
                     "SGD, lr 1: diverged (current, not kept)"]
    curves = [line for line in ax_loss.lines if line.get_label() in names]
    for line, item in zip(curves, shown, strict=True):
        np.testing.assert_allclose(line.get_ydata(), np.maximum(item.run.losses, 1e-12))
        assert line.get_color() == item.style.color
        assert line.get_linestyle() == plt.Line2D([], [], linestyle=item.style.linestyle).get_linestyle()
    paths = [line for line in ax_map.lines if len(line.get_xdata()) > 1]
    assert len(paths) == 3
    np.testing.assert_allclose(paths[1].get_xydata(), runs[1].path)  # inside the map: not clipped
    assert [line.get_color() for line in paths] == [RUN_STYLES[0].color, RUN_STYLES[1].color,
                                                    CURRENT_STYLE.color]
    crosses = [line for line in ax_map.lines if line.get_marker() == "X"]
    assert len(crosses) == 1  # the diverged run, where it left the map


def test_one_run_alone_is_drawn_with_its_message(plt):
    from dlcore.course.interactive import plot_surface_comparison

    run = optimize_on_surface("bowl", "SGD", 1e-4)
    ax_map, ax_loss = plot_surface_comparison(SURFACES["bowl"], compared(current=run))
    assert "crawling" in ax_loss.get_title()
    assert any("raise the learning rate" in t.get_text().replace("\n", " ") for t in ax_loss.texts)


def find(box, kind, description=None):
    import ipywidgets

    stack, found = [box], []
    while stack:
        widget = stack.pop()
        if isinstance(widget, getattr(ipywidgets, kind)) and description in (
                None, getattr(widget, "description", None)):
            found.append(widget)
        stack.extend(getattr(widget, "children", ()))
    assert len(found) == 1, f"expected one {kind} {description or ''}, found {len(found)}"
    return found[0]


def test_widget_compares_two_optimizers_then_clears(plt):
    from dlcore.course.interactive import learning_rate_explorer

    box = learning_rate_explorer("SGD", 0.1)
    summary = find(box, "HTML")
    add, clear = find(box, "Button", "add to comparison"), find(box, "Button", "clear runs")
    assert 'aria-live="polite"' in summary.value
    assert "1 run on the bowl. SGD, lr 0.1 (current): converged" in summary.value
    add.click()
    assert "SGD, lr 0.1 added to the comparison." in summary.value
    find(box, "Dropdown", "optimizer").value = "momentum"
    assert "2 runs on the bowl" in summary.value and "momentum, lr 0.1 (current)" in summary.value
    add.click()
    assert [t.split(":")[0] for t in legend_texts(plt.gcf())] == ["SGD, lr 0.1", "momentum, lr 0.1"]

    # each surface keeps its own runs
    find(box, "Dropdown", "surface").value = "valley"
    assert "1 run on the valley" in summary.value
    find(box, "FloatLogSlider", "learning rate").value = 0.01
    add.click()
    assert "1 run on the valley" in summary.value and "(kept)" in summary.value
    find(box, "Dropdown", "surface").value = "bowl"
    assert "3 runs on the bowl" in summary.value  # two kept, and momentum at 0.01

    clear.click()
    assert "Comparison cleared (2 runs taken out). 1 run on the bowl" in summary.value


def test_widget_starts_with_the_runs_to_compare(plt):
    from dlcore.course.interactive import learning_rate_explorer

    box = learning_rate_explorer("Adam", 0.1, "valley", compare=[("SGD", 0.01), ("momentum", 0.01)])
    summary = find(box, "HTML")
    assert "3 runs on the valley" in summary.value
    assert [t.split(":")[0] for t in legend_texts(plt.gcf())] == [
        "SGD, lr 0.01", "momentum, lr 0.01", "Adam, lr 0.1"]


@pytest.mark.parametrize("bad", [["SGD", 0.1], [("SGD",)], [0.1]])
def test_widget_refuses_runs_to_compare_that_are_not_pairs(bad):
    pytest.importorskip("ipywidgets")
    from dlcore.course.interactive import learning_rate_explorer

    with pytest.raises(ValueError, match=r"expected compare to be a list of \(optimizer, learning rate\) pairs"):
        learning_rate_explorer(compare=bad)


def test_widget_refuses_an_unknown_optimizer_to_compare():
    pytest.importorskip("ipywidgets")
    from dlcore.course.interactive import learning_rate_explorer

    with pytest.raises(ValueError, match=r"expected optimizer_name.*received 'adam'"):
        learning_rate_explorer(compare=[("adam", 0.1)])
