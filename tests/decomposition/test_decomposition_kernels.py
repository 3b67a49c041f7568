"""The t-SNE kernels equal their NumPy references, and the references equal the mathematics."""

import numpy as np
import pytest

from physml.decomposition import _kernels as K
from physml.decomposition.tsne import _BarnesHut, _affinities_sparse
from physml.optim import numerical_gradient


def _points(n, d=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)) * 3.0


def _dense_P(n, seed=0):
    P = np.random.default_rng(seed).random((n, n))
    P += P.T
    np.fill_diagonal(P, 0.0)
    return P / P.sum()


@pytest.mark.parametrize("row0", [0, 7])
def test_knn_select_matches_reference_and_sort(row0):
    rng = np.random.default_rng(1)
    D = rng.random((13, 40))
    k = 5
    ind, dist = np.empty((13, k), np.int64), np.empty((13, k))
    ind_ref, dist_ref = np.empty_like(ind), np.empty_like(dist)
    K._knn_select(D, row0, k, ind, dist)
    K.knn_select_reference(D, row0, k, ind_ref, dist_ref)
    np.testing.assert_array_equal(ind, ind_ref)
    np.testing.assert_array_equal(dist, dist_ref)
    for r in range(13):  # brute force: the k smallest of the row without the point itself
        row = D[r].copy()
        row[row0 + r] = np.inf
        np.testing.assert_array_equal(ind[r], np.argsort(row)[:k])


@pytest.mark.parametrize("dense", [False, True])
def test_binary_search_reaches_the_perplexity(dense):
    rng = np.random.default_rng(2)
    D = rng.random((30, 30)) * 10 if dense else rng.random((30, 20)) * 10
    P, P_ref = np.empty_like(D), np.empty_like(D)
    K._binary_search_perplexity(D, 8.0, dense, P)
    K.binary_search_perplexity_reference(D, 8.0, dense, P_ref)
    np.testing.assert_allclose(P, P_ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    H = -np.sum(np.where(P > 0, P * np.log(np.where(P > 0, P, 1.0)), 0.0), axis=1)
    np.testing.assert_allclose(np.exp(H), 8.0, rtol=1e-4)  # perplexity = e^H (entropy in nats)
    if dense:
        assert np.all(np.diag(P) == 0)


def test_exact_kl_gradient_matches_reference_and_finite_differences():
    n = 25
    P, Y = _dense_P(n), _points(n, d=2, seed=3)
    g, g_ref = np.empty_like(Y), np.empty_like(Y)
    for a in (1.0, 12.0):
        kl = K._exact_kl_gradient(P, Y, a, True, g)
        kl_ref = K.exact_kl_gradient_reference(P, Y, a, True, g_ref)
        np.testing.assert_allclose(kl, kl_ref, rtol=1e-12)
        np.testing.assert_allclose(g, g_ref, rtol=1e-10, atol=1e-14)
    assert np.isnan(K._exact_kl_gradient(P, Y, 1.0, False, g))
    K._exact_kl_gradient(P, Y, 1.0, False, g)
    fd = numerical_gradient(lambda y: K.exact_kl_gradient_reference(P, y.reshape(n, 2), 1.0, True,
                                                                    np.empty((n, 2))), Y)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9 * np.abs(g).max())


def test_exact_kl_gradient_in_three_dimensions():
    n = 12
    P, Y = _dense_P(n, seed=4), _points(n, d=3, seed=4)
    g = np.empty_like(Y)
    K._exact_kl_gradient(P, Y, 1.0, False, g)
    fd = numerical_gradient(lambda y: K.exact_kl_gradient_reference(P, y.reshape(n, 3), 1.0, True,
                                                                    np.empty((n, 3))), Y)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9 * np.abs(g).max())


def test_attraction_and_sparse_kl_match_dense_forms():
    n = 60
    Y = _points(n, seed=5)
    P = _affinities_sparse(np.random.default_rng(5).normal(size=(n, 4)), 5.0)
    pos, pos_ref = np.empty_like(Y), np.empty_like(Y)
    K._attraction(P.indptr, P.indices.astype(np.int64), P.data, Y, pos)
    K.attraction_reference(P.indptr, P.indices, P.data, Y, pos_ref)
    np.testing.assert_allclose(pos, pos_ref, rtol=1e-12)
    # KL with the dense P (zeros outside the graph) and the exact Q
    Pd = P.toarray()
    Z = K._exact_Z(Y)
    kl_dense = K.exact_kl_gradient_reference(Pd, Y, 1.0, True, np.empty_like(Y))
    np.testing.assert_allclose(K._sparse_kl(P.indptr, P.indices.astype(np.int64), P.data, Y, Z), kl_dense,
                               rtol=1e-10)


def test_exact_Z_and_repulsion_reference_agree():
    Y = _points(80, seed=6)
    neg = np.empty_like(Y)
    Z_ref = K.repulsion_reference(Y, 0.0, neg)
    np.testing.assert_allclose(K._exact_Z(Y), Z_ref, rtol=1e-12)


def _bh(Y, theta):
    n = Y.shape[0]
    P = _affinities_sparse(np.random.default_rng(0).normal(size=(n, 3)), 3.0)
    bh = _BarnesHut(P, n, theta)
    bh._tree(Y)
    Z = K._bh_repulsion(Y, bh.com, bh.count, bh.width, bh.first, bh.skip, bh.leaf_of, theta, bh.neg)
    return bh, Z


def test_quadtree_holds_every_point_once():
    Y = _points(500, seed=7)
    bh, _ = _bh(Y, 0.5)
    assert bh.count[0] == 500
    np.testing.assert_allclose(bh.com[0], Y.mean(axis=0), rtol=1e-12, atol=1e-12)
    leaves = bh.leaf_of
    assert np.all(bh.point[leaves] == np.arange(500))  # distinct points: one per leaf
    # each leaf's cell contains its point
    half = bh.width[leaves] / 2
    assert np.all(np.abs(Y - bh.centre[leaves]) <= half[:, None] * (1 + 1e-9))


def test_barnes_hut_with_zero_angle_is_exact_and_half_angle_close():
    Y = _points(400, seed=8)
    neg_ref = np.empty_like(Y)
    Z_ref = K.repulsion_reference(Y, 0.0, neg_ref)
    bh, Z = _bh(Y, 0.0)
    np.testing.assert_allclose(Z, Z_ref, rtol=1e-12)
    np.testing.assert_allclose(bh.neg, neg_ref, rtol=1e-9, atol=1e-12)
    bh, Z = _bh(Y, 0.5)
    np.testing.assert_allclose(Z, Z_ref, rtol=1e-2)
    err = np.linalg.norm(bh.neg - neg_ref, axis=1) / np.linalg.norm(neg_ref, axis=1)
    assert np.median(err) < 0.02


def test_barnes_hut_survives_coincident_points():
    Y = np.repeat(_points(50, seed=9), 3, axis=0)  # every point three times
    neg_ref = np.empty_like(Y)
    Z_ref = K.repulsion_reference(Y, 0.0, neg_ref)
    bh, Z = _bh(Y, 0.0)
    np.testing.assert_allclose(Z, Z_ref, rtol=1e-10)
    np.testing.assert_allclose(bh.neg, neg_ref, rtol=1e-8, atol=1e-10)
