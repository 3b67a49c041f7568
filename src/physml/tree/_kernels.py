r"""Split search and tree growth for decision trees (S32), as numba kernels.

A tree is grown depth first by :func:`grow_tree`, one call per tree that never
touches Python (``nogil=True``), so a forest grows its trees in threads. Per
node it

1. sums the node's statistics: weighted class counts :math:`w_k` (classifiers)
   or :math:`(\sum w, \sum w y, \sum w y^2)` (regression);
2. stops (leaf) when the depth reached ``max_depth``, the node holds fewer than
   ``min_samples_split`` or ``2 min_samples_leaf`` samples, or its impurity is zero;
3. visits candidate features (all, in order 0..p-1, or ``mtry`` drawn without
   replacement, more only if all of those are constant in the node, and never
   one found constant in an ancestor: scikit-learn's rule)
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

* exact: gather the node's values of the feature, sort them with their
  positions in place, and consider a threshold between consecutive distinct
  values (gap > 1e-7, scikit-learn's ``FEATURE_THRESHOLD``), at their midpoint
  ``a/2 + b/2``;
* histogram: features are binned once into ``uint8`` codes (``code <= b`` iff
  ``x <= edges[b]``). Per node the histograms (class weights, or weight sums)
  of all candidate features are filled together: with up to 64 features the
  codes are stored row-major and ONE pass over the samples serves every
  candidate (a sample's codes share a cache line); with more (Ising spins) they
  are stored feature-major and read column by column in ascending sample
  order. A node of ``n`` samples costs ``n`` per feature instead of
  ``n log n``; the proxy is evaluated, and the histogram cleared, only at the
  non-empty bins. A split after bin ``b`` gets the threshold ``edges[b]``.

The node's sample indices, targets and weights are permuted together at
each partition, so the per-sample reads of a node are contiguous; only the
codes (or values) are gathered.

Bootstrap replicates enter as sample weights (counts): no copy of ``X``.
Random draws (feature subsets) come from a xorshift64* generator whose state
is one ``uint64``, seeded per tree, so a tree depends on its seed only.

Arguments marked ``# IN/OUT`` are updated in place.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "apply",
    "apply_reference",
    "bin_codes",
    "bin_edges",
    "bin_edges_reference",
    "grow_tree",
    "node_impurity",
    "node_impurity_reference",
]

#: Criteria, as integers for the kernels.
GINI, ENTROPY, SQUARED_ERROR = 0, 1, 2
#: scikit-learn's FEATURE_THRESHOLD: values closer than this are one value.
FEATURE_THRESHOLD = 1e-7
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
def _add(stats, off, y, w, is_clf):
    # stats[off:off+S]: IN/OUT, adds one sample of target y (class code, or value) and weight w
    if is_clf:
        stats[off + np.int64(y)] += w
    else:
        stats[off] += w
        stats[off + 1] += w * y
        stats[off + 2] += w * y * y


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
def _sort_pairs(vals, idx, n):
    # vals[:n], idx[:n]: IN/OUT, sorted together by vals (quicksort, median of three, insertion sort below 16;
    # an explicit stack holds the larger part so it never exceeds 2 log2 n entries)
    stack = np.empty((128, 2), np.int64)
    top = 0
    lo = 0
    hi = n - 1
    while True:
        while hi - lo >= 16:
            mid = (lo + hi) >> 1
            if vals[mid] < vals[lo]:
                _swap(vals, idx, mid, lo)
            if vals[hi] < vals[lo]:
                _swap(vals, idx, hi, lo)
            if vals[hi] < vals[mid]:
                _swap(vals, idx, hi, mid)
            pivot = vals[mid]
            i = lo
            j = hi
            while i <= j:
                while vals[i] < pivot:
                    i += 1
                while vals[j] > pivot:
                    j -= 1
                if i <= j:
                    _swap(vals, idx, i, j)
                    i += 1
                    j -= 1
            if j - lo < hi - i:  # recurse into the smaller part, push the larger
                stack[top, 0] = i
                stack[top, 1] = hi
                hi = j
            else:
                stack[top, 0] = lo
                stack[top, 1] = j
                lo = i
            top += 1
        for a in range(lo + 1, hi + 1):
            v = vals[a]
            k = idx[a]
            q = a - 1
            while q >= lo and vals[q] > v:
                vals[q + 1] = vals[q]
                idx[q + 1] = idx[q]
                q -= 1
            vals[q + 1] = v
            idx[q + 1] = k
        if top == 0:
            return
        top -= 1
        lo = stack[top, 0]
        hi = stack[top, 1]


@_jit
def _swap(vals, idx, a, b):
    v = vals[a]
    vals[a] = vals[b]
    vals[b] = v
    k = idx[a]
    idx[a] = idx[b]
    idx[b] = k


@_jit
def _swap_features(features, position, a, b):
    # features: IN/OUT permutation, position: IN/OUT its inverse
    fa = features[a]
    fb = features[b]
    features[a] = fb
    features[b] = fa
    position[fb] = a
    position[fa] = b


@_jit
def _sweep_sorted(vals, order, ys, ws, start, n, is_clf, criterion, min_samples_leaf, node_stats, left, right,
                  best_proxy):
    # vals[:n] ascending: the node's values of one feature, order[:n] their positions in the node. Returns
    # (proxy, j): the best split puts the first j+1 sorted samples left; j = -1 when none beats best_proxy.
    S = left.shape[0]
    left[:] = 0.0
    best_j = -1
    for j in range(n - 1):
        q = start + order[j]
        _add(left, 0, ys[q], ws[q], is_clf)
        if vals[j + 1] <= vals[j] + FEATURE_THRESHOLD:
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
def _sweep_hist(hist, count, occupied, n_occupied, n, criterion, min_samples_leaf, node_stats, left, right,
                best_proxy):
    # hist[b*S:(b+1)*S], count[b]: one feature's statistics per bin in the node; occupied[:n_occupied]: the
    # non-empty bins, ascending. Returns (proxy, b): the best split sends bins <= b left; -1 if none is better.
    S = left.shape[0]
    left[:] = 0.0
    n_left = 0
    best_b = -1
    for k in range(n_occupied - 1):
        b = occupied[k]
        n_left += count[b]
        for s in range(S):
            left[s] += hist[b * S + s]
        if n_left < min_samples_leaf or n - n_left < min_samples_leaf:
            continue
        for s in range(S):
            right[s] = node_stats[s] - left[s]
        proxy = _proxy(left, right, criterion)
        if proxy > best_proxy:
            best_proxy = proxy
            best_b = b
    return best_proxy, best_b


@_jit
def _fill_hists(codes, row_major, candidates, n_candidates, samples, ys, ws, start, end, is_clf, hist, count,
                occupied, n_occupied):
    # Fills the histograms of all candidate features of one node. Row-major codes (few features): one pass over
    # the samples, whose codes share a cache line. Feature-major codes (many features): one pass per feature,
    # reading its codes in ascending sample order. hist (k, bins * S), count (k, bins): IN/OUT, zero on entry;
    # occupied (k, bins), n_occupied (k,): OUT, each feature's non-empty bins in ascending order.
    # (The branch on is_clf is the same for every sample; the compiler hoists it.)
    S = hist.shape[1] // count.shape[1]
    if row_major:
        for j in range(start, end):
            i = samples[j]
            y = ys[j]
            w = ws[j]
            for k in range(n_candidates):
                b = np.int64(codes[i, candidates[k]])
                count[k, b] += 1
                if is_clf:
                    hist[k, b * S + np.int64(y)] += w
                else:
                    hist[k, b * S] += w
                    hist[k, b * S + 1] += w * y
                    hist[k, b * S + 2] += w * y * y
    else:
        for k in range(n_candidates):
            f = candidates[k]
            for j in range(start, end):
                b = np.int64(codes[f, samples[j]])
                count[k, b] += 1
                y = ys[j]
                w = ws[j]
                if is_clf:
                    hist[k, b * S + np.int64(y)] += w
                else:
                    hist[k, b * S] += w
                    hist[k, b * S + 1] += w * y
                    hist[k, b * S + 2] += w * y * y
    # the non-empty bins, ascending, read off the counts (cheaper than tracking them in the loop above,
    # which would chain every update to the previous one)
    for k in range(n_candidates):
        m = 0
        for b in range(count.shape[1]):
            if count[k, b] > 0:
                occupied[k, m] = b
                m += 1
        n_occupied[k] = m

@_jit
def grow_tree(X_exact, X_codes, row_major, n_edges, edges, exact, samples, ys, ws, n_stats, criterion,
              max_depth, min_samples_split, min_samples_leaf, mtry, seed):
    """Grow one tree; return its arrays trimmed to the number of nodes.

    X_exact : float64 (p, n), feature-major values (exact; else shape (0, 0))
    X_codes : uint8 bin codes (histogram; else shape (0, 0)), (n, p) if ``row_major`` else (p, n)
    n_edges : int64 (p,), edges : float64 (p, max_bins - 1): bin edges (histogram)
    samples : int64 (m,) the rows with positive weight; ys, ws : float64 (m,) their targets (class codes for a
        classifier) and weights. All three IN/OUT: permuted together, so a node's samples are contiguous.
    n_stats : K (classes) or 3 (regression); mtry : features to visit per node (p = all, in order)

    Returns (children_left, children_right, feature, threshold, stats (nodes, n_stats),
    n_node_samples, impurity, max depth reached).
    """
    is_clf = criterion != SQUARED_ERROR
    S = n_stats
    p = n_edges.shape[0]
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

    # stack of (start, end, depth, parent, is_left, number of features known constant in the node)
    stack = np.zeros((min(capacity, m + 64), 6), np.int64)
    stack[0, 1] = m
    stack[0, 3] = -1
    top = 1

    rng = np.empty(1, np.uint64)
    rng[0] = numba.uint64(seed) | numba.uint64(1)
    # features[:n_known] are constant in the node (found in an ancestor: never drawn again, as scikit-learn);
    # known[:n] lists them in the order found, shared along the depth-first path
    features = np.arange(p)
    position = np.arange(p)
    known = np.empty(p, np.int64)
    vals = np.empty(m, np.float64)
    order = np.empty(m, np.int64)
    tmp_i = np.empty(m, np.int64)
    tmp_y = np.empty(m, np.float64)
    tmp_w = np.empty(m, np.float64)
    n_bins = 1 if exact else edges.shape[1] + 1
    batch = 1 if exact else min(mtry, p)
    candidates = np.empty(batch, np.int64)
    hist = np.zeros((batch, n_bins * S), np.float64)
    count = np.zeros((batch, n_bins), np.int64)
    occupied = np.empty((batch, n_bins), np.int64)
    n_occupied = np.empty(batch, np.int64)
    left = np.empty(S, np.float64)
    right = np.empty(S, np.float64)

    n_nodes = 0
    depth_reached = 0
    while top > 0:
        top -= 1
        start, end, depth, parent, is_left = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3], stack[top, 4]
        n_known = stack[top, 5]
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
            _add(node_stats, 0, ys[j], ws[j], is_clf)
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
        if mtry < p:
            for a in range(n_known):
                _swap_features(features, position, a, position[known[a]])
        else:
            n_known = 0  # every feature is visited, in order
        n_const = n_known
        kf = n_known
        # as scikit-learn: mtry features are drawn (a constant one counts too), and more only until one is not
        # constant; those known constant from an ancestor are not drawn again
        while (visited < mtry or n_const == kf) and kf < p:
            # draw the next candidates without replacement (Fisher-Yates; all, in order, when mtry = p)
            n_cand = 0
            while n_cand < (1 if exact else max(1, mtry - visited)) and kf < p:
                if mtry < p:
                    _swap_features(features, position, kf, kf + _randint(rng, p - kf))
                candidates[n_cand] = features[kf]
                n_cand += 1
                kf += 1
            if exact:
                f = candidates[0]
                for j in range(n):
                    vals[j] = X_exact[f, samples[start + j]]
                    order[j] = j
                _sort_pairs(vals, order, n)
                visited += 1
                if vals[n - 1] <= vals[0] + FEATURE_THRESHOLD:
                    if mtry < p:
                        known[n_const] = f
                        _swap_features(features, position, n_const, position[f])
                        n_const += 1
                    continue
                proxy, j = _sweep_sorted(vals, order, ys, ws, start, n, is_clf, criterion, min_samples_leaf,
                                         node_stats, left, right, best_proxy)
                if j >= 0:
                    best_proxy = proxy
                    best_f = f
                    lo_val = vals[j]
                    hi_val = vals[j + 1]
                    t = lo_val / 2.0 + hi_val / 2.0
                    best_split = lo_val if t == hi_val or np.isinf(t) else t
                continue
            _fill_hists(X_codes, row_major, candidates, n_cand, samples, ys, ws, start, end, is_clf, hist, count,
                        occupied, n_occupied)
            for k in range(n_cand):
                visited += 1
                if n_occupied[k] <= 1 and mtry < p:
                    f = candidates[k]
                    known[n_const] = f
                    _swap_features(features, position, n_const, position[f])
                    n_const += 1
                elif n_occupied[k] > 1:
                    proxy, b = _sweep_hist(hist[k], count[k], occupied[k], n_occupied[k], n, criterion,
                                           min_samples_leaf, node_stats, left, right, best_proxy)
                    if b >= 0:
                        best_proxy = proxy
                        best_f = candidates[k]
                        best_split = b
                for a in range(n_occupied[k]):  # leave the histograms zero for the next node
                    b = occupied[k, a]
                    count[k, b] = 0
                    hist[k, b * S:(b + 1) * S] = 0.0
        if best_f < 0:
            continue

        # stable partition: rows going left keep their order at the front, the others follow
        n_left = 0
        n_right = 0
        for j in range(start, end):
            i = samples[j]
            if exact:
                go_left = X_exact[best_f, i] <= best_split
            elif row_major:
                go_left = X_codes[i, best_f] <= best_split
            else:
                go_left = X_codes[best_f, i] <= best_split
            if go_left:
                samples[start + n_left] = i
                ys[start + n_left] = ys[j]
                ws[start + n_left] = ws[j]
                n_left += 1
            else:
                tmp_i[n_right] = i
                tmp_y[n_right] = ys[j]
                tmp_w[n_right] = ws[j]
                n_right += 1
        mid = start + n_left
        samples[mid:end] = tmp_i[:n_right]
        ys[mid:end] = tmp_y[:n_right]
        ws[mid:end] = tmp_w[:n_right]
        feature[node] = best_f
        threshold[node] = best_split if exact else edges[best_f, np.int64(best_split)]
        stack[top, 0] = mid
        stack[top, 1] = end
        stack[top, 2] = depth + 1
        stack[top, 3] = node
        stack[top, 4] = 0
        stack[top, 5] = n_const
        stack[top + 1, 0] = start
        stack[top + 1, 1] = mid
        stack[top + 1, 2] = depth + 1
        stack[top + 1, 3] = node
        stack[top + 1, 4] = 1
        stack[top + 1, 5] = n_const
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
    # codes: OUT (n, p) uint8, codes[r, f] = #{edges of f < X[r, f]}, so code <= b iff x <= edges[b]
    n, p = X.shape
    for r in range(n):
        for f in range(p):
            x = X[r, f]
            lo = 0
            hi = n_edges[f]
            while lo < hi:  # first edge >= x
                mid = (lo + hi) >> 1
                if edges[f, mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            codes[r, f] = lo


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
    # distinct values per feature, kept sorted, read row by row (X is row-major) until a feature has more
    # than max_bins of them
    distinct = np.empty((p, max_bins), np.float64)
    n_distinct = np.zeros(p, np.int64)
    few = np.ones(p, np.bool_)
    for r in range(n):
        for f in range(p):
            if not few[f]:
                continue
            x = X[r, f]
            nd = n_distinct[f]
            lo = 0
            hi = nd
            while lo < hi:
                mid = (lo + hi) >> 1
                if distinct[f, mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < nd and distinct[f, lo] == x:
                continue
            if nd == max_bins:
                few[f] = False
                continue
            for k in range(nd, lo, -1):
                distinct[f, k] = distinct[f, k - 1]
            distinct[f, lo] = x
            n_distinct[f] = nd + 1
    column = np.empty(n, np.float64)
    for f in range(p):
        ne = 0
        if few[f]:
            for k in range(1, n_distinct[f]):
                a = distinct[f, k - 1]
                b = distinct[f, k]
                t = a / 2.0 + b / 2.0
                edges[f, ne] = a if t == b else t
                ne += 1
        else:
            for r in range(n):
                column[r] = X[r, f]
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
