"""Pictures: Architecture: network diagrams, activations, decision boundaries (02_architecture).

matplotlib is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import numpy as np

from .common import COLORS, NEGATIVE, POSITIVE, RIGHT, _axes, describe, next_series_style, num


def network_weights(model_or_weights) -> list:
    """The weight matrices of a network, first layer first: each (D_in, D_out).

    Accepts a ``Sequential`` (its ``Dense`` layers' ``W``, other layers skipped), a single
    ``Dense`` layer, or a list of 2-D arrays. Consecutive matrices must fit:
    ``W[i].shape[1] == W[i + 1].shape[0]``.
    """
    if hasattr(model_or_weights, "layers"):
        layers = list(model_or_weights.layers)
    elif hasattr(model_or_weights, "W"):
        layers = [model_or_weights]
    else:
        layers = None
    if layers is not None:
        weights = [np.asarray(layer.W.value) for layer in layers
                   if hasattr(layer, "W") and np.ndim(layer.W.value) == 2]
    else:
        try:
            weights = [np.asarray(W, dtype=float) for W in model_or_weights]
        except TypeError:
            weights = []
    if not weights or any(W.ndim != 2 for W in weights):
        raise ValueError(
            f"network_weights: expected a Sequential with Dense layers, a Dense layer or a list "
            f"of 2-D weight matrices (D_in, D_out), received {type(model_or_weights).__name__}."
        )
    for i in range(len(weights) - 1):
        if weights[i].shape[1] != weights[i + 1].shape[0]:
            raise ValueError(
                f"network_weights: expected matrix {i + 1} to have {weights[i].shape[1]} rows "
                f"(the outputs of matrix {i}), received shape {weights[i + 1].shape}. Hint: each "
                f"W is (D_in, D_out), so consecutive shapes must chain like (3, 4), (4, 2)."
            )
    return weights


def draw_network(model_or_weights, ax=None, input_names=None, output_names=None,
                 show_values: bool = False, title=None):
    """Draw a fully connected network: a circle per neuron, a line per weight.

    Each line joins an input of a layer to one of its neurons; its colour and style give the
    weight's sign (solid blue positive, dashed red negative) and its width the weight's size
    ``|w|``, so the strong connections stand out. ``model_or_weights`` is a ``Sequential`` (its
    ``Dense`` weights are drawn), a ``Dense`` layer or a list of matrices ``W`` of shape
    (D_in, D_out).
    ``show_values=True`` writes each weight on its line (readable for small networks only).
    Returns the axes; ``ax.collections`` holds one group of lines per weight matrix and
    ``ax.patches`` one circle per neuron. Introduced in ``notebooks/02_architecture.ipynb``.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

    weights = network_weights(model_or_weights)
    sizes = [weights[0].shape[0]] + [W.shape[1] for W in weights]
    biggest = max(sizes)
    ax = _axes(ax, figsize=(1.8 * len(sizes) + 1, max(3.0, 0.55 * min(biggest, 16) + 1.5)))
    spacing = min(1.0, 10.0 / max(biggest - 1, 1))
    radius = min(0.2, 0.38 * spacing)
    step = max(1.6, 0.45 * (biggest - 1) * spacing)  # wider apart for tall layers
    # neuron j of layer i sits at x = step * i, centred vertically
    positions = [np.column_stack([np.full(n, step * i), ((n - 1) / 2 - np.arange(n)) * spacing])
                 for i, n in enumerate(sizes)]
    largest = max(float(np.abs(W).max()) for W in weights) or 1.0
    for i, W in enumerate(weights):
        src, dst = positions[i], positions[i + 1]
        segments = [[src[j], dst[k]] for j in range(W.shape[0]) for k in range(W.shape[1])]
        values = W.reshape(-1)  # row-major: the same (j, k) order as the segments
        colours = np.where(values >= 0, POSITIVE, NEGATIVE)
        styles = ["solid" if v >= 0 else (0, (3, 1.5)) for v in values]  # sign without colour
        widths = 0.4 + 4.0 * np.abs(values) / largest
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=widths,
                                         linestyles=styles, alpha=0.75, zorder=1))
        if show_values:
            for (p, q), v in zip(segments, values, strict=True):
                where = p + 0.45 * (q - p)
                ax.text(where[0], where[1], f"{v:.2f}", fontsize=7, ha="center", va="center",
                        zorder=3, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    last = len(sizes) - 1
    for i, pos in enumerate(positions):
        face = "#e0e0e0" if i == 0 else ("#c9e7c9" if i == last else "white")
        for j, (x, y) in enumerate(pos):
            ax.add_patch(Circle((x, y), radius, facecolor=face, edgecolor="black", zorder=2))
            if i == 0 and biggest <= 16:
                name = input_names[j] if input_names is not None else f"x{j + 1}"
                ax.text(x - radius - 0.08, y, name, ha="right", va="center", fontsize=9)
            if i == last and biggest <= 16:
                name = output_names[j] if output_names is not None else f"ŷ{j + 1}"
                ax.text(x + radius + 0.08, y, name, ha="left", va="center", fontsize=9)
        if i == 0:
            caption = f"input layer\n{sizes[i]} inputs"
        elif i == last:
            caption = f"output layer\n{sizes[i]} neuron" + ("s" if sizes[i] > 1 else "")
        else:
            caption = f"hidden layer {i}\n{sizes[i]} neurons"
        bottom = -(biggest - 1) / 2 * spacing - 0.45
        ax.text(step * i, bottom, caption, ha="center", va="top", fontsize=9)
    ax.legend(handles=[Line2D([], [], color=POSITIVE, lw=2.5, label="positive weight"),
                       Line2D([], [], color=NEGATIVE, lw=2.5, ls=(0, (3, 1.5)),
                              label="negative weight")],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=8, frameon=False,
              title="line width = size of the weight", title_fontsize=8)
    half = (biggest - 1) / 2 * spacing
    ax.set_xlim(-0.8, step * last + 0.8)
    ax.set_ylim(-half - 1.0, half + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    every = np.concatenate([W.ravel() for W in weights])
    hidden = [f"a hidden layer of {n} neurons" for n in sizes[1:-1]]
    layers = ", ".join([f"{sizes[0]} inputs", *hidden,
                        f"{sizes[-1]} output neuron{'s' * bool(sizes[-1] != 1)}"])
    describe(ax, f"{title + ': ' if title else ''}a network diagram, {layers}, every neuron "
                 f"joined to every input of its layer: {every.size} weights, "
                 f"{int((every >= 0).sum())} positive (solid blue lines) and "
                 f"{int((every < 0).sum())} negative (dashed red lines), the largest of size "
                 f"{num(np.abs(every).max())}, drawn thickest.")
    return ax


def plot_activation(layer, z=None, ax=None, title=None):
    """Plot an activation ``a = g(z)`` and its derivative ``g'(z)``, both from the layer itself.

    The derivative comes from the layer's own ``backward`` with ``dout = 1``: by the chain rule
    backward returns ``dout * g'(z)``, so with ones it returns ``g'(z)`` itself. ``layer`` is an
    elementwise dlcore activation (``Identity``, ``Sigmoid``, ``Tanh``, ``ReLU``, ``LeakyReLU``);
    ``z`` defaults to 401 points in [-4, 4]. Returns the axes, with the curve first and the
    derivative (dashed) second in ``ax.lines``. Introduced in ``notebooks/02_architecture.ipynb``.
    """
    if type(layer).__name__ == "Softmax":
        raise ValueError(
            "plot_activation: expected an elementwise activation (Identity, Sigmoid, Tanh, ReLU, "
            "LeakyReLU), received Softmax, which mixes the scores of a whole row. Hint: use "
            "plot_softmax(z) to draw it."
        )
    if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
        raise TypeError(
            f"plot_activation: expected a dlcore activation layer such as Sigmoid(), received "
            f"{type(layer).__name__}."
        )
    z = np.linspace(-4, 4, 401) if z is None else np.asarray(z, dtype=np.float64)
    a = layer.forward(z)
    da = layer.backward(np.ones_like(a))
    ax = _axes(ax, figsize=(4, 3))
    ax.plot(z, a, lw=2, color=COLORS["blue"], label="g(z)")
    ax.plot(z, da, lw=2, ls="--", color=COLORS["orange"], label="g'(z)  (slope)")
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(0, color="gray", lw=0.5)
    ax.set_xlabel("z")
    ax.set_title(title if title is not None else type(layer).__name__)
    ax.legend(fontsize=8, loc="upper left")
    a, da = np.asarray(a, dtype=np.float64), np.asarray(da, dtype=np.float64)
    describe(ax, f"{title if title is not None else type(layer).__name__}: the activation "
                 f"g(z), solid, and its slope g'(z), dashed, for z from {num(z[0])} to "
                 f"{num(z[-1])}; g(z) goes from {num(a[0])} to {num(a[-1])} (at z = 0: "
                 f"{num(np.interp(0.0, z, a))}), the slope from {num(da[0])} to {num(da[-1])}, "
                 f"largest {num(da.max())}.")
    return ax


def plot_softmax(z, ax=None, class_names=None, title=None):
    """Bars of a row of scores ``z`` (K,) next to their softmax probabilities (summing to 1).

    The probabilities keep the order of the scores; the gaps between scores decide how sure the
    result is. Returns the axes (2K bars in ``ax.patches``: scores first, then probabilities).
    Introduced in ``notebooks/02_architecture.ipynb``.
    """
    from dlcore.activations import softmax

    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 1:
        raise ValueError(
            f"plot_softmax: expected one row of scores of shape (K,), received shape {z.shape}."
        )
    p = softmax(z)
    K = len(z)
    names = class_names if class_names is not None else [f"class {k}" for k in range(K)]
    ax = _axes(ax, figsize=(5, 3))
    x = np.arange(K)
    ax.bar(x - 0.2, z, width=0.4, color="#bbbbbb", label="score z")
    ax.bar(x + 0.2, p, width=0.4, color=RIGHT, hatch="//", edgecolor="white",
           label="softmax(z)")
    for k in range(K):
        ax.text(x[k] - 0.2, z[k], f"{z[k]:.2f}", ha="center",
                va="bottom" if z[k] >= 0 else "top", fontsize=8)
        ax.text(x[k] + 0.2, p[k], f"{p[k]:.2f}", ha="center", va="bottom", fontsize=8)
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xticks(x)
    ax.set_xticklabels(names)
    ax.legend(fontsize=8)
    ax.set_title(title if title is not None else "softmax: scores -> probabilities (sum 1)")
    describe(ax, "Bars of each class's score z, grey, beside its softmax probability, hatched: "
             + ", ".join(f"{n} {z[k]:.2f} -> {p[k]:.2f}" for k, n in enumerate(names))
             + " (the probabilities sum to 1).")
    return ax


def plot_decision_boundary(predict, X, y, ax=None, resolution: int = 200, padding: float = 0.5,
                           title=None):
    """Colour the plane by the class a model predicts there, and draw the data on top.

    ``predict`` maps points (M, 2) to class labels (M,) (or (M, 1)); ``X`` (N, 2) and ``y`` (N,)
    are the data. The border between the coloured regions is the model's decision boundary:
    a straight line for a single neuron, a bent one for a network with a hidden layer.
    Returns the axes. Introduced in ``notebooks/02_architecture.ipynb``.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
        raise ValueError(
            f"plot_decision_boundary: expected X of shape (N, 2) and y of shape (N,), received "
            f"{X.shape} and {y.shape}."
        )
    lo = X.min(axis=0) - padding
    hi = X.max(axis=0) + padding
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    if X.dtype.kind == "f":
        grid = grid.astype(X.dtype)
    labels = np.asarray(predict(grid))
    if labels.size != grid.shape[0]:
        raise ValueError(
            f"plot_decision_boundary: expected predict to return one label per point, shape "
            f"({grid.shape[0]},), received shape {labels.shape}. Hint: for class scores (M, K) "
            f"return scores.argmax(axis=1)."
        )
    labels = labels.reshape(g1.shape)
    K = int(max(labels.max(), y.max())) + 1
    ax = _axes(ax, figsize=(4.5, 4))
    ax.contourf(g1, g2, labels, levels=np.arange(K + 1) - 0.5, cmap="coolwarm", alpha=0.3,
                vmin=0, vmax=max(K - 1, 1))
    for i, k in enumerate(np.unique(y)):  # a marker per class as well as a colour
        ax.scatter(X[y == k, 0], X[y == k, 1], c=y[y == k], cmap="coolwarm", vmin=0,
                   vmax=max(K - 1, 1), s=16, marker="os^D"[i % 4], edgecolors="k",
                   linewidths=0.3)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    # the predicted class at each data point: that of its nearest grid point (no second call)
    col = np.rint((X[:, 0] - lo[0]) / (hi[0] - lo[0]) * (resolution - 1)).astype(int)
    row = np.rint((X[:, 1] - lo[1]) / (hi[1] - lo[1]) * (resolution - 1)).astype(int)
    right = float(np.mean(labels[row, col] == y))
    describe(ax, f"{title + ': ' if title else ''}the plane x1, x2 coloured by the class the "
                 f"model predicts there ({K} classes, blue to red), with the {len(y)} data "
                 f"points on top in the colour and marker of their true class"
                 + f"; {right:.0%} of the points lie in the region of their class.")
    return ax


def plot_layer_histograms(outputs, axes=None, bins: int = 40, value_range=None, label=None,
                          color="tab:blue", layer_numbers=None):
    """One histogram per layer of the values a layer outputs: does the signal survive depth?

    ``outputs`` is a list of arrays, the activations after layer 1, 2, ...; each is drawn in its
    own axes of ``axes`` (a new row of axes if None), titled with its standard deviation. Values
    piling up at 0 mean the signal is fading; piling up at the ends of tanh's range (-1, 1)
    means the neurons are saturated. ``label`` goes on the first axes' y label;
    ``layer_numbers`` names the layers in the titles when ``outputs`` is a selection (default
    1, 2, ...). Returns the axes. Introduced in ``notebooks/02_architecture.ipynb``
    (initialisation).
    """
    import matplotlib.pyplot as plt

    outputs = [np.asarray(o, dtype=np.float64) for o in outputs]
    if not outputs:
        raise ValueError("plot_layer_histograms: expected a list of layer outputs, received [].")
    if axes is None:
        _, axes = plt.subplots(1, len(outputs), figsize=(2.2 * len(outputs), 2.2), sharey=True)
    axes = np.atleast_1d(axes)
    if len(axes) < len(outputs):
        raise ValueError(
            f"plot_layer_histograms: expected at least {len(outputs)} axes (one per layer), "
            f"received {len(axes)}."
        )
    if value_range is None:
        value_range = (min(o.min() for o in outputs), max(o.max() for o in outputs))
        if value_range[0] == value_range[1]:
            value_range = (value_range[0] - 1, value_range[1] + 1)
    if layer_numbers is None:
        layer_numbers = range(1, len(outputs) + 1)
    for ax, o, number in zip(axes, outputs, layer_numbers, strict=False):
        ax.hist(o.ravel(), bins=bins, range=value_range, color=color)
        ax.set_title(f"layer {number}\nstd {o.std():.3g}", fontsize=9)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    if label:
        axes[0].set_ylabel(label)
    stds = ", ".join(f"layer {n} {num(o.std())}" for o, n in zip(outputs, layer_numbers,
                                                                 strict=False))
    describe(axes[0], f"{label + ': ' if label else ''}histograms of the values that "
                      f"{len(outputs)} layers output, one panel per layer, values from "
                      f"{num(value_range[0])} to {num(value_range[1])}; their standard "
                      f"deviations: {stds}.")
    return axes


def plot_fits(x, y, curves, ax=None, title=None):
    """Data points and the curves fitted to them: ``curves`` maps a label to ``(x_curve, y_curve)``.

    Used to compare models of different sizes (under- and overfitting) and losses (MSE against
    Huber with an outlier). Returns the axes: one line per curve in ``ax.lines``, the points in
    ``ax.collections``. Introduced in ``notebooks/02_architecture.ipynb``.
    """
    ax = _axes(ax, figsize=(4.5, 3.5))
    ax.scatter(np.asarray(x), np.asarray(y), color="black", s=18, zorder=3, label="data")
    for label, (xc, yc) in curves.items():
        ax.plot(np.asarray(xc), np.asarray(yc), lw=2, label=label, markersize=5,
                **next_series_style(ax, n_points=len(xc)))
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    x = np.asarray(x, dtype=np.float64)
    describe(ax, f"{title + ': ' if title else ''}{x.size} data points, x from {num(x.min())} to "
                 f"{num(x.max())}, and {len(curves)} fitted curve{'s' * bool(len(curves) != 1)}: "
                 + "; ".join(f"{label}, from {num(np.asarray(yc)[0])} to "
                             f"{num(np.asarray(yc)[-1])}" for label, (_, yc) in curves.items())
                 + ".")
    return ax


