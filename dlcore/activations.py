"""Activation functions, as layers: the non-linear step ``a = g(z)`` after a weighted sum.

Introduced in ``notebooks/02_architecture.ipynb`` (each plotted with its derivative) and
differentiated in ``notebooks/05_back_propagation.ipynb``.

Why they exist: a stack of weighted sums is still one weighted sum
(``(x @ W1) @ W2 = x @ (W1 @ W2)``), so without a non-linear ``g`` between layers a deep
network is no more powerful than one layer.

Each class keeps its forward line and its backward line side by side, so the backward pass reads as
the derivative of that one line (the chain rule: ``dz = dout * g'(z)``). Shapes: every activation
maps ``x: (N, ...) -> (N, ...)`` elementwise, except ``Softmax``, which works along the last axis.

The plain functions ``sigmoid`` and ``softmax`` are the library's only definitions of the two
functions, written so that they never overflow: the layers here, the losses and
``Sequential.predict_proba`` all call them.

Every activation keeps the shape of its input (``keeps_shape = True``). ``Sigmoid`` and
``Softmax`` also declare what their output is (``output_kind``), which is how
``Sequential.predict_proba`` knows that a model ending with them already gives probabilities.
"""

from __future__ import annotations

import numpy as np

from .module import Layer, register
from .validate import as_float_array, fraction, message, output_gradient


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))``, computed without overflow for any z (even ±1000).

    ``exp(-z)`` overflows for very negative z, so for z < 0 the same value is written as
    ``exp(z) / (1 + exp(z))``; both forms use ``e = exp(-|z|)``, which is never larger than 1.
    """
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """``exp(z_k) / sum_j exp(z_j)`` along ``axis``; each slice sums to 1.

    Subtracting the maximum first changes nothing mathematically (it cancels between numerator
    and denominator) but keeps every ``exp`` at most 1, so logits of 1e4 do not overflow.
    """
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def _shape(cache):
    """The shape of a layer's cached array, or None before the first forward pass."""
    return None if cache is None else cache.shape


@register
class Identity(Layer):
    """The linear activation ``a = z``; its derivative is 1. Used for regression outputs."""

    keeps_shape = True
    shape = None  # the shape of the last input, None before the first forward

    def forward(self, x):
        x = as_float_array(x, "x", "Identity.forward")
        self.shape = x.shape
        return x

    def backward(self, dout):
        return output_gradient(dout, self.shape, "Identity.backward")


@register
class Sigmoid(Layer):
    """``a = 1 / (1 + exp(-z))``, squashing any number into (0, 1): a probability.

    Derivative: ``a * (1 - a)``, at most 0.25 (at z = 0) and nearly 0 for large ``|z|``, which
    is why deep sigmoid networks learn slowly ("vanishing gradients").
    """

    keeps_shape = True
    output_kind = "sigmoid"  # each output a probability in (0, 1)
    a = None  # the cache: the last output, None before the first forward

    def forward(self, x):
        x = as_float_array(x, "x", "Sigmoid.forward")
        self.a = sigmoid(x)  # cache the output: the derivative is written in terms of it
        return self.a.copy()  # a copy: changing the output in place must not change the cache

    def backward(self, dout):
        dout = output_gradient(dout, _shape(self.a), "Sigmoid.backward")
        return dout * self.a * (1.0 - self.a)


@register
class Tanh(Layer):
    """``a = tanh(z)``, squashing into (-1, 1) and centred on 0. Derivative: ``1 - a**2``."""

    keeps_shape = True
    a = None  # the cache: the last output, None before the first forward

    def forward(self, x):
        x = as_float_array(x, "x", "Tanh.forward")
        self.a = np.tanh(x)
        return self.a.copy()  # a copy: changing the output in place must not change the cache

    def backward(self, dout):
        dout = output_gradient(dout, _shape(self.a), "Tanh.backward")
        return dout * (1.0 - self.a * self.a)


@register
class ReLU(Layer):
    """``a = max(0, z)``: passes positive numbers, silences negative ones.

    Derivative: 1 where z > 0, else 0 (at exactly 0 we take 0, as PyTorch does). Cheap, and it
    does not saturate for positive z, which is why it is the default in hidden layers.
    """

    keeps_shape = True
    mask = None  # the cache: where the last input was > 0, None before the first forward

    def forward(self, x):
        x = as_float_array(x, "x", "ReLU.forward")
        self.mask = x > 0  # where the neuron fired: the only places the gradient flows back
        return np.maximum(x, 0, dtype=x.dtype)

    def backward(self, dout):
        dout = output_gradient(dout, _shape(self.mask), "ReLU.backward")
        return dout * self.mask


@register
class LeakyReLU(Layer):
    """``a = z`` if z > 0 else ``alpha * z``: like ReLU but lets a little gradient through when
    z < 0, so a neuron cannot get stuck silent forever ("dying ReLU")."""

    keeps_shape = True
    mask = None  # the cache: where the last input was > 0, None before the first forward

    def __init__(self, alpha: float = 0.01):
        self.alpha = fraction(alpha, "alpha", "LeakyReLU",
                              "0.01 is the usual choice; alpha=0 is plain ReLU.")

    def forward(self, x):
        x = as_float_array(x, "x", "LeakyReLU.forward")
        self.mask = x > 0
        return np.where(self.mask, x, self.alpha * x).astype(x.dtype, copy=False)

    def backward(self, dout):
        dout = output_gradient(dout, _shape(self.mask), "LeakyReLU.backward")
        return np.where(self.mask, dout, self.alpha * dout).astype(dout.dtype, copy=False)

    def config(self):
        return {"alpha": self.alpha}


@register
class Softmax(Layer):
    """``a_k = exp(z_k) / sum_j exp(z_j)`` along the last axis: scores -> probabilities (sum 1).

    Backward (the Jacobian-vector product, without building the K x K Jacobian):
    ``dz = a * (dout - sum_k(dout_k * a_k))``.

    To train a classifier prefer ending with plain logits and ``SoftmaxCrossEntropy``, which fuses
    softmax and the loss into one stable step with the simple gradient ``(a - y) / N``.
    """

    keeps_shape = True
    output_kind = "softmax"  # each row a probability distribution
    a = None  # the cache: the last output, None before the first forward

    def forward(self, x):
        x = as_float_array(x, "x", "Softmax.forward")
        if x.ndim < 1:
            raise ValueError(message("Softmax", "scores of shape (N, K)", f"a scalar {x!r}"))
        self.a = softmax(x, axis=-1)
        return self.a.copy()  # a copy: changing the output in place must not change the cache

    def backward(self, dout):
        dout = output_gradient(dout, _shape(self.a), "Softmax.backward")
        a = self.a
        return a * (dout - (dout * a).sum(axis=-1, keepdims=True))
