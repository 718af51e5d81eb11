"""The playground (11_playground), part 2: a run, its steps, and what it lets you see.

``Playground(settings)`` holds one run: the points (split into training and test sets), the
network (a dlcore ``Sequential`` of ``Dense`` layers and activations, built from the settings'
seed), its loss and optimizer, and the losses so far. ``step(epochs)`` trains with dlcore's own
``fit``: one epoch is every training point once, in mini-batches, exactly as in
``07_training_loop``. What the widget draws comes from plain methods (``output_grid``,
``neuron_grids``, ``neuron``, ``summary``), and ``code()`` writes the dlcore program that builds
and trains this very network: run it and you get the same starting weights and, after the same
number of epochs, the same weights.

No widgets and no plotting here: pytest and the benchmarks use it directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .playground_data import (
    DATA_CODE,
    DOMAIN,
    FEATURES,
    PlaygroundSettings,
    PlaygroundSettingsError,
    check_settings,
    feature_matrix,
    make_points,
)

#: activation name -> the dlcore class name (``code()`` writes these).
ACTIVATION_CLASSES = {"tanh": "Tanh", "ReLU": "ReLU", "sigmoid": "Sigmoid", "linear": "Identity"}


def build_model(settings: PlaygroundSettings):
    """The network of ``settings``: ``Sequential(Dense(F, h1), act, ..., Dense(h_last, 1))``.

    Every ``Dense`` starts with Xavier weights (``init="xavier"``: suits tanh and sigmoid, and
    keeps the large raw inputs such as x1² in range), all drawn from one seed. The output is one
    number per point: a logit (classification: class 1 where it is > 0) or the value (regression).
    """
    import dlcore.activations as act
    from dlcore.layers import Dense
    from dlcore.module import Sequential

    sizes = (len(settings.features),) + tuple(settings.hidden) + (1,)
    layers = []
    for i, name in enumerate(settings.activations()):
        layers += [Dense(sizes[i], sizes[i + 1], init="xavier"),
                   getattr(act, ACTIVATION_CLASSES[name])()]
    layers.append(Dense(sizes[-2], 1, init="xavier"))
    return Sequential(*layers, seed=settings.seed)


def make_loss(settings: PlaygroundSettings):
    """``BinaryCrossEntropyWithLogits`` for two classes, ``MSE`` for a surface."""
    from dlcore.losses import MSE, BinaryCrossEntropyWithLogits

    return BinaryCrossEntropyWithLogits() if settings.problem == "classification" else MSE()


def make_optimizer(settings: PlaygroundSettings, params):
    """The optimizer of ``settings``, with ``weight_decay=settings.l2`` (L2 regularisation)."""
    from dlcore.optim import SGD, Adam, RMSprop

    lr, l2 = settings.lr, settings.l2
    if settings.optimizer == "SGD":
        return SGD(params, lr=lr, weight_decay=l2)
    if settings.optimizer == "momentum":
        return SGD(params, lr=lr, momentum=0.9, weight_decay=l2)
    if settings.optimizer == "RMSprop":
        return RMSprop(params, lr=lr, weight_decay=l2)
    return Adam(params, lr=lr, weight_decay=l2)


def grid_points(n: int) -> np.ndarray:
    """An n x n grid over ``DOMAIN`` as points (n * n, 2), row by row from the bottom (y = -6)."""
    ticks = np.linspace(DOMAIN[0], DOMAIN[1], n, dtype=np.float32)
    g1, g2 = np.meshgrid(ticks, ticks)
    return np.column_stack([g1.ravel(), g2.ravel()])


@dataclass
class NeuronView:
    """The numbers of one neuron (``Playground.neuron``).

    layer : 1 for the first hidden layer, ..., ``len(hidden) + 1`` for the output neuron
    index : 0-based position in its layer
    inputs : the names of what feeds it (features, or "h{layer}.{i}" neurons)
    weights, bias : its incoming weights (the column of ``W``) and its bias
    weight_grads, bias_grad : dL/dW and dL/db of the last mini-batch trained on (zeros before
        the first step), as the optimizer used them (without the L2 term)
    point : the point (x1, x2) it is looked at on
    z, a : its weighted sum ``z = inputs · weights + bias`` and its activation ``a`` there
    """

    layer: int
    index: int
    activation: str
    inputs: list
    input_values: np.ndarray
    weights: np.ndarray
    bias: float
    weight_grads: np.ndarray
    bias_grad: float
    point: tuple
    z: float
    a: float

    def text(self) -> str:
        """The numbers as a few lines of plain text (the widget's glass box)."""
        name = "output neuron" if self.activation == "output" else \
            f"neuron {self.index + 1} of hidden layer {self.layer}"
        lines = [f"{name}   at the point x1 = {self.point[0]:.2f}, x2 = {self.point[1]:.2f}",
                 f"{'input':>10} {'value':>9} {'weight':>9} {'dL/dw':>10}"]
        for nm, v, w, g in zip(self.inputs, self.input_values, self.weights, self.weight_grads,
                               strict=True):
            lines.append(f"{nm:>10} {v:9.3f} {w:9.3f} {g:10.2e}")
        lines.append(f"{'bias':>10} {'':9} {self.bias:9.3f} {self.bias_grad:10.2e}")
        if self.activation == "output":
            lines.append(f"z = inputs · weights + bias = {self.z:.4f};  the output neuron has no "
                         f"activation: a = z = {self.a:.4f}")
        else:
            lines.append(f"z = inputs · weights + bias = {self.z:.4f};  "
                         f"a = {self.activation}(z) = {self.a:.4f}")
        return "\n".join(lines)


class Playground:
    """One run of the playground: data, network, optimizer and the losses so far.

    >>> run = Playground(preset("linear_circles"))
    >>> run.step(50)                      # 50 epochs with dlcore's fit; False if it diverged
    True
    >>> run.summary()
    'epoch 50 · train loss 0.688 · test loss 0.718 · test accuracy 45%'

    ``settings`` are checked first (``PlaygroundSettingsError`` with what to choose).
    ``added_points`` (x1, x2, label-or-value) are appended to the training set; the same
    settings and added points always give the same run.
    """

    def __init__(self, settings: PlaygroundSettings | None = None, added_points=()):
        self.settings = check_settings(settings or PlaygroundSettings())
        self.added_points = [tuple(float(v) for v in p) for p in added_points]
        self.reset()

    # --- the run ------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to epoch 0: the same points, the same starting weights (from the seed)."""
        s = self.settings
        X, y = make_points(s.data, s.n_points, s.noise, s.seed)
        from dlcore.data import train_val_test_split

        (P_train, y_train), (P_test, y_test) = train_val_test_split(
            X, y, ratios=(s.train_ratio, round(1 - s.train_ratio, 6)), seed=s.seed,
            stratify=s.problem == "classification")
        if self.added_points:
            extra = np.array(self.added_points, dtype=np.float32)
            P_train = np.concatenate([P_train, extra[:, :2]])
            labels = extra[:, 2]
            if s.problem == "classification":
                y_train = np.concatenate([y_train, labels.astype(y_train.dtype)])
            else:
                y_train = np.concatenate([y_train, labels[:, None].astype(y_train.dtype)])
        self.P_train, self.y_train, self.P_test, self.y_test = P_train, y_train, P_test, y_test
        self.X_train = feature_matrix(P_train, s.features)
        self.X_test = feature_matrix(P_test, s.features)
        self.model = build_model(s)
        self.loss = make_loss(s)
        self.optimizer = make_optimizer(s, self.model.parameters())
        self.epoch = 0
        self.diverged: str | None = None
        self.epochs: list[int] = []
        self.train_loss: list[float] = []
        self.test_loss: list[float] = []
        self.test_accuracy: float | None = None
        self.train_accuracy: float | None = None
        self._record()

    def step(self, epochs: int = 1) -> bool:
        """Train ``epochs`` epochs with ``dlcore.train.fit``; False if the run has diverged.

        The shuffling comes from the model's generator (``Sequential(..., seed=)``), so ten calls
        of one epoch and one call of ten epochs give the same weights. A run that blows up keeps
        ``fit``'s ``TrainingDiverged`` message in ``diverged`` and trains no more until reset.
        """
        from dlcore.train import TrainingDiverged, fit

        if self.diverged is not None:
            return False
        try:
            fit(self.model, self.loss, self.optimizer, self.X_train, self.y_train,
                epochs=int(epochs), batch_size=self.settings.batch_size, progress=False)
        except TrainingDiverged as exc:
            self.epoch += exc.epoch - 1
            self.diverged = str(exc)
            return False
        self.epoch += int(epochs)
        self._record()
        return self.diverged is None

    def _record(self) -> None:
        from dlcore.train import evaluate

        with np.errstate(over="ignore", invalid="ignore"):
            train = evaluate(self.model, self.loss, self.X_train, self.y_train)
            test = evaluate(self.model, self.loss, self.X_test, self.y_test)
        if not (np.isfinite(train.loss) and np.isfinite(test.loss)):
            self.diverged = (f"the loss became {train.loss} at epoch {self.epoch}. Try: lower the "
                             f"learning rate, e.g. lr={self.settings.lr / 10:g}.")
            return
        self.epochs.append(self.epoch)
        self.train_loss.append(train.loss)
        self.test_loss.append(test.loss)
        self.train_accuracy, self.test_accuracy = train.accuracy, test.accuracy

    def summary(self) -> str:
        """One line for a screen reader and for the notebook: epoch, losses, accuracy."""
        if not self.train_loss:
            return f"epoch {self.epoch} · diverged"
        text = (f"epoch {self.epoch} · train loss {self.train_loss[-1]:.3f} · "
                f"test loss {self.test_loss[-1]:.3f}")
        if self.test_accuracy is not None:
            text += f" · test accuracy {self.test_accuracy:.0%}"
        if self.diverged is not None:
            text += " · diverged"
        return text

    # --- what it lets you see -----------------------------------------------------------------
    def _activations(self, points: np.ndarray) -> list[np.ndarray]:
        """points (M, 2) -> [features (M, F), each hidden layer's activations (M, h), the output
        (M, 1)], computed by the model's own layers (in evaluation mode)."""
        x = feature_matrix(points, self.settings.features).astype(np.float32)
        outs = [x]
        self.model.eval()
        with np.errstate(over="ignore", invalid="ignore"):
            layers = self.model.layers
            for i in range(0, len(layers) - 1, 2):
                x = layers[i + 1].forward(layers[i].forward(x))
                outs.append(x)
            outs.append(layers[-1].forward(x))
        self.model.train()
        return outs

    def output_grid(self, n: int = 64) -> np.ndarray:
        """(n, n): the network's answer over the square, the bottom row first: the probability of
        class 1 (classification) or the value (regression)."""
        out = self._activations(grid_points(n))[-1][:, 0]
        if self.settings.problem == "classification":
            from dlcore.activations import sigmoid

            with np.errstate(over="ignore"):
                out = sigmoid(out)
        return out.reshape(n, n)

    def neuron_grids(self, n: int = 16) -> list[np.ndarray]:
        """What every input and every hidden neuron responds to over the square: a list with one
        array (units, n, n) per column of the network (the features, then each hidden layer)."""
        outs = self._activations(grid_points(n))[:-1]
        return [a.T.reshape(a.shape[1], n, n) for a in outs]

    def weights(self) -> list[np.ndarray]:
        """The weight matrices W (D_in, D_out) of every Dense layer, input to output."""
        return [layer.W.value for layer in self.model.layers[::2]]

    def neuron(self, layer: int, index: int, point=(0.0, 0.0)) -> NeuronView:
        """The numbers of neuron ``index`` of ``layer`` (1 = first hidden layer; the output
        neuron is layer ``len(hidden) + 1``, index 0), looked at on ``point``."""
        hidden = self.settings.hidden
        if not (1 <= layer <= len(hidden) + 1):
            raise ValueError(f"neuron: expected layer from 1 to {len(hidden) + 1}, received "
                             f"{layer}.")
        width = hidden[layer - 1] if layer <= len(hidden) else 1
        if not (0 <= index < width):
            raise ValueError(f"neuron: layer {layer} has {width} neurons (index 0 to "
                             f"{width - 1}), received index {index}.")
        dense = self.model.layers[2 * (layer - 1)]
        acts = self._activations(np.array([point], dtype=np.float32))
        inputs = ([FEATURES[f][1] for f in self.settings.features] if layer == 1
                  else [f"h{layer - 1}.{i + 1}" for i in range(hidden[layer - 2])])
        x = acts[layer - 1][0]
        W, b = dense.W, dense.b
        z = float(x @ W.value[:, index] + b.value[index])
        is_output = layer == len(hidden) + 1
        a = float(acts[layer][0, index])
        return NeuronView(
            layer, index, "output" if is_output else self.settings.activations()[layer - 1],
            inputs, x.astype(np.float64), W.value[:, index].astype(np.float64),
            float(b.value[index]), W.grad[:, index].astype(np.float64), float(b.grad[index]),
            (float(point[0]), float(point[1])), z, a)

    # --- the code of this run -----------------------------------------------------------------
    def code(self, epochs: int | None = None) -> str:
        """The dlcore program that builds this network and trains it for ``epochs`` epochs
        (default: as many as this run has done). Same seed, same start, same weights after."""
        s = self.settings
        epochs = self.epoch if epochs is None else int(epochs)
        fmt = {"n": s.n_points, "noise": repr(s.noise), "seed": s.seed}
        acts = sorted({ACTIVATION_CLASSES[a] for a in s.activations()})
        loss = "BinaryCrossEntropyWithLogits" if s.problem == "classification" else "MSE"
        opt = {"SGD": "SGD", "momentum": "SGD", "RMSprop": "RMSprop", "Adam": "Adam"}[s.optimizer]
        data_fns = [n for n in ("make_blobs", "make_circles", "make_moons", "make_spiral",
                                "make_xor") if any(n in line for line in DATA_CODE[s.data])]
        lines = ["import numpy as np", ""]
        if data_fns:
            lines.append(f"from dlcore.datasets import {', '.join(data_fns)}")
        lines += [
            "from dlcore.data import train_val_test_split",
            f"from dlcore import Sequential, Dense, {', '.join(acts + [loss, opt])}, fit",
            "",
            f"# the data: {s.data}, {s.n_points} points, noise {s.noise:g}",
        ]
        lines += [line.format(**fmt) for line in DATA_CODE[s.data]]
        lines += [
            "(P_train, y_train), (P_test, y_test) = train_val_test_split(",
            f"    X, y, ratios=({s.train_ratio!r}, {round(1 - s.train_ratio, 6)!r}), "
            f"seed={s.seed}, stratify={s.problem == 'classification'})",
        ]
        if self.added_points:
            pts = ", ".join(f"[{p[0]!r}, {p[1]!r}]" for p in self.added_points)
            vals = ", ".join(repr(p[2]) for p in self.added_points)
            lines += [
                "# the points you added, appended to the training set",
                f"added = np.array([{pts}], dtype=np.float32)",
                "P_train = np.concatenate([P_train, added])",
            ]
            if s.problem == "classification":
                lines.append(f"y_train = np.concatenate([y_train, np.array([{vals}], "
                             "dtype=np.float32).astype(y_train.dtype)])")
            else:
                lines.append(f"y_train = np.concatenate([y_train, np.array([{vals}], "
                             "dtype=np.float32)[:, None].astype(y_train.dtype)])")
        exprs = ", ".join(FEATURES[f][1] for f in s.features)
        lines += [
            "",
            f"def features(P):      # the inputs: {', '.join(s.features)}",
            "    x1, x2 = P[:, 0], P[:, 1]",
            f"    return np.column_stack([{exprs}])",
            "",
            "X_train, X_test = features(P_train), features(P_test)",
            "",
            "# the network: one seed gives every starting weight and the shuffling",
        ]
        sizes = (len(s.features),) + tuple(s.hidden) + (1,)
        layer_lines = []
        for i, name in enumerate(s.activations()):
            layer_lines.append(f"    Dense({sizes[i]}, {sizes[i + 1]}, init=\"xavier\"), "
                               f"{ACTIVATION_CLASSES[name]}(),")
        layer_lines.append(f"    Dense({sizes[-2]}, 1, init=\"xavier\"),")
        lines += ["model = Sequential("] + layer_lines + [f"    seed={s.seed},", ")"]
        momentum = ", momentum=0.9" if s.optimizer == "momentum" else ""
        lines += [
            f"loss = {loss}()",
            f"optimizer = {opt}(model.parameters(), lr={s.lr!r}{momentum}, weight_decay={s.l2!r})",
        ]
        if epochs > 0:
            lines += [
                "",
                f"history = fit(model, loss, optimizer, X_train, y_train, epochs={epochs}, "
                f"batch_size={s.batch_size},",
                "              validation_data=(X_test, y_test), progress=False)",
            ]
        return "\n".join(lines) + "\n"


def run_preset(name: str, epochs: int, **changes) -> Playground:
    """Build the preset ``name`` (with any ``changes``) and train it ``epochs`` epochs, headless,
    in about 50 calls of ``step`` (so the loss curves have points between; the weights are the
    same as after one call of ``epochs`` epochs)."""
    from .playground_data import preset

    run = Playground(preset(name, **changes))
    chunk = max(1, epochs // 50)  # about 50 points on the loss curves
    while run.epoch < epochs and run.diverged is None:
        run.step(min(chunk, epochs - run.epoch))
    return run


__all__ = ["Playground", "PlaygroundSettingsError", "NeuronView", "build_model", "grid_points",
           "run_preset"]
