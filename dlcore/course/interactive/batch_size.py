"""Widgets: Batch size (07_training_loop).

See ``dlcore.course.interactive`` for how a widget is split in two. The widget keeps several
runs side by side (``compare.Comparison``) and draws their loss against three clocks: epochs
(passes over the data), updates (steps of the optimizer) and time. Small batches win per epoch,
large ones per update, and the middle sizes per second: the trade-off of the batch size.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..viz.common import describe
from .common import explorer_box
from .compare import Comparison, ShownRun, comparison_controls, summary_html

#: How many times each update is timed; the time of an update is the median of these timings.
TIME_REPEATS = 15


@dataclass
class BatchSizeRun:
    """The result of ``train_with_batch_size``: what one batch size did to a short training run.

    Attributes
    ----------
    batch_size : int
        The number of samples per update.
    num_samples : int
        N, the number of training samples.
    iterations_per_epoch : int
        ``ceil(N / batch_size)``: how many updates one pass over the data makes.
    batch_loss : (epochs * iterations_per_epoch,) float
        The loss of every mini-batch, in order: noisy for small batches, smooth for large ones.
    epoch_loss : (epochs,) float
        The training loss of each epoch (the mean over all samples of the epoch's batch losses,
        as ``fit`` reports it).
    epoch_time : (epochs,) float
        Wall-clock seconds per epoch as ``fit`` measured them, once each: on a busy computer
        one of them can be many times too long (another program had the processor).
    update_time : float or None
        Seconds one update (forward, loss, backward, step) takes on a batch of ``batch_size``
        samples: the median of ``time_repeats`` timings of the processor's work on one core
        (see ``timed_update``). None when not measured (``time_repeats=0``).
    last_update_time : float or None
        The same for the smaller last batch of an epoch (``N % batch_size`` samples), or equal
        to ``update_time`` when ``batch_size`` divides N.
    time_repeats : int
        How many timings each median is taken over (0: not timed).
    timing : str
        What was timed, in words for the picture: "processor time on one core" (see
        ``timed_update``), or a less robust fallback; "" when not timed.
    """

    batch_size: int
    num_samples: int
    iterations_per_epoch: int
    batch_loss: np.ndarray
    epoch_loss: np.ndarray
    epoch_time: np.ndarray
    update_time: float | None = None
    last_update_time: float | None = None
    time_repeats: int = 0
    timing: str = ""

    @property
    def epochs(self) -> int:
        return len(self.epoch_loss)

    @property
    def updates(self) -> int:
        """How many updates the whole run made: epochs * iterations_per_epoch."""
        return len(self.batch_loss)


def median_seconds(step: Callable[[], object], repeats: int,
                   clock: Callable[[], float] = time.perf_counter) -> float:
    """The median of ``repeats`` timings of ``step()``, in seconds (``clock`` reads the time).

    Why the median: on a computer shared with other programs, some timings are many times too
    long (the processor was busy elsewhere); the mean follows them, the median ignores them as
    long as fewer than half the timings are hit.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"median_seconds: expected repeats to be a positive integer, received "
                         f"{repeats!r}.")
    timings = []
    for _ in range(int(repeats)):
        start = clock()
        step()
        timings.append(clock() - start)
    return float(np.median(timings))


@contextlib.contextmanager
def one_blas_thread() -> Iterator[bool]:
    """Inside: NumPy's matrix library (BLAS) uses one thread. Yields True, or False (and changes
    nothing) when ``threadpoolctl`` (installed with scikit-learn) is missing."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield False
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield True


def processor_clock() -> Callable[[], float] | None:
    """``time.thread_time`` (the processor time this thread has used) where it is precise to a
    microsecond (Linux, macOS), else None. On Windows it counts in steps of about 16 ms, far
    longer than an update, so it is not used there."""
    if sys.platform == "win32":
        return None
    try:
        precise = time.get_clock_info("thread_time").resolution <= 1e-6
    except (AttributeError, ValueError, OSError):  # no such clock on this system
        return None
    return time.thread_time if precise else None


def timed_update(update: Callable[[], object], repeats: int = TIME_REPEATS) -> tuple[float, str]:
    """(seconds, what was timed): the median time of ``update()`` over ``repeats`` runs.

    Three precautions make it a measure of the work itself, nearly the same on a busy computer
    as on an idle one:

    - the matrix library is held to one thread (``one_blas_thread``). It splits a large product
      between the processor's cores; where other programs keep the other cores busy, it waits
      for them, and a batch of 1000 samples then takes a hundred times longer, every time. For
      the small network of the widget, one core is hardly slower than several;
    - the clock is the processor time of this thread (``processor_clock``): the moments the
      processor spends on other programs are not counted;
    - the median of the timings ignores the few that are still disturbed.

    The text returned says which of these held: "processor time on one core" when all did.
    """
    clock = processor_clock()
    with one_blas_thread() as one_core:
        seconds = median_seconds(update, repeats, clock=clock or time.perf_counter)
    what = "processor time" if clock is not None else "wall-clock time"
    return seconds, what + (" on one core" if one_core else "")


def train_with_batch_size(batch_size: int, X, y, epochs: int = 3, seed=0, hidden: int = 32,
                          lr: float = 0.1, time_repeats: int = TIME_REPEATS) -> BatchSizeRun:
    """Train a small classifier for a few epochs with one batch size (the batch-size widget).

    The model is ``Dense(D, hidden) -> ReLU -> Dense(hidden, K)`` with ``SoftmaxCrossEntropy``
    and plain ``SGD(lr)``, trained by ``dlcore.train.fit``; the same ``seed`` gives the same
    starting weights and the same shuffling for every batch size, so only the batch size
    differs between two runs (``notebooks/07_training_loop.ipynb``).

    X: (N, D) features, y: (N,) integer labels 0..K-1. At ``batch_size=1`` there are N updates
    per epoch, each with the overhead of a Python step, so on the digits training split
    (N = 1078) three epochs take a few tenths of a second; that is why the run is short.

    After training, one update at this batch size is timed ``time_repeats`` times on the trained
    model, on one core, and its median kept as ``update_time`` (and the same for the smaller last
    batch of an epoch; see ``timed_update``): a time per update that a busy computer hardly
    changes, unlike ``epoch_time``, from which ``elapsed_time`` estimates the time of the whole
    run. ``time_repeats=0`` skips it.
    """
    from dlcore.activations import ReLU
    from dlcore.layers import Dense
    from dlcore.losses import SoftmaxCrossEntropy
    from dlcore.module import Sequential
    from dlcore.optim import SGD
    from dlcore.rng import as_generator
    from dlcore.train import fit

    where = "train_with_batch_size"
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(
            f"{where}: expected X of shape (N, D) and integer labels y of shape (N,), received "
            f"X {X.shape} and y {y.shape}."
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or not 1 <= batch_size <= len(X):
        raise ValueError(
            f"{where}: expected batch_size to be an integer from 1 to N = {len(X)}, received "
            f"{batch_size!r}."
        )
    if isinstance(time_repeats, bool) or not isinstance(time_repeats, (int, np.integer)) \
            or time_repeats < 0:
        raise ValueError(f"{where}: expected time_repeats to be an integer >= 0, received "
                         f"{time_repeats!r}.")
    rng = as_generator(seed)
    num_classes = int(y.max()) + 1
    model = Sequential(Dense(X.shape[1], hidden, seed=rng), ReLU(),
                       Dense(hidden, num_classes, seed=rng))
    loss = SoftmaxCrossEntropy()
    # A warm-up pass (forward, loss, backward; no update, gradients reset): the very first
    # matrix products of a process are slow (the BLAS library starts its threads, memory is
    # mapped), and without it that one-off cost would land in epoch 1 and look like an effect
    # of the batch size. The weights are unchanged, so training is exactly as without it.
    warm = X[:batch_size].astype(np.float32)
    loss(model.forward(warm), y[:batch_size])
    model.backward(loss.backward())
    model.zero_grad()
    optimizer = SGD(model.parameters(), lr=lr)
    history = fit(model, loss, optimizer, X, y,
                  epochs=epochs, batch_size=int(batch_size), seed=rng, progress=False)
    run = BatchSizeRun(int(batch_size), len(X), history.iterations_per_epoch,
                       np.array(history.batch_loss), np.array(history.loss),
                       np.array(history.epoch_time))
    if time_repeats:
        X32 = X.astype(np.float32)
        order = rng.permutation(len(X))

        def one_update(size: int) -> Callable[[], None]:
            def update():  # what fit does for one batch: pick it, then the four steps
                idx = order[:size]
                optimizer.zero_grad()
                loss(model.forward(X32[idx]), y[idx])
                model.backward(loss.backward())
                optimizer.step()
            return update

        run.update_time, run.timing = timed_update(one_update(int(batch_size)), time_repeats)
        rest = len(X) % int(batch_size)
        run.last_update_time = (timed_update(one_update(rest), time_repeats)[0] if rest
                                else run.update_time)
        run.time_repeats = int(time_repeats)
    return run


def batch_size_choices(n: int) -> list[int]:
    """The batch sizes the widget offers: 1, 2, 4, 8, ... (powers of two below n), then n."""
    choices = [2**k for k in range(int(np.log2(n)) + 1) if 2**k < n]
    return choices + [int(n)]



def elapsed_time(run: BatchSizeRun) -> np.ndarray:
    """(updates,) seconds: the estimated time since the start of training at the end of each
    update, from the median time of one update (``run.update_time``, and ``last_update_time``
    for the smaller last batch of each epoch).

    Estimated rather than read off a clock during training, so that a moment when another
    program had the processor does not show as a jump in one run and not in the other.
    """
    if run.update_time is None or run.last_update_time is None:
        raise ValueError(
            f"elapsed_time: batch size {run.batch_size} was trained without timing its updates "
            f"(time_repeats=0). Hint: train it with train_with_batch_size(..., time_repeats=15)."
        )
    it = run.iterations_per_epoch
    per_update = np.full(it, run.update_time)
    if run.num_samples % run.batch_size:
        per_update[-1] = run.last_update_time
    return np.cumsum(np.tile(per_update, run.epochs))


def smoothed_loss(run: BatchSizeRun) -> np.ndarray:
    """(updates,) the loss of each mini-batch averaged with the ones before it, over about a
    tenth of an epoch (``ceil(iterations_per_epoch / 10)`` batches; fewer at the very start).

    A tenth of an epoch is about the same number of samples, N / 10, for every batch size, so
    the curves of two batch sizes are smoothed alike. Batch sizes above N / 10 are not smoothed.
    """
    window = math.ceil(run.iterations_per_epoch / 10)
    loss = np.asarray(run.batch_loss, dtype=np.float64)
    if window == 1:
        return loss.copy()
    total = np.concatenate([[0.0], np.cumsum(loss)])
    end = np.arange(1, len(total))
    start = np.maximum(end - window, 0)
    return (total[end] - total[start]) / (end - start)


def describe_batch_size_run(run: BatchSizeRun) -> str:
    """A run's name in the legend and in sentences: "batch size 32"."""
    return f"batch size {run.batch_size}"


def _milliseconds(seconds: float) -> str:
    ms = 1000 * seconds
    return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms"


def batch_size_summary(shown: list[ShownRun]) -> str:
    """One line with the numbers the picture shows, for a reader who cannot see it.

    ``shown`` is ``Comparison.shown(current)``: each run's batch size, whether it is kept, its
    number of updates, the loss of its last epoch, and its estimated time (``elapsed_time``).
    """
    if not shown:
        return "No run to show: move the batch size slider."
    first = shown[0].run
    parts = []
    for item in shown:
        run = item.run
        when = (f", about {_milliseconds(elapsed_time(run)[-1])}"
                if run.update_time is not None else "")
        parts.append(f"{describe_batch_size_run(run)} ({'kept' if item.kept else 'current'}): "
                     f"{run.updates} updates, loss {run.epoch_loss[-1]:.2f} in epoch "
                     f"{run.epochs}{when}")
    runs = f"{len(shown)} run{'s' if len(shown) != 1 else ''}"
    timings = sorted({item.run.timing for item in shown if item.run.update_time is not None})
    timing = f" (times: {' or '.join(timings)})" if timings else ""
    return (f"{runs} of {first.epochs} epochs on {first.num_samples} samples{timing}. "
            + "; ".join(parts) + ".")


#: The size of the widget's picture, in inches: at matplotlib's 100 dots per inch it fits a
#: notebook's output area (about 850 pixels wide) without being shrunk, so its text stays legible.
FIGSIZE = (8.4, 5.6)


def plot_batch_size_comparison(shown: list[ShownRun], axes=None, loss_max: float = 3.0):
    """The loss of each run against epochs, updates and time, and a key that names the runs.

    ``shown`` is ``Comparison.shown(current)``; ``axes`` four axes (default: a new 2 x 2
    figure). The first panel also shows the loss of every mini-batch, faint, behind its average
    (``smoothed_loss``), so the noise of small batches is seen; the next two show the averages
    against the number of updates and against the estimated time (``elapsed_time``), both on a
    log scale (3 and 3234 updates share one axis). Every run keeps its colour, line style and
    marker in the three panels; the fourth panel is the key: the legend, and what the lines and
    the time are. Returns the four axes.
    """
    import textwrap

    import matplotlib.pyplot as plt

    if axes is None:
        _, grid = plt.subplots(2, 2, figsize=FIGSIZE, layout="constrained")
        axes = grid.ravel()
    ax_epoch, ax_update, ax_time, ax_key = axes
    for item in shown:
        run, style = item.run, item.style
        smooth = smoothed_loss(run)
        updates = np.arange(1, run.updates + 1)
        every = max(1, run.updates // 6)  # about six markers per line, whatever its length
        width = 2.0 if item.kept else 1.5
        label = describe_batch_size_run(run) + ("" if item.kept else " (current, not kept)")
        ax_epoch.plot(updates / run.iterations_per_epoch, np.minimum(run.batch_loss, loss_max),
                      color=style.color, linewidth=0.4, alpha=0.2)
        for ax, x in ((ax_epoch, updates / run.iterations_per_epoch), (ax_update, updates)):
            ax.plot(x, smooth, linewidth=width, markevery=every, markersize=5, label=label,
                    **style.kwargs())
        if run.update_time is not None:
            ax_time.plot(1000 * elapsed_time(run), smooth, linewidth=width, markevery=every,
                         markersize=5, label=label, **style.kwargs())
    epochs = max((item.run.epochs for item in shown), default=1)
    ax_epoch.set_xlim(0, epochs)
    ax_epoch.set_xticks(range(epochs + 1))
    ax_epoch.set_xlabel("epochs (passes over the data)")
    ax_epoch.set_title("loss against epochs", fontsize=10)
    _plain_log_axis(ax_update)
    ax_update.set_xlabel("updates (log scale)")
    ax_update.set_title("loss against updates", fontsize=10)
    _plain_log_axis(ax_time)
    timed = [item.run for item in shown if item.run.update_time is not None]
    timings = sorted({r.timing for r in timed})
    timing = timings[0] if len(timings) == 1 else "time"
    ax_time.set_xlabel(f"milliseconds: {timing} (log scale)", fontsize=9)
    ax_time.set_title("loss against time", fontsize=10)
    for ax in (ax_epoch, ax_update, ax_time):
        ax.set_ylim(0, loss_max)
        ax.set_ylabel("loss")
        ax.grid(True, which="major", alpha=0.3)
    ax_key.axis("off")
    if shown:
        handles, labels = ax_epoch.get_legend_handles_labels()
        ax_key.legend(handles, labels, loc="upper left", title="runs", fontsize=9,
                      title_fontsize=9, handlelength=3.5, frameon=False)
    repeats = max((r.time_repeats for r in timed), default=0)
    key = ("Lines: the loss of the mini-batches, averaged over a tenth of an epoch; faint, "
           "top left: each mini-batch. ")
    if timed:
        key += (f"Time: the number of updates × the time of one update, the median of "
                f"{repeats} timings" + (
                    " of the processor's work on one core, which does not count the moments it "
                    "gives to other programs." if timing == "processor time on one core"
                    else f" ({timing}): other programs running at the same time can slow it."))
    ax_key.text(0.0, 0.0, textwrap.fill(key, 52), transform=ax_key.transAxes, fontsize=8.5,
                va="bottom", ha="left", color="0.25")
    describe(ax_epoch, "Three panels, the loss of each run against epochs, against updates and "
                       "against time, and a key. " + batch_size_summary(shown))
    return axes


def _plain_log_axis(ax) -> None:
    """A log-scale x axis labelled with plain numbers (0.5, 1, 2, 5, 10, ... or 1, 10, 100,
    1000), never with matplotlib's 2×10⁻¹ minor labels, which overlap when the axis spans less
    than a decade or two."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    xs = [x for line in ax.lines for x in np.asarray(line.get_xdata(), dtype=float) if x > 0]
    decades = np.log10(max(xs) / min(xs)) if xs else 0.0
    subs = (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def batch_size_explorer(X, y, epochs: int = 3, seed=0, batch_size: int = 64, compare=()):
    """Widget: a "batch size" slider from 1 to N, and runs kept side by side to compare them.

    Each slider position trains for ``epochs`` epochs (``train_with_batch_size``, the same seed
    and so the same starting weights every time) when the slider is released. "add to
    comparison" keeps that run on the picture, in its own colour, line style and marker; move
    the slider and add another; "clear runs" removes them. The picture shows the loss of every
    shown run against epochs, updates and time (``plot_batch_size_comparison``), and a line of
    text above it gives the same numbers in words, for a screen reader
    (``batch_size_summary``). ``compare``: batch sizes trained and kept from the start, e.g.
    ``compare=[1, 32, len(X)]`` (``notebooks/07_training_loop.ipynb``).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    choices = batch_size_choices(len(X))
    if batch_size not in choices:
        batch_size = choices[len(choices) // 2]
    slider = widgets.SelectionSlider(
        options=choices, value=batch_size, description="batch size", continuous_update=False,
        style={"description_width": "initial"}, layout=widgets.Layout(width="460px"),
    )
    add, clear, summary, out = comparison_controls(
        "take every kept run off the picture", picture_height=FIGSIZE[1] * 100 + 20)
    comparison = Comparison(key=lambda run: run.batch_size, describe=describe_batch_size_run)
    state = {"current": None}

    def train(size):
        return train_with_batch_size(int(size), X, y, epochs=epochs, seed=seed)

    for size in compare:
        comparison.add(train(size))

    def show(status: str = ""):  # called inside `with out:`, so an error shows under the widget
        shown = comparison.shown(state["current"])
        summary.value = summary_html(status, batch_size_summary(shown))
        out.clear_output(wait=True)
        _, axes = plt.subplots(2, 2, figsize=FIGSIZE, layout="constrained")
        plot_batch_size_comparison(shown, axes=axes.ravel())
        plt.show()

    def on_slider(change=None):
        with out:
            state["current"] = train(slider.value)
            show()

    def on_add(button):
        with out:
            show(comparison.add(state["current"]))

    def on_clear(button):
        with out:
            show(comparison.clear())

    slider.observe(on_slider, names="value")
    add.on_click(on_add)
    clear.on_click(on_clear)
    on_slider()
    return explorer_box([widgets.HBox([slider, add, clear]), summary, out],
                        "dlcore-batch-size-explorer", what="slider")

