r"""numba kernels of t-SNE (S27), each beside a short NumPy reference with the same signature.

- :func:`knn_select_reference` / :func:`_knn_select`: the k nearest neighbours of a
  block of rows from their squared distances to every point (self excluded).
- :func:`binary_search_perplexity_reference` / :func:`_binary_search_perplexity`:
  per row, the precision :math:`\beta_i = 1/(2\sigma_i^2)` whose conditional
  distribution :math:`p_{j|i} \propto e^{-\beta_i d_{ij}^2}` has entropy
  :math:`\log(\text{perplexity})` (nats).
- :func:`exact_kl_gradient_reference` / :func:`_exact_kl_gradient`: the O(n^2)
  KL divergence and its gradient (the teaching form, ``method="exact"``).
- :func:`attraction_reference` / :func:`_attraction`: the attractive term over
  the sparse P, :math:`\sum_j p_{ij} w_{ij} (y_i - y_j)`, with
  :math:`w_{ij} = (1 + \lVert y_i - y_j\rVert^2)^{-1}`.
- :func:`repulsion_reference` (exact) / :func:`_build_quadtree` + :func:`_bh_repulsion`
  (Barnes-Hut): :math:`\sum_j w_{ij}^2 (y_i - y_j)` and
  :math:`Z_i = \sum_{j \ne i} w_{ij}`.
- :func:`_exact_Z`: :math:`Z = \sum_{i \ne j} w_{ij}` in O(n^2) time, O(1) memory
  (the final KL divergence is reported exactly, not with the tree's estimate).

Arguments marked ``# OUT`` are written, ``# IN`` only read. Everything is float64.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "attraction_reference",
    "binary_search_perplexity_reference",
    "exact_kl_gradient_reference",
    "knn_select_reference",
    "repulsion_reference",
]

#: Floor of probabilities inside logarithms (scikit-learn's MACHINE_EPSILON).
EPS = np.finfo(np.float64).eps
#: Depth of the quadtree beyond which coincident points share one leaf.
MAX_DEPTH = 48

_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}


# ---------------------------------------------------------------------------
# k nearest neighbours of a block of rows
# ---------------------------------------------------------------------------


def knn_select_reference(D, row0, k, ind, dist):
    """The ``k`` smallest entries of each row of ``D`` (IN, (b, n) squared distances of rows
    ``row0 .. row0+b-1`` to all points), the row's own point excluded; ``ind``, ``dist`` OUT (b, k),
    sorted by distance."""
    D = D.copy()
    D[np.arange(D.shape[0]), row0 + np.arange(D.shape[0])] = np.inf
    part = np.argpartition(D, k - 1, axis=1)[:, :k]
    d = np.take_along_axis(D, part, axis=1)
    order = np.argsort(d, axis=1, kind="stable")
    ind[:] = np.take_along_axis(part, order, axis=1)
    dist[:] = np.take_along_axis(d, order, axis=1)


@numba.njit(parallel=True, **_OPTIONS)
def _knn_select(D, row0, k, ind, dist):
    # D: IN (b, n); ind, dist: OUT (b, k). A sorted insertion list of length k per row: most
    # candidates are rejected by one comparison against the current k-th distance.
    b, n = D.shape
    for r in numba.prange(b):
        self_j = row0 + r
        m = 0
        for j in range(n):
            if j == self_j:
                continue
            d = D[r, j]
            if m == k and d >= dist[r, k - 1]:
                continue
            pos = m if m < k else k - 1
            while pos > 0 and dist[r, pos - 1] > d:
                if pos < k:
                    dist[r, pos] = dist[r, pos - 1]
                    ind[r, pos] = ind[r, pos - 1]
                pos -= 1
            dist[r, pos] = d
            ind[r, pos] = j
            if m < k:
                m += 1


# ---------------------------------------------------------------------------
# Perplexity calibration
# ---------------------------------------------------------------------------


def binary_search_perplexity_reference(D, perplexity, dense, P):
    r"""Row-wise :math:`p_{j|i} = e^{-\beta_i D_{ij}} / \sum_k e^{-\beta_i D_{ik}}` with :math:`\beta_i`
    bisected until :math:`H_i = \log \sum_k e^{-\beta_i D_{ik}} + \beta_i \sum_j p_{j|i} D_{ij}` equals
    :math:`\log(\text{perplexity})` within 1e-5 (at most 100 steps, scikit-learn's rule).

    D: IN (n, k) squared distances (``dense``: (n, n) with the diagonal ignored); P: OUT (n, k).
    """
    target = np.log(perplexity)
    for i in range(D.shape[0]):
        d = D[i].astype(np.float64)
        mask = np.ones(d.shape[0], bool)
        if dense:
            mask[i] = False
        beta, lo, hi = 1.0, -np.inf, np.inf
        for _ in range(100):
            p = np.where(mask, np.exp(-d * beta), 0.0)
            s = max(p.sum(), 1e-8)
            H = np.log(s) + beta * np.sum(d * p) / s
            p /= s
            if abs(H - target) <= 1e-5:
                break
            if H > target:
                lo = beta
                beta = beta * 2.0 if hi == np.inf else (beta + hi) / 2.0
            else:
                hi = beta
                beta = beta / 2.0 if lo == -np.inf else (beta + lo) / 2.0
        P[i] = p


@numba.njit(parallel=True, **_OPTIONS)
def _binary_search_perplexity(D, perplexity, dense, P):
    # D: IN (n, k); P: OUT (n, k). Rows are independent: one bisection per row, in parallel.
    n, k = D.shape
    target = np.log(perplexity)
    for i in numba.prange(n):
        beta, lo, hi = 1.0, -np.inf, np.inf
        for _ in range(100):
            s = 0.0
            sd = 0.0
            for j in range(k):
                if dense and j == i:
                    P[i, j] = 0.0
                    continue
                p = np.exp(-D[i, j] * beta)
                P[i, j] = p
                s += p
                sd += D[i, j] * p
            if s == 0.0:
                s = 1e-8
            H = np.log(s) + beta * sd / s
            for j in range(k):
                P[i, j] /= s
            if abs(H - target) <= 1e-5:
                break
            if H > target:  # too flat: sharpen
                lo = beta
                beta = beta * 2.0 if hi == np.inf else (beta + hi) / 2.0
            else:
                hi = beta
                beta = beta / 2.0 if lo == -np.inf else (beta + lo) / 2.0


# ---------------------------------------------------------------------------
# Exact O(n^2) objective and gradient
# ---------------------------------------------------------------------------


def exact_kl_gradient_reference(P, Y, exaggeration, compute_error, grad):
    r"""KL(aP||Q) and its gradient, :math:`\partial C/\partial y_i = 4 \sum_j (a p_{ij} - q_{ij}) w_{ij} (y_i - y_j)`.

    :math:`w_{ij} = (1 + \lVert y_i - y_j \rVert^2)^{-1}`, :math:`q_{ij} = w_{ij} / \sum_{k \ne l} w_{kl}`,
    :math:`a` = ``exaggeration``. P: IN (n, n) symmetric, zero diagonal, summing to 1; Y: IN (n, d);
    grad: OUT (n, d). Returns the KL divergence, or NaN unless ``compute_error``.
    """
    diff = Y[:, None, :] - Y[None, :, :]
    w = 1.0 / (1.0 + np.sum(diff**2, axis=-1))
    np.fill_diagonal(w, 0.0)
    Q = w / w.sum()
    P = exaggeration * P
    grad[:] = 4.0 * np.einsum("ij,ijk->ik", (P - Q) * w, diff)
    if not compute_error:
        return np.nan
    return float(np.sum(P * np.log(np.maximum(P, EPS) / np.maximum(Q, EPS))))


@numba.njit(parallel=True, **_OPTIONS)
def _exact_kl_gradient(P, Y, exaggeration, compute_error, grad):
    # P: IN (n, n); Y: IN (n, d); grad: OUT (n, d). Two passes: Z first, then (a p - q) w per pair;
    # the logarithms of the KL only when asked (they cost more than the gradient).
    n, d = Y.shape
    Z = 0.0
    for i in numba.prange(n):
        for j in range(n):
            if j != i:
                d2 = 0.0
                for a in range(d):
                    t = Y[i, a] - Y[j, a]
                    d2 += t * t
                Z += 1.0 / (1.0 + d2)
    kl = 0.0
    for i in numba.prange(n):
        for a in range(d):
            grad[i, a] = 0.0
        for j in range(n):
            if j == i:
                continue
            d2 = 0.0
            for a in range(d):
                t = Y[i, a] - Y[j, a]
                d2 += t * t
            w = 1.0 / (1.0 + d2)
            q = w / Z
            p = exaggeration * P[i, j]
            if compute_error:
                kl += p * np.log(max(p, EPS) / max(q, EPS))
            c = 4.0 * (p - q) * w
            for a in range(d):
                grad[i, a] += c * (Y[i, a] - Y[j, a])
    return kl if compute_error else np.nan


# ---------------------------------------------------------------------------
# Sparse attraction and exact Z
# ---------------------------------------------------------------------------


def attraction_reference(indptr, indices, data, Y, pos):
    r"""pos: OUT (n, d), :math:`\sum_j p_{ij} w_{ij} (y_i - y_j)` over the CSR matrix P (IN)."""
    rows = np.repeat(np.arange(Y.shape[0]), np.diff(indptr))
    diff = Y[rows] - Y[indices]
    w = 1.0 / (1.0 + np.sum(diff**2, axis=1))
    pos[:] = 0.0
    np.add.at(pos, rows, (data * w)[:, None] * diff)


@numba.njit(parallel=True, **_OPTIONS)
def _attraction(indptr, indices, data, Y, pos):
    # indptr, indices, data: IN (CSR of P); Y: IN (n, d); pos: OUT (n, d)
    n, d = Y.shape
    for i in numba.prange(n):
        for a in range(d):
            pos[i, a] = 0.0
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            d2 = 0.0
            for a in range(d):
                t = Y[i, a] - Y[j, a]
                d2 += t * t
            c = data[e] / (1.0 + d2)
            for a in range(d):
                pos[i, a] += c * (Y[i, a] - Y[j, a])


@numba.njit(parallel=True, **_OPTIONS)
def _sparse_kl(indptr, indices, data, Y, Z):
    # KL(P||Q) = sum_ij p_ij log(p_ij / q_ij), q_ij = w_ij / Z, over the nonzeros of P (zeros add nothing)
    n, d = Y.shape
    kl = 0.0
    for i in numba.prange(n):
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            d2 = 0.0
            for a in range(d):
                t = Y[i, a] - Y[j, a]
                d2 += t * t
            p = data[e]
            kl += p * np.log(max(p, EPS) / max(1.0 / ((1.0 + d2) * Z), EPS))
    return kl


@numba.njit(parallel=True, **_OPTIONS)
def _exact_Z(Y):
    # Z = sum_{i != j} 1 / (1 + |y_i - y_j|^2), each pair once and doubled
    n, d = Y.shape
    Z = 0.0
    for i in numba.prange(n):
        for j in range(i + 1, n):
            d2 = 0.0
            for a in range(d):
                t = Y[i, a] - Y[j, a]
                d2 += t * t
            Z += 1.0 / (1.0 + d2)
    return 2.0 * Z


# ---------------------------------------------------------------------------
# Barnes-Hut repulsion (2-D quadtree)
# ---------------------------------------------------------------------------


def repulsion_reference(Y, theta, neg):
    r"""Exact repulsion (what Barnes-Hut approximates; ``theta`` is ignored).

    neg: OUT (n, d), :math:`\sum_{j \ne i} w_{ij}^2 (y_i - y_j)`. Returns :math:`Z = \sum_{i \ne j} w_{ij}`.
    """
    diff = Y[:, None, :] - Y[None, :, :]
    w = 1.0 / (1.0 + np.sum(diff**2, axis=-1))
    np.fill_diagonal(w, 0.0)
    neg[:] = np.einsum("ij,ijk->ik", w**2, diff)
    return float(w.sum())


@numba.njit(**_OPTIONS)
def _build_quadtree(Y, child, com, count, centre, width, point, leaf_of):
    r"""Insert the points of Y (IN, (n, 2)) one by one into a quadtree held in flat arrays.

    child: OUT (cap, 4) node ids (-1: none); com: OUT (cap, 2) centre of mass; count: OUT (cap,);
    centre: OUT (cap, 2) cell centre; width: OUT (cap,) cell side; point: OUT (cap,) the point of a
    one-point leaf (-1 otherwise); leaf_of: OUT (n,) the leaf holding each point.
    Returns the number of nodes, or -1 when ``cap`` nodes were not enough (the caller doubles it).
    Below :data:`MAX_DEPTH` levels coincident points share a leaf instead of splitting forever.
    """
    n = Y.shape[0]
    cap = child.shape[0]
    lo0, hi0 = Y[:, 0].min(), Y[:, 0].max()
    lo1, hi1 = Y[:, 1].min(), Y[:, 1].max()
    side = max(hi0 - lo0, hi1 - lo1) * (1.0 + 1e-6) + 1e-12
    child[0, :] = -1
    com[0, 0] = 0.0
    com[0, 1] = 0.0
    count[0] = 0
    centre[0, 0] = 0.5 * (lo0 + hi0)
    centre[0, 1] = 0.5 * (lo1 + hi1)
    width[0] = side
    point[0] = -1
    n_nodes = 1
    for i in range(n):
        y0, y1 = Y[i, 0], Y[i, 1]
        node = 0
        depth = 0
        while True:
            c = count[node]
            # running centre of mass of the cell
            com[node, 0] = (com[node, 0] * c + y0) / (c + 1)
            com[node, 1] = (com[node, 1] * c + y1) / (c + 1)
            count[node] = c + 1
            is_leaf = child[node, 0] < 0 and child[node, 1] < 0 and child[node, 2] < 0 and child[node, 3] < 0
            if is_leaf and c == 0:
                point[node] = i
                leaf_of[i] = node
                break
            if is_leaf and (depth >= MAX_DEPTH or point[node] < 0):
                # coincident points at the depth limit: they share this leaf
                point[node] = -1
                leaf_of[i] = node
                break
            if is_leaf:
                # split: the resident point moves down into its quadrant
                old = point[node]
                point[node] = -1
                q = (Y[old, 0] > centre[node, 0]) + 2 * (Y[old, 1] > centre[node, 1])
                if n_nodes >= cap:
                    return -1
                m = n_nodes
                n_nodes += 1
                child[node, q] = m
                child[m, :] = -1
                half = 0.25 * width[node]
                centre[m, 0] = centre[node, 0] + (half if q & 1 else -half)
                centre[m, 1] = centre[node, 1] + (half if q & 2 else -half)
                width[m] = 0.5 * width[node]
                com[m, 0] = Y[old, 0]
                com[m, 1] = Y[old, 1]
                count[m] = 1
                point[m] = old
                leaf_of[old] = m
            q = (y0 > centre[node, 0]) + 2 * (y1 > centre[node, 1])
            nxt = child[node, q]
            if nxt < 0:
                if n_nodes >= cap:
                    return -1
                nxt = n_nodes
                n_nodes += 1
                child[node, q] = nxt
                child[nxt, :] = -1
                half = 0.25 * width[node]
                centre[nxt, 0] = centre[node, 0] + (half if q & 1 else -half)
                centre[nxt, 1] = centre[node, 1] + (half if q & 2 else -half)
                width[nxt] = 0.5 * width[node]
                com[nxt, 0] = 0.0
                com[nxt, 1] = 0.0
                count[nxt] = 0
                point[nxt] = -1
            node = nxt
            depth += 1
    return n_nodes


@numba.njit(**_OPTIONS)
def _thread_tree(child, n_nodes, first, skip):
    """Depth-first threading of the tree: first: OUT first child (-1 at a leaf); skip: OUT the node
    visited after a node's whole subtree (-1 at the end). A traversal then needs no stack."""
    stack = np.empty(4 * MAX_DEPTH + 8, np.int64)
    nexts = np.empty(4 * MAX_DEPTH + 8, np.int64)
    kids = np.empty(4, np.int64)
    stack[0] = 0
    nexts[0] = -1
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        after = nexts[top]
        skip[node] = after
        m = 0
        for q in range(4):
            if child[node, q] >= 0:
                kids[m] = child[node, q]
                m += 1
        first[node] = kids[0] if m > 0 else -1
        # push in reverse so the first child is visited first; each child's successor is its next sibling
        for t in range(m - 1, -1, -1):
            stack[top] = kids[t]
            nexts[top] = kids[t + 1] if t + 1 < m else after
            top += 1
    return n_nodes


@numba.njit(parallel=True, **_OPTIONS)
def _bh_repulsion(Y, com, count, width, first, skip, leaf_of, theta, neg):
    r"""Barnes-Hut: a cell of side :math:`w` at distance :math:`d` from :math:`y_i` with
    :math:`w / d < \theta` acts as one point of mass ``count`` at its centre of mass.

    Y: IN (n, 2); tree arrays: IN; neg: OUT (n, 2), :math:`\sum_j w_{ij}^2 (y_i - y_j)`.
    Returns :math:`Z \approx \sum_{i \ne j} w_{ij}`.
    """
    n = Y.shape[0]
    theta2 = theta * theta
    Z = 0.0
    for i in numba.prange(n):
        y0, y1 = Y[i, 0], Y[i, 1]
        f0 = 0.0
        f1 = 0.0
        z = 0.0
        own = leaf_of[i]
        node = 0
        while node >= 0:
            d0 = y0 - com[node, 0]
            d1 = y1 - com[node, 1]
            d2 = d0 * d0 + d1 * d1
            leaf = first[node] < 0
            if leaf or width[node] * width[node] < theta2 * d2:
                m = count[node] - (1 if node == own else 0)  # never the point itself
                if m > 0:
                    w = 1.0 / (1.0 + d2)
                    z += m * w
                    mw2 = m * w * w
                    f0 += mw2 * d0
                    f1 += mw2 * d1
                node = skip[node]
            else:
                node = first[node]
        neg[i, 0] = f0
        neg[i, 1] = f1
        Z += z
    return Z
