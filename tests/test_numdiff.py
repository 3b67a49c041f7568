"""physml.numdiff: the one finite-difference module (gradient, Jacobian, Hessian, back-propagation check)."""

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der, rosen_hess

import physml.nn
import physml.optim
from physml.nn import CrossEntropy, Dense, MSELoss, Sequential, Tanh
from physml.numdiff import gradient_check, numerical_gradient, numerical_hessian, numerical_jacobian, relative_error


def test_nn_and_optim_expose_the_same_function():
    assert physml.nn.numerical_gradient is physml.optim.numerical_gradient is numerical_gradient
    assert physml.optim.numerical_hessian is numerical_hessian


def test_gradient_and_hessian_match_closed_forms(rng):
    for x in rng.normal(size=(5, 4)):
        np.testing.assert_allclose(numerical_gradient(rosen, x), rosen_der(x), rtol=1e-7, atol=1e-6)
        np.testing.assert_allclose(numerical_hessian(rosen_der, x), rosen_hess(x), rtol=1e-7, atol=1e-5)


def test_jacobian_of_a_linear_map_is_its_matrix(rng):
    A = rng.normal(size=(3, 5))
    np.testing.assert_allclose(numerical_jacobian(lambda x: A @ x, rng.normal(size=5)), A, rtol=1e-9, atol=1e-9)


def test_the_array_is_perturbed_in_place_and_restored_bit_for_bit(rng):
    W = rng.normal(size=(3, 4))
    holder = {"W": W}  # f reads W through another object, as a layer's loss does
    before = W.copy()
    g = numerical_gradient(lambda _: float(np.sum(np.sin(holder["W"]))), W)
    np.testing.assert_allclose(g, np.cos(before), rtol=1e-9)
    assert np.array_equal(W, before)
    g = numerical_gradient(lambda _: float(np.sum(np.sin(holder["W"]))), W, step=1e-4)
    np.testing.assert_allclose(g, np.cos(before), rtol=1e-7)


def test_a_view_that_cannot_be_perturbed_in_place_is_refused(rng):
    W = rng.normal(size=(3, 4))
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(lambda w: float(np.sum(w)), W[:, :3])


def test_lists_and_integer_arrays_are_copied_not_refused():
    g = numerical_gradient(lambda x: float(np.sum(np.asarray(x) ** 2)), [1, 2, 3])
    np.testing.assert_allclose(g, [2.0, 4.0, 6.0], rtol=1e-9)
    x = np.array([1, 2])
    numerical_gradient(lambda z: float(z @ z), x)
    assert x.dtype.kind == "i" and x.tolist() == [1, 2]


def test_hessian_does_not_touch_the_callers_array(rng):
    x = rng.normal(size=4)
    before = x.copy()
    numerical_hessian(rosen_der, x)
    assert np.array_equal(x, before)


def test_relative_error_values():
    assert relative_error([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert relative_error([0.0], [0.0]) == 0.0
    assert relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2) / 2)


def test_gradient_check_passes_correct_backprop_and_catches_a_wrong_one(rng):
    net = Sequential([Dense(3, 5, random_state=0, dtype=np.float64), Tanh(), Dense(5, 4, random_state=1,
                                                                                   dtype=np.float64)])
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 4, size=6)
    assert gradient_check(net, CrossEntropy(), X, y) < 1e-6
    wrong = net.layers[0]
    original = wrong.backward

    def backward(g):  # a sign error in dW, as a bug in a new layer would make
        out = original(g)
        wrong.dW *= -1
        return out

    wrong.backward = backward
    assert gradient_check(net, CrossEntropy(), X, y) > 0.5


def test_gradient_check_refuses_float32():
    net = Sequential([Dense(2, 2, random_state=0)])
    with pytest.raises(TypeError, match="float64"):
        gradient_check(net, MSELoss(), np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))
