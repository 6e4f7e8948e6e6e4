"""The one detector of personal details: every kind, in comments, findings and board files."""

from __future__ import annotations

import json

import pytest
from audit_files import MINI, write_csv

from caseaudit_lib.audit.loading import load_audit
from caseaudit_lib.findings.findings import load_findings
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.privacy.detector import WITHHELD, Detector, found_values
from caseaudit_lib.privacy.leakcheck import scan_outputs
from caseaudit_lib.privacy.patterns import nhs_check_digit_ok
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig, collect_identifiers

DETECTOR = Detector()


@pytest.mark.parametrize(
    ("text", "detail", "kind"),
    [
        ("Kieran's plan was late", "Kieran", "name"),
        ("seen by K. O'Brien on the visit", "O'Brien", "name"),
        ("Ms Smith from the school attended", "Smith", "name"),
        ("kieran said the plan was his", "kieran", "name"),
        ("Mum (Blessing) was not invited", "Blessing", "name"),
        ("Grace said she felt safe", "Grace", "name"),
        ("DOB 3/4/03 on the front sheet", "3/4/03", "date"),
        ("born 03/04/2003", "03/04/2003", "date"),
        ("born 3.4.03", "3.4.03", "date"),
        ("born 3rd April 2003", "3rd April 2003", "date"),
        ("birthday April 3rd", "April 3rd", "date"),
        ("born 03-Apr-2003", "03-Apr-2003", "date"),
        ("arrested 14-Mar-09", "14-Mar-09", "date"),
        ("lives at 14 Elm Road", "14 Elm Road", "address"),
        ("moved to BR1 3AB", "BR1 3AB", "postcode"),
        ("mobile 07700 900123", "07700 900123", "phone number"),
        ("dad on +33 6 12 34 56 78", "+33 6 12 34 56 78", "phone number"),
        ("email mum.x@example.com", "mum.x@example.com", "e-mail address"),
        ("NHS 943 476 5919 on file", "943 476 5919", "NHS number"),
        ("NI AB 12 34 56 C on file", "AB 12 34 56 C", "National Insurance number"),
        ("ChildView ref 4521", "4521", "case reference"),
        ("see YOS/2016/0412", "YOS/2016/0412", "case reference"),
    ],
)
def test_each_kind_is_withheld(text, detail, kind):
    out, kinds = DETECTOR.withhold(text)
    assert detail not in out and WITHHELD in out
    assert kind in kinds


@pytest.mark.parametrize(
    "text",
    [
        "Asset completed within timescales; RoSH not countersigned. WDYT used in the analysis.",
        "The Referral Order panel met in March 2016; Restorative Justice Conference held.",
        "Will need a new Asset. May have benefited from CAMHS. Mark on the log shows it.",
        "CIN plan not in the YOS plan; CSE not considered. PSR proposal followed at Crown Court.",
        "Case transferred from Lewisham YOS; Kent Police shared intelligence.",
    ],
)
def test_the_fields_own_words_stay(text):
    assert DETECTOR.withhold(text) == (text, [])


def test_nhs_numbers_need_their_check_digit():
    assert nhs_check_digit_ok("9434765919")
    assert not nhs_check_digit_ok("9434765918")
    assert DETECTOR.withhold("count 943 476 5918 seen")[1] == []  # no check digit, no NHS


def test_audit_dates_in_the_params_wording_stay():
    detector = Detector(allowed=["2016-03-21", "cases that started from 1 September 2015"])
    text = "Audited on 21 March 2016, cases from 1 September 2015; born 3 April 2003"
    out, kinds = detector.withhold(text)
    assert "21 March 2016" in out and "1 September 2015" in out and "3 April 2003" not in out


def test_comments_are_withheld_at_load_with_the_kinds_named(tmp_path):
    header = ["case_id", "auditor", "case_type", "Q1", "Q1_comment", "Q2", "Q3", "Q4", "Q5"]
    comment = "Kieran's mum on 07700 900123, lives at BR1 3AB"
    rows = [header, ["C1", "Ann", "RO", "Yes", comment, "No", "y", "y", "y"]]
    path = write_csv(tmp_path / "a.csv", rows)
    audit = load_audit(path, load_framework(MINI), privacy=PrivacyConfig(salt=b"x"))
    (text,) = [c for c in audit.answers["comment"] if c]
    assert text == f"{WITHHELD}'s mum on {WITHHELD}, lives at {WITHHELD}"
    (warning,) = [w for w in audit.warnings if "withheld" in w.message]
    assert warning.cell == "E2"
    assert "a name" in warning.message and "a phone number" in warning.message
    assert "a postcode" in warning.message
    for value in ("Kieran", "07700", "BR1"):
        assert value not in str(warning)
    # What the loader withholds, the leak check looks for in every board file.
    found = collect_identifiers(path, PrivacyConfig(salt=b"x"))
    assert {"Kieran", "07700 900123", "BR1 3AB"} <= found


def test_findings_text_is_withheld_with_file_and_line(tmp_path):
    path = tmp_path / "findings.yaml"
    path.write_text(
        "background:\n  - Fine.\n  - Kieran's mum rang from 07700 900123.\n", encoding="utf-8"
    )
    findings = load_findings(path)
    assert findings.background[1] == f"{WITHHELD}'s mum rang from {WITHHELD}."
    (warning,) = findings.warnings
    said = str(warning)
    assert "background[1], line 3" in said and "a name, a phone number" in said
    assert "Kieran" not in said and "07700" not in said


def test_the_leak_check_finds_patterned_details_in_board_files(tmp_path):
    page = tmp_path / "report.html"
    page.write_text("<p>Evidence: call 07700 900123 or BR1 3AB</p>", encoding="utf-8")
    problems = scan_outputs([page], {})
    said = " ".join(str(p) for p in problems)
    assert "a phone number" in said and "a postcode" in said
    assert "07700" not in said and "BR1" not in said
    clean = tmp_path / "clean.html"
    clean.write_text("<p>Audit of 21 March 2016: 45% (n=20), 0.35 of 7 themes</p>")
    assert scan_outputs([clean], {}) == []


def test_ordinary_words_found_as_names_are_not_searched_alone():
    values = found_values("Grace said so; seen with Kieran", DETECTOR)
    assert "Kieran" in values and "Grace" not in values


def test_numbers_of_a_build_are_no_phone_numbers(tmp_path):
    # papermill's durations, pandas' floats and large counts fill executed notebooks and tables
    notebook = tmp_path / "04_explore.ipynb"
    meta = {"papermill": {"duration": 0.09103770695709379, "start_time": "2026-12-03T17:20:51"}}
    cells = [{"cell_type": "code", "source": "x", "metadata": {"n": 447313150554}}]
    notebook.write_text(
        json.dumps({"metadata": meta, "cells": cells, "nbformat": 4, "nbformat_minor": 5})
    )
    table = tmp_path / "scores.csv"
    table.write_text("a,b\n-20.00397663608932,35.00967117988395\n0.0661665950344017,1\n")
    assert scan_outputs([notebook, table], {}) == []


def test_a_pseudonym_that_looks_like_a_postcode_is_ours(tmp_path):
    # Salted pseudonyms are random base32: "C-SW23XY" would read as the postcode SW2 3XY.
    text = "Cases C-SW23XY and P-BR23AB; the child moved to SW2 3XY"
    out, kinds = DETECTOR.withhold(text)
    assert out == "Cases C-SW23XY and P-BR23AB; the child moved to [withheld]"
    page = tmp_path / "draft.md"
    page.write_text("Evidence of C-SW23XY: plan late.")
    assert scan_outputs([page], {}) == []


@pytest.mark.parametrize(
    "text",
    [
        '{"model_id": "a07953461278f0e1c2d3"}',  # a widget's hex id
        '{"id": "225ad620-0047-4257-8899-f66d4864e456"}',  # a uuid
        "2 cases went to court and 3 of the 6 themes were on the way",
    ],
)
def test_ids_and_ordinary_sentences_in_a_build_are_no_details(text):
    assert DETECTOR.withhold(text) == (text, [])
