"""Runs that blow up are reported, runs that are stopped stay usable, runs can be repeated.

- divergence that stays finite (a learning rate far too large): ``TrainingDiverged`` with the
  same advice as for NaN;
- an optimizer memory that became infinite (a float32 gradient of 1e30 squared);
- MSE and Huber at 1e30 in float32: finite, no RuntimeWarning;
- the stop button (KeyboardInterrupt): ``TrainingInterrupted`` carries the history, the model
  is usable;
- one seed in one place: ``Sequential(..., seed=)`` makes a whole run repeatable.
"""

import math
import warnings

import numpy as np
import pytest

from dlcore import datasets
from dlcore.activations import ReLU
from dlcore.layers import Dense, Dropout
from dlcore.losses import MSE, BinaryCrossEntropyWithLogits, Huber, SoftmaxCrossEntropy
from dlcore.module import Layer, Sequential
from dlcore.optim import SGD, Adam
from dlcore.tolerance import assert_close
from dlcore.train import DIVERGENCE_FACTOR, TrainingDiverged, TrainingInterrupted, fit


@pytest.fixture(scope="module")
def digits():
    ds = datasets.load_digits()
    return (ds.X / 16).astype(np.float32), ds.y


def mlp(seed=0):
    return Sequential(Dense(64, 32), ReLU(), Dense(32, 10), seed=seed)


# --- divergence that stays finite ----------------------------------------------------------------


@pytest.mark.parametrize("make_optimizer, lr_advice", [
    (lambda m: SGD(m.parameters(), lr=1e4),
     r": lr=10000 is far above the usual range for SGD \(0\.001 to 0\.5\); start from lr=0\.01"),
    (lambda m: Adam(m.parameters(), lr=1e3),
     r": lr=1000 is far above the usual range for Adam \(1e-05 to 0\.01\); start from lr=0\.001"),
], ids=["SGD-lr1e4", "Adam-lr1e3"])
def test_a_finite_blow_up_stops_in_the_first_epoch_with_advice(digits, make_optimizer, lr_advice):
    X, y = digits
    model = mlp()
    with pytest.raises(TrainingDiverged, match=(
            r"fit: training diverged at epoch 1, iteration 57 of 57: the training loss of the "
            r"epoch was .*, more than 100 times both the first batch's .* and the 2\.303 of a "
            r"model that knows nothing \(chance level\).*Try: lower the learning rate"
            + lr_advice)) as info:
        fit(model, SoftmaxCrossEntropy(), make_optimizer(model), X, y, epochs=20, batch_size=32,
            progress=False)
    assert info.value.epoch == 1
    assert info.value.history.batch_loss  # the curve so far, for plotting


def test_learning_rates_that_work_are_not_taken_for_divergence(digits):
    X, y = digits
    for make_optimizer in (lambda m: SGD(m.parameters(), lr=1.0),
                           lambda m: Adam(m.parameters(), lr=0.1)):
        model = mlp()
        history = fit(model, SoftmaxCrossEntropy(), make_optimizer(model), X, y, epochs=5,
                      batch_size=32, progress=False)
        assert history.loss[-1] < history.loss[0]


def test_a_model_that_starts_good_may_rise_far_above_its_start_but_below_chance():
    # confident and right on the first batch (loss ~1e-4), wrong on one late sample: the epoch's
    # loss is thousands of times the first batch's, yet below log 2, the chance level
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 2)).astype(np.float32)
    X[:, 0] += np.sign(X[:, 0])  # every sample at least 1 away from the boundary
    y = (X[:, 0] > 0).astype(np.float32)
    y[-1] = 1 - y[-1]
    model = Sequential(Dense(2, 1, seed=0))
    model[0].W.value[...] = [[20.0], [0.0]]
    history = fit(model, BinaryCrossEntropyWithLogits(), SGD(model.parameters(), lr=1e-6), X, y,
                  epochs=2, batch_size=8, shuffle=False, progress=False)
    assert history.loss[0] > DIVERGENCE_FACTOR * history.batch_loss[0]
    assert history.epochs_run == 2


def test_chance_levels_are_the_loss_of_a_model_that_knows_nothing():
    y = np.array([0, 1, 2, 1])
    assert_close(SoftmaxCrossEntropy().chance_loss(y, (4, 3)), math.log(3))
    assert_close(BinaryCrossEntropyWithLogits().chance_loss(y, (4, 1)), math.log(2))
    targets = np.array([[1.0], [3.0]], dtype=np.float32)
    assert_close(MSE().chance_loss(targets, (2, 1)), 1.0)  # always predicting the mean, 2


# --- the optimizer's memory ----------------------------------------------------------------------


def test_an_infinite_adam_state_is_reported_not_hidden_by_the_silenced_warnings():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 2)).astype(np.float32)
    y = rng.standard_normal((64, 1)).astype(np.float32)
    y[5] = 1e30  # its gradient, squared in float32 for Adam's v, is inf
    model = Sequential(Dense(2, 1, seed=0))
    with pytest.raises(TrainingDiverged, match=r"the optimizer's memory \(Adam's v of "
                                               r"layers\[0\]\.W\) became NaN or infinite.*"
                                               r"clip_norm.*The weights are finite") as info:
        fit(model, MSE(), Adam(model.parameters(), lr=1e-3), X, y, epochs=3, batch_size=64,
            progress=False)
    assert info.value.epoch == 1
    assert np.isfinite(model[0].W.value).all()


@pytest.mark.parametrize("loss", [MSE(), Huber()], ids=["MSE", "Huber"])
def test_regression_losses_at_1e30_in_float32_are_finite_without_warnings(loss):
    y_hat = np.full((8, 1), 1e30, dtype=np.float32)
    y = np.zeros((8, 1), dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(y_hat, y)
        grad = loss.backward()
    assert math.isfinite(value) and value > 0
    assert grad.dtype == np.float32 and np.isfinite(grad).all()


# --- stopping with the stop button ---------------------------------------------------------------


class StopButton(Layer):
    """Passes its input on, and raises KeyboardInterrupt at the n-th training batch."""

    keeps_shape = True

    def __init__(self, at_batch):
        self.at_batch, self.batches = at_batch, 0

    def forward(self, x):
        if self.training:
            self.batches += 1
            if self.batches == self.at_batch:
                raise KeyboardInterrupt
        return x

    def backward(self, dout):
        return dout


def test_the_stop_button_leaves_the_model_usable_and_the_history_reachable(digits):
    X, y = digits
    model = Sequential(StopButton(at_batch=60), Dense(64, 10, seed=0))  # batch 3 of epoch 2
    model.eval()
    with pytest.raises(KeyboardInterrupt) as info:  # a loop around fit stops too
        fit(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.1), X, y, epochs=5,
            batch_size=32, progress=False)
    stop = info.value
    assert isinstance(stop, TrainingInterrupted)
    assert "stopped by the user in epoch 2, after 2 of 57 iterations" in str(stop)
    assert "sys.last_value.history" in str(stop)
    assert (stop.epoch, stop.iteration) == (2, 2)
    assert stop.history.epochs_run == 1 and len(stop.history.batch_loss) == 59
    assert model.training is False and model.needs_input_grad is True  # put back as it was
    assert np.isfinite(model.predict(X)).all()
    model[0].at_batch = -1  # the button is released: training goes on from here
    history = fit(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.1), X, y,
                  epochs=1, batch_size=32, progress=False)
    assert history.loss[0] < stop.history.loss[0]


def test_fit_docstring_says_how_to_stop_and_when_runs_are_bit_identical():
    doc = fit.__doc__
    assert "TrainingInterrupted" in doc and "sys.last_value.history" in doc
    assert "number of BLAS threads" in doc and "1.2970045502" in doc
    assert "Sequential(..., seed=0)" in doc


# --- one seed in one place -----------------------------------------------------------------------


def dropout_run(model_seed, fit_seed=None):
    X, y = datasets.make_blobs(n_samples=96, centers=3, seed=0)
    model = Sequential(Dense(2, 16), ReLU(), Dropout(0.5), Dense(16, 3), seed=model_seed)
    history = fit(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.1), X, y,
                  epochs=3, batch_size=16, seed=fit_seed, progress=False)
    return model.state_dict(), history.batch_loss


def test_one_model_seed_repeats_weights_dropout_masks_and_shuffling():
    (w1, losses1), (w2, losses2) = dropout_run(0), dropout_run(0)
    assert losses1 == losses2  # bit-identical: the same process, the same BLAS threads
    assert all(np.array_equal(w1[k], w2[k]) for k in w1)
    w3, losses3 = dropout_run(1)
    assert losses3 != losses1


def test_without_a_model_seed_fit_seed_alone_does_not_repeat_a_run():
    (_, losses1), (_, losses2) = dropout_run(None, fit_seed=0), dropout_run(None, fit_seed=0)
    assert losses1 != losses2  # new weights and masks every run: why the model needs the seed


def test_the_model_seed_replaces_the_seeds_of_its_layers():
    a = Sequential(Dense(3, 4, seed=5), Dense(4, 2, seed=6), seed=0)
    b = Sequential(Dense(3, 4), Dense(4, 2), seed=0)
    assert all(np.array_equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    assert np.array_equal(Sequential(Dense(3, 4), seed=1)[0].W.value,
                          Dense(3, 4, seed=1).W.value)  # the same numbers as the layer's seed


def test_the_learning_rate_advice_is_a_tenth_near_the_usual_range_and_a_usual_value_far_above():
    from dlcore.train.loop import _learning_rate_hint

    model = mlp()
    assert "lr=0.3 instead of 3" in _learning_rate_hint(SGD(model.parameters(), lr=3.0))
    assert "start from lr=0.01" in _learning_rate_hint(SGD(model.parameters(), lr=50.0))
    assert "lr=0.005 instead of 0.05" in _learning_rate_hint(Adam(model.parameters(), lr=0.05))
    assert "start from lr=0.001" in _learning_rate_hint(Adam(model.parameters(), lr=0.5))
