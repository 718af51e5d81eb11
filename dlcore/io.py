"""Save a trained model to one ``.npz`` file and load it back, without pickle.

Introduced in ``notebooks/07_training_loop.ipynb`` (keep the weights you spent minutes
training). A model is two things: its *architecture* (which layers, built with which arguments)
and its *state* (``model.state_dict()``: every parameter and buffer, by name). This module is a
thin file format around the two; both go into one NumPy ``.npz`` file (a zip of ``.npy``
arrays):

- ``architecture``: a JSON text, stored as a 0-d NumPy unicode array (not a Python object)::

      {"format": "dlcore-model", "format_version": 2, "dlcore_version": "0.1.0",
       "model": {"class": "Sequential", "config": {},
                 "layers": [{"class": "Dense", "config": {"in_features": 64, ...}}, ...]},
       "state": [{"key": "layers[0].W", "shape": [64, 32], "dtype": "float32"}, ...]}

- one array per entry of the state dict, under its name: ``layers[0].W``, ``layers[0].b``,
  ..., ``layers[3].running_mean``.

Loading rebuilds each layer from its class name and ``config()``, then calls
``load_state_dict``: the arrays go back by name, never by position. Only registered layer
classes can be rebuilt (``dlcore.module.register``): dlcore's own, and yours once you put
``@register`` above them. A file of format version 1 (parameters stored by position, before
buffers existed) is refused with a message saying so.

Why not pickle: loading a pickle runs whatever code the file contains, so a model downloaded
from somewhere could do anything on your machine. Here loading only reads numbers and text
(``np.load(path, allow_pickle=False)``) and creates only registered classes.

A model file is untrusted input, like any data: an edited or hostile file gets a clear
ValueError *before any large allocation*. No entry of the zip archive may claim more bytes than
the whole file holds (no zip bomb); every record of ``"state"`` must be complete (a key, a list
of sizes, a float dtype) and match the array stored under its key; the architecture may nest
at most ``MAX_DEPTH`` levels; and each layer's arrays, as its class computes them from its
config (``Layer.state_shapes``), must be the arrays present in the file, checked before the
layer is built. So a file of a few hundred bytes cannot make ``load`` build a
``Dense(10**7, 10**7)``: the memory ``load`` uses is bounded by the size of the file.

``save`` refuses weights holding NaN or inf (a diverged model saved over a good file) unless
``allow_non_finite=True``; ``load`` warns when a file holds such weights.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

# dlcore's layer modules, imported so that their classes are registered before any load
from . import activations, conv, layers, recurrent  # noqa: F401
from .module import LAYER_REGISTRY, Layer, Sequential
from .validate import boolean, message

FORMAT = "dlcore-model"
FORMAT_VERSION = 2
ARCHITECTURE_KEY = "architecture"
#: The deepest nesting of Sequentials a file may describe (a real model has 2 or 3 levels).
MAX_DEPTH = 32
#: The dtypes a saved parameter or buffer may have.
FLOAT_DTYPES = ("float16", "float32", "float64")


def _dlcore_version() -> str:
    from . import __version__

    return __version__


def _json_default(value):
    """Turn NumPy scalars and dtypes in a layer's config into plain JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON-serialisable")


def _describe(layer: Layer) -> dict:
    """``{"class": name, "config": {...}}``, with ``"layers"`` for a Sequential (recursively)."""
    spec = {"class": type(layer).__name__, "config": layer.config()}
    if isinstance(layer, Sequential):
        spec["layers"] = [_describe(child) for child in layer.layers]
    return spec


def _check_registered(layer: Layer, where: str, at: str = "the model") -> None:
    """Every layer's class must be the registered class of its name, or load could not
    rebuild it (or would rebuild another class of the same name)."""
    cls = type(layer)
    if LAYER_REGISTRY.get(cls.__name__) is not cls:
        taken = LAYER_REGISTRY.get(cls.__name__)
        also = (f" (the name {cls.__name__!r} belongs to {taken.__module__}."
                f"{taken.__qualname__}, so give yours another name)" if taken else "")
        raise ValueError(message(
            where, "every layer's class to be registered, so that load can rebuild it",
            f"the unregistered class {cls.__module__}.{cls.__qualname__} at {at}",
            f"put @dlcore.module.register above `class {cls.__name__}(...)`{also}; nothing "
            f"was written.",
        ))
    for name, child in layer.named_children():
        _check_registered(child, where, name if at == "the model" else f"{at}.{name}")


def _check_save_path(path: Path, where: str) -> None:
    """The place ``path`` can receive a file, or an OSError naming what the user gave."""
    if path.is_dir():
        raise IsADirectoryError(
            f"{where}: expected a file name, received {str(path)!r}, which is a directory. "
            f"Hint: add a file name, e.g. {str(path / 'model.npz')!r}."
        )
    directory = path.parent
    if directory.is_dir():
        return
    existing = directory  # the nearest part of the path that exists
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise NotADirectoryError(
            f"{where}: expected {str(existing)!r} to be a directory, received a file of that "
            f"name, so {str(path)!r} cannot be written. Hint: choose another folder, or rename "
            f"that file."
        )
    raise FileNotFoundError(
        f"{where}: expected the directory {str(directory)!r} to exist, but it does not. "
        f"Hint: create it first with os.makedirs({str(directory)!r}, exist_ok=True)."
    )


def _new_file_mode(path: Path) -> int:
    """The permissions the saved file gets: an overwritten file keeps its own, a new one gets
    what ``open`` (and ``np.savez``) would give it, 0o666 without the process's umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)  # the only way to read it is to set it: put it straight back
        os.umask(umask)
        return 0o666 & ~umask


def _first_non_finite(state: dict) -> str | None:
    for key, value in state.items():
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            n = int(np.count_nonzero(~np.isfinite(value)))
            return f"{key} ({n} of its {value.size} numbers are NaN or inf)"
    return None


def save(model: Layer, path, allow_non_finite: bool = False) -> str:
    """Write ``model`` (architecture and weights) to ``path`` as one ``.npz`` file.

    ``".npz"`` is added to ``path`` if it does not end with it; the final path is returned.
    The file is first written to a temporary file in the same directory and then moved over
    ``path`` in one step (``os.replace``), so if writing fails (disk full, an error in a layer's
    config) an existing good file of that name is left untouched. Before writing, the
    architecture is rebuilt from its JSON once, exactly as ``load`` will do it, so a model that
    could not be loaded back is refused now (a ValueError) rather than discovered later.

    A new file gets the permissions any new file of yours gets (0o666 without the umask, as
    ``np.savez`` would give it); an overwritten file keeps its own. Weights that hold a NaN or
    an infinity (a diverged run) are refused, so that they cannot replace a good file by
    accident, unless ``allow_non_finite=True``.

    Parameters
    ----------
    model : Layer
        Usually a ``Sequential``; any dlcore layer works.
    path : str or os.PathLike
    allow_non_finite : bool
        Save weights holding NaN or inf anyway (to inspect a diverged model later).

    Returns
    -------
    str, the path written (with ``.npz``).
    """
    where = "dlcore.io.save"
    if not isinstance(model, Layer):
        raise TypeError(
            f"{where}: expected a dlcore model (a Sequential or any Layer), received "
            f"{type(model).__name__}."
        )
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{where}: expected path to be a file name (str or pathlib.Path), received "
            f"{type(path).__name__} {path!r}."
        )
    allow_non_finite = boolean(allow_non_finite, "allow_non_finite", where)
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    _check_save_path(path, where)
    directory = path.parent

    _check_registered(model, where)
    state = model.state_dict()
    bad = None if allow_non_finite else _first_non_finite(state)
    if bad is not None:
        raise ValueError(message(
            where, "finite weights", f"the array {bad}",
            f"the model probably diverged; nothing was written, so {str(path)!r} is as it was. "
            f"To keep these weights anyway, save(model, path, allow_non_finite=True).",
        ))
    if ARCHITECTURE_KEY in state:
        raise ValueError(message(where, f"no parameter or buffer named {ARCHITECTURE_KEY!r}",
                                 "one", "rename that attribute of the layer."))
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "dlcore_version": _dlcore_version(),
        "model": _describe(model),
        "state": [{"key": key, "shape": list(value.shape), "dtype": value.dtype.name}
                  for key, value in state.items()],
    }
    try:
        text = json.dumps(header, default=_json_default)
    except TypeError as exc:
        raise TypeError(
            f"{where}: a layer's config() holds a value JSON cannot store ({exc}). Hint: a "
            f"layer's config() must return plain numbers, strings, lists and dicts."
        ) from exc

    # Rebuild the architecture now, as load will, so that a model that cannot be loaded back
    # (say a Dense made with init=my_function, whose config only holds the function's name)
    # fails here, while its weights are still in memory, rather than at load time.
    try:
        rebuilt = _build(json.loads(text)["model"], "")
    except ValueError as exc:
        raise ValueError(
            f"{where}: this model could not be loaded back from the file, so nothing was "
            f"written: {exc}"
        ) from exc
    shapes = {key: value.shape for key, value in state.items()}
    rebuilt_shapes = {key: value.shape for key, value in rebuilt.state_dict().items()}
    if rebuilt_shapes != shapes:
        raise ValueError(
            f"{where}: a layer's config() does not rebuild the same layer: the model's state "
            f"has the shapes {shapes}, the rebuilt one {rebuilt_shapes}, so nothing was "
            f"written. Hint: config() must return every constructor argument that changes a "
            f"parameter's shape."
        )

    arrays = {key: np.ascontiguousarray(value) for key, value in state.items()}
    arrays[ARCHITECTURE_KEY] = np.array(text)  # 0-d unicode array: no pickle needed to read it
    mode = _new_file_mode(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _cannot_write(exc, path, where) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp made it private (0o600)
        os.replace(tmp, path)  # atomic: readers see the old file or the new one, never half
    except BaseException as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(exc, OSError):
            raise _cannot_write(exc, path, where) from exc
        raise
    return str(path)


def _cannot_write(exc: OSError, path: Path, where: str) -> OSError:
    """The same kind of OSError, naming the file the user asked for (not the temporary one)."""
    reason = exc.strerror or str(exc)
    hint = ("choose a folder you can write to, e.g. your home or the course folder"
            if isinstance(exc, PermissionError) else "check the disk space and the path")
    return type(exc)(exc.errno, f"{where}: could not write {str(path)!r}: {reason}. Hint: {hint}.")


def _not_a_model_file(path, reason: str) -> ValueError:
    return ValueError(
        f"dlcore.io.load: {str(path)!r} is not a complete dlcore model file ({reason}). "
        f"Hint: it may be truncated (an interrupted copy or download) or not written by "
        f"dlcore.io.save; save the model again."
    )


def _build(spec, where: str, shapes: dict | None = None, depth: int = 0) -> Layer:
    """Rebuild a layer (and, for a Sequential, its children) from its JSON description.

    With ``shapes`` (``{key: shape}`` of the arrays in the file, already checked against them),
    each layer's arrays as its class computes them from the config must be exactly those of
    the file under its prefix, *before* the layer is built: so building allocates no more than
    the file holds.
    """
    at = where.rstrip(".") or "the top"
    if depth > MAX_DEPTH:
        raise ValueError(message(
            "dlcore.io.load", f"an architecture nested at most {MAX_DEPTH} levels deep",
            f"deeper nesting at {at[:200]}", "the file is damaged or was not written by save.",
        ))
    if not isinstance(spec, dict) or not isinstance(spec.get("class"), str):
        raise ValueError(
            f"dlcore.io.load: expected each layer in the architecture to be "
            f'{{"class": ..., "config": {{...}}}}, received {spec!r:.200} at {at}.'
        )
    name = spec["class"]
    config = spec.get("config", {})
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ValueError(message("dlcore.io.load", f"the config of {name} at {at} to be a dict "
                                 "of its constructor arguments", f"{config!r:.200}"))
    if name == "Sequential":
        children = spec.get("layers", [])
        if not isinstance(children, list):
            raise ValueError(message("dlcore.io.load", f"the layers of the Sequential at {at} "
                                     "to be a list", f"{children!r:.200}"))
        return Sequential(*[_build(c, f"{where}layers[{i}].", shapes, depth + 1)
                            for i, c in enumerate(children)])
    cls = LAYER_REGISTRY.get(name)
    if cls is None:
        known = ", ".join(sorted(LAYER_REGISTRY))
        raise ValueError(
            f"dlcore.io.load: the file uses the layer class {name!r} (at {at}), "
            f"which is not a registered layer. Known layers: {known}. Hint: if it is your own "
            f"class, define (or import) it with @register above it before calling load."
        )
    try:
        expected = cls.state_shapes(config) if shapes is not None else None
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"dlcore.io.load: could not rebuild {name}(**{config!r:.200}) (at {at}): {exc}"
        ) from exc
    if expected is not None:
        _check_layer_arrays(expected, where, name, config, shapes)
    try:
        return cls(**config)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"dlcore.io.load: could not rebuild {name}(**{config!r:.200}) (at {at}): {exc}"
        ) from exc


def _check_layer_arrays(expected: dict, prefix: str, name: str, config: dict,
                        shapes: dict) -> None:
    """The arrays a layer would hold must be the file's arrays under its prefix, by shape."""
    for local, shape in expected.items():
        key = prefix + local
        found = shapes.get(key)
        if found != tuple(shape):
            received = (f"no array {key!r} in the file" if found is None
                        else f"the array {key!r} of shape {found}")
            raise ValueError(message(
                "dlcore.io.load",
                f"{name}(**{config!r:.120}) at {prefix.rstrip('.') or 'the top'} to hold {local} "
                f"of shape {tuple(shape)}", received,
                "the architecture and the arrays of the file disagree: it is damaged or was "
                "not written by dlcore.io.save. Nothing large was allocated.",
            ))


def _check_archive_sizes(path: Path) -> None:
    """No entry of the zip archive may unpack to more bytes than the whole file holds.

    ``np.savez`` stores its arrays uncompressed, so in a file written by ``save`` every entry
    is smaller than the file. A compressed entry that claims more would be a zip bomb: a few
    kilobytes on disk that unpack to gigabytes of zeros. Read from the archive's directory,
    before any entry is unpacked.
    """
    file_size = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _not_a_model_file(path, f"{type(exc).__name__}: {exc}") from exc
    for info in infos:
        if info.file_size > file_size:
            raise _not_a_model_file(
                path, f"its entry {info.filename!r} claims {info.file_size:,} bytes once "
                f"unpacked, more than the {file_size:,} bytes of the whole file: it is "
                f"compressed or forged, and was not written by dlcore.io.save")


def _checked_state(records, arrays: dict, path: Path) -> dict:
    """The file's arrays by key, each record of ``"state"`` checked complete and true."""
    where = "dlcore.io.load"
    if not isinstance(records, list):
        raise _not_a_model_file(path, "its architecture has no list of saved arrays ('state'), "
                                f"received {type(records).__name__}")
    state = {}
    for i, record in enumerate(records):
        at = f"state[{i}]"
        if not (isinstance(record, dict) and set(record) == {"key", "shape", "dtype"}):
            raise ValueError(message(
                where, 'each record of "state" to be {"key": ..., "shape": [...], "dtype": '
                '...}', f"{record!r:.200} at {at} in {str(path)!r}",
                "the file is damaged or was not written by dlcore.io.save.",
            ))
        key, shape, dtype = record["key"], record["shape"], record["dtype"]
        if not isinstance(key, str) or key == ARCHITECTURE_KEY or key in state:
            raise ValueError(message(where, f"the key at {at} to name an array once",
                                     f"{key!r:.200} in {str(path)!r}"))
        if not (isinstance(shape, list) and len(shape) <= 8 and all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)):
            raise ValueError(message(where, f"the shape of {key} to be a list of sizes such "
                                     f"as [64, 32]", f"{shape!r:.200} in {str(path)!r}"))
        if dtype not in FLOAT_DTYPES:
            raise ValueError(message(where, f"the dtype of {key} to be one of {FLOAT_DTYPES}",
                                     f"{dtype!r:.200} in {str(path)!r}"))
        if key not in arrays:
            raise _not_a_model_file(path, f"the array {key!r} is missing")
        value = arrays[key]
        if value.shape != tuple(shape) or value.dtype != np.dtype(dtype):
            raise ValueError(
                f"{where}: the array {key} in {str(path)!r} is {value.shape} {value.dtype}, "
                f"but the architecture says {tuple(shape)} {dtype}. Hint: the file is "
                f"damaged; save the model again."
            )
        state[key] = value
    return state


def load(path) -> Layer:
    """Read a model written by ``save``: rebuild its layers, then copy the weights in.

    Each parameter's shape and dtype in the file must match the description of it, and its
    shape the rebuilt layer's parameter; otherwise a ``ValueError`` says which one differs.
    The model comes back in training mode, as a freshly built one would (``predict`` switches
    to eval mode by itself).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file; ``"model"`` also finds ``"model.npz"``.

    Returns
    -------
    The model (a ``Sequential``, or whatever layer was saved).
    """
    where = "dlcore.io.load"
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{where}: expected path to be a file name (str or pathlib.Path), received "
            f"{type(path).__name__} {path!r}."
        )
    path = Path(path)
    if not path.exists() and path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")
    if not path.is_file():
        raise FileNotFoundError(
            f"{where}: no file at {str(path)!r}. Hint: check the name and the working "
            f"directory ({os.getcwd()!r}); dlcore.io.save returns the path it wrote."
        )

    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"PK\x03\x04":  # every .npz is a zip archive, and every zip starts like this
        raise _not_a_model_file(
            path, "it is not a .npz (zip) archive: it starts with " + repr(magic)
        )
    _check_archive_sizes(path)
    try:
        data = np.load(path, allow_pickle=False)
        try:
            keys = list(data.keys())
            if ARCHITECTURE_KEY not in keys:
                shown = ", ".join(repr(k) for k in keys[:10]) + (", ..." if len(keys) > 10 else "")
                raise ValueError(
                    f"{where}: {str(path)!r} is a .npz file but not a dlcore model: expected an "
                    f"entry named {ARCHITECTURE_KEY!r} describing the layers, found the keys "
                    f"[{shown}]. Hint: dlcore.io.load reads files written by dlcore.io.save; "
                    f"for plain arrays use np.load."
                )
            arrays = {k: data[k] for k in keys}  # reads (and CRC-checks) every array now
        finally:
            data.close()
    except ValueError as exc:
        if str(exc).startswith(where):
            raise
        raise _not_a_model_file(path, f"{type(exc).__name__}: {exc}") from exc
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
        raise _not_a_model_file(path, f"{type(exc).__name__}: {exc}") from exc

    text = arrays[ARCHITECTURE_KEY]
    if text.dtype.kind != "U" or text.ndim != 0:
        raise _not_a_model_file(path, f"the {ARCHITECTURE_KEY!r} entry is not a JSON text")
    try:
        header = json.loads(str(text[()]))
    except json.JSONDecodeError as exc:
        raise _not_a_model_file(path, f"its architecture is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise _not_a_model_file(path, "its architecture is nested too deeply to be a model") \
            from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _not_a_model_file(path, f"expected format {FORMAT!r} in the architecture")
    version = header.get("format_version")
    if version == 1:
        raise ValueError(
            f"{where}: {str(path)!r} has format version 1, written by dlcore "
            f"{header.get('dlcore_version')!r} before models were saved by name (with their "
            f"buffers); this dlcore ({_dlcore_version()}) reads format version "
            f"{FORMAT_VERSION} only. Hint: load it with the dlcore version that wrote it and "
            f"copy the weights over by hand, or train the model again and save it anew."
        )
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{where}: {str(path)!r} has format version {version!r}, written by dlcore "
            f"{header.get('dlcore_version')!r}; this dlcore ({_dlcore_version()}) reads format "
            f"version {FORMAT_VERSION}. Hint: upgrade dlcore."
        )

    state = _checked_state(header.get("state"), arrays, path)
    # every layer's arrays are checked against the file's before the layer is built
    model = _build(header.get("model"), "", {k: v.shape for k, v in state.items()})
    if state:  # a model saved in float64 comes back in float64
        model.to(np.result_type(*state.values()))
    bad = _first_non_finite(state)
    if bad is not None:
        warnings.warn(
            f"{where}: {str(path)!r} holds weights that are NaN or infinite, e.g. the array "
            f"{bad}: the model was saved after it diverged, and its predictions will be NaN. "
            f"Hint: train it again, or load an earlier file.",
            UserWarning, stacklevel=2,
        )
    try:
        model.load_state_dict(state)
    except ValueError as exc:
        raise ValueError(
            f"{where}: {str(path)!r} does not fit its own architecture (the file is damaged, or "
            f"a layer's config() does not rebuild the same layer; save the model again): {exc}"
        ) from exc
    return model
