r"""A feed-forward network as a stack of layers (S12, S16).

One forward pass through all layers, then one backward pass in reverse order
(back-propagation, S16): the cost's Delta^L enters the last layer and every
layer hands the error on to the one below while storing its own gradients.
"""

from __future__ import annotations

from .layers import Activation, Dense, Layer

__all__ = ["Sequential"]


class Sequential:
    r"""Layers applied one after another: a^l = layer_l(a^{l-1}).

    Parameters
    ----------
    layers : list of Layer

    Notes
    -----
    ``parameters()`` and ``gradients()`` return aligned lists of arrays, the
    interface of :mod:`physml.optim`: ``opt.step(net.parameters(), net.gradients())``
    updates the weights in place. The first :class:`Dense` layer does not
    compute a gradient with respect to the data (``input_grad = False``), and
    an activation that follows a :class:`Dense` layer overwrites that layer's
    output instead of allocating a new array (the Dense layer does not need it
    for its backward pass).

    Examples
    --------
    >>> import numpy as np
    >>> from physml.nn import Sequential, Dense, Tanh, MSELoss
    >>> net = Sequential([Dense(1, 8, random_state=0), Tanh(), Dense(8, 1, random_state=1)])
    >>> x = np.linspace(-1, 1, 5, dtype=np.float32)[:, None]
    >>> loss = MSELoss()
    >>> E = loss.forward(net.forward(x), x ** 2)
    >>> _ = net.backward(loss.backward())
    >>> [g.shape for g in net.gradients()]
    [(1, 8), (8,), (8, 1), (1,)]
    """

    def __init__(self, layers):
        layers = list(layers)
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a physml.nn Layer, got {type(layer).__name__}.")
        self.layers = layers
        self.input_grad = False
        self._wire()

    def _wire(self):
        """Decide, once, which layers may work in place and which need dE/dx."""
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Dense):
                # dE/dx is needed only if a layer below has parameters (or the caller asks for it)
                layer.input_grad = self.input_grad or any(lay.parameters() for lay in self.layers[:i])
            if isinstance(layer, Activation):
                prev = self.layers[i - 1] if i > 0 else None
                nxt = self.layers[i + 1] if i + 1 < len(self.layers) else None
                layer.inplace_forward = isinstance(prev, Dense)
                layer.inplace_backward = isinstance(nxt, Dense)

    def forward(self, x, training=False):
        r"""Output of the network for the batch ``x`` (an array owned by the last layer)."""
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, grad_out):
        r"""Back-propagate Delta^L = dE/d(output); returns dE/dx if ``input_grad`` else None."""
        g = grad_out
        for layer in reversed(self.layers):
            g = layer.backward(g)
            if g is None:
                return None
        return g

    def set_input_grad(self, flag=True):
        """Ask ``backward`` to return dE/dx (needed when the input itself is trained or inspected)."""
        self.input_grad = bool(flag)
        self._wire()
        return self

    def free_caches(self):
        """Drop every layer's batch buffers and cached forward values (see :meth:`Layer.free_caches`)."""
        for layer in self.layers:
            layer.free_caches()
        return self

    def parameters(self):
        """All trainable arrays, layer by layer ([W1, b1, W2, b2, ...])."""
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self):
        """dE/dtheta of the last backward pass, aligned with :meth:`parameters`."""
        return [g for layer in self.layers for g in layer.gradients()]

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __repr__(self):
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Sequential([{inner}])"

