r"""Chapter: the physics data of the lecture, generated on the spot and checked against exact physics.

Every data set of the lecture is produced offline by :mod:`physml.datasets`
and validated here before any machine learning touches it:

* toy data: noisy laws (S1), Gaussian blobs of unequal variance (S22) and the
  bundled 8 x 8 digits;
* the 2D Ising model (S26): snapshots across :math:`T_c`, the energy and
  :math:`|m|` per spin against Onsager's exact solution, and the integrated
  autocorrelation times of Metropolis and Wolff (critical slowing down);
* gravitational waves (S43): Advanced LIGO noise, whitening without edge
  artefacts, a chirp hidden in the noise and found by the matched filter,
  whose SNR recovers the injected one;
* collider events (S44): the dilepton mass spectrum, a resonance over a
  falling continuum, whose fitted peak recovers the generated mass and width.
"""

from __future__ import annotations

import numpy as np

from ..datasets import (
    FEATURE_NAMES,
    LAWS,
    T_c,
    aligo_psd,
    autocorrelation_time,
    chirp_dataset,
    chirp_waveform,
    collider_events,
    coloured_noise,
    energy,
    ising_chain,
    ising_configurations,
    load_digits,
    magnetisation,
    make_blobs,
    noisy_law,
    onsager_energy,
    onsager_magnetisation,
)
from ..datasets.gravitational_waves import matched_filter_snr, optimal_snr, whiten
from ._plotting import legend, mark_T_c
from .report import Result

TITLE = "Physics data, generated offline and checked against exact physics"
ORDER = 10
SYLLABUS = "S1, S22, S26, S43, S44"

FS = 2048.0


# ---------------------------------------------------------------------------
# Toy data (S1, S22, digits)
# ---------------------------------------------------------------------------


def _toy(seed):
    laws = {law: noisy_law(law, n=60, sigma=0.5, random_state=seed, return_X_y=True) for law in ("linear", "poly10")}
    sigma = [0.5, 2.5, 1.0]
    blobs = make_blobs(900, centers=[[-4.0, 0.0], [3.0, 0.0], [0.0, 5.0]], cluster_std=sigma, random_state=seed)
    digits = load_digits()
    examples = np.array([digits.images[np.flatnonzero(digits.y == k)[0]] for k in range(10)])
    return {"laws": laws, "sigma": sigma, "X": blobs.X, "y": blobs.y, "centres": blobs.centers,
            "digits": examples, "n_digits": len(digits.y)}


def _toy_figure(ch, d):
    fig, axes = ch.subplots(1, 3, figsize=(13.5, 4.0))
    ax = axes[0]
    grid = np.linspace(0, 1, 200)
    for law, color in (("linear", "C0"), ("poly10", "C3")):
        x, y = d["laws"][law]
        ax.plot(x, y, "o", ms=3.5, color=color, label=law)
        ax.plot(grid, LAWS[law](grid), color=color, lw=1)
    ax.set_xlabel("x (dimensionless)")
    ax.set_ylabel("y = f(x) + eta")
    ax.set_title("S1: laws with noise, sigma = 0.5", fontsize=9)
    legend(ax)

    ax = axes[1]
    X, y, sigma = d["X"], d["y"], d["sigma"]
    for k in range(3):
        ax.plot(*X[y == k].T, ".", ms=2.5, color=f"C{k}", label=f"sigma = {sigma[k]}")
    ax.plot(*d["centres"].T, "k+", ms=12, mew=2)
    ax.set_aspect("equal")
    ax.set_title("S22: blobs of unequal variance", fontsize=9)
    ax.set_xlabel("feature x_1")
    ax.set_ylabel("feature x_2")
    legend(ax, markerscale=4)

    ax = axes[2]
    tiles = np.zeros((2 * 9, 5 * 9))  # white gaps between the digits
    for k in range(10):
        r, c = divmod(k, 5)
        tiles[9 * r: 9 * r + 8, 9 * c: 9 * c + 8] = d["digits"][k]
    ax.imshow(tiles, cmap="gray_r")
    ax.set_axis_off()
    ax.set_title(f"{d['n_digits']} bundled 8 x 8 digits", fontsize=9)
    ch.figure(fig, "toy", title="Toy data sets: noisy laws, unequal blobs and 8 x 8 digits, all without a download",
              finding="Left: the two laws of the slides with Gaussian noise (S1). Middle: three Gaussian blobs with "
                      "standard deviations 0.5, 2.5 and 1.0 around the marked centres, the case where K-means "
                      "misplaces its boundary (S22). Right: one example of each digit from the bundled UCI set "
                      "(CC BY 4.0), identical to scikit-learn's copy.")


# ---------------------------------------------------------------------------
# Ising (S26)
# ---------------------------------------------------------------------------

_SNAP_T = [1.5, 2.0, 2.25, T_c, 2.5, 3.0, 3.5]


def _ising_thermodynamics(r, seed, quick):
    L = 16 if quick else 40
    n = 300 if quick else 1000
    temps = np.array([1.5, 2.0, 2.25, 2.5, 3.0, 3.5]) if quick else np.arange(1.0, 4.01, 0.25)
    # T_c itself comes last, for the snapshots: the chains of the other temperatures keep their seeds
    X, T, info = ising_configurations(L=L, temperatures=np.append(temps, T_c), n_per_temperature=n,
                                      random_state=seed, return_info=True)
    e = energy(X, L)
    am = np.abs(magnetisation(X, L))
    E_mean = np.array([e[T == t].mean() for t in temps])
    E_err = np.array([e[T == t].std(ddof=1) / np.sqrt(n) for t in temps])
    m_mean = np.array([am[T == t].mean() for t in temps])
    m_err = np.array([am[T == t].std(ddof=1) / np.sqrt(n) for t in temps])
    snapshots = [X[np.flatnonzero(np.isclose(T, t))[0]].reshape(L, L) for t in _SNAP_T]

    # tolerance: 4 standard errors plus a finite-size allowance (the Onsager curves are for L = infinity;
    # near T_c a 16 x 16 lattice lies 0.023 below them at T = 2.5, a 40 x 40 one 0.001)
    for t, finite_size in ((1.5, 0.002), (2.5, 0.03 if L < 32 else 0.005), (3.5, 0.002)):
        i = int(np.flatnonzero(np.isclose(temps, t))[0])
        r.check(f"Ising E/N at T = {t} (L = {L}, {info['sampler'][i]})", E_mean[i], onsager_energy(t),
                tol=4 * E_err[i] + finite_size, seed=seed,
                note=f"Onsager's exact energy; tolerance 4 x standard error ({E_err[i]:.1e}) + {finite_size} "
                     "finite-size allowance")
    i = int(np.flatnonzero(np.isclose(temps, 1.5))[0])
    r.check(f"Ising |m| at T = 1.5 (L = {L})", m_mean[i], onsager_magnetisation(1.5), tol=0.01, seed=seed,
            note="Onsager-Yang spontaneous magnetisation")
    i = int(np.flatnonzero(np.isclose(temps, 3.5))[0])
    r.check_below(f"Ising |m| at T = 3.5 (L = {L})", m_mean[i], 4.0 / L, seed=seed,
                  note="zero for L = infinity; a finite lattice gives |m| of order 1/L (bound 4/L)")
    return {"L": L, "n": n, "temps": temps, "E_mean": E_mean, "E_err": E_err, "m_mean": m_mean, "m_err": m_err,
            "snapshots": snapshots}


def _ising_snapshots_figure(ch, d):
    L = d["L"]
    fig, axes = ch.subplots(1, len(_SNAP_T), figsize=(1.4 * len(_SNAP_T), 2.1))
    for ax, t, snap in zip(axes, _SNAP_T, d["snapshots"]):
        ax.imshow(snap, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
        name = f"T_c = {t:.3f}" if t == T_c else f"T = {t:g}"
        ax.set_title(f"{name}\nm = {magnetisation(snap):+.2f}", fontsize=9)
        ax.set_axis_off()
    ch.figure(fig, "ising_snapshots",
              title=f"{L} x {L} Ising snapshots: below T_c one sign fills the lattice; from T_c up both signs "
                    "form domains, which shrink as T grows",
              finding=f"One equilibrium configuration per temperature (black = -1, white = +1), the fourth at "
                      f"T_c = {T_c:.3f} itself, drawn by checkerboard Metropolis away from T_c and by the Wolff "
                      "cluster algorithm near it. Each stored sample has its global sign flipped with probability "
                      "1/2 (the Z2 symmetry H(s) = H(-s)), so the ordered panels are white or black at random.")


def _ising_thermo_figure(ch, d):
    temps, L, n = d["temps"], d["L"], d["n"]
    grid = np.linspace(temps.min(), temps.max(), 400)
    fig, axes = ch.subplots(1, 2, figsize=(10, 3.9))
    axes[0].plot(grid, onsager_energy(grid), color="k", lw=1, label="Onsager (L = infinity)")
    axes[0].errorbar(temps, d["E_mean"], yerr=d["E_err"], fmt="o", ms=4, color="C3", capsize=2,
                     label=f"Monte Carlo, L = {L}, n = {n} per T")
    axes[0].set_ylabel("energy per spin E/N (J)")
    axes[1].plot(grid, onsager_magnetisation(grid), color="k", lw=1, label="Onsager-Yang (L = infinity)")
    axes[1].errorbar(temps, d["m_mean"], yerr=d["m_err"], fmt="o", ms=4, color="C0", capsize=2,
                     label=f"Monte Carlo, L = {L}")
    axes[1].set_ylabel("|m| per spin")
    for ax in axes:
        mark_T_c(ax)
        ax.set_xlabel("temperature T (J / k_B)")
        legend(ax)
    ch.figure(fig, "ising_thermo",
              title="Monte Carlo energy and magnetisation follow Onsager's exact curves, except |m| near T_c",
              finding="Means with standard errors (samples are thinned by 2 tau_int, so nearly independent). "
                      "The energy agrees with the exact infinite-lattice result within errors, up to a small "
                      "finite-size shift next to T_c; |m| of the finite lattice stays non-zero above T_c (it is of "
                      "order 1/L there), a finite-size effect.")


def _ising_autocorrelation(r, seed, quick):
    sizes = [16] if quick else [16, 32]
    n_sweeps = 2000 if quick else 12000
    temps = np.array([1.5, 2.0, 2.269, 2.5, 3.0]) if quick else \
        np.array([1.5, 1.8, 2.0, 2.15, 2.269, 2.4, 2.6, 2.8, 3.1, 3.5])
    tau = {}
    for L in sizes:
        for sampler in ("metropolis", "wolff"):
            row = []
            for k, t in enumerate(temps):
                run = ising_chain(L, float(t), n_sweeps, sampler=sampler, start="ordered" if t < T_c else "random",
                                  random_state=seed + 1000 * L + k)
                keep = slice(n_sweeps // 10, None)  # drop the approach to equilibrium
                row.append(autocorrelation_time(np.abs(run["m"][keep])))
            tau[L, sampler] = np.array(row)
    i_c = int(np.argmin(np.abs(temps - T_c)))
    L_big = sizes[-1]
    r.notes.append(f"Ising autocorrelation at T_c (L = {L_big}): Metropolis tau_int = "
                   f"{tau[L_big, 'metropolis'][i_c]:.1f} sweeps, Wolff tau_int = {tau[L_big, 'wolff'][i_c]:.2f} sweeps.")
    return {"sizes": sizes, "n_sweeps": n_sweeps, "temps": temps, "tau": tau, "i_c": i_c}


def _ising_tau_figure(ch, d):
    sizes, temps, tau, i_c = d["sizes"], d["temps"], d["tau"], d["i_c"]
    fig, ax = ch.subplots(1, 1, figsize=(6.4, 4.2))
    for L, ls in zip(sizes, ("--", "-")):
        ax.plot(temps, tau[L, "metropolis"], "o" + ls, color="C3", label=f"Metropolis, L = {L}")
        ax.plot(temps, tau[L, "wolff"], "s" + ls, color="C0", label=f"Wolff, L = {L}")
    mark_T_c(ax)
    ax.set_yscale("log")
    ax.set_xlabel("temperature T (J / k_B)")
    ax.set_ylabel("tau_int of |m| (sweeps)")
    legend(ax)
    L_big = sizes[-1]
    ratio = tau[L_big, "metropolis"][i_c] / tau[L_big, "wolff"][i_c]
    ch.figure(fig, "ising_tau",
              title=f"Critical slowing down: at T_c Metropolis decorrelates {ratio:.0f}x slower than Wolff",
              finding=f"Integrated autocorrelation time of |m| (Sokal's window) from single chains of "
                      f"{d['n_sweeps']} sweeps (a Wolff sweep is a fixed number of clusters, about L^2 / <|C|>, set "
                      "during burn-in). Metropolis' tau_int "
                      "peaks at T_c and grows with L (dynamic exponent z about 2.2); Wolff's cluster flips keep it "
                      "of order one sweep at every temperature, which is why the sampler switches to Wolff near "
                      "T_c.")


# ---------------------------------------------------------------------------
# Gravitational waves (S43)
# ---------------------------------------------------------------------------


def _edge_profile(w, n_bins):
    """Std of whitened samples in time bins, normalised to the middle half."""
    n = w.shape[-1]
    mid = w[:, n // 4: 3 * n // 4].std()
    edges = np.linspace(0, n, n_bins + 1).astype(int)
    return np.array([w[:, a:b].std() for a, b in zip(edges[:-1], edges[1:])]) / mid


def _gw_noise(r, seed, quick):
    from scipy.signal import welch

    n_seg = 60 if quick else 300
    n = int(FS)  # 1 s segments
    long = coloured_noise(4 * n, FS, aligo_psd, n_series=n_seg, random_state=seed)
    x = long[:, n: 2 * n]  # not periodic: cut from the middle of longer series
    f, P = welch(long, fs=FS, nperseg=512)
    w = whiten(x, FS, aligo_psd)
    w_naive = whiten(x, FS, aligo_psd, taper=0.0)
    fw, Pw = welch(w, fs=FS, nperseg=128)  # 16 Hz bins
    band = (fw >= 48) & (fw <= 1000)
    flat = Pw.mean(axis=0) / (2.0 / FS)
    flatness = float(np.max(np.abs(flat[band] - 1)))
    edge = int(0.05 * n)
    mid = w[:, n // 4: 3 * n // 4].std()
    edge_ratio = max(w[:, :edge].std(), w[:, -edge:].std()) / mid
    mid_n = w_naive[:, n // 4: 3 * n // 4].std()
    edge_naive = max(w_naive[:, :edge].std(), w_naive[:, -edge:].std()) / mid_n
    r.check_below("whitened PSD flatness max|P/P_white - 1| (48-1000 Hz)", flatness, 0.10, seed=seed,
                  note="white noise has P = 2 / f_s at every frequency")
    r.check("whitened std, first/last 5% over middle (1 s at 2048 Hz)", edge_ratio, 1.0, tol=0.10,
            seed=seed, note=f"plain FFT whitening gives {edge_naive:.3f}")
    n_bins = 100
    return {"n_seg": n_seg, "f": f, "asd": np.sqrt(P.mean(axis=0)), "fw": fw, "flat": flat, "flatness": flatness,
            "edge_ratio": edge_ratio, "edge_naive": edge_naive, "n_bins": n_bins,
            "profile": _edge_profile(w, n_bins), "profile_naive": _edge_profile(w_naive, n_bins)}


def _gw_noise_figure(ch, d):
    f = d["f"]
    fig, axes = ch.subplots(1, 3, figsize=(14, 4.0))
    ax = axes[0]
    sel = f >= 10
    ax.loglog(f[sel], d["asd"][sel], color="C0", lw=1, label="generated noise (Welch)")
    ax.loglog(f[sel], np.sqrt(aligo_psd(f[sel])), "k--", lw=1, label="aLIGO design fit")
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("ASD sqrt(S_n) (1/sqrt(Hz))")
    legend(ax)
    ax = axes[1]
    ax.plot(d["fw"][1:], d["flat"][1:], color="C2")
    ax.axhspan(0.9, 1.1, color="0.9")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_ylim(0, 1.5)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("PSD of whitened noise / (2 / f_s)")
    ax = axes[2]
    t_bins = (np.arange(d["n_bins"]) + 0.5) / d["n_bins"]
    ax.plot(t_bins, d["profile_naive"], color="C3", label="plain FFT whitening (periodic)")
    ax.plot(t_bins, d["profile"], color="C0", label="mirrored, tapered padding")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xlabel("time in the 1 s segment (s)")
    ax.set_ylabel("std of whitened noise / middle")
    legend(ax)
    ch.figure(fig, "gw_noise",
              title="Generated noise follows the aLIGO design curve and whitens to flat, with clean edges",
              finding=f"Left: amplitude spectral density of {d['n_seg']} series of coloured Gaussian noise against "
                      "the analytic design fit. Middle: after whitening, the PSD is flat at the white-noise level "
                      f"within {100 * d['flatness']:.1f}% from 48 Hz to 1 kHz. Right: per 10 ms bin, plain periodic "
                      f"FFT whitening inflates the edges (first/last 5%: {d['edge_naive']:.2f}x the middle's std, "
                      "with a burst in the first milliseconds); mirrored, tapered padding with a truncated filter "
                      f"does not ({d['edge_ratio']:.3f}x).")


def _gw_chirp(seed):
    duration, t_m, Mc, rho_inj = 2.0, 1.6, 25.0, 12.0
    n = int(duration * FS)
    long = coloured_noise(3 * n, FS, aligo_psd, random_state=seed + 1)
    noise = long[n: 2 * n]
    h, _ = chirp_waveform(Mc, f_low=20.0, fs=FS, duration=duration, t_merger=t_m)
    f_n = np.fft.rfftfreq(n, 1 / FS)
    h *= rho_inj / optimal_snr(h, FS, aligo_psd(f_n))
    d = noise + h
    return {"t": np.arange(n) / FS, "d": d, "h": h, "d_w": whiten(d, FS, aligo_psd), "h_w": whiten(h, FS, aligo_psd),
            "rho": matched_filter_snr(d, h, FS, aligo_psd),
            "lag": np.where(np.arange(n) < n // 2, np.arange(n), np.arange(n) - n) / FS,  # circular delays
            "t_m": t_m, "Mc": Mc, "rho_inj": rho_inj}


def _gw_chirp_figure(ch, d):
    t, lag, rho, rho_inj = d["t"], d["lag"], d["rho"], d["rho_inj"]
    fig, axes = ch.subplots(3, 1, figsize=(10, 8.0), sharex=False)
    ax = axes[0]
    ax.plot(t, d["d"], color="0.5", lw=0.6, label="strain d = n + h")
    ax.plot(t, d["h"], color="C3", lw=1.0, label=f"injected chirp h (M_c = {d['Mc']:g} M_sun)")
    ax.set_ylabel("strain")
    legend(ax, loc="upper left")
    ax = axes[1]
    ax.plot(t, d["d_w"], color="0.5", lw=0.6, label="whitened data")
    ax.plot(t, d["h_w"], color="C3", lw=1.2, label="whitened chirp")
    ax.set_ylabel("whitened strain (noise std = 1)")
    legend(ax, loc="upper left")
    ax.set_xlabel("time (s)")
    ax = axes[2]
    order = np.argsort(lag)
    ax.plot(lag[order], rho[order], color="C0", lw=0.8)
    k = int(np.argmax(rho))
    ax.plot(lag[k], rho[k], "v", color="C3", ms=8)
    ax.axhline(rho_inj, color="C3", ls="--", lw=0.8, label=f"injected optimal SNR {rho_inj:g}")
    ax.set_xlabel("template delay (s)")
    ax.set_ylabel("matched-filter SNR rho")
    legend(ax)
    ch.figure(fig, "gw_chirp",
              title=f"A chirp invisible in the raw strain shows after whitening and peaks at SNR {rho[k]:.1f} "
                    "in the matched filter",
              finding=f"Top: 2 s of Advanced LIGO noise with an inspiral (leading-order post-Newtonian, merging "
                      f"at t = {d['t_m']} s) injected at optimal SNR {rho_inj:g}; the noise is dominated by low "
                      "frequencies and hides it. Middle: whitening weights each frequency by 1/ASD; the chirp's "
                      "last cycles now stand out. Bottom: the matched filter against the exact template peaks at "
                      f"delay {lag[k] * 1000:.1f} ms with rho = {rho[k]:.2f}.")


def _gw_snr(r, seed, quick):
    n = 200 if quick else 800
    data = chirp_dataset(n, snr_range=(6.0, 20.0), whitened=False, random_state=seed + 2)
    sig, bkg = np.flatnonzero(data.y), np.flatnonzero(data.y == 0)
    peak, noise_peak = [], []
    for i in sig:
        template, _ = chirp_waveform(data.chirp_mass[i], f_low=data.f_low, fs=data.fs, duration=1.0,
                                     t_merger=data.t_merger[i])
        peak.append(matched_filter_snr(data.X[i], template, data.fs, data.psd).max())
    peak = np.array(peak)
    noise_rho2 = []
    for j, i in enumerate(bkg):
        template, _ = chirp_waveform(data.chirp_mass[sig[j % len(sig)]], f_low=data.f_low, fs=data.fs,
                                     duration=1.0, t_merger=0.8)
        rho = matched_filter_snr(data.X[i], template, data.fs, data.psd)
        noise_peak.append(rho.max())
        noise_rho2.append(np.mean(rho**2))
    noise_peak = np.array(noise_peak)
    ratio = peak.mean() / data.snr[sig].mean()
    r.check(f"matched-filter SNR / injected SNR (mean of {len(sig)})", ratio, 1.0, tol=0.05, seed=seed + 2)
    r.check("<rho^2> of the matched filter in noise (chi^2, 2 dof)", np.mean(noise_rho2), 2.0, tol=0.1,
            seed=seed + 2)
    return {"snr": data.snr[sig], "peak": peak, "noise_peak": noise_peak, "ratio": ratio}


def _gw_snr_figure(ch, d):
    fig, axes = ch.subplots(1, 2, figsize=(10.5, 4.0))
    ax = axes[0]
    ax.plot(d["snr"], d["peak"], ".", ms=4, color="C0")
    ax.plot([6, 20], [6, 20], "k-", lw=0.8, label="recovered = injected")
    ax.set_xlabel("injected optimal SNR")
    ax.set_ylabel("peak matched-filter SNR")
    legend(ax)
    ax = axes[1]
    bins = np.linspace(0, 24, 49)
    ax.hist(d["noise_peak"], bins=bins, alpha=0.7, color="0.5", label="noise only")
    ax.hist(d["peak"], bins=bins, alpha=0.7, color="C0", label="with chirp")
    ax.set_xlabel("peak matched-filter SNR in a 1 s segment")
    ax.set_ylabel("segments")
    legend(ax)
    ch.figure(fig, "gw_snr",
              title=f"The matched filter recovers the injected SNR (mean ratio {d['ratio']:.3f}); noise alone "
                    "peaks near 4",
              finding=f"{len(d['peak'])} chirps with random chirp mass (10-30 M_sun), phase, inclination and merger "
                      "time, injected at optimal SNR 6-20 into 1 s of aLIGO noise (chirp_dataset). Left: peak SNR "
                      "of the exact template against the injected SNR. Right: the same statistic in noise-only "
                      "segments, the background a detection threshold is set against.")


# ---------------------------------------------------------------------------
# Collider (S44)
# ---------------------------------------------------------------------------


def _voigt(x, N, M0, G0, s, w):
    from scipy import special

    return N * w * special.voigt_profile(x - M0, s, G0 / 2)


def _collider(r, seed, quick):
    from scipy import optimize

    M, Gamma, res = 91.19, 2.5, 0.02
    n_sig, n_bkg = (40000, 20000) if quick else (150000, 100000)
    ev = collider_events(n_sig, n_bkg, mass=M, width=Gamma, pt_resolution=res, random_state=seed + 3)
    X, y = ev.X, ev.y
    col = {name: X[:, i] for i, name in enumerate(FEATURE_NAMES)}
    counts, edges = np.histogram(col["m_ll"][y == 1], bins=120, range=(76.0, 106.0))
    centres, w = 0.5 * (edges[1:] + edges[:-1]), edges[1] - edges[0]
    popt, pcov = optimize.curve_fit(lambda x, N, M0, G0, s: _voigt(x, N, M0, G0, s, w), centres, counts,
                                    p0=[n_sig, 90.0, 2.0, 1.0], sigma=np.sqrt(np.maximum(counts, 1)))
    _, M_fit, G_fit, s_fit = popt
    dM, dG, ds = np.sqrt(np.diag(pcov))[1:]
    s_exp = M * res / np.sqrt(2)
    conservation = float(np.max(np.abs(ev.p1 + ev.p2 - ev.P) / ev.P[:, :1]))
    r.check("fitted Z mass (GeV)", M_fit, M, tol=0.1, seed=seed + 3, note=f"fit uncertainty {dM:.3f} GeV")
    r.check("fitted Z width / input", G_fit / Gamma, 1.0, tol=0.10, seed=seed + 3,
            note=f"fit uncertainty {dG / Gamma:.3f}")
    r.check("fitted mass resolution / (M sigma_pT / sqrt 2)", s_fit / s_exp, 1.0, tol=0.10, seed=seed + 3)
    r.check_below("four-momentum conservation max|p1 + p2 - P| / E", conservation, 1e-9, seed=seed + 3,
                  note="exact in the decay; round-off only")
    keep = ("m_ll", "lep1_pt", "lep2_pt", "met")
    return {"M": M, "Gamma": Gamma, "n_sig": n_sig, "n_bkg": n_bkg, "y": y, "col": {k: col[k] for k in keep},
            "popt": popt, "w": w, "dM": dM, "dG": dG, "s_exp": s_exp, "counts": counts, "edges": edges}


def _collider_figure(ch, d):
    y, col, popt, w, M = d["y"], d["col"], d["popt"], d["w"], d["M"]
    _, M_fit, G_fit, s_fit = popt
    fig, axes = ch.subplots(2, 2, figsize=(10, 7.6))
    ax = axes[0, 0]
    bins = np.linspace(60, 120, 121)
    ax.hist([col["m_ll"][y == 0], col["m_ll"][y == 1]], bins=bins, stacked=True, color=["0.65", "C0"],
            label=["background (continuum)", "signal (Z -> mu mu)"])
    ax.set_xlabel("dilepton mass m_ll (GeV)")
    ax.set_ylabel("events / 0.5 GeV")
    ax.set_title("all events, stacked", fontsize=9)
    legend(ax)
    ax = axes[0, 1]
    edges, counts = d["edges"], d["counts"]
    centres = 0.5 * (edges[1:] + edges[:-1])
    ax.errorbar(centres, counts, yerr=np.sqrt(counts), fmt=".", ms=3, color="C0", elinewidth=0.6,
                label="signal events (the fitted histogram)")
    grid = np.linspace(edges[0], edges[-1], 600)
    ax.plot(grid, _voigt(grid, *popt, w), color="C3", lw=1.2, label="Voigt fit")
    ax.set_xlabel("dilepton mass m_ll (GeV)")
    ax.set_ylabel(f"events / {w:g} GeV")
    ax.set_title("signal only, 76-106 GeV: the fit and its data", fontsize=9)
    legend(ax)
    ax = axes[1, 0]
    b = np.linspace(20, 80, 61)
    ax.hist(col["lep1_pt"][y == 1], bins=b, histtype="step", color="C0", label="leading lepton, signal")
    ax.hist(col["lep1_pt"][y == 0], bins=b, histtype="step", color="0.4", label="leading lepton, background")
    ax.hist(col["lep2_pt"][y == 1], bins=b, histtype="step", color="C0", ls="--", label="second lepton, signal")
    ax.axvline(M / 2, color="C3", ls=":", lw=1, label="M/2 (Jacobian peak)")
    ax.set_xlabel("lepton transverse momentum pT (GeV)")
    ax.set_ylabel("events / GeV")
    legend(ax)
    ax = axes[1, 1]
    b = np.linspace(0, 60, 61)
    ax.hist(col["met"][y == 1], bins=b, histtype="step", color="C0", label="signal")
    ax.hist(col["met"][y == 0], bins=b, histtype="step", color="0.4", label="background")
    ax.set_xlabel("missing transverse energy (GeV)")
    ax.set_ylabel("events / GeV")
    legend(ax)
    ch.figure(fig, "collider_mass",
              title=f"The generated Z peak stands on a falling continuum; the fit gives M = {M_fit:.2f} GeV, "
                    f"Gamma = {G_fit:.2f} GeV",
              finding=f"{d['n_sig']} signal and {d['n_bkg']} background dilepton events after the acceptance cuts "
                      "(pT > 20 GeV, |eta| < 2.5). Top left: the mass spectrum, stacked. Top right: the signal "
                      "histogram that the Breit-Wigner convolved with a Gaussian (Voigt) is fitted to, with the "
                      f"fit: M = {M_fit:.3f} +- {d['dM']:.3f} GeV (input {M}), Gamma = {G_fit:.2f} +- "
                      f"{d['dG']:.2f} GeV (input {d['Gamma']}) and a resolution {s_fit:.2f} GeV (expected "
                      f"M sigma_pT / sqrt 2 = {d['s_exp']:.2f}). Bottom left: the lepton pT of the signal peaks "
                      "near M/2. Bottom right: the missing ET carries no information here - both classes share "
                      "the production kinematics, only the mass differs.")


def compute(seed=0, quick=False):
    """Generate and validate every data set of the lecture: the numbers and the arrays the figures draw."""
    r = Result(seed=seed, quick=quick)
    r.notes.append("Every data set of the lecture is generated by physml.datasets on the spot (no downloads; the "
                   "8 x 8 digits are bundled) and is validated here against exact physics before any learning.")
    r.data["toy"] = _toy(seed)
    r.data["ising"] = _ising_thermodynamics(r, seed, quick)
    r.data["ising_tau"] = _ising_autocorrelation(r, seed, quick)
    r.data["gw_noise"] = _gw_noise(r, seed, quick)
    r.data["gw_chirp"] = _gw_chirp(seed)
    r.data["gw_snr"] = _gw_snr(r, seed, quick)
    r.data["collider"] = _collider(r, seed, quick)
    return r


def figures(result, ch):
    """Draw the data chapter's figures of ``result`` (from :func:`compute`) into ``ch``."""
    d = result.data
    _toy_figure(ch, d["toy"])
    _ising_snapshots_figure(ch, d["ising"])
    _ising_thermo_figure(ch, d["ising"])
    _ising_tau_figure(ch, d["ising_tau"])
    _gw_noise_figure(ch, d["gw_noise"])
    _gw_chirp_figure(ch, d["gw_chirp"])
    _gw_snr_figure(ch, d["gw_snr"])
    _collider_figure(ch, d["collider"])
