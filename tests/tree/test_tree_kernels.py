"""The numba kernels of src/physml/tree/_kernels.py against their NumPy references."""

import numpy as np
import pytest

from physml.tree import _kernels
from physml.tree.tree import DecisionTreeClassifier


@pytest.mark.parametrize("criterion", [_kernels.GINI, _kernels.ENTROPY])
def test_node_impurity_kernel_equals_reference_for_classes(criterion):
    rng = np.random.default_rng(0)
    for _ in range(20):
        stats = rng.uniform(0, 5, size=4) * (rng.uniform(size=4) > 0.3)
        stats[0] += 0.1
        assert _kernels.node_impurity(stats, criterion) == pytest.approx(
            _kernels.node_impurity_reference(stats, criterion), rel=1e-13, abs=1e-15)


def test_node_impurity_squared_error_is_the_weighted_variance():
    rng = np.random.default_rng(1)
    y, w = rng.normal(size=50), rng.uniform(0.5, 2, size=50)
    stats = np.array([w.sum(), (w * y).sum(), (w * y * y).sum()])
    variance = np.average((y - np.average(y, weights=w)) ** 2, weights=w)
    assert _kernels.node_impurity(stats, _kernels.SQUARED_ERROR) == pytest.approx(variance, rel=1e-12)
    assert _kernels.node_impurity_reference(stats, _kernels.SQUARED_ERROR) == pytest.approx(variance, rel=1e-12)


def test_apply_kernel_equals_reference():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 4))
    tree = DecisionTreeClassifier(max_depth=6).fit(X, (X[:, 0] * X[:, 1] > 0).astype(int)).tree_
    out = np.empty(300, np.int64)
    _kernels.apply(X, tree.children_left, tree.children_right, tree.feature, tree.threshold, out)
    ref = _kernels.apply_reference(X, tree.children_left, tree.children_right, tree.feature, tree.threshold)
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("n_values", [2, 7, 300, 5000])
def test_bin_edges_kernel_equals_reference_and_codes_respect_edges(n_values):
    rng = np.random.default_rng(3)
    X = rng.integers(0, n_values, size=(4000, 3)) * 0.37 - 5.0
    X[:, 2] = rng.normal(size=4000)
    max_bins = 32
    edges = np.empty((3, max_bins - 1))
    n_edges = np.empty(3, np.int64)
    _kernels.bin_edges(X, max_bins, edges, n_edges)
    codes = np.empty((4000, 3), np.uint8)
    _kernels.bin_codes(X, edges, n_edges, codes)
    for f in range(3):
        ref = _kernels.bin_edges_reference(X[:, f], max_bins)
        np.testing.assert_array_equal(edges[f, :n_edges[f]], ref)
        np.testing.assert_array_equal(codes[:, f], np.searchsorted(ref, X[:, f], side="left"))
        for b in range(n_edges[f]):  # code <= b exactly when x <= edges[b]
            np.testing.assert_array_equal(codes[:, f] <= b, X[:, f] <= ref[b])


@pytest.mark.parametrize("n", [1, 2, 15, 16, 17, 200, 5000])
def test_sort_pairs_sorts_values_and_carries_their_positions(n):
    rng = np.random.default_rng(n)
    vals = np.round(rng.normal(size=n), 1)  # many ties
    idx = np.arange(n)
    original = vals.copy()
    _kernels._sort_pairs(vals, idx, n)
    np.testing.assert_array_equal(vals, np.sort(original))
    np.testing.assert_array_equal(original[idx], vals)
    assert sorted(idx.tolist()) == list(range(n))
