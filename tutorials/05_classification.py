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
# # Hands-on 5: classification — lines, probabilities, trees (S28–S34, S41)
#
# A classifier draws a boundary in feature space. In this notebook we draw
# boundaries in two dimensions, where we can see them, and watch how the way a
# classifier is *trained* decides where its boundary ends up.
#
# Contents:
# 1. the perceptron and the geometry of a linear boundary (S28);
# 2. least squares on labels $\pm 1$, and what far-away points do to it (S29);
# 3. logistic regression: probabilities and the cross-entropy (S30), softmax for three classes (S31);
# 4. the Gaussian generative classifier: Bayes' theorem, sampling, outliers (S34);
# 5. a decision tree's rules (S32) and a random forest's feature importances (S33).

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np

from physml.base import ConvergenceWarning
from physml.generative import GaussianGenerativeClassifier
from physml.linear import LeastSquaresClassifier, LogisticRegression, Perceptron
from physml.tree import DecisionTreeClassifier, RandomForestClassifier, export_text

# PHYSML_TUTORIAL_SMALL=1 (set by the test suite) shrinks every size so the notebook runs in seconds
SMALL = os.environ.get("PHYSML_TUTORIAL_SMALL") == "1"
SEED = 0
rng = np.random.default_rng(SEED)


def plot_boundary(ax, model, xlim, ylim, **kwargs):
    """Draw the 0.5-level of a classifier's decision on a grid (a line for linear models)."""
    xx, yy = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
    grid = np.c_[xx.ravel(), yy.ravel()]
    z = model.predict(grid).reshape(xx.shape).astype(float)
    ax.contour(xx, yy, z, levels=[0.5], **kwargs)


# %% [markdown]
# ## 1. The perceptron (S28)
#
# The perceptron predicts $\hat y = \mathrm{sign}(x^T\theta + \theta_0)$. Its
# boundary $x^T\theta + \theta_0 = 0$ is a line in 2D (a hyperplane in $p$
# dimensions), and $\theta$ is perpendicular to it: for two points on the line,
# $\theta^T(x_a - x_b) = 0$. Training visits the samples one by one and, for a
# misclassified one, moves the boundary towards it:
# $\theta \leftarrow \theta + \eta\, t_i x_i$, $\theta_0 \leftarrow \theta_0 + \eta\, t_i$.

# %%
n = 50
X = np.r_[rng.normal(size=(n, 2)) * 0.6 + (-1.0, 1.0), rng.normal(size=(n, 2)) * 0.6 + (1.0, -1.0)]
y = np.repeat([0, 1], n)
perceptron = Perceptron(random_state=SEED).fit(X, y)
print(f"converged: {perceptron.converged_} after {perceptron.n_iter_} epochs; "
      f"training accuracy {perceptron.score(X, y):.3f}")
theta, b = perceptron.coef_[0], perceptron.intercept_[0]
print("theta =", theta, " theta_0 =", b)

fig, ax = plt.subplots(figsize=(5, 5))
ax.scatter(*X[y == 0].T, s=15, label="class 0")
ax.scatter(*X[y == 1].T, s=15, label="class 1")
x_line = np.linspace(-3, 3, 2)
ax.plot(x_line, -(theta[0] * x_line + b) / theta[1], "k", label="boundary")
foot = -b * theta / (theta @ theta)
ax.arrow(*foot, *(theta / np.linalg.norm(theta)), width=0.03, color="tab:green", label="theta (unit)")
ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xlabel="x1", ylabel="x2")
ax.legend()
plt.show()

# %% [markdown]
# **Interpretation.** The blobs are (here) linearly separable, so the rule stops
# after a few epochs with every point on its side (Novikoff's theorem
# guarantees it). The arrow $\theta$ stands at a right angle on the boundary and
# points into class 1. Which separating line the perceptron ends on depends on
# the order of the samples: among the infinitely many separating lines it has
# no preference, and it says nothing about how *sure* it is.

# %% [markdown]
# ## 2. Least squares on labels $\pm 1$ (S29)
#
# Another way to a linear boundary is regression: fit $x^T\theta + \theta_0$ to
# targets $t_i = \pm 1$ by least squares, then take the sign. It has a closed
# form, but the squared error punishes *every* deviation from $\pm 1$, also a
# score of $+7$ for a point that is far on the correct side. Add such points:

# %%
far = rng.normal(size=(30, 2)) * 0.7 + (9.0, -5.0)
X_far, y_far = np.r_[X, far], np.r_[y, np.ones(len(far), dtype=int)]
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
for ax, (Xs, ys, title) in zip(axes, [(X, y, "two blobs"), (X_far, y_far, "plus 30 far points of class 1")]):
    ax.scatter(*Xs[ys == 0].T, s=12)
    ax.scatter(*Xs[ys == 1].T, s=12)
    for model, color in [(LeastSquaresClassifier(), "tab:purple"), (LogisticRegression(), "tab:green"),
                         (Perceptron(random_state=SEED), "gray")]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(Xs, ys)
        plot_boundary(ax, model, (-4, 11), (-8, 4), colors=color)
        ax.plot([], [], color=color, label=f"{type(model).__name__}: blob accuracy {model.score(X, y):.2f}")
    ax.set(title=title, xlabel="x1", xlim=(-4, 11), ylim=(-8, 4))
    ax.legend(fontsize=8)
axes[0].set_ylabel("x2")
plt.show()

# %% [markdown]
# **Interpretation.** Without the far points all three boundaries split the
# blobs. With them, least squares tilts its line into the blobs to bring the far
# points' scores down towards $+1$, and misclassifies points it had right: the
# weakness of S29. The perceptron and logistic regression do not care about
# points that are already classified correctly with a large margin.

# %% [markdown]
# ## 3. Logistic regression (S30, S31)
#
# Logistic regression models the probability
# $P(y=1\mid x) = \sigma(x^T\theta + \theta_0)$ and minimises the cross-entropy
# (the negative log-likelihood) plus a weight decay $\lVert\theta\rVert^2/(2C)$.
# There is no closed form; every solver below minimises the same convex cost.

# %%
for solver in ["lbfgs", "newton", "adam"]:
    # adam: mini-batches of 16, one epoch per iteration
    clf = LogisticRegression(solver=solver, max_iter=500, tol=1e-6, batch_size=16, learning_rate=0.05,
                             random_state=SEED).fit(X_far, y_far)
    print(f"{solver:>6s}: theta = {np.round(clf.coef_[0], 4)}, theta_0 = {clf.intercept_[0]:+.4f}, "
          f"{clf.n_iter_} iterations")

clf = LogisticRegression().fit(X, y)
xx, yy = np.meshgrid(np.linspace(-3, 3, 200), np.linspace(-3, 3, 200))
P = clf.predict_proba(np.c_[xx.ravel(), yy.ravel()])[:, 1].reshape(xx.shape)
fig, ax = plt.subplots(figsize=(5.5, 4.5))
cs = ax.contourf(xx, yy, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7)
fig.colorbar(cs, label="P(class 1 | x)")
ax.scatter(*X[y == 0].T, s=12, c="tab:blue", edgecolors="k")
ax.scatter(*X[y == 1].T, s=12, c="tab:red", edgecolors="k")
ax.set(xlabel="x1", ylabel="x2", title="logistic regression: a probability, not just a side")
plt.show()

# %% [markdown]
# **Interpretation.** L-BFGS, Newton's method (with the exact Hessian: a handful
# of steps) and Adam on mini-batches land on the same $\theta$ up to the
# tolerance of the stochastic solver, because the cost is convex. The output is a
# probability that falls off smoothly across the boundary: points near it are
# uncertain, which the perceptron could not tell us.
#
# With three classes each class gets its own score $z_k = x^T\theta_k + \theta_{0k}$
# and the probabilities are the softmax of the scores (S31):

# %%
X3 = np.r_[X, rng.normal(size=(n, 2)) * 0.6 + (1.5, 1.5)]
y3 = np.r_[y, np.full(n, 2)]
softmax = LogisticRegression().fit(X3, y3)
print("P(k | x) for three points:\n", np.round(softmax.predict_proba([[-1, 1], [1, -1], [1.5, 1.5]]), 3))
fig, ax = plt.subplots(figsize=(5, 4.5))
xx, yy = np.meshgrid(np.linspace(-3, 3.5, 300), np.linspace(-3, 3.5, 300))
regions = softmax.predict(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
ax.contourf(xx, yy, regions, levels=[-0.5, 0.5, 1.5, 2.5], colors=["tab:blue", "tab:orange", "tab:green"], alpha=0.25)
for k in range(3):
    ax.scatter(*X3[y3 == k].T, s=12)
ax.set(xlabel="x1", ylabel="x2", title="softmax regression: three linear regions")
plt.show()

# %% [markdown]
# **Interpretation.** The regions where one score beats the others are convex
# polygons bounded by straight lines, $x^T(\theta_k - \theta_l) + \theta_{0k} -
# \theta_{0l} = 0$. The probabilities of each point sum to one.

# %% [markdown]
# ## 4. A generative classifier (S34)
#
# Logistic regression is *discriminative*: it models $p(C_k\mid x)$ only. A
# *generative* classifier models how each class produces data, here a Gaussian
# $p(x\mid C_k) = \mathcal N(\mu_k, \Sigma)$, plus the priors $p(C_k)$, and gets the
# posterior from Bayes' theorem: for two classes
# $p(C_1\mid x) = \sigma(a)$ with $a = \ln\frac{p(x\mid C_1)p(C_1)}{p(x\mid C_0)p(C_0)}$.
# Since it models $x$ itself, it can also *generate* new instances and say how
# probable a point is.

# %%
gen = GaussianGenerativeClassifier("shared").fit(X, y)
X_new, y_new = gen.sample(200, random_state=SEED)
odd = np.array([[2.5, 2.5]])
print(f"accuracy {gen.score(X, y):.3f} (logistic: {LogisticRegression().fit(X, y).score(X, y):.3f})")
print(f"ln p(x) of the data: median {np.median(gen.score_samples(X)):.2f}; of the point (2.5, 2.5): "
      f"{gen.score_samples(odd)[0]:.2f}")
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.scatter(*X.T, s=10, c=y, cmap="coolwarm", label="data")
ax.scatter(*X_new.T, s=10, marker="^", c=y_new, cmap="coolwarm", alpha=0.5, label="sampled from the model")
ax.scatter(*odd.T, s=150, marker="*", c="k", label="an outlier (low p(x))")
plot_boundary(ax, gen, (-3, 3), (-3, 3), colors="k")
ax.set(xlabel="x1", ylabel="x2", xlim=(-3, 3), ylim=(-3, 3))
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# **Interpretation.** With one covariance shared by both classes the quadratic
# terms cancel in $a$ and the boundary is a straight line, like logistic
# regression's, with a similar accuracy. The generative model pays for more
# assumptions (Gaussian classes) with more abilities: the sampled points look
# like the data, and the star, far from both classes, gets a log-density well
# below every training point's, so it can be flagged as an outlier, something
# a discriminative classifier cannot do.

# %% [markdown]
# ## 5. Decision trees and random forests (S32, S33)
#
# A decision tree asks one question at a time, "is $x_j \le$ threshold?", and
# splits the data in two at each node, choosing the feature and threshold that
# make the two halves purest (lowest Gini impurity). Its boundary is made of
# axis-parallel pieces, and it reads as a set of human-readable rules. On the
# three classes of section 3:

# %%
tree = DecisionTreeClassifier(max_depth=2, random_state=SEED).fit(X3, y3)
print(export_text(tree, feature_names=["x1", "x2"]))
print(f"training accuracy of the depth-2 tree: {tree.score(X3, y3):.3f}")
fig, ax = plt.subplots(figsize=(5, 4.5))
regions = tree.predict(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
ax.contourf(xx, yy, regions, levels=[-0.5, 0.5, 1.5, 2.5], colors=["tab:blue", "tab:orange", "tab:green"], alpha=0.25)
for k in range(3):
    ax.scatter(*X3[y3 == k].T, s=12)
ax.set(xlabel="x1", ylabel="x2", title="a depth-2 tree: axis-parallel cuts")
plt.show()

# %% [markdown]
# **Interpretation.** Two questions are enough to separate three blobs, and the
# printed rules are the whole model: a physicist can read, check and argue with
# them. A deep tree would instead carve out every training point (high
# variance). A random forest averages many deep trees, each grown on a
# bootstrap replicate of the data and choosing each split among a random
# subset of about $\sqrt p$ features, so their errors decorrelate and average out.
# Which features matter? Add eight features of pure noise to the two real ones:

# %%
noise = rng.normal(size=(len(y3), 8))
X_noisy = np.c_[X3, noise]
names = ["x1", "x2"] + [f"noise {i}" for i in range(1, 9)]
forest = RandomForestClassifier(n_estimators=100, oob_score=True, random_state=SEED).fit(X_noisy, y3)
print(f"out-of-bag accuracy (each point predicted by the trees that never saw it): {forest.oob_score_:.3f}")
order = np.argsort(forest.feature_importances_)[::-1]
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(np.array(names)[order], forest.feature_importances_[order])
ax.set(ylabel="mean impurity decrease", title="random forest: feature importances")
ax.tick_params(axis="x", rotation=45)
plt.show()

# %% [markdown]
# **Interpretation.** The two real coordinates carry nearly all the importance
# (the total impurity decrease they bring, averaged over the trees); the noise
# features share the small remainder, picked up when a tree fits noise deep
# down. The out-of-bag accuracy estimates the accuracy on new data without a
# separate validation set: each tree leaves out about $e^{-1} \approx 37\%$ of
# the points.
