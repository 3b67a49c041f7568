"""The shared training loop: one full-batch step equals the hand-written update, L2, splits, callbacks."""

import warnings

import numba
import numpy as np
import pytest

from physml.base import ConvergenceWarning
from physml.nn import CrossEntropy, Dense, MSELoss, ReLU, Sequential, Tanh, train
from physml.optim import Adam, GradientDescent


def _net(dtype=np.float64):
    return Sequential([Dense(3, 5, random_state=0, dtype=dtype), Tanh(), Dense(5, 2, random_state=1, dtype=dtype)])


@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_one_full_batch_epoch_is_one_gradient_step_with_l2(alpha, rng):
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    net, ref = _net(), _net()
    lr = 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        train(net, MSELoss(), X, Y, optimizer=GradientDescent(lr), batch_size=20, max_epochs=1, alpha=alpha)
    loss = MSELoss()
    loss.forward(ref.forward(X), Y)
    ref.backward(loss.backward())
    # theta <- theta - lr (dE/dtheta + alpha W): the L2 term (alpha/2)||W||^2 acts on weights, not biases
    for layer in (ref[0], ref[2]):
        layer.W -= lr * (layer.dW + alpha * layer.W)
        layer.b -= lr * layer.db
    for p, q in zip(net.parameters(), ref.parameters()):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14)


def test_history_and_callback(rng):
    X, y = rng.normal(size=(60, 3)), rng.integers(0, 2, size=60)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        h = train(_net(np.float32), CrossEntropy(), X.astype(np.float32), y, optimizer=Adam(1e-2), batch_size=16,
                  max_epochs=7, validation_data=(X[:10].astype(np.float32), y[:10]),
                  callback=lambda epoch, net, hist: seen.append((epoch, len(hist["train_loss"]))))
    assert seen == [(e, e) for e in range(1, 8)]
    assert len(h["train_loss"]) == len(h["val_loss"]) == h["n_epochs"] == 7
    assert h["best_loss"] == min(h["val_loss"]) and h["val_loss"][h["best_epoch"] - 1] == h["best_loss"]


def test_train_cost_is_the_sample_weighted_mean_of_batch_costs(rng):
    X, Y = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    net = _net()
    lr = 1e-300  # parameters do not move: the epoch cost is the full-data cost
    E_full = MSELoss().forward(net.forward(X), Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        h = train(net, MSELoss(), X, Y, optimizer=GradientDescent(lr), batch_size=4, max_epochs=1)
    assert h["train_loss"][0] == pytest.approx(E_full, rel=1e-12)


def test_thread_counts_restored_after_training(rng):
    before = numba.get_num_threads()
    net = Sequential([Dense(4, 8, random_state=0), ReLU(), Dense(8, 2, random_state=1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        train(net, CrossEntropy(), rng.normal(size=(30, 4)).astype(np.float32), rng.integers(0, 2, 30),
              optimizer=Adam(), batch_size=8, max_epochs=2)
    assert numba.get_num_threads() == before


def _snapshots():
    snaps = {}
    return snaps, lambda epoch, net, hist: snaps.__setitem__(epoch, [p.copy() for p in net.parameters()])


def test_look_back_restores_exactly_the_best_validation_epoch(rng):
    X, Y = rng.normal(size=(80, 3)), rng.normal(size=(80, 2))
    net = _net()
    snaps, callback = _snapshots()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        h = train(net, MSELoss(), X[:60], Y[:60], optimizer=Adam(0.05), batch_size=10, max_epochs=40,
                  validation_data=(X[60:], Y[60:]), callback=callback, random_state=0)
    assert 1 <= h["best_epoch"] < h["n_epochs"] == 40   # pure noise: the validation cost rises after its minimum
    for p, q in zip(net.parameters(), snaps[h["best_epoch"]]):
        np.testing.assert_array_equal(p, q)
    assert MSELoss().forward(net.forward(X[60:]), Y[60:]) == h["best_loss"]


def test_weights_overflowing_in_an_epochs_last_step_are_never_restored(rng):
    # full batch, no validation data: epoch 1's cost is finite (measured before its step), but its step
    # overflows the weights; they must not become the "best" parameters that training restores
    X, Y = rng.normal(size=(50, 3)), 1e3 * rng.normal(size=(50, 2))   # gradients ~1e3: 1e308 * g overflows
    net = _net()
    start = [p.copy() for p in net.parameters()]
    with pytest.warns(ConvergenceWarning, match="parameters became inf or NaN in epoch 1"):
        h = train(net, MSELoss(), X, Y, optimizer=GradientDescent(1e308), batch_size=50, max_epochs=5)
    assert h["stop_reason"] == "nan" and h["best_epoch"] == 0 and h["train_loss"] == []
    for p, q in zip(net.parameters(), start):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("kwargs, match", [
    ({"Y": np.zeros((20, 2))}, "same number of rows"),     # np.take(mode='clip') would reuse Y's last row
    ({"X": np.zeros((0, 3)), "Y": np.zeros((0, 2))}, "X"),
    ({"validation_data": (np.zeros((10, 3)), np.zeros((5, 2)))}, "validation_data"),
    ({"validation_data": np.zeros((10, 3))}, "validation_data"),
    ({"max_epochs": 0}, "max_epochs"),
    ({"patience": 0}, "patience"),
    ({"alpha": -1.0}, "alpha"),
    ({"optimizer": "adam"}, "optimizer"),
])
def test_train_rejects_bad_arguments_naming_them(kwargs, match):
    args = {"X": np.zeros((50, 3)), "Y": np.zeros((50, 2)), "optimizer": Adam(), "max_epochs": 2}
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        train(_net(), MSELoss(), args.pop("X"), args.pop("Y"), **args)


def test_train_accepts_lists_and_casts_to_the_network_dtype(rng):
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(30, 2))
    a, b = _net(np.float32), _net(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ha = train(a, MSELoss(), X.tolist(), Y.tolist(), optimizer=Adam(), max_epochs=2, random_state=0)
        hb = train(b, MSELoss(), X.astype(np.float32), Y.astype(np.float32), optimizer=Adam(), max_epochs=2,
                   random_state=0)
    assert ha["train_loss"] == hb["train_loss"]


def test_train_speaks_of_lr_and_the_estimator_of_learning_rate(rng):
    from physml.nn import MLPRegressor

    X, Y = rng.normal(size=(50, 3)), 1e3 * rng.normal(size=(50, 2))
    with pytest.warns(ConvergenceWarning, match="Try a lower lr,"):
        train(_net(), MSELoss(), X, Y, optimizer=GradientDescent(1e308), batch_size=50, max_epochs=2)
    with pytest.warns(ConvergenceWarning, match="Try a lower learning_rate,"):
        MLPRegressor((4,), optimizer="sgd", learning_rate=1e308, batch_size=50, max_epochs=2,
                     validation_fraction=0.0, dtype="float64", random_state=0).fit(X, Y)


def test_train_validates_once_and_the_loop_never_again(rng, monkeypatch):
    # the driver takes checked values: check_scalar runs for train's arguments only, not per batch or epoch
    import physml.nn.training as training

    calls = []
    original = training.check_scalar

    def counting(*args, **kwargs):
        calls.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(training, "check_scalar", counting)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        train(_net(), MSELoss(), rng.normal(size=(64, 3)), rng.normal(size=(64, 2)), optimizer=Adam(),
              batch_size=8, max_epochs=5)
    assert sorted(calls) == ["alpha", "batch_size", "max_epochs"]


def test_train_refuses_x_beyond_the_network_dtype_naming_x():
    with pytest.raises(ValueError, match="X holds values beyond the float32 range"):
        train(_net(np.float32), MSELoss(), np.full((4, 3), 1e39), np.zeros((4, 2)), optimizer=Adam(), max_epochs=1)
