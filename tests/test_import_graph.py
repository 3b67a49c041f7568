"""physml's import graph, read from the source with ``ast``: no cycle, and the layers point one way.

Every import counts, module-level or inside a function: a cycle through a deferred import is
still two modules that cannot be understood (or moved) one without the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in (SRC / "physml").rglob("*.py")}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name of ``from <...> import`` in ``module``."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """physml module -> the physml modules it imports (a package's ``__init__`` is the package)."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(name, is_package, node)
                # "from . import x" imports the submodule x when there is one, else a name of the package
                targets = [f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:  # physml.nn.layers.Dense -> physml.nn.layers
                    target = target.rpartition(".")[0]
                if target.startswith("physml") and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def _find_cycle(graph):
    """One cycle as a list of modules, or None (depth-first search, three colours)."""
    colour, stack = {}, []

    def visit(u):
        colour[u] = "grey"
        stack.append(u)
        for v in sorted(graph[u]):
            if colour.get(v) == "grey":
                return stack[stack.index(v):] + [v]
            if v not in colour:
                cycle = visit(v)
                if cycle:
                    return cycle
        colour[u] = "black"
        stack.pop()
        return None

    for u in sorted(graph):
        if u not in colour:
            cycle = visit(u)
            if cycle:
                return cycle
    return None


def _reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        u = todo.pop()
        for v in graph[u]:
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return seen


def test_graph_sees_the_imports_it_should():
    # the parser itself: known edges, relative and absolute, module-level and deferred
    graph = import_graph()
    assert "physml.exceptions" in graph["physml.base"]
    assert "physml.metrics" in graph["physml.base"]  # deferred, inside score()
    assert "physml.nn.layers" in graph["physml.nn.network"]
    assert "physml.nn" in graph["physml.lecture.neural_networks"]


def test_physml_has_no_import_cycle():
    cycle = _find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_exceptions_import_nothing_of_physml():
    assert import_graph()["physml.exceptions"] <= {"physml"}


@pytest.mark.parametrize("forbidden", ["physml.nn", "physml.optim", "physml.linear", "physml.lecture"])
def test_datasets_do_not_depend_on_models_or_lecture(forbidden):
    graph = import_graph()
    datasets = [m for m in graph if m == "physml.datasets" or m.startswith("physml.datasets.")]
    # transitively: datasets -> io -> ... must not reach the models either
    bad = {m: sorted(t for t in _reachable(graph, m) if t == forbidden or t.startswith(forbidden + "."))
           for m in datasets}
    assert not {m: t for m, t in bad.items() if t}


def test_find_cycle_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _find_cycle(graph) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None
