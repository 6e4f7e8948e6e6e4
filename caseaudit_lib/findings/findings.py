"""The analyst's findings file: what the auditors found, in their words, for the board report.

One YAML or Markdown file per audit (the params' ``findings_file``; format in docs/report.md) holds
the text that numbers cannot give: background notes, an optional conclusion, good practice, each
theme's findings and further improvements (Markdown), and the recommendations with an owner, a
due date and a status. A recommendation whose id also appears in an earlier audit's findings file
of the same service is that recommendation followed up: the report shows its status now beside
its status when it was made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from caseaudit_lib.config.params import AuditParams, earlier_chain
from caseaudit_lib.errors import ParamsError, Problem
from caseaudit_lib.findings.findings_markdown import is_markdown, read_markdown_findings
from caseaudit_lib.findings.sanitise import clean_yaml_texts
from caseaudit_lib.paths import display_path, resolve
from caseaudit_lib.privacy.detector import Detector, framework_wording
from caseaudit_lib.yaml_fields import FieldChecker, one_of, read_yaml_mapping

if TYPE_CHECKING:
    from caseaudit_lib.framework.model import Framework

STATUSES = ("not started", "in progress", "done", "dropped")
TOP_KEYS = (
    "audit_id",
    "background",
    "conclusion",
    "good_practice",
    "themes",
    "recommendations",
)
THEME_KEYS = ("findings", "further_improvements")
RECOMMENDATION_KEYS = ("id", "text", "theme", "owner", "due", "status")
REQUIRED_RECOMMENDATION_KEYS = ("id", "text", "owner", "due", "status")
NOT_REVIEWED = "not reviewed at this audit"
RECOMMENDATION_COLUMNS = [
    "id", "text", "theme_id", "owner", "due", "made_in", "made_on", "status_then", "status_now",
]  # fmt: skip


@dataclass(frozen=True)
class Recommendation:
    """One recommendation: what is to be done, by whom, by when, and how far it has got."""

    id: str
    text: str
    owner: str
    due: str  # ISO date
    status: str  # one of STATUSES
    theme_id: str | None = None  # None: it concerns the service as a whole


@dataclass(frozen=True)
class ThemeFindings:
    """What the auditors found in one theme, and what should improve (Markdown paragraphs)."""

    findings: tuple[str, ...] = ()
    further_improvements: tuple[str, ...] = ()


@dataclass(frozen=True)
class Findings:
    """The analyst's findings for one audit."""

    source: str = ""
    audit_id: str | None = None
    background: tuple[str, ...] = ()
    conclusion: str | None = None
    good_practice: tuple[str, ...] = ()
    themes: Mapping[str, ThemeFindings] = field(default_factory=dict)
    recommendations: tuple[Recommendation, ...] = ()
    # What the sanitiser left out of the text (raw HTML, unsafe links), one warning each.
    warnings: tuple[Problem, ...] = ()

    def theme(self, theme_id: str) -> ThemeFindings:
        """Return a theme's findings (empty when the file says nothing about it)."""
        return self.themes.get(theme_id, ThemeFindings())


def _paragraphs(c: FieldChecker, key: str, value: Any) -> tuple[str, ...]:
    """Return a text or a list of texts as a tuple of paragraphs."""
    if value is None:
        return ()
    if isinstance(value, str):
        text = c.text(key, value)
        return (text,) if text else ()
    return c.texts(key, value) or ()


def _themes(c: FieldChecker, value: Any, theme_ids: Sequence[str] | None) -> dict:
    """Check the per-theme findings: theme id -> {findings, further_improvements}."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        c.fault("themes", value, "not a mapping", "theme id: {findings: [...], ...}")
        return {}
    out = {}
    for raw_id, entry in value.items():
        theme_id = str(raw_id)
        key = f"themes.{theme_id}"
        if theme_ids is not None and theme_id not in theme_ids:
            c.fault(
                key, theme_id, "not a theme of the audit's framework", one_of(theme_id, theme_ids)
            )
            continue
        if entry is None:
            entry = {}
        if not isinstance(entry, Mapping):
            c.fault(key, entry, "not a mapping", "findings: [...], further_improvements: [...]")
            continue
        c.unknown_keys(key, entry, THEME_KEYS)
        out[theme_id] = ThemeFindings(
            *(_paragraphs(c, f"{key}.{name}", entry.get(name)) for name in THEME_KEYS)
        )
    return out


def _recommendations(
    c: FieldChecker, value: Any, theme_ids: Sequence[str] | None
) -> tuple[Recommendation, ...]:
    """Check the recommendations list."""
    if value is None:
        return ()
    if not isinstance(value, list):
        c.fault("recommendations", value, "not a list", "a list of {id, text, owner, due, status}")
        return ()
    out: list[Recommendation] = []
    seen: set[str | None] = set()
    entries = c.entries(
        "recommendations",
        value,
        RECOMMENDATION_KEYS,
        REQUIRED_RECOMMENDATION_KEYS,
        "id, text, theme, owner, due, status",
    )
    for key, entry in entries:
        # An unquoted id such as 1 or 1.1 reads as a number; the id is the text.
        rec_id = None if entry.get("id") is None else str(entry["id"]).strip()
        if c.repeated(f"{key}.id", rec_id, seen, "each recommendation id once"):
            rec_id = None
        values = {
            "text": c.text(f"{key}.text", entry["text"]) if "text" in entry else None,
            "owner": c.text(f"{key}.owner", entry["owner"]) if "owner" in entry else None,
            "due": c.date(f"{key}.due", entry["due"]) if "due" in entry else None,
            "status": None,
            "theme_id": c.text(f"{key}.theme", entry.get("theme"), optional=True),
        }
        status = entry.get("status")
        if "status" in entry:
            folded = str(status).strip().casefold() if isinstance(status, str) else None
            if folded in STATUSES:
                values["status"] = folded
            else:
                c.fault(f"{key}.status", status, "not a status", one_of(str(status), STATUSES))
        theme_id = values["theme_id"]
        if theme_id is not None and theme_ids is not None and theme_id not in theme_ids:
            c.fault(
                f"{key}.theme", theme_id, "not a theme of the audit's framework",
                one_of(theme_id, theme_ids),
            )  # fmt: skip
            continue
        required = [values[k] for k in ("text", "owner", "due", "status")]
        if rec_id and all(v is not None for v in required):
            out.append(Recommendation(id=rec_id, **values))
    return tuple(out)


def load_findings(
    path: str | Path,
    framework: Framework | None = None,
    *,
    audit_id: str | None = None,
    allowed: Sequence[str] = (),
    patterns: Sequence[str] = (),
) -> Findings:
    """Read an audit's findings file.

    Args:
        path: the YAML or Markdown (.md) file; relative paths are relative to the project root.
        framework: the audit's framework; when given, every theme id (under ``themes`` and in
            a recommendation's ``theme``) must be one of its themes.
        audit_id: the audit's id; when given and the file names one, they must agree (a guard
            against pointing a params file at another audit's findings).
        allowed: the params' own wording (service, title, audit dates): never withheld, like
            the framework's.
        patterns: the params' ``privacy: {patterns: [...]}``, withheld as from comments.

    Raises:
        ParamsError: one problem per fault, all at once.

    """
    markdown = None
    # The findings pass the same detector as the auditors' comments (text often pasted from them).
    detector = Detector(None, patterns, [*framework_wording(framework), *allowed])
    if is_markdown(path):
        resolved = resolve(path)
        markdown = read_markdown_findings(resolved, display_path(resolved), framework)
        source, c = display_path(resolved), FieldChecker(display_path(resolved))
        # Markdown lines are located by the parser (markdown.locate), not by re-reading YAML.
        values, dropped = clean_yaml_texts(markdown.values, source, detector=detector)
        dropped = [markdown.locate(p) for p in dropped]
    else:
        doc = read_yaml_mapping(path, "findings file")
        source, c = doc.source, doc.checker()
        # Everything below reads the cleaned text: no raw HTML or unsafe link reaches the report.
        values, dropped = clean_yaml_texts(doc.values, source, resolve(path), detector=detector)
    c.unknown_keys("", values, TOP_KEYS)
    theme_ids = [t.id for t in framework.themes] if framework is not None else None
    file_audit = c.text("audit_id", values.get("audit_id"), optional=True)
    if file_audit and audit_id and file_audit != audit_id:
        c.fault("audit_id", file_audit, "findings of another audit", audit_id)
    findings = Findings(
        source=source,
        audit_id=file_audit,
        background=_paragraphs(c, "background", values.get("background")),
        conclusion=c.text("conclusion", values.get("conclusion"), optional=True),
        good_practice=_paragraphs(c, "good_practice", values.get("good_practice")),
        themes=_themes(c, values.get("themes"), theme_ids),
        recommendations=_recommendations(c, values.get("recommendations"), theme_ids),
        warnings=tuple(dropped),
    )
    if c.problems:
        raise ParamsError([markdown.locate(p) for p in c.problems] if markdown else c.problems)
    return findings


def findings_of(params: AuditParams, framework: Framework | None = None) -> Findings:
    """Return the findings of an audit's params (empty findings when it names no file)."""
    path = params.findings_path
    if path is None:
        return Findings()
    return load_findings(
        path,
        framework,
        audit_id=params.audit_id,
        allowed=params_wording(params),
        patterns=tuple(params.privacy.get("patterns", ())),
    )


def params_wording(params: AuditParams) -> list[str]:
    """Return the params' own wording: the service, title, sample and the audit's dates."""
    texts = [params.service, params.title, params.sample_description, params.audit_date]
    texts += [params.audit_end_date or ""]
    return [t for t in texts if t]


def earlier_findings(
    params: AuditParams, framework: Framework | None = None
) -> list[tuple[AuditParams, Findings]]:
    """Return each earlier audit of the service (oldest first) with its findings."""
    return [(p, findings_of(p, framework)) for p in earlier_chain(params)]


def recommendations_table(
    findings: Findings,
    earlier: Sequence[tuple[AuditParams, Findings]] = (),
) -> pd.DataFrame:
    """Return every recommendation to report: earlier audits' first, then this audit's new ones.

    A recommendation of an earlier audit is matched by id. ``made_in``/``made_on`` name the
    earliest audit that made it and ``status_then`` its status in the latest earlier file that
    lists it; ``status_now`` is its status in this audit's file, or "not reviewed at this audit"
    when this file does not list it. Owner, due date and text are this file's when it restates
    the recommendation. This audit's own new recommendations have ``made_in`` = None and
    ``status_now`` = their status.

    Returns:
        One row per recommendation, columns ``RECOMMENDATION_COLUMNS``.

    """
    current = {r.id: r for r in findings.recommendations}
    rows: dict[str, dict[str, Any]] = {}
    for params, older in earlier:
        for rec in older.recommendations:
            row = rows.setdefault(
                rec.id, {"made_in": params.audit_id, "made_on": params.audit_date}
            )
            row.update(_rec_values(rec), status_then=rec.status)
    for rec_id, row in rows.items():
        now = current.get(rec_id)
        if now is not None:
            row.update(_rec_values(now), status_now=now.status)
        else:
            row["status_now"] = NOT_REVIEWED
    new = [
        {**_rec_values(r), "made_in": None, "made_on": None, "status_then": None,
         "status_now": r.status}
        for r in findings.recommendations
        if r.id not in rows
    ]  # fmt: skip
    table = pd.DataFrame([{"id": k, **v} for k, v in rows.items()] + new)
    table = table.reindex(columns=RECOMMENDATION_COLUMNS).astype(object)
    return table.where(table.notna(), None)


def _rec_values(rec: Recommendation) -> dict[str, Any]:
    return {
        "id": rec.id,
        "text": rec.text,
        "theme_id": rec.theme_id,
        "owner": rec.owner,
        "due": rec.due,
    }
