"""PCA (S25) equals scikit-learn's PCA for every solver, and keeps its documented conventions."""

import numpy as np
import pytest

from physml.decomposition import PCA
from physml.decomposition.pca import _auto_solver

SOLVERS = {"full": "full", "covariance": "covariance_eigh", "randomized": "randomized"}


def _data(n, p, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    scales = np.geomspace(10.0, 0.1, p)  # a decaying spectrum without ties
    return (rng.normal(size=(n, p)) * scales @ np.linalg.qr(rng.normal(size=(p, p)))[0] + 3.0).astype(dtype)


def _assert_components_equal(A, B, atol):
    signs = np.sign(np.sum(A * B, axis=1))
    np.testing.assert_allclose(A, B * signs[:, None], atol=atol)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("shape", [(300, 20), (40, 60)])
def test_pca_matches_sklearn_for_each_solver(sklearn, solver, shape):
    from sklearn.decomposition import PCA as SkPCA

    X = _data(*shape)
    k = 5
    ours = PCA(k, svd_solver=solver, random_state=0).fit(X)
    theirs = SkPCA(k, svd_solver=SOLVERS[solver], random_state=0).fit(X)
    rtol, atol = (1e-4, 1e-4) if solver == "randomized" else (1e-8, 1e-6)
    np.testing.assert_allclose(ours.explained_variance_, theirs.explained_variance_, rtol=rtol)
    np.testing.assert_allclose(ours.explained_variance_ratio_, theirs.explained_variance_ratio_, rtol=rtol)
    np.testing.assert_allclose(ours.singular_values_, theirs.singular_values_, rtol=rtol)
    np.testing.assert_allclose(ours.mean_, theirs.mean_, rtol=1e-12)
    _assert_components_equal(ours.components_, theirs.components_, atol)
    # noise variance: mean of the min(n, p) - k discarded eigenvalues (scikit-learn's covariance_eigh
    # divides by p - k instead, counting the p - n structural zeros of wide data; we keep one definition)
    noise_ref = PCA(k, svd_solver="full").fit(X).noise_variance_ if shape[0] < shape[1] else theirs.noise_variance_
    np.testing.assert_allclose(ours.noise_variance_, noise_ref, rtol=1e-3 if solver == "randomized" else 1e-8)
    Y, Y_sk = ours.transform(X), theirs.transform(X)
    _assert_components_equal(Y.T, Y_sk.T, atol * 100)


@pytest.mark.parametrize("solver", ["full", "covariance", "randomized"])
def test_components_have_largest_loading_positive(solver):
    X = _data(200, 15, seed=3)
    pca = PCA(4, svd_solver=solver, random_state=1).fit(X)
    V = pca.components_
    assert np.all(V[np.arange(4), np.argmax(np.abs(V), axis=1)] > 0)
    # ... so two solvers give the same signs, not just the same directions
    other = PCA(4, svd_solver="full").fit(X).components_
    np.testing.assert_allclose(V, other, atol=1e-5 if solver == "randomized" else 1e-8)


def test_explained_variance_is_the_covariance_spectrum():
    X = _data(500, 8, seed=2)
    pca = PCA().fit(X)
    eig = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
    np.testing.assert_allclose(pca.explained_variance_, eig, rtol=1e-10)
    np.testing.assert_allclose(pca.explained_variance_ratio_.sum(), 1.0, rtol=1e-12)
    assert pca.n_components_ == 8


def test_fraction_keeps_fewest_components_above_it(sklearn):
    from sklearn.decomposition import PCA as SkPCA

    X = _data(400, 12, seed=4)
    for frac in (0.5, 0.9, 0.99):
        ours = PCA(frac).fit(X)
        assert ours.n_components_ == SkPCA(frac).fit(X).n_components_
        cum = np.cumsum(PCA().fit(X).explained_variance_ratio_)
        assert cum[ours.n_components_ - 1] > frac and (ours.n_components_ == 1 or cum[ours.n_components_ - 2] <= frac)


@pytest.mark.parametrize("solver", ["full", "covariance"])
def test_whitened_projections_have_unit_covariance_and_invert(solver):
    X = _data(500, 6, seed=5)
    pca = PCA(6, whiten=True, svd_solver=solver).fit(X)
    Y = pca.transform(X)
    np.testing.assert_allclose(np.cov(Y, rowvar=False), np.eye(6), atol=1e-9)
    np.testing.assert_allclose(pca.inverse_transform(Y), X, atol=1e-9)
    np.testing.assert_allclose(pca.fit_transform(X), Y, atol=1e-9)


def test_float32_stays_float32_and_agrees_with_float64():
    X = _data(2000, 30, seed=6)
    for solver in ("full", "covariance", "randomized"):
        p32 = PCA(3, svd_solver=solver, random_state=0).fit(X.astype(np.float32))
        p64 = PCA(3, svd_solver=solver, random_state=0).fit(X)
        assert p32.components_.dtype == np.float32 and p32.transform(X.astype(np.float32)).dtype == np.float32
        np.testing.assert_allclose(p32.explained_variance_, p64.explained_variance_, rtol=1e-4)


def test_randomized_on_ising_spins_matches_full():
    rng = np.random.default_rng(7)
    m = np.sign(rng.normal(size=(3000, 1)))
    X = np.where(rng.random((3000, 100)) < 0.8, m, -m).astype(np.float32)  # ordered +-1 configurations
    a = PCA(2, svd_solver="randomized", random_state=0).fit(X)
    b = PCA(2, svd_solver="full").fit(X.astype(np.float64))
    # PC1 (the magnetisation) is far above a flat noise spectrum: found to 1e-4; PC2 sits in the
    # flat bulk, where a randomised range finder is only approximate
    np.testing.assert_allclose(a.explained_variance_ratio_[0], b.explained_variance_ratio_[0], rtol=1e-4)
    assert a.explained_variance_ratio_[0] > 0.3


def test_auto_rule():
    # tall: randomized when its (4q+4)(k+10) products per column of X cost less than one SYRK
    assert _auto_solver(64000, 1600, 2) == "randomized"
    assert _auto_solver(64000, 1600, 50) == "covariance"
    assert _auto_solver(20000, 400, 50) == "covariance"
    assert _auto_solver(20000, 300, 2) == "covariance"
    assert _auto_solver(20000, 400, 0.9) == "covariance"
    assert _auto_solver(300, 200, 2) == "full"
    assert _auto_solver(2000, 5000, 10) == "randomized"
    assert _auto_solver(2000, 5000, None) == "full"
    assert _auto_solver(2000, 5000, 1900) == "full"
    assert PCA(2).fit(_data(100, 5)).svd_solver_ == "covariance"


def test_bad_parameters_raise_naming_them():
    X = _data(50, 5)
    with pytest.raises(ValueError, match="svd_solver"):
        PCA(svd_solver="arpack").fit(X)
    with pytest.raises(ValueError, match="n_components"):
        PCA(6).fit(X)
    with pytest.raises(ValueError, match="n_components"):
        PCA(1.5).fit(X)
    with pytest.raises(ValueError, match="randomized"):
        PCA(0.5, svd_solver="randomized").fit(X)
    with pytest.raises(TypeError, match="n_components"):
        PCA("two").fit(X)
    with pytest.raises(ValueError, match="features"):
        PCA(2).fit(X).transform(X[:, :3])
