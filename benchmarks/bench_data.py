"""Data generators and loaders (S1, S22, S43): physml against scikit-learn and SciPy on the same work.

* load_digits: the bundled uint8 .npz against scikit-learn's gzipped CSV; quality: the
  sum of all pixels (identical data give identical sums).
* make_blobs: 10^6 points in 3 unequal-variance clusters; quality: the mean within-cluster std.
* matched filter: SNR time series of 1,000 one-second segments against one template,
  physml (numpy.fft) against the same formula written with scipy.fft (workers=-1);
  quality: the mean peak SNR.
"""

import numpy as np

from physml.datasets import chirp_dataset, load_digits, make_blobs
from physml.datasets.gravitational_waves import chirp_waveform, matched_filter_snr


def _within_std(result):
    X, y = result
    return float(np.mean([X[y == k].std(axis=0).mean() for k in np.unique(y)]))


def _scipy_matched_filter(d, h, fs, S):
    """The FINDCHIRP SNR series with scipy.fft (the peer of physml's numpy.fft version)."""
    from scipy import fft

    n = d.shape[-1]
    w = np.ones(n // 2 + 1)
    w[0] = w[-1] = 0.5
    inv_S = np.where(np.isfinite(S), w / np.where(np.isfinite(S), S, 1.0), 0.0)
    H = fft.rfft(h)
    sigma = np.sqrt(4.0 / (n * fs) * np.sum(np.abs(H) ** 2 * inv_S))
    Q = np.zeros(d.shape[:-1] + (n,), dtype=np.complex128)
    Q[..., : len(S)] = fft.rfft(d, axis=-1, workers=-1) * np.conj(H) * inv_S
    z = 4.0 / fs * fft.ifft(Q, axis=-1, workers=-1)
    return np.abs(z) / sigma


def run(bench):
    from sklearn import datasets as skd

    bench.compare("load_digits (bundled, no download)", sizes="1797 x 64",
                  physml=lambda: load_digits(return_X_y=True), peer=lambda: skd.load_digits(return_X_y=True),
                  peer_name="scikit-learn", quality=lambda r: float(r[0].sum()), quality_name="pixel sum",
                  goal="ratio <= 1.0")

    n = 100_000 if bench.quick else 1_000_000
    centers = [[-4.0, 0.0], [3.0, 0.0], [0.0, 5.0]]
    std = [0.5, 2.5, 1.0]
    bench.compare("make_blobs unequal variances (S22)", sizes=f"n={n:.0e} p=2 K=3",
                  physml=lambda: make_blobs(n, centers=centers, cluster_std=std, random_state=0, return_X_y=True),
                  peer=lambda: skd.make_blobs(n, centers=centers, cluster_std=std, random_state=0),
                  peer_name="scikit-learn", quality=_within_std, quality_name="mean std", goal="ratio <= 1.0")

    m = 100 if bench.quick else 1000
    data = chirp_dataset(m, snr_range=(10.0, 10.0), signal_fraction=1.0, whitened=False, random_state=0)
    template, _ = chirp_waveform(20.0, fs=data.fs, duration=1.0, t_merger=0.8)
    bench.compare("matched-filter SNR series (S43)", sizes=f"{m} x 2048 samples",
                  physml=lambda: matched_filter_snr(data.X, template, data.fs, data.psd),
                  peer=lambda: _scipy_matched_filter(data.X, template, data.fs, data.psd),
                  peer_name="SciPy (scipy.fft)", quality=lambda r: float(r.max(axis=1).mean()),
                  quality_name="mean peak", goal="ratio <= 1.0")
