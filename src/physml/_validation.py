r"""The one input-validation layer of physml (imported and re-exported by :mod:`physml.base`).

Every public entry point (``fit``, ``train``, ``minimize``, the data generators)
validates its input once with these functions; private drivers and kernels
take checked values and never check again. Import them from
:mod:`physml.base`; they live in this module, which imports nothing of physml
but :mod:`physml.exceptions`, so that :mod:`physml.metrics` can use them while
:mod:`physml.base` uses the metrics (the estimators' ``score``) without an
import cycle.

The array validators turn lists, NumPy arrays and pandas frames into
contiguous float arrays and reject what cannot be fitted with a
``ValueError`` or ``TypeError`` that names the argument, says what came and
what was expected.
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

from .exceptions import DataConversionWarning, warn

# ---------------------------------------------------------------------------
# Random state
# ---------------------------------------------------------------------------


def check_random_state(seed) -> np.random.Generator:
    """Turn ``seed`` into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    seed : None, int, numpy.random.Generator or numpy.random.RandomState
        None gives fresh OS entropy; an int gives a reproducible generator; a
        Generator is returned unchanged (so the caller's stream advances).
    """
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(seed.randint(0, 2**63 - 1, dtype=np.int64))
    if not isinstance(seed, numbers.Integral) or isinstance(seed, (bool, np.bool_)):
        raise TypeError(
            f"random_state must be None, an int or a numpy.random.Generator, got {type(seed).__name__}."
        )
    return np.random.default_rng(int(check_scalar(seed, "random_state", numbers.Integral, min_val=0)))


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _is_sparse(X) -> bool:
    return type(X).__module__.startswith("scipy.sparse")


def check_scalar(
    x,
    name,
    target_type,
    *,
    min_val=None,
    max_val=None,
    include_boundaries="both",
    finite=True,
    integer_valued=False,
):
    """Validate a scalar hyperparameter; raise naming ``name`` and the bad value.

    The one scalar check of physml: every public entry point calls it for each
    number it takes, and nothing downstream checks again.

    Parameters
    ----------
    x : object
        The value to check.
    name : str
        The parameter's name, used in the message (the name the user typed).
    target_type : type or tuple of types
        Accepted types (``numbers.Real``, ``numbers.Integral``, ...). Booleans
        are rejected where a number is wanted, unless ``bool`` is listed.
    min_val, max_val : float or None
        Bounds; ``include_boundaries`` is "both", "left", "right" or "neither"
        (which bounds are allowed: "left" means ``min_val <= x < max_val``).
    finite : bool, default=True
        Reject NaN and +-inf (a NaN is always rejected where bounds are given).
    integer_valued : bool, default=False
        For real types: the value must be a whole number (``3.0`` passes, ``3.5`` does not).

    Returns
    -------
    x : the value, unchanged.

    Examples
    --------
    >>> check_scalar(0.5, "eta", numbers.Real, min_val=0, include_boundaries="neither")
    0.5
    """
    if include_boundaries not in ("both", "left", "right", "neither"):
        raise ValueError(f"include_boundaries must be 'both', 'left', 'right' or 'neither', got {include_boundaries!r}.")
    types = target_type if isinstance(target_type, tuple) else (target_type,)
    if isinstance(x, (bool, np.bool_)) and bool not in types:
        raise TypeError(f"{name} must be of type {_type_names(types)}, got bool ({x}).")
    if not isinstance(x, target_type):
        raise TypeError(f"{name} must be of type {_type_names(types)}, got {type(x).__name__} ({x!r}).")
    is_number = isinstance(x, numbers.Number) and not isinstance(x, (bool, np.bool_))
    if is_number and isinstance(x, numbers.Complex) and not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got complex ({x}).")
    if is_number and isinstance(x, numbers.Real):
        if x != x:  # NaN fails no comparison
            raise ValueError(f"{name} must be a number, got {x}.")
        if finite and not math.isfinite(x):
            raise ValueError(f"{name} must be finite, got {x}.")
        if integer_valued and math.isfinite(x) and x != math.floor(x):
            raise ValueError(f"{name} must be a whole number, got {x}.")
    left = include_boundaries in ("both", "left")
    right = include_boundaries in ("both", "right")
    if min_val is not None and (x < min_val or (x == min_val and not left)):
        op = ">=" if left else ">"
        raise ValueError(f"{name} must be {op} {min_val}, got {x}.")
    if max_val is not None and (x > max_val or (x == max_val and not right)):
        op = "<=" if right else "<"
        raise ValueError(f"{name} must be {op} {max_val}, got {x}.")
    return x


def _type_names(types) -> str:
    return " or ".join(getattr(t, "__name__", str(t)) for t in types)


def check_n_jobs(n_jobs, name="n_jobs"):
    """Validate joblib's ``n_jobs``: None, or a non-zero integer (-1 = all cores, -2 = all but one, ...).

    Returns the value unchanged (None stays None, meaning 1 unless a joblib
    ``parallel_config`` says otherwise).
    """
    if n_jobs is None:
        return None
    check_scalar(n_jobs, name, numbers.Integral)
    if n_jobs == 0:
        raise ValueError(f"{name} must be a non-zero integer (-1 uses every core) or None, got 0.")
    return int(n_jobs)


#: The most memory a single request may ask for before physml refuses it (bytes).
#: A keyword (``max_bytes``) overrides it where a function takes one.
MAX_BYTES = 2 * 1024**3


def _format_bytes(n: float) -> str:
    for unit, size in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def check_sizes(shapes, *, itemsize=8, what="this request", max_bytes=None, hint=""):
    """Refuse, before allocating, a request whose arrays would not fit.

    Parameters
    ----------
    shapes : iterable of tuple of int
        The shapes of the arrays the request will allocate (all alive at once).
    itemsize : int or iterable of int, default=8
        Bytes per element (one for all shapes, or one per shape).
    what : str
        What is being asked for, named in the message ("ising_configurations(n_per_temperature=...)").
    max_bytes : int or None
        The limit; None uses :data:`MAX_BYTES` (2 GiB) or the ``PHYSML_MAX_BYTES``
        environment variable where set.
    hint : str
        What to do instead ("use precluster=", "lower n"), appended to the message.

    Returns
    -------
    n_bytes : int
        What the request needs.

    Raises
    ------
    ValueError
        "... needs 596 GiB; the limit is 2 GiB ..." when it does not fit. Sizes are
        multiplied as Python integers, so an absurd request never overflows.
    """
    shapes = [tuple(int(d) for d in s) for s in shapes]
    sizes = [itemsize] * len(shapes) if isinstance(itemsize, numbers.Integral) else [int(i) for i in itemsize]
    total = 0
    for shape, size in zip(shapes, sizes):
        if any(d < 0 for d in shape):
            raise ValueError(f"{what}: a size is negative ({shape}).")
        total += math.prod(shape) * size
    if max_bytes is None:
        max_bytes = int(os.environ.get("PHYSML_MAX_BYTES", MAX_BYTES))
    if total > max_bytes:
        msg = f"{what} needs {_format_bytes(total)}; the limit is {_format_bytes(max_bytes)}"
        msg += f" ({hint})." if hint else " (set max_bytes, or PHYSML_MAX_BYTES, to allow more)."
        raise ValueError(msg)
    return total


def _asarray(X, name):
    """``np.asarray(X)``, with a message naming ``name`` when X is ragged (rows of unequal length)."""
    try:
        return np.asarray(X)
    except ValueError as exc:
        raise ValueError(f"{name} is ragged (its rows have unequal lengths) or otherwise not an array: {exc}") from None


def _check_numeric_kind(raw, name):
    """Refuse what is not a real number: complex, strings, datetimes, objects that are not numbers."""
    kind = raw.dtype.kind
    if kind == "c":
        raise ValueError(f"Complex data not supported in {name}; pass its real part or abs().")
    if kind in "USV":
        raise TypeError(
            f"{name} must contain numbers, got dtype {raw.dtype} (strings); "
            "encode categorical data as numbers first."
        )
    if kind in "mM":
        raise TypeError(
            f"{name} must contain numbers, got dtype {raw.dtype} (dates or durations); convert them to "
            "numbers in a stated unit first, e.g. (t - t0) / np.timedelta64(1, 's')."
        )
    if kind == "O":
        # as scikit-learn: an object array passes only when it holds numbers. NumPy's cast would parse
        # the string "3.5"; other non-numbers (dicts, complex, dates) fail the cast itself.
        for v in raw.flat:
            if isinstance(v, (str, bytes)):
                raise TypeError(
                    f"{name} must contain numbers, got an object array holding a "
                    f"{type(v).__name__} ({v!r}); convert the column to numbers first."
                )


def _check_fits_dtype(raw, arr, name):
    """Refuse data that a narrower float dtype turns into inf or flushes to 0 (float64 1e39 -> float32 inf)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        finite = np.isfinite(raw) if raw.dtype.kind == "f" else True
        overflow = finite & ~np.isfinite(arr)
        underflow = (raw != 0) & (arr == 0)
    info = np.finfo(arr.dtype)
    if np.any(overflow):
        raise ValueError(
            f"{name} holds values beyond the {arr.dtype} range (largest |value| {np.abs(raw[overflow]).max():.3g} "
            f"> {info.max:.3g}); rescale {name} or compute in float64 (dtype='float64')."
        )
    if np.any(underflow):
        raise ValueError(
            f"{name} holds non-zero values that flush to 0 in {arr.dtype} (smallest |value| "
            f"{np.abs(raw[underflow]).min():.3g} < {info.smallest_subnormal:.3g}); rescale {name} or compute "
            "in float64 (dtype='float64')."
        )


def check_array(
    X,
    *,
    name: str = "X",
    dtype=np.float64,
    ensure_2d: bool = True,
    allow_nd: bool = False,
    ensure_min_samples: int = 1,
    ensure_min_features: int = 1,
    allow_nan: bool = False,
    copy: bool = False,
) -> np.ndarray:
    """Validate an input array and return it as a C-contiguous ndarray.

    Parameters
    ----------
    X : array-like
        List, NumPy array or pandas frame/series.
    name : str
        Name of the argument, used in every error message.
    dtype : numpy dtype, "numeric" or None
        Target dtype. "numeric" keeps float32/float64 and converts anything
        else to float64; None keeps the dtype (object arrays are still rejected
        unless they hold numbers).
    ensure_2d : bool
        Require exactly two dimensions (samples, features).
    allow_nd : bool
        Allow more than two dimensions (images).
    ensure_min_samples, ensure_min_features : int
        Minimum number of rows / columns.
    allow_nan : bool
        Accept NaN and inf.
    copy : bool
        Always return a copy.

    Returns
    -------
    ndarray
    """
    if X is None:
        raise ValueError(f"{name} is None; expected an array-like of numbers.")
    if _is_sparse(X):
        raise TypeError(
            f"A sparse matrix was passed as {name}, but dense data is required; "
            f"use {name}.toarray() to convert it."
        )
    if isinstance(X, str):
        raise TypeError(f"{name} must be an array-like of numbers, got a string.")
    raw = _asarray(X, name)
    _check_numeric_kind(raw, name)
    if dtype == "numeric":
        dtype = raw.dtype if raw.dtype in (np.float32, np.float64) else np.float64
    if dtype is None and raw.dtype.kind == "O":
        dtype = np.float64
    try:
        with np.errstate(over="ignore", under="ignore"):  # a narrowing cast is checked just below
            arr = raw.astype(dtype, copy=copy) if dtype is not None else (raw.copy() if copy else raw)
    except OverflowError as exc:  # a Python int beyond the float range, held in an object array
        raise ValueError(f"{name} holds a number too large to convert to {np.dtype(dtype)}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must contain numbers only: {exc}") from None
    if raw.dtype.kind in "fiu" and arr.dtype.kind == "f" and arr.dtype.itemsize < raw.dtype.itemsize:
        _check_fits_dtype(raw, arr, name)
    if arr.ndim == 0:
        raise ValueError(f"Expected 2D array for {name}, got scalar {X!r}.")
    if ensure_2d and arr.ndim == 1:
        raise ValueError(
            f"Expected 2D array for {name}, got 1D array instead. Reshape your data either "
            f"using {name}.reshape(-1, 1) if your data has a single feature or "
            f"{name}.reshape(1, -1) if it contains a single sample."
        )
    if not allow_nd and arr.ndim > 2:
        raise ValueError(f"Expected 2D array for {name}, got {arr.ndim}D array with shape {arr.shape}.")
    n_samples = arr.shape[0]
    if n_samples < ensure_min_samples:
        raise ValueError(
            f"Found array {name} with {n_samples} sample(s) (shape={arr.shape}) while a minimum of "
            f"{ensure_min_samples} is required."
        )
    if ensure_2d and arr.ndim >= 2 and arr.shape[1] < ensure_min_features:
        raise ValueError(
            f"Found array {name} with {arr.shape[1]} feature(s) (shape={arr.shape}) while a minimum of "
            f"{ensure_min_features} is required."
        )
    if not allow_nan and arr.dtype.kind == "f" and not np.isfinite(arr).all():
        what = "NaN" if np.isnan(arr).any() else "infinity"
        raise ValueError(f"Input {name} contains {what}; NaN or inf values are not allowed. Impute or drop them.")
    return np.ascontiguousarray(arr)


def _check_y(y, *, name="y", y_numeric=True, multi_output=False, allow_nan=False):
    if y is None:
        raise ValueError(
            "This estimator requires y to be passed, but the target y is None; call fit(X, y)."
        )
    raw = np.asarray(y)
    if raw.ndim == 2 and raw.shape[1] == 1 and not multi_output:
        warn(
            DataConversionWarning(
                "A column-vector y was passed when a 1d array was expected. Please change the "
                "shape of y to (n_samples,), for example using ravel()."
            )
        )
        raw = raw.ravel()
    if raw.ndim == 0:
        raise ValueError(f"{name} must be an array-like of length n_samples, got scalar {y!r}.")
    if raw.ndim > (2 if multi_output else 1):
        raise ValueError(
            f"{name} should be a 1d array, got an array of shape {raw.shape} instead."
        )
    if not y_numeric:
        if raw.dtype.kind == "f" and not np.isfinite(raw).all():
            raise ValueError(f"Input {name} contains NaN or infinity.")
        return raw
    return check_array(raw, name=name, ensure_2d=False, ensure_min_samples=0, allow_nan=allow_nan)


def _num_samples(x, name):
    """Length of the first axis of an array-like (array, pandas object, list)."""
    if x is None:
        raise ValueError(f"{name} is None; expected an array-like.")
    shape = getattr(x, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    if hasattr(x, "__len__") and not isinstance(x, str):
        return len(x)
    raise TypeError(f"{name} must be an array-like with a length, got {type(x).__name__}.")


def check_consistent_length(arrays, names):
    """The common number of samples of ``arrays``; ``ValueError`` naming each length when they differ.

    Parameters
    ----------
    arrays : sequence of array-like
        Arrays, lists or pandas objects (their first axis is the sample axis).
    names : sequence of str
        The argument names, used in the messages.

    Returns
    -------
    n_samples : int (0 for no arrays)
    """
    lengths = [_num_samples(a, n) for a, n in zip(arrays, names)]
    if len(set(lengths)) > 1:
        detail = ", ".join(f"{n}: {m}" for n, m in zip(names, lengths))
        raise ValueError(f"Found input arrays with inconsistent numbers of samples ({detail}).")
    return lengths[0] if lengths else 0


def column_or_1d(y, *, name="y"):
    """Validate a 1-D array of labels or numbers (a column vector is ravelled).

    Labels of any type that compares with ``==`` pass (ints, strings, bools);
    a floating or complex array must be finite. Unlike :func:`check_array`, the
    dtype is kept.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, 1)
    name : str
        The argument's name, used in the messages.

    Returns
    -------
    ndarray of shape (n_samples,), n_samples >= 1
    """
    if y is None:
        raise ValueError(f"{name} is None; expected an array-like of length n_samples.")
    if isinstance(y, str):
        raise TypeError(f"{name} must be an array-like, got a string.")
    arr = _asarray(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1D of shape (n_samples,), got shape {arr.shape}.")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty; at least one sample is required.")
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        raise ValueError(f"Input {name} contains NaN or infinity.")
    return arr


def check_X_y(X, y, *, dtype=np.float64, y_numeric=True, multi_output=False, allow_nd=False):
    """Validate a design matrix and its targets together.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    dtype : numpy dtype or "numeric"
        Target dtype of X.
    y_numeric : bool
        Convert y to float64 (regression); otherwise keep its labels (classification).
    multi_output : bool
        Accept a 2D y.
    allow_nd : bool
        Accept X with more than two dimensions (images).

    Returns
    -------
    X : ndarray
    y : ndarray
    """
    X = check_array(X, name="X", dtype=dtype, allow_nd=allow_nd)
    y = _check_y(y, y_numeric=y_numeric, multi_output=multi_output)
    if len(y) != X.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {X.shape[0]}, y has {len(y)}."
        )
    return X, y


def check_classification_targets(y):
    """Encode class labels; reject continuous targets and single-class data.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Labels of any sortable type (ints, strings, bools).

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        Sorted unique labels.
    y_encoded : ndarray of shape (n_samples,), int64
        Index of each label in ``classes``.
    """
    y = _asarray(y, "y")
    if y.ndim != 1:
        raise ValueError(f"y should be a 1d array of class labels, got shape {y.shape}.")
    if y.dtype.kind == "c" or (y.dtype.kind == "O" and any(isinstance(v, complex) for v in y.tolist())):
        raise ValueError("Unknown label type: complex. Class labels must be integers, strings or bools.")
    if y.dtype.kind == "f" and not np.isfinite(y).all() or y.dtype.kind == "O" and any(
            v is None or (isinstance(v, float) and v != v) for v in y.tolist()):
        raise ValueError("y contains NaN, inf or None labels; a class label must be a value (drop those samples).")
    if y.dtype.kind == "f" and np.any(y != np.round(y)):
        raise ValueError(
            "Unknown label type: continuous. A classifier needs discrete class labels; "
            "for a continuous target use a regressor."
        )
    if y.dtype.kind == "O":
        kinds = {type(v) for v in y.tolist()}
        if len(kinds) > 1 and not all(issubclass(k, numbers.Number) for k in kinds):
            raise TypeError(f"y mixes label types {sorted(k.__name__ for k in kinds)}; use one type.")
    classes, y_encoded = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"y contains only one class ({classes[0]!r}); a classifier needs at least 2 classes."
        )
    return classes, y_encoded.astype(np.int64)


def check_square_range(X, name="X"):
    r"""Refuse data whose sums of squares would overflow float64 (distances, variances, Gram matrices).

    ``X`` (validated, float) may hold values up to :math:`\sqrt{\text{max float} / (4 p)}`
    (about 1e153 for a few features): beyond that :math:`\lVert x - y \rVert^2` or a variance
    is inf and the result is silently NaN. Returns ``X`` unchanged.
    """
    X = np.asarray(X)
    if X.size == 0:
        return X
    p = X.shape[-1] if X.ndim > 1 else 1
    limit = math.sqrt(np.finfo(np.float64).max / (4 * p))
    largest = float(np.max(np.abs(X)))
    if largest > limit:
        raise ValueError(f"{name} has values up to {largest:.3g}; their squares overflow float64 "
                         f"(limit {limit:.3g} for {p} features): rescale {name}, e.g. divide it by its "
                         "standard deviation.")
    return X
