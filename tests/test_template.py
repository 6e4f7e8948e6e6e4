from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from caseaudit_lib.audit.loading import load_audit, validate_file
from caseaudit_lib.forms.template import (
    ANSWERS_SHEET,
    FIRST_CASE_ROW,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    QUESTIONS_SHEET,
    WORDING_ROW,
    answer_column_names,
    write_template,
)
from caseaudit_lib.framework.model import available_frameworks, load_framework
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig, pseudonymise

MINI = Path(__file__).parent / "data" / "frameworks" / "mini.yaml"
SALT = PrivacyConfig(salt=b"test-template")


@pytest.fixture(scope="module")
def mini():
    return load_framework(MINI)


@pytest.fixture
def template(tmp_path, mini):
    return write_template(mini, tmp_path / "sub" / "template.xlsx", n_cases=6)


def _fill(path: Path, rows: list[dict[str, str]]) -> None:
    """Write rows of values into the template's case rows, by header name."""
    wb = openpyxl.load_workbook(path)
    ws = wb[ANSWERS_SHEET]
    header = {c.value: c.column for c in ws[HEADER_ROW] if c.value}
    for i, row in enumerate(rows):
        for name, value in row.items():
            ws.cell(FIRST_CASE_ROW + i, header[name], value)
    wb.save(path)


def test_sheets_and_header_row(template, mini):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [ANSWERS_SHEET, INSTRUCTIONS_SHEET, QUESTIONS_SHEET]
    ws = wb[ANSWERS_SHEET]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header == answer_column_names(mini)
    assert header[:6] == ["case_id", "auditor", "case_type", "marking", "Q1", "Q1_comment"]
    assert header[-2:] == ["Q5", "Q5_comment"]
    # the wording row holds each question's text above its answer column
    assert ws.cell(WORDING_ROW, header.index("Q4") + 1).value == "Was the plan SMART?"
    assert ws.freeze_panes == f"E{FIRST_CASE_ROW}"
    # the theme row names each theme over its columns
    assert ws.cell(1, 5).value == "Assessment"
    assert ws.cell(1, 5 + 6).value == "Planning"
    assert "Assessment" in ws.cell(HEADER_ROW, 5).comment.text
    assert "Applies to: Referral order, Youth rehabilitation order" in (
        ws.cell(HEADER_ROW, header.index("Q3") + 1).comment.text
    )
    assert ws.cell(HEADER_ROW, 5).fill.fgColor.rgb != ws.cell(HEADER_ROW, 11).fill.fgColor.rgb


def test_drop_downs(template):
    ws = openpyxl.load_workbook(template)[ANSWERS_SHEET]
    by_formula = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert by_formula['"Yes,No,N/A"'] == "E4:E9 G4:G9 I4:I9 K4:K9 M4:M9"
    assert by_formula['"first,second"'] == "D4:D9"
    assert by_formula['"Referral order,Youth rehabilitation order,Out-of-court disposal"'] == (
        "C4:C9"
    )


def test_drop_downs_stop_a_wrong_entry_with_their_message(template):
    ws = openpyxl.load_workbook(template)[ANSWERS_SHEET]
    by_formula = {dv.formula1: dv for dv in ws.data_validations.dataValidation}
    answer, marking = by_formula['"Yes,No,N/A"'], by_formula['"first,second"']
    for dv in (answer, marking):
        assert dv.showErrorMessage and dv.errorStyle == "stop" and dv.error
    assert answer.error == "Choose Yes, No or N/A, or leave the cell blank if not answered."
    case_type = next(dv for dv in by_formula.values() if dv.errorTitle == "Case type")
    # aliases ("RO") are accepted by the loader: a warning that lets the entry through
    assert case_type.showErrorMessage and case_type.errorStyle == "warning"
    assert case_type.showInputMessage and case_type.prompt


def test_case_and_evidence_cells_are_text_answers_are_not(template, mini):
    ws = openpyxl.load_workbook(template)[ANSWERS_SHEET]
    header = [c.value for c in ws[HEADER_ROW]]
    for row in (FIRST_CASE_ROW, FIRST_CASE_ROW + 5):
        for col, name in enumerate(header, start=1):
            text = name in ("case_id", "auditor", "case_type", "marking") or name.endswith(
                "_comment"
            )
            assert (ws.cell(row, col).number_format == "@") == text, name


def test_rows_are_tall_enough_for_their_wrapped_text(template):
    wb = openpyxl.load_workbook(template)
    instructions = wb[INSTRUCTIONS_SHEET]
    for cell in instructions["A"]:
        if cell.value and len(str(cell.value)) > 200:  # two lines or more at width 110
            assert instructions.row_dimensions[cell.row].height >= 30, cell.value[:40]
    questions = wb[QUESTIONS_SHEET]
    assert all(questions.row_dimensions[r].height for r in range(2, questions.max_row + 1))
    assert wb[ANSWERS_SHEET].row_dimensions[WORDING_ROW].height >= 30


def test_guidance_of_a_blank_form_asks_for_made_up_references(template):
    wb = openpyxl.load_workbook(template)
    note = wb[ANSWERS_SHEET].cell(HEADER_ROW, 1).comment.text
    assert "made-up reference" in note
    text = "\n".join(str(c.value) for c in wb[INSTRUCTIONS_SHEET]["A"] if c.value)
    assert "made-up reference" in text and "filled in from the audit's sample" not in text


def test_applicability_shading(template):
    ws = openpyxl.load_workbook(template)[ANSWERS_SHEET]
    rules = {str(cf.sqref): [r.formula for r in cf.rules] for cf in ws.conditional_formatting}
    # only Q3 (columns I and J) does not apply to out-of-court disposals
    assert list(rules) == ["I4:I9 J4:J9"]
    (formula,) = rules["I4:I9 J4:J9"][0]
    for spelling in ("out_of_court", "out-of-court disposal", "oocd", "yc"):
        assert f'TRIM($C4)="{spelling}"' in formula
    assert "referral" not in formula


def test_instructions_and_questions(template, mini):
    wb = openpyxl.load_workbook(template)
    text = "\n".join(str(c.value) for c in wb[INSTRUCTIONS_SHEET]["A"] if c.value)
    assert "mini, version 1.0" in text
    assert "N/A" in text and "not answered" in text and "second" in text
    assert "child_name" in text and "dob" in text  # the dropped columns are listed
    questions = pd.read_excel(template, sheet_name=QUESTIONS_SHEET, engine="calamine")
    assert questions["id"].tolist() == list(mini.question_ids)
    assert questions.loc[2, "applies to"] == "Referral order, Youth rehabilitation order"
    assert questions.loc[0, "applies to"] == "all case types"


def test_blank_template_loads_with_only_a_no_cases_warning(template, mini):
    problems = validate_file(template, mini)
    assert [(p.severity, p.message) for p in problems] == [
        ("warning", "no cases yet: a blank form with no rows below the header row")
    ]
    assert load_audit(template, mini).n_cases == 0


def test_partly_filled_template_loads_without_problems(template, mini):
    # 2 of the 6 prepared rows used: the empty rows below must not be reported
    rows = [
        {"case_id": "A01", "auditor": "Auditor A", "case_type": "Referral order", "Q1": "Yes"},
        {"case_id": "A02", "auditor": "Auditor B", "case_type": "Out-of-court disposal"},
    ]
    _fill(template, rows)
    assert validate_file(template, mini) == []


def test_filled_round_trip(template, mini):
    choices = ["Yes", "No", "N/A", None]
    types = ["Referral order", "Youth rehabilitation order", "Out-of-court disposal", "yro"]
    rows = []
    for i in range(6):
        row = {"case_id": f"T{i:02d}", "auditor": f"Auditor {'AB'[i % 2]}"}
        row["case_type"] = types[i % 4]
        row["marking"] = "second" if i == 5 else None
        if i == 5:
            row["case_id"] = "T00"
        for j, qid in enumerate(mini.question_ids):
            applies = not (qid == "Q3" and row["case_type"] == "Out-of-court disposal")
            row[qid] = choices[(i + j) % 4] if applies else None
            row[f"{qid}_comment"] = f"evidence {i}-{j}" if (i + j) % 3 == 0 else None
        rows.append(row)
    _fill(template, rows)

    assert validate_file(template, mini, privacy=SALT) == []
    audit = load_audit(template, mini, privacy=SALT)
    assert len(audit.cases) == 6 and audit.n_cases == 5
    assert audit.cases["marking"].tolist() == ["first"] * 5 + ["second"]
    assert audit.cases["case_type"].tolist() == [
        "referral_order", "yro", "out_of_court", "yro", "referral_order", "yro"
    ]  # fmt: skip

    words = {"Yes": "sufficient", "No": "not sufficient", "N/A": "not applicable"}
    expected = []
    ids = pseudonymise(pd.Series([r["case_id"] for r in rows]), SALT.salt)
    for pseudo, row in zip(ids, rows, strict=True):
        for qid in mini.question_ids:
            not_applicable = qid == "Q3" and row["case_type"] == "Out-of-court disposal"
            answer = "not applicable" if not_applicable else words.get(row[qid], "not answered")
            marking = row["marking"] or "first"
            expected.append((pseudo, marking, qid, answer, row[f"{qid}_comment"] or ""))
    got = audit.answers[["case_id", "marking", "question_id", "answer", "comment"]]
    assert sorted(map(tuple, got.astype(str).to_numpy())) == sorted(expected)


@pytest.mark.parametrize("name", available_frameworks())
def test_every_packaged_framework_makes_a_template(tmp_path, name):
    framework = load_framework(name)
    path = write_template(framework, tmp_path / f"{name}.xlsx")
    ws = openpyxl.load_workbook(path)[ANSWERS_SHEET]
    assert [c.value for c in ws[HEADER_ROW]] == answer_column_names(framework)
    answer_dv = [dv for dv in ws.data_validations.dataValidation if "N/A" in dv.formula1]
    assert len(str(answer_dv[0].sqref).split()) == len(framework.questions)
    assert [p.severity for p in validate_file(path, framework)] == ["warning"]


def test_rejects_no_rows(tmp_path, mini):
    with pytest.raises(ValueError):
        write_template(mini, tmp_path / "x.xlsx", n_cases=0)


def test_long_or_comma_labels_use_a_hidden_list_sheet(tmp_path):
    text = MINI.read_text().replace("label: Referral order", 'label: "Order, referral"')
    (tmp_path / "comma.yaml").write_text(text)
    framework = load_framework(tmp_path / "comma.yaml")
    path = write_template(framework, tmp_path / "comma.xlsx", n_cases=3)
    wb = openpyxl.load_workbook(path)
    assert wb["Lists"].sheet_state == "hidden"
    assert [c.value for c in wb["Lists"]["A"]] == [
        "case_type", "Order, referral", "Youth rehabilitation order", "Out-of-court disposal"
    ]  # fmt: skip
    formulas = [dv.formula1 for dv in wb[ANSWERS_SHEET].data_validations.dataValidation]
    assert "'Lists'!$A$2:$A$4" in formulas
    _fill(path, [{"case_id": "A1", "auditor": "X", "case_type": "Order, referral", "Q1": "Yes"}])
    assert validate_file(path, framework) == []
