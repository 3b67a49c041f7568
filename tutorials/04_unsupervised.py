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
# # Hands-on 4: unsupervised learning — clusters, dimensions and the Ising order parameter (S22–S27, S42)
#
# No labels this time: the algorithms must find structure on their own. We
# check every answer against something we know (the blobs we drew, the
# magnetisation we can compute from the spins), because an unsupervised method
# always returns *something*.
#
# Contents:
# 1. k-means on blobs, its cost per iteration, and its failure on unequal variances (S22);
# 2. hierarchical clustering: single vs complete linkage, and pre-clustering large N (S23);
# 3. the curse of dimensionality (S24);
# 4. PCA on 2D Ising configurations: the first component is the magnetisation (S25, S26);
# 5. t-SNE of the digits and of Ising configurations (S27).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from physml.cluster import AgglomerativeClustering, KMeans, dendrogram
from physml.datasets import ising_configurations, load_digits, make_blobs
from physml.decomposition import PCA, TSNE
from physml.geometry import distance_concentration, inscribed_ball_fraction, inscribed_ball_fraction_mc

# PHYSML_TUTORIAL_SMALL=1 (set by the test suite) shrinks every size so the notebook runs in seconds
SMALL = os.environ.get("PHYSML_TUTORIAL_SMALL") == "1"
SEED = 0

# %% [markdown]
# ## 1. k-means (S22)
#
# k-means minimises the within-cluster sum of squares
# $C = \sum_n \sum_k r_{nk} \lVert x_n - \mu_k\rVert^2$ ($r_{nk}$ one-hot) by
# alternating two steps, each of which can only lower $C$:
# (1) $\mu_k = \frac{1}{N_k}\sum_n r_{nk} x_n$, (2) assign each point to its nearest mean.

# %%
X, y = make_blobs(n_samples=500, centers=4, cluster_std=1.0, random_state=SEED)
km = KMeans(4, init="random", n_init=1, random_state=SEED).fit(X)
print("cost per iteration:", np.round(km.history_, 1))
print("monotone:", bool(np.all(np.diff(km.history_) <= 1e-9 * km.history_[0])))

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.8))
ax0.scatter(X[:, 0], X[:, 1], c=km.labels_, s=5, cmap="tab10")
ax0.scatter(*km.cluster_centers_.T, marker="x", s=80, c="k")
ax0.set(xlabel="$x_1$", ylabel="$x_2$", title="k-means on four blobs")
ax1.plot(np.arange(1, len(km.history_) + 1), km.history_, "o-")
ax1.set(xlabel="iteration", ylabel="cost C", title="cost per iteration")
plt.show()

# %% [markdown]
# Now one wide cluster next to two narrow ones. k-means assumes clusters of
# equal spread: the boundary between two means is their perpendicular
# bisector, whatever the spreads.

# %%
centres = np.array([[0.0, 0.0], [4.5, 0.0], [0.0, 4.5]])
Xu, yu = make_blobs(n_samples=600, centers=centres, cluster_std=[2.5, 0.4, 0.4], random_state=SEED)
kmu = KMeans(3, n_init=10, random_state=SEED).fit(Xu)
C_true = sum(np.sum((Xu[yu == k] - Xu[yu == k].mean(axis=0)) ** 2) for k in range(3))
print(f"k-means cost {kmu.inertia_:.0f} < cost of the true partition {C_true:.0f}")

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
ax0.scatter(Xu[:, 0], Xu[:, 1], c=yu, s=5, cmap="tab10")
ax0.set(title="truth", xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
ax1.scatter(Xu[:, 0], Xu[:, 1], c=kmu.labels_, s=5, cmap="tab10")
ax1.scatter(*kmu.cluster_centers_.T, marker="x", s=80, c="k")
ax1.set(title="k-means", xlabel="$x_1$", aspect="equal")
plt.show()

# %% [markdown]
# **Interpretation.** The cost falls at every iteration and k-means converges in
# a few steps on equal blobs. On unequal variances it carves pieces off the wide
# cluster and, tellingly, its answer has a *lower* cost than the truth: the
# failure is in the cost function, not in the optimiser. A Gaussian mixture
# with its own covariance per cluster is the fix.

# %% [markdown]
# ## 2. Hierarchical clustering (S23)
#
# Start from singletons and repeatedly merge the closest pair of clusters.
# "Closest" is the linkage: single (the minimum distance between members) or
# complete (the maximum). The dendrogram draws each merge at its height.

# %%
Xh, yh = make_blobs(n_samples=40, centers=3, cluster_std=1.2, random_state=SEED)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, method in zip(axes, ["single", "complete"]):
    model = AgglomerativeClustering(3, linkage=method).fit(Xh)
    dendrogram(model, ax=ax, max_labels=0)
    ax.set(title=f"{method} linkage", ylabel="merge distance")
plt.show()

# %% [markdown]
# For large N the $N(N-1)/2$ distances do not fit in memory (200,000 points:
# 149 GiB). Pre-clustering with k-means into a few hundred centres, then linking
# the centres (weighted by their sizes), keeps the hierarchy at the scale that
# matters.

# %%
n_big = 10_000 if SMALL else 200_000
Xb, yb = make_blobs(n_samples=n_big, centers=4, cluster_std=1.0, random_state=SEED + 1)
pre = AgglomerativeClustering(4, linkage="ward", precluster=100, random_state=SEED).fit(Xb)
plt.figure(figsize=(5, 4))
plt.scatter(Xb[:3000, 0], Xb[:3000, 1], c=pre.labels_[:3000], s=3, cmap="tab10")
plt.title(f"ward on {n_big:,} points via 100 k-means centres")
plt.xlabel("$x_1$")
plt.ylabel("$x_2$")
plt.show()

# %% [markdown]
# **Interpretation.** Single linkage merges at low, chained heights (it follows
# the minimum spanning tree, so a thin bridge of points joins two clusters);
# complete linkage grows compact groups and separates the three blobs by a
# clear gap in merge height. Pre-clustering recovers the four blobs of a data
# set whose distance matrix alone would not fit in memory.

# %% [markdown]
# ## 3. The curse of dimensionality (S24)
#
# The fraction of the cube $[-1,1]^D$ inside its inscribed ball is
# $\pi^{D/2}/(2^D\,\Gamma(D/2+1))$.

# %%
D = np.arange(1, 21)
mc = [inscribed_ball_fraction_mc(int(d), 20_000 if SMALL else 200_000, random_state=int(d)) for d in D[:10]]
D_conc = [2, 5, 10, 50, 100, 1000]
ratio = [distance_concentration(d, n_points=200, random_state=SEED) for d in D_conc]
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.8))
ax0.semilogy(D, inscribed_ball_fraction(D), label="closed form")
ax0.errorbar(D[:10], [m[0] for m in mc], yerr=[m[1] for m in mc], fmt="o", label="Monte Carlo")
ax0.set(xlabel="D", ylabel="fraction of the cube in the ball")
ax0.legend()
ax1.loglog(D_conc, ratio, "o-")
ax1.set(xlabel="D", ylabel="max / min pairwise distance", title="200 uniform points")
plt.show()
print("fraction at D = 20:", inscribed_ball_fraction(20))

# %% [markdown]
# **Interpretation.** At D = 20 only 2.5e-8 of the cube lies in the ball: a
# uniform sample puts essentially every point in a corner, and the farthest
# pair is barely farther than the nearest pair. Nearest-neighbour methods and
# density estimates need exponentially more data as D grows; reducing the
# dimension first (next section) is the remedy when the data live near a
# low-dimensional set.

# %% [markdown]
# ## 4. PCA on the 2D Ising model (S25, S26)
#
# PCA diagonalises the covariance through the SVD of the centred data,
# $X_c = U S V^T$, $\Sigma = V \frac{S^2}{n-1} V^T$. Following Mehta et al.
# (notebook 12), we feed it spin configurations sampled at temperatures on both
# sides of $T_c = 2/\ln(1+\sqrt2) \approx 2.269$.

# %%
L = 20 if SMALL else 40
temps = np.round(np.arange(0.25, 4.01, 0.5 if SMALL else 0.25), 2)
Xi, Ti = ising_configurations(L=L, temperatures=temps, n_per_temperature=60 if SMALL else 400,
                              random_state=SEED)
Xi = Xi.astype(np.float32)
pca = PCA(2).fit(Xi)
Y = pca.transform(Xi)
m = Xi.mean(axis=1)
print("solver:", pca.svd_solver_, " explained variance ratio:", np.round(pca.explained_variance_ratio_, 3))
print("corr(|PC1|/sqrt(N), |m|) =", np.corrcoef(np.abs(Y[:, 0]) / L, np.abs(m))[0, 1])

fig, axes = plt.subplots(1, 3, figsize=(15, 4))
sc = axes[0].scatter(Y[:, 0], Y[:, 1], c=Ti, s=4, cmap="coolwarm")
fig.colorbar(sc, ax=axes[0], label="T")
axes[0].set(xlabel="PC1", ylabel="PC2", title="configurations in the PC plane")
axes[1].scatter(np.abs(m), np.abs(Y[:, 0]) / L, c=Ti, s=4, cmap="coolwarm")
axes[1].set(xlabel="|m|", ylabel=r"|PC1| / $\sqrt{N}$", title="PC1 projection vs magnetisation")
im = axes[2].imshow(pca.components_[0].reshape(L, L) * L, cmap="RdBu", vmin=-2, vmax=2)
fig.colorbar(im, ax=axes[2], label=r"loading $\times\sqrt{N}$")
axes[2].set(title="PC1 loadings")
plt.show()

# %% [markdown]
# **Interpretation.** The first component alone carries more than half of the
# variance. Its loadings are uniform, $v_1 \approx (1,\dots,1)/\sqrt N$, so the
# projection is $\sqrt N\, m$: PCA has discovered the magnetisation, the order
# parameter, without being told about spins or temperature. Ordered
# configurations form two lobes ($m = \pm1$), disordered ones the centre.

# %% [markdown]
# ## 5. t-SNE (S27)
#
# Stochastic neighbour embedding matches neighbour probabilities: Gaussian
# $p_{j|i}$ in the data (bandwidth set by the perplexity), heavy-tailed
# $q_{ij} \propto (1 + \lVert y_i - y_j\rVert^2)^{-1}$ in the map, minimising
# $\mathrm{KL}(P\Vert Q)$.

# %%
Xd, yd = load_digits(return_X_y=True)
if SMALL:
    Xd, yd = Xd[:400], yd[:400]
tsne = TSNE(perplexity=30, max_iter=300 if SMALL else 1000, random_state=SEED).fit(Xd)
sub = np.random.default_rng(SEED).permutation(len(Ti))[: 400 if SMALL else 2000]
tsne_i = TSNE(perplexity=30, max_iter=300 if SMALL else 1000, random_state=SEED).fit(Xi[sub].astype(np.float64))
print(f"KL digits {tsne.kl_divergence_:.3f} ({tsne.method_}), KL Ising {tsne_i.kl_divergence_:.3f}")

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.5))
sc = ax0.scatter(*tsne.embedding_.T, c=yd, s=4, cmap="tab10")
fig.colorbar(sc, ax=ax0, label="digit")
ax0.set(title="digits")
sc = ax1.scatter(*tsne_i.embedding_.T, c=Ti[sub], s=4, cmap="coolwarm")
fig.colorbar(sc, ax=ax1, label="T")
ax1.set(title="Ising configurations")
plt.show()

# %% [markdown]
# **Interpretation.** The ten digits fall into ten islands although t-SNE never
# saw a label; the Ising configurations split into the two ordered phases
# ($m>0$, $m<0$) and one disordered cloud. t-SNE keeps neighbourhoods, not
# distances: the sizes of the islands and the gaps between them mean little,
# and unlike PCA there is no `transform` for new points.
