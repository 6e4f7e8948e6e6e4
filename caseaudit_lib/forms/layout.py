"""The scoring form's layout: its sheets, rows and colours, and rows tall enough for their text.

Shared by :mod:`caseaudit_lib.forms.template` (the Answers sheet) and
:mod:`caseaudit_lib.forms.guidance` (the Instructions and Questions sheets). Row heights are
written, not left to the spreadsheet: LibreOffice does not fit wrapped rows when it opens an
.xlsx, so a row without a height stays one line high and its text overlaps the next.
"""

from __future__ import annotations

import math
import textwrap

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from caseaudit_lib.framework.model import Framework, Question

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
# Cells formatted as text ("@"): what is typed stays as typed ("50%", "12/01/2016", "007").
TEXT_FORMAT = "@"

# Soft fills that print legibly in black and white; themes cycle through them.
THEME_FILLS = ("DDEBF7", "E2EFDA", "FFF2CC", "FCE4D6", "EDE1F5", "DDF3F1", "F2F2F2", "FBE5EE")
CASE_FILL = "D9D9D9"
NOT_APPLICABLE_FILL = "BFBFBF"

DEFAULT_ROW_HEIGHT = 15.0  # points: one line of the default 11-point font
DEFAULT_FONT_SIZE = 11.0
DEFAULT_COLUMN_WIDTH = 8.43  # characters, a column with no width of its own
# Points of row height per point of font size, per line: line spacing with some room.
_LINE_SPACING = 1.35
_PADDING = 4.0


def applies_to_text(framework: Framework, question: Question) -> str:
    """Return the case types a question applies to, as the form shows them."""
    if question.applies_to is None:
        return "all case types"
    return ", ".join(
        label for ct, label in framework.case_types.items() if ct in question.applies_to
    )


def wrapped_lines(text: str, width: float, font_size: float = DEFAULT_FONT_SIZE) -> int:
    """Return how many lines a text takes, wrapped at word breaks in a column of ``width``.

    The width is in characters of the default font (Excel's and openpyxl's unit); a larger font
    fits fewer characters. Slightly generous, so a row is never too short for its text.
    """
    per_line = max(1, math.floor(width * DEFAULT_FONT_SIZE / font_size * 0.95))
    return sum(
        max(1, len(textwrap.wrap(paragraph, per_line, break_long_words=True)))
        for paragraph in str(text).split("\n")
    )


def fit_row_heights(ws: Worksheet) -> None:
    """Give every row with wrapped text a height that shows all of it (never below one line)."""
    merged = {cell for rng in ws.merged_cells.ranges for cell in rng.cells}
    for row in ws.iter_rows():
        needed = 0.0
        for cell in row:
            if cell.value is None or not cell.alignment.wrap_text:
                continue
            if (cell.row, cell.column) in merged:
                continue
            size = float(cell.font.sz or DEFAULT_FONT_SIZE)
            width = ws.column_dimensions[get_column_letter(cell.column)].width
            lines = wrapped_lines(str(cell.value), width or DEFAULT_COLUMN_WIDTH, size)
            needed = max(needed, lines * size * _LINE_SPACING + _PADDING)
        if needed > DEFAULT_ROW_HEIGHT:
            number = row[0].row
            ws.row_dimensions[number].height = max(
                ws.row_dimensions[number].height or 0, round(needed, 1)
            )
