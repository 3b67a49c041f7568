"""Chirps, detector noise and the labelled data set reproduce their closed forms (S43)."""

import functools

import numpy as np
import pytest
from scipy.signal import welch

from physml.datasets import chirp_dataset
from physml.datasets.gravitational_waves import (
    MPC,
    R_SUN,
    aligo_psd,
    chirp_time,
    chirp_waveform,
    coloured_noise,
    aligo_early_psd,
    matched_filter_snr,
    optimal_snr,
    pn_inspiral,
    taylort4_coefficients,
)
from physml.signal import snr_series

FS = 2048.0
C = 299_792_458.0


def _noise_segments(n_segments, n, seed):
    """Non-periodic coloured noise: windows cut from the middle of longer series."""
    long = coloured_noise(4 * n, FS, aligo_psd, n_series=n_segments, random_state=seed)
    return long[:, n: 2 * n]


def test_chirp_phase_frequency_and_amplitude_follow_leading_order_pn():
    Mc, tc, r = 25.0, 0.9, 400.0
    hp, hx = chirp_waveform(Mc, f_low=20.0, fs=FS, duration=1.0, t_merger=tc, distance=r, taper=0.0)
    t = np.arange(len(hp)) / FS
    tau = tc - t
    on = (hp != 0) & (tau > 0.05)
    # face-on (iota = 0): h_+ + i h_x = A e^{i Phi}
    A = np.hypot(hp, hx)[on]
    # Maggiore (4.31): A = (1/r) (G Mc/c^2)^{5/4} (5 / (c tau))^{1/4}, an independent form of the amplitude
    R_c = R_SUN * Mc
    A_ref = (R_c ** 1.25) * (5.0 / (C * tau[on])) ** 0.25 / (r * MPC)
    np.testing.assert_allclose(A, A_ref, rtol=1e-9)
    Phi = np.unwrap(np.arctan2(hx, hp)[on])
    T_c = 4.925490947641267e-6 * Mc
    Phi_ref = -2.0 * (tau[on] / (5 * T_c)) ** 0.625
    offset = (Phi - Phi_ref)[0]
    assert abs(offset / (2 * np.pi) - round(offset / (2 * np.pi))) < 1e-9
    np.testing.assert_allclose(Phi - offset, Phi_ref, atol=1e-7)
    # instantaneous frequency dPhi/dt / 2pi against f(tau), inverted from chirp_time
    f_num = np.gradient(Phi, 1 / FS) / (2 * np.pi)
    np.testing.assert_allclose(chirp_time(Mc, f_num[1:-1]), tau[on][1:-1], rtol=2e-4)


def test_chirp_starts_at_f_low_and_ends_at_isco():
    Mc = 20.0
    hp, _ = chirp_waveform(Mc, f_low=30.0, fs=FS, duration=2.0, t_merger=1.5, taper=0.0)
    t = np.arange(len(hp)) / FS
    nz = np.flatnonzero(hp)
    # GW150914-like numbers: tau(30 Hz) for Mc = 20 is 0.66 s
    np.testing.assert_allclose(1.5 - t[nz[0]], chirp_time(Mc, 30.0), atol=1 / FS)
    f_isco = 4397.2 / (2 ** 1.2 * Mc)  # c^3 / (6^{3/2} pi G M), M = 2^{6/5} Mc, in Hz per solar mass
    np.testing.assert_allclose(1.5 - t[nz[-1]], chirp_time(Mc, f_isco), atol=1 / FS)
    np.testing.assert_allclose(chirp_time(30.0, 20.0), 0.7579, rtol=1e-3)


def test_chirp_inclination_scales_the_polarisations():
    hp0, hx0 = chirp_waveform(15.0, inclination=0.0)
    hp, hx = chirp_waveform(15.0, inclination=np.pi / 3)
    np.testing.assert_allclose(hp, hp0 * (1 + 0.25) / 2, atol=1e-30)
    np.testing.assert_allclose(hx, hx0 * 0.5, atol=1e-30)
    hp_far, _ = chirp_waveform(15.0, distance=200.0)
    np.testing.assert_allclose(hp_far, hp0 / 2, atol=1e-30)


def test_aligo_early_psd_is_lals_advligo_fit():
    assert aligo_early_psd(215.0) == pytest.approx(1e-49 * (1 - 5 + 111 * 0.5 / 1.5), rel=1e-12)
    # away from f0 the exponents matter: x = 100/215, x^-4.14 = 23.79, -5 x^-2 = -23.11, 111 (...) = 80.84
    assert aligo_early_psd(100.0) == pytest.approx(8.152e-48, rel=1e-3)
    f_min = np.linspace(150, 300, 15001)
    assert aligo_early_psd(f_min).min() == pytest.approx(3.24e-48, rel=1e-2)  # the docstring's minimum
    assert np.isinf(aligo_early_psd(9.9)) and np.isinf(aligo_early_psd(0.0))


# Advanced LIGO zero-detuned high-power design curve, LIGO-T0900288-v3 ZERO_DET_high_P (as tabulated, PSD in 1/Hz)
ZDHP = np.array([
    [20.024649, 3.6460693e-46], [25.018579, 1.5351524e-46], [100.03606, 1.5907433e-47],
    [150.23735, 1.4465562e-47], [200.03387, 1.3943888e-47], [245.41865, 1.3822215e-47],
    [900.13258, 2.5885917e-47], [1001.5714, 2.9369727e-47],
])


def test_aligo_psd_is_within_5_percent_of_the_design_curve():
    f, S = ZDHP.T
    assert np.max(np.abs(aligo_psd(f) / S - 1)) < 0.05
    # the early fit is not the design curve: its ASD is 0.5x-2.7x of it in the band
    ratio = np.sqrt(aligo_early_psd(f) / S)
    assert ratio.min() < 0.6 and ratio.max() > 2.0
    assert np.isinf(aligo_psd(9.9)) and np.all(np.diff(aligo_psd(np.linspace(20, 200, 50))) < 0)


def test_coloured_noise_has_the_requested_psd():
    n = 16384
    x = coloured_noise(n, FS, aligo_psd, n_series=80, random_state=0)
    f, P = welch(x, fs=FS, nperseg=512)  # 4 Hz bins; above 40 Hz the window's leakage is negligible
    band = (f >= 40) & (f <= 1000)
    np.testing.assert_allclose(P.mean(axis=0)[band] / aligo_psd(f[band]), 1.0, atol=0.08)
    # white noise: variance = S fs / 2
    S0 = 3e-4
    w = coloured_noise(n, FS, lambda f: np.full_like(f, S0), n_series=20, random_state=1)
    assert w.var() == pytest.approx(S0 * FS / 2, rel=0.02)
    assert abs(w.mean()) < 1e-12


def test_coloured_noise_same_seed_same_bits():
    a = coloured_noise(512, FS, random_state=3)
    np.testing.assert_array_equal(a, coloured_noise(512, FS, random_state=3))
    assert a.shape == (512,)


def test_matched_filter_recovers_injected_snr_and_time():
    data = chirp_dataset(400, snr_range=(8.0, 16.0), whitened=False, random_state=7)
    sig = np.flatnonzero(data.y)
    assert len(sig) == 200
    recovered, lag = [], []
    for i in sig:
        template, _ = chirp_waveform(data.chirp_mass[i], f_low=data.f_low, fs=data.fs, duration=1.0,
                                     t_merger=data.t_merger[i])
        rho = snr_series(data.X[i], template, data.fs, data.psd)
        k = int(np.argmax(rho))
        recovered.append(rho[k])
        lag.append(min(k, len(rho) - k))
    ratio = np.mean(recovered) / np.mean(data.snr[sig])
    assert abs(ratio - 1) < 0.05
    assert np.mean(lag) < 1.5 and np.max(lag) <= 8  # 4 ms at worst, in the design-curve noise


def test_chirp_dataset_shapes_labels_and_metadata():
    d = chirp_dataset(30, snr_range=(10.0, 12.0), random_state=0)
    assert d.X.shape == (30, 2048) and d.signal.shape == (30, 2048) and d.y.dtype == np.int64
    assert d.y.sum() == 15
    s, b = d.y == 1, d.y == 0
    assert np.all((d.snr[s] >= 10) & (d.snr[s] <= 12)) and np.all(d.snr[b] == 0)
    assert np.all(np.isnan(d.t_merger[b])) and np.all((d.t_merger[s] >= 0.6) & (d.t_merger[s] <= 0.95))
    assert np.all((d.chirp_mass[s] >= 10) & (d.chirp_mass[s] <= 30))
    np.testing.assert_allclose(optimal_snr(d.signal[s], d.fs, d.psd), d.snr[s], rtol=1e-12)
    assert np.all(d.signal[b] == 0)
    assert d.X[b].std() == pytest.approx(1.0, abs=0.05)  # whitened noise
    again = chirp_dataset(30, snr_range=(10.0, 12.0), random_state=0)
    np.testing.assert_array_equal(d.X, again.X)


@pytest.mark.parametrize("kwargs, word", [
    (dict(n=0), "n"),
    (dict(snr_range=(5.0, 1.0)), "snr_range"),
    (dict(snr_range="ab"), "snr_range"),
    (dict(duration=-1.0), "duration"),
    (dict(signal_fraction=1.5), "signal_fraction"),
    (dict(chirp_mass_range=(10.0, 200.0)), "chirp_mass_range"),
])
def test_chirp_dataset_bad_input_names_the_argument(kwargs, word):
    with pytest.raises((ValueError, TypeError), match=word):
        chirp_dataset(**kwargs)


@pytest.mark.parametrize("kwargs, word", [
    (dict(chirp_mass=-1.0), "chirp_mass"),
    (dict(chirp_mass=30.0, f_low=0.0), "f_low"),
    (dict(chirp_mass=30.0, f_high=10.0), "f_high"),
    (dict(chirp_mass=30.0, t_merger="x"), "t_merger"),
    (dict(chirp_mass=30.0, fs=100.0, duration=0.01), "duration"),
])
def test_chirp_waveform_bad_input_names_the_argument(kwargs, word):
    with pytest.raises((ValueError, TypeError), match=word):
        chirp_waveform(**kwargs)


def test_light_binaries_stop_at_nyquist_instead_of_aliasing():
    # a neutron-star binary (Mc = 1.2) has f_ISCO ~ 1.6 kHz, above the Nyquist frequency of fs = 2048 Hz:
    # samples beyond f = fs / 2 would alias to lower frequencies
    Mc, tc = 1.2, 0.9
    hp, _ = chirp_waveform(Mc, f_low=200.0, fs=FS, duration=1.0, t_merger=tc, taper=0.0)
    t_last = np.flatnonzero(hp)[-1] / FS
    assert tc - t_last >= chirp_time(Mc, FS / 2) - 1e-12  # the last sample is below Nyquist
    np.testing.assert_allclose(tc - t_last, chirp_time(Mc, FS / 2), atol=1 / FS)
    with pytest.raises(ValueError, match="f_high"):
        chirp_waveform(Mc, fs=FS, f_high=1500.0)
    with pytest.raises(ValueError, match="f_low"):
        chirp_waveform(30.0, f_low=20.0, fs=32.0, duration=1.0)
    d = chirp_dataset(6, chirp_mass_range=(1.0, 1.5), f_low=100.0, signal_fraction=1.0, whitened=False,
                      random_state=0)
    for h, m, tm in zip(d.signal, d.chirp_mass, d.t_merger):
        assert tm - np.flatnonzero(h)[-1] / FS >= chirp_time(m, FS / 2) - 1e-12


def test_chirp_dataset_rejects_mergers_whose_chirp_misses_the_segment():
    # a 10-30 Msun chirp from 20 Hz lasts at most 4.7 s: merging 20 s after the start of a 1 s segment,
    # it starts after the segment ends, leaving nothing to rescale to the requested SNR (used to give NaN)
    assert chirp_time(10.0, 20.0) < 5.0
    with pytest.raises(ValueError, match="merger_range"):
        chirp_dataset(4, merger_range=(20.0, 21.0), random_state=0)
    with pytest.raises(ValueError, match="merger_range"):
        chirp_dataset(4, merger_range=(20.0, 21.0), whitened=False, random_state=0)


def test_chirp_dataset_positional_order_follows_the_issue():
    # issue 5: chirp_dataset(n, snr_range, duration, fs, random_state)
    a = chirp_dataset(4, (10.0, 12.0), 0.5, 1024.0, 3)
    b = chirp_dataset(4, snr_range=(10.0, 12.0), duration=0.5, fs=1024.0, random_state=3)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.shape == (4, 512)


def test_chirp_dataset_return_X_y_gives_the_bunch_arrays():
    d = chirp_dataset(6, random_state=2)
    X, y = chirp_dataset(6, random_state=2, return_X_y=True)
    np.testing.assert_array_equal(X, d.X)
    np.testing.assert_array_equal(y, d.y)


def test_backward_compatible_names_use_the_design_psd_by_default():
    x = coloured_noise(1024, FS, random_state=0)
    hp, _ = chirp_waveform(20.0, duration=0.5)
    np.testing.assert_array_equal(matched_filter_snr(x, hp, FS), snr_series(x, hp, FS, aligo_psd))
    assert optimal_snr(hp, FS) == optimal_snr(hp, FS, aligo_psd)


# --- post-Newtonian phasing (TaylorT4) -----------------------------------------------------------------------


def _t4_series_from_energy_and_flux(eta, pn_order):
    """dx/dt coefficients re-derived here: -F(x) / E'(x) of Blanchet's (2014) energy and flux, series-divided."""
    a, b = _t4_full(eta)
    k_max = int(round(2 * pn_order))
    return np.where(np.arange(8) <= k_max, a, 0.0), np.where(np.arange(8) <= k_max, b, 0.0)


@functools.lru_cache(maxsize=None)
def _t4_symbolic():
    """The series -F / E' in y = sqrt(x), as sympy coefficients in eta and L = ln x (derived once)."""
    sp = pytest.importorskip("sympy")
    y, L, e = sp.symbols("y L eta")  # y = sqrt(x); L = ln x
    pi, gE = sp.pi, sp.EulerGamma
    e1 = -sp.Rational(3, 4) - e / 12
    e2 = -sp.Rational(27, 8) + sp.Rational(19, 8) * e - e**2 / 24
    e3 = (-sp.Rational(675, 64) + (sp.Rational(34445, 576) - sp.Rational(205, 96) * pi**2) * e
          - sp.Rational(155, 96) * e**2 - sp.Rational(35, 5184) * e**3)
    dE = 1 + 2 * e1 * y**2 + 3 * e2 * y**4 + 4 * e3 * y**6  # E = -(mu x / 2)(1 + e1 x + e2 x^2 + e3 x^3)
    F = (1 + (-sp.Rational(1247, 336) - sp.Rational(35, 12) * e) * y**2 + 4 * pi * y**3
         + (-sp.Rational(44711, 9072) + sp.Rational(9271, 504) * e + sp.Rational(65, 18) * e**2) * y**4
         + (-sp.Rational(8191, 672) - sp.Rational(583, 24) * e) * pi * y**5
         + (sp.Rational(6643739519, 69854400) + sp.Rational(16, 3) * pi**2 - sp.Rational(1712, 105) * gE
            - sp.Rational(856, 105) * (sp.log(16) + L) + (-sp.Rational(134543, 7776) + sp.Rational(41, 48) * pi**2) * e
            - sp.Rational(94403, 3024) * e**2 - sp.Rational(775, 324) * e**3) * y**6
         + (-sp.Rational(16285, 504) + sp.Rational(214745, 1728) * e + sp.Rational(193385, 3024) * e**2) * pi * y**7)
    # 1 / E' as a geometric series in the corrections (exact to y^7), then the product with F, truncated
    d = dE - 1
    inv = sum((-d) ** k for k in range(4))
    ratio = sp.expand(sp.expand(F * inv))
    return [(sp.lambdify(e, ratio.coeff(y, k).coeff(L, 0)), sp.lambdify(e, ratio.coeff(y, k).coeff(L, 1)))
            for k in range(8)]


def _t4_full(eta):
    coeffs = _t4_symbolic()
    return (np.array([float(c0(eta)) for c0, _ in coeffs]), np.array([float(c1(eta)) for _, c1 in coeffs]))


@pytest.mark.parametrize("eta", [0.25, 0.2, 0.09])
@pytest.mark.parametrize("pn_order", [1.0, 2.5, 3.5])
def test_taylort4_coefficients_are_minus_flux_over_energy_derivative(eta, pn_order):
    a, b = taylort4_coefficients(eta, pn_order)
    a_ref, b_ref = _t4_series_from_energy_and_flux(eta, pn_order)
    np.testing.assert_allclose(a, a_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b, b_ref, rtol=1e-12, atol=1e-12)


def test_inspiral_durations_and_cycles_against_independent_quadrature():
    from scipy.integrate import quad

    m1, m2 = 1.4, 1.4
    M_s = 4.925490947641267e-6 * (m1 + m2)
    eta = m1 * m2 / (m1 + m2) ** 2
    f_isco = 1 / (6**1.5 * np.pi * M_s)
    x_lo, x_hi = (np.pi * M_s * 20.0) ** (2 / 3), (np.pi * M_s * f_isco) ** (2 / 3)
    cycles = {}
    for order in (0.0, 2.0, 3.5):
        a, b = _t4_series_from_energy_and_flux(eta, order)

        def xdot(x):
            return 64 / 5 * eta / M_s * x**5 * sum((a[k] + b[k] * np.log(x)) * x ** (k / 2) for k in range(8))

        T_ref = quad(lambda x: 1 / xdot(x), x_lo, x_hi, epsrel=1e-12, epsabs=0, limit=200)[0]
        N_ref = quad(lambda x: x**1.5 / M_s / xdot(x), x_lo, x_hi, epsrel=1e-12, epsabs=0, limit=200)[0] / np.pi
        T, N = pn_inspiral((m1, m2), 20.0, pn_order=order)
        assert T == pytest.approx(T_ref, rel=1e-9) and N == pytest.approx(N_ref, rel=1e-9)
        cycles[order] = N
    # 0PN: the Newtonian closed form
    Mc = (m1 * m2) ** 0.6 / (m1 + m2) ** 0.2
    T0, _ = pn_inspiral((m1, m2), 20.0, pn_order=0)
    assert T0 == pytest.approx(chirp_time(Mc, 20.0) - chirp_time(Mc, f_isco), rel=1e-10)
    # the issue's point: from 20 Hz a 1.4 + 1.4 binary's 3.5PN phasing differs from 0PN by ~80 cycles
    assert 60 < cycles[3.5] - cycles[0.0] < 100


def test_pn_waveform_has_the_cycles_and_duration_of_the_evolution():
    fs = 4096.0
    hp, _ = chirp_waveform(masses=(10.0, 8.0), f_low=30.0, fs=fs, duration=3.0, t_merger=2.8, taper=0.0,
                           pn_order=3.5)
    T, N = pn_inspiral((10.0, 8.0), 30.0, pn_order=3.5)
    nz = np.flatnonzero(hp)
    assert (nz[-1] - nz[0]) / fs == pytest.approx(T, abs=2 / fs)
    assert nz[-1] / fs == pytest.approx(2.8, abs=1 / fs)
    crossings = np.sum(np.diff(np.sign(hp[nz[0]: nz[-1] + 1])) != 0)
    assert crossings / 2 == pytest.approx(N, abs=1.0)


def test_pn_order_zero_with_masses_is_the_closed_form_and_higher_orders_differ():
    m = 12.0
    Mc = m * 0.25**0.6 * 2  # equal masses: Mc = M eta^{3/5}
    h_masses, _ = chirp_waveform(masses=(m, m), f_low=30.0, duration=1.0, t_merger=0.9)
    h_mc, _ = chirp_waveform(Mc, f_low=30.0, duration=1.0, t_merger=0.9)
    np.testing.assert_allclose(h_masses, h_mc, rtol=1e-12, atol=1e-40)
    h_pn, _ = chirp_waveform(masses=(m, m), f_low=30.0, duration=1.0, t_merger=0.9, pn_order=2.0)
    assert np.max(np.abs(h_pn - h_mc)) > 0.1 * np.max(np.abs(h_mc))


def test_pn_arguments_are_checked():
    with pytest.raises(ValueError, match="pn_order"):
        chirp_waveform(20.0, pn_order=4)
    with pytest.raises(ValueError, match="exactly one"):
        chirp_waveform(20.0, masses=(10.0, 10.0))
    with pytest.raises(ValueError, match="masses"):
        pn_inspiral((10.0, -1.0), 20.0)


def test_chirp_time_is_the_leading_order_formula_and_refuses_unphysical_input():
    # tau = 5/256 (G Mc / c^3)^(-5/3) (pi f)^(-8/3), written out here for Mc = 20 Msun, f = 30 Hz
    Tc = 20.0 * 4.925490947641267e-6
    assert chirp_time(20.0, 30.0) == pytest.approx(5.0 / 256.0 * Tc ** (-5 / 3) * (np.pi * 30.0) ** (-8 / 3),
                                                   rel=1e-13)
    np.testing.assert_allclose(chirp_time(20.0, np.array([30.0, 60.0])),
                               [chirp_time(20.0, 30.0), chirp_time(20.0, 60.0)], rtol=1e-14)
    # these returned NaN or inf (with a RuntimeWarning) instead of being refused
    for kwargs, word in [(dict(chirp_mass=-1.0, f=30.0), "chirp_mass"), (dict(chirp_mass=20.0, f=np.nan), "f"),
                         (dict(chirp_mass=20.0, f=[30.0, 0.0]), "f"), (dict(chirp_mass=True, f=30.0), "chirp_mass")]:
        with pytest.raises((ValueError, TypeError), match=word):
            chirp_time(**kwargs)


@pytest.mark.parametrize("call, word", [
    (lambda: chirp_waveform(20.0, fs=1e300, duration=1e300), "chirp_waveform.* needs"),  # was OverflowError
    (lambda: chirp_dataset(10**12, duration=0.5, fs=512.0), "chirp_dataset.* needs"),  # was MemoryError
    (lambda: coloured_noise(64, 512.0, n_series=10**12), "coloured_noise.* needs"),  # was MemoryError
    (lambda: aligo_psd(np.inf), "f"),  # was RuntimeWarning: invalid value
    (lambda: aligo_psd([100.0, np.nan]), "f"),  # a NaN frequency gave a NaN PSD
    (lambda: chirp_waveform(20.0, t_merger=True), "t_merger"),
    (lambda: chirp_dataset(4, snr_range=(8.0, np.inf)), r"snr_range\[1\]"),
    (lambda: chirp_waveform(masses=(30.0, -1.0)), r"masses\[1\]"),
])
def test_huge_and_non_finite_requests_are_refused_naming_the_argument(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()
