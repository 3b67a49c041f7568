"""Trees and forests (S32-S33): physml's histogram forests vs scikit-learn (and XGBoost) on the same data.

- 100 trees on 100k x 18 collider-like events (``make_classification`` with 10
  informative features, 25k held out), both forests fully grown with
  ``max_features="sqrt"`` and ``n_jobs=2``; the moonshot peer is XGBoost's
  random forest ``XGBRFClassifier(tree_method="hist", max_depth=20,
  colsample_bynode=0.25)`` where xgboost is installed (optional; never a physml
  dependency). On a crowded machine run it with ``OMP_WAIT_POLICY=PASSIVE``:
  XGBoost's spinning OpenMP threads otherwise lose 10x to oversubscription.
- 50 trees on Ising configurations (L = 40, 1600 spins, Mehta et al.'s ordered
  T < 2 vs disordered T > 2.5, 1000 configurations per temperature; generated
  once and cached), ``n_jobs=2``.
- One exact-splitter tree (``splitter="exact"``, the scikit-learn-equal mode) vs
  scikit-learn's tree, and the histogram tree vs the exact one: the data behind
  the default ``splitter="hist"``.

Quality is held-out accuracy; the goal is ratio <= 0.5 at accuracy equal within 0.005.
``--quick`` shrinks everything (10k events, 20 trees, L = 16).
"""

import numpy as np

from physml.tree import DecisionTreeClassifier, RandomForestClassifier

N_JOBS = 2


def _collider_like(n_train, n_test):
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n_train + n_test, n_features=18, n_informative=10, n_redundant=4,
                               random_state=0)
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


def _ising(L, n_per_temperature):
    from physml.datasets import ising_configurations

    X, T = ising_configurations(L=L, n_per_temperature=n_per_temperature, random_state=0, n_jobs=N_JOBS)
    keep = (T < 2.0) | (T > 2.5)
    X, y = X[keep].astype(np.float64), (T[keep] < 2.0).astype(int)
    idx = np.random.default_rng(0).permutation(len(y))
    cut = int(0.8 * len(y))
    return X[idx[:cut]], X[idx[cut:]], y[idx[:cut]], y[idx[cut:]]


def run(bench):
    from sklearn.ensemble import RandomForestClassifier as SkForest
    from sklearn.tree import DecisionTreeClassifier as SkTree

    quick = bench.quick
    repeats = 1 if not quick else None
    n_train, n_test, n_trees = (10_000, 2_500, 20) if quick else (100_000, 25_000, 100)
    X, X_test, y, y_test = _collider_like(n_train, n_test)
    RandomForestClassifier(n_estimators=2).fit(X[:500], y[:500])  # load the cached numba kernels
    accuracy = lambda model: model.score(X_test, y_test)  # noqa: E731
    sizes = f"n={n_train:.0e} p=18 B={n_trees}"
    bench.compare(
        "random forest, collider-like", sizes=sizes,
        physml=lambda: RandomForestClassifier(n_estimators=n_trees, n_jobs=N_JOBS, random_state=0).fit(X, y),
        peer=lambda: SkForest(n_estimators=n_trees, n_jobs=N_JOBS, random_state=0).fit(X, y),
        peer_name="sklearn RandomForest", quality=accuracy, quality_name="accuracy",
        repeats=repeats, warmup=quick, goal="ratio <= 0.5")
    try:
        from xgboost import XGBRFClassifier
    except ImportError:
        XGBRFClassifier = None
    if XGBRFClassifier is not None:
        bench.compare(
            "random forest, collider-like (moonshot)", sizes=sizes,
            physml=lambda: RandomForestClassifier(n_estimators=n_trees, n_jobs=N_JOBS, random_state=0).fit(X, y),
            peer=lambda: XGBRFClassifier(n_estimators=n_trees, tree_method="hist", max_depth=20,
                                         colsample_bynode=0.25, n_jobs=N_JOBS, random_state=0).fit(X, y),
            peer_name="xgboost XGBRFClassifier", quality=accuracy, quality_name="accuracy",
            repeats=repeats, warmup=quick, goal="ratio <= 1.0")

    n_tree_rows = 10_000 if quick else 100_000
    Xt, yt = X[:n_tree_rows], y[:n_tree_rows]
    bench.compare(
        "decision tree, exact splitter", sizes=f"n={n_tree_rows:.0e} p=18",
        physml=lambda: DecisionTreeClassifier(splitter="exact").fit(Xt, yt),
        peer=lambda: SkTree().fit(Xt, yt),
        peer_name="sklearn DecisionTree", quality=accuracy, quality_name="accuracy",
        repeats=repeats, warmup=quick, goal="ratio <= 1.0")
    bench.compare(
        "decision tree, hist vs exact splitter", sizes=f"n={n_tree_rows:.0e} p=18",
        physml=lambda: DecisionTreeClassifier(splitter="hist").fit(Xt, yt),
        peer=lambda: DecisionTreeClassifier(splitter="exact").fit(Xt, yt),
        peer_name="physml splitter=exact", quality=accuracy, quality_name="accuracy",
        repeats=repeats, warmup=quick, goal="picks the default")

    L, n_per_t, n_trees = (16, 200, 20) if quick else (40, 1000, 50)
    X, X_test, y, y_test = _ising(L, n_per_t)
    accuracy = lambda model: model.score(X_test, y_test)  # noqa: E731
    bench.compare(
        "random forest, Ising ordered vs disordered", sizes=f"n={len(y)} p={L * L} B={n_trees}",
        physml=lambda: RandomForestClassifier(n_estimators=n_trees, n_jobs=N_JOBS, random_state=0).fit(X, y),
        peer=lambda: SkForest(n_estimators=n_trees, n_jobs=N_JOBS, random_state=0).fit(X, y),
        peer_name="sklearn RandomForest", quality=accuracy, quality_name="accuracy",
        repeats=repeats, warmup=quick, goal="ratio <= 0.5")
