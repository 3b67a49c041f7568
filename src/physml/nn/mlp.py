r"""Multi-layer perceptrons with the scikit-learn contract (S12-S21).

:class:`MLPRegressor` has a linear output layer (unbounded predictions, S14)
and the mean squared error (S15); :class:`MLPClassifier` a sigmoid output for
two classes and a softmax output for more (S14) with the matching
cross-entropy (S15), folded into the cost so that it is computed from the
logits without overflow. Both train with :func:`physml.nn.training.train`:
mini-batches, any :mod:`physml.optim` optimiser, L2 penalty, dropout (S20) and
look-back stopping on a held-out validation part (S19).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import (
    ClassifierMixin,
    Estimator,
    RegressorMixin,
    check_classification_targets,
    check_random_state,
    check_scalar,
    check_X_y,
)
from ..optim import get_optimizer
from .layers import ACTIVATIONS, Dense, Dropout, get_activation
from .initializers import INITIALIZERS
from .losses import BinaryCrossEntropy, CrossEntropy, MSELoss
from .network import Sequential
from .training import train, validation_split

__all__ = ["MLPRegressor", "MLPClassifier"]

_RELU_LIKE = {"relu", "leaky_relu", "elu"}


class _BaseMLP(Estimator):
    r"""Shared fit/predict machinery of the two MLP estimators."""

    # Settings for the generic scikit-learn estimator checks (tests/test_estimator_checks.py):
    # few epochs keep them fast; float64 because those checks compare predictions on row
    # subsets with the full batch to 1e-7, below float32 round-off.
    _check_estimator_params = {"max_epochs": 60, "learning_rate": 1e-2, "hidden_layer_sizes": (32,),
                               "dtype": "float64", "random_state": 0}

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", optimizer="adam", learning_rate=1e-3,
                 batch_size=200, max_epochs=200, patience=20, validation_fraction=0.1, alpha=1e-4,
                 dropout=0.0, init="auto", dtype="float32", random_state=None, verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
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

    def _validated_params(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):  # one hidden layer (a bool is refused just below)
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise TypeError(f"hidden_layer_sizes must be a tuple of ints, got {sizes!r}.") from None
        for s in sizes:
            check_scalar(s, "hidden_layer_sizes[i]", (numbers.Integral, np.integer), min_val=1)
        if not isinstance(self.activation, str) or self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}.")
        check_scalar(self.learning_rate, "learning_rate", numbers.Real, min_val=0, include_boundaries="neither")
        check_scalar(self.batch_size, "batch_size", numbers.Integral, min_val=1)
        check_scalar(self.max_epochs, "max_epochs", numbers.Integral, min_val=1)
        if self.patience is not None:
            check_scalar(self.patience, "patience", numbers.Integral, min_val=1)
        check_scalar(self.validation_fraction, "validation_fraction", numbers.Real, min_val=0, max_val=1,
                     include_boundaries="left")
        check_scalar(self.alpha, "alpha", numbers.Real, min_val=0)
        check_scalar(self.dropout, "dropout", numbers.Real, min_val=0, max_val=1, include_boundaries="left")
        init = self.init
        if init == "auto":
            init = "he_uniform" if self.activation in _RELU_LIKE else "glorot_uniform"
        elif not isinstance(init, str) or init not in INITIALIZERS:
            raise ValueError(f"init must be 'auto' or one of {sorted(INITIALIZERS)}, got {self.init!r}.")
        if self.dtype not in ("float32", "float64", np.float32, np.float64):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}.")
        return sizes, init, np.dtype(self.dtype)

    # -- the network -------------------------------------------------------------------------------

    def _build(self, n_in, n_out, sizes, init, dtype, rng):
        """Dense -> activation (-> Dropout) per hidden layer, then a linear Dense output layer."""
        layers, fan_in = [], n_in
        for width in sizes:
            layers += [Dense(fan_in, int(width), init=init, random_state=rng, dtype=dtype),
                       get_activation(self.activation)]
            if self.dropout > 0:
                layers.append(Dropout(float(self.dropout), random_state=rng))
            fan_in = int(width)
        # The output layer feeds a linear unit or a sigmoid/softmax: Glorot suits it whatever the hidden units.
        layers.append(Dense(fan_in, n_out, init="glorot_uniform" if init != "zeros" else init,
                            random_state=rng, dtype=dtype))
        return Sequential(layers)

    def _fit(self, X, Y, loss, n_out, stratify=None):
        sizes, init, dtype = self._validated_params()
        rng = check_random_state(self.random_state)
        X = np.ascontiguousarray(X, dtype=dtype)
        self.n_features_in_ = X.shape[1]
        tr, va = validation_split(X.shape[0], float(self.validation_fraction), rng, stratify)
        validation = (X[va], Y[va]) if va.size else None
        if va.size:
            X, Y = X[tr], Y[tr]
        self.network_ = self._build(self.n_features_in_, n_out, sizes, init, dtype, rng)
        optimizer = get_optimizer(self.optimizer, float(self.learning_rate))
        self.history_ = train(self.network_, loss, X, Y, optimizer=optimizer, batch_size=int(self.batch_size),
                              max_epochs=int(self.max_epochs), patience=self.patience, validation_data=validation,
                              alpha=float(self.alpha), random_state=rng, verbose=self.verbose,
                              desc=type(self).__name__)
        self.loss_curve_ = list(self.history_["train_loss"])
        self.validation_loss_curve_ = list(self.history_["val_loss"])
        self.n_iter_ = max(self.history_["n_epochs"], 1)
        self.best_epoch_ = self.history_["best_epoch"]
        self._release_buffers()
        return self

    def _release_buffers(self):
        """Drop the cached batch arrays so a fitted model stays small (and copies/pickles fast)."""
        for layer in self.network_.layers:
            layer._buffers = {}
            for name in ("x", "a", "mask"):
                if hasattr(layer, name):
                    setattr(layer, name, None)

    def _forward(self, X, chunk=2048):
        """Network output (logits or values) for validated X, computed in chunks of rows."""
        net = self.network_
        dtype = net.layers[0].W.dtype
        X = np.asarray(X, dtype=dtype)
        out = None
        for s in range(0, X.shape[0], chunk):
            o = net.forward(X[s : s + chunk], training=False)
            if out is None:
                out = np.empty((X.shape[0], o.shape[1]), dtype=o.dtype)
            out[s : s + chunk] = o
        self._release_buffers()
        return out

    @property
    def coefs_(self):
        """Weight matrices W^l, shape (n_in, n_out) each, input layer first."""
        return [layer.W for layer in self.network_.layers if isinstance(layer, Dense)]

    @property
    def intercepts_(self):
        """Bias vectors b^l, input layer first."""
        return [layer.b for layer in self.network_.layers if isinstance(layer, Dense)]

    # -- persistence (physml.io) -----------------------------------------------------------------

    def _get_state(self):
        """Fitted state as arrays and plain values, for :func:`physml.io.save`."""
        state = {"n_features_in_": int(self.n_features_in_), "history_": {
            "train_loss": [float(v) for v in self.history_["train_loss"]],
            "val_loss": [float(v) for v in self.history_["val_loss"]],
            "best_epoch": int(self.history_["best_epoch"]), "best_loss": float(self.history_["best_loss"]),
            "n_epochs": int(self.history_["n_epochs"]), "stop_reason": str(self.history_["stop_reason"])}}
        for i, (W, b) in enumerate(zip(self.coefs_, self.intercepts_)):
            state[f"W{i}"] = W
            state[f"b{i}"] = b
        return state

    def _set_state(self, state):
        """Rebuild the network from :meth:`_get_state`'s output (the inverse of it)."""
        sizes, _, _ = self._validated_params()
        n_layers = len(sizes) + 1
        Ws = [np.asarray(state[f"W{i}"]) for i in range(n_layers)]
        bs = [np.asarray(state[f"b{i}"]) for i in range(n_layers)]
        self.n_features_in_ = int(state["n_features_in_"])
        self.network_ = self._build(Ws[0].shape[0], Ws[-1].shape[1], sizes, "zeros", Ws[0].dtype,
                                    np.random.default_rng(0))
        for layer, W, b in zip([lay for lay in self.network_.layers if isinstance(lay, Dense)], Ws, bs):
            np.copyto(layer.W, W)
            np.copyto(layer.b, b)
        self.history_ = dict(state["history_"])
        self.loss_curve_ = list(self.history_["train_loss"])
        self.validation_loss_curve_ = list(self.history_["val_loss"])
        self.n_iter_ = max(self.history_["n_epochs"], 1)
        self.best_epoch_ = self.history_["best_epoch"]
        return self


class MLPRegressor(RegressorMixin, _BaseMLP):
    r"""Multi-layer perceptron for regression (S12-S21): linear output, mean squared error.

    a^0 = x, a^l = sigma(a^{l-1} W^l + b^l) for the hidden layers and the
    linear output y_hat = a^{L-1} W^L + b^L (S14, unbounded); the cost is
    E = (1/(n m)) sum (y_hat - y)^2 + (alpha/2) sum_l ||W^l||^2 (S15).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        Neurons per hidden layer.
    activation : {"relu", "leaky_relu", "elu", "tanh", "sigmoid", "logistic"}, default "relu"
        Hidden-unit non-linearity (S13).
    optimizer : {"adam", "sgd", "momentum", "nesterov", "rmsprop"} or physml.optim.Optimizer, default "adam"
    learning_rate : float, default 1e-3
        Step size eta of the optimiser named by ``optimizer`` (ignored for an instance).
    batch_size : int, default 200
        Mini-batch size (capped at the number of training samples).
    max_epochs : int, default 200
    patience : int or None, default 20
        Stop after this many epochs without a better validation cost (S19);
        None trains all ``max_epochs``. Either way the best epoch's parameters are kept.
    validation_fraction : float in [0, 1), default 0.1
        Share of the training data held out to monitor (0: monitor the training cost).
    alpha : float, default 1e-4
        L2 penalty (alpha/2) ||W||^2 on the weights.
    dropout : float in [0, 1), default 0.0
        Dropout probability after every hidden layer (S20).
    init : "auto" or an initialiser name, default "auto"
        "auto" is He uniform for ReLU-type units and Glorot uniform for tanh/sigmoid (S18).
    dtype : {"float32", "float64"}, default "float32"
    random_state : None, int or numpy.random.Generator
        Initialisation, validation split, shuffling and dropout.
    verbose : bool, default False
        Progress bar over epochs.

    Attributes
    ----------
    network_ : Sequential
    history_ : dict
        ``train_loss``, ``val_loss`` per epoch, ``best_epoch``, ``stop_reason`` (see :func:`physml.nn.training.train`).
    loss_curve_, validation_loss_curve_ : list of float
    best_epoch_ : int
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
    n_outputs_ : int
    coefs_, intercepts_ : list of ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from physml.nn import MLPRegressor
    >>> x = np.linspace(0, 1, 200)[:, None]
    >>> model = MLPRegressor((32,), activation="tanh", learning_rate=1e-2, batch_size=20, max_epochs=300,
    ...                      patience=None, random_state=0)
    >>> model.fit(x, np.sin(2 * np.pi * x[:, 0])).score(x, np.sin(2 * np.pi * x[:, 0])) > 0.95
    True
    """

    def fit(self, X, y):
        """Train on X of shape (n, n_features) and y of shape (n,) or (n, n_outputs); returns self."""
        X, y = check_X_y(X, y, dtype="numeric", multi_output=True)
        dtype = self._validated_params()[2]
        self._y_1d = y.ndim == 1
        Y = np.ascontiguousarray(y.reshape(len(y), -1), dtype=dtype)
        self.n_outputs_ = Y.shape[1]
        return self._fit(X, Y, MSELoss(), self.n_outputs_)

    def predict(self, X):
        """Predictions (float64), shape (n,) (or (n, n_outputs) for a 2D y at fit)."""
        X = self._validate_X_predict(X, dtype="numeric")
        out = self._forward(X).astype(np.float64)
        return out[:, 0].copy() if self._y_1d else out

    def _get_state(self):
        state = super()._get_state()
        state.update(n_outputs_=int(self.n_outputs_), y_1d=bool(self._y_1d))
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _set_state(self, state):
        self.n_outputs_ = int(state["n_outputs_"])
        self._y_1d = bool(state["y_1d"])
        return super()._set_state(state)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    r"""Multi-layer perceptron classifier (S12-S21): sigmoid (2 classes) or softmax output.

    Two classes: one output unit, p(y = classes_[1] | x) = sigma(z), binary
    cross-entropy. M > 2 classes: M output units, p = softmax(z), softmax
    cross-entropy (S14, S15). Labels may be of any type (ints, strings).

    Parameters
    ----------
    hidden_layer_sizes, activation, optimizer, learning_rate, batch_size, max_epochs, patience,
    validation_fraction, alpha, dropout, init, dtype, random_state, verbose
        As for :class:`MLPRegressor`; the validation part is stratified by class.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    network_, history_, loss_curve_, validation_loss_curve_, best_epoch_, n_iter_, n_features_in_,
    coefs_, intercepts_
        As for :class:`MLPRegressor`.

    Examples
    --------
    >>> import numpy as np
    >>> from physml.nn import MLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> y = np.where(X[:, 0] * X[:, 1] > 0, "same sign", "opposite")
    >>> clf = MLPClassifier((32,), learning_rate=1e-2, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    def fit(self, X, y):
        """Train on X of shape (n, n_features) and labels y of shape (n,); returns self."""
        X, y = check_X_y(X, y, dtype="numeric", y_numeric=False)
        self.classes_, y_enc = check_classification_targets(y)
        dtype = self._validated_params()[2]
        if len(self.classes_) == 2:
            return self._fit(X, y_enc.astype(dtype), BinaryCrossEntropy(), 1, stratify=y_enc)
        return self._fit(X, y_enc, CrossEntropy(), len(self.classes_), stratify=y_enc)

    def predict_proba(self, X):
        """Class probabilities, shape (n, n_classes), columns ordered as ``classes_``."""
        X = self._validate_X_predict(X, dtype="numeric")
        z = self._forward(X).astype(np.float64)
        if len(self.classes_) == 2:
            from scipy.special import expit

            # sigma(-z) rather than 1 - sigma(z): keeps p0 ~ e^{-z} instead of rounding it to 0 for z > 37
            return np.column_stack([expit(-z[:, 0]), expit(z[:, 0])])
        from .losses import softmax

        return softmax(z)

    def predict(self, X):
        """The most probable class of each sample."""
        X = self._validate_X_predict(X, dtype="numeric")
        z = self._forward(X)
        if len(self.classes_) == 2:
            return self.classes_[(z[:, 0] > 0).astype(np.int64)]
        return self.classes_[np.argmax(z, axis=1)]

    def _get_state(self):
        state = super()._get_state()
        state["classes_"] = self.classes_
        return state

    def _set_state(self, state):
        self.classes_ = np.asarray(state["classes_"])
        return super()._set_state(state)
