"""Widgets: Learning rate (06_optimizer).

See ``dlcore.course.interactive`` for how a widget is split in two. The widget keeps several
runs side by side (``compare.Comparison``): two learning rates, or two optimizers, on one map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import explorer_box
from .compare import Comparison, ShownRun, comparison_controls, summary_html


class Surface:
    """A loss over just two parameters ``w = (w1, w2)``, so that it can be drawn as a map.

    A network has thousands of weights and its loss cannot be pictured; with two weights the loss
    is a landscape, drawn with contour lines (lines of equal loss, as on a hiking map), and every
    optimizer step is a move on that map (``notebooks/06_optimizer.ipynb``).

    A surface plays the part of "model + loss" in the training loop: ``loss(w)`` is the forward
    pass and ``backward(p)`` the backward pass, which *adds* dL/dw into ``p.grad`` exactly as a
    layer does. So the real dlcore optimizers (``SGD``, ``Adam``, ...) can move the two numbers::

        p = Parameter(np.array(surface.start), "w")
        optimizer = SGD([p], lr=0.1)
        optimizer.zero_grad(); surface.backward(p); optimizer.step()

    Class attributes: ``name``, ``formula`` (LaTeX for plot titles), ``start`` (where the runs
    begin), ``minimum`` (the lowest point), ``xlim``/``ylim`` (the part of the map to draw) and
    ``steps`` (how many steps the widget takes).
    """

    name = "surface"
    formula = ""
    start = (0.0, 0.0)
    minimum = (0.0, 0.0)
    xlim = (-1.0, 1.0)
    ylim = (-1.0, 1.0)
    steps = 50

    def loss(self, w) -> np.ndarray:
        """w: (..., 2) -> loss (...): works on one point ``(2,)`` or on a whole grid of points."""
        raise NotImplementedError(f"{type(self).__name__} must implement loss(w).")

    def gradient(self, w) -> np.ndarray:
        """w: (2,) -> dL/dw: (2,)."""
        raise NotImplementedError(f"{type(self).__name__} must implement gradient(w).")

    def backward(self, p) -> None:
        """Add dL/dw at ``p.value`` into ``p.grad`` (call ``zero_grad()`` first), like a layer."""
        p.grad += self.gradient(p.value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Bowl(Surface):
    """An elongated bowl: ``L(w1, w2) = (w1**2 + 10 * w2**2) / 2``, lowest point at (0, 0).

    Ten times steeper along ``w2`` than along ``w1``, as real losses are steeper in some
    directions than in others. Gradient: ``dL/dw1 = w1``, ``dL/dw2 = 10 * w2``. Plain gradient
    descent is stable only for ``lr < 2 / 10 = 0.2`` (the steep direction sets the limit) and is
    then slow along the shallow one: the dilemma that momentum, RMSprop and Adam address.
    """

    name = "bowl"
    formula = r"$L(w_1, w_2) = \frac{1}{2}\,(w_1^2 + 10\,w_2^2)$"
    start = (-4.0, 1.5)
    minimum = (0.0, 0.0)
    xlim = (-5.0, 5.0)
    ylim = (-2.5, 2.5)
    steps = 50

    def loss(self, w):
        w = np.asarray(w, dtype=np.float64)
        w1, w2 = w[..., 0], w[..., 1]
        return 0.5 * (w1**2 + 10.0 * w2**2)

    def gradient(self, w):
        w1, w2 = np.asarray(w, dtype=np.float64)
        return np.array([w1, 10.0 * w2])


class Valley(Surface):
    """A curved valley: ``L(w1, w2) = (1 - w1)**2 + 10 * (w2 - w1**2)**2``.

    Rosenbrock's classic test function, made gentler (10 instead of 100). The lowest point,
    (1, 1), lies at the bottom of a long, narrow, banana-shaped valley: the walls are steep,
    the floor is almost flat. Finding the valley is quick; following its floor
    to the end is what separates the optimizers. Gradient::

        dL/dw1 = -2 (1 - w1) - 40 w1 (w2 - w1**2)
        dL/dw2 = 20 (w2 - w1**2)
    """

    name = "valley"
    formula = r"$L(w_1, w_2) = (1 - w_1)^2 + 10\,(w_2 - w_1^2)^2$"
    start = (-1.5, 2.0)
    minimum = (1.0, 1.0)
    xlim = (-2.0, 2.0)
    ylim = (-1.0, 3.0)
    steps = 200

    def loss(self, w):
        w = np.asarray(w, dtype=np.float64)
        w1, w2 = w[..., 0], w[..., 1]
        return (1.0 - w1) ** 2 + 10.0 * (w2 - w1**2) ** 2

    def gradient(self, w):
        w1, w2 = np.asarray(w, dtype=np.float64)
        return np.array([-2.0 * (1.0 - w1) - 40.0 * w1 * (w2 - w1**2), 20.0 * (w2 - w1**2)])


#: The surfaces the learning-rate widget offers, by name.
SURFACES = {"bowl": Bowl(), "valley": Valley()}

#: The optimizers the learning-rate widget offers, in the order ``06_optimizer`` introduces them.
OPTIMIZER_CHOICES = ("SGD", "momentum", "Adagrad", "RMSprop", "Adam")

# A run is stopped as diverged once its loss exceeds this many times its starting value.
DIVERGENCE_FACTOR = 1e3


def make_optimizer(name: str, params, lr: float):
    """The optimizer called ``name`` (one of ``OPTIMIZER_CHOICES``) with learning rate ``lr``.

    Every other setting is the usual default: momentum 0.9; RMSprop beta 0.9; Adam beta1 0.9,
    beta2 0.999; eps 1e-8.
    """
    from dlcore.optim import SGD, Adagrad, Adam, RMSprop

    if name == "SGD":
        return SGD(params, lr=lr)
    if name == "momentum":
        return SGD(params, lr=lr, momentum=0.9)
    if name == "Adagrad":
        return Adagrad(params, lr=lr)
    if name == "RMSprop":
        return RMSprop(params, lr=lr)
    if name == "Adam":
        return Adam(params, lr=lr)
    raise ValueError(
        f"make_optimizer: expected one of {', '.join(OPTIMIZER_CHOICES)}, received {name!r}."
    )


@dataclass
class SurfaceRun:
    """The result of ``optimize_on_surface``: where the parameters went and how the loss moved.

    path : (k + 1, 2) float64
        ``w`` before the first step and after each of the ``k`` steps taken (``k = steps``
        unless the run diverged and was stopped early). Always finite.
    losses : (k + 1,) float64
        The loss at each point of ``path``. Always finite.
    diverged : bool
        True if the loss grew past ``DIVERGENCE_FACTOR`` times its starting value (or stopped
        being a finite number); the run then stopped at that step.
    diverged_at : int or None
        The step at which it diverged.
    steps : int
        How many steps were asked for.
    outcome : str
        One word for the plot: "diverged", "crawling", "oscillating", "converged" or "on its way".
    message : str
        What happened, in a sentence, with what to try next.
    """

    surface: str
    optimizer: str
    lr: float
    path: np.ndarray
    losses: np.ndarray
    diverged: bool
    diverged_at: int | None
    steps: int
    outcome: str
    message: str


def optimize_on_surface(surface_name: str = "bowl", optimizer_name: str = "SGD",
                        lr: float = 0.1, steps: int | None = None) -> SurfaceRun:
    """Run a real dlcore optimizer for ``steps`` steps on a 2-D loss surface (the widget's work).

    The two numbers ``w = (w1, w2)`` are one dlcore ``Parameter``; each step is the training
    loop in miniature: ``zero_grad()``, ``surface.backward(p)`` (fills ``p.grad``), ``step()``.

    A learning rate that is too large makes the loss grow without bound. The run stops at the
    first step whose loss is not finite or is larger than ``DIVERGENCE_FACTOR`` times the loss
    at the start, so the returned arrays are always finite and can be plotted, and the message
    says at which step it happened. The surface arithmetic runs inside
    ``np.errstate(over="ignore", invalid="ignore")`` so that an overflow is caught by that test
    instead of printing a RuntimeWarning.

    Parameters
    ----------
    surface_name : "bowl" or "valley" (see ``SURFACES``)
    optimizer_name : one of ``OPTIMIZER_CHOICES``
    lr : float > 0, the learning rate
    steps : int, optional. Default: the surface's own ``steps`` (50 for the bowl, 200 for the
        valley).

    Returns
    -------
    SurfaceRun
    """
    from dlcore.module import Parameter

    where = "optimize_on_surface"
    if surface_name not in SURFACES:
        raise ValueError(
            f"{where}: expected surface_name to be one of {', '.join(map(repr, SURFACES))}, "
            f"received {surface_name!r}."
        )
    if optimizer_name not in OPTIMIZER_CHOICES:
        raise ValueError(
            f"{where}: expected optimizer_name to be one of "
            f"{', '.join(map(repr, OPTIMIZER_CHOICES))}, received {optimizer_name!r}."
        )
    surface = SURFACES[surface_name]
    if steps is None:
        steps = surface.steps
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"{where}: expected steps to be a positive integer, received {steps!r}.")

    p = Parameter(np.array(surface.start, dtype=np.float64), "w")
    optimizer = make_optimizer(optimizer_name, [p], lr)  # checks lr, with the optimizer's hint
    path = [p.value.copy()]
    losses = [float(surface.loss(p.value))]
    limit = DIVERGENCE_FACTOR * losses[0]
    diverged_at = None
    for step in range(1, int(steps) + 1):
        optimizer.zero_grad()
        surface.backward(p)
        optimizer.step()
        with np.errstate(over="ignore", invalid="ignore"):
            loss = float(surface.loss(p.value))
        if not (np.isfinite(loss) and np.all(np.isfinite(p.value))) or loss > limit:
            diverged_at = step
            if np.isfinite(loss) and np.all(np.isfinite(p.value)):
                path.append(p.value.copy())  # still a number: show where it flew to
                losses.append(loss)
            break
        path.append(p.value.copy())
        losses.append(loss)
    path, losses = np.array(path), np.array(losses)
    outcome, message = _describe_run(losses, path, diverged_at, limit, steps)
    return SurfaceRun(surface_name, optimizer_name, float(lr), path, losses,
                      diverged_at is not None, diverged_at, int(steps), outcome, message)


def _readable(x: float) -> str:
    """A loss as a person would write it: 19,250 rather than 1.92e+04; 0.0021; 19.2."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def _describe_run(losses: np.ndarray, path: np.ndarray, diverged_at: int | None, limit: float,
                  steps: int) -> tuple[str, str]:
    """One word and one sentence that say what a run did and what to try next.

    Besides the loss, the path is read: a step that goes back against the previous one
    (``step_k . step_k+1 < 0``) is the zig-zag of a learning rate too large for the steep
    direction, even when the loss keeps falling.
    """
    start, final = losses[0], losses[-1]
    if diverged_at is not None:
        return "diverged", (
            f"diverged at step {diverged_at}: the loss grew past {_readable(limit)} "
            f"({DIVERGENCE_FACTOR:.0f} × its start, {_readable(start)}); lower the learning rate."
        )
    ratio = final / start
    went_up = int(np.count_nonzero(np.diff(losses) > 0))
    moves = np.diff(path, axis=0)
    turned_back = int(np.count_nonzero(np.sum(moves[1:] * moves[:-1], axis=1) < 0))
    zigzag = turned_back >= 0.3 * steps
    if ratio < 1e-3:
        how = (f", zig-zagging on the way (the path turned back on {turned_back} of {steps} "
               f"steps)" if zigzag else "")
        return "converged", (
            f"converged{how}: after {steps} steps the loss is {final:.2g} "
            f"({ratio:.1e} × its start)."
        )
    if went_up >= 0.2 * steps or zigzag:
        evidence = []
        if zigzag:
            evidence.append(f"the path turned back on {turned_back} of {steps} steps")
        if went_up >= 0.2 * steps:
            evidence.append(f"the loss went up on {went_up} of {steps} steps")
        end = f"{ratio:.3g} × its start" if ratio >= 1 else f"{ratio:.1%} of its start"
        return "oscillating", (
            f"oscillating: {' and '.join(evidence)} (it ends at {end}); the steps overshoot "
            f"the bottom of the valley. Lower the learning rate."
        )
    if ratio > 0.5:
        return "crawling", (
            f"crawling: after {steps} steps the loss is still {ratio:.0%} of its start. "
            f"The steps are too small; raise the learning rate."
        )
    return "on its way", (
        f"on its way: after {steps} steps the loss is {ratio:.1%} of its start. More steps or a "
        f"larger learning rate would get there."
    )


def describe_surface_run(run: SurfaceRun) -> str:
    """A run's name in the legend and in sentences: "SGD, lr 0.1"."""
    return f"{run.optimizer}, lr {run.lr:.2g}"


def _surface_run_key(run: SurfaceRun) -> tuple:
    # the slider's values are powers of ten in steps of 0.1, shown with two digits
    return run.surface, run.optimizer, f"{run.lr:.2g}"


def learning_rate_summary(shown: list[ShownRun]) -> str:
    """One line with what the picture shows, for a reader who cannot see it.

    ``shown`` is ``Comparison.shown(current)``: for each run its optimizer and learning rate,
    whether it is kept, its outcome and its loss at the start and at the end (or the step at
    which it diverged).
    """
    if not shown:
        return "No run to show: move the learning rate slider."
    surface = shown[0].run.surface
    parts = []
    for item in shown:
        run = item.run
        if run.diverged:
            result = f"diverged at step {run.diverged_at}"
        else:
            result = (f"{run.outcome}, loss {_readable(run.losses[0])} at the start and "
                      f"{run.losses[-1]:.2g} after {run.steps} steps")
        parts.append(f"{describe_surface_run(run)} ({'kept' if item.kept else 'current'}): "
                     f"{result}")
    runs = f"{len(shown)} run{'s' if len(shown) != 1 else ''}"
    return f"{runs} on the {surface}. " + "; ".join(parts) + "."


#: The size of the widget's picture, in inches: at matplotlib's 100 dots per inch it fits a
#: notebook's output area (about 850 pixels wide) without being shrunk, so its text stays legible.
FIGSIZE = (8.4, 4.8)


def plot_surface_comparison(surface, shown: list[ShownRun], axes=None):
    """The paths of the runs on the loss map, and their loss at every step.

    ``shown`` is ``Comparison.shown(current)``. A single run that is not kept is drawn as
    ``viz.plot_surface_runs`` draws it (its message written on the plot); otherwise every run
    has its colour, line style and marker (``compare.RUN_STYLES``) in both panels, outlined in
    white so that it shows on the dark parts of the map, and the legend under the two panels
    names each run with its outcome. A diverged run ends in a cross. Returns the two axes
    (default: a new figure of ``FIGSIZE``, its layout "constrained", so the legend fits).
    """
    import matplotlib.patheffects as effects
    import matplotlib.pyplot as plt

    from dlcore.course import viz

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=FIGSIZE, layout="constrained")
    if len(shown) == 1 and not shown[0].kept:
        return viz.plot_surface_runs(surface, [shown[0].run], axes=axes)
    ax_map, ax_loss = axes
    viz.plot_loss_surface(surface, ax=ax_map)
    x0, x1 = ax_map.get_xlim()
    y0, y1 = ax_map.get_ylim()
    outline = [effects.withStroke(linewidth=3.5, foreground="white")]
    for item in shown:
        run, style = item.run, item.style
        label = f"{describe_surface_run(run)}: {run.outcome}" + (
            "" if item.kept else " (current, not kept)")
        every = max(1, len(run.losses) // 10)  # about ten markers per line
        x = np.clip(run.path[:, 0], x0, x1)
        y = np.clip(run.path[:, 1], y0, y1)
        ax_map.plot(x, y, linewidth=1.6, markersize=5, markevery=every, path_effects=outline,
                    zorder=4, **style.kwargs())
        steps = np.arange(len(run.losses))
        ax_loss.plot(steps, np.maximum(run.losses, 1e-12), linewidth=1.8, markersize=5,
                     markevery=every, label=label, **style.kwargs())
        if run.diverged:
            ax_map.plot(x[-1], y[-1], "X", color=style.color, markersize=13,
                        markeredgecolor="black", zorder=7)
            ax_loss.plot(steps[-1], max(run.losses[-1], 1e-12), "X", color=style.color,
                         markersize=11, markeredgecolor="black")
    ax_map.plot(*surface.start, "s", color="white", markersize=8, markeredgecolor="black",
                zorder=6, label="start")
    ax_map.legend(loc="lower right", fontsize=8, framealpha=0.9)
    ax_map.set_xlim(x0, x1)
    ax_map.set_ylim(y0, y1)
    ax_loss.set_yscale("log")
    ax_loss.set_xlim(0, max(item.run.steps for item in shown))
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss (log scale)")
    ax_loss.set_title("loss at every step (a cross: diverged, stopped)", fontsize=10)
    ax_loss.grid(True, alpha=0.3)
    handles, labels = ax_loss.get_legend_handles_labels()
    ax_loss.figure.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=9,
                          handlelength=3.5, frameon=False)
    return axes


def learning_rate_explorer(optimizer_name: str = "SGD", lr: float = 0.1,
                           surface_name: str = "bowl", compare=()):
    """Widget: a log-scale learning-rate slider, an optimizer menu, a surface menu, and runs
    kept side by side to compare them.

    Shows the path of the two parameters on the loss surface and the loss after every step
    (``notebooks/06_optimizer.ipynb``). Too small a learning rate crawls, a good one reaches the
    bottom, too large a one oscillates or diverges, and the plot says so in words. The work is
    done by ``optimize_on_surface``; the slider's description is "learning rate".

    "add to comparison" keeps the current run on the picture, in its own colour, line style and
    marker; move the slider or pick another optimizer and add it too: two learning rates, or
    two optimizers, on one map. "clear runs" removes the kept runs of the surface shown (each
    surface keeps its own). A line of text above the picture gives its numbers in words, for a
    screen reader (``learning_rate_summary``). ``compare``: (optimizer, lr) pairs kept from the
    start on ``surface_name``, e.g. ``compare=[("SGD", 0.1), ("momentum", 0.1)]``.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    lr_slider = widgets.FloatLogSlider(
        value=lr, base=10, min=-4, max=1, step=0.1, description="learning rate",
        readout_format=".1e", continuous_update=False,
        style={"description_width": "initial"}, layout=widgets.Layout(width="420px"),
    )
    optimizer_menu = widgets.Dropdown(
        options=list(OPTIMIZER_CHOICES), value=optimizer_name, description="optimizer",
        layout=widgets.Layout(width="220px"),
    )
    surface_menu = widgets.Dropdown(
        options=list(SURFACES), value=surface_name, description="surface",
        layout=widgets.Layout(width="200px"),
    )
    add, clear, summary, out = comparison_controls(
        "take the kept runs of this surface off the picture", picture_height=FIGSIZE[1] * 100 + 20)
    comparisons = {name: Comparison(_surface_run_key, describe_surface_run) for name in SURFACES}
    for pair in compare:
        if isinstance(pair, str) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(
                f"learning_rate_explorer: expected compare to be a list of (optimizer, learning "
                f"rate) pairs, such as [('SGD', 0.1), ('Adam', 0.1)], received {compare!r}."
            )
        comparisons[surface_name].add(optimize_on_surface(surface_name, *pair))
    state = {"current": None}

    def show(status: str = ""):  # called inside `with out:`, so an error shows under the widget
        run = state["current"]
        shown = comparisons[run.surface].shown(run)
        summary.value = summary_html(status, learning_rate_summary(shown))
        out.clear_output(wait=True)
        _, axes = plt.subplots(1, 2, figsize=FIGSIZE, layout="constrained")
        plot_surface_comparison(SURFACES[run.surface], shown, axes=axes)
        plt.show()

    def draw(change=None):
        with out:
            state["current"] = optimize_on_surface(surface_menu.value, optimizer_menu.value,
                                                   lr_slider.value)
            show()

    def on_add(button):
        with out:
            show(comparisons[state["current"].surface].add(state["current"]))

    def on_clear(button):
        with out:
            show(comparisons[state["current"].surface].clear())

    for control in (lr_slider, optimizer_menu, surface_menu):
        control.observe(draw, names="value")
    add.on_click(on_add)
    clear.on_click(on_clear)
    draw()
    return explorer_box([widgets.HBox([lr_slider, optimizer_menu, surface_menu]),
                         widgets.HBox([add, clear]), summary, out],
                        "dlcore-learning-rate-explorer", what="slider")
