"""MLP estimators: digits accuracy, universal approximation (S21), labels, reproducibility, warnings."""

import warnings

import numpy as np
import pytest

from physml.base import ConvergenceWarning, NotFittedError
from physml.nn import MLPClassifier, MLPRegressor, Sequential

# short trainings on purpose; the tests that are about the warning use pytest.warns
pytestmark = pytest.mark.filterwarnings("ignore::physml.base.ConvergenceWarning")

@pytest.fixture(scope="module")
def digits_split():
    datasets = pytest.importorskip("sklearn.datasets")
    model_selection = pytest.importorskip("sklearn.model_selection")
    X, y = datasets.load_digits(return_X_y=True)
    return model_selection.train_test_split(X / 16, y, test_size=0.3, random_state=0)


def test_default_classifier_reaches_096_on_digits(sklearn, digits_split):
    Xtr, Xte, ytr, yte = digits_split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(random_state=0).fit(Xtr, ytr)
    assert clf.score(Xte, yte) >= 0.96


def test_universal_approximation_one_hidden_layer_fits_sine():
    # S21: one hidden layer with enough neurons approximates a continuous function
    x = np.linspace(0, 1, 256)[:, None]
    y = np.sin(2 * np.pi * x[:, 0])
    reg = MLPRegressor((50,), activation="tanh", learning_rate=1e-2, batch_size=32, max_epochs=600,
                       patience=None, validation_fraction=0.0, alpha=0.0, random_state=0).fit(x, y)
    mse = np.mean((reg.predict(x) - y) ** 2)
    assert mse < 1e-3
    assert len(reg.network_.layers) == 3  # Dense, Tanh, Dense: a single hidden layer


def test_regressor_multioutput_and_float64_output(rng):
    X = rng.normal(size=(200, 3))
    Y = np.column_stack([X @ [1.0, -2.0, 0.5], X[:, 0] - X[:, 2]])
    reg = MLPRegressor((16,), learning_rate=1e-2, max_epochs=200, random_state=0, validation_fraction=0.0)
    pred = reg.fit(X, Y).predict(X)
    assert pred.shape == (200, 2) and pred.dtype == np.float64 and reg.n_outputs_ == 2
    assert reg.score(X, Y) > 0.95


def test_classifier_string_labels_and_probabilities(rng):
    X = rng.normal(size=(300, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "up", "down")
    clf = MLPClassifier((16,), learning_rate=1e-2, max_epochs=100, random_state=0).fit(X, y)
    assert list(clf.classes_) == ["down", "up"]
    P = clf.predict_proba(X)
    assert P.shape == (300, 2) and np.allclose(P.sum(1), 1)
    assert np.array_equal(clf.classes_[P.argmax(1)], clf.predict(X))
    assert clf.score(X, y) > 0.95


def test_multiclass_probabilities_are_softmax_of_logits(rng):
    X = rng.normal(size=(150, 4))
    y = np.argmax(X[:, :3], axis=1)
    clf = MLPClassifier((8,), max_epochs=20, random_state=1).fit(X, y)
    z = clf.network_.forward(X.astype(np.float32)).astype(np.float64)
    P = np.exp(z - z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    assert np.allclose(clf.predict_proba(X), P, atol=1e-6)


def test_same_seed_same_model_different_seed_different_model(rng):
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    a = MLPClassifier((8,), max_epochs=10, random_state=3).fit(X, y).predict_proba(X)
    b = MLPClassifier((8,), max_epochs=10, random_state=3).fit(X, y).predict_proba(X)
    c = MLPClassifier((8,), max_epochs=10, random_state=4).fit(X, y).predict_proba(X)
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_look_back_keeps_best_validation_epoch(rng):
    # a noisy, small data set and a big net overfit: the validation cost rises after its minimum
    X = rng.uniform(-1, 1, size=(60, 1))
    y = np.sin(3 * X[:, 0]) + 0.4 * rng.normal(size=60)
    reg = MLPRegressor((200, 200), learning_rate=1e-2, batch_size=16, max_epochs=150, patience=None,
                       validation_fraction=0.3, alpha=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    val = np.array(reg.history_["val_loss"])
    assert reg.best_epoch_ == int(np.argmin(val)) + 1 < len(val)
    assert val[-1] > val.min()
    # the network now holds the best epoch's parameters: recompute its validation cost
    Xv, yv = _validation_part(reg, X, y, rng_seed=0)
    assert np.isclose(np.mean((reg.predict(Xv) - yv) ** 2), val.min(), rtol=1e-5)


def _validation_part(est, X, y, rng_seed):
    # the MLP holds out round(validation_fraction n) samples drawn by model_selection.train_test_split
    from physml.base import check_random_state
    from physml.model_selection import train_test_split

    rng = check_random_state(rng_seed)
    _, va = train_test_split(np.arange(len(X)), test_size=round(est.validation_fraction * len(X)),
                             random_state=rng)
    return X[va], y[va]


def test_patience_stops_early(rng):
    X = rng.uniform(-1, 1, size=(60, 1))
    y = np.sin(3 * X[:, 0]) + 0.4 * rng.normal(size=60)
    reg = MLPRegressor((200, 200), learning_rate=1e-2, batch_size=16, max_epochs=500, patience=5,
                       validation_fraction=0.3, random_state=0).fit(X, y)
    assert reg.history_["stop_reason"] == "patience"
    assert reg.n_iter_ == reg.best_epoch_ + 5 < 500


def test_nan_loss_warns_and_restores_best(rng):
    X = rng.normal(size=(100, 3)) * 1e3
    y = X @ [1.0, 2.0, 3.0]
    reg = MLPRegressor((32,), optimizer="sgd", learning_rate=10.0, max_epochs=50, random_state=0)
    with pytest.warns(ConvergenceWarning, match="lower learning_rate"):
        reg.fit(X, y)
    assert reg.history_["stop_reason"] == "nan"
    assert all(np.isfinite(p).all() for p in reg.network_.parameters())
    assert np.isfinite(reg.predict(X)).all()


def test_max_epochs_warning_says_what_to_do(rng):
    X = rng.normal(size=(100, 2))
    y = X[:, 0] - X[:, 1]
    with pytest.warns(ConvergenceWarning, match="increase max_epochs"):
        MLPRegressor((8,), max_epochs=2, random_state=0).fit(X, y)


def test_dropout_network_trains_and_is_deterministic_at_inference(rng):
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    clf = MLPClassifier((64,), dropout=0.3, learning_rate=1e-2, max_epochs=150, random_state=0).fit(X, y)
    assert any(type(layer).__name__ == "Dropout" for layer in clf.network_.layers)
    assert np.array_equal(clf.predict_proba(X), clf.predict_proba(X))
    assert clf.score(X, y) > 0.85


@pytest.mark.parametrize("params, match", [
    ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes"),
    ({"activation": "swish"}, "activation"),
    ({"activation": ["relu"]}, "activation"),
    ({"init": ["he_normal"]}, "init"),
    ({"learning_rate": -1.0}, "learning_rate"),
    ({"learning_rate": float("nan")}, "learning_rate"),
    ({"alpha": float("nan")}, "alpha"),
    ({"dropout": float("nan")}, "dropout"),
    ({"batch_size": 0}, "batch_size"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"dropout": 1.0}, "dropout"),
    ({"dtype": "float16"}, "dtype"),
    ({"init": "ones"}, "init"),
    ({"optimizer": "lbfgs"}, "optimizer"),
])
def test_bad_hyperparameters_rejected_at_fit(params, match, rng):
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    with pytest.raises(ValueError, match=match):
        MLPRegressor(**params).fit(X, y)


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(np.zeros((2, 3)))


def test_sklearn_gridsearch_accepts_mlp(sklearn, rng):
    from sklearn.model_selection import GridSearchCV

    X = rng.normal(size=(90, 2))
    y = (X[:, 0] > 0).astype(int)
    gs = GridSearchCV(MLPClassifier(max_epochs=20, random_state=0), {"hidden_layer_sizes": [(4,), (16,)]}, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gs.fit(X, y)
    assert gs.best_params_["hidden_layer_sizes"] in [(4,), (16,)]
    assert isinstance(gs.best_estimator_.network_, Sequential)


def test_state_round_trip_is_bit_identical(rng):
    X = rng.normal(size=(80, 3))
    y = np.where(X[:, 0] > 0, "a", "b")
    clf = MLPClassifier((8, 4), max_epochs=5, random_state=0).fit(X, y)
    fresh = MLPClassifier((8, 4), max_epochs=5)._set_state(clf._get_state())
    assert np.array_equal(fresh.predict_proba(X), clf.predict_proba(X))
    assert fresh.loss_curve_ == clf.loss_curve_ and list(fresh.classes_) == ["a", "b"]


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_io_save_load_round_trip_bit_identical(Est, tmp_path, rng):
    io = pytest.importorskip("physml.io")
    X = rng.normal(size=(90, 4))
    y = np.where(X[:, 0] > 0, "yes", "no") if Est is MLPClassifier else X[:, 0] - X[:, 1]
    model = Est((12, 6), activation="tanh", max_epochs=5, dropout=0.1, random_state=0).fit(X, y)
    path = io.save(model, tmp_path / "mlp.npz")
    loaded = io.load(path)
    assert type(loaded) is Est and loaded.get_params() == model.get_params()
    assert np.array_equal(loaded.predict(X), model.predict(X))
    if Est is MLPClassifier:
        assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.history_ == model.history_ and loaded.best_epoch_ == model.best_epoch_


def test_newton_optimizer_rejected_at_fit_with_a_clear_message(rng):
    from physml.optim import Newton

    with pytest.raises(ValueError, match="Newton.*optimizer"):
        MLPClassifier(optimizer=Newton(), max_epochs=2).fit(rng.normal(size=(20, 2)), np.arange(20) % 2)


@pytest.mark.parametrize("dtype, expected", [(None, np.float32), ("float64", np.float64), (np.float32, np.float32)])
def test_network_dtype_float32_by_default_and_float64_on_request(dtype, expected, rng):
    X = rng.normal(size=(60, 3))
    y = X[:, 0] - X[:, 1]
    kwargs = {} if dtype is None else {"dtype": dtype}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor((8,), max_epochs=3, random_state=0, **kwargs).fit(X, y)
    assert all(p.dtype == expected for p in reg.network_.parameters())
    assert reg.predict(X).dtype == np.float64


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_same_seed_same_bits_with_dropout_and_validation(Est, rng):
    X = rng.normal(size=(150, 4))
    y = (X[:, 0] > 0).astype(int) if Est is MLPClassifier else X[:, 0] * X[:, 1]

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return Est((16, 8), dropout=0.2, batch_size=16, max_epochs=8, random_state=11).fit(X, y)

    a, b = fit(), fit()
    for p, q in zip(a.network_.parameters(), b.network_.parameters()):
        assert np.array_equal(p, q)
    assert a.history_ == b.history_


@pytest.mark.parametrize("schedule", ["step", "StepDecay", "ExponentialDecay"])
def test_io_round_trip_with_an_optimizer_schedule(schedule, tmp_path, rng):
    io = pytest.importorskip("physml.io")
    from physml.optim import Adam, ExponentialDecay, StepDecay

    sched = {"step": "step", "StepDecay": StepDecay(7, 0.3), "ExponentialDecay": ExponentialDecay(0.95)}[schedule]
    X = rng.normal(size=(60, 3))
    y = X[:, 0] - X[:, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor((8,), optimizer=Adam(0.01, schedule=sched), max_epochs=3, random_state=0).fit(X, y)
    loaded = io.load(io.save(model, tmp_path / "mlp.npz"))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert repr(loaded.optimizer) == repr(model.optimizer)
    theirs = loaded.optimizer.schedule
    assert type(theirs) is type(sched) and (theirs == sched or theirs.get_params() == sched.get_params())


def test_binary_predict_proba_keeps_tiny_probabilities_of_both_classes(rng):
    # p0 = sigma(-z), not 1 - sigma(z), which rounds to 0 for z > 37 and makes log-loss infinite
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((4,), max_epochs=2, random_state=0, dtype="float64").fit(X, y)
    out = clf.network_.layers[-1]
    out.W[...] = 0.0
    out.b[...] = [50.0]
    P = clf.predict_proba(X[:3])
    np.testing.assert_allclose(P[:, 0], np.exp(-50.0), rtol=1e-12)
    np.testing.assert_allclose(P.sum(1), 1.0, rtol=1e-15)


# ---------------------------------------------------------------------------- reliability (issue 9)


def _xor(rng, n=200):
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def test_float32_model_refuses_x_beyond_float32_naming_x(rng):
    X, y = _xor(rng)
    with pytest.raises(ValueError, match="X holds values beyond the float32 range"):
        MLPClassifier((4,), max_epochs=1, random_state=0).fit(X * 1e39, y)
    with pytest.raises(ValueError, match="X holds non-zero values that flush to 0 in float32"):
        MLPClassifier((4,), max_epochs=1, random_state=0).fit(X * 1e-50, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((4,), max_epochs=2, random_state=0).fit(X, y)
        MLPClassifier((4,), max_epochs=2, random_state=0, dtype="float64").fit(X * 1e39, y)  # float64 is fine
    with pytest.raises(ValueError, match="X holds values beyond the float32 range"):
        clf.predict(X * 1e39)


def test_nan_output_is_never_mapped_to_a_class_label(rng):
    X, y = _xor(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((4,), max_epochs=2, random_state=0).fit(X, y)
    huge = np.full((3, 2), 3e38)  # in float32's range, but the products inside the network overflow
    huge[0] = 0.0
    for method in (clf.predict, clf.predict_proba):
        with pytest.raises(ValueError, match="output is NaN or infinite for 2 of 3 samples"):
            method(huge)


def test_absurd_hidden_layer_sizes_are_refused_with_the_memory_figure(rng):
    X, y = _xor(rng)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes=\(1000000000000,\)\) on 2 features needs .* TiB"):
        MLPClassifier(hidden_layer_sizes=(10**12,)).fit(X, y)


def test_unfitted_mlp_saves_and_loads(tmp_path):
    import physml.io as pio

    model = MLPClassifier((7, 3), learning_rate=0.05)
    loaded = pio.load(pio.save(model, tmp_path / "m.npz"))
    assert loaded.get_params() == model.get_params() and not hasattr(loaded, "network_")


def test_saved_file_whose_params_disagree_with_its_arrays_is_refused_before_building(tmp_path, rng):
    import json

    import physml.io as pio

    X, y = _xor(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        path = pio.save(MLPClassifier((4,), max_epochs=2, random_state=0).fit(X, y), tmp_path / "m.npz")
    with np.load(path) as f:
        entries = {k: f[k] for k in f.files}
    meta = json.loads(entries["__meta__"].tobytes())
    meta["model"]["params"]["hidden_layer_sizes"] = {"__tuple__": [10**12]}
    import hashlib

    raw = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    entries["__meta__"] = raw
    entries["__meta_sha256__"] = np.frombuffer(hashlib.sha256(raw.tobytes()).hexdigest().encode(), np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **entries)
    with pytest.raises(ValueError, match="do not follow n_features_in_=2 and hidden_layer_sizes"):
        pio.load(path)


def test_validation_part_is_stratified_by_class(rng):
    # 50/30/20 classes, 20 % held out: 10/6/4 in the validation part (model_selection's splitter)
    X = rng.normal(size=(100, 2))
    y = np.repeat([0, 1, 2], [50, 30, 20])
    clf = MLPClassifier((4,), max_epochs=1, validation_fraction=0.2, random_state=0)
    seen = {}
    original = clf._split

    def spy(n, rng_, stratify):
        tr, va = original(n, rng_, stratify)
        seen["va"] = va
        return tr, va

    clf._split = spy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert np.bincount(y[seen["va"]]).tolist() == [10, 6, 4]


def test_tiny_data_keeps_a_training_sample():
    clf = MLPRegressor((2,), max_epochs=1, validation_fraction=0.5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit([[1.0]], [2.0])
    assert clf.history_["val_loss"] == []


def test_fitted_network_holds_no_batch_caches(rng):
    X, y = _xor(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((8,), max_epochs=2, dropout=0.2, random_state=0).fit(X, y)
    clf.predict(X)
    for layer in clf.network_.layers:
        assert layer._buffers == {} and all(getattr(layer, a) is None for a in layer._cached)


def test_build_mlp_draws_layer_after_layer_from_one_generator():
    from physml.nn import Dense, build_mlp

    net = build_mlp(3, (5, 4), 2, activation="tanh", init="he_uniform", dtype=np.float64,
                    random_state=np.random.default_rng(7))
    rng = np.random.default_rng(7)  # the same draws by hand: hidden layers He, the output layer Glorot
    ref = [Dense(3, 5, init="he_uniform", random_state=rng, dtype=np.float64),
           Dense(5, 4, init="he_uniform", random_state=rng, dtype=np.float64),
           Dense(4, 2, init="glorot_uniform", random_state=rng, dtype=np.float64)]
    assert [type(layer).__name__ for layer in net.layers] == ["Dense", "Tanh", "Dense", "Tanh", "Dense"]
    for layer, r in zip(net.layers[::2], ref):
        np.testing.assert_array_equal(layer.W, r.W)
    with_dropout = build_mlp(3, (5,), 1, dropout=0.5, random_state=0)
    assert [type(layer).__name__ for layer in with_dropout.layers] == ["Dense", "ReLU", "Dropout", "Dense"]
