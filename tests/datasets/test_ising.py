"""Tests of the 2D Ising model (S26): exact results, kernels vs references and Boltzmann, data set fairness."""

import math
import warnings

import numba
import numpy as np
import pytest
from scipy import integrate, stats

from physml.datasets import _cache
from physml.datasets.ising import _kernels as K
from physml.datasets.ising import sampling
from physml.datasets.ising import (
    T_c,
    autocorrelation_time,
    energy,
    exact_enumeration,
    ising_chain,
    ising_configurations,
    ising_phase,
    ising_phase_labels,
    magnetisation,
    onsager_energy,
    onsager_magnetisation,
)


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_CACHE", str(tmp_path / "cache"))


# ---------------------------------------------------------------------------
# Exact results
# ---------------------------------------------------------------------------


def test_T_c_is_where_sinh_2beta_is_one():
    assert T_c == pytest.approx(2.269185314213022, rel=1e-14)
    assert math.sinh(2 / T_c) == pytest.approx(1.0, rel=1e-14)


@pytest.mark.parametrize("T", [1.0, 1.5, 2.0, 3.0, 3.5])
def test_onsager_energy_is_the_beta_derivative_of_the_free_energy_integral(T):
    # -beta f = ln 2 + 1/(8 pi^2) int int ln[cosh^2(2b) - sinh(2b)(cos t1 + cos t2)], u = d(beta f)/d beta
    b = 1.0 / T

    def dlog(t1, t2):
        c = math.cos(t1) + math.cos(t2)
        A = math.cosh(2 * b) ** 2 - math.sinh(2 * b) * c
        return (4 * math.cosh(2 * b) * math.sinh(2 * b) - 2 * math.cosh(2 * b) * c) / A

    integral, _ = integrate.dblquad(dlog, 0, math.pi, 0, math.pi, epsabs=1e-11, epsrel=1e-11)
    u = -4 * integral / (8 * math.pi**2)
    assert onsager_energy(T) == pytest.approx(u, abs=1e-8)


def test_onsager_energy_limits_and_vectorisation():
    assert onsager_energy(T_c) == pytest.approx(-math.sqrt(2), abs=1e-12)
    assert onsager_energy(0.05) == pytest.approx(-2.0, abs=1e-12)
    assert onsager_energy(1000.0) == pytest.approx(-2 * math.tanh(1e-3), rel=1e-5)  # high-T: -2 tanh(beta)
    T = np.array([1.0, T_c, 3.0])
    assert np.allclose(onsager_energy(T), [onsager_energy(t) for t in T])


def test_onsager_magnetisation_matches_yang_in_tanh_form():
    # sinh(2b) = 2t/(1 - t^2), t = tanh(b): m = [1 - (1 - t^2)^4 / (16 t^4)]^(1/8)
    T = np.array([0.5, 1.0, 1.5, 2.0, 2.2, 2.26])
    t = np.tanh(1 / T)
    assert np.allclose(onsager_magnetisation(T), (1 - (1 - t**2) ** 4 / (16 * t**4)) ** 0.125, rtol=1e-12)
    assert np.all(onsager_magnetisation([T_c, 2.3, 3.5, 100.0]) == 0.0)
    assert onsager_magnetisation(0.01) == 1.0


def test_phases_and_labels_follow_mehta():
    T = np.arange(0.25, 4.01, 0.25)
    phase = ising_phase(T)
    assert list(phase[T < 2.0]) == ["ordered"] * 7
    assert list(phase[(T >= 2.0) & (T <= 2.5)]) == ["critical"] * 3
    assert set(phase[T > 2.5]) == {"disordered"}
    assert list(ising_phase_labels(T)) == [1] * 9 + [0] * 7  # 2.0 and 2.25 are ordered, 2.5 is not
    assert ising_phase(2.25) == "critical" and ising_phase_labels(2.25) == 1


@pytest.mark.parametrize("bad", [0.0, -1.0, np.inf, np.nan, [1.0, 0.0], [2.0, np.nan]])
def test_exact_results_reject_bad_temperatures(bad):
    for f in (onsager_energy, onsager_magnetisation, ising_phase, ising_phase_labels):
        with pytest.raises(ValueError, match="^T must be"):
            f(bad)


@pytest.mark.parametrize("bad", [True, np.bool_(True), [2.0, True], np.array([True, False]), 1j, [1.0, 2j],
                                 "2.0", np.array(["2.0"]), np.array([1], dtype="timedelta64[s]")])
def test_temperatures_must_be_real_numbers_not_bools(bad):
    # issue 9 item 6: True is not a temperature (it used to be read as T = 1)
    for f in (onsager_energy, ising_phase_labels):
        with pytest.raises(TypeError, match="^T must be"):
            f(bad)
    with pytest.raises(TypeError, match="^temperatures must be"):
        ising_configurations(L=4, temperatures=bad, n_per_temperature=2, cache=False)


# ---------------------------------------------------------------------------
# Observables and exact enumeration
# ---------------------------------------------------------------------------


def _energy_by_bonds(s):
    L = s.shape[0]
    return -sum(s[i, j] * (s[(i + 1) % L, j] + s[i, (j + 1) % L]) for i in range(L) for j in range(L)) / L**2


def test_energy_and_magnetisation_of_known_states(rng):
    L = 6
    up = np.ones((L, L), dtype=np.int8)
    neel = np.where(np.add.outer(np.arange(L), np.arange(L)) % 2 == 0, 1, -1).astype(np.int8)
    assert energy(up) == -2.0 and energy(-up) == -2.0 and energy(neel) == 2.0
    assert magnetisation(up) == 1.0 and magnetisation(neel) == 0.0
    X = rng.choice(np.array([-1, 1], np.int8), size=(5, L * L))
    e = energy(X)
    assert np.allclose(e, [_energy_by_bonds(x.reshape(L, L)) for x in X])
    assert np.allclose(energy(X.reshape(5, L, L)), e)
    assert np.allclose(energy(X.astype(float), L=L), e)
    assert np.allclose(magnetisation(X), X.mean(axis=1))
    with pytest.raises(ValueError, match="not L\\*L"):
        energy(X, L=5)
    with pytest.raises(TypeError, match="X must hold numbers"):
        energy(np.array([["a", "b"]]))


def _transfer_matrix_energy(L, T, h=1e-5):
    # Z = Tr M^L with M[a, b] = exp(-beta [E_row(a) + E_bond(a, b)]), <E>/N = -dlnZ/dbeta / L^2
    rows = 2 * ((np.arange(2**L)[:, None] >> np.arange(L)) & 1) - 1
    e_row = -(rows * np.roll(rows, -1, axis=1)).sum(1)
    e_bond = -rows @ rows.T

    def lnZ(b):
        M = np.exp(-b * (e_row[:, None] + e_bond))
        return math.log(np.trace(np.linalg.matrix_power(M, L)))

    b = 1 / T
    return -(lnZ(b + h) - lnZ(b - h)) / (2 * h) / L**2


@pytest.mark.parametrize("L,T", [(2, 1.0), (3, 2.0), (4, 2.5), (4, 1.5)])
def test_exact_enumeration_matches_transfer_matrix(L, T):
    ex = exact_enumeration(L, T)
    assert ex["E"] == pytest.approx(_transfer_matrix_energy(L, T), abs=1e-7)
    assert ex["probabilities"].sum() == pytest.approx(1.0)
    assert 0 < ex["m2"] ** 2 <= ex["m4"] <= ex["m2"] and ex["abs_m"] ** 2 <= ex["m2"]


def test_exact_enumeration_rejects_large_lattices():
    with pytest.raises(ValueError, match="L"):
        exact_enumeration(5, 2.0)


# ---------------------------------------------------------------------------
# Kernels: Boltzmann distribution (detailed balance) and exact 4x4 averages
# ---------------------------------------------------------------------------


def _state_index(X):
    return ((X > 0) * (1 << np.arange(X.shape[1]))).sum(axis=1)


def _chi2_pvalue(idx, p):
    counts = np.bincount(idx, minlength=p.size)
    expected = p * idx.size
    small = expected < 5  # pooled into one bin
    obs, exp = counts[~small], expected[~small]
    if small.any():
        obs, exp = np.append(obs, counts[small].sum()), np.append(exp, expected[small].sum())
    return stats.chisquare(obs, exp).pvalue


@pytest.mark.parametrize("L", [2, 3])
@pytest.mark.parametrize("sampler", ["metropolis", "wolff"])
def test_kernel_samples_boltzmann_distribution_on_small_lattices(sampler, L):
    # L = 2 has configurations where every flip costs zero energy: accepting those with probability 1
    # would cycle deterministically; Wolff sweeps that stop on a flip count would favour large clusters
    T = 2.5
    chain = sampling._CHAINS[sampler](L, T, np.random.default_rng(1), "random")
    chain.run(20, 1)
    n = 60_000
    X = np.empty((n, L * L), dtype=np.int8)
    chain.run(math.ceil(n / chain.n_chains), 2, X=X)
    assert _chi2_pvalue(_state_index(X), exact_enumeration(L, T)["probabilities"]) > 1e-4


def test_numpy_references_sample_boltzmann_distribution():
    rng = np.random.default_rng(2)
    # Metropolis reference (exact for even L) on 2x2, Wolff reference on 3x3
    s = np.ones((2, 2), dtype=np.int8)
    idx = []
    for _ in range(8000):
        K.metropolis_sweep_numpy(s, 1 / 2.0, rng)
        idx.append(_state_index(s.reshape(1, -1))[0])
    assert _chi2_pvalue(np.array(idx), exact_enumeration(2, 2.0)["probabilities"]) > 1e-4
    s = np.ones((3, 3), dtype=np.int8)
    idx = []
    for _ in range(8000):
        K.wolff_step_numpy(s, 1 / 2.5, rng)
        idx.append(_state_index(s.reshape(1, -1))[0])
    assert _chi2_pvalue(np.array(idx), exact_enumeration(3, 2.5)["probabilities"]) > 1e-4


def _mean_and_error(E):
    E = np.atleast_2d(E)
    tau = autocorrelation_time(E)
    return E.mean(), E.std() * math.sqrt(2 * tau / E.size)


def test_kernels_and_references_reproduce_exact_4x4_energy():
    L, T = 4, 2.5
    exact = exact_enumeration(L, T)["E"]
    E_metro = sampling._MetropolisChain(L, T, np.random.default_rng(3), "random").run(20_000, 1, n_meas=64)[0]
    E_wolff = sampling._WolffChain(L, T, np.random.default_rng(4), "random").run(400_000, 1)[0]
    rng = np.random.default_rng(5)
    s = np.ones((L, L), dtype=np.int8)
    E_ref = np.empty(5000)
    for t in range(E_ref.size):
        K.metropolis_sweep_numpy(s, 1 / T, rng)
        E_ref[t] = energy(s)
    results = {}
    for name, E in [("metropolis", E_metro[:, 100:]), ("wolff", E_wolff[:, 100:]), ("reference", E_ref[100:])]:
        mean, err = _mean_and_error(E)
        results[name] = (mean, err)
        assert abs(mean - exact) < 4 * err, (name, mean, err, exact)
    # the kernels are precise enough to resolve <E> to 1e-3
    assert results["metropolis"][1] < 1e-3 and results["wolff"][1] < 1.5e-3
    # kernel and NumPy reference agree within their combined error
    (m1, e1), (m2, e2) = results["metropolis"], results["reference"]
    assert abs(m1 - m2) < 4 * math.hypot(e1, e2)


def test_ising_configurations_4x4_energy_matches_enumeration():
    X, _ = ising_configurations(L=4, temperatures=[2.5], n_per_temperature=100_000, random_state=0)
    e = energy(X)
    exact = exact_enumeration(4, 2.5)
    err = e.std() / math.sqrt(e.size)  # rows are decorrelated (thin = 2 tau)
    assert abs(e.mean() - exact["E"]) < 4 * err
    assert abs(np.abs(magnetisation(X)).mean() - exact["abs_m"]) < 0.01


def _run_kernels(K_sweeps, K_clusters, L, seed):
    rng = np.random.default_rng(seed)
    S = sampling._random_u64(rng, (L, L))
    ip, im = (np.arange(L) + 1) % L, (np.arange(L) - 1) % L
    D = [K.digit_masks(p) for p in (K.Q0, math.exp(-4 / 2.3), math.exp(-8 / 2.3))]
    state = np.array([42], np.uint64)
    K_sweeps(S, ip, im, *D, state, 3)
    s = rng.choice(np.array([-1, 1], np.int8), L * L)
    nbr, p_add = K.neighbours(L), np.uint64(K.fixed_point(1 - math.exp(-2 / 2.3)))
    state2 = np.array([43], np.uint64)
    sizes = K_clusters(s, nbr, p_add, state2, np.empty(L * L, np.int64), 5, 0)
    return S, state, s, state2, sizes


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="NUMBA_DISABLE_JIT=1: there is no compiled kernel to compare")
def test_compiled_kernels_match_their_python_source_bit_for_bit(monkeypatch):
    # numba's .py_func is the same algorithm run by the Python interpreter (as under NUMBA_DISABLE_JIT=1)
    compiled = _run_kernels(K.msc_metropolis_sweeps, K.wolff_clusters, 5, 0)
    splitmix64_python = K._splitmix64.py_func

    def splitmix64(x):
        with np.errstate(over="ignore"):
            return splitmix64_python(np.uint64(x))

    monkeypatch.setattr(K, "_splitmix64", splitmix64)
    monkeypatch.setattr(K, "wolff_cluster", K.wolff_cluster.py_func)
    python = _run_kernels(K.msc_metropolis_sweeps.py_func, K.wolff_clusters.py_func, 5, 0)
    for a, b in zip(compiled, python):
        assert np.array_equal(np.asarray(a), np.asarray(b))


def test_multispin_measure_and_unpack_agree_with_numpy_observables(rng):
    L = 6
    S = sampling._random_u64(rng, (L, L))
    E, M = np.zeros(64), np.zeros(64)
    K.msc_measure(S, (np.arange(L) + 1) % L, 64, E, M)
    X = np.empty((64, L * L), np.int8)
    K.msc_unpack(S, X, 0, 64)
    assert np.array_equal(X[5], 2 * ((S.ravel() >> np.uint64(5)) & np.uint64(1)).astype(np.int8) - 1)
    assert np.allclose(E, energy(X)) and np.allclose(M, magnetisation(X))


def test_digit_masks_encode_probability():
    for p in (0.0, 0.3, math.exp(-8 / 0.25), 0.999):
        D = K.digit_masks(p)
        bits = (D != 0).astype(float)
        assert abs(bits @ 2.0 ** -np.arange(1, 65) - p) < 1e-15


# ---------------------------------------------------------------------------
# Time series
# ---------------------------------------------------------------------------


def test_autocorrelation_time_of_ar1_process():
    rng = np.random.default_rng(0)
    phi, n = 0.8, 200_000
    eps = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = eps[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + eps[t]
    assert autocorrelation_time(x) == pytest.approx((1 + phi) / (2 * (1 - phi)), rel=0.1)
    assert autocorrelation_time(rng.standard_normal((4, 10_000))) == pytest.approx(0.5, abs=0.05)
    assert autocorrelation_time(np.ones(100)) == 0.5
    with pytest.raises(ValueError, match="series"):
        autocorrelation_time([1.0, 2.0])
    with pytest.raises(ValueError, match="series"):
        autocorrelation_time(np.zeros((0, 10)))  # no chain at all (was a numpy reduction error)
    with pytest.raises(ValueError, match="c must"):
        autocorrelation_time(x[:100], c=np.nan)  # NaN window constant silently gave tau = 0


def test_wolff_decorrelates_much_faster_than_metropolis_at_T_c():
    L = 32
    metro = ising_chain(L, T_c, 20_000, sampler="metropolis", start="ordered", random_state=0)
    wolff = ising_chain(L, T_c, 3_000, sampler="wolff", start="ordered", random_state=0)
    tau_metro = autocorrelation_time(np.abs(metro["m"][1000:]))
    tau_wolff = autocorrelation_time(np.abs(wolff["m"][100:]))
    assert tau_metro > 10 * tau_wolff
    assert wolff["config"].shape == (L, L) and metro["E"].shape == (20_000,)
    assert energy(wolff["config"]) == pytest.approx(wolff["E"][-1])


# ---------------------------------------------------------------------------
# ising_configurations: API, fairness, oracles
# ---------------------------------------------------------------------------


def test_ising_configurations_shapes_reproducibility_and_info():
    kw = dict(L=16, temperatures=[1.0, 2.25, 3.0], n_per_temperature=70, random_state=7, cache=False)
    X, T, info = ising_configurations(**kw, return_info=True)
    assert X.shape == (210, 256) and X.dtype == np.int8 and set(np.unique(X)) == {-1, 1}
    assert np.array_equal(T, np.repeat([1.0, 2.25, 3.0], 70))
    assert list(info["sampler"]) == ["metropolis", "wolff", "metropolis"]
    assert list(info["start"]) == ["ordered", "ordered", "random"]
    assert np.all(info["thin"] == np.maximum(1, np.ceil(2 * np.maximum(info["tau_abs_m"], info["tau_E"]))))
    assert np.all(info["burn_in"] >= 10 * np.maximum(info["tau_abs_m"], info["tau_E"]))
    X2, _ = ising_configurations(**kw, n_jobs=2)
    assert np.array_equal(X, X2)  # independent of n_jobs
    X3, _ = ising_configurations(**dict(kw, random_state=8))
    assert not np.array_equal(X, X3)
    X4, _, info4 = ising_configurations(**kw, burn_in=50, thin=3, sampler="wolff", return_info=True)
    assert X4.shape == X.shape and list(info4["burn_in"]) == [50] * 3 and list(info4["thin"]) == [3] * 3
    assert np.all(np.isfinite(info4["tau_abs_m"]))
    _, _, info5 = ising_configurations(**kw, burn_in=0, sampler="metropolis", return_info=True)
    assert list(info5["burn_in"]) == [256] * 3 and np.all(info5["thin"] >= 1)


@pytest.mark.parametrize("kwargs,match", [
    (dict(L=1), "L"), (dict(L=4.5), "L"), (dict(temperatures=[1.0, -2.0]), "temperatures"),
    (dict(temperatures=[]), "temperatures"), (dict(n_per_temperature=0), "n_per_temperature"),
    (dict(temperatures="2.0:3.0"), "temperatures"), (dict(temperatures=[1.0, None]), "temperatures"),
    (dict(burn_in=-1), "burn_in"), (dict(thin=0), "thin"), (dict(sampler="glauber"), "sampler"),
    (dict(random_state="x"), "random_state"),
])
def test_ising_configurations_rejects_bad_input(kwargs, match):
    args = dict(L=8, temperatures=[2.0], n_per_temperature=5, cache=False)
    with pytest.raises((ValueError, TypeError), match=match):
        ising_configurations(**{**args, **kwargs})


def test_low_temperature_chains_are_ordered():
    # a Metropolis chain from random spins would freeze into stripes (|m| ~ 0.2 at T = 0.25)
    X, T = ising_configurations(L=40, temperatures=[0.25, 0.5, 0.75, 1.0], n_per_temperature=300,
                                random_state=0)
    for t in (0.25, 0.5, 0.75, 1.0):
        assert np.abs(magnetisation(X[T == t])).mean() > 0.99


def test_both_signs_of_m_appear_equally_often_in_the_ordered_phase():
    X, T = ising_configurations(L=40, temperatures=[1.5, 2.0], n_per_temperature=2000, random_state=1)
    for t in (1.5, 2.0):
        m = magnetisation(X[T == t])
        assert np.all(np.abs(m) > 0.5)
        assert abs((m > 0).mean() - 0.5) < 0.05


def test_energy_and_magnetisation_match_onsager_and_yang_at_L40():
    X, T = ising_configurations(L=40, temperatures=[1.5, 3.5], n_per_temperature=2000, random_state=2)
    for t in (1.5, 3.5):
        assert abs(energy(X[T == t]).mean() - onsager_energy(t)) < 0.01
    assert abs(np.abs(magnetisation(X[T == 1.5])).mean() - onsager_magnetisation(1.5)) < 0.01
    # At T = 3.5 the infinite lattice has m = 0, but L = 40 has <|m|> ~ 0.05: m is Gaussian with
    # <m^2> = chi T / N, so <|m|> = sqrt(2 chi T / (pi N)). chi T from the high-temperature series
    # 1 + 4v + 12v^2 + ... (v = tanh(1/T); 14 terms plus a geometric tail) is 6.12 at T = 3.5.
    c = [1, 4, 12, 36, 100, 276, 740, 1972, 5172, 13492, 34876, 89764, 229628, 585508]
    v = math.tanh(1 / 3.5)
    chiT = sum(ci * v**i for i, ci in enumerate(c)) + c[-1] * v ** 13 * (2.5 * v) / (1 - 2.5 * v)
    m = magnetisation(X[T == 3.5])
    assert abs(np.abs(m).mean() - math.sqrt(2 * chiT / (math.pi * 1600))) < 0.005
    assert 1600 * (m**2).mean() == pytest.approx(chiT, rel=0.1)


def test_binder_cumulants_cross_near_T_c():
    # U_L = 1 - <m^4> / (3 <m^2>^2) is size independent at T_c: curves for L = 8, 16, 32 cross there
    Ts = np.array([2.22, 2.32])
    U = {}
    for L in (8, 16, 32):
        X, _ = ising_configurations(L=L, temperatures=Ts, n_per_temperature=10_000, random_state=L)
        m = magnetisation(X).reshape(len(Ts), -1)
        U[L] = 1 - (m**4).mean(1) / (3 * (m**2).mean(1) ** 2)
    for a, b in ((8, 16), (16, 32), (8, 32)):
        d = U[a] - U[b]
        assert d[0] < 0 < d[1]  # small lattice below at low T, above at high T
        T_cross = Ts[0] - d[0] * (Ts[1] - Ts[0]) / (d[1] - d[0])
        assert abs(T_cross / T_c - 1) < 0.02


# ---------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------


def test_cache_is_written_read_back_and_regenerated_when_corrupt(tmp_path, monkeypatch):
    kw = dict(L=8, temperatures=[1.0, 3.0], n_per_temperature=20, random_state=3, return_info=True)
    X, T, info = ising_configurations(**kw)
    files = list((tmp_path / "cache").glob("ising-*.npz"))
    assert len(files) == 1

    def fail(*args, **kwargs):
        raise AssertionError("cache miss")

    monkeypatch.setattr(sampling, "_generate", fail)
    X2, T2, info2 = ising_configurations(**kw)
    assert np.array_equal(X, X2) and np.array_equal(T, T2)
    assert list(info2["sampler"]) == list(info["sampler"]) and np.array_equal(info2["thin"], info["thin"])
    monkeypatch.undo()
    monkeypatch.setenv("PHYSML_CACHE", str(tmp_path / "cache"))
    raw = bytearray(files[0].read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    files[0].write_bytes(bytes(raw))
    with pytest.warns(_cache.CacheWarning, match="corrupt"):
        X3, _, _ = ising_configurations(**kw)
    assert np.array_equal(X, X3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ising_configurations(**kw)  # regenerated file is valid


def _drop_last_row(arrays, meta):
    return {"bits": arrays["bits"][:-1]}, meta


def _rename_bits(arrays, meta):
    return {"spins": arrays["bits"]}, meta


def _extra_array(arrays, meta):
    return {**arrays, "extra": np.zeros(3)}, meta


def _other_L(arrays, meta):
    return arrays, {**meta, "L": 16}


def _other_temperatures(arrays, meta):
    return arrays, {**meta, "temperatures": [1.0, 3.5]}


def _short_info(arrays, meta):
    return arrays, {**meta, "tau_E": meta["tau_E"][:1]}


@pytest.mark.parametrize("tamper,reason", [
    (_drop_last_row, r"'bits' is uint8 \(39, 8\), the request needs uint8 \(40, 8\)"),
    (_rename_bits, "expected the one array 'bits'"),
    (_extra_array, "expected the one array 'bits'"),
    (_other_L, "the metadata records"),
    (_other_temperatures, "the metadata records"),
    (_short_info, "'tau_E' is not a list of one value per temperature"),
])
def test_a_cache_hit_that_does_not_answer_the_request_is_regenerated(tmp_path, tamper, reason):
    # issue 9 item 6: an entry with valid checksums but arrays or metadata that disagree with the request
    from physml._files import read_npz

    kw = dict(L=8, temperatures=[1.0, 3.0], n_per_temperature=20, random_state=3, return_info=True)
    X, T, info = ising_configurations(**kw)
    (path,) = (tmp_path / "cache").glob("ising-*.npz")
    arrays, stored = read_npz(path)
    _cache.save(path, *tamper(arrays, stored["meta"]))  # rewritten with its own, valid, checksums
    with pytest.warns(_cache.CacheWarning, match=reason):
        X2, T2, info2 = ising_configurations(**kw)
    assert np.array_equal(X2, X) and np.array_equal(T2, T) and np.array_equal(info2["tau_E"], info["tau_E"])
    assert X2.shape == (40, 64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.array_equal(ising_configurations(**kw)[0], X)  # the regenerated entry answers the request


def test_cache_not_used_without_an_int_seed(tmp_path):
    ising_configurations(L=8, temperatures=[2.0], n_per_temperature=5)
    ising_configurations(L=8, temperatures=[2.0], n_per_temperature=5, random_state=np.random.default_rng(0))
    ising_configurations(L=8, temperatures=[2.0], n_per_temperature=5, random_state=0, cache=False)
    assert not (tmp_path / "cache").exists()


def test_cache_dir_honours_environment(tmp_path, monkeypatch):
    assert _cache.cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("PHYSML_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _cache.cache_dir() == tmp_path / "xdg" / "physml"


def test_square_arrays_are_one_lattice_unless_L_says_otherwise(rng):
    s = rng.choice(np.array([-1, 1], np.int8), size=(16, 16))
    assert energy(s) == pytest.approx(_energy_by_bonds(s))
    assert np.allclose(energy(s, L=4), [_energy_by_bonds(row.reshape(4, 4)) for row in s])
    assert magnetisation(s) == pytest.approx(s.mean())


def test_results_do_not_depend_on_the_joblib_backend():
    joblib = pytest.importorskip("joblib")
    kw = dict(L=8, temperatures=[1.0, 3.0], n_per_temperature=10, random_state=0, cache=False)
    X, _ = ising_configurations(**kw)
    for backend in ("multiprocessing", "loky"):  # processes; multiprocessing cannot stream results
        with joblib.parallel_config(backend=backend):
            assert np.array_equal(ising_configurations(**kw, n_jobs=2)[0], X)


def test_burn_in_and_thinning_are_really_applied(monkeypatch):
    # count the sweeps each chain actually runs before its first stored sample and between samples
    runs = []
    original = sampling._MetropolisChain.run

    def run(self, n_records, sweeps_per_record, n_meas=0, X=None):
        runs.append((n_records * sweeps_per_record, sweeps_per_record, X is not None))
        return original(self, n_records, sweeps_per_record, n_meas, X)

    monkeypatch.setattr(sampling._MetropolisChain, "run", run)
    kw = dict(L=16, temperatures=[2.75], n_per_temperature=4096, random_state=1, cache=False, return_info=True)
    X, T, info = ising_configurations(**kw)
    (stored,) = [r for r in runs if r[2]]
    assert sum(r[0] for r in runs[:runs.index(stored)]) == info["burn_in"][0]
    assert stored[1] == info["thin"][0] == math.ceil(2 * max(info["tau_abs_m"][0], info["tau_E"][0])) > 1
    # rows 64 t + r come from replica r, thin sweeps apart: the stored series of each replica is decorrelated
    tau = autocorrelation_time(np.abs(magnetisation(X)).reshape(-1, 64).T)
    assert tau < 0.8
    # ... which it is not without thinning (tau_int of |m| at T = 2.75 is several sweeps)
    X1, _ = ising_configurations(**dict(kw, thin=1, return_info=False))
    assert autocorrelation_time(np.abs(magnetisation(X1)).reshape(-1, 64).T) > 2 * tau + 0.5


def test_cache_key_covers_every_parameter_and_the_version(tmp_path, monkeypatch):
    import physml

    base = dict(L=4, temperatures=[1.0, 3.0], n_per_temperature=8, burn_in=20, thin=2, sampler="metropolis",
                random_state=0)
    variants = [{}, dict(L=6), dict(temperatures=[1.0, 3.5]), dict(n_per_temperature=9), dict(burn_in=21),
                dict(thin=3), dict(sampler="wolff"), dict(random_state=1), dict(burn_in=None), dict(thin=None)]
    for v in variants:
        ising_configurations(**{**base, **v})
    folder = tmp_path / "cache"
    assert len(list(folder.glob("ising-*.npz"))) == len(variants)
    ising_configurations(**base, n_jobs=2)  # n_jobs does not change the data: same entry
    assert len(list(folder.glob("ising-*.npz"))) == len(variants)
    monkeypatch.setattr(physml, "__version__", physml.__version__ + ".post1")
    ising_configurations(**base)
    assert len(list(folder.glob("ising-*.npz"))) == len(variants) + 1


def test_unwritable_cache_warns_and_still_returns_the_data(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PHYSML_CACHE", str(blocker / "cache"))  # cannot be created
    kw = dict(L=4, temperatures=[1.0, 3.0], n_per_temperature=8, random_state=0)
    with pytest.warns(_cache.CacheWarning, match="could not write"):
        X, T = ising_configurations(**kw)
    X_ref, T_ref = ising_configurations(**kw, cache=False)
    assert np.array_equal(X, X_ref) and np.array_equal(T, T_ref)


def test_positional_arguments_keep_their_meaning():
    # issue 5's order L, temperatures, n_per_temperature, burn_in, thin, random_state, cache, n_jobs
    a = ising_configurations(8, [1.0, 3.0], 6, 20, 2, 5, False, 1)
    b = ising_configurations(L=8, temperatures=[1.0, 3.0], n_per_temperature=6, burn_in=20, thin=2, random_state=5,
                             cache=False, n_jobs=1)
    assert np.array_equal(a.X, b.X) and list(a.info["burn_in"]) == [20, 20] and list(a.info["thin"]) == [2, 2]


def test_result_is_a_bunch_with_phase_labels_and_unpacks_as_before():
    kw = dict(L=8, temperatures=[1.0, 2.25, 3.0], n_per_temperature=10, random_state=2, cache=False)
    res = ising_configurations(**kw)
    assert res.X.shape == (30, 64) and np.array_equal(res.T, np.repeat([1.0, 2.25, 3.0], 10))
    assert np.array_equal(res.y, (res.T < T_c).astype(int)) and res.y.dtype == np.int64  # 2.25 < T_c: ordered
    assert np.array_equal(res.y, ising_phase_labels(res.T))
    X, T = res  # the tuple of before the Bunch
    assert X is res.X and T is res.T and res[0] is res.X and res[-1] is res.T
    X2, T2, info = ising_configurations(**kw, return_info=True)
    assert np.array_equal(X2, X) and list(info["sampler"]) == list(res.info["sampler"])
    X3, T3, y3 = ising_configurations(**kw, return_X_y=True)
    assert np.array_equal(X3, X) and np.array_equal(T3, T) and np.array_equal(y3, res.y)


def test_cached_result_is_the_fresh_result():
    kw = dict(L=8, temperatures=[1.5, 2.5], n_per_temperature=20, random_state=4)
    fresh = ising_configurations(**kw)  # computed, written
    again = ising_configurations(**kw)  # read back
    ref = ising_configurations(**kw, cache=False)
    assert np.array_equal(fresh.X, ref.X) and np.array_equal(again.X, ref.X) and again.X.dtype == np.int8
    assert np.array_equal(again.info["tau_E"], ref.info["tau_E"])


@pytest.mark.parametrize("kwargs,figure", [
    (dict(L=40, n_per_temperature=10**9), "needs 1.65 TiB"),
    (dict(L=10**6, n_per_temperature=1), "needs"),
])
def test_requests_that_cannot_fit_are_refused_before_allocating(kwargs, figure):
    # issue 9 item 5: 1e9 x (1600 int8 spins + 200 packed bytes + T and y in float64/int64) = 1.8e12 B: refused
    with pytest.raises(ValueError, match=figure):
        ising_configurations(**kwargs, temperatures=[1.0], cache=False)
    with pytest.raises(ValueError, match="ising_chain.*needs"):
        ising_chain(8, 2.0, 10**12)


@pytest.mark.parametrize("n_jobs", [0, 1.5, True, "2", float("inf"), float("-inf"), float("nan"), 1e300])
def test_n_jobs_must_be_a_non_zero_integer(n_jobs):
    with pytest.raises((ValueError, TypeError), match="n_jobs"):
        ising_configurations(L=4, temperatures=[2.0], n_per_temperature=2, n_jobs=n_jobs, cache=False)
