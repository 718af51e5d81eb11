"""Tests for the 09_convolution checkers: the reference passes, typical mistakes get their hint."""

import math

import numpy as np
import pytest
from helpers import assert_fails_with, not_implemented, returns_none

from dlcore.conv import Conv2D, MaxPool2D
from dlcore.course.checks.convolution import (
    check_conv_output_size,
    check_correlate2d,
    check_max_pool,
)
from dlcore.tolerance import assert_close


# --- conv_output_size ---------------------------------------------------------------------------
def conv_output_size(H, K, P, S):
    return (H + 2 * P - K) // S + 1


def test_conv_output_size_reference_passes(capsys):
    result = check_conv_output_size(conv_output_size)
    assert result.passed
    assert "✅" in capsys.readouterr().out


def test_conv_output_size_reference_agrees_with_conv2d():
    for H, K, P, S in [(8, 3, 0, 1), (8, 3, 1, 2), (28, 5, 2, 2), (32, 4, 1, 3)]:
        layer = Conv2D(1, 1, K, stride=S, padding=P)
        assert layer.output_shape((None, 1, H, H))[2] == conv_output_size(H, K, P, S)


@pytest.mark.parametrize("wrong, hint", [
    (lambda H, K, P, S: (H + 2 * P - K) // S, "forgot the +1"),
    (lambda H, K, P, S: (H + P - K) // S + 1, "one side only"),
    (lambda H, K, P, S: (H - K) // S + 1, "padding is missing"),
    (lambda H, K, P, S: H + 2 * P - K + 1, "stride is missing"),
    (lambda H, K, P, S: (H + 2 * P - K) / S + 1, "not an integer"),
    (lambda H, K, P, S: math.ceil((H + 2 * P - K) / S) + 1, "rounded up"),
    (lambda H, K, P, S: float(np.floor((H + 2 * P - K) / S) + 1), "return an int"),
])
def test_conv_output_size_mistakes_are_named(wrong, hint):
    assert_fails_with(check_conv_output_size(wrong), hint)


def test_conv_output_size_not_implemented_none_and_not_a_number():
    assert_fails_with(check_conv_output_size(not_implemented), "NotImplementedError")
    assert_fails_with(check_conv_output_size(returns_none), "returned None")
    assert_fails_with(check_conv_output_size(lambda H, K, P, S: (H, K)), "expected one number")


# --- correlate2d --------------------------------------------------------------------------------
def correlate2d(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out


def test_correlate2d_reference_passes():
    assert check_correlate2d(correlate2d).passed


def test_correlate2d_reference_agrees_with_conv2d():
    rng = np.random.default_rng(0)
    image, kernel = rng.standard_normal((6, 8)), rng.standard_normal((2, 3))
    layer = Conv2D(1, 1, (2, 3), dtype=np.float64)
    layer.W.value[0, 0] = kernel
    assert_close(layer.forward(image[None, None])[0, 0], correlate2d(image, kernel),
                 n_terms=kernel.size + 1, what="Conv2D and the loops")


def full_correlate(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return correlate2d(padded, kernel)


def same_size(image, kernel):
    return full_correlate(image, kernel)[: image.shape[0], : image.shape[1]]


def one_too_small(image, kernel):
    return correlate2d(image, kernel)[:-1, :-1]


def swapped_axes(image, kernel):
    return correlate2d(image.T, kernel)


@pytest.mark.parametrize("wrong, hint", [
    (lambda im, k: correlate2d(im, k[::-1, ::-1]), "the kernel is flipped"),
    (full_correlate, "'full' size"),
    (same_size, "'same' size"),
    (one_too_small, "one row and one column too small"),
    (lambda im, k: correlate2d(im, k).T, "the output is transposed"),
    (swapped_axes, "swapped axes"),
    (lambda im, k: correlate2d(im, k.T), "height and width are swapped"),
    (lambda im, k: correlate2d(im, np.ones_like(k)), "without multiplying by the kernel"),
])
def test_correlate2d_mistakes_are_named(wrong, hint):
    assert_fails_with(check_correlate2d(wrong), hint)


def test_correlate2d_transposed_square_kernel_is_named():
    # the first case has a non-square kernel (caught by the shape); a learner who gets it right
    # there but transposes a square kernel is caught by the second case's values
    def transposes_square(image, kernel):
        if kernel.shape[0] == kernel.shape[1]:
            kernel = kernel.T
        return correlate2d(image, kernel)

    assert_fails_with(check_correlate2d(transposes_square), "the kernel is transposed")


def test_correlate2d_not_implemented_and_none():
    assert_fails_with(check_correlate2d(not_implemented), "NotImplementedError")
    assert_fails_with(check_correlate2d(returns_none), "returned None")


# --- max_pool -----------------------------------------------------------------------------------
def max_pool(x):
    H, W = x.shape
    return x.reshape(H // 2, 2, W // 2, 2).max(axis=(1, 3))


def test_max_pool_reference_passes():
    assert check_max_pool(max_pool).passed


def test_max_pool_reference_agrees_with_maxpool2d():
    x = np.random.default_rng(1).standard_normal((4, 6))
    np.testing.assert_allclose(MaxPool2D(2).forward(x[None, None])[0, 0], max_pool(x))


def overlapping(x):
    H, W = x.shape
    return np.array([[x[r:r + 2, c:c + 2].max() for c in range(W - 1)] for r in range(H - 1)])


@pytest.mark.parametrize("wrong, hint", [
    (lambda x: x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).mean(axis=(1, 3)), "average"),
    (lambda x: x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).min(axis=(1, 3)), "smallest"),
    (lambda x: x.reshape(x.shape[0] // 2, x.shape[1] // 2, 2, 2).max(axis=(2, 3)),
     "not 2x2 blocks of neighbours"),
    (lambda x: x.reshape(2, x.shape[0] // 2, 2, x.shape[1] // 2).max(axis=(0, 2)),
     "H // 2 apart"),
    (overlapping, "windows overlap"),
    (lambda x: x.reshape(x.shape[0] // 2, 2, x.shape[1]).max(axis=1), "only the rows"),
    (lambda x: max_pool(x).T, "transposed"),
])
def test_max_pool_mistakes_are_named(wrong, hint):
    assert_fails_with(check_max_pool(wrong), hint)


def test_max_pool_not_implemented_and_none():
    assert_fails_with(check_max_pool(not_implemented), "NotImplementedError")
    assert_fails_with(check_max_pool(returns_none), "returned None")
