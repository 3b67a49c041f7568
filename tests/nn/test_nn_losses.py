"""Costs (S15, S17): closed forms, finite-difference gradients, stability at |z| = 1e4."""

import numpy as np
import pytest

from physml.nn import BinaryCrossEntropy, CrossEntropy, FunctionalLoss, MSELoss, numerical_gradient, relative_error


def _gradient_error(loss, pred, target):
    loss.forward(pred, target)
    analytic = np.array(loss.backward())
    return relative_error(analytic, numerical_gradient(lambda _: loss.forward(pred, target), pred))


def test_mse_value_and_gradient(rng):
    pred, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    assert np.isclose(MSELoss().forward(pred, y), np.mean((pred - y) ** 2))
    assert _gradient_error(MSELoss(), pred, y) < 1e-6


def test_bce_value_has_the_minus_sign_and_gradient(rng):
    z, y = rng.normal(size=(9, 1)) * 2, rng.integers(0, 2, size=9)
    p = 1 / (1 + np.exp(-z[:, 0]))
    E = BinaryCrossEntropy().forward(z, y)
    assert np.isclose(E, -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert E > 0
    assert _gradient_error(BinaryCrossEntropy(), z, y) < 1e-6


def test_bce_stable_at_1e4():
    z = np.array([1e4, -1e4, 1e4, -1e4])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss = BinaryCrossEntropy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        E = loss.forward(z, y)
        g = loss.backward()
    assert np.isclose(E, (0 + 0 + 1e4 + 1e4) / 4)
    assert np.allclose(g, np.array([0, 0, 1, -1]) / 4)


@pytest.mark.parametrize("one_hot", [False, True])
def test_cross_entropy_value_and_gradient(one_hot, rng):
    z = rng.normal(size=(7, 4)) * 2
    labels = rng.integers(0, 4, size=7)
    target = np.eye(4)[labels] if one_hot else labels
    log_p = z - np.log(np.exp(z).sum(1, keepdims=True))
    assert np.isclose(CrossEntropy().forward(z, target), -np.mean(log_p[np.arange(7), labels]))
    assert _gradient_error(CrossEntropy(), z, target) < 1e-6


def test_cross_entropy_stable_at_1e4():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = CrossEntropy()
        E = loss.forward(z, np.array([0, 0]))
        g = loss.backward()
    # sample 0: log-sum-exp = 1e4, cost 0; sample 1: logsumexp = 1e4 + ln 2, cost 2e4 + ln 2
    assert np.isclose(E, (2e4 + np.log(2)) / 2)
    assert np.allclose(g[1], np.array([-1, 0.5, 0.5]) / 2)


def test_cross_entropy_rejects_bad_labels():
    with pytest.raises(ValueError, match="0..2"):
        CrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="shape"):
        CrossEntropy().forward(np.zeros((2, 3)), np.zeros((2, 2)))


def test_functional_loss_value_and_gradient(rng):
    A = rng.normal(size=(5, 12))
    f = rng.normal(size=(12, 1))
    F = rng.normal(size=5)
    assert np.isclose(FunctionalLoss(A).forward(f, F), np.mean((F - A @ f[:, 0]) ** 2))
    assert _gradient_error(FunctionalLoss(A), f, F) < 1e-6


def test_functional_loss_of_integrals_is_zero_for_the_true_function():
    # F_i = int_0^{t_i} f(x) dx for f = cos(2 pi x); trapezoid weights on a fine grid
    x = np.linspace(0, 1, 2001)
    t = np.linspace(0.1, 1, 10)
    h = x[1] - x[0]
    A = np.where(x[None, :] <= t[:, None] + 1e-12, h, 0.0)
    A[:, 0] = h / 2
    A[np.arange(10), np.searchsorted(x, t - 1e-12)] = h / 2
    F = np.sin(2 * np.pi * t) / (2 * np.pi)
    assert FunctionalLoss(A).forward(np.cos(2 * np.pi * x), F) < 1e-12


def test_functional_loss_rejects_mismatched_sizes():
    loss = FunctionalLoss(np.ones((3, 4)))
    with pytest.raises(ValueError, match="grid"):
        loss.forward(np.ones(5), np.ones(3))
    with pytest.raises(ValueError, match="rows"):
        loss.forward(np.ones(4), np.ones(2))


def test_cross_entropy_gradient_for_targets_whose_rows_do_not_sum_to_one(rng):
    # E = (1/n) sum_i [lse(z_i) sum_j y_ij - sum_j y_ij z_ij]: dE/dz = (softmax(z) sum_j y_ij - y) / n
    z = rng.normal(size=(6, 3))
    Y = rng.uniform(0, 2, size=(6, 3))
    assert _gradient_error(CrossEntropy(), z, Y) < 1e-6


@pytest.mark.parametrize("loss, pred, target, match", [
    (MSELoss(), np.zeros(3), np.zeros(2), "target"),
    (BinaryCrossEntropy(), np.zeros((3, 1)), np.zeros(4), "target"),
    (CrossEntropy(), np.zeros(3), np.array([0, 1, 0]), "pred"),
])
def test_losses_reject_mismatched_shapes_naming_the_argument(loss, pred, target, match):
    with pytest.raises(ValueError, match=match):
        loss.forward(pred, target)


def test_functional_loss_needs_at_least_one_datum():
    with pytest.raises(ValueError, match="A"):
        FunctionalLoss(np.zeros((0, 3)))


def test_functional_loss_takes_the_operator_keyword_of_the_issue(rng):
    # issue 4 promises FunctionalLoss(operator): the keyword is public API
    A = rng.normal(size=(4, 6))
    f, F = rng.normal(size=6), rng.normal(size=4)
    assert FunctionalLoss(operator=A).forward(f, F) == FunctionalLoss(A).forward(f, F)
    np.testing.assert_array_equal(FunctionalLoss(operator=A).A, A)
