"""dlcore.tolerance: the tolerance holds for any summation order, and still catches real errors."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from dlcore.tolerance import assert_close, close, tolerance


def products_in_other_orders(X, W):
    """X @ W computed as different machines and programs would: other kernels, orders, threads."""
    D = X.shape[1]
    order = np.random.default_rng(1).permutation(D)
    with threadpool_limits(limits=1, user_api="blas"):
        one_thread = X @ W
    yield "2 threads (or the default)", X @ W
    yield "1 BLAS thread", one_thread
    yield "features permuted", X[:, order] @ W[order]
    yield "column form W.T @ X.T", (W.T @ X.T).T
    yield "einsum", np.einsum("nd,dk->nk", X, W)
    yield "left to right, one term at a time", sum(
        (X[:, [d]] * W[[d]] for d in range(D)), start=np.zeros((X.shape[0], W.shape[1]), X.dtype))
    yield "pairwise halves", X[:, : D // 2] @ W[: D // 2] + X[:, D // 2:] @ W[D // 2:]


@pytest.mark.parametrize("D", [9, 64, 784])
def test_every_summation_order_agrees_within_the_tolerance(D):
    rng = np.random.default_rng(D)
    X = (rng.random((32, D)) * 16).astype(np.float32)        # pixel-like inputs, as the digits
    W = (rng.standard_normal((D, 10)) / np.sqrt(D)).astype(np.float32)
    exact = X.astype(np.float64) @ W.astype(np.float64)
    for name, Z in products_in_other_orders(X, W):
        assert Z.dtype == np.float32
        assert_close(Z, exact, n_terms=D, dtype=np.float32, what=f"{name} and float64")
        assert_close(Z, X @ W, n_terms=D, what=f"{name} and X @ W")


@pytest.mark.parametrize("D", [9, 64, 784])
def test_a_real_mistake_is_still_caught(D):
    rng = np.random.default_rng(D)
    X = (rng.random((32, D)) * 16).astype(np.float32)
    W = (rng.standard_normal((D, 10)) / np.sqrt(D)).astype(np.float32)
    Z = X @ W
    wrong_by_one_term = Z - X[:, [0]] * W[[0]]                # a forgotten input
    assert not close(wrong_by_one_term, Z, n_terms=D)
    assert not close(Z * 1.001, Z, n_terms=D)                 # a 0.1 % error
    with pytest.raises(AssertionError, match="Z by hand and dlcore differ"):
        assert_close(Z * 1.001, Z, n_terms=D, what="Z by hand and dlcore")


def test_the_default_allclose_is_not_enough_on_float32():
    """Why the module exists: two correct float32 sums that np.allclose's defaults reject."""
    rng = np.random.default_rng(0)
    X = (rng.random((200, 784)) * 16).astype(np.float32)
    W = (rng.standard_normal((784, 10)) * 0.01).astype(np.float32)
    forward, backward = X @ W, X[:, ::-1] @ W[::-1]
    assert not np.allclose(forward, backward)
    assert close(forward, backward, n_terms=784)


def test_tolerance_grows_with_the_sum_and_the_dtype():
    assert tolerance(np.float32, 64) == pytest.approx(4 * 64 * np.finfo(np.float32).eps)
    assert tolerance(np.float64, 64) < 1e-12 < tolerance(np.float32, 1)
    assert tolerance(np.int64, 10) == 0.0                     # integers compare exactly
    assert close(np.array([1, 2]), np.array([1, 2])) and not close(np.array([1, 2]), np.array([1, 3]))


def test_float32_on_either_side_sets_the_precision():
    a64 = np.array([1.0, 2.0])
    a32 = (a64 + 1e-7).astype(np.float32)
    assert close(a32, a64)
    assert not close(a64 + 1e-7, a64)                         # both float64: 1e-7 is a real error


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "64"])
def test_n_terms_must_be_a_positive_whole_number(bad):
    with pytest.raises(ValueError, match="n_terms"):
        tolerance(np.float32, bad)


def test_shapes_must_match():
    with pytest.raises(AssertionError, match="shape"):
        assert_close(np.zeros((2, 3)), np.zeros((3, 2)))
