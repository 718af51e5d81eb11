"""The checkers of ``notebooks/11_playground.ipynb``.

Each experiment of the playground asks a question before the learner runs it; the answer is a
function that returns it (so the student version can leave it unwritten), and the checker
compares it with what the playground itself computes, headless, for that preset. How a checker
works: see ``common.py``. Tested in ``tests/test_checks_11_playground.py``: the right answers
pass, wrong ones fail with a hint that says what the experiment shows.
"""

from __future__ import annotations

import numpy as np

from .common import LearnerError, call_learner, run_check

#: epochs each experiment is judged after (the notebook runs the same number)
EPOCHS = 300


def _choice(fn, options: tuple, what: str):
    """The learner's answer, one of ``options`` (strings compared without case or spaces)."""
    answer = call_learner(fn)
    if answer is None:
        raise LearnerError("your function returned None. Hint: did you forget `return`?")
    if isinstance(answer, str):
        answer = answer.strip().lower()
    if answer not in options:
        raise LearnerError(f"expected {what}: one of {', '.join(map(repr, options))}; "
                           f"received {answer!r}.")
    return answer


def _run(name: str, epochs: int = EPOCHS, **changes):
    from dlcore.course.interactive.playground_state import run_preset

    return run_preset(name, epochs, **changes)


def check_linear_circles(fn):
    """Experiment 1: ``fn() -> "yes" or "no"``: can a network with no hidden layer, fed x1 and
    x2, separate the circles (test accuracy 90% or more)?"""
    def cases():
        answer = _choice(fn, ("yes", "no"), "'yes' or 'no'")
        run = _run("linear_circles")
        separates = run.test_accuracy >= 0.9
        if (answer == "yes") != separates:
            raise LearnerError(
                f"after {EPOCHS} epochs the test accuracy is {run.test_accuracy:.0%}, about what "
                f"guessing gives. Without a hidden layer the network's answer is sigmoid(w1 x1 + "
                f"w2 x2 + b): its boundary is one straight line, and no line puts a circle "
                f"inside on one side and the ring around it on the other.")
    return run_check(cases, "right: a straight line cannot cut a disc out of a ring.")


def check_squares_circles(fn):
    """Experiment 2: ``fn() -> "yes" or "no"``: fed x1² and x2² instead, does the same network
    (no hidden layer) separate the circles (test accuracy 90% or more)?"""
    def cases():
        answer = _choice(fn, ("yes", "no"), "'yes' or 'no'")
        run = _run("squares_circles")
        separates = run.test_accuracy >= 0.9
        if (answer == "yes") != separates:
            raise LearnerError(
                f"after {EPOCHS} epochs the test accuracy is {run.test_accuracy:.0%}. The "
                f"neuron's sum w1 x1² + w2 x2² + b is a line in the features (x1², x2²), but in "
                f"the plane w1 = w2 < 0 makes it positive inside a circle of radius "
                f"sqrt(-b / w1): a circular boundary, from one neuron.")
    return run_check(cases, "right: with x1² and x2² as inputs one neuron draws a circle.")


def check_spiral_depth(fn):
    """Experiment 3: ``fn() -> "one" or "two"``: which does better on the spiral (test
    accuracy after 300 epochs): one hidden layer of 8 neurons, or two?"""
    def cases():
        answer = _choice(fn, ("one", "two"), "'one' or 'two' (hidden layers)")
        shallow, deep = _run("spiral_shallow"), _run("spiral_deep")
        better = "two" if deep.test_accuracy > shallow.test_accuracy else "one"
        if answer != better:
            raise LearnerError(
                f"one layer of 8 reaches {shallow.test_accuracy:.0%} on the test points, two "
                f"layers of 8 reach {deep.test_accuracy:.0%}. The second layer combines the "
                f"first layer's straight lines into curved pieces, which the spiral needs.")
    return run_check(cases, "right: on the spiral, depth pays.")


def check_too_high_lr(fn):
    """Experiment 4: ``fn() -> "diverges", "converges" or "crawls"``: the plane with a learning
    rate of 0.3 (one neuron, SGD)."""
    def cases():
        answer = _choice(fn, ("diverges", "converges", "crawls"),
                         "'diverges', 'converges' or 'crawls'")
        run = _run("lr_too_high", 50)
        truth = "diverges" if run.diverged else "converges"
        if answer != truth:
            raise LearnerError(
                f"with lr = 0.3 the run {'stopped: ' if run.diverged else 'did not diverge'}"
                f"{(run.diverged or '')[:90]}... Each step overshoots the bottom of the loss "
                f"by more than it corrects, so the weights swing further out every step "
                f"(06_optimizer); lr = 0.03 converges.")
    return run_check(cases, "right: too large a step overshoots more every time and diverges.")


def boundary_length(run, n: int = 64) -> float:
    """How long the decision boundary is, in units of the square's side: the number of
    neighbouring grid cells on either side of P = 1/2, divided by ``n``. A wiggly boundary is
    longer than a smooth one."""
    side = run.output_grid(n) > 0.5
    changes = np.count_nonzero(side[1:, :] != side[:-1, :]) + np.count_nonzero(
        side[:, 1:] != side[:, :-1])
    return changes / n


def check_l2_smooths(fn):
    """Experiment 5: ``fn() -> "shorter" or "longer"``: with L2 = 0.03, is the decision boundary
    of the overfit network shorter (smoother) or longer than without?"""
    def cases():
        answer = _choice(fn, ("shorter", "longer"), "'shorter' or 'longer'")
        plain, l2 = _run("overfit"), _run("overfit_l2")
        a, b = boundary_length(plain), boundary_length(l2)
        truth = "shorter" if b < a else "longer"
        if answer != truth:
            raise LearnerError(
                f"the boundary is {a:.2f} square-sides long without L2 and {b:.2f} with it. L2 "
                f"pulls every weight towards 0 at each step, and small weights give a gently "
                f"varying answer: the boundary stops chasing single noisy points.")
    return run_check(cases, "right: L2 keeps the weights small and the boundary smooth.")


def check_linear_layers(fn):
    """Experiment 6: ``fn() -> W`` of shape (2, 1): the single weight matrix that does the
    same as the four linear layers of the preset ``linear_deep`` at its start (their product)."""
    def cases():
        from dlcore.course.interactive.playground_data import preset
        from dlcore.course.interactive.playground_state import Playground

        run = Playground(preset("linear_deep"))
        weights = [W.astype(np.float64) for W in run.weights()]
        out = call_learner(fn, [W.copy() for W in weights])
        if out is None:
            raise LearnerError("your function returned None. Hint: did you forget `return`?")
        out = np.asarray(out, dtype=float)
        right = weights[0]
        for W in weights[1:]:
            right = right @ W
        if out.shape != right.shape:
            raise LearnerError(f"expected shape {right.shape} (2 inputs, 1 output), received "
                               f"{out.shape}. Hint: multiply the matrices in order, W1 @ W2 @ ...")
        reversed_product = weights[-1].T
        for W in weights[-2::-1]:
            reversed_product = reversed_product @ W.T
        scale = float(np.abs(weights[0]).max() * np.prod([np.abs(W).sum(0).max()
                                                           for W in weights[1:]]))
        if np.allclose(out, reversed_product.T, rtol=0, atol=1e-5 * scale) and not np.allclose(
                right, reversed_product.T, rtol=0, atol=1e-5 * scale):
            raise LearnerError("the order is reversed: rows are samples, so x passes W1 first: "
                               "x @ W1 @ W2 @ W3 @ W4 @ W5.")
        if not np.allclose(out, right, rtol=0, atol=1e-5 * scale):
            raise LearnerError(
                f"expected {np.round(right.ravel(), 4)}, received {np.round(out.ravel(), 4)}. "
                f"Hint: with the linear activation every layer is x @ W + b, so the layers "
                f"together are x @ (W1 @ W2 @ ...) plus one bias: multiply all the W.")
    return run_check(cases, "right: without a non-linearity, many layers make one matrix.")


def check_bias_moves_line(fn):
    """Experiment 7: ``fn(w1, w2, b) -> (x1, x2)``: the point of the neuron's line
    ``w1 x1 + w2 x2 + b = 0`` nearest the origin (where the bias puts the line, 02)."""
    def cases():
        for w1, w2, b in ((1.0, 1.0, -2.0), (0.5, -2.0, 1.0), (3.0, 0.0, 6.0)):
            out = call_learner(fn, w1, w2, b)
            if out is None:
                raise LearnerError("your function returned None. Hint: did you forget `return`?")
            out = np.asarray(out, dtype=float).ravel()
            w = np.array([w1, w2])
            right = -b * w / (w @ w)
            if out.shape != (2,):
                raise LearnerError(f"expected two numbers (x1, x2), received shape {out.shape}.")
            if np.allclose(out, -right, atol=1e-6):
                raise LearnerError(
                    f"for w = ({w1}, {w2}), b = {b}: wrong sign. On the line w·x = -b, so the "
                    f"point is -b w / |w|², on the side the bias pushes it away from.")
            if not np.allclose(out, right, atol=1e-6):
                raise LearnerError(
                    f"for w = ({w1}, {w2}), b = {b}: expected ({right[0]:.3g}, {right[1]:.3g}), "
                    f"received ({out[0]:.3g}, {out[1]:.3g}). Hint: the nearest point lies along "
                    f"w: x = t w, and w·(t w) + b = 0 gives t = -b / |w|².")
    return run_check(cases, "right: the bias slides the line along w, by -b / |w| from 0.")
