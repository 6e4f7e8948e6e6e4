"""The form's guidance: the Instructions and Questions sheets, and the notes of the case columns.

What the guidance says matches what the cells hold: a blank form asks for a made-up reference
per case (e.g. A01), while a form pre-filled from the sample holds the service's own case
references, locked, and says so.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from caseaudit_lib.forms.layout import (
    ANSWERS_SHEET,
    QUESTIONS_SHEET,
    THEME_FILLS,
    applies_to_text,
    fit_row_heights,
)
from caseaudit_lib.framework.model import Framework


def case_notes(prefilled: bool) -> dict[str, str]:
    """Return the notes of the case columns' header cells, for a blank or a pre-filled form."""
    if prefilled:
        case_id = (
            "The service's reference for the case, filled in from the sample and locked. "
            "Reports never show it: it is replaced by a pseudonym."
        )
        auditor = "Who marks the case: filled in from the sample and locked."
        case_type = "Filled in from the sample and locked. Questions that do not apply are grey."
    else:
        case_id = (
            "A made-up reference for the case, unique in this audit (e.g. A01). "
            "Never a name, date of birth or case management system number."
        )
        auditor = "Who marked the case (initials or 'Auditor A')."
        case_type = "Choose from the list. Questions that do not apply turn grey."
    return {
        "case_id": case_id,
        "auditor": auditor,
        "case_type": case_type,
        "marking": "Leave blank (first marking). 'second' for a moderation re-marking of a case "
        "already marked by someone else: same case_id, another auditor.",
    }


def case_guidance(prefilled: bool, types: str) -> str:
    """Return the Instructions' paragraph on the case columns."""
    if prefilled:
        return (
            "case_id, auditor and case_type are filled in from the audit's sample, one row per "
            "case, and locked: case_id is the service's own reference for the case (reports "
            "replace it with a pseudonym). Case types: " + types + "."
        )
    return (
        "case_id: a made-up reference for the case (e.g. A01), unique in this audit. auditor: "
        "who marked it. case_type: choose from the list (" + types + ")."
    )


def privacy_guidance(prefilled: bool) -> str:
    """Return the Instructions' paragraph on what never to write."""
    where = (
        "in any answer or evidence cell (the case_id column, filled in for you, is the only "
        "place for the case reference)"
        if prefilled
        else "in any cell or comment, including the evidence columns"
    )
    return (
        "Do not write any child's name, date of birth, address or case management reference "
        f"{where}. The audit is about the work, not the child."
    )


def dropped_columns() -> str:
    """Return the identifying column names the loader drops by default, for the instructions."""
    try:
        from caseaudit_lib.privacy.pseudonymise import PrivacyConfig
    except ImportError:  # pragma: no cover - privacy.py is always there once the project is whole
        return "name, child_name, dob, address, postcode, cms_ref and similar"
    return ", ".join(PrivacyConfig().drop)


def write_instructions(ws: Worksheet, framework: Framework, *, prefilled: bool = False) -> None:
    """Write the Instructions sheet: how to fill in the form, privacy, checking."""
    types = "; ".join(f"{label} ({ct})" for ct, label in framework.case_types.items())
    lines = [
        (f"{framework.title}", "title"),
        (f"Framework: {framework.id}, version {framework.version}", None),
        (framework.source.strip(), None) if framework.source else ("", None),
        ("", None),
        ("How to fill in this workbook", "heading"),
        (
            f"Use the sheet '{ANSWERS_SHEET}': one row per case. The first rows show each theme "
            "and question wording; the row with case_id, auditor, ... is the header row and must "
            "stay as it is. Hover over a header for the full question and the case types it "
            f"applies to; the sheet '{QUESTIONS_SHEET}' lists every question.",
            None,
        ),
        (case_guidance(prefilled, types), None),
        (
            "Answers: Yes (the work was sufficient), No (not sufficient) or N/A (the question is "
            "not relevant to this case, e.g. no social care involvement). A blank cell means "
            "'not answered': it is counted and reported, but never scored. Answer every question "
            "that applies.",
            None,
        ),
        (
            "Grey cells: the question does not apply to the row's case type. Leave them blank; an "
            "answer there is ignored (treated as not applicable) and reported as a warning.",
            None,
        ),
        (
            "Evidence: each question has a <id>_comment column for a short note of the evidence "
            "(optional). Fold or unfold these columns with the [-] / [+] buttons above them.",
            None,
        ),
        (
            "Moderation: leave 'marking' blank for the first marking. When a second auditor "
            "re-marks a case to check agreement, add a new row with the same case_id, the second "
            "auditor's name and marking 'second'. Scores use first markings only; second markings "
            "measure agreement between auditors.",
            None,
        ),
        ("", None),
        ("Privacy", "heading"),
        (privacy_guidance(prefilled), None),
        (
            "If a file has identifying columns, the loader drops them before anything is scored or "
            "reported. Columns dropped: " + dropped_columns() + ". Case ids are replaced by "
            "pseudonyms in every output.",
            None,
        ),
        ("", None),
        ("Checking", "heading"),
        (
            "Run `caseaudit validate <this file> --framework " + framework.id + "` to list any "
            "problems, each with its cell, before scoring.",
            None,
        ),
    ]
    ws.column_dimensions["A"].width = 110
    for row, (text, kind) in enumerate(lines, start=1):
        cell = ws.cell(row, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind == "title":
            cell.font = Font(bold=True, size=14)
        elif kind == "heading":
            cell.font = Font(bold=True, size=12)
    fit_row_heights(ws)


def write_questions(ws: Worksheet, framework: Framework) -> None:
    """Write the Questions sheet: every question with its theme and the case types it applies to."""
    header = ["id", "theme", "question", "applies to", "key area", "key question"]
    for col, name in enumerate(header, start=1):
        ws.cell(1, col, name).font = Font(bold=True)
    row = 2
    for index, theme in enumerate(framework.themes):
        fill = PatternFill("solid", fgColor=THEME_FILLS[index % len(THEME_FILLS)])
        for question in theme.questions:
            values = [
                question.id,
                theme.name,
                question.text,
                applies_to_text(framework, question),
                question.key_area or "",
                "yes" if question.key else "no",
            ]
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row, col, value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.cell(row, 2).fill = fill
            row += 1
    for letter, width in zip("ABCDEF", (8, 24, 80, 32, 14, 12), strict=True):
        ws.column_dimensions[letter].width = width
    fit_row_heights(ws)
    ws.freeze_panes = "A2"
