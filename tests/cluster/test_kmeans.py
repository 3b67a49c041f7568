"""KMeans (S22): Lloyd iterations equal scikit-learn's from the same start; k-means++ has its expected cost."""

import numbers
import warnings

import numpy as np
import pytest

from physml.base import NotFittedError
from physml.cluster import KMeans, kmeans_plusplus


def _blobs(n=600, d=3, k=4, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(k, d))
    return centres[rng.integers(k, size=n)] + rng.normal(size=(n, d)) + offset


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n, d, k, offset", [(600, 3, 4, 0.0), (2000, 10, 7, 100.0), (513, 2, 12, 0.0)])
def test_kmeans_matches_sklearn_lloyd_from_same_init(sklearn, seed, n, d, k, offset):
    from sklearn.cluster import KMeans as SkKMeans

    X = _blobs(n, d, 4, seed, offset)
    init = X[np.random.default_rng(seed).choice(n, k, replace=False)]
    ours = KMeans(k, init=init, tol=0).fit(X)
    theirs = SkKMeans(k, init=init, n_init=1, tol=0, algorithm="lloyd").fit(X)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-10)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("max_iter", [1, 2, 5])
def test_kmeans_matches_sklearn_after_fixed_iterations(sklearn, max_iter):
    from sklearn.cluster import KMeans as SkKMeans

    X = _blobs(1500, 5, 6, 3)
    init = X[:8]
    ours = KMeans(8, init=init, max_iter=max_iter, tol=0).fit(X)
    theirs = SkKMeans(8, init=init, n_init=1, max_iter=max_iter, tol=0, algorithm="lloyd").fit(X)
    assert ours.n_iter_ == theirs.n_iter_ == max_iter
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-10)


def test_kmeans_predict_transform_score_match_sklearn(sklearn):
    from sklearn.cluster import KMeans as SkKMeans

    X = _blobs(800, 4, 5, 1)
    X_new = _blobs(300, 4, 5, 2)
    init = X[:5]
    ours = KMeans(5, init=init).fit(X)
    theirs = SkKMeans(5, init=ours.cluster_centers_, n_init=1, max_iter=1).fit(X)
    theirs.cluster_centers_ = ours.cluster_centers_  # same centres: compare the three methods only
    np.testing.assert_array_equal(ours.predict(X_new), theirs.predict(X_new))
    np.testing.assert_allclose(ours.transform(X_new), theirs.transform(X_new), rtol=1e-9)
    assert ours.score(X_new) == pytest.approx(theirs.score(X_new), rel=1e-10)


def test_kmeans_transform_is_the_euclidean_distance_and_predict_its_argmin():
    X = _blobs(400, 3, 4, 5)
    km = KMeans(4, random_state=0).fit(X)
    D = np.sqrt(((X[:, None, :] - km.cluster_centers_[None]) ** 2).sum(-1))
    np.testing.assert_allclose(km.transform(X), D, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(km.predict(X), D.argmin(axis=1))
    np.testing.assert_array_equal(km.labels_, D.argmin(axis=1))
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-12)
    assert km.inertia_ == pytest.approx((D.min(axis=1) ** 2).sum(), rel=1e-10)


def test_kmeans_plus_plus_seeding_has_sklearns_expected_cost(sklearn):
    from sklearn.cluster import KMeans as SkKMeans
    from sklearn.cluster import kmeans_plusplus as sk_kmeans_plusplus

    X = _blobs(2000, 2, 15, 7)
    k = 15

    def potential(centres):
        return ((X[:, None, :] - centres[None]) ** 2).sum(-1).min(axis=1).sum()

    seeds = range(20)
    ours = np.mean([potential(kmeans_plusplus(X, k, random_state=s)[0]) for s in seeds])
    theirs = np.mean([potential(sk_kmeans_plusplus(X, k, random_state=s)[0]) for s in seeds])
    assert ours == pytest.approx(theirs, rel=0.05)
    ours_fit = np.mean([KMeans(k, random_state=s).fit(X).inertia_ for s in seeds])
    theirs_fit = np.mean([SkKMeans(k, n_init=1, random_state=s).fit(X).inertia_ for s in seeds])
    assert ours_fit == pytest.approx(theirs_fit, rel=0.05)


def test_kmeans_plus_plus_returns_distinct_rows_of_X():
    X = _blobs(300, 3, 4, 0)
    centres, indices = kmeans_plusplus(X, 6, random_state=1)
    assert len(set(indices.tolist())) == 6
    np.testing.assert_array_equal(centres, X[indices])


def test_empty_cluster_gets_the_farthest_point_as_sklearn(sklearn):
    from sklearn.cluster import KMeans as SkKMeans

    X = _blobs(500, 2, 3, 4)
    init = np.vstack([X[:3], [[1e3, 1e3]]])  # the last centre has no point: it is empty after the first pass
    ours = KMeans(4, init=init, tol=0).fit(X)
    theirs = SkKMeans(4, init=init, n_init=1, tol=0, algorithm="lloyd").fit(X)
    assert np.isfinite(ours.cluster_centers_).all()
    assert np.bincount(ours.labels_, minlength=4).min() > 0
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-10)


def test_more_clusters_than_distinct_points_never_gives_nan():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), 5, axis=0)
    km = KMeans(5, init="random", random_state=0).fit(X)
    assert np.isfinite(km.cluster_centers_).all()
    assert km.inertia_ == pytest.approx(0.0, abs=1e-12)


def test_history_is_the_non_increasing_cost_and_ends_at_the_inertia():
    X = _blobs(1000, 2, 5, 8)
    km = KMeans(5, init="random", n_init=1, random_state=3, tol=0).fit(X)
    assert len(km.history_) == km.n_iter_
    assert np.all(np.diff(km.history_) <= 1e-9 * km.history_[0])
    # strict convergence: the last assignment changed nothing, so its cost is the inertia
    assert km.inertia_ == pytest.approx(km.history_[-1], rel=1e-12)


def test_tol_stops_at_the_first_small_relative_cost_change():
    X = _blobs(3000, 2, 8, 9)
    tol = 1e-2
    km = KMeans(8, init="random", n_init=1, random_state=2, tol=tol).fit(X)
    h = km.history_
    drops = (h[:-1] - h[1:]) / h[:-1]
    assert drops[-1] < tol
    assert np.all(drops[:-1] >= tol)
    assert km.n_iter_ < KMeans(8, init="random", n_init=1, random_state=2, tol=0).fit(X).n_iter_


def test_n_init_auto_is_one_for_kmeans_plus_plus_and_ten_for_random():
    X = _blobs(500, 2, 6, 10)
    # the first start's seed is the same whatever n_init is
    one = KMeans(6, init="random", n_init=1, random_state=0).fit(X)
    auto = KMeans(6, init="random", random_state=0).fit(X)
    ten = KMeans(6, init="random", n_init=10, random_state=0).fit(X)
    assert auto.inertia_ == ten.inertia_ <= one.inertia_
    pp_auto = KMeans(6, random_state=0).fit(X)
    pp_one = KMeans(6, n_init=1, random_state=0).fit(X)
    np.testing.assert_array_equal(pp_auto.cluster_centers_, pp_one.cluster_centers_)


def test_restarts_in_threads_give_identical_bits():
    X = _blobs(3000, 4, 6, 11)
    a = KMeans(6, init="random", n_init=6, random_state=0).fit(X)
    b = KMeans(6, init="random", n_init=6, random_state=0, n_jobs=2).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert a.inertia_ == b.inertia_


def test_array_init_runs_once_and_warns_when_n_init_asks_for_more():
    X = _blobs(200, 2, 3, 12)
    with pytest.warns(UserWarning, match="one run"):
        KMeans(3, init=X[:3], n_init=5).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        KMeans(3, init=X[:3]).fit(X)


def test_kmeans_finds_separated_blobs_exactly():
    centres = np.array([[0.0, 0.0], [20.0, 0.0], [0.0, 20.0]])
    rng = np.random.default_rng(0)
    y = rng.integers(3, size=300)
    X = centres[y] + rng.normal(size=(300, 2))
    km = KMeans(3, random_state=0).fit(X)
    # every true blob is one cluster: the contingency table is a permutation
    table = np.zeros((3, 3), dtype=int)
    np.add.at(table, (y, km.labels_), 1)
    assert sorted((table > 0).sum(axis=1).tolist()) == [1, 1, 1]
    np.testing.assert_allclose(np.sort(km.cluster_centers_[:, 0]), np.sort([X[y == j, 0].mean() for j in range(3)]))


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"n_clusters": 0}, ValueError, "n_clusters"),
        ({"n_clusters": 2.5}, TypeError, "n_clusters"),
        ({"init": "kmeans"}, ValueError, "init"),
        ({"init": np.zeros((2, 2))}, ValueError, "init has shape"),
        ({"n_init": 0}, ValueError, "n_init"),
        ({"n_init": "always"}, ValueError, "n_init"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"tol": -1.0}, ValueError, "tol"),
        ({"tol": float("nan")}, ValueError, "tol"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"random_state": "x"}, TypeError, "random_state"),
        ({"n_clusters": 50}, ValueError, "n_samples=20 should be >= n_clusters=50"),
    ],
)
def test_kmeans_rejects_bad_parameters_naming_them(params, error, match):
    X = _blobs(20, 3, 2, 0)
    params = {"n_clusters": 3, **params}
    with pytest.raises(error, match=match):
        KMeans(**params).fit(X)


def test_kmeans_rejects_bad_data_and_use_before_fit():
    X = _blobs(20, 3, 2, 0)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KMeans(2).fit(X_nan)
    with pytest.raises(ValueError, match="2D"):
        KMeans(2).fit(X[:, 0])
    with pytest.raises(NotFittedError):
        KMeans(2).predict(X)
    km = KMeans(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        km.predict(X[:, :2])
    with pytest.raises(ValueError, match="n_clusters"):
        kmeans_plusplus(X, 21)
    assert isinstance(km.n_iter_, numbers.Integral)
