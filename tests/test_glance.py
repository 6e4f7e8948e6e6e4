"""Tests for the report's "at a glance" box (caseaudit_lib.present.glance) and its place."""

from __future__ import annotations

import re

import pytest
from mini_results import mini_results

from caseaudit_lib.export.html import CONTENT_END, CONTENT_START, TOC_MARKER, add_table_of_contents
from caseaudit_lib.findings.findings import Findings, Recommendation
from caseaudit_lib.present.glance import (
    TOC_HERE,
    glance_html,
    glance_of,
    span_words,
    top_recommendations,
)
from caseaudit_lib.present.narrative import Narrative


def rec(rid: str, theme: str | None, text: str | None = None) -> Recommendation:
    return Recommendation(rid, text or f"Recommendation {rid}", "Head of Service", "2016-06-30",
                          "not started", theme)  # fmt: skip


@pytest.fixture
def story(tmp_path):
    findings = Findings(
        recommendations=(
            rec("R1", "planning"),
            rec("R2", None),
            rec("R3", "assessment"),
            rec("R4", "planning"),
            rec("R5", "assessment", "Use the **child's** voice <img src=x onerror=alert(1)>"),
        )
    )
    return Narrative(mini_results(tmp_path, compared=True), findings=findings, earlier=[])


def test_cases_auditors_and_each_theme_as_in_the_score_table(story):
    glance = glance_of(story)
    assert glance.cases == "6 cases read by 2 auditors on 21 March 2016"
    themes = story.results.scores.themes
    assert [t.name for t in glance.themes] == list(themes["theme"])
    for shown, row in zip(glance.themes, themes.itertuples(), strict=True):
        assert shown.rating == row.rating
        low, high = round(row.ci_low_pct), round(row.ci_high_pct)
        assert shown.score == f"{row.score_pct:.0f}% ({low}–{high}%)"
        assert shown.span == span_words(row.rating, row.rating_low, row.rating_high)


def test_the_direction_is_the_report_s_own_verdict_against_the_last_audit(story):
    glance = glance_of(story)
    # The earlier audit has the same answers: no clear change, whatever the other baselines say.
    assert glance.against == "the last audit (March 2015)"
    assert [t.change for t in glance.themes] == ["no clear change", "no clear change"]
    assert glance.direction.startswith(
        "Direction of travel since the last audit (March 2015): not clear"
    )


def test_a_first_audit_says_it_is_the_baseline(tmp_path):
    glance = glance_of(Narrative(mini_results(tmp_path), findings=Findings(), earlier=[]))
    assert glance.against == "" and all(t.change == "" for t in glance.themes)
    assert glance.overall == ""  # the mini framework has no overall rule
    assert "first audit" in glance.direction
    assert glance.recommendations == () and "Since" not in glance_html(glance)
    assert "makes no recommendations" in glance_html(glance)


@pytest.mark.parametrize(
    ("rating", "low", "high", "words"),
    [
        ("Good", "Good", "Good", "Good throughout"),
        ("Good", "Requires improvement", "Outstanding", "Requires improvement to Outstanding"),
        (None, None, None, "no rating"),
        ("Good", None, None, "rated Good"),
    ],
)
def test_span_words(rating, low, high, words):
    assert span_words(rating, low, high) == words


def test_the_recommendations_of_the_lowest_scoring_themes_come_first(story):
    # Assessment 10/15 (67%) scores below Planning 7/10 (70%); service-wide ones come last.
    assert top_recommendations(story, limit=5) == [
        "Recommendation R3",
        "Use the child's voice <img src=x onerror=alert(1)>",
        "Recommendation R1",
        "Recommendation R4",
        "Recommendation R2",
    ]
    glance = glance_of(story)
    assert len(glance.recommendations) == 3 and glance.more_recommendations == 2


def test_the_box_escapes_typed_text_and_ends_with_the_contents_marker(story):
    page = glance_html(glance_of(story))
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "**" not in page
    assert page.endswith(TOC_HERE)
    assert re.search(r'<section class="glance" aria-labelledby="at-a-glance">', page)


def test_the_contents_follow_the_box_and_list_only_what_comes_after_it():
    page = (
        f"<body><h1>T</h1>{TOC_MARKER}<main>{CONTENT_START}"
        f'<section><h2 id="at-a-glance">At a glance</h2></section>{TOC_HERE}'
        f"<h2>Background</h2><h2>At a glance</h2>{CONTENT_END}</main></body>"
    )
    out = add_table_of_contents(page)
    assert out.index("At a glance</h2></section>") < out.index('<nav class="toc"')
    assert out.index('<nav class="toc"') < out.index('<h2 id="background">')
    toc = re.search(r'<nav class="toc".*?</nav>', out, re.DOTALL).group(0)
    # A later heading of the same name gets an id of its own, not the box's.
    assert re.findall(r'href="#([^"]+)"', toc) == ["background", "at-a-glance-2"]
    assert TOC_HERE not in out and TOC_MARKER not in out
