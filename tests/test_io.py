"""physml.io: exact round trips, and refusal of truncated, tampered and foreign files."""

import hashlib
import json
import os
import sys
import types

import numpy as np
import pytest

import physml.io as pio
from physml.base import ClassifierMixin, Estimator, RegressorMixin, check_is_fitted, check_X_y
from physml.linear import LinearRegression, PolynomialRegression, Ridge

from test_estimator_checks import ESTIMATORS  # noqa: I001  (discovery shared with the check_estimator test)


# --------------------------------------------------------------------------- dummy estimators living in physml


class Layer:
    """A non-estimator object held by _Net: needs the state hook to be saved."""

    def __init__(self, W):
        self.W = W


class Kitchen(RegressorMixin, Estimator):
    """Holds every kind of value the generic walk must store exactly."""

    def __init__(self, inner=None, shape=(2, 3), dtype=np.float32, random_state=None, eta=0.1, cast=float):
        self.inner = inner
        self.cast = cast
        self.shape = shape
        self.dtype = dtype
        self.random_state = random_state
        self.eta = eta

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        self.coef_ = np.linalg.lstsq(X, y, rcond=None)[0]
        self.weights_ = [np.arange(6.0).reshape(self.shape), np.ones(3, dtype=self.dtype)]
        self.classes_ = np.array(["bkg", "sig"])
        self.scale_ = np.float32(1.5)
        self.n_iter_ = np.int64(7)
        self.history_ = {"loss": [1.0, float("nan"), 0.25], 3: (True, None, "x")}
        self.best_ = float("inf")
        self.inner_ = Ridge(alpha=0.5).fit(X, y)
        self.mask_ = X[:, 0] > 0
        self.n_features_in_ = X.shape[1]
        self._private = "not saved"
        return self

    def predict(self, X):
        X = self._validate_X_predict(X)
        return X @ self.coef_ * self.scale_


class Net(ClassifierMixin, Estimator):
    """Fitted state in a list of layer objects: saved through _get_state/_set_state."""

    def __init__(self, n_hidden=4):
        self.n_hidden = n_hidden

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        rng = np.random.default_rng(0)
        self.layers = [Layer(rng.normal(size=(X.shape[1], self.n_hidden))), Layer(rng.normal(size=(self.n_hidden, 1)))]
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        self.fitted_ = True
        return self

    def predict(self, X):
        check_is_fitted(self)
        h = np.tanh(X @ self.layers[0].W)
        return (h @ self.layers[1].W).ravel() > 0

    def _get_state(self):
        return {"W": [layer.W for layer in self.layers], "classes_": self.classes_, "n_features_in_": self.n_features_in_}

    def _set_state(self, state):
        self.layers = [Layer(W) for W in state["W"]]
        self.classes_ = state["classes_"]
        self.n_features_in_ = state["n_features_in_"]
        self.fitted_ = True


class Unsaveable(RegressorMixin, Estimator):
    def __init__(self):
        pass

    def fit(self, X, y):
        self.layer_ = Layer(np.ones(2))
        return self


@pytest.fixture
def physml_dummies(monkeypatch):
    """Register the dummies as module physml._io_dummies, as if they were part of physml."""
    module = types.ModuleType("physml._io_dummies")
    for cls in (Kitchen, Net, Unsaveable):
        monkeypatch.setattr(cls, "__module__", module.__name__)
        setattr(module, cls.__name__, cls)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


@pytest.fixture
def data(rng):
    X = rng.normal(size=(25, 3))
    return X, X @ np.array([0.5, -1.0, 2.0]) + 0.1 * rng.normal(size=25)


def _assert_same(a, b, where="value"):
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), where
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, Estimator):
        _assert_same(a.get_params(deep=False), b.get_params(deep=False), f"{where}.params")
        fitted = {k: v for k, v in vars(a).items() if k.endswith("_") and not k.startswith("_")}
        _assert_same(fitted, {k: vars(b)[k] for k in fitted}, f"{where}.fitted")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    elif isinstance(a, np.random.Generator):
        assert a.bit_generator.state == b.bit_generator.state, where
    else:
        assert a == b, where


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    "make",
    [
        lambda: Ridge(alpha=0.3),
        lambda: Ridge(alpha=2.0, fit_intercept=False),
        lambda: LinearRegression(),
    ],
    ids=["ridge", "ridge_no_intercept", "linear"],
)
def test_linear_models_round_trip_bit_for_bit(tmp_path, data, make):
    X, y = data
    model = make().fit(X, y)
    path = pio.save(model, tmp_path / "model.npz")
    loaded = pio.load(path)
    assert type(loaded) is type(model)
    _assert_same(model, loaded, "model")
    assert model.predict(X).tobytes() == loaded.predict(X).tobytes()


def test_polynomial_regression_round_trip(tmp_path, rng):
    x = rng.uniform(-1, 1, 30)
    model = PolynomialRegression(degree=5, alpha=1e-3).fit(x, np.sin(3 * x))
    loaded = pio.load(pio.save(model, tmp_path / "poly.npz"))
    _assert_same(model, loaded, "model")
    x_new = np.linspace(-1, 1, 11)
    assert model.predict(x_new).tobytes() == loaded.predict(x_new).tobytes()


def test_generic_walk_stores_every_supported_type_exactly(tmp_path, data, physml_dummies):
    X, y = data
    model = Kitchen(inner=Ridge(alpha=3.0), shape=(3, 2), random_state=np.random.default_rng(5)).fit(X, y)
    model.random_state.random(3)  # an advanced stream must come back advanced
    loaded = pio.load(pio.save(model, tmp_path / "k.npz"))
    _assert_same(model, loaded, "kitchen")
    assert loaded.inner is not model.inner and loaded.inner.alpha == 3.0
    assert loaded.random_state.random() == model.random_state.random()
    assert loaded.dtype is np.float32 and loaded.scale_.dtype == np.float32 and loaded.cast is float
    assert not hasattr(loaded, "_private")
    assert model.predict(X).tobytes() == loaded.predict(X).tobytes()
    unfitted = pio.load(pio.save(Kitchen(), tmp_path / "u.npz"))
    assert vars(unfitted) == vars(Kitchen())


def test_state_hook_is_used_for_nested_objects(tmp_path, data, physml_dummies):
    X, y = data
    model = Net(n_hidden=6).fit(X, (y > 0).astype(float))
    loaded = pio.load(pio.save(model, tmp_path / "net.npz"))
    assert loaded.n_hidden == 6
    for a, b in zip(model.layers, loaded.layers):
        assert a.W.tobytes() == b.W.tobytes()
    np.testing.assert_array_equal(model.predict(X), loaded.predict(X))


def test_unsaveable_attribute_is_named(tmp_path, physml_dummies):
    model = Unsaveable().fit(None, None)
    with pytest.raises(TypeError, match=r"model\.layer_ is a Layer.*_get_state"):
        pio.save(model, tmp_path / "x.npz")
    assert not os.listdir(tmp_path)


@pytest.mark.filterwarnings("ignore::physml.base.ConvergenceWarning")
@pytest.mark.parametrize("path", sorted(ESTIMATORS))
def test_every_physml_estimator_round_trips(tmp_path, rng, path):
    cls = ESTIMATORS[path]
    model = cls(**getattr(cls, "_check_estimator_params", {}))
    X = rng.normal(size=(40, 1))
    y = np.where(X[:, 0] > 0, 1, 0) if getattr(cls, "_estimator_type", None) == "classifier" else 2.0 * X[:, 0]
    try:
        model.fit(X, y)
    except (ValueError, TypeError) as exc:
        pytest.skip(f"{path} does not fit generic tabular data: {exc}")
    loaded = pio.load(pio.save(model, tmp_path / "m.npz"))
    assert type(loaded) is cls
    if hasattr(model, "predict"):
        assert model.predict(X).tobytes() == loaded.predict(X).tobytes()
    elif hasattr(model, "transform"):  # a transformer (PCA): the same projection
        assert model.transform(X).tobytes() == loaded.transform(X).tobytes()
    elif hasattr(model, "sample"):  # a generative model: the same draws from the same seed
        assert model.sample(7, random_state=0).tobytes() == loaded.sample(7, random_state=0).tobytes()
    else:  # a clusterer without predict (agglomerative): what it learned must come back bit for bit
        assert model.labels_.tobytes() == loaded.labels_.tobytes()


# --------------------------------------------------------------------------- refusals


def _rewrite(path, change):
    """Rewrite a saved file after ``change(entries, meta)``; recompute the metadata checksum."""
    with np.load(path, allow_pickle=False) as f:
        entries = {k: f[k] for k in f.files}
    meta = json.loads(entries["__meta__"].tobytes())
    change(entries, meta)
    raw = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    entries["__meta__"] = raw
    entries["__meta_sha256__"] = np.frombuffer(hashlib.sha256(raw.tobytes()).hexdigest().encode(), np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **entries)


@pytest.fixture
def saved(tmp_path, data):
    X, y = data
    return pio.save(Ridge(alpha=0.1).fit(X, y), tmp_path / "ridge.npz")


def test_truncated_file_is_rejected(saved):
    raw = saved.read_bytes()
    for cut in (len(raw) // 2, len(raw) - 30, 10):
        saved.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match="not a readable physml model file"):
            pio.load(saved)


def test_tampered_array_is_rejected(saved):
    def change(entries, meta):
        key = next(k for k in entries if not k.startswith("__") and entries[k].size > 1)
        entries[key] = entries[key] + 1e-12

    _rewrite(saved, change)
    with pytest.raises(ValueError, match="checksum mismatch for array entry"):
        pio.load(saved)


def test_tampered_metadata_is_rejected(saved):
    with np.load(saved, allow_pickle=False) as f:
        entries = {k: f[k] for k in f.files}
    meta = entries["__meta__"].tobytes().replace(b'"alpha"', b'"alphb"')
    entries["__meta__"] = np.frombuffer(meta, np.uint8)
    with open(saved, "wb") as f:
        np.savez(f, **entries)
    with pytest.raises(ValueError, match="checksum mismatch in the metadata"):
        pio.load(saved)


@pytest.mark.parametrize(
    "class_path, match",
    [
        ("os.system", "only estimators from the physml package"),
        ("builtins.eval", "only estimators from the physml package"),
        ("physml.base.check_array", "not a physml estimator class"),
        ("physml.io.np", "not a physml estimator class"),
        ("physml.nonexistent.Thing", "cannot be imported"),
        ("physml.linear.regression.Ridge; import os", "only estimators from the physml package"),
    ],
)
def test_foreign_class_is_never_instantiated(saved, class_path, match):
    def change(entries, meta):
        meta["model"]["class"] = class_path

    _rewrite(saved, change)
    with pytest.raises(ValueError, match=match):
        pio.load(saved)


def test_foreign_files_are_rejected(tmp_path):
    npz = tmp_path / "plain.npz"
    np.savez(npz, x=np.ones(3))
    with pytest.raises(ValueError, match="has no '__meta__' entry"):
        pio.load(npz)
    npy = tmp_path / "plain.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(ValueError, match="not a readable physml model file"):
        pio.load(npy)
    txt = tmp_path / "notes.txt"
    txt.write_text("coef_ = [1, 2]")
    with pytest.raises(ValueError, match="not a readable physml model file"):
        pio.load(txt)
    with pytest.raises(FileNotFoundError):
        pio.load(tmp_path / "missing.npz")


def test_other_format_version_and_physml_version(saved):
    _rewrite(saved, lambda e, m: m.update(physml_version="0.0.0"))
    with pytest.warns(UserWarning, match="written by physml 0.0.0"):
        pio.load(saved)
    _rewrite(saved, lambda e, m: m.update(format_version=99))
    with pytest.raises(ValueError, match="format version 99"):
        pio.load(saved)


def test_attribute_injection_is_rejected(saved):
    def change(entries, meta):
        meta["model"]["state"]["__class__"] = "x"

    _rewrite(saved, change)
    with pytest.raises(ValueError, match="not a fitted attribute"):
        pio.load(saved)


def test_save_rejects_non_physml_objects_and_object_arrays(tmp_path, sklearn, data):
    from sklearn.linear_model import Ridge as SKRidge

    with pytest.raises(TypeError, match="only physml estimators can be saved"):
        pio.save(SKRidge().fit(*data), tmp_path / "sk.npz")
    model = Ridge().fit(*data)
    model.coef_ = np.array([object(), 1], dtype=object)
    with pytest.raises(TypeError, match=r"model\.coef_ is an array of dtype object"):
        pio.save(model, tmp_path / "obj.npz")


def test_failed_write_leaves_old_file_and_no_temporary(saved, data, monkeypatch):
    before = saved.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        pio.save(Ridge(alpha=9.0).fit(*data), saved)
    assert saved.read_bytes() == before
    assert os.listdir(saved.parent) == [saved.name]


def test_saved_file_has_the_usual_permissions(tmp_path):
    import stat

    mask = os.umask(0o022)
    try:
        path = pio.atomic_savez(tmp_path / "a.npz", {"x": np.arange(3)})
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert np.array_equal(np.load(path)["x"], np.arange(3))


def test_file_naming_physml_main_does_not_run_the_command_line(saved, monkeypatch):
    # importing physml.__main__ used to run the CLI on the caller's sys.argv (SystemExit)
    monkeypatch.setattr(sys, "argv", ["script.py"])
    monkeypatch.delitem(sys.modules, "physml.__main__", raising=False)
    _rewrite(saved, lambda e, m: m["model"].update({"class": "physml.__main__.main"}))
    with pytest.raises(ValueError, match="physml"):
        pio.load(saved)


@pytest.mark.parametrize(
    "change",
    [
        lambda e, m: m.clear() or m.update(format="physml-model", format_version=1, arrays=[]),
        lambda e, m: m["model"].update(params=[1]),
        lambda e, m: m["model"].update(state=[1]),
        lambda e, m: m["model"]["params"].update(alpha={"__float__": 3}),
        lambda e, m: m["model"]["params"].update(alpha={"__dict__": 3}),
        lambda e, m: m["model"]["params"].update(alpha={"__dict__": [[[1], 2]]}),
        lambda e, m: m["model"]["params"].update(alpha={"__dtype__": "zz"}),
        lambda e, m: m["model"]["params"].update(alpha={"__type__": 5}),
        lambda e, m: m["model"]["params"].update(alpha={"__tuple__": 5}),
        lambda e, m: m["model"]["params"].update(alpha={"__scalar__": ["a0"]}),
        lambda e, m: m["model"]["params"].update(
            alpha={"__generator__": {"__dict__": [["bit_generator", "PCG64"], ["state", 1]]}}),
    ],
)
def test_malformed_metadata_with_valid_checksum_raises_value_error(saved, change):
    _rewrite(saved, change)
    with pytest.raises(ValueError):
        pio.load(saved)


def test_metadata_that_is_not_an_object_raises_value_error(saved):
    with np.load(saved, allow_pickle=False) as f:
        entries = {k: f[k] for k in f.files}
    for meta, match in ((b"[1, 2]", "not a physml model file"), (b"[" * 100_000, "not valid JSON")):
        raw = np.frombuffer(meta, dtype=np.uint8)
        entries["__meta__"] = raw
        entries["__meta_sha256__"] = np.frombuffer(hashlib.sha256(raw.tobytes()).hexdigest().encode(), np.uint8)
        with open(saved, "wb") as f:
            np.savez(f, **entries)
        with pytest.raises(ValueError, match=match):
            pio.load(saved)


def test_every_single_byte_corruption_raises_value_error_or_loads_identically(saved, data):
    X, _ = data
    raw = saved.read_bytes()
    expected = pio.load(saved).predict(X).tobytes()
    for i in range(len(raw)):
        corrupted = bytearray(raw)
        corrupted[i] ^= 0xFF
        saved.write_bytes(bytes(corrupted))
        try:
            loaded = pio.load(saved)
        except ValueError:
            continue
        assert loaded.predict(X).tobytes() == expected, f"byte {i}"


@pytest.mark.filterwarnings("ignore::physml.base.ConvergenceWarning")
def test_classifier_with_object_labels_round_trips(tmp_path):
    pd = pytest.importorskip("pandas")
    from physml.nn import MLPClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = pd.Series(np.where(X[:, 0] > 0, "up", "down"), dtype=object)  # a pandas string column
    model = MLPClassifier(hidden_layer_sizes=(5,), max_epochs=5, random_state=0).fit(X, y)
    assert model.classes_.dtype == object
    loaded = pio.load(pio.save(model, tmp_path / "mlp.npz"))
    assert loaded.classes_.dtype == object and loaded.classes_.tolist() == ["down", "up"]
    assert loaded.predict(X).tolist() == model.predict(X).tolist()
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_malformed_object_array_is_rejected(tmp_path, data):
    model = Ridge().fit(*data)
    model.labels_ = np.array(["a", 1, 2.5, None], dtype=object)
    path = pio.save(model, tmp_path / "obj.npz")
    assert pio.load(path).labels_.tolist() == ["a", 1, 2.5, None]

    def change(entries, meta):
        meta["model"]["state"]["labels_"] = {"__object_array__": [[5], [1, 2]]}

    _rewrite(path, change)
    with pytest.raises(ValueError, match="malformed object array"):
        pio.load(path)


def test_load_refuses_a_file_declaring_more_than_max_bytes_before_reading_it(saved):
    with pytest.raises(ValueError, match="the limit is 64 bytes"):
        pio.load(saved, max_bytes=64)
    assert isinstance(pio.load(saved, max_bytes=10**6), Ridge)


def test_load_refuses_a_tiny_file_declaring_a_huge_array_without_memory_error(saved):
    # issue 9: a 477-byte file declaring a (1e6, 1e6) array raised MemoryError
    import io as _io
    import zipfile

    with zipfile.ZipFile(saved) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    key = next(k for k in entries if not k.startswith("__"))
    header = _io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
    entries[key] = header.getvalue()
    with zipfile.ZipFile(saved, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match="the file is damaged"):
        pio.load(saved, max_bytes=10**20)


def test_save_writes_through_a_symlink_and_refuses_a_directory(tmp_path, data):
    target = tmp_path / "real.npz"
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    pio.save(Ridge().fit(*data), link)
    assert link.is_symlink() and isinstance(pio.load(target), Ridge)
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        pio.save(Ridge(), tmp_path / "folder.npz")
