"""Tests for dlcore/datasets.py: bundled data sets, 2-D toy sets, the IDX reader and MNIST."""

import gzip

import numpy as np
import pytest

from dlcore.datasets import (
    Dataset,
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_mnist,
    make_blobs,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
    read_idx,
    write_idx,
)
from dlcore.tolerance import assert_close, tolerance


# --- bundled data sets (read from scikit-learn's files, no download) --------------------------
def test_load_digits_shapes_dtypes_ranges_and_images():
    X, y = load_digits()  # unpacks like a pair
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16
    assert np.array_equal(X, np.round(X))  # ink counts are whole numbers
    assert set(np.unique(y).tolist()) == set(range(10))
    images = X.reshape(-1, 8, 8)
    assert images.shape == (1797, 8, 8)
    assert images[5, 2, 3] == X[5, 8 * 2 + 3]  # row-major: pixel (r, c) is column 8r + c
    # the left and right edge columns of a digit are nearly blank, the centre is not
    assert images[:, :, 0].mean() < 1 and images[:, :, 3:5].mean() > 5


def test_load_digits_names():
    ds = load_digits()
    assert isinstance(ds, Dataset)
    assert ds.target_names == tuple(str(d) for d in range(10))
    assert len(ds.feature_names) == 64 and ds.feature_names[8 * 2 + 3] == "pixel_2_3"
    assert "digits" in ds.description.lower()
    assert "(1797, 64)" in repr(ds)


def test_load_breast_cancer():
    ds = load_breast_cancer()
    X, y = ds
    assert X.shape == (569, 30) and X.dtype == np.float32
    assert y.shape == (569,) and y.dtype == np.int64
    assert set(np.unique(y).tolist()) == {0, 1}
    assert np.bincount(y).tolist() == [212, 357]  # 212 malignant, 357 benign
    assert ds.target_names == ("malignant", "benign")
    assert len(ds.feature_names) == 30 and ds.feature_names[0] == "mean radius"
    assert np.all(X >= 0)


def test_load_diabetes_is_regression_in_original_units():
    ds = load_diabetes()
    X, y = ds
    assert X.shape == (442, 10) and X.dtype == np.float32
    assert y.shape == (442,) and y.dtype == np.float32
    assert y.min() == 25 and y.max() == 346
    assert ds.feature_names[:3] == ("age", "sex", "bmi")
    assert ds.target_names == ("disease_progression",)
    assert 19 <= X[:, 0].min() and X[:, 0].max() <= 79  # ages in years, not standardised


# --- 2-D toy sets -----------------------------------------------------------------------------
TOY_SETS = [
    (make_moons, {}, 2),
    (make_circles, {}, 2),
    (make_xor, {}, 2),
    (make_spiral, {}, 3),
    (make_spiral, {"n_classes": 5}, 5),
    (make_blobs, {}, 3),
    (make_blobs, {"centers": [[0, 0], [3, 3]]}, 2),
]


@pytest.mark.parametrize("make, kwargs, num_classes", TOY_SETS)
def test_toy_sets_shapes_balance_and_seed(make, kwargs, num_classes):
    X, y = make(101, seed=0, **kwargs)
    assert X.shape == (101, 2) and X.dtype == np.float32
    assert y.shape == (101,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=num_classes)
    assert len(counts) == num_classes and counts.max() - counts.min() <= 1
    assert np.all(np.isfinite(X))
    X2, y2 = make(101, seed=0, **kwargs)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X3, _ = make(101, seed=1, **kwargs)
    assert not np.array_equal(X, X3)
    assert not np.all(np.diff(y) >= 0)  # rows are shuffled, not in class blocks


def test_toy_sets_exact_shapes_without_noise():
    X, y = make_circles(40, noise=0.0, factor=0.3, seed=0)
    radius = np.linalg.norm(X, axis=1)
    # a float32 radius: the square root of a sum of two squares
    assert_close(radius[y == 0], 1.0, n_terms=2, what="the outer circle's radii and 1")
    assert_close(radius[y == 1], 0.3, n_terms=2, what="the inner circle's radii and 0.3")
    X, y = make_moons(40, noise=0.0, seed=0)
    assert_close(np.linalg.norm(X[y == 0], axis=1), 1.0, n_terms=2,
                 what="the upper moon's radii and 1")
    # X - [1.0, 0.5] is float64, but X was rounded to float32
    assert_close(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0, n_terms=2,
                 dtype=np.float32, what="the lower moon's radii and 1")
    X, y = make_xor(200, noise=0.0, seed=0)
    assert np.array_equal((X[:, 0] * X[:, 1] < 0).astype(np.int64), y)
    X, y = make_blobs(30, centers=[[1, 2], [-4, 0]], cluster_std=0.0, seed=0)
    assert np.array_equal(X[y == 0], np.tile([1, 2], (15, 1)))
    X, _ = make_spiral(30, noise=0.0, seed=0)
    assert np.linalg.norm(X, axis=1).max() <= 1 + tolerance(np.float32, 2)


def test_toy_set_rejects_bad_n_samples():
    with pytest.raises(ValueError, match=r"n_samples >= 3.*received 2"):
        make_spiral(2)
    with pytest.raises(TypeError, match=r"n_samples to be an int.*float 10\.5"):
        make_moons(10.5)


def test_toy_set_rejects_negative_noise():
    with pytest.raises(ValueError, match=r"noise >= 0.*received -0\.1"):
        make_circles(10, noise=-0.1)
    with pytest.raises(ValueError, match=r"cluster_std >= 0.*received -1"):
        make_blobs(10, cluster_std=-1)


def test_make_circles_rejects_bad_factor():
    with pytest.raises(ValueError, match=r"between 0 and 1.*received 1\.5"):
        make_circles(10, factor=1.5)


# --- IDX --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["data-idx3-ubyte", "data-idx3-ubyte.gz"])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
        np.array([[1.5, -2.25], [3e10, -0.0]], dtype=np.float32),
        np.array([-70000, 5, 2**31 - 1], dtype=np.int32),
        np.linspace(-1, 1, 7),  # float64
    ],
    ids=["uint8", "float32", "int32", "float64"],
)
def test_idx_round_trip(tmp_path, name, array):
    path = tmp_path / name
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array)
    back[...] = 0  # a writable copy
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")


def test_idx_header_bytes_known_values(tmp_path):
    path = tmp_path / "labels"
    write_idx(path, np.array([7, 2, 1], dtype=np.uint8))
    # magic 0 0 0x08 (ubyte) 1 (ndim); size 3 as big-endian uint32; then the three bytes
    assert path.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])
    path.write_bytes(bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE]))
    assert read_idx(path).tolist() == [258, -2]  # big-endian int16


def test_idx_compression_detected_by_magic_not_name(tmp_path):
    data = np.arange(6, dtype=np.uint8).reshape(2, 3)
    write_idx(tmp_path / "a.gz", data)
    (tmp_path / "no_extension").write_bytes((tmp_path / "a.gz").read_bytes())
    assert np.array_equal(read_idx(tmp_path / "no_extension"), data)


def test_read_idx_truncated_file(tmp_path):
    path = tmp_path / "images"
    write_idx(path, np.zeros((4, 28, 28), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"truncated: expected 3136 bytes.*\(4, 28, 28\).*3126"):
        read_idx(path)


def test_read_idx_truncated_gzip(tmp_path):
    path = tmp_path / "images.gz"
    write_idx(path, np.arange(1000, dtype=np.int32))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ValueError, match=r"gzip.*cannot be decompressed.*truncated"):
        read_idx(path)


def test_read_idx_wrong_magic(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello world")
    with pytest.raises(ValueError, match=r"magic bytes 0x00 0x00.*received 68 65 6c 6c"):
        read_idx(path)


def test_write_idx_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(TypeError, match=r"uint8, int8.*received dtype int64.*astype"):
        write_idx(tmp_path / "x", np.arange(3, dtype=np.int64))


# --- MNIST ------------------------------------------------------------------------------------
def _write_fake_mnist(directory, prefix, n, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    suffix = ".gz" if compress else ""
    write_idx(directory / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(directory / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return images, labels


@pytest.mark.parametrize(
    "kind, prefix, compress", [("train", "train", False), ("test", "t10k", True)]
)
def test_load_mnist_from_files(tmp_path, kind, prefix, compress):
    images, labels = _write_fake_mnist(tmp_path, prefix, 12, compress)
    ds = load_mnist(tmp_path, kind=kind)
    X, y = ds
    assert X.shape == (12, 784) and X.dtype == np.float32
    assert y.shape == (12,) and y.dtype == np.int64
    assert np.array_equal(X.reshape(-1, 28, 28), images)
    assert np.array_equal(y, labels)
    assert 0 <= X.min() and X.max() <= 255
    assert ds.target_names[3] == "3" and ds.feature_names[28 + 5] == "pixel_1_5"


def test_load_mnist_missing_directory(tmp_path):
    missing = tmp_path / "no_such_dir"
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(missing)
    message = str(info.value)
    assert "train-images-idx3-ubyte" in message and "t10k-labels-idx1-ubyte" in message
    assert "does not exist" in message and "never downloads" in message
    assert f"place the four MNIST IDX files in {missing}" in message


def test_load_mnist_mismatched_counts(tmp_path):
    _write_fake_mnist(tmp_path, "train", 5, compress=False)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"as many labels as images.*5 images.*4 labels"):
        load_mnist(tmp_path)


def test_load_mnist_bad_kind(tmp_path):
    with pytest.raises(ValueError, match=r"'train' or 'test'.*'validation'"):
        load_mnist(tmp_path, kind="validation")


def test_load_mnist_truncated_file(tmp_path):
    _write_fake_mnist(tmp_path, "train", 3, compress=False)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"truncated: expected 2352 bytes.*received 84"):
        load_mnist(tmp_path)


def test_gzip_helper_is_standard(tmp_path):
    # a file compressed by any gzip tool is read, not only files written by write_idx
    raw = bytes([0, 0, 8, 1, 0, 0, 0, 2, 4, 5])
    (tmp_path / "f").write_bytes(gzip.compress(raw))
    assert read_idx(tmp_path / "f").tolist() == [4, 5]


def test_load_digits_reads_the_bundled_file_without_importing_sklearn_and_matches_it():
    import subprocess
    import sys

    code = (
        "import sys; from dlcore.datasets import load_digits; d = load_digits(); "
        "assert d.X.shape == (1797, 64); print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # the fast path did not import scikit-learn

    from sklearn.datasets import load_digits as sklearn_load_digits

    ours, theirs = load_digits(), sklearn_load_digits()
    assert np.array_equal(ours.X, theirs.data.astype(np.float32))
    assert np.array_equal(ours.y, theirs.target)
    assert ours.feature_names == tuple(theirs.feature_names)
    assert ours.target_names == tuple(str(n) for n in theirs.target_names)
    assert ours.description == theirs.DESCR


def test_load_digits_falls_back_to_sklearn_when_the_file_is_not_found(monkeypatch):
    from dlcore import datasets

    fast = datasets.load_digits()
    monkeypatch.setattr(datasets, "_bundled_sklearn_file", lambda *parts: None)
    slow = datasets.load_digits()
    assert slow.X.dtype == np.float32 and slow.y.dtype == np.int64
    assert np.array_equal(slow.X, fast.X) and np.array_equal(slow.y, fast.y)
    assert slow.feature_names == fast.feature_names and slow.target_names == fast.target_names
