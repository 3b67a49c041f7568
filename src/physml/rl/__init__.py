r"""A first taste of reinforcement learning (S45), small and exact.

Environments with known answers (:class:`GridWorld`, :class:`RandomWalk`,
:class:`Bandit`) behind the usual ``reset()`` / ``step(action) -> (state,
reward, done)`` interface; dynamic programming (:func:`value_iteration`,
:func:`policy_evaluation`), learning from experience (:func:`q_learning`,
:func:`td0`) and a policy network trained by :class:`REINFORCE`.
"""

from .environments import Bandit, Environment, GridWorld, RandomWalk
from .policy_gradient import REINFORCE, expected_return_gradient, policy_gradient_samples
from .tabular import greedy_policy, policy_evaluation, q_learning, td0, value_iteration

__all__ = [
    "Bandit",
    "Environment",
    "GridWorld",
    "RandomWalk",
    "REINFORCE",
    "expected_return_gradient",
    "greedy_policy",
    "policy_evaluation",
    "policy_gradient_samples",
    "q_learning",
    "td0",
    "value_iteration",
]
