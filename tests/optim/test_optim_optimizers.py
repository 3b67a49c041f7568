"""The S5-S10 optimisers: step-for-step parity with torch.optim, closed forms, interface and validation."""

import numpy as np
import pytest

from physml.optim import (Adam, ExponentialDecay, GradientDescent, Momentum, Newton, RMSprop, StepDecay,
                          get_optimizer)

N_STEPS = 200


def rosenbrock_grad(x):
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


def _quadratic(seed=0, n=10):
    rng = np.random.default_rng(seed)
    Q = rng.normal(size=(n, n))
    A = Q @ Q.T / n + 0.1 * np.eye(n)
    b = rng.normal(size=n)
    return A, b


# The problems: (initial parameter list, gradient of the list); the quadratic's parameter is split in
# a (2, 3) matrix and a (4,) vector so that several parameters of different shapes are exercised.
def _problem(name):
    if name == "rosenbrock":
        return [np.array([-1.2, 1.0])], lambda ps: [rosenbrock_grad(ps[0])]
    A, b = _quadratic()

    def grads(ps):
        x = np.concatenate([ps[0].ravel(), ps[1]])
        gx = A @ x - b
        return [gx[:6].reshape(2, 3), gx[6:]]

    rng = np.random.default_rng(1)
    return [rng.normal(size=(2, 3)), rng.normal(size=4)], grads


def _run_physml(opt, name, n_steps=N_STEPS):
    params, grads = _problem(name)
    for _ in range(n_steps):
        opt.step(params, grads(params))
    return params


def _run_torch(torch, make_opt, name, n_steps=N_STEPS, scheduler=None):
    params, grads = _problem(name)
    tparams = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    opt = make_opt(tparams)
    sched = scheduler(opt) if scheduler else None
    for _ in range(n_steps):
        gs = grads([p.detach().numpy() for p in tparams])
        for p, g in zip(tparams, gs):
            p.grad = torch.from_numpy(np.ascontiguousarray(g))
        opt.step()
        if sched:
            sched.step()
    return [p.detach().numpy() for p in tparams]


def _assert_same(ours, theirs, rtol=1e-10):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


# learning rates that move far from the start in 200 steps without entering the chaotic regime where
# sign-like rules (RMSprop, Adam) near the optimum amplify rounding differences to 1e-8
LR = {"rosenbrock": {"gd": 1e-3, "momentum": 2e-4, "rmsprop": 1e-3, "adam": 1e-2},
      "quadratic": {"gd": 0.1, "momentum": 0.05, "rmsprop": 1e-3, "adam": 0.05}}
PROBLEMS = ["rosenbrock", "quadratic"]


@pytest.mark.parametrize("name", PROBLEMS)
def test_gradient_descent_matches_torch_sgd(torch, name):
    lr = LR[name]["gd"]
    ours = _run_physml(GradientDescent(lr), name)
    theirs = _run_torch(torch, lambda p: torch.optim.SGD(p, lr=lr, foreach=False), name)
    _assert_same(ours, theirs)


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_torch_sgd_momentum(torch, name, nesterov):
    lr = LR[name]["momentum"]
    ours = _run_physml(Momentum(lr, momentum=0.9, nesterov=nesterov), name)
    theirs = _run_torch(torch, lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=nesterov,
                                                         foreach=False), name)
    _assert_same(ours, theirs)


@pytest.mark.parametrize("name", PROBLEMS)
def test_rmsprop_eps_outside_sqrt_matches_torch(torch, name):
    lr = LR[name]["rmsprop"]
    ours = _run_physml(RMSprop(lr, beta=0.9, eps=1e-8, eps_inside_sqrt=False), name)
    theirs = _run_torch(torch, lambda p: torch.optim.RMSprop(p, lr=lr, alpha=0.9, eps=1e-8, foreach=False), name)
    _assert_same(ours, theirs)


@pytest.mark.parametrize("name", PROBLEMS)
def test_rmsprop_eps_inside_sqrt_with_eps_zero_matches_torch(torch, name):
    # with eps = 0 the slide's and PyTorch's placements are the same formula
    lr = LR[name]["rmsprop"]
    ours = _run_physml(RMSprop(lr, beta=0.9, eps=0.0, eps_inside_sqrt=True), name)
    theirs = _run_torch(torch, lambda p: torch.optim.RMSprop(p, lr=lr, alpha=0.9, eps=0.0, foreach=False), name)
    _assert_same(ours, theirs)


def test_rmsprop_eps_inside_sqrt_follows_slide_closed_form():
    # constant gradient g: s_t = (1 - beta^t) g^2, so theta_t = theta_0 - eta * sum_k g / sqrt((1 - beta^k) g^2 + eps)
    eta, beta, eps, g = 0.01, 0.9, 1e-3, np.array([0.02, -0.5, 3.0])
    theta = np.zeros(3)
    opt = RMSprop(eta, beta=beta, eps=eps)
    for _ in range(50):
        opt.step([theta], [g])
    k = np.arange(1, 51)[:, None]
    expected = -eta * np.sum(g / np.sqrt((1 - beta**k) * g**2 + eps), axis=0)
    np.testing.assert_allclose(theta, expected, rtol=1e-12)
    # the two placements differ exactly where g^2 is comparable to eps
    outside = np.zeros(3)
    opt2 = RMSprop(eta, beta=beta, eps=eps, eps_inside_sqrt=False)
    for _ in range(50):
        opt2.step([outside], [g])
    # sqrt(s) + eps < sqrt(s + eps) where g^2 ~ eps: PyTorch's placement steps twice as far here
    assert outside[0] / theta[0] > 1.5
    np.testing.assert_allclose(outside[2], theta[2], rtol=1e-3)


@pytest.mark.parametrize("name", PROBLEMS)
def test_adam_matches_torch_adam(torch, name):
    lr = LR[name]["adam"]
    ours = _run_physml(Adam(lr, beta1=0.9, beta2=0.999, eps=1e-8), name)
    theirs = _run_torch(torch, lambda p: torch.optim.Adam(p, lr=lr, betas=(0.9, 0.999), eps=1e-8,
                                                          foreach=False), name)
    _assert_same(ours, theirs)


def test_adam_with_exponential_schedule_matches_torch_exponential_lr(torch):
    ours = _run_physml(Adam(1e-2, schedule=ExponentialDecay(0.99)), "rosenbrock")
    theirs = _run_torch(torch, lambda p: torch.optim.Adam(p, lr=1e-2, foreach=False), "rosenbrock",
                        scheduler=lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.99))
    _assert_same(ours, theirs)


def test_step_schedule_matches_torch_step_lr(torch):
    ours = _run_physml(GradientDescent(0.1, schedule=StepDecay(step_size=30, gamma=0.5)), "quadratic")
    theirs = _run_torch(torch, lambda p: torch.optim.SGD(p, lr=0.1, foreach=False), "quadratic",
                        scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=30, gamma=0.5))
    _assert_same(ours, theirs)


def test_momentum_velocity_is_lr_times_torch_buffer(torch):
    # constant lr: the slide's v_t equals eta * b_t, PyTorch's momentum buffer
    lr = 0.05
    params, grads = _problem("quadratic")
    opt = Momentum(lr, momentum=0.9)
    tparams = [torch.tensor(p, requires_grad=True) for p in params]
    topt = torch.optim.SGD(tparams, lr=lr, momentum=0.9, foreach=False)
    for _ in range(20):
        g = grads(params)
        opt.step(params, g)
        for p, gi in zip(tparams, grads([p.detach().numpy() for p in tparams])):
            p.grad = torch.from_numpy(gi)
        topt.step()
    for i, p in enumerate(tparams):
        np.testing.assert_allclose(opt.state[i]["v"], lr * topt.state[p]["momentum_buffer"].numpy(), rtol=1e-10)


def test_momentum_with_varying_lr_follows_slide_not_torch(torch):
    # varying lr: the slide's v_t = sum_k gamma^(t-k) eta_k g_k; PyTorch rescales the history with lr_t
    gamma, g = 0.9, np.array([1.0])
    sched = StepDecay(step_size=1, gamma=0.5)   # eta_t = 0.1 * 0.5^(t-1)
    theta = np.zeros(1)
    opt = Momentum(0.1, momentum=gamma, schedule=sched)
    for _ in range(5):
        opt.step([theta], [g])
    eta = 0.1 * 0.5 ** np.arange(5)
    v = np.zeros(6)
    for t in range(5):
        v[t + 1] = gamma * v[t] + eta[t] * g[0]
    np.testing.assert_allclose(theta, -v[1:].sum(), rtol=1e-14)
    np.testing.assert_allclose(opt.state[0]["v"], v[5], rtol=1e-14)
    theirs = _run_torch(torch, lambda p: torch.optim.SGD(p, lr=0.1, momentum=gamma, foreach=False), "quadratic",
                        n_steps=5, scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, 1, 0.5))
    ours = _run_physml(Momentum(0.1, momentum=gamma, schedule=sched), "quadratic", n_steps=5)
    assert np.abs(ours[1] - theirs[1]).max() > 1e-3


def test_adam_first_step_has_length_eta_in_every_coordinate():
    # bias correction: m_hat_1 = g_1, s_hat_1 = g_1^2, so |step| = eta g/(|g| + eps) = eta up to eps
    g = np.array([1e-3, -2.0, 50.0, -7e4])
    theta = np.zeros(4)
    Adam(lr=0.01, eps=0.0).step([theta], [g])
    np.testing.assert_allclose(theta, -0.01 * np.sign(g), rtol=1e-15)


def test_adam_has_no_minus_sign_typo():
    # m_t = beta1 m_{t-1} + (1 - beta1) g_t (the slide's minus sign is a typo)
    opt = Adam(lr=0.1)
    theta = np.zeros(2)
    opt.step([theta], [np.array([1.0, 2.0])])
    np.testing.assert_allclose(opt.state[0]["m"], [0.1, 0.2], rtol=1e-15)
    np.testing.assert_allclose(opt.state[0]["s"], [0.001, 0.004], rtol=1e-12)


def test_gradient_descent_step_is_eta_times_gradient():
    theta = np.array([[1.0, 2.0], [3.0, 4.0]])
    GradientDescent(0.25).step([theta], [np.ones((2, 2))])
    np.testing.assert_array_equal(theta, [[0.75, 1.75], [2.75, 3.75]])


@pytest.mark.parametrize("cls", [GradientDescent, Momentum, RMSprop, Adam])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_update_is_in_place_and_keeps_dtype(cls, dtype, rng):
    theta = rng.normal(size=(3, 4)).astype(dtype)
    g = rng.normal(size=(3, 4))          # float64 gradient cast to the parameter's dtype
    ref = theta
    before = theta.copy()
    opt = cls(lr=0.01)
    opt.step([theta], [g])
    assert theta is ref and theta.dtype == dtype and opt.t == 1
    assert np.all(theta != before)
    state = opt.state[0]
    assert all(a.dtype == dtype and a.shape == (3, 4) for a in state.values())


def test_state_is_lazy_and_reset_forgets_it():
    opt = Adam(0.1)
    assert opt.state == {} and opt.t == 0
    theta = np.ones(3)
    opt.step([theta], [np.ones(3)])
    opt.step([theta], [np.ones(3)])
    assert opt.t == 2 and set(opt.state) == {0}
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    # after reset the first step is again exactly eta long
    before = theta.copy()
    opt.step([theta], [np.full(3, 5.0)])
    np.testing.assert_allclose(before - theta, 0.1 * 5 / (5 + 1e-8), rtol=1e-14)


def test_non_contiguous_parameter_is_updated_in_place(rng):
    base = rng.normal(size=(6, 6))
    view = base[::2, ::3]
    expected = view.copy()
    g = rng.normal(size=view.shape)
    Adam(0.1).step([expected], [g])
    Adam(0.1).step([view], [g])
    np.testing.assert_allclose(base[::2, ::3], expected, rtol=1e-14)


def test_changed_parameter_shape_raises():
    opt = Momentum(0.1)
    opt.step([np.zeros(3)], [np.ones(3)])
    with pytest.raises(ValueError, match=r"params\[0\].*reset"):
        opt.step([np.zeros(4)], [np.ones(4)])


@pytest.mark.parametrize("cls, kwargs, name", [
    (GradientDescent, {"lr": 0.0}, "lr"),
    (GradientDescent, {"lr": -1.0}, "lr"),
    (Momentum, {"lr": 0.1, "momentum": 1.0}, "momentum"),
    (Momentum, {"lr": 0.1, "momentum": -0.1}, "momentum"),
    (Momentum, {"lr": 0.1, "momentum": 0.0, "nesterov": True}, "nesterov"),
    (RMSprop, {"lr": 0.1, "beta": 1.0}, "beta"),
    (RMSprop, {"lr": 0.1, "eps": -1e-8}, "eps"),
    (Adam, {"lr": 0.1, "beta1": 1.0}, "beta1"),
    (Adam, {"lr": 0.1, "beta2": 1.5}, "beta2"),
    (Adam, {"lr": 0.1, "beta1": -0.5}, "beta1"),
    (Newton, {"damping": 0.0}, "damping"),
    (StepDecay, {"step_size": 0}, "step_size"),
    (ExponentialDecay, {"gamma": 1.5}, "gamma"),
])
def test_bad_hyperparameter_raises_at_construction(cls, kwargs, name):
    with pytest.raises(ValueError, match=name):
        cls(**kwargs)


def test_bad_hyperparameter_type_and_set_params_are_checked():
    with pytest.raises(TypeError, match="lr"):
        Adam(lr="fast")
    opt = Adam(0.1)
    with pytest.raises(ValueError, match="beta2"):
        opt.set_params(beta2=1.0)
    with pytest.raises(ValueError, match="schedule"):
        Adam(0.1, schedule="cosine")


def test_bad_step_arguments_raise():
    opt = GradientDescent(0.1)
    with pytest.raises(TypeError, match=r"params\[0\]"):
        opt.step([[1.0, 2.0]], [[1.0, 1.0]])
    with pytest.raises(ValueError, match=r"grads\[0\]"):
        opt.step([np.zeros(2)], [np.zeros(3)])
    with pytest.raises(ValueError, match="same length"):
        opt.step([np.zeros(2)], [])
    with pytest.raises(TypeError, match="floating"):
        opt.step([np.zeros(2, dtype=int)], [np.zeros(2)])


def test_callable_schedule_sets_eta_t():
    opt = GradientDescent(0.5, schedule=lambda t: 1.0 / t)
    theta = np.zeros(1)
    for _ in range(4):
        opt.step([theta], [np.ones(1)])
    assert opt.eta_t == pytest.approx(0.125)
    np.testing.assert_allclose(theta, -0.5 * (1 + 1 / 2 + 1 / 3 + 1 / 4), rtol=1e-15)


@pytest.mark.parametrize("name, cls, extra", [
    ("sgd", GradientDescent, {}), ("gd", GradientDescent, {}), ("momentum", Momentum, {"nesterov": False}),
    ("nesterov", Momentum, {"nesterov": True}), ("rmsprop", RMSprop, {}), ("adam", Adam, {}),
])
def test_get_optimizer_maps_names(name, cls, extra):
    opt = get_optimizer(name, 0.05)
    assert type(opt) is cls and opt.lr == 0.05
    for k, v in extra.items():
        assert getattr(opt, k) == v


def test_get_optimizer_copies_and_resets_an_instance():
    mine = Adam(0.3, beta1=0.5)
    mine.step([np.zeros(2)], [np.ones(2)])
    opt = get_optimizer(mine, lr=1.0)
    assert opt is not mine and opt.t == 0 and opt.state == {} and opt.lr == 0.3 and opt.beta1 == 0.5
    assert mine.t == 1
    with pytest.raises(ValueError, match="optimizer"):
        get_optimizer("lbfgs", 0.1)


def test_optimizer_params_are_estimator_params(sklearn):
    # an optimiser inside an estimator's parameters survives scikit-learn's clone
    from sklearn.base import clone

    opt = Momentum(0.2, momentum=0.5, nesterov=True)
    twin = clone(opt)
    assert twin is not opt and twin.get_params() == opt.get_params()
    assert repr(opt) == "Momentum(lr=0.2, momentum=0.5, nesterov=True)"


def test_newton_solves_a_quadratic_in_one_step():
    A, b = _quadratic(3)
    x = np.zeros(10)
    opt = Newton()
    opt.step([x], [A @ x - b], [A])
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-10)
    assert opt.n_damped == 0


def test_newton_damps_an_indefinite_hessian_and_goes_downhill():
    # E = x^2 - y^2 + y^4/4 at (1, 0.1): H = diag(2, -2 + 3 y^2) is indefinite; the pure Newton step climbs in y
    def E(p):
        return p[0] ** 2 - p[1] ** 2 + p[1] ** 4 / 4

    p = np.array([1.0, 0.1])
    g = np.array([2 * p[0], -2 * p[1] + p[1] ** 3])
    H = np.diag([2.0, -2 + 3 * p[1] ** 2])
    before = E(p)
    opt = Newton()
    opt.step([p], [g], [H])
    assert opt.n_damped == 1 and opt.last_damped
    assert E(p) < before


@pytest.mark.parametrize("cls, kwargs, name", [
    (GradientDescent, {"lr": float("nan")}, "lr"),
    (GradientDescent, {"lr": float("inf")}, "lr"),
    (Momentum, {"lr": 0.1, "momentum": float("nan")}, "momentum"),
    (RMSprop, {"lr": 0.1, "beta": float("nan")}, "beta"),
    (Adam, {"lr": 0.1, "eps": float("nan")}, "eps"),
    (Newton, {"damping": float("nan")}, "damping"),
    (ExponentialDecay, {"gamma": float("nan")}, "gamma"),
])
def test_non_finite_hyperparameter_raises_naming_it(cls, kwargs, name):
    # NaN passes every comparison with a bound; it must not reach the update as a silent NaN step
    with pytest.raises(ValueError, match=name):
        cls(**kwargs)


def test_get_optimizer_refuses_newton_which_needs_hessians():
    # estimators step with gradients only: Newton would fail deep inside training at its first step
    with pytest.raises(ValueError, match="Newton"):
        get_optimizer(Newton())


def test_newton_rejects_a_non_finite_hessian_naming_it():
    x = np.zeros(2)
    with pytest.raises(ValueError, match=r"hessians\[0\]"):
        Newton().step([x], [np.ones(2)], [np.array([[1.0, np.nan], [np.nan, 1.0]])])
    assert np.array_equal(x, np.zeros(2))


def test_shapes_are_checked_once_per_parameter_set_not_per_step(monkeypatch):
    from physml.optim import Adam as _Adam

    opt = _Adam(lr=0.1)
    params, grads = [np.ones(3), np.ones((2, 2))], [np.ones(3), np.ones((2, 2))]
    calls = []
    original = _Adam._check_new_pairs

    def counting(self, p, g):
        calls.append(1)
        return original(self, p, g)

    monkeypatch.setattr(_Adam, "_check_new_pairs", counting)
    for _ in range(5):
        opt.step(params, grads)
    assert len(calls) == 1
    with pytest.raises(ValueError, match="grads\\[1\\] has shape"):
        opt.step(params, [np.ones(3), np.ones(4)])  # a new set is checked again
    assert len(calls) == 2
