"""Tests for dlcore.io: a saved model comes back identical, and every bad file gets a clear error."""

import json
import os

import numpy as np
import pytest

from dlcore import conv, io, layers, recurrent
from dlcore.activations import ReLU, Sigmoid, Softmax, Tanh
from dlcore.layers import Dense, Dropout, Flatten
from dlcore.module import LAYER_REGISTRY, Layer, Parameter, Sequential, register


@pytest.fixture
def registry():
    """The registry as it is, restored after the test (which registers classes of its own)."""
    saved = dict(LAYER_REGISTRY)
    yield LAYER_REGISTRY
    LAYER_REGISTRY.clear()
    LAYER_REGISTRY.update(saved)


def mlp():
    return Sequential(
        Dense(4, 8, seed=0), ReLU(), Dropout(0.3, seed=1), Dense(8, 6, seed=2), Tanh(),
        Dense(6, 3, init="xavier", seed=3), Softmax(),
    )


def inputs(shape=(7, 4), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def rewrite(path, out, edit_header=None, drop=()):
    """Copy a saved model file, editing its JSON and/or dropping arrays (to build bad files)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k not in drop}
    header = json.loads(str(arrays["architecture"][()]))
    if edit_header is not None:
        edit_header(header)
    arrays["architecture"] = np.array(json.dumps(header))
    np.savez(out, **arrays)
    return out


# --- round trips ---------------------------------------------------------------------------------


def test_round_trip_gives_identical_predictions(tmp_path):
    model = mlp()
    # change the weights away from their seeded start, so the test cannot pass by re-seeding
    for p in model.parameters():
        p.value += np.float32(0.25)
    path = io.save(model, tmp_path / "model")
    assert path == str(tmp_path / "model.npz")
    assert os.path.isfile(path)
    loaded = io.load(path)
    assert isinstance(loaded, Sequential)
    assert [type(layer).__name__ for layer in loaded] == [type(layer).__name__ for layer in model]
    assert loaded[2].p == pytest.approx(0.3)
    X = inputs()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    for p, q in zip(model.parameters(), loaded.parameters(), strict=True):
        np.testing.assert_array_equal(p.value, q.value)
        assert p.value.dtype == q.value.dtype == np.float32
        assert not np.any(q.grad)


def test_load_finds_the_file_without_the_extension(tmp_path):
    path = io.save(Sequential(Dense(2, 2, seed=0)), str(tmp_path / "net.npz"))
    assert path.endswith("net.npz") and not path.endswith(".npz.npz")
    model = io.load(tmp_path / "net")
    assert model.num_parameters() == 6


def test_file_format_is_plain_arrays_and_json_named_like_the_state_dict(tmp_path):
    model = mlp()
    path = io.save(model, tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as data:  # no pickle needed to read any entry
        files = set(data.files)
        text = data["architecture"]
        assert text.dtype.kind == "U" and text.ndim == 0
        header = json.loads(str(text[()]))
        W0 = data["layers[0].W"]
    assert files == {"architecture"} | set(model.state_dict())
    assert header["format"] == "dlcore-model" and header["format_version"] == 2
    assert header["dlcore_version"]
    assert header["model"]["class"] == "Sequential"
    assert header["model"]["layers"][0] == {
        "class": "Dense",
        "config": {"in_features": 4, "out_features": 8, "init": "he"},
    }
    assert header["state"][0] == {"key": "layers[0].W", "shape": [4, 8], "dtype": "float32"}
    np.testing.assert_array_equal(W0, model[0].W.value)


def test_a_file_of_format_version_1_gets_a_clear_error(tmp_path):
    path = io.save(mlp(), tmp_path / "m")

    def old_format(header):
        header["format_version"] = 1
        header["parameters"] = header.pop("state")

    old = rewrite(path, tmp_path / "old.npz", old_format)
    with pytest.raises(ValueError, match=r"old\.npz' has format version 1.*before models were "
                                         r"saved by name.*reads format version 2 only\. Hint: "):
        io.load(old)


def test_nested_sequential_and_a_single_layer(tmp_path):
    inner = Sequential(Dense(3, 5, seed=0), Sigmoid())
    model = Sequential(inner, Dense(5, 2, seed=1))
    loaded = io.load(io.save(model, tmp_path / "nested"))
    assert isinstance(loaded[0], Sequential) and len(loaded[0]) == 2
    X = inputs((4, 3))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

    dense = Dense(3, 2, seed=5)
    back = io.load(io.save(dense, tmp_path / "dense"))
    assert isinstance(back, Dense)
    np.testing.assert_array_equal(back.W.value, dense.W.value)


def test_float64_model_comes_back_float64(tmp_path):
    model = Sequential(Dense(3, 2, seed=0)).to(np.float64)
    model[0].W.value[0, 0] = 1 / 3  # a value float32 cannot hold exactly
    loaded = io.load(io.save(model, tmp_path / "f64"))
    assert loaded[0].W.value.dtype == np.float64
    assert loaded[0].W.value[0, 0] == 1 / 3


def test_round_trip_with_conv_and_rnn(tmp_path):
    cnn = Sequential(
        conv.Conv2D(1, 2, 3, padding=1, seed=0), ReLU(), conv.MaxPool2D(2), Flatten(),
        Dense(2 * 3 * 3, 3, seed=1),
    )
    X = inputs((2, 1, 6, 6))
    for p in cnn.parameters():
        p.value += np.float32(0.1)
    loaded = io.load(io.save(cnn, tmp_path / "cnn"))
    np.testing.assert_array_equal(loaded.predict(X), cnn.predict(X))

    assert loaded[0].config() == cnn[0].config() and loaded[2].config() == cnn[2].config()

    rnn = Sequential(recurrent.RNN(3, 4, return_sequences=True, seed=0), Flatten(),
                     Dense(5 * 4, 2, seed=1))
    for p in rnn.parameters():
        p.value += np.float32(0.1)
    X = inputs((2, 5, 3))
    loaded = io.load(io.save(rnn, tmp_path / "rnn"))
    assert loaded[0].return_sequences is True
    np.testing.assert_array_equal(loaded.predict(X), rnn.predict(X))


# --- save must not destroy a good file ------------------------------------------------------------


def test_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    model = Sequential(Dense(2, 2, seed=0))
    path = io.save(model, tmp_path / "keep")
    before = open(path, "rb").read()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half a file")
        raise OSError("No space left on device")

    monkeypatch.setattr(io.np, "savez", broken_savez)
    with pytest.raises(OSError, match="No space left"):
        io.save(Sequential(Dense(2, 2, seed=9)), path)
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["keep.npz"]  # the temporary file was removed


class Unsaveable(Layer):
    def config(self):
        return {"f": object()}


def test_unserialisable_config_is_a_type_error_and_writes_nothing(tmp_path, registry):
    register(Unsaveable)
    with pytest.raises(TypeError, match=r"config\(\) holds a value JSON cannot store.*object"):
        io.save(Sequential(Unsaveable()), tmp_path / "bad")
    assert os.listdir(tmp_path) == []


def my_init(shape, seed=None):
    return np.full(shape, 0.5, dtype=np.float32)


def test_model_that_cannot_be_rebuilt_is_refused_at_save_time(tmp_path):
    # the config of a Dense made with a function only holds the function's name
    model = Sequential(Dense(2, 3, init=my_init))
    with pytest.raises(ValueError, match=r"could not be loaded back from the file, so nothing "
                                         r"was written.*Dense.*my_init"):
        io.save(model, tmp_path / "custom")
    assert os.listdir(tmp_path) == []


class ForgetfulLayer(Layer):
    """A layer whose config() forgets the argument that sets its parameter's shape."""

    parameter_names = ("w",)

    def __init__(self, size=2):
        self.w = Parameter(np.zeros(size, dtype=np.float32), "w")

    def forward(self, x):
        return x

    def backward(self, dout):
        return dout



def test_config_that_rebuilds_another_shape_is_refused(tmp_path, registry):
    register(ForgetfulLayer)
    with pytest.raises(ValueError, match=r"does not rebuild the same layer: the model's state "
                                         r"has the shapes \{'w': \(5,\)\}, the rebuilt one "
                                         r"\{'w': \(2,\)\}"):
        io.save(ForgetfulLayer(5), tmp_path / "forgetful")
    assert os.listdir(tmp_path) == []


def test_save_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match=r"expected a dlcore model.*received list"):
        io.save([Dense(2, 2)], tmp_path / "x")
    with pytest.raises(TypeError, match=r"file name.*received int 3"):
        io.save(Dense(2, 2), 3)
    missing_dir = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match=r"expected the directory .*no/such.* to exist"):
        io.save(Dense(2, 2), missing_dir / "m")


# --- bad files -------------------------------------------------------------------------------------


def test_missing_file_names_the_path(tmp_path):
    target = tmp_path / "nowhere.npz"
    with pytest.raises(FileNotFoundError, match=r"no file at .*nowhere\.npz"):
        io.load(target)


def test_truncated_file(tmp_path):
    path = io.save(mlp(), tmp_path / "full")
    data = open(path, "rb").read()
    half = tmp_path / "half.npz"
    half.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"half\.npz.*not a complete dlcore model file"):
        io.load(half)


def test_text_file_renamed_npz(tmp_path):
    fake = tmp_path / "notes.npz"
    fake.write_text("these are my notes, not a model")
    with pytest.raises(ValueError, match=r"notes\.npz.*not a complete dlcore model file.*not a "
                                         r"\.npz \(zip\) archive"):
        io.load(fake)


def test_empty_file_and_npy_file(tmp_path):
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.npz.*not a complete dlcore model file"):
        io.load(empty)
    npy = tmp_path / "array.npz"
    with open(npy, "wb") as f:
        np.save(f, np.ones(3))
    with pytest.raises(ValueError, match=r"array\.npz.*not a complete dlcore model file"):
        io.load(npy)


def test_foreign_npz_lists_expected_and_found_keys(tmp_path):
    foreign = tmp_path / "weights.npz"
    np.savez(foreign, W1=np.ones((2, 2)), b1=np.zeros(2))
    with pytest.raises(ValueError, match=r"not a dlcore model: expected an entry named "
                                         r"'architecture'.*found the keys \['W1', 'b1'\]"):
        io.load(foreign)


def test_unknown_layer_class_is_named_and_known_ones_listed(tmp_path):
    path = io.save(mlp(), tmp_path / "m")

    def rename(header):
        header["model"]["layers"][1]["class"] = "Swish"

    bad = rewrite(path, tmp_path / "swish.npz", rename)
    with pytest.raises(ValueError, match=r"layer class 'Swish' \(at layers\[1\]\).*not a "
                                         r"registered layer\. Known layers: .*Dense.*ReLU.*"
                                         r"@register"):
        io.load(bad)


def test_a_missing_array_or_entry(tmp_path):
    path = io.save(mlp(), tmp_path / "m")
    bad = rewrite(path, tmp_path / "short.npz", drop=("layers[5].b",))
    with pytest.raises(ValueError, match=r"short\.npz.*not a complete dlcore model file \(the "
                                         r"array 'layers\[5\]\.b' is missing\)"):
        io.load(bad)

    def forget(header):
        header["state"] = header["state"][:-1]

    bad = rewrite(path, tmp_path / "forgot.npz", forget, drop=("layers[5].b",))
    with pytest.raises(ValueError, match=r"expected Dense.* at layers\[5\] to hold b of shape "
                                         r"\(3,\), received no array 'layers\[5\]\.b'"):
        io.load(bad)


def test_wrong_parameter_shape(tmp_path):
    path = io.save(mlp(), tmp_path / "m")

    def widen(header):
        header["model"]["layers"][0]["config"]["out_features"] = 9

    bad = rewrite(path, tmp_path / "wide.npz", widen)
    with pytest.raises(ValueError, match=r"expected Dense.* at layers\[0\] to hold W of shape "
                                         r"\(4, 9\), received the array 'layers\[0\]\.W' of "
                                         r"shape \(4, 8\)"):
        io.load(bad)


def test_array_that_disagrees_with_its_description(tmp_path):
    path = io.save(mlp(), tmp_path / "m")

    def lie(header):
        header["state"][1]["dtype"] = "float64"

    bad = rewrite(path, tmp_path / "lie.npz", lie)
    with pytest.raises(ValueError, match=r"the array layers\[0\]\.b in .* is \(8,\) float32, "
                                         r"but the architecture says \(8,\) float64"):
        io.load(bad)


def test_newer_format_version(tmp_path):
    path = io.save(mlp(), tmp_path / "m")

    def bump(header):
        header["format_version"] = 99

    bad = rewrite(path, tmp_path / "future.npz", bump)
    with pytest.raises(ValueError, match=r"format version 99.*reads format version 2"):
        io.load(bad)


# --- registration: what may be saved -------------------------------------------------------------


class Shift(Layer):
    """A learner's own layer: y = x + c, with a learned c."""

    parameter_names = ("c",)
    keeps_shape = True

    def __init__(self, size=3):
        self.size = size
        self.c = Parameter(np.zeros(size, dtype=np.float32), "c")

    def forward(self, x):
        return x + self.c.value

    def backward(self, dout):
        self.c.grad += dout.sum(axis=0)
        return dout

    def config(self):
        return {"size": self.size}


def test_a_learners_registered_layer_is_saved_and_loaded(tmp_path, registry):
    register(Shift)
    model = Sequential(Dense(4, 3, seed=0), Shift(3))
    model[1].c.value[...] = [1.0, -2.0, 0.5]
    loaded = io.load(io.save(model, tmp_path / "shift"))
    assert isinstance(loaded[1], Shift)
    np.testing.assert_array_equal(loaded.predict(inputs()), model.predict(inputs()))


def test_an_unregistered_layer_is_refused_at_save_time_with_the_fix(tmp_path):
    with pytest.raises(ValueError, match=r"unregistered class test_io\.Shift at layers\[1\]\. "
                                         r"Hint: put @dlcore\.module\.register above `class "
                                         r"Shift\(\.\.\.\)`; nothing was written"):
        io.save(Sequential(Dense(4, 3), Shift(3)), tmp_path / "shift")
    assert os.listdir(tmp_path) == []


def test_a_learners_class_named_dense_cannot_be_saved_as_dlcores(tmp_path):
    class Dense(Layer):  # a learner's own Dense: defining it changes nothing in dlcore
        keeps_shape = True

        def __init__(self):
            pass

    with pytest.raises(ValueError, match=r"unregistered class .*<locals>\.Dense at the model.*"
                                         r"the name 'Dense' belongs to dlcore\.layers\.Dense, so "
                                         r"give yours another name"):
        io.save(Dense(), tmp_path / "mine")
    model = Sequential(layers.Dense(4, 3, seed=0))  # dlcore's Dense is saved as always
    loaded = io.load(io.save(model, tmp_path / "dlcore"))
    assert type(loaded[0]) is layers.Dense
