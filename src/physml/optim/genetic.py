r"""A real-coded genetic algorithm (S11): the lecture's second class of optimisers.

Gradient methods (S5-S10) follow the local slope and stop in the first valley
they find. A genetic algorithm keeps a *population* of candidate points and
improves it by imitating evolution, using only values of the cost E:

1. **Selection.** Parents are chosen by tournament: draw ``tournament_size``
   members at random, keep the fittest (lowest E).
2. **Crossover.** Two parents p, q make a child c:
   "blend" (BLX-alpha, Eshelman and Schaffer 1993): c_i = p_i + u_i (q_i - p_i),
   u_i ~ U(-alpha, 1 + alpha), so children may land slightly outside the parents' box;
   "uniform": c_i = p_i or q_i with probability 1/2 each.
3. **Mutation.** Each gene is perturbed with probability ``mutation_rate`` by
   Gaussian noise of standard deviation ``mutation_scale`` x (width of its bound);
   the scale shrinks by ``mutation_decay`` per generation, so the search goes
   from exploration to refinement.
4. **Elitism.** The ``elitism`` best members pass unchanged to the next
   generation, so the best cost never increases.

Points are clipped to the bounds. The cost may be *vectorised* (take a
(population, dim) array and return (population,) values, which is how NumPy
code is fast) or take one point at a time; ``vectorized="auto"`` tries the
first and falls back to the second.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import Estimator, check_n_jobs, check_random_state, check_scalar

__all__ = ["GeneticAlgorithm"]

_SELECTIONS = ("tournament",)
_CROSSOVERS = ("blend", "uniform")


class GeneticAlgorithm(Estimator):
    r"""Real-coded genetic algorithm with tournament selection, crossover, Gaussian mutation and elitism (S11).

    Parameters
    ----------
    population_size : int, default=50
        Members per generation (>= 2).
    selection : {"tournament"}, default="tournament"
        How parents are chosen.
    tournament_size : int, default=3
        Members drawn per tournament (>= 1; 1 is random selection).
    crossover : {"blend", "uniform"}, default="blend"
        How two parents make a child (see the module docstring).
    alpha : float, default=0.5
        The BLX-alpha extension of the parents' interval (blend crossover only).
    crossover_rate : float, default=0.9
        Probability that a child is a crossover; otherwise it copies its first parent.
    mutation_rate : float or None, default=None
        Probability per gene of a mutation; None means 1/dim.
    mutation_scale : float, default=0.1
        Initial standard deviation of a mutation, as a fraction of each bound's width.
    mutation_decay : float, default=0.995
        Factor applied to the mutation scale after every generation (in (0, 1]).
    elitism : int, default=1
        Best members copied unchanged into the next generation (0 <= elitism < population_size).
    random_state : int, Generator or None
        Seed of the initial population and of every random choice.

    Examples
    --------
    >>> import numpy as np
    >>> ga = GeneticAlgorithm(population_size=40, random_state=0)
    >>> res = ga.minimize(lambda P: np.sum(P ** 2, axis=1), bounds=[(-5, 5)] * 3, max_generations=200)
    >>> bool(res.fun < 1e-6)
    True
    """

    def __init__(self, population_size=50, selection="tournament", tournament_size=3, crossover="blend",
                 alpha=0.5, crossover_rate=0.9, mutation_rate=None, mutation_scale=0.1, mutation_decay=0.995,
                 elitism=1, random_state=None):
        self.population_size = population_size
        self.selection = selection
        self.tournament_size = tournament_size
        self.crossover = crossover
        self.alpha = alpha
        self.crossover_rate = crossover_rate
        self.mutation_rate = mutation_rate
        self.mutation_scale = mutation_scale
        self.mutation_decay = mutation_decay
        self.elitism = elitism
        self.random_state = random_state

    def _validate_params(self):
        check_scalar(self.population_size, "population_size", numbers.Integral, min_val=2)
        if self.selection not in _SELECTIONS:
            raise ValueError(f"selection must be one of {_SELECTIONS}, got {self.selection!r}.")
        check_scalar(self.tournament_size, "tournament_size", numbers.Integral, min_val=1,
                     max_val=self.population_size)
        if self.crossover not in _CROSSOVERS:
            raise ValueError(f"crossover must be one of {_CROSSOVERS}, got {self.crossover!r}.")
        check_scalar(self.alpha, "alpha", numbers.Real, min_val=0)
        check_scalar(self.crossover_rate, "crossover_rate", numbers.Real, min_val=0, max_val=1)
        if self.mutation_rate is not None:
            check_scalar(self.mutation_rate, "mutation_rate", numbers.Real, min_val=0, max_val=1)
        check_scalar(self.mutation_scale, "mutation_scale", numbers.Real, min_val=0)
        check_scalar(self.mutation_decay, "mutation_decay", numbers.Real, min_val=0, max_val=1,
                     include_boundaries="right")
        check_scalar(self.elitism, "elitism", numbers.Integral, min_val=0, max_val=self.population_size - 1)

    def minimize(self, fun, bounds, *, x0=None, max_generations=1000, tol=0.0, patience=None, vectorized="auto",
                 n_jobs=None, callback=None):
        r"""Minimise ``fun`` over the box ``bounds``.

        Parameters
        ----------
        fun : callable
            ``fun(P) -> (pop,)`` on a (pop, dim) array when vectorised, else
            ``fun(x) -> float`` on one point of shape (dim,).
        bounds : sequence of (low, high), length dim
            The search box; the initial population is uniform in it.
        x0 : array-like of shape (dim,) or None
            A starting point placed in the initial population (clipped to the box).
        max_generations : int, default=1000
        tol : float, default=0.0
            Stop (converged) when the best cost has improved by no more than
            ``tol`` over ``patience`` generations.
        patience : int or None
            Generations without improvement that stop the run; None never stops early.
        vectorized : {"auto", True, False}
            Whether ``fun`` takes the whole population at once.
        n_jobs : int or None
            Evaluate a non-vectorised cost on several workers through joblib
            (worth it when one evaluation is expensive).
        callback : callable or None
            ``callback(generation, population, costs)`` after each generation;
            a true return value stops the run.

        Returns
        -------
        OptimizeResult
            ``x`` (best point), ``fun`` (its cost), ``n_iter`` (generations),
            ``n_eval`` (cost evaluations), ``history`` (best cost per generation,
            starting with the initial population's), ``converged``, ``message``.
        """
        from .minimize import OptimizeResult

        self._validate_params()
        if not callable(fun):
            raise TypeError(f"fun must be callable, got {type(fun).__name__}.")
        lo, hi = _check_bounds(bounds)
        if x0 is not None:
            x0 = np.asarray(x0, dtype=np.float64).reshape(-1)
            if x0.shape != lo.shape or not np.all(np.isfinite(x0)):
                raise ValueError(f"x0 must be {lo.size} finite numbers (one per bound), got shape {x0.shape}.")
        check_scalar(max_generations, "max_generations", numbers.Integral, min_val=0)
        check_scalar(tol, "tol", numbers.Real, min_val=0)
        if patience is not None:
            check_scalar(patience, "patience", numbers.Integral, min_val=1)
        if vectorized not in ("auto", True, False):
            raise ValueError(f"vectorized must be 'auto', True or False, got {vectorized!r}.")
        n_jobs = check_n_jobs(n_jobs)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, got {type(callback).__name__}.")
        return _evolve(self, fun, lo, hi, x0, max_generations, tol, patience, vectorized, n_jobs, callback,
                       OptimizeResult)


def _check_bounds(bounds):
    try:
        b = np.asarray(bounds, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("bounds must be a sequence of (low, high) pairs of numbers.") from None
    if b.ndim != 2 or b.shape[1] != 2 or b.shape[0] == 0:
        raise ValueError(f"bounds must have shape (dim, 2) with dim >= 1, got shape {b.shape}.")
    if not np.all(np.isfinite(b)):
        raise ValueError("bounds must be finite.")
    if np.any(b[:, 0] >= b[:, 1]):
        raise ValueError("bounds must have low < high in every dimension.")
    return b[:, 0].copy(), b[:, 1].copy()


class _Evaluator:
    """Evaluates a population, vectorised or row by row (optionally in parallel), counting calls."""

    def __init__(self, fun, vectorized, n_jobs, pop):
        self.fun, self.n_jobs, self.n_eval = fun, n_jobs, 0
        self.vectorized = vectorized
        self.pop = pop

    def __call__(self, P):
        if self.vectorized == "auto":
            self.vectorized = self._try_vectorized(P)
            if self.vectorized:
                self.n_eval += len(P)
                return self._last
        if self.vectorized:
            f = np.asarray(self.fun(P), dtype=np.float64)
            if f.shape != (len(P),):
                raise ValueError(f"a vectorised fun must return shape ({len(P)},), got {f.shape}.")
        elif self.n_jobs not in (None, 1):
            from joblib import Parallel, delayed

            f = np.asarray(Parallel(n_jobs=self.n_jobs)(delayed(self.fun)(x) for x in P), dtype=np.float64)
        else:
            f = np.array([float(self.fun(x)) for x in P])
        self.n_eval += len(P)
        return np.where(np.isnan(f), np.inf, f)  # a NaN cost never wins a tournament

    def _try_vectorized(self, P):
        try:
            f = np.asarray(self.fun(P), dtype=np.float64)
        except Exception:
            return False
        if f.shape != (len(P),):
            return False
        self._last = np.where(np.isnan(f), np.inf, f)
        return True


def _evolve(ga, fun, lo, hi, x0, max_generations, tol, patience, vectorized, n_jobs, callback, result_cls):
    """The generation loop; inputs assumed validated."""
    rng = check_random_state(ga.random_state)
    n, dim = ga.population_size, lo.size
    width = hi - lo
    rate = 1.0 / dim if ga.mutation_rate is None else ga.mutation_rate
    scale = ga.mutation_scale
    evaluate = _Evaluator(fun, vectorized, n_jobs, n)

    P = lo + rng.random((n, dim)) * width
    if x0 is not None:
        P[0] = np.clip(x0, lo, hi)
    f = evaluate(P)
    best = int(np.argmin(f))
    history = [f[best]]
    stalled, message, converged, gen = 0, "", False, 0
    for gen in range(1, max_generations + 1):
        order = np.argsort(f, kind="stable")
        elite = P[order[:ga.elitism]]
        n_child = n - ga.elitism
        # tournament: the fittest of tournament_size random members
        contenders = rng.integers(0, n, size=(2 * n_child, ga.tournament_size))
        winners = contenders[np.arange(2 * n_child), np.argmin(f[contenders], axis=1)]
        p, q = P[winners[:n_child]], P[winners[n_child:]]
        if ga.crossover == "blend":
            u = rng.uniform(-ga.alpha, 1.0 + ga.alpha, size=(n_child, dim))
            children = p + u * (q - p)
        else:
            children = np.where(rng.random((n_child, dim)) < 0.5, p, q)
        keep = rng.random(n_child) >= ga.crossover_rate
        children[keep] = p[keep]
        mutate = rng.random((n_child, dim)) < rate
        children += mutate * rng.normal(0.0, 1.0, size=(n_child, dim)) * (scale * width)
        np.clip(children, lo, hi, out=children)
        P = np.concatenate([elite, children])
        f = np.concatenate([f[order[:ga.elitism]], evaluate(children)])
        scale *= ga.mutation_decay
        best = int(np.argmin(f))
        improved = history[-1] - f[best]
        history.append(min(history[-1], f[best]))
        stalled = 0 if improved > tol else stalled + 1
        if callback is not None and callback(gen, P, f):
            message = f"stopped by the callback after {gen} generations"
            break
        if patience is not None and stalled >= patience:
            converged = True
            message = f"converged: best cost improved by <= tol = {tol:g} over {patience} generations"
            break
    else:
        message = f"max_generations = {max_generations} reached"
    best = int(np.argmin(f))
    return result_cls(x=P[best].copy(), fun=float(f[best]), n_iter=gen, converged=converged,
                      history=np.asarray(history), message=message + f" ({evaluate.n_eval} evaluations)",
                      n_eval=evaluate.n_eval)
