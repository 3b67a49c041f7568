"""export_text (src/physml/tree/export.py) prints the same rules as scikit-learn's."""

import numpy as np

from physml.tree import DecisionTreeClassifier, DecisionTreeRegressor, export_text


def test_export_text_of_a_known_tree():
    X = [[0.0, 5.0], [1.0, 5.0], [2.0, 6.0], [3.0, 6.0]]
    clf = DecisionTreeClassifier().fit(X, ["b", "b", "s", "s"])
    assert export_text(clf, feature_names=["pt", "m_ll"]) == (
        "|--- pt <= 1.50\n"
        "|   |--- class: b\n"
        "|--- pt >  1.50\n"
        "|   |--- class: s\n"
    )


def test_export_text_equals_sklearn_for_classifier_and_regressor(sklearn):
    from sklearn import tree as sk

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)).astype(np.float32).astype(np.float64)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    names = ["lep1_pt", "met", "m_ll"]
    for ours, theirs, target in [(DecisionTreeClassifier(splitter="exact", max_depth=4, min_samples_leaf=5),
                                  sk.DecisionTreeClassifier(max_depth=4, min_samples_leaf=5), y),
                                 (DecisionTreeRegressor(splitter="exact", max_depth=4, min_samples_leaf=5),
                                  sk.DecisionTreeRegressor(max_depth=4, min_samples_leaf=5), X[:, 0] + X[:, 2])]:
        ours.fit(X, target)
        theirs.fit(X, target)
        for kw in [dict(), dict(feature_names=names, decimals=3, max_depth=2)]:
            assert export_text(ours, **kw) == sk.export_text(theirs, **kw)
    ours = DecisionTreeClassifier(splitter="exact", max_depth=2).fit(X, y)
    theirs = sk.DecisionTreeClassifier(max_depth=2).fit(X, y)
    assert export_text(ours, show_weights=True) == sk.export_text(theirs, show_weights=True)
