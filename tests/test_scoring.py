from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseaudit_lib.errors import ParamsError
from caseaudit_lib.framework.model import Band, Framework, OverallRule, Question, Theme
from caseaudit_lib.load.answers import (
    ANSWER_DTYPE,
    NOT_ANSWERED,
    NOT_APPLICABLE,
    NOT_SUFFICIENT,
    SUFFICIENT,
)
from caseaudit_lib.score.counts import first_answers
from caseaudit_lib.score.intervals import (
    effective_n_linearised,
    wilson,
    wilson_clustered,
    wilson_effective,
)
from caseaudit_lib.score.scoring import (
    AUDITOR_COLUMNS,
    CASE_COLUMNS,
    QUESTION_COLUMNS,
    THEME_COLUMNS,
    auditor_scores,
    case_scores,
    question_scores,
    score_audit,
    theme_scores,
)
from caseaudit_lib.score.theme_rules import rule_scores, scores_without_each_case, theme_grid

BANDS = (
    Band("Outstanding", 80, 3),
    Band("Good", 65, 2),
    Band("Requires improvement", 50, 1),
    Band("Inadequate", 0, 0),
)
CODES = {"Y": SUFFICIENT, "N": NOT_SUFFICIENT, "NA": NOT_APPLICABLE, "": NOT_ANSWERED}


def q(qid, theme, applies_to=None, key=True):
    return Question(qid, theme, f"Question {qid}?", applies_to and frozenset(applies_to), None, key)


def make_framework(themes, overall=None):
    return Framework(
        id="mini",
        title="Mini",
        version="1",
        source="tests",
        scoring="pooled",
        case_types={"a": "Type A", "b": "Type B"},
        case_type_aliases={"a": "a", "b": "b"},
        themes=tuple(themes),
        bands=BANDS,
        overall=overall,
        path=Path("mini.yaml"),
    )


T1 = Theme("t1", "Pooled theme", "pooled", (q("Q1", "t1"), q("Q2", "t1"), q("Q3", "t1", {"b"})), "")
T2 = Theme("t2", "Mean theme", "mean_of_questions", (q("Q4", "t2"), q("Q5", "t2")), "")
T3 = Theme(
    "t3",
    "Weakest theme",
    "weakest_key_question",
    (q("Q6", "t3"), q("Q7", "t3"), q("Q8", "t3", key=False)),
    "",
)
T4 = Theme("t4", "Empty theme", "pooled", (q("Q9", "t4"), q("Q10", "t4")), "")
FW = make_framework([T1, T2, T3, T4])


def make_answers(framework, cases):
    """cases: list of (case_id, marking, auditor, case_type, {question_id: code})."""
    rows = []
    for case_id, marking, auditor, case_type, given_answers in cases:
        for question in framework.questions:
            applies = question.applies(case_type)
            code = given_answers.get(question.id, "") if applies else "NA"
            rows.append(
                {
                    "case_id": case_id,
                    "marking": marking,
                    "auditor": auditor,
                    "case_type": case_type,
                    "theme_id": question.theme_id,
                    "question_id": question.id,
                    "applies": applies,
                    "answer": CODES[code],
                    "comment": "",
                }
            )
    frame = pd.DataFrame(rows)
    frame["answer"] = frame["answer"].astype(ANSWER_DTYPE)
    return frame


CASES = [
    (
        "C1",
        "first",
        "A",
        "a",
        dict(Q1="Y", Q2="Y", Q4="Y", Q5="N", Q6="Y", Q7="N", Q8="N", Q9="NA"),
    ),
    (
        "C2",
        "first",
        "A",
        "b",
        dict(Q1="N", Q2="Y", Q3="Y", Q4="Y", Q5="Y", Q6="Y", Q7="Y", Q8="N", Q9="NA"),
    ),
    (
        "C3",
        "first",
        "B",
        "a",
        dict(Q1="Y", Q2="NA", Q4="N", Q5="", Q6="N", Q7="Y", Q8="N", Q9="NA"),
    ),
    (
        "C4",
        "first",
        "B",
        "b",
        dict(Q1="Y", Q2="N", Q3="N", Q4="Y", Q5="N", Q6="Y", Q7="N", Q8="Y", Q9="NA"),
    ),
    # A second marking must not change any score.
    ("C1", "second", "B", "a", dict(Q1="N", Q2="N", Q4="N", Q5="N", Q6="N", Q7="N", Q8="N")),
]
ANSWERS = make_answers(FW, CASES)


def by(table, column, value):
    return table.set_index(column).loc[value]


def test_question_counts_and_scores_by_hand():
    t = question_scores(ANSWERS, FW, audit_id="x")
    assert list(t.columns) == QUESTION_COLUMNS
    assert t["question_id"].tolist() == [f"Q{i}" for i in range(1, 11)]
    expected = {  # n_applicable, n_sufficient, n_not_applicable, n_not_answered, score
        "Q1": (4, 3, 0, 0, 75.0),
        "Q2": (3, 2, 1, 0, 200 / 3),
        "Q3": (2, 1, 2, 0, 50.0),
        "Q4": (4, 3, 0, 0, 75.0),
        "Q5": (3, 1, 0, 1, 100 / 3),
        "Q7": (4, 2, 0, 0, 50.0),
        "Q8": (4, 1, 0, 0, 25.0),
    }
    for qid, (n, s, na, blank, pct) in expected.items():
        row = by(t, "question_id", qid)
        assert (row.n_applicable, row.n_sufficient, row.n_not_applicable, row.n_not_answered) == (
            n,
            s,
            na,
            blank,
        )
        assert row.score_pct == pytest.approx(pct)
        low, high = wilson(s, n) if n >= 3 else (np.nan, np.nan)  # Q3: 2 cases, no interval
        assert (row.ci_low_pct, row.ci_high_pct) == pytest.approx(
            (100 * low, 100 * high), nan_ok=True
        )
    assert by(t, "question_id", "Q1").rating == "Good"
    assert by(t, "question_id", "Q8").rating == "Inadequate"


def test_all_not_applicable_and_unanswered_questions_are_nan_not_zero():
    t = question_scores(ANSWERS, FW, audit_id="x")
    for qid, na, blank in [("Q9", 4, 0), ("Q10", 0, 4)]:
        row = by(t, "question_id", qid)
        assert row.n_applicable == 0 and row.n_not_applicable == na
        assert row.n_not_answered == blank
        assert np.isnan(row.score_pct) and np.isnan(row.ci_low_pct) and np.isnan(row.ci_high_pct)
        assert row.rating is None


def test_theme_rules():
    t = theme_scores(ANSWERS, FW, audit_id="x")
    assert list(t.columns) == THEME_COLUMNS
    pooled = by(t, "theme_id", "t1")
    assert (pooled.n_cases, pooled.n_applicable, pooled.n_sufficient) == (4, 9, 6)
    assert pooled.score_pct == pytest.approx(200 / 3)
    # Per case (sufficient, applicable): C1 (2, 2), C2 (2, 3), C3 (1, 1), C4 (1, 3).
    low, high, _ = wilson_clustered([2, 2, 1, 1], [2, 3, 1, 3])
    assert (pooled.ci_low_pct, pooled.ci_high_pct) == pytest.approx((100 * low, 100 * high))
    assert pooled.rating == "Good"
    assert (pooled.rating_low, pooled.rating_high) == ("Inadequate", "Outstanding")

    mean = by(t, "theme_id", "t2")
    assert mean.score_pct == pytest.approx((75 + 100 / 3) / 2)
    assert (mean.n_applicable, mean.n_sufficient, mean.n_cases) == (7, 4, 4)
    # Influence of each case on the mean of p4 = 3/4 and p5 = 1/3 (C3 has no Q5 answer).
    p4, p5 = 3 / 4, 1 / 3
    z = [
        ((1 - p4) / 4 + (0 - p5) / 3) / 2,
        ((1 - p4) / 4 + (1 - p5) / 3) / 2,
        ((0 - p4) / 4) / 2,
        ((1 - p4) / 4 + (0 - p5) / 3) / 2,
    ]
    cc = effective_n_linearised((p4 + p5) / 2, z, 7)
    low, high = wilson_effective(cc)  # t with 3 df: 4 cases
    assert (mean.ci_low_pct, mean.ci_high_pct) == pytest.approx((100 * low, 100 * high))

    weakest = by(t, "theme_id", "t3")
    # Q8 (25%) is not a key question; Q7 (50%) is the weakest key question.
    assert t.attrs["weakest_questions"] == {"t3": "Q7"}
    assert (weakest.n_applicable, weakest.n_sufficient, weakest.score_pct) == (4, 2, 50.0)
    assert weakest.ci_low_pct == pytest.approx(100 * wilson(2, 4)[0])
    assert weakest.rating == "Requires improvement"

    empty = by(t, "theme_id", "t4")
    assert (empty.n_cases, empty.n_applicable) == (0, 0)
    assert np.isnan(empty.score_pct) and np.isnan(empty.ci_low_pct)
    assert empty.rating is None and empty.rating_low is None and empty.rating_high is None


def test_pooled_counts_are_sums_of_question_counts():
    qs = question_scores(ANSWERS, FW, audit_id="x")
    ts = theme_scores(ANSWERS, FW, audit_id="x")
    for theme in FW.themes:
        if theme.scoring == "weakest_key_question":
            continue
        sums = qs[qs.theme_id == theme.id][["n_applicable", "n_sufficient"]].sum()
        row = by(ts, "theme_id", theme.id)
        assert (row.n_applicable, row.n_sufficient) == tuple(sums)


def test_fpc_narrows_and_collapses_when_every_case_read():
    plain = question_scores(ANSWERS, FW, audit_id="x")
    some = question_scores(ANSWERS, FW, audit_id="x", caseload=40)
    whole = question_scores(ANSWERS, FW, audit_id="x", caseload=4)
    q1 = [by(t, "question_id", "Q1") for t in (plain, some, whole)]
    assert q1[0].ci_low_pct < q1[1].ci_low_pct < 75 < q1[1].ci_high_pct < q1[0].ci_high_pct
    assert (q1[2].ci_low_pct, q1[2].ci_high_pct) == pytest.approx((75, 75))
    # Q5 has a case not answered: it applies there, so the sample is 3 of 4 and does not collapse;
    # 3 of 4 is more than half: the exact interval. By hand, 1 sufficient of 3 read from 4:
    # M = 1 or 2 can give it (P = 3/4 and 1/2 > 2.5%); M = 0 and 3, 4 cannot: 25% to 50%.
    q5 = by(whole, "question_id", "Q5")
    assert q5.ci_low_pct <= q5.score_pct <= q5.ci_high_pct
    assert (q5.ci_low_pct, q5.ci_high_pct) == pytest.approx((25, 50))
    # Q3 applies to 2 of the 4 cases: fewer than 3 cases, no interval at all.
    q3 = by(some, "question_id", "Q3")
    assert np.isnan(q3.ci_low_pct) and np.isnan(q3.ci_high_pct)
    themes = theme_scores(ANSWERS, FW, audit_id="x", caseload=4)
    assert by(themes, "theme_id", "t1").ci_low_pct == pytest.approx(200 / 3)
    assert by(themes, "theme_id", "t1").ci_high_pct == pytest.approx(200 / 3)


def test_a_census_treats_themes_as_questions():
    # Caseload 4 = the 4 cases read. t1's answers are all given: it collapses, as its
    # questions do. t2 holds Q5's blank: 7 of the 8 applicable answers read (f = 7/8), so,
    # like Q5, it stays open, its clustered variance times 1 - f.
    qs = question_scores(ANSWERS, FW, audit_id="x", caseload=4)
    ts = theme_scores(ANSWERS, FW, audit_id="x", caseload=4, questions=qs)
    assert np.isnan(by(qs, "question_id", "Q3").ci_low_pct)  # 2 cases: no interval
    for qid in ("Q1", "Q2"):
        q = by(qs, "question_id", qid)
        assert q.ci_low_pct == pytest.approx(q.score_pct) == pytest.approx(q.ci_high_pct)
    t2 = by(ts, "theme_id", "t2")
    assert t2.ci_low_pct < t2.score_pct < t2.ci_high_pct
    p4, p5 = 3 / 4, 1 / 3
    z = [
        ((1 - p4) / 4 + (0 - p5) / 3) / 2,
        ((1 - p4) / 4 + (1 - p5) / 3) / 2,
        ((0 - p4) / 4) / 2,
        ((1 - p4) / 4 + (0 - p5) / 3) / 2,
    ]
    cc = effective_n_linearised((p4 + p5) / 2, z, 7)
    low, high = wilson_effective(cc, sampling_fraction=7 / 8)
    assert (t2.ci_low_pct, t2.ci_high_pct) == pytest.approx((100 * low, 100 * high))


def test_caseload_below_sample_is_a_params_error():
    with pytest.raises(ParamsError, match="caseload"):
        question_scores(ANSWERS, FW, audit_id="x", caseload=3)


def test_case_scores():
    t = case_scores(ANSWERS, FW, audit_id="x")
    assert list(t.columns) == CASE_COLUMNS
    assert len(t) == 4 * 5  # 4 first-marked cases x (4 themes + "all")
    c1 = t[t.case_id == "C1"].set_index("theme_id")
    assert c1.index.tolist() == ["t1", "t2", "t3", "t4", "all"]
    assert (c1.loc["all", "n_applicable"], c1.loc["all", "n_sufficient"]) == (7, 4)
    assert c1.loc["all", "score_pct"] == pytest.approx(400 / 7)
    assert c1.loc["t1", "score_pct"] == 100.0
    assert np.isnan(c1.loc["t4", "score_pct"]) and c1.loc["t4", "n_applicable"] == 0
    assert c1.loc["all", "auditor"] == "A" and c1.loc["all", "case_type"] == "a"
    c4 = t[t.case_id == "C4"].set_index("theme_id")
    assert (c4.loc["t1", "n_applicable"], c4.loc["t1", "n_sufficient"]) == (3, 1)


def test_auditor_scores_beside_others():
    t = auditor_scores(ANSWERS, FW, audit_id="x")
    assert list(t.columns) == AUDITOR_COLUMNS
    a = t[(t.auditor == "A") & (t.theme_id == "t1")].iloc[0]
    # A: C1 (2/2), C2 (2/3) -> 4/5; B on the same questions Q1-Q3: C3 (1/1), C4 (1/3) -> 2/4.
    assert (a.n_cases, a.n_applicable, a.n_sufficient, a.others_n) == (2, 5, 4, 4)
    assert a.score_pct == 80.0 and a.others_pct == 50.0 and a.diff_pts == 30.0
    # A read 2 cases: too few for an interval, so none, and no flag.
    assert np.isnan(a.diff_ci_low_pts) and np.isnan(a.diff_ci_high_pts) and not a.flag
    empty = t[(t.auditor == "A") & (t.theme_id == "t4")].iloc[0]
    assert np.isnan(empty.score_pct) and np.isnan(empty.diff_pts) and not empty.flag


def test_auditor_flag_where_interval_excludes_zero():
    fw = make_framework([Theme("t", "T", "pooled", (q("P1", "t"), q("P2", "t")), "")])
    cases = [(f"X{i}", "first", "X", "a", {"P1": "Y", "P2": "Y"}) for i in range(10)]
    cases += [
        (f"Z{i}", "first", "Z", "a", {"P1": "N", "P2": "Y" if i < 3 else "N"}) for i in range(20)
    ]
    t = auditor_scores(make_answers(fw, cases), fw, audit_id="x").set_index(["auditor", "theme_id"])
    x = t.loc[("X", "t")]
    assert x.score_pct == 100 and x.others_pct == pytest.approx(7.5) and x.flag
    assert x.diff_ci_low_pts > 0
    assert t.loc[("Z", "t")].flag and t.loc[("Z", "t")].diff_ci_high_pts < 0


def test_single_case_and_extremes_give_real_intervals():
    fw = make_framework([Theme("t", "T", "pooled", (q("P1", "t"), q("P2", "t")), "")])
    answers = make_answers(fw, [("C1", "first", "A", "a", {"P1": "Y", "P2": "N"})])
    qs = question_scores(answers, fw, audit_id="x")
    p1, p2 = by(qs, "question_id", "P1"), by(qs, "question_id", "P2")
    # One case: a score, a rating, but too few cases to give a range (issue 20).
    assert p1.score_pct == 100 and p1.rating == "Outstanding" and np.isnan(p1.ci_low_pct)
    assert p2.score_pct == 0 and np.isnan(p2.ci_high_pct)
    theme = theme_scores(answers, fw, audit_id="x").iloc[0]
    assert theme.score_pct == 50
    assert np.isnan(theme.ci_low_pct) and np.isnan(theme.ci_high_pct)


HMIP_OVERALL = OverallRule(
    max_points=9,
    bands=(("Outstanding", 8), ("Good", 5), ("Requires improvement", 2), ("Inadequate", 0)),
    organisational_standards=(("1.1", "Governance and leadership"),),
)


def test_hmip_standards_and_overall():
    fw = make_framework([T1, T3], overall=HMIP_OVERALL)
    audit = SimpleNamespace(framework=fw, answers=make_answers(fw, CASES))
    scores = score_audit(audit, audit_id="h")
    assert scores.overall is None and "1.1" in scores.overall_reason
    assert scores.standards["standard"].tolist() == ["1.1", "t1", "t3"]
    assert scores.standards["rating"].tolist() == [None, "Good", "Requires improvement"]
    scores = score_audit(audit, audit_id="h", organisational_ratings={"1.1": "outstanding"})
    assert scores.standards["points"].tolist() == [3, 2, 1]
    assert scores.overall == {"total_points": 6, "max_points": 9, "band": "Good"}
    assert scores.overall_reason is None
    with pytest.raises(ParamsError):
        score_audit(audit, audit_id="h", organisational_ratings={"9.9": "Good"})
    with pytest.raises(ParamsError):
        score_audit(audit, audit_id="h", organisational_ratings={"1.1": "Excellent"})


def test_hmip_overall_needs_every_case_standard_rated():
    fw = make_framework([T1, T4], overall=HMIP_OVERALL)
    audit = SimpleNamespace(framework=fw, answers=make_answers(fw, CASES))
    scores = score_audit(audit, audit_id="h", organisational_ratings={"1.1": "Good"})
    assert scores.overall is None and "t4" in scores.overall_reason


def test_score_audit_non_hmip():
    scores = score_audit(SimpleNamespace(framework=FW, answers=ANSWERS), audit_id="a1", caseload=80)
    assert scores.standards.empty and list(scores.standards.columns) == [
        "standard",
        "rating",
        "points",
    ]
    assert scores.overall is None
    assert scores.weakest_questions == {"t3": "Q7"}
    for table in (scores.questions, scores.themes, scores.cases, scores.auditors, scores.agreement):
        assert (table["audit_id"] == "a1").all()
    assert by(scores.agreement, "theme_id", "all").n_pairs == 7
    with pytest.raises(ParamsError):
        score_audit(
            SimpleNamespace(framework=FW, answers=ANSWERS),
            audit_id="a1",
            organisational_ratings={"1.1": "Good"},
        )


answer_codes = st.sampled_from(["Y", "N", "NA", ""])


@st.composite
def audits(draw):
    n = draw(st.integers(1, 8))
    cases = []
    for i in range(n):
        case_type = draw(st.sampled_from(["a", "b"]))
        given_answers = {qq.id: draw(answer_codes) for qq in FW.questions}
        cases.append((f"C{i}", "first", draw(st.sampled_from("ABC")), case_type, given_answers))
    return make_answers(FW, cases), draw(st.randoms(use_true_random=False))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(audits(), st.booleans())
def test_properties(drawn, with_caseload):
    answers, rnd = drawn
    caseload = answers["case_id"].nunique() * 3 if with_caseload else None
    qs = question_scores(answers, FW, audit_id="p", caseload=caseload)
    ts = theme_scores(answers, FW, audit_id="p", caseload=caseload)
    cs = case_scores(answers, FW, audit_id="p")
    aus = auditor_scores(answers, FW, audit_id="p")
    for table in (qs, ts, cs, aus):
        pct = table["score_pct"].dropna()
        assert ((pct >= 0) & (pct <= 100)).all()
        assert (table["score_pct"].isna() == (table["n_applicable"] == 0)).all()
    for table in (qs, ts):
        # Fewer than 3 cases: no interval; 3 or more: an interval holding the score.
        few = (table["n_cases"] if "n_cases" in table else table["n_applicable"]) < 3
        assert table.loc[few, "ci_low_pct"].isna().all()
        ok = table["score_pct"].notna() & ~few
        assert table.loc[ok, "ci_low_pct"].notna().all()
        eps = 1e-9
        assert (table.loc[ok, "ci_low_pct"] <= table.loc[ok, "score_pct"] + eps).all()
        assert (table.loc[ok, "score_pct"] <= table.loc[ok, "ci_high_pct"] + eps).all()
        assert (table.loc[ok, "ci_low_pct"] >= -eps).all()
        assert (table.loc[ok, "ci_high_pct"] <= 100 + eps).all()
    # Row order of the input does not matter.
    shuffled = answers.sample(frac=1, random_state=rnd.randint(0, 10**6)).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        qs, question_scores(shuffled, FW, audit_id="p", caseload=caseload)
    )
    pd.testing.assert_frame_equal(ts, theme_scores(shuffled, FW, audit_id="p", caseload=caseload))
    pd.testing.assert_frame_equal(cs, case_scores(shuffled, FW, audit_id="p"))
    pd.testing.assert_frame_equal(aus, auditor_scores(shuffled, FW, audit_id="p"))


def test_end_to_end_with_load_audit(tmp_path, monkeypatch):
    from caseaudit_lib.audit.loading import load_audit

    monkeypatch.setenv("CASEAUDIT_SALT", "test-salt")
    data = tmp_path / "audit.csv"
    data.write_text(
        "case_id,auditor,case_type,marking,Q1,Q2,Q3,Q4,Q5\n"
        "k1,Ann,RO,first,yes,no,yes,y,n/a\n"
        "k2,Bob,YRO,first,no,no,,yes,yes\n"
        "k3,Ann,OOCD,first,yes,yes,n/a,no,no\n"
        "k1,Bob,RO,second,yes,yes,yes,y,n/a\n",
        encoding="utf-8",
    )
    framework = Path(__file__).parent / "data" / "frameworks" / "mini.yaml"
    scores = score_audit(load_audit(data, str(framework)), audit_id="m", caseload=10)
    q3 = by(scores.questions, "question_id", "Q3")
    assert (q3.n_applicable, q3.n_not_applicable, q3.n_not_answered) == (1, 1, 1)
    # Q3 has one applicable answer: too few cases to give a range.
    assert np.isnan(q3.ci_low_pct)
    themes = scores.themes.set_index("theme_id")
    assert themes.loc["assessment", ["n_applicable", "n_sufficient"]].tolist() == [7, 4]
    agreement = scores.agreement.set_index("theme_id")
    assert agreement.loc["all", "n_pairs"] == 5
    assert agreement.loc["all", "pct_agreement"] == pytest.approx(80)
    assert "k1" not in set(scores.cases["case_id"])  # pseudonymised


def test_leaving_a_case_out_rescored_by_the_one_rule():
    # The views' "cases that drag a theme down" and the score table use one rule: the score
    # without each case, from the case x question grid, equals theme_scores without that case.
    first = first_answers(ANSWERS)
    for theme in FW.themes[:3]:
        scored, sufficient = theme_grid(first, theme.id)
        without = scores_without_each_case(theme, scored, sufficient)
        for case_id, value in zip(scored.index, without, strict=True):
            rest = ANSWERS[ANSWERS["case_id"] != case_id]
            expected = by(theme_scores(rest, FW, audit_id="x"), "theme_id", theme.id).score_pct
            assert value == pytest.approx(expected, nan_ok=True), (theme.id, case_id)


def test_rule_scores_by_hand():
    a, s = [[4, 3, 0], [2, 0, 1]], [[3, 1, 0], [1, 0, 0]]
    assert rule_scores("pooled", a, s) == pytest.approx([400 / 7, 100 / 3])
    assert rule_scores("mean_of_questions", a, s) == pytest.approx([(75 + 100 / 3) / 2, 25])
    key = [True, True, False]
    assert rule_scores("weakest_key_question", a, s, key) == pytest.approx([100 / 3, 50])
    assert np.isnan(rule_scores("weakest_key_question", [[0, 0, 1]], [[0, 0, 1]], key)[0])
    with pytest.raises(ValueError, match="unknown theme scoring rule"):
        rule_scores("median", a, s)
