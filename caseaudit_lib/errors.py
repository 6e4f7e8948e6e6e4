"""Problems found in input files, and the exceptions that carry them.

Every problem knows where it is (file, sheet, cell, column), what was found and what
was expected, and renders as one line, so an analyst can go straight to the cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


def excel_column(index: int) -> str:
    """Return the Excel column letters for a zero-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def excel_cell(row: int, col: int) -> str:
    """Return an A1-style reference for a zero-based row and column index."""
    return f"{excel_column(col)}{row + 1}"


@dataclass(frozen=True)
class Problem:
    """One problem in one place of an input file.

    A spreadsheet problem has a sheet and a cell (``Answers!G5``); a YAML problem has the key's
    path as its cell (``themes[2].n_sufficient``) and the line it is on.
    """

    severity: Severity
    file: str
    message: str
    sheet: str | None = None
    cell: str | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    line: int | None = None  # the line of a text file (YAML), 1-based

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f": line {self.line}" + (f", {self.cell}" if self.cell else "")
        elif self.sheet and self.cell:
            where += f": {self.sheet}!{self.cell}"
        elif self.sheet:
            where += f": sheet {self.sheet!r}"
        elif self.cell:
            where += f": {self.cell}"
        column = f"column {self.column!r}: " if self.column is not None else ""
        detail = ""
        if self.value is not None:
            detail = (
                f" (found {self.value!r}"
                + (f"; expected {self.expected}" if self.expected else "")
                + ")"
            )
        elif self.expected:
            detail = f" (expected {self.expected})"
        return f"{where}: {self.severity}: {column}{self.message}{detail}"


class CaseAuditError(Exception):
    """An error in the user's input; the command line prints it and exits with status 2."""

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("error", "", problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """Return one line per problem."""
        return [str(p) if p.file else p.message for p in self.problems]

    @property
    def errors(self) -> list[Problem]:
        """Return only the problems that are errors."""
        return [p for p in self.problems if p.severity == "error"]


class AuditDataError(CaseAuditError):
    """An audit scoring file that cannot be used as it is."""


class FrameworkError(CaseAuditError):
    """A framework file that is malformed."""


class ParamsError(CaseAuditError):
    """A params, baseline or findings file that is malformed."""
