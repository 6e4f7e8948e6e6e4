"""Issue 13's parts one by one: the Markdown sanitiser, the page allow-list, the answers sheet
choice, Excel error cells, and a blank form."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from caseaudit_lib.audit.blank_form import BLANK_FORM, has_cases, require_cases
from caseaudit_lib.audit.loading import load_audit, validate_file
from caseaudit_lib.errors import AuditDataError, CaseAuditError
from caseaudit_lib.export.html import make_exporter, render_html
from caseaudit_lib.export.page_safety import (
    clean_fragment,
    find_live_script,
    require_no_live_script,
)
from caseaudit_lib.findings.sanitise import (
    SafeMarkdown,
    clean_markdown,
    clean_yaml_texts,
    link_allowed,
    plain_text,
)
from caseaudit_lib.forms.template import ANSWERS_SHEET
from caseaudit_lib.load.excel_cells import error_text_faults
from caseaudit_lib.load.reading import read_audit_sheet
from caseaudit_lib.load.sheet_choice import TEMPLATE_ANSWERS_SHEET, SheetInfo, choose_sheet
from caseaudit_lib.present.wording import render, tidy

FRAMEWORK = Path(__file__).parent / "data" / "hostile" / "frameworks" / "mini.yaml"
HEADER = ["case_id", "auditor", "case_type", "Q1", "Q1_comment", "Q2", "Q3"]
ROWS = [["C01", "A", "YRO", "Yes", "", "No", "N/A"], ["C02", "B", "RO", "No", "", "Yes", "Yes"]]

# --- the Markdown sanitiser -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ('Well <script>alert("x")</script>done', "Well done", "alert"),
        ("[click](javascript:alert(6)) now", "click now", "javascript"),
        ("<img src=x onerror=alert(1)> seen", " seen", "onerror"),
        ("[x](data:text/html,<b>hi</b>)", "x", "data:"),
        ("[x](JaVa&#83;cript:alert(1))", "x", "alert"),
        ("[x](java\\script:alert(1))", "x", "alert"),
        ("[x](<javascript:alert(1)>)", "x", "alert"),
        ("<javascript:alert(1)> after", " after", "alert"),
        ("[r]: javascript:alert(1)", "", "alert"),
        ("![chart](https://example.org/x.png)", "chart", "example.org"),
        ('<a href="#" onclick="alert(8)">link</a>', "link", "onclick"),
        ("before <!-- <script>x</script> --> after", "before  after", "script"),
        ("<style>body{display:none}</style>text", "text", "display"),
    ],
)
def test_unsafe_markup_is_dropped_and_its_text_kept(text, kept, gone):
    cleaned, drops = clean_markdown(text)
    assert cleaned == kept
    assert gone.lower() not in cleaned.lower()
    assert drops


@pytest.mark.parametrize(
    "text",
    [
        "**Bold**, *emphasis* and _more_",
        "- one\n- two\n\n1. first",
        "[GOV.UK](https://www.gov.uk/x) and [mail](mailto:qa@example.org)",
        "<https://example.org/a>",
        "[see below](#recommendations)",
        "Scores &lt; 50% are low",
    ],
)
def test_the_documented_markdown_is_kept_as_it_is(text):
    assert clean_markdown(text) == (text, [])


def test_a_lone_less_than_sign_cannot_open_a_tag():
    cleaned, drops = clean_markdown("5 < 6 and x<y and a <b")
    assert "<" not in cleaned
    assert cleaned.count("&lt;") == 3
    assert drops == []


def test_cleaning_twice_changes_nothing():
    once, _ = clean_markdown("a <script>x</script> [l](javascript:1) < b [ok](https://a.org)")
    assert isinstance(once, SafeMarkdown)
    assert clean_markdown(str(once)) == (once, [])


def test_link_allowed_only_http_mailto_and_anchors():
    assert link_allowed("https://a.org") and link_allowed("mailto:a@b.org") and link_allowed("#x")
    for bad in ("javascript:x", " data:text/html,x", "vbscript:x", "file:///etc", "a.html"):
        assert not link_allowed(bad)


def test_plain_text_keeps_words_for_an_escaping_template():
    assert plain_text("Bromley <img src=x onerror=alert(1)>YOS & co < 5") == "Bromley YOS & co < 5"


def test_yaml_texts_are_cleaned_with_a_warning_naming_key_and_line(tmp_path):
    path = tmp_path / "findings.yaml"
    path.write_text(
        "conclusion: >-\n  Fine.\n  <script>alert(1)</script>\n"
        "good_practice:\n  - ok\n  - '[a](javascript:alert(2))'\n  - '<img src=x onerror=y>'\n"
    )
    import yaml

    values = yaml.safe_load(path.read_text())
    cleaned, warnings = clean_yaml_texts(values, "findings.yaml", path)
    assert cleaned["conclusion"] == "Fine. "
    assert cleaned["good_practice"] == ["ok", "a"]  # the paragraph of markup only is left out
    lines = [str(w) for w in warnings]
    assert lines[0].startswith("findings.yaml: conclusion, line 3: warning: raw HTML <script>")
    assert "good_practice[1], line 6" in lines[1] and "javascript: link" in lines[1]
    assert "good_practice[2], line 7" in lines[2]


def test_every_templated_value_goes_through_the_sanitiser(tmp_path):
    text = render(
        "background.md.j2",
        notes=["Note <script>alert(1)</script>[x](javascript:alert(2))"],
        n_cases=2,
        n_auditors=1,
        start="2016-03-21",
        end=None,
        service="Bromley <img src=x onerror=alert(3)>",
        caseload=10,
        sample_description="all <b onmouseover=alert(4)>cases</b>",
        n_second=0,
        against=[],
        theme_names={},
    )
    assert "alert" not in text and "<" not in text
    assert "Bromley" in text and "cases" in text
    assert tidy(text) == text


# --- the page allow-list ----------------------------------------------------------------------


def test_the_allow_list_removes_script_handlers_and_script_urls():
    dirty = (
        '<p onclick="x()">a<script>alert(1)</script></p><a href="javascript:alert(2)">j</a>'
        '<a href="data:text/html,x">d</a><iframe src="https://a.org"></iframe>'
        '<img src="data:image/png;base64,AAAA" alt="chart" onerror="y()">'
        '<svg><script>alert(3)</script></svg><a href="#t" class="c">t</a>'
        '<table><tr><td style="text-align: right" data-mime-type="text/markdown">1</td></tr>'
        "</table>"
    )
    clean = clean_fragment(dirty)
    assert find_live_script(clean) == []
    for gone in ("onclick", "<script", "javascript:", "data:text", "<iframe", "onerror", "alert"):
        assert gone not in clean
    assert 'src="data:image/png;base64,AAAA"' in clean and 'alt="chart"' in clean
    assert 'href="#t"' in clean and 'class="c"' in clean
    assert 'style="text-align: right"' in clean and 'data-mime-type="text/markdown"' in clean


def test_find_live_script_names_what_could_run():
    page = (
        '<script></script><a href=" javascript:x">a</a><p onmouseover="y">p</p>'
        '<object data="data:text/html,x"></object>'
    )
    assert len(find_live_script(page)) == 5
    with pytest.raises(CaseAuditError, match="report.html: error: the report would hold 5"):
        require_no_live_script(page, "report.html")


def test_an_exported_page_holds_no_live_script_whatever_the_notebook_holds():
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell('## Findings\n\nText <script>alert(1)</script> <b onclick="x">b</b>'),
        new_code_cell(
            "x",
            outputs=[
                new_output(
                    "display_data",
                    data={
                        "text/markdown": "[c](javascript:alert(2)) <img src=x onerror=alert(3)>",
                        "text/plain": "x",
                    },
                ),
                new_output(
                    "display_data",
                    data={"text/html": '<div onmouseover="a()"><a href="javascript:b">l</a></div>'},
                ),
            ],
        ),
    ]
    page = render_html(
        nb, title='T <script>alert("t")</script>', footer="F <img onerror=z>",
        exporter=make_exporter(),
    )  # fmt: skip
    assert find_live_script(page) == []
    assert "<script" not in page
    # The title and footer are plain text: shown as typed, escaped; the content's script is gone.
    assert page.count("alert(") == 2 and 'T &lt;script&gt;alert("t")&lt;/script&gt;' in page
    assert "F &lt;img onerror=z&gt;" in page
    assert 'http-equiv="Content-Security-Policy"' in page
    assert "script-src" not in page or "'none'" in page
    assert "default-src 'none'" in page
    assert '<a href="#findings">Findings</a>' in page  # the contents list still works


# --- the answers sheet, error cells -----------------------------------------------------------


def test_the_template_and_the_reader_agree_on_the_answers_sheet_name():
    assert TEMPLATE_ANSWERS_SHEET == ANSWERS_SHEET


def test_sheet_choice_rules():
    draft, answers = SheetInfo("Draft", "hidden", True), SheetInfo("Answers", "visible", True)
    other = SheetInfo("Copy", "visible", True)
    assert choose_sheet("f", [draft, answers]).name == "Answers"
    assert choose_sheet("f", [other, answers]).name == "Answers"  # named as the template
    assert choose_sheet("f", [SheetInfo("Guide", "visible", False), other]).notes == ()
    only_hidden = choose_sheet("f", [draft])
    assert only_hidden.name == "Draft" and "hidden sheet 'Draft'" in str(only_hidden.notes[0])
    assert choose_sheet("f", [SheetInfo("X", "visible", False)]).name is None


def workbook(path: Path, sheets: list[tuple[str, list[list], str]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    book.save(path)
    return path


def test_a_hidden_first_sheet_is_not_scored_and_the_choice_is_said(tmp_path):
    draft = [HEADER, ["D1", "Old", "YRO", "No", "", "No", "No"]]
    path = workbook(
        tmp_path / "a.xlsx", [("Draft", draft, "hidden"), ("Sheet2", [HEADER, *ROWS], "visible")]
    )
    audit = load_audit(path, str(FRAMEWORK))
    assert audit.n_cases == 2
    assert set(audit.answers["auditor"]) == {"A", "B"}
    (note,) = [str(w) for w in audit.warnings if "read from sheet" in str(w)]
    assert "'Sheet2'" in note and "'Draft' (hidden)" in note


def test_excel_errors_and_unsaved_formulas_are_located_errors_not_blanks(tmp_path):
    rows = [HEADER, ["C01", "A", "YRO", "#N/A", "", "=1/0", "#REF!"], ROWS[1]]
    rows[2] = [*ROWS[1][:4], "#DIV/0!", *ROWS[1][5:]]
    path = workbook(tmp_path / "e.xlsx", [("Answers", rows, "visible")])
    lines = [str(p) for p in validate_file(path, str(FRAMEWORK)) if p.severity == "error"]
    assert any("Answers!D2: error: column 'Q1': Excel error #N/A" in line for line in lines)
    assert any("Answers!F2" in line and "formula with no saved value" in line for line in lines)
    assert any("Answers!G2" in line and "Excel error #REF!" in line for line in lines)
    assert any("Answers!E3" in line and "Excel error #DIV/0!" in line for line in lines)
    with pytest.raises(AuditDataError):
        load_audit(path, str(FRAMEWORK))


def test_error_text_in_a_csv_is_an_error_too(tmp_path):
    path = tmp_path / "a.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([HEADER, [*ROWS[0][:5], "#VALUE!", "N/A"]])
    sheet = read_audit_sheet(path)
    assert [str(n) for n in sheet.notes] == [f"{path}: F2: error: column 'Q2': Excel error #VALUE!"]
    assert error_text_faults(sheet.grid)[0].col == 5


# --- a blank form -----------------------------------------------------------------------------


def test_a_blank_form_is_valid_but_refused_for_scoring(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text(",".join(HEADER) + "\n,,,,,,\n")
    assert [p.severity for p in validate_file(path, str(FRAMEWORK))] == ["warning"]
    assert not has_cases(path)
    with pytest.raises(AuditDataError, match=BLANK_FORM):
        require_cases(path)
    path.write_text(",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n")
    assert has_cases(path)
