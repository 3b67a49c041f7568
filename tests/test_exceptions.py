"""physml.exceptions: the bottom of the import graph; base re-exports its names."""

import ast
from pathlib import Path

import physml.base as base
import physml.exceptions as exceptions


def test_exceptions_imports_nothing_of_physml():
    tree = ast.parse(Path(exceptions.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0 and not (node.module or "").startswith("physml"), ast.dump(node)
        elif isinstance(node, ast.Import):
            assert not any(a.name.startswith("physml") for a in node.names)


def test_base_reexports_the_same_classes():
    for name in ("NotFittedError", "ConvergenceWarning", "DataConversionWarning", "CacheWarning", "warn"):
        assert getattr(base, name) is getattr(exceptions, name)
