"""Data sets for the course: small real ones, 2-D toy ones, and a reader for MNIST's IDX files.

Introduced in ``notebooks/01_data.ipynb``. Nothing here ever downloads: every notebook has to
run offline, in CI, on a classroom laptop. The real data sets come from files that
scikit-learn ships inside its package; MNIST is read from files you place yourself.

Three kinds of function:

- ``load_digits``, ``load_breast_cancer``, ``load_diabetes`` (and ``load_mnist``) return a
  ``Dataset``: the arrays plus the names of the features and targets and a description.
  It unpacks like a pair, so ``X, y = load_digits()`` works, and so does
  ``ds = load_digits(); ds.target_names``.
- ``make_moons``, ``make_circles``, ``make_xor``, ``make_spiral``, ``make_blobs`` draw 2-D toy
  problems that can be plotted, each returning a plain ``(X, y)`` pair: X (N, 2) float32,
  y (N,) int64, classes as balanced as N allows (counts differ by at most one), rows in
  random order. ``seed`` makes them reproducible.
- ``read_idx`` / ``write_idx`` read and write the IDX format MNIST is distributed in.

scikit-learn is imported inside the three ``load_*`` functions only; the rest is NumPy.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
import numbers
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .rng import as_generator

__all__ = [
    "Dataset",
    "load_digits",
    "load_breast_cancer",
    "load_diabetes",
    "make_moons",
    "make_circles",
    "make_xor",
    "make_spiral",
    "make_blobs",
    "read_idx",
    "write_idx",
    "load_mnist",
]


# --- real data sets ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set: ``X`` (N, D), ``y`` (N,), and what the columns and targets mean.

    Iterating yields ``X`` then ``y``, so it unpacks like a pair::

        X, y = load_digits()              # just the arrays
        ds = load_digits()                # or keep the names too
        ds.target_names[y[0]]

    Attributes
    ----------
    X : ndarray (N, D) float32
        One row of D features per sample.
    y : ndarray (N,)
        int64 class labels for classification, float32 values for regression.
    feature_names : tuple of str (D,)
        Name of each column of ``X``.
    target_names : tuple of str
        Classification: the name of each class, ``target_names[k]`` for label k.
        Regression: a one-element tuple naming the predicted quantity.
    description : str
        Where the data comes from and what it measures.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple
    target_names: tuple
    description: str

    def __iter__(self):
        yield self.X
        yield self.y

    def __repr__(self) -> str:
        names = self.target_names if len(self.target_names) <= 10 else "..."
        return (
            f"Dataset(X: {self.X.shape} {self.X.dtype}, y: {self.y.shape} {self.y.dtype}, "
            f"{len(self.feature_names)} features, target_names={names})"
        )


def _sklearn_datasets(where: str):
    try:
        from sklearn import datasets
    except ImportError as exc:
        raise ImportError(
            f"{where}: expected scikit-learn to be installed (this data set is read from the "
            f"files it ships), but it could not be imported. Hint: pip install scikit-learn "
            f"(or pip install -r requirements.txt)."
        ) from exc
    return datasets


def _bundled_sklearn_file(*parts: str):
    """Path of a data file shipped inside scikit-learn, found *without importing* scikit-learn.

    Importing scikit-learn takes about a second (it brings SciPy along); every notebook loads
    the digits, so reading the small file directly saves that second each time. Returns None if
    scikit-learn or the file is not where it has been for years; the caller then falls back to
    scikit-learn's own loader.
    """
    spec = importlib.util.find_spec("sklearn")  # locates the package, does not run it
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder).joinpath(*parts)
        if path.is_file():
            return path
    return None


def load_digits() -> Dataset:
    """The 8x8 handwritten digits: X (1797, 64) float32 with pixel values 0..16, y (1797,) int64.

    1797 scanned digits 0-9, each reduced to an 8x8 grid whose cells count the ink (0 = white,
    16 = black). Small enough to train on in seconds, so the course uses it as its first real
    image data set. ``X.reshape(-1, 8, 8)`` gives the images (row-major, pixel ``(r, c)`` is
    column ``8 * r + c``, named ``pixel_r_c``); ``target_names`` are "0".."9".
    Read from scikit-learn's bundled copy of the UCI data set (the file ``digits.csv.gz``,
    read directly when it can be found, which is faster than importing scikit-learn);
    never downloaded.
    """
    data_file = _bundled_sklearn_file("datasets", "data", "digits.csv.gz")
    descr_file = _bundled_sklearn_file("datasets", "descr", "digits.rst")
    if data_file is not None and descr_file is not None:
        # one row per image: 64 pixel values, then the digit
        data = np.loadtxt(data_file, delimiter=",", dtype=np.float32)
        return Dataset(
            X=np.ascontiguousarray(data[:, :-1]),
            y=data[:, -1].astype(np.int64),
            feature_names=tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8)),
            target_names=tuple(str(d) for d in range(10)),
            description=descr_file.read_text(encoding="utf-8"),
        )
    bunch = _sklearn_datasets("load_digits").load_digits()
    return Dataset(
        X=bunch.data.astype(np.float32),
        y=bunch.target.astype(np.int64),
        feature_names=tuple(str(n) for n in bunch.feature_names),
        target_names=tuple(str(n) for n in bunch.target_names),
        description=bunch.DESCR,
    )


def load_breast_cancer() -> Dataset:
    """Breast cancer diagnosis: X (569, 30) float32, y (569,) int64, 0 = malignant, 1 = benign.

    Each row describes cell nuclei in an image of a breast mass (radius, texture, ...: 30
    measurements of very different sizes, so scale them, ``dlcore.data.StandardScaler``).
    A binary classification problem; ``target_names`` is ``("malignant", "benign")``.
    Read from scikit-learn's bundled copy of the UCI data set; never downloaded.
    """
    bunch = _sklearn_datasets("load_breast_cancer").load_breast_cancer()
    return Dataset(
        X=bunch.data.astype(np.float32),
        y=bunch.target.astype(np.int64),
        feature_names=tuple(str(n) for n in bunch.feature_names),
        target_names=tuple(str(n) for n in bunch.target_names),
        description=bunch.DESCR,
    )


def load_diabetes() -> Dataset:
    """Diabetes progression (regression): X (442, 10) float32, y (442,) float32.

    Ten baseline measurements per patient (age, sex, body mass index, blood pressure and six
    blood serum values) and, as target, a measure of disease progression one year later
    (values 25..346). The features are returned *unscaled*, in their original units
    (scikit-learn's default version is already scaled using all 442 rows, which leaks the
    test rows' statistics); scale them yourself, fitting on the training split only.
    ``target_names`` is ``("disease_progression",)``.
    Read from scikit-learn's bundled copy; never downloaded.
    """
    bunch = _sklearn_datasets("load_diabetes").load_diabetes(scaled=False)
    return Dataset(
        X=bunch.data.astype(np.float32),
        y=bunch.target.astype(np.float32),
        feature_names=tuple(str(n) for n in bunch.feature_names),
        target_names=("disease_progression",),
        description=bunch.DESCR,
    )


# --- 2-D toy data sets ------------------------------------------------------------------------
def _check_n_samples(n_samples, minimum: int, where: str) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise TypeError(
            f"{where}: expected n_samples to be an int, received "
            f"{type(n_samples).__name__} {n_samples!r}. Hint: n_samples=200."
        )
    if n_samples < minimum:
        raise ValueError(
            f"{where}: expected n_samples >= {minimum} (at least one sample per class), "
            f"received {n_samples}. Hint: n_samples=200."
        )
    return int(n_samples)


def _check_noise(noise, name: str, where: str) -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(
            f"{where}: expected {name} to be a number >= 0, received "
            f"{type(noise).__name__} {noise!r}."
        )
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(
            f"{where}: expected {name} >= 0 (the standard deviation of Gaussian noise), "
            f"received {noise}. Hint: 0 gives exact shapes; 0.1 is a little noise."
        )
    return float(noise)


def _class_sizes(n_samples: int, n_classes: int) -> np.ndarray:
    """Balanced class sizes: the first ``n_samples % n_classes`` classes get one extra."""
    sizes = np.full(n_classes, n_samples // n_classes, dtype=np.int64)
    sizes[: n_samples % n_classes] += 1
    return sizes


def _finish(points: np.ndarray, y: np.ndarray, noise: float, rng) -> tuple:
    """Add Gaussian noise of std ``noise`` to every coordinate, shuffle the rows, cast."""
    X = points + noise * rng.standard_normal(points.shape)
    order = rng.permutation(len(X))  # so that the classes are not in blocks
    return X[order].astype(np.float32), y[order].astype(np.int64)


def make_moons(n_samples=200, noise=0.1, seed=None) -> tuple:
    """Two interleaving half circles: a boundary no straight line can draw.

    Class 0 lies on the upper half circle ``(cos t, sin t)``, class 1 on the lower one
    ``(1 - cos t, 0.5 - sin t)``, t evenly spaced in [0, pi]; then Gaussian noise of standard
    deviation ``noise`` is added to each coordinate. Returns X (N, 2) float32, y (N,) int64.
    """
    where = "make_moons"
    n = _check_n_samples(n_samples, 2, where)
    noise = _check_noise(noise, "noise", where)
    rng = as_generator(seed)
    n0, n1 = _class_sizes(n, 2)
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    y = np.repeat([0, 1], [n0, n1])
    return _finish(np.concatenate([upper, lower]), y, noise, rng)


def make_circles(n_samples=200, noise=0.05, factor=0.5, seed=None) -> tuple:
    """A circle inside a circle: class 0 on radius 1, class 1 on radius ``factor`` (0 < f < 1).

    Points are evenly spaced around each circle, then Gaussian noise of standard deviation
    ``noise`` is added to each coordinate. A linear model cannot separate them; one hidden
    layer can. Returns X (N, 2) float32, y (N,) int64.
    """
    where = "make_circles"
    n = _check_n_samples(n_samples, 2, where)
    noise = _check_noise(noise, "noise", where)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
        raise TypeError(
            f"{where}: expected factor (inner radius / outer radius) to be a number strictly "
            f"between 0 and 1, received {type(factor).__name__} {factor!r}. Hint: factor=0.5."
        )
    if not 0 < factor < 1:
        raise ValueError(
            f"{where}: expected factor (inner radius / outer radius) strictly between 0 and 1, "
            f"received {factor!r}. Hint: factor=0.5."
        )
    rng = as_generator(seed)
    n0, n1 = _class_sizes(n, 2)
    a0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    a1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    outer = np.stack([np.cos(a0), np.sin(a0)], axis=1)
    inner = factor * np.stack([np.cos(a1), np.sin(a1)], axis=1)
    y = np.repeat([0, 1], [n0, n1])
    return _finish(np.concatenate([outer, inner]), y, noise, rng)


def make_xor(n_samples=200, noise=0.1, seed=None) -> tuple:
    """The XOR problem: class 1 where exactly one coordinate is negative.

    Class 0 fills the squares (0, 1) x (0, 1) and (-1, 0) x (-1, 0) (both signs equal), class 1
    the other two quadrants; each point picks one of its class's two squares at random and a
    uniform position in it. Then Gaussian noise of standard deviation ``noise`` is added, which
    moves some points near the axes across. The classic problem a single neuron cannot solve
    (``notebooks/02_architecture.ipynb``). Returns X (N, 2) float32, y (N,) int64.
    """
    where = "make_xor"
    n = _check_n_samples(n_samples, 2, where)
    noise = _check_noise(noise, "noise", where)
    rng = as_generator(seed)
    y = np.repeat([0, 1], _class_sizes(n, 2))
    magnitude = rng.uniform(0, 1, size=(n, 2))
    sign_x = rng.choice([-1.0, 1.0], size=n)
    sign_y = np.where(y == 0, sign_x, -sign_x)  # same sign for class 0, opposite for class 1
    points = magnitude * np.stack([sign_x, sign_y], axis=1)
    return _finish(points, y, noise, rng)


def make_spiral(n_samples=300, noise=0.05, n_classes=3, seed=None) -> tuple:
    """``n_classes`` spiral arms winding out from the centre, one per class.

    Arm k holds points at radius r from 0.05 to 1 (evenly spaced) and angle
    ``theta = 2 pi k / n_classes + 4 r``, i.e. ``r * (cos theta, sin theta)``; then Gaussian
    noise of standard deviation ``noise`` is added to each coordinate. The classic data set of
    the CS231n course, hard for a linear classifier. Returns X (N, 2) float32, y (N,) int64
    with labels 0..n_classes-1.
    """
    where = "make_spiral"
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral):
        raise TypeError(
            f"{where}: expected n_classes to be an int >= 2, received "
            f"{type(n_classes).__name__} {n_classes!r}. Hint: n_classes=3."
        )
    if n_classes < 2:
        raise ValueError(
            f"{where}: expected n_classes to be an int >= 2, received {n_classes!r}. "
            f"Hint: n_classes=3."
        )
    n = _check_n_samples(n_samples, int(n_classes), where)
    noise = _check_noise(noise, "noise", where)
    rng = as_generator(seed)
    sizes = _class_sizes(n, int(n_classes))
    y = np.repeat(np.arange(n_classes), sizes)
    # radius runs 0.05..1 within each arm: position of the sample inside its class's block
    position = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    r = 0.05 + 0.95 * position / np.maximum(np.repeat(sizes, sizes) - 1, 1)
    theta = 2 * np.pi * y / n_classes + 4 * r
    points = r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    return _finish(points, y, noise, rng)


def make_blobs(n_samples=200, centers=3, cluster_std=1.0, seed=None) -> tuple:
    """Gaussian clouds ("blobs") around a few centres, one class per centre.

    ``centers`` is either the number of clouds K (their centres are then evenly spaced on a
    circle of radius 5 around the origin, the same every time) or an array (K, 2) of centres.
    Each point is its class's centre plus Gaussian noise of standard deviation ``cluster_std``
    in each coordinate: small values give easy, separate clouds, large ones overlapping clouds.
    Returns X (N, 2) float32, y (N,) int64 with labels 0..K-1.
    """
    where = "make_blobs"
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        if centers < 1:
            raise ValueError(
                f"{where}: expected centers to be a number of clouds >= 1 or an array (K, 2), "
                f"received {centers}. Hint: centers=3."
            )
        angle = 2 * np.pi * np.arange(centers) / centers
        centre_points = 5.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    else:
        centre_points = np.asarray(centers, dtype=np.float64)
        if centre_points.ndim != 2 or centre_points.shape[1] != 2 or len(centre_points) < 1:
            raise ValueError(
                f"{where}: expected centers to be an int or an array of shape (K, 2), received "
                f"shape {centre_points.shape}. Hint: centers=[[0, 0], [3, 3]]."
            )
    k = len(centre_points)
    n = _check_n_samples(n_samples, k, where)
    cluster_std = _check_noise(cluster_std, "cluster_std", where)
    rng = as_generator(seed)
    y = np.repeat(np.arange(k), _class_sizes(n, k))
    return _finish(centre_points[y], y, cluster_std, rng)


# --- the IDX format (MNIST) -------------------------------------------------------------------
# IDX header: two zero bytes, a byte giving the element type, a byte giving the number of
# dimensions; then each dimension as a big-endian unsigned 32-bit int; then the data, big-endian.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),  # unsigned byte (MNIST pixels and labels)
    0x09: np.dtype(">i1"),  # signed byte
    0x0B: np.dtype(">i2"),  # short
    0x0C: np.dtype(">i4"),  # int
    0x0D: np.dtype(">f4"),  # float
    0x0E: np.dtype(">f8"),  # double
}
_IDX_CODES = {dt.newbyteorder("="): code for code, dt in _IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the MNIST format), plain or gzip-compressed, into a NumPy array.

    The file starts with ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian uint32 sizes,
    then the numbers, big-endian. Types: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64. Compression is recognised from the file's first bytes
    (gzip starts with 0x1f 0x8b), not from its name. Returns an array of shape
    ``(size_0, ..., size_ndim-1)`` in native byte order (e.g. (60000, 28, 28) uint8).
    """
    where = "read_idx"
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{where}: expected an IDX file at '{path}', received a path that "
            f"{'is a directory' if path.is_dir() else 'does not exist'}."
        )
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(
                f"{where}: '{path}' starts like a gzip file but cannot be decompressed "
                f"({exc}). Hint: the file is probably truncated; copy it again."
            ) from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{where}: expected '{path}' to start with the IDX magic bytes 0x00 0x00 "
            f"<type in {[hex(c) for c in _IDX_DTYPES]}> <ndim>, received {raw[:4].hex(' ')}. "
            f"Hint: is this an IDX file (e.g. train-images-idx3-ubyte)?"
        )
    dtype = _IDX_DTYPES[raw[2]]
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(
            f"{where}: '{path}' is truncated: expected a header of {header_size} bytes for "
            f"{ndim} dimensions, received a file of {len(raw)} bytes."
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = math.prod(shape) * dtype.itemsize
    received = len(raw) - header_size
    if received != expected:
        raise ValueError(
            f"{where}: '{path}' is {'truncated' if received < expected else 'too long'}: "
            f"expected {expected} bytes of data for shape {shape} of {dtype.newbyteorder('=')}, "
            f"received {received}. Hint: the file is damaged or incomplete; copy it again."
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # native byte order, and a writable copy


def write_idx(path, array) -> None:
    """Write ``array`` to ``path`` in the IDX format; gzip-compressed if the name ends in .gz.

    Supported dtypes: uint8, int8, int16, int32, float32, float64 (the ones IDX can describe).
    Used by the tests, and handy for making a small MNIST-like file of your own. ``read_idx``
    reads it back exactly.
    """
    where = "write_idx"
    arr = np.asarray(array)
    native = arr.dtype.newbyteorder("=")
    if native not in _IDX_CODES:
        raise TypeError(
            f"{where}: expected an array of dtype uint8, int8, int16, int32, float32 or "
            f"float64 (the types IDX supports), received dtype {arr.dtype}. Hint: convert it "
            f"first, e.g. array.astype(np.int32) or array.astype(np.uint8) for pixels."
        )
    if not 1 <= arr.ndim <= 255 or max(arr.shape) >= 2**32:
        raise ValueError(
            f"{where}: expected 1 to 255 dimensions, each smaller than 2**32, received shape "
            f"{arr.shape}."
        )
    header = bytes([0, 0, _IDX_CODES[native], arr.ndim])
    header += np.asarray(arr.shape, dtype=">u4").tobytes()
    content = header + arr.astype(native.newbyteorder(">")).tobytes()
    path = Path(path)
    if path.name.endswith(".gz"):
        content = gzip.compress(content, mtime=0)  # mtime=0: the same bytes on every run
    path.write_bytes(content)


_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def load_mnist(directory, kind="train") -> Dataset:
    """MNIST from its four IDX files in ``directory``: X (N, 784) float32 in 0..255, y (N,) int64.

    ``kind="train"`` reads ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte``
    (60000 digits), ``kind="test"`` reads ``t10k-images-idx3-ubyte`` and
    ``t10k-labels-idx1-ubyte`` (10000); each may also be gzip-compressed with a ``.gz`` name.
    This course never downloads: obtain the files yourself and place them in ``directory``.
    Each 28x28 image is flattened row by row into 784 columns (``X.reshape(-1, 28, 28)``
    gives the images back); pixel values stay 0..255, so divide by 255 or use a scaler.
    Returns a ``Dataset`` (unpacks as ``X, y = load_mnist(path)``).
    """
    where = "load_mnist"
    if kind not in _MNIST_FILES:
        raise ValueError(f"{where}: expected kind to be 'train' or 'test', received {kind!r}.")
    directory = Path(os.fspath(directory))
    all_names = [name for pair in _MNIST_FILES.values() for name in pair]
    found = []
    for name in _MNIST_FILES[kind]:
        candidates = [directory / name, directory / (name + ".gz")]
        existing = [p for p in candidates if p.is_file()]
        if not existing:
            looked_for = ", ".join(str(p) for p in candidates)
            state = "" if directory.is_dir() else " (the directory does not exist)"
            raise FileNotFoundError(
                f"{where}: expected the MNIST file {name} (or {name}.gz) in '{directory}', "
                f"received nothing there{state}; looked for {looked_for}. This course never "
                f"downloads data: place the four MNIST IDX files in {directory} "
                f"({', '.join(all_names)}; each may be .gz)."
            )
        found.append(existing[0])
    images = read_idx(found[0])
    labels = read_idx(found[1])
    if images.ndim != 3 or labels.ndim != 1:
        raise ValueError(
            f"{where}: expected images of shape (N, rows, cols) and labels of shape (N,), "
            f"received {images.shape} from {found[0].name} and {labels.shape} from "
            f"{found[1].name}. Hint: are the image and label files swapped?"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{where}: expected as many labels as images, received {len(images)} images in "
            f"{found[0].name} and {len(labels)} labels in {found[1].name}. Hint: both files "
            f"must come from the same set ('{kind}')."
        )
    rows, cols = images.shape[1:]
    return Dataset(
        X=images.reshape(len(images), rows * cols).astype(np.float32),
        y=labels.astype(np.int64),
        feature_names=tuple(f"pixel_{r}_{c}" for r in range(rows) for c in range(cols)),
        target_names=tuple(str(d) for d in range(10)),
        description=(
            f"MNIST handwritten digits ({kind} set, {len(images)} images of {rows}x{cols} "
            f"pixels, values 0..255), read from {found[0]} and {found[1]}."
        ),
    )
