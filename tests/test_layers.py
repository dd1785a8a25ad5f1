"""The layers stay apart: the Word and PDF layers never import the validator or the jobs, and the
register knows no Word or PDF."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pepforms"
RULES = {
    "word": ("pepforms.validate", "pepforms.checking", "pepforms.register", "pepforms.report"),
    "pdf": ("pepforms.validate", "pepforms.checking", "pepforms.register"),
    "register": ("pepforms.word", "pepforms.pdf", "docx", "docxtpl", "pypdf", "reportlab"),
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


@pytest.mark.parametrize("layer", sorted(RULES))
def test_a_layer_imports_nothing_it_must_not(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files
    for path in files:
        for name in imports(path):
            assert not name.startswith(RULES[layer]), f"{path.relative_to(PACKAGE)} imports {name}"


def test_no_module_is_over_500_lines() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 500, f"{path.relative_to(PACKAGE)} has {lines} lines"
