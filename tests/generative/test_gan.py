"""GAN: the slides' 1D Gaussian learned to KL < 0.05, the 8-Gaussian ring's modes, gradients, warnings."""

import numpy as np
import pytest
from scipy import stats

from physml.exceptions import ConvergenceWarning
from physml.generative import GAN, kl_histogram
from physml.generative.gan import _train_gan
from physml.nn import Dense, LeakyReLU, Sequential
from physml.optim import Adam, GradientDescent


def _mlp(sizes, seed, dtype=np.float32):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(a, b, random_state=seed + i, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(LeakyReLU(0.2))
    return Sequential(layers)


def test_gan_learns_the_slides_gaussian_to_kl_below_005():
    rng = np.random.default_rng(0)
    X = rng.normal(4.0, 1.25, size=(20_000, 1))
    gan = GAN(_mlp([1, 16, 16, 1], 0), _mlp([1, 32, 32, 1], 10), latent_dim=1, optimizer=Adam(1e-3, beta1=0.5),
              n_iter=2000, random_state=0).fit(X)
    x = gan.sample(100_000, random_state=1)[:, 0]
    # D_KL(p_G || N(4, 1.25^2)): histogram of 1e5 generated samples against the target density
    kl = kl_histogram(x, stats.norm(4.0, 1.25).pdf, bins=100, range=(-2.0, 10.0))
    assert kl < 0.05
    assert x.mean() == pytest.approx(4.0, abs=0.15) and x.std() == pytest.approx(1.25, rel=0.15)
    # the discriminator ends near its equilibrium cost ln 2 (it cannot tell the samples apart)
    assert np.mean(gan.history_["d_loss"][-200:]) == pytest.approx(np.log(2), abs=0.05)


@pytest.mark.slow
def test_gan_covers_at_least_7_of_8_modes_of_the_ring():
    rng = np.random.default_rng(0)
    angles = 2 * np.pi * np.arange(8) / 8
    centres = 2.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    X = centres[rng.integers(0, 8, 20_000)] + 0.05 * rng.normal(size=(20_000, 2))
    gan = GAN(_mlp([4, 64, 64, 2], 0), _mlp([2, 64, 64, 1], 10), latent_dim=4, optimizer=Adam(1e-3, beta1=0.5),
              standardize=False, n_iter=6000, random_state=0).fit(X)
    x = gan.sample(10_000, random_state=1)
    d = np.linalg.norm(x[:, None, :] - centres[None], axis=2)
    near = d.min(axis=1) < 0.3  # within 6 standard deviations of a centre
    counts = np.bincount(d.argmin(axis=1)[near], minlength=8)
    assert np.sum(counts > 0.02 * len(x)) >= 7


@pytest.mark.parametrize("loss", ["non_saturating", "saturating"])
def test_generator_step_descends_its_cost_by_the_chain_rule_through_d(loss):
    # one generator step with plain gradient descent equals theta - lr * (finite-difference gradient of E_G)
    X = np.random.default_rng(0).normal(size=(64, 2))
    G, D = _mlp([3, 5, 2], 0, np.float64), _mlp([2, 6, 1], 5, np.float64)
    z = np.random.default_rng(7).standard_normal((8, 3))

    def E_G(_):  # reads the generator's parameters, which numerical_gradient perturbs in place
        l = D.forward(G.forward(z))
        return float(np.mean(np.logaddexp(0, -l)) if loss == "non_saturating" else -np.mean(np.logaddexp(0, l)))

    from physml.nn import numerical_gradient

    numeric = [numerical_gradient(E_G, p) for p in G.parameters()]
    before = [p.copy() for p in G.parameters()]

    class _Fixed:
        # the generator draws z from this generator: replay the fixed z
        def integers(self, lo, hi, size):
            return np.zeros(size, dtype=np.int64)

        def standard_normal(self, shape):
            return z

    D.set_input_grad(True)
    lr = 1e-3
    d_before = [p.copy() for p in D.parameters()]
    _train_gan(G, D, X[:1], GradientDescent(lr), GradientDescent(1e-300), 3, loss, 8, 1, 1, _Fixed(), False)
    # the D step used lr 1e-300: D is unchanged, so the G step saw the D of E_G above
    for p, b in zip(D.parameters(), d_before):
        np.testing.assert_allclose(p, b, rtol=1e-15, atol=1e-290)
    for p, b, g in zip(G.parameters(), before, numeric):
        np.testing.assert_allclose((b - p) / lr, g, rtol=1e-6, atol=1e-9)


def test_sample_is_reproducible_and_in_data_units():
    rng = np.random.default_rng(1)
    X = rng.normal(100.0, 5.0, size=(500, 1))
    gan = GAN(_mlp([1, 8, 1], 0), _mlp([1, 8, 1], 3), latent_dim=1, n_iter=50, random_state=0).fit(X)
    np.testing.assert_array_equal(gan.sample(10, random_state=3), gan.sample(10, random_state=3))
    assert gan.mean_[0] == pytest.approx(X.mean()) and gan.scale_[0] == pytest.approx(X.std())
    assert len(gan.history_["d_loss"]) == len(gan.history_["g_loss"]) == gan.n_iter_ == 50


def test_divergence_warns_and_stops():
    X = np.random.default_rng(0).normal(4, 1.25, size=(2000, 1))
    with pytest.warns(ConvergenceWarning, match="diverged"):
        gan = GAN(_mlp([1, 16, 1], 0), _mlp([1, 32, 1], 3), 1, optimizer=GradientDescent(1e4), n_iter=200,
                  random_state=0).fit(X)
    assert gan.history_["stop_reason"] == "nan" and gan.n_iter_ < 200


def test_mode_collapse_warns():
    X = np.random.default_rng(0).normal(4, 1.25, size=(2000, 1))
    G = Sequential([Dense(1, 16, random_state=0), LeakyReLU(0.2), Dense(16, 1, init="zeros")])
    with pytest.warns(ConvergenceWarning, match="Mode collapse"):
        GAN(G, _mlp([1, 32, 1], 3), 1, learning_rate=1e-9, n_iter=20, random_state=0).fit(X)


def test_bad_arguments_are_refused():
    X = np.zeros((10, 1))
    with pytest.raises(ValueError, match="loss"):
        GAN(_mlp([1, 4, 1], 0), _mlp([1, 4, 1], 1), 1, loss="wasserstein").fit(X)
    with pytest.raises(ValueError, match="features"):
        GAN(_mlp([1, 4, 2], 0), _mlp([2, 4, 1], 1), 1).fit(X)
    with pytest.raises(ValueError, match="logit"):
        GAN(_mlp([1, 4, 1], 0), _mlp([1, 4, 2], 1), 1).fit(X)
    with pytest.raises(TypeError, match="generator"):
        GAN("G", _mlp([1, 4, 1], 1), 1).fit(X)


def test_fit_trains_copies_and_leaves_the_given_networks_untouched():
    X = np.random.default_rng(2).normal(size=(300, 2))
    G, D = _mlp([2, 8, 2], 0), _mlp([2, 8, 1], 3)
    before = [p.copy() for p in G.parameters() + D.parameters()]
    gan = GAN(G, D, n_iter=20, random_state=0).fit(X)
    for p, b in zip(G.parameters() + D.parameters(), before):
        np.testing.assert_array_equal(p, b)
    assert gan.latent_dim_ == 2 and gan.generator_ is not G
    default = GAN(n_iter=5, random_state=0).fit(X)
    assert [lay.n_out for lay in default.generator_.layers if isinstance(lay, Dense)] == [64, 64, 2]


def test_save_load_round_trip_gives_the_same_samples(tmp_path):
    from physml import io

    X = np.random.default_rng(3).normal(2.0, 0.5, size=(400, 2))
    gan = GAN(n_iter=30, random_state=0).fit(X)
    io.save(gan, tmp_path / "gan.npz")
    loaded = io.load(tmp_path / "gan.npz")
    np.testing.assert_array_equal(loaded.sample(50, random_state=4), gan.sample(50, random_state=4))
    assert loaded.history_ == gan.history_
