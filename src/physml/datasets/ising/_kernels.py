r"""Monte Carlo kernels of the 2D Ising model (S26): NumPy references, then numba kernels.

The Hamiltonian is :math:`H = -J \sum_{\langle ij \rangle} s_i s_j` on an
:math:`L \times L` square lattice with periodic boundaries, :math:`J = k_B = 1`.
Flipping spin :math:`s_i` with local field :math:`h_i = \sum_{j \in nn(i)} s_j`
costs :math:`\Delta E = 2 s_i h_i \in \{-8, -4, 0, 4, 8\}`.

Two samplers, each written twice:

* **Checkerboard Metropolis.** A flip is accepted with probability
  :math:`\min(1, e^{-\beta \Delta E})`; the two sublattices (``(i + j)`` even,
  odd) are updated in turn. The NumPy reference updates a whole sublattice at
  once (its sites do not touch, so this is exact for even :math:`L`). The numba
  kernel uses *multi-spin coding*: bit ``r`` of the ``uint64`` word at site
  ``(i, j)`` is the spin of replica ``r`` (1 is :math:`+1`), so one pass of
  bitwise logic updates 64 independent lattices at once. The number
  :math:`c` of anti-aligned neighbours (:math:`\Delta E = 8 - 4c`) is counted
  with a bit-sliced adder; flips with :math:`c \ge 3` are always accepted, and
  the acceptance bits :math:`U < p` for :math:`c = 2` (:math:`p = q_0 = 7/8`, see
  :func:`metropolis_sweep_numpy`), :math:`c = 1` (:math:`p = e^{-4\beta}`)
  and :math:`c = 0` (:math:`p = e^{-8\beta}`) are drawn for all 64 replicas
  together by comparing :math:`p` with a random binary fraction digit by digit,
  most significant first, stopping once every bit is decided (about
  :math:`\log_2 64 + 2` random words per site, independent for every replica).
* **Wolff cluster update.** Grow a cluster of aligned spins from a random
  seed, adding each aligned neighbour with probability
  :math:`p_{add} = 1 - e^{-2\beta}`, and flip it (Wolff, PRL 62, 361 (1989)).
  One "sweep" of Wolff is a fixed number of clusters, :math:`L^2 / \langle |C| \rangle`
  with the mean cluster size measured during burn-in, so that a sweep flips
  about :math:`L^2` spins and times are comparable with Metropolis sweeps. (Stopping
  as soon as :math:`L^2` spins have been flipped would bias the sampled state
  towards large clusters: a stopping time must not depend on the chain.)

Random numbers inside the kernels come from SplitMix64 (Steele, Lea & Flood,
OOPSLA 2014), seeded from the caller's :class:`numpy.random.Generator`.
All kernels are ``nogil`` so that joblib threads run temperatures in parallel.
"""

from __future__ import annotations

import math

import numba
import numpy as np

# ---------------------------------------------------------------------------
# NumPy references (readable; used by the tests and the benchmark peer)
# ---------------------------------------------------------------------------


def metropolis_sweep_numpy(s, beta, rng):
    r"""One checkerboard Metropolis sweep of an ``(L, L)`` int8 lattice, in place (NumPy reference).

    Each sublattice in turn: :math:`\Delta E = 2 s_i h_i`, flip where
    :math:`u < a(\Delta E)` with :math:`u \sim U(0, 1)` and the Metropolis acceptance
    :math:`a(\Delta E) = \min(1, e^{-\beta \Delta E})`, except :math:`a(0) = q_0 = 7/8`.
    Detailed balance only asks :math:`a(\Delta E) / a(-\Delta E) = e^{-\beta \Delta E}`, so
    any :math:`a(0) > 0` is exact; :math:`a(0) = 1` would make the sweep deterministic in
    configurations where every spin has :math:`\Delta E = 0` (diagonal stripes, or the
    2 x 2 lattice), which then cycle forever - a trap that breaks ergodicity.
    Exact for even ``L`` (same-colour sites then never neighbour each other).
    """
    L = s.shape[0]
    i, j = np.indices((L, L))
    for colour in (0, 1):
        mask = (i + j) % 2 == colour
        h = np.roll(s, 1, 0) + np.roll(s, -1, 0) + np.roll(s, 1, 1) + np.roll(s, -1, 1)
        dE = 2 * s * h
        a = np.where(dE == 0, Q0, np.exp(-beta * np.maximum(dE, 0)))
        flip = mask & (rng.random((L, L)) < a)
        s[flip] *= -1
    return s


def wolff_step_numpy(s, beta, rng):
    r"""Grow and flip one Wolff cluster of an ``(L, L)`` int8 lattice, in place (reference).

    Returns the cluster size.
    """
    L = s.shape[0]
    p_add = 1.0 - math.exp(-2.0 * beta)
    i, j = rng.integers(L, size=2)
    s0 = s[i, j]
    s[i, j] = -s0
    stack = [(i, j)]
    size = 1
    while stack:
        i, j = stack.pop()
        for a, b in (((i + 1) % L, j), ((i - 1) % L, j), (i, (j + 1) % L), (i, (j - 1) % L)):
            if s[a, b] == s0 and rng.random() < p_add:
                s[a, b] = -s0
                stack.append((a, b))
                size += 1
    return size


# ---------------------------------------------------------------------------
# numba kernels
# ---------------------------------------------------------------------------

Q0 = 0.875
"""Acceptance probability of a zero-energy flip (see :func:`metropolis_sweep_numpy`)."""

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_U30 = np.uint64(30)
_U27 = np.uint64(27)
_U31 = np.uint64(31)
_U32 = np.uint64(32)
_ONE = np.uint64(1)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@numba.njit(inline="always")
def _splitmix64(x):
    """SplitMix64: returns (new state, 64 random bits)."""
    x = x + _GOLDEN
    z = (x ^ (x >> _U30)) * _MIX1
    z = (z ^ (z >> _U27)) * _MIX2
    return x, z ^ (z >> _U31)


if numba.config.DISABLE_JIT:  # pure Python (NUMBA_DISABLE_JIT=1): the uint64 wrap-around is intended
    _splitmix64_wrapping = _splitmix64

    def _splitmix64(x):
        with np.errstate(over="ignore"):
            return _splitmix64_wrapping(x)


def fixed_point(p):
    """Probability ``p`` in [0, 1) as a 64-bit binary fraction ``floor(p 2^64)``."""
    return min(int(math.ldexp(p, 64)), 2**64 - 1)


def digit_masks(p):
    """``masks[k]`` is all ones where binary digit ``k`` of ``p`` (most significant first) is 1."""
    P = fixed_point(p)
    return np.array([(2**64 - 1) if (P >> (63 - k)) & 1 else 0 for k in range(64)], dtype=np.uint64)


@numba.njit(cache=True, nogil=True)
def msc_metropolis_sweeps(S, ip, im, D0, D4, D8, rng_state, n_sweeps):
    r"""``n_sweeps`` checkerboard Metropolis sweeps of 64 replicas (multi-spin coding), in place.

    Parameters
    ----------
    S : uint64 array of shape (L, L)        # IN/OUT: bit r = spin of replica r
    ip, im : int64 arrays of shape (L,)     # IN: (i + 1) % L and (i - 1) % L
    D0, D4, D8 : uint64 arrays (64,)        # IN: digit masks of q_0, e^{-4 beta}, e^{-8 beta}
    rng_state : uint64 array of shape (1,)  # IN/OUT: SplitMix64 state
    n_sweeps : int
    """
    L = S.shape[0]
    state = rng_state[0]
    for _ in range(n_sweeps):
        for colour in range(2):
            for i in range(L):
                up = im[i]
                dn = ip[i]
                for j in range((i + colour) & 1, L, 2):
                    s = S[i, j]
                    # a_k = 1 where neighbour k is anti-aligned; c = a1 + a2 + a3 + a4, dE = 8 - 4c
                    a1 = s ^ S[up, j]
                    a2 = s ^ S[dn, j]
                    a3 = s ^ S[i, im[j]]
                    a4 = s ^ S[i, ip[j]]
                    c12 = a1 & a2
                    c34 = a3 & a4
                    s12 = a1 ^ a2
                    s34 = a3 ^ a4
                    ge3 = (c12 & (s34 | c34)) | (c34 & s12)  # dE < 0: always flip
                    eq2 = (c12 ^ c34) & ~(s12 | s34) | (s12 & s34)  # dE = 0
                    eq1 = (s12 ^ s34) & ~(c12 | c34)  # dE = 4
                    eq0 = ~(a1 | a2 | a3 | a4)  # dE = 8
                    # bitwise U < p, digits of U and p compared most significant first
                    undecided = eq2 | eq1 | eq0
                    accept = np.uint64(0)
                    k = 0
                    while undecided != 0 and k < 64:
                        state, u = _splitmix64(state)
                        pd = (eq2 & D0[k]) | (eq1 & D4[k]) | (eq0 & D8[k])
                        accept |= undecided & pd & ~u
                        undecided &= ~(u ^ pd)
                        k += 1
                    S[i, j] = s ^ (ge3 | accept)
    rng_state[0] = state


@numba.njit(cache=True, nogil=True)
def msc_measure(S, ip, n_rep, E, M):
    r"""Energy and magnetisation per spin of replicas ``0 .. n_rep - 1``.

    :math:`E/N = -\frac{1}{N}\sum_i s_i (s_{i+\hat x} + s_{i+\hat y}) = 2 n_{anti}/N - 2`,
    :math:`m = (2 n_{up} - N)/N`. ``E``, ``M``: float64 arrays of length ``n_rep`` (OUT).
    """
    L = S.shape[0]
    N = L * L
    for r in range(n_rep):
        E[r] = 0.0
        M[r] = 0.0
    for i in range(L):
        for j in range(L):
            w = S[i, j]
            x = w ^ S[i, ip[j]]
            y = w ^ S[ip[i], j]
            for r in range(n_rep):
                sh = np.uint64(r)
                M[r] += np.float64((w >> sh) & _ONE)
                E[r] += np.float64(((x >> sh) & _ONE) + ((y >> sh) & _ONE))
    for r in range(n_rep):
        E[r] = 2.0 * E[r] / N - 2.0
        M[r] = (2.0 * M[r] - N) / N


@numba.njit(cache=True, nogil=True)
def msc_unpack(S, X, row0, n_rows):
    """Write replicas ``0 .. n_rows - 1`` of ``S`` as rows ``row0 ..`` of the int8 array ``X`` (OUT)."""
    L = S.shape[0]
    for i in range(L):
        for j in range(L):
            w = S[i, j]
            col = i * L + j
            for r in range(n_rows):
                X[row0 + r, col] = np.int8(2 * np.int64((w >> np.uint64(r)) & _ONE) - 1)


@numba.njit(cache=True, nogil=True)
def msc_chain(S, ip, im, D0, D4, D8, rng_state, n_records, sweeps_per_record, n_meas, E, M, X, store):
    """Run ``n_records`` x ``sweeps_per_record`` sweeps; after each block measure and/or store.

    ``E``, ``M`` (OUT, shape (n_records, n_meas)): per-spin energy and magnetisation
    of the first ``n_meas`` replicas. If ``store``, block ``t`` writes all 64 replicas
    to rows ``64 t .. 64 t + 63`` of ``X`` (only the rows that fit).
    """
    for t in range(n_records):
        msc_metropolis_sweeps(S, ip, im, D0, D4, D8, rng_state, sweeps_per_record)
        if n_meas > 0:
            msc_measure(S, ip, n_meas, E[t], M[t])
        if store:
            row0 = 64 * t
            n_rows = min(64, X.shape[0] - row0)
            if n_rows > 0:
                msc_unpack(S, X, row0, n_rows)


@numba.njit(cache=True, nogil=True)
def wolff_cluster(s, nbr, p_add, state, stack):
    r"""Grow and flip one Wolff cluster of the flat int8 lattice ``s`` (IN/OUT), in place.

    ``nbr`` (N, 4): neighbour indices; ``p_add``: :math:`(1 - e^{-2\beta}) 2^{64}` as uint64;
    ``stack``: int64 work array of length N. Returns (state, cluster size).
    """
    N = s.shape[0]
    state, u = _splitmix64(state)
    seed = np.int64(((u >> _U32) * np.uint64(N)) >> _U32)
    s0 = s[seed]
    s[seed] = -s0
    stack[0] = seed
    top = 1
    size = 1
    while top > 0:
        top -= 1
        k = stack[top]
        for q in range(4):
            nb = nbr[k, q]
            if s[nb] == s0:
                state, u = _splitmix64(state)
                if u < p_add:
                    s[nb] = -s0
                    stack[top] = nb
                    top += 1
                    size += 1
    return state, size


@numba.njit(cache=True, nogil=True)
def wolff_clusters(s, nbr, p_add, rng_state, stack, n_clusters, min_flips):
    """Flip ``n_clusters`` Wolff clusters, then more until at least ``min_flips`` spins were flipped.

    ``rng_state``: uint64 array of shape (1,), the SplitMix64 state (IN/OUT).
    Returns (clusters, spins flipped). Stopping on the number of flipped spins biases the
    final state towards large clusters, so ``min_flips > 0`` is for burn-in only; samples
    are taken after a fixed number of clusters.
    """
    state = rng_state[0]
    clusters = 0
    flipped = 0
    while clusters < n_clusters or flipped < min_flips:
        state, size = wolff_cluster(s, nbr, p_add, state, stack)
        flipped += size
        clusters += 1
    rng_state[0] = state
    return clusters, flipped


@numba.njit(cache=True, nogil=True)
def flat_measure(s, nbr):
    """Energy and magnetisation per spin of the flat int8 lattice ``s``: (E/N, m)."""
    N = s.shape[0]
    e = 0
    m = 0
    for k in range(N):
        e -= s[k] * (s[nbr[k, 0]] + s[nbr[k, 2]])
        m += s[k]
    return e / N, m / N


@numba.njit(cache=True, nogil=True)
def wolff_chain(s, nbr, p_add, rng_state, stack, n_records, clusters_per_record, E, M, X, store):
    """Wolff analogue of :func:`msc_chain` for one lattice: ``E``, ``M`` of shape (n_records,)."""
    for t in range(n_records):
        wolff_clusters(s, nbr, p_add, rng_state, stack, clusters_per_record, 0)
        E[t], M[t] = flat_measure(s, nbr)
        if store:
            X[t, :] = s


def neighbours(L):
    """``nbr[k] = (down, up, right, left)`` flat indices of site ``k = i L + j`` (periodic)."""
    i, j = np.divmod(np.arange(L * L), L)
    return np.stack([((i + 1) % L) * L + j, ((i - 1) % L) * L + j,
                     i * L + (j + 1) % L, i * L + (j - 1) % L], axis=1).astype(np.int64)
