r"""A small on-disk cache of generated arrays: keyed, atomic, checksummed.

Files live in ``$PHYSML_CACHE`` if set, else ``$XDG_CACHE_HOME/physml``, else
``~/.cache/physml``. An entry is one file of physml's container
(:mod:`physml._files`, the format of :func:`physml.io.save`): the arrays, JSON
metadata and SHA-256 checksums, written atomically. The file name is a hash of
the entry's name, every parameter, the physml version and the container
format, so a change of any of them is a new entry.

A hit is trusted only after checks: the file is read header first (refused
before allocating if it declares more than ``max_bytes``), its checksums must
match, and the caller's ``validate(arrays, meta)`` (every array present, shapes
consistent with the request) must pass. A file that fails any of them is
reported with a :class:`CacheWarning` and regenerated; a cache folder that
cannot be written is reported the same way and the computed data are returned
uncached. Each write also removes the temporary files that writers killed
mid-write (SIGKILL, power cut) left in the folder more than an hour ago.

Usage::

    arrays, meta = cached("ising", params, compute)   # compute() -> (dict of arrays, dict)
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .._files import read_npz, sweep_temporary_files, write_npz
from ..exceptions import CacheWarning, warn

__all__ = ["CacheWarning", "cache_dir", "cache_path", "cached", "load", "save"]


def cache_dir() -> Path:
    """The cache folder: ``$PHYSML_CACHE``, else ``$XDG_CACHE_HOME/physml``, else ``~/.cache/physml``."""
    if os.environ.get("PHYSML_CACHE"):
        return Path(os.environ["PHYSML_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "physml"


FORMAT = "physml-cache"
FORMAT_VERSION = 2  # 1: the cache's own .npz layout (before it shared physml._files with physml.io)


def cache_path(name: str, params: dict) -> Path:
    """The file of entry ``name`` with ``params`` (JSON-serialisable), including the physml version."""
    from .. import __version__

    key = json.dumps({"name": name, "version": __version__, "format": FORMAT_VERSION, "params": params},
                     sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return cache_dir() / f"{name}-{digest}.npz"


def save(path: Path, arrays: dict, meta: dict) -> None:
    """Write ``arrays`` and ``meta`` to ``path`` atomically, with their checksums; sweep stale temporary files."""
    write_npz(path, arrays, {"format": FORMAT, "format_version": FORMAT_VERSION, "meta": meta})
    sweep_temporary_files(Path(path).parent)


def load(path: Path, validate=None, max_bytes=None):
    """Read an entry: ``(arrays, meta)``, or None if it is missing or fails a check (then with a warning).

    Parameters
    ----------
    path : pathlib.Path
    validate : callable or None
        ``validate(arrays, meta)`` raises ``ValueError`` when the entry does not
        answer the request (an array missing, a shape that disagrees).
    max_bytes : int or None
        Refuse (and regenerate) a file declaring more; None: 2 GiB or ``PHYSML_MAX_BYTES``.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        arrays, stored = read_npz(path, what="physml cache file", max_bytes=max_bytes)
        if stored.get("format") != FORMAT or stored.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"not a cache entry of format {FORMAT} {FORMAT_VERSION}")
        meta = stored.get("meta")
        if validate is not None:
            validate(arrays, meta)
    except ValueError as exc:
        reason = f"unreadable: {exc}" if "checksum" not in str(exc) else f"checksum mismatch: {exc}"
    except OSError as exc:  # unreadable for the system (permissions, I/O error): regenerate as well
        reason = f"unreadable: {type(exc).__name__}: {exc}"
    else:
        return arrays, meta
    warn(f"physml cache file {path} is corrupt ({reason}); regenerating it.", CacheWarning)
    return None


def cached(name: str, params: dict, compute, validate=None):
    """Return ``(arrays, meta)`` of entry (``name``, ``params``), computing and saving it if needed.

    ``compute()`` must return ``(dict of arrays, JSON-serialisable dict)``;
    ``validate(arrays, meta)``, if given, checks a hit against the request and
    raises ``ValueError`` when it does not answer it (the entry is then regenerated).
    """
    path = cache_path(name, params)
    hit = load(path, validate)
    if hit is not None:
        return hit
    arrays, meta = compute()
    try:
        save(path, arrays, meta)
    except OSError as exc:  # a read-only or missing cache folder must not lose the computed data
        warn(f"physml could not write the cache file {path} ({type(exc).__name__}: {exc}); "
             "the data are returned uncached.", CacheWarning)
    return arrays, meta
