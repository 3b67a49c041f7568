r"""Monte Carlo sampling of the 2D Ising model (S26): chains, burn-in, thinning, the driver.

Near :math:`T_c` (:math:`0.85\,T_c \le T \le 1.15\,T_c`, i.e. Mehta et al.'s
critical region 2.0-2.5) Metropolis suffers critical slowing down and the Wolff
cluster algorithm is used; elsewhere checkerboard Metropolis with multi-spin
coding (64 independent replicas per machine word, see
:mod:`physml.datasets.ising._kernels`). See :mod:`physml.datasets.ising` for the
whole recipe (starts, pilot runs, burn-in, thinning, the Z2 sign flips).

Layers: :func:`ising_configurations` validates once and builds a frozen
:class:`_Request`; :func:`_generate` (the driver) spawns one seed per temperature and
runs :func:`_sample_temperature` for each through joblib; the chains call the numba
kernels of :mod:`._kernels`. Nothing below the public functions re-checks its input.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import numbers
import sys
from pathlib import Path

import numpy as np

from ...base import check_n_jobs, check_random_state, check_scalar, check_sizes
from .._bunch import _tuple_bunch
from . import _kernels as K
from .exact import MEHTA_TEMPERATURES, T_c, _check_T
from .observables import _autocorrelation_time

__all__ = ["ising_chain", "ising_configurations"]

_WOLFF_WINDOW = (0.85 * T_c, 1.15 * T_c)

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
    L = int(check_scalar(L, "L", numbers.Integral, min_val=2))
    T = float(_check_T(T))
    n_sweeps = int(check_scalar(n_sweeps, "n_sweeps", numbers.Integral, min_val=1))
    check_sizes([(n_sweeps,), (n_sweeps,), (L * L, 6)], what=f"ising_chain(L={L}, n_sweeps={n_sweeps})",
                hint="lower n_sweeps or L")
    if sampler not in _CHAINS:
        raise ValueError(f"sampler must be 'metropolis' or 'wolff', got {sampler!r}.")
    if start not in ("random", "ordered"):
        raise ValueError(f"start must be 'random' or 'ordered', got {start!r}.")
    chain = _CHAINS[sampler](L, T, check_random_state(random_state), start)
    E, M = chain.run(n_sweeps, 1, n_meas=1)
    return {"E": E[0], "m": M[0], "config": chain.config()}


def _tau(E, M):
    """Integrated autocorrelation times of |m| and E from (n_chains, n_records) series."""
    return _autocorrelation_time(np.abs(M), 5.0), _autocorrelation_time(E, 5.0)


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Request:
    """A checked request: what to sample (everything that determines the data, and the cache key)."""

    L: int
    temperatures: tuple  # of float
    n: int  # configurations per temperature
    burn_in: int | None
    thin: int | None
    sampler: str  # "auto", "metropolis" or "wolff"
    entropy: int | None  # SeedSequence entropy; None = fresh


@dataclasses.dataclass(frozen=True)
class _Sample:
    """Decorrelated configurations of one temperature and how they were sampled."""

    X: np.ndarray  # int8 (n, L*L)
    info: dict  # one value per key of _INFO_KEYS


_INFO_KEYS = ("sampler", "start", "burn_in", "thin", "tau_abs_m", "tau_E", "n_chains", "clusters_per_sweep")


def _sample_temperature(req, T, seed):
    """Decorrelated configurations at temperature ``T`` for the checked request ``req``."""
    L, n, burn_in, thin = req.L, req.n, req.burn_in, req.thin
    rng = np.random.default_rng(seed)
    sampler = _auto_sampler(T) if req.sampler == "auto" else req.sampler
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
    return _Sample(X, info)


def _generate(req, n_jobs, verbose):
    """The driver: every temperature of ``req`` through joblib -> (X int8 (n_T n, L*L), metadata dict)."""
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    temps = req.temperatures
    seeds = np.random.SeedSequence(req.entropy).spawn(len(temps))
    jobs = [delayed(_sample_temperature)(req, T, seed) for T, seed in zip(temps, seeds)]
    try:  # results as they come, for the progress bar
        results = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")(jobs)
    except ValueError:  # a backend that cannot stream results (e.g. "multiprocessing")
        results = Parallel(n_jobs=n_jobs, prefer="threads")(jobs)
    n = req.n
    X = np.empty((len(temps) * n, req.L * req.L), dtype=np.int8)
    infos = []
    bar = tqdm(results, total=len(temps), desc=f"Ising L={req.L}", unit="T",
               disable=not (verbose and sys.stderr.isatty()))
    for k, sample in enumerate(bar):
        X[k * n:(k + 1) * n] = sample.X
        infos.append(sample.info)
    meta = {key: [info[key] for info in infos] for key in _INFO_KEYS}
    meta.update({"L": req.L, "temperatures": list(temps), "n_per_temperature": n,
                 "sign_symmetrised": True, "time_unit": "sweep"})
    return X, meta


def _generate_packed(req, n_jobs, verbose):
    """:func:`_generate` with the spins packed to bits: the entry the cache stores."""
    X, meta = _generate(req, n_jobs, verbose)
    return {"bits": np.packbits(X > 0, axis=1)}, meta


def _check_entry(req, arrays, meta):
    """Raise ``ValueError`` unless a cached entry answers ``req``: the ``validate`` hook of the cache.

    The entry of :func:`_generate_packed` holds one array, ``bits`` (uint8, shape
    (n_temperatures * n_per_temperature, ceil(L^2 / 8))), and metadata recording the
    same L, temperatures and n_per_temperature, with one value per temperature for
    every key of ``_INFO_KEYS``.
    """
    if sorted(arrays) != ["bits"]:
        raise ValueError(f"expected the one array 'bits', found {sorted(arrays)}")
    n_T = len(req.temperatures)
    shape = (n_T * req.n, (req.L * req.L + 7) // 8)
    bits = arrays["bits"]
    if bits.dtype != np.uint8 or bits.shape != shape:
        raise ValueError(f"'bits' is {bits.dtype} {bits.shape}, the request needs uint8 {shape} "
                         f"({n_T} temperatures x {req.n} configurations, L = {req.L})")
    if not isinstance(meta, dict):
        raise ValueError(f"the metadata is a {type(meta).__name__}, not a dict")
    recorded = {"L": meta.get("L"), "n_per_temperature": meta.get("n_per_temperature"),
                "temperatures": meta.get("temperatures")}
    wanted = {"L": req.L, "n_per_temperature": req.n, "temperatures": list(req.temperatures)}
    if recorded != wanted:
        raise ValueError(f"the metadata records {recorded}, the request is {wanted}")
    for key in _INFO_KEYS:
        value = meta.get(key)
        if not isinstance(value, list) or len(value) != n_T:
            raise ValueError(f"the metadata's {key!r} is not a list of one value per temperature ({n_T})")


def _unpack_spins(bits, L):
    """Spins +-1 (int8, shape (n, L*L)) from the bits of :func:`_generate_packed`."""
    X = np.unpackbits(bits, axis=1, count=L * L).view(np.int8)
    X *= 2
    X -= 1
    return X


def _code_digest():
    """Digest of the sampler's source, so that a changed sampler never reads stale cached samples."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in ("sampling.py", "_kernels.py", "observables.py", "exact.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


def _seed_entropy(random_state):
    """An int for SeedSequence: the seed itself, or drawn from a Generator; None for fresh entropy."""
    if random_state is None:
        return None
    rng = check_random_state(random_state)  # validates ints (no bools), Generators and RandomStates
    if rng is random_state or isinstance(random_state, np.random.RandomState):
        return int(rng.integers(2**63))
    return int(random_state)


def ising_configurations(L=40, temperatures=None, n_per_temperature=10000, burn_in=None, thin=None,
                         random_state=None, cache=True, n_jobs=1, sampler="auto", verbose=False,
                         return_info=False, *, return_X_y=False):
    r"""Equilibrium configurations of the 2D Ising model (S26), decorrelated and Z2-symmetric.

    Each temperature is an independent Markov chain (Wolff near :math:`T_c`, multi-spin
    coded checkerboard Metropolis elsewhere; see :mod:`physml.datasets.ising`), run through
    joblib so ``n_jobs`` - or ``joblib.parallel_config(backend="dask")`` - spreads them.
    Seeds per temperature are spawned from ``random_state`` by
    :class:`numpy.random.SeedSequence`, so results do not depend on ``n_jobs``.

    Parameters
    ----------
    L : int >= 2, default 40
        Linear lattice size (Mehta et al. use 40).
    temperatures : array_like of real numbers > 0, default 0.25, 0.5, ..., 4.0 (Mehta et al.)
        Bools are refused (``True`` is not a temperature).
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
        Entries are keyed by every parameter, the physml version and a digest of the
        sampler's source. A hit is used only if its checksums match and its arrays and
        metadata answer the request (shape (n_temperatures * n_per_temperature, L^2)
        packed to bits, the same L, temperatures and n_per_temperature); otherwise it is
        regenerated with a :class:`~physml.exceptions.CacheWarning`.
    n_jobs : int or None, default 1
        joblib workers (threads: the kernels release the GIL); a non-zero int, -1 = all cores.
    sampler : {"auto", "metropolis", "wolff"}
        "auto": Wolff near :math:`T_c`, Metropolis elsewhere (recorded in ``info["sampler"]``).
    verbose : bool
        Progress bar over temperatures (when stderr is a terminal).
    return_info : bool
        Whether the result unpacks to ``(X, T, info)`` instead of ``(X, T)`` (see Returns).
    return_X_y : bool, default False
        Return the tuple ``(X, T, y)`` instead of a Bunch.

    Returns
    -------
    result : Bunch
        ``X`` : int8 ndarray of shape (n_temperatures * n_per_temperature, L*L), values +-1
        (row = flattened lattice, ``X[k].reshape(L, L)`` is a snapshot);
        ``y`` : int64 ndarray of shape (n,), the phase label of Mehta et al. (1 ordered,
        :math:`T < T_c`, else 0; :func:`~physml.datasets.ising_phase_labels`);
        ``T`` : float64 ndarray of shape (n,), the temperature of each row;
        ``temperatures`` (the grid), ``L``, and ``info``, the sampling metadata per temperature
        (arrays aligned with ``info["temperatures"]``): ``sampler`` ("metropolis" or "wolff"),
        ``burn_in`` and ``thin`` (in sweeps), ``tau_abs_m`` and ``tau_E`` (integrated
        autocorrelation times of |m| and E in sweeps, measured on a pilot run), ``n_chains``
        (64 Metropolis replicas or 1 Wolff chain), ``start``, ``clusters_per_sweep`` (Wolff;
        0 for Metropolis).
        For the callers written before the Bunch, the result still unpacks (and indexes,
        ``res[0]``) as the old tuple: ``X, T = ising_configurations(...)``, or
        ``X, T, info = ising_configurations(..., return_info=True)``.
    (X, T, y) : tuple, when ``return_X_y``

    Raises
    ------
    ValueError
        For bad arguments (naming them), and before allocating anything when the samples
        would need more than :data:`physml.base.MAX_BYTES` ("needs 596 GiB; ...").

    Examples
    --------
    >>> res = ising_configurations(L=16, temperatures=[1.0, 3.0], n_per_temperature=50, random_state=0,
    ...                            cache=False)
    >>> res.X.shape, np.unique(res.T).tolist(), res.y[[0, -1]].tolist()
    ((100, 256), [1.0, 3.0], [1, 0])
    """
    L = int(check_scalar(L, "L", numbers.Integral, min_val=2))
    temps = MEHTA_TEMPERATURES if temperatures is None else temperatures
    temps = np.atleast_1d(_check_T(temps, "temperatures"))
    if temps.ndim != 1 or temps.size == 0:
        raise ValueError(f"temperatures must be a non-empty 1D list of floats, got shape {temps.shape}.")
    n = int(check_scalar(n_per_temperature, "n_per_temperature", numbers.Integral, min_val=1))
    if burn_in is not None:
        burn_in = int(check_scalar(burn_in, "burn_in", numbers.Integral, min_val=0))
    if thin is not None:
        thin = int(check_scalar(thin, "thin", numbers.Integral, min_val=1))
    if sampler not in ("auto", "metropolis", "wolff"):
        raise ValueError(f"sampler must be 'auto', 'metropolis' or 'wolff', got {sampler!r}.")
    n_jobs = check_n_jobs(n_jobs)
    n_rows = temps.size * n
    check_sizes([(n_rows, L * L), (n_rows, (L * L + 7) // 8), (n_rows,), (n_rows,), (L * L, 6)],
                itemsize=[1, 1, 8, 8, 8],
                what=f"ising_configurations(L={L}, n_per_temperature={n}) at {temps.size} temperatures",
                hint="lower n_per_temperature, L or the number of temperatures")
    req = _Request(L=L, temperatures=tuple(float(t) for t in temps), n=n, burn_in=burn_in, thin=thin,
                   sampler=sampler, entropy=_seed_entropy(random_state))
    if cache and isinstance(random_state, (numbers.Integral, np.integer)):
        from .._cache import cached

        params = {"L": L, "temperatures": list(req.temperatures), "n": n, "burn_in": burn_in, "thin": thin,
                  "sampler": sampler, "seed": req.entropy, "code": _code_digest()}
        arrays, meta = cached("ising", params, functools.partial(_generate_packed, req, n_jobs, verbose),
                              validate=functools.partial(_check_entry, req))
        X = _unpack_spins(arrays["bits"], L)
    else:
        X, meta = _generate(req, n_jobs, verbose)
    T = np.repeat(temps, n)
    y = np.repeat((temps < T_c).astype(np.int64), n)  # ising_phase_labels, on checked temperatures
    if return_X_y:
        return X, T, y
    info = dict(meta)
    for key in _INFO_KEYS:
        info[key] = np.asarray(info[key])
    info["temperatures"] = np.asarray(info["temperatures"])
    return _tuple_bunch(("X", "T", "info") if return_info else ("X", "T"),
                        X=X, y=y, T=T, temperatures=temps, L=L, info=info)
