r"""Chapter: unsupervised learning (S22-S27).

Reproduces, with :mod:`physml.cluster`, :mod:`physml.geometry` and
:mod:`physml.decomposition`: k-means and its cost per iteration, and its
failure on clusters of unequal variance (S22); single versus complete linkage
and pre-clustering for large N (S23); the curse of dimensionality (S24); PCA
(S25) finding the magnetisation of the 2D Ising model as its first component
(S26, Mehta et al., Phys. Rep. 810, notebook 12); and t-SNE maps of the digits
and of Ising configurations (S27).

References are independent of physml: SciPy's ``linkage`` and minimum
spanning tree, closed forms, NumPy's ``eigvalsh`` of the covariance, the
magnetisation computed from the spins, and the known labels and temperatures.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from .report import Result

TITLE = "Unsupervised learning: clustering, the curse of dimensionality, PCA and t-SNE"
ORDER = 50
SYLLABUS = "S22-S27"

T_C = 2.0 / np.log(1.0 + np.sqrt(2.0))


def _matched_accuracy(y_true, y_pred):
    """Fraction of points whose cluster maps to their true label under the best one-to-one matching."""
    classes, yt = np.unique(y_true, return_inverse=True)
    clusters, yp = np.unique(y_pred, return_inverse=True)
    C = np.zeros((len(clusters), len(classes)))
    np.add.at(C, (yp, yt), 1)
    rows, cols = linear_sum_assignment(-C)
    return float(C[rows, cols].sum() / len(y_true))


def _trustworthiness(X, Y, k):
    r"""Venna & Kaski's trustworthiness: :math:`1 - \frac{2}{nk(2n-3k-1)}\sum_i\sum_{j\in U_i}(r(i,j)-k)`,
    :math:`U_i` the embedding's k nearest neighbours of i that are not among its k nearest in X and
    :math:`r(i,j)` the rank of j among i's neighbours in X."""
    n = X.shape[0]

    def sqdist(A):
        s = np.einsum("ij,ij->i", A, A)
        D = s[:, None] - 2.0 * A @ A.T + s[None, :]
        np.fill_diagonal(D, np.inf)
        return D

    order_X = np.argsort(sqdist(X), axis=1, kind="stable")
    rank = np.empty((n, n), np.int64)
    rank[np.arange(n)[:, None], order_X] = np.arange(1, n + 1)[None, :]
    nn_Y = np.argsort(sqdist(Y), axis=1, kind="stable")[:, :k]
    r = rank[np.arange(n)[:, None], nn_Y]
    return float(1.0 - 2.0 / (n * k * (2 * n - 3 * k - 1)) * np.sum(np.maximum(r - k, 0)))


def _knn_accuracy(Y, y, k=10, among=None):
    """Leave-one-out k-nearest-neighbour vote of the labels in the embedding (scored on ``among``)."""
    s = np.einsum("ij,ij->i", Y, Y)
    D = s[:, None] - 2.0 * Y @ Y.T + s[None, :]
    np.fill_diagonal(D, np.inf)
    nn = np.argsort(D, axis=1)[:, :k]
    votes = y[nn]
    pred = np.array([np.bincount(v).argmax() for v in votes])
    hit = pred == y
    return float(np.mean(hit if among is None else hit[among]))


# ---------------------------------------------------------------------------
# S22: k-means
# ---------------------------------------------------------------------------


def _kmeans(r, seed, quick):
    from ..cluster import KMeans
    from ..datasets import make_blobs

    n = 600 if quick else 3000
    X, y = make_blobs(n_samples=n, centers=4, cluster_std=1.0, random_state=seed)
    km = KMeans(4, init="random", n_init=10, random_state=seed).fit(X)  # best of 10 starts: one can stop in a local minimum
    hist = np.asarray(km.history_)
    r.data["kmeans"] = {"X": X, "labels": km.labels_, "centres": km.cluster_centers_, "history": hist}
    r.check_below("k-means: largest increase of the cost C between iterations", float(np.max(np.diff(hist),
                  initial=0.0)), 1e-9 * hist[0], seed=seed,
                  note="Lloyd's two steps can only lower C (each minimises it over one set of variables)")
    r.check_above("k-means on equal blobs: points in their true cluster", _matched_accuracy(y, km.labels_), 0.95,
                  seed=seed, note="labels of make_blobs, best matching of clusters")
    # the failure: one wide and two narrow clusters close to it
    centres = np.array([[0.0, 0.0], [4.5, 0.0], [0.0, 4.5]])
    Xu, yu = make_blobs(n_samples=n, centers=centres, cluster_std=[2.5, 0.4, 0.4], random_state=seed)
    kmu = KMeans(3, n_init=10, random_state=seed).fit(Xu)
    acc_u = _matched_accuracy(yu, kmu.labels_)
    # the true partition has a HIGHER cost than k-means' answer: C measures within-cluster variance only
    C_true = sum(float(np.sum((Xu[yu == k] - Xu[yu == k].mean(axis=0)) ** 2)) for k in range(3))
    r.data["unequal"] = {"X": Xu, "y": yu, "labels": kmu.labels_, "centres": kmu.cluster_centers_,
                         "accuracy": acc_u, "C_true": C_true, "C_kmeans": float(kmu.inertia_)}
    r.check_below("k-means on unequal variances: points in their true cluster", acc_u, 0.95, seed=seed,
                  note="the known failure (S22): k-means cuts the wide cluster")
    r.check_below("k-means cost / cost of the true partition (unequal variances)", kmu.inertia_ / C_true, 1.0,
                  seed=seed, note="the wrong answer is the better one for C: the cost, not the optimiser, fails")


# ---------------------------------------------------------------------------
# S23: hierarchical clustering
# ---------------------------------------------------------------------------


def _hierarchical(r, seed, quick):
    from scipy.cluster.hierarchy import linkage as scipy_linkage
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial.distance import pdist, squareform

    from ..cluster import AgglomerativeClustering
    from ..datasets import make_blobs

    X, y = make_blobs(n_samples=40, centers=3, cluster_std=1.2, random_state=seed)
    models = {m: AgglomerativeClustering(3, linkage=m).fit(X) for m in ("single", "complete")}
    r.data["dendro"] = {m: models[m].linkage_matrix_ for m in models}
    mst = np.sort(minimum_spanning_tree(squareform(pdist(X))).data)
    r.check_below("single linkage: merge heights vs SciPy's minimum spanning tree (max abs diff)",
                  np.max(np.abs(np.sort(models["single"].linkage_matrix_[:, 2]) - mst)), 1e-10, seed=seed,
                  note="single linkage = Kruskal on the MST edges")
    Z = scipy_linkage(X, "complete")
    r.check_below("complete linkage: merge heights vs scipy.cluster.hierarchy.linkage (max abs diff)",
                  np.max(np.abs(models["complete"].linkage_matrix_[:, 2] - Z[:, 2])), 1e-10, seed=seed)
    # pre-clustering: N points -> k-means centres -> linkage of the centres
    n_big = 20_000 if quick else 200_000
    Xb, yb = make_blobs(n_samples=n_big, centers=4, cluster_std=1.0, random_state=seed + 1)
    pre = AgglomerativeClustering(4, linkage="ward", precluster=100, random_state=seed).fit(Xb)
    acc = _matched_accuracy(yb, pre.labels_)
    full_gib = n_big * (n_big - 1) / 2 * 8 / 2**30
    r.data["precluster"] = {"X": Xb[:3000], "labels": pre.labels_[:3000], "accuracy": acc, "n": n_big,
                            "gib": full_gib}
    r.check_above(f"ward on {n_big} points pre-clustered by 100 k-means centres: points in their true cluster",
                  acc, 0.95, seed=seed, note=f"the condensed distances alone would take {full_gib:.1f} GiB")


# ---------------------------------------------------------------------------
# S24: curse of dimensionality
# ---------------------------------------------------------------------------


def _curse(r, seed, quick):
    from ..geometry import distance_concentration, inscribed_ball_fraction, inscribed_ball_fraction_mc

    D = np.arange(1, 21)
    f = inscribed_ball_fraction(D)
    D_mc = np.arange(1, 11)
    mc = np.array([inscribed_ball_fraction_mc(int(d), 20_000 if quick else 200_000, random_state=seed + int(d))
                   for d in D_mc])
    z = np.abs(mc[:, 0] - inscribed_ball_fraction(D_mc)) / np.maximum(mc[:, 1], 1e-300)
    D_conc = np.array([2, 5, 10, 20, 50, 100, 300, 1000])
    ratio = np.array([distance_concentration(int(d), n_points=200, random_state=seed) for d in D_conc])
    r.data["curse"] = {"D": D, "f": f, "D_mc": D_mc, "mc": mc, "D_conc": D_conc, "ratio": ratio}
    r.check("inscribed-ball fraction, D = 3 vs pi/6", f[2], np.pi / 6, 1e-14, seed=seed, relative=True)
    r.check_below("largest |Monte Carlo - closed form| / standard error, D = 1..10", float(z.max()), 4.0,
                  seed=seed)
    r.check_below("inscribed-ball fraction at D = 20", f[19], 1e-7, seed=seed,
                  note="pi^10 / (2^20 10!) = 2.46e-8: almost all of the cube is in its corners")
    r.check_below("max/min pairwise distance of 200 uniform points, D = 1000", ratio[-1], 1.5, seed=seed,
                  note="distances concentrate (Beyer et al. 1999)")


# ---------------------------------------------------------------------------
# S25-S26: PCA on the 2D Ising model
# ---------------------------------------------------------------------------


def _ising_data(seed, quick):
    from ..datasets import ising_configurations

    L = 20 if quick else 40
    temps = np.round(np.arange(0.25, 4.01, 0.5 if quick else 0.25), 2)  # Mehta et al.'s grid (every other)
    n_per = 100 if quick else 400
    X, T = ising_configurations(L=L, temperatures=temps, n_per_temperature=n_per, random_state=seed)
    return X, T, L, temps


def _pca_ising(r, seed, quick, X, T, L):
    from ..decomposition import PCA

    Xf = X.astype(np.float64)
    N = L * L
    pca = PCA(2, svd_solver="covariance").fit(Xf)  # exact eigenpairs (the "auto" pick, randomized, is 1e-4)
    Y = pca.transform(Xf)
    m = Xf.mean(axis=1)  # magnetisation per spin
    proj = np.abs(Y[:, 0]) / np.sqrt(N)
    corr = float(np.corrcoef(proj, np.abs(m))[0, 1])
    loading = pca.components_[0]
    spread = float(np.std(np.abs(loading)) / np.mean(np.abs(loading)))
    eig = np.sort(np.linalg.eigvalsh(np.cov(Xf, rowvar=False)))[::-1]
    r.data["pca"] = {"Y": Y, "T": T, "m": m, "proj": proj, "loading": loading.reshape(L, L),
                     "ratio": PCA(10).fit(Xf).explained_variance_ratio_, "L": L}
    r.check_below("PCA: leading eigenvalues vs numpy.linalg.eigvalsh of the covariance (max relative diff)",
                  float(np.max(np.abs(pca.explained_variance_ - eig[:2]) / eig[:2])), 1e-8, seed=seed)
    r.check_above("Ising PCA: explained variance ratio of PC1", pca.explained_variance_ratio_[0], 0.5, seed=seed,
                  note="Mehta et al., NB 12: the first component dominates")
    r.check_above("Ising PCA: corr(|PC1 projection| / sqrt(N), |m|)", corr, 0.99, seed=seed,
                  note="PC1 is the magnetisation order parameter (S26)")
    r.check_below("Ising PCA: std/mean of |PC1 loadings| (uniform map)", spread, 0.1, seed=seed,
                  note="every spin weighs the same: PC1 = (1, ..., 1)/sqrt(N)")
    r.check("Ising PCA: |PC1 loading| mean vs 1/sqrt(N)", float(np.mean(np.abs(loading))), 1 / np.sqrt(N),
            0.01, seed=seed, relative=True)


# ---------------------------------------------------------------------------
# S27: t-SNE
# ---------------------------------------------------------------------------


def _tsne(r, seed, quick, X_ising, T_ising):
    from ..datasets import load_digits
    from ..decomposition import TSNE

    Xd, yd = load_digits(return_X_y=True)
    if quick:
        keep = np.random.default_rng(seed).permutation(len(yd))[:600]
        Xd, yd = Xd[keep], yd[keep]
    max_iter = 500 if quick else 1000
    td = TSNE(perplexity=30, max_iter=max_iter, random_state=seed).fit(Xd)
    trust = _trustworthiness(Xd, td.embedding_, 10)
    acc = _knn_accuracy(td.embedding_, yd, 10)
    sub = np.random.default_rng(seed).permutation(len(T_ising))[: 600 if quick else 2000]
    Xi, Ti = X_ising[sub].astype(np.float64), T_ising[sub]
    ti = TSNE(perplexity=30, max_iter=max_iter, random_state=seed).fit(Xi)
    # the phase, scored away from T_c (finite-size configurations near T_c belong to neither)
    far = np.abs(Ti - T_C) > 0.5
    phase = (Ti < T_C).astype(np.int64)
    acc_phase = _knn_accuracy(ti.embedding_, phase, 10, among=far)
    # the two ordered phases (m > 0, m < 0) are separate islands
    cold = Ti < 1.5
    acc_sign = _knn_accuracy(ti.embedding_[cold], (Xi[cold].mean(axis=1) > 0).astype(np.int64), 10)
    r.data["tsne"] = {"digits": td.embedding_, "y": yd, "ising": ti.embedding_, "T": T_ising[sub],
                      "kl_digits": td.kl_divergence_, "kl_ising": ti.kl_divergence_, "trust": trust, "acc": acc,
                      "acc_phase": acc_phase, "acc_sign": acc_sign}
    r.check_above("t-SNE digits: trustworthiness (10 neighbours)", trust, 0.95, seed=seed,
                  note="scikit-learn's TSNE reaches 0.99 on the full digits")
    r.check_above("t-SNE digits: 10-NN label accuracy in the 2-D map", acc, 0.9, seed=seed,
                  note="labels never seen by t-SNE")
    r.check_above("t-SNE Ising: 10-NN accuracy of the phase (T < T_c), |T - T_c| > 0.5", acc_phase, 0.8,
                  seed=seed, note="scikit-learn's TSNE on the same 600 configurations (seed 1): 0.858, ours 0.853; "
                  "ordered configurations with a few flipped spins stray into the disordered cloud")
    r.check_above("t-SNE Ising, T < 1.5: 10-NN accuracy of the sign of m (two ordered islands)", acc_sign, 0.95,
                  seed=seed)
    r.measured("t-SNE digits: KL divergence", td.kl_divergence_, seed=seed)
    r.measured("t-SNE Ising: KL divergence", ti.kl_divergence_, seed=seed)


def compute(seed, quick):
    """Run every experiment of the chapter; see the module docstring."""
    r = Result(seed=seed, quick=quick)
    _kmeans(r, seed, quick)
    _hierarchical(r, seed, quick)
    _curse(r, seed, quick)
    X, T, L, temps = _ising_data(seed, quick)
    _pca_ising(r, seed, quick, X, T, L)
    _tsne(r, seed, quick, X, T)
    return r


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def _fig_kmeans(result, ch):
    d, u = result.data["kmeans"], result.data["unequal"]
    fig, (ax0, ax1, ax2) = ch.subplots(1, 3)
    ax0.scatter(d["X"][:, 0], d["X"][:, 1], c=d["labels"], s=5, cmap="tab10", vmin=0, vmax=9)
    ax0.scatter(d["centres"][:, 0], d["centres"][:, 1], marker="x", s=80, c="k", label="centres $\\mu_k$")
    ax0.set(xlabel="$x_1$", ylabel="$x_2$", title="four equal blobs")
    ax0.legend(fontsize=8)
    h = d["history"]
    ax1.plot(np.arange(1, len(h) + 1), h, "o-")
    ax1.xaxis.get_major_locator().set_params(integer=True)
    ax1.set(xlabel="iteration", ylabel="cost C", title="cost per iteration (never rises)", yscale="log")
    ax2.scatter(u["X"][:, 0], u["X"][:, 1], c=u["labels"], s=5, cmap="tab10", vmin=0, vmax=9)
    ax2.scatter(u["centres"][:, 0], u["centres"][:, 1], marker="x", s=80, c="k")
    ax2.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal",
            title=f"unequal variances: {100 * u['accuracy']:.0f}% correct")
    ch.figure(fig, "kmeans",
              title="k-means lowers its cost at every step, and cuts a wide cluster next to narrow ones",
              finding=f"On equal blobs Lloyd's iterations converge in {len(h)} steps. With standard deviations "
                      f"2.5, 0.4, 0.4 k-means puts only {100 * u['accuracy']:.0f}% of the points in their cluster, "
                      f"yet its cost is below that of the true partition ({u['C_kmeans']:.0f} < {u['C_true']:.0f}):"
                      " the cost itself prefers equal spreads.")


def _fig_hierarchical(result, ch):
    from ..cluster import dendrogram

    d, p = result.data["dendro"], result.data["precluster"]
    fig, (ax0, ax1, ax2) = ch.subplots(1, 3, figsize=(15, 4.2))
    dendrogram(d["single"], ax=ax0, max_labels=0)
    ax0.set(title="single linkage (min distance)", ylabel="merge distance", xlabel="points")
    dendrogram(d["complete"], ax=ax1, max_labels=0)
    ax1.set(title="complete linkage (max distance)", ylabel="merge distance", xlabel="points")
    ax2.scatter(p["X"][:, 0], p["X"][:, 1], c=p["labels"], s=3, cmap="tab10", vmin=0, vmax=9)
    ax2.set(xlabel="$x_1$", ylabel="$x_2$", title=f"ward: {p['n']:,} points, 100 k-means centres")
    ch.figure(fig, "hierarchical",
              title="Single linkage chains points one by one; complete linkage merges compact groups",
              finding=f"Single-linkage heights are the minimum spanning tree's edges (low, chained merges); complete "
                      f"linkage's grow steadily. Pre-clustering by k-means links {p['n']:,} points "
                      f"({100 * p['accuracy']:.1f}% in their true cluster) without the {p['gib']:.1f} GiB of "
                      "pairwise distances.")


def _fig_curse(result, ch):
    c = result.data["curse"]
    fig, (ax0, ax1) = ch.subplots(1, 2)
    ax0.semilogy(c["D"], c["f"], "-", label=r"$\pi^{D/2}/(2^D\,\Gamma(D/2+1))$")
    ok = c["mc"][:, 0] > 0
    ax0.errorbar(c["D_mc"][ok], c["mc"][ok, 0], yerr=c["mc"][ok, 1], fmt="o", ms=4, label="Monte Carlo")
    ax0.set(xlabel="dimension D", ylabel="fraction of the cube in the ball", title="inscribed ball / cube")
    ax0.legend(fontsize=8)
    ax1.loglog(c["D_conc"], c["ratio"], "o-")
    ax1.axhline(1.0, color="k", ls=":")
    ax1.set(xlabel="dimension D", ylabel="max / min pairwise distance", title="200 uniform points")
    ch.figure(fig, "curse",
              title="In 20 dimensions the inscribed ball holds 2e-8 of the cube, and all distances look alike",
              finding="The fraction falls faster than exponentially (Monte Carlo agrees within its errors); the "
                      f"farthest pair of 200 points is only {c['ratio'][-1]:.2f} times farther than the nearest "
                      "pair at D = 1000.")


def _fig_pca(result, ch):
    p = result.data["pca"]
    fig, axes = ch.subplots(2, 2, figsize=(10, 8))
    (ax0, ax1), (ax2, ax3) = axes
    ax0.bar(np.arange(1, len(p["ratio"]) + 1), p["ratio"])
    ax0.set(xlabel="principal component", ylabel="explained variance ratio", title="spectrum")
    sc = ax1.scatter(p["Y"][:, 0], p["Y"][:, 1], c=p["T"], s=4, cmap="coolwarm")
    fig.colorbar(sc, ax=ax1, label="temperature T")
    ax1.set(xlabel="PC1", ylabel="PC2", title="configurations in the PC1-PC2 plane")
    ax2.scatter(np.abs(p["m"]), p["proj"], c=p["T"], s=4, cmap="coolwarm")
    ax2.plot([0, 1], [0, 1], "k:", lw=1)
    ax2.set(xlabel="|m| (magnetisation per spin)", ylabel=r"|PC1 projection| / $\sqrt{N}$",
            title="PC1 is the magnetisation")
    L = p["L"]
    im = ax3.imshow(p["loading"] * L, cmap="RdBu", vmin=-2, vmax=2)
    fig.colorbar(im, ax=ax3, label=r"PC1 loading $\times \sqrt{N}$")
    ax3.set(title="PC1 loading map", xlabel="site x", ylabel="site y")
    ch.figure(fig, "pca_ising",
              title=f"PCA finds the Ising order parameter: PC1 carries {100 * p['ratio'][0]:.0f}% of the variance",
              finding="Ordered configurations (T < T_c) form two lobes at PC1 = +-sqrt(N)|m|, disordered ones the "
                      "centre; the projection on PC1 equals the magnetisation and PC1 weighs every spin equally.")


def _fig_tsne(result, ch):
    t = result.data["tsne"]
    fig, (ax0, ax1) = ch.subplots(1, 2, figsize=(11, 4.6))
    sc = ax0.scatter(t["digits"][:, 0], t["digits"][:, 1], c=t["y"], s=4, cmap="tab10")
    fig.colorbar(sc, ax=ax0, label="digit", ticks=range(10))
    ax0.set(xlabel="t-SNE 1", ylabel="t-SNE 2", title=f"digits (KL = {t['kl_digits']:.2f})")
    sc = ax1.scatter(t["ising"][:, 0], t["ising"][:, 1], c=t["T"], s=4, cmap="coolwarm")
    fig.colorbar(sc, ax=ax1, label="temperature T")
    ax1.set(xlabel="t-SNE 1", ylabel="t-SNE 2", title=f"Ising configurations (KL = {t['kl_ising']:.2f})")
    ch.figure(fig, "tsne",
              title="t-SNE separates the ten digits and the two ordered Ising phases without labels",
              finding=f"10-NN votes in the map recover the digit for {100 * t['acc']:.0f}% of the images "
                      f"(trustworthiness {t['trust']:.3f}) and the phase for {100 * t['acc_phase']:.0f}% of the "
                      f"configurations far from T_c; cold configurations split into two islands by the sign of m "
                      f"({100 * t['acc_sign']:.0f}% 10-NN agreement). Distances between islands are not meaningful.")


def figures(result, ch):
    """Draw the chapter's figures from a :func:`compute` result."""
    _fig_kmeans(result, ch)
    _fig_hierarchical(result, ch)
    _fig_curse(result, ch)
    _fig_pca(result, ch)
    _fig_tsne(result, ch)
