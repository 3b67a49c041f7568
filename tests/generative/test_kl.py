"""KL divergence: the Gaussian closed form against quadrature, and the sample estimators against the closed form."""

import numpy as np
import pytest
from scipy import integrate, stats

from physml.generative import kl_gaussian, kl_histogram, kl_knn


@pytest.mark.parametrize("mp, sp, mq, sq", [(0.0, 1.0, 1.0, 2.0), (4.0, 1.25, 3.0, 0.7), (-2.0, 3.0, -2.0, 3.0)])
def test_gaussian_closed_form_equals_quadrature_in_1d(mp, sp, mq, sq):
    p, q = stats.norm(mp, sp), stats.norm(mq, sq)
    quad = integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), -np.inf, np.inf)[0]
    assert kl_gaussian(mp, sp ** 2, mq, sq ** 2) == pytest.approx(quad, abs=1e-10)


def test_gaussian_closed_form_equals_monte_carlo_in_3d():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    Sp, Sq = A @ A.T + np.eye(3), B @ B.T + 0.5 * np.eye(3)
    mp, mq = rng.normal(size=3), rng.normal(size=3)
    p, q = stats.multivariate_normal(mp, Sp), stats.multivariate_normal(mq, Sq)
    x = p.rvs(size=400_000, random_state=1)
    mc = np.mean(p.logpdf(x) - q.logpdf(x))
    assert kl_gaussian(mp, Sp, mq, Sq) == pytest.approx(mc, abs=0.02)


def test_kl_is_zero_for_equal_gaussians_and_asymmetric_otherwise():
    assert kl_gaussian([1, 2], [[2, 0.3], [0.3, 1]], [1, 2], [[2, 0.3], [0.3, 1]]) == pytest.approx(0, abs=1e-14)
    assert kl_gaussian(0, 1, 0, 4) != pytest.approx(kl_gaussian(0, 4, 0, 1), abs=0.1)
    # diagonal covariances given as vectors of variances
    assert kl_gaussian([0, 0], [1, 4], [1, 0], [2, 2]) == pytest.approx(
        kl_gaussian([0, 0], np.diag([1, 4]), [1, 0], np.diag([2, 2])), abs=1e-14)


def test_histogram_estimator_recovers_the_closed_form():
    rng = np.random.default_rng(2)
    x_p, x_q = rng.normal(0, 1, 200_000), rng.normal(1, 2, 200_000)
    exact = kl_gaussian(0, 1, 1, 4)
    assert kl_histogram(x_p, x_q, bins=100) == pytest.approx(exact, abs=0.01)
    assert kl_histogram(x_p, stats.norm(1, 2).pdf, bins=200, range=(-6, 6)) == pytest.approx(exact, abs=0.005)
    # same distribution: only the finite-sample bias ~ (bins - 1) / (2 n)
    assert 0 <= kl_histogram(x_p, rng.normal(0, 1, 200_000), bins=100, range=(-3.5, 3.5)) < 1e-3


def test_histogram_estimator_is_infinite_where_q_has_no_mass():
    assert kl_histogram(np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.1]), bins=3) == np.inf


@pytest.mark.parametrize("d", [1, 2, 5])
def test_knn_estimator_recovers_the_closed_form(d):
    rng = np.random.default_rng(d)
    A = rng.normal(size=(d, d))
    Sq = A @ A.T / d + np.eye(d)
    mq = 0.5 * rng.normal(size=d)
    x_p = rng.normal(size=(20_000, d))
    x_q = rng.multivariate_normal(mq, Sq, size=20_000)
    exact = kl_gaussian(np.zeros(d), np.eye(d), mq, Sq)
    assert kl_knn(x_p, x_q, k=5) == pytest.approx(exact, abs=0.03 + 0.05 * exact)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="cov_q"):
        kl_gaussian(0, 1, 0, -1)
    with pytest.raises(ValueError, match="same dimension"):
        kl_gaussian([0, 0], [1, 1], 0, 1)
    with pytest.raises(ValueError, match="x_p"):
        kl_histogram(np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(ValueError, match="duplicate"):
        kl_knn(np.zeros(5), np.ones(5))
