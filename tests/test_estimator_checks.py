"""Every public physml estimator passes scikit-learn's ``check_estimator``.

The estimators are discovered, not listed: every module of physml (except the
lecture chapters and the CLI) is imported, and every public, concrete class
defined there that subclasses :class:`physml.base.Estimator` and has a ``fit``
method is checked (optimisers share the parameter machinery but are not
estimators). A new
estimator is therefore tested the moment it is written.

An estimator class may set two class attributes for this test:

``_check_estimator_params`` : dict
    Constructor parameters that make the check fast (few epochs, small nets).
``_check_estimator_expected_failed`` : dict
    ``{check_name: reason}`` passed to ``check_estimator(expected_failed_checks=...)``
    for a check that does not apply, with the reason written down.
"""

import importlib
import inspect
import pkgutil
import subprocess
import sys
import warnings

import pytest

import physml
from physml.base import Estimator

_EXCLUDED = ("physml.lecture", "physml.cli", "physml.__main__")


def _physml_modules():
    """Names of every physml module except the lecture chapters and the CLI."""
    names = []
    for info in pkgutil.walk_packages(physml.__path__, prefix="physml."):
        if info.name.startswith(_EXCLUDED) or info.name.split(".")[-1].startswith("__"):
            continue
        names.append(info.name)
    return sorted(names)


def _discover():
    classes, errors = {}, {}
    for name in _physml_modules():
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # reported by test_every_physml_module_imports
            errors[name] = f"{type(exc).__name__}: {exc}"
            continue
        # vars(), not inspect.getmembers: the latter would trigger lazy module exports
        for cls_name, cls in vars(module).items():
            if (
                inspect.isclass(cls)
                and cls.__module__ == name
                and issubclass(cls, Estimator)
                and cls is not Estimator
                and callable(getattr(cls, "fit", None))
                and not cls_name.startswith("_")
                and not inspect.isabstract(cls)
            ):
                classes[f"{name}.{cls_name}"] = cls
    return classes, errors


ESTIMATORS, IMPORT_ERRORS = _discover()


def test_every_physml_module_imports():
    assert IMPORT_ERRORS == {}


def test_discovery_finds_estimators_of_each_family():
    # the regression chapter is the minimum; every other family adds to the list
    assert any(".linear." in path for path in ESTIMATORS), sorted(ESTIMATORS)


@pytest.mark.filterwarnings("ignore::physml.base.ConvergenceWarning")
@pytest.mark.parametrize("path", sorted(ESTIMATORS))
def test_estimator_passes_sklearn_check_estimator(sklearn, path):
    from sklearn.utils.estimator_checks import check_estimator

    cls = ESTIMATORS[path]
    estimator = cls(**getattr(cls, "_check_estimator_params", {}))
    with warnings.catch_warnings():
        # physml estimators do not inherit from sklearn.base.BaseEstimator, by design
        warnings.filterwarnings("ignore", message=".*does not inherit from `sklearn.base.BaseEstimator`")
        check_estimator(
            estimator,
            expected_failed_checks=getattr(cls, "_check_estimator_expected_failed", None),
            on_skip=None,
        )


def test_physml_never_imports_sklearn_at_run_time():
    code = (
        "import importlib, sys\n"
        f"for name in {_physml_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "assert 'sklearn' not in sys.modules, sorted(m for m in sys.modules if m.startswith('sklearn'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
