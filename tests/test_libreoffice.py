"""Forms written by caseaudit, filled and saved by LibreOffice, score exactly what was typed.

One headless LibreOffice fills a blank form and a form pre-filled from a sample, typing into
cells through UNO (each cell's ``FormulaLocal``, read as typing is: "50%" would become 0.5 in
a cell not formatted as text), then saves each as .xlsx (both of LibreOffice's filters), .ods
and .xls.
Every saved file is read back and compared, cell for cell, with what was typed. The forms as
LibreOffice opened them are checked too: the header frozen below the header row and beside the
case columns, and rows tall enough for their wrapped text.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from libreoffice_support import fill_in_libreoffice

from caseaudit_lib.audit.loading import validate_file
from caseaudit_lib.audit.workbooks import read_workbooks, validate_workbooks
from caseaudit_lib.errors import excel_cell
from caseaudit_lib.forms.auditor_forms import write_auditor_forms
from caseaudit_lib.forms.template import (
    ANSWERS_SHEET,
    CASE_COLUMNS,
    FIRST_CASE_ROW,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    QUESTIONS_SHEET,
    answer_column_names,
    write_template,
)
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.load.answers import ANSWER_LEVELS, normalise_answers
from caseaudit_lib.load.encrypted import PASSWORD_NAMES_ENV, is_encrypted

FRAMEWORK = "yjb-audit-2016"
FORMATS = {  # file name -> LibreOffice filter
    "filled.xlsx": "Calc MS Excel 2007 XML",
    "filled-ooxml.xlsx": "Calc Office Open XML",
    "filled.ods": "calc8",
    "filled.xls": "MS Excel 97",
}
# Evidence a spreadsheet would turn into a number or a date in a cell not formatted as text.
EVIDENCE = ["50%", "12/01/2016", "0012", "Plan reviewed 3/4 times", "1,5"]
ANSWERS = ["Yes", "No", "N/A", ""]
PASSWORD = "Lib-Office 7.4"
ONE_LINE = 529  # LibreOffice's height of a 15-point row, in 1/100 mm


def typed_cells(framework, cases: list[dict[str, str]], seed: int) -> dict[str, str]:
    """Return what is typed into each cell of the Answers sheet: cell reference -> text."""
    rng = np.random.default_rng(seed)
    names = answer_column_names(framework)
    cells: dict[str, str] = {}
    for i, case in enumerate(cases):
        row = FIRST_CASE_ROW - 1 + i
        for name, text in case.items():
            cells[excel_cell(row, names.index(name))] = text
        case_type = framework.case_type_id(case.get("case_type") or cases_types[i])
        for k, question in enumerate(framework.questions):
            if not question.applies(case_type):
                continue
            col = names.index(question.id)
            cells[excel_cell(row, col)] = ANSWERS[int(rng.integers(len(ANSWERS)))]
            if (i + k) % 7 == 0:
                cells[excel_cell(row, col + 1)] = EVIDENCE[(i + k) % len(EVIDENCE)]
    return {ref: text for ref, text in cells.items() if text}


cases_types: list[str] = []


def check_scored_as_typed(path: Path, framework, typed: dict[str, str], filled_case_cols) -> None:
    """Read a saved form back: every answer and evidence cell is what was typed, no error."""
    sheets, unread = read_workbooks(path)
    assert not unread, unread
    result = validate_workbooks(sheets, framework)
    assert not result.errors, [str(p) for p in result.errors][:5]
    names = answer_column_names(framework)
    for i in range(len(result.cases)):
        row = FIRST_CASE_ROW - 1 + i
        for col, name in enumerate(CASE_COLUMNS):
            expected = typed.get(excel_cell(row, col), filled_case_cols.get((i, name), ""))
            if name in ("case_id", "auditor"):
                assert result.cases[name].iloc[i] == expected, (path.name, name, i)
        for k, question in enumerate(framework.questions):
            col = names.index(question.id)
            text = typed.get(excel_cell(row, col), "")
            if result.applies[i, k]:
                want = normalise_answers([text]).codes[0]
                assert result.answers[i, k] == want, (path.name, excel_cell(row, col), text)
            evidence = typed.get(excel_cell(row, col + 1), "")
            assert result.comments[i, k] == evidence, (path.name, excel_cell(row, col + 1))
    assert set(ANSWER_LEVELS)  # the levels the answers were folded into


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    work = tmp_path_factory.mktemp("libreoffice")
    framework = load_framework(FRAMEWORK)
    type_labels = list(framework.case_types.values())

    blank = write_template(framework, work / "blank" / "form.xlsx", n_cases=4)
    blank_cases = [
        {"case_id": f"A0{i + 1}", "auditor": "Auditor A", "case_type": type_labels[i % 2]}
        for i in range(4)
    ]
    cases_types[:] = [c["case_type"] for c in blank_cases]
    blank_typed = typed_cells(framework, blank_cases, seed=1)

    case_list = work / "sample.csv"
    with case_list.open("w", newline="", encoding="utf-8") as handle:
        rows = [["case_id", "auditor", "case_type"]] + [
            [f"YOS-{100 + i}", "Auditor B", type_labels[(i + 1) % 2]] for i in range(3)
        ]
        csv.writer(handle).writerows(rows)
    (prefilled,) = write_auditor_forms(framework, case_list, work / "prefilled")
    prefilled_cols = {
        (i, name): value
        for i, row in enumerate(rows[1:])
        for name, value in zip(("case_id", "auditor", "case_type"), row, strict=True)
    }
    cases_types[:] = [r[2] for r in rows[1:]]
    prefilled_typed = typed_cells(framework, [{} for _ in rows[1:]], seed=2)

    jobs, outputs = [], {}
    for label, form, typed in (
        ("blank", blank, blank_typed),
        ("prefilled", prefilled, prefilled_typed),
    ):
        out = work / f"{label}-saved"
        out.mkdir()
        saves = [[str(out / name), flt] for name, flt in FORMATS.items()]
        # and as an .xls saved with a password, as LibreOffice's "Save with password" encrypts
        # it (its .xlsx export takes no password this way; protected .xlsx files are tested
        # in tests/test_encrypted.py)
        saves.append([str(out / "locked.xls"), FORMATS["filled.xls"], PASSWORD])
        jobs.append({
            "source": str(form),
            "cells": [[ANSWERS_SHEET, ref, text] for ref, text in typed.items()],
            "save": saves,
        })  # fmt: skip
        outputs[label] = (out, typed)
    reports = fill_in_libreoffice(jobs, work)
    return framework, outputs, prefilled_cols, reports


def test_every_format_scores_what_was_typed(round_trip):
    framework, outputs, prefilled_cols, _ = round_trip
    for label, (folder, typed) in outputs.items():
        case_cols = prefilled_cols if label == "prefilled" else {}
        for name in FORMATS:
            check_scored_as_typed(folder / name, framework, typed, case_cols)
    # the test typed something in every kind of cell, evidence that is not plain text included
    typed_values = set(outputs["blank"][1].values()) | set(outputs["prefilled"][1].values())
    assert {"Yes", "No", "N/A"} <= typed_values
    assert {"50%", "12/01/2016", "0012"} <= typed_values


def test_an_xls_locked_by_libreoffice_reads_with_the_password(round_trip, monkeypatch):
    framework, outputs, prefilled_cols, _ = round_trip
    monkeypatch.setenv("LOCKED_FORMS_PASSWORD", "wrong")
    monkeypatch.setenv(PASSWORD_NAMES_ENV, "LOCKED_FORMS_PASSWORD")
    folder, _ = outputs["blank"]
    assert is_encrypted(folder / "locked.xls")
    (problem,) = validate_file(folder / "locked.xls", framework)
    assert "wrong password" in problem.message
    monkeypatch.setenv("LOCKED_FORMS_PASSWORD", PASSWORD)
    for label, (folder, typed) in outputs.items():
        case_cols = prefilled_cols if label == "prefilled" else {}
        check_scored_as_typed(folder / "locked.xls", framework, typed, case_cols)


def test_header_frozen_below_the_header_row_and_beside_the_case_columns(round_trip):
    # (A headless LibreOffice has no view, so the files it saves keep no frozen panes at all:
    # only the forms as caseaudit wrote them can be checked.)
    *_, reports = round_trip
    for report in reports:
        answers = report["view"][ANSWERS_SHEET]
        assert answers["frozen"], report["source"]
        assert answers["rows"] == HEADER_ROW and answers["first_scrolling_row"] == HEADER_ROW
        assert answers["cols"] == len(CASE_COLUMNS)
        questions = report["view"].get(QUESTIONS_SHEET)
        assert questions and questions["frozen"] and questions["rows"] == 1


def test_wrapped_rows_are_taller_than_one_line_when_opened(round_trip):
    *_, reports = round_trip
    for report in reports:  # the forms as caseaudit wrote them, as LibreOffice opened them
        heights = report["heights_before"]
        # the Instructions' paragraphs and the questions' wording are several lines high
        assert sum(h > 2 * ONE_LINE for h in heights[INSTRUCTIONS_SHEET]) >= 5
        assert sum(h > 2 * ONE_LINE for h in heights[QUESTIONS_SHEET]) >= 5
        assert heights[ANSWERS_SHEET][1] > 4 * ONE_LINE  # the wording row


def test_rows_keep_their_heights_once_saved_by_libreoffice(round_trip):
    _, outputs, *_ = round_trip
    saved = openpyxl.load_workbook(outputs["blank"][0] / "filled.xlsx")
    heights = [d.height or 15 for d in saved[INSTRUCTIONS_SHEET].row_dimensions.values()]
    assert sum(h > 30 for h in heights) >= 5  # not every row one 15-point line
