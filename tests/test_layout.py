"""The package layout: import arrows point one way (facades -> response kinds -> base ->
the kernel switch -> twins), so there is no import cycle, and the facades only re-export."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import fastresp

PACKAGE = Path(fastresp.__file__).parent
FACADES = ("__init__", "responses")
KINDS = ("base", "streaming", "files", "sse")
# `from . import x`, `from .x import y`, `from fastresp.x cimport y` in a .pyx
PYX_IMPORT = re.compile(r"^\s*from\s+(?:fastresp)?\.(\w*)\s+c?import\s+\(?([\w\s,]*)", re.M)


def _local(node: ast.ImportFrom) -> list[str]:
    """The package modules one `from ... import ...` statement loads."""
    module = node.module or ""
    if node.level == 0:
        if module == "fastresp":
            return ["__init__"]
        return [module.split(".")[1]] if module.startswith("fastresp.") else []
    if module:
        return [module.split(".")[0]]
    return [alias.name for alias in node.names]  # `from . import a, b`: modules


def import_graph() -> dict[str, set[str]]:
    """module -> the package modules it imports (TYPE_CHECKING imports included)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[path.stem] = {
            name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for name in _local(node)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "fastresp" or alias.name.startswith("fastresp."):
                        graph[path.stem].add(alias.name.partition(".")[2] or "__init__")
    for path in sorted(PACKAGE.glob("*.pyx")):
        found: set[str] = set()
        for target, names in PYX_IMPORT.findall(path.read_text(encoding="utf-8")):
            found |= {target} if target else {n.strip() for n in names.split(",") if n.strip()}
        graph[path.stem] = found
    return graph


def test_the_graph_sees_the_known_arrows() -> None:
    graph = import_graph()
    assert "base" in graph["responses"] and "base" in graph["__init__"]
    assert "base" in graph["files"] and "_speedups" in graph["base"]
    assert "_headers_c" in graph["_construct_c"]  # a cimport
    assert "_headers_py" in graph["_speedups"]


def test_no_import_cycle() -> None:
    graph = import_graph()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            cycle = (*path[path.index(module) :], module)
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


def test_nothing_imports_a_facade() -> None:
    for module, imported in import_graph().items():
        if module not in FACADES and module != "starlette":
            assert not imported & set(FACADES), module
    assert "responses" not in import_graph()["starlette"]


def test_facades_only_re_export() -> None:
    for name in FACADES:
        tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
                assert targets in (["__all__"], ["__version__"]), (name, targets)
            else:
                assert isinstance(node, ast.ImportFrom | ast.Expr), (name, ast.dump(node)[:80])


@pytest.mark.parametrize("no_extensions", ["", "1"])
def test_every_module_imports_first_in_a_fresh_interpreter(no_extensions: str) -> None:
    modules = sorted(
        {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
        | ({p.stem for p in PACKAGE.glob("*.pyx")} if not no_extensions else set())
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'fastresp']:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module('fastresp.' + name)\n"
    )
    env = {**os.environ, "FASTRESP_NO_EXTENSIONS": no_extensions}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
