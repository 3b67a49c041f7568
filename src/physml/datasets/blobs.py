r"""Isotropic Gaussian blobs: the test bed of K-means (S22) and of clustering (S23).

Each cluster :math:`k` is a normal distribution :math:`\mathcal N(\mu_k, \sigma_k^2 I)`
in ``n_features`` dimensions. With equal :math:`\sigma_k` K-means recovers the
centres; with unequal ones (``cluster_std`` a list, the "known failure" of S22)
it moves the boundary into the broad cluster.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import check_random_state, check_scalar, check_sizes
from ._bunch import _tuple_bunch

__all__ = ["make_blobs"]


def make_blobs(n_samples=100, centers=None, cluster_std=1.0, random_state=None, *, n_features=2,
               center_box=(-10.0, 10.0), shuffle=True, return_centers=False, return_X_y=False):
    r"""Draw points from ``K`` isotropic Gaussian clusters (S22).

    Point :math:`x_n` of cluster :math:`k` is :math:`x_n = \mu_k + \sigma_k z_n`
    with :math:`z_n \sim \mathcal N(0, I_{p})`, :math:`p` = ``n_features``.

    Parameters
    ----------
    n_samples : int or array-like of int, default=100
        Total number of points, shared as evenly as possible among the clusters
        (the first ``n_samples % K`` clusters get one more), or the number per cluster.
    centers : int or array-like of shape (K, n_features), default=None
        The number of clusters, drawn uniformly in ``center_box``, or their
        centres :math:`\mu_k`. None means 3 clusters, or ``len(n_samples)``
        when that is a sequence.
    cluster_std : float or array-like of shape (K,), default=1.0
        Standard deviation :math:`\sigma_k` of each coordinate; a list gives
        clusters of unequal variance (the K-means failure case of S22).
    random_state : None, int or numpy.random.Generator
        Seed; same seed, same points.
    n_features : int, default=2
        Dimension :math:`p`; ignored when ``centers`` is an array.
    center_box : tuple of float, default=(-10, 10)
        Bounds of the uniformly drawn centres.
    shuffle : bool, default=True
        Shuffle the points; otherwise they come cluster by cluster.
    return_centers : bool, default=False
        Whether the result unpacks to ``(X, y, centers)`` instead of ``(X, y)`` (see Returns).
    return_X_y : bool, default=False
        Return the tuple ``(X, y)`` instead of a Bunch.

    Returns
    -------
    result : Bunch
        ``X`` : ndarray of shape (n_samples, n_features); ``y`` : int64 ndarray of shape
        (n_samples,), the cluster label of each point, ``0 .. K-1``; ``centers`` : ndarray of
        shape (K, n_features), the centres :math:`\mu_k`; ``cluster_std`` : ndarray of shape (K,).
        It unpacks as the tuple of before the Bunch: ``X, y = make_blobs(...)``, or
        ``X, y, centers = make_blobs(..., return_centers=True)``.
    (X, y) : tuple, when ``return_X_y``

    Raises
    ------
    ValueError
        For a bad argument (naming it), and before allocating when the points would need
        more than :data:`physml.base.MAX_BYTES`.

    Examples
    --------
    >>> from physml.datasets import make_blobs
    >>> X, y = make_blobs(300, centers=[[0, 0], [4, 0]], cluster_std=[0.5, 2.0], random_state=0)
    >>> X.shape, y.shape
    ((300, 2), (300,))
    """
    rng = check_random_state(random_state)
    n_features = int(check_scalar(n_features, "n_features", numbers.Integral, min_val=1))

    per_cluster = None
    if isinstance(n_samples, (list, tuple, np.ndarray)):  # points per cluster
        per_cluster = np.asarray(n_samples)
        if per_cluster.ndim != 1 or per_cluster.size == 0 or per_cluster.dtype.kind not in "iu":
            raise TypeError(f"n_samples must be an int or a 1D sequence of ints, got {n_samples!r}.")
        if np.any(per_cluster < 0):
            raise ValueError(f"n_samples per cluster must be >= 0, got {per_cluster.tolist()}.")

    if centers is None:
        centers = 3 if per_cluster is None else len(per_cluster)
    if not isinstance(centers, (list, tuple, np.ndarray)):  # the number of clusters
        K = int(check_scalar(centers, "centers", numbers.Integral, min_val=1))
        try:
            low, high = center_box
        except (TypeError, ValueError):
            raise ValueError(f"center_box must be a pair (low, high) of numbers, got {center_box!r}.") from None
        low = float(check_scalar(low, "center_box[0]", numbers.Real))
        high = float(check_scalar(high, "center_box[1]", numbers.Real))
        if not low < high:
            raise ValueError(f"center_box must be (low, high) with low < high, got {center_box}.")
        check_sizes([(K, n_features)], what=f"make_blobs(centers={K}, n_features={n_features})",
                    hint="lower centers or n_features")
        mu = rng.uniform(low, high, size=(K, n_features))
    else:
        mu = np.asarray(centers, dtype=np.float64)
        if mu.ndim != 2 or mu.shape[0] == 0:
            raise ValueError(f"centers must be an int or an array of shape (K, n_features), got shape {mu.shape}.")
        if not np.isfinite(mu).all():
            raise ValueError("centers contains NaN or infinity.")
        K, n_features = mu.shape

    if per_cluster is None:
        n_total = int(check_scalar(n_samples, "n_samples", numbers.Integral, min_val=1))
        per_cluster = np.full(K, n_total // K, dtype=np.int64)
        per_cluster[: n_total % K] += 1
    elif len(per_cluster) != K:
        raise ValueError(f"n_samples has {len(per_cluster)} entries but there are {K} centers.")

    if not isinstance(cluster_std, (list, tuple, np.ndarray)):
        check_scalar(cluster_std, "cluster_std", numbers.Real, min_val=0.0)
    sigma = np.asarray(cluster_std, dtype=np.float64)
    if sigma.ndim == 0:
        sigma = np.full(K, float(sigma))
    if sigma.shape != (K,):
        raise ValueError(f"cluster_std must be a float or have one entry per center ({K}), got shape {sigma.shape}.")
    if not np.isfinite(sigma).all() or np.any(sigma < 0):
        raise ValueError(f"cluster_std must be finite and >= 0, got {sigma.tolist()}.")

    n_total = int(per_cluster.sum())
    check_sizes([(n_total, n_features), (n_total,)], what=f"make_blobs(n_samples={n_total}, n_features={n_features})",
                hint="lower n_samples or n_features")
    y = np.repeat(np.arange(K, dtype=np.int64), per_cluster)
    if shuffle:
        rng.shuffle(y)  # shuffling the labels before drawing the points shuffles the pairs (x_n, y_n)
    X = rng.standard_normal((len(y), n_features))
    X *= sigma[y, None]
    X += mu[y]
    if return_X_y:
        return X, y
    return _tuple_bunch(("X", "y", "centers") if return_centers else ("X", "y"),
                        X=X, y=y, centers=mu, cluster_std=sigma)
