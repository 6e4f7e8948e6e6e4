"""The overview of every audit, ``outputs/index.html``: one page for a board or a regional lead.

One row per audit (service, audit date, each theme's rating and score with its 95% interval, and
the verdict against that service's previous audit), links to each ``report.html`` and
``report.pdf``, and per service a small chart of every theme over its audits, with intervals.
Audits are grouped by framework, since each framework has its own themes.

Everything comes from what the builds left in ``outputs/<audit_id>/``: the score tables
(``tables/theme_scores.csv``, ``tables/comparison.csv``) of the last good build, and the params
file for the service, title and dates. A failed audit is shown as failed, with its last good
report linked when there is one. The verdict is the one the audit's own comparison made (a
change is "improved" or "declined" only when its 95% interval excludes zero); the previous
audit is the service's latest audit before this one among those listed here. Each real audit
counts once: a copy of another (the same service, dates and counts in every theme, such as the
bundled 2016 audit read from a folder of the auditors' workbooks) is listed as the same audit as
the one it copies, never as a second first audit, and is left out of the service's chart.

The page is self-contained like the reports: one inlined stylesheet, charts as PNG ``data:``
URIs with alt text, no script; every typed text (titles, service and theme names, messages) is
escaped by jinja2's autoescape. Who calls it (``caseaudit batch`` and ``report``) runs the leak
check on the written page.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from caseaudit_lib import __version__
from caseaudit_lib.export import OVERVIEW_FILE, REGION_FILE, REPORT_FILE, TEMPLATES_DIR
from caseaudit_lib.export.atomic import write_atomic
from caseaudit_lib.export.pdf import PDF_FILE
from caseaudit_lib.present.wording import date_span, month_year
from caseaudit_lib.score.intervals import TOO_FEW_CASES
from caseaudit_lib.score.ratings import pct_text

if TYPE_CHECKING:
    from caseaudit_lib.config.params import AuditParams
    from caseaudit_lib.framework.model import Framework

TABLES_DIR = "tables"
THEME_SCORES = "theme_scores.csv"
COMPARISON = "comparison.csv"
TEMPLATE = "overview/index.html.j2"
STYLESHEET = TEMPLATES_DIR / "report_html" / "report.css"
CHART_DPI = 90  # a small chart: the overview shows several of them
CHARTS_KEPT = 400  # service charts kept by service_chart: more than a national run's services
# The service charts drawn in this process, by a key of everything they are drawn from.
_charts: dict[str, dict[str, str]] = {}


@dataclass(frozen=True)
class AuditEntry:
    """One audit as the caller knows it: its params and whether its last build failed.

    Attributes:
        params: The audit's params.
        failed: Whether the audit's last build failed (its last good outputs, if any, remain).
        message: Why it failed, one line, or "".

    """

    params: AuditParams
    failed: bool = False
    message: str = ""


@dataclass
class ThemeCell:
    """One theme of one audit in the overview table."""

    theme_id: str
    theme: str
    rating: str | None = None
    score: str = "no data"
    interval: str = ""
    n: int | None = None
    verdict: str = ""


@dataclass
class AuditRow:
    """One audit's row of the overview: what it says and where its reports are."""

    audit_id: str
    title: str
    service: str
    audit_date: str
    when: str
    status: str  # built | failed | not built
    message: str = ""
    html_href: str | None = None
    pdf_href: str | None = None
    previous: str = ""
    themes: dict[str, ThemeCell] = field(default_factory=dict)
    same_as: str = ""  # the audit id this row copies ("" for a real audit of its own)
    end_date: str = ""
    counts: tuple = ()  # (theme id, n cases, n applicable, n sufficient) per theme


@dataclass
class FrameworkGroup:
    """The audits of one framework: a table, and a trend chart per service."""

    framework_id: str
    title: str
    themes: list[tuple[str, str]]  # (theme id, name), framework order
    rows: list[AuditRow]
    charts: list[dict[str, str]]  # service, png (base64), alt


def _pct(value: Any) -> str:
    return pct_text(value)


def _read_table(path: Path) -> pd.DataFrame:
    """Return a score table of a build, or an empty one when the build left none."""
    if not path.is_file():
        return pd.DataFrame()
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def audit_row(entry: AuditEntry, outputs_root: Path) -> AuditRow:
    """Return one audit's row from its params and its last good build's tables."""
    params = entry.params
    folder = outputs_root / params.audit_id
    has_html = (folder / REPORT_FILE).is_file()
    status = "failed" if entry.failed else "built" if has_html else "not built"
    row = AuditRow(
        audit_id=params.audit_id,
        title=params.title,
        service=params.service,
        audit_date=str(params.audit_date),
        when=date_span(params.audit_date, params.audit_end_date).removeprefix("on "),
        status=status,
        message=entry.message,
        html_href=f"{params.audit_id}/{REPORT_FILE}" if has_html else None,
        pdf_href=f"{params.audit_id}/{PDF_FILE}" if (folder / PDF_FILE).is_file() else None,
        end_date=str(params.audit_end_date or ""),
    )
    themes = _read_table(folder / TABLES_DIR / THEME_SCORES)
    if not themes.empty:
        row.counts = tuple(
            (str(t["theme_id"]), t.get("n_cases"), t["n_applicable"], t["n_sufficient"])
            for t in themes.to_dict("records")
        )
    for t in themes.to_dict("records"):
        row.themes[str(t["theme_id"])] = ThemeCell(
            theme_id=str(t["theme_id"]),
            theme=str(t["theme"]),
            rating=None if pd.isna(t["rating"]) else str(t["rating"]),
            score=_pct(t["score_pct"]),
            interval=(
                ""
                if pd.isna(t["score_pct"])
                else TOO_FEW_CASES
                if pd.isna(t["ci_low_pct"])
                else f"{_pct(t['ci_low_pct'])}–{_pct(t['ci_high_pct'])}"
            ),
            n=int(t["n_applicable"]),
        )
    return row


def mark_copies(rows: Sequence[AuditRow]) -> None:
    """Mark each audit that copies an earlier-listed one (same service, dates, counts): same_as.

    Of a set of copies the one kept is the first by audit id; the others point at it.
    """
    kept: dict[tuple, str] = {}
    for row in sorted(rows, key=lambda r: r.audit_id):
        if not row.counts:
            continue
        key = (row.service, row.audit_date, row.end_date, row.counts)
        if key in kept:
            row.same_as = kept[key]
        else:
            kept[key] = row.audit_id


def add_verdicts(rows: list[AuditRow], outputs_root: Path) -> None:
    """Set each theme's verdict against the service's previous audit, from the comparison.

    A copy of another audit (``same_as``) is neither previous to anything nor a first audit: it
    says which audit it is the same as.
    """
    mark_copies(rows)
    by_service: dict[str, list[AuditRow]] = {}
    for row in rows:
        if row.same_as:
            for cell in row.themes.values():
                cell.verdict = f"the same audit as {row.same_as}"
            continue
        by_service.setdefault(row.service, []).append(row)
    for audits in by_service.values():
        audits.sort(key=lambda r: (r.audit_date, r.audit_id))
        for row in audits:
            table = _read_table(outputs_root / row.audit_id / TABLES_DIR / COMPARISON)
            compared = set(table["baseline_id"]) if not table.empty else set()
            # The previous audit is one from an earlier date (two audits of one day are not one
            # before the other); of those, the latest this audit was compared with, else the latest.
            earlier = [r for r in audits if r.audit_date < row.audit_date]
            before = next(
                (r for r in reversed(earlier) if r.audit_id in compared),
                earlier[-1] if earlier else None,
            )
            if before is None:
                row.previous = ""
                for cell in row.themes.values():
                    cell.verdict = "first audit"
                continue
            row.previous = month_year(before.audit_date)
            found = table[table["baseline_id"] == before.audit_id] if not table.empty else table
            verdicts = dict(zip(found.get("theme_id", []), found.get("verdict", []), strict=True))
            for theme_id, cell in row.themes.items():
                verdict = verdicts.get(theme_id)
                cell.verdict = (
                    f"{verdict} since {row.previous}"
                    if isinstance(verdict, str)
                    else f"not compared with {row.previous}"
                )


def trend_table(rows: Sequence[AuditRow], outputs_root: Path) -> pd.DataFrame:
    """Return the trend table of some audits (trend_chart's columns) from their score tables."""
    parts = []
    for row in rows:
        if row.same_as:  # each real audit once
            continue
        themes = _read_table(outputs_root / row.audit_id / TABLES_DIR / THEME_SCORES)
        if not themes.empty:
            parts.append(themes.assign(audit_id=row.audit_id, audit_date=row.audit_date))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def service_chart(data: pd.DataFrame, service: str, framework: Framework) -> dict[str, str]:
    """Return one service's chart of every theme over its audits, as base64 PNG and alt text.

    A chart already drawn from the same data in this process is not drawn again: a batch draws
    each service's chart as soon as its audits are built, while others build, and the page
    made at the end finds it here.
    """
    from caseaudit_lib.present.chart_base import inputs_fingerprint
    from caseaudit_lib.present.charts import alt_text, close, figure_to_png_bytes, trend_chart

    content = inputs_fingerprint(data)  # None: no content hash, so never reused
    # The framework by content (its bands colour the chart), not by its id.
    bands = inputs_fingerprint(framework)
    given = f"{service}|{bands}|{CHART_DPI}|{content}"
    key = (
        hashlib.sha256(given.encode()).hexdigest()
        if content is not None and bands is not None
        else None
    )
    if key in _charts:
        return _charts[key]
    ax = trend_chart(data, bands=framework, title=f"{service}: theme scores")
    try:
        png = figure_to_png_bytes(ax, dpi=CHART_DPI)
        alt = alt_text(ax)
    finally:
        close(ax)
    chart = {"service": service, "png": base64.b64encode(png).decode("ascii"), "alt": alt}
    if key is not None:
        if len(_charts) >= CHARTS_KEPT:
            _charts.pop(next(iter(_charts)))  # the oldest
        _charts[key] = chart
    return chart


def framework_groups(entries: Sequence[AuditEntry], outputs_root: Path) -> list[FrameworkGroup]:
    """Return the overview's content: per framework, its audits' rows and services' charts."""
    from caseaudit_lib.framework.model import load_framework

    rows = [audit_row(e, outputs_root) for e in entries]
    add_verdicts(rows, outputs_root)
    groups: dict[str, tuple[Framework, list[AuditRow]]] = {}
    for entry, row in zip(entries, rows, strict=True):
        framework = load_framework(entry.params.framework)
        groups.setdefault(framework.id, (framework, []))[1].append(row)
    out = []
    for framework_id, (framework, members) in groups.items():
        members.sort(key=lambda r: (r.service, r.audit_date, r.audit_id))
        charts = []
        for service in dict.fromkeys(r.service for r in members):
            data = trend_table([r for r in members if r.service == service], outputs_root)
            if not data.empty and data["score_pct"].notna().any():
                charts.append(service_chart(data, service, framework))
        themes = [(t.id, t.name) for t in framework.themes]
        outside = {t.id for t in framework.themes if not t.in_overall}
        for row in members:  # a standard rated on its own, with no case: "not rated"
            for theme_id, cell in row.themes.items():
                if theme_id in outside and cell.score == "no data":
                    cell.score = "not rated"
        out.append(FrameworkGroup(framework_id, framework.title, themes, members, charts))
    return out


def _environment() -> jinja2.Environment:
    # Imported here, when a page is made: the box's module pulls in the narrative, and a batch
    # that changed nothing only reads the overview's key.
    from caseaudit_lib.present.glance import rating_class

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # titles, services and messages are typed text
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["rating_class"] = rating_class
    return env


def render_overview(
    groups: Sequence[FrameworkGroup],
    *,
    title: str = "Case file audits",
    key: str = "",
    region_href: str | None = None,
) -> str:
    """Return the overview page for the framework groups (``key``: what it was made from)."""
    n_audits = sum(len(g.rows) for g in groups)
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            title=title,
            groups=groups,
            n_audits=n_audits,
            n_failed=sum(r.status == "failed" for g in groups for r in g.rows),
            css=STYLESHEET.read_text(encoding="utf-8"),
            too_few=TOO_FEW_CASES,
            version=__version__,
            key=key,
            region_href=region_href,
        )
    )


def write_overview(
    entries: Sequence[AuditEntry],
    outputs_root: Path,
    *,
    title: str = "Case file audits",
    key: str = "",
) -> Path:
    """Write ``outputs/index.html``, the overview of every audit given, and return its path.

    Args:
        entries: Every audit to show (say, every params file of ``params/``).
        outputs_root: The folder holding each audit's ``<audit_id>/`` outputs.
        title: The page's title.
        key: What the page is made from, recorded in it so an unchanged batch can skip it.

    """
    path = Path(outputs_root) / OVERVIEW_FILE
    # The regional view is written just before the overview, when the audits make one.
    region = REGION_FILE if (Path(outputs_root) / REGION_FILE).is_file() else None
    groups = framework_groups(entries, Path(outputs_root))
    page = render_overview(groups, title=title, key=key, region_href=region)
    write_atomic(path, page)
    return path
