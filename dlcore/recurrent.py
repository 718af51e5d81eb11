"""A simple recurrent layer: ``RNN``, the Elman network with a tanh cell.

Introduced in ``notebooks/10_recurrent.ipynb``. Sequences travel as batches of shape
``(N, T, D)``: N sequences, T time steps, D features per step. A batch of plain series with one
number per step, shape ``(N, T)``, becomes ``x[..., None]``.

Why a recurrent layer: a ``Dense`` layer sees a fixed number of inputs all at once and has no
notion of order. An RNN reads the sequence one step at a time and carries a *hidden state*
``h_t`` from step to step, a running summary of everything it has seen so far. The same weights
are used at every step (weight sharing over time, as a convolution shares them over space), so
the layer has the same number of parameters for sequences of any length, and a pattern learned
at one position in time is recognised at any other.
"""

from __future__ import annotations

import numpy as np

from .init import get_initializer
from .module import Layer, Parameter, register
from .rng import as_generator
from .validate import as_float_array, boolean, describe, float_dtype, positive_int


@register
class RNN(Layer):
    """An Elman recurrent layer: ``h_t = tanh(x_t @ W_xh + h_{t-1} @ W_hh + b)``, ``h_0 = 0``.

    Shapes: x: (N, T, D) -> (N, T, H) with ``return_sequences=True`` (every hidden state, e.g.
    for another RNN on top, or one prediction per step), or (N, H) with
    ``return_sequences=False`` (the last hidden state ``h_T``, a summary of the whole sequence,
    e.g. for a ``Dense`` classifier after it). Parameters ``W_xh``: (D, H) from input to hidden,
    ``W_hh``: (H, H) from the previous hidden state to the next, ``b``: (H,).

    Forward (``notebooks/10_recurrent.ipynb``), for t = 1, ..., T, on the whole batch at once::

        a_t = x_t @ W_xh + h_{t-1} @ W_hh + b      (N, H)
        h_t = tanh(a_t)                            (N, H)

    The loop over time cannot be avoided (h_t needs h_{t-1}); the part that does not depend on
    the previous step, ``x_t @ W_xh + b``, is computed for all steps in one matrix product first.
    After ``forward`` the layer keeps ``hidden_states``: (N, T, H), all the h_t, for plotting.

    Backward is back propagation through time (BPTT): unroll the loop into a T-layer network
    whose layers share their weights, and run back propagation on it from t = T down to 1. The
    gradient reaching h_t comes from two places, the output at step t (if the layer returns it)
    and step t+1, which used h_t; each weight's gradient is the sum over all the steps that used
    it. Gradients that flow back through many steps are multiplied by ``W_hh`` and by tanh's
    derivative again and again, so they can vanish or explode: the optimizers' ``clip_norm=``
    argument caps their size.

    Parameters
    ----------
    input_size : int
        D, the features per time step.
    hidden_size : int
        H, the size of the hidden state (the layer's memory).
    return_sequences : bool
        Return every hidden state (N, T, H) instead of the last one (N, H).
    init : str or callable
        How ``W_xh`` and ``W_hh`` start: "xavier" (default, suited to tanh), "he", "small", or a
        function ``f(shape, seed)``. ``b`` starts at zero.
    seed : None, int or numpy.random.Generator
        Where the random starting weights come from; the same seed gives the same weights.
    dtype : float32 (default, for training) or float64 (for gradient checks).
    """

    parameter_names = ("W_xh", "W_hh", "b")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        return_sequences: bool = False,
        init="xavier",
        seed=None,
        dtype=np.float32,
    ):
        D, H = self.state_shapes({"input_size": input_size, "hidden_size": hidden_size})["W_xh"]
        self.input_size, self.hidden_size = D, H
        self.return_sequences = boolean(return_sequences, "return_sequences", "RNN")
        dtype = float_dtype(dtype, "RNN")
        self._initializer = get_initializer(init)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        W_xh, W_hh = self._initial_weights(seed, dtype)
        self.W_xh = Parameter(W_xh, "W_xh")
        self.W_hh = Parameter(W_hh, "W_hh")
        self.b = Parameter(np.zeros(H, dtype=dtype), "b")
        self.x = None
        self.hidden_states = None

    @classmethod
    def state_shapes(cls, config: dict) -> dict[str, tuple]:
        """``{"W_xh": (D, H), "W_hh": (H, H), "b": (H,)}`` for a config, the sizes checked."""
        D = positive_int(config.get("input_size"), "input_size", "RNN")
        H = positive_int(config.get("hidden_size"), "hidden_size", "RNN")
        return {"W_xh": (D, H), "W_hh": (H, H), "b": (H,)}

    def _initial_weights(self, seed, dtype) -> tuple[np.ndarray, np.ndarray]:
        rng = as_generator(seed)  # one stream for both matrices, so they differ
        D, H = self.input_size, self.hidden_size
        W_xh = np.asarray(self._initializer((D, H), rng), dtype=dtype)
        W_hh = np.asarray(self._initializer((H, H), rng), dtype=dtype)
        for name, W, shape in (("W_xh", W_xh, (D, H)), ("W_hh", W_hh, (H, H))):
            if W.shape != shape:
                raise ValueError(
                    f"RNN: the initialiser {self.init!r} returned shape {W.shape} for {name}, "
                    f"expected {shape}."
                )
        return W_xh, W_hh

    def reseed(self, seed) -> RNN:
        """Draw ``W_xh`` and ``W_hh`` again from ``seed`` (as ``RNN(..., seed=seed)`` would),
        ``b`` back to 0."""
        self.W_xh.value[...], self.W_hh.value[...] = self._initial_weights(seed, self.W_xh.dtype)
        self.b.value[...] = 0
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, T, D) -> (N, T, H) if return_sequences else (N, H)."""
        x = self._check_input(x)
        N, T, _ = x.shape
        W_hh = self.W_hh.value
        # the input's share of every step at once: (N, T, D) @ (D, H) + (H,) -> (N, T, H)
        xw = x @ self.W_xh.value + self.b.value
        hs = np.empty(xw.shape, dtype=np.result_type(xw, W_hh))
        h = np.zeros((N, self.hidden_size), dtype=hs.dtype)  # h_0 = 0
        for t in range(T):
            h = np.tanh(xw[:, t] + h @ W_hh)  # h_t = tanh(x_t @ W_xh + b + h_{t-1} @ W_hh)
            hs[:, t] = h

        self.x = x  # cache: dW_xh needs the inputs, dW_hh and tanh' need the hidden states
        self.hidden_states = hs
        if self.return_sequences:
            return hs.copy()  # a copy, so a later in-place change cannot alter the cache
        return hs[:, -1].copy()

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: dL/d(output), (N, T, H) or (N, H) as returned -> dx: (N, T, D).

        Adds dL/dW_xh, dL/dW_hh and dL/db into the parameters' ``grad``.
        """
        where = f"{self._name()}.backward"
        if self.x is None:
            raise RuntimeError(f"{where}: call forward(x) before backward(dout).")
        hs, x = self.hidden_states, self.x
        N, T, H = hs.shape
        expected = (N, T, H) if self.return_sequences else (N, H)
        dout = as_float_array(dout, "dout", where)
        if dout.shape != expected:
            raise ValueError(
                f"{where}: expected dout of the output's shape {expected}, received "
                f"{describe(dout)}. Hint: return_sequences={self.return_sequences}."
            )
        # dL/dh_t coming from the layer's output: every step, or only the last one
        if self.return_sequences:
            dh_out = dout
        else:
            dh_out = np.zeros_like(hs, dtype=np.result_type(hs, dout))
            dh_out[:, -1] = dout
        W_hh = self.W_hh.value

        da = np.empty(dh_out.shape, dtype=np.result_type(dh_out, W_hh))  # dL/da_t for every t
        dh_next = np.zeros((N, H), dtype=da.dtype)  # dL/dh_t through step t+1; none after T
        for t in reversed(range(T)):
            # 1. everything that reaches h_t: from the output at t, and from step t+1
            dh = dh_out[:, t] + dh_next
            # 2. through the tanh: d tanh(a)/da = 1 - tanh(a)^2 = 1 - h_t^2
            da[:, t] = dh * (1.0 - hs[:, t] ** 2)
            # 3. to h_{t-1}, which entered a_t through h_{t-1} @ W_hh
            dh_next = da[:, t] @ W_hh.T

        # The weights were shared by all T steps, so their gradients are sums over the steps,
        # here done for all t at once: sum_t x_t.T @ da_t, sum_t h_{t-1}.T @ da_t, sum_t da_t.
        h_prev = np.concatenate([np.zeros((N, 1, H), dtype=hs.dtype), hs[:, :-1]], axis=1)
        self.W_xh.grad += x.reshape(N * T, -1).T @ da.reshape(N * T, H)
        self.W_hh.grad += h_prev.reshape(N * T, H).T @ da.reshape(N * T, H)
        self.b.grad += da.sum(axis=(0, 1))
        # the input x_t entered a_t through x_t @ W_xh
        return da @ self.W_xh.value.T

    def _check_input(self, x) -> np.ndarray:
        """``x`` as a float array of shape (N, T, D) with T >= 1, or a ValueError with a hint."""
        where = f"{self._name()}.forward"
        x = as_float_array(x, "x", where)
        D = self.input_size
        if x.ndim != 3 or x.shape[2] != D:
            if x.ndim == 2 and D == 1:
                hint = "a batch of series with one feature per step, (N, T), needs x[..., None]."
            elif x.ndim == 2:
                hint = f"one sequence of shape (T, {D}) must still be a batch: use x[None]."
            elif x.ndim == 3:
                hint = (
                    f"the last axis holds the features per step; make this RNN({x.shape[2]}, "
                    f"{self.hidden_size}), or check the axis order (N, T, D)."
                )
            else:
                hint = "pass a 3-D array (batch, time steps, features)."
            raise ValueError(
                f"{where}: expected x of shape (N, T, D) = (batch, time steps, features) with "
                f"D = input_size = {D}, received {describe(x)}. Hint: {hint}"
            )
        if x.shape[1] == 0:
            raise ValueError(
                f"{where}: expected at least one time step (T >= 1), received {describe(x)}."
            )
        return x

    def output_shape(self, input_shape: tuple) -> tuple:
        """(N, T, D) -> (N, T, H) or (N, H); N and T may be None (unknown)."""
        where = f"{self._name()}.output_shape"
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"{where}: expected an input shape (N, T, D), received {input_shape}.")
        N, T, D = input_shape
        if D is not None and D != self.input_size:
            raise ValueError(
                f"{where}: expected D = input_size = {self.input_size}, received input shape "
                f"{input_shape}."
            )
        if self.return_sequences:
            return (N, T, self.hidden_size)
        return (N, self.hidden_size)

    def config(self) -> dict:
        return {
            "input_size": self.input_size,
            "hidden_size": self.hidden_size,
            "return_sequences": self.return_sequences,
            "init": self.init,
        }

    def _name(self) -> str:
        return f"RNN({self.input_size} -> {self.hidden_size})"
