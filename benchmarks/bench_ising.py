"""Ising Monte Carlo (S26): physml's kernels against vectorised NumPy on the same work.

* Metropolis: 64 lattices x ``n_sweeps`` checkerboard sweeps. physml runs them as one
  multi-spin-coded lattice (64 replicas per uint64 word); the peer is the textbook
  vectorised NumPy checkerboard on a batch of 64 int8 lattices (np.roll neighbours,
  exp table, one uniform per site). Quality: spin-flip attempts per second.
* Wolff at T_c: numba cluster kernel against the readable Python reference.
* Mehta et al.'s data set (16 temperatures x 10,000 configurations of 40 x 40): wall time
  with two joblib threads against one.
"""

import math
import time

import numpy as np

from physml.datasets import ising
from physml.datasets.ising import _kernels as K
from physml.datasets.ising import sampling


def _numpy_checkerboard(s, beta, n_sweeps, rng):
    """Vectorised checkerboard Metropolis on a batch s of shape (R, L, L), in place."""
    L = s.shape[1]
    i, j = np.indices((L, L))
    masks = [(i + j) % 2 == c for c in (0, 1)]
    table = {dE: (K.Q0 if dE == 0 else min(1.0, math.exp(-beta * dE))) for dE in (-8, -4, 0, 4, 8)}
    acc = np.zeros(17)
    for dE, p in table.items():
        acc[dE + 8] = p
    for _ in range(n_sweeps):
        for mask in masks:
            h = np.roll(s, 1, 1) + np.roll(s, -1, 1) + np.roll(s, 1, 2) + np.roll(s, -1, 2)
            dE = 2 * s * h
            flip = mask & (rng.random(s.shape) < acc[dE + 8])
            s[flip] *= -1
    return s


def _throughput(fn, flips):
    def timed():
        t0 = time.perf_counter()
        out = fn()
        return flips / (time.perf_counter() - t0), out
    return timed


def run(bench):
    T = 2.5
    beta = 1 / T
    rng = np.random.default_rng(0)
    for L, n_sweeps in ((40, 10 if bench.quick else 200), (128, 2 if bench.quick else 20)):
        chain = sampling._MetropolisChain(L, T, np.random.default_rng(1), "random")
        s = rng.choice(np.array([-1, 1], np.int8), size=(64, L, L))
        flips = 64 * L * L * n_sweeps
        bench.compare(f"ising metropolis L={L}", sizes=f"64 x {L}^2 x {n_sweeps} sweeps",
                      physml=_throughput(lambda: chain.run(n_sweeps, 1), flips),
                      peer=_throughput(lambda: _numpy_checkerboard(s, beta, n_sweeps, rng), flips),
                      peer_name="numpy checkerboard", quality=lambda r: r[0], quality_name="flips/s",
                      repeats=3, goal="ratio <= 1/30, >= 5e8 flips/s")

    L, n_clusters = 40, 20 if bench.quick else 200
    p_add = np.uint64(K.fixed_point(1.0 - math.exp(-2.0 / ising.T_c)))
    sw, nbr, state = np.ones(L * L, np.int8), K.neighbours(L), np.array([7], np.uint64)
    stack = np.empty(L * L, np.int64)
    sr = np.ones((L, L), np.int8)

    def wolff_numba():
        return K.wolff_clusters(sw, nbr, p_add, state, stack, n_clusters, 0)[1] / n_clusters

    def wolff_python():
        return sum(K.wolff_step_numpy(sr, 1 / ising.T_c, rng) for _ in range(n_clusters)) / n_clusters

    bench.compare(f"ising wolff L={L} at T_c", sizes=f"{n_clusters} clusters", physml=wolff_numba,
                  peer=wolff_python, peer_name="python reference", quality=lambda r: r,
                  quality_name="<|C|>", repeats=3, goal="ratio <= 1/30")

    n = 500 if bench.quick else 10_000
    kw = dict(L=40, n_per_temperature=n, random_state=0, cache=False)
    bench.compare("ising Mehta set, 2 threads", sizes=f"16 T x {n} x 40^2",
                  physml=lambda: ising.ising_configurations(**kw, n_jobs=2),
                  peer=lambda: ising.ising_configurations(**kw, n_jobs=1), peer_name="physml n_jobs=1",
                  quality=lambda r: float(np.abs(ising.magnetisation(r.X[r.T == 1.5])).mean()),
                  quality_name="|m|(1.5)", repeats=1, goal="< 120 s")
