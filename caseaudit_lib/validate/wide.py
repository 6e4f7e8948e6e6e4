"""Validation of the wide layout: one row per case and marking, one column per question.

Headers are sorted into case columns, question columns, ``<question id>_comment`` columns and
other case columns; the result is the same tables the long layout makes (see
:mod:`caseaudit_lib.validate.shared`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseaudit_lib.errors import Problem
from caseaudit_lib.framework.model import Framework
from caseaudit_lib.load.reading import CASE_ID, RawSheet, header_key
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig
from caseaudit_lib.validate.characters import hidden_characters, hidden_message, without_hidden
from caseaudit_lib.validate.shared import (
    CASE_COLUMNS,
    COMMENT_SUFFIX,
    Observations,
    ValidatedSheet,
    case_table,
    duplicate_column,
    finish_sheet,
    header_summary,
    missing_columns,
)


def validate_wide(
    body: pd.DataFrame,
    keys: pd.Series,
    header_row: int,
    sheet: RawSheet,
    framework: Framework,
    privacy: PrivacyConfig,
) -> ValidatedSheet:
    """Return the cases, answers and problems of the rows below the header of a wide sheet.

    Args:
        body: The non-blank rows below the header row, indexed by sheet row.
        keys: The header keys (lower-cased header texts), by column.
        header_row: The 0-based row of the header.
        sheet: The raw sheet, for header names and cell references.
        framework: The framework the answers belong to.
        privacy: Columns it drops or pseudonymises are always case columns, never questions.

    """
    problems: list[Problem] = []
    qids = framework.question_ids
    known = set(qids)
    folded = {q.lower(): q for q in qids}
    case_cols: dict[str, int] = {}
    attr_cols: dict[str, int] = {}
    question_cols: dict[str, int] = {}
    comment_cols: dict[str, int] = {}
    seen_question = False
    unknown: list[Problem] = []  # header problems, summarised when a row holds many
    headerless: list[Problem] = []
    for col, key in keys.items():
        text = sheet.header_names[col]
        target: dict[str, int] | None = None
        name = text
        if not text:
            if (body[col] != "").any():
                headerless.append(
                    sheet.problem("warning", header_row, col, "column without a header is ignored")
                )
            continue
        visible = without_hidden(text)
        if visible != text and (
            visible in known
            or header_key(visible) in CASE_COLUMNS
            or visible.removesuffix(COMMENT_SUFFIX) in known
        ):
            # "Q1" with a zero-width space would be read as a case attribute, silently.
            message = hidden_message("the header", text)
            unknown.append(sheet.problem("error", header_row, col, message, value=text))
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
            message = "unknown question id"
            if hidden_characters(text):
                message = hidden_message("unknown question id: it", text)
            unknown.append(
                sheet.problem("error", header_row, col, message, value=text, expected=expected)
            )
            continue
        else:
            target = attr_cols
        if name in target:
            problems.append(duplicate_column(sheet, header_row, col, target[name]))
            continue
        target[name] = col
    problems += header_summary(unknown, "unknown question ids in the header")
    problems += header_summary(headerless, "columns without a header are ignored")
    problems += missing_columns(case_cols, sheet, header_row)

    cases, case_problems = case_table(body, case_cols, attr_cols, sheet, framework)
    problems += case_problems
    problems += _duplicate_cases(cases, body.index.to_numpy(), case_cols.get(CASE_ID, 0), sheet)

    q_index = {q: i for i, q in enumerate(qids)}
    cols = list(question_cols.values())
    n, k = len(body), len(cols)
    obs = Observations(
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
    return finish_sheet(cases, obs, comments, problems, sheet, framework)


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
