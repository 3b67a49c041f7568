"""make_blobs draws the Gaussians it is asked for."""

import numpy as np
import pytest

from physml.datasets import make_blobs


def test_blobs_recover_means_and_unequal_stds():
    mu = np.array([[0.0, 0.0, 1.0], [6.0, -2.0, 0.0], [-5.0, 5.0, 3.0]])
    sigma = [0.3, 1.0, 2.5]
    X, y, centers = make_blobs(30_000, centers=mu, cluster_std=sigma, random_state=1, return_centers=True)
    assert X.shape == (30_000, 3) and y.dtype == np.int64
    np.testing.assert_array_equal(centers, mu)
    for k in range(3):
        Xk = X[y == k]
        assert len(Xk) == 10_000
        # standard error of the mean is sigma/sqrt(n) = sigma/100; 5 of them is a safe bound
        np.testing.assert_allclose(Xk.mean(axis=0), mu[k], atol=5 * sigma[k] / 100)
        np.testing.assert_allclose(Xk.std(axis=0, ddof=1), sigma[k], rtol=0.03)


def test_blobs_counts_per_cluster_and_uneven_split():
    X, y = make_blobs(10, centers=3, random_state=0)
    assert np.bincount(y).tolist() == [4, 3, 3]
    X, y = make_blobs([5, 0, 7], centers=[[0, 0], [1, 1], [2, 2]], random_state=0)
    assert np.bincount(y, minlength=3).tolist() == [5, 0, 7]


def test_blobs_random_centers_lie_in_box():
    _, _, c = make_blobs(50, centers=20, n_features=4, center_box=(-2.0, 3.0), random_state=3, return_centers=True)
    assert c.shape == (20, 4) and c.min() >= -2.0 and c.max() <= 3.0


def test_blobs_zero_std_puts_points_on_centers():
    mu = np.array([[1.0, 2.0], [3.0, 4.0]])
    X, y = make_blobs(8, centers=mu, cluster_std=0.0, random_state=0)
    np.testing.assert_array_equal(X, mu[y])


def test_blobs_same_seed_same_bits_and_no_shuffle_order():
    a = make_blobs(200, centers=4, random_state=7)
    b = make_blobs(200, centers=4, random_state=7)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = make_blobs(200, centers=4, random_state=8)
    assert not np.array_equal(a[0], c[0])
    _, y = make_blobs(9, centers=3, shuffle=False, random_state=0)
    assert y.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(n_samples=0), ValueError, "n_samples"),
    (dict(n_samples=2.5), TypeError, "n_samples"),
    (dict(n_samples=[3, -1], centers=[[0], [1]]), ValueError, "n_samples"),
    (dict(n_samples=[3, 3], centers=3), ValueError, "n_samples"),
    (dict(centers=0), ValueError, "centers"),
    (dict(centers=[1.0, 2.0]), ValueError, "centers"),
    (dict(centers=3, cluster_std=[1.0, 2.0]), ValueError, "cluster_std"),
    (dict(cluster_std=-1.0), ValueError, "cluster_std"),
    (dict(n_features=0), ValueError, "n_features"),
    (dict(center_box=(1.0, -1.0)), ValueError, "center_box"),
    (dict(center_box=(-np.inf, np.inf)), ValueError, "center_box"),  # was an OverflowError inside numpy
    (dict(center_box=(0.0,)), ValueError, "center_box"),  # was "not enough values to unpack"
    (dict(center_box=(0.0, np.nan)), ValueError, "center_box"),
    (dict(random_state="x"), TypeError, "random_state"),
    (dict(n_samples=True), TypeError, "n_samples"),
    (dict(centers=True), TypeError, "centers"),
    (dict(cluster_std=True), TypeError, "cluster_std"),
    (dict(n_features=np.nan), TypeError, "n_features"),
    (dict(n_samples=10**10, n_features=100), ValueError, "make_blobs.* needs 7.35 TiB"),  # 1e10 x (100 + 1) x 8 B
])
def test_blobs_bad_input_names_the_argument(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        make_blobs(**kwargs)


def test_blobs_positional_order_follows_the_issue():
    # issue 5: make_blobs(n, centers, cluster_std, random_state)
    a = make_blobs(50, 3, 0.5, 4)
    b = make_blobs(50, centers=3, cluster_std=0.5, random_state=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_blobs_result_is_a_bunch_that_unpacks_as_before():
    res = make_blobs(40, centers=[[0.0, 0.0], [5.0, 5.0]], cluster_std=[0.5, 1.0], random_state=3)
    assert res.X.shape == (40, 2) and np.array_equal(res.centers, [[0, 0], [5, 5]])
    np.testing.assert_array_equal(res.cluster_std, [0.5, 1.0])
    X, y = res
    assert X is res.X and y is res.y
    X, y, c = make_blobs(40, centers=[[0.0, 0.0], [5.0, 5.0]], cluster_std=[0.5, 1.0], random_state=3,
                         return_centers=True)
    assert np.array_equal(X, res.X) and c is not None and np.array_equal(c, res.centers)
    X2, y2 = make_blobs(40, centers=[[0.0, 0.0], [5.0, 5.0]], cluster_std=[0.5, 1.0], random_state=3,
                        return_X_y=True)
    assert type(X2) is np.ndarray and np.array_equal(X2, res.X) and np.array_equal(y2, res.y)
