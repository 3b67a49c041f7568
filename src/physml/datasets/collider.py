r"""Dilepton events at a hadron collider: a resonance over a falling continuum (S44).

A small event generator for the signal-versus-background exercise of the LHC
hands-on session. Every event has the same final state, two leptons of mass
:math:`m_\ell`:

* signal: a resonance of mass :math:`M` and width :math:`\Gamma` (a
  :math:`Z` boson by default), its mass drawn from the relativistic
  Breit-Wigner, decaying isotropically in its rest frame and boosted to the
  laboratory with a transverse momentum and a rapidity;
* background: the same, but the pair mass drawn from a falling power law
  :math:`m^{-\alpha}` (a Drell-Yan-like continuum).

The detector smears the lepton transverse momenta, pseudorapidities and
azimuths, and measures a missing transverse energy from the imperfectly
measured hadronic recoil. Events outside the acceptance (:math:`p_T`, :math:`|\eta|`
cuts) are rejected and regenerated.

Four-vectors are ``(E, px, py, pz)`` in GeV with the beam along :math:`z`.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import check_array, check_random_state, check_scalar, check_sizes
from ._bunch import Bunch

__all__ = [
    "collider_events",
    "breit_wigner_mass",
    "two_body_decay",
    "invariant_mass",
    "FEATURE_NAMES",
    "LOW_LEVEL",
    "HIGH_LEVEL",
]

LOW_LEVEL = ["lep1_pt", "lep1_eta", "lep1_phi", "lep2_pt", "lep2_eta", "lep2_phi", "met"]
HIGH_LEVEL = ["m_ll", "pt_ll", "delta_r"]
FEATURE_NAMES = LOW_LEVEL + HIGH_LEVEL

M_MUON = 0.1056583755


# ---------------------------------------------------------------------------
# Kinematics
# ---------------------------------------------------------------------------


def invariant_mass(p):
    r"""Invariant mass :math:`m = \sqrt{E^2 - |\vec p|^2}` of four-vectors ``p`` of shape (..., 4)."""
    p = _four_vectors(p, "p")
    return _invariant_mass(p)


def _four_vectors(p, name):
    """Finite float64 four-vectors of shape (..., 4), at least one."""
    p = check_array(p, name=name, ensure_2d=False, allow_nd=True)
    if p.shape[-1] != 4:
        raise ValueError(f"{name} must hold four-vectors (E, px, py, pz) along its last axis, got shape {p.shape}.")
    return p


def _invariant_mass(p):
    """invariant_mass on checked four-vectors."""
    m2 = p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, axis=-1)
    return np.sqrt(np.maximum(m2, 0.0))


def breit_wigner_mass(n, mass, width, mass_range, random_state=None):
    r"""Masses from the relativistic Breit-Wigner, truncated to ``mass_range`` (S44).

    .. math::

        \frac{dN}{ds} \propto \frac{1}{(s - M^2)^2 + M^2 \Gamma^2}, \qquad s = m^2,

    sampled exactly by inverting its CDF:
    :math:`s = M^2 + M\Gamma \tan\theta` with :math:`\theta` uniform between the
    images of the window edges.

    Parameters
    ----------
    n : int
    mass, width : float
        Pole mass :math:`M` and width :math:`\Gamma` in GeV.
    mass_range : (float, float)
        Window :math:`[m_\mathrm{min}, m_\mathrm{max}]` in GeV.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    m : ndarray of shape (n,)
    """
    n = int(check_scalar(n, "n", numbers.Integral, min_val=0))
    mass, width = _check_positive(mass, "mass"), _check_positive(width, "width")
    lo, hi = _mass_range(mass_range)
    check_sizes([(n,)] * 3, what=f"breit_wigner_mass(n={n})", hint="lower n")
    rng = check_random_state(random_state)
    a = np.arctan((lo**2 - mass**2) / (mass * width))
    b = np.arctan((hi**2 - mass**2) / (mass * width))
    s = mass**2 + mass * width * np.tan(rng.uniform(a, b, n))
    return np.sqrt(s)


def _power_law_mass(n, alpha, mass_range, rng):
    """m from dN/dm ~ m^{-alpha} on the window, by inverting the CDF."""
    lo, hi = mass_range
    u = rng.uniform(0.0, 1.0, n)
    log_r = np.log(hi / lo)
    if np.isclose(alpha, 1.0):
        return lo * np.exp(u * log_r)
    # m = (lo^k + u (hi^k - lo^k))^(1/k), k = 1 - alpha, written relative to lo so that no power
    # underflows or overflows for a steep slope: m / lo = (1 + u ((hi/lo)^k - 1))^(1/k)
    k = 1.0 - alpha
    return lo * np.exp(np.log1p(u * np.expm1(k * log_r)) / k)


def two_body_decay(P, m_daughter, random_state=None, *, mass=None):
    r"""Isotropic decay of parents ``P`` into two daughters of equal mass (S44).

    In the parent rest frame each daughter has
    :math:`|\vec p^*| = \sqrt{m^2/4 - m_\ell^2}`, :math:`E^* = m/2`, and a
    direction uniform on the sphere. The daughters are then boosted to the
    laboratory with the parent's velocity :math:`\vec\beta = \vec P / E_P`,
    written without :math:`1 - \beta^2` (no cancellation for fast parents):

    .. math::

        E = \frac{E_P E^* + \vec P \cdot \vec p^*}{m}, \qquad
        \vec p = \vec p^* + \vec P \left( \frac{\vec P \cdot \vec p^*}{m (E_P + m)} + \frac{E^*}{m} \right).

    Parameters
    ----------
    P : ndarray of shape (n, 4)
        Parent four-momenta ``(E, px, py, pz)``.
    m_daughter : float
        Daughter mass :math:`m_\ell`.
    random_state : None, int or numpy.random.Generator
    mass : ndarray of shape (n,), optional
        Parent masses, if known. By default :math:`\sqrt{E_P^2 - |\vec P|^2}`, which loses
        precision for very fast parents (:math:`E_P \gg m`).

    Returns
    -------
    p1, p2 : ndarray of shape (n, 4)
        Daughter four-momenta in the laboratory; ``p1 + p2 = P`` to rounding.
    """
    rng = check_random_state(random_state)
    P = check_array(P, name="P")
    if P.shape[1] != 4:
        raise ValueError(f"P must have shape (n, 4), rows (E, px, py, pz), got {P.shape}.")
    if np.any(P[:, 0] <= 0):
        raise ValueError("P must have a positive energy P[:, 0] in every row.")
    m_daughter = _check_positive(m_daughter, "m_daughter", allow_zero=True)
    if mass is None:
        m = _invariant_mass(P)
    else:
        m = check_array(mass, name="mass", ensure_2d=False)
        if m.shape != P.shape[:1]:
            raise ValueError(f"mass must have one entry per parent, shape {P.shape[:1]}, got {m.shape}.")
    if np.any(m <= 0) or np.any(m < 2.0 * m_daughter):
        raise ValueError("A parent is massless or lighter than its two daughters; the decay is forbidden.")
    return _two_body_decay(P, m_daughter, rng, m)


def _two_body_decay(P, m_daughter, rng, m):
    """two_body_decay on checked parents ``P`` (n, 4) of masses ``m`` (n,) > 2 ``m_daughter``."""
    n = len(P)
    cos_t = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    sin_t = np.sqrt(1.0 - cos_t**2)
    p_star = np.sqrt(0.25 * m**2 - m_daughter**2)
    k = p_star[:, None] * np.column_stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t])
    E_star = 0.5 * m
    E_P, P_vec = P[:, 0], P[:, 1:]
    out = []
    for sign in (1.0, -1.0):
        ks = sign * k
        Pk = np.sum(P_vec * ks, axis=1)
        E = (E_P * E_star + Pk) / m
        p = ks + P_vec * (Pk / (m * (E_P + m)) + E_star / m)[:, None]
        out.append(np.column_stack([E, p]))
    return out[0], out[1]


def _pt_eta_phi(p):
    px, py, pz = p[:, 1], p[:, 2], p[:, 3]
    pt = np.hypot(px, py)
    return pt, np.arcsinh(pz / pt), np.arctan2(py, px)


def _four_vector(pt, eta, phi, m):
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    E = np.sqrt(m**2 + px**2 + py**2 + pz**2)
    return np.column_stack([E, px, py, pz])


def _wrap(phi):
    return (phi + np.pi) % (2.0 * np.pi) - np.pi


# ---------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------


_MIN_ACCEPTANCE = 1e-4
"""Below this fraction of accepted events (after 10^5 tries) the cuts are reported as impossible."""

_MAX_BATCH = 2**16
"""Largest batch of a low-acceptance generation (tries double up to it, so a hopeless setting fails fast)."""


def _generate(n, kind, opt, rng, n_batch):
    """Generate ``n`` accepted events of one kind in batches of at most ``n_batch`` (checked); inputs validated."""
    batches, n_have, n_tried = [], 0, 0
    while n_have < n:
        if n_tried >= 10**5 and n_have < _MIN_ACCEPTANCE * n_tried:
            raise ValueError(f"the acceptance cuts (pt_min={opt['pt_min']}, eta_max={opt['eta_max']}) and "
                             f"resolutions (eta_resolution={opt['eta_resolution']}, pt_resolution="
                             f"{opt['pt_resolution']}) keep {n_have} of {n_tried} generated {kind} events; "
                             "loosen them.")
        rate = n_have / n_tried if n_tried else 1.0  # acceptance so far sets the next batch size
        size = int(1.3 * (n - n_have) / max(rate, 0.01)) + 64
        # at a low acceptance the tries double (up to the checked batch), reaching the verdict in a few batches
        size = min(max(size, n_tried), max(n_batch, _MAX_BATCH))
        n_tried += size
        if kind == "signal":
            m = breit_wigner_mass(size, opt["mass"], opt["width"], opt["mass_range"], rng)
        else:
            m = _power_law_mass(size, opt["background_slope"], opt["mass_range"], rng)
        # production: pT from a Gamma(2) spectrum p(pT) ~ pT exp(-pT / pt_scale), rapidity Gaussian
        pt = rng.gamma(2.0, opt["pt_scale"], size)
        y = rng.normal(0.0, opt["rapidity_std"], size)
        phi = rng.uniform(-np.pi, np.pi, size)
        mt = np.sqrt(m**2 + pt**2)
        P = np.column_stack([mt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y)])
        p1, p2 = _two_body_decay(P, opt["lepton_mass"], rng, m)
        # detector: relative pT resolution, absolute eta and phi resolutions
        reco = []
        for p in (p1, p2):
            lpt, leta, lphi = _pt_eta_phi(p)
            reco.append((lpt * (1.0 + opt["pt_resolution"] * rng.standard_normal(size)),
                         leta + opt["eta_resolution"] * rng.standard_normal(size),
                         _wrap(lphi + opt["phi_resolution"] * rng.standard_normal(size))))
        # missing ET: the hadronic recoil u = -P_T is measured with a relative resolution and a noise floor
        u = -P[:, 1:3] * (1.0 + opt["recoil_resolution"] * rng.standard_normal(size))[:, None]
        u += opt["met_noise"] * rng.standard_normal((size, 2))
        vis = sum(np.column_stack([pt_ * np.cos(ph_), pt_ * np.sin(ph_)]) for pt_, _, ph_ in reco)
        met = np.hypot(*(-(vis + u)).T)
        ok = np.ones(size, dtype=bool)
        for lpt, leta, _ in reco:
            ok &= (lpt > opt["pt_min"]) & (np.abs(leta) < opt["eta_max"])
        batches.append(dict(m=m[ok], P=P[ok], p1=p1[ok], p2=p2[ok], met=met[ok],
                            reco=[tuple(a[ok] for a in r) for r in reco]))
        n_have += int(ok.sum())
    cat = {k: np.concatenate([b[k] for b in batches])[:n] for k in ("m", "P", "p1", "p2", "met")}
    cat["reco"] = [tuple(np.concatenate([b["reco"][i][j] for b in batches])[:n] for j in range(3))
                   for i in range(2)]
    return cat, n_have / n_tried


def _features(ev, lepton_mass):
    (pt1, eta1, phi1), (pt2, eta2, phi2) = ev["reco"]
    p1, p2 = ev["p1"], ev["p2"]
    # order the leptons by measured pT: lepton 1 is the leading one
    swap = pt2 > pt1
    pt1, pt2 = np.where(swap, pt2, pt1), np.where(swap, pt1, pt2)
    eta1, eta2 = np.where(swap, eta2, eta1), np.where(swap, eta1, eta2)
    phi1, phi2 = np.where(swap, phi2, phi1), np.where(swap, phi1, phi2)
    p1, p2 = np.where(swap[:, None], p2, p1), np.where(swap[:, None], p1, p2)
    q = _four_vector(pt1, eta1, phi1, lepton_mass) + _four_vector(pt2, eta2, phi2, lepton_mass)
    m_ll = _invariant_mass(q)
    pt_ll = np.hypot(q[:, 1], q[:, 2])
    delta_r = np.hypot(eta1 - eta2, _wrap(phi1 - phi2))
    X = np.column_stack([pt1, eta1, phi1, pt2, eta2, phi2, ev["met"], m_ll, pt_ll, delta_r])
    return X, p1, p2


def _check_positive(x, name, allow_zero=False):
    """``x`` as a finite float > 0 (>= 0 with ``allow_zero``); via check_scalar."""
    return float(check_scalar(x, name, numbers.Real, min_val=0.0,
                              include_boundaries="left" if allow_zero else "neither"))


_MAX_ETA = 100.0
"""Largest eta_max: sinh(eta) of an accepted lepton stays far from overflow (an LHC beam has y ~ 9.5)."""
_MAX_RAPIDITY_STD = 10.0
"""Largest rapidity_std: cosh(y) of the pair stays far from overflow (y beyond 700 would overflow)."""


def _mass_range(mass_range, lepton_mass=None):
    """Finite (low, high) with 0 <= low < high, or 2 lepton_mass < low < high when lepton_mass is given."""
    try:
        lo, hi = mass_range
    except (TypeError, ValueError):
        raise TypeError(f"mass_range must be a pair (low, high) in GeV, got {mass_range!r}.") from None
    lo = float(check_scalar(lo, "mass_range[0]", numbers.Real))
    hi = float(check_scalar(hi, "mass_range[1]", numbers.Real))
    ok_low = lo >= 0 if lepton_mass is None else lo > 2.0 * lepton_mass
    if not (ok_low and lo < hi):
        bound = "0 <= low" if lepton_mass is None else "2 * lepton_mass < low"
        raise ValueError(f"mass_range must satisfy {bound} < high (finite), got {mass_range!r}.")
    return lo, hi


def collider_events(n_signal=1000, n_background=1000, mass=91.19, width=2.5, *, mass_range=(60.0, 120.0),
                    background_slope=3.0, pt_scale=8.0, rapidity_std=1.2, lepton_mass=M_MUON,
                    pt_resolution=0.02, eta_resolution=0.001, phi_resolution=0.001,
                    recoil_resolution=0.2, met_noise=5.0, pt_min=20.0, eta_max=2.5, random_state=None,
                    return_X_y=False):
    r"""Signal (resonance) and background (continuum) dilepton events with detector smearing (S44).

    Generation, for each event:

    1. the pair mass :math:`m`: relativistic Breit-Wigner
       :math:`dN/dm^2 \propto 1/((m^2 - M^2)^2 + M^2\Gamma^2)` for signal,
       :math:`dN/dm \propto m^{-\alpha}` for background, both on ``mass_range``;
    2. production: transverse momentum :math:`p_T \sim p_T e^{-p_T/p_0}`,
       rapidity :math:`y \sim \mathcal N(0, \sigma_y^2)`, uniform azimuth:
       :math:`P = (m_T\cosh y, p_T\cos\phi, p_T\sin\phi, m_T\sinh y)`,
       :math:`m_T = \sqrt{m^2 + p_T^2}`;
    3. decay: isotropic two-body decay in the rest frame, boosted to the
       laboratory (:func:`two_body_decay`), so :math:`p_1 + p_2 = P`;
    4. detector: :math:`p_T \to p_T (1 + \sigma_{p_T} \epsilon)`,
       :math:`\eta \to \eta + \sigma_\eta \epsilon`, :math:`\phi \to \phi + \sigma_\phi \epsilon`;
       missing transverse energy :math:`E_T^\mathrm{miss} = |\sum_\ell \vec p_{T,\ell} + \vec u_T|`
       with the hadronic recoil :math:`\vec u_T = -\vec P_T(1 + \sigma_u\epsilon) + \sigma_\mathrm{MET}\vec\epsilon`
       (zero if everything were measured perfectly);
    5. acceptance: both leptons with :math:`p_T >` ``pt_min`` and
       :math:`|\eta| <` ``eta_max`` (rejected events are replaced).

    Parameters
    ----------
    n_signal, n_background : int, default=1000
        Accepted events of each class.
    mass, width : float, default=91.19, 2.5
        Resonance pole mass :math:`M` and width :math:`\Gamma` in GeV (the :math:`Z`).
    mass_range : (float, float), default=(60, 120)
        Generated window of the true pair mass in GeV.
    background_slope : float, default=3
        Exponent :math:`\alpha` of the continuum.
    pt_scale : float, default=8
        :math:`p_0` in GeV (mean pair :math:`p_T = 2 p_0`).
    rapidity_std : float, default=1.2
        :math:`\sigma_y` of the pair rapidity, at most 10.
    lepton_mass : float, default=0.10566 (muon)
        :math:`m_\ell` in GeV.
    pt_resolution : float, default=0.02
        Relative :math:`p_T` resolution :math:`\sigma_{p_T}`; the pair-mass
        resolution is then about :math:`M \sigma_{p_T} / \sqrt 2`.
    eta_resolution, phi_resolution : float, default=0.001
        Absolute angular resolutions.
    recoil_resolution, met_noise : float, default=0.2, 5
        Relative resolution of the hadronic recoil and the noise floor (GeV per component) of the missing ET.
    pt_min, eta_max : float, default=20, 2.5
        Acceptance cuts on both leptons; ``pt_min=0`` switches its cut off, ``eta_max`` is at most 100
        (which keeps nearly every event). Settings that accept fewer than 1e-4 of the generated
        events (a tiny ``eta_max``, a huge ``eta_resolution``) are refused with a ValueError.
    random_state : None, int or numpy.random.Generator
    return_X_y : bool, default=False
        Return the tuple ``(X, y)`` instead of a Bunch.

    Returns
    -------
    (X, y) : tuple, when ``return_X_y``; otherwise a Bunch with
        X : ndarray of shape (n_signal + n_background, 10)
            Measured features, columns ``FEATURE_NAMES``: low level
            ``lep1_pt, lep1_eta, lep1_phi, lep2_pt, lep2_eta, lep2_phi, met``
            (lepton 1 has the larger measured :math:`p_T`), high level
            ``m_ll, pt_ll, delta_r`` (pair mass and :math:`p_T`,
            :math:`\Delta R = \sqrt{\Delta\eta^2 + \Delta\phi^2}`).
        y : ndarray of shape (n,), int64
            1 for signal, 0 for background; events are shuffled.
        feature_names, low_level, high_level : list of str
        p1, p2 : ndarray of shape (n, 4)
            True lepton four-momenta before smearing (same order as in ``X``).
        P : ndarray of shape (n, 4)
            True pair (resonance) four-momentum, ``P = p1 + p2``.
        m_true : ndarray of shape (n,)
            True pair mass.
        acceptance : dict
            Fraction of generated events accepted, per class.

    Examples
    --------
    >>> from physml.datasets import collider_events
    >>> ev = collider_events(500, 500, random_state=0)
    >>> ev.X.shape, ev.feature_names[7]
    ((1000, 10), 'm_ll')
    """
    n_counts = {name: int(check_scalar(val, name, numbers.Integral, min_val=0))
                for name, val in (("n_signal", n_signal), ("n_background", n_background))}
    n_total = n_counts["n_signal"] + n_counts["n_background"]
    if n_total == 0:
        raise ValueError("n_signal + n_background must be at least 1.")
    # the result (10 features, three four-vectors, labels, masses) and a generation batch of
    # about 1.3 n events x 40 working floats (the larger class alone: classes are generated in turn)
    n_batch = int(1.3 * max(n_counts.values())) + 64
    check_sizes([(n_total, 10), (n_total, 12), (n_total, 2), (max(n_batch, _MAX_BATCH), 40)],
                what=f"collider_events(n_signal={n_counts['n_signal']}, n_background={n_counts['n_background']})",
                hint="lower n_signal and n_background")
    opt = dict(
        mass=_check_positive(mass, "mass"),
        width=_check_positive(width, "width"),
        background_slope=_check_positive(background_slope, "background_slope", allow_zero=True),
        pt_scale=_check_positive(pt_scale, "pt_scale"),
        rapidity_std=float(check_scalar(rapidity_std, "rapidity_std", numbers.Real, min_val=0.0,
                                        max_val=_MAX_RAPIDITY_STD, include_boundaries="both")),
        lepton_mass=_check_positive(lepton_mass, "lepton_mass", allow_zero=True),
        pt_resolution=_check_positive(pt_resolution, "pt_resolution", allow_zero=True),
        eta_resolution=_check_positive(eta_resolution, "eta_resolution", allow_zero=True),
        phi_resolution=_check_positive(phi_resolution, "phi_resolution", allow_zero=True),
        recoil_resolution=_check_positive(recoil_resolution, "recoil_resolution", allow_zero=True),
        met_noise=_check_positive(met_noise, "met_noise", allow_zero=True),
        pt_min=_check_positive(pt_min, "pt_min", allow_zero=True),
        eta_max=float(check_scalar(eta_max, "eta_max", numbers.Real, min_val=0.0, max_val=_MAX_ETA,
                                   include_boundaries="right")),
    )
    lo, hi = opt["mass_range"] = _mass_range(mass_range, opt["lepton_mass"])
    if opt["pt_min"] >= hi:
        raise ValueError(f"pt_min={opt['pt_min']} is above the mass window; no event could pass the cuts.")
    rng = check_random_state(random_state)

    parts, acceptance = [], {}
    for kind, n in (("signal", n_counts["n_signal"]), ("background", n_counts["n_background"])):
        if n == 0:
            continue
        ev, acceptance[kind] = _generate(n, kind, opt, rng, n_batch)
        X, p1, p2 = _features(ev, opt["lepton_mass"])
        parts.append((X, np.full(n, 1 if kind == "signal" else 0, np.int64), p1, p2, ev["P"], ev["m"]))
    X, y, p1, p2, P, m_true = (np.concatenate(a) for a in zip(*parts))
    order = rng.permutation(len(y))
    if return_X_y:
        return X[order], y[order]
    return Bunch(X=X[order], y=y[order], feature_names=list(FEATURE_NAMES), low_level=list(LOW_LEVEL),
                 high_level=list(HIGH_LEVEL), p1=p1[order], p2=p2[order], P=P[order], m_true=m_true[order],
                 acceptance=acceptance)
