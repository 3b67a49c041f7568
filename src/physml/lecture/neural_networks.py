r"""Chapter: neural networks (S12-S21).

Reproduces, with :mod:`physml.nn`: back-propagation checked against finite
differences (S16); vanishing gradients of saturating units (S13); the effect of
the initialisation (S18), zero init included; look-back stopping and dropout
(S19, S20); a fit of a function from noisy integrals of it, the cost of S17;
universal approximation with one hidden layer (S21); and a multi-layer
perceptron that learns the phases of the 2D Ising model (or, if those data are
not available, the handwritten digits).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..base import ConvergenceWarning
from ..nn import (
    ELU,
    CrossEntropy,
    Dense,
    FunctionalLoss,
    LeakyReLU,
    MLPClassifier,
    MLPRegressor,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    build_mlp,
    get_activation,
    gradient_check,
    train,
)
from ..optim import Adam, GradientDescent
from ._plotting import legend, mark_T_c
from .report import Result

TITLE = "Neural networks: back-propagation, activations, initialisation, regularisation"
ORDER = 40
SYLLABUS = "S12-S21"

_COLORS = {"sigmoid": "tab:red", "tanh": "tab:orange", "relu": "tab:blue", "zeros": "black",
           "normal": "tab:purple", "glorot_uniform": "tab:green", "he_uniform": "tab:blue"}


def _digits(seed):
    from ..datasets import load_digits

    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(y))
    X, y = (X[perm] / 16).astype(np.float32), y[perm]
    n_test = int(0.3 * len(y))
    return X[n_test:], y[n_test:], X[:n_test], y[:n_test]


def _quiet_train(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return train(*args, **kwargs)


# ---------------------------------------------------------------------------
# S16: back-propagation equals finite differences
# ---------------------------------------------------------------------------


def _gradient_check(r, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(16, 5))
    y = rng.integers(0, 3, size=16)
    worst = 0.0
    for act in (Sigmoid, Tanh, ReLU, LeakyReLU, ELU):
        net = Sequential([Dense(5, 7, random_state=1, dtype=np.float64), act(),
                          Dense(7, 6, random_state=2, dtype=np.float64), act(),
                          Dense(6, 3, random_state=3, dtype=np.float64)])
        worst = max(worst, gradient_check(net, CrossEntropy(), X, y))
    r.check_below("back-propagation vs central differences, max relative error (5 activations, float64)",
                  worst, 1e-6, seed=seed, note="||g_bp - g_fd|| / (||g_bp|| + ||g_fd||), eps = 1e-6")


# ---------------------------------------------------------------------------
# S13: saturating units and vanishing gradients
# ---------------------------------------------------------------------------

_ACT_INITS = {"sigmoid": "glorot_uniform", "tanh": "glorot_uniform", "relu": "he_uniform"}


def _activations(r, seed, quick, Xtr, ytr):
    depth, width = 8, 64
    z = np.linspace(-5, 5, 401)[:, None]
    derivatives = {}
    for name in _ACT_INITS:
        layer = get_activation(name)
        layer.forward(z)
        derivatives[name] = layer.backward(np.ones_like(z))[:, 0]
    # gradient norm per layer at initialisation, one batch
    batch = slice(0, 256)
    norms = {}
    for name, init in _ACT_INITS.items():
        net = build_mlp(Xtr.shape[1], (width,) * depth, 10, activation=name, init=init, random_state=seed)
        loss = CrossEntropy()
        loss.forward(net.forward(Xtr[batch], training=True), ytr[batch])
        net.backward(loss.backward())
        norms[name] = [float(np.linalg.norm(layer.dW)) for layer in net.layers if isinstance(layer, Dense)]
    # plain SGD (Adam would rescale the small gradients away) on the same deep nets
    epochs = 8 if quick else 40
    losses = {}
    for name, init in _ACT_INITS.items():
        net = build_mlp(Xtr.shape[1], (width,) * depth, 10, activation=name, init=init, random_state=seed)
        hist = _quiet_train(net, CrossEntropy(), Xtr, ytr, optimizer=GradientDescent(lr=0.1), batch_size=32,
                            max_epochs=epochs, random_state=seed)
        losses[name] = hist["train_loss"]
    r.check_below("deep sigmoid net: ||dE/dW^1|| / ||dE/dW^L|| at init (vanishing gradient)",
                  norms["sigmoid"][0] / norms["sigmoid"][-1], 0.1, seed=seed,
                  note="sigma' <= 1/4 per layer: the gradient shrinks towards the input")
    return {"depth": depth, "z": z[:, 0], "derivatives": derivatives, "norms": norms, "epochs": epochs,
            "losses": losses}


def _activations_figure(ch, d):
    depth, epochs, norms = d["depth"], d["epochs"], d["norms"]
    fig, (ax0, ax1, ax2) = ch.subplots(1, 3)
    for name in _ACT_INITS:
        ax0.plot(d["z"], d["derivatives"][name], color=_COLORS[name], label=f"{name}'(z)")
    ax0.set(xlabel="z", ylabel="sigma'(z)", title="derivatives: saturating units -> 0")
    legend(ax0)
    for name in _ACT_INITS:
        ax1.semilogy(range(1, depth + 2), norms[name], "o-", color=_COLORS[name], label=name)
    ax1.set(xlabel="layer l (1 = input side)", ylabel="||dE/dW^l||", title=f"{depth} hidden layers at init")
    legend(ax1)
    for name in _ACT_INITS:
        ax2.plot(range(1, epochs + 1), d["losses"][name], color=_COLORS[name], label=name)
    ax2.axhline(np.log(10), color="gray", ls=":", label="ln 10 (chance)")
    ax2.set(xlabel="epoch", ylabel="training cost", title="SGD, lr = 0.1, digits")
    legend(ax2)
    final = {name: loss[-1] for name, loss in d["losses"].items()}
    decay = norms["sigmoid"][-1] / norms["sigmoid"][0]
    spread = {k: max(v) / min(v) for k, v in norms.items()}
    ch.figure(fig, "activations",
              title=f"Saturating units starve the first layers: sigmoid's gradient shrinks {decay:,.0f}x over "
                    f"{depth + 1} layers",
              finding=f"At initialisation ||dE/dW|| falls by a factor {decay:,.0f} from the output to the input "
                      f"layer for sigmoid (sigma' <= 1/4 at every layer); tanh (sigma'(0) = 1, Glorot init) and "
                      f"ReLU (He init) keep all layers within a factor {spread['tanh']:.1f} and "
                      f"{spread['relu']:.1f}. With plain SGD the deep sigmoid network ends {epochs} epochs at a cost "
                      f"of {final['sigmoid']:.2f} (chance: ln 10 = 2.30), ReLU at {final['relu']:.2f}.")


# ---------------------------------------------------------------------------
# S18: initialisation
# ---------------------------------------------------------------------------

_INITS = ("zeros", "normal", "glorot_uniform", "he_uniform")


def _initialisation(r, seed, Xtr, ytr):
    epochs = 30  # the zero-init cost needs ~30 epochs to settle on the class entropy (to 1e-3) for every seed
    losses, spreads = {}, {}
    W0 = None
    for init in _INITS:
        net = build_mlp(Xtr.shape[1], (64,) * 3, 10, activation="tanh", init=init, random_state=seed)
        hist = _quiet_train(net, CrossEntropy(), Xtr, ytr, optimizer=Adam(lr=1e-3), batch_size=64,
                            max_epochs=epochs, random_state=seed)
        losses[init] = hist["train_loss"]
        # spread of the hidden units' incoming weights: zero init keeps all units identical
        spreads[init] = net[0].W.std(axis=0)
        if init == "zeros":
            W0 = net[0].W
    counts = np.bincount(ytr, minlength=10) / len(ytr)
    entropy = float(-np.sum(counts * np.log(counts)))
    r.check("zero init: final training cost = entropy of the class frequencies", losses["zeros"][-1], entropy, 1e-3,
            seed=seed)
    r.check_below("zero init: spread between hidden units' weights after training",
                  float(np.ptp(W0, axis=1).max()), 1e-12, seed=seed,
                  note="identical units get identical gradients: the symmetry is never broken")
    return {"epochs": epochs, "losses": losses, "spreads": spreads, "entropy": entropy}


def _initialisation_figure(ch, d):
    epochs, losses, entropy = d["epochs"], d["losses"], d["entropy"]
    fig, (ax0, ax1) = ch.subplots(1, 2)
    for init in _INITS:
        ax0.plot(range(1, epochs + 1), losses[init], color=_COLORS[init], label=init)
    ax0.axhline(entropy, color="gray", ls=":", label="class entropy")
    ax0.set(xlabel="epoch", ylabel="training cost (cross-entropy, nats)", yscale="log",
            title="3 tanh layers x 64, Adam")
    legend(ax0)
    top = max(float(np.max(v)) for v in d["spreads"].values())
    bins = np.linspace(0.0, 1.05 * top, 31)  # one range for all: the zero-init units all sit in the first bin
    for init in _INITS:
        ax1.hist(d["spreads"][init], bins=bins, color=_COLORS[init], alpha=0.6, label=init)
    ax1.set(xlabel="std of a hidden unit's incoming weights (layer 1)", ylabel="hidden units",
            title="after training", xlim=(0.0, 1.05 * top))
    legend(ax1)
    ch.figure(fig, "initialisation",
              title="Zero initialisation never breaks the symmetry: the net only learns the class frequencies",
              finding=f"With W = 0 every hidden unit stays identical (and, for tanh, silent), so the cost stalls "
                      f"at the entropy of the class frequencies, {entropy:.3f}; tiny random weights (std 0.01) "
                      f"start slowly; Glorot and He reach {losses['glorot_uniform'][-1]:.3f} and "
                      f"{losses['he_uniform'][-1]:.3f} after {epochs} epochs.")


# ---------------------------------------------------------------------------
# S19, S20: look-back stopping and dropout
# ---------------------------------------------------------------------------


def _lookback_dropout(r, seed, quick):
    from ..datasets import load_digits

    X, y = load_digits(return_X_y=True)
    perm = np.random.default_rng(seed).permutation(len(y))
    X, y = (X[perm] / 16).astype(np.float32), y[perm]
    # 150 training digits, 600 for validation, the rest never seen: a big network overfits
    fit, unseen = slice(0, 750), slice(750, None)
    epochs = 40 if quick else 150
    histories, acc = {}, {}
    for p in (0.0, 0.5):
        clf = MLPClassifier((256, 256), learning_rate=1e-3, batch_size=32, max_epochs=epochs, patience=None,
                            validation_fraction=0.8, alpha=0.0, dropout=p, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X[fit], y[fit])
        histories[p] = clf.history_
        acc[p] = float(np.mean(clf.predict(X[unseen]) == y[unseen]))
    r.check_above("look-back net trained on 150 digits: accuracy on the 1047 unseen ones", acc[0.0], 0.85,
                  seed=seed, note="chance is 0.1; 150 examples suffice for most digits")
    return {"histories": histories, "acc": acc, "n_unseen": len(y) - 750}


def _lookback_dropout_figure(ch, d):
    histories, acc = d["histories"], d["acc"]
    fig, (ax0, ax1) = ch.subplots(1, 2)
    for p, color in ((0.0, "tab:blue"), (0.5, "tab:green")):
        h = histories[p]
        ep = np.arange(1, len(h["train_loss"]) + 1)
        ax0.semilogy(ep, h["train_loss"], ":", color=color, label=f"train, dropout {p}")
        ax0.semilogy(ep, h["val_loss"], "-", color=color, label=f"validation, dropout {p}")
        ax0.plot(h["best_epoch"], h["best_loss"], "k*", ms=11)
        ax1.plot(ep, h["val_loss"], color=color, label=f"dropout {p}")
        ax1.plot(h["best_epoch"], h["best_loss"], "k*", ms=11)
    ax0.set(xlabel="epoch", ylabel="cross-entropy", title="150 training digits, net 64-256-256-10")
    legend(ax0, fontsize=7)
    ax1.set(xlabel="epoch", ylabel="validation cross-entropy", title="look-back: * = parameters kept",
            ylim=(0.8 * min(h["best_loss"] for h in histories.values()),
                  1.6 * max(h["best_loss"] for h in histories.values())))
    legend(ax1)
    h0, h5 = histories[0.0], histories[0.5]
    rise = h0["val_loss"][-1] / h0["best_loss"]
    ch.figure(fig, "lookback_dropout",
              title=f"The validation cost bottoms out at epoch {h0['best_epoch']} and rises {100 * (rise - 1):.0f}%: "
                    "look back; dropout lowers the minimum",
              finding=f"Trained on 150 digits the 256x256 network drives its training cost to "
                      f"{h0['train_loss'][-1]:.1e}, while the validation cost is lowest at epoch {h0['best_epoch']} "
                      f"({h0['best_loss']:.3f}) and {rise:.2f}x that at epoch {len(h0['train_loss'])}; the estimator "
                      f"keeps the best epoch (S19). With dropout p = 0.5 (S20) the minimum is {h5['best_loss']:.3f}. "
                      f"Accuracy of the kept networks on {d['n_unseen']} unseen digits: {acc[0.0]:.3f} without, "
                      f"{acc[0.5]:.3f} with dropout.")


# ---------------------------------------------------------------------------
# S17: a cost on integrals of the network
# ---------------------------------------------------------------------------


def _truth(x):
    # a parton-distribution-like shape x^a (1 - x)^b, normalised to unit area
    from scipy.special import beta

    return x**0.6 * (1 - x) ** 3 / beta(1.6, 4)


def _functional_fit(r, seed, quick):
    rng = np.random.default_rng(seed)
    m = 200
    x = (np.arange(m) + 0.5) / m  # midpoint rule on [0, 1]
    centres = np.linspace(0.02, 0.98, 40)
    width = 0.08
    # F_i = int_0^1 K(y_i, x) f(x) dx, a Gaussian smearing (convolution) of f
    K = np.exp(-0.5 * ((centres[:, None] - x[None, :]) / width) ** 2) / (np.sqrt(2 * np.pi) * width)
    A = K / m
    F_true = A @ _truth(x)
    sigma = 0.01 * F_true.max()
    F_dat = F_true + sigma * rng.normal(size=F_true.size)
    loss = FunctionalLoss(A)
    net = Sequential([Dense(1, 32, init="glorot_uniform", random_state=rng, dtype=np.float64), Tanh(),
                      Dense(32, 32, init="glorot_uniform", random_state=rng, dtype=np.float64), Tanh(),
                      Dense(32, 1, init="glorot_uniform", random_state=rng, dtype=np.float64)])
    opt = Adam(lr=3e-3)
    steps = 2500 if quick else 4000
    X = x[:, None]
    # the exact gradient -(2/n) A^T (F - A f), back-propagated, against central differences
    grad_err = gradient_check(net, loss, X, F_dat)
    costs = []
    for _ in range(steps):
        E = loss.forward(net.forward(X, training=True), F_dat)
        net.backward(loss.backward())
        opt.step(net.parameters(), net.gradients())
        costs.append(E)
    f = net.forward(X)[:, 0].copy()
    E = loss.forward(f[:, None], F_dat)
    rel = float(np.sqrt(np.mean((f - _truth(x)) ** 2) / np.mean(_truth(x) ** 2)))
    r.check_below("S17 cost on integrals: back-propagated vs finite-difference gradient, relative error",
                  grad_err, 1e-6, seed=seed, note="central differences, float64")
    r.check_below("S17 functional fit: rms relative error of the reconstructed f", rel, 0.1, seed=seed,
                  note="against the true f(x) = x^0.6 (1 - x)^3 / B(1.6, 4)")
    n_weights = sum(p.size for p in net.parameters())
    r.measured("S17 functional fit: chi^2/n of the 40 smeared data after training", E / sigma**2, seed=seed,
               note=f"below 1: {n_weights} weights for 40 data points also fit part of the noise")
    return {"x": x, "centres": centres, "F_dat": F_dat, "AF": A @ f, "f": f, "sigma": sigma, "costs": np.asarray(costs),
            "E": E, "rel": rel, "steps": steps, "n_weights": n_weights}


def _functional_fit_figure(ch, d):
    x, sigma, E, rel, steps = d["x"], d["sigma"], d["E"], d["rel"], d["steps"]
    fig, (ax0, ax1, ax2) = ch.subplots(1, 3)
    ax0.errorbar(d["centres"], d["F_dat"], yerr=sigma, fmt="k.", ms=3, label="data F_i (1% noise)")
    ax0.plot(d["centres"], d["AF"], color="tab:blue", label="(A f_NN)_i")
    ax0.set(xlabel="y_i (position of the smearing kernel)", ylabel="F_i = (A f)_i", title="data: Gaussian-smeared f")
    legend(ax0)
    ax1.plot(x, _truth(x), "k:", lw=2, label="true f(x)")
    ax1.plot(x, d["f"], color="tab:blue", label="network f(x)")
    ax1.set(xlabel="x", ylabel="f(x)", title="the function, never observed directly")
    legend(ax1)
    ax2.semilogy(d["costs"] / sigma**2)
    ax2.axhline(1.0, color="gray", ls=":", label="chi^2/n = 1")
    ax2.set(xlabel="Adam step", ylabel="chi^2/n = E / sigma^2", title="cost of S17")
    legend(ax2)
    ch.figure(fig, "functional_fit",
              title=f"A network fitted to smeared integrals of f recovers f to {100 * rel:.0f}% (S17)",
              finding=f"The cost compares 40 noisy convolutions F_i = int K(y_i, x) f(x) dx with A f_NN on a "
                      f"200-point grid; its exact gradient -(2/n) A^T (F - A f) enters back-propagation as "
                      f"Delta^L. After {steps} Adam steps the network's f deviates from the truth by "
                      f"{100 * rel:.1f}% (rms, relative) and chi^2/n = {E / sigma**2:.2f}. A fit that only "
                      "followed the law would leave chi^2/n near 1 (the noise sigma is known exactly); below 1 "
                      f"the network, with {d['n_weights']} weights for 40 data points, also fits part of the "
                      "noise. Stopping at chi^2/n = 1 (the discrepancy principle) would regularise it.")


# ---------------------------------------------------------------------------
# S21: universal approximation
# ---------------------------------------------------------------------------


def _universal(r, seed, quick):
    x = np.linspace(0, 1, 256)[:, None]
    y = np.sin(2 * np.pi * x[:, 0])
    epochs = 1500  # MSE <= 5e-4 for every seed 0-9 (600 epochs left 4 of 10 seeds above 1e-3)
    widths = (1, 2, 50) if quick else (1, 2, 3, 4, 8, 16, 50)
    mses, preds = [], {}
    for w in widths:
        reg = MLPRegressor((w,), activation="tanh", learning_rate=1e-2, batch_size=32, max_epochs=epochs,
                           patience=None, validation_fraction=0.0, alpha=0.0, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            reg.fit(x, y)
        pred = reg.predict(x)
        mses.append(float(np.mean((pred - y) ** 2)))
        preds[w] = pred
    r.check_below(f"universal approximation: MSE of a {widths[-1]}-unit hidden layer on sin(2 pi x)", mses[-1],
                  1e-3, seed=seed, note="noise-free target: the MSE measures the approximation alone")
    return {"x": x[:, 0], "y": y, "epochs": epochs, "widths": widths, "mses": mses, "preds": preds}


def _universal_figure(ch, d):
    x, widths, mses, epochs = d["x"], d["widths"], d["mses"], d["epochs"]
    fig, (ax0, ax1) = ch.subplots(1, 2)
    ax0.plot(x, d["y"], "k:", lw=2, label="sin(2 pi x)")
    best = widths[int(np.argmin(mses))]
    for w in sorted({widths[0], widths[1], best}):
        ax0.plot(x, d["preds"][w], label=f"{w} hidden unit{'s' if w > 1 else ''}" + (" (smallest MSE)" if w == best else ""))
    ax0.set(xlabel="x (dimensionless)", ylabel="y = sin(2 pi x)", title="one hidden tanh layer")
    legend(ax0, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)  # below: the curves fill the panel
    ax1.loglog(widths, mses, "o-")
    ax1.axhline(1e-3, color="gray", ls=":", label="1e-3")
    ax1.set(xlabel="hidden units (width of the layer)", ylabel="mean squared error", title=f"{epochs} epochs of Adam")
    legend(ax1)
    best = int(np.argmin(mses))
    ch.figure(fig, "universal_approximation",
              title=f"One hidden tanh layer fits sin(2 pi x): MSE {mses[best]:.1e} with {widths[best]} units, "
                    f"against {mses[0]:.2f} with one (S21)",
              finding="One hidden unit can only draw one tanh step; a handful already follow a full period. "
                      f"The smallest error, {mses[best]:.1e}, comes with {widths[best]} units. Beyond a few units "
                      "the error is not monotone in the width: every net gets the same "
                      f"{epochs} epochs of Adam at the same learning rate, so what limits it there is the "
                      "optimisation, not the capacity that the theorem is about.")


# ---------------------------------------------------------------------------
# MLP on the Ising phases
# ---------------------------------------------------------------------------


def _crossing(temps, p):
    """First temperature where ``p`` falls through 1/2, by linear interpolation (NaN if it never does)."""
    down = np.flatnonzero((p[:-1] >= 0.5) & (p[1:] < 0.5))
    if down.size == 0:
        return float("nan")
    i = int(down[0])
    return float(temps[i] + (p[i] - 0.5) / (p[i] - p[i + 1]) * (temps[i + 1] - temps[i]))


def _ising(r, seed, quick):
    from ..datasets import T_c, ising_configurations

    L = 40
    temps = np.round(np.arange(1.0, 3.51, 0.25), 2)
    # enough configurations that every seed learns the phases (quick: 100 per T gave 0.80-0.98 across seeds)
    n_per = 300 if quick else 600
    data = ising_configurations(L=L, temperatures=temps, n_per_temperature=n_per, random_state=seed)
    X, T, y = data.X.astype(np.float32), data.T, data.y
    rng = np.random.default_rng(seed)
    critical = (T >= 2.0) & (T <= 2.5)
    test = rng.random(len(T)) < 0.3
    train_mask = ~critical & ~test
    clf = MLPClassifier((64,), learning_rate=1e-3, batch_size=32 if quick else 200,
                        max_epochs=30 if quick else 100, alpha=1e-3, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[train_mask], y[train_mask])
    held = test & ~critical
    acc_far = float(np.mean(clf.predict(X[held]) == y[held]))
    acc_crit = float(np.mean(clf.predict(X[critical & test]) == y[critical & test]))
    acc_T = np.array([np.mean(clf.predict(X[(T == t) & test]) == y[(T == t) & test]) for t in temps])
    r.check_above("Ising MLP: test accuracy away from the critical region", acc_far, 0.98, seed=seed,
                  note="held-out configurations with T < 2 or T > 2.5, labels T < T_c")

    # the transition, located on fresh configurations on a fine grid across T_c (never trained on)
    fine = np.round(np.arange(1.9, 2.7001, 0.05), 2)
    n_fine = 100 if quick else 400
    grid = ising_configurations(L=L, temperatures=fine, n_per_temperature=n_fine, random_state=seed + 1)
    p = clf.predict_proba(grid.X.astype(np.float32))[:, 1].reshape(len(fine), n_fine)
    mean_p, err_p = p.mean(axis=1), p.std(axis=1, ddof=1) / np.sqrt(n_fine)
    T_cross = _crossing(fine, mean_p)
    # uncertainty: bootstrap over the configurations of each temperature
    boot_rng = np.random.default_rng(seed + 2)
    boot = np.array([_crossing(fine, np.take_along_axis(p, boot_rng.integers(0, n_fine, p.shape), axis=1).mean(1))
                     for _ in range(200)])
    dT = float(np.nanstd(boot, ddof=1))
    shift = T_c / L  # finite-size shift of the pseudo-critical temperature, ~ T_c L^(-1/nu) with nu = 1
    r.check(f"Ising MLP: T where <P(ordered)> = 1/2 (L = {L}, {len(fine)} temperatures 1.9-2.7) vs Onsager's T_c",
            T_cross, T_c, 3 * dT + shift, seed=seed,
            note=f"bootstrap standard error {dT:.3f}; tolerance 3 standard errors + T_c/L = {shift:.3f} "
                 "(finite-size shift, nu = 1)")
    return {"L": L, "temps": temps, "acc_T": acc_T, "acc_far": acc_far, "acc_crit": acc_crit, "fine": fine,
            "mean_p": mean_p, "err_p": err_p, "n_fine": n_fine, "T_cross": T_cross, "dT": dT}


def _ising_figure(ch, d):
    from ..datasets import T_c

    temps, L, T_cross, dT, fine = d["temps"], d["L"], d["T_cross"], d["dT"], d["fine"]
    fig, (ax0, ax1) = ch.subplots(1, 2, figsize=(10, 4.2))
    ax0.errorbar(fine, d["mean_p"], yerr=d["err_p"], fmt="o-", ms=3, capsize=2,
                 label=f"<P(ordered)>, {d['n_fine']} fresh configurations per T")
    ax0.axvspan(T_cross - dT, T_cross + dT, color="C1", alpha=0.3, label=f"crossing {T_cross:.3f} +- {dT:.3f}")
    ax0.axhline(0.5, color="0.5", lw=0.8)
    mark_T_c(ax0, label=f"Onsager T_c = {T_c:.3f}")
    ax0.set(xlabel="temperature T (J / k_B)", ylabel="mean network output P(ordered)",
            title=f"MLP 1600-64-1, L = {L}: the critical region, never trained on")
    legend(ax0, loc="upper center", bbox_to_anchor=(0.5, -0.16))  # below: never over the curve
    ax1.axvspan(2.0, 2.5, color="gray", alpha=0.2, label="not trained on")
    ax1.plot(temps, d["acc_T"], "o-", label="held-out configurations")
    mark_T_c(ax1)
    ax1.set(xlabel="temperature T (J / k_B)", ylabel="test accuracy (fraction correct)", ylim=(0, 1.05),
            title="accuracy per temperature")
    legend(ax1, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    ch.figure(fig, "ising_phases",
              title=f"An MLP trained away from T_c locates the transition at T = {T_cross:.3f} +- {dT:.3f} "
                    f"(T_c = {T_c:.3f})",
              finding=f"Trained on ordered (T < 2) and disordered (T > 2.5) configurations only, the network "
                      f"classifies held-out ones with accuracy {d['acc_far']:.3f}, and the critical region, never "
                      f"seen, with {d['acc_crit']:.2f}. On fresh configurations every 0.05 from 1.9 to 2.7 its mean "
                      f"ordered-probability falls through 1/2 at T = {T_cross:.3f} +- {dT:.3f} (bootstrap over the "
                      f"configurations); a finite lattice of L = {L} shifts the transition by about T_c/L = "
                      f"{T_c / L:.2f}.")


def _digits_accuracy(r, seed, Xtr, ytr, Xte, yte):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(random_state=seed).fit(Xtr, ytr)
    acc = clf.score(Xte, yte)
    r.check_above("digits: held-out accuracy of MLPClassifier() (defaults, X/16, 30% test)", acc, 0.96,
                  seed=seed, note="scikit-learn's MLPClassifier scores 0.972 on its own random_state=0 split")


def compute(seed=0, quick=False):
    """Run the neural-network experiments (S12-S21): the numbers and the arrays the figures draw."""
    r = Result(seed=seed, quick=quick)
    r.notes.append(
        "A neural network is a stack of layers z^l = a^{l-1} W^l + b^l, a^l = sigma(z^l) (S12), trained by "
        "back-propagation (S16): one forward pass, then Delta^L = dE/dz^L and "
        "Delta^l = (Delta^{l+1} W^{l+1 T}) * sigma'(z^l), with dE/dW^l = a^{l-1 T} Delta^l. Every number below "
        "comes from physml.nn: layers with explicit forward/backward, the costs of S15/S17, the initialisers "
        "of S18, the training loop with look-back stopping (S19) and dropout (S20).")
    Xtr, ytr, Xte, yte = _digits(seed)
    _gradient_check(r, seed)
    r.data["activations"] = _activations(r, seed, quick, Xtr, ytr)
    r.data["initialisation"] = _initialisation(r, seed, Xtr, ytr)
    r.data["lookback_dropout"] = _lookback_dropout(r, seed, quick)
    r.data["functional_fit"] = _functional_fit(r, seed, quick)
    r.data["universal"] = _universal(r, seed, quick)
    _digits_accuracy(r, seed, Xtr, ytr, Xte, yte)
    r.data["ising"] = _ising(r, seed, quick)
    return r


def figures(result, ch):
    """Draw the neural-network figures of ``result`` (from :func:`compute`) into ``ch``."""
    d = result.data
    _activations_figure(ch, d["activations"])
    _initialisation_figure(ch, d["initialisation"])
    _lookback_dropout_figure(ch, d["lookback_dropout"])
    _functional_fit_figure(ch, d["functional_fit"])
    _universal_figure(ch, d["universal"])
    _ising_figure(ch, d["ising"])
