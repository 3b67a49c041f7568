"""Logistic regression (S30-S31): scikit-learn's coefficients, finite-difference gradients, stable probabilities."""

import warnings

import numpy as np
import pytest

from physml.base import ConvergenceWarning
from physml.linear import LogisticRegression
from physml.linear import _classification_kernels as K
from physml.linear.logistic import _CrossEntropy
from physml.optim import numerical_gradient, numerical_hessian


def _standardised(sklearn, name):
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _problem(seed, n=80, p=4, n_classes=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = np.argmax(X @ rng.normal(size=(p, n_classes)) + rng.normal(size=(n, n_classes)), axis=1)
    return X, y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", [0, 1])
def test_fused_cost_kernel_equals_reference(seed, dtype):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(700, 9)).astype(dtype)  # several row blocks of the parallel loop
    y = (rng.random(700) < 0.4).astype(np.float64)
    w = rng.normal(size=9)
    g_ref, g = np.empty(10), np.empty(10)
    f_ref = K.logistic_cost_grad_reference(X, y, w, 0.3, g_ref)
    f = K.logistic_cost_grad(X, y, w, 0.3, g, K.logistic_work(700, 9))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(f, f_ref, rtol=rtol)
    np.testing.assert_allclose(g, g_ref, rtol=rtol, atol=rtol)


@pytest.mark.parametrize(("n_classes", "fit_intercept", "l2"), [(2, True, 1.0), (2, False, 0.0), (3, True, 0.5),
                                                                 (4, False, 2.0)])
def test_gradient_equals_central_differences(n_classes, fit_intercept, l2):
    X, y = _problem(3, n_classes=n_classes)
    cost = _CrossEntropy(X, y, n_classes, l2, fit_intercept)
    theta = np.random.default_rng(0).normal(size=cost.k * cost.d)
    g = cost(theta)[1]
    g_fd = numerical_gradient(cost.cost, theta)
    assert np.linalg.norm(g - g_fd) / np.linalg.norm(g_fd) < 1e-6


@pytest.mark.parametrize(("n_classes", "fit_intercept"), [(2, True), (3, True), (3, False)])
def test_hessian_equals_differences_of_the_gradient_off_the_gauge_directions(n_classes, fit_intercept):
    X, y = _problem(4, n_classes=n_classes)
    cost = _CrossEntropy(X, y, n_classes, 1.0, fit_intercept)
    theta = np.random.default_rng(1).normal(size=cost.k * cost.d)
    H = cost.hessian(theta)
    H_fd = numerical_hessian(cost.gradient, theta)
    if n_classes > 2:  # the documented gauge projector (1/n) sum_j u_j u_j^T is added on purpose
        idx = np.arange(cost.k * cost.d)
        H_fd = H_fd + ((idx[:, None] % cost.d) == (idx[None, :] % cost.d)) / (cost.k * cost.n)
    np.testing.assert_allclose(H, H_fd, rtol=1e-6, atol=1e-7)
    assert np.linalg.eigvalsh(H)[0] > 0


@pytest.mark.parametrize("name", ["breast_cancer", "wine", "iris"])
def test_defaults_equal_sklearn_defaults(sklearn, name):
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X, y = _standardised(sklearn, name)
    ours = LogisticRegression().fit(X, y)
    theirs = SkLogisticRegression().fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-4, atol=1e-4 * np.abs(theirs.coef_).max())
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)


@pytest.mark.parametrize("name", ["breast_cancer", "wine"])
@pytest.mark.parametrize("C", [0.05, 10.0])
def test_tight_fits_reach_sklearns_minimum(sklearn, name, C):
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X, y = _standardised(sklearn, name)
    theirs = SkLogisticRegression(C=C, solver="newton-cholesky", tol=1e-10, max_iter=100).fit(X, y)
    newton = LogisticRegression(C=C, solver="newton", tol=1e-10).fit(X, y)
    scale = np.abs(theirs.coef_).max()
    np.testing.assert_allclose(newton.coef_, theirs.coef_, rtol=1e-8, atol=1e-8 * scale)
    assert newton.n_iter_ <= 15  # quadratic convergence
    # L-BFGS stops on its relative cost decrease (ftol = 64 eps, as scikit-learn's) before gtol = 1e-10
    lbfgs = LogisticRegression(C=C, tol=1e-10, max_iter=5000).fit(X, y)
    sk_lbfgs = SkLogisticRegression(C=C, tol=1e-10, max_iter=5000).fit(X, y)
    cost = _CrossEntropy(X, np.searchsorted(theirs.classes_, y), len(theirs.classes_), 1.0 / C, True)
    f_min = cost.cost(np.column_stack([theirs.coef_, theirs.intercept_]).ravel())
    for model in (lbfgs, sk_lbfgs):
        f = cost.cost(np.column_stack([model.coef_, model.intercept_]).ravel())
        assert 0 <= f - f_min < 1e-10 * f_min
    np.testing.assert_allclose(lbfgs.coef_, sk_lbfgs.coef_, rtol=1e-4, atol=1e-4 * scale)


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_newton_equals_sklearn_newton_cholesky(sklearn, name):
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X, y = _standardised(sklearn, name)
    ours = LogisticRegression(solver="newton", tol=1e-10).fit(X, y)
    theirs = SkLogisticRegression(solver="newton-cholesky", tol=1e-10).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-8, atol=1e-10)
    assert ours.n_iter_ <= 12  # quadratic convergence


def test_softmax_intercepts_and_weights_sum_to_zero_over_classes(sklearn):
    X, y = _standardised(sklearn, "iris")
    for solver in ("lbfgs", "newton"):
        clf = LogisticRegression(solver=solver, tol=1e-8).fit(X, y)
        np.testing.assert_allclose(clf.coef_.sum(axis=0), 0.0, atol=1e-9)
        np.testing.assert_allclose(clf.intercept_.sum(), 0.0, atol=1e-9)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_minibatch_solvers_reach_the_lbfgs_minimum(sklearn, solver):
    X, y = _standardised(sklearn, "breast_cancer")
    exact = LogisticRegression(tol=1e-10, max_iter=1000).fit(X, y)
    lr = 0.05 if solver == "sgd" else 0.01
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = LogisticRegression(solver=solver, max_iter=300, tol=1e-7, batch_size=32, learning_rate=lr,
                                 random_state=0).fit(X, y)
    cost = _CrossEntropy(X, np.searchsorted(exact.classes_, y), 2, 1.0, True)
    f_exact = cost.cost(np.r_[exact.coef_[0], exact.intercept_])
    f = cost.cost(np.r_[clf.coef_[0], clf.intercept_])
    assert 0 <= f - f_exact < 0.02 * f_exact  # constant-rate SGD hovers at a noise floor ~ lr above the minimum
    assert np.mean(clf.predict(X) == exact.predict(X)) > 0.98


def test_penalty_none_equals_sklearn_without_penalty(sklearn):
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 3))
    y = (X @ [1.0, -2.0, 0.5] + rng.logistic(size=400) > 0).astype(int)  # overlapping: a finite minimum
    ours = LogisticRegression(penalty=None, tol=1e-10, max_iter=1000).fit(X, y)
    theirs = SkLogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6)
    newton = LogisticRegression(penalty=None, solver="newton", tol=1e-12).fit(X, y)
    np.testing.assert_allclose(newton.coef_, theirs.coef_, rtol=1e-6)


def test_predict_proba_is_stable_at_scores_of_1e4():
    clf = LogisticRegression().fit([[-1.0], [1.0]], [0, 1])
    clf.coef_ = np.array([[1.0]])
    clf.intercept_ = np.array([0.0])
    X = np.array([[-1e4], [-30.0], [0.0], [30.0], [1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = clf.predict_proba(X)
        logP = clf.predict_log_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(P[[0, -1]], [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(logP[[0, -1]], [[0.0, -1e4], [-1e4, 0.0]], rtol=1e-15)
    np.testing.assert_allclose(P[3, 0], np.exp(-30.0) / (1 + np.exp(-30.0)), rtol=1e-14)


def test_softmax_proba_is_stable_at_scores_of_1e4():
    clf = LogisticRegression().fit(np.eye(3), [0, 1, 2])
    clf.coef_, clf.intercept_ = 1e4 * np.eye(3), np.zeros(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = clf.predict_proba(np.eye(3))
        logP = clf.predict_log_proba(np.eye(3))
    np.testing.assert_array_equal(P, np.eye(3))
    np.testing.assert_allclose(np.diag(logP), 0.0)
    assert np.all(np.isfinite(logP)) and logP[0, 1] == -1e4


def test_fit_on_scores_of_1e4_gives_finite_cost_without_warnings():
    X = np.array([[-1e4], [-5e3], [5e3], [1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = LogisticRegression(penalty=None, max_iter=20).fit(X, [0, 0, 1, 1])
    assert np.all(clf.predict(X) == [0, 0, 1, 1])


@pytest.mark.parametrize("solver", ["lbfgs", "newton", "sgd"])
def test_non_convergence_warns_and_names_max_iter(sklearn, solver):
    X, y = _standardised(sklearn, "breast_cancer")
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        clf = LogisticRegression(solver=solver, max_iter=2, tol=1e-12, random_state=0).fit(X, y)
    assert clf.n_iter_ == 2 and not clf.converged_


def test_float32_input_gives_the_float64_coefficients(sklearn):
    X, y = _standardised(sklearn, "breast_cancer")
    a = LogisticRegression(tol=1e-8, max_iter=500).fit(X.astype(np.float32), y)
    b = LogisticRegression(tol=1e-8, max_iter=500).fit(X.astype(np.float32).astype(np.float64), y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("param", "value", "error"), [
    ("C", 0.0, ValueError), ("C", float("inf"), ValueError), ("penalty", "l1", ValueError),
    ("solver", "liblinear", ValueError), ("max_iter", 0, ValueError), ("tol", -1.0, ValueError),
    ("fit_intercept", 1, TypeError), ("batch_size", 0, ValueError), ("learning_rate", 0.0, ValueError),
])
def test_bad_hyperparameters_are_rejected_naming_them(param, value, error):
    X, y = _problem(0)
    with pytest.raises(error, match=param):
        LogisticRegression(**{param: value}).fit(X, y)


def test_string_labels_are_kept():
    X, y = _problem(1, n_classes=3)
    labels = np.array(["down", "strange", "up"])[y]
    clf = LogisticRegression().fit(X, labels)
    assert set(clf.predict(X)) <= set(labels) and list(clf.classes_) == ["down", "strange", "up"]
    assert clf.score(X, labels) == np.mean(clf.predict(X) == labels)


def test_fused_kernel_path_gives_sklearns_coefficients(sklearn, monkeypatch):
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    import physml.linear.logistic as logistic

    monkeypatch.setattr(logistic, "_FUSED_MIN_SIZE", 0)  # the one-pass kernel, as on large X
    X, y = _standardised(sklearn, "breast_cancer")
    ours = LogisticRegression().fit(X, y)
    theirs = SkLogisticRegression().fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-4, atol=1e-4 * np.abs(theirs.coef_).max())


def test_int8_spins_give_the_float64_coefficients(monkeypatch):
    import physml.linear.logistic as logistic

    monkeypatch.setattr(logistic, "_FUSED_MIN_SIZE", 0)
    rng = np.random.default_rng(6)
    S = np.where(rng.random((300, 40)) < 0.5, -1, 1).astype(np.int8)
    y = (S[:, :5].sum(axis=1) + rng.normal(size=300) > 0).astype(int)
    a = LogisticRegression(tol=1e-8, max_iter=500).fit(S, y)
    b = LogisticRegression(tol=1e-8, max_iter=500).fit(S.astype(np.float64), y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-9)
