"""Pictures: Loss (03_loss).

matplotlib is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import numpy as np

from .common import RIGHT, _axes, describe, next_series_style, num


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
    values = np.asarray(values, dtype=np.float64)
    ax = _axes(ax, figsize=(4, 3))
    style = next_series_style(ax, color, n_points=len(x))  # colour and marker per curve
    (line,) = ax.plot(x, values, lw=2, label=label, markersize=5, **style)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    if label:
        ax.legend(fontsize=8)
    if slopes is not None and slope_ax is not None:
        slope_ax.plot(x, np.asarray(slopes), lw=2, ls="--", label=label, markersize=5, **style)
        slope_ax.axhline(0, color="gray", lw=0.5)
        slope_ax.set_xlabel(xlabel)
        slope_ax.set_ylabel("slope dL/dŷ")
        if label:
            slope_ax.legend(fontsize=8)
    finite = np.isfinite(values)
    sentence = (f"{label + ': the loss' if label else 'The loss'} against the {xlabel}, from "
                f"{num(x[0])} to {num(x[-1])}")
    if finite.any():
        low = int(np.nanargmin(np.where(finite, values, np.nan)))
        scale = float(np.max(np.abs(values[finite])))
        lowest = 0.0 if abs(values[low]) <= 1e-9 * scale else values[low]  # rounding, not data
        sentence += (f": lowest, {num(lowest)}, at {num(x[low])}; "
                     f"{num(values[0])} at the left end and {num(values[-1])} at the right end")
    if slopes is not None and slope_ax is not None:
        s = np.asarray(slopes, dtype=np.float64).ravel()
        sentence += (f". Its slope dL/dŷ (dashed, in its own panel) goes from {num(s[0])} to "
                     f"{num(s[-1])}")
    describe(ax, sentence + ".")
    return ax


def plot_class_probabilities(probs, class_names, true_class: int, ax=None, title=None):
    """Bars of a model's class probabilities (K,), the true class hatched in green, and the loss.

    The cross-entropy of one sample is ``-ln p_true``, the minus log of the green, hatched bar; the
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
    colours = [RIGHT if k == true_class else "#bbbbbb" for k in range(len(probs))]
    bars = ax.bar(np.arange(len(probs)), probs, color=colours, edgecolor="0.2")
    bars[true_class].set_hatch("//")  # the true class: hatched as well as coloured
    for k, p in enumerate(probs):
        ax.text(k, p + 0.02, f"{p:.2f}", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(np.arange(len(probs)))
    ax.set_xticklabels([f"{c}\n(true)" if k == true_class else str(c)
                        for k, c in enumerate(class_names)])
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("predicted probability")
    p_true = probs[true_class]
    with np.errstate(divide="ignore"):
        loss = -np.log(p_true)
    ax.set_title(title if title is not None else
                 f"true: {class_names[true_class]}, loss = -ln {p_true:.2f} = {loss:.2f}",
                 fontsize=10)
    describe(ax, "Bars of the predicted probability of each class: "
             + ", ".join(f"{c} {p:.2f}" + (" (the true class)" if k == true_class else "")
                         for k, (c, p) in enumerate(zip(class_names, probs, strict=True)))
             + f"; the loss is -ln {p_true:.2f} = {num(loss)}.")
    return ax


