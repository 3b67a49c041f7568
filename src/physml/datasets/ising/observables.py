r"""Observables of 2D Ising configurations (S26): energy, magnetisation, autocorrelation time.

Configurations are spins :math:`\pm 1` on an :math:`L \times L` periodic lattice,
given as rows of length :math:`L^2` (shape ``(n, L*L)``, as
:func:`~physml.datasets.ising_configurations` returns them), one ``(L, L)``
lattice, or a stack ``(n, L, L)``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ...base import check_scalar

__all__ = ["autocorrelation_time", "energy", "magnetisation"]


def _as_lattices(X, L, name="X"):
    """Spins as an (n, L, L) array (int8 for integer input) and whether one configuration came in.

    A square 2D array is one (L, L) lattice, unless ``L * L`` equals its row length (a batch
    of n = L*L configurations: pass ``L``); any other 2D array holds flattened lattices as rows.
    """
    X = np.asarray(X)
    if X.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold numbers (spins +-1), got dtype {X.dtype}.")
    X = X.astype(np.int8, copy=False) if X.dtype.kind in "iu" else X.astype(float, copy=False)
    if L is not None:
        check_scalar(L, "L", numbers.Integral, min_val=1)
    if X.ndim == 3:
        if X.shape[1] != X.shape[2] or (L is not None and X.shape[1] != L):
            raise ValueError(f"{name} of shape {X.shape}: expected (n, L, L).")
        return X, False
    if X.ndim == 1:
        X, single = X.reshape(1, -1), True
    elif X.ndim == 2:
        if X.shape[0] == X.shape[1] and (L is None or L == X.shape[0]):
            return X[None], True
        single = False
    else:
        raise ValueError(f"{name} must have shape (n, L*L), (L, L) or (n, L, L), got {X.shape}.")
    L = math.isqrt(X.shape[1]) if L is None else L
    if L * L != X.shape[1]:
        raise ValueError(f"{name} has {X.shape[1]} sites per configuration, which is not L*L for L={L}.")
    return X.reshape(-1, L, L), single


def energy(X, L=None):
    r"""Energy per spin :math:`E/N = -\frac{1}{N}\sum_i s_i\,(s_{i+\hat x} + s_{i+\hat y})` (periodic).

    Parameters
    ----------
    X : array_like of shape (n, L*L), (L, L) or (n, L, L)
        Spin configurations with values +-1.
    L : int, optional
        Linear size; inferred as sqrt of the row length when omitted. A square 2D ``X`` is
        read as one (L, L) lattice: pass ``L`` for a batch of exactly L*L configurations.

    Returns
    -------
    e : ndarray of shape (n,), or float for a single ``(L, L)`` or ``(L*L,)`` configuration
    """
    s, single = _as_lattices(X, L)
    bonds = s * (np.roll(s, -1, axis=1) + np.roll(s, -1, axis=2))
    e = -bonds.sum(axis=(1, 2), dtype=np.float64) / (s.shape[1] * s.shape[2])
    return float(e[0]) if single else e


def magnetisation(X, L=None):
    r"""Magnetisation per spin :math:`m = \frac{1}{N}\sum_i s_i` (signed; take ``abs`` for :math:`|m|`).

    Same shapes as :func:`energy`.
    """
    s, single = _as_lattices(X, L)
    m = s.mean(axis=(1, 2), dtype=np.float64)
    return float(m[0]) if single else m


def autocorrelation_time(series, c=5.0):
    r"""Integrated autocorrelation time with Sokal's automatic window.

    .. math:: \tau_{int} = \frac12 + \sum_{t=1}^{M} \rho(t), \qquad
              M = \min\{M : M \ge c\,\tau_{int}(M)\},

    with :math:`\rho(t)` the normalised autocorrelation function (averaged over
    chains when ``series`` is 2D). Uncorrelated samples give :math:`\tau_{int} = 1/2`;
    samples :math:`2\tau_{int}` apart are effectively independent
    (variance of the mean :math:`= 2\tau_{int}\sigma^2/n`). A constant series (nothing
    fluctuates) gives 1/2.

    Parameters
    ----------
    series : array_like of shape (n,) or (n_chains, n), n >= 4
    c : float, window constant (5-10 usual)

    Returns
    -------
    tau : float, in units of the series' time step

    Notes
    -----
    The autocovariance is computed by FFT (zero-padded to :math:`2n`), :math:`O(n \log n)`
    per chain. Reference: A. D. Sokal, "Monte Carlo methods in statistical mechanics" (1996).
    """
    x = np.asarray(series, dtype=float)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 4:
        raise ValueError(f"series must have shape (n,) or (n_chains, n) with n >= 4 and n_chains >= 1, "
                         f"got {np.shape(series)}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("series contains NaN or inf.")
    check_scalar(c, "c", numbers.Real, min_val=1.0)
    return _autocorrelation_time(x, float(c))


def _autocorrelation_time(x, c):
    """:func:`autocorrelation_time` of a checked float (n_chains, n) array."""
    n = x.shape[1]
    x = x - x.mean(axis=1, keepdims=True)
    # autocovariance by FFT, zero-padded against wrap-around
    f = np.fft.rfft(x, n=2 * n, axis=1)
    acov = np.fft.irfft(f * np.conj(f), axis=1)[:, :n].mean(axis=0)
    if acov[0] <= 1e-14 * max(1.0, float(np.abs(x).max()) ** 2):
        return 0.5
    rho = acov / acov[0]
    tau = 0.5 + np.cumsum(rho[1:])
    M = np.arange(1, n)
    ok = M >= c * tau
    return float(tau[np.argmax(ok)] if ok.any() else tau[-1])
