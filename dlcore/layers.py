"""Layers with a shape of their own: ``Dense`` (fully connected), ``Dropout`` and ``Flatten``.

``Dense`` is introduced in ``notebooks/02_architecture.ipynb``, its forward pass in
``04_forward_propagation`` and its backward pass in ``05_back_propagation``; ``Dropout`` in
``07_training_loop``; ``Flatten`` in ``08_convolution``. Activations are in ``activations.py``.
"""

from __future__ import annotations

import numpy as np

from .init import get_initializer
from .module import Layer, Parameter, as_float_array, as_positive_int, describe_array
from .rng import as_generator


class Dense(Layer):
    """A fully connected layer: every output is a weighted sum of every input, plus a bias.

    Forward: ``z = x @ W + b`` with x: (N, D_in), W: (D_in, D_out), b: (D_out,) -> z: (N, D_out).
    Row ``n`` of ``z`` holds the ``D_out`` weighted sums for sample ``n``; the bias is broadcast to
    every row. The bias is the neuron's threshold: a neuron followed by ReLU fires when
    ``x @ w > -b``, so raising ``b`` makes it fire more easily.

    Many classic texts write the same layer for column vectors, ``Z = W.T @ A + b``; with samples
    as rows the matrix product runs over the whole batch at once (``04_forward_propagation``).

    Backward (``05_back_propagation``), with ``dout`` = dL/dz of shape (N, D_out)::

        dW = x.T @ dout          (D_in, D_out)   added into W.grad
        db = dout.sum(axis=0)    (D_out,)        added into b.grad
        dx = dout @ W.T          (N, D_in)       returned to the layer below

    Parameters
    ----------
    in_features, out_features : int
        D_in (inputs per sample) and D_out (neurons in this layer).
    init : str or callable
        How ``W`` starts: "he" (default, good before ReLU), "xavier" (sigmoid/tanh), "small"
        (``randn * 0.01``), or a function ``f(shape, seed)``. Biases start at zero.
    seed : None, int or numpy.random.Generator
        Where the random starting weights come from; the same seed gives the same weights.
    dtype : float32 (default, for training) or float64 (for gradient checks).
    """

    def __init__(self, in_features: int, out_features: int, init="he", seed=None, dtype=np.float32):
        hint = "Hint: Dense(64, 10) maps 64 inputs per sample to 10 outputs."
        self.in_features = as_positive_int(in_features, "in_features", "Dense", hint)
        self.out_features = as_positive_int(out_features, "out_features", "Dense", hint)
        initializer = get_initializer(init)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        W = np.asarray(initializer((self.in_features, self.out_features), seed), dtype=dtype)
        if W.shape != (self.in_features, self.out_features):
            raise ValueError(
                f"Dense: the initialiser {self.init!r} returned shape {W.shape}, expected "
                f"{(self.in_features, self.out_features)}."
            )
        self.W = Parameter(W, "W")
        self.b = Parameter(np.zeros(self.out_features, dtype=dtype), "b")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, D_in) -> z: (N, D_out)."""
        x = as_float_array(x, "x", self._name())
        if x.ndim != 2 or x.shape[1] != self.in_features:
            hint = "Hint: "
            if x.ndim == 1 and x.shape[0] == self.in_features:
                hint += "a single sample must still be a batch: use x.reshape(1, -1)."
            elif x.ndim > 2:
                hint += "put Flatten() before this layer, or reshape to (N, features)."
            elif x.ndim == 2:
                hint += (
                    f"the layer before gives {x.shape[1]} features per sample; make this "
                    f"Dense({x.shape[1]}, {self.out_features}), or check for transposed data "
                    f"(samples must be rows)."
                )
            else:
                hint += "pass a 2-D array with one sample per row."
            raise ValueError(
                f"{self._name()}: expected input of shape (N, {self.in_features}), "
                f"received {describe_array(x)}. {hint}"
            )
        self.x = x  # cache: dW = x.T @ dout needs it
        z = x @ self.W.value
        z += self.b.value  # added in place: one new (N, D_out) array per call instead of two
        return z

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        """dout: (N, D_out) -> dx: (N, D_in); adds dW and db into W.grad and b.grad.

        Returns None instead of dx when ``needs_input_grad`` is False (``fit`` sets it on the
        first layer: the data is not learned, so nothing would use dx).
        """
        self.W.add_matmul(self.x.T, dout)  # W.grad += x.T @ dout, without a temporary array
        self.b.grad += dout.sum(axis=0)
        if not self.needs_input_grad:
            # Skipped because it is the most expensive line here for a first layer: on MNIST
            # images dx has 784 columns, and this product costs as much as the forward pass.
            return None
        return dout @ self.W.value.T

    def parameters(self):
        return [self.W, self.b]

    def output_shape(self, input_shape):
        return (*input_shape[:-1], self.out_features)

    def config(self):
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "init": self.init,
        }

    def _name(self):
        return f"Dense({self.in_features} -> {self.out_features})"


class Dropout(Layer):
    """Randomly silence a fraction ``p`` of the inputs while training; do nothing in eval mode.

    This is "inverted" dropout: the survivors are scaled by ``1 / (1 - p)`` during training, so
    the expected value of every output is unchanged and nothing needs rescaling at test time.
    It fights overfitting by stopping neurons from relying on one another
    (``notebooks/07_training_loop.ipynb``).

    x: (N, ...) -> (N, ...). ``model.train()`` turns it on, ``model.eval()`` turns it off.
    """

    def __init__(self, p: float = 0.5, seed=None):
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not (0 <= p < 1):
            raise ValueError(
                f"Dropout: expected p (the fraction of inputs to drop) in [0, 1), received {p!r}. "
                f"Hint: 0.1 to 0.5 is usual; p=1 would drop everything."
            )
        self.p = float(p)
        self.rng = as_generator(seed)

    def forward(self, x):
        x = as_float_array(x, "x", "Dropout.forward")
        if not self.training or self.p == 0:
            self.mask = None
            return x
        keep = 1.0 - self.p
        self.mask = (self.rng.random(x.shape) < keep).astype(x.dtype) / x.dtype.type(keep)
        return x * self.mask

    def backward(self, dout):
        if self.mask is None:
            return dout
        return dout * self.mask

    def config(self):
        return {"p": self.p}


class Flatten(Layer):
    """Turn each sample into one long row: (N, d1, d2, ...) -> (N, d1 * d2 * ...).

    An 8x8 image becomes a 64-vector, a (C, H, W) feature map a C*H*W-vector, ready for ``Dense``.
    Nothing is learned and nothing is copied: it is a reshape, and backward reshapes back.
    """

    def forward(self, x):
        x = as_float_array(x, "x", "Flatten.forward")
        if x.ndim < 2:
            raise ValueError(
                f"Flatten: expected a batch of shape (N, ...) with at least 2 dimensions, "
                f"received {describe_array(x)}. Hint: a single image must still be a batch, "
                f"e.g. image[None]."
            )
        self.input_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.input_shape)

    def output_shape(self, input_shape):
        rest = input_shape[1:]
        if any(s is None for s in rest):
            return (input_shape[0], None)
        return (input_shape[0], int(np.prod(rest)))
