r"""Learning-rate schedules :math:`\eta_t = \eta\,f(t)` (S5: the step size may change with the step t).

A schedule is any callable ``f(t) -> float`` of the 1-based step number
``t``, returning the factor that multiplies the optimiser's base rate ``lr``
(the convention of PyTorch's ``LambdaLR``). The optimisers accept one through
their ``schedule`` argument, either as an object of this module, as one of the
names ``"constant"``, ``"step"``, ``"exponential"`` (default parameters), or
as a plain function such as ``lambda t: 1 / t``. The schedule classes have
the estimator parameter interface (``get_params``), so an estimator whose
optimiser has one can be stored by :func:`physml.io.save` (a plain function cannot).
"""

from __future__ import annotations

import numbers

from ..base import Estimator, check_scalar

__all__ = ["Constant", "StepDecay", "ExponentialDecay", "get_schedule"]


class Constant(Estimator):
    r"""Constant rate: :math:`\eta_t = \eta`."""

    def __call__(self, t: int) -> float:
        return 1.0

    def __repr__(self) -> str:
        return "Constant()"


class StepDecay(Estimator):
    r"""Step decay: :math:`\eta_t = \eta\,\gamma^{\lfloor (t-1)/T \rfloor}`.

    The rate is cut by ``gamma`` every ``step_size`` steps (PyTorch's ``StepLR``).

    Parameters
    ----------
    step_size : int, default 100
        Number of steps :math:`T` between two cuts.
    gamma : float in (0, 1], default 0.5
        Factor applied at each cut.
    """

    def __init__(self, step_size: int = 100, gamma: float = 0.5):
        self.step_size = check_scalar(step_size, "step_size", numbers.Integral, min_val=1)
        self.gamma = check_scalar(gamma, "gamma", numbers.Real, min_val=0, max_val=1, include_boundaries="right")

    def __call__(self, t: int) -> float:
        return self.gamma ** ((t - 1) // self.step_size)

    def __repr__(self) -> str:
        return f"StepDecay(step_size={self.step_size}, gamma={self.gamma})"


class ExponentialDecay(Estimator):
    r"""Exponential decay: :math:`\eta_t = \eta\,\gamma^{t-1}`.

    Parameters
    ----------
    gamma : float in (0, 1], default 0.99
        Factor per step.
    """

    def __init__(self, gamma: float = 0.99):
        self.gamma = check_scalar(gamma, "gamma", numbers.Real, min_val=0, max_val=1, include_boundaries="right")

    def __call__(self, t: int) -> float:
        return self.gamma ** (t - 1)

    def __repr__(self) -> str:
        return f"ExponentialDecay(gamma={self.gamma})"


_NAMED = {"constant": Constant, "step": StepDecay, "exponential": ExponentialDecay}


def get_schedule(schedule):
    """Turn ``schedule`` (None, a name, or a callable of t) into a callable of t.

    Parameters
    ----------
    schedule : None, {"constant", "step", "exponential"} or callable
        None means constant.

    Returns
    -------
    callable
        ``f(t)``, the factor multiplying the base learning rate at step t.
    """
    if schedule is None:
        return Constant()
    if isinstance(schedule, str):
        if schedule not in _NAMED:
            raise ValueError(f"schedule must be one of {sorted(_NAMED)} or a callable of t, got {schedule!r}.")
        return _NAMED[schedule]()
    if callable(schedule):
        return schedule
    raise TypeError(f"schedule must be None, a name or a callable of t, got {type(schedule).__name__}.")
