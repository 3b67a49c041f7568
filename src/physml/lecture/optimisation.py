r"""Chapter: optimisation by gradient descent and its refinements (S5-S10), and a genetic algorithm (S11).

Reproduces, with :mod:`physml.optim`: the role of the learning rate (S5),
Newton's one-step solution of a quadratic (S6), the noise of mini-batch
gradients (S7), the speed-up of momentum on an ill-conditioned valley (S8),
and the race of GD, momentum, Nesterov, RMSprop, Adam and Newton (S5-S10) on
the Rosenbrock and Beale functions, each compared with SciPy's optimum; and
the second class of optimisers the slides name (S11): a genetic algorithm that
finds the global minimum of the rugged Rastrigin function, where Adam and GD
stop in the first local minimum.
"""

from __future__ import annotations

import numpy as np

from ..optim import GeneticAlgorithm, GradientDescent, Momentum, Newton, StepDecay, minibatches, minimize
from ._plotting import contour, legend
from .report import Result

TITLE = "Optimisation: gradient descent, Newton, momentum, RMSprop and Adam"
ORDER = 30
SYLLABUS = "S5-S11"


# ---------------------------------------------------------------------------
# Test functions
# ---------------------------------------------------------------------------


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosenbrock_grad(p):
    x, y = p[0], p[1]
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def rosenbrock_hess(p):
    x, y = p[0], p[1]
    return np.array([[2 - 400 * (y - 3 * x**2), -400 * x], [-400 * x, 200.0]])


def beale(p):
    x, y = p[0], p[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def beale_grad(p):
    x, y = p[0], p[1]
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return np.array([2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
                     2 * a * x + 4 * b * x * y + 6 * c * x * y**2])


# The race: (function, gradient, Hessian or None, start, plot window, per-method settings).
# Learning rates are tuned per method and function; RMSprop's step is sign-like (|step| ~ eta whatever the
# gradient), so it needs a decaying rate to settle on the optimum.
RACE = {
    "Rosenbrock": (rosenbrock, rosenbrock_grad, rosenbrock_hess, (-1.2, 1.0), ((-2.0, 2.0), (-1.0, 3.0)), {
        "GD": ("gd", {"lr": 1.5e-3}),
        "momentum": ("momentum", {"lr": 5e-4, "momentum": 0.9}),
        "Nesterov": ("nesterov", {"lr": 5e-4, "momentum": 0.9}),
        "RMSprop": ("rmsprop", {"lr": 3e-3, "schedule": StepDecay(500, 0.7)}),
        "Adam": ("adam", {"lr": 1e-2}),
        "Newton": ("newton", {}),
    }),
    "Beale": (beale, beale_grad, None, (0.5, 0.5), ((-0.5, 4.0), (-1.0, 1.8)), {
        "GD": ("gd", {"lr": 3e-2}),
        "momentum": ("momentum", {"lr": 3e-3, "momentum": 0.9}),
        "Nesterov": ("nesterov", {"lr": 3e-3, "momentum": 0.9}),
        "RMSprop": ("rmsprop", {"lr": 1e-2, "schedule": StepDecay(300, 0.7)}),
        "Adam": ("adam", {"lr": 3e-2}),
        "Newton": ("newton", {}),
    }),
}
_RACE_TOL = 1e-7
"""The stopping rule of every run of this chapter: max|grad E| < 1e-7 (so a step count means one thing)."""
COLORS = {"GD": "C0", "momentum": "C1", "Nesterov": "C2", "RMSprop": "C3", "Adam": "C4", "Newton": "k"}


def _gd_path(grad, x0, opt, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()]
    for _ in range(n_steps):
        opt.step([x], [grad(x)])
        path.append(x.copy())
    return np.array(path)


# ---------------------------------------------------------------------------
# S5: the learning rate
# ---------------------------------------------------------------------------

_LAM = np.array([1.0, 10.0])   # E = (x^2 + 10 y^2)/2, a 2D valley with lambda_max = 10


def _valley(p):
    return 0.5 * (_LAM[0] * p[0] ** 2 + _LAM[1] * p[1] ** 2)


def _valley_grad(p):
    return _LAM * p


def _learning_rate(r, seed):
    x0 = (-4.0, 1.5)
    etas = {"too small": 0.02, "good": 2 / (_LAM.min() + _LAM.max()), "too large": 0.205}
    paths = {label: _gd_path(_valley_grad, x0, GradientDescent(eta), 25) for label, eta in etas.items()}

    # largest stable eta by bisection: GD contracts the error iff eta < 2/lambda_max
    def stable(eta):
        with np.errstate(over="ignore", invalid="ignore"):
            path = _gd_path(_valley_grad, x0, GradientDescent(eta), 400)
            return bool(_valley(path[-1]) < _valley(np.array(x0)))

    lo, hi = 0.01, 1.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if stable(mid) else (lo, mid)
    r.check("largest stable GD learning rate (bisection)", lo, 2 / _LAM.max(), 2e-3, relative=True, seed=seed,
            note="theory: 2/lambda_max of the Hessian; deterministic (the seed plays no role)")
    return {"etas": etas, "paths": paths}


def _learning_rate_figure(ch, d):
    fig, axes = ch.subplots(1, 3, figsize=(13.5, 3.8))
    for ax, (label, eta) in zip(axes, d["etas"].items()):
        path = d["paths"][label]
        contour(ax, _valley, ((-5, 5), (-3, 3)), np.linspace(-1, 2, 12))
        ax.plot(path[:, 0], path[:, 1], "o-", ms=3, color="C3")
        ax.plot(0, 0, "k*", ms=10)
        ax.set_title(f"{label}: eta = {eta:.3g}, E after 25 steps = {_valley(path[-1]):.2g}", fontsize=9)
        ax.set_xlabel("theta_1")
    axes[0].set_ylabel("theta_2")
    ch.figure(fig, "learning_rate",
              title="Too small an eta crawls, a good eta converges, beyond 2/lambda_max GD diverges",
              finding="Gradient descent on E = (x^2 + 10 y^2)/2 for 25 steps. The step along the steep "
                      "direction is multiplied by 1 - 10 eta per step: above eta = 2/lambda_max = 0.2 it "
                      "flips sign and grows, the zig-zag of the right panel.")


# ---------------------------------------------------------------------------
# S6: Newton
# ---------------------------------------------------------------------------

_C, _S = np.cos(0.5), np.sin(0.5)
_R = np.array([[_C, -_S], [_S, _C]])
_A2 = _R @ np.diag([1.0, 15.0]) @ _R.T   # a rotated, elongated bowl
_B2 = _A2 @ np.array([1.0, 0.5])


def _bowl(p):
    p = np.asarray(p)
    return 0.5 * np.einsum("i...,ij,j...->...", p, _A2, p) - np.tensordot(_B2, p, axes=1)


def _bowl_grad(p):
    return _A2 @ p - _B2


def _newton(r, seed):
    rng = np.random.default_rng(seed)
    n = 20
    Q = rng.normal(size=(n, n))
    A = Q @ Q.T / n + 0.05 * np.eye(n)
    b = rng.normal(size=n)
    x = np.zeros(n)
    Newton().step([x], [A @ x - b], [A])
    x_star = np.linalg.solve(A, b)
    r.check_below("Newton one-step error on a 20-dim quadratic, |theta_1 - theta*|", np.linalg.norm(x - x_star),
                  1e-10, seed=seed, note=f"theta* = A^-1 b by numpy.linalg.solve; condition number "
                                         f"{np.linalg.cond(A):.0f}")

    x0 = (-2.0, 1.5)
    gd = _gd_path(_bowl_grad, x0, GradientDescent(1.9 / 15.5), 30)
    x1 = np.array(x0, dtype=np.float64)
    Newton().step([x1], [_bowl_grad(x1)], [_A2])
    path_r = [np.array([-1.2, 1.0])]
    res_r = minimize(rosenbrock, path_r[0], grad=rosenbrock_grad, hess=rosenbrock_hess, method="newton", tol=_RACE_TOL,
                     callback=lambda z: path_r.append(z.copy()))
    return {"x0": x0, "gd": gd, "x1": x1, "path_r": np.array(path_r), "n_iter_r": res_r.n_iter}


def _newton_figure(ch, d):
    x0, gd, x1, path_r = d["x0"], d["gd"], d["x1"], d["path_r"]
    fig, (ax1, ax2) = ch.subplots(1, 2, figsize=(10, 4))
    E_min = _bowl(np.array([1.0, 0.5]))
    (xa, xb), (ya, yb) = (-3, 3), (-2.5, 2.5)
    X, Y = np.meshgrid(np.linspace(xa, xb, 200), np.linspace(ya, yb, 200))
    ax1.contour(X, Y, np.log10(_bowl(np.array([X, Y])) - E_min + 1e-3), levels=12, colors="0.7", linewidths=0.7)
    err_gd = np.linalg.norm(gd[-1] - [1, 0.5])
    ax1.plot(gd[:, 0], gd[:, 1], "o-", ms=3, color="C0", label=f"GD, 30 steps: error {err_gd:.1e}")
    ax1.plot([x0[0], x1[0]], [x0[1], x1[1]], "s-", color="k", lw=2,
             label=f"Newton, 1 step: error {np.linalg.norm(x1 - [1, .5]):.0e}")
    ax1.plot(1, 0.5, "r*", ms=12)
    legend(ax1, fontsize=8, loc="lower right")
    ax1.set_xlabel("theta_1")
    ax1.set_ylabel("theta_2")
    ax1.set_title("quadratic: H^-1 grad E points at the minimum", fontsize=9)
    contour(ax2, rosenbrock, ((-2, 2), (-3.5, 3)), np.linspace(-1, 3.5, 14))
    ax2.plot(path_r[:, 0], path_r[:, 1], "s-", color="k",
             label=f"Newton: {d['n_iter_r']} steps to max|grad E| < {_RACE_TOL:g}")
    ax2.plot(1, 1, "r*", ms=12)
    legend(ax2)
    ax2.set_title("Rosenbrock: a few Newton steps instead of thousands of GD steps", fontsize=9)
    ch.figure(fig, "newton", title="Newton's step lands on a quadratic's minimum in one step",
              finding="Left: 30 GD steps zig-zag across the rotated valley (condition number 15) and still "
                      f"miss by {err_gd:.0e}, while one Newton step v = H^-1 grad E jumps to the minimum. "
                      f"Right: on Rosenbrock Newton needs {d['n_iter_r']} steps to max|grad E| < {_RACE_TOL:g} "
                      "(the stopping rule of the race below), at the price of solving with the Hessian, O(n^3) for "
                      "n parameters.")


# ---------------------------------------------------------------------------
# S8: momentum on an ill-conditioned valley
# ---------------------------------------------------------------------------


def _momentum(r, seed):
    mu, L = 1.0, 100.0
    kappa = L / mu
    lam = np.array([mu, L])

    def grad(p):
        return lam * p

    x0 = (1.0, 0.1)
    n_steps = 300
    eta_gd = 2 / (L + mu)
    eta_hb = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    gamma = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
    gd = _gd_path(grad, x0, GradientDescent(eta_gd), n_steps)
    hb = _gd_path(grad, x0, Momentum(eta_hb, momentum=gamma), n_steps)
    err_gd, err_hb = np.linalg.norm(gd, axis=1), np.linalg.norm(hb, axis=1)
    rate_gd_theory = (kappa - 1) / (kappa + 1)
    rate_hb_theory = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    t0, t1 = 50, 150
    rate_gd = (err_gd[t1] / err_gd[t0]) ** (1 / (t1 - t0))
    rate_hb = (err_hb[t1] / err_hb[t0]) ** (1 / (t1 - t0))
    r.check("GD error contraction per step, kappa = 100", rate_gd, rate_gd_theory, 1e-6, seed=seed,
            note="theory (kappa-1)/(kappa+1) at eta = 2/(L+mu); deterministic (the seed plays no role)")
    r.check("momentum error contraction per step, kappa = 100", rate_hb, rate_hb_theory, 0.01, seed=seed,
            note="heavy ball, theory (sqrt kappa-1)/(sqrt kappa+1); measured over steps 50-150")
    return {"n_steps": n_steps, "gd": gd, "hb": hb, "err_gd": err_gd, "err_hb": err_hb, "gamma": gamma,
            "rate_gd_theory": rate_gd_theory, "rate_hb_theory": rate_hb_theory}


def _momentum_figure(ch, d):
    gd, hb, err_gd, err_hb, n_steps = d["gd"], d["hb"], d["err_gd"], d["err_hb"], d["n_steps"]
    rate_gd_theory, rate_hb_theory = d["rate_gd_theory"], d["rate_hb_theory"]
    fig, (ax1, ax2) = ch.subplots(1, 2, figsize=(10.5, 4))
    # the flat direction is where GD loses its time: its error shrinks by 1 - eta mu = 0.98 per step
    first = np.arange(121)
    ax1.plot(first, gd[:121, 0], ".-", ms=2, lw=0.8, color="C0", label="GD")
    ax1.plot(first, hb[:121, 0], ".-", ms=2, lw=0.8, color="C1", label="momentum")
    ax1.axhline(0, color="k", lw=0.5)
    ax1.set_xlabel("step t")
    ax1.set_ylabel("theta_1 (the flat direction, curvature mu)")
    ax1.set_title("momentum builds up speed along the flat direction", fontsize=9)
    legend(ax1)
    steps = np.arange(n_steps + 1)
    ax2.semilogy(steps, err_gd, color="C0", label="GD, eta = 2/(L+mu)")
    ax2.semilogy(steps, err_hb, color="C1", label=f"momentum, gamma = {d['gamma']:.2f}")
    ax2.semilogy(steps, err_gd[0] * rate_gd_theory**steps, "--", color="C0", lw=0.8,
                 label=f"((k-1)/(k+1))^t = {rate_gd_theory:.3f}^t")
    ax2.semilogy(steps, err_hb[0] * rate_hb_theory**steps, "--", color="C1", lw=0.8,
                 label=f"((sqrt k-1)/(sqrt k+1))^t = {rate_hb_theory:.3f}^t")
    ax2.set_ylim(1e-16, 10)
    ax2.set_xlabel("step t")
    ax2.set_ylabel("|theta_t - theta*|")
    legend(ax2, fontsize=7)
    need_gd = int(np.argmax(err_gd < 1e-8)) if (err_gd < 1e-8).any() else None
    need_hb = int(np.argmax(err_hb < 1e-8))
    ch.figure(fig, "momentum", title="Momentum needs ~sqrt(kappa) steps where plain GD needs ~kappa",
              finding=f"E = (x^2 + 100 y^2)/2 (condition number kappa = 100), both with their best settings: "
                      f"momentum reaches an error of 1e-8 in {need_hb} steps, GD in "
                      f"{need_gd if need_gd is not None else f'more than {n_steps}'} steps.")


# ---------------------------------------------------------------------------
# S5-S10: the race on Rosenbrock and Beale
# ---------------------------------------------------------------------------


def _race(r, seed):
    from scipy.optimize import minimize as scipy_minimize

    out = {}
    for fname, (fun, grad, hess, x0, window, methods) in RACE.items():
        ref = scipy_minimize(fun, x0, jac=grad, method="BFGS", options={"gtol": 1e-12}).x
        runs = {}
        for label, (method, options) in methods.items():
            path = [np.array(x0)]
            res = minimize(fun, x0, grad=grad, hess=hess, method=method, max_iter=30_000, tol=_RACE_TOL,
                           callback=lambda z: path.append(z.copy()), **options)
            runs[label] = {"n_iter": res.n_iter, "history": np.asarray(res.history), "path": np.array(path),
                           "n_damped": res.n_damped}
            r.check_below(f"{fname}: {label}, max |theta - theta_scipy|", float(np.abs(res.x - ref).max()), 1e-6,
                          seed=seed, note=f"reference: SciPy's BFGS optimum; stopped at max|grad E| < {_RACE_TOL:g} "
                                          f"after {res.n_iter} steps")
        out[fname] = {"ref": ref, "runs": runs}
    # Adam's bias correction: the very first step has length eta in each coordinate
    adam = out["Rosenbrock"]["runs"]["Adam"]["path"]
    first_step = adam[1] - adam[0]
    eta = RACE["Rosenbrock"][5]["Adam"][1]["lr"]
    r.check("Adam first step |delta theta_i| / eta (bias correction)", float(np.abs(first_step).max() / eta), 1.0,
            1e-6, seed=seed, note="m_hat_1 / sqrt(s_hat_1) = g_1/|g_1|; without the correction it would be "
                                  "(1-beta1)/sqrt(1-beta2) = 3.16")
    return out


def _race_figure(ch, d):
    fig, axes = ch.subplots(2, 2, figsize=(10, 10.5), height_ratios=(1.3, 1))
    steps, damped = {}, {}
    for col, (fname, (fun, grad, hess, x0, window, methods)) in enumerate(RACE.items()):
        ref, runs = d[fname]["ref"], d[fname]["runs"]
        ax_path, ax_cost = axes[0, col], axes[1, col]
        for label in methods:
            steps[fname, label] = runs[label]["n_iter"]
        damped[fname] = runs["Newton"]["n_damped"]
        # widen the window to show every path (Newton's first steps fly far out)
        lo = np.min([run["path"].min(axis=0) for run in runs.values()], axis=0) - 0.1
        hi = np.max([run["path"].max(axis=0) for run in runs.values()], axis=0) + 0.1
        window = tuple((min(w[0], a), max(w[1], b)) for w, a, b in zip(window, lo, hi))
        contour(ax_path, fun, window, np.linspace(-1, 5, 16))
        for label, run in runs.items():
            path = run["path"]
            ax_path.plot(path[:, 0], path[:, 1], "-", color=COLORS[label], lw=1.2,
                         marker="o" if len(path) < 50 else None, ms=3, label=f"{label} ({run['n_iter']} steps)")
            ax_cost.loglog(np.arange(1, len(run["history"]) + 1), run["history"] + 1e-20, color=COLORS[label],
                           label=label)
        ax_path.plot(*ref, "r*", ms=12)
        ax_path.set_title(f"{fname} from {x0}", fontsize=9)
        ax_path.set_xlabel("theta_1")
        ax_path.set_ylabel("theta_2")
        # below the panel, never over a path
        legend(ax_path, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
        ax_cost.set_xlabel("step t + 1")
        ax_cost.set_ylabel("cost E(theta_t) (minimum 0)")
        ax_cost.set_ylim(1e-17, None)
    newton = [steps[f, "Newton"] for f in RACE]
    first_order = [v for (f, label), v in steps.items() if label != "Newton"]
    speedup = steps["Rosenbrock", "GD"] / min(steps["Rosenbrock", "Adam"], steps["Rosenbrock", "momentum"])
    ch.figure(fig, "race", title=f"To max|grad E| < {_RACE_TOL:g}: Newton takes {min(newton)}-{max(newton)} steps, "
                                 f"first-order methods {min(first_order)}-{max(first_order)}; on Rosenbrock the "
                                 f"faster of Adam and momentum needs {speedup:.1f}x fewer steps than GD",
              finding="Paths (top) and cost against step (bottom, log-log, colours as in the legends) of the "
                      "S5-S10 optimisers, each with a tuned learning rate, all stopped by the same rule, "
                      f"max|grad E| < {_RACE_TOL:g}; every one ends within 1e-6 of SciPy's BFGS optimum (table). "
                      "RMSprop's sign-like step needs a decaying rate to settle. Newton's first steps climb, since "
                      "its quadratic model is only good near the minimum: where the Hessian is indefinite (on "
                      f"Rosenbrock at {damped['Rosenbrock']} of its {steps['Rosenbrock', 'Newton']} steps, on Beale "
                      f"at {damped['Beale']} of {steps['Beale', 'Newton']}) it steps along the damped "
                      "H + lambda I instead.")


# ---------------------------------------------------------------------------
# S7: SGD noise against the batch size
# ---------------------------------------------------------------------------


def _sgd_noise(r, seed, quick):
    rng = np.random.default_rng(seed + 7)
    n, d = (500, 5) if quick else (2000, 5)
    X = rng.normal(size=(n, d))
    w_true = rng.normal(size=d)
    y = X @ w_true + 0.5 * rng.normal(size=n)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    # per-sample gradients at the optimum: mean zero, total variance sigma2
    e = X * (X @ w_star - y)[:, None]
    sigma2 = np.mean(np.sum(e**2, axis=1))
    batch_sizes = [1, 4, 16, 64, 256]
    n_epochs_noise = 20 if quick else 100
    measured = []
    gen = np.random.default_rng(seed + 8)
    for K in batch_sizes:
        sq = []
        for _ in range(n_epochs_noise):
            for batch in minibatches(n, K, random_state=gen):
                if len(batch) == K:
                    sq.append(np.sum(e[batch].mean(axis=0) ** 2))
        measured.append(np.mean(sq))
    measured = np.array(measured)
    theory = sigma2 / np.array(batch_sizes) * (n - np.array(batch_sizes)) / (n - 1)
    i16 = batch_sizes.index(16)
    r.check("mini-batch gradient variance / theory at K = 16", measured[i16] / theory[i16], 1.0, 0.05,
            seed=seed, note="theory sigma^2/K (n-K)/(n-1), sampling without replacement")

    # SGD at a constant rate: delta = w - w* follows delta <- delta - eta (H delta + xi), with xi the batch noise
    # of covariance f/K (Sigma + M(C) - H C H), f = (n-K)/(n-1), M(C) = mean_i x_i x_i^T C x_i x_i^T (the noise
    # grows away from w*). Its stationary covariance C solves H C + C H - eta H C H = eta cov(xi), linear in C;
    # the excess-loss floor is tr(H C)/2.
    H = X.T @ X / n
    Sigma = e.T @ e / n
    P = np.einsum("ni,nj->nij", X, X)
    M = np.einsum("nij,nkl->ikjl", P, P).reshape(d * d, d * d) / n   # vec(M(C)) = M vec(C)
    HH = np.kron(H, H)
    eta = 0.05
    n_steps = 4000 if quick else 20000
    burn_in = n_steps // 5
    I = np.eye(d)
    floors, theory_floors, curves = {}, {}, {}
    for K in [1, 16, 256, n]:
        f_K = (n - K) / (n - 1) / K
        lhs = np.kron(I, H) + np.kron(H, I) - eta * HH - eta * f_K * (M - HH)
        C = np.linalg.solve(lhs, eta * f_K * Sigma.reshape(-1)).reshape(d, d)
        theory_floors[K] = 0.5 * np.trace(H @ C)
        w = np.zeros(d)
        opt = GradientDescent(eta)
        gen = np.random.default_rng(seed + 9)
        excess = []
        while len(excess) < n_steps:
            for batch in minibatches(n, K, random_state=gen):
                Xb = X[batch]
                opt.step([w], [Xb.T @ (Xb @ w - y[batch]) / len(batch)])
                dw = w - w_star
                excess.append(0.5 * dw @ H @ dw)
                if len(excess) == n_steps:
                    break
        curves[K] = np.array(excess)
        floors[K] = curves[K][burn_in:].mean()
    r.check("SGD excess-loss floor at K = 1 / theory", floors[1] / theory_floors[1], 1.0, 0.1,
            seed=seed, note=f"time average over {n_steps - burn_in} steps; eta = {eta}; "
                            "theory: tr(HC)/2, C the stationary covariance of w - w*")
    return {"n": n, "eta": eta, "n_steps": n_steps, "curves": curves, "floors": floors,
            "theory_floors": theory_floors, "batch_sizes": batch_sizes, "measured": measured, "theory": theory}


def _sgd_noise_figure(ch, d):
    n, n_steps, floors = d["n"], d["n_steps"], d["floors"]
    fig, (ax1, ax2) = ch.subplots(1, 2, figsize=(10.5, 4))
    for color, (K, excess) in zip(["C0", "C1", "C2", "C3"], d["curves"].items()):
        ax1.loglog(np.arange(1, n_steps + 1), np.maximum(excess, 1e-17), color=color, lw=0.8,
                   label=f"K = {K}: {int(np.ceil(n / K))} steps per epoch")
        if d["theory_floors"][K] > 0:
            ax1.axhline(d["theory_floors"][K], color=color, ls="--", lw=1)
    ax1.set_xlabel("step t")
    ax1.set_ylabel("E(w_t) - E(w*)")
    ax1.set_ylim(1e-9, None)
    ax1.set_title(f"SGD, eta = {d['eta']}, n = {n} (dashed: predicted noise floor)", fontsize=9)
    legend(ax1, fontsize=7, loc="lower left")
    ax2.loglog(d["batch_sizes"], np.sqrt(d["measured"]), "o", label="measured at w*")
    ax2.loglog(d["batch_sizes"], np.sqrt(d["theory"]), "-", label="sqrt(sigma^2/K (n-K)/(n-1))")
    ax2.set_xlabel("batch size K")
    ax2.set_ylabel("rms |grad E_MB(w*)|")
    legend(ax2)
    ch.figure(fig, "sgd_noise", title="SGD stalls at a noise floor that falls with the batch size K",
              finding="Linear regression by SGD at a constant rate. Right: at the optimum the mini-batch gradient is "
                      "pure noise of rms size sqrt(sigma^2/K). Left: every batch size descends alike at first, then "
                      f"stalls at a floor set by that noise (K = 1: {floors[1]:.1e}, K = 16: {floors[16]:.1e}); only "
                      "the full batch converges. Dashed: the floor for independent batches. Large K sit below it: "
                      "the batches of one epoch partition the data, so their noise cancels over an epoch that is "
                      "shorter than SGD's relaxation time (the benefit of reshuffling over sampling with "
                      "replacement).")


# ---------------------------------------------------------------------------
# S11: a genetic algorithm on a rugged landscape
# ---------------------------------------------------------------------------


def _rastrigin(P):
    r"""f(x) = 10 d + sum_i [x_i^2 - 10 cos(2 pi x_i)] on rows of P: global minimum 0 at x = 0."""
    P = np.atleast_2d(P)
    return 10 * P.shape[1] + np.sum(P**2 - 10 * np.cos(2 * np.pi * P), axis=1)


def _rastrigin_grad(x):
    return 2 * x + 20 * np.pi * np.sin(2 * np.pi * x)


def _genetic(r, seed, quick):
    from scipy.optimize import differential_evolution

    d, bounds = 10, [(-5.12, 5.12)] * 10
    generations = 1500 if quick else 2000
    snapshots = {}

    def keep(gen, P, f):
        if gen in (1, 20, 100, generations):
            snapshots[gen] = P[:, :2].copy()

    ga = GeneticAlgorithm(population_size=100, crossover="uniform", random_state=seed)
    res = ga.minimize(_rastrigin, bounds, max_generations=generations, callback=keep)
    x0 = np.random.default_rng(seed).uniform(-5.12, 5.12, d)
    local = {m: minimize(lambda x: _rastrigin(x)[0], x0, grad=_rastrigin_grad, method=m, lr=lr, max_iter=5000)
             for m, lr in (("adam", 0.05), ("gd", 1e-3))}
    de = differential_evolution(lambda x: _rastrigin(x)[0], bounds, seed=seed, tol=1e-10, maxiter=3000)
    r.check_below("genetic algorithm on 10-D Rastrigin: best f (global minimum 0)", res.fun, 1e-3, seed=seed,
                  note=f"{res.n_eval} evaluations ({generations} generations of 100)")
    r.check_above("Adam from a random start on 10-D Rastrigin: final f (stuck in a local minimum)",
                  local["adam"].fun, 0.99, seed=seed,
                  note=f"{local['adam'].n_iter} steps; every local minimum other than 0 has f >= 0.995")
    r.check_above("GD from the same start: final f", local["gd"].fun, 0.99, seed=seed,
                  note=f"{local['gd'].n_iter} steps")
    r.measured("SciPy differential evolution on 10-D Rastrigin: best f", de.fun, seed=seed,
               note=f"{de.nfev} evaluations (peer method, shown for the evaluation count)")
    return {"history": res.history, "snapshots": snapshots, "n_eval": res.n_eval, "ga_f": res.fun,
            "adam": local["adam"].fun, "gd": local["gd"].fun, "adam_x": local["adam"].x[:2], "x0": x0[:2],
            "de_nfev": de.nfev, "de_f": de.fun}


def _genetic_figure(ch, d):
    fig, (ax1, ax2) = ch.subplots(1, 2, figsize=(10.5, 4.2))
    contour(ax1, lambda Z: 20 + Z[0] ** 2 - 10 * np.cos(2 * np.pi * Z[0]) + Z[1] ** 2 - 10 * np.cos(2 * np.pi * Z[1]),
            ((-5.12, 5.12), (-5.12, 5.12)), levels=12, log=False, n=200)
    for (gen, P), color in zip(sorted(d["snapshots"].items()), ("C7", "C0", "C2", "C3")):
        ax1.plot(P[:, 0], P[:, 1], ".", ms=3, color=color, label=f"generation {gen}")
    ax1.plot(*d["x0"], "k^", ms=7, label="gradient start")
    ax1.plot(*d["adam_x"], "kx", ms=9, mew=2, label="Adam stops here")
    ax1.set_xlabel("x_1")
    ax1.set_ylabel("x_2")
    ax1.set_title("population in the first two of 10 coordinates", fontsize=9)
    legend(ax1, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax2.semilogy(np.maximum(d["history"], 1e-12), color="C0", label="genetic algorithm, best of population")
    ax2.axhline(d["adam"], color="C1", ls="--", label=f"Adam, stuck at f = {d['adam']:.1f}")
    ax2.axhline(d["gd"], color="C2", ls=":", label=f"GD, stuck at f = {d['gd']:.1f}")
    ax2.set_xlabel("generation (100 evaluations each)")
    ax2.set_ylabel("best cost f")
    legend(ax2, loc="center right")
    ch.figure(fig, "genetic",
              title="A genetic algorithm finds Rastrigin's global minimum where Adam and GD stop in a local one",
              finding=f"10-D Rastrigin, f = 10 d + sum [x_i^2 - 10 cos(2 pi x_i)], a local minimum near every integer "
                      f"point. Selection, crossover and mutation reach f = {d['ga_f']:.1e} after {d['n_eval']} "
                      f"evaluations (SciPy's differential evolution: f = {d['de_f']:.1e} after {d['de_nfev']}); "
                      f"from a random start the gradient methods stop at the nearest local minimum.")


def compute(seed=0, quick=False):
    """Run the optimisation experiments (S5-S10): the numbers and the arrays the figures draw."""
    r = Result(seed=seed, quick=quick)
    r.notes.append("Every optimiser here is physml.optim (S5-S10). The race tunes one learning rate per method and "
                   "function; the distances to SciPy's BFGS optimum are in the table.")
    r.data["learning_rate"] = _learning_rate(r, seed)
    r.data["newton"] = _newton(r, seed)
    r.data["momentum"] = _momentum(r, seed)
    r.data["race"] = _race(r, seed)
    r.data["sgd_noise"] = _sgd_noise(r, seed, quick)
    r.data["genetic"] = _genetic(r, seed, quick)
    return r


def figures(result, ch):
    """Draw the optimisation figures of ``result`` (from :func:`compute`) into ``ch``."""
    d = result.data
    _learning_rate_figure(ch, d["learning_rate"])
    _newton_figure(ch, d["newton"])
    _momentum_figure(ch, d["momentum"])
    _race_figure(ch, d["race"])
    _sgd_noise_figure(ch, d["sgd_noise"])
    _genetic_figure(ch, d["genetic"])
