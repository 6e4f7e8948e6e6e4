"""Data-quality summaries of a loaded audit: what was read, what is missing, who marked what.

These are the tables of the data-quality notebook. They describe the audit as loaded (after
validation and pseudonymisation), so they never show a name or an original case reference.
Percentages are 0-100, NaN where nothing could be counted, always beside their ``n``; column
names are the headings a reader sees (``views.styled`` formats any column ending in ``%``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from caseaudit_lib.score.counts import first_answers, percent

if TYPE_CHECKING:
    from caseaudit_lib.audit.loading import Audit
    from caseaudit_lib.pipeline import AuditResults


def loaded_summary(results: AuditResults) -> pd.DataFrame:
    """Return what was loaded, one line per fact: file, framework, cases, markings, caseload."""
    audit, params, framework = results.audit, results.params, results.framework
    markings = audit.cases["marking"].value_counts()
    n_first = int(markings.get("first", 0))
    facts = [
        ("Audit", f"{params.title} ({params.audit_id})"),
        ("Service", params.service),
        ("Scoring file", params.data_file),
        ("Framework", f"{framework.title} ({framework.id}, version {framework.version})"),
        ("Themes", str(len(framework.themes))),
        ("Questions", str(len(framework.questions))),
        ("Cases audited (first markings)", str(n_first)),
        ("Second markings (moderation)", str(int(markings.get("second", 0)))),
        ("Auditors", str(audit.cases["auditor"].nunique())),
        ("Answers read (first markings x questions)", str(n_first * len(framework.questions))),
        ("Caseload", "not given" if params.caseload is None else str(params.caseload)),
        ("Sample", params.sample_description or "not described"),
        ("Validation warnings", str(len(audit.warnings))),
    ]
    return pd.DataFrame(facts, columns=["What", "Value"])


def missing_by_question(audit: Audit) -> pd.DataFrame:
    """Return, per question, how many first-marked cases left it blank or judged it not applicable.

    ``Applies to`` counts the cases whose type the framework applies the question to; the two
    percentages are out of those. ``Ruled out by case type`` counts the others (never scored,
    never a fault).
    """
    first = first_answers(audit.answers)
    counts = (
        first.groupby("question_id", observed=True)[
            ["applying", "not_answered", "judged_na", "ruled_out"]
        ]
        .sum()
        .reindex(list(audit.framework.question_ids), fill_value=0)
    )
    questions = audit.framework.questions
    return pd.DataFrame(
        {
            "Theme": [audit.framework.theme(q.theme_id).name for q in questions],
            "Question": [q.id for q in questions],
            "Wording": [q.text for q in questions],
            "Applies to": counts["applying"].to_numpy(),
            "Not answered": counts["not_answered"].to_numpy(),
            "Not answered %": percent(counts["not_answered"], counts["applying"]),
            "Judged not applicable": counts["judged_na"].to_numpy(),
            "Judged not applicable %": percent(counts["judged_na"], counts["applying"]),
            "Ruled out by case type": counts["ruled_out"].to_numpy(),
        }
    )


def missing_by_auditor(audit: Audit) -> pd.DataFrame:
    """Return, per auditor, the blank and not-applicable answers among questions that applied."""
    first = first_answers(audit.answers)
    grouped = first.groupby("auditor", observed=True)
    counts = grouped[["applying", "not_answered", "judged_na"]].sum()
    return pd.DataFrame(
        {
            "Auditor": counts.index.to_numpy(),
            "Cases": grouped["case_id"].nunique().to_numpy(),
            "Questions that applied": counts["applying"].to_numpy(),
            "Not answered": counts["not_answered"].to_numpy(),
            "Not answered %": percent(counts["not_answered"], counts["applying"]),
            "Judged not applicable": counts["judged_na"].to_numpy(),
            "Judged not applicable %": percent(counts["judged_na"], counts["applying"]),
        }
    )


def warnings_table(audit: Audit) -> pd.DataFrame:
    """Return the validation warnings, one row each: where, what, the value found."""
    rows = [
        {
            "Severity": p.severity,
            "Where": " ".join(filter(None, [p.sheet, p.cell, p.column and f"column {p.column}"])),
            "Message": p.message,
            "Found": p.value or "",
        }
        for p in audit.warnings
    ]
    return pd.DataFrame(rows, columns=["Severity", "Where", "Message", "Found"])


def case_types(audit: Audit) -> pd.DataFrame:
    """Return the first-marked cases per case type (every type of the framework, in its order)."""
    first = audit.cases[audit.cases["marking"] == "first"]
    labels = audit.framework.case_types
    counts = first["case_type"].value_counts().reindex(list(labels), fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "Case type": list(labels.values()),
            "Cases": counts.to_numpy(),
            "Share of sample %": percent(counts.to_numpy(), np.full(len(counts), total)),
        }
    )


def auditors(audit: Audit) -> pd.DataFrame:
    """Return each auditor's first markings (with their share of the sample) and second markings."""
    markings = pd.crosstab(audit.cases["auditor"], audit.cases["marking"])
    first = markings.get("first", pd.Series(0, index=markings.index))
    second = markings.get("second", pd.Series(0, index=markings.index))
    total = int(first.sum())
    return pd.DataFrame(
        {
            "Auditor": markings.index.to_numpy(),
            "Cases": first.to_numpy(),
            "Share of sample %": percent(first.to_numpy(), np.full(len(first), total)),
            "Second markings": second.to_numpy(),
        }
    )


def sample_sentence(results: AuditResults) -> str:
    """Return the sample against the caseload in one plain sentence."""
    n = results.audit.n_cases
    caseload = results.params.caseload
    described = results.params.sample_description
    how = f" The sample: {described}." if described else ""
    if caseload is None:
        return (
            f"{n} cases were audited. The caseload was not given, so the intervals treat the "
            f"sample as drawn from a large population (wider, to be safe).{how}"
        )
    return (
        f"{n} cases were audited out of a caseload of {caseload} ({100 * n / caseload:.0f}%). "
        f"Because a good share of the caseload was read, the intervals are narrowed to allow "
        f"for it (finite population correction).{how}"
    )
