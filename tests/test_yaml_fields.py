"""The one YAML checker: every params, baseline, findings and framework fault names file, line, key.

Issue 13 item 6: a problem in a YAML file names the file, the key's YAML path and its line, as
``params/x.yaml: line 7, caseload: error: ...``; the caseload check, made once the audit is
loaded, names them too and gives both numbers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from caseaudit_lib.compare.baseline import load_baseline
from caseaudit_lib.config.params import load_params
from caseaudit_lib.errors import FrameworkError, ParamsError, Problem
from caseaudit_lib.findings.findings import load_findings
from caseaudit_lib.framework.model import fold_text, parse_framework
from caseaudit_lib.pipeline import score_params
from caseaudit_lib.yaml_fields import FieldChecker, one_of, parse_yaml, show_value

MINI = str(Path(__file__).parent / "data" / "frameworks" / "mini.yaml")
AUDIT_CSV = """case_id,auditor,case_type,Q1,Q2,Q3,Q4,Q5
A1,Ann,RO,yes,yes,no,yes,no
A2,Bob,YRO,no,yes,yes,yes,yes
A3,Ann,OOCD,yes,no,,no,yes
"""
PARAMS = f"""# a params file
audit_id: y2015
title: Audit 2015
service: Bromley YOS
audit_date: "2015-03-01"
data_file: data/y2015.csv
framework: {MINI}
caseload: 2
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CASEAUDIT_ROOT", str(tmp_path))
    monkeypatch.setenv("CASEAUDIT_SALT", "test-salt")
    (tmp_path / "params").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "y2015.csv").write_text(AUDIT_CSV)
    return tmp_path


def line_of(text: str, start: str) -> int:
    """Return the 1-based line of the first line of text starting (after spaces) with start."""
    return next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith(start))


def raised(call, *args, **kw) -> list[Problem]:
    with pytest.raises((ParamsError, FrameworkError)) as caught:
        call(*args, **kw)
    return caught.value.problems


def test_a_caseload_below_the_cases_audited_names_file_key_line_and_both_numbers(root):
    (root / "params" / "y2015.yaml").write_text(PARAMS)
    [problem] = raised(score_params, "params/y2015.yaml")
    assert (problem.file, problem.cell, problem.line) == ("params/y2015.yaml", "caseload", 8)
    text = str(problem)
    assert text.startswith("params/y2015.yaml: line 8, caseload: error: caseload 2 is smaller")
    assert "3 cases audited in data/y2015.csv" in text and "at least 3" in text


def test_a_caseload_equal_to_the_cases_audited_is_fine(root):
    (root / "params" / "y2015.yaml").write_text(PARAMS.replace("caseload: 2", "caseload: 3"))
    assert score_params("params/y2015.yaml").scores.audit_id == "y2015"


def test_an_answers_baseline_with_a_caseload_below_its_cases_is_located(root):
    text = f"""id: y2015
title: Audit 2015
date: "2015-03-01"
source: the 2015 audit
service: Bromley YOS
kind: answers
data_file: data/y2015.csv
framework: {MINI}
caseload: 1
"""
    (root / "data" / "base.yaml").write_text(text)
    baseline = load_baseline("data/base.yaml")
    [problem] = raised(baseline.scores)
    assert (problem.file, problem.cell, problem.line) == ("data/base.yaml", "caseload", 9)
    assert "caseload 1 is smaller than the 3 cases" in problem.message


def test_an_answers_baseline_by_params_checks_the_earlier_audits_caseload(root):
    (root / "params" / "y2015.yaml").write_text(PARAMS)
    text = """id: y2015
title: Audit 2015
date: "2015-03-01"
source: the 2015 audit
service: Bromley YOS
kind: answers
params: params/y2015.yaml
"""
    (root / "data" / "base.yaml").write_text(text)
    [problem] = raised(load_baseline("data/base.yaml").scores)
    assert (problem.file, problem.cell, problem.line) == ("params/y2015.yaml", "caseload", 8)


def test_every_params_fault_of_a_key_that_is_there_has_its_line(root):
    text = PARAMS.replace("caseload: 2", "caseload: eighty") + "casload: 80\nservice: again\n"
    (root / "params" / "bad.yaml").write_text(text)
    problems = {p.cell: p for p in raised(load_params, "params/bad.yaml")}
    assert problems["caseload"].line == line_of(text, "caseload:")
    assert problems["casload"].line == line_of(text, "casload:")
    assert str(problems["caseload"]).startswith("params/bad.yaml: line 8, caseload: error:")
    # a key given twice: papermill would silently take the last one
    twice = problems["service"]
    assert twice.message == "key given twice" and twice.line == 10


def test_a_missing_top_level_key_has_no_line_but_a_nested_one_has_its_parents(root):
    text = PARAMS.replace("title: Audit 2015\n", "") + "privacy:\n  drop: [x]\n  pseudonymse: [y]\n"
    (root / "params" / "bad.yaml").write_text(text)
    problems = {p.cell: p for p in raised(load_params, "params/bad.yaml")}
    assert problems["title"].line is None
    assert str(problems["title"]) == "params/bad.yaml: title: error: missing required key"
    assert problems["privacy.pseudonymse"].line == line_of(text, "pseudonymse:")


def test_baseline_faults_and_warnings_have_their_lines(root):
    text = """id: hmip-2012
title: HMIP 2012
date: "2012-03-01"
source: HMIP
service: Bromley YOS
kind: percentages
themes:
  - theme_id: assessment
    n_applicable: 20
    n_sufficient: 25
  - theme_id: planning
    pct: 81
    n: 20
"""
    (root / "data" / "p.yaml").write_text(text)
    [problem] = raised(load_baseline, "data/p.yaml")
    assert (problem.cell, problem.line) == ("themes[0].n_sufficient", 10)
    (root / "data" / "p.yaml").write_text(text.replace("n_sufficient: 25", "n_sufficient: 5"))
    [warning] = load_baseline("data/p.yaml").warnings
    assert (warning.cell, warning.line) == ("themes[1]", 11)
    assert str(warning).startswith("data/p.yaml: line 11, themes[1]: warning:")


def test_findings_faults_have_their_lines(tmp_path):
    text = """audit_id: x
recommendations:
  - id: R1
    text: Do it
    owner: Head
    due: 2016-13-01
    status: done
conclsion: typo
"""
    path = tmp_path / "findings.yaml"
    path.write_text(text)
    problems = {p.cell: p for p in raised(load_findings, path)}
    assert problems["recommendations[0].due"].line == 6
    assert problems["conclsion"].line == 8
    assert ": line 6, recommendations[0].due: error: not a date" in str(
        problems["recommendations[0].due"]
    )


def test_a_not_a_mapping_file_and_a_syntax_error_are_located(root):
    (root / "data" / "list.yaml").write_text("- a\n- b\n")
    [problem] = raised(load_findings, "data/list.yaml")
    assert problem.message == "not a findings file" and problem.line == 1
    [problem] = raised(parse_yaml, "a: [1\n", "x.yaml")
    assert problem.line == 2 and problem.message.startswith("not valid YAML")


def test_framework_faults_use_the_same_checker(tmp_path):
    text = Path(MINI).read_text().replace("scoring: pooled", "scoring: best")
    [problem] = raised(parse_framework, text, Path("f.yaml"))
    assert (problem.cell, problem.line) == ("scoring", line_of(text, "scoring:"))
    assert str(problem).startswith(f"f.yaml: line {problem.line}, scoring: error: unknown scoring")


def test_unknown_keys_say_did_you_mean_in_every_kind_of_file(tmp_path):
    text = Path(MINI).read_text().replace("title: Mini", "titel: Mini")
    problems = {p.cell: p for p in raised(parse_framework, text, Path("f.yaml"))}
    assert problems["titel"].expected == "did you mean 'title'?"


def test_checker_basics():
    c = FieldChecker("x.yaml", {"a": 1, "a.b": 2, "l": 3, "l[0]": 4})
    assert c.line_of("a.b.c") == 2 and c.line_of("l[0].z") == 4 and c.line_of("zz") is None
    assert c.whole("a", 1.0) == 1 and c.whole("a", 1.5) is None and c.whole("a", True) is None
    assert c.text("a", " t ") == "t" and c.text("a", 5) is None
    assert "put numbers in quotes" in c.problems[-1].expected
    assert one_of("caseloda", ["caseload", "title"]) == "did you mean 'caseload'?"
    assert one_of("zzz", ["a", "b"]) == "one of a, b"


def test_fold_text_is_the_shared_spelling_rule():
    assert fold_text("  Referral   ORDER ") == "referral order"


def test_a_privacy_setting_found_wrong_at_load_is_located_too(root):
    (root / "params" / "y2015.yaml").write_text(
        PARAMS.replace("caseload: 2", "caseload: 3") + "privacy:\n  drop: [case_id]\n"
    )
    [problem] = raised(score_params, "params/y2015.yaml")
    assert (problem.file, problem.cell, problem.line) == ("params/y2015.yaml", "privacy.drop", 10)
    assert "case_id" in problem.message


def test_aliases_are_walked_once_so_a_billion_laughs_file_is_quick():
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    doc = parse_yaml("\n".join(levels) + "\n", "x.yaml")  # 10**9 paths if each were walked
    assert doc.lines["a8"] == 9 and len(doc.lines) < 200


def test_a_huge_value_is_shown_short():
    shared = ["x"] * 10
    for _ in range(8):
        shared = [shared] * 10
    assert len(show_value(shared)) <= 80
    assert show_value([3, 2, 1, 5]) == "[3, 2, 1, 5]" and show_value("May 2015") == "May 2015"
