r"""REINFORCE (Williams 1992): a neural-network policy trained by the policy-gradient theorem (S45).

The policy pi_theta(a | s) = softmax(z(s))_a, with logits z(s) from a
:class:`physml.nn.Sequential` network fed the one-hot encoding of the state.
The expected return J(theta) = E[G_0] has the gradient (policy-gradient theorem)

    grad J = E[ sum_t (G_t - b) grad log pi_theta(a_t | s_t) ],   G_t = sum_{k >= t} gamma^{k-t} r_k,

which REINFORCE estimates by sampling episodes; a baseline b (here the mean
return of the batch) lowers the variance without biasing the estimate (for a
baseline independent of the episode's own actions; the batch mean is that up
to an O(1/N) term). For the softmax, grad_z log pi(a) = onehot(a) - pi, so one
back-propagation of Delta = -(G_t - b)(onehot(a_t) - pi_t) through the network
gives minus the episode's contribution to grad J.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import check_random_state, check_scalar
from ..nn.functional import softmax
from ..nn.network import Sequential
from .environments import Bandit, Environment

__all__ = ["REINFORCE", "expected_return_gradient", "policy_gradient_samples"]


def _one_hot_states(states, n_states):
    return np.eye(n_states)[np.asarray(states)]


def _check_policy(env, policy):
    if not isinstance(env, Environment):
        raise TypeError(f"env must be a physml.rl Environment, got {type(env).__name__}.")
    if not isinstance(policy, Sequential):
        raise TypeError(f"policy must be a physml.nn.Sequential network, got {type(policy).__name__}.")
    out = policy.forward(np.zeros((1, env.n_states)))
    if out.shape != (1, env.n_actions):
        raise ValueError(f"policy must map {env.n_states} one-hot state inputs to {env.n_actions} logits; "
                         f"it gives shape {out.shape[1:]} per state.")


def _episode(env, policy, rng, max_steps):
    """One episode under the policy: states, actions, rewards."""
    states, actions, rewards = [], [], []
    s = env.reset()
    for _ in range(max_steps):
        z = policy.forward(_one_hot_states([s], env.n_states))
        a = int(rng.choice(env.n_actions, p=softmax(np.asarray(z, dtype=np.float64))[0]))
        s_next, r, done = env.step(a)
        states.append(s)
        actions.append(a)
        rewards.append(r)
        s = s_next
        if done:
            break
    return np.array(states), np.array(actions), np.array(rewards)


def _returns_to_go(rewards, gamma):
    G = np.zeros(len(rewards))
    acc = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        acc = rewards[t] + gamma * acc
        G[t] = acc
    return G


def _episode_gradient(env, policy, states, actions, weights):
    """grad J contribution sum_t w_t grad log pi(a_t|s_t), as a flat vector over policy.parameters()."""
    x = _one_hot_states(states, env.n_states)
    z = policy.forward(x, training=True)
    pi = softmax(np.asarray(z, dtype=np.float64))
    delta = -weights[:, None] * (np.eye(env.n_actions)[actions] - pi)  # dL/dz of L = -sum_t w_t log pi(a_t)
    policy.backward(delta.astype(z.dtype))
    return -np.concatenate([g.ravel() for g in policy.gradients()]).astype(np.float64)


def policy_gradient_samples(env, policy, n_episodes, gamma=1.0, baseline=0.0, max_steps=1000, random_state=None):
    r"""Per-episode REINFORCE estimates of grad J (rows), flattened over ``policy.parameters()``.

    Their mean is the REINFORCE estimate; their standard deviation over
    sqrt(n_episodes) its standard error.

    Returns
    -------
    samples : ndarray of shape (n_episodes, n_parameters)
    returns : ndarray of shape (n_episodes,)
        G_0 of each episode.
    """
    _check_policy(env, policy)
    check_scalar(n_episodes, "n_episodes", numbers.Integral, min_val=1)
    check_scalar(gamma, "gamma", numbers.Real, min_val=0, max_val=1)
    check_scalar(baseline, "baseline", numbers.Real)
    check_scalar(max_steps, "max_steps", numbers.Integral, min_val=1)
    rng = check_random_state(random_state)
    return _samples(env, policy, n_episodes, gamma, baseline, max_steps, rng)


def _samples(env, policy, n_episodes, gamma, baseline, max_steps, rng):
    rows, returns = [], np.empty(n_episodes)
    for i in range(n_episodes):
        states, actions, rewards = _episode(env, policy, rng, max_steps)
        G = _returns_to_go(rewards, gamma)
        returns[i] = G[0] if len(G) else 0.0
        rows.append(_episode_gradient(env, policy, states, actions, G - baseline))
    return np.array(rows), returns


def expected_return_gradient(env, policy):
    r"""Exact grad J of a softmax policy on a :class:`Bandit`: dJ/dz_a = pi_a (mu_a - J), back-propagated.

    Returns the flat gradient over ``policy.parameters()`` (the oracle of the REINFORCE estimate).
    """
    if not isinstance(env, Bandit):
        raise TypeError("the exact gradient is known in closed form for a Bandit only.")
    _check_policy(env, policy)
    x = _one_hot_states([0], env.n_states)
    z = policy.forward(x, training=True)
    pi = softmax(np.asarray(z, dtype=np.float64))[0]
    J = pi @ env.means
    dJ_dz = pi * (env.means - J)
    policy.backward((-dJ_dz)[None, :].astype(z.dtype))  # backward of -J gives -grad J
    return -np.concatenate([g.ravel() for g in policy.gradients()]).astype(np.float64)


class REINFORCE:
    r"""Train a softmax policy network by REINFORCE with a mean-return baseline.

    Each update samples ``batch_episodes`` episodes, estimates grad J and hands
    -grad J to a :mod:`physml.optim` optimiser (which minimises), so the policy
    climbs the expected return.

    Parameters
    ----------
    policy : physml.nn.Sequential
        Maps one-hot states (n_states,) to logits (n_actions,); updated in place.
    optimizer : physml.optim.Optimizer or None
        Default: ``Adam(lr=0.05)``.
    gamma : float, default=1.0
    batch_episodes : int, default=16
    baseline : bool, default=True
        Subtract the batch's mean return.
    random_state : int, Generator or None

    Attributes
    ----------
    returns_ : ndarray
        The return G_0 of every training episode (the learning curve).
    """

    def __init__(self, policy, optimizer=None, gamma=1.0, batch_episodes=16, baseline=True, random_state=None):
        self.policy = policy
        self.optimizer = optimizer
        self.gamma = gamma
        self.batch_episodes = batch_episodes
        self.baseline = baseline
        self.random_state = random_state

    def fit(self, env, n_updates=200, max_steps=1000):
        """Run ``n_updates`` policy-gradient steps on ``env``; returns self."""
        from ..optim import Adam, Optimizer

        _check_policy(env, self.policy)
        check_scalar(self.gamma, "gamma", numbers.Real, min_val=0, max_val=1)
        check_scalar(self.batch_episodes, "batch_episodes", numbers.Integral, min_val=1)
        check_scalar(n_updates, "n_updates", numbers.Integral, min_val=1)
        check_scalar(max_steps, "max_steps", numbers.Integral, min_val=1)
        opt = Adam(lr=0.05) if self.optimizer is None else self.optimizer
        if not isinstance(opt, Optimizer):
            raise TypeError(f"optimizer must be a physml.optim Optimizer or None, got {type(opt).__name__}.")
        rng = check_random_state(self.random_state)
        params = self.policy.parameters()
        returns = []
        for _ in range(n_updates):
            episodes = [_episode(env, self.policy, rng, max_steps) for _ in range(self.batch_episodes)]
            G = [_returns_to_go(r, self.gamma) for _, _, r in episodes]
            b = float(np.mean([g[0] for g in G if len(g)])) if self.baseline else 0.0
            grad = np.zeros(sum(p.size for p in params))
            for (states, actions, _), g in zip(episodes, G):
                grad += _episode_gradient(env, self.policy, states, actions, g - b)
            grad /= self.batch_episodes
            grads, i = [], 0
            for p in params:
                grads.append((-grad[i:i + p.size]).reshape(p.shape).astype(p.dtype))
                i += p.size
            opt.step(params, grads)
            returns += [g[0] if len(g) else 0.0 for g in G]
        self.returns_ = np.array(returns)
        return self

    def action_probabilities(self, env):
        """pi(a | s) for every state, shape (n_states, n_actions)."""
        z = self.policy.forward(np.eye(env.n_states))
        return softmax(np.asarray(z, dtype=np.float64))
