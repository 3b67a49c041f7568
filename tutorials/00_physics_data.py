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
# # Hands-on 0: physics data, generated offline (S1, S22, S26, S43, S44)
#
# Machine learning starts with data. In the lecture the data come from physics:
# spin configurations of the Ising model, strain of a gravitational-wave
# detector, dilepton events of the LHC. Instead of downloading them, physml
# *generates* them from the physics, so we know the truth behind every sample
# and can check the generator against exact results before trusting it.
#
# Contents:
# 1. toy data: noisy laws (S1), Gaussian blobs (S22), the 8 x 8 digits;
# 2. the 2D Ising model (S26): snapshots, Onsager's exact energy and
#    magnetisation, and why the sampler matters near $T_c$;
# 3. gravitational waves (S43): a chirp, detector noise, whitening and the
#    matched filter; a labelled data set for a classifier;
# 4. collider events (S44): a resonance on a continuum, features, and a first
#    signal-versus-background selection.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from physml.datasets import (
    T_c,
    chirp_dataset,
    collider_events,
    energy,
    ising_configurations,
    load_digits,
    magnetisation,
    make_blobs,
    noisy_law,
    onsager_energy,
    onsager_magnetisation,
)
from physml.datasets.gravitational_waves import (
    aligo_psd,
    chirp_time,
    chirp_waveform,
    coloured_noise,
    matched_filter_snr,
    optimal_snr,
    whiten,
)
from physml.datasets.ising import autocorrelation_time, ising_chain

# PHYSML_TUTORIAL_SMALL=1 (set by the test suite) shrinks every size so the notebook runs in seconds
SMALL = os.environ.get("PHYSML_TUTORIAL_SMALL") == "1"
SEED = 0
FS = 2048.0

# %% [markdown]
# ## 1. Toy data
#
# **Noisy laws (S1).** $y_i = f(x_i) + \eta_i$ with
# $\langle \eta_i \eta_j \rangle = \sigma^2 \delta_{ij}$, for $f(x) = 2x$ and
# $f(x) = 2x - 10x^5 + 15x^{10}$ on $[0, 1]$.
#
# **Gaussian blobs (S22).** Cluster $k$ is $\mathcal N(\mu_k, \sigma_k^2 I)$. With
# a list of different $\sigma_k$ we get the case where K-means fails: it
# assumes clusters of equal size and spread.
#
# **Digits.** 1,797 handwritten digits of 8 x 8 pixels (UCI, CC BY 4.0), shipped
# inside the package: the classic test bed of multiclass classifiers and CNNs.

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for law in ("linear", "poly10"):
    x, y = noisy_law(law, n=50, sigma=0.3, random_state=SEED)
    axes[0].plot(x, y, "o", ms=3, label=law)
axes[0].set_xlabel("x (dimensionless)")
axes[0].set_ylabel("y = f(x) + eta")
axes[0].legend()

X, y, centres = make_blobs(600, centers=[[-4, 0], [3, 0], [0, 5]], cluster_std=[0.5, 2.5, 1.0],
                           random_state=SEED, return_centers=True)
axes[1].scatter(*X.T, c=y, s=4, cmap="viridis")
axes[1].plot(*centres.T, "r+", ms=12, mew=2)
axes[1].set_title("blobs with sigma = 0.5, 2.5, 1.0")
axes[1].set_xlabel("feature x_1")
axes[1].set_ylabel("feature x_2")

digits = load_digits()
axes[2].imshow(digits.images[0], cmap="gray_r")
axes[2].set_title(f"digit {digits.target[0]}; data shape {digits.data.shape}")
plt.show()

# the sample statistics recover what we asked for
for k, s in enumerate([0.5, 2.5, 1.0]):
    print(f"cluster {k}: mean {X[y == k].mean(axis=0).round(2)}, std {X[y == k].std(axis=0).mean():.2f} (asked {s})")

# %% [markdown]
# **What this shows.** The printed sample means and standard deviations match
# the centres and the $\sigma_k$ we asked for, within the sampling error
# $\sigma_k/\sqrt{n_k}$: the generators deliver the distributions they promise,
# so when K-means later misplaces the boundary between the narrow and the broad
# blob, the failure is the algorithm's, not the data's.

# %% [markdown]
# ## 2. The 2D Ising model (S26)
#
# $H = -J \sum_{\langle ij \rangle} s_i s_j$ on an $L \times L$ periodic lattice,
# $J = k_B = 1$. Onsager solved it exactly: the critical temperature is
# $T_c = 2 / \ln(1 + \sqrt 2) \approx 2.269$, the energy per spin $u(T)$ is known
# in closed form, and below $T_c$ the spontaneous magnetisation is
# $m(T) = (1 - \sinh^{-4}(2/T))^{1/8}$.
#
# `ising_configurations` samples equilibrium configurations by Markov-chain
# Monte Carlo. Each row of `X` is one flattened lattice of $\pm 1$ spins, the
# input of the PCA of S26.

# %%
L = 16 if SMALL else 32
n_per_T = 100 if SMALL else 1000
temps = np.array([1.5, 2.0, 2.25, 2.5, 3.0, 3.5]) if SMALL else np.arange(1.0, 4.01, 0.25)
X, T, info = ising_configurations(L=L, temperatures=temps, n_per_temperature=n_per_T, random_state=SEED,
                                  return_info=True)
print(X.shape, X.dtype, "samplers:", dict(zip(temps.tolist(), info["sampler"].tolist())))

fig, axes = plt.subplots(1, 4, figsize=(12, 3))
for ax, t in zip(axes, [1.5, 2.25, 2.5, 3.5]):
    ax.imshow(X[np.flatnonzero(np.isclose(T, t))[0]].reshape(L, L), cmap="gray")
    ax.set_title(f"T = {t}")
    ax.axis("off")
plt.show()

# %% [markdown]
# Averages over the samples at each temperature, with standard errors (the
# samples are thinned by about $2\tau_\mathrm{int}$, so they are nearly
# independent), against the exact infinite-lattice results. The energy
# agrees; $|m|$ of a finite lattice does not vanish above $T_c$ (it is of order
# $1/L$): a finite-size effect, not an error.

# %%
e, am = energy(X, L), np.abs(magnetisation(X, L))
E_mean = [e[T == t].mean() for t in temps]
E_err = [e[T == t].std() / np.sqrt(n_per_T) for t in temps]
m_mean = [am[T == t].mean() for t in temps]
m_err = [am[T == t].std() / np.sqrt(n_per_T) for t in temps]
grid = np.linspace(temps.min(), temps.max(), 300)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
axes[0].plot(grid, onsager_energy(grid), "k-", label="Onsager")
axes[0].errorbar(temps, E_mean, E_err, fmt="o", label=f"Monte Carlo, L = {L}")
axes[0].set_ylabel("energy per spin E / N (J)")
axes[1].plot(grid, onsager_magnetisation(grid), "k-", label="Onsager-Yang")
axes[1].errorbar(temps, m_mean, m_err, fmt="o", label=f"Monte Carlo, L = {L}")
axes[1].set_ylabel("|m| per spin")
for ax in axes:
    ax.axvline(T_c, ls=":", color="gray")
    ax.set_xlabel("temperature T (J / k_B)")
    ax.legend()
plt.show()

# %% [markdown]
# ### Critical slowing down
#
# Successive Monte Carlo configurations are correlated. The integrated
# autocorrelation time $\tau_\mathrm{int} = \tfrac12 + \sum_{t \ge 1} \rho(t)$
# says how many sweeps separate effectively independent samples. Single-spin
# Metropolis updates become very slow near $T_c$, where the correlation length
# diverges; the Wolff algorithm flips whole clusters and does not slow down.
# This is why `ising_configurations` switches to Wolff near $T_c$.

# %%
n_sweeps = 2000 if SMALL else 20000
tau = {"metropolis": [], "wolff": []}
tau_temps = [1.8, 2.1, 2.269, 2.5, 3.0]
for sampler in tau:
    for t in tau_temps:
        run = ising_chain(L, t, n_sweeps, sampler=sampler, start="ordered" if t < T_c else "random",
                          random_state=SEED)
        tau[sampler].append(autocorrelation_time(np.abs(run["m"][n_sweeps // 10:])))
plt.semilogy(tau_temps, tau["metropolis"], "o-", label="Metropolis")
plt.semilogy(tau_temps, tau["wolff"], "s-", label="Wolff")
plt.axvline(T_c, ls=":", color="gray")
plt.xlabel("temperature T (J / k_B)")
plt.ylabel("tau_int of |m| (sweeps)")
plt.legend()
plt.show()

# %% [markdown]
# **What this shows.** The samples reproduce Onsager's energy and Yang's
# magnetisation away from $T_c$; near $T_c$ the finite lattice rounds the
# transition off, and Metropolis slows down there while Wolff does not.
#
# **The $Z_2$ symmetry.** $H(s) = H(-s)$: a configuration and its global flip
# are equally likely. `ising_configurations` flips the sign of each stored
# sample with probability 1/2, so in the ordered phase $m = +|m|$ and $m = -|m|$
# occur equally often and the *signed* mean magnetisation vanishes in both
# phases (printed below). The order parameter is $|m|$ (or $m^2$), an even
# function of the spins: a classifier that tells the phases apart must learn
# such a function, which no linear model of the spins (whose output is odd
# under $s 	o -s$, up to a constant) can; a network with a hidden layer can
# (tutorial 03). The temperature where $\langle |m| \rangle$ of this finite
# lattice falls through 1/2 lies near $T_c$ and moves towards it as $L$ grows.

# %%
m_signed = np.array([magnetisation(X[T == t], L).mean() for t in temps])
print("signed <m> per temperature:", np.round(m_signed, 3), "(zero within noise: the Z2 symmetry)")
m_abs = np.array(m_mean)
down = np.flatnonzero((m_abs[:-1] >= 0.5) & (m_abs[1:] < 0.5))
if down.size:
    i = down[0]
    T_half = temps[i] + (m_abs[i] - 0.5) / (m_abs[i] - m_abs[i + 1]) * (temps[i + 1] - temps[i])
    print(f"<|m|> crosses 1/2 at T = {T_half:.3f} for L = {L} (Onsager: T_c = {T_c:.3f})")
else:
    print("<|m|> does not cross 1/2 on this temperature grid")

# %% [markdown]
# ## 3. Gravitational waves (S43)
#
# **The chirp.** Two compact objects spiral together; at leading
# (post-Newtonian) order the signal depends on the *chirp mass*
# $\mathcal M = (m_1 m_2)^{3/5} / (m_1 + m_2)^{1/5}$ alone. With $\tau$ the time
# left to coalescence,
# $f(\tau) = \frac{1}{\pi} \left(\frac{5}{256\,\tau}\right)^{3/8} (G\mathcal M/c^3)^{-5/8}$
# and the amplitude grows as $f^{2/3}$: frequency and amplitude sweep up, a "chirp".

# %%
fig, ax = plt.subplots(figsize=(10, 3))
t = np.arange(int(FS)) / FS
for Mc in (10.0, 30.0):
    h_plus, h_cross = chirp_waveform(Mc, f_low=20.0, fs=FS, duration=1.0, t_merger=0.9, distance=400.0)
    ax.plot(t, h_plus, lw=0.8, label=f"M_c = {Mc:g} M_sun: {chirp_time(Mc, 20.0):.2f} s from 20 Hz to merger")
ax.set_xlabel("t (s)")
ax.set_ylabel("strain h_+ at 400 Mpc (dimensionless)")
ax.legend()
plt.show()

# %% [markdown]
# **Detector noise** is Gaussian and *coloured*: its one-sided power spectral
# density $S_n(f)$ (here the analytic fit to the Advanced LIGO design curve)
# is huge at low frequency (seismic wall) and at high frequency (shot noise).
# **Whitening** divides the data by $\sqrt{S_n(f)}$ in the frequency domain, so
# every frequency counts according to its signal-to-noise ratio. Done naively
# with one FFT it treats the segment as periodic and creates bursts at the
# edges; `whiten` pads the segment with its mirror image and tapers the
# padding.

# %%
n = int(FS)
noise = coloured_noise(4 * n, FS, aligo_psd, n_series=100, random_state=SEED)[:, n:2 * n]
good = whiten(noise, FS, aligo_psd)
naive = whiten(noise, FS, aligo_psd, taper=0.0)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
f = np.fft.rfftfreq(n, 1 / FS)
axes[0].loglog(f[f >= 10], np.sqrt(aligo_psd(f[f >= 10])))
axes[0].set_xlabel("frequency f (Hz)")
axes[0].set_ylabel("ASD sqrt(S_n) (1/sqrt(Hz))")
bins = np.arange(0, n + 1, 20)
for w, label in ((naive, "naive FFT whitening"), (good, "padded, tapered")):
    axes[1].plot(bins[:-1] / FS, [w[:, a:b].std() for a, b in zip(bins[:-1], bins[1:])], label=label)
axes[1].set_xlabel("time in segment (s)")
axes[1].set_ylabel("std of whitened noise (white-noise units)")
axes[1].legend()
plt.show()

# %% [markdown]
# **The matched filter.** For a known signal shape $h$ in Gaussian noise the
# optimal linear filter correlates the data with the template, weighted by
# $1/S_n$: $z(t) = 4\int_0^\infty \tilde d(f)\tilde h^*(f) e^{2\pi i f t} / S_n(f)\,df$,
# and $\rho(t) = |z(t)| / \sqrt{\langle h|h\rangle}$ is the SNR time series. For
# a signal that matches the template, its peak is the optimal SNR
# $\rho_\mathrm{opt} = \sqrt{\langle h|h\rangle}$.

# %%
data = chirp_dataset(40 if SMALL else 400, snr_range=(6.0, 20.0), whitened=False, random_state=SEED)
recovered = []
for i in np.flatnonzero(data.y):
    template, _ = chirp_waveform(data.chirp_mass[i], fs=FS, duration=1.0, t_merger=data.t_merger[i])
    recovered.append(matched_filter_snr(data.X[i], template, FS, data.psd).max())
plt.plot(data.snr[data.y == 1], recovered, ".")
plt.plot([6, 20], [6, 20], "k-")
plt.xlabel("injected optimal SNR")
plt.ylabel("matched-filter peak SNR")
plt.show()
print("mean recovered / injected:", np.mean(recovered) / data.snr[data.y == 1].mean())
print("check: optimal SNR of the stored signals =", optimal_snr(data.signal[data.y == 1][:3], FS, data.psd))

# %% [markdown]
# **A data set for a classifier.** `chirp_dataset` returns whitened 1 s
# segments `X` of shape `(n, 2048)`, labels `y` (1 = chirp injected) and the
# truth (`snr`, `t_merger`, `chirp_mass`). A CNN (S40) trained on it learns to
# find chirps without a template bank; the matched filter above is the
# benchmark it should approach.

# %%
ds = chirp_dataset(8, snr_range=(15.0, 20.0), random_state=1)
fig, axes = plt.subplots(2, 4, figsize=(13, 4), sharex=True, sharey=True)
for ax, x, label, snr in zip(axes.ravel(), ds.X, ds.y, ds.snr):
    ax.plot(ds.times, x, lw=0.4)
    ax.set_title(f"y = {label}" + (f", SNR {snr:.0f}" if label else ""), fontsize=9)
plt.show()

# %% [markdown]
# **What this shows.** Heavier binaries merge sooner after entering the band
# and chirp faster. Whitening turns the coloured noise into white noise, and
# only padded, tapered whitening keeps the segment edges as quiet as the
# middle. The matched filter's peak equals the injected optimal SNR on average
# (the printed ratio is close to 1), and the stored signals have exactly the
# SNR their label says: the data set is ready for a classifier, and the matched
# filter is the bar a CNN has to reach.

# %% [markdown]
# ## 4. Collider events (S44)
#
# A resonance (here a $Z$ boson, $M = 91.19$ GeV, $\Gamma = 2.5$ GeV) decays to
# two muons; its mass follows the relativistic Breit-Wigner
# $dN/dm^2 \propto 1/((m^2 - M^2)^2 + M^2\Gamma^2)$. The background has the same
# final state but a falling mass spectrum. The detector smears the momenta.
# Low-level features are what the detector measures ($p_T$, $\eta$, $\phi$ of the
# leptons, missing $E_T$), high-level ones are built by physicists (pair mass
# $m_{\ell\ell}$, pair $p_T$, $\Delta R$).

# %%
ev = collider_events(3000 if SMALL else 30000, 3000 if SMALL else 30000, random_state=SEED)
print(ev.X.shape, ev.feature_names)
m_ll = ev.X[:, ev.feature_names.index("m_ll")]
plt.hist([m_ll[ev.y == 0], m_ll[ev.y == 1]], bins=np.linspace(60, 120, 121), stacked=True,
         label=["background", "signal"])
plt.xlabel("dilepton mass m_ll (GeV)")
plt.ylabel("events / 0.5 GeV")
plt.legend()
plt.show()
print("four-momentum conservation:", np.abs(ev.p1 + ev.p2 - ev.P).max(), "GeV")

# %% [markdown]
# **A first selection.** The simplest classifier is a cut: keep events with
# $|m_{\ell\ell} - M| < \Delta$. Scanning $\Delta$ traces a ROC curve (signal
# efficiency against background efficiency). In the hands-on session a neural
# network trained on the *low-level* features should learn to reach this curve
# by itself: all the information here is in the invariant mass.

# %%
score = -np.abs(m_ll - 91.19)
order = np.argsort(-score)
tpr = np.cumsum(ev.y[order] == 1) / np.sum(ev.y == 1)
fpr = np.cumsum(ev.y[order] == 0) / np.sum(ev.y == 0)
plt.plot(fpr, tpr)
plt.plot([0, 1], [0, 1], "k:")
plt.xlabel("background efficiency (fraction kept)")
plt.ylabel("signal efficiency (fraction kept)")
plt.title(f"mass-window cut: AUC = {np.trapezoid(tpr, fpr):.3f}")
plt.show()

# %% [markdown]
# **What this shows.** The signal piles up in a narrow peak at the $Z$ mass,
# its width the Breit-Wigner $\Gamma$ convolved with the detector resolution,
# on top of the falling continuum. A single mass window already separates the
# classes well (the printed AUC), and four-momentum is conserved to round-off
# in every decay.

# %% [markdown]
# ## Exercises
# 1. Make the blobs of section 1 all have $\sigma = 1$ and compare with the
#    unequal case once you have met K-means (S22).
# 2. Raise `L` in section 2: does $|m|$ above $T_c$ fall like $1/L$? Does the
#    Metropolis $\tau_\mathrm{int}$ at $T_c$ grow like $L^{z}$ with $z \approx 2.2$?
# 3. Whiten a chirp with `taper=0` and look at the first 10 ms.
# 4. Degrade the detector (`pt_resolution=0.05`) and watch the mass peak and the
#    ROC curve.
