"""The numba kernels equal their NumPy references (and run without the JIT)."""

import os
import subprocess
import sys

import numpy as np
import pytest

from physml.cluster._kernels import lloyd_pass, lloyd_pass_reference, lloyd_workspace


@pytest.mark.parametrize("n, d, k", [(1, 1, 1), (7, 3, 2), (255, 4, 5), (257, 2, 3), (3000, 8, 7)])
@pytest.mark.parametrize("update", [True, False])
def test_lloyd_pass_equals_reference(n, d, k, update):
    rng = np.random.default_rng(n + d + k)
    X = rng.normal(size=(n, d))
    centres = rng.normal(size=(k, d))
    ref = (np.empty(n, dtype=np.int64), np.zeros((k, d)), np.zeros(k, dtype=np.int64))
    out = (np.empty(n, dtype=np.int64), np.zeros((k, d)), np.zeros(k, dtype=np.int64))
    c_ref = lloyd_pass_reference(X, centres, *ref, update)
    c_out = lloyd_pass(X, centres, *out, update, lloyd_workspace(n, d, k))
    np.testing.assert_array_equal(out[0], ref[0])
    np.testing.assert_allclose(c_out, c_ref, rtol=1e-12)
    # the cost is the exact sum of squared distances to the chosen centres
    np.testing.assert_allclose(c_out, ((X - centres[ref[0]]) ** 2).sum(), rtol=1e-12)
    if update:
        np.testing.assert_array_equal(out[2], ref[2])
        np.testing.assert_allclose(out[1], ref[1], rtol=1e-12, atol=1e-12)


def test_lloyd_pass_is_the_same_without_jit():
    code = (
        "import numpy as np\n"
        "from physml.cluster._kernels import lloyd_pass, lloyd_pass_reference, lloyd_workspace\n"
        "rng = np.random.default_rng(0); X = rng.normal(size=(600, 3)); C = rng.normal(size=(4, 3))\n"
        "a = (np.empty(600, dtype=np.int64), np.zeros((4, 3)), np.zeros(4, dtype=np.int64))\n"
        "b = (np.empty(600, dtype=np.int64), np.zeros((4, 3)), np.zeros(4, dtype=np.int64))\n"
        "ca = lloyd_pass(X, C, *a, True, lloyd_workspace(600, 3, 4)); cb = lloyd_pass_reference(X, C, *b, True)\n"
        "assert (a[0] == b[0]).all() and (a[2] == b[2]).all() and np.allclose(a[1], b[1]) and np.isclose(ca, cb)\n"
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    env["PYTHONPATH"] = os.path.abspath(src) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
