# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Hands-on 2: how a machine learns — gradient descent and its refinements (S5–S10)
#
# Training a model means minimising a cost function $E(\theta)$ over its
# parameters $\theta$. All the optimisers of the lecture take a step against the
# gradient $g_t = \nabla_\theta E(\theta_t)$; they differ in how they scale it.
#
# | item | method | update |
# |---|---|---|
# | S5 | gradient descent | $\theta_{t+1} = \theta_t - \eta_t g_t$ |
# | S6 | Newton | $\theta_{t+1} = \theta_t - H^{-1} g_t$ |
# | S7 | stochastic GD | $g_t$ from a mini-batch of $K$ samples |
# | S8 | momentum | $v_t = \gamma v_{t-1} + \eta_t g_t$, $\theta_{t+1} = \theta_t - v_t$ |
# | S9 | RMSprop | $s_t = \beta s_{t-1} + (1-\beta) g_t^2$, $\theta_{t+1} = \theta_t - \eta_t g_t/\sqrt{s_t+\epsilon}$ |
# | S10 | Adam | $m_t$, $s_t$ as above, bias-corrected $\hat m_t = m_t/(1-\beta_1^t)$, $\hat s_t = s_t/(1-\beta_2^t)$ |
#
# In `physml.optim` each rule is a class whose `step(params, grads)` updates a
# list of NumPy arrays in place, and `minimize` runs any of them on a function.
#
# Contents:
# 1. the learning rate of gradient descent on a valley (S5);
# 2. Newton's method (S6);
# 3. momentum on an ill-conditioned problem (S8);
# 4. all optimisers on the Rosenbrock function, against SciPy (S5–S10);
# 5. your own training loop: linear regression by mini-batch SGD and Adam (S7, S10).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import minimize as scipy_minimize
from scipy.optimize import rosen, rosen_der, rosen_hess

import physml.optim as optim

SMALL = os.environ.get("PHYSML_TUTORIAL_SMALL") == "1"
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. The learning rate (S5)
#
# Take the valley $E(x, y) = \frac12(x^2 + 10 y^2)$. Its Hessian has eigenvalues
# $\lambda = 1$ and $10$. A gradient step multiplies the error along each
# eigenvector by $1 - \eta\lambda$, so gradient descent converges only if
# $|1 - \eta\lambda_{\max}| < 1$, i.e. $\eta < 2/\lambda_{\max} = 0.2$.

# %%
lam = np.array([1.0, 10.0])


def valley(p):
    return 0.5 * np.sum(lam * p**2)


def valley_grad(p):
    return lam * p


fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
X, Y = np.meshgrid(np.linspace(-5, 5, 200), np.linspace(-3, 3, 200))
for ax, eta in zip(axes, [0.02, 0.18, 0.205]):
    path = [np.array([-4.0, 1.5])]
    res = optim.minimize(valley, path[0], grad=valley_grad, method="gd", lr=eta, max_iter=25,
                         callback=lambda x: path.append(x.copy()))
    path = np.array(path)
    ax.contour(X, Y, 0.5 * (X**2 + 10 * Y**2), levels=15, colors="0.8")
    ax.plot(path[:, 0], path[:, 1], "o-", ms=3)
    ax.set_ylim(-3, 3)
    ax.set_title(f"eta = {eta}: E = {res.fun:.2g} after {res.n_iter} steps")
plt.show()

# %% [markdown]
# Too small a rate crawls, a good one converges, and beyond $2/\lambda_{\max}$
# the steep direction overshoots more at every step. With $\eta = 0.5$ the
# cost explodes: `minimize` notices when it becomes infinite, stops, and
# returns the best point it saw.

# %%
res = optim.minimize(valley, [-4.0, 1.5], grad=valley_grad, method="gd", lr=0.5, max_iter=5000)
print(res.message)

# %% [markdown]
# **What this shows.** The learning rate is bounded by the steepest curvature,
# $\eta < 2/\lambda_{\max}$, while the flattest direction sets how long
# gradient descent takes: the condition number $\lambda_{\max}/\lambda_{\min}$
# is the cost of a first-order method.

# %% [markdown]
# ## 2. Newton's method (S6)
#
# Newton scales the gradient with the inverse Hessian, $v_t = H^{-1} \nabla E$.
# On a quadratic $E = \frac12 \theta^T A \theta - b^T\theta$ the Taylor expansion
# is exact, so one step lands on the minimum $A^{-1} b$, whatever the condition
# number. The price: building and solving with an $n\times n$ Hessian,
# $O(n^3)$ — hopeless for a network with a million weights.

# %%
n = 50
Q = rng.normal(size=(n, n))
A = Q @ Q.T / n + 0.01 * np.eye(n)
b = rng.normal(size=n)
res = optim.minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(n), grad=lambda x: A @ x - b,
                     hess=lambda x: A, method="newton", tol=1e-8)
print(f"condition number {np.linalg.cond(A):.0f}: {res.n_iter} Newton step, "
      f"error {np.linalg.norm(res.x - np.linalg.solve(A, b)):.1e}")

# %% [markdown]
# **What this shows.** On a quadratic, Newton's step
# $\Delta\theta = -H^{-1}\nabla E$ lands on the minimum in one step whatever
# the condition number (printed: one step, error at round-off). The price is
# solving with the Hessian, $O(n^3)$ for $n$ parameters, which is why networks
# with millions of weights use first-order methods.

# %% [markdown]
# ## 3. Momentum (S8)
#
# On a long, narrow valley gradient descent must keep $\eta$ below
# $2/\lambda_{\max}$ and then crawls along the flat direction: it needs about
# $\kappa = \lambda_{\max}/\lambda_{\min}$ steps per decade of accuracy.
# Momentum accumulates the gradient along the persistent direction while the
# oscillating component averages out; with well-chosen $\eta$ and $\gamma$ it
# needs only about $\sqrt\kappa$ steps per decade.

# %%
kappa = 1000.0
lam2 = np.array([1.0, kappa])
E2 = lambda p: 0.5 * np.sum(lam2 * p**2)  # noqa: E731
g2 = lambda p: lam2 * p  # noqa: E731
x0 = np.array([1.0, 0.01])
eta_gd = 2 / (1 + kappa)
eta_hb = 4 / (1 + np.sqrt(kappa)) ** 2
gamma = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
runs = {
    "GD": optim.minimize(E2, x0, grad=g2, method="gd", lr=eta_gd, max_iter=20_000, tol=1e-10),
    "momentum": optim.minimize(E2, x0, grad=g2, method="momentum", lr=eta_hb, momentum=gamma, max_iter=20_000,
                               tol=1e-10),
}
for name, r in runs.items():
    plt.semilogy(r.history, label=f"{name}: {r.n_iter} steps")
plt.xlabel("step t")
plt.ylabel("cost E(theta_t) (minimum 0)")
plt.legend()
plt.title(f"kappa = {kappa:.0f}")
plt.show()

# %% [markdown]
# **What this shows.** Gradient descent's error falls by about
# $(\kappa-1)/(\kappa+1)$ per step, momentum's by about
# $(\sqrt\kappa-1)/(\sqrt\kappa+1)$: for $\kappa = 100$ that is roughly ten
# times fewer steps for the same accuracy.

# %% [markdown]
# ## 4. The race on Rosenbrock's banana (S5–S10)
#
# $E(x, y) = (1-x)^2 + 100 (y - x^2)^2$ has its minimum at $(1, 1)$ at the end of
# a curved, flat-bottomed valley. Each method gets a learning rate tuned by hand
# (try others!). RMSprop and Adam take steps of size $\approx\eta$ whatever the
# gradient, so they hover around the minimum unless $\eta$ decays: we give
# RMSprop a `StepDecay` schedule. SciPy's BFGS provides the reference optimum.

# %%
x_ref = scipy_minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="BFGS", options={"gtol": 1e-12}).x
settings = {
    "gd": {"lr": 1.5e-3},
    "momentum": {"lr": 5e-4},
    "nesterov": {"lr": 5e-4},
    "rmsprop": {"lr": 3e-3, "schedule": optim.StepDecay(500, 0.7)},
    "adam": {"lr": 1e-2},
    "newton": {},
}
max_iter = 5_000 if SMALL else 30_000
Xr, Yr = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-1, 3, 300))
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
ax1.contour(Xr, Yr, np.log10(rosen(np.array([Xr, Yr]))), levels=20, colors="0.8")
for method, options in settings.items():
    path = [np.array([-1.2, 1.0])]
    r = optim.minimize(rosen, [-1.2, 1.0], grad=rosen_der, hess=rosen_hess, method=method, max_iter=max_iter,
                       tol=1e-7, callback=lambda x: path.append(x.copy()), **options)
    path = np.array(path)
    ax1.plot(path[:, 0], path[:, 1], label=method)
    ax2.loglog(np.arange(1, len(r.history) + 1), r.history, label=method)
    print(f"{method:9s} {r.n_iter:6d} steps  converged={r.converged!s:5s}  "
          f"distance to SciPy's optimum {np.abs(r.x - x_ref).max():.1e}")
ax1.plot(1, 1, "r*", ms=12)
ax1.legend()
ax2.set_xlabel("step + 1")
ax2.set_ylabel("cost E(theta_t) (minimum 0)")
plt.show()

# %% [markdown]
# Adam's bias correction makes its first step exactly $\eta$ long in every
# coordinate, however large or small the gradient: $\hat m_1 = g_1$ and
# $\hat s_1 = g_1^2$, so $\hat m_1/\sqrt{\hat s_1} = \mathrm{sign}(g_1)$.

# %%
theta = np.zeros(3)
opt = optim.Adam(lr=0.01, eps=0.0)
opt.step([theta], [np.array([1e-4, -3.0, 2e5])])
print(theta)

# %% [markdown]
# **What this shows.** The printed step is $\eta = 0.01$ in every coordinate
# although the gradients differ by nine orders of magnitude: Adam's step size is
# set by the learning rate, not by the scale of the gradient. On the banana
# this is what lets Adam and momentum follow the curved valley where plain
# gradient descent crawls.

# %% [markdown]
# ## 5. Your own training loop: mini-batch SGD and Adam (S7, S10)
#
# An estimator that learns by SGD loops over epochs; each epoch cuts the $n$
# samples into $\lceil n/K\rceil$ mini-batches (`optim.minibatches`), and each
# batch gives a noisy gradient for one optimiser step. Here: linear regression,
# $E(w, b) = \frac{1}{2K}\sum_{i\in MB} (x_i\cdot w + b - y_i)^2$. The parameters
# are a list of arrays, updated in place by `opt.step`.

# %%
n, d = (1000, 3) if SMALL else (20_000, 3)
X = rng.normal(size=(n, d))
w_true, b_true = np.array([1.5, -2.0, 0.5]), 0.3
y = X @ w_true + b_true + 0.1 * rng.normal(size=n)


def train(opt, K, n_epochs, seed=0):
    w, b = np.zeros(d), np.zeros(1)
    gen = np.random.default_rng(seed)
    losses = []
    for _ in range(n_epochs):
        for batch in optim.minibatches(n, K, random_state=gen):
            r = X[batch] @ w + b - y[batch]
            opt.step([w, b], [X[batch].T @ r / len(batch), np.array([r.mean()])])
        losses.append(0.5 * np.mean((X @ w + b - y) ** 2))
    return w, b, losses


for name, opt in [("SGD", optim.GradientDescent(0.05)), ("Adam", optim.Adam(0.05))]:
    w, b, losses = train(opt, K=32, n_epochs=10)
    plt.semilogy(losses, "o-", label=name)
    print(f"{name}: w = {np.round(w, 3)}, b = {b[0]:.3f}  (true {w_true}, {b_true})")
plt.xlabel("epoch")
plt.ylabel("training loss (mean squared error / 2)")
plt.legend()
plt.show()

# %% [markdown]
# The loss levels off at $\frac12\sigma^2 = 0.005$, the noise we put in the
# data: beyond that no optimiser can go. Things to try:
#
# * change the batch size $K$: smaller batches take more, noisier steps per epoch;
# * give SGD a decaying rate, `optim.GradientDescent(0.05, schedule=optim.ExponentialDecay(0.999))`,
#   and watch the last digits of $w$ settle;
# * compare `optim.RMSprop(0.01)` with `optim.RMSprop(0.01, eps_inside_sqrt=False)` (PyTorch's convention).
