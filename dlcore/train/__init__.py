"""The training loop, written once: ``fit``, ``evaluate``, ``History``, ``EarlyStopping``.

Introduced in ``notebooks/07_training_loop.ipynb``, where the loop is first written by hand::

    for epoch in range(epochs):
        for X_batch, y_batch in loader:              # a new shuffled order every epoch
            optimizer.zero_grad()                    # forget the previous batch's gradients
            y_hat = model.forward(X_batch)           # 1. forward
            L = loss(y_hat, y_batch)                 # 2. loss
            model.backward(loss.backward())          # 3. backward
            optimizer.step()                         # 4. update

``train_epoch`` (in ``loop.py``) is exactly the inner loop, and nothing else. ``fit`` runs it
once per epoch and puts around it the bookkeeping a person wants to see (losses, accuracy, time per
epoch, a progress bar, validation, callbacks such as ``EarlyStopping``) and the checks that turn
silent failures into clear errors: inputs validated once at the start (every label of ``y`` and
``y_val`` against the loss and the model's output, before the first update), and a run that
blows up stops with ``TrainingDiverged``, saying when and what to try: a loss or a weight that
becomes NaN or inf, an optimizer whose memory does, or a training loss that stays finite but
climbs far above both where it started and the loss of a model that knows nothing.

Epochs are counted from 1 everywhere in this module (``History.best_epoch``, the ``epoch``
given to callbacks, error messages), as people count them: "epoch 1 of 10".

The package holds three modules: ``loop`` (``train_epoch`` and ``fit``), ``results`` (what a run
gives back and the callbacks: ``History``, ``Evaluation``, ``EarlyStopping``, the two ways a run
ends early) and ``checks`` (the input checks and ``evaluate``); every name is importable from
here (``from dlcore.train import fit``).
"""

from .checks import (  # noqa: F401
    evaluate,
)
from .loop import (  # noqa: F401
    fit,
    train_epoch,
)
from .results import (  # noqa: F401
    DIVERGENCE_FACTOR,
    EarlyStopping,
    Evaluation,
    History,
    TrainingDiverged,
    TrainingInterrupted,
)

__all__ = ["fit", "train_epoch", "evaluate", "History", "Evaluation", "EarlyStopping",
           "TrainingDiverged", "TrainingInterrupted", "DIVERGENCE_FACTOR"]
