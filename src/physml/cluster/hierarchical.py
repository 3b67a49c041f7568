r"""Agglomerative hierarchical clustering (S23).

Start from singletons and repeatedly merge the two closest clusters; the
distance between clusters is the *linkage*:

* single: :math:`d(A, B) = \min_{a \in A, b \in B} \lVert a - b\rVert`;
* complete: :math:`d(A, B) = \max_{a, b} \lVert a - b\rVert`;
* average (UPGMA): :math:`d(A, B) = \frac{1}{|A||B|}\sum_{a, b} \lVert a - b\rVert`;
* ward: :math:`d(A, B) = \sqrt{\frac{2|A||B|}{|A|+|B|}}\,\lVert \bar a - \bar b\rVert`,
  so that :math:`d^2/2` is the increase of the within-cluster sum of squares.

Algorithms of the right complexity (Müllner, arXiv:1109.2378, 2011):

* single linkage is the minimum spanning tree, grown by Prim's algorithm
  with the distances computed on the fly: :math:`O(n^2 d)` time and
  :math:`O(n)` memory (:func:`physml.cluster._kernels.mst_single`);
* complete, average and ward are *reducible*, so the nearest-neighbour chain
  finds the same merges as the naive algorithm in :math:`O(n^2)` time, with the
  Lance-Williams updates working in place on the condensed distance matrix
  (:math:`n(n-1)/2` doubles; :func:`physml.cluster._kernels.nn_chain`).

The merges, sorted by height and renumbered by union-find, form SciPy's linkage
matrix: row i joins clusters ``Z[i, 0] < Z[i, 1]`` at height ``Z[i, 2]`` into
cluster :math:`n + i` of ``Z[i, 3]`` points.

Large n (S23): the condensed matrix of n = 10^5 points needs 37 GiB, so
``precluster=k`` first runs k-means and links the k centres, each weighted by
its number of points :math:`m_a`. A centre stands for a cluster of :math:`m_a`
coincident points: the initial distances are the Ward distances of such
clusters, :math:`\sqrt{2 m_a m_b/(m_a + m_b)}\, \lVert c_a - c_b\rVert` for ward,
and :math:`\lVert c_a - c_b\rVert` otherwise; the Lance-Williams updates then use
the weights as sizes (average: :math:`d = (m_x d_{xi} + m_y d_{yi})/(m_x + m_y)`;
ward: the formula in :mod:`physml.cluster._kernels` with :math:`n \to m`). The
result equals the linkage of the data with every point moved onto its centre
(above the zero-height merges of coincident points).
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

from .. import base
from ..base import Estimator, check_array, check_scalar, check_sizes
from . import _kernels
from .kmeans import KMeans, _ClusterMixin

__all__ = ["AgglomerativeClustering", "dendrogram", "linkage"]

_LINKAGES = tuple(_kernels.METHODS)


def _linkage(X, method, weights):
    """SciPy linkage matrix of the rows of X with leaf weights (inputs assumed validated and sized)."""
    n = X.shape[0]
    XT = np.ascontiguousarray(X.T)
    Z = np.empty((n - 1, 4))
    if method == "single":
        _kernels.mst_single(XT, Z)
    else:
        D = np.empty(n * (n - 1) // 2)
        _kernels.pdist(XT, D, weights, method == "ward")
        _kernels.nn_chain(D, n, _kernels.METHODS[method], weights.copy(), Z)
        del D
    Z = Z[np.argsort(Z[:, 2], kind="mergesort")]  # stable: equal heights keep the order they were found in
    _kernels.label(Z, n, weights)
    return Z


def _max_points():
    """Most points whose condensed distances fit in physml's memory limit (for the precluster hint)."""
    limit = int(os.environ.get("PHYSML_MAX_BYTES", base.MAX_BYTES))
    return int((1 + math.sqrt(1 + limit)) / 2)  # n(n-1)/2 * 8 bytes <= limit


def _check_linkage_size(n, method):
    if method == "single":  # Prim on the fly: O(n) memory
        return
    k = _max_points()
    check_sizes(
        [(n * (n - 1) // 2,)],
        what=f"{method} linkage of {n} points (condensed distance matrix)",
        hint=f"use precluster=k to link k k-means centres instead, k <= {k}, e.g. precluster={min(k, 1000)}",
    )


def linkage(X, method="ward"):
    r"""Hierarchical clustering of the rows of X as a SciPy linkage matrix (S23).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        At least two samples.
    method : {"single", "complete", "average", "ward"}

    Returns
    -------
    Z : ndarray of shape (n_samples - 1, 4)
        Row i merges clusters ``Z[i, 0] < Z[i, 1]`` at height ``Z[i, 2]`` into
        cluster ``n_samples + i`` of ``Z[i, 3]`` points; heights non-decreasing.

    Notes
    -----
    Equal to ``scipy.cluster.hierarchy.linkage(X, method)`` (same algorithms,
    same tie rules). See the module docstring for the algorithms and their cost.
    """
    X = check_array(X, ensure_min_samples=2)
    if method not in _LINKAGES:
        raise ValueError(f"method must be one of {_LINKAGES}, got {method!r}.")
    _check_linkage_size(X.shape[0], method)
    return _linkage(X, method, np.ones(X.shape[0]))


class AgglomerativeClustering(_ClusterMixin, Estimator):
    r"""Agglomerative hierarchical clustering (S23): merge the closest clusters until ``n_clusters`` remain.

    Parameters
    ----------
    n_clusters : int or None, default=2
        Number of flat clusters; None if ``distance_threshold`` is given.
    linkage : {"ward", "single", "complete", "average"}, default="ward"
        Distance between clusters (module docstring).
    distance_threshold : float or None
        Cut the tree where the merge height reaches this value: the flat clusters
        are those of the merges below it (as scikit-learn: ``n_clusters_`` is one
        plus the number of merge heights >= threshold). Requires ``n_clusters=None``.
    precluster : int or None
        Run k-means with this many centres first and link the centres, weighted
        by their sizes (for n too large for the :math:`n^2/2` distances); every
        point then gets the cluster of its centre.
    random_state : None, int or numpy.random.Generator
        Seeds the k-means of ``precluster`` (unused otherwise).

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Flat cluster of each point, numbered by first appearance.
    n_clusters_ : int
    linkage_matrix_ : ndarray of shape (n_leaves_ - 1, 4)
        The full tree in SciPy's format (over the k-means centres with ``precluster``;
        ``Z[:, 3]`` then counts points, not centres).
    children_ : ndarray of shape (n_leaves_ - 1, 2)
        ``linkage_matrix_[:, :2]`` as integers (scikit-learn's attribute).
    distances_ : ndarray of shape (n_leaves_ - 1,)
        Merge heights, ``linkage_matrix_[:, 2]``.
    n_leaves_ : int
        n_samples, or the number of k-means centres with ``precluster``.
    precluster_centers_, precluster_labels_ : ndarray
        With ``precluster``: the centres that were linked and the centre of each point.
    n_features_in_ : int

    Notes
    -----
    Heights equal ``scipy.cluster.hierarchy.linkage`` for all four linkages.
    Single linkage: :math:`O(n^2 d)` time, :math:`O(n)` memory; the others
    :math:`O(n^2)` time and :math:`4 n^2` bytes (checked before allocating;
    SciPy needs twice that). Müllner, arXiv:1109.2378 (2011).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [5.0], [6.5]])
    >>> model = AgglomerativeClustering(2, linkage="single").fit(X)
    >>> model.labels_, model.distances_
    (array([0, 0, 1, 1]), array([1. , 1.5, 4. ]))
    """

    def __init__(self, n_clusters=2, *, linkage="ward", distance_threshold=None, precluster=None,
                 random_state=None):
        self.n_clusters = n_clusters
        self.linkage = linkage
        self.distance_threshold = distance_threshold
        self.precluster = precluster
        self.random_state = random_state

    def _check_params(self, n):
        if self.linkage not in _LINKAGES:
            raise ValueError(f"linkage must be one of {_LINKAGES}, got {self.linkage!r}.")
        if (self.n_clusters is None) == (self.distance_threshold is None):
            raise ValueError(
                "Exactly one of n_clusters and distance_threshold must be None (got "
                f"n_clusters={self.n_clusters!r}, distance_threshold={self.distance_threshold!r})."
            )
        if self.n_clusters is not None:
            check_scalar(self.n_clusters, "n_clusters", numbers.Integral, min_val=1)
        else:
            check_scalar(self.distance_threshold, "distance_threshold", numbers.Real, min_val=0.0)
        if self.precluster is not None:
            check_scalar(self.precluster, "precluster", numbers.Integral, min_val=2)
            if self.precluster > n:
                raise ValueError(f"precluster={self.precluster} must be <= n_samples={n}.")
            if self.n_clusters is not None and self.precluster < self.n_clusters:
                raise ValueError(f"precluster={self.precluster} must be >= n_clusters={self.n_clusters}.")
        if self.n_clusters is not None and self.n_clusters > n:
            raise ValueError(f"n_samples={n} should be >= n_clusters={self.n_clusters}.")

    def fit(self, X, y=None):
        """Build the tree of X and cut it into flat clusters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = check_array(X, ensure_min_samples=2)
        n = X.shape[0]
        self._check_params(n)
        if self.precluster is not None:
            km = KMeans(int(self.precluster), random_state=self.random_state).fit(X)
            counts = np.bincount(km.labels_, minlength=int(self.precluster))
            kept = np.flatnonzero(counts)  # a centre left without points (duplicates) is dropped
            relabel = np.full(len(counts), -1)
            relabel[kept] = np.arange(len(kept))
            points, weights = km.cluster_centers_[kept], counts[kept].astype(np.float64)
            point_leaf = relabel[km.labels_]
            if self.n_clusters is not None and self.n_clusters > len(points):
                raise ValueError(
                    f"k-means found only {len(points)} non-empty clusters, fewer than n_clusters={self.n_clusters}."
                )
            self.precluster_centers_, self.precluster_labels_ = points, point_leaf
        else:
            points, weights = X, np.ones(n)
        m = points.shape[0]
        _check_linkage_size(m, self.linkage)
        Z = _linkage(points, self.linkage, weights)
        if self.n_clusters is None:
            n_clusters = int(np.count_nonzero(Z[:, 2] >= self.distance_threshold)) + 1
        else:
            n_clusters = int(self.n_clusters)
        leaf_labels = np.empty(m, dtype=np.int64)
        _kernels.cut(Z, m, n_clusters, leaf_labels)
        if self.precluster is not None:
            labels = leaf_labels[point_leaf]
            # renumber by first appearance among the points
            _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
            rank = np.empty(len(first), dtype=np.int64)
            rank[np.argsort(first)] = np.arange(len(first))
            leaf_labels = rank[inverse]
        self.labels_ = leaf_labels
        self.n_clusters_ = n_clusters
        self.linkage_matrix_ = Z
        self.children_ = Z[:, :2].astype(np.intp)
        self.distances_ = Z[:, 2].copy()
        self.n_leaves_ = m
        self.n_features_in_ = X.shape[1]
        return self


def _dendrogram_layout(Z, p):
    """Leaf order and U-links of the tree showing the last ``p - 1`` merges (SciPy's layout).

    Returns ``leaves`` (ids left to right: points, or clusters ``>= n`` that stand
    for a truncated subtree), ``counts`` (points under each leaf) and ``links``,
    an array (n_links, 4, 2) of the four corners of each U.
    """
    n = Z.shape[0] + 1
    first_shown = 2 * n - p  # clusters with a smaller id (>= n) are drawn as leaves
    leaves, counts, links = [], [], []
    x_of, h_of = {}, {}
    # iterative post-order walk from the root, left child (Z[i, 0]) first, as scipy.cluster.hierarchy.dendrogram
    stack = [(2 * n - 2, False)]
    while stack:
        node, expanded = stack.pop()
        if node < n or node < first_shown:
            x_of[node], h_of[node] = 5.0 + 10.0 * len(leaves), 0.0
            leaves.append(node)
            counts.append(1 if node < n else int(Z[node - n, 3]))
            continue
        a, b = int(Z[node - n, 0]), int(Z[node - n, 1])
        if not expanded:
            stack += [(node, True), (b, False), (a, False)]
            continue
        h = float(Z[node - n, 2])
        links.append([(x_of[a], h_of[a]), (x_of[a], h), (x_of[b], h), (x_of[b], h_of[b])])
        x_of[node], h_of[node] = (x_of[a] + x_of[b]) / 2.0, h
    return np.array(leaves, dtype=np.int64), np.array(counts), np.array(links, dtype=float).reshape(-1, 4, 2)


def dendrogram(model_or_Z, ax=None, truncate=None, *, color="C0", max_labels=60):
    r"""Draw the merge tree (S23): a U-shaped link per merge at its height, leaves in SciPy's order.

    Parameters
    ----------
    model_or_Z : AgglomerativeClustering or array of shape (n - 1, 4)
        A fitted model (its ``linkage_matrix_``) or a SciPy linkage matrix.
    ax : matplotlib.axes.Axes or None
        Where to draw; None draws on a new :class:`matplotlib.figure.Figure`
        (pyplot and its global state are never used).
    truncate : int or None
        Show only the last ``truncate`` clusters, i.e. the last ``truncate - 1``
        merges (SciPy's ``truncate_mode="lastp"``); a leaf then stands for a
        subtree and is labelled with its number of points in parentheses.
    color : matplotlib colour
        Colour of the links.
    max_labels : int
        Leaves are labelled (point index, or "(count)") only up to this many.

    Returns
    -------
    ax : matplotlib.axes.Axes
    leaves : ndarray of int
        Leaf ids from left to right (point indices, or cluster ids >= n for
        truncated subtrees): equal to SciPy's ``dendrogram(Z, no_plot=True)["leaves"]``.

    Notes
    -----
    Leaf j sits at x = 5 + 10 j and a merge at the mean x of its two children,
    so the coordinates are SciPy's ``icoord``/``dcoord``.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    if isinstance(model_or_Z, AgglomerativeClustering):
        base.check_is_fitted(model_or_Z, "linkage_matrix_")
        Z = model_or_Z.linkage_matrix_
    else:
        Z = check_array(model_or_Z, name="Z")
        if Z.shape[1] != 4:
            raise ValueError(f"Z must be a linkage matrix of shape (n - 1, 4), got shape {Z.shape}.")
        n = Z.shape[0] + 1
        ids = Z[:, :2]
        if (ids != np.round(ids)).any() or ids.min() < 0 or (ids >= n + np.arange(n - 1)[:, None]).any():
            raise ValueError("Z is not a linkage matrix: row i must join two clusters with ids below n + i.")
    n = Z.shape[0] + 1
    if truncate is None:
        p = n
    else:
        check_scalar(truncate, "truncate", numbers.Integral, min_val=1)
        p = min(int(truncate), n)
    leaves, counts, links = _dendrogram_layout(Z, p)
    if ax is None:
        ax = Figure().add_subplot()
    ax.add_collection(LineCollection(links, colors=color, linewidths=1.0))
    top = float(links[:, :, 1].max()) if len(links) else 1.0
    ax.set_xlim(0.0, 10.0 * len(leaves))
    ax.set_ylim(0.0, 1.05 * top if top > 0 else 1.0)
    if len(leaves) <= max_labels:
        names = [str(leaf) if leaf < n else f"({c})" for leaf, c in zip(leaves, counts)]
        ax.set_xticks(5.0 + 10.0 * np.arange(len(leaves)), names, rotation=90)
    else:
        ax.set_xticks([])
    ax.set_ylabel("merge height")
    return ax, leaves
