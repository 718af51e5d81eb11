"""Pictures: Training: learning curves, predictions, confusion matrix (07_training_loop).

matplotlib is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import numpy as np

from .common import WRONG, _axes, describe, next_series_style, num, series_style


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
    n_epochs = max(len(_curve(history, "loss")), len(_curve(history, "val_loss")))
    # one colour and one marker per run, the same in both panels (a second run on the same axes
    # gets the next ones); training solid, validation dashed
    style = next_series_style(axes[0], color, n_points=n_epochs)
    for ax, (train_key, val_key, name) in zip(axes, keys, strict=False):
        train, val = _curve(history, train_key), _curve(history, val_key)
        line = None
        if train:
            (line,) = ax.plot(np.arange(1, len(train) + 1), train, "-", **style,
                              markersize=4, label=f"{prefix}training")
        if val:
            ax.plot(np.arange(1, len(val) + 1), val, "--", **style, markersize=4,
                    markerfacecolor="white", label=f"{prefix}validation")
        best = getattr(history, "best_epoch", None) if not isinstance(history, dict) else None
        if best and val and best < len(val):  # only when training went on past its best
            ax.axvline(best, color=line.get_color() if line is not None else "gray",
                       linestyle=":", linewidth=1)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))  # no epoch 2.5
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    describe(axes[0], _learning_curves_sentence(history, label))
    return axes


def _learning_curves_sentence(history, label) -> str:
    """What ``plot_learning_curves`` shows, in words, from the numbers it draws."""
    loss, val_loss = _curve(history, "loss"), _curve(history, "val_loss")
    acc, val_acc = _curve(history, "accuracy"), _curve(history, "val_accuracy")
    n = max(len(loss), len(val_loss))
    what = "Training and validation loss" if val_loss else "Training loss"
    words = [f"{label + ': ' if label else ''}{what} against epoch, {n} epoch{'s' * bool(n != 1)}"]
    if loss:
        words.append(f"training loss from {num(loss[0])} to {num(loss[-1])}")
    if val_loss:
        best = int(np.nanargmin(val_loss))
        words.append(f"validation loss lowest at epoch {best + 1} ({num(val_loss[best])}), "
                     f"{num(val_loss[-1])} at the end")
    sentence = "; ".join(words) + "."
    if val_acc:
        best = int(np.nanargmax(val_acc))
        sentence += (f" Second panel, accuracy: validation accuracy highest at epoch {best + 1} "
                     f"({val_acc[best]:.1%}), training accuracy {acc[-1]:.1%} at the end."
                     if acc else f" Validation accuracy highest at epoch {best + 1} "
                     f"({val_acc[best]:.1%}).")
    elif acc:
        sentence += f" Second panel: training accuracy {acc[-1]:.1%} at the end."
    return sentence


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
                spine.set_edgecolor(WRONG)
                spine.set_linewidth(2.5)
        ax.set_title(title, fontsize=9, color="black" if right else WRONG)
    wrong = [i for i in range(n) if predicted[i] != y_true[i]]
    mistakes = "; ".join(f"image {i + 1} predicted {predicted[i]}, is {y_true[i]}"
                         for i in wrong[:6]) + ("; ..." if len(wrong) > 6 else "")
    describe(axes[0], f"A grid of {n} digit images, each titled with the predicted class and "
                      f"its probability: {n - len(wrong)} right, {len(wrong)} wrong"
                      + (f" ({mistakes}, framed)." if wrong else "."))
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
    off = C * (1 - np.eye(K, dtype=C.dtype)) if K else C
    sentence = (f"Confusion matrix of {K} classes, true class in rows, predicted class in "
                f"columns: {int(np.trace(C))} of {int(C.sum())} samples on the diagonal (right)")
    if K and off.max() > 0:
        i, j = np.unravel_index(int(np.argmax(off)), off.shape)
        sentence += (f"; the most frequent mistake is true {names[i]} predicted as {names[j]}, "
                     f"{int(off[i, j])} time{'s' * bool(off[i, j] != 1)}")
    describe(ax, sentence + ".")
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
    describe(ax_batch, f"Batch size {run.batch_size}, {it} iteration{'s' * bool(it != 1)} per "
                       f"epoch. Left: the loss of each of the {len(run.batch_loss)} mini-batches "
                       f"against the epoch, from {num(run.batch_loss[0])} to "
                       f"{num(run.batch_loss[-1])}. Middle: the training loss of each epoch, "
                       + ", ".join(num(v) for v in run.epoch_loss) + ". Right: the wall time "
                       "of each epoch, " + ", ".join(f"{v:.0f}" for v in ms) + " ms.")
    return axes




def plot_runs_by_seed(curves, ax=None, ylabel: str = "validation loss", title: str | None = None,
                      colors=None):
    """Many runs of each setting, one thin line per seed, and their average as a thick line.

    One training run is one draw: its starting weights, its batch order and its dropout masks
    come from a seed, and a validation curve from one seed goes up and down by chance. Drawn
    together, the thin lines show how much the runs differ; the thick line, the average over
    the seeds, shows the trend that a single run hides (``notebooks/07_training_loop.ipynb``:
    the big network with and without Dropout).

    Parameters
    ----------
    curves : dict label -> (S, E) array: S runs (seeds) of E epochs each
    ax : optional axes
    ylabel, title : str
    colors : dict label -> colour, optional (to match another picture). Default: the course's
        palette (viz.COLORS), in order.

    Returns
    -------
    The axes; the thick line of each label is the one in the legend.
    """

    ax = _axes(ax, figsize=(8, 4))
    sentences = []
    for i, (label, runs) in enumerate(curves.items()):
        runs = np.asarray(runs, dtype=float)
        if runs.ndim != 2:
            raise ValueError(
                f"plot_runs_by_seed: expected {label!r} to hold one curve per seed, an array of "
                f"shape (seeds, epochs), received shape {runs.shape}."
            )
        style = series_style(i, n_points=runs.shape[1])
        if colors and label in colors:
            style["color"] = colors[label]
        epochs = np.arange(1, runs.shape[1] + 1)
        for run in runs:
            ax.plot(epochs, run, color=style["color"], linewidth=0.7, alpha=0.35)
        mean = runs.mean(axis=0)
        ax.plot(epochs, mean, linewidth=2.5, **style,
                label=f"{label}: average of {len(runs)} seeds")
        low = int(np.argmin(mean))
        sentences.append(f"{label}, the average of {len(runs)} seeds, lowest at epoch {low + 1} "
                         f"({num(mean[low])}) and {num(mean[-1])} at the end")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    if title is not None:
        ax.set_title(title, fontsize=10)
    describe(ax, f"{title + ': ' if title else ''}{ylabel} against epoch, one thin line per seed "
                 f"and a thick average per group: " + "; ".join(sentences) + ".")
    return ax
