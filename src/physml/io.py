r"""Save and load fitted models without pickle: one ``.npz`` file, arrays plus JSON.

``save(model, path)`` writes a single NumPy ``.npz`` archive:

* every array of the model (fitted attributes, and arrays nested in lists,
  tuples and dicts) is an entry ``a0``, ``a1``, ... of the archive; NumPy
  scalars are stored as 0-d arrays so that their dtype survives;
* the entry ``__meta__`` is a ``uint8`` array holding UTF-8 JSON: the format
  name and version, the class path (``physml.linear.regression.Ridge``), the
  constructor parameters, the fitted state, the physml and NumPy versions, and
  the dtype, shape and SHA-256 checksum of every array entry;
* the entry ``__meta_sha256__`` holds the SHA-256 of the ``__meta__`` bytes.

This is physml's one file container (:mod:`physml._files`, shared with the data
cache). The file is written to a temporary file in the target directory and
moved into place with :func:`os.replace`, so a crash never leaves half a file;
a symbolic link is written through, a directory, device or FIFO is refused,
and an existing file keeps its permission bits.

``load(path)`` reads the zip directory, the metadata and every array's
``.npy`` header before any array data, and refuses with ``ValueError``, before
allocating, a file whose arrays would take more than ``max_bytes`` (2 GiB by
default) or whose compressed entries would inflate more than 1100:1. It then
reads the arrays with ``allow_pickle=False``, verifies every checksum,
validates the constructor parameters (an MLP declaring ``hidden_layer_sizes=(10**12,)``
is refused before anything is built) and rebuilds the model.

What the checksums and the loader promise
-----------------------------------------
The SHA-256 checksums detect *damage*: a truncated download, a disk error, a
partial copy. They do not authenticate the file: whoever edits it on purpose
can recompute them. The security promise is a different one: loading never
runs code (no pickle; only a class defined in a ``physml.`` module that
subclasses :class:`physml.base.Estimator` can be named by a file, so a crafted
file cannot make ``load`` call ``os.system`` or build anything else) and only
builds physml estimators from validated parameters, within the memory limit.
A crafted file can therefore at worst give a model that predicts nonsense.
A truncated, corrupted, modified or foreign file raises ``ValueError``.

What is saved
-------------
By default the *generic walk*: the constructor parameters
(``get_params(deep=False)``) and every public instance attribute whose name
ends in ``"_"`` (the fitted state: ``coef_``, not ``_cache``). Values may be ``None``, bools, ints, floats,
strings, NumPy arrays of any non-object dtype (and object arrays of such plain values, e.g.
class labels from a pandas column), NumPy scalars, dtypes and scalar
types (``np.float32``; also the builtins ``float``, ``int``, ``bool``, ``complex``, ``str``),
``numpy.random.Generator`` (its bit-generator state), physml estimators
(saved recursively with their own parameters and state), and lists, tuples and
dicts of these. Anything else raises ``TypeError`` naming the attribute.

The state hook
--------------
An estimator whose fitted state is not a set of such attributes (a network that
holds layer objects, say) defines two methods, and ``save``/``load`` use them
instead of the generic walk::

    def _get_state(self) -> dict:
        # plain values and arrays only (the types listed above), e.g.
        return {"weights": [W1, W2], "biases": [b1, b2], "n_features_in_": 4, "loss_curve_": [...]}

    def _set_state(self, state: dict) -> None:
        # called on a fresh instance built from the saved parameters;
        # rebuild layers etc. from the arrays in ``state``
        ...

``load`` then calls ``cls(**params)._set_state(state)``. The round trip must be
exact: predictions of the loaded model equal the saved model's bit for bit.

Examples
--------
>>> from physml.linear import Ridge                      # doctest: +SKIP
>>> model = Ridge(alpha=0.1).fit(X, y)                   # doctest: +SKIP
>>> physml.io.save(model, "ridge.npz")                   # doctest: +SKIP
>>> physml.io.load("ridge.npz").predict(X)               # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import numpy as np

from . import __version__
from ._files import atomic_write, read_npz, write_npz
from .base import Estimator, warn

__all__ = ["save", "load"]

FORMAT = "physml-model"
FORMAT_VERSION = 1
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")
_BUILTIN_TYPES = {t.__name__: t for t in (bool, int, float, complex, str)}


def _class_path(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _state_of(model) -> dict:
    if hasattr(model, "_get_state"):
        state = model._get_state()
        if not isinstance(state, dict):
            raise TypeError(
                f"{type(model).__name__}._get_state() must return a dict, got {type(state).__name__}."
            )
        return state
    return {k: v for k, v in vars(model).items() if _is_fitted_name(k)}


def _is_fitted_name(name) -> bool:
    """Public fitted attribute: ``coef_``, not ``_cache_`` nor ``__class__``."""
    return isinstance(name, str) and name.isidentifier() and name.endswith("_") and not name.startswith("_")


# ---------------------------------------------------------------------------
# Encoding: Python values -> JSON-able values + array entries
# ---------------------------------------------------------------------------


class _Encoder:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def _store(self, arr: np.ndarray) -> str:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = arr
        return key

    def estimator(self, model, where: str) -> dict:
        cls = type(model)
        if not (isinstance(model, Estimator) and cls.__module__.split(".")[0] == "physml"):
            raise TypeError(
                f"{where} is a {_class_path(cls)}; only physml estimators can be saved by physml.io."
            )
        if "." in cls.__qualname__ or "<" in cls.__qualname__:
            raise TypeError(f"{where}: class {cls.__qualname__} must be defined at module level to be saved.")
        params = model.get_params(deep=False)
        return {
            "class": _class_path(cls),
            "params": {k: self.value(v, f"{where}.{k}") for k, v in params.items()},
            "state": {k: self.value(v, f"{where}.{k}") for k, v in _state_of(model).items()},
        }

    def value(self, v, where: str):
        if v is None or type(v) in (bool, int, str):
            return v
        if type(v) is float:
            return {"__float__": v.hex()}  # hex keeps NaN, inf and every bit
        if isinstance(v, np.ndarray):
            if v.dtype.kind == "O" and all(x is None or type(x) in (bool, int, float, str) for x in v.flat):
                # e.g. classes_ of labels from a pandas string column: the items go in the JSON
                items = [self.value(x, f"{where}[{i}]") for i, x in enumerate(v.flat)]
                return {"__object_array__": [list(v.shape), items]}
            if v.dtype.kind == "O" or v.dtype.fields is not None:
                raise TypeError(
                    f"{where} is an array of dtype {v.dtype}, which cannot be stored without pickle; "
                    "convert it to a numeric or fixed-width string dtype."
                )
            return {"__array__": self._store(np.ascontiguousarray(v))}
        if isinstance(v, np.generic):
            return {"__scalar__": self._store(np.asarray(v))}
        if isinstance(v, np.dtype):
            return {"__dtype__": v.str}
        if isinstance(v, type) and issubclass(v, np.generic):
            return {"__type__": np.dtype(v).str}
        if isinstance(v, type) and _BUILTIN_TYPES.get(v.__name__) is v:
            return {"__builtin_type__": v.__name__}
        if isinstance(v, np.random.Generator):
            return {"__generator__": self.value(v.bit_generator.state, f"{where}.bit_generator.state")}
        if isinstance(v, tuple):
            return {"__tuple__": [self.value(x, f"{where}[{i}]") for i, x in enumerate(v)]}
        if isinstance(v, list):
            return [self.value(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if isinstance(v, dict):
            items = [[self.value(k, f"{where} key"), self.value(x, f"{where}[{k!r}]")] for k, x in v.items()]
            return {"__dict__": items}
        if isinstance(v, Estimator):
            return {"__estimator__": self.estimator(v, where)}
        raise TypeError(
            f"{where} is a {type(v).__name__}, which physml.io cannot store without pickle. "
            "Store plain values and arrays, or define _get_state/_set_state on the estimator "
            "(see the physml.io docstring)."
        )


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------


def _resolve_class(path):
    """The estimator class named by ``path``; only physml Estimator subclasses qualify."""
    if not isinstance(path, str):
        raise ValueError(f"Invalid class path in model file: {path!r}.")
    module_name, _, name = path.rpartition(".")
    if (
        not (module_name == "physml" or module_name.startswith("physml."))
        or not name.isidentifier()
        or "__main__" in module_name.split(".")  # importing it would run the command line
    ):
        raise ValueError(
            f"Model file names class {path!r}; only estimators from the physml package can be loaded."
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(
            f"Model file names class {path!r}, but module {module_name!r} cannot be imported: {exc}"
        ) from None
    cls = vars(module).get(name)
    if not (isinstance(cls, type) and issubclass(cls, Estimator) and cls.__module__ == module_name):
        raise ValueError(
            f"Model file names {path!r}, which is not a physml estimator class; refusing to instantiate it."
        )
    return cls


class _Decoder:
    def __init__(self, arrays):
        self.arrays = arrays

    def _array(self, key):
        if key not in self.arrays:
            raise ValueError(f"Model file refers to array entry {key!r}, which is missing.")
        return self.arrays[key]

    def _object_array(self, x):
        """An object array of plain values (None, bool, int, float, str), as ``[shape, items]``."""
        try:
            shape, items = x
            shape = tuple(int(d) for d in shape)
            values = [self.value(e) for e in items]
        except (TypeError, ValueError):
            raise ValueError("Model file holds a malformed object array.") from None
        if int(np.prod(shape)) != len(values) or not all(
                e is None or type(e) in (bool, int, float, str) for e in values):
            raise ValueError("Model file holds a malformed object array.")
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return arr.reshape(shape)

    def estimator(self, spec):
        if not isinstance(spec, dict) or not {"class", "params", "state"} <= set(spec):
            raise ValueError("Model file has a malformed estimator entry.")
        cls = _resolve_class(spec["class"])
        params = {k: self.value(v) for k, v in spec["params"].items()}
        state = {k: self.value(v) for k, v in spec["state"].items()}
        try:
            model = cls(**params)
        except TypeError as exc:
            raise ValueError(f"Model file parameters do not fit {spec['class']}: {exc}") from None
        if hasattr(model, "_set_state"):
            model._set_state(state)
        else:
            for k, v in state.items():
                if not _is_fitted_name(k):
                    raise ValueError(f"Model file sets attribute {k!r}, which is not a fitted attribute.")
                setattr(model, k, v)
        return model

    def value(self, v):
        if v is None or type(v) in (bool, int, str):
            return v
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict) or len(v) != 1:
            raise ValueError(f"Model file holds an unknown value {v!r}.")
        (tag, x), = v.items()
        if tag == "__float__":
            return float.fromhex(x)
        if tag == "__array__":
            return self._array(x)
        if tag == "__scalar__":
            return self._array(x)[()]
        if tag == "__dtype__":
            return np.dtype(x)
        if tag == "__type__":
            return np.dtype(x).type
        if tag == "__builtin_type__":
            if x not in _BUILTIN_TYPES:
                raise ValueError(f"Model file holds an unknown type {x!r}.")
            return _BUILTIN_TYPES[x]
        if tag == "__tuple__":
            return tuple(self.value(e) for e in x)
        if tag == "__object_array__":
            return self._object_array(x)
        if tag == "__dict__":
            return {self.value(k): self.value(e) for k, e in x}
        if tag == "__generator__":
            state = self.value(x)
            name = state.get("bit_generator") if isinstance(state, dict) else None
            if name not in _BIT_GENERATORS:
                raise ValueError(f"Model file holds an unknown bit generator {name!r}.")
            bit_generator = getattr(np.random, name)()
            bit_generator.state = state
            return np.random.Generator(bit_generator)
        if tag == "__estimator__":
            return self.estimator(x)
        raise ValueError(f"Model file holds an unknown value tag {tag!r}.")


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def save(model, path) -> Path:
    """Save a physml estimator (fitted or not) to one ``.npz`` file, atomically.

    Parameters
    ----------
    model : Estimator
        A physml estimator; its parameters and fitted state must be made of the
        types listed in the module docstring, or it defines ``_get_state``.
    path : str or os.PathLike
        Destination, used as given (no suffix is added); replaced if it exists.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    encoder = _Encoder()
    spec = encoder.estimator(model, "model")
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "physml_version": __version__,
        "numpy_version": np.__version__,
        "model": spec,
    }
    return write_npz(path, encoder.arrays, meta)


def atomic_savez(path, entries: dict, *, compressed: bool = False) -> Path:
    """Write ``entries`` (name -> ndarray) as a plain ``.npz`` at ``path`` with :func:`physml._files.atomic_write`.

    For files meant for other programs (no physml metadata, no checksums); the
    same guarantees as :func:`save`: atomic, symlinks written through,
    non-regular targets refused, permission bits kept.
    """
    save_ = np.savez_compressed if compressed else np.savez
    return atomic_write(path, lambda f: save_(f, **entries))


def load(path, *, max_bytes=None):
    """Load a model written by :func:`save`, checking sizes before allocating and every checksum after.

    Parameters
    ----------
    path : str or os.PathLike
    max_bytes : int or None, keyword-only
        Refuse a file whose arrays together declare more than this many bytes
        (None: 2 GiB, or the ``PHYSML_MAX_BYTES`` environment variable).

    Returns
    -------
    Estimator
        A model of the saved class with the saved parameters and fitted state.

    Raises
    ------
    ValueError
        If the file is truncated, corrupted, modified (checksum mismatch), too
        large, a compression bomb, not a physml model file, names a class
        outside physml, or holds parameters the class refuses.
    """
    path = Path(os.fspath(path))
    entries, meta = read_npz(path, what="physml model file", max_bytes=max_bytes)
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not a physml model file (format {meta.get('format')!r}).")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} uses model file format version {meta.get('format_version')!r}; this physml reads "
            f"version {FORMAT_VERSION}."
        )
    if meta.get("physml_version") != __version__:
        warn(
            f"{path} was written by physml {meta.get('physml_version')}; this is physml {__version__}.",
            UserWarning,
        )
    try:
        return _Decoder(entries).estimator(meta.get("model"))
    except (TypeError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        # the checksums matched, so the metadata was written malformed on purpose or by another program
        raise ValueError(f"{path}: malformed model description in the metadata: {exc!r}") from None
