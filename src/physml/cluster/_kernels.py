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


# ---------------------------------------------------------------------------
# Agglomerative clustering (S23)
# ---------------------------------------------------------------------------
#
# Linkage rules as Lance-Williams updates: after clusters x and y (sizes n_x, n_y,
# distance d_xy) merge, the distance of the new cluster to any other cluster i
# (size n_i) follows from d_xi, d_yi and d_xy alone:
#
#   single    d = min(d_xi, d_yi)
#   complete  d = max(d_xi, d_yi)
#   average   d = (n_x d_xi + n_y d_yi) / (n_x + n_y)                          (UPGMA)
#   ward      d = sqrt(((n_i + n_x) d_xi^2 + (n_i + n_y) d_yi^2 - n_i d_xy^2) / (n_x + n_y + n_i))
#
# The sizes are weights (floats): a cluster of k-means points enters with its size (precluster).

SINGLE, COMPLETE, AVERAGE, WARD = 0, 1, 2, 3
METHODS = {"single": SINGLE, "complete": COMPLETE, "average": AVERAGE, "ward": WARD}


def condensed_index(n, i, j):
    """Position of d(i, j), i < j, in the condensed (row-major upper triangle) vector of n points."""
    return n * i - (i * (i + 1)) // 2 + (j - i - 1)


@numba.njit(cache=True, nogil=True, inline="always")
def _condensed_index(n, i, j):
    return n * i - (i * (i + 1)) // 2 + (j - i - 1)


@numba.njit(cache=True, nogil=True, inline="always")
def _lance_williams(method, d_xi, d_yi, d_xy, n_x, n_y, n_i):
    if method == COMPLETE:
        return max(d_xi, d_yi)
    if method == AVERAGE:
        return (n_x * d_xi + n_y * d_yi) / (n_x + n_y)
    if method == WARD:
        t = 1.0 / (n_x + n_y + n_i)
        return np.sqrt((n_i + n_x) * t * d_xi * d_xi + (n_i + n_y) * t * d_yi * d_yi - n_i * t * d_xy * d_xy)
    return min(d_xi, d_yi)


def lance_williams_reference(method, d_xi, d_yi, d_xy, n_x, n_y, n_i):
    """The Lance-Williams update of ``method`` (a name) in NumPy, on arrays of d_xi, d_yi, n_i."""
    if method == "single":
        return np.minimum(d_xi, d_yi)
    if method == "complete":
        return np.maximum(d_xi, d_yi)
    if method == "average":
        return (n_x * d_xi + n_y * d_yi) / (n_x + n_y)
    return np.sqrt(((n_i + n_x) * d_xi**2 + (n_i + n_y) * d_yi**2 - n_i * d_xy**2) / (n_x + n_y + n_i))


def pdist_reference(X, weights=None, ward=False):
    r"""Condensed Euclidean distances :math:`\lVert x_i - x_j\rVert`, i < j (SciPy's ``pdist`` order).

    With ``ward`` and ``weights`` :math:`m`: the Ward distance of two weighted points,
    :math:`\sqrt{2 m_i m_j / (m_i + m_j)}\, \lVert x_i - x_j\rVert` (equal to the
    Euclidean distance for unit weights).
    """
    i, j = np.triu_indices(X.shape[0], k=1)
    D = np.sqrt(((X[i] - X[j]) ** 2).sum(axis=1))
    if ward and weights is not None:
        D *= np.sqrt(2.0 * weights[i] * weights[j] / (weights[i] + weights[j]))
    return D


@numba.njit(cache=True, nogil=True)
def _pdist_row(XT, i, D, weights, ward):
    # distances of point i to points i+1..n-1, written to their slot in D (contiguous); XT (d, n): IN
    d, n = XT.shape
    base = _condensed_index(n, i, i + 1)
    m = n - i - 1
    row = D[base:base + m]
    row[:] = 0.0
    for f in range(d):
        # features outermost: the loop over points vectorises; the sum runs over f in order, as pdist
        xf = XT[f, i]
        col = XT[f, i + 1:]
        for j in range(m):
            t = col[j] - xf
            row[j] += t * t
    for j in range(m):
        row[j] = np.sqrt(row[j])
    if ward:
        wi = weights[i]
        for j in range(m):
            wj = weights[i + 1 + j]
            row[j] *= np.sqrt(2.0 * wi * wj / (wi + wj))


@numba.njit(cache=True, nogil=True, parallel=True)
def pdist(XT, D, weights, ward):
    r"""Condensed distances in parallel; same result as :func:`pdist_reference`.

    Parameters
    ----------
    XT : ndarray of shape (d, n)      # IN: the points as columns (features-major)
    D : ndarray of shape (n(n-1)/2,)  # OUT
    weights : ndarray of shape (n,)   # IN: cluster sizes (read only if ward)
    ward : bool
    """
    n = XT.shape[1]
    # row i has n - i - 1 entries: pair row i with row n - 2 - i so that every iteration does n - 1 of them
    for i in numba.prange(n // 2):
        _pdist_row(XT, i, D, weights, ward)
        j = n - 2 - i
        if j != i:
            _pdist_row(XT, j, D, weights, ward)


def nn_chain_reference(D, n, method, sizes):
    """Nearest-neighbour chain on a condensed matrix, in plain Python (slow; for tests on small n).

    Same arguments as :func:`nn_chain`; returns the unsorted merges (x, y, height, size).
    """
    D = D.copy()
    sizes = np.asarray(sizes, dtype=np.float64).copy()
    Z = np.empty((n - 1, 4))
    chain = []
    for k in range(n - 1):
        if not chain:
            chain.append(int(np.flatnonzero(sizes > 0)[0]))
        while True:
            x = chain[-1]
            if len(chain) > 1:
                y = chain[-2]
                current = D[condensed_index(n, min(x, y), max(x, y))]
            else:
                y, current = -1, np.inf
            for i in range(n):
                if sizes[i] == 0 or i == x:
                    continue
                dist = D[condensed_index(n, min(x, i), max(x, i))]
                if dist < current:
                    current, y = dist, i
            if len(chain) > 1 and y == chain[-2]:
                break
            chain.append(y)
        chain = chain[:-2]
        x, y = min(x, y), max(x, y)
        n_x, n_y = sizes[x], sizes[y]
        Z[k] = x, y, current, n_x + n_y
        sizes[x] = 0.0
        sizes[y] = n_x + n_y
        for i in range(n):
            if sizes[i] == 0 or i == y:
                continue
            ix = condensed_index(n, min(i, x), max(i, x))
            iy = condensed_index(n, min(i, y), max(i, y))
            D[iy] = lance_williams_reference(
                {COMPLETE: "complete", AVERAGE: "average", WARD: "ward", SINGLE: "single"}[method],
                D[ix], D[iy], current, n_x, n_y, sizes[i])
    return Z


@numba.njit(cache=True, nogil=True)
def nn_chain(D, n, method, sizes, Z):
    r"""Nearest-neighbour-chain agglomeration (Murtagh 1983; Müllner 2011, as SciPy's ``nn_chain``).

    Follow nearest neighbours from any cluster, :math:`a \to b \to c \dots`, until two
    clusters are each other's nearest neighbours; merge them (a reducible linkage
    never makes a merged pair nearer to anything, so the rest of the chain stays
    valid) and update their distances by Lance-Williams. :math:`O(n^2)` time, no
    memory beyond ``D``.

    Parameters
    ----------
    D : ndarray of shape (n(n-1)/2,)   # IN/OUT: condensed distances, overwritten by the updates
    n : int
    method : int                       # COMPLETE, AVERAGE or WARD (reducible linkages)
    sizes : ndarray of shape (n,)      # IN/OUT: cluster weights (ones, or k-means cluster sizes)
    Z : ndarray of shape (n - 1, 4)    # OUT: merges (x, y, height, size) in the order made, x < y
        the slots of the two clusters; the new cluster keeps slot y.
    """
    chain = np.empty(n, dtype=np.int64)
    length = 0
    for k in range(n - 1):
        if length == 0:
            for i in range(n):
                if sizes[i] > 0:
                    chain[0] = i
                    break
            length = 1
        while True:
            x = chain[length - 1]
            # prefer the previous element of the chain on a tie, so the chain never cycles
            if length > 1:
                y = chain[length - 2]
                current = D[_condensed_index(n, min(x, y), max(x, y))]
            else:
                y = -1
                current = np.inf
            # i < x: column x of the upper triangle (strided); i > x: row x (contiguous)
            for i in range(x):
                if sizes[i] > 0:
                    dist = D[_condensed_index(n, i, x)]
                    if dist < current:
                        current = dist
                        y = i
            base = _condensed_index(n, x, x + 1) - (x + 1)
            for i in range(x + 1, n):
                if sizes[i] > 0:
                    dist = D[base + i]
                    if dist < current:
                        current = dist
                        y = i
            if length > 1 and y == chain[length - 2]:
                break
            chain[length] = y
            length += 1
        length -= 2
        if x > y:
            x, y = y, x
        n_x = sizes[x]
        n_y = sizes[y]
        Z[k, 0] = x
        Z[k, 1] = y
        Z[k, 2] = current
        Z[k, 3] = n_x + n_y
        sizes[x] = 0.0
        sizes[y] = n_x + n_y
        for i in range(n):
            n_i = sizes[i]
            if n_i == 0 or i == y:
                continue
            ix = _condensed_index(n, min(i, x), max(i, x))
            iy = _condensed_index(n, min(i, y), max(i, y))
            D[iy] = _lance_williams(method, D[ix], D[iy], current, n_x, n_y, n_i)


def mst_single_reference(X):
    """Prim's minimum spanning tree on a full distance matrix (NumPy); merges as :func:`mst_single` returns them."""
    n = X.shape[0]
    full = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    Z = np.empty((n - 1, 4))
    merged = np.zeros(n, dtype=bool)
    dist = np.full(n, np.inf)
    x = 0
    for k in range(n - 1):
        merged[x] = True
        dist = np.where(merged, np.inf, np.minimum(dist, full[x]))
        y = int(np.argmin(dist))  # the first of equal minima, as SciPy
        Z[k] = x, y, dist[y], 0.0
        x = y
    return Z


@numba.njit(cache=True, nogil=True)
def mst_single(XT, Z):
    r"""Prim's minimum spanning tree with distances computed on the fly (single linkage, S23).

    Grow the tree from point 0: keep for every outside point its distance to the
    tree, :math:`D_j = \min_{t \in T} d(t, j)`; add the nearest outside point
    :math:`y`, then lower :math:`D_j` by :math:`d(y, j)`. The merges recorded are
    (previously added point, new point, :math:`D_y`): not the tree's edges, but
    once sorted by height they give the single-linkage dendrogram (Müllner 2011,
    "MST-linkage-core"; SciPy's ``mst_single_linkage`` does the same).
    :math:`O(n^2 d)` time, :math:`O(n)` memory.

    The outside points are kept packed at the front of work arrays (a removed
    point is swapped with the last), so every step streams over them without
    gaps; a tie in :math:`D` goes to the smaller point index, as in SciPy.

    Parameters
    ----------
    XT : ndarray of shape (d, n)    # IN: the points as columns
    Z : ndarray of shape (n - 1, 4) # OUT: (x, y, height, 0) in the order found
    """
    d, n = XT.shape
    P = XT.copy()                        # coordinates of the outside points, packed
    idx = np.arange(n)                   # their original indices
    dist2 = np.full(n, np.inf)           # squared D_j
    acc = np.empty(n)
    x = 0
    m = n
    # remove point 0 (position 0) from the outside set
    m -= 1
    P[:, 0] = P[:, m]
    idx[0] = idx[m]
    dist2[0] = dist2[m]
    for k in range(n - 1):
        acc[:m] = 0.0
        for f in range(d):
            xf = XT[f, x]
            col = P[f]
            for j in range(m):
                t = col[j] - xf
                acc[j] += t * t
        best = np.inf
        best_pos = -1
        best_idx = n
        for j in range(m):
            v = acc[j]
            if v < dist2[j]:
                dist2[j] = v
            else:
                v = dist2[j]
            if v < best or (v == best and idx[j] < best_idx):
                best = v
                best_pos = j
                best_idx = idx[j]
        Z[k, 0] = x
        Z[k, 1] = best_idx
        Z[k, 2] = np.sqrt(best)
        Z[k, 3] = 0.0
        x = best_idx
        m -= 1
        for f in range(d):
            P[f, best_pos] = P[f, m]
        idx[best_pos] = idx[m]
        dist2[best_pos] = dist2[m]


def label_reference(Z, n, weights):
    """Relabel sorted merges into SciPy's numbering by union-find, in plain Python; in place."""
    parent = list(range(2 * n - 1))
    size = list(weights) + [0.0] * (n - 1)

    def find(a):
        while parent[a] != a:
            a = parent[a]
        return a

    for i in range(n - 1):
        a, b = find(int(Z[i, 0])), find(int(Z[i, 1]))
        Z[i, 0], Z[i, 1] = min(a, b), max(a, b)
        parent[a] = parent[b] = n + i
        size[n + i] = size[a] + size[b]
        Z[i, 3] = size[n + i]


@numba.njit(cache=True, nogil=True)
def label(Z, n, weights):
    r"""Turn merges sorted by height into SciPy's linkage format, in place.

    Row i merges the clusters that contain points (or slots) ``Z[i, 0]`` and
    ``Z[i, 1]``; union-find (with path compression) gives their current
    cluster ids, written smaller first, and the merged cluster gets id
    :math:`n + i`. ``Z[i, 3]`` becomes the total weight of the merged cluster.

    Parameters
    ----------
    Z : ndarray of shape (n - 1, 4)   # IN/OUT
    n : int
    weights : ndarray of shape (n,)   # IN: weight of each leaf (ones for points)
    """
    parent = np.arange(2 * n - 1)
    size = np.zeros(2 * n - 1)
    size[:n] = weights
    for i in range(n - 1):
        a = int(Z[i, 0])
        b = int(Z[i, 1])
        ra = a
        while parent[ra] != ra:
            ra = parent[ra]
        while parent[a] != ra:  # path compression
            parent[a], a = ra, parent[a]
        rb = b
        while parent[rb] != rb:
            rb = parent[rb]
        while parent[b] != rb:
            parent[b], b = rb, parent[b]
        Z[i, 0] = min(ra, rb)
        Z[i, 1] = max(ra, rb)
        parent[ra] = n + i
        parent[rb] = n + i
        size[n + i] = size[ra] + size[rb]
        Z[i, 3] = size[n + i]


@numba.njit(cache=True, nogil=True)
def cut(Z, n, n_clusters, labels):
    r"""Flat clusters after the first :math:`n - \text{n\_clusters}` merges of a SciPy linkage matrix.

    Parameters
    ----------
    Z : ndarray of shape (n - 1, 4)  # IN
    n, n_clusters : int
    labels : int64 ndarray of shape (n,)  # OUT: 0 .. n_clusters - 1, numbered by first appearance
    """
    parent = np.arange(2 * n - 1)
    for i in range(n - n_clusters):
        parent[int(Z[i, 0])] = n + i
        parent[int(Z[i, 1])] = n + i
    root_label = np.full(2 * n - 1, -1)
    next_label = 0
    for p in range(n):
        r = p
        while parent[r] != r:
            r = parent[r]
        if root_label[r] < 0:
            root_label[r] = next_label
            next_label += 1
        labels[p] = root_label[r]
