"""Splits, folds, cross-validation and validation curves against scikit-learn."""

import numpy as np
import pytest

from physml.base import Estimator, RegressorMixin, check_X_y
from physml.model_selection import (
    KFold,
    StratifiedKFold,
    cross_val_score,
    get_scorer,
    train_test_split,
    validation_curve,
)


class _Ridge(RegressorMixin, Estimator):
    """Closed-form ridge with intercept, the same objective as sklearn.linear_model.Ridge."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        x_mean, y_mean = X.mean(axis=0), y.mean()
        Xc = X - x_mean
        A = Xc.T @ Xc + self.alpha * np.eye(X.shape[1])
        self.coef_ = np.linalg.solve(A, Xc.T @ (y - y_mean))
        self.intercept_ = y_mean - x_mean @ self.coef_
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        X = self._validate_X_predict(X)
        return X @ self.coef_ + self.intercept_


@pytest.fixture
def regression_data(rng):
    X = rng.normal(size=(47, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=47)
    return X, y


# --------------------------------------------------------------------------- train_test_split


def test_train_test_split_sizes_and_partition(rng):
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    assert len(y_te) == 3 and len(y_tr) == 7  # ceil(0.25 * 10) = 3
    np.testing.assert_array_equal(np.sort(np.r_[y_tr, y_te]), y)
    np.testing.assert_array_equal(X_tr[:, 0] // 2, y_tr)
    a = train_test_split(X, test_size=0.2, train_size=0.5, random_state=1)
    assert len(a[0]) == 5 and len(a[1]) == 2


def test_train_test_split_same_seed_same_split_and_no_shuffle():
    y = np.arange(12)
    a = train_test_split(y, random_state=3)
    b = train_test_split(y, random_state=3)
    np.testing.assert_array_equal(a[0], b[0])
    tr, te = train_test_split(y, test_size=4, shuffle=False)
    np.testing.assert_array_equal(tr, np.arange(8))
    np.testing.assert_array_equal(te, np.arange(8, 12))


def test_train_test_split_keeps_list_and_pandas_types():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": range(8)}, index=list("abcdefgh"))
    tr, te, ltr, lte = train_test_split(df, list(range(8)), test_size=2, random_state=0)
    assert isinstance(tr, pd.DataFrame) and isinstance(ltr, list)
    assert list(te["a"]) == lte


@pytest.mark.parametrize("seed", range(5))
def test_train_test_split_stratified_keeps_proportions(seed):
    labels = np.repeat([0, 1, 2], [30, 60, 10])
    _, test = train_test_split(labels, test_size=0.2, stratify=labels, random_state=seed)
    assert len(test) == 20
    np.testing.assert_array_equal(np.bincount(test), [6, 12, 2])


@pytest.mark.parametrize("seed", range(20))
def test_stratified_parts_are_within_one_sample_of_the_class_shares(seed):
    r = np.random.default_rng(seed)
    labels = r.integers(0, 4, size=int(r.integers(40, 200)))
    n = len(labels)
    test_size, train_size = float(r.uniform(0.1, 0.4)), float(r.uniform(0.3, 0.6))
    train, test = train_test_split(labels, test_size=test_size, train_size=train_size, stratify=labels,
                                   random_state=seed)
    assert len(test) == int(np.ceil(test_size * n)) and len(train) == int(np.floor(train_size * n))
    counts = np.bincount(labels, minlength=4)
    for part in (train, test):
        share = counts * len(part) / n
        assert np.all(np.abs(np.bincount(part, minlength=4) - share) < 1), (share, np.bincount(part, minlength=4))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"test_size": 1.5}, "test_size"),
        ({"test_size": 0}, "test_size"),
        ({"train_size": 8, "test_size": 5}, "exceed"),
        ({"test_size": "a"}, "test_size"),
        ({"shuffle": False, "stratify": [0, 1] * 5}, "shuffle"),
        ({"shuffle": "no"}, "shuffle"),
        ({"shuffle": None}, "shuffle"),
    ],
)
def test_train_test_split_rejects_bad_sizes(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        train_test_split(np.arange(10), **kwargs)


def test_train_test_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        train_test_split(np.zeros((5, 2)), np.zeros(4))


# --------------------------------------------------------------------------- folds


@pytest.mark.parametrize("n, k", [(10, 2), (47, 5), (13, 13), (100, 7)])
def test_kfold_matches_sklearn(sklearn, n, k):
    from sklearn.model_selection import KFold as SKFold

    X = np.zeros((n, 2))
    ours = list(KFold(k).split(X))
    theirs = list(SKFold(k).split(X))
    assert KFold(k).get_n_splits() == k == len(ours)
    for (a_tr, a_te), (b_tr, b_te) in zip(ours, theirs):
        np.testing.assert_array_equal(a_tr, b_tr)
        np.testing.assert_array_equal(a_te, b_te)


@pytest.mark.parametrize("seed", range(4))
def test_stratified_kfold_matches_sklearn(sklearn, seed):
    from sklearn.model_selection import StratifiedKFold as SKStrat

    r = np.random.default_rng(seed)
    y = np.array(["b", "a", "c"])[r.integers(0, 3, 61)]
    X = np.zeros((61, 1))
    for (a_tr, a_te), (b_tr, b_te) in zip(StratifiedKFold(4).split(X, y), SKStrat(4).split(X, y)):
        np.testing.assert_array_equal(a_tr, b_tr)
        np.testing.assert_array_equal(a_te, b_te)


def test_shuffled_kfold_partitions_and_is_reproducible():
    X = np.zeros((23, 1))
    folds = [te for _, te in KFold(4, shuffle=True, random_state=5).split(X)]
    again = [te for _, te in KFold(4, shuffle=True, random_state=5).split(X)]
    for a, b in zip(folds, again):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.sort(np.concatenate(folds)), np.arange(23))
    assert sorted(len(f) for f in folds) == [5, 6, 6, 6]
    assert not np.array_equal(np.concatenate(folds), np.arange(23))


def test_kfold_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_splits"):
        KFold(1)
    with pytest.raises(TypeError, match="n_splits"):
        KFold(2.5)
    with pytest.raises(ValueError, match="random_state"):
        KFold(3, random_state=0)
    with pytest.raises(ValueError, match="n_splits=5 greater than the number of samples"):
        list(KFold(5).split(np.zeros((3, 1))))
    with pytest.raises(ValueError, match="labels y"):
        list(StratifiedKFold(2).split(np.zeros((4, 1))))


# --------------------------------------------------------------------------- scoring, CV


def test_get_scorer_strings_and_errors(regression_data):
    X, y = regression_data
    model = _Ridge().fit(X, y)
    assert get_scorer("r2")(model, X, y) == pytest.approx(model.score(X, y), abs=1e-15)
    assert get_scorer(None)(model, X, y) == model.score(X, y)
    assert get_scorer("neg_mean_squared_error")(model, X, y) == pytest.approx(
        -np.mean((model.predict(X) - y) ** 2), abs=1e-15
    )
    with pytest.raises(ValueError, match="scoring='f1'"):
        get_scorer("f1")
    with pytest.raises(TypeError, match="scoring"):
        get_scorer(3)


@pytest.mark.parametrize("scoring", [None, "r2", "neg_mean_squared_error"])
def test_cross_val_score_matches_sklearn_on_sklearn_ridge(sklearn, regression_data, scoring):
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import cross_val_score as sk_cvs

    X, y = regression_data
    ours = cross_val_score(Ridge(alpha=0.7), X, y, cv=4, scoring=scoring)
    theirs = sk_cvs(Ridge(alpha=0.7), X, y, cv=4, scoring=scoring)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_cross_val_score_physml_estimator_matches_sklearn_ridge(sklearn, regression_data):
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import cross_val_score as sk_cvs

    X, y = regression_data
    ours = cross_val_score(_Ridge(alpha=2.0), X, y, cv=5, n_jobs=2)
    theirs = sk_cvs(Ridge(alpha=2.0), X, y, cv=5)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_cross_val_score_classifier_is_stratified_and_accepts_callable(sklearn):
    from sklearn.model_selection import cross_val_score as sk_cvs
    from sklearn.neighbors import NearestCentroid

    r = np.random.default_rng(1)
    y = np.repeat([0, 1], [40, 20])
    X = r.normal(size=(60, 2)) + y[:, None]
    ours = cross_val_score(NearestCentroid(), X, y, cv=3)
    np.testing.assert_allclose(ours, sk_cvs(NearestCentroid(), X, y, cv=3), atol=1e-15)
    errors = cross_val_score(NearestCentroid(), X, y, cv=3, scoring=lambda e, X, y: float(np.sum(e.predict(X) != y)))
    np.testing.assert_allclose(errors, (1 - ours) * 20, atol=1e-12)


def test_validation_curve_matches_sklearn(sklearn, regression_data):
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import validation_curve as sk_vc

    X, y = regression_data
    alphas = [1e-3, 1.0, 30.0, 1e3]
    for est in (Ridge(), _Ridge()):
        train, test = validation_curve(
            est, X, y, param_name="alpha", param_range=alphas, cv=4, scoring="neg_mean_squared_error"
        )
        sk_train, sk_test = sk_vc(
            Ridge(), X, y, param_name="alpha", param_range=alphas, cv=4, scoring="neg_mean_squared_error"
        )
        assert train.shape == test.shape == (4, 4)
        np.testing.assert_allclose(train, sk_train, rtol=0, atol=1e-12)
        np.testing.assert_allclose(test, sk_test, rtol=0, atol=1e-12)
    # larger lambda, worse in-sample fit
    assert np.all(np.diff(train.mean(axis=1)) < 0)


def test_validation_curve_physml_ridge_matches_sklearn(sklearn, regression_data):
    from sklearn.linear_model import Ridge as SKRidge
    from sklearn.model_selection import validation_curve as sk_vc

    from physml.linear import Ridge

    X, y = regression_data
    alphas = [0.01, 1.0, 100.0]
    ours = validation_curve(Ridge(), X, y, param_name="alpha", param_range=alphas, cv=5)
    theirs = sk_vc(SKRidge(), X, y, param_name="alpha", param_range=alphas, cv=5)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=0, atol=1e-12)


def test_validation_curve_rejects_unknown_parameter(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="Invalid parameter 'beta'"):
        validation_curve(_Ridge(), X, y, param_name="beta", param_range=[1.0])
    with pytest.raises(ValueError, match="param_range"):
        validation_curve(_Ridge(), X, y, param_name="alpha", param_range=[])


def test_cross_val_score_does_not_fit_the_given_estimator(regression_data):
    X, y = regression_data
    est = _Ridge()
    cross_val_score(est, X, y, cv=[(np.arange(30), np.arange(30, 47))])
    assert not hasattr(est, "coef_")


def test_shuffled_stratified_kfold_keeps_class_counts_per_fold():
    y = np.repeat(["a", "b", "c"], [12, 8, 4])
    folds = [te for _, te in StratifiedKFold(4, shuffle=True, random_state=0).split(np.zeros((24, 1)), y)]
    for test in folds:
        np.testing.assert_array_equal(np.unique(y[test], return_counts=True)[1], [3, 2, 1])
    np.testing.assert_array_equal(np.sort(np.concatenate(folds)), np.arange(24))


def test_cross_val_score_accepts_pandas_and_lists(regression_data):
    pd = pytest.importorskip("pandas")
    X, y = regression_data
    ref = cross_val_score(_Ridge(), X, y, cv=3)
    frame = pd.DataFrame(X, index=np.arange(100, 147))
    np.testing.assert_array_equal(cross_val_score(_Ridge(), frame, pd.Series(y, index=frame.index), cv=3), ref)
    np.testing.assert_array_equal(cross_val_score(_Ridge(), X.tolist(), y.tolist(), cv=3), ref)


@pytest.mark.parametrize("bad", [None, "ridge", object()])
def test_cross_validation_rejects_a_non_estimator_naming_it(bad):
    X, y = np.zeros((10, 2)), np.arange(10.0)
    with pytest.raises(TypeError, match="estimator must be an estimator"):
        cross_val_score(bad, X, y)
    with pytest.raises(TypeError, match="estimator must be an estimator"):
        validation_curve(bad, X, y, param_name="alpha", param_range=[1.0])
