"""The checkers of ``notebooks/02_architecture.ipynb``.

How a checker works: see ``common.py``.

Each checker is tested in ``tests/test_checks_02_architecture.py``: it passes the
reference solution and fails typical wrong answers with the right hint.
"""

from __future__ import annotations

import numpy as np

from .common import (
    Inputs,
    LearnerError,
    as_result_array,
    call_learner,
    diagnose,
    run_check,
)


def _arch_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def check_neuron(fn):
    """Exercise in 02_architecture: ``fn(x, w, b) -> a = relu(x @ w + b)``, one neuron, a batch.

    x: (N, D) samples as rows, w: (D,) one weight per input, b: a number -> a: (N,), the
    neuron's output for every sample. The last cases are the classic example: x = -0.35, w = 1,
    b = 1 gives 0.65 (and b = 0 gives 0).
    """
    def one_case(x, w, b, label):
        z = x @ w + b
        right = np.maximum(z, 0)
        out = as_result_array(call_learner(fn, x, w, b, inputs=Inputs(
            ("x", "w", "b"), ("x @ w",), f"a of shape {right.shape}")))
        terms = np.abs(x) @ np.abs(w) + abs(b)  # the size of what x @ w + b adds up
        mistake = diagnose(out, right, {
            "forgot the bias: add b to the weighted sum before the activation.":
                np.maximum(x @ w, 0),
            "subtracted the bias: the weighted sum is x @ w + b.": np.maximum(x @ w - b, 0),
            "no activation: apply ReLU, np.maximum(z, 0), to z = x @ w + b.": z,
            "added the bias after the activation: the bias goes inside, relu(x @ w + b).":
                np.maximum(x @ w, 0) + b,
            "used the sigmoid; this neuron uses ReLU, np.maximum(z, 0).": _arch_sigmoid(z),
            "multiplied element by element but did not add up: x * w has one column per "
            "input; the weighted sum is x @ w (or (x * w).sum(axis=1)).": np.maximum(x * w + b, 0),
            "returned a column of shape (N, 1); expected one number per sample, shape (N,). "
            "Hint: use w of shape (D,) as given, x @ w.": right.reshape(-1, 1),
        }, n_terms=x.shape[1] + 1, scale=np.max(terms))
        if mistake:
            raise LearnerError(f"{mistake} (case: {label})")

    def cases():
        rng = np.random.default_rng(20)
        one_case(rng.standard_normal((5, 3)), rng.standard_normal(3), 0.7,
                 "x of shape (5, 3), w of shape (3,), b = 0.7")
        x = np.array([[-0.35]])
        one_case(x, np.array([1.0]), 0.0, "x = -0.35, w = 1, b = 0: expected 0, silent")
        one_case(x, np.array([1.0]), 1.0, "x = -0.35, w = 1, b = 1: expected 0.65")

    return run_check(cases, "Right: the neuron computes relu(x @ w + b) for every row of x.")


def check_count_parameters(fn):
    """Exercise in 02_architecture: ``fn(layer_sizes) -> int``, the parameters of a dense network.

    ``layer_sizes`` lists the width of every layer, input first: [3, 4, 2] is 3 inputs, 4 hidden
    neurons, 2 outputs. Each Dense layer from D_in to D_out has D_in * D_out weights and D_out
    biases; the input layer has none. [3, 4, 2] -> (3*4 + 4) + (4*2 + 2) = 26.
    """
    def one_case(sizes):
        pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
        weights = sum(a * b for a, b in pairs)
        right = weights + sum(b for _, b in pairs)
        out = as_result_array(call_learner(fn, list(sizes)))
        mistake = diagnose(out, right, {
            "you counted the weights but not the biases: each neuron also has one bias, "
            "so a layer has D_in * D_out + D_out parameters.": weights,
            "you gave the input layer biases too: the inputs are the data, not neurons, so "
            "only the layers after it have biases.": weights + sum(sizes),
            "you counted one bias per input (D_in); there is one bias per neuron (D_out).":
                weights + sum(a for a, _ in pairs),
            "you multiplied all the layer sizes together; count layer by layer: "
            "D_in * D_out + D_out for each pair of neighbouring layers, then add.":
                int(np.prod(sizes)),
            "you returned one count per layer; add them up to get one number.":
                np.array([a * b + b for a, b in pairs]),
        })
        if mistake:
            raise LearnerError(f"{mistake} (case: layer_sizes = {list(sizes)}, expected {right})")

    def cases():
        for sizes in ([3, 4, 2], [64, 32, 10], [5, 8, 8, 3], [2, 1]):
            one_case(sizes)

    return run_check(cases, "Right: each layer has D_in * D_out weights and D_out biases; the "
                            "input layer has none.")


def check_sigmoid_derivative(fn):
    """Exercise in 02_architecture: ``fn(z) -> s * (1 - s)`` with ``s = sigmoid(z)``, elementwise.

    z: any shape -> the same shape. The slope of the sigmoid at z, at most 0.25 (at z = 0).
    """
    def cases():
        rng = np.random.default_rng(21)
        for z in (np.array([-4.0, -1.0, 0.0, 0.5, 3.0]), 3 * rng.standard_normal((3, 4))):
            out = as_result_array(call_learner(fn, z))
            s = _arch_sigmoid(z)
            right = s * (1 - s)
            mistake = diagnose(out, right, {
                "you returned sigmoid(z) itself (or forgot the factor (1 - s)): the "
                "derivative is s * (1 - s) with s = sigmoid(z).": s,
                "used z instead of s = sigmoid(z): the derivative is s * (1 - s), not "
                "z * (1 - z).": z * (1 - z),
                "wrong sign: the sigmoid only goes up, so its slope s * (1 - s) is never "
                "negative; check for s * (s - 1).": -right,
                "forgot the factor s: the derivative is s * (1 - s), not (1 - s).": 1 - s,
                "wrote s * s; the derivative is s * (1 - s).": s * s,
                "this is the derivative of tanh, 1 - tanh(z)**2, not of the sigmoid: with "
                "s = 1 / (1 + np.exp(-z)) the sigmoid's slope is s * (1 - s).":
                    1 - np.tanh(z) ** 2,
                "1 - s**2 is the form of tanh's derivative (1 - tanh(z)**2); the sigmoid's is "
                "s * (1 - s).": 1 - s**2,
            }, n_terms=4)  # a chain of 4 roundings: exp (a few ulps apart on other CPUs), +, /, *
            if mistake:
                raise LearnerError(f"{mistake} (case: z of shape {z.shape})")

    return run_check(cases, "Right: the slope of the sigmoid is s * (1 - s), at most 0.25 "
                            "(at z = 0).")


