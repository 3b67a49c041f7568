"""One training epoch of an MLP (S12-S16): physml vs the same network in PyTorch (CPU, 2 threads).

Data: n samples of 1600 features (a 40 x 40 grid of +-1 spins whose up-spin
probability is drawn per sample; the label is whether that probability is
above 1/2, an ordered-phase-like problem), float32. Networks 1600-100-2 and
1600-256-256-2 with ReLU hidden units and a softmax cross-entropy on 2
logits, Adam (lr 1e-3), batch 128, no weight decay. Both sides start every
repeat from the same initial weights (physml's He-uniform draw copied into
torch) and train one epoch on the same shuffled order; the quality figure is
the mean training cost over the epoch, which must agree within a few percent.
"""

import warnings

import numpy as np

from physml.base import ConvergenceWarning
from physml.nn import CrossEntropy, Dense, ReLU, Sequential, train
from physml.optim import Adam

BATCH = 128


def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    p_up = rng.uniform(0.25, 0.75, size=n).astype(np.float32)
    X = np.where(rng.random((n, 1600), dtype=np.float32) < p_up[:, None], 1.0, -1.0).astype(np.float32)
    y = (p_up > 0.5).astype(np.int64)
    return X, y


def _network(sizes, seed=0):
    rng = np.random.default_rng(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(a, b, init="he_uniform", random_state=rng))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return Sequential(layers)


def _physml_epoch(net, init, X, y, order_seed):
    def epoch():
        for p, p0 in zip(net.parameters(), init):
            np.copyto(p, p0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            history = train(net, CrossEntropy(), X, y, optimizer=Adam(lr=1e-3), batch_size=BATCH, max_epochs=1,
                            random_state=order_seed)
        return history["train_loss"][-1]

    return epoch


def _torch_epoch(torch, net, X, y, order_seed):
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    modules = []
    for i, layer in enumerate(dense):
        modules.append(torch.nn.Linear(layer.n_in, layer.n_out))
        if i < len(dense) - 1:
            modules.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*modules)
    init = [(torch.from_numpy(layer.W.T.copy()), torch.from_numpy(layer.b.copy())) for layer in dense]
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    # the same batch order as physml's train(): one permutation drawn from the same seed
    order = torch.from_numpy(np.random.default_rng(order_seed).permutation(len(X)))
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        with torch.no_grad():
            for lin, (W, b) in zip(model[::2], init):
                lin.weight.copy_(W)
                lin.bias.copy_(b)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
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

    torch.set_num_threads(2)
    n = 5_000 if bench.quick else 50_000
    X, y = _data(n)
    for sizes in ([1600, 100, 2], [1600, 256, 256, 2]):
        net = _network(sizes)
        init = [p.copy() for p in net.parameters()]
        arch = "-".join(map(str, sizes))
        bench.compare(f"MLP one epoch {arch}, Adam", sizes=f"n={n} batch={BATCH} f32",
                      physml=_physml_epoch(net, init, X, y, order_seed=1),
                      peer=_torch_epoch(torch, net, X, y, order_seed=1), peer_name="torch CPU 2 threads",
                      quality=float, quality_name="train cost", goal="ratio <= 0.8")
