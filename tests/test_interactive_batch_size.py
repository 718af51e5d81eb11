"""Tests for the batch-size widget (dlcore/course/interactive/batch_size.py, 07_training_loop):
its compute part, its picture and its controls."""

import sys

import numpy as np
import pytest

from dlcore.course.interactive import (
    CURRENT_STYLE,
    RUN_STYLES,
    BatchSizeRun,
    Comparison,
    batch_size_choices,
    batch_size_summary,
    describe_batch_size_run,
    elapsed_time,
    median_seconds,
    one_blas_thread,
    processor_clock,
    smoothed_loss,
    timed_update,
    train_with_batch_size,
)


def blobs(n=1078, seed=0, spread=2.0):
    """Three classes in 8 dimensions (well separated by default): quick to train."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centres = spread * rng.standard_normal((3, 8))
    X = (centres[y] + rng.standard_normal((n, 8))).astype(np.float32)
    return X, y


@pytest.mark.parametrize("batch_size, expected", [(64, 17), (1078, 1), (1000, 2), (539, 2),
                                                  (540, 2), (100, 11)])
def test_iterations_per_epoch_is_ceil_n_over_batch_size(batch_size, expected):
    X, y = blobs()
    run = train_with_batch_size(batch_size, X, y, epochs=2, seed=0)
    assert run.iterations_per_epoch == expected
    assert run.batch_loss.shape == (2 * expected,)
    assert run.epoch_loss.shape == (2,)
    assert run.epoch_time.shape == (2,)
    assert run.num_samples == 1078 and run.batch_size == batch_size


def test_batch_size_one_makes_one_update_per_sample():
    X, y = blobs()
    run = train_with_batch_size(1, X, y, epochs=1, seed=0)
    assert run.iterations_per_epoch == 1078
    assert len(run.batch_loss) == 1078


def test_same_seed_is_reproducible_and_another_seed_differs():
    X, y = blobs()
    a = train_with_batch_size(32, X, y, epochs=2, seed=3)
    b = train_with_batch_size(32, X, y, epochs=2, seed=3)
    c = train_with_batch_size(32, X, y, epochs=2, seed=4)
    np.testing.assert_array_equal(a.batch_loss, b.batch_loss)
    np.testing.assert_array_equal(a.epoch_loss, b.epoch_loss)
    assert not np.array_equal(a.batch_loss, c.batch_loss)


def test_loss_decreases():
    X, y = blobs()
    run = train_with_batch_size(16, X, y, epochs=3, seed=0)
    assert run.epoch_loss[-1] < run.epoch_loss[0]
    assert run.epoch_loss[-1] < 0.5 * np.log(3)  # far below the loss of guessing (log 3)


def test_small_batches_are_noisier_than_large_ones():
    X, y = blobs(spread=0.5)  # overlapping classes: some samples stay hard, losses vary
    small = train_with_batch_size(2, X, y, epochs=2, seed=0)
    large = train_with_batch_size(128, X, y, epochs=2, seed=0)
    # step-to-step jumps of the batch loss during the second epoch
    jumps_small = np.abs(np.diff(small.batch_loss[small.iterations_per_epoch:])).mean()
    jumps_large = np.abs(np.diff(large.batch_loss[large.iterations_per_epoch:])).mean()
    assert jumps_small > 3 * jumps_large


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses():
    X, y = blobs(n=100)
    run = train_with_batch_size(30, X, y, epochs=1, seed=0)  # batches of 30, 30, 30, 10
    weights = np.array([30, 30, 30, 10]) / 100
    assert run.epoch_loss[0] == pytest.approx(run.batch_loss @ weights, rel=1e-6)


def test_caller_data_unchanged():
    X, y = blobs(n=200)
    X0, y0 = X.copy(), y.copy()
    train_with_batch_size(8, X, y, epochs=1, seed=0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_choices_run_from_one_to_n():
    assert batch_size_choices(1078) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1078]
    assert batch_size_choices(64) == [1, 2, 4, 8, 16, 32, 64]
    assert batch_size_choices(1) == [1]


@pytest.mark.parametrize("bad", [0, 1079, 2.5, True])
def test_bad_batch_size_is_refused(bad):
    X, y = blobs()
    with pytest.raises(ValueError, match=rf"expected batch_size to be an integer from 1 to N = 1078, received {bad!r}"):
        train_with_batch_size(bad, X, y, epochs=1)


def test_bad_shapes_are_refused():
    X, y = blobs(n=50)
    with pytest.raises(ValueError, match=r"expected X of shape \(N, D\).*received X \(50, 8\) and y \(49,\)"):
        train_with_batch_size(4, X, y[:49], epochs=1)


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_time_repeats_is_refused(bad):
    X, y = blobs(n=50)
    with pytest.raises(ValueError, match=rf"expected time_repeats to be an integer >= 0, received {bad!r}"):
        train_with_batch_size(4, X, y, epochs=1, time_repeats=bad)


# --- time: the median of repeated timings, on one core ------------------------------------------
class FakeClock:
    """A clock whose every timing lasts ``durations[i]`` seconds (one is slowed by a busy machine)."""

    def __init__(self, durations):
        self.durations, self.now, self.reads = list(durations), 0.0, 0

    def __call__(self):
        if self.reads % 2:  # the second read of a timing: the step took durations[i]
            self.now += self.durations[self.reads // 2]
        self.reads += 1
        return self.now


def test_median_ignores_a_timing_slowed_by_another_program():
    calls = []
    durations = [0.001, 0.001, 0.5, 0.001, 0.0011]
    seconds = median_seconds(lambda: calls.append(1), len(durations), clock=FakeClock(durations))
    assert len(calls) == len(durations)
    assert seconds == pytest.approx(0.001)
    assert np.mean(durations) > 50 * seconds  # the mean would have followed the slow one


@pytest.mark.parametrize("bad", [0, -3, 2.0, True])
def test_median_seconds_refuses_bad_repeats(bad):
    with pytest.raises(ValueError, match=rf"expected repeats to be a positive integer, received {bad!r}"):
        median_seconds(lambda: None, bad)


def blas_threads():
    import threadpoolctl

    return [pool["num_threads"] for pool in threadpoolctl.threadpool_info()
            if pool["user_api"] == "blas"]


def test_updates_are_timed_with_the_matrix_library_on_one_thread():
    seen = []
    seconds, timing = timed_update(lambda: seen.append(blas_threads()), repeats=3)
    assert seconds >= 0
    assert seen and all(threads == [1] * len(threads) for threads in seen)
    assert blas_threads() != [] and timing.endswith(" on one core")


@pytest.mark.skipif(sys.platform == "win32", reason="thread_time counts in 16 ms steps there")
def test_the_clock_counts_only_this_threads_work():
    import time

    assert processor_clock() is time.thread_time
    # sleeping is waiting, not working: the wall clock sees it, the processor clock does not
    seconds, timing = timed_update(lambda: time.sleep(0.02), repeats=3)
    assert timing == "processor time on one core"
    assert seconds < 0.01


def test_without_a_precise_processor_clock_the_wall_clock_is_used(monkeypatch):
    import time

    monkeypatch.setattr(sys, "platform", "win32")
    assert processor_clock() is None
    seconds, timing = timed_update(lambda: time.sleep(0.02), repeats=3)
    assert timing == "wall-clock time on one core" and seconds >= 0.02


def test_without_threadpoolctl_timing_still_works(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # the import fails
    with one_blas_thread() as one_core:
        assert one_core is False
    seconds, timing = timed_update(lambda: None, repeats=3)
    assert seconds >= 0 and timing == "processor time"


def test_run_has_its_time_per_update_and_timing_changes_no_result():
    X, y = blobs(n=200)
    timed = train_with_batch_size(64, X, y, epochs=2, seed=0)  # 200 = 3 * 64 + 8
    untimed = train_with_batch_size(64, X, y, epochs=2, seed=0, time_repeats=0)
    np.testing.assert_array_equal(timed.batch_loss, untimed.batch_loss)
    assert timed.time_repeats == 15 and timed.timing == "processor time on one core"
    assert timed.update_time > 0 and timed.last_update_time > 0
    assert untimed.update_time is None and untimed.time_repeats == 0
    with pytest.raises(ValueError, match=r"batch size 64 was trained without timing.*time_repeats=15"):
        elapsed_time(untimed)


def hand_made_run(batch_size=4, num_samples=10, epochs=2, batch_loss=None, **times):
    it = -(-num_samples // batch_size)
    if batch_loss is None:
        batch_loss = np.linspace(2.0, 1.0, epochs * it)
    return BatchSizeRun(batch_size, num_samples, it, np.asarray(batch_loss, dtype=float),
                        np.linspace(2.0, 1.0, epochs), np.full(epochs, 0.01), **times)


def test_elapsed_time_adds_up_the_updates_with_the_smaller_last_batch():
    # N = 10, B = 4: batches of 4, 4 and 2 samples; 2 s per full update, 1 s for the last
    run = hand_made_run(update_time=2.0, last_update_time=1.0, time_repeats=5)
    np.testing.assert_allclose(elapsed_time(run), [2, 4, 5, 7, 9, 10])
    run = hand_made_run(batch_size=5, update_time=2.0, last_update_time=2.0, time_repeats=5)
    np.testing.assert_allclose(elapsed_time(run), [2, 4, 6, 8])


def test_smoothed_loss_averages_about_a_tenth_of_an_epoch():
    # 20 iterations per epoch: a window of 2 batches
    run = hand_made_run(batch_size=1, num_samples=20, epochs=1, batch_loss=np.arange(20.0) ** 2)
    expected = [0.0] + [(k**2 + (k - 1) ** 2) / 2 for k in range(1, 20)]
    np.testing.assert_allclose(smoothed_loss(run), expected)
    # 25 iterations: a window of 3 (rounded up); fewer at the start
    run = hand_made_run(batch_size=1, num_samples=25, epochs=1, batch_loss=np.arange(25.0))
    np.testing.assert_allclose(smoothed_loss(run)[:4], [0.0, 0.5, 1.0, 2.0])
    # 10 iterations or fewer: each batch on its own
    run = hand_made_run(batch_size=10, num_samples=100, epochs=2)
    np.testing.assert_array_equal(smoothed_loss(run), run.batch_loss)


def test_summary_says_the_numbers_of_every_run_shown():
    X, y = blobs(n=200)
    comparison = Comparison(lambda r: r.batch_size, describe_batch_size_run)
    comparison.add(train_with_batch_size(8, X, y, epochs=2, seed=0))
    current = train_with_batch_size(200, X, y, epochs=2, seed=0)
    text = batch_size_summary(comparison.shown(current))
    kept = comparison.runs[0]
    assert text.startswith("2 runs of 2 epochs on 200 samples (times: processor time on one "
                           "core). ")
    ms = 1000 * elapsed_time(kept)[-1]
    written = f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms"  # 12 ms, 3.4 ms
    assert (f"batch size 8 (kept): 50 updates, loss {kept.epoch_loss[-1]:.2f} in epoch 2, "
            f"about {written};") in text
    assert f"batch size 200 (current): 2 updates, loss {current.epoch_loss[-1]:.2f}" in text
    assert "\n" not in text
    assert batch_size_summary([]) == "No run to show: move the batch size slider."


# --- the picture and the widget -----------------------------------------------------------------
@pytest.fixture
def plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def legend_texts(fig):
    return [t.get_text() for ax in fig.axes if ax.get_legend()
            for t in ax.get_legend().get_texts()]


def test_picture_has_three_clocks_and_names_every_run(plt):
    from dlcore.course.interactive import plot_batch_size_comparison

    X, y = blobs(n=200)
    comparison = Comparison(lambda r: r.batch_size, describe_batch_size_run)
    for size in (4, 200):
        comparison.add(train_with_batch_size(size, X, y, epochs=2, seed=0))
    shown = comparison.shown(train_with_batch_size(32, X, y, epochs=2, seed=0))
    ax_epoch, ax_update, ax_time, ax_key = plot_batch_size_comparison(shown)
    assert legend_texts(ax_epoch.figure) == [
        "batch size 4", "batch size 200", "batch size 32 (current, not kept)"]
    assert ax_key.get_legend() is not None  # the key panel holds the legend
    assert ax_update.get_xscale() == ax_time.get_xscale() == "log"
    assert ax_time.get_xlabel() == "milliseconds: processor time on one core (log scale)"
    key = " ".join(t.get_text() for t in ax_key.texts).replace("\n", " ")
    assert "the median of 15 timings of the processor's work on one core" in key
    # against time: the x of each run's last point is its estimated total time, in ms
    lines = [line for line in ax_time.lines if line.get_label() in legend_texts(ax_time.figure)]
    for line, item in zip(lines, shown, strict=True):
        assert line.get_xdata()[-1] == pytest.approx(1000 * elapsed_time(item.run)[-1])
        assert line.get_color() == item.style.color and line.get_marker() == item.style.marker
    assert {line.get_color() for line in lines} == {RUN_STYLES[0].color, RUN_STYLES[1].color,
                                                    CURRENT_STYLE.color}
    # the log axes are labelled with plain numbers, and their minor ticks not at all
    ax_time.figure.canvas.draw()
    for ax in (ax_update, ax_time):
        major = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert major and all("$" not in t and "10^" not in t for t in major), major
        assert not [t.get_text() for t in ax.get_xticklabels(minor=True) if t.get_text()]
    assert {"1", "10"} <= {t.get_text() for t in ax_update.get_xticklabels()}


def button(box, description):
    import ipywidgets

    def walk(widget):
        for child in getattr(widget, "children", ()):
            yield child
            yield from walk(child)

    found = [w for w in walk(box) if isinstance(w, ipywidgets.Button)
             and w.description == description]
    assert len(found) == 1, f"expected one button {description!r}, found {len(found)}"
    return found[0]


def find(box, kind):
    import ipywidgets

    stack, found = [box], []
    while stack:
        widget = stack.pop()
        if isinstance(widget, getattr(ipywidgets, kind)):
            found.append(widget)
        stack.extend(getattr(widget, "children", ()))
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def test_widget_adds_a_run_a_second_run_and_clears(plt):
    from dlcore.course.interactive import batch_size_explorer

    X, y = blobs(n=128)
    box = batch_size_explorer(X, y, epochs=2, seed=0, batch_size=16)
    summary, slider = find(box, "HTML"), find(box, "SelectionSlider")
    assert 'role="status"' in summary.value and "1 run of 2 epochs" in summary.value
    assert "batch size 16 (current)" in summary.value

    button(box, "add to comparison").click()
    assert "batch size 16 added to the comparison. 1 run" in summary.value
    assert "batch size 16 (kept)" in summary.value
    slider.value = 128
    assert "2 runs" in summary.value and "batch size 128 (current)" in summary.value
    assert legend_texts(plt.gcf()) == ["batch size 16", "batch size 128 (current, not kept)"]
    button(box, "add to comparison").click()
    assert legend_texts(plt.gcf()) == ["batch size 16", "batch size 128"]
    button(box, "add to comparison").click()
    assert "batch size 128 is already in the comparison." in summary.value

    button(box, "clear runs").click()
    assert "Comparison cleared (2 runs taken out). 1 run" in summary.value
    assert legend_texts(plt.gcf()) == ["batch size 128 (current, not kept)"]


def test_widget_starts_with_the_runs_to_compare(plt):
    from dlcore.course.interactive import batch_size_explorer

    X, y = blobs(n=128)
    box = batch_size_explorer(X, y, epochs=2, seed=0, batch_size=16, compare=[1, 128])
    summary = find(box, "HTML")
    assert "3 runs" in summary.value
    assert legend_texts(plt.gcf()) == ["batch size 1", "batch size 128",
                                       "batch size 16 (current, not kept)"]


def test_widget_refuses_a_batch_size_to_compare_that_does_not_fit():
    from dlcore.course.interactive import batch_size_explorer

    X, y = blobs(n=64)
    with pytest.raises(ValueError, match=r"expected batch_size to be an integer from 1 to N = 64, received 100"):
        batch_size_explorer(X, y, epochs=1, compare=[100])
