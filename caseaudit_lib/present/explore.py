"""Drilling down an audit: theme → questions → pseudonymised cases and the auditors' evidence.

Every view is a plain function taking ``theme_id`` / ``question_id`` / ``case_type`` /
``auditor`` arguments (None for "all"), so it works without widgets, in an exported report or a
test; :func:`explorer` puts the same views behind ipywidgets drop-downs for JupyterLab.

A subgroup (one case type, one auditor) is scored afresh by the framework's rules with its own
intervals, without the finite population correction (the caseload of a subgroup is not known),
so its intervals are the wider, safe ones; with no filter the views show the audit's own
scores. Cases appear only under their pseudonyms.
"""

from __future__ import annotations

import dataclasses
import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from caseaudit_lib.load.answers import ANSWER_LEVELS
from caseaudit_lib.present.views import interval_text, styled, theme_rows
from caseaudit_lib.score.scoring import question_scores, theme_scores

if TYPE_CHECKING:
    import ipywidgets

    from caseaudit_lib.audit.loading import Audit
    from caseaudit_lib.pipeline import AuditResults

ALL_LABEL = "All"
# The value of an "All" option. Not None: ipywidgets takes a None value for "nothing selected"
# and shows a blank drop-down; no case type, auditor or question id is written so.
ALL = "(all)"


def _case_type_id(results: AuditResults, case_type: str | None) -> str | None:
    """Return the framework id of a case type given by id, label or alias."""
    if case_type is None:
        return None
    found = results.framework.case_type_id(case_type)
    if found is None:
        known = ", ".join(results.framework.case_types)
        raise LookupError(f"unknown case type {case_type!r}; expected one of {known}")
    return found


def _check(kind: str, value: str | None, known: list[str]) -> None:
    if value is not None and value not in known:
        raise LookupError(f"unknown {kind} {value!r}; expected one of {', '.join(known)}")


def subset(
    results: AuditResults, case_type: str | None = None, auditor: str | None = None
) -> Audit:
    """Return the audit's first markings, restricted to one case type and/or one auditor."""
    audit = results.audit.first_marking()
    type_id = _case_type_id(results, case_type)
    _check("auditor", auditor, sorted(audit.cases["auditor"].unique()))
    keep_cases = pd.Series(True, index=audit.cases.index)
    keep_answers = pd.Series(True, index=audit.answers.index)
    if type_id is not None:
        keep_cases &= audit.cases["case_type"] == type_id
        keep_answers &= audit.answers["case_type"] == type_id
    if auditor is not None:
        keep_cases &= audit.cases["auditor"] == auditor
        keep_answers &= audit.answers["auditor"] == auditor
    return dataclasses.replace(
        audit,
        cases=audit.cases[keep_cases].reset_index(drop=True),
        answers=audit.answers[keep_answers].reset_index(drop=True),
    )


def theme_overview(
    results: AuditResults, case_type: str | None = None, auditor: str | None = None
) -> pd.DataFrame:
    """Return each theme's score within a subgroup of cases, with n, interval and rating.

    With no filter these are the audit's own theme scores (with the finite population
    correction where the caseload is known), the same as the theme scores notebook shows.
    """
    if case_type is None and auditor is None:
        t = results.scores.themes
    else:
        audit = subset(results, case_type, auditor)
        t = theme_scores(audit.answers, results.framework, audit_id=results.params.audit_id)
    return theme_rows(t)


def theme_questions(
    results: AuditResults,
    theme_id: str,
    case_type: str | None = None,
    auditor: str | None = None,
) -> pd.DataFrame:
    """Return the questions of one theme scored within a subgroup: n, %, interval, answer counts."""
    _check("theme", theme_id, [t.id for t in results.framework.themes])
    if case_type is None and auditor is None:
        q = results.scores.questions
    else:
        audit = subset(results, case_type, auditor)
        q = question_scores(audit.answers, results.framework, audit_id=results.params.audit_id)
    q = q[q["theme_id"] == theme_id]
    return pd.DataFrame(
        {
            "Question": q["question_id"].to_numpy(),
            "Wording": q["question"].to_numpy(),
            "n": q["n_applicable"].to_numpy(),
            "Sufficient %": q["score_pct"].to_numpy(dtype=float),
            "95% interval": interval_text(q["ci_low_pct"], q["ci_high_pct"]),
            "Not sufficient": (q["n_applicable"] - q["n_sufficient"]).to_numpy(),
            "Not applicable": q["n_not_applicable"].to_numpy(),
            "Not answered": q["n_not_answered"].to_numpy(),
        }
    )


def question_cases(
    results: AuditResults,
    theme_id: str,
    question_id: str | None = None,
    case_type: str | None = None,
    auditor: str | None = None,
    answer: str | None = None,
) -> pd.DataFrame:
    """Return the cases' answers to a theme's questions (or one question) with the evidence.

    Args:
        results: the audit.
        theme_id: the theme.
        question_id: one question of the theme; None for all of them.
        case_type: one case type (id, label or alias); None for all.
        auditor: one auditor; None for all.
        answer: only this answer (e.g. "not sufficient"); None for every answer that applied.

    Returns:
        One row per case and question, questions in framework order, then cases by pseudonym:
        Case, Case type, Auditor, Question, Answer, Evidence (the auditor's comment).

    """
    theme = results.framework.theme(theme_id)
    question_ids = [q.id for q in theme.questions]
    _check("question of this theme", question_id, question_ids)
    _check("answer", answer, list(ANSWER_LEVELS))
    rows = subset(results, case_type, auditor).answers
    rows = rows[rows["theme_id"] == theme_id]
    rows = rows[rows["applies"].astype(bool)]  # ruled out by case type: nothing to read
    if question_id is not None:
        rows = rows[rows["question_id"] == question_id]
    if answer is not None:
        rows = rows[rows["answer"].astype(object) == answer]
    order = rows["question_id"].map({q: i for i, q in enumerate(question_ids)})
    rows = rows.assign(_order=order).sort_values(["_order", "case_id"])
    labels = results.framework.case_types
    return pd.DataFrame(
        {
            "Case": rows["case_id"].to_numpy(),
            "Case type": rows["case_type"].map(labels).fillna(rows["case_type"]).to_numpy(),
            "Auditor": rows["auditor"].to_numpy(),
            "Question": rows["question_id"].to_numpy(),
            "Answer": rows["answer"].astype(object).to_numpy(),
            "Evidence": rows["comment"].astype(object).fillna("").to_numpy(),
        }
    )


def case_answers(results: AuditResults, case_id: str) -> pd.DataFrame:
    """Return one case's first-marking answers to every question that applied, with evidence."""
    rows = results.audit.first_marking().answers
    _check("case", case_id, sorted(rows["case_id"].unique()))
    rows = rows[(rows["case_id"] == case_id) & rows["applies"].astype(bool)]
    names = {t.id: t.name for t in results.framework.themes}
    return pd.DataFrame(
        {
            "Theme": rows["theme_id"].map(names).to_numpy(),
            "Question": rows["question_id"].to_numpy(),
            "Answer": rows["answer"].astype(object).to_numpy(),
            "Evidence": rows["comment"].astype(object).fillna("").to_numpy(),
        }
    )


def selection_sentence(
    results: AuditResults,
    theme_id: str,
    question_id: str | None = None,
    case_type: str | None = None,
    auditor: str | None = None,
    only_not_sufficient: bool = False,
) -> str:
    """Return what a selection is, e.g. "Assessments · all case types · all auditors · 20 cases"."""
    parts = [results.framework.theme(theme_id).name]
    if question_id is not None:
        parts.append(f"question {question_id}")
    type_id = _case_type_id(results, case_type)
    parts.append("all case types" if type_id is None else results.framework.case_types[type_id])
    parts.append("all auditors" if auditor is None else auditor)
    n = len(subset(results, case_type, auditor).cases)
    parts.append(f"{n} case" + ("" if n == 1 else "s"))
    if only_not_sufficient:
        parts.append("only answers judged not sufficient")
    return " · ".join(parts)


def choices(results: AuditResults) -> dict[str, list[tuple[str, Any]]]:
    """Return the (label, value) options of each filter: themes, case types, auditors.

    The "All" option's value is :data:`ALL`; :func:`chosen` turns it into None for the views.
    """
    cases = results.audit.first_marking().cases
    present = set(cases["case_type"])
    return {
        "theme": [(t.name, t.id) for t in results.framework.themes],
        "case_type": [(ALL_LABEL, ALL)]
        + [(label, i) for i, label in results.framework.case_types.items() if i in present],
        "auditor": [(ALL_LABEL, ALL)] + [(a, a) for a in sorted(cases["auditor"].unique())],
    }


def chosen(value: Any) -> Any:
    """Return a drop-down's value as the views take it: None for "All"."""
    return None if value == ALL else value


def _question_options(results: AuditResults, theme_id: str) -> list[tuple[str, Any]]:
    theme = results.framework.theme(theme_id)
    short = [
        (f"{q.id}: {q.text[:60]}{'…' if len(q.text) > 60 else ''}", q.id) for q in theme.questions
    ]
    return [("All questions", ALL), *short]


def _html(table: pd.DataFrame, caption: str) -> str:
    if table.empty:
        return f"<p><b>{html.escape(caption)}</b>: nothing to show for this selection.</p>"
    return styled(table, caption).to_html()


def explorer(results: AuditResults) -> ipywidgets.VBox:
    """Return an interactive drill-down: theme → questions → cases and evidence, with filters.

    Drop-downs choose the theme, one of its questions (or all), a case type and an auditor; a
    tick box keeps only the answers judged not sufficient. Every control starts on a value it
    shows ("All"), and a line says what the selection is (:func:`selection_sentence`). Three
    tables follow the choices: the themes for the chosen cases, the chosen theme's questions,
    and the cases with the auditors' evidence. The widget's ``.refresh()`` redraws them (it
    runs on every change).
    """
    import ipywidgets as w

    options = choices(results)
    first_theme = options["theme"][0][1]
    theme = w.Dropdown(options=options["theme"], value=first_theme, description="Theme")
    question = w.Dropdown(
        options=_question_options(results, first_theme), value=ALL, description="Question"
    )
    case_type = w.Dropdown(options=options["case_type"], value=ALL, description="Case type")
    auditor = w.Dropdown(options=options["auditor"], value=ALL, description="Auditor")
    only_poor = w.Checkbox(value=False, description="Only answers judged not sufficient")
    selection, overview, questions, cases = w.HTML(), w.HTML(), w.HTML(), w.HTML()

    def refresh(_: Any = None) -> None:
        question_id = chosen(question.value)
        if question_id is not None and question_id not in {
            q.id for q in results.framework.theme(theme.value).questions
        }:
            return  # the question list is being swapped for the new theme's
        name = results.framework.theme(theme.value).name
        type_id, who = chosen(case_type.value), chosen(auditor.value)
        said = selection_sentence(results, theme.value, question_id, type_id, who, only_poor.value)
        selection.value = f"<p><b>Showing:</b> {html.escape(said)}</p>"
        overview.value = _html(theme_overview(results, type_id, who), "Themes, for these cases")
        questions.value = _html(
            theme_questions(results, theme.value, type_id, who), f"Questions of {name}"
        )
        cases.value = _html(
            question_cases(
                results,
                theme.value,
                question_id,
                type_id,
                who,
                answer="not sufficient" if only_poor.value else None,
            ),
            "Cases and the auditors' evidence",
        )

    def new_theme(change: dict[str, Any]) -> None:
        question.options = _question_options(results, change["new"])
        question.value = ALL
        refresh()

    theme.observe(new_theme, names="value")
    for control in (question, case_type, auditor, only_poor):
        control.observe(refresh, names="value")
    refresh()
    box = w.VBox(
        [
            w.HBox([theme, question]),
            w.HBox([case_type, auditor, only_poor]),
            selection,
            overview,
            questions,
            cases,
        ]
    )
    box.refresh = refresh  # type: ignore[attr-defined]
    box.controls = {  # type: ignore[attr-defined]
        "theme": theme,
        "question": question,
        "case_type": case_type,
        "auditor": auditor,
        "only_not_sufficient": only_poor,
    }
    box.tables = {  # type: ignore[attr-defined]
        "selection": selection,
        "overview": overview,
        "questions": questions,
        "cases": cases,
    }
    return box
