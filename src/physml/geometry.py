r"""The curse of dimensionality (S24): in high dimension, data live near the edges.

The ball inscribed in the cube :math:`[-1, 1]^D` has volume
:math:`\pi^{D/2}/\Gamma(D/2+1)` and the cube :math:`2^D`, so the fraction of
the cube inside the ball is

.. math::

    f(D) = \frac{\pi^{D/2}}{2^D\,\Gamma(D/2 + 1)},

:math:`\pi/4` in 2-D, :math:`\pi/6` in 3-D, and it falls faster than
exponentially (:math:`f(20) \approx 2.5\times10^{-8}`): a uniform sample of the
cube puts almost every point in the corners. :func:`inscribed_ball_fraction`
evaluates it through :math:`\log f = \tfrac D2\log\pi - D\log 2 - \log\Gamma(\tfrac D2 + 1)`
(``scipy.special.gammaln``): no overflow of :math:`\pi^{D/2}` or
:math:`\Gamma` (the direct ratio fails beyond D ~ 340), the fraction positive
while it is representable (D <= 339, where it is 1e-323) and 0 beyond; the
logarithm itself, :func:`log_inscribed_ball_fraction`, is finite for any D
(:math:`\log f(1000) = -2732.1`). :func:`inscribed_ball_fraction_mc` is the
Monte-Carlo check.

The same effect flattens distances: for n uniform points the ratio of the
largest to the smallest pairwise distance tends to 1 as D grows
(:func:`distance_concentration`), so "nearest" neighbours are hardly nearer
than the farthest ones (Beyer et al., ICDT 1999).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy.special import gammaln

from .base import check_random_state, check_scalar, check_sizes

__all__ = [
    "distance_concentration",
    "inscribed_ball_fraction",
    "inscribed_ball_fraction_mc",
    "log_inscribed_ball_fraction",
]


def _check_dims(D):
    D = np.asarray(D)
    if D.dtype.kind not in "iuf" or np.any(~np.isfinite(D)) or np.any(D < 1) or np.any(D != np.floor(D)):
        raise ValueError(f"D must hold whole numbers >= 1, got {D!r}.")
    return D.astype(np.float64)


def log_inscribed_ball_fraction(D):
    r""":math:`\log f(D) = \tfrac D2\log\pi - D\log 2 - \log\Gamma(\tfrac D2+1)` (S24).

    Parameters
    ----------
    D : int or array_like of int >= 1
        Dimension(s).

    Returns
    -------
    float or ndarray
        Natural logarithm of the fraction, finite for every D.
    """
    Df = _check_dims(D)
    out = 0.5 * Df * math.log(math.pi) - Df * math.log(2.0) - gammaln(0.5 * Df + 1.0)
    return float(out) if np.ndim(out) == 0 else out


def inscribed_ball_fraction(D):
    r"""Fraction of the cube :math:`[-1,1]^D` inside its inscribed unit ball,
    :math:`\pi^{D/2}/(2^D\Gamma(D/2+1))` (S24).

    Computed as ``exp(log_inscribed_ball_fraction(D))``, never as the ratio of
    :math:`\pi^{D/2}` and :math:`\Gamma(D/2+1)`, which overflow beyond D ~ 340.

    Parameters
    ----------
    D : int or array_like of int >= 1

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> round(inscribed_ball_fraction(2), 6), round(inscribed_ball_fraction(3), 6)
    (0.785398, 0.523599)
    """
    out = np.exp(log_inscribed_ball_fraction(D))
    return float(out) if np.ndim(out) == 0 else out


def inscribed_ball_fraction_mc(D, n_samples=100_000, random_state=None):
    r"""Monte-Carlo estimate of :func:`inscribed_ball_fraction`: the share of uniform points of
    :math:`[-1,1]^D` with :math:`\lVert x\rVert \le 1`.

    Parameters
    ----------
    D : int >= 1
    n_samples : int >= 1
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    fraction : float
    standard_error : float
        Binomial :math:`\sqrt{f(1-f)/n}` of the estimate (0 when no or every point falls inside).
    """
    check_scalar(D, "D", numbers.Integral, min_val=1)
    check_scalar(n_samples, "n_samples", numbers.Integral, min_val=1)
    rng = check_random_state(random_state)
    block = max(1, 2**22 // D)  # 32 MiB of float64 at a time
    inside = 0
    for start in range(0, n_samples, block):
        m = min(block, n_samples - start)
        x = rng.uniform(-1.0, 1.0, size=(m, D))
        inside += int(np.count_nonzero(np.einsum("ij,ij->i", x, x) <= 1.0))
    f = inside / n_samples
    return f, math.sqrt(f * (1.0 - f) / n_samples)


def distance_concentration(D, n_points=200, random_state=None):
    r"""Ratio of the largest to the smallest pairwise distance of ``n_points`` uniform points in
    :math:`[0,1]^D` (S24); it tends to 1 as D grows.

    Parameters
    ----------
    D : int >= 1
    n_points : int >= 2
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    ratio : float
        :math:`\max_{i<j} \lVert x_i - x_j\rVert / \min_{i<j} \lVert x_i - x_j\rVert`.
    """
    check_scalar(D, "D", numbers.Integral, min_val=1)
    check_scalar(n_points, "n_points", numbers.Integral, min_val=2)
    check_sizes([(n_points, D), (n_points, n_points)], what=f"distance_concentration(D={D}, n_points={n_points})")
    rng = check_random_state(random_state)
    x = rng.random((n_points, D))
    sq = np.einsum("ij,ij->i", x, x)
    # |x_i - x_j|^2 = |x_i|^2 - 2 x_i.x_j + |x_j|^2
    d2 = np.maximum(sq[:, None] - 2.0 * (x @ x.T) + sq[None, :], 0.0)
    d2 = d2[np.triu_indices(n_points, k=1)]
    return float(math.sqrt(d2.max() / d2.min()))
