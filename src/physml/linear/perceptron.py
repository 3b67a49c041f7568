r"""Hard linear classifiers: the perceptron (S28) and least squares on labels +-1 (S29).

Both draw the decision boundary :math:`x^T\theta + \theta_0 = 0`, a
(p-1)-dimensional hyperplane; :math:`\theta` (``coef_``) is perpendicular to it,
since for two points :math:`x_a, x_b` on the boundary
:math:`\theta^T(x_a - x_b) = 0`. The predicted class is the sign of
:math:`x^T\theta + \theta_0`; with K > 2 classes one boundary is learned per
class against the rest (one-vs-rest) and the largest score wins.

The two differ in how :math:`\theta` is found:

* the perceptron (S28) corrects :math:`\theta` on each misclassified sample
  and stops once an epoch makes no mistake, which happens after a finite number
  of updates when the classes are linearly separable (Novikoff 1962);
* least squares (S29) regresses the labels :math:`t_i \in \{-1, +1\}` on x and
  takes the sign: a closed form, but every sample pulls on the fit, also those
  far on the right side of the boundary, which is its weakness on outliers.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import (
    ClassifierMixin,
    ConvergenceWarning,
    Estimator,
    check_classification_targets,
    check_random_state,
    check_scalar,
    check_X_y,
    warn,
)
from . import _classification_kernels as K
from .regression import Ridge

__all__ = ["Perceptron", "LeastSquaresClassifier"]


def _check_bool(value, name):
    return check_scalar(value, name, (bool, np.bool_))


def _targets(y_encoded, n_classes):
    r"""The +-1 targets of each one-vs-rest problem: shape (n, 1) for two classes, (n, K) otherwise.

    Two classes need one problem, :math:`t_i = +1` for the second class (``classes_[1]``).
    """
    if n_classes == 2:
        return np.where(y_encoded == 1, 1.0, -1.0)[:, None]
    return np.where(y_encoded[:, None] == np.arange(n_classes)[None, :], 1.0, -1.0)


class _LinearClassifier(ClassifierMixin, Estimator):
    """Shared prediction of the linear classifiers: scores :math:`X\\theta^T + \\theta_0`, then the class."""

    def decision_function(self, X):
        r"""Signed scores :math:`x^T\theta_k + \theta_{0k}` (distance to the boundary times :math:`\lVert\theta_k\rVert`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes (positive: ``classes_[1]``),
        else (n_samples, n_classes)
        """
        X = self._validate_X_predict(X)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X):
        """The class of largest score; for two classes ``classes_[1]`` where the score is positive.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,), labels from ``classes_``
        """
        scores = self.decision_function(X)
        index = (scores > 0).astype(np.int64) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]


class Perceptron(_LinearClassifier):
    r"""The perceptron (S28): :math:`\hat y = \mathrm{sign}(x^T\theta + \theta_0)`, trained by its rule.

    For each sample with label :math:`t_i \in \{-1, +1\}` that is misclassified
    or on the boundary, :math:`t_i(x_i^T\theta + \theta_0) \le 0`:

    .. math::
        \theta \leftarrow \theta + \eta\, t_i x_i, \qquad \theta_0 \leftarrow \theta_0 + \eta\, t_i ,

    starting from :math:`\theta = 0`. An epoch visits every sample once; training
    stops after the first epoch without a mistake. With K > 2 classes one
    perceptron per class is trained against the rest (one-vs-rest).

    Parameters
    ----------
    max_iter : int >= 1, default 1000
        Maximum number of epochs.
    eta : float > 0, default 1.0
        Learning rate :math:`\eta`. Starting from zero, it only scales
        :math:`(\theta, \theta_0)` and never changes the boundary.
    shuffle : bool, default True
        Visit the samples in a new random order every epoch (False: in the given order).
    random_state : None, int or numpy.random.Generator
        Seed of the shuffling.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
        :math:`\theta`, perpendicular to the decision boundary.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        :math:`\theta_0`.
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : int
        Epochs run (the largest over the one-vs-rest problems), the last one
        without a mistake when the fit converged.
    converged_ : bool
        True when every problem ended with an epoch without a mistake.
    n_features_in_ : int

    Notes
    -----
    Cost :math:`O(np)` per epoch; the epoch is a numba kernel
    (:func:`physml.linear._classification_kernels.perceptron_epoch`) because each
    update changes the next decision. On separable data with margin
    :math:`\gamma` and radius :math:`R = \max\lVert x_i\rVert` the rule makes at most
    :math:`(R/\gamma)^2` mistakes (Novikoff's theorem); on non-separable data it
    never converges and ``fit`` warns. With ``shuffle=False`` the updates are
    those of scikit-learn's ``Perceptron(eta0=eta, alpha=0, shuffle=False,
    tol=None)`` step for step.

    References: F. Rosenblatt, Psychol. Rev. 65, 386 (1958); A. Novikoff, Proc.
    Symp. Math. Theory of Automata 12, 615 (1962).

    Examples
    --------
    >>> X = [[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 1.0]]
    >>> clf = Perceptron(shuffle=False).fit(X, [0, 0, 1, 1])
    >>> clf.predict([[0.5, 0.5], [2.5, 0.5]]).tolist()
    [0, 1]
    """

    def __init__(self, max_iter=1000, eta=1.0, shuffle=True, random_state=None):
        self.max_iter = max_iter
        self.eta = eta
        self.shuffle = shuffle
        self.random_state = random_state

    def fit(self, X, y):
        """Run the perceptron rule until an epoch makes no mistake, or ``max_iter`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self
        """
        check_scalar(self.max_iter, "max_iter", numbers.Integral, min_val=1)
        check_scalar(self.eta, "eta", numbers.Real, min_val=0, include_boundaries="neither")
        _check_bool(self.shuffle, "shuffle")
        rng = check_random_state(self.random_state)
        X, y = check_X_y(X, y, y_numeric=False)
        self.classes_, y_encoded = check_classification_targets(y)
        T = _targets(y_encoded, len(self.classes_))
        W, b, epochs = _perceptron(X, T, int(self.max_iter), float(self.eta), bool(self.shuffle), rng)
        self.coef_, self.intercept_ = W, b
        self.n_iter_ = int(np.abs(epochs).max())
        self.converged_ = bool(np.all(epochs > 0))
        if not self.converged_:
            warn(ConvergenceWarning(
                f"Perceptron made mistakes in every one of max_iter={self.max_iter} epochs: the classes may not be "
                "linearly separable; raise max_iter, or use a classifier that tolerates overlap (LogisticRegression)."
            ))
        self.n_features_in_ = X.shape[1]
        return self


def _perceptron(X, T, max_iter, eta, shuffle, rng):
    r"""One perceptron per column of T (+-1 targets); inputs assumed validated.

    Returns
    -------
    W : ndarray of shape (k, p)
    b : ndarray of shape (k,)
    epochs : ndarray of shape (k,), int
        Epochs run per problem; negative (``-max_iter``) where the problem did not converge.
    """
    n, p = X.shape
    k = T.shape[1]
    W = np.zeros((k, p))
    b = np.zeros(k)
    epochs = np.zeros(k, dtype=np.int64)
    order = np.arange(n)
    for c in range(k):
        t = np.ascontiguousarray(T[:, c])
        w, bc = W[c], b[c:c + 1]  # views: the kernel updates W and b in place
        epochs[c] = -max_iter
        for epoch in range(1, max_iter + 1):
            if shuffle:
                order = rng.permutation(n)
            if K.perceptron_epoch(X, t, order, w, bc, eta) == 0:
                epochs[c] = epoch
                break
    return W, b, epochs


class LeastSquaresClassifier(_LinearClassifier):
    r"""Linear classifier trained by least squares on labels :math:`t_i \in \{-1, +1\}` (S29).

    .. math::
        (\hat\theta, \hat\theta_0) = \arg\min \sum_{i=1}^n (t_i - \theta_0 - x_i^T\theta)^2,
        \qquad \hat y = \mathrm{sign}(x^T\hat\theta + \hat\theta_0).

    With K > 2 classes, column k of the target matrix is +1 for class k and -1
    otherwise (one-vs-rest); all K regressions share one QR of X, and the class
    of largest score wins.

    Parameters
    ----------
    fit_intercept : bool, default True
        Fit :math:`\theta_0`.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int

    Notes
    -----
    The regression is :class:`physml.linear.Ridge` with :math:`\alpha = 0`:
    Cholesky of the normal equations where their condition number is at most
    1e8, else blocked Householder QR; cost :math:`n(p + K)^2` to :math:`2n(p + K)^2`. Equal to
    scikit-learn's ``RidgeClassifier(alpha=0)``. Its weakness (Bishop, PRML
    4.1.3): the squared error also penalises points classified correctly with a
    large margin (:math:`x^T\theta \gg 1`), so a few far-away points of the
    right class tilt the boundary; logistic regression does not care about them.

    Examples
    --------
    >>> X = [[0.0], [1.0], [3.0], [4.0]]
    >>> LeastSquaresClassifier().fit(X, ["a", "a", "b", "b"]).predict([[0.5], [3.5]]).tolist()
    ['a', 'b']
    """

    def __init__(self, fit_intercept=True):
        self.fit_intercept = fit_intercept

    def fit(self, X, y):
        """Regress the +-1 targets of each one-vs-rest problem on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self
        """
        _check_bool(self.fit_intercept, "fit_intercept")
        X, y = check_X_y(X, y, y_numeric=False)
        self.classes_, y_encoded = check_classification_targets(y)
        T = _targets(y_encoded, len(self.classes_))
        # Ridge with alpha = 0 is least squares: Cholesky of the normal equations when they are well
        # conditioned (scikit-learn's method, twice as fast), the blocked QR otherwise
        regression = Ridge(alpha=0.0, fit_intercept=bool(self.fit_intercept), solver="auto").fit(X, T)
        self.coef_ = regression.coef_
        self.intercept_ = np.asarray(regression.intercept_, dtype=np.float64)
        self.n_features_in_ = X.shape[1]
        return self
