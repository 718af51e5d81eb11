"""The training loop, written once: ``fit``, ``evaluate``, ``History``, ``EarlyStopping``.

Introduced in ``notebooks/07_training_loop.ipynb``, where the loop is first written by hand::

    for epoch in range(epochs):
        for X_batch, y_batch in loader:              # a new shuffled order every epoch
            optimizer.zero_grad()                    # forget the previous batch's gradients
            y_hat = model.forward(X_batch)           # 1. forward
            L = loss(y_hat, y_batch)                 # 2. loss
            model.backward(loss.backward())          # 3. backward
            optimizer.step()                         # 4. update

``train_epoch`` below is exactly the inner loop, and nothing else. ``fit`` runs it once per
epoch and puts around it the bookkeeping a person wants to see (losses, accuracy, time per
epoch, a progress bar, validation, callbacks such as ``EarlyStopping``) and the checks that turn
silent failures into clear errors: inputs validated once at the start (every label of ``y`` and
``y_val`` against the loss and the model's output, before the first update), and a run that
blows up stops with ``TrainingDiverged``, saying when and what to try: a loss or a weight that
becomes NaN or inf, an optimizer whose memory does, or a training loss that stays finite but
climbs far above both where it started and the loss of a model that knows nothing.

Epochs are counted from 1 everywhere in this module (``History.best_epoch``, the ``epoch``
given to callbacks, error messages), as people count them: "epoch 1 of 10".
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .data import BatchLoader
from .module import Layer, _all_layers
from .validate import (
    NotFiniteError,
    as_float_array,
    describe,
    finite,
    message,
    non_negative_number,
    positive_int,
)

__all__ = ["fit", "train_epoch", "evaluate", "History", "Evaluation", "EarlyStopping",
           "TrainingDiverged", "TrainingInterrupted", "DIVERGENCE_FACTOR"]

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


# --- input checks, once, at the boundary --------------------------------------------------------


def _check_finite(a: np.ndarray, name: str, where: str) -> None:
    finite(a, name, where, "fill or drop missing values before training, e.g. "
                           "X = np.nan_to_num(X) or keep only the rows np.isfinite(X).all(axis=1).")


def _check_data(X, y, dtype, names: tuple[str, str], where: str):
    """X cast once to the model's dtype, y as an array (float targets cast too); both checked."""
    X = as_float_array(X, names[0], where)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"{where}: expected {names[0]} and {names[1]} to hold one row per sample, received "
            f"{names[0]}: {describe(X)} and {names[1]}: {describe(y)}."
        )
    if len(X) != len(y):
        raise ValueError(
            f"{where}: expected {names[0]} and {names[1]} to have the same number of samples, "
            f"received {len(X)} ({names[0]} shape {X.shape}) and {len(y)} ({names[1]} shape "
            f"{y.shape}). Hint: split X and y together, e.g. with "
            f"dlcore.data.train_val_test_split."
        )
    if len(X) == 0:
        raise ValueError(
            f"{where}: expected at least one sample, received {names[0]} with 0 rows "
            f"({describe(X)})."
        )
    if X.ndim == 1:
        raise ValueError(
            f"{where}: expected {names[0]} of shape (N, features), received {describe(X)}. "
            f"Hint: one feature per sample is a column: {names[0]}.reshape(-1, 1)."
        )
    if y.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: expected {names[1]} to be numbers (labels or targets), received "
            f"{describe(y)}. Hint: encode string labels with dlcore.data.LabelEncoder."
        )
    _check_finite(X, names[0], where)
    _check_finite(y, names[1], where)
    # Cast once here, not per batch: a float64 X would otherwise be converted on every step,
    # and the whole forward pass would silently run in float64. The caller's arrays are never
    # changed: astype makes a new array (and no copy at all if the dtype already matches).
    X = X.astype(dtype, copy=False)
    if y.dtype.kind == "f":
        y = y.astype(dtype, copy=False)
    return X, y


def _check_loss_and_model(model, loss, where: str) -> None:
    if not isinstance(model, Layer):
        raise TypeError(
            f"{where}: expected model to be a dlcore model (a Sequential or any Layer), "
            f"received {type(model).__name__}."
        )
    if isinstance(loss, type) or not (callable(loss) and hasattr(loss, "backward")):
        name = loss.__name__ if isinstance(loss, type) else type(loss).__name__
        raise TypeError(
            f"{where}: expected loss to be a loss object such as SoftmaxCrossEntropy(), "
            f"received {name}. Hint: instantiate the class: loss=MSE() rather than loss=MSE."
        )


def _output_shape(model: Layer, X: np.ndarray, name: str, where: str) -> tuple:
    """The shape of the model's output for all of ``X``, from a forward pass on its first
    sample in evaluation mode (no dropout mask drawn, no running statistic changed); an
    error of the model's own is raised again saying which data it was."""
    modes = [(layer, layer.training) for layer in _all_layers(model)]
    model.eval()
    try:
        out = model.forward(X[:1])
    except (TypeError, ValueError) as exc:
        raise type(exc)(
            f"{where}: {name} ({describe(X)}) does not fit the model, checked on its first "
            f"sample before any update: {exc}"
        ) from exc
    finally:
        for layer, mode in modes:
            layer.training = mode
    return (len(X), *np.shape(out)[1:])


def _check_against_model(model, loss, X, y, names: tuple[str, str], where: str) -> tuple:
    """X through the model (its first sample), then every target of y against the loss and
    the model's output shape; returns that shape (N, ...)."""
    shape = _output_shape(model, X, names[0], where)
    check = getattr(loss, "check_targets", None)  # a loss written without dlcore's base class
    if check is not None:
        try:
            check(y, shape)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"{where}: {names[1]} ({describe(y)}) does not fit the loss and the model's "
                f"output (shape {shape}), checked on all of it before any update: {exc}"
            ) from exc
    return shape


def _model_dtype(model: Layer):
    params = model.parameters()
    return params[0].value.dtype if params else np.dtype(np.float32)


def _evaluate(model, loss, X, y, batch_size: int) -> tuple[float, float | None]:
    """Mean loss (and accuracy) over (X, y) in batches; X already checked and cast. Eval mode."""
    was_training = model.training
    model.eval()
    try:
        total, correct, N = 0.0, 0, len(X)
        for start in range(0, N, batch_size):
            Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
            y_hat = model.forward(Xb)
            total += loss(y_hat, yb) * len(Xb)  # each batch mean, weighted by its size
            if loss.is_classification:
                correct += int(np.count_nonzero(
                    loss.predict_labels(y_hat) == loss.target_labels(yb)))
    finally:
        model.train(was_training)
    return total / N, (correct / N if loss.is_classification else None)


def evaluate(model: Layer, loss, X, y, batch_size: int = 1024) -> Evaluation:
    """The model's mean loss on (X, y), and its accuracy for a classification loss.

    Runs in evaluation mode (Dropout off), in batches of ``batch_size`` so that a large X does
    not need one huge forward pass, and puts the model back in the mode it was in. The loss is
    the mean over all N samples (each batch's mean weighted by its size).

    X: (N, ...), y: (N, ...) -> ``Evaluation(loss, accuracy)``; ``accuracy`` is None for a
    regression loss.
    """
    where = "evaluate"
    _check_loss_and_model(model, loss, where)
    batch_size = positive_int(batch_size, "batch_size", where,
                              "batch_size only limits memory; 1024 is fine.")
    X, y = _check_data(X, y, _model_dtype(model), ("X", "y"), where)
    _check_against_model(model, loss, X, y, ("X", "y"), where)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        mean_loss, acc = _evaluate(model, loss, X, y, batch_size)
    return Evaluation(loss=float(mean_loss), accuracy=acc)


# --- the loop -------------------------------------------------------------------------------------


class _PrintProgress:
    """Stand-in for a tqdm bar when tqdm is not installed: one line per epoch."""

    def __init__(self, total):
        self.total, self.n, self.postfix = total, 0, ""

    def set_postfix(self, **values):
        self.postfix = ", ".join(f"{k}={v}" for k, v in values.items())

    def update(self, n=1):
        self.n += n
        print(f"epoch {self.n}/{self.total}: {self.postfix}", flush=True)

    def close(self):
        pass


def train_epoch(model: Layer, loss_fn, optimizer, loader, on_batch=None) -> None:
    """One epoch: the four steps of ``notebooks/07_training_loop.ipynb`` for every mini-batch.

    ``loader`` gives ``(X_batch, y_batch)`` pairs (a ``dlcore.data.BatchLoader``: a new shuffled
    order every epoch). ``on_batch(loss, y_hat, y_batch)``, if given, is called after each
    update with the batch's loss (a float) and the model's output: ``fit`` records the losses
    and the accuracy there and stops a run whose loss is no longer finite. The model is put in
    training mode (Dropout on, BatchNorm on batch statistics).
    """
    model.train()
    for X_batch, y_batch in loader:
        optimizer.zero_grad()                  # forget the previous batch's gradients
        y_hat = model.forward(X_batch)         # 1. forward
        loss = loss_fn(y_hat, y_batch)         # 2. loss
        model.backward(loss_fn.backward())     # 3. backward
        optimizer.step()                       # 4. update
        if on_batch is not None:
            on_batch(loss, y_hat, y_batch)


class _EpochRecord:
    """What ``fit`` records batch by batch: the losses, the running accuracy, and divergence.

    ``batch`` is the ``on_batch`` of ``train_epoch``; ``diverged`` builds the error that says
    where training went wrong and what to try.
    """

    def __init__(self, history: History, loss_fn, optimizer, iterations: int):
        self.history, self.loss_fn, self.optimizer = history, loss_fn, optimizer
        self.iterations = iterations
        self.epoch, self.iteration, self.correct, self.loss_sum = 0, 0, 0, 0.0

    def start(self, epoch: int) -> None:
        self.epoch, self.iteration, self.correct, self.loss_sum = epoch, 0, 0, 0.0

    def batch(self, loss: float, y_hat: np.ndarray, y_batch: np.ndarray) -> None:
        self.iteration += 1
        if not math.isfinite(loss):
            raise self.diverged(f"the loss became {loss}")
        self.history.batch_loss.append(loss)
        self.loss_sum += loss * len(y_batch)  # each batch's mean weighted by its size
        if self.loss_fn.is_classification:  # counted now, so that no output is kept
            right = self.loss_fn.predict_labels(y_hat) == self.loss_fn.target_labels(y_batch)
            self.correct += int(np.count_nonzero(right))

    def diverged(self, what: str, iteration: int | None = None,
                 weights_usable: bool = False) -> TrainingDiverged:
        history, iteration = self.history, iteration or self.iteration
        last = history.batch_loss[-1] if history.batch_loss else None
        last_text = f"{last:.4g}" if last is not None else "none (it was not finite from the start)"
        lr = getattr(self.optimizer, "lr", None)
        lr_hint = (f"lower the learning rate, e.g. lr={lr / 10:g} instead of {lr:g}"
                   if isinstance(lr, (int, float)) else "lower the learning rate, e.g. by 10x")
        text = (
            f"fit: training diverged at epoch {self.epoch}, iteration {iteration} of "
            f"{self.iterations}: {what}. The last finite batch loss was {last_text}. Try: "
            f"{lr_hint}; standardise the inputs (dlcore.data.StandardScaler); if the loss works "
            f"on probabilities (BinaryCrossEntropy, CategoricalCrossEntropy), avoid log(0) by "
            f"ending the model with logits and using the from-logits loss "
            f"(BinaryCrossEntropyWithLogits, SoftmaxCrossEntropy)."
        )
        if weights_usable:
            text += (" The weights are finite, but build a new optimizer (its memory is "
                     "spoilt) before training on.")
        else:
            text += (" The model's weights are now unusable: build (or load) it again before "
                     "retrying.")
        return TrainingDiverged(text, self.epoch, iteration, last, history)

    def interrupted(self) -> TrainingInterrupted:
        """The error for a run stopped by its user, saying what is kept and where."""
        history = self.history
        done = history.epochs_run
        text = (
            f"fit: stopped by the user in epoch {self.epoch}, after {self.iteration} of "
            f"{self.iterations} iterations. The model keeps the weights of its last update and "
            f"can be used, saved or trained on; the history of the {done} complete "
            f"epoch{'s' if done != 1 else ''} (and of every batch) is this exception's "
            f".history: in Jupyter, history = sys.last_value.history in the next cell."
        )
        return TrainingInterrupted(text, self.epoch, self.iteration, history)


def _first_bad_parameter(model: Layer) -> str | None:
    """The name of the first parameter holding a NaN or an infinity, or None."""
    for name, p in model.named_parameters():
        if not _all_finite(p.value):
            return name
    return None


def _all_finite(a: np.ndarray) -> bool:
    """True if ``a`` holds no NaN or inf: one sum clears the usual case without a mask."""
    if math.isfinite(a.sum()):
        return True
    return bool(np.isfinite(a).all())  # finite numbers whose sum overflowed


def _first_bad_state(model: Layer, optimizer) -> str | None:
    """``"v of layers[0].W"`` for the first NaN or inf in the optimizer's memory, or None.

    Overflow warnings are silenced inside ``fit`` (``TrainingDiverged`` reports instead), so an
    infinite state must be looked for: a float32 gradient of 1e30 squared is inf in Adam's
    ``v``, after which that weight's step is 0 forever while the loss looks merely stuck.
    """
    states = getattr(optimizer, "state", None)
    params = getattr(optimizer, "params", None)
    if not isinstance(states, list) or not isinstance(params, list):
        return None
    names = {id(p): name for name, p in model.named_parameters()}
    for p, state in zip(params, states, strict=False):
        for key, arr in (state.items() if isinstance(state, dict) else ()):
            if isinstance(arr, np.ndarray) and arr.dtype.kind == "f" and not _all_finite(arr):
                return f"{key} of {names.get(id(p), p.name)}"
    return None


def _check_fit_arguments(model, loss, optimizer, X, y, epochs, batch_size, validation_data,
                         callbacks):
    """Every check of ``fit``'s arguments, once, before any work; returns them cleaned."""
    where = "fit"
    _check_loss_and_model(model, loss, where)
    if not (callable(getattr(optimizer, "step", None))
            and callable(getattr(optimizer, "zero_grad", None))):
        raise TypeError(
            f"{where}: expected optimizer to be an optimizer object with zero_grad() and step(), "
            f"received {type(optimizer).__name__}. Hint: optimizer=Adam(model.parameters(), "
            f"lr=1e-3)."
        )
    params = model.parameters()
    opt_params = getattr(optimizer, "params", None)
    if params and opt_params is not None:
        ids = {id(p) for p in opt_params}
        if not any(id(p) in ids for p in params):
            raise ValueError(
                f"{where}: expected the optimizer to update this model's parameters, but it "
                f"holds none of them (the model has {len(params)}, the optimizer "
                f"{len(opt_params)} others). Hint: build the optimizer after the model, from it: "
                f"Adam(model.parameters(), lr=1e-3)."
            )
    epochs = positive_int(epochs, "epochs", where,
                          "one epoch is one pass over the training data; try epochs=10.")
    batch_size = positive_int(
        batch_size, "batch_size", where,
        "batch_size is the number of samples per update, at least 1; 32 to 256 is usual, "
        "and batch_size=len(X) gives full-batch gradient descent.",
    )
    dtype = _model_dtype(model)
    X, y = _check_data(X, y, dtype, ("X", "y"), where)
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            received = type(validation_data).__name__
            if isinstance(validation_data, (tuple, list)):
                received += f" of length {len(validation_data)}"
            raise ValueError(message(where, "validation_data to be a pair (X_val, y_val)",
                                     received, "validation_data=(X_val, y_val)."))
        validation_data = _check_data(*validation_data, dtype, ("X_val", "y_val"), where)
    output_shape = _check_against_model(model, loss, X, y, ("X", "y"), where)
    if validation_data is not None:
        _check_against_model(model, loss, *validation_data, ("X_val", "y_val"), where)
    callbacks = list(callbacks) if callbacks is not None else []
    for cb in callbacks:
        if not callable(getattr(cb, "on_epoch_end", None)):
            raise TypeError(
                f"{where}: expected each callback to have a method on_epoch_end(epoch, history, "
                f"model), received {type(cb).__name__}. Hint: callbacks=[EarlyStopping()]."
            )
        if getattr(cb, "requires_validation", False) and validation_data is None:
            raise ValueError(
                f"{where}: {type(cb).__name__} watches the validation loss, so it expects "
                f"validation_data=(X_val, y_val), received validation_data=None. Hint: split "
                f"off a validation set with dlcore.data.train_val_test_split."
            )
    return X, y, epochs, batch_size, validation_data, callbacks, output_shape


def _progress_bar(epochs: int, progress: bool):
    if not progress:  # tqdm imported only when used: progress=False costs nothing
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is in requirements.txt
        return _PrintProgress(epochs)
    return tqdm(total=epochs, desc="fit", unit="epoch")


def fit(model: Layer, loss, optimizer, X, y, epochs: int, batch_size: int,
        validation_data=None, seed=None, callbacks=None, progress: bool = True,
        shuffle: bool = True) -> History:
    """Train ``model`` on (X, y) with mini-batch gradient descent; return the ``History``.

    Each epoch is ``train_epoch``: every sample once, in mini-batches from one
    ``dlcore.data.BatchLoader`` (built once, so each epoch gets a new order from ``seed``), each
    mini-batch the four steps of ``notebooks/07_training_loop.ipynb``: forward, loss, backward,
    update. Around it: after each epoch the validation loss (and accuracy) is computed in eval
    mode, the callbacks run, and the progress bar moves.

    Before the first update every argument is checked: ``X`` (and ``X_val``) through the model
    on its first sample, and every target of ``y`` (and ``y_val``) against the loss and the
    model's output, so that a bad label is reported at its place in ``y``, not in a mini-batch.

    Parameters
    ----------
    model : Layer
        Usually a ``Sequential``. Put in training mode for the loop and back in the mode it was
        in afterwards.
    loss : a dlcore loss object, e.g. ``SoftmaxCrossEntropy()`` or ``MSE()``.
    optimizer : e.g. ``Adam(model.parameters(), lr=1e-3)``; updates the parameters in place.
    X : (N, ...) array
        Cast once to the model's parameter dtype (float32 by default); the caller's array is
        not changed.
    y : (N, ...) array
        Targets as the loss expects them (labels (N,), one-hot (N, K), values (N, D)).
    epochs : int >= 1
    batch_size : int >= 1
        Samples per update. 32 to 256 is usual; ``len(X)`` gives full-batch gradient descent.
    validation_data : (X_val, y_val), optional
        Evaluated after every epoch, never trained on.
    seed : None, int or Generator
        The shuffling order. None: the model's own generator if it was built with
        ``Sequential(..., seed=...)``, else a fresh, unpredictable order.
    callbacks : list, optional
        Objects with ``on_epoch_end(epoch, history, model) -> bool`` (True stops training),
        e.g. ``EarlyStopping``. See ``EarlyStopping`` for the whole protocol.
    progress : bool
        A tqdm progress bar over epochs showing loss and val_loss (in Jupyter a widget bar);
        False turns it off entirely.
    shuffle : bool
        Shuffle every epoch (True) or keep the order of X.

    Returns
    -------
    History

    Raises
    ------
    TrainingDiverged
        If the loss, a weight or the optimizer's memory becomes NaN or infinite, or an epoch's
        loss climbs ``DIVERGENCE_FACTOR`` (100) times above both the first batch's loss and
        the chance level (``loss.chance_loss``): says at which epoch and iteration, the last
        finite loss, and what to try.
    TrainingInterrupted
        If you stop it (see below).

    Repeating a run
    ---------------
    Every random number of a run comes from a seed: the starting weights, the dropout masks,
    the shuffling. One seed in one place drives all three: build the model with
    ``Sequential(..., seed=0)`` and call ``fit`` without a ``seed`` (a ``seed`` given here
    replaces the model's generator for the shuffling only). A layer built without a seed
    draws new weights (or masks) every run, and ``fit(seed=0)`` alone does not change that.

    With the same seeds, data, starting model and optimizer, two runs give bit-identical
    weights and history *on the same machine, with the same NumPy and BLAS library and the
    same number of BLAS threads*. Another CPU, BLAS library or thread count adds the numbers of
    a matrix product in another order, which changes the last digits (an MLP's loss of
    1.2970045502 with one thread, 1.2970045163 with two) and, over many updates, more than
    that: compare runs across machines with a tolerance (``dlcore.tolerance``), never ``==``.

    Stopping
    --------
    The kernel's stop button (or Ctrl-C) stops ``fit`` at once and raises
    ``TrainingInterrupted``, a ``KeyboardInterrupt``: the model keeps the weights of its last
    update, usable and back in the mode it was in (callbacks' ``on_train_end`` is not run, so
    ``EarlyStopping`` does not restore its best epoch), and the history so far is
    ``exc.history``; in Jupyter the next cell can take it with
    ``history = sys.last_value.history``.
    """
    X, y, epochs, batch_size, validation_data, callbacks, output_shape = _check_fit_arguments(
        model, loss, optimizer, X, y, epochs, batch_size, validation_data, callbacks)
    if seed is None:
        seed = getattr(model, "rng", None)  # Sequential(..., seed=): the model's one seed
    loader = BatchLoader(X, y, batch_size, shuffle=shuffle, seed=seed)
    history = History(iterations_per_epoch=len(loader))
    record = _EpochRecord(history, loss, optimizer, len(loader))
    chance = getattr(loss, "chance_loss", None)
    chance = chance(y, output_shape) if chance is not None else None
    for cb in callbacks:
        if hasattr(cb, "on_train_begin"):
            cb.on_train_begin(history, model)
    bar = _progress_bar(epochs, progress)

    was_training, needed_input_grad = model.training, model.needs_input_grad
    # Nothing uses dL/dX (the data is not learned), so the first layer may skip it; put back
    # afterwards, so that model.backward(...) by hand returns it again.
    model.needs_input_grad = False
    try:
        # Overflow and 0/0 are reported by TrainingDiverged, with advice, instead of NumPy
        # RuntimeWarnings in the middle of the output.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, epochs + 1):
                start_time = time.perf_counter()
                record.start(epoch)
                try:
                    train_epoch(model, loss, optimizer, loader, on_batch=record.batch)
                except NotFiniteError as exc:
                    # the data were checked finite before training: the model's output is not
                    raise record.diverged("the model's output became NaN or infinite",
                                          record.iteration + 1) from exc
                _check_epoch(record, model, optimizer)
                _record_epoch(history, record, model, loss, X, validation_data, start_time)
                _check_loss_level(record, history, chance)
                stop = _run_callbacks(callbacks, epoch, history, model)
                if bar is not None:
                    bar.set_postfix(**_latest_numbers(history))
                    bar.update(1)
                if stop:
                    history.stopped_early = epoch < epochs
                    if not history.stopped_early:
                        history.stop_reason = None
                    break
    except KeyboardInterrupt as exc:
        raise record.interrupted() from exc
    finally:
        model.train(was_training)
        model.needs_input_grad = needed_input_grad
        if bar is not None:
            bar.close()
    for cb in callbacks:
        if hasattr(cb, "on_train_end"):
            cb.on_train_end(history, model)
    notebook_tqdm = getattr(sys.modules.get("tqdm.notebook"), "tqdm_notebook", None)
    if bar is not None and notebook_tqdm is not None and isinstance(bar, notebook_tqdm):
        # In Jupyter the bar is a widget: a page viewed without a running kernel (GitHub, an
        # exported HTML file) shows only the text the bar had when it was created, "0%". One
        # plain line of text keeps the final numbers visible there too.
        print(_summary_line(history), flush=True)
    return history


def _check_epoch(record, model: Layer, optimizer) -> None:
    """After an epoch's last update: every weight and the optimizer's memory still finite."""
    bad = _first_bad_parameter(model)  # the epoch's last update may have done it
    if bad is not None:
        raise record.diverged(f"the parameter {bad} became NaN or infinite")
    bad = _first_bad_state(model, optimizer)
    if bad is not None:
        raise record.diverged(
            f"the optimizer's memory ({type(optimizer).__name__}'s {bad}) became NaN or "
            f"infinite, so that weight would never move again although the loss stays finite "
            f"(a gradient so large that its square overflows the float type: clip the "
            f"gradients, e.g. Adam(..., clip_norm=1.0), or scale the targets)",
            weights_usable=True)


def _check_loss_level(record, history: History, chance: float | None) -> None:
    """``TrainingDiverged`` if the epoch's loss is far above where it started and chance."""
    first = history.batch_loss[0]
    reference = max(first, chance) if chance is not None else first
    current = history.loss[-1]
    if current > DIVERGENCE_FACTOR * reference:
        chance_text = (f" and the {chance:.4g} of a model that knows nothing (chance level)"
                       if chance is not None else "")
        raise record.diverged(
            f"the training loss of the epoch was {current:.4g}, more than "
            f"{DIVERGENCE_FACTOR:g} times both the first batch's {first:.4g}{chance_text}. "
            f"Every number is still finite, but the steps have thrown the weights far from "
            f"any solution",
            record.iterations)


def _record_epoch(history, record, model, loss, X, validation_data, start_time) -> None:
    """The epoch's numbers into ``history``: training loss and accuracy, validation, time."""
    # the mean over every sample (the last batch is smaller when batch_size does not divide N)
    history.loss.append(record.loss_sum / len(X))
    if loss.is_classification:
        history.accuracy.append(record.correct / len(X))
    if validation_data is not None:
        val_loss, val_acc = _evaluate(model, loss, *validation_data, 1024)
        history.val_loss.append(val_loss)
        if loss.is_classification:
            history.val_accuracy.append(val_acc)
    watched = history.val_loss if validation_data is not None else history.loss
    history.best_epoch = int(np.argmin(watched)) + 1
    history.epoch_time.append(time.perf_counter() - start_time)


def _run_callbacks(callbacks, epoch: int, history: History, model: Layer) -> bool:
    """Every callback's ``on_epoch_end``; True if one asked to stop (its reason recorded)."""
    stop = False
    for cb in callbacks:
        if cb.on_epoch_end(epoch, history, model):
            stop = True
            history.stop_reason = getattr(cb, "stop_reason", None) or (
                f"{type(cb).__name__} asked to stop after epoch {epoch}")
    return stop


def _latest_numbers(history: History) -> dict[str, str]:
    """The last epoch's numbers as shown to the learner: loss, val_loss, and an accuracy."""
    shown = {"loss": f"{history.loss[-1]:.4g}"}
    if history.val_loss:
        shown["val_loss"] = f"{history.val_loss[-1]:.4g}"
    if history.val_accuracy:
        shown["val_accuracy"] = f"{history.val_accuracy[-1]:.3f}"
    elif history.accuracy:
        shown["accuracy"] = f"{history.accuracy[-1]:.3f}"
    return shown


def _summary_line(history: History) -> str:
    """``fit: 10 epochs in 1.2 s; loss 0.0521, val_loss 0.0934, val_accuracy 0.972``."""
    numbers = ", ".join(f"{name} {value}" for name, value in _latest_numbers(history).items())
    epochs = history.epochs_run
    seconds = sum(history.epoch_time)
    return f"fit: {epochs} epoch{'s' if epochs != 1 else ''} in {seconds:.1f} s; {numbers}"


