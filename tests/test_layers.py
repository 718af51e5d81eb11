"""Dense, Dropout, Flatten, BatchNorm: known forward values, float64 gradient checks, state and
bad input."""

import numpy as np
import pytest
from helpers import grads_when_dx_is_skipped, layer_gradient_errors

from dlcore import io
from dlcore.activations import ReLU
from dlcore.gradcheck import check_layer
from dlcore.layers import BatchNorm, Dense, Dropout, Flatten
from dlcore.losses import SoftmaxCrossEntropy
from dlcore.module import Sequential
from dlcore.optim import SGD
from dlcore.tolerance import assert_close
from dlcore.train import EarlyStopping, fit


def test_dense_forward_known_value():
    layer = Dense(2, 3)
    layer.W.value[...] = [[1, 2, 3], [4, 5, 6]]
    layer.b.value[...] = [0.5, -1, 0]
    x = np.array([[1.0, 1.0], [0.0, 2.0]], dtype=np.float32)
    # row 0: [1+4, 2+5, 3+6] + b ; row 1: [8, 10, 12] + b
    assert_close(layer.forward(x), [[5.5, 6.0, 9.0], [8.5, 9.0, 12.0]], n_terms=3,
                 what="Dense's float32 output and the sums by hand")


def test_bias_is_the_threshold_example():
    # weighted sum -0.35: a ReLU neuron stays silent; a bias of +1 makes it fire with 0.65
    layer = Dense(1, 1)
    layer.W.value[...] = 1.0
    x = np.array([[-0.35]], dtype=np.float32)
    assert np.maximum(layer.forward(x), 0)[0, 0] == 0.0
    layer.b.value[...] = 1.0
    assert_close(np.maximum(layer.forward(x), 0)[0, 0], 0.65, n_terms=2,
                 what="relu(-0.35 + 1) and 0.65")


def test_dense_gradient_check_float64():
    rng = np.random.default_rng(1)
    layer = Dense(4, 3, seed=0, dtype=np.float64)
    x = rng.standard_normal((5, 4))
    dout = rng.standard_normal((5, 3))
    errors = layer_gradient_errors(layer, x, dout)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-6, errors


def test_dense_backward_accumulates_until_zero_grad():
    layer = Dense(3, 2, seed=0)
    x = np.ones((2, 3), dtype=np.float32)
    layer.forward(x)
    layer.backward(np.ones((2, 2), dtype=np.float32))
    first = layer.W.grad.copy()
    layer.backward(np.ones((2, 2), dtype=np.float32))
    assert_close(layer.W.grad, 2 * first, n_terms=2 * len(x), what="two backward passes and twice one")
    layer.zero_grad()
    assert not layer.W.grad.any() and not layer.b.grad.any()


def test_dense_without_input_grad_returns_none_and_the_same_parameter_grads():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 5))
    dout = rng.standard_normal((6, 4))
    grads = grads_when_dx_is_skipped(lambda: Dense(5, 4, seed=2, dtype=np.float64), x, dout)
    assert set(grads) == {"W", "b"}
    # dW = x.T @ dout and db = sum of dout's rows, whether dx is computed or not
    assert np.allclose(grads["W"], x.T @ dout) and np.allclose(grads["b"], dout.sum(axis=0))


def test_dense_defaults_float32_and_seeded():
    a, b = Dense(5, 4, seed=7), Dense(5, 4, seed=7)
    assert a.W.value.dtype == np.float32 and a.b.value.dtype == np.float32
    assert np.array_equal(a.W.value, b.W.value)
    assert not np.array_equal(a.W.value, Dense(5, 4, seed=8).W.value)
    assert a.num_parameters() == 5 * 4 + 4


def test_dense_to_float64_for_gradient_checks():
    layer = Dense(3, 2, seed=0).to(np.float64)
    assert layer.W.value.dtype == np.float64 and layer.W.grad.dtype == np.float64


def test_dense_wrong_input_width_names_both_shapes():
    layer = Dense(64, 10)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 64\).*\(32, 100\).*Dense\(100, 10\)"):
        layer.forward(np.zeros((32, 100), dtype=np.float32))


def test_dense_single_sample_hint():
    with pytest.raises(ValueError, match=r"\(N, 3\).*shape \(3,\).*reshape\(1, -1\)"):
        Dense(3, 2).forward(np.zeros(3))


def test_dense_image_batch_hint_flatten():
    with pytest.raises(ValueError, match=r"\(N, 64\).*\(10, 8, 8\).*Flatten"):
        Dense(64, 2).forward(np.zeros((10, 8, 8)))


@pytest.mark.parametrize("bad", [0, -3])
def test_dense_rejects_sizes_below_one(bad):
    with pytest.raises(ValueError, match=rf"expected in_features to be a positive integer, received {bad}\. Hint"):
        Dense(bad, 3)


@pytest.mark.parametrize("bad, kind", [(2.5, "float"), ("10", "str"), (True, "bool")])
def test_dense_rejects_sizes_that_are_not_integers(bad, kind):
    with pytest.raises(TypeError, match=rf"expected out_features to be a positive integer, received {kind}"):
        Dense(3, bad)


def test_dense_unknown_init_name():
    with pytest.raises(ValueError, match=r"expected one of.*received 'uniform'"):
        Dense(3, 2, init="uniform")


def test_dropout_train_and_eval():
    layer = Dropout(0.5, seed=0)
    x = np.ones((1000, 20), dtype=np.float32)
    out = layer.forward(x)
    kept = out != 0
    assert 0.45 < kept.mean() < 0.55
    assert_close(out[kept], np.full(kept.sum(), 2.0, dtype=np.float32),
                 what="the survivors and 1 / (1 - p)")  # survivors scaled by 1 / (1 - p)
    assert np.array_equal(layer.backward(np.ones_like(x)) != 0, kept)
    layer.eval()
    assert np.array_equal(layer.forward(x), x)
    assert np.array_equal(layer.backward(x), x)


@pytest.mark.parametrize("bad", [1.0, -0.1, 1.5])
def test_dropout_rejects_bad_p(bad):
    with pytest.raises(ValueError, match=r"expected p .* in \[0, 1\), received"):
        Dropout(bad)


def test_flatten_round_trip():
    layer = Flatten()
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    out = layer.forward(x)
    assert out.shape == (2, 12) and np.array_equal(out[1], np.arange(12, 24))
    assert layer.backward(out).shape == (2, 3, 4)
    assert layer.output_shape((None, 1, 8, 8)) == (None, 64)


def test_flatten_needs_a_batch():
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*shape \(5,\)"):
        Flatten().forward(np.zeros(5))


# --- BatchNorm -----------------------------------------------------------------------------------


def test_batchnorm_training_gives_each_feature_mean_0_and_variance_1():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 3)) * [1.0, 5.0, 0.1] + [3.0, -2.0, 10.0]).astype(np.float32)
    layer = BatchNorm(3)
    out = layer.forward(x)
    assert out.dtype == np.float32 and out.shape == (64, 3)
    assert_close(out.mean(axis=0), np.zeros(3), n_terms=64, scale=1.0)
    assert_close(out.var(axis=0), np.ones(3) - 1e-5 / x.var(axis=0), n_terms=64, scale=1.0)
    # gamma and beta scale and shift the normalised values
    layer.gamma.value[...] = 2.0
    layer.beta.value[...] = [1.0, 0.0, -1.0]
    assert_close(layer.forward(x), 2.0 * out + np.array([1.0, 0.0, -1.0]), n_terms=64)


def test_batchnorm_running_statistics_and_eval_mode():
    x = np.array([[1.0, 2.0], [3.0, 6.0]])  # means [2, 4], biased variances [1, 4]
    layer = BatchNorm(2, momentum=0.1, dtype=np.float64)
    layer.forward(x)
    # running <- 0.9 * running + 0.1 * batch; the variance unbiased: var * M / (M - 1), M = 2
    assert_close(layer.running_mean, [0.2, 0.4])
    assert_close(layer.running_var, [0.9 * 1 + 0.1 * 2, 0.9 * 1 + 0.1 * 8])
    layer.eval()
    out = layer.forward(x)  # the running statistics, not the batch's
    assert_close(out, (x - layer.running_mean) / np.sqrt(layer.running_var + 1e-5))
    one = layer.forward(x[:1])  # a single sample in eval mode: its own prediction
    assert_close(one, out[:1])
    assert_close(layer.running_mean, [0.2, 0.4])  # eval mode does not update them


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 3)])
def test_batchnorm_gradient_check_in_training_mode(shape):
    # (N, D) after Dense and (N, C, H, W) after Conv2D; batch statistics depend on every sample
    rng = np.random.default_rng(1)
    layer = BatchNorm(4, dtype=np.float64)
    layer.gamma.value[...] = rng.standard_normal(4)
    layer.beta.value[...] = rng.standard_normal(4)
    x = rng.standard_normal(shape)
    errors = layer_gradient_errors(layer, x, rng.standard_normal(shape))
    assert set(errors) == {"x", "gamma", "beta"}
    assert max(errors.values()) < 1e-6, errors


def test_batchnorm_gradient_check_in_eval_mode():
    rng = np.random.default_rng(2)
    layer = BatchNorm(3, dtype=np.float64)
    layer.forward(rng.standard_normal((8, 3)) * 2 + 1)  # some running statistics
    layer.eval()
    errors = layer_gradient_errors(layer, rng.standard_normal((5, 3)), rng.standard_normal((5, 3)))
    assert max(errors.values()) < 1e-6, errors
    assert check_layer(BatchNorm(3), rng.standard_normal((5, 3)), mode="train")


def test_batchnorm_state_is_cast_saved_loaded_and_restored(tmp_path):
    rng = np.random.default_rng(3)
    model = Sequential(Dense(3, 4, seed=0), BatchNorm(4), ReLU(), Dense(4, 2, seed=1))
    model.forward(rng.standard_normal((16, 3)).astype(np.float32) * 3 + 1)
    bn = model[1]
    assert [name for name, _ in model.named_buffers()] == [
        "layers[1].running_mean", "layers[1].running_var"]
    # saved and loaded: the buffers come back, not zeros
    loaded = io.load(io.save(model, tmp_path / "bn"))
    np.testing.assert_array_equal(loaded[1].running_mean, bn.running_mean)
    np.testing.assert_array_equal(loaded[1].running_var, bn.running_var)
    X = rng.standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    # cast: the buffers follow the parameters
    model.to(np.float64)
    assert bn.running_mean.dtype == bn.running_var.dtype == np.float64
    assert io.load(io.save(model, tmp_path / "bn64"))[1].running_var.dtype == np.float64
    # load_state_dict (what EarlyStopping uses) puts the buffers back too
    state = model.state_dict()
    model.forward(rng.standard_normal((16, 3)) + 5)
    assert not np.allclose(bn.running_mean, state["layers[1].running_mean"])
    model.load_state_dict(state)
    np.testing.assert_array_equal(bn.running_mean, state["layers[1].running_mean"])


def test_early_stopping_restores_the_running_statistics_of_the_best_epoch():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((64, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    X_val, y_val = X[:16], 1 - y[:16]  # flipped labels: validation gets worse as training works
    model = Sequential(Dense(2, 4, seed=0), BatchNorm(4), ReLU(), Dense(4, 2, seed=1))
    snapshots = {}

    class Snapshot:
        def on_epoch_end(self, epoch, history, model):
            snapshots[epoch] = model.state_dict()
            return False

    stopper = EarlyStopping(patience=2)
    history = fit(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.5), X, y, epochs=8,
                  batch_size=16, validation_data=(X_val, y_val), seed=0, progress=False,
                  callbacks=[Snapshot(), stopper])
    best = snapshots[stopper.best_epoch]
    assert stopper.best_epoch < history.epochs_run
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, best[name], err_msg=name)


def test_batchnorm_bad_input_and_arguments():
    with pytest.raises(ValueError, match=r"BatchNorm\(4\): expected x of shape \(N, 4\) after "
                                         r"Dense or \(N, 4, H, W\) after Conv2D, received array "
                                         r"of shape \(2, 3\)"):
        BatchNorm(4).forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"more than one number per feature.*batches of 2"):
        BatchNorm(3).forward(np.zeros((1, 3)))
    with pytest.raises(TypeError, match=r"num_features to be a positive integer, received float"):
        BatchNorm(2.0)
    with pytest.raises(ValueError, match=r"momentum to be a number in \[0, 1\), received 1\.5"):
        BatchNorm(2, momentum=1.5)
    assert BatchNorm(4).output_shape((None, 4, 5, 5)) == (None, 4, 5, 5)
    assert repr(BatchNorm(4)) == "BatchNorm(num_features=4, momentum=0.1, eps=1e-05)"
