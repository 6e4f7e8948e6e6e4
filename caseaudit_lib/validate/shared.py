"""Turning a raw grid into the tidy cases and answers of an audit, with every problem found.

Both layouts end as the same thing: a cases table (one row per marking) and a grid of answer
codes, cases by framework questions. This module reads the wide layout (one row per marking) and
holds what both layouts share; :mod:`caseaudit_lib.validate.long` reads the long one (one row per
answer). Problems are collected, not raised, so the analyst sees them all at once, each naming its
cell. Work is done on whole columns and arrays; Python loops run only over columns and over the
problems found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
from caseaudit_lib.load.reading import CASE_ID, RawSheet, header_key
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig

REQUIRED_COLUMNS = (CASE_ID, "auditor", "case_type")
CASE_COLUMNS = (*REQUIRED_COLUMNS, "marking")
LONG_COLUMNS = ("question_id", "answer", "comment")
MARKINGS = ("first", "second")
COMMENT_SUFFIX = "_comment"

_CELL = re.compile(r"([A-Z]+)(\d+)")
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
        # Imported here: long_layout builds on this module's helpers, so it imports this one.
        from caseaudit_lib.validate.long import validate_long

        result = validate_long(body, keys, header_row, sheet, framework)
    else:
        result = _validate_wide(body, keys, header_row, sheet, framework, privacy)
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


def _validate_wide(
    body: pd.DataFrame,
    keys: pd.Series,
    header_row: int,
    sheet: RawSheet,
    framework: Framework,
    privacy: PrivacyConfig,
) -> ValidatedSheet:
    problems: list[Problem] = []
    qids = framework.question_ids
    known = set(qids)
    folded = {q.lower(): q for q in qids}
    case_cols: dict[str, int] = {}
    attr_cols: dict[str, int] = {}
    question_cols: dict[str, int] = {}
    comment_cols: dict[str, int] = {}
    seen_question = False
    for col, key in keys.items():
        text = sheet.header_names[col]
        target: dict[str, int] | None = None
        name = text
        if not text:
            if (body[col] != "").any():
                problems.append(
                    sheet.problem("warning", header_row, col, "column without a header is ignored")
                )
            continue
        if key in CASE_COLUMNS:
            target, name = case_cols, key
        elif text in known:
            target, seen_question = question_cols, True
        elif text.endswith(COMMENT_SUFFIX) and text.removesuffix(COMMENT_SUFFIX) in known:
            target, name = comment_cols, text.removesuffix(COMMENT_SUFFIX)
        elif privacy.action(text) is None and (
            seen_question or text.lower().removesuffix(COMMENT_SUFFIX) in folded
        ):
            hint = folded.get(text.lower().removesuffix(COMMENT_SUFFIX))
            expected = (
                f"{hint!r} (question ids match exactly)"
                if hint
                else f"a question id of framework {framework.id}; case columns go before "
                "the first question"
            )
            problems.append(
                sheet.problem(
                    "error", header_row, col, "unknown question id", value=text, expected=expected
                )
            )
            continue
        else:
            target = attr_cols
        if name in target:
            problems.append(_duplicate_column(sheet, header_row, col, target[name]))
            continue
        target[name] = col
    problems += _missing_columns(case_cols, sheet, header_row)

    cases, case_problems = _case_table(body, case_cols, attr_cols, sheet, framework)
    problems += case_problems
    problems += _duplicate_cases(cases, body.index.to_numpy(), case_cols.get(CASE_ID, 0), sheet)

    q_index = {q: i for i, q in enumerate(qids)}
    cols = list(question_cols.values())
    n, k = len(body), len(cols)
    obs = _Observations(
        case=np.repeat(np.arange(n), k),
        question=np.tile(np.array([q_index[q] for q in question_cols], dtype=int), n),
        raw=body[cols].to_numpy(dtype=object).ravel() if k else np.array([], dtype=object),
        row=np.repeat(body.index.to_numpy(), k),
        col=np.tile(np.array(cols, dtype=int), n),
    )
    comments = np.full((n, len(qids)), "", dtype=object)
    for qid, col in comment_cols.items():
        comments[:, q_index[qid]] = body[col].str.strip().to_numpy(dtype=object)
    for qid in qids:
        if qid not in question_cols:
            problems.append(
                sheet.sheet_problem(
                    "warning", f"no column for question {qid}; counted as not answered", column=qid
                )
            )
    return _finish(cases, obs, comments, problems, sheet, framework)


@dataclass
class _Observations:
    """Answer cells as parallel arrays: which case, which question (-1: none), text, where."""

    case: np.ndarray
    question: np.ndarray
    raw: np.ndarray
    row: np.ndarray
    col: np.ndarray


def _finish(
    cases: pd.DataFrame,
    obs: _Observations,
    comments: np.ndarray,
    problems: list[Problem],
    sheet: RawSheet,
    framework: Framework,
) -> ValidatedSheet:
    """Normalise the answers, apply applicability and report unknown or surplus answers."""
    qids = framework.question_ids
    codes = normalise_answers(obs.raw).codes.astype(np.int8)
    for i in np.flatnonzero(codes < 0):
        problems.append(
            sheet.problem(
                "error",
                obs.row[i],
                obs.col[i],
                "unknown answer",
                value=str(obs.raw[i]),
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


def _case_table(
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

    case_id = _column(rows, case_cols.get(CASE_ID))
    auditor = _column(rows, case_cols.get("auditor"))
    if check_case_id and CASE_ID in case_cols:
        blank(CASE_ID, case_id)
    if "auditor" in case_cols:
        blank("auditor", auditor)

    raw_type = _column(rows, case_cols.get("case_type"))
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
                    "blank case_type" if value == "" else "unknown case_type",
                    value=value,
                    expected="one of " + ", ".join(framework.case_types) + " (or a label "
                    "or alias of the framework)",
                )
            )

    marking = _column(rows, case_cols.get("marking")).str.lower().replace("", "first")
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


def _duplicate_cases(
    cases: pd.DataFrame, rows: np.ndarray, id_col: int, sheet: RawSheet
) -> list[Problem]:
    """Return an error for each repeat of a (case_id, marking) pair, naming the first cell."""
    problems = []
    ids = cases[CASE_ID]
    dup = cases.duplicated([CASE_ID, "marking"], keep="first").to_numpy() & (ids != "").to_numpy()
    if dup.any():
        first = (
            pd.Series(rows)
            .groupby([ids.to_numpy(), cases["marking"].to_numpy()])
            .transform("first")
        )
        for i in np.flatnonzero(dup):
            problems.append(
                sheet.problem(
                    "error",
                    rows[i],
                    id_col,
                    f"duplicate case: same case_id and marking ({cases['marking'].iloc[i]}) "
                    f"as {sheet.ref(first.iloc[i], id_col)}",
                )
            )
    seconds = (cases["marking"] == "second") & (ids != "")
    firsts = set(ids[cases["marking"] == "first"])
    for i in np.flatnonzero((seconds & ~ids.isin(firsts)).to_numpy()):
        problems.append(
            sheet.problem(
                "warning", rows[i], id_col, "second marking of a case with no first marking"
            )
        )
    return problems


def _duplicate_column(sheet: RawSheet, header_row: int, col: int, first: int) -> Problem:
    return sheet.problem(
        "error",
        header_row,
        col,
        "duplicate column",
        value=sheet.header_names[col],
        expected=f"one column (the first is {sheet.ref(header_row, first)})",
    )


def _missing_columns(case_cols: dict[str, int], sheet: RawSheet, header_row: int) -> list[Problem]:
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


def _column(rows: pd.DataFrame, col: int | None) -> pd.Series:
    """Return a column's trimmed text, or blanks when the column is missing."""
    if col is None:
        return pd.Series("", index=rows.index, dtype=str)
    return rows[col].str.strip()


def _empty(framework: Framework, problems: list[Problem]) -> ValidatedSheet:
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
