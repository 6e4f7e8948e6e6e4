"""The theme scoring rules, their only home: pooled, mean of questions, weakest key question.

A theme's score is made from its questions' counts by the theme's rule (``Theme.scoring``):

- ``pooled``: sufficient over applicable answers across the theme's questions;
- ``mean_of_questions``: the mean of the percentages of the questions with any applicable answer;
- ``weakest_key_question``: the percentage of the key question that scores lowest (file order
  breaks ties); a theme with no question marked key uses all its questions.

:func:`rule_scores` applies a rule to rows of per-question counts at once, so the score table
(one row: the audit) and the notebooks' "cases that drag a theme down" (one row per case left
out) use the same arithmetic. The clustered effective samples of the first two rules, for
their intervals, are here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from caseaudit_lib.score.counts import percent
from caseaudit_lib.score.intervals import effective_n_clustered, effective_n_linearised

if TYPE_CHECKING:
    from caseaudit_lib.framework.model import Theme


def key_question_ids(theme: Theme) -> list[str]:
    """Return the ids of a theme's key questions (every question if none is marked key)."""
    return [q.id for q in theme.questions if q.key] or [q.id for q in theme.questions]


def weakest_columns(n_applicable: Any, n_sufficient: Any, key: Any) -> np.ndarray:
    """Return, per row of counts (rows x questions), the column of the weakest key question.

    -1 where no key question has an applicable answer. The first of equal minima wins, so with
    columns in file order ties go to the earlier question.
    """
    a = np.atleast_2d(np.asarray(n_applicable, dtype=float))
    pct = percent(np.atleast_2d(np.asarray(n_sufficient, dtype=float)), a)
    usable = (a > 0) & np.asarray(key, dtype=bool)[None, :]
    masked = np.where(usable, pct, np.inf)
    return np.where(usable.any(axis=1), np.argmin(masked, axis=1), -1)


def rule_scores(rule: str, n_applicable: Any, n_sufficient: Any, key: Any = None) -> np.ndarray:
    """Return the theme score (percent, NaN for no data) of each row of per-question counts.

    Args:
        rule: ``pooled``, ``mean_of_questions`` or ``weakest_key_question``.
        n_applicable: applicable answers, rows x the theme's questions.
        n_sufficient: sufficient answers, the same shape.
        key: one bool per question, True for key questions (weakest_key_question only; None:
            every question).

    Raises:
        ValueError: an unknown rule.

    """
    a = np.atleast_2d(np.asarray(n_applicable, dtype=float))
    s = np.atleast_2d(np.asarray(n_sufficient, dtype=float))
    if rule == "pooled":
        return percent(s.sum(axis=1), a.sum(axis=1))
    if rule == "mean_of_questions":
        with np.errstate(divide="ignore", invalid="ignore"):
            p = s / a
        # The mean of each row's used questions only (not nanmean), so the sum runs over the
        # same numbers in the same order as the score table's.
        return np.array([100 * p[i][a[i] > 0].mean() if (a[i] > 0).any() else np.nan
                         for i in range(len(a))])  # fmt: skip
    if rule == "weakest_key_question":
        key = np.ones(a.shape[1], dtype=bool) if key is None else np.asarray(key, dtype=bool)
        cols = weakest_columns(a, s, key)
        pct = percent(s, a)
        rows = np.arange(len(a))
        return np.where(cols >= 0, pct[rows, np.maximum(cols, 0)], np.nan)
    raise ValueError(f"unknown theme scoring rule {rule!r}")


def per_case(theme_answers: pd.DataFrame) -> pd.DataFrame:
    """Return scored and sufficient answers per case (cases with at least one scored answer)."""
    by_case = theme_answers.groupby("case_id")[["scored", "sufficient"]].sum()
    return by_case[by_case["scored"] > 0]


def pooled(theme_answers: pd.DataFrame) -> dict[str, Any]:
    """Return the pooled score of a set of answers (``first_answers`` rows), clustered by case.

    ``by_case`` holds the sufficient and scored answers of each case, for ``wilson_clustered``;
    ``clustered`` their effective sample, for differences between two pooled scores.
    """
    by_case = per_case(theme_answers)
    n_app, n_suf = int(by_case["scored"].sum()), int(by_case["sufficient"].sum())
    return {
        "n_cases": len(by_case),
        "n_applicable": n_app,
        "n_sufficient": n_suf,
        "score_pct": float(rule_scores("pooled", [[n_app]], [[n_suf]])[0]),
        "clustered": effective_n_clustered(by_case["sufficient"], by_case["scored"]),
        "by_case": (by_case["sufficient"].to_numpy(), by_case["scored"].to_numpy()),
    }


def mean_of_questions(theme_answers: pd.DataFrame, q_table: pd.DataFrame) -> dict[str, Any]:
    """Return the mean of question percentages and its clustered effective sample.

    Case i's influence on the mean of Q proportions is
    ``z_i = (1/Q) * sum_q m_iq * (y_iq - p_q) / n_q``; see ``effective_n_linearised``.
    """
    used = q_table[q_table["n_applicable"] > 0]
    scored = theme_answers[theme_answers["scored"] == 1]
    out = {
        "n_cases": int(scored["case_id"].nunique()),
        "n_applicable": int(used["n_applicable"].sum()),
        "n_sufficient": int(used["n_sufficient"].sum()),
    }
    if used.empty:
        return out | {"score_pct": np.nan, "clustered": effective_n_linearised(np.nan, [], 0)}
    n_q = used.set_index("question_id")["n_applicable"]
    p_q = used.set_index("question_id")["n_sufficient"] / n_q
    n_suf = used["n_sufficient"].to_numpy()
    score = float(rule_scores("mean_of_questions", [n_q.to_numpy()], [n_suf])[0])
    estimate = float(p_q.mean())
    question = scored["question_id"]
    contribution = (scored["sufficient"] - question.map(p_q).astype(float)) / question.map(
        n_q
    ).astype(float)
    influence = contribution.groupby(scored["case_id"]).sum() / len(used)
    sizes = scored.groupby("case_id").size().reindex(influence.index)
    clustered = effective_n_linearised(
        estimate, influence.to_numpy(), out["n_applicable"], case_sizes=sizes.to_numpy()
    )
    return out | {"score_pct": score, "clustered": clustered}


def weakest_key_question(theme: Theme, q_table: pd.DataFrame) -> tuple[str | None, Any]:
    """Return the id and question-table row of a theme's weakest key question, or (None, None)."""
    if q_table.empty:
        return None, None
    key = q_table["question_id"].isin(key_question_ids(theme)).to_numpy()
    col = int(weakest_columns([q_table["n_applicable"]], [q_table["n_sufficient"]], key)[0])
    if col < 0:
        return None, None
    row = q_table.iloc[col]
    return str(row["question_id"]), row


def theme_grid(first: pd.DataFrame, theme_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return case x question tables of scored and sufficient answers of one theme.

    Args:
        first: first-marking answers with their 0/1 columns (``counts.first_answers``).
        theme_id: the theme.

    """
    rows = first[first["theme_id"] == theme_id]
    grid = rows.pivot_table(
        index="case_id", columns="question_id", values=["scored", "sufficient"], aggfunc="sum"
    )
    return grid["scored"], grid["sufficient"]


def scores_without_each_case(
    theme: Theme, scored: pd.DataFrame, sufficient: pd.DataFrame
) -> np.ndarray:
    """Return the theme's score (percent) recomputed without each case (row), by its rule."""
    a = scored.to_numpy(dtype=float)
    s = sufficient.to_numpy(dtype=float)
    # Row i: every question's totals with case i left out.
    key = np.isin(np.asarray(scored.columns, dtype=object), key_question_ids(theme))
    return rule_scores(theme.scoring, a.sum(axis=0) - a, s.sum(axis=0) - s, key)
