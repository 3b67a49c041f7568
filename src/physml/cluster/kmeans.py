r"""k-means clustering (S22): Lloyd's algorithm with k-means++ seeding.

The slide's cost, with one-hot assignments :math:`r_{nk}`,

.. math::

    C = \sum_{n=1}^N \sum_{k=1}^K r_{nk} \lVert x_n - \mu_k \rVert^2 ,

is lowered by alternating its two exact partial minimisations:

1. assignment: :math:`r_{nk} = 1` for :math:`k = \arg\min_j \lVert x_n - \mu_j\rVert^2`;
2. update: :math:`\mu_k = \sum_n r_{nk} x_n / \sum_n r_{nk}`.

Neither step can raise :math:`C`, so the iteration stops: when no label
changes, or when the cost falls by less than ``tol`` relative to its previous
value (the rule of the slide, made scale-free; see :class:`KMeans`).

Layers: :class:`KMeans` validates; :func:`_lloyd` owns the loop, the
convergence test and the buffers; :func:`physml.cluster._kernels.lloyd_pass`
does one fused assignment + sums pass.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from ..base import (
    Estimator,
    TransformerMixin,
    check_array,
    check_n_jobs,
    check_random_state,
    check_scalar,
    warn,
)
from ._kernels import lloyd_pass, lloyd_workspace

__all__ = ["KMeans", "kmeans_plusplus"]


class _ClusterMixin:
    """Clusterers: ``fit_predict`` returns ``labels_``; scikit-learn sees the "clusterer" type."""

    _estimator_type = "clusterer"

    def fit_predict(self, X, y=None):
        """Fit on X and return the cluster label of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self.fit(X).labels_


# ---------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------


def _kmeans_plusplus(X, n_clusters, rng, n_local_trials=None):
    # inputs assumed validated; X centred or not, the seeding is translation invariant
    n = X.shape[0]
    if n_local_trials is None:
        n_local_trials = 2 + int(math.log(n_clusters))
    x_sq = np.einsum("nd,nd->n", X, X)
    centres = np.empty((n_clusters, X.shape[1]))
    indices = np.empty(n_clusters, dtype=np.int64)
    first = int(rng.integers(n))
    centres[0], indices[0] = X[first], first
    # D(x)^2: squared distance of every point to its nearest chosen centre
    closest = np.maximum(x_sq - 2.0 * (X @ X[first]) + x_sq[first], 0.0)
    potential = closest.sum()
    for c in range(1, n_clusters):
        # draw n_local_trials candidates with probability D(x)^2 / sum D^2, keep the one that lowers the potential most
        u = rng.random(n_local_trials) * potential
        candidates = np.minimum(np.searchsorted(np.cumsum(closest), u), n - 1)
        d2 = np.maximum(x_sq[candidates, None] - 2.0 * (X[candidates] @ X.T) + x_sq[None, :], 0.0)
        np.minimum(closest, d2, out=d2)
        potentials = d2.sum(axis=1)
        best = int(np.argmin(potentials))
        potential, closest = potentials[best], d2[best]
        centres[c], indices[c] = X[candidates[best]], candidates[best]
    return centres, indices


def kmeans_plusplus(X, n_clusters, *, random_state=None, n_local_trials=None):
    r"""k-means++ seeding (Arthur & Vassilvitskii 2007), greedy variant (S22).

    The first centre is a uniformly drawn point; each next one is drawn with
    probability :math:`D(x)^2 / \sum_x D(x)^2`, where :math:`D(x)` is the distance
    of :math:`x` to its nearest centre so far. The greedy variant (scikit-learn's)
    draws ``n_local_trials`` candidates and keeps the one that lowers
    :math:`\sum_x D(x)^2` most.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_clusters : int
        Number of centres, 1 <= n_clusters <= n_samples.
    random_state : None, int or numpy.random.Generator
    n_local_trials : int or None
        Candidates per centre; None gives :math:`2 + \lfloor\ln k\rfloor`.

    Returns
    -------
    centres : ndarray of shape (n_clusters, n_features)
    indices : ndarray of shape (n_clusters,)
        Row of X of each centre.

    Notes
    -----
    The expected cost of the seeding alone is within :math:`8(\ln k + 2)` of the
    optimum. Cost: :math:`O(n k d \cdot \text{n\_local\_trials})`.
    """
    X = check_array(X)
    check_scalar(n_clusters, "n_clusters", numbers.Integral, min_val=1, max_val=X.shape[0])
    if n_local_trials is not None:
        check_scalar(n_local_trials, "n_local_trials", numbers.Integral, min_val=1)
    return _kmeans_plusplus(X, int(n_clusters), check_random_state(random_state), n_local_trials)


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def _relocate_empty(X, centres, labels, sums, counts):
    """Give each empty cluster the point farthest from its centre (as scikit-learn); in place.

    The point is moved out of its old cluster's sum; its label is updated by the next pass.
    """
    empty = np.flatnonzero(counts == 0)
    distances = ((X - centres[labels]) ** 2).sum(axis=1)
    if distances.max() == 0.0:  # fewer distinct points than clusters: nothing to move
        return
    far = np.argsort(-distances, kind="stable")[: len(empty)]
    for j, i in zip(empty, far):
        old = labels[i]
        sums[old] -= X[i]
        counts[old] -= 1
        sums[j] = X[i]
        counts[j] = 1


def _lloyd(X, centres, max_iter, tol):
    r"""Lloyd iterations from ``centres`` (inputs assumed validated; X float64 C-contiguous).

    Returns ``(centres, labels, inertia, n_iter, history)``: ``history[t]`` is the
    cost of the assignment of iteration t to the centres it was made with.
    All buffers are allocated here, once; an iteration allocates nothing of size n.
    """
    n, d = X.shape
    k = centres.shape[0]
    work = lloyd_workspace(n, d, k)
    centres = np.ascontiguousarray(centres, dtype=np.float64).copy()
    labels = np.empty(n, dtype=np.int64)
    labels_old = np.full(n, -1, dtype=np.int64)
    sums = np.empty((k, d))
    counts = np.empty(k, dtype=np.int64)
    history = []
    for it in range(max_iter):
        cost = lloyd_pass(X, centres, labels, sums, counts, True, work)
        history.append(cost)
        if not counts.all():
            _relocate_empty(X, centres, labels, sums, counts)
        filled = counts > 0
        # multiply by 1/N_k as scikit-learn does (same rounding)
        centres[filled] = sums[filled] * (1.0 / counts[filled])[:, None]
        if not filled.all():  # only when there are fewer distinct points than clusters
            centres[~filled] = centres[np.argmax(counts)]
        if np.array_equal(labels, labels_old):
            break
        if it > 0 and history[-2] - cost < tol * history[-2]:
            break
        labels_old[:] = labels
    n_iter = it + 1
    # assign to the final centres so that labels_ and inertia_ belong to cluster_centers_
    inertia = lloyd_pass(X, centres, labels, sums, counts, False, work)
    return centres, labels, inertia, n_iter, np.array(history)


def _one_run(X, init, n_clusters, max_iter, tol, seed, n_threads):
    import numba

    if n_threads is not None:
        numba.set_num_threads(n_threads)
    if isinstance(init, np.ndarray):
        centres = init
    elif init == "k-means++":
        centres, _ = _kmeans_plusplus(X, n_clusters, np.random.default_rng(seed))
    else:
        rng = np.random.default_rng(seed)
        centres = X[rng.choice(X.shape[0], n_clusters, replace=False)]
    with threadpool_limits(limits=1, user_api="blas"):
        return _lloyd(X, centres, max_iter, tol)


class KMeans(_ClusterMixin, TransformerMixin, Estimator):
    r"""k-means clustering by Lloyd's algorithm (S22).

    Minimises :math:`C = \sum_n \sum_k r_{nk} \lVert x_n - \mu_k\rVert^2` by
    alternating assignment (:math:`r_{nk} = 1` for the nearest centre) and update
    (:math:`\mu_k` = mean of its points), from ``n_init`` starts; the run of
    lowest cost is kept.

    Parameters
    ----------
    n_clusters : int, default=8
        :math:`K`.
    init : {"k-means++", "random"} or array of shape (n_clusters, n_features), default="k-means++"
        "k-means++": greedy k-means++ seeding (:func:`kmeans_plusplus`);
        "random": ``n_clusters`` distinct data points drawn uniformly; an array:
        these centres (then one run).
    n_init : "auto" or int, default="auto"
        Number of starts; "auto" is 1 for "k-means++" and for an array, 10 for "random"
        (as scikit-learn).
    max_iter : int, default=300
        Most Lloyd iterations per start.
    tol : float, default=1e-4
        Stop when the cost falls by less than ``tol`` times its previous value,
        :math:`C_{t-1} - C_t < \mathrm{tol}\, C_{t-1}`, or when no label changes.
        ``tol=0`` iterates until no label changes (or ``max_iter``). scikit-learn
        instead stops when the squared shift of the centres is at most ``tol``
        times the mean variance of the features; with ``tol=0`` the two stop
        at the same iteration.
    random_state : None, int or numpy.random.Generator
        Seeds the starts (one seed per start is drawn first, so results do not
        depend on ``n_jobs``).
    n_jobs : int or None
        Starts run in this many joblib threads (the kernels release the GIL);
        each start's kernel then uses its share of the numba threads.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        :math:`\mu_k`.
    labels_ : ndarray of shape (n_samples,)
        Index of the nearest centre of each training point.
    inertia_ : float
        :math:`C` of ``labels_`` and ``cluster_centers_``.
    n_iter_ : int
        Lloyd iterations of the kept run.
    history_ : ndarray of shape (n_iter_,)
        Cost of each iteration's assignment (to the centres it was made with);
        non-increasing, and ``inertia_ <= history_[-1]``.
    n_features_in_ : int

    Notes
    -----
    Data are centred before the iterations (as scikit-learn does) so that the
    distance expansion :math:`\lVert x\rVert^2 - 2x\cdot\mu + \lVert\mu\rVert^2`
    loses no precision on data far from the origin. An empty cluster gets the
    point farthest from its centre. Cost per iteration :math:`O(nkd)`, one fused
    pass (see :mod:`physml.cluster._kernels`). Lloyd, IEEE Trans. Inf. Theory 28,
    129 (1982); Arthur & Vassilvitskii, SODA 2007.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    >>> km = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> sorted(km.cluster_centers_[:, 0].tolist()), km.inertia_
    ([0.0, 10.0], 1.0)
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300, tol=1e-4,
                 random_state=None, n_jobs=None):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _check_params(self, X):
        n, d = X.shape
        check_scalar(self.n_clusters, "n_clusters", numbers.Integral, min_val=1)
        if n < self.n_clusters:
            raise ValueError(f"n_samples={n} should be >= n_clusters={self.n_clusters}.")
        check_scalar(self.max_iter, "max_iter", numbers.Integral, min_val=1)
        check_scalar(self.tol, "tol", numbers.Real, min_val=0.0)
        n_jobs = check_n_jobs(self.n_jobs)
        init = self.init
        if isinstance(init, str):
            if init not in ("k-means++", "random"):
                raise ValueError(f"init must be 'k-means++', 'random' or an array of centres, got {init!r}.")
        else:
            init = check_array(init, name="init")
            if init.shape != (self.n_clusters, d):
                raise ValueError(
                    f"init has shape {init.shape}; expected (n_clusters, n_features) = ({self.n_clusters}, {d})."
                )
        if isinstance(self.n_init, str):
            if self.n_init != "auto":
                raise ValueError(f"n_init must be 'auto' or a positive int, got {self.n_init!r}.")
            n_init = 10 if isinstance(init, str) and init == "random" else 1
        else:
            check_scalar(self.n_init, "n_init", numbers.Integral, min_val=1)
            n_init = int(self.n_init)
        if not isinstance(init, str) and n_init != 1:
            warn(UserWarning(f"init is an array of centres: one run instead of n_init={n_init}."))
            n_init = 1
        return init, n_init, n_jobs

    def fit(self, X, y=None):
        """Run Lloyd's algorithm from ``n_init`` starts and keep the lowest cost.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = check_array(X)
        init, n_init, n_jobs = self._check_params(X)
        rng = check_random_state(self.random_state)
        mean = X.mean(axis=0)
        Xc = X - mean
        if not isinstance(init, str):
            init = init - mean
        seeds = rng.integers(2**63, size=n_init)
        k = int(self.n_clusters)
        if n_jobs is None or n_jobs == 1 or n_init == 1:
            runs = [_one_run(Xc, init, k, int(self.max_iter), float(self.tol), s, None) for s in seeds]
        else:
            import joblib
            import numba

            workers = min(joblib.effective_n_jobs(n_jobs), n_init)
            share = max(1, numba.config.NUMBA_NUM_THREADS // workers)
            runs = Parallel(n_jobs=workers, prefer="threads")(
                delayed(_one_run)(Xc, init, k, int(self.max_iter), float(self.tol), s, share) for s in seeds
            )
        best = min(range(n_init), key=lambda i: runs[i][2])
        centres, labels, inertia, n_iter, history = runs[best]
        self.cluster_centers_ = centres + mean
        self.labels_ = labels
        self.inertia_ = float(inertia)
        self.n_iter_ = int(n_iter)
        self.history_ = history
        self.n_features_in_ = X.shape[1]
        return self

    def _assign(self, X):
        X = self._validate_X_predict(X)
        n, d = X.shape
        k = self.cluster_centers_.shape[0]
        labels = np.empty(n, dtype=np.int64)
        sums, counts = np.empty((k, d)), np.empty(k, dtype=np.int64)  # not written: assignment only
        with threadpool_limits(limits=1, user_api="blas"):
            cost = lloyd_pass(X, self.cluster_centers_, labels, sums, counts, False, lloyd_workspace(n, d, k))
        return labels, cost

    def predict(self, X):
        """Index of the nearest centre of each row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self._assign(X)[0]

    def transform(self, X):
        r"""Euclidean distance of each row of X to each centre, :math:`\lVert x_n - \mu_k\rVert`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters)
        """
        X = self._validate_X_predict(X)
        mu = self.cluster_centers_
        # ||x - mu||^2 = ||x||^2 - 2 x.mu + ||mu||^2, clipped at 0 against rounding
        d2 = np.einsum("nd,nd->n", X, X)[:, None] - 2.0 * (X @ mu.T) + np.einsum("kd,kd->k", mu, mu)[None, :]
        return np.sqrt(np.maximum(d2, 0.0))

    def score(self, X, y=None):
        """Opposite of the cost of X with the fitted centres, :math:`-C` (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        score : float
        """
        return -self._assign(X)[1]
