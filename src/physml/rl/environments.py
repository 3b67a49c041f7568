r"""Two small environments with known answers (S45).

An environment has the interface every reinforcement-learning text uses:
``reset() -> state`` starts an episode, ``step(action) -> (state, reward, done)``
moves it on. Both environments here are finite Markov decision processes, so
they also expose their model, ``P[s, a, s']`` (transition probabilities) and
``R[s, a]`` (expected reward), which dynamic programming (value iteration)
needs and learning methods (Q-learning) never look at.

- :class:`GridWorld`: Sutton and Barto's example 4.1, a grid whose corner cells
  end the episode, every move costing -1. The optimal value of a cell is minus
  its number of moves to the nearest terminal corner; under the random policy
  the values are the famous table 0, -14, -20, -22, ...
- :class:`RandomWalk`: Sutton and Barto's example 6.2, five states in a row, a
  random step left or right, reward +1 for leaving on the right. With gamma = 1
  the value of state k (1-based) is k / 6.

Reference: R. S. Sutton and A. G. Barto, *Reinforcement Learning: An
Introduction*, 2nd ed. (MIT Press, 2018), examples 4.1 and 6.2.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import check_random_state, check_scalar

__all__ = ["Bandit", "Environment", "GridWorld", "RandomWalk"]


class Environment:
    r"""A finite Markov decision process with ``reset``/``step`` and its model ``P``, ``R``.

    Attributes
    ----------
    n_states, n_actions : int
    P : ndarray of shape (n_states, n_actions, n_states)
        P[s, a, s'] = probability of moving from s to s' under action a.
    R : ndarray of shape (n_states, n_actions)
        Expected reward of taking a in s.
    terminal : ndarray of bool, shape (n_states,)
        States that end an episode (absorbing, with zero reward).
    """

    def reset(self):
        """Start an episode; returns the initial state."""
        self.state = self._start()
        return self.state

    def step(self, action):
        """Take ``action``; returns ``(state, reward, done)``."""
        if not isinstance(action, numbers.Integral) or isinstance(action, bool) or not 0 <= action < self.n_actions:
            raise ValueError(f"action must be an integer in [0, {self.n_actions}), got {action!r}.")
        s = self.state
        if s is None:
            raise RuntimeError("call reset() before step().")
        s_next = int(self._rng.choice(self.n_states, p=self.P[s, action]))
        reward = float(self._reward(s, action, s_next))
        self.state = s_next
        return s_next, reward, bool(self.terminal[s_next])


class GridWorld(Environment):
    r"""Sutton and Barto's gridworld (example 4.1): reach a terminal corner, -1 per move.

    Parameters
    ----------
    shape : (int, int), default=(4, 4)
        Rows and columns; states are numbered row by row.
    terminals : sequence of (row, col), default=the top-left and bottom-right corners
    random_state : int, Generator or None
        Seed of the start cell drawn by ``reset`` (any non-terminal cell).

    Notes
    -----
    Actions 0, 1, 2, 3 move up, right, down, left; a move off the grid leaves
    the agent where it is (and still costs -1). Terminal cells are absorbing
    with reward 0.
    """

    ACTIONS = ("up", "right", "down", "left")
    _MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))

    def __init__(self, shape=(4, 4), terminals=None, random_state=None):
        if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
            raise TypeError(f"shape must be a pair (rows, cols), got {shape!r}.")
        rows, cols = (check_scalar(n, "shape", numbers.Integral, min_val=1) for n in shape)
        if rows * cols < 2:
            raise ValueError(f"shape must have at least 2 cells, got {shape}.")
        if terminals is None:
            terminals = ((0, 0), (rows - 1, cols - 1))
        self.shape = (int(rows), int(cols))
        self.n_states, self.n_actions = rows * cols, 4
        self.terminal = np.zeros(self.n_states, dtype=bool)
        for cell in terminals:
            r, c = cell
            if not (0 <= r < rows and 0 <= c < cols):
                raise ValueError(f"terminal cell {cell} lies outside the grid {self.shape}.")
            self.terminal[r * cols + c] = True
        if self.terminal.all() or not self.terminal.any():
            raise ValueError("terminals must name at least one cell and leave at least one non-terminal cell.")
        self.P = np.zeros((self.n_states, 4, self.n_states))
        self.R = np.zeros((self.n_states, 4))
        for s in range(self.n_states):
            r, c = divmod(s, cols)
            for a, (dr, dc) in enumerate(self._MOVES):
                if self.terminal[s]:
                    self.P[s, a, s] = 1.0
                    continue
                r2, c2 = r + dr, c + dc
                s2 = r2 * cols + c2 if (0 <= r2 < rows and 0 <= c2 < cols) else s
                self.P[s, a, s2] = 1.0
                self.R[s, a] = -1.0
        self._rng = check_random_state(random_state)
        self.state = None

    def _start(self):
        return int(self._rng.choice(np.flatnonzero(~self.terminal)))

    def _reward(self, s, a, s_next):
        return self.R[s, a]

    def steps_to_terminal(self):
        r"""Moves from each cell to the nearest terminal cell (Manhattan distance): -v_* of example 4.1."""
        rows, cols = self.shape
        cells = np.array([divmod(s, cols) for s in range(self.n_states)])
        targets = cells[self.terminal]
        return np.abs(cells[:, None, :] - targets[None, :, :]).sum(axis=2).min(axis=1)


class RandomWalk(Environment):
    r"""Sutton and Barto's random walk (example 6.2): five states, +1 for leaving on the right.

    States 0 and ``n + 1`` are the terminal ends; the walk starts in the middle.
    There is a single action (the walk is a Markov reward process), so
    prediction methods (TD(0), policy evaluation) are what it tests.

    Parameters
    ----------
    n : int, default=5
        Non-terminal states.
    random_state : int, Generator or None

    Notes
    -----
    With gamma = 1 the value of state k (k = 1 .. n) is the probability of
    leaving on the right, k / (n + 1) (gambler's ruin): :meth:`true_values`.
    """

    def __init__(self, n=5, random_state=None):
        check_scalar(n, "n", numbers.Integral, min_val=1)
        self.n = int(n)
        self.n_states, self.n_actions = self.n + 2, 1
        self.terminal = np.zeros(self.n_states, dtype=bool)
        self.terminal[[0, -1]] = True
        self.P = np.zeros((self.n_states, 1, self.n_states))
        self.R = np.zeros((self.n_states, 1))
        for s in range(self.n_states):
            if self.terminal[s]:
                self.P[s, 0, s] = 1.0
            else:
                self.P[s, 0, s - 1] = self.P[s, 0, s + 1] = 0.5
        self.R[self.n, 0] = 0.5  # expected reward: half of the steps from the last state exit right with +1
        self._rng = check_random_state(random_state)
        self.state = None

    def _start(self):
        return (self.n + 1) // 2

    def _reward(self, s, a, s_next):
        return 1.0 if s_next == self.n_states - 1 else 0.0

    def true_values(self):
        r"""v(k) = k / (n + 1) for the non-terminal states, 0 at both ends (gamma = 1)."""
        v = np.arange(self.n_states) / (self.n + 1)
        v[self.terminal] = 0.0
        return v


class Bandit(Environment):
    r"""A k-armed bandit: one state, each pull of arm a pays a reward drawn from N(mu_a, sigma^2).

    The simplest test of a policy gradient: the expected return of a policy
    pi is J = sum_a pi_a mu_a, whose gradient is known in closed form
    (:func:`physml.rl.expected_return_gradient`).

    Parameters
    ----------
    means : sequence of float, default=(0.2, 1.0)
        mu_a, one per arm (at least two).
    sigma : float, default=1.0
        Standard deviation of the rewards.
    random_state : int, Generator or None
    """

    def __init__(self, means=(0.2, 1.0), sigma=1.0, random_state=None):
        mu = np.asarray(means, dtype=np.float64)
        if mu.ndim != 1 or mu.size < 2 or not np.all(np.isfinite(mu)):
            raise ValueError(f"means must be at least two finite numbers, got {means!r}.")
        self.means = mu
        self.sigma = check_scalar(sigma, "sigma", numbers.Real, min_val=0)
        # two states: the one where the arm is pulled, and the terminal state after the pull
        self.n_states, self.n_actions = 2, mu.size
        self.terminal = np.array([False, True])
        self.P = np.zeros((2, mu.size, 2))
        self.P[0, :, 1] = 1.0
        self.P[1, :, 1] = 1.0
        self.R = np.zeros((2, mu.size))
        self.R[0] = mu
        self._rng = check_random_state(random_state)
        self.state = None

    def _start(self):
        return 0

    def _reward(self, s, a, s_next):
        return self.means[a] + self.sigma * self._rng.standard_normal()

