"""Pictures for the course: images, network diagrams, activations, losses, learning curves.

matplotlib is imported here and only here (and in ``interactive.py``), so the core of dlcore
needs NumPy alone. Every function draws on the ``ax`` it is given (or a new one) and returns the
matplotlib object it drew, so a notebook can combine several plots in one figure.
"""

from __future__ import annotations

import textwrap

import numpy as np


def _axes(ax=None, figsize=(5, 4)):
    """Return ``ax`` or a new axes of the given size."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


# =================================================================================================
# Data: images and tables (01_data)
# =================================================================================================


def draw_training_loop(ax=None):
    """The map of the course in one picture: data, architecture and loss, joined by the loop.

    Five boxes in a cycle: a mini-batch of data -> forward propagation (the architecture
    computes y_hat) -> the loss compares y_hat with y -> back propagation (the gradients) ->
    the optimizer updates the weights -> the next mini-batch; one pass over all the batches is
    an epoch. After training, the model predicts on held-out data. Drawn in ``00_start_here``.
    Returns the ``ax``; each box is a patch in ``ax.patches`` and its text in ``ax.texts``.
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    ax = _axes(ax, figsize=(11, 4.4))
    xs, top, bottom = (1.8, 5.5, 9.2), 3.2, 0.6
    boxes = [  # (x centre, y centre, text, colour)
        (xs[0], top, "1. DATA\na mini-batch of\nexamples X and answers y\n(notebook 01)",
         "#9ecae1"),
        (xs[1], top, "2. FORWARD PROPAGATION\nthe ARCHITECTURE turns X\ninto predictions ŷ\n"
         "(notebooks 02, 04)", "#fdd0a2"),
        (xs[2], top, "3. LOSS\none number: how far\nŷ is from the answers y\n"
         "(notebook 03)", "#a1d99b"),
        (xs[2], bottom, "4. BACK PROPAGATION\nhow the loss changes\nwith each weight\n"
         "(notebook 05)", "#fdd0a2"),
        (xs[1], bottom, "5. OPTIMIZER\nnudges every weight\nto lower the loss\n(notebook 06)",
         "#dadaeb"),
    ]
    w, h = 3.1, 1.5
    for x, y, text, colour in boxes:
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                    boxstyle="round,pad=0.05,rounding_size=0.15",
                                    facecolor=colour, edgecolor="0.3"))
        ax.text(x, y, text, ha="center", va="center", fontsize=9)

    def arrow(start, end, **kw):
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16,
                                     color="0.25", linewidth=1.5, **kw))

    gap = 0.07
    arrow((xs[0] + w / 2 + gap, top), (xs[1] - w / 2 - gap, top))
    arrow((xs[1] + w / 2 + gap, top), (xs[2] - w / 2 - gap, top))
    arrow((xs[2], top - h / 2 - gap), (xs[2], bottom + h / 2 + gap))
    arrow((xs[2] - w / 2 - gap, bottom), (xs[1] + w / 2 + gap, bottom))
    arrow((xs[1] - w / 2 - gap, bottom), (xs[0], top - h / 2 - gap),
          connectionstyle="angle,angleA=180,angleB=90")
    ax.text(xs[0] - 0.15, 1.2, "next mini-batch\n(all the batches once\n= one EPOCH;\nrepeat "
            "for many epochs)", ha="right", va="center", fontsize=8, style="italic")
    ax.text(xs[1] + 0.2, (top + bottom) / 2, "THE TRAINING LOOP (notebook 07):\nrepeat 1 to 5 "
            "for every mini-batch", ha="center", va="center", fontsize=9, weight="bold")
    ax.add_patch(FancyBboxPatch((11.4, 1.15), 2.0, 1.5,
                                boxstyle="round,pad=0.05,rounding_size=0.15",
                                facecolor="white", edgecolor="0.3", linestyle="--"))
    ax.text(12.4, 1.9, "AFTER TRAINING\npredict on\nheld-out test data\nit never saw",
            ha="center", va="center", fontsize=9)
    ax.set_xlim(-0.6, 13.6)
    ax.set_ylim(-0.3, 4.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _as_image(image, where: str):
    """Check that ``image`` is (H, W) grey or (H, W, 3|4) colour; return it as an array."""
    img = np.asarray(image)
    if img.ndim == 2 or (img.ndim == 3 and img.shape[2] in (3, 4)):
        return img
    hint = ""
    if img.ndim == 1:
        side = int(round(img.size ** 0.5))
        if side * side == img.size:
            hint = (f" Hint: a flat vector of {img.size} pixels: reshape it first, "
                    f"image.reshape({side}, {side}).")
    raise ValueError(
        f"{where}: expected an image of shape (H, W) or (H, W, 3), received an array of shape "
        f"{img.shape}.{hint}"
    )


def show_image(image, ax=None, title=None, cmap="gray_r", vmin=None, vmax=None):
    """Draw one image: ``image`` (H, W) grey values, or (H, W, 3) red-green-blue (01_data).

    To a computer an image is a grid of numbers, one per pixel; this turns the numbers back
    into the picture. Grey images use ``cmap="gray_r"`` by default, so 0 is white and the
    largest value black, like ink on paper (the digits data set counts ink: 0 .. 16).

    Returns the ``AxesImage`` drawn (its ``get_array()`` holds the numbers).
    """
    img = _as_image(image, "show_image")
    ax = _axes(ax, figsize=(3, 3))
    drawn = ax.imshow(img, cmap=None if img.ndim == 3 else cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    return drawn


def show_pixel_values(image, ax=None, cmap="gray_r", fmt="{:.0f}", fontsize=None, title=None):
    """Draw a grey image with each pixel's number written in its cell (01_data).

    The same 8x8 digit twice, at once: the picture a person sees and the numbers a network
    sees. Rows and columns are numbered from 0, as NumPy indexes them (``image[row, col]``).
    Numbers are written in white on dark cells and in black on light ones.

    image : (H, W) numbers. Returns the ``AxesImage``; the numbers are ``ax.texts`` (H * W).
    """
    img = _as_image(image, "show_pixel_values")
    if img.ndim != 2:
        raise ValueError(
            f"show_pixel_values: expected a grey image of shape (H, W), received shape "
            f"{img.shape}. Hint: show one colour channel at a time, image[:, :, 0]."
        )
    h, w = img.shape
    ax = _axes(ax, figsize=(0.5 * w + 1, 0.5 * h + 1))
    lo, hi = min(float(img.min()), 0.0), float(img.max())
    drawn = ax.imshow(img, cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1)
    middle = (lo + hi) / 2
    size = fontsize or (9 if max(h, w) <= 8 else 6)
    for (r, c), value in np.ndenumerate(img):
        ax.text(c, r, fmt.format(value), ha="center", va="center", fontsize=size,
                color="white" if value > middle else "black")
    ax.set_xticks(range(w))
    ax.set_yticks(range(h))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.tick_params(length=0, labelsize=8)
    if title is not None:
        ax.set_title(title)
    return drawn


def show_image_grid(images, labels=None, ncols=10, cmap="gray_r", label_names=None,
                    size=1.0, title=None):
    """Draw many images in a grid, each with its label above it (01_data, 07_training_loop).

    images : (N, H, W) or (N, H, W, 3). labels : (N,) or None; ``label_names[label]`` is shown
    instead of the number when given. size : inches per image. Returns the ``Figure``.
    """
    import matplotlib.pyplot as plt
    imgs = np.asarray(images)
    if imgs.ndim not in (3, 4) or len(imgs) == 0:
        raise ValueError(
            f"show_image_grid: expected a non-empty stack of images of shape (N, H, W) or "
            f"(N, H, W, 3), received an array of shape {imgs.shape}. Hint: flat rows of 64 "
            f"pixels become images with X.reshape(-1, 8, 8)."
        )
    if labels is not None and len(labels) != len(imgs):
        raise ValueError(
            f"show_image_grid: expected one label per image ({len(imgs)}), received "
            f"{len(labels)} labels."
        )
    n = len(imgs)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * 1.15 * nrows + 0.3),
                             squeeze=False)
    lo, hi = float(imgs.min()), float(imgs.max())
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= n:
            continue
        show_image(imgs[i], ax=ax, cmap=cmap, vmin=lo, vmax=hi)
        if labels is not None:
            label = labels[i]
            text = label_names[int(label)] if label_names is not None else str(label)
            ax.set_title(text, fontsize=10, pad=2)
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_feature_ranges(X, feature_names=None, ax=None, title=None):
    """Each feature's spread as a horizontal bar: where its values lie (01_data).

    X : (N, D). For each feature (one row of the plot): a thin line from the smallest to the
    largest value, a box over the middle half of the values (25th to 75th percentile) and a
    tick at the median. Features measured in different units show at a glance why they are
    scaled. Returns the list of box ``Rectangle`` patches, one per feature (top to bottom).
    """
    from matplotlib.patches import Rectangle

    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(
            f"plot_feature_ranges: expected X of shape (N, D), received shape {X.shape}."
        )
    d = X.shape[1]
    names = list(feature_names) if feature_names is not None else [f"x{j}" for j in range(d)]
    if len(names) != d:
        raise ValueError(
            f"plot_feature_ranges: expected {d} feature names (one per column of X), received "
            f"{len(names)}."
        )
    ax = _axes(ax, figsize=(7, 0.5 * d + 1))
    low, q1, median, q3, high = np.percentile(X, [0, 25, 50, 75, 100], axis=0)
    boxes = []
    for j in range(d):
        y = d - 1 - j  # the first feature on top
        ax.plot([low[j], high[j]], [y, y], color="0.3", linewidth=1)
        box = Rectangle((q1[j], y - 0.3), q3[j] - q1[j], 0.6, facecolor="#9ecae1",
                        edgecolor="0.3")
        ax.add_patch(box)
        boxes.append(box)
        ax.plot([median[j]] * 2, [y - 0.3, y + 0.3], color="black", linewidth=2)
    ax.set_yticks(range(d))
    ax.set_yticklabels(names[::-1])
    ax.set_ylim(-0.7, d - 0.3)
    ax.set_xlabel("value (line: smallest to largest; box: middle half; tick: median)")
    ax.grid(axis="x", alpha=0.3)
    if title is not None:
        ax.set_title(title)
    return boxes

def plot_signal(samples, sampling_rate, ax=None, start=0, show_samples=True, title=None,
                **line_kwargs):
    """Plot a sound as what a computer stores: one number (sample) every 1/sampling_rate s.

    samples : (T,) the numbers; sampling_rate : samples per second (Hz), e.g. 8000;
    start : index of ``samples[0]`` in the whole recording (for a zoomed-in piece). The x axis
    is time in milliseconds. With ``show_samples`` each stored number is drawn as a dot on the
    line, so a zoom shows that the "curve" is only a row of numbers.
    Returns the list of ``Line2D`` drawn (the line, then the dots if shown).
    """
    s = np.asarray(samples)
    if s.ndim != 1 or len(s) == 0:
        raise ValueError(
            f"plot_signal: expected samples of shape (T,), received an array of shape {s.shape}."
        )
    if not sampling_rate > 0:
        raise ValueError(
            f"plot_signal: expected a positive sampling_rate in Hz, received {sampling_rate!r}."
        )
    ax = _axes(ax, figsize=(8, 3))
    t_ms = (start + np.arange(len(s))) / sampling_rate * 1000
    lines = ax.plot(t_ms, s, **{"linewidth": 1, **line_kwargs})
    if show_samples:
        lines += ax.plot(t_ms, s, "o", markersize=3, color=lines[0].get_color())
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("value")
    ax.grid(alpha=0.3)
    if title is not None:
        ax.set_title(title)
    return lines


def plot_class_balance(splits, class_names=None, ax=None, title=None):
    """Grouped bars: the share of each class in each split (01_data).

    splits : dict name -> labels (N_s,), e.g. ``{"train": y_train, "val": y_val, "test": y_test}``.
    Shares (percent of the split), not counts, so splits of different sizes can be compared:
    a stratified split gives bars of the same height in every group. The legend gives each
    split's size. Returns the list of ``BarContainer``, one per split.
    """
    if not splits:
        raise ValueError("plot_class_balance: expected a dict of name -> labels, received an "
                         "empty one.")
    arrays = {name: np.asarray(y).astype(np.int64).ravel() for name, y in splits.items()}
    k = max(int(y.max()) for y in arrays.values() if len(y)) + 1
    if class_names is not None:
        k = max(k, len(class_names))
    ax = _axes(ax, figsize=(8, 3))
    width = 0.8 / len(arrays)
    containers = []
    for i, (name, y) in enumerate(arrays.items()):
        share = 100 * np.bincount(y, minlength=k) / max(len(y), 1)
        x = np.arange(k) - 0.4 + width * (i + 0.5)
        containers.append(ax.bar(x, share, width=width, label=f"{name} ({len(y)})"))
    ax.set_xticks(range(k))
    ax.set_xticklabels(class_names if class_names is not None else [str(c) for c in range(k)])
    ax.set_xlabel("class")
    ax.set_ylabel("share of the split (%)")
    ax.legend(title="split (samples)", fontsize=8, title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1))
    if title is not None:
        ax.set_title(title)
    return containers


def show_batches(epochs, num_samples=None, ax=None, title=None):
    """Diagram of mini-batches: one row per epoch, each sample a cell, coloured by batch (01_data).

    epochs : list (one per epoch) of lists of batches, each batch the array of sample numbers
    it holds, in the order served (e.g. ``[[xb.ravel() for xb, _ in loader] for _ in range(3)]``
    with ``X = np.arange(N)``). num_samples : N; samples of ``range(N)`` that an epoch never
    served (``drop_last=True``) are drawn as grey, hatched cells at the end of the row.
    Shows at a glance: every sample once per epoch, a new order each epoch, and the last
    batch smaller (or left out). Returns the ``ax``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if len(epochs) == 0:
        raise ValueError("show_batches: expected at least one epoch, received none.")
    colours = plt.get_cmap("tab10").colors
    width = max(sum(len(b) for b in batches) for batches in epochs)
    if num_samples is not None:
        width = max(width, num_samples)
    ax = _axes(ax, figsize=(max(6, 0.32 * width + 1.5), 0.55 * len(epochs) + 0.8))
    left_out = False
    for row, batches in enumerate(epochs):
        y = len(epochs) - 1 - row
        col = 0
        for b, batch in enumerate(batches):
            ids = np.asarray(batch).ravel()
            if row == 0:  # name the batches above the first epoch
                ax.text(col + len(ids) / 2, y + 1.05, f"batch {b + 1}", ha="center",
                        va="bottom", fontsize=8)
            for sample in ids:
                ax.add_patch(Rectangle((col, y + 0.05), 0.95, 0.9,
                                       facecolor=colours[b % len(colours)], alpha=0.55))
                ax.text(col + 0.47, y + 0.5, str(int(sample)), ha="center", va="center",
                        fontsize=8)
                col += 1
            ax.plot([col - 0.025] * 2, [y, y + 1], color="black", linewidth=1.5)
        if num_samples is not None:
            served = np.concatenate([np.asarray(b).ravel() for b in batches])
            for sample in np.setdiff1d(np.arange(num_samples), served):
                left_out = True
                ax.add_patch(Rectangle((col, y + 0.05), 0.95, 0.9, facecolor="0.9",
                                       hatch="//", edgecolor="0.6"))
                ax.text(col + 0.47, y + 0.5, str(int(sample)), ha="center", va="center",
                        fontsize=8, color="0.4")
                col += 1
    ax.set_xlim(-0.2, width + 0.2)
    ax.set_ylim(0, len(epochs) + 0.3)
    ax.set_yticks(np.arange(len(epochs)) + 0.5)
    ax.set_yticklabels([f"epoch {len(epochs) - i}" for i in range(len(epochs))])
    ax.set_xticks([])
    ax.set_xlabel("order in which the samples are served (the number is the sample"
                  + ("; grey: left out" if left_out else "") + ")")
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    if title is not None:
        ax.set_title(title)
    return ax


# =================================================================================================
# Architecture: network diagrams, activations, decision boundaries (02_architecture)
# =================================================================================================


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

    Each line joins an input of a layer to one of its neurons; its colour gives the weight's sign
    (blue positive, red negative) and its width the weight's size ``|w|``, so the strong
    connections stand out. ``model_or_weights`` is a ``Sequential`` (its ``Dense`` weights are
    drawn), a ``Dense`` layer or a list of matrices ``W`` of shape (D_in, D_out).
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
        colours = np.where(values >= 0, "tab:blue", "tab:red")
        widths = 0.4 + 4.0 * np.abs(values) / largest
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=widths,
                                         alpha=0.75, zorder=1))
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
    ax.legend(handles=[Line2D([], [], color="tab:blue", lw=2.5, label="positive weight"),
                       Line2D([], [], color="tab:red", lw=2.5, label="negative weight")],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=8, frameon=False,
              title="line width = size of the weight", title_fontsize=8)
    half = (biggest - 1) / 2 * spacing
    ax.set_xlim(-0.8, step * last + 0.8)
    ax.set_ylim(-half - 1.0, half + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
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
    ax.plot(z, a, lw=2, color="tab:blue", label="g(z)")
    ax.plot(z, da, lw=2, ls="--", color="tab:orange", label="g'(z)  (slope)")
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(0, color="gray", lw=0.5)
    ax.set_xlabel("z")
    ax.set_title(title if title is not None else type(layer).__name__)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_softmax(z, ax=None, class_names=None, title=None):
    """Bars of a row of scores ``z`` (K,) next to their softmax probabilities (summing to 1).

    The probabilities keep the order of the scores; the gaps between scores decide how sure the
    result is. Returns the axes (2K bars in ``ax.patches``: scores first, then probabilities).
    Introduced in ``notebooks/02_architecture.ipynb``.
    """
    from .activations import softmax

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
    ax.bar(x + 0.2, p, width=0.4, color="tab:green", label="softmax(z)")
    for k in range(K):
        ax.text(x[k] - 0.2, z[k], f"{z[k]:.2f}", ha="center",
                va="bottom" if z[k] >= 0 else "top", fontsize=8)
        ax.text(x[k] + 0.2, p[k], f"{p[k]:.2f}", ha="center", va="bottom", fontsize=8)
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xticks(x)
    ax.set_xticklabels(names)
    ax.legend(fontsize=8)
    ax.set_title(title if title is not None else "softmax: scores -> probabilities (sum 1)")
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
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", vmin=0, vmax=max(K - 1, 1), s=16,
               edgecolors="k", linewidths=0.3)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
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
        ax.plot(np.asarray(xc), np.asarray(yc), lw=2, label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


# =================================================================================================
# Loss (03_loss)
# =================================================================================================


def loss_curve(loss_fn, y_hat, y):
    """The loss and its slope for one sample at each of M candidate predictions: a loss plot.

    ``y_hat`` (M, ...) holds M candidate predictions for one sample each; ``y`` holds their
    targets, (M, ...) or a single target for all (one dimension fewer than ``y_hat``). Each
    candidate is given to ``loss_fn`` (a dlcore loss) as a batch of one, so ``values[i]`` is that
    sample's loss and ``slopes[i] = loss_fn.backward()[0]`` its gradient dL/dy_hat: the direction
    and steepness training follows. Returns ``values`` (M,) and ``slopes`` (same shape as
    ``y_hat``). Introduced in ``notebooks/03_loss.ipynb``.
    """
    y_hat = np.asarray(y_hat, dtype=np.float64)
    y = np.asarray(y)
    if y_hat.ndim == 0:
        raise ValueError(
            f"loss_curve: expected candidate predictions of shape (M, ...), received a scalar "
            f"{float(y_hat)}. Hint: np.linspace(0.01, 0.99, 99) gives 99 candidates."
        )
    if y.ndim == y_hat.ndim - 1:
        y = np.broadcast_to(y, (len(y_hat),) + y.shape)
    if len(y) != len(y_hat):
        raise ValueError(
            f"loss_curve: expected one target per candidate, {len(y_hat)}, or one target for "
            f"all, received y of shape {y.shape} for y_hat of shape {y_hat.shape}."
        )
    values = np.empty(len(y_hat))
    slopes = np.empty_like(y_hat)
    # One call per point of the curve, each on a batch of one sample: a plotting helper, not a
    # training loop (the losses themselves are vectorised over the batch).
    for i in range(len(y_hat)):
        values[i] = loss_fn(y_hat[i : i + 1], y[i : i + 1])
        slopes[i] = loss_fn.backward()[0]
    return values, slopes


def plot_loss_curve(x, values, slopes=None, ax=None, slope_ax=None, label=None, color=None,
                    xlabel="prediction ŷ"):
    """Plot a loss against the prediction on ``ax`` and, if given, its slope on ``slope_ax``.

    ``x`` (M,) are the predictions, ``values`` (M,) the losses and ``slopes`` (M,) dL/dŷ
    (``loss_curve`` computes both). Where the slope is negative, training pushes the prediction
    up; where positive, down; where 0, the prediction stays. Returns the axes of the loss.
    Introduced in ``notebooks/03_loss.ipynb``.
    """
    x = np.asarray(x, dtype=np.float64)
    ax = _axes(ax, figsize=(4, 3))
    (line,) = ax.plot(x, np.asarray(values), lw=2, label=label, color=color)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    if label:
        ax.legend(fontsize=8)
    if slopes is not None and slope_ax is not None:
        slope_ax.plot(x, np.asarray(slopes), lw=2, ls="--", label=label, color=line.get_color())
        slope_ax.axhline(0, color="gray", lw=0.5)
        slope_ax.set_xlabel(xlabel)
        slope_ax.set_ylabel("slope dL/dŷ")
        if label:
            slope_ax.legend(fontsize=8)
    return ax


def plot_class_probabilities(probs, class_names, true_class: int, ax=None, title=None):
    """Bars of a model's class probabilities (K,), the true class in green, and the loss.

    The cross-entropy of one sample is ``-ln p_true``, the minus log of the bar in green; the
    title shows it. Returns the axes (K bars in ``ax.patches``). Introduced in
    ``notebooks/03_loss.ipynb`` (the dog/cat example).
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 1 or len(probs) != len(class_names):
        raise ValueError(
            f"plot_class_probabilities: expected one probability per class name, "
            f"{len(class_names)}, received shape {probs.shape}."
        )
    if not 0 <= true_class < len(probs):
        raise ValueError(
            f"plot_class_probabilities: expected true_class in [0, {len(probs)}), received "
            f"{true_class}."
        )
    ax = _axes(ax, figsize=(3.5, 3))
    colours = ["tab:green" if k == true_class else "#bbbbbb" for k in range(len(probs))]
    ax.bar(np.arange(len(probs)), probs, color=colours)
    for k, p in enumerate(probs):
        ax.text(k, p + 0.02, f"{p:.2f}", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(np.arange(len(probs)))
    ax.set_xticklabels(class_names)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("predicted probability")
    p_true = probs[true_class]
    with np.errstate(divide="ignore"):
        loss = -np.log(p_true)
    ax.set_title(title if title is not None else
                 f"true: {class_names[true_class]}, loss = -ln {p_true:.2f} = {loss:.2f}",
                 fontsize=10)
    return ax


# =================================================================================================
# Forward and back propagation (04, 05)
# =================================================================================================


# The one-neuron computation graph of 05_back_propagation: where each box sits, (x, y) on a
# 13.6 x 4 canvas. Values flow left to right along the middle row; the leaves x, w, b and the
# target y feed in from above and below.
_NEURON_BOXES = {
    "x": (0.7, 3.3), "w": (0.7, 1.5), "u": (3.8, 2.4), "b": (3.8, 0.75),
    "z": (6.8, 2.4), "a": (9.8, 2.4), "y": (9.8, 0.75), "L": (12.9, 2.4),
}
_NEURON_OPS = {  # operation: (position, label, inputs, output)
    "mul": ((2.25, 2.4), "×", ("x", "w"), "u"),
    "add": ((5.3, 2.4), "+", ("u", "b"), "z"),
    "sig": ((8.3, 2.4), "σ", ("z",), "a"),
    "loss": ((11.35, 2.4), "(a−y)²", ("a", "y"), "L"),
}


def draw_neuron_graph(values, grads=None, ax=None):
    """Draw the computation graph of one neuron with a squared-error loss (05_back_propagation).

    The graph is ``u = w·x``, ``z = u + b``, ``a = σ(z)``, ``L = (a − y)²``: a box per number
    (its name and value), a circle per operation, arrows in the direction of the forward pass.
    With ``grads`` each box also shows, in red below it, ∂L/∂(that number): the backward pass
    runs along the same arrows in the other direction.

    Parameters
    ----------
    values : mapping with the numbers ``x, w, b, y, u, z, a, L``.
    grads : mapping, optional
        ∂L/∂(name) for any of those names (``y``, the target, usually has none).
    ax : matplotlib axes, optional

    Returns
    -------
    The axes drawn on.
    """
    from matplotlib.patches import Circle, FancyBboxPatch

    missing = [k for k in _NEURON_BOXES if k not in values]
    if missing:
        raise ValueError(
            f"draw_neuron_graph: expected values for {list(_NEURON_BOXES)}, missing {missing}."
        )
    ax = _axes(ax, figsize=(12, 3.6))
    box_w, box_h, radius = 1.1, 0.75, 0.42
    for name, (x, y) in _NEURON_BOXES.items():
        leaf = name in ("x", "w", "b", "y")
        ax.add_patch(FancyBboxPatch(
            (x - box_w / 2, y - box_h / 2), box_w, box_h, boxstyle="round,pad=0.04",
            facecolor="#e8f0fb" if leaf else "#ffffff", edgecolor="#1f4e8c", linewidth=1.4,
        ))
        ax.text(x, y + 0.13, name, ha="center", va="center", fontsize=12, fontweight="bold")
        ax.text(x, y - 0.17, f"{float(values[name]):.4g}", ha="center", va="center", fontsize=10)
        if grads is not None and name in grads:
            ax.text(x, y - box_h / 2 - 0.2, f"∂L/∂{name} = {float(grads[name]):.4g}",
                    ha="center", va="top", fontsize=9.5, color="#c0392b")
    for (x, y), label, inputs, output in _NEURON_OPS.values():
        ax.add_patch(Circle((x, y), radius, facecolor="#fdf2d0", edgecolor="#8a6d1d",
                            linewidth=1.4))
        ax.text(x, y, label, ha="center", va="center", fontsize=13 if len(label) == 1 else 9)
        for name in inputs:
            bx, by = _NEURON_BOXES[name]
            ax.annotate("", xy=(x, y), xytext=(bx, by),
                        arrowprops={"arrowstyle": "-|>", "color": "#444444", "lw": 1.2,
                                    "shrinkA": 22, "shrinkB": 15})
        ox, oy = _NEURON_BOXES[output]
        ax.annotate("", xy=(ox, oy), xytext=(x, y),
                    arrowprops={"arrowstyle": "-|>", "color": "#444444", "lw": 1.2,
                                "shrinkA": 15, "shrinkB": 22})
    ax.set_xlim(0, 13.6)
    ax.set_ylim(-0.25, 4.0)
    ax.set_aspect("equal")
    ax.axis("off")
    title = "forward pass: values" if grads is None else "backward pass: gradients ∂L/∂· in red"
    ax.set_title(title)
    return ax


def plot_digit_probabilities(image, probs, label=None, axes=None, title=None):
    """An 8x8 digit beside a bar chart of the network's 10 class probabilities (04).

    The tallest bar is the prediction: green if it matches ``label``, red if not (blue when no
    label is given). A dashed line marks 1/10, where every bar of a network that knows nothing
    would sit.

    Parameters
    ----------
    image : (64,) or (8, 8) array
    probs : (K,) probabilities, summing to 1
    label : int, optional, the true class
    axes : pair of axes (image, bars), optional; a new 1 x 2 figure otherwise
    title : str, optional, shown above the bars

    Returns
    -------
    (image artist, bar container)
    """
    import matplotlib.pyplot as plt
    import numpy as np

    probs = np.asarray(probs, dtype=float).ravel()
    image = np.asarray(image, dtype=float)
    side = int(round(np.sqrt(image.size)))
    if side * side != image.size:
        raise ValueError(
            f"plot_digit_probabilities: expected a square image such as (64,) or (8, 8), "
            f"received shape {image.shape}."
        )
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(7, 2.6), layout="constrained",
                               gridspec_kw={"width_ratios": [1, 2.3]})
    ax_img, ax_bar = axes
    im = ax_img.imshow(image.reshape(side, side), cmap="gray_r")
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    if label is not None:
        ax_img.set_title(f"true digit: {int(label)}")
    predicted = int(np.argmax(probs))
    if label is None:
        top = "#1f77b4"
    else:
        top = "#2ca02c" if predicted == int(label) else "#d62728"
    colors = ["#b0b0b0"] * len(probs)
    colors[predicted] = top
    bars = ax_bar.bar(np.arange(len(probs)), probs, color=colors)
    ax_bar.axhline(1 / len(probs), color="#555555", linestyle="--", linewidth=1)
    ax_bar.text(1.01, 1 / len(probs), f"1/{len(probs)}", transform=ax_bar.get_yaxis_transform(),
                va="center", ha="left", fontsize=8, color="#555555")
    ax_bar.set_xticks(np.arange(len(probs)))
    ax_bar.set_ylim(0, 1)
    ax_bar.set_xlabel("class")
    ax_bar.set_ylabel("probability")
    ax_bar.set_title(title if title is not None else f"predicted {predicted}: "
                     f"p = {probs[predicted]:.2f}")
    return im, bars


def plot_gradcheck(result, ax=None):
    """The worst relative error of each tensor of a gradient check, on a log scale (05).

    One horizontal bar per tensor (``result.details`` of ``dlcore.gradcheck``): green if it
    passed, red if not, with the tolerance as a dashed line. A bug in one layer shows as one red
    bar (its ``W`` or ``b``) or, if the bug is in the gradient passed down (dx), as red bars for
    the layers below it.

    Returns the bar container.
    """
    import numpy as np

    details = list(result.details)
    if not details:
        raise ValueError("plot_gradcheck: expected a gradient-check result with details, "
                         "received one with none.")
    ax = _axes(ax, figsize=(6, 0.45 * len(details) + 1.2))
    errors = np.array([max(d.max_rel_error, 1e-16) for d in details])
    colors = ["#2ca02c" if d.passed else "#d62728" for d in details]
    positions = np.arange(len(details))[::-1]
    bars = ax.barh(positions, errors, color=colors, left=0)
    ax.set_xscale("log")
    ax.set_xlim(1e-16, 10)
    ax.set_yticks(positions)
    ax.set_yticklabels([d.name for d in details])
    ax.axvline(result.tolerance, color="#333333", linestyle="--", linewidth=1,
               label=f"tolerance {result.tolerance:.0e}")
    # the line's label above the top bar, where no bar can hide it (a legend would cover one)
    ax.set_ylim(-0.6, len(details) - 0.05)
    ax.text(result.tolerance * 1.8, len(details) - 0.33, f"tolerance {result.tolerance:.0e}",
            ha="left", va="center", fontsize=8, color="#333333")
    ax.set_xlabel("worst relative error (log scale)")
    ax.set_title("gradient check: PASSED" if result.passed else
                 f"gradient check: FAILED (worst at {result.where})")
    return bars


def plot_step_size_errors(h, errors, ax=None):
    """Error of finite-difference estimates against the step ``h``, both on log scales (05).

    ``errors`` maps a label (e.g. "central, float64") to the errors at each ``h``. The lines
    show the two forces at work: for large ``h`` the formula's own error (falling like ``h`` for
    the forward difference, like ``h**2`` for the central one), for tiny ``h`` rounding (rising
    like ``1/h``, much sooner in float32).

    Returns the list of lines.
    """
    import numpy as np

    ax = _axes(ax, figsize=(6, 4))
    h = np.asarray(h, dtype=float)
    lines = []
    for label, err in errors.items():
        err = np.maximum(np.abs(np.asarray(err, dtype=float)), 1e-17)
        lines += ax.loglog(h, err, marker="o", markersize=3, label=label)
    ax.set_xlabel("step h")
    ax.set_ylabel("error of the estimate")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(frameon=False, fontsize=9)
    return lines


# =================================================================================================
# Optimizer: loss surfaces and paths (06_optimizer)
# =================================================================================================


def plot_loss_surface(surface, ax=None, levels: int = 20, cmap: str = "viridis"):
    """Draw a 2-D loss surface as a map: filled contours, contour lines and the lowest point.

    ``surface`` is one of ``dlcore.interactive.SURFACES`` (anything with ``loss(w)`` for
    ``w: (..., 2)``, ``xlim``, ``ylim``, ``minimum`` and ``formula``). Each contour line joins
    points of equal loss, as the lines of a hiking map join points of equal height. The levels
    are spaced evenly on a log scale, so the flat floor of a valley shows as clearly as its
    steep walls. Axes ``w1`` (x) and ``w2`` (y); returns the filled ``QuadContourSet``.
    (``notebooks/06_optimizer.ipynb``.)
    """
    from matplotlib.colors import LogNorm

    ax = _axes(ax, (5, 4))
    W1, W2 = np.meshgrid(np.linspace(*surface.xlim, 150), np.linspace(*surface.ylim, 150))
    L = surface.loss(np.stack([W1, W2], axis=-1))
    top = float(L.max())
    bottom = max(float(L.min()), top * 1e-4)
    level_values = np.geomspace(bottom, top, levels)
    filled = ax.contourf(W1, W2, np.clip(L, bottom, top), levels=level_values, cmap=cmap,
                         norm=LogNorm(bottom, top), alpha=0.85)
    # thin lines without anti-aliasing: as readable, and the PNG in the notebook is 3x smaller
    ax.contour(W1, W2, L, levels=level_values, colors="white", linewidths=0.6, alpha=0.5,
               antialiased=False)
    ax.plot(*surface.minimum, marker="*", markersize=15, color="gold", markeredgecolor="black",
            linestyle="none", label="lowest point", zorder=5)
    ax.set_xlim(*surface.xlim)
    ax.set_ylim(*surface.ylim)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(getattr(surface, "formula", ""))
    return filled


def plot_path(path, ax=None, label: str | None = None, color=None, markersize: float = 3):
    """Draw the path of two parameters, ``path: (k + 1, 2)``, as dots joined by lines.

    Points outside the axes' current limits are moved to the edge (clipped), so a run that
    flies off the map still shows where it left; the start is a square. Returns the ``Line2D``.
    """
    ax = _axes(ax, (5, 4))
    path = np.asarray(path, dtype=np.float64).reshape(-1, 2)
    x0, x1 = sorted(ax.get_xlim())
    y0, y1 = sorted(ax.get_ylim())
    x = np.clip(path[:, 0], x0, x1)
    y = np.clip(path[:, 1], y0, y1)
    (line,) = ax.plot(x, y, "o-", color=color, markersize=markersize, linewidth=1.2,
                      label=label, zorder=4)
    ax.plot(x[0], y[0], "s", color=line.get_color(), markersize=7, markeredgecolor="black",
            zorder=6)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return line


def plot_loss_per_step(losses, ax=None, label: str | None = None, color=None, log: bool = True):
    """Draw the loss after each step (step 0 = the start), on a log scale by default.

    On a log scale, a loss that shrinks by the same factor every step is a straight line, and
    the tiny losses near the end stay visible. Losses of exactly 0 are drawn at 1e-12.
    Returns the ``Line2D``.
    """
    ax = _axes(ax, (5, 4))
    losses = np.asarray(losses, dtype=np.float64)
    shown = np.maximum(losses, 1e-12) if log else losses
    marker = "o" if len(losses) <= 30 else None  # a short run: show every step
    (line,) = ax.plot(np.arange(len(losses)), shown, color=color, label=label, marker=marker,
                      markersize=3)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss" + (" (log scale)" if log else ""))
    ax.grid(True, alpha=0.3)
    return line


def plot_surface_runs(surface, runs, axes=None, labels=None):
    """Two panels: the paths of ``runs`` on the loss surface, and their loss at every step.

    ``runs`` is a list of ``dlcore.interactive.SurfaceRun`` (the result of
    ``optimize_on_surface``). With one run, its ``message`` (crawling, converged, oscillating,
    diverged at step k, ...) is written on the plot; with several, the legend of the runs is on
    the loss panel, so that it hides no path. A diverged run gets a red cross where it left.
    Returns the two axes. (``notebooks/06_optimizer.ipynb`` and its widget.)
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax_map, ax_loss = axes
    plot_loss_surface(surface, ax=ax_map)
    if labels is None:
        labels = [f"{r.optimizer}, lr={r.lr:.3g}" for r in runs]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (run, label) in enumerate(zip(runs, labels, strict=True)):
        color = "tab:red" if len(runs) == 1 else colors[(i + 1) % len(colors)]
        plot_path(run.path, ax=ax_map, label=label if len(runs) == 1 else None, color=color,
                  markersize=3 if len(runs) == 1 else 1.5)
        plot_loss_per_step(run.losses, ax=ax_loss, label=label, color=color)
        if run.diverged:
            x0, x1 = ax_map.get_xlim()
            y0, y1 = ax_map.get_ylim()
            end = run.path[-1]
            ax_map.plot(np.clip(end[0], x0, x1), np.clip(end[1], y0, y1), "X", color="red",
                        markersize=14, markeredgecolor="black", zorder=7)
    ax_map.legend(loc="lower right", fontsize=8, framealpha=0.9)  # the star (and a single run)
    ax_loss.set_xlim(0, max(max(r.steps for r in runs), 1))
    if len(runs) == 1:
        run = runs[0]
        if run.diverged:
            ax_loss.axvline(run.diverged_at, color="red", linestyle="--", linewidth=1)
        ax_loss.set_title(f"{run.optimizer}, learning rate {run.lr:.2g}: {run.outcome}")
        ax_loss.text(0.03, 0.03, textwrap.fill(run.message, 48), transform=ax_loss.transAxes,
                     fontsize=9, va="bottom", ha="left",
                     bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9},
                     color="darkred" if run.diverged else "black")
    else:
        ax_loss.set_title("loss at every step")
        ax_loss.legend(fontsize=8)
    return axes


def plot_surface_paths(surface, runs, axes=None, labels=None, levels: int = 14):
    """One small map per run, each with its own path, and a last panel with every loss curve.

    Several paths on one map hide each other; side by side, each run's path is read on its
    own, and the shared loss panel compares them (``notebooks/06_optimizer.ipynb``: learning
    rates too small, right and too large; the optimizers' race on the valley). Each map is
    titled with the run's label and its ``outcome`` (crawling, converged, oscillating,
    diverged, ...); a diverged run gets a red cross where it left the map.

    Parameters
    ----------
    surface : one of ``dlcore.interactive.SURFACES``
    runs : list of ``SurfaceRun`` (from ``optimize_on_surface``)
    axes : ``len(runs) + 1`` axes, optional: one map per run, then the loss panel. Default: a
        new figure with all of them in one row.
    labels : list of str, optional. Default: "optimizer, lr=...".
    levels : int, the number of contour levels of each map (fewer than a big map: they are small)

    Returns
    -------
    The list of axes (maps first, the loss panel last).
    """
    import matplotlib.pyplot as plt

    if labels is None:
        labels = [f"{r.optimizer}, lr={r.lr:.3g}" for r in runs]
    if axes is None:
        _, axes = plt.subplots(1, len(runs) + 1, figsize=(3.3 * (len(runs) + 1), 2.8),
                               layout="constrained")
    axes = list(np.ravel(axes))
    if len(axes) != len(runs) + 1 or len(labels) != len(runs):
        raise ValueError(
            f"plot_surface_paths: expected {len(runs) + 1} axes (one map per run, then the loss "
            f"panel) and {len(runs)} labels, received {len(axes)} axes and {len(labels)} labels."
        )
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    ax_loss = axes[-1]
    for i, (ax, run, label) in enumerate(zip(axes[:-1], runs, labels, strict=True)):
        color = colors[(i + 1) % len(colors)]  # the same colours as plot_surface_runs
        plot_loss_surface(surface, ax=ax, levels=levels)
        plot_path(run.path, ax=ax, color=color, markersize=2)
        if run.diverged:
            x0, x1 = ax.get_xlim()
            y0, y1 = ax.get_ylim()
            end = run.path[-1]
            ax.plot(np.clip(end[0], x0, x1), np.clip(end[1], y0, y1), "X", color="red",
                    markersize=11, markeredgecolor="black", zorder=7)
        ax.set_title(f"{label}: {run.outcome}", fontsize=10)
        ax.tick_params(labelsize=8)
        plot_loss_per_step(run.losses, ax=ax_loss, label=label, color=color)
    ax_loss.set_xlim(0, max(max(r.steps for r in runs), 1))
    ax_loss.set_title("loss at every step", fontsize=10)
    ax_loss.legend(fontsize=8)
    return axes


# =================================================================================================
# Training: learning curves, predictions, confusion matrix (07_training_loop)
# =================================================================================================


def _curve(history, key: str) -> list:
    """``history.key`` for a ``dlcore.train.History``, or ``history[key]`` for a dict."""
    if isinstance(history, dict):
        return list(history.get(key, []))
    return list(getattr(history, key, []) or [])


def plot_learning_curves(history, axes=None, label: str | None = None, color=None):
    """Learning curves: loss (and accuracy) per epoch, training solid, validation dashed.

    ``history`` is what ``dlcore.train.fit`` returns (or a dict with the same keys: ``loss``,
    ``val_loss``, ``accuracy``, ``val_accuracy``). Two panels when there is an accuracy, else
    one. Call it again with the same ``axes`` and another ``label`` to compare two runs; a run
    with a ``best_epoch`` before its last epoch gets a dotted line there. The gap between the
    two curves is what over- and underfitting are about (``notebooks/07_training_loop.ipynb``).
    Returns the axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    keys = [("loss", "val_loss", "loss")]
    if _curve(history, "accuracy") or _curve(history, "val_accuracy"):
        keys.append(("accuracy", "val_accuracy", "accuracy"))
    if axes is None:
        _, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 3.8), squeeze=False)
        axes = axes[0]
    axes = np.atleast_1d(axes)
    prefix = f"{label}: " if label else ""
    for ax, (train_key, val_key, name) in zip(axes, keys, strict=False):
        train, val = _curve(history, train_key), _curve(history, val_key)
        line = None
        if train:
            (line,) = ax.plot(np.arange(1, len(train) + 1), train, "-", color=color,
                              label=f"{prefix}training")
        if val:
            c = line.get_color() if line is not None else color
            ax.plot(np.arange(1, len(val) + 1), val, "--", color=c, label=f"{prefix}validation")
        best = getattr(history, "best_epoch", None) if not isinstance(history, dict) else None
        if best and val and best < len(val):  # only when training went on past its best
            ax.axvline(best, color=line.get_color() if line is not None else "gray",
                       linestyle=":", linewidth=1)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))  # no epoch 2.5
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    return axes


def plot_digit_predictions(images, y_true, proba, ncols: int = 8, image_shape=(8, 8),
                           axes=None):
    """A grid of images, each titled with the predicted class and its probability.

    images: (n, H*W) or (n, H, W); y_true: (n,) labels; proba: (n, K) predicted probabilities
    (``model.predict_proba(X)``). A right prediction is titled in black ("7  99%"), a mistake
    in red with a red frame and the true class ("3  62% (is 8)"). Returns the axes array.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    proba = np.asarray(proba)
    y_true = np.asarray(y_true)
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    if axes is None:
        _, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.55 * nrows), squeeze=False)
    axes = np.asarray(axes).ravel()
    predicted = proba.argmax(axis=1)
    confidence = proba.max(axis=1)
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= n:
            ax.axis("off")
            continue
        ax.imshow(images[i].reshape(image_shape), cmap="gray_r")
        right = predicted[i] == y_true[i]
        title = f"{predicted[i]}  {confidence[i]:.0%}"
        if not right:
            title += f" (is {y_true[i]})"
            for spine in ax.spines.values():
                spine.set_edgecolor("red")
                spine.set_linewidth(2.5)
        ax.set_title(title, fontsize=9, color="black" if right else "red")
    return axes


def plot_confusion_matrix(C, ax=None, class_names=None, title: str | None = None):
    """Draw a confusion matrix ``C: (K, K)`` (rows = true class, columns = predicted).

    Each cell shows its count; the colour is the count too, so a good classifier is a bright
    diagonal on a pale background, and a dark off-diagonal cell shows which two classes are
    confused. Returns the ``AxesImage``. (``dlcore.metrics.confusion_matrix`` computes ``C``.)
    """
    C = np.asarray(C)
    K = C.shape[0]
    ax = _axes(ax, (5.5, 5))
    names = [str(k) for k in range(K)] if class_names is None else [str(c) for c in class_names]
    image = ax.imshow(C, cmap="Blues")
    threshold = C.max() / 2 if C.size else 0
    for i in range(K):
        for j in range(K):
            if C[i, j] == 0:
                continue
            ax.text(j, i, str(C[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if C[i, j] > threshold else ("darkred" if i != j else "black"))
    ax.set_xticks(range(K), names)
    ax.set_yticks(range(K), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title or f"confusion matrix: {int(np.trace(C))} of {int(C.sum())} right")
    return image


def plot_batch_size_run(run, axes=None, loss_max: float = 4.0):
    """Three panels for one ``dlcore.interactive.BatchSizeRun`` (the batch-size widget).

    1. The loss of every mini-batch against the epoch (so every batch size spans the same
       width): many noisy points for small batches, a few smooth ones for large batches.
    2. The loss per epoch.
    3. The wall time per epoch, in milliseconds.

    The loss axes have fixed limits (0 to ``loss_max``) so that two batch sizes can be compared
    by eye. Returns the three axes.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    ax_batch, ax_epoch, ax_time = axes
    it = run.iterations_per_epoch
    x = np.arange(1, len(run.batch_loss) + 1) / it
    ax_batch.plot(x, np.minimum(run.batch_loss, loss_max), linewidth=0.6 if it > 100 else 1.2,
                  marker="o" if len(x) <= 40 else None, markersize=3,
                  alpha=0.45 if it >= 50 else 1.0, label="each mini-batch")
    if it >= 50:  # many noisy points: add their average over a tenth of an epoch
        window = it // 10
        smooth = np.convolve(run.batch_loss, np.ones(window) / window, mode="valid")
        ax_batch.plot(x[window - 1:], smooth, color="black", linewidth=1.5,
                      label=f"average of {window} batches")
        ax_batch.legend(fontsize=8, loc="upper right")
    ax_batch.set_ylim(0, loss_max)
    ax_batch.set_xlim(0, len(run.epoch_loss))
    ax_batch.set_xlabel("epoch")
    ax_batch.set_ylabel("loss of each mini-batch")
    ax_batch.set_title(f"batch size {run.batch_size}: {it} iteration{'s' if it != 1 else ''} "
                       f"per epoch", fontsize=10)
    epochs = np.arange(1, len(run.epoch_loss) + 1)
    ax_epoch.plot(epochs, run.epoch_loss, "o-")
    for e, value in zip(epochs, run.epoch_loss, strict=True):
        ax_epoch.annotate(f"{value:.2f}", (e, value), textcoords="offset points", xytext=(0, 7),
                          ha="center", fontsize=9)
    ax_epoch.set_ylim(0, loss_max * 0.7)
    ax_epoch.set_xticks(epochs)
    ax_epoch.set_xlabel("epoch")
    ax_epoch.set_ylabel("training loss of the epoch")
    ax_epoch.set_title(f"{it * len(epochs)} updates in {len(epochs)} epochs", fontsize=10)
    ms = np.asarray(run.epoch_time) * 1000
    ax_time.bar(epochs, ms, color="tab:gray")
    for e, value in zip(epochs, ms, strict=True):
        ax_time.annotate(f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms", (e, value),
                         textcoords="offset points", xytext=(0, 3), ha="center", fontsize=9)
    ax_time.set_ylim(0, max(ms.max() * 1.25, 1.0))
    ax_time.set_xticks(epochs)
    ax_time.set_xlabel("epoch")
    ax_time.set_ylabel("wall time per epoch (ms)")
    ax_time.set_title("time per epoch (measured, varies)", fontsize=10)
    for ax in axes:
        ax.grid(True, alpha=0.3)
    return axes


# =================================================================================================
# Convolution and recurrence (08, 09)
# =================================================================================================



def _symmetric_limits(*arrays) -> tuple[float, float]:
    """Colour limits (-m, m) around zero, so that white means 0, red > 0 and blue < 0."""
    m = max(float(np.max(np.abs(a))) if np.size(a) else 0.0 for a in arrays)
    m = m if m > 0 else 1.0
    return -m, m


def _write_values(ax, values, fmt: str, fontsize, cmap_limits=None, dark_above=None):
    """Write each cell's number in the cell, white on dark cells and black on light ones."""
    values = np.asarray(values, dtype=float)
    for (r, c), v in np.ndenumerate(values):
        if not np.isfinite(v):
            continue
        if cmap_limits is not None:  # a diverging map: dark where |v| is near the limit
            dark = abs(v) > 0.6 * cmap_limits
        else:
            dark = dark_above is not None and v > dark_above
        ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=fontsize,
                color="white" if dark else "black")


def _grid_off(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def _valid_correlation(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """'valid' cross-correlation of one channel, what Conv2D computes (08_convolution)."""
    from numpy.lib.stride_tricks import sliding_window_view

    windows = sliding_window_view(image, kernel.shape)  # (H_out, W_out, kh, kw)
    return np.einsum("rcij,ij->rc", windows, kernel)


def draw_convolution_step(image, kernel, row: int, col: int, axes=None, fmt: str = "{:.0f}",
                          kernel_fmt: str = "{:g}"):
    """One step of a filter sliding over an image, in three panels (08_convolution).

    1. the image (H, W) with its pixel values and a red frame on the patch under the filter,
       at rows ``row .. row + kh - 1`` and columns ``col .. col + kw - 1``;
    2. the filter ``kernel`` (kh, kw), red for positive weights and blue for negative ones;
    3. the output (H - kh + 1, W - kw + 1): the cells already computed (row by row, up to
       ``(row, col)``) with their values, the current one framed in red, the rest empty.

    The title of the third panel writes out the sum for the current cell. Returns the three
    axes; the frames are ``Rectangle`` patches.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"draw_convolution_step: expected a 2-D image (H, W) and a 2-D kernel (kh, kw), "
            f"received shapes {image.shape} and {kernel.shape}. Hint: one channel at a time, "
            f"e.g. image.reshape(8, 8)."
        )
    out = _valid_correlation(image, kernel)
    H_out, W_out = out.shape
    if not (0 <= row < H_out and 0 <= col < W_out):
        raise ValueError(
            f"draw_convolution_step: expected 0 <= row < {H_out} and 0 <= col < {W_out} (the "
            f"positions where the {kernel.shape[0]}x{kernel.shape[1]} kernel fits), received "
            f"row={row}, col={col}."
        )
    kh, kw = kernel.shape
    if axes is None:
        width = image.shape[1] + kw + W_out
        _, axes = plt.subplots(1, 3, figsize=(0.55 * width + 1.5, 0.55 * image.shape[0] + 1.2),
                               gridspec_kw={"width_ratios": [image.shape[1], kw + 1, W_out]})
    ax_in, ax_k, ax_out = axes

    ax_in.imshow(image, cmap="gray_r")
    _write_values(ax_in, image, fmt, 8, dark_above=image.min() + 0.6 * np.ptp(image))
    ax_in.add_patch(Rectangle((col - 0.5, row - 0.5), kw, kh, fill=False, edgecolor="red",
                              linewidth=2.5))
    ax_in.set_title(f"image {image.shape[0]}x{image.shape[1]}, patch at ({row}, {col})",
                    fontsize=10)

    lo, hi = _symmetric_limits(kernel)
    ax_k.imshow(kernel, cmap="RdBu_r", vmin=lo, vmax=hi)
    _write_values(ax_k, kernel, kernel_fmt, 10, cmap_limits=hi)
    ax_k.set_title(f"filter {kh}x{kw}", fontsize=10)

    done = np.full(out.shape, np.nan)
    flat = row * W_out + col
    done.flat[: flat + 1] = out.flat[: flat + 1]
    lo, hi = _symmetric_limits(out)
    ax_out.imshow(np.ma.masked_invalid(done), cmap="RdBu_r", vmin=lo, vmax=hi)
    _write_values(ax_out, done, fmt if np.allclose(out, np.round(out)) else "{:.1f}", 8,
                  cmap_limits=hi)
    ax_out.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="red",
                               linewidth=2.5))
    ax_out.set_xlim(-0.5, W_out - 0.5)
    ax_out.set_ylim(H_out - 0.5, -0.5)
    value = out[row, col]
    ax_out.set_title(f"output {H_out}x{W_out}\nout[{row}, {col}] = sum(patch * filter) = "
                     f"{value:.4g}", fontsize=10)
    for ax in axes:
        _grid_off(ax)
    return axes


def show_filters(W, axes=None, ncols: int = 8, titles=None, annotate=None, fmt: str = "{:.2f}"):
    """Draw convolution filters as small images: red for positive weights, blue for negative.

    W: (C_out, kh, kw), or a ``Conv2D`` weight (C_out, 1, kh, kw) of a layer reading one channel
    (for more input channels pass one of them, ``W[:, c]``). All filters share one colour scale,
    centred on 0 (white), so they can be compared. ``annotate`` writes each weight in its cell
    (default: when a filter has at most 25 weights). Used in ``08_convolution`` for hand-made
    edge filters and for the filters a network learned. Returns the axes array.
    """
    import matplotlib.pyplot as plt

    W = np.asarray(W, dtype=float)
    if W.ndim == 4 and W.shape[1] == 1:
        W = W[:, 0]
    elif W.ndim == 2:
        W = W[None]
    if W.ndim != 3:
        hint = (f" Hint: these filters read {W.shape[1]} channels; show one, W[:, c]."
                if W.ndim == 4 else "")
        raise ValueError(
            f"show_filters: expected filters of shape (C_out, kh, kw) or (C_out, 1, kh, kw), "
            f"received shape {W.shape}.{hint}"
        )
    n = len(W)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    if axes is None:
        _, axes = plt.subplots(nrows, ncols, figsize=(1.25 * ncols, 1.35 * nrows),
                               squeeze=False)
    axes = np.asarray(axes).ravel()
    lo, hi = _symmetric_limits(W)
    annotate = W.shape[1] * W.shape[2] <= 25 if annotate is None else annotate
    for i, ax in enumerate(axes):
        _grid_off(ax)
        if i >= n:
            ax.axis("off")
            continue
        ax.imshow(W[i], cmap="RdBu_r", vmin=lo, vmax=hi)
        if annotate:
            _write_values(ax, W[i], fmt, 7, cmap_limits=hi)
        ax.set_title(titles[i] if titles is not None else f"filter {i}", fontsize=9)
    return axes


def show_feature_maps(maps, image=None, ncols: int = 8, titles=None, axes=None,
                      image_title: str = "input"):
    """Draw the feature maps of one image, one small picture per channel (08_convolution).

    maps: (C, H, W), e.g. ``conv.forward(x)[0]`` for the first image of a batch. Maps with
    negative values (before ReLU) are drawn red > 0, blue < 0, white = 0; maps without (after
    ReLU) white = 0 to dark red = largest. All maps share one colour scale, so a strong response
    looks strong everywhere. With ``image`` (H, W) the input is drawn first, in grey. Returns
    the axes array.
    """
    import matplotlib.pyplot as plt

    maps = np.asarray(maps, dtype=float)
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3:
        raise ValueError(
            f"show_feature_maps: expected the maps of one image, shape (C, H, W), received "
            f"shape {maps.shape}. Hint: for a batch (N, C, H, W) pass one sample, maps[0]."
        )
    panels = len(maps) + (image is not None)
    ncols = min(ncols, panels)
    nrows = int(np.ceil(panels / ncols))
    if axes is None:
        _, axes = plt.subplots(nrows, ncols, figsize=(1.4 * ncols, 1.5 * nrows), squeeze=False)
    axes = np.asarray(axes).ravel()
    signed = bool(np.any(maps < 0))
    if signed:
        cmap, (lo, hi) = "RdBu_r", _symmetric_limits(maps)
    else:
        cmap, lo, hi = "Reds", 0.0, float(maps.max()) or 1.0
    start = 0
    if image is not None:
        axes[0].imshow(np.asarray(image, dtype=float), cmap="gray_r")
        axes[0].set_title(image_title, fontsize=9)
        start = 1
    for i, ax in enumerate(axes):
        _grid_off(ax)
        k = i - start
        if i < start:
            continue
        if k >= len(maps):
            ax.axis("off")
            continue
        ax.imshow(maps[k], cmap=cmap, vmin=lo, vmax=hi)
        ax.set_title(titles[k] if titles is not None else f"map {k}", fontsize=9)
    return axes


def draw_window_positions(size: int, kernel: int, padding: int = 0, stride: int = 1, ax=None):
    """Where a window of ``kernel`` pixels fits along one row of ``size`` pixels (08_convolution).

    The row is drawn as cells (``padding`` grey zeros on each side), and below it every
    position of the window, one bar per position, stepping by ``stride``. When the last step
    would leave the padded row, that window is drawn dashed in red: it is not counted, which is
    why the formula rounds down. The title gives ``(size + 2P - K) // S + 1``. Returns the ax;
    the counted windows are the solid bars in ``ax.patches``.
    """
    from matplotlib.patches import Rectangle

    for name, value, low in (("size", size, 1), ("kernel", kernel, 1), ("padding", padding, 0),
                             ("stride", stride, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"draw_window_positions: expected {name} to be an integer >= "
                             f"{low}, received {value!r}.")
    total = size + 2 * padding
    if kernel > total:
        raise ValueError(f"draw_window_positions: expected kernel <= size + 2*padding = {total}, "
                         f"received kernel={kernel}.")
    n = (total - kernel) // stride + 1
    extra = (total - kernel) % stride != 0
    rows = n + extra
    ax = _axes(ax, figsize=(max(4.0, 0.45 * total + 1.5), 0.45 * (rows + 2) + 0.9))
    for i in range(total):
        is_pad = i < padding or i >= padding + size
        ax.add_patch(Rectangle((i, 0), 1, 1, facecolor="0.85" if is_pad else "white",
                               edgecolor="0.3", linewidth=1))
        ax.text(i + 0.5, 0.5, "0" if is_pad else str(i - padding), ha="center", va="center",
                fontsize=8, color="0.45" if is_pad else "black")
    bar = 0.6
    for k in range(rows):
        start = k * stride
        y = -(k + 1) * 0.8 - 0.2
        counted = k < n
        ax.add_patch(Rectangle((start + 0.08, y), kernel - 0.16, bar,
                               facecolor="tab:blue" if counted else "none",
                               edgecolor="tab:blue" if counted else "red", alpha=0.8,
                               linestyle="-" if counted else "--", linewidth=1.5))
        label = str(k + 1) if counted else "does not fit"
        ax.text(start + kernel + 0.2, y + bar / 2, label, va="center", fontsize=8,
                color="black" if counted else "red")
    ax.set_xlim(-0.2, max(total, (rows - 1) * stride + kernel) + 2.5)
    ax.set_ylim(-(rows + 1) * 0.8 - 0.2, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"H={size}, K={kernel}, P={padding}, S={stride}:  ({size} + 2*{padding} - "
                 f"{kernel}) // {stride} + 1 = {n} positions", fontsize=10)
    return ax


def draw_max_pooling(x, size: int = 2, axes=None, fmt: str = "{:g}"):
    """Max pooling of a small array, in two panels (08_convolution).

    Left: ``x`` (H, W) cut into ``size`` x ``size`` windows (thick lines), each window in its
    own colour, its largest value in bold. Right: the pooled array (H // size, W // size), each
    cell in the colour of its window. H and W must be multiples of ``size``. Returns the axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] % size or x.shape[1] % size:
        raise ValueError(
            f"draw_max_pooling: expected a 2-D array whose height and width are multiples of "
            f"size={size}, received shape {x.shape}."
        )
    H, W = x.shape
    Ho, Wo = H // size, W // size
    pooled = x.reshape(Ho, size, Wo, size).max(axis=(1, 3))
    window_id = (np.arange(H)[:, None] // size) * Wo + np.arange(W)[None, :] // size
    palette = ListedColormap(["#fdd0a2", "#c6dbef", "#c7e9c0", "#dadaeb", "#fcbba1",
                              "#fff2ae"])
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(0.6 * (W + Wo) + 2, 0.6 * H + 1),
                               gridspec_kw={"width_ratios": [W, Wo + 0.5]})
    ax_in, ax_out = axes
    ax_in.imshow(window_id % palette.N, cmap=palette, vmin=0, vmax=palette.N - 1)
    for (r, c), v in np.ndenumerate(x):
        win = x[r // size * size:(r // size + 1) * size, c // size * size:(c // size + 1) * size]
        best = v == win.max()
        ax_in.text(c, r, fmt.format(v), ha="center", va="center", fontsize=10,
                   fontweight="bold" if best else "normal", color="black" if best else "0.45")
    for k in range(0, H + 1, size):
        ax_in.axhline(k - 0.5, color="0.2", linewidth=2)
    for k in range(0, W + 1, size):
        ax_in.axvline(k - 0.5, color="0.2", linewidth=2)
    ax_in.set_title(f"input {H}x{W}, {size}x{size} windows", fontsize=10)
    out_id = np.arange(Ho * Wo).reshape(Ho, Wo)
    ax_out.imshow(out_id % palette.N, cmap=palette, vmin=0, vmax=palette.N - 1)
    for (r, c), v in np.ndenumerate(pooled):
        ax_out.text(c, r, fmt.format(v), ha="center", va="center", fontsize=10,
                    fontweight="bold")
    ax_out.set_title(f"max pooled {Ho}x{Wo}", fontsize=10)
    for ax in axes:
        _grid_off(ax)
    return axes


def draw_rnn_unrolled(steps: int = 4, ax=None):
    """The recurrent cell, rolled up and unrolled in time (09_recurrent).

    Left: one cell with a loop, the hidden state feeding back into itself through ``W_hh``.
    Right: the same cell copied once per time step: ``h_0 = 0`` enters step 1, each step reads
    its input ``x_t`` (through ``W_xh``) and the previous state ``h_{t-1}`` (through ``W_hh``)
    and passes ``h_t`` on; the last state ``h_T`` goes to a Dense layer for the prediction. The
    same weights are used at every step. Returns the ax; each cell is a patch in ``ax.patches``.
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 2 <= steps <= 8:
        raise ValueError(f"draw_rnn_unrolled: expected steps to be an integer from 2 to 8, "
                         f"received {steps!r}.")
    ax = _axes(ax, figsize=(2.0 * steps + 5.5, 4.2))
    w, h = 1.1, 0.9
    cell = dict(boxstyle="round,pad=0.05,rounding_size=0.15", facecolor="#fdd0a2",
                edgecolor="0.3")
    inp = dict(boxstyle="round,pad=0.05,rounding_size=0.1", facecolor="#9ecae1",
               edgecolor="0.3")
    out = dict(boxstyle="round,pad=0.05,rounding_size=0.1", facecolor="#a1d99b",
               edgecolor="0.3")

    def box(x, y, text, style, width=w, height=h, fontsize=11):
        ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, **style))
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)

    def arrow(start, end, label=None, label_at=None, **kw):
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14,
                                     color="0.25", linewidth=1.3, **kw))
        if label:
            ax.text(*label_at, label, ha="center", va="center", fontsize=9, color="0.15")

    # rolled up: one cell with a loop
    box(0.8, 2.0, "$h_t$", cell)
    box(0.8, 0.3, "$x_t$", inp, height=0.6)
    arrow((0.8, 0.6), (0.8, 2.0 - h / 2 - 0.02), "$W_{xh}$", (1.25, 1.05))
    # the loop: out of the top of the cell, round to the right, back into its right side
    arrow((0.8 + 0.15, 2.0 + h / 2 + 0.02), (0.8 + w / 2 + 0.02, 2.0 - 0.1),
          connectionstyle="arc3,rad=-1.6")
    ax.text(2.1, 2.35, "$W_{hh}$", ha="left", va="center", fontsize=9, color="0.15")
    ax.text(0.8, 3.0, "one cell, with a loop", ha="center", fontsize=9, style="italic")
    ax.text(2.9, 2.0, "=", ha="center", va="center", fontsize=22)

    # unrolled in time
    x0, dx = 4.6, 2.0
    box(x0 - 1.15, 2.0, "$h_0 = 0$", dict(cell, facecolor="white"), width=1.0, fontsize=9)
    for t in range(1, steps + 1):
        cx = x0 + (t - 1) * dx + 0.6
        name = "T" if t == steps else str(t)
        box(cx, 2.0, f"$h_{{{name}}}$", cell)
        box(cx, 0.3, f"$x_{{{name}}}$", inp, height=0.6)
        arrow((cx, 0.6), (cx, 2.0 - h / 2 - 0.02), "$W_{xh}$" if t == 1 else None,
              (cx + 0.4, 1.05))
        left = (x0 - 0.65) if t == 1 else (cx - dx + w / 2)
        arrow((left, 2.0), (cx - w / 2 - 0.02, 2.0), "$W_{hh}$", ((left + cx - w / 2) / 2, 2.25))
        if t == steps - 1 and steps > 3:
            ax.text(cx + dx / 2, 1.65, "...", ha="center", fontsize=12)
    last = x0 + (steps - 1) * dx + 0.6
    box(last, 3.55, "Dense $\\to\\ \\hat{y}$", out, width=1.5, height=0.55, fontsize=9)
    arrow((last, 2.0 + h / 2 + 0.02), (last, 3.55 - 0.3))
    ax.text((x0 + last) / 2 - 0.6, 3.3, "the same $W_{xh}$, $W_{hh}$, $b$ at every step",
            ha="center", fontsize=9, style="italic")
    ax.text((x0 + last) / 2, -0.45,
            "$h_t = \\tanh(x_t W_{xh} + h_{t-1} W_{hh} + b)$,   time $t = 1, 2, \\ldots, T$ "
            "from left to right", ha="center", fontsize=10)
    ax.set_xlim(-0.2, last + 1.2)
    ax.set_ylim(-0.8, 4.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def plot_hidden_states(hidden_states, x=None, axes=None, title=None):
    """A heat map of an RNN's hidden states over time, under the input (09_recurrent).

    hidden_states: (T, H) for one sequence (``rnn.hidden_states[i]``; a batch of one,
    (1, T, H), is accepted). Each row of the map is one hidden unit, each column one time step,
    red for values near +1 and blue near -1 (tanh keeps them in between). With ``x`` (T,) or
    (T, 1) the input is drawn above, on the same time axis. Returns the axes (input, map) or
    just the map's axes without ``x``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    hs = np.asarray(hidden_states, dtype=float)
    if hs.ndim == 3 and hs.shape[0] == 1:
        hs = hs[0]
    if hs.ndim != 2:
        raise ValueError(
            f"plot_hidden_states: expected the states of one sequence, shape (T, H), received "
            f"shape {hs.shape}. Hint: for a batch (N, T, H) pick one, hidden_states[i]."
        )
    T, H = hs.shape
    if x is not None:
        x = np.asarray(x, dtype=float).reshape(T, -1)
        if axes is None:
            _, axes = plt.subplots(2, 1, figsize=(8, 1.6 + 0.18 * H + 1.0), sharex=True,
                                   gridspec_kw={"height_ratios": [1.3, max(1.5, 0.18 * H)]})
        ax_x, ax_h = axes
        steps = np.arange(1, T + 1)
        ax_x.plot(steps, x, "o-", color="0.3", markersize=3)
        ax_x.set_ylabel("input $x_t$")
        ax_x.grid(True, alpha=0.3)
        if title:
            ax_x.set_title(title)
    else:
        ax_h = _axes(axes, figsize=(8, max(2.0, 0.18 * H + 1)))
        if title:
            ax_h.set_title(title)
    image = ax_h.imshow(hs.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1,
                        extent=(0.5, T + 0.5, H - 0.5, -0.5), interpolation="nearest")
    ax_h.set_xlabel("time step $t$")
    ax_h.set_ylabel("hidden unit")
    ax_h.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_h.yaxis.set_major_locator(MaxNLocator(integer=True))
    # one colour bar for both panels, so that their time axes keep the same width
    ax_h.figure.colorbar(image, ax=[ax_x, ax_h] if x is not None else ax_h, fraction=0.03,
                         pad=0.01, label="$h_t$")
    if x is not None:
        return np.array([ax_x, ax_h])
    return ax_h


def plot_gradient_vs_distance(norms, ax=None, title=None):
    """How big the gradient is, step by step back in time, on a log scale (09_recurrent).

    norms: a dict ``label -> array`` where ``array[k]`` is the size of the gradient that
    reaches the step k steps before the end (k = 0 is the last step), e.g. the norm of
    dL/dx_t for t = T - k. A line going down is a vanishing gradient, one going up an
    exploding one. Returns the ax (one line per entry of ``norms``).
    """
    ax = _axes(ax, figsize=(6.5, 4))
    for label, values in norms.items():
        values = np.asarray(values, dtype=float)
        ax.semilogy(np.arange(len(values)), np.maximum(values, 1e-300), "o-", markersize=3,
                    label=str(label))
    ax.axhline(1.0, color="0.5", linewidth=0.8, linestyle=":")
    ax.set_xlabel("steps back from the end, $T - t$")
    ax.set_ylabel("size of the gradient (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    if title:
        ax.set_title(title)
    return ax


def plot_sequence_predictions(X, y, y_hat=None, n: int = 4, axes=None, titles=None):
    """A few sequences with the value that follows each, and the prediction (09_recurrent).

    X: (N, T) or (N, T, 1), the inputs; y: (N,) or (N, 1), the true next value; y_hat: (M,) or
    (M, 1), the model's prediction for the first M sequences (optional); the first
    ``min(n, M)`` sequences are drawn. Each panel shows the T inputs (grey dots),
    the true next value at step T + 1 (a green star) and the prediction (a red cross). Returns
    the axes.
    """
    import matplotlib.pyplot as plt

    X = np.asarray(X, dtype=float)
    X = X.reshape(len(X), -1)
    y = np.asarray(y, dtype=float).reshape(-1)
    y_hat = None if y_hat is None else np.asarray(y_hat, dtype=float).reshape(-1)
    n = min(n, len(X), len(y), len(X) if y_hat is None else len(y_hat))
    if axes is None:
        _, axes = plt.subplots(1, n, figsize=(3.2 * n, 2.6), sharey=True, squeeze=False)
        axes = axes[0]
    axes = np.atleast_1d(axes)
    T = X.shape[1]
    steps = np.arange(1, T + 1)
    for i, ax in enumerate(axes[:n]):
        ax.plot(steps, X[i], "o-", color="0.55", markersize=3, linewidth=1, label="input")
        ax.plot([T + 1], [y[i]], "*", color="tab:green", markersize=13, label="true next value")
        if y_hat is not None:
            ax.plot([T + 1], [y_hat[i]], "x", color="tab:red", markersize=10, markeredgewidth=2.5,
                    label="prediction")
        ax.axvline(T + 0.5, color="0.7", linewidth=0.8, linestyle=":")
        ax.set_xlabel("time step")
        ax.grid(True, alpha=0.3)
        if titles is not None:
            ax.set_title(titles[i], fontsize=10)
    axes[0].legend(fontsize=8, loc="best")
    return axes


def plot_next_value_forecast(series, predictions, window: int, clean=None, ax=None):
    """One long held-out series and the model's prediction of each next value (09_recurrent).

    series: (L,) the observed values; predictions: (L - window,) where ``predictions[k]`` was
    made from ``series[k : k + window]`` and is the model's guess for ``series[k + window]``;
    clean: (L,) the wave without noise (optional, dashed). The first ``window`` steps have no
    prediction (the model needs that many values to start). Returns the ax.
    """
    series = np.asarray(series, dtype=float).ravel()
    predictions = np.asarray(predictions, dtype=float).ravel()
    L = len(series)
    if len(predictions) != L - window:
        raise ValueError(
            f"plot_next_value_forecast: expected len(predictions) = len(series) - window = "
            f"{L - window}, received {len(predictions)}."
        )
    ax = _axes(ax, figsize=(10, 3.4))
    t = np.arange(L)
    if clean is not None:
        ax.plot(t, np.asarray(clean, dtype=float).ravel(), "--", color="0.6", linewidth=1,
                label="the wave without noise")
    ax.plot(t, series, "o", color="0.35", markersize=3, label="observed values")
    ax.plot(t[window:], predictions, "-", color="tab:red", linewidth=1.8,
            label="prediction of each next value")
    ax.axvspan(-0.5, window - 0.5, color="0.92", zorder=0)
    ax.text(window / 2, ax.get_ylim()[1], f"first {window} steps:\nno prediction yet",
            ha="center", va="top", fontsize=8, color="0.3",
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    ax.set_xlim(-0.5, L - 0.5)
    ax.set_xlabel("time step")
    ax.set_ylabel("value")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    return ax


def plot_clipping_runs(runs, clip_norm=None, axes=None):
    """Gradient norm and loss, step by step, for training runs with and without clipping.

    runs: a dict ``label -> {"grad_norm": [...], "loss": [...]}``, one value per update
    (09_recurrent). Both panels use a log scale, because an exploding run spans many powers of
    ten. A run that stopped early (its loss became huge or not a number) ends with a cross and
    a note of how many updates it made.
    ``clip_norm`` draws the clipping threshold on the gradient panel. Returns the two axes.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    ax_g, ax_l = axes
    longest = max(len(r["loss"]) for r in runs.values())
    for label, run in runs.items():
        for ax, key in ((ax_g, "grad_norm"), (ax_l, "loss")):
            values = np.asarray(run[key], dtype=float)
            shown = np.where(np.isfinite(values), values, np.nan)
            (line,) = ax.semilogy(np.arange(1, len(values) + 1), shown, linewidth=1.2,
                                  label=label)
            if len(values) < longest:
                finite = np.flatnonzero(np.isfinite(values))
                if len(finite):
                    k = finite[-1]
                    ax.plot([k + 1], [values[k]], "X", color=line.get_color(), markersize=10)
                    ax.annotate(f"{label}: stopped after {len(values)} updates",
                                (k + 1, values[k]), textcoords="offset points", xytext=(10, -4),
                                fontsize=9, color=line.get_color(), va="top")
    if clip_norm is not None:
        ax_g.axhline(clip_norm, color="black", linestyle="--", linewidth=1,
                     label=f"clip_norm = {clip_norm:g}")
    ax_g.set_ylabel("global gradient norm (log scale)")
    ax_l.set_ylabel("loss of the mini-batch (log scale)")
    for ax in axes:
        ax.set_xlabel("update (mini-batch)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    return axes
