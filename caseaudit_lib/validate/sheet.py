"""Validating one sheet: picking its layout (wide or long) and ordering its problems by cell.

Both layouts end as the same :class:`~caseaudit_lib.validate.shared.ValidatedSheet`: a cases
table (one row per marking) and a grid of answer codes, cases by framework questions.
:mod:`caseaudit_lib.validate.wide` reads one row per marking, :mod:`caseaudit_lib.validate.long`
one row per answer, and :mod:`caseaudit_lib.validate.shared` holds what both use. Problems are
collected, not raised, so the analyst sees them all at once, each naming its cell.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from caseaudit_lib.errors import Problem
from caseaudit_lib.framework.model import Framework
from caseaudit_lib.load.reading import CASE_ID, RawSheet, header_key
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig
from caseaudit_lib.validate.long import validate_long
from caseaudit_lib.validate.shared import ValidatedSheet
from caseaudit_lib.validate.wide import validate_wide

_CELL = re.compile(r"([A-Z]+)(\d+)")


def validate_sheet(
    sheet: RawSheet, framework: Framework, privacy: PrivacyConfig | None = None
) -> ValidatedSheet:
    """Return the cases, answers and problems of a sheet whose header row is known.

    Args:
        sheet: The raw sheet, as from :func:`caseaudit_lib.load.reading.read_audit_sheet`.
        framework: The framework the answers belong to.
        privacy: Columns it drops or pseudonymises are always case columns, never questions.

    """
    privacy = privacy or PrivacyConfig()
    header_row = sheet.header_row
    if header_row is None:
        problem = sheet.sheet_problem("error", "no 'case_id' header cell in the first rows")
        return _empty(framework, [problem])
    keys = pd.Series([header_key(text) for text in sheet.header_names])
    body = sheet.grid.iloc[header_row + 1 :]
    body = body[(body.to_numpy(dtype=object) != "").any(axis=1)]
    if body.empty:
        # A header with no cases is a blank form (what `caseaudit template` writes): worth a
        # warning, not an error; scoring it is refused later, where there is nothing to score.
        problem = sheet.sheet_problem(
            "warning",
            "no cases yet: a blank form with no rows below the header row",
            expected="one row per case before it can be scored",
        )
        return _empty(framework, [problem])
    if {"question_id", "answer"} <= set(keys):
        result = validate_long(body, keys, header_row, sheet, framework)
    else:
        result = validate_wide(body, keys, header_row, sheet, framework, privacy)
    result.problems.sort(key=_position)
    return result


def _position(problem: Problem) -> tuple[int, int]:
    """Return (row, column) of a problem's cell for sorting; problems of the whole sheet first."""
    match = _CELL.fullmatch(problem.cell or "")
    if not match:
        return (-1, -1)
    col = 0
    for letter in match[1]:
        col = col * 26 + ord(letter) - 64
    return (int(match[2]), col)


def _empty(framework: Framework, problems: list[Problem]) -> ValidatedSheet:
    """Return a sheet with no cases, only problems."""
    n_q = len(framework.question_ids)
    cases = pd.DataFrame(
        {c: pd.Series(dtype=str) for c in (CASE_ID, "marking", "auditor", "case_type")}
    )
    return ValidatedSheet(
        cases,
        np.empty((0, n_q), dtype=np.int8),
        np.empty((0, n_q), dtype=bool),
        np.empty((0, n_q), dtype=object),
        problems,
    )
