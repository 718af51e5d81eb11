"""Pictures: Data: images and tables (01_data).

matplotlib is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import numpy as np

from .common import CYCLE, _axes, describe, num, quiet


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
    describe(ax, "The training loop as five boxes in a cycle: 1. data, a mini-batch of examples "
             "X and answers y (notebook 01); 2. forward propagation, the architecture turns X "
             "into predictions ŷ (notebooks 02, 04); 3. the loss, one number for how far ŷ is "
             "from y (notebook 03); 4. back propagation, how the loss changes with each weight "
             "(notebook 05); 5. the optimizer nudges every weight to lower the loss (notebook "
             "06); then the next mini-batch. All the batches once is one epoch (notebook 07). "
             "After training, the model predicts on held-out test data it never saw.")
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
    kind = "colour image" if img.ndim == 3 else "grey image"
    describe(ax, f"{title + ': ' if title else ''}a {kind} of {img.shape[0]} by {img.shape[1]} "
                 f"pixels.")
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
    describe(ax, f"{title + ': ' if title else ''}the {h} by {w} image as a grid of its {h * w} "
                 f"pixel values, from {num(img.min())} (white) to {num(img.max())} (black), "
                 f"each written in its cell.")
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
        with quiet():  # the grid is described once, below
            show_image(imgs[i], ax=ax, cmap=cmap, vmin=lo, vmax=hi)
        if labels is not None:
            label = labels[i]
            text = label_names[int(label)] if label_names is not None else str(label)
            ax.set_title(text, fontsize=10, pad=2)
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    sentence = (f"{title + ': ' if title else ''}a grid of {n} images of {imgs.shape[1]} by "
                f"{imgs.shape[2]} pixels, {nrows} row{'s' * bool(nrows != 1)} of {ncols}")
    if labels is not None:
        names = [label_names[int(label)] if label_names is not None else str(label)
                 for label in labels]
        shown = ", ".join(names[:30]) + (", ..." if n > 30 else "")
        sentence += f", labelled, in reading order: {shown}"
    describe(axes.ravel()[0], sentence + ".")
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
    spans = ", ".join(f"{names[j]} {num(low[j])} to {num(high[j])} (median {num(median[j])})"
                      for j in range(min(d, 8)))
    widest = int(np.argmax(high - low))
    describe(ax, f"{title + ': ' if title else ''}the range of each of {d} features, one row "
                 f"each: {spans}{', ...' if d > 8 else ''}. The widest range is "
                 f"{names[widest]}'s, the narrowest {names[int(np.argmin(high - low))]}'s.")
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
    describe(ax, f"{title + ': ' if title else ''}a sound as {len(s)} numbers against time, "
                 f"from {num(t_ms[0])} to {num(t_ms[-1])} ms ({num(sampling_rate)} values per "
                 f"second), values between {num(s.min())} and {num(s.max())}"
                 + (", each value a dot." if show_samples else "."))
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
    hatches = ("", "//", "..", "xx", "\\\\", "oo")  # told apart by pattern as well as colour
    shares = {}
    for i, (name, y) in enumerate(arrays.items()):
        share = 100 * np.bincount(y, minlength=k) / max(len(y), 1)
        shares[name] = share
        x = np.arange(k) - 0.4 + width * (i + 0.5)
        containers.append(ax.bar(x, share, width=width, label=f"{name} ({len(y)})",
                                 color=CYCLE[i % len(CYCLE)], hatch=hatches[i % len(hatches)],
                                 edgecolor="white", linewidth=0.5))
    ax.set_xticks(range(k))
    ax.set_xticklabels(class_names if class_names is not None else [str(c) for c in range(k)])
    ax.set_xlabel("class")
    ax.set_ylabel("share of the split (%)")
    ax.legend(title="split (samples)", fontsize=8, title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1))
    if title is not None:
        ax.set_title(title)
    describe(ax, f"{title + ': ' if title else ''}grouped bars, the share of each of {k} "
                 f"classes in each split: " + "; ".join(
                     f"{name} ({len(arrays[name])} samples) from {s.min():.0f}% to "
                     f"{s.max():.0f}%" for name, s in shares.items()) + ".")
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
    from matplotlib.patches import Rectangle

    if len(epochs) == 0:
        raise ValueError("show_batches: expected at least one epoch, received none.")
    colours = CYCLE[:-1]  # colour-blind safe; each batch is also fenced by a black line
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
    rows = []
    for e, batches in enumerate(epochs, start=1):
        served = " | ".join(" ".join(str(int(s)) for s in np.asarray(b).ravel())
                            for b in batches)
        rows.append(f"epoch {e}: {served}")
    sizes = [len(np.asarray(b).ravel()) for b in epochs[0]]
    describe(ax, f"{title + ': ' if title else ''}mini-batches over {len(epochs)} epochs, one "
                 f"row per epoch, {len(sizes)} batches of sizes {sizes}; the samples served, "
                 f"batches separated by bars: " + "; ".join(rows)
                 + ("; the grey samples at the end of a row are left out." if left_out else "."))
    return ax




def show_frames(clip, axes=None, title=None, cmap="gray_r"):
    """Draw the frames of one video clip side by side, in time order (01_data).

    A video is a stack of pictures taken one after the other: ``clip`` has shape
    ``(T, H, W)`` (grey) or ``(T, H, W, 3)`` (red-green-blue), frame ``t`` being ``clip[t]``.
    Each frame is drawn with ``show_image`` and titled with its time step, ``t = 0``, ``t = 1``,
    ... Grey frames share one colour scale, so the same number looks the same in every frame.

    Parameters
    ----------
    clip : (T, H, W) or (T, H, W, 3) array
    axes : T axes, optional. Default: a new figure with the T frames in one row.
    title : str, optional, a title above the row.
    cmap : the colour map of grey frames (``"gray_r"``: 0 white, the largest value black).

    Returns
    -------
    The list of the T ``AxesImage`` drawn (``get_array()`` of image ``t`` is ``clip[t]``).
    """
    import matplotlib.pyplot as plt

    frames = np.asarray(clip)
    if not (frames.ndim == 3 or (frames.ndim == 4 and frames.shape[3] in (3, 4))):
        hint = ""
        if frames.ndim == 5:
            hint = " Hint: that looks like a batch of clips (N, T, H, W, C): pass one, clips[0]."
        raise ValueError(
            f"show_frames: expected one clip of shape (T, H, W) or (T, H, W, 3), received an "
            f"array of shape {frames.shape}.{hint}"
        )
    count = frames.shape[0]
    if axes is None:
        fig, axes = plt.subplots(1, count, figsize=(1.3 * count + 0.4, 1.8), squeeze=False)
        axes = axes[0]
    axes = list(np.ravel(axes))
    if len(axes) != count:
        raise ValueError(
            f"show_frames: expected one axes per frame ({count}), received {len(axes)} axes."
        )
    vmin = vmax = None
    if frames.ndim == 3:
        vmin, vmax = float(frames.min()), float(frames.max())
    with quiet():  # the row of frames is described once, below
        drawn = [show_image(frame, ax=ax, title=f"t = {t}", cmap=cmap, vmin=vmin, vmax=vmax)
                 for t, (frame, ax) in enumerate(zip(frames, axes, strict=True))]
    kind = "colour" if frames.ndim == 4 else "grey"
    describe(axes[0], f"{title + ': ' if title else ''}the {count} frames of a video clip side "
                      f"by side, t = 0 to {count - 1}, each a {kind} picture of "
                      f"{frames.shape[1]} by {frames.shape[2]} pixels.")
    for image in drawn:
        image.axes.title.set_fontsize(9)
    if title is not None:
        axes[0].figure.suptitle(title, fontsize=10)
    return drawn
