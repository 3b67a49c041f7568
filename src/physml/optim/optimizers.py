r"""The gradient-descent family of the lecture (S5, S6, S8-S10) behind one interface.

Every optimiser updates a list of NumPy arrays **in place**:

>>> import numpy as np
>>> from physml.optim import Adam
>>> theta = [np.array([1.0, -2.0])]
>>> opt = Adam(lr=0.1)
>>> opt.step(theta, [2 * theta[0]])   # gradient of |theta|^2
>>> opt.t
1

``step(params, grads)`` advances the step counter ``t`` (1 at the first
step), computes the learning rate :math:`\eta_t = \mathrm{lr}\cdot f(t)` of the
schedule ``f`` and applies the rule to each (parameter, gradient) pair. The
state of a rule (velocity ``v``, moments ``m`` and ``s``) is created lazily at
the first step, with the shape and dtype of its parameter, and is keyed by the
parameter's position in the list: pass the parameters in the same order at
every step. ``reset()`` forgets the state and sets ``t`` back to 0.

Parameters may be float32 or float64 arrays of any shape; gradients are cast
to the parameter's dtype. Hyperparameters are checked when the optimiser is
built (``ValueError`` naming the parameter) and again by ``set_params``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import Estimator, check_scalar, clone
from . import _kernels
from .schedules import get_schedule

__all__ = ["Optimizer", "GradientDescent", "Momentum", "RMSprop", "Adam", "Newton", "get_optimizer"]

_Real = numbers.Real


class Optimizer(Estimator):
    r"""Base class: step counter, learning-rate schedule and per-parameter state.

    Subclasses define ``_check_hyperparameters()``, ``_init_state(theta)``
    (a dict of arrays) and ``_update(theta, g, state, eta)``.

    Parameters
    ----------
    lr : float > 0
        Base learning rate :math:`\eta`.
    schedule : None, {"constant", "step", "exponential"} or callable, default None
        :math:`\eta_t = \eta\, f(t)`; see :mod:`physml.optim.schedules`.

    Attributes
    ----------
    t : int
        Number of steps taken since construction or the last ``reset()``.
    eta_t : float
        Learning rate used by the last step.
    state : dict of int -> dict of ndarray
        Per-parameter state, keyed by the parameter's position in ``params``.
    """

    def __init__(self, lr, schedule=None):
        self.lr = lr
        self.schedule = schedule
        self._validate()
        self.reset()

    def _validate(self):
        check_scalar(self.lr, "lr", _Real, min_val=0, include_boundaries="neither")
        self._schedule = get_schedule(self.schedule)
        self._check_hyperparameters()

    def _check_hyperparameters(self):
        """Subclasses check their own hyperparameters here."""

    def set_params(self, **params):
        """Set hyperparameters (checked again); returns self. The state is kept."""
        super().set_params(**params)
        self._validate()
        return self

    def reset(self):
        """Forget the state of every parameter and set the step counter back to 0."""
        self.t = 0
        self.eta_t = None
        self.state = {}
        self._checked = None

    def learning_rate(self, t: int) -> float:
        r"""The learning rate :math:`\eta_t` of step ``t`` (1-based)."""
        factor = self._schedule(t)
        eta = float(self.lr) * float(factor)
        if not np.isfinite(eta) or eta < 0:
            raise ValueError(f"schedule({t}) gave {factor!r}; a learning-rate factor must be finite and >= 0.")
        return eta

    def step(self, params, grads):
        r"""Update every parameter in place with its gradient; advances ``t`` by one.

        Parameters
        ----------
        params : list of ndarray (or one ndarray)
            Parameters :math:`\theta`, float32 or float64, any shape; written in place.
        grads : list of array-like (or one array)
            Gradients :math:`g_t = \nabla_\theta E`, same shapes as ``params``.
        """
        params, grads, fresh = self._check_pairs(params, grads)
        self.t += 1
        eta = self.learning_rate(self.t)
        self.eta_t = eta
        for i, (theta, g) in enumerate(zip(params, grads)):
            self._update(theta, g, self._state_for(i, theta, fresh), eta)

    def _check_pairs(self, params, grads):
        """Checked (params, grads) lists, and whether they are a new set; the checks run once per set.

        A training loop passes the same parameter and gradient arrays at every step: the arrays of
        the last checked set are held (so their identities cannot be reused by new arrays), and a
        step with the very same arrays skips the checks and the state-shape comparison.
        """
        if isinstance(params, np.ndarray):
            params, grads = [params], [grads]
        params, grads = list(params), list(grads)
        last = self._checked
        if (last is not None and len(params) == len(last[0]) and len(grads) == len(last[1])
                and all(a is b for a, b in zip(params, last[0])) and all(a is b for a, b in zip(grads, last[1]))):
            return params, grads, False
        params, checked = self._check_new_pairs(params, grads)
        # remembered only when no gradient had to be cast (a cast gives new arrays at every step)
        self._checked = (params, grads) if all(g is g0 for g, g0 in zip(checked, grads)) else None
        return params, checked, True

    def _check_new_pairs(self, params, grads):
        if len(params) != len(grads):
            raise ValueError(f"params and grads must have the same length, got {len(params)} and {len(grads)}.")
        out = []
        for i, (theta, g) in enumerate(zip(params, grads)):
            if not isinstance(theta, np.ndarray):
                raise TypeError(f"params[{i}] must be a NumPy array (it is updated in place), "
                                f"got {type(theta).__name__}.")
            if theta.dtype.kind != "f":
                raise TypeError(f"params[{i}] must have a floating dtype, got {theta.dtype}.")
            if not theta.flags.writeable:
                raise ValueError(f"params[{i}] is read-only; it must be writeable to be updated in place.")
            g = np.asarray(g)
            if g.shape != theta.shape:
                raise ValueError(f"grads[{i}] has shape {g.shape} but params[{i}] has shape {theta.shape}.")
            if g.dtype != theta.dtype:
                g = g.astype(theta.dtype)
            out.append(g)
        return params, out

    def _state_for(self, i, theta, fresh=True):
        state = self.state.get(i)
        if state is None:
            state = self.state[i] = self._init_state(theta)
        elif fresh:  # a new set of arrays: does the state (keyed by position) still fit?
            for name, a in state.items():
                if a.shape != theta.shape:
                    raise ValueError(f"params[{i}] has shape {theta.shape} but its state {name!r} has shape "
                                     f"{a.shape}; pass the parameters in the same order, or call reset().")
        return state

    def _init_state(self, theta):
        return {}

    def _update(self, theta, g, state, eta):
        raise NotImplementedError


class GradientDescent(Optimizer):
    r"""Gradient descent (S5).

    .. math::
        v_t = \eta_t\, g_t, \qquad \theta_{t+1} = \theta_t - v_t,
        \qquad g_t = \nabla_\theta E(\theta_t).

    Too small an :math:`\eta` crawls, too large an :math:`\eta` overshoots and
    diverges once :math:`\eta > 2/\lambda_{\max}` of the Hessian. With
    mini-batch gradients (S7) this is stochastic gradient descent, PyTorch's
    ``torch.optim.SGD(momentum=0)``.

    Parameters
    ----------
    lr : float > 0, default 0.01
        Learning rate :math:`\eta`.
    schedule : see :class:`Optimizer`
    """

    def __init__(self, lr=0.01, schedule=None):
        super().__init__(lr, schedule)

    def _update(self, theta, g, state, eta):
        _kernels.gradient_descent(theta, g, eta)


class Momentum(Optimizer):
    r"""Gradient descent with momentum (S8), optionally Nesterov's.

    .. math::
        v_t = \gamma\, v_{t-1} + \eta_t\, g_t, \qquad \theta_{t+1} = \theta_t - v_t,
        \qquad v_0 = 0,\ 0 \le \gamma < 1.

    Nesterov (``nesterov=True``) evaluates the gradient at the look-ahead
    point; written, as in PyTorch, in the variables of the current point:
    :math:`\theta_{t+1} = \theta_t - (\gamma v_t + \eta_t g_t)`.

    Parameters
    ----------
    lr : float > 0, default 0.01
        Learning rate :math:`\eta`.
    momentum : float in [0, 1), default 0.9
        :math:`\gamma`, the memory of past gradients.
    nesterov : bool, default False
    schedule : see :class:`Optimizer`

    Notes
    -----
    PyTorch's ``SGD(momentum=mu)`` stores :math:`b_t = \mu b_{t-1} + g_t` and
    steps :math:`\theta \mathrel{-}= \mathrm{lr}_t\, b_t`. With a constant rate
    the two coincide with :math:`v_t = \eta\, b_t` and :math:`\gamma = \mu`.
    With a varying rate they differ: the slide's :math:`v_t` keeps each past
    gradient with the rate of its own step,
    :math:`v_t = \sum_k \gamma^{t-k}\eta_k g_k`, whereas PyTorch rescales the
    whole history by the current rate, :math:`\mathrm{lr}_t \sum_k \mu^{t-k} g_k`.
    physml follows the slide.
    """

    def __init__(self, lr=0.01, momentum=0.9, nesterov=False, schedule=None):
        self.momentum = momentum
        self.nesterov = nesterov
        super().__init__(lr, schedule)

    def _check_hyperparameters(self):
        check_scalar(self.momentum, "momentum", _Real, min_val=0, max_val=1, include_boundaries="left")
        check_scalar(self.nesterov, "nesterov", (bool, np.bool_))
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0, got momentum=0.")

    def _init_state(self, theta):
        return {"v": np.zeros_like(theta, order="C")}

    def _update(self, theta, g, state, eta):
        gamma = float(self.momentum)
        _kernels.momentum(theta, g, state["v"], eta, gamma, bool(self.nesterov))


class RMSprop(Optimizer):
    r"""RMSprop (S9): the step divided by a running root-mean-square of the gradient.

    .. math::
        s_t = \beta\, s_{t-1} + (1-\beta)\, g_t^2, \qquad
        \theta_{t+1} = \theta_t - \eta_t\, \frac{g_t}{\sqrt{s_t + \epsilon}},
        \qquad s_0 = 0.

    Parameters
    ----------
    lr : float > 0, default 0.01
        Learning rate :math:`\eta`.
    beta : float in [0, 1), default 0.9
        Decay of the second-moment average (PyTorch's ``alpha``; its default is 0.99).
    eps : float >= 0, default 1e-8
        Regulariser :math:`\epsilon`.
    eps_inside_sqrt : bool, default True
        True: :math:`g/\sqrt{s+\epsilon}` as on the slide. False:
        :math:`g/(\sqrt{s}+\epsilon)` as in PyTorch's ``torch.optim.RMSprop``
        (and in Adam). The two differ where :math:`s \lesssim \epsilon`, i.e.
        for tiny gradients: the slide's form caps the step at
        :math:`\eta g/\sqrt\epsilon`, PyTorch's at :math:`\eta g/\epsilon`.
    schedule : see :class:`Optimizer`
    """

    def __init__(self, lr=0.01, beta=0.9, eps=1e-8, eps_inside_sqrt=True, schedule=None):
        self.beta = beta
        self.eps = eps
        self.eps_inside_sqrt = eps_inside_sqrt
        super().__init__(lr, schedule)

    def _check_hyperparameters(self):
        check_scalar(self.beta, "beta", _Real, min_val=0, max_val=1, include_boundaries="left")
        check_scalar(self.eps, "eps", _Real, min_val=0)
        check_scalar(self.eps_inside_sqrt, "eps_inside_sqrt", (bool, np.bool_))

    def _init_state(self, theta):
        return {"s": np.zeros_like(theta, order="C")}

    def _update(self, theta, g, state, eta):
        _kernels.rmsprop(theta, g, state["s"], eta, float(self.beta), float(self.eps), bool(self.eps_inside_sqrt))


class Adam(Optimizer):
    r"""Adam (S10): momentum on the first moment, RMSprop on the second, both bias-corrected.

    .. math::
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \\
        s_t &= \beta_2 s_{t-1} + (1-\beta_2)\, g_t^2, \\
        \hat m_t &= \frac{m_t}{1-\beta_1^t}, \qquad \hat s_t = \frac{s_t}{1-\beta_2^t}, \\
        \theta_{t+1} &= \theta_t - \eta_t\, \frac{\hat m_t}{\sqrt{\hat s_t} + \epsilon},
        \qquad m_0 = s_0 = 0.

    The slide prints :math:`m_t = \beta_1 m_{t-1} - (1-\beta_1) g_t`; the minus
    is a typo (Kingma and Ba 2015, Algorithm 1). Thanks to the bias correction
    the first step has length exactly :math:`\eta` in every coordinate
    (:math:`\hat m_1/\sqrt{\hat s_1} = g_1/|g_1|`, up to :math:`\epsilon`).
    Identical to ``torch.optim.Adam`` (``amsgrad=False``, no weight decay).

    Parameters
    ----------
    lr : float > 0, default 1e-3
        Learning rate :math:`\eta`.
    beta1, beta2 : float in [0, 1), defaults 0.9 and 0.999
        Decay of the first- and second-moment averages.
    eps : float >= 0, default 1e-8
    schedule : see :class:`Optimizer`
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, schedule=None):
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        super().__init__(lr, schedule)

    def _check_hyperparameters(self):
        check_scalar(self.beta1, "beta1", _Real, min_val=0, max_val=1, include_boundaries="left")
        check_scalar(self.beta2, "beta2", _Real, min_val=0, max_val=1, include_boundaries="left")
        check_scalar(self.eps, "eps", _Real, min_val=0)

    def _init_state(self, theta):
        return {"m": np.zeros_like(theta, order="C"), "s": np.zeros_like(theta, order="C")}

    def _update(self, theta, g, state, eta):
        beta1, beta2 = float(self.beta1), float(self.beta2)
        bc1 = 1.0 - beta1**self.t   # bias corrections, once per step
        bc2 = 1.0 - beta2**self.t
        _kernels.adam(theta, g, state["m"], state["s"], eta, beta1, beta2, float(self.eps), bc1, bc2)


class Newton(Optimizer):
    r"""Newton's method (S6): the step scaled by the inverse Hessian.

    .. math::
        v_t = \eta_t\, H^{-1}(\theta_t)\, \nabla E(\theta_t), \qquad \theta_{t+1} = \theta_t - v_t,
        \qquad H_{ij} = \frac{\partial^2 E}{\partial\theta_i\,\partial\theta_j}.

    With :math:`\eta = 1` it minimises a quadratic in one step. When
    :math:`H` is not positive definite (a saddle or a maximum, where the pure
    Newton step goes uphill), the step is damped, Levenberg-style:
    :math:`H + \lambda I` with :math:`\lambda = 2|\lambda_{\min}(H)| + \delta`
    and :math:`\delta` = ``damping`` times :math:`\max(1, \max_{ij}|H_{ij}|)`.
    The shift turns the most negative curvature into its absolute value, so
    :math:`H + \lambda I` is positive definite and the step goes downhill,
    no longer than a Newton step on :math:`|H|` along that direction. ``n_damped`` counts such
    steps; :func:`physml.optim.minimize` reports them in its message.

    The cost of a step is :math:`O(n^3)` for :math:`n` parameters (a
    Cholesky factorisation), which is why the lecture calls Newton impractical
    for machine learning; here it is the reference for small problems.

    Parameters
    ----------
    lr : float > 0, default 1.0
        Step length :math:`\eta` (1 is the pure Newton step).
    damping : float > 0, default 1e-6
        Relative shift :math:`\delta` added beyond :math:`|\lambda_{\min}|`.
    schedule : see :class:`Optimizer`

    Notes
    -----
    ``step(params, grads, hessians)`` takes, for each parameter of size
    :math:`n`, its gradient and its :math:`n \times n` Hessian (with respect to
    the flattened parameter); cross terms between parameters are not used.
    """

    def __init__(self, lr=1.0, damping=1e-6, schedule=None):
        self.damping = damping
        super().__init__(lr, schedule)

    def _check_hyperparameters(self):
        check_scalar(self.damping, "damping", _Real, min_val=0, include_boundaries="neither")

    def reset(self):
        super().reset()
        self.n_damped = 0
        self.last_damped = False

    def step(self, params, grads, hessians=None):
        r"""One Newton step on each parameter, in place.

        Parameters
        ----------
        params : list of ndarray (or one ndarray)
        grads : list of array-like, same shapes
        hessians : list of array-like of shape (p.size, p.size) (or one array)
            :math:`H` of each parameter.
        """
        if hessians is None:
            raise ValueError("Newton.step needs hessians: one (n, n) Hessian per parameter of size n.")
        if isinstance(params, np.ndarray):
            hessians = [hessians]
        params, grads, _ = self._check_pairs(params, grads)
        hessians = list(hessians)
        if len(hessians) != len(params):
            raise ValueError(f"hessians must have one entry per parameter, got {len(hessians)} for {len(params)}.")
        self.t += 1
        eta = self.learning_rate(self.t)
        self.eta_t = eta
        self.last_damped = False
        for i, (theta, g, H) in enumerate(zip(params, grads, hessians)):
            H = np.asarray(H, dtype=np.float64)
            n = theta.size
            if H.shape != (n, n):
                raise ValueError(f"hessians[{i}] must have shape ({n}, {n}), got {H.shape}.")
            if not np.isfinite(H).all():
                raise ValueError(f"hessians[{i}] contains NaN or inf.")
            v = eta * self._solve(H, g.reshape(-1).astype(np.float64))
            theta -= v.reshape(theta.shape).astype(theta.dtype, copy=False)

    def _solve(self, H, grad):
        r""":math:`H^{-1} g`, or :math:`(H+\lambda I)^{-1} g` when H is not positive definite."""
        from scipy.linalg import LinAlgError, cho_factor, cho_solve

        H = 0.5 * (H + H.T)
        try:
            return cho_solve(cho_factor(H), grad)
        except LinAlgError:
            pass
        self.n_damped += 1
        self.last_damped = True
        lam_min = np.linalg.eigvalsh(H)[0]
        scale = max(1.0, float(np.abs(H).max()))
        lam = 2 * abs(lam_min) + float(self.damping) * scale
        return cho_solve(cho_factor(H + lam * np.eye(len(H))), grad)


# The one optimiser registry: a name -> (class, fixed arguments). Learning rates and every other default
# come from the class itself, so they are written once, in its signature.
_REGISTRY = {
    "gd": (GradientDescent, {}),
    "sgd": (GradientDescent, {}),
    "momentum": (Momentum, {}),
    "nesterov": (Momentum, {"nesterov": True}),
    "rmsprop": (RMSprop, {}),
    "adam": (Adam, {}),
    "newton": (Newton, {}),
}


def _from_registry(optimizer, options, *, name, allow_newton):
    """A fresh optimiser from a name (built with ``options``) or an instance (copied, state-free).

    Shared by :func:`get_optimizer` and :func:`physml.optim.minimize`, which so treat an instance
    alike: the caller's object is never changed.
    """
    names = sorted(k for k in _REGISTRY if allow_newton or k != "newton")
    if isinstance(optimizer, Optimizer):
        if isinstance(optimizer, Newton) and not allow_newton:
            raise ValueError("Newton needs a Hessian at every step and cannot be an estimator's optimizer; "
                             f"use one of {names} or a first-order Optimizer instance.")
        if options:
            raise TypeError(f"options {sorted(options)} cannot be combined with an Optimizer instance; "
                            "set them on the instance.")
        return clone(optimizer)
    if not isinstance(optimizer, str):
        raise TypeError(f"{name} must be a name or an Optimizer instance, got {type(optimizer).__name__}.")
    key = optimizer.lower()
    if key not in names:
        raise ValueError(f"{name} must be one of {names} or an Optimizer instance, got {optimizer!r}.")
    cls, fixed = _REGISTRY[key]
    return cls(**{**fixed, **options})


def get_optimizer(optimizer, lr=None) -> Optimizer:
    r"""An optimiser from a name or an instance (for an estimator's ``optimizer=`` parameter).

    Parameters
    ----------
    optimizer : {"sgd", "gd", "momentum", "nesterov", "rmsprop", "adam"} or Optimizer
        A name builds that optimiser with ``lr`` and the class's other defaults
        ("momentum" and "nesterov" with :math:`\gamma = 0.9`). An instance (not
        :class:`Newton`, which needs Hessians) gives a new optimiser with the
        same hyperparameters and no state, so that fitting twice starts afresh
        and the caller's object is not changed; ``lr`` is then ignored.
    lr : float > 0 or None
        Learning rate for a name; None takes the class default (1e-3 for Adam, 0.01 otherwise).

    Returns
    -------
    Optimizer
        A new optimiser with ``t == 0``.
    """
    if isinstance(optimizer, Optimizer):
        return _from_registry(optimizer, {}, name="optimizer", allow_newton=False)
    return _from_registry(optimizer, {} if lr is None else {"lr": lr}, name="optimizer", allow_newton=False)
