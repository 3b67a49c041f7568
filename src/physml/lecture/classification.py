r"""Chapter: classification (S28-S34).

Reproduces, with :mod:`physml.linear`, :mod:`physml.generative` and
:mod:`physml.tree`: the perceptron's weight vector perpendicular to its
boundary (S28); least squares on +-1 labels pulled over by far-away points of
the right class, where logistic regression is not (S29, S30); the Gaussian
generative classifier at the Bayes error of two Gaussians (S34); and Mehta et
al.'s Ising phase table (S30, S33): logistic regression and a random forest
trained on ordered and disordered configurations of the 2D Ising model and
tested away from and near :math:`T_c`, with ROC curves.

Reference: P. Mehta et al., "A high-bias, low-variance introduction to Machine
Learning for physicists", Phys. Rep. 810, 1 (2019), section VII and notebooks
NB6 (logistic regression: test accuracy 0.69 +- 0.03, critical 0.62 +- 0.04)
and NB9 (random forest: test accuracy about 1.0, critical above 0.8).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import ndtr

from ..base import ConvergenceWarning
from ..generative import GaussianGenerativeClassifier
from ..linear import LeastSquaresClassifier, LogisticRegression, Perceptron
from ..metrics import roc_auc_score, roc_curve
from ..tree import RandomForestClassifier
from .report import Result

TITLE = "Classification: perceptron, least squares, logistic regression, Bayes, the Ising phases"
ORDER = 60
SYLLABUS = "S28-S34"

# Mehta et al. (2019), NB6, logistic regression on L = 40 Ising configurations
MEHTA_LOGISTIC_TEST = (0.69, 0.03)
MEHTA_LOGISTIC_CRITICAL = (0.62, 0.04)
# 1/C of the logistic fits: lambda = 100 lies in Mehta's scan (1e-5 ... 1e5), where their curves are flat
_ISING_C = 0.01


def compute(seed, quick):
    """Run every experiment of the chapter; numbers and arrays only (no matplotlib)."""
    r = Result(seed=seed, quick=quick)
    _perceptron_geometry(r)
    _outliers(r)
    _generative(r)
    _ising(r)
    return r


# ---------------------------------------------------------------------------
# S28: the perceptron's theta is perpendicular to its boundary
# ---------------------------------------------------------------------------


def _separable_blobs(rng, n, margin):
    X = rng.normal(size=(4 * n, 2)) * 0.9
    X[: 2 * n] += (-1.5, -1.0)
    X[2 * n:] += (1.5, 1.0)
    y = np.repeat([0, 1], 2 * n)
    # keep points on their side of x1 + x2 = 0 with a margin: linearly separable by construction
    keep = np.where(y == 1, 1, -1) * X.sum(axis=1) / np.sqrt(2) > margin
    idx = np.r_[np.flatnonzero(keep & (y == 0))[:n], np.flatnonzero(keep & (y == 1))[:n]]
    return X[idx], y[idx]


def _perceptron_geometry(r):
    seed = r.seed
    X, y = _separable_blobs(np.random.default_rng(seed), 40, 0.3)
    clf = Perceptron(random_state=seed).fit(X, y)
    theta, b = clf.coef_[0], float(clf.intercept_[0])
    direction = np.array([-theta[1], theta[0]]) / np.linalg.norm(theta)  # along the line theta.x + b = 0
    foot = -b * theta / (theta @ theta)  # the boundary point closest to the origin
    r.data["perceptron"] = {"X": X, "y": y, "theta": theta, "b": b, "epochs": clf.n_iter_, "foot": foot}
    r.check("perceptron on separable data: training accuracy after convergence", clf.score(X, y), 1.0, 0.0,
            seed=seed, note="Rosenblatt/Novikoff: on separable data the rule stops with every point on its side")
    cosine = float(theta @ direction / np.linalg.norm(theta))
    r.check_below("perceptron: |cos(angle between theta and its boundary)|", abs(cosine), 1e-12, seed=seed,
                  note="closed form: theta^T (x_a - x_b) = 0 for x_a, x_b on the boundary")


# ---------------------------------------------------------------------------
# S29, S30: least squares vs logistic regression with far-away points
# ---------------------------------------------------------------------------


def _outliers(r):
    seed = r.seed
    rng = np.random.default_rng(seed + 1)
    n = 60
    X = np.r_[rng.normal(size=(n, 2)) * 0.6 + (-1.0, 1.0), rng.normal(size=(n, 2)) * 0.6 + (1.0, -1.0)]
    y = np.repeat([0, 1], n)
    # far on the correct side of the class-1 blob, where a classifier should not care about them
    far = rng.normal(size=(30, 2)) * 0.7 + (9.0, -5.0)
    X_all, y_all = np.r_[X, far], np.r_[y, np.ones(30, dtype=int)]
    models = {}
    for name, make in (("least squares", LeastSquaresClassifier), ("logistic", LogisticRegression)):
        models[name] = {"clean": make().fit(X, y), "outliers": make().fit(X_all, y_all)}
    acc = {name: {k: float(m.score(X, y)) for k, m in fits.items()} for name, fits in models.items()}
    r.data["outliers"] = {
        "X": X, "y": y, "far": far,
        "lines": {name: {k: (m.coef_[0].copy(), float(m.intercept_[0])) for k, m in fits.items()}
                  for name, fits in models.items()},
        "accuracy": acc,
    }
    r.check_above("logistic regression with the far points: accuracy on the two blobs", acc["logistic"]["outliers"],
                  0.95, seed=seed, note="the far points are classified right with a large margin and barely pull")
    r.check_above("accuracy lost by least squares to the far points (logistic minus least squares)",
                  acc["logistic"]["outliers"] - acc["least squares"]["outliers"], 0.05, seed=seed,
                  note="S29's weakness: the squared error also punishes points far on the right side")
    r.measured("least squares with the far points: accuracy on the two blobs", acc["least squares"]["outliers"],
               seed=seed)


# ---------------------------------------------------------------------------
# S34: the Gaussian generative classifier reaches the Bayes error
# ---------------------------------------------------------------------------


_MU = np.array([[0.0, 0.0], [2.0, 1.0]])
_SIGMA = np.array([[1.0, 0.6], [0.6, 1.0]])


def _gaussians(rng, n):
    L = np.linalg.cholesky(_SIGMA)
    y = np.repeat([0, 1], n)
    return _MU[y] + rng.normal(size=(2 * n, 2)) @ L.T, y


def _generative(r):
    seed = r.seed
    rng = np.random.default_rng(seed + 2)
    X, y = _gaussians(rng, 200)
    n_test = 5_000 if r.quick else 50_000
    X_test, y_test = _gaussians(rng, n_test)
    shared = GaussianGenerativeClassifier("shared").fit(X, y)
    full = GaussianGenerativeClassifier("full").fit(X, y)
    logistic = LogisticRegression().fit(X, y)
    # equal priors, shared covariance: the Bayes rule errs with probability Phi(-Delta/2)
    d = _MU[1] - _MU[0]
    delta = float(np.sqrt(d @ np.linalg.solve(_SIGMA, d)))
    bayes = float(1.0 - ndtr(-delta / 2))
    acc = {name: float(m.score(X_test, y_test)) for name, m in
           (("shared", shared), ("full", full), ("logistic", logistic))}
    sampled, labels = shared.sample(400, random_state=seed)
    outlier = np.array([[-3.0, 4.0]])
    r.data["generative"] = {"X": X, "y": y, "shared": shared, "full": full, "sampled": sampled, "labels": labels,
                            "outlier": outlier, "bayes": bayes, "accuracy": acc,
                            "log_p_outlier": float(shared.score_samples(outlier)[0]),
                            "log_p_1pct": float(np.percentile(shared.score_samples(X), 1))}
    se = np.sqrt(bayes * (1 - bayes) / (2 * n_test))
    r.check("Gaussian generative (shared covariance): test accuracy vs the Bayes limit 1 - Phi(-Delta/2)",
            acc["shared"], bayes, 4 * se + 0.01, seed=seed,
            note=f"Delta = {delta:.3f} (Mahalanobis distance of the means); tol = 4 standard errors + 0.01 "
                 "for the estimated parameters (400 training points)")
    r.check_below("log p(x) of the point (-3, 4), flagged as an outlier, vs the 1st percentile of the data",
                  r.data["generative"]["log_p_outlier"], r.data["generative"]["log_p_1pct"], seed=seed)
    r.measured("logistic regression on the same data: test accuracy", acc["logistic"], seed=seed)


# ---------------------------------------------------------------------------
# S30, S33: Mehta et al.'s Ising phase table
# ---------------------------------------------------------------------------


def _ising_data(seed, quick):
    from ..datasets import ising_configurations, ising_phase_labels, magnetisation

    n_per = 500 if quick else 1000
    X, T = ising_configurations(L=40, n_per_temperature=n_per, random_state=seed, n_jobs=2)
    y = ising_phase_labels(T)
    critical = (T >= 2.0) & (T <= 2.5)
    test = np.random.default_rng(seed).random(len(T)) < 0.5  # Mehta's train_to_test_ratio = 0.5
    return {"X": X, "T": T, "y": y, "m": magnetisation(X), "n_per": n_per,
            "train": ~critical & ~test, "test": ~critical & test, "critical": critical}


def _scores(model, X):
    return model.predict_proba(X)[:, 1]


def _ising(r):
    seed = r.seed
    d = _ising_data(seed, r.quick)
    X, T, y, m = d["X"], d["T"], d["y"], d["m"]
    ordered_train = d["train"] & (T < 2.0)
    n_ord = int(ordered_train.sum())
    # the physics the table relies on: H(s) = H(-s), so ordered configurations come with both signs of m
    r.check("Z2 symmetry: fraction of ordered training configurations with m > 0",
            float(np.mean(m[ordered_train] > 0)), 0.5, 4 * 0.5 / np.sqrt(n_ord), seed=seed,
            note=f"exact 1/2 by the symmetry; tol = 4 binomial standard errors ({n_ord} configurations)")
    r.check_below("Z2 symmetry: |mean magnetisation| of ordered training configurations",
                  abs(float(m[ordered_train].mean())), 4 * float(m[ordered_train].std()) / np.sqrt(n_ord), seed=seed,
                  note="exact 0 by the symmetry; the bound is 4 standard errors of the mean")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        logistic = LogisticRegression(C=_ISING_C, max_iter=500).fit(X[d["train"]], y[d["train"]])
    # Mehta et al. NB9 grow fully developed trees; 50 of them already give their numbers
    forest = RandomForestClassifier(n_estimators=50, oob_score=True, n_jobs=2, random_state=seed)
    forest.fit(X[d["train"]], y[d["train"]])
    models = {"logistic regression": logistic, "random forest": forest}
    table = {}
    for name, model in models.items():
        table[name] = {split: float(model.score(X[d[split]], y[d[split]])) for split in ("train", "test", "critical")}
        table[name]["per_T"] = [float(model.score(X[(T == t) & ~d["train"]], y[(T == t) & ~d["train"]]))
                                for t in np.unique(T)]
        table[name]["roc"] = {split: roc_curve(y[d[split]], _scores(model, X[d[split]]))[:2]
                              for split in ("test", "critical")}
        table[name]["auc"] = {split: roc_auc_score(y[d[split]], _scores(model, X[d[split]]))
                              for split in ("test", "critical")}
    # the physicist's classifier, |m|: what a linear function of the spins cannot compute
    table["|m| (order parameter)"] = {"auc": {s: roc_auc_score(y[d[s]], np.abs(m[d[s]])) for s in ("test", "critical")},
                                      "roc": {s: roc_curve(y[d[s]], np.abs(m[d[s]]))[:2] for s in ("test", "critical")}}
    r.data["ising"] = {"temperatures": np.unique(T), "table": table, "n_per": d["n_per"],
                       "sizes": {s: int(d[s].sum()) for s in ("train", "test", "critical")}}
    lr = table["logistic regression"]
    r.check("logistic regression, Ising test accuracy (Mehta et al. NB6: 0.69 +- 0.03)", lr["test"],
            *MEHTA_LOGISTIC_TEST, seed=seed, note=f"C = {_ISING_C} (lambda = 1/C = {1 / _ISING_C:g}); "
            f"{d['n_per']} configurations per temperature, half for training")
    r.check("logistic regression, Ising critical accuracy (Mehta et al. NB6: 0.62 +- 0.04)", lr["critical"],
            *MEHTA_LOGISTIC_CRITICAL, seed=seed, note="T = 2.0, 2.25, 2.5, never trained on; labels T < T_c")
    r.measured("logistic regression, Ising training accuracy", lr["train"], seed=seed)
    r.measured("logistic regression, ROC AUC on the test configurations", lr["auc"]["test"], seed=seed)
    rf = table["random forest"]
    r.check_above("random forest, Ising test accuracy (Mehta et al. NB9: about 1.0)", rf["test"], 0.99, seed=seed,
                  note="50 fully grown trees, sqrt(1600) = 40 spins tried per split")
    r.check_above("random forest, Ising critical accuracy (Mehta et al. NB9: above 0.8)", rf["critical"], 0.80,
                  seed=seed)
    r.check_above("random forest, ROC AUC on the critical configurations", rf["auc"]["critical"], 0.85, seed=seed)
    r.measured("random forest, out-of-bag accuracy", forest.oob_score_, seed=seed)
    r.notes.append(
        "Why logistic regression stays near 0.69 on the Ising phases: a linear score z(s) = w.s + b changes "
        "sign with the spins except for b, z(-s) = 2b - z(s). Ordered configurations come in pairs s, -s of "
        "equal probability (H(s) = H(-s), asserted above), so whatever w gives to one it takes from the other: "
        "the order parameter |m| = |sum_i s_i| / N is an even function of s, and no linear function of the "
        "spins can represent it. The fit can only exploit finite-sample fluctuations, hence an accuracy near "
        "Mehta et al.'s 0.69 and not 1.00 (a result of 1.00 would mean the ordered samples all had one sign "
        "of m, a physics error in the data). A random forest splits on spins in sequence and can build the "
        "even function; |m| itself, the physicist's feature, separates the phases almost perfectly.")


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def _line(ax, theta, b, xlim, **kwargs):
    x = np.linspace(*xlim, 2)
    ax.plot(x, -(theta[0] * x + b) / theta[1], **kwargs)


def figures(result, ch):
    """Draw the chapter's figures from ``compute``'s result."""
    _figure_perceptron(result, ch)
    _figure_outliers(result, ch)
    _figure_generative(result, ch)
    _figure_ising(result, ch)


def _figure_perceptron(result, ch):
    p = result.data["perceptron"]
    X, y, theta, b, foot = p["X"], p["y"], p["theta"], p["b"], p["foot"]
    fig, ax = ch.subplots(figsize=(6.6, 5.0))
    ax.scatter(*X[y == 0].T, s=18, color="tab:blue", label="class 0")
    ax.scatter(*X[y == 1].T, s=18, color="tab:red", label="class 1")
    lim = (X.min() - 0.5, X.max() + 0.5)
    _line(ax, theta, b, lim, color="k", label="boundary theta.x + b = 0")
    arrow = 1.5 * theta / np.linalg.norm(theta)
    ax.annotate("", xy=foot + arrow, xytext=foot, arrowprops={"arrowstyle": "->", "lw": 2, "color": "tab:green"})
    ax.text(*(foot + 1.1 * arrow), "theta", color="tab:green", fontsize=11)
    ax.set(xlim=lim, ylim=lim, xlabel="x1 (arbitrary units)", ylabel="x2 (arbitrary units)", aspect="equal")
    ax.legend(fontsize=9, loc="upper left")
    ch.figure(fig, "perceptron",
              title="The perceptron's theta is perpendicular to its boundary (S28)",
              finding=f"On linearly separable data the perceptron rule stops after {p['epochs']} epochs with every "
                      "point on its side; theta points from the boundary into class 1, at a right angle to it.")


def _figure_outliers(result, ch):
    o = result.data["outliers"]
    X, y, far = o["X"], o["y"], o["far"]
    fig, axes = ch.subplots(1, 2, figsize=(10, 4.4))
    colors = {"least squares": "tab:purple", "logistic": "tab:green"}
    for ax, case in zip(axes, ("clean", "outliers")):
        ax.scatter(*X[y == 0].T, s=14, color="tab:blue", label="class 0")
        ax.scatter(*X[y == 1].T, s=14, color="tab:red", label="class 1")
        if case == "outliers":
            ax.scatter(*far.T, s=18, marker="x", color="tab:red", label="class 1, far away")
        for name, lines in o["lines"].items():
            theta, b = lines[case]
            acc = o["accuracy"][name][case]
            _line(ax, theta, b, (-4, 11), color=colors[name], lw=2, label=f"{name} (blob accuracy {acc:.2f})")
        ax.set(xlim=(-4, 11), ylim=(-7.5, 4), xlabel="x1 (arbitrary units)", ylabel="x2 (arbitrary units)",
               title="two blobs" if case == "clean" else "plus 30 far points of class 1")
        ax.legend(fontsize=8, loc="upper right")
    acc = o["accuracy"]
    ch.figure(fig, "outliers",
              title="Far points on the right side drag the least-squares boundary; logistic regression holds (S29)",
              finding=f"Without them both boundaries split the blobs (accuracy {acc['least squares']['clean']:.2f} "
                      f"and {acc['logistic']['clean']:.2f}). Thirty class-1 points far on the correct side move "
                      f"the least-squares line into the blobs (accuracy {acc['least squares']['outliers']:.2f}): "
                      "its squared error punishes scores t x.theta > 1 as much as errors. The cross-entropy of "
                      f"logistic regression ignores them ({acc['logistic']['outliers']:.2f}).")


def _figure_generative(result, ch):
    g = result.data["generative"]
    X, y, shared, full = g["X"], g["y"], g["shared"], g["full"]
    fig, (ax0, ax1) = ch.subplots(1, 2, figsize=(10, 4.4))
    xx, yy = np.meshgrid(np.linspace(-4, 6, 200), np.linspace(-4, 5, 200))
    grid = np.c_[xx.ravel(), yy.ravel()]
    for ax in (ax0, ax1):
        ax.scatter(*X[y == 0].T, s=8, color="tab:blue", alpha=0.6, label="class 0 (data)")
        ax.scatter(*X[y == 1].T, s=8, color="tab:red", alpha=0.6, label="class 1 (data)")
    for model, style, name in ((shared, "-", "shared covariance: linear"), (full, "--", "full: quadratic")):
        P = model.predict_proba(grid)[:, 1].reshape(xx.shape)
        ax0.contour(xx, yy, P, levels=[0.5], colors="k", linestyles=style)
        ax0.plot([], [], "k" + style, label=f"p(C1|x) = 1/2, {name}")
    ax0.set(xlabel="x1 (arbitrary units)", ylabel="x2 (arbitrary units)", title="posterior by Bayes' theorem")
    ax0.legend(fontsize=7, loc="lower right")
    logp = shared.score_samples(grid).reshape(xx.shape)
    cs = ax1.contour(xx, yy, logp, levels=[-8, -6, -4, -3], colors="gray", linewidths=0.8)
    ax1.clabel(cs, fontsize=8, fmt="%g")
    s, lab = g["sampled"], g["labels"]
    ax1.scatter(*s[lab == 0].T, s=10, marker="^", color="tab:cyan", label="sampled, class 0")
    ax1.scatter(*s[lab == 1].T, s=10, marker="^", color="tab:orange", label="sampled, class 1")
    ax1.scatter(*g["outlier"].T, s=120, marker="*", color="k", label=f"outlier, ln p(x) = {g['log_p_outlier']:.1f}")
    ax1.set(xlabel="x1 (arbitrary units)", ylabel="x2 (arbitrary units)", title="ln p(x): new instances, outliers")
    ax1.legend(fontsize=7, loc="lower right")
    acc = g["accuracy"]
    ch.figure(fig, "generative",
              title=f"The generative classifier reaches the Bayes limit {g['bayes']:.3f} and also knows p(x) (S34)",
              finding=f"Fitting a Gaussian per class with a shared covariance and applying Bayes' theorem gives "
                      f"test accuracy {acc['shared']:.3f} (full covariances {acc['full']:.3f}, logistic regression "
                      f"{acc['logistic']:.3f}) against the Bayes limit 1 - Phi(-Delta/2) = {g['bayes']:.3f}. Unlike "
                      f"the discriminative model it gives p(x): it draws new instances and gives the point (-3, 4) "
                      f"ln p = {g['log_p_outlier']:.1f}, below the 1st percentile of the data "
                      f"({g['log_p_1pct']:.1f}).")


def _figure_ising(result, ch):
    d = result.data["ising"]
    table, temps = d["table"], d["temperatures"]
    fig, (ax0, ax1, ax2) = ch.subplots(1, 3, figsize=(14, 5.0))
    colors = {"logistic regression": "tab:blue", "random forest": "tab:green", "|m| (order parameter)": "gray"}
    for name, row in table.items():
        if "per_T" in row:
            ax0.plot(temps, row["per_T"], "o-", color=colors[name], label=name)
    ax0.axvspan(2.0, 2.5, color="gray", alpha=0.2, label="critical (not trained on)")
    ax0.axvline(2 / np.log(1 + np.sqrt(2)), color="k", ls=":", label="T_c")
    ax0.set(xlabel="temperature T (J / k_B)", ylabel="accuracy on held-out configurations", ylim=(0, 1.05),
            title=f"L = 40, {d['n_per']} configurations per T")
    # legends under the panels: inside they would cover the curves
    ax0.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
    for ax, split in ((ax1, "test"), (ax2, "critical")):
        for name, row in table.items():
            fpr, tpr = row["roc"][split]
            ax.plot(fpr, tpr, color=colors[name], ls="--" if name.startswith("|m|") else "-",
                    label=f"{name}: AUC {row['auc'][split]:.3f}")
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        ax.set(xlabel="false positive rate", ylabel="true positive rate",
               title=f"ROC, {split} configurations")
        ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    lr, rf = table["logistic regression"], table["random forest"]
    ch.figure(fig, "ising_phases",
              title=f"A random forest finds the Ising phases ({rf['test']:.2f}, critical {rf['critical']:.2f}); "
                    f"logistic regression cannot ({lr['test']:.2f})",
              finding=f"Trained on {d['sizes']['train']} ordered and disordered configurations, logistic regression "
                      f"classifies held-out ones with accuracy {lr['test']:.3f} (Mehta et al. 0.69 +- 0.03) and "
                      f"critical ones with {lr['critical']:.3f} (0.62 +- 0.04): a linear function of the spins "
                      f"cannot represent |m|. The random forest reaches {rf['test']:.3f} and {rf['critical']:.3f} "
                      "(Mehta: about 1.0 and above 0.8), close to the order parameter |m| itself (AUC "
                      f"{table['|m| (order parameter)']['auc']['test']:.3f} on the test configurations).")
