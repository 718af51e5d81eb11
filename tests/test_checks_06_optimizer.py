"""Tests for the 06_optimizer checkers: the reference passes, typical mistakes get their hint."""

import numpy as np
import pytest
from helpers import assert_fails_with, not_implemented, returns_none

from dlcore.course.checks.optimizer import check_adam_step, check_sgd_step


# --- sgd_step -----------------------------------------------------------------------------------
def sgd_step(w, grad, lr):
    return w - lr * grad


def test_sgd_step_reference_passes(capsys):
    result = check_sgd_step(sgd_step)
    assert result.passed
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda w, g, lr: w + lr * g, "wrong sign"),
    (lambda w, g, lr: w - g, "forgot the learning rate"),
    (lambda w, g, lr: w - g / lr, "divided by the learning rate"),
    (lambda w, g, lr: -lr * g, "returned the step"),
    (lambda w, g, lr: w, "weights unchanged"),
])
def test_sgd_step_mistakes_are_named(wrong, hint):
    assert_fails_with(check_sgd_step(wrong), hint)


def test_sgd_step_in_place_update_is_caught():
    def in_place(w, grad, lr):
        w -= lr * grad
        return w

    assert_fails_with(check_sgd_step(in_place), "changed w in place")


def test_sgd_step_in_place_without_return_is_caught():
    def in_place_no_return(w, grad, lr):
        w -= lr * grad

    assert_fails_with(check_sgd_step(in_place_no_return), "changed w in place and returned None")


def test_sgd_step_not_implemented_and_none():
    assert_fails_with(check_sgd_step(not_implemented), "NotImplementedError")
    assert_fails_with(check_sgd_step(returns_none), "returned None")
    assert "expected a function" in check_sgd_step(sgd_step(1.0, 1.0, 0.1)).message


# --- adam_step ----------------------------------------------------------------------------------
def adam_step(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def test_adam_step_reference_passes():
    assert check_adam_step(adam_step).passed


def test_adam_step_agrees_with_dlcore_adam():
    # the checker's reference is dlcore's rule: one step of dlcore.optim.Adam on a Parameter
    from dlcore.course.checks.optimizer import _adam_reference
    from dlcore.module import Parameter
    from dlcore.optim import Adam

    rng = np.random.default_rng(0)
    w0, g = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    p = Parameter(w0.copy(), "w")
    opt = Adam([p], lr=0.1)
    p.grad[...] = g
    opt.step()
    w1, m1, v1 = _adam_reference(w0, g, np.zeros_like(w0), np.zeros_like(w0), 1, 0.1, 0.9,
                                 0.999, 1e-8)
    np.testing.assert_allclose(p.value, w1, rtol=1e-12)
    np.testing.assert_allclose(opt.state[0]["m"], m1, rtol=1e-12)
    np.testing.assert_allclose(opt.state[0]["v"], v1, rtol=1e-12)


def test_adam_step_eps_inside_the_root_is_accepted():
    def eps_inside(w, g, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        return w - lr * (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t) + eps), m, v

    assert check_adam_step(eps_inside).passed


def _adam_variant(**kw):
    from dlcore.course.checks.optimizer import _adam_reference

    def fn(w, g, m, v, t, lr, beta1, beta2, eps):
        return _adam_reference(w, g, m, v, t, lr, beta1, beta2, eps, **kw)
    return fn


@pytest.mark.parametrize("variant, hint", [
    (dict(correct_m=False, correct_v=False), "no bias correction"),
    (dict(swap=True), "beta1 and beta2 are swapped"),
    (dict(sqrt=False), "the square root is missing"),
    (dict(return_hats=True), "bias-corrected m_hat and v_hat as the new state"),
    (dict(no_one_minus=True), "the (1 - beta) factors are missing"),
    (dict(sign=-1.0), "wrong sign"),
])
def test_adam_step_mistakes_are_named(variant, hint):
    assert_fails_with(check_adam_step(_adam_variant(**variant)), hint)


def test_adam_step_wrong_order_and_t_from_zero():
    def wrong_order(*args):
        w, m, v = adam_step(*args)
        return w, v, m

    assert "wrong order" in check_adam_step(wrong_order).message

    def t_from_zero(w, g, m, v, t, lr, beta1, beta2, eps):
        return adam_step(w, g, m, v, t - 1, lr, beta1, beta2, eps)

    with np.errstate(divide="ignore", invalid="ignore"):
        assert_fails_with(check_adam_step(t_from_zero), "exponent t - 1 = 0", "beta1**t")


# The learner's slips in the bias correction and the step, each written as the learner would.
def adam_t_plus_one(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1 ** (t + 1))
    v_hat = v / (1 - beta2 ** (t + 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_t_minus_one(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1 ** (t - 1))
    v_hat = v / (1 - beta2 ** (t - 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_t_minus_one_guarded(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    # t - 1 with a guard for the first step: right at t = 1, wrong at t = 4
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    k = max(t - 1, 1)
    m_hat = m / (1 - beta1**k)
    v_hat = v / (1 - beta2**k)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_without_lr(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_corrects_only_m(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    return w - lr * m_hat / (np.sqrt(v) + eps), m, v


def adam_corrects_only_v(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    v_hat = v / (1 - beta2**t)
    return w - lr * m / (np.sqrt(v_hat) + eps), m, v


@pytest.mark.parametrize("wrong, hint", [
    (adam_t_plus_one, "the exponent t + 1 = 2"),
    (adam_t_minus_one, "the exponent t - 1 = 0"),
    (adam_t_minus_one_guarded, "the exponent t - 1 = 3"),
    (adam_without_lr, "the learning rate is missing"),
    (adam_corrects_only_m, "only m is bias-corrected"),
    (adam_corrects_only_v, "only v is bias-corrected"),
])
def test_adam_step_bias_correction_and_lr_slips_get_their_own_hint(wrong, hint):
    with np.errstate(divide="ignore", invalid="ignore"):
        result = check_adam_step(wrong)
    assert_fails_with(result, hint)
    assert "Re-read" not in result.message


def test_adam_step_nan_from_another_cause_is_not_blamed_on_t():
    def v_subtracts(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v - (1 - beta2) * g**2  # negative: its square root is NaN
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    with np.errstate(invalid="ignore"):
        result = check_adam_step(v_subtracts)
    assert_fails_with(result, "NaN or inf", "v_hat >= 0")
    assert "t - 1" not in result.message


def test_adam_step_not_a_triple_not_implemented_and_none():
    assert_fails_with(check_adam_step(not_implemented), "NotImplementedError")
    assert_fails_with(check_adam_step(returns_none), "returned None")
    assert_fails_with(check_adam_step(lambda *a: adam_step(*a)[0]), "expected three arrays")
