r"""Signal-processing tools of a gravitational-wave search, for any strain (S43).

* :func:`whiten` - divide the spectrum by the amplitude spectral density, with
  reflected, tapered padding and inverse-spectrum truncation so that the
  segment edges carry no artefacts, even on short segments;
* :func:`matched_filter` - the complex output of the optimal (Wiener) filter
  normalised by the template's noise norm (its real and imaginary parts are the
  two quadratures), :func:`snr_series` its modulus, the SNR time series;
* :func:`optimal_snr` - :math:`\sqrt{\langle h | h \rangle}`, the SNR a
  matched filter achieves on average for a signal in noise of PSD ``psd``.

The noise models and waveforms that produce strain live in
:mod:`physml.datasets.gravitational_waves`; these functions only need the
strain, the sampling rate and a one-sided PSD.

Conventions. Times in seconds, frequencies in Hz. ``psd`` is a one-sided power
spectral density :math:`S_n(f)` in 1/Hz, given as a callable ``psd(f)`` or as an
array sampled on ``numpy.fft.rfftfreq(n, 1 / fs)``; ``np.inf`` marks frequencies
outside the band. The discrete Fourier transform approximates
:math:`\tilde x(f_k) \approx \Delta t \, \mathrm{rfft}(x)_k`, and the
noise-weighted inner product is :math:`\langle a | b \rangle = 4 \,\mathrm{Re}
\int_0^\infty \tilde a(f) \tilde b^*(f) / S_n(f) \, df`.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import fft

from .base import check_array, check_scalar

__all__ = ["whiten", "matched_filter", "snr_series", "optimal_snr"]


def _strain(x, name="strain"):
    """Validated strain: float64, one series (n,) or one per row (m, n), at least 8 samples."""
    arr = check_array(x, name=name, dtype=np.float64, ensure_2d=False)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1D (one series) or 2D (one series per row), got shape {arr.shape}.")
    if arr.shape[-1] < 8:
        raise ValueError(f"{name} must have at least 8 samples along its last axis, got {arr.shape[-1]}.")
    return arr


def _rate(fs):
    check_scalar(fs, "fs", numbers.Real, min_val=0, include_boundaries="neither")
    return float(fs)


def _psd_on(psd, f, name="psd"):
    """One-sided PSD on the frequencies ``f`` from a callable or an array sampled on ``f``."""
    if callable(psd):
        S = np.asarray(psd(f), dtype=np.float64)
        if S.shape != f.shape:
            raise ValueError(f"{name}(f) must return an array of the shape of f {f.shape}, got {S.shape}.")
    else:
        if psd is None:
            raise TypeError(f"{name} must be a callable psd(f) or an array of PSD values, got None.")
        S = np.asarray(psd, dtype=np.float64)
        if S.shape != f.shape:
            raise ValueError(
                f"{name} given as an array must hold one value per rfft frequency, i.e. shape {f.shape} "
                f"(n_samples // 2 + 1), got {S.shape}; or pass a callable psd(f)."
            )
    if np.isnan(S).any() or np.any(S <= 0):
        raise ValueError(f"{name} must be positive (np.inf marks an excluded band), got NaN or a value <= 0.")
    return S


def _edge_weights(n):
    """Weights of the rfft bins in a one-sided sum: 1/2 for DC and (n even) Nyquist, which appear once."""
    w = np.ones(n // 2 + 1)
    w[0] = 0.5
    if n % 2 == 0:
        w[-1] = 0.5
    return w


def _inverse_asd(S):
    """1 / sqrt(S), zero where S is infinite (frequencies outside the detector band)."""
    out = np.zeros_like(S)
    finite = np.isfinite(S)
    out[finite] = 1.0 / np.sqrt(S[finite])
    return out


# ---------------------------------------------------------------------------
# Whitening
# ---------------------------------------------------------------------------


def _interp_rows(x_new, x, Y):
    """Linear interpolation of each row of Y (on the increasing grid x) at x_new."""
    j = np.clip(np.searchsorted(x, x_new) - 1, 0, len(x) - 2)
    w = np.clip((x_new - x[j]) / (x[j + 1] - x[j]), 0.0, 1.0)
    return Y[..., j] * (1.0 - w) + Y[..., j + 1] * w


def _welch_psd(x, fs):
    from scipy.signal import welch

    n = x.shape[-1]
    nperseg = max(16, 2 ** int(np.floor(np.log2(n / 4))))
    return welch(x, fs=fs, nperseg=min(nperseg, n), axis=-1)


def whiten(strain, fs, psd=None, *, taper=0.25):
    r"""Whiten strain: divide its spectrum by the amplitude spectral density (S43).

    .. math::

        \tilde x_w(f) = \frac{\tilde x(f)}{\sqrt{S_n(f) \, f_s / 2}},

    normalised so that noise with PSD :math:`S_n` becomes white noise of unit
    variance.

    A plain FFT treats the segment as periodic: the jump between its last and
    first sample, spread by the whitening filter, leaves a burst of excess
    power at both edges. Here the segment is extended on both sides by
    ``taper`` seconds of its mirror image (continuous at the edges, with the
    same spectrum), the extension is brought to zero by a Hann taper, and the
    whitening filter is truncated in time to the same half-length
    (inverse-spectrum truncation) so that no wrap-around reaches the data.
    The extension is cut off again at the end.

    Parameters
    ----------
    strain : array-like of shape (n,) or (m, n)
        One series, or one per row.
    fs : float
        Sampling rate in Hz.
    psd : None, callable or array of shape (n // 2 + 1,)
        One-sided noise PSD :math:`S_n(f)`. None estimates it from each series
        with Welch's method (segments of a quarter of the series); a callable
        is evaluated on the frequencies it needs (e.g.
        :func:`physml.datasets.gravitational_waves.aligo_psd`); an
        array is sampled on ``numpy.fft.rfftfreq(n, 1 / fs)``. Infinite values
        mark frequencies that are removed.
    taper : float, default=0.25
        Padding on each side and half-length of the whitening filter, in
        seconds (at most ``n - 1`` samples). 0 gives the naive periodic FFT
        whitening, with its edge artefacts.

    Returns
    -------
    whitened : ndarray of the shape of ``strain``
        Dimensionless; unit variance where the data are noise with PSD ``psd``.

    Notes
    -----
    Cost :math:`O((n + 2p) \log(n + 2p))` per series for padding :math:`p`.
    Reference: B. Allen et al., FINDCHIRP, Phys. Rev. D 85, 122006 (2012), Sec. IV.C
    (inverse spectrum truncation).
    """
    x = _strain(strain)
    fs = _rate(fs)
    check_scalar(taper, "taper", numbers.Real, min_val=0)
    taper = float(taper)
    n = x.shape[-1]
    p = min(int(round(taper * fs)), n - 1)
    M = n + 2 * p
    f_n = np.fft.rfftfreq(n, 1.0 / fs)
    f_M = np.fft.rfftfreq(M, 1.0 / fs)

    if psd is None:
        f_w, S_w = _welch_psd(x, fs)
        inv_asd = _interp_rows(f_M, f_w, _inverse_asd(np.maximum(S_w, np.finfo(float).tiny)))
    elif callable(psd):
        inv_asd = _inverse_asd(_psd_on(psd, f_M))
    else:
        inv_asd = _interp_rows(f_M, f_n, _inverse_asd(_psd_on(psd, f_n)))
    W = inv_asd / np.sqrt(fs / 2.0)
    if p > 0:
        # inverse-spectrum truncation: keep the impulse response within |lag| < p, Hann-shaped
        w_t = fft.irfft(W, n=M, axis=-1)
        lag = np.minimum(np.arange(M), M - np.arange(M))
        w_t = w_t * np.where(lag < p, np.cos(0.5 * np.pi * lag / p) ** 2, 0.0)
        W = fft.rfft(w_t, axis=-1)
        pad = [(0, 0)] * (x.ndim - 1) + [(p, p)]
        x = np.pad(x, pad, mode="reflect")
        ramp = np.sin(0.5 * np.pi * (np.arange(p) + 0.5) / p) ** 2
        x[..., :p] *= ramp
        x[..., -p:] *= ramp[::-1]
    y = fft.irfft(fft.rfft(x, axis=-1, workers=-1) * W, n=M, axis=-1, workers=-1)
    return np.ascontiguousarray(y[..., p:p + n])


# ---------------------------------------------------------------------------
# Matched filter
# ---------------------------------------------------------------------------


def optimal_snr(template, fs, psd):
    r"""Optimal signal-to-noise ratio of a signal in noise of PSD ``psd`` (S43).

    .. math::

        \rho_\mathrm{opt}^2 = \langle h | h \rangle = 4 \int_0^\infty \frac{|\tilde h(f)|^2}{S_n(f)} \, df
        \approx \frac{4}{N f_s} \sum_k w_k \frac{|H_k|^2}{S_n(f_k)},
        \quad H = \mathrm{rfft}(h),

    with :math:`w_k = 1/2` for the DC and Nyquist bins (which have no negative
    partner) and 1 otherwise, so that for white noise of variance
    :math:`\sigma^2` per sample (:math:`S_n = 2\sigma^2/f_s`) Parseval gives
    exactly :math:`\rho_\mathrm{opt}^2 = \sum_j h_j^2 / \sigma^2`.

    Parameters
    ----------
    template : array-like of shape (n,) or (m, n)
        The signal :math:`h(t)` (one per row).
    fs : float
        Sampling rate in Hz.
    psd : callable or array of shape (n // 2 + 1,)
        One-sided PSD.

    Returns
    -------
    rho : float or ndarray of shape (m,)
    """
    h = _strain(template, "template")
    fs = _rate(fs)
    n = h.shape[-1]
    S = _psd_on(psd, np.fft.rfftfreq(n, 1.0 / fs))
    H = fft.rfft(h, axis=-1, workers=-1)
    rho2 = 4.0 / (n * fs) * np.sum(_edge_weights(n) * np.abs(H) ** 2 * _inverse_asd(S) ** 2, axis=-1)
    return np.sqrt(rho2)


def matched_filter(data, template, fs, psd):
    r"""Complex output of the optimal (Wiener) matched filter, in units of the noise (S43).

    For a template delayed by :math:`t` (circularly) the complex filter output
    and SNR are

    .. math::

        z(t) = 4 \int_0^\infty \frac{\tilde d(f) \tilde h^*(f)}{S_n(f)} e^{2\pi i f t} \, df, \qquad
        \rho(t) = \frac{|z(t)|}{\sigma}, \quad \sigma^2 = \langle h | h \rangle.

    Taking the modulus maximises over the coalescence phase (the real and
    imaginary parts are the two quadratures). In Gaussian noise
    :math:`\rho^2` is :math:`\chi^2` with 2 degrees of freedom
    (:math:`\langle\rho^2\rangle = 2`); for a signal matching the template
    the peak is :math:`\approx \rho_\mathrm{opt}`.

    Parameters
    ----------
    data : array-like of shape (n,) or (m, n)
        Strain :math:`d(t)`, one series per row.
    template : array-like of shape (n,)
        Template :math:`h(t)` on the same time grid (unit amplitude does not matter).
    fs : float
        Sampling rate in Hz.
    psd : callable or array of shape (n // 2 + 1,)
        One-sided PSD.

    Returns
    -------
    z_over_sigma : complex ndarray of the shape of ``data``
        :math:`z(t_k) / \sigma` for the template delayed by ``k / fs`` seconds
        (modulo the segment length); its modulus is :func:`snr_series`. In
        Gaussian noise the real and imaginary parts are independent standard
        normal variables.

    Notes
    -----
    One rfft of the data and an inverse complex FFT: :math:`O(n \log n)`.
    Reference: B. Allen et al., FINDCHIRP, Phys. Rev. D 85, 122006 (2012).
    """
    d = _strain(data, "data")
    h = _strain(template, "template")
    if h.ndim != 1 or h.shape[-1] != d.shape[-1]:
        raise ValueError(f"template must be 1D with as many samples as data ({d.shape[-1]}), got shape {h.shape}.")
    fs = _rate(fs)
    n = d.shape[-1]
    S = _psd_on(psd, np.fft.rfftfreq(n, 1.0 / fs))
    inv_S = _edge_weights(n) * _inverse_asd(S) ** 2
    H = fft.rfft(h)
    sigma = np.sqrt(4.0 / (n * fs) * np.sum(np.abs(H) ** 2 * inv_S))
    if sigma == 0:
        raise ValueError("template has no power in the band where psd is finite.")
    Q = np.zeros(d.shape[:-1] + (n,), dtype=np.complex128)
    Q[..., : len(S)] = fft.rfft(d, axis=-1, workers=-1) * (np.conj(H) * inv_S)
    # sum_k Q_k e^{2 pi i k j / n} = n * ifft(Q), and 4 / (n fs) * n = 4 / fs
    z = fft.ifft(Q, axis=-1, overwrite_x=True, workers=-1)
    z *= 4.0 / (fs * sigma)
    return z


def snr_series(data, template, fs, psd):
    r"""SNR time series :math:`\rho(t) = |z(t)| / \sigma` of the matched filter (S43).

    The modulus of :func:`matched_filter` (maximised over the coalescence
    phase). In Gaussian noise :math:`\rho^2` is :math:`\chi^2` with 2 degrees of
    freedom (:math:`\langle\rho^2\rangle = 2`); for a signal matching the
    template the peak is :math:`\approx \rho_\mathrm{opt}` (:func:`optimal_snr`).

    Parameters
    ----------
    data, template, fs, psd
        As for :func:`matched_filter`.

    Returns
    -------
    rho : ndarray of the shape of ``data``
        ``rho[..., k]`` is the SNR of the template delayed by ``k / fs``
        seconds (modulo the segment length): a signal like the template but
        merging ``k / fs`` later peaks at index ``k``.
    """
    return np.abs(matched_filter(data, template, fs, psd))
