"""Tests for the reader-facing score tables (views) and change tables (changes), on the mini audit.

The expected values are worked out by hand in tests/mini_results.py's docstring.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mini_results import MINI, mini_results

from caseaudit_lib.present import changes, views


@pytest.fixture(autouse=True)
def _salt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEAUDIT_SALT", "test-salt")


@pytest.fixture
def results(tmp_path: Path):
    return mini_results(tmp_path)


def case_of(results, auditor: str, case_type: str) -> list[str]:
    cases = results.audit.cases
    first = cases[(cases["marking"] == "first") & (cases["auditor"] == auditor)]
    return sorted(first.loc[first["case_type"] == case_type, "case_id"])


def test_interval_text_and_band_span() -> None:
    assert views.interval_text([43.2, np.nan], [81.9, 50.0]) == ["43% to 82%", ""]
    assert views.interval_text([-12.4], [3.0], unit=" pts") == ["-12 pts to +3 pts"]
    assert (
        views.band_span("Good", "Requires improvement", "Outstanding")
        == "Good, but could be anything from Requires improvement to Outstanding"
    )
    assert views.band_span("Good", "Good", "Good") == "Good (the whole interval is Good)"
    assert views.band_span(None, None, None) == "no data"


def test_theme_table(results) -> None:
    table = views.theme_table(results)
    assert table["Theme"].tolist() == ["Assessment", "Planning"]
    assert table["n"].tolist() == [15, 10]
    assert table["Sufficient %"].tolist() == pytest.approx([100 * 10 / 15, 70.0])
    themes = results.scores.themes
    low, high = themes.loc[0, "ci_low_pct"], themes.loc[0, "ci_high_pct"]
    assert table.loc[0, "95% interval"] == f"{low:.0f}% to {high:.0f}%"
    assert table.loc[0, "Rating"] == "Good, but could be anything from Inadequate to Outstanding"
    # n sits right before every percentage
    columns = list(table.columns)
    assert columns.index("n") + 1 == columns.index("Sufficient %")


def test_styled_formats_percentages_counts_and_missing() -> None:
    table = pd.DataFrame(
        {
            "Theme": ["A", "B"],
            "n": [20, 0],
            "Sufficient %": [66.666, np.nan],
            "Change pts": [4.4, -2],
        }
    )
    html = views.styled(table, "Caption").to_html()
    assert ">67%<" in html and ">–<" in html and ">+4<" in html and ">-2<" in html
    assert "Caption" in html and "66.666" not in html


def test_question_table_one_theme(results) -> None:
    table = views.question_table(results, "assessment")
    assert table["Question"].tolist() == ["Q1", "Q2", "Q3"]
    assert table["n"].tolist() == [6, 5, 4]
    assert table["Not answered"].tolist() == [0, 1, 0]
    assert table["Not applicable"].tolist() == [0, 0, 2]
    assert len(views.question_table(results)) == 5


def test_cases_dragging_down_pooled(results) -> None:
    (c3,) = case_of(results, "Auditor A", "yro")
    assessment = views.cases_dragging_down(results, "assessment")
    assert assessment["Case"].tolist() == [c3]
    row = assessment.iloc[0]
    assert (row["n"], row["Not sufficient"], row["Case sufficient %"]) == (3, 3, 0.0)
    assert row["Theme without this case %"] == pytest.approx(100 * 10 / 12)
    assert row["Theme would rise by pts"] == pytest.approx(100 * 10 / 12 - 100 * 10 / 15)
    assert row["Auditor"] == "Auditor A" and row["Case type"] == "Youth rehabilitation order"
    planning = views.cases_dragging_down(results, "planning")
    (c6,) = [c for c in case_of(results, "Auditor B", "out_of_court") if c in set(planning["Case"])]
    assert planning["Case"].tolist() == [c3, c6]
    assert planning["Theme would rise by pts"].tolist() == pytest.approx([17.5, 5.0])
    assert views.cases_dragging_down(results, "planning", limit=1)["Case"].tolist() == [c3]


@pytest.mark.parametrize(
    ("rule", "without", "full"),
    [
        # mean of Q1 5/6, Q2 3/5, Q3 2/4; without C3 (n n n): 5/5, 3/4, 2/3; without C5
        # (y y n): 4/5, 2/4, 2/3; every other case lowers the mean when left out
        ("mean_of_questions", [(100 + 75 + 200 / 3) / 3, (80 + 50 + 200 / 3) / 3], 580 / 9),
        # weakest question: Q3 2/4; without C3: Q3 2/3, Q2 3/4, Q1 5/5; C5 leaves Q2 at 2/4
        ("weakest_key_question", [200 / 3], 50.0),
    ],
)
def test_cases_dragging_down_other_rules(tmp_path: Path, monkeypatch, rule, without, full):
    framework = tmp_path / "mini-rule.yaml"
    framework.write_text(
        MINI.read_text(encoding="utf-8").replace("scoring: pooled", f"scoring: {rule}"),
        encoding="utf-8",
    )
    monkeypatch.setattr("mini_results.MINI", framework)
    results = mini_results(tmp_path)
    assert results.scores.themes.loc[0, "score_pct"] == pytest.approx(full)
    table = views.cases_dragging_down(results, "assessment")
    (c3,) = case_of(results, "Auditor A", "yro")
    (c5,) = case_of(results, "Auditor B", "yro")
    assert table["Case"].tolist() == [c3, c5][: len(without)]
    assert table["Theme without this case %"].tolist() == pytest.approx(without)


def test_auditors_and_flags(results) -> None:
    table = views.auditor_table(results)
    assert table["Auditor"].tolist() == ["Auditor A", "Auditor B"]
    assert table["n"].tolist() == [14, 11]
    assert table["Sufficient %"].tolist() == pytest.approx([800 / 14, 900 / 11])
    assert table["Flagged"].tolist() == ["", ""]
    assert views.flag_sentences(results) == []
    auditors = results.scores.auditors
    auditors.loc[auditors["theme_id"] == "planning", "flag"] = [True, False]
    (sentence,) = views.flag_sentences(results)
    assert sentence.startswith("Auditor A marked Planning 20 points lower than the other auditors")
    assert "60% of n = 5 against 80% of n = 5" in sentence
    assert "not a finding" in sentence


def test_agreement_standards_overall(results) -> None:
    agreement = views.agreement_table(results)
    assert agreement["Theme"].tolist() == ["Assessment", "Planning", "All questions"]
    assert agreement["n"].tolist() == [3, 2, 5]
    assert agreement["Same answer %"].tolist() == pytest.approx([200 / 3, 100, 80])
    assert views.standards_table(results).empty
    assert views.overall_sentence(results) == (
        "No overall rating: the framework has no overall rating."
    )
    assert views.lowest_theme(results) == "assessment"


def test_record_is_plain_json(results) -> None:
    values = views.record(results, extra=np.int64(3), gap=float("nan"), nested={"a": np.nan})
    text = json.dumps(values, allow_nan=False)
    back = json.loads(text)
    assert back["n_cases"] == 6 and back["extra"] == 3 and back["gap"] is None
    assert back["nested"] == {"a": None}
    assessment = back["themes"]["assessment"]
    assert (assessment["n_applicable"], assessment["n_sufficient"]) == (15, 10)
    assert math.isclose(assessment["score_pct"], 100 * 10 / 15)


def test_comparison_tables(tmp_path: Path) -> None:
    results = mini_results(tmp_path, compared=True)
    table = changes.comparison_table(results)
    assert (
        table["Compared with"].tolist()
        == ["mini-inspection"] * 2 + ["mini-judged"] * 2 + ["mini-2015"] * 2
    )
    first = table.iloc[0]
    assert (first["Then n"], first["Then %"], first["Now n"]) == (10, 20, 15)
    assert first["Change pts"] == pytest.approx(100 * 10 / 15 - 20)
    # 10 of 15 against 2 of 10 would be "improved" as independent answers, but the 15 answers
    # come from 6 cases: clustered, with t on 5 df, the change's interval reaches below zero.
    assert first["Verdict"] == "no clear change"
    # Without the FPC (issue 20: the caseload of 30 describes the audit, not a change): wider
    # than the -3 to +75 it was with it.
    assert first["95% interval of the change"] == "-5 pts to +76 pts"
    judged = table[table["Kind"] == "judgements in words"]
    # a judgement is never a number: no baseline %, no n, no change
    assert judged[["Then n", "Then %", "Change pts"]].isna().all().all()
    assert judged["Then rating"].tolist() == ["not judged", "judged Poor (Planning well)"]
    assert judged["Verdict"].tolist() == [
        "not covered by the baseline",
        "judgement only: not comparable as a number",
    ]
    key = changes.verdict_key(table)
    assert any(line.startswith("no clear change: the interval runs") for line in key)
    assert len(changes.comparison_table(results, "mini-2015")) == 2


def test_question_changes_trend_and_distance(tmp_path: Path) -> None:
    results = mini_results(tmp_path, compared=True)
    questions = changes.question_changes(results)
    assert questions["Question"].tolist() == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert (questions["Compared with"] == "mini-2015").all()
    assert questions["Then n"].tolist() == [6, 5, 4, 6, 4]
    assert questions["Change pts"].tolist() == [0] * 5
    trend = changes.trend_table(results)
    assert trend["Audit"].tolist() == ["mini-2015"] * 2 + ["mini-2016"] * 2
    assert trend["Verdict"].tolist() == ["first audit"] * 2 + ["no clear change"] * 2
    assert changes.distance_travelled(results) == [
        "Assessment: 67% (n = 15) in mini-2015, 67% (n = 15) in mini-2016; "
        "last step: no clear change.",
        "Planning: 70% (n = 10) in mini-2015, 70% (n = 10) in mini-2016; "
        "last step: no clear change.",
    ]
    sentences = changes.baseline_sentences(results)
    assert "word judgements only" in sentences[1]
    assert sentences[2].startswith("Earlier audit Earlier mini audit (2015-03-01, 6 cases)")


def test_no_baselines(results) -> None:
    assert changes.comparison_table(results).empty
    assert changes.question_changes(results).empty
    assert changes.distance_travelled(results) == []
    assert changes.baseline_sentences(results) == []
