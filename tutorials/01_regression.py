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
# # Hands-on 1: regression — fitting is not predicting (S1–S4, S41)
#
# In this notebook we play the experimentalist and the theorist at once. We
# generate measurements from a *known* physical law, pretend we do not know it,
# and try to recover it by fitting polynomials. The lesson of the lecture is that
# the model that describes the data best is in general **not** the one that
# predicts new data best.
#
# Contents:
# 1. data from a known law with noise (S1);
# 2. polynomial regression by least squares, and the degree-1 closed form (S2);
# 3. training and validation errors, $E_\mathrm{tr}$ and $E_\mathrm{val}$ (S3);
# 4. weight decay (ridge regression) tuned on validation data (S4);
# 5. K-fold cross-validation to choose the degree (S3).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from physml.datasets import noisy_law
from physml.datasets.laws import LAWS
from physml.linear import LinearRegression, PolynomialRegression
from physml.metrics import mean_squared_error
from physml.model_selection import KFold, cross_val_score, train_test_split, validation_curve

# PHYSML_TUTORIAL_SMALL=1 (set by the test suite) shrinks every size so the notebook runs in seconds
SMALL = os.environ.get("PHYSML_TUTORIAL_SMALL") == "1"
REPEATS = 5 if SMALL else 100
SEED = 0

# %% [markdown]
# ## 1. Data from a known law (S1)
#
# The measurements are $y_i = f(x_i) + \eta_i$ with uncorrelated Gaussian noise,
# $\langle\eta_i\rangle = 0$, $\langle\eta_i\eta_j\rangle = \sigma^2\delta_{ij}$.
# The lecture uses two laws on $x\in[0,1]$:
#
# $$f(x) = 2x, \qquad f(x) = 2x - 10x^5 + 15x^{10}.$$
#
# The larger $\sigma$ compared with the variation of $f$, the noisier the data.

# %%
grid = np.linspace(0, 1, 400)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for ax, law in zip(axes, ["linear", "poly10"]):
    for sigma in [0.0, 1.0]:
        x, y = noisy_law(law, n=30, sigma=sigma, random_state=SEED)
        ax.plot(x, y, "o", ms=4, label=f"sigma = {sigma}")
    ax.plot(grid, LAWS[law](grid), "k", lw=2, label="f(x)")
    ax.set_title(law)
    ax.set_xlabel("x (dimensionless)")
    ax.set_ylabel("y")
    ax.legend()
plt.show()

# %% [markdown]
# **What this shows.** Without noise the points lie on the law; with
# $\sigma = 1$ they scatter by about $\pm 1$ around it. For $f(x) = 2x$ that
# scatter is as large as the whole variation of the law on $[0, 1]$, so a few
# points can only pin it down on average; the degree-10 law varies more
# (from about $-0.9$ to $7$) and still shows through the noise.

# %% [markdown]
# ## 2. Polynomial regression (S2)
#
# The model class $\alpha$ is the set of polynomials of degree $N_\alpha$,
# $f_\alpha(x;\theta) = \sum_{j=0}^{N_\alpha} \theta_j x^j$, and the parameters
# minimise the sum of squared residuals
# $\hat\theta = \arg\min_\theta \sum_i (y_i - f_\alpha(x_i;\theta))^2$.
#
# For degree 1 the minimum is the first-year-statistics closed form,
#
# $$\hat\theta_1 = \frac{\langle xy\rangle - \langle x\rangle\langle y\rangle}{\langle x^2\rangle - \langle x\rangle^2},
# \qquad \hat\theta_0 = \langle y\rangle - \hat\theta_1\langle x\rangle .$$
#
# Let us check that `LinearRegression` finds exactly this.

# %%
x, y = noisy_law("linear", n=100, sigma=1.0, random_state=SEED)
theta_1 = (np.mean(x * y) - x.mean() * y.mean()) / (np.mean(x**2) - x.mean() ** 2)
theta_0 = y.mean() - theta_1 * x.mean()
model = LinearRegression().fit(x.reshape(-1, 1), y)
print(f"closed form: theta_0 = {theta_0:.6f}, theta_1 = {theta_1:.6f}")
print(f"fit:         theta_0 = {model.intercept_:.6f}, theta_1 = {model.coef_[0]:.6f}")

# %% [markdown]
# The slope is close to the true value 2, but not equal: the noise makes the
# estimate itself a random variable. Its standard error is
# $\hat\sigma / \sqrt{\sum_i (x_i - \langle x\rangle)^2}$.

# %%
residual = y - model.predict(x.reshape(-1, 1))
sigma_hat = np.sqrt(residual @ residual / (len(x) - 2))
se = sigma_hat / np.sqrt(np.sum((x - x.mean()) ** 2))
print(f"theta_1 = {model.coef_[0]:.3f} +- {se:.3f}  (true value 2)")

# %% [markdown]
# `PolynomialRegression` fits any degree. Internally it maps $x$ onto $[-1, 1]$
# before building the Vandermonde matrix $V_{ij} = t_i^j$ and solves the
# least-squares problem by a QR decomposition, which keeps degree 10 accurate;
# `coef_` gives back the $\theta_j$ in powers of $x$. Without noise, a degree-10
# fit recovers the coefficients of the degree-10 law:

# %%
x, y = noisy_law("poly10", n=50, sigma=0.0, random_state=SEED)
theta = PolynomialRegression(degree=10).fit(x, y).coef_
print(np.round(theta, 6) + 0.0)  # (+ 0.0 turns -0 into 0) expected: 0, 2, 0, 0, 0, -10, 0, 0, 0, 0, 15

# %% [markdown]
# **What this shows.** The noise-free degree-10 fit returns the law's own
# coefficients $2, -10, 15$ (powers 1, 5, 10) and zeros elsewhere: when the law
# is inside the model class and there is no noise, fitting is predicting.

# %% [markdown]
# ## 3. Fitting is not predicting (S3)
#
# We split the data into a training set $D_\mathrm{tr}$, used to fit, and a
# validation set $D_\mathrm{val}$, used only to judge the fit:
#
# $$E_\mathrm{tr} = C(Y_\mathrm{tr}, f(X_\mathrm{tr};\hat\theta)), \qquad
# E_\mathrm{val} = C(Y_\mathrm{val}, f(X_\mathrm{val};\hat\theta)),$$
#
# with $C$ the mean squared error. We fit degrees 0 to 15 to 20 training points
# and average (median) the errors over several data sets.

# %%
degrees = np.arange(16)


def errors(law, sigma, n_train=20, n_val=500):
    E_tr = np.empty((REPEATS, len(degrees)))
    E_val = np.empty((REPEATS, len(degrees)))
    for r in range(REPEATS):
        x, y = noisy_law(law, n=n_train + n_val, sigma=sigma, random_state=SEED + r)
        x_tr, x_val, y_tr, y_val = train_test_split(x, y, train_size=n_train, random_state=r)
        for k, N in enumerate(degrees):
            fit = PolynomialRegression(degree=N).fit(x_tr, y_tr)
            E_tr[r, k] = mean_squared_error(y_tr, fit.predict(x_tr))
            E_val[r, k] = mean_squared_error(y_val, fit.predict(x_val))
    return np.median(E_tr, axis=0), np.median(E_val, axis=0)


fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for ax, law in zip(axes, ["linear", "poly10"]):
    E_tr, E_val = errors(law, sigma=1.0)
    ax.semilogy(degrees, E_tr, "-o", label="E_tr")
    ax.semilogy(degrees, E_val, "-s", label="E_val")
    ax.axhline(1.0, color="gray", ls=":", label="sigma^2")
    ax.set_ylim(0.05, 1e3)
    ax.set_title(f"{law}, sigma = 1: best degree {degrees[np.argmin(E_val)]}")
    ax.set_xlabel("degree N")
    ax.legend()
plt.show()

# %% [markdown]
# $E_\mathrm{tr}$ falls monotonically: a more flexible model always fits the
# training data better. $E_\mathrm{val}$ has a minimum and then explodes: the
# high-degree polynomials fit the *noise*. Even for the degree-10 law, a
# polynomial of much lower degree predicts better when the data are few and
# noisy. **Exercise:** set `sigma=0.0` above. Now fitting and predicting agree.

# %% [markdown]
# ## 4. Weight decay: ridge regression (S4)
#
# Instead of lowering the degree we can keep a flexible model and penalise
# large coefficients,
#
# $$C(\theta) = \frac1n\sum_{i=1}^n (y_i - f(x_i;\theta))^2 + \lambda\,\theta^T\theta .$$
#
# physml (like scikit-learn) writes the penalty as $\alpha\,\theta^T\theta$ added to
# the *sum* of squares, so $\alpha = n\lambda$ (n the number of points in the fit).
# `PolynomialRegression(degree, alpha)` penalises the coefficients $c_1,\dots,c_N$
# of the polynomial in the scaled variable $t \in [-1, 1]$ it fits in (the constant
# $c_0$ is not penalised), not the $\theta_j$ of the powers of $x$ that `coef_` reports.
# The hyperparameter is tuned on validation data: `validation_curve`
# cross-validates the model for every value.

# %%
x, y = noisy_law("poly10", n=40, sigma=1.0, random_state=SEED)
alphas = np.logspace(-10, 3, 14 if SMALL else 40)
s_tr, s_val = validation_curve(PolynomialRegression(degree=15), x, y, param_name="alpha",
                               param_range=alphas, cv=KFold(5, shuffle=True, random_state=SEED),
                               scoring="neg_mean_squared_error")
E_tr, E_val = -s_tr.mean(axis=1), -s_val.mean(axis=1)
alpha_best = alphas[np.argmin(E_val)]

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
axes[0].loglog(alphas, E_tr, "-o", label="E_tr")
axes[0].loglog(alphas, E_val, "-s", label="E_val (5-fold)")
axes[0].axvline(alpha_best, color="gray", ls=":")
axes[0].set_xlabel("ridge strength alpha (= n lambda)")
axes[0].set_ylabel("mean squared error")
axes[0].legend()
axes[1].plot(x, y, "ko", ms=3)
for alpha in [alphas[0], alpha_best, alphas[-1]]:
    axes[1].plot(grid, PolynomialRegression(degree=15, alpha=alpha).fit(x, y).predict(grid),
                 label=f"alpha = {alpha:.2g}")
axes[1].plot(grid, LAWS["poly10"](grid), "k", lw=2, alpha=0.4, label="f(x)")
axes[1].set_ylim(-4, 10)
axes[1].legend()
plt.show()
n_fit = len(x) * 4 // 5  # each 5-fold fit sees 4/5 of the points
print(f"best alpha = {alpha_best:.3g}, i.e. lambda = alpha / n = {alpha_best / n_fit:.3g} for the {n_fit} points of a fit")

# %% [markdown]
# Too little decay: the degree-15 polynomial oscillates through the noise. Too
# much: it flattens to a constant and misses the law. In between the
# validation error is smallest — *no free lunch*, the regularisation must be tuned.

# %% [markdown]
# ## 5. K-fold cross-validation (S3)
#
# One split into training and validation data wastes data and depends on the
# split. K-fold cross-validation cuts the data into K folds, fits on K-1 and
# scores on the remaining one, K times, and averages. We use it to choose the
# degree, keeping the simplest degree whose error lies within one standard error
# of the minimum (the *one-standard-error rule*).

# %%
x, y = noisy_law("linear", n=400, sigma=1.0, random_state=SEED)
cv = KFold(5, shuffle=True, random_state=SEED)
scores = np.array([cross_val_score(PolynomialRegression(degree=N), x, y, cv=cv,
                                   scoring="neg_mean_squared_error") for N in range(9)])
E_cv, se = -scores.mean(axis=1), scores.std(axis=1, ddof=1) / np.sqrt(cv.get_n_splits())
k = np.argmin(E_cv)
chosen = int(np.argmax(E_cv <= E_cv[k] + se[k]))
plt.errorbar(range(9), E_cv, yerr=se, fmt="-o", capsize=3)
plt.axhline(E_cv[k] + se[k], color="gray", ls="--")
plt.xlabel("degree N")
plt.ylabel("5-fold CV error (mean squared)")
plt.title(f"f(x) = 2x: cross-validation chooses degree {chosen}")
plt.show()

# %% [markdown]
# Cross-validation recovers the degree of the law that generated the data.
#
# **Take-aways.** (i) The training error always favours the most complex model;
# only data not used in the fit tell which model predicts. (ii) With noise,
# simpler (or regularised) models generalise better. (iii) Hyperparameters — the
# degree, $\lambda$ — are chosen on validation data, by a split or by K-fold
# cross-validation.
