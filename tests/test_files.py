"""physml._files: the one container (checksummed .npz) and the one atomic writer.

Claims: a round trip is exact; a file is refused, before anything is allocated, when it declares
more than max_bytes, inflates like a zip bomb, or its headers disagree with its sizes; writes
never replace what is not a regular file, go through symlinks, keep permission bits and leave
no temporary file behind, whatever interrupts them.
"""

from __future__ import annotations

import io
import os
import signal
import stat
import sys
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from physml._files import (
    MAX_RATIO,
    TMP_SUFFIX,
    atomic_write,
    read_npz,
    sweep_temporary_files,
    write_npz,
)


def _npy_bytes(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _rewrite(path, replace, compression=zipfile.ZIP_STORED):
    """Copy the archive at path, replacing entries (name -> bytes), keeping the rest as they are."""
    with zipfile.ZipFile(path) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    entries.update(replace)
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def test_round_trip_is_exact_for_every_dtype_and_shape(tmp_path):
    arrays = {"a": np.arange(6.0).reshape(2, 3), "b": np.array(3, dtype=np.int8), "c": np.array(["x", "yz"]),
              "d": np.zeros((0, 4), np.float32), "e": np.asfortranarray(np.eye(3))}
    write_npz(tmp_path / "f.npz", arrays, {"format": "t", "n": 1})
    out, meta = read_npz(tmp_path / "f.npz")
    assert meta["format"] == "t" and meta["n"] == 1 and set(meta["arrays"]) == set(arrays)
    for k, a in arrays.items():
        assert out[k].dtype == a.dtype and out[k].shape == a.shape and np.array_equal(out[k], a)


def test_compressed_round_trip(tmp_path):
    write_npz(tmp_path / "f.npz", {"a": np.zeros(10_000)}, {}, compressed=True)
    assert np.array_equal(read_npz(tmp_path / "f.npz")[0]["a"], np.zeros(10_000))


def test_object_arrays_are_refused_on_write(tmp_path):
    with pytest.raises(TypeError, match="without pickle"):
        write_npz(tmp_path / "f.npz", {"a": np.array([{}], dtype=object)}, {})


def test_declared_size_above_max_bytes_is_refused_before_reading(tmp_path):
    write_npz(tmp_path / "f.npz", {"a": np.zeros(1000)}, {})
    with pytest.raises(ValueError, match="the limit is 4 KiB"):
        read_npz(tmp_path / "f.npz", max_bytes=4096)
    assert read_npz(tmp_path / "f.npz", max_bytes=10_000)[0]["a"].shape == (1000,)


def test_a_small_file_declaring_a_huge_array_is_refused_without_allocating(tmp_path):
    # issue 9: a 477-byte file declaring a (1e6, 1e6) float64 array raised MemoryError
    path = tmp_path / "f.npz"
    write_npz(path, {"a": np.zeros(2)}, {})
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (10**6, 10**6)})
    _rewrite(path, {"a.npy": header.getvalue() + b"\0" * 16})
    assert path.stat().st_size < 2000
    tracemalloc.start()
    with pytest.raises(ValueError, match="declares shape|the file is damaged|does not match"):
        read_npz(path, max_bytes=10**20)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 * 2**20


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    # 200 MB of zeros deflate to ~200 kB (ratio ~1000:1 is zlib's limit); declare it inflated 10x more
    path = tmp_path / "bomb.npz"
    write_npz(path, {"a": np.zeros(4)}, {})
    with zipfile.ZipFile(path) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    # patch the declared uncompressed size of the first entry in the central directory
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.infolist()[0]
    cd = raw.find(b"PK\x01\x02")  # the central directory; its uncompressed-size field is at offset 24
    declared = (info.compress_size * (MAX_RATIO + 1)).to_bytes(4, "little")
    raw[cd + 24: cd + 28] = declared
    path.write_bytes(bytes(raw))
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="compression bomb"):
        read_npz(path, max_bytes=10**12)
    assert time.perf_counter() - t0 < 1.0


def test_truncated_and_flipped_files_are_refused(tmp_path):
    path = tmp_path / "f.npz"
    write_npz(path, {"a": np.arange(100.0)}, {})
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="not a readable"):
        read_npz(path)
    flipped = bytearray(good)
    flipped[200] ^= 0xFF  # inside the data of 'a'
    path.write_bytes(bytes(flipped))
    with pytest.raises(ValueError):
        read_npz(path)


def test_an_array_edited_without_its_checksum_is_refused(tmp_path):
    path = tmp_path / "f.npz"
    write_npz(path, {"a": np.arange(4.0)}, {})
    _rewrite(path, {"a.npy": _npy_bytes(np.arange(4.0) + 1)})
    with pytest.raises(ValueError, match="checksum mismatch for array entry 'a'"):
        read_npz(path)


def test_an_extra_entry_or_a_missing_one_is_refused(tmp_path):
    path = tmp_path / "f.npz"
    write_npz(path, {"a": np.arange(4.0)}, {})
    _rewrite(path, {"b.npy": _npy_bytes(np.zeros(1))})
    with pytest.raises(ValueError, match="do not match the metadata"):
        read_npz(path)


def test_a_plain_npz_is_not_a_physml_file(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="has no '__meta__' entry"):
        read_npz(tmp_path / "plain.npz")


# ---------------------------------------------------------------------------- atomic writes


def _write_text(text):
    return lambda f: f.write(text.encode())


def test_atomic_write_replaces_a_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    atomic_write(path, _write_text("new"))
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_keeps_the_old_file_and_removes_the_temporary_on_error(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")

    def fail(f):
        f.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, fail)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_during_a_write_removes_the_temporary(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")

    def killed(f):
        f.write(b"half")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)  # the handler raises before this ends

    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit):
        atomic_write(path, killed)
    assert signal.getsignal(signal.SIGTERM) is previous
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_refuses_a_directory(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        atomic_write(tmp_path / "d", _write_text("x"))
    assert (tmp_path / "d").is_dir()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_atomic_write_refuses_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ValueError, match="is a FIFO"):
        atomic_write(tmp_path / "fifo", _write_text("x"))
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_atomic_write_refuses_a_device():
    # issue 9: `physml ising --out /dev/full` as root replaced the device with a regular file
    with pytest.raises(ValueError, match="/dev/null is a device"):
        atomic_write("/dev/null", _write_text("x"))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_atomic_write_goes_through_a_symlink(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    atomic_write(link, _write_text("new"))
    assert link.is_symlink() and target.read_text() == "new"


def test_atomic_write_keeps_permission_bits(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    os.chmod(path, 0o640)
    atomic_write(path, _write_text("new"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_new_files_get_the_usual_mode(tmp_path):
    atomic_write(tmp_path / "new.txt", _write_text("x"))
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o666 & ~umask


def test_sweep_removes_only_old_temporaries(tmp_path):
    old, fresh, other = (tmp_path / f".a{TMP_SUFFIX}"), (tmp_path / f".b{TMP_SUFFIX}"), tmp_path / "keep.npz"
    for p in (old, fresh, other):
        p.write_text("x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    os.utime(other, (time.time() - 7200, time.time() - 7200))
    assert sweep_temporary_files(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, other.name])
