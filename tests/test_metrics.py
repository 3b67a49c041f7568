"""Metrics: closed forms on hand-made inputs, scikit-learn's answer on random ones."""

import numpy as np
import pytest

from physml.metrics import (
    accuracy_score,
    confusion_matrix,
    log_loss,
    mean_squared_error,
    r2_score,
    roc_auc_score,
    roc_curve,
)

SEEDS = range(8)


# --------------------------------------------------------------------------- closed forms


def test_mse_and_r2_closed_form():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    y_hat = np.array([1.0, 2.0, 3.0, 6.0])
    assert mean_squared_error(y, y_hat) == 1.0
    # sum of squares about the mean is 5; residual sum is 4
    assert r2_score(y, y_hat) == pytest.approx(1 - 4 / 5, abs=1e-15)
    assert r2_score(y, y) == 1.0


def test_r2_constant_target_conventions():
    y = np.full(5, 2.0)
    assert r2_score(y, y) == 1.0
    assert r2_score(y, y + 1) == 0.0
    assert np.isnan(r2_score([1.0], [2.0]))


def test_accuracy_counts_and_fraction_with_string_labels():
    y = ["cat", "dog", "dog", "bird"]
    y_hat = ["cat", "dog", "cat", "bird"]
    assert accuracy_score(y, y_hat) == 0.75
    assert accuracy_score(y, y_hat, normalize=False) == 3.0


def test_log_loss_binary_closed_form():
    y = [0, 1, 1]
    p = [0.2, 0.6, 0.9]
    expected = -(np.log(0.8) + np.log(0.6) + np.log(0.9)) / 3
    assert log_loss(y, p) == pytest.approx(expected, rel=1e-14)
    assert log_loss(y, np.column_stack([1 - np.array(p), p])) == pytest.approx(expected, rel=1e-14)
    assert log_loss(y, p, normalize=False) == pytest.approx(3 * expected, rel=1e-14)


def test_log_loss_is_finite_for_confident_mistakes():
    loss = log_loss([0, 1], [1.0, 0.0])
    assert loss == pytest.approx(-np.log(np.finfo(float).eps), rel=1e-12)
    assert log_loss([0, 1], [1.0, 0.0], eps=1e-3) == pytest.approx(-np.log(1e-3), rel=1e-12)


def test_log_loss_warns_when_rows_are_not_probabilities():
    with pytest.warns(UserWarning, match="do not sum to one"):
        loss = log_loss([0, 1], [[0.2, 0.2], [0.3, 0.3]])
    assert loss == pytest.approx(-(np.log(0.2) + np.log(0.3)) / 2, rel=1e-14)  # the value is unchanged
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_loss([0, 1], [[0.7, 0.3], [0.1, 0.9]])
        log_loss([0, 1], [0.3, 0.9])
        r = np.random.default_rng(0).normal(size=(1000, 3)).astype(np.float32)
        softmax32 = np.exp(r) / np.exp(r).sum(axis=1, keepdims=True)  # rows sum to 1 within float32 round-off
        log_loss(np.arange(1000) % 3, softmax32)


def test_log_loss_labels_argument_for_missing_class():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    assert log_loss(["x", "y"], p, labels=["x", "y", "z"]) == pytest.approx(
        -(np.log(0.7) + np.log(0.8)) / 2, rel=1e-14
    )
    with pytest.raises(ValueError, match="labels"):
        log_loss(["x", "y"], p)


def test_confusion_matrix_closed_form_and_label_order():
    y = [0, 0, 1, 1, 2]
    y_hat = [0, 1, 1, 1, 0]
    np.testing.assert_array_equal(confusion_matrix(y, y_hat), [[1, 1, 0], [0, 2, 0], [1, 0, 0]])
    np.testing.assert_array_equal(confusion_matrix(y, y_hat, labels=[1, 0]), [[2, 0], [1, 1]])


def test_roc_curve_perfect_and_auc_ties():
    fpr, tpr, thr = roc_curve([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    np.testing.assert_array_equal(fpr, [0, 0, 0, 1])
    np.testing.assert_array_equal(tpr, [0, 0.5, 1, 1])
    assert thr[0] == np.inf
    assert roc_auc_score([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    # all scores tied: P(s+ > s-) + P(s+ = s-)/2 = 1/2
    assert roc_auc_score([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3]) == 0.5


def test_roc_curve_single_class_warns_and_is_nan():
    with pytest.warns(UserWarning, match="No negative samples"):
        fpr, tpr, _ = roc_curve([1, 1, 1], [0.2, 0.5, 0.9])
    assert np.isnan(fpr).all()
    np.testing.assert_array_equal(tpr, [0, 1 / 3, 1])  # the collinear 2/3 point is dropped


def test_roc_auc_equals_pairwise_probability(rng):
    y = rng.integers(0, 2, 200)
    s = np.round(rng.normal(size=200) + y, 1)
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]
    pairwise = (diff > 0).mean() + 0.5 * (diff == 0).mean()
    assert roc_auc_score(y, s) == pytest.approx(pairwise, abs=1e-12)


def test_roc_auc_string_labels_and_pos_label():
    y = np.array(["bkg", "sig", "sig", "bkg"])
    s = [0.1, 0.9, 0.4, 0.5]
    assert roc_auc_score(y, s) == 0.75  # "sig" is the larger label
    assert roc_auc_score(y, s, pos_label="bkg") == 0.25


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "func, args, match",
    [
        (mean_squared_error, ([1.0, 2.0], [1.0]), r"y_true: \d+, y_pred: \d+"),
        (r2_score, ([1.0, np.nan], [1.0, 2.0]), "y_true contains NaN"),
        (mean_squared_error, ([1.0, 2.0], [np.inf, 2.0]), "y_pred contains infinity"),
        (mean_squared_error, ([], []), "y_true with 0 sample"),
        (accuracy_score, ([1, 2, 3], [1, 2]), r"y_true: \d+, y_pred: \d+"),
        (log_loss, ([0, 1], [0.5, 1.5]), "y_proba"),
        (log_loss, ([0, 1, 2], [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]), "3 classes"),
        (roc_auc_score, ([1, 1, 1], [0.1, 0.2, 0.3]), "one class"),
        (roc_curve, ([0, 1, 2], [0.1, 0.2, 0.3]), "binary"),
        (roc_auc_score, ([0, 1], [0.1, np.nan]), "y_score contains NaN"),
        (confusion_matrix, ([0, 1], [0, 1, 1]), r"y_true: \d+, y_pred: \d+"),
        (mean_squared_error, ([1.0, 2.0], [1.0, 10**400]), "y_pred holds a number too large"),
        (confusion_matrix, ([0, 1], [0, 1]), None),
    ],
)
def test_invalid_inputs_raise_naming_the_argument(func, args, match):
    if match is None:
        func(*args)
        return
    with pytest.raises(ValueError, match=match):
        func(*args)


def test_mixed_label_types_are_a_type_error():
    with pytest.raises(TypeError, match="y_true and y_pred mix label types"):
        accuracy_score([0, 1], ["0", "1"])
    with pytest.raises(TypeError, match="y_true and labels mix label types"):
        confusion_matrix([0, 1], [0, 1], labels=["0", "1"])


def test_non_numeric_regression_input_is_a_type_error():
    with pytest.raises(TypeError, match="y_true must contain numbers"):
        mean_squared_error(["a", "b"], [1.0, 2.0])


# --------------------------------------------------------------------------- scikit-learn oracle


@pytest.mark.parametrize("seed", SEEDS)
def test_regression_metrics_match_sklearn(sklearn, seed):
    from sklearn import metrics

    r = np.random.default_rng(seed)
    y, y_hat = r.normal(size=40), r.normal(size=40)
    assert mean_squared_error(y, y_hat) == pytest.approx(metrics.mean_squared_error(y, y_hat), abs=1e-13)
    assert r2_score(y, y_hat) == pytest.approx(metrics.r2_score(y, y_hat), abs=1e-13)
    Y, Y_hat = r.normal(size=(40, 3)), r.normal(size=(40, 3))
    assert r2_score(Y, Y_hat) == pytest.approx(metrics.r2_score(Y, Y_hat), abs=1e-13)


@pytest.mark.parametrize("seed", SEEDS)
def test_classification_metrics_match_sklearn(sklearn, seed):
    from sklearn import metrics

    r = np.random.default_rng(seed)
    names = np.array(["e", "mu", "tau"])
    y, y_hat = names[r.integers(0, 3, 60)], names[r.integers(0, 3, 60)]
    assert accuracy_score(y, y_hat) == metrics.accuracy_score(y, y_hat)
    np.testing.assert_array_equal(confusion_matrix(y, y_hat), metrics.confusion_matrix(y, y_hat))
    labels = ["tau", "e"]
    np.testing.assert_array_equal(
        confusion_matrix(y, y_hat, labels=labels), metrics.confusion_matrix(y, y_hat, labels=labels)
    )
    P = r.dirichlet(np.ones(3), 60)
    assert log_loss(y, P) == pytest.approx(metrics.log_loss(y, P), abs=1e-13)
    yb, pb = r.integers(0, 2, 60), r.random(60)
    assert log_loss(yb, pb) == pytest.approx(metrics.log_loss(yb, pb), abs=1e-13)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("drop_intermediate", [True, False])
def test_roc_matches_sklearn_with_ties(sklearn, seed, drop_intermediate):
    from sklearn import metrics

    r = np.random.default_rng(seed)
    y = r.integers(0, 2, 80)
    s = np.round(r.normal(size=80) + 0.8 * y, 1)  # rounding makes ties
    ours = roc_curve(y, s, drop_intermediate=drop_intermediate)
    theirs = metrics.roc_curve(y, s, drop_intermediate=drop_intermediate)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    assert roc_auc_score(y, s) == pytest.approx(metrics.roc_auc_score(y, s), abs=1e-12)
    ypm = np.where(y == 1, 1, -1)
    assert roc_auc_score(ypm, s) == pytest.approx(metrics.roc_auc_score(ypm, s), abs=1e-12)


def test_roc_and_auc_match_sklearn_on_arbitrary_inputs(sklearn):
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from sklearn import metrics

    pairs = st.lists(st.tuples(st.integers(0, 1), st.integers(-5, 5)), min_size=2, max_size=40).filter(
        lambda p: len({label for label, _ in p}) == 2
    )

    @settings(max_examples=40, deadline=None, database=None)
    @given(pairs)
    def check(p):
        y = np.array([label for label, _ in p])
        s = np.array([score for _, score in p], dtype=float) / 4  # small integer grid: many ties
        for a, b in zip(roc_curve(y, s), metrics.roc_curve(y, s)):
            np.testing.assert_array_equal(a, b)
        assert roc_auc_score(y, s) == pytest.approx(metrics.roc_auc_score(y, s), abs=1e-12)

    check()
