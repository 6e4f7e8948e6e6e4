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

from caseaudit_lib.forms.guidance import case_notes, write_instructions, write_questions
from caseaudit_lib.forms.layout import (
    ANSWER_CHOICES,
    ANSWERS_SHEET,
    CASE_COLUMNS,
    CASE_FILL,
    FIRST_CASE_ROW,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    MARKING_CHOICES,
    NOT_APPLICABLE_FILL,
    QUESTIONS_SHEET,
    TEXT_FORMAT,
    THEME_FILLS,
    THEME_ROW,
    WORDING_ROW,
    applies_to_text,
    fit_row_heights,
)
from caseaudit_lib.framework.model import Framework, load_framework
from caseaudit_lib.load.encrypted import encrypt_workbook

# The form's layout, re-exported: callers and tests name them from here.
__all__ = [
    "ANSWERS_SHEET",
    "CASE_COLUMNS",
    "FIRST_CASE_ROW",
    "HEADER_ROW",
    "INSTRUCTIONS_SHEET",
    "QUESTIONS_SHEET",
    "answer_column_names",
    "build_template",
    "write_template",
]

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


def build_template(
    framework: Framework | str, *, n_cases: int = 20, prefilled: bool = False
) -> Workbook:
    """Return the blank scoring workbook for a framework, not yet saved.

    Args:
        framework: A loaded framework, or a packaged name / path for ``load_framework``.
        n_cases: How many empty case rows to prepare; rows from ``FIRST_CASE_ROW`` on.
        prefilled: The case columns will hold the sample's cases (the guidance says so).

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
    _write_answers(answers, framework, n_cases, prefilled)
    write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET), framework, prefilled=prefilled)
    write_questions(workbook.create_sheet(QUESTIONS_SHEET), framework)
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


def _write_answers(ws: Worksheet, framework: Framework, n_cases: int, prefilled: bool) -> None:
    last_row = FIRST_CASE_ROW + n_cases - 1
    names = answer_column_names(framework)
    header_font = Font(bold=True)
    wording_font = Font(italic=True, size=8)
    wrap_top = Alignment(wrap_text=True, vertical="top")

    # Case columns: the header cells explain themselves through comments.
    notes = case_notes(prefilled)
    ws.cell(THEME_ROW, 1, "Case")
    ws.merge_cells(start_row=THEME_ROW, start_column=1, end_row=THEME_ROW, end_column=4)
    for col, name in enumerate(CASE_COLUMNS, start=1):
        cell = ws.cell(HEADER_ROW, col, name)
        cell.comment = Comment(notes[name], "caseaudit", width=260, height=110)
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
            applies = applies_to_text(framework, question)
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

    for c in range(1, len(names) + 1):
        for row in range(HEADER_ROW, last_row + 1):
            ws.cell(row, c).border = _BOX
    # Case and evidence cells hold text as typed: a spreadsheet would make "50%" the number 0.5
    # and "12/01/2016" a date (read back in another locale's order).
    as_text = [c for c in range(1, len(names) + 1) if _is_text_column(names[c - 1])]
    for row in range(FIRST_CASE_ROW, last_row + 1):
        for c in range(1, len(names) + 1):
            ws.cell(row, c).alignment = Alignment(wrap_text=names[c - 1].endswith("_comment"))
        for c in as_text:
            ws.cell(row, c).number_format = TEXT_FORMAT
    fit_row_heights(ws)
    # Freeze the header rows and the case columns so both stay visible while scrolling.
    ws.freeze_panes = ws.cell(FIRST_CASE_ROW, len(CASE_COLUMNS) + 1)

    _add_validations(ws, framework, n_cases)
    _add_applicability_shading(ws, framework, n_cases)


def _is_text_column(name: str) -> bool:
    """Return whether a column of the Answers sheet holds free text (case columns, evidence)."""
    return name in CASE_COLUMNS or name.endswith("_comment")


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
        showErrorMessage=True,
        showInputMessage=True,
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
        errorStyle="stop",
        showErrorMessage=True,
        errorTitle="Marking",
        error="Leave blank or choose first / second.",
    )
    marking_dv.add(_column_range(CASE_COLUMNS.index("marking") + 1, n_cases))

    answer_dv = DataValidation(
        type="list",
        formula1=f'"{",".join(ANSWER_CHOICES)}"',
        allow_blank=True,
        # Stop: "Maybe" or "Partly" is refused while typing, with this message, rather than
        # found by `caseaudit validate` later.
        errorStyle="stop",
        showErrorMessage=True,
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
