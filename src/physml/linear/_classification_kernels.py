r"""Kernels of the linear classifiers: the perceptron epoch (S28) and the fused logistic cost (S30).

Each kernel has a readable NumPy reference with the same signature above it;
the tests run both on the same input. Arguments marked ``# IN/OUT`` are
updated in place.

* :func:`perceptron_epoch`: one pass of the perceptron rule over the samples
  in a given order. The loop is sequential by nature (each update changes the
  next decision), which is why it is a numba kernel and not a matrix product.
* :func:`logistic_cost_grad`: the binary cross-entropy, its gradient and
  :math:`z = Xw + b` in ONE pass over the rows of X: row i is read once,
  :math:`z_i = x_i \cdot w + b` computed, and while the row is still in cache
  :math:`(\sigma(z_i) - y_i)\, x_i` is added to the gradient. NumPy/BLAS needs
  two passes (:math:`Xw`, then :math:`X^T r`); a fit on a large X is
  memory-bound, so one pass halves the time. Rows are split over threads
  (``prange`` over blocks), each accumulating its own gradient in float64,
  which also lets X be float32 or int8 (a half or an eighth of the memory
  traffic) without losing the float64 sums.
"""

from __future__ import annotations

import numba
import numpy as np

from ..nn.functional import log_sigmoid, sigmoid

__all__ = [
    "logistic_cost_grad",
    "logistic_cost_grad_reference",
    "perceptron_epoch",
    "perceptron_epoch_reference",
]


# ---------------------------------------------------------------------------
# S28: the perceptron rule
# ---------------------------------------------------------------------------


def perceptron_epoch_reference(X, t, order, w, b, eta):
    r"""One epoch of the perceptron rule; returns the number of updates (mistakes).

    For each sample i in ``order``: if :math:`t_i (x_i^T w + b) \le 0` (wrong side,
    or on the boundary), :math:`w \leftarrow w + \eta t_i x_i`, :math:`b \leftarrow b + \eta t_i`.

    Parameters
    ----------
    X : ndarray of shape (n, p), float64           # IN
    t : ndarray of shape (n,), float64, +-1        # IN
    order : ndarray of shape (n,), int64           # IN  visiting order
    w : ndarray of shape (p,), float64             # IN/OUT
    b : ndarray of shape (1,), float64             # IN/OUT
    eta : float                                    # IN  learning rate
    """
    mistakes = 0
    for i in order:
        z = X[i] @ w + b[0]
        if t[i] * z <= 0.0:
            w += eta * t[i] * X[i]
            b[0] += eta * t[i]
            mistakes += 1
    return mistakes


@numba.njit(cache=True, nogil=True)
def perceptron_epoch(X, t, order, w, b, eta):
    """Numba kernel of :func:`perceptron_epoch_reference` (same arguments, same result)."""
    p = X.shape[1]
    mistakes = 0
    for k in range(order.shape[0]):
        i = order[k]
        z = 0.0
        for j in range(p):  # the dot product first, then + b: scikit-learn's order of the sums
            z += X[i, j] * w[j]
        z += b[0]
        if t[i] * z <= 0.0:
            u = eta * t[i]
            for j in range(p):
                w[j] += u * X[i, j]
            b[0] += u
            mistakes += 1
    return mistakes


# ---------------------------------------------------------------------------
# S30: the binary cross-entropy and its gradient in one pass
# ---------------------------------------------------------------------------


def logistic_cost_grad_reference(X, y, w, b, grad):
    r"""Sum of the binary cross-entropies and its gradient; returns the sum.

    .. math::
        z_i = x_i^T w + b, \qquad
        \sum_i \ell_i = \sum_i -\log\sigma(s_i z_i),\ s_i = 2y_i - 1, \qquad
        \nabla_w = \sum_i (\sigma(z_i) - y_i)\, x_i, \qquad \partial_b = \sum_i (\sigma(z_i) - y_i).

    Parameters
    ----------
    X : ndarray of shape (n, p), float64, float32 or int8  # IN
    y : ndarray of shape (n,), float64, 0 or 1         # IN
    w : ndarray of shape (p,), float64                 # IN
    b : float                                          # IN
    grad : ndarray of shape (p + 1,), float64          # OUT  [nabla_w, d/db]
    """
    X = X.astype(np.float64, copy=False)  # float32 and int8 rows are summed in float64, as in the kernel
    z = X @ w + b
    r = sigmoid(z) - y
    grad[:-1] = X.T @ r
    grad[-1] = r.sum()
    return float(-log_sigmoid((2.0 * y - 1.0) * z).sum())


# rows per block of the parallel loop: enough work per thread to pay for its start
_BLOCK = 256


# reassociation lets LLVM vectorise the dot product x_i . w (a sum whose order is otherwise fixed);
# the sums stay in float64, so the result differs from the reference by rounding only
@numba.njit(cache=True, nogil=True, parallel=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _logistic_cost_grad(X, y, w, b, partial, losses):
    n, p = X.shape
    n_blocks = partial.shape[0]
    for k in numba.prange(n_blocks):
        g = partial[k]  # this block's own gradient accumulator: no race between threads
        g[:] = 0.0
        loss = 0.0
        for i in range(k * _BLOCK, min((k + 1) * _BLOCK, n)):
            z = b
            for j in range(p):
                z += X[i, j] * w[j]
            # -log sigma(s z) = log(1 + e^{-s z}), stable on both sides
            sz = z if y[i] > 0.5 else -z
            if sz > 0.0:
                loss += np.log1p(np.exp(-sz))
            else:
                loss += -sz + np.log1p(np.exp(sz))
            # sigma(z) without overflow
            if z >= 0.0:
                sig = 1.0 / (1.0 + np.exp(-z))
            else:
                e = np.exp(z)
                sig = e / (1.0 + e)
            r = sig - y[i]
            for j in range(p):
                g[j] += r * X[i, j]
            g[p] += r
        losses[k] = loss


def logistic_cost_grad(X, y, w, b, grad, work):
    """Numba kernel of :func:`logistic_cost_grad_reference`; ``work`` from :func:`logistic_work`."""
    partial, losses = work
    _logistic_cost_grad(X, y, w, b, partial, losses)
    partial.sum(axis=0, out=grad)
    return float(losses.sum())


def logistic_work(n, p):
    """Buffers of :func:`logistic_cost_grad`, allocated once per fit: per-block gradients and losses."""
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    return np.empty((n_blocks, p + 1)), np.empty(n_blocks)
