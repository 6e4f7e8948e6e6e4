"""A scoring form with no cases: fine to validate, refused before anything is scored or built.

``caseaudit validate`` warns on a blank form (that is how a new form is checked), but ``score``,
``report`` and ``batch`` stop at once with one line naming the file (exit 2), rather than part way
through the notebooks with a message cut short. :func:`require_cases` reads only the raw sheet,
so the check costs a fraction of loading the audit.
"""

from __future__ import annotations

from caseaudit_lib.errors import AuditDataError, Problem
from caseaudit_lib.load.reading import read_audit_sheet
from caseaudit_lib.load.sources import DataSpec, data_files

BLANK_FORM = "no cases to score: the form is blank"


def blank_form_error(file: str) -> AuditDataError:
    """Return the one-line error of a scoring file with no case rows."""
    return AuditDataError([Problem("error", file, BLANK_FORM, expected="one row per case audited")])


def has_cases(path: DataSpec) -> bool:
    """Return whether the scoring files named (file, folder or glob) hold a case row not blank.

    Raises:
        AuditDataError: The file cannot be read or has no ``case_id`` header.

    """
    for file in data_files(path):
        sheet = read_audit_sheet(file)
        if sheet.header_row is None:
            continue
        body = sheet.grid.iloc[sheet.header_row + 1 :].to_numpy(dtype=object)
        if (body != "").any():
            return True
    return False


def require_cases(path: DataSpec, file: str | None = None) -> None:
    """Raise the blank-form error unless the scoring file holds at least one case row.

    Raises:
        AuditDataError: No case rows (or the file cannot be read), one line naming the file.

    """
    if not has_cases(path):
        raise blank_form_error(file or str(path))
