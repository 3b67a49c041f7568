"""The fused numba kernels equal the NumPy references (float64 to 1e-14, float32 to 1e-6)."""

import numba
import numpy as np
import pytest

from physml.optim import _kernels as K

RTOL = {np.float64: 1e-14, np.float32: 1e-6}
# sizes below and above the switch to the parallel kernel
SIZES = [7, 1000, K.PARALLEL_MIN_SIZE + 3]


def _arrays(n, dtype, k, seed):
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n).astype(dtype)
    g = rng.normal(size=n).astype(dtype)
    state = [np.abs(rng.normal(size=n)).astype(dtype) for _ in range(k)]   # s must be >= 0
    return theta, g, state


def _compare(kernel, reference, k, scalars, n, dtype, seed=0):
    theta, g, state = _arrays(n, dtype, k, seed)
    theta_ref, state_ref = theta.copy(), [s.copy() for s in state]
    c = np.dtype(dtype).type
    for _ in range(3):
        kernel(theta, g, *state, *scalars)
        reference(theta_ref, g, *state_ref, *[c(v) if isinstance(v, float) else v for v in scalars])
    np.testing.assert_allclose(theta, theta_ref, rtol=RTOL[dtype], atol=RTOL[dtype])
    for a, b in zip(state, state_ref):
        np.testing.assert_allclose(a, b, rtol=RTOL[dtype], atol=RTOL[dtype])
    assert theta.dtype == dtype


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradient_descent_kernel_matches_reference(n, dtype):
    _compare(K.gradient_descent, K.gradient_descent_reference, 0, (0.05,), n, dtype)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_kernel_matches_reference(n, dtype, nesterov):
    _compare(K.momentum, K.momentum_reference, 1, (0.05, 0.9, nesterov), n, dtype)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("inside", [False, True])
def test_rmsprop_kernel_matches_reference(n, dtype, inside):
    _compare(K.rmsprop, K.rmsprop_reference, 1, (0.01, 0.9, 1e-8, inside), n, dtype)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_kernel_matches_reference(n, dtype):
    t = 3
    _compare(K.adam, K.adam_reference, 2, (1e-3, 0.9, 0.999, 1e-8, 1 - 0.9**t, 1 - 0.999**t), n, dtype)


def test_kernel_path_is_taken_for_contiguous_arrays():
    # the dispatch must use the kernel for C-contiguous float arrays and the reference otherwise
    theta = np.ones((4, 5))
    assert K._fusable(theta, np.ones((4, 5)))
    assert not K._fusable(theta[:, ::2], np.ones((4, 3)))
    assert not K._fusable(theta, np.ones((4, 5), dtype=np.float32))


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="NUMBA_DISABLE_JIT=1: nothing is compiled or cached")
@pytest.mark.parametrize("pair", ["_GD", "_MOMENTUM", "_RMSPROP", "_ADAM"])
def test_serial_and_parallel_kernels_have_separate_disk_caches(pair):
    # numba's cache file is named after the function's qualified name and its index ignores
    # parallel=True: with one name, the parallel kernel would load the serial machine code.
    serial, parallel = getattr(K, pair)
    assert not serial.targetoptions.get("parallel") and parallel.targetoptions["parallel"]
    assert serial.py_func.__qualname__ != parallel.py_func.__qualname__
    assert serial.py_func.__code__ is parallel.py_func.__code__
