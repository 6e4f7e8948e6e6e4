"""A findings file drafted from the evidence: ``caseaudit findings draft PARAMS --out FILE``.

The report's words are the auditors' observations gathered theme by theme. The draft puts,
for every theme of the framework, a heading, the theme's score line, its questions weakest
first and under each the auditors' evidence comments (by pseudonymised case id, never the
case reference), then empty places for the findings and further improvements; the earlier
audit's recommendations with their status to update; and the background, conclusion, good
practice and recommendations sections. The scores and evidence are in comments (``<!-- -->``
in Markdown, ``#`` in YAML), so the draft builds a report as it is, and once edited.

The comments were already searched for names at load (:mod:`caseaudit_lib.privacy.free_text`);
the draft is still leak-checked against the input's identifiers before it is written.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from caseaudit_lib.errors import CaseAuditError, Problem
from caseaudit_lib.findings.findings import (
    STATUSES,
    Findings,
    earlier_findings,
    recommendations_table,
)
from caseaudit_lib.findings.findings_markdown import is_markdown
from caseaudit_lib.pipeline import AuditResults, privacy_config, score_params
from caseaudit_lib.privacy.leakcheck import scan_outputs
from caseaudit_lib.privacy.pseudonymise import collect_identifiers
from caseaudit_lib.score.ratings import pct_text

YAML_SUFFIXES = (".yaml", ".yml")
WEAKEST = 3
EVIDENCE_LIMIT = 12  # comments shown per question; the explorer notebook has them all


def _pct(x: Any) -> str:
    return "no data" if x is None or (isinstance(x, float) and math.isnan(x)) else pct_text(x)


def _one_line(text: str) -> str:
    """Return text on one line, safe inside a Markdown or YAML comment."""
    return " ".join(str(text).split()).replace("--", "–")


def theme_notes(results: AuditResults, theme_id: str) -> list[str]:
    """Return a theme's notes for the analyst: score line, then questions weakest first."""
    themes = results.scores.themes.set_index("theme_id")
    notes = []
    if theme_id in themes.index:
        t = themes.loc[theme_id]
        rating = f", {t['rating']}" if isinstance(t["rating"], str) and t["rating"] else ""
        interval = (
            f" (95% interval {_pct(t['ci_low_pct'])} to {_pct(t['ci_high_pct'])})"
            if not math.isnan(t["score_pct"])
            else ""
        )
        notes.append(
            f"Score: {_pct(t['score_pct'])}{interval}{rating}; {t['n_sufficient']} of "
            f"{t['n_applicable']} applicable answers sufficient, {t['n_cases']} cases."
        )
    questions = results.scores.questions
    questions = questions[questions["theme_id"] == theme_id]
    questions = questions.sort_values("score_pct", na_position="last", kind="stable")
    answers = results.audit.first_marking().answers
    for i, q in enumerate(questions.itertuples()):
        label = "Weakest: " if i < WEAKEST and not math.isnan(q.score_pct) else ""
        notes.append(
            f"{label}{q.question_id} {_pct(q.score_pct)} ({q.n_sufficient} of {q.n_applicable}):"
            f" {_one_line(q.question)}"
        )
        said = answers[(answers["question_id"] == q.question_id) & (answers["comment"] != "")]
        for row in said.head(EVIDENCE_LIMIT).itertuples():
            notes.append(f"    {row.case_id} ({row.answer}): {_one_line(row.comment)}")
        if len(said) > EVIDENCE_LIMIT:
            notes.append(f"    ... and {len(said) - EVIDENCE_LIMIT} more in 04_explore")
    return notes


def earlier_recommendations(results: AuditResults) -> pd.DataFrame:
    """Return the earlier audits' recommendations, with their latest status to update."""
    earlier = earlier_findings(results.params, results.framework)
    return recommendations_table(Findings(), earlier)


def _md_cell(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split()).replace("|", "\\|")


def markdown_draft(results: AuditResults) -> str:
    """Return the draft as a Markdown findings file (format: docs/report.md)."""
    p = results.params
    out = [
        f"# Findings: {_one_line(p.title)}",
        "",
        "<!--",
        "A draft written by `caseaudit findings draft` from the scores and the auditors'",
        "evidence. Write under each heading; text between these comment marks is a note for",
        "you and never reaches the report. Format: docs/report.md.",
        "-->",
        f"audit_id: {p.audit_id}",
        "",
        "## Background",
        "",
        "<!-- Why the audit was done, how the cases were chosen, what changed since. -->",
        "",
        "## Conclusion",
        "",
        "<!-- The auditors' view of the direction of travel. -->",
        "",
        "## Good practice",
        "",
        "<!-- One bullet per example of good practice seen in the cases. -->",
        "",
    ]
    for theme in results.framework.themes:
        out += [f"## {theme.name}", "", "<!--", *theme_notes(results, theme.id), "-->", ""]
        out += ["### Findings", "", "-", "", "### Further improvements", "", "-", ""]
    out += [
        "## Recommendations",
        "",
        "<!-- The earlier audits' recommendations come first: update each status ("
        + ", ".join(STATUSES)
        + "). Add this audit's below them; theme is a theme's name, or blank for the service. -->",
        "",
        "| id | recommendation | theme | owner | due | status |",
        "|---|---|---|---|---|---|",
    ]
    names = {t.id: t.name for t in results.framework.themes}
    for row in earlier_recommendations(results).to_dict("records"):
        theme = names.get(row["theme_id"], row["theme_id"] or "")
        cells = [row["id"], row["text"], theme, row["owner"], row["due"], row["status_then"]]
        out.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(out) + "\n"


def _yaml(value: Any) -> str:
    # JSON strings are YAML double-quoted scalars: no quoting rule of YAML to get wrong.
    return json.dumps(value, ensure_ascii=False)


def yaml_draft(results: AuditResults) -> str:
    """Return the draft as a YAML findings file (format: docs/report.md)."""
    p = results.params
    out = [
        f"# Findings draft for {_one_line(p.title)}, written by `caseaudit findings draft`.",
        "# Write the findings as lists of paragraphs; the comments are notes for you.",
        f"audit_id: {_yaml(p.audit_id)}",
        "# Why the audit was done, how the cases were chosen, what changed since.",
        "background: []",
        "conclusion:",
        "good_practice: []",
        "themes:",
    ]
    for theme in results.framework.themes:
        out += [f"  {theme.id}:", f"    # {theme.name}"]
        out += [f"    # {note}" for note in theme_notes(results, theme.id)]
        out += ["    findings: []", "    further_improvements: []"]
    rows = earlier_recommendations(results).to_dict("records")
    out.append("recommendations:" + ("" if rows else " []"))
    if rows:
        out.append("  # The earlier audits' recommendations: update each status.")
    for row in rows:
        out.append(f"  - id: {_yaml(row['id'])}")
        out.append(f"    text: {_yaml(row['text'])}")
        if row["theme_id"]:
            out.append(f"    theme: {_yaml(row['theme_id'])}")
        out += [
            f"    owner: {_yaml(row['owner'])}",
            f"    due: {_yaml(row['due'])}",
            f"    status: {_yaml(row['status_then'])}",
        ]
    return "\n".join(out) + "\n"


def write_findings_draft(
    params_file: str | os.PathLike[str], out: str | os.PathLike[str], *, force: bool = False
) -> Path:
    """Write a findings draft for an audit: Markdown for ``.md``, YAML for ``.yaml``.

    Raises:
        CaseAuditError: The file exists (without ``force``), its extension is neither, the
            audit cannot be scored, or the draft would hold an identifier of the input.

    """
    path = Path(out)
    if not (is_markdown(path) or path.suffix.lower() in YAML_SUFFIXES):
        raise CaseAuditError(
            [Problem("error", str(path), "unknown findings format", value=path.suffix or "(none)",
                     expected=".md for Markdown or .yaml for YAML")]
        )  # fmt: skip
    if path.exists() and not force:
        raise CaseAuditError(
            [Problem("error", str(path), "the file exists; not overwritten",
                     expected="another name, or --force to replace it")]
        )  # fmt: skip
    results = score_params(params_file)
    text = markdown_draft(results) if is_markdown(path) else yaml_draft(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.draft{path.suffix}")
    staged.write_text(text, encoding="utf-8")
    identifiers = collect_identifiers(
        results.params.data_path, results.framework, privacy_config(results.params)
    )
    leaks = scan_outputs([staged], identifiers)
    if leaks:
        staged.unlink()
        raise CaseAuditError(
            [Problem("error", str(path), "the draft would hold a personal identifier; "
                     "not written", expected="no names or references in the evidence comments")]
        )  # fmt: skip
    os.replace(staged, path)
    return path
