r"""Chapter: model fitting, "fitting is not predicting", ridge and cross-validation (S1-S4).

Reproduces the regression part of the lecture (after Mehta et al., Phys. Rep.
810 (2019), section 2): data from the two laws f(x) = 2x and
f(x) = 2x - 10x^5 + 15x^10 with and without noise (S1), polynomial fits of
growing degree (S2), their in-sample and out-of-sample errors (S3), weight
decay tuned on validation data (S4) and K-fold cross-validation of the degree.
"""

from __future__ import annotations

import numpy as np

from ._plotting import legend, log_ticks
from .report import Result

from ..datasets import LAW_COEFFICIENTS, LAWS, noisy_law
from ..linear import LinearRegression, PolynomialRegression
from ..metrics import mean_squared_error
from ..model_selection import KFold, cross_val_score, train_test_split, validation_curve

TITLE = "Model fitting: fitting is not predicting"
ORDER = 20
SYLLABUS = "S1-S4"

_LAW_LABEL = {"linear": "f(x) = 2x", "poly10": "f(x) = 2x - 10x^5 + 15x^10"}
_SIGMA = 1.0  # noise strength of the noisy experiments (as in Mehta et al.)


def _errors_vs_degree(law, sigma, degrees, n_train, n_val, repeats, seed):
    r"""E_tr and E_val (mean squared errors, S3) for each data set (rows) and degree (columns)."""
    E_tr = np.empty((repeats, len(degrees)))
    E_val = np.empty((repeats, len(degrees)))
    for r in range(repeats):
        x, y = noisy_law(law, n=n_train + n_val, sigma=sigma, random_state=seed + r, return_X_y=True)
        x_tr, x_val, y_tr, y_val = train_test_split(x, y, train_size=n_train, random_state=seed + r)
        for k, N in enumerate(degrees):
            model = PolynomialRegression(degree=N).fit(x_tr, y_tr)
            E_tr[r, k] = mean_squared_error(y_tr, model.predict(x_tr))
            E_val[r, k] = mean_squared_error(y_val, model.predict(x_val))
    return E_tr, E_val


_GRID = np.linspace(0, 1, 400)


# ---------------------------------------------------------------------------
# compute: numbers and arrays, no matplotlib
# ---------------------------------------------------------------------------


def _fits(seed, n_train):
    """Degree 1, 3 and 10 fits to each law, with and without noise (the data of the fits figure)."""
    panels = {}
    for i, law in enumerate(("linear", "poly10")):
        for j, sigma in enumerate((0.0, _SIGMA)):
            x, y = noisy_law(law, n=n_train, sigma=sigma, random_state=seed + 10 * i + j, return_X_y=True)
            curves = {N: PolynomialRegression(degree=N).fit(x, y).predict(_GRID) for N in (1, 3, 10)}
            panels[law, sigma] = {"x": x, "y": y, "curves": curves}
    return {"n_train": n_train, "panels": panels}


def _degrees(r, seed, degrees, n_train, n_val, repeats):
    seed = seed + 100
    panels, best = {}, {}
    for law in ("linear", "poly10"):
        N_law = len(LAW_COEFFICIENTS[law]) - 1
        for sigma in (0.0, _SIGMA):
            E_tr, E_val = _errors_vs_degree(law, sigma, degrees, n_train, n_val, repeats, seed)
            panels[law, sigma] = (np.median(E_tr, axis=0), np.median(E_val, axis=0))
            if sigma == 0:
                r.check_below(f"max E_val of degree {N_law} without noise over {repeats} data sets, "
                              f"{_LAW_LABEL[law]}", np.max(E_val[:, N_law]), 1e-12, seed=seed,
                              note="without noise, fitting is predicting: round-off only")
            else:
                best[law] = int(degrees[np.argmin(panels[law, sigma][1])])
                # exact for an unbiased linear model: <E_tr> = sigma^2 (1 - p / n), p = N + 1 parameters
                p = N_law + 1
                r.check(f"<E_tr> of degree {N_law} with sigma = 1, {_LAW_LABEL[law]}", E_tr[:, N_law].mean(),
                        sigma**2 * (1 - p / n_train), 4 * sigma**2 * np.sqrt(2 * (n_train - p)) / n_train
                        / np.sqrt(repeats), seed=seed,
                        note=f"sigma^2 (1 - p/n), p = {p}, n = {n_train}; the in-sample error is biased low; "
                             "tolerance 4 standard errors")
    return {"degrees": list(degrees), "n_train": n_train, "n_val": n_val, "repeats": repeats, "panels": panels,
            "best": best}


def _ridge(r, seed, n_train, alphas, degree, repeats):
    tr, val = [], []
    for k in range(repeats):
        x, y = noisy_law("poly10", n=n_train, sigma=_SIGMA, random_state=seed + 200 + k, return_X_y=True)
        s_tr, s_val = validation_curve(
            PolynomialRegression(degree=degree), x, y, param_name="alpha", param_range=alphas,
            cv=KFold(5, shuffle=True, random_state=seed + k), scoring="neg_mean_squared_error",
        )
        tr.append(-s_tr.mean(axis=1))
        val.append(-s_val.mean(axis=1))
    E_tr, E_val = np.median(tr, axis=0), np.median(val, axis=0)
    k = int(np.argmin(E_val))
    alpha_star = alphas[k]
    r.check_below("ridge: E_val(alpha*) / E_val(smallest alpha), degree-15 fit", E_val[k] / E_val[0], 0.5,
                  seed=seed + 200, note=f"alpha* = {alpha_star:.3g}; weight decay must at least halve the "
                                  "validation error of the overfitting polynomial")
    x, y = noisy_law("poly10", n=n_train, sigma=_SIGMA, random_state=seed + 200, return_X_y=True)
    curves = {name: (alpha, PolynomialRegression(degree=degree, alpha=float(alpha)).fit(x, y).predict(_GRID))
              for alpha, name in ((alphas[0], "smallest"), (alpha_star, "best"), (alphas[-1], "largest"))}
    return {"alphas": alphas, "E_tr": E_tr, "E_val": E_val, "k": k, "degree": degree, "n_train": n_train,
            "repeats": repeats, "x": x, "y": y, "curves": curves}


def _cv(r, seed, degrees, n, K):
    laws = {}
    for i, law in enumerate(("linear", "poly10")):
        x, y = noisy_law(law, n=n, sigma=_SIGMA, random_state=seed + 300 + i, return_X_y=True)
        cv = KFold(K, shuffle=True, random_state=seed + 300)
        scores = np.array([cross_val_score(PolynomialRegression(degree=N), x, y, cv=cv,
                                           scoring="neg_mean_squared_error") for N in degrees])
        E_cv, se = -scores.mean(axis=1), scores.std(axis=1, ddof=1) / np.sqrt(K)
        k_min = int(np.argmin(E_cv))
        # one-standard-error rule: the simplest model whose CV error is within one SE of the minimum
        chosen = int(degrees[np.argmax(E_cv <= E_cv[k_min] + se[k_min])])
        laws[law] = {"E_cv": E_cv, "se": se, "k_min": k_min, "chosen": chosen}
    r.check("degree chosen by 5-fold CV (one-SE rule), f(x) = 2x with sigma = 1", laws["linear"]["chosen"], 1, 0,
            seed=seed + 300, note=f"n = {n}; the law's own degree")
    return {"degrees": degrees, "n": n, "K": K, "laws": laws}


def _closed_form_checks(r, seed):
    x, y = noisy_law("linear", n=100, sigma=_SIGMA, random_state=seed + 400, return_X_y=True)
    theta_1 = (np.mean(x * y) - x.mean() * y.mean()) / (np.mean(x**2) - x.mean() ** 2)
    theta_0 = y.mean() - theta_1 * x.mean()
    model = LinearRegression().fit(x[:, None], y)
    r.check("theta_1: fit vs closed form (<xy>-<x><y>)/(<x^2>-<x>^2)", model.coef_[0], theta_1, 1e-12,
            seed=seed + 400, relative=True)
    r.check("theta_0: fit vs closed form <y> - theta_1 <x>", model.intercept_, theta_0, 1e-12,
            seed=seed + 400, relative=True)
    residual = y - model.predict(x[:, None])
    se = np.sqrt(residual @ residual / (len(x) - 2) / np.sum((x - x.mean()) ** 2))
    r.check("slope of f(x) = 2x fitted to 100 points with sigma = 1 (tol = 3 standard errors)",
            model.coef_[0], 2.0, 3 * se, seed=seed + 400, note=f"standard error {se:.3f}")
    x, y = noisy_law("poly10", n=200, sigma=0.0, random_state=seed + 401, return_X_y=True)
    theta = PolynomialRegression(degree=10).fit(x, y).coef_
    r.check_below("max |theta_j - theta_j(law)|, degree 10 fitted to the noise-free degree-10 law",
                  np.max(np.abs(theta - LAW_COEFFICIENTS["poly10"])), 1e-7, seed=seed + 401,
                  note="the law's coefficients 2, -10, 15 (powers 1, 5, 10)")


def compute(seed=0, quick=False):
    """Run the regression experiments (S1-S4): the numbers and the arrays the figures draw."""
    r = Result(seed=seed, quick=quick)
    r.notes.append(
        "Data y = f(x) + eta with Gaussian noise of strength sigma (S1) are fitted by polynomials of degree N "
        "by least squares (S2). The in-sample error E_tr always falls with N; the out-of-sample error E_val, "
        "measured on data not used in the fit, tells which model predicts (S3). Weight decay (ridge, S4) and "
        "K-fold cross-validation tune the complexity on validation data."
    )
    _closed_form_checks(r, seed)
    r.data["fits"] = _fits(seed, n_train=20)
    r.data["degrees"] = _degrees(r, seed, list(range(0, 16)), n_train=20 if quick else 30,
                                 n_val=500 if quick else 2000, repeats=20 if quick else 200)
    r.data["ridge"] = _ridge(r, seed, n_train=40, alphas=np.logspace(-10, 3, 14 if quick else 40), degree=15,
                             repeats=2 if quick else 20)
    r.data["cv"] = _cv(r, seed, degrees=np.arange(0, 13), n=400, K=5)
    return r


# ---------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------


def _fits_figure(ch, d):
    fig, axes = ch.subplots(2, 2, figsize=(10, 7.5), sharex=True)
    for i, law in enumerate(("linear", "poly10")):
        for j, sigma in enumerate((0.0, _SIGMA)):
            ax = axes[i, j]
            panel = d["panels"][law, sigma]
            ax.plot(panel["x"], panel["y"], "o", color="k", ms=4, label="data")
            ax.plot(_GRID, LAWS[law](_GRID), color="0.6", lw=4, alpha=0.6, label="true law")
            for N, color in zip((1, 3, 10), ("C0", "C1", "C3")):
                ax.plot(_GRID, panel["curves"][N], color=color, lw=1.5, label=f"degree {N}")
            lo, hi = LAWS[law](_GRID).min(), LAWS[law](_GRID).max()
            pad = 0.3 * (hi - lo) + 2.5 * sigma
            ax.set_ylim(lo - pad, hi + pad)
            ax.set_title(f"{_LAW_LABEL[law]}, sigma = {sigma:g}", fontsize=9)
            ax.set_xlabel("x")
            ax.set_ylabel("y")
    legend(axes[0, 0])
    ch.figure(
        fig, "fits",
        title="Without noise a flexible enough polynomial finds the law; with noise degree 10 chases the noise",
        finding=f"{d['n_train']} points on x in [0, 1]. Left: noise-free data, where every degree at least as high "
                "as the law's passes through the data and the law. Right: sigma = 1, where the degree-10 "
                "polynomial wiggles through the noise while degree 1 and 3 stay close to the law.",
    )


def _degree_figure(ch, d):
    fig, axes = ch.subplots(2, 2, figsize=(10, 7.5), sharex=True)
    degrees, best = d["degrees"], d["best"]
    for j, law in enumerate(("linear", "poly10")):
        for i, sigma in enumerate((0.0, _SIGMA)):
            ax = axes[i, j]
            med_tr, med_val = d["panels"][law, sigma]
            if sigma == 0:
                floor = 1e-20  # noise-free errors reach round-off; they are drawn at this floor
                med_tr, med_val = np.maximum(med_tr, floor), np.maximum(med_val, floor)
                ax.set_ylim(floor / 10, None)
            else:
                ax.axvline(best[law], color="C3", lw=0.8, ls=":")
                ax.axhline(sigma**2, color="0.5", lw=0.8, ls=":", label="sigma^2")
                ax.set_ylim(0.05 * sigma**2, 1e3 * sigma**2)
            ax.semilogy(degrees, med_tr, "-o", color="C0", ms=3, label="E_tr (training)")
            ax.semilogy(degrees, med_val, "-s", color="C3", ms=3, label="E_val (validation)")
            ax.set_title(f"{_LAW_LABEL[law]}, sigma = {sigma:g}", fontsize=9)
            ax.set_ylabel("mean squared error")
            legend(ax, fontsize=7)
        axes[1, j].set_xlabel("polynomial degree N")
    ch.figure(
        fig, "errors_vs_degree",
        title=f"With noise, degree {best['linear']} (f = 2x) and degree {best['poly10']} (degree-10 law) "
              "predict better than degree 10",
        finding=f"Median over {d['repeats']} data sets of {d['n_train']} training and {d['n_val']} validation "
                "points. Top, no noise: E_tr and E_val fall together, to round-off once the degree reaches the "
                "law's: fitting is predicting. Bottom, sigma = 1: E_tr keeps falling with the degree but E_val "
                "has its minimum (dotted line) near the noise floor sigma^2 and then climbs: fitting is not "
                "predicting.",
    )


def _ridge_figure(ch, d):
    fig, axes = ch.subplots(1, 2, figsize=(10, 4.2))
    ax = axes[0]
    alphas, E_tr, E_val, k, degree = d["alphas"], d["E_tr"], d["E_val"], d["k"], d["degree"]
    alpha_star = alphas[k]
    ax.loglog(alphas, E_tr, "-o", ms=3, color="C0", label="E_tr")
    ax.loglog(alphas, E_val, "-s", ms=3, color="C3", label="E_val (5-fold)")
    ax.axvline(alpha_star, color="C3", lw=0.8, ls=":")
    ax.axhline(_SIGMA**2, color="0.5", lw=0.8, ls=":", label="sigma^2")
    ax.set_xlabel("ridge strength alpha (= n lambda)")
    ax.set_ylabel("mean squared error")
    ax.set_title(f"degree {degree}, {d['n_train']} points, f(x) = 2x - 10x^5 + 15x^10", fontsize=9)
    legend(ax)

    ax = axes[1]
    ax.plot(d["x"], d["y"], "o", color="k", ms=3, label="data")
    ax.plot(_GRID, LAWS["poly10"](_GRID), color="0.6", lw=4, alpha=0.6, label="true law")
    for (name, (alpha, curve)), color in zip(d["curves"].items(), ("C1", "C3", "C0")):
        ax.plot(_GRID, curve, color=color, lw=1.5, label=f"alpha = {alpha:.2g} ({name})")
    ax.set_ylim(-4, 10)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    legend(ax, fontsize=7)
    ch.figure(
        fig, "ridge",
        title=f"Weight decay alpha = {alpha_star:.2g} brings the validation error of a degree-{degree} fit "
              f"from {E_val[0]:.3g} down to {E_val[k]:.2g}",
        finding=f"Left: 5-fold training and validation errors of a degree-{degree} polynomial against the ridge "
                f"strength, median over {d['repeats']} data sets. Too little decay overfits (E_val far above E_tr), "
                "too much underfits (both rise); the optimum lies between. Right: the three fits on one data set.",
    )


def _cv_figure(ch, d):
    fig, ax = ch.subplots(1, 1, figsize=(8.5, 4.5))
    degrees, K, n = d["degrees"], d["K"], d["n"]
    for law, color in (("linear", "C0"), ("poly10", "C3")):
        c = d["laws"][law]
        E_cv, se, k_min, chosen = c["E_cv"], c["se"], c["k_min"], c["chosen"]
        ax.errorbar(degrees, E_cv, yerr=se, fmt="-o", ms=3, color=color, capsize=2,
                    label=f"{_LAW_LABEL[law]}: minimum at {degrees[k_min]}, chosen degree {chosen}")
        ax.plot(chosen, E_cv[degrees == chosen], "*", ms=14, color=color)
        ax.axhline(E_cv[k_min] + se[k_min], color=color, lw=0.6, ls="--")
    ax.axhline(_SIGMA**2, color="0.5", lw=0.8, ls=":", label="sigma^2")
    ax.set_yscale("log")
    log_ticks(ax)
    ax.set_xlabel("polynomial degree N")
    ax.set_ylabel(f"{K}-fold cross-validation error (MSE)")
    legend(ax)
    chosen = {law: c["chosen"] for law, c in d["laws"].items()}
    ch.figure(
        fig, "cv_degree",
        title=f"{K}-fold cross-validation picks degree {chosen['linear']} for f = 2x and degree "
              f"{chosen['poly10']} for the degree-10 law",
        finding=f"{n} points with sigma = 1. Each degree is fitted {K} times on {K - 1} folds and scored on the "
                "held-out fold (error bars: one standard error over the folds). The star is the simplest degree "
                "whose CV error lies within one standard error of the minimum (dashed line), the "
                "one-standard-error rule; it recovers the degree of f = 2x. For the degree-10 law the noise "
                "hides the high powers, so a lower degree predicts best at this n.",
    )


def figures(result, ch):
    """Draw the regression figures of ``result`` (from :func:`compute`) into the chapter ``ch``."""
    _fits_figure(ch, result.data["fits"])
    _degree_figure(ch, result.data["degrees"])
    _ridge_figure(ch, result.data["ridge"])
    _cv_figure(ch, result.data["cv"])
