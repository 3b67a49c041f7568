r"""Mini-batches for stochastic gradient descent (S7).

An epoch is one full pass over the :math:`n` samples, cut into
:math:`\lceil n/K \rceil` mini-batches of :math:`K` samples (the last one
smaller when :math:`K` does not divide :math:`n`). The gradient of each batch,
:math:`\nabla E_{MB} = \frac{1}{K}\sum_{i \in MB} \nabla e_i`, is an unbiased,
noisy estimate of the full gradient; its noise shrinks as :math:`1/\sqrt{K}`.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import check_random_state, check_scalar

__all__ = ["minibatches"]


def minibatches(n, batch_size, shuffle=True, random_state=None):
    r"""Yield the index arrays of one epoch's mini-batches (S7).

    Parameters
    ----------
    n : int >= 1
        Number of samples.
    batch_size : int >= 1
        :math:`K`; a value above ``n`` gives one batch of all samples.
    shuffle : bool, default True
        Draw a fresh random permutation (every call is one epoch); False keeps
        the order 0..n-1.
    random_state : None, int or numpy.random.Generator
        Seed of the permutation; pass one Generator across epochs so that each
        epoch is shuffled differently and reproducibly.

    Returns
    -------
    iterator of ndarray of int64
        Indices of one batch: :math:`\lceil n/K \rceil` batches that together
        hold every index exactly once; all of size :math:`K` but the last.

    Examples
    --------
    >>> [b.tolist() for b in minibatches(5, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    check_scalar(n, "n", numbers.Integral, min_val=1)
    check_scalar(batch_size, "batch_size", numbers.Integral, min_val=1)
    check_scalar(shuffle, "shuffle", (bool, np.bool_))
    rng = check_random_state(random_state)
    return _batches(n, batch_size, shuffle, rng)


def _batches(n, batch_size, shuffle, rng):
    # the generator behind minibatches (arguments checked there, at the call and not at the first batch)
    order = rng.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]
