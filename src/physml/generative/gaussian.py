r"""The Gaussian generative classifier (S34): model p(x | C_k) and p(C_k), then Bayes' theorem.

A discriminative model (logistic regression) learns :math:`p(C_k \mid x)`
directly. A generative model learns how each class produces its data,
:math:`p(x \mid C_k) = \mathcal N(x; \mu_k, \Sigma_k)`, and the priors
:math:`p(C_k)`, and obtains the posterior from Bayes' theorem:

.. math::
    p(C_1 \mid x) = \frac{p(x \mid C_1) p(C_1)}{p(x \mid C_1) p(C_1) + p(x \mid C_2) p(C_2)}
                  = \sigma(a), \qquad a = \ln\frac{p(x \mid C_1) p(C_1)}{p(x \mid C_2) p(C_2)},

and for K classes :math:`p(C_k \mid x) = \mathrm{softmax}(a)_k` with
:math:`a_k = \ln p(x \mid C_k) + \ln p(C_k)`. Because it models the data
themselves, it also gives :math:`p(x) = \sum_k p(x \mid C_k) p(C_k)`: new
instances can be sampled, and points of low :math:`p(x)` flagged as outliers.

With one covariance shared by all classes the quadratic terms
:math:`x^T\Sigma^{-1}x` cancel in :math:`a` and the boundary is linear (linear
discriminant analysis); with one covariance per class it is quadratic; with
diagonal covariances the features are independent within a class (naive Bayes).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.linalg import LinAlgError, cholesky, solve_triangular

from ..base import (
    ClassifierMixin,
    Estimator,
    check_classification_targets,
    check_random_state,
    check_scalar,
    check_square_range,
    check_X_y,
)
from ..nn.functional import log_sigmoid, log_softmax, logsumexp, sigmoid, softmax

__all__ = ["GaussianGenerativeClassifier"]

_COVARIANCES = ("shared", "full", "diagonal")
_LOG_2PI = np.log(2.0 * np.pi)


class GaussianGenerativeClassifier(ClassifierMixin, Estimator):
    r"""Gaussian class-conditional densities and Bayes' theorem (S34).

    Maximum-likelihood estimates (Bishop, PRML 4.2.2):

    .. math::
        p(C_k) = \frac{n_k}{n}, \qquad \mu_k = \frac{1}{n_k}\sum_{i \in C_k} x_i, \qquad
        \Sigma_k = \frac{1}{n_k}\sum_{i \in C_k} (x_i - \mu_k)(x_i - \mu_k)^T,

    and for ``covariance="shared"`` :math:`\Sigma = \sum_k \frac{n_k}{n}\Sigma_k`.
    Then :math:`\ln p(x \mid C_k) = -\frac12\left[(x - \mu_k)^T\Sigma_k^{-1}(x - \mu_k)
    + \ln\det(2\pi\Sigma_k)\right]` and the posterior is the softmax (the sigmoid
    for two classes) of :math:`a_k = \ln p(x \mid C_k) + \ln p(C_k)`.

    Parameters
    ----------
    covariance : {"shared", "full", "diagonal"}, default "shared"
        "shared": one :math:`\Sigma` for all classes, a linear boundary (scikit-learn's
        ``LinearDiscriminantAnalysis``). "full": one :math:`\Sigma_k` per class, a
        quadratic boundary (``QuadraticDiscriminantAnalysis``). "diagonal": diagonal
        :math:`\Sigma_k`, independent features within a class (``GaussianNB``).
    var_smoothing : float >= 0, default 1e-9
        :math:`\epsilon = ` ``var_smoothing`` :math:`\times \max_j \mathrm{Var}(x_j)` is
        added to every variance (the diagonal of every covariance), as scikit-learn's
        ``GaussianNB`` does, so that a feature constant within a class does not
        give a singular covariance. 0 gives the bare maximum-likelihood estimates.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    priors_ : ndarray of shape (n_classes,)
        :math:`p(C_k) = n_k / n`.
    means_ : ndarray of shape (n_classes, n_features)
    covariances_ : ndarray
        Shape (n_features, n_features) for "shared", (n_classes, n_features,
        n_features) for "full", (n_classes, n_features) (the variances) for "diagonal";
        :math:`\epsilon` included.
    epsilon_ : float
    n_features_in_ : int

    Notes
    -----
    Fitting costs :math:`O(np^2)`; each covariance is factorised once by
    Cholesky, :math:`\Sigma_k = L_k L_k^T`, and the Mahalanobis distance is
    :math:`\lVert L_k^{-1}(x - \mu_k)\rVert^2` (a triangular solve, never an
    inverse), :math:`\ln\det\Sigma_k = 2\sum_j \ln (L_k)_{jj}`. Evaluating costs
    :math:`O(Knp^2)` ("full"), :math:`O(np^2 + Knp)` ("shared"). ``sample`` draws
    :math:`x = \mu_k + L_k z`, :math:`z \sim \mathcal N(0, I)`.

    Examples
    --------
    >>> X = [[0.0, 0.1], [0.2, -0.1], [-0.1, 0.0], [3.0, 3.1], [3.2, 2.9], [2.9, 3.0]]
    >>> clf = GaussianGenerativeClassifier().fit(X, [0, 0, 0, 1, 1, 1])
    >>> clf.predict([[0.1, 0.0], [3.0, 3.0]]).tolist()
    [0, 1]
    """

    def __init__(self, covariance="shared", var_smoothing=1e-9):
        self.covariance = covariance
        self.var_smoothing = var_smoothing

    def fit(self, X, y):
        """Estimate the priors, means and covariances by maximum likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self
        """
        if not (isinstance(self.covariance, str) and self.covariance in _COVARIANCES):
            raise ValueError(f"covariance must be one of {list(_COVARIANCES)}, got {self.covariance!r}.")
        check_scalar(self.var_smoothing, "var_smoothing", numbers.Real, min_val=0)
        X, y = check_X_y(X, y, y_numeric=False)
        check_square_range(X)
        self.classes_, y_encoded = check_classification_targets(y)
        n, p = X.shape
        K = len(self.classes_)
        counts = np.bincount(y_encoded, minlength=K)
        self.priors_ = counts / n
        # per-class reductions, not a one-hot matrix product: a (K x n)(n x p) product with K ~ 2 keeps BLAS
        # threads spinning for nothing (measured: 0.5 s to 20 s on a loaded 2-core machine)
        members = [np.flatnonzero(y_encoded == k) for k in range(K)]
        self.means_ = np.array([X[rows].mean(axis=0) for rows in members])
        self.epsilon_ = float(self.var_smoothing) * float(X.var(axis=0).max())
        Xc = X - self.means_[y_encoded]  # each sample minus its class mean
        if self.covariance == "shared":
            self.covariances_ = Xc.T @ Xc / n + self.epsilon_ * np.eye(p)
            factors = [self._cholesky(self.covariances_, "the shared covariance")]
        elif self.covariance == "full":
            self.covariances_ = np.empty((K, p, p))
            for k, rows in enumerate(members):
                Xk = Xc[rows]
                self.covariances_[k] = Xk.T @ Xk / counts[k] + self.epsilon_ * np.eye(p)
            factors = [self._cholesky(S, f"the covariance of class {self.classes_[k]!r}")
                       for k, S in enumerate(self.covariances_)]
        else:
            self.covariances_ = np.array([np.mean(Xc[rows] ** 2, axis=0) for rows in members]) + self.epsilon_
            if np.any(self.covariances_ <= 0):
                k = int(np.flatnonzero((self.covariances_ <= 0).any(axis=1))[0])
                raise ValueError(f"A feature has zero variance in class {self.classes_[k]!r}; "
                                 "set var_smoothing > 0.")
            factors = [np.sqrt(v) for v in self.covariances_]
        self._factors = factors
        self.n_features_in_ = p
        return self

    def _set_state(self, state):
        """For :mod:`physml.io`: restore the fitted attributes, then the factors of the covariances they hold."""
        for name, value in state.items():
            setattr(self, name, value)
        if self.covariance == "diagonal":
            self._factors = [np.sqrt(v) for v in self.covariances_]
        elif self.covariance == "shared":
            self._factors = [self._cholesky(self.covariances_, "the saved shared covariance")]
        else:
            self._factors = [self._cholesky(S, "a saved class covariance") for S in self.covariances_]
        return self

    def _cholesky(self, S, what):
        try:
            return cholesky(S, lower=True)
        except LinAlgError:
            raise ValueError(f"{what} is singular (a feature is constant or features are collinear); "
                             "set var_smoothing > 0 or use covariance='diagonal'.") from None

    def _log_likelihoods(self, X):
        r""":math:`\ln p(x_i \mid C_k)`, shape (n, K); X validated."""
        n, p = X.shape
        K = len(self.classes_)
        out = np.empty((n, K))
        for k in range(K):
            L = self._factors[0 if self.covariance == "shared" else k]
            D = X - self.means_[k]
            if self.covariance == "diagonal":
                Z = D / L  # L holds the standard deviations
                log_det = 2.0 * np.log(L).sum()
                maha = np.einsum("ij,ij->i", Z, Z)
            else:
                Z = solve_triangular(L, D.T, lower=True, check_finite=False)  # L^{-1} (x - mu_k)
                log_det = 2.0 * np.log(np.diag(L)).sum()
                maha = np.einsum("ji,ji->i", Z, Z)
            out[:, k] = -0.5 * (maha + log_det + p * _LOG_2PI)
        return out

    def joint_log_likelihood(self, X):
        r""":math:`a_k = \ln p(x \mid C_k) + \ln p(C_k)` for each sample and class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        X = self._validate_X_predict(X)
        with np.errstate(divide="ignore"):  # a prior of 0 cannot occur after fit; log(0) = -inf is harmless
            return self._log_likelihoods(X) + np.log(self.priors_)

    def predict_proba(self, X):
        r"""Posterior :math:`p(C_k \mid x)`: :math:`\sigma(a)` with :math:`a = a_2 - a_1` for two classes, softmax otherwise.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        a = self.joint_log_likelihood(X)
        if a.shape[1] == 2:
            log_ratio = a[:, 1] - a[:, 0]
            return np.column_stack([sigmoid(-log_ratio), sigmoid(log_ratio)])
        return softmax(a)

    def predict_log_proba(self, X):
        """Log-posterior, from the stable log-sigmoid / log-softmax.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        a = self.joint_log_likelihood(X)
        if a.shape[1] == 2:
            log_ratio = a[:, 1] - a[:, 0]
            return np.column_stack([log_sigmoid(-log_ratio), log_sigmoid(log_ratio)])
        return log_softmax(a)

    def predict(self, X):
        """The class of largest posterior (Bayes' decision rule, minimum error rate).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        a = self.joint_log_likelihood(X)  # checks fitted first
        return self.classes_[np.argmax(a, axis=1)]

    def score_samples(self, X):
        r"""Log-density of the data, :math:`\ln p(x) = \ln\sum_k p(x \mid C_k) p(C_k)`; low values flag outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return logsumexp(self.joint_log_likelihood(X), axis=1)

    def sample(self, n_samples=1, random_state=None):
        r"""Draw new instances from the fitted model: a class from :math:`p(C_k)`, then :math:`x \sim \mathcal N(\mu_k, \Sigma_k)`.

        Parameters
        ----------
        n_samples : int >= 1, default 1
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
            The class each instance was drawn from (labels of ``classes_``).
        """
        from ..base import check_is_fitted

        check_is_fitted(self)
        check_scalar(n_samples, "n_samples", numbers.Integral, min_val=1)
        rng = check_random_state(random_state)
        K, p = self.means_.shape
        k = rng.choice(K, size=int(n_samples), p=self.priors_)
        Z = rng.standard_normal((int(n_samples), p))
        X = np.empty_like(Z)
        for c in range(K):
            rows = k == c
            L = self._factors[0 if self.covariance == "shared" else c]
            X[rows] = self.means_[c] + (Z[rows] * L if self.covariance == "diagonal" else Z[rows] @ L.T)
        return X, self.classes_[k]
