r"""The least-squares solvers behind :mod:`physml.linear` (S2, S4): blocked TSQR and Cholesky.

Inputs are assumed validated (finite float64 arrays); the estimators in
:mod:`physml.linear.regression` call :func:`pow2_scale` first, so that no
sum of squares, mean or Gram matrix overflows or underflows.

* :func:`_tsqr_r`: the triangular factor R of a tall matrix's QR, one
  cache-sized block of rows at a time (LAPACK ``dgeqrt``), memory bounded for any n;
* :func:`_solve_reduced`: the (p x p) penalised least squares left once
  :math:`[X \mid Y]` is reduced to R, by an SVD (minimum-norm solution when rank deficient);
* :func:`_fit_linear`: least squares or ridge with an unpenalised intercept via TSQR;
* :func:`_ridge_cholesky`: ridge from the normal equations, refused (None) when
  their condition number exceeds :data:`_CHOLESKY_MAX_COND` or the factorisation fails.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.linalg.lapack import dgeqrt

# Data whose largest magnitude lies outside [2^-_SAFE_EXP, 2^_SAFE_EXP] are scaled by a power of two
# before solving, as LAPACK's drivers (dgelsd, dgesv's equilibration) do: a sum of n squares of 1e154
# already overflows. Inside the range nothing is scaled, so ordinary data give bit-identical results.
_SAFE_EXP = 450


def pow2_scale(A, axis=None):
    r"""Binary exponents :math:`e` such that :math:`A / 2^e` has magnitudes near 1 where A's are extreme.

    :math:`e` is the exponent of :math:`\max|A|` (per column with ``axis=0``)
    when that maximum lies outside :math:`[2^{-450}, 2^{450}]`, else 0 (also 0
    for an all-zero column). Apply with ``np.ldexp(A, -e)``: scaling by a power
    of two is exact, so no digit is lost, and ordinary data are left untouched.
    """
    m = np.max(np.abs(A), axis=axis)
    _, e = np.frexp(m)
    return np.where((m > 0) & ((e > _SAFE_EXP) | (e < -_SAFE_EXP)), e - 1, 0).astype(np.int64)


# Rows per TSQR block: about 2 MiB of float64, so a block stays in cache.
_BLOCK_BYTES = 2**21
# R factors gathered before they are reduced by one more QR (bounds memory for any n).
_MAX_STACK = 64


def _block_rows(n_cols):
    return max(2 * n_cols, _BLOCK_BYTES // (8 * n_cols))


def _qr_r(A):
    r"""R of the Householder QR of one block A (Fortran-ordered, overwritten): LAPACK dgeqrt."""
    m, c = A.shape
    a, _, info = dgeqrt(min(16, m, c), A, overwrite_a=1)
    if info != 0:
        raise RuntimeError(f"LAPACK dgeqrt failed with info={info}.")
    return np.triu(a[: min(m, c)])


def _tsqr_r(make_block, n, n_cols):
    r"""Triangular factor R of the QR decomposition of a tall matrix given in row blocks.

    Parameters
    ----------
    make_block : callable
        ``make_block(start, stop)`` returns rows ``start:stop`` of the matrix A
        as a new Fortran-ordered ndarray of shape (stop - start, n_cols); it is
        overwritten.
    n : int
        Number of rows of A.
    n_cols : int
        Number of columns of A.

    Returns
    -------
    R : ndarray of shape (min(n, n_cols), n_cols)
        Upper triangular, :math:`A^T A = R^T R` (up to the signs of its rows).

    Notes
    -----
    TSQR: :math:`A = [A_1; \dots; A_m]`, :math:`A_k = Q_k R_k`, then
    :math:`[R_1; \dots; R_m] = Q' R`. Cost :math:`2 n c^2` flops for c columns,
    Householder-stable like one QR of A, in cache-sized blocks.
    """
    rows = _block_rows(n_cols)
    stack = []
    for start in range(0, n, rows):
        stack.append(_qr_r(make_block(start, min(start + rows, n))))
        if len(stack) == _MAX_STACK:
            stack = [_qr_r(np.asfortranarray(np.vstack(stack)))]
    if len(stack) == 1:
        return stack[0]
    return _qr_r(np.asfortranarray(np.vstack(stack)))


def _solve_reduced(R, p, alpha, penalised):
    r"""Solve :math:`\min_\theta \lVert Z - R_X\theta\rVert^2 + \alpha \lVert D\theta\rVert^2` from R of [X | Y].

    Inputs assumed validated.

    Parameters
    ----------
    R : ndarray of shape (r, p + k)
        Triangular factor of the QR decomposition of [X | Y].
    p : int
        Number of columns of X.
    alpha : float
        Penalty strength, >= 0.
    penalised : ndarray of shape (p,)
        The diagonal of D: 0/1 for which coefficients the penalty acts on, or
        a weight per coefficient (1/s_j for a column scaled by s_j).

    Returns
    -------
    theta : ndarray of shape (p, k)
    singular : ndarray
        Singular values of the system solved (those of X when alpha = 0).
    rank : int
        Its numerical rank.
    """
    R_X, Z = R[:p, :p], R[:p, p:]
    if alpha > 0:
        R_X = np.vstack([R_X, np.diag(np.sqrt(alpha) * penalised.astype(np.float64))])
        Z = np.vstack([Z, np.zeros((p, Z.shape[1]))])
    theta, _, rank, singular = np.linalg.lstsq(R_X, Z, rcond=None)
    return theta, singular, int(rank)


def _centres(X, Y, fit_intercept):
    """Column means of X and Y, the centres an unpenalised intercept needs (zeros without one)."""
    if fit_intercept:
        return X.mean(axis=0), Y.mean(axis=0)
    return np.zeros(X.shape[1]), np.zeros(Y.shape[1])


def _fit_linear(X, Y, alpha, fit_intercept, penalty=None):
    r"""Ridge (alpha > 0) or least squares (alpha = 0) on (X, Y), intercept not penalised.

    Inputs assumed validated (and scaled, see :func:`pow2_scale`): X (n, p) float64, Y (n, k) float64;
    ``penalty`` the diagonal of D (None: every coefficient, weight 1).
    The intercept is handled by centring, :math:`\theta_0 = \langle y\rangle -
    \langle x\rangle^T \theta`, which is the exact minimiser over an
    unpenalised intercept.
    """
    n, p = X.shape
    k = Y.shape[1]
    x_mean, y_mean = _centres(X, Y, fit_intercept)

    def block(start, stop):
        # filled as the C-ordered transpose, so that A.T is the Fortran-ordered block LAPACK wants
        A_T = np.empty((p + k, stop - start))
        np.subtract(X[start:stop].T, x_mean[:, None], out=A_T[:p])
        np.subtract(Y[start:stop].T, y_mean[:, None], out=A_T[p:])
        return A_T.T

    R = _tsqr_r(block, n, p + k)
    theta, singular, rank = _solve_reduced(R, p, alpha, np.ones(p) if penalty is None else penalty)
    intercept = y_mean - x_mean @ theta
    return theta, intercept, singular, rank


# Largest condition number of X_c^T X_c + alpha I that solver="auto" solves by Cholesky: the normal
# equations then lose at most ~1e8 * 2.2e-16 ~ 2e-8 relative accuracy.
_CHOLESKY_MAX_COND = 1e8


def _ridge_cholesky(X, Y, alpha, fit_intercept, penalty=None):
    r"""Ridge from the normal equations :math:`(X_c^T X_c + \alpha I)\theta = X_c^T Y_c`, by Cholesky.

    Inputs assumed validated (and scaled): X (n, p) float64, Y (n, k) float64, ``penalty`` as for
    :func:`_fit_linear`. The Gram
    matrix of :math:`[X_c \mid Y_c]` is accumulated over cache-sized row blocks,
    centred on the fly, so X is never copied whole.

    Returns
    -------
    theta : ndarray of shape (p, k)
    intercept : ndarray of shape (k,)
    singular : ndarray of shape (p,)
        :math:`\sqrt{\mathrm{eig}(X_c^T X_c + \alpha I)}`, descending: the singular
        values of :math:`[X_c; \sqrt\alpha I]`.
    cond : float
        Condition number of :math:`X_c^T X_c + \alpha I` (inf if singular, or if the
        eigenvalues or the Cholesky factorisation fail). ``theta`` and ``intercept``
        are None when it exceeds :data:`_CHOLESKY_MAX_COND`; the caller then uses the QR.
    """
    n, p = X.shape
    k = Y.shape[1]
    x_mean, y_mean = _centres(X, Y, fit_intercept)
    rows = _block_rows(p + k)
    block = np.empty((min(rows, n), p + k))
    G = np.zeros((p + k, p + k))
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        b = block[: stop - start]
        np.subtract(X[start:stop], x_mean, out=b[:, :p])
        np.subtract(Y[start:stop], y_mean, out=b[:, p:])
        G += b.T @ b  # [X_c | Y_c]^T [X_c | Y_c], one block at a time
    A = G[:p, :p] + np.diag(alpha * (np.ones(p) if penalty is None else penalty**2))
    try:
        eig = np.linalg.eigvalsh(A)
    except np.linalg.LinAlgError:  # eigenvalues that do not converge: treat as ill-conditioned
        return None, None, None, np.inf
    cond = float(eig[-1] / eig[0]) if eig[0] > 0 else np.inf
    singular = np.sqrt(np.clip(eig[::-1], 0.0, None))
    if not cond <= _CHOLESKY_MAX_COND:
        return None, None, singular, cond
    try:
        theta = cho_solve(cho_factor(A), G[:p, p:])
    except np.linalg.LinAlgError:  # not positive definite after all (round-off at the edge): as if ill-conditioned
        return None, None, singular, np.inf
    return theta, y_mean - x_mean @ theta, singular, cond
