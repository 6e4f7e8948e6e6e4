"""Tests for the drill-down views and the ipywidgets explorer, on the mini audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from mini_results import mini_results

from caseaudit_lib.present import explore


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CASEAUDIT_SALT", "test-salt")
    return mini_results(tmp_path)


def test_unfiltered_views_are_the_audit_scores(results) -> None:
    overview = explore.theme_overview(results)
    themes = results.scores.themes
    assert overview["Sufficient %"].tolist() == pytest.approx(themes["score_pct"].tolist())
    assert overview["n"].tolist() == [15, 10]
    questions = explore.theme_questions(results, "assessment")
    assert questions["Not sufficient"].tolist() == [1, 2, 2]


def test_filters_rescore_the_subgroup(results) -> None:
    # Auditor A: C1 (y y y), C2 (y n y), C3 (n n n) -> assessment 5/9
    overview = explore.theme_overview(results, auditor="Auditor A")
    assert overview["n"].tolist() == [9, 5]
    assert overview.loc[0, "Sufficient %"] == pytest.approx(500 / 9)
    # out-of-court by label or alias: C4, C6; Q3 does not apply to them
    for name in ("out_of_court", "Out-of-court disposal", "OOCD"):
        questions = explore.theme_questions(results, "assessment", case_type=name)
        assert questions["n"].tolist() == [2, 1, 0]
        assert questions["Not answered"].tolist() == [0, 1, 0]


def test_question_cases_and_evidence(results) -> None:
    rows = explore.question_cases(results, "assessment", "Q1")
    assert len(rows) == 6 and rows["Case"].is_unique
    poor = explore.question_cases(results, "assessment", answer="not sufficient")
    assert poor["Question"].tolist() == ["Q1", "Q2", "Q2", "Q3", "Q3"]
    assert len(poor) == int(
        (
            results.scores.questions.query("theme_id == 'assessment'").eval(
                "n_applicable - n_sufficient"
            )
        ).sum()
    )
    evidence = poor.loc[poor["Question"] == "Q1", "Evidence"].tolist()
    assert evidence == ["Assessment late, no review"]
    # Q3 is ruled out for out-of-court cases: they are not listed for it
    q3 = explore.question_cases(results, "assessment", "Q3")
    assert set(q3["Case type"]) == {"Referral order", "Youth rehabilitation order"}
    # only pseudonyms, never the ids in the file
    assert not set(rows["Case"]) & {"C1", "C2", "C3", "C4", "C5", "C6"}


def test_case_answers(results) -> None:
    case = explore.question_cases(results, "assessment", "Q1", auditor="Auditor A")
    c3 = case.loc[case["Evidence"] == "Assessment late, no review", "Case"].item()
    answers = explore.case_answers(results, c3)
    assert answers["Question"].tolist() == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert set(answers["Answer"]) == {"not sufficient"}


def test_unknown_filters_are_named(results) -> None:
    with pytest.raises(LookupError, match="unknown case type 'prison'"):
        explore.theme_overview(results, case_type="prison")
    with pytest.raises(LookupError, match="unknown auditor 'Auditor Z'"):
        explore.theme_overview(results, auditor="Auditor Z")
    with pytest.raises(LookupError, match="unknown question of this theme 'Q4'"):
        explore.question_cases(results, "assessment", "Q4")


def test_explorer_widget_follows_its_controls(results) -> None:
    box = explore.explorer(results)
    controls, tables = box.controls, box.tables
    assert [label for label, _ in controls["theme"].options] == ["Assessment", "Planning"]
    assert "Questions of Assessment" in tables["questions"].value
    assert "Timely and thorough" in tables["cases"].value
    controls["theme"].value = "planning"
    assert "Questions of Planning" in tables["questions"].value
    assert [v for _, v in controls["question"].options] == [explore.ALL, "Q4", "Q5"]
    assert controls["question"].label == "All questions"  # not blank after a theme change
    controls["question"].value = "Q5"
    controls["auditor"].value = "Auditor B"
    controls["only_not_sufficient"].value = True
    # Auditor B's answers to Q5: C4 n/a, C5 y, C6 y -> none not sufficient
    assert "nothing to show" in tables["cases"].value
    controls["only_not_sufficient"].value = False
    assert tables["cases"].value.count("Auditor B") == 3


def test_every_control_starts_on_a_visible_value(results) -> None:
    box = explore.explorer(results)
    for name in ("theme", "question", "case_type", "auditor"):
        control = box.controls[name]
        assert control.index == 0, name  # None would show a blank drop-down
        assert control.label, name
    assert box.controls["case_type"].label == "All"
    assert box.controls["auditor"].label == "All"
    # choosing All again after an auditor really is All
    box.controls["auditor"].value = "Auditor B"
    box.controls["auditor"].index = 0
    assert box.controls["auditor"].label == "All"
    assert "all auditors" in box.tables["selection"].value


def test_the_explorer_says_what_the_selection_is(results) -> None:
    assert explore.selection_sentence(results, "assessment") == (
        "Assessment · all case types · all auditors · 6 cases"
    )
    said = explore.selection_sentence(
        results, "planning", "Q5", "OOCD", "Auditor B", only_not_sufficient=True
    )
    assert said == (
        "Planning · question Q5 · Out-of-court disposal · Auditor B · 2 cases"
        " · only answers judged not sufficient"
    )
    box = explore.explorer(results)
    assert "Assessment · all case types · all auditors · 6 cases" in box.tables["selection"].value
    box.controls["theme"].value = "planning"
    box.controls["auditor"].value = "Auditor A"
    assert "Planning · all case types · Auditor A · 3 cases" in box.tables["selection"].value


def test_the_selection_line_escapes_what_auditors_typed(results, monkeypatch) -> None:
    monkeypatch.setattr(explore, "selection_sentence", lambda *a, **k: "<b>x</b> & y")
    box = explore.explorer(results)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in box.tables["selection"].value
