r"""Fitting is not predicting: validation and cross-validation (S3-S4).

The data set is split, :math:`D = D_{tr} \cup D_{val}`; the model is fitted on
:math:`D_{tr}` (in-sample error :math:`E_{tr}`) and judged on :math:`D_{val}`
(out-of-sample error :math:`E_{val}`). The model, or the hyperparameter such as
the polynomial degree or the ridge strength :math:`\lambda`, that minimises
:math:`E_{val}` is chosen. K-fold cross-validation repeats this K times, each
fold serving once as validation set, and averages.

Estimators are cloned through ``get_params`` (duck typing), so scikit-learn
estimators work here too. Folds run in parallel through joblib (``n_jobs``).
"""

from __future__ import annotations

import numbers

import numpy as np
from joblib import Parallel, delayed

from .base import (
    check_consistent_length,
    check_n_jobs,
    check_random_state,
    check_scalar,
    clone,
    is_classifier,
    warn,
)
from .metrics import accuracy_score, log_loss, mean_squared_error, r2_score

__all__ = [
    "train_test_split",
    "KFold",
    "StratifiedKFold",
    "cross_val_score",
    "validation_curve",
    "get_scorer",
]


# ---------------------------------------------------------------------------
# Indexing helpers
# ---------------------------------------------------------------------------


def _take(x, idx):
    """Rows ``idx`` of x, keeping its type (ndarray, pandas object, list)."""
    if hasattr(x, "iloc"):
        return x.iloc[idx]
    if isinstance(x, np.ndarray):
        return x[idx]
    if isinstance(x, list):
        return [x[i] for i in idx]
    return np.asarray(x)[idx]


# ---------------------------------------------------------------------------
# Train / validation split
# ---------------------------------------------------------------------------


def _split_sizes(n, test_size, train_size):
    def resolve(size, name):
        if size is None:
            return None
        if isinstance(size, numbers.Integral):  # a number of samples (check_scalar refuses bools)
            return int(check_scalar(size, name, numbers.Integral, min_val=1, max_val=n - 1))
        # a fraction
        return float(check_scalar(size, name, numbers.Real, min_val=0.0, max_val=1.0, include_boundaries="neither"))

    test_size = resolve(test_size, "test_size")
    train_size = resolve(train_size, "train_size")
    if test_size is None and train_size is None:
        test_size = 0.25
    n_test = None
    n_train = None
    if isinstance(test_size, float):
        n_test = int(np.ceil(test_size * n))
    elif test_size is not None:
        n_test = test_size
    if isinstance(train_size, float):
        n_train = int(np.floor(train_size * n))
    elif train_size is not None:
        n_train = train_size
    if n_train is None:
        n_train = n - n_test
    if n_test is None:
        n_test = n - n_train
    if n_train + n_test > n:
        raise ValueError(
            f"train_size ({n_train} samples) + test_size ({n_test} samples) exceed n_samples = {n}."
        )
    if n_train == 0 or n_test == 0:
        raise ValueError(
            f"With n_samples={n}, test_size={test_size} and train_size={train_size}, one of the "
            "sets would be empty; adjust the sizes."
        )
    return n_train, n_test


def _allocate(counts, n_draw, rng):
    """Split ``n_draw`` among classes in proportion to ``counts`` (largest remainder)."""
    exact = counts * n_draw / counts.sum()
    out = np.floor(exact).astype(np.int64)
    remainder = exact - out
    # ties in the remainder are broken at random, so no class is always favoured
    order = np.lexsort((rng.random(len(counts)), -remainder))
    out[order[: n_draw - out.sum()]] += 1
    return out


def train_test_split(
    *arrays, test_size=None, train_size=None, random_state=None, shuffle=True, stratify=None
):
    r"""Split arrays into a training and a validation part, :math:`D = D_{tr} \cup D_{val}` (S3).

    Parameters
    ----------
    *arrays : array-likes of equal length
        Lists, NumPy arrays or pandas objects; each comes back as the same type.
    test_size : float, int or None
        Fraction (rounded up) or number of validation samples; default 0.25
        (or the complement of ``train_size``).
    train_size : float, int or None
        Fraction (rounded down) or number of training samples; default the rest.
    random_state : None, int or numpy.random.Generator
        Seed of the permutation.
    shuffle : bool
        Permute before splitting; if False the first samples train.
    stratify : array-like of shape (n_samples,), optional
        Class labels; each class gets the same share in both parts (to within
        one sample). Needs ``shuffle=True``.

    Returns
    -------
    list
        ``[a_train, a_test, b_train, b_test, ...]``.
    """
    if not arrays:
        raise ValueError("At least one array is required as input.")
    check_scalar(shuffle, "shuffle", (bool, np.bool_))
    names = [f"arrays[{i}]" for i in range(len(arrays))]
    n = check_consistent_length(arrays, names)
    if n < 2:
        raise ValueError(f"train_test_split needs at least 2 samples, got {n}.")
    n_train, n_test = _split_sizes(n, test_size, train_size)
    if not shuffle:
        if stratify is not None:
            raise ValueError("Stratified splitting needs shuffle=True; pass stratify=None to split in order.")
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    else:
        rng = check_random_state(random_state)
        if stratify is None:
            perm = rng.permutation(n)
            test, train = perm[:n_test], perm[n_test : n_test + n_train]
        else:
            labels = np.asarray(stratify)
            if labels.ndim != 1 or len(labels) != n:
                raise ValueError(f"stratify must be 1D with {n} labels, got shape {labels.shape}.")
            classes, y = np.unique(labels, return_inverse=True)
            counts = np.bincount(y)
            if counts.min() < 2:
                raise ValueError(
                    "The least populated class in stratify has only 1 member; every class needs "
                    "at least 2 to appear in both parts."
                )
            if n_test < len(classes) or n_train < len(classes):
                raise ValueError(
                    f"test_size ({n_test}) and train_size ({n_train}) must each be at least the "
                    f"number of classes ({len(classes)}) to stratify."
                )
            n_test_k = _allocate(counts, n_test, rng)
            n_train_k = _allocate(counts - n_test_k, n_train, rng)
            n_train_k = np.minimum(n_train_k, counts - n_test_k)
            train_parts, test_parts = [], []
            for k in range(len(classes)):
                members = rng.permutation(np.flatnonzero(y == k))
                test_parts.append(members[: n_test_k[k]])
                train_parts.append(members[n_test_k[k] : n_test_k[k] + n_train_k[k]])
            train = rng.permutation(np.concatenate(train_parts))
            test = rng.permutation(np.concatenate(test_parts))
    out = []
    for a in arrays:
        out.extend([_take(a, train), _take(a, test)])
    return out


# ---------------------------------------------------------------------------
# K-fold splitters
# ---------------------------------------------------------------------------


class KFold:
    r"""K-fold cross-validation (S3): each of K consecutive folds is the validation set once.

    The first ``n_samples % n_splits`` folds have ``n_samples // n_splits + 1``
    samples, the others ``n_samples // n_splits`` (as in scikit-learn, whose
    folds are identical when ``shuffle=False``).

    Parameters
    ----------
    n_splits : int, >= 2
    shuffle : bool
        Permute the samples before cutting them into folds.
    random_state : None, int or numpy.random.Generator
        Seed of the permutation; only meaningful with ``shuffle=True``.
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        check_scalar(n_splits, "n_splits", numbers.Integral, min_val=2)
        check_scalar(shuffle, "shuffle", (bool, np.bool_))
        if not shuffle and random_state is not None:
            raise ValueError(
                "Setting random_state has no effect since shuffle is False; set shuffle=True or "
                "leave random_state=None."
            )
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """Number of folds K."""
        return self.n_splits

    def _test_folds(self, n, y):
        if self.n_splits > n:
            raise ValueError(
                f"Cannot have n_splits={self.n_splits} greater than the number of samples n_samples={n}."
            )
        fold_sizes = np.full(self.n_splits, n // self.n_splits, dtype=np.int64)
        fold_sizes[: n % self.n_splits] += 1
        indices = np.arange(n)
        if self.shuffle:
            check_random_state(self.random_state).shuffle(indices)
        test_folds = np.empty(n, dtype=np.int64)
        test_folds[indices] = np.repeat(np.arange(self.n_splits), fold_sizes)
        return test_folds

    def split(self, X, y=None, groups=None):
        """Yield ``(train_index, test_index)`` for each of the K folds.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,), optional
            Needed by :class:`StratifiedKFold` only.
        groups : ignored
        """
        n = check_consistent_length([X] if y is None else [X, y], ["X", "y"])
        test_folds = self._test_folds(n, y)
        for k in range(self.n_splits):
            test = np.flatnonzero(test_folds == k)
            train = np.flatnonzero(test_folds != k)
            yield train, test

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_splits={self.n_splits}, shuffle={self.shuffle}, "
            f"random_state={self.random_state!r})"
        )


class StratifiedKFold(KFold):
    r"""K-fold cross-validation keeping the class proportions in every fold (S3).

    Samples of each class are dealt over the folds in order of appearance, so
    that with ``shuffle=False`` the folds are identical to scikit-learn's.

    Parameters
    ----------
    n_splits : int, >= 2
    shuffle : bool
        Shuffle the fold assignment within each class.
    random_state : None, int or numpy.random.Generator
    """

    def _test_folds(self, n, y):
        if y is None:
            raise ValueError("StratifiedKFold.split needs the class labels y.")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"y must be 1D class labels for StratifiedKFold, got shape {y.shape}.")
        # classes numbered in order of first appearance
        _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
        _, class_perm = np.unique(first, return_inverse=True)
        y_encoded = class_perm[inverse]
        n_classes = len(first)
        counts = np.bincount(y_encoded)
        if np.all(self.n_splits > counts):
            raise ValueError(
                f"n_splits={self.n_splits} cannot be greater than the number of members in each class."
            )
        if self.n_splits > counts.min():
            warn(
                f"The least populated class in y has only {counts.min()} members, which is less "
                f"than n_splits={self.n_splits}.",
                UserWarning,
            )
        # deal the sorted labels round-robin: fold i gets y_order[i::K]
        y_order = np.sort(y_encoded)
        allocation = np.array(
            [np.bincount(y_order[i :: self.n_splits], minlength=n_classes) for i in range(self.n_splits)]
        )
        rng = check_random_state(self.random_state) if self.shuffle else None
        test_folds = np.empty(n, dtype=np.int64)
        for k in range(n_classes):
            folds_for_class = np.repeat(np.arange(self.n_splits), allocation[:, k])
            if rng is not None:
                rng.shuffle(folds_for_class)
            test_folds[y_encoded == k] = folds_for_class
        return test_folds


def _check_cv(cv, estimator, y):
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral):
        check_scalar(cv, "cv", numbers.Integral, min_val=2)
        if is_classifier(estimator) and y is not None:
            return StratifiedKFold(int(cv))
        return KFold(int(cv))
    if hasattr(cv, "split"):
        return cv
    if hasattr(cv, "__iter__"):
        splits = list(cv)

        class _Fixed:
            def split(self, X, y=None, groups=None):
                return iter(splits)

        return _Fixed()
    raise TypeError(f"cv must be an int, a splitter with .split() or an iterable of splits, got {cv!r}.")


# ---------------------------------------------------------------------------
# Scoring and cross-validation
# ---------------------------------------------------------------------------


def _neg_mse(estimator, X, y):
    return -mean_squared_error(y, estimator.predict(X))


def _r2(estimator, X, y):
    return r2_score(y, estimator.predict(X))


def _accuracy(estimator, X, y):
    return accuracy_score(y, estimator.predict(X))


def _neg_log_loss(estimator, X, y):
    return -log_loss(y, estimator.predict_proba(X), labels=estimator.classes_)


_SCORERS = {
    "r2": _r2,
    "neg_mean_squared_error": _neg_mse,
    "accuracy": _accuracy,
    "neg_log_loss": _neg_log_loss,
}


def get_scorer(scoring):
    """Turn ``scoring`` into a callable ``scorer(estimator, X, y) -> float`` (higher is better).

    Parameters
    ----------
    scoring : None, str or callable
        None uses ``estimator.score``; a string is one of "r2",
        "neg_mean_squared_error", "accuracy", "neg_log_loss"; a callable is
        returned unchanged.
    """
    if scoring is None:
        return lambda estimator, X, y: estimator.score(X, y)
    if isinstance(scoring, str):
        if scoring not in _SCORERS:
            raise ValueError(
                f"scoring={scoring!r} is not known; use one of {sorted(_SCORERS)} or a callable."
            )
        return _SCORERS[scoring]
    if callable(scoring):
        return scoring
    raise TypeError(f"scoring must be None, a string or a callable, got {type(scoring).__name__}.")


def _fit_and_score(estimator, X, y, train, test, scorer, params, train_score):
    est = clone(estimator)
    if params:
        est.set_params(**params)
    X_tr = _take(X, train)
    if y is None:
        y_tr = y_te = None
        est.fit(X_tr)
    else:
        y_tr, y_te = _take(y, train), _take(y, test)
        est.fit(X_tr, y_tr)
    test_value = scorer(est, _take(X, test), y_te)
    train_value = scorer(est, X_tr, y_tr) if train_score else None
    return train_value, test_value


def _prepare(estimator, X, y):
    if not (hasattr(estimator, "fit") and hasattr(estimator, "get_params")):
        raise TypeError(
            f"estimator must be an estimator with fit and get_params, got {type(estimator).__name__}."
        )
    if X is None:
        raise ValueError("X is None; expected an array-like of shape (n_samples, n_features).")
    if not hasattr(X, "iloc") and not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if y is not None:
        if not hasattr(y, "iloc") and not isinstance(y, np.ndarray):
            y = np.asarray(y)
        check_consistent_length([X, y], ["X", "y"])
    return X, y


def cross_val_score(estimator, X, y=None, cv=5, scoring=None, n_jobs=None):
    r"""K-fold cross-validated score (S3): fit on K-1 folds, score on the held-out one.

    Parameters
    ----------
    estimator : object with ``fit`` and ``get_params``
        Cloned for every fold, never fitted itself.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), optional
    cv : int, splitter or iterable of (train, test)
        An int K means :class:`KFold` (K) for regressors and
        :class:`StratifiedKFold` (K) for classifiers, as in scikit-learn.
    scoring : None, str or callable
        See :func:`get_scorer`; None uses ``estimator.score``.
    n_jobs : int or None
        Folds run in parallel through joblib.

    Returns
    -------
    ndarray of shape (n_splits,)
    """
    X, y = _prepare(estimator, X, y)
    splitter = _check_cv(cv, estimator, y)
    scorer = get_scorer(scoring)
    splits = list(splitter.split(X, y))
    results = Parallel(n_jobs=check_n_jobs(n_jobs))(
        delayed(_fit_and_score)(estimator, X, y, train, test, scorer, None, False) for train, test in splits
    )
    return np.array([test for _, test in results], dtype=np.float64)


def validation_curve(estimator, X, y, param_name, param_range, cv=5, scoring=None, n_jobs=None):
    r"""Training and validation scores as one hyperparameter varies (S3-S4).

    For every value in ``param_range`` (a polynomial degree, a ridge strength
    :math:`\lambda`, ...) the estimator is cross-validated; the in-sample score
    (on each training part) and the out-of-sample score (on each held-out fold)
    are returned. Where they part is where the model starts to overfit.

    Parameters
    ----------
    estimator : object with ``fit``, ``get_params`` and ``set_params``
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or None
    param_name : str
        Name of the parameter (``"alpha"``, ``"step__degree"``).
    param_range : array-like
        Values to try.
    cv, scoring, n_jobs
        As in :func:`cross_val_score`.

    Returns
    -------
    train_scores, test_scores : ndarray of shape (n_params, n_splits)
    """
    if not isinstance(param_name, str):
        raise TypeError(f"param_name must be a string, got {type(param_name).__name__}.")
    values = list(param_range)
    if not values:
        raise ValueError("param_range is empty; give at least one value to try.")
    X, y = _prepare(estimator, X, y)
    splitter = _check_cv(cv, estimator, y)
    scorer = get_scorer(scoring)
    splits = list(splitter.split(X, y))
    results = Parallel(n_jobs=check_n_jobs(n_jobs))(
        delayed(_fit_and_score)(estimator, X, y, train, test, scorer, {param_name: v}, True)
        for v in values
        for train, test in splits
    )
    scores = np.array(results, dtype=np.float64).reshape(len(values), len(splits), 2)
    return scores[:, :, 0], scores[:, :, 1]
