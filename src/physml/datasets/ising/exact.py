r"""Exact results of the 2D Ising model (S26): Onsager, Yang, :math:`T_c`, small-lattice enumeration.

Square lattice, periodic boundaries, :math:`J = k_B = 1`,
:math:`H = -\sum_{\langle ij \rangle} s_i s_j`. These are the oracles that the
Monte Carlo samples of :mod:`physml.datasets.ising.sampling` are tested against.

References: L. Onsager, Phys. Rev. 65, 117 (1944); C. N. Yang, Phys. Rev. 85, 808
(1952); P. Mehta et al., Phys. Rep. 810, 1 (2019) for the phase regions and labels.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ...base import check_scalar
from .observables import energy

__all__ = [
    "MEHTA_TEMPERATURES",
    "T_c",
    "exact_enumeration",
    "ising_phase",
    "ising_phase_labels",
    "onsager_energy",
    "onsager_magnetisation",
]

T_c = 2.0 / math.log(1.0 + math.sqrt(2.0))
"""Onsager's critical temperature :math:`T_c = 2 / \\ln(1 + \\sqrt 2) \\approx 2.2692` (J = k_B = 1)."""

MEHTA_TEMPERATURES = np.round(np.arange(0.25, 4.0 + 1e-9, 0.25), 10)
"""Mehta et al.'s temperature grid 0.25, 0.5, ..., 4.0 (the default of ``ising_configurations``)."""


def _check_T(T, name="T"):
    """Temperatures as a float array: real numbers (not bools), finite and > 0; the one check of T.

    A scalar goes through :func:`physml.base.check_scalar`; an array-like must hold real
    numbers (a bool anywhere, a string, a complex number or a ragged list is refused).
    """
    if isinstance(T, (numbers.Number, np.generic)):
        check_scalar(T, name, numbers.Real, min_val=0.0, include_boundaries="neither")
        return np.asarray(float(T))
    if isinstance(T, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in T):
        raise TypeError(f"{name} must be real numbers, got a bool in {T!r}.")
    try:
        raw = np.asarray(T)
    except ValueError:  # ragged
        raise ValueError(f"{name} must be a float or a 1D array of floats, got a ragged sequence {T!r}.") from None
    if raw.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a float or an array of floats, got {T!r} (dtype {raw.dtype}).")
    T_arr = raw.astype(float)
    if not np.all(np.isfinite(T_arr)) or np.any(T_arr <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {T!r}.")
    return T_arr


def onsager_energy(T):
    r"""Exact energy per spin of the infinite 2D Ising model (Onsager, 1944).

    .. math:: u(T) = -\coth(2\beta)\left[1 + \frac{2}{\pi}\left(2\tanh^2(2\beta) - 1\right)
              K(k)\right], \qquad k = \frac{2\sinh(2\beta)}{\cosh^2(2\beta)},

    with :math:`\beta = 1/T` and :math:`K` the complete elliptic integral of the first
    kind (:func:`scipy.special.ellipk` takes :math:`m = k^2`). At :math:`T_c` the
    product is finite: :math:`u(T_c) = -\sqrt 2`.

    Parameters
    ----------
    T : float or array_like, > 0

    Returns
    -------
    u : float or ndarray, same shape as ``T``
    """
    from scipy.special import ellipk

    T_arr = _check_T(T)
    b2 = 2.0 / T_arr
    # k = 2 sinh(2 beta) / cosh^2(2 beta) = 2 tanh(2 beta) sech(2 beta), written without overflow
    k = 4.0 * np.tanh(b2) * np.exp(-b2) / (1.0 + np.exp(-2.0 * b2))
    factor = 2.0 * np.tanh(b2) ** 2 - 1.0
    # K(k) diverges logarithmically at k = 1 (T = T_c), where factor = 0: the product tends to 0
    m = np.minimum(k * k, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(m >= 1.0, 0.0, factor * ellipk(m))
    u = -1.0 / np.tanh(b2) * (1.0 + 2.0 / np.pi * term)
    return float(u) if u.ndim == 0 else u


def onsager_magnetisation(T):
    r"""Exact spontaneous magnetisation per spin (Onsager; Yang, 1952).

    .. math:: m(T) = \left(1 - \sinh^{-4}(2\beta)\right)^{1/8} \text{ for } T < T_c, \quad 0 \text{ above}.

    Parameters
    ----------
    T : float or array_like, > 0

    Returns
    -------
    m : float or ndarray, same shape as ``T``
    """
    T_arr = _check_T(T)
    with np.errstate(over="ignore"):
        x = 1.0 - np.sinh(2.0 / T_arr) ** -4.0
    m = np.where(T_arr < T_c, np.clip(x, 0.0, None) ** 0.125, 0.0)
    return float(m) if m.ndim == 0 else m


def ising_phase(T):
    r"""Phase region of Mehta et al.: "ordered" (T < 2.0), "critical" (2.0 <= T <= 2.5), "disordered" (T > 2.5).

    Returns a str for a scalar ``T``, else an array of str.
    """
    T_arr = _check_T(T)
    phase = np.where(T_arr < 2.0, "ordered", np.where(T_arr <= 2.5, "critical", "disordered"))
    return str(phase) if phase.ndim == 0 else phase


def ising_phase_labels(T):
    r"""Mehta et al.'s labels: 1 (ordered) if :math:`T < T_c \approx 2.269`, else 0.

    T = 2.0 and 2.25 thus count as ordered although they lie in the critical region.
    Returns an int for a scalar ``T``, else an int64 array.
    """
    y = (_check_T(T) < T_c).astype(np.int64)
    return int(y) if y.ndim == 0 else y


def exact_enumeration(L, T):
    r"""Exact thermal averages of an ``L x L`` periodic lattice by summing all :math:`2^{L^2}` states.

    :math:`\langle A \rangle = \sum_s A(s) e^{-\beta H(s)} / Z`, for ``L <= 4`` (65,536 states).

    Parameters
    ----------
    L : int, 2 <= L <= 4
    T : float > 0

    Returns
    -------
    dict with float values ``"E"`` (:math:`\langle E \rangle / N`), ``"abs_m"``
    (:math:`\langle |m| \rangle`), ``"m2"`` (:math:`\langle m^2 \rangle`), ``"m4"``
    (:math:`\langle m^4 \rangle`), and ``"probabilities"``, the Boltzmann weight of each
    state ``k`` (spin ``i`` of state ``k`` is ``+1`` when bit ``i`` of ``k`` is set).
    """
    check_scalar(L, "L", numbers.Integral, min_val=2, max_val=4)
    T = float(_check_T(T))
    N = L * L
    k = np.arange(2**N, dtype=np.int64)
    s = (2 * ((k[:, None] >> np.arange(N)) & 1) - 1).astype(np.int8)
    e = energy(s, L)
    m = s.mean(axis=1)
    w = np.exp(-(e - e.min()) * N / T)
    p = w / w.sum()
    return {"E": float(p @ e), "abs_m": float(p @ np.abs(m)), "m2": float(p @ m**2),
            "m4": float(p @ m**4), "probabilities": p}
