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
    get_activation,
    gradient_check,
    train,
)
from ..optim import Adam, GradientDescent

TITLE = "Neural networks: back-propagation, activations, initialisation, regularisation"
ORDER = 40
SYLLABUS = "S12-S21"

_COLORS = {"sigmoid": "tab:red", "tanh": "tab:orange", "relu": "tab:blue", "zeros": "black",
           "normal": "tab:purple", "glorot_uniform": "tab:green", "he_uniform": "tab:blue"}


def _digits(ch):
    from ..datasets import load_digits

    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(ch.seed)
    perm = rng.permutation(len(y))
    X, y = (X[perm] / 16).astype(np.float32), y[perm]
    n_test = int(0.3 * len(y))
    return X[n_test:], y[n_test:], X[:n_test], y[:n_test]


def _deep_net(activation, init, depth, width, n_in, n_out, seed, dtype=np.float32):
    rng = np.random.default_rng(seed)
    layers, fan_in = [], n_in
    for _ in range(depth):
        layers += [Dense(fan_in, width, init=init, random_state=rng, dtype=dtype), get_activation(activation)]
        fan_in = width
    layers.append(Dense(fan_in, n_out, init="glorot_uniform" if init != "zeros" else "zeros",
                        random_state=rng, dtype=dtype))
    return Sequential(layers)


def _quiet_train(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return train(*args, **kwargs)


# ---------------------------------------------------------------------------
# S16: back-propagation equals finite differences
# ---------------------------------------------------------------------------


def _gradient_check(ch):
    rng = np.random.default_rng(ch.seed)
    X = rng.normal(size=(16, 5))
    y = rng.integers(0, 3, size=16)
    worst = 0.0
    for act in (Sigmoid, Tanh, ReLU, LeakyReLU, ELU):
        net = Sequential([Dense(5, 7, random_state=1, dtype=np.float64), act(),
                          Dense(7, 6, random_state=2, dtype=np.float64), act(),
                          Dense(6, 3, random_state=3, dtype=np.float64)])
        worst = max(worst, gradient_check(net, CrossEntropy(), X, y))
    ch.check("back-propagation vs central differences, max relative error (5 activations, float64)",
             worst, 0.0, 1e-6, seed=ch.seed, note="||g_bp - g_fd|| / (||g_bp|| + ||g_fd||), eps = 1e-6")


# ---------------------------------------------------------------------------
# S13: saturating units and vanishing gradients
# ---------------------------------------------------------------------------


def _activations(ch, Xtr, ytr):
    depth, width = 8, 64
    inits = {"sigmoid": "glorot_uniform", "tanh": "glorot_uniform", "relu": "he_uniform"}
    fig, (ax0, ax1, ax2) = ch.subplots(1, 3)
    z = np.linspace(-5, 5, 401)[:, None]
    for name in inits:
        layer = get_activation(name)
        layer.forward(z)
        ax0.plot(z[:, 0], layer.backward(np.ones_like(z))[:, 0], color=_COLORS[name], label=f"{name}'(z)")
    ax0.set(xlabel="z", ylabel="sigma'(z)", title="derivatives: saturating units -> 0")
    ax0.legend(fontsize=8)

    # gradient norm per layer at initialisation, one batch
    batch = slice(0, 256)
    norms = {}
    for name, init in inits.items():
        net = _deep_net(name, init, depth, width, Xtr.shape[1], 10, ch.seed)
        loss = CrossEntropy()
        loss.forward(net.forward(Xtr[batch], training=True), ytr[batch])
        net.backward(loss.backward())
        norms[name] = [float(np.linalg.norm(layer.dW)) for layer in net.layers if isinstance(layer, Dense)]
        ax1.semilogy(range(1, depth + 2), norms[name], "o-", color=_COLORS[name], label=name)
    ax1.set(xlabel="layer l (1 = input side)", ylabel="||dE/dW^l||", title=f"{depth} hidden layers at init")
    ax1.legend(fontsize=8)

    # plain SGD (Adam would rescale the small gradients away) on the same deep nets
    epochs = 8 if ch.quick else 40
    final = {}
    for name, init in inits.items():
        net = _deep_net(name, init, depth, width, Xtr.shape[1], 10, ch.seed)
        hist = _quiet_train(net, CrossEntropy(), Xtr, ytr, optimizer=GradientDescent(lr=0.1), batch_size=32,
                            max_epochs=epochs, random_state=ch.seed)
        final[name] = hist["train_loss"][-1]
        ax2.plot(range(1, epochs + 1), hist["train_loss"], color=_COLORS[name], label=name)
    ax2.axhline(np.log(10), color="gray", ls=":", label="ln 10 (chance)")
    ax2.set(xlabel="epoch", ylabel="training cost", title="SGD, lr = 0.1, digits")
    ax2.legend(fontsize=8)
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
    ch.check("deep sigmoid net: ||dE/dW^1|| / ||dE/dW^L|| at init (vanishing gradient, < 0.1 expected)",
             norms["sigmoid"][0] / norms["sigmoid"][-1], 0.0, 0.1, seed=ch.seed)


# ---------------------------------------------------------------------------
# S18: initialisation
# ---------------------------------------------------------------------------


def _initialisation(ch, Xtr, ytr):
    epochs = 30  # the zero-init cost needs ~30 epochs to settle on the class entropy (to 1e-3) for every seed
    fig, (ax0, ax1) = ch.subplots(1, 2)
    results = {}
    for init in ("zeros", "normal", "glorot_uniform", "he_uniform"):
        net = _deep_net("tanh", init, 3, 64, Xtr.shape[1], 10, ch.seed)
        hist = _quiet_train(net, CrossEntropy(), Xtr, ytr, optimizer=Adam(lr=1e-3), batch_size=64,
                            max_epochs=epochs, random_state=ch.seed)
        results[init] = (hist["train_loss"], net)
        ax0.plot(range(1, epochs + 1), hist["train_loss"], color=_COLORS[init], label=init)
    counts = np.bincount(ytr, minlength=10) / len(ytr)
    entropy = float(-np.sum(counts * np.log(counts)))
    ax0.axhline(entropy, color="gray", ls=":", label="class entropy")
    ax0.set(xlabel="epoch", ylabel="training cost", yscale="log", title="3 tanh layers x 64, Adam")
    ax0.legend(fontsize=8)
    # spread of the hidden units' incoming weights: zero init keeps all units identical
    for init in ("zeros", "normal", "glorot_uniform", "he_uniform"):
        W = results[init][1][0].W
        ax1.hist(W.std(axis=0), bins=20, color=_COLORS[init], alpha=0.6, label=init)
    ax1.set(xlabel="std of a hidden unit's incoming weights (layer 1)", ylabel="units",
            title="after training")
    ax1.legend(fontsize=8)
    zero_final = results["zeros"][0][-1]
    ch.figure(fig, "initialisation",
              title="Zero initialisation never breaks the symmetry: the net only learns the class frequencies",
              finding=f"With W = 0 every hidden unit stays identical (and, for tanh, silent), so the cost stalls "
                      f"at the entropy of the class frequencies, {entropy:.3f}; tiny random weights (std 0.01) "
                      f"start slowly; Glorot and He reach {results['glorot_uniform'][0][-1]:.3f} and "
                      f"{results['he_uniform'][0][-1]:.3f} after {epochs} epochs.")
    ch.check("zero init: final training cost = entropy of the class frequencies", zero_final, entropy, 1e-3,
             seed=ch.seed)
    W0 = results["zeros"][1][0].W
    ch.check("zero init: spread between hidden units' weights after training", float(np.ptp(W0, axis=1).max()),
             0.0, 1e-12, seed=ch.seed)


# ---------------------------------------------------------------------------
# S19, S20: look-back stopping and dropout
# ---------------------------------------------------------------------------


def _lookback_dropout(ch):
    from ..datasets import load_digits

    X, y = load_digits(return_X_y=True)
    perm = np.random.default_rng(ch.seed).permutation(len(y))
    X, y = (X[perm] / 16).astype(np.float32), y[perm]
    # 150 training digits, 600 for validation, the rest never seen: a big network overfits
    fit, unseen = slice(0, 750), slice(750, None)
    epochs = 40 if ch.quick else 150
    fig, (ax0, ax1) = ch.subplots(1, 2)
    models = {}
    for p, color in ((0.0, "tab:blue"), (0.5, "tab:green")):
        clf = MLPClassifier((256, 256), learning_rate=1e-3, batch_size=32, max_epochs=epochs, patience=None,
                            validation_fraction=0.8, alpha=0.0, dropout=p, random_state=ch.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X[fit], y[fit])
        models[p] = clf
        h = clf.history_
        ep = np.arange(1, len(h["train_loss"]) + 1)
        ax0.semilogy(ep, h["train_loss"], ":", color=color, label=f"train, dropout {p}")
        ax0.semilogy(ep, h["val_loss"], "-", color=color, label=f"validation, dropout {p}")
        ax0.plot(h["best_epoch"], h["best_loss"], "k*", ms=11)
        ax1.plot(ep, h["val_loss"], color=color, label=f"dropout {p}")
        ax1.plot(h["best_epoch"], h["best_loss"], "k*", ms=11)
    ax0.set(xlabel="epoch", ylabel="cross-entropy", title="150 training digits, net 64-256-256-10")
    ax0.legend(fontsize=7)
    ax1.set(xlabel="epoch", ylabel="validation cross-entropy", title="look-back: * = parameters kept",
            ylim=(0.8 * min(m.history_["best_loss"] for m in models.values()),
                  1.6 * max(m.history_["best_loss"] for m in models.values())))
    ax1.legend(fontsize=8)
    h0, h5 = models[0.0].history_, models[0.5].history_
    rise = h0["val_loss"][-1] / h0["best_loss"]
    acc = {p: float(np.mean(m.predict(X[unseen]) == y[unseen])) for p, m in models.items()}
    ch.figure(fig, "lookback_dropout",
              title=f"The validation cost bottoms out at epoch {h0['best_epoch']} and rises {100 * (rise - 1):.0f}%: "
                    "look back; dropout lowers the minimum",
              finding=f"Trained on 150 digits the 256x256 network drives its training cost to "
                      f"{h0['train_loss'][-1]:.1e}, while the validation cost is lowest at epoch {h0['best_epoch']} "
                      f"({h0['best_loss']:.3f}) and {rise:.2f}x that at epoch {len(h0['train_loss'])}; the estimator "
                      f"keeps the best epoch (S19). With dropout p = 0.5 (S20) the minimum is {h5['best_loss']:.3f}. "
                      f"Accuracy of the kept networks on {len(y) - 750} unseen digits: {acc[0.0]:.3f} without, "
                      f"{acc[0.5]:.3f} with dropout.")
    ch.check("look-back net trained on 150 digits: accuracy on the 1047 unseen ones", acc[0.0], 0.92, 0.04,
             seed=ch.seed, note="reference: the look-back net of this seed at full size")


# ---------------------------------------------------------------------------
# S17: a cost on integrals of the network
# ---------------------------------------------------------------------------


def _truth(x):
    # a parton-distribution-like shape x^a (1 - x)^b, normalised to unit area
    from scipy.special import beta

    return x**0.6 * (1 - x) ** 3 / beta(1.6, 4)


def _functional_fit(ch):
    rng = np.random.default_rng(ch.seed)
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
    steps = 2500 if ch.quick else 4000
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
    fig, (ax0, ax1, ax2) = ch.subplots(1, 3)
    ax0.errorbar(centres, F_dat, yerr=sigma, fmt="k.", ms=3, label="data F_i (1% noise)")
    ax0.plot(centres, A @ f, color="tab:blue", label="(A f_NN)_i")
    ax0.set(xlabel="y_i", ylabel="F", title="data: Gaussian-smeared f")
    ax0.legend(fontsize=8)
    ax1.plot(x, _truth(x), "k:", lw=2, label="true f(x)")
    ax1.plot(x, f, color="tab:blue", label="network f(x)")
    ax1.set(xlabel="x", ylabel="f(x)", title="the function, never observed directly")
    ax1.legend(fontsize=8)
    ax2.semilogy(np.asarray(costs) / sigma**2)
    ax2.axhline(1.0, color="gray", ls=":", label="chi^2/n = 1")
    ax2.set(xlabel="Adam step", ylabel="E / sigma^2", title="cost of S17")
    ax2.legend(fontsize=8)
    ch.figure(fig, "functional_fit",
              title=f"A network fitted to smeared integrals of f recovers f to {100 * rel:.0f}% (S17)",
              finding=f"The cost compares 40 noisy convolutions F_i = int K(y_i, x) f(x) dx with A f_NN on a "
                      f"200-point grid; its exact gradient -(2/n) A^T (F - A f) enters back-propagation as "
                      f"Delta^L. After {steps} Adam steps chi^2/n = {E / sigma**2:.2f} and the network's f deviates "
                      f"from the truth by {100 * rel:.1f}% (rms, relative).")
    ch.check("S17 cost on integrals: back-propagated vs finite-difference gradient, relative error", grad_err,
             0.0, 1e-6, seed=ch.seed)
    ch.check("S17 functional fit: rms relative error of the reconstructed f", rel, 0.0, 0.1, seed=ch.seed)


# ---------------------------------------------------------------------------
# S21: universal approximation
# ---------------------------------------------------------------------------


def _universal(ch):
    x = np.linspace(0, 1, 256)[:, None]
    y = np.sin(2 * np.pi * x[:, 0])
    epochs = 1500  # MSE <= 5e-4 for every seed 0-9 (600 epochs left 4 of 10 seeds above 1e-3)
    fig, (ax0, ax1) = ch.subplots(1, 2)
    ax0.plot(x[:, 0], y, "k:", lw=2, label="sin(2 pi x)")
    widths = (1, 2, 50) if ch.quick else (1, 2, 3, 4, 8, 16, 50)
    mses = []
    for w in widths:
        reg = MLPRegressor((w,), activation="tanh", learning_rate=1e-2, batch_size=32, max_epochs=epochs,
                           patience=None, validation_fraction=0.0, alpha=0.0, random_state=ch.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            reg.fit(x, y)
        pred = reg.predict(x)
        mses.append(float(np.mean((pred - y) ** 2)))
        if w in (1, 2, 50):
            ax0.plot(x[:, 0], pred, label=f"{w} hidden neurons")
    ax0.set(xlabel="x", ylabel="y", title="one hidden tanh layer")
    ax0.legend(fontsize=8)
    ax1.loglog(widths, mses, "o-")
    ax1.axhline(1e-3, color="gray", ls=":", label="1e-3")
    ax1.set(xlabel="hidden neurons", ylabel="MSE", title=f"{epochs} epochs of Adam")
    ax1.legend(fontsize=8)
    ch.figure(fig, "universal_approximation",
              title=f"One hidden layer of {widths[-1]} tanh units fits sin(2 pi x) to MSE {mses[-1]:.1e} (S21)",
              finding="One hidden unit can only draw one tanh step; a handful already follow a full period; "
                      f"with {widths[-1]} the mean squared error is {mses[-1]:.1e}.")
    ch.check(f"universal approximation: MSE of a {widths[-1]}-unit hidden layer on sin(2 pi x)", mses[-1], 0.0,
             1e-3, seed=ch.seed)


# ---------------------------------------------------------------------------
# MLP on the Ising phases (or on the digits)
# ---------------------------------------------------------------------------


def _ising(ch):
    from ..datasets import ising_configurations, ising_phase_labels

    L = 40
    temps = np.round(np.arange(1.0, 3.51, 0.25), 2)
    # enough configurations that every seed learns the phases (quick: 100 per T gave 0.80-0.98 across seeds)
    n_per = 300 if ch.quick else 600
    X, T = ising_configurations(L=L, temperatures=temps, n_per_temperature=n_per, random_state=ch.seed)
    X = X.astype(np.float32)
    y = ising_phase_labels(T)
    rng = np.random.default_rng(ch.seed)
    critical = (T >= 2.0) & (T <= 2.5)
    test = rng.random(len(T)) < 0.3
    train_mask = ~critical & ~test
    clf = MLPClassifier((64,), learning_rate=1e-3, batch_size=32 if ch.quick else 200,
                        max_epochs=30 if ch.quick else 100, alpha=1e-3, random_state=ch.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[train_mask], y[train_mask])
    p_ordered = clf.predict_proba(X)[:, 1]
    held = test & ~critical
    acc_far = float(np.mean(clf.predict(X[held]) == y[held]))
    acc_crit = float(np.mean(clf.predict(X[critical & test]) == y[critical & test]))
    mean_p = np.array([p_ordered[(T == t) & test].mean() for t in temps])
    acc_T = np.array([np.mean(clf.predict(X[(T == t) & test]) == y[(T == t) & test]) for t in temps])
    # temperature where <P(ordered)> crosses 1/2, by linear interpolation
    i = int(np.flatnonzero((mean_p[:-1] >= 0.5) & (mean_p[1:] < 0.5))[0])
    T_cross = float(temps[i] + (mean_p[i] - 0.5) / (mean_p[i] - mean_p[i + 1]) * (temps[i + 1] - temps[i]))
    T_c = 2 / np.log(1 + np.sqrt(2))
    fig, (ax0, ax1) = ch.subplots(1, 2)
    ax0.axvspan(2.0, 2.5, color="gray", alpha=0.2, label="critical region (not trained on)")
    ax0.plot(temps, mean_p, "o-", label="<P(ordered)> on test configurations")
    ax0.axvline(T_c, color="k", ls=":", label=f"T_c = {T_c:.3f}")
    ax0.set(xlabel="T", ylabel="P(ordered)", title=f"MLP 1600-64-1 on {L}x{L} Ising configurations")
    ax0.legend(fontsize=7)
    ax1.axvspan(2.0, 2.5, color="gray", alpha=0.2)
    ax1.plot(temps, acc_T, "o-")
    ax1.axvline(T_c, color="k", ls=":")
    ax1.set(xlabel="T", ylabel="test accuracy", ylim=(0, 1.05), title="accuracy per temperature")
    ch.figure(fig, "ising_phases",
              title=f"An MLP trained away from T_c locates the transition at T = {T_cross:.2f} (T_c = {T_c:.3f})",
              finding=f"Trained on ordered (T < 2) and disordered (T > 2.5) configurations only, the network "
                      f"classifies held-out ones with accuracy {acc_far:.3f}, and the critical region, never seen, "
                      f"with {acc_crit:.2f}; its mean ordered-probability crosses 1/2 at T = {T_cross:.2f}.")
    ch.check("Ising MLP: test accuracy away from the critical region", acc_far, 1.0, 0.02, seed=ch.seed)
    ch.check("Ising MLP: T where <P(ordered)> = 1/2 vs Onsager's T_c", T_cross, T_c, 0.25, seed=ch.seed)


def _digits_accuracy(ch, Xtr, ytr, Xte, yte):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(random_state=ch.seed).fit(Xtr, ytr)
    acc = clf.score(Xte, yte)
    ch.check("digits: held-out accuracy of MLPClassifier() (defaults, X/16, 30% test)", acc, 0.975, 0.015,
             seed=ch.seed, note="the goal is >= 0.96; scikit-learn's MLPClassifier scores 0.972 on its own "
                                "random_state=0 split")
    return acc


def run(ch):
    ch.note("A neural network is a stack of layers z^l = a^{l-1} W^l + b^l, a^l = sigma(z^l) (S12), trained by "
            "back-propagation (S16): one forward pass, then Delta^L = dE/dz^L and "
            "Delta^l = (Delta^{l+1} W^{l+1 T}) * sigma'(z^l), with dE/dW^l = a^{l-1 T} Delta^l. Every number below "
            "comes from physml.nn: layers with explicit forward/backward, the costs of S15/S17, the initialisers "
            "of S18, the training loop with look-back stopping (S19) and dropout (S20).")
    Xtr, ytr, Xte, yte = _digits(ch)
    steps = [("gradient check", lambda: _gradient_check(ch)),
             ("activations", lambda: _activations(ch, Xtr, ytr)),
             ("initialisation", lambda: _initialisation(ch, Xtr, ytr)),
             ("look-back and dropout", lambda: _lookback_dropout(ch)),
             ("functional cost", lambda: _functional_fit(ch)),
             ("universal approximation", lambda: _universal(ch)),
             ("digits", lambda: _digits_accuracy(ch, Xtr, ytr, Xte, yte)),
             ("Ising phases", lambda: _ising(ch))]
    for _, step in ch.progress(steps, desc="experiments"):
        step()
