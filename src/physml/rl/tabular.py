r"""Tabular reinforcement learning (S45): dynamic programming, TD(0) and Q-learning.

Bellman's optimality equation for a finite MDP with model P[s, a, s'], R[s, a]:

    Q_*(s, a) = R(s, a) + gamma sum_{s'} P(s' | s, a) max_{a'} Q_*(s', a'),   v_*(s) = max_a Q_*(s, a).

- :func:`value_iteration` iterates that equation (a contraction for gamma < 1,
  and for gamma = 1 when every policy ends episodes) until the largest change is
  below ``tol``; it uses the model.
- :func:`policy_evaluation` solves the *linear* Bellman equation of a fixed
  policy exactly, v = (I - gamma P_pi)^{-1} r_pi, restricted to the non-terminal
  states: the oracle for both.
- :func:`q_learning` learns Q from experience alone (Watkins 1989):
  Q(s, a) <- Q(s, a) + alpha [r + gamma max_{a'} Q(s', a') - Q(s, a)],
  acting epsilon-greedily.
- :func:`td0` estimates v of the behaviour policy: v(s) <- v(s) + alpha [r + gamma v(s') - v(s)].
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import check_random_state, check_scalar
from .environments import Environment

__all__ = ["value_iteration", "policy_evaluation", "greedy_policy", "q_learning", "td0"]


def _check_env(env):
    if not isinstance(env, Environment):
        raise TypeError(f"env must be a physml.rl Environment, got {type(env).__name__}.")


def _check_gamma(gamma):
    return check_scalar(gamma, "gamma", numbers.Real, min_val=0, max_val=1)


def value_iteration(env, gamma=1.0, tol=1e-12, max_iter=100_000):
    r"""Optimal action values by value iteration on the model of ``env``.

    Returns
    -------
    Q : ndarray of shape (n_states, n_actions)
    v : ndarray of shape (n_states,)
        v = max_a Q.
    n_iter : int
        Sweeps until max |Q_new - Q| <= tol.
    """
    _check_env(env)
    _check_gamma(gamma)
    check_scalar(tol, "tol", numbers.Real, min_val=0, include_boundaries="neither")
    check_scalar(max_iter, "max_iter", numbers.Integral, min_val=1)
    Q = np.zeros((env.n_states, env.n_actions))
    for n_iter in range(1, max_iter + 1):
        v = Q.max(axis=1)
        Q_new = env.R + gamma * env.P @ v  # (S, A, S) @ (S,) -> (S, A)
        delta = np.abs(Q_new - Q).max()
        Q = Q_new
        if delta <= tol:
            break
    else:
        raise RuntimeError(f"value iteration did not converge in max_iter = {max_iter} sweeps; raise max_iter, "
                           "or use gamma < 1 if some policy never ends an episode.")
    return Q, Q.max(axis=1), n_iter


def greedy_policy(Q):
    r"""pi(s) = argmax_a Q(s, a) (the first maximiser on ties)."""
    return np.argmax(np.asarray(Q), axis=1)


def policy_evaluation(env, policy, gamma=1.0):
    r"""v_pi by solving (I - gamma P_pi) v = r_pi on the non-terminal states (terminal values are 0).

    Parameters
    ----------
    env : Environment
    policy : ndarray of shape (n_states,) of actions, or (n_states, n_actions) of probabilities
    gamma : float in [0, 1]
    """
    _check_env(env)
    _check_gamma(gamma)
    pi = np.asarray(policy)
    if pi.ndim == 1:
        if pi.shape != (env.n_states,) or not np.issubdtype(pi.dtype, np.integer):
            raise ValueError(f"a deterministic policy must be {env.n_states} integer actions, got {pi.shape}.")
        pi = np.eye(env.n_actions)[pi]
    if pi.shape != (env.n_states, env.n_actions) or not np.allclose(pi.sum(axis=1), 1) or (pi < 0).any():
        raise ValueError(f"policy must have shape ({env.n_states}, {env.n_actions}) with rows that are "
                         "probability distributions.")
    P_pi = np.einsum("sa,sat->st", pi, env.P)
    r_pi = np.einsum("sa,sa->s", pi, env.R)
    live = ~env.terminal
    A = np.eye(live.sum()) - gamma * P_pi[np.ix_(live, live)]
    v = np.zeros(env.n_states)
    try:
        v[live] = np.linalg.solve(A, r_pi[live])
    except np.linalg.LinAlgError:
        raise ValueError("this policy never ends an episode from some state, so with gamma = 1 its values "
                         "are infinite; use gamma < 1.") from None
    return v


def q_learning(env, n_episodes=500, alpha=0.1, gamma=1.0, epsilon=0.1, max_steps=1000, random_state=None):
    r"""Tabular Q-learning with an epsilon-greedy behaviour policy.

    Returns
    -------
    Q : ndarray of shape (n_states, n_actions)
    returns : ndarray of shape (n_episodes,)
        Undiscounted return of each episode (the learning curve).
    """
    _check_env(env)
    check_scalar(n_episodes, "n_episodes", numbers.Integral, min_val=1)
    check_scalar(alpha, "alpha", numbers.Real, min_val=0, max_val=1, include_boundaries="right")
    _check_gamma(gamma)
    check_scalar(epsilon, "epsilon", numbers.Real, min_val=0, max_val=1)
    check_scalar(max_steps, "max_steps", numbers.Integral, min_val=1)
    rng = check_random_state(random_state)
    Q = np.zeros((env.n_states, env.n_actions))
    returns = np.zeros(n_episodes)
    for episode in range(n_episodes):
        s = env.reset()
        for _ in range(max_steps):
            if rng.random() < epsilon:
                a = int(rng.integers(env.n_actions))
            else:  # greedy, ties broken at random so that an all-zero table still explores
                best = np.flatnonzero(Q[s] == Q[s].max())
                a = int(rng.choice(best))
            s_next, r, done = env.step(a)
            target = r + (0.0 if done else gamma * Q[s_next].max())
            Q[s, a] += alpha * (target - Q[s, a])
            returns[episode] += r
            s = s_next
            if done:
                break
    return Q, returns


def td0(env, n_episodes=1000, alpha=0.05, gamma=1.0, max_steps=10_000):
    r"""TD(0) prediction of v under the environment's own dynamics (action 0 in every state)."""
    _check_env(env)
    check_scalar(n_episodes, "n_episodes", numbers.Integral, min_val=1)
    check_scalar(alpha, "alpha", numbers.Real, min_val=0, max_val=1, include_boundaries="right")
    _check_gamma(gamma)
    check_scalar(max_steps, "max_steps", numbers.Integral, min_val=1)
    v = np.zeros(env.n_states)
    for _ in range(n_episodes):
        s = env.reset()
        for _ in range(max_steps):
            s_next, r, done = env.step(0)
            v[s] += alpha * (r + (0.0 if done else gamma * v[s_next]) - v[s])
            s = s_next
            if done:
                break
    return v
