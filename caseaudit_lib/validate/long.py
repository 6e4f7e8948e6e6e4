"""Validation of the long layout: one row per case, marking and question, with its answer.

The rows of one marking of a case must agree on the case columns; they become one case of the
same tables the wide layout makes (see :mod:`caseaudit_lib.validate.shared`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseaudit_lib.errors import Problem
from caseaudit_lib.framework.model import Framework
from caseaudit_lib.load.reading import CASE_ID, RawSheet
from caseaudit_lib.validate.shared import (
    CASE_COLUMNS,
    LONG_COLUMNS,
    Observations,
    ValidatedSheet,
    case_table,
    column_text,
    duplicate_column,
    finish_sheet,
    missing_columns,
)


def validate_long(
    body: pd.DataFrame,
    keys: pd.Series,
    header_row: int,
    sheet: RawSheet,
    framework: Framework,
) -> ValidatedSheet:
    """Return the cases, answers and problems of the rows below the header of a long sheet.

    Args:
        body: The non-blank rows below the header row, indexed by sheet row.
        keys: The header keys (lower-cased header texts), by column.
        header_row: The 0-based row of the header.
        sheet: The raw sheet, for header names and cell references.
        framework: The framework the answers belong to.

    """
    problems: list[Problem] = []
    case_cols: dict[str, int] = {}
    attr_cols: dict[str, int] = {}
    long_cols: dict[str, int] = {}
    for col, key in keys.items():
        text = sheet.header_names[col]
        if not text:
            continue
        target = (
            case_cols if key in CASE_COLUMNS else long_cols if key in LONG_COLUMNS else attr_cols
        )
        name = key if target is not attr_cols else text
        if name in target:
            problems.append(duplicate_column(sheet, header_row, col, target[name]))
            continue
        target[name] = col
    problems += missing_columns(case_cols, sheet, header_row)

    # One case per (case_id, marking), in order of first appearance.
    rows = body.index.to_numpy()
    ids = column_text(body, case_cols.get(CASE_ID))
    marking = column_text(body, case_cols.get("marking")).str.lower().replace("", "first")
    case_of_row, _ = pd.factorize(ids + "\x1f" + marking)
    first = np.unique(case_of_row, return_index=True)[1]
    agreeing = {n: c for n, c in case_cols.items() if n not in (CASE_ID, "marking")}
    for name, col in {**agreeing, **attr_cols}.items():
        values = body[col].str.strip().to_numpy(dtype=object)
        for i in np.flatnonzero(values != values[first][case_of_row]):
            problems.append(
                sheet.problem(
                    "error",
                    rows[i],
                    col,
                    "differs from the first row of the same case",
                    expected=f"the same {name} as {sheet.ref(rows[first[case_of_row[i]]], col)}",
                )
            )
    if CASE_ID in case_cols:
        col = case_cols[CASE_ID]
        for row in rows[(ids == "").to_numpy()]:
            problems.append(sheet.problem("error", row, col, "blank case_id", expected="a case id"))
    cases, case_problems = case_table(
        body.iloc[first], case_cols, attr_cols, sheet, framework, check_case_id=False
    )
    problems += case_problems

    q_index = {q: i for i, q in enumerate(framework.question_ids)}
    q_col = long_cols["question_id"]
    qids = body[q_col].str.strip()
    question = qids.map(q_index).fillna(-1).astype(int).to_numpy()
    for i in np.flatnonzero(question < 0):
        problems.append(
            sheet.problem(
                "error",
                rows[i],
                q_col,
                "blank question_id" if qids.iloc[i] == "" else "unknown question id",
                value=qids.iloc[i],
                expected=f"a question id of framework {framework.id}",
            )
        )
    key = case_of_row * (len(q_index) + 1) + question + 1  # unique per (case, question or -1)
    repeat = pd.Series(key).duplicated().to_numpy() & (question >= 0)
    if repeat.any():
        first_of = pd.Series(np.arange(len(key))).groupby(key).transform("first").to_numpy()
        for i in np.flatnonzero(repeat):
            problems.append(
                sheet.problem(
                    "error",
                    rows[i],
                    q_col,
                    "duplicate answer: same case, marking and question",
                    value=qids.iloc[i],
                    expected=f"one row (the first is {sheet.ref(rows[first_of[i]], q_col)})",
                )
            )
        question = np.where(repeat, -1, question)
    a_col = long_cols["answer"]
    obs = Observations(
        case=case_of_row,
        question=question,
        raw=body[a_col].to_numpy(dtype=object),
        row=rows,
        col=np.full(len(rows), a_col),
    )
    comments = np.full((len(first), len(q_index)), "", dtype=object)
    if "comment" in long_cols:
        ok = question >= 0
        comments[case_of_row[ok], question[ok]] = (
            body[long_cols["comment"]].str.strip().to_numpy(dtype=object)[ok]
        )
    for qid in sorted(set(q_index) - set(qids), key=q_index.get):
        problems.append(
            sheet.sheet_problem(
                "warning",
                f"no rows for question {qid}; counted as not answered",
                column="question_id",
                value=qid,
            )
        )
    return finish_sheet(cases, obs, comments, problems, sheet, framework)
