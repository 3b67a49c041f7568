r"""Scores and losses used across the lecture (S3, S15, S28-S31, S44).

Regression: the mean squared error and the coefficient of determination R^2
(S2-S4). Classification: accuracy, the cross-entropy (log-loss, S15, S30-S31),
the confusion matrix, and the ROC curve with its area (S44: signal versus
background at the LHC).

Every function validates its inputs (equal lengths, no NaN, at least one
sample) and raises a ``ValueError`` naming the argument. Each result equals
scikit-learn's on the same input; the tests check that.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from ._validation import check_array, check_consistent_length, column_or_1d
from .exceptions import warn

__all__ = [
    "mean_squared_error",
    "r2_score",
    "accuracy_score",
    "log_loss",
    "confusion_matrix",
    "roc_curve",
    "roc_auc_score",
]


def _regression_pair(y_true, y_pred):
    y_true = check_array(y_true, name="y_true", ensure_2d=False)
    y_pred = check_array(y_pred, name="y_pred", ensure_2d=False)
    check_consistent_length([y_true, y_pred], ["y_true", "y_pred"])
    if y_true.ndim == 1 and y_pred.ndim == 2 and y_pred.shape[1] == 1:
        y_pred = y_pred.ravel()
    if y_pred.ndim == 1 and y_true.ndim == 2 and y_true.shape[1] == 1:
        y_true = y_true.ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}.")
    return y_true, y_pred


def mean_squared_error(y_true, y_pred) -> float:
    r"""Mean squared error (S2, S15).

    .. math:: \mathrm{MSE} = \frac{1}{n} \sum_{i=1}^{n} (y_i - \hat y_i)^2

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
    y_pred : array-like of the same shape

    Returns
    -------
    float
        For several outputs, the average over outputs.
    """
    y_true, y_pred = _regression_pair(y_true, y_pred)
    return float(np.mean((y_true - y_pred) ** 2))


def r2_score(y_true, y_pred) -> float:
    r"""Coefficient of determination R^2 (S2-S3).

    .. math:: R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}

    A constant ``y_true`` gives 1.0 when predicted exactly and 0.0 otherwise
    (the convention of scikit-learn). With several outputs, the R^2 of each
    output is averaged.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
    y_pred : array-like of the same shape

    Returns
    -------
    float
        NaN when fewer than two samples are given (R^2 is undefined).
    """
    y_true, y_pred = _regression_pair(y_true, y_pred)
    if y_true.shape[0] < 2:
        return float("nan")
    if y_true.ndim == 1:
        y_true, y_pred = y_true[:, None], y_pred[:, None]
    numerator = ((y_true - y_pred) ** 2).sum(axis=0)
    denominator = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    scores = np.ones(y_true.shape[1])
    ok = denominator != 0
    scores[ok] = 1.0 - numerator[ok] / denominator[ok]
    scores[~ok & (numerator != 0)] = 0.0
    return float(scores.mean())


def _check_same_label_kind(a, b, name_a, name_b):
    """Reject comparing text labels with numeric ones (every comparison would be False)."""
    text_a, text_b = a.dtype.kind in "US", b.dtype.kind in "US"
    if text_a != text_b and a.dtype.kind != "O" and b.dtype.kind != "O":
        raise TypeError(
            f"{name_a} and {name_b} mix label types ({a.dtype} and {b.dtype}); use the same type in both."
        )


def _label_pair(y_true, y_pred, name_pred="y_pred"):
    y_true = column_or_1d(y_true, name="y_true")
    y_pred = column_or_1d(y_pred, name=name_pred)
    check_consistent_length([y_true, y_pred], ["y_true", name_pred])
    _check_same_label_kind(y_true, y_pred, "y_true", name_pred)
    return y_true, y_pred


def accuracy_score(y_true, y_pred, *, normalize: bool = True) -> float:
    r"""Fraction (or number) of correctly classified samples (S28-S31).

    .. math:: \mathrm{acc} = \frac{1}{n} \sum_i [\hat y_i = y_i]

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Labels of any type that compares with ``==``.
    normalize : bool
        Return the fraction if True, the count otherwise.
    """
    y_true, y_pred = _label_pair(y_true, y_pred)
    correct = np.asarray(y_true == y_pred, dtype=bool)
    return float(correct.mean()) if normalize else float(correct.sum())


def _classes(y_true, labels, name="labels"):
    if labels is None:
        return np.unique(y_true)
    labels = column_or_1d(labels, name=name)
    classes = np.unique(labels)
    if len(classes) != len(labels):
        raise ValueError(f"{name} contains duplicates: {labels!r}.")
    return labels


def _eps_of(a):
    """Machine epsilon of a floating-point input (float32 probabilities sum to 1 less exactly), else float64's."""
    dtype = getattr(a, "dtype", None)
    return np.finfo(dtype).eps if dtype is not None and np.dtype(dtype).kind == "f" else np.finfo(np.float64).eps


def log_loss(y_true, y_proba, *, eps=None, normalize: bool = True, labels=None) -> float:
    r"""Cross-entropy of predicted probabilities (S15, S30-S31).

    .. math:: E = -\frac{1}{n} \sum_{i=1}^{n} \sum_{k=1}^{M} [y_i = k] \ln p_{ik}

    For two classes this is the binary cross-entropy
    :math:`-\frac{1}{n}\sum_i [y_i \ln \hat y_i + (1 - y_i)\ln(1 - \hat y_i)]`.
    Probabilities are clipped to :math:`[\epsilon, 1 - \epsilon]` so that a
    confident mistake costs :math:`-\ln \epsilon` instead of infinity.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Labels of any sortable type.
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Probability of each class, columns in the sorted order of the classes
        (of ``labels`` when given). A 1D array is the probability of the larger
        class of a binary problem.
    eps : float or None
        Clipping constant; None uses the machine epsilon of float64, as
        scikit-learn does.
    normalize : bool
        Mean over samples if True, sum otherwise.
    labels : array-like, optional
        All class labels, needed when ``y_true`` does not contain every class.

    Returns
    -------
    float
    """
    y_true = column_or_1d(y_true, name="y_true")
    p = check_array(y_proba, name="y_proba", ensure_2d=False)
    check_consistent_length([y_true, p], ["y_true", "y_proba"])
    if p.min() < 0 or p.max() > 1:
        raise ValueError(
            f"y_proba must hold probabilities in [0, 1], got values in [{p.min()}, {p.max()}]."
        )
    classes = _classes(y_true, labels)
    if len(classes) < 2:
        raise ValueError(
            f"y_true contains only one label ({classes[0]!r}); pass all labels via the labels argument."
        )
    if p.ndim == 1:
        p = p[:, None]
    if p.shape[1] == 1:
        p = np.hstack([1.0 - p, p])
    elif not np.allclose(p.sum(axis=1), 1.0, rtol=np.sqrt(_eps_of(y_proba))):
        warn("The rows of y_proba do not sum to one; log_loss expects probabilities (apply a softmax "
             "to scores first).")
    if p.shape[1] != len(classes):
        raise ValueError(
            f"y_proba has {p.shape[1]} columns but there are {len(classes)} classes "
            f"({classes!r}); pass the labels argument to name every class."
        )
    # columns follow the sorted classes, as in scikit-learn's one-hot encoding
    classes = np.sort(classes)
    k = np.clip(np.searchsorted(classes, y_true), 0, len(classes) - 1)
    if not np.all(classes[k] == y_true):
        unknown = np.setdiff1d(y_true, classes)
        raise ValueError(f"y_true contains labels not in labels: {unknown!r}.")
    eps = np.finfo(np.float64).eps if eps is None else float(eps)
    if not 0.0 < eps < 0.5:
        raise ValueError(f"eps must be in (0, 0.5), got {eps}.")
    p_true = np.clip(p[np.arange(len(k)), k], eps, 1.0 - eps)
    loss = -np.log(p_true)
    return float(loss.mean()) if normalize else float(loss.sum())


def confusion_matrix(y_true, y_pred, *, labels=None) -> np.ndarray:
    r"""Confusion matrix :math:`C_{jk}` = number of samples of true class j predicted as k.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like of shape (n_classes,), optional
        Order of the rows and columns; default the sorted union of the labels
        in ``y_true`` and ``y_pred``. Samples with other labels are ignored.

    Returns
    -------
    ndarray of shape (n_classes, n_classes), int64
    """
    y_true, y_pred = _label_pair(y_true, y_pred)
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    else:
        labels = _classes(y_true, labels)
        _check_same_label_kind(y_true, labels, "y_true", "labels")
        if not np.isin(y_true, labels).any():
            raise ValueError("At least one label in labels must occur in y_true.")
    n = len(labels)
    sorter = np.argsort(labels, kind="stable")

    def encode(y):
        pos = np.clip(np.searchsorted(labels, y, sorter=sorter), 0, n - 1)
        idx = sorter[pos]
        return idx, labels[idx] == y

    i, ok_i = encode(y_true)
    j, ok_j = encode(y_pred)
    keep = ok_i & ok_j
    return np.bincount(i[keep] * n + j[keep], minlength=n * n).reshape(n, n).astype(np.int64)


def _binary_targets(y_true, y_score, pos_label):
    y_true = column_or_1d(y_true, name="y_true")
    y_score = check_array(y_score, name="y_score", ensure_2d=False)
    if y_score.ndim == 2:
        if y_score.shape[1] != 2:
            raise ValueError(
                f"y_score must be 1D (score of the positive class) or have 2 columns, "
                f"got shape {y_score.shape}."
            )
        y_score = y_score[:, 1]
    check_consistent_length([y_true, y_score], ["y_true", "y_score"])
    classes = np.unique(y_true)
    if len(classes) > 2:
        raise ValueError(f"y_true must be binary, got {len(classes)} classes: {classes!r}.")
    if pos_label is None:
        pos_label = 1 if len(classes) == 1 and classes[0] in (0, -1) else classes[-1]
    return (y_true == pos_label), y_score


def _clf_curve(is_pos, y_score):
    """False and true positive counts at each distinct score, descending."""
    order = np.argsort(-y_score, kind="stable")
    y_score = y_score[order]
    is_pos = is_pos[order].astype(np.float64)
    distinct = np.flatnonzero(np.diff(y_score))
    idx = np.r_[distinct, len(y_score) - 1]
    tps = np.cumsum(is_pos)[idx]
    fps = 1.0 + idx - tps
    return fps, tps, y_score[idx]


def roc_curve(y_true, y_score, *, pos_label=None, drop_intermediate: bool = True):
    r"""Receiver operating characteristic (S44): TPR against FPR as the threshold moves.

    For a threshold t, :math:`\mathrm{TPR}(t) = P(s \ge t \mid \text{signal})`
    and :math:`\mathrm{FPR}(t) = P(s \ge t \mid \text{background})`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,) or (n_samples, 2)
        Score of the positive class (higher = more signal-like); with two
        columns the second is used.
    pos_label : label, optional
        The positive class; default the larger label (1 for {0, 1} or {-1, 1}).
    drop_intermediate : bool
        Drop thresholds whose point lies on a straight segment of the curve
        (they change neither the plot nor the area).

    Returns
    -------
    fpr, tpr : ndarray of shape (n_thresholds,)
        Start at (0, 0) and end at (1, 1).
    thresholds : ndarray of shape (n_thresholds,)
        Decreasing; the first is ``inf`` (nothing is called positive).
    """
    is_pos, y_score = _binary_targets(y_true, y_score, pos_label)
    fps, tps, thresholds = _clf_curve(is_pos, y_score)
    if drop_intermediate and len(fps) > 2:
        # a zero second difference in both counts means a collinear middle point
        corner = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[corner], tps[corner], thresholds[corner]
    fps = np.r_[0.0, fps]
    tps = np.r_[0.0, tps]
    thresholds = np.r_[np.inf, thresholds]
    if fps[-1] <= 0 or tps[-1] <= 0:
        missing = "negative" if fps[-1] <= 0 else "positive"
        warn(f"No {missing} samples in y_true; the ROC curve is undefined (NaN).")
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return fpr, tpr, thresholds


def roc_auc_score(y_true, y_score, *, pos_label=None) -> float:
    r"""Area under the ROC curve, binary (S44), in the Mann-Whitney form.

    .. math:: \mathrm{AUC} = P(s_+ > s_-) + \tfrac12 P(s_+ = s_-)
              = \frac{R_+ - n_+(n_+ + 1)/2}{n_+ n_-}

    where :math:`R_+` is the sum of the (tie-averaged) ranks of the positive
    samples among all scores. This equals the trapezoidal area under
    :func:`roc_curve` exactly, in :math:`O(n \log n)`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels; both classes must occur.
    y_score : array-like of shape (n_samples,) or (n_samples, 2)
    pos_label : label, optional
        Default the larger label.

    Returns
    -------
    float
    """
    is_pos, y_score = _binary_targets(y_true, y_score, pos_label)
    n_pos = int(is_pos.sum())
    n_neg = len(is_pos) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError(
            "Only one class present in y_true; the ROC AUC score is not defined in that case."
        )
    R_pos = rankdata(y_score, method="average")[is_pos].sum()
    return float((R_pos - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
