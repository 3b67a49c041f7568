r"""The estimator contract and the one input-validation layer of physml.

Every estimator follows the scikit-learn contract: ``__init__`` stores its
parameters and nothing else; ``fit(X, y)`` validates its input once, here, and
returns ``self``; what was learned ends in an underscore. Because
``get_params``/``set_params`` are read off the ``__init__`` signature,
scikit-learn's ``clone``, ``Pipeline`` and ``GridSearchCV`` accept physml
estimators, although physml never imports scikit-learn itself.

The validators (:func:`check_array`, :func:`check_X_y`,
:func:`check_classification_targets`, :func:`check_scalar`, ...) are
re-exported here from :mod:`physml._validation`, where they live so that
:mod:`physml.metrics` can use them without importing this module: they turn
lists, NumPy arrays and pandas frames into contiguous float arrays and reject
what cannot be fitted with a ``ValueError`` or ``TypeError`` that names the
argument, says what came and what was expected.
"""

from __future__ import annotations

import copy
import inspect

from ._validation import (  # noqa: F401  (re-exported: physml.base.check_array, ...)
    MAX_BYTES,
    check_array,
    check_classification_targets,
    check_consistent_length,
    check_n_jobs,
    check_random_state,
    check_scalar,
    check_sizes,
    check_square_range,
    check_X_y,
    column_or_1d,
)
from .exceptions import (  # noqa: F401  (re-exported: physml.base.NotFittedError, ...)
    CacheWarning,
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
    _not_fitted_error_class,
    warn,
)

__all__ = [
    "Estimator",
    "RegressorMixin",
    "ClassifierMixin",
    "TransformerMixin",
    "NotFittedError",
    "ConvergenceWarning",
    "DataConversionWarning",
    "check_array",
    "check_X_y",
    "check_classification_targets",
    "check_is_fitted",
    "check_random_state",
    "check_scalar",
    "check_consistent_length",
    "column_or_1d",
    "check_n_jobs",
    "check_sizes",
    "check_square_range",
    "clone",
    "is_classifier",
]


def check_is_fitted(estimator, attributes=None):
    """Raise :class:`NotFittedError` unless ``estimator`` has been fitted.

    Parameters
    ----------
    estimator : Estimator
    attributes : str or list of str, optional
        Fitted attributes to look for; default any attribute ending in "_".
    """
    if attributes is None:
        fitted = any(k.endswith("_") and not k.startswith("__") for k in vars(estimator))
    else:
        attributes = [attributes] if isinstance(attributes, str) else attributes
        fitted = all(hasattr(estimator, a) for a in attributes)
    if not fitted:
        raise _not_fitted_error_class()(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator."
        )


def clone(estimator):
    """A new, unfitted estimator with the same parameters.

    ``type(est)(**est.get_params(deep=False))``, where parameters that are
    estimators are cloned in turn and every other parameter is deep-copied (a
    ``numpy.random.Generator`` passed as ``random_state`` is copied, so every
    clone starts from the same stream). Works for any object with
    ``get_params`` (scikit-learn estimators included) and for lists and tuples
    of them.

    Parameters
    ----------
    estimator : Estimator, or list/tuple/set of them

    Returns
    -------
    Estimator
    """
    if isinstance(estimator, (list, tuple, set, frozenset)):
        return type(estimator)(clone(e) for e in estimator)
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        return copy.deepcopy(estimator)
    params = {k: clone(v) for k, v in estimator.get_params(deep=False).items()}
    return type(estimator)(**params)


def is_classifier(estimator) -> bool:
    """True for classifiers: physml ones by their mixin, others by their scikit-learn tags."""
    if isinstance(estimator, Estimator) or hasattr(estimator, "_estimator_type"):
        return getattr(estimator, "_estimator_type", None) == "classifier"
    tags = getattr(estimator, "__sklearn_tags__", None)
    return tags is not None and tags().estimator_type == "classifier"


# ---------------------------------------------------------------------------
# Estimator base and mixins
# ---------------------------------------------------------------------------


class Estimator:
    """Base class: parameters are the ``__init__`` arguments, stored unchanged.

    ``get_params``/``set_params`` read the ``__init__`` signature, so
    scikit-learn's ``clone``, ``Pipeline`` and ``GridSearchCV`` accept every
    physml estimator.
    """

    @classmethod
    def _get_param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        sig = inspect.signature(init)
        for p in sig.parameters.values():
            if p.kind == p.VAR_POSITIONAL:
                raise RuntimeError(f"{cls.__name__}.__init__ must not take *args.")
        return sorted(p.name for p in sig.parameters.values() if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict:
        """Parameters of this estimator (and of nested estimators when ``deep``)."""
        out = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for sub_key, sub_value in value.get_params().items():
                    out[f"{key}__{sub_key}"] = sub_value
            out[key] = value
        return out

    def set_params(self, **params):
        """Set parameters; ``name__sub`` reaches into a nested estimator. Returns self."""
        valid = self._get_param_names()
        nested = {}
        for key, value in params.items():
            key, _, sub = key.partition("__")
            if key not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {valid}."
                )
            if sub:
                nested.setdefault(key, {})[sub] = value
            else:
                setattr(self, key, value)
        for key, sub_params in nested.items():
            getattr(self, key).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = []
        for k, v in self.get_params(deep=False).items():
            d = defaults.get(k, inspect.Parameter.empty)
            same = d is v
            if not same:
                try:
                    same = bool(d == v)
                except Exception:
                    same = False
            if not same:
                changed.append(f"{k}={v!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_is_fitted__(self) -> bool:
        return any(k.endswith("_") and not k.startswith("__") for k in vars(self))

    def _validate_X_predict(self, X, **kwargs):
        """Validate X at predict time: fitted, same number of features as in fit."""
        check_is_fitted(self)
        X = check_array(X, **kwargs)
        if X.ndim >= 2 and X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    # scikit-learn >= 1.6 reads an estimator's capabilities from this method. It
    # is only ever called by scikit-learn, so the import below never runs in physml.
    def __sklearn_tags__(self):
        from sklearn.utils import InputTags, Tags, TargetTags

        return Tags(
            estimator_type=getattr(self, "_estimator_type", None),
            target_tags=TargetTags(required=False),
            transformer_tags=None,
            regressor_tags=None,
            classifier_tags=None,
            input_tags=InputTags(),
        )


class RegressorMixin:
    """Mixin for regressors: ``score`` is the coefficient of determination R^2."""

    _estimator_type = "regressor"

    def score(self, X, y) -> float:
        """R^2 = 1 - sum (y - y_hat)^2 / sum (y - <y>)^2 on (X, y)."""
        from .metrics import r2_score

        return r2_score(y, self.predict(X))

    def __sklearn_tags__(self):
        from sklearn.utils import RegressorTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        tags.target_tags.required = True
        return tags


class ClassifierMixin:
    """Mixin for classifiers: ``score`` is the accuracy."""

    _estimator_type = "classifier"

    def score(self, X, y) -> float:
        """Fraction of samples whose predicted label equals y."""
        from .metrics import accuracy_score

        return accuracy_score(y, self.predict(X))

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        return tags


class TransformerMixin:
    """Mixin for transformers: ``fit_transform`` = ``fit`` then ``transform``."""

    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X, y, **fit_params).transform(X)

    def __sklearn_tags__(self):
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags()
        return tags
