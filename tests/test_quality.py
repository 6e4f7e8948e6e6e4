"""Tests for the data-quality summaries, on the mini audit (see tests/mini_results.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mini_results import mini_results

from caseaudit_lib.present import quality


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CASEAUDIT_SALT", "test-salt")
    return mini_results(tmp_path)


def test_loaded_summary(results) -> None:
    facts = dict(quality.loaded_summary(results).to_numpy())
    assert facts["Cases audited (first markings)"] == "6"
    assert facts["Second markings (moderation)"] == "1"
    assert facts["Auditors"] == "2"
    assert facts["Answers read (first markings x questions)"] == "30"
    assert facts["Caseload"] == "30"
    assert facts["Validation warnings"] == "1"
    assert facts["Framework"] == "Mini test framework (mini, version 1.0)"


def test_missing_by_question(results) -> None:
    table = quality.missing_by_question(results.audit)
    assert table["Question"].tolist() == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert table["Applies to"].tolist() == [6, 6, 4, 6, 6]
    assert table["Not answered"].tolist() == [0, 1, 0, 0, 1]
    assert table["Not answered %"].tolist() == pytest.approx([0, 100 / 6, 0, 0, 100 / 6])
    assert table["Judged not applicable"].tolist() == [0, 0, 0, 0, 1]
    assert table["Ruled out by case type"].tolist() == [0, 0, 2, 0, 0]
    # the same blanks the scores count
    assert table["Not answered"].sum() == results.scores.questions["n_not_answered"].sum()


def test_missing_by_auditor(results) -> None:
    table = quality.missing_by_auditor(results.audit)
    assert table["Auditor"].tolist() == ["Auditor A", "Auditor B"]
    assert table["Cases"].tolist() == [3, 3]
    assert table["Questions that applied"].tolist() == [15, 13]
    assert table["Not answered"].tolist() == [1, 1]
    assert table["Judged not applicable %"].tolist() == pytest.approx([0, 100 / 13])


def test_warnings_table(results) -> None:
    table = quality.warnings_table(results.audit)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["Severity"] == "warning" and row["Found"] == "n"
    assert "treated as not applicable" in row["Message"]
    assert "H7" in row["Where"]


def test_sample_composition(results) -> None:
    types = quality.case_types(results.audit)
    assert types["Cases"].tolist() == [2, 2, 2]
    assert types["Share of sample %"].tolist() == pytest.approx([100 / 3] * 3)
    auditors = quality.auditors(results.audit)
    assert auditors["Cases"].tolist() == [3, 3]
    assert auditors["Second markings"].tolist() == [0, 1]
    sentence = quality.sample_sentence(results)
    assert sentence.startswith("6 cases were audited out of a caseload of 30 (20%).")


def test_sample_sentence_without_caseload(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CASEAUDIT_SALT", "test-salt")
    results = mini_results(tmp_path, caseload=None)
    assert "The caseload was not given" in quality.sample_sentence(results)
