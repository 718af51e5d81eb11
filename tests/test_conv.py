"""Conv2D and MaxPool2D: values by hand and by plain loops, float64 gradient checks, bad input."""

import json

import numpy as np
import pytest
from helpers import gradient_descent, grads_when_dx_is_skipped, layer_gradient_errors

from dlcore.activations import ReLU
from dlcore.conv import Conv2D, MaxPool2D
from dlcore.layers import Dense, Flatten
from dlcore.module import Sequential
from dlcore.tolerance import assert_close


def conv_by_loops(x, W, b, stride, padding):
    """The definition, one output number at a time: obviously right, far too slow to train."""
    (sh, sw), (ph, pw) = stride, padding
    N, C, H, Wd = x.shape
    C_out, _, kh, kw = W.shape
    xp = np.zeros((N, C, H + 2 * ph, Wd + 2 * pw))
    xp[:, :, ph : ph + H, pw : pw + Wd] = x
    H_out = (H + 2 * ph - kh) // sh + 1
    W_out = (Wd + 2 * pw - kw) // sw + 1
    out = np.zeros((N, C_out, H_out, W_out))
    for n in range(N):
        for o in range(C_out):
            for r in range(H_out):
                for c in range(W_out):
                    total = b[o]
                    for ci in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                total += W[o, ci, i, j] * xp[n, ci, r * sh + i, c * sw + j]
                    out[n, o, r, c] = total
    return out


def maxpool_by_loops(x, kernel, stride):
    (kh, kw), (sh, sw) = kernel, stride
    N, C, H, W = x.shape
    H_out, W_out = (H - kh) // sh + 1, (W - kw) // sw + 1
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for r in range(H_out):
                for q in range(W_out):
                    out[n, c, r, q] = x[n, c, r * sh : r * sh + kh, q * sw : q * sw + kw].max()
    return out


# (C_in, C_out, kernel_size, stride, padding, H, W)
CONV_CONFIGS = [
    (1, 1, 3, 1, 0, 5, 5),
    (2, 3, 3, 2, 1, 7, 6),  # stride 2, padding 1, C_in=2, C_out=3
    (2, 3, (2, 3), 1, 1, 5, 6),  # non-square kernel
    (3, 2, (3, 2), (2, 1), (1, 0), 6, 5),  # everything different per axis
    (1, 2, 2, 3, 0, 7, 7),  # stride larger than the kernel: some pixels are never seen
]


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


# --- Conv2D: forward values --------------------------------------------------------------------


def test_conv_forward_known_value_by_hand():
    layer = Conv2D(1, 1, 2)
    layer.W.value[...] = [[[[1, 0], [0, -1]]]]  # top-left minus bottom-right
    layer.b.value[...] = 0.5
    x = np.array([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], dtype=np.float32)
    # every 2x2 window: x[r, c] - x[r+1, c+1] = -4, plus the bias 0.5
    out = layer.forward(x)
    assert out.shape == (1, 1, 2, 2)
    assert out.dtype == np.float32
    assert_close(out, [[[[-3.5, -3.5], [-3.5, -3.5]]]], n_terms=5, what="Conv2D and -4 + 0.5")


def test_conv_padding_keeps_size_and_sees_zeros():
    layer = Conv2D(1, 1, 3, padding=1)
    layer.W.value[...] = 1.0  # sum of the 3x3 neighbourhood
    x = np.ones((1, 1, 3, 3))
    # corners see 4 ones, edges 6, the centre 9; the rest of each window is zero padding
    assert np.allclose(layer.forward(x)[0, 0], [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


@pytest.mark.parametrize("C_in, C_out, k, s, p, H, W", CONV_CONFIGS)
def test_conv_forward_matches_loops(C_in, C_out, k, s, p, H, W):
    rng = np.random.default_rng(0)
    layer = Conv2D(C_in, C_out, k, stride=s, padding=p, seed=1, dtype=np.float64)
    layer.b.value[...] = rng.standard_normal(C_out)
    x = rng.standard_normal((3, C_in, H, W))
    expected = conv_by_loops(x, layer.W.value, layer.b.value, _pair(s), _pair(p))
    out = layer.forward(x)
    assert out.shape == expected.shape
    assert layer.output_shape((None, C_in, H, W)) == (None, *expected.shape[1:])
    assert np.allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_conv_float32_in_float32_out_and_input_untouched():
    rng = np.random.default_rng(0)
    layer = Conv2D(2, 4, 3, padding=1, seed=0)
    x = rng.standard_normal((5, 2, 6, 6)).astype(np.float32)
    x_before = x.copy()
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(out))
    assert out.dtype == np.float32 and dx.dtype == np.float32
    assert layer.W.grad.dtype == np.float32
    assert dx.shape == x.shape
    assert np.array_equal(x, x_before)


def test_conv_integer_images_become_float32():
    layer = Conv2D(1, 2, 3, seed=0)
    out = layer.forward(np.arange(2 * 25, dtype=np.uint8).reshape(2, 1, 5, 5))
    assert out.dtype == np.float32 and out.shape == (2, 2, 3, 3)


# --- Conv2D: gradients -------------------------------------------------------------------------


@pytest.mark.parametrize("C_in, C_out, k, s, p, H, W", CONV_CONFIGS)
def test_conv_gradient_check_float64(C_in, C_out, k, s, p, H, W):
    rng = np.random.default_rng(2)
    layer = Conv2D(C_in, C_out, k, stride=s, padding=p, seed=3, dtype=np.float64)
    layer.b.value[...] = rng.standard_normal(C_out)
    x = rng.standard_normal((2, C_in, H, W))
    dout = rng.standard_normal(layer.forward(x).shape)
    layer.zero_grad()
    errors = layer_gradient_errors(layer, x, dout, h=1e-5)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-6, errors


def test_conv_backward_adds_into_grad():
    rng = np.random.default_rng(0)
    layer = Conv2D(1, 2, 3, seed=0, dtype=np.float64)
    x = rng.standard_normal((2, 1, 5, 5))
    dout = rng.standard_normal((2, 2, 3, 3))
    layer.forward(x)
    layer.backward(dout)
    once = layer.W.grad.copy()
    layer.forward(x)
    layer.backward(dout)
    assert np.allclose(layer.W.grad, 2 * once)
    # db by hand: the sum of dout over samples and positions, per output channel
    assert np.allclose(layer.b.grad, 2 * dout.sum(axis=(0, 2, 3)))


def test_conv_without_input_grad_returns_none_and_the_same_parameter_grads():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 2, 6, 5))
    dout = rng.standard_normal((3, 4, 3, 3))
    grads = grads_when_dx_is_skipped(
        lambda: Conv2D(2, 4, 3, stride=2, padding=1, seed=1, dtype=np.float64), x, dout
    )
    assert set(grads) == {"W", "b"}
    assert np.allclose(grads["b"], dout.sum(axis=(0, 2, 3)))  # db by hand


# --- Conv2D: bookkeeping -----------------------------------------------------------------------


def test_conv_parameters_config_and_output_shape():
    layer = Conv2D(3, 8, (3, 5), stride=2, padding=(1, 2), init="xavier", seed=0)
    W, b = layer.parameters()
    assert W is layer.W and b is layer.b
    assert W.shape == (8, 3, 3, 5) and b.shape == (8,)
    assert layer.num_parameters() == 8 * 3 * 3 * 5 + 8
    cfg = layer.config()
    assert cfg == {
        "in_channels": 3,
        "out_channels": 8,
        "kernel_size": [3, 5],
        "stride": 2,
        "padding": [1, 2],
        "init": "xavier",
    }
    rebuilt = Conv2D(**json.loads(json.dumps(cfg)))  # survives JSON, as dlcore.io stores it
    assert rebuilt.config() == cfg
    # H_out = (28 + 2 - 3)//2 + 1 = 14, W_out = (28 + 4 - 5)//2 + 1 = 14
    assert layer.output_shape((None, 3, 28, 28)) == (None, 8, 14, 14)
    assert layer.output_shape((4, 3, 28, 28)) == layer.forward(np.zeros((4, 3, 28, 28))).shape
    assert layer.output_shape((None, 3, None, 28)) == (None, 8, None, 14)


def test_conv_he_init_scale_uses_fan_in():
    layer = Conv2D(4, 64, 3, seed=0)  # fan_in = 4 * 3 * 3 = 36
    assert abs(layer.W.value.std() - np.sqrt(2 / 36)) < 0.02
    assert np.all(layer.b.value == 0)
    assert np.array_equal(Conv2D(4, 64, 3, seed=0).W.value, layer.W.value)


def test_conv_in_a_sequential_summary():
    model = Sequential(
        Conv2D(1, 8, 3, padding=1), ReLU(), MaxPool2D(2), Flatten(), Dense(8 * 14 * 14, 10)
    )
    text = model.summary(input_shape=(1, 28, 28))
    assert "(N, 8, 28, 28)" in text and "(N, 8, 14, 14)" in text and "(N, 1568)" in text
    assert "80" in text  # 8 * 9 weights + 8 biases


def test_conv_to_float64():
    layer = Conv2D(1, 2, 3, seed=0).to(np.float64)
    out = layer.forward(np.ones((1, 1, 4, 4)))
    assert layer.W.value.dtype == np.float64 and out.dtype == np.float64


# --- Conv2D: bad input -------------------------------------------------------------------------


def test_conv_rejects_3d_input_with_hint():
    layer = Conv2D(1, 4, 3)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)") as info:
        layer.forward(np.zeros((2, 5, 5)))
    assert "(2, 5, 5)" in str(info.value)
    assert "x[:, None]" in str(info.value)


def test_conv_rejects_flat_input_with_reshape_hint():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\).*\(2, 784\).*reshape"):
        Conv2D(1, 4, 3).forward(np.zeros((2, 784)))


def test_conv_rejects_wrong_channel_count():
    layer = Conv2D(3, 4, 3)
    with pytest.raises(ValueError, match=r"in_channels = 3.*\(2, 1, 8, 8\)"):
        layer.forward(np.zeros((2, 1, 8, 8)))


def test_conv_channels_last_hint():
    with pytest.raises(ValueError, match=r"in_channels = 3.*\(2, 8, 8, 3\).*transpose"):
        Conv2D(3, 4, 3).forward(np.zeros((2, 8, 8, 3)))


def test_conv_rejects_kernel_larger_than_padded_input():
    layer = Conv2D(1, 1, 5, padding=0)
    with pytest.raises(ValueError, match=r"kernel height 5.*\(1, 1, 3, 3\)"):
        layer.forward(np.zeros((1, 1, 3, 3)))
    # with padding 1 the padded input is 5x5: just large enough
    assert Conv2D(1, 1, 5, padding=1).forward(np.zeros((1, 1, 3, 3))).shape == (1, 1, 1, 1)
    with pytest.raises(ValueError, match=r"kernel width 5.*\(None, 1, 9, 3\)"):
        layer.output_shape((None, 1, 9, 3))


@pytest.mark.parametrize(
    "kwargs, name, received",
    [
        ({"in_channels": 0}, "in_channels", "0"),
        ({"out_channels": -2}, "out_channels", "-2"),
        ({"kernel_size": 0}, "kernel_size", "0"),
        ({"kernel_size": (3, -1)}, "kernel_size", r"\(3, -1\)"),
        ({"stride": 0}, "stride", "0"),
        ({"padding": -1}, "padding", "-1"),
    ],
)
def test_conv_rejects_non_positive_sizes(kwargs, name, received):
    args = {"in_channels": 1, "out_channels": 2, "kernel_size": 3, **kwargs}
    with pytest.raises(ValueError, match=rf"{name}.*{received}"):
        Conv2D(**args)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"kernel_size": 2.5}, "kernel_size"),
        ({"kernel_size": (3, 3, 3)}, "kernel_size"),
        ({"in_channels": "3"}, "in_channels"),
        ({"stride": True}, "stride"),
    ],
)
def test_conv_rejects_wrong_types(kwargs, name):
    args = {"in_channels": 1, "out_channels": 2, "kernel_size": 3, **kwargs}
    with pytest.raises(TypeError, match=rf"{name}.*int.*received"):
        Conv2D(**args)


def test_conv_rejects_unknown_init():
    with pytest.raises(ValueError, match=r"'he'.*'unknown'"):
        Conv2D(1, 2, 3, init="unknown")


def test_conv_backward_checks_dout_shape_and_order():
    layer = Conv2D(1, 2, 3)
    with pytest.raises(RuntimeError, match="forward"):
        layer.backward(np.zeros((1, 2, 2, 2)))
    layer.forward(np.zeros((1, 1, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"\(1, 2, 2, 2\).*\(1, 2, 4, 4\)"):
        layer.backward(np.zeros((1, 2, 4, 4)))


def test_conv_output_shape_rejects_wrong_layout():
    layer = Conv2D(3, 4, 3)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\).*\(None, 28, 28\)"):
        layer.output_shape((None, 28, 28))
    with pytest.raises(ValueError, match=r"in_channels = 3.*\(None, 1, 28, 28\)"):
        layer.output_shape((None, 1, 28, 28))


# --- MaxPool2D ---------------------------------------------------------------------------------


def test_maxpool_known_value_by_hand():
    x = np.array([[[[1, 2, 5, 0], [3, 4, 1, 1], [0, -1, 7, 8], [-2, -3, 6, 9]]]], dtype=np.float32)
    pool = MaxPool2D(2)
    out = pool.forward(x)
    assert out.dtype == np.float32
    assert np.array_equal(out, [[[[4, 5], [0, 9]]]])
    # the gradient goes to the winners only: 4 at (1, 1), 5 at (0, 2), 0 at (2, 0), 9 at (3, 3)
    dx = pool.backward(np.array([[[[10, 20], [30, 40]]]], dtype=np.float32))
    expected = np.zeros((1, 1, 4, 4))
    expected[0, 0, 1, 1], expected[0, 0, 0, 2] = 10, 20
    expected[0, 0, 2, 0], expected[0, 0, 3, 3] = 30, 40
    assert np.array_equal(dx, expected)


def test_maxpool_tie_sends_gradient_to_first_position_only():
    x = np.full((1, 1, 2, 2), 3.0)  # all four equal
    pool = MaxPool2D(2)
    pool.forward(x)
    dx = pool.backward(np.ones((1, 1, 1, 1)))
    assert np.array_equal(dx[0, 0], [[1, 0], [0, 0]])  # row-major first, as np.argmax picks


@pytest.mark.parametrize(
    "k, s, H, W", [(2, None, 6, 6), (3, 1, 5, 6), ((2, 3), (1, 2), 5, 7), (2, 3, 7, 7)]
)
def test_maxpool_forward_matches_loops(k, s, H, W):
    x = np.random.default_rng(0).standard_normal((2, 3, H, W))
    pool = MaxPool2D(k, stride=s)
    expected = maxpool_by_loops(x, _pair(k), _pair(s if s is not None else k))
    out = pool.forward(x)
    assert np.array_equal(out, expected)
    assert pool.output_shape((None, 3, H, W)) == (None, *out.shape[1:])


@pytest.mark.parametrize(
    "k, s, H, W", [(2, None, 6, 6), (3, 1, 5, 6), ((2, 3), (1, 2), 5, 7), (2, 3, 7, 7)]
)
def test_maxpool_gradient_check_float64(k, s, H, W):
    rng = np.random.default_rng(1)
    # a shuffled grid of distinct values 0.1 apart: no ties, and a step of h cannot change a winner
    x = rng.permutation(2 * 2 * H * W).reshape(2, 2, H, W) * 0.1
    x = x.astype(np.float64)
    pool = MaxPool2D(k, stride=s)
    dout = rng.standard_normal(pool.forward(x).shape)
    assert layer_gradient_errors(pool, x, dout, h=1e-5)["x"] < 1e-6


def test_maxpool_input_untouched_and_config():
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4))
    before = x.copy()
    pool = MaxPool2D(2)
    pool.forward(x)
    pool.backward(np.ones((2, 1, 2, 2)))
    assert np.array_equal(x, before)
    assert pool.parameters() == []
    assert pool.config() == {"kernel_size": 2, "stride": 2}
    cfg = MaxPool2D((2, 3), stride=1).config()
    assert cfg == {"kernel_size": [2, 3], "stride": 1}
    assert MaxPool2D(**json.loads(json.dumps(cfg))).config() == cfg


def test_maxpool_rejects_3d_input():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\).*\(4, 8, 8\).*x\[:, None\]"):
        MaxPool2D(2).forward(np.zeros((4, 8, 8)))


def test_maxpool_rejects_window_larger_than_input():
    with pytest.raises(ValueError, match=r"kernel height 3.*\(1, 2, 2, 5\)"):
        MaxPool2D(3).forward(np.zeros((1, 2, 2, 5)))


@pytest.mark.parametrize("kwargs", [{"kernel_size": 0}, {"kernel_size": 2, "stride": 0}])
def test_maxpool_rejects_non_positive_sizes(kwargs):
    name = "stride" if "stride" in kwargs else "kernel_size"
    with pytest.raises(ValueError, match=rf"{name}.*positive.*received 0"):
        MaxPool2D(**kwargs)


def test_maxpool_backward_checks_dout_shape():
    pool = MaxPool2D(2)
    pool.forward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"\(1, 1, 2, 2\).*\(1, 1, 4, 4\)"):
        pool.backward(np.zeros((1, 1, 4, 4)))


# --- learning ----------------------------------------------------------------------------------


def test_small_cnn_learns_lines():
    """Conv2D -> ReLU -> MaxPool2D -> Flatten -> Dense tells vertical from horizontal lines."""
    rng = np.random.default_rng(0)
    N = 64
    X = rng.normal(0, 0.1, size=(N, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 2, size=N)
    where = rng.integers(1, 7, size=N)
    for n in range(N):  # building the data set sample by sample is fine in a test
        if y[n] == 0:
            X[n, 0, :, where[n]] += 1.0  # a vertical line
        else:
            X[n, 0, where[n], :] += 1.0  # a horizontal line
    model = Sequential(
        Conv2D(1, 4, 3, padding=1, seed=1), ReLU(), MaxPool2D(2), Flatten(), Dense(64, 2, seed=2)
    )

    def loss_and_grad():
        z = model.forward(X)
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(p[np.arange(N), y]))
        dz = p.copy()
        dz[np.arange(N), y] -= 1
        return loss, dz / N

    first, last = gradient_descent(model, loss_and_grad, steps=40, lr=0.5)
    assert last < 0.5 * first
    accuracy = np.mean(model.forward(X).argmax(axis=1) == y)
    assert accuracy > 0.9
