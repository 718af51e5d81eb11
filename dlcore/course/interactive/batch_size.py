"""Widgets: Batch size (07_training_loop).

See ``dlcore.course.interactive`` for how a widget is split in two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import explorer_box


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
    from dlcore.activations import ReLU
    from dlcore.layers import Dense
    from dlcore.losses import SoftmaxCrossEntropy
    from dlcore.module import Sequential
    from dlcore.optim import SGD
    from dlcore.rng import as_generator
    from dlcore.train import fit

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

    from dlcore.course import viz

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
