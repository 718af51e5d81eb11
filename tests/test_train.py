"""Tests for dlcore.train: the loop, its bookkeeping, determinism, divergence, early stopping."""

import numpy as np
import pytest

from dlcore.activations import ReLU, Tanh
from dlcore.data import BatchLoader
from dlcore.layers import Dense, Dropout
from dlcore.losses import MSE, SoftmaxCrossEntropy
from dlcore.module import Layer, Sequential
from dlcore.optim import SGD, Adam
from dlcore.train import (
    EarlyStopping,
    Evaluation,
    History,
    TrainingDiverged,
    evaluate,
    fit,
    train_epoch,
)


def blobs(n=600, seed=0):
    """Three well separated Gaussian blobs in 2-D, labels 0, 1, 2 (generated here, seeded)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    y = rng.integers(0, 3, n)
    X = centres[y] + rng.standard_normal((n, 2))
    return X.astype(np.float32), y


def classifier(seed=0):
    return Sequential(Dense(2, 16, seed=seed), Tanh(), Dense(16, 3, seed=seed + 1))


def train_classifier(seed, model_seed=0, epochs=3):
    X, y = blobs()
    model = classifier(model_seed)
    history = fit(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.1, momentum=0.9),
                  X[:400], y[:400], epochs=epochs, batch_size=32,
                  validation_data=(X[400:], y[400:]), seed=seed, progress=False)
    return model, history


# --- the loop --------------------------------------------------------------------------------------


def test_train_epoch_is_the_hand_written_loop_of_notebook_07():
    X, y = blobs(n=100)
    X = X.astype(np.float32)
    by_hand, by_dlcore = classifier(seed=3), classifier(seed=3)
    loss_fn = SoftmaxCrossEntropy()
    optimizer = SGD(by_hand.parameters(), lr=0.1)
    losses = []
    for X_batch, y_batch in BatchLoader(X, y, 32, seed=0):   # the loop as 07 writes it
        optimizer.zero_grad()
        y_hat = by_hand.forward(X_batch)
        losses.append(loss_fn(y_hat, y_batch))
        by_hand.backward(loss_fn.backward())
        optimizer.step()
    seen = []
    train_epoch(by_dlcore, SoftmaxCrossEntropy(), SGD(by_dlcore.parameters(), lr=0.1),
                BatchLoader(X, y, 32, seed=0), on_batch=lambda L, y_hat, yb: seen.append(L))
    assert seen == losses  # the same steps in the same order: bit-identical
    for a, b in zip(by_hand.parameters(), by_dlcore.parameters(), strict=True):
        np.testing.assert_array_equal(a.value, b.value)
    # fit's first epoch is that epoch (fit only lets the first layer skip dL/dX)
    by_fit = classifier(seed=3)
    history = fit(by_fit, SoftmaxCrossEntropy(), SGD(by_fit.parameters(), lr=0.1), X, y,
                  epochs=1, batch_size=32, seed=0, progress=False)
    assert history.batch_loss == losses
    for a, b in zip(by_hand.parameters(), by_fit.parameters(), strict=True):
        np.testing.assert_array_equal(a.value, b.value)


def test_number_of_iterations():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6400, 4)).astype(np.float32)
    y = rng.integers(0, 3, 6400)
    model = Sequential(Dense(4, 3, seed=0))
    history = fit(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.01), X, y,
                  epochs=3, batch_size=64, seed=0, progress=False)
    assert isinstance(history, History)
    assert history.iterations_per_epoch == 100  # 6400 / 64
    assert len(history.batch_loss) == 3 * 100
    assert history.epochs_run == 3 and history.epochs == [1, 2, 3]
    assert len(history.loss) == len(history.accuracy) == len(history.epoch_time) == 3
    assert history.val_loss == [] and history.val_accuracy == []
    assert not history.stopped_early and history.stop_reason is None


def test_uneven_last_batch_and_epoch_loss_is_the_weighted_mean():
    X, y = blobs(n=100)
    model = classifier()
    history = fit(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.01), X, y,
                  epochs=2, batch_size=32, seed=0, progress=False)
    assert history.iterations_per_epoch == 4  # 32 + 32 + 32 + 4
    first_epoch = np.array(history.batch_loss[:4])
    expected = (first_epoch[:3].sum() * 32 + first_epoch[3] * 4) / 100
    assert history.loss[0] == pytest.approx(expected, rel=1e-12)
    assert history.loss[0] != pytest.approx(first_epoch.mean(), rel=1e-6)


def test_loss_decreases_and_accuracy_is_reported():
    model, history = train_classifier(seed=0, epochs=5)
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.val_loss[-1] < history.val_loss[0]
    assert history.val_accuracy[-1] > 0.9
    assert all(0.0 <= a <= 1.0 for a in history.accuracy + history.val_accuracy)
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    # validation numbers agree with evaluate on the same data and final weights
    X, y = blobs()
    ev = evaluate(model, SoftmaxCrossEntropy(), X[400:], y[400:])
    assert ev.loss == pytest.approx(history.val_loss[-1], rel=1e-6)
    assert ev.accuracy == pytest.approx(history.val_accuracy[-1])


def test_regression_has_no_accuracy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3)).astype(np.float32)
    y = X @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
    model = Sequential(Dense(3, 1, seed=0))
    history = fit(model, MSE(), SGD(model.parameters(), lr=0.05), X, y, epochs=5,
                  batch_size=20, validation_data=(X[:50], y[:50]), seed=0, progress=False)
    assert history.accuracy == [] and history.val_accuracy == []
    assert history.loss[-1] < 0.01 * history.loss[0]


def test_determinism_same_seed_bit_identical():
    m1, h1 = train_classifier(seed=7)
    m2, h2 = train_classifier(seed=7)
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        assert np.array_equal(p.value, q.value)
    for name in ("loss", "val_loss", "accuracy", "val_accuracy", "batch_loss"):
        assert getattr(h1, name) == getattr(h2, name), name
    assert h1.best_epoch == h2.best_epoch


def test_different_seeds_differ():
    m1, h1 = train_classifier(seed=1)
    m2, h2 = train_classifier(seed=2)
    assert h1.batch_loss != h2.batch_loss
    assert not np.array_equal(m1.parameters()[0].value, m2.parameters()[0].value)


def test_fit_does_not_modify_the_callers_data():
    X, y = blobs(n=120)
    X64 = X.astype(np.float64)
    X_copy, y_copy = X64.copy(), y.copy()
    model = classifier()
    fit(model, SoftmaxCrossEntropy(), SGD(model.parameters()), X64, y, epochs=2, batch_size=16,
        validation_data=(X64[:20], y[:20]), seed=0, shuffle=True, progress=False)
    np.testing.assert_array_equal(X64, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    assert X64.dtype == np.float64


class DtypeSpy(Layer):
    """Passes its input through and remembers the dtypes it saw."""

    def __init__(self):
        self.seen = set()

    def forward(self, x):
        self.seen.add(x.dtype)
        return x

    def backward(self, dout):
        return dout


def test_inputs_are_cast_to_the_models_dtype():
    X, y = blobs(n=64)
    spy = DtypeSpy()
    model = Sequential(spy, Dense(2, 3, seed=0))
    fit(model, SoftmaxCrossEntropy(), SGD(model.parameters()), X.astype(np.float64), y,
        epochs=1, batch_size=16, validation_data=(X.astype(np.float64), y), progress=False)
    assert spy.seen == {np.dtype(np.float32)}
    spy.seen.clear()
    model.to(np.float64)
    fit(model, SoftmaxCrossEntropy(), SGD(model.parameters()), X, y, epochs=1, batch_size=16,
        progress=False)
    assert spy.seen == {np.dtype(np.float64)}


class ModeSpy(Layer):
    def __init__(self):
        self.modes = []

    def forward(self, x):
        self.modes.append(self.training)
        return x

    def backward(self, dout):
        return dout


def test_train_mode_during_fit_eval_for_validation_and_mode_restored():
    X, y = blobs(n=64)
    spy = ModeSpy()
    model = Sequential(spy, Dense(2, 3, seed=0), Dropout(0.2, seed=0))
    model.eval()
    fit(model, SoftmaxCrossEntropy(), SGD(model.parameters()), X, y, epochs=1, batch_size=32,
        validation_data=(X[:10], y[:10]), progress=False)
    # the first samples of X and X_val checked against the model (eval mode, before any
    # update), then two training batches and one validation batch
    assert spy.modes == [False, False, True, True, False]
    assert model.training is False and model[2].training is False
    model.train()
    evaluate(model, SoftmaxCrossEntropy(), X, y)
    assert spy.modes[-1] is False
    assert model.training is True


def test_progress_bar_runs(capsys):
    X, y = blobs(n=64)
    model = classifier()
    history = fit(model, SoftmaxCrossEntropy(), SGD(model.parameters()), X, y, epochs=2,
                  batch_size=32, validation_data=(X, y), seed=0, progress=True)
    assert history.epochs_run == 2
    err = capsys.readouterr().err
    assert "2/2" in err and "val_loss" in err


def test_history_repr_is_readable():
    _, history = train_classifier(seed=0, epochs=2)
    text = repr(history)
    assert text.startswith("History(epochs_run=2, iterations_per_epoch=13, loss ")
    assert "val_accuracy" in text and "best_epoch=" in text


# --- divergence --------------------------------------------------------------------------------


def test_divergence_raises_and_names_epoch_iteration_and_remedy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 3))
    y = X @ np.array([[1.0], [2.0], [-1.0]])
    model = Sequential(Dense(3, 8, seed=0), Dense(8, 1, seed=1))
    with pytest.raises(TrainingDiverged, match=r"diverged at epoch 1, iteration \d+ of 8.*last "
                                               r"finite batch loss was .*lr=1e\+06 is far above "
                                               r"the usual range for SGD.*standardise the inputs.*from-logits") as info:
        fit(model, MSE(), SGD(model.parameters(), lr=1e6), X, y, epochs=3, batch_size=32, seed=0,
            progress=False)
    exc = info.value
    assert isinstance(exc, FloatingPointError)
    assert exc.epoch == 1 and 1 < exc.iteration <= 8
    assert exc.last_finite_loss == exc.history.batch_loss[-1]
    assert len(exc.history.batch_loss) == exc.iteration - 1  # every finite loss before it


class ExplodingLayer(Layer):
    """Identity forward; its backward returns a NaN gradient at the third call."""

    def __init__(self):
        self.calls = 0

    def forward(self, x):
        return x

    def backward(self, dout):
        self.calls += 1
        return dout * np.nan if self.calls == 3 else dout


def test_nan_weights_are_caught_with_the_iteration():
    X, y = blobs(n=128)
    model = Sequential(Dense(2, 3, seed=0), ExplodingLayer(), Dense(3, 3, seed=1))
    with pytest.raises(TrainingDiverged, match=r"epoch 1, iteration 4 of 4"):
        fit(model, SoftmaxCrossEntropy(), SGD(model.parameters()), X, y, epochs=2,
            batch_size=32, seed=0, progress=False)


class NaNAtThirdCall:
    """MSE, except that the third call returns NaN (as a log(0) in a hand-written loss would)."""

    is_classification = False

    def __init__(self):
        self.mse, self.calls = MSE(), 0

    def __call__(self, y_hat, y):
        self.calls += 1
        value = self.mse(y_hat, y)
        return float("nan") if self.calls == 3 else value

    def backward(self):
        return self.mse.backward()


def test_nan_loss_stops_training_at_its_iteration():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 2)).astype(np.float32)
    y = X[:, :1] - X[:, 1:]
    model = Sequential(Dense(2, 1, seed=0))
    with pytest.raises(TrainingDiverged, match=r"epoch 2, iteration 1 of 2: the loss became "
                                               r"nan.*last finite batch loss was") as info:
        fit(model, NaNAtThirdCall(), SGD(model.parameters(), lr=0.01), X, y, epochs=3,
            batch_size=32, seed=0, progress=False)
    history = info.value.history
    assert len(history.batch_loss) == 2 and all(np.isfinite(history.batch_loss))
    assert history.epochs_run == 1 and len(history.loss) == 1


def test_a_wrong_label_is_not_reported_as_divergence():
    X, y = blobs(n=64)
    model = classifier()
    y_val = y.copy()
    y_val[5] = 7  # three classes only
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy") as info:
        fit(model, SoftmaxCrossEntropy(), SGD(model.parameters()), X, y, epochs=1,
            batch_size=32, validation_data=(X, y_val), progress=False)
    assert not isinstance(info.value, TrainingDiverged)


# --- callbacks -----------------------------------------------------------------------------------


class WeightRecorder:
    """A callback that keeps a copy of the weights after every epoch."""

    def __init__(self):
        self.snapshots = {}

    def on_epoch_end(self, epoch, history, model):
        self.snapshots[epoch] = [p.value.copy() for p in model.parameters()]
        return False


def overfitting_regression():
    """Train on y = 2x, validate on y = x: from w = 0 the validation loss falls until w passes 1,
    then rises, so the best epoch is in the middle and early stopping must kick in."""
    x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    return x, 2 * x, x, x.copy()


def test_early_stopping_stops_and_restores_the_best_weights():
    X, y, X_val, y_val = overfitting_regression()
    model = Sequential(Dense(1, 1, init="zeros"))
    recorder, stopper = WeightRecorder(), EarlyStopping(patience=3)
    history = fit(model, MSE(), SGD(model.parameters(), lr=0.2), X, y, epochs=100,
                  batch_size=64, validation_data=(X_val, y_val), callbacks=[recorder, stopper],
                  shuffle=False, progress=False)
    assert history.stopped_early is True
    best = history.best_epoch
    assert 1 < best < history.epochs_run
    assert history.epochs_run == best + 3
    assert stopper.best_epoch == best
    assert "did not improve for 3 epochs" in history.stop_reason
    assert f"epoch {best}" in history.stop_reason
    # the weights are those of the best epoch, not of the last one
    for p, saved in zip(model.parameters(), recorder.snapshots[best], strict=True):
        np.testing.assert_array_equal(p.value, saved)
    assert not np.array_equal(model.parameters()[0].value,
                              recorder.snapshots[history.epochs_run][0])
    assert history.val_loss[best - 1] == min(history.val_loss)


def test_early_stopping_without_restore_keeps_the_last_weights():
    X, y, X_val, y_val = overfitting_regression()
    model = Sequential(Dense(1, 1, init="zeros"))
    recorder = WeightRecorder()
    history = fit(model, MSE(), SGD(model.parameters(), lr=0.2), X, y, epochs=100,
                  batch_size=64, validation_data=(X_val, y_val),
                  callbacks=[recorder, EarlyStopping(patience=2, restore_best=False)],
                  shuffle=False, progress=False)
    assert history.stopped_early
    np.testing.assert_array_equal(model.parameters()[0].value,
                                  recorder.snapshots[history.epochs_run][0])


def test_early_stopping_needs_validation_data():
    X, y, _, _ = overfitting_regression()
    model = Sequential(Dense(1, 1))
    with pytest.raises(ValueError, match=r"EarlyStopping.*expects validation_data=\(X_val, "
                                         r"y_val\), received validation_data=None"):
        fit(model, MSE(), SGD(model.parameters()), X, y, epochs=2, batch_size=8,
            callbacks=[EarlyStopping()], progress=False)


def test_early_stopping_bad_arguments():
    with pytest.raises(ValueError, match=r"patience to be a positive integer.*received 0"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match=r"min_delta to be a number >= 0, received -0.1"):
        EarlyStopping(min_delta=-0.1)


def test_custom_callback_can_stop():
    class StopAtTwo:
        def on_epoch_end(self, epoch, history, model):
            return epoch == 2

    X, y = blobs(n=64)
    model = classifier()
    history = fit(model, SoftmaxCrossEntropy(), SGD(model.parameters()), X, y, epochs=5,
                  batch_size=32, callbacks=[StopAtTwo()], progress=False)
    assert history.epochs_run == 2 and history.stopped_early
    assert history.stop_reason == "StopAtTwo asked to stop after epoch 2"
    with pytest.raises(TypeError, match=r"on_epoch_end.*received object"):
        fit(model, SoftmaxCrossEntropy(), SGD(model.parameters()), X, y, epochs=1,
            batch_size=32, callbacks=[object()], progress=False)


# --- evaluate ------------------------------------------------------------------------------------


def test_evaluate_known_values_weighted_by_batch():
    model = Sequential(Dense(1, 1, init="zeros"))
    model[0].W.value[...] = 2.0  # y_hat = 2x
    X = np.array([[1.0], [2.0], [3.0]], dtype=np.float32)
    y = np.array([[2.0], [4.0], [7.0]], dtype=np.float32)
    # squared errors 0, 0, 1 -> mean 1/3; batches [0, 0] and [1] must be weighted 2:1, not 1:1
    ev = evaluate(model, MSE(), X, y, batch_size=2)
    assert isinstance(ev, Evaluation)
    assert ev.loss == pytest.approx(1 / 3)
    assert ev.accuracy is None
    assert repr(ev) == "Evaluation(loss=0.3333)"


def test_evaluate_classification_accuracy():
    model = Sequential(Dense(2, 2, init="zeros"))
    model[0].W.value[...] = np.eye(2)  # logits = x, so the label is the larger coordinate
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]], dtype=np.float32)
    y = np.array([0, 1, 1])  # the third is predicted 0: accuracy 2/3
    ev = evaluate(model, SoftmaxCrossEntropy(), X, y)
    assert ev.accuracy == pytest.approx(2 / 3)
    # cross-entropy by hand: -log softmax at the true class
    lse = np.log(np.exp(1) + 1)
    expected = ((lse - 1) + (lse - 1) + (np.log(np.exp(2) + np.exp(1)) - 1)) / 3
    assert ev.loss == pytest.approx(expected, rel=1e-6)


# --- bad inputs ----------------------------------------------------------------------------------


@pytest.fixture
def setup():
    X, y = blobs(n=40)
    model = classifier()
    return model, SoftmaxCrossEntropy(), SGD(model.parameters()), X, y


def test_batch_size_zero(setup):
    model, loss, opt, X, y = setup
    with pytest.raises(ValueError, match=r"batch_size to be a positive integer, received 0.*"
                                         r"32 to 256 is usual"):
        fit(model, loss, opt, X, y, epochs=1, batch_size=0, progress=False)


def test_epochs_zero(setup):
    model, loss, opt, X, y = setup
    with pytest.raises(ValueError, match=r"epochs to be a positive integer, received 0"):
        fit(model, loss, opt, X, y, epochs=0, batch_size=8, progress=False)
    # a float where a count is expected is the wrong kind of thing: TypeError, as everywhere
    with pytest.raises(TypeError, match=r"epochs to be a positive integer, received float 2.5"):
        fit(model, loss, opt, X, y, epochs=2.5, batch_size=8, progress=False)


def test_mismatched_lengths(setup):
    model, loss, opt, X, y = setup
    with pytest.raises(ValueError, match=r"same number of samples, received 40 .*and 39"):
        fit(model, loss, opt, X, y[:-1], epochs=1, batch_size=8, progress=False)


def test_nan_in_X_says_how_many_and_where(setup):
    model, loss, opt, X, y = setup
    X = X.copy()
    X[3, 1] = np.nan
    X[7, 0] = np.nan
    with pytest.raises(ValueError, match=r"X to hold finite numbers.*2 NaN and 0 infinite.*first "
                                         r"at index \(3, 1\)"):
        fit(model, loss, opt, X, y, epochs=1, batch_size=8, progress=False)


def test_finite_data_whose_sum_overflows_is_accepted_and_inf_is_caught(setup):
    # the finiteness check sums X first (one pass, no extra memory); a sum that overflows must
    # not be mistaken for bad data, and an infinity must still be found and reported
    from dlcore.train.checks import _check_finite

    model, loss, opt, X, y = setup
    big = np.full((50, 4), 3e38, dtype=np.float32)  # finite numbers whose sum is inf
    with np.errstate(over="ignore"):
        assert np.isinf(big.sum()) and np.isfinite(big).all()
    assert _check_finite(big, "X", "fit") is None
    X_inf = X.copy()
    X_inf[5, 1] = -np.inf
    with pytest.raises(ValueError, match=r"X to hold finite numbers.*0 NaN and 1 infinite.*first "
                                         r"at index \(5, 1\)"):
        fit(model, loss, opt, X_inf, y, epochs=1, batch_size=8, progress=False)


def test_empty_input(setup):
    model, loss, opt, X, y = setup
    with pytest.raises(ValueError, match=r"at least one sample, received X with 0 rows"):
        fit(model, loss, opt, X[:0], y[:0], epochs=1, batch_size=8, progress=False)


def test_validation_data_not_a_pair(setup):
    model, loss, opt, X, y = setup
    with pytest.raises(ValueError, match=r"validation_data to be a pair \(X_val, y_val\), "
                                         r"received ndarray"):
        fit(model, loss, opt, X, y, epochs=1, batch_size=8, validation_data=X, progress=False)
    with pytest.raises(ValueError, match=r"pair \(X_val, y_val\), received tuple of length 3"):
        fit(model, loss, opt, X, y, epochs=1, batch_size=8, validation_data=(X, y, y),
            progress=False)
    with pytest.raises(ValueError, match=r"X_val and y_val to have the same number of samples, "
                                         r"received 40 .*and 10"):
        fit(model, loss, opt, X, y, epochs=1, batch_size=8, validation_data=(X, y[:10]),
            progress=False)


def test_loss_class_instead_of_instance(setup):
    model, _, opt, X, y = setup
    with pytest.raises(TypeError, match=r"loss object such as SoftmaxCrossEntropy\(\), received "
                                        r"MSE.*loss=MSE\(\)"):
        fit(model, MSE, opt, X, y, epochs=1, batch_size=8, progress=False)


def test_optimizer_of_another_model(setup):
    model, loss, _, X, y = setup
    other = classifier(seed=5)
    with pytest.raises(ValueError, match=r"optimizer to update this model's parameters.*holds "
                                         r"none of them.*Adam\(model.parameters\(\)"):
        fit(model, loss, Adam(other.parameters()), X, y, epochs=1, batch_size=8, progress=False)


def test_one_dimensional_X():
    model = Sequential(Dense(1, 1))
    X = np.arange(10, dtype=np.float32)
    with pytest.raises(ValueError, match=r"X of shape \(N, features\), received array of shape "
                                         r"\(10,\).*reshape\(-1, 1\)"):
        fit(model, MSE(), SGD(model.parameters()), X, X, epochs=1, batch_size=2, progress=False)


def test_relu_model_trains_on_blobs():
    # a second architecture, with ReLU and Adam, so the loop is not tied to one setup
    X, y = blobs()
    model = Sequential(Dense(2, 16, seed=0), ReLU(), Dense(16, 3, seed=1))
    history = fit(model, SoftmaxCrossEntropy(), Adam(model.parameters(), lr=0.01), X, y,
                  epochs=3, batch_size=32, seed=0, progress=False)
    assert history.accuracy[-1] > 0.9


def test_one_hot_targets_give_the_same_training_as_labels():
    X, y = blobs(n=200)
    histories = []
    for targets in (y, np.eye(3, dtype=np.float32)[y]):
        model = classifier()
        histories.append(fit(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.1), X,
                             targets, epochs=2, batch_size=32, validation_data=(X, targets),
                             seed=0, progress=False))
    labels, one_hot = histories
    np.testing.assert_allclose(one_hot.batch_loss, labels.batch_loss, rtol=1e-5)
    assert one_hot.accuracy == labels.accuracy
    assert one_hot.val_accuracy == labels.val_accuracy


def test_fit_trains_a_small_cnn_and_rnn():
    from dlcore.conv import Conv2D, MaxPool2D
    from dlcore.layers import Flatten
    from dlcore.recurrent import RNN

    rng = np.random.default_rng(0)
    # images: class 1 has a bright left half, class 0 a bright right half
    y = rng.integers(0, 2, 64)
    images = rng.standard_normal((64, 1, 6, 6)).astype(np.float32) * 0.3
    images[y == 1, :, :, :3] += 1.0
    images[y == 0, :, :, 3:] += 1.0
    cnn = Sequential(Conv2D(1, 2, 3, padding=1, seed=0), ReLU(), MaxPool2D(2), Flatten(),
                     Dense(2 * 3 * 3, 2, seed=1))
    history = fit(cnn, SoftmaxCrossEntropy(), Adam(cnn.parameters(), lr=0.01), images, y,
                  epochs=5, batch_size=16, seed=0, progress=False)
    assert history.loss[-1] < 0.5 * history.loss[0]

    # sequences: the label is the sign of the sum of the first feature over time
    seqs = rng.standard_normal((64, 5, 2)).astype(np.float32)
    y = (seqs[:, :, 0].sum(axis=1) > 0).astype(np.int64)
    rnn = Sequential(RNN(2, 8, seed=0), Dense(8, 2, seed=1))
    history = fit(rnn, SoftmaxCrossEntropy(), Adam(rnn.parameters(), lr=0.01), seqs, y,
                  epochs=5, batch_size=16, seed=0, progress=False)
    assert history.loss[-1] < 0.8 * history.loss[0]


def test_fit_gives_back_the_input_gradient_afterwards():
    # fit lets the first layer skip dL/dX while training; by hand, backward must return it again
    X, y = blobs(n=64)
    model = classifier()
    fit(model, SoftmaxCrossEntropy(), SGD(model.parameters()), X, y, epochs=1, batch_size=32,
        progress=False)
    assert model.needs_input_grad is True
    model.forward(X[:4])
    dx = model.backward(np.ones((4, 3), dtype=np.float32))
    assert dx is not None and dx.shape == (4, 2)


def test_summary_line_states_the_final_numbers():
    from dlcore.train import History
    from dlcore.train.loop import _summary_line

    history = History(iterations_per_epoch=3)
    history.loss, history.val_loss, history.val_accuracy = [0.9, 0.05213], [1.0, 0.09342], [0.5, 0.972]
    history.epoch_time = [0.5, 0.7]
    assert _summary_line(history) == "fit: 2 epochs in 1.2 s; loss 0.05213, val_loss 0.09342, val_accuracy 0.972"


def test_in_a_notebook_fit_prints_the_final_numbers_under_the_widget_bar(monkeypatch, capsys):
    import tqdm.auto
    import tqdm.notebook

    X, y = blobs()
    monkeypatch.setattr(tqdm.auto, "tqdm", tqdm.notebook.tqdm_notebook)  # as inside Jupyter
    model = classifier()
    history = fit(model, SoftmaxCrossEntropy(), Adam(model.parameters(), lr=0.01), X, y,
                  epochs=2, batch_size=64, seed=0, progress=True)
    printed = capsys.readouterr().out
    assert "fit: 2 epochs in" in printed and f"loss {history.loss[-1]:.4g}" in printed

    model = classifier()
    fit(model, SoftmaxCrossEntropy(), Adam(model.parameters(), lr=0.01), X, y,
        epochs=2, batch_size=64, seed=0, progress=False)
    assert "fit:" not in capsys.readouterr().out
