"""LinearRegression, Ridge and PolynomialRegression (S2, S4) against closed forms, NumPy and scikit-learn."""

import warnings

import numpy as np
import pytest

from physml.base import NotFittedError, clone
from physml.datasets import noisy_law
from physml.datasets.laws import LAW_COEFFICIENTS
from physml.linear import LinearRegression, PolynomialRegression, Ridge
from physml.linear import _solvers
from physml.linear import regression as reg


def _scaled_vander(x, degree):
    t = (2 * x - x.max() - x.min()) / (x.max() - x.min())
    return np.vander(t, degree + 1, increasing=True)


# ---------------------------------------------------------------------------
# LinearRegression (S2)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_regression_matches_degree_one_closed_form(seed):
    x, y = noisy_law("linear", n=40, sigma=0.3, random_state=seed)
    theta_1 = (np.mean(x * y) - x.mean() * y.mean()) / (np.mean(x**2) - x.mean() ** 2)
    theta_0 = y.mean() - theta_1 * x.mean()
    model = LinearRegression().fit(x[:, None], y)
    assert model.coef_.shape == (1,)
    assert model.coef_[0] == pytest.approx(theta_1, rel=1e-12, abs=1e-12)
    assert model.intercept_ == pytest.approx(theta_0, rel=1e-12, abs=1e-12)
    assert model.solver_ == "tsqr"


def test_linear_regression_matches_sklearn_closed_form(sklearn):
    from sklearn.linear_model import LinearRegression as SkLinearRegression

    x, y = noisy_law("linear", n=60, sigma=0.3, random_state=4)
    ours = LinearRegression().fit(x[:, None], y)
    theirs = SkLinearRegression().fit(x[:, None], y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_outputs", [0, 1, 3])
def test_linear_regression_matches_sklearn_multivariate(sklearn, rng, fit_intercept, n_outputs):
    from sklearn.linear_model import LinearRegression as SkLinearRegression

    X = rng.normal(size=(80, 5)) + 3.0
    shape = (80,) if n_outputs == 0 else (80, n_outputs)
    y = rng.normal(size=shape) + 2.0
    ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    theirs = SkLinearRegression(fit_intercept=fit_intercept).fit(X, y)
    assert ours.coef_.shape == theirs.coef_.shape
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10, atol=1e-12)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), rel=1e-10)


def test_linear_regression_rank_deficient_gives_minimum_norm(sklearn, rng):
    from sklearn.linear_model import LinearRegression as SkLinearRegression

    X = rng.normal(size=(30, 3))
    X = np.column_stack([X, X[:, 0]])  # duplicated column: rank 3 of 4
    y = rng.normal(size=30)
    ours = LinearRegression().fit(X, y)
    theirs = SkLinearRegression().fit(X, y)
    assert ours.rank_ == 3
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=1e-12)
    assert ours.coef_[0] == pytest.approx(ours.coef_[3], rel=1e-12)


def test_linear_regression_through_origin_closed_form(rng):
    x = rng.uniform(size=25)
    y = 2 * x + rng.normal(scale=0.1, size=25)
    model = LinearRegression(fit_intercept=False).fit(x[:, None], y)
    # theta = <xy> / <x^2> without an intercept
    assert model.coef_[0] == pytest.approx(np.dot(x, y) / np.dot(x, x), rel=1e-12)
    assert model.intercept_ == 0.0


def test_tsqr_blocks_equal_one_qr(monkeypatch, rng):
    X = rng.normal(size=(5000, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + rng.normal(size=5000)
    whole = LinearRegression().fit(X, y)
    monkeypatch.setattr(_solvers, "_BLOCK_BYTES", 8 * 5 * 300)  # 300-row blocks: 17 of them
    assert _solvers._block_rows(5) == 300
    blocked = LinearRegression().fit(X, y)
    np.testing.assert_allclose(blocked.coef_, whole.coef_, rtol=1e-12)
    np.testing.assert_allclose(blocked.intercept_, whole.intercept_, rtol=1e-12)
    monkeypatch.setattr(_solvers, "_MAX_STACK", 3)  # reduce the stacked R factors every 3 blocks
    stacked = LinearRegression().fit(X, y)
    np.testing.assert_allclose(stacked.coef_, whole.coef_, rtol=1e-12)
    # and the blocked R reproduces A^T A
    R = _solvers._tsqr_r(lambda s, e: np.asfortranarray(X[s:e]), len(X), 4)
    np.testing.assert_allclose(R.T @ R, X.T @ X, rtol=1e-11)


# ---------------------------------------------------------------------------
# Ridge (S4)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["cholesky", "tsqr"])
@pytest.mark.parametrize("alpha", [1e-3, 0.1, 1.0, 10.0, 1e3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_outputs", [0, 2])
def test_ridge_matches_sklearn(sklearn, rng, alpha, fit_intercept, n_outputs, solver):
    from sklearn.linear_model import Ridge as SkRidge

    X = rng.normal(size=(120, 6)) + 1.5
    shape = (120,) if n_outputs == 0 else (120, n_outputs)
    y = rng.normal(size=shape) + X[:, :1] * (1.0 if n_outputs else 0.0) - 4.0
    ours = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver=solver).fit(X, y)
    theirs = SkRidge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    assert ours.solver_ == solver
    assert ours.coef_.shape == theirs.coef_.shape
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-8, atol=1e-10)


def test_ridge_matches_closed_form_on_centred_data(rng):
    X = rng.normal(size=(50, 4))
    y = rng.normal(size=50)
    alpha = 2.5
    Xc, yc = X - X.mean(0), y - y.mean()
    theta = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(4), Xc.T @ yc)
    model = Ridge(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(model.coef_, theta, rtol=1e-12)
    assert model.intercept_ == pytest.approx(y.mean() - X.mean(0) @ theta, rel=1e-12)


def test_ridge_intercept_is_not_penalised(rng):
    X = rng.normal(size=(40, 3))
    y = rng.normal(size=40)
    a = Ridge(alpha=5.0).fit(X, y)
    b = Ridge(alpha=5.0).fit(X, y + 100.0)
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-12)
    assert b.intercept_ == pytest.approx(a.intercept_ + 100.0, rel=1e-13)


def test_ridge_shrinks_towards_zero_and_alpha_zero_is_least_squares(rng):
    X = rng.normal(size=(60, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + rng.normal(scale=0.1, size=60)
    norms = [np.linalg.norm(Ridge(alpha=a).fit(X, y).coef_) for a in (0.0, 1.0, 10.0, 100.0, 1e4)]
    assert all(n1 > n2 for n1, n2 in zip(norms, norms[1:]))
    np.testing.assert_allclose(Ridge(alpha=0.0).fit(X, y).coef_, LinearRegression().fit(X, y).coef_, rtol=1e-12)


# ---------------------------------------------------------------------------
# PolynomialRegression (S2, S4)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("law", ["linear", "poly10"])
@pytest.mark.parametrize("seed", [0, 7])
def test_degree_ten_fit_equals_numpy_polyfit(law, seed):
    x, y = noisy_law(law, n=300, sigma=0.2, random_state=seed)
    model = PolynomialRegression(degree=10).fit(x, y)
    theta_np = np.polyfit(x, y, 10)[::-1]
    scale = np.max(np.abs(theta_np))
    np.testing.assert_allclose(model.coef_, theta_np, rtol=0, atol=1e-8 * scale)
    x_test = np.linspace(0, 1, 101)
    np.testing.assert_allclose(model.predict(x_test), np.polyval(theta_np[::-1], x_test), rtol=1e-8, atol=1e-10)


def test_noise_free_law_coefficients_recovered():
    x, y = noisy_law("poly10", n=200, sigma=0.0, random_state=1)
    model = PolynomialRegression(degree=10).fit(x, y)
    np.testing.assert_allclose(model.coef_, LAW_COEFFICIENTS["poly10"], rtol=0, atol=1e-8)
    assert model.rank_ == 11


def test_monomial_coefficients_reproduce_scaled_prediction(rng):
    x = rng.uniform(-3, 5, size=80)
    y = np.sin(x) + rng.normal(scale=0.1, size=80)
    model = PolynomialRegression(degree=6).fit(x, y)
    x_test = np.linspace(-3, 5, 50)
    a, b = model.x_scale_
    np.testing.assert_allclose(a * x.min() + b, -1.0, atol=1e-15)
    np.testing.assert_allclose(a * x.max() + b, 1.0, atol=1e-15)
    # Horner in t versus the expansion in powers of x
    np.testing.assert_allclose(
        model.predict(x_test), np.polynomial.polynomial.polyval(x_test, model.coef_), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(
        model.predict(x_test), np.polynomial.polynomial.polyval(a * x_test + b, model.scaled_coef_), rtol=1e-13
    )


@pytest.mark.parametrize("alpha", [1e-4, 0.1, 3.0])
def test_polynomial_ridge_equals_closed_form_on_scaled_vandermonde(rng, alpha):
    x = rng.uniform(size=70)
    y = 2 * x + rng.normal(scale=0.3, size=70)
    V = _scaled_vander(x, 8)
    D = np.diag([0.0] + [1.0] * 8)  # the constant term is not penalised
    c = np.linalg.solve(V.T @ V + alpha * D, V.T @ y)
    model = PolynomialRegression(degree=8, alpha=alpha).fit(x, y)
    np.testing.assert_allclose(model.scaled_coef_, c, rtol=1e-8, atol=1e-10)


def test_polynomial_ridge_equals_sklearn_ridge_on_scaled_powers(sklearn, rng):
    from sklearn.linear_model import Ridge as SkRidge

    x = rng.uniform(size=90)
    y = np.cos(3 * x) + rng.normal(scale=0.2, size=90)
    V = _scaled_vander(x, 7)
    theirs = SkRidge(alpha=0.5).fit(V[:, 1:], y)
    ours = PolynomialRegression(degree=7, alpha=0.5).fit(x[:, None], y)
    np.testing.assert_allclose(ours.scaled_coef_[1:], theirs.coef_, rtol=1e-8, atol=1e-10)
    assert ours.scaled_coef_[0] == pytest.approx(theirs.intercept_, rel=1e-8)


def test_polynomial_matches_sklearn_pipeline(sklearn):
    from sklearn.linear_model import LinearRegression as SkLinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    x, y = noisy_law("poly10", n=500, sigma=0.5, random_state=2)
    ours = PolynomialRegression(degree=5).fit(x, y)
    theirs = make_pipeline(PolynomialFeatures(5), SkLinearRegression()).fit(x[:, None], y)
    x_test = np.linspace(0, 1, 33)[:, None]
    np.testing.assert_allclose(ours.predict(x_test), theirs.predict(x_test), rtol=1e-9, atol=1e-10)
    assert ours.score(x, y) == pytest.approx(theirs.score(x[:, None], y), rel=1e-10)


def test_degree_zero_is_the_mean_and_one_point_is_a_constant(rng):
    x = rng.uniform(size=20)
    y = rng.normal(size=20)
    np.testing.assert_allclose(PolynomialRegression(degree=0).fit(x, y).predict([0.3, 2.0]), y.mean(), rtol=1e-13)
    model = PolynomialRegression(degree=3).fit([0.5, 0.5, 0.5], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(model.predict([0.5, 7.0]), 2.0, rtol=1e-13)
    assert model.rank_ == 1


def test_polynomial_accepts_column_and_flat_x(rng):
    x = rng.uniform(size=30)
    y = x**2
    a = PolynomialRegression(degree=2).fit(x, y)
    b = PolynomialRegression(degree=2).fit(x[:, None], y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.predict(x), b.predict(x[:, None]))
    assert a.n_features_in_ == 1


def test_polynomial_blocked_fit_equals_one_block(monkeypatch, rng):
    x = rng.uniform(size=4000)
    y = np.exp(x) + rng.normal(scale=0.01, size=4000)
    whole = PolynomialRegression(degree=6, alpha=0.01).fit(x, y)
    monkeypatch.setattr(_solvers, "_BLOCK_BYTES", 8 * 8 * 256)
    blocked = PolynomialRegression(degree=6, alpha=0.01).fit(x, y)
    np.testing.assert_allclose(blocked.scaled_coef_, whole.scaled_coef_, rtol=1e-11, atol=1e-13)


# ---------------------------------------------------------------------------
# Contract and bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("Model", [LinearRegression, Ridge, PolynomialRegression])
def test_predict_before_fit_raises(Model):
    with pytest.raises(NotFittedError):
        Model().predict([[0.0]])


@pytest.mark.parametrize(
    "model, exc, match",
    [
        (Ridge(alpha=-1.0), ValueError, "alpha must be >= 0"),
        (Ridge(alpha=float("nan")), ValueError, "alpha"),
        (Ridge(alpha="strong"), TypeError, "alpha"),
        (Ridge(fit_intercept="yes"), TypeError, "fit_intercept"),
        (LinearRegression(fit_intercept=1), TypeError, "fit_intercept"),
        (PolynomialRegression(degree=-1), ValueError, "degree must be >= 0"),
        (PolynomialRegression(degree=2.5), TypeError, "degree"),
        (PolynomialRegression(alpha=-0.5), ValueError, "alpha must be >= 0"),
        (PolynomialRegression(alpha=float("inf")), ValueError, "alpha must be finite"),
    ],
)
def test_bad_hyperparameters_are_named(model, exc, match):
    with pytest.raises(exc, match=match):
        model.fit(np.arange(5.0)[:, None], np.arange(5.0))


def test_polynomial_rejects_several_features():
    with pytest.raises(ValueError, match="X has 2 features"):
        PolynomialRegression().fit(np.ones((5, 2)), np.arange(5.0))
    model = PolynomialRegression(degree=1).fit(np.arange(5.0), np.arange(5.0))
    with pytest.raises(ValueError, match="X has 2 features"):
        model.predict(np.ones((3, 2)))


@pytest.mark.parametrize("Model", [LinearRegression, Ridge, PolynomialRegression])
def test_bad_data_is_named(Model):
    with pytest.raises(ValueError, match="NaN"):
        Model().fit([[0.0], [np.nan], [1.0]], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Model().fit([[0.0], [1.0], [2.0]], [0.0, 1.0])
    with pytest.raises(ValueError, match="y is None"):
        Model().fit([[0.0], [1.0]], None)
    with pytest.raises(TypeError, match="numbers"):
        Model().fit([["a"], ["b"]], [0.0, 1.0])


def test_polynomial_rejects_multioutput_y():
    with pytest.raises(ValueError, match="1d array"):
        PolynomialRegression().fit(np.arange(6.0), np.ones((6, 2)))


def test_wrong_number_of_features_at_predict(rng):
    model = Ridge().fit(rng.normal(size=(10, 3)), rng.normal(size=10))
    with pytest.raises(ValueError, match="X has 2 features, but Ridge is expecting 3"):
        model.predict(rng.normal(size=(4, 2)))


def test_clone_and_params_roundtrip(sklearn):
    from sklearn.base import clone as sk_clone

    model = PolynomialRegression(degree=5, alpha=0.1)
    assert model.get_params() == {"degree": 5, "alpha": 0.1}
    assert sk_clone(model).get_params() == model.get_params()
    assert clone(Ridge(alpha=3.0)).alpha == 3.0
    assert repr(Ridge(alpha=3.0)) == "Ridge(alpha=3.0)"


# The one-feature version of scikit-learn's generic checks that PolynomialRegression
# cannot take (they feed several features; see _check_estimator_expected_failed).


def test_polynomial_contract_on_one_feature(rng):
    x = rng.uniform(-1, 2, size=40)
    y = x**3 - x + rng.normal(scale=0.05, size=40)
    x_ro = x.copy()
    x_ro.setflags(write=False)
    model = PolynomialRegression(degree=4, alpha=0.01)
    params = model.get_params()
    assert model.fit(x_ro, y) is model  # fit returns self; read-only input is fine
    assert model.get_params() == params  # parameters untouched by fit
    first = model.predict(x).copy()
    np.testing.assert_array_equal(model.fit(x, y).predict(x), first)  # idempotent
    perm = rng.permutation(40)
    np.testing.assert_allclose(model.predict(x[perm]), first[perm], rtol=1e-14)  # sample order
    np.testing.assert_allclose(model.predict(x[:7]), first[:7], rtol=1e-14)  # subsets
    # a permuted training set gives the same polynomial
    np.testing.assert_allclose(PolynomialRegression(degree=4, alpha=0.01).fit(x[perm], y[perm]).coef_,
                               model.coef_, rtol=1e-10, atol=1e-12)
    # integer x is converted, a single sample fits a constant
    xi = np.arange(10)
    np.testing.assert_allclose(PolynomialRegression(degree=1).fit(xi, 3 * xi + 1).coef_, [1.0, 3.0], rtol=1e-12)
    np.testing.assert_allclose(PolynomialRegression(degree=2).fit([1.5], [4.0]).predict([0.0, 9.0]), 4.0)
    with pytest.raises(ValueError, match="inf"):
        model.predict([0.0, np.inf])


def test_polynomial_in_pipeline_and_cross_validation(sklearn):
    from sklearn.model_selection import cross_val_score as sk_cross_val_score

    from physml.model_selection import KFold, cross_val_score

    x, y = noisy_law("linear", n=60, sigma=0.2, random_state=5)
    ours = cross_val_score(PolynomialRegression(degree=2), x[:, None], y, cv=KFold(5))
    theirs = sk_cross_val_score(PolynomialRegression(degree=2), x[:, None], y, cv=5)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("model", [LinearRegression(), Ridge(alpha=0.3), PolynomialRegression(degree=7, alpha=1e-3)])
def test_save_load_round_trip_is_exact(tmp_path, rng, model):
    from physml import io

    x = rng.uniform(size=(50, 1))
    y = np.sin(4 * x[:, 0]) + rng.normal(scale=0.1, size=50)
    model.fit(x, y)
    io.save(model, tmp_path / "model.npz")
    loaded = io.load(tmp_path / "model.npz")
    assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


@pytest.mark.parametrize("Model, kwargs", [("Ridge", {"alpha": 0.7}), ("LinearRegression", {})])
def test_more_features_than_samples_matches_sklearn(sklearn, rng, Model, kwargs):
    import sklearn.linear_model as sk_linear

    import physml.linear as ours_linear

    X = rng.normal(size=(12, 30))
    y = rng.normal(size=12)
    ours = getattr(ours_linear, Model)(**kwargs).fit(X, y)
    theirs = getattr(sk_linear, Model)(**kwargs).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-8, atol=1e-12)


def test_overflowing_monomial_coefficients_warn_and_predict_still_works():
    # t = 2000 x - 1 on [0, 1e-3]: the coefficients of x^j grow like 2000^j and overflow near j = 93
    x = np.linspace(0, 1e-3, 200)
    y = np.sin(5000 * x)
    with pytest.warns(RuntimeWarning, match="coef_ .* overflows at degree 100"):
        model = PolynomialRegression(degree=100).fit(x, y)
    assert not np.isfinite(model.coef_).all()
    np.testing.assert_allclose(model.predict(x), y, atol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PolynomialRegression(degree=10).fit(x, y)  # finite coefficients: no warning


def test_ridge_auto_solver_uses_cholesky_when_well_conditioned_and_records_it(rng):
    X = rng.normal(size=(3000, 8))
    y = X @ rng.normal(size=8) + rng.normal(size=3000)
    auto = Ridge(alpha=0.5).fit(X, y)
    qr = Ridge(alpha=0.5, solver="tsqr").fit(X, y)
    assert auto.solver_ == "cholesky" and qr.solver_ == "tsqr"
    np.testing.assert_allclose(auto.coef_, qr.coef_, rtol=1e-11)
    np.testing.assert_allclose(auto.intercept_, qr.intercept_, rtol=1e-11)
    np.testing.assert_allclose(auto.singular_, qr.singular_, rtol=1e-10)  # both: singular values of [X_c; sqrt(a) I]


def test_ridge_auto_solver_falls_back_to_qr_when_ill_conditioned(rng):
    # two nearly collinear columns: cond(X_c^T X_c) ~ 1e14, far beyond what the normal equations resolve
    x = rng.normal(size=500)
    X = np.c_[x, x + 1e-7 * rng.normal(size=500), rng.normal(size=500)]
    theta = np.array([1.0, -1.0, 0.5])
    y = X @ theta
    auto = Ridge(alpha=0.0).fit(X, y)
    assert auto.solver_ == "tsqr"
    np.testing.assert_allclose(auto.coef_, theta, rtol=1e-6)  # exact data: the QR recovers theta
    with pytest.raises(ValueError, match="solver='cholesky'.*condition number"):
        Ridge(alpha=0.0, solver="cholesky").fit(X, y)


@pytest.mark.parametrize("solver", ["svd", None, 1])
def test_ridge_rejects_unknown_solver(rng, solver):
    with pytest.raises(ValueError, match="solver must be"):
        Ridge(solver=solver).fit(rng.normal(size=(10, 2)), rng.normal(size=10))


# ---------------------------------------------------------------------------- extreme but finite data (issue 9)


def _line_data(rng, n=50):
    X = rng.normal(size=(n, 3))
    return X, X @ np.array([1.0, 2.0, 3.0]) + 1.0


@pytest.mark.parametrize("solver", ["ols", "auto", "tsqr", "cholesky"])
@pytest.mark.parametrize("x_scale, y_scale", [(1.0, 1e300), (1.5e308 / 5, 1.0), (1e300, 1e300), (1e-300, 1e-300),
                                              (1.0, 1e-320)])
def test_huge_or_tiny_data_give_the_scaled_answer_not_inf_or_nan(solver, x_scale, y_scale, rng):
    # the answer scales exactly: theta(X s_x, y s_y; alpha s_x^2) = theta(X, y; alpha) s_y / s_x
    X, y = _line_data(rng)
    if solver == "ols":
        make, ref = LinearRegression, LinearRegression().fit(X, y)
    else:
        alpha = 0.5 * x_scale**2 if x_scale < 1e150 else 0.0
        make = lambda: Ridge(alpha=alpha, solver=solver)  # noqa: E731
        ref = Ridge(alpha=0.5 if alpha else 0.0, solver="tsqr").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        model = make().fit(X * x_scale, y * y_scale)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_)
    rtol = 2e-3 if y_scale < 1e-300 else 1e-9  # y * 1e-320 is subnormal: ~11 bits left
    np.testing.assert_allclose(model.coef_ / y_scale * x_scale, ref.coef_, rtol=rtol)
    np.testing.assert_allclose(model.intercept_ / y_scale, ref.intercept_, rtol=rtol)


def test_subnormal_x_still_fits_to_the_precision_it_holds(rng):
    X, y = _line_data(rng)
    model = LinearRegression().fit(X * 1e-320, y * 1e-300)
    # 1e-320 keeps ~13 bits: the coefficients are right to that precision, and finite
    np.testing.assert_allclose(model.coef_ * 1e-20, [1.0, 2.0, 3.0], rtol=1e-3)


def test_coefficients_beyond_float64_raise_a_value_error_saying_why(rng):
    X, y = _line_data(rng)
    with pytest.raises(ValueError, match="exceed the float64 range"):
        LinearRegression().fit(X * 1e-300, y * 1e300)  # slope ~ 1e600


def test_ridge_penalty_beyond_float64_raises(rng):
    X, y = _line_data(rng)
    with pytest.raises(ValueError, match="penalty would be infinite"):
        Ridge(alpha=1.0).fit(X * 1e-320, y)


def test_ridge_cholesky_raises_its_value_error_and_auto_falls_back_when_factorisation_fails(rng, monkeypatch):
    import scipy.linalg

    from physml.linear import _solvers

    X, y = _line_data(rng)
    expected = Ridge(alpha=1.0, solver="tsqr").fit(X, y).coef_

    def fail(*args, **kwargs):
        raise scipy.linalg.LinAlgError("not positive definite")

    monkeypatch.setattr(_solvers, "cho_factor", fail)
    with pytest.raises(ValueError, match="solver='cholesky'"):
        Ridge(alpha=1.0, solver="cholesky").fit(X, y)
    auto = Ridge(alpha=1.0).fit(X, y)
    assert auto.solver_ == "tsqr"
    np.testing.assert_allclose(auto.coef_, expected, rtol=1e-12)
    monkeypatch.setattr(np.linalg, "eigvalsh", fail)
    assert Ridge(alpha=1.0).fit(X, y).solver_ == "tsqr"


def test_polynomial_on_a_range_whose_width_overflows_is_not_constant():
    # x in [-1.5e308, 1.5e308]: x_max - x_min overflows; the fit must still follow y = x / 1e308
    x = np.linspace(-0.75e308, 0.75e308, 21) * 2
    model = PolynomialRegression(degree=1).fit(x, x / 1e308)
    np.testing.assert_allclose(model.predict(x), x / 1e308, rtol=1e-12, atol=1e-12)


def test_polynomial_on_huge_y_and_tiny_x(rng):
    x = np.linspace(0, 1, 30)
    model = PolynomialRegression(degree=2).fit(x, 1e308 * ((1 + x**2) / 2))
    np.testing.assert_allclose(model.predict(x) / 1e308, (1 + x**2) / 2, rtol=1e-12)
    with pytest.warns(RuntimeWarning, match="coef_ .* overflows"):  # coef_ in powers of x ~ 1e600: documented
        tiny = PolynomialRegression(degree=2).fit(x * 1e-300, 1 + x**2)
    np.testing.assert_allclose(tiny.predict(x * 1e-300), 1 + x**2, rtol=1e-12)


def test_polynomial_accepts_a_pandas_series():
    pd = pytest.importorskip("pandas")
    x = np.linspace(0, 1, 10)
    model = PolynomialRegression(degree=2).fit(pd.Series(x), pd.Series(1 + 2 * x - 3 * x**2))
    np.testing.assert_allclose(model.coef_, [1.0, 2.0, -3.0], atol=1e-12)
    np.testing.assert_allclose(model.predict(pd.Series(x)), 1 + 2 * x - 3 * x**2, atol=1e-12)


@pytest.mark.parametrize("alpha", [np.inf, True])
def test_ridge_refuses_inf_and_bool_alpha(alpha, rng):
    X, y = _line_data(rng)
    with pytest.raises((ValueError, TypeError), match="alpha"):
        Ridge(alpha=alpha).fit(X, y)


def test_polynomial_degree_too_large_is_refused_with_the_memory_figure():
    x = np.linspace(0, 1, 20)
    with pytest.raises(ValueError, match=r"PolynomialRegression\(degree=1000000000000\) needs .*TiB.*lower degree"):
        PolynomialRegression(degree=10**12).fit(x, x)
