r"""Least-squares, ridge and polynomial regression (S2, S4).

The slides fit a model :math:`f(x; \theta)` by minimising the sum of squared
residuals (S2), and regularise it with weight decay (S4):

.. math::

    \hat\theta = \arg\min_\theta \sum_{i=1}^n (y_i - f(x_i; \theta))^2
                 + \alpha\, \theta^T \theta .

The slide writes the cost per sample, :math:`C(\theta) = \frac1n \sum_i (y_i -
f(x_i;\theta))^2 + \lambda \theta^T\theta`; both have the same minimiser when
:math:`\alpha = n\lambda`. physml uses :math:`\alpha` (scikit-learn's
convention) so that its numbers can be compared with scikit-learn's.

One solver serves all three estimators and never forms the normal equations
:math:`X^T X` (which would square the condition number):

1. the design matrix and the targets, side by side, :math:`A = [X \mid Y]`, are
   reduced to the triangular factor :math:`R` of their QR decomposition, one
   block of rows at a time (TSQR: the R factors of the blocks are stacked and
   factorised again), so memory stays bounded for any n;
2. since :math:`A = Q R` with :math:`R = \begin{pmatrix} R_X & Z \\ 0 & T
   \end{pmatrix}`, the residual is :math:`\lVert Y - X\theta\rVert^2 =
   \lVert Z - R_X\theta\rVert^2 + \lVert T\rVert^2`, so the n-row problem becomes
   a (p x p) one;
3. the penalty is added as extra rows :math:`\sqrt{\alpha} D` (D marks the
   penalised coefficients) and the small system is solved by an SVD-based
   least squares (minimum-norm solution when the design is rank deficient).

:class:`Ridge` may instead solve its normal equations
:math:`(X_c^T X_c + \alpha I)\theta = X_c^T Y_c` by Cholesky (half the flops
of the QR, the method of scikit-learn's Ridge): ``solver="auto"`` does so only
when the condition number of :math:`X_c^T X_c + \alpha I` is at most
:data:`_CHOLESKY_MAX_COND`, where its error (about cond x machine epsilon)
stays below 1e-8 relative, and falls back to the QR otherwise; ``solver_``
records the choice. The solvers live in :mod:`physml.linear._solvers`; data
whose magnitudes lie beyond :math:`2^{\pm 450}` are scaled by powers of two
before solving (exact, as LAPACK's drivers do), and coefficients that would
leave the float64 range raise ``ValueError`` instead of coming back inf or NaN.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import Estimator, RegressorMixin, check_array, check_scalar, check_sizes, check_X_y, warn
from ._solvers import (
    _CHOLESKY_MAX_COND,
    _block_rows,
    _fit_linear,
    _ridge_cholesky,
    _solve_reduced,
    _tsqr_r,
    pow2_scale,
)

__all__ = ["LinearRegression", "Ridge", "PolynomialRegression"]


def _unscaled(theta, intercept, e_x, e_y):
    """Coefficients in the data's units from those of the scaled problem; ValueError if they leave float64."""
    with np.errstate(over="ignore"):
        theta = np.ldexp(theta, (e_y[None, :] - e_x[:, None]))  # theta_j = 2^(e_y - e_j) theta_s_j, exact
        intercept = np.ldexp(intercept, e_y)
    if not (np.isfinite(theta).all() and np.isfinite(intercept).all()):
        raise ValueError(
            "The least-squares coefficients exceed the float64 range for this X and y (the scales of y and X "
            "are too far apart, e.g. y ~ 1e308 against X ~ 1e-10); rescale X or y before fitting."
        )
    return theta, intercept

class _LinearModel(RegressorMixin, Estimator):
    """Shared fit/predict of :class:`LinearRegression` and :class:`Ridge` (not public)."""

    def _fit(self, X, y, alpha, solver="tsqr"):
        check_scalar(self.fit_intercept, "fit_intercept", (bool, np.bool_))
        X, y = check_X_y(X, y, multi_output=True)
        Y = y.reshape(len(y), -1)
        # data beyond 2^+-450 are scaled by powers of two first (as LAPACK's drivers do), so that no
        # mean, sum of squares or Gram matrix overflows or underflows: theta_s = theta 2^(e_j - e_y)
        e_x, e_y = pow2_scale(X, axis=0), pow2_scale(Y, axis=0)
        penalty = None
        if e_x.any() or e_y.any():
            X, Y = np.ldexp(X, -e_x), np.ldexp(Y, -e_y)
            if alpha > 0:
                # ||Y - X theta||^2 + alpha ||theta||^2 = 2^(2 e_y) (||Y_s - X_s theta_s||^2
                #     + alpha sum_j 2^(-2 e_j) theta_s_j^2): the same problem with a penalty weight 2^(-e_j)
                with np.errstate(over="ignore", under="ignore"):
                    penalty = np.ldexp(1.0, -e_x).astype(np.float64)
                # a weight that underflows to 0 is a penalty below round-off; one that overflows cannot be solved
                if not np.all(np.isfinite(np.sqrt(alpha) * penalty)):
                    raise ValueError(
                        f"alpha={alpha:g} is beyond float64 on the scale of X (column scales 2^{e_x.min()} to "
                        f"2^{e_x.max()}): the penalty would be infinite; rescale X before fitting."
                    )
        theta = None
        if solver in ("auto", "cholesky"):
            theta, intercept, singular, cond = _ridge_cholesky(X, Y, alpha, bool(self.fit_intercept), penalty)
            if theta is None and solver == "cholesky":
                raise ValueError(
                    f"solver='cholesky': X_c^T X_c + alpha I has condition number {cond:.3g} > "
                    f"{_CHOLESKY_MAX_COND:g} (or is not positive definite), so the normal equations would lose "
                    "accuracy; use solver='auto' or 'tsqr', or a larger alpha."
                )
            rank = X.shape[1]
        used = "cholesky" if theta is not None else "tsqr"
        if theta is None:
            theta, intercept, singular, rank = _fit_linear(X, Y, alpha, bool(self.fit_intercept), penalty)
        theta, intercept = _unscaled(theta, intercept, e_x, e_y)
        if y.ndim == 1:
            self.coef_, self.intercept_ = theta[:, 0], float(intercept[0])
        else:
            self.coef_, self.intercept_ = theta.T.copy(), intercept
        self.n_features_in_ = X.shape[1]
        self.singular_, self.rank_ = singular, rank
        self.solver_ = used
        return self

    def predict(self, X):
        """Predictions f(X) = X theta + theta_0.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        X = self._validate_X_predict(X)
        return X @ self.coef_.T + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class LinearRegression(_LinearModel):
    r"""Ordinary least squares (S2): the degree-1 model of the slides, in any dimension.

    .. math::

        \hat\theta = \arg\min_{\theta, \theta_0}
            \sum_{i=1}^n (y_i - \theta_0 - x_i^T\theta)^2 .

    For one feature this is the closed form of the slides,
    :math:`\hat\theta_1 = (\langle xy\rangle - \langle x\rangle\langle y\rangle)
    / (\langle x^2\rangle - \langle x\rangle^2)`,
    :math:`\hat\theta_0 = \langle y\rangle - \hat\theta_1\langle x\rangle`.

    Parameters
    ----------
    fit_intercept : bool, default True
        Fit :math:`\theta_0`; if False the model passes through the origin.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_outputs, n_features)
        :math:`\theta`.
    intercept_ : float or ndarray of shape (n_outputs,)
        :math:`\theta_0`.
    singular_ : ndarray
        Singular values of the (centred) design matrix.
    rank_ : int
        Its numerical rank; below n_features the minimum-norm solution is returned.
    solver_ : str
        ``"tsqr"``: blocked Householder QR, then an SVD least squares of the small system.
    n_features_in_ : int

    Notes
    -----
    Never forms :math:`X^T X`; see the module docstring. Cost
    :math:`2n(p + k)^2` flops for p features and k outputs.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0], [1.0], [2.0]])
    >>> LinearRegression().fit(x, [1.0, 3.0, 5.0]).coef_
    array([2.])
    """

    def __init__(self, fit_intercept=True):
        self.fit_intercept = fit_intercept

    def fit(self, X, y):
        """Fit by least squares.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self
        """
        return self._fit(X, y, 0.0)


class Ridge(_LinearModel):
    r"""Ridge regression, L2 (weight-decay) regularisation (S4).

    .. math::

        \hat\theta = \arg\min_{\theta, \theta_0}
            \sum_{i=1}^n (y_i - \theta_0 - x_i^T\theta)^2 + \alpha\, \theta^T\theta,

    the slide's :math:`C(\theta) = \frac1n\sum_i (\dots)^2 + \lambda\theta^T\theta`
    with :math:`\alpha = n\lambda`. The intercept :math:`\theta_0` is not
    penalised (as in scikit-learn), so shifting y shifts only :math:`\theta_0`.

    Parameters
    ----------
    alpha : float, default 1.0
        Penalty strength, >= 0.
    fit_intercept : bool, default True
        Fit an unpenalised :math:`\theta_0`.
    solver : {"auto", "cholesky", "tsqr"}, default "auto"
        "tsqr": blocked Householder QR of [X | Y], then an SVD least squares of
        :math:`[R_X; \sqrt\alpha I]\theta = [Z; 0]`, stable for any conditioning.
        "cholesky": the normal equations, about twice as fast; refused (ValueError)
        when :math:`X_c^T X_c + \alpha I` is too ill-conditioned (condition number
        above 1e8). "auto": Cholesky when that condition number allows it, else tsqr.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_outputs, n_features)
    intercept_ : float or ndarray of shape (n_outputs,)
    singular_ : ndarray
        Singular values of the penalised system :math:`[X_c; \sqrt\alpha I]`.
    rank_ : int
    solver_ : str
        The solver used, "cholesky" or "tsqr" (what "auto" chose).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> Ridge(alpha=2.0).fit(X, [0.0, 2.0, 4.0]).coef_  # 2 * 2 / (2 + 2)
    array([1.])
    """

    def __init__(self, alpha=1.0, fit_intercept=True, solver="auto"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver

    def fit(self, X, y):
        """Fit the penalised least squares.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self
        """
        check_scalar(self.alpha, "alpha", numbers.Real, min_val=0.0)
        if not (isinstance(self.solver, str) and self.solver in ("auto", "cholesky", "tsqr")):
            raise ValueError(f"solver must be 'auto', 'cholesky' or 'tsqr', got {self.solver!r}.")
        return self._fit(X, y, float(self.alpha), self.solver)


_SEVERAL_FEATURES = "the check fits X with several features; PolynomialRegression models one variable x"


def _horner(coef, t):
    r"""Evaluate :math:`\sum_j c_j t^j` as :math:`c_0 + t(c_1 + t(c_2 + \dots))` (Horner)."""
    out = np.full(t.shape, coef[-1])
    for c in coef[-2::-1]:
        out *= t
        out += c
    return out


class PolynomialRegression(RegressorMixin, Estimator):
    r"""Polynomial regression in one variable (S2), optionally with weight decay (S4).

    .. math::

        f_\alpha(x; \theta) = \sum_{j=0}^{N} \theta_j x^j .

    To keep the least-squares problem well conditioned, x is first mapped to
    :math:`t = (2x - x_\mathrm{max} - x_\mathrm{min}) / (x_\mathrm{max} -
    x_\mathrm{min}) \in [-1, 1]` with the training range, the Vandermonde matrix
    :math:`V_{ij} = t_i^j` is reduced by blocked Householder QR (never
    :math:`V^TV`), and the coefficients :math:`c_j` of :math:`f = \sum_j c_j t^j`
    minimise

    .. math::

        \sum_i (y_i - \sum_j c_j t_i^j)^2 + \alpha \sum_{j \ge 1} c_j^2 ,

    (the constant term is not penalised). The slide's coefficients
    :math:`\theta_j` in powers of x are recovered exactly by expanding
    :math:`t = a x + b`.

    Parameters
    ----------
    degree : int, default 3
        N, the highest power; >= 0.
    alpha : float, default 0.0
        Weight-decay strength on the scaled coefficients :math:`c_1..c_N`; >= 0.

    Attributes
    ----------
    coef_ : ndarray of shape (degree + 1,)
        :math:`\theta_0, \dots, \theta_N` in the original monomial basis (the
        reverse of ``numpy.polyfit``'s order). At very high degree, or on a
        range of x far from [-1, 1], these overflow (a RuntimeWarning says so).
    scaled_coef_ : ndarray of shape (degree + 1,)
        :math:`c_0, \dots, c_N` in powers of the scaled t; what ``predict`` uses.
    x_range_ : tuple of float
        :math:`(x_\mathrm{min}, x_\mathrm{max})` of the training data.
    x_scale_ : tuple of float
        (a, b) of the map t = a x + b (of :math:`t = a\,x 2^{-e} + b` when x is scaled).
    x_exponent_ : int
        e: x beyond :math:`2^{\pm 450}` is divided by :math:`2^e` first, so that the
        range cannot overflow (0 for ordinary data).
    singular_ : ndarray
        Singular values of the (penalised) scaled Vandermonde system.
    rank_ : int
    solver_ : str
        ``"tsqr"``.
    n_features_in_ : int
        Always 1.

    Notes
    -----
    Fitting costs :math:`2n(N + 2)^2` flops; prediction evaluates the
    polynomial in t by Horner's rule (N multiply-adds per point), which is
    accurate where the monomial expansion in x would cancel. ``coef_`` in x is
    for reading off the physics (e.g. the slope 2 of f(x) = 2x); at high degree
    on a range far from [-1, 1] it is ill conditioned by nature.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 1, 20)
    >>> model = PolynomialRegression(degree=2).fit(x, 1 + 2 * x - 3 * x**2)
    >>> np.round(model.coef_, 10)
    array([ 1.,  2., -3.])
    """

    # scikit-learn's generic checks feed X with 2-10 features; a polynomial in one
    # variable rejects them, so these checks cannot apply (tests/linear cover the
    # same contract on one-feature data).
    _check_estimator_expected_failed = {
        "check_dict_unchanged": _SEVERAL_FEATURES,
        "check_dont_overwrite_parameters": _SEVERAL_FEATURES,
        "check_dtype_object": _SEVERAL_FEATURES,
        "check_estimators_dtypes": _SEVERAL_FEATURES,
        "check_estimators_fit_returns_self": _SEVERAL_FEATURES,
        "check_estimators_nan_inf": _SEVERAL_FEATURES,
        "check_estimators_overwrite_params": _SEVERAL_FEATURES,
        "check_estimators_pickle": _SEVERAL_FEATURES,
        "check_f_contiguous_array_estimator": _SEVERAL_FEATURES,
        "check_fit2d_1sample": _SEVERAL_FEATURES,
        "check_fit2d_predict1d": _SEVERAL_FEATURES,
        "check_fit_check_is_fitted": _SEVERAL_FEATURES,
        "check_fit_idempotent": _SEVERAL_FEATURES,
        "check_fit_score_takes_y": _SEVERAL_FEATURES,
        "check_methods_sample_order_invariance": _SEVERAL_FEATURES,
        "check_methods_subset_invariance": _SEVERAL_FEATURES,
        "check_n_features_in": _SEVERAL_FEATURES,
        "check_n_features_in_after_fitting": _SEVERAL_FEATURES,
        "check_pipeline_consistency": _SEVERAL_FEATURES,
        "check_positive_only_tag_during_fit": _SEVERAL_FEATURES,
        "check_readonly_memmap_input": _SEVERAL_FEATURES,
        "check_regressor_data_not_an_array": _SEVERAL_FEATURES,
        "check_regressors_int": _SEVERAL_FEATURES,
        "check_regressors_no_decision_function": _SEVERAL_FEATURES,
        "check_regressors_train": _SEVERAL_FEATURES,
        "check_supervised_y_2d": _SEVERAL_FEATURES,
        "check_fit1d": "a 1D x of shape (n,) is the documented input of a polynomial in x",
    }

    def __init__(self, degree=3, alpha=0.0):
        self.degree = degree
        self.alpha = alpha

    @staticmethod
    def _as_column(X):
        # x may come as shape (n,) (a list, an array, a pandas Series) or (n, 1) (a frame too)
        if getattr(X, "ndim", None) == 2:
            return X
        X = check_array(X, name="X", ensure_2d=False)
        return X.reshape(-1, 1) if X.ndim == 1 else X

    def _check_one_feature(self, X):
        if X.shape[1] != 1:
            raise ValueError(
                f"PolynomialRegression models a function of one variable x, but X has {X.shape[1]} "
                "features; pass x with shape (n,) or (n, 1)."
            )

    def fit(self, X, y):
        """Fit the polynomial by least squares on the scaled Vandermonde matrix.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            The independent variable x.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        check_scalar(self.degree, "degree", numbers.Integral, min_val=0)
        check_scalar(self.alpha, "alpha", numbers.Real, min_val=0.0)
        X, y = check_X_y(self._as_column(X), y)
        self._check_one_feature(X)
        N, x = int(self.degree), X[:, 0]
        # the TSQR holds one block of rows of the (N + 2)-column design matrix and R, (N + 2)^2: refuse first
        rows = min(len(x), _block_rows(N + 2))
        check_sizes([(rows, N + 2), (2 * (N + 2), N + 2)], what=f"PolynomialRegression(degree={N})",
                    hint="lower degree")
        x_min, x_max = float(x.min()), float(x.max())
        # x and y beyond 2^+-450 are first scaled by powers of two (exact; nothing changes for ordinary
        # data), so that neither the range x_max - x_min nor the sums of squares of the QR overflow
        e_x, e_y = int(pow2_scale(x)), int(pow2_scale(y))
        x, y = np.ldexp(x, -e_x), np.ldexp(y, -e_y)
        lo, hi = float(x.min()), float(x.max())
        # t = a x + b maps [x_min, x_max] onto [-1, 1]; a single point maps to t = 0
        a = 2.0 / (hi - lo) if hi > lo else 1.0
        b = -(hi + lo) / (hi - lo) if hi > lo else -lo

        def block(start, stop):
            V = np.empty((stop - start, N + 2), order="F")
            V[:, 0] = 1.0
            if N >= 1:
                np.multiply(x[start:stop], a, out=V[:, 1])
                V[:, 1] += b
            for j in range(2, N + 1):
                np.multiply(V[:, j - 1], V[:, 1], out=V[:, j])  # t^j = t^(j-1) t
            V[:, N + 1] = y[start:stop]
            return V

        R = _tsqr_r(block, len(x), N + 2)
        penalised = np.arange(N + 1) >= 1
        c, self.singular_, self.rank_ = _solve_reduced(R, N + 1, float(self.alpha), penalised)
        with np.errstate(over="ignore"):
            self.scaled_coef_ = np.ldexp(c[:, 0], e_y)
        if not np.isfinite(self.scaled_coef_).all():
            raise ValueError("The polynomial's coefficients exceed the float64 range for this y; rescale y.")
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            self.coef_ = self._to_monomials(self.scaled_coef_, np.ldexp(a, -e_x), b)
        if not np.isfinite(self.coef_).all():
            warn(
                f"coef_ (the coefficients in powers of x) overflows at degree {N} on x in "
                f"[{x_min:g}, {x_max:g}] and holds inf/NaN; predict is unaffected (it uses scaled_coef_).",
                RuntimeWarning,
            )
        self.x_range_ = (x_min, x_max)
        self.x_scale_ = (a, b)
        self.x_exponent_ = e_x
        self.n_features_in_ = 1
        self.solver_ = "tsqr"
        return self

    @staticmethod
    def _to_monomials(c, a, b):
        r"""Coefficients in x of :math:`\sum_j c_j (a x + b)^j`, by Horner's rule on polynomials."""
        theta = np.array([c[-1]])
        for c_j in c[-2::-1]:
            theta = np.convolve(theta, [b, a])  # multiply by (b + a x)
            theta[0] += c_j
        return theta

    def predict(self, X):
        """Evaluate the fitted polynomial at x (Horner's rule in the scaled variable).

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        X = self._validate_X_predict(self._as_column(X))
        a, b = self.x_scale_
        return _horner(self.scaled_coef_, a * np.ldexp(X[:, 0], -self.x_exponent_) + b)
