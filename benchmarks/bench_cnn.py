"""Convolutional networks (S38-S40): physml vs the same computation in PyTorch (CPU, same number of threads).

1. Conv2D forward + backward: batch 64 of 1 x 40 x 40 images through
   Conv2D(1, 16, 3) -> ReLU -> Conv2D(16, 32, 3) (no padding), the error
   dE/dy = 1 back-propagated to both layers' weights (the data need no gradient).
2. One training epoch of a CNN on 10,000 40 x 40 configurations of +-1 spins
   (up-spin probability drawn per sample, label: above 1/2, an ordered-phase-like
   problem; the Monte Carlo sampling of real Ising configurations is benchmarked in
   bench_ising): Conv(1->16, 3, same) ReLU MaxPool2 Conv(16->32, 3, same) ReLU MaxPool2
   Flatten Dense(3200->64) ReLU Dense(64->2), softmax cross-entropy, Adam (lr 1e-4: stable, so both sides agree),
   batch 128, float32, the same initial weights and batch order on both sides;
   quality: the mean training cost of the epoch.

Both sides get the same threads: torch.set_num_threads(n) and, for physml, BLAS
and numba limited to n (threadpoolctl) - physml's train() itself drops BLAS to
one thread when every matrix product of the dense part is small, and the convolutions
run their small per-sample products on one BLAS thread.
"""

import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from physml.exceptions import ConvergenceWarning
from physml.nn import Conv2D, CrossEntropy, Dense, Flatten, MaxPool2D, ReLU, Sequential, train
from physml.optim import Adam

THREADS = 2
BATCH = 128
LR = 1e-4


def _spins(n, L=40, seed=0):
    rng = np.random.default_rng(seed)
    p_up = rng.uniform(0.25, 0.75, size=n).astype(np.float32)
    X = np.where(rng.random((n, L * L), dtype=np.float32) < p_up[:, None], 1.0, -1.0).astype(np.float32)
    return X.reshape(n, 1, L, L), (p_up > 0.5).astype(np.int64)


def _conv_pair(torch, batch=64):
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, 1, 40, 40)).astype(np.float32)
    c1, c2 = Conv2D(1, 16, 3, random_state=1), Conv2D(16, 32, 3, random_state=2)
    net = Sequential([c1, ReLU(), c2])
    c1.input_grad = False
    g = np.ones((batch, 32, 36, 36), dtype=np.float32)

    def ours():
        net.forward(x, training=True)
        net.backward(g)
        return float(c1.dW.sum())

    xt = torch.from_numpy(x)
    W1, b1 = torch.tensor(c1.W, requires_grad=True), torch.tensor(c1.b, requires_grad=True)
    W2, b2 = torch.tensor(c2.W, requires_grad=True), torch.tensor(c2.b, requires_grad=True)
    gt = torch.from_numpy(g)

    def theirs():
        for p in (W1, b1, W2, b2):
            p.grad = None
        y = F.conv2d(F.relu(F.conv2d(xt, W1, b1)), W2, b2)
        y.backward(gt)
        return float(W1.grad.sum())

    return ours, theirs


def _cnn():
    rng = np.random.default_rng(0)
    layers = [Conv2D(1, 16, 3, padding=1, random_state=rng), ReLU(), MaxPool2D(2),
              Conv2D(16, 32, 3, padding=1, random_state=rng), ReLU(), MaxPool2D(2), Flatten(),
              Dense(3200, 64, init="he_uniform", random_state=rng), ReLU(), Dense(64, 2, random_state=rng)]
    layers[0].input_grad = False
    return Sequential(layers)


def _physml_epoch(net, init, X, y, order_seed):
    def epoch():
        for p, p0 in zip(net.parameters(), init):
            np.copyto(p, p0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            history = train(net, CrossEntropy(), X, y, optimizer=Adam(lr=LR), batch_size=BATCH, max_epochs=1,
                            random_state=order_seed)
        return history["train_loss"][-1]

    return epoch


def _torch_epoch(torch, net, X, y, order_seed):
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(3200, 64), nn.ReLU(), nn.Linear(64, 2))
    ours = [lay for lay in net.layers if lay.parameters()]
    theirs = [model[0], model[3], model[7], model[9]]
    init = [(torch.from_numpy(np.ascontiguousarray(o.W if o.W.ndim == 4 else o.W.T)), torch.from_numpy(o.b.copy()))
            for o in ours]
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    order = torch.from_numpy(np.random.default_rng(order_seed).permutation(len(X)))
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        with torch.no_grad():
            for mod, (W, b) in zip(theirs, init):
                mod.weight.copy_(W)
                mod.bias.copy_(b)
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        total = 0.0
        for start in range(0, len(X), BATCH):
            idx = order[start : start + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        return total / len(X)

    return epoch


def run(bench):
    import torch

    torch.set_num_threads(THREADS)
    with threadpool_limits(limits=THREADS):
        ours, theirs = _conv_pair(torch)
        bench.compare("Conv2D fwd+bwd 1->16->32, 3x3", sizes="batch 64, 40x40, f32", physml=ours, peer=theirs,
                      peer_name=f"torch CPU {THREADS} threads", quality=float, quality_name="sum dW1",
                      goal="ratio <= 1.0")
        n = 2_000 if bench.quick else 10_000
        X, y = _spins(n)
        net = _cnn()
        init = [p.copy() for p in net.parameters()]
        bench.compare("CNN one epoch, spins 40x40, Adam", sizes=f"n={n} batch={BATCH} f32",
                      physml=_physml_epoch(net, init, X, y, order_seed=1),
                      peer=_torch_epoch(torch, net, X, y, order_seed=1), peer_name=f"torch CPU {THREADS} threads",
                      quality=float, quality_name="train cost", goal="ratio <= 1.0",
                      repeats=1 if bench.quick else None)
