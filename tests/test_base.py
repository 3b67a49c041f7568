"""The estimator contract and input validation of physml.base."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

from physml.base import (
    ClassifierMixin,
    ConvergenceWarning,
    DataConversionWarning,
    Estimator,
    NotFittedError,
    RegressorMixin,
    TransformerMixin,
    check_array,
    check_consistent_length,
    check_classification_targets,
    check_is_fitted,
    check_random_state,
    check_scalar,
    check_X_y,
    clone,
    column_or_1d,
    is_classifier,
)


class _LeastSquares(RegressorMixin, Estimator):
    """Ridge with intercept in closed form; the same objective as sklearn's Ridge."""

    def __init__(self, alpha=0.0, random_state=None):
        self.alpha = alpha
        self.random_state = random_state

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        x_mean, y_mean = X.mean(axis=0), y.mean()
        Xc = X - x_mean
        A = Xc.T @ Xc + self.alpha * np.eye(X.shape[1])
        self.coef_ = np.linalg.lstsq(A, Xc.T @ (y - y_mean), rcond=None)[0]
        self.intercept_ = y_mean - x_mean @ self.coef_
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        X = self._validate_X_predict(X)
        return X @ self.coef_ + self.intercept_


class _NearestCentroid(ClassifierMixin, Estimator):
    def __init__(self):
        pass

    def fit(self, X, y):
        X, y = check_X_y(X, y, y_numeric=False)
        self.classes_, k = check_classification_targets(y)
        self.centroids_ = np.array([X[k == j].mean(axis=0) for j in range(len(self.classes_))])
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        X = self._validate_X_predict(X)
        d2 = ((X[:, None, :] - self.centroids_[None]) ** 2).sum(axis=-1)
        return self.classes_[d2.argmin(axis=1)]


class _Wrapper(RegressorMixin, Estimator):
    """An estimator holding another one, to test nested parameters."""

    def __init__(self, inner=None, scale=1.0):
        self.inner = inner
        self.scale = scale

    def fit(self, X, y):
        self.inner_ = clone(self.inner).fit(X, np.asarray(y) * self.scale)
        self.n_features_in_ = self.inner_.n_features_in_
        return self

    def predict(self, X):
        check_is_fitted(self)
        return self.inner_.predict(X) / self.scale


@pytest.fixture
def data(rng):
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, 2.0, -1.0]) + 0.5 + 0.1 * rng.normal(size=40)
    return X, y


# --------------------------------------------------------------------------- accepted input


def test_lists_arrays_and_frames_give_the_same_fit(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    ref = _LeastSquares().fit(X, y).coef_
    for X_in, y_in in [
        (X.tolist(), y.tolist()),
        (np.asfortranarray(X), y),
        (pd.DataFrame(X, columns=["a", "b", "c"]), pd.Series(y)),
        (X.astype(np.float32), y.astype(np.float32)),
        (X.astype(object), y),
    ]:
        np.testing.assert_allclose(_LeastSquares().fit(X_in, y_in).coef_, ref, rtol=1e-5)


def test_check_array_returns_contiguous_float64():
    out = check_array(np.asfortranarray(np.arange(6).reshape(2, 3)))
    assert out.dtype == np.float64 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, [[0, 1, 2], [3, 4, 5]])
    assert check_array(np.ones((2, 2), np.float32), dtype="numeric").dtype == np.float32
    assert check_array(np.ones((2, 2, 2)), allow_nd=True).shape == (2, 2, 2)
    assert np.isnan(check_array([[np.nan]], allow_nan=True)).all()


# --------------------------------------------------------------------------- rejected input


@pytest.mark.parametrize(
    "X, error, match",
    [
        ([[1.0, np.nan]], ValueError, "Input X contains NaN"),
        ([[1.0, np.inf]], ValueError, "Input X contains infinity"),
        (np.zeros((0, 3)), ValueError, "X with 0 sample"),
        (np.zeros((3, 0)), ValueError, "X with 0 feature"),
        ([1.0, 2.0, 3.0], ValueError, "Expected 2D array for X, got 1D"),
        (np.zeros((2, 2, 2)), ValueError, "Expected 2D array for X, got 3D"),
        (3.0, ValueError, "Expected 2D array for X, got scalar"),
        ([["a", "b"]], TypeError, "X must contain numbers"),
        (np.array([[1, "a"]], dtype=object), TypeError, "X must contain numbers, got an object array"),
        (np.array([[1.0, "3.5"]], dtype=object), TypeError, "X must contain numbers, got an object array.*str"),
        (np.array([[1.0, 2j]], dtype=object), TypeError, "X must contain numbers only.*complex"),
        (np.array([["2020-01-01"]], dtype="datetime64[D]"), TypeError, "X must contain numbers.*dates"),
        (np.array([[1, 2]], dtype="timedelta64[s]"), TypeError, "X must contain numbers.*durations"),
        ([[1.0, 2.0], [3.0]], ValueError, "X is ragged"),
        ("abc", TypeError, "X must be an array-like of numbers"),
        (None, ValueError, "X is None"),
        (np.array([[1 + 2j]]), ValueError, "Complex data not supported in X"),
        ([[1.0, 10**400]], ValueError, "X holds a number too large"),
    ],
)
def test_check_array_rejects_bad_input_naming_x(X, error, match):
    with pytest.raises(error, match=match):
        check_array(X)


def test_check_array_keeps_object_arrays_of_numbers():
    X = np.array([[1, 2.5], [np.float32(3), None]], dtype=object)
    np.testing.assert_array_equal(check_array(X, allow_nan=True), [[1.0, 2.5], [3.0, np.nan]])


def test_pandas_object_column_of_numeric_strings_is_refused_not_parsed():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"E": [1.0, 2.0], "p": pd.Series(["3.5", "4"], dtype=object)})
    with pytest.raises(TypeError, match="X must contain numbers, got an object array.*'3.5'"):
        check_array(X)


def test_pandas_datetime_column_is_refused():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"t": pd.to_datetime(["2020-01-01", "2020-01-02"]), "E": [1.0, 2.0]})
    with pytest.raises(TypeError, match="X must contain"):
        check_array(X)


@pytest.mark.parametrize("value, match", [(1e39, "beyond the float32 range"), (1e-50, "flush to 0 in float32")])
def test_float32_conversion_refuses_values_outside_float32(value, match):
    X = np.array([[1.0, value]])
    with pytest.raises(ValueError, match="X holds .*" + match):
        check_array(X, dtype=np.float32)
    assert check_array(X, dtype=np.float64)[0, 1] == value


def test_check_array_refuses_3d_without_allow_nd_even_when_1d_is_allowed():
    with pytest.raises(ValueError, match="got 3D"):
        check_array(np.zeros((2, 2, 2)), ensure_2d=False)


def test_check_consistent_length_names_every_length():
    assert check_consistent_length([np.zeros(3), [1, 2, 3]], ["a", "b"]) == 3
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples \(a: 3, b: 2\)"):
        check_consistent_length([np.zeros(3), [1, 2]], ["a", "b"])


@pytest.mark.parametrize(
    "y, error, match",
    [
        (None, ValueError, "y is None"),
        ("ab", TypeError, "got a string"),
        (np.zeros((2, 2)), ValueError, "must be 1D"),
        ([], ValueError, "y is empty"),
        ([1.0, np.nan], ValueError, "contains NaN"),
        ([[1], [2, 3]], ValueError, "y is ragged"),
    ],
)
def test_column_or_1d_rejects_naming_y(y, error, match):
    with pytest.raises(error, match=match):
        column_or_1d(y)


def test_column_or_1d_ravels_a_column_and_keeps_labels():
    assert column_or_1d(np.array([["a"], ["b"]])).tolist() == ["a", "b"]


def test_check_array_rejects_sparse():
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse matrix was passed as X"):
        check_array(sparse.csr_matrix(np.eye(2)))


def test_pandas_frame_with_a_text_column_is_rejected():
    pd = pytest.importorskip("pandas")
    with pytest.raises(TypeError, match="X must contain numbers"):
        check_array(pd.DataFrame({"E": [1.0, 2.0], "particle": ["e", "mu"]}))


@pytest.mark.parametrize(
    "y, error, match",
    [
        (np.ones(5), ValueError, "inconsistent numbers of samples: X has 4, y has 5"),
        ([1.0, np.nan, 2.0, 3.0], ValueError, "Input y contains NaN"),
        (None, ValueError, "target y is None"),
        (np.ones((4, 2)), ValueError, r"y should be a 1d array, got an array of shape \(4, 2\)"),
        (["a", "b", "c", "d"], TypeError, "y must contain numbers"),
    ],
)
def test_check_X_y_rejects_bad_targets_naming_y(y, error, match):
    with pytest.raises(error, match=match):
        check_X_y(np.ones((4, 2)), y)


def test_column_vector_y_warns_and_is_raveled():
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        _, y = check_X_y(np.ones((3, 1)), np.ones((3, 1)))
    assert y.shape == (3,)


def test_estimator_rejects_nan_at_fit_and_wrong_n_features_at_predict(data):
    X, y = data
    with pytest.raises(ValueError, match="Input X contains NaN"):
        _LeastSquares().fit(np.where(X > 1.5, np.nan, X), y)
    model = _LeastSquares().fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but _LeastSquares is expecting 3 features"):
        model.predict(X[:, :2])


def test_predict_before_fit_raises_not_fitted(data):
    X, _ = data
    with pytest.raises(NotFittedError, match="_LeastSquares instance is not fitted yet"):
        _LeastSquares().predict(X)
    # NotFittedError is both a ValueError and an AttributeError (hasattr-friendly)
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    with pytest.raises(NotFittedError):
        check_is_fitted(_LeastSquares().fit(X, X[:, 0]), attributes=["coef_", "missing_"])


def test_not_fitted_error_is_sklearns_once_sklearn_is_loaded(sklearn, data):
    from sklearn.exceptions import NotFittedError as SKNotFittedError

    with pytest.raises(SKNotFittedError):
        _LeastSquares().predict(data[0])
    with pytest.raises(NotFittedError) as info:
        _LeastSquares().predict(data[0])
    # joblib sends a worker's exception to the parent by pickling it
    import pickle

    again = pickle.loads(pickle.dumps(info.value))
    assert isinstance(again, SKNotFittedError) and isinstance(again, NotFittedError)
    assert again.args == info.value.args


def test_check_classification_targets_encodes_and_rejects():
    classes, y = check_classification_targets(np.array(["mu", "e", "mu", "tau"]))
    np.testing.assert_array_equal(classes, ["e", "mu", "tau"])
    np.testing.assert_array_equal(y, [1, 0, 1, 2])
    assert y.dtype == np.int64
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        check_classification_targets(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="only one class"):
        check_classification_targets(np.array([1, 1, 1]))
    with pytest.raises(TypeError, match="mixes label types"):
        check_classification_targets(np.array([1, "a"], dtype=object))
    with pytest.raises(ValueError, match="1d array of class labels"):
        check_classification_targets(np.zeros((2, 2)))


def test_check_scalar_names_parameter_and_bound():
    assert check_scalar(3, "n_epochs", int, min_val=1) == 3
    with pytest.raises(ValueError, match=r"eta must be > 0.0, got 0.0"):
        check_scalar(0.0, "eta", float, min_val=0.0, include_boundaries="neither")
    with pytest.raises(ValueError, match=r"beta1 must be < 1.0, got 1.0"):
        check_scalar(1.0, "beta1", float, max_val=1.0, include_boundaries="left")
    with pytest.raises(TypeError, match="n_epochs must be of type .*got bool"):
        check_scalar(True, "n_epochs", int)
    with pytest.raises(TypeError, match="n_epochs must be of type .*got str"):
        check_scalar("3", "n_epochs", int)


# --------------------------------------------------------------------------- random state


def test_check_random_state_same_seed_same_bits():
    a = check_random_state(42).random(5)
    b = check_random_state(42).random(5)
    assert a.tobytes() == b.tobytes()
    assert check_random_state(43).random(5).tobytes() != a.tobytes()
    g = np.random.default_rng(0)
    assert check_random_state(g) is g
    assert isinstance(check_random_state(None), np.random.Generator)
    r1 = check_random_state(np.random.RandomState(7)).random(3)
    r2 = check_random_state(np.random.RandomState(7)).random(3)
    np.testing.assert_array_equal(r1, r2)
    with pytest.raises(ValueError, match="random_state must be >= 0"):
        check_random_state(-1)
    with pytest.raises(TypeError, match="random_state must be None, an int"):
        check_random_state(1.5)
    with pytest.raises(TypeError, match="random_state"):
        check_random_state(True)


# --------------------------------------------------------------------------- parameters


def test_get_and_set_params_including_nested():
    model = _Wrapper(inner=_LeastSquares(alpha=2.0), scale=3.0)
    params = model.get_params()
    assert params["scale"] == 3.0 and params["inner__alpha"] == 2.0 and params["inner__random_state"] is None
    assert set(model.get_params(deep=False)) == {"inner", "scale"}
    assert model.set_params(scale=0.5, inner__alpha=7.0) is model
    assert model.scale == 0.5 and model.inner.alpha == 7.0
    with pytest.raises(ValueError, match="Invalid parameter 'gamma' for estimator _Wrapper"):
        model.set_params(gamma=1)
    with pytest.raises(ValueError, match="Invalid parameter 'beta' for estimator _LeastSquares"):
        model.set_params(inner__beta=1)


def test_repr_shows_only_changed_parameters():
    assert repr(_LeastSquares()) == "_LeastSquares()"
    assert repr(_LeastSquares(alpha=0.5)) == "_LeastSquares(alpha=0.5)"


def test_clone_gives_unfitted_copy_with_independent_nested_estimators(data):
    X, y = data
    gen = np.random.default_rng(3)
    model = _Wrapper(inner=_LeastSquares(alpha=1.0, random_state=gen), scale=2.0).fit(X, y)
    copy = clone(model)
    assert copy is not model and not hasattr(copy, "inner_")
    assert copy.inner is not model.inner and copy.inner.alpha == 1.0
    assert copy.inner.random_state is not gen
    assert copy.inner.random_state.random() == np.random.default_rng(3).random()
    assert clone([model, model.inner])[1].alpha == 1.0
    # scale back out: wrapper predictions equal the inner model's
    np.testing.assert_allclose(model.predict(X), _LeastSquares(alpha=1.0).fit(X, y).predict(X), atol=1e-10)


def test_score_is_r2_for_regressors_and_accuracy_for_classifiers(data):
    X, y = data
    model = _LeastSquares().fit(X, y)
    y_hat = model.predict(X)
    r2 = 1 - np.sum((y - y_hat) ** 2) / np.sum((y - y.mean()) ** 2)
    assert model.score(X, y) == pytest.approx(r2, abs=1e-14)
    labels = np.where(X[:, 0] > 0, "sig", "bkg")
    clf = _NearestCentroid().fit(X, labels)
    assert clf.score(X, labels) == np.mean(clf.predict(X) == labels)
    assert is_classifier(clf) and not is_classifier(model)


# --------------------------------------------------------------------------- scikit-learn acceptance


def test_sklearn_clone_pipeline_and_gridsearch_accept_physml(sklearn, data):
    from sklearn.base import clone as sk_clone
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = data
    copy = sk_clone(_LeastSquares(alpha=0.3))
    assert copy.alpha == 0.3 and not hasattr(copy, "coef_")

    pipe = make_pipeline(StandardScaler(), _LeastSquares(alpha=1.0)).fit(X, y)
    ref = make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(X, y)
    np.testing.assert_allclose(pipe.predict(X), ref.predict(X), atol=1e-12)

    grid = {"alpha": [0.01, 1.0, 10.0, 300.0]}
    ours = GridSearchCV(_LeastSquares(), grid, cv=4).fit(X, y)
    theirs = GridSearchCV(Ridge(), grid, cv=4).fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], atol=1e-12
    )
    nested = GridSearchCV(_Wrapper(inner=_LeastSquares()), {"inner__alpha": [0.1, 100.0]}, cv=3).fit(X, y)
    assert nested.best_params_ == {"inner__alpha": 0.1}


def test_sklearn_tags_follow_the_mixins(sklearn):
    from sklearn.utils import get_tags

    assert get_tags(_LeastSquares()).estimator_type == "regressor"
    assert get_tags(_NearestCentroid()).estimator_type == "classifier"
    assert get_tags(_LeastSquares()).target_tags.required


def test_tiny_estimators_pass_check_estimator(sklearn):
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not inherit from `sklearn.base.BaseEstimator`")
        check_estimator(_LeastSquares(), on_skip=None)
        check_estimator(_NearestCentroid(), on_skip=None)


def test_base_works_without_importing_sklearn():
    code = (
        "import sys, numpy as np\n"
        "from physml.base import Estimator, RegressorMixin, NotFittedError, check_X_y, check_is_fitted\n"
        "class M(RegressorMixin, Estimator):\n"
        "    def __init__(self): pass\n"
        "    def fit(self, X, y):\n"
        "        X, y = check_X_y(X, y); self.c_ = y.mean(); return self\n"
        "    def predict(self, X):\n"
        "        check_is_fitted(self); return np.full(len(X), self.c_)\n"
        "try:\n"
        "    M().predict([[1.0]])\n"
        "except NotFittedError:\n"
        "    pass\n"
        "assert M().fit([[1.0], [2.0]], [1.0, 3.0]).score([[1.0], [2.0]], [1.0, 3.0]) == 0.0\n"
        "assert 'sklearn' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_physml_ridge_in_sklearn_pipeline_and_gridsearch_matches_sklearn(sklearn, data):
    from sklearn.linear_model import Ridge as SKRidge
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from physml.linear import Ridge

    X, y = data
    grid = {"ridge__alpha": [0.01, 3.0, 100.0]}
    ours = GridSearchCV(make_pipeline(StandardScaler(), Ridge()), grid, cv=5).fit(X, y)
    theirs = GridSearchCV(make_pipeline(StandardScaler(), SKRidge()), grid, cv=5).fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], atol=1e-12)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-12)


class _Standardiser(TransformerMixin, Estimator):
    """z = (x - mean) / std per feature: the smallest transformer on the contract."""

    def __init__(self, with_std=True):
        self.with_std = with_std

    def fit(self, X, y=None):
        X = check_array(X)
        self.n_features_in_ = X.shape[1]
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) if self.with_std else np.ones(X.shape[1])
        self.scale_[self.scale_ == 0] = 1.0
        return self

    def transform(self, X):
        X = self._validate_X_predict(X)
        return (X - self.mean_) / self.scale_


def test_transformer_mixin_fit_transform_standardises(rng):
    X = rng.normal(3.0, 2.0, size=(50, 3))
    Z = _Standardiser().fit_transform(X)
    np.testing.assert_allclose(Z, _Standardiser().fit(X).transform(X), rtol=0, atol=0)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Estimator .* does not inherit from")
@pytest.mark.filterwarnings("ignore:Skipping check")
def test_transformer_mixin_passes_check_estimator(sklearn):
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(_Standardiser())


def test_warnings_point_at_the_users_line_not_inside_physml():
    from physml.nn import MLPRegressor

    X = np.linspace(0, 1, 40).reshape(-1, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MLPRegressor(hidden_layer_sizes=(3,), max_epochs=2, random_state=0).fit(X, X.ravel())  # warns here
    (w,) = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert w.filename == __file__
    assert "MLPRegressor(hidden_layer_sizes=(3,), max_epochs=2" in open(__file__).read().splitlines()[w.lineno - 1]


@pytest.mark.parametrize(
    "y, match",
    [
        (np.array([1 + 0j, 2 + 0j, 1 + 0j]), "Unknown label type: complex"),
        (np.array([1, 2j, 1], dtype=object), "Unknown label type: complex"),
        (np.array([0.0, np.nan, 1.0]), "NaN, inf or None labels"),
        (np.array(["a", None, "b"], dtype=object), "NaN, inf or None labels"),
        (np.array([1.0, float("nan"), 2.0], dtype=object), "NaN, inf or None labels"),
    ],
)
def test_classification_targets_refuse_complex_and_missing_labels(y, match):
    with pytest.raises(ValueError, match=match):
        check_classification_targets(y)


def test_check_square_range_refuses_values_whose_squares_overflow():
    from physml.base import check_square_range

    limit = np.sqrt(np.finfo(np.float64).max / (4 * 3))
    X = np.ones((5, 3))
    assert check_square_range(X * limit * 0.99) is not None
    with pytest.raises(ValueError, match=r"Z has values up to .*squares overflow float64.*rescale Z"):
        check_square_range(X * limit * 1.01, name="Z")
    assert np.isfinite(((X * limit * 0.99) ** 2).sum(axis=1)).all()  # the limit is safe for row sums of squares
