"""What the wide and long layouts share: the result of a sheet, its case table, its answer grid.

Both layouts end as the same :class:`ValidatedSheet`. :mod:`caseaudit_lib.validate.wide` and
:mod:`caseaudit_lib.validate.long` sort a sheet's columns and rows their own way, then build the
cases table with :func:`case_table` and the answer grid with :func:`finish_sheet`, so the two
layouts check case columns and answers alike. These names are public for those two modules.
Work is done on whole columns and arrays; Python loops run only over columns and over the
problems found.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from caseaudit_lib.errors import Problem
from caseaudit_lib.framework.model import Framework
from caseaudit_lib.load.answers import (
    ANSWER_LEVELS,
    EXPECTED_ANSWER,
    NOT_ANSWERED,
    NOT_APPLICABLE,
    NOT_SUFFICIENT,
    SUFFICIENT,
    normalise_answers,
)
from caseaudit_lib.load.reading import CASE_ID, RawSheet
from caseaudit_lib.validate.characters import hidden_characters, hidden_in, hidden_message

REQUIRED_COLUMNS = (CASE_ID, "auditor", "case_type")
CASE_COLUMNS = (*REQUIRED_COLUMNS, "marking")
LONG_COLUMNS = ("question_id", "answer", "comment")
MARKINGS = ("first", "second")
COMMENT_SUFFIX = "_comment"

# A header row with more problem columns than this is one line: how many, and the first few.
HEADER_PROBLEMS_SHOWN = 5
_CODE = {level: code for code, level in enumerate(ANSWER_LEVELS)}


@dataclass
class ValidatedSheet:
    """What validation makes of one sheet.

    Attributes:
        cases: One row per marking, in file order: case_id (as in the file), marking, auditor,
            case_type (framework id), then the other case columns under their headers.
        answers: Answer codes into ``ANSWER_LEVELS``, shape (cases, framework questions), with
            "not applicable" wherever a question does not apply to the case type.
        applies: Whether each question applies to each case, same shape.
        comments: Comment texts ("" for none), same shape.
        problems: Every problem found, errors and warnings.

    """

    cases: pd.DataFrame
    answers: np.ndarray
    applies: np.ndarray
    comments: np.ndarray
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Return the problems that stop the audit being loaded."""
        return [p for p in self.problems if p.severity == "error"]


@dataclass
class Observations:
    """Answer cells as parallel arrays: which case, which question (-1: none), text, where.

    Attributes:
        case: The case (row of the cases table) of each answer cell.
        question: The framework question of each cell, -1 when it is none (unknown or repeated).
        raw: The cell's text, as in the file.
        row: The cell's 0-based sheet row, for its reference.
        col: The cell's 0-based sheet column.

    """

    case: np.ndarray
    question: np.ndarray
    raw: np.ndarray
    row: np.ndarray
    col: np.ndarray


def finish_sheet(
    cases: pd.DataFrame,
    obs: Observations,
    comments: np.ndarray,
    problems: list[Problem],
    sheet: RawSheet,
    framework: Framework,
) -> ValidatedSheet:
    """Return the validated sheet of a cases table and its answer cells.

    Normalises the answers, applies the framework's applicability and adds a problem for each
    unknown answer and each answer to a question that does not apply.
    """
    qids = framework.question_ids
    codes = normalise_answers(obs.raw).codes.astype(np.int8)
    for i in np.flatnonzero(codes < 0):
        text = str(obs.raw[i])
        problems.append(
            sheet.problem(
                "error",
                obs.row[i],
                obs.col[i],
                hidden_message("unknown answer: it", text)
                if hidden_characters(text)
                else "unknown answer",
                value=text,
                expected=EXPECTED_ANSWER,
            )
        )
    table = framework.applicability()
    ct_index = table.index.get_indexer(cases["case_type"].to_numpy())
    # A case of unknown type is already an error; treating every question as applying to it
    # still lets its answers be checked.
    applies = np.ones((len(cases), len(qids)), dtype=bool)
    known = ct_index >= 0
    applies[known] = table.to_numpy(dtype=bool)[ct_index[known]]

    grid = np.full((len(cases), len(qids)), _CODE[NOT_ANSWERED], dtype=np.int8)
    ok = (obs.question >= 0) & (codes >= 0)
    grid[obs.case[ok], obs.question[ok]] = codes[ok]

    answered = ok & ((codes == _CODE[SUFFICIENT]) | (codes == _CODE[NOT_SUFFICIENT]))
    surplus = np.flatnonzero(answered & ~applies[obs.case, np.maximum(obs.question, 0)])
    case_types = cases["case_type"].to_numpy()
    for i in surplus:
        qid, case_type = qids[obs.question[i]], case_types[obs.case[i]]
        problems.append(
            sheet.problem(
                "warning",
                obs.row[i],
                obs.col[i],
                f"question {qid} does not apply to case type {case_type}; "
                "treated as not applicable",
                value=str(obs.raw[i]),
            )
        )
    grid[~applies] = _CODE[NOT_APPLICABLE]
    return ValidatedSheet(cases, grid, applies, comments, problems)


def case_table(
    rows: pd.DataFrame,
    case_cols: dict[str, int],
    attr_cols: dict[str, int],
    sheet: RawSheet,
    framework: Framework,
    *,
    check_case_id: bool = True,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Return the cases table of some rows, and the problems of its case columns."""
    problems: list[Problem] = []
    index = rows.index.to_numpy()

    def blank(name: str, values: pd.Series) -> None:
        for row in index[(values == "").to_numpy()]:
            problems.append(
                sheet.problem(
                    "error",
                    row,
                    case_cols[name],
                    f"blank {name}",
                    expected=f"the {name.replace('_', ' ')} of every case",
                )
            )

    case_id = column_text(rows, case_cols.get(CASE_ID))
    auditor = column_text(rows, case_cols.get("auditor"))
    if check_case_id and CASE_ID in case_cols:
        blank(CASE_ID, case_id)
    if "auditor" in case_cols:
        blank("auditor", auditor)
    for name, values in ((CASE_ID, case_id), ("auditor", auditor)):
        if name in case_cols:  # in the long layout, the first row of each case
            for row, value in zip(index[hidden_in(values).to_numpy()], values[hidden_in(values)],
                                  strict=True):  # fmt: skip
                problems.append(
                    sheet.problem(
                        "error", row, case_cols[name], hidden_message(name, value), value=value
                    )
                )

    raw_type = column_text(rows, case_cols.get("case_type"))
    uniques = raw_type.unique()
    case_type = raw_type.map(dict(zip(uniques, map(framework.case_type_id, uniques), strict=True)))
    if "case_type" in case_cols:
        for row, value in zip(
            index[case_type.isna().to_numpy()], raw_type[case_type.isna()], strict=True
        ):
            problems.append(
                sheet.problem(
                    "error",
                    row,
                    case_cols["case_type"],
                    "blank case_type"
                    if value == ""
                    else hidden_message("unknown case_type: it", value)
                    if hidden_characters(value)
                    else "unknown case_type",
                    value=value,
                    expected="one of " + ", ".join(framework.case_types) + " (or a label "
                    "or alias of the framework)",
                )
            )

    marking = column_text(rows, case_cols.get("marking")).str.lower().replace("", "first")
    for row, value in zip(
        index[~marking.isin(MARKINGS).to_numpy()], marking[~marking.isin(MARKINGS)], strict=True
    ):
        problems.append(
            sheet.problem(
                "error",
                row,
                case_cols["marking"],
                "unknown marking",
                value=value,
                expected="first (or blank) or second",
            )
        )

    cases = pd.DataFrame(
        {
            CASE_ID: case_id.to_numpy(),
            "marking": marking.to_numpy(),
            "auditor": auditor.to_numpy(),
            "case_type": case_type.fillna("").to_numpy(),
            **{name: rows[col].str.strip().to_numpy() for name, col in attr_cols.items()},
        }
    )
    return cases, problems


def duplicate_column(sheet: RawSheet, header_row: int, col: int, first: int) -> Problem:
    """Return the error of a header cell that repeats an earlier column (at ``first``)."""
    return sheet.problem(
        "error",
        header_row,
        col,
        "duplicate column",
        value=sheet.header_names[col],
        expected=f"one column (the first is {sheet.ref(header_row, first)})",
    )


def header_summary(problems: list[Problem], what: str) -> list[Problem]:
    """Return a header row's problems of one kind: each, or one line when there are many."""
    if len(problems) <= HEADER_PROBLEMS_SHOWN:
        return problems
    first = problems[0]
    shown = ", ".join(repr(p.value if p.value is not None else p.cell) for p in problems[:3])
    return [
        replace(
            first,
            message=f"{len(problems)} {what}, the first at {first.cell}: {shown}, ...",
            column=None,
            value=None,
        )
    ]


def missing_columns(case_cols: dict[str, int], sheet: RawSheet, header_row: int) -> list[Problem]:
    """Return an error for each required column with no header cell."""
    return [
        sheet.sheet_problem(
            "error",
            "missing required column",
            column=name,
            expected=f"a header cell {name!r} in row {header_row + 1}",
        )
        for name in REQUIRED_COLUMNS
        if name not in case_cols
    ]


def column_text(rows: pd.DataFrame, col: int | None) -> pd.Series:
    """Return a column's trimmed text, or blanks when the column is missing."""
    if col is None:
        return pd.Series("", index=rows.index, dtype=str)
    return rows[col].str.strip()
