"""The three pieces every network is built from: ``Parameter``, ``Layer`` and ``Sequential``.

Introduced in ``notebooks/02_architecture.ipynb`` and used by every notebook after it.

The layer contract (the same for every layer, dense, convolutional or recurrent):

- ``forward(x)`` returns the layer's output and keeps in the layer what ``backward`` will need
  (the "cache": usually the input, or the output of an activation).
- ``backward(dout)`` takes dL/d(output), returns dL/d(input), and *adds* dL/d(parameter) into
  each ``Parameter.grad``. Adding (not overwriting) is what lets a parameter that is used twice
  collect both contributions; it is also why the training loop calls ``zero_grad()`` first.
- ``parameters()`` lists the layer's ``Parameter`` objects, in a fixed order.
- ``train()`` / ``eval()`` switch layers that behave differently while training (``Dropout``).
- ``needs_input_grad`` (True unless someone says otherwise): when it is False, nothing will use
  dL/d(input), so ``backward`` may skip computing it and return ``None``; the parameter
  gradients are computed as always. ``fit`` sets it to False on the model while training,
  because the gradient with respect to the data is never used, and for the first ``Dense``
  layer it is the largest matrix product of the backward pass (``x`` has 784 columns for an
  MNIST image, more than any layer after it).

The names match PyTorch's, so the habits a learner builds here carry over.

Samples are rows: a batch ``x`` has shape ``(N, ...)`` with ``N`` the number of samples.
"""

from __future__ import annotations

import numpy as np

# Every layer class registers itself here under its class name, so that ``dlcore.io.load`` can
# rebuild a model from the JSON description of its architecture without pickle.
LAYER_REGISTRY: dict[str, type] = {}


def describe_array(x) -> str:
    """A short description of an array for error messages: ``array of shape (32, 10), float32``."""
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape}, dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


def as_float_array(x, name: str, where: str) -> np.ndarray:
    """Return ``x`` as a floating-point NumPy array, or raise a clear ``TypeError``.

    Integer arrays are converted to float32 (the training dtype); float arrays keep their dtype,
    so a float64 gradient check stays float64. No copy is made when none is needed.
    """
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy gives many different errors here
        raise TypeError(
            f"{where}: expected {name} to be a NumPy array of numbers, "
            f"received {describe_array(x)}."
        ) from exc
    if arr.dtype.kind in "iub":
        return arr.astype(np.float32)
    if arr.dtype.kind != "f":
        raise TypeError(
            f"{where}: expected {name} to be an array of numbers (float32 for training), "
            f"received {describe_array(arr)}. Hint: encode strings or objects as numbers first, "
            f"e.g. with dlcore.data.LabelEncoder."
        )
    return arr


def as_positive_int(value, name: str, where: str, hint: str = "") -> int:
    """Return ``value`` as an ``int`` >= 1 (a size such as ``hidden_size``), or raise clearly.

    ``TypeError`` for anything but an integer (``2.5``, ``"3"``, and ``True``, which Python
    counts as the integer 1), naming the type received; ``ValueError`` for 0 or a negative size.
    ``hint``, if given, is added to the message.
    """
    tail = f" {hint}" if hint else ""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{where}: expected {name} to be a positive integer, received "
            f"{type(value).__name__} {value!r}.{tail}"
        )
    if value < 1:
        raise ValueError(
            f"{where}: expected {name} to be a positive integer, received {value!r}.{tail}"
        )
    return int(value)


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
        value = np.asarray(value)
        if value.dtype.kind != "f":
            value = value.astype(np.float32)
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

    # --- the gradient ---------------------------------------------------------------------------
    # ``grad`` is a property only so that the parameter can remember one fact cheaply: "the
    # gradient is all zeros since zero_grad(), and nobody has touched it". While that holds, a
    # layer can *write* its gradient instead of *adding* it (``add_matmul``), which saves the
    # temporary array and the extra pass over memory that ``grad += a @ b`` costs. Any access to
    # ``grad`` forgets the fact, because whoever holds the array may write into it (so write
    # through ``p.grad``, not through an array kept from before ``zero_grad()``). For everyone
    # else ``grad`` behaves as a plain attribute.

    @property
    def grad(self) -> np.ndarray:
        self._grad_is_zero = False
        return self._grad

    @grad.setter
    def grad(self, value: np.ndarray) -> None:
        self._grad = value
        self._grad_is_zero = False

    def zero_grad(self) -> None:
        """Set the gradient to zero, in place."""
        self._grad.fill(0)
        self._grad_is_zero = True

    def add_matmul(self, a: np.ndarray, b: np.ndarray) -> None:
        """``grad += a @ b``: add a gradient that is a matrix product (``Dense``: ``x.T @ dout``).

        Right after ``zero_grad()`` the sum is just ``a @ b``, so the product is written straight
        into ``grad`` (``np.matmul(a, b, out=grad)``): no temporary array and no second pass to
        add it. For the first layer of a 784-256-128-10 network that is 200 000 numbers per
        mini-batch, about a tenth of a training epoch at batch size 32 (``benchmarks/``).
        Otherwise (a second contribution, e.g. a weight used twice) it is added as usual.
        """
        if self._grad_is_zero:
            np.matmul(a, b, out=self._grad)
            self._grad_is_zero = False
        else:
            self._grad += a @ b

    def to(self, dtype) -> Parameter:
        """Cast value and gradient to ``dtype`` (e.g. ``np.float64`` for a gradient check)."""
        self.value = self.value.astype(dtype)
        self.grad = self.grad.astype(dtype)
        return self

    def __repr__(self) -> str:
        return f"Parameter({self.name}, shape={self.shape}, dtype={self.dtype})"


class Layer:
    """Base class of every layer: holds the shared bookkeeping, not the maths.

    A subclass implements ``forward`` and ``backward`` (and ``parameters`` if it has any), and
    ``config`` if its constructor takes arguments, so that ``dlcore.io`` can save and rebuild it.
    """

    training: bool = True
    #: Whether ``backward`` must return dL/d(input); see the module docstring. A layer that
    #: cannot skip the work may ignore it and return the gradient anyway.
    needs_input_grad: bool = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        LAYER_REGISTRY[cls.__name__] = cls

    # --- the contract -------------------------------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x).")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement backward(dout).")

    def parameters(self) -> list[Parameter]:
        """The layer's learnable parameters, in a fixed order. A layer without any returns []."""
        return []

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    # --- shared bookkeeping -------------------------------------------------------------------
    def children(self) -> list[Layer]:
        """Layers contained in this one (``Sequential`` overrides this)."""
        return []

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero."""
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Layer:
        """Put the layer (and its children) in training mode; ``train(False)`` is ``eval()``."""
        self.training = bool(mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Layer:
        """Put the layer (and its children) in evaluation mode: ``Dropout`` stops dropping."""
        return self.train(False)

    def to(self, dtype) -> Layer:
        """Cast every parameter to ``dtype`` in place and return the layer.

        Training runs in float32 (fast, half the memory); gradient checks run in float64, where
        central differences are accurate enough to compare with the analytic gradient.
        """
        for p in self.parameters():
            p.to(dtype)
        return self

    def num_parameters(self) -> int:
        """How many numbers training can change (weights and biases together)."""
        return int(sum(p.size for p in self.parameters()))

    def config(self) -> dict:
        """The constructor arguments that rebuild this layer, as JSON-serialisable values."""
        return {}

    def output_shape(self, input_shape: tuple) -> tuple:
        """Shape of the output for an input of ``input_shape`` (``None`` for the batch size)."""
        return input_shape

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


def _all_layers(layer: Layer) -> list[Layer]:
    """``layer`` and every layer inside it, depth first."""
    found = [layer]
    for child in layer.children():
        found.extend(_all_layers(child))
    return found


class Sequential(Layer):
    """Layers applied one after the other: ``Sequential(Dense(64, 32), ReLU(), Dense(32, 10))``.

    ``forward`` runs the layers in order; ``backward`` runs their backward passes in reverse
    order, each one passing dL/d(its input) to the layer before it. That reversal *is* back
    propagation (``notebooks/05_back_propagation.ipynb``).
    """

    def __init__(self, *layers: Layer):
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

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, ...) -> output of the last layer. Each layer keeps its own cache."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        """dout: dL/d(output) -> dL/d(input); parameter gradients are added on the way.

        Returns None instead of dL/d(input) when ``needs_input_grad`` is False (see below).
        """
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
            if dout is None:  # a layer that needs no input gradient: nothing before it learns
                break
        return dout

    @property
    def needs_input_grad(self) -> bool:
        """Whether ``backward`` must return dL/d(input); True unless set otherwise.

        Setting it to False (``fit`` does, while it trains) passes it on to the first layer with
        parameters and to the layers without parameters before it: none of them has to send a
        gradient further back, because nothing before them learns. The layers after the first
        one with parameters still need their input gradients, to reach the weights below them.
        """
        return self.__dict__.get("_needs_input_grad", True)

    @needs_input_grad.setter
    def needs_input_grad(self, value: bool) -> None:
        self._needs_input_grad = bool(value)
        for layer in self.layers:
            layer.needs_input_grad = bool(value)
            if layer.parameters():
                break

    def parameters(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]

    def children(self) -> list[Layer]:
        return list(self.layers)

    def output_shape(self, input_shape: tuple) -> tuple:
        for layer in self.layers:
            input_shape = layer.output_shape(input_shape)
        return input_shape

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
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(
                f"Sequential.predict: expected batch_size to be a positive integer, "
                f"received {batch_size!r}."
            )
        X = as_float_array(X, "X", "Sequential.predict")
        if X.ndim == 0 or X.shape[0] == 0:
            raise ValueError(
                f"Sequential.predict: expected a non-empty batch of shape (N, ...), received "
                f"{describe_array(X)}."
            )
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
        """Class probabilities for ``X``: (N, ...) -> (N, K), each row summing to 1.

        If the last layer already is ``Softmax`` (or ``Sigmoid``) its output is returned as it is.
        Otherwise the output is taken to be logits, as ``SoftmaxCrossEntropy`` and
        ``BinaryCrossEntropyWithLogits`` expect: softmax is applied when there are K > 1 outputs,
        and for one output the sigmoid gives P(class 1), returned as two columns
        ``[P(class 0), P(class 1)]``.
        """
        out = self.predict(X, batch_size=batch_size)
        last = type(self.layers[-1]).__name__ if self.layers else ""
        if out.ndim != 2:
            raise ValueError(
                f"Sequential.predict_proba: expected the model to output (N, K) scores, but it "
                f"outputs shape {out.shape}. Hint: end a classifier with Dense(..., K)."
            )
        if out.shape[1] == 1:
            if last == "Sigmoid":
                p1 = out
            else:
                # sigmoid written so that neither branch can overflow
                e = np.exp(-np.abs(out))
                p1 = np.where(out >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
            return np.concatenate([1.0 - p1, p1], axis=1)
        if last == "Softmax":
            return out
        shifted = out - out.max(axis=1, keepdims=True)  # softmax is unchanged by a shift
        e = np.exp(shifted)
        return e / e.sum(axis=1, keepdims=True)

    # --- summary ------------------------------------------------------------------------------
    def summary(self, input_shape: tuple | None = None) -> str:
        """A table of the layers, their output shapes and parameter counts (also ``repr``).

        ``input_shape`` is the shape of one sample, e.g. ``(64,)`` or ``(1, 8, 8)``; without it
        the shapes are worked out from the first layer that knows its input size, if any.
        """
        if input_shape is None:
            for layer in self.layers:
                cfg = layer.config()
                if "in_features" in cfg:
                    input_shape = (cfg["in_features"],)
                    break
                if "input_size" in cfg:
                    input_shape = (None, cfg["input_size"])
                    break
        rows = []
        shape = (None, *input_shape) if input_shape is not None else None
        for i, layer in enumerate(self.layers):
            if shape is not None:
                try:
                    shape = layer.output_shape(shape)
                    shape_text = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
                except Exception:
                    shape, shape_text = None, "?"
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
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "Sequential(\n" + self.summary() + "\n)"

    def config(self) -> dict:
        return {}
