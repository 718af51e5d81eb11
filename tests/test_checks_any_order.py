"""Every checker accepts a right answer computed another way, and still rejects a near miss.

A learner's right answer rarely adds its numbers in the order of the checker's reference: a loop,
``einsum``, the column form, float32 (dlcore's training precision), or only another CPU's matrix
product. Its last bits then differ, by different amounts on different machines. The checkers
compare with ``dlcore.course.checks.common.agrees``, whose tolerance comes from the precision and
the length
of the sums (``dlcore.tolerance``). Here each checker gets such answers and must pass them, and
gets its own reference off by 0.1 % in one value and must fail it: the tolerance hides rounding,
not mistakes.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from dlcore.course.checks import (
    architecture,
    back_propagation,
    convolution,
    data,
    forward_propagation,
    loss,
    optimizer,
    recurrent,
    training_loop,
)
from dlcore.course.checks.common import agrees

f32 = np.float32

# Every checker of every notebook, by name (``checks.check_one_hot``), for the tables below.
checks = SimpleNamespace(**{
    name: getattr(module, name)
    for module in (data, architecture, loss, forward_propagation, back_propagation, optimizer,
                   training_loop, convolution, recurrent)
    for name in dir(module) if name.startswith("check_")
})


def F(a):
    """``a`` as float32: the precision a learner working with dlcore's layers computes in."""
    return np.asarray(a, dtype=f32)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def term_by_term(A, B):
    """A @ B added one term at a time, last term first: the opposite order of most BLAS."""
    out = np.zeros((A.shape[0], B.shape[1]), dtype=np.result_type(A, B))
    for d in reversed(range(A.shape[1])):
        out += A[:, [d]] * B[[d]]
    return out


# --- right answers computed another way, one or more per checker -------------------------------


def standardize_f32(X_train, X_test):
    mean, std = F(X_train).mean(axis=0), F(X_train).std(axis=0)
    return (F(X_train) - mean) / std, (F(X_test) - mean) / std


def standardize_by_variance_loop(X_train, X_test):
    mean = sum(X_train[i] for i in reversed(range(len(X_train)))) / len(X_train)
    std = np.sqrt(sum((x - mean) ** 2 for x in X_train[::-1]) / len(X_train))
    return (X_train - mean) / std, (X_test - mean) / std


def two_layer_f32(X, W1, b1, W2, b2):
    Z1 = F(X) @ F(W1) + F(b1)
    A1 = np.maximum(Z1, 0)
    return softmax(A1 @ F(W2) + F(b2)), (F(X), Z1, A1)


def two_layer_columns(X, W1, b1, W2, b2):
    Z1 = (W1.T @ X.T + b1[:, None]).T
    A1 = np.maximum(Z1, 0)
    return softmax((W2.T @ A1.T + b2[:, None]).T), (X, Z1, A1)


def dense_backward_f32(dZ, X, W):
    return F(dZ) @ F(W).T, F(X).T @ F(dZ), F(dZ).sum(axis=0)


def dense_backward_loops(dZ, X, W):
    return term_by_term(dZ, W.T), term_by_term(X.T, dZ), dZ[::-1].sum(axis=0)


def adam_f32(w, g, m, v, t, lr, beta1, beta2, eps):
    """Every number in float32, the hyper-parameters too (so 1 - beta2 loses digits)."""
    w, g, m, v = F(w), F(g), F(m), F(v)
    beta1, beta2, lr, eps = f32(beta1), f32(beta2), f32(lr), f32(eps)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def correlate_einsum_f32(image, kernel):
    windows = np.lib.stride_tricks.sliding_window_view(F(image), kernel.shape)
    return np.einsum("rcij,ij->rc", windows, F(kernel))


def correlate_by_kernel_entry(image, kernel):
    """Sum over the kernel's entries of shifted images: each output adds in another order."""
    (H, W), (kh, kw) = image.shape, kernel.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in reversed(range(kh)):
        for j in reversed(range(kw)):
            out += kernel[i, j] * image[i:i + H - kh + 1, j:j + W - kw + 1]
    return out


def rnn_step_concatenated_f32(x_t, h_prev, W_xh, W_hh, b):
    """One product of [h_prev, x_t] with the stacked weights, in float32."""
    return np.tanh(np.concatenate([F(h_prev), F(x_t)], axis=1)
                   @ np.concatenate([F(W_hh), F(W_xh)]) + F(b))


def rnn_forward_f32(x, W_xh, W_hh, b):
    x, W_xh, W_hh, b = F(x), F(W_xh), F(W_hh), F(b)
    h = np.zeros((x.shape[0], W_hh.shape[0]), dtype=f32)
    states = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W_xh + h @ W_hh + b)
        states.append(h)
    return np.stack(states, axis=1)


def clip_f32(grads, max_norm):
    norm = np.sqrt(sum(np.sum(F(g) ** 2) for g in grads))
    return [F(g) * min(f32(1), f32(max_norm) / norm) for g in grads]


def clip_one_number_at_a_time(grads, max_norm):
    norm = np.sqrt(sum(float(v) ** 2 for g in grads[::-1] for v in g.ravel()[::-1]))
    return [g * (max_norm / norm) if norm > max_norm else g for g in grads]


OTHER_WAYS = [
    (checks.check_one_hot, lambda labels, k: np.eye(k, dtype=f32)[labels], "one_hot-eye-float32"),
    (checks.check_standardize_train_test, standardize_f32, "standardize-float32"),
    (checks.check_standardize_train_test, standardize_by_variance_loop, "standardize-loops"),
    (checks.check_neuron, lambda x, w, b: np.maximum(F(x) @ F(w) + f32(b), 0), "neuron-float32"),
    (checks.check_neuron, lambda x, w, b: np.maximum(np.einsum("nd,d->n", x, w) + b, 0),
     "neuron-einsum"),
    (checks.check_sigmoid_derivative, lambda z: sigmoid(F(z)) * (1 - sigmoid(F(z))),
     "sigmoid_derivative-float32"),
    (checks.check_sigmoid_derivative, lambda z: np.exp(-F(z)) / (1 + np.exp(-F(z))) ** 2,
     "sigmoid_derivative-exp-form-float32"),
    (checks.check_mse, lambda y_hat, y: np.mean((F(y_hat) - F(y)) ** 2), "mse-float32"),
    (checks.check_mse, lambda y_hat, y: sum(float(d) ** 2 for d in (y_hat - y).ravel()[::-1])
     / y.size, "mse-loop-backwards"),
    (checks.check_binary_cross_entropy,
     lambda p, y: -np.mean(F(y) * np.log(F(p)) + (1 - F(y)) * np.log(1 - F(p))), "bce-float32"),
    (checks.check_binary_cross_entropy,
     lambda p, y: -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)), "bce-log1p"),
    (checks.check_categorical_cross_entropy,
     lambda P, Y: -np.sum(F(Y) * np.log(F(P)), axis=1).mean(), "cce-float32"),
    (checks.check_dense_forward, lambda X, W, b: F(X) @ F(W) + F(b), "dense-float32"),
    (checks.check_dense_forward, lambda X, W, b: term_by_term(F(X), F(W)) + F(b),
     "dense-float32-term-by-term"),
    (checks.check_dense_forward, lambda X, W, b: (W.T @ X.T + b[:, None]).T, "dense-column-form"),
    (checks.check_dense_forward_columns, lambda A, W, b: F(W) @ F(A) + F(b), "columns-float32"),
    (checks.check_dense_forward_columns,
     lambda A, W, b: np.einsum("ij,jm->im", W, A) + b, "columns-einsum"),
    (checks.check_two_layer_forward, two_layer_f32, "two_layer-float32"),
    (checks.check_two_layer_forward, two_layer_columns, "two_layer-column-form"),
    (checks.check_sigmoid_backward, lambda d, z: F(d) * sigmoid(F(z)) * (1 - sigmoid(F(z))),
     "sigmoid_backward-float32"),
    (checks.check_dense_backward, dense_backward_f32, "dense_backward-float32"),
    (checks.check_dense_backward, dense_backward_loops, "dense_backward-term-by-term"),
    (checks.check_sgd_step, lambda w, g, lr: F(w) - f32(lr) * F(g), "sgd-float32"),
    (checks.check_adam_step, adam_f32, "adam-float32"),
    (checks.check_accuracy_from_proba, lambda P, y: np.mean(F(P).argmax(axis=1) == y, dtype=f32),
     "accuracy-float32"),
    (checks.check_correlate2d, correlate_einsum_f32, "correlate2d-einsum-float32"),
    (checks.check_correlate2d, correlate_by_kernel_entry, "correlate2d-by-kernel-entry"),
    (checks.check_max_pool,
     lambda x: F(x).reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).max(axis=(1, 3)),
     "max_pool-float32"),
    (checks.check_rnn_step, lambda x, h, W_xh, W_hh, b: np.tanh(F(x) @ F(W_xh) + F(h) @ F(W_hh)
                                                               + F(b)), "rnn_step-float32"),
    (checks.check_rnn_step, rnn_step_concatenated_f32, "rnn_step-stacked-weights-float32"),
    (checks.check_rnn_forward, rnn_forward_f32, "rnn_forward-float32"),
    (checks.check_clip_by_global_norm, clip_f32, "clip-float32"),
    (checks.check_clip_by_global_norm, clip_one_number_at_a_time, "clip-one-number-at-a-time"),
]


@pytest.mark.parametrize("checker, right", [pytest.param(c, f, id=i) for c, f, i in OTHER_WAYS])
def test_a_right_answer_computed_another_way_passes(checker, right, capsys):
    result = checker(right)
    assert result.passed, result.message
    assert capsys.readouterr().out.startswith("✅")


# --- the same references, off by 0.1 % in one value ---------------------------------------------


def adam_reference(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def train_one_epoch_reference(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    losses = []
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        optimizer.zero_grad()
        losses.append(loss_fn(model.forward(X[idx]), y[idx]))
        model.backward(loss_fn.backward())
        optimizer.step()
    return losses


def numerical_gradient_reference(f, x, h):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


REFERENCES = [
    (checks.check_standardize_train_test, lambda a, b: (
        (a - a.mean(axis=0)) / a.std(axis=0), (b - a.mean(axis=0)) / a.std(axis=0))),
    (checks.check_neuron, lambda x, w, b: np.maximum(x @ w + b, 0)),
    (checks.check_sigmoid_derivative, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    (checks.check_mse, lambda y_hat, y: np.mean((y_hat - y) ** 2)),
    (checks.check_binary_cross_entropy,
     lambda p, y: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
    (checks.check_categorical_cross_entropy, lambda P, Y: -np.sum(Y * np.log(P)) / len(P)),
    (checks.check_dense_forward, lambda X, W, b: X @ W + b),
    (checks.check_dense_forward_columns, lambda A, W, b: W @ A + b),
    (checks.check_two_layer_forward, lambda X, W1, b1, W2, b2: (
        softmax(np.maximum(X @ W1 + b1, 0) @ W2 + b2),
        (X, X @ W1 + b1, np.maximum(X @ W1 + b1, 0)))),
    (checks.check_sigmoid_backward, lambda d, z: d * sigmoid(z) * (1 - sigmoid(z))),
    (checks.check_dense_backward, lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ.sum(axis=0))),
    (checks.check_numerical_gradient, numerical_gradient_reference),
    (checks.check_sgd_step, lambda w, g, lr: w - lr * g),
    (checks.check_adam_step, adam_reference),
    (checks.check_train_one_epoch, train_one_epoch_reference),
    (checks.check_accuracy_from_proba, lambda P, y: np.mean(P.argmax(axis=1) == y)),
    (checks.check_correlate2d, correlate_by_kernel_entry),
    (checks.check_max_pool, lambda x: x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2)
     .max(axis=(1, 3))),
    (checks.check_rnn_step, lambda x, h, W_xh, W_hh, b: np.tanh(x @ W_xh + h @ W_hh + b)),
    (checks.check_rnn_forward, lambda x, W_xh, W_hh, b: rnn_forward_f32(x, W_xh, W_hh, b)
     .astype(np.float64)),
    (checks.check_clip_by_global_norm, clip_one_number_at_a_time),
]


def off_by_a_thousandth(value):
    """``value`` with its first number moved by 0.1 % of the largest (the first array of a tuple)."""
    if isinstance(value, (tuple, list)):
        return type(value)([off_by_a_thousandth(value[0]), *value[1:]])
    out = np.array(value, dtype=float)
    out.flat[0] += 1e-3 * np.max(np.abs(out))
    return out


@pytest.mark.parametrize("checker, right", REFERENCES, ids=[c.__name__ for c, _ in REFERENCES])
def test_the_reference_passes_and_a_near_miss_fails(checker, right):
    assert checker(right).passed

    def near_miss(*args, **kwargs):
        return off_by_a_thousandth(right(*args, **kwargs))

    result = checker(near_miss)
    assert not result.passed and result.message.startswith("❌"), result.message


# --- agrees, the comparison behind every checker -------------------------------------------------


def test_agrees_allows_float32_rounding_of_long_sums_only():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 300))
    W = rng.standard_normal((300, 5))
    exact = X @ W
    in_float32 = (F(X) @ F(W)).astype(np.float64)
    scale = np.max(np.abs(X) @ np.abs(W))
    assert agrees(in_float32, exact, n_terms=300, scale=scale)
    assert not agrees(in_float32, exact, n_terms=300, scale=scale, dtype=np.float64,
                      atol=0, rtol=0)  # float32 rounding is not float64 rounding
    assert not agrees(exact - X[:, [0]] * W[[0]], exact, n_terms=300, scale=scale)  # one term


def test_agrees_needs_the_same_shape_and_the_same_infinities():
    assert not agrees(np.zeros((2, 3)), np.zeros((3, 2)))
    assert not agrees(np.zeros(3), np.zeros((3, 1)))
    assert agrees([np.inf, 1.0], [np.inf, 1.0])
    assert not agrees([1e300, 1.0], [np.inf, 1.0])
    assert not agrees([-np.inf, 1.0], [np.inf, 1.0])
    assert not agrees([np.nan, 1.0], [1.0, 1.0])


def test_agrees_takes_one_scale_per_value():
    # the same absolute error is rounding for a value built from large terms, not for a small one
    expected = np.array([1000.0, 1.0])
    out = expected + 1e-4
    assert agrees(out, expected, n_terms=10, scale=np.array([1000.0, 1000.0]), atol=0, rtol=0)
    assert not agrees(out, expected, n_terms=10, scale=np.array([1000.0, 1.0]), atol=0, rtol=0)
