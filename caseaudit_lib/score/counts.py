"""What every score is counted from: first-marking answers as 0/1 columns, and percentages.

Shared by the score tables (:mod:`caseaudit_lib.score.scoring`), the theme rules
(:mod:`caseaudit_lib.score.theme_rules`) and the notebooks' data-quality and score views, so
that "scored", "not answered" and "a percentage of nothing is NaN" mean the same everywhere.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from caseaudit_lib.errors import ParamsError, Problem
from caseaudit_lib.load.answers import NOT_ANSWERED, NOT_APPLICABLE, NOT_SUFFICIENT, SUFFICIENT


def percent(count: Any, n: Any) -> Any:
    """Return 100 * count / n elementwise, NaN where n is 0 (a percentage of nothing: no data)."""
    count = np.asarray(count, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, 100 * count / np.where(n > 0, n, 1), np.nan)


def first_answers(answers: pd.DataFrame) -> pd.DataFrame:
    """Return the first-marking answers with 0/1 columns saying what each answer counts as.

    Columns added: ``scored`` (applies and was judged sufficient or not), ``sufficient``,
    ``not_applicable`` (ruled out by case type, or judged not applicable), ``not_answered``
    (applies, left blank), ``applying`` (the question applies to the case type), ``judged_na``
    (applies, judged not applicable) and ``ruled_out`` (does not apply to the case type).
    """
    first = answers[answers["marking"] == "first"]
    answer = first["answer"].astype(object)
    applies = first["applies"].astype(bool)
    scored = applies & answer.isin([SUFFICIENT, NOT_SUFFICIENT])
    return first.assign(
        scored=scored.astype(int),
        sufficient=(scored & (answer == SUFFICIENT)).astype(int),
        not_applicable=(~applies | (answer == NOT_APPLICABLE)).astype(int),
        not_answered=(applies & (answer == NOT_ANSWERED)).astype(int),
        applying=applies.astype(int),
        judged_na=(applies & (answer == NOT_APPLICABLE)).astype(int),
        ruled_out=(~applies).astype(int),
    )


def check_caseload(caseload: int | None, n_cases: int) -> None:
    """Raise ParamsError for a caseload that cannot be the population of this sample."""
    if caseload is None:
        return
    if caseload < max(n_cases, 1):
        raise ParamsError(
            [
                Problem(
                    "error",
                    "",
                    "caseload is smaller than the number of cases audited",
                    column="caseload",
                    value=str(caseload),
                    expected=f"at least {n_cases}",
                )
            ]
        )


def population(caseload: int | None, n_applying: Any, n_cases: int) -> Any:
    """Return the caseload scaled by the share of audited cases an item applies to (NaN if none)."""
    n_applying = np.asarray(n_applying, dtype=float)
    if caseload is None or n_cases == 0:
        return np.full(n_applying.shape, np.nan)
    return caseload * n_applying / n_cases
