"""GAN training (S36): physml vs the same loop in PyTorch (CPU, same number of threads).

1,000 iterations (one discriminator step on 128 data + 128 fakes, one
non-saturating generator step on 128 fakes) on the slides' 1D target
N(4, 1.25^2) (20,000 samples, standardised). Generator 1-16-16-1, discriminator
1-32-32-1, LeakyReLU(0.2), Adam (lr 1e-3, beta1 0.5), float32, the same initial
weights on both sides. Quality: D_KL(p_G || N(4, 1.25^2)) by the histogram
estimator on 1e5 generated samples (100 bins on [-2, 10]).
"""

import warnings

import numpy as np
from scipy import stats
from threadpoolctl import threadpool_limits

from physml.exceptions import ConvergenceWarning
from physml.generative import GAN, kl_histogram
from physml.nn import Dense, LeakyReLU, Sequential
from physml.optim import Adam

THREADS = 1  # tiny networks: a second thread only waits (torch: 266 s on 2 busy cores vs ~5 s on one)
BATCH = 128
N_ITER = 1000


def _mlp(sizes, seed):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(a, b, random_state=seed + i))
        if i < len(sizes) - 2:
            layers.append(LeakyReLU(0.2))
    return Sequential(layers)


def _kl(samples):
    return kl_histogram(samples, stats.norm(4.0, 1.25).pdf, bins=100, range=(-2.0, 10.0))


def _torch_gan(torch, G0, D0, X, n_iter):
    nn = torch.nn

    def build(net):
        dense = [lay for lay in net.layers if isinstance(lay, Dense)]
        mods = []
        for i, lay in enumerate(dense):
            lin = nn.Linear(lay.n_in, lay.n_out)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(lay.W.T.copy()))
                lin.bias.copy_(torch.from_numpy(lay.b.copy()))
            mods.append(lin)
            if i < len(dense) - 1:
                mods.append(nn.LeakyReLU(0.2))
        return nn.Sequential(*mods)

    mean, std = X.mean(), X.std()
    data = torch.from_numpy(((X - mean) / std).astype(np.float32))
    bce = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(BATCH, 1), torch.zeros(BATCH, 1)
    labels = torch.cat([ones, zeros])

    def fit():
        G, D = build(G0), build(D0)
        opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
        gen = torch.Generator().manual_seed(0)
        for _ in range(n_iter):
            idx = torch.randint(0, len(data), (BATCH,), generator=gen)
            fake = G(torch.randn(BATCH, 1, generator=gen)).detach()
            opt_d.zero_grad(set_to_none=True)
            bce(D(torch.cat([data[idx], fake])), labels).backward()
            opt_d.step()
            opt_g.zero_grad(set_to_none=True)
            bce(D(G(torch.randn(BATCH, 1, generator=gen))), ones).backward()
            opt_g.step()
        with torch.no_grad():
            x = G(torch.randn(100_000, 1, generator=gen)).numpy()[:, 0].astype(np.float64) * std + mean
        return x

    return fit


def run(bench):
    import torch

    torch.set_num_threads(THREADS)
    X = np.random.default_rng(0).normal(4.0, 1.25, size=(20_000, 1))
    G0, D0 = _mlp([1, 16, 16, 1], 0), _mlp([1, 32, 32, 1], 10)

    def ours():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gan = GAN(G0, D0, 1, optimizer=Adam(1e-3, beta1=0.5), batch_size=BATCH, n_iter=N_ITER,
                      random_state=0).fit(X)
        return gan.sample(100_000, random_state=1)[:, 0]

    with threadpool_limits(limits=THREADS):
        bench.compare("GAN 1000 iterations, 1D N(4, 1.25^2)", sizes=f"batch {BATCH}, 1-16-16-1 / 1-32-32-1",
                      physml=ours, peer=_torch_gan(torch, G0, D0, X, N_ITER),
                      peer_name=f"torch CPU {THREADS} threads", quality=_kl, quality_name="KL(p_G||p)",
                      goal="ratio <= 1.0", repeats=1 if bench.quick else None)
