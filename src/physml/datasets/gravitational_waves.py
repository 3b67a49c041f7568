r"""Compact-binary chirps in coloured detector noise: the data of the GW hands-on session (S43).

The pieces a search pipeline needs, all FFT based (real FFTs of ``scipy.fft`` on all cores):

* :func:`chirp_waveform` - the leading-order (Newtonian, quadrupole) inspiral
  of a compact binary: frequency and amplitude grow as the orbit shrinks, set
  by the chirp mass alone;
* :func:`aligo_psd` - an analytic fit of the Advanced LIGO design noise
  power spectral density (zero-detuned, high power; :func:`aligo_early_psd` the
  early baseline fit of LAL), and :func:`coloured_noise` - Gaussian noise with it;
* whitening and the matched filter are analysis tools for any strain and live in
  :mod:`physml.signal` (``whiten``, ``matched_filter``, ``snr_series``,
  ``optimal_snr``); :func:`matched_filter_snr` and :func:`optimal_snr` here are
  the same with the aLIGO design PSD as default;
* :func:`chirp_dataset` - labelled segments with and without an injected chirp
  at a known SNR and merger time, for a classifier (the CNN of S40/S43).

Conventions. Times in seconds, frequencies in Hz, masses in solar masses,
distances in Mpc. ``psd`` is a one-sided power spectral density
:math:`S_n(f)` in 1/Hz: :math:`\langle \tilde n(f) \tilde n^*(f') \rangle =
\tfrac12 S_n(f) \delta(f - f')`. The discrete Fourier transform approximates
:math:`\tilde x(f_k) \approx \Delta t \, \mathrm{rfft}(x)_k`. The noise-weighted
inner product is :math:`\langle a | b \rangle = 4 \,\mathrm{Re} \int_0^\infty
\tilde a(f) \tilde b^*(f) / S_n(f) \, df`.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import fft

from ..base import check_array, check_random_state, check_scalar, check_sizes
from ..signal import _psd_on, snr_series, whiten
from ..signal import optimal_snr as _optimal_snr
from ._bunch import Bunch

__all__ = [
    "chirp_waveform",
    "chirp_time",
    "pn_inspiral",
    "taylort4_coefficients",
    "PN_ORDERS",
    "aligo_psd",
    "aligo_early_psd",
    "coloured_noise",
    "whiten",
    "matched_filter_snr",
    "optimal_snr",
    "chirp_dataset",
]

T_SUN = 4.925490947641267e-6
"""G M_sun / c^3 in seconds."""
R_SUN = 1476.6250385063112
"""G M_sun / c^2 in metres."""
MPC = 3.085677581491367e22
"""One megaparsec in metres."""


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


def _positive(x, name, *, allow_zero=False):
    """``x`` as a finite float > 0 (>= 0 with ``allow_zero``); via check_scalar."""
    return float(check_scalar(x, name, numbers.Real, min_val=0.0,
                              include_boundaries="left" if allow_zero else "neither"))


def _real(x, name):
    """``x`` as a finite float; via check_scalar."""
    return float(check_scalar(x, name, numbers.Real))


def _frequencies(f):
    """Finite frequencies ``f`` (a number or an array of any shape) as a float64 array (0-d for a number)."""
    if isinstance(f, np.ndarray) and f.ndim == 0:
        f = f[()]
    if np.ndim(f) == 0:
        return np.asarray(_real(f, "f"))
    return check_array(f, name="f", ensure_2d=False, allow_nd=True)


def _positive_values(x, name):
    """A positive finite float, or an array of them (any shape, not empty)."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
    if np.ndim(x) == 0:
        return _positive(x, name)
    x = check_array(x, name=name, ensure_2d=False, allow_nd=True)
    if np.any(x <= 0):
        raise ValueError(f"{name} must be > 0, got a minimum of {x.min()}.")
    return x


def _n_samples(fs, duration):
    n = int(round(min(duration * fs, 2.0**62)))  # Python floats: a huge product is inf, refused by check_sizes
    if n < 8:
        raise ValueError(f"duration * fs must give at least 8 samples, got {n} (duration={duration}, fs={fs}).")
    return n


def _psd_values(psd, f, name="psd"):
    """One-sided PSD on the frequencies ``f``: None (the aLIGO design curve), a callable, or an array on ``f``."""
    return _psd_on(aligo_psd if psd is None else psd, f, name)


def matched_filter_snr(data, template, fs, psd=None):
    r"""SNR time series of the matched filter: :func:`physml.signal.snr_series` with the aLIGO default PSD.

    Kept for existing callers; the analysis tools live in :mod:`physml.signal`.
    """
    return snr_series(data, template, fs, aligo_psd if psd is None else psd)


def optimal_snr(template, fs, psd=None):
    r"""Optimal SNR: :func:`physml.signal.optimal_snr` with the aLIGO default PSD (kept for existing callers)."""
    return _optimal_snr(template, fs, aligo_psd if psd is None else psd)


# ---------------------------------------------------------------------------
# Waveform
# ---------------------------------------------------------------------------


def _f_isco(chirp_mass):
    # equal masses: M = 2^{6/5} M_c; f_ISCO (GW) = c^3 / (6^{3/2} pi G M)
    return 1.0 / (6.0**1.5 * np.pi * T_SUN * 2.0**1.2 * chirp_mass)


def chirp_time(chirp_mass, f):
    r"""Time left to coalescence when the GW frequency is ``f`` (leading order, S43).

    :math:`\tau(f) = \frac{5}{256} \left(\frac{G \mathcal M}{c^3}\right)^{-5/3} (\pi f)^{-8/3}`.

    Parameters
    ----------
    chirp_mass : float or ndarray
        Chirp mass :math:`\mathcal M = (m_1 m_2)^{3/5} / (m_1 + m_2)^{1/5}` in solar masses.
    f : float or ndarray
        Gravitational-wave frequency in Hz.

    Returns
    -------
    tau : float or ndarray
        Seconds before coalescence.
    """
    T_c = T_SUN * _positive_values(chirp_mass, "chirp_mass")
    pi_f = np.pi * _positive_values(f, "f")
    # (T_c pi f)^(-5/3) (pi f)^(-1): a power of a product overflows later than the product of powers
    return 5.0 / 256.0 * (T_c * pi_f) ** (-5.0 / 3.0) / pi_f


PN_ORDERS = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5)
"""Post-Newtonian orders accepted by ``pn_order`` (the 0.5PN term of the phasing vanishes)."""

_EULER_GAMMA = 0.57721566490153286061


def taylort4_coefficients(eta, pn_order=3.5):
    r"""Coefficients of the TaylorT4 frequency evolution, truncated at ``pn_order``.

    .. math::

        \frac{dx}{dt} = \frac{64}{5} \frac{\eta}{M} x^5 \sum_{k=0}^{7} (a_k + b_k \ln x)\, x^{k/2},
        \qquad x = (\pi G M f / c^3)^{2/3},

    the ratio :math:`-\mathcal F(x) / (dE/dx)` of the gravitational-wave flux and
    the derivative of the binding energy of a circular orbit, re-expanded to
    :math:`x^{7/2}` (3.5PN):

    - :math:`a_2 = -743/336 - 11\eta/4`, :math:`a_3 = 4\pi`,
    - :math:`a_4 = 34103/18144 + 13661\eta/2016 + 59\eta^2/18`,
    - :math:`a_5 = -(4159/672 + 189\eta/8)\pi`,
    - :math:`a_6 = 16447322263/139708800 - 1712\gamma_E/105 + 16\pi^2/3 - (856/105)\ln 16
      + (-56198689/217728 + 451\pi^2/48)\eta + 541\eta^2/896 - 5605\eta^3/2592`, :math:`b_6 = -856/105`,
    - :math:`a_7 = (-4415/4032 + 358675\eta/6048 + 91495\eta^2/1512)\pi`.

    Parameters
    ----------
    eta : float
        Symmetric mass ratio :math:`m_1 m_2 / (m_1 + m_2)^2` in (0, 1/4].
    pn_order : float, default 3.5
        One of :data:`PN_ORDERS`; terms beyond :math:`x^{2\,\mathrm{pn\_order}}` are dropped.

    Returns
    -------
    a, b : ndarray of shape (8,)

    Notes
    -----
    Energy and flux from L. Blanchet, "Gravitational radiation from post-Newtonian
    sources and inspiralling compact binaries", Living Rev. Relativ. 17, 2 (2014),
    Sec. 9 (circular orbits); TaylorT4 as defined by A. Buonanno, B. R. Iyer,
    E. Ochsner, Y. Pan and B. S. Sathyaprakash, Phys. Rev. D 80, 084043 (2009).
    """
    pi = np.pi
    a, b = np.zeros(8), np.zeros(8)
    a[0] = 1.0
    a[2] = -743.0 / 336.0 - 11.0 / 4.0 * eta
    a[3] = 4.0 * pi
    a[4] = 34103.0 / 18144.0 + 13661.0 / 2016.0 * eta + 59.0 / 18.0 * eta**2
    a[5] = -(4159.0 / 672.0 + 189.0 / 8.0 * eta) * pi
    a[6] = (16447322263.0 / 139708800.0 - 1712.0 / 105.0 * _EULER_GAMMA + 16.0 / 3.0 * pi**2
            - 856.0 / 105.0 * np.log(16.0) + (-56198689.0 / 217728.0 + 451.0 / 48.0 * pi**2) * eta
            + 541.0 / 896.0 * eta**2 - 5605.0 / 2592.0 * eta**3)
    b[6] = -856.0 / 105.0
    a[7] = (-4415.0 / 4032.0 + 358675.0 / 6048.0 * eta + 91495.0 / 1512.0 * eta**2) * pi
    k_max = int(round(2 * pn_order))
    a[k_max + 1:] = 0.0
    b[k_max + 1:] = 0.0
    return a, b


def _check_pn(pn_order):
    if float(check_scalar(pn_order, "pn_order", numbers.Real)) not in PN_ORDERS:
        raise ValueError(f"pn_order must be one of {PN_ORDERS}, got {pn_order!r}.")
    return float(pn_order)


def _check_masses(masses):
    try:
        m1, m2 = masses
    except (TypeError, ValueError):
        raise TypeError(f"masses must be a pair (m1, m2) of positive numbers (solar masses), got {masses!r}.") \
            from None
    return _positive(m1, "masses[0]"), _positive(m2, "masses[1]")


def _dxdt(x, M_s, eta, a, b):
    """TaylorT4 dx/dt at x (inputs assumed validated)."""
    sx = np.sqrt(x)
    series = 0.0
    for k in range(7, -1, -1):
        series = series * sx + (a[k] + b[k] * np.log(x))
    return 64.0 / 5.0 * eta / M_s * x**5 * series


def pn_inspiral(masses, f_low, f_high=None, pn_order=3.5):
    r"""Duration and number of GW cycles of a TaylorT4 inspiral from ``f_low`` to ``f_high`` (S43).

    .. math::

        T = \int_{x_\mathrm{low}}^{x_\mathrm{high}} \frac{dx}{\dot x}, \qquad
        N_\mathrm{cyc} = \frac{1}{\pi} \int_{x_\mathrm{low}}^{x_\mathrm{high}} \frac{x^{3/2}}{M}\frac{dx}{\dot x}

    (the GW phase grows at twice the orbital rate :math:`x^{3/2}/M`), with
    :math:`\dot x` of :func:`taylort4_coefficients`.

    Parameters
    ----------
    masses : (float, float)
        Component masses in solar masses.
    f_low : float
        Starting GW frequency in Hz.
    f_high : float or None
        End frequency; None: the ISCO frequency :math:`c^3 / (6^{3/2} \pi G M)`.
    pn_order : float, default 3.5

    Returns
    -------
    duration : float
        Seconds.
    n_cycles : float
    """
    from scipy.integrate import quad

    m1, m2 = _check_masses(masses)
    pn_order = _check_pn(pn_order)
    f_low = _positive(f_low, "f_low")
    M = m1 + m2
    eta = m1 * m2 / M**2
    M_s = T_SUN * M
    f_high = 1.0 / (6.0**1.5 * np.pi * M_s) if f_high is None else _positive(f_high, "f_high")
    if f_high <= f_low:
        raise ValueError(f"f_high={f_high:.4g} Hz must exceed f_low={f_low:.4g} Hz.")
    a, b = taylort4_coefficients(eta, pn_order)
    x_lo, x_hi = (np.pi * M_s * f_low) ** (2 / 3), (np.pi * M_s * f_high) ** (2 / 3)
    T = quad(lambda x: 1.0 / _dxdt(x, M_s, eta, a, b), x_lo, x_hi, epsabs=0, epsrel=1e-12, limit=200)[0]
    N = quad(lambda x: x**1.5 / M_s / _dxdt(x, M_s, eta, a, b), x_lo, x_hi, epsabs=0, epsrel=1e-12,
             limit=200)[0] / np.pi
    return T, N


def _pn_chirp(M, eta, t_merger, t, f_low, f_high, distance, inclination, phase, taper, pn_order):
    """TaylorT4 waveform for one binary (inputs assumed validated); the frequency reaches f_high at t_merger."""
    from scipy.integrate import solve_ivp

    M_s = T_SUN * M
    a, b = taylort4_coefficients(eta, pn_order)
    x_lo, x_hi = (np.pi * M_s * f_low) ** (2 / 3), (np.pi * M_s * f_high) ** (2 / 3)

    def rhs(_, y):
        return [_dxdt(y[0], M_s, eta, a, b), 2.0 * y[0] ** 1.5 / M_s]  # x and the GW phase 2 phi

    def reach(_, y):
        return y[0] - x_hi

    reach.terminal = True
    Mc = M * eta**0.6
    horizon = 10.0 * chirp_time(Mc, f_low) + 1.0
    sol = solve_ivp(rhs, (0.0, horizon), [x_lo, 0.0], method="DOP853", rtol=1e-11, atol=[1e-15, 1e-9],
                    events=reach, dense_output=True)
    if not sol.t_events[0].size:
        raise ValueError(f"the pn_order={pn_order} evolution does not reach f_high={f_high:.4g} Hz "
                         "(dx/dt vanishes first); lower f_high.")
    T = float(sol.t_events[0][0])
    Phi_end = float(sol.sol(T)[1])
    s = t - (t_merger - T)  # time since the waveform started at f_low
    on = (s >= 0) & (s <= T)
    x, Phi = np.ones(t.shape), np.zeros(t.shape)
    if on.any():
        x[on], Phi[on] = sol.sol(s[on])
    Phi = phase + Phi - Phi_end
    f = x**1.5 / (np.pi * M_s)
    A = np.where(on, 4.0 * R_SUN * Mc / (distance * MPC) * (np.pi * T_SUN * Mc * f) ** (2.0 / 3.0), 0.0)
    if taper > 0:
        s_on = np.clip((t - max(t[0], t_merger - T)) / taper, 0.0, 1.0)
        A = A * np.sin(0.5 * np.pi * s_on) ** 2
    cos_i = np.cos(inclination)
    return A * 0.5 * (1.0 + cos_i**2) * np.cos(Phi), A * cos_i * np.sin(Phi)


def _chirp(chirp_mass, t_merger, t, f_low, f_high, distance, inclination, phase, taper):
    r"""Vectorised waveform: ``chirp_mass``, ``t_merger``, ``f_high``, ``distance`` of shape (m, 1), ``t`` (N,).

    Inputs assumed validated. Returns h_plus, h_cross of shape (m, N).
    """
    T_c = T_SUN * chirp_mass                        # G Mc / c^3 [s]
    R_c = R_SUN * chirp_mass / (distance * MPC)     # G Mc / (c^2 r)
    tau = t_merger - t                              # time to coalescence
    on = (tau >= chirp_time(chirp_mass, f_high)) & (tau <= chirp_time(chirp_mass, f_low))
    tau_on = np.where(on, tau, 1.0)
    # Phi(tau) = Phi_c - 2 (tau / (5 T_c))^{5/8};  f = (1 / (8 pi T_c)) (5 T_c / tau)^{3/8}
    Phi = phase - 2.0 * (tau_on / (5.0 * T_c)) ** 0.625
    f = (5.0 * T_c / tau_on) ** 0.375 / (8.0 * np.pi * T_c)
    # A = 4 (G Mc / c^2 r) (pi G Mc f / c^3)^{2/3}
    A = np.where(on, 4.0 * R_c * (np.pi * T_c * f) ** (2.0 / 3.0), 0.0)
    if taper > 0:
        # smooth sin^2 turn-on over `taper` seconds from where the waveform starts in the segment
        t_start = np.maximum(t[0], t_merger - chirp_time(chirp_mass, f_low))
        s = np.clip((t - t_start) / taper, 0.0, 1.0)
        A = A * np.sin(0.5 * np.pi * s) ** 2
    cos_i = np.cos(inclination)
    h_plus = A * 0.5 * (1.0 + cos_i**2) * np.cos(Phi)
    h_cross = A * cos_i * np.sin(Phi)
    return h_plus, h_cross


def chirp_waveform(chirp_mass=None, f_low=20.0, fs=2048.0, duration=1.0, t_merger=None, distance=100.0, *,
                   inclination=0.0, phase=0.0, f_high=None, taper=0.05, masses=None, pn_order=0):
    r"""Leading-order post-Newtonian inspiral chirp :math:`h_+(t), h_\times(t)` (S43).

    With :math:`\tau = t_c - t` the time left to coalescence and
    :math:`T_c = G\mathcal M / c^3`,

    .. math::

        f(\tau) = \frac{1}{\pi} \left(\frac{5}{256\,\tau}\right)^{3/8} T_c^{-5/8}, \qquad
        \Phi(\tau) = \Phi_c - 2 \left(\frac{\tau}{5 T_c}\right)^{5/8},

        h_+ = A(\tau) \frac{1 + \cos^2\iota}{2} \cos\Phi, \qquad
        h_\times = A(\tau) \cos\iota \sin\Phi, \qquad
        A(\tau) = \frac{4}{r} \left(\frac{G\mathcal M}{c^2}\right)^{5/3}
                  \left(\frac{\pi f(\tau)}{c}\right)^{2/3}.

    The signal starts where :math:`f = f_\mathrm{low}` (or at the segment
    start) and stops at :math:`f_\mathrm{high}`, by default the innermost stable
    circular orbit of an equal-mass binary, where the leading-order
    description ends.

    With ``pn_order > 0`` the phase follows the TaylorT4 evolution of
    :func:`taylort4_coefficients` (integrated numerically, with both
    component masses), the amplitude stays the leading-order one (the
    "restricted" waveform), and ``t_merger`` is the time at which the frequency
    reaches ``f_high``, where the waveform stops.

    Parameters
    ----------
    chirp_mass : float or None
        :math:`\mathcal M = (m_1 m_2)^{3/5} / (m_1 + m_2)^{1/5}` in solar masses;
        None when ``masses`` are given.
    f_low : float, default=20
        Lowest GW frequency in Hz.
    fs : float, default=2048
        Sampling rate in Hz.
    duration : float, default=1
        Segment length in seconds; ``n = round(duration * fs)`` samples at ``t = k / fs``.
    t_merger : float or None
        Coalescence time :math:`t_c` in seconds from the segment start (may lie
        outside the segment); None puts it at ``0.9 * duration``.
    distance : float, default=100
        Luminosity distance :math:`r` in Mpc.
    inclination, phase : float, default=0
        Inclination :math:`\iota` of the orbit to the line of sight and
        coalescence phase :math:`\Phi_c`, in radians.
    f_high : float or None
        Frequency at which the waveform ends, at most ``fs / 2``; None gives
        :math:`f_\mathrm{ISCO} = c^3 / (6^{3/2} \pi G M)` with :math:`M = 2^{6/5} \mathcal M`,
        or the Nyquist frequency ``fs / 2`` if that is lower (a light binary sampled slowly).
    taper : float, default=0.05
        Length in seconds of the :math:`\sin^2` turn-on at the start of the
        signal, so that a template has no step (0 for none).
    masses : (float, float) or None
        Component masses :math:`(m_1, m_2)` in solar masses, instead of
        ``chirp_mass``. A chirp mass alone means equal masses at ``pn_order > 0``.
    pn_order : float, default=0
        Post-Newtonian order of the phasing, one of :data:`PN_ORDERS`; 0 is the
        closed form above (equal, to round-off, to a 0PN TaylorT4 waveform).

    Returns
    -------
    h_plus, h_cross : ndarray of shape (n,)
        The two polarisations (dimensionless strain).

    Notes
    -----
    Cost O(n). Reference: M. Maggiore, *Gravitational Waves, Vol. 1* (2008),
    Eqs. (4.19)-(4.31); C. Cutler and E. Flanagan, Phys. Rev. D 49, 2658 (1994).

    Examples
    --------
    >>> from physml.datasets.gravitational_waves import chirp_waveform
    >>> hp, hx = chirp_waveform(30.0, f_low=20.0, fs=2048.0, duration=1.0, t_merger=0.9)
    >>> hp.shape
    (2048,)
    """
    pn_order = _check_pn(pn_order)
    if (chirp_mass is None) == (masses is None):
        raise ValueError("give exactly one of chirp_mass and masses.")
    if masses is not None:
        m1, m2 = _check_masses(masses)
        M, eta = m1 + m2, m1 * m2 / (m1 + m2) ** 2
        chirp_mass = M * eta**0.6
    else:
        chirp_mass = _positive(chirp_mass, "chirp_mass")
        M, eta = 2.0**1.2 * chirp_mass, 0.25
    f_low = _positive(f_low, "f_low")
    fs = _positive(fs, "fs")
    duration = _positive(duration, "duration")
    distance = _positive(distance, "distance")
    taper = _positive(taper, "taper", allow_zero=True)
    n = _n_samples(fs, duration)
    check_sizes([(n,)] * 8, what=f"chirp_waveform(duration={duration}, fs={fs}) of {n} samples",
                hint="lower duration or fs")
    if t_merger is None:
        t_merger = 0.9 * duration
    t_merger = _real(t_merger, "t_merger")
    if f_low >= fs / 2:
        raise ValueError(f"f_low={f_low:.4g} Hz must lie below the Nyquist frequency fs / 2 = {fs / 2:.4g} Hz.")
    if f_high is None:
        f_isco = 1.0 / (6.0**1.5 * np.pi * T_SUN * M)
        f_high = min(f_isco, fs / 2)  # frequencies above fs / 2 would alias
    else:
        f_high = _positive(f_high, "f_high")
        if f_high > fs / 2:
            raise ValueError(f"f_high={f_high:.4g} Hz exceeds the Nyquist frequency fs / 2 = {fs / 2:.4g} Hz "
                             "(the samples would alias); raise fs or lower f_high.")
    if f_high <= f_low:
        raise ValueError(f"f_high must exceed f_low, got f_high={f_high:.4g} <= f_low={f_low:.4g} "
                         "(for a heavy binary the ISCO frequency can fall below f_low; lower f_low).")
    inclination, phase = _real(inclination, "inclination"), _real(phase, "phase")
    t = np.arange(n) / fs
    if pn_order > 0:
        return _pn_chirp(M, eta, float(t_merger), t, f_low, f_high, distance, float(inclination), float(phase),
                         taper, pn_order)
    Mc, tc, fh, r = (np.full((1, 1), float(v)) for v in (chirp_mass, t_merger, f_high, distance))
    hp, hx = _chirp(Mc, tc, t, f_low, fh, r, float(inclination), float(phase), taper)
    return hp[0], hx[0]


# ---------------------------------------------------------------------------
# Detector noise
# ---------------------------------------------------------------------------


def aligo_psd(f, *, f_cut=10.0):
    r"""Advanced LIGO design noise PSD (zero-detuned, high power), analytic fit (one-sided, 1/Hz).

    .. math::

        S_n(f) = 10^{-48} \left[ 0.0152\, x^{-4} + 0.2935\, x^{9/4} + 2.7951\, x^{3/2}
                 - 6.5080\, x^{3/4} + 17.7622 \right] \mathrm{Hz}^{-1}, \quad x = f / 245.4\,\mathrm{Hz},

    for :math:`f \ge f_\mathrm{cut}`; below the seismic wall :math:`S_n = \infty`.

    Parameters
    ----------
    f : float or array-like
        Frequencies in Hz.
    f_cut : float, default=10
        Low-frequency cut-off in Hz.

    Returns
    -------
    S : ndarray
        PSD in 1/Hz, ``np.inf`` below ``f_cut``.

    Notes
    -----
    The final design sensitivity of Advanced LIGO, the "zero-detuned, high
    power" curve of LIGO-T0900288-v3 (``ZERO_DET_high_P``). The fit is
    P. Ajith, "Addressing the spin question in gravitational-wave searches:
    waveform templates for inspiralling compact binaries with nonprecessing
    spins", Phys. Rev. D 84, 084037 (2011), arXiv:1107.1267, Sec. IV. Against the
    tabulated curve it stays within 4% from 20 to 1000 Hz (tested at tabulated
    points: 1.3% at 20 Hz, 1.0% at 100 Hz, 3.9% at the minimum near 245 Hz,
    1.2% at 1 kHz). The minimum, :math:`1.38\times10^{-47}/\mathrm{Hz}` near
    245 Hz, is an amplitude spectral density of :math:`3.7\times10^{-24}/\sqrt{\mathrm{Hz}}`.
    For the earlier baseline fit see :func:`aligo_early_psd`.
    """
    f = _frequencies(f)
    f_cut = _positive(f_cut, "f_cut")
    S = np.full(f.shape, np.inf)
    band = f >= f_cut
    x = f[band] / 245.4
    S[band] = 1e-48 * (0.0152 * x**-4 + 0.2935 * x**2.25 + 2.7951 * x**1.5 - 6.5080 * x**0.75 + 17.7622)
    return S if S.ndim else S[()]


def aligo_early_psd(f, *, f_cut=10.0):
    r"""Early Advanced LIGO baseline noise PSD fit (one-sided, 1/Hz): LAL's ``AdvLIGOPsd``.

    .. math::

        S_n(f) = S_0 \left[ x^{-4.14} - 5 x^{-2}
                 + 111 \frac{1 - x^2 + x^4/2}{1 + x^2/2} \right], \quad
        x = f / f_0, \; f_0 = 215\,\mathrm{Hz}, \; S_0 = 10^{-49}\,\mathrm{Hz}^{-1},

    for :math:`f \ge f_\mathrm{cut}`; below, :math:`S_n = \infty`.

    Parameters
    ----------
    f : float or array-like
        Frequencies in Hz.
    f_cut : float, default=10
        Low-frequency cut-off in Hz.

    Returns
    -------
    S : ndarray

    Notes
    -----
    The fit of the LIGO Algorithm Library (``XLALSimNoisePSDAdvLIGO`` /
    ``LALAdvLIGOPsd``), to an early Advanced LIGO noise model (data after
    K. Thorne); quoted in B. S. Sathyaprakash and B. F. Schutz, Living Rev.
    Relativ. 12, 2 (2009), Eq. (4.4) and Table 1. It is not the final design
    curve: its bucket, minimum :math:`3.2\times10^{-48}/\mathrm{Hz}` near 230 Hz,
    is deeper, and its amplitude spectral density is 0.5 to 2.7 times that of
    the zero-detuned high-power design curve (:func:`aligo_psd`) over 20-1000 Hz.
    """
    f = _frequencies(f)
    f_cut = _positive(f_cut, "f_cut")
    S = np.full(f.shape, np.inf)
    band = f >= f_cut
    x = f[band] / 215.0
    S[band] = 1e-49 * (x**-4.14 - 5.0 * x**-2 + 111.0 * (1.0 - x**2 + 0.5 * x**4) / (1.0 + 0.5 * x**2))
    return S if S.ndim else S[()]


def coloured_noise(n_samples, fs, psd=None, *, n_series=None, random_state=None):
    r"""Stationary Gaussian noise with one-sided power spectral density ``psd`` (S43).

    Each rfft coefficient is drawn independently with
    :math:`\langle |X_k|^2 \rangle = \tfrac12 N f_s S_n(f_k)` (real and imaginary
    parts of variance :math:`N f_s S_n / 4`), so that
    :math:`\langle |\tilde n(f)|^2 \rangle = \tfrac{T}{2} S_n(f)` with :math:`T = N / f_s`.
    Frequencies where ``S`` is infinite and the DC term are set to zero.

    Parameters
    ----------
    n_samples : int
        Samples per series :math:`N`.
    fs : float
        Sampling rate in Hz.
    psd : None, callable or array of shape (n_samples // 2 + 1,)
        One-sided PSD; None is :func:`aligo_psd`; a callable is evaluated at
        ``numpy.fft.rfftfreq(n_samples, 1 / fs)``.
    n_series : int or None
        Number of independent series; None returns one 1D series.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    noise : ndarray of shape (n_samples,) or (n_series, n_samples)
        Periodic with period :math:`N` (cut a window out of a longer series
        for non-periodic noise).
    """
    n_samples = int(check_scalar(n_samples, "n_samples", numbers.Integral, min_val=8))
    fs = _positive(fs, "fs")
    if n_series is not None:
        n_series = int(check_scalar(n_series, "n_series", numbers.Integral, min_val=1))
    check_sizes([(1 if n_series is None else n_series, n_samples // 2 + 1, 2)] * 2,
                what=f"coloured_noise(n_samples={n_samples}, n_series={n_series})", hint="lower n_samples or n_series")
    rng = check_random_state(random_state)
    f = np.fft.rfftfreq(n_samples, 1.0 / fs)
    S = _psd_values(psd, f)
    sigma = np.where(np.isfinite(S), np.sqrt(n_samples * fs * np.where(np.isfinite(S), S, 0.0) / 4.0), 0.0)
    sigma[0] = 0.0
    shape = (1 if n_series is None else int(n_series), len(f))
    X = sigma * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))
    if n_samples % 2 == 0:
        # the Nyquist term is real: all of its variance N fs S / 2 in the real part
        X[:, -1] = np.sqrt(2.0) * X[:, -1].real
    noise = fft.irfft(X, n=n_samples, axis=-1, workers=-1)
    return noise[0] if n_series is None else noise


# ---------------------------------------------------------------------------
# Data set
# ---------------------------------------------------------------------------


def _range(r, name):
    try:
        lo, hi = r
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {r!r}.") from None
    lo = _positive(lo, f"{name}[0]", allow_zero=True)
    hi = float(check_scalar(hi, f"{name}[1]", numbers.Real, min_val=lo))
    return lo, hi


def chirp_dataset(n=1000, snr_range=(8.0, 20.0), duration=1.0, fs=2048.0, random_state=None, *,
                  chirp_mass_range=(10.0, 30.0), merger_range=(0.6, 0.95), f_low=20.0, signal_fraction=0.5,
                  whitened=True, psd=None, return_X_y=False):
    r"""Labelled detector segments with and without an injected chirp (S43).

    Each segment is coloured Gaussian noise with PSD ``psd`` (Advanced LIGO by
    default); in a fraction ``signal_fraction`` of them a leading-order
    chirp (:func:`chirp_waveform`, random chirp mass, phase and inclination)
    is added, rescaled to a prescribed optimal SNR
    :math:`\rho_\mathrm{opt} = \sqrt{\langle h | h \rangle}` drawn uniformly in
    ``snr_range``, with its coalescence at a random time in the segment.

    Parameters
    ----------
    n : int, default=1000
        Number of segments.
    snr_range : (float, float), default=(8, 20)
        Range of the injected optimal SNR (uniform).
    duration, fs : float, default=1 s, 2048 Hz
        Segment length and sampling rate; ``n_t = round(duration * fs)``.
    random_state : None, int or numpy.random.Generator
    chirp_mass_range : (float, float), default=(10, 30)
        Range of the chirp mass in solar masses (uniform).
    merger_range : (float, float), default=(0.6, 0.95)
        Coalescence time as a fraction of ``duration`` (uniform).
    f_low : float, default=20
        Starting GW frequency of the chirps in Hz.
    signal_fraction : float, default=0.5
        Fraction of segments with a chirp (``round(signal_fraction * n)`` of them, shuffled).
    whitened : bool, default=True
        Return whitened segments (:func:`whiten` with the known PSD; unit
        noise variance, what a classifier should see); else the raw strain.
    psd : None, callable or array of shape (n_t // 2 + 1,)
        Noise PSD (None: :func:`aligo_psd`).
    return_X_y : bool, default=False
        Return the tuple ``(X, y)`` instead of the Bunch (as scikit-learn's loaders).

    Returns
    -------
    Bunch with
        X : ndarray of shape (n, n_t)
            The segments (float64).
        y : ndarray of shape (n,), int64
            1 where a chirp was injected, else 0.
        snr : ndarray of shape (n,)
            Injected optimal SNR (0 for noise only).
        t_merger : ndarray of shape (n,)
            Coalescence time in seconds from the segment start (NaN for noise only).
        chirp_mass : ndarray of shape (n,)
            In solar masses (NaN for noise only).
        signal : ndarray of shape (n, n_t)
            The injected strain alone, before whitening (zeros for noise only).
        times : ndarray of shape (n_t,)
            Sample times ``k / fs``.
        fs, f_low : float
        psd : ndarray of shape (n_t // 2 + 1,)
            The PSD on ``numpy.fft.rfftfreq(n_t, 1 / fs)``.

    Notes
    -----
    The noise of each segment is periodic (drawn in the frequency domain at the
    segment length), so that :math:`\rho_\mathrm{opt}` is exactly the SNR that
    :func:`matched_filter_snr` achieves on average. Cost O(n n_t log n_t).

    Examples
    --------
    >>> from physml.datasets import chirp_dataset
    >>> data = chirp_dataset(20, random_state=0)
    >>> data.X.shape, int(data.y.sum())
    ((20, 2048), 10)
    """
    n = int(check_scalar(n, "n", numbers.Integral, min_val=1))
    snr_lo, snr_hi = _range(snr_range, "snr_range")
    m_lo, m_hi = _range(chirp_mass_range, "chirp_mass_range")
    if m_lo <= 0:
        raise ValueError(f"chirp_mass_range must be positive, got {chirp_mass_range!r}.")
    t_lo, t_hi = _range(merger_range, "merger_range")
    duration = _positive(duration, "duration")
    fs = _positive(fs, "fs")
    f_low = _positive(f_low, "f_low")
    if f_low >= fs / 2:
        raise ValueError(f"f_low={f_low:.4g} Hz must lie below the Nyquist frequency fs / 2 = {fs / 2:.4g} Hz.")
    if _f_isco(m_hi) <= f_low:
        raise ValueError(f"chirp_mass_range upper end {m_hi} has its ISCO frequency {_f_isco(m_hi):.3g} Hz "
                         f"below f_low={f_low}; lower the masses or f_low.")
    signal_fraction = float(check_scalar(signal_fraction, "signal_fraction", numbers.Real, min_val=0.0, max_val=1.0))
    rng = check_random_state(random_state)
    n_t = _n_samples(fs, duration)
    # X, signal, the complex noise spectrum and the chirp work arrays (about three (n, n_t) each)
    check_sizes([(n, n_t)] * 7, what=f"chirp_dataset(n={n}, duration={duration}, fs={fs})",
                hint="lower n, duration or fs")
    f = np.fft.rfftfreq(n_t, 1.0 / fs)
    S = _psd_values(psd, f)

    n_sig = int(round(signal_fraction * n))
    y = rng.permutation(np.r_[np.ones(n_sig, np.int64), np.zeros(n - n_sig, np.int64)])
    sig = np.flatnonzero(y)
    X = coloured_noise(n_t, fs, S, n_series=n, random_state=rng)

    snr = np.zeros(n)
    t_merger = np.full(n, np.nan)
    chirp_mass = np.full(n, np.nan)
    signal = np.zeros((n, n_t))
    if n_sig:
        Mc = rng.uniform(m_lo, m_hi, n_sig)
        tc = rng.uniform(t_lo, t_hi, n_sig) * duration
        rho = rng.uniform(snr_lo, snr_hi, n_sig)
        phase = rng.uniform(0.0, 2.0 * np.pi, (n_sig, 1))
        cos_i = rng.uniform(-1.0, 1.0, (n_sig, 1))
        t = np.arange(n_t) / fs
        # one polarisation is enough for a single detector with its antenna pattern absorbed in the SNR
        f_high = np.minimum(_f_isco(Mc), fs / 2)  # no frequencies above Nyquist (aliasing)
        h, _ = _chirp(Mc[:, None], tc[:, None], t, f_low, f_high[:, None], np.ones((n_sig, 1)),
                      np.arccos(cos_i), phase, 0.05)
        rho_h = optimal_snr(h, fs, S)
        if np.any(rho_h == 0):
            raise ValueError(f"a chirp merging at {tc[np.argmin(rho_h)]:.3g} s has no power inside the segment "
                             f"of {duration} s (or where psd is finite); narrow merger_range={merger_range!r}.")
        h *= (rho / rho_h)[:, None]
        signal[sig] = h
        X[sig] += h
        snr[sig], t_merger[sig], chirp_mass[sig] = rho, tc, Mc
    if whitened:
        X = whiten(X, fs, S)
    if return_X_y:
        return X, y
    return Bunch(X=X, y=y, snr=snr, t_merger=t_merger, chirp_mass=chirp_mass, signal=signal,
                 times=np.arange(n_t) / fs, fs=fs, f_low=f_low, psd=S)
