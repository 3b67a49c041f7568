r"""The training loop shared by every network estimator (S7, S16, S19).

:func:`train` runs mini-batch gradient descent (any :mod:`physml.optim`
optimiser) over epochs, one forward and one backward pass per batch, and
implements look-back stopping (S19): it records the validation cost after
every epoch, keeps a copy of the parameters at its minimum and, at the end,
puts those parameters back. With ``patience`` it also stops once the
validation cost has not improved for that many epochs.
"""

from __future__ import annotations

import contextlib
import numbers
from dataclasses import dataclass

import numba
import numpy as np
from scipy.linalg import blas
from threadpoolctl import threadpool_limits

from ..base import ConvergenceWarning, check_array, check_random_state, check_scalar, warn
from ..optim import Optimizer
from ..optim.batches import _batches
from .layers import Dense

__all__ = ["train"]


@dataclass(frozen=True)
class _LoopConfig:
    """The checked settings of :func:`_fit_loop` (built by :func:`train` or an estimator's ``fit``)."""

    batch_size: int
    max_epochs: int
    patience: int | None
    alpha: float
    rng: np.random.Generator
    verbose: bool = False
    callback: object = None
    desc: str = "training"


def _l2_adder(W):
    """dW += alpha W in one BLAS axpy call, no temporary (the L2 penalty (alpha/2)||W||^2 fused into the gradient)."""
    axpy = blas.get_blas_funcs("axpy", (W,))

    def add(dW, alpha):
        axpy(W.reshape(-1), dW.reshape(-1), a=alpha)

    return add


def _as_data(network, X, Y, names):
    """X (C-contiguous, in the network's dtype, finite) and Y (an array) with the same number of rows >= 1."""
    dtype = next((layer.W.dtype for layer in network.layers if isinstance(layer, Dense)), "numeric")
    X = check_array(X, name=names[0], dtype=dtype, ensure_2d=False, allow_nd=True)
    Y = check_array(Y, name=names[1], dtype=None, ensure_2d=False, allow_nd=True, ensure_min_samples=0)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"{names[0]} and {names[1]} must have the same number of rows, got shapes {X.shape} "
                         f"and {Y.shape}.")
    return X, Y


def _evaluate(network, loss, X, Y, chunk=4096):
    """Mean cost of ``network`` on (X, Y) at inference (dropout off), in chunks of rows."""
    total = 0.0
    for s in range(0, X.shape[0], chunk):
        out = network.forward(X[s : s + chunk], training=False)
        total += loss.forward(out, Y[s : s + chunk]) * out.shape[0]
    return total / X.shape[0]


def train(network, loss, X, Y, *, optimizer, batch_size=200, max_epochs=200, patience=None,
          validation_data=None, alpha=0.0, random_state=None, verbose=False, callback=None, desc="training"):
    r"""Train ``network`` on (X, Y) with mini-batches; keep the parameters of the best epoch (S19).

    X is converted to a C-contiguous array of the network's dtype (no copy
    when it already is one) and must have as many rows as Y; Y holds what
    ``loss`` expects, row for row.

    Each epoch shuffles the training samples, and for each batch of
    ``batch_size`` rows runs

    1. forward: ``out = network.forward(X_b, training=True)`` and ``E = loss.forward(out, Y_b)``;
    2. backward (S16): ``network.backward(loss.backward())``;
    3. L2 (``alpha > 0``): ``dW += alpha W`` for the weights (not the biases),
       the gradient of ``(alpha/2) ||W||^2``;
    4. ``optimizer.step(network.parameters(), network.gradients())``.

    After the epoch the monitored cost (validation cost, or the mean training
    cost without validation data) is compared with the best so far. The
    recorded costs are those of ``loss`` alone, without the L2 penalty.

    Parameters
    ----------
    network : Sequential
    loss : Loss
    X : ndarray of shape (n, n_features)
    Y : ndarray of shape (n,) or (n, n_outputs)
    optimizer : physml.optim.Optimizer
        Used as given (its state carries over between calls).
    batch_size : int
        Rows per mini-batch (the last batch of an epoch may be smaller).
    max_epochs : int
        Number of epochs trained at most.
    patience : int or None
        Stop once the monitored cost has not improved for ``patience`` epochs;
        None trains all ``max_epochs`` (pure look-back stopping).
    validation_data : tuple (X_val, Y_val) or None
    alpha : float
        L2 strength.
    random_state : None, int or numpy.random.Generator
        Shuffling.
    verbose : bool
        tqdm progress bar over epochs (in a terminal).
    callback : callable or None
        ``callback(epoch, network, history)`` after every epoch (1-based epoch).
    desc : str
        Label of the progress bar.

    Returns
    -------
    history : dict
        ``train_loss`` and ``val_loss`` (lists, one entry per epoch; ``val_loss``
        empty without validation data), ``best_epoch`` (1-based; 0 if no epoch
        finished), ``best_loss``, ``n_epochs`` and ``stop_reason``
        ("patience", "max_epochs" or "nan").

    Warns
    -----
    ConvergenceWarning
        When the cost or the parameters become NaN or infinite (the best parameters are restored;
        try a lower learning rate), and when ``max_epochs`` ends training while
        the monitored cost was still improving.

    Notes
    -----
    Threads: during training the optimiser's numba kernels run on one thread
    and BLAS keeps its threads for the matrix products, unless every product
    is small (below 2^23 multiply-adds), when BLAS runs on one thread too; two
    thread pools that alternate every millisecond on the same cores slow each
    other down several-fold.
    """
    X, Y = _as_data(network, X, Y, ("X", "Y"))
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise ValueError(f"validation_data must be a pair (X_val, Y_val) or None, got {type(validation_data)}.")
        validation_data = _as_data(network, *validation_data, ("validation_data[0]", "validation_data[1]"))
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a physml.optim Optimizer instance, got {optimizer!r}.")
    check_scalar(batch_size, "batch_size", numbers.Integral, min_val=1)
    check_scalar(max_epochs, "max_epochs", numbers.Integral, min_val=1)
    if patience is not None:
        check_scalar(patience, "patience", numbers.Integral, min_val=1)
    check_scalar(alpha, "alpha", numbers.Real, min_val=0)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {type(callback).__name__}.")
    config = _LoopConfig(batch_size=int(batch_size), max_epochs=int(max_epochs),
                         patience=None if patience is None else int(patience), alpha=float(alpha),
                         rng=check_random_state(random_state), verbose=bool(verbose), callback=callback,
                         desc=str(desc))
    history = _fit_loop(network, loss, (X, Y, validation_data), optimizer, config)
    _warn_convergence(history, config, validation_data is not None, lr_name="lr")
    return history


def _warn_convergence(history, config, validated, lr_name):
    """The :class:`ConvergenceWarning` of a finished :func:`_fit_loop`, in the caller's parameter names.

    Parameters
    ----------
    history : dict
        What :func:`_fit_loop` returned.
    config : _LoopConfig
    validated : bool
        Whether a validation cost was monitored.
    lr_name : str
        The learning rate's name for the user: ``"lr"`` for :func:`train`, ``"learning_rate"`` for an estimator.
    """
    if history["stop_reason"] == "nan":
        warn(ConvergenceWarning(
            f"The {history['nan_what']} in epoch {history['n_epochs'] + 1}; training stopped and the parameters of "
            f"epoch {history['best_epoch']} were restored. Try a lower {lr_name}, or standardise the inputs."))
        return
    still_improving = history["n_epochs"] - history["best_epoch"] < (config.patience or 1)
    if history["stop_reason"] == "max_epochs" and still_improving and history["n_epochs"] > 0:
        what = "validation" if validated else "training"
        warn(ConvergenceWarning(
            f"Reached max_epochs={config.max_epochs} while the {what} cost was still improving (best at epoch "
            f"{history['best_epoch']}); increase max_epochs (or the {lr_name}) to train to the minimum."))


# Below this many multiply-adds per matrix product (~0.1 ms of one core) a second BLAS thread saves
# little on an idle machine and costs up to 20x on a busy one, where it busy-waits for a partner that
# is not scheduled (measured on 2 cores: a 64-100-10 digits net at batch 200, 1.3e6 per product, 0.8 s
# on one thread vs 15 s on two under load). Above it the second thread pays: one epoch of 1600-100-2
# at batch 128 (2e7 per product) takes 0.33 s on two threads vs 0.41 s on one, idle.
_SMALL_GEMM = 1 << 23


@contextlib.contextmanager
def _threads_for(network, batch_size):
    """Thread policy of training: BLAS owns the cores, the optimiser's numba kernels run serially.

    Numba's OpenMP workers spin after each parallel optimiser step and then compete with the
    BLAS threads of the next matrix product (measured: Adam 0.36 ms serial vs 1.3 ms in
    parallel per batch of the 1600-256-256-2 benchmark, and a slower first product after it).
    When every matrix product is small, BLAS runs on one thread as well (threadpoolctl).
    """
    largest = max((batch_size * layer.n_in * layer.n_out for layer in network.layers if isinstance(layer, Dense)),
                  default=0)
    n_threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        if largest >= _SMALL_GEMM:
            yield
            return
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(n_threads)


def _fit_loop(network, loss, data, optimizer, config):
    """The loop of :func:`train`: inputs assumed validated; owns its batch buffers; warns nothing.

    Parameters
    ----------
    network : Sequential
    loss : Loss
    data : tuple (X, Y, validation)
        X C-contiguous in the network's dtype, Y with as many rows; validation
        is None or such a pair.
    optimizer : Optimizer
    config : _LoopConfig

    Returns
    -------
    history : dict
        As :func:`train`'s, plus ``nan_what`` (what became inf/NaN, when ``stop_reason`` is "nan").
    """
    X, Y, validation_data = data
    # A diverging run overflows before the cost turns inf/NaN: the caller's ConvergenceWarning reports it
    # once, instead of a stream of RuntimeWarnings.
    with np.errstate(over="ignore", invalid="ignore"), _threads_for(network, config.batch_size):
        return _epochs(network, loss, X, Y, validation_data, optimizer, config)


def _epochs(network, loss, X, Y, validation_data, optimizer, config):
    rng, alpha, patience = config.rng, config.alpha, config.patience
    params, grads = network.parameters(), network.gradients()
    best_params = [p.copy() for p in params]
    l2 = [(layer.dW, _l2_adder(layer.W)) for layer in network.layers if isinstance(layer, Dense)] if alpha > 0 else []
    n = X.shape[0]
    batch_size = min(config.batch_size, n)
    X_b = np.empty((batch_size,) + X.shape[1:], dtype=X.dtype)
    Y_b = np.empty((batch_size,) + Y.shape[1:], dtype=Y.dtype)

    history = {"train_loss": [], "val_loss": [], "best_epoch": 0, "best_loss": np.inf,
               "n_epochs": 0, "stop_reason": "max_epochs"}
    epochs = range(1, config.max_epochs + 1)
    bar = None
    if config.verbose:
        from tqdm.auto import tqdm

        epochs = bar = tqdm(epochs, desc=config.desc, disable=None, leave=False)
    for epoch in epochs:
        total = 0.0
        for idx in _batches(n, batch_size, True, rng):
            m = idx.size
            xb, yb = X_b[:m], Y_b[:m]
            # indices are valid by construction; mode="clip" skips NumPy's slow bounds-checked path (4x)
            np.take(X, idx, axis=0, out=xb, mode="clip")
            np.take(Y, idx, axis=0, out=yb, mode="clip")
            E = loss.forward(network.forward(xb, training=True), yb)
            if not np.isfinite(E):
                break
            total += E * m
            network.backward(loss.backward())
            for dW, add in l2:
                add(dW, alpha)
            optimizer.step(params, grads)
        else:
            E = total / n
        # the costs are measured before each step: the epoch's last step can still overflow the weights
        what = (f"training cost became {E}" if not np.isfinite(E) else
                "parameters became inf or NaN" if not all(np.isfinite(p).all() for p in params) else None)
        if what is not None:
            history["stop_reason"], history["nan_what"] = "nan", what
            break
        history["train_loss"].append(E)
        monitored = E
        if validation_data is not None:
            monitored = _evaluate(network, loss, *validation_data)
            history["val_loss"].append(monitored)
        history["n_epochs"] = epoch
        if monitored < history["best_loss"]:
            history["best_loss"], history["best_epoch"] = monitored, epoch
            for b, p in zip(best_params, params):
                np.copyto(b, p)
        if bar is not None:
            bar.set_postfix(train=f"{E:.4g}", val=f"{monitored:.4g}" if validation_data is not None else "-")
        if config.callback is not None:
            config.callback(epoch, network, history)
        if patience is not None and epoch - history["best_epoch"] >= patience:
            history["stop_reason"] = "patience"
            break
    if bar is not None:
        bar.close()

    for b, p in zip(best_params, params):
        np.copyto(p, b)
    return history
