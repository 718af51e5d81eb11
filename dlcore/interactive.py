"""Widget explorers for the notebooks, and the plain functions that do their work.

Each widget is split in two:

- a *compute* function (plain NumPy, no widgets, no plotting) that takes the slider values and
  returns numbers; pytest tests these directly, and the benchmarks time them;
- a *view* function ``*_explorer(...)`` that builds the ipywidgets sliders, calls the compute
  function on every change and draws the result with matplotlib into a fixed-height ``Output``.

ipywidgets and matplotlib are imported inside the view functions only, so the compute functions
(and the rest of dlcore) work without them. Sliders that retrain a model use
``continuous_update=False`` so the work runs once, when the slider is released.

The view functions work with ipywidgets 7 (the version Colab ships) and 8: they use only widgets,
traits and styles that both have. Each returns an ``explorer_box``: a ``VBox`` whose text form,
saved in the notebook beside the widget, tells a reader who sees it instead of the widget what to
do (see ``NOT_RUN_HINT``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

# =================================================================================================
# The box every explorer returns, and what a notebook shows of it before it has run
# =================================================================================================

#: What a notebook shows in place of an explorer it cannot draw: before its cells have run (a
#: fresh clone in JupyterLab, where the notebook is not trusted yet; a page on GitHub), or when
#: the widget extension is missing. A notebook saves a widget's output as a reference to the
#: widget (drawn from the state saved in the notebook's metadata, or by the running kernel) and
#: this text, shown when the reference cannot be drawn. ipywidgets 7 (``_ipython_display_``) and 8
#: (``_repr_mimebundle_``) both take the text from the widget's ``repr`` and cut it after 110
#: characters, so it stays shorter than that, in two short lines that fit a narrow window.
NOT_RUN_HINT = (
    "Run this cell (Shift+Enter) to get the {what}.\n"
    "If this text stays, see 'Widgets show as text' in the README."
)
HINT_MAX_CHARS = 110  # ipywidgets 7 and 8 cut a widget's text form after 110 characters


@functools.cache
def _explorer_box_type():
    """The ``VBox`` subclass that ``explorer_box`` returns, made once, on first use."""
    import ipywidgets as widgets

    class ExplorerBox(widgets.VBox):
        """A ``VBox`` whose text form is a hint for the reader (drawn exactly like a ``VBox``)."""

        def __init__(self, children, hint: str, **kwargs):
            super().__init__(children, **kwargs)
            self._reader_hint = hint

        def __repr__(self) -> str:
            return self._reader_hint

    ExplorerBox.__qualname__ = "ExplorerBox"  # dlcore.interactive.ExplorerBox in messages
    return ExplorerBox


def explorer_box(children, css_class: str, what: str = "slider"):
    """The outermost widget of an explorer: a ``VBox`` of ``children`` with the CSS class given.

    Drawn as a ``VBox``; its text form (``repr``, and so the ``text/plain`` a notebook saves with
    the widget) is ``NOT_RUN_HINT`` for ``what`` ("slider", "sliders", ...) rather than the
    ``VBox(children=(IntSlider(...`` that ipywidgets writes by default, which reads like a broken
    install to someone who opens the notebook before running it.
    """
    hint = NOT_RUN_HINT.format(what=what)
    if len(hint) > HINT_MAX_CHARS:
        raise ValueError(
            f"explorer_box: the hint must fit in {HINT_MAX_CHARS} characters (ipywidgets cuts it "
            f"there), received {len(hint)}: {hint!r}. Hint: a shorter `what`."
        )
    box = _explorer_box_type()(list(children), hint)
    box.add_class(css_class)
    return box


# =================================================================================================
# Data: a digit's pixels, mini-batches (00_start_here, 01_data)
# =================================================================================================


def digit_view(images, labels, index: int):
    """The image and label at ``index``: images (N, H, W) or (N, H*W) square -> ((H, W), label).

    Flat rows (the digits data set stores each 8x8 image as a row of 64 numbers) are reshaped
    back into their square grid. Used by ``digit_explorer``.
    """
    imgs = np.asarray(images)
    if imgs.ndim == 2:
        side = int(round(imgs.shape[1] ** 0.5))
        if side * side != imgs.shape[1]:
            raise ValueError(
                f"digit_view: expected square images, (N, H, W) or (N, H*W) rows, received "
                f"rows of {imgs.shape[1]} numbers, which is not a square."
            )
        imgs = imgs.reshape(len(imgs), side, side)
    if imgs.ndim != 3 or len(imgs) != len(labels):
        raise ValueError(
            f"digit_view: expected images (N, H, W) and N labels, received images of shape "
            f"{np.shape(images)} and {len(labels)} labels."
        )
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"digit_view: expected an integer index, received {index!r}.")
    if not 0 <= index < len(imgs):
        raise ValueError(
            f"digit_view: expected an index in [0, {len(imgs)}), received {index}."
        )
    return imgs[index], labels[index]


def digit_explorer(images, labels, index: int = 0):
    """A slider over the data set: each position shows one image as a picture and as numbers.

    images : (N, 8, 8) or (N, 64); labels : (N,). Used in ``00_start_here`` to try a slider
    (and to check that widgets are drawn) and in ``01_data``. Returns the widget box (CSS class
    ``dlcore-digit-explorer``).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from . import viz

    digit_view(images, labels, index)  # check the inputs once, before building the widget
    slider = widgets.IntSlider(value=index, min=0, max=len(labels) - 1, step=1,
                               description="sample", continuous_update=False)

    def show(i):
        image, label = digit_view(images, labels, i)
        fig, axes = plt.subplots(1, 2, figsize=(7, 3.2))
        viz.show_image(image, ax=axes[0], title=f"what you see: a {label}")
        viz.show_pixel_values(image, ax=axes[1], title="what the computer stores")
        fig.tight_layout()
        plt.show()

    out = widgets.interactive_output(show, {"i": slider})
    out.layout = widgets.Layout(height="330px")
    return explorer_box([slider, out], "dlcore-digit-explorer", what="slider")


def batch_plan(num_samples: int, batch_size: int, drop_last: bool = False, epochs: int = 3,
               seed=0) -> list[list[np.ndarray]]:
    """Which samples each mini-batch holds, epoch after epoch, as ``BatchLoader`` serves them.

    Returns a list (one per epoch) of lists of batches, each batch the (B,) array of sample
    numbers 0..num_samples-1 it contains: exactly what ``viz.show_batches`` draws. Used by
    ``batch_explorer`` in ``01_data``.
    """
    from .data import BatchLoader

    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"batch_plan: expected epochs to be a positive int, received {epochs!r}.")
    loader = BatchLoader(np.arange(num_samples), None, batch_size=batch_size, shuffle=True,
                         seed=seed, drop_last=drop_last)
    return [[X_batch for X_batch, _ in loader] for _ in range(epochs)]


def batch_explorer(num_samples: int = 10, batch_size: int = 4, drop_last: bool = False):
    """Sliders for the number of samples and the batch size, and a drop_last switch (01_data).

    Draws ``viz.show_batches`` for 3 epochs and prints the count: iterations per epoch =
    ceil(N / batch_size), or floor with drop_last. Returns the widget box (CSS class
    ``dlcore-batch-explorer``).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from . import viz

    n = widgets.IntSlider(value=num_samples, min=1, max=24, description="samples N")
    bs = widgets.IntSlider(value=batch_size, min=1, max=12, description="batch size")
    drop = widgets.Checkbox(value=drop_last, description="drop_last")

    def show(n, bs, drop):
        if drop and bs > n:
            print(f"drop_last with batch size {bs} > N = {n} would leave no batch at all: "
                  f"make the batch smaller.")
            return
        plan = batch_plan(n, bs, drop_last=drop, epochs=3, seed=0)
        sizes = [len(b) for b in plan[0]]
        rule = f"floor({n} / {bs})" if drop else f"ceil({n} / {bs})"
        print(f"{len(sizes)} iterations per epoch = {rule}; batch sizes {sizes}; "
              f"3 epochs = {3 * len(sizes)} iterations")
        fig, ax = plt.subplots(figsize=(9, 2.4))
        viz.show_batches(plan, num_samples=n, ax=ax)
        plt.show()

    out = widgets.interactive_output(show, {"n": n, "bs": bs, "drop": drop})
    out.layout = widgets.Layout(height="250px")
    return explorer_box([widgets.HBox([n, bs, drop]), out], "dlcore-batch-explorer",
                        what="sliders")


# =================================================================================================
# Bias as a threshold (02_architecture)
# =================================================================================================


ACTIVATION_NAMES = ("relu", "step", "sigmoid", "tanh", "linear")


@dataclass
class NeuronResponse:
    """What one neuron does with a batch of inputs; returned by ``neuron_response``.

    Attributes
    ----------
    weighted_sum : (N,) array
        ``x @ w``, the weighted sum of each sample's inputs, before the bias.
    z : (N,) array
        ``x @ w + b``, the number the activation receives.
    a : (N,) array
        ``g(z)``, the neuron's output.
    fires : (N,) bool array
        True where ``z > 0``: ReLU lets a signal through, the step gives 1, sigmoid is above 0.5.
    threshold : float
        ``-b``: the neuron fires exactly when the weighted sum is above this number.
    """

    weighted_sum: np.ndarray
    z: np.ndarray
    a: np.ndarray
    fires: np.ndarray
    threshold: float


def _bias_inputs(x, w, b, where: str):
    """Check and convert the inputs of ``neuron_response``: x (N, D), w (D,), b float."""
    x = np.asarray(x)
    if x.dtype.kind not in "iuf":
        raise TypeError(f"{where}: expected x to be an array of numbers, received dtype {x.dtype}.")
    x = x.astype(np.float64, copy=False)
    if x.ndim == 1:
        x = x.reshape(-1, 1)  # (N,) is N samples with one input each
    if x.ndim != 2:
        raise ValueError(
            f"{where}: expected x of shape (N, D) (or (N,) for one input), received shape "
            f"{x.shape}. Hint: one sample per row."
        )
    w = np.atleast_1d(np.asarray(w, dtype=np.float64))
    if w.shape != (x.shape[1],):
        raise ValueError(
            f"{where}: expected one weight per input, w of shape ({x.shape[1]},), received shape "
            f"{w.shape}. Hint: x has {x.shape[1]} input(s) per sample."
        )
    if isinstance(b, bool) or np.ndim(b) != 0 or not np.isfinite(b):
        raise ValueError(f"{where}: expected the bias b to be one finite number, received {b!r}.")
    return x, w, float(b)


def neuron_response(x, w, b, activation: str = "relu") -> NeuronResponse:
    """One neuron on a batch of inputs: ``a = g(x @ w + b)``, and where it fires.

    The bias is a threshold. The neuron fires (``z > 0``) exactly when the weighted sum
    ``x @ w`` is above ``-b``: raising ``b`` by 1 lowers the threshold by 1, so the neuron fires
    more easily. The classic example: one input ``x = -0.35`` with weight ``w = 1`` gives the
    weighted sum ``-0.35``; with ``b = 0`` ReLU stays silent (``a = 0``); with ``b = 1`` the
    threshold moves to ``-1`` and the neuron fires with ``a = relu(0.65) = 0.65``.

    Parameters
    ----------
    x : (N, D) array
        One sample per row; an (N,) array is read as N samples of one input (D = 1).
    w : (D,) array
        The neuron's weights (a plain number when D = 1).
    b : float
        The bias.
    activation : {"relu", "step", "sigmoid", "tanh", "linear"}
        The function ``g`` applied to ``z``.

    Returns
    -------
    NeuronResponse with ``weighted_sum``, ``z``, ``a``, ``fires`` (all (N,)) and ``threshold``.

    Introduced in ``notebooks/02_architecture.ipynb`` (the bias explorer).
    """
    where = "neuron_response"
    x, w, b = _bias_inputs(x, w, b, where)
    if activation not in ACTIVATION_NAMES:
        raise ValueError(
            f"{where}: expected activation to be one of {ACTIVATION_NAMES}, received "
            f"{activation!r}."
        )
    weighted_sum = x @ w
    z = weighted_sum + b
    if activation == "relu":
        a = np.maximum(z, 0.0)
    elif activation == "step":
        a = (z > 0).astype(np.float64)
    elif activation == "sigmoid":
        from .activations import sigmoid

        a = sigmoid(z)
    elif activation == "tanh":
        a = np.tanh(z)
    else:
        a = z.copy()
    return NeuronResponse(weighted_sum, z, a, z > 0, 0.0 - b)  # 0.0 - b: no -0.0 for b = 0


def decision_line(w, b, xlim, ylim=None) -> tuple[np.ndarray, np.ndarray]:
    """Two end points of the line ``w1*x1 + w2*x2 + b = 0``, where a 2-input neuron switches.

    On one side of this line the neuron fires (``z > 0``), on the other it is silent. Solving
    for x2 gives ``x2 = -(w1*x1 + b) / w2``: the slope ``-w1/w2`` comes from the weights alone,
    and the bias shifts the line by ``-b/w2`` (where it crosses the x2 axis); changing only the
    bias moves the line without turning it.

    Parameters
    ----------
    w : (2,) array
        The neuron's two weights.
    b : float
        The bias.
    xlim : (x1_min, x1_max)
        The range of x1 to draw over.
    ylim : (x2_min, x2_max), optional
        The range of x2, used only for a vertical line (``w2 = 0``); defaults to ``xlim``.

    Returns
    -------
    (x1, x2): two (2,) arrays, the coordinates of the line's end points.

    Introduced in ``notebooks/02_architecture.ipynb`` (the bias explorer).
    """
    where = "decision_line"
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (2,):
        raise ValueError(
            f"{where}: expected the two weights of a 2-input neuron, w of shape (2,), received "
            f"shape {w.shape}."
        )
    if isinstance(b, bool) or np.ndim(b) != 0 or not np.isfinite(b):
        raise ValueError(f"{where}: expected the bias b to be one finite number, received {b!r}.")
    lo, hi = (float(v) for v in xlim)
    w1, w2 = float(w[0]), float(w[1])
    if w2 != 0:
        x1 = np.array([lo, hi])
        return x1, -(w1 * x1 + b) / w2
    if w1 != 0:
        y_lo, y_hi = (float(v) for v in (ylim if ylim is not None else xlim))
        return np.full(2, -b / w1), np.array([y_lo, y_hi])
    raise ValueError(
        f"{where}: expected at least one non-zero weight, received w = {w.tolist()}. Hint: with "
        f"both weights 0 the neuron ignores its inputs, so there is no line: it fires everywhere "
        f"(b > 0) or nowhere."
    )


def side_counts(fires, y) -> np.ndarray:
    """How many points of each class fall on each side of a neuron's line.

    fires: (N,) bool (from ``neuron_response``), y: (N,) class labels 0..K-1 -> (2, K) int64:
    row 0 counts the silent points, row 1 the points where the neuron fires; column k is class k.
    """
    fires = np.asarray(fires, dtype=bool)
    y = np.asarray(y)
    if fires.shape != y.shape or fires.ndim != 1:
        raise ValueError(
            f"side_counts: expected fires and y of the same shape (N,), received {fires.shape} "
            f"and {y.shape}."
        )
    if y.dtype.kind not in "iu" or (y.size and y.min() < 0):
        raise ValueError(
            f"side_counts: expected integer class labels 0..K-1, received dtype {y.dtype}."
        )
    K = int(y.max()) + 1 if y.size else 0
    return np.stack([np.bincount(y[~fires], minlength=K), np.bincount(y[fires], minlength=K)])


def firing_region(w, b, xlim, ylim) -> np.ndarray:
    """The corners of the part of the box ``xlim x ylim`` where a 2-input neuron fires.

    The neuron fires where ``w1*x1 + w2*x2 + b > 0``: one side of its line, a "half-plane".
    Cutting the box with the line keeps the corners on the firing side and adds the two points
    where the line crosses the box's edges. Returns an (M, 2) array of polygon corners in order
    (M = 0 when the neuron fires nowhere in the box, 4 when it fires everywhere). Used to shade
    the region in the bias explorer (``notebooks/02_architecture.ipynb``).
    """
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (2,):
        raise ValueError(
            f"firing_region: expected the two weights of a 2-input neuron, w of shape (2,), "
            f"received shape {w.shape}."
        )
    (x_lo, x_hi), (y_lo, y_hi) = xlim, ylim
    box = np.array([[x_lo, y_lo], [x_hi, y_lo], [x_hi, y_hi], [x_lo, y_hi]], dtype=np.float64)
    z = box @ w + b
    corners = []
    for i in range(4):  # walk round the box's 4 edges (a fixed 4 steps, not a loop over data)
        j = (i + 1) % 4
        if z[i] > 0:
            corners.append(box[i])
        if (z[i] > 0) != (z[j] > 0):  # the line crosses this edge: z = 0 at fraction t
            t = z[i] / (z[i] - z[j])
            corners.append(box[i] + t * (box[j] - box[i]))
    return np.array(corners).reshape(-1, 2)


# The y-range of the left panel for each activation; fixed, so that the axes need not be redrawn
# while a slider moves (a curve leaving the panel is cut off at its edge).
_BIAS_YLIM = {
    "relu": (-0.5, 4.5),
    "step": (-0.2, 1.3),
    "sigmoid": (-0.2, 1.3),
    "tanh": (-1.3, 1.5),
    "linear": (-4.5, 4.5),
}


class _BiasView:
    """The two panels of the bias explorer: axes drawn once, then only the moving parts updated.

    ``self.moving`` lists what changes with the sliders (curve, point, threshold, line, shaded
    region, texts). With ``animated=True`` (the explorer) a full draw leaves them out, so the
    still background can be saved once and each slider change draws only them on top of it.
    """

    def __init__(self, axes, X, y, x_point: float = -0.35, animated: bool = False):
        from matplotlib.patches import Polygon

        self.X = np.asarray(X, dtype=np.float64)
        self.y = np.asarray(y)
        self.x_point = float(x_point)
        self.ax1, self.ax2 = axes
        ax1, ax2 = self.ax1, self.ax2
        self.activation = None

        # left: the neuron along x1, with x2 = 0
        self.xs = np.linspace(-3, 3, 241)
        (self.curve,) = ax1.plot(self.xs, self.xs, color="tab:purple", lw=2)
        self.threshold = ax1.axvline(0.0, color="gray", ls="--", lw=1)
        (self.point,) = ax1.plot([self.x_point], [0.0], "o", ms=9, mew=2)
        ax1.axhline(0, color="black", lw=0.5)
        ax1.set_xlim(-3, 3)
        ax1.set_xlabel("input x (= x1, with x2 = 0)")
        ax1.set_ylabel("output a")
        self.text = ax1.text(0.02, 0.97, "", transform=ax1.transAxes, va="top", fontsize=9,
                             family="monospace",
                             bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"})
        self.title1 = ax1.text(0.5, 1.02, "", transform=ax1.transAxes, ha="center",
                               va="bottom", fontsize=10)

        # right: the line over the data
        lo = self.X.min(axis=0) - 1.0
        hi = self.X.max(axis=0) + 1.0
        self.xlim, self.ylim = (lo[0], hi[0]), (lo[1], hi[1])
        self.region = Polygon(np.zeros((0, 2)), closed=True, color="#ffe9a8", zorder=0)
        ax2.add_patch(self.region)
        self.points = ax2.scatter(self.X[:, 0], self.X[:, 1], c=self.y, cmap="coolwarm", s=14,
                                  edgecolors="k", linewidths=0.3, zorder=2)
        (self.line,) = ax2.plot([], [], color="black", lw=2, zorder=3)
        ax2.set_xlim(*self.xlim)
        ax2.set_ylim(*self.ylim)
        ax2.set_xlabel("x1")
        ax2.set_ylabel("x2")
        self.title2 = ax2.text(0.5, 1.02, "", transform=ax2.transAxes, ha="center",
                               va="bottom", fontsize=10)

        # the points are drawn again over the shaded region, which moves beneath them
        self.moving = [self.curve, self.threshold, self.point, self.text, self.title1,
                       self.region, self.points, self.line, self.title2]
        for artist in self.moving:
            artist.set_animated(animated)

    def update(self, w, b: float, activation: str = "relu") -> bool:
        """Move everything to the new weights, bias and activation.

        Returns True when the still background changed too (a new activation has its own
        y-range), so a saved background must be drawn again.
        """
        w = np.asarray(w, dtype=np.float64)
        b = float(b)
        curve = neuron_response(self.xs, w[:1], b, activation)
        point = neuron_response(np.array([self.x_point]), w[:1], b, activation)
        self.curve.set_ydata(curve.a)
        self.threshold.set_visible(bool(w[0] != 0))
        if w[0] != 0:
            self.threshold.set_xdata([-b / w[0]] * 2)
        self.point.set_ydata(point.a)
        # filled orange when the neuron fires, hollow when it is silent: told apart by shape as
        # well as colour, so the picture also works for colour-blind readers
        self.point.set_markeredgecolor("tab:orange" if point.fires[0] else "0.3")
        self.point.set_markerfacecolor("tab:orange" if point.fires[0] else "white")
        state = "fires" if point.fires[0] else "silent"
        threshold = f"{-b / w[0] + 0.0:.2f}" if w[0] != 0 else "none (w1 = 0)"  # no "-0.00"
        self.text.set_text(
            f"x = {self.x_point}: w1·x = {point.weighted_sum[0]:+.2f}\n"
            f"z = w1·x + b = {point.z[0]:+.2f}\n"
            f"a = {activation}(z) = {point.a[0]:.2f} ({state})\n"
            f"threshold: x = {threshold}"
        )
        self.title1.set_text(f"one input: a = {activation}(w1·x + b), w1 = {w[0]:.2f}, "
                             f"b = {b:.2f}")

        self.region.set_xy(firing_region(w, b, self.xlim, self.ylim))
        if np.any(w != 0):
            x1, x2 = decision_line(w, b, self.xlim, self.ylim)
            self.line.set_data(x1, x2)
        else:
            self.line.set_data([], [])
        counts = side_counts(neuron_response(self.X, w, b).fires, self.y)

        def per_class(row):
            return ", ".join(f"class {k}: {n}" for k, n in enumerate(row))

        self.title2.set_text(
            f"fires (shaded): {per_class(counts[1])}\nsilent: {per_class(counts[0])}"
        )
        changed = activation != self.activation
        if changed:
            self.ax1.set_ylim(*_BIAS_YLIM[activation])
            self.activation = activation
        return changed


def plot_bias_threshold(X, y, w, b, activation: str = "relu", axes=None, x_point: float = -0.35):
    """Draw one 2-input neuron: along x1 on the left, over the data plane on the right.

    Left: ``a = g(w1*x + b)`` over x (the neuron seen along the x1 axis, with x2 = 0), the
    threshold ``x = -b/w1`` as a dashed line, and the point ``x = x_point`` with its numbers.
    Right: the points ``X`` (N, 2) coloured by ``y`` (N,), the line ``w1*x1 + w2*x2 + b = 0``
    and the shaded region where the neuron fires; the title counts the points on each side.
    Returns the two axes. The static version of ``bias_explorer``
    (``notebooks/02_architecture.ipynb``).
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4))
    view = _BiasView(axes, X, y, x_point=x_point)
    view.update(w, b, activation)
    return axes


def bias_explorer(X, y, w=(1.0, 1.0), b: float = 0.0, activation: str = "relu"):
    """Sliders for one neuron's bias and two weights, redrawing ``plot_bias_threshold``.

    X: (N, 2) points, y: (N,) their classes. The slider described ``"bias"`` moves the
    threshold: watch the point x = -0.35 start firing when the bias passes 0.35, and the line
    slide across the data without turning. Nothing is trained, so every slider redraws while it
    moves (``continuous_update=True``). The returned box has the CSS class
    ``dlcore-bias-explorer``. Introduced in ``notebooks/02_architecture.ipynb``.

    Speed: a new figure with ``plt.show()`` for every slider step takes a few hundred
    milliseconds, too slow to follow a moving slider. So the figure is built once, outside
    pyplot; its still parts (axes, ticks, labels) are drawn once and kept as a picture, and each
    change draws only the moving parts on top of it and shows the result as a PNG in the
    fixed-height ``Output``.
    """
    import io

    import ipywidgets as widgets
    from IPython.display import Image, display
    from matplotlib import image as mpimage
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
        raise ValueError(
            f"bias_explorer: expected X of shape (N, 2) and y of shape (N,), received "
            f"{X.shape} and {y.shape}."
        )
    w = np.asarray(w, dtype=np.float64)

    def slider(description, value):
        return widgets.FloatSlider(value=value, min=-3.0, max=3.0, step=0.05,
                                   description=description, continuous_update=True,
                                   readout_format=".2f")

    bias = slider("bias", float(b))
    w1 = slider("w1", float(w[0]))
    w2 = slider("w2", float(w[1]))
    act = widgets.Dropdown(options=list(ACTIVATION_NAMES), value=activation,
                           description="activation")
    out = widgets.Output(layout=widgets.Layout(height="340px"))

    # a figure outside pyplot: never shown twice by the notebook, never left open
    fig = Figure(figsize=(10, 4), dpi=80)
    canvas = FigureCanvasAgg(fig)
    view = _BiasView(fig.subplots(1, 2), X, y, animated=True)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.84, wspace=0.22)
    state = {"background": None}

    def redraw(change=None):
        # Everything happens inside `with out:`, so that if anything goes wrong the error is
        # shown under the sliders, where the learner is looking, not only in the log console.
        with out:
            if view.update((w1.value, w2.value), bias.value, act.value) \
                    or not state["background"]:
                canvas.draw()  # the still parts only: the moving ones are animated
                state["background"] = canvas.copy_from_bbox(fig.bbox)
            canvas.restore_region(state["background"])
            for artist in view.moving:
                artist.axes.draw_artist(artist)
            buffer = io.BytesIO()
            mpimage.imsave(buffer, np.asarray(canvas.buffer_rgba()), format="png",
                           pil_kwargs={"compress_level": 1})
            out.clear_output(wait=True)
            display(Image(data=buffer.getvalue(), format="png"))

    for control in (bias, w1, w2, act):
        control.observe(redraw, names="value")
    redraw()
    return explorer_box([widgets.HBox([bias, w1, w2]), act, out], "dlcore-bias-explorer",
                        what="sliders")


# =================================================================================================
# Learning rate (06_optimizer)
# =================================================================================================


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
    from .optim import SGD, Adagrad, Adam, RMSprop

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
    from .module import Parameter

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


def learning_rate_explorer(optimizer_name: str = "SGD", lr: float = 0.1,
                           surface_name: str = "bowl"):
    """Widget: a log-scale learning-rate slider, an optimizer menu and a surface menu.

    Shows the path of the two parameters on the loss surface and the loss after every step
    (``notebooks/06_optimizer.ipynb``). Too small a learning rate crawls, a good one reaches the
    bottom, too large a one oscillates or diverges, and the plot says so in words. The work is
    done by ``optimize_on_surface``; the slider's description is "learning rate".
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from . import viz

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
    out = widgets.Output(layout=widgets.Layout(height="400px"))

    def draw(change=None):
        with out:  # inside, so that an error would show under the widget
            run = optimize_on_surface(surface_menu.value, optimizer_menu.value, lr_slider.value)
            out.clear_output(wait=True)
            fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
            viz.plot_surface_runs(SURFACES[run.surface], [run], axes=axes)
            fig.tight_layout()
            plt.show()

    for control in (lr_slider, optimizer_menu, surface_menu):
        control.observe(draw, names="value")
    draw()
    return explorer_box([widgets.HBox([lr_slider, optimizer_menu, surface_menu]), out],
                        "dlcore-learning-rate-explorer", what="slider")


# =================================================================================================
# Batch size (07_training_loop)
# =================================================================================================


@dataclass
class BatchSizeRun:
    """The result of ``train_with_batch_size``: what one batch size did to a short training run.

    batch_size : int
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
        Wall-clock seconds per epoch, measured on this machine (it varies from run to run).
    """

    batch_size: int
    num_samples: int
    iterations_per_epoch: int
    batch_loss: np.ndarray
    epoch_loss: np.ndarray
    epoch_time: np.ndarray


def train_with_batch_size(batch_size: int, X, y, epochs: int = 3, seed=0, hidden: int = 32,
                          lr: float = 0.1) -> BatchSizeRun:
    """Train a small classifier for a few epochs with one batch size (the batch-size widget).

    The model is ``Dense(D, hidden) -> ReLU -> Dense(hidden, K)`` with ``SoftmaxCrossEntropy``
    and plain ``SGD(lr)``, trained by ``dlcore.train.fit``; the same ``seed`` gives the same
    starting weights and the same shuffling for every batch size, so only the batch size
    differs between two runs (``notebooks/07_training_loop.ipynb``).

    X: (N, D) features, y: (N,) integer labels 0..K-1. At ``batch_size=1`` there are N updates
    per epoch, each with the overhead of a Python step, so on the digits training split
    (N = 1078) three epochs take a few tenths of a second; that is why the run is short.
    """
    from .activations import ReLU
    from .layers import Dense
    from .losses import SoftmaxCrossEntropy
    from .module import Sequential
    from .optim import SGD
    from .rng import as_generator
    from .train import fit

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
    history = fit(model, loss, SGD(model.parameters(), lr=lr), X, y,
                  epochs=epochs, batch_size=int(batch_size), seed=rng, progress=False)
    return BatchSizeRun(int(batch_size), len(X), history.iterations_per_epoch,
                        np.array(history.batch_loss), np.array(history.loss),
                        np.array(history.epoch_time))


def batch_size_choices(n: int) -> list[int]:
    """The batch sizes the widget offers: 1, 2, 4, 8, ... (powers of two below n), then n."""
    choices = [2**k for k in range(int(np.log2(n)) + 1) if 2**k < n]
    return choices + [int(n)]


def batch_size_explorer(X, y, epochs: int = 3, seed=0, batch_size: int = 64):
    """Widget: a "batch size" slider from 1 to N; trains for ``epochs`` epochs at each choice.

    Shows iterations per epoch, the loss of every mini-batch, the loss per epoch and the
    wall time per epoch (``notebooks/07_training_loop.ipynb``). The work is done by
    ``train_with_batch_size``; the slider (a ``SelectionSlider`` over ``batch_size_choices``)
    has the description "batch size" and runs when released.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from . import viz

    choices = batch_size_choices(len(X))
    if batch_size not in choices:
        batch_size = choices[len(choices) // 2]
    slider = widgets.SelectionSlider(
        options=choices, value=batch_size, description="batch size", continuous_update=False,
        style={"description_width": "initial"}, layout=widgets.Layout(width="500px"),
    )
    out = widgets.Output(layout=widgets.Layout(height="380px"))

    def draw(change=None):
        with out:  # inside, so that an error would show under the widget
            run = train_with_batch_size(slider.value, X, y, epochs=epochs, seed=seed)
            out.clear_output(wait=True)
            fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
            viz.plot_batch_size_run(run, axes=axes)
            fig.tight_layout()
            plt.show()

    slider.observe(draw, names="value")
    draw()
    return explorer_box([slider, out], "dlcore-batch-size-explorer", what="slider")
