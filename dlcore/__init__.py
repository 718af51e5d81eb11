"""dlcore: a small, readable NumPy library for building and training neural networks.

The names a learner meets most often are importable from the package itself::

    from dlcore import Sequential, Dense, ReLU, SoftmaxCrossEntropy, Adam, fit

Everything else lives in one module per concept (``dlcore.data``, ``dlcore.datasets``,
``dlcore.gradcheck``, ...): that is the core, and it needs NumPy only. What the course needs
around it (pictures, widgets, exercise checkers, the set-up check) is the separate subpackage
``dlcore.course`` (matplotlib, ipywidgets), imported only when you import it.
"""

from . import (
    activations,
    conv,
    data,
    datasets,
    gradcheck,
    init,
    io,
    layers,
    losses,
    metrics,
    optim,
    recurrent,
    train,
    validate,
)
from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .conv import Conv2D, MaxPool2D
from .io import load, save
from .layers import BatchNorm, Dense, Dropout, Flatten
from .losses import (
    MSE,
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    CategoricalCrossEntropy,
    Hinge,
    Huber,
    KLDivergence,
    SoftmaxCrossEntropy,
)
from .metrics import accuracy, confusion_matrix
from .module import Layer, Parameter, Sequential, register
from .optim import SGD, Adagrad, Adam, AdamW, RMSprop
from .recurrent import RNN
from .train import (
    EarlyStopping,
    History,
    TrainingDiverged,
    TrainingInterrupted,
    evaluate,
    fit,
    train_epoch,
)

__version__ = "0.1.0"

__all__ = [
    "Adagrad", "Adam", "AdamW", "BatchNorm", "BinaryCrossEntropy",
    "BinaryCrossEntropyWithLogits", "CategoricalCrossEntropy", "Conv2D", "Dense", "Dropout",
    "EarlyStopping", "Flatten", "Hinge", "History", "Huber", "Identity", "KLDivergence",
    "Layer", "LeakyReLU", "MSE", "MaxPool2D", "Parameter", "RMSprop", "RNN", "ReLU", "SGD",
    "Sequential", "Sigmoid", "Softmax", "SoftmaxCrossEntropy", "Tanh", "TrainingDiverged",
    "TrainingInterrupted", "accuracy", "activations", "confusion_matrix", "conv", "data",
    "datasets", "evaluate", "fit", "gradcheck", "init", "io", "layers", "load", "losses",
    "metrics", "optim", "recurrent", "register", "save", "train", "train_epoch", "validate",
]
