"""Widgets: Bias as a threshold (02_architecture).

See ``dlcore.course.interactive`` for how a widget is split in two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import explorer_box

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
        from dlcore.activations import sigmoid

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
        # one marker per class as well as one colour, for readers who do not tell the colours apart
        lo, hi = float(self.y.min()), float(max(self.y.max(), self.y.min() + 1))
        self.points = [ax2.scatter(self.X[self.y == k, 0], self.X[self.y == k, 1],
                                   c=self.y[self.y == k], cmap="coolwarm", vmin=lo, vmax=hi,
                                   s=16, marker="os^D"[i % 4], edgecolors="k", linewidths=0.3,
                                   zorder=2) for i, k in enumerate(np.unique(self.y))]
        (self.line,) = ax2.plot([], [], color="black", lw=2, zorder=3)
        ax2.set_xlim(*self.xlim)
        ax2.set_ylim(*self.ylim)
        ax2.set_xlabel("x1")
        ax2.set_ylabel("x2")
        self.title2 = ax2.text(0.5, 1.02, "", transform=ax2.transAxes, ha="center",
                               va="bottom", fontsize=10)

        # the points are drawn again over the shaded region, which moves beneath them
        self.moving = [self.curve, self.threshold, self.point, self.text, self.title1,
                       self.region, *self.points, self.line, self.title2]
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


def bias_summary(X, y, w, b, activation: str = "relu", x_point: float = -0.35) -> str:
    """One sentence saying what ``plot_bias_threshold`` shows: the picture's alt text.

    What a reader who cannot see the panels needs: the weights, bias and activation, what the
    neuron does at ``x = x_point`` (weighted sum, z, a, fires or silent), its threshold, and how
    many points of each class it fires for. X: (N, 2), y: (N,), w: (2,).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    w = np.asarray(w, dtype=np.float64)
    point = neuron_response(np.array([float(x_point)]), w[:1], b, activation)
    threshold = f"x = {-b / w[0] + 0.0:.2f}" if w[0] != 0 else "none (w1 = 0)"
    counts = side_counts(neuron_response(X, w, b).fires, y)

    def per_class(row):
        return ", ".join(f"class {k}: {n}" for k, n in enumerate(row))

    return (
        f"One neuron, a = {activation}(w1·x1 + w2·x2 + b) with w1 = {w[0]:.2f}, w2 = "
        f"{w[1]:.2f}, b = {b:.2f}. Left, along x1: at x = {x_point} the weighted sum is "
        f"{point.weighted_sum[0]:+.2f}, z = {point.z[0]:+.2f}, a = {point.a[0]:.2f}, so it "
        f"{'fires' if point.fires[0] else 'is silent'}; threshold {threshold}. Right, over the "
        f"{len(X)} points: it fires (shaded side of the line) for {int(counts[1].sum())} "
        f"({per_class(counts[1])}) and is silent for {int(counts[0].sum())} "
        f"({per_class(counts[0])})."
    )


def plot_bias_threshold(X, y, w, b, activation: str = "relu", axes=None, x_point: float = -0.35):
    """Draw one 2-input neuron: along x1 on the left, over the data plane on the right.

    Left: ``a = g(w1*x + b)`` over x (the neuron seen along the x1 axis, with x2 = 0), the
    threshold ``x = -b/w1`` as a dashed line, and the point ``x = x_point`` with its numbers.
    Right: the points ``X`` (N, 2) coloured and marked by ``y`` (N,), the line
    ``w1*x1 + w2*x2 + b = 0`` and the shaded region where the neuron fires; the title counts
    the points on each side.
    Returns the two axes. The static version of ``bias_explorer``
    (``notebooks/02_architecture.ipynb``).
    """
    import matplotlib.pyplot as plt

    from dlcore.course.viz import describe

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4))
    view = _BiasView(axes, X, y, x_point=x_point)
    view.update(w, b, activation)
    describe(axes[0], bias_summary(X, y, np.asarray(w, dtype=np.float64), float(b), activation,
                                   x_point))
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
    fixed-height ``Output``, with ``bias_summary`` as its alt text (what a screen reader reads).
    """
    import io

    import ipywidgets as widgets
    from IPython.display import publish_display_data
    from matplotlib import image as mpimage
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from dlcore.course.viz import png_bundle

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
            summary = bias_summary(X, y, (w1.value, w2.value), bias.value, act.value)
            out.clear_output(wait=True)
            publish_display_data(*png_bundle(buffer.getvalue(), summary))

    for control in (bias, w1, w2, act):
        control.observe(redraw, names="value")
    redraw()
    return explorer_box([widgets.HBox([bias, w1, w2]), act, out], "dlcore-bias-explorer",
                        what="sliders")


