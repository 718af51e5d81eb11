"""Mini-batches: ``BatchLoader`` serves (X, y) in batches, a new shuffled order each epoch.

Part of ``dlcore.data``; its docstring gives the whole picture.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..rng import as_generator
from .split import (
    _as_samples,
    _check_same_length,
)


# --- mini-batches -----------------------------------------------------------------------------
class BatchLoader:
    """Serve ``(X_batch, y_batch)`` mini-batches; each ``for`` loop over it is one epoch.

    Why mini-batches (``notebooks/01_data.ipynb``, used in ``07_training_loop``): a gradient
    from a batch of, say, 64 samples is a cheap, noisy estimate of the gradient over all N;
    many cheap steps learn faster than few exact ones. Why shuffle every epoch: batches that
    always hold the same samples in the same order give the same noise every epoch, and data
    sorted by class would give batches of a single class.

    >>> loader = BatchLoader(X_train, y_train, batch_size=64, seed=0)
    >>> len(loader)                       # ceil(N / 64) batches per epoch
    >>> for epoch in range(10):
    ...     for X_batch, y_batch in loader:   # a new order every epoch
    ...         ...

    Parameters
    ----------
    X : array (N, ...)
        Samples, one per row.
    y : array (N, ...) or None
        Targets. ``None`` (e.g. for an autoencoder) still yields pairs, ``(X_batch, None)``,
        so the loop ``for X_batch, y_batch in loader`` has one shape in every case.
    batch_size : int
        Samples per batch, >= 1. May exceed N (then one batch holds everything).
    shuffle : bool
        Draw a new random order at the start of every epoch (True), or keep the order of X.
    seed : None, int or numpy.random.Generator
        One Generator is made from it when the loader is built; each epoch draws the next
        permutation from it. So epochs differ from each other, and two loaders built with the
        same integer seed give exactly the same sequence of batches.
    drop_last : bool
        Leave out the last, smaller batch when N is not a multiple of batch_size (then every
        batch has exactly batch_size samples).

    Batches are sliced out with one fancy index per batch, ``X[order[i:i + batch_size]]``: new
    arrays, never views of the caller's data, and no Python loop over samples.

    Attributes: ``num_samples`` (N), ``batch_size``, ``shuffle``, ``drop_last``, and ``epoch``:
    how many epochs (iterations over the loader) have started, 0 before the first.
    """

    def __init__(self, X, y, batch_size, shuffle=True, seed=None, drop_last=False):
        where = "BatchLoader"
        X = _as_samples(X, "X", where)
        if y is not None:
            y = _as_samples(y, "y", where)
            _check_same_length(X, y, where)
        if len(X) == 0:
            raise ValueError(f"{where}: expected at least one sample, received X with 0 rows.")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(
                f"{where}: expected batch_size to be a positive int, received "
                f"{type(batch_size).__name__} {batch_size!r}. Hint: batch_size=64, or "
                f"int(batch_size) if it was computed."
            )
        if batch_size < 1:
            raise ValueError(
                f"{where}: expected batch_size to be a positive int (>= 1), received "
                f"{batch_size}. Hint: typical values are 32, 64, 128."
            )
        if drop_last and batch_size > len(X):
            raise ValueError(
                f"{where}: with drop_last=True, expected batch_size <= N = {len(X)} samples, "
                f"received batch_size={batch_size}, which would give no batch at all. Hint: "
                f"use a smaller batch_size or drop_last=False."
            )
        self.X = X
        self.y = y
        self.num_samples = len(X)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        self._rng = as_generator(seed)

    def __len__(self) -> int:
        """Batches per epoch: ceil(N / batch_size), or floor(N / batch_size) with drop_last."""
        if self.drop_last:
            return self.num_samples // self.batch_size
        return -(-self.num_samples // self.batch_size)  # ceiling division, in integers

    def __iter__(self):
        """One epoch: yields ``len(self)`` pairs ``(X_batch, y_batch)``, each sample once."""
        self.epoch += 1
        if self.shuffle:
            order = self._rng.permutation(self.num_samples)
        else:
            order = np.arange(self.num_samples)
        stop = len(self) * self.batch_size if self.drop_last else self.num_samples
        for start in range(0, stop, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self.X[idx], (None if self.y is None else self.y[idx])

    def __repr__(self) -> str:
        return (
            f"BatchLoader(num_samples={self.num_samples}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, batches={len(self)}, "
            f"epoch={self.epoch})"
        )
