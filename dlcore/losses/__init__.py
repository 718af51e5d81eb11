"""Loss functions: one number that says how wrong the predictions are, and its gradient.

Introduced in ``notebooks/03_loss.ipynb``; ``SoftmaxCrossEntropy`` is the loss of the training
loop in ``notebooks/07_training_loop.ipynb``.

The loss contract (the same for every loss):

- ``loss(y_hat, y)``, the same as ``loss.forward(y_hat, y)``, takes the predictions first and
  the targets second (as PyTorch does), returns the mean loss over the batch as a Python
  ``float``, and keeps in the loss what ``backward`` will need.
- ``backward()`` takes no argument and returns dL/dy_hat of that mean: an array of the same
  shape and dtype as ``y_hat``. It is the ``dout`` that starts back propagation through the
  model: ``model.backward(loss.backward())``.

Which mean: ``MSE``, ``Huber``, ``BinaryCrossEntropy``, ``BinaryCrossEntropyWithLogits`` and
``Hinge`` average over all elements of ``y_hat`` (one per sample for the binary losses);
``CategoricalCrossEntropy``, ``SoftmaxCrossEntropy`` and ``KLDivergence`` sum over the K classes
of a sample and average over the N samples. Because the loss is a mean, every gradient carries a
``1/N`` (or ``1/(number of elements)``): forget it, and the step size grows with the batch.

Classification losses have ``is_classification = True`` and turn scores into class labels with
``predict_labels(y_hat) -> (N,) int64`` and targets into labels with ``target_labels(y) -> (N,)
int64``, so that training can report accuracy. Regression losses have
``is_classification = False``.

Every input is checked at the boundary: a wrong shape, a NaN, a probability above 1 or a class
label out of range raises an error that names the loss, what was expected, what was received,
and what to try, instead of giving a silently wrong number.

The package holds one module per kind of task: ``base`` (the ``Loss`` contract), ``regression``,
``binary`` and ``multiclass``, with the input checks they share in ``checks``; every loss is
importable from here (``from dlcore.losses import MSE``).
"""

from .base import (  # noqa: F401
    Loss,
)
from .binary import (  # noqa: F401
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    Hinge,
)
from .multiclass import (  # noqa: F401
    CategoricalCrossEntropy,
    KLDivergence,
    SoftmaxCrossEntropy,
)
from .regression import (  # noqa: F401
    MSE,
    Huber,
)

__all__ = [
    "Loss",
    "MSE",
    "Huber",
    "BinaryCrossEntropy",
    "BinaryCrossEntropyWithLogits",
    "Hinge",
    "CategoricalCrossEntropy",
    "SoftmaxCrossEntropy",
    "KLDivergence",
]
