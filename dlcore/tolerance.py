"""How close is close enough: comparing float results on any CPU.

Two correct programs can add the same numbers in a different order: another CPU (OpenBLAS picks
different matrix-product kernels on an Intel and on an AMD processor), another number of threads,
the features of ``X`` in another order, ``W @ X.T`` instead of ``X @ W``. Float addition is not
associative, so the last bits of the results differ. Comparing them with ``==``, or with
``np.allclose``'s default ``rtol=1e-5`` on float32 numbers, then fails on one machine and passes
on another.

How large can the difference be? Each float addition may be off by half a unit in the last place,
a relative ``eps / 2`` (``np.finfo(np.float32).eps`` is about 1.2e-7, float64's about 2.2e-16).
A sum of ``n`` terms collects at most ``n`` such roundings, each relative to the size of the
terms, not of the (possibly much smaller) result. So two ways of computing a sum of ``n`` terms
agree within about::

    n * eps * scale        scale: the size of the terms (here: the largest value compared)

:func:`tolerance` gives that number (times a safety factor of 4, which also covers the few
units in the last place by which NumPy's ``exp`` and ``log`` differ between CPUs), and
:func:`assert_close` compares with it, saying what was compared when it fails. Introduced in
``notebooks/04_forward_propagation.ipynb``; used by the notebooks, the checkers and the tests.
"""

from __future__ import annotations

import numpy as np

SAFETY = 4
"""Head-room over ``n * eps``: a few ulps from element-wise maths (exp, log, tanh), which
NumPy computes with different SIMD code on different CPUs."""


def _float_dtype(*arrays) -> np.dtype:
    """The least precise float dtype among ``arrays`` (float64 if none is a float array)."""
    kinds = [np.asarray(a).dtype for a in arrays]
    floats = [d for d in kinds if d.kind in "fc"]
    if not floats:
        return np.dtype(np.float64)
    return max(floats, key=lambda d: np.finfo(d).eps)  # the largest eps: the least precise


def tolerance(dtype, n_terms: int = 1) -> float:
    """The relative tolerance for results that are sums of ``n_terms`` numbers of ``dtype``.

    ``SAFETY * n_terms * eps(dtype)``: for float32 and a 64-term sum about 3e-5, for a
    784-term sum about 4e-4; for float64 a million times smaller. Multiply by the size of the
    terms to get an absolute tolerance (what :func:`assert_close` does).
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":
        return 0.0
    if isinstance(n_terms, bool) or not isinstance(n_terms, (int, np.integer)) or n_terms < 1:
        raise ValueError(
            f"tolerance: expected n_terms to be a whole number >= 1 (how many numbers each "
            f"result adds up), received {n_terms!r}."
        )
    return float(SAFETY * int(n_terms) * np.finfo(dtype).eps)


def assert_close(actual, expected, *, n_terms: int = 1, scale: float | None = None,
                 dtype=None, what: str = "the two results") -> None:
    """Assert that ``actual`` and ``expected`` agree up to float rounding, on any CPU.

    Parameters
    ----------
    actual, expected : array_like of the same shape (or one of them a scalar)
        The two results, e.g. by hand and from dlcore.
    n_terms : int
        How many numbers the longest sum behind each value adds up: ``D`` for ``X @ W`` with
        ``X`` of shape ``(N, D)``, ``9`` for a 3x3 filter on one channel. 1 for element-wise
        maths.
    scale : float, optional
        The size of the terms that were added. By default the largest absolute value compared
        (at least 1e-30), which is right unless the sum cancels to far below its terms.
    dtype : dtype, optional
        The precision the results were computed in. By default the least precise float dtype of
        the two (float32 if either is float32). Python floats count as float64: pass
        ``dtype=np.float32`` for a loss or a number that was computed in float32.
    what : str
        What is being compared, for the message: ``"Z by hand and dlcore's Dense"``.

    Raises
    ------
    AssertionError
        When some value differs by more than ``tolerance(dtype, n_terms) * scale``; the message
        names ``what``, the largest difference, where it is, and the tolerance.
    """
    a = np.asarray(actual)
    b = np.asarray(expected)
    if dtype is None:
        dtype = _float_dtype(a, b)
    if scale is None:
        sizes = [np.max(np.abs(x)) for x in (a, b) if x.size and np.issubdtype(x.dtype, np.number)]
        scale = max([float(s) for s in sizes if np.isfinite(s)] + [1e-30])
    atol = tolerance(dtype, n_terms) * scale
    np.testing.assert_allclose(
        a, b, rtol=0, atol=atol, equal_nan=False,
        err_msg=(
            f"{what} differ by more than float rounding allows "
            f"({np.dtype(dtype).name}, sums of {n_terms} terms: tolerance {atol:.2g}). "
            f"If this is your own code, compare the formula with the one above the cell."
        ),
    )


def close(actual, expected, *, n_terms: int = 1, scale: float | None = None, dtype=None) -> bool:
    """True when :func:`assert_close` would pass: for ``if`` statements and checkers."""
    try:
        assert_close(actual, expected, n_terms=n_terms, scale=scale, dtype=dtype)
    except AssertionError:
        return False
    return True
