"""The two laws of S1 and their noisy samples."""

import numpy as np
import pytest

from physml.datasets import noisy_law
from physml.datasets.laws import LAW_COEFFICIENTS, LAWS


@pytest.mark.parametrize("law", ["linear", "poly10"])
def test_law_equals_its_monomial_coefficients(law):
    x = np.linspace(0, 1, 101)
    expected = np.polynomial.polynomial.polyval(x, LAW_COEFFICIENTS[law])
    np.testing.assert_allclose(LAWS[law](x), expected, rtol=0, atol=1e-13)


def test_poly10_values_at_known_points():
    f = LAWS["poly10"]
    # f(1) = 2 - 10 + 15 = 7;  f(0.5) = 1 - 10/32 + 15/1024
    assert f(1.0) == 7.0
    assert f(0.0) == 0.0
    assert f(0.5) == pytest.approx(1 - 10 / 32 + 15 / 1024, abs=1e-15)


@pytest.mark.parametrize("law", ["linear", "poly10"])
def test_noise_free_sample_lies_on_the_law(law):
    x, y = noisy_law(law, n=50, sigma=0.0, random_state=3)
    assert x.shape == y.shape == (50,)
    assert np.all((x >= 0) & (x <= 1))
    np.testing.assert_array_equal(y, LAWS[law](x))


def test_noise_has_mean_zero_and_variance_sigma_squared():
    sigma, n = 0.7, 200_000
    x, y = noisy_law("linear", n=n, sigma=sigma, random_state=0)
    eta = y - 2 * x
    # standard errors: sigma/sqrt(n) for the mean, sigma^2 sqrt(2/n) for the variance
    assert abs(eta.mean()) < 5 * sigma / np.sqrt(n)
    assert abs(eta.var() - sigma**2) < 5 * sigma**2 * np.sqrt(2 / n)
    # uncorrelated: <eta_i eta_{i+1}> = 0
    assert abs(np.mean(eta[1:] * eta[:-1])) < 5 * sigma**2 / np.sqrt(n)


def test_same_seed_same_bits_and_x_range():
    a = noisy_law("poly10", n=30, sigma=0.2, random_state=11, x_range=(-2.0, 3.0))
    b = noisy_law("poly10", n=30, sigma=0.2, random_state=11, x_range=(-2.0, 3.0))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].min() >= -2.0 and a[0].max() <= 3.0 and a[0].min() < 0


def test_generator_stream_advances():
    rng = np.random.default_rng(5)
    x1, _ = noisy_law(n=10, random_state=rng)
    x2, _ = noisy_law(n=10, random_state=rng)
    assert not np.array_equal(x1, x2)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"law": "cubic"}, ValueError, "law='cubic'"),
        ({"law": 3}, ValueError, "law=3"),
        ({"n": 0}, ValueError, "n must be >= 1"),
        ({"n": 2.5}, TypeError, "n must be"),
        ({"sigma": -0.1}, ValueError, "sigma must be >= 0"),
        ({"sigma": float("inf")}, ValueError, "sigma must be finite"),
        ({"sigma": "big"}, TypeError, "sigma"),
        ({"x_range": (1.0, 0.0)}, ValueError, "x_range"),
        ({"x_range": 5}, ValueError, "x_range"),
        ({"random_state": "seed"}, TypeError, "random_state"),
        ({"n": True}, TypeError, "n must be"),
        ({"sigma": False}, TypeError, "sigma must be"),
        ({"x_range": (0.0, np.inf)}, ValueError, "x_range"),
        ({"n": 10**11}, ValueError, "noisy_law\\(n=100000000000\\) needs 2.91 TiB"),
    ],
)
def test_bad_arguments_are_named(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        noisy_law(**kwargs)


@pytest.mark.parametrize("law", ["linear", "poly10"])
def test_result_is_a_bunch_holding_the_law_and_the_noise(law):
    res = noisy_law(law, n=2000, sigma=0.25, random_state=7)
    assert res.X.shape == res.y.shape == res.y_true.shape == (2000,)
    np.testing.assert_allclose(res.y_true, LAWS[law](res.X), rtol=0, atol=0)
    noise = res.y - res.y_true
    assert abs(noise.mean()) < 4 * 0.25 / np.sqrt(2000) and noise.std() == pytest.approx(0.25, rel=0.05)
    x, y = res  # unpacks as the tuple of before the Bunch
    assert x is res.X and y is res.y
    X2, y2 = noisy_law(law, n=2000, sigma=0.25, random_state=7, return_X_y=True)
    assert np.array_equal(X2, res.X) and np.array_equal(y2, res.y)
