"""The curse of dimensionality (S24): closed forms, Monte Carlo, and stability to D = 1000."""

import math

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from physml.geometry import (distance_concentration, inscribed_ball_fraction, inscribed_ball_fraction_mc,
                             log_inscribed_ball_fraction)


def test_inscribed_ball_fraction_closed_forms():
    assert inscribed_ball_fraction(1) == pytest.approx(1.0, rel=1e-14)
    assert inscribed_ball_fraction(2) == pytest.approx(math.pi / 4, rel=1e-14)
    assert inscribed_ball_fraction(3) == pytest.approx(math.pi / 6, rel=1e-14)
    assert inscribed_ball_fraction(4) == pytest.approx(math.pi**2 / 32, rel=1e-14)


def test_fraction_equals_direct_formula_where_it_does_not_overflow():
    D = np.arange(1, 150)
    direct = np.array([math.pi ** (d / 2) / (2.0**d * math.gamma(d / 2 + 1)) for d in D])
    np.testing.assert_allclose(inscribed_ball_fraction(D), direct, rtol=1e-12)


def test_fraction_stable_to_D_1000():
    f = inscribed_ball_fraction(np.arange(1, 1001))
    assert np.all(np.isfinite(f)) and np.all(f >= 0)
    assert np.all(f[:339] > 0) and np.all(np.diff(f[:339]) < 0)  # positive while representable
    logf = log_inscribed_ball_fraction(np.arange(1, 1001))
    assert np.all(np.isfinite(logf)) and np.all(np.diff(logf) < 0)
    logf = logf[-1]  # log f(1000) = -2732.1: far below the float range, finite as a log
    # Stirling for log Gamma(501): the log fraction, to 1e-6 relative
    stirling = 500 * math.log(math.pi) - 1000 * math.log(2) - (501 * math.log(501) - 501
                                                                + 0.5 * math.log(2 * math.pi / 501))
    assert logf == pytest.approx(stirling, rel=1e-6)


@pytest.mark.parametrize("D", [2, 3, 5, 8, 12])
def test_monte_carlo_agrees_within_four_sigma(D):
    f, se = inscribed_ball_fraction_mc(D, n_samples=200_000, random_state=D)
    exact = inscribed_ball_fraction(D)
    sigma = math.sqrt(exact * (1 - exact) / 200_000)
    assert abs(f - exact) < 4 * sigma
    assert se == pytest.approx(sigma, rel=0.1)


def test_distance_concentration_matches_pdist_and_falls_to_one():
    rng_seed = 3
    ratio = distance_concentration(10, n_points=100, random_state=rng_seed)
    x = np.random.default_rng(rng_seed).random((100, 10))
    d = pdist(x)
    assert ratio == pytest.approx(d.max() / d.min(), rel=1e-10)
    ratios = [distance_concentration(D, n_points=100, random_state=0) for D in (2, 10, 100, 1000)]
    assert all(a > b for a, b in zip(ratios, ratios[1:]))
    assert ratios[-1] < 1.3  # sqrt(D/6) mean distance, spread O(1): the ratio tends to 1


def test_bad_dimensions_raise():
    with pytest.raises(ValueError, match="D"):
        inscribed_ball_fraction(0)
    with pytest.raises(ValueError, match="D"):
        inscribed_ball_fraction(2.5)
    with pytest.raises(TypeError, match="D"):
        inscribed_ball_fraction_mc(2.0)
