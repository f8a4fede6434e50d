"""The compiled kernels' stubs.

stubtest checks each `.pyi` against the built module: names, parameter names, kinds and
defaults, which the builtins expose through clinic-format signatures
(`embedsignature.format=clinic`). They carry no annotations at run time, so stubtest
cannot tell whether the stub's types are the pure twin's: the second test compares them
in the source.
"""

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fastresp

PACKAGE = Path(fastresp.__file__).parent
AREAS = ("headers", "construct", "cookies", "ranges", "json")
MODULES = [f"fastresp._{area}_c" for area in AREAS]


@pytest.mark.compiled
def test_stubtest(tmp_path: Path) -> None:
    missing = [name for name in MODULES if importlib.util.find_spec(name) is None]
    if missing:
        if os.environ.get("FASTRESP_REQUIRE_COMPILED"):
            pytest.fail(f"compiled kernels are required but missing: {missing}")
        pytest.skip("compiled kernels not built")
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    # NOTE: from a checkout, run beside the package; for an installed wheel, from an empty
    # directory: mypy would take every module in site-packages for a user module.
    in_checkout = (PACKAGE.parent / "pyproject.toml").exists()
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", *MODULES],
        cwd=PACKAGE.parent if in_checkout else tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _api(path: Path) -> tuple[object, dict[str, tuple[str, str]]]:
    """`__all__`, and each public function's parameters and return annotation, as source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: object = None
    functions: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            names = ast.literal_eval(node.value)
        elif isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            returns = ast.unparse(node.returns) if node.returns else ""
            functions[node.name] = (ast.unparse(node.args), returns)
    return names, functions


@pytest.mark.parametrize("area", AREAS)
def test_stub_mirrors_the_pure_twin(area: str) -> None:
    stub_all, stub = _api(PACKAGE / f"_{area}_c.pyi")
    pure_all, pure = _api(PACKAGE / f"_{area}_py.py")
    assert stub_all == pure_all
    assert stub == pure
