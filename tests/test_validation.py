import pandas as pd
import pytest
from audit_files import MINI, write_csv, write_xlsx

from caseaudit_lib.audit.loading import load_audit, validate_file
from caseaudit_lib.errors import AuditDataError
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig

PRIVACY = PrivacyConfig(salt=b"validation-tests")
HEADER = ["case_id", "auditor", "case_type", "marking", "team", "Q1", "Q2", "Q3", "Q4", "Q5"]
#          A          B          C            D          E       F     G     H     I     J


def good_rows() -> list[list[object]]:
    """Five valid cases; with the wording row above the header, they sit in rows 3 to 7."""
    return [
        ["K1", "Ann", "RO", "", "N", "y", "n", "y", "y", "n"],
        ["K2", "Bob", "YRO", "", "N", "y", "y", "n", "n", "y"],
        ["K3", "Cy", "OOCD", "", "S", "n", "y", "n/a", "y", "y"],
        ["K4", "Ann", "yro", "", "S", "y", "y", "y", "y", "y"],
        ["K5", "Bob", "referral order", "", "S", "n", "n", "n", "n", "n"],
    ]


@pytest.fixture(scope="module")
def mini():
    return load_framework(MINI)


def problems_of(tmp_path, mini, rows, header=HEADER, fmt="xlsx"):
    if fmt == "csv":
        path = write_csv(tmp_path / "a.csv", [["wording"], header, *rows])
    else:
        path = write_xlsx(tmp_path / "a.xlsx", [["wording"], header, *rows])
    return validate_file(path, mini, privacy=PRIVACY)


def only(problems, message):
    found = [p for p in problems if message in p.message]
    assert len(found) == 1, [str(p) for p in problems]
    return found[0]


def test_valid_sheet_has_no_problems(tmp_path, mini):
    assert problems_of(tmp_path, mini, good_rows()) == []


def test_unknown_answer_names_cell_and_column(tmp_path, mini):
    rows = good_rows()
    rows[4][5] = "maybe"
    (p,) = problems_of(tmp_path, mini, rows)
    assert (p.severity, p.sheet, p.cell, p.column, p.value) == ("error", "Answers", "F7", "Q1",
                                                                 "maybe")  # fmt: skip
    assert str(p).startswith(f"{tmp_path / 'a.xlsx'}: Answers!F7: error: column 'Q1': unknown "
                             "answer (found 'maybe'; expected yes/no")  # fmt: skip


def test_csv_cells_are_named_without_a_sheet(tmp_path, mini):
    rows = good_rows()
    rows[4][5] = "maybe"
    (p,) = problems_of(tmp_path, mini, rows, fmt="csv")
    assert (p.sheet, p.cell) == (None, "F7")
    assert str(p).startswith(f"{tmp_path / 'a.csv'}: F7: error: column 'Q1': unknown answer")


def test_unknown_question_ids_in_header(tmp_path, mini):
    header = [*HEADER, "Q9", "q1_comment"]
    rows = [[*r, "y", "note"] for r in good_rows()]
    problems = problems_of(tmp_path, mini, rows, header)
    assert [(p.cell, p.column, p.value) for p in problems] == [
        ("K2", "Q9", "Q9"),
        ("L2", "q1_comment", "q1_comment"),
    ]
    assert all(p.message == "unknown question id" and p.severity == "error" for p in problems)
    assert "'Q1' (question ids match exactly)" in problems[1].expected
    assert "framework mini" in problems[0].expected


def test_case_columns_before_questions_are_attributes(tmp_path, mini):
    header = ["district", *HEADER, "Name"]  # a dropped column may sit anywhere
    rows = [["Bromley", *r, "Jo"] for r in good_rows()]
    assert problems_of(tmp_path, mini, rows, header) == []
    path = write_xlsx(tmp_path / "b.xlsx", [header, *rows])
    audit = load_audit(path, mini, privacy=PRIVACY)
    assert list(audit.cases.columns) == ["case_id", "marking", "auditor", "case_type", "district",
                                         "team"]  # fmt: skip


@pytest.mark.parametrize("missing", ["auditor", "case_type"])
def test_missing_required_column(tmp_path, mini, missing):
    col = HEADER.index(missing)
    header = HEADER[:col] + HEADER[col + 1 :]
    rows = [r[:col] + r[col + 1 :] for r in good_rows()]
    p = only(problems_of(tmp_path, mini, rows, header), "missing required column")
    assert (p.severity, p.sheet, p.cell, p.column) == ("error", "Answers", None, missing)
    assert str(p).endswith(f"sheet 'Answers': error: column '{missing}': missing required "
                           f"column (expected a header cell '{missing}' in row 2)")  # fmt: skip


def test_missing_case_id_column_means_no_header(tmp_path, mini):
    rows = [r[1:] for r in good_rows()]
    (p,) = problems_of(tmp_path, mini, rows, HEADER[1:])
    assert "no sheet has a 'case_id' header cell" in p.message


def test_duplicate_case_names_both_cells_without_the_id(tmp_path, mini):
    rows = good_rows()
    rows[3][0] = "K1"
    (p,) = problems_of(tmp_path, mini, rows)
    assert (p.severity, p.cell, p.column, p.value) == ("error", "A6", "case_id", None)
    assert "Answers!A3" in p.message
    assert "K1" not in str(p)


def test_first_and_second_markings_are_allowed(tmp_path, mini):
    rows = good_rows()
    rows[3][0], rows[3][3] = "K1", "Second"
    rows[0][3] = "FIRST"
    rows[4][3] = "second"  # K5 has no first marking
    (p,) = problems_of(tmp_path, mini, rows)
    assert (p.severity, p.cell, p.message) == (
        "warning",
        "A7",
        "second marking of a case with no first marking",
    )
    audit = load_audit(write_xlsx(tmp_path / "b.xlsx", [HEADER, *rows]), mini, privacy=PRIVACY)
    assert list(audit.cases["marking"]) == ["first", "first", "first", "second", "second"]
    assert audit.n_cases == 3


def test_unknown_marking(tmp_path, mini):
    rows = good_rows()
    rows[1][3] = "third"
    (p,) = problems_of(tmp_path, mini, rows)
    assert (p.cell, p.column, p.value, p.message) == ("D4", "marking", "third", "unknown marking")


def test_unknown_and_blank_case_type(tmp_path, mini):
    rows = good_rows()
    rows[2][2], rows[4][2] = "ISS", ""
    problems = problems_of(tmp_path, mini, rows)
    assert [(p.cell, p.message, p.value) for p in problems] == [
        ("C5", "unknown case_type", "ISS"),
        ("C7", "blank case_type", ""),
    ]
    assert "referral_order, yro, out_of_court" in problems[0].expected


def test_blank_case_id_and_auditor(tmp_path, mini):
    rows = good_rows()
    rows[1][0], rows[2][1] = "", " "
    problems = problems_of(tmp_path, mini, rows)
    assert [(p.cell, p.column, p.message) for p in problems] == [
        ("A4", "case_id", "blank case_id"),
        ("B5", "auditor", "blank auditor"),
    ]


def test_answer_where_question_does_not_apply(tmp_path, mini):
    rows = good_rows()
    rows[2][7] = "yes"  # K3 is out of court: Q3 does not apply
    (p,) = problems_of(tmp_path, mini, rows)
    assert (p.severity, p.cell, p.column, p.value) == ("warning", "H5", "Q3", "yes")
    assert "treated as not applicable" in p.message
    audit = load_audit(write_xlsx(tmp_path / "b.xlsx", [HEADER, *rows]), mini, privacy=PRIVACY)
    assert [w.cell for w in audit.warnings] == ["H4"]
    k3 = audit.answers[audit.answers["case_type"] == "out_of_court"].set_index("question_id")
    assert k3.loc["Q3", "answer"] == "not applicable" and not k3.loc["Q3", "applies"]


def test_missing_question_column(tmp_path, mini):
    header = HEADER[:-1]
    rows = [r[:-1] for r in good_rows()]
    (p,) = problems_of(tmp_path, mini, rows, header)
    assert (p.severity, p.column, p.cell) == ("warning", "Q5", None)
    assert "counted as not answered" in p.message
    audit = load_audit(write_xlsx(tmp_path / "b.xlsx", [header, *rows]), mini, privacy=PRIVACY)
    q5 = audit.answers[audit.answers["question_id"] == "Q5"]
    assert set(q5["answer"].astype(str)) == {"not answered"} and q5["applies"].all()


def test_duplicate_and_unnamed_columns(tmp_path, mini):
    header = [*HEADER, "Q2", ""]
    rows = [[*r, "y", "stray"] for r in good_rows()]
    problems = problems_of(tmp_path, mini, rows, header)
    assert [(p.severity, p.cell, p.message) for p in problems] == [
        ("error", "K2", "duplicate column"),
        ("warning", "L2", "column without a header is ignored"),
    ]
    assert "Answers!G2" in problems[0].expected


def test_many_problems_reported_at_once(tmp_path, mini):
    rows = good_rows()
    rows[0][5] = "maybe"
    rows[1][2] = "ISS"
    rows[2][1] = ""
    rows[3][0] = "K1"
    rows[4][9] = "?"
    rows[2][7] = "y"  # a warning among the errors
    path = write_xlsx(tmp_path / "a.xlsx", [["wording"], HEADER, *rows])
    with pytest.raises(AuditDataError) as err:
        load_audit(path, load_framework(MINI), privacy=PRIVACY)
    cells = [p.cell for p in err.value.problems]
    assert cells == ["F3", "C4", "B5", "A6", "J7"]
    assert len(err.value.lines()) == 5
    assert all(line.startswith(f"{path}: Answers!") for line in err.value.lines())
    assert [p.cell for p in validate_file(path, mini)] == ["F3", "C4", "B5", "H5", "A6", "J7"]


def test_every_unknown_answer_is_listed(tmp_path, mini):
    rows = [[f"K{i}", "Ann", "yro", "", "", "y", "?", "y", "y", "y"] for i in range(40)]
    problems = problems_of(tmp_path, mini, rows)
    assert [p.cell for p in problems] == [f"G{i}" for i in range(3, 43)]


# Long layout: A case_id, B auditor, C case_type, D question_id, E answer, F comment
LONG_HEADER = ["case_id", "auditor", "case_type", "question_id", "answer", "comment"]


def long_rows() -> list[list[str]]:
    rows = []
    for case, auditor, ctype in [("K1", "Ann", "RO"), ("K2", "Bob", "OOCD")]:
        rows += [[case, auditor, ctype, q, "yes", ""] for q in ["Q1", "Q2", "Q3", "Q4", "Q5"]
                 if not (ctype == "OOCD" and q == "Q3")]  # fmt: skip
    return rows  # K1 in rows 3-7, K2 in rows 8-11 (with the wording row)


def test_long_valid(tmp_path, mini):
    assert problems_of(tmp_path, mini, long_rows(), LONG_HEADER) == []


def test_long_case_columns_must_agree(tmp_path, mini):
    rows = long_rows()
    rows[2][1] = "Bob"
    rows[6][2] = "yro"
    problems = problems_of(tmp_path, mini, rows, LONG_HEADER)
    assert [(p.cell, p.column, p.message) for p in problems] == [
        ("B5", "auditor", "differs from the first row of the same case"),
        ("C9", "case_type", "differs from the first row of the same case"),
    ]
    assert problems[0].expected == "the same auditor as Answers!B3"
    assert problems[1].value is None  # case columns are not echoed: they may identify


def test_long_question_problems(tmp_path, mini):
    rows = long_rows()
    rows[1][3] = "Q9"
    rows[2][3] = ""
    rows[4][3] = "Q1"  # K1 answers Q1 twice
    rows[5][4] = "perhaps"
    rows.append(["K2", "Bob", "OOCD", "Q3", "no", ""])  # row 12: Q3 does not apply to OOCD
    problems = problems_of(tmp_path, mini, rows, LONG_HEADER)
    got = [(p.severity, p.cell, p.column, p.message) for p in problems]
    assert got == [
        ("error", "D4", "question_id", "unknown question id"),
        ("error", "D5", "question_id", "blank question_id"),
        ("error", "D7", "question_id", "duplicate answer: same case, marking and question"),
        ("error", "E8", "answer", "unknown answer"),
        ("warning", "E12", "answer",
         "question Q3 does not apply to case type out_of_court; treated as not applicable"),
    ]  # fmt: skip
    assert "Answers!D3" in problems[2].expected


def test_long_question_with_no_rows(tmp_path, mini):
    rows = [r for r in long_rows() if r[3] != "Q4"]
    (p,) = problems_of(tmp_path, mini, rows, LONG_HEADER)
    assert (p.severity, p.value) == ("warning", "Q4")
    assert "counted as not answered" in p.message


def test_long_comments_and_not_answered(tmp_path, mini):
    rows = long_rows()
    rows[0][5] = "see note"
    rows[1][4] = ""
    path = write_xlsx(tmp_path / "a.xlsx", [LONG_HEADER, *rows])
    audit = load_audit(path, mini, privacy=PRIVACY)
    first = audit.answers.iloc[:5].set_index("question_id")
    assert first.loc["Q1", "comment"] == "see note"
    assert list(first["answer"].astype(str)) == ["sufficient", "not answered", "sufficient",
                                                  "sufficient", "sufficient"]  # fmt: skip
    assert isinstance(audit.answers["comment"].dtype, pd.StringDtype)


def test_long_marking_spelled_differently_is_the_same_case(tmp_path, mini):
    header = [*LONG_HEADER, "marking"]
    rows = [[*r, "first" if i % 2 else ""] for i, r in enumerate(long_rows())]
    assert problems_of(tmp_path, mini, rows, header) == []


def test_long_bad_question_does_not_shadow_another_case(tmp_path, mini):
    rows = long_rows()
    k1_q5 = rows.pop(4)
    rows.insert(5, ["K2", "Bob", "OOCD", "Q9", "yes", ""])  # row 8: K2, unknown question
    rows.insert(6, k1_q5)  # row 9: K1's Q5 comes after it
    problems = problems_of(tmp_path, mini, rows, LONG_HEADER)
    assert [(p.cell, p.message) for p in problems] == [("D8", "unknown question id")]
