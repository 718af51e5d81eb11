"""The training loop: ``train_epoch`` (the four steps) and ``fit`` (the bookkeeping around).

Part of ``dlcore.train``; its docstring gives the whole picture.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from ..data import BatchLoader
from ..module import Layer
from ..validate import (
    NotFiniteError,
    message,
    positive_int,
)
from .checks import (
    _check_against_model,
    _check_data,
    _check_loss_and_model,
    _evaluate,
    _model_dtype,
)
from .results import (
    DIVERGENCE_FACTOR,
    History,
    TrainingDiverged,
    TrainingInterrupted,
)

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
        lr_hint = _learning_rate_hint(self.optimizer)
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


# Where learning rates usually start, per optimizer: (lowest usual, highest usual, a first try).
_USUAL_LR = {"SGD": (1e-3, 0.5, 0.01), "Adam": (1e-5, 1e-2, 1e-3), "AdamW": (1e-5, 1e-2, 1e-3),
             "RMSprop": (1e-5, 1e-2, 1e-3), "Adagrad": (1e-3, 0.5, 0.01)}


def _learning_rate_hint(optimizer) -> str:
    """What to try with the learning rate after a divergence: a tenth of it, or a usual value.

    A tenth of lr=1e4 is still 1000 times too large; far above the usual range the advice is a
    usual first value for that optimizer.
    """
    lr = getattr(optimizer, "lr", None)
    if not isinstance(lr, (int, float)) or isinstance(lr, bool):
        return "lower the learning rate, e.g. by 10x"
    name = type(optimizer).__name__
    low, high, first = _USUAL_LR.get(name, (1e-5, 0.5, 1e-3))
    if lr > 10 * high:
        return (f"lower the learning rate: lr={lr:g} is far above the usual range for {name} "
                f"({low:g} to {high:g}); start from lr={first:g} and change it by factors of 10")
    return f"lower the learning rate, e.g. lr={lr / 10:g} instead of {lr:g}"


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
