"""The package's layout: data flows one way (data -> models -> train -> sweep -> fit -> plot) and no
module imports another that imports it back, directly or through others."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "helpers"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("helpers.names",),
    ("helpers.profiles", "helpers.results"),
    ("helpers.data",),
    ("helpers.models",),
    ("helpers.train",),
    ("helpers.sweep", "helpers.learning_curve"),
    ("helpers.experiments",),
    ("helpers.fit", "helpers.frontier"),
    ("helpers.forecast",),
    ("helpers.published",),
    ("helpers.planning",),
    ("helpers.plot",),
    ("helpers.bench",),
    ("helpers.doctor",),
    ("helpers.cli",),
    ("helpers.__main__",),
)
"""Each module may import from its own layer (within its own subpackage) and from the layers above it."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for path in sorted(PACKAGE.rglob("*.py"))
    if path != PACKAGE / "__init__.py"
}


def imported_modules(path: Path) -> set[str]:
    """Every ``helpers`` module that ``path`` imports, anywhere in the file (also inside functions and
    ``TYPE_CHECKING`` blocks), resolved to the most specific module that exists."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("helpers")
        ):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(
                alias.name
                for alias in node.names
                if alias.name.startswith("helpers")
            )
    return found - {module_name(path)}


GRAPH = {name: imported_modules(path) for name, path in MODULES.items()}


def layer_of(name: str) -> tuple[int, str]:
    for index, members in enumerate(LAYERS):
        for member in members:
            if name == member or name.startswith(member + "."):
                return index, member
    raise AssertionError(
        f"{name} is in no layer of tests/test_layout.py: add it to LAYERS"
    )


def test_every_import_points_up_the_chain():
    wrong = []
    for name, targets in GRAPH.items():
        layer, group = layer_of(name)
        for target in targets:
            target_layer, target_group = layer_of(target)
            if target_layer > layer or (
                target_layer == layer and target_group != group
            ):
                wrong.append(f"{name} imports {target}")
    assert not wrong, (
        "imports against the flow data -> models -> train -> sweep -> fit -> plot:\n"
        + "\n".join(wrong)
    )


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a list of modules, or ``None``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = 1, path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_import_cycle():
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_every_module_imports_on_its_own():
    """Each module imported first, in a fresh interpreter state for ``helpers``: an order-dependent
    import (one that works only because another module happened to be loaded first) fails here."""
    script = (
        "import importlib, sys\n"
        f"names = {sorted(name for name in MODULES if name != 'helpers.__main__')!r}\n"
        "failed = []\n"
        "for name in names:\n"
        "    for loaded in [m for m in sys.modules if m == 'helpers' or m.startswith('helpers.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as error:\n"
        "        failed.append(f'{name}: {error!r}')\n"
        "print('\\n'.join(failed))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(
    "name", ["helpers.train", "helpers.sweep", "helpers.models"]
)
def test_packages_document_their_modules(name):
    assert ast.get_docstring(ast.parse(MODULES[name].read_text())), (
        f"{name} has no docstring"
    )


def test_every_public_helper_names_the_chapter_that_explains_it():
    """d2l's habit: a reader who meets a helper in a notebook can find where the book explains it."""
    unnamed = []
    for name, path in MODULES.items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(
                node, (ast.FunctionDef, ast.ClassDef)
            ) and not node.name.startswith("_"):
                doc = ast.get_docstring(node) or ""
                if not any(
                    place in doc for place in ("Chapter", "Preface", "Appendix")
                ):
                    unnamed.append(f"{name}.{node.name}")
    assert not unnamed, "docstrings that name no chapter: " + ", ".join(unnamed)
