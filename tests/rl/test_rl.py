"""physml.rl against exact answers: Sutton and Barto's tables, linear solves, the bandit's closed-form gradient."""

import numpy as np
import pytest

from physml.nn import Dense, Sequential
from physml.rl import (
    REINFORCE,
    Bandit,
    GridWorld,
    RandomWalk,
    expected_return_gradient,
    greedy_policy,
    policy_evaluation,
    policy_gradient_samples,
    q_learning,
    td0,
    value_iteration,
)

# Sutton and Barto (2018), figure 4.1: v_pi of the equiprobable random policy on the 4 x 4 gridworld
_RANDOM_POLICY_VALUES = np.array([[0, -14, -20, -22], [-14, -18, -20, -20], [-20, -20, -18, -14], [-22, -20, -14, 0]])


def test_random_policy_values_equal_sutton_barto_figure_4_1():
    env = GridWorld()
    v = policy_evaluation(env, np.full((16, 4), 0.25))
    np.testing.assert_allclose(v.reshape(4, 4), _RANDOM_POLICY_VALUES, atol=1e-10)


@pytest.mark.parametrize(("shape", "terminals"), [((4, 4), None), ((3, 5), [(1, 2)]), ((5, 5), [(0, 4), (4, 0)])])
def test_value_iteration_equals_linear_solve_and_manhattan_distance(shape, terminals):
    env = GridWorld(shape, terminals)
    Q, v, n_iter = value_iteration(env)
    np.testing.assert_allclose(v, -env.steps_to_terminal(), atol=1e-10)
    np.testing.assert_allclose(policy_evaluation(env, greedy_policy(Q)), v, atol=1e-10)
    assert n_iter <= sum(shape) + 2  # each sweep propagates the values one cell further


def test_value_iteration_with_discount_equals_geometric_sum():
    gamma = 0.9
    env = GridWorld()
    _, v, _ = value_iteration(env, gamma=gamma)
    d = env.steps_to_terminal()
    np.testing.assert_allclose(v, -(1 - gamma ** d) / (1 - gamma), atol=1e-10)


def test_random_walk_policy_evaluation_equals_k_over_six():
    env = RandomWalk()
    np.testing.assert_allclose(policy_evaluation(env, np.zeros(7, dtype=int)), [0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 0],
                               atol=1e-12)
    np.testing.assert_allclose(env.true_values(), policy_evaluation(env, np.zeros(7, dtype=int)), atol=1e-12)


def test_td0_estimates_the_random_walk_values():
    env = RandomWalk(random_state=0)
    v = np.mean([td0(RandomWalk(random_state=s), n_episodes=300, alpha=0.05) for s in range(10)], axis=0)
    # RMS error of TD(0) with alpha = 0.05 after 100+ episodes is about 0.05 (Sutton and Barto, example 6.2)
    assert np.sqrt(np.mean((v[1:-1] - env.true_values()[1:-1]) ** 2)) < 0.05


def test_q_learning_greedy_policy_is_optimal():
    env = GridWorld(random_state=0)
    Q_star, _, _ = value_iteration(env)
    Q, returns = q_learning(env, n_episodes=400, alpha=0.5, epsilon=0.2, random_state=0)
    live = ~env.terminal
    pi = greedy_policy(Q)
    # the greedy action must be one of the optimal actions in every non-terminal state
    assert np.all(Q_star[np.flatnonzero(live), pi[live]] == Q_star[live].max(axis=1))
    assert returns[-50:].mean() > returns[:50].mean()


def _bandit_policy(seed):
    return Sequential([Dense(2, 2, random_state=seed, dtype=np.float64)])


@pytest.mark.parametrize("seed", [0, 1])
def test_reinforce_estimate_matches_exact_bandit_gradient_within_3_standard_errors(seed):
    env = Bandit(means=(0.2, 1.0), sigma=0.5, random_state=seed)
    policy = _bandit_policy(seed)
    exact = expected_return_gradient(env, policy)
    samples, _ = policy_gradient_samples(env, policy, n_episodes=4000, random_state=seed)
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    moving = se > 0  # the weights fed by the terminal state's one-hot input never receive gradient
    np.testing.assert_array_equal(exact[~moving], 0.0)
    assert np.all(np.abs(mean[moving] - exact[moving]) < 3 * se[moving])
    assert np.abs(exact).max() > 3 * se.max()  # the test can tell a wrong sign apart


def test_exact_bandit_gradient_equals_finite_differences():
    env = Bandit(means=(0.3, -0.5, 1.2), sigma=1.0)
    policy = Sequential([Dense(2, 3, random_state=4, dtype=np.float64)])
    g = expected_return_gradient(env, policy)

    def J():
        z = policy.forward(np.array([[1.0, 0.0]]))[0]
        p = np.exp(z - z.max())
        return (p / p.sum()) @ env.means

    fd = []
    for p in policy.parameters():
        flat = p.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + 1e-6
            plus = J()
            flat[i] = old - 1e-6
            minus = J()
            flat[i] = old
            fd.append((plus - minus) / 2e-6)
    np.testing.assert_allclose(g, fd, atol=1e-9)


def test_reinforce_learns_the_better_arm():
    env = Bandit(means=(0.2, 1.0), sigma=0.5, random_state=0)
    agent = REINFORCE(_bandit_policy(0), random_state=0).fit(env, n_updates=100)
    assert agent.action_probabilities(env)[0, 1] > 0.95
    assert agent.returns_[-160:].mean() > 0.9


@pytest.mark.parametrize(("call", "match"), [
    (lambda: GridWorld((0, 4)), "shape"),
    (lambda: GridWorld((2, 2), [(5, 5)]), "terminal"),
    (lambda: value_iteration(GridWorld(), gamma=1.5), "gamma"),
    (lambda: q_learning(GridWorld(), alpha=0.0), "alpha"),
    (lambda: Bandit(means=(1.0,)), "means"),
    (lambda: policy_gradient_samples(Bandit(), Sequential([Dense(2, 3)]), 5), "logits"),
    (lambda: GridWorld().step(7), "action"),
])
def test_bad_input_is_refused_naming_it(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
