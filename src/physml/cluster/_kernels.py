r"""Kernels of k-means (S22) and agglomerative clustering (S23): NumPy references, then numba kernels.

k-means
-------
One Lloyd pass assigns every point to its nearest centre and, in the same
sweep over the data, accumulates the per-cluster sums that the update step
divides by the counts:

.. math::

    r_n = \arg\min_k \lVert x_n - \mu_k \rVert^2, \qquad
    C = \sum_n \lVert x_n - \mu_{r_n} \rVert^2, \qquad
    S_k = \sum_{n: r_n = k} x_n, \quad N_k = \#\{n: r_n = k\}.

The distances come from :math:`\lVert x - \mu\rVert^2 = \lVert x\rVert^2 - 2
x\cdot\mu + \lVert\mu\rVert^2` with the cross term a matrix product (BLAS GEMM)
on blocks of :data:`CHUNK` rows, so that a block of distances stays in cache
and the data are read once per pass; :math:`\lVert x\rVert^2` does not change
the argmin and is never formed. The cost :math:`C` is summed from the exact
:math:`\sum_f (x_f - \mu_f)^2` of the chosen centre (no cancellation).

Rows are split into a fixed number of slabs (the machine's numba thread count,
not the current one), each with its own partial sums, reduced in slab order
after the parallel loop (in NumPy: zeroing and reducing inside the parallel
kernel made it several times slower): the result does not depend on how many threads run
it, so a fit gives identical bits whatever ``n_jobs`` is.

Arguments marked ``# OUT`` are overwritten, ``# IN`` only read.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "CHUNK",
    "lloyd_pass",
    "lloyd_pass_reference",
    "lloyd_workspace",
]

#: Rows per GEMM block: the (CHUNK x k) block of distances stays in L1/L2 (scikit-learn uses 256 too).
CHUNK = 256


# ---------------------------------------------------------------------------
# k-means: NumPy reference
# ---------------------------------------------------------------------------


def lloyd_pass_reference(X, centres, labels, sums, counts, update):
    r"""One Lloyd pass in NumPy (S22): nearest centre, cost, and (if ``update``) per-cluster sums.

    Parameters
    ----------
    X : ndarray of shape (n, d)               # IN
    centres : ndarray of shape (k, d)         # IN
    labels : int64 ndarray of shape (n,)      # OUT: r_n
    sums : ndarray of shape (k, d)            # OUT (if update): S_k
    counts : int64 ndarray of shape (k,)      # OUT (if update): N_k
    update : bool
        False: assignment only (predict, score).

    Returns
    -------
    cost : float
        :math:`C = \sum_n \lVert x_n - \mu_{r_n}\rVert^2`.
    """
    # ||x - mu||^2 = ||x||^2 - 2 x.mu + ||mu||^2; ||x||^2 is the same for every centre
    d2 = (centres * centres).sum(axis=1) - 2.0 * (X @ centres.T)
    labels[:] = np.argmin(d2, axis=1)
    cost = float(((X - centres[labels]) ** 2).sum())
    if update:
        sums[:] = 0.0
        np.add.at(sums, labels, X)
        counts[:] = np.bincount(labels, minlength=centres.shape[0])
    return cost


# ---------------------------------------------------------------------------
# k-means: numba kernel
# ---------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _lloyd_rows(X, centres, centre_sq, labels, D, start, stop, S_s, N_s, update):
    # rows start:stop of X, IN; labels[start:stop] OUT; S_s (k, d), N_s (k,) IN/OUT (accumulated if update)
    # D (>= stop - start, k): workspace. Returns the cost of these rows.
    d = X.shape[1]
    k = centres.shape[0]
    m = stop - start
    Dm = D[:m]
    # the cross term x.mu of the whole block: one GEMM
    np.dot(X[start:stop], centres.T, Dm)
    cost = 0.0
    for i in range(m):
        # ||mu||^2 - 2 x.mu, first minimum wins (as scikit-learn)
        best = 0
        best_val = centre_sq[0] - 2.0 * Dm[i, 0]
        for j in range(1, k):
            v = centre_sq[j] - 2.0 * Dm[i, j]
            if v < best_val:
                best_val = v
                best = j
        row = start + i
        labels[row] = best
        r = 0.0
        for f in range(d):
            t = X[row, f] - centres[best, f]
            r += t * t
        cost += r
        if update:
            N_s[best] += 1
            for f in range(d):
                S_s[best, f] += X[row, f]
    return cost


@numba.njit(cache=True, nogil=True, parallel=True)
def _lloyd_kernel(X, centres, centre_sq, labels, dots, slab_sums, slab_counts, slab_cost, update):
    # X (n, d), centres (k, d), centre_sq (k,): IN;  labels (n,): OUT
    # dots (S, CHUNK, k): workspace; slab_sums (S, k, d), slab_counts (S, k): IN/OUT, accumulated if update;
    # slab_cost (S,): OUT. One slab (a contiguous range of row blocks) per parallel iteration.
    n = X.shape[0]
    n_slabs, chunk = dots.shape[0], dots.shape[1]
    n_chunks = (n + chunk - 1) // chunk
    for s in numba.prange(n_slabs):
        cost = 0.0
        for c in range(s * n_chunks // n_slabs, (s + 1) * n_chunks // n_slabs):
            start = c * chunk
            cost += _lloyd_rows(X, centres, centre_sq, labels, dots[s], start, min(start + chunk, n),
                                slab_sums[s], slab_counts[s], update)
        slab_cost[s] = cost


class _Workspace:
    """Buffers of :func:`lloyd_pass`, allocated once per fit (one slab per thread of the machine)."""

    def __init__(self, n, d, k):
        n_chunks = (n + CHUNK - 1) // CHUNK
        n_slabs = max(1, min(numba.config.NUMBA_NUM_THREADS, n_chunks))
        self.centre_sq = np.empty(k)
        self.dots = np.empty((n_slabs, min(CHUNK, n), k))
        self.slab_sums = np.empty((n_slabs, k, d))
        self.slab_counts = np.empty((n_slabs, k), dtype=np.int64)
        self.slab_cost = np.empty(n_slabs)


def lloyd_workspace(n, d, k):
    """The buffers :func:`lloyd_pass` needs for ``n`` points in ``d`` dimensions and ``k`` centres."""
    return _Workspace(n, d, k)


def lloyd_pass(X, centres, labels, sums, counts, update, work):
    r"""One Lloyd pass, fused (numba): same arguments and result as :func:`lloyd_pass_reference`.

    ``X`` and ``centres`` are C-contiguous float64; ``work`` comes from
    :func:`lloyd_workspace` for these sizes. Cost :math:`2nkd` flops (the GEMM)
    plus :math:`3nd` for the exact cost and the sums, one read of ``X``.
    """
    np.einsum("kd,kd->k", centres, centres, out=work.centre_sq)
    if update:
        work.slab_sums.fill(0.0)
        work.slab_counts.fill(0)
    _lloyd_kernel(X, centres, work.centre_sq, labels, work.dots, work.slab_sums, work.slab_counts, work.slab_cost,
                  update)
    # reduce the slabs in a fixed order: the same bits for any number of threads
    if update:
        np.sum(work.slab_sums, axis=0, out=sums)
        np.sum(work.slab_counts, axis=0, out=counts)
    return float(work.slab_cost.sum())
