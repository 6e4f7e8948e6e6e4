"""Many workbooks in: a folder, a glob or a list of files read and validated as one audit."""

from __future__ import annotations

import pandas as pd
import pytest
from audit_files import MINI, write_csv, write_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseaudit_lib.audit.loading import load_audit, validate_file
from caseaudit_lib.errors import AuditDataError
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.load.sources import data_files
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig
from caseaudit_lib.score.scoring import score_audit

PRIVACY = PrivacyConfig(salt=b"workbooks-tests")
HEADER = ["case_id", "auditor", "case_type", "marking", "Q1", "Q2", "Q3", "Q4", "Q5", "Q1_comment"]
ROWS = [
    ["K1", "Ann", "RO", "", "Yes", "No", "N/A", "y", "n", "late"],
    ["K2", "Ann", "YRO", "", "No", "yes", "y", "", "n", ""],
    ["K3", "Bo", "OOCD", "", "yes", "yes", "", "n", "y", ""],
    ["K4", "Bo", "RO", "", "n", "n", "n", "n", "n", "weak throughout"],
]


@pytest.fixture(scope="module")
def mini():
    return load_framework(MINI)


def tables(audit):
    scores = score_audit(audit, audit_id="t", caseload=None)
    cases = scores.cases.sort_values(list(scores.cases.columns)).reset_index(drop=True)
    auditors = scores.auditors.sort_values(list(scores.auditors.columns[:2])).reset_index(drop=True)
    return scores.questions, scores.themes, cases, auditors


def assert_same_scores(one, many):
    for a, b in zip(tables(one), tables(many), strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_folder_and_glob_score_as_one_file(tmp_path, mini):
    single = write_csv(tmp_path / "all.csv", [HEADER, *ROWS])
    folder = tmp_path / "audit"
    folder.mkdir()
    write_xlsx(folder / "ann.xlsx", [HEADER, *ROWS[:2]])
    write_csv(folder / "bo.csv", [HEADER, *ROWS[2:]])
    (folder / "~$ann.xlsx").write_bytes(b"lock file, not a workbook")
    (folder / "notes.txt").write_text("not a scoring file")
    assert [p.name for p in data_files(folder)] == ["ann.xlsx", "bo.csv"]
    one = load_audit(single, mini, privacy=PRIVACY)
    for spec in (folder, str(folder / "*.*"), [folder / "ann.xlsx", folder / "bo.csv"]):
        many = load_audit(spec, mini, privacy=PRIVACY)
        assert many.n_cases == 4
        assert_same_scores(one, many)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    answers=st.lists(
        st.tuples(
            st.sampled_from(["RO", "YRO", "OOCD"]),
            st.lists(st.sampled_from(["Yes", "No", "N/A", ""]), min_size=5, max_size=5),
        ),
        min_size=1,
        max_size=12,
    ),
    data=st.data(),
)
def test_any_split_scores_as_one_file(tmp_path_factory, mini, answers, data):
    tmp = tmp_path_factory.mktemp("split")
    rows = [
        [f"K{i}", ["Ann", "Bo", "Cy"][i % 3], case_type, "", *cells, ""]
        for i, (case_type, cells) in enumerate(answers)
    ]
    # A second marking of the first case, which may land in another file than its first.
    rows.append(["K0", "Dee", rows[0][2], "second", *rows[0][4:9], ""])
    n_files = data.draw(st.integers(1, 4), label="files")
    part = data.draw(st.lists(st.integers(0, n_files - 1), min_size=len(rows), max_size=len(rows)))
    single = write_csv(tmp / "single.csv", [HEADER, *rows])
    folder = tmp / "split"
    folder.mkdir()
    for f in range(n_files):
        mine = [r for r, p in zip(rows, part, strict=True) if p == f]
        if mine:
            write_csv(folder / f"auditor-{f}.csv", [HEADER, *mine])
    one = load_audit(single, mini, privacy=PRIVACY)
    many = load_audit(folder, mini, privacy=PRIVACY)
    assert_same_scores(one, many)
    assert sorted(w.message for w in many.warnings) == sorted(w.message for w in one.warnings)


def test_same_case_in_two_files_is_an_error_naming_both(tmp_path, mini):
    folder = tmp_path / "audit"
    folder.mkdir()
    write_csv(folder / "a.csv", [HEADER, *ROWS[:2]])
    write_csv(folder / "b.csv", [HEADER, ROWS[2], ["K2", "Bo", "YRO", "", *ROWS[1][4:]]])
    problems = validate_file(folder, mini, privacy=PRIVACY)
    errors = [str(p) for p in problems if p.severity == "error"]
    assert len(errors) == 1
    assert str(folder / "b.csv") in errors[0] and "A3" in errors[0]
    assert str(folder / "a.csv") in errors[0] and "A3" in errors[0].split("as ")[-1]
    with pytest.raises(AuditDataError):
        load_audit(folder, mini, privacy=PRIVACY)


def test_second_marking_in_another_file_is_moderation(tmp_path, mini):
    folder = tmp_path / "audit"
    folder.mkdir()
    write_csv(folder / "a.csv", [HEADER, *ROWS])
    write_csv(folder / "b.csv", [HEADER, ["K1", "Cy", "RO", "second", *ROWS[0][4:]]])
    assert validate_file(folder, mini, privacy=PRIVACY) == []
    audit = load_audit(folder, mini, privacy=PRIVACY)
    assert sorted(audit.cases["marking"]) == ["first"] * 4 + ["second"]
    # Alone, the second file's marking has no first: still a warning.
    alone = validate_file(folder / "b.csv", mini, privacy=PRIVACY)
    assert [p.message for p in alone] == ["second marking of a case with no first marking"]


def test_files_of_another_framework_are_an_error(tmp_path, mini):
    hmip = load_framework("hmip-youth-2021")
    folder = tmp_path / "audit"
    folder.mkdir()
    write_csv(folder / "a.csv", [HEADER, *ROWS])
    other = ["case_id", "auditor", "case_type", *hmip.question_ids[:4]]
    write_csv(folder / "b.csv", [other, ["K9", "Bo", "RO", "Yes", "No", "Yes", "No"]])
    problems = [str(p) for p in validate_file(folder, mini, privacy=PRIVACY)]
    assert any(str(folder / "b.csv") in p and "framework hmip-youth-2021" in p for p in problems), (
        problems
    )


def test_every_file_problem_names_its_file_and_unreadable_files_do_not_stop(tmp_path, mini):
    folder = tmp_path / "audit"
    folder.mkdir()
    write_csv(folder / "a.csv", [HEADER, ["K1", "Ann", "RO", "", "maybe", "", "", "", "", ""]])
    (folder / "b.xlsx").write_bytes(b"not a workbook")
    problems = [str(p) for p in validate_file(folder, mini, privacy=PRIVACY)]
    assert any(p.startswith(f"{folder / 'a.csv'}: E2") and "unknown answer" in p for p in problems)
    assert any(p.startswith(str(folder / "b.xlsx")) for p in problems)


def test_empty_folder_and_unmatched_glob(tmp_path, mini):
    (tmp_path / "empty").mkdir()
    for spec in (tmp_path / "empty", str(tmp_path / "nothing-*.xlsx")):
        (problem,) = validate_file(spec, mini, privacy=PRIVACY)
        assert "no scoring file" in problem.message


def test_validate_command_takes_files_and_folders(tmp_path):
    from caseaudit_lib.cli import main

    folder = tmp_path / "audit"
    folder.mkdir()
    write_csv(folder / "a.csv", [HEADER, *ROWS[:2]])
    extra = write_csv(tmp_path / "b.csv", [HEADER, *ROWS[2:]])
    assert main(["validate", str(folder), str(extra), "--framework", str(MINI)]) == 0
    clash = write_csv(tmp_path / "c.csv", [HEADER, ROWS[0]])
    assert main(["validate", str(folder), str(clash), "--framework", str(MINI)]) == 2


@pytest.mark.parametrize("spec", ["audit", "audit/", "audit/*.csv"])
def test_params_data_file_may_be_a_folder_or_glob(tmp_path, monkeypatch, spec):
    from caseaudit_lib.config.params import load_params
    from caseaudit_lib.errors import ParamsError

    monkeypatch.setenv("CASEAUDIT_ROOT", str(tmp_path))
    (tmp_path / "audit").mkdir()
    write_csv(tmp_path / "audit" / "a.csv", [HEADER, *ROWS])
    text = (
        "audit_id: t\ntitle: T\nservice: S\naudit_date: 2016-03-21\n"
        f"data_file: {spec}\nframework: {MINI}\n"
    )
    (tmp_path / "t.yaml").write_text(text)
    params = load_params(tmp_path / "t.yaml")
    assert load_audit(params.data_path, MINI, privacy=PRIVACY).n_cases == 4
    (tmp_path / "bad.yaml").write_text(text.replace(spec, spec.replace("audit", "nowhere")))
    with pytest.raises(ParamsError, match="data_file"):
        load_params(tmp_path / "bad.yaml")
