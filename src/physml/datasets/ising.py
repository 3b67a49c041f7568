r"""The 2D Ising model (S26): Monte Carlo configurations and Onsager's exact results.

Square lattice :math:`L \times L`, periodic boundaries, :math:`J = k_B = 1`:

.. math:: H = -J \sum_{\langle ij \rangle} s_i s_j, \qquad s_i = \pm 1,
          \qquad T_c = \frac{2}{\ln(1 + \sqrt 2)} \approx 2.269.

API (for the lecture chapters and tutorials)
--------------------------------------------
``ising_configurations(L=40, temperatures=..., n_per_temperature=10000, burn_in=None, thin=None,
random_state=None, cache=True, n_jobs=1, sampler="auto", verbose=False, return_info=False)``
    -> ``(X, T)``: ``X`` int8 of shape ``(n, L*L)`` with values +-1 (row = flattened
    lattice, ``X[k].reshape(L, L)`` is a snapshot), ``T`` float64 of shape ``(n,)``.
    With ``return_info=True`` -> ``(X, T, info)``; ``info`` holds, per temperature
    (arrays aligned with ``info["temperatures"]``): ``sampler`` ("metropolis" or
    "wolff"), ``burn_in`` and ``thin`` (in sweeps), ``tau_abs_m`` and ``tau_E`` (the
    integrated autocorrelation times of |m| and E in sweeps, measured on a pilot run),
    ``n_chains`` (64 Metropolis replicas or 1 Wolff chain), ``start``, ``clusters_per_sweep``
    (Wolff; 0 for Metropolis).
``ising_chain(L, T, n_sweeps, sampler="metropolis", start="random", random_state=None)``
    -> dict with ``"E"``, ``"m"`` (per spin, one value per sweep) and ``"config"`` (the final
    ``(L, L)`` lattice): the raw time series, e.g. to compare Metropolis and Wolff.
``autocorrelation_time(series, c=5.0)`` -> :math:`\tau_{int}` (series of shape ``(n,)`` or
    ``(n_chains, n)``).
``energy(X, L=None)``, ``magnetisation(X, L=None)`` -> per-spin values of each configuration
    (``X`` of shape ``(n, L*L)``, ``(L, L)`` or ``(n, L, L)``).
``onsager_energy(T)``, ``onsager_magnetisation(T)``, ``T_c``, ``ising_phase(T)``,
``ising_phase_labels(T)``, ``exact_enumeration(L, T)`` (all :math:`2^{L^2}` states, L <= 4).

Sampling
--------
Near :math:`T_c` (:math:`0.85\,T_c \le T \le 1.15\,T_c`, i.e. Mehta et al.'s
critical region 2.0-2.5) Metropolis suffers critical slowing down and the Wolff
cluster algorithm is used; elsewhere checkerboard Metropolis with multi-spin
coding (64 independent replicas per machine word, see
:mod:`physml.datasets._ising_kernels`). Chains below :math:`T_c` start ordered
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

from __future__ import annotations

import hashlib
import math
import numbers
import sys

import numpy as np

from ..base import check_random_state, check_scalar
from . import _ising_kernels as K

__all__ = [
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

T_c = 2.0 / math.log(1.0 + math.sqrt(2.0))
"""Onsager's critical temperature :math:`T_c = 2 / \\ln(1 + \\sqrt 2) \\approx 2.2692` (J = k_B = 1)."""

MEHTA_TEMPERATURES = np.round(np.arange(0.25, 4.0 + 1e-9, 0.25), 10)
_WOLFF_WINDOW = (0.85 * T_c, 1.15 * T_c)

# ---------------------------------------------------------------------------
# Exact results
# ---------------------------------------------------------------------------


def _check_T(T, name="T"):
    try:
        T_arr = np.asarray(T, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a float or an array of floats, got {T!r}.") from None
    if not np.all(np.isfinite(T_arr)) or np.any(T_arr <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {T!r}.")
    return T_arr


def onsager_energy(T):
    r"""Exact energy per spin of the infinite 2D Ising model (Onsager, 1944).

    .. math:: u(T) = -\coth(2\beta)\left[1 + \frac{2}{\pi}\left(2\tanh^2(2\beta) - 1\right)
              K(k)\right], \qquad k = \frac{2\sinh(2\beta)}{\cosh^2(2\beta)},

    with :math:`\beta = 1/T` and :math:`K` the complete elliptic integral of the first
    kind (:func:`scipy.special.ellipk` takes :math:`m = k^2`). At :math:`T_c` the
    product is finite: :math:`u(T_c) = -\sqrt 2`.

    Parameters
    ----------
    T : float or array_like, > 0

    Returns
    -------
    u : float or ndarray, same shape as ``T``
    """
    from scipy.special import ellipk

    T_arr = _check_T(T)
    b2 = 2.0 / T_arr
    # k = 2 sinh(2 beta) / cosh^2(2 beta) = 2 tanh(2 beta) sech(2 beta), written without overflow
    k = 4.0 * np.tanh(b2) * np.exp(-b2) / (1.0 + np.exp(-2.0 * b2))
    factor = 2.0 * np.tanh(b2) ** 2 - 1.0
    # K(k) diverges logarithmically at k = 1 (T = T_c), where factor = 0: the product tends to 0
    m = np.minimum(k * k, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(m >= 1.0, 0.0, factor * ellipk(m))
    u = -1.0 / np.tanh(b2) * (1.0 + 2.0 / np.pi * term)
    return float(u) if u.ndim == 0 else u


def onsager_magnetisation(T):
    r"""Exact spontaneous magnetisation per spin (Onsager; Yang, 1952).

    .. math:: m(T) = \left(1 - \sinh^{-4}(2\beta)\right)^{1/8} \text{ for } T < T_c, \quad 0 \text{ above}.
    """
    T_arr = _check_T(T)
    with np.errstate(over="ignore"):
        x = 1.0 - np.sinh(2.0 / T_arr) ** -4.0
    m = np.where(T_arr < T_c, np.clip(x, 0.0, None) ** 0.125, 0.0)
    return float(m) if m.ndim == 0 else m


def ising_phase(T):
    r"""Phase region of Mehta et al.: "ordered" (T < 2.0), "critical" (2.0 <= T <= 2.5), "disordered" (T > 2.5).

    Returns a str for a scalar ``T``, else an array of str.
    """
    T_arr = _check_T(T)
    phase = np.where(T_arr < 2.0, "ordered", np.where(T_arr <= 2.5, "critical", "disordered"))
    return str(phase) if phase.ndim == 0 else phase


def ising_phase_labels(T):
    r"""Mehta et al.'s labels: 1 (ordered) if :math:`T < T_c \approx 2.269`, else 0.

    T = 2.0 and 2.25 thus count as ordered although they lie in the critical region.
    Returns an int for a scalar ``T``, else an int64 array.
    """
    y = (_check_T(T) < T_c).astype(np.int64)
    return int(y) if y.ndim == 0 else y


# ---------------------------------------------------------------------------
# Observables
# ---------------------------------------------------------------------------


def _as_lattices(X, L, name="X"):
    """Spins as an (n, L, L) array (int8 for integer input) and whether one configuration came in.

    A square 2D array is one (L, L) lattice, unless ``L * L`` equals its row length (a batch
    of n = L*L configurations: pass ``L``); any other 2D array holds flattened lattices as rows.
    """
    X = np.asarray(X)
    if X.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold numbers (spins +-1), got dtype {X.dtype}.")
    X = X.astype(np.int8, copy=False) if X.dtype.kind in "iu" else X.astype(float, copy=False)
    if L is not None and (isinstance(L, bool) or not isinstance(L, numbers.Integral) or L < 1):
        raise ValueError(f"L must be a positive int, got {L!r}.")
    if X.ndim == 3:
        if X.shape[1] != X.shape[2] or (L is not None and X.shape[1] != L):
            raise ValueError(f"{name} of shape {X.shape}: expected (n, L, L).")
        return X, False
    if X.ndim == 1:
        X, single = X.reshape(1, -1), True
    elif X.ndim == 2:
        if X.shape[0] == X.shape[1] and (L is None or L == X.shape[0]):
            return X[None], True
        single = False
    else:
        raise ValueError(f"{name} must have shape (n, L*L), (L, L) or (n, L, L), got {X.shape}.")
    L = math.isqrt(X.shape[1]) if L is None else L
    if L * L != X.shape[1]:
        raise ValueError(f"{name} has {X.shape[1]} sites per configuration, which is not L*L for L={L}.")
    return X.reshape(-1, L, L), single


def energy(X, L=None):
    r"""Energy per spin :math:`E/N = -\frac{1}{N}\sum_i s_i\,(s_{i+\hat x} + s_{i+\hat y})` (periodic).

    Parameters
    ----------
    X : array_like of shape (n, L*L), (L, L) or (n, L, L)
        Spin configurations with values +-1.
    L : int, optional
        Linear size; inferred as sqrt of the row length when omitted. A square 2D ``X`` is
        read as one (L, L) lattice: pass ``L`` for a batch of exactly L*L configurations.

    Returns
    -------
    e : ndarray of shape (n,), or float for a single ``(L, L)`` or ``(L*L,)`` configuration
    """
    s, single = _as_lattices(X, L)
    bonds = s * (np.roll(s, -1, axis=1) + np.roll(s, -1, axis=2))
    e = -bonds.sum(axis=(1, 2), dtype=np.float64) / (s.shape[1] * s.shape[2])
    return float(e[0]) if single else e


def magnetisation(X, L=None):
    r"""Magnetisation per spin :math:`m = \frac{1}{N}\sum_i s_i` (signed; take ``abs`` for :math:`|m|`).

    Same shapes as :func:`energy`.
    """
    s, single = _as_lattices(X, L)
    m = s.mean(axis=(1, 2), dtype=np.float64)
    return float(m[0]) if single else m


def exact_enumeration(L, T):
    r"""Exact thermal averages of an ``L x L`` periodic lattice by summing all :math:`2^{L^2}` states.

    :math:`\langle A \rangle = \sum_s A(s) e^{-\beta H(s)} / Z`, for ``L <= 4`` (65,536 states).

    Returns
    -------
    dict with float values ``"E"`` (:math:`\langle E \rangle / N`), ``"abs_m"``
    (:math:`\langle |m| \rangle`), ``"m2"`` (:math:`\langle m^2 \rangle`), ``"m4"``
    (:math:`\langle m^4 \rangle`), and ``"probabilities"``, the Boltzmann weight of each
    state ``k`` (spin ``i`` of state ``k`` is ``+1`` when bit ``i`` of ``k`` is set).
    """
    check_scalar(L, "L", numbers.Integral, min_val=2, max_val=4)
    T = float(_check_T(T))
    N = L * L
    k = np.arange(2**N, dtype=np.int64)
    s = (2 * ((k[:, None] >> np.arange(N)) & 1) - 1).astype(np.int8)
    e = energy(s, L)
    m = s.mean(axis=1)
    w = np.exp(-(e - e.min()) * N / T)
    p = w / w.sum()
    return {"E": float(p @ e), "abs_m": float(p @ np.abs(m)), "m2": float(p @ m**2),
            "m4": float(p @ m**4), "probabilities": p}


def autocorrelation_time(series, c=5.0):
    r"""Integrated autocorrelation time with Sokal's automatic window.

    .. math:: \tau_{int} = \frac12 + \sum_{t=1}^{M} \rho(t), \qquad
              M = \min\{M : M \ge c\,\tau_{int}(M)\},

    with :math:`\rho(t)` the normalised autocorrelation function (averaged over
    chains when ``series`` is 2D). Uncorrelated samples give :math:`\tau_{int} = 1/2`;
    samples :math:`2\tau_{int}` apart are effectively independent
    (variance of the mean :math:`= 2\tau_{int}\sigma^2/n`). A constant series (nothing
    fluctuates) gives 1/2.

    Parameters
    ----------
    series : array_like of shape (n,) or (n_chains, n), n >= 4
    c : float, window constant (5-10 usual)

    Returns
    -------
    tau : float, in units of the series' time step
    """
    x = np.asarray(series, dtype=float)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 4:
        raise ValueError(f"series must have shape (n,) or (n_chains, n) with n >= 4 and n_chains >= 1, "
                         f"got {np.shape(series)}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("series contains NaN or inf.")
    check_scalar(c, "c", numbers.Real, min_val=1.0)
    if not math.isfinite(c):
        raise ValueError(f"c must be finite and >= 1, got {c}.")
    n = x.shape[1]
    x = x - x.mean(axis=1, keepdims=True)
    # autocovariance by FFT, zero-padded against wrap-around
    f = np.fft.rfft(x, n=2 * n, axis=1)
    acov = np.fft.irfft(f * np.conj(f), axis=1)[:, :n].mean(axis=0)
    if acov[0] <= 1e-14 * max(1.0, float(np.abs(x).max()) ** 2):
        return 0.5
    rho = acov / acov[0]
    tau = 0.5 + np.cumsum(rho[1:])
    M = np.arange(1, n)
    ok = M >= c * tau
    return float(tau[np.argmax(ok)] if ok.any() else tau[-1])


# ---------------------------------------------------------------------------
# Chains
# ---------------------------------------------------------------------------


def _auto_sampler(T):
    return "wolff" if _WOLFF_WINDOW[0] <= T <= _WOLFF_WINDOW[1] else "metropolis"


def _random_u64(rng, size=None):
    return rng.integers(0, np.iinfo(np.uint64).max, size=size, dtype=np.uint64, endpoint=True)


class _MetropolisChain:
    """64 independent replicas, checkerboard Metropolis with multi-spin coding."""

    n_chains = 64

    def __init__(self, L, T, rng, start):
        beta = 1.0 / T
        self.L = L
        if start == "ordered":
            self.S = np.full((L, L), np.iinfo(np.uint64).max, dtype=np.uint64)
        else:
            self.S = _random_u64(rng, (L, L))
        self.ip = (np.arange(L) + 1) % L
        self.im = (np.arange(L) - 1) % L
        self.D0 = K.digit_masks(K.Q0)
        self.D4 = K.digit_masks(math.exp(-4.0 * beta))
        self.D8 = K.digit_masks(math.exp(-8.0 * beta))
        self.state = _random_u64(rng, 1)

    def run(self, n_records, sweeps_per_record, n_meas=0, X=None):
        """Return E, m of shape (n_meas, n_records); store 64 replicas per record into X if given."""
        E = np.zeros((n_records, n_meas))
        M = np.zeros((n_records, n_meas))
        store = X is not None
        X = X if store else np.zeros((0, self.L * self.L), dtype=np.int8)
        K.msc_chain(self.S, self.ip, self.im, self.D0, self.D4, self.D8, self.state, n_records, sweeps_per_record,
                    n_meas, E, M, X, store)
        return E.T, M.T

    def config(self):
        X = np.empty((1, self.L * self.L), dtype=np.int8)
        K.msc_unpack(self.S, X, 0, 1)
        return X[0].reshape(self.L, self.L)


class _WolffChain:
    """One lattice updated by Wolff clusters; a "sweep" is a fixed number of clusters that flips ~L^2 spins."""

    n_chains = 1

    def __init__(self, L, T, rng, start):
        self.L = L
        N = L * L
        self.s = np.ones(N, dtype=np.int8) if start == "ordered" else rng.choice(np.array([-1, 1], np.int8), N)
        self.nbr = K.neighbours(L)
        self.p_add = np.uint64(K.fixed_point(1.0 - math.exp(-2.0 / T)))
        self.state = _random_u64(rng, 1)
        self.stack = np.empty(N, dtype=np.int64)
        # calibrate: burn in 10 sweeps' worth of flips, then measure the mean cluster size over 10 more
        K.wolff_clusters(self.s, self.nbr, self.p_add, self.state, self.stack, 1, 10 * N)
        clusters, flipped = K.wolff_clusters(self.s, self.nbr, self.p_add, self.state, self.stack, 1, 10 * N)
        self.clusters_per_sweep = max(1, round(N * clusters / flipped))

    def run(self, n_records, sweeps_per_record, n_meas=0, X=None):
        E = np.zeros(n_records)
        M = np.zeros(n_records)
        store = X is not None
        X = X if store else np.zeros((0, self.L * self.L), dtype=np.int8)
        K.wolff_chain(self.s, self.nbr, self.p_add, self.state, self.stack, n_records,
                      sweeps_per_record * self.clusters_per_sweep, E, M, X, store)
        return E[None], M[None]

    def config(self):
        return self.s.reshape(self.L, self.L).copy()


_CHAINS = {"metropolis": _MetropolisChain, "wolff": _WolffChain}


def _check_L(L):
    check_scalar(L, "L", numbers.Integral, min_val=2)
    return int(L)


def ising_chain(L, T, n_sweeps, sampler="metropolis", start="random", random_state=None):
    r"""Run one Markov chain and return its time series (e.g. to measure :math:`\tau_{int}`).

    Parameters
    ----------
    L : int >= 2
    T : float > 0
    n_sweeps : int >= 1
        Number of sweeps; one value of E and m is recorded after each. A Metropolis sweep
        attempts :math:`L^2` flips, a Wolff sweep flips a fixed number of clusters,
        :math:`L^2 / \langle |C| \rangle` (mean cluster size measured while burning in 20 sweeps' worth
        of flips before the first record).
    sampler : {"metropolis", "wolff"}
    start : {"random", "ordered"}
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    dict with ``"E"`` and ``"m"`` (float arrays of shape (n_sweeps,), per spin; m signed)
    and ``"config"`` (the final (L, L) int8 lattice).
    """
    L = _check_L(L)
    T = float(_check_T(T))
    check_scalar(n_sweeps, "n_sweeps", numbers.Integral, min_val=1)
    if sampler not in _CHAINS:
        raise ValueError(f"sampler must be 'metropolis' or 'wolff', got {sampler!r}.")
    if start not in ("random", "ordered"):
        raise ValueError(f"start must be 'random' or 'ordered', got {start!r}.")
    chain = _CHAINS[sampler](L, T, check_random_state(random_state), start)
    E, M = chain.run(int(n_sweeps), 1, n_meas=1)
    return {"E": E[0], "m": M[0], "config": chain.config()}


def _tau(E, M):
    return autocorrelation_time(np.abs(M)), autocorrelation_time(E)


def _sample_temperature(L, T, n, burn_in, thin, sampler, seed):
    """Decorrelated configurations at one temperature: (X int8 (n, L*L), info dict). Inputs validated."""
    rng = np.random.default_rng(seed)
    sampler = _auto_sampler(T) if sampler == "auto" else sampler
    start = "ordered" if T < T_c else "random"
    chain = _CHAINS[sampler](L, T, rng, start)
    n_meas = 16 if sampler == "metropolis" else 1
    if burn_in is None:
        # equilibrate, then a pilot run long enough that its length is >= 50 tau (Sokal)
        pre = 100 if sampler == "metropolis" else 10
        chain.run(pre, 1)
        cap = max(256, min(2**15, int(4e9 / (L * L * 64))))
        E, M = chain.run(256, 1, n_meas)
        tau_m, tau_E = _tau(E, M)
        while E.shape[1] < 50 * max(tau_m, tau_E) and E.shape[1] < cap:
            E2, M2 = chain.run(E.shape[1], 1, n_meas)
            E, M = np.hstack([E, E2]), np.hstack([M, M2])
            tau_m, tau_E = _tau(E[:, E.shape[1] // 4:], M[:, M.shape[1] // 4:])
        extra = math.ceil(10 * max(tau_m, tau_E))
        chain.run(extra, 1)
        burn = pre + E.shape[1] + extra
    else:
        E, M = chain.run(burn_in, 1, n_meas) if burn_in > 0 else (np.zeros((1, 0)), np.zeros((1, 0)))
        half = burn_in // 2
        tau_m, tau_E = _tau(E[:, half:], M[:, half:]) if burn_in - half >= 16 else (math.nan, math.nan)
        burn = burn_in
        if thin is None and math.isnan(tau_m):  # too short to measure tau: a pilot decides the thinning
            E, M = chain.run(256, 1, n_meas)
            tau_m, tau_E = _tau(E, M)
            burn += 256
    if thin is None:
        thin = max(1, math.ceil(2 * max(tau_m, tau_E)))
    X = np.empty((n, L * L), dtype=np.int8)
    chain.run(math.ceil(n / chain.n_chains), thin, X=X)
    # Z2 symmetry H(s) = H(-s): flip each configuration's sign with probability 1/2
    X *= rng.choice(np.array([-1, 1], dtype=np.int8), size=n)[:, None]
    info = {"sampler": sampler, "start": start, "burn_in": int(burn), "thin": int(thin),
            "tau_abs_m": float(tau_m), "tau_E": float(tau_E), "n_chains": chain.n_chains,
            "clusters_per_sweep": int(getattr(chain, "clusters_per_sweep", 0))}
    return X, info


_INFO_KEYS = ("sampler", "start", "burn_in", "thin", "tau_abs_m", "tau_E", "n_chains", "clusters_per_sweep")


def _seed_entropy(random_state):
    """An int for SeedSequence: the seed itself, or drawn from a Generator; None for fresh entropy."""
    if random_state is None:
        return None
    if isinstance(random_state, (numbers.Integral, np.integer)) and not isinstance(random_state, bool):
        check_random_state(random_state)
        return int(random_state)
    return int(check_random_state(random_state).integers(2**63))


def ising_configurations(L=40, temperatures=None, n_per_temperature=10000, burn_in=None, thin=None,
                         random_state=None, cache=True, n_jobs=1, sampler="auto", verbose=False,
                         return_info=False):
    r"""Equilibrium configurations of the 2D Ising model (S26), decorrelated and Z2-symmetric.

    Each temperature is an independent Markov chain (Wolff near :math:`T_c`, multi-spin
    coded checkerboard Metropolis elsewhere; see the module docstring), run through
    joblib so ``n_jobs`` - or ``joblib.parallel_config(backend="dask")`` - spreads them.
    Seeds per temperature are spawned from ``random_state`` by
    :class:`numpy.random.SeedSequence`, so results do not depend on ``n_jobs``.

    Parameters
    ----------
    L : int >= 2, default 40
        Linear lattice size (Mehta et al. use 40).
    temperatures : array_like of float > 0, default 0.25, 0.5, ..., 4.0 (Mehta et al.)
    n_per_temperature : int >= 1, default 10000
    burn_in : int >= 0, optional
        Sweeps discarded before the first sample. Default: a pilot run of at least
        :math:`50\tau` sweeps plus :math:`10\tau` more, :math:`\tau` measured on the pilot.
        A given ``burn_in`` measures :math:`\tau` on its second half; if that is under 16
        sweeps and ``thin`` is None, 256 more sweeps are run to measure it.
    thin : int >= 1, optional
        Sweeps between stored samples of one chain. Default :math:`\lceil 2\tau \rceil`.
    random_state : None, int or numpy.random.Generator
    cache : bool, default True
        Read/write the result under ``$PHYSML_CACHE`` (else ``$XDG_CACHE_HOME/physml`` or
        ``~/.cache/physml``); only
        used when ``random_state`` is an int (otherwise the data are not reproducible).
        Entries are keyed by every parameter, the physml version and a digest of this
        module's and the kernels' source.
    n_jobs : int or None, default 1
        joblib workers (threads: the kernels release the GIL).
    sampler : {"auto", "metropolis", "wolff"}
        "auto": Wolff near :math:`T_c`, Metropolis elsewhere (recorded in ``info["sampler"]``).
    verbose : bool
        Progress bar over temperatures (when stderr is a terminal).
    return_info : bool
        Also return the sampling metadata (see the module docstring).

    Returns
    -------
    X : ndarray of shape (n_temperatures * n_per_temperature, L*L), int8 values +-1
    T : ndarray of shape (n_temperatures * n_per_temperature,), float64
    info : dict, only if ``return_info``

    Examples
    --------
    >>> X, T = ising_configurations(L=16, temperatures=[1.0, 3.0], n_per_temperature=50, random_state=0,
    ...                             cache=False)
    >>> X.shape, np.unique(T).tolist()
    ((100, 256), [1.0, 3.0])
    """
    L = _check_L(L)
    temps = MEHTA_TEMPERATURES if temperatures is None else temperatures
    temps = np.atleast_1d(_check_T(temps, "temperatures")).astype(float)
    if temps.ndim != 1 or temps.size == 0:
        raise ValueError(f"temperatures must be a non-empty 1D list of floats, got shape {temps.shape}.")
    check_scalar(n_per_temperature, "n_per_temperature", numbers.Integral, min_val=1)
    n = int(n_per_temperature)
    if burn_in is not None:
        check_scalar(burn_in, "burn_in", numbers.Integral, min_val=0)
        burn_in = int(burn_in)
    if thin is not None:
        check_scalar(thin, "thin", numbers.Integral, min_val=1)
        thin = int(thin)
    if sampler not in ("auto", "metropolis", "wolff"):
        raise ValueError(f"sampler must be 'auto', 'metropolis' or 'wolff', got {sampler!r}.")
    entropy = _seed_entropy(random_state)
    args = (L, temps, n, burn_in, thin, sampler, entropy, n_jobs, verbose)
    if cache and isinstance(random_state, (numbers.Integral, np.integer)):
        from ._cache import cached

        fresh = []

        def compute():
            fresh.extend(_generate(*args))
            return {"bits": np.packbits(fresh[0] > 0, axis=1)}, fresh[1]

        params = {"L": L, "temperatures": temps.tolist(), "n": n, "burn_in": burn_in, "thin": thin,
                  "sampler": sampler, "seed": entropy, "code": _code_digest()}
        arrays, info = cached("ising", params, compute)
        if fresh:
            X = fresh[0]
        else:
            X = np.unpackbits(arrays["bits"], axis=1, count=L * L).view(np.int8)
            X *= 2
            X -= 1
    else:
        X, info = _generate(*args)
    T = np.repeat(temps, n)
    if not return_info:
        return X, T
    info = dict(info)
    for key in _INFO_KEYS:
        info[key] = np.asarray(info[key])
    info["temperatures"] = np.asarray(info["temperatures"])
    return X, T, info


def _code_digest():
    """Digest of the sampler's source, so that a changed sampler never reads stale cached samples."""
    h = hashlib.sha256()
    for path in (__file__, K.__file__):
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def _generate(L, temps, n, burn_in, thin, sampler, entropy, n_jobs, verbose):
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    seeds = np.random.SeedSequence(entropy).spawn(len(temps))
    jobs = [delayed(_sample_temperature)(L, float(T), n, burn_in, thin, sampler, seed)
            for T, seed in zip(temps, seeds)]
    try:  # results as they come, for the progress bar
        results = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")(jobs)
    except ValueError:  # a backend that cannot stream results (e.g. "multiprocessing")
        results = Parallel(n_jobs=n_jobs, prefer="threads")(jobs)
    X = np.empty((len(temps) * n, L * L), dtype=np.int8)
    infos = []
    bar = tqdm(results, total=len(temps), desc=f"Ising L={L}", unit="T",
               disable=not (verbose and sys.stderr.isatty()))
    for k, (Xk, info) in enumerate(bar):
        X[k * n:(k + 1) * n] = Xk
        infos.append(info)
    meta = {key: [info[key] for info in infos] for key in _INFO_KEYS}
    meta.update({"L": L, "temperatures": temps.tolist(), "n_per_temperature": n,
                 "sign_symmetrised": True, "time_unit": "sweep"})
    return X, meta
