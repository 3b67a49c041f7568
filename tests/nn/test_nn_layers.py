"""Layers: back-propagation against finite differences (float64), dropout, flatten, in-place safety."""

import numpy as np
import pytest

from physml.nn import (
    ELU,
    Dense,
    Dropout,
    Flatten,
    LeakyReLU,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    numerical_gradient,
    relative_error,
)

ACTIVATION_LAYERS = [Sigmoid, Tanh, ReLU, lambda: LeakyReLU(0.1), lambda: ELU(0.7), Softmax]
ACTIVATION_IDS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax"]


def _input_gradient_error(layer, x, rng):
    """E = sum(w * layer(x)) for random w: compare backward(w) with finite differences in x."""
    w = rng.normal(size=layer.forward(x).shape)

    def E(_=None):
        return float(np.sum(w * layer.forward(x)))

    E()
    analytic = np.array(layer.backward(w.copy()))
    return relative_error(analytic, numerical_gradient(E, x)), E


@pytest.mark.parametrize("make", ACTIVATION_LAYERS, ids=ACTIVATION_IDS)
def test_activation_backward_matches_finite_differences(make, rng):
    x = rng.normal(size=(7, 5)) * 2
    err, _ = _input_gradient_error(make(), x, rng)
    assert err < 1e-6


@pytest.mark.parametrize("input_grad", [True, False])
def test_dense_backward_matches_finite_differences(input_grad, rng):
    layer = Dense(4, 3, random_state=0, dtype=np.float64)
    layer.b[:] = rng.normal(size=3)
    layer.input_grad = input_grad
    x = rng.normal(size=(6, 4))
    w = rng.normal(size=(6, 3))

    def E(_=None):
        return float(np.sum(w * layer.forward(x)))

    E()
    g_x = layer.backward(w)
    assert relative_error(layer.dW, numerical_gradient(E, layer.W)) < 1e-6
    assert relative_error(layer.db, numerical_gradient(E, layer.b)) < 1e-6
    if input_grad:
        assert relative_error(g_x, numerical_gradient(E, x)) < 1e-6
    else:
        assert g_x is None


def test_dense_weight_shape_and_slide_convention(rng):
    layer = Dense(3, 2, random_state=1, dtype=np.float64)
    assert layer.W.shape == (3, 2) and layer.b.shape == (2,)
    x = rng.normal(size=(1, 3))
    # z_j = sum_k w_jk x_k + b_j with w_jk = W[k, j]
    z = layer.forward(x)
    assert np.allclose(z[0], [sum(layer.W[k, j] * x[0, k] for k in range(3)) for j in range(2)])


def test_dense_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_out"):
        Dense(3, 0)
    with pytest.raises(TypeError, match="n_in"):
        Dense(2.5, 3)
    with pytest.raises(ValueError, match="init"):
        Dense(2, 3, init="bogus")


def test_activations_closed_forms(rng):
    z = rng.normal(size=(4, 3)) * 3
    assert np.allclose(Sigmoid().forward(z), 1 / (1 + np.exp(-z)))
    assert np.allclose(Tanh().forward(z), np.tanh(z))
    assert np.allclose(ReLU().forward(z), np.where(z > 0, z, 0))
    assert np.allclose(LeakyReLU(0.2).forward(z), np.where(z > 0, z, 0.2 * z))
    assert np.allclose(ELU(1.5).forward(z), np.where(z > 0, z, 1.5 * (np.exp(z) - 1)))
    s = Softmax().forward(z)
    assert np.allclose(s, np.exp(z) / np.exp(z).sum(1, keepdims=True))


@pytest.mark.parametrize("make", ACTIVATION_LAYERS, ids=ACTIVATION_IDS)
def test_activations_finite_at_1e4(make):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = make().forward(z)
    assert np.isfinite(a).all()


def test_inplace_activation_in_network_leaves_input_untouched(rng):
    X = rng.normal(size=(5, 3))
    X0 = X.copy()
    net = Sequential([Tanh(), Dense(3, 4, random_state=0, dtype=np.float64), ReLU(),
                      Dense(4, 2, random_state=1, dtype=np.float64), Sigmoid()])
    assert not net[0].inplace_forward and net[2].inplace_forward and net[2].inplace_backward
    out = net.forward(X).copy()
    g = np.ones_like(out)
    net.backward(g)
    assert np.array_equal(X, X0) and np.array_equal(g, np.ones_like(out))
    assert np.allclose(out, net.forward(X0))


def test_network_input_grad_only_where_needed(rng):
    net = Sequential([Dense(3, 4, random_state=0, dtype=np.float64), Tanh(),
                      Dense(4, 1, random_state=1, dtype=np.float64)])
    assert not net[0].input_grad and net[2].input_grad
    X = rng.normal(size=(5, 3))
    net.forward(X)
    assert net.backward(np.ones((5, 1))) is None
    net.set_input_grad(True)
    w = rng.normal(size=(5, 1))

    def E(_=None):
        return float(np.sum(w * net.forward(X)))

    E()
    assert relative_error(net.backward(w), numerical_gradient(E, X)) < 1e-6


def test_dropout_is_inverted_and_identity_at_inference(rng):
    p = 0.3
    layer = Dropout(p, random_state=0)
    x = rng.normal(size=(400, 250))
    assert layer.forward(x, training=False) is x
    y = layer.forward(x, training=True)
    mask = layer.mask
    assert set(np.unique(mask)) == {0.0, 1 / (1 - p)}
    assert abs(np.mean(mask == 0) - p) < 0.01  # 1e5 Bernoulli draws: sd 0.0015
    assert np.allclose(y, x * mask)
    assert abs(np.mean(mask) - 1) < 0.01  # E[m/(1-p)] = 1: activations keep their mean
    g = rng.normal(size=x.shape)
    assert np.allclose(layer.backward(g), g * mask)


def test_dropout_gradient_with_fixed_mask(rng):
    layer = Dropout(0.5)
    x = rng.normal(size=(6, 4))
    w = rng.normal(size=(6, 4))

    def E(_=None):
        layer.rng = np.random.default_rng(3)
        return float(np.sum(w * layer.forward(x, training=True)))

    E()
    assert relative_error(layer.backward(w), numerical_gradient(E, x)) < 1e-6


def test_dropout_same_seed_same_mask(rng):
    x = rng.normal(size=(10, 10)).astype(np.float32)
    a = Dropout(0.5, random_state=7).forward(x, training=True).copy()
    b = Dropout(0.5, random_state=7).forward(x, training=True)
    assert np.array_equal(a, b) and a.dtype == np.float32


def test_dropout_rejects_p_one():
    with pytest.raises(ValueError, match="p"):
        Dropout(1.0)


def test_flatten_round_trip(rng):
    x = rng.normal(size=(3, 2, 4))
    f = Flatten()
    y = f.forward(x)
    assert y.shape == (3, 8) and np.array_equal(y, x.reshape(3, 8))
    assert np.array_equal(f.backward(y), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_keeps_dtype(dtype, rng):
    net = Sequential([Dense(5, 7, random_state=0, dtype=dtype), ReLU(), Dense(7, 2, random_state=1, dtype=dtype)])
    out = net.forward(rng.normal(size=(4, 5)))
    assert out.dtype == dtype
    net.backward(np.ones_like(out))
    assert all(g.dtype == dtype for g in net.gradients())


def _every_layer_net(dtype=np.float64):
    return Sequential([Dense(4, 6, random_state=0, dtype=dtype), Sigmoid(), Dense(6, 6, random_state=1, dtype=dtype),
                       Tanh(), Dense(6, 6, random_state=2, dtype=dtype), LeakyReLU(0.1),
                       Dense(6, 6, random_state=3, dtype=dtype), ELU(0.7), Dense(6, 5, random_state=4, dtype=dtype),
                       ReLU(), Dense(5, 3, random_state=5, dtype=dtype), Softmax()])


def test_gradient_check_of_a_network_with_every_layer_and_loss(rng):
    from physml.nn import BinaryCrossEntropy, CrossEntropy, FunctionalLoss, MSELoss, gradient_check

    X = rng.normal(size=(8, 4))
    net = _every_layer_net()
    for layer in net.layers:
        if isinstance(layer, Dense):
            layer.b[:] = rng.normal(scale=0.3, size=layer.b.shape)
    assert gradient_check(net, MSELoss(), X, rng.normal(size=(8, 3))) < 1e-6
    assert gradient_check(net, CrossEntropy(), X, rng.integers(0, 3, 8)) < 1e-6
    single = Sequential(net.layers[:-2] + [Dense(5, 1, random_state=6, dtype=np.float64)])
    assert gradient_check(single, BinaryCrossEntropy(), X, rng.integers(0, 2, 8)) < 1e-6
    assert gradient_check(single, FunctionalLoss(rng.normal(size=(3, 8))), X, rng.normal(size=3)) < 1e-6


def test_gradient_check_detects_a_wrong_backward(rng):
    from physml.nn import MSELoss, gradient_check

    class HalfTanh(Tanh):   # tanh' = 1 - a^2, written wrongly as (1 - a^2)/2
        def _grad(self, a, grad_out, out):
            super()._grad(a, grad_out, out)
            out *= 0.5

    net = Sequential([Dense(3, 4, random_state=0, dtype=np.float64), HalfTanh(),
                      Dense(4, 2, random_state=1, dtype=np.float64)])
    assert gradient_check(net, MSELoss(), rng.normal(size=(5, 3)), rng.normal(size=(5, 2))) > 0.1


def test_gradient_check_refuses_float32_parameters(rng):
    from physml.nn import MSELoss, gradient_check

    net = Sequential([Dense(3, 2, random_state=0)])   # float32 by default
    with pytest.raises(TypeError, match="float64"):
        gradient_check(net, MSELoss(), rng.normal(size=(4, 3)), rng.normal(size=(4, 2)))


def test_float32_network_back_propagates_a_float64_error(rng):
    # the default float32 network with float64 data and targets (the natural NumPy input)
    from physml.nn import MSELoss

    x = np.linspace(-1, 1, 5)[:, None]
    net32 = Sequential([Dense(1, 8, random_state=0), Tanh(), Dense(8, 1, random_state=1)])
    net64 = Sequential([Dense(1, 8, random_state=0, dtype=np.float64), Tanh(),
                        Dense(8, 1, random_state=1, dtype=np.float64)])
    for p32, p64 in zip(net32.parameters(), net64.parameters()):
        p64[...] = p32
    grads = []
    for net in (net32, net64):
        loss = MSELoss()
        loss.forward(net.forward(x), x ** 2)
        net.backward(loss.backward())
        grads.append([g.copy() for g in net.gradients()])
    assert all(g.dtype == np.float32 for g in grads[0])
    for g32, g64 in zip(*grads):
        np.testing.assert_allclose(g32, g64, rtol=1e-5, atol=1e-6)
    # a float64 error handed straight to the float32 network
    net32.forward(x)
    net32.backward(rng.normal(size=(5, 1)))
    assert all(g.dtype == np.float32 for g in net32.gradients())
