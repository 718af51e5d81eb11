"""The general layers: ``Dense`` (fully connected), ``Dropout``, ``Flatten`` and ``BatchNorm``.

``Dense`` is introduced in ``notebooks/02_architecture.ipynb``, its forward pass in
``04_forward_propagation`` and its backward pass in ``05_back_propagation``; ``Dropout`` in
``07_training_loop``; ``Flatten`` in ``09_convolution``; ``BatchNorm`` (which normalises the
outputs of ``Dense`` or ``Conv2D``) after them. Activations are in ``activations.py``.
"""

from __future__ import annotations

import numpy as np

from .init import get_initializer
from .module import Layer, Parameter, register
from .rng import as_generator
from .validate import (
    as_float_array,
    describe,
    float_dtype,
    fraction,
    message,
    output_gradient,
    positive_int,
    positive_number,
)


@register
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

    parameter_names = ("W", "b")
    x = None  # the cache: the last input, None before the first forward

    def __init__(self, in_features: int, out_features: int, init="he", seed=None, dtype=np.float32):
        shapes = self.state_shapes({"in_features": in_features, "out_features": out_features})
        self.in_features, self.out_features = shapes["W"]
        dtype = float_dtype(dtype, "Dense")
        self._initializer = get_initializer(init)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        self.W = Parameter(self._initial_weights(seed, dtype), "W")
        self.b = Parameter(np.zeros(self.out_features, dtype=dtype), "b")

    @classmethod
    def state_shapes(cls, config: dict) -> dict[str, tuple]:
        """``{"W": (D_in, D_out), "b": (D_out,)}`` for a config, the sizes checked."""
        hint = "Dense(64, 10) maps 64 inputs per sample to 10 outputs."
        D_in = positive_int(config.get("in_features"), "in_features", "Dense", hint)
        D_out = positive_int(config.get("out_features"), "out_features", "Dense", hint)
        return {"W": (D_in, D_out), "b": (D_out,)}

    def _initial_weights(self, seed, dtype) -> np.ndarray:
        shape = (self.in_features, self.out_features)
        W = np.asarray(self._initializer(shape, seed), dtype=dtype)
        if W.shape != shape:
            raise ValueError(
                f"Dense: the initialiser {self.init!r} returned shape {W.shape}, expected {shape}."
            )
        return W

    def reseed(self, seed) -> Dense:
        """Draw ``W`` again from ``seed`` (as ``Dense(..., seed=seed)`` would), ``b`` back to 0."""
        self.W.value[...] = self._initial_weights(as_generator(seed), self.W.dtype)
        self.b.value[...] = 0
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, D_in) -> z: (N, D_out)."""
        x = self._check_input(x)
        self.x = x  # cache: dW = x.T @ dout needs it
        z = x @ self.W.value
        z += self.b.value     # in place: one (N, D_out) array fewer, 2-3 % of an epoch at batch 128
        return z

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        """dout: (N, D_out) -> dx: (N, D_in); adds dW and db into W.grad and b.grad.

        Returns None instead of dx when ``needs_input_grad`` is False (``fit`` sets it on the
        first layer: the data is not learned, so nothing would use dx).
        """
        shape = None if self.x is None else (len(self.x), self.out_features)
        dout = output_gradient(dout, shape, f"{self._name()}.backward")
        self.W.grad += self.x.T @ dout
        self.b.grad += dout.sum(axis=0)
        if not self.needs_input_grad:
            return None
        return dout @ self.W.value.T

    def _check_input(self, x) -> np.ndarray:
        """``x`` as a float array of shape (N, D_in), or a ValueError that says what to change."""
        x = as_float_array(x, "x", self._name())
        if x.ndim == 2 and x.shape[1] == self.in_features:
            return x
        if x.ndim == 1 and x.shape[0] == self.in_features:
            hint = "a single sample must still be a batch: use x.reshape(1, -1)."
        elif x.ndim > 2:
            hint = "put Flatten() before this layer, or reshape to (N, features)."
        elif x.ndim == 2:
            hint = (
                f"the layer before gives {x.shape[1]} features per sample; make this "
                f"Dense({x.shape[1]}, {self.out_features}), or check for transposed data "
                f"(samples must be rows)."
            )
        else:
            hint = "pass a 2-D array with one sample per row."
        raise ValueError(message(
            self._name(), f"input of shape (N, {self.in_features})", describe(x), hint
        ))

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


@register
class Dropout(Layer):
    """Randomly silence a fraction ``p`` of the inputs while training; do nothing in eval mode.

    This is "inverted" dropout: the survivors are scaled by ``1 / (1 - p)`` during training, so
    the expected value of every output is unchanged and nothing needs rescaling at test time.
    It fights overfitting by stopping neurons from relying on one another
    (``notebooks/07_training_loop.ipynb``).

    x: (N, ...) -> (N, ...). ``model.train()`` turns it on, ``model.eval()`` turns it off.
    """

    keeps_shape = True
    shape = None  # the shape of the last input (and output), None before the first forward

    def __init__(self, p: float = 0.5, seed=None):
        self.p = fraction(p, "p (the fraction of inputs to drop)", "Dropout",
                          "0.1 to 0.5 is usual; p=1 would drop everything.")
        self.rng = as_generator(seed)

    def reseed(self, seed) -> Dropout:
        """Draw the masks from ``seed`` from now on (``Sequential(..., seed=)`` does this)."""
        self.rng = as_generator(seed)
        return self

    def forward(self, x):
        x = as_float_array(x, "x", "Dropout.forward")
        self.shape = x.shape
        if not self.training or self.p == 0:
            self.mask = None
            return x
        keep = 1.0 - self.p
        self.mask = (self.rng.random(x.shape) < keep).astype(x.dtype) / x.dtype.type(keep)
        return x * self.mask

    def backward(self, dout):
        dout = output_gradient(dout, self.shape, "Dropout.backward")
        if self.mask is None:
            return dout
        return dout * self.mask

    def config(self):
        return {"p": self.p}


@register
class Flatten(Layer):
    """Turn each sample into one long row: (N, d1, d2, ...) -> (N, d1 * d2 * ...).

    An 8x8 image becomes a 64-vector, a (C, H, W) feature map a C*H*W-vector, ready for ``Dense``.
    Nothing is learned and nothing is copied: it is a reshape, and backward reshapes back.
    """

    input_shape = None  # the cache: the last input's shape, None before the first forward

    def forward(self, x):
        x = as_float_array(x, "x", "Flatten.forward")
        if x.ndim < 2:
            raise ValueError(message(
                "Flatten", "a batch of shape (N, ...) with at least 2 dimensions", describe(x),
                "a single image must still be a batch, e.g. image[None].",
            ))
        self.input_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        shape = None if self.input_shape is None else (
            self.input_shape[0], int(np.prod(self.input_shape[1:])))
        dout = output_gradient(dout, shape, "Flatten.backward")
        return dout.reshape(self.input_shape)

    def output_shape(self, input_shape):
        rest = input_shape[1:]
        if any(s is None for s in rest):
            return (input_shape[0], None)
        return (input_shape[0], int(np.prod(rest)))


@register
class BatchNorm(Layer):
    """Batch normalisation (Ioffe and Szegedy, 2015): give every feature mean 0 and variance 1
    over the batch, then a learned scale ``gamma`` and shift ``beta``.

    Why: the distribution of each layer's input shifts as the layers below it learn; normalising
    it keeps the activations in a range where gradients flow, so deeper networks train faster
    and tolerate larger learning rates. Put it after ``Dense`` or ``Conv2D``, before the
    activation.

    Shapes: x: (N, D) -> (N, D) after ``Dense``, or (N, C, H, W) -> (N, C, H, W) after
    ``Conv2D``; ``num_features`` is D or C. The statistics of a feature are taken over the
    axes ``axes`` = (0,) for (N, D) or (0, 2, 3) for (N, C, H, W): over the batch, and for an
    image over every position too, so a channel is normalised as one feature. Parameters
    ``gamma`` (starts at 1) and ``beta`` (starts at 0), both (num_features,); buffers
    ``running_mean`` and ``running_var``, both (num_features,).

    Forward in training mode, with ``M`` numbers per feature (N, or N*H*W)::

        mu    = mean of x over axes                         (the batch's mean)
        var   = mean of (x - mu)**2 over axes               (the batch's variance)
        x_hat = (x - mu) / sqrt(var + eps)
        y     = gamma * x_hat + beta
        running_mean <- (1 - momentum) * running_mean + momentum * mu
        running_var  <- (1 - momentum) * running_var  + momentum * var * M / (M - 1)

    In eval mode (``model.eval()``, as ``predict`` does) the running statistics replace the
    batch's, so a prediction does not depend on the other samples of its batch:
    ``x_hat = (x - running_mean) / sqrt(running_var + eps)``. The running statistics are
    buffers: not learned, but saved, loaded, cast and restored with the weights.

    Backward in training mode (``mu`` and ``var`` depend on every x of the batch, which gives the
    two sums)::

        dbeta  = sum of dout over axes
        dgamma = sum of dout * x_hat over axes
        dx_hat = dout * gamma
        dx     = (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) / sqrt(var + eps)

    with the means over ``axes``. In eval mode the statistics are constants and
    ``dx = dout * gamma / sqrt(running_var + eps)``.

    Parameters
    ----------
    num_features : int
        D (features of a Dense output) or C (channels of a Conv2D output).
    momentum : float in [0, 1), default 0.1
        How much of each batch's statistics enters the running ones (PyTorch's convention).
    eps : float > 0, default 1e-5
        Added to the variance so that a constant feature does not divide by 0.
    dtype : float32 (default, for training) or float64 (for gradient checks).
    """

    parameter_names = ("gamma", "beta")
    buffer_names = ("running_mean", "running_var")
    keeps_shape = True
    x_hat = None  # the cache: the normalised last input, None before the first forward

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5,
                 dtype=np.float32):
        where = "BatchNorm"
        (self.num_features,) = self.state_shapes({"num_features": num_features})["gamma"]
        dtype = float_dtype(dtype, where)
        self.momentum = fraction(momentum, "momentum", where, "0.1 is usual.")
        self.eps = positive_number(eps, "eps", where, "1e-5 is usual.")
        D = self.num_features
        self.gamma = Parameter(np.ones(D, dtype=dtype), "gamma")
        self.beta = Parameter(np.zeros(D, dtype=dtype), "beta")
        self.running_mean = np.zeros(D, dtype=dtype)
        self.running_var = np.ones(D, dtype=dtype)

    @classmethod
    def state_shapes(cls, config: dict) -> dict[str, tuple]:
        """Four arrays of shape (num_features,): gamma, beta and the two running statistics."""
        D = positive_int(config.get("num_features"), "num_features", "BatchNorm",
                         "the D of Dense(..., D) or the C_out of Conv2D before it.")
        return {name: (D,) for name in ("gamma", "beta", "running_mean", "running_var")}

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, D) or (N, C, H, W) -> the same shape, each feature normalised."""
        x, axes, shape = self._check_input(x)
        gamma, beta = self.gamma.value.reshape(shape), self.beta.value.reshape(shape)
        if self.training:
            mu = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True)
            M = x.size // self.num_features
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mu.reshape(-1)
            self.running_var = (1 - m) * self.running_var + m * var.reshape(-1) * M / (M - 1)
        else:
            mu = self.running_mean.reshape(shape)
            var = self.running_var.reshape(shape)
        inv_std = 1 / np.sqrt(var + self.eps)
        x_hat = (x - mu) * inv_std
        self.x_hat, self.inv_std, self.axes = x_hat, inv_std, axes  # cache for backward
        return gamma * x_hat + beta

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: the output's shape -> dx: the same shape; adds dgamma and dbeta into the grads."""
        shape = None if self.x_hat is None else self.x_hat.shape
        dout = output_gradient(dout, shape, f"BatchNorm({self.num_features}).backward")
        x_hat, inv_std, axes = self.x_hat, self.inv_std, self.axes
        self.beta.grad += dout.sum(axis=axes)
        self.gamma.grad += (dout * x_hat).sum(axis=axes)
        dx_hat = dout * self.gamma.value.reshape(inv_std.shape)
        if not self.training:
            return dx_hat * inv_std
        return (dx_hat - dx_hat.mean(axis=axes, keepdims=True)
                - x_hat * (dx_hat * x_hat).mean(axis=axes, keepdims=True)) * inv_std

    def _check_input(self, x):
        """``x`` as a float array, the axes of its statistics, and the shape of gamma for it."""
        where = f"BatchNorm({self.num_features})"
        x = as_float_array(x, "x", where)
        if x.ndim == 2 and x.shape[1] == self.num_features:
            axes, shape = (0,), (1, self.num_features)
        elif x.ndim == 4 and x.shape[1] == self.num_features:
            axes, shape = (0, 2, 3), (1, self.num_features, 1, 1)
        else:
            raise ValueError(message(
                where, f"x of shape (N, {self.num_features}) after Dense or "
                f"(N, {self.num_features}, H, W) after Conv2D", describe(x),
                "num_features must be the number of features (Dense) or channels (Conv2D) of "
                "the layer before.",
            ))
        if self.training and x.size == self.num_features:
            raise ValueError(message(
                where, "more than one number per feature to take batch statistics of",
                describe(x), "train with batches of 2 samples or more; predict works on one.",
            ))
        return x, axes, shape

    def config(self):
        return {"num_features": self.num_features, "momentum": self.momentum, "eps": self.eps}
