"""Parameter, Layer and Sequential: the contract, modes, prediction and the summary."""

import numpy as np
import pytest

from dlcore.activations import ReLU, Sigmoid, Softmax
from dlcore.layers import Dense, Dropout
from dlcore.module import LAYER_REGISTRY, Parameter, Sequential
from dlcore.tolerance import assert_close


def small_model(seed=0):
    return Sequential(Dense(4, 8, seed=seed), ReLU(), Dropout(0.5, seed=seed), Dense(8, 3, seed=seed + 1))


def test_parameter_holds_value_and_zero_grad():
    p = Parameter(np.ones((2, 3)), "W")
    assert p.grad.shape == (2, 3) and not p.grad.any()
    p.grad += 5
    p.zero_grad()
    assert not p.grad.any()
    assert Parameter([1, 2]).dtype == np.float32  # integers become the training dtype


def test_add_matmul_writes_after_zero_grad_and_adds_otherwise():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((5, 2))
    p = Parameter(np.ones((3, 2)), "W")
    p.grad += 7.0
    p.add_matmul(a, b)  # not known to be zero: added to the 7s
    assert np.allclose(p.grad, 7.0 + a @ b)
    p.zero_grad()
    grad = p.grad  # the same array object throughout (optimizers and plots hold it)
    p.zero_grad()
    p.add_matmul(a, b)  # right after zero_grad: written, the same numbers as 0 + a @ b
    assert p.grad is grad and np.array_equal(p.grad, a @ b)
    p.add_matmul(a, b)  # a second contribution (a weight used twice) is added
    assert np.allclose(p.grad, 2 * (a @ b))
    p.zero_grad()
    p.grad[0, 0] = 100.0  # a write through p.grad after zero_grad must not be lost
    p.add_matmul(a, b)
    assert np.isclose(p.grad[0, 0], 100.0 + (a @ b)[0, 0])
    assert np.allclose(p.grad[1:], (a @ b)[1:])


def test_sequential_forward_is_composition_and_backward_reverses():
    model = Sequential(Dense(4, 8, seed=0), ReLU(), Dense(8, 3, seed=1))
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    W1, b1, W2, b2 = (p.value for p in model.parameters())
    expected = np.maximum(x @ W1 + b1, 0) @ W2 + b2
    # float32 sums of 4 + 1 and then 8 + 1 terms, whose size is at most:
    terms = (np.abs(x) @ np.abs(W1) + np.abs(b1)) @ np.abs(W2) + np.abs(b2)
    assert_close(model.forward(x), expected, n_terms=4 + 8 + 2, scale=terms.max(),
                 what="Sequential.forward and the layers by hand")
    dx = model.backward(np.ones((5, 3), dtype=np.float32))
    assert dx.shape == (5, 4)
    assert model[0].W.grad.any() and model[2].W.grad.any()


def test_needs_input_grad_false_stops_backward_at_the_first_layer_with_parameters():
    from dlcore.layers import Flatten

    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 2, 2))
    dout = rng.standard_normal((5, 3))

    def build():
        return Sequential(Flatten(), Dense(4, 8, seed=0, dtype=np.float64), ReLU(),
                          Dense(8, 3, seed=1, dtype=np.float64))

    full, skipping = build(), build()
    assert full.needs_input_grad and all(layer.needs_input_grad for layer in full)
    skipping.needs_input_grad = False
    # Flatten and the first Dense need not send a gradient back; the layers after them must
    assert [layer.needs_input_grad for layer in skipping] == [False, False, True, True]
    full.forward(x)
    skipping.forward(x)
    assert full.backward(dout).shape == (5, 2, 2)
    assert skipping.backward(dout) is None
    for a, b in zip(full.parameters(), skipping.parameters(), strict=True):
        assert np.array_equal(a.grad, b.grad)  # the same parameter gradients, bit for bit
    skipping.needs_input_grad = True
    assert all(layer.needs_input_grad for layer in skipping)
    skipping.forward(x)
    assert skipping.backward(dout).shape == (5, 2, 2)


def test_parameters_order_and_count():
    model = small_model()
    names = [p.name for p in model.parameters()]
    assert names == ["W", "b", "W", "b"]
    assert model.num_parameters() == 4 * 8 + 8 + 8 * 3 + 3


def test_train_eval_switch_children():
    model = small_model()
    model.eval()
    assert all(not layer.training for layer in model)
    model.train()
    assert all(layer.training for layer in model)


def test_predict_is_batched_and_deterministic_in_eval_mode():
    model = small_model()
    X = np.random.default_rng(1).standard_normal((50, 4)).astype(np.float32)
    out_a = model.predict(X, batch_size=7)
    out_b = model.predict(X, batch_size=1024)
    # other batch sizes are other matrix products: equal up to float32 rounding of the sums
    assert out_a.shape == (50, 3)
    assert_close(out_a, out_b, n_terms=4 + 8 + 2, what="predictions in batches of 7 and of 50")
    assert model.training  # predict restores the mode


def test_predict_proba_rows_sum_to_one():
    model = small_model()
    X = np.random.default_rng(2).standard_normal((10, 4)).astype(np.float32)
    p = model.predict_proba(X)
    assert p.shape == (10, 3)
    assert_close(p.sum(axis=1), np.ones(10), n_terms=3, what="each row of probabilities summed")
    # with an explicit Softmax at the end, the output is returned as it is
    with_softmax = Sequential(*model.layers, Softmax())
    assert_close(with_softmax.predict_proba(X), p, n_terms=3,
                 what="a Softmax layer's output and predict_proba")
    # one output -> two columns [P(0), P(1)]
    binary = Sequential(Dense(4, 1, seed=0))
    pb = binary.predict_proba(X)
    assert pb.shape == (10, 2)
    assert_close(pb.sum(axis=1), np.ones(10), n_terms=2, what="P(0) + P(1)")
    assert_close(Sequential(Dense(4, 1, seed=0), Sigmoid()).predict_proba(X), pb, n_terms=2,
                 what="a Sigmoid layer's output and predict_proba")


def test_summary_counts_parameters_and_shapes():
    text = small_model().summary()
    assert "(N, 8)" in text and "(N, 3)" in text
    assert "total parameters: 67" in text
    assert "Dense(in_features=4, out_features=8, init='he')" in text


def test_layers_register_by_name():
    for name in ["Dense", "ReLU", "Dropout", "Sequential", "Softmax"]:
        assert name in LAYER_REGISTRY


def test_sequential_rejects_classes_and_arrays():
    with pytest.raises(TypeError, match=r"expected every item to be a dlcore layer.*received type at position 1.*ReLU\(\)"):
        Sequential(Dense(2, 2), ReLU)
    with pytest.raises(TypeError, match=r"received ndarray at position 0"):
        Sequential(np.zeros(3))


def test_predict_rejects_empty_and_bad_batch_size():
    model = small_model()
    with pytest.raises(ValueError, match=r"non-empty batch.*shape \(0, 4\)"):
        model.predict(np.zeros((0, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"batch_size to be a positive integer, received 0"):
        model.predict(np.zeros((3, 4), dtype=np.float32), batch_size=0)


def test_predict_on_a_slice_leaves_every_layer_as_it_was():
    model = small_model()
    model.eval()
    head = model[:2]                      # shares its layers with model
    assert not head.training
    head.predict(np.zeros((3, 4), dtype=np.float32))
    assert all(not layer.training for layer in model)
    model.train()
    model[2].eval()                       # a mixed state is restored too
    model.predict(np.zeros((3, 4), dtype=np.float32))
    assert [layer.training for layer in model] == [True, True, False, True]
