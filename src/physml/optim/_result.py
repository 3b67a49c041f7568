"""The result object of every optimiser run: :func:`~physml.optim.minimize` and the genetic algorithm."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["OptimizeResult"]


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
