r"""``minimize``: run any optimiser of S5-S10 on a function of a parameter vector.

>>> import numpy as np
>>> from physml.optim import minimize
>>> res = minimize(lambda x: np.sum((x - 3.0) ** 2), np.zeros(2), grad=lambda x: 2 * (x - 3.0),
...                hess=lambda x: 2 * np.eye(2), method="newton")
>>> res.n_iter, res.converged, np.round(res.x, 12).tolist()
(1, True, [3.0, 3.0])
>>> res = minimize(lambda x: np.sum((x - 3.0) ** 2), np.zeros(2), method="adam", lr=0.1)  # finite differences
>>> res.converged, np.round(res.x, 5).tolist()
(True, [3.0, 3.0])
"""

from __future__ import annotations

import numbers
import numpy as np

from ..base import check_array, check_scalar
from ..numdiff import numerical_gradient, numerical_hessian
from ._result import OptimizeResult
from .genetic import GeneticAlgorithm
from .optimizers import Newton, _from_registry

__all__ = ["OptimizeResult", "minimize"]

def minimize(fun, x0, grad=None, hess=None, method="adam", max_iter=10_000, tol=1e-6, callback=None,
             **options):
    r"""Minimise :math:`E(\theta)` with one of the lecture's optimisers (S5-S10).

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float``, the cost :math:`E`.
    x0 : array-like of any shape
        Starting point (copied, float64).
    grad : callable or None
        ``grad(x) -> ndarray`` of the shape of ``x``. None: central finite
        differences (:func:`physml.numdiff.numerical_gradient`, :math:`2n` calls of ``fun``
        per step, accurate to about 1e-10 relative).
    hess : callable or None
        ``hess(x) -> (n, n) ndarray``, used by ``method="newton"`` only. None:
        central differences of the gradient (:func:`physml.numdiff.numerical_hessian`).
    method : {"gd", "sgd", "momentum", "nesterov", "rmsprop", "adam", "newton", "genetic"} or Optimizer
        The update rule. A name builds the optimiser with ``**options``; an
        instance is copied (same hyperparameters, no state), as by
        :func:`~physml.optim.get_optimizer`: the caller's object is not changed.
        "genetic" runs :class:`~physml.optim.GeneticAlgorithm` (S11), which
        needs ``bounds=[(low, high), ...]`` and uses no gradient: ``max_iter``
        counts generations, ``x0`` joins the initial population, ``tol`` with
        ``patience`` stops a run whose best cost stalls; the other options are
        the algorithm's parameters (``population_size``, ``crossover``, ...) and
        ``vectorized``, ``n_jobs``, ``patience``.
    max_iter : int, default 10000
        Maximum number of steps.
    tol : float, default 1e-6
        Converged when :math:`\max_i |\partial_i E(x)| \le` ``tol``.
    callback : callable or None
        ``callback(x)`` after every step (``x`` is the live array: copy it to
        keep it); a true return value stops the run.
    **options
        Hyperparameters of the optimiser: ``lr``, ``schedule``, ``momentum``,
        ``beta``, ``beta1``, ``beta2``, ``eps``, ``damping``, ...

    Returns
    -------
    OptimizeResult
        ``x``, ``fun``, ``n_iter``, ``converged``, ``history``, ``message``.

    Notes
    -----
    A run whose cost becomes inf or NaN stops at once, says so in
    ``message`` and returns the best point seen (``converged=False``).
    Newton steps whose Hessian is not positive definite are damped (see
    :class:`~physml.optim.Newton`); the message counts them.
    """
    if isinstance(method, str) and method.lower() == "genetic":
        return _minimize_genetic(fun, x0, max_iter, tol, callback, options)
    check_scalar(max_iter, "max_iter", numbers.Integral, min_val=0)
    check_scalar(tol, "tol", numbers.Real, min_val=0)
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}.")
    for name, f in (("grad", grad), ("hess", hess), ("callback", callback)):
        if f is not None and not callable(f):
            raise TypeError(f"{name} must be callable or None, got {type(f).__name__}.")
    if np.ndim(x0) == 0:  # a scalar parameter
        x = check_array([x0], name="x0", ensure_2d=False, copy=True).reshape(())
    else:
        x = check_array(x0, name="x0", ensure_2d=False, allow_nd=True, copy=True, ensure_min_features=0)
    if x.size == 0:
        raise ValueError(f"x0 must be a non-empty array of finite numbers, got shape {x.shape}.")
    opt = _from_registry(method, options, name="method", allow_newton=True)
    newton = isinstance(opt, Newton)
    if grad is None:
        grad = lambda z: numerical_gradient(fun, z)  # noqa: E731
    if newton and hess is None:
        hess = lambda z: numerical_hessian(grad, z)  # noqa: E731

    def cost(z):
        value = np.asarray(fun(z), dtype=np.float64)
        if value.size != 1:
            raise ValueError(f"fun must return a scalar, got an array of shape {value.shape}.")
        return float(value.reshape(()))

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        f = cost(x)
        if not np.isfinite(f):
            raise ValueError(f"fun(x0) is {f}; start from a point where the cost is finite.")
        history = [f]
        best_f, best_x = f, x.copy()
        n_iter, message, converged, g_norm = 0, "", False, float("nan")
        for _ in range(max_iter):
            g = np.asarray(grad(x), dtype=np.float64)
            if g.shape != x.shape:
                raise ValueError(f"grad(x) must have the shape of x, {x.shape}; got {g.shape}.")
            g_norm = float(np.abs(g).max())
            if not np.isfinite(g_norm):
                message = f"diverged: the gradient became {g_norm} after {n_iter} steps"
                break
            if g_norm <= tol:
                converged = True
                message = f"converged: max |gradient| = {g_norm:.3g} <= tol = {tol:g} after {n_iter} steps"
                break
            if newton:
                opt.step([x], [g], [hess(x)])
            else:
                opt.step([x], [g])
            n_iter += 1
            f = cost(x)
            history.append(f)
            if not np.isfinite(f) or not np.all(np.isfinite(x)):
                message = f"diverged: the cost became {f} at step {n_iter}"
                break
            if f < best_f:
                best_f, best_x = f, x.copy()
            if callback is not None and callback(x):
                message = f"stopped by the callback after {n_iter} steps"
                break
        else:
            g_norm = float(np.abs(np.asarray(grad(x), dtype=np.float64)).max())
            converged = g_norm <= tol
            message = (f"converged: max |gradient| = {g_norm:.3g} <= tol = {tol:g} after {n_iter} steps" if converged
                       else f"max_iter = {max_iter} steps reached with max |gradient| = {g_norm:.3g} > tol = {tol:g}")
    if message.startswith("diverged"):
        x, f = best_x, best_f
        message += f"; returning the best point seen (cost {best_f:.6g}). Lower the learning rate."
    n_damped = opt.n_damped if newton else 0
    if n_damped:
        message += (f"; the Hessian was not positive definite at {n_damped} of {n_iter} steps, "
                    "which took damped steps (H + lambda I)")
    return OptimizeResult(x=x, fun=f, n_iter=n_iter, converged=converged, history=np.asarray(history),
                          message=message, n_damped=n_damped, grad_norm=g_norm)


def _minimize_genetic(fun, x0, max_iter, tol, callback, options):
    options = dict(options)
    bounds = options.pop("bounds", None)
    if bounds is None:
        raise ValueError("method='genetic' needs bounds=[(low, high), ...], one pair per parameter.")
    run = {k: options.pop(k) for k in ("patience", "vectorized", "n_jobs") if k in options}
    unknown = set(options) - set(GeneticAlgorithm._get_param_names())
    if unknown:
        raise TypeError(f"unknown option(s) {sorted(unknown)} for method='genetic'; "
                        f"GeneticAlgorithm takes {GeneticAlgorithm._get_param_names()}.")
    ga_callback = None if callback is None else (lambda gen, P, f: callback(P[np.argmin(f)]))
    return GeneticAlgorithm(**options).minimize(fun, bounds, x0=x0, max_generations=max_iter, tol=tol,
                                                callback=ga_callback, **run)
