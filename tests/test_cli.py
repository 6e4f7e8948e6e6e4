"""The `caseaudit` console command, run as a user runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CASEAUDIT = shutil.which("caseaudit", path=str(Path(sys.executable).parent)) or "caseaudit"
SAMPLES = {
    "data/bromley-2016-audit.xlsx": "yjb-audit-2016",
    "data/bromley-2017-audit.csv": "yjb-audit-2016",
    "data/sample-hmip-2025.xlsx": "hmip-youth-2021",
    "data/bromley-2016-audit/": "yjb-audit-2016",
}


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CASEAUDIT, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(("data_file", "framework"), SAMPLES.items())
def test_validate_every_bundled_sample_is_clean(data_file: str, framework: str) -> None:
    result = run("validate", data_file, "--framework", framework)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_broken_copy_names_each_cell(tmp_path: Path) -> None:
    text = (ROOT / "data/bromley-2017-audit.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    header = lines[0].split(",")
    answer = header.index("answer")
    row = lines[3].split(",")
    row[answer] = "maybe"
    lines[3] = ",".join(row)
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("validate", str(broken), "--framework", "yjb-audit-2016")
    assert result.returncode == 2
    cell = f"{chr(ord('A') + answer)}4"
    problem_lines = [ln for ln in result.stdout.splitlines() if "error" in ln]
    assert len(problem_lines) == 1
    assert cell in problem_lines[0] and "'maybe'" in problem_lines[0]
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_missing_file_and_bad_extension(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "nope.xlsx"), "--framework", "yjb-audit-2016")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    odd = tmp_path / "audit.docx"
    odd.write_bytes(b"not a spreadsheet")
    result = run("validate", str(odd), "--framework", "yjb-audit-2016")
    assert result.returncode == 2
    assert "audit.docx" in result.stdout + result.stderr


def test_unknown_framework_is_an_input_error() -> None:
    result = run("validate", "data/bromley-2016-audit.xlsx", "--framework", "no-such-framework")
    assert result.returncode == 2
    assert "yjb-audit-2016" in result.stderr  # lists the ones there are
    assert "Traceback" not in result.stderr


def test_template_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "blank.xlsx"
    assert run("template", "--framework", "hmip-youth-2021", str(out)).returncode == 0
    result = run("validate", str(out), "--framework", "hmip-youth-2021")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s), 1 warning(s)" in result.stderr
    assert "blank form" in result.stdout


def test_score_writes_the_contract_tables(tmp_path: Path) -> None:
    result = run("score", "params/bromley-2017.yaml", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Assessments" in result.stdout
    themes = pd.read_csv(tmp_path / "theme_scores.csv")
    assert list(themes.columns[:10]) == [
        "audit_id", "theme_id", "theme", "n_cases", "n_applicable", "n_sufficient",
        "score_pct", "ci_low_pct", "ci_high_pct", "rating",
    ]  # fmt: skip
    comparison = pd.read_csv(tmp_path / "comparison.csv")
    assert set(comparison["baseline_id"]) >= {"bromley-2016"}
    for name in ("question_scores.csv", "case_scores.csv", "auditor_scores.csv", "scores.xlsx"):
        assert (tmp_path / name).exists()


def test_score_bad_params_is_one_line_per_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("audit_id: Not A Slug\ncasload: 80\n", encoding="utf-8")
    result = run("score", str(bad))
    assert result.returncode == 2
    assert "casload" in result.stderr and "Traceback" not in result.stderr


def test_program_fault_exits_1_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from caseaudit_lib import cli

    def broken(args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "_cmd_frameworks", broken)
    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["frameworks"].set_defaults(func=broken)
    assert cli.main(["frameworks"]) == 1


def test_version_and_frameworks() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("caseaudit ")
    result = run("frameworks")
    assert "yjb-audit-2016" in result.stdout and "hmip-youth-2021" in result.stdout
