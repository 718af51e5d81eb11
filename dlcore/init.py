"""Weight initialisation: where the numbers in ``W`` start before training.

Introduced in ``notebooks/02_architecture.ipynb``.

Why it matters: if every weight starts at the same value (zero, say), every neuron in a layer
computes the same thing and receives the same gradient, so they stay identical forever ("symmetry").
Random starting values break the symmetry. Their *size* matters too: too small and the signal
shrinks layer after layer; too large and it explodes (or saturates sigmoid/tanh). The classic
recipes choose the spread from the number of inputs (fan-in) and outputs (fan-out):

========== ========================================= ===========================
name       formula                                   good with
========== ========================================= ===========================
small      ``randn * 0.01``                          shallow nets (the classic assignment)
xavier     ``randn * sqrt(2 / (fan_in + fan_out))``  sigmoid, tanh (Glorot & Bengio, 2010)
he         ``randn * sqrt(2 / fan_in)``              ReLU (He et al., 2015)
zeros      ``0``                                     biases (never weights: see above)
========== ========================================= ===========================

Each function takes the ``shape`` to fill and a ``seed`` (None, an int or a Generator) and returns
a float32 array. For a dense weight ``W`` of shape ``(D_in, D_out)``, fan_in = D_in and
fan_out = D_out; for a convolution kernel ``(C_out, C_in, kh, kw)``, fan_in = C_in * kh * kw and
fan_out = C_out * kh * kw.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .rng import as_generator


def fans(shape: tuple) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight: dense ``(D_in, D_out)`` or conv ``(C_out, C_in, kh, kw)``."""
    shape = tuple(int(s) for s in shape)
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) >= 3:
        receptive_field = int(np.prod(shape[2:]))
        return shape[1] * receptive_field, shape[0] * receptive_field
    raise ValueError(
        f"init: expected a weight shape with at least 2 dimensions, e.g. (D_in, D_out), "
        f"received {shape}. Hint: biases are usually initialised with zeros(shape)."
    )


def small_random(shape: tuple, seed=None, dtype=np.float32) -> np.ndarray:
    """``randn * 0.01``: small random numbers, the classic starting point for a shallow network."""
    rng = as_generator(seed)
    return (rng.standard_normal(shape) * 0.01).astype(dtype)


def xavier(shape: tuple, seed=None, dtype=np.float32) -> np.ndarray:
    """Xavier/Glorot normal: ``randn * sqrt(2 / (fan_in + fan_out))``; keeps the variance of the
    signal roughly constant through sigmoid or tanh layers, forwards and backwards."""
    fan_in, fan_out = fans(shape)
    rng = as_generator(seed)
    return (rng.standard_normal(shape) * np.sqrt(2.0 / (fan_in + fan_out))).astype(dtype)


def he(shape: tuple, seed=None, dtype=np.float32) -> np.ndarray:
    """He/Kaiming normal: ``randn * sqrt(2 / fan_in)``; the factor 2 makes up for ReLU setting
    half of its inputs to zero, so the signal neither fades nor grows with depth."""
    fan_in, _ = fans(shape)
    rng = as_generator(seed)
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


def zeros(shape: tuple, seed=None, dtype=np.float32) -> np.ndarray:
    """All zeros: right for biases, wrong for weights (every neuron would stay identical)."""
    return np.zeros(shape, dtype=dtype)


INITIALIZERS: dict[str, Callable] = {
    "small": small_random,
    "xavier": xavier,
    "glorot": xavier,
    "he": he,
    "kaiming": he,
    "zeros": zeros,
}


def get_initializer(init) -> Callable:
    """Return the initialiser named ``init`` ("small", "xavier", "he", "zeros") or ``init`` itself
    if it is already a function ``f(shape, seed) -> ndarray``."""
    if callable(init):
        return init
    if isinstance(init, str) and init.lower() in INITIALIZERS:
        return INITIALIZERS[init.lower()]
    raise ValueError(
        f"init: expected one of {sorted(set(INITIALIZERS))} or a function f(shape, seed), "
        f"received {init!r}. Hint: use 'he' before ReLU, 'xavier' before sigmoid or tanh."
    )
