"""Many scoring files read and validated as one audit: one workbook per auditor, say.

Each file is read and validated on its own, so every problem still names its own file, sheet
and cell; then what only the files together can show is checked: the same case (``case_id``
and marking) in two files is an error naming both, a case marked ``second`` in one file and
first in another is moderation (as within one file), and files whose question columns belong
to different frameworks are an error. The files' cases and answers are then stacked in file
order, so an audit split across files scores exactly as the same answers in one file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from caseaudit_lib.errors import AuditDataError, Problem
from caseaudit_lib.framework.model import Framework, available_frameworks, load_framework
from caseaudit_lib.load.reading import CASE_ID, RawSheet, header_key, read_audit_sheet
from caseaudit_lib.load.sources import DataSpec, data_files
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig
from caseaudit_lib.validate.shared import ValidatedSheet
from caseaudit_lib.validate.sheet import validate_sheet

NO_FIRST_MARKING = "second marking of a case with no first marking"


@dataclass(frozen=True)
class CaseRow:
    """Where one marking of a case starts in a file: for the checks across files."""

    case_id: str
    marking: str
    sheet: RawSheet
    row: int
    col: int


def read_workbooks(spec: DataSpec) -> tuple[list[RawSheet], list[Problem]]:
    """Return the answer sheet of every scoring file a spec names, and the files' read errors.

    A file that cannot be read is a problem, not a stop: the other files are still read, so
    the analyst sees every file's problems at once.

    Raises:
        AuditDataError: A folder holds no scoring file, or a glob matches none.

    """
    sheets: list[RawSheet] = []
    problems: list[Problem] = []
    for path in data_files(spec):
        try:
            sheets.append(read_audit_sheet(path))
        except AuditDataError as error:
            problems += error.problems
    return sheets, problems


def validate_workbooks(
    sheets: Sequence[RawSheet], framework: Framework, privacy: PrivacyConfig | None = None
) -> ValidatedSheet:
    """Return the cases, answers and problems of several answer sheets taken as one audit.

    Args:
        sheets: The answer sheets, one per file, in the order their cases are to be stacked.
        framework: The framework the answers belong to.
        privacy: Columns it drops or pseudonymises are case columns, never questions.

    """
    results = [_validate_one(sheet, framework, privacy) for sheet in sheets]
    if len(results) == 1:
        return results[0]
    rows = [case_rows(sheet) for sheet in sheets]
    firsts = {r.case_id for file_rows in rows for r in file_rows if r.marking == "first"}
    problems: list[Problem] = []
    for result, file_rows in zip(results, rows, strict=True):
        problems += _without_moderated_seconds(result.problems, file_rows, firsts)
    problems += clashes(rows)
    problems += framework_mismatches(sheets, framework)
    n_q = len(framework.questions)
    return ValidatedSheet(
        cases=pd.concat([r.cases for r in results], ignore_index=True).fillna(""),
        answers=np.concatenate([r.answers for r in results]).reshape(-1, n_q),
        applies=np.concatenate([r.applies for r in results]).reshape(-1, n_q),
        comments=np.concatenate([r.comments for r in results]).reshape(-1, n_q),
        problems=problems,
    )


def _validate_one(
    sheet: RawSheet, framework: Framework, privacy: PrivacyConfig | None
) -> ValidatedSheet:
    """Validate one sheet, reading's notes first: which sheet was read comes before its faults."""
    try:
        validated = validate_sheet(sheet, framework, privacy)
    except AuditDataError as error:
        raise AuditDataError([*sheet.notes, *error.problems]) from None
    validated.problems[:0] = sheet.notes
    return validated


def case_rows(sheet: RawSheet) -> list[CaseRow]:
    """Return the first row of each (case_id, marking) of a sheet, wide or long layout."""
    if sheet.header_row is None:
        return []
    keys = [header_key(name) for name in sheet.header_names]
    if CASE_ID not in keys:
        return []
    id_col = keys.index(CASE_ID)
    body = sheet.grid.iloc[sheet.header_row + 1 :]
    ids = body[id_col].astype(str).str.strip()
    if "marking" in keys:
        marking = body[keys.index("marking")].astype(str).str.strip().str.lower()
        marking = marking.replace("", "first")
    else:
        marking = pd.Series("first", index=body.index)
    seen: set[tuple[str, str]] = set()
    out = []
    for row, case_id, mark in zip(body.index, ids, marking, strict=True):
        if case_id and (case_id, mark) not in seen:
            seen.add((case_id, mark))
            out.append(CaseRow(case_id, mark, sheet, int(row), id_col))
    return out


def clashes(rows: Sequence[Sequence[CaseRow]]) -> list[Problem]:
    """Return an error for each case marked the same way (first, or second) in two files."""
    first_seen: dict[tuple[str, str], CaseRow] = {}
    problems = []
    for file_rows in rows:
        here: dict[tuple[str, str], CaseRow] = {}
        for r in file_rows:
            key = (r.case_id, r.marking)
            other = first_seen.get(key)
            if other is not None:
                problems.append(
                    r.sheet.problem(
                        "error",
                        r.row,
                        r.col,
                        f"the same case in two files: case_id and marking ({r.marking}) as "
                        f"{other.sheet.file} {other.sheet.ref(other.row, other.col)}",
                        expected="one first marking per case; mark a re-marking 'second'",
                    )
                )
            here.setdefault(key, r)
        for key, r in here.items():
            first_seen.setdefault(key, r)
    return problems


def _without_moderated_seconds(
    problems: list[Problem], file_rows: Sequence[CaseRow], firsts: set[str]
) -> list[Problem]:
    """Return a file's problems without "no first marking" for cases first-marked elsewhere."""
    cells = {
        r.sheet.ref(r.row, r.col).split("!")[-1]: r.case_id
        for r in file_rows
        if r.marking == "second"
    }
    return [
        p
        for p in problems
        if not (p.message == NO_FIRST_MARKING and cells.get(p.cell or "") in firsts)
    ]


def question_headers(sheet: RawSheet) -> set[str]:
    """Return the question ids a sheet answers: its question_id values, or its header cells."""
    if sheet.header_row is None:
        return set()
    keys = [header_key(name) for name in sheet.header_names]
    if {"question_id", "answer"} <= set(keys):
        body = sheet.grid.iloc[sheet.header_row + 1 :]
        values = body[keys.index("question_id")].astype(str).str.strip()
        return set(values[values != ""])
    return {name for name in sheet.header_names if name}


def framework_mismatches(sheets: Sequence[RawSheet], framework: Framework) -> list[Problem]:
    """Return an error for each file whose question columns are another framework's.

    A file's framework is the one, of the audit's and the shipped ones, that holds most of its
    question columns; a file with none of them is left to the per-file checks.
    """
    candidates = {framework.id: set(framework.question_ids)}
    for name in available_frameworks():
        if name != framework.id:
            candidates[name] = set(load_framework(name).question_ids)
    problems = []
    for sheet in sheets:
        headers = question_headers(sheet)
        overlap = {name: len(headers & ids) for name, ids in candidates.items()}
        best = max(overlap, key=lambda name: (overlap[name], name == framework.id))
        if overlap[best] and best != framework.id and overlap[best] > overlap[framework.id]:
            problems.append(
                sheet.sheet_problem(
                    "error",
                    f"the question columns are those of framework {best}, not of the audit's "
                    f"framework {framework.id}",
                    expected=f"every file filled in on the {framework.id} form",
                )
            )
    return problems
