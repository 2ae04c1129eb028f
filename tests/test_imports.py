"""No import cycles among the harness's modules, lazy (function-level) imports included
(a cycle hidden inside a function is still a cycle), and package `__init__`s included
(importing `a.b.c` first runs `a` and `a.b`)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from tests.support import REPO_ROOT

PACKAGES = ("acon", "environments")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.AST, name: str, is_package: bool, known: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []  # typing only: never imported at run time
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative
                parent = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    parent = parent.rpartition(".")[0]
                base = f"{parent}.{base}".strip(".")
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return {m for m in found if m in known}


def ancestors(module: str) -> list[str]:
    """`a.b.c` -> [`a`, `a.b`]: the packages whose `__init__` importing it runs first."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def python_files() -> tuple[list[Path], set[str]]:
    files = [p for pkg in PACKAGES for p in (REPO_ROOT / pkg).rglob("*.py")]
    return files, {module_name(p) for p in files}


def test_there_are_no_import_cycles():
    files, known = python_files()
    graph = nx.DiGraph()
    for path in files:
        name = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target in imports(tree, name, path.name == "__init__.py", known):
            if target != name:
                graph.add_edge(name, target)
            for package in ancestors(target):  # run first, unless already running (ours)
                if package in known and package != name and package not in ancestors(name):
                    graph.add_edge(name, package)
    cycles = sorted(nx.simple_cycles(graph), key=len)
    assert cycles == [], f"{len(cycles)} import cycles, e.g. {' -> '.join(cycles[0])}"


def subsystem(module: str) -> str:
    """`acon.rollout.store` -> `acon.rollout`; a benchmark's modules are `environments`."""
    parts = module.split(".")
    return "environments" if parts[0] == "environments" else ".".join(parts[:2])


def test_the_packages_form_layers():
    """Packages, not only modules: a package that imports another is never imported back,
    through any chain (the root config's composition above the subsystems it composes, the
    row labels below the rollout and the report)."""
    files, known = python_files()
    graph = nx.DiGraph()
    for path in files:
        name = module_name(path)
        for target in imports(
            ast.parse(path.read_text(encoding="utf-8")), name, path.name == "__init__.py", known
        ):
            if subsystem(target) != subsystem(name):
                graph.add_edge(subsystem(name), subsystem(target))
    cycles = sorted(nx.simple_cycles(graph), key=len)
    assert cycles == [], f"{len(cycles)} package cycles, e.g. {' -> '.join(cycles[0])}"


def test_each_class_name_is_used_once():
    """One name per class across the harness and its benchmarks: a reader (and a traceback)
    never has to ask which `ExportConfig` or `Turn` is meant."""
    files, _ = python_files()
    defined: dict[str, list[str]] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                defined.setdefault(node.name, []).append(module_name(path))
    twice = {name: where for name, where in defined.items() if len(where) > 1}
    assert twice == {}, f"classes defined more than once: {twice}"
