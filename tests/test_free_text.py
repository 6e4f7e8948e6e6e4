"""Names in free text: identifiers in auditors' comments are withheld at load, with a warning."""

from __future__ import annotations

import pytest
from audit_files import MINI, write_csv, write_ods, write_xlsx

from caseaudit_lib.audit.loading import load_audit, validate_file
from caseaudit_lib.errors import ParamsError
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.privacy.free_text import WITHHELD, searcher, spellings, withhold_text
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig, collect_identifiers

NAME, DOB, REF, PARENT = "Kieran Quillfeather", "2009-03-14", "CMS-77311", "Morwenna Quillfeather"
HEADER = ["case_id", "auditor", "case_type", "child_name", "parent_name", "dob", "cms_ref",
          "Q1", "Q1_comment", "Q2", "Q2_comment", "Q3", "Q4", "Q5"]  # fmt: skip
ROWS = [
    ["KX-101", "Ann", "RO", NAME, PARENT, DOB, REF, "Yes", "kieran said the plan was his", "No",
     "Seen at home with mum (Morwenna); DOB 14/03/2009", "y", "y", "y"],
    ["KX-102", "Ann", "YRO", "Jo Lee", "", "2010-01-02", "CMS-1", "No", f"Chronology on {REF}.",
     "Yes", "Annual review done; case KX-101 linked", "y", "y", "y"],
]  # fmt: skip
LONG_HEADER = ["case_id", "auditor", "case_type", "child_name", "dob", "question_id", "answer",
               "comment"]  # fmt: skip
LONG = [
    LONG_HEADER,
    ["KX-101", "Ann", "RO", NAME, DOB, "Q1", "Yes", "Quillfeather engaged well"],
    ["KX-101", "Ann", "RO", NAME, DOB, "Q2", "No", "nothing identifying here"],
]
PRIVACY = PrivacyConfig(salt=b"free-text", patterns=(r"\bNHS ?\d{3} ?\d{3} ?\d{4}\b",))
PLANTED = ("Kieran", "Quillfeather", "Morwenna", REF, "14/03/2009", "KX-101")


@pytest.fixture(scope="module")
def mini():
    return load_framework(MINI)


def comments(audit) -> list[str]:
    values = audit.answers["comment"]
    return list(values[values != ""])


WRITERS = {
    "xlsx": lambda p, rows: write_xlsx(p.with_suffix(".xlsx"), rows),
    "csv": lambda p, rows: write_csv(p.with_suffix(".csv"), rows),
    "ods": lambda p, rows: write_ods(p.with_suffix(".ods"), rows),
}


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_names_dates_and_references_in_comments_are_withheld(tmp_path, mini, fmt):
    path = WRITERS[fmt](tmp_path / "audit", [HEADER, *ROWS])
    audit = load_audit(path, mini, privacy=PRIVACY)
    texts = comments(audit)
    assert texts == [
        f"{WITHHELD} said the plan was his",
        f"Seen at home with mum ({WITHHELD}); DOB {WITHHELD}",
        f"Chronology on {WITHHELD}.",
        f"Annual review done; case {WITHHELD} linked",  # "Ann" the auditor is not a child
    ]
    joined = " ".join(texts)
    for value in PLANTED:
        assert value.lower() not in joined.lower()
    warnings = [w for w in audit.warnings if "withheld" in w.message]
    cells = [w.cell for w in warnings]
    assert cells == ["I2", "K2", "I3", "K3"]
    for warning in warnings:
        for value in (*PLANTED, NAME, DOB):
            assert value not in str(warning)


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_long_layout_comments_are_withheld(tmp_path, mini, fmt):
    path = WRITERS[fmt](tmp_path / "long", LONG)
    audit = load_audit(path, mini, privacy=PRIVACY)
    assert comments(audit) == [f"{WITHHELD} engaged well", "nothing identifying here"]
    (warning,) = [w for w in audit.warnings if "withheld" in w.message]
    assert warning.cell == "H2" and "child_name" in warning.message


def test_params_patterns_are_withheld_and_collected_for_the_leak_check(tmp_path, mini):
    rows = [HEADER, [*ROWS[1][:8], "Referred by GP, NHS 943 476 5919", *ROWS[1][9:]]]
    path = write_csv(tmp_path / "a.csv", rows)
    assert comments(load_audit(path, mini, privacy=PRIVACY))[0] == f"Referred by GP, {WITHHELD}"
    assert "NHS 943 476 5919" in collect_identifiers(path, PRIVACY)


def test_patterns_from_params_are_checked():
    config = PrivacyConfig.from_params({"patterns": [r"\bKZ\d+"]})
    assert config.patterns == (r"\bKZ\d+",)
    with pytest.raises(ParamsError, match=r"privacy.patterns\[0\].*not a regular expression"):
        PrivacyConfig.from_params({"patterns": ["(unclosed"]})


def test_spellings_and_whole_tokens():
    assert {"Kieran", "O'Brien", "Brien"} <= spellings("Kieran O'Brien", "name")
    assert "Al" not in spellings("Al Smith", "name")
    assert "14 March 2009" in spellings(DOB, "date")
    search = searcher({"child_name": spellings("Ann Lee", "name")})
    assert withhold_text("Annual review with ANN", search) == (
        f"Annual review with {WITHHELD}",
        ["like a value of column 'child_name'"],
    )
    # Overlapping hits are withheld once; the longest spelling wins; a date however written.
    search = searcher({"child_name": spellings("Ann Lee", "name"), "dob": spellings(DOB, "date")})
    assert withhold_text("ann lee's (ann) birthday 14 March 2009; Lee_x", search) == (
        f"{WITHHELD}'s ({WITHHELD}) birthday {WITHHELD}; Lee_x",
        ["like a value of column 'child_name'", "like a value of column 'dob'"],
    )


def test_a_clean_file_has_no_withheld_warning(tmp_path, mini):
    rows = [HEADER, [*ROWS[1][:8], "Plan reviewed on time", *ROWS[1][9:10], "", "y", "y", "y"]]
    assert validate_file(write_csv(tmp_path / "a.csv", rows), mini, privacy=PRIVACY) == []
