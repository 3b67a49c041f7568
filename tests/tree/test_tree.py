"""Decision trees (src/physml/tree/tree.py) against scikit-learn's exact trees."""

import numpy as np
import pytest

from physml.tree import DecisionTreeClassifier, DecisionTreeRegressor


def _data(seed, n=400, p=6):
    # float32-representable values: scikit-learn's trees compute in float32
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)).astype(np.float32).astype(np.float64)
    y_class = (X[:, 0] + X[:, 1] ** 2 + 0.5 * rng.normal(size=n) > 0.5).astype(int) + (X[:, 2] > 1)
    y_value = X[:, 0] + np.sin(X[:, 1]) + 0.1 * rng.normal(size=n)
    return X, y_class, y_value


def _decrease(t, k):
    left, right = t.children_left[k], t.children_right[k]
    w, imp = t.weighted_n_node_samples, t.impurity
    return w[k] * imp[k] - w[left] * imp[left] - w[right] * imp[right]


def _compare(ours, theirs, i=0, j=0, ties=None):
    """Walk both trees together; where the splits differ, record the two improvements (a tie)."""
    if ours.children_left[i] == -1 or theirs.children_left[j] == -1:
        assert ours.children_left[i] == theirs.children_left[j] == -1
        return
    if ours.feature[i] != theirs.feature[j] or abs(ours.threshold[i] - theirs.threshold[j]) > 1e-12:
        ties.append((_decrease(ours, i), _decrease(theirs, j)))
        return
    _compare(ours, theirs, ours.children_left[i], theirs.children_left[j], ties)
    _compare(ours, theirs, ours.children_right[i], theirs.children_right[j], ties)


def _assert_same_tree(ours, theirs):
    assert ours.node_count == theirs.node_count
    np.testing.assert_array_equal(ours.children_left, theirs.children_left)
    np.testing.assert_array_equal(ours.children_right, theirs.children_right)
    np.testing.assert_array_equal(ours.feature, theirs.feature)
    np.testing.assert_allclose(ours.threshold, theirs.threshold, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ours.n_node_samples, theirs.n_node_samples)
    np.testing.assert_allclose(ours.impurity, theirs.impurity, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.value, theirs.value[:, 0, :], rtol=0, atol=1e-12)


# Cases free of tied improvements (checked for scikit-learn's random feature orders 0-7):
# classifiers with dyadic weights (exact sums, few equal ginis), regressors unweighted.
CASES = [("gini", 1), ("entropy", 0), ("entropy", 3), ("squared_error", 0), ("squared_error", 3)]


@pytest.mark.parametrize("criterion, seed", CASES)
def test_exact_tree_equals_sklearn_on_data_without_ties(sklearn, criterion, seed):
    from sklearn import tree as sk

    X, y_class, y_value = _data(seed)
    if criterion == "squared_error":
        kw = dict(criterion=criterion, max_depth=5, min_samples_leaf=8)
        ours, theirs, y = DecisionTreeRegressor(splitter="exact", **kw), sk.DecisionTreeRegressor(**kw), y_value
        w = None
    else:
        kw = dict(criterion=criterion, max_depth=6, min_samples_leaf=3)
        ours, theirs, y = DecisionTreeClassifier(splitter="exact", **kw), sk.DecisionTreeClassifier(**kw), y_class
        w = np.random.default_rng(seed).integers(8, 33, len(y)) / 16
    ours.fit(X, y, sample_weight=w)
    theirs.fit(X, y, sample_weight=w)
    _assert_same_tree(ours.tree_, theirs.tree_)
    X_test = _data(seed + 100)[0]
    np.testing.assert_allclose(ours.predict(X_test), theirs.predict(X_test), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.feature_importances_, theirs.feature_importances_, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ours.apply(X_test), theirs.apply(X_test))
    assert (ours.decision_path(X_test) != theirs.decision_path(X_test)).nnz == 0
    assert ours.get_depth() == theirs.get_depth() and ours.get_n_leaves() == theirs.get_n_leaves()
    if criterion != "squared_error":
        np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test), rtol=0, atol=1e-12)


@pytest.mark.parametrize("criterion", ["gini", "entropy", "squared_error"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fully_grown_exact_tree_differs_from_sklearn_only_at_tied_splits(sklearn, criterion, seed):
    # scikit-learn visits features in a random order and keeps the first of equal improvements;
    # physml visits them in order. Where the two trees part, both splits must improve equally.
    from sklearn import tree as sk

    X, y_class, y_value = _data(seed)
    if criterion == "squared_error":
        ours, theirs, y = DecisionTreeRegressor(splitter="exact"), sk.DecisionTreeRegressor(random_state=0), y_value
    else:
        ours = DecisionTreeClassifier(criterion=criterion, splitter="exact")
        theirs, y = sk.DecisionTreeClassifier(criterion=criterion, random_state=0), y_class
    ours.fit(X, y)
    theirs.fit(X, y)
    ties = []
    _compare(ours.tree_, theirs.tree_, ties=ties)
    for a, b in ties:
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12)
    assert ours.score(X, y) == theirs.score(X, y) == 1.0


def test_one_feature_full_tree_equals_sklearn(sklearn):
    # a single feature leaves no room for ties between features: the whole tree must agree
    from sklearn.tree import DecisionTreeClassifier as SkTree

    X = _data(5, n=300)[0][:, :1]
    y = (np.sin(3 * X[:, 0]) + 0.3 * np.random.default_rng(0).normal(size=300) > 0).astype(int)
    ours = DecisionTreeClassifier(splitter="exact").fit(X, y)
    _assert_same_tree(ours.tree_, SkTree().fit(X, y).tree_)


def test_sample_weight_equals_sklearn(sklearn):
    from sklearn.tree import DecisionTreeRegressor as SkTree

    X, _, y = _data(3)
    w = np.random.default_rng(0).integers(0, 4, size=len(y)).astype(float)
    kw = dict(max_depth=4, min_samples_leaf=2)
    ours = DecisionTreeRegressor(splitter="exact", **kw).fit(X, y, sample_weight=w)
    theirs = SkTree(**kw).fit(X, y, sample_weight=w)
    _assert_same_tree(ours.tree_, theirs.tree_)


def test_hist_splits_training_data_as_exact_when_features_have_few_values():
    # with at most max_bins distinct values per feature, every exact split position is a bin edge: the same
    # partitions; the thresholds differ (exact: midpoint of the node's neighbours, hist: of the global ones)
    rng = np.random.default_rng(0)
    X = rng.integers(0, 40, size=(500, 4)).astype(float)
    y = (X[:, 0] + X[:, 1] + rng.normal(scale=5, size=500) > 40).astype(int)
    hist = DecisionTreeClassifier(splitter="hist").fit(X, y)
    exact = DecisionTreeClassifier(splitter="exact").fit(X, y)
    a, b = hist.tree_, exact.tree_
    np.testing.assert_array_equal(a.feature, b.feature)
    np.testing.assert_array_equal(a.children_left, b.children_left)
    np.testing.assert_array_equal(a.n_node_samples, b.n_node_samples)
    np.testing.assert_array_equal(a.value, b.value)
    np.testing.assert_array_equal(hist.apply(X), exact.apply(X))


def test_hist_tree_is_pure_on_training_data_and_close_to_exact_on_test():
    X, y, _ = _data(0, n=2000)
    X_test, y_test, _ = _data(1, n=2000)
    hist = DecisionTreeClassifier(max_bins=32).fit(X, y)
    exact = DecisionTreeClassifier(splitter="exact").fit(X, y)
    assert hist.score(X, y) == 1.0
    assert abs(hist.score(X_test, y_test) - exact.score(X_test, y_test)) < 0.03


def test_max_features_subset_is_reproducible_and_changes_with_seed():
    X, y, _ = _data(0)
    a = DecisionTreeClassifier(max_features=2, random_state=0).fit(X, y).tree_
    b = DecisionTreeClassifier(max_features=2, random_state=0).fit(X, y).tree_
    c = DecisionTreeClassifier(max_features=2, random_state=1).fit(X, y).tree_
    np.testing.assert_array_equal(a.threshold, b.threshold)
    assert a.node_count != c.node_count or not np.array_equal(a.feature, c.feature)


def test_min_samples_leaf_and_max_depth_are_respected():
    X, y, _ = _data(0)
    tree = DecisionTreeClassifier(min_samples_leaf=7, max_depth=4).fit(X, y)
    leaves = tree.tree_.children_left == -1
    assert tree.tree_.n_node_samples[leaves].min() >= 7
    assert tree.get_depth() <= 4


def test_regressor_leaf_values_are_means_of_their_samples():
    X, _, y = _data(0)
    tree = DecisionTreeRegressor(max_depth=3).fit(X, y)
    leaf = tree.apply(X)
    for node in np.unique(leaf):
        assert tree.tree_.value[node, 0] == pytest.approx(y[leaf == node].mean(), rel=1e-12)


@pytest.mark.parametrize("param, value", [("max_depth", 0), ("min_samples_split", 1), ("min_samples_leaf", 0),
                                          ("max_bins", 300), ("criterion", "mse"), ("splitter", "best"),
                                          ("max_features", 1.5), ("max_features", "all")])
def test_bad_parameters_are_refused_naming_them(param, value):
    X, y, _ = _data(0, n=50)
    with pytest.raises(ValueError, match=param):
        DecisionTreeClassifier(**{param: value}).fit(X, y)


def test_wide_data_trees_are_the_same_with_row_and_feature_major_codes(monkeypatch):
    # the histogram kernel reads codes row by row (few features) or feature by feature (many): same tree
    from physml.tree import tree as tree_module

    X, y, _ = _data(0, n=300, p=70)
    a = DecisionTreeClassifier(max_features=8, random_state=0).fit(X, y).tree_
    monkeypatch.setattr(tree_module, "_ROW_MAJOR_MAX", 1000)
    b = DecisionTreeClassifier(max_features=8, random_state=0).fit(X, y).tree_
    np.testing.assert_array_equal(a.feature, b.feature)
    np.testing.assert_array_equal(a.threshold, b.threshold)
    np.testing.assert_array_equal(a.value, b.value)
