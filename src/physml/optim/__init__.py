r"""Optimisers of the lecture (S5-S10), a genetic algorithm (S11), ``minimize`` and mini-batches (S7).

>>> import numpy as np
>>> import physml.optim
>>> theta = [np.ones(3)]
>>> opt = physml.optim.Adam(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
>>> opt.step(theta, [np.ones(3)])   # updates theta[0] in place
"""

from .batches import minibatches
from .genetic import GeneticAlgorithm
from .minimize import OptimizeResult, central_differences, minimize, numerical_gradient, numerical_hessian
from .optimizers import Adam, GradientDescent, Momentum, Newton, Optimizer, RMSprop, get_optimizer
from .schedules import Constant, ExponentialDecay, StepDecay, get_schedule

__all__ = [
    "Optimizer",
    "GradientDescent",
    "Momentum",
    "RMSprop",
    "Adam",
    "Newton",
    "GeneticAlgorithm",
    "get_optimizer",
    "Constant",
    "StepDecay",
    "ExponentialDecay",
    "get_schedule",
    "minimize",
    "OptimizeResult",
    "central_differences",
    "numerical_gradient",
    "numerical_hessian",
    "minibatches",
]
