"""Moderation: how far first and second markings of the same cases agree.

A case marked twice (``marking`` "first" and "second", by different auditors) gives one pair of
answers per question. Pairs are compared where the framework applies the question to the case
type and both auditors gave an answer (neither is "not answered"). The categories compared are
sufficient / not sufficient / not applicable: an auditor judging a question not applicable where
the other scored it is a disagreement, because it changes what is scored; two "not applicable"
judgements agree. Questions the framework rules out for the case type are left out: their
agreement is automatic and would inflate both measures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa

from caseaudit_lib.load.answers import NOT_ANSWERED, NOT_APPLICABLE, NOT_SUFFICIENT, SUFFICIENT

if TYPE_CHECKING:
    from caseaudit_lib.framework.model import Framework

ALL = "all"
COMPARED = [SUFFICIENT, NOT_SUFFICIENT, NOT_APPLICABLE]
AGREEMENT_COLUMNS = ["audit_id", "theme_id", "n_pairs", "pct_agreement", "kappa"]


def answer_pairs(answers: pd.DataFrame) -> pd.DataFrame:
    """Return the compared answer pairs: theme_id, question_id, case_id, first, second."""
    keys = ["case_id", "question_id"]
    cols = [*keys, "theme_id", "applies", "answer"]
    first = answers.loc[answers["marking"] == "first", cols]
    second = answers.loc[answers["marking"] == "second", cols]
    pairs = first.merge(second, on=keys, suffixes=("_1", "_2"))
    a1 = pairs["answer_1"].astype(object)
    a2 = pairs["answer_2"].astype(object)
    keep = (
        pairs["applies_1"].astype(bool)
        & pairs["applies_2"].astype(bool)
        & (a1 != NOT_ANSWERED)
        & (a2 != NOT_ANSWERED)
        & a1.notna()
        & a2.notna()
    )
    return pd.DataFrame(
        {
            "theme_id": pairs.loc[keep, "theme_id_1"],
            "question_id": pairs.loc[keep, "question_id"],
            "case_id": pairs.loc[keep, "case_id"],
            "first": pd.Categorical(a1[keep], categories=COMPARED),
            "second": pd.Categorical(a2[keep], categories=COMPARED),
        }
    ).reset_index(drop=True)


def contingency(pairs: pd.DataFrame) -> np.ndarray:
    """Return the 3x3 table of first (rows) by second (columns) marking, in ``COMPARED`` order."""
    table = pd.crosstab(pairs["first"], pairs["second"], dropna=False)
    return table.reindex(index=COMPARED, columns=COMPARED, fill_value=0).to_numpy()


def kappa(table: np.ndarray) -> float:
    """Return Cohen's kappa of a square table, NaN where undefined.

    Kappa is undefined for an empty table and where chance agreement is already certain (both
    markings used one and the same category throughout): then ``1 - p_e`` is 0.
    """
    table = np.asarray(table, dtype=float)
    n = table.sum()
    if n == 0:
        return np.nan
    p_e = float((table.sum(axis=0) * table.sum(axis=1)).sum() / n**2)
    if np.isclose(p_e, 1.0):
        return np.nan
    return float(cohens_kappa(table, return_results=False))


def agreement_scores(answers: pd.DataFrame, framework: Framework, *, audit_id: str) -> pd.DataFrame:
    """Return agreement between first and second markings per theme and overall ("all").

    Args:
        answers: the audit's answers table with both markings (``Audit.answers``).
        framework: the audit's framework (gives the themes and their order).
        audit_id: written into the ``audit_id`` column.

    Returns:
        audit_id, theme_id, n_pairs (answer pairs compared), pct_agreement (0-100, NaN with no
        pairs), kappa (NaN where undefined). Every theme has a row, with n_pairs 0 when no case
        was marked twice.

    """
    pairs = answer_pairs(answers)
    rows = []
    for theme_id in [*(t.id for t in framework.themes), ALL]:
        subset = pairs if theme_id == ALL else pairs[pairs["theme_id"] == theme_id]
        table = contingency(subset)
        n = int(table.sum())
        rows.append(
            {
                "audit_id": audit_id,
                "theme_id": theme_id,
                "n_pairs": n,
                "pct_agreement": 100 * np.trace(table) / n if n else np.nan,
                "kappa": kappa(table),
            }
        )
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
