import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from audit_files import LOADING, MINI, write_csv, write_ods, write_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseaudit_lib import paths
from caseaudit_lib.audit.loading import Audit, load_audit, validate_file
from caseaudit_lib.errors import AuditDataError
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.load.answers import ANSWER_DTYPE, SPELLINGS
from caseaudit_lib.load.reading import find_header_row, iter_sheets, read_audit_sheet
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig, pseudonymise

SALT = b"loading-tests"
PRIVACY = PrivacyConfig(salt=SALT)
S, NS, NA, BLANK = "sufficient", "not sufficient", "not applicable", "not answered"

HEADER = ["case_id", "auditor", "case_type", "marking", "team", "Q1", "Q2", "Q3", "Q4", "Q5",
          "Q1_comment"]  # fmt: skip
# Typed values (1, True) are what a spreadsheet holds when an auditor types 1 or ticks a box.
WIDE = [
    HEADER,
    ["K-101", "Ann", "RO", "", "North", "Yes", "No", "N/A", "y", 1, "Late by two days"],
    ["K-102", "Bob", "Out-of-court disposal", "", "South", "no", "yes", "", True, "NA", ""],
    ["K-101", "Bob", "referral_order", "second", "North", "yes", "no", "n/a", "n", 1, ""],
]
LONG_HEADER = [
    "case_id",
    "auditor",
    "case_type",
    "marking",
    "team",
    "question_id",
    "answer",
    "comment",
]
LONG = [LONG_HEADER] + [
    [*row[:5], q, row[5 + i], row[10] if q == "Q1" else ""]
    for row in WIDE[1:]
    for i, q in enumerate(["Q1", "Q2", "Q3", "Q4", "Q5"])
    if not (row[0] == "K-102" and q == "Q3")  # a long file may leave out what does not apply
]
# Hand-worked from the rows above: Q3 does not apply to out-of-court cases.
EXPECTED = {
    ("K-101", "first"): [S, NS, NA, S, S],
    ("K-102", "first"): [NS, S, NA, S, NA],
    ("K-101", "second"): [S, NS, NA, NS, S],
}


@pytest.fixture(scope="module")
def mini():
    return load_framework(MINI)


def pseudo(case_id: str) -> str:
    return pseudonymise(pd.Series([case_id]), SALT).iloc[0]


def answers_by_case(audit: Audit) -> dict[tuple[str, str], list[str]]:
    table = audit.answers
    return {
        key: list(group.sort_values("question_id")["answer"].astype(str))
        for key, group in table.groupby(["case_id", "marking"], sort=False)
    }


def expected_by_pseudonym() -> dict[tuple[str, str], list[str]]:
    return {(pseudo(c), m): v for (c, m), v in EXPECTED.items()}


def check_loaded(audit: Audit, mini) -> None:
    assert answers_by_case(audit) == expected_by_pseudonym()
    assert audit.warnings == []
    assert audit.answers["answer"].dtype == ANSWER_DTYPE
    assert list(audit.answers.columns) == ["case_id", "marking", "auditor", "case_type",
                                           "theme_id", "question_id", "applies", "answer",
                                           "comment"]  # fmt: skip
    assert len(audit.answers) == 3 * 5
    cases = audit.cases
    assert list(cases.columns) == ["case_id", "marking", "auditor", "case_type", "team"]
    assert list(cases["case_type"]) == ["referral_order", "out_of_court", "referral_order"]
    assert list(cases["marking"]) == ["first", "first", "second"]
    assert list(cases["auditor"]) == ["Ann", "Bob", "Bob"]
    k102 = audit.answers[audit.answers["case_id"] == pseudo("K-102")].set_index("question_id")
    assert list(k102["applies"]) == [True, True, False, True, True]
    assert list(k102["theme_id"]) == ["assessment"] * 3 + ["planning"] * 2
    k101 = audit.answers[
        (audit.answers["case_id"] == pseudo("K-101")) & (audit.answers["marking"] == "first")
    ].set_index("question_id")
    assert k101.loc["Q1", "comment"] == "Late by two days"
    assert k101.loc["Q2", "comment"] == ""
    assert audit.n_cases == 2
    first = audit.first_marking()
    assert len(first.cases) == 2 and set(first.answers["marking"]) == {"first"}


WRITERS = {
    "xlsx": lambda p, rows: write_xlsx(p.with_suffix(".xlsx"), [["Answer yes, no or n/a"], *rows]),
    "csv": lambda p, rows: write_csv(p.with_suffix(".csv"), rows),
    "csv-semicolon": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, delimiter=";"),
    "csv-bom": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, bom=True),
    "csv-semicolon-bom": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, delimiter=";",
                                                   bom=True),
    "ods": lambda p, rows: write_ods(p.with_suffix(".ods"), [["wording row"], *rows]),
}  # fmt: skip


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.parametrize("layout", ["wide", "long"])
def test_each_layout_and_format(tmp_path, mini, fmt, layout):
    path = WRITERS[fmt](tmp_path / "audit", WIDE if layout == "wide" else LONG)
    check_loaded(load_audit(path, mini, privacy=PRIVACY), mini)


@pytest.mark.parametrize("name", ["wide.csv", "long.csv", "wide-semicolon-bom.csv"])
def test_fixture_files(mini, name):
    audit = load_audit(LOADING / name, mini, privacy=PRIVACY)
    check_loaded(audit, mini)
    assert audit.source == LOADING / name


def test_framework_by_path_string(mini):
    audit = load_audit(LOADING / "wide.csv", str(MINI), privacy=PRIVACY)
    assert audit.framework.id == "mini"


def test_excel_typed_values(tmp_path, mini):
    rows = [["case_id", "auditor", "case_type", "Q1", "Q2", "Q3", "Q4", "Q5"],
            ["K1", "Ann", "yro", 1, 0, True, False, 1.0],
            ["K2", "Ann", "yro", 0.0, "NA", "N/A", "n/a", ""]]  # fmt: skip
    audit = load_audit(write_xlsx(tmp_path / "a.xlsx", rows), mini, privacy=PRIVACY)
    got = answers_by_case(audit)
    assert got[(pseudo("K1"), "first")] == [S, NS, S, NS, S]
    assert got[(pseudo("K2"), "first")] == [NS, NA, NA, NA, BLANK]


def test_numeric_case_ids_from_excel_lose_no_digits(tmp_path):
    rows = [["case_id", "auditor"], [20151234, "Ann"], [1.5, "Bob"]]
    sheet = read_audit_sheet(write_xlsx(tmp_path / "a.xlsx", rows))
    assert list(sheet.grid[0]) == ["case_id", "20151234", "1.5"]


def test_header_found_below_wording_rows_and_after_other_sheets(tmp_path):
    rows = [["Case file audit"], [], ["Answer every question"], WIDE[0], WIDE[1]]
    path = write_xlsx(tmp_path / "a.xlsx", rows, before={"Guidance": [["Read me"], ["x", "y"]]})
    sheet = read_audit_sheet(path)
    assert (sheet.name, sheet.header_row) == ("Answers", 3)
    assert sheet.grid.iloc[4, 0] == "K-101"
    assert [s.name for s in iter_sheets(path)] == ["Guidance", "Answers"]


def test_header_must_be_in_top_five_rows(tmp_path):
    grid = pd.DataFrame([[""]] * 5 + [["Case_ID"]], dtype=object)
    assert find_header_row(grid) is None
    assert find_header_row(grid.iloc[1:].reset_index(drop=True)) == 4
    path = write_csv(tmp_path / "a.csv", [["x"]] * 5 + [["case_id", "auditor"], ["K", "A"]])
    with pytest.raises(AuditDataError) as err:
        read_audit_sheet(path)
    assert "no sheet has a 'case_id' header cell" in str(err.value)


def test_header_cells_match_loosely(tmp_path, mini):
    rows = [[" Case ID ", "AUDITOR", "Case-Type", "Q1", "Q2", "Q3", "Q4", "Q5"],
            ["K1", "Ann", "YRO", "y", "y", "y", "y", "y"]]  # fmt: skip
    audit = load_audit(write_csv(tmp_path / "a.csv", rows), mini, privacy=PRIVACY)
    assert list(audit.cases.columns[:4]) == ["case_id", "marking", "auditor", "case_type"]
    assert audit.cases["case_type"].tolist() == ["yro"]


def test_blank_rows_are_skipped(tmp_path, mini):
    rows = [WIDE[0], WIDE[1], [""] * len(HEADER), WIDE[2], WIDE[3]]
    audit = load_audit(write_xlsx(tmp_path / "a.xlsx", rows), mini, privacy=PRIVACY)
    assert answers_by_case(audit) == expected_by_pseudonym()


def test_corrupt_workbook(mini):
    path = LOADING / "corrupt.xlsx"
    with pytest.raises(AuditDataError) as err:
        load_audit(path, mini, privacy=PRIVACY)
    (problem,) = err.value.problems
    assert problem.file == str(path) and "corrupt" in problem.message
    assert validate_file(path, mini) == [problem]


def test_unsupported_extension(tmp_path, mini):
    path = tmp_path / "audit.txt"
    shutil.copy(LOADING / "wide.csv", path)
    (problem,) = validate_file(path, mini)
    assert problem.message == "unsupported extension" and problem.value == ".txt"
    assert str(problem).startswith(f"{path}: error: unsupported extension (found '.txt'")


def test_missing_file(tmp_path, mini):
    (problem,) = validate_file(tmp_path / "nope.xlsx", mini)
    assert problem.message == "file not found"


def test_csv_not_utf8(mini):
    (problem,) = validate_file(LOADING / "latin1.csv", mini)
    assert "not UTF-8" in problem.message and "CSV UTF-8" in problem.expected


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_empty_file(tmp_path, mini, suffix):
    path = tmp_path / f"empty{suffix}"
    if suffix == ".csv":
        path.write_text("")
    else:
        write_xlsx(path, [])
    (problem,) = validate_file(path, mini)
    assert problem.severity == "error" and problem.message.startswith("empty file")


def test_header_only_sheet_is_empty(tmp_path, mini):
    (problem,) = validate_file(write_xlsx(tmp_path / "a.xlsx", [WIDE[0]]), mini)
    assert problem.severity == "warning" and problem.sheet == "Answers"
    assert problem.message.startswith("no cases yet")


def test_project_root_and_paths(tmp_path, monkeypatch):
    monkeypatch.delenv(paths.ROOT_ENV, raising=False)
    (tmp_path / "proj" / "params").mkdir(parents=True)
    (tmp_path / "proj" / "pyproject.toml").write_text("")
    (tmp_path / "proj" / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "proj" / "notebooks")
    root = (tmp_path / "proj").resolve()
    assert paths.project_root() == root
    assert paths.resolve("data/a.xlsx") == root / "data" / "a.xlsx"
    assert paths.resolve(tmp_path / "x") == tmp_path / "x"
    assert paths.outputs_dir("bromley-2016") == root / "outputs" / "bromley-2016"
    monkeypatch.setenv(paths.ROOT_ENV, str(tmp_path))
    assert paths.project_root() == tmp_path.resolve()
    monkeypatch.delenv(paths.ROOT_ENV)
    monkeypatch.chdir(tmp_path)  # no params/ here: falls back to this package's project
    assert (paths.project_root() / "pyproject.toml").is_file()
    assert Path(paths.__file__).resolve().is_relative_to(paths.project_root())


# A valid random audit: case types, answers in random spellings, rows in random order.
SPELLINGS_BY_LEVEL: dict[str, list[str]] = {}
for spelling, level in SPELLINGS.items():
    SPELLINGS_BY_LEVEL.setdefault(level, []).append(spelling)
case_rows = st.lists(
    st.tuples(
        st.sampled_from(["referral_order", "RO", "Youth rehabilitation order", "yro", "OOCD",
                         "out_of_court", "yc"]),
        st.lists(st.sampled_from(sorted(SPELLINGS_BY_LEVEL)), min_size=5, max_size=5),
        st.lists(st.integers(0, 20), min_size=5, max_size=5),
        st.sampled_from(["ann", "bob", "cy"]),
    ),
    min_size=1,
    max_size=12,
)  # fmt: skip


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=case_rows,
    fmt=st.sampled_from(["csv", "xlsx"]),
    layout=st.sampled_from(["wide", "long"]),
    order=st.randoms(use_true_random=False),
)
def test_property_round_trip(tmp_path_factory, mini, rows, fmt, layout, order):
    qids = ["Q1", "Q2", "Q3", "Q4", "Q5"]
    expected, table = [], []
    for n, (case_type, levels, picks, auditor) in enumerate(rows):
        type_id = mini.case_type_id(case_type)
        if type_id == "out_of_court" and levels[2] in (S, NS):
            levels = [*levels[:2], NA, *levels[3:]]  # keep the table free of warnings
        spelled = [SPELLINGS_BY_LEVEL[lv][p % len(SPELLINGS_BY_LEVEL[lv])] for lv, p in
                   zip(levels, picks, strict=True)]  # fmt: skip
        spelled = [s.upper() if p % 2 else s for s, p in zip(spelled, picks, strict=True)]
        final = [NA if (q == "Q3" and type_id == "out_of_court") else lv
                 for q, lv in zip(qids, levels, strict=True)]  # fmt: skip
        expected += [(f"K{n}", q, lv) for q, lv in zip(qids, final, strict=True)]
        if layout == "wide":
            table.append([f"K{n}", auditor, case_type, *spelled])
        else:
            table += [
                [f"K{n}", auditor, case_type, q, s] for q, s in zip(qids, spelled, strict=True)
            ]
    order.shuffle(table)
    header = (["case_id", "auditor", "case_type", *qids] if layout == "wide" else
              ["case_id", "auditor", "case_type", "question_id", "answer"])  # fmt: skip
    folder = tmp_path_factory.mktemp("prop")
    path = (write_csv(folder / "a.csv", [header, *table]) if fmt == "csv" else
            write_xlsx(folder / "a.xlsx", [header, *table]))  # fmt: skip
    audit = load_audit(path, mini, privacy=PRIVACY)
    names = {pseudo(f"K{n}"): f"K{n}" for n in range(len(rows))}
    got = sorted(
        zip(audit.answers["case_id"].map(names), audit.answers["question_id"],
            audit.answers["answer"].astype(str), strict=True)
    )  # fmt: skip
    assert got == sorted(expected)
    assert audit.warnings == []
    assert os.path.exists(path)
