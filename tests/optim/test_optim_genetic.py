"""The genetic algorithm (S11): global minimum of Rastrigin where gradient methods stall; SciPy's DE on Rosenbrock."""

import numpy as np
import pytest

from physml.optim import GeneticAlgorithm, minimize

_RASTRIGIN_BUDGET = dict(population_size=100, crossover="uniform")  # x 2000 generations = 198,100 evaluations


def rastrigin(P):
    r"""f(x) = 10 d + sum_i [x_i^2 - 10 cos(2 pi x_i)]; global minimum 0 at x = 0, a local minimum at every integer point."""
    P = np.atleast_2d(P)
    return 10 * P.shape[1] + np.sum(P ** 2 - 10 * np.cos(2 * np.pi * P), axis=1)


def rastrigin_grad(x):
    return 2 * x + 20 * np.pi * np.sin(2 * np.pi * x)


def rosen(P):
    P = np.atleast_2d(P)
    return np.sum(100 * (P[:, 1:] - P[:, :-1] ** 2) ** 2 + (1 - P[:, :-1]) ** 2, axis=1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_genetic_finds_rastrigin_global_minimum_where_adam_and_gd_stall(seed):
    bounds = [(-5.12, 5.12)] * 10
    res = GeneticAlgorithm(random_state=seed, **_RASTRIGIN_BUDGET).minimize(rastrigin, bounds, max_generations=2000)
    assert res.fun < 1e-3
    assert np.abs(res.x).max() < 1e-2
    assert res.n_eval == 100 + 2000 * 99  # the initial population, then 99 children per generation (1 elite)
    x0 = np.random.default_rng(seed).uniform(-5.12, 5.12, 10)
    for method, lr in (("adam", 0.05), ("gd", 1e-3)):
        local = minimize(lambda x: rastrigin(x)[0], x0, grad=rastrigin_grad, method=method, lr=lr, max_iter=5000)
        assert local.fun > 0.9, (method, local.fun)  # stuck at a local minimum (every one has f >= 0.995)


def test_genetic_agrees_with_scipy_differential_evolution_on_rosenbrock():
    optimize = pytest.importorskip("scipy.optimize")
    bounds = [(-5.0, 5.0)] * 2
    de = optimize.differential_evolution(optimize.rosen, bounds, seed=0, tol=1e-12, polish=False)
    res = minimize(rosen, np.zeros(2), method="genetic", bounds=bounds, max_iter=2000, population_size=100,
                   random_state=0)
    np.testing.assert_allclose(res.x, de.x, atol=1e-4)
    assert res.fun < 1e-8 and res.n_eval > 0 and de.nfev > 0


def test_elitism_makes_the_best_cost_monotone_and_history_matches():
    res = GeneticAlgorithm(population_size=20, random_state=3).minimize(rosen, [(-2, 2)] * 3, max_generations=50)
    assert np.all(np.diff(res.history) <= 0)
    assert res.history[-1] == pytest.approx(res.fun)
    assert res.fun == pytest.approx(rosen(res.x)[0])
    assert len(res.history) == res.n_iter + 1 == 51


def test_vectorised_and_row_by_row_costs_give_identical_runs():
    ga = GeneticAlgorithm(population_size=16, random_state=5)
    a = ga.minimize(rosen, [(-2, 2)] * 2, max_generations=30, vectorized=True)
    b = ga.minimize(lambda x: float(rosen(x)[0]), [(-2, 2)] * 2, max_generations=30, vectorized=False)
    c = ga.minimize(lambda x: float(rosen(x)[0]), [(-2, 2)] * 2, max_generations=30, vectorized="auto")
    np.testing.assert_array_equal(a.history, b.history)
    np.testing.assert_array_equal(a.x, c.x)
    assert a.n_eval == b.n_eval == c.n_eval == 16 + 30 * 15


def test_points_stay_inside_the_bounds():
    seen = []
    GeneticAlgorithm(population_size=30, mutation_scale=2.0, random_state=0).minimize(
        lambda P: -np.sum(P, axis=1), [(0, 1), (-3, -2)], max_generations=20,
        callback=lambda g, P, f: seen.append(P.copy()))
    P = np.concatenate(seen)
    assert P[:, 0].min() >= 0 and P[:, 0].max() <= 1 and P[:, 1].min() >= -3 and P[:, 1].max() <= -2
    assert P[:, 0].max() == 1.0 and P[:, 1].max() == -2.0  # the maximiser of sum is the corner, reached by clipping


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(population_size=1), "population_size"),
    (dict(population_size=True), "population_size"),
    (dict(crossover="single-point"), "crossover"),
    (dict(elitism=50), "elitism"),
    (dict(mutation_scale=float("inf")), "mutation_scale"),
    (dict(mutation_decay=0.0), "mutation_decay"),
    (dict(tournament_size=0), "tournament_size"),
])
def test_bad_parameters_are_refused_naming_them(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        GeneticAlgorithm(**kwargs).minimize(rosen, [(-1, 1)] * 2, max_generations=1)


@pytest.mark.parametrize("bounds", [[(1, 0)], [], [(0, np.inf)], [(0, 1, 2)]])
def test_bad_bounds_are_refused(bounds):
    with pytest.raises(ValueError, match="bounds"):
        GeneticAlgorithm().minimize(rosen, bounds, max_generations=1)


def test_minimize_genetic_needs_bounds():
    with pytest.raises(ValueError, match="bounds"):
        minimize(rosen, np.zeros(2), method="genetic")
