"""The first thing each analysts' notebook shows: which audit this is and its headline numbers.

``ca.audit_headline(results)`` in the cell that scores the audit shows, before any detail, the
audit's title, service, dates and framework, then the cases, the auditors and the themes rated
(with how many fell in each band). Everything in it that a person typed (title, service,
framework title) is escaped in its HTML.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from caseaudit_lib.present.wording import date_span

if TYPE_CHECKING:
    from caseaudit_lib.pipeline import AuditResults


@dataclass(frozen=True, repr=False)
class Headline:
    """Which audit a notebook shows and its headline numbers; displays itself in Jupyter."""

    audit_id: str
    title: str
    service: str
    when: str
    framework: str
    n_cases: int
    n_auditors: int
    n_rated: int
    n_themes: int
    ratings: tuple[tuple[str, int], ...]
    overall: str | None = None

    def about(self) -> str:
        """Return the line naming the audit: service, dates, framework and audit id."""
        return f"{self.service}, {self.when} · {self.framework} · audit id {self.audit_id}"

    def numbers(self) -> str:
        """Return the headline line, e.g. "20 cases · 7 auditors · 6 of 6 themes rated: ..."."""
        parts = [
            _count(self.n_cases, "case"),
            _count(self.n_auditors, "auditor"),
            f"{self.n_rated} of {_count(self.n_themes, 'theme')} rated",
        ]
        line = " · ".join(parts)
        if self.ratings:
            line += ": " + ", ".join(f"{n} {label}" for label, n in self.ratings)
        if self.overall:
            line += f" · overall {self.overall}"
        return line

    def __repr__(self) -> str:
        return f"{self.title}\n{self.about()}\n{self.numbers()}"

    def _repr_html_(self) -> str:
        return (
            '<div class="caseaudit-headline">'
            f"<p><strong>{html.escape(self.title)}</strong><br>{html.escape(self.about())}</p>"
            f"<p><strong>{html.escape(self.numbers())}</strong></p></div>"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def audit_headline(results: AuditResults) -> Headline:
    """Return which audit this is and its headline: cases, auditors, themes rated by band."""
    params, themes = results.params, results.scores.themes
    rated = themes.loc[themes["score_pct"].notna(), "rating"].dropna()
    counts = Counter(rated)
    # best band first, as the framework lists them; a label not among them (none today) last
    order = [band.label for band in results.framework.bands]
    order += sorted(set(counts) - set(order))
    overall = results.scores.overall
    return Headline(
        audit_id=params.audit_id,
        title=params.title,
        service=params.service,
        when=date_span(params.audit_date, params.audit_end_date).removeprefix("on "),
        framework=results.framework.title,
        n_cases=int(results.audit.n_cases),
        n_auditors=int(pd.Series(results.audit.cases["auditor"]).nunique()),
        n_rated=len(rated),
        n_themes=len(themes),
        ratings=tuple((label, counts[label]) for label in order if counts[label]),
        overall=overall["band"] if isinstance(overall, dict) and overall.get("band") else None,
    )
