"""Tests for caseaudit_lib.framework.model: the packaged frameworks, the loader and its checks."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from caseaudit_lib.errors import FrameworkError
from caseaudit_lib.framework.model import (
    Framework,
    available_frameworks,
    load_framework,
    parse_framework,
)
from caseaudit_lib.score.ratings import hmip_points, overall_band

DATA = Path(__file__).parent / "data" / "frameworks"
MINI = DATA / "mini.yaml"


@pytest.fixture(scope="module")
def yjb() -> Framework:
    return load_framework("yjb-audit-2016")


@pytest.fixture(scope="module")
def hmip() -> Framework:
    return load_framework("hmip-youth-2021")


@pytest.fixture(scope="module")
def mini() -> Framework:
    return load_framework(MINI)


def mini_data() -> dict:
    return yaml.safe_load(MINI.read_text())


def faults(data: object, tmp_path: Path) -> list:
    """Write data as a framework file, load it, and return the problems it raises."""
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    for problem in info.value.problems:
        assert problem.file == str(path.resolve())
        assert problem.severity == "error"
    return info.value.problems


def cells(problems: list) -> list[str | None]:
    return [p.cell for p in problems]


# --- the packaged frameworks ------------------------------------------------------------------


def test_available_frameworks_lists_the_packaged_files():
    assert available_frameworks() == ["hmip-youth-2021", "yjb-audit-2016"]


def test_yjb_themes_and_counts(yjb):
    assert yjb.id == "yjb-audit-2016"
    assert [t.id for t in yjb.themes] == [
        "assessments",
        "reports",
        "planning",
        "risk_vulnerability",
        "management_oversight",
        "partners",
    ]
    assert [t.name for t in yjb.themes] == [
        "Assessments",
        "Reports",
        "Planning",
        "Risk and vulnerability",
        "Management oversight",
        "Work with partners",
    ]
    assert [len(t.questions) for t in yjb.themes] == [6, 5, 10, 6, 7, 5]
    assert len(yjb.questions) == 39
    assert yjb.scoring == "pooled"
    assert all(t.scoring == "pooled" for t in yjb.themes)
    assert list(yjb.case_types) == ["referral_order", "yro", "custody", "out_of_court"]
    assert "borrowed" in yjb.source


def test_yjb_known_questions(yjb):
    assert yjb.question("AS1").theme_id == "assessments"
    assert "National Standards timescales" in yjb.question("AS1").text
    assert "two pages" in yjb.question("RE3").text
    assert yjb.question("RE3").applies_to == frozenset({"referral_order"})
    assert yjb.question("RE2").applies_to == frozenset({"yro", "custody"})
    assert yjb.question("PL10").applies_to == frozenset({"custody"})
    assert yjb.question("PL1").applies_to is None
    assert yjb.theme("partners").questions[0].id == "WP1"
    # question ids carry their theme's prefix
    prefixes = {"assessments": "AS", "reports": "RE", "planning": "PL"}
    prefixes |= {"risk_vulnerability": "RV", "management_oversight": "MO", "partners": "WP"}
    for q in yjb.questions:
        assert q.id.startswith(prefixes[q.theme_id])


def test_yjb_bands(yjb):
    assert [(b.label, b.min_pct, b.points) for b in yjb.bands] == [
        ("Outstanding", 80.0, 3),
        ("Good", 65.0, 2),
        ("Requires improvement", 50.0, 1),
        ("Inadequate", 0.0, 0),
    ]
    assert yjb.overall is None


def test_hmip_standards(hmip):
    assert [t.name for t in hmip.themes] == [
        "2.1 Assessment",
        "2.2 Planning",
        "2.3 Implementation and delivery",
        "2.4 Reviewing",
        "3.1 Assessment",
        "3.2 Planning",
        "3.3 Implementation and delivery",
        "Resettlement",
    ]
    assert all(len(t.questions) == 3 for t in hmip.themes)
    # Resettlement is rated outside the 36-point total (issue 20).
    assert [t.in_overall for t in hmip.themes] == [True] * 7 + [False]
    # Headline statements as descriptions where HMIP published them.
    assert hmip.theme("court_planning").description.endswith(
        "Planning is well-informed, holistic and personalised, actively involving the child and "
        "their parents/carers."
    )
    assert "2018-2024" in hmip.source and "spring 2025" in hmip.source
    assert "NOT CONFIRMED" in hmip.source
    assert all(t.scoring == "weakest_key_question" for t in hmip.themes)
    for theme in hmip.themes:
        assert [q.key_area for q in theme.questions] == [
            "desistance",
            "child_safety",
            "others_safety",
        ]
        assert all(q.key for q in theme.questions)
    q = hmip.question("Q2.1.1")
    assert q.text == "Does assessment sufficiently analyse how to support the child's desistance?"
    assert q.theme_id == "court_assessment"
    assert hmip.question("Q3.3.2").applies_to == frozenset(
        {"youth_caution", "youth_conditional_caution", "community_resolution"}
    )


def test_hmip_overall_rule(hmip):
    overall = hmip.overall
    assert overall.max_points == 36
    assert overall.bands == (
        ("Outstanding", 31),
        ("Good", 19),
        ("Requires improvement", 7),
        ("Inadequate", 0),
    )
    assert [sid for sid, _ in overall.organisational_standards] == [
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "3.4",
    ]
    # 7 case standards + 5 organisational standards, 3 points each; resettlement is outside
    counted = [t for t in hmip.themes if t.in_overall]
    assert (len(counted) + len(overall.organisational_standards)) * 3 == 36
    # 3.4 was "Joint working" in reports up to late 2021: both names find it.
    assert overall.standard_id("Joint working") == "3.4" == overall.standard_id(" joint  WORKING")
    assert overall.standard_id("Out-of-court disposal policy and provision") == "3.4"
    assert overall.standard_id("3.4") == "3.4" and overall.standard_id("Joint work") is None
    assert overall_band(33, overall) == "Outstanding"
    assert overall_band(31, overall) == "Outstanding"
    assert overall_band(30, overall) == "Good"
    assert overall_band(19, overall) == "Good"
    assert overall_band(18, overall) == "Requires improvement"
    assert overall_band(7, overall) == "Requires improvement"
    assert overall_band(6, overall) == "Inadequate"
    assert overall_band(0, overall) == "Inadequate"
    assert overall_band(None, overall) is None
    assert overall_band(float("nan"), overall) is None
    assert [hmip_points(b.label, hmip.bands) for b in hmip.bands] == [3, 2, 1, 0]


def test_hmip_applicability(hmip):
    table = hmip.applicability()
    court = [q.id for t in hmip.themes[:4] for q in t.questions]
    ooc = [q.id for t in hmip.themes[4:7] for q in t.questions]
    resettlement = [q.id for q in hmip.theme("resettlement").questions]
    assert table.loc["resettlement", resettlement].all()
    assert table.loc["resettlement"].sum() == 3
    assert table.loc["yro", court].all() and not table.loc["yro", ooc].any()
    assert table.loc["community_resolution", ooc].all()
    assert not table.loc["community_resolution", court].any()
    assert table.sum(axis=1).to_dict() == {
        "referral_order": 12,
        "yro": 12,
        "custody": 12,
        "youth_caution": 9,
        "youth_conditional_caution": 9,
        "community_resolution": 9,
        "resettlement": 3,
    }


def test_packaged_framework_ids_match_their_file_names():
    for name in available_frameworks():
        assert load_framework(name).id == name


# --- the Framework methods, on the mini test framework ------------------------------------------


def test_mini_shape(mini):
    assert mini.id == "mini"
    assert [t.id for t in mini.themes] == ["assessment", "planning"]
    assert [q.id for q in mini.questions] == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert mini.question_ids == ("Q1", "Q2", "Q3", "Q4", "Q5")
    assert dict(mini.case_types) == {
        "referral_order": "Referral order",
        "yro": "Youth rehabilitation order",
        "out_of_court": "Out-of-court disposal",
    }
    assert mini.theme("planning").questions[1].id == "Q5"
    assert mini.question("Q1").key is True
    assert mini.question("Q1").key_area == "desistance"
    assert mini.theme("assessment").description == ""
    assert mini.path == MINI.resolve()


def test_applicability_table(mini):
    table = mini.applicability()
    assert list(table.index) == ["referral_order", "yro", "out_of_court"]
    assert list(table.columns) == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert all(pd.api.types.is_bool_dtype(dt) for dt in table.dtypes)
    assert table.index.name == "case_type"
    assert table.columns.name == "question_id"
    expected = pd.Series([True, True, False], index=table.index, name="Q3")
    pd.testing.assert_series_equal(table["Q3"], expected)
    assert int(table.to_numpy().sum()) == 14  # 15 cells, Q3 not for out_of_court
    assert mini.applies("Q3", "yro")
    assert not mini.applies("Q3", "out_of_court")
    assert mini.applies("Q1", "out_of_court")


def test_unknown_ids_raise_key_error(mini):
    with pytest.raises(KeyError, match="Q9"):
        mini.question("Q9")
    with pytest.raises(KeyError, match="nope"):
        mini.theme("nope")
    with pytest.raises(KeyError, match="dto"):
        mini.applies("Q1", "dto")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("referral_order", "referral_order"),
        ("Referral order", "referral_order"),
        ("REFERRAL ORDER", "referral_order"),
        ("  referral   order ", "referral_order"),
        ("RO", "referral_order"),
        ("ro", "referral_order"),
        ("YRO", "yro"),
        ("Youth Rehabilitation Order", "yro"),
        ("oocd", "out_of_court"),
        ("dto", None),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_case_type_id(mini, raw, expected):
    assert mini.case_type_id(raw) == expected


def test_yjb_case_type_aliases(yjb):
    assert yjb.case_type_id("DTO") == "custody"
    assert yjb.case_type_id("Detention and Training Order") == "custody"
    assert yjb.case_type_id("YCC") == "out_of_court"
    assert yjb.case_type_id("Youth caution") == "out_of_court"
    assert yjb.case_type_id("Referral Order") == "referral_order"


def test_framework_is_read_only_and_hashable(mini):
    with pytest.raises(TypeError):
        mini.case_types["x"] = "y"  # type: ignore[index]
    assert {mini: 1}[mini] == 1


# --- loading ----------------------------------------------------------------------------------


def test_loading_again_uses_the_cache(tmp_path):
    path = tmp_path / "fw.yaml"
    path.write_text(MINI.read_text())
    first = load_framework(path)
    assert load_framework(str(path)) is first
    path.write_text(MINI.read_text().replace("Mini test framework", "Changed title"))
    assert load_framework(path).title == "Changed title"


def test_string_path_with_slash_or_yaml_suffix_is_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(DATA)
    assert load_framework("mini.yaml").id == "mini"
    assert load_framework("./mini.yaml").id == "mini"


def test_unknown_name_lists_the_available_ones():
    with pytest.raises(FrameworkError) as info:
        load_framework("hmip-2018")
    message = str(info.value)
    assert "hmip-2018" in message
    assert "hmip-youth-2021" in message and "yjb-audit-2016" in message
    assert len(info.value.problems) == 1


def test_missing_file(tmp_path):
    with pytest.raises(FrameworkError, match="not found"):
        load_framework(tmp_path / "absent.yaml")


def test_yaml_syntax_error_gives_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\ntitle: t\nthemes:\n  - id: a\n    name: [unclosed\n")
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    (problem,) = info.value.problems
    assert "not valid YAML" in problem.message
    assert problem.line == 6 and str(problem).startswith(f"{path}: line 6, column ")


def test_tab_indentation_is_a_syntax_error_with_line(tmp_path):
    path = tmp_path / "tabs.yaml"
    path.write_text("id: x\ntitle: t\nthemes:\n\t- id: a\n")
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    assert info.value.problems[0].line == 4


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing here\n")
    with pytest.raises(FrameworkError, match="empty"):
        load_framework(path)


def test_top_level_not_a_mapping(tmp_path):
    problems = faults(["a", "b"], tmp_path)
    assert "not a mapping" in problems[0].message


def test_duplicate_yaml_key_is_reported_with_its_line(tmp_path):
    text = MINI.read_text().replace("title: Mini test framework", "title: A\ntitle: B")
    problems = _parse_problems(text)
    (dup,) = [p for p in problems if "twice" in p.message]
    assert dup.cell == "title"
    line = text.splitlines().index("title: B") + 1
    assert dup.line == line and str(dup).startswith(f"x.yaml: line {line}, title: error:")


def _parse_problems(text: str) -> list:
    with pytest.raises(FrameworkError) as info:
        parse_framework(text, Path("x.yaml"))
    return info.value.problems


# --- every malformation, located by its YAML path ----------------------------------------------


def mutated(change) -> dict:
    data = copy.deepcopy(mini_data())
    change(data)
    return data


MALFORMATIONS = [
    # (description, change, cell, words in the message)
    ("missing title", lambda d: d.pop("title"), "title", "missing required key"),
    ("missing themes", lambda d: d.pop("themes"), "themes", "missing required key"),
    ("unknown top key", lambda d: d.update(colour="red"), "colour", "unknown key"),
    ("title not text", lambda d: d.update(title=5), "title", "not a text"),
    ("version a number", lambda d: d.update(version=1.0), "version", "not a text"),
    ("bad framework id", lambda d: d.update(id="My Framework"), "id", "not a valid id"),
    ("empty framework id", lambda d: d.update(id=None), "id", "not a valid id"),
    ("themes not a list", lambda d: d.update(themes={"a": 1}), "themes", "not a non-empty list"),
    ("empty themes", lambda d: d.update(themes=[]), "themes", "not a non-empty list"),
    ("unknown scoring", lambda d: d.update(scoring="best"), "scoring", "unknown scoring rule"),
    (
        "unknown theme scoring",
        lambda d: d["themes"][1].update(scoring="median"),
        "themes[1].scoring",
        "unknown scoring rule",
    ),
    (
        "duplicate theme id",
        lambda d: d["themes"][1].update(id="assessment"),
        "themes[1].id",
        "duplicate theme id",
    ),
    (
        "bad theme id",
        lambda d: d["themes"][0].update(id="Assess ment"),
        "themes[0].id",
        "not a valid id",
    ),
    ("theme id all", lambda d: d["themes"][0].update(id="all"), "themes[0].id", "reserved"),
    (
        "theme missing name",
        lambda d: d["themes"][0].pop("name"),
        "themes[0].name",
        "missing required key",
    ),
    (
        "duplicate question id",
        lambda d: d["themes"][1]["questions"][0].update(id="Q1"),
        "themes[1].questions[0].id",
        "duplicate question id",
    ),
    (
        "bad question id",
        lambda d: d["themes"][0]["questions"][1].update(id="2.1.1"),
        "themes[0].questions[1].id",
        "not a valid id",
    ),
    (
        "question id with space",
        lambda d: d["themes"][0]["questions"][1].update(id="Q 2"),
        "themes[0].questions[1].id",
        "not a valid id",
    ),
    (
        "question id ends _comment",
        lambda d: d["themes"][0]["questions"][1].update(id="Q2_comment"),
        "themes[0].questions[1].id",
        "_comment",
    ),
    (
        "question id is a case column",
        lambda d: d["themes"][0]["questions"][1].update(id="Auditor"),
        "themes[0].questions[1].id",
        "reserved column",
    ),
    (
        "question id not text",
        lambda d: d["themes"][0]["questions"][1].update(id=7),
        "themes[0].questions[1].id",
        "not a valid id",
    ),
    (
        "question missing text",
        lambda d: d["themes"][1]["questions"][1].pop("text"),
        "themes[1].questions[1].text",
        "missing required key",
    ),
    (
        "question misspelt key",
        lambda d: d["themes"][1]["questions"][1].update(applies=["yro"]),
        "themes[1].questions[1].applies",
        "unknown key",
    ),
    (
        "applies_to unknown case type",
        lambda d: d["themes"][0]["questions"][2].update(applies_to=["yro", "dto"]),
        "themes[0].questions[2].applies_to",
        "unknown case type",
    ),
    (
        "applies_to not a list",
        lambda d: d["themes"][0]["questions"][2].update(applies_to="yro"),
        "themes[0].questions[2].applies_to",
        "not a non-empty list",
    ),
    (
        "applies_to empty",
        lambda d: d["themes"][0]["questions"][2].update(applies_to=[]),
        "themes[0].questions[2].applies_to",
        "not a non-empty list",
    ),
    (
        "unknown key area",
        lambda d: d["themes"][0]["questions"][0].update(key_area="safety"),
        "themes[0].questions[0].key_area",
        "unknown key area",
    ),
    (
        "key not a bool",
        lambda d: d["themes"][0]["questions"][0].update(key="yes please"),
        "themes[0].questions[0].key",
        "true or false",
    ),
    (
        "questions missing",
        lambda d: d["themes"][1].pop("questions"),
        "themes[1].questions",
        "missing required key",
    ),
    (
        "question not a mapping",
        lambda d: d["themes"][1]["questions"].append("Q6 was it good?"),
        "themes[1].questions[2]",
        "not a mapping",
    ),
    (
        "duplicate case type",
        lambda d: d["case_types"][1].update(id="referral_order"),
        "case_types[1].id",
        "duplicate case type",
    ),
    (
        "bad case type id",
        lambda d: d["case_types"][1].update(id="YRO"),
        "case_types[1].id",
        "not a valid id",
    ),
    (
        "alias naming two case types",
        lambda d: d["case_types"][1].update(aliases=["RO"]),
        "case_types[1]",
        "also names case type",
    ),
    (
        "aliases not a list",
        lambda d: d["case_types"][0].update(aliases="RO"),
        "case_types[0].aliases",
        "not a list",
    ),
    (
        "case type missing label",
        lambda d: d["case_types"][2].pop("label"),
        "case_types[2].label",
        "missing required key",
    ),
    (
        "bands not descending",
        lambda d: d["bands"].reverse(),
        "bands",
        "not in descending order",
    ),
    (
        "bands not ending at 0",
        lambda d: d["bands"][3].update(min_pct=10),
        "bands[3].min_pct",
        "not 0",
    ),
    (
        "band min_pct not a number",
        lambda d: d["bands"][1].update(min_pct="65%"),
        "bands[1].min_pct",
        "not a number",
    ),
    (
        "band min_pct above 100",
        lambda d: d["bands"][0].update(min_pct=180),
        "bands[0].min_pct",
        "out of range",
    ),
    (
        "duplicate band label",
        lambda d: d["bands"][1].update(label="outstanding"),
        "bands[1].label",
        "duplicate band label",
    ),
    (
        "band points on some only",
        lambda d: d["bands"][2].pop("points"),
        "bands",
        "some bands have points",
    ),
    (
        "band points rising",
        lambda d: d["bands"][3].update(points=5),
        "bands",
        "do not fall",
    ),
    (
        "weakest key question without key questions",
        lambda d: (
            d["themes"][1].update(scoring="weakest_key_question"),
            [q.update(key=False) for q in d["themes"][1]["questions"]],
        ),
        "themes[1].scoring",
        "no key question",
    ),
]


@pytest.mark.parametrize(
    ("change", "cell", "words"),
    [m[1:] for m in MALFORMATIONS],
    ids=[m[0] for m in MALFORMATIONS],
)
def test_each_malformation_is_located(tmp_path, change, cell, words):
    problems = faults(mutated(change), tmp_path)
    matching = [p for p in problems if p.cell == cell and words in p.message]
    assert matching, [str(p) for p in problems]


def test_problem_names_value_and_expectation(tmp_path):
    data = mutated(lambda d: d["themes"][0]["questions"][2].update(applies_to=["yro", "dto"]))
    (problem,) = faults(data, tmp_path)
    assert problem.value == "dto"
    assert "referral_order" in problem.expected and "out_of_court" in problem.expected
    # the line of the applies_to key in the written file
    lines = (tmp_path / "bad.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if text.strip() == "applies_to:")
    assert problem.line == line
    assert f"line {line}, themes[0].questions[2].applies_to: error:" in str(problem)


def test_several_faults_reported_at_once(tmp_path):
    def change(d):
        d.pop("title")
        d["scoring"] = "best"
        d["bands"][3]["min_pct"] = 5
        d["themes"][1]["id"] = "assessment"
        d["themes"][1]["questions"][0]["id"] = "Q1"
        d["themes"][0]["questions"][2]["applies_to"] = ["dto"]

    problems = faults(mutated(change), tmp_path)
    assert set(cells(problems)) >= {
        "title",
        "scoring",
        "bands[3].min_pct",
        "themes[1].id",
        "themes[1].questions[0].id",
        "themes[0].questions[2].applies_to",
    }
    assert len(problems) == 6


# --- the overall rule ---------------------------------------------------------------------------


def hmip_data() -> dict:
    return yaml.safe_load((DATA / "mini-hmip.yaml").read_text())


def test_mini_hmip_loads():
    fw = load_framework(DATA / "mini-hmip.yaml")
    assert fw.overall.max_points == 12
    assert fw.theme("court_assessment").scoring == "weakest_key_question"
    assert fw.question("N1").key is False
    assert overall_band(9, fw.overall) == "Good"


OVERALL_MALFORMATIONS = [
    (
        "max_points missing",
        lambda o: o.pop("max_points"),
        "overall.max_points",
        "missing required key",
    ),
    ("max_points text", lambda o: o.update(max_points="36"), "overall.max_points", "whole number"),
    ("max_points wrong", lambda o: o.update(max_points=36), "overall.max_points", "not the most"),
    (
        "bands not descending",
        lambda o: o["bands"].reverse(),
        "overall.bands",
        "not in descending order",
    ),
    (
        "bands not ending at 0",
        lambda o: o["bands"][3].update(min_points=1),
        "overall.bands[3].min_points",
        "not 0",
    ),
    (
        "band above max_points",
        lambda o: o["bands"][0].update(min_points=13),
        "overall.bands[0].min_points",
        "above max_points",
    ),
    (
        "band min_points not whole",
        lambda o: o["bands"][1].update(min_points=6.5),
        "overall.bands[1].min_points",
        "whole number",
    ),
    (
        "band missing label",
        lambda o: o["bands"][1].pop("label"),
        "overall.bands[1].label",
        "missing required key",
    ),
    ("bands empty", lambda o: o.update(bands=[]), "overall.bands", "not a non-empty list"),
    (
        "standard id a number",
        lambda o: o["organisational_standards"][0].update(id=1.1),
        "overall.organisational_standards[0].id",
        "not a text",
    ),
    (
        "duplicate standard id",
        lambda o: o["organisational_standards"][1].update(id="1.1"),
        "overall.organisational_standards[1].id",
        "duplicate",
    ),
    ("overall not a mapping", lambda o: o.clear(), "overall.max_points", "missing required key"),
]


@pytest.mark.parametrize(
    ("change", "cell", "words"),
    [m[1:] for m in OVERALL_MALFORMATIONS],
    ids=[m[0] for m in OVERALL_MALFORMATIONS],
)
def test_each_overall_malformation_is_located(tmp_path, change, cell, words):
    data = hmip_data()
    change(data["overall"])
    problems = faults(data, tmp_path)
    matching = [p for p in problems if p.cell == cell and words in p.message]
    assert matching, [str(p) for p in problems]


def test_overall_needs_points_on_the_bands(tmp_path):
    data = hmip_data()
    for band in data["bands"]:
        band.pop("points")
    problems = faults(data, tmp_path)
    assert any(p.cell == "bands" and "needs points" in p.message for p in problems)


def test_missing_case_types_does_not_cascade_into_applies_to(tmp_path):
    problems = faults(mutated(lambda d: d.pop("case_types")), tmp_path)
    assert cells(problems) == ["case_types"]


def test_recursive_yaml_alias_is_reported_not_looped(tmp_path):
    text = MINI.read_text().replace("case_types:\n", "case_types: &loop [*loop]\nunused:\n", 1)
    problems = _parse_problems(text)
    assert "case_types[0]" in cells(problems)


def test_framework_pickles_for_worker_processes(hmip):
    import pickle

    copy_ = pickle.loads(pickle.dumps(hmip))
    assert copy_.id == hmip.id and copy_.themes == hmip.themes
    assert dict(copy_.case_types) == dict(hmip.case_types)
    assert copy_.case_type_id("YCC") == "youth_conditional_caution"
    assert copy_.applicability().equals(hmip.applicability())
    with pytest.raises(TypeError):
        copy_.case_types["x"] = "y"


def test_the_documented_example_loads(tmp_path):
    docs = (Path(__file__).parents[1] / "docs" / "frameworks.md").read_text()
    example = docs.split("## A small complete example", 1)[1].split("```yaml\n", 1)[1]
    path = tmp_path / "example.yaml"
    path.write_text(example.split("```", 1)[0])
    fw = load_framework(path)
    assert fw.id == "my-audit"
    assert [q.id for q in fw.questions] == ["AS1", "AS2", "PL1"]
    assert fw.theme("planning").scoring == "mean_of_questions"
    assert not fw.applies("AS2", "out_of_court")
