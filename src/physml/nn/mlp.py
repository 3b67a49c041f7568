r"""Multi-layer perceptrons with the scikit-learn contract (S12-S21).

:class:`MLPRegressor` has a linear output layer (unbounded predictions, S14)
and the mean squared error (S15); :class:`MLPClassifier` a sigmoid output for
two classes and a softmax output for more (S14) with the matching
cross-entropy (S15), folded into the cost so that it is computed from the
logits without overflow. Both are built by :func:`build_mlp` and trained by the loop of
:func:`physml.nn.training.train`:
mini-batches, any :mod:`physml.optim` optimiser, L2 penalty, dropout (S20) and
look-back stopping on a held-out validation part (S19).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from ..base import (
    ClassifierMixin,
    Estimator,
    RegressorMixin,
    check_array,
    check_classification_targets,
    check_is_fitted,
    check_random_state,
    check_scalar,
    check_sizes,
    check_X_y,
)
from ..model_selection import train_test_split
from ..optim import get_optimizer
from .functional import sigmoid, softmax
from .initializers import INITIALIZERS
from .layers import ACTIVATIONS, Dense, Dropout, get_activation
from .losses import BinaryCrossEntropy, CrossEntropy, MSELoss
from .network import Sequential
from .training import _fit_loop, _LoopConfig, _warn_convergence

__all__ = ["MLPRegressor", "MLPClassifier", "build_mlp"]

_RELU_LIKE = {"relu", "leaky_relu", "elu"}


def build_mlp(n_in, hidden_layer_sizes, n_out, *, activation="relu", init="glorot_uniform", dropout=0.0,
              dtype=np.float32, random_state=None):
    r"""The one multi-layer perceptron builder (S12-S14, S18, S20), used by the estimators and the lecture.

    Dense -> activation (-> Dropout) for each hidden layer, then a linear Dense
    output layer. The output layer feeds a linear unit or a sigmoid/softmax, so
    it is Glorot-initialised whatever the hidden units (zeros stay zeros).

    Parameters
    ----------
    n_in, n_out : int
        Inputs and outputs.
    hidden_layer_sizes : sequence of int
        Width of each hidden layer.
    activation : str
        A key of :data:`physml.nn.ACTIVATIONS`.
    init : str
        Initialiser of the hidden layers' weights (S18).
    dropout : float in [0, 1)
        Dropout probability after every hidden layer; 0 adds no Dropout layer.
    dtype : numpy float dtype
    random_state : None, int or numpy.random.Generator
        Draws, layer after layer (a Generator is advanced, as by the layers themselves).

    Returns
    -------
    Sequential
    """
    rng = check_random_state(random_state)
    layers, fan_in = [], n_in
    for width in hidden_layer_sizes:
        layers += [Dense(fan_in, int(width), init=init, random_state=rng, dtype=dtype), get_activation(activation)]
        if dropout > 0:
            layers.append(Dropout(float(dropout), random_state=rng))
        fan_in = int(width)
    layers.append(Dense(fan_in, n_out, init="glorot_uniform" if init != "zeros" else init, random_state=rng,
                        dtype=dtype))
    return Sequential(layers)


class _Params(NamedTuple):
    """The checked hyperparameters of an MLP, as the driver takes them."""

    sizes: tuple
    init: str
    dtype: np.dtype


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

    # -- hyperparameters (checked once per fit, here) --------------------------------------------

    def _validated_params(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):  # one hidden layer (a bool is refused just below)
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise TypeError(f"hidden_layer_sizes must be a tuple of ints, got {sizes!r}.") from None
        for s in sizes:
            check_scalar(s, "hidden_layer_sizes[i]", numbers.Integral, min_val=1)
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
        check_scalar(self.verbose, "verbose", (bool, np.bool_, numbers.Integral))
        init = self.init
        if init == "auto":
            init = "he_uniform" if self.activation in _RELU_LIKE else "glorot_uniform"
        elif not isinstance(init, str) or init not in INITIALIZERS:
            raise ValueError(f"init must be 'auto' or one of {sorted(INITIALIZERS)}, got {self.init!r}.")
        if isinstance(self.dtype, str) and self.dtype in ("float32", "float64") or self.dtype in (np.float32,
                                                                                                  np.float64):
            return _Params(tuple(int(s) for s in sizes), init, np.dtype(self.dtype))
        raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}.")

    def _check_memory(self, p, n_in, n_out, n_samples):
        """Refuse, before building, a network whose arrays would not fit (hidden_layer_sizes=(10**12,))."""
        widths = (n_in,) + p.sizes + (n_out,)
        weights = [(a, b) for a, b in zip(widths[:-1], widths[1:])]
        batch = min(int(self.batch_size), max(n_samples, 1))
        # W, dW, the best epoch's copy and up to two optimiser moments per weight matrix; output,
        # gradient and activation buffers per layer and batch
        shapes = weights * 5 + [(batch, w) for w in widths[1:]] * 3
        check_sizes(shapes, itemsize=p.dtype.itemsize,
                    what=f"{type(self).__name__}(hidden_layer_sizes={self.hidden_layer_sizes!r}) on {n_in} features",
                    hint="use fewer or narrower hidden layers, or set PHYSML_MAX_BYTES to allow more")

    # -- fit -------------------------------------------------------------------------------------

    def _split(self, n, rng, stratify):
        """Train/validation indices: the validation part is round(validation_fraction n) samples,
        drawn by :func:`physml.model_selection.train_test_split`, stratified by class when every class
        can appear in both parts."""
        n_val = min(int(round(float(self.validation_fraction) * n)), n - 1)
        if n_val <= 0:
            return None, None
        if stratify is not None:
            counts = np.bincount(stratify)
            if counts.min() < 2 or n_val < counts.size or n - n_val < counts.size:
                stratify = None
        tr, va = train_test_split(np.arange(n), test_size=n_val, random_state=rng, stratify=stratify)
        return tr, va

    def _fit(self, p, X, Y, loss, n_out, stratify=None):
        """Train on validated X (in the model's dtype) and Y; ``p`` are the checked hyperparameters."""
        self._check_memory(p, X.shape[1], n_out, X.shape[0])
        rng = check_random_state(self.random_state)
        self.n_features_in_ = X.shape[1]
        tr, va = self._split(X.shape[0], rng, stratify)
        validation = None
        if va is not None:
            validation = (X[va], Y[va])
            X, Y = X[tr], Y[tr]
        self.network_ = self._build(self.n_features_in_, n_out, p.sizes, p.init, p.dtype, rng)
        optimizer = get_optimizer(self.optimizer, float(self.learning_rate))
        config = _LoopConfig(batch_size=int(self.batch_size), max_epochs=int(self.max_epochs),
                             patience=None if self.patience is None else int(self.patience),
                             alpha=float(self.alpha), rng=rng, verbose=bool(self.verbose),
                             desc=type(self).__name__)
        history = _fit_loop(self.network_, loss, (X, Y, validation), optimizer, config)
        _warn_convergence(history, config, validation is not None, lr_name="learning_rate")
        history.pop("nan_what", None)
        self._set_history(history)
        self.network_.free_caches()
        return self

    def _forward(self, X, chunk=2048):
        """Network output (logits or values) for validated X, in chunks of rows; refuses NaN or inf outputs."""
        net = self.network_
        out = None
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow shows as NaN, refused just below
            for s in range(0, X.shape[0], chunk):
                o = net.forward(X[s : s + chunk], training=False)
                if out is None:
                    out = np.empty((X.shape[0], o.shape[1]), dtype=o.dtype)
                out[s : s + chunk] = o
        net.free_caches()
        bad = ~np.isfinite(out).all(axis=1)
        if bad.any():
            raise ValueError(
                f"The network's output is NaN or infinite for {int(bad.sum())} of {len(bad)} samples of X (first row "
                f"{int(np.flatnonzero(bad)[0])}): X is too large for the network's {out.dtype} arithmetic. "
                "Standardise X, or fit with dtype='float64'."
            )
        return out

    def _validate_X(self, X):
        """X at predict time: fitted, same features, in the network's dtype (refused if outside its range)."""
        check_is_fitted(self)
        return self._validate_X_predict(X, dtype=self.network_.parameters()[0].dtype)

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
        """Fitted state as arrays and plain values, for :func:`physml.io.save` (empty when unfitted)."""
        if not hasattr(self, "network_"):
            return {}
        state = {"n_features_in_": int(self.n_features_in_), "history_": self._history_state()}
        for i, (W, b) in enumerate(zip(self.coefs_, self.intercepts_)):
            state[f"W{i}"] = W
            state[f"b{i}"] = b
        return state

    def _build(self, n_in, n_out, sizes, init, dtype, rng):
        """This estimator's network: :func:`build_mlp` (the CNN overrides it to put convolutions in front)."""
        return build_mlp(n_in, sizes, n_out, activation=self.activation, init=init, dropout=float(self.dropout),
                         dtype=dtype, random_state=rng)

    def _set_state(self, state):
        """Rebuild the network from :meth:`_get_state`'s output (the inverse of it).

        The parameters are validated, and the arrays checked against them (shapes chained from
        ``n_features_in_`` through ``hidden_layer_sizes``, one float dtype), before anything is built:
        a file cannot make the network larger than the arrays it holds.
        """
        if not state:
            return self
        p = self._validated_params()
        n_layers = len(p.sizes) + 1
        Ws = [np.asarray(state[f"W{i}"]) for i in range(n_layers)]
        bs = [np.asarray(state[f"b{i}"]) for i in range(n_layers)]
        n_in = int(state["n_features_in_"])
        widths = (n_in,) + p.sizes + (Ws[-1].shape[-1] if Ws[-1].ndim == 2 else -1,)
        for i, (W, b) in enumerate(zip(Ws, bs)):
            if W.shape != widths[i : i + 2] or b.shape != widths[i + 1 : i + 2] or W.dtype != Ws[0].dtype \
                    or b.dtype != W.dtype or W.dtype not in (np.float32, np.float64):
                raise ValueError(f"Saved layer {i} has shapes {W.shape} and {b.shape} (dtypes {W.dtype}, {b.dtype}), "
                                 f"which do not follow n_features_in_={n_in} and hidden_layer_sizes={p.sizes}.")
        self.n_features_in_ = n_in
        self.network_ = build_mlp(n_in, p.sizes, widths[-1], activation=self.activation, init="zeros",
                                  dropout=float(self.dropout), dtype=Ws[0].dtype, random_state=0)
        for layer, W, b in zip([lay for lay in self.network_.layers if isinstance(lay, Dense)], Ws, bs):
            np.copyto(layer.W, W)
            np.copyto(layer.b, b)
        self._set_history(dict(state["history_"]))
        return self

    def _set_history(self, history):
        """``history_`` and what is read off it (loss curves, epochs), after a fit or a load."""
        self.history_ = history
        self.loss_curve_ = list(history["train_loss"])
        self.validation_loss_curve_ = list(history["val_loss"])
        self.n_iter_ = max(history["n_epochs"], 1)
        self.best_epoch_ = history["best_epoch"]

    def _history_state(self):
        """``history_`` as plain values, for :func:`physml.io.save`."""
        h = self.history_
        return {"train_loss": [float(v) for v in h["train_loss"]], "val_loss": [float(v) for v in h["val_loss"]],
                "best_epoch": int(h["best_epoch"]), "best_loss": float(h["best_loss"]),
                "n_epochs": int(h["n_epochs"]), "stop_reason": str(h["stop_reason"])}


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
        p = self._validated_params()
        X, y = check_X_y(X, y, dtype=p.dtype, multi_output=True)
        self._y_1d = y.ndim == 1
        Y = check_array(y.reshape(len(y), -1), name="y", dtype=p.dtype)  # refuses y beyond float32's range
        self.n_outputs_ = Y.shape[1]
        return self._fit(p, X, Y, MSELoss(), self.n_outputs_)

    def predict(self, X):
        """Predictions (float64), shape (n,) (or (n, n_outputs) for a 2D y at fit)."""
        out = self._forward(self._validate_X(X)).astype(np.float64)
        return out[:, 0].copy() if self._y_1d else out

    def _get_state(self):
        state = super()._get_state()
        if state:
            state.update(n_outputs_=int(self.n_outputs_), y_1d=bool(self._y_1d))
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _set_state(self, state):
        if state:
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
        p = self._validated_params()
        X, y = check_X_y(X, y, dtype=p.dtype, y_numeric=False)
        self.classes_, y_enc = check_classification_targets(y)
        if len(self.classes_) == 2:
            return self._fit(p, X, y_enc.astype(p.dtype), BinaryCrossEntropy(), 1, stratify=y_enc)
        return self._fit(p, X, y_enc, CrossEntropy(), len(self.classes_), stratify=y_enc)

    def predict_proba(self, X):
        """Class probabilities, shape (n, n_classes), columns ordered as ``classes_``."""
        z = self._forward(self._validate_X(X)).astype(np.float64)
        if len(self.classes_) == 2:
            # sigma(-z) rather than 1 - sigma(z): keeps p0 ~ e^{-z} instead of rounding it to 0 for z > 37
            return np.column_stack([sigmoid(-z[:, 0]), sigmoid(z[:, 0])])
        return softmax(z)

    def predict(self, X):
        """The most probable class of each sample."""
        z = self._forward(self._validate_X(X))  # a NaN output is refused there, never mapped to a label
        if len(self.classes_) == 2:
            return self.classes_[(z[:, 0] > 0).astype(np.int64)]
        return self.classes_[np.argmax(z, axis=1)]

    def _get_state(self):
        state = super()._get_state()
        if state:
            state["classes_"] = self.classes_
        return state

    def _set_state(self, state):
        if state:
            self.classes_ = np.asarray(state["classes_"])
        return super()._set_state(state)
