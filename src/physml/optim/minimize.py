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
from dataclasses import dataclass, field

import numpy as np

from ..base import check_scalar
from .optimizers import Adam, GradientDescent, Momentum, Newton, Optimizer, RMSprop

__all__ = ["OptimizeResult", "central_differences", "minimize", "numerical_gradient", "numerical_hessian"]

_EPS = np.finfo(np.float64).eps


def numerical_gradient(fun, x):
    r"""Central finite-difference gradient :math:`\partial_i E \approx [E(x+h_i e_i) - E(x-h_i e_i)]/(2h_i)`.

    The step :math:`h_i = \epsilon^{1/3}\max(1, |x_i|)` (:math:`\epsilon` the
    float64 machine epsilon) balances the :math:`O(h^2)` truncation error
    against rounding; the result is accurate to about :math:`10^{-10}`
    relative for smooth functions. Costs :math:`2n` evaluations of ``fun``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float``.
    x : ndarray of any shape, float64
        Not modified (the differences are taken on a copy).

    Returns
    -------
    ndarray of the shape of ``x``
    """
    x = np.array(x, dtype=np.float64)
    return central_differences(lambda: fun(x), x)


def central_differences(f, x, step=None):
    r"""Gradient of ``f()`` with respect to the array ``x``, which ``f`` reads: :math:`[f(x+h e_i) - f(x-h e_i)]/(2h)`.

    Each entry of ``x`` is perturbed **in place** and restored, so ``f`` may
    read ``x`` through any object that holds it (a layer's weights, say).
    This is the one finite-difference loop of physml: :func:`numerical_gradient`
    and the gradient checks of :mod:`physml.nn` both call it.

    Parameters
    ----------
    f : callable
        No arguments; returns a float that depends on the current values of ``x``.
    x : ndarray of any shape, float64, writeable
    step : float or None
        The step h; None takes :math:`h_i = \epsilon^{1/3}\max(1, |x_i|)`.

    Returns
    -------
    ndarray of the shape of ``x``
    """
    g = np.empty(x.shape, dtype=np.float64)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    if not np.may_share_memory(flat, x):
        raise ValueError("x must be an array whose entries f reads; this view cannot be perturbed in place "
                         "(reshape(-1) copies it): pass the contiguous array itself.")
    for i in range(flat.size):
        xi = flat[i]
        h = _EPS ** (1 / 3) * max(1.0, abs(xi)) if step is None else step
        flat[i] = xi + h
        f_plus = f()
        flat[i] = xi - h
        f_minus = f()
        flat[i] = xi
        gflat[i] = (f_plus - f_minus) / (2 * h)
    return g


def numerical_hessian(grad, x):
    r"""Central finite-difference Hessian from a gradient, symmetrised.

    :math:`H_{:,j} \approx [\nabla E(x+h_j e_j) - \nabla E(x-h_j e_j)]/(2h_j)`, then
    :math:`(H + H^T)/2`, with :math:`h_j` as in :func:`numerical_gradient`.

    Parameters
    ----------
    grad : callable
        ``grad(x) -> ndarray`` of the shape of ``x``.
    x : ndarray of any shape, float64

    Returns
    -------
    ndarray of shape (x.size, x.size)
    """
    x = np.array(x, dtype=np.float64)
    flat = x.reshape(-1)
    n = flat.size
    H = np.empty((n, n))
    for j in range(n):
        xj = flat[j]
        h = _EPS ** (1 / 3) * max(1.0, abs(xj))
        flat[j] = xj + h
        g_plus = np.asarray(grad(x), dtype=np.float64).reshape(-1)
        flat[j] = xj - h
        g_minus = np.asarray(grad(x), dtype=np.float64).reshape(-1)
        flat[j] = xj
        H[:, j] = (g_plus - g_minus) / (2 * h)
    return 0.5 * (H + H.T)


@dataclass
class OptimizeResult:
    r"""What :func:`minimize` returns.

    Attributes
    ----------
    x : ndarray
        The solution: the last point, or the best point seen if the run diverged.
    fun : float
        :math:`E(x)`.
    n_iter : int
        Number of steps taken.
    converged : bool
        True when :math:`\max_i |\partial_i E(x)| \le` ``tol``.
    history : ndarray of shape (n_iter + 1,)
        The cost at the start and after every step.
    message : str
        Why the run stopped (and, for Newton, how many steps had to be damped).
    n_damped : int
        Newton steps whose Hessian was not positive definite (0 for the other methods).
    grad_norm : float
        :math:`\max_i |\partial_i E|` at the last gradient evaluation.
    n_eval : int
        Cost evaluations (the genetic algorithm; 0 for the gradient methods).
    """

    x: np.ndarray
    fun: float
    n_iter: int
    converged: bool
    history: np.ndarray
    message: str
    n_damped: int = 0
    grad_norm: float = field(default=float("nan"))
    n_eval: int = 0


_METHODS = {
    "gd": (GradientDescent, {}),
    "sgd": (GradientDescent, {}),
    "momentum": (Momentum, {}),
    "nesterov": (Momentum, {"nesterov": True}),
    "rmsprop": (RMSprop, {}),
    "adam": (Adam, {}),
    "newton": (Newton, {}),
}


def _make_optimizer(method, options):
    if isinstance(method, Optimizer):
        if options:
            raise TypeError(f"options {sorted(options)} cannot be combined with an Optimizer instance; "
                            "set them on the instance.")
        method.reset()
        return method
    if not isinstance(method, str) or method.lower() not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)} or an Optimizer instance, got {method!r}.")
    cls, fixed = _METHODS[method.lower()]
    return cls(**{**fixed, **options})


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
        differences (:func:`numerical_gradient`, :math:`2n` calls of ``fun``
        per step, accurate to about 1e-10 relative).
    hess : callable or None
        ``hess(x) -> (n, n) ndarray``, used by ``method="newton"`` only. None:
        central differences of the gradient (:func:`numerical_hessian`).
    method : {"gd", "sgd", "momentum", "nesterov", "rmsprop", "adam", "newton", "genetic"} or Optimizer
        The update rule. A name builds the optimiser with ``**options``.
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
    x = np.array(x0, dtype=np.float64)
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError("x0 must be a non-empty array of finite numbers.")
    opt = _make_optimizer(method, options)
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
    from .genetic import GeneticAlgorithm

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
