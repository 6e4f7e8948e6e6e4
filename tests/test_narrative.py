"""Tests for caseaudit_lib.present.narrative: the report's sentences, on hand-made tables."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from caseaudit_lib.compare.comparison import (
    DECLINED,
    IMPROVED,
    JUDGEMENT_ONLY,
    NO_CLEAR_CHANGE,
    NOT_COVERED,
    NOT_TESTED,
    VERDICTS,
)
from caseaudit_lib.findings.findings import NOT_REVIEWED
from caseaudit_lib.paths import project_root
from caseaudit_lib.pipeline import score_params
from caseaudit_lib.present.narrative import (
    Against,
    Narrative,
    change_sentence,
    conclusion_text,
    recommendations_text,
    score_sentence,
    weakest_sentence,
)
from caseaudit_lib.present.wording import date_span, tidy

BANDS = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
LAST_AUDIT = Against("a-2016", "answers", "the last audit (March 2016)", "21 March 2016")
INSPECTION = Against(
    "fji-2015",
    "judgements",
    "the 2015 inspection",
    "May 2015",
    scale=("Good", "Satisfactory", "Unsatisfactory", "Poor"),
    judgements={
        "risk": [("Protecting the public", "Poor")],
        "partners": [("Governance", "Poor"), ("Sentence served", None)],
        "reports": [("Sentence served", None)],
    },
)
PRESS_RELEASE = Against("hmip-2012", "percentages", "the 2012 inspection", "March 2012")


def theme_row(**values):
    row = dict(
        theme_id="planning", theme="Planning", scoring="pooled", n_cases=20, n_applicable=117,
        n_sufficient=75, score_pct=64.1, ci_low_pct=52.3, ci_high_pct=75.4,
        rating="Requires improvement", rating_low="Requires improvement", rating_high="Good",
    )  # fmt: skip
    return row | values


def change_row(verdict, change=12.0, low=3.0, high=21.0, **values):
    row = dict(
        audit_id="a-2017", theme_id="risk", baseline_id="a-2016", baseline_kind="answers",
        baseline_pct=50.0, baseline_rating="Requires improvement", current_pct=50.0 + change,
        current_rating="Good", change_pts=change, change_ci_low_pts=low, change_ci_high_pts=high,
        verdict=verdict,
    )  # fmt: skip
    return row | values


def words(text):
    return " ".join(text.split())


def test_a_score_with_its_n_interval_rating_and_the_bands_the_interval_spans():
    assert words(score_sentence(theme_row())) == (
        "64% of 117 answers about 20 cases were judged sufficient (95% interval 52% to 75%): "
        "**Requires improvement**, though the interval runs from Requires improvement to Good."
    )


def test_an_interval_inside_one_band_says_so():
    row = theme_row(score_pct=21.0, ci_low_pct=15.2, ci_high_pct=29.0, rating="Inadequate")
    row |= {"rating_low": "Inadequate", "rating_high": "Inadequate"}
    assert words(score_sentence(row)).endswith(
        "**Inadequate**, and the whole interval lies within Inadequate."
    )


def test_a_theme_with_no_answers_has_no_score_never_zero():
    row = theme_row(n_applicable=0, score_pct=math.nan, ci_low_pct=math.nan, rating=None)
    text = score_sentence(row)
    assert "no score" in text and "0%" not in text


def test_a_weakest_key_question_theme_names_its_question_and_counts_cases():
    row = theme_row(scoring="weakest_key_question", n_applicable=11, score_pct=63.6)
    weakest = {"question_id": "Q2.1.3", "question": "Does assessment keep others safe?"}
    assert words(score_sentence(row, weakest)).startswith(
        "This theme is rated on its weakest key question, Q2.1.3 (“Does assessment keep others "
        "safe?”), where 64% of 11 cases were judged sufficient (95% interval 52% to 75%)"
    )


def test_an_improvement_is_called_one_with_its_interval():
    assert words(change_sentence(change_row(IMPROVED), LAST_AUDIT)) == (
        "Since the last audit (March 2016) the score has improved, from 50% to 62%: up 12 points "
        "(95% interval for the change +3 to +21 points, which excludes no change)."
    )


def test_a_decline_is_called_one():
    row = change_row(DECLINED, change=-15.0, low=-27.0, high=-3.0)
    text = words(change_sentence(row, LAST_AUDIT))
    assert text.startswith(
        "Since the last audit (March 2016) the score has declined, from 50% to 35%"
    )
    assert "down 15 points" in text


def test_no_clear_change_keeps_to_the_interval_and_is_explained_only_when_asked():
    row = change_row(NO_CLEAR_CHANGE, change=10.0, low=-2.0, high=21.0)
    plain = words(change_sentence(row, LAST_AUDIT))
    assert plain == (
        "Since the last audit (March 2016) the score went from 50% to 60% (+10 points), but the "
        "95% interval for the change runs from -2 to +21 points: no clear change."
    )
    explained = change_sentence(row, LAST_AUDIT, explain=True)
    assert "“No clear change” means that the interval includes zero" in explained


def test_a_judgement_baseline_is_compared_with_a_word_not_a_number():
    row = change_row(JUDGEMENT_ONLY, change=math.nan, baseline_pct=math.nan, current_rating="Good")
    text = words(change_sentence(row, INSPECTION))
    assert text == (
        "The 2015 inspection judged Protecting the public Poor; it published no percentages, so "
        "this is a comparison with a word, not a number. This audit rates the theme Good on its "
        "own bands, which are not the inspection's scale."
    )


def test_a_judgement_not_known_is_said_to_be_not_known():
    row = change_row(JUDGEMENT_ONLY, theme_id="partners", current_rating=None)
    text = words(change_sentence(row, INSPECTION))
    assert text.startswith("The 2015 inspection judged Governance Poor (its judgement of ")
    assert "Sentence served is not known" in text
    only_unknown = words(
        change_sentence(change_row(JUDGEMENT_ONLY, theme_id="reports"), INSPECTION)
    )
    assert (
        "judgement of Sentence served is not known, so there is nothing to compare" in only_unknown
    )


def test_a_percentage_without_counts_is_shown_but_not_tested():
    row = change_row(NOT_TESTED, change=-29.0, low=math.nan, high=math.nan, baseline_pct=82.0)
    text = words(change_sentence(row, PRESS_RELEASE))
    assert text == (
        "The 2012 inspection reported 82%; this audit's 21% is 29 points lower, but it gave no "
        "number of cases, so whether that is more than chance cannot be tested."
    )


@pytest.mark.parametrize("verdict", VERDICTS)
@pytest.mark.parametrize("change", [-14.0, 0.0, 14.0])
def test_improved_and_declined_are_said_only_when_the_verdict_says_so(verdict, change):
    row = change_row(verdict, change=change, low=change - 9, high=change + 9)
    against = INSPECTION if verdict == JUDGEMENT_ONLY else LAST_AUDIT
    text = change_sentence(row, against, explain=True).lower()
    assert ("improved" in text) == (verdict == IMPROVED)
    assert ("declined" in text) == (verdict == DECLINED)
    assert ("no clear change" in text) == (verdict == NO_CLEAR_CHANGE)
    if verdict == NOT_COVERED:
        assert text.strip() == ""  # said once in the background, not per theme


def comparison(verdicts, baseline_id="a-2016"):
    return pd.DataFrame(
        [change_row(v, theme_id=f"t{i}", baseline_id=baseline_id) for i, v in enumerate(verdicts)]
    )


def themes_table(ratings):
    return pd.DataFrame(
        {
            "theme": [f"Theme {i}" for i in range(len(ratings))],
            "score_pct": [math.nan if r is None else 50.0 for r in ratings],
            "rating": ratings,
        }
    )


def test_the_conclusion_counts_only_changes_the_intervals_support():
    verdicts = [
        IMPROVED,
        IMPROVED,
        NO_CLEAR_CHANGE,
        NO_CLEAR_CHANGE,
        NO_CLEAR_CHANGE,
        NO_CLEAR_CHANGE,
    ]
    ratings = ["Good", "Requires improvement", "Good", "Inadequate", "Good", None]
    text = words(
        conclusion_text(themes_table(ratings), comparison(verdicts), [LAST_AUDIT], bands=BANDS)
    )
    assert (
        "Since the last audit (March 2016), 2 of the 6 themes improved and none declined; "
        "the other 4 show no clear change." in text
    )
    assert "The direction of travel is upward" in text
    assert (
        "this audit rates 3 themes Good, 1 theme Requires improvement and 1 theme Inadequate."
        in text
    )
    assert "Theme 5 had no applicable answers and has no score." in text


def test_the_conclusion_is_honest_when_nothing_changed_clearly():
    text = words(
        conclusion_text(
            themes_table(["Good"] * 3),
            comparison([NO_CLEAR_CHANGE] * 3),
            [LAST_AUDIT],
            analyst="Pleasing progress.",
        )  # fmt: skip
    )
    assert "none of the 3 themes improved and none declined; all 3 show no clear change." in text
    assert "The audit cannot show a clear direction of travel" in text
    assert "upward" not in text and "downward" not in text
    assert text.endswith("**The auditors' view.** Pleasing progress.")


def test_the_conclusion_mixed_and_downward():
    mixed = conclusion_text(
        themes_table(["Good"] * 2), comparison([IMPROVED, DECLINED]), [LAST_AUDIT]
    )
    assert "The direction of travel is mixed" in words(mixed)
    down = conclusion_text(
        themes_table(["Good"] * 2), comparison([DECLINED, NO_CLEAR_CHANGE]), [LAST_AUDIT]
    )
    assert "The direction of travel is downward" in words(down)


def test_the_conclusion_with_only_words_and_untested_percentages_gives_no_direction():
    table = pd.concat(
        [comparison([NOT_TESTED], baseline_id="hmip-2012"),
         comparison([JUDGEMENT_ONLY, JUDGEMENT_ONLY], baseline_id="fji-2015")]
    )  # fmt: skip
    text = words(
        conclusion_text(themes_table(["Good", "Good"]), table, [PRESS_RELEASE, INSPECTION])
    )
    assert "The 2012 inspection gave no number of cases, so the change in 1 theme is shown" in text
    assert "The 2015 inspection gave judgements in words only" in text
    assert "the numbers alone cannot give a direction of travel" in text
    assert "improved" not in text and "declined" not in text


def test_the_first_audit_says_it_is_the_baseline():
    text = words(conclusion_text(themes_table(["Good"]), comparison([]), []))
    assert text.startswith("This is the first audit scored this way")


def test_hmip_overall_rating():
    text = words(
        conclusion_text(
            themes_table(["Good"]),
            comparison([]),
            [],
            overall={"band": "Good", "total_points": 30, "max_points": 36},
        )  # fmt: skip
    )
    assert "the service would be rated **Good** overall: 30 of 36 points" in text


def test_weakest_questions_with_n_and_interval():
    questions = pd.DataFrame(
        {
            "question_id": ["Q1", "Q2", "Q3", "Q4"],
            "question": ["Timely?", "Child's view used?", "Never applied", "SMART?"],
            "n_applicable": [20, 20, 0, 17],
            "score_pct": [90.0, 15.0, math.nan, 35.3],
            "ci_low_pct": [70.0, 5.2, math.nan, 17.3],
            "ci_high_pct": [97.2, 36.0, math.nan, 58.7],
        }
    )
    text = words(weakest_sentence(questions))
    assert text.startswith(
        "The questions scored lowest were Q2, “Child's view used?”: 15% of 20 cases (95% interval "
        "5% to 36%); and Q4, “SMART?”: 35% of 17 cases (95% interval 17% to 59%)."
    )
    assert "intervals overlap" in text
    apart = questions.assign(ci_high_pct=[97.2, 16.0, math.nan, 58.7])
    assert "overlap" not in weakest_sentence(apart)
    assert weakest_sentence(questions[questions["n_applicable"] == 0]) == "\n"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2016-03-21", None, "on 21 March 2016"),
        ("2016-03-21", "2016-03-22", "on 21–22 March 2016"),
        ("2016-03-30", "2016-04-01", "from 30 March to 1 April 2016"),
        ("2016-12-30", "2017-01-02", "from 30 December 2016 to 2 January 2017"),
    ],
)
def test_date_span(start, end, expected):
    assert date_span(start, end) == expected


def test_tidy_joins_paragraph_lines_but_keeps_list_items_and_table_rows():
    text = "One\n  line .\n\n- item\n  continued\n- next\n\n| a | b |\n|---|---|\n"
    assert tidy(text) == "One line.\n\n- item continued\n- next\n\n| a | b |\n|---|---|\n"


def test_recommendations_tables_with_status_now_and_pipes_escaped():
    table = pd.DataFrame(
        [
            {"id": "R1", "text": "Use a | b", "theme_id": "planning", "owner": "Head",
             "due": "2016-06-30", "made_in": "a-2016", "made_on": "2016-03-21",
             "status_then": "not started", "status_now": "done"},
            {"id": "R2", "text": "Old", "theme_id": None, "owner": "Head", "due": "2016-06-30",
             "made_in": "a-2016", "made_on": "2016-03-21", "status_then": "not started",
             "status_now": NOT_REVIEWED},
            {"id": "R3", "text": "New", "theme_id": "planning", "owner": "Deputy",
             "due": "2017-09-30", "made_in": None, "made_on": None, "status_then": None,
             "status_now": "in progress"},
        ]
    )  # fmt: skip
    text = recommendations_text(table, {"planning": "Planning"})
    assert "| R3 | New | Planning | Deputy | 30 September 2017 | in progress |" in text
    assert (
        "| R1 | Use a \\| b | Planning | Head | 30 June 2016 | March 2016 audit | not started | "
        "**done** |" in text
    )
    assert "1 is done and 1 was not reviewed at this audit." in words(text)
    assert text.index("### New recommendations") < text.index("### Recommendations of earlier")


@pytest.fixture(scope="module")
def narrative_2017():
    results = score_params(project_root() / "params/bromley-2017.yaml")
    return results, Narrative(results)


def test_the_2017_sample_reads_like_the_seed_report(narrative_2017):
    results, story = narrative_2017
    background = words(story.background())
    assert "A total of 20 cases were audited by 6 auditors on 20–21 March 2017." in background
    assert "20 of about 75 open cases (27%)" in background
    assert "**The last audit (March 2016)** (21–22 March 2016): the same questions" in background
    assert "judgements in words only (Good, Satisfactory, Unsatisfactory, Poor)" in background
    themes = "".join(story.theme_score(t.id) for t in results.framework.themes)
    # "No clear change" is explained the first time it is said, and only then.
    assert themes.count("“No clear change” means") == 1
    improved = results.comparison.query("baseline_id == 'bromley-2016' and verdict == 'improved'")
    for theme_id in improved["theme_id"]:
        assert "the score has improved" in story.changes(theme_id)[0]
    assert themes.count("the score has improved") == len(improved)
    assert "declined" not in themes
    assert not re.search(r"\bC-[A-Z2-7]{6}\b", themes + background)  # no case pseudonyms needed


def test_the_2017_sample_recommendations_show_the_2016_status(narrative_2017):
    _, story = narrative_2017
    text = story.recommendations()
    assert "| R14 |" in text and "**not reviewed at this audit**" in text
    assert "| R16 | Make exit planning" in text
