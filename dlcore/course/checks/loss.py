"""The checkers of ``notebooks/03_loss.ipynb``.

How a checker works: see ``common.py``.

Each checker is tested in ``tests/test_checks_03_loss.py``: it passes the
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


def _loss_finite(out, hint: str) -> None:
    """Raise a LearnerError if the learner's loss is NaN or infinite (a log(0) somewhere)."""
    if not np.all(np.isfinite(out)):
        raise LearnerError(f"your function returned {out.tolist()}, not a finite number. "
                           f"{hint}")


def check_mse(fn):
    """Exercise in 03_loss: ``fn(y_hat, y) -> float``, the mean squared error.

    ``mean((y_hat - y) ** 2)`` over all elements; y_hat and y of the same shape, (N,) or (N, D).
    The checker names a sum instead of a mean, a missing square, the absolute error, the root
    (RMSE), the 1/2 convention and an array of per-sample losses.
    """
    def one_case(y_hat, y, label):
        out = as_result_array(call_learner(fn, y_hat, y))
        diff = y_hat - y
        right = np.mean(diff**2)
        mistake = diagnose(out, right, {
            "you summed the squared errors: divide by their number m (take the mean), so the "
            "loss does not grow with the batch size.": np.sum(diff**2),
            "forgot to square the errors: mean((y_hat - y) ** 2). Without the square, errors "
            "of opposite signs cancel out.": np.mean(diff),
            "you took the absolute error (that is the MAE); MSE squares the errors: "
            "mean((y_hat - y) ** 2).": np.mean(np.abs(diff)),
            "you took the square root (that is the RMSE); MSE stops before the root.":
                np.sqrt(np.mean(diff**2)),
            "you returned half the MSE (the 1/2 of some textbooks); here MSE is "
            "mean((y_hat - y) ** 2), without the 1/2.": 0.5 * np.mean(diff**2),
            "you squared the mean error; square each error first, then take the mean.":
                np.mean(diff) ** 2,
            "you returned one squared error per element; the loss is one number, their mean.":
                diff**2,
        }, n_terms=diff.size)
        if mistake:
            raise LearnerError(f"{mistake} (case: {label})")

    def cases():
        one_case(np.array([2.5, 0.0, 2.1, 7.8]), np.array([3.0, -0.5, 2.0, 7.0]),
                 "y_hat = [2.5, 0.0, 2.1, 7.8], y = [3.0, -0.5, 2.0, 7.0], expected 0.2875")
        rng = np.random.default_rng(30)
        one_case(rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), "arrays of shape (3, 2)")

    return run_check(cases, "Right: MSE is the mean of the squared errors.")


def check_binary_cross_entropy(fn):
    """Exercise in 03_loss: ``fn(p, y) -> float``, binary cross-entropy (log loss).

    p: (N,) predicted probabilities of class 1 (never exactly 0 or 1 here), y: (N,) targets 0/1
    (the second case uses soft targets in [0, 1]) -> ``-mean(y ln p + (1 - y) ln(1 - p))``.
    """
    def one_case(p, y, label):
        with np.errstate(divide="ignore", invalid="ignore"):  # a swapped log(y) gives log(0)
            out = as_result_array(call_learner(fn, p, y))
        _loss_finite(out, "Probably a log(0): did you swap p and y? The logs are of the "
                          "prediction p (here never exactly 0 or 1), not of the labels y.")
        log_p, log_1p = np.log(p), np.log(1 - p)
        right = -np.mean(y * log_p + (1 - y) * log_1p)
        with np.errstate(divide="ignore", invalid="ignore"):
            swapped = -np.mean(p * np.log(y) + (1 - p) * np.log(1 - y))
        mistake = diagnose(out, right, {
            "wrong sign: the logs of probabilities are negative, so the loss needs a minus in "
            "front to be positive: -mean(...).": -right,
            "you summed over the samples: divide by their number m (take the mean).":
                -np.sum(y * log_p + (1 - y) * log_1p),
            "used log10; the cross-entropy uses the natural log, np.log.":
                -np.mean(y * np.log10(p) + (1 - y) * np.log10(1 - p)),
            "forgot the (1 - y) * ln(1 - p) term: without it, the samples of class 0 cost "
            "nothing.": -np.mean(y * log_p),
            "swapped p and 1 - p: y = 1 pairs with ln(p), the probability of class 1, and "
            "y = 0 with ln(1 - p).": -np.mean(y * log_1p + (1 - y) * log_p),
            "swapped p and y: the logs are of the prediction p, multiplied by the targets y.":
                swapped,
            "you returned one loss per sample; the loss is one number, their mean.":
                -(y * log_p + (1 - y) * log_1p),
        }, n_terms=2 * len(p))
        if mistake:
            raise LearnerError(f"{mistake} (case: {label})")

    def cases():
        one_case(np.array([0.9, 0.2, 0.6, 0.95, 0.3]), np.array([1.0, 0.0, 1.0, 1.0, 0.0]),
                 "p = [0.9, 0.2, 0.6, 0.95, 0.3], y = [1, 0, 1, 1, 0]")
        one_case(np.array([0.7, 0.1, 0.5]), np.array([0.8, 0.3, 0.5]),
                 "soft targets y = [0.8, 0.3, 0.5], p = [0.7, 0.1, 0.5]")

    return run_check(cases, "Right: binary cross-entropy is -mean(y ln p + (1 - y) ln(1 - p)).")


def check_categorical_cross_entropy(fn):
    """Exercise in 03_loss: ``fn(P, Y) -> float``, cross-entropy with one-hot targets.

    P: (N, K) predicted probabilities (rows sum to 1), Y: (N, K) one-hot targets ->
    ``-mean over samples of sum over classes of Y * ln P``: sum along axis 1, mean along axis 0.
    The first case has N = 4 samples and K = 3 classes, so a sum along the wrong axis shows.
    """
    def one_case(P, Y, label):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = as_result_array(call_learner(fn, P, Y))
        _loss_finite(out, "Probably a log(0): take the log of the probabilities P (never 0 "
                          "here), not of the one-hot Y.")
        N, K = P.shape
        terms = Y * np.log(P)
        total = -np.sum(terms)
        right = total / N
        mistake = diagnose(out, right, {
            "wrong sign: ln P is negative, so the loss needs a minus: -mean(sum(Y * ln P)).":
                -right,
            "you summed over the samples too: divide by the number of samples N (mean over "
            "axis 0).": total,
            "wrong axis: you summed over the samples (axis 0) and averaged over the classes. "
            "Sum over the classes, axis=1, then take the mean over the samples.": total / K,
            "you averaged over the classes too (np.mean of Y * ln P divides by N * K): sum "
            "over the K classes (axis=1), then take the mean over the N samples.":
                total / (N * K),
            "used log10; the cross-entropy uses the natural log, np.log.":
                -np.sum(Y * np.log10(P)) / N,
            "forgot to multiply by Y: only the probability of the true class counts, "
            "Y * ln P keeps it and sets the others to 0.": -np.sum(np.log(P)) / N,
            "you returned one loss per sample; the loss is one number, their mean.":
                -terms.sum(axis=1),
            "you returned one number per class (a sum over axis 0); sum over the classes "
            "(axis=1) and take the mean over the samples.": -terms.sum(axis=0),
        }, n_terms=N * K)
        if mistake:
            raise LearnerError(f"{mistake} (case: {label})")

    def cases():
        P = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4], [0.25, 0.25, 0.5], [0.05, 0.9, 0.05]])
        Y = np.eye(3)[[0, 2, 2, 1]]
        one_case(P, Y, "N = 4 samples, K = 3 classes")
        one_case(np.array([[0.46, 0.54]]), np.array([[1.0, 0.0]]),
                 "the dog/cat example, dog 0.46 / cat 0.54, true class dog: expected 0.777")

    return run_check(cases, "Right: the cross-entropy is -ln of the probability given to the "
                            "true class, averaged over the samples.")


