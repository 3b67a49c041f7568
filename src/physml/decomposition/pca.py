r"""Principal component analysis (S25).

The slide's recipe: centre the design matrix, :math:`X_c = X - \mathbf 1 \mu^T`,
and take its singular value decomposition

.. math::

    X_c = U S V^T, \qquad
    \Sigma = \frac{X_c^T X_c}{n-1} = V \frac{S^2}{n-1} V^T ,

so the columns of :math:`V` are the principal directions (eigenvectors of the
covariance :math:`\Sigma`), :math:`\lambda_j = s_j^2/(n-1)` the variance along
each, and the projection onto the :math:`p'` leading directions is
:math:`Y = X_c V_{p'}`.

Three solvers compute the same quantities:

``"full"``
    LAPACK's divide-and-conquer SVD (``gesdd``) of the centred copy of X:
    :math:`O(n p \min(n,p))`, exact, every component.
``"covariance"``
    Eigen-decomposition of :math:`X_c^T X_c/(n-1)`: the Gram matrix is
    accumulated over blocks of centred rows (one GEMM/SYRK per block, no full
    centred copy of X, and no cancellation as in
    :math:`X^T X - n\mu\mu^T`), then ``eigh`` of the small (p, p) matrix, only
    the wanted eigenpairs where few are asked for. :math:`O(n p^2 + p^3)`;
    the method for tall data (:math:`n \gg p`). Squaring X squares its
    condition number: eigenvalues below about ``eps * lambda_max`` are noise
    (irrelevant for the leading components that PCA keeps).
``"randomized"``
    The randomised range finder of Halko, Martinsson and Tropp (2011):
    :math:`Q` spans :math:`(X_c X_c^T)^q X_c \Omega` for a Gaussian
    :math:`\Omega` of :math:`k + 10` columns, power iterations normalised by
    an LU factorisation (as scikit-learn), then the SVD of the small
    :math:`Q^T X_c`. The centring is implicit
    (:math:`X_c \Omega = X\Omega - \mathbf 1 (\mu^T\Omega)`), so X is never
    copied. :math:`O(n p k q)`; accurate for the leading components when the
    spectrum decays.

``svd_solver="auto"`` picks, and records in ``svd_solver_``, by counting
multiply-adds (the rule was fitted to timings on 2 shared cores, where every
ratio below matched the count):

1. tall data, :math:`n \ge 2p` and :math:`p \le 2000`: the covariance route
   costs :math:`n p^2/2` (one SYRK) and the randomized one
   :math:`(2q+2)\,n p\,l` for :math:`l = k + 10` directions and :math:`q`
   power iterations, so ``"randomized"`` when :math:`(4q+4)\,l < p`, else
   ``"covariance"`` (64k x 1600 spins, k = 2: randomized 26 s vs covariance
   80 s on the loaded machine; k = 50: covariance. 20k x 400, k = 2: 2.6 s vs
   2.8 s, at the boundary; k = 50: covariance 8.8 s vs randomized 18 s);
2. ``"full"`` when :math:`\max(n, p) \le 500`, or ``n_components`` is a
   fraction or None (the whole spectrum is needed);
3. ``"randomized"`` when :math:`k < 0.8 \min(n, p)`;
4. ``"full"`` otherwise.

Sign convention: each component is flipped so that its loading of largest
magnitude is positive, so the components never flip between runs or solvers
(scikit-learn >= 1.5 does the same).

float32 input stays float32 (the covariance and randomized routes compute in
float32, accumulating the Gram matrix of +-1 spins exactly); anything else is
converted to float64.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.linalg

from ..base import Estimator, TransformerMixin, check_array, check_is_fitted, check_random_state, check_scalar

__all__ = ["PCA"]

_SOLVERS = ("auto", "full", "covariance", "randomized")
#: "auto" considers the covariance route for n >= 2p up to this many features (beyond, the p^3 of
#: eigh and the p x p matrix itself weigh in).
_COVARIANCE_MAX_FEATURES = 2000
# Rows of X centred at a time by the covariance route: about 8 MiB per block.
_BLOCK_BYTES = 2**23


def _flip_signs(Vt):
    """Flip each row of ``Vt`` (IN/OUT) so that its entry of largest magnitude is positive."""
    rows = np.arange(Vt.shape[0])
    signs = np.sign(Vt[rows, np.argmax(np.abs(Vt), axis=1)])
    signs[signs == 0] = 1
    Vt *= signs[:, None]
    return Vt


def _full(X, mean):
    """SVD of the centred copy of X. Returns eigenvalues (all) and Vt (all rows)."""
    Xc = X - mean
    _, S, Vt = scipy.linalg.svd(Xc, full_matrices=False, lapack_driver="gesdd", check_finite=False,
                                overwrite_a=True)
    return S**2 / (X.shape[0] - 1), Vt


def _centred_gram(X, mean):
    r""":math:`X_c^T X_c`, accumulated over blocks of centred rows (X is never copied whole)."""
    n, p = X.shape
    rows = max(256, _BLOCK_BYTES // (X.itemsize * p))
    C = np.zeros((p, p), dtype=X.dtype)
    for start in range(0, n, rows):
        B = X[start:start + rows] - mean
        C += B.T @ B  # numpy calls SYRK for B.T @ B (half the flops of a GEMM)
    return C


def _covariance(X, mean, k):
    r"""Eigenpairs of :math:`\Sigma = X_c^T X_c/(n-1)`; only the k largest when k < p/2.

    Returns the ``k`` (or all) eigenvalues in decreasing order, their
    eigenvectors as rows, and the total variance :math:`\operatorname{tr}\Sigma`.
    """
    n, p = X.shape
    C = _centred_gram(X, mean)
    C /= n - 1
    total = float(np.trace(C))
    subset = (p - k, p - 1) if k is not None and k < p // 2 else None
    driver = "evr" if subset is not None else "evd"
    w, V = scipy.linalg.eigh(C, subset_by_index=subset, driver=driver, overwrite_a=True, check_finite=False)
    w = np.maximum(w[::-1], 0)  # eigh may return -eps for a zero eigenvalue
    return w, np.ascontiguousarray(V[:, ::-1].T), total


def _randomized(X, mean, k, n_oversamples, n_iter, rng):
    r"""Truncated SVD of :math:`X_c` by the randomised range finder (Halko et al. 2011, Alg. 4.4).

    The centring is implicit: :math:`X_c A = XA - \mathbf 1 (\mu^T A)` and
    :math:`X_c^T B = X^T B - \mu (\mathbf 1^T B)`. Works on :math:`X_c^T` when
    X is wide, so that the range found is the small side's.
    """
    n, p = X.shape

    def Xc_dot(A):  # X_c A
        return X @ A - (mean @ A)[None, :]

    def XcT_dot(B):  # X_c^T B
        return X.T @ B - np.outer(mean, B.sum(axis=0))

    transpose = n < p
    if transpose:  # range of X_c^T: swap the two products
        Xc_dot, XcT_dot = XcT_dot, Xc_dot
    m = p if not transpose else n
    l = k + n_oversamples
    Q = rng.standard_normal((m, l)).astype(X.dtype, copy=False)
    for _ in range(n_iter):
        # LU keeps the columns independent in finite precision, cheaper than QR (as scikit-learn)
        Q, _ = scipy.linalg.lu(Xc_dot(Q), permute_l=True, check_finite=False)
        Q, _ = scipy.linalg.lu(XcT_dot(Q), permute_l=True, check_finite=False)
    Q, _ = scipy.linalg.qr(Xc_dot(Q), mode="economic", check_finite=False)
    B = XcT_dot(Q).T  # Q^T X_c (or Q^T X_c^T)
    Uh, S, Vt = scipy.linalg.svd(B, full_matrices=False, check_finite=False)
    if transpose:  # X_c^T = (Q Uh) S Vt  =>  X_c = Vt^T S (Q Uh)^T
        Vt = (Q @ Uh).T
    return S[:k] ** 2 / (n - 1), np.ascontiguousarray(Vt[:k])


def _total_variance(X, mean):
    r""":math:`\sum_j \operatorname{var}(X_{:,j})` with ddof=1, over blocks of centred rows."""
    n, p = X.shape
    rows = max(256, _BLOCK_BYTES // (X.itemsize * p))
    total = 0.0
    for start in range(0, n, rows):
        B = X[start:start + rows] - mean
        total += float(np.einsum("ij,ij->", B, B))
    return total / (n - 1)


def _power_iterations(n, p, k):
    """scikit-learn's "auto": 7 power iterations for few components, 4 otherwise."""
    return 7 if k < 0.1 * min(n, p) else 4


def _auto_solver(n, p, k, n_oversamples=10):
    """The measured "auto" rule of the module docstring."""
    if n >= 2 * p and p <= _COVARIANCE_MAX_FEATURES:
        if isinstance(k, int) and (4 * _power_iterations(n, p, k) + 4) * (k + n_oversamples) < p:
            return "randomized"
        return "covariance"
    if max(n, p) <= 500 or k is None or isinstance(k, float):
        return "full"
    if k < 0.8 * min(n, p):
        return "randomized"
    return "full"


class PCA(TransformerMixin, Estimator):
    r"""Principal component analysis by SVD of the centred data (S25).

    :math:`X_c = U S V^T`; principal directions are the rows of
    ``components_`` (:math:`V^T`), their variances
    :math:`\lambda_j = s_j^2/(n-1)`, and ``transform`` projects,
    :math:`Y = (X - \mu) V_{p'}` (divided by :math:`\sqrt{\lambda_j}` when
    ``whiten``).

    Parameters
    ----------
    n_components : None, int >= 1 or float in (0, 1), default None
        None keeps :math:`\min(n, p)` components; an int keeps that many; a
        fraction keeps the fewest whose explained variance ratios sum to more
        than it.
    svd_solver : {"auto", "full", "covariance", "randomized"}, default "auto"
        See the module docstring; ``svd_solver_`` records what "auto" chose.
    whiten : bool, default False
        Scale the projections to unit variance.
    iterated_power : "auto" or int >= 0, default "auto"
        Power iterations of the randomized solver ("auto": 7 when
        :math:`k < 0.1\min(n,p)`, else 4, as scikit-learn).
    n_oversamples : int >= 0, default 10
        Extra random directions of the randomized solver.
    random_state : None, int or numpy.random.Generator
        Seeds the randomized solver (the others are deterministic).

    Attributes
    ----------
    components_ : ndarray of shape (n_components_, n_features)
        Principal directions, rows of :math:`V^T`, sign fixed (largest loading positive).
    explained_variance_ : ndarray of shape (n_components_,)
        :math:`\lambda_j = s_j^2/(n-1)`, decreasing.
    explained_variance_ratio_ : ndarray of shape (n_components_,)
        :math:`\lambda_j / \operatorname{tr}\Sigma`.
    singular_values_ : ndarray of shape (n_components_,)
        :math:`s_j`.
    mean_ : ndarray of shape (n_features,)
    n_components_ : int
    noise_variance_ : float
        Mean of the discarded eigenvalues (probabilistic PCA, Tipping & Bishop 1999).
    svd_solver_ : str
        The solver that ran.
    n_samples_, n_features_in_ : int

    Notes
    -----
    Costs: full :math:`O(np\min(n,p))`; covariance :math:`O(np^2 + p^3)`;
    randomized :math:`O(npk\,q)`. Reference: Halko, Martinsson & Tropp,
    SIAM Review 53, 217 (2011).

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(100, 3)) * [3.0, 1.0, 0.1]
    >>> pca = PCA(n_components=2).fit(X)
    >>> pca.svd_solver_, pca.components_.shape
    ('covariance', (2, 3))
    """

    def __init__(self, n_components=None, *, svd_solver="auto", whiten=False, iterated_power="auto",
                 n_oversamples=10, random_state=None):
        self.n_components = n_components
        self.svd_solver = svd_solver
        self.whiten = whiten
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.random_state = random_state

    def _check_params(self, n, p):
        if self.svd_solver not in _SOLVERS:
            raise ValueError(f"svd_solver must be one of {_SOLVERS}, got {self.svd_solver!r}.")
        if not isinstance(self.whiten, (bool, np.bool_)):
            raise TypeError(f"whiten must be a bool, got {type(self.whiten).__name__}.")
        k = self.n_components
        if k is not None:
            check_scalar(k, "n_components", numbers.Real, min_val=0, include_boundaries="neither")
            if isinstance(k, numbers.Integral):
                k = int(k)
                if k > min(n, p):
                    raise ValueError(f"n_components={k} must be between 1 and min(n_samples, n_features)="
                                     f"{min(n, p)}.")
            else:
                k = float(k)
                if k >= 1:
                    raise ValueError(f"n_components must be an int >= 1 or a fraction in (0, 1), got {k}.")
        if self.iterated_power != "auto":
            check_scalar(self.iterated_power, "iterated_power", numbers.Integral, min_val=0)
        check_scalar(self.n_oversamples, "n_oversamples", numbers.Integral, min_val=0)
        solver = _auto_solver(n, p, k, int(self.n_oversamples)) if self.svd_solver == "auto" else self.svd_solver
        if solver == "randomized" and not isinstance(k, int):
            raise ValueError(f"svd_solver='randomized' needs an integer n_components, got {k!r}.")
        return k, solver

    def fit(self, X, y=None):
        """Fit the principal directions of X (y is ignored). Returns self."""
        self._fit(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit, then return the projections of X, shape (n_samples, n_components_)."""
        X = self._fit(X)
        return self._project(X)

    def _fit(self, X):
        X = check_array(X, dtype="numeric", ensure_min_samples=2)
        n, p = X.shape
        k, solver = self._check_params(n, p)
        mean = X.mean(axis=0)
        if solver == "full":
            ev, Vt = _full(X, mean)
            total = float(ev.sum())
        elif solver == "covariance":
            ev, Vt, total = _covariance(X, mean, k if isinstance(k, int) else None)
        else:
            n_iter = self.iterated_power
            if n_iter == "auto":
                n_iter = _power_iterations(n, p, k)
            l_max = min(n, p)
            ev, Vt = _randomized(X, mean, k, min(int(self.n_oversamples), l_max - k), int(n_iter),
                                 check_random_state(self.random_state))
            total = _total_variance(X, mean)
        ratio = ev / total if total > 0 else np.zeros_like(ev)
        if k is None:
            k = min(n, p)
        elif isinstance(k, float):
            k = min(int(np.searchsorted(np.cumsum(ratio), k, side="right")) + 1, len(ev))
        Vt = _flip_signs(np.array(Vt[:k], dtype=X.dtype))
        ev = ev[:k].astype(X.dtype)
        self.mean_ = mean
        self.components_ = Vt
        self.explained_variance_ = ev
        self.explained_variance_ratio_ = ratio[:k].astype(X.dtype)
        self.singular_values_ = np.sqrt(ev * (n - 1)).astype(X.dtype)
        rest = min(n, p) - k
        self.noise_variance_ = float(max(total - float(ev.sum()), 0.0) / rest) if rest > 0 else 0.0
        self.n_components_ = k
        self.n_samples_ = n
        self.n_features_in_ = p
        self.svd_solver_ = solver
        return X

    def _project(self, X):
        Y = (X - self.mean_) @ self.components_.T
        if self.whiten:
            Y /= np.sqrt(np.maximum(self.explained_variance_, np.finfo(Y.dtype).tiny))
        return Y

    def transform(self, X):
        r"""Project X: :math:`Y = (X - \mu) V_{p'}` (over :math:`\sqrt{\lambda}` when whitened)."""
        X = self._validate_X_predict(X, dtype="numeric")
        return self._project(X)

    def inverse_transform(self, Y):
        r"""Back to feature space: :math:`\hat X = Y V_{p'}^T + \mu` (undoing the whitening first)."""
        check_is_fitted(self)
        Y = check_array(Y, name="Y", dtype="numeric")
        if Y.shape[1] != self.n_components_:
            raise ValueError(f"Y has {Y.shape[1]} columns, but this PCA has {self.n_components_} components.")
        if self.whiten:
            Y = Y * np.sqrt(self.explained_variance_)
        return Y @ self.components_ + self.mean_
