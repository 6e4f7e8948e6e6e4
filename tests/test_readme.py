"""The README's examples and commands work as written."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from caseaudit_lib.audit.loading import validate_file
from caseaudit_lib.cli import build_parser
from caseaudit_lib.framework.model import load_framework

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_quick_start_is_the_two_make_commands() -> None:
    (quick_start,) = blocks("sh")[:1]
    commands = [ln.split("#")[0].strip() for ln in quick_start.splitlines() if ln.strip()]
    assert commands == ["make report", "make test"]


@pytest.mark.parametrize("target", ["report", "test", "lab", "bench", "lint", "sample", "venv"])
def test_every_make_target_named_in_the_readme_exists(target: str) -> None:
    assert f"make {target}" in README or target in {"venv"}
    result = subprocess.run(
        ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_framework_example_loads(tmp_path: Path) -> None:
    (example,) = [b for b in blocks("yaml") if "themes:" in b]
    path = tmp_path / "my-audit.yaml"
    path.write_text(example, encoding="utf-8")
    framework = load_framework(path)
    assert [q.id for q in framework.questions] == ["AS1", "AS2"]


@pytest.mark.parametrize("index", [0, 1])
def test_csv_examples_validate_without_errors(tmp_path: Path, index: int) -> None:
    example = blocks("csv")[index]
    path = tmp_path / f"example{index}.csv"
    path.write_text(example, encoding="utf-8")
    problems = validate_file(path, load_framework("yjb-audit-2016"))
    assert [p for p in problems if p.severity == "error"] == []


def test_every_command_in_the_readme_table_exists() -> None:
    named = set(re.findall(r"`caseaudit ([a-z]+)", README))
    subparsers = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert named and named <= set(subparsers)


def test_linked_docs_exist() -> None:
    for link in re.findall(r"\]\(([^)#]+)\)", README):
        if not link.startswith("http"):
            assert (ROOT / link).exists(), link
