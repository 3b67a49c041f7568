"""The bundled digits equal scikit-learn's copy of the same UCI data, byte for byte."""

from importlib import resources

import numpy as np
import pytest

from physml.datasets import load_digits


def test_load_digits_matches_sklearn_exactly(sklearn):
    from sklearn.datasets import load_digits as sk_load_digits

    ref = sk_load_digits()
    res = load_digits()
    assert res.data.dtype == np.float64 and res.data.shape == (1797, 64)
    assert res.target.dtype == np.int64
    np.testing.assert_array_equal(res.data, ref.data)
    np.testing.assert_array_equal(res.target, ref.target)
    np.testing.assert_array_equal(res.images, ref.images)
    np.testing.assert_array_equal(res.target_names, ref.target_names)
    assert res.feature_names == ref.feature_names


@pytest.mark.parametrize("n_class", [1, 4, 10])
def test_load_digits_n_class_matches_sklearn(sklearn, n_class):
    from sklearn.datasets import load_digits as sk_load_digits

    X_ref, y_ref = sk_load_digits(n_class=n_class, return_X_y=True)
    X, y = load_digits(n_class=n_class, return_X_y=True)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_load_digits_images_are_rows_reshaped():
    res = load_digits()
    np.testing.assert_array_equal(res.images.reshape(-1, 64), res.data)
    assert res.data.min() == 0 and res.data.max() == 16
    assert np.bincount(res.target).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_data_and_licence_are_bundled():
    folder = resources.files("physml.datasets").joinpath("data")
    assert folder.joinpath("digits.npz").is_file()
    text = folder.joinpath("DIGITS_LICENSE.txt").read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "10.24432/C50P49" in text
    assert "CC BY 4.0" in load_digits().DESCR


@pytest.mark.parametrize("n_class, exc", [(0, ValueError), (11, ValueError), (2.0, TypeError), (True, TypeError)])
def test_load_digits_rejects_bad_n_class(n_class, exc):
    with pytest.raises(exc, match="n_class"):
        load_digits(n_class=n_class)


def test_bunch_keys_are_attributes():
    res = load_digits()
    assert res["data"] is res.data and "images" in dir(res)
    assert res.X is res.data and res.y is res.target  # X, y as every generator; data, target as scikit-learn
    res.extra = 1
    assert res["extra"] == 1
    with pytest.raises(AttributeError, match="nope"):
        res.nope
