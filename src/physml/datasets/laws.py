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

from ..base import check_random_state, check_scalar, check_sizes
from ._bunch import _tuple_bunch

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


def noisy_law(law="linear", n=100, sigma=0.1, random_state=None, x_range=(0.0, 1.0), *, return_X_y=False):
    r"""Draw ``n`` noisy measurements of a known law (S1).

    .. math::

        x_i \sim U(x_\mathrm{min}, x_\mathrm{max}), \qquad
        y_i = f(x_i) + \eta_i, \qquad \eta_i \sim N(0, \sigma^2)

    Parameters
    ----------
    law : {"linear", "poly10"}
        ``"linear"`` is f(x) = 2x; ``"poly10"`` is f(x) = 2x - 10x^5 + 15x^10.
        Their noise-free forms are in :data:`LAWS`, their coefficients in :data:`LAW_COEFFICIENTS`.
    n : int
        Number of samples, at least 1.
    sigma : float
        Noise strength (standard deviation of eta), at least 0; 0 gives the
        law itself at random points.
    random_state : None, int or numpy.random.Generator
        Seed of the draws of x and eta.
    x_range : tuple of two floats
        Interval of the uniform draws of x; the slides use (0, 1).
    return_X_y : bool, default False
        Return the tuple ``(X, y)`` instead of a Bunch.

    Returns
    -------
    result : Bunch
        ``X`` : ndarray of shape (n,), the independent variable x (one feature, kept 1-D
        as the polynomial regressions of S1 take it); ``y`` : ndarray of shape (n,), the
        measurements f(x) + eta; ``y_true`` : ndarray of shape (n,), the noise-free f(x);
        ``law``, ``sigma``. It unpacks as the tuple ``(X, y)``, as before the Bunch:
        ``x, y = noisy_law(...)``.
    (X, y) : tuple, when ``return_X_y``

    Raises
    ------
    ValueError
        For a bad argument (naming it), and before allocating when ``n`` would need more
        than :data:`physml.base.MAX_BYTES`.

    Examples
    --------
    >>> res = noisy_law("poly10", n=50, sigma=0.5, random_state=0)
    >>> res.X.shape, res.y.shape
    ((50,), (50,))
    >>> x, y = noisy_law("poly10", n=50, sigma=0.5, random_state=0)
    """
    if not isinstance(law, str) or law not in LAWS:
        raise ValueError(f"Unknown law={law!r}; expected one of {sorted(LAWS)}.")
    n = int(check_scalar(n, "n", numbers.Integral, min_val=1))
    sigma = float(check_scalar(sigma, "sigma", numbers.Real, min_val=0.0))
    try:
        lo, hi = x_range
    except (TypeError, ValueError):
        raise ValueError(f"x_range must be a pair of numbers (low, high), got {x_range!r}.") from None
    lo = float(check_scalar(lo, "x_range[0]", numbers.Real))
    hi = float(check_scalar(hi, "x_range[1]", numbers.Real))
    if not lo < hi:
        raise ValueError(f"x_range must have low < high, got {x_range!r}.")
    check_sizes([(n,)] * 4, what=f"noisy_law(n={n})", hint="lower n")
    rng = check_random_state(random_state)
    x = rng.uniform(lo, hi, size=n)
    eta = rng.normal(0.0, sigma, size=n)
    f = LAWS[law](x)
    y = f + eta
    if return_X_y:
        return x, y
    return _tuple_bunch(("X", "y"), X=x, y=y, y_true=f, law=law, sigma=sigma)
