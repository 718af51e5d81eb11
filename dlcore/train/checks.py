"""``evaluate``, and the input checks of ``fit`` and ``evaluate``: once, at the boundary.

Part of ``dlcore.train``; its docstring gives the whole picture.
"""

from __future__ import annotations

import numpy as np

from ..module import Layer, _all_layers
from ..validate import (
    as_float_array,
    describe,
    finite,
    positive_int,
)
from .results import (
    Evaluation,
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
