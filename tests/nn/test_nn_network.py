"""Sequential (nn/network.py): the wiring it decides once, back-propagation through the stack, cache freeing."""

import numpy as np
import pytest

from physml.nn import Dense, Dropout, MSELoss, ReLU, Sequential, Tanh
from physml.numdiff import numerical_gradient, relative_error


def _net(dtype=np.float64):
    return Sequential([Dense(4, 6, random_state=0, dtype=dtype), Tanh(), Dense(6, 3, random_state=1, dtype=dtype),
                       ReLU(), Dense(3, 2, random_state=2, dtype=dtype)])


def test_only_layers_below_a_parameter_need_input_gradients():
    net = _net()
    assert [getattr(layer, "input_grad", None) for layer in net.layers] == [False, None, True, None, True]
    net.set_input_grad(True)
    assert net.layers[0].input_grad is True


def test_activations_after_dense_work_in_place():
    net = _net()
    assert net.layers[1].inplace_forward and net.layers[1].inplace_backward
    assert net.layers[3].inplace_forward and net.layers[3].inplace_backward


def test_parameters_and_gradients_are_aligned_layer_by_layer():
    net = _net()
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    assert [id(p) for p in net.parameters()] == [id(a) for d in dense for a in (d.W, d.b)]
    assert [id(g) for g in net.gradients()] == [id(a) for d in dense for a in (d.dW, d.db)]


def test_backward_through_the_stack_matches_finite_differences(rng):
    net = _net().set_input_grad(True)
    X, Y = rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    loss = MSELoss()

    def E(_=None):
        return loss.forward(net.forward(X), Y)

    E()
    g_x = net.backward(loss.backward()).copy()
    analytic = [g.copy() for g in net.gradients()]
    for p, g in zip(net.parameters(), analytic):
        assert relative_error(g, numerical_gradient(E, p)) < 1e-6
    assert relative_error(g_x, numerical_gradient(E, X)) < 1e-6


def test_backward_returns_none_without_input_gradient(rng):
    net = _net()
    net.forward(rng.normal(size=(2, 4)))
    assert net.backward(np.ones((2, 2))) is None


def test_free_caches_drops_buffers_and_forward_values_but_not_parameters(rng):
    net = Sequential([Dense(4, 6, random_state=0), ReLU(), Dropout(0.5, random_state=0), Dense(6, 2, random_state=1)])
    net.forward(rng.normal(size=(8, 4)).astype(np.float32), training=True)
    W = net.layers[0].W.copy()
    assert net.layers[0]._buffers and net.layers[0].x is not None and net.layers[2].mask is not None
    net.free_caches()
    for layer in net.layers:
        assert layer._buffers == {} and all(getattr(layer, a) is None for a in layer._cached)
    np.testing.assert_array_equal(net.layers[0].W, W)
    assert net.forward(np.ones((3, 4), np.float32)).shape == (3, 2)  # works again


def test_non_layers_are_refused_naming_the_position():
    with pytest.raises(TypeError, match=r"layers\[1\] must be a physml.nn Layer"):
        Sequential([Dense(2, 2), np.tanh])
