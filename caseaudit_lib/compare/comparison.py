"""Comparisons of an audit with its baselines and earlier audits, and trends over several audits.

A change is ``current - baseline`` in percentage points, with a 95% interval built by Newcombe's
hybrid score method (Newcombe 1998, method 10) from each side's own 95% interval, as scoring
made it but WITHOUT the finite population correction (``AuditScores.unadjusted``): a comparison
asks whether practice changed, not whether two caseloads differ, and with the correction a
census would call any difference of one case a change. Each side's interval still allows for
answers clustered in cases (effective sample size, t) and the theme's scoring rule. For plain
counts it is the same interval as :func:`caseaudit_lib.score.intervals.newcombe_diff` (a test
checks this).

The verdict says "improved" or "declined" only when the interval excludes zero. A baseline of
word judgements is never turned into a number: its rows carry the judgement and say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from caseaudit_lib.compare.baseline import Baseline
from caseaudit_lib.score.intervals import MIN_CASES, wilson
from caseaudit_lib.score.ratings import ratings
from caseaudit_lib.score.scoring import AuditScores

if TYPE_CHECKING:
    from caseaudit_lib.framework.model import Framework

IMPROVED = "improved"
DECLINED = "declined"
NO_CLEAR_CHANGE = "no clear change"
NO_DATA = "no data"
JUDGEMENT_ONLY = "judgement only: not comparable as a number"
NOT_TESTED = "not tested: the baseline gives no number of cases"
NOT_COVERED = "not covered by the baseline"
FIRST_AUDIT = "first audit"
TOO_FEW = "not tested: too few cases to give a range"
VERDICTS = (
    IMPROVED,
    DECLINED,
    NO_CLEAR_CHANGE,
    NO_DATA,
    JUDGEMENT_ONLY,
    NOT_TESTED,
    NOT_COVERED,
    FIRST_AUDIT,
    TOO_FEW,
)

COMPARISON_COLUMNS = [
    "audit_id", "theme_id", "baseline_id", "baseline_kind", "baseline_pct", "baseline_rating",
    "current_pct", "current_rating", "change_pts", "change_ci_low_pts", "change_ci_high_pts",
    "verdict",
]  # fmt: skip
QUESTION_COMPARISON_COLUMNS = [*COMPARISON_COLUMNS[:2], "question_id", *COMPARISON_COLUMNS[2:]]
TREND_COLUMNS = [
    "audit_id", "audit_date", "theme_id", "theme", "score_pct", "ci_low_pct", "ci_high_pct",
    "n_applicable", "n_sufficient", "rating", "change_pts", "change_ci_low_pts",
    "change_ci_high_pts", "verdict",
]  # fmt: skip
_SIDE = ["pct", "low", "high", "rating"]


def change_interval(
    p1: np.ndarray, low1: np.ndarray, high1: np.ndarray,
    p2: np.ndarray, low2: np.ndarray, high2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Return ``(change, low, high)`` of ``p1 - p2`` from each side's estimate and interval.

    Newcombe's hybrid score interval: ``low = d - sqrt((p1 - l1)^2 + (u2 - p2)^2)``,
    ``high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2)``. Any unit works (proportions or percentages);
    NaN anywhere on a side gives NaN. Swapping the sides negates the change and the interval.
    """
    p1, low1, high1, p2, low2, high2 = (
        np.asarray(a, dtype=float) for a in (p1, low1, high1, p2, low2, high2)
    )
    change = p1 - p2
    low = change - np.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = change + np.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    return change, low, high


def verdicts(
    change: np.ndarray, low: np.ndarray, high: np.ndarray, too_few: np.ndarray | None = None
) -> np.ndarray:
    """Return the verdict of each change: improved / declined only when the interval excludes 0.

    ``too_few`` marks changes whose sides are too small for an interval (see MIN_CASES).
    """
    change, low, high = (np.asarray(a, dtype=float) for a in (change, low, high))
    few = np.zeros(change.shape, bool) if too_few is None else np.asarray(too_few, dtype=bool)
    return np.select(
        [np.isnan(change), few, np.isnan(low) | np.isnan(high), low > 0, high < 0],
        [NO_DATA, TOO_FEW, NOT_TESTED, IMPROVED, DECLINED],
        default=NO_CLEAR_CHANGE,
    ).astype(object)


def tested_comparisons(comparison: pd.DataFrame) -> int:
    """Return how many rows of a comparison table could say "improved" or "declined"."""
    if comparison.empty:
        return 0
    return int(comparison["verdict"].isin([IMPROVED, DECLINED, NO_CLEAR_CHANGE]).sum())


def familywise_false_alarm(n_comparisons: int, alpha: float = 0.05) -> float:
    """Return the chance of at least one false "improved"/"declined" among n tested comparisons.

    ``1 - (1 - alpha)^n``: each comparison, with practice unchanged, says "improved" or
    "declined" at most about ``alpha`` of the time (Newcombe's interval is a little
    conservative: about 4% in simulation), taken as independent. An upper-side figure for the
    report's own number of comparisons, not a correction of any verdict.
    """
    if n_comparisons <= 0:
        return 0.0
    return float(1 - (1 - alpha) ** n_comparisons)


def _scores_side(scores: AuditScores, level: str) -> pd.DataFrame:
    """Return an audit's themes or questions as pct / low / high / rating / n_cases, by id.

    The intervals are without the finite population correction (see the module docstring).
    """
    questions, themes = scores.unadjusted
    table = themes if level == "theme_id" else questions
    side = table.set_index(level)[["score_pct", "ci_low_pct", "ci_high_pct", "rating"]]
    side = side.set_axis(_SIDE, axis=1).astype({c: float for c in _SIDE[:3]})
    return side.assign(
        n_cases=table["n_cases" if level == "theme_id" else "n_applicable"].to_numpy()
    )


def _counts_side(table: pd.DataFrame, framework: Framework | None) -> pd.DataFrame:
    """Return a percentages baseline's rows as pct / low / high / rating (Wilson, no FPC).

    The baseline's caseload is not used: a comparison is about practice, not about the
    caseload the inspection sampled from.
    """
    low, high = wilson(table["n_sufficient"].fillna(0), table["n_applicable"].fillna(0))
    known = table["n_applicable"].notna().to_numpy()
    side = pd.DataFrame(
        {
            "pct": table["pct"].astype(float),
            "low": np.where(known, 100 * np.asarray(low, dtype=float), np.nan),
            "high": np.where(known, 100 * np.asarray(high, dtype=float), np.nan),
        },
        index=table.index,
    )
    bands = framework.bands if framework is not None else ()
    side["rating"] = ratings(side["pct"], bands).to_numpy() if bands else None
    side["n_cases"] = table["n_applicable"].astype(float).to_numpy()
    return side


def _side(
    baseline: Baseline | AuditScores, level: str, framework: Framework | None
) -> tuple[str, str, pd.DataFrame]:
    """Return the baseline's id, kind and pct / low / high / rating table at a level."""
    if isinstance(baseline, AuditScores):
        return baseline.audit_id, "answers", _scores_side(baseline, level)
    if baseline.kind == "answers":
        return baseline.id, "answers", _scores_side(baseline.scores(), level)
    if baseline.kind == "percentages":
        table = baseline.themes if level == "theme_id" else baseline.questions
        return baseline.id, "percentages", _counts_side(table, framework)
    empty = pd.DataFrame(columns=[*_SIDE, "n_cases"], index=pd.Index([], name=level, dtype=object))
    return baseline.id, baseline.kind, empty.astype({c: float for c in _SIDE[:3]})


def _judgement_words(baseline: Baseline, theme_ids: pd.Series) -> pd.Series:
    """Return each theme's judgement(s) in words, naming the area, or None where none covers it."""

    def words(theme_id: str) -> str | None:
        found = baseline.judgements_for_theme(theme_id)
        return "; ".join(f"{j or 'not known'} ({label})" for label, j in found) or None

    return theme_ids.map(words).astype(object)


def _compare(
    current: AuditScores,
    baseline: Baseline | AuditScores,
    level: str,
    framework: Framework | None,
) -> pd.DataFrame:
    """Compare at one level (theme_id or question_id); the rows are the current audit's."""
    table = current.themes if level == "theme_id" else current.questions
    keys = ["theme_id", "question_id"][: 1 if level == "theme_id" else 2]
    cur = _scores_side(current, level).reset_index()
    baseline_id, kind, base = _side(baseline, level, framework)
    merged = cur.merge(base, on=level, how="left", suffixes=("_cur", "_base"), indicator=True)
    out = pd.DataFrame({k: table[k].to_numpy() for k in keys})
    out.insert(0, "audit_id", current.audit_id)
    out["baseline_id"] = baseline_id
    out["baseline_kind"] = kind
    covered = (merged["_merge"] == "both").to_numpy()
    if kind == "judgements":
        words = _judgement_words(baseline, out["theme_id"])
        out["baseline_pct"] = np.nan
        out["baseline_rating"] = words
        out["current_pct"] = merged["pct_cur"].to_numpy()
        out["current_rating"] = merged["rating_cur"].to_numpy()
        for column in COMPARISON_COLUMNS[-4:-1]:
            out[column] = np.nan
        out["verdict"] = np.where(words.notna(), JUDGEMENT_ONLY, NOT_COVERED).astype(object)
        return out[_columns(level)]
    change, low, high = change_interval(
        merged["pct_cur"], merged["low_cur"], merged["high_cur"],
        merged["pct_base"], merged["low_base"], merged["high_base"],
    )  # fmt: skip
    out["baseline_pct"] = merged["pct_base"].to_numpy()
    out["baseline_rating"] = merged["rating_base"].astype(object).to_numpy()
    out["current_pct"] = merged["pct_cur"].to_numpy()
    out["current_rating"] = merged["rating_cur"].astype(object).to_numpy()
    out["change_pts"], out["change_ci_low_pts"], out["change_ci_high_pts"] = change, low, high
    few = (merged["n_cases_cur"] < MIN_CASES) | (merged["n_cases_base"] < MIN_CASES)
    judged = verdicts(change, low, high, few.to_numpy())
    out["verdict"] = np.where(covered, judged, NOT_COVERED).astype(object)
    return out[_columns(level)]


def _columns(level: str) -> list[str]:
    return COMPARISON_COLUMNS if level == "theme_id" else QUESTION_COMPARISON_COLUMNS


def compare(
    current: AuditScores,
    baseline: Baseline | AuditScores,
    *,
    framework: Framework | None = None,
) -> pd.DataFrame:
    """Return the current audit's themes compared with one baseline or earlier audit.

    Args:
        current: the audit's scores.
        baseline: a baseline file's contents (any kind) or an earlier audit's scores. An answers
            baseline is loaded and scored here (pass its scores instead to reuse them).
        framework: the current audit's framework, to rate a percentages baseline in its bands
            (without it those ratings are missing).

    Returns:
        One row per theme of the current audit, columns ``COMPARISON_COLUMNS``; ``verdict`` is
        one of ``VERDICTS``.

    """
    return _compare(current, baseline, "theme_id", framework)


def compare_questions(
    current: AuditScores,
    baseline: Baseline | AuditScores,
    *,
    framework: Framework | None = None,
) -> pd.DataFrame:
    """Return the current audit's questions compared with a baseline that has questions.

    Only questions present on both sides are kept; a judgements baseline, or a percentages
    baseline without questions, gives an empty table. Columns ``QUESTION_COMPARISON_COLUMNS``.
    """
    if isinstance(baseline, Baseline) and (
        baseline.kind == "judgements"
        or (baseline.kind == "percentages" and baseline.questions.empty)
    ):
        return pd.DataFrame(columns=QUESTION_COMPARISON_COLUMNS)
    table = _compare(current, baseline, "question_id", framework)
    return table[table["verdict"] != NOT_COVERED].reset_index(drop=True)


def compare_all(
    current: AuditScores,
    baselines: Sequence[Baseline | AuditScores],
    *,
    framework: Framework | None = None,
) -> pd.DataFrame:
    """Return :func:`compare` against each baseline in turn, one table (the comparison.csv)."""
    tables = [compare(current, b, framework=framework) for b in baselines]
    if not tables:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    return pd.concat(tables, ignore_index=True)


def trend(scores_list: Sequence[AuditScores], dates: Sequence[str | date]) -> pd.DataFrame:
    """Return the themes of several audits of one service, each against the audit before it.

    Args:
        scores_list: the audits' scores, in any order.
        dates: each audit's date (ISO text or a date), in the same order; audits are sorted by it.

    Returns:
        One row per audit and theme, oldest audit first, columns ``TREND_COLUMNS``. The change
        columns compare the theme with the same theme in the previous audit; the first audit's
        verdict is "first audit", a theme the previous audit lacked is "not covered by the
        baseline".

    """
    if len(scores_list) != len(dates):
        raise ValueError("one date is needed for each audit")
    iso = [d.isoformat() if isinstance(d, date) else str(d) for d in dates]
    order = sorted(range(len(iso)), key=lambda i: iso[i])
    tables, previous = [], None
    for i in order:
        scores = scores_list[i]
        themes = scores.themes
        table = pd.DataFrame(
            {
                "audit_id": scores.audit_id,
                "audit_date": iso[i],
                **{c: themes[c].to_numpy() for c in TREND_COLUMNS[2:10]},
            }
        )
        if previous is None:
            for column in ("change_pts", "change_ci_low_pts", "change_ci_high_pts"):
                table[column] = np.nan
            table["verdict"] = FIRST_AUDIT
        else:
            step = compare(scores, previous)
            for column in ("change_pts", "change_ci_low_pts", "change_ci_high_pts", "verdict"):
                table[column] = step[column].to_numpy()
        tables.append(table)
        previous = scores
    if not tables:
        return pd.DataFrame(columns=TREND_COLUMNS)
    return pd.concat(tables, ignore_index=True)[TREND_COLUMNS]
