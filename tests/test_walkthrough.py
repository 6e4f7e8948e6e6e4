"""The README's "An audit from start to finish": its commands run as written, in a fresh copy."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from caseaudit_lib.audit.loading import validate_file

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def walk_through() -> str:
    section = README.split("## An audit from start to finish", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    return block


def fresh_copy(root: Path) -> Path:
    """What a clone holds that the commands read: params, data, notebooks, pyproject.toml."""
    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_walk_through_names_each_step():
    block = walk_through()
    commands = re.findall(r"^caseaudit (\w+(?: draft)?)", block, flags=re.MULTILINE)
    assert commands == ["sample", "template", "validate", "findings draft", "report"]
    assert "--case-list" in block and "data/bromley-2016-audit/" in block


def test_the_walk_through_runs_as_written(tmp_path):
    root = fresh_copy(tmp_path / "clone")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEAUDIT_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["CASEAUDIT_SALT_FILE"] = str(tmp_path / "salt")  # a fresh clone's salt, kept out of it
    (tmp_path / "salt").write_bytes(os.urandom(32))
    result = subprocess.run(
        ["bash", "-e", "-c", walk_through()],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "caseload: 80" in result.stdout and "sampling fraction 25%" in result.stdout
    sample = pd.read_csv(root / "work" / "sample.csv")
    assert list(sample.columns) == ["case_id", "case_type", "auditor"] and len(sample) == 20
    forms = sorted(p.name for p in (root / "work" / "forms").iterdir())
    assert forms == [f"Auditor-{c}.xlsx" for c in "ABCDEFG"]
    problems = validate_file(root / "work" / "forms", "yjb-audit-2016")
    assert [p for p in problems if p.severity == "error"] == []
    assert "## Assessments" in (root / "work" / "findings-draft.md").read_text(encoding="utf-8")
    report = root / "outputs" / "bromley-2016-split" / "report.html"
    assert report.is_file()
    text = report.read_text(encoding="utf-8")
    assert "Case workers knew the young people" in text  # the Markdown findings
    assert "BRM-16-" not in text and "BRM-5" not in text
