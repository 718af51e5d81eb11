"""Layers for images: ``Conv2D`` (a convolution) and ``MaxPool2D`` (max pooling).

Introduced in ``notebooks/09_convolution.ipynb``. Images travel as batches of shape
``(N, C, H, W)``: N samples, C channels (1 for grey, 3 for RGB, or the feature maps of the layer
below), H rows and W columns, as in PyTorch. A grey image batch of shape ``(N, H, W)`` becomes
``x[:, None]``; ``Flatten`` (in ``layers.py``) turns ``(N, C, H, W)`` into ``(N, C*H*W)`` for a
``Dense`` layer at the end.

Why convolutions: a ``Dense`` layer on a 28x28 image gives every output its own weight for every
pixel. A convolution slides one small kernel (3x3, say) over the whole image instead, so

- *local connectivity*: each output looks only at a small patch, where the edges and strokes are;
- *weight sharing*: the same few weights are used at every position, so an edge detector
  learned in one corner works everywhere, with far fewer parameters (8 kernels of 3x3 on a grey
  image: 80 numbers, against 784 * 784 for a Dense layer of the same output size);
- *translation equivariance*: shift the image and the feature map shifts with it.

How it is computed here ("im2col"): every patch the kernel visits is copied out as one column of
a matrix, and the whole layer becomes ONE matrix product of the kernels with those columns, which
NumPy hands to fast BLAS code. ``numpy.lib.stride_tricks.sliding_window_view`` gives all the
patches as a *view* (no copy); a single reshape copies them into the columns. The only Python
loops are over the ``kh * kw`` positions inside the kernel (9 for 3x3), never over samples or
pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .init import get_initializer
from .module import Layer, Parameter, register
from .rng import as_generator
from .validate import as_float_array, describe, float_dtype, positive_int


def _as_pair(value, what: str, where: str, minimum: int) -> tuple[int, int]:
    """``3 -> (3, 3)``, ``(3, 5) -> (3, 5)``; every entry an int >= ``minimum``."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(
        isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in pair
    ):
        raise TypeError(
            f"{where}: expected {what} to be an int or a pair of ints (height, width), "
            f"received {value!r}. Hint: {what}=3 means (3, 3)."
        )
    if any(v < minimum for v in pair):
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(
            f"{where}: expected {what} to be {kind} (>= {minimum}), received {value!r}."
        )
    return int(pair[0]), int(pair[1])


def _config_pair(pair: tuple[int, int]):
    """JSON-friendly form of a pair: ``3`` when both entries agree, else ``[3, 5]``."""
    return pair[0] if pair[0] == pair[1] else [pair[0], pair[1]]


def _check_images(x, where: str, channels: int | None) -> np.ndarray:
    """Return ``x`` as a float array of shape (N, C, H, W), or raise with a hint."""
    x = as_float_array(x, "x", where)
    if x.ndim != 4:
        if x.ndim == 3:
            hint = (
                "a batch of single-channel images (N, H, W) needs a channel axis: use x[:, None] "
                "or x.reshape(N, 1, H, W)."
            )
        elif x.ndim == 2:
            hint = (
                "flattened images (N, H*W) must be reshaped, e.g. x.reshape(-1, 1, 28, 28) for "
                "28x28 grey images."
            )
        else:
            hint = "pass a batch of images with one sample per entry of the first axis."
        raise ValueError(
            f"{where}: expected a 4-D batch of images of shape (N, C, H, W), received "
            f"{describe(x)}. Hint: {hint}"
        )
    if channels is not None and x.shape[1] != channels:
        hint = "the layer before gives this many channels; change in_channels to match"
        if x.shape[-1] == channels:
            hint = "channels-last images (N, H, W, C) need x.transpose(0, 3, 1, 2)"
        raise ValueError(
            f"{where}: expected x of shape (N, C, H, W) with C = in_channels = {channels}, "
            f"received {describe(x)} (C = {x.shape[1]}). Hint: {hint}."
        )
    return x


def _output_size(size, kernel: int, stride: int, padding: int, axis: str, where: str, shape):
    """``(size + 2 * padding - kernel) // stride + 1``, the number of window positions."""
    if size is None:
        return None
    if size + 2 * padding < kernel:
        raise ValueError(
            f"{where}: expected the input {axis} plus padding ({size} + 2*{padding} = "
            f"{size + 2 * padding}) to be at least the kernel {axis} {kernel}, received input "
            f"of shape {tuple(shape)}. Hint: use a smaller kernel, more padding, or fewer "
            f"pooling layers before this one."
        )
    return (size + 2 * padding - kernel) // stride + 1


@register
class Conv2D(Layer):
    """A 2-D convolution: slide ``C_out`` small kernels over a batch of images.

    Shapes: x: (N, C_in, H, W) -> z: (N, C_out, H_out, W_out), with
    ``H_out = (H + 2*padding - kh) // stride + 1`` (and the same for W_out). Parameters
    ``W``: (C_out, C_in, kh, kw) and ``b``: (C_out,).

    Forward (``notebooks/09_convolution.ipynb``), on the input ``xp`` padded with zeros::

        z[n, o, r, c] = b[o] + sum over ci, i, j of  W[o, ci, i, j] * xp[n, ci, r*s + i, c*s + j]

    Like PyTorch (and most libraries) this is a cross-correlation: the kernel is not flipped.
    Each output channel ``o`` is one feature detector, and the same ``W[o]`` is used at every
    position (weight sharing), so the layer has only ``C_out * (C_in*kh*kw + 1)`` parameters
    however large the image.

    im2col: with the patches as columns, ``cols``: (N, K, L) where K = C_in*kh*kw numbers per
    patch and L = H_out*W_out patches per image, the forward pass is a Dense layer applied to
    every patch, ``z = W.reshape(C_out, K) @ cols + b`` (one matrix product, batched over N).
    The backward pass, with ``dz = dout`` reshaped to (N, C_out, L), then reads like ``Dense``'s::

        dW   = sum over n of  dz[n] @ cols[n].T       (C_out, K) -> reshaped to W's shape
        db   = dz summed over n and the L positions  (C_out,)
        dcols = W.reshape(C_out, K).T @ dz            (N, K, L)
        dx   = col2im(dcols)                          (N, C_in, H, W)

    ``col2im`` puts every column entry back on the pixel it was copied from, *adding* where
    patches overlap (a pixel seen by several patches gets the gradient from each): for each of
    the kh*kw kernel offsets (i, j), one strided slice of the input gradient receives its share.

    Parameters
    ----------
    in_channels, out_channels : int
        C_in (channels of the input) and C_out (kernels, i.e. feature maps produced).
    kernel_size : int or (int, int)
        (kh, kw); ``3`` means 3x3.
    stride : int or (int, int)
        Step between two neighbouring windows; 2 halves the height and width.
    padding : int or (int, int)
        Rows/columns of zeros added on each side; ``padding = (kernel_size - 1) // 2`` with
        stride 1 keeps H and W unchanged ("same" padding for odd kernels).
    init : str or callable
        How ``W`` starts: "he" (default, good before ReLU), "xavier", "small", or a function
        ``f(shape, seed)``. For a kernel, fan_in = C_in*kh*kw (see ``dlcore.init``). ``b``
        starts at zero.
    seed : None, int or numpy.random.Generator
        Where the random starting weights come from; the same seed gives the same weights.
    dtype : float32 (default, for training) or float64 (for gradient checks).
    """

    parameter_names = ("W", "b")

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        init="he",
        seed=None,
        dtype=np.float32,
    ):
        where = "Conv2D"
        shape = self.state_shapes({"in_channels": in_channels, "out_channels": out_channels,
                                   "kernel_size": kernel_size})["W"]
        self.out_channels, self.in_channels = shape[:2]
        self.kernel_size = shape[2:]
        self.stride = _as_pair(stride, "stride", where, minimum=1)
        self.padding = _as_pair(padding, "padding", where, minimum=0)
        dtype = float_dtype(dtype, where)
        self._initializer = get_initializer(init)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        self.W = Parameter(self._initial_weights(seed, dtype), "W")
        self.b = Parameter(np.zeros(self.out_channels, dtype=dtype), "b")
        self.cols = None

    @classmethod
    def state_shapes(cls, config: dict) -> dict[str, tuple]:
        """``{"W": (C_out, C_in, kh, kw), "b": (C_out,)}`` for a config, the sizes checked."""
        where = "Conv2D"
        C_in = positive_int(config.get("in_channels"), "in_channels", where)
        C_out = positive_int(config.get("out_channels"), "out_channels", where)
        kh, kw = _as_pair(config.get("kernel_size"), "kernel_size", where, minimum=1)
        return {"W": (C_out, C_in, kh, kw), "b": (C_out,)}

    def _initial_weights(self, seed, dtype) -> np.ndarray:
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        W = np.asarray(self._initializer(shape, seed), dtype=dtype)
        if W.shape != shape:
            raise ValueError(
                f"Conv2D: the initialiser {self.init!r} returned shape {W.shape}, expected {shape}."
            )
        return W

    def reseed(self, seed) -> Conv2D:
        """Draw ``W`` again from ``seed`` (as ``Conv2D(..., seed=seed)`` would), ``b`` back to 0."""
        self.W.value[...] = self._initial_weights(as_generator(seed), self.W.dtype)
        self.b.value[...] = 0
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, C_in, H, W) -> z: (N, C_out, H_out, W_out)."""
        where = f"{self._name()}.forward"
        x = _check_images(x, where, self.in_channels)
        N, C, H, W = x.shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        H_out = _output_size(H, kh, sh, ph, "height", where, x.shape)
        W_out = _output_size(W, kw, sw, pw, "width", where, x.shape)

        # 1. pad with zeros (a new array, so the caller's x is never touched)
        if ph or pw:
            xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
            xp[:, :, ph : ph + H, pw : pw + W] = x
        else:
            xp = x
        # 2. every window, as a view: (N, C, H_out, W_out, kh, kw); nothing is copied yet
        windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
        # 3. im2col: one column per window, K = C*kh*kw numbers each -> (N, K, L); the one copy
        cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * kh * kw, H_out * W_out)
        # 4. one matrix product: (C_out, K) @ (N, K, L) -> (N, C_out, L), then the bias.
        #    np.matmul broadcasts W over the batch and runs BLAS on each (K, L) block; the
        #    result is already laid out as (N, C_out, H_out, W_out), so no transpose copy follows
        #    (a single (C_out, K) @ (K, N*L) product would need one on the way in and one out).
        z = self.W.value.reshape(self.out_channels, -1) @ cols
        z += self.b.value[:, None]

        self.cols = cols  # cache: dW needs the columns
        self.padded_shape = xp.shape
        self.input_shape = x.shape
        return z.reshape(N, self.out_channels, H_out, W_out)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: (N, C_out, H_out, W_out) -> dx: (N, C_in, H, W); adds dW and db into the grads.

        Returns None instead of dx when ``needs_input_grad`` is False.
        """
        where = f"{self._name()}.backward"
        if self.cols is None:
            raise RuntimeError(f"{where}: call forward(x) before backward(dout).")
        N, C, H, W = self.input_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        K, L = self.cols.shape[1:]
        H_out = (H + 2 * ph - kh) // sh + 1
        W_out = (W + 2 * pw - kw) // sw + 1
        expected = (N, self.out_channels, H_out, W_out)
        dout = as_float_array(dout, "dout", where)
        if dout.shape != expected:
            raise ValueError(
                f"{where}: expected dout of the output's shape {expected}, received "
                f"{describe(dout)}."
            )
        dz = dout.reshape(N, self.out_channels, L)  # (N, C_out, L)
        W_mat = self.W.value.reshape(self.out_channels, K)  # (C_out, K)

        # parameter gradients: each kernel weight was used at every position of every image,
        # so its gradient is a sum over all of them (weight sharing, seen from the backward side)
        self.b.grad += dz.sum(axis=(0, 2))
        self.W.grad += (dz @ self.cols.transpose(0, 2, 1)).sum(axis=0).reshape(self.W.shape)
        if not self.needs_input_grad:
            # the first layer of a network trained by fit: nothing uses dx, and col2im below
            # is the most expensive part of this backward pass (see Layer.needs_input_grad)
            return None

        # input gradient: back through the matrix product, then col2im
        dcols = (W_mat.T @ dz).reshape(N, C, kh, kw, H_out, W_out)
        dxp = np.zeros(self.padded_shape, dtype=dcols.dtype)
        for i in range(kh):  # kh*kw kernel offsets, not samples or pixels
            for j in range(kw):
                # the pixels that met kernel entry (i, j): rows i, i+sh, ..., columns j, j+sw, ...
                dxp[:, :, i : i + sh * H_out : sh, j : j + sw * W_out : sw] += dcols[:, :, i, j]
        return dxp[:, :, ph : ph + H, pw : pw + W]  # drop the padding's gradient

    def output_shape(self, input_shape: tuple) -> tuple:
        """(N, C_in, H, W) -> (N, C_out, H_out, W_out); any entry may be None (unknown)."""
        where = f"{self._name()}.output_shape"
        input_shape = tuple(input_shape)
        if len(input_shape) != 4:
            raise ValueError(
                f"{where}: expected an input shape (N, C, H, W), received {input_shape}. "
                f"Hint: Sequential.summary(input_shape=(1, 28, 28)) takes one sample's shape."
            )
        N, C, H, W = input_shape
        if C is not None and C != self.in_channels:
            raise ValueError(
                f"{where}: expected C = in_channels = {self.in_channels}, received input shape "
                f"{input_shape}."
            )
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        H_out = _output_size(H, kh, sh, ph, "height", where, input_shape)
        W_out = _output_size(W, kw, sw, pw, "width", where, input_shape)
        return (N, self.out_channels, H_out, W_out)

    def config(self) -> dict:
        return {
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": _config_pair(self.kernel_size),
            "stride": _config_pair(self.stride),
            "padding": _config_pair(self.padding),
            "init": self.init,
        }

    def _name(self) -> str:
        kh, kw = self.kernel_size
        return f"Conv2D({self.in_channels} -> {self.out_channels}, {kh}x{kw})"


@register
class MaxPool2D(Layer):
    """Max pooling: keep the largest value of each window, channel by channel.

    Shapes: x: (N, C, H, W) -> (N, C, H_out, W_out), ``H_out = (H - kh) // stride + 1``.
    ``MaxPool2D(2)`` halves the height and width. No parameters.

    Forward (``notebooks/09_convolution.ipynb``)::

        out[n, c, r, q] = max over i, j of  x[n, c, r*s + i, q*s + j]

    Why: it shrinks the feature maps (less computation for the layers after it) and makes the
    network care whether a feature is present in a region rather than exactly where.

    Backward: the max passes on only the value of its winner, so the gradient of each output goes
    to the one input that won its window (the argmax), and the other inputs get zero. With a tie
    (several equal maxima in a window) only one position receives the gradient: the first one in
    row-major order inside the window, which is also what ``np.argmax`` would pick. Where windows
    overlap (stride < kernel) an input that wins several windows collects the sum of their
    gradients.

    Parameters
    ----------
    kernel_size : int or (int, int)
        (kh, kw) of the window.
    stride : None, int or (int, int)
        Step between windows; ``None`` (default) means ``kernel_size``: windows that touch but do
        not overlap.
    """

    def __init__(self, kernel_size, stride=None):
        self.kernel_size = _as_pair(kernel_size, "kernel_size", "MaxPool2D", minimum=1)
        if stride is None:
            self.stride = self.kernel_size
        else:
            self.stride = _as_pair(stride, "stride", "MaxPool2D", minimum=1)
        self.x = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, C, H, W) -> (N, C, H_out, W_out)."""
        where = f"{self._name()}.forward"
        x = _check_images(x, where, None)
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        _output_size(x.shape[2], kh, sh, 0, "height", where, x.shape)
        _output_size(x.shape[3], kw, sw, 0, "width", where, x.shape)

        # every window, as a view: (N, C, H_out, W_out, kh, kw); nothing is copied
        windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
        # The max over the last two axes, taken as a running maximum over the kh*kw positions
        # inside the window: windows[..., i, j] is the (N, C, H_out, W_out) array of the values
        # at offset (i, j) of every window. This gives the same numbers as
        # windows.max(axis=(4, 5)), several times faster, because each step works on whole
        # arrays instead of on tiny groups of kh*kw numbers.
        out = windows[..., 0, 0].copy()
        for i in range(kh):
            for j in range(kw):
                np.maximum(out, windows[..., i, j], out=out)

        self.x, self.out = x, out  # cache: backward finds the winners by comparing with out
        return out.copy()  # a copy: changing the output in place must not change the cache

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: (N, C, H_out, W_out) -> dx: (N, C, H, W), nonzero only at the winners."""
        where = f"{self._name()}.backward"
        if self.x is None:
            raise RuntimeError(f"{where}: call forward(x) before backward(dout).")
        dout = as_float_array(dout, "dout", where)
        if dout.shape != self.out.shape:
            raise ValueError(
                f"{where}: expected dout of the output's shape {self.out.shape}, received "
                f"{describe(dout)}."
            )
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        H_out, W_out = self.out.shape[2:]
        x, out = self.x, self.out
        dx = np.zeros(x.shape, dtype=dout.dtype)
        claimed = np.zeros(out.shape, dtype=bool)  # windows whose winner is already found
        for i in range(kh):  # kh*kw offsets inside the window, in row-major order
            for j in range(kw):
                rows = slice(i, i + sh * H_out, sh)  # the inputs at offset (i, j) of each window
                cols = slice(j, j + sw * W_out, sw)
                won = x[:, :, rows, cols] == out  # this offset holds its window's maximum ...
                won &= ~claimed  # ... and no earlier offset did (ties: the first one wins)
                claimed |= won
                dx[:, :, rows, cols] += dout * won
        return dx

    def output_shape(self, input_shape: tuple) -> tuple:
        """(N, C, H, W) -> (N, C, H_out, W_out); any entry may be None (unknown)."""
        where = f"{self._name()}.output_shape"
        input_shape = tuple(input_shape)
        if len(input_shape) != 4:
            raise ValueError(
                f"{where}: expected an input shape (N, C, H, W), received {input_shape}."
            )
        N, C, H, W = input_shape
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        H_out = _output_size(H, kh, sh, 0, "height", where, input_shape)
        W_out = _output_size(W, kw, sw, 0, "width", where, input_shape)
        return (N, C, H_out, W_out)

    def config(self) -> dict:
        return {
            "kernel_size": _config_pair(self.kernel_size),
            "stride": _config_pair(self.stride),
        }

    def _name(self) -> str:
        kh, kw = self.kernel_size
        return f"MaxPool2D({kh}x{kw})"
