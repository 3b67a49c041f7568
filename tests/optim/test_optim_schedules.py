"""Learning-rate schedules: eta_t = lr * f(t), by name, object or callable."""

import numpy as np
import pytest

from physml.optim import Constant, ExponentialDecay, GradientDescent, StepDecay, get_schedule


def test_schedules_give_their_closed_forms():
    t = np.arange(1, 11)
    assert [Constant()(k) for k in t] == [1.0] * 10
    np.testing.assert_allclose([StepDecay(3, 0.5)(k) for k in t], 0.5 ** ((t - 1) // 3), rtol=0)
    np.testing.assert_allclose([ExponentialDecay(0.9)(k) for k in t], 0.9 ** (t - 1), rtol=1e-15)


@pytest.mark.parametrize("name, cls", [("constant", Constant), ("step", StepDecay), ("exponential", ExponentialDecay)])
def test_schedule_names(name, cls):
    assert isinstance(get_schedule(name), cls)
    assert isinstance(get_schedule(None), Constant)


def test_optimizer_uses_schedule_rate_at_each_step():
    opt = GradientDescent(0.1, schedule="exponential")   # ExponentialDecay(0.99)
    theta = np.zeros(1)
    for _ in range(3):
        opt.step(theta, np.ones(1))   # a single array is accepted too
    np.testing.assert_allclose(theta, -0.1 * (1 + 0.99 + 0.99**2), rtol=1e-15)
    assert opt.learning_rate(3) == pytest.approx(0.1 * 0.99**2)


def test_bad_schedules_raise():
    with pytest.raises(TypeError, match="schedule"):
        get_schedule(0.5)
    with pytest.raises(ValueError, match="schedule"):
        GradientDescent(0.1, schedule=lambda t: -1.0).step([np.zeros(1)], [np.ones(1)])
    with pytest.raises(ValueError, match="gamma"):
        StepDecay(10, gamma=0.0 - 1e-9)
