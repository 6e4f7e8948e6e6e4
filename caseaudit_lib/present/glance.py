"""The report's "at a glance" box: what a board member needs before the contents.

It answers the board's first question on the first screen (and the PDF's first page): how many
cases and auditors, each theme's rating with its interval's span of bands in words, the direction
against the last audit or a baseline in the report's own honest verdicts (a change is "improved"
or "declined" only when its 95% interval excludes zero), and the three recommendations that
matter most.

"Matter most" is a rule, not a judgement: this audit's recommendations for the lowest-scoring
themes first (a theme with no score counts as lowest), then those for the service as a whole, in
the findings file's order within each; the first three are shown.

:func:`glance_of` gathers the content from a :class:`~caseaudit_lib.present.narrative.Narrative`
(so it compares with what the report compares with); :func:`glance_html` renders it as HTML with
every typed text escaped, ending with the marker where the export puts the contents list.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jinja2

from caseaudit_lib.compare.comparison import DECLINED, IMPROVED, NO_CLEAR_CHANGE
from caseaudit_lib.present.narrative import count_changes, direction
from caseaudit_lib.present.wording import TEMPLATES_DIR, date_span
from caseaudit_lib.score.intervals import TOO_FEW_CASES
from caseaudit_lib.score.ratings import pct_text

if TYPE_CHECKING:
    from caseaudit_lib.present.narrative import Narrative

TOP_RECOMMENDATIONS = 3
# Where the export puts the contents list: right after the box (caseaudit_lib.export.html).
TOC_HERE = "<!--caseaudit:toc-here-->"
TEMPLATE = "glance.html.j2"
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")

DIRECTION_WORDS = {
    "upward": "upward: where a real change can be told from chance, it is an improvement",
    "downward": "downward: where a real change can be told from chance, it is a decline",
    "mixed": "mixed: some themes improved and others declined by more than chance",
    "unclear": "not clear: no change is larger than chance alone could produce",
}


@dataclass(frozen=True)
class GlanceTheme:
    """One theme in the box: rating, score, interval span and change, in words."""

    name: str
    rating: str | None
    score: str  # "63% (54–71%)": the score and its 95% interval, or "no data"
    span: str  # "Requires improvement to Good" / "Inadequate throughout"
    change: str  # "improved", "no clear change", "declined", or "" (not compared)


@dataclass(frozen=True)
class Glance:
    """The content of the "at a glance" box."""

    cases: str  # "20 cases read by 7 auditors on 21–22 March 2016"
    themes: tuple[GlanceTheme, ...]
    direction: str  # one sentence, or ""
    against: str  # what the changes are against, or ""
    recommendations: tuple[str, ...]
    more_recommendations: int  # how many more the Recommendations section lists
    overall: str = ""  # HMIP's overall rating in words, where the framework has one


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def span_words(rating: str | None, low: str | None, high: str | None) -> str:
    """Return the rating bands a theme's 95% interval runs across, in words."""
    if not rating:
        return "no rating"
    if not low or not high:
        return f"rated {rating}"
    if low == high:
        return f"{low} throughout"
    return f"{low} to {high}"


def _score(theme: dict[str, Any]) -> str:
    if _missing(theme.get("score_pct")):
        return "no data"
    if _missing(theme.get("ci_low_pct")) or _missing(theme.get("ci_high_pct")):
        return f"{pct_text(theme['score_pct'])} ({TOO_FEW_CASES})"
    low, high = pct_text(theme["ci_low_pct"]), pct_text(theme["ci_high_pct"])
    return f"{pct_text(theme['score_pct'])} ({low[:-1]}–{high})"


def _change_words(verdict: Any) -> str:
    return verdict if verdict in (IMPROVED, DECLINED, NO_CLEAR_CHANGE) else ""


def plain(text: str) -> str:
    """Return Markdown text as plain words: emphasis and code marks dropped, one line."""
    return " ".join(_EMPHASIS.sub(r"\2", str(text)).split())


def top_recommendations(story: Narrative, limit: int = TOP_RECOMMENDATIONS) -> list[str]:
    """Return the texts of the recommendations that matter most (see the module docstring)."""
    themes = story.results.scores.themes.set_index("theme_id")["score_pct"]

    def rank(item: tuple[int, Any]) -> tuple[int, float, int]:
        index, rec = item
        if rec.theme_id is None:
            return (1, 0.0, index)
        score = themes.get(rec.theme_id)
        return (0, -1.0 if _missing(score) else float(score), index)

    ordered = sorted(enumerate(story.findings.recommendations), key=rank)
    return [plain(rec.text) for _, rec in ordered[:limit]]


def glance_of(story: Narrative) -> Glance:
    """Return the "at a glance" content of an audit's report."""
    results = story.results
    params, audit = results.params, results.audit
    first = audit.first_marking().cases
    n_auditors = first["auditor"].nunique()
    when = date_span(params.audit_date, params.audit_end_date)
    cases = (
        f"{audit.n_cases} case{'s' if audit.n_cases != 1 else ''} read by {n_auditors} "
        f"auditor{'s' if n_auditors != 1 else ''} {when}"
    ).strip()
    # The most telling comparison with numbers: the last audit, then a baseline with counts.
    numeric = [a for a in story.against if a.kind != "judgements"]
    counts = [count_changes(results.comparison, a) for a in numeric]
    chosen = next((a for a, c in zip(numeric, counts, strict=True) if c.tested), None)
    comparison = results.comparison
    rows = []
    for theme in results.scores.themes.to_dict("records"):
        change = ""
        if chosen is not None:
            found = comparison[
                (comparison["baseline_id"] == chosen.id)
                & (comparison["theme_id"] == theme["theme_id"])
            ]
            if not found.empty:
                change = _change_words(found.iloc[0]["verdict"])
        rating = theme.get("rating") if isinstance(theme.get("rating"), str) else None
        # A standard rated on its own (resettlement) with no case of its kind is "not rated".
        unrated = rating is None and not results.framework.theme(theme["theme_id"]).in_overall
        rows.append(
            GlanceTheme(
                name=str(theme["theme"]),
                rating=rating,
                score="not rated" if unrated else _score(theme),
                span=span_words(
                    rating,
                    theme.get("rating_low") if isinstance(theme.get("rating_low"), str) else None,
                    theme.get("rating_high") if isinstance(theme.get("rating_high"), str) else None,
                ),
                change=change,
            )
        )
    way = direction(counts)
    direction_text = (
        f"Direction of travel since {chosen.name}: {DIRECTION_WORDS[way]}."
        if chosen is not None and way in DIRECTION_WORDS
        else "No comparison can yet tell a real change from chance."
        if story.against
        else "This is the first audit scored this way: it is the baseline for the next one."
    )
    recommendations = top_recommendations(story)
    total = results.scores.overall
    overall = (
        f"Overall on HMIP's rules: {total['band']}, {total['total_points']} of "
        f"{total['max_points']} points"
        if total
        else ""
    )
    return Glance(
        cases=cases,
        themes=tuple(rows),
        direction=direction_text,
        against=chosen.name if chosen is not None else "",
        recommendations=tuple(recommendations),
        more_recommendations=max(len(story.findings.recommendations) - len(recommendations), 0),
        overall=overall,
    )


def at_a_glance(story: Narrative) -> str:
    """Return the "at a glance" box of a report as HTML, for the report notebook."""
    return glance_html(glance_of(story))


def rating_class(rating: str | None) -> str:
    """Return the CSS class of a rating badge, e.g. "rating-requires-improvement"."""
    if not rating:
        return "rating-none"
    return "rating-" + "-".join(str(rating).lower().split())


def glance_html(glance: Glance) -> str:
    """Return the box as HTML (typed text escaped), followed by the contents list's marker."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["rating_class"] = rating_class
    return env.get_template(TEMPLATE).render(g=glance) + TOC_HERE
