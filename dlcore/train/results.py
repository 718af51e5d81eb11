"""What a run gives back and what can end it: ``History``, ``EarlyStopping``, the errors.

Part of ``dlcore.train``; its docstring gives the whole picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..module import Layer
from ..validate import (
    non_negative_number,
    positive_int,
)

#: ``fit`` stops with ``TrainingDiverged`` when an epoch's training loss is more than this many
#: times both the first batch's loss and the loss of a model that knows nothing
#: (``Loss.chance_loss``): far beyond the ups and downs of a run that is learning.
DIVERGENCE_FACTOR = 100.0


class TrainingDiverged(FloatingPointError):
    """Training blew up during ``fit``: the loss, a weight or the optimizer's memory became NaN
    or infinite, or the training loss, still finite, climbed ``DIVERGENCE_FACTOR`` times above
    both where it started and the chance level.

    Attributes: ``epoch`` and ``iteration`` (both from 1) where it happened, ``last_finite_loss``
    (None if there was none) and ``history`` (everything recorded up to then, for plotting).
    """

    def __init__(self, message: str, epoch: int, iteration: int,
                 last_finite_loss: float | None, history: History):
        super().__init__(message)
        self.epoch = epoch
        self.iteration = iteration
        self.last_finite_loss = last_finite_loss
        self.history = history


class TrainingInterrupted(KeyboardInterrupt):
    """``fit`` was stopped by its user: the kernel's stop button in Jupyter, or Ctrl-C.

    A ``KeyboardInterrupt``, so a loop around ``fit`` stops too. The model keeps the weights of
    its last update, finite and usable (``predict``, ``evaluate``, ``save``, or ``fit`` again to
    go on), and is back in the mode it was in. Attributes: ``epoch`` and ``iteration`` (from 1)
    where it stopped, and ``history``: every epoch completed before, and the loss of every
    batch trained on. In Jupyter, the cell after the stopped one can take it with
    ``history = sys.last_value.history``; or catch it::

        try:
            history = fit(model, loss, optimizer, X, y, epochs=100, batch_size=32)
        except KeyboardInterrupt as stop:     # the stop button
            history = stop.history
    """

    def __init__(self, message: str, epoch: int, iteration: int, history: History):
        super().__init__(message)
        self.epoch = epoch
        self.iteration = iteration
        self.history = history


@dataclass
class History:
    """What happened during ``fit``, one entry per epoch (or per iteration for ``batch_loss``).

    Attributes
    ----------
    loss : list of float
        Training loss of each epoch: the mean of that epoch's batch losses, weighted by batch
        size (the mean over every training sample, each seen with the weights of its moment).
    val_loss : list of float
        Loss on ``validation_data`` after each epoch (empty without validation data).
    accuracy : list of float
        Classification losses only: the fraction of training samples classified right during
        the epoch, each judged by the output the model gave it when its batch was trained on (a
        *running* accuracy, in training mode, as Keras reports it: no extra pass over the data,
        but the weights changed during the epoch, so it lags behind ``val_accuracy`` a little
        and includes Dropout's noise). Empty for regression.
    val_accuracy : list of float
        Accuracy on ``validation_data`` after each epoch (classification with validation only).
    batch_loss : list of float
        The loss of every mini-batch, in order: ``epochs_run * iterations_per_epoch`` numbers.
        Noisy by nature; this is the curve the optimizer really follows. Only finite values:
        after ``TrainingDiverged``, ``exc.history.batch_loss`` ends with the last finite one.
    epoch_time : list of float
        Seconds per epoch (training and validation).
    iterations_per_epoch : int
        Mini-batches per epoch, ``ceil(N / batch_size)``.
    epochs_run : int
        How many epochs completed.
    stopped_early : bool
        True if a callback (``EarlyStopping``) ended training before ``epochs``.
    stop_reason : str or None
        Why it stopped early, in words; None if every epoch ran.
    best_epoch : int or None
        The epoch (from 1) with the lowest validation loss, or the lowest training loss when
        there is no validation data: ``history.val_loss[history.best_epoch - 1]``.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    iterations_per_epoch: int = 0
    stopped_early: bool = False
    stop_reason: str | None = None
    best_epoch: int | None = None

    @property
    def epochs_run(self) -> int:
        """How many epochs completed: one training loss is recorded at the end of each."""
        return len(self.loss)

    @property
    def epochs(self) -> list[int]:
        """``[1, 2, ..., epochs_run]``: the x-axis for ``plt.plot(h.epochs, h.loss)``."""
        return list(range(1, self.epochs_run + 1))

    def __repr__(self) -> str:
        def curve(name, values, fmt):
            if not values:
                return None
            return f"{name} {values[0]:{fmt}} -> {values[-1]:{fmt}}"

        parts = [
            f"epochs_run={self.epochs_run}",
            f"iterations_per_epoch={self.iterations_per_epoch}",
            curve("loss", self.loss, ".4g"),
            curve("val_loss", self.val_loss, ".4g"),
            curve("accuracy", self.accuracy, ".4f"),
            curve("val_accuracy", self.val_accuracy, ".4f"),
            f"best_epoch={self.best_epoch}",
            f"time {sum(self.epoch_time):.2f} s",
        ]
        if self.stopped_early:
            parts.append(f"stopped early: {self.stop_reason}")
        return "History(" + ", ".join(p for p in parts if p) + ")"


@dataclass
class Evaluation:
    """The result of ``evaluate``: the mean ``loss`` and, for classification, the ``accuracy``."""

    loss: float
    accuracy: float | None = None

    def __repr__(self) -> str:
        if self.accuracy is None:
            return f"Evaluation(loss={self.loss:.4g})"
        return f"Evaluation(loss={self.loss:.4g}, accuracy={self.accuracy:.4f})"


class EarlyStopping:
    """Stop training when the validation loss has not improved for ``patience`` epochs.

    Why (``notebooks/07_training_loop.ipynb``): once a model starts to overfit, its training loss
    keeps falling while its validation loss rises; the best model is the one from the epoch with
    the lowest validation loss. With ``restore_best=True`` that epoch's ``model.state_dict()``
    (the weights and the buffers, such as BatchNorm's running statistics) is loaded back into
    the model when training ends (in place, so an optimizer holding the parameters stays
    valid), whether it stopped early or ran every epoch.

    An epoch counts as an improvement if ``val_loss < best - min_delta``. The epoch whose
    weights are kept is ``early_stopping.best_epoch`` (from 1); with ``min_delta=0`` it is
    ``history.best_epoch``.

    Needs ``validation_data`` in ``fit`` (a ValueError otherwise). One object may be reused for
    several ``fit`` calls: its state is reset at the start of each.

    The callback protocol, for writing your own: an object with
    ``on_epoch_end(epoch, history, model) -> bool`` (return True to stop), and optionally
    ``on_train_begin(history, model)``, ``on_train_end(history, model)``, ``stop_reason`` (a
    str used in ``History.stop_reason``) and ``requires_validation = True``.
    """

    requires_validation = True

    def __init__(self, patience: int = 5, min_delta: float = 0.0, restore_best: bool = True):
        self.patience = positive_int(patience, "patience", "EarlyStopping",
                                     "the epochs to wait for an improvement; 5 to 10 is usual.")
        self.min_delta = non_negative_number(min_delta, "min_delta", "EarlyStopping")
        self.restore_best = bool(restore_best)
        self.on_train_begin(None, None)

    def on_train_begin(self, history, model) -> None:
        self.best = math.inf
        self.best_epoch: int | None = None
        self.wait = 0
        self.stop_reason: str | None = None
        self._best_state: dict[str, np.ndarray] | None = None

    def on_epoch_end(self, epoch: int, history: History, model: Layer) -> bool:
        current = history.val_loss[-1]
        if current < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best:
                self._best_state = model.state_dict()  # a copy, by name
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stop_reason = (
                f"validation loss did not improve for {self.patience} epochs (best "
                f"{self.best:.4g} at epoch {self.best_epoch})"
            )
            return True
        return False

    def on_train_end(self, history: History, model: Layer) -> None:
        if self.restore_best and self._best_state is not None \
                and self.best_epoch != history.epochs_run:
            model.load_state_dict(self._best_state)  # in place: the optimizer keeps its arrays

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
            f"restore_best={self.restore_best})"
        )
