"""Initialisers (S18): variances match their formulas; zero init cannot break the symmetry."""

import numpy as np
import pytest

from physml.nn import INITIALIZERS, CrossEntropy, Dense, Sequential, Tanh, get_initializer
from physml.nn.initializers import normal

FAN_IN, FAN_OUT = 300, 500
EXPECTED_VAR = {
    "zeros": 0.0,
    "normal": 0.01**2,
    "glorot_uniform": 2 / (FAN_IN + FAN_OUT),
    "glorot_normal": 2 / (FAN_IN + FAN_OUT),
    "he_uniform": 2 / FAN_IN,
    "he_normal": 2 / FAN_IN,
}


@pytest.mark.parametrize("name", sorted(EXPECTED_VAR))
def test_initializer_variance_matches_formula(name):
    W = get_initializer(name)(FAN_IN, FAN_OUT, np.random.default_rng(0), np.float64)
    assert W.shape == (FAN_IN, FAN_OUT)
    # 1.5e5 draws: the sample variance is within ~0.5% (uniform) / ~0.4% (normal) of the truth
    assert np.var(W) == pytest.approx(EXPECTED_VAR[name], rel=0.02, abs=1e-15)
    assert abs(np.mean(W)) < 4 * np.sqrt(EXPECTED_VAR[name] / W.size) + 1e-15


@pytest.mark.parametrize("name", ["glorot_uniform", "he_uniform"])
def test_uniform_initializers_respect_their_limit(name):
    W = get_initializer(name)(FAN_IN, FAN_OUT, np.random.default_rng(1), np.float64)
    limit = np.sqrt(6 / (FAN_IN + FAN_OUT)) if name == "glorot_uniform" else np.sqrt(6 / FAN_IN)
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.99 * limit


def test_xavier_aliases():
    assert INITIALIZERS["xavier_uniform"] is INITIALIZERS["glorot_uniform"]
    assert INITIALIZERS["xavier_normal"] is INITIALIZERS["glorot_normal"]


def test_initializer_dtype_and_seed():
    a = get_initializer("he_normal")(4, 5, np.random.default_rng(3), np.float32)
    b = get_initializer("he_normal")(4, 5, np.random.default_rng(3), np.float32)
    assert a.dtype == np.float32 and np.array_equal(a, b)


def test_unknown_initializer_rejected():
    with pytest.raises(ValueError, match="init must be one of"):
        get_initializer("uniformish")


def _train_hidden_weights(init, rng, steps=30):
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = Sequential([Dense(3, 6, init=init, random_state=0, dtype=np.float64), Tanh(),
                      Dense(6, 2, init=init, random_state=1, dtype=np.float64)])
    loss = CrossEntropy()
    for _ in range(steps):
        loss.forward(net.forward(X, training=True), y)
        net.backward(loss.backward())
        for p, g in zip(net.parameters(), net.gradients()):
            p -= 0.5 * g
    return net[0].W, net[0].b


def test_zero_init_cannot_break_symmetry(rng):
    W, b = _train_hidden_weights("zeros", rng)
    # every hidden unit has the same incoming weights and bias after training
    assert np.allclose(W, W[:, :1]) and np.allclose(b, b[0])


def test_random_init_breaks_symmetry(rng):
    W, _ = _train_hidden_weights(normal, rng)
    assert np.min(np.ptp(W, axis=1)) > 1e-3


def test_zero_init_units_move_but_stay_identical_with_sigmoid(rng):
    # with tanh(0) = 0 zero weights never move at all; sigmoid(0) = 1/2 lets them move, yet every hidden
    # unit receives the same gradient at every step, so the units remain copies of one another
    from physml.nn import Sigmoid

    X = rng.normal(size=(40, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = Sequential([Dense(3, 6, init="zeros", dtype=np.float64), Sigmoid(),
                      Dense(6, 2, init="zeros", dtype=np.float64)])
    loss = CrossEntropy()
    for _ in range(30):
        loss.forward(net.forward(X, training=True), y)
        net.backward(loss.backward())
        for p, g in zip(net.parameters(), net.gradients()):
            p -= 0.5 * g
    W, b, W2 = net[0].W, net[0].b, net[2].W
    assert np.abs(W).max() > 1e-3 and np.abs(W2).max() > 1e-3   # the weights did move
    np.testing.assert_allclose(W, np.repeat(W[:, :1], 6, axis=1), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(b, b[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(W2, np.repeat(W2[:1], 6, axis=0), rtol=1e-12, atol=1e-15)
