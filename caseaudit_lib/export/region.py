"""The regional view, ``outputs/region.html``: services compared fairly, with funnel plots.

Built whenever the audits listed cover at least three services on the same framework. Services
are grouped by the optional ``region:`` of their params files (and by framework, since each
framework has its own themes); one page per group of at least three services. With one such
group ``region.html`` is its page; with several, ``region.html`` lists them and each has its
own ``region-<slug>.html``.

Each page shows, per theme, a funnel plot of every service's latest audit
(:mod:`caseaudit_lib.compare.funnel`), what it says in words and in a table, the region's
pooled score with its interval, and the pooled score per year when the audits span years.
Like the overview, everything comes from the score tables the builds published in
``outputs/<audit_id>/tables/`` (``theme_scores.csv`` and ``case_scores.csv``); the page is
self-contained (inlined stylesheet, charts as PNG ``data:`` URIs with alt text and a data
table, no script) and every typed text is escaped by jinja2's autoescape. Who calls it runs
the leak check on the written pages.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from caseaudit_lib import __version__
from caseaudit_lib.compare.funnel import (
    ABOVE,
    BELOW,
    HMIP_MIN_CASES,
    WITHIN,
    WITHIN_WORDS,
    Funnel,
    PooledScore,
    funnel,
    pooled_score,
    theme_effective_n,
)
from caseaudit_lib.export import OVERVIEW_FILE, REGION_FILE, REPORT_FILE, TEMPLATES_DIR
from caseaudit_lib.export.atomic import write_atomic
from caseaudit_lib.present.wording import month_year
from caseaudit_lib.score.ratings import pct_text

if TYPE_CHECKING:
    from caseaudit_lib.config.params import AuditParams
    from caseaudit_lib.framework.model import Framework

MIN_SERVICES = 3  # fewer services make no funnel worth reading
REGION_PAGES = "region-*.html"  # one page per region when there are several
STYLESHEET = TEMPLATES_DIR / "report_html" / "report.css"
CHART_DPI = 100
POSITION_WORDS = {
    ABOVE: "above the upper 99.8% limit",
    BELOW: "below the lower 99.8% limit",
    WITHIN: WITHIN_WORDS,
}


@dataclass(frozen=True)
class RegionAudit:
    """One audit the regional view may show: its params and its published tables."""

    params: AuditParams
    themes: pd.DataFrame  # theme_scores.csv
    cases: pd.DataFrame  # case_scores.csv

    @property
    def key(self) -> tuple[str, str]:
        """Return the order of a service's audits: by date, then id."""
        return (self.params.audit_date, self.params.audit_id)


@dataclass
class ThemeView:
    """One theme of a regional page: the funnel, its chart, its words, the pooled score."""

    theme_id: str
    name: str
    result: Funnel
    pooled: PooledScore
    rating: str | None
    chart: dict[str, str]
    rows: list[dict[str, Any]]
    above: list[str]
    below: list[str]
    within: list[str]


@dataclass
class RegionPage:
    """One group of services: a region (or none) on one framework."""

    region: str | None
    framework: Framework
    file: str
    audits: list[RegionAudit]  # each service's latest
    themes: list[ThemeView] = field(default_factory=list)
    small: list[str] = field(default_factory=list)  # services with fewer than HMIP_MIN_CASES
    trend: list[dict[str, Any]] = field(default_factory=list)  # pooled score by year and theme
    trend_chart: dict[str, str] | None = None

    @property
    def title(self) -> str:
        """Return the page's title."""
        where = self.region or "Services without a region"
        return f"Regional view: {where}, {self.framework.title}"


def _table(path: Path) -> pd.DataFrame:
    """Return a published score table, or an empty one when the build left none."""
    if not path.is_file():
        return pd.DataFrame()
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def region_audits(params: Sequence[AuditParams], outputs_root: Path) -> list[RegionAudit]:
    """Return the audits whose last good build published their theme and case tables."""
    out = []
    for p in params:
        tables = outputs_root / p.audit_id / "tables"
        themes, cases = _table(tables / "theme_scores.csv"), _table(tables / "case_scores.csv")
        if not themes.empty and not cases.empty:
            out.append(RegionAudit(p, themes, cases))
    return out


def slug(text: str) -> str:
    """Return a file-name slug of a region's name ("North & East" -> "north-east")."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "region"


def region_groups(audits: Sequence[RegionAudit]) -> list[RegionPage]:
    """Return the pages to write: each region and framework with at least three services."""
    from caseaudit_lib.framework.model import load_framework

    groups: dict[tuple[str, str], list[RegionAudit]] = {}
    frameworks: dict[str, Framework] = {}
    for a in audits:
        if a.params.framework not in frameworks:
            frameworks[a.params.framework] = load_framework(a.params.framework)
        framework = frameworks[a.params.framework]
        region = getattr(a.params, "region", None) or ""
        groups.setdefault((region, framework.id), []).append(a)
    pages = []
    for (region, framework_id), members in sorted(groups.items()):
        latest: dict[str, RegionAudit] = {}
        for a in sorted(members, key=lambda m: m.key):
            latest[a.params.service] = a
        if len(latest) < MIN_SERVICES:
            continue
        framework = next(f for f in frameworks.values() if f.id == framework_id)
        name = f"region-{slug(region or 'no-region')}-{slug(framework_id)}.html"
        page = RegionPage(region or None, framework, name, sorted(latest.values(), key=_service))
        page.themes = [theme_view(page, theme.id) for theme in framework.themes]
        page.small = sorted({_service(a) for a in page.audits if _cases(a) < HMIP_MIN_CASES})
        page.trend, page.trend_chart = trend_rows(page, members)
        pages.append(page)
    if len(pages) == 1:
        pages[0].file = REGION_FILE
    return pages


def _service(audit: RegionAudit) -> str:
    return audit.params.service


def _cases(audit: RegionAudit) -> int:
    """Return the cases an audit scored (first markings), from its case table."""
    return int(audit.cases["case_id"].nunique())


def theme_points(audits: Sequence[RegionAudit], theme_id: str) -> pd.DataFrame:
    """Return one funnel point per audit of a theme: score (0-1), effective n, weight."""
    rows = []
    for a in audits:
        found = a.themes[a.themes["theme_id"] == theme_id]
        if found.empty or pd.isna(found["score_pct"].iloc[0]):
            continue
        t = found.iloc[0]
        cases = a.cases[(a.cases["theme_id"] == theme_id) & (a.cases["n_applicable"] > 0)]
        pooled = t["scoring"] == "pooled" and t["n_applicable"] > 0
        rows.append(
            {
                "service": a.params.service,
                "audit_id": a.params.audit_id,
                "audit_date": a.params.audit_date,
                # A pooled score from its counts, not the table's rounded percentage.
                "score": t["n_sufficient"] / t["n_applicable"] if pooled else t["score_pct"] / 100,
                "n_eff": theme_effective_n(
                    str(t["scoring"]),
                    float(t["n_applicable"]),
                    cases["n_sufficient"].to_numpy(),
                    cases["n_applicable"].to_numpy(),
                ),
                "weight": float(t["n_applicable"]),
                "n_cases": int(t["n_cases"]),
            }
        )
    return pd.DataFrame(
        rows, columns=["service", "audit_id", "audit_date", "score", "n_eff", "weight", "n_cases"]
    )


def theme_pooled(audits: Sequence[RegionAudit], theme_id: str) -> tuple[str, PooledScore]:
    """Return a theme's rule and its pooled score over the audits."""
    themes = pd.concat([a.themes[a.themes["theme_id"] == theme_id] for a in audits])
    cases = pd.concat([a.cases[a.cases["theme_id"] == theme_id] for a in audits])
    scoring = str(themes["scoring"].iloc[0]) if not themes.empty else "pooled"
    return scoring, pooled_score(scoring, themes, cases)


def theme_view(page: RegionPage, theme_id: str) -> ThemeView:
    """Return one theme's funnel, chart, words and table rows for a page."""
    from caseaudit_lib.score.ratings import rating

    theme = page.framework.theme(theme_id)
    result = funnel(theme_points(page.audits, theme_id))
    _, pooled = theme_pooled(page.audits, theme_id)
    rows = []
    for r in result.points.itertuples():
        rows.append(
            {
                "service": r.service,
                "href": f"{r.audit_id}/{REPORT_FILE}",
                "when": month_year(r.audit_date),
                "score": pct_text(100 * r.score),
                "n_cases": r.n_cases,
                "n_eff": f"{r.n_eff:.0f}",
                "limits_95": f"{pct_text(100 * r.low_95)}–{pct_text(100 * r.high_95)}",
                "limits_998": f"{pct_text(100 * r.low_99_8)}–{pct_text(100 * r.high_99_8)}",
                "position": POSITION_WORDS[r.position],
                "small": r.n_cases < HMIP_MIN_CASES,
            }
        )
    return ThemeView(
        theme_id=theme_id,
        name=theme.name,
        result=result,
        pooled=pooled,
        rating=rating(pooled.score_pct, page.framework.bands),
        chart=_chart(result, f"{theme.name}: services against the pooled rate") if rows else {},
        rows=rows,
        above=result.named(ABOVE),
        below=result.named(BELOW),
        within=result.named(WITHIN),
    )


def _png(ax: Any) -> dict[str, str]:
    """Return a drawn chart as base64 PNG and alt text, and release it."""
    from caseaudit_lib.present.charts import alt_text, close, figure_to_png_bytes

    try:
        png = figure_to_png_bytes(ax, dpi=CHART_DPI)
        return {"png": base64.b64encode(png).decode("ascii"), "alt": alt_text(ax)}
    finally:
        close(ax)


def _chart(result: Funnel, title: str) -> dict[str, str]:
    from caseaudit_lib.present.charts_funnel import funnel_chart

    return _png(funnel_chart(result, title=title))


def trend_rows(
    page: RegionPage, members: Sequence[RegionAudit]
) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
    """Return the pooled score of every theme per year, and its chart, when audits span years.

    A year pools each service's latest audit of that year; one year alone shows no trend.
    """
    by_year: dict[int, dict[str, RegionAudit]] = {}
    for a in sorted(members, key=lambda m: m.key):
        by_year.setdefault(int(a.params.audit_date[:4]), {})[a.params.service] = a
    if len(by_year) < 2:
        return [], None
    rows = []
    for year, latest in sorted(by_year.items()):
        audits = list(latest.values())
        last = max(a.params.audit_date for a in audits)
        for theme in page.framework.themes:
            _, pooled = theme_pooled(audits, theme.id)
            rows.append(
                {
                    "year": year,
                    "audit_date": last,
                    "theme_id": theme.id,
                    "theme": theme.name,
                    "services": len(audits),
                    "pooled": pooled,
                }
            )
    return rows, _trend_chart(page, rows)


def _trend_chart(page: RegionPage, rows: list[dict[str, Any]]) -> dict[str, str]:
    from caseaudit_lib.present.charts import trend_chart
    from caseaudit_lib.score.ratings import ratings

    data = pd.DataFrame(
        {
            "audit_id": [str(r["year"]) for r in rows],
            "audit_date": [r["audit_date"] for r in rows],
            "theme_id": [r["theme_id"] for r in rows],
            "theme": [r["theme"] for r in rows],
            "score_pct": [r["pooled"].score_pct for r in rows],
            "ci_low_pct": [r["pooled"].ci_low_pct for r in rows],
            "ci_high_pct": [r["pooled"].ci_high_pct for r in rows],
            "n_applicable": [r["pooled"].n_applicable for r in rows],
        }
    )
    data["rating"] = ratings(data["score_pct"], page.framework.bands)
    title = "The region's pooled score of every theme, by year"
    return _png(trend_chart(data, bands=page.framework, title=title))


def _environment() -> jinja2.Environment:
    from caseaudit_lib.present.glance import rating_class

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # services, titles, regions and theme names are typed text
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["rating_class"] = rating_class
    env.filters["pct"] = pct_text  # the one rounding rule: the band of the number shown
    env.filters["p_value"] = lambda p: "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    return env


def render_page(page: RegionPage, *, index: bool) -> str:
    """Return one region's page (``index``: whether region.html lists several regions)."""
    return (
        _environment()
        .get_template("region/region.html.j2")
        .render(
            page=page,
            css=STYLESHEET.read_text(encoding="utf-8"),
            version=__version__,
            overview=OVERVIEW_FILE,
            regions=REGION_FILE if index else None,
            min_cases=HMIP_MIN_CASES,
            min_services=MIN_SERVICES,
        )
    )


def render_index(pages: Sequence[RegionPage]) -> str:
    """Return region.html when it lists several regions' pages."""
    return (
        _environment()
        .get_template("region/index.html.j2")
        .render(
            pages=pages,
            css=STYLESHEET.read_text(encoding="utf-8"),
            version=__version__,
            overview=OVERVIEW_FILE,
        )
    )


def write_region_pages(params: Sequence[AuditParams], outputs_root: Path) -> list[Path]:
    """Write the regional pages of the audits given, remove stale ones; return those written.

    Args:
        params: Every audit listed (say, every params file of ``params/``).
        outputs_root: The folder holding each audit's ``<audit_id>/`` outputs.

    """
    root = Path(outputs_root)
    pages = region_groups(region_audits(params, root))
    written = []
    for page in pages:
        path = root / page.file
        write_atomic(path, render_page(page, index=len(pages) > 1))
        written.append(path)
    if len(pages) > 1:
        write_atomic(root / REGION_FILE, render_index(pages))
        written.append(root / REGION_FILE)
    for old in [root / REGION_FILE, *root.glob(REGION_PAGES)]:
        if old not in written:
            old.unlink(missing_ok=True)
    return written
