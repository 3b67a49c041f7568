"""Bunch: a dictionary with attribute access; the generators' Bunches unpack as their old tuples."""

import numpy as np
import pytest

import physml.datasets as datasets
from physml.datasets import Bunch
from physml.datasets._bunch import _tuple_bunch


def test_keys_are_attributes_and_a_plain_bunch_iterates_its_keys():
    b = Bunch(X=np.zeros(3), y=np.ones(3))
    b.extra = 5
    assert b["extra"] == 5 and b.X is b["X"] and list(b) == ["X", "y", "extra"]
    with pytest.raises(AttributeError):
        b.missing


def test_tuple_bunch_unpacks_indexes_and_stays_a_dictionary():
    X, y = np.arange(3), np.arange(3) * 2
    b = _tuple_bunch(("X", "y"), X=X, y=y, note="n")
    a, c = b
    assert a is X and c is y and b[0] is X and b[-1] is y and b[:1] == (X,)
    assert list(b.keys()) == ["X", "y", "note"] and len(b) == 3 and "note" in b
    assert set(dict(b)) == {"X", "y", "note"} and dict(b)["X"] is X
    assert {**b}.keys() == b.keys()
    with pytest.raises(KeyError):
        b["other"]


def test_every_exported_name_resolves_to_its_submodule_object():
    import importlib

    for name in datasets.__all__:
        module = importlib.import_module(f"physml.datasets.{datasets._EXPORTS[name]}")
        assert getattr(datasets, name) is getattr(module, name)
    for sub in ("laws", "ising", "collider", "blobs", "digits"):
        module = importlib.import_module(f"physml.datasets.{sub}")
        assert set(module.__all__) <= set(datasets.__all__), sub


@pytest.mark.parametrize("make, extra", [
    (lambda **k: datasets.noisy_law(n=20, random_state=0, **k), "y_true"),
    (lambda **k: datasets.make_blobs(20, random_state=0, **k), "centers"),
    (lambda **k: datasets.load_digits(n_class=3, **k), "images"),
    (lambda **k: datasets.collider_events(20, 20, random_state=0, **k), "m_true"),
    (lambda **k: datasets.ising_configurations(L=4, temperatures=[1.0, 3.0], n_per_temperature=4,
                                               random_state=0, cache=False, **k), "T"),
])
def test_every_generator_returns_X_y_and_its_extras_or_the_tuple(make, extra):
    res = make()
    assert isinstance(res, Bunch) and len(res.X) == len(res.y) and extra in res
    tup = make(return_X_y=True)
    assert isinstance(tup, tuple) and np.array_equal(tup[0], res.X) and np.array_equal(tup[-1], res.y)
