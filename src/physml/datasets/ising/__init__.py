r"""The 2D Ising model (S26): Monte Carlo configurations and Onsager's exact results.

Square lattice :math:`L \times L`, periodic boundaries, :math:`J = k_B = 1`:

.. math:: H = -J \sum_{\langle ij \rangle} s_i s_j, \qquad s_i = \pm 1,
          \qquad T_c = \frac{2}{\ln(1 + \sqrt 2)} \approx 2.269.

Modules
-------
:mod:`.exact`
    ``T_c``, ``onsager_energy(T)``, ``onsager_magnetisation(T)``, ``ising_phase(T)``,
    ``ising_phase_labels(T)``, ``exact_enumeration(L, T)`` (all :math:`2^{L^2}` states, L <= 4),
    ``MEHTA_TEMPERATURES``.
:mod:`.observables`
    ``energy(X, L=None)``, ``magnetisation(X, L=None)`` (per spin, ``X`` of shape ``(n, L*L)``,
    ``(L, L)`` or ``(n, L, L)``), ``autocorrelation_time(series, c=5.0)`` (:math:`\tau_{int}`).
:mod:`.sampling`
    ``ising_configurations(L=40, temperatures=..., n_per_temperature=10000, ...)`` -> a Bunch
    with ``X`` (int8 ``(n, L*L)``, +-1), ``y`` (phase label, 1 if :math:`T < T_c`), ``T``
    and ``info`` (sampling metadata per temperature); ``return_X_y=True`` gives ``(X, T, y)``;
    ``ising_chain(L, T, n_sweeps, sampler="metropolis", start="random")`` -> the raw time series
    ``"E"``, ``"m"`` and the final ``"config"``, e.g. to compare Metropolis and Wolff.
:mod:`._kernels`
    the numba kernels (multi-spin coded Metropolis, Wolff clusters) and their NumPy references.

Sampling
--------
Near :math:`T_c` (:math:`0.85\,T_c \le T \le 1.15\,T_c`, i.e. Mehta et al.'s
critical region 2.0-2.5) Metropolis suffers critical slowing down and the Wolff
cluster algorithm is used; elsewhere checkerboard Metropolis with multi-spin
coding (64 independent replicas per machine word, see
:mod:`physml.datasets.ising._kernels`). Chains below :math:`T_c` start ordered
(a Metropolis chain started from random spins at low T freezes into striped
domains), chains above start random. A pilot run measures the integrated
autocorrelation times of :math:`|m|` and :math:`E`; burn-in defaults to the pilot
plus :math:`10\tau` and thinning to :math:`\lceil 2\tau \rceil` sweeps, with
:math:`\tau = \max(\tau_{|m|}, \tau_E)`. Time is counted in sweeps: :math:`L^2`
attempted flips for Metropolis, a fixed number of clusters flipping about
:math:`L^2` spins on average for Wolff. Metropolis accepts zero-energy flips with
probability 7/8 instead of 1 (still exact; with 1, checkerboard sweeps cycle forever
through configurations where every flip costs nothing). Within one temperature,
Metropolis rows ``64 t + r`` come from replica ``r``: neighbouring rows are
independent chains, rows 64 apart are ``thin`` sweeps apart on the same chain.
``MEHTA_TEMPERATURES`` holds the default grid 0.25, 0.5, ..., 4.0.

Z2 symmetry: :math:`H(s) = H(-s)`, so :math:`s` and :math:`-s` are equally
likely. After decorrelation every stored configuration has its global sign
flipped with probability 1/2 (a fair coin from the seeded generator). This is
an exact Monte Carlo move and it makes both signs of :math:`m` appear equally
often in the ordered phase, where a finite chain (or an even number of
whole-lattice Wolff flips) would otherwise keep one sign - a one-signed ordered
phase would let a linear classifier separate the phases trivially.

References: L. Onsager, Phys. Rev. 65, 117 (1944); C. N. Yang, Phys. Rev. 85, 808
(1952); U. Wolff, PRL 62, 361 (1989); A. D. Sokal, "Monte Carlo methods in
statistical mechanics" (1996) for the windowed :math:`\tau_{int}`; P. Mehta et
al., Phys. Rep. 810, 1 (2019) for the data set (L = 40, T = 0.25 ... 4.0).
"""
from .exact import (
    MEHTA_TEMPERATURES,
    T_c,
    exact_enumeration,
    ising_phase,
    ising_phase_labels,
    onsager_energy,
    onsager_magnetisation,
)
from .observables import autocorrelation_time, energy, magnetisation
from .sampling import ising_chain, ising_configurations

__all__ = [
    "MEHTA_TEMPERATURES",
    "T_c",
    "autocorrelation_time",
    "energy",
    "exact_enumeration",
    "ising_chain",
    "ising_configurations",
    "ising_phase",
    "ising_phase_labels",
    "magnetisation",
    "onsager_energy",
    "onsager_magnetisation",
]
