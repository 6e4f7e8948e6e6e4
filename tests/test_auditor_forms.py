"""One pre-filled form per auditor: written from the sample file, and validating clean."""

from __future__ import annotations

import openpyxl
import pytest
from audit_files import write_csv

from caseaudit_lib.audit.loading import load_audit, validate_file
from caseaudit_lib.cli import main
from caseaudit_lib.forms.auditor_forms import form_file_name
from caseaudit_lib.forms.template import FIRST_CASE_ROW, HEADER_ROW
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig

FRAMEWORK = "yjb-audit-2016"
SAMPLE = [
    ["case_id", "case_type", "auditor"],
    ["CMS1001", "Referral order", "Auditor A"],
    ["CMS1002", "YRO", "Auditor B"],
    ["CMS1003", "referral order", "Auditor A"],
]


def test_guidance_of_a_pre_filled_form_speaks_of_the_services_references(tmp_path):
    sample = write_csv(tmp_path / "sample.csv", SAMPLE)
    out = tmp_path / "forms"
    assert main(["template", "--framework", FRAMEWORK, "--case-list", str(sample), str(out)]) == 0
    workbook = openpyxl.load_workbook(out / "Auditor-A.xlsx")
    note = workbook["Answers"].cell(HEADER_ROW, 1).comment.text
    assert "service's reference" in note and "made-up" not in note
    text = "\n".join(str(c.value) for c in workbook["Instructions"]["A"] if c.value)
    assert "filled in from the audit's sample" in text and "made-up reference" not in text


def test_form_file_name():
    assert form_file_name("Auditor A") == "Auditor-A.xlsx"
    assert form_file_name("../../etc/passwd") == "etc-passwd.xlsx"
    assert form_file_name("Zoë O'Neil") == "Zoë-O-Neil.xlsx"


def test_round_trip_one_form_per_auditor(tmp_path, capsys):
    framework = load_framework(FRAMEWORK)
    sample = write_csv(tmp_path / "sample.csv", SAMPLE)
    out = tmp_path / "forms"
    args = ["template", "--framework", FRAMEWORK, "--case-list", str(sample), str(out)]
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == ["Auditor-A.xlsx", "Auditor-B.xlsx"]
    workbook = openpyxl.load_workbook(out / "Auditor-A.xlsx")
    ws = workbook["Answers"]
    header = [c.value for c in ws[HEADER_ROW]]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=FIRST_CASE_ROW, max_col=3)]
    assert rows == [["CMS1001", "Auditor A", "Referral order"],
                    ["CMS1003", "Auditor A", "Referral order"]]  # fmt: skip
    assert ws.protection.sheet
    answer_col = header.index(framework.question_ids[0]) + 1
    assert ws.cell(FIRST_CASE_ROW, 1).protection.locked
    assert ws.cell(FIRST_CASE_ROW, 3).protection.locked
    assert not ws.cell(FIRST_CASE_ROW, answer_col).protection.locked
    assert not ws.cell(FIRST_CASE_ROW, answer_col + 1).protection.locked
    assert ws.conditional_formatting  # questions that do not apply are greyed as before
    # A pre-filled form validates clean: its unanswered cells are counted, not errors.
    for path in out.iterdir():
        problems = validate_file(path, framework)
        assert [p for p in problems if p.severity == "error"] == []
    assert main(["validate", str(out), "--framework", FRAMEWORK]) == 0
    audit = load_audit(out, framework, privacy=PrivacyConfig(salt=b"t"))
    assert audit.n_cases == 3
    assert set(audit.answers["answer"].astype(str)) <= {"not answered", "not applicable"}
    assert "CMS1001" not in set(audit.cases["case_id"])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["CMS1009", "Panel order", "Auditor A"], "unknown case type"),
        (["CMS1001", "YRO", "Auditor C"], "case listed twice"),
        (["", "YRO", "Auditor C"], "blank case_id"),
    ],
)
def test_bad_case_list_is_a_located_error(tmp_path, capsys, row, message):
    sample = write_csv(tmp_path / "sample.csv", [*SAMPLE, row])
    args = ["template", "--framework", FRAMEWORK, "--case-list", str(sample), str(tmp_path / "o")]
    assert main(args) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"{sample}: A5: error:") or line.startswith(f"{sample}: B5: error:")
    assert message in line
    assert not (tmp_path / "o").exists()


def test_existing_forms_are_never_overwritten_without_force(tmp_path, capsys):
    sample = write_csv(tmp_path / "sample.csv", SAMPLE)
    out = tmp_path / "forms"
    args = ["template", "--framework", FRAMEWORK, "--case-list", str(sample), str(out)]
    assert main(args) == 0
    filled = (out / "Auditor-B.xlsx").read_bytes()
    (out / "Auditor-B.xlsx").write_bytes(filled + b"answers")
    assert main(args) == 2
    assert "Auditor-B.xlsx: error: the form exists" in capsys.readouterr().err
    assert (out / "Auditor-B.xlsx").read_bytes() == filled + b"answers"
    assert main([*args, "--force"]) == 0
    assert (out / "Auditor-B.xlsx").read_bytes() != filled + b"answers"
