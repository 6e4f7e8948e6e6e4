"""Comparisons with baselines and earlier audits, verdicts, trends; symmetry of sign."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseaudit_lib.compare.baseline import Baseline, JudgedArea, count_table
from caseaudit_lib.compare.comparison import (
    COMPARISON_COLUMNS,
    DECLINED,
    FIRST_AUDIT,
    IMPROVED,
    JUDGEMENT_ONLY,
    NO_CLEAR_CHANGE,
    NO_DATA,
    NOT_COVERED,
    NOT_TESTED,
    QUESTION_COMPARISON_COLUMNS,
    TREND_COLUMNS,
    change_interval,
    compare,
    compare_all,
    compare_questions,
    trend,
)
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.score.intervals import newcombe_diff, wilson
from caseaudit_lib.score.ratings import ratings
from caseaudit_lib.score.scoring import AuditScores

MINI = load_framework(Path(__file__).parent / "data" / "frameworks" / "mini.yaml")
Z = 1.959963984540054


def hand_wilson(x: int, n: int) -> tuple[float, float]:
    """Wilson score interval from the textbook formula, in percent."""
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return 100 * (centre - half), 100 * (centre + half)


def make_scores(
    audit_id: str, counts: dict[str, tuple[int, int]], caseload: int | None = None
) -> AuditScores:
    """Scores whose themes (and one question per theme) have the given (sufficient, applicable)."""
    x = np.array([c[0] for c in counts.values()], dtype=float)
    n = np.array([c[1] for c in counts.values()], dtype=float)
    low, high = wilson(x, n, population=np.nan if caseload is None else caseload)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(n > 0, 100 * x / np.where(n > 0, n, 1), np.nan)
    themes = pd.DataFrame(
        {
            "audit_id": audit_id,
            "theme_id": list(counts),
            "theme": [t.title() for t in counts],
            "scoring": "pooled",
            "n_cases": n.astype(int),
            "n_applicable": n.astype(int),
            "n_sufficient": x.astype(int),
            "score_pct": pct,
            "ci_low_pct": 100 * low,
            "ci_high_pct": 100 * high,
        }
    )
    themes["rating"] = ratings(themes["score_pct"], MINI.bands)
    themes["rating_low"] = ratings(themes["ci_low_pct"], MINI.bands)
    themes["rating_high"] = ratings(themes["ci_high_pct"], MINI.bands)
    questions = themes.drop(columns=["theme", "scoring", "n_cases", "rating_low", "rating_high"])
    questions.insert(2, "question_id", [f"Q{4 * i + 1}" for i in range(len(themes))])
    return AuditScores(
        audit_id=audit_id,
        questions=questions,
        themes=themes,
        cases=pd.DataFrame(),
        standards=pd.DataFrame(),
        overall=None,
    )


def percentages(rows: list[dict], caseload: int | None = None, questions=()) -> Baseline:
    return Baseline(
        id="hmip-2012",
        title="Inspection 2012",
        date="2012-03-01",
        source="press release",
        service="Bromley YOS",
        kind="percentages",
        caseload=caseload,
        themes=count_table("theme_id", rows),
        questions=count_table("question_id", list(questions)),
    )


def row(theme_id: str, x: float, n: float, pct: float | None = None) -> dict:
    if pct is None:
        pct = 100 * x / n if n else math.nan
    return {
        "theme_id": theme_id,
        "label": theme_id,
        "n_applicable": n,
        "n_sufficient": x,
        "pct": pct,
    }


FJI = Baseline(
    id="fji-2015",
    title="Full joint inspection 2015",
    date="2015-05-01",
    source="HMIP",
    service="Bromley YOS",
    kind="judgements",
    scale=("Good", "Satisfactory", "Unsatisfactory", "Poor"),
    areas=(
        JudgedArea("rr", "Reducing reoffending", "Poor", ("assessment", "planning")),
        JudgedArea("pc", "Protecting the child", "Unsatisfactory", ("assessment",)),
        JudgedArea("ss", "Ensuring the sentence is served", None, ()),
    ),
)


def test_12_of_20_to_18_of_20_is_30_points_improved() -> None:
    current = make_scores("y2016", {"assessment": (18, 20), "planning": (13, 20)})
    base = percentages([row("assessment", 12, 20), row("planning", 12, 20)])
    table = compare(current, base, framework=MINI)
    assert list(table.columns) == COMPARISON_COLUMNS
    a = table.set_index("theme_id").loc["assessment"]
    assert a["change_pts"] == pytest.approx(30)
    # Newcombe's hybrid from the hand-computed Wilson intervals of 18/20 and 12/20
    l1, u1 = hand_wilson(18, 20)
    l2, u2 = hand_wilson(12, 20)
    assert a["change_ci_low_pts"] == pytest.approx(30 - math.hypot(90 - l1, u2 - 60))
    assert a["change_ci_low_pts"] == pytest.approx(2.936, abs=1e-3)
    assert a["change_ci_high_pts"] == pytest.approx(30 + math.hypot(u1 - 90, 60 - l2))
    assert a["change_ci_high_pts"] == pytest.approx(52.528, abs=1e-3)
    assert a["verdict"] == IMPROVED
    assert (a["baseline_pct"], a["current_pct"]) == (60, 90)
    assert (a["baseline_rating"], a["current_rating"]) == ("Requires improvement", "Outstanding")
    p = table.set_index("theme_id").loc["planning"]  # 12/20 -> 13/20: 5 points, within noise
    assert p["change_pts"] == pytest.approx(5)
    assert p["change_ci_low_pts"] < 0 < p["change_ci_high_pts"]
    assert p["verdict"] == NO_CLEAR_CHANGE
    assert table["baseline_id"].eq("hmip-2012").all()
    assert table["baseline_kind"].eq("percentages").all()


def test_newcombe_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 - 48/80, method 10.
    (l1, u1), (l2, u2) = hand_wilson(56, 70), hand_wilson(48, 80)
    d, low, high = change_interval(80, l1, u1, 60, l2, u2)
    assert (d, round(float(low), 2), round(float(high), 2)) == (20, 5.24, 33.39)


def test_declined_only_when_the_interval_is_below_zero() -> None:
    current = make_scores("now", {"assessment": (6, 20), "planning": (2, 20)})
    base = percentages([row("assessment", 12, 20), row("planning", 18, 20)])
    table = compare(current, base).set_index("theme_id")
    assert table.loc["assessment", "verdict"] == NO_CLEAR_CHANGE  # -30, interval reaches 0
    assert table.loc["assessment", "change_ci_high_pts"] > 0
    assert table.loc["planning", "verdict"] == DECLINED
    assert table.loc["planning", "change_ci_high_pts"] < 0
    assert table["baseline_rating"].isna().all()  # no framework given: no bands to rate by


def test_no_data_and_not_covered_and_not_tested() -> None:
    current = make_scores("now", {"assessment": (0, 0), "planning": (10, 20), "extra": (5, 10)})
    base = percentages([row("assessment", 12, 20), row("planning", math.nan, math.nan, 81)])
    table = compare(current, base).set_index("theme_id")
    assert table.loc["assessment", "verdict"] == NO_DATA
    assert math.isnan(table.loc["assessment", "change_pts"])
    assert table.loc["planning", "verdict"] == NOT_TESTED
    assert table.loc["planning", "change_pts"] == pytest.approx(-31)
    assert math.isnan(table.loc["planning", "change_ci_low_pts"])
    assert table.loc["extra", "verdict"] == NOT_COVERED
    empty_base = percentages([row("assessment", 0, 0), row("planning", 0, 0)])
    both = compare(make_scores("n", {"assessment": (3, 4), "planning": (0, 0)}), empty_base)
    assert both["verdict"].tolist() == [NO_DATA, NO_DATA]


def test_judgement_baseline_never_gives_numbers() -> None:
    current = make_scores("now", {"assessment": (18, 20), "planning": (9, 20), "reports": (5, 9)})
    table = compare(current, FJI, framework=MINI)
    assert list(table.columns) == COMPARISON_COLUMNS
    numbers = ["baseline_pct", "change_pts", "change_ci_low_pts", "change_ci_high_pts"]
    assert table[numbers].isna().all().all()
    by_theme = table.set_index("theme_id")
    assert by_theme.loc["assessment", "baseline_rating"] == (
        "Poor (Reducing reoffending); Unsatisfactory (Protecting the child)"
    )
    assert by_theme.loc["planning", "baseline_rating"] == "Poor (Reducing reoffending)"
    assert by_theme.loc["assessment", "verdict"] == JUDGEMENT_ONLY
    assert by_theme.loc["reports", "verdict"] == NOT_COVERED
    assert by_theme.loc["assessment", "current_pct"] == 90  # the audit's own side stays
    assert compare_questions(current, FJI).empty


def test_no_fpc_on_a_baseline_that_read_the_whole_caseload() -> None:
    # The baseline's caseload describes that inspection's cases, not a change in practice: the
    # comparison uses its plain Wilson interval (issue 20), the same as with no caseload.
    current = make_scores("now", {"assessment": (18, 20)})
    whole = percentages([row("assessment", 12, 20)], caseload=20)
    a = compare(current, whole).iloc[0]
    plain = compare(current, percentages([row("assessment", 12, 20)])).iloc[0]
    l1, _ = hand_wilson(18, 20)
    _, u2 = hand_wilson(12, 20)
    assert a["change_ci_low_pts"] == pytest.approx(30 - math.hypot(90 - l1, u2 - 60))
    assert a["change_ci_low_pts"] == plain["change_ci_low_pts"]


def test_compare_with_an_earlier_audit_and_compare_all() -> None:
    earlier = make_scores("y2015", {"assessment": (12, 20), "planning": (10, 20)})
    current = make_scores("y2016", {"assessment": (18, 20), "planning": (10, 20)})
    table = compare(current, earlier)
    assert table["baseline_kind"].eq("answers").all()
    assert table["baseline_id"].eq("y2015").all()
    assert table["baseline_rating"].tolist() == ["Requires improvement", "Requires improvement"]
    assert table["verdict"].tolist() == [IMPROVED, NO_CLEAR_CHANGE]
    everything = compare_all(current, [earlier, FJI])
    assert len(everything) == 4 and list(everything.columns) == COMPARISON_COLUMNS
    assert list(compare_all(current, []).columns) == COMPARISON_COLUMNS


def test_compare_questions_keeps_questions_on_both_sides() -> None:
    current = make_scores("now", {"assessment": (18, 20), "planning": (9, 20)})
    base = percentages(
        [row("assessment", 12, 20)],
        questions=[{"question_id": "Q1", "label": "Q1", "n_applicable": 20, "n_sufficient": 12,
                    "pct": 60.0}],
    )  # fmt: skip
    table = compare_questions(current, base)
    assert list(table.columns) == QUESTION_COMPARISON_COLUMNS
    assert table["question_id"].tolist() == ["Q1"]
    assert table.loc[0, "change_pts"] == pytest.approx(30)
    assert compare_questions(current, percentages([row("assessment", 1, 2)])).empty


def test_trend_over_three_audits() -> None:
    a = make_scores("y2015", {"assessment": (8, 20), "planning": (10, 20)})
    b = make_scores("y2016", {"assessment": (18, 20), "planning": (11, 20)})
    c = make_scores("y2017", {"assessment": (19, 20), "planning": (2, 20)})
    table = trend([c, a, b], ["2017-03-01", "2015-03-01", "2016-03-21"])
    assert list(table.columns) == TREND_COLUMNS
    assert table["audit_id"].tolist() == ["y2015"] * 2 + ["y2016"] * 2 + ["y2017"] * 2
    assert table["verdict"].tolist() == [
        FIRST_AUDIT,
        FIRST_AUDIT,
        IMPROVED,
        NO_CLEAR_CHANGE,
        NO_CLEAR_CHANGE,
        DECLINED,
    ]
    assert table["change_pts"].iloc[2:].round(6).tolist() == [50, 5, 5, -45]
    assert table["change_pts"].iloc[:2].isna().all()
    step = compare(b, a)
    assert table["change_ci_low_pts"].iloc[2:4].tolist() == step["change_ci_low_pts"].tolist()
    assert table["n_sufficient"].tolist() == [8, 10, 18, 11, 19, 2]
    with pytest.raises(ValueError):
        trend([a, b], ["2015-01-01"])
    assert trend([], []).empty


counts = st.integers(min_value=3, max_value=60).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@settings(max_examples=60, deadline=None)
@given(a=st.lists(counts, min_size=1, max_size=4), b=st.lists(counts, min_size=1, max_size=4))
def test_swapping_sides_negates_the_change_and_flips_the_verdict(a, b) -> None:
    k = min(len(a), len(b))
    themes = [f"t{i}" for i in range(k)]
    first = make_scores("first", dict(zip(themes, a[:k], strict=True)))
    second = make_scores("second", dict(zip(themes, b[:k], strict=True)))
    there, back = compare(first, second), compare(second, first)
    assert np.allclose(there["change_pts"], -back["change_pts"])
    assert np.allclose(there["change_ci_low_pts"], -back["change_ci_high_pts"])
    assert np.allclose(there["change_ci_high_pts"], -back["change_ci_low_pts"])
    flip = {IMPROVED: DECLINED, DECLINED: IMPROVED, NO_CLEAR_CHANGE: NO_CLEAR_CHANGE}
    assert [flip[v] for v in there["verdict"]] == back["verdict"].tolist()
    assert (there["verdict"] == IMPROVED).eq(there["change_ci_low_pts"] > 0).all()
    assert (there["verdict"] == DECLINED).eq(there["change_ci_high_pts"] < 0).all()


@settings(max_examples=60, deadline=None)
@given(
    a=counts,
    b=counts,
    pop_a=st.none() | st.integers(min_value=0, max_value=100),
    pop_b=st.none() | st.integers(min_value=0, max_value=100),
)
def test_change_interval_is_newcombe_diff_for_counts(a, b, pop_a, pop_b) -> None:
    (x1, n1), (x2, n2) = a, b
    pop1 = math.nan if pop_a is None else n1 + pop_a
    pop2 = math.nan if pop_b is None else n2 + pop_b
    l1, u1 = wilson(x1, n1, population=pop1)
    l2, u2 = wilson(x2, n2, population=pop2)
    _, low, high = change_interval(x1 / n1, l1, u1, x2 / n2, l2, u2)
    expected = newcombe_diff(
        x1, n1, x2, n2, pop1=None if pop_a is None else pop1, pop2=None if pop_b is None else pop2
    )
    assert np.allclose([low, high], expected, atol=1e-9)
