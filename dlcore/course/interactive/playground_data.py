"""The playground (11_playground), part 1: its data, its input features and its settings.

The playground is a small network trained live on points in the plane, after TensorFlow
Playground (playground.tensorflow.org): the data sets and the seven input features are theirs,
the network is dlcore's own ``Sequential`` of ``Dense`` layers. This module holds what a run is
made *from*, as plain functions with no widgets and no plotting:

- ``DATASETS``: five classification sets (two classes) and two regression surfaces, every point
  in the square [-6, 6] x [-6, 6] that the pictures show;
- ``FEATURES``: what the network is fed, computed from the point (x1, x2): x1, x2, x1², x2²,
  x1·x2, sin x1, sin x2;
- ``PlaygroundSettings``: every choice of a run (data, noise, train/test ratio, seed, features,
  layers, activations, learning rate, batch size, L2, optimizer), checked by ``check_settings``
  with a message that says what is wrong and what to choose instead;
- ``PRESETS``: the notebook's experiments, each a set of settings by name.

``playground_state.Playground`` trains on them, and its ``code()`` writes out the very same
steps as plain dlcore code (a test runs that code and compares).
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass, field

import numpy as np

#: The square every picture shows and every point lies in (as in TensorFlow Playground).
DOMAIN = (-6.0, 6.0)

#: problem -> the data sets it offers, in menu order.
CLASSIFICATION_DATA = ("circles", "moons", "xor", "spiral", "blobs")
REGRESSION_DATA = ("plane", "bumps")
DATASETS = {"classification": CLASSIFICATION_DATA, "regression": REGRESSION_DATA}

#: feature name -> (label for the pictures, the NumPy expression in x1 and x2). The expression
#: is what ``code()`` writes out; ``feature_matrix`` computes the same operations.
FEATURES = {
    "x1": ("x₁", "x1"),
    "x2": ("x₂", "x2"),
    "x1^2": ("x₁²", "x1**2"),
    "x2^2": ("x₂²", "x2**2"),
    "x1*x2": ("x₁·x₂", "x1 * x2"),
    "sin(x1)": ("sin x₁", "np.sin(x1)"),
    "sin(x2)": ("sin x₂", "np.sin(x2)"),
}

ACTIVATIONS = ("tanh", "ReLU", "sigmoid", "linear")
OPTIMIZERS = ("SGD", "momentum", "RMSprop", "Adam")
MAX_LAYERS = 6
MAX_NEURONS = 8
#: The learning rates the widget offers (TensorFlow Playground's list).
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: The L2 strengths the widget offers (0: none).
L2_RATES = (0.0, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


class PlaygroundSettingsError(ValueError):
    """A setting of the playground that cannot make a run; the message says what to choose."""


def feature_matrix(points: np.ndarray, features) -> np.ndarray:
    """points: (N, 2) -> (N, F): the chosen features of each point, in the order given.

    ``x1**2`` and ``x1 * x1`` are the same float operation in NumPy, so this gives exactly what
    the code of ``code()`` computes.
    """
    points = np.asarray(points)
    x1, x2 = points[:, 0], points[:, 1]
    compute = {
        "x1": lambda: x1,
        "x2": lambda: x2,
        "x1^2": lambda: x1**2,
        "x2^2": lambda: x2**2,
        "x1*x2": lambda: x1 * x2,
        "sin(x1)": lambda: np.sin(x1),
        "sin(x2)": lambda: np.sin(x2),
    }
    return np.column_stack([compute[name]() for name in features])


def _bumps(points: np.ndarray) -> np.ndarray:
    """The "bumps" surface: two hills and two hollows, values in about [-1, 1]."""
    centres = np.array([[-3.0, 2.5], [3.0, -2.5], [2.5, 3.0], [-2.5, -3.0]])
    heights = np.array([1.0, 1.0, -1.0, -1.0])
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return (heights * np.exp(-d2 / 6.0)).sum(axis=1)


#: data name -> the lines of dlcore code that make X (N, 2) and y, with {n}, {noise}, {seed}.
#: ``make_points`` runs the same calls; ``code()`` writes these lines out.
DATA_CODE = {
    "circles": ["X, y = make_circles(n_samples={n}, noise={noise}, seed={seed})",
                "X = 5 * X                        # radius 5 and 2.5, inside [-6, 6]"],
    "moons": ["X, y = make_moons(n_samples={n}, noise={noise}, seed={seed})",
              "X = 3 * (X - np.array([0.5, 0.25], dtype=np.float32))   # centred, inside [-6, 6]"],
    "xor": ["X, y = make_xor(n_samples={n}, noise={noise}, seed={seed})",
            "X = 5 * X                        # the four squares fill [-5, 5]"],
    "spiral": ["rng = np.random.default_rng({seed})",
               "y = np.arange({n}) % 2                     # two arms, one per class",
               "r = 5 * np.linspace(0, 1, {n})             # from the centre out to radius 5",
               "t = 1.75 * 2 * np.pi * np.linspace(0, 1, {n}) + np.pi * y   # 1.75 turns",
               "X = r[:, None] * np.column_stack([np.sin(t), np.cos(t)])",
               "X = (X + 5 * {noise} * rng.standard_normal(({n}, 2))).astype(np.float32)"],
    "blobs": ["X, y = make_blobs(n_samples={n}, centers=[[-2.5, -2.5], [2.5, 2.5]],",
              "                  cluster_std=1 + 4 * {noise}, seed={seed})"],
    "plane": ["rng = np.random.default_rng({seed})",
              "X = rng.uniform(-6, 6, size=({n}, 2)).astype(np.float32)",
              "y = (X[:, 0] + X[:, 1]) / 12 + {noise} * rng.standard_normal({n})",
              "y = y.astype(np.float32)[:, None]     # (N, 1): one value per point"],
    "bumps": ["rng = np.random.default_rng({seed})",
              "X = rng.uniform(-6, 6, size=({n}, 2)).astype(np.float32)",
              "centres = np.array([[-3.0, 2.5], [3.0, -2.5], [2.5, 3.0], [-2.5, -3.0]])",
              "heights = np.array([1.0, 1.0, -1.0, -1.0])   # two hills, two hollows",
              "d2 = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)",
              "y = (heights * np.exp(-d2 / 6.0)).sum(axis=1) + {noise} * rng.standard_normal({n})",
              "y = y.astype(np.float32)[:, None]     # (N, 1): one value per point"],
}


def make_points(data: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The data set ``data``: X (n, 2) float32 in about [-6, 6]², y (n,) int64 class labels
    (classification) or (n, 1) float32 values (regression). The same seed gives the same points.
    """
    from dlcore.datasets import make_blobs, make_circles, make_moons, make_xor

    if data == "circles":
        X, y = make_circles(n_samples=n, noise=noise, seed=seed)
        return 5 * X, y
    if data == "moons":
        X, y = make_moons(n_samples=n, noise=noise, seed=seed)
        return 3 * (X - np.array([0.5, 0.25], dtype=np.float32)), y
    if data == "xor":
        X, y = make_xor(n_samples=n, noise=noise, seed=seed)
        return 5 * X, y
    if data == "spiral":  # TensorFlow Playground's: 1.75 turns (dlcore's make_spiral: 0.64)
        rng = np.random.default_rng(seed)
        y = np.arange(n) % 2
        r = 5 * np.linspace(0, 1, n)
        t = 1.75 * 2 * np.pi * np.linspace(0, 1, n) + np.pi * y
        X = r[:, None] * np.column_stack([np.sin(t), np.cos(t)])
        return (X + 5 * noise * rng.standard_normal((n, 2))).astype(np.float32), y
    if data == "blobs":
        return make_blobs(n_samples=n, centers=[[-2.5, -2.5], [2.5, 2.5]],
                          cluster_std=1 + 4 * noise, seed=seed)
    if data in ("plane", "bumps"):
        rng = np.random.default_rng(seed)
        X = rng.uniform(-6, 6, size=(n, 2)).astype(np.float32)
        clean = (X[:, 0] + X[:, 1]) / 12 if data == "plane" else _bumps(X)
        y = clean + noise * rng.standard_normal(n)
        return X, y.astype(np.float32)[:, None]
    raise PlaygroundSettingsError(
        f"playground: expected data to be one of "
        f"{', '.join(CLASSIFICATION_DATA + REGRESSION_DATA)}, received {data!r}."
    )


@dataclass(frozen=True)
class PlaygroundSettings:
    """Every choice of a playground run. Two runs with equal settings are the same run.

    problem : "classification" (two classes, a boundary) or "regression" (a value per point)
    data : one of ``DATASETS[problem]``
    noise : 0 to 0.5; how far the points stray from the clean pattern
    train_ratio : 0.1 to 0.9; the share of the points trained on (the rest is the test set)
    n_points : 20 to 2000
    seed : int >= 0; the points, the split, the starting weights and the shuffling all come from it
    features : the inputs, a non-empty tuple of names from ``FEATURES``
    hidden : neurons per hidden layer, 0 to 6 layers of 1 to 8 neurons, e.g. (4, 2)
    activation : one of ``ACTIVATIONS`` for every hidden layer, or a tuple of one per layer
    lr : the learning rate, > 0
    batch_size : samples per update, >= 1
    l2 : the L2 strength (``weight_decay`` of the dlcore optimizer), >= 0
    optimizer : one of ``OPTIMIZERS`` ("momentum" is SGD with momentum 0.9)
    epochs_per_frame : how many epochs ``play`` trains between two redraws
    """

    problem: str = "classification"
    data: str = "circles"
    noise: float = 0.1
    train_ratio: float = 0.5
    n_points: int = 500
    seed: int = 0
    features: tuple = ("x1", "x2")
    hidden: tuple = (4, 2)
    activation: str | tuple = "tanh"
    lr: float = 0.03
    batch_size: int = 10
    l2: float = 0.0
    optimizer: str = "SGD"
    epochs_per_frame: int = field(default=1)

    def replace(self, **changes) -> PlaygroundSettings:
        """These settings with some changed: ``settings.replace(hidden=(8, 8))``."""
        return dataclasses.replace(self, **changes)

    def activations(self) -> tuple:
        """One activation name per hidden layer."""
        if isinstance(self.activation, str):
            return (self.activation,) * len(self.hidden)
        return tuple(self.activation)


def _number(value, name: str, low: float, high: float, hint: str, integer: bool = False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise PlaygroundSettingsError(
            f"playground: expected {name} to be {'an integer' if integer else 'a number'} from "
            f"{low:g} to {high:g}, received {type(value).__name__} {value!r}. Hint: {hint}"
        )
    if not (low <= value <= high) or (not integer and not np.isfinite(value)):
        raise PlaygroundSettingsError(
            f"playground: expected {name} from {low:g} to {high:g}, received {value!r}. "
            f"Hint: {hint}"
        )
    return int(value) if integer else float(value)


def check_settings(settings: PlaygroundSettings) -> PlaygroundSettings:
    """Return ``settings`` with tuples and plain numbers, or raise ``PlaygroundSettingsError``
    saying what was expected, what was received and what to choose."""
    s = settings
    if s.problem not in DATASETS:
        raise PlaygroundSettingsError(
            f"playground: expected problem 'classification' or 'regression', received "
            f"{s.problem!r}.")
    if s.data not in DATASETS[s.problem]:
        raise PlaygroundSettingsError(
            f"playground: the {s.problem} data sets are {', '.join(DATASETS[s.problem])}; "
            f"received data={s.data!r}. Hint: choose one of those, or change the problem.")
    features = tuple(s.features)
    if not features:
        raise PlaygroundSettingsError(
            "playground: no input feature is chosen, so the network would see nothing of the "
            "points. Hint: tick at least one input, e.g. x1 and x2.")
    unknown = [f for f in features if f not in FEATURES]
    if unknown or len(set(features)) != len(features):
        raise PlaygroundSettingsError(
            f"playground: expected features from {', '.join(FEATURES)}, each once; received "
            f"{features!r}.")
    hidden = tuple(s.hidden)
    if len(hidden) > MAX_LAYERS:
        raise PlaygroundSettingsError(
            f"playground: at most {MAX_LAYERS} hidden layers, received {len(hidden)}. Hint: "
            f"remove a layer; a deeper network than that is slow to train here and hard to see.")
    hidden = tuple(_number(h, "the neurons of each hidden layer", 1, MAX_NEURONS,
                           f"1 to {MAX_NEURONS} neurons per layer.", integer=True)
                   for h in hidden)
    activation = s.activation
    names = (activation,) if isinstance(activation, str) else tuple(activation)
    if not isinstance(activation, str) and len(names) != len(hidden):
        raise PlaygroundSettingsError(
            f"playground: expected one activation per hidden layer ({len(hidden)}), received "
            f"{len(names)}: {names!r}. Hint: activation='tanh' sets them all.")
    bad = [a for a in names if a not in ACTIVATIONS]
    if bad:
        raise PlaygroundSettingsError(
            f"playground: expected activations from {', '.join(ACTIVATIONS)}, received {bad!r}.")
    lr = _number(s.lr, "the learning rate", 0, 100, "0.03 is a good start.")
    if lr == 0:
        raise PlaygroundSettingsError(
            "playground: a learning rate of 0 never changes a weight, so nothing would be "
            "learnt. Hint: 0.03 is a good start; try 0.001 to 0.3.")
    if s.optimizer not in OPTIMIZERS:
        raise PlaygroundSettingsError(
            f"playground: expected optimizer from {', '.join(OPTIMIZERS)}, received "
            f"{s.optimizer!r}.")
    return s.replace(
        features=features, hidden=hidden,
        activation=activation if isinstance(activation, str) else names,
        noise=_number(s.noise, "noise", 0, 0.5, "0 to 0.5; 0.1 is a little noise."),
        train_ratio=_number(s.train_ratio, "the training share", 0.1, 0.9, "0.5 trains on half."),
        n_points=_number(s.n_points, "the number of points", 20, 2000, "500.", integer=True),
        seed=_number(s.seed, "the seed", 0, 2**32 - 1, "any whole number, e.g. 0.", integer=True),
        lr=lr,
        batch_size=_number(s.batch_size, "the batch size", 1, 2000, "10.", integer=True),
        l2=_number(s.l2, "the L2 strength", 0, 10, "0 for none, 0.001 to 0.03 to smooth."),
        epochs_per_frame=_number(s.epochs_per_frame, "epochs per frame", 1, 100, "1 to 10.",
                                 integer=True),
    )


#: The notebook's experiments: name -> (the question it asks, its settings).
PRESETS = {
    "linear_circles": (
        "Can a network with no hidden layer, fed x1 and x2, separate the circles?",
        PlaygroundSettings(data="circles", features=("x1", "x2"), hidden=(), lr=0.03),
    ),
    "squares_circles": (
        "Same network, no hidden layer, but fed x1² and x2²: can it separate the circles now?",
        PlaygroundSettings(data="circles", features=("x1^2", "x2^2"), hidden=(), lr=0.03),
    ),
    "spiral_shallow": (
        "The spiral with one hidden layer of 8 neurons: how well does it do?",
        PlaygroundSettings(data="spiral", noise=0.0, features=("x1", "x2"), hidden=(8,),
                           lr=0.03, optimizer="Adam"),
    ),
    "spiral_deep": (
        "The spiral with two hidden layers of 8 neurons.",
        PlaygroundSettings(data="spiral", noise=0.0, features=("x1", "x2"), hidden=(8, 8),
                           lr=0.03, optimizer="Adam"),
    ),
    "lr_too_high": (
        "A tilted plane to fit (regression), one neuron, learning rate 0.3: what happens?",
        PlaygroundSettings(problem="regression", data="plane", noise=0.0, hidden=(), lr=0.3),
    ),
    "overfit": (
        "Few noisy points and a big network: does the boundary follow the noise?",
        PlaygroundSettings(data="moons", noise=0.35, n_points=100, train_ratio=0.3,
                           hidden=(8, 8, 8), activation="tanh", lr=0.01, optimizer="Adam"),
    ),
    "overfit_l2": (
        "The same, with L2 = 0.03.",
        PlaygroundSettings(data="moons", noise=0.35, n_points=100, train_ratio=0.3,
                           hidden=(8, 8, 8), activation="tanh", lr=0.01, optimizer="Adam",
                           l2=0.03),
    ),
    "linear_deep": (
        "Four hidden layers of 8 neurons with the linear activation, on the circles.",
        PlaygroundSettings(data="circles", hidden=(8, 8, 8, 8), activation="linear", lr=0.003),
    ),
    "one_neuron": (
        "One neuron, no hidden layer, on two blobs: watch its line, then its bias.",
        PlaygroundSettings(data="blobs", noise=0.1, hidden=(), lr=0.03),
    ),
}


def preset(name: str, **changes) -> PlaygroundSettings:
    """The settings of the experiment ``name`` (see ``PRESETS``), with any ``changes``."""
    if name not in PRESETS:
        raise PlaygroundSettingsError(
            f"playground: expected a preset from {', '.join(PRESETS)}, received {name!r}.")
    return check_settings(PRESETS[name][1].replace(**changes))
