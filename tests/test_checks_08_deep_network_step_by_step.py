"""Checkers of 08_deep_network_step_by_step: pass the reference and its correct variants, name the
typical mistakes (each with the hint a learner would read)."""

import numpy as np
import pytest

from dlcore.activations import sigmoid as stable_sigmoid
from dlcore.course.checks.deep_network_step_by_step import (
    check_compute_cost,
    check_initialize_parameters_deep,
    check_L_model_forward,
    check_linear_activation_forward,
    check_linear_forward,
)
from dlcore.course.checks.deep_network_step_by_step_backward import (
    check_L_model_backward,
    check_linear_activation_backward,
    check_linear_backward,
    check_predict,
    check_update_parameters,
    finished_or_reference,
)
from dlcore.course.checks.deep_network_step_by_step_reference import (
    REFERENCE,
)


def not_implemented(*args, **kwargs):
    """A learner's exercise stub that was not filled in yet."""
    raise NotImplementedError


def returns_none(*args, **kwargs):
    """A learner's function that forgot its ``return`` statement."""
    return None


def assert_fails_with(result, *hints):
    assert not result.passed
    assert result.message.startswith("❌")
    for hint in hints:
        assert hint in result.message, result.message


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def relu(Z):
    return np.maximum(0, Z)


# --- the reference solutions, as in the notebook -------------------------------------------------


def initialize_parameters_deep(layer_dims, seed=None):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * 0.01
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def linear_forward(A, W, b):
    Z = W @ A + b
    return Z, (A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, (linear_cache, Z)


def L_model_forward(X, parameters, hidden="relu", output="sigmoid"):
    caches, A = [], X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], hidden)
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], output)
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


def linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "relu":
        dZ = dA * (Z > 0)
    else:
        s = sigmoid(Z)
        dZ = dA * s * (1 - s)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches):
    grads, L = {}, len(caches)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for l in reversed(range(1, L + 1)):
        activation = "sigmoid" if l == L else "relu"
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            dA, caches[l - 1], activation)
        grads[f"dA{l - 1}"] = dA
    return grads


def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    new = {}
    for l in range(1, L + 1):
        new[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        new[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return new


def predict(X, parameters):
    AL, _ = L_model_forward(X, parameters)
    return (AL > 0.5).astype(int)


REFERENCES = [
    (check_initialize_parameters_deep, initialize_parameters_deep),
    (check_linear_forward, linear_forward),
    (check_linear_activation_forward, linear_activation_forward),
    (check_L_model_forward, L_model_forward),
    (check_compute_cost, compute_cost),
    (check_linear_backward, linear_backward),
    (check_linear_activation_backward, linear_activation_backward),
    (check_L_model_backward, L_model_backward),
    (check_update_parameters, update_parameters),
    (check_predict, predict),
]
CHECKER_IDS = [checker.__name__ for checker, _ in REFERENCES]


@pytest.mark.parametrize("checker, solution", REFERENCES, ids=CHECKER_IDS)
def test_the_reference_passes(checker, solution, capsys):
    result = checker(solution)
    assert result.passed and result
    assert capsys.readouterr().out.startswith("✅")


@pytest.mark.parametrize("checker, solution", REFERENCES, ids=CHECKER_IDS)
def test_the_course_reference_passes(checker, solution):
    assert checker(REFERENCE[solution.__name__]).passed


@pytest.mark.parametrize("checker", [c for c, _ in REFERENCES], ids=CHECKER_IDS)
def test_an_unfinished_exercise_is_reported(checker):
    assert_fails_with(checker(not_implemented), "NotImplementedError")


@pytest.mark.parametrize("checker", [c for c, _ in REFERENCES], ids=CHECKER_IDS)
def test_a_missing_return_is_reported(checker):
    assert_fails_with(checker(returns_none), "returned None")


@pytest.mark.parametrize("checker", [c for c, _ in REFERENCES], ids=CHECKER_IDS)
def test_the_result_instead_of_the_function_is_reported(checker):
    assert_fails_with(checker(np.zeros((2, 2))), "pass the function itself")


# --- correct variants: loops, einsum, float32, lists, other spellings ----------------------------


def init_with_normal(layer_dims, seed=None):
    rng = np.random.default_rng(seed)
    return {key: value for l in range(1, len(layer_dims)) for key, value in (
        (f"W{l}", rng.normal(0.0, 0.01, size=(layer_dims[l], layer_dims[l - 1]))),
        (f"b{l}", np.zeros((layer_dims[l], 1), dtype=np.float32)))}


def init_float32(layer_dims, seed=None):
    parameters = initialize_parameters_deep(layer_dims, seed)
    return {key: value.astype(np.float32) for key, value in parameters.items()}


def linear_forward_loops(A, W, b):
    Z = np.zeros((W.shape[0], A.shape[1]))
    for i in range(W.shape[0]):
        for j in range(A.shape[1]):
            Z[i, j] = sum(W[i, k] * A[k, j] for k in range(W.shape[1])) + b[i, 0]
    return Z, [A, W, b]


def linear_forward_einsum_float32(A, W, b):
    A32, W32, b32 = (x.astype(np.float32) for x in (A, W, b))
    return np.einsum("ik,kj->ij", W32, A32) + b32, (A, W, b)


def linear_forward_dot(A, W, b):
    return np.dot(W, A) + b, (A, W, b)


def activation_forward_stable(A_prev, W, b, activation):
    Z = np.einsum("ik,kj->ij", W, A_prev) + b
    A = stable_sigmoid(Z) if activation == "sigmoid" else Z * (Z > 0)
    return A, [[A_prev, W, b], Z]


def L_model_forward_float32(X, parameters):
    params = {k: v.astype(np.float32) for k, v in parameters.items()}
    L = len(params) // 2
    A, caches = X.astype(np.float32), []
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        caches.append(((A, params[f"W{l}"], params[f"b{l}"]), Z))
        A = stable_sigmoid(Z) if l == L else np.maximum(Z, 0)
    return A, caches


def cost_with_dot(AL, Y):
    m = Y.shape[1]
    cost = -(np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)) / m
    return np.squeeze(cost)


def cost_float32(AL, Y):
    AL32, Y32 = AL.astype(np.float32), Y.astype(np.float32)
    return -np.mean(Y32 * np.log(AL32) + (1 - Y32) * np.log(1 - AL32))


def linear_backward_einsum(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return (np.einsum("ki,kj->ij", W, dZ), np.einsum("ij,kj->ik", dZ, A_prev) / m,
            dZ.mean(axis=1, keepdims=True))


def linear_backward_loops_float32(dZ, cache):
    A_prev, W, b = (np.asarray(x, dtype=np.float32) for x in cache)
    dZ = dZ.astype(np.float32)
    m = A_prev.shape[1]
    dW = np.zeros(W.shape, dtype=np.float32)
    for j in range(m):
        dW += np.outer(dZ[:, j], A_prev[:, j])
    return W.T @ dZ, dW / m, dZ.sum(axis=1).reshape(-1, 1) / m


def activation_backward_heaviside(dA, cache, activation):
    (A_prev, W, b), Z = cache
    if activation == "relu":
        dZ = dA * np.heaviside(Z, 0)
    else:
        a = stable_sigmoid(Z)
        dZ = dA * a * (1 - a)
    m = Z.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m


def backward_from_dZ(AL, Y, caches):
    """Starts from dZ^[L] = AL - Y, the sigmoid's slope folded in (a correct shortcut)."""
    grads, L = {}, len(caches)
    dZ = AL - Y
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        if l < L:
            dZ = dZ * (Z > 0)
        m = A_prev.shape[1]
        grads[f"dW{l}"], grads[f"db{l}"] = dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m
        dZ = W.T @ dZ
    return grads


def update_in_place_float32(parameters, grads, learning_rate):
    for key in parameters:
        parameters[key] = (parameters[key] - learning_rate * grads["d" + key]).astype(np.float32)
    return parameters


def predict_bool(X, parameters):
    AL, _ = L_model_forward(X, parameters)
    return AL > 0.5


def predict_loop(X, parameters):
    AL, _ = L_model_forward(X, parameters)
    p = np.zeros((1, AL.shape[1]))
    for i in range(AL.shape[1]):
        p[0, i] = 1 if AL[0, i] > 0.5 else 0
    return p


def predict_from_Z(X, parameters):
    _, caches = L_model_forward(X, parameters)
    return (caches[-1][1] > 0).astype(int)         # sigmoid(Z) > 0.5 exactly when Z > 0


@pytest.mark.parametrize("checker, variant", [
    (check_initialize_parameters_deep, init_with_normal),
    (check_initialize_parameters_deep, init_float32),
    (check_linear_forward, linear_forward_loops),
    (check_linear_forward, linear_forward_einsum_float32),
    (check_linear_forward, linear_forward_dot),
    (check_linear_activation_forward, activation_forward_stable),
    (check_L_model_forward, L_model_forward_float32),
    (check_compute_cost, cost_with_dot),
    (check_compute_cost, cost_float32),
    (check_linear_backward, linear_backward_einsum),
    (check_linear_backward, linear_backward_loops_float32),
    (check_linear_activation_backward, activation_backward_heaviside),
    (check_L_model_backward, backward_from_dZ),
    (check_update_parameters, update_in_place_float32),
    (check_predict, predict_bool),
    (check_predict, predict_loop),
    (check_predict, predict_from_Z),
], ids=lambda x: getattr(x, "__name__", ""))
def test_a_correct_variant_passes(checker, variant):
    result = checker(variant)
    assert result.passed, result.message


# --- 1. initialize_parameters_deep ---------------------------------------------------------------


def init_with(scale=0.01, b=np.zeros, w_shape=lambda n, p: (n, p), b_shape=lambda n: (n, 1),
              draw=lambda rng, shape: rng.standard_normal(shape), reseed=False, start=1,
              stop=lambda dims: len(dims)):
    def init(layer_dims, seed=None):
        rng = np.random.default_rng(seed)
        parameters = {}
        for l in range(start, stop(layer_dims)):
            if reseed:
                rng = np.random.default_rng(seed)
            n, p = layer_dims[l], layer_dims[l - 1]
            s = scale(p) if callable(scale) else scale
            parameters[f"W{l}"] = draw(rng, w_shape(n, p)) * s
            parameters[f"b{l}"] = b(b_shape(n))
        return parameters
    return init


def init_global_state(layer_dims, seed=None):
    return {key: value for l in range(1, len(layer_dims)) for key, value in (
        (f"W{l}", np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01),  # noqa: NPY002
        (f"b{l}", np.zeros((layer_dims[l], 1))))}


def init_fixed_seed(layer_dims, seed=None):
    return initialize_parameters_deep(layer_dims, seed=3)


@pytest.mark.parametrize("wrong, hint", [
    (init_with(scale=1.0), "forgot the * 0.01"),
    (init_with(scale=lambda p: np.sqrt(2 / p)), "He's start"),
    (init_with(b=lambda shape: np.random.default_rng(0).standard_normal(shape)),
     "is not zero"),
    (init_with(b=np.ones), "is not zero"),
    (init_with(w_shape=lambda n, p: (p, n)), "(the transpose)"),
    (init_with(b_shape=lambda n: (n,)), "a column, np.zeros((layer_dims[l], 1))"),
    (init_with(stop=lambda dims: len(dims) - 1), "missing ['W3', 'b3']"),
    (init_with(draw=lambda rng, shape: rng.random(shape)), "rng.random draws uniform"),
    (init_with(reseed=True), "a new Generator for every layer"),
    (init_with(draw=lambda rng, shape: rng.standard_normal(shape[::-1]).T),
     "other random numbers than expected"),
    (init_global_state, "not from np.random.randn (global state)"),
    (init_fixed_seed, "the seed argument is ignored"),
], ids=lambda x: x if isinstance(x, str) else "")
def test_initialize_names_the_mistake(wrong, hint):
    assert_fails_with(check_initialize_parameters_deep(wrong), hint)


def test_initialize_with_an_extra_input_layer_is_named():
    def with_w0(layer_dims, seed=None):
        parameters = initialize_parameters_deep(layer_dims, seed)
        parameters["W0"], parameters["b0"] = np.zeros((1, 1)), np.zeros((1, 1))
        return parameters

    assert_fails_with(check_initialize_parameters_deep(with_w0), "extra ['W0', 'b0']",
                      "the input is layer 0 and has no weights")


def test_a_ragged_result_is_a_verdict_not_a_crash():
    def ragged(A, W, b):
        return [W @ A + b, [1.0, 2.0]], (A, W, b)

    assert_fails_with(check_linear_forward(ragged), "not an array of numbers")


def test_initialize_returning_a_list_is_named():
    assert_fails_with(check_initialize_parameters_deep(lambda dims, seed=None: [1, 2]),
                      "expected a dict")


# --- 2. linear_forward ---------------------------------------------------------------------------


def rows_habit(A, W, b):
    # the quoted line in the verdict is this function's body, not the test's expectation
    return A @ W + b, (A, W, b)


def transposed_W(A, W, b):
    return W.T @ A + b, (A, W, b)


@pytest.mark.parametrize("wrong, hints", [
    (lambda A, W, b: (W @ A, (A, W, b)), ["forgot the bias"]),
    (lambda A, W, b: (W @ A - b, (A, W, b)), ["wrong sign of the bias"]),
    (lambda A, W, b: ((W @ A + b).T, (A, W, b)), ["you returned Z.T"]),
    (lambda A, W, b: (relu(W @ A + b), (A, W, b)), ["you applied ReLU"]),
    (rows_habit, ["raised ValueError: matmul", "do not fit", "the weights come first"]),
    (transposed_W, ["raised ValueError: matmul", "W.T @ A is the rows-form habit"]),
    (lambda A, W, b: (W @ A + b.T, (A, W, b)) if A.shape[1] == W.shape[0] else
     linear_forward(A, W, b), ["added along the rows"]),
    (lambda A, W, b: (W @ A + b, (W, A, b)), ["cache should be (A_prev, W, b) in this order"]),
    (lambda A, W, b: (W @ A + b, (A, W)), ["expected the cache (A_prev, W, b)"]),
    (lambda A, W, b: W @ A + b, ["expected two things back, (Z, cache)"]),
])
def test_linear_forward_names_the_slip(wrong, hints):
    assert_fails_with(check_linear_forward(wrong), *hints)


def test_a_transposed_W_on_square_shapes_is_named_by_its_values():
    def square_only(A, W, b):
        return (W.T @ A + b if W.shape[0] == W.shape[1] else W @ A + b), (A, W, b)

    assert_fails_with(check_linear_forward(square_only), "W is transposed")


def test_the_order_of_the_product_on_square_shapes_is_named_by_its_values():
    def square_only(A, W, b):
        return (A @ W + b if A.shape == W.shape else W @ A + b), (A, W, b)

    assert_fails_with(check_linear_forward(square_only), "wrong order")


# --- 3. linear_activation_forward ----------------------------------------------------------------


def activation_swapped(A_prev, W, b, activation):
    return linear_activation_forward(A_prev, W, b, "relu" if activation == "sigmoid" else "sigmoid")


def activation_ignored(A_prev, W, b, activation):
    return linear_activation_forward(A_prev, W, b, "relu")


def activation_returns_Z(A_prev, W, b, activation):
    _, cache = linear_activation_forward(A_prev, W, b, activation)
    return cache[1], cache


def activation_cache_holds_A(A_prev, W, b, activation):
    A, (linear_cache, Z) = linear_activation_forward(A_prev, W, b, activation)
    return A, (linear_cache, A)


def activation_flat_cache(A_prev, W, b, activation):
    A, (linear_cache, Z) = linear_activation_forward(A_prev, W, b, activation)
    return A, (A_prev, W, b, Z)


def activation_sigmoid_sign(A_prev, W, b, activation):
    Z = W @ A_prev + b
    A = 1 / (1 + np.exp(Z)) if activation == "sigmoid" else relu(Z)
    return A, ((A_prev, W, b), Z)


def activation_rows_habit(A_prev, W, b, activation):
    Z = A_prev.T @ W.T + b
    return relu(Z), ((A_prev, W, b), Z)


@pytest.mark.parametrize("wrong, hints", [
    (activation_swapped, ["wrong activation", "activation='relu'"]),
    (activation_ignored, ["wrong activation", "activation='sigmoid'"]),
    (activation_returns_Z, ["you returned Z, before the activation"]),
    (activation_cache_holds_A, ["cache[1] should be Z", "it holds A"]),
    (activation_flat_cache, ["expected cache = (linear_cache, Z)"]),
    (activation_sigmoid_sign, ["sigmoid with the wrong sign"]),
    (activation_rows_habit, ["could not be broadcast", "the weights come first"]),
])
def test_linear_activation_forward_names_the_slip(wrong, hints):
    assert_fails_with(check_linear_activation_forward(wrong), *hints)


# --- 4. L_model_forward --------------------------------------------------------------------------


def forward_all_sigmoid(X, parameters):
    return L_model_forward(X, parameters, hidden="sigmoid")


def forward_all_relu(X, parameters):
    return L_model_forward(X, parameters, output="relu")


def forward_no_last_layer(X, parameters):
    caches, A = [], X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    return A, caches


def forward_L_not_halved(X, parameters):
    caches, A = [], X
    L = len(parameters)
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    return A, caches


def forward_always_X(X, parameters):
    caches = []
    L = len(parameters) // 2
    for l in range(1, L + 1):
        A, cache = linear_activation_forward(X, parameters[f"W{l}"], parameters[f"b{l}"],
                                             "sigmoid" if l == L else "relu")
        caches.append(cache)
    return A, caches


def forward_no_biases(X, parameters):
    zeros = {k: (np.zeros_like(v) if k.startswith("b") else v) for k, v in parameters.items()}
    AL, _ = L_model_forward(X, zeros)
    return AL, L_model_forward(X, parameters)[1]


def forward_missing_last_cache(X, parameters):
    AL, caches = L_model_forward(X, parameters)
    return AL, caches[:-1]


def forward_transposed(X, parameters):
    AL, caches = L_model_forward(X, parameters)
    return AL.T, caches


def forward_rows_habit(X, parameters):
    A = X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        A = relu(parameters[f"W{l}"].T @ A + parameters[f"b{l}"])
    return A, []


@pytest.mark.parametrize("wrong, hints", [
    (forward_all_sigmoid, ["AL: sigmoid in the hidden layers too"]),
    (forward_all_relu, ["AL: ReLU on the last layer too"]),
    (forward_no_last_layer, ["is the last layer missing?"]),
    (forward_L_not_halved, ["raised KeyError", "L = len(parameters) // 2"]),
    (forward_always_X, ["do not fit", "A is passed on from layer to layer"]),
    (forward_no_biases, ["AL: forgot the biases"]),
    (forward_missing_last_cache, ["a list of L = 3 caches"]),
    (forward_transposed, ["you returned AL.T"]),
    (forward_rows_habit, ["raised ValueError: matmul", "a stray .T"]),
])
def test_L_model_forward_names_the_slip(wrong, hints):
    assert_fails_with(check_L_model_forward(wrong), *hints)


# --- 5. compute_cost -----------------------------------------------------------------------------


def cost_dot_without_transpose(AL, Y):
    m = Y.shape[1]
    return float(-(np.dot(Y, np.log(AL)) + np.dot(1 - Y, np.log(1 - AL))) / m)


@pytest.mark.parametrize("wrong, hints", [
    (lambda AL, Y: -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)), ["forgot the 1/m"]),
    (lambda AL, Y: np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)), ["wrong sign"]),
    (lambda AL, Y: -np.mean(Y * np.log(AL)), ["only the Y * log(AL) term"]),
    (lambda AL, Y: -np.mean(Y * np.log(1 - AL) + (1 - Y) * np.log(AL)),
     ["paired the wrong way"]),
    (lambda AL, Y: -np.mean(Y * np.log10(AL) + (1 - Y) * np.log10(1 - AL)), ["np.log10"]),
    (lambda AL, Y: -(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)), ["expected one number"]),
    (cost_dot_without_transpose, ["not aligned", "np.dot(Y, np.log(AL).T)"]),
])
def test_compute_cost_names_the_slip(wrong, hints):
    assert_fails_with(check_compute_cost(wrong), *hints)


# --- 6. linear_backward --------------------------------------------------------------------------


def lb(dW=None, db=None, dA=None):
    """linear_backward with one of its three lines replaced."""
    def wrong(dZ, cache):
        A_prev, W, b = cache
        m = A_prev.shape[1]
        return ((dA or (lambda: W.T @ dZ))(),
                (dW or (lambda: dZ @ A_prev.T / m))(),
                (db or (lambda: np.sum(dZ, axis=1, keepdims=True) / m))())
    return wrong


def dW_without_transpose(dZ, cache):
    A_prev, W, b = cache
    return W.T @ dZ, dZ @ A_prev / A_prev.shape[1], dZ.mean(axis=1, keepdims=True)


def dA_without_transpose(dZ, cache):
    A_prev, W, b = cache
    return W @ dZ, dZ @ A_prev.T / A_prev.shape[1], dZ.mean(axis=1, keepdims=True)


def square_dA_without_transpose(dZ, cache):
    A_prev, W, b = cache
    dA_prev = W @ dZ if W.shape[0] == W.shape[1] else W.T @ dZ
    return dA_prev, dZ @ A_prev.T / A_prev.shape[1], dZ.mean(axis=1, keepdims=True)


@pytest.mark.parametrize("wrong, hints", [
    (lambda dZ, cache: lb(dW=lambda: dZ @ cache[0].T)(dZ, cache), ["dW: forgot the 1/m"]),
    (lambda dZ, cache: lb(dW=lambda: cache[0] @ dZ.T / dZ.shape[1])(dZ, cache),
     ["dW is transposed"]),
    (lambda dZ, cache: lb(dW=lambda: -dZ @ cache[0].T / dZ.shape[1])(dZ, cache),
     ["dW: wrong sign"]),
    (lambda dZ, cache: lb(db=lambda: np.sum(dZ, axis=0, keepdims=True) / dZ.shape[1])(dZ, cache),
     ["db summed over the wrong axis"]),
    (lambda dZ, cache: lb(db=lambda: np.sum(dZ, axis=0) / dZ.shape[1])(dZ, cache),
     ["db summed over the wrong axis"]),
    (lambda dZ, cache: lb(db=lambda: np.sum(dZ, axis=1) / dZ.shape[1])(dZ, cache),
     ["db lost its column shape"]),
    (lambda dZ, cache: lb(db=lambda: np.sum(dZ, axis=1, keepdims=True))(dZ, cache),
     ["db: forgot the 1/m"]),
    (lambda dZ, cache: lb(db=lambda: np.sum(dZ) / dZ.shape[1])(dZ, cache),
     ["db summed everything"]),
    (lambda dZ, cache: lb(dA=lambda: cache[1].T @ dZ / dZ.shape[1])(dZ, cache),
     ["dA_prev: you divided by m"]),
    (dW_without_transpose, ["raised ValueError: matmul", "dW = dZ @ A_prev.T"]),
    (dA_without_transpose, ["raised ValueError: matmul", "dA_prev = W.T @ dZ"]),
    (square_dA_without_transpose, ["dA_prev: forgot to transpose W"]),
    (lambda dZ, cache: linear_backward(dZ, cache)[1:], ["expected three gradients back"]),
])
def test_linear_backward_names_the_slip(wrong, hints):
    assert_fails_with(check_linear_backward(wrong), *hints)


# --- 7. linear_activation_backward ---------------------------------------------------------------


def lab(make_dZ):
    def wrong(dA, cache, activation):
        linear_cache, Z = cache
        return linear_backward(make_dZ(dA, Z, activation), linear_cache)
    return wrong


def right_dZ(dA, Z, activation):
    s = sigmoid(Z)
    return dA * (Z > 0) if activation == "relu" else dA * s * (1 - s)


@pytest.mark.parametrize("wrong, hints", [
    (lab(lambda dA, Z, a: dA), ["(activation='relu') dZ: you used dA itself"]),
    (lab(lambda dA, Z, a: dA if a == "sigmoid" else right_dZ(dA, Z, a)),
     ["(activation='sigmoid') dZ: you used dA itself"]),
    (lab(lambda dA, Z, a: right_dZ(dA, Z, "sigmoid" if a == "relu" else "relu")),
     ["the slope of the wrong activation"]),
    (lab(lambda dA, Z, a: dA * sigmoid(Z) if a == "sigmoid" else right_dZ(dA, Z, a)),
     ["multiplied by g(Z) instead of its slope"]),
    (lab(lambda dA, Z, a: dA * Z * (1 - Z) if a == "sigmoid" else right_dZ(dA, Z, a)),
     ["not Z * (1 - Z)"]),
])
def test_linear_activation_backward_names_the_slip(wrong, hints):
    assert_fails_with(check_linear_activation_backward(wrong), *hints)


def test_linear_activation_backward_names_a_linear_slip_too():
    def no_mean_in_dW(dA, cache, activation):
        linear_cache, Z = cache
        dA_prev, dW, db = linear_backward(right_dZ(dA, Z, activation), linear_cache)
        return dA_prev, dW * Z.shape[1], db

    assert_fails_with(check_linear_activation_backward(no_mean_in_dW), "dW: forgot the 1/m")


# --- 8. L_model_backward -------------------------------------------------------------------------


def backward_with(dAL=None, output="sigmoid", hidden="relu", key=lambda l: l):
    def wrong(AL, Y, caches):
        grads, L = {}, len(caches)
        dA = (dAL or (lambda AL, Y: -(Y / AL - (1 - Y) / (1 - AL))))(AL, Y)
        for l in range(L, 0, -1):
            linear_cache, Z = caches[l - 1]
            activation = output if l == L else hidden
            dZ = dA if activation is None else right_dZ(dA, Z, activation)
            dA, grads[f"dW{key(l)}"], grads[f"db{key(l)}"] = linear_backward(dZ, linear_cache)
        return grads
    return wrong


@pytest.mark.parametrize("wrong, hints", [
    (backward_with(dAL=lambda AL, Y: Y / AL - (1 - Y) / (1 - AL)), ["the sign of dAL is wrong"]),
    (backward_with(dAL=lambda AL, Y: AL - Y), ["AL - Y is already dZ^[L]"]),
    (backward_with(dAL=lambda AL, Y: -(Y / AL - (1 - Y) / (1 - AL)) / Y.shape[1]),
     ["the 1/m is applied twice"]),
    (backward_with(output="relu"), ["the last layer went back through ReLU"]),
    (backward_with(hidden="sigmoid"), ["the hidden layers went back through sigmoid"]),
    (backward_with(hidden=None), ["miss the slope of ReLU"]),
    (backward_with(key=lambda l: l - 1), ["no key 'dW3'", "off by one"]),
    (backward_with(key=lambda l: 4 - l), ["grads['dW3'] holds the gradient of layer 1"]),
    (backward_with(key=lambda l: f"_{l}"), ["grads has no key 'dW3'"]),
    (lambda AL, Y, caches: [backward_with()(AL, Y, caches)], ["expected a dict"]),
])
def test_L_model_backward_names_the_slip(wrong, hints):
    assert_fails_with(check_L_model_backward(wrong), *hints)


# --- 9. update_parameters ------------------------------------------------------------------------


def update_with(rule, keys=lambda p: p):
    def wrong(parameters, grads, learning_rate):
        new = dict(parameters)
        for key in keys(list(parameters)):
            new[key] = rule(parameters[key], grads["d" + key], learning_rate)
        return new
    return wrong


def update_forgets_return(parameters, grads, learning_rate):
    for key in parameters:
        parameters[key] -= learning_rate * grads["d" + key]


@pytest.mark.parametrize("wrong, hints", [
    (update_with(lambda p, g, lr: p + lr * g), ["W1: + instead of -"]),
    (update_with(lambda p, g, lr: p - g), ["W1: forgot the learning rate"]),
    (update_with(lambda p, g, lr: p - lr * g, keys=lambda k: [x for x in k if x[0] == "W"]),
     ["b1: not updated"]),
    (update_with(lambda p, g, lr: p - lr * g, keys=lambda k: k[:-2]), ["W3: not updated"]),
    (update_forgets_return, ["returned None", "return parameters"]),
])
def test_update_parameters_names_the_slip(wrong, hints):
    assert_fails_with(check_update_parameters(wrong), *hints)


# --- 10. predict ---------------------------------------------------------------------------------


def predict_with(rule):
    def wrong(X, parameters):
        AL, _ = L_model_forward(X, parameters)
        return rule(AL)
    return wrong


@pytest.mark.parametrize("wrong, hints", [
    (predict_with(lambda AL: (AL > 0).astype(int)), ["every prediction is 1"]),
    (predict_with(lambda AL: (AL > 0.7).astype(int)), ["wrong threshold"]),
    (predict_with(lambda AL: (AL < 0.5).astype(int)), ["the labels are flipped"]),
    (predict_with(lambda AL: AL), ["not all 0 or 1", "probabilities"]),
    (predict_with(lambda AL: (AL > 0.5).astype(int).ravel()), ["expected (1, 40)"]),
    (predict_with(lambda AL: ((AL > 0.5).astype(int), AL)), ["expected the predictions only"]),
])
def test_predict_names_the_slip(wrong, hints):
    assert_fails_with(check_predict(wrong), *hints)


# --- finished_or_reference -----------------------------------------------------------------------


def test_finished_functions_are_kept_and_unfinished_ones_replaced(capsys):
    def L_model_forward(X, parameters):  # noqa: F811 (the learner's unfinished one)
        raise NotImplementedError

    init, forward = finished_or_reference(initialize_parameters_deep, L_model_forward)
    out = capsys.readouterr().out
    assert init is initialize_parameters_deep and forward is REFERENCE["L_model_forward"]
    assert "stands in for: L_model_forward" in out
    # run again on what it returned: the course's version is still reported as standing in
    finished_or_reference(init, forward)
    assert "stands in for: L_model_forward" in capsys.readouterr().out


def test_all_finished_says_so(capsys):
    finished_or_reference(initialize_parameters_deep, predict)
    assert "All 2 functions pass their checks" in capsys.readouterr().out


def test_an_unknown_function_is_an_error():
    with pytest.raises(ValueError, match="expected one of"):
        finished_or_reference(sigmoid)
