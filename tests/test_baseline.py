"""Baseline files of the three kinds: percentages, judgements, answers."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from caseaudit_lib.compare.baseline import (
    Baseline,
    baseline_from_params,
    describe,
    load_baseline,
)
from caseaudit_lib.config.params import load_params
from caseaudit_lib.errors import ParamsError
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.score.scoring import AuditScores

DATA = Path(__file__).parent / "data"
MINI = str(DATA / "frameworks" / "mini.yaml")

HEAD = {
    "id": "bromley-hmip-fji-2015",
    "title": "HMIP full joint inspection of Bromley (2015)",
    "date": "2015-05-01",
    "source": "HM Inspectorate of Probation, published May 2015",
    "service": "Bromley YOS",
}
FJI = {
    **HEAD,
    "kind": "judgements",
    "framework": "mini",
    "scale": ["Good", "Satisfactory", "Unsatisfactory", "Poor"],
    "areas": [
        {"id": "reducing-reoffending", "label": "Reducing reoffending", "judgement": "Poor",
         "themes": ["assessment", "planning"]},
        {"id": "protecting-the-child", "label": "Protecting the child or young person",
         "judgement": "unsatisfactory", "themes": ["assessment"]},
        {"id": "sentence-served", "label": "Ensuring the sentence is served",
         "judgement": "not known", "themes": []},
    ],
}  # fmt: skip
PERCENTAGES = {
    **HEAD,
    "id": "hmip-2012",
    "kind": "percentages",
    "themes": [
        {"theme_id": "assessment", "label": "Safeguarding", "n_applicable": 20, "n_sufficient": 12},
        {"theme_id": "planning", "pct": 81, "n": 20},
    ],
    "questions": [{"question_id": "Q1", "n_applicable": 10, "n_sufficient": 9, "pct": 90}],
}
AUDIT_CSV = """case_id,auditor,case_type,Q1,Q2,Q3,Q4,Q5
A1,Ann,RO,yes,yes,no,yes,no
A2,Bob,YRO,no,yes,yes,yes,yes
A3,Ann,OOCD,yes,no,,no,yes
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CASEAUDIT_ROOT", str(tmp_path))
    monkeypatch.setenv("CASEAUDIT_SALT", "test-salt")
    (tmp_path / "params").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "y2015.csv").write_text(AUDIT_CSV)
    return tmp_path


def write(root: Path, name: str, values: dict | str) -> Path:
    path = root / "data" / f"{name}.yaml"
    path.write_text(values if isinstance(values, str) else yaml.safe_dump(values, sort_keys=False))
    return path


def problems(path: Path, **kw: object) -> dict[str, object]:
    with pytest.raises(ParamsError) as caught:
        load_baseline(path, **kw)
    return {p.cell: p for p in caught.value.problems}


def test_percentages_with_counts_and_derived_counts(root: Path) -> None:
    baseline = load_baseline(write(root, "p", PERCENTAGES), framework=load_framework(MINI))
    assert baseline.kind == "percentages"
    themes = baseline.themes
    assert list(themes.index) == ["assessment", "planning"]
    assert themes.loc["assessment", "pct"] == 60.0
    assert themes.loc["assessment", "label"] == "Safeguarding"
    # 81% of 20 is 16.2: 16 cases, 80.0%, and the loader says so
    assert themes.loc["planning", ["n_applicable", "n_sufficient", "pct"]].tolist() == [20, 16, 80]
    [warning] = baseline.warnings
    assert warning.severity == "warning" and warning.cell == "themes[1]"
    assert "81% of 20 is 16" in warning.message and "80.0% used" in warning.message
    assert baseline.questions.loc["Q1", "n_sufficient"] == 9


def test_percentage_without_a_count_is_kept_with_a_warning(root: Path) -> None:
    values = {**PERCENTAGES, "themes": [{"theme_id": "assessment", "pct": 81}], "questions": None}
    baseline = load_baseline(write(root, "p", values))
    assert baseline.themes.loc["assessment", "pct"] == 81
    assert math.isnan(baseline.themes.loc["assessment", "n_applicable"])
    assert "cannot be tested" in baseline.warnings[0].message


def test_percentages_faults_all_at_once(root: Path) -> None:
    values = {
        **PERCENTAGES,
        "caseload": 15,
        "themes": [
            {"theme_id": "assessment", "n_applicable": 20, "n_sufficient": 12, "pct": 70},
            {"theme_id": "planning", "n_applicable": 5, "n_sufficient": 6},
            {"theme_id": "planning", "n_applicable": 5, "n_sufficient": -1},
            {"theme_id": "reports", "n": 10},
            {"theme": "x", "n_applicable": 1, "n_sufficient": 1},
        ],
        "questions": None,
    }
    found = problems(write(root, "p", values))
    assert set(found) == {
        "themes[0].pct",
        "themes[1].n_sufficient",
        "themes[2].theme_id",
        "themes[2].n_sufficient",
        "themes[3].pct",
        "themes[4].theme",
        "themes[4].theme_id",
        "themes",
    }
    assert found["themes[0].pct"].expected == "60.0"
    assert found["themes[2].theme_id"].message == "given twice"
    assert "caseload" in found["themes"].message  # 20 applicable of a caseload of 15


def test_judgements_keep_words_and_the_mapping(root: Path) -> None:
    baseline = load_baseline(write(root, "fji", FJI), framework=load_framework(MINI))
    assert baseline.kind == "judgements"
    assert baseline.scale == ("Good", "Satisfactory", "Unsatisfactory", "Poor")
    assert [a.judgement for a in baseline.areas] == ["Poor", "Unsatisfactory", None]
    assert baseline.judgements_for_theme("assessment") == [
        ("Reducing reoffending", "Poor"),
        ("Protecting the child or young person", "Unsatisfactory"),
    ]
    assert baseline.judgements_for_theme("planning") == [("Reducing reoffending", "Poor")]
    assert baseline.themes.empty
    assert "word judgements only" in describe(baseline)


def test_judgements_faults(root: Path) -> None:
    areas = [
        {"id": "a", "label": "A", "judgement": "Adequate", "themes": ["assessment"]},
        {"id": "a", "label": "B", "judgement": "Poor", "themes": "planning"},
        {"label": "C", "judgement": "Good", "themes": []},
        {"label": "D", "judgement": "Good", "themes": []},
    ]
    found = problems(write(root, "fji", {**FJI, "areas": areas}))
    assert set(found) == {
        "areas[0].judgement",
        "areas[1].id",
        "areas[1].themes",
        "areas[2].id",
        "areas[3].id",
    }
    assert found["areas[1].id"].message == "given twice"
    assert found["areas[3].id"].message == "missing required key"
    assert "Satisfactory" in found["areas[0].judgement"].expected


def test_theme_ids_are_checked_against_the_audit_framework(root: Path) -> None:
    areas = [{"id": "a", "label": "A", "judgement": "Poor", "themes": ["planing"]}]
    found = problems(write(root, "fji", {**FJI, "areas": areas}), framework=load_framework(MINI))
    assert found["areas[0].themes[0]"].expected == "did you mean 'planning'?"
    other = {**FJI, "framework": "yjb-audit-2016"}
    found = problems(write(root, "fji2", other), framework=load_framework(MINI))
    assert set(found) == {"framework"}


def test_common_keys_and_kind_are_checked(root: Path) -> None:
    values = {**FJI, "kind": "judgments", "date": "May 2015", "titel": "x"}
    del values["source"]
    found = problems(write(root, "fji", values))
    assert found["kind"].expected == "did you mean 'judgements'?"
    assert found["date"].value == "May 2015"
    assert found["source"].message == "missing required key"
    assert found["titel"].expected == "did you mean 'title'?"


def test_answers_baseline_from_a_params_file_scores_the_earlier_audit(root: Path) -> None:
    params = {
        "audit_id": "y2015",
        "title": "Audit 2015",
        "service": "Bromley YOS",
        "audit_date": "2015-03-01",
        "data_file": "data/y2015.csv",
        "framework": MINI,
        "caseload": 10,
    }
    (root / "params" / "y2015.yaml").write_text(yaml.safe_dump(params))
    values = {**HEAD, "id": "y2015", "kind": "answers", "params": "params/y2015.yaml"}
    baseline = load_baseline(write(root, "ans", values))
    assert baseline.params_file == "params/y2015.yaml"
    scores = baseline.scores()
    assert isinstance(scores, AuditScores)
    assert baseline.scores() is scores  # scored once
    assert scores.audit_id == "y2015"
    assert scores.themes.set_index("theme_id").loc["assessment", "n_sufficient"] == 5
    # an earlier audit named in params is the same kind of baseline
    earlier = baseline_from_params(load_params("params/y2015.yaml"), "params/y2015.yaml")
    assert earlier.kind == "answers" and earlier.date == "2015-03-01"
    assert earlier.scores().themes["score_pct"].tolist() == scores.themes["score_pct"].tolist()


def test_answers_baseline_from_a_data_file_and_framework(root: Path) -> None:
    values = {**HEAD, "kind": "answers", "data_file": "data/y2015.csv", "framework": MINI}
    scores = load_baseline(write(root, "ans", values)).scores()
    assert scores.audit_id == HEAD["id"]
    assert scores.questions.set_index("question_id").loc["Q1", "n_sufficient"] == 2


def test_answers_baseline_needs_one_source(root: Path) -> None:
    both = {**HEAD, "kind": "answers", "data_file": "data/y2015.csv", "params": "params/x.yaml"}
    found = problems(write(root, "ans", both))
    assert set(found) == {"params", None}
    no_framework = {**HEAD, "kind": "answers", "data_file": "data/y2015.csv"}
    assert set(problems(write(root, "ans2", no_framework))) == {"framework"}


def test_scores_of_a_non_answers_baseline_is_an_input_error(root: Path) -> None:
    baseline = load_baseline(write(root, "fji", FJI))
    assert isinstance(baseline, Baseline)
    with pytest.raises(ParamsError, match="not an answers baseline"):
        baseline.scores()
