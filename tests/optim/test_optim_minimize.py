"""minimize(): every method reaches SciPy's optimum; Newton's one step; divergence; finite differences."""

import numpy as np
import pytest
from scipy.optimize import minimize as scipy_minimize
from scipy.optimize import rosen, rosen_der, rosen_hess

from physml.optim import Adam, StepDecay, minimize, numerical_gradient, numerical_hessian

X0 = np.array([-1.2, 1.0])


@pytest.fixture(scope="module")
def scipy_optimum():
    res = scipy_minimize(rosen, X0, jac=rosen_der, method="BFGS", options={"gtol": 1e-12})
    return res.x


# per-method settings that reach max|grad| <= 1e-7 (distance ~2.5e-7 on Rosenbrock) within 30000 steps
SETTINGS = {
    "gd": {"lr": 1.5e-3},
    "momentum": {"lr": 5e-4, "momentum": 0.9},
    "nesterov": {"lr": 5e-4, "momentum": 0.9},
    "rmsprop": {"lr": 3e-3, "schedule": StepDecay(500, 0.7)},   # sign-like: needs a decaying rate
    "adam": {"lr": 1e-2},
    "newton": {},
}


@pytest.mark.parametrize("method", sorted(SETTINGS))
def test_every_method_reaches_scipy_optimum_on_rosenbrock(method, scipy_optimum):
    res = minimize(rosen, X0, grad=rosen_der, hess=rosen_hess, method=method, max_iter=30_000, tol=1e-7,
                   **SETTINGS[method])
    assert res.converged, res.message
    np.testing.assert_allclose(res.x, scipy_optimum, atol=1e-6)
    assert res.fun == pytest.approx(rosen(res.x))
    assert len(res.history) == res.n_iter + 1 and res.history[0] == pytest.approx(rosen(X0))


def test_newton_solves_a_quadratic_in_one_step(rng):
    Q = rng.normal(size=(8, 8))
    A = Q @ Q.T + np.eye(8)
    b = rng.normal(size=8)
    res = minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(8), grad=lambda x: A @ x - b,
                   hess=lambda x: A, method="newton", tol=1e-9)
    assert res.n_iter == 1 and res.converged and res.n_damped == 0
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-12)


def test_newton_with_finite_difference_hessian_and_gradient():
    res = minimize(rosen, X0, method="newton", tol=1e-6)
    assert res.converged
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)


def test_newton_reports_damped_steps_at_a_saddle():
    # E = x^2 - y^2 + y^4/4 started near the saddle at the origin: H has a negative eigenvalue
    def E(p):
        return p[0] ** 2 - p[1] ** 2 + p[1] ** 4 / 4

    def g(p):
        return np.array([2 * p[0], -2 * p[1] + p[1] ** 3])

    def H(p):
        return np.diag([2.0, -2 + 3 * p[1] ** 2])

    res = minimize(E, [1.0, 0.1], grad=g, hess=H, method="newton", tol=1e-10)
    assert res.converged and res.n_damped >= 1
    assert "not positive definite" in res.message
    np.testing.assert_allclose(np.abs(res.x), [0.0, np.sqrt(2)], atol=1e-9)   # a true minimum, E = -1


def test_diverging_run_stops_and_returns_best_point():
    res = minimize(rosen, X0, grad=rosen_der, method="gd", lr=0.01, max_iter=1000)
    assert not res.converged
    assert "diverged" in res.message and "best point" in res.message
    assert np.isfinite(res.fun) and res.fun == pytest.approx(rosen(res.x))
    assert res.fun == np.nanmin(np.where(np.isfinite(res.history), res.history, np.nan))
    assert res.n_iter < 1000


def test_max_iter_reached_is_not_converged():
    res = minimize(rosen, X0, grad=rosen_der, method="gd", lr=1e-3, max_iter=10)
    assert not res.converged and res.n_iter == 10 and "max_iter" in res.message


def test_callback_sees_every_step_and_can_stop():
    path = []

    def record(x):
        path.append(x.copy())
        return len(path) == 5

    res = minimize(rosen, X0, grad=rosen_der, method="adam", lr=0.1, callback=record)
    assert res.n_iter == 5 and len(path) == 5 and "callback" in res.message
    np.testing.assert_array_equal(path[-1], res.x)


def test_optimizer_instance_as_method_gives_same_result_as_name():
    a = minimize(rosen, X0, grad=rosen_der, method=Adam(lr=0.05), max_iter=300)
    b = minimize(rosen, X0, grad=rosen_der, method="adam", lr=0.05, max_iter=300)
    np.testing.assert_array_equal(a.x, b.x)


def test_x0_of_any_shape_is_kept(rng):
    target = rng.normal(size=(2, 3))
    res = minimize(lambda x: np.sum((x - target) ** 2), np.zeros((2, 3)), method="momentum", lr=0.1, tol=1e-10)
    assert res.x.shape == (2, 3) and res.converged
    np.testing.assert_allclose(res.x, target, atol=1e-10)


def test_finite_difference_gradient_and_hessian_match_closed_forms(rng):
    for x in rng.normal(size=(5, 4)):
        np.testing.assert_allclose(numerical_gradient(rosen, x), rosen_der(x), rtol=1e-7, atol=1e-6)
        np.testing.assert_allclose(numerical_hessian(rosen_der, x), rosen_hess(x), rtol=1e-7, atol=1e-5)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="method"):
        minimize(rosen, X0, method="bfgs")
    with pytest.raises(ValueError, match="lr"):
        minimize(rosen, X0, method="adam", lr=-1.0)
    with pytest.raises(ValueError, match="beta1"):
        minimize(rosen, X0, method="adam", beta1=1.0)
    with pytest.raises(ValueError, match="x0"):
        minimize(rosen, [np.nan, 1.0])
    with pytest.raises(ValueError, match="max_iter"):
        minimize(rosen, X0, max_iter=-1)
    with pytest.raises(TypeError, match="grad"):
        minimize(rosen, X0, grad=3)
    with pytest.raises(ValueError, match="scalar"):
        minimize(lambda x: x, X0)
    with pytest.raises(TypeError, match="options"):
        minimize(rosen, X0, method=Adam(0.1), lr=0.2)


def test_an_optimizer_instance_is_copied_not_mutated_as_by_get_optimizer():
    from physml.optim import get_optimizer

    opt = Adam(lr=0.05)
    minimize(rosen, X0, grad=rosen_der, method=opt, max_iter=20)
    assert opt.t == 0 and opt.state == {}  # the caller's object is untouched
    assert get_optimizer(opt) is not opt and get_optimizer(opt).get_params() == opt.get_params()


def test_registry_defaults_are_the_class_defaults():
    from physml.optim import Momentum, RMSprop, get_optimizer

    assert get_optimizer("adam").lr == Adam().lr == 1e-3
    assert get_optimizer("rmsprop").get_params() == RMSprop().get_params()
    assert get_optimizer("nesterov").get_params() == Momentum(nesterov=True).get_params()
    assert get_optimizer("momentum", lr=0.3).lr == 0.3
    with pytest.raises(ValueError, match="Newton needs a Hessian"):
        from physml.optim import Newton

        get_optimizer(Newton())
    with pytest.raises(ValueError, match="optimizer must be one of"):
        get_optimizer("newton")
