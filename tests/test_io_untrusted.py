"""Model files are untrusted input: an edited or hostile file gets a clear ValueError before any
large allocation, and save never hides a problem behind a temporary file's name.

Hostile files are written by hand here: a .npz with an ``architecture`` JSON text and whatever
arrays (or none) the test wants. ``tracemalloc`` shows what ``load`` allocated before refusing.
"""

import json
import os
import stat
import tempfile
import tracemalloc
import warnings

import numpy as np
import pytest

from dlcore import io
from dlcore.activations import ReLU
from dlcore.layers import Dense
from dlcore.module import Sequential


def small_model():
    return Sequential(Dense(3, 4, seed=0), ReLU(), Dense(4, 2, seed=1))


def header(model_spec, records):
    return {"format": io.FORMAT, "format_version": io.FORMAT_VERSION, "dlcore_version": "0.1.0",
            "model": model_spec, "state": records}


def dense_spec(d_in, d_out):
    return {"class": "Dense", "config": {"in_features": d_in, "out_features": d_out,
                                         "init": "he"}}


def forge(path, head, arrays=None, compressed=False):
    """Write a .npz holding ``head`` (a dict, or JSON text) as its architecture and ``arrays``,
    as a hostile file would."""
    arrays = dict(arrays or {})
    arrays[io.ARCHITECTURE_KEY] = np.array(head if isinstance(head, str) else json.dumps(head))
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    return path


def good_records():
    model = small_model()
    return model, [{"key": k, "shape": list(v.shape), "dtype": v.dtype.name}
                   for k, v in model.state_dict().items()]


def load_measured(path):
    """``io.load(path)``'s exception and the peak of memory allocated before it."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            io.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return info.value, peak


# --- records of the state ------------------------------------------------------------------------


@pytest.mark.parametrize("edit, received", [
    (lambda r: r.pop("shape"), r"received \{'key': 'layers\[0\]\.W', 'dtype': 'float32'\} at "
                               r"state\[0\]"),
    (lambda r: r.pop("dtype"), r"received \{'key': 'layers\[0\]\.W', 'shape': \[3, 4\]\}"),
    (lambda r: r.update(extra=1), r"received \{.*'extra': 1\}"),
    (lambda r: r.update(dtype="complex64"), r"the dtype of layers\[0\]\.W to be one of "
                                            r"\('float16', 'float32', 'float64'\), received "
                                            r"'complex64'"),
    (lambda r: r.update(dtype="no-such-type"), r"received 'no-such-type'"),
    (lambda r: r.update(dtype=["float32"]), r"received \['float32'\]"),
    (lambda r: r.update(shape=12), r"the shape of layers\[0\]\.W to be a list of sizes such as "
                                   r"\[64, 32\], received 12"),
    (lambda r: r.update(shape=[3, -4]), r"received \[3, -4\]"),
    (lambda r: r.update(shape=[3, 4.0]), r"received \[3, 4\.0\]"),
    (lambda r: r.update(shape=[True, 4]), r"received \[True, 4\]"),
    (lambda r: r.update(key=7), r"the key at state\[0\] to name an array once, received 7"),
    (lambda r: r.update(key="architecture"), r"received 'architecture'"),
], ids=["no-shape", "no-dtype", "extra-key", "complex-dtype", "unknown-dtype", "dtype-list",
        "shape-number", "shape-negative", "shape-float", "shape-bool", "key-number",
        "key-architecture"])
def test_an_edited_state_record_is_a_value_error_naming_what_it_holds(tmp_path, edit, received):
    model, records = good_records()
    edit(records[0])
    path = forge(tmp_path / "edited.npz", header(io._describe(model), records),
                 model.state_dict())
    with pytest.raises(ValueError, match=r"dlcore\.io\.load: expected .*" + received):
        io.load(path)


def test_a_key_listed_twice_is_refused(tmp_path):
    model, records = good_records()
    records.append(dict(records[0]))
    path = forge(tmp_path / "twice.npz", header(io._describe(model), records),
                 model.state_dict())
    with pytest.raises(ValueError, match=r"the key at state\[4\] to name an array once, received "
                                         r"'layers\[0\]\.W'"):
        io.load(path)


@pytest.mark.parametrize("state, received", [
    ({"layers[0].W": [3, 4]}, "dict"), ("layers[0].W", "str"), (None, "NoneType"),
])
def test_the_state_must_be_a_list_of_records(tmp_path, state, received):
    model = small_model()
    path = forge(tmp_path / "state.npz", header(io._describe(model), state), model.state_dict())
    with pytest.raises(ValueError, match=r"no list of saved arrays \('state'\), received "
                                         + received):
        io.load(path)


# --- the architecture ----------------------------------------------------------------------------


@pytest.mark.parametrize("spec, received", [
    ({"class": "Sequential", "config": {}, "layers": {"0": dense_spec(3, 4)}},
     r"the layers of the Sequential at the top to be a list, received \{'0'"),
    ({"class": "Sequential", "config": {}, "layers": [{"class": 5}]},
     r"received \{'class': 5\} at layers\[0\]"),
    ({"class": "Sequential", "config": {}, "layers": [{"class": "Dense", "config": [3, 4]}]},
     r"the config of Dense at layers\[0\] to be a dict.*received \[3, 4\]"),
    ({"class": "Sequential", "config": {}, "layers": [
        {"class": "Dense", "config": {"in_features": "3", "out_features": 4}}]},
     r"could not rebuild Dense.*expected in_features to be a positive integer, received str "
     r"'3'"),
], ids=["layers-dict", "class-number", "config-list", "size-string"])
def test_a_malformed_architecture_is_a_value_error_naming_the_place(tmp_path, spec, received):
    path = forge(tmp_path / "arch.npz", header(spec, []))
    with pytest.raises(ValueError, match=received):
        io.load(path)


@pytest.mark.parametrize("depth", [40, 5000])
def test_deeply_nested_sequentials_are_refused_without_a_recursion_error(tmp_path, depth):
    # written as text: json.dumps itself cannot nest 5000 levels
    inner = json.dumps({"class": "Dense", "config": {"in_features": 1, "out_features": 1}})
    spec = '{"class": "Sequential", "config": {}, "layers": [' * depth + inner + "]}" * depth
    text = json.dumps(header("SPEC", [])).replace('"SPEC"', spec)
    path = forge(tmp_path / "deep.npz", text)
    with pytest.raises(ValueError, match=r"nested (at most 32 levels deep|too deeply)"):
        io.load(path)


# --- sizes: no large allocation before the file's claims are checked ----------------------------


@pytest.mark.parametrize("d", [6000, 10**7])
def test_a_tiny_file_describing_a_huge_dense_allocates_nothing_large(tmp_path, d):
    path = forge(tmp_path / "huge.npz", header(
        {"class": "Sequential", "config": {}, "layers": [dense_spec(d, d)]}, []))
    assert os.path.getsize(path) < 2000
    exc, peak = load_measured(path)
    assert f"Dense(**{{'in_features': {d}, 'out_features': {d}, 'init': 'he'}}) at layers[0] " \
           f"to hold W of shape ({d}, {d}), received no array 'layers[0].W'" in str(exc)
    assert peak < 10 * 2**20, f"load allocated {peak / 2**20:.0f} MiB before refusing"


def test_records_claiming_a_huge_array_that_the_file_does_not_hold(tmp_path):
    records = [{"key": "layers[0].W", "shape": [6000, 6000], "dtype": "float32"},
               {"key": "layers[0].b", "shape": [6000], "dtype": "float32"}]
    path = forge(tmp_path / "claims.npz", header(
        {"class": "Sequential", "config": {}, "layers": [dense_spec(6000, 6000)]}, records),
        {"layers[0].W": np.zeros((2, 2), np.float32), "layers[0].b": np.zeros(2, np.float32)})
    exc, peak = load_measured(path)
    assert "the array layers[0].W in" in str(exc) and "is (2, 2) float32, but the " \
           "architecture says (6000, 6000) float32" in str(exc)
    assert peak < 10 * 2**20


def test_a_compressed_entry_that_unpacks_to_more_than_the_file_is_refused_unread(tmp_path):
    big = np.zeros((4000, 4000), np.float32)  # 61 MiB of zeros: a few dozen KiB compressed
    path = forge(tmp_path / "bomb.npz", header(
        {"class": "Sequential", "config": {}, "layers": [dense_spec(4000, 4000)]},
        [{"key": "layers[0].W", "shape": [4000, 4000], "dtype": "float32"}]),
        {"layers[0].W": big}, compressed=True)
    del big
    exc, peak = load_measured(path)
    assert "claims 64,000,128 bytes once unpacked, more than the" in str(exc)
    assert peak < 10 * 2**20


# --- non-finite weights --------------------------------------------------------------------------


def test_saving_nan_weights_over_a_good_file_is_refused_and_the_file_kept(tmp_path):
    model = small_model()
    path = io.save(model, tmp_path / "model")
    good = open(path, "rb").read()
    model[2].W.value[1, 0] = np.nan
    model[2].W.value[0, 1] = np.inf
    with pytest.raises(ValueError, match=r"dlcore\.io\.save: expected finite weights, received "
                                         r"the array layers\[2\]\.W \(2 of its 8 numbers are NaN "
                                         r"or inf\)\. Hint: .*allow_non_finite=True"):
        io.save(model, path)
    assert open(path, "rb").read() == good
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left either


def test_nan_weights_saved_on_purpose_load_with_a_warning(tmp_path):
    model = small_model()
    model[0].b.value[2] = np.nan
    path = io.save(model, tmp_path / "diverged", allow_non_finite=True)
    with pytest.warns(UserWarning, match=r"holds weights that are NaN or infinite, e\.g\. the "
                                         r"array layers\[0\]\.b \(1 of its 4"):
        loaded = io.load(path)
    assert np.isnan(loaded[0].b.value[2])


def test_allow_non_finite_must_be_a_bool(tmp_path):
    with pytest.raises(TypeError, match=r"expected allow_non_finite to be True or False, "
                                        r"received str 'yes'"):
        io.save(small_model(), tmp_path / "m", allow_non_finite="yes")


# --- paths: errors that name the path the user gave ---------------------------------------------


def test_saving_to_a_directory_names_it(tmp_path):
    (tmp_path / "out.npz").mkdir()
    with pytest.raises(IsADirectoryError, match=r"expected a file name, received '.*out\.npz', "
                                                r"which is a directory"):
        io.save(small_model(), tmp_path / "out.npz")


@pytest.mark.parametrize("below", ["model", "sub/model"])
def test_a_parent_that_is_a_file_is_named_not_created(tmp_path, below):
    (tmp_path / "notes.txt").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match=r"expected '.*notes\.txt' to be a directory, "
                                                 r"received a file of that name"):
        io.save(small_model(), tmp_path / "notes.txt" / below)


def test_an_unwritable_place_names_the_file_asked_for_not_the_temporary_one(tmp_path,
                                                                            monkeypatch):
    def refuse(*args, dir=None, **kwargs):  # what a read-only folder does (even for root)
        raise PermissionError(13, "Permission denied", os.path.join(dir, ".model.npz.x.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as info:
        io.save(small_model(), tmp_path / "model")
    text = str(info.value)
    assert f"could not write {str(tmp_path / 'model.npz')!r}: Permission denied" in text
    assert ".tmp" not in text and "Hint: choose a folder you can write to" in text


# --- permissions ---------------------------------------------------------------------------------


def test_a_new_file_gets_the_umask_permissions_and_an_overwritten_one_keeps_its_own(tmp_path):
    old = os.umask(0o027)
    try:
        path = io.save(small_model(), tmp_path / "new")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640  # 0o666 without the umask
        np.savez(tmp_path / "reference.npz", a=np.zeros(1))
        assert stat.S_IMODE(os.stat(tmp_path / "reference.npz").st_mode) == 0o640
    finally:
        os.umask(old)
    os.chmod(path, 0o604)
    io.save(small_model(), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o604


def test_a_good_file_still_loads_without_warnings(tmp_path):
    model = small_model()
    path = io.save(model, tmp_path / "good")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = io.load(path)
    x = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
