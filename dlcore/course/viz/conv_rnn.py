"""Pictures: Convolution and recurrence (09, 10).

matplotlib is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import numpy as np

from .common import (
    RIGHT,
    WRONG,
    _axes,
    _grid_off,
    _symmetric_limits,
    _write_values,
    a_or_an,
    describe,
    next_series_style,
    num,
)


def _valid_correlation(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """'valid' cross-correlation of one channel, what Conv2D computes (09_convolution)."""
    from numpy.lib.stride_tricks import sliding_window_view

    windows = sliding_window_view(image, kernel.shape)  # (H_out, W_out, kh, kw)
    return np.einsum("rcij,ij->rc", windows, kernel)


def draw_convolution_step(image, kernel, row: int, col: int, axes=None, fmt: str = "{:.0f}",
                          kernel_fmt: str = "{:g}"):
    """One step of a filter sliding over an image, in three panels (09_convolution).

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
    H, W = image.shape
    describe(ax_in, f"Three panels: {a_or_an(H)} {H} by {W} image with its pixel "
                    f"values and a framed {kh} by {kw} patch at row {row}, column {col}; the "
                    f"{kh} by {kw} filter, red for positive and blue for negative weights ("
                    + ", ".join(kernel_fmt.format(v) for v in kernel.ravel()) + "); the "
                    f"{H_out} by {W_out} output filled row by row up to that cell: "
                    f"out[{row}, {col}] = sum(patch * filter) = {value:.4g}.")
    return axes


def show_filters(W, axes=None, ncols: int = 8, titles=None, annotate=None, fmt: str = "{:.2f}"):
    """Draw convolution filters as small images: red for positive weights, blue for negative.

    W: (C_out, kh, kw), or a ``Conv2D`` weight (C_out, 1, kh, kw) of a layer reading one channel
    (for more input channels pass one of them, ``W[:, c]``). All filters share one colour scale,
    centred on 0 (white), so they can be compared. ``annotate`` writes each weight in its cell
    (default: when a filter has at most 25 weights). Used in ``09_convolution`` for hand-made
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
    names = f": {', '.join(titles[:n])}" if titles is not None else ""
    describe(axes[0], f"{n} convolution filter{'s' * bool(n != 1)} of {W.shape[1]} by "
                      f"{W.shape[2]} weights drawn as small images, red positive, blue negative, "
                      f"white 0 (weights from {num(W.min())} to {num(W.max())}){names}.")
    return axes


def show_feature_maps(maps, image=None, ncols: int = 8, titles=None, axes=None,
                      image_title: str = "input"):
    """Draw the feature maps of one image, one small picture per channel (09_convolution).

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
    strength = np.abs(maps).reshape(len(maps), -1).max(axis=1)
    strongest = int(np.argmax(strength))
    name = titles[strongest] if titles is not None else f"map {strongest}"
    describe(axes[0], (f"The input image ({image_title}), then " if image is not None else "")
             + f"{len(maps)} feature maps of {maps.shape[1]} by {maps.shape[2]}, "
             + ("red above 0 and blue below" if signed else "white at 0 to dark red at the "
                "largest")
             + f", values from {num(maps.min())} to {num(maps.max())}; the strongest response "
             f"is in {name}.")
    return axes


def draw_window_positions(size: int, kernel: int, padding: int = 0, stride: int = 1, ax=None):
    """Where a window of ``kernel`` pixels fits along one row of ``size`` pixels (09_convolution).

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
    describe(ax, f"A row of {size} pixels with {padding} zero{'s' * bool(padding != 1)} of "
                 f"padding on each side, and below it every position of a window of {kernel} "
                 f"pixels stepping by {stride}: {n} positions fit"
                 + (", and one more start, dashed, would leave the row and is not counted."
                    if extra else "."))
    return ax


def draw_max_pooling(x, size: int = 2, axes=None, fmt: str = "{:g}"):
    """Max pooling of a small array, in two panels (09_convolution).

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
    rows = "; ".join(" ".join(fmt.format(v) for v in r) for r in pooled)
    describe(ax_in, f"Max pooling: a {H} by {W} array cut into {size} by {size} windows, each "
                    f"window's largest value in bold, and the {Ho} by {Wo} result, one cell per "
                    f"window, row by row: {rows}.")
    return axes


def draw_rnn_unrolled(steps: int = 4, ax=None):
    """The recurrent cell, rolled up and unrolled in time (10_recurrent).

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
    describe(ax, f"Left: one recurrent cell h_t, its input x_t (through W_xh) and a loop back "
                 f"into itself (W_hh). Right, the cell unrolled over {steps} steps: h_0 = 0 "
                 f"enters step 1, each step reads x_t and the previous state and passes h_t on, "
                 f"h_T goes to a Dense layer for ŷ; the same weights at every step.")
    return ax


def plot_hidden_states(hidden_states, x=None, axes=None, title=None):
    """A heat map of an RNN's hidden states over time, under the input (10_recurrent).

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
    saturated = float(np.mean(np.abs(hs) > 0.9))
    above = f"the input, {T} values from {num(x.min())} to {num(x.max())}, above " if x is \
        not None else ""
    describe(ax_x if x is not None else ax_h, f"{title + ': ' if title else ''}{above}"
             f"a heat map of {H} hidden units (rows) over {T} time steps (columns), red near "
             f"+1 and blue near -1; values from {num(hs.min())} to {num(hs.max())}, "
             f"{saturated:.0%} of them beyond ±0.9.")
    if x is not None:
        return np.array([ax_x, ax_h])
    return ax_h


def plot_gradient_vs_distance(norms, ax=None, title=None):
    """How big the gradient is, step by step back in time, on a log scale (10_recurrent).

    norms: a dict ``label -> array`` where ``array[k]`` is the size of the gradient that
    reaches the step k steps before the end (k = 0 is the last step), e.g. the norm of
    dL/dx_t for t = T - k. A line going down is a vanishing gradient, one going up an
    exploding one. Returns the ax (one line per entry of ``norms``).
    """
    ax = _axes(ax, figsize=(6.5, 4))
    ends = []
    for label, values in norms.items():
        values = np.asarray(values, dtype=float)
        ax.semilogy(np.arange(len(values)), np.maximum(values, 1e-300), "-", markersize=4,
                    label=str(label), **next_series_style(ax, n_points=len(values)))
        ends.append(f"{label}: from {num(values[0])} at the last step to {num(values[-1])} "
                    f"{len(values) - 1} steps back")
    ax.axhline(1.0, color="0.5", linewidth=0.8, linestyle=":")
    ax.set_xlabel("steps back from the end, $T - t$")
    ax.set_ylabel("size of the gradient (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    if title:
        ax.set_title(title)
    describe(ax, f"{title + ': ' if title else ''}the size of the gradient against the number "
                 f"of steps back from the end, on a log scale: " + "; ".join(ends) + ".")
    return ax


def plot_sequence_predictions(X, y, y_hat=None, n: int = 4, axes=None, titles=None):
    """A few sequences with the value that follows each, and the prediction (10_recurrent).

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
        ax.plot([T + 1], [y[i]], "*", color=RIGHT, markersize=13, label="true next value")
        if y_hat is not None:
            ax.plot([T + 1], [y_hat[i]], "x", color=WRONG, markersize=10, markeredgewidth=2.5,
                    label="prediction")
        ax.axvline(T + 0.5, color="0.7", linewidth=0.8, linestyle=":")
        ax.set_xlabel("time step")
        ax.grid(True, alpha=0.3)
        if titles is not None:
            ax.set_title(titles[i], fontsize=10)
    axes[0].legend(fontsize=8, loc="best")
    each = "; ".join(f"{i + 1}: true {num(y[i])}"
                     + (f", predicted {num(y_hat[i])}" if y_hat is not None else "")
                     for i in range(n))
    describe(axes[0], f"{n} sequences of {T} values, one panel each, with the true next value "
                      f"at step {T + 1} (a star)"
                      + (" and the prediction (a cross)" if y_hat is not None else "")
                      + f": {each}.")
    return axes


def plot_next_value_forecast(series, predictions, window: int, clean=None, ax=None):
    """One long held-out series and the model's prediction of each next value (10_recurrent).

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
    ax.plot(t[window:], predictions, "-", color=WRONG, linewidth=1.8,
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
    error = float(np.mean(np.abs(predictions - series[window:])))
    describe(ax, f"A held-out series of {L} values against the time step, dots, "
                 + ("the wave without noise dashed, " if clean is not None else "")
                 + f"and a line for the model's prediction of each next value from step {window} "
                 f"on: the predictions follow the series with a mean absolute error of "
                 f"{num(error)} (values from {num(series.min())} to {num(series.max())}).")
    return ax


def plot_clipping_runs(runs, clip_norm=None, axes=None):
    """Gradient norm and loss, step by step, for training runs with and without clipping.

    runs: a dict ``label -> {"grad_norm": [...], "loss": [...]}``, one value per update
    (10_recurrent). Both panels use a log scale, because an exploding run spans many powers of
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
                                  label=label, markersize=4,
                                  **next_series_style(ax, n_points=len(values)))
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
    words = []
    for label, run in runs.items():
        g, loss = np.asarray(run["grad_norm"], float), np.asarray(run["loss"], float)
        end = (f"stopped after {len(loss)} updates" if len(loss) < longest else
               f"loss {num(loss[-1])} after {len(loss)} updates")
        words.append(f"{label}: gradient norm up to {num(np.nanmax(g))}, {end}")
    describe(ax_g, "Two panels on log scales, the global gradient norm (left"
             + (f", with the clipping threshold {clip_norm:g} dashed" if clip_norm else "")
             + ") and the loss (right) at each update: " + "; ".join(words) + ".")
    return axes
