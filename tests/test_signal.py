"""Whitening and the matched filter (physml.signal): white unit-variance output, no edge artefacts, chi^2 SNR (S43)."""

import numpy as np
import pytest
from scipy.signal import welch

from physml.datasets.gravitational_waves import aligo_early_psd, aligo_psd, chirp_waveform, coloured_noise
from physml.signal import matched_filter, optimal_snr, snr_series, whiten

FS = 2048.0


def _noise_segments(n_segments, n, seed, psd=aligo_psd):
    """Non-periodic coloured noise: windows cut from the middle of longer series."""
    long = coloured_noise(4 * n, FS, psd, n_series=n_segments, random_state=seed)
    return long[:, n: 2 * n]


def test_whitened_noise_is_white_with_unit_variance():
    x = _noise_segments(300, 2048, seed=2)
    w = whiten(x, FS, aligo_psd)
    f, P = welch(w, fs=FS, nperseg=256)
    band = (f >= 32) & (f <= 1000)
    flat = P.mean(axis=0)[band] / (2 / FS)  # one-sided PSD of unit-variance white noise
    assert np.max(np.abs(flat - 1)) < 0.10
    assert w.std() == pytest.approx(1.0, abs=0.03)
    # the same with the PSD given as an array on the rfft grid, and estimated from the data
    w_arr = whiten(x, FS, aligo_psd(np.fft.rfftfreq(2048, 1 / FS)))
    np.testing.assert_allclose(w_arr[:, 100:-100].std(), w[:, 100:-100].std(), rtol=0.01)
    f, P = welch(whiten(x, FS), fs=FS, nperseg=256)
    flat_est = P.mean(axis=0)[band] / P.mean(axis=0)[band].mean()
    assert np.max(np.abs(flat_est - 1)) < 0.15


@pytest.mark.parametrize("psd", [aligo_psd, aligo_early_psd])
def test_whitening_has_no_edge_artefacts_where_naive_fft_whitening_does(psd):
    # the naive artefact grows with the PSD's dynamic range: clearest for the steep early fit
    n = 2048  # 1 s at 2048 Hz
    x = _noise_segments(200, n, seed=4, psd=psd)
    edge = int(0.05 * n)

    def edge_ratios(w, k):
        mid = w[:, n // 4: 3 * n // 4].std()
        return w[:, :k].std() / mid, w[:, -k:].std() / mid

    good = whiten(x, FS, psd)
    for r in edge_ratios(good, edge):
        assert abs(r - 1) < 0.10
    for r in edge_ratios(good, 20):  # even the first and last 10 ms
        assert abs(r - 1) < 0.15
    if psd is aligo_early_psd:
        naive = whiten(x, FS, psd, taper=0.0)
        assert min(edge_ratios(naive, edge)) > 1.10
        assert min(edge_ratios(naive, 20)) > 1.4


def test_whiten_keeps_shape_and_rejects_bad_input():
    x = coloured_noise(1024, FS, random_state=0)
    assert whiten(x, FS, aligo_psd).shape == (1024,)
    with pytest.raises(ValueError, match="strain"):
        whiten(np.zeros((2, 3, 16)), FS)
    with pytest.raises(ValueError, match="strain"):
        whiten(np.r_[x[:-1], np.nan], FS)
    with pytest.raises(ValueError, match="psd"):
        whiten(x, FS, np.ones(10))
    with pytest.raises(ValueError, match="taper"):
        whiten(x, FS, taper=-1.0)
    with pytest.raises(ValueError, match="fs"):
        whiten(x, 0.0)
    with pytest.raises(TypeError, match="psd"):
        optimal_snr(x, FS, None)


def test_optimal_snr_is_norm_over_sigma_for_white_noise():
    hp, _ = chirp_waveform(20.0, distance=1.0)
    sigma = 2.5e-21
    S0 = 2 * sigma**2 / FS
    rho = optimal_snr(hp, FS, lambda f: np.full_like(f, S0))
    assert rho == pytest.approx(np.sqrt(np.sum(hp**2)) / sigma, rel=1e-12)
    odd = hp[:-1]
    assert optimal_snr(odd, FS, lambda f: np.full_like(f, S0)) == pytest.approx(
        np.sqrt(np.sum(odd**2)) / sigma, rel=1e-12)


def test_matched_filter_noise_only_gives_chi2_with_two_dof():
    x = coloured_noise(2048, FS, n_series=100, random_state=5)
    hp, _ = chirp_waveform(20.0)
    rho = snr_series(x, hp, FS, aligo_psd)
    assert (rho**2).mean() == pytest.approx(2.0, rel=0.03)


@pytest.mark.parametrize("n", [2048, 3001])
def test_whitening_scales_a_sinusoid_by_the_inverse_asd(n):
    # a line at f0: whitening multiplies it by 1 / sqrt(S(f0) fs / 2) (the unit-variance normalisation)
    f0, A = 150.0, 1e-21
    t = np.arange(n) / FS
    w = whiten(A * np.sin(2 * np.pi * f0 * t), FS, aligo_psd)
    expected = A / np.sqrt(aligo_psd(f0) * FS / 2)
    middle = w[n // 4: 3 * n // 4]
    np.testing.assert_allclose(np.sqrt(2) * middle.std(), expected, rtol=0.02)
    # and the whole segment, edges included, stays within the same envelope
    assert np.abs(w).max() < 1.1 * expected


def test_matched_filter_quadratures_are_standard_normal_and_snr_is_their_modulus():
    x = coloured_noise(2048, FS, n_series=100, random_state=6)
    hp, _ = chirp_waveform(20.0)
    z = matched_filter(x, hp, FS, aligo_psd)
    assert np.iscomplexobj(z)
    assert z.real.var() == pytest.approx(1.0, rel=0.05) and z.imag.var() == pytest.approx(1.0, rel=0.05)
    np.testing.assert_array_equal(np.abs(z), snr_series(x, hp, FS, aligo_psd))


@pytest.mark.parametrize("duration", [0.125, 0.25])
def test_short_segments_whiten_without_edge_artefacts(duration):
    # 1/8 s and 1/4 s: the default taper (0.25 s) is capped at the segment length, the edges stay clean
    n = int(duration * FS)
    x = _noise_segments(400, n, seed=8, psd=aligo_early_psd)
    w = whiten(x, FS, aligo_early_psd)
    k = max(8, n // 16)
    mid = w[:, n // 4: 3 * n // 4].std()
    for edge in (w[:, :k], w[:, -k:]):
        assert abs(edge.std() / mid - 1) < 0.15
    naive = whiten(x, FS, aligo_early_psd, taper=0.0)
    assert naive[:, :k].std() / naive[:, n // 4: 3 * n // 4].std() > 1.2
