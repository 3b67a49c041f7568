"""Optimiser steps (S8, S10) on 1e7 float32 parameters: physml's fused kernels vs torch.optim and the memory bound.

One step of Adam or momentum is memory-bound: it streams the parameters, the
gradients and the optimiser state once. physml fuses the whole update into one
parallel numba pass per array; PyTorch's ``foreach`` implementation runs one
multi-tensor operation per equation. The physical floor is measured in the
same run: ``np.add(p, g, out=p)`` moves 3 arrays (read p, g; write p), Adam
moves 7 (read p, g, m, s; write p, m, s) and momentum 5 (read p, g, v; write
p, v), so the bound is ``time_add * 7/3`` and ``time_add * 5/3``.
"""

import numpy as np

from _runner import Row

from physml.optim import Adam, Momentum
from physml.optim import _kernels

N_ARRAYS = 20


def _arrays(n_total, seed=0):
    rng = np.random.default_rng(seed)
    size = n_total // N_ARRAYS
    params = [rng.normal(size=size).astype(np.float32) for _ in range(N_ARRAYS)]
    grads = [(1e-3 * rng.normal(size=size)).astype(np.float32) for _ in range(N_ARRAYS)]
    return params, grads


def _bound_row(bench, row, t_add, n_arrays_moved, case, sizes):
    bound = t_add * n_arrays_moved / 3
    r = Row(bench.file, case, sizes, row.physml_s, bound, "memory bound", row.physml_s / bound,
            "arrays moved", n_arrays_moved, n_arrays_moved, goal="ratio <= 2.0")
    bench.rows.append(r)
    print(bench.format_row(r), flush=True)


def run(bench):
    import torch

    torch.set_num_threads(2)
    n_total = 10**6 if bench.quick else 10**7
    sizes = f"n={n_total:.0e} f32 in {N_ARRAYS}"
    params, grads = _arrays(n_total)
    tparams = [torch.from_numpy(p.copy()).requires_grad_() for p in params]
    for tp, g in zip(tparams, grads):
        tp.grad = torch.from_numpy(g)

    def max_abs(ps):
        return float(max(np.abs(p).max() for p in ps))

    # the bound is measured on copies, so that physml and torch keep stepping from identical parameters and
    # their max|theta| (the quality column) must agree to float32 rounding
    scratch = [p.copy() for p in params]
    t_add, _ = bench.time(lambda: [np.add(p, g, out=p) for p, g in zip(scratch, grads)], repeats=bench.repeats * 2)

    adam = Adam(lr=1e-3)
    torch_adam = torch.optim.Adam(tparams, lr=1e-3, foreach=True)
    row = bench.compare("Adam step", sizes=sizes, physml=lambda: adam.step(params, grads) or params,
                        peer=lambda: torch_adam.step() or [t.detach().numpy() for t in tparams],
                        peer_name="torch Adam foreach", quality=max_abs, quality_name="max|theta|",
                        goal="ratio <= 0.5")
    _bound_row(bench, row, t_add, 7, "Adam step vs memory traffic bound (7 arrays)", sizes)

    momentum = Momentum(lr=1e-3, momentum=0.9)
    torch_sgd = torch.optim.SGD(tparams, lr=1e-3, momentum=0.9, foreach=True)
    row = bench.compare("Momentum step", sizes=sizes, physml=lambda: momentum.step(params, grads) or params,
                        peer=lambda: torch_sgd.step() or [t.detach().numpy() for t in tparams],
                        peer_name="torch SGD(0.9) foreach", quality=max_abs, quality_name="max|theta|",
                        goal="ratio <= 0.5")
    _bound_row(bench, row, t_add, 5, "Momentum step vs memory traffic bound (5 arrays)", sizes)

    m = [np.zeros_like(p) for p in params]
    s = [np.zeros_like(p) for p in params]

    def numpy_adam():
        for theta, g, m_i, s_i in zip(scratch, grads, m, s):
            _kernels.adam_reference(theta, g, m_i, s_i, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001)
        return scratch

    bench.compare("Adam step: fused kernel vs NumPy reference", sizes=sizes,
                  physml=lambda: adam.step(params, grads) or params, peer=numpy_adam,
                  peer_name="NumPy, op by op", goal="ratio <= 0.5")
