"""The package's shape: stages as folders, no private names across modules, small modules.

The import order of the stages is checked by import-linter (``lint-imports``, in ``make test``);
these tests check what it cannot.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "caseaudit_lib"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_another_modules_private_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    private = [
        f"line {node.lineno}: {alias.name} from {node.module}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("caseaudit_lib")
        for alias in node.names
        if alias.name.startswith("_") and alias.name != "__version__"
    ]
    assert not private, private


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_the_stages_are_folders():
    stages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert {"framework", "load", "validate", "privacy", "audit", "score", "compare"} <= stages
    assert {"present", "export", "build", "config", "forms"} <= stages
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top <= {
        "__init__",
        "errors",
        "paths",
        "pipeline",
        "manifest",
        "cli",
        "console",
        "yaml_fields",
    }, top
