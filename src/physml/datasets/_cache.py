r"""A small on-disk cache of generated arrays: keyed, atomic, checksummed.

Files live in ``$PHYSML_CACHE`` if set, else ``$XDG_CACHE_HOME/physml``, else
``~/.cache/physml``. An entry is one ``.npz`` file holding the arrays, a JSON
metadata string and a SHA-256 checksum of both; the file name is a hash of the
entry's name, every parameter and the physml version, so a change of any of
them is a new entry. Writes go to a temporary file in the same folder followed
by :func:`os.replace`, so a crash never leaves half a file; a file that does not
load or whose checksum does not match is reported with a :class:`CacheWarning`
and regenerated; a cache folder that cannot be written is reported the same way and the
computed data are returned uncached. Arrays are read with ``allow_pickle=False``.

Usage::

    arrays, meta = cached("ising", params, compute)   # compute() -> (dict of arrays, dict)
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from ..exceptions import CacheWarning, warn
from ..io import atomic_savez

__all__ = ["CacheWarning", "cache_dir", "cache_path", "cached", "load", "save"]


def cache_dir() -> Path:
    """The cache folder: ``$PHYSML_CACHE``, else ``$XDG_CACHE_HOME/physml``, else ``~/.cache/physml``."""
    if os.environ.get("PHYSML_CACHE"):
        return Path(os.environ["PHYSML_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "physml"


def cache_path(name: str, params: dict) -> Path:
    """The file of entry ``name`` with ``params`` (JSON-serialisable), including the physml version."""
    from .. import __version__

    key = json.dumps({"name": name, "version": __version__, "params": params}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return cache_dir() / f"{name}-{digest}.npz"


def _checksum(arrays: dict, meta_json: str) -> str:
    h = hashlib.sha256(meta_json.encode())
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(f"{key}|{a.dtype.str}|{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save(path: Path, arrays: dict, meta: dict) -> None:
    """Write ``arrays`` and ``meta`` to ``path`` atomically, with their checksum."""
    meta_json = json.dumps(meta, sort_keys=True)
    payload = dict(arrays, __meta__=np.array(meta_json), __sha256__=np.array(_checksum(arrays, meta_json)))
    atomic_savez(path, payload)


def load(path: Path):
    """Read an entry: ``(arrays, meta)``, or None if it is missing or corrupt (then with a warning)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files if k not in ("__meta__", "__sha256__")}
            meta_json = str(f["__meta__"])
            stored = str(f["__sha256__"])
    except Exception as exc:  # any unreadable file is regenerated, whatever the reason
        reason = f"unreadable: {type(exc).__name__}: {exc}"
    else:
        if _checksum(arrays, meta_json) == stored:
            return arrays, json.loads(meta_json)
        reason = "checksum mismatch"
    warn(f"physml cache file {path} is corrupt ({reason}); regenerating it.", CacheWarning)
    return None


def cached(name: str, params: dict, compute):
    """Return ``(arrays, meta)`` of entry (``name``, ``params``), computing and saving it if needed.

    ``compute()`` must return ``(dict of arrays, JSON-serialisable dict)``.
    """
    path = cache_path(name, params)
    hit = load(path)
    if hit is not None:
        return hit
    arrays, meta = compute()
    try:
        save(path, arrays, meta)
    except OSError as exc:  # a read-only or missing cache folder must not lose the computed data
        warn(f"physml could not write the cache file {path} ({type(exc).__name__}: {exc}); "
             "the data are returned uncached.", CacheWarning)
    return arrays, meta
