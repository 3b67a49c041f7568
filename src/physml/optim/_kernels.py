r"""Fused in-place updates of the gradient-descent family (S5, S8-S10).

Each rule has two implementations:

* ``<rule>_reference``: a readable NumPy update, one line per equation of the
  slide; it works on arrays of any shape and strides;
* ``_<rule>_loop``: a numba kernel that does the whole update in ONE pass
  over memory (``prange`` over the flattened elements): it reads
  :math:`\theta, g` and the optimiser state once and writes them once, with no
  temporary arrays. An optimiser step is memory-bound, so one pass instead of
  NumPy's one-pass-per-operation is what makes it fast.

:func:`adam`, :func:`momentum`, :func:`rmsprop` and :func:`gradient_descent`
pick the kernel for C-contiguous arrays (the parallel one above
``PARALLEL_MIN_SIZE`` elements, where threads pay for their start-up) and the
reference otherwise; they take the reference's arguments. The per-step
scalars (:math:`\eta_t`, the bias corrections :math:`1-\beta_1^t`,
:math:`1-\beta_2^t`) are computed once per step and handed to the kernel as
one small array ``c`` of the parameters' dtype, so float32 parameters are
updated in float32 arithmetic by both implementations. No ``fastmath``: IEEE ``sqrt``
and division keep the float64 kernel equal to the reference to rounding, and
the loops vectorise without it.

Arguments marked ``# IN/OUT`` are updated in place.
"""

from __future__ import annotations

import types

import numba
import numpy as np

__all__ = [
    "PARALLEL_MIN_SIZE",
    "adam",
    "adam_reference",
    "gradient_descent",
    "gradient_descent_reference",
    "momentum",
    "momentum_reference",
    "rmsprop",
    "rmsprop_reference",
]

PARALLEL_MIN_SIZE = 32768


# ---------------------------------------------------------------------------
# NumPy references: the slide's equations, one line each
# ---------------------------------------------------------------------------


def gradient_descent_reference(theta, g, eta):
    r"""S5: :math:`v_t = \eta_t g_t`, :math:`\theta_{t+1} = \theta_t - v_t`."""
    theta -= eta * g


def momentum_reference(theta, g, v, eta, gamma, nesterov):
    r"""S8: :math:`v_t = \gamma v_{t-1} + \eta_t g_t`, :math:`\theta_{t+1} = \theta_t - v_t`.

    Nesterov: :math:`\theta_{t+1} = \theta_t - (\gamma v_t + \eta_t g_t)`.
    """
    v *= gamma
    v += eta * g
    if nesterov:
        theta -= gamma * v + eta * g
    else:
        theta -= v


def rmsprop_reference(theta, g, s, eta, beta, eps, eps_inside_sqrt):
    r"""S9: :math:`s_t = \beta s_{t-1} + (1-\beta) g_t^2`,
    :math:`\theta_{t+1} = \theta_t - \eta_t g_t/\sqrt{s_t+\epsilon}`.

    With ``eps_inside_sqrt=False``: :math:`\theta_{t+1} = \theta_t - \eta_t g_t/(\sqrt{s_t}+\epsilon)` (PyTorch).
    """
    s *= beta
    s += (1 - beta) * g * g
    if eps_inside_sqrt:
        theta -= eta * g / np.sqrt(s + eps)
    else:
        theta -= eta * g / (np.sqrt(s) + eps)


def adam_reference(theta, g, m, s, eta, beta1, beta2, eps, bc1, bc2):
    r"""S10 with ``bc1`` :math:`= 1-\beta_1^t`, ``bc2`` :math:`= 1-\beta_2^t`.

    :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t`,
    :math:`s_t = \beta_2 s_{t-1} + (1-\beta_2) g_t^2`,
    :math:`\hat m_t = m_t/(1-\beta_1^t)`, :math:`\hat s_t = s_t/(1-\beta_2^t)`,
    :math:`\theta_{t+1} = \theta_t - \eta_t \hat m_t/(\sqrt{\hat s_t}+\epsilon)`.
    """
    m *= beta1
    m += (1 - beta1) * g
    s *= beta2
    s += (1 - beta2) * g * g
    m_hat = m / bc1
    s_hat = s / bc2
    theta -= eta * m_hat / (np.sqrt(s_hat) + eps)


# ---------------------------------------------------------------------------
# numba kernels: same equations, one pass over memory, 1-D contiguous views
# ---------------------------------------------------------------------------


def _gd_loop(theta, g, c):
    # theta: IN/OUT; g: IN; c = [eta]
    eta = c[0]
    for i in numba.prange(theta.shape[0]):
        theta[i] -= eta * g[i]


def _momentum_loop(theta, g, v, c, nesterov):
    # theta, v: IN/OUT; g: IN; c = [eta, gamma]
    eta, gamma = c[0], c[1]
    for i in numba.prange(theta.shape[0]):
        v_i = gamma * v[i] + eta * g[i]
        v[i] = v_i
        if nesterov:
            theta[i] -= gamma * v_i + eta * g[i]
        else:
            theta[i] -= v_i


def _rmsprop_loop(theta, g, s, c, eps_inside_sqrt):
    # theta, s: IN/OUT; g: IN; c = [eta, beta, 1 - beta, eps]
    eta, beta, one_minus_beta, eps = c[0], c[1], c[2], c[3]
    for i in numba.prange(theta.shape[0]):
        g_i = g[i]
        s_i = beta * s[i] + one_minus_beta * g_i * g_i
        s[i] = s_i
        if eps_inside_sqrt:
            theta[i] -= eta * g_i / np.sqrt(s_i + eps)
        else:
            theta[i] -= eta * g_i / (np.sqrt(s_i) + eps)


def _adam_loop(theta, g, m, s, c):
    # theta, m, s: IN/OUT; g: IN; c = [eta, beta1, 1 - beta1, beta2, 1 - beta2, eps, 1/(1 - beta1^t), 1/(1 - beta2^t)]
    # The bias corrections are computed once per step; multiplying by their reciprocals leaves one division
    # per element, which keeps the loop memory-bound.
    eta, beta1, one_minus_beta1, beta2, one_minus_beta2, eps, inv_bc1, inv_bc2 = (
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7])
    for i in numba.prange(theta.shape[0]):
        g_i = g[i]
        m_i = beta1 * m[i] + one_minus_beta1 * g_i
        s_i = beta2 * s[i] + one_minus_beta2 * g_i * g_i
        m[i] = m_i
        s[i] = s_i
        m_hat = m_i * inv_bc1
        s_hat = s_i * inv_bc2
        theta[i] -= eta * m_hat / (np.sqrt(s_hat) + eps)


def _pair(loop):
    """A serial and a parallel compilation of ``loop`` (prange is range in the serial one).

    ``error_model="numpy"``: a division by zero gives inf/NaN as in NumPy instead
    of a Python exception, whose check in the loop would stop LLVM from
    vectorising the division and the square root.

    numba names a function's on-disk cache after its qualified name and keys the
    entries by signature only, not by ``parallel``: compiled from the same
    function, the two variants would load each other's cached machine code (the
    parallel one then runs on one thread). The parallel variant is therefore
    compiled from a copy of ``loop`` with its own name.
    """
    options = {"cache": True, "nogil": True, "error_model": "numpy"}
    parallel_loop = types.FunctionType(loop.__code__, loop.__globals__, loop.__name__ + "_parallel",
                                       loop.__defaults__, loop.__closure__)
    parallel_loop.__qualname__ = loop.__qualname__ + "_parallel"
    return numba.njit(**options)(loop), numba.njit(parallel=True, **options)(parallel_loop)


_GD = _pair(_gd_loop)
_MOMENTUM = _pair(_momentum_loop)
_RMSPROP = _pair(_rmsprop_loop)
_ADAM = _pair(_adam_loop)


def _fusable(theta, g) -> bool:
    return (theta.flags.c_contiguous and g.flags.c_contiguous and theta.dtype == g.dtype
            and theta.dtype in (np.float32, np.float64))


def _pick(kernels, theta):
    return kernels[theta.size >= PARALLEL_MIN_SIZE]


# ---------------------------------------------------------------------------
# Dispatch: kernel for contiguous float32/float64 arrays, reference otherwise
# ---------------------------------------------------------------------------


def _coefficients(theta, *values):
    # the per-step scalars as one small array of the parameter's dtype: float32 parameters get float32
    # arithmetic, and numba types one array argument faster than eight scalar ones
    return np.array(values, dtype=theta.dtype)


def gradient_descent(theta, g, eta):
    """In-place S5 step; see :func:`gradient_descent_reference`."""
    if not _fusable(theta, g):
        return gradient_descent_reference(theta, g, eta)
    _pick(_GD, theta)(theta.reshape(-1), g.reshape(-1), _coefficients(theta, eta))


def momentum(theta, g, v, eta, gamma, nesterov):
    """In-place S8 step; see :func:`momentum_reference`."""
    if not _fusable(theta, g):
        return momentum_reference(theta, g, v, eta, gamma, nesterov)
    _pick(_MOMENTUM, theta)(theta.reshape(-1), g.reshape(-1), v.reshape(-1), _coefficients(theta, eta, gamma),
                            bool(nesterov))


def rmsprop(theta, g, s, eta, beta, eps, eps_inside_sqrt):
    """In-place S9 step; see :func:`rmsprop_reference`."""
    if not _fusable(theta, g):
        return rmsprop_reference(theta, g, s, eta, beta, eps, eps_inside_sqrt)
    _pick(_RMSPROP, theta)(theta.reshape(-1), g.reshape(-1), s.reshape(-1),
                           _coefficients(theta, eta, beta, 1 - beta, eps), bool(eps_inside_sqrt))


def adam(theta, g, m, s, eta, beta1, beta2, eps, bc1, bc2):
    """In-place S10 step; see :func:`adam_reference`."""
    if not _fusable(theta, g):
        return adam_reference(theta, g, m, s, eta, beta1, beta2, eps, bc1, bc2)
    _pick(_ADAM, theta)(theta.reshape(-1), g.reshape(-1), m.reshape(-1), s.reshape(-1),
                        _coefficients(theta, eta, beta1, 1 - beta1, beta2, 1 - beta2, eps, 1 / bc1, 1 / bc2))
