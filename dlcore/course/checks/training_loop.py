"""The checkers of ``notebooks/07_training_loop.ipynb``.

How a checker works: see ``common.py``.

Each checker is tested in ``tests/test_checks_07_training_loop.py``: it passes the
reference solution and fails typical wrong answers with the right hint.
"""

from __future__ import annotations

import numpy as np

from .common import (
    LearnerError,
    as_result_array,
    call_learner,
    diagnose,
    run_check,
)


def _epoch_reference(model, loss_fn, optimizer, X, y, batch_size, rng, *, zero_grad=True,
                     shuffle=True, drop_last=False, update=True, same_order=True):
    """One epoch of mini-batch training, and the epochs typical mistakes give.

    Helper of ``check_train_one_epoch``: returns the list of batch losses.
    """
    N = len(X)
    order = rng.permutation(N) if shuffle else np.arange(N)
    order_y = order if same_order else rng.permutation(N)
    stop = (N // batch_size) * batch_size if drop_last else N
    losses = []
    for start in range(0, stop, batch_size):
        if zero_grad:
            optimizer.zero_grad()
        y_hat = model.forward(X[order[start:start + batch_size]])
        losses.append(loss_fn(y_hat, y[order_y[start:start + batch_size]]))
        model.backward(loss_fn.backward())
        if update:
            optimizer.step()
    return losses


def check_train_one_epoch(fn):
    """Exercise in 07_training_loop: ``fn(model, loss_fn, optimizer, X, y, batch_size, rng)``.

    One epoch of mini-batch training: ``order = rng.permutation(N)``, then for each slice
    ``order[start:start + batch_size]`` (the last one may be smaller): ``zero_grad``, forward,
    loss, backward, ``step``. Returns the list of the ``ceil(N / batch_size)`` batch losses.

    The checker trains a small float64 model (``Dense(4, 3)``, ``SoftmaxCrossEntropy``, ``SGD``
    with lr=0.5) with the learner's function and with the reference from the same starting
    weights and the same seed, then compares the losses and the final weights with those of
    typical mistakes: forgot ``zero_grad`` (gradients pile up), forgot to shuffle, shuffled X and
    y separately, dropped the last partial batch, never updated. Cases: N=10 with batches of 4
    (4, 4, 2) and N=12 with batches of 6 (no partial batch).
    """
    from dlcore.layers import Dense
    from dlcore.losses import SoftmaxCrossEntropy
    from dlcore.module import Sequential
    from dlcore.optim import SGD

    def setup(seed):
        model = Sequential(Dense(4, 3, seed=seed, dtype=np.float64))
        return model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.5)

    def one_case(N, batch_size, seed):
        data = np.random.default_rng(100 + seed)
        X = data.standard_normal((N, 4))
        y = np.arange(N) % 3

        def run(**variant):
            model, loss_fn, optimizer = setup(seed)
            losses = _epoch_reference(model, loss_fn, optimizer, X, y, batch_size,
                                      np.random.default_rng(seed), **variant)
            return np.concatenate([np.asarray(losses, dtype=float)] +
                                  [p.value.ravel() for p in model.parameters()])

        model, loss_fn, optimizer = setup(seed)
        start_weights = np.concatenate([p.value.ravel() for p in model.parameters()])
        out = call_learner(fn, model, loss_fn, optimizer, X, y, batch_size,
                           np.random.default_rng(seed))
        expected_count = -(-N // batch_size)
        where = f"(N={N}, batch_size={batch_size})"
        if out is None:
            raise LearnerError("your function returned None. Hint: collect each batch's loss "
                               "in a list and `return losses` at the end.")
        if np.ndim(out) == 0:
            raise LearnerError(
                f"your function returned one number {where}; expected a list with one loss per "
                f"mini-batch ({expected_count} of them). Hint: losses.append(loss_fn(y_hat, "
                f"y_batch)) inside the loop, and return the list.")
        losses = as_result_array(out, "the list of losses you returned")
        if losses.ndim != 1:
            raise LearnerError(f"expected a flat list of {expected_count} losses {where}, "
                               f"received an array of shape {losses.shape}.")
        weights = np.concatenate([p.value.ravel() for p in model.parameters()])
        if len(losses) != expected_count:
            hint = ""
            if len(losses) == N // batch_size:
                hint = (" The last, smaller batch is missing: range(0, N, batch_size) "
                        "includes it; the slice order[start:start + batch_size] is simply "
                        "shorter there.")
            elif len(losses) == N:
                hint = " That is one loss per sample: step through the data batch_size at a " \
                       "time, range(0, N, batch_size)."
            raise LearnerError(f"wrong number of iterations {where}: expected ceil(N / "
                               f"batch_size) = {expected_count} losses, received "
                               f"{len(losses)}.{hint}")
        if np.array_equal(weights, start_weights):
            raise LearnerError(
                "the weights did not change. Hint: after loss_fn(...), call "
                "model.backward(loss_fn.backward()) to fill the gradients, then "
                "optimizer.step() to update the weights.")
        packed = np.concatenate([losses, weights])
        mistake = diagnose(packed, run(), {
            "you forgot optimizer.zero_grad() at the start of each iteration: the gradients "
            "of earlier batches pile up in p.grad (backward adds into it).":
                run(zero_grad=False),
            "the data was not shuffled: take the batches in the order "
            "order = rng.permutation(len(X)), drawn once at the start of the epoch.":
                run(shuffle=False),
            "X and y were shuffled with two different permutations, so the labels no longer "
            "belong to their samples. Hint: draw one order and index both: X[idx], y[idx].":
                run(same_order=False),
        }, atol=1e-8, dtype=np.float64)  # the model is float64, the same code on both sides
        if mistake:
            if mistake.startswith("the values differ"):
                mistake = (
                    f"the losses or the final weights differ from the reference {where}. "
                    f"Hint: draw order = rng.permutation(len(X)) once, take the batches "
                    f"order[start:start + batch_size] in turn, and for each one call "
                    f"zero_grad, forward, loss, backward, step in that order.")
            raise LearnerError(mistake)

    def cases():
        one_case(10, 4, 0)
        one_case(12, 6, 1)

    return run_check(cases, "Right: one shuffled pass over the data, one update per mini-batch "
                            "(the last, smaller one included), gradients cleared each time.")


def check_accuracy_from_proba(fn):
    """Exercise in 07_training_loop: ``fn(P, y) -> float``, the fraction predicted right.

    ``P: (N, K)`` class probabilities (rows sum to 1), ``y: (N,)`` integer labels; the
    predicted class is the column with the largest probability, ``P.argmax(axis=1)``, and the
    accuracy is ``mean(predicted == y)``, a number between 0 and 1. Cases: a square (5, 5) P
    (so that argmax over the wrong axis still runs) and a (6, 3) P whose labels miss class 2.
    In each case every mistake below gives its own answer, different from the right one and
    from every other mistake's, so the hint names the mistake actually made.
    """
    def one_case(P, y):
        try:
            out = call_learner(fn, P, y)
        except LearnerError as err:
            if "broadcast" in str(err):
                raise LearnerError(
                    f"{err} Hint: the predicted class of each sample is the largest entry of "
                    f"its row, P.argmax(axis=1), one label per sample; axis=0 gives one per "
                    f"class.") from None
            raise
        if out is None:
            raise LearnerError("your function returned None. Hint: did you forget the "
                               "`return` statement?")
        value = as_result_array(out)
        predicted = P.argmax(axis=1)
        right = np.mean(predicted == y)
        if value.shape == y.shape:
            if np.array_equal(value, predicted):
                raise LearnerError("you returned the predicted labels; compare them with y and "
                                   "take the mean: np.mean(P.argmax(axis=1) == y).")
            raise LearnerError("you returned one value per sample; average them into one "
                               "number with .mean().")
        if value.shape != ():
            raise LearnerError(f"expected one number, received an array of shape "
                               f"{value.shape}.")
        mistake = diagnose(value, right, {
            "wrong axis: P.argmax(axis=0) gives the most likely *sample* for each class. Use "
            "axis=1: the most likely class of each sample (each row).":
                np.mean(P.argmax(axis=0) == y) if P.shape[0] == P.shape[1] else np.nan,
            "you returned the number of right predictions; divide by N (use np.mean) to get "
            "a fraction.": np.sum(predicted == y),
            "you returned a percentage; the course's accuracy is a fraction between 0 and 1.":
                100 * right,
            "you returned the error rate (the fraction wrong); the accuracy is the fraction "
            "right.": 1 - right,
            "you compared probabilities with labels: turn each row of probabilities into a "
            "class first with P.argmax(axis=1), then compare with y.":
                np.mean(P.max(axis=1) == y),
            "np.isin(predicted, y) asks whether each prediction appears *anywhere* in y. "
            "Compare position by position: np.mean(predicted == y).":
                np.mean(np.isin(predicted, y)),
            f"you divided by N - 1 = {len(y) - 1}: the accuracy is the number of right "
            f"predictions divided by N = {len(y)}, the number of samples; "
            f"np.mean(predicted == y) does both.": np.sum(predicted == y) / (len(y) - 1),
            "you compared every prediction with every label: predicted[:, None] == y is an "
            "(N, N) table. Compare position by position, predicted == y, both of shape (N,).":
                np.mean(predicted[:, None] == y),
        }, n_terms=len(y))
        if mistake:
            raise LearnerError(mistake)

    def cases():
        # Right: 3 of 5, so 0.6. The mistakes give 0.2 (argmax over axis 0), 3 (a count), 60
        # (a percentage), 0.4 (the error rate), 0 (probabilities compared with labels), 0.8
        # (np.isin), 0.75 (3 / (N - 1)) and 0.24 (every prediction against every label).
        P = np.array([[0.25, 0.05, 0.20, 0.35, 0.15],
                      [0.20, 0.10, 0.30, 0.25, 0.15],
                      [0.05, 0.45, 0.15, 0.20, 0.15],
                      [0.05, 0.30, 0.25, 0.25, 0.15],
                      [0.15, 0.25, 0.10, 0.20, 0.30]])
        one_case(P, np.array([3, 4, 1, 1, 0]))  # predicted 3, 2, 1, 1, 4
        # Right: 4 of 6. The mistakes give 4, 66.7, 1/3, 0, 5/6, 0.8 and 15/36; y misses class
        # 2, which np.isin notices, and its classes are uneven, so that comparing every
        # prediction with every label does not give 1/3, the error rate.
        P = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.3, 0.2, 0.5],
                      [0.1, 0.5, 0.4], [0.5, 0.2, 0.3], [0.25, 0.45, 0.3]])
        one_case(P, np.array([0, 1, 1, 1, 0, 0]))  # predicted 0, 1, 2, 1, 0, 1

    return run_check(cases, "Right: the class with the largest probability in each row, "
                            "compared with y, averaged into a fraction.")


