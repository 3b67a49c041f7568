"""CNN estimators: digits and Ising accuracy, the MLP they extend, images vs rows, feature maps, save/load."""

import numpy as np
import pytest

from physml import datasets, io, model_selection
from physml.nn import CNNClassifier, CNNRegressor, Conv1D, Conv2D, MLPClassifier


@pytest.fixture(scope="module")
def digits_split():
    # the same split as tests/nn/test_nn_mlp.py
    X, y = datasets.load_digits(return_X_y=True)
    return model_selection.train_test_split(X / 16, y, test_size=0.3, random_state=0)


@pytest.fixture(scope="module")
def digits_cnn(digits_split):
    Xtr, _, ytr, _ = digits_split
    return CNNClassifier(image_shape=(8, 8), random_state=0).fit(Xtr, ytr)


def test_default_cnn_reaches_097_on_digits(digits_cnn, digits_split):
    _, Xte, _, yte = digits_split
    assert digits_cnn.score(Xte, yte) >= 0.97


def test_images_and_flat_rows_give_the_same_predictions(digits_cnn, digits_split):
    _, Xte, _, _ = digits_split
    p_flat = digits_cnn.predict_proba(Xte)
    np.testing.assert_array_equal(digits_cnn.predict_proba(Xte.reshape(-1, 8, 8)), p_flat)
    np.testing.assert_array_equal(digits_cnn.predict_proba(Xte.reshape(-1, 1, 8, 8)), p_flat)
    with pytest.raises(ValueError, match="image_shape"):
        digits_cnn.predict(Xte.reshape(-1, 4, 16))


def test_feature_maps_are_the_first_block_computed_by_hand(digits_cnn, digits_split):
    _, Xte, _, _ = digits_split
    maps = digits_cnn.feature_maps(Xte[:5])
    assert [m.shape for m in maps] == [(5, 16, 8, 8), (5, 32, 4, 4)]
    W, b = digits_cnn.filters_[0].astype(np.float64), digits_cnn.network_.parameters()[1].astype(np.float64)
    assert W.shape == (16, 1, 3, 3)
    x = np.pad(Xte[:5].reshape(5, 8, 8), ((0, 0), (1, 1), (1, 1)))
    by_hand = np.zeros((5, 16, 8, 8))
    for p in range(3):
        for q in range(3):
            by_hand += W[None, :, 0, p, q, None, None] * x[:, None, p : p + 8, q : q + 8]
    by_hand = np.maximum(by_hand + b[None, :, None, None], 0)
    np.testing.assert_allclose(maps[0], by_hand, rtol=1e-5, atol=1e-5)


def test_save_load_round_trip_is_exact(digits_cnn, digits_split, tmp_path):
    _, Xte, _, _ = digits_split
    io.save(digits_cnn, tmp_path / "cnn.npz")
    loaded = io.load(tmp_path / "cnn.npz")
    np.testing.assert_array_equal(loaded.predict_proba(Xte), digits_cnn.predict_proba(Xte))
    assert loaded.history_ == digits_cnn.history_
    assert loaded.get_params() == digits_cnn.get_params()


@pytest.mark.filterwarnings("ignore::physml.exceptions.ConvergenceWarning")
def test_without_convolutions_the_cnn_is_the_mlp(digits_split):
    # same initialisation order, split, shuffling and loop: identical weights and predictions
    Xtr, Xte, ytr, _ = digits_split
    kw = dict(learning_rate=1e-2, batch_size=64, max_epochs=5, random_state=3)
    cnn = CNNClassifier(image_shape=(8, 8), conv_layers=(), dense_layers=(32,), **kw).fit(Xtr, ytr)
    mlp = MLPClassifier(hidden_layer_sizes=(32,), **kw).fit(Xtr, ytr)
    np.testing.assert_array_equal(cnn.predict_proba(Xte), mlp.predict_proba(Xte))
    assert cnn.loss_curve_ == mlp.loss_curve_


def _ising(temperatures, n, seed):
    res = datasets.ising_configurations(L=16, temperatures=temperatures, n_per_temperature=n, random_state=seed,
                                        cache=False)
    X, T = res if isinstance(res, tuple) else (res.X, res.T)
    return X, T, datasets.ising_phase_labels(T)


@pytest.mark.filterwarnings("ignore::physml.exceptions.ConvergenceWarning")
def test_cnn_separates_ising_phases_at_099():
    # Mehta et al. NB 14: a CNN classifies ordered vs disordered configurations almost perfectly
    X, T, y = _ising([1.0, 1.5, 1.75, 2.75, 3.0, 3.5], 60, seed=0)
    X_te, T_te, y_te = _ising([1.0, 1.5, 1.75, 2.75, 3.0, 3.5], 40, seed=1)
    X_c, T_c, y_c = _ising([2.25, 2.5], 40, seed=2)
    clf = CNNClassifier(image_shape=(16, 16), conv_layers=((8, 3), (16, 3)), dense_layers=(32,),
                        learning_rate=3e-3, batch_size=32, max_epochs=30, random_state=0).fit(X, y)
    assert clf.score(X_te, y_te) >= 0.99
    critical = clf.score(X_c, y_c)  # near T_c the labels are ambiguous: reported, only better than chance
    print(f"Ising 16x16: accuracy far from T_c {clf.score(X_te, y_te):.3f}, critical set {critical:.3f}")
    assert critical > 0.5


def test_cnn_regressor_locates_a_bump_in_a_signal():
    # 1D signals (rows, image_shape=None): the target is the centre of a Gaussian bump in noise
    rng = np.random.default_rng(0)
    n, L = 600, 32
    centre = rng.uniform(4, L - 4, size=n)
    t = np.arange(L)
    X = np.exp(-0.5 * (t[None, :] - centre[:, None]) ** 2) + 0.05 * rng.normal(size=(n, L))
    reg = CNNRegressor(conv_layers=((8, 5),), dense_layers=(32,), learning_rate=3e-3, max_epochs=150,
                       random_state=0).fit(X[:500], centre[:500])
    assert isinstance(reg.network_.layers[1], Conv1D)
    assert reg.score(X[500:], centre[500:]) > 0.95


@pytest.mark.filterwarnings("ignore::physml.exceptions.ConvergenceWarning")
def test_multichannel_images_build_2d_convolutions_and_need_image_shape():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2, 6, 6))
    y = (X[:, 0].mean(axis=(1, 2)) > X[:, 1].mean(axis=(1, 2))).astype(int)
    clf = CNNClassifier((2, 6, 6), conv_layers=((4, 3),), dense_layers=(8,), max_epochs=3, random_state=0).fit(X, y)
    assert clf.image_shape_ == (2, 6, 6)
    assert isinstance(clf.network_.layers[1], Conv2D) and clf.filters_[0].shape == (4, 2, 3, 3)
    with pytest.raises(ValueError, match="image_shape"):
        CNNClassifier(conv_layers=((4, 3),), max_epochs=1).fit(X, y)


@pytest.mark.parametrize("param, value, error", [
    ("conv_layers", ((8, 0),), ValueError), ("conv_layers", ((8, 3, 1),), ValueError),
    ("pool", "median", ValueError), ("pool_size", 0, ValueError), ("image_shape", (4, 4, 4, 4), ValueError),
    ("image_shape", (3, 3), ValueError),
])
def test_bad_hyperparameters_are_refused_at_fit(param, value, error):
    X = np.zeros((10, 16))
    y = np.arange(10) % 2
    with pytest.raises(error, match=param):
        CNNClassifier(**{param: value}).fit(X, y)


@pytest.mark.parametrize("y_kind", ["complex", "nan"])
def test_cnn_classifier_refuses_labels_that_are_no_classes_as_the_mlp_does(y_kind):
    # CNNClassifier.fit hands y to MLPClassifier.fit, whose check_classification_targets refuses complex labels
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 8))
    y = (X[:, 0] > 0).astype(float)
    y = y + 1j if y_kind == "complex" else np.where(np.arange(12) == 3, np.nan, y)
    for cls in (CNNClassifier, MLPClassifier):
        with pytest.raises(ValueError, match="label|y"):
            cls(**cls._check_estimator_params).fit(X, y)
