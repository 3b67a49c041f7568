r"""Finite differences, once: gradient, Jacobian, Hessian and the back-propagation check (S5, S6, S16).

The central difference

.. math:: \partial_i f(x) \approx \frac{f(x + h_i e_i) - f(x - h_i e_i)}{2 h_i}

has error :math:`O(h^2)` from truncation and :math:`O(\epsilon/h)` from
rounding (:math:`\epsilon` the float64 machine epsilon); the default step
:math:`h_i = \epsilon^{1/3}\max(1, |x_i|)` balances the two, giving about ten
correct digits for smooth functions. Every finite difference of physml runs
through the one loop of :func:`numerical_jacobian`: :func:`numerical_gradient`
(what :func:`physml.optim.minimize` uses without ``grad``), :func:`numerical_hessian`
(Newton without ``hess``) and :func:`gradient_check` (back-propagation of
:mod:`physml.nn` against finite differences).

The array ``x`` is perturbed **in place**, one entry at a time, and restored,
so ``f`` may read it through any object that holds it (a layer's weights):

>>> import numpy as np
>>> W = np.array([1.0, 2.0])
>>> g = numerical_gradient(lambda w: float(np.sum(w ** 2)), W)
>>> np.round(g, 8).tolist(), W.tolist()
([2.0, 4.0], [1.0, 2.0])
"""

from __future__ import annotations

import numpy as np

__all__ = ["numerical_jacobian", "numerical_gradient", "numerical_hessian", "relative_error", "gradient_check"]

_EPS = np.finfo(np.float64).eps


def _perturbable(x):
    """``x`` itself when it is a writeable float64 array whose entries a reshape(-1) can reach, else a copy."""
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.writeable and x.flags.c_contiguous:
        return x
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.writeable:
        raise ValueError("x must be a C-contiguous array (a view such as W[:, :3] cannot be perturbed in place, "
                         "and f would not see a copy): pass the contiguous array itself.")
    return np.array(x, dtype=np.float64)


def numerical_jacobian(f, x, *, step=None):
    r"""Central-difference Jacobian :math:`J_{:, j} = [f(x + h_j e_j) - f(x - h_j e_j)] / (2 h_j)`.

    The one finite-difference loop of physml: :math:`2n` calls of ``f`` for
    :math:`n` = ``x.size`` entries.

    Parameters
    ----------
    f : callable
        ``f(x) -> float or ndarray`` (the array ``x`` itself is passed, perturbed in place).
    x : ndarray of any shape
        A writeable C-contiguous float64 array is perturbed in place and
        restored entry by entry (so ``f`` may read it through another object);
        anything else is copied to float64 first.
    step : float or None
        Fixed step h; None takes :math:`h_j = \epsilon^{1/3}\max(1, |x_j|)`.

    Returns
    -------
    ndarray of shape ``f(x).shape + (x.size,)``; for a scalar f, shape (x.size,).
    """
    x = _perturbable(x)
    flat = x.reshape(-1)
    columns = []
    for j in range(flat.size):
        xj = flat[j]
        h = _EPS ** (1 / 3) * max(1.0, abs(xj)) if step is None else step
        flat[j] = xj + h
        f_plus = np.asarray(f(x), dtype=np.float64)
        flat[j] = xj - h
        f_minus = np.asarray(f(x), dtype=np.float64)
        flat[j] = xj
        columns.append((f_plus - f_minus) / (2 * h))
    if not columns:
        return np.empty((0,))
    return np.stack(columns, axis=-1)


def numerical_gradient(f, x, *, step=None):
    r"""Central-difference gradient of the scalar ``f(x)``, of the shape of ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    x : ndarray of any shape
        See :func:`numerical_jacobian` (perturbed in place when it is a
        writeable float64 array, and restored).
    step : float or None
        Fixed step h; None takes :math:`h_i = \epsilon^{1/3}\max(1, |x_i|)`
        (accurate to about 1e-10 relative for smooth functions).

    Returns
    -------
    ndarray of the shape of ``x``, float64
    """
    shape = np.shape(x)
    return numerical_jacobian(lambda z: float(np.asarray(f(z)).reshape(())), x, step=step).reshape(shape)


def numerical_hessian(grad, x, *, step=None):
    r"""Central-difference Hessian from a gradient function, symmetrised: :math:`(J + J^T)/2`, J the Jacobian of grad.

    Parameters
    ----------
    grad : callable
        ``grad(x) -> ndarray`` of the shape of ``x``.
    x : ndarray of any shape (not modified: the differences are taken on a copy)
    step : float or None

    Returns
    -------
    ndarray of shape (x.size, x.size)
    """
    x = np.array(x, dtype=np.float64)
    J = numerical_jacobian(lambda z: np.asarray(grad(z), dtype=np.float64).reshape(-1), x, step=step)
    return 0.5 * (J + J.T)


def relative_error(a, b):
    r"""||a - b|| / (||a|| + ||b||): 0 when equal, 1 when unrelated; 0 if both vanish."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if den == 0 else float(np.linalg.norm(a - b) / den)


def gradient_check(network, loss, X, y, eps=1e-6):
    r"""Largest relative error between back-propagated and finite-difference gradients (S16).

    Back-propagation gives all of dE/dtheta in one backward pass; the central
    difference gives one component per two forward passes. Agreement to
    about 1e-8 in float64 shows the backward equations are right.

    Parameters
    ----------
    network : physml.nn.Sequential with float64 parameters (``TypeError`` otherwise)
    loss : physml.nn.Loss
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

    def E(_):
        return loss.forward(network.forward(X, training=False), y)

    errors = [relative_error(g, numerical_gradient(E, p, step=eps)) for p, g in zip(network.parameters(), analytic)]
    return max(errors) if errors else 0.0
