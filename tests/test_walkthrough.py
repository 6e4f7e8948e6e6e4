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
from caseaudit_lib.privacy.leakcheck import scan_outputs

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


# The nine details of issue 19, typed by one auditor into one evidence comment: a child's
# name and his mother's, a date of birth, a home address with its postcode, a mobile number, an
# e-mail address, an NHS number, a National Insurance number and a social worker's name.
PLANTED = {
    "Kieran": "Kieran O'Brien's",
    "Siobhan": "mum Siobhan",
    "03/04/2003": "said he was born 03/04/2003;",
    "14 Elm Road": "they live at 14 Elm Road,",
    "BR1 3AB": "Bromley BR1 3AB,",
    "07700 900123": "mobile 07700 900123,",
    "siobhan.obrien@example.com": "e-mail siobhan.obrien@example.com,",
    "943 476 5919": "NHS 943 476 5919,",
    "QQ 12 34 56 C": "NI QQ 12 34 56 C;",
    "Adeyemi": "social worker Ms Adeyemi.",
}
PLANTED_COMMENT = " ".join(PLANTED.values())


def plant_details(workbook: Path) -> str:
    """Write the planted comment into the first evidence cell of a workbook; return its cell."""
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    sheet = book["Answers"]
    header = next(r for r in sheet.iter_rows() if r[0].value == "case_id")
    column = next(c for c in header if str(c.value).endswith("_comment"))
    cell = sheet.cell(row=column.row + 1, column=column.column)
    cell.value = PLANTED_COMMENT
    book.save(workbook)
    return cell.coordinate


def test_the_walk_through_names_each_step():
    block = walk_through()
    commands = re.findall(r"^caseaudit (\w+(?: draft)?)", block, flags=re.MULTILINE)
    assert commands == ["sample", "template", "validate", "findings draft", "report"]
    assert "--case-list" in block and "data/bromley-2016-audit/" in block


def test_the_walk_through_runs_as_written(tmp_path):
    root = fresh_copy(tmp_path / "clone")
    where = plant_details(root / "data" / "bromley-2016-audit" / "Auditor-A.xlsx")
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
    # The planted details: withheld at validate (the cell and kinds named, never a value) and
    # in none of the draft, the report, the PDF, the tables or the executed notebooks.
    said = result.stdout + result.stderr
    assert f"Auditor-A.xlsx: Answers!{where}" in said and "a phone number" in said
    for value in PLANTED:
        assert value.lower() not in said.lower()
    outputs = [root / "work" / "findings-draft.md"]
    outputs += [p for p in (root / "outputs").rglob("*") if p.is_file()]
    assert any(p.suffix == ".pdf" for p in outputs) or not os.environ.get("CI")
    assert any(p.suffix == ".ipynb" for p in outputs) and any(p.suffix == ".xlsx" for p in outputs)
    assert scan_outputs(outputs, {"planted": {*PLANTED, "O'Brien"}}) == []
