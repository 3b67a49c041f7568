r"""Finite-difference check of back-propagation (S16).

Back-propagation gives all of dE/dtheta in one backward pass; the central
difference (E(theta + eps e_i) - E(theta - eps e_i)) / (2 eps) gives one
component per two forward passes, with error O(eps^2). Agreement to ~1e-8 in
float64 shows the backward equations are right.
"""

from __future__ import annotations

import numpy as np

from ..optim import central_differences

__all__ = ["numerical_gradient", "relative_error", "gradient_check"]


def numerical_gradient(f, x, eps=1e-6):
    r"""Central-difference gradient of the scalar function ``f()`` with respect to the array ``x``.

    ``x`` is perturbed in place, one entry at a time, and restored
    (:func:`physml.optim.central_differences` with the fixed step ``eps``).

    Parameters
    ----------
    f : callable
        No arguments; returns a float that depends on the current values of ``x``.
    x : ndarray (float64)
    eps : float

    Returns
    -------
    ndarray of the shape of ``x``
    """
    return central_differences(f, x, step=eps)


def relative_error(a, b):
    r"""||a - b|| / (||a|| + ||b||): 0 when equal, 1 when unrelated; 0 if both vanish."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if den == 0 else float(np.linalg.norm(a - b) / den)


def gradient_check(network, loss, X, y, eps=1e-6):
    r"""Largest relative error between back-propagated and finite-difference gradients.

    Parameters
    ----------
    network : Sequential with float64 parameters (``TypeError`` otherwise)
    loss : Loss
    X, y : ndarray
        A small batch and its targets.
    eps : float
        Step of the central difference.

    Returns
    -------
    float
        max over parameter arrays of ``relative_error(backprop, finite difference)``.
    """
    for i, p in enumerate(network.parameters()):
        if p.dtype != np.float64:
            raise TypeError(f"gradient_check needs float64 parameters (build the layers with dtype=np.float64); "
                            f"parameter {i} is {p.dtype}, where central differences are accurate to ~1e-3 only.")
    loss.forward(network.forward(X, training=False), y)
    network.backward(loss.backward())
    analytic = [np.array(g, dtype=np.float64) for g in network.gradients()]

    def E():
        return loss.forward(network.forward(X, training=False), y)

    errors = [relative_error(g, numerical_gradient(E, p, eps)) for p, g in zip(network.parameters(), analytic)]
    return max(errors) if errors else 0.0
