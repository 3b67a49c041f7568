r"""The one file container of physml: a checksummed ``.npz`` written atomically, read header first.

Used by :func:`physml.io.save`/:func:`physml.io.load` (models), the data cache
(:mod:`physml.datasets._cache`) and the command line.

Layout
------
A NumPy ``.npz`` archive (a zip of ``.npy`` files) holding

* the arrays, one entry each, of any non-object dtype;
* ``__meta__``: a ``uint8`` array of UTF-8 JSON, the caller's metadata plus
  ``"arrays"``, a table of the dtype, shape and SHA-256 of every array entry;
* ``__meta_sha256__``: the SHA-256 of the ``__meta__`` bytes, as ASCII.

Reading refuses before allocating
---------------------------------
:func:`read_npz` never lets a file decide how much memory it takes. It reads the
zip directory, then the (small) metadata, then each array's ``.npy`` header
(dtype, shape) without its data, and raises ``ValueError`` before reading any
array when

* the arrays together declare more than ``max_bytes`` (default 2 GiB, or
  ``PHYSML_MAX_BYTES``);
* a compressed entry would inflate to more than :data:`MAX_RATIO` times its
  stored size (a "zip bomb");
* an entry's declared size disagrees with its header (the data would not fit
  the shape), or its header with the metadata table, or it holds Python objects.

Only then are the arrays read (``allow_pickle=False``) and their checksums
compared. SHA-256 detects damage (truncation, bit rot, a partial copy), not a
deliberate edit that recomputes the checksums: the safety of loading rests on
reading data only, never code.

Writing never destroys what is not its own
------------------------------------------
:func:`atomic_write` writes to a temporary file in the target's folder and moves
it over the target with :func:`os.replace`, so a crash leaves the old file or
the new one, never half a file. It refuses targets that are not regular files
(a directory, a device such as ``/dev/full``, a FIFO), writes through a symbolic
link to the file it points to (the link stays a link), keeps an existing file's
permission bits, and removes its temporary file on any exception, on Ctrl-C
(SIGINT) and on SIGTERM.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import stat
import tempfile
import threading
import zipfile
import zlib
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from ._validation import MAX_BYTES, _format_bytes

__all__ = ["atomic_write", "write_npz", "read_npz", "sweep_temporary_files", "MAX_RATIO", "TMP_SUFFIX"]

#: Largest inflation (declared size / stored size) accepted for a compressed entry. zlib cannot
#: compress better than about 1032:1, so a real file never comes close to this.
MAX_RATIO = 1100
#: Suffix of the temporary files :func:`atomic_write` creates (what :func:`sweep_temporary_files` removes).
TMP_SUFFIX = ".physml-tmp"
_META = "__meta__"
_META_SHA = "__meta_sha256__"
# The metadata is JSON text: a few kB for a model, never near this.
_MAX_META_BYTES = 64 * 1024**2


def _sha256(arr: np.ndarray) -> str:
    return hashlib.sha256(np.asarray(arr, order="C").tobytes()).hexdigest()


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _target(path: Path) -> Path:
    """The file a write to ``path`` should replace: the end of a symlink chain; refuse non-regular files."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(st.st_mode):
        kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise ValueError(f"{path} is {kind}; physml writes and replaces regular files only.")
    return target


@contextlib.contextmanager
def _signals_raise():
    """Turn SIGTERM into an exception while writing, so the temporary file is removed (SIGINT already is)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_exit(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, raise_exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def atomic_write(path, write) -> Path:
    """Write a file atomically: ``write(f)`` fills a temporary file that then replaces ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Destination. A symbolic link is written through (its target is
        replaced, the link kept); anything else that is not a regular file is
        refused. Missing parent folders are created.
    write : callable
        ``write(f)`` writes the content to the binary file object ``f``.

    Returns
    -------
    pathlib.Path
        ``path``, as given.

    Raises
    ------
    ValueError
        If ``path`` (or a link's target) is a directory, a device, a FIFO or a socket.
    """
    path = Path(os.fspath(path))
    target = _target(path)
    directory = target.parent if str(target.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(os.stat(target).st_mode) if target.exists() else 0o666 & ~_umask()
    with _signals_raise():
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, mode)  # mkstemp creates 0600: give the file the old file's (or the usual) mode
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    return path


def sweep_temporary_files(directory, older_than=3600.0) -> int:
    """Remove :func:`atomic_write`'s temporary files in ``directory`` older than ``older_than`` seconds.

    A process killed by SIGKILL (or a power cut) cannot clean up after itself;
    the next writer to the same folder does. Returns the number removed.
    """
    import time

    now, removed = time.time(), 0
    with contextlib.suppress(OSError):
        for p in Path(directory).glob(f".*{TMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                st = p.lstat()
                if stat.S_ISREG(st.st_mode) and now - st.st_mtime > older_than:
                    p.unlink()
                    removed += 1
    return removed


# ---------------------------------------------------------------------------
# The container
# ---------------------------------------------------------------------------


def write_npz(path, arrays: dict, meta: dict, *, compressed: bool = False) -> Path:
    """Write ``arrays`` (name -> ndarray) and the JSON-able ``meta`` as one checksummed ``.npz``, atomically.

    ``meta`` gains the key ``"arrays"`` (dtype, shape and SHA-256 of each
    array); it must not hold that key itself. Array names must be valid
    identifiers not starting with ``__``.
    """
    if "arrays" in meta:
        raise ValueError("meta must not hold the key 'arrays' (the container's own table).")
    arrays = {k: np.asarray(v, order="C") for k, v in arrays.items()}  # ascontiguousarray makes 0-d 1-d
    for key, arr in arrays.items():
        if not (isinstance(key, str) and key.isidentifier() and not key.startswith("__")):
            raise ValueError(f"array name {key!r} must be an identifier not starting with '__'.")
        if arr.dtype.hasobject:
            raise TypeError(f"array {key!r} has dtype {arr.dtype}, which cannot be stored without pickle.")
    table = {k: {"dtype": a.dtype.str, "shape": list(a.shape), "sha256": _sha256(a)} for k, a in arrays.items()}
    meta_bytes = np.frombuffer(json.dumps({**meta, "arrays": table}, sort_keys=True).encode("utf-8"),
                               dtype=np.uint8)
    entries = dict(arrays)
    entries[_META] = meta_bytes
    entries[_META_SHA] = np.frombuffer(_sha256(meta_bytes).encode("ascii"), dtype=np.uint8)
    save = np.savez_compressed if compressed else np.savez
    return atomic_write(path, lambda f: save(f, **entries))


def _read_header(zf, info):
    """(dtype, shape, fortran_order, header bytes) of one ``.npy`` entry, reading its header only."""
    with zf.open(info) as f:
        version = npy_format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = npy_format.read_array_header_2_0(f)
        else:  # version 3.0 only serves structured dtypes with non-Latin-1 field names, never written here
            raise ValueError(f"entry {info.filename!r} uses .npy format version {version}, which physml does not write.")
        return dtype, shape, fortran, f.tell()


def _read_array(zf, info):
    with zf.open(info) as f:
        return npy_format.read_array(f, allow_pickle=False)


def read_npz(path, *, what="physml file", max_bytes=None):
    """Read a container written by :func:`write_npz`: ``(arrays, meta)``, checked before anything is allocated.

    Parameters
    ----------
    path : str or os.PathLike
    what : str
        What the file should be ("physml model file"), used in the messages.
    max_bytes : int or None
        Refuse a file whose arrays together declare more than this many bytes;
        None: 2 GiB, or the ``PHYSML_MAX_BYTES`` environment variable.

    Returns
    -------
    arrays : dict of str -> ndarray
    meta : dict
        The metadata as written (including the ``"arrays"`` table).

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError
        As :func:`open`.
    ValueError
        A truncated, corrupted, modified or foreign file; a file that declares
        more than ``max_bytes`` or inflates more than :data:`MAX_RATIO`.
    """
    path = Path(os.fspath(path))
    if max_bytes is None:
        max_bytes = int(os.environ.get("PHYSML_MAX_BYTES", MAX_BYTES))
    try:
        with zipfile.ZipFile(path) as zf:
            return _read(zf, path, what, max_bytes)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except ValueError:
        raise
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, NotImplementedError, RuntimeError, zlib.error,
            UnicodeDecodeError, TypeError) as exc:
        # NotImplementedError / RuntimeError: a corrupted zip header claiming another compression or encryption
        raise ValueError(f"{path} is not a readable {what} (truncated, corrupted or another format): {exc}") from None


def _read(zf, path, what, max_bytes):
    infos = {}
    for info in zf.infolist():
        if not info.filename.endswith(".npy") or info.filename[:-4] in infos:
            raise ValueError(f"{path} is not a {what}: unexpected entry {info.filename!r}.")
        # a zip bomb: refuse before inflating (zlib's best ratio is ~1032:1)
        if info.compress_type != zipfile.ZIP_STORED and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ValueError(
                f"{path}: entry {info.filename!r} would inflate from {_format_bytes(info.compress_size)} to "
                f"{_format_bytes(info.file_size)} (more than {MAX_RATIO}:1); refusing a compression bomb."
            )
        infos[info.filename[:-4]] = info
    total = sum(i.file_size for i in infos.values())
    if total > max_bytes:
        raise ValueError(f"{path} would take {_format_bytes(total)} in memory; the limit is "
                         f"{_format_bytes(max_bytes)} (pass max_bytes=, or set PHYSML_MAX_BYTES, to allow more).")
    if _META not in infos or _META_SHA not in infos:
        raise ValueError(f"{path} is not a {what}: it has no {_META!r} entry.")
    for key in (_META, _META_SHA):
        dtype, shape, _, _ = _read_header(zf, infos[key])
        if dtype != np.uint8 or len(shape) != 1 or shape[0] > _MAX_META_BYTES:
            raise ValueError(f"{path} is not a {what}: malformed metadata entry.")
    meta_bytes = _read_array(zf, infos.pop(_META))
    expected = _read_array(zf, infos.pop(_META_SHA))
    if _sha256(meta_bytes) != expected.tobytes().decode("ascii", errors="replace"):
        raise ValueError(f"{path}: checksum mismatch in the metadata; the file was corrupted or modified.")
    try:
        meta = json.loads(meta_bytes.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{path}: metadata is not valid JSON: {exc!r}") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{path} is not a {what}: its metadata is not a JSON object.")
    table = meta.get("arrays")
    if not isinstance(table, dict) or not all(isinstance(i, dict) for i in table.values()):
        raise ValueError(f"{path}: malformed array table in the metadata.")
    if set(table) != set(infos):
        raise ValueError(f"{path}: array entries {sorted(infos)} do not match the metadata {sorted(table)}; "
                         "the file was modified.")
    # every header before any data: the declared sizes must be consistent and fit
    declared = 0
    for key, info in infos.items():
        dtype, shape, _, offset = _read_header(zf, info)
        if dtype.hasobject:
            raise ValueError(f"{path}: array entry {key!r} holds Python objects; refusing it.")
        n_bytes = dtype.itemsize
        for d in shape:
            n_bytes *= int(d)  # Python ints: a (1e6, 1e6) shape cannot overflow
        if info.file_size != offset + n_bytes:
            raise ValueError(f"{path}: array entry {key!r} declares shape {shape} ({_format_bytes(n_bytes)}) but "
                             f"holds {_format_bytes(max(info.file_size - offset, 0))}; the file is damaged.")
        if (dtype.str, list(shape)) != (table[key].get("dtype"), table[key].get("shape")):
            raise ValueError(f"{path}: array entry {key!r} does not match the metadata; the file was modified.")
        declared += n_bytes
    if declared > max_bytes:
        raise ValueError(f"{path} declares arrays of {_format_bytes(declared)}; the limit is "
                         f"{_format_bytes(max_bytes)} (pass max_bytes=, or set PHYSML_MAX_BYTES, to allow more).")
    arrays = {}
    for key, info in infos.items():
        arr = _read_array(zf, info)
        if _sha256(arr) != table[key].get("sha256"):
            raise ValueError(f"{path}: checksum mismatch for array entry {key!r}; the file was corrupted or modified.")
        arrays[key] = arr
    return arrays, meta
