r"""Split search and tree growth for decision trees (S32), as numba kernels.

A tree is grown depth first by :func:`grow_tree`, one call per tree that never
touches Python (``nogil=True``), so a forest grows its trees in threads. Per
node it

1. sums the node's statistics: weighted class counts :math:`w_k` (classifiers)
   or :math:`(\sum w, \sum w y, \sum w y^2)` (regression);
2. stops (leaf) when the depth reached ``max_depth``, the node holds fewer than
   ``min_samples_split`` or ``2 min_samples_leaf`` samples, or its impurity is zero;
3. visits candidate features (all, in order 0..p-1, or a random subset of
   ``mtry`` non-constant ones, drawn without replacement as scikit-learn does)
   and, per feature, sweeps the split positions left to right keeping the
   left statistics as a running sum (right = node - left), scoring each by the
   proxy of the impurity decrease (below); the largest proxy wins, the first
   one on ties (strict ``>``);
4. partitions the node's sample indices in place (stable: left block, right
   block) and pushes the right then the left child, so nodes are numbered in
   pre-order with the left subtree first (scikit-learn's depth-first builder).

Impurities of a node with weight :math:`w = \sum_k w_k`, :math:`p_k = w_k/w`:

.. math::

    \text{gini} = 1 - \sum_k p_k^2, \qquad
    \text{entropy} = -\sum_k p_k \log_2 p_k, \qquad
    \text{squared error} = \frac{\sum w y^2}{w} - \Big(\frac{\sum w y}{w}\Big)^2 .

The impurity decrease of a split is
:math:`w\,i(\text{node}) - w_L i(L) - w_R i(R)`; the node term is the same for
every candidate, so the search maximises the proxy :math:`-w_L i(L) - w_R i(R)`,
which for gini is :math:`\sum_k w_{L,k}^2/w_L + \sum_k w_{R,k}^2/w_R - w` and
for squared error :math:`(\sum_L w y)^2/w_L + (\sum_R w y)^2/w_R` (up to the
node constant).

Two ways to find a feature's split positions (``exact``):

* exact: gather the node's values of the feature, argsort them, and consider a
  threshold between consecutive distinct values (gap > 1e-7, scikit-learn's
  ``FEATURE_THRESHOLD``), at their midpoint ``a/2 + b/2``;
* histogram: features are binned once into ``uint8`` codes (``code <= b`` iff
  ``x <= edges[b]``); per node and feature a histogram of the statistics over
  the bins is filled in one pass and swept bin by bin, so a node of ``n``
  samples costs ``n + n_bins`` instead of ``n log n``. Nodes of fewer than
  ``SMALL_NODE`` samples sort their codes instead (cheaper than sweeping 255
  bins). A split after bin ``b`` gets the threshold ``edges[b]``.

Bootstrap replicates enter as sample weights (counts): no copy of ``X``.
Random draws (feature subsets) come from a xorshift64* generator whose state
is one ``uint64``, seeded per tree, so a tree depends on its seed only.

Arguments marked ``# IN/OUT`` are updated in place.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "SMALL_NODE",
    "apply",
    "apply_reference",
    "bin_codes",
    "grow_tree",
    "node_impurity",
    "node_impurity_reference",
]

#: Criteria, as integers for the kernels.
GINI, ENTROPY, SQUARED_ERROR = 0, 1, 2
#: scikit-learn's FEATURE_THRESHOLD: values closer than this are one value.
FEATURE_THRESHOLD = 1e-7
#: Below this many samples a histogram node sorts its codes instead of sweeping every bin.
SMALL_NODE = 48
_EPSILON = np.finfo(np.float64).eps
_LOG2 = np.log(2.0)


# ---------------------------------------------------------------------------
# NumPy references
# ---------------------------------------------------------------------------


def node_impurity_reference(stats, criterion):
    """Impurity of one node from its statistics (class weights, or (w, wy, wy^2))."""
    stats = np.asarray(stats, dtype=np.float64)
    if criterion == SQUARED_ERROR:
        w, wy, wy2 = stats
        return wy2 / w - (wy / w) ** 2
    p = stats / stats.sum()
    if criterion == GINI:
        return 1.0 - np.sum(p * p)
    p = p[p > 0]
    return -np.sum(p * np.log2(p))


def apply_reference(X, children_left, children_right, feature, threshold):
    """Leaf index of each row of ``X``: go left while ``x[feature] <= threshold``."""
    out = np.empty(X.shape[0], dtype=np.int64)
    for r in range(X.shape[0]):
        node = 0
        while children_left[node] != -1:
            node = children_left[node] if X[r, feature[node]] <= threshold[node] else children_right[node]
        out[r] = node
    return out


# ---------------------------------------------------------------------------
# numba kernels
# ---------------------------------------------------------------------------

_jit = numba.njit(cache=True, nogil=True)


@_jit
def node_impurity(stats, criterion):
    # stats: IN, class weights (length K) or (w, wy, wy^2)
    if criterion == SQUARED_ERROR:
        mean = stats[1] / stats[0]
        return stats[2] / stats[0] - mean * mean
    w = 0.0
    for k in range(stats.shape[0]):
        w += stats[k]
    out = 1.0 if criterion == GINI else 0.0
    for k in range(stats.shape[0]):
        if stats[k] > 0.0:
            p = stats[k] / w
            if criterion == GINI:
                out -= p * p
            else:
                out -= p * np.log(p) / _LOG2
    return out


@_jit
def _weight(stats, criterion):
    if criterion == SQUARED_ERROR:
        return stats[0]
    w = 0.0
    for k in range(stats.shape[0]):
        w += stats[k]
    return w


@_jit
def _proxy(left, right, criterion):
    # proxy of the impurity decrease, -w_L i(L) - w_R i(R) up to the node constant
    S = left.shape[0]
    if criterion == SQUARED_ERROR:
        return left[1] * left[1] / left[0] + right[1] * right[1] / right[0]
    wl = 0.0
    wr = 0.0
    for k in range(S):
        wl += left[k]
        wr += right[k]
    if criterion == GINI:
        sl = 0.0
        sr = 0.0
        for k in range(S):
            sl += left[k] * left[k]
            sr += right[k] * right[k]
        return sl / wl + sr / wr
    out = 0.0  # entropy: sum_k w_k log2(w_k / w) on each side
    for k in range(S):
        if left[k] > 0.0:
            out += left[k] * np.log(left[k] / wl) / _LOG2
        if right[k] > 0.0:
            out += right[k] * np.log(right[k] / wr) / _LOG2
    return out


@_jit
def _add_sample(stats, off, i, y_class, y_value, w, is_clf, sign):
    # stats[off:off+S]: IN/OUT, adds (sign=1) or removes (sign=-1) sample i
    wi = sign * w[i]
    if is_clf:
        stats[off + y_class[i]] += wi
    else:
        stats[off] += wi
        stats[off + 1] += wi * y_value[i]
        stats[off + 2] += wi * y_value[i] * y_value[i]


@_jit
def _next_random(state):
    # xorshift64* (Vigna 2016); state: IN/OUT uint64[1]
    x = state[0]
    x ^= x >> numba.uint64(12)
    x ^= x << numba.uint64(25)
    x ^= x >> numba.uint64(27)
    state[0] = x
    return x * numba.uint64(2685821657736338717)


@_jit
def _randint(state, high):
    # uniform integer in [0, high)
    return np.int64(_next_random(state) >> numba.uint64(11)) % high


@_jit
def _sweep_sorted(vals, order, samples, start, n, y_class, y_value, w, is_clf, criterion,
                  min_samples_leaf, node_stats, left, right, best_proxy):
    # vals[order] ascending: the node's feature values (or codes). Returns (proxy, j): the best split
    # puts the first j+1 sorted samples left; j = -1 when no split beats best_proxy.
    S = left.shape[0]
    left[:] = 0.0
    best_j = -1
    for j in range(n - 1):
        _add_sample(left, 0, samples[start + order[j]], y_class, y_value, w, is_clf, 1.0)
        if vals[order[j + 1]] <= vals[order[j]] + FEATURE_THRESHOLD:
            continue
        n_left = j + 1
        if n_left < min_samples_leaf or n - n_left < min_samples_leaf:
            continue
        for k in range(S):
            right[k] = node_stats[k] - left[k]
        proxy = _proxy(left, right, criterion)
        if proxy > best_proxy:
            best_proxy = proxy
            best_j = j
    return best_proxy, best_j


@_jit
def _sweep_hist(hist, count, n_bins, n, criterion, min_samples_leaf, node_stats, left, right, best_proxy):
    # hist[b*S:(b+1)*S], count[b]: the node's statistics per bin. Returns (proxy, b): split after bin b.
    S = left.shape[0]
    left[:] = 0.0
    n_left = 0
    best_b = -1
    for b in range(n_bins):
        if count[b] == 0:
            continue
        n_left += count[b]
        if n_left == n:
            break
        for k in range(S):
            left[k] += hist[b * S + k]
        if n_left < min_samples_leaf or n - n_left < min_samples_leaf:
            continue
        for k in range(S):
            right[k] = node_stats[k] - left[k]
        proxy = _proxy(left, right, criterion)
        if proxy > best_proxy:
            best_proxy = proxy
            best_b = b
    return best_proxy, best_b


@_jit
def grow_tree(X_exact, X_codes, n_edges, edges, exact, y_class, y_value, w, samples, n_stats, criterion,
              max_depth, min_samples_split, min_samples_leaf, mtry, seed):
    """Grow one tree; return its arrays trimmed to the number of nodes.

    X_exact : float64 (p, n), feature-major values (exact; else shape (0, 0))
    X_codes : uint8 (p, n), feature-major bin codes (histogram; else shape (0, 0))
    n_edges : int64 (p,), edges : float64 (p, max_bins - 1): bin edges (histogram)
    y_class : int64 (n,) class codes (classifier), y_value : float64 (n,) targets (regressor)
    w : float64 (n,) sample weights; samples : int64 (m,) the rows with w > 0, IN/OUT (permuted)
    n_stats : K (classes) or 3 (regression); mtry : features to visit per node (p = all, in order)

    Returns (children_left, children_right, feature, threshold, stats (nodes, n_stats),
    n_node_samples, impurity, max depth reached).
    """
    is_clf = criterion != SQUARED_ERROR
    S = n_stats
    p = X_codes.shape[0] if not exact else X_exact.shape[0]
    m = samples.shape[0]
    capacity = 2 * m - 1
    if max_depth < 62:
        capacity = min(capacity, (1 << (max_depth + 1)) - 1)
    children_left = np.empty(capacity, np.int64)
    children_right = np.empty(capacity, np.int64)
    feature = np.empty(capacity, np.int64)
    threshold = np.empty(capacity, np.float64)
    stats = np.zeros((capacity, S), np.float64)
    n_node_samples = np.empty(capacity, np.int64)
    impurity = np.empty(capacity, np.float64)

    # stack of (start, end, depth, parent, is_left)
    stack = np.empty((min(capacity, m + 64), 5), np.int64)
    stack[0, 0] = 0
    stack[0, 1] = m
    stack[0, 2] = 0
    stack[0, 3] = -1
    stack[0, 4] = 0
    top = 1

    rng = np.empty(1, np.uint64)
    rng[0] = numba.uint64(seed) | numba.uint64(1)
    features = np.arange(p)
    vals = np.empty(m, np.float64)
    order = np.empty(m, np.int64)
    tmp = np.empty(m, np.int64)
    max_bins = edges.shape[1] + 1 if not exact else 1
    hist = np.empty(max_bins * S, np.float64)
    count = np.empty(max_bins, np.int64)
    left = np.empty(S, np.float64)
    right = np.empty(S, np.float64)

    n_nodes = 0
    depth_reached = 0
    while top > 0:
        top -= 1
        start, end, depth, parent, is_left = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3], stack[top, 4]
        node = n_nodes
        n_nodes += 1
        if parent >= 0:
            if is_left:
                children_left[parent] = node
            else:
                children_right[parent] = node
        depth_reached = max(depth_reached, depth)
        n = end - start
        node_stats = stats[node]
        for j in range(start, end):
            _add_sample(node_stats, 0, samples[j], y_class, y_value, w, is_clf, 1.0)
        imp = node_impurity(node_stats, criterion)
        impurity[node] = imp
        n_node_samples[node] = n
        children_left[node] = -1
        children_right[node] = -1
        feature[node] = -2
        threshold[node] = -2.0
        if depth >= max_depth or n < min_samples_split or n < 2 * min_samples_leaf or imp <= _EPSILON:
            continue

        best_proxy = -np.inf
        best_f = -1
        best_split = 0.0
        visited = 0
        for kf in range(p):
            if visited >= mtry:
                break
            if mtry < p:  # Fisher-Yates: the next feature drawn without replacement
                r = kf + _randint(rng, p - kf)
                f = features[r]
                features[r] = features[kf]
                features[kf] = f
            else:
                f = kf
            if exact or n < SMALL_NODE:
                for j in range(n):
                    i = samples[start + j]
                    vals[j] = X_exact[f, i] if exact else X_codes[f, i]
                order[:n] = np.argsort(vals[:n])
                if vals[order[n - 1]] <= vals[order[0]] + FEATURE_THRESHOLD:
                    continue  # constant in this node: does not count towards mtry
                visited += 1
                proxy, j = _sweep_sorted(vals, order, samples, start, n, y_class, y_value, w, is_clf,
                                         criterion, min_samples_leaf, node_stats, left, right, best_proxy)
                if j >= 0:
                    best_proxy = proxy
                    best_f = f
                    a = vals[order[j]]
                    if exact:
                        b = vals[order[j + 1]]
                        t = a / 2.0 + b / 2.0
                        if t == b or np.isinf(t):
                            t = a
                        best_split = t
                    else:
                        best_split = a
            else:
                n_bins = n_edges[f] + 1
                hist[: n_bins * S] = 0.0
                count[:n_bins] = 0
                lo = n_bins
                hi = -1
                for j in range(start, end):
                    i = samples[j]
                    b = np.int64(X_codes[f, i])
                    count[b] += 1
                    _add_sample(hist, b * S, i, y_class, y_value, w, is_clf, 1.0)
                    lo = min(lo, b)
                    hi = max(hi, b)
                if lo == hi:
                    continue
                visited += 1
                proxy, b = _sweep_hist(hist[lo * S:], count[lo:], hi - lo + 1, n, criterion, min_samples_leaf,
                                       node_stats, left, right, best_proxy)
                if b >= 0:
                    best_proxy = proxy
                    best_f = f
                    best_split = lo + b
        if best_f < 0:
            continue

        # stable partition: rows going left keep their order at the front, the others follow
        n_left = 0
        n_right = 0
        for j in range(start, end):
            i = samples[j]
            if exact:
                go_left = X_exact[best_f, i] <= best_split
            else:
                go_left = X_codes[best_f, i] <= best_split
            if go_left:
                samples[start + n_left] = i
                n_left += 1
            else:
                tmp[n_right] = i
                n_right += 1
        samples[start + n_left:end] = tmp[:n_right]
        feature[node] = best_f
        threshold[node] = best_split if exact else edges[best_f, np.int64(best_split)]
        mid = start + n_left
        stack[top, 0] = mid
        stack[top, 1] = end
        stack[top, 2] = depth + 1
        stack[top, 3] = node
        stack[top, 4] = 0
        stack[top + 1, 0] = start
        stack[top + 1, 1] = mid
        stack[top + 1, 2] = depth + 1
        stack[top + 1, 3] = node
        stack[top + 1, 4] = 1
        top += 2

    return (children_left[:n_nodes].copy(), children_right[:n_nodes].copy(), feature[:n_nodes].copy(),
            threshold[:n_nodes].copy(), stats[:n_nodes].copy(), n_node_samples[:n_nodes].copy(),
            impurity[:n_nodes].copy(), depth_reached)


@_jit
def apply(X, children_left, children_right, feature, threshold, out):
    # X: IN (n, p) float64; out: OUT (n,) leaf index of each row
    for r in range(X.shape[0]):
        node = 0
        while children_left[node] != -1:
            if X[r, feature[node]] <= threshold[node]:
                node = children_left[node]
            else:
                node = children_right[node]
        out[r] = node


@_jit
def bin_codes(X, edges, n_edges, codes):
    # X: IN (n, p); edges: IN (p, max_bins - 1) ascending, first n_edges[f] used;
    # codes: OUT (p, n) uint8, codes[f, r] = #{edges of f < X[r, f]}, so code <= b iff x <= edges[b]
    n, p = X.shape
    for f in range(p):
        ne = n_edges[f]
        for r in range(n):
            x = X[r, f]
            lo = 0
            hi = ne
            while lo < hi:  # first edge >= x
                mid = (lo + hi) >> 1
                if edges[f, mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            codes[f, r] = lo


def bin_edges_reference(column, max_bins):
    """Bin edges of one feature: midpoints of its distinct values if it has at most ``max_bins``
    of them (then histogram splits equal exact ones), else midpoints at ``max_bins`` quantiles."""
    u = np.unique(column)
    if len(u) <= max_bins:
        a, b = u[:-1], u[1:]
    else:
        s = np.sort(column)
        idx = np.arange(1, max_bins) * len(s) // max_bins
        a, b = s[idx - 1], s[idx]
    t = a / 2.0 + b / 2.0
    t = np.where(t == b, a, t)
    return np.unique(t)


@_jit
def bin_edges(X, max_bins, edges, n_edges):
    # X: IN (n, p); edges: OUT (p, max_bins - 1) (first n_edges[f] used); n_edges: OUT (p,)
    n, p = X.shape
    distinct = np.empty(max_bins, np.float64)
    column = np.empty(n, np.float64)
    for f in range(p):
        for r in range(n):
            column[r] = X[r, f]
        # distinct values, kept sorted, until there are more than max_bins of them
        nd = 0
        few = True
        for r in range(n):
            x = column[r]
            lo = 0
            hi = nd
            while lo < hi:
                mid = (lo + hi) >> 1
                if distinct[mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < nd and distinct[lo] == x:
                continue
            if nd == max_bins:
                few = False
                break
            for k in range(nd, lo, -1):
                distinct[k] = distinct[k - 1]
            distinct[lo] = x
            nd += 1
        ne = 0
        if few:
            for k in range(1, nd):
                a = distinct[k - 1]
                b = distinct[k]
                t = a / 2.0 + b / 2.0
                edges[f, ne] = a if t == b else t
                ne += 1
        else:
            s = np.sort(column)
            for q in range(1, max_bins):
                idx = q * n // max_bins
                a = s[idx - 1]
                b = s[idx]
                t = a / 2.0 + b / 2.0
                if t == b:
                    t = a
                if ne == 0 or t > edges[f, ne - 1]:
                    edges[f, ne] = t
                    ne += 1
        n_edges[f] = ne
