"""Tests for dlcore/optim.py: each update rule against the formula worked out by hand."""

import math
import re

import numpy as np
import pytest

from dlcore.module import Parameter, Sequential
from dlcore.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from dlcore.tolerance import assert_close

W0 = [1.0, -2.0]
G1 = [0.5, 0.1]
G2 = [-0.2, 0.4]


def make_param(values, dtype=np.float64, name="w"):
    return Parameter(np.array(values, dtype=dtype), name=name)


def set_grad(p, g):
    """Write a gradient the way backward() does: into the existing array."""
    p.grad[...] = g


def two_steps(opt, p):
    set_grad(p, G1)
    opt.step()
    after_first = p.value.tolist()
    set_grad(p, G2)
    opt.step()
    return after_first, p.value.tolist()


ALL_OPTIMIZERS = [
    pytest.param(lambda ps: SGD(ps, lr=0.1), id="SGD"),
    pytest.param(lambda ps: SGD(ps, lr=0.1, momentum=0.9), id="SGD-momentum"),
    pytest.param(lambda ps: Adagrad(ps, lr=0.1), id="Adagrad"),
    pytest.param(lambda ps: RMSprop(ps, lr=0.01), id="RMSprop"),
    pytest.param(lambda ps: Adam(ps, lr=0.01), id="Adam"),
    pytest.param(lambda ps: AdamW(ps, lr=0.01), id="AdamW"),
    pytest.param(lambda ps: SGD(ps, lr=0.1, weight_decay=0.1), id="SGD-weight-decay"),
]


# --- each rule, two steps, against hand-computed values -------------------------------------------
def test_sgd_two_steps_match_formula():
    p = make_param(W0)
    first, second = two_steps(SGD([p], lr=0.1), p)
    # w <- w - lr * g
    w1 = [1.0 - 0.1 * 0.5, -2.0 - 0.1 * 0.1]  # [0.95, -2.01]
    w2 = [w1[0] - 0.1 * -0.2, w1[1] - 0.1 * 0.4]  # [0.97, -2.05]
    assert first == pytest.approx(w1, abs=1e-15)
    assert second == pytest.approx(w2, abs=1e-15)
    assert second == pytest.approx([0.97, -2.05], abs=1e-12)


def test_sgd_momentum_two_steps_match_formula_and_velocity_carries():
    p = make_param(W0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    first, second = two_steps(opt, p)
    # v <- 0.9 v + g ; w <- w - 0.1 v
    v1 = [0.5, 0.1]
    w1 = [1.0 - 0.1 * v1[0], -2.0 - 0.1 * v1[1]]  # [0.95, -2.01]
    v2 = [0.9 * v1[0] + -0.2, 0.9 * v1[1] + 0.4]  # [0.25, 0.49]
    w2 = [w1[0] - 0.1 * v2[0], w1[1] - 0.1 * v2[1]]  # [0.925, -2.059]
    assert first == pytest.approx(w1, abs=1e-15)
    assert second == pytest.approx(w2, abs=1e-15)
    assert second == pytest.approx([0.925, -2.059], abs=1e-12)
    assert opt.state[0]["v"].tolist() == pytest.approx([0.25, 0.49], abs=1e-15)
    # without momentum the second step would have been different: the velocity carried over
    assert second[0] != pytest.approx(0.97, abs=1e-6)


def test_adagrad_two_steps_match_formula():
    p = make_param(W0)
    lr, eps = 0.1, 1e-8
    first, second = two_steps(Adagrad([p], lr=lr, eps=eps), p)
    # G <- G + g^2 ; w <- w - lr g / (sqrt(G) + eps)
    G1_ = [0.5**2, 0.1**2]
    w1 = [1.0 - lr * 0.5 / (math.sqrt(G1_[0]) + eps), -2.0 - lr * 0.1 / (math.sqrt(G1_[1]) + eps)]
    G2_ = [G1_[0] + 0.04, G1_[1] + 0.16]  # [0.29, 0.17]
    w2 = [
        w1[0] - lr * -0.2 / (math.sqrt(G2_[0]) + eps),
        w1[1] - lr * 0.4 / (math.sqrt(G2_[1]) + eps),
    ]
    assert first == pytest.approx(w1, rel=1e-14)
    assert second == pytest.approx(w2, rel=1e-14)
    # first step moves each weight by about lr: 1 - 0.1 and -2 - 0.1
    assert first == pytest.approx([0.9, -2.1], abs=1e-6)


def test_rmsprop_two_steps_match_formula():
    p = make_param(W0)
    lr, beta, eps = 0.01, 0.9, 1e-8
    first, second = two_steps(RMSprop([p], lr=lr, beta=beta, eps=eps), p)
    # s <- beta s + (1 - beta) g^2 ; w <- w - lr g / (sqrt(s) + eps)
    s1 = [0.1 * 0.25, 0.1 * 0.01]  # [0.025, 0.001]
    w1 = [1.0 - lr * 0.5 / (math.sqrt(s1[0]) + eps), -2.0 - lr * 0.1 / (math.sqrt(s1[1]) + eps)]
    s2 = [0.9 * s1[0] + 0.1 * 0.04, 0.9 * s1[1] + 0.1 * 0.16]  # [0.0265, 0.0169]
    w2 = [
        w1[0] - lr * -0.2 / (math.sqrt(s2[0]) + eps),
        w1[1] - lr * 0.4 / (math.sqrt(s2[1]) + eps),
    ]
    assert first == pytest.approx(w1, rel=1e-14)
    assert second == pytest.approx(w2, rel=1e-14)
    # first step: g / sqrt(0.1 g^2) = sign(g) * sqrt(10), so each weight moves by 0.01 * 3.1623
    assert first == pytest.approx([1.0 - 0.031623, -2.0 - 0.031623], abs=1e-6)


def test_adam_two_steps_match_formula():
    p = make_param(W0)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    opt = Adam([p], lr=lr, beta1=b1, beta2=b2, eps=eps)
    first, second = two_steps(opt, p)
    w = [1.0, -2.0]
    m = [0.0, 0.0]
    v = [0.0, 0.0]
    expected = []
    for t, g in [(1, G1), (2, G2)]:
        for j in range(2):
            m[j] = b1 * m[j] + (1 - b1) * g[j]
            v[j] = b2 * v[j] + (1 - b2) * g[j] ** 2
            m_hat = m[j] / (1 - b1**t)
            v_hat = v[j] / (1 - b2**t)
            w[j] = w[j] - lr * m_hat / (math.sqrt(v_hat) + eps)
        expected.append(list(w))
    assert first == pytest.approx(expected[0], rel=1e-13)
    assert second == pytest.approx(expected[1], rel=1e-13)
    assert opt.t == 2
    # the state after two steps, for the first weight: m1 = 0.1 * 0.5, v1 = 0.001 * 0.5**2
    assert opt.state[0]["m"][0] == pytest.approx(0.9 * 0.05 + 0.1 * -0.2, abs=1e-15)  # 0.025
    assert opt.state[0]["v"][0] == pytest.approx(0.999 * 0.00025 + 0.001 * 0.04, abs=1e-15)


def test_adam_bias_correction_first_step_moves_by_lr_times_sign():
    g = [1e-3, -50.0, 2.0, -0.3]
    p = make_param([0.0, 0.0, 0.0, 0.0])
    set_grad(p, g)
    Adam([p], lr=0.01).step()
    # m_hat = g and v_hat = g^2 at t = 1, so the step is lr * g / (|g| + eps) ~ lr * sign(g),
    # whatever the size of g. Without bias correction it would be lr * 0.1 g / sqrt(0.001) |g|.
    assert p.value.tolist() == pytest.approx([-0.01, 0.01, -0.01, 0.01], rel=1e-4)


# --- in place, dtypes, zero_grad ------------------------------------------------------------------
# --- weight decay --------------------------------------------------------------------------------
def test_sgd_weight_decay_adds_the_l2_gradient():
    p = make_param(W0)
    first, _ = two_steps(SGD([p], lr=0.1, weight_decay=0.5), p)
    # g = dL/dw + weight_decay * w = [0.5 + 0.5 * 1, 0.1 + 0.5 * -2] = [1.0, -0.9]
    assert first == pytest.approx([1.0 - 0.1 * 1.0, -2.0 - 0.1 * -0.9], abs=1e-15)


@pytest.mark.parametrize("make_opt", [
    pytest.param(lambda ps, wd: SGD(ps, lr=0.1, momentum=0.9, weight_decay=wd), id="SGD"),
    pytest.param(lambda ps, wd: Adagrad(ps, lr=0.1, weight_decay=wd), id="Adagrad"),
    pytest.param(lambda ps, wd: RMSprop(ps, lr=0.01, weight_decay=wd), id="RMSprop"),
    pytest.param(lambda ps, wd: Adam(ps, lr=0.01, weight_decay=wd), id="Adam"),
])
def test_coupled_weight_decay_is_the_rule_on_the_l2_gradient(make_opt):
    # weight_decay=wd must give exactly the steps of weight_decay=0 on g + wd * w
    decayed, plain = make_param(W0), make_param(W0)
    opt_decayed, opt_plain = make_opt([decayed], 0.3), make_opt([plain], 0.0)
    for g in (G1, G2):
        set_grad(decayed, g)
        set_grad(plain, np.array(g) + 0.3 * plain.value)
        opt_decayed.step()
        opt_plain.step()
        np.testing.assert_array_equal(decayed.value, plain.value)


def test_adamw_decouples_the_decay_from_the_adaptive_step():
    wd, lr = 0.1, 0.01
    p, q = make_param(W0), make_param(W0)
    adamw, adam = AdamW([p], lr=lr, weight_decay=wd), Adam([q], lr=lr)
    set_grad(p, G1)
    set_grad(q, G1)
    adamw.step()
    adam.step()
    # the same Adam step, plus - lr * wd * w with the weights before the step
    expected = q.value - lr * wd * np.array(W0)
    assert p.value.tolist() == pytest.approx(expected.tolist(), abs=1e-15)
    # coupled Adam with the same decay moves differently: the decay passes through v_hat
    r = make_param(W0)
    coupled = Adam([r], lr=lr, weight_decay=wd)
    set_grad(r, G1)
    coupled.step()
    assert not np.allclose(r.value, p.value, rtol=0, atol=1e-6)
    assert AdamW([make_param(W0)]).weight_decay == 0.01  # PyTorch's default


@pytest.mark.parametrize("bad, exc", [(-0.1, ValueError), (float("nan"), ValueError),
                                      ("0.1", TypeError), (True, TypeError)])
def test_bad_weight_decay_is_refused(bad, exc):
    with pytest.raises(exc, match=r"SGD: expected weight_decay to be a number >= 0, received"):
        SGD([make_param(W0)], weight_decay=bad)


@pytest.mark.parametrize("make_opt", ALL_OPTIMIZERS)
def test_updates_in_place_and_float32_stays_float32(make_opt):
    p = make_param(W0, dtype=np.float32)
    value_before, grad_before = p.value, p.grad
    opt = make_opt([p])
    set_grad(p, G1)
    opt.step()
    set_grad(p, G2)
    opt.step()
    assert p.value is value_before
    assert p.grad is grad_before
    assert p.value.dtype == np.float32
    assert p.grad.dtype == np.float32
    for arr in opt.state[0].values():
        assert arr.dtype == np.float32
        assert arr.shape == p.value.shape
    assert p.value.tolist() != pytest.approx(W0)  # it did move


@pytest.mark.parametrize("make_opt", ALL_OPTIMIZERS)
def test_float32_and_float64_agree(make_opt):
    p32 = make_param(W0, dtype=np.float32)
    p64 = make_param(W0, dtype=np.float64)
    opt32, opt64 = make_opt([p32]), make_opt([p64])
    for g in (G1, G2):
        set_grad(p32, g)
        set_grad(p64, g)
        opt32.step()
        opt64.step()
    assert p64.value.dtype == np.float64
    # two steps of element-wise updates, each w - (a step built from a few products)
    assert_close(p32.value, p64.value, n_terms=4, what="the float32 and float64 weights")


def test_state_follows_a_cast_of_the_model():
    p = make_param(W0, dtype=np.float32)
    opt = Adam([p], lr=0.01)
    set_grad(p, G1)
    opt.step()
    p.to(np.float64)
    set_grad(p, G2)
    opt.step()
    assert p.value.dtype == np.float64
    assert opt.state[0]["m"].dtype == np.float64
    assert opt.state[0]["v"].dtype == np.float64


def test_zero_grad_zeroes_every_gradient():
    a = make_param([1.0, 2.0], name="W")
    b = make_param([[3.0], [4.0]], name="b")
    set_grad(a, [0.5, -1.0])
    set_grad(b, [[2.0], [7.0]])
    opt = SGD([a, b])
    grad_a = a.grad
    opt.zero_grad()
    assert a.grad.tolist() == [0.0, 0.0]
    assert b.grad.tolist() == [[0.0], [0.0]]
    assert a.grad is grad_a


def test_accepts_a_generator_and_updates_a_shared_parameter_once():
    p = make_param(W0)
    opt = SGD((q for q in [p, p]), lr=0.1)
    assert opt.params == [p]
    set_grad(p, G1)
    opt.step()
    assert p.value.tolist() == pytest.approx([0.95, -2.01], abs=1e-15)


def test_lr_can_be_changed_between_steps():
    p = make_param(W0)
    opt = SGD([p], lr=0.1)
    set_grad(p, G1)
    opt.step()
    opt.lr = 1.0
    set_grad(p, G2)
    opt.step()
    # 0.95 - 1.0 * -0.2 = 1.15 ; -2.01 - 1.0 * 0.4 = -2.41
    assert p.value.tolist() == pytest.approx([1.15, -2.41], abs=1e-12)
    with pytest.raises(ValueError, match=r"lr.*finite number > 0.*received 0\b"):
        opt.lr = 0
    assert opt.lr == 1.0


# --- gradient clipping -------------------------------------------------------------------------------
def test_clip_norm_scales_all_gradients_together():
    a, b = make_param([1.0]), make_param([2.0])
    set_grad(a, [3.0])
    set_grad(b, [4.0])  # global norm sqrt(9 + 16) = 5
    opt = SGD([a, b], lr=0.1, clip_norm=1.0)
    assert opt.grad_norm() == 5.0
    opt.step()
    # every gradient times clip_norm / norm = 1 / 5, in place
    assert a.grad.tolist() == pytest.approx([0.6], abs=1e-15)
    assert b.grad.tolist() == pytest.approx([0.8], abs=1e-15)
    assert a.value.tolist() == pytest.approx([1.0 - 0.1 * 0.6], abs=1e-15)
    assert b.value.tolist() == pytest.approx([2.0 - 0.1 * 0.8], abs=1e-15)
    assert opt.grad_norm() == pytest.approx(1.0, abs=1e-15)


def test_clip_norm_leaves_small_gradients_alone():
    p = make_param(W0)
    set_grad(p, [0.3, 0.4])  # norm 0.5
    opt = SGD([p], lr=0.1, clip_norm=1.0)
    opt.step()
    assert p.grad.tolist() == [0.3, 0.4]
    assert p.value.tolist() == pytest.approx([1.0 - 0.03, -2.0 - 0.04], abs=1e-15)


def test_clip_norm_handles_huge_float32_gradients_without_overflow():
    # squaring 3e30 overflows float32 (max 3.4e38); the norm must still come out right
    p = make_param([0.0, 0.0], dtype=np.float32)
    set_grad(p, [3e30, -4e30])
    opt = Adam([p], lr=0.01, clip_norm=5.0)
    assert opt.grad_norm() == pytest.approx(5e30, rel=1e-6)
    opt.step()
    # the norm adds two squares; the clipped gradient is g * (5 / norm)
    assert_close(p.grad, [3.0, -4.0], n_terms=3, what="the clipped gradient and (3, -4)")
    assert np.all(np.isfinite(p.value))
    # from w = 0, Adam's first step gives -lr * g / (|g| + eps) = -lr * sign(g), to 3e-9
    assert_close(p.value, [-0.01, 0.01], n_terms=4, what="Adam's first step and -lr * sign(g)")


def test_clip_norm_leaves_non_finite_gradients_for_fit_to_report():
    p = make_param(W0)
    set_grad(p, [np.inf, 0.1])
    opt = SGD([p], lr=0.1, clip_norm=1.0)
    assert opt.grad_norm() == np.inf
    opt.step()
    # not silently scaled to zero: the divergence stays visible
    assert p.grad.tolist() == [np.inf, 0.1]
    assert p.value[0] == -np.inf


# --- errors ------------------------------------------------------------------------------------------
def expect(exc, *parts):
    """pytest.raises matching every part of the message, in any order."""
    pattern = "".join(f"(?=.*{re.escape(part)})" for part in parts)
    return pytest.raises(exc, match=re.compile(pattern, re.DOTALL))


@pytest.mark.parametrize(
    "make, exc, parts",
    [
        (lambda ps: SGD(ps, lr=0), ValueError, ["SGD", "lr", "finite number > 0", "received 0", "0.01"]),
        (lambda ps: SGD(ps, lr=-1), ValueError, ["lr", "finite number > 0", "received -1"]),
        (lambda ps: Adam(ps, lr=float("nan")), ValueError, ["Adam", "lr", "> 0", "received nan", "0.001"]),
        (lambda ps: Adam(ps, lr=float("inf")), ValueError, ["lr", "finite number", "received inf"]),
        (lambda ps: SGD(ps, lr="0.01"), TypeError, ["lr", "finite number > 0", "received str '0.01'"]),
        (lambda ps: SGD(ps, momentum=1), ValueError, ["momentum", "[0, 1)", "received 1", "0.9"]),
        (lambda ps: SGD(ps, momentum=-0.5), ValueError, ["momentum", "[0, 1)", "received -0.5"]),
        (lambda ps: RMSprop(ps, beta=1.0), ValueError, ["RMSprop", "beta", "[0, 1)", "received 1.0"]),
        (lambda ps: Adam(ps, beta1=1), ValueError, ["beta1", "[0, 1)", "received 1"]),
        (lambda ps: Adam(ps, beta2=1.5), ValueError, ["Adam", "beta2", "[0, 1)", "received 1.5"]),
        (lambda ps: Adagrad(ps, eps=0), ValueError, ["Adagrad", "eps", "> 0", "received 0"]),
        (lambda ps: Adam(ps, eps=-1e-8), ValueError, ["eps", "> 0", "received -1e-08"]),
        (lambda ps: SGD(ps, clip_norm=-1), ValueError, ["clip_norm", "> 0", "received -1", "None"]),
        (lambda ps: RMSprop(ps, clip_norm=0.0), ValueError, ["clip_norm", "> 0", "received 0.0"]),
    ],
)
def test_bad_hyperparameters_are_refused(make, exc, parts):
    with expect(exc, *parts):
        make([make_param(W0)])


@pytest.mark.parametrize(
    "params, exc, parts",
    [
        (Sequential(), TypeError, ["iterable of Parameter", "received the Sequential model", "model.parameters()"]),
        ([], ValueError, ["at least one Parameter", "received an empty list"]),
        ([np.zeros(2), np.zeros(3)], TypeError, ["every item to be a Parameter", "received array of shape (2,)", "position 0"]),
        (np.zeros((2, 3)), TypeError, ["iterable of Parameter", "array of shape (2, 3)", "model.parameters()"]),
        (Parameter(np.zeros(2), "W"), TypeError, ["iterable of Parameter", "single Parameter(W", "list"]),
        (3.0, TypeError, ["iterable of Parameter", "received float 3.0"]),
        ([Sequential()], TypeError, ["every item to be a Parameter", "received Sequential"]),
    ],
)
def test_bad_params_are_refused(params, exc, parts):
    with expect(exc, "SGD", *parts):
        SGD(params, lr=0.1)


def test_step_refuses_a_gradient_of_the_wrong_shape_and_changes_nothing():
    a, b = make_param(W0, name="W"), make_param([5.0], name="b")
    opt = SGD([a, b], lr=0.1)
    set_grad(a, G1)
    b.grad = np.zeros((2, 1))
    with expect(ValueError, "SGD.step", "b.grad", "(1,)", "received shape (2, 1)"):
        opt.step()
    assert a.value.tolist() == W0  # the failed step did not half-update the model
    b.grad = None
    with expect(TypeError, "SGD.step", "b.grad", "received NoneType"):
        opt.step()


def test_step_refuses_a_parameter_whose_shape_changed():
    p = make_param(W0, name="W")
    opt = Adam([p])
    p.value = np.zeros(3)
    p.grad = np.zeros(3)
    with expect(ValueError, "Adam.step", "W.value", "shape (2,)", "received shape (3,)", "new optimizer"):
        opt.step()


def test_repr_shows_the_hyperparameters():
    p = make_param(W0)
    assert repr(SGD([p], lr=0.1, momentum=0.9)) == (
        "SGD(lr=0.1, momentum=0.9, clip_norm=None, weight_decay=0.0, parameters=1)"
    )
    assert repr(Adam([p], clip_norm=1.0)) == (
        "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, clip_norm=1.0, weight_decay=0.0, "
        "parameters=1)"
    )
    assert "beta=0.9" in repr(RMSprop([p]))
    assert "eps=1e-08" in repr(Adagrad([p]))


# --- optimisation sanity -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make_opt, num_steps",
    [
        (lambda ps: SGD(ps, lr=0.1), 100),
        (lambda ps: SGD(ps, lr=0.05, momentum=0.9), 200),
        (lambda ps: Adagrad(ps, lr=1.0), 300),
        (lambda ps: RMSprop(ps, lr=0.01), 600),
        (lambda ps: Adam(ps, lr=0.1), 300),
    ],
    ids=["SGD", "SGD-momentum", "Adagrad", "RMSprop", "Adam"],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_minimises_a_quadratic(make_opt, num_steps, dtype):
    # f(w) = sum((w - 3)^2), gradient 2 (w - 3), minimum at w = 3
    p = make_param(np.zeros(4), dtype=dtype)
    opt = make_opt([p])
    for _ in range(num_steps):
        opt.zero_grad()
        p.grad += 2.0 * (p.value - 3.0)
        opt.step()
    np.testing.assert_allclose(p.value, 3.0, atol=1e-2)
