"""Parameter, Layer, Sequential and register: the contract, named state, the registry, modes,
prediction and the summary."""

import numpy as np
import pytest

from dlcore.activations import ReLU, Sigmoid, Softmax, sigmoid
from dlcore.layers import Dense, Dropout
from dlcore.layers import Dense as DlcoreDense
from dlcore.module import LAYER_REGISTRY, Layer, Parameter, Sequential, register
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


def test_grad_is_a_plain_attribute_zeroed_in_place():
    p = Parameter(np.ones((3, 2)), "W")
    grad = p.grad  # an optimizer or a plot may hold this array
    p.grad += 7.0
    p.zero_grad()
    assert p.grad is grad and not grad.any()  # zeroed in place, the same array
    p.grad = np.full((3, 2), 2.0)  # and it may be assigned like any attribute
    p.grad += 1.0
    assert np.array_equal(p.grad, np.full((3, 2), 3.0))


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


def test_needs_input_grad_false_lets_the_first_layer_skip_dx_with_the_same_parameter_grads():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4))
    dout = rng.standard_normal((5, 3))

    def build():
        return Sequential(Dense(4, 8, seed=0, dtype=np.float64), ReLU(),
                          Dense(8, 3, seed=1, dtype=np.float64))

    full, skipping = build(), build()
    assert full.needs_input_grad and all(layer.needs_input_grad for layer in full)
    skipping.needs_input_grad = False  # a plain attribute, as on every layer
    full.forward(x)
    skipping.forward(x)
    assert full.backward(dout).shape == (5, 4)
    assert skipping.backward(dout) is None
    # the rule: a Sequential's input is its first layer's input, so that layer is told
    assert [layer.needs_input_grad for layer in skipping] == [False, True, True]
    for a, b in zip(full.parameters(), skipping.parameters(), strict=True):
        assert np.array_equal(a.grad, b.grad)  # the same parameter gradients, bit for bit
    skipping.needs_input_grad = True
    skipping.forward(x)
    assert skipping.backward(dout).shape == (5, 4)
    assert skipping[0].needs_input_grad


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


def test_dlcore_layers_are_registered():
    for name in ["Dense", "ReLU", "Dropout", "Sequential", "Softmax", "BatchNorm", "Conv2D",
                 "MaxPool2D", "RNN", "Flatten", "Identity", "Sigmoid", "Tanh", "LeakyReLU"]:
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


# --- the registry ------------------------------------------------------------------------------


@pytest.fixture
def registry():
    """The registry as it is, restored after the test (which may register classes of its own)."""
    saved = dict(LAYER_REGISTRY)
    yield LAYER_REGISTRY
    LAYER_REGISTRY.clear()
    LAYER_REGISTRY.update(saved)


def test_defining_a_class_named_like_a_dlcore_layer_changes_nothing(registry):
    class Dense(Layer):  # a learner's own Dense, not registered
        parameter_names = ()

    assert registry["Dense"] is DlcoreDense
    assert Dense is not DlcoreDense


def test_a_name_clash_is_an_error_naming_both_classes(registry):
    class Dense(Layer):
        pass

    with pytest.raises(ValueError, match=r"register: expected a layer name that no other "
                                         r"registered class uses, received 'Dense', already the "
                                         r"name of dlcore\.layers\.Dense, for "
                                         r"test_module\..*<locals>\.Dense\. Hint: .*MyDense"):
        register(Dense)
    assert registry["Dense"] is DlcoreDense


def test_registering_a_learners_layer_and_defining_it_again(registry):
    def define():
        @register
        class Swish(Layer):
            keeps_shape = True

        return Swish

    first = define()
    assert registry["Swish"] is first
    second = define()  # the same class defined again (a notebook cell run twice) replaces it
    assert registry["Swish"] is second and second is not first
    assert register(second) is second  # registering twice is harmless


def test_register_refuses_what_is_not_a_layer_class():
    with pytest.raises(TypeError, match=r"register: expected a Layer subclass.*received type"):
        register(int)
    with pytest.raises(TypeError, match=r"register: expected a Layer subclass.*received Dense"):
        register(DlcoreDense(2, 2))


def test_a_parameters_method_is_refused_with_the_way_to_declare_them():
    with pytest.raises(TypeError, match=r"class Mine: expected the parameters to be listed by "
                                        r"name.*parameter_names = \('W', 'b'\)"):
        class Mine(Layer):
            def parameters(self):
                return []


# --- named state: parameters, buffers, state_dict, to ----------------------------------------


class Scale(Layer):
    """y = a * x with a learned a and a buffer that counts the forward passes (not learned)."""

    parameter_names = ("a",)
    buffer_names = ("calls",)
    keeps_shape = True

    def __init__(self):
        self.a = Parameter(np.full(3, 2.0, dtype=np.float32), "a")
        self.calls = np.zeros(1, dtype=np.float32)

    def forward(self, x):
        self.calls += 1
        self.x = x
        return x * self.a.value

    def backward(self, dout):
        self.a.grad += (dout * self.x).sum(axis=0)
        return dout * self.a.value


def test_named_parameters_and_buffers_follow_the_declared_names():
    model = Sequential(Dense(3, 3, seed=0), Sequential(Scale(), ReLU()))
    assert [name for name, _ in model.named_parameters()] == [
        "layers[0].W", "layers[0].b", "layers[1].layers[0].a"]
    assert [name for name, _ in model.named_buffers()] == ["layers[1].layers[0].calls"]
    assert model.parameters() == [p for _, p in model.named_parameters()]
    assert model[1][0].named_parameters() == [("a", model[1][0].a)]


def test_state_dict_is_a_snapshot_and_load_state_dict_puts_it_back_in_place():
    model = Sequential(Dense(3, 3, seed=0), Scale())
    state = model.state_dict()
    assert list(state) == ["layers[0].W", "layers[0].b", "layers[1].a", "layers[1].calls"]
    W = model[0].W.value
    model.forward(np.ones((2, 3), dtype=np.float32))
    model[0].W.value += 1.0
    assert model[1].calls[0] == 1 and state["layers[1].calls"][0] == 0  # a copy, not a view
    model.load_state_dict(state)
    assert model[0].W.value is W  # in place: an optimizer holding W stays valid
    assert_close(model[0].W.value, state["layers[0].W"])
    assert model[1].calls[0] == 0  # buffers come back too


def test_load_state_dict_names_what_does_not_fit():
    model = Sequential(Dense(3, 3, seed=0), Scale())
    state = model.state_dict()
    del state["layers[1].calls"]
    state["layers[2].W"] = np.zeros(3, dtype=np.float32)
    with pytest.raises(ValueError, match=r"\['layers\[1\]\.calls'\] missing and "
                                         r"\['layers\[2\]\.W'\] not in this layer"):
        model.load_state_dict(state)
    state = model.state_dict()
    state["layers[0].W"] = np.zeros((3, 4), dtype=np.float32)
    with pytest.raises(ValueError, match=r"expected layers\[0\]\.W of shape \(3, 3\), received "
                                         r"array of shape \(3, 4\)"):
        model.load_state_dict(state)
    state["layers[0].W"] = [[0.0] * 3] * 3
    with pytest.raises(TypeError, match=r"layers\[0\]\.W to be a float array, received list"):
        model.load_state_dict(state)
    with pytest.raises(TypeError, match=r"a dict of arrays from state_dict\(\), received list"):
        model.load_state_dict([])


def test_to_casts_parameters_and_buffers_of_every_layer():
    model = Sequential(Dense(3, 3, seed=0), Sequential(Scale())).to(np.float64)
    assert all(p.value.dtype == p.grad.dtype == np.float64 for p in model.parameters())
    assert model[1][0].calls.dtype == np.float64
    with pytest.raises(TypeError, match=r"a float dtype.*received dtype int32"):
        model.to(np.int32)


# --- output shapes ---------------------------------------------------------------------------


class Halve(Layer):
    """Changes the shape but forgets to declare it."""

    def forward(self, x):
        return x[:, ::2]


def test_a_layer_that_does_not_declare_its_shape_is_unknown_not_the_identity():
    with pytest.raises(NotImplementedError, match=r"Halve does not declare its output shape: "
                                                  r"set keeps_shape = True.*output_shape"):
        Halve().output_shape((None, 8))
    assert ReLU().output_shape((None, 8)) == (None, 8)  # activations keep the shape, and say so
    text = Sequential(Dense(4, 8), Halve(), Dense(4, 2)).summary()
    rows = text.splitlines()
    assert "(N, 8)" in rows[2] and rows[3].split()[-2] == "?" and rows[4].split()[-2] == "?"
    assert "? after layer 1: Halve does not declare its output shape" in text


# --- predict_proba: decided by what the last layer declares -----------------------------------


class MySoftmax(Softmax):
    """A subclass under another name: still a softmax output."""


def test_predict_proba_follows_the_declared_output_kind():
    X = np.random.default_rng(3).standard_normal((6, 4)).astype(np.float32)
    logits = Sequential(Dense(4, 3, seed=0))
    p = logits.predict_proba(X)
    nested = Sequential(Sequential(Dense(4, 3, seed=0), Softmax()))
    assert nested.output_kind == "softmax"
    assert_close(nested.predict_proba(X), p, n_terms=3)  # one softmax, not two
    assert_close(Sequential(Dense(4, 3, seed=0), MySoftmax()).predict_proba(X), p, n_terms=3)
    # several sigmoid outputs are independent probabilities (multi-label), returned as they are
    multi = Sequential(Dense(4, 3, seed=0), Sigmoid())
    assert multi.output_kind == "sigmoid"
    assert_close(multi.predict_proba(X), sigmoid(logits.predict(X)), n_terms=4)
    assert not np.allclose(multi.predict_proba(X).sum(axis=1), 1)


def test_predict_proba_refuses_an_unknown_output_kind():
    class Odd(Layer):
        output_kind = "probits"
        keeps_shape = True

        def forward(self, x):
            return x

    model = Sequential(Dense(4, 3, seed=0), Odd())
    with pytest.raises(ValueError, match=r"output_kind to be 'logits', 'softmax' or 'sigmoid', "
                                         r"received 'probits'"):
        model.predict_proba(np.zeros((2, 4), dtype=np.float32))
