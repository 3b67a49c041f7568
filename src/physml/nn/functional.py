r"""The stable non-linearities, once: sigmoid, log-sigmoid, softmax, log-softmax, log-sum-exp.

Every physml module that needs one of these (the Softmax layer, the
cross-entropy losses, logistic regression, the Bayes classifier, the GAN)
imports it from here. Each is written so that inputs of magnitude 1e4 (or
1e300) neither overflow nor raise a warning.

logsumexp(z) = m + log sum_k e^{z_k - m},  m = max_k z_k
log_softmax(z)_j = z_j - logsumexp(z)
log sigma(z) = -log(1 + e^{-z}) = -logaddexp(0, -z)
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["sigmoid", "log_sigmoid", "softmax", "log_softmax", "logsumexp"]


def sigmoid(z):
    r"""sigma(z) = 1 / (1 + e^{-z}), stable for any finite z (SciPy's ``expit``)."""
    return expit(z)


def log_sigmoid(z):
    r"""log sigma(z) = -log(1 + e^{-z}), computed as ``-logaddexp(0, -z)`` (no overflow at z = -1e4)."""
    return -np.logaddexp(0.0, -np.asarray(z))


def logsumexp(z, axis=-1, keepdims=False):
    r"""log sum_k e^{z_k} along ``axis``, as m + log sum_k e^{z_k - m} with m the maximum."""
    z = np.asarray(z)
    m = z.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # a row of -inf gives -inf, not NaN
    out = np.log(np.exp(z - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(z):
    r"""log softmax over the last axis, z_j - log sum_k e^{z_k} (no overflow)."""
    z = np.asarray(z)
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def softmax(z, out=None):
    r"""softmax over the last axis, e^{z_j - max z} / sum_k e^{z_k - max z}.

    ``out`` (an array of z's shape and float dtype, possibly z itself) receives
    the result without a temporary: the :class:`~physml.nn.Softmax` layer
    writes into its buffer this way.
    """
    z = np.asarray(z)
    if z.dtype.kind not in "fc":
        z = z.astype(np.float64)
    e = np.subtract(z, z.max(axis=-1, keepdims=True), out=out)
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e
