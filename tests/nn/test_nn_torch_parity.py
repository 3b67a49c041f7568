"""Forward and backward of Dense + activation stacks equal torch.autograd on the same weights."""

import numpy as np
import pytest

from physml.nn import (
    ELU,
    BinaryCrossEntropy,
    CrossEntropy,
    Dense,
    LeakyReLU,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)

STACKS = {
    "sigmoid": (Sigmoid, "sigmoid"),
    "tanh": (Tanh, "tanh"),
    "relu": (ReLU, "relu"),
    "leaky_relu": (lambda: LeakyReLU(0.05), "leaky_relu"),
    "elu": (lambda: ELU(0.8), "elu"),
}


def _torch_act(torch, name):
    F = torch.nn.functional
    return {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu,
            "leaky_relu": lambda t: F.leaky_relu(t, 0.05), "elu": lambda t: F.elu(t, 0.8)}[name]


def _build(make_act, sizes):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(a, b, init="glorot_normal", random_state=i, dtype=np.float64))
        if i < len(sizes) - 2:
            layers.append(make_act())
    for i, layer in enumerate(layers[::2]):
        layer.b[:] = np.random.default_rng(100 + i).normal(scale=0.1, size=layer.b.shape)
    return Sequential(layers).set_input_grad(True)


def _torch_forward(torch, net, X, act):
    Ws = [torch.tensor(lay.W, requires_grad=True) for lay in net.layers if isinstance(lay, Dense)]
    bs = [torch.tensor(lay.b, requires_grad=True) for lay in net.layers if isinstance(lay, Dense)]
    x = torch.tensor(X, requires_grad=True)
    h = x
    for i, (W, b) in enumerate(zip(Ws, bs)):
        h = h @ W + b
        if i < len(Ws) - 1:
            h = act(h)
    return x, Ws, bs, h


@pytest.mark.parametrize("name", sorted(STACKS))
@pytest.mark.parametrize("loss_name", ["mse", "bce", "ce"])
def test_stack_matches_torch_autograd(torch, name, loss_name, rng):
    make_act, tname = STACKS[name]
    n_out = {"mse": 3, "bce": 1, "ce": 4}[loss_name]
    net = _build(make_act, [5, 8, 6, n_out])
    X = rng.normal(size=(10, 5))
    if loss_name == "mse":
        y = rng.normal(size=(10, 3))
        loss, tloss = MSELoss(), lambda out: torch.nn.functional.mse_loss(out, torch.tensor(y))
    elif loss_name == "bce":
        y = rng.integers(0, 2, size=10).astype(float)
        loss = BinaryCrossEntropy()

        def tloss(out):
            return torch.nn.functional.binary_cross_entropy_with_logits(out[:, 0], torch.tensor(y))
    else:
        y = rng.integers(0, 4, size=10)
        loss, tloss = CrossEntropy(), lambda out: torch.nn.functional.cross_entropy(out, torch.tensor(y))

    out = net.forward(X, training=True).copy()
    E = loss.forward(out, y)
    gX = net.backward(loss.backward()).copy()

    x, Ws, bs, h = _torch_forward(torch, net, X, _torch_act(torch, tname))
    tE = tloss(h)
    tE.backward()
    np.testing.assert_allclose(out, h.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert E == pytest.approx(tE.item(), rel=1e-12)
    np.testing.assert_allclose(gX, x.grad.numpy(), rtol=1e-10, atol=1e-13)
    dense = [lay for lay in net.layers if isinstance(lay, Dense)]
    for lay, W, b in zip(dense, Ws, bs):
        np.testing.assert_allclose(lay.dW, W.grad.numpy(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(lay.db, b.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_softmax_layer_matches_torch(torch, rng):
    z = rng.normal(size=(6, 5)) * 3
    w = rng.normal(size=(6, 5))
    layer = Softmax()
    a = layer.forward(z).copy()
    g = layer.backward(w)
    tz = torch.tensor(z, requires_grad=True)
    ta = torch.softmax(tz, dim=1)
    (ta * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a, ta.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(g, tz.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_float32_forward_close_to_torch_float32(torch, rng):
    net = Sequential([Dense(20, 16, random_state=0), ReLU(), Dense(16, 3, random_state=1)])
    X = rng.normal(size=(32, 20)).astype(np.float32)
    out = net.forward(X)
    t = torch.relu(torch.tensor(X) @ torch.tensor(net[0].W) + torch.tensor(net[0].b))
    t = t @ torch.tensor(net[2].W) + torch.tensor(net[2].b)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, t.numpy(), rtol=1e-5, atol=1e-5)
