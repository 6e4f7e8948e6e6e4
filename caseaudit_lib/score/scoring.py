"""Scores of one audit: per question, theme, case and auditor, with intervals and ratings.

Only first markings are scored; second markings (moderation) feed
:mod:`caseaudit_lib.score.agreement`.
A percentage is the share of applicable answers (sufficient + not sufficient) judged sufficient,
0-100, and NaN where nothing was applicable: never 0%. See docs/methodology.md for the reasoning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from caseaudit_lib.score.agreement import AGREEMENT_COLUMNS, agreement_scores
from caseaudit_lib.score.counts import check_caseload, first_answers, percent, population
from caseaudit_lib.score.exact import proportion_interval
from caseaudit_lib.score.intervals import (
    MIN_CASES,
    korn_graubard,
    newcombe_diff,
    wilson_clustered,
    wilson_effective,
)
from caseaudit_lib.score.ratings import ratings, standard_scores
from caseaudit_lib.score.theme_rules import mean_of_questions, pooled, weakest_key_question

if TYPE_CHECKING:
    from caseaudit_lib.audit.loading import Audit
    from caseaudit_lib.framework.model import Framework

ALL = "all"

QUESTION_COLUMNS = [
    "audit_id", "theme_id", "question_id", "question", "n_applicable", "n_sufficient",
    "n_not_applicable", "n_not_answered", "score_pct", "ci_low_pct", "ci_high_pct", "rating",
]  # fmt: skip
THEME_COLUMNS = [
    "audit_id", "theme_id", "theme", "scoring", "n_cases", "n_applicable", "n_sufficient",
    "score_pct", "ci_low_pct", "ci_high_pct", "rating", "rating_low", "rating_high",
    "design_effect",
]  # fmt: skip
CASE_COLUMNS = [
    "audit_id", "case_id", "case_type", "auditor", "theme_id", "n_applicable", "n_sufficient",
    "score_pct",
]  # fmt: skip
AUDITOR_COLUMNS = [
    "audit_id", "auditor", "theme_id", "n_cases", "n_applicable", "n_sufficient", "score_pct",
    "others_pct", "others_n", "diff_pts", "diff_ci_low_pts", "diff_ci_high_pts", "flag",
]  # fmt: skip


@dataclass
class AuditScores:
    """Every score table of one audit (column names as in docs/design.md).

    ``auditors`` and ``agreement`` are computed from ``answers`` when first read: an earlier
    audit scored only for a comparison or trend never needs them, and they are most of the
    cost of scoring it.
    """

    audit_id: str
    questions: pd.DataFrame
    themes: pd.DataFrame
    cases: pd.DataFrame
    standards: pd.DataFrame
    overall: dict[str, Any] | None
    overall_reason: str | None = None
    caseload: int | None = None
    weakest_questions: dict[str, str] = field(default_factory=dict)
    answers: pd.DataFrame | None = field(default=None, repr=False)
    framework: Framework | None = field(default=None, repr=False)

    @cached_property
    def unadjusted(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return the question and theme tables without the finite population correction.

        Comparisons and trends ask whether practice changed, not whether two caseloads differ,
        so they use these (an audit's own intervals keep the correction).

        Raises:
            ValueError: scores with a caseload but without the answers to score again.

        """
        if self.caseload is None:
            return self.questions, self.themes
        if self.answers is None or self.framework is None:
            raise ValueError(f"{self.audit_id}: no answers to score without the caseload")
        questions = question_scores(self.answers, self.framework, audit_id=self.audit_id)
        themes = theme_scores(
            self.answers, self.framework, audit_id=self.audit_id, questions=questions
        )
        return questions, themes

    @cached_property
    def auditors(self) -> pd.DataFrame:
        """Return each auditor's score per theme beside everyone else's (see auditor_scores)."""
        if self.answers is None or self.framework is None:
            return pd.DataFrame(columns=AUDITOR_COLUMNS)
        return auditor_scores(self.answers, self.framework, audit_id=self.audit_id)

    @cached_property
    def agreement(self) -> pd.DataFrame:
        """Return first against second markings per theme (see agreement_scores)."""
        if self.answers is None or self.framework is None:
            return pd.DataFrame(columns=AGREEMENT_COLUMNS)
        return agreement_scores(self.answers, self.framework, audit_id=self.audit_id)


def question_scores(
    answers: pd.DataFrame, framework: Framework, *, audit_id: str, caseload: int | None = None
) -> pd.DataFrame:
    """Return one row per framework question: counts, percentage sufficient, interval, rating.

    Args:
        answers: the audit's answers table (``Audit.answers``); only first markings are used.
        framework: the audit's framework (gives the questions and their order).
        audit_id: written into the ``audit_id`` column.
        caseload: cases open at the service (population for the FPC), or None.

    """
    first = first_answers(answers)
    n_cases = int(first["case_id"].nunique())
    check_caseload(caseload, n_cases)
    counts = (
        first.groupby("question_id", observed=True)[
            ["scored", "sufficient", "not_applicable", "not_answered"]
        ]
        .sum()
        .reindex(list(framework.question_ids), fill_value=0)
    )
    n_app = counts["scored"].to_numpy()
    n_suf = counts["sufficient"].to_numpy()
    # The item applies to a case unless the case was not applicable: not-answered cases are part
    # of the population the estimate speaks for.
    applying = population(caseload, n_app + counts["not_answered"].to_numpy(), n_cases)
    low, high = proportion_interval(n_suf, n_app, applying)
    # One answer per case: fewer than MIN_CASES applicable answers give no interval.
    low, high = np.where(n_app < MIN_CASES, np.nan, low), np.where(n_app < MIN_CASES, np.nan, high)
    score = percent(n_suf, n_app)
    table = pd.DataFrame(
        {
            "audit_id": audit_id,
            "theme_id": [q.theme_id for q in framework.questions],
            "question_id": list(framework.question_ids),
            "question": [q.text for q in framework.questions],
            "n_applicable": n_app.astype(int),
            "n_sufficient": n_suf.astype(int),
            "n_not_applicable": counts["not_applicable"].to_numpy().astype(int),
            "n_not_answered": counts["not_answered"].to_numpy().astype(int),
            "score_pct": score,
            "ci_low_pct": 100 * np.asarray(low),
            "ci_high_pct": 100 * np.asarray(high),
        }
    )
    table["rating"] = ratings(table["score_pct"], framework.bands)
    return table[QUESTION_COLUMNS]


def _answers_read(theme_answers: pd.DataFrame, caseload: int | None, n_cases: int) -> float:
    """Return the share of the population's applicable answers that were read (NaN: no FPC).

    The same sampling fraction as a question's: the answers scored over the answers the
    caseload is estimated to hold (scored and not answered, scaled from the sample), so that
    a census with every answer given collapses both, and a blank keeps both open.
    """
    n_scored = int(theme_answers["scored"].sum())
    applying = n_scored + int(theme_answers["not_answered"].sum())
    answers = float(population(caseload, applying, n_cases))
    return n_scored / answers if n_scored and answers > 0 else float("nan")


def theme_scores(
    answers: pd.DataFrame,
    framework: Framework,
    *,
    audit_id: str,
    caseload: int | None = None,
    questions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return one row per theme: score by the theme's rule, interval, rating of score and ends.

    Rules: ``pooled`` (sufficient over applicable answers across the theme's questions),
    ``mean_of_questions`` (mean of the percentages of questions with any applicable answer),
    ``weakest_key_question`` (the key question with the lowest percentage; its counts and
    interval). The weakest question of each such theme is in ``df.attrs["weakest_questions"]``.

    Args:
        answers: the audit's answers table; only first markings are used.
        framework: the audit's framework.
        audit_id: written into the ``audit_id`` column.
        caseload: cases open at the service (population for the FPC), or None.
        questions: the result of :func:`question_scores`, if already computed.

    """
    first = first_answers(answers)
    n_cases_total = int(first["case_id"].nunique())
    check_caseload(caseload, n_cases_total)
    if questions is None:
        questions = question_scores(answers, framework, audit_id=audit_id, caseload=caseload)
    rows, weakest = [], {}
    for theme in framework.themes:
        theme_answers = first[first["theme_id"] == theme.id]
        q_table = questions[questions["theme_id"] == theme.id]
        fraction = _answers_read(theme_answers, caseload, n_cases_total)
        row: dict[str, Any] = {"audit_id": audit_id, "theme_id": theme.id, "theme": theme.name}
        row["scoring"] = theme.scoring
        if theme.scoring == "weakest_key_question":
            qid, q_row = weakest_key_question(theme, q_table)
            if qid is None:
                row |= {"n_cases": 0, "n_applicable": 0, "n_sufficient": 0, "score_pct": np.nan}
                row |= {"ci_low_pct": np.nan, "ci_high_pct": np.nan, "design_effect": np.nan}
            else:
                weakest[theme.id] = qid
                row |= {
                    "n_cases": int(q_row["n_applicable"]),
                    "n_applicable": int(q_row["n_applicable"]),
                    "n_sufficient": int(q_row["n_sufficient"]),
                    "score_pct": float(q_row["score_pct"]),
                    "ci_low_pct": float(q_row["ci_low_pct"]),
                    "ci_high_pct": float(q_row["ci_high_pct"]),
                    "design_effect": np.nan,  # one answer per case: no clustering
                }
        else:
            if theme.scoring == "pooled":
                result = pooled(theme_answers)
                del result["clustered"]
                low, high, clustered = wilson_clustered(
                    *result.pop("by_case"), sampling_fraction=fraction
                )
            else:
                result = mean_of_questions(theme_answers, q_table)
                clustered = result.pop("clustered")
                low, high = wilson_effective(clustered, sampling_fraction=fraction)
            row |= result | {"ci_low_pct": 100 * low, "ci_high_pct": 100 * high}
            row["design_effect"] = clustered.deff
        rows.append(row)
    table = pd.DataFrame(rows, columns=[c for c in THEME_COLUMNS if "rating" not in c])
    table["design_effect"] = table["design_effect"].astype(float)
    table["rating"] = ratings(table["score_pct"], framework.bands)
    table["rating_low"] = ratings(table["ci_low_pct"], framework.bands)
    table["rating_high"] = ratings(table["ci_high_pct"], framework.bands)
    table = table[THEME_COLUMNS]
    table.attrs["weakest_questions"] = weakest
    return table


def case_scores(answers: pd.DataFrame, framework: Framework, *, audit_id: str) -> pd.DataFrame:
    """Return each case's share of applicable answers judged sufficient, per theme and overall.

    One row per first-marked case and theme, plus a row with theme_id ``"all"``; the score is
    NaN where the case had no applicable answer in the theme.
    """
    first = first_answers(answers)
    theme_ids = [t.id for t in framework.themes]
    cases = first.groupby("case_id")[["case_type", "auditor"]].first()
    by_theme = first.groupby(["case_id", "theme_id"], observed=True)[["scored", "sufficient"]].sum()
    full = pd.MultiIndex.from_product([cases.index, theme_ids], names=["case_id", "theme_id"])
    by_theme = by_theme.reindex(full, fill_value=0)
    overall = first.groupby("case_id")[["scored", "sufficient"]].sum()
    overall.index = pd.MultiIndex.from_arrays(
        [overall.index, [ALL] * len(overall)], names=["case_id", "theme_id"]
    )
    table = pd.concat([by_theme, overall]).reset_index()
    order = {t: i for i, t in enumerate([*theme_ids, ALL])}
    table = table.sort_values(
        ["case_id", "theme_id"], key=lambda s: s.map(order) if s.name == "theme_id" else s
    )
    table = table.join(cases, on="case_id").reset_index(drop=True)
    table["audit_id"] = audit_id
    table["n_applicable"] = table.pop("scored").astype(int)
    table["n_sufficient"] = table.pop("sufficient").astype(int)
    table["score_pct"] = percent(table["n_sufficient"], table["n_applicable"])
    return table[CASE_COLUMNS]


def auditor_scores(answers: pd.DataFrame, framework: Framework, *, audit_id: str) -> pd.DataFrame:
    """Return each auditor's pooled score per theme beside everyone else's on the same questions.

    "Everyone else" is the other auditors' first markings of the questions this auditor scored
    at least once in the theme. The difference (points) has a Newcombe interval built on the
    clustered effective samples of both sides, without FPC (the question is how this auditor
    marks, not the caseload), each side adjusted to Student's t with (cases - 1) df as theme
    intervals are. ``flag`` is True where the interval excludes zero; with fewer than
    ``MIN_CASES`` cases on either side there is no interval and no flag.
    """
    first = first_answers(answers)
    rows = []
    for auditor in sorted(first["auditor"].dropna().unique()):
        own_all = first[first["auditor"] == auditor]
        others_all = first[first["auditor"] != auditor]
        for theme_id in [*(t.id for t in framework.themes), ALL]:
            own = own_all if theme_id == ALL else own_all[own_all["theme_id"] == theme_id]
            asked = own.loc[own["scored"] == 1, "question_id"].unique()
            others = others_all[others_all["question_id"].isin(asked)]
            mine, theirs = pooled(own), pooled(others)
            a, b = korn_graubard(mine["clustered"]), korn_graubard(theirs["clustered"])
            low, high = newcombe_diff(a.count, a.nobs, b.count, b.nobs)
            if min(a.n_clusters, b.n_clusters) < MIN_CASES:
                low = high = float("nan")
            rows.append(
                {
                    "audit_id": audit_id,
                    "auditor": auditor,
                    "theme_id": theme_id,
                    "n_cases": mine["n_cases"],
                    "n_applicable": mine["n_applicable"],
                    "n_sufficient": mine["n_sufficient"],
                    "score_pct": mine["score_pct"],
                    "others_pct": theirs["score_pct"],
                    "others_n": theirs["n_applicable"],
                    "diff_pts": mine["score_pct"] - theirs["score_pct"],
                    "diff_ci_low_pts": 100 * low,
                    "diff_ci_high_pts": 100 * high,
                    "flag": bool(low > 0 or high < 0),
                }
            )
    return pd.DataFrame(rows, columns=AUDITOR_COLUMNS)


def score_audit(
    audit: Audit,
    *,
    audit_id: str,
    caseload: int | None = None,
    organisational_ratings: dict[str, str] | None = None,
    source: str = "",
) -> AuditScores:
    """Return every score table of an audit.

    Args:
        audit: the loaded audit.
        audit_id: written into every table's ``audit_id`` column.
        caseload: cases open at the service, for the finite population correction; None for none.
        organisational_ratings: HMIP organisational standard id -> rating label, from params.
        source: the params file the caseload and ratings come from, named in errors.

    Raises:
        ParamsError: caseload below the number of cases audited, or unknown ratings.

    """
    framework, answers = audit.framework, audit.answers
    questions = question_scores(answers, framework, audit_id=audit_id, caseload=caseload)
    themes = theme_scores(
        answers, framework, audit_id=audit_id, caseload=caseload, questions=questions
    )
    standards, overall, reason = standard_scores(
        framework, themes, organisational_ratings, source=source
    )
    return AuditScores(
        audit_id=audit_id,
        questions=questions,
        themes=themes,
        cases=case_scores(answers, framework, audit_id=audit_id),
        standards=standards,
        overall=overall,
        overall_reason=reason,
        caseload=caseload,
        weakest_questions=dict(themes.attrs.get("weakest_questions", {})),
        answers=answers,
        framework=framework,
    )
