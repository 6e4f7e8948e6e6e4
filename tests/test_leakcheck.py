"""Tests for caseaudit_lib.privacy.leakcheck: identifiers found in exports, never echoed."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from openpyxl import Workbook, load_workbook

from caseaudit_lib.framework.model import fold_text
from caseaudit_lib.load.reading import cell_text, iter_sheets
from caseaudit_lib.privacy import leakcheck
from caseaudit_lib.privacy.leakcheck import date_variants, is_checkable, scan_outputs

NAME = "Jayden Okafor-Smith"
DOB = "2009-03-14"
CMS = "CMS-884213"
IDENTIFIERS = {
    "name": {NAME, "Ann"},
    "dob": {DOB},
    "cms_ref": {CMS},
    "case_id": {"7", "AB", "2016", "1234", "99887766"},
}
ALL_VALUES = {v for values in IDENTIFIERS.values() for v in values}


def assert_silent(problems):
    """No problem's text, in any field, holds an identifier."""
    for problem in problems:
        text = " ".join(str(x) for x in (str(problem), *vars(problem).values())).lower()
        for value in ALL_VALUES - {"7", "AB"}:  # too short to say anything
            assert value.lower() not in text, problem
        assert problem.value is None


def columns(problems):
    """The input columns named by the problems' messages."""
    found = [re.search(r"a value from column '(\w+)' of the input", p.message) for p in problems]
    return sorted(m.group(1) for m in found if m)


def test_finds_a_name_in_html_and_does_not_repeat_it(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(
        "<html><body><h2>Findings</h2>"
        "<p>In the case of JAYDEN\n   okafor-smith the plan was late.</p></body></html>"
    )
    problems = scan_outputs([page], IDENTIFIERS)
    assert columns(problems) == ["name"]
    assert problems[0].file == str(page)
    assert problems[0].severity == "error"
    assert str(problems[0]) == (
        f"{page}: error: contains a personal identifier: a value from column 'name' of the input"
    )
    assert_silent(problems)


def test_finds_values_behind_entities_markup_and_in_attributes(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(
        "<p>Jayden <b>Okafor&#8209;Smith</b></p>".replace("&#8209;", "-")
        + f'<img src="data:image/png;base64,AAAA" alt="Timeline for {CMS}">'
    )
    assert columns(scan_outputs([page], IDENTIFIERS)) == ["cms_ref", "name"]
    escaped = tmp_path / "escaped.html"
    escaped.write_text("<td>O&#x27;Brien</td>")
    assert columns(scan_outputs([escaped], {"surname": {"O'Brien"}})) == ["surname"]


def test_clean_report_has_no_problems(tmp_path):
    page = tmp_path / "report.html"
    # Short and small-number identifiers (7, AB, 2016, 1234) would be everywhere in a report:
    # ignored. "Ann" must match a whole word, not "Annual".
    page.write_text(
        "<h2>Annual audit 2016</h2><p>7 of 12 cases (58%) were AB-rated; 1234 answers.</p>"
        "<p>Case C-7QX2AB scored 80%.</p>"
    )
    assert scan_outputs([page], IDENTIFIERS) == []


def test_long_numbers_are_checked(tmp_path):
    page = tmp_path / "report.html"
    page.write_text("<p>UPN 99887766</p>")
    assert columns(scan_outputs([page], IDENTIFIERS)) == ["case_id"]


def test_finds_values_in_xlsx_cells_and_names_the_cell(tmp_path):
    book = Workbook()
    book.active.title = "Themes"
    book.active.append(["theme", "score_pct"])
    book.active.append(["Assessments", 70.0])
    cases = book.create_sheet("Cases")
    cases.append(["case_id", "note", "born"])
    cases.append(["C-ABC123", "ok", None])
    cases.append(["C-DEF456", f"see {NAME.upper()}", dt.datetime(2009, 3, 14)])
    path = tmp_path / "scores.xlsx"
    book.save(path)
    problems = {columns([p])[0]: p for p in scan_outputs([path], IDENTIFIERS)}
    assert set(problems) == {"name", "dob"}
    assert (problems["name"].sheet, problems["name"].cell) == ("Cases", "B3")
    # The date cell is a real Excel date, not the text 2009-03-14.
    assert (problems["dob"].sheet, problems["dob"].cell) == ("Cases", "C3")
    assert_silent(problems.values())


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.date(2009, 3, 14), "2009-03-14"),
        (dt.datetime(2009, 3, 14), "2009-03-14"),
        (dt.datetime(2009, 3, 14, 10, 30), "2009-03-14 10:30:00"),
        (1234567.0, "1234567"),
        (12345.5, "12345.5"),
        ("CMS-884213", "CMS-884213"),
    ],
)
def test_the_loader_and_the_leak_check_write_a_cell_alike(tmp_path, value, text):
    # The loader reads a workbook with calamine (a date cell arrives as a date), the leak check
    # with openpyxl (the same cell arrives as a date-time at midnight): one renderer must give
    # both the same text, or a date of birth read from an input is looked for in another form.
    book = Workbook()
    book.active.append([value])
    path = tmp_path / "cells.xlsx"
    book.save(path)
    loaded = next(iter_sheets(path)).grid.iat[0, 0]
    scanned = load_workbook(path, read_only=True).active.cell(1, 1).value
    assert loaded == cell_text(scanned) == text
    assert leakcheck.cell_text is cell_text
    problems = scan_outputs([path], {"dob": {loaded}})
    # A reference is also found by its shape (a personal detail of its own kind).
    by_value = [p for p in problems if "personal detail:" not in p.message]
    assert [(p.cell, columns([p])) for p in by_value] == [("A1", ["dob"])]


def test_the_leak_check_folds_text_as_the_framework_matches_case_types():
    # One fold for both: a spelling the framework forgives is one the leak check sees through.
    assert leakcheck.fold_text is fold_text
    assert fold_text("  Jayden\n OKAFOR\tStraße ") == "jayden okafor strasse"


def test_cell_text():
    assert cell_text(None) == ""
    assert cell_text(True) == "True"
    assert cell_text(0.0) == "0"
    assert cell_text(dt.datetime(2009, 3, 14, 0, 0, 1)) == "2009-03-14 00:00:01"


def test_finds_a_reformatted_date_in_csv(tmp_path):
    path = tmp_path / "case_scores.csv"
    path.write_text("case_id;born;score_pct\nC-ABC123;14/03/2009;70.0\nC-DEF456;;55.0\n")
    problems = scan_outputs([path], IDENTIFIERS)
    assert columns(problems) == ["dob"]
    assert problems[0].cell == "B2"
    assert_silent(problems)


@pytest.mark.parametrize(
    "text",
    ["14/03/2009", "14/3/2009", "14-03-2009", "14.03.2009", "2009/03/14", "14 March 2009",
     "14 Mar 2009", "March 14, 2009", "03/14/2009", "14/03/09", "20090314", "2009-03-14 00:00:00"],
)  # fmt: skip
def test_dates_are_found_in_other_formats(tmp_path, text):
    path = tmp_path / "notes.txt"
    path.write_text(f"born {text}.")
    assert columns(scan_outputs([path], {"dob": {DOB}})) == ["dob"]


def test_a_dd_mm_input_date_is_found_as_iso(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("Date of birth: 2009-03-14")
    assert columns(scan_outputs([path], {"dob": {"14/03/2009"}})) == ["dob"]


def test_other_dates_do_not_match(tmp_path):
    path = tmp_path / "notes.txt"
    # Another day, and the day-first reading of 03/14 swapped would be invalid anyway.
    path.write_text("audit 21/03/2016, cases from 14/04/2009, 2009-03-15 and 114/03/2009")
    assert scan_outputs([path], {"dob": {DOB}}) == []


def test_date_variants():
    variants = date_variants("2009-03-14 00:00:00")
    assert {"2009-03-14", "14/03/2009", "14 March 2009", "14/3/2009", "03/14/2009"} <= variants
    # 05/04 could be read either way round; the month-first form would be another child's date.
    assert "04/05/2009" not in date_variants("2009-04-05")
    assert date_variants("2009-02-30") == set()
    assert date_variants("Jayden") == set()


def test_is_checkable():
    assert not is_checkable("AB")
    assert not is_checkable("2016")
    assert not is_checkable("80.5")
    assert is_checkable("Ann")
    assert is_checkable("99887766")


def test_finds_a_name_in_a_notebook_output_but_not_in_png_data(tmp_path):
    # Base64 of a PNG is random letters; a name hidden in it must not raise an alarm.
    png_like = base64.b64encode(b"\x00" * 3 + b"Jayden Okafor-Smith").decode()
    nb = new_notebook(
        cells=[
            new_markdown_cell("## Scores"),
            new_code_cell(
                "show()",
                outputs=[
                    new_output("display_data", data={"image/png": png_like, "text/plain": "<Fig>"}),
                    new_output("stream", name="stdout", text=f"debug: {NAME}\n"),
                ],
            ),
        ]
    )
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    problems = scan_outputs([path], IDENTIFIERS)
    assert columns(problems) == ["name"]
    assert problems[0].cell == "cell 2"
    assert_silent(problems)

    nb.cells[1].outputs.pop()
    nbformat.write(nb, path)
    assert scan_outputs([path], IDENTIFIERS) == []


def test_papermill_parameters_in_notebook_metadata_are_scanned(tmp_path):
    nb = new_notebook(metadata={"papermill": {"parameters": {"note": CMS}}})
    path = tmp_path / "executed.ipynb"
    path.write_text(json.dumps(nb))
    problems = scan_outputs([path], IDENTIFIERS)
    assert columns(problems) == ["cms_ref"]
    assert problems[0].cell == "notebook metadata"


def test_svg_data_uri_is_decoded_and_searched(tmp_path):
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><text>{NAME}</text></svg>'
    page = tmp_path / "report.html"
    encoded = base64.b64encode(svg.encode()).decode()
    page.write_text(f'<img alt="chart" src="data:image/svg+xml;base64,{encoded}">')
    assert columns(scan_outputs([page], IDENTIFIERS)) == ["name"]


def test_plain_set_of_identifiers(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(f"<p>{NAME}</p>")
    problems = scan_outputs([page], {NAME, "2009-03-14"})
    assert len(problems) == 1
    assert (
        problems[0].message == "contains a personal identifier: a value from an identifying column"
    )
    assert_silent(problems)


def test_each_file_is_reported_and_unreadable_files_are_errors(tmp_path):
    good = tmp_path / "a.csv"
    good.write_text(f"name\n{NAME}\n")
    also = tmp_path / "b.html"
    also.write_text(f"<p>{CMS}</p>")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    image = tmp_path / "chart.png"
    image.write_bytes(b"\x89PNG" + NAME.encode())
    problems = scan_outputs([good, also, broken, image], IDENTIFIERS)
    assert [p.file for p in problems] == [str(good), str(also), str(broken)]
    assert columns(problems[:2]) == ["cms_ref", "name"]
    assert "could not be read" in problems[2].message
    assert_silent(problems)


def test_repeated_hits_are_counted_in_one_problem(tmp_path):
    path = tmp_path / "case_scores.csv"
    path.write_text(f"a,b\n{NAME},x\ny,{NAME}\n")
    problems = scan_outputs([path], IDENTIFIERS)
    assert len(problems) == 1
    assert problems[0].cell == "A2"
    assert "(2 places)" in problems[0].message
