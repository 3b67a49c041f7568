r"""Layers with an explicit forward pass and back-propagation (S12-S16, S20).

Every layer maps a batch ``x`` of shape ``(n, ...)`` to an output ``y``
(``forward``) and maps the error arriving from above, ``dE/dy``, to the error
it passes down, ``dE/dx`` (``backward``), storing the gradients of its own
parameters on the way. A network is a stack of layers (:class:`~physml.nn.Sequential`).

Back-propagation (S16), with ``z^l = a^{l-1} W^l + b^l`` and ``a^l = sigma(z^l)``:

.. math::

    \Delta^L_j = \partial E / \partial z^L_j, \qquad
    \Delta^l_j = \Big(\sum_k \Delta^{l+1}_k w^{l+1}_{kj}\Big)\, \sigma'(z^l_j),

    \partial E / \partial w^l_{jk} = \Delta^l_j a^{l-1}_k, \qquad
    \partial E / \partial b^l_j = \Delta^l_j .

The slide's ``w_{jk}`` (output j, input k) is ``W[k, j]`` here: ``W`` has
shape ``(n_in, n_out)`` so that a batch (rows are samples) is propagated by one
matrix product ``x @ W``, the work BLAS does fastest.

Speed. Outputs and input-gradients are written into buffers a layer owns and
reuses between calls (no allocation per mini-batch), so an array a layer
returns is only valid until its next ``forward``/``backward``; copy it to keep
it. Activations can work in place (``inplace_forward``/``inplace_backward``),
overwriting their input or incoming gradient; :class:`~physml.nn.Sequential`
switches this on where it is safe. Activations compute ``sigma'(z)`` from
their output ``a = sigma(z)``, so nothing else needs to be cached.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import expit

from ..base import check_random_state, check_scalar
from .functional import softmax
from .initializers import get_initializer

__all__ = [
    "Layer",
    "Dense",
    "Activation",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "Dropout",
    "Flatten",
    "ACTIVATIONS",
    "get_activation",
]


class Layer:
    r"""Base class of all layers.

    Subclasses implement ``forward(x, training)`` (caching what ``backward``
    needs) and ``backward(grad_out)`` (returning ``dE/dx`` and filling the
    gradients listed by :meth:`gradients`). ``params`` and ``grads`` are
    aligned lists of arrays; layers without parameters leave them empty.
    """

    params: tuple = ()
    grads: tuple = ()
    #: Attributes holding what the last forward pass cached for backward (freed by :meth:`free_caches`).
    _cached: tuple = ()

    def __init__(self):
        self._buffers = {}

    def free_caches(self):
        """Drop the batch buffers and cached forward values (a fitted model then stays small).

        The next ``forward`` allocates them again; parameters and their gradients are kept.
        """
        self._buffers = {}
        for name in self._cached:
            setattr(self, name, None)

    def _buffer(self, name, shape, dtype):
        """A reusable array of ``shape`` and ``dtype``; reallocated only when these change."""
        buf = self._buffers.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = np.empty(shape, dtype=dtype)
            self._buffers[name] = buf
        return buf

    def forward(self, x, training=False):
        """Output of the layer for the batch ``x``; ``training`` switches on dropout."""
        raise NotImplementedError

    def backward(self, grad_out):
        """Given ``dE/dy`` of the last forward output, return ``dE/dx`` and store parameter gradients."""
        raise NotImplementedError

    def parameters(self):
        """The trainable arrays of this layer (updated in place by the optimisers)."""
        return list(self.params)

    def gradients(self):
        """``dE/dtheta`` of the last backward pass, aligned with :meth:`parameters`."""
        return list(self.grads)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Dense(Layer):
    r"""Fully connected layer (S12): z = x W + b.

    Parameters
    ----------
    n_in, n_out : int
        Number of inputs and of neurons.
    init : str or callable, default "glorot_uniform"
        Weight initialiser (S18), a name from :data:`physml.nn.INITIALIZERS`.
    random_state : None, int or numpy.random.Generator
        Seed of the initialiser.
    dtype : numpy dtype, default float32

    Attributes
    ----------
    W : ndarray of shape (n_in, n_out)
        Weights; ``W[k, j]`` is the slide's ``w_{jk}`` from input k to neuron j.
    b : ndarray of shape (n_out,)
        Biases, initialised to zero.
    dW, db : ndarray
        ``dE/dW`` and ``dE/db`` of the last backward pass.
    input_grad : bool
        Compute ``dE/dx`` in ``backward``; a network switches it off for its first
        layer, saving one matrix product per batch (the data need no gradient).
    """

    _cached = ("x",)

    def __init__(self, n_in, n_out, init="glorot_uniform", random_state=None, dtype=np.float32):
        super().__init__()
        check_scalar(n_in, "n_in", numbers.Integral, min_val=1)
        check_scalar(n_out, "n_out", numbers.Integral, min_val=1)
        self.n_in, self.n_out = int(n_in), int(n_out)
        dtype = np.dtype(dtype)
        rng = check_random_state(random_state)
        W = np.asarray(get_initializer(init)(self.n_in, self.n_out, rng, dtype), dtype=dtype)
        if W.shape != (self.n_in, self.n_out):
            raise ValueError(f"init returned shape {W.shape}, expected {(self.n_in, self.n_out)}.")
        self.W = np.ascontiguousarray(W)
        self.b = np.zeros(self.n_out, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.params = (self.W, self.b)
        self.grads = (self.dW, self.db)
        self.input_grad = True
        self.x = None

    def forward(self, x, training=False):
        r"""z = x W + b for a batch x of shape (n, n_in); returns z of shape (n, n_out)."""
        if x.dtype != self.W.dtype:
            x = x.astype(self.W.dtype)
        self.x = x  # a^{l-1}: needed for dE/dW
        z = self._buffer("z", (x.shape[0], self.n_out), self.W.dtype)
        np.dot(x, self.W, out=z)
        z += self.b
        return z

    def backward(self, grad_out):
        r"""grad_out is Delta^l = dE/dz^l of shape (n, n_out).

        Returns ``sum_k Delta^l_k w^l_{kj}`` (shape (n, n_in)), the factor that
        the activation below multiplies by ``sigma'(z^{l-1})`` to get Delta^{l-1}.
        """
        if grad_out.dtype != self.W.dtype:
            grad_out = grad_out.astype(self.W.dtype)
        # dE/dw_jk = sum over the batch of Delta_j a^{l-1}_k  ->  dW = x^T Delta
        np.dot(self.x.T, grad_out, out=self.dW)
        # dE/db_j = sum over the batch of Delta_j
        np.sum(grad_out, axis=0, out=self.db)
        if not self.input_grad:
            return None
        # (sum_k Delta_k w_kj) for every sample  ->  Delta W^T
        g = self._buffer("grad_in", self.x.shape, self.W.dtype)
        np.dot(grad_out, self.W.T, out=g)
        return g

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out})"


class Activation(Layer):
    r"""Element-wise activation a = sigma(z) (S13); backward multiplies by sigma'(z).

    ``sigma'(z)`` is computed from the cached output ``a``, so a subclass
    implements ``_f(z, out)`` and ``_grad(a, grad_out, out)`` (writing
    ``grad_out * sigma'(z)`` to ``out``).
    """

    _cached = ("a",)

    def __init__(self):
        super().__init__()
        self.inplace_forward = False
        self.inplace_backward = False
        self.a = None

    def forward(self, x, training=False):
        a = x if self.inplace_forward else self._buffer("a", x.shape, x.dtype)
        self._f(x, a)
        self.a = a
        return a

    def backward(self, grad_out):
        # Delta^l = (sum_k Delta^{l+1}_k w_kj) * sigma'(z^l): grad_out holds the bracket
        g = grad_out if self.inplace_backward else self._buffer("g", grad_out.shape, grad_out.dtype)
        self._grad(self.a, grad_out, g)
        return g

    def _f(self, z, out):
        raise NotImplementedError

    def _grad(self, a, grad_out, out):
        raise NotImplementedError


class Sigmoid(Activation):
    r"""Logistic sigmoid sigma(z) = 1 / (1 + e^{-z}) (S13, saturating); sigma' = a (1 - a)."""

    def _f(self, z, out):
        expit(z, out=out)  # stable for |z| = 1e4

    def _grad(self, a, grad_out, out):
        t = self._buffer("t", a.shape, a.dtype)
        np.subtract(1, a, out=t)
        t *= a
        np.multiply(grad_out, t, out=out)


class Tanh(Activation):
    r"""Hyperbolic tangent (S13, saturating); tanh' = 1 - a^2."""

    def _f(self, z, out):
        np.tanh(z, out=out)

    def _grad(self, a, grad_out, out):
        t = self._buffer("t", a.shape, a.dtype)
        np.multiply(a, a, out=t)
        np.subtract(1, t, out=t)
        np.multiply(grad_out, t, out=out)


class ReLU(Activation):
    r"""Rectified linear unit max(0, z) (S13, non-saturating); ReLU' = 1 if z > 0 else 0."""

    def _f(self, z, out):
        np.maximum(z, 0, out=out)

    def _grad(self, a, grad_out, out):
        mask = self._buffer("mask", a.shape, np.bool_)
        np.greater(a, 0, out=mask)  # a > 0 exactly where z > 0
        np.multiply(grad_out, mask, out=out)


class LeakyReLU(Activation):
    r"""Leaky ReLU max(z, slope z) with 0 < slope < 1 (S13); derivative 1 or slope.

    Parameters
    ----------
    negative_slope : float, default 0.01
    """

    def __init__(self, negative_slope=0.01):
        super().__init__()
        check_scalar(negative_slope, "negative_slope", numbers.Real, min_val=0, max_val=1,
                     include_boundaries="neither")
        self.negative_slope = float(negative_slope)

    def _f(self, z, out):
        t = self._buffer("t", z.shape, z.dtype)
        np.multiply(z, self.negative_slope, out=t)
        np.maximum(z, t, out=out)

    def _grad(self, a, grad_out, out):
        t = self._buffer("t", a.shape, a.dtype)
        # 1 where a > 0, slope elsewhere: slope + (1 - slope) [a > 0]
        np.greater(a, 0, out=t, casting="unsafe")
        t *= 1.0 - self.negative_slope
        t += self.negative_slope
        np.multiply(grad_out, t, out=out)

    def __repr__(self):
        return f"LeakyReLU(negative_slope={self.negative_slope})"


class ELU(Activation):
    r"""Exponential linear unit (S13): z for z > 0, alpha (e^z - 1) otherwise.

    sigma'(z) = 1 for z > 0 and alpha e^z = a + alpha otherwise.

    Parameters
    ----------
    alpha : float, default 1.0
    """

    def __init__(self, alpha=1.0):
        super().__init__()
        check_scalar(alpha, "alpha", numbers.Real, min_val=0, include_boundaries="neither")
        self.alpha = float(alpha)

    def _f(self, z, out):
        t = self._buffer("t", z.shape, z.dtype)
        np.minimum(z, 0, out=t)
        np.expm1(t, out=t)
        t *= self.alpha
        np.maximum(z, 0, out=out)
        out += t

    def _grad(self, a, grad_out, out):
        t = self._buffer("t", a.shape, a.dtype)
        np.add(a, self.alpha, out=t)
        np.copyto(t, 1, where=a > 0)
        np.multiply(grad_out, t, out=out)

    def __repr__(self):
        return f"ELU(alpha={self.alpha})"


class Softmax(Activation):
    r"""Softmax over the last axis (S13/S14): a_j = e^{z_j} / sum_k e^{z_k}.

    Computed as ``exp(z - max z)`` so that |z| = 1e4 does not overflow. The
    Jacobian da_j/dz_i = a_j (delta_ij - a_i) gives
    ``dE/dz = a * (dE/da - sum_j a_j dE/da_j)``. For classification prefer
    :class:`~physml.nn.CrossEntropy`, which takes the logits directly.
    """

    def _f(self, z, out):
        softmax(z, out=out)

    def _grad(self, a, grad_out, out):
        s = np.einsum("...j,...j->...", grad_out, a)[..., None]
        np.subtract(grad_out, s, out=out)
        out *= a


class Dropout(Layer):
    r"""Inverted dropout (S20): during training each unit is dropped with probability p.

    y = x * m / (1 - p) with m_i ~ Bernoulli(1 - p); the 1/(1-p) keeps the
    expected activation unchanged, so at inference (``training=False``) the
    layer is the identity. The gradient flows through the kept units only:
    dE/dx = dE/dy * m / (1 - p).

    Parameters
    ----------
    p : float in [0, 1)
        Drop probability.
    random_state : None, int or numpy.random.Generator
        Source of the masks.
    """

    _cached = ("mask",)

    def __init__(self, p=0.5, random_state=None):
        super().__init__()
        check_scalar(p, "p", numbers.Real, min_val=0, max_val=1, include_boundaries="left")
        self.p = float(p)
        self.rng = check_random_state(random_state)
        self.mask = None

    def forward(self, x, training=False):
        if not training or self.p == 0.0:
            self.mask = None
            return x
        dtype = x.dtype if x.dtype.kind == "f" else np.float64
        mask = self._buffer("mask", x.shape, dtype)
        self.rng.random(out=mask, dtype=dtype)
        # m / (1 - p): 1/(1-p) where the uniform draw survives (>= p), else 0
        np.greater_equal(mask, self.p, out=mask, casting="unsafe")
        mask *= 1.0 / (1.0 - self.p)
        self.mask = mask
        y = self._buffer("y", x.shape, dtype)
        np.multiply(x, mask, out=y)
        return y

    def backward(self, grad_out):
        if self.mask is None:
            return grad_out
        g = self._buffer("g", grad_out.shape, grad_out.dtype)
        np.multiply(grad_out, self.mask, out=g)
        return g

    def __repr__(self):
        return f"Dropout(p={self.p})"


class Flatten(Layer):
    r"""Reshape (n, d1, d2, ...) to (n, d1 d2 ...); backward restores the shape."""

    def __init__(self):
        super().__init__()
        self.shape = None

    def forward(self, x, training=False):
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out):
        return grad_out.reshape(self.shape)


ACTIVATIONS = {
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
}


def get_activation(name):
    """A new activation layer from its name (a key of :data:`ACTIVATIONS`)."""
    if isinstance(name, str) and name in ACTIVATIONS:
        return ACTIVATIONS[name]()
    raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}.")
