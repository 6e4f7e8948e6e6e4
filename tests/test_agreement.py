from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from caseaudit_lib.framework.model import Band, Framework, Question, Theme
from caseaudit_lib.load.answers import (
    ANSWER_DTYPE,
    NOT_ANSWERED,
    NOT_APPLICABLE,
    NOT_SUFFICIENT,
    SUFFICIENT,
)
from caseaudit_lib.score.agreement import (
    AGREEMENT_COLUMNS,
    agreement_scores,
    answer_pairs,
    contingency,
    kappa,
)

CODES = {"Y": SUFFICIENT, "N": NOT_SUFFICIENT, "NA": NOT_APPLICABLE, "": NOT_ANSWERED}


def q(qid, theme, applies_to=None):
    return Question(qid, theme, qid, applies_to and frozenset(applies_to), None, True)


FW = Framework(
    id="ag",
    title="Agreement",
    version="1",
    source="tests",
    scoring="pooled",
    case_types={"a": "A", "b": "B"},
    case_type_aliases={"a": "a", "b": "b"},
    themes=(
        Theme(
            "t",
            "T",
            "pooled",
            tuple(q(f"P{i}", "t") for i in range(1, 5)) + (q("P5", "t", {"a"}),),
            "",
        ),
        Theme("u", "U", "pooled", (q("U1", "u"),), ""),
        Theme("v", "V", "pooled", (q("V1", "v"),), ""),
    ),
    bands=(Band("Pass", 50, None), Band("Fail", 0, None)),
    overall=None,
    path=Path("ag.yaml"),
)


def make_answers(cases):
    rows = []
    for case_id, marking, case_type, codes in cases:
        for question in FW.questions:
            applies = question.applies(case_type)
            code = codes.get(question.id, "") if applies else "NA"
            rows.append(
                dict(
                    case_id=case_id,
                    marking=marking,
                    auditor="A" if marking == "first" else "B",
                    case_type=case_type,
                    theme_id=question.theme_id,
                    question_id=question.id,
                    applies=applies,
                    answer=CODES[code],
                    comment="",
                )
            )
    frame = pd.DataFrame(rows)
    frame["answer"] = frame["answer"].astype(ANSWER_DTYPE)
    return frame


# Pairs in theme t (first/second): S/S x4, S/NS, NS/S, NS/NS x2, NA/S, NA/NA.
CASES = [
    ("E1", "first", "a", dict(P1="Y", P2="Y", P3="Y", P4="N", P5="NA", U1="Y")),
    ("E1", "second", "a", dict(P1="Y", P2="Y", P3="N", P4="Y", P5="NA", U1="Y")),
    ("E2", "first", "a", dict(P1="Y", P2="N", P3="NA", P4="Y", P5="N", U1="Y")),
    ("E2", "second", "a", dict(P1="Y", P2="N", P3="Y", P4="Y", P5="N", U1="Y")),
    # Second marking left P1-P4 blank and P5 does not apply to type b: no pairs in t.
    ("E3", "first", "b", dict(P1="Y", P2="N", P3="Y", P4="Y", U1="Y")),
    ("E3", "second", "b", dict(U1="Y")),
    # Marked once only: no pairs.
    ("E4", "first", "a", dict(P1="N", P2="N", P3="N", P4="N", P5="N", U1="N")),
]
ANSWERS = make_answers(CASES)


def test_pairs_and_table():
    pairs = answer_pairs(ANSWERS)
    assert len(pairs) == 10 + 3
    table = contingency(pairs[pairs.theme_id == "t"])
    np.testing.assert_array_equal(table, [[4, 1, 0], [1, 2, 0], [1, 0, 1]])


def test_kappa_by_hand():
    # p_o = 7/10; margins rows (5, 3, 2), columns (6, 3, 1): p_e = (30 + 9 + 2) / 100.
    assert kappa([[4, 1, 0], [1, 2, 0], [1, 0, 1]]) == pytest.approx((0.7 - 0.41) / (1 - 0.41))
    # Classic 2x2: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> kappa 0.4.
    assert kappa([[20, 5], [10, 15]]) == pytest.approx(0.4)
    assert np.isnan(kappa([[0, 0], [0, 0]]))
    assert np.isnan(kappa([[3, 0], [0, 0]]))


def test_agreement_scores():
    raw = agreement_scores(ANSWERS, FW, audit_id="x")
    assert list(raw.columns) == AGREEMENT_COLUMNS
    t = raw.set_index("theme_id")
    assert t.index.tolist() == ["t", "u", "v", "all"]
    assert t.loc["t", "n_pairs"] == 10
    assert t.loc["t", "pct_agreement"] == pytest.approx(70)
    assert t.loc["t", "kappa"] == pytest.approx(0.29 / 0.59)
    # U1: three pairs all sufficient: full agreement but kappa undefined.
    assert t.loc["u", "n_pairs"] == 3 and t.loc["u", "pct_agreement"] == 100
    assert np.isnan(t.loc["u", "kappa"])
    # V1: nobody answered it: no pairs.
    assert t.loc["v", "n_pairs"] == 0
    assert np.isnan(t.loc["v", "pct_agreement"]) and np.isnan(t.loc["v", "kappa"])
    # All: 13 pairs, 10 agree; rows (8, 3, 2), columns (9, 3, 1).
    assert t.loc["all", "n_pairs"] == 13
    assert t.loc["all", "pct_agreement"] == pytest.approx(1000 / 13)
    assert t.loc["all", "kappa"] == pytest.approx(47 / 86)


def test_no_second_markings():
    first_only = ANSWERS[ANSWERS.marking == "first"]
    t = agreement_scores(first_only, FW, audit_id="x")
    assert (t["n_pairs"] == 0).all() and t["kappa"].isna().all()
