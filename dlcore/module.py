"""The pieces every network is built from: ``Parameter``, ``Layer``, ``Sequential``, ``register``.

Introduced in ``notebooks/02_architecture.ipynb`` and used by every notebook after it.

The layer contract (the same for every layer, dense, convolutional or recurrent). A layer
says what it holds in three class attributes and does its maths in two methods::

    @register                                  # saveable by dlcore.io under the name "Dense"
    class Dense(Layer):
        parameter_names = ("W", "b")           # attributes holding a Parameter: learned
        buffer_names = ()                      # attributes holding an array kept, not learned
        keeps_shape = False                    # True: output shape = input shape

        def forward(self, x): ...              # the output; keeps in self what backward needs
        def backward(self, dout): ...          # dL/d(input); ADDS dL/dW into self.W.grad
        def output_shape(self, input_shape):   # only for a layer that changes the shape
        def config(self): ...                  # the constructor arguments, to rebuild it
        def reseed(self, seed): ...            # only for a layer that draws random numbers
        @classmethod
        def state_shapes(cls, config): ...     # only for a layer whose arrays can be large

- ``forward(x)`` returns the layer's output and keeps in the layer what ``backward`` will need
  (the "cache": usually the input, or the output of an activation).
- ``backward(dout)`` takes dL/d(output), returns dL/d(input), and *adds* dL/d(parameter) into
  each ``Parameter.grad``. Adding (not overwriting) is what lets a parameter that is used twice
  collect both contributions; it is also why the training loop calls ``zero_grad()`` first.
- Everything else is derived from the names, by this base class: ``named_parameters()`` and
  ``parameters()`` (the optimizer's list), ``named_buffers()``, ``state_dict()`` /
  ``load_state_dict()`` (what ``dlcore.io`` saves and ``EarlyStopping`` restores), ``to(dtype)``
  (parameters and buffers cast together), ``zero_grad()``, ``train()`` / ``eval()``.
- Buffers hold state that is not learned but belongs to the model, such as ``BatchNorm``'s
  running mean: saved, loaded, cast and restored with the parameters, never touched by an
  optimizer.
- ``reseed(seed)`` redraws everything random a layer holds (the starting weights of ``Dense``,
  the mask stream of ``Dropout``) from ``seed``: ``Sequential(..., seed=0)`` calls it on every
  layer with one Generator, so one seed makes a whole model repeatable. A layer that draws no
  random numbers inherits the base method, which only passes ``seed`` on to its children.
- ``state_shapes(config)`` (a class method) gives the shape of every parameter and buffer a layer
  built from ``config`` would hold, *without* building it: ``dlcore.io.load`` compares a file's
  claims with it before allocating anything. The base method builds the layer and looks; a
  layer whose arrays can be large (``Dense``, ``Conv2D``, ``RNN``, ``BatchNorm``) writes it out.
- ``backward`` before ``forward``, or with a ``dout`` of another shape than the output, is a
  clear error (``dlcore.validate.output_gradient``); an output a caller changes in place never
  changes what ``backward`` uses (an activation that caches its output returns a copy).
- ``needs_input_grad`` (True unless someone says otherwise): when it is False, nothing will use
  dL/d(input), so ``backward`` may skip computing it and return ``None``; the parameter
  gradients are computed as always. ``fit`` sets it to False on the model while training: the
  data is not learned, and for a first ``Dense`` layer on images dL/dx is the largest matrix
  product of the backward pass.

The names match PyTorch's, so the habits a learner builds here carry over.

Samples are rows: a batch ``x`` has shape ``(N, ...)`` with ``N`` the number of samples.
"""

from __future__ import annotations

import numpy as np

from .rng import as_generator
from .validate import (
    as_float_array,
    describe,
    float_dtype,
    message,
    output_gradient,
    positive_int,
    shape_tuple,
)

# --- the registry: which classes dlcore.io may rebuild -----------------------------------------

#: Layer classes that ``dlcore.io.load`` may rebuild, by the name a saved file gives them.
#: Filled only by ``register``: defining a class never changes it.
LAYER_REGISTRY: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make a layer class saveable and loadable by ``dlcore.io``.

    A saved file names each layer by its class name (``"Dense"``) and ``load`` finds the class
    here, so a name must belong to one class only: registering a second class under a name that
    is taken is an error naming both (define the same class again, as a notebook cell that runs
    twice does, and the new definition replaces the old). A class that is not registered still
    trains and predicts; only ``dlcore.io.save`` refuses it, saying so::

        @register
        class Swish(Layer):
            ...

    Returns ``cls`` unchanged.
    """
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise TypeError(message(
            "register", "a Layer subclass (used as @register above `class MyLayer(Layer):`)",
            describe(cls),
        ))
    name = cls.__name__
    taken = LAYER_REGISTRY.get(name)
    same_class = taken is not None and (taken.__module__, taken.__qualname__) == (
        cls.__module__, cls.__qualname__)
    if taken is not None and not same_class:
        raise ValueError(message(
            "register", "a layer name that no other registered class uses",
            f"{name!r}, already the name of {taken.__module__}.{taken.__qualname__}, for "
            f"{cls.__module__}.{cls.__qualname__}",
            f"give your class another name, e.g. My{name}, then register it.",
        ))
    LAYER_REGISTRY[name] = cls
    return cls


# --- Parameter ------------------------------------------------------------------------------------


class Parameter:
    """A learnable array together with the gradient of the loss with respect to it.

    Attributes
    ----------
    value : ndarray
        The current numbers (for example a weight matrix ``W`` of shape ``(D_in, D_out)``).
        Optimizers update it *in place*, so references to it stay valid.
    grad : ndarray
        dL/d(value), same shape and dtype as ``value``. Layers add into it in ``backward``;
        ``zero_grad()`` resets it to zero before the next mini-batch.
    name : str
        A short label such as ``"W"`` or ``"b"``, used in summaries and error messages.
    """

    def __init__(self, value, name: str = "param"):
        if not isinstance(name, str):
            raise TypeError(message("Parameter", "name to be a str such as 'W'",
                                    f"{type(name).__name__} {name!r}"))
        # numbers only: a string or an object array is refused here, not deep inside a step
        value = as_float_array(value, "value", f"Parameter({name!r})")
        self.value = value
        self.grad = np.zeros_like(value)
        self.name = name

    @property
    def shape(self) -> tuple:
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def size(self) -> int:
        return self.value.size

    def zero_grad(self) -> None:
        """Set the gradient to zero, in place (an optimizer or a plot may hold the array)."""
        self.grad[...] = 0

    def to(self, dtype) -> Parameter:
        """Cast value and gradient to ``dtype`` (e.g. ``np.float64`` for a gradient check)."""
        dtype = float_dtype(dtype, f"Parameter({self.name!r}).to")
        self.value = self.value.astype(dtype)
        self.grad = self.grad.astype(dtype)
        return self

    def __repr__(self) -> str:
        return f"Parameter({self.name}, shape={self.shape}, dtype={self.dtype})"


# --- Layer ----------------------------------------------------------------------------------------


class Layer:
    """Base class of every layer: the bookkeeping, derived from three class attributes.

    A subclass lists its attributes in ``parameter_names`` (learned) and ``buffer_names`` (kept,
    not learned), writes ``forward`` and ``backward``, and either sets ``keeps_shape = True`` or
    writes ``output_shape``. ``config()`` returns its constructor arguments; ``@register`` makes
    it saveable. See the module docstring.
    """

    #: Attributes holding this layer's Parameters, in a fixed order (the optimizer's order).
    parameter_names: tuple[str, ...] = ()
    #: Attributes holding arrays the layer keeps but does not learn (e.g. running statistics).
    buffer_names: tuple[str, ...] = ()
    #: True for a layer whose output has the shape of its input (activations, Dropout, ...).
    #: A layer that changes the shape leaves it False and writes ``output_shape``.
    keeps_shape: bool = False
    #: What this layer's output is, read by ``Sequential.predict_proba`` when it is the last:
    #: ``"logits"`` (any real scores), ``"softmax"`` (rows of probabilities summing to 1) or
    #: ``"sigmoid"`` (one probability per output, each between 0 and 1).
    output_kind: str = "logits"

    training: bool = True
    #: Whether ``backward`` must return dL/d(input); see the module docstring. A layer that
    #: cannot skip the work may ignore it and return the gradient anyway.
    needs_input_grad: bool = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "parameters" in cls.__dict__:
            raise TypeError(message(
                f"class {cls.__name__}", "the parameters to be listed by name",
                "a parameters() method",
                "write parameter_names = ('W', 'b') in the class instead (the attribute names "
                "of its Parameters); parameters(), state_dict(), saving and gradient checks "
                "all follow from it.",
            ))

    # --- the contract -------------------------------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x).")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement backward(dout).")

    def output_shape(self, input_shape: tuple) -> tuple:
        """Shape of the output for an input of ``input_shape`` (``None`` for an unknown size).

        Here only for layers that keep the shape (``keeps_shape = True``); any other layer must
        write its own, so that ``summary()`` never shows a wrong shape.
        """
        if self.keeps_shape:
            return tuple(input_shape)
        raise NotImplementedError(
            f"{type(self).__name__} does not declare its output shape: set keeps_shape = True "
            f"in the class if its output has the shape of its input, or write "
            f"output_shape(input_shape)."
        )

    def config(self) -> dict:
        """The constructor arguments that rebuild this layer, as JSON-serialisable values."""
        return {}

    def reseed(self, seed) -> Layer:
        """Redraw everything random this layer holds from ``seed`` (None, an int or a
        Generator): its starting weights, as a new layer would draw them, and the random
        numbers it draws later (dropout masks). Here: nothing of its own, the children in
        order. Returns the layer."""
        rng = as_generator(seed)
        for _, child in self.named_children():
            child.reseed(rng)
        return self

    @classmethod
    def state_shapes(cls, config: dict) -> dict[str, tuple]:
        """``{name: shape}`` of every parameter and buffer of ``cls(**config)``.

        Used by ``dlcore.io.load`` to check a file's claims before allocating anything. This
        default builds the layer and looks, which is fine for a layer with small arrays; a
        layer whose arrays grow with its arguments computes them instead (see ``Dense``).
        """
        return {name: value.shape for name, value in cls(**config).state_dict().items()}

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    # --- what the layer holds, by name ----------------------------------------------------------
    def named_children(self) -> list[tuple[str, Layer]]:
        """Layers inside this one, with their names: ``[("layers[0]", Dense(...)), ...]``."""
        return []

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Parameter]]:
        """``[("W", W), ("b", b)]``; inside a Sequential ``[("layers[0].W", W), ...]``."""
        named = [(prefix + name, getattr(self, name)) for name in self.parameter_names]
        for child_name, child in self.named_children():
            named += child.named_parameters(f"{prefix}{child_name}.")
        return named

    def parameters(self) -> list[Parameter]:
        """The learnable parameters, in a fixed order: what an optimizer is given."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix: str = "") -> list[tuple[str, np.ndarray]]:
        """``[("running_mean", array), ...]``: arrays kept, not learned, with their names."""
        named = [(prefix + name, getattr(self, name)) for name in self.buffer_names]
        for child_name, child in self.named_children():
            named += child.named_buffers(f"{prefix}{child_name}.")
        return named

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter value and buffer, by name: ``{"layers[0].W": array, ...}``.

        A snapshot: training afterwards does not change it. ``load_state_dict`` puts it back;
        ``dlcore.io.save`` writes it to a file, ``EarlyStopping`` keeps the best epoch's.
        """
        state = {name: p.value.copy() for name, p in self.named_parameters()}
        state.update({name: b.copy() for name, b in self.named_buffers()})
        return state

    def load_state_dict(self, state: dict) -> None:
        """Copy the arrays of ``state`` (from ``state_dict``) into this layer, in place.

        The names must be exactly this layer's, each array of the same shape; values are cast
        to the layer's dtype (``to(dtype)`` first to change it). In place, so an optimizer that
        holds the parameters stays valid.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict):
            raise TypeError(message(where, "a dict of arrays from state_dict()", describe(state)))
        targets = [(name, p.value) for name, p in self.named_parameters()]
        targets += self.named_buffers()
        names = [name for name, _ in targets]
        missing = [n for n in names if n not in state]
        unexpected = [n for n in state if n not in names]
        if missing or unexpected:
            raise ValueError(message(
                where, f"the names {names}",
                f"a state with {missing} missing and {unexpected} not in this layer",
                "a state dict fits only a model of the same architecture.",
            ))
        for name, target in targets:
            value = state[name]
            if not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
                raise TypeError(message(where, f"{name} to be a float array", describe(value)))
            if value.shape != target.shape:
                raise ValueError(message(
                    where, f"{name} of shape {target.shape}", describe(value),
                    "a state dict fits only a model of the same architecture.",
                ))
        for name, target in targets:
            np.copyto(target, state[name], casting="same_kind")

    # --- bookkeeping ----------------------------------------------------------------------------
    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero."""
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Layer:
        """Put the layer (and its children) in training mode; ``train(False)`` is ``eval()``."""
        self.training = bool(mode)
        for _, child in self.named_children():
            child.train(mode)
        return self

    def eval(self) -> Layer:
        """Evaluation mode, for the layer and its children: Dropout stops dropping, BatchNorm
        uses its running statistics."""
        return self.train(False)

    def to(self, dtype) -> Layer:
        """Cast every parameter and buffer to ``dtype`` and return the layer.

        Training runs in float32 (fast, half the memory); gradient checks run in float64, where
        central differences are accurate enough to compare with the analytic gradient.
        """
        dtype = float_dtype(dtype, f"{type(self).__name__}.to")
        for name in self.parameter_names:
            getattr(self, name).to(dtype)
        for name in self.buffer_names:
            setattr(self, name, getattr(self, name).astype(dtype))
        for _, child in self.named_children():
            child.to(dtype)
        return self

    def num_parameters(self) -> int:
        """How many numbers training can change (weights and biases together)."""
        return int(sum(p.size for p in self.parameters()))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


def _all_layers(layer: Layer) -> list[Layer]:
    """``layer`` and every layer inside it, depth first."""
    found = [layer]
    for _, child in layer.named_children():
        found.extend(_all_layers(child))
    return found


# --- Sequential -----------------------------------------------------------------------------------


@register
class Sequential(Layer):
    """Layers applied one after the other: ``Sequential(Dense(64, 32), ReLU(), Dense(32, 10))``.

    ``forward`` runs the layers in order; ``backward`` runs their backward passes in reverse
    order, each one passing dL/d(its input) to the layer before it. That reversal *is* back
    propagation (``notebooks/05_back_propagation.ipynb``).

    x: (N, ...) -> the last layer's output, e.g. (N, D_out).

    ``seed`` (None, an int or a Generator) is the one seed of a model: given, every random
    number of every layer inside (the starting weights of each ``Dense``, ``Conv2D`` and
    ``RNN``, the masks of each ``Dropout``) comes from one Generator made from it, in layer
    order, whatever seeds the layers were built with; ``fit`` given no ``seed`` of its own then
    shuffles from it too. So ``Sequential(Dense(64, 32), ReLU(), Dropout(0.2), Dense(32, 10),
    seed=0)`` trained by ``fit`` gives the same run every time (``notebooks/07``). The
    generator is ``model.rng`` (None without a seed).
    """

    #: The model's one Generator when it was built with ``seed``, else None.
    rng: np.random.Generator | None = None
    #: The shape of the last output of ``forward`` (None before the first): ``backward`` checks.
    _output_shape: tuple | None = None

    def __init__(self, *layers: Layer, seed=None):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Sequential: expected every item to be a dlcore layer (Dense, ReLU, ...), "
                    f"received {type(layer).__name__} at position {i}. Hint: write "
                    f"Sequential(Dense(4, 8), ReLU(), Dense(8, 1)), with the layers as arguments; "
                    f"activation classes must be instantiated, e.g. ReLU() not ReLU."
                )
        self.layers = list(layers)
        if seed is not None:
            self.rng = as_generator(seed)
            self.reseed(self.rng)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, ...) -> output of the last layer. Each layer keeps its own cache."""
        for layer in self.layers:
            x = layer.forward(x)
        self._output_shape = np.shape(x)
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        """dout: dL/d(output) -> dL/d(input); parameter gradients are added on the way.

        Returns None instead of dL/d(input) when ``needs_input_grad`` is False.
        """
        dout = output_gradient(dout, self._output_shape, "Sequential.backward")
        if self.layers:
            # the model's input is its first layer's input: that layer needs dL/dx when we do
            self.layers[0].needs_input_grad = self.needs_input_grad
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def named_children(self) -> list[tuple[str, Layer]]:
        return [(f"layers[{i}]", layer) for i, layer in enumerate(self.layers)]

    def output_shape(self, input_shape: tuple) -> tuple:
        for layer in self.layers:
            input_shape = layer.output_shape(input_shape)
        return input_shape

    @property
    def output_kind(self) -> str:
        """The ``output_kind`` of the last layer (looked up inside a nested Sequential)."""
        return self.layers[-1].output_kind if self.layers else "logits"

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i):
        if isinstance(i, slice):
            part = Sequential(*self.layers[i])  # shares the layers (and their weights)
            part.training = self.training
            return part
        return self.layers[i]

    def __iter__(self):
        return iter(self.layers)

    # --- prediction ---------------------------------------------------------------------------
    def predict(self, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """The network's output for ``X`` in evaluation mode, computed in batches.

        X: (N, ...) -> (N, D_out). For a classifier this is what the last layer gives (logits,
        or probabilities if the last layer is ``Softmax``/``Sigmoid``); for a regression model it
        is the predicted value. ``predict_proba`` turns a classifier's output into probabilities;
        ``predict_proba(X).argmax(axis=1)`` gives class labels. The model is put back in the mode
        it was in.
        """
        where = "Sequential.predict"
        batch_size = positive_int(batch_size, "batch_size", where)
        X = as_float_array(X, "X", where)
        if X.ndim == 0 or X.shape[0] == 0:
            raise ValueError(message(where, "a non-empty batch of shape (N, ...)", describe(X)))
        # Remember every layer's own mode, not just this model's: a slice model[:2] shares its
        # layers with the whole model, and must give them back exactly as it found them.
        modes = [(layer, layer.training) for layer in _all_layers(self)]
        self.eval()
        try:
            outputs = [self.forward(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
        finally:
            for layer, mode in modes:
                layer.training = mode
        return np.concatenate(outputs, axis=0)

    def predict_proba(self, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Class probabilities for ``X``: (N, ...) -> (N, K), decided by ``self.output_kind``.

        The last layer declares what its output is (``Layer.output_kind``), so the answer does
        not depend on class names (``notebooks/04_forward_propagation.ipynb``):

        - ``"softmax"`` (ends with ``Softmax``): the rows already are probabilities, returned;
        - ``"sigmoid"`` (ends with ``Sigmoid``): each output already is a probability. With one
          output, P(class 1), two columns ``[P(class 0), P(class 1)]`` are returned; with K
          outputs (multi-label: each label on or off by itself) the K probabilities as they
          are, rows not summing to 1;
        - ``"logits"`` (ends with ``Dense``, as ``SoftmaxCrossEntropy`` and
          ``BinaryCrossEntropyWithLogits`` expect): K > 1 outputs get a softmax; one output gets
          the sigmoid, returned as ``[P(class 0), P(class 1)]``. (For multi-label logits take
          ``dlcore.activations.sigmoid(model.predict(X))``.)
        """
        from .activations import sigmoid, softmax  # here: activations.py imports this module

        where = "Sequential.predict_proba"
        out = self.predict(X, batch_size=batch_size)
        if out.ndim != 2:
            raise ValueError(message(
                where, "the model to output (N, K) scores", f"output of shape {out.shape}",
                "end a classifier with Dense(..., K).",
            ))
        kind = self.output_kind
        if kind == "softmax":
            return out
        if kind == "sigmoid":
            p = out
        elif kind == "logits":
            if out.shape[1] > 1:
                return softmax(out, axis=1)
            p = sigmoid(out)
        else:
            raise ValueError(message(
                where, "the last layer's output_kind to be 'logits', 'softmax' or 'sigmoid'",
                repr(kind),
            ))
        if p.shape[1] == 1:
            return np.concatenate([1.0 - p, p], axis=1)
        return p

    # --- summary ------------------------------------------------------------------------------
    def summary(self, input_shape: tuple | None = None) -> str:
        """A table of the layers, their output shapes and parameter counts (also ``repr``).

        ``input_shape`` is the shape of one sample, e.g. ``(64,)`` or ``(1, 8, 8)``; without it
        the shapes are worked out from the first layer that knows its input size, if any.
        """
        if input_shape is not None:
            input_shape = shape_tuple(
                input_shape, "input_shape", "Sequential.summary",
                "the shape of ONE sample, without the batch axis: input_shape=(64,) for 64 "
                "features, (1, 28, 28) for a grey image.")
        if input_shape is None:
            for layer in self.layers:
                cfg = layer.config()
                if "in_features" in cfg:
                    input_shape = (cfg["in_features"],)
                    break
                if "input_size" in cfg:
                    input_shape = (None, cfg["input_size"])
                    break
        rows, notes = [], []
        shape = (None, *input_shape) if input_shape is not None else None
        for i, layer in enumerate(self.layers):
            if shape is not None:
                try:
                    shape = layer.output_shape(shape)
                    shape_text = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
                except (NotImplementedError, ValueError) as exc:
                    # said, not guessed: the shapes after this layer are unknown too
                    shape, shape_text = None, "?"
                    notes.append(f"? after layer {i}: {exc}")
            else:
                shape_text = "?"
            rows.append((f"{i}: {layer!r}", shape_text, layer.num_parameters()))
        w0 = max([len("layer")] + [len(r[0]) for r in rows])
        w1 = max([len("output shape")] + [len(r[1]) for r in rows])
        lines = [f"{'layer':<{w0}}  {'output shape':<{w1}}  {'parameters':>10}"]
        lines.append("-" * len(lines[0]))
        for name, shp, n in rows:
            lines.append(f"{name:<{w0}}  {shp:<{w1}}  {n:>10,}")
        lines.append("-" * len(lines[0]))
        lines.append(f"total parameters: {self.num_parameters():,}")
        lines.extend(notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "Sequential(\n" + self.summary() + "\n)"

    def config(self) -> dict:
        return {}
