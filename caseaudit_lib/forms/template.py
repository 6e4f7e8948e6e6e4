"""The blank scoring workbook that auditors fill in, one per audit.

The workbook is made from a framework so that it always matches what the loader expects: sheet
"Answers" holds a theme row, a row of question wording and then the header row (``case_id``,
``auditor``, ``case_type``, ``marking``, and for each question its answer column followed by its
``<id>_comment`` evidence column), then one empty row per case. Drop-downs keep answers to the
vocabulary the loader reads, and answer cells turn grey when the row's case type is one the
question does not apply to. Sheets "Instructions" and "Questions" explain how to fill it in.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from caseaudit_lib.framework.model import Framework, Question, load_framework
from caseaudit_lib.load.encrypted import encrypt_workbook

ANSWERS_SHEET = "Answers"
INSTRUCTIONS_SHEET = "Instructions"
QUESTIONS_SHEET = "Questions"
LISTS_SHEET = "Lists"

THEME_ROW = 1
WORDING_ROW = 2
HEADER_ROW = 3
FIRST_CASE_ROW = 4

CASE_COLUMNS = ("case_id", "auditor", "case_type", "marking")
ANSWER_CHOICES = ("Yes", "No", "N/A")
MARKING_CHOICES = ("first", "second")

# Soft fills that print legibly in black and white; themes cycle through them.
THEME_FILLS = ("DDEBF7", "E2EFDA", "FFF2CC", "FCE4D6", "EDE1F5", "DDF3F1", "F2F2F2", "FBE5EE")
CASE_FILL = "D9D9D9"
NOT_APPLICABLE_FILL = "BFBFBF"

_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
# Excel keeps an inline list validation to 255 characters.
_INLINE_LIST_LIMIT = 255


def write_template(
    framework: Framework | str, path: Path | str, *, n_cases: int = 20, password: str | None = None
) -> Path:
    """Write a blank scoring workbook for a framework.

    Args:
        framework: A loaded framework, or a packaged name / path for ``load_framework``.
        path: Where to write the ``.xlsx`` file; missing parent folders are created.
        n_cases: How many empty case rows to prepare (drop-downs and shading reach this far).
        password: When given, the workbook is password-protected (encrypted) with it.

    Returns:
        The path written.

    """
    path = Path(path)
    workbook = build_template(framework, n_cases=n_cases)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    if password:
        encrypt_workbook(path, password)
    return path


def build_template(framework: Framework | str, *, n_cases: int = 20) -> Workbook:
    """Return the blank scoring workbook for a framework, not yet saved.

    Args:
        framework: A loaded framework, or a packaged name / path for ``load_framework``.
        n_cases: How many empty case rows to prepare; rows from ``FIRST_CASE_ROW`` on.

    Returns:
        An openpyxl workbook with sheets Answers (active), Instructions and Questions.

    """
    if not isinstance(framework, Framework):
        framework = load_framework(framework)
    if n_cases < 1:
        raise ValueError("n_cases must be at least 1")
    workbook = Workbook()
    answers = workbook.active
    answers.title = ANSWERS_SHEET
    _write_answers(answers, framework, n_cases)
    _write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET), framework)
    _write_questions(workbook.create_sheet(QUESTIONS_SHEET), framework)
    workbook.active = 0
    return workbook


def answer_column_names(framework: Framework) -> list[str]:
    """Return the header row of the Answers sheet: case columns, then each answer and comment."""
    names = list(CASE_COLUMNS)
    for question in framework.questions:
        names += [question.id, f"{question.id}_comment"]
    return names


def _case_type_spellings(framework: Framework, case_type: str) -> list[str]:
    """Return every spelling the loader accepts for a case type (id, label, aliases)."""
    return sorted(k for k, v in framework.case_type_aliases.items() if v == case_type)


def _applies_to_text(framework: Framework, question: Question) -> str:
    if question.applies_to is None:
        return "all case types"
    return ", ".join(
        label for ct, label in framework.case_types.items() if ct in question.applies_to
    )


def _write_answers(ws: Worksheet, framework: Framework, n_cases: int) -> None:
    last_row = FIRST_CASE_ROW + n_cases - 1
    names = answer_column_names(framework)
    header_font = Font(bold=True)
    wording_font = Font(italic=True, size=8)
    wrap_top = Alignment(wrap_text=True, vertical="top")

    # Case columns: the header cells explain themselves through comments.
    case_notes = {
        "case_id": "A made-up reference for the case, unique in this audit (e.g. A01). "
        "Never a name, date of birth or case management system number.",
        "auditor": "Who marked the case (initials or 'Auditor A').",
        "case_type": "Choose from the list. Questions that do not apply turn grey.",
        "marking": "Leave blank (first marking). 'second' for a moderation re-marking of a case "
        "already marked by someone else: same case_id, another auditor.",
    }
    ws.cell(THEME_ROW, 1, "Case")
    ws.merge_cells(start_row=THEME_ROW, start_column=1, end_row=THEME_ROW, end_column=4)
    for col, name in enumerate(CASE_COLUMNS, start=1):
        cell = ws.cell(HEADER_ROW, col, name)
        cell.comment = Comment(case_notes[name], "caseaudit", width=260, height=110)
        for row in (THEME_ROW, WORDING_ROW, HEADER_ROW):
            ws.cell(row, col).fill = PatternFill("solid", fgColor=CASE_FILL)
            ws.cell(row, col).font = header_font
        ws.column_dimensions[get_column_letter(col)].width = 24 if name == "case_type" else 14
    ws.cell(
        WORDING_ROW, 1, "Question wording (full text in each header's note)"
    ).font = wording_font

    col = len(CASE_COLUMNS) + 1
    for index, theme in enumerate(framework.themes):
        fill = PatternFill("solid", fgColor=THEME_FILLS[index % len(THEME_FILLS)])
        first_col = col
        for question in theme.questions:
            applies = _applies_to_text(framework, question)
            answer = ws.cell(HEADER_ROW, col, question.id)
            answer.comment = Comment(
                f"{question.id} ({theme.name}): {question.text}\n\nApplies to: {applies}.",
                "caseaudit",
                width=320,
                height=160,
            )
            ws.cell(HEADER_ROW, col + 1, f"{question.id}_comment")
            ws.cell(WORDING_ROW, col, question.text)
            ws.cell(WORDING_ROW, col + 1, f"Evidence for {question.id} (optional, no names)")
            for c in (col, col + 1):
                for row in (THEME_ROW, WORDING_ROW, HEADER_ROW):
                    ws.cell(row, c).fill = fill
                ws.cell(HEADER_ROW, c).font = header_font
                ws.cell(WORDING_ROW, c).font = wording_font
                ws.cell(WORDING_ROW, c).alignment = wrap_top
            ws.column_dimensions[get_column_letter(col)].width = 18
            # Evidence columns are outlined so they can be folded away to see the answer grid.
            comment_dim = ws.column_dimensions[get_column_letter(col + 1)]
            comment_dim.width = 28
            comment_dim.outlineLevel = 1
            col += 2
        ws.cell(THEME_ROW, first_col, theme.name).font = header_font
        ws.merge_cells(
            start_row=THEME_ROW, start_column=first_col, end_row=THEME_ROW, end_column=col - 1
        )

    ws.row_dimensions[WORDING_ROW].height = 110
    for c in range(1, len(names) + 1):
        for row in range(HEADER_ROW, last_row + 1):
            ws.cell(row, c).border = _BOX
    for row in range(FIRST_CASE_ROW, last_row + 1):
        for c in range(1, len(names) + 1):
            ws.cell(row, c).alignment = Alignment(wrap_text=names[c - 1].endswith("_comment"))
    # Freeze the header rows and the case columns so both stay visible while scrolling.
    ws.freeze_panes = ws.cell(FIRST_CASE_ROW, len(CASE_COLUMNS) + 1)

    _add_validations(ws, framework, n_cases)
    _add_applicability_shading(ws, framework, n_cases)


def _column_range(col: int, n_cases: int) -> str:
    letter = get_column_letter(col)
    return f"{letter}{FIRST_CASE_ROW}:{letter}{FIRST_CASE_ROW + n_cases - 1}"


def _list_source(ws: Worksheet, name: str, values: list[str], col: int) -> str:
    """Return a list-validation formula: inline when Excel allows, else a hidden sheet range."""
    inline = ",".join(values)
    if len(inline) + 2 <= _INLINE_LIST_LIMIT and not any(("," in v or '"' in v) for v in values):
        return f'"{inline}"'
    workbook = ws.parent
    lists = workbook[LISTS_SHEET] if LISTS_SHEET in workbook.sheetnames else None
    if lists is None:
        lists = workbook.create_sheet(LISTS_SHEET)
        lists.sheet_state = "hidden"
    lists.cell(1, col, name)
    for row, value in enumerate(values, start=2):
        lists.cell(row, col, value)
    letter = get_column_letter(col)
    return f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"


def _add_validations(ws: Worksheet, framework: Framework, n_cases: int) -> None:
    case_types = _list_source(ws, "case_type", list(framework.case_types.values()), 1)
    case_type_dv = DataValidation(
        type="list",
        formula1=case_types,
        allow_blank=True,
        errorStyle="warning",  # ids and aliases (e.g. "RO") are accepted by the loader too
        errorTitle="Case type",
        error="Not one of the framework's case types: choose from the list.",
        promptTitle="Case type",
        prompt="Choose the case type; questions that do not apply turn grey.",
    )
    case_type_dv.add(_column_range(CASE_COLUMNS.index("case_type") + 1, n_cases))

    marking_dv = DataValidation(
        type="list",
        formula1=f'"{",".join(MARKING_CHOICES)}"',
        allow_blank=True,
        errorTitle="Marking",
        error="Leave blank or choose first / second.",
    )
    marking_dv.add(_column_range(CASE_COLUMNS.index("marking") + 1, n_cases))

    answer_dv = DataValidation(
        type="list",
        formula1=f'"{",".join(ANSWER_CHOICES)}"',
        allow_blank=True,
        errorTitle="Answer",
        error="Choose Yes, No or N/A, or leave the cell blank if not answered.",
    )
    first = len(CASE_COLUMNS) + 1
    for offset in range(len(framework.questions)):
        answer_dv.add(_column_range(first + 2 * offset, n_cases))
    for dv in (case_type_dv, marking_dv, answer_dv):
        ws.add_data_validation(dv)


def _excel_text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _add_applicability_shading(ws: Worksheet, framework: Framework, n_cases: int) -> None:
    """Grey the answer and evidence cells of questions that do not apply to the row's case type."""
    case_type_ref = f"${get_column_letter(CASE_COLUMNS.index('case_type') + 1)}{FIRST_CASE_ROW}"
    # One rule per distinct set of excluded case types, spanning every column that shares it.
    ranges: dict[tuple[str, ...], list[str]] = {}
    first = len(CASE_COLUMNS) + 1
    for offset, question in enumerate(framework.questions):
        excluded = tuple(ct for ct in framework.case_types if not question.applies(ct))
        if not excluded:
            continue
        col = first + 2 * offset
        ranges.setdefault(excluded, []).extend(
            [_column_range(col, n_cases), _column_range(col + 1, n_cases)]
        )
    fill = PatternFill("solid", fgColor=NOT_APPLICABLE_FILL, bgColor=NOT_APPLICABLE_FILL)
    for excluded, cells in ranges.items():
        # Excel compares text case-insensitively; TRIM also folds runs of inner spaces, as the
        # loader does, so " referral  ORDER " greys the same cells as "Referral order".
        tests = [
            f"TRIM({case_type_ref})={_excel_text(spelling)}"
            for ct in excluded
            for spelling in _case_type_spellings(framework, ct)
        ]
        ws.conditional_formatting.add(
            " ".join(cells),
            FormulaRule(formula=[f"OR({','.join(tests)})"], fill=fill, font=Font(color="808080")),
        )


def _dropped_columns() -> str:
    """Return the identifying column names the loader drops by default, for the instructions."""
    try:
        from caseaudit_lib.privacy.pseudonymise import PrivacyConfig
    except ImportError:  # pragma: no cover - privacy.py is always there once the project is whole
        return "name, child_name, dob, address, postcode, cms_ref and similar"
    return ", ".join(PrivacyConfig().drop)


def _write_instructions(ws: Worksheet, framework: Framework) -> None:
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
        (
            "case_id: a made-up reference for the case (e.g. A01), unique in this audit. auditor: "
            "who marked it. case_type: choose from the list (" + types + ").",
            None,
        ),
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
        (
            "Do not write any child's name, date of birth, address or case management reference "
            "in any cell or comment, including the evidence columns. The audit is about the work, "
            "not the child.",
            None,
        ),
        (
            "If a file has identifying columns, the loader drops them before anything is scored or "
            "reported. Columns dropped: " + _dropped_columns() + ". Case ids are replaced by "
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


def _write_questions(ws: Worksheet, framework: Framework) -> None:
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
                _applies_to_text(framework, question),
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
    ws.freeze_panes = "A2"
