"""Shared fixtures and the oracle policy.

Oracle tests compare physml with scikit-learn, SciPy or PyTorch. They ask for
the ``sklearn``/``torch`` fixtures (or call ``pytest.importorskip``). On a
developer machine without those packages they skip; when the ``CI``
environment variable is set, such a skip is a failure, because the oracles are
the point of the suite. The summary prints how many oracle tests ran.
"""

import atexit
import os
import shutil
import tempfile

import numpy as np
import pytest

os.environ.setdefault("PHYSML_TUTORIAL_SMALL", "1")
# Generated data (Ising samples) is cached; tests never write to the user's cache.
os.environ["PHYSML_CACHE"] = tempfile.mkdtemp(prefix="physml-test-cache-")
atexit.register(shutil.rmtree, os.environ["PHYSML_CACHE"], ignore_errors=True)

_ORACLE_FIXTURES = {"sklearn", "torch"}


@pytest.fixture
def sklearn():
    return pytest.importorskip("sklearn")


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(torch.float32)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def pytest_configure(config):
    config.addinivalue_line("markers", "oracle: compares physml with scikit-learn, SciPy or PyTorch")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _ORACLE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.oracle)


def _is_missing_import_skip(report) -> bool:
    return report.skipped and "could not import" in str(report.longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and _is_missing_import_skip(report):
        report.outcome = "failed"
        report.longrepr = f"CI is set, so a missing oracle package is a failure: {report.longrepr}"


def pytest_collectreport(report):
    if os.environ.get("CI") and _is_missing_import_skip(report):
        report.outcome = "failed"


def pytest_terminal_summary(terminalreporter):
    ran = [r for r in terminalreporter.stats.get("passed", []) if "oracle" in r.keywords]
    failed = [r for r in terminalreporter.stats.get("failed", []) if "oracle" in r.keywords]
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "oracle" in r.keywords]
    terminalreporter.write_line(
        f"oracle tests (scikit-learn / SciPy / PyTorch comparisons): {len(ran)} passed, "
        f"{len(failed)} failed, {len(skipped)} skipped"
    )
