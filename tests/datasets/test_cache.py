"""physml.datasets._cache: keyed entries in physml's container, checked on every hit, regenerated when bad."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from physml._files import TMP_SUFFIX, write_npz
from physml.datasets import _cache


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_CACHE", str(tmp_path / "cache"))


def _compute(calls):
    def compute():
        calls.append(1)
        return {"X": np.arange(12.0).reshape(4, 3), "y": np.arange(4)}, {"n": 4}

    return compute


def test_hit_returns_the_stored_arrays_without_computing(tmp_path):
    calls = []
    a1, m1 = _cache.cached("demo", {"p": 1}, _compute(calls))
    a2, m2 = _cache.cached("demo", {"p": 1}, _compute(calls))
    assert len(calls) == 1 and m1 == m2 == {"n": 4}
    assert all(np.array_equal(a1[k], a2[k]) for k in a1)


def test_entry_is_physml_container_readable_by_the_shared_reader(tmp_path):
    from physml._files import read_npz

    _cache.cached("demo", {"p": 1}, _compute([]))
    arrays, meta = read_npz(_cache.cache_path("demo", {"p": 1}))
    assert meta["format"] == _cache.FORMAT and meta["meta"] == {"n": 4} and arrays["X"].shape == (4, 3)


def test_a_hit_that_fails_validation_is_regenerated_with_a_warning(tmp_path):
    calls = []
    _cache.cached("demo", {"p": 1}, _compute(calls))

    def validate(arrays, meta):
        if arrays["X"].shape[0] != 5:
            raise ValueError("X has the wrong number of rows for this request")

    with pytest.warns(_cache.CacheWarning, match="wrong number of rows"):
        _cache.cached("demo", {"p": 1}, _compute(calls), validate=validate)
    assert len(calls) == 2


def test_a_file_of_another_container_format_is_regenerated(tmp_path):
    path = _cache.cache_path("demo", {"p": 1})
    write_npz(path, {"X": np.zeros(2)}, {"format": "physml-model"})
    calls = []
    with pytest.warns(_cache.CacheWarning, match="not a cache entry"):
        arrays, _ = _cache.cached("demo", {"p": 1}, _compute(calls))
    assert len(calls) == 1 and arrays["X"].shape == (4, 3)


def test_a_file_declaring_too_much_is_refused_and_regenerated(tmp_path):
    _cache.cached("demo", {"p": 1}, _compute([]))
    with pytest.warns(_cache.CacheWarning, match="the limit is"):
        assert _cache.load(_cache.cache_path("demo", {"p": 1}), max_bytes=16) is None


def test_saving_sweeps_stale_temporary_files_only(tmp_path):
    folder = _cache.cache_dir()
    folder.mkdir(parents=True)
    stale, fresh = folder / f".x.npz.abc{TMP_SUFFIX}", folder / f".y.npz.def{TMP_SUFFIX}"
    stale.write_text("killed mid-write")
    fresh.write_text("being written now")
    os.utime(stale, (time.time() - 7200,) * 2)
    _cache.cached("demo", {"p": 1}, _compute([]))
    assert not stale.exists() and fresh.exists()


def test_key_changes_with_every_parameter(tmp_path):
    assert _cache.cache_path("demo", {"p": 1}) != _cache.cache_path("demo", {"p": 2})
    assert _cache.cache_path("demo", {"p": 1}) != _cache.cache_path("other", {"p": 1})
    assert _cache.cache_path("demo", {"p": 1}) == _cache.cache_path("demo", {"p": 1})


def test_cache_module_round_trip_and_key(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"a": np.arange(5), "b": np.eye(2)}, {"note": "x", "n": 5}

    arrays, meta = _cache.cached("demo", {"p": 1}, compute)
    arrays2, meta2 = _cache.cached("demo", {"p": 1}, compute)
    assert len(calls) == 1 and meta2 == meta == {"note": "x", "n": 5}
    assert all(np.array_equal(arrays[k], arrays2[k]) for k in arrays)
    _cache.cached("demo", {"p": 2}, compute)  # another parameter is another entry
    assert len(calls) == 2
    assert sorted(p.suffix for p in _cache.cache_dir().iterdir()) == [".npz", ".npz"]  # no temporary files
    path = _cache.cache_path("demo", {"p": 1})
    path.write_bytes(b"not an npz file")
    with pytest.warns(_cache.CacheWarning, match="unreadable"):
        assert _cache.load(path) is None
