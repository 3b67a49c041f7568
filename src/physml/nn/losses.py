r"""Cost functions (S15, S17): ``forward(pred, target)`` gives E, ``backward()`` gives dE/dpred.

``backward`` returns Delta^L = dE/dz^L when ``pred`` is the last pre-activation
z^L (the logits), which is how the classification costs are used: the output
non-linearity (sigmoid, softmax) is folded into the cost, where it can be
written in a form that never overflows.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .functional import log_softmax, softmax

__all__ = ["Loss", "MSELoss", "BinaryCrossEntropy", "CrossEntropy", "FunctionalLoss", "softmax", "log_softmax"]


def _check_target_size(pred, target):
    if target.size != pred.size:
        raise ValueError(f"target has {target.size} values but pred has {pred.size} (shape {pred.shape}); "
                         "they must match one to one.")


class Loss:
    """Base class: ``forward(pred, target) -> float`` caches what ``backward() -> dE/dpred`` needs."""

    def forward(self, pred, target):
        raise NotImplementedError

    def backward(self):
        raise NotImplementedError

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    r"""Mean squared error (S15): E = (1/(n m)) sum_i sum_k (f_ik - y_ik)^2.

    ``pred`` and ``target`` have shape (n,) or (n, m); the mean runs over all
    n m entries (as ``torch.nn.MSELoss``). dE/df = 2 (f - y) / (n m).
    """

    def forward(self, pred, target):
        pred = np.asarray(pred)
        target = np.asarray(target, dtype=pred.dtype if pred.dtype.kind == "f" else None)   # dE/df in f's dtype
        _check_target_size(pred, target)
        target = target.reshape(pred.shape)
        self.r = pred - target
        return float(np.mean(self.r * self.r))

    def backward(self):
        return (2.0 / self.r.size) * self.r


class BinaryCrossEntropy(Loss):
    r"""Binary cross-entropy from logits (S15): E = -(1/n) sum [y ln y_hat + (1 - y) ln(1 - y_hat)].

    The slide drops the leading minus sign; with it E >= 0 is minimised. With
    y_hat = sigma(z) the per-sample cost is the stable form
    ``max(z, 0) - y z + ln(1 + e^{-|z|})`` (no overflow for |z| = 1e4), and
    dE/dz = (sigma(z) - y) / n, the Delta^L of a sigmoid output unit.

    ``pred`` are logits z of shape (n,) or (n, 1); ``target`` holds 0/1 labels
    (or probabilities) of the same length.
    """

    def forward(self, pred, target):
        z = np.asarray(pred)
        y = np.asarray(target, dtype=z.dtype if z.dtype.kind == "f" else np.float64)
        _check_target_size(z, y)
        y = y.reshape(z.shape)
        self.z, self.y = z, y
        per_sample = np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))
        return float(np.mean(per_sample))

    def backward(self):
        return (expit(self.z) - self.y) / self.z.size


class CrossEntropy(Loss):
    r"""Softmax cross-entropy for M classes from logits (S15).

    E = -(1/n) sum_i sum_j y_ij ln softmax(z_i)_j = (1/n) sum_i [logsumexp(z_i) - sum_j y_ij z_ij],
    written with log-sum-exp so |z| = 1e4 is safe. dE/dz = (softmax(z) - Y) / n
    (for rows of Y that do not sum to 1, softmax(z) is scaled by the row sum).

    ``pred`` are logits of shape (n, M); ``target`` is either integer labels of
    shape (n,) in 0..M-1 or a one-hot (or probability) matrix of shape (n, M).
    """

    def forward(self, pred, target):
        z = np.asarray(pred)
        target = np.asarray(target)
        if z.ndim != 2:
            raise ValueError(f"pred of CrossEntropy must be logits of shape (n, M), got shape {z.shape}.")
        n, M = z.shape
        if target.ndim == 1:
            if target.dtype.kind not in "iub":
                if np.any(target != np.round(target)):
                    raise ValueError("target of CrossEntropy must be integer labels or a one-hot matrix.")
                target = target.astype(np.int64)
            if target.size and (target.min() < 0 or target.max() >= M):
                raise ValueError(f"target labels must lie in 0..{M - 1}, got {target.min()}..{target.max()}.")
            self.labels, self.Y = target, None
        elif target.shape == z.shape:
            self.labels, self.Y = None, target.astype(z.dtype, copy=False)
            self.Y_sum = self.Y.sum(axis=1, keepdims=True)
        else:
            raise ValueError(f"target must have shape ({n},) or {z.shape}, got {target.shape}.")
        # log-sum-exp: ln sum_k e^{z_k} = m + ln sum_k e^{z_k - m}, m = max_k z_k
        m = z.max(axis=1, keepdims=True)
        p = np.subtract(z, m)
        np.exp(p, out=p)
        s = p.sum(axis=1, keepdims=True)
        p /= s
        self.p = p  # softmax(z)
        if self.labels is not None:
            # (1/n) sum_i [m_i + ln s_i - z_{i, y_i}]
            return float((m.sum() + np.log(s).sum() - z[np.arange(n), self.labels].sum()) / n)
        lse = (m + np.log(s))[:, 0]
        return float(np.mean(lse * self.Y_sum[:, 0] - np.einsum("ij,ij->i", self.Y, z)))

    def backward(self):
        n = self.p.shape[0]
        if self.labels is not None:
            g = self.p.copy()
            g[np.arange(n), self.labels] -= 1
        else:
            # d/dz_ij of lse(z_i) sum_k y_ik - sum_k y_ik z_ik; sum_k y_ik = 1 for probability rows
            g = self.p * self.Y_sum - self.Y
        g *= 1.0 / n
        return g


class FunctionalLoss(Loss):
    r"""Cost on a linear functional of the network output (S17).

    The data are not values of the function f the network represents but
    functionals of it, e.g. integrals F_i = int K_i(x) f(x) dx or a convolution.
    Evaluated on a grid x_1..x_m (quadrature weights included) they are a
    matrix product, F = A f, and

    .. math::

        E = \frac{1}{n} \sum_{i=1}^n \big(F^{dat}_i - (A f)_i\big)^2, \qquad
        \frac{\partial E}{\partial f} = -\frac{2}{n} A^T (F^{dat} - A f).

    The exact gradient back-propagates through the network like any other
    Delta^L: the functional only changes the first step of back-propagation.

    Parameters
    ----------
    operator : array-like of shape (n, m)
        The functional A on the grid: row i maps the network's m output values
        f(x_1..x_m) to the model prediction of datum i.

    Attributes
    ----------
    A : ndarray of shape (n, m), float64
        ``operator`` as an array.

    Notes
    -----
    ``forward(pred, target)``: ``pred`` is the network output on the grid,
    shape (m,) or (m, 1); ``target`` is F^dat, shape (n,).
    """

    def __init__(self, operator):
        A = np.asarray(operator, dtype=np.float64)
        if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
            raise ValueError(f"operator A must be a 2D matrix (n_data, n_grid) with n_data, n_grid >= 1, "
                             f"got shape {A.shape}.")
        if not np.isfinite(A).all():
            raise ValueError("operator A contains NaN or infinity.")
        self.A = A

    def forward(self, pred, target):
        f = np.asarray(pred)
        if f.size != self.A.shape[1]:
            raise ValueError(f"pred has {f.size} values, but A expects {self.A.shape[1]} grid points.")
        F = np.asarray(target, dtype=np.float64).ravel()
        if F.size != self.A.shape[0]:
            raise ValueError(f"target has {F.size} values, but A has {self.A.shape[0]} rows.")
        self.shape, self.dtype = f.shape, f.dtype
        self.r = F - self.A @ f.ravel().astype(np.float64)
        return float(np.mean(self.r**2))

    def backward(self):
        g = (-2.0 / self.r.size) * (self.A.T @ self.r)
        return g.reshape(self.shape).astype(self.dtype, copy=False)
