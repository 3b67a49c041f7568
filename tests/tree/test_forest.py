"""Random forests (src/physml/tree/forest.py): scikit-learn's accuracy, identical forests for any n_jobs."""

import joblib
import numpy as np
import pytest

from physml.tree import RandomForestClassifier, RandomForestRegressor


def _split(X, y, seed=0, test=0.3):
    idx = np.random.default_rng(seed).permutation(len(y))
    cut = int(len(y) * (1 - test))
    return X[idx[:cut]], X[idx[cut:]], y[idx[:cut]], y[idx[cut:]]


def _synthetic(seed, n=600, p=8):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


def _sklearn_set(name):
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")(return_X_y=True)


@pytest.mark.parametrize("name", ["breast_cancer", "wine", "collider"])
def test_forest_held_out_accuracy_within_002_of_sklearn(sklearn, name):
    from sklearn.ensemble import RandomForestClassifier as SkForest

    if name == "collider":
        from physml.datasets import collider_events

        d = collider_events(1500, 1500, random_state=0)
        X, y = d.X, d.y
    else:
        X, y = _sklearn_set(name)
    X_train, X_test, y_train, y_test = _split(X, y)
    ours = RandomForestClassifier(n_estimators=100, random_state=0).fit(X_train, y_train)
    theirs = SkForest(n_estimators=100, random_state=0).fit(X_train, y_train)
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= 0.02


def test_regressor_held_out_r2_within_002_of_sklearn(sklearn):
    from sklearn.datasets import make_friedman1
    from sklearn.ensemble import RandomForestRegressor as SkForest

    X, y = make_friedman1(n_samples=1500, noise=1.0, random_state=0)
    X_train, X_test, y_train, y_test = _split(X, y)
    ours = RandomForestRegressor(n_estimators=100, random_state=0).fit(X_train, y_train)
    theirs = SkForest(n_estimators=100, random_state=0).fit(X_train, y_train)
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= 0.02


def test_forest_is_identical_for_any_n_jobs():
    X, y = _synthetic(0)
    a = RandomForestClassifier(n_estimators=12, random_state=3, n_jobs=1).fit(X, y)
    b = RandomForestClassifier(n_estimators=12, random_state=3, n_jobs=2).fit(X, y)
    for ta, tb in zip(a.estimators_, b.estimators_):
        np.testing.assert_array_equal(ta.tree_.feature, tb.tree_.feature)
        np.testing.assert_array_equal(ta.tree_.threshold, tb.tree_.threshold)
        np.testing.assert_array_equal(ta.tree_.value, tb.tree_.value)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_forest_under_a_joblib_backend_config_equals_the_default():
    X, y = _synthetic(1)
    a = RandomForestRegressor(n_estimators=6, random_state=0).fit(X, y.astype(float))
    with joblib.parallel_config(backend="threading", n_jobs=2):
        b = RandomForestRegressor(n_estimators=6, random_state=0).fit(X, y.astype(float))
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_predict_proba_is_the_mean_of_the_trees_probabilities():
    X, y = _synthetic(2)
    forest = RandomForestClassifier(n_estimators=7, random_state=0).fit(X, y)
    mean = np.mean([t.predict_proba(X) for t in forest.estimators_], axis=0)
    np.testing.assert_allclose(forest.predict_proba(X), mean, rtol=1e-12)
    assert forest.estimators_[0].tree_.n_node_samples[0] < len(y)  # a bootstrap replicate: duplicates count once


def test_oob_score_estimates_the_held_out_accuracy_and_uses_only_unseen_trees():
    X, y = _synthetic(3, n=1500)
    X_train, X_test, y_train, y_test = _split(X, y)
    forest = RandomForestClassifier(n_estimators=60, oob_score=True, random_state=0).fit(X_train, y_train)
    assert abs(forest.oob_score_ - forest.score(X_test, y_test)) < 0.04
    # sample 0's oob probability is the mean over the trees whose replicate left it out
    from physml.tree.forest import _bootstrap_counts

    unseen = [t for t, s in zip(forest.estimators_, forest._seeds) if _bootstrap_counts(int(s), len(y_train))[0] == 0]
    expected = np.mean([t.predict_proba(X_train[:1])[0] for t in unseen], axis=0)
    np.testing.assert_allclose(forest.oob_decision_function_[0], expected, rtol=1e-12)


def test_oob_r2_of_regressor_is_close_to_held_out_r2(sklearn):
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=1500, noise=1.0, random_state=1)
    X_train, X_test, y_train, y_test = _split(X, y)
    forest = RandomForestRegressor(n_estimators=60, oob_score=True, random_state=0).fit(X_train, y_train)
    assert abs(forest.oob_score_ - forest.score(X_test, y_test)) < 0.05


def test_feature_importances_find_the_informative_features_and_sum_to_one():
    X, y = _synthetic(4, n=1000)
    imp = RandomForestClassifier(n_estimators=30, random_state=0).fit(X, y).feature_importances_
    assert imp.sum() == pytest.approx(1.0)
    assert set(np.argsort(imp)[-3:]) == {0, 1, 2}


def test_feature_importances_are_the_mean_of_the_trees():
    X, y = _synthetic(5)
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    mean = np.mean([t.feature_importances_ for t in forest.estimators_], axis=0)
    np.testing.assert_allclose(forest.feature_importances_, mean / mean.sum(), rtol=1e-12)


def test_oob_score_without_bootstrap_is_refused():
    X, y = _synthetic(0, n=50)
    with pytest.raises(ValueError, match="bootstrap"):
        RandomForestClassifier(oob_score=True, bootstrap=False).fit(X, y)
    with pytest.raises(ValueError, match="n_estimators"):
        RandomForestClassifier(n_estimators=0).fit(X, y)


@pytest.mark.slow
def test_forest_on_a_dask_cluster_equals_the_local_forest():
    distributed = pytest.importorskip("distributed")
    X, y = _synthetic(6, n=300)
    local = RandomForestClassifier(n_estimators=8, random_state=0).fit(X, y)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None):
        with joblib.parallel_config(backend="dask"):
            remote = RandomForestClassifier(n_estimators=8, random_state=0).fit(X, y)
            proba = remote.predict_proba(X)
    np.testing.assert_array_equal(proba, local.predict_proba(X))
