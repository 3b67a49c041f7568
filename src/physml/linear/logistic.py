r"""Logistic regression (S30) and its multiclass form, the softmax (S31).

Two classes: :math:`P(y = 1 \mid x) = \sigma(z)`, :math:`z = x^T\theta + \theta_0`,
:math:`\sigma(z) = 1/(1 + e^{-z})`. The cost is the negative log-likelihood,
i.e. the cross-entropy, plus an L2 penalty on :math:`\theta` (not on
:math:`\theta_0`):

.. math::
    C(\theta) = -\sum_{i=1}^n \left[ y_i \log\sigma(z_i) + (1 - y_i)\log(1 - \sigma(z_i)) \right]
                + \frac{1}{2C}\lVert\theta\rVert^2,
    \qquad \nabla_\theta C = \sum_i (\sigma(z_i) - y_i)\, x_i + \theta / C .

K classes: one score per class, :math:`z_{ik} = x_i^T\theta_k + \theta_{0k}`,
:math:`P(y = k \mid x_i) = \mathrm{softmax}(z_i)_k`, and

.. math::
    C = -\sum_i \log\mathrm{softmax}(z_i)_{y_i} + \frac{1}{2C}\sum_k\lVert\theta_k\rVert^2,
    \qquad \nabla_{\theta_k} C = \sum_i (P_{ik} - [y_i = k])\, x_i + \theta_k / C .

There is no closed form: the cost is minimised numerically (S30), by SciPy's
L-BFGS-B, by Newton's method with the exact Hessian, or by the mini-batch
optimisers of section B. The scaling :math:`\sum_i \ell_i + \lVert\theta\rVert^2/(2C)`
is scikit-learn's, so ``C`` means the same in both; the solvers minimise it
divided by n, as scikit-learn does, so ``tol`` means the same too (the largest
gradient component of the per-sample cost).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.optimize import minimize as scipy_minimize

from ..base import (
    ConvergenceWarning,
    check_classification_targets,
    check_random_state,
    check_scalar,
    check_sizes,
    check_X_y,
    warn,
)
from ..nn.functional import log_sigmoid, log_softmax, sigmoid, softmax
from ..optim import Newton, get_optimizer, minibatches, minimize
from . import _classification_kernels as K
from .perceptron import _check_bool, _LinearClassifier

__all__ = ["LogisticRegression"]

_SOLVERS = ("lbfgs", "newton", "sgd", "adam")
# epochs without an improvement of the cost by more than tol before sgd/adam stop (scikit-learn's SGD rule)
_N_ITER_NO_CHANGE = 5
# elements of X from which the fused one-pass kernel beats NumPy's two BLAS passes; measured on the shared
# 2-core machine (p = 100): starting its threads costs the kernel ~30 ms per call, BLAS needs 0.2 ms at 2e5
# elements and ~60 ms at 4e6; on the 52k x 1600 Ising set the kernel is 1.5x (float64) to 3.4x (int8) faster
_FUSED_MIN_SIZE = 2**20


class _CrossEntropy:
    r"""The cost of the module docstring divided by n, its gradient and Hessian, over a flat parameter vector.

    Inputs assumed validated. Parameters are laid out as ``theta.reshape(k, d)``:
    row c holds :math:`[\theta_c, \theta_{0c}]` (:math:`\theta_{0c}` only with an
    intercept); k = 1 for two classes, k = K otherwise.

    Parameters
    ----------
    X : ndarray of shape (n, p), float32 or float64
    y : ndarray of shape (n,), int64
        Encoded classes 0..K-1.
    n_classes : int
    l2 : float
        1/C, or 0 without a penalty.
    fit_intercept : bool
    """

    def __init__(self, X, y, n_classes, l2, fit_intercept):
        self.X, self.y = X, y
        self.n, self.p = X.shape
        self.binary = n_classes == 2
        self.k = 1 if self.binary else n_classes
        self.d = self.p + int(fit_intercept)
        self.fit_intercept = fit_intercept
        self.l2 = l2
        if self.binary:
            self.y01 = y.astype(np.float64)
            self.work = K.logistic_work(self.n, self.p) if X.size >= _FUSED_MIN_SIZE else None
            self.grad = np.empty(self.p + 1)

    def __call__(self, theta, rows=None):
        r"""Cost and gradient: :math:`\frac1m\sum_{i \in rows}\ell_i + \frac{1}{2Cn}\lVert\theta\rVert^2` (m = len(rows)).

        ``rows`` (a mini-batch, or None for all samples) gives an unbiased
        estimate of the full cost and gradient.
        """
        W = theta.reshape(self.k, self.d)
        X = self.X if rows is None else self.X[rows]
        y = self.y if rows is None else self.y[rows]
        m = X.shape[0]
        if self.binary:
            b = float(W[0, self.p]) if self.fit_intercept else 0.0
            y01 = self.y01 if rows is None else self.y01[rows]
            if rows is None and X.size >= _FUSED_MIN_SIZE:
                loss = K.logistic_cost_grad(X, y01, W[0, :self.p], b, self.grad, self.work)
            else:  # a mini-batch or a small X: two BLAS calls cost less than starting the threads
                loss = K.logistic_cost_grad_reference(X, y01, W[0, :self.p], b, self.grad)
            G = self.grad[None, :self.d] / m
        else:
            Z = X @ W[:, :self.p].T
            if self.fit_intercept:
                Z += W[:, self.p]
            L = log_softmax(Z)
            loss = -float(L[np.arange(m), y].sum())
            R = np.exp(L, out=L)  # P_ik - [y_i = k], in place of log P
            R[np.arange(m), y] -= 1.0
            G = np.empty((self.k, self.d))
            G[:, :self.p] = R.T @ X
            if self.fit_intercept:
                G[:, self.p] = R.sum(axis=0)
            G /= m
        loss /= m
        if self.l2 > 0:  # + (1 / (2 C n)) ||theta||^2 on the weights only
            w = W[:, :self.p]
            G[:, :self.p] += (self.l2 / self.n) * w
            loss += 0.5 * self.l2 / self.n * float(np.sum(w * w))
        return loss, G.reshape(-1)

    def cost(self, theta):
        return self(theta)[0]

    def gradient(self, theta):
        return self(theta)[1]

    def hessian(self, theta):
        r"""The exact Hessian of the per-sample cost, plus the gauge projector for K classes.

        Two classes: :math:`H = \frac1n \tilde X^T \mathrm{diag}(\sigma_i(1-\sigma_i))\tilde X
        + \frac{1}{Cn} D`, :math:`\tilde X = [X \mid 1]`, D the identity on the weights.

        K classes, block (k, l): :math:`\frac1n \sum_i P_{ik}(\delta_{kl} - P_{il})\,\tilde x_i\tilde x_i^T
        + \delta_{kl}\frac{1}{Cn} D`. Adding the same vector to every :math:`(\theta_k, \theta_{0k})`
        leaves the softmax unchanged, so this Hessian is singular along those
        "gauge" directions :math:`u_j = (e_j, \dots, e_j)/\sqrt K` (the intercepts'
        always, the weights' without a penalty). The gradient is orthogonal to
        them (its class sum vanishes) and they are an invariant subspace of H, so
        adding :math:`\frac1n\sum_j u_j u_j^T` makes H positive definite without
        changing the Newton step in the other directions: from a start with zero class
        sums (theta = 0), the iterates keep zero class sums, as the L-BFGS ones do.
        """
        W = theta.reshape(self.k, self.d)
        X = self.X.astype(np.float64, copy=False)
        Xt = np.hstack([X, np.ones((self.n, 1))]) if self.fit_intercept else X
        if self.binary:
            s = sigmoid(Xt @ W[0])
            H = Xt.T @ (Xt * (s * (1.0 - s))[:, None]) / self.n
            H[np.arange(self.p), np.arange(self.p)] += self.l2 / self.n
            return H
        P = softmax(Xt @ W.T)
        kd = self.k * self.d
        # sum_i P_ik (delta_kl - P_il) x_i x_i^T = blockdiag_k(X^T diag(P_k) X) - B^T B, B_i = P_i (x) x_i:
        # K + 1 matrix products instead of K (K + 1) / 2 small ones
        B = (P[:, :, None] * Xt[:, None, :]).reshape(self.n, kd)
        H = -(B.T @ B)
        for a in range(self.k):
            rows = slice(a * self.d, (a + 1) * self.d)
            H[rows, rows] += Xt.T @ B[:, rows]
        H /= self.n
        idx = np.arange(kd)
        weights = idx % self.d < self.p
        H[idx[weights], idx[weights]] += self.l2 / self.n
        # + (1/n) sum_j u_j u_j^T: entry (a d + j, c d + j) gets 1 / (K n)
        same = (idx[:, None] % self.d) == (idx[None, :] % self.d)
        H[same] += 1.0 / (self.k * self.n)
        return H


class LogisticRegression(_LinearClassifier):
    r"""Logistic regression (S30), softmax regression for K > 2 classes (S31).

    Minimises :math:`\sum_i \ell_i + \lVert\theta\rVert^2/(2C)` (module docstring),
    the cross-entropy with an L2 penalty that spares the intercept. The
    defaults are scikit-learn's ``LogisticRegression()``: the same cost, the
    same solver (L-BFGS-B, ``gtol = tol``) and the same stopping rule, so the two
    give the same coefficients.

    Parameters
    ----------
    C : float > 0, default 1.0
        Inverse penalty strength: smaller C, stronger weight decay.
    penalty : {"l2", None}, default "l2"
        None minimises the bare cross-entropy (on separable data it has no
        minimum: the weights grow until ``max_iter``).
    solver : {"lbfgs", "newton", "sgd", "adam"}, default "lbfgs"
        "lbfgs": SciPy's L-BFGS-B on this module's cost and gradient (one fused
        pass over X per evaluation for two classes). "newton": Newton's method
        (S6) with the exact Hessian through :class:`physml.optim.Newton`,
        :math:`O((Kp)^3)` per step: for a few hundred parameters. "sgd" and
        "adam": mini-batches of ``batch_size`` through :mod:`physml.optim`
        (S7, S10), one epoch per iteration.
    max_iter : int >= 1, default 100
        Iterations (lbfgs, newton) or epochs (sgd, adam).
    tol : float >= 0, default 1e-4
        lbfgs and newton stop when the largest gradient component of the
        per-sample cost is at most ``tol``; sgd and adam when the cost has not
        improved by more than ``tol`` for 5 epochs.
    fit_intercept : bool, default True
        Fit :math:`\theta_0` (unpenalised).
    random_state : None, int or numpy.random.Generator
        Shuffling of the mini-batches (sgd, adam).
    batch_size : int >= 1, default 200
        Mini-batch size (sgd, adam).
    learning_rate : float > 0 or None, default None
        Learning rate of sgd/adam; None takes the optimiser's default (0.01 for sgd, 1e-3 for adam).

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : int
        Iterations (or epochs) run.
    converged_ : bool
    n_features_in_ : int

    Notes
    -----
    The cross-entropy is convex, so every solver heads for the same minimum;
    with the L2 penalty it is strictly convex and the minimum is unique. The
    K-class softmax is over-parametrised (adding a vector to every
    :math:`\theta_k` changes nothing): the penalty picks
    :math:`\sum_k\theta_k = 0`, and the intercepts keep the zero sum they start
    with. The log-likelihood and the probabilities use the stable forms of
    :mod:`physml.nn.functional`: no overflow for scores of magnitude 1e4.

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> clf.predict([[0.2], [2.8]]).tolist()
    [0, 1]
    """

    def __init__(self, C=1.0, penalty="l2", solver="lbfgs", max_iter=100, tol=1e-4, fit_intercept=True,
                 random_state=None, batch_size=200, learning_rate=None):
        self.C = C
        self.penalty = penalty
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.random_state = random_state
        self.batch_size = batch_size
        self.learning_rate = learning_rate

    def fit(self, X, y):
        """Minimise the penalised cross-entropy.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            float32 and int8 arrays (Ising spins) are read as they are, with sums
            accumulated in float64: 1/2 and 1/8 of the memory traffic of float64.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self
        """
        check_scalar(self.C, "C", numbers.Real, min_val=0, include_boundaries="neither")
        if self.penalty not in ("l2", None):
            raise ValueError(f"penalty must be 'l2' or None, got {self.penalty!r}.")
        if not (isinstance(self.solver, str) and self.solver in _SOLVERS):
            raise ValueError(f"solver must be one of {list(_SOLVERS)}, got {self.solver!r}.")
        check_scalar(self.max_iter, "max_iter", numbers.Integral, min_val=1)
        check_scalar(self.tol, "tol", numbers.Real, min_val=0)
        _check_bool(self.fit_intercept, "fit_intercept")
        check_scalar(self.batch_size, "batch_size", numbers.Integral, min_val=1)
        if self.learning_rate is not None:
            check_scalar(self.learning_rate, "learning_rate", numbers.Real, min_val=0, include_boundaries="neither")
        rng = check_random_state(self.random_state)
        # int8 (the Ising spins) and float32 are read as they are by the fused kernel: less memory traffic
        compact = isinstance(X, np.ndarray) and X.dtype in (np.int8, np.float32)
        X, y = check_X_y(X, y, dtype=None if compact else np.float64, y_numeric=False)
        self.classes_, y_encoded = check_classification_targets(y)
        n_classes = len(self.classes_)
        if n_classes > 2 or self.solver == "newton":
            X = X.astype(np.float64, copy=False)
        l2 = 1.0 / float(self.C) if self.penalty == "l2" else 0.0
        cost = _CrossEntropy(X, y_encoded, n_classes, l2, bool(self.fit_intercept))
        if self.solver == "newton":
            check_sizes([(cost.k * cost.d, cost.k * cost.d), (X.shape[0], cost.k * cost.d)],
                        what=f"LogisticRegression(solver='newton') with {cost.k * cost.d} parameters",
                        hint="use solver='lbfgs'")
        theta0 = np.zeros(cost.k * cost.d)
        fit = {"lbfgs": _fit_lbfgs, "newton": _fit_newton, "sgd": _fit_minibatch, "adam": _fit_minibatch}
        theta, self.n_iter_, self.converged_, message = fit[self.solver](cost, theta0, self, rng)
        if not self.converged_:
            warn(ConvergenceWarning(f"LogisticRegression(solver={self.solver!r}) did not converge: {message}. "
                                    "Raise max_iter, or standardise the features."))
        W = theta.reshape(cost.k, cost.d)
        self.coef_ = W[:, :cost.p].copy()
        self.intercept_ = W[:, cost.p].copy() if self.fit_intercept else np.zeros(cost.k)
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X):
        r"""Class probabilities: :math:`[\sigma(-z), \sigma(z)]` for two classes, softmax(z) otherwise.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        z = self.decision_function(X)
        if z.ndim == 1:
            return np.column_stack([sigmoid(-z), sigmoid(z)])
        return softmax(z)

    def predict_log_proba(self, X):
        r"""Log-probabilities, from the stable :math:`\log\sigma` and log-softmax (finite for any finite score).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        z = self.decision_function(X)
        if z.ndim == 1:
            return np.column_stack([log_sigmoid(-z), log_sigmoid(z)])
        return log_softmax(z)


def _fit_lbfgs(cost, theta0, est, rng):
    """SciPy's L-BFGS-B with scikit-learn's options (gtol = tol, ftol = 64 eps, 50 line-search steps)."""
    res = scipy_minimize(cost, theta0, method="L-BFGS-B", jac=True,
                         options={"maxiter": int(est.max_iter), "maxls": 50, "gtol": float(est.tol),
                                  "ftol": 64 * np.finfo(float).eps})
    message = res.message if isinstance(res.message, str) else res.message.decode()
    if res.status == 1:
        message = f"max_iter={est.max_iter} iterations reached ({message})"
    return res.x, int(res.nit), res.status == 0, message


def _fit_newton(cost, theta0, est, rng):
    """Newton's method with the exact Hessian, through :func:`physml.optim.minimize`."""
    memo = {}

    def cached(theta):
        key = theta.tobytes()
        if key not in memo:
            memo.clear()
            memo[key] = cost(theta)
        return memo[key]

    res = minimize(lambda t: cached(t)[0], theta0, grad=lambda t: cached(t)[1], hess=cost.hessian,
                   method=Newton(lr=1.0), max_iter=int(est.max_iter), tol=float(est.tol))
    message = res.message if res.converged else f"{res.n_iter} of max_iter={est.max_iter} Newton steps: {res.message}"
    return res.x, int(res.n_iter), bool(res.converged), message


def _fit_minibatch(cost, theta0, est, rng):
    """Epochs of mini-batch SGD or Adam; stop when the cost has not improved by tol for 5 epochs."""
    opt = get_optimizer(est.solver, None if est.learning_rate is None else float(est.learning_rate))
    theta = theta0.copy()
    best, stall = np.inf, 0
    n = cost.n
    for epoch in range(1, int(est.max_iter) + 1):
        for rows in minibatches(n, int(est.batch_size), shuffle=True, random_state=rng):
            _, g = cost(theta, np.sort(rows))
            opt.step([theta], [g])
        f = cost.cost(theta)
        stall = stall + 1 if f > best - est.tol else 0
        best = min(best, f)
        if stall >= _N_ITER_NO_CHANGE:
            return theta, epoch, True, ""
    return theta, int(est.max_iter), False, (f"max_iter={est.max_iter} epochs reached and the cost still improved "
                                            f"by more than tol={est.tol:g} within the last {_N_ITER_NO_CHANGE}")
