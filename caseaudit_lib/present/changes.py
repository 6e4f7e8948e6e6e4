"""Reader-facing tables of change: an audit against its baselines, earlier audits and trend.

The comparison notebook's tables, in the conventions of :mod:`caseaudit_lib.present.views`
(headings in words, ``%`` columns beside their ``n``, ``pts`` columns in percentage points).
A baseline of word judgements is shown in words, never as a number; a verdict is explained
in plain words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from caseaudit_lib.compare import comparison as cmp
from caseaudit_lib.compare.baseline import describe
from caseaudit_lib.present.views import interval_text
from caseaudit_lib.score.ratings import pct_text

if TYPE_CHECKING:
    from caseaudit_lib.pipeline import AuditResults

# What each verdict means, for a reader; the tables show the verdicts themselves.
VERDICT_WORDS: dict[str, str] = {
    cmp.IMPROVED: "improved: the whole interval of the change is above zero",
    cmp.DECLINED: "declined: the whole interval of the change is below zero",
    cmp.NO_CLEAR_CHANGE: (
        "no clear change: the interval runs from a fall to a rise, so the difference could be "
        "chance (which cases were picked, who read them)"
    ),
    cmp.NO_DATA: "no data on one side",
    cmp.JUDGEMENT_ONLY: "a judgement in words only, so no change can be measured",
    cmp.NOT_TESTED: "the baseline gives no number of cases, so the change cannot be tested",
    cmp.NOT_COVERED: "not covered by the baseline",
    cmp.FIRST_AUDIT: "first audit: nothing earlier to compare with",
}
KIND_WORDS = {
    "percentages": "percentages with counts",
    "judgements": "judgements in words",
    "answers": "case-level answers",
}


def _verdict(verdict: pd.Series) -> np.ndarray:
    return verdict.astype(object).to_numpy()


def verdict_key(table: pd.DataFrame) -> list[str]:
    """Return what each verdict found in a table's Verdict column means, one line each."""
    found = list(dict.fromkeys(table["Verdict"])) if "Verdict" in table else []
    return [VERDICT_WORDS.get(v, v) for v in found if v in VERDICT_WORDS]


def baseline_sentences(results: AuditResults) -> list[str]:
    """Return one sentence per baseline and earlier audit saying what it is and allows."""
    out = [describe(b) for b in results.baselines]
    for params, scores in zip(results.earlier, results.earlier_scores, strict=True):
        n = int(scores.cases.loc[scores.cases["theme_id"] == "all", "case_id"].nunique())
        out.append(
            f"Earlier audit {params.title} ({params.audit_date}, {n} cases): case-level answers, "
            "scored the same way as this audit."
        )
    return out


def _then_n(results: AuditResults, level: str) -> dict[tuple[str, str], float]:
    """Return (baseline id, theme or question id) -> the baseline's n where it has one."""
    out: dict[tuple[str, str], float] = {}
    for b in results.baselines:
        table = b.themes if level == "theme_id" else b.questions
        if b.kind == "percentages":
            out |= {(b.id, i): float(n) for i, n in table["n_applicable"].items()}
        elif b.kind == "answers":
            s = b.scores()
            t = s.themes if level == "theme_id" else s.questions
            out |= {(b.id, i): float(n) for i, n in zip(t[level], t["n_applicable"], strict=True)}
    for s in results.earlier_scores:
        t = s.themes if level == "theme_id" else s.questions
        out |= {(s.audit_id, i): float(n) for i, n in zip(t[level], t["n_applicable"], strict=True)}
    return out


def _now_n(results: AuditResults, level: str) -> dict[str, int]:
    t = results.scores.themes if level == "theme_id" else results.scores.questions
    return dict(zip(t[level], t["n_applicable"], strict=True))


def _then_words(c: pd.DataFrame) -> list[str]:
    """Return the baseline side in words: its rating, or its judgement(s) said to be such."""
    out = []
    for kind, rating in zip(c["baseline_kind"], c["baseline_rating"], strict=True):
        if kind == "judgements":
            out.append(f"judged {rating}" if isinstance(rating, str) else "not judged")
        else:
            out.append(rating if isinstance(rating, str) else "")
    return out


def _change_table(results: AuditResults, c: pd.DataFrame, level: str) -> pd.DataFrame:
    """Return comparison rows (theme or question level) as a table for reading."""
    then_n = _then_n(results, level)
    now_n = _now_n(results, level)
    names = {t.id: t.name for t in results.framework.themes}
    keys = list(zip(c["baseline_id"], c[level], strict=True))
    table = pd.DataFrame(
        {
            "Theme": c["theme_id"].map(names).to_numpy(),
            "Compared with": c["baseline_id"].to_numpy(),
            "Kind": c["baseline_kind"].map(KIND_WORDS).to_numpy(),
            "Then n": [then_n.get(k, np.nan) for k in keys],
            "Then %": c["baseline_pct"].to_numpy(dtype=float),
            "Then rating": _then_words(c),
            "Now n": c[level].map(now_n).to_numpy(),
            "Now %": c["current_pct"].to_numpy(dtype=float),
            "Change pts": c["change_pts"].to_numpy(dtype=float),
            "95% interval of the change": interval_text(
                c["change_ci_low_pts"], c["change_ci_high_pts"], unit=" pts"
            ),
            "Verdict": _verdict(c["verdict"]),
        }
    )
    if level == "question_id":
        wording = {q.id: q.text for q in results.framework.questions}
        table.insert(1, "Question", c["question_id"].to_numpy())
        table.insert(2, "Wording", c["question_id"].map(wording).to_numpy())
    # Judgement rows: no number on the baseline side, and none derived from it.
    judged = (c["baseline_kind"] == "judgements").to_numpy()
    table.loc[judged, ["Then n", "Then %", "Change pts"]] = np.nan
    return table


def comparison_table(results: AuditResults, baseline_id: str | None = None) -> pd.DataFrame:
    """Return each theme against each baseline and the latest earlier audit (or one of them)."""
    c = results.comparison
    if baseline_id is not None:
        c = c[c["baseline_id"] == baseline_id]
    return _change_table(results, c.reset_index(drop=True), "theme_id")


def question_changes(results: AuditResults) -> pd.DataFrame:
    """Return question-level changes where both sides have answers to the question."""
    q = results.question_comparison
    if q.empty:
        empty = pd.DataFrame(columns=cmp.QUESTION_COMPARISON_COLUMNS)
        return _change_table(results, empty, "question_id")
    both = q["baseline_pct"].notna() & q["current_pct"].notna()
    return _change_table(results, q[both].reset_index(drop=True), "question_id")


def trend_table(results: AuditResults) -> pd.DataFrame:
    """Return every audit of the service theme by theme, oldest first, each against the last."""
    t = results.trend
    return pd.DataFrame(
        {
            "Audit": t["audit_id"].to_numpy(),
            "Date": t["audit_date"].to_numpy(),
            "Theme": t["theme"].to_numpy(),
            "n": t["n_applicable"].to_numpy(),
            "Sufficient %": t["score_pct"].to_numpy(dtype=float),
            "95% interval": interval_text(t["ci_low_pct"], t["ci_high_pct"]),
            "Rating": t["rating"].fillna("no data").to_numpy(),
            "Change pts": t["change_pts"].to_numpy(dtype=float),
            "95% interval of the change": interval_text(
                t["change_ci_low_pts"], t["change_ci_high_pts"], unit=" pts"
            ),
            "Verdict": _verdict(t["verdict"]),
        }
    )


def distance_travelled(results: AuditResults) -> list[str]:
    """Return one sentence per theme from the first audit of the trend to this one."""
    t = results.trend
    if t["audit_id"].nunique() < 2:
        return []
    out = []
    for _, rows in t.groupby("theme_id", sort=False):
        first, last = rows.iloc[0], rows.iloc[-1]

        def said(row: pd.Series) -> str:
            if pd.isna(row["score_pct"]):
                return f"no data in {row['audit_id']}"
            return f"{pct_text(row['score_pct'])} (n = {row['n_applicable']}) in {row['audit_id']}"

        out.append(f"{last['theme']}: {said(first)}, {said(last)}; last step: {last['verdict']}.")
    return out
