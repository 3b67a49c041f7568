r"""Convolutional networks and generative adversarial networks (S35-S40, S43).

Convolution and pooling on the slides' examples (S38-S39); a CNN (S40) on the
bundled digits (its learned filters and feature maps) and on the ordered and
disordered phases of the 2D Ising model; the KL divergence (S35), forward
against reverse fitted to a bimodal target; a GAN (S36) learning the slides'
N(4, 1.25^2), with snapshots of its training, and 8x8 Ising configurations; and a 1D CNN detecting
gravitational-wave chirps in noise against the matched filter (S43).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import integrate, optimize, signal, stats

from ..exceptions import ConvergenceWarning
from .report import Result

TITLE = "Convolutional networks and GANs"
ORDER = 70
SYLLABUS = "S35-S40, S43"

_SLIDE_IMAGE = np.array([[1, 1, 1, 0, 0],
                         [0, 1, 1, 1, 0],
                         [0, 0, 1, 1, 1],
                         [0, 0, 1, 1, 0],
                         [0, 1, 1, 0, 0]], dtype=np.float64)
_SLIDE_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float64)
_POOL_IMAGE = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=np.float64)


def _convolution_demo(r, seed):
    from ..nn import AvgPool2D, Conv2D, MaxPool2D

    conv = Conv2D(1, 1, 3, dtype=np.float64)
    conv.W[0, 0] = _SLIDE_KERNEL
    out = conv.forward(_SLIDE_IMAGE[None, None])[0, 0].copy()
    ref = signal.correlate2d(_SLIDE_IMAGE, _SLIDE_KERNEL, mode="valid")
    r.check("S38 convolution example: first output", out[0, 0], 4, 0, seed=seed, note="slide value")
    r.check("S38 convolution example: largest deviation from scipy.signal.correlate2d", np.abs(out - ref).max(), 0, 0,
            seed=seed, note="SciPy on the same image")
    x = _POOL_IMAGE[None, None]
    mx, av = MaxPool2D(2).forward(x)[0, 0].copy(), AvgPool2D(2).forward(x)[0, 0].copy()
    blocks = _POOL_IMAGE.reshape(2, 2, 2, 2).swapaxes(1, 2)
    r.check("S39 max pooling: largest deviation from the block maxima", np.abs(mx - blocks.max(axis=(2, 3))).max(), 0, 0,
            seed=seed, note="NumPy block reduction")
    r.check("S39 average pooling: largest deviation from the block means", np.abs(av - blocks.mean(axis=(2, 3))).max(), 0, 0,
            seed=seed, note="NumPy block reduction")
    r.data["conv_demo"] = {"image": _SLIDE_IMAGE, "kernel": _SLIDE_KERNEL, "out": out, "pool_in": _POOL_IMAGE,
                           "max": mx, "avg": av}


def _digits(r, seed, quick):
    from .. import datasets, model_selection
    from ..nn import CNNClassifier

    X, y = datasets.load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = model_selection.train_test_split(X / 16, y, test_size=0.3, random_state=seed)
    clf = CNNClassifier(image_shape=(8, 8), max_epochs=25 if quick else 100, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(Xtr, ytr)
    acc = clf.score(Xte, yte)
    r.check_above("CNN digits: held-out accuracy (30%)", acc, 0.96 if quick else 0.97, seed=seed,
                  note="issue target 0.97 at full training")
    maps = clf.feature_maps(Xte[:1])
    r.data["digits"] = {"filters": clf.filters_[0][:, 0].astype(np.float64), "image": Xte[0].reshape(8, 8),
                        "maps": maps[0][0], "label": int(yte[0]), "accuracy": acc}


def _ising(r, seed, quick):
    from ..datasets import ising_configurations, ising_phase_labels
    from ..nn import CNNClassifier

    L = 16 if quick else 40
    n = 60 if quick else 400
    far = [1.0, 1.5, 1.75, 2.75, 3.0, 3.5]
    crit = [2.0, 2.25, 2.5]

    def sample(temps, n_per, s):
        res = ising_configurations(L=L, temperatures=temps, n_per_temperature=n_per, random_state=s, cache=False)
        X, T = res if isinstance(res, tuple) else (res.X, res.T)
        return X, T, ising_phase_labels(T)

    X, T, y = sample(far, n, seed)
    Xte, Tte, yte = sample(far + crit, max(n // 2, 30), seed + 1000)
    clf = CNNClassifier(image_shape=(L, L), conv_layers=((8, 3), (16, 3)), dense_layers=(32,), learning_rate=3e-3,
                        batch_size=32, max_epochs=30 if quick else 60, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    is_crit = np.isin(Tte, crit)
    acc_far = float(np.mean(clf.predict(Xte[~is_crit]) == yte[~is_crit]))
    acc_crit = float(np.mean(clf.predict(Xte[is_crit]) == yte[is_crit]))
    r.check_above(f"CNN Ising {L}x{L}: test accuracy away from T_c", acc_far, 0.99, seed=seed,
                  note="Mehta et al. NB 14: ~1.0")
    r.measured(f"CNN Ising {L}x{L}: accuracy on the critical set T in [2.0, 2.5]", acc_crit, seed=seed,
               note="labels by T < T_c; ambiguous near T_c")
    temps = np.array(sorted(far + crit))
    p_ord = clf.predict_proba(Xte)[:, list(clf.classes_).index(1)]
    r.data["ising"] = {"L": L, "T": temps, "p_ordered": np.array([p_ord[Tte == t].mean() for t in temps]),
                       "acc_far": acc_far, "acc_crit": acc_crit}


def _kl_forward_reverse(r, seed):
    r"""A single Gaussian q fitted to p = (N(-2, 0.5^2) + N(2, 0.5^2)) / 2 by forward and by reverse KL."""
    p = lambda x: 0.5 * stats.norm.pdf(x, -2, 0.5) + 0.5 * stats.norm.pdf(x, 2, 0.5)  # noqa: E731
    grid = np.linspace(-8, 8, 4001)
    px = p(grid)

    def forward(theta):  # D_KL(p || q) up to the entropy of p
        mu, log_s = theta
        return -integrate.trapezoid(px * stats.norm.logpdf(grid, mu, np.exp(log_s)), grid)

    def reverse(theta):  # D_KL(q || p)
        mu, log_s = theta
        q = stats.norm.pdf(grid, mu, np.exp(log_s))
        return integrate.trapezoid(q * (stats.norm.logpdf(grid, mu, np.exp(log_s)) - np.log(px + 1e-300)), grid)

    fwd = optimize.minimize(forward, [0.5, 0.0], method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12})
    rev = optimize.minimize(reverse, [0.5, 0.0], method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12})
    mu_f, s_f = fwd.x[0], np.exp(fwd.x[1])
    mu_r, s_r = rev.x[0], np.exp(rev.x[1])
    r.check_below("forward KL fit: |mean| (moment matching: 0)", abs(mu_f), 1e-3, seed=seed,
                  note="the forward-KL Gaussian matches the moments")
    r.check("forward KL fit: std (moment matching: sqrt(0.25 + 4))", s_f, np.sqrt(4.25), 1e-3, seed=seed,
            note="mode covering")
    r.check("reverse KL fit: |mean| (one mode: 2)", abs(mu_r), 2.0, 0.01, seed=seed, note="mode seeking")
    r.check("reverse KL fit: std (one mode: 0.5)", s_r, 0.5, 0.01, seed=seed, note="mode seeking")
    r.data["kl"] = {"grid": grid, "p": px, "forward": (mu_f, s_f), "reverse": (mu_r, s_r)}


def _gan(r, seed, quick):
    from ..generative import GAN, kl_histogram
    from ..nn import Dense, LeakyReLU, Sequential
    from ..optim import Adam

    def mlp(sizes, s):
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Dense(a, b, random_state=s + i))
            if i < len(sizes) - 2:
                layers.append(LeakyReLU(0.2))
        return Sequential(layers)

    rng = np.random.default_rng(seed)
    X = rng.normal(4.0, 1.25, size=(20_000, 1))
    G, D = mlp([1, 16, 16, 1], seed), mlp([1, 32, 32, 1], seed + 100)
    snapshots = (50, 300, 2000)  # same seed: a shorter run is the start of the longer one
    samples, kls, history = {}, {}, None
    target = stats.norm(4.0, 1.25).pdf
    for n_iter in snapshots:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gan = GAN(G, D, 1, optimizer=Adam(1e-3, beta1=0.5), n_iter=n_iter, random_state=seed).fit(X)
        x = gan.sample(100_000 if n_iter == snapshots[-1] else 20_000, random_state=seed + 1)[:, 0]
        samples[n_iter] = x
        kls[n_iter] = kl_histogram(x, target, bins=100, range=(-2.0, 10.0))
        history = gan.history_
    r.check_below("GAN on N(4, 1.25^2): D_KL(p_G || p) after 2000 iterations (histogram, 1e5 samples)",
                  kls[snapshots[-1]], 0.05, seed=seed, note="issue target")
    r.check("GAN: discriminator cost at the end vs ln 2 (cannot tell)", np.mean(history["d_loss"][-200:]),
            np.log(2), 0.05, seed=seed, note="equilibrium of the minimax game")
    r.data["gan"] = {"samples": samples, "kl": kls, "d_loss": np.array(history["d_loss"]),
                     "g_loss": np.array(history["g_loss"])}


def _ising_gan(r, seed, quick):
    """A GAN generating 8x8 Ising configurations at T = 3: energy and |m| against the training ones (KS)."""
    from ..datasets import energy, ising_configurations, magnetisation
    from ..generative import GAN
    from ..nn import Dense, LeakyReLU, Sequential, Tanh
    from ..optim import Adam

    L, T, latent = 8, 3.0, 16
    res = ising_configurations(L=L, temperatures=[T], n_per_temperature=2000, random_state=seed, cache=False)
    X = np.asarray(res[0] if isinstance(res, tuple) else res.X, dtype=np.float64)
    G = Sequential([Dense(latent, 128, random_state=seed), LeakyReLU(0.2), Dense(128, 128, random_state=seed + 1),
                    LeakyReLU(0.2), Dense(128, L * L, random_state=seed + 2), Tanh()])
    D = Sequential([Dense(L * L, 128, random_state=seed + 3), LeakyReLU(0.2),
                    Dense(128, 128, random_state=seed + 4), LeakyReLU(0.2), Dense(128, 1, random_state=seed + 5)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gan = GAN(G, D, latent, optimizer=Adam(2e-4, beta1=0.5), standardize=False, batch_size=64,
                  n_iter=1500 if quick else 3000, random_state=seed).fit(X)
    S = np.where(gan.sample(2000, random_state=seed + 1) >= 0, 1.0, -1.0)  # spins: the sign of the tanh output
    rng = np.random.default_rng(seed + 2)
    U = np.where(rng.random(S.shape) < 0.5, 1.0, -1.0)  # uncorrelated spins: the baseline
    E_d, E_g, E_u = (energy(A, L=L) for A in (X, S, U))
    m_d, m_g, m_u = (np.abs(magnetisation(A, L=L)) for A in (X, S, U))
    ks = {name: (stats.ks_2samp(a, b).statistic, stats.ks_2samp(a, c).statistic)
          for name, a, b, c in (("energy", E_d, E_g, E_u), ("|m|", m_d, m_g, m_u))}
    for name, (k_gan, k_rand) in ks.items():
        r.check_below(f"Ising GAN (L={L}, T={T:g}): KS statistic of the {name} distribution, generated vs training",
                      k_gan, k_rand, seed=seed, note=f"bound: uncorrelated random spins give {k_rand:.3f}")
    r.data["ising_gan"] = {"E": (E_d, E_g), "m": (m_d, m_g), "ks": ks, "L": L, "T": T}


def _gravitational_waves(r, seed, quick):
    """A 1D CNN on whitened chirp segments against the matched filter over a template bank (S43)."""
    from ..datasets import chirp_dataset
    from ..datasets.gravitational_waves import chirp_waveform
    from ..nn import CNNClassifier
    from ..signal import snr_series, whiten

    fs, false_alarm = 2048.0, 0.02
    n_train, n_noise, n_per, epochs = (400, 200, 40, 4) if quick else (4000, 2000, 200, 30)
    snrs = [5.0, 8.0, 12.0] if quick else [4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0]
    train = chirp_dataset(n_train, snr_range=(5.0, 20.0), whitened=False, random_state=seed)
    psd = train.psd
    cnn = CNNClassifier(conv_layers=((8, 16), (16, 8), (32, 8)), dense_layers=(64,), pool_size=4,
                        learning_rate=1e-3, batch_size=64, max_epochs=epochs, patience=6, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cnn.fit(whiten(train.X, fs, psd), train.y)
    bank = np.array([chirp_waveform(m, f_low=train.f_low, fs=fs, duration=1.0, t_merger=0.9)[0]
                     for m in np.geomspace(10.0, 30.0, 8 if quick else 40)])

    def mf(strain):
        return np.max([snr_series(strain, h, fs, psd).max(axis=1) for h in bank], axis=0)

    noise = chirp_dataset(n_noise, signal_fraction=0.0, whitened=False, random_state=seed + 1)
    thr_cnn = np.quantile(cnn.predict_proba(whiten(noise.X, fs, psd))[:, 1], 1 - false_alarm)
    thr_mf = np.quantile(mf(noise.X), 1 - false_alarm)
    eff_cnn, eff_mf = [], []
    for k, snr in enumerate(snrs):
        inj = chirp_dataset(n_per, snr_range=(snr, snr), signal_fraction=1.0, whitened=False,
                            random_state=seed + 10 + k)
        eff_cnn.append(float(np.mean(cnn.predict_proba(whiten(inj.X, fs, psd))[:, 1] > thr_cnn)))
        eff_mf.append(float(np.mean(mf(inj.X) > thr_mf)))
    for snr, a, b in zip(snrs, eff_cnn, eff_mf):
        if snr in (5.0, 8.0, 12.0):
            r.measured(f"GW: CNN efficiency at SNR {snr:g} (false-alarm probability {false_alarm} per 1 s)", a,
                       seed=seed, note=f"matched filter over the bank: {b:.3f}")
    r.check_above("GW: matched-filter efficiency at SNR 12", eff_mf[snrs.index(12.0)], 0.95, seed=seed,
                  note="the physics upper bound detects every loud chirp")
    r.data["gw"] = {"snr": np.array(snrs), "cnn": np.array(eff_cnn), "mf": np.array(eff_mf),
                    "false_alarm": false_alarm, "n_train": n_train}


def compute(seed=0, quick=False):
    """Run every experiment of the chapter and record its numbers (no drawing)."""
    r = Result(seed=seed, quick=quick)
    _convolution_demo(r, seed)
    _kl_forward_reverse(r, seed)
    _digits(r, seed, quick)
    _ising(r, seed, quick)
    _gan(r, seed, quick)
    _ising_gan(r, seed, quick)
    _gravitational_waves(r, seed, quick)
    return r


def figures(result, ch):
    """Draw the chapter's figures from :func:`compute`'s result."""
    d = result.data["conv_demo"]
    fig, axes = ch.subplots(1, 5, figsize=(14, 3.2))
    for ax, img, name in zip(axes, (d["image"], d["kernel"], d["out"], d["max"], d["avg"]),
                             ("image (5x5)", "kernel", "feature map (3x3)", "max pool of 4x4", "avg pool of 4x4")):
        ax.imshow(img, cmap="Blues", vmin=min(0, img.min()), vmax=1.6 * img.max())
        for (i, j), v in np.ndenumerate(img):
            ax.text(j, i, f"{v:g}", ha="center", va="center", color="black", fontsize=11)
        ax.set(title=name, xticks=[], yticks=[])
    ch.figure(fig, "convolution", title="The slides' convolution and pooling examples, reproduced exactly",
              finding="The X-shaped kernel swept over the 5x5 image gives the slide's feature map [[4,3,4],[2,4,3],"
                      "[2,3,4]]; 2x2 max and average pooling give [[6,8],[3,4]] and [[3.25,5.25],[2,2]].")

    g = result.data["digits"]
    fig, axes = ch.subplots(2, 9, figsize=(14, 3.6))
    axes[0, 0].imshow(g["image"], cmap="Greys")
    axes[0, 0].set_title(f"digit {g['label']}", fontsize=9)
    axes[1, 0].axis("off")
    for k in range(8):
        axes[0, k + 1].imshow(g["filters"][k], cmap="RdBu_r")
        axes[0, k + 1].set_title(f"filter {k}", fontsize=9)
        axes[1, k + 1].imshow(g["maps"][k], cmap="viridis")
        axes[1, k + 1].set_title(f"map {k}", fontsize=9)
    for ax in axes.flat:
        ax.set(xticks=[], yticks=[])
    ch.figure(fig, "digits_filters",
              title=f"Each learned 3x3 filter lights up a different part of the strokes (accuracy {g['accuracy']:.3f})",
              finding="First-layer filters of the digits CNN (top) and their feature maps on one test digit "
                      "(bottom): each filter responds to a different part of the strokes.")

    s = result.data["ising"]
    fig, ax = ch.subplots()
    ax.plot(s["T"], s["p_ordered"], "o-")
    ax.axvline(2.0 / np.log(1 + np.sqrt(2)), color="k", ls="--", label="Onsager T_c")
    ax.axvspan(2.0, 2.5, color="0.9", label="critical set (not trained on)")
    ax.set(xlabel="temperature T (J / k_B)", ylabel="mean P(ordered)")
    ax.legend(fontsize=9)
    ch.figure(fig, "ising", title=f"The CNN separates the Ising phases (accuracy {s['acc_far']:.3f} away from T_c)",
              finding=f"Trained only away from T_c on {s['L']}x{s['L']} lattices, the CNN's P(ordered) falls from "
                      f"1 to 0 across Onsager's T_c; on the critical set it scores {s['acc_crit']:.2f}.")

    k = result.data["kl"]
    fig, ax = ch.subplots()
    ax.plot(k["grid"], k["p"], "k", label="p: two modes")
    for (mu, sd), name in ((k["forward"], "forward KL(p||q)"), (k["reverse"], "reverse KL(q||p)")):
        ax.plot(k["grid"], stats.norm.pdf(k["grid"], mu, sd), label=f"{name}: mu={mu:.2f}, s={sd:.2f}")
    ax.set(xlabel="x", ylabel="density", xlim=(-6, 6))
    ax.legend(fontsize=9)
    ch.figure(fig, "kl", title="Forward KL covers both modes, reverse KL picks one",
              finding="One Gaussian fitted to a two-mode target: minimising D_KL(p||q) (maximum likelihood) "
                      "matches the moments and spreads over both modes; D_KL(q||p) locks onto one mode.")

    q = result.data["ising_gan"]
    fig, axes = ch.subplots(1, 2, figsize=(10, 3.8))
    for ax, key, label in ((axes[0], "E", "energy per spin E / (J N)"), (axes[1], "m", "|magnetisation| per spin")):
        d, g = q[key]
        bins = np.linspace(min(d.min(), g.min()), max(d.max(), g.max()), 25)
        ax.hist(d, bins=bins, density=True, alpha=0.5, label="Monte Carlo (training)")
        ax.hist(g, bins=bins, density=True, histtype="step", lw=2, label="GAN")
        ax.set(xlabel=label, ylabel="density")
        ax.legend(fontsize=8)
    ks_e, ks_m = q["ks"]["energy"][0], q["ks"]["|m|"][0]
    worse = "energy" if ks_e > ks_m else "|m|"
    title = (f"A GAN reproduces the energy and |m| of {q['L']}x{q['L']} Ising spins at T = {q['T']:g}"
             if max(ks_e, ks_m) < 0.15 else
             f"GAN Ising spins (T = {q['T']:g}): close to the Monte Carlo, except in {worse} (KS {max(ks_e, ks_m):.2f})")
    ch.figure(fig, "ising_gan", title=title,
              finding=f"Two-sample KS statistics, generated vs Monte Carlo: energy {ks_e:.3f}, |m| {ks_m:.3f} "
                      f"(uncorrelated random spins: {q['ks']['energy'][1]:.3f} and {q['ks']['|m|'][1]:.3f}).")

    w = result.data["gw"]
    fig, ax = ch.subplots()
    ax.plot(w["snr"], w["mf"], "o-", label="matched filter, template bank")
    ax.plot(w["snr"], w["cnn"], "s-", label=f"1D CNN ({w['n_train']} training segments)")
    ax.set(xlabel="optimal SNR of the injected chirp", ylim=(0, 1.02),
           ylabel=f"efficiency at {w['false_alarm']:g} false alarms / segment")
    ax.legend(fontsize=9)
    i12 = int(np.argmin(np.abs(w["snr"] - 12)))
    ch.figure(fig, "gw_efficiency",
              title="The matched filter bounds the CNN's detection efficiency",
              finding=f"Detection efficiency at a fixed false-alarm probability: at SNR 12 the CNN reaches "
                      f"{w['cnn'][i12]:.2f} (matched filter {w['mf'][i12]:.2f}); near threshold the matched filter, "
                      "which knows the waveform, is ahead.")

    a = result.data["gan"]
    fig, axes = ch.subplots(1, 2, figsize=(10, 3.8))
    x = np.linspace(-2, 10, 400)
    axes[0].plot(x, stats.norm.pdf(x, 4, 1.25), "k", lw=2, label="target N(4, 1.25^2)")
    for it, smp in a["samples"].items():
        axes[0].hist(smp, bins=80, range=(-2, 10), density=True, histtype="step",
                     label=f"{it} iterations, KL={a['kl'][it]:.3f}")
    axes[0].set(xlabel="x", ylabel="density")
    axes[0].legend(fontsize=8)
    axes[1].plot(a["d_loss"], lw=0.5, label="discriminator")
    axes[1].plot(a["g_loss"], lw=0.5, label="generator (non-saturating)")
    axes[1].axhline(np.log(2), color="k", ls="--", label="ln 2")
    axes[1].set(xlabel="iteration", ylabel="cross-entropy cost")
    axes[1].legend(fontsize=8)
    ch.figure(fig, "gan", title="The GAN's samples converge to the target as the discriminator's cost reaches ln 2",
              finding="Histograms of generated samples after 50, 300 and 2000 iterations (left) and the two "
                      "costs (right): at the end the discriminator cannot tell real from generated samples.")
