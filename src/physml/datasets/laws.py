r"""Data from a known law with noise (S1): the two laws of the regression slides.

The slides generate measurements from a known physical law and add
uncorrelated Gaussian noise,

.. math::

    y_i = f(x_i) + \eta_i, \qquad \langle \eta_i \rangle = 0, \qquad
    \langle \eta_i \eta_j \rangle = \sigma^2 \delta_{ij},

with the two laws

- ``"linear"``: :math:`f(x) = 2x`,
- ``"poly10"``: :math:`f(x) = 2x - 10x^5 + 15x^{10}`,

both on :math:`x \in [0, 1]`. The larger :math:`\sigma` compared with the
variation of :math:`f`, the noisier the data.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import check_random_state, check_scalar

__all__ = ["LAWS", "LAW_COEFFICIENTS", "noisy_law"]

#: The monomial coefficients theta_0..theta_N of each law (lowest power first, as
#: ``numpy.polynomial.polynomial``), so a degree-N fit can be compared with them.
LAW_COEFFICIENTS = {
    "linear": np.array([0.0, 2.0]),
    "poly10": np.array([0.0, 2.0, 0.0, 0.0, 0.0, -10.0, 0.0, 0.0, 0.0, 0.0, 15.0]),
}


def _linear(x):
    r"""f(x) = 2x (S1)."""
    return 2.0 * np.asarray(x, dtype=np.float64)


def _poly10(x):
    r"""f(x) = 2x - 10x^5 + 15x^10 (S1)."""
    x = np.asarray(x, dtype=np.float64)
    x5 = x**5
    return 2.0 * x - 10.0 * x5 + 15.0 * x5 * x5


#: The noise-free laws f(x) of S1, by name.
LAWS = {"linear": _linear, "poly10": _poly10}


def noisy_law(law="linear", n=100, sigma=0.1, random_state=None, x_range=(0.0, 1.0)):
    r"""Draw ``n`` noisy measurements of a known law (S1).

    .. math::

        x_i \sim U(x_\mathrm{min}, x_\mathrm{max}), \qquad
        y_i = f(x_i) + \eta_i, \qquad \eta_i \sim N(0, \sigma^2)

    Parameters
    ----------
    law : {"linear", "poly10"}
        ``"linear"`` is f(x) = 2x; ``"poly10"`` is f(x) = 2x - 10x^5 + 15x^10.
        Their noise-free forms are in :data:`LAWS`.
    n : int
        Number of samples, at least 1.
    sigma : float
        Noise strength (standard deviation of eta), at least 0; 0 gives the
        law itself at random points.
    random_state : None, int or numpy.random.Generator
        Seed of the draws of x and eta.
    x_range : tuple of two floats
        Interval of the uniform draws of x; the slides use (0, 1).

    Returns
    -------
    x : ndarray of shape (n,)
        The independent variable.
    y : ndarray of shape (n,)
        The measurements f(x) + eta.

    Examples
    --------
    >>> x, y = noisy_law("poly10", n=50, sigma=0.5, random_state=0)
    >>> x.shape, y.shape
    ((50,), (50,))
    """
    if not isinstance(law, str) or law not in LAWS:
        raise ValueError(f"Unknown law={law!r}; expected one of {sorted(LAWS)}.")
    check_scalar(n, "n", numbers.Integral, min_val=1)
    check_scalar(sigma, "sigma", numbers.Real, min_val=0.0)
    if not np.isfinite(sigma):
        raise ValueError(f"sigma must be finite, got {sigma}.")
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise ValueError(f"x_range must be a pair of numbers (low, high), got {x_range!r}.") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"x_range must be finite with low < high, got {x_range!r}.")
    rng = check_random_state(random_state)
    x = rng.uniform(lo, hi, size=int(n))
    eta = rng.normal(0.0, float(sigma), size=int(n))
    return x, LAWS[law](x) + eta
