"""Exceptions and warnings of physml, and the one ``warn`` that attributes them to the user's line.

This module imports nothing of physml, so every other module may import it
(``base`` and ``metrics`` both need :func:`warn`; before it lived here they
imported each other).
"""

from __future__ import annotations

import functools
import os
import sys
import warnings

__all__ = [
    "NotFittedError",
    "ConvergenceWarning",
    "DataConversionWarning",
    "CacheWarning",
    "warn",
]


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a fitted estimator is called before ``fit``."""


def _rebuild_not_fitted_error(args):
    return _not_fitted_error_class()(*args)


@functools.lru_cache(maxsize=None)
def _interoperable_not_fitted_error(sklearn_error):
    # __reduce__: joblib ships exceptions between processes; rebuild by function, not by class lookup
    return type(
        "NotFittedError",
        (NotFittedError, sklearn_error),
        {"__module__": "physml.exceptions", "__reduce__": lambda self: (_rebuild_not_fitted_error, (self.args,))},
    )


def _not_fitted_error_class():
    """:class:`NotFittedError`, also a scikit-learn ``NotFittedError`` once scikit-learn is loaded.

    physml never imports scikit-learn; but when the user has (to put a physml
    estimator in a ``Pipeline`` or run ``check_estimator``), the error raised is
    an instance of both classes, so that ``except`` clauses of either library
    catch it.
    """
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError
    return _interoperable_not_fitted_error(sklearn_exceptions.NotFittedError)


class ConvergenceWarning(UserWarning):
    """An iterative algorithm stopped before its convergence criterion was met."""


class DataConversionWarning(UserWarning):
    """Input data was converted in a way the user may not expect (e.g. a column vector y)."""


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep  # src/physml/


def warn(message, category=UserWarning):
    """``warnings.warn`` attributed to the user's line: the first caller outside physml.

    However deep inside physml a warning arises, the message shows the line of
    the user's code that led to it (``model.fit(X, y)``), not a line of physml.
    """
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


class CacheWarning(UserWarning):
    """A cached data file was unusable (corrupt, or not what was asked for) and was regenerated."""
