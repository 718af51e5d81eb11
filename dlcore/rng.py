"""Randomness without global state: every function that draws random numbers takes ``seed``.

``seed`` may be ``None`` (fresh, unpredictable numbers), an integer (the same numbers every time),
or a ``numpy.random.Generator`` (to share one stream between several calls). Nothing in dlcore
touches ``numpy.random``'s global state, so one cell of a notebook cannot change another's
random numbers behind its back.
"""

from __future__ import annotations

import numpy as np


def as_generator(seed=None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``seed`` (None, an int, or a Generator)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise ValueError(f"seed: expected a non-negative integer, received {seed}.")
        return np.random.default_rng(seed)
    raise TypeError(
        f"seed: expected None, a non-negative integer or a numpy.random.Generator, "
        f"received {type(seed).__name__} {seed!r}. Hint: seed=0 gives the same numbers every run."
    )
