r"""t-distributed stochastic neighbour embedding (S27).

Stochastic neighbour embedding turns distances into probabilities. In the data
space, point :math:`i` picks :math:`j` as its neighbour with

.. math::

    p_{j|i} = \frac{e^{-\beta_i \lVert x_i - x_j\rVert^2}}{\sum_{k \ne i} e^{-\beta_i \lVert x_i - x_k\rVert^2}},
    \qquad p_{ij} = \frac{p_{j|i} + p_{i|j}}{2n},

where each precision :math:`\beta_i = 1/(2\sigma_i^2)` is bisected until the
row's perplexity :math:`2^{H_i}` equals ``perplexity`` (an effective number of
neighbours). In the map, t-SNE uses the heavy-tailed Student-t (Cauchy) kernel

.. math::

    q_{ij} = \frac{w_{ij}}{Z}, \quad w_{ij} = \frac{1}{1 + \lVert y_i - y_j\rVert^2}, \quad
    Z = \sum_{k \ne l} w_{kl},

and minimises :math:`C = \mathrm{KL}(P\Vert Q) = \sum_{ij} p_{ij}\log(p_{ij}/q_{ij})`, whose gradient

.. math::

    \frac{\partial C}{\partial y_i} = 4 \sum_j (p_{ij} - q_{ij}) w_{ij} (y_i - y_j)
    = 4\Big[\underbrace{\sum_j p_{ij} w_{ij}(y_i - y_j)}_{\text{attraction}}
      - \frac{1}{Z}\underbrace{\sum_j w_{ij}^2 (y_i - y_j)}_{\text{repulsion}}\Big]

splits into a sparse attraction and an all-pairs repulsion.

Methods:

``"exact"``
    Dense P over all pairs and the O(n^2) gradient (the teaching form).
``"barnes_hut"``
    P restricted to the :math:`\lfloor 3\,\text{perplexity}\rfloor` nearest
    neighbours (exact kNN by blocked GEMM, :math:`O(n^2 p)`, fine up to a few
    ten thousand points), the attraction summed over them, and the repulsion
    by Barnes-Hut on a quadtree (van der Maaten 2014): a cell of side
    :math:`w` seen from distance :math:`d` with :math:`w/d < \theta` acts as
    one point at its centre of mass; :math:`O(n \log n)` per iteration. 2-D
    embeddings only.
``"auto"``
    exact for :math:`n \le 500`, barnes_hut otherwise (recorded in ``method_``).

The optimiser is the paper's (as scikit-learn): gradient descent with momentum
0.5 for the first 250 iterations, with P multiplied by ``early_exaggeration``,
then momentum 0.8; per-coordinate gains (delta-bar-delta: +0.2 where the
gradient changed sign against the update, times 0.8 where it did not, floored
at 0.01); ``learning_rate="auto"`` is :math:`\max(n / \text{early\_exaggeration} / 4, 50)`
(Belkina et al. 2019). The error is checked every 50 iterations; the run
stops after 300 iterations (250 in the exaggerated phase) without progress,
or when the gradient norm falls below 1e-7.

``kl_divergence_`` is the KL divergence of the final embedding computed
exactly (Z over all pairs, O(n^2) time and O(1) memory), against the P that
was optimised: dense for exact, the kNN graph's for barnes_hut. The two P
differ (the dense one spreads a little mass over every pair), so the two
methods' KL values are comparable only against the same P (on 300 digits:
0.324 and 0.326 against the sparse P, 0.277 and 0.285 against the dense one).

Differences from scikit-learn: Cauchy kernel (one degree of freedom) for
every ``n_components`` (scikit-learn uses ``n_components - 1`` degrees of
freedom above 2); the embedding is float64 throughout (scikit-learn's
Barnes-Hut runs in float32); Euclidean metric only.

References: van der Maaten & Hinton, JMLR 9, 2579 (2008); van der Maaten,
JMLR 15, 3221 (2014).
"""

from __future__ import annotations

import numbers

import numba
import numpy as np
import scipy.sparse

from ..base import (Estimator, check_array, check_n_jobs, check_random_state, check_scalar, check_sizes,
                    check_square_range)
from . import _kernels as K
from .pca import PCA

__all__ = ["TSNE"]

#: "auto" runs the exact O(n^2) gradient up to this many points and Barnes-Hut beyond.
_EXACT_MAX_SAMPLES = 500
_N_ITER_CHECK = 50
#: With n_jobs=None, the kernels run on one thread below this many points: an iteration is then
#: ~1 ms of work, and waking threads twice per iteration costs as much (far more on a loaded machine:
#: 300 digits took 1.8 s on one thread and 14-28 s on two on the shared 2-core test machine).
_PARALLEL_MIN_SAMPLES = 5000
_EXPLORATION_ITER = 250
_MIN_GRAD_NORM = 1e-7
# Rows of the kNN distance block: about 32 MiB of float64 at a time.
_KNN_BLOCK_BYTES = 2**25


# ---------------------------------------------------------------------------
# Affinities P
# ---------------------------------------------------------------------------


def _squared_norms(X):
    return np.einsum("ij,ij->i", X, X)


def _knn(X, k):
    r"""Exact k nearest neighbours (self excluded) by blocks of rows: :math:`\lVert x_i - x_j\rVert^2
    = \lVert x_i\rVert^2 - 2 x_i\cdot x_j + \lVert x_j\rVert^2` with one GEMM per block."""
    n = X.shape[0]
    sq = _squared_norms(X)
    rows = max(1, min(n, _KNN_BLOCK_BYTES // (8 * n)))
    ind = np.empty((n, k), np.int64)
    dist = np.empty((n, k))
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        D = X[start:stop] @ X.T
        D *= -2.0
        D += sq[start:stop, None]
        D += sq[None, :]
        np.maximum(D, 0.0, out=D)  # rounding can make a distance slightly negative
        K._knn_select(D, start, k, ind[start:stop], dist[start:stop])
    return ind, dist


def _affinities_sparse(X, perplexity):
    """Symmetrised P (CSR, sums to 1) over the 3*perplexity nearest neighbours."""
    n = X.shape[0]
    k = min(n - 1, int(3.0 * perplexity + 1))
    ind, dist = _knn(X, k)
    cond = np.empty_like(dist)
    K._binary_search_perplexity(dist, float(perplexity), False, cond)
    P = scipy.sparse.csr_matrix((cond.ravel(), ind.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
    P = (P + P.T).tocsr()
    P.sum_duplicates()
    P.sort_indices()
    P.data /= max(P.data.sum(), K.EPS)
    return P


def _affinities_dense(X, perplexity):
    """Symmetrised dense P (n, n), zero diagonal, sums to 1."""
    sq = _squared_norms(X)
    D = np.maximum(sq[:, None] - 2.0 * (X @ X.T) + sq[None, :], 0.0)
    P = np.empty_like(D)
    K._binary_search_perplexity(D, float(perplexity), True, P)
    P += P.T
    P /= max(P.sum(), K.EPS)
    return P


# ---------------------------------------------------------------------------
# Objectives: fill grad, return the KL divergence (or NaN when not asked)
# ---------------------------------------------------------------------------


class _Exact:
    """The O(n^2) objective over a dense P: ``objective(Y, grad, exaggeration, compute_error) -> KL``."""

    def __init__(self, P):
        self.P = P

    def __call__(self, Y, grad, exaggeration, compute_error):
        return K._exact_kl_gradient(self.P, Y, exaggeration, compute_error, grad)

    def final_kl(self, Y):
        return K._exact_kl_gradient(self.P, Y, 1.0, True, np.empty_like(Y))


class _BarnesHut:
    """Sparse attraction + Barnes-Hut repulsion; owns the tree buffers, allocated once (doubled if too small)."""

    def __init__(self, P, n, theta):
        self.indptr, self.indices, self.data = P.indptr, P.indices.astype(np.int64), P.data
        self.theta = theta
        self.pos = np.empty((n, 2))
        self.neg = np.empty((n, 2))
        self._alloc(4 * n + 16)
        self.leaf_of = np.empty(n, np.int64)

    def _alloc(self, cap):
        self.child = np.empty((cap, 4), np.int64)
        self.com = np.empty((cap, 2))
        self.count = np.empty(cap, np.int64)
        self.centre = np.empty((cap, 2))
        self.width = np.empty(cap)
        self.point = np.empty(cap, np.int64)
        self.first = np.empty(cap, np.int64)
        self.skip = np.empty(cap, np.int64)

    def _tree(self, Y):
        while True:
            n_nodes = K._build_quadtree(Y, self.child, self.com, self.count, self.centre, self.width,
                                        self.point, self.leaf_of)
            if n_nodes > 0:
                break
            self._alloc(2 * self.child.shape[0])
        K._thread_tree(self.child, n_nodes, self.first, self.skip)

    def __call__(self, Y, grad, exaggeration, compute_error):
        self._tree(Y)
        Z = K._bh_repulsion(Y, self.com, self.count, self.width, self.first, self.skip, self.leaf_of,
                            self.theta, self.neg)
        K._attraction(self.indptr, self.indices, self.data, Y, self.pos)
        # grad = 4 (exaggeration * attraction - repulsion / Z)
        np.multiply(self.pos, 4.0 * exaggeration, out=grad)
        grad -= (4.0 / Z) * self.neg
        if not compute_error:
            return np.nan
        kl = K._sparse_kl(self.indptr, self.indices, self.data, Y, Z)
        return kl  # KL of the un-exaggerated P with the tree's Z: the progress monitor

    def final_kl(self, Y):
        return K._sparse_kl(self.indptr, self.indices, self.data, Y, K._exact_Z(Y))


# ---------------------------------------------------------------------------
# Optimiser: momentum gradient descent with gains (van der Maaten & Hinton 2008; Jacobs 1988)
# ---------------------------------------------------------------------------


def _descend(objective, Y, *, start, stop, momentum, eta, exaggeration, n_iter_without_progress):
    r"""One stage of the t-SNE optimiser on Y (IN/OUT); inputs assumed validated.

    .. math::

        g_t \leftarrow \text{gains} \odot \nabla C, \quad
        \Delta_t = \alpha \Delta_{t-1} - \eta g_t, \quad y \leftarrow y + \Delta_t,

    gains += 0.2 where :math:`\Delta_{t-1}\,\nabla C < 0` (the gradient turned), else
    gains *= 0.8, floored at 0.01. Returns (last iteration index, last checked error).
    """
    grad = np.empty_like(Y)
    update = np.zeros_like(Y)
    gains = np.ones_like(Y)
    best_error, best_iter, error = np.inf, start, np.inf
    i = start
    for i in range(start, stop):
        check = (i + 1) % _N_ITER_CHECK == 0
        err = objective(Y, grad, exaggeration, check or i == stop - 1)
        if not np.isnan(err):
            error = err
        turned = update * grad < 0.0
        gains[turned] += 0.2
        gains[~turned] *= 0.8
        np.maximum(gains, 0.01, out=gains)
        grad *= gains
        update *= momentum
        update -= eta * grad
        Y += update
        if check:
            if error < best_error:
                best_error, best_iter = error, i
            elif i - best_iter > n_iter_without_progress:
                break
            if np.linalg.norm(grad) <= _MIN_GRAD_NORM:
                break
    return i, error


class TSNE(Estimator):
    r"""t-SNE embedding (S27): keep each point's neighbours, as a probability, in a 2-D map.

    Parameters
    ----------
    n_components : int >= 1, default 2
        Dimension of the embedding (barnes_hut: 2 only).
    perplexity : float > 0, default 30
        Effective number of neighbours; must be below n_samples.
    early_exaggeration : float >= 1, default 12
        P is multiplied by it during the first 250 iterations.
    learning_rate : "auto" or float > 0, default "auto"
        :math:`\eta`; "auto" is :math:`\max(n/\text{early\_exaggeration}/4, 50)`.
    max_iter : int >= 250, default 1000
    method : {"auto", "exact", "barnes_hut"}, default "auto"
    angle : float in [0, 1], default 0.5
        Barnes-Hut opening angle :math:`\theta` (0: exact repulsion).
    init : {"pca", "random"} or ndarray of shape (n_samples, n_components), default "pca"
        "pca": the first principal components, scaled so that the first has standard
        deviation 1e-4 (as scikit-learn); "random": N(0, 1e-4^2).
    random_state : None, int or numpy.random.Generator
    n_jobs : int or None
        Threads of the numba kernels (-1: all cores). None: one thread below
        5,000 samples (where thread start-up costs more than it saves), all cores above.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    kl_divergence_ : float
        KL(P||Q) of the final embedding, computed exactly.
    n_iter_ : int
        Iterations run.
    method_ : str
        The method that ran.
    learning_rate_ : float
    n_features_in_ : int

    Notes
    -----
    Cost per iteration: exact :math:`O(n^2)`; barnes_hut :math:`O(n \log n + n k)`
    with :math:`k = 3\,\text{perplexity}`; the affinities cost :math:`O(n^2 p)` once
    (blocked GEMM) and the binary search :math:`O(n k)` per step.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(60, 5))
    >>> Y = TSNE(perplexity=10, max_iter=250, random_state=0).fit_transform(X)
    >>> Y.shape
    (60, 2)
    """

    _check_estimator_params = {"perplexity": 2.0, "max_iter": 250}

    def __init__(self, n_components=2, *, perplexity=30.0, early_exaggeration=12.0, learning_rate="auto",
                 max_iter=1000, method="auto", angle=0.5, init="pca", random_state=None, n_jobs=None):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.method = method
        self.angle = angle
        self.init = init
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _check_params(self, n):
        check_scalar(self.n_components, "n_components", numbers.Integral, min_val=1)
        check_scalar(self.perplexity, "perplexity", numbers.Real, min_val=0, include_boundaries="neither")
        if self.perplexity >= n:
            raise ValueError(f"perplexity ({self.perplexity}) must be less than n_samples ({n}).")
        check_scalar(self.early_exaggeration, "early_exaggeration", numbers.Real, min_val=1)
        if self.learning_rate == "auto":
            eta = max(n / self.early_exaggeration / 4.0, 50.0)
        else:
            eta = float(check_scalar(self.learning_rate, "learning_rate", numbers.Real, min_val=0,
                                     include_boundaries="neither"))
        check_scalar(self.max_iter, "max_iter", numbers.Integral, min_val=_EXPLORATION_ITER)
        check_scalar(self.angle, "angle", numbers.Real, min_val=0, max_val=1)
        check_n_jobs(self.n_jobs)
        if self.method not in ("auto", "exact", "barnes_hut"):
            raise ValueError(f"method must be 'auto', 'exact' or 'barnes_hut', got {self.method!r}.")
        method = self.method
        if method == "auto":
            method = "exact" if n <= _EXACT_MAX_SAMPLES or self.n_components != 2 else "barnes_hut"
        if method == "barnes_hut" and self.n_components != 2:
            raise ValueError(f"method='barnes_hut' embeds in 2 dimensions; got n_components={self.n_components}"
                             " (use method='exact').")
        if method == "exact":
            check_sizes([(n, n)] * 3, what=f"TSNE(method='exact') on {n} samples",
                        hint="use method='barnes_hut'")
        return method, eta

    def _initial(self, X, rng):
        n, d = X.shape[0], self.n_components
        if isinstance(self.init, str):
            if self.init == "pca":
                if d > min(X.shape):
                    raise ValueError(f"init='pca' needs n_components <= min(n_samples, n_features) = "
                                     f"{min(X.shape)}; use init='random'.")
                Y = PCA(d, svd_solver="randomized", random_state=rng).fit_transform(X)
                std = np.std(Y[:, 0])
                return Y / std * 1e-4 if std > 0 else Y  # identical samples: all start at the origin
            if self.init == "random":
                return 1e-4 * rng.standard_normal((n, d))
            raise ValueError(f"init must be 'pca', 'random' or an array, got {self.init!r}.")
        Y = check_array(self.init, name="init")
        if Y.shape != (n, d):
            raise ValueError(f"init has shape {Y.shape}; expected (n_samples, n_components) = {(n, d)}.")
        return Y.copy()

    def fit(self, X, y=None):
        """Embed X (y is ignored). Returns self."""
        X = check_square_range(check_array(X, ensure_min_samples=2))
        n = X.shape[0]
        method, eta = self._check_params(n)
        rng = check_random_state(self.random_state)
        Y = self._initial(X, rng)
        threads = numba.get_num_threads()
        if self.n_jobs is not None:
            import joblib

            numba.set_num_threads(max(1, min(joblib.effective_n_jobs(self.n_jobs), numba.config.NUMBA_NUM_THREADS)))
        elif n < _PARALLEL_MIN_SAMPLES:
            numba.set_num_threads(1)
        try:
            if method == "exact":
                objective = _Exact(_affinities_dense(X, self.perplexity))
            else:
                objective = _BarnesHut(_affinities_sparse(X, self.perplexity), n, float(self.angle))
            it, _ = _descend(objective, Y, start=0, stop=_EXPLORATION_ITER, momentum=0.5, eta=eta,
                             exaggeration=float(self.early_exaggeration),
                             n_iter_without_progress=_EXPLORATION_ITER)
            if self.max_iter > _EXPLORATION_ITER:
                it, _ = _descend(objective, Y, start=it + 1, stop=int(self.max_iter), momentum=0.8, eta=eta,
                                 exaggeration=1.0, n_iter_without_progress=300)
            self.kl_divergence_ = float(objective.final_kl(Y))
        finally:
            numba.set_num_threads(threads)
        self.embedding_ = Y
        self.n_iter_ = it + 1
        self.method_ = method
        self.learning_rate_ = eta
        self.n_features_in_ = X.shape[1]
        return self

    def fit_transform(self, X, y=None):
        """Embed X and return the embedding, shape (n_samples, n_components)."""
        return self.fit(X).embedding_
