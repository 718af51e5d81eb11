"""Tests for the 11_playground checkers: the right answers pass, wrong ones fail with the hint."""

from functools import reduce

import numpy as np
import pytest
from helpers import assert_fails_with, not_implemented, returns_none

from dlcore.course.checks import playground as checks


@pytest.mark.parametrize("check, right, wrong, hint", [
    (checks.check_linear_circles, "no", "yes", "one straight line"),
    (checks.check_squares_circles, "yes", "no", "circular boundary"),
    (checks.check_spiral_depth, "two", "one", "second layer combines"),
    (checks.check_too_high_lr, "diverges", "converges", "overshoots"),
    (checks.check_l2_smooths, "shorter", "longer", "pulls every weight towards 0"),
])
def test_the_experiments_answers(check, right, wrong, hint, capsys):
    assert check(lambda: right).passed
    assert "✅" in capsys.readouterr().out
    assert check(lambda: f"  {right.upper()} ").passed  # case and spaces do not matter
    assert_fails_with(check(lambda: wrong), hint)
    assert_fails_with(check(lambda: "maybe"), "expected")
    assert_fails_with(check(not_implemented), "NotImplementedError")
    assert_fails_with(check(returns_none), "returned None")


def test_linear_layers_product_passes_and_mistakes_are_named():
    assert checks.check_linear_layers(lambda Ws: reduce(np.matmul, Ws)).passed
    assert checks.check_linear_layers(lambda Ws: np.linalg.multi_dot(Ws).astype(np.float32)).passed
    assert_fails_with(checks.check_linear_layers(lambda Ws: Ws[0]), "expected shape (2, 1)")
    assert_fails_with(checks.check_linear_layers(lambda Ws: 2 * reduce(np.matmul, Ws)),
                      "multiply all the W")
    assert_fails_with(checks.check_linear_layers(not_implemented), "NotImplementedError")


def test_bias_moves_line():
    def nearest(w1, w2, b):
        w = np.array([w1, w2])
        return -b * w / (w @ w)

    assert checks.check_bias_moves_line(nearest).passed
    assert_fails_with(checks.check_bias_moves_line(lambda *a: -nearest(*a)), "wrong sign")
    assert_fails_with(checks.check_bias_moves_line(lambda w1, w2, b: (-b, 0.0)), "expected (")
    assert_fails_with(checks.check_bias_moves_line(returns_none), "returned None")


def test_boundary_length_is_longer_for_a_wiggly_boundary():
    from dlcore.course.interactive import Playground, preset

    straight = Playground(preset("one_neuron"))
    straight.step(20)
    wiggly = Playground(preset("overfit"))
    wiggly.step(300)
    assert checks.boundary_length(straight) < checks.boundary_length(wiggly), (
        "a single neuron's straight boundary should be shorter than an overfit network's")
