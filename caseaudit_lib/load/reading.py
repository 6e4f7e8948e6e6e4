"""Reading audit scoring files into raw grids of text, without interpreting any value.

A grid keeps every cell as the text the spreadsheet holds ("" for an empty cell) at its real
position: grid row 0 is spreadsheet row 1 and grid column 0 is column A, so a later problem can
name the exact cell (``Answers!F7``). Nothing is parsed here: "NA" stays "NA", not a missing value.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from caseaudit_lib.errors import AuditDataError, Problem, Severity, excel_cell
from caseaudit_lib.load.encrypted import decrypted, is_encrypted
from caseaudit_lib.load.excel_cells import (
    XML_WORKBOOKS,
    CellFault,
    error_text_faults,
    xml_cell_faults,
)
from caseaudit_lib.load.sheet_choice import SheetInfo, choose_sheet, visibility_name
from caseaudit_lib.load.sources import CSV_EXTENSIONS, EXCEL_EXTENSIONS

HEADER_SEARCH_ROWS = 5
CASE_ID = "case_id"

_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class RawSheet:
    """One sheet of an input file as text, with the row holding its header.

    Attributes:
        file: The file as named in problems.
        name: The sheet name; None for a csv file.
        grid: Every cell as a Python str ("" when empty; object columns); index and columns are
            the zero-based row and column positions in the file.
        header_row: Position of the header row (the first of the top rows with a ``case_id``
            cell), or None when there is none.
        notes: Problems found in reading: which sheet was chosen and why, Excel error cells
            and formulas without a saved value (see :func:`read_audit_sheet`).

    """

    file: str
    name: str | None
    grid: pd.DataFrame
    header_row: int | None
    notes: tuple[Problem, ...] = ()

    @cached_property
    def header_names(self) -> list[str]:
        """Return the header row's cells, trimmed ([] when there is no header row)."""
        if self.header_row is None:
            return []
        return [text.strip() for text in self.grid.iloc[self.header_row]]

    def ref(self, row: int, col: int) -> str:
        """Return a cell reference with its sheet, as in "Answers!A4" ("A4" for csv)."""
        cell = excel_cell(int(row), int(col))
        return f"{self.name}!{cell}" if self.name else cell

    def problem(
        self,
        severity: Severity,
        row: int,
        col: int,
        message: str,
        *,
        value: str | None = None,
        expected: str | None = None,
    ) -> Problem:
        """Return a problem located at one cell, under its column's header."""
        return Problem(
            severity,
            self.file,
            message,
            sheet=self.name,
            cell=excel_cell(int(row), int(col)),
            column=self.header_names[int(col)] if self.header_names else None,
            value=value,
            expected=expected,
        )

    def sheet_problem(self, severity: Severity, message: str, **where: str | None) -> Problem:
        """Return a problem of the whole sheet or of a column (``column=``, ``value=``...)."""
        return Problem(severity, self.file, message, sheet=self.name, **where)


def header_key(text: str) -> str:
    """Return a header cell folded for matching: trimmed, lower-cased, spaces and hyphens as "_"."""
    return _SEPARATORS.sub("_", text.strip().lower())


def find_header_row(grid: pd.DataFrame) -> int | None:
    """Return the position of the first of the top five rows with a ``case_id`` cell, or None."""
    for position, row in enumerate(grid.iloc[:HEADER_SEARCH_ROWS].itertuples(index=False)):
        if any(header_key(cell) == CASE_ID for cell in row):
            return position
    return None


def iter_sheets(path: str | os.PathLike[str]) -> Iterator[RawSheet]:
    """Yield every sheet of a file as a raw grid, one at a time and in workbook order.

    A csv file has one sheet, named None.

    Raises:
        AuditDataError: The file is missing, unreadable, corrupt, not UTF-8 (csv) or of an
            unsupported type; one problem naming the file.

    """
    path = Path(path)
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in EXCEL_EXTENSIONS + CSV_EXTENSIONS:
        raise _file_error(
            file,
            "unsupported extension",
            value=path.suffix or "(none)",
            expected=", ".join(EXCEL_EXTENSIONS + CSV_EXTENSIONS),
        )
    if not path.is_file():
        raise _file_error(file, "file not found")
    if suffix in CSV_EXTENSIONS:
        grid = _read_csv_grid(path, file)
        yield RawSheet(file, None, grid, find_header_row(grid))
        return
    workbook = _open_workbook(workbook_source(path, file), file)
    for name in workbook.sheet_names:
        try:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise _file_error(file, f"cannot read sheet {name!r} ({exc})") from None
        grid = _text_grid(rows)
        yield RawSheet(file, str(name), grid, find_header_row(grid))


def read_audit_sheet(path: str | os.PathLike[str]) -> RawSheet:
    """Return the answers sheet of a file, chosen as :mod:`~caseaudit_lib.load.sheet_choice` says.

    Only the top rows of the other sheets are read, so a workbook with a large reference sheet
    behind the answers costs little more than the answers. The sheet's ``notes`` say which
    sheet was read whenever there was a choice, and name every Excel error cell and formula
    without a saved value (errors: such a cell is not a blank answer).

    Raises:
        AuditDataError: The file cannot be read, is empty, or no sheet has a ``case_id`` header.

    """
    path = Path(path)
    file = str(path)
    source: Path | io.BytesIO = path
    if path.suffix.lower() in EXCEL_EXTENSIONS and path.is_file():
        source = workbook_source(path, file)
        sheet = _choose_workbook_sheet(source, file)
    else:
        sheet = next(iter_sheets(path))
        if sheet.header_row is None:
            raise _no_header(file, bool((sheet.grid != "").any(axis=None)))
    # An .xlsx/.xlsm sheet's XML says which cells are errors; other formats show error cells as
    # their text ("#N/A"), which is all there is to go on.
    if path.suffix.lower() in XML_WORKBOOKS:
        faults = xml_cell_faults(source, str(sheet.name))
    else:
        faults = error_text_faults(sheet.grid)
    if not faults:
        return sheet
    notes = [_fault_problem(sheet, f) for f in sorted(set(faults), key=lambda f: (f.row, f.col))]
    return dataclasses.replace(sheet, notes=sheet.notes + tuple(notes))


def workbook_source(path: Path, file: str) -> Path | io.BytesIO:
    """Return a workbook to read: its path, or, when password-protected, its plain bytes.

    Raises:
        AuditDataError: The workbook is protected and no (right) password was given.

    """
    return decrypted(path, file) if is_encrypted(path) else path


def _open_workbook(source: Path | io.BytesIO, file: str) -> CalamineWorkbook:
    """Return a workbook opened by calamine, from its path or from bytes decrypted in memory."""
    try:
        if isinstance(source, Path):
            return CalamineWorkbook.from_path(str(source))
        source.seek(0)
        return CalamineWorkbook.from_filelike(source)
    except Exception as exc:  # calamine raises several types for a damaged file
        raise _file_error(file, f"cannot read the workbook, it may be corrupt ({exc})") from None


def _choose_workbook_sheet(source: Path | io.BytesIO, file: str) -> RawSheet:
    """Return the answers sheet of a workbook, its choice explained in ``notes``."""
    workbook = _open_workbook(source, file)
    try:
        visibility = {m.name: visibility_name(m.visible) for m in workbook.sheets_metadata}
    except Exception as exc:  # calamine raises several types for a damaged file
        raise _file_error(file, f"cannot read the workbook, it may be corrupt ({exc})") from None
    infos, any_data, parsed = [], False, {}
    for name in workbook.sheet_names:
        try:
            raw = workbook.get_sheet_by_name(name)
            # iter_rows starts at the first used row, to_python at row 1: count from row 1.
            start = raw.start[0] if raw.start else 0
            top = list(itertools.islice(raw.iter_rows(), max(0, HEADER_SEARCH_ROWS - start)))
        except Exception as exc:
            raise _file_error(file, f"cannot read sheet {name!r} ({exc})") from None
        grid = _text_grid([list(row) for row in top])
        any_data = any_data or bool((grid != "").any(axis=None))
        has_header = find_header_row(grid) is not None
        if has_header:
            parsed[name] = raw  # kept: only a sheet with a header can be the one read
        infos.append(SheetInfo(str(name), visibility.get(name, "visible"), has_header))
    choice = choose_sheet(file, infos)
    if choice.name is None:
        raise _no_header(file, any_data)
    try:
        # The sheet parsed above, not parsed again: that is most of the cost of a read.
        rows = parsed[choice.name].to_python(skip_empty_area=False)
    except Exception as exc:
        raise _file_error(file, f"cannot read sheet {choice.name!r} ({exc})") from None
    grid = _text_grid(rows)
    return RawSheet(file, choice.name, grid, find_header_row(grid), choice.notes)


def _no_header(file: str, any_data: bool) -> AuditDataError:
    if not any_data:
        return _file_error(file, "empty file: no sheet holds any data")
    return _file_error(
        file,
        "no sheet has a 'case_id' header cell",
        expected=f"a header row with a 'case_id' cell within the first {HEADER_SEARCH_ROWS} rows",
    )


def _fault_problem(sheet: RawSheet, fault: CellFault) -> Problem:
    """Return an error naming a cell that holds an Excel error or an unsaved formula."""
    column = None
    if sheet.header_row is not None and fault.row > sheet.header_row:
        headers = sheet.header_names
        column = headers[fault.col] if fault.col < len(headers) and headers[fault.col] else None
    message = fault.text
    if fault.text.startswith("formula"):
        message += " (the workbook was saved by a program, not Excel: open it in Excel and save)"
    return Problem(
        "error",
        sheet.file,
        message,
        sheet=sheet.name,
        cell=excel_cell(fault.row, fault.col),
        column=column,
    )


def _read_csv_grid(path: Path, file: str) -> pd.DataFrame:
    # The csv module rather than pandas.read_csv: descriptive rows above the header are often
    # shorter than the data rows, which pandas rejects, and it must never turn "NA" into NaN.
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(
            file, "the file is not UTF-8 text", expected="a csv saved as 'CSV UTF-8'"
        ) from None
    except OSError as exc:
        raise _file_error(file, f"cannot read the file ({exc.strerror})") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text)))
    except csv.Error as exc:
        raise _file_error(file, f"cannot read the csv file ({exc})") from None
    width = max((len(row) for row in rows), default=0)
    return pd.DataFrame(
        [row + [""] * (width - len(row)) for row in rows],
        columns=pd.RangeIndex(width),
        dtype=object,
    )


def _sniff_delimiter(text: str) -> str:
    """Return "," or ";": the one that splits a case_id header cell off, else the commoner one."""
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    for delimiter in (",", ";"):
        for row in csv.reader(io.StringIO(head), delimiter=delimiter):
            if any(header_key(cell) == CASE_ID for cell in row):
                return delimiter
    try:
        return csv.Sniffer().sniff(head, delimiters=",;").delimiter
    except csv.Error:
        return ","


def _text_grid(rows: list[list[object]]) -> pd.DataFrame:
    """Return a grid of str from a sheet's cell values, positions kept.

    python-calamine is called directly rather than through ``pandas.read_excel``: pandas converts
    every cell in Python before parsing again, which costs a third of the read. Here columns that
    hold only text (most of an audit) are taken as they are and only the others are converted.
    """
    width = max((len(row) for row in rows), default=0)
    grid = pd.DataFrame(rows, columns=pd.RangeIndex(width), dtype=object)
    for col in grid.columns:
        values = grid[col].to_numpy()
        if pd.api.types.infer_dtype(values, skipna=False) != "string":
            grid[col] = [cell_text(value) for value in values]
    return grid


def cell_text(value: object) -> str:
    """Return a spreadsheet cell's value as the text a user would see in the cell.

    Shared by the loader and the leak check (:mod:`caseaudit_lib.privacy.leakcheck`), so that a
    value read from an input and the same value found in an export are written alike. A
    whole-number float is written without ".0" (calamine reads every number as a float, so a
    typed 1 arrives as 1.0); a date, or a date-time at midnight (what openpyxl and some readers
    give for a date cell), as YYYY-MM-DD; another date-time as "YYYY-MM-DD HH:MM:SS".
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _file_error(
    file: str, message: str, *, value: str | None = None, expected: str | None = None
) -> AuditDataError:
    return AuditDataError([Problem("error", file, message, value=value, expected=expected)])
