r"""Weight initialisers (S18): zero, random normal, Glorot/Xavier and He.

Each initialiser draws a weight matrix ``W`` of shape ``(fan_in, fan_out)``
(the layer maps ``fan_in`` inputs to ``fan_out`` outputs); biases always start
at zero. The variance of each scheme is:

==================  ===============================  =================================
name                distribution                     Var(W)
==================  ===============================  =================================
``zeros``           W = 0                            0 (cannot break the symmetry)
``normal``          N(0, std^2), std = 0.01          std^2
``glorot_uniform``  U(-l, l), l = sqrt(6/(in+out))   2 / (fan_in + fan_out)
``glorot_normal``   N(0, 2/(in+out))                 2 / (fan_in + fan_out)
``he_uniform``      U(-l, l), l = sqrt(6/in)         2 / fan_in
``he_normal``       N(0, 2/in)                       2 / fan_in
==================  ===============================  =================================

Glorot & Bengio (2010) keep the variance of activations and of back-propagated
gradients constant across tanh/sigmoid layers; He et al. (2015) double it to
compensate for ReLU zeroing half of its inputs, which keeps units out of the
saturated or dead regime at the start of training.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "zeros",
    "normal",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "INITIALIZERS",
    "get_initializer",
]


def zeros(fan_in, fan_out, rng, dtype=np.float32):
    r"""All weights zero (S18): every hidden unit computes the same function forever.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and outputs of the layer.
    rng : numpy.random.Generator
        Unused; kept so every initialiser has the same signature.
    dtype : numpy dtype

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out)
    """
    return np.zeros((fan_in, fan_out), dtype=dtype)


def normal(fan_in, fan_out, rng, dtype=np.float32, std=0.01):
    r"""Small random weights, W ~ N(0, std^2) with std = 0.01 (S18): breaks the symmetry."""
    return rng.normal(0.0, std, size=(fan_in, fan_out)).astype(dtype)


def glorot_uniform(fan_in, fan_out, rng, dtype=np.float32):
    r"""Glorot/Xavier uniform (S18): W ~ U(-l, l), l = sqrt(6 / (fan_in + fan_out)), Var = 2/(fan_in+fan_out)."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def glorot_normal(fan_in, fan_out, rng, dtype=np.float32):
    r"""Glorot/Xavier normal (S18): W ~ N(0, 2 / (fan_in + fan_out))."""
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, size=(fan_in, fan_out)).astype(dtype)


def he_uniform(fan_in, fan_out, rng, dtype=np.float32):
    r"""He uniform (S18): W ~ U(-l, l), l = sqrt(6 / fan_in), Var = 2 / fan_in."""
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def he_normal(fan_in, fan_out, rng, dtype=np.float32):
    r"""He normal (S18): W ~ N(0, 2 / fan_in), for ReLU-type units."""
    std = np.sqrt(2.0 / fan_in)
    return rng.normal(0.0, std, size=(fan_in, fan_out)).astype(dtype)


INITIALIZERS = {
    "zeros": zeros,
    "normal": normal,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "xavier_uniform": glorot_uniform,
    "xavier_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}


def get_initializer(init):
    """Return the initialiser named ``init`` (a key of :data:`INITIALIZERS`) or ``init`` if callable.

    A callable must have the signature ``init(fan_in, fan_out, rng, dtype) -> W``.
    """
    if callable(init):
        return init
    if isinstance(init, str) and init in INITIALIZERS:
        return INITIALIZERS[init]
    raise ValueError(f"init must be one of {sorted(INITIALIZERS)} or a callable, got {init!r}.")
