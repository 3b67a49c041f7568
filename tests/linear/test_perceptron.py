"""The perceptron (S28) and the least-squares classifier (S29): scikit-learn step for step, exact geometry."""

import numpy as np
import pytest

from physml.base import ConvergenceWarning
from physml.linear import LeastSquaresClassifier, Perceptron
from physml.linear import _classification_kernels as K


def _separable(seed, n=200, p=5, n_classes=2):
    """Linearly separable classes; for K > 2 separable one-vs-rest too (bounded blobs at simplex corners)."""
    rng = np.random.default_rng(seed)
    if n_classes == 2:
        X = rng.normal(size=(n, p))
        w = rng.normal(size=p)
        return X, (X @ w + 0.3 > 0).astype(int)
    y = rng.integers(0, n_classes, size=n)
    X = rng.uniform(-1.0, 1.0, size=(n, p)) + 5.0 * np.eye(n_classes, p)[y]
    return X, y


def _sk_perceptron(sklearn, max_iter):
    from sklearn.linear_model import Perceptron as SkPerceptron

    return SkPerceptron(eta0=1.0, alpha=0.0, shuffle=False, tol=None, max_iter=max_iter)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptron_epoch_kernel_equals_reference(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 4))
    t = np.where(rng.random(60) < 0.5, -1.0, 1.0)
    order = rng.permutation(60)
    w1, b1 = np.zeros(4), np.zeros(1)
    w2, b2 = np.zeros(4), np.zeros(1)
    for _ in range(3):
        m1 = K.perceptron_epoch_reference(X, t, order, w1, b1, 0.5)
        m2 = K.perceptron_epoch(X, t, order, w2, b2, 0.5)
        assert m1 == m2
        np.testing.assert_allclose(w2, w1, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(b2, b1, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize(("seed", "n_classes"), [(0, 2), (1, 2), (2, 3), (3, 4)])
def test_perceptron_equals_sklearn_step_for_step_on_separable_data(sklearn, seed, n_classes):
    X, y = _separable(seed, n_classes=n_classes)
    final = Perceptron(shuffle=False).fit(X, y)
    assert final.converged_
    for epochs in range(1, final.n_iter_ + 1):
        with pytest.warns(ConvergenceWarning, match="max_iter") if epochs < final.n_iter_ else _no_warning():
            ours = Perceptron(max_iter=epochs, shuffle=False).fit(X, y)
        theirs = _sk_perceptron(sklearn, epochs).fit(X, y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-12, atol=1e-12)
        assert ours.n_iter_ == theirs.n_iter_ == epochs
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert np.all(final.predict(X) == y)  # converged: every training point on its side


class _no_warning:
    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("error", ConvergenceWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def test_perceptron_on_overlapping_classes_warns_and_still_equals_sklearn(sklearn):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(100, 3))
    y = (X[:, 0] + rng.normal(size=100) > 0).astype(int)
    with pytest.warns(ConvergenceWarning, match="max_iter=20"):
        ours = Perceptron(max_iter=20, shuffle=False).fit(X, y)
    theirs = _sk_perceptron(sklearn, 20).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12)
    assert not ours.converged_ and ours.n_iter_ == 20


def test_perceptron_coef_is_perpendicular_to_its_boundary():
    X, y = _separable(7, p=2)
    clf = Perceptron(random_state=0).fit(X, y)
    theta, b = clf.coef_[0], clf.intercept_[0]
    # two points on the boundary x^T theta + b = 0: their difference is orthogonal to theta
    x_a = -b * theta / (theta @ theta)
    x_b = x_a + np.array([-theta[1], theta[0]])
    np.testing.assert_allclose(clf.decision_function([x_a, x_b]), 0.0, atol=1e-12)
    assert abs(theta @ (x_b - x_a)) < 1e-12


def test_perceptron_eta_scales_the_weights_not_the_boundary():
    X, y = _separable(3)
    a = Perceptron(eta=1.0, shuffle=False).fit(X, y)
    b = Perceptron(eta=0.25, shuffle=False).fit(X, y)
    np.testing.assert_allclose(b.coef_, 0.25 * a.coef_, rtol=1e-12)
    assert a.n_iter_ == b.n_iter_


def test_perceptron_shuffled_converges_reproducibly():
    X, y = _separable(4, n_classes=3)
    a = Perceptron(random_state=3).fit(X, y)
    b = Perceptron(random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.converged_ and np.all(a.predict(X) == y)


@pytest.mark.parametrize(("param", "value", "error"), [
    ("max_iter", 0, ValueError), ("eta", 0.0, ValueError), ("eta", float("nan"), ValueError),
    ("shuffle", "yes", TypeError), ("max_iter", 2.5, TypeError),
])
def test_perceptron_rejects_bad_hyperparameters_naming_them(param, value, error):
    X, y = _separable(0)
    with pytest.raises(error, match=param):
        Perceptron(**{param: value}).fit(X, y)


@pytest.mark.parametrize(("seed", "n_classes", "fit_intercept"), [(0, 2, True), (1, 3, True), (2, 4, False)])
def test_least_squares_classifier_equals_ridge_classifier_alpha_0(sklearn, seed, n_classes, fit_intercept):
    from sklearn.linear_model import RidgeClassifier

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 6)) + 2.0
    y = rng.integers(0, n_classes, size=300) * 10  # labels 0, 10, 20, ...: classes_ are kept, not re-coded
    ours = LeastSquaresClassifier(fit_intercept=fit_intercept).fit(X, y)
    theirs = RidgeClassifier(alpha=0.0, fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X), rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(ours.coef_, np.reshape(theirs.coef_, ours.coef_.shape), rtol=1e-8, atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)


def test_least_squares_classifier_closed_form_in_one_dimension():
    # t = -1, -1, +1, +1 at x = 0, 1, 3, 4: slope sum (x - 2) t / sum (x - 2)^2 = 6 / 10, boundary at x = 2
    clf = LeastSquaresClassifier().fit([[0.0], [1.0], [3.0], [4.0]], [0, 0, 1, 1])
    np.testing.assert_allclose(clf.coef_, [[0.6]], rtol=1e-14)
    np.testing.assert_allclose(clf.intercept_, [-1.2], rtol=1e-14)
