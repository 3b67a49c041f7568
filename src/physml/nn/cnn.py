r"""Convolutional networks with the scikit-learn contract (S37-S40, S43).

A CNN (S40) is convolution blocks (convolution -> non-linearity -> pooling,
S38-S39) that turn an image into feature maps, then a flatten and a dense
network that classifies or regresses them; every weight is trained by
back-propagation. :class:`CNNClassifier` and :class:`CNNRegressor` are the
multi-layer perceptrons of :mod:`physml.nn.mlp` with the convolution blocks put
in front: the same training loop (:func:`physml.nn.train`: mini-batches, any
:mod:`physml.optim` optimiser, look-back stopping on a validation part), the
same outputs and costs, and the same save/load through :mod:`physml.io`.

Inputs are flat rows (reshaped with ``image_shape``) or arrays of images
(n, H, W), (n, C, H, W), or of 1D signals (n, L).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import check_array, check_is_fitted, check_scalar, check_sizes
from .conv import AvgPool1D, AvgPool2D, Conv1D, Conv2D, MaxPool1D, MaxPool2D, Reshape
from .layers import Activation, Dense, Dropout, Flatten, get_activation
from .mlp import MLPClassifier, MLPRegressor, _BaseMLP
from .network import Sequential

__all__ = ["CNNClassifier", "CNNRegressor"]


def _sample_shape(image_shape, n_features):
    """The channels-first shape of one sample, (C, H, W) or (C, L), from ``image_shape`` and the row length."""
    if image_shape is None:
        return (1, n_features)
    shape = (1,) + image_shape if len(image_shape) in (1, 2) else image_shape
    if int(np.prod(shape)) != n_features:
        raise ValueError(f"image_shape={image_shape} holds {int(np.prod(shape))} values, but X has {n_features} "
                         "features per sample.")
    return shape


class _BaseCNN(_BaseMLP):
    r"""What the two CNN estimators add to the MLP: image input, convolution blocks, feature maps."""

    _check_estimator_params = {"conv_layers": ((4, 3),), "dense_layers": (16,), "pool": None, "max_epochs": 40,
                               "learning_rate": 1e-2, "batch_size": 32, "dtype": "float64", "random_state": 0}

    def __init__(self, image_shape=None, conv_layers=((16, 3), (32, 3)), dense_layers=(64,), pool="max",
                 pool_size=2, activation="relu", optimizer="adam", learning_rate=1e-3, batch_size=64,
                 max_epochs=100, patience=10, validation_fraction=0.1, alpha=1e-4, dropout=0.0, init="auto",
                 dtype="float32", random_state=None, verbose=False):
        self.image_shape = image_shape
        self.conv_layers = conv_layers
        self.dense_layers = dense_layers
        self.pool = pool
        self.pool_size = pool_size
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.alpha = alpha
        self.dropout = dropout
        self.init = init
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    # -- hyperparameters -------------------------------------------------------------------------

    @property
    def hidden_layer_sizes(self):
        """The MLP machinery's name of ``dense_layers``."""
        return self.dense_layers

    def _conv_specs(self):
        """conv_layers as a tuple of (out_channels, kernel_size), each checked."""
        specs = []
        try:
            items = list(self.conv_layers)
        except TypeError:
            raise TypeError(f"conv_layers must be a sequence of (out_channels, kernel_size), got "
                            f"{self.conv_layers!r}.") from None
        for item in items:
            if isinstance(item, (numbers.Integral, np.integer)) and not isinstance(item, bool):
                item = (item, 3)
            if not (isinstance(item, (tuple, list)) and len(item) == 2):
                raise ValueError(f"conv_layers items must be (out_channels, kernel_size), got {item!r}.")
            check_scalar(item[0], "conv_layers out_channels", numbers.Integral, min_val=1)
            check_scalar(item[1], "conv_layers kernel_size", numbers.Integral, min_val=1)
            specs.append((int(item[0]), int(item[1])))
        return tuple(specs)

    def _validated_params(self):
        self._conv_specs()
        if self.pool not in ("max", "avg", None):
            raise ValueError(f"pool must be 'max', 'avg' or None, got {self.pool!r}.")
        check_scalar(self.pool_size, "pool_size", numbers.Integral, min_val=1)
        if self.image_shape is not None:
            shape = self.image_shape
            if not (isinstance(shape, (tuple, list)) and len(shape) in (1, 2, 3)):
                raise ValueError(f"image_shape must be None, (L,), (H, W) or (C, H, W), got {shape!r}.")
            for s in shape:
                check_scalar(s, "image_shape[i]", numbers.Integral, min_val=1)
        return super()._validated_params()

    # -- input -----------------------------------------------------------------------------------

    def _flat(self, X):
        """Validated X as flat rows (n, C H W), and the shape of one sample when X held images (else None).

        Images (an X of more than two dimensions) need ``image_shape``: without it a stray third axis
        would silently become an image axis.
        """
        X = check_array(X, dtype="numeric", allow_nd=True)
        if X.ndim <= 2:
            return X, None
        want = getattr(self, "image_shape_", None) or self.image_shape
        if want is None:
            raise ValueError(f"X has {X.ndim} dimensions (shape {X.shape}); set image_shape=(H, W) or (C, H, W) "
                             "to fit images, or pass flat rows X.reshape(len(X), -1).")
        shape = tuple(X.shape[1:]) if X.ndim == 4 else (1,) + tuple(X.shape[1:])
        if _sample_shape(tuple(want), int(np.prod(want))) != shape:
            raise ValueError(f"X holds samples of shape {X.shape[1:]}, but image_shape is {tuple(want)}.")
        return X.reshape(X.shape[0], -1), shape

    # -- the network -------------------------------------------------------------------------------

    def _build(self, n_in, n_out, sizes, init, dtype, rng):
        """Reshape -> [Conv -> activation -> pool] per conv layer -> Flatten -> the MLP's dense layers."""
        shape = _sample_shape(self.image_shape_, n_in)
        one_d = len(shape) == 2
        Conv, Pool = (Conv1D, (MaxPool1D if self.pool == "max" else AvgPool1D)) if one_d else \
            (Conv2D, (MaxPool2D if self.pool == "max" else AvgPool2D))
        self._check_weight_sizes(shape, n_out, sizes, dtype)
        layers = [Reshape(shape)]
        channels, spatial = shape[0], list(shape[1:])
        for out, k in self._conv_specs():
            # "same" padding for odd kernels: the maps keep their size until pooled
            conv = Conv(channels, out, k, padding=k // 2, init=init, random_state=rng, dtype=dtype)
            act = get_activation(self.activation)
            act.inplace_forward = True  # the convolution's output is not needed by its backward pass
            layers += [conv, act]
            spatial = [s + 2 * (k // 2) - k + 1 for s in spatial]
            channels = out
            p = int(self.pool_size)
            if self.pool is not None and p > 1 and min(spatial) >= p:  # no pooling once the maps are smaller
                layers.append(Pool(p))
                spatial = [s // p for s in spatial]
        layers.append(Flatten())
        fan_in = channels * int(np.prod(spatial))
        for width in sizes:
            layers += [Dense(fan_in, int(width), init=init, random_state=rng, dtype=dtype),
                       get_activation(self.activation)]
            if self.dropout > 0:
                layers.append(Dropout(float(self.dropout), random_state=rng))
            fan_in = int(width)
        layers.append(Dense(fan_in, n_out, init="glorot_uniform" if init != "zeros" else init,
                            random_state=rng, dtype=dtype))
        net = Sequential(layers)
        first_conv = next((lay for lay in layers if isinstance(lay, (Conv1D, Conv2D))), None)
        if first_conv is not None:
            first_conv.input_grad = False  # the data need no gradient
        return net

    def _check_weight_sizes(self, shape, n_out, sizes, dtype):
        """Refuse, before any allocation, a network whose weights (and their gradients) would not fit."""
        shapes, channels, spatial = [], shape[0], list(shape[1:])
        for out, k in self._conv_specs():
            shapes.append((out, channels) + (k,) * len(spatial))
            spatial = [s + 2 * (k // 2) - k + 1 for s in spatial]
            channels = out
            p = int(self.pool_size)
            if self.pool is not None and p > 1 and min(spatial) >= p:
                spatial = [s // p for s in spatial]
        fan_in = channels * int(np.prod(spatial))
        for width in list(sizes) + [n_out]:
            shapes.append((fan_in, int(width)))
            fan_in = int(width)
        check_sizes(shapes + shapes, itemsize=np.dtype(dtype).itemsize, what=f"{type(self).__name__} weights",
                    hint="use fewer or narrower layers")

    def _fit_images(self, X, fit):
        self.image_shape_ = None
        X_flat, shape = self._flat(X)
        self.image_shape_ = shape if shape is not None else self.image_shape
        return fit(X_flat)

    def _forward(self, X, chunk=1024):
        """Network output for validated flat X, in chunks of rows."""
        net = self.network_
        X = np.asarray(X, dtype=net.parameters()[0].dtype)
        out = None
        for s in range(0, X.shape[0], chunk):
            o = net.forward(X[s : s + chunk], training=False)
            if out is None:
                out = np.empty((X.shape[0], o.shape[1]), dtype=o.dtype)
            out[s : s + chunk] = o
        self.network_.free_caches()
        return out

    @property
    def filters_(self):
        """The learned kernels W of each convolution layer, shape (O, C, kh, kw) or (O, C, k)."""
        check_is_fitted(self)
        return [layer.W for layer in self.network_.layers if isinstance(layer, (Conv1D, Conv2D))]

    def feature_maps(self, X):
        r"""Activations after each convolution block's non-linearity (what the filters respond to).

        Parameters
        ----------
        X : array of shape (n, n_features) or (n, *image_shape)

        Returns
        -------
        list of ndarray
            One per convolution layer, shape (n, O, H', W') (or (n, O, L')), before pooling.
        """
        check_is_fitted(self)
        X = self._validate_X_predict(self._flat(X)[0], dtype="numeric")
        net = self.network_
        a = np.asarray(X, dtype=net.parameters()[0].dtype)
        maps = []
        for i, layer in enumerate(net.layers):
            a = layer.forward(a, training=False)
            if isinstance(layer, Activation) and isinstance(net.layers[i - 1], (Conv1D, Conv2D)):
                maps.append(a.copy())
            if isinstance(layer, Flatten):
                break
        self.network_.free_caches()
        return maps

    # -- persistence (physml.io) -----------------------------------------------------------------

    def _get_state(self):
        state = {"n_features_in_": int(self.n_features_in_),
                 "image_shape_": None if self.image_shape_ is None else [int(s) for s in self.image_shape_],
                 "history_": self._history_state()}
        state["params"] = [p for p in self.network_.parameters()]
        return state

    def _set_state(self, state):
        sizes, _, _ = self._validated_params()
        params = [np.asarray(p) for p in state["params"]]
        self.n_features_in_ = int(state["n_features_in_"])
        self.image_shape_ = None if state["image_shape_"] is None else tuple(state["image_shape_"])
        self.network_ = self._build(self.n_features_in_, params[-1].shape[0], sizes, "zeros", params[0].dtype,
                                    np.random.default_rng(0))
        for p, saved in zip(self.network_.parameters(), params):
            np.copyto(p, saved)
        self._set_history(dict(state["history_"]))
        return self


_PARAMS_DOC = """
    Parameters
    ----------
    image_shape : None, (L,), (H, W) or (C, H, W), default None
        Shape of one sample: flat rows are reshaped to it, and X may then also be
        given as images (n, H, W) or (n, C, H, W). None: rows (n, L) are 1D
        signals of one channel (1D convolutions).
    conv_layers : sequence of (out_channels, kernel_size), default ((16, 3), (32, 3))
        One convolution block per item: a convolution with "same" zero padding
        (kernel_size // 2), the activation, then pooling.
    dense_layers : tuple of int, default (64,)
        Hidden layers of the dense network after the flatten.
    pool : {"max", "avg", None}, default "max"
        Pooling after each convolution (S39); skipped once the maps are smaller than ``pool_size``.
    pool_size : int, default 2
        Window and stride of the pooling.
    activation, optimizer, learning_rate, batch_size, max_epochs, patience, validation_fraction, dropout, init,
    dtype, random_state, verbose
        As for the MLP estimators (:class:`physml.nn.MLPRegressor`); ``dropout`` acts after the dense hidden
        layers, "auto" init is He uniform for ReLU-type units, Glorot otherwise.
    alpha : float, default 1e-4
        L2 penalty (alpha/2) ||W||^2 on the dense layers' weights (as :func:`physml.nn.train` applies it).
"""


class CNNClassifier(MLPClassifier, _BaseCNN):
    __doc__ = r"""Convolutional network classifier (S37-S40): convolution blocks, then a dense classifier.

    Sigmoid output and binary cross-entropy for two classes, softmax and
    cross-entropy for more (S14-S15), trained by :func:`physml.nn.train` with
    look-back stopping (S19) exactly as :class:`physml.nn.MLPClassifier`.
    """ + _PARAMS_DOC + r"""
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    network_ : Sequential
        Reshape, the convolution blocks, Flatten, the dense layers.
    filters_ : list of ndarray
        Learned kernels of every convolution layer.
    image_shape_ : tuple or None
        The channels-first sample shape the network was built for, from ``image_shape`` (None: 1D
        signals of length ``n_features_in_``).
    history_, loss_curve_, validation_loss_curve_, best_epoch_, n_iter_, n_features_in_
        As for :class:`physml.nn.MLPClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from physml.nn import CNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 1, 8, 8))
    >>> X[:100, 0, 2:6, 4] += 2          # a vertical bar marks class 1
    >>> y = np.r_[np.ones(100), np.zeros(100)]
    >>> clf = CNNClassifier(conv_layers=((4, 3),), dense_layers=(8,), learning_rate=1e-2, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.95
    True
    """

    def fit(self, X, y):
        """Train on images (n, *image_shape) or flat rows (n, n_features) and labels y; returns self."""
        self._validated_params()
        return self._fit_images(X, lambda X_flat: MLPClassifier.fit(self, X_flat, y))

    def predict_proba(self, X):
        """Class probabilities, shape (n, n_classes), columns ordered as ``classes_``."""
        check_is_fitted(self)
        return super().predict_proba(self._flat(X)[0])

    def predict(self, X):
        """The most probable class of each sample."""
        check_is_fitted(self)
        return super().predict(self._flat(X)[0])


class CNNRegressor(MLPRegressor, _BaseCNN):
    __doc__ = r"""Convolutional network regressor (S37-S40, S43): convolution blocks, dense layers, linear output.

    Mean squared error cost; trained as :class:`physml.nn.MLPRegressor`.
    """ + _PARAMS_DOC + r"""
    Attributes
    ----------
    network_, filters_, image_shape_, history_, loss_curve_, validation_loss_curve_, best_epoch_, n_iter_,
    n_features_in_, n_outputs_
        As for :class:`CNNClassifier` and :class:`physml.nn.MLPRegressor`.
    """

    def fit(self, X, y):
        """Train on images or flat rows and targets y of shape (n,) or (n, n_outputs); returns self."""
        self._validated_params()
        return self._fit_images(X, lambda X_flat: MLPRegressor.fit(self, X_flat, y))

    def predict(self, X):
        """Predictions (float64), shape (n,) (or (n, n_outputs))."""
        check_is_fitted(self)
        return super().predict(self._flat(X)[0])
