"""The house stays mappable: layers as subpackages, imports only downwards, one public namespace."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import dealgraph as dg

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "dealgraph"
README = (ROOT / "README.md").read_text(encoding="utf-8")

# What each layer may import (besides itself); the top-level shared modules are named as such.
ALLOWED = {
    "_errors": set(),
    "_files": set(),
    "_results": {"_errors"},
    "_work": {"_errors"},
    "reading": {"_errors", "_files", "_results", "_work"},
    "matrix": {"_errors", "_work"},
    "transactions": {"reading", "_errors", "_files", "_results", "_work"},
    "analyses": {"reading", "matrix", "transactions", "_errors", "_files", "_results", "_work"},
    "news": {"reading", "_errors", "_files", "_results", "_work"},
    "web": {"analyses", "reading", "news", "_errors", "_files", "_results", "_work"},
    "cli": {"reading", "matrix", "transactions", "analyses", "news", "web", "_errors", "_files", "_results", "_work"},
}
SUBPACKAGES = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())


def _layer(module: Path) -> str:
    rel = module.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(module: Path) -> set[str]:
    """The dealgraph layers ``module`` imports (relative or absolute, anywhere in the file)."""
    package = module.relative_to(PACKAGE).parent.parts
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.startswith("dealgraph."):
                target = node.module.split(".")[1:]
            else:
                continue
            if not target:  # "from .. import x": x is a module of the package
                target = [a.name for a in node.names][:1]
            found.add(target[0])
    return found


def test_at_most_16_modules_at_the_top_and_at_least_3_subpackages_each_saying_what_lives_there():
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 16, top
    assert len(SUBPACKAGES) >= 3
    for name in SUBPACKAGES:
        doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "Lives here" in doc and "May import" in doc, name


@pytest.mark.parametrize("module", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layers_import_only_downwards(module):
    layer = _layer(module)
    if layer in ("__init__", "__main__"):
        return
    assert layer in ALLOWED, f"{layer} is a new layer: add it to ALLOWED and to README"
    wrong = _imports(module) - ALLOWED[layer] - {layer}
    assert not wrong, f"{module.relative_to(PACKAGE)} ({layer}) imports {sorted(wrong)}"


def test_readme_layout_section_names_every_subpackage():
    section = README.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^\s*[├└]── (\w+)/", section, flags=re.M))
    assert named == set(SUBPACKAGES)
    modules = set(re.findall(r"^\s*[├└]── (\w+\.py)", section, flags=re.M))
    assert modules == {p.name for p in PACKAGE.glob("*.py")} - {"__main__.py"}


def test_all_comes_from_one_table_that_the_type_checking_imports_repeat():
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    eager = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                eager.update({a.name: "." * imp.level + (imp.module or "") for a in imp.names})
    assert eager == dg._WHERE
    assert dg.__all__ == sorted(dg._WHERE)


@pytest.mark.parametrize("name", dg.__all__)
def test_every_public_name_resolves_is_documented_and_named_in_readme(name):
    value = getattr(dg, name)
    if callable(value):
        assert (value.__doc__ or "").strip(), f"{name} has no docstring"
    assert re.search(rf"\b{re.escape(name)}\b", README), f"{name} is not in README"


@pytest.mark.parametrize("call", [
    lambda: dg.max_circulation([[0, 1, 2]]),
    lambda: dg.bff_decomposition([[0, -1], [1, 0]]),
    lambda: dg.cycling_index([[0, float("nan")], [1, 0]]),
    lambda: dg.return_shares([[0, 1], [1, 0]], exits=[1, 2, 3]),
    lambda: dg.clearing_vector([[0, 1], [1, 0]], [1, 2, 3]),
    lambda: dg.furfine([[0, 1], [1]], [1, 1], failed=[0]),
    lambda: dg.debtrank([[0, 1], [1, 0]], equity=[0, 1], shock=[1, 0]),
    lambda: dg.hhi([1, -1]),
])
def test_matrix_functions_raise_the_error_tree(call):
    with pytest.raises(dg.MatrixError) as info:
        call()
    assert isinstance(info.value, dg.DealgraphError) and isinstance(info.value, ValueError)
