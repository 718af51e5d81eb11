"""Initialisers: spread of the numbers, reproducibility from a seed, and bad names."""

import numpy as np
import pytest

from dlcore.init import fans, get_initializer, he, small_random, xavier, zeros


def test_fans_dense_and_conv():
    assert fans((64, 32)) == (64, 32)
    assert fans((8, 3, 3, 3)) == (27, 72)


@pytest.mark.parametrize(
    "init, expected_std",
    [(small_random, 0.01), (xavier, np.sqrt(2 / (400 + 200))), (he, np.sqrt(2 / 400))],
)
def test_standard_deviation_matches_the_formula(init, expected_std):
    W = init((400, 200), seed=0)
    assert W.dtype == np.float32 and W.shape == (400, 200)
    assert abs(W.std() - expected_std) / expected_std < 0.02
    assert abs(W.mean()) < 0.05 * expected_std * 10


def test_same_seed_same_numbers_and_different_seed_differs():
    assert np.array_equal(he((5, 4), seed=3), he((5, 4), seed=3))
    assert not np.array_equal(he((5, 4), seed=3), he((5, 4), seed=4))


def test_zeros_and_lookup_by_name():
    assert not zeros((2, 3)).any()
    assert get_initializer("he") is he
    assert get_initializer("Xavier") is xavier
    assert get_initializer("small") is small_random
    assert get_initializer(zeros) is zeros


def test_unknown_initialiser_name():
    with pytest.raises(ValueError, match=r"expected one of .*'he'.*received 'gaussian'"):
        get_initializer("gaussian")


def test_weight_shape_needs_two_dimensions():
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*received \(5,\)"):
        he((5,), seed=0)
