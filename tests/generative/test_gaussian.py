"""The Gaussian generative classifier (S34): LDA, QDA and Gaussian naive Bayes to 1e-8, Bayes' theorem, sampling."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from physml.generative import GaussianGenerativeClassifier


def _data(sklearn, name):
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")(return_X_y=True)


def _peer(sklearn, covariance):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
    from sklearn.naive_bayes import GaussianNB

    return {"shared": LinearDiscriminantAnalysis(solver="lsqr"), "full": QuadraticDiscriminantAnalysis(),
            "diagonal": GaussianNB()}[covariance]


# breast_cancer's per-class covariances are numerically rank deficient: QDA refuses them
@pytest.mark.parametrize(("name", "covariance"), [(name, cov) for name in ("iris", "wine", "breast_cancer")
                                                  for cov in ("shared", "full", "diagonal")
                                                  if (name, cov) != ("breast_cancer", "full")])
def test_posterior_equals_sklearn_discriminant_analysis_and_naive_bayes(sklearn, name, covariance):
    X, y = _data(sklearn, name)
    # LDA and QDA use the bare ML covariances; GaussianNB adds 1e-9 max Var(x_j), as our default does
    ours = GaussianGenerativeClassifier(covariance, var_smoothing=1e-9 if covariance == "diagonal" else 0.0)
    ours.fit(X, y)
    theirs = _peer(sklearn, covariance).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-8, atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.means_, getattr(theirs, "means_", getattr(theirs, "theta_", None)), rtol=1e-12)
    if covariance == "diagonal":
        np.testing.assert_allclose(ours.covariances_, theirs.var_, rtol=1e-10)
        assert ours.epsilon_ == pytest.approx(theirs.epsilon_, rel=1e-12)


def test_shared_covariance_equals_lda_covariance(sklearn):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    X, y = _data(sklearn, "wine")
    ours = GaussianGenerativeClassifier("shared", var_smoothing=0.0).fit(X, y)
    theirs = LinearDiscriminantAnalysis(solver="lsqr", store_covariance=True).fit(X, y)
    np.testing.assert_allclose(ours.covariances_, theirs.covariance_, rtol=1e-10)


def test_two_classes_posterior_is_sigmoid_of_the_log_ratio():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0.0, 1.0, (50, 2)), rng.normal(1.5, 0.7, (30, 2))]
    y = np.r_[np.zeros(50), np.ones(30)]
    clf = GaussianGenerativeClassifier("full", var_smoothing=0.0).fit(X, y)
    x = rng.normal(size=(20, 2))
    # a = ln p(x|C1) p(C1) / p(x|C0) p(C0), computed with SciPy's densities
    log_joint = [multivariate_normal(clf.means_[k], clf.covariances_[k]).logpdf(x) + np.log(clf.priors_[k])
                 for k in range(2)]
    a = log_joint[1] - log_joint[0]
    np.testing.assert_allclose(clf.predict_proba(x)[:, 1], 1 / (1 + np.exp(-a)), rtol=1e-12)
    np.testing.assert_allclose(clf.score_samples(x), np.logaddexp(*log_joint), rtol=1e-12)


@pytest.mark.parametrize("covariance", ["shared", "full", "diagonal"])
def test_score_samples_is_the_log_of_the_mixture_density(covariance):
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(0, 1, (40, 3)), rng.normal(2, 0.5, (60, 3)), rng.normal(-2, 1.5, (50, 3))]
    y = np.repeat([0, 1, 2], [40, 60, 50])
    clf = GaussianGenerativeClassifier(covariance, var_smoothing=0.0).fit(X, y)
    cov = {"shared": lambda k: clf.covariances_, "full": lambda k: clf.covariances_[k],
           "diagonal": lambda k: np.diag(clf.covariances_[k])}[covariance]
    x = rng.normal(size=(10, 3))
    density = sum(clf.priors_[k] * multivariate_normal(clf.means_[k], cov(k)).pdf(x) for k in range(3))
    np.testing.assert_allclose(clf.score_samples(x), np.log(density), rtol=1e-12)
    np.testing.assert_allclose(clf.priors_, [40 / 150, 60 / 150, 50 / 150])


def test_outliers_have_low_density():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(500, 2))
    y = (X[:, 0] > 0).astype(int)
    clf = GaussianGenerativeClassifier("full").fit(X, y)
    assert clf.score_samples([[8.0, 8.0]])[0] < clf.score_samples(X).min()


@pytest.mark.parametrize("covariance", ["shared", "full", "diagonal"])
def test_samples_reproduce_the_fitted_means_and_covariances_within_4_standard_errors(covariance):
    rng = np.random.default_rng(3)
    A = np.array([[1.0, 0.6], [0.0, 0.5]])
    X = np.r_[rng.normal(size=(300, 2)) @ A, rng.normal(size=(200, 2)) @ A.T + 3.0]
    clf = GaussianGenerativeClassifier(covariance).fit(X, np.repeat(["a", "b"], [300, 200]))
    n = 100_000
    Xs, ys = clf.sample(n, random_state=4)
    assert Xs.shape == (n, 2) and set(ys) == {"a", "b"}
    # class frequencies: binomial standard error
    f = np.mean(ys == "a")
    assert abs(f - clf.priors_[0]) < 4 * np.sqrt(clf.priors_[0] * (1 - clf.priors_[0]) / n)
    for k, label in enumerate(clf.classes_):
        Xk = Xs[ys == label]
        S = {"shared": clf.covariances_, "full": clf.covariances_[k] if covariance == "full" else None,
             "diagonal": np.diag(clf.covariances_[k])}[covariance]
        m = len(Xk)
        # mean: se = sqrt(S_jj / m); covariance entry (i, j): se = sqrt((S_ii S_jj + S_ij^2) / m)
        assert np.all(np.abs(Xk.mean(axis=0) - clf.means_[k]) < 4 * np.sqrt(np.diag(S) / m))
        se = np.sqrt((np.outer(np.diag(S), np.diag(S)) + S**2) / m)
        assert np.all(np.abs(np.cov(Xk.T) - S) < 4 * se)


def test_sampling_is_reproducible():
    X = np.random.default_rng(0).normal(size=(50, 3))
    clf = GaussianGenerativeClassifier().fit(X, np.arange(50) % 2)
    a, ya = clf.sample(7, random_state=11)
    b, yb = clf.sample(7, random_state=11)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)


def test_shared_covariance_gives_a_linear_boundary():
    rng = np.random.default_rng(5)
    X = np.r_[rng.normal(0, 1, (100, 2)), rng.normal(2, 1, (100, 2))]
    clf = GaussianGenerativeClassifier("shared").fit(X, np.repeat([0, 1], 100))
    # the log-odds a(x) is affine: a(x) - a(0) is linear, so second differences vanish
    x0, d = np.array([0.3, -0.2]), np.array([0.7, 1.1])
    a = np.diff(clf.joint_log_likelihood([x0, x0 + d, x0 + 2 * d]), axis=1)[:, 0]
    assert abs(a[2] - 2 * a[1] + a[0]) < 1e-10


def test_singular_covariance_is_refused_with_the_fix():
    X = np.c_[np.arange(10.0), np.ones(10)]
    with pytest.raises(ValueError, match="var_smoothing"):
        GaussianGenerativeClassifier("full", var_smoothing=0.0).fit(X, np.arange(10) % 2)
    GaussianGenerativeClassifier("full").fit(X, np.arange(10) % 2)  # the default smoothing copes


@pytest.mark.parametrize(("param", "value", "error"), [
    ("covariance", "spherical", ValueError), ("var_smoothing", -1.0, ValueError), ("var_smoothing", "x", TypeError),
])
def test_bad_hyperparameters_are_rejected_naming_them(param, value, error):
    with pytest.raises(error, match=param):
        GaussianGenerativeClassifier(**{param: value}).fit([[0.0], [1.0]], [0, 1])
