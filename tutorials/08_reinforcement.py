# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Hands-on 8: the lecture's named-only items — genetic algorithms (S11) and a first taste of reinforcement learning (S45)
#
# The slides name genetic algorithms as the second class of optimisers and the
# schedule names reinforcement learning. This notebook shows each one small,
# working, and checked against an answer you can compute by hand.
#
# Contents:
# 1. a genetic algorithm on the Rastrigin function, where gradient descent and Adam get stuck (S11);
# 2. a gridworld: value iteration (dynamic programming) against Q-learning (learning from experience);
# 3. the random walk: TD(0) against the closed form v(k) = k/6;
# 4. REINFORCE: a policy network on a two-armed bandit, its gradient estimate against the exact one.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from physml import optim, rl
from physml.nn import Dense, Sequential

SMALL = os.environ.get("PHYSML_TUTORIAL_SMALL") == "1"

# %% [markdown]
# ## 1. Genetic algorithm vs gradient methods on Rastrigin (S11)
#
# $f(x) = 10d + \sum_i [x_i^2 - 10\cos(2\pi x_i)]$ has its global minimum 0 at
# $x = 0$ and a local minimum near every integer point. A gradient method slides
# into the nearest one. A genetic algorithm evaluates a whole population, keeps
# the fittest (tournament selection, elitism), mixes them (crossover) and
# perturbs them (mutation): it needs no gradient and can jump between valleys.

# %%
d = 10
generations = 600 if SMALL else 2000


def rastrigin(P):
    P = np.atleast_2d(P)
    return 10 * P.shape[1] + np.sum(P ** 2 - 10 * np.cos(2 * np.pi * P), axis=1)


def rastrigin_grad(x):
    return 2 * x + 20 * np.pi * np.sin(2 * np.pi * x)


x0 = np.random.default_rng(0).uniform(-5.12, 5.12, d)
ga = optim.minimize(rastrigin, x0, method="genetic", bounds=[(-5.12, 5.12)] * d, max_iter=generations,
                    population_size=100, crossover="uniform", random_state=0)
adam = optim.minimize(lambda x: rastrigin(x)[0], x0, grad=rastrigin_grad, method="adam", lr=0.05, max_iter=5000)
gd = optim.minimize(lambda x: rastrigin(x)[0], x0, grad=rastrigin_grad, method="gd", lr=1e-3, max_iter=5000)
print(f"genetic algorithm: f = {ga.fun:.2e} after {ga.n_eval} evaluations")
print(f"Adam from x0:      f = {adam.fun:.3f} after {adam.n_iter} gradient steps")
print(f"GD from x0:        f = {gd.fun:.3f} after {gd.n_iter} gradient steps")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(ga.history + 1e-12, label="genetic algorithm (best of population)")
ax.axhline(adam.fun, color="C1", ls="--", label=f"Adam, stuck at f = {adam.fun:.2f}")
ax.axhline(gd.fun, color="C2", ls=":", label=f"GD, stuck at f = {gd.fun:.2f}")
ax.set_xlabel("generation")
ax.set_ylabel("best cost f")
ax.set_title("Rastrigin, d = 10")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# **Interpretation.** Adam and gradient descent stop at a local minimum whose
# cost is a whole number of "wrong coordinates" (each costs about 1); the
# genetic algorithm reaches the global minimum, at the price of about
# 10^5 cost evaluations where the gradient methods used a few thousand
# gradients. On a smooth convex problem that trade is bad; on a rugged
# landscape it is what works.

# %% [markdown]
# ## 2. A gridworld: planning with the model vs learning from experience
#
# Sutton and Barto's 4 x 4 grid: the two grey corners end the episode, every
# move costs -1. The optimal value of a cell is minus its number of moves to the
# nearest corner. **Value iteration** uses the model $P(s'|s,a)$ and iterates
# Bellman's equation $Q(s,a) = R(s,a) + \gamma \sum_{s'} P(s'|s,a) \max_{a'} Q(s',a')$.
# **Q-learning** never sees the model; it only acts and updates
# $Q(s,a) \leftarrow Q(s,a) + \alpha[r + \gamma \max_{a'} Q(s',a') - Q(s,a)]$.

# %%
env = rl.GridWorld(random_state=0)
Q_star, v_star, sweeps = rl.value_iteration(env)
Q, returns = rl.q_learning(env, n_episodes=200 if SMALL else 500, alpha=0.5, epsilon=0.2, random_state=0)
print(f"value iteration converged in {sweeps} sweeps; v* = -(moves to a corner):")
print(v_star.reshape(4, 4))
print("Q-learning's greedy values:")
print(np.round(Q.max(axis=1).reshape(4, 4), 2))

arrows = {0: (0, 0.3), 1: (0.3, 0), 2: (0, -0.3), 3: (-0.3, 0)}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
for ax, values, title in ((axes[0], v_star, "value iteration: v*"),
                          (axes[1], Q.max(axis=1), "Q-learning: max_a Q")):
    im = ax.imshow(values.reshape(4, 4), cmap="viridis")
    pi = rl.greedy_policy(Q_star if ax is axes[0] else Q)
    for s in np.flatnonzero(~env.terminal):
        r, c = divmod(s, 4)
        dx, dy = arrows[pi[s]]
        ax.arrow(c, r, dx, -dy, head_width=0.12, color="w")
    ax.set_title(title)
    ax.set_xticks(range(4))
    ax.set_yticks(range(4))
    fig.colorbar(im, ax=ax, label="value")
window = 20
axes[2].plot(np.convolve(returns, np.ones(window) / window, mode="valid"))
axes[2].set_xlabel("episode")
axes[2].set_ylabel(f"return (mean of {window} episodes)")
axes[2].set_title("Q-learning's learning curve")
plt.show()

# %% [markdown]
# **Interpretation.** Both arrive at the same greedy policy (the arrows point
# along a shortest path to a corner). Value iteration needs the model and a
# handful of sweeps; Q-learning needs hundreds of episodes but no model, and its
# values are accurate only where the epsilon-greedy agent has been often. The
# learning curve climbs towards the optimal return (about -2 from a random start).

# %% [markdown]
# ## 3. The random walk: TD(0) against the closed form
#
# Five states A-E, a fair step left or right, reward +1 for leaving on the
# right. The value of state k is the probability of leaving on the right,
# k/6 (gambler's ruin). TD(0) learns it from episodes.

# %%
walk = rl.RandomWalk(random_state=0)
v_td = rl.td0(walk, n_episodes=300 if SMALL else 1000, alpha=0.05)
print("TD(0):", np.round(v_td[1:-1], 3))
print("exact:", np.round(walk.true_values()[1:-1], 3))
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(list("ABCDE"), walk.true_values()[1:-1], "k-", label="exact k/6")
ax.plot(list("ABCDE"), v_td[1:-1], "o", label="TD(0)")
ax.set_xlabel("state")
ax.set_ylabel("estimated value")
ax.legend()
plt.show()

# %% [markdown]
# **Interpretation.** With a constant step alpha = 0.05 the TD estimates
# fluctuate around k/6 by a few hundredths: the error never goes to zero unless
# alpha decreases, the same bias-variance trade-off as the learning rate of SGD.

# %% [markdown]
# ## 4. REINFORCE: a policy network on a two-armed bandit
#
# Arm 0 pays N(0.2, 0.5^2), arm 1 pays N(1.0, 0.5^2). The policy is a softmax of
# the logits of a `physml.nn` network. The policy-gradient theorem gives
# $\nabla J = E[(G - b)\nabla \log \pi(a)]$, estimated from sampled pulls; for a
# bandit the exact gradient is $\partial J/\partial z_a = \pi_a(\mu_a - J)$.

# %%
bandit = rl.Bandit(means=(0.2, 1.0), sigma=0.5, random_state=0)
policy = Sequential([Dense(2, 2, random_state=0, dtype=np.float64)])
exact = rl.expected_return_gradient(bandit, policy)
samples, _ = rl.policy_gradient_samples(bandit, policy, n_episodes=1000 if SMALL else 4000, random_state=0)
estimate = samples.mean(axis=0)
se = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
moving = se > 0
print("exact gradient      ", np.round(exact[moving], 4))
print("REINFORCE estimate  ", np.round(estimate[moving], 4))
print("standard error      ", np.round(se[moving], 4))

agent = rl.REINFORCE(policy, random_state=0).fit(bandit, n_updates=60 if SMALL else 150)
print(f"after training, P(better arm) = {agent.action_probabilities(bandit)[0, 1]:.3f}")
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(np.convolve(agent.returns_, np.ones(64) / 64, mode="valid"))
ax.axhline(1.0, color="k", ls=":", label="best arm's mean")
ax.set_xlabel("pull")
ax.set_ylabel("reward (mean of 64 pulls)")
ax.legend()
plt.show()

# %% [markdown]
# **Interpretation.** The estimate lies within a few standard errors of the
# exact gradient: REINFORCE is unbiased but noisy, which is why it needs a
# baseline and many episodes. Following it, the policy moves its probability to
# the better arm and the mean reward rises to that arm's 1.0.
