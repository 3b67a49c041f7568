r"""Convolution and pooling layers (S37-S39), channels first: inputs of shape (n, C, L) or (n, C, H, W).

A convolution layer (S38) sweeps ``O`` kernels of shape ``(C, kh, kw)`` over
the (zero-padded) input with a stride; output channel ``o`` is

.. math::

    y_{i,o,r,s} = b_o + \sum_{c=1}^{C} \sum_{p=0}^{k_h-1} \sum_{q=0}^{k_w-1}
                  W_{o,c,p,q}\, x_{i,c,\, r s_h + p - P_h,\, s s_w + q - P_w},

with zero outside the image. This is a cross-correlation, not the
convolution of signal processing (which flips the kernel,
``x_{r-p, s-q}``): deep learning calls it convolution because the kernel is
learned, so a flipped kernel is just another kernel. PyTorch, TensorFlow and
the slides use the same convention. Output size per axis:
``(H + 2 P - k) // s + 1``. The same weights act at every position (weight
sharing): the layer is equivariant to translations by multiples of the stride (S37).

Back-propagation, from the equation above:

.. math::

    \frac{\partial E}{\partial W_{o,c,p,q}} = \sum_{i,r,s} \Delta_{i,o,r,s}\, x_{i,c,r s_h+p,s s_w+q},\quad
    \frac{\partial E}{\partial b_o} = \sum_{i,r,s} \Delta_{i,o,r,s},\quad
    \frac{\partial E}{\partial x_{i,c,r s_h+p,s s_w+q}} \mathrel{+}= \sum_o W_{o,c,p,q}\, \Delta_{i,o,r,s}.

Pooling (S39) coarse-grains H and W and keeps the channels: max pooling
passes the error to the window's maximum, average pooling shares it equally.

Implementation: im2col + one matrix product per sample (:mod:`physml.nn._conv_kernels`);
the 1D layers are the 2D ones with a height of one.
"""

from __future__ import annotations

import numbers

import functools

import numpy as np
from threadpoolctl import ThreadpoolController

from ..base import check_random_state, check_scalar
from . import _conv_kernels as K
from .initializers import get_initializer
from .layers import Layer

__all__ = [
    "Conv1D",
    "Conv2D",
    "MaxPool1D",
    "MaxPool2D",
    "AvgPool1D",
    "AvgPool2D",
    "GlobalAvgPool",
    "Reshape",
    "output_size",
]

# inference runs im2col on chunks of samples whose columns fit in this many bytes
_INFERENCE_COLS_BYTES = 1 << 25


@functools.lru_cache(maxsize=1)
def _blas_controller():
    """The process's BLAS thread pools (inspected once: a fresh ``threadpool_limits`` costs ~2 ms a call)."""
    return ThreadpoolController()


def _one_blas_thread():
    """Context in which BLAS runs on one thread.

    The per-sample products of a convolution are small (16 -> 32 channels, 3 x 3 on
    38 x 38: 32 x 144 times 144 x 1296): a second BLAS thread busy-waits for its partner
    after each of them. Measured on 2 busy cores, batch 64: forward products 0.086 s on one
    thread, 4.1 s on two; the same collapse that :func:`physml.nn.train` avoids for small
    dense products.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


def output_size(size, kernel, stride=1, padding=0):
    r"""Number of kernel positions along one axis: (size + 2 padding - kernel) // stride + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def _tuple(value, name, n, min_val):
    """An int or a sequence of ``n`` ints, each checked, as a tuple of length n."""
    values = (value,) * n if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool) \
        else value
    try:
        values = tuple(values)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}.") from None
    if len(values) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}.")
    for v in values:
        check_scalar(v, name, numbers.Integral, min_val=min_val)
    return tuple(int(v) for v in values)


class _Sliding(Layer):
    """What convolution and pooling share: a window (kh, kw) moved with strides (sh, sw) over a padded input.

    Subclasses work on 4D arrays (n, C, H, W); a 1D layer (``_ndim = 1``) views
    (n, C, L) as (n, C, 1, L) and its window as (1, k).
    """

    _ndim = 2
    _pad_value = 0.0

    def _geometry(self, kernel_size, stride, padding):
        nd = self._ndim
        k = _tuple(kernel_size, "kernel_size", nd, 1)
        s = _tuple(k if stride is None else stride, "stride", nd, 1)
        p = _tuple(padding, "padding", nd, 0)
        for ki, pi in zip(k, p):
            if 2 * pi > ki:
                raise ValueError(f"padding must be at most half the kernel size, got padding={padding!r} for "
                                 f"kernel_size={kernel_size!r}.")
        self.kernel_size, self.stride, self.padding = k, s, p
        if nd == 1:
            k, s, p = (1,) + k, (1,) + s, (0,) + p
        (self._kh, self._kw), (self._sh, self._sw), (self._ph, self._pw) = k, s, p

    def _as4d(self, x):
        if x.ndim != self._ndim + 2:
            shape = "(n, C, L)" if self._ndim == 1 else "(n, C, H, W)"
            raise ValueError(f"{type(self).__name__} expects input of shape {shape}, got {x.shape}.")
        return x[:, :, None, :] if self._ndim == 1 else x

    def _out_hw(self, H, W):
        Ho = output_size(H, self._kh, self._sh, self._ph)
        Wo = output_size(W, self._kw, self._sw, self._pw)
        if Ho < 1 or Wo < 1:
            raise ValueError(f"{type(self).__name__}: input of size {(H, W)[2 - self._ndim:]} is smaller than the "
                             f"kernel {self.kernel_size} with padding {self.padding}.")
        return Ho, Wo

    def _padded(self, x4, name="xp"):
        """The input with its border of padding (the input itself when there is no padding)."""
        if self._ph == 0 and self._pw == 0:
            return np.ascontiguousarray(x4)
        n, C, H, W = x4.shape
        xp = self._buffer(name, (n, C, H + 2 * self._ph, W + 2 * self._pw), x4.dtype)
        xp.fill(self._pad_value)
        xp[:, :, self._ph : self._ph + H, self._pw : self._pw + W] = x4
        return xp

    def _unpadded(self, dxp):
        """dE/dx from dE/dxp: the border's gradient is dropped; returned in the input's shape."""
        H, W = self._in_shape[2], self._in_shape[3]
        dx = dxp[:, :, self._ph : self._ph + H, self._pw : self._pw + W]
        return dx[:, :, 0, :] if self._ndim == 1 else dx

    def _out(self, y4):
        return y4[:, :, 0, :] if self._ndim == 1 else y4

    def _grad4(self, grad_out):
        g = grad_out[:, :, None, :] if self._ndim == 1 else grad_out
        return np.ascontiguousarray(g, dtype=self._dtype)


class _Conv(_Sliding):
    """Convolution layer in any of 1 or 2 dimensions (see :class:`Conv2D`)."""

    _cached = ("x",)  # the padded input, which dE/dW needs; the im2col columns live in the batch buffers

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, init="he_uniform",
                 random_state=None, dtype=np.float32):
        super().__init__()
        check_scalar(in_channels, "in_channels", numbers.Integral, min_val=1)
        check_scalar(out_channels, "out_channels", numbers.Integral, min_val=1)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self._geometry(kernel_size, stride, padding)
        dtype = np.dtype(dtype)
        self._dtype = dtype
        rng = check_random_state(random_state)
        C, O, kh, kw = self.in_channels, self.out_channels, self._kh, self._kw
        fan_in = C * kh * kw
        # the initialisers draw (fan_in, fan_out) matrices: one column per output channel, as for a Dense layer
        W = np.asarray(get_initializer(init)(fan_in, O, rng, dtype), dtype=dtype)
        self._W4 = np.ascontiguousarray(W.T).reshape(O, C, kh, kw)
        self._dW4 = np.zeros_like(self._W4)
        shape = (O, C) + self.kernel_size
        self.W, self.dW = self._W4.reshape(shape), self._dW4.reshape(shape)  # views: one memory for both
        self.b = np.zeros(O, dtype=dtype)
        self.db = np.zeros_like(self.b)
        self.params = (self.W, self.b)
        self.grads = (self.dW, self.db)
        self.input_grad = True
        self.x = None

    def forward(self, x, training=False):
        r"""y = W * x + b (cross-correlation) for x of shape (n, C, [H,] W); returns (n, O, [Ho,] Wo)."""
        x4 = self._as4d(x if x.dtype == self._dtype else x.astype(self._dtype))
        if x4.shape[1] != self.in_channels:
            raise ValueError(f"{type(self).__name__} expects {self.in_channels} input channels, got {x4.shape[1]}.")
        n, C, H, W = x4.shape
        self._in_shape = x4.shape
        Ho, Wo = self._out_hw(H, W)
        O, Kc, P = self.out_channels, C * self._kh * self._kw, Ho * Wo
        xp = self._padded(x4)
        W2 = self._W4.reshape(O, Kc)
        y = self._buffer("y", (n, O, Ho, Wo), self._dtype)
        y3 = y.reshape(n, O, P)
        # during training backward needs the columns of the whole batch; at inference they go in chunks
        chunk = n if training else max(1, min(n, _INFERENCE_COLS_BYTES // (Kc * P * self._dtype.itemsize)))
        cols = self._buffer("cols", (chunk, Kc, P), self._dtype)
        with _one_blas_thread():
            for s in range(0, n, chunk):
                m = min(chunk, n - s)
                K.im2col(xp[s : s + m], self._kh, self._kw, self._sh, self._sw, cols[:m])
                # y_i = W_(O, C kh kw) cols_i: one GEMM per sample, written straight into channels-first y
                np.matmul(W2, cols[:m], out=y3[s : s + m])
        y += self.b[:, None, None]
        self.x = xp
        return self._out(y)

    def backward(self, grad_out):
        r"""grad_out = dE/dy of shape (n, O, [Ho,] Wo); stores dE/dW, dE/db and returns dE/dx."""
        dy = self._grad4(grad_out)
        n, O, Ho, Wo = dy.shape
        P = Ho * Wo
        cols = self._buffers["cols"]
        dy3 = dy.reshape(n, O, P)
        Kc = cols.shape[1]
        with _one_blas_thread():
            # dE/dW = sum_i dy_i cols_i^T ; dE/db = sum over samples and positions
            np.sum(np.matmul(dy3, cols.transpose(0, 2, 1)), axis=0, out=self._dW4.reshape(O, Kc))
            np.sum(dy3, axis=(0, 2), out=self.db)
            if not self.input_grad:
                return None
            # dE/dcols_i = W^T dy_i, then every column is added back where its window came from
            dcols = self._buffer("dcols", cols.shape, self._dtype)
            np.matmul(self._W4.reshape(O, Kc).T, dy3, out=dcols)
        dxp = self._buffer("dxp", self.x.shape, self._dtype)
        K.col2im(dcols, self._kh, self._kw, self._sh, self._sw, dxp)
        return self._unpadded(dxp)

    def __repr__(self):
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding})")


class Conv2D(_Conv):
    r"""2D convolution layer (S38): O kernels of shape (C, kh, kw) swept over (n, C, H, W) images.

    ``y[i, o, r, s] = b[o] + sum_{c, p, q} W[o, c, p, q] x_pad[i, c, r sh + p, s sw + q]``:
    a cross-correlation, like every deep-learning "convolution" (the kernel is not flipped).

    Parameters
    ----------
    in_channels, out_channels : int
        C (depth of the input) and O (number of kernels = depth of the output).
    kernel_size : int or (int, int)
        (kh, kw).
    stride : int or (int, int), default 1
    padding : int or (int, int), default 0
        Zeros added on each side (at most half the kernel); ``kernel_size // 2``
        keeps H and W for odd kernels and stride 1 ("same" padding).
    init : str, default "he_uniform"
        Initialiser of :data:`physml.nn.INITIALIZERS` with fan_in = C kh kw and fan_out = O.
    random_state : None, int or numpy.random.Generator
    dtype : numpy dtype, default float32

    Attributes
    ----------
    W : ndarray of shape (O, C, kh, kw)
    b : ndarray of shape (O,)
    dW, db : gradients of the last backward pass
    input_grad : bool
        Compute dE/dx in ``backward`` (a network's first layer does not need it).

    Notes
    -----
    im2col + GEMM: the windows of sample i are copied into the columns of a
    (C kh kw, Ho Wo) matrix, then ``y_i = W cols_i`` is one BLAS product; the
    backward pass is two more products (``dW = sum_i dy_i cols_i^T``,
    ``dcols_i = W^T dy_i``) and the scatter-add of dcols back to the image
    (col2im). Cost O(n O C kh kw Ho Wo) per pass, memory n C kh kw Ho Wo for
    the columns (kept for backward during training; in chunks at inference).
    Equals ``torch.nn.functional.conv2d`` (tested to 1e-10 in float64).

    Examples
    --------
    >>> import numpy as np
    >>> from physml.nn import Conv2D
    >>> conv = Conv2D(1, 1, 3, dtype=np.float64)
    >>> conv.W[...] = [[[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]]
    >>> x = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], float)
    >>> conv.forward(x[None, None])[0, 0]
    array([[4., 3., 4.],
           [2., 4., 3.],
           [2., 3., 4.]])
    """

    _ndim = 2


class Conv1D(_Conv):
    r"""1D convolution layer (S38, S43): O kernels of shape (C, k) swept along signals of shape (n, C, L).

    ``y[i, o, s] = b[o] + sum_{c, q} W[o, c, q] x_pad[i, c, s stride + q]`` (cross-correlation).
    Parameters and attributes as :class:`Conv2D` with one spatial axis:
    ``W`` has shape (O, C, k). It is the 2D layer on signals of height one.
    """

    _ndim = 1


class _MaxPool(_Sliding):
    _pad_value = -np.inf  # a padded position never wins the maximum

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self._geometry(kernel_size, stride, padding)

    def forward(self, x, training=False):
        x4 = self._as4d(x)
        self._dtype = x4.dtype
        n, C, H, W = self._in_shape = x4.shape
        Ho, Wo = self._out_hw(H, W)
        xp = self._padded(x4)
        y = self._buffer("y", (n, C, Ho, Wo), x4.dtype)
        arg = self._buffer("arg", (n, C, Ho, Wo), np.int64)
        K.maxpool2d_forward(xp, self._kh, self._kw, self._sh, self._sw, y, arg)
        self._padded_shape = xp.shape
        return self._out(y)

    def backward(self, grad_out):
        dxp = self._buffer("dxp", self._padded_shape, self._dtype)
        K.maxpool2d_backward(self._grad4(grad_out), self._buffers["arg"], dxp)
        return self._unpadded(dxp)

    def __repr__(self):
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding})"


class MaxPool2D(_MaxPool):
    r"""Max pooling (S39): y[i, c, r, s] = max of x over the window at (r sh, s sw); channels kept.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int, (int, int) or None, default None
        None: the kernel size (non-overlapping windows, the slides' case).
    padding : int or (int, int), default 0
        Padding with -inf (never the maximum), at most half the kernel.

    Notes
    -----
    Backward: dE/dx is dE/dy at the position of each window's maximum and 0
    elsewhere (the first maximum in row-major order on ties, as PyTorch).
    """

    _ndim = 2


class MaxPool1D(_MaxPool):
    r"""Max pooling along signals (n, C, L) (S39); parameters as :class:`MaxPool2D` with one axis."""

    _ndim = 1


class _AvgPool(_Sliding):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self._geometry(kernel_size, stride, padding)

    def forward(self, x, training=False):
        x4 = self._as4d(x)
        self._dtype = x4.dtype
        n, C, H, W = self._in_shape = x4.shape
        Ho, Wo = self._out_hw(H, W)
        xp = self._padded(x4)
        y = self._buffer("y", (n, C, Ho, Wo), x4.dtype)
        K.avgpool2d_forward(xp, self._kh, self._kw, self._sh, self._sw, y)
        self._padded_shape = xp.shape
        return self._out(y)

    def backward(self, grad_out):
        dxp = self._buffer("dxp", self._padded_shape, self._dtype)
        K.avgpool2d_backward(self._grad4(grad_out), self._kh, self._kw, self._sh, self._sw, dxp)
        return self._unpadded(dxp)

    def __repr__(self):
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding})"


class AvgPool2D(_AvgPool):
    r"""Average pooling (S39): y[i, c, r, s] = (1 / (kh kw)) sum of x over the window at (r sh, s sw).

    Parameters as :class:`MaxPool2D`; padding adds zeros that count in the
    mean (PyTorch's ``count_include_pad=True``). Backward shares each output's
    error equally among its window: dE/dx += dE/dy / (kh kw).
    """

    _ndim = 2


class AvgPool1D(_AvgPool):
    r"""Average pooling along signals (n, C, L) (S39); parameters as :class:`AvgPool2D` with one axis."""

    _ndim = 1


class GlobalAvgPool(Layer):
    r"""Mean of each channel over all positions: (n, C, ...) -> (n, C); dE/dx = dE/dy / (number of positions)."""

    def __init__(self):
        super().__init__()
        self._in_shape = None

    def forward(self, x, training=False):
        if x.ndim < 3:
            raise ValueError(f"GlobalAvgPool expects input of shape (n, C, ...), got {x.shape}.")
        self._in_shape = x.shape
        return x.reshape(x.shape[0], x.shape[1], -1).mean(axis=2)

    def backward(self, grad_out):
        size = int(np.prod(self._in_shape[2:]))
        g = self._buffer("g", self._in_shape, grad_out.dtype)
        g[...] = (grad_out / size).reshape(grad_out.shape + (1,) * (len(self._in_shape) - 2))
        return g


class Reshape(Layer):
    r"""Reshape each sample: (n, d) -> (n, *shape), e.g. flat rows to images; backward restores the shape.

    Parameters
    ----------
    shape : tuple of int
        Shape of one sample, e.g. (1, 8, 8).
    """

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(int(s) for s in shape)
        self._in_shape = None

    def forward(self, x, training=False):
        self._in_shape = x.shape
        return x.reshape((x.shape[0],) + self.shape)

    def backward(self, grad_out):
        return grad_out.reshape(self._in_shape)

    def __repr__(self):
        return f"Reshape({self.shape})"
