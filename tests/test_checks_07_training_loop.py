"""Tests for the 07_training_loop checkers: the reference passes, typical mistakes get their hint."""

import numpy as np
import pytest
from helpers import assert_fails_with, not_implemented, returns_none

from dlcore.course.checks.training_loop import check_accuracy_from_proba, check_train_one_epoch


# --- train_one_epoch ----------------------------------------------------------------------------
def train_one_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    losses = []
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        optimizer.zero_grad()
        y_hat = model.forward(X[idx])
        losses.append(loss_fn(y_hat, y[idx]))
        model.backward(loss_fn.backward())
        optimizer.step()
    return losses


def test_train_one_epoch_reference_passes(capsys):
    assert check_train_one_epoch(train_one_epoch).passed
    assert capsys.readouterr().out.startswith("✅")


def test_train_one_epoch_reference_matches_fit():
    # the checker's reference epoch is the loop dlcore.fit runs (same seed -> same weights)
    from dlcore.course.checks.training_loop import _epoch_reference
    from dlcore.layers import Dense
    from dlcore.losses import SoftmaxCrossEntropy
    from dlcore.module import Sequential
    from dlcore.optim import SGD
    from dlcore.train import fit

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((10, 4)), np.arange(10) % 3
    models = [Sequential(Dense(4, 3, seed=0, dtype=np.float64)) for _ in range(2)]
    loss_fn = SoftmaxCrossEntropy()
    losses = _epoch_reference(models[0], loss_fn, SGD(models[0].parameters(), lr=0.5), X, y, 4,
                              np.random.default_rng(5))
    history = fit(models[1], loss_fn, SGD(models[1].parameters(), lr=0.5), X, y, epochs=1,
                  batch_size=4, seed=5, progress=False)
    np.testing.assert_allclose(losses, history.batch_loss, rtol=1e-12)
    np.testing.assert_allclose(models[0][0].W.value, models[1][0].W.value, rtol=1e-12)


def _variant(**kw):
    from dlcore.course.checks.training_loop import _epoch_reference

    def fn(model, loss_fn, optimizer, X, y, batch_size, rng):
        return _epoch_reference(model, loss_fn, optimizer, X, y, batch_size, rng, **kw)
    return fn


@pytest.mark.parametrize("variant, hint", [
    (dict(zero_grad=False), "forgot optimizer.zero_grad()"),
    (dict(shuffle=False), "not shuffled"),
    (dict(same_order=False), "two different permutations"),
    (dict(drop_last=True), "last, smaller batch is missing"),
    (dict(update=False), "the weights did not change"),
])
def test_train_one_epoch_mistakes_are_named(variant, hint):
    assert_fails_with(check_train_one_epoch(_variant(**variant)), hint)


def test_train_one_epoch_one_loss_per_sample_and_mean_only():
    def per_sample(model, loss_fn, optimizer, X, y, batch_size, rng):
        return train_one_epoch(model, loss_fn, optimizer, X, y, 1, rng)

    result = check_train_one_epoch(per_sample)
    assert "wrong number of iterations" in result.message
    assert "one loss per sample" in result.message

    def mean_only(*args):
        return float(np.mean(train_one_epoch(*args)))

    assert "one loss per mini-batch" in check_train_one_epoch(mean_only).message


def test_train_one_epoch_not_implemented_and_none():
    assert_fails_with(check_train_one_epoch(not_implemented), "NotImplementedError")
    assert_fails_with(check_train_one_epoch(returns_none), "returned None")


# --- accuracy_from_proba ------------------------------------------------------------------------
def accuracy_from_proba(P, y):
    return float(np.mean(P.argmax(axis=1) == y))


def test_accuracy_reference_passes():
    assert check_accuracy_from_proba(accuracy_from_proba).passed


@pytest.mark.parametrize("wrong, hint", [
    (lambda P, y: np.mean(P.argmax(axis=0) == y), "wrong axis"),
    (lambda P, y: np.sum(P.argmax(axis=1) == y), "number of right predictions"),
    (lambda P, y: 100 * np.mean(P.argmax(axis=1) == y), "percentage"),
    (lambda P, y: 1 - np.mean(P.argmax(axis=1) == y), "error rate"),
    (lambda P, y: np.mean(P.max(axis=1) == y), "compared probabilities with labels"),
    (lambda P, y: P.argmax(axis=1), "returned the predicted labels"),
    (lambda P, y: P.argmax(axis=1) == y, "average them"),
])
def test_accuracy_mistakes_are_named(wrong, hint):
    assert_fails_with(check_accuracy_from_proba(wrong), hint)


def accuracy_with_isin(P, y):
    return float(np.mean(np.isin(P.argmax(axis=1), y)))


def accuracy_divided_by_n_minus_one(P, y):
    return np.sum(P.argmax(axis=1) == y) / (len(y) - 1)


def accuracy_every_pair(P, y):
    predicted = P.argmax(axis=1)
    return float(np.mean(predicted[:, None] == y))


@pytest.mark.parametrize("wrong, hint", [
    (accuracy_with_isin, "np.isin(predicted, y) asks whether each prediction appears"),
    (accuracy_divided_by_n_minus_one, "you divided by N - 1 = 4"),
    (accuracy_every_pair, "compared every prediction with every label"),
])
def test_accuracy_each_slip_gets_its_own_hint(wrong, hint):
    result = check_accuracy_from_proba(wrong)
    assert_fails_with(result, hint)
    assert "wrong axis" not in result.message and "error rate" not in result.message


@pytest.mark.parametrize("wrong, hint", [
    (accuracy_with_isin, "np.isin"),
    (accuracy_divided_by_n_minus_one, "divided by N - 1 = 5"),
    (accuracy_every_pair, "compared every prediction with every label"),
    (lambda P, y: 1 - np.mean(P.argmax(axis=1) == y), "error rate"),
    (lambda P, y: np.sum(P.argmax(axis=1) == y), "number of right predictions"),
])
def test_accuracy_slips_are_told_apart_on_the_second_case_too(wrong, hint):
    # right on the square first case, the slip only on the (6, 3) case
    def second_case_only(P, y):
        return wrong(P, y) if P.shape == (6, 3) else accuracy_from_proba(P, y)

    assert_fails_with(check_accuracy_from_proba(second_case_only), hint)


def test_accuracy_wrong_axis_on_a_non_square_P_is_explained():
    # only the (6, 3) case: argmax(axis=0) has 3 entries and cannot be compared with 6 labels
    def wrong_axis_unless_square(P, y):
        axis = 1 if P.shape[0] == P.shape[1] else 0
        return np.mean(P.argmax(axis=axis) == y)

    result = check_accuracy_from_proba(wrong_axis_unless_square)
    assert_fails_with(result, "broadcast", "P.argmax(axis=1)")


def test_accuracy_not_implemented_and_none():
    assert_fails_with(check_accuracy_from_proba(not_implemented), "NotImplementedError")
    assert_fails_with(check_accuracy_from_proba(returns_none), "returned None")
