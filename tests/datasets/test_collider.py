"""The dilepton generator conserves four-momentum and reproduces the resonance it was given (S44)."""

import numpy as np
import pytest
from scipy import optimize, special, stats

from physml.datasets import collider_events
from physml.datasets.collider import FEATURE_NAMES, M_MUON, breit_wigner_mass, invariant_mass, two_body_decay

M, GAMMA = 91.19, 2.5


def _boost_to_rest_frame(p, P):
    """Textbook boost with beta = -P/E_P (independent of the generator's formula)."""
    beta = -P[:, 1:] / P[:, :1]
    b2 = np.sum(beta**2, axis=1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p[:, 1:], axis=1)
    E = gamma * (p[:, 0] + bp)
    vec = p[:, 1:] + ((gamma - 1.0) * bp / b2 + gamma * p[:, 0])[:, None] * beta
    return np.column_stack([E, vec])


def test_four_momentum_is_conserved_before_smearing():
    ev = collider_events(3000, 3000, random_state=0)
    scale = ev.P[:, :1]
    assert np.max(np.abs(ev.p1 + ev.p2 - ev.P) / scale) < 1e-9
    for p in (ev.p1, ev.p2):  # leptons on their mass shell
        m2 = p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, axis=1)
        assert np.max(np.abs(m2 - M_MUON**2) / p[:, 0] ** 2) < 1e-12
    np.testing.assert_allclose(invariant_mass(ev.P), ev.m_true, rtol=1e-10)


def test_two_body_decay_is_isotropic_with_the_right_momentum_in_the_rest_frame():
    rng = np.random.default_rng(3)
    n, m = 20000, 50.0
    pt, y, phi = rng.gamma(2.0, 10.0, n), rng.normal(0, 1.5, n), rng.uniform(-np.pi, np.pi, n)
    mt = np.hypot(m, pt)
    P = np.column_stack([mt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y)])
    p1, p2 = two_body_decay(P, 0.0, random_state=4)
    k1, k2 = _boost_to_rest_frame(p1, P), _boost_to_rest_frame(p2, P)
    np.testing.assert_allclose(k1[:, 0], m / 2, rtol=1e-9)
    np.testing.assert_allclose(k1[:, 1:] + k2[:, 1:], 0.0, atol=1e-8)
    cos_t = k1[:, 3] / np.linalg.norm(k1[:, 1:], axis=1)
    assert stats.kstest(cos_t, stats.uniform(-1, 2).cdf).pvalue > 1e-3
    phi_star = np.arctan2(k1[:, 2], k1[:, 1])
    assert stats.kstest(phi_star, stats.uniform(-np.pi, 2 * np.pi).cdf).pvalue > 1e-3


def test_true_mass_follows_the_relativistic_breit_wigner_exactly():
    lo, hi = 60.0, 120.0
    m = breit_wigner_mass(50000, M, GAMMA, (lo, hi), random_state=5)
    a, b = np.arctan((lo**2 - M**2) / (M * GAMMA)), np.arctan((hi**2 - M**2) / (M * GAMMA))

    def cdf(x):
        return (np.arctan((np.asarray(x) ** 2 - M**2) / (M * GAMMA)) - a) / (b - a)

    assert stats.kstest(m, cdf).pvalue > 1e-3
    assert m.min() >= lo and m.max() <= hi


def test_background_mass_follows_the_power_law():
    ev = collider_events(0, 40000, background_slope=3.0, pt_min=0.0, eta_max=100.0, random_state=6)
    lo, hi = 60.0, 120.0

    def cdf(x):
        return (lo**-2 - np.asarray(x) ** -2.0) / (lo**-2 - hi**-2)

    assert stats.kstest(ev.m_true, cdf).pvalue > 1e-3
    assert np.all(ev.y == 0)


def test_measured_mass_peak_recovers_mass_width_and_resolution():
    ev = collider_events(40000, 0, random_state=1)
    counts, edges = np.histogram(ev.X[:, FEATURE_NAMES.index("m_ll")], bins=120, range=(76.0, 106.0))
    centres, w = 0.5 * (edges[1:] + edges[:-1]), edges[1] - edges[0]

    def voigt(x, N, M0, G0, s):  # Breit-Wigner (FWHM G0) convolved with the Gaussian resolution s
        return N * w * special.voigt_profile(x - M0, s, G0 / 2)

    (N, M_fit, G_fit, s_fit), _ = optimize.curve_fit(voigt, centres, counts, p0=[len(ev.y), 90.0, 2.0, 1.0],
                                                      sigma=np.sqrt(np.maximum(counts, 1)))
    assert abs(M_fit - M) < 0.1
    assert abs(G_fit / GAMMA - 1) < 0.10
    assert abs(s_fit / (M * 0.02 / np.sqrt(2)) - 1) < 0.10  # sigma_m = M sigma_pT / sqrt(2)


def test_features_are_consistent_with_each_other_and_the_cuts():
    ev = collider_events(2000, 2000, random_state=2)
    X = ev.X
    assert X.shape == (4000, 10) and ev.feature_names == FEATURE_NAMES
    assert ev.y.sum() == 2000 and ev.y.dtype == np.int64
    f = {name: X[:, i] for i, name in enumerate(FEATURE_NAMES)}
    assert np.all(f["lep1_pt"] >= f["lep2_pt"]) and np.all(f["lep2_pt"] > 20.0)
    assert np.all(np.abs(f["lep1_eta"]) < 2.5) and np.all(np.abs(f["lep2_phi"]) <= np.pi)
    # massless-lepton identity m^2 = 2 pT1 pT2 (cosh d_eta - cos d_phi), up to the muon mass
    m2 = 2 * f["lep1_pt"] * f["lep2_pt"] * (np.cosh(f["lep1_eta"] - f["lep2_eta"])
                                             - np.cos(f["lep1_phi"] - f["lep2_phi"]))
    np.testing.assert_allclose(np.sqrt(m2), f["m_ll"], rtol=1e-4)
    px = f["lep1_pt"] * np.cos(f["lep1_phi"]) + f["lep2_pt"] * np.cos(f["lep2_phi"])
    py = f["lep1_pt"] * np.sin(f["lep1_phi"]) + f["lep2_pt"] * np.sin(f["lep2_phi"])
    np.testing.assert_allclose(np.hypot(px, py), f["pt_ll"], rtol=1e-9, atol=1e-9)
    # truth and measurement agree to the detector resolution
    pt1_true = np.hypot(ev.p1[:, 1], ev.p1[:, 2])
    assert np.std(f["lep1_pt"] / pt1_true - 1) == pytest.approx(0.02, rel=0.1)
    assert 0 < ev.acceptance["signal"] < 1 and 0 < ev.acceptance["background"] < 1


def test_perfect_detector_measures_the_truth_and_no_missing_et():
    ev = collider_events(500, 500, pt_resolution=0.0, eta_resolution=0.0, phi_resolution=0.0,
                         recoil_resolution=0.0, met_noise=0.0, random_state=3)
    np.testing.assert_allclose(ev.X[:, FEATURE_NAMES.index("m_ll")], ev.m_true, rtol=1e-9)
    np.testing.assert_allclose(ev.X[:, FEATURE_NAMES.index("met")], 0.0, atol=1e-9)


def test_same_seed_same_events():
    a, b = collider_events(300, 200, random_state=9), collider_events(300, 200, random_state=9)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)


@pytest.mark.parametrize("kwargs, word", [
    (dict(n_signal=-1), "n_signal"),
    (dict(n_background=1.5), "n_background"),
    (dict(n_signal=0, n_background=0), "n_signal"),
    (dict(mass=-91.0), "mass"),
    (dict(width=0.0), "width"),
    (dict(mass_range=(120.0, 60.0)), "mass_range"),
    (dict(mass_range=5.0), "mass_range"),
    (dict(pt_resolution=-0.1), "pt_resolution"),
    (dict(pt_min=500.0), "pt_min"),
    (dict(random_state="seed"), "random_state"),
    (dict(n_signal=True), "n_signal"),
    (dict(width=True), "width"),
    (dict(mass_range=(60.0, np.inf)), "mass_range"),
    (dict(n_signal=10**10), "collider_events.* needs"),
])
def test_collider_bad_input_names_the_argument(kwargs, word):
    with pytest.raises((ValueError, TypeError), match=word):
        collider_events(**kwargs)


@pytest.mark.parametrize("kwargs, word", [
    (dict(eta_max=1e-9), "acceptance"),  # no lepton can pass: used to loop forever
    (dict(mass=np.inf), "mass"),
    (dict(pt_scale=np.inf), "pt_scale"),  # NaN kinematics: used to loop forever
    (dict(background_slope=np.nan), "background_slope"),
])
def test_collider_impossible_settings_raise_instead_of_hanging(kwargs, word):
    import signal

    def timeout(*args):
        raise TimeoutError("collider_events hangs")

    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(30)
    try:
        with pytest.raises((ValueError, TypeError), match=word):
            collider_events(50, 50, random_state=0, **kwargs)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("args, word", [
    ((5, M, 0.0, (60.0, 120.0)), "width"),  # was ZeroDivisionError
    ((5, M, -2.5, (60.0, 120.0)), "width"),  # was "high - low < 0"
    ((5, -M, 2.5, (60.0, 120.0)), "mass"),
    ((5, M, 2.5, (120.0, 60.0)), "mass_range"),
    ((5, M, 2.5, (-10.0, 60.0)), "mass_range"),  # silently sampled the window [10, 60] (lo enters squared)
    ((5, M, 2.5, 60.0), "mass_range"),
    ((-1, M, 2.5, (60.0, 120.0)), "n"),
])
def test_breit_wigner_mass_rejects_bad_input(args, word):
    with pytest.raises((ValueError, TypeError), match=word):
        breit_wigner_mass(*args, random_state=0)


@pytest.mark.parametrize("kwargs, word", [
    (dict(eta_max=np.inf), "eta_max"),  # was accepted (documented as switching the cut off)
    (dict(eta_max=1e3), "eta_max"),  # sinh(eta) of an accepted lepton would overflow
    (dict(rapidity_std=1e300), "rapidity_std"),  # was RuntimeWarning: overflow in cosh
])
def test_collider_refuses_angles_that_overflow_and_names_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        collider_events(5, 5, random_state=0, **kwargs)


@pytest.mark.parametrize("kwargs", [dict(eta_max=1e-9), dict(eta_resolution=1.3e16)])
def test_hopeless_acceptance_is_refused_within_a_second_of_cpu(kwargs):
    import time

    start = time.process_time()  # both settings used to keep the rejection loop busy for seconds
    with pytest.raises(ValueError, match="acceptance"):
        collider_events(5, 5, random_state=0, **kwargs)
    assert time.process_time() - start < 1.0


def test_steep_background_slope_puts_the_continuum_at_the_window_edge_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a huge slope was "RuntimeWarning: divide by zero"
        ev = collider_events(0, 20, background_slope=1e300, pt_min=0.0, random_state=0)
    # m^-alpha with alpha -> inf puts every mass at the lower edge of the window (60 GeV)
    np.testing.assert_allclose(ev.m_true, 60.0, rtol=1e-12)


@pytest.mark.parametrize("call, word", [
    (lambda: invariant_mass(np.nan), "p"),  # was IndexError
    (lambda: invariant_mass([[1.0, 0.0, 0.0]]), "p"),  # three components: silently a wrong mass
    (lambda: invariant_mass([[np.nan, 0.0, 0.0, 0.0]]), "p"),
    (lambda: two_body_decay(5.0, M_MUON), "P"),  # was IndexError
    (lambda: two_body_decay([[M, 0.0, 0.0, 0.0]], np.nan), "m_daughter"),  # was accepted (NaN daughters)
    (lambda: two_body_decay([[M, 0.0, 0.0, 0.0]], -1.0), "m_daughter"),  # was RuntimeWarning in sqrt
    (lambda: two_body_decay([[M, 0.0, 0.0, 0.0]], 1j), "m_daughter"),  # was accepted
    (lambda: two_body_decay([[0.0, 0.0, 0.0, 0.0]], 0.0), "energy"),  # was divide by zero
])
def test_kinematics_helpers_refuse_bad_input_naming_it(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


def test_invariant_mass_of_a_known_four_vector():
    # E = 5, |p| = 3 (3-4-5 would need p = 4): m = sqrt(25 - 9) = 4, any leading shape
    assert invariant_mass([5.0, 3.0, 0.0, 0.0]) == pytest.approx(4.0, rel=1e-15)
    np.testing.assert_allclose(invariant_mass(np.array([[[5.0, 0.0, 3.0, 0.0]]])), [[4.0]], rtol=1e-15)


def test_very_forward_pairs_decay_with_their_generated_mass():
    # at rapidity ~ 20, E^2 - |p|^2 loses the pair mass to rounding (E ~ 1e10 GeV): the decay must use the
    # mass the pair was generated with, not one recomputed from P (was "parent lighter than its daughters")
    ev = collider_events(3000, 0, rapidity_std=6.0, eta_max=100.0, random_state=0)
    assert np.max(np.abs(ev.p1 + ev.p2 - ev.P) / ev.P[:, :1]) < 1e-9
    assert np.all((ev.m_true >= 60.0) & (ev.m_true <= 120.0))
    rng = np.random.default_rng(0)
    P = np.array([[M * np.cosh(20.0), 0.0, 0.0, M * np.sinh(20.0)]])
    p1, p2 = two_body_decay(P, M_MUON, random_state=rng, mass=np.array([M]))
    np.testing.assert_allclose(p1 + p2, P, rtol=1e-12)
    with pytest.raises(ValueError, match="mass"):
        two_body_decay(P, M_MUON, mass=np.array([M, M]))


def test_return_X_y_gives_the_bunch_arrays():
    ev = collider_events(200, 100, random_state=4)
    X, y = collider_events(200, 100, random_state=4, return_X_y=True)
    assert np.array_equal(X, ev.X) and np.array_equal(y, ev.y) and y.sum() == 200
