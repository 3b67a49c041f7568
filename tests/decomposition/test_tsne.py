"""t-SNE (S27): scikit-learn's affinities, its optimiser's quality on the digits, exact vs Barnes-Hut."""

import numpy as np
import pytest

from physml.datasets import load_digits
from physml.decomposition import TSNE
from physml.decomposition import _kernels as K
from physml.decomposition.tsne import _affinities_dense, _affinities_sparse


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)[0]


def test_dense_affinities_match_sklearn(sklearn, digits):
    from sklearn.manifold._t_sne import _joint_probabilities
    from sklearn.metrics import pairwise_distances
    from scipy.spatial.distance import squareform

    X = digits[:300]
    ours = _affinities_dense(X, 20.0)
    theirs = squareform(_joint_probabilities(pairwise_distances(X, squared=True), 20.0, 0))
    # scikit-learn bisects on float32 distances: agreement to float32 precision of the bisection
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(ours.sum(), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(ours, ours.T)


def test_sparse_affinities_match_sklearn(sklearn, digits):
    from sklearn.manifold._t_sne import _joint_probabilities_nn
    from sklearn.neighbors import NearestNeighbors

    # integer pixels tie at the k-th neighbour; a little noise makes the neighbour sets unique
    X = digits[:500] + np.random.default_rng(0).normal(scale=1e-3, size=(500, 64))
    k = int(3 * 10.0 + 1)
    ours = _affinities_sparse(X, 10.0)
    D = NearestNeighbors(n_neighbors=k).fit(X).kneighbors_graph(mode="distance")
    D.data **= 2
    theirs = _joint_probabilities_nn(D, 10.0, 0)
    np.testing.assert_allclose(ours.toarray(), theirs.toarray(), rtol=1e-4, atol=1e-9)


def test_exact_kl_matches_sklearn_objective(sklearn, digits):
    from sklearn.manifold._t_sne import _kl_divergence

    X = digits[:200]
    P = _affinities_dense(X, 15.0)
    Y = np.random.default_rng(0).normal(size=(200, 2))
    from scipy.spatial.distance import squareform

    kl_sk, grad_sk = _kl_divergence(Y.ravel(), squareform(P, checks=False), 1.0, 200, 2)
    grad = np.empty_like(Y)
    kl = K._exact_kl_gradient(P, Y, 1.0, True, grad)
    np.testing.assert_allclose(kl, kl_sk, rtol=1e-10)
    np.testing.assert_allclose(grad.ravel(), grad_sk, rtol=1e-8, atol=1e-14)


def test_exact_and_barnes_hut_reach_the_same_kl(digits):
    # the two methods optimise different P (dense / kNN graph): compare both maps against each P
    X = digits[:300]
    exact = TSNE(method="exact", perplexity=20, random_state=0, n_jobs=1).fit(X)
    bh = TSNE(method="barnes_hut", perplexity=20, random_state=0, n_jobs=1).fit(X)
    assert exact.method_ == "exact" and bh.method_ == "barnes_hut"
    for P in (_affinities_dense(X, 20.0), _affinities_sparse(X, 20.0).toarray()):
        kl_e, kl_b = (K.exact_kl_gradient_reference(P, m.embedding_, 1.0, True, np.empty((300, 2)))
                      for m in (exact, bh))
        assert abs(kl_b - kl_e) < 0.03 * kl_e


def test_kl_divergence_is_the_exact_kl_of_the_embedding(digits):
    X = digits[:300]
    model = TSNE(method="barnes_hut", perplexity=10, max_iter=300, random_state=1).fit(X)
    P = _affinities_sparse(X, 10.0).toarray()
    kl = K.exact_kl_gradient_reference(P, model.embedding_, 1.0, True, np.empty_like(model.embedding_))
    np.testing.assert_allclose(model.kl_divergence_, kl, rtol=1e-10)
    assert model.n_iter_ <= 300


@pytest.mark.slow
def test_digits_kl_and_trustworthiness_match_sklearn(sklearn, digits):
    from sklearn.manifold import TSNE as SkTSNE
    from sklearn.manifold import trustworthiness

    ours = TSNE(random_state=0).fit(digits)
    theirs = SkTSNE(random_state=0).fit(digits)
    assert ours.method_ == "barnes_hut"
    assert abs(ours.kl_divergence_ - theirs.kl_divergence_) < 0.05 * theirs.kl_divergence_
    t_ours = trustworthiness(digits, ours.embedding_, n_neighbors=10)
    t_theirs = trustworthiness(digits, theirs.embedding_, n_neighbors=10)
    assert t_ours >= t_theirs - 0.01


def test_same_seed_same_embedding_and_pca_init_scale(digits):
    X = digits[:150]
    a = TSNE(perplexity=10, max_iter=250, random_state=3).fit(X)
    b = TSNE(perplexity=10, max_iter=250, random_state=3).fit(X)
    np.testing.assert_array_equal(a.embedding_, b.embedding_)
    assert a.method_ == "exact"  # n <= 500
    assert a.learning_rate_ == 50.0  # max(150 / 12 / 4, 50)
    # init="pca": first principal component scaled to standard deviation 1e-4, then 0 iterations would keep it
    init = TSNE(perplexity=10, random_state=3)._initial(X, np.random.default_rng(0))
    np.testing.assert_allclose(np.std(init[:, 0]), 1e-4, rtol=1e-12)


def test_array_init_is_used_and_not_modified(digits):
    X = digits[:100]
    Y0 = np.random.default_rng(0).normal(size=(100, 2)) * 1e-4
    Y0_copy = Y0.copy()
    model = TSNE(perplexity=5, max_iter=250, init=Y0, random_state=0).fit(X)
    np.testing.assert_array_equal(Y0, Y0_copy)
    assert model.embedding_.shape == (100, 2)


def test_bad_parameters_raise_naming_them(digits):
    X = digits[:50]
    with pytest.raises(ValueError, match="perplexity"):
        TSNE(perplexity=60).fit(X)
    with pytest.raises(ValueError, match="method"):
        TSNE(method="fft").fit(X)
    with pytest.raises(ValueError, match="n_components"):
        TSNE(n_components=3, method="barnes_hut", perplexity=5).fit(X)
    with pytest.raises(ValueError, match="max_iter"):
        TSNE(max_iter=100).fit(X)
    with pytest.raises(ValueError, match="init"):
        TSNE(init="spectral", perplexity=5).fit(X)
    with pytest.raises(ValueError, match="init"):
        TSNE(init=np.zeros((3, 2)), perplexity=5).fit(X)
    with pytest.raises(TypeError, match="learning_rate"):
        TSNE(learning_rate="fast", perplexity=5).fit(X)
    with pytest.raises(ValueError, match="exact"):
        TSNE(method="exact", perplexity=5).fit(np.zeros((30000, 2)) + np.arange(30000)[:, None])
