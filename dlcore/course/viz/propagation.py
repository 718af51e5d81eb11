"""Pictures: Forward and back propagation (04, 05).

matplotlib is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

from .common import RIGHT, WRONG, _axes, a_or_an, describe, num, series_style

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
    v = {k: num(values[k], 4) for k in _NEURON_BOXES}
    sentence = (f"The computation graph of one neuron, left to right: x = {v['x']} and w = "
                f"{v['w']} are multiplied into u = {v['u']}; b = {v['b']} is added, z = "
                f"{v['z']}; the sigmoid gives a = {v['a']}; with the target y = {v['y']}, the "
                f"loss (a − y)² is L = {v['L']}.")
    if grads is not None:
        sentence += " Under each box, its gradient: " + ", ".join(
            f"∂L/∂{k} = {num(grads[k], 4)}" for k in _NEURON_BOXES if k in grads) + "."
    describe(ax, sentence)
    return ax


def plot_digit_probabilities(image, probs, label=None, axes=None, title=None):
    """An 8x8 digit beside a bar chart of the network's 10 class probabilities (04).

    The tallest bar is the prediction: green if it matches ``label``, red and hatched if not (blue
    when no label is given). A dashed line marks 1/10, where every bar of a network that knows
    nothing would sit.

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
        top = "#0072B2"
    else:
        top = RIGHT if predicted == int(label) else WRONG
    colors = ["#b0b0b0"] * len(probs)
    colors[predicted] = top
    bars = ax_bar.bar(np.arange(len(probs)), probs, color=colors)
    if label is not None and predicted != int(label):
        bars[predicted].set_hatch("xx")  # wrong: a pattern as well as a colour
        bars[predicted].set_edgecolor("white")
    ax_bar.axhline(1 / len(probs), color="#555555", linestyle="--", linewidth=1)
    ax_bar.text(1.01, 1 / len(probs), f"1/{len(probs)}", transform=ax_bar.get_yaxis_transform(),
                va="center", ha="left", fontsize=8, color="#555555")
    ax_bar.set_xticks(np.arange(len(probs)))
    ax_bar.set_ylim(0, 1)
    ax_bar.set_xlabel("class")
    ax_bar.set_ylabel("probability")
    ax_bar.set_title(title if title is not None else f"predicted {predicted}: "
                     f"p = {probs[predicted]:.2f}")
    verdict = "" if label is None else (", right" if predicted == int(label) else
                                        f", wrong (the true digit is {int(label)})")
    runners_up = ", ".join(f"{k} ({probs[k]:.2f})" for k in np.argsort(probs)[::-1][1:3])
    describe(ax_img, f"{title + ': ' if title else ''}{a_or_an(side)} {side} by {side} image "
                     f"of a digit"
                     + (f" (true digit {int(label)})" if label is not None else "")
                     + f" beside bars of the network's {len(probs)} class probabilities: "
                     f"predicted {predicted} with p = {probs[predicted]:.2f}{verdict}; next "
                     f"come {runners_up}.")
    return im, bars


def plot_gradcheck(result, ax=None):
    """The worst relative error of each tensor of a gradient check, on a log scale (05).

    One horizontal bar per tensor (``result.details`` of ``dlcore.gradcheck``): green if it
    passed, red and hatched if not, with the tolerance as a dashed line. A bug in one layer shows
    as one red bar (its ``W`` or ``b``) or, if the bug is in the gradient passed down (dx), as
    red bars for the layers below it.

    Returns the bar container.
    """
    import numpy as np

    details = list(result.details)
    if not details:
        raise ValueError("plot_gradcheck: expected a gradient-check result with details, "
                         "received one with none.")
    ax = _axes(ax, figsize=(6, 0.45 * len(details) + 1.2))
    errors = np.array([max(d.max_rel_error, 1e-16) for d in details])
    colors = [RIGHT if d.passed else WRONG for d in details]
    positions = np.arange(len(details))[::-1]
    bars = ax.barh(positions, errors, color=colors, left=0,
                   hatch=["" if d.passed else "xx" for d in details], edgecolor="white")
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
    failed = [d.name for d in details if not d.passed]
    describe(ax, f"Gradient check of {len(details)} tensors, one bar each for the worst relative "
                 f"error on a log scale, tolerance {result.tolerance:.0e}: "
                 + ", ".join(f"{d.name} {d.max_rel_error:.1e}" for d in details) + ". "
                 + (f"Failed (hatched): {', '.join(failed)}." if failed else "All passed."))
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
    lowest = []
    for i, (label, err) in enumerate(errors.items()):
        err = np.maximum(np.abs(np.asarray(err, dtype=float)), 1e-17)
        lines += ax.loglog(h, err, markersize=4, label=label, **series_style(i))
        best = int(np.argmin(err))
        lowest.append(f"{label}: lowest error {err[best]:.0e} at h = {h[best]:.0e}")
    ax.set_xlabel("step h")
    ax.set_ylabel("error of the estimate")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(frameon=False, fontsize=9)
    describe(ax, f"The error of finite-difference estimates against the step h, both on log "
                 f"scales, h from {h.min():.0e} to {h.max():.0e}; " + "; ".join(lowest) + ".")
    return lines


