"""The board report's words: every generated sentence, from jinja2 templates, as Markdown.

The templates in ``templates/narrative/`` hold the wording; this module only gathers the numbers
they need. Two layers:

- functions on plain rows and tables (:func:`score_sentence`, :func:`change_sentence`,
  :func:`weakest_sentence`, :func:`conclusion_text`...), which tests can feed hand-made tables;
- :class:`Narrative`, which takes an audit's :class:`~caseaudit_lib.pipeline.AuditResults` and
  its findings and gives the report notebook each section in order.

A change is called "improved" or "declined" only when its verdict (from
:mod:`caseaudit_lib.compare.comparison`) says so, that is when the 95% interval of the change
excludes zero; "no clear change" is explained the first time it is used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from caseaudit_lib.compare.comparison import (
    DECLINED,
    IMPROVED,
    NO_CLEAR_CHANGE,
    NOT_TESTED,
    familywise_false_alarm,
    tested_comparisons,
)
from caseaudit_lib.findings.findings import (
    NOT_REVIEWED,
    Findings,
    earlier_findings,
    findings_of,
    recommendations_table,
)
from caseaudit_lib.findings.sanitise import safe_markdown
from caseaudit_lib.present.wording import (
    date_span,
    missing,
    month_year,
    render,
)
from caseaudit_lib.score.intervals import MIN_CASES

if TYPE_CHECKING:
    from caseaudit_lib.compare.baseline import Baseline
    from caseaudit_lib.config.params import AuditParams
    from caseaudit_lib.framework.model import Framework
    from caseaudit_lib.pipeline import AuditResults

WEAKEST_LIMIT = 2


def _row(row: Mapping[str, Any] | pd.Series) -> dict[str, Any]:
    """Return a table row as a dict with NaN made None (jinja tests `is none`)."""
    items = row.items() if isinstance(row, Mapping | pd.Series) else row._asdict().items()
    return {k: (None if missing(v) else v) for k, v in items}


# --- what an audit is compared with -------------------------------------------------------


@dataclass(frozen=True)
class Against:
    """A baseline or earlier audit, as the narrative names and describes it."""

    id: str
    kind: str  # percentages | judgements | answers
    name: str  # e.g. "the last audit (March 2016)"
    when: str  # e.g. "May 2015"
    has_counts: bool = True
    scale: tuple[str, ...] = ()
    judgements: Mapping[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    covers: tuple[str, ...] | None = None  # theme ids it has figures for; None: every theme


def against_baseline(baseline: Baseline, theme_ids: Sequence[str] = ()) -> Against:
    """Return how the narrative refers to a baseline file."""
    title = baseline.title
    name = title[:1].lower() + title[1:] if title.startswith("The ") else f"the {title}"
    if baseline.kind == "answers":
        name = f"the audit {title} ({month_year(baseline.date)})"
    has_counts = bool(
        baseline.kind != "percentages" or baseline.themes["n_applicable"].notna().any()
    )
    covers = None
    if baseline.kind == "percentages":
        covers = tuple(t for t in theme_ids if t in baseline.themes.index)
    elif baseline.kind == "judgements":
        covers = tuple(t for t in theme_ids if baseline.judgements_for_theme(t))
    return Against(
        id=baseline.id,
        kind=baseline.kind,
        name=name,
        when=month_year(baseline.date),
        has_counts=has_counts,
        scale=tuple(baseline.scale),
        judgements={t: baseline.judgements_for_theme(t) for t in theme_ids},
        covers=covers,
    )


def against_earlier(params: AuditParams) -> Against:
    """Return how the narrative refers to the last earlier audit of the service."""
    return Against(
        id=params.audit_id,
        kind="answers",
        name=f"the last audit ({month_year(params.audit_date)})",
        when=date_span(params.audit_date, params.audit_end_date).removeprefix("on "),
    )


# --- sentences on plain rows --------------------------------------------------------------


def score_sentence(theme: Mapping[str, Any], weakest: Mapping[str, Any] | None = None) -> str:
    """Return a theme's score in words: percentage of n, 95% interval, rating and band span.

    Args:
        theme: a row of the ``themes`` score table.
        weakest: for a ``weakest_key_question`` theme, the row of its weakest question.

    """
    return render(
        "theme_score.md.j2", t=_row(theme), weakest=_row(weakest) if weakest is not None else None
    )


def change_sentence(row: Mapping[str, Any], against: Against, *, explain: bool = False) -> str:
    """Return one theme's change against one baseline or earlier audit, in words.

    Args:
        row: a row of the comparison table (verdict, baseline_pct, current_pct, change_pts,
            change_ci_low_pts, change_ci_high_pts, current_rating, theme_id).
        against: what the row compares with.
        explain: add what "no clear change" means (the first time it is said).

    """
    values = _row(row)
    judgements = against.judgements.get(values.get("theme_id"), [])
    return render("change.md.j2", row=values, a=against, explain=explain, judgements=judgements)


def weakest_sentence(questions: pd.DataFrame, limit: int = WEAKEST_LIMIT) -> str:
    """Return the lowest-scoring questions of one theme's question rows ("" if none scored)."""
    scored = questions[questions["n_applicable"] > 0].dropna(subset=["score_pct"])
    low = scored.sort_values(["score_pct", "question_id"], kind="stable").head(limit)
    rows = [_row(r) for _, r in low.iterrows()]
    ranged = [r for r in rows if r["ci_low_pct"] is not None]
    overlap = len(ranged) > 1 and max(r["ci_low_pct"] for r in ranged) <= min(
        r["ci_high_pct"] for r in ranged
    )
    return render("weakest.md.j2", questions=rows, overlap=overlap)


@dataclass(frozen=True)
class ChangeCount:
    """How the themes fared against one baseline with numbers."""

    name: str
    tested: int
    improved: int
    declined: int
    unclear: int
    untested: int


def count_changes(comparison: pd.DataFrame, against: Against) -> ChangeCount:
    """Count a baseline's verdicts: only "improved"/"declined" verdicts count as change."""
    verdicts = Counter(comparison.loc[comparison["baseline_id"] == against.id, "verdict"])
    improved, declined, unclear = (verdicts[v] for v in (IMPROVED, DECLINED, NO_CLEAR_CHANGE))
    return ChangeCount(
        against.name,
        tested=improved + declined + unclear,
        improved=improved,
        declined=declined,
        unclear=unclear,
        untested=verdicts[NOT_TESTED],
    )


def direction(counts: Sequence[ChangeCount]) -> str:
    """Return the direction of travel from the first comparison that tested a change.

    "upward" (improvements, no declines), "downward", "mixed", "unclear" (nothing changed by
    more than chance) or "untested" (no comparison could test a change).
    """
    for c in counts:
        if c.tested:
            if c.improved and c.declined:
                return "mixed"
            return "upward" if c.improved else "downward" if c.declined else "unclear"
    return "untested"


def conclusion_text(
    themes: pd.DataFrame,
    comparison: pd.DataFrame,
    against: Sequence[Against],
    *,
    bands: Sequence[str] = (),
    analyst: str | None = None,
    overall: Mapping[str, Any] | None = None,
    overall_reason: str | None = None,
) -> str:
    """Return the conclusion: direction of travel, ratings, and the auditors' own view.

    Args:
        themes: the ``themes`` score table.
        comparison: the comparison table (every baseline and the last audit).
        against: the baselines and last audit, most telling first (the last audit, then
            baselines with numbers, then judgements).
        bands: the framework's band labels, best first, to list the ratings in order.
        analyst: the findings file's conclusion (Markdown), if any.
        overall: HMIP's overall result (band, total_points, max_points), where there is one.
        overall_reason: why there is no overall result, for a framework that has one.

    """
    numeric = [count_changes(comparison, a) for a in against if a.kind != "judgements"]
    numeric = [c for c in numeric if c.tested or c.untested]
    n_tested = tested_comparisons(comparison)
    ratings = Counter(r for r in themes["rating"] if isinstance(r, str) and r)
    order = list(bands) + sorted(set(ratings) - set(bands))
    return render(
        "conclusion.md.j2",
        numeric=numeric,
        n_tested=n_tested,
        false_alarm=familywise_false_alarm(n_tested),
        direction=direction(numeric),
        judged=[a for a in against if a.kind == "judgements"],
        rated=[(label, ratings[label]) for label in order if ratings[label]],
        no_data=list(themes.loc[themes["score_pct"].isna(), "theme"]),
        analyst=analyst,
        overall=overall,
        overall_reason=overall_reason,
    )


def recommendations_text(table: pd.DataFrame, theme_names: Mapping[str, str]) -> str:
    """Return the recommendations tables from :func:`findings.recommendations_table`."""
    rows = [_row(r) | {"theme": theme_names.get(r["theme_id"], "")} for _, r in table.iterrows()]
    new = [r for r in rows if r["made_in"] is None]
    earlier = [r for r in rows if r["made_in"] is not None]
    counts = Counter(r["status_now"] for r in earlier)
    order = ["done", "in progress", "not started", "dropped", NOT_REVIEWED]
    return render(
        "recommendations.md.j2",
        new=new,
        earlier=earlier,
        status_counts=[(s, counts[s]) for s in order if counts[s]],
    )


# --- the report, section by section -------------------------------------------------------


class Narrative:
    """One audit's report text, section by section, for the report notebook.

    It remembers what it has already explained ("no clear change" is explained once), so call
    the theme methods in the order the report shows them.
    """

    def __init__(
        self,
        results: AuditResults,
        findings: Findings | None = None,
        earlier: Sequence[tuple[AuditParams, Findings]] | None = None,
    ) -> None:
        self.results = results
        framework: Framework = results.framework
        self.findings = findings if findings is not None else findings_of(results.params, framework)
        self.earlier = list(earlier) if earlier is not None else earlier_findings(results.params)
        theme_ids = [t.id for t in framework.themes]
        # The last audit first: it is the comparison that says most about the direction of travel.
        self.against = [against_earlier(p) for p in results.earlier[-1:]]
        self.against += [against_baseline(b, theme_ids) for b in results.baselines]
        self.against.sort(key=lambda a: {"answers": 0, "percentages": 1}.get(a.kind, 2))
        self._explained = False

    @property
    def theme_names(self) -> dict[str, str]:
        """Return each theme's name by id, in framework order."""
        return {t.id: t.name for t in self.results.framework.themes}

    def background(self) -> str:
        """Return the Background section: analyst's notes, audited cases, baselines."""
        params, audit = self.results.params, self.results.audit
        first = audit.first_marking().cases
        second = audit.cases[audit.cases["marking"] == "second"]
        return render(
            "background.md.j2",
            notes=self.findings.background,
            n_cases=audit.n_cases,
            n_auditors=first["auditor"].nunique(),
            start=params.audit_date,
            end=params.audit_end_date,
            service=params.service,
            caseload=params.caseload,
            sample_description=params.sample_description,
            n_second=second["case_id"].nunique(),
            against=self.against,
            theme_names=self.theme_names,
        )

    def conclusion(self) -> str:
        """Return the Conclusion: direction of travel, ratings, and the auditors' view."""
        return conclusion_text(
            self.results.scores.themes,
            self.results.comparison,
            self.against,
            bands=[b.label for b in self.results.framework.bands],
            analyst=self.findings.conclusion,
            overall=self.results.scores.overall,
            overall_reason=(
                self.results.scores.overall_reason if self.results.framework.overall else None
            ),
        )

    def good_practice(self) -> str:
        """Return the analyst's good practice as a list."""
        return render("good_practice.md.j2", items=self.findings.good_practice)

    def theme_heading(self, theme_id: str) -> str:
        """Return the Markdown heading of a theme's section."""
        return f"## {safe_markdown(self.theme_names[theme_id])}\n"

    def theme_score(self, theme_id: str) -> str:
        """Return a theme's score sentence and its change sentences, then its weakest questions."""
        scores = self.results.scores
        theme = scores.themes.set_index("theme_id").loc[theme_id]
        questions = scores.questions[scores.questions["theme_id"] == theme_id]
        weakest_id = scores.weakest_questions.get(theme_id)
        weakest = (
            questions.set_index("question_id").loc[weakest_id].to_dict()
            | {"question_id": weakest_id}
            if weakest_id
            else None
        )
        separate = not self.results.framework.theme(theme_id).in_overall
        row = theme.to_dict() | {"theme_id": theme_id, "separate": separate}
        parts = [score_sentence(row, weakest)]
        parts += self.changes(theme_id)
        parts.append(weakest_sentence(questions))
        return "\n".join(p for p in parts if p.strip())

    def changes(self, theme_id: str) -> list[str]:
        """Return a theme's change sentence against each baseline and the last audit."""
        comparison = self.results.comparison
        out = []
        for a in self.against:
            rows = comparison[
                (comparison["baseline_id"] == a.id) & (comparison["theme_id"] == theme_id)
            ]
            if rows.empty:
                continue
            row = rows.iloc[0]
            explain = row["verdict"] == NO_CLEAR_CHANGE and not self._explained
            self._explained |= explain
            out.append(change_sentence(row, a, explain=explain))
        return out

    def theme_findings(self, theme_id: str) -> str:
        """Return the analyst's findings and further improvements for a theme."""
        recs = [r.id for r in self.findings.recommendations if r.theme_id == theme_id]
        return render(
            "theme_findings.md.j2", theme=self.findings.theme(theme_id), recommendations=recs
        )

    def recommendations(self) -> str:
        """Return the recommendations tables, earlier audits' with their status now."""
        table = recommendations_table(self.findings, self.earlier)
        return recommendations_text(table, self.theme_names)

    def limits(self) -> str:
        """Return "Limits of these numbers", in plain words, with this audit's own figures."""
        n_tested = tested_comparisons(self.results.comparison)
        return render(
            "limits.md.j2",
            n_cases=self.results.audit.n_cases,
            weakest="weakest_key_question" in {t.scoring for t in self.results.framework.themes},
            n_tested=n_tested,
            false_alarm=familywise_false_alarm(n_tested),
            min_cases=MIN_CASES,
        )

    def annex(self) -> str:
        """Return "How to read the numbers", in plain words, with this framework's bands."""
        return render(
            "annex.md.j2",
            bands=[{"label": b.label, "min_pct": b.min_pct} for b in self.results.framework.bands],
            caseload=self.results.params.caseload,
            n_cases=self.results.audit.n_cases,
            rules={t.scoring for t in self.results.framework.themes},
        )
