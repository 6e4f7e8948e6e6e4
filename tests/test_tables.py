"""The score tables written as csv files and scores.xlsx."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from caseaudit_lib.audit.loading import load_audit
from caseaudit_lib.compare.baseline import Baseline, JudgedArea, count_table
from caseaudit_lib.compare.comparison import COMPARISON_COLUMNS, compare_all
from caseaudit_lib.export.tables import write_score_tables
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.score.scoring import score_audit

MINI = load_framework(Path(__file__).parent / "data" / "frameworks" / "mini.yaml")
AUDIT_CSV = """case_id,auditor,case_type,Q1,Q2,Q3,Q4,Q5
A1,Ann,RO,yes,yes,no,yes,no
A2,Bob,YRO,no,yes,yes,yes,yes
A3,Ann,OOCD,yes,no,,no,yes
A4,Bob,RO,yes,yes,yes,no,no
"""
QUESTION_CONTRACT = [
    "audit_id", "theme_id", "question_id", "n_applicable", "n_sufficient", "score_pct",
    "ci_low_pct", "ci_high_pct",
]  # fmt: skip
THEME_CONTRACT = [
    "audit_id", "theme_id", "theme", "n_cases", "n_applicable", "n_sufficient", "score_pct",
    "ci_low_pct", "ci_high_pct", "rating",
]  # fmt: skip


@pytest.fixture
def scores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CASEAUDIT_SALT", "test-salt")
    path = tmp_path / "audit.csv"
    path.write_text(AUDIT_CSV)
    return score_audit(load_audit(path, MINI), audit_id="mini-2016", caseload=10)


@pytest.fixture
def comparison(scores) -> pd.DataFrame:
    percentages = Baseline(
        id="hmip-2012", title="t", date="2012-03-01", source="s", service="x",
        kind="percentages",
        themes=count_table("theme_id", [
            {"theme_id": "assessment", "label": "A", "n_applicable": 20, "n_sufficient": 12,
             "pct": 60.0},
        ]),
    )  # fmt: skip
    judgements = Baseline(
        id="fji-2015", title="t", date="2015-05-01", source="s", service="x", kind="judgements",
        scale=("Good", "Poor"), areas=(JudgedArea("rr", "Reducing reoffending", "Poor",
                                                  ("planning",)),),
    )  # fmt: skip
    return compare_all(scores, [percentages, judgements], framework=MINI)


def test_files_have_the_contract_columns_in_order(scores, comparison, tmp_path: Path) -> None:
    out = tmp_path / "tables"
    written = write_score_tables(scores, comparison, out)
    assert [p.name for p in written] == [
        "question_scores.csv",
        "theme_scores.csv",
        "comparison.csv",
        "case_scores.csv",
        "auditor_scores.csv",
        "scores.xlsx",
    ]
    assert all(p.parent == out and p.is_file() for p in written)
    q = pd.read_csv(out / "question_scores.csv", keep_default_na=False)
    assert list(q.columns[: len(QUESTION_CONTRACT)]) == QUESTION_CONTRACT
    t = pd.read_csv(out / "theme_scores.csv", keep_default_na=False)
    assert list(t.columns[: len(THEME_CONTRACT)]) == THEME_CONTRACT
    c = pd.read_csv(out / "comparison.csv")
    assert list(c.columns) == COMPARISON_COLUMNS
    cases = pd.read_csv(out / "case_scores.csv")
    assert list(cases.columns) == list(scores.cases.columns)
    auditors = pd.read_csv(out / "auditor_scores.csv")
    assert list(auditors.columns) == list(scores.auditors.columns)
    assert not list(out.glob(".*.tmp*"))  # no temporary file left behind


def test_csv_percentages_are_rounded_and_missing_values_blank(
    scores, comparison, tmp_path: Path
) -> None:
    write_score_tables(scores, comparison, tmp_path)
    t = pd.read_csv(tmp_path / "theme_scores.csv").set_index("theme_id")
    # assessment: Q1 3/4, Q2 3/4, Q3 2/3 pooled = 8/11 = 72.7%
    assert (t.loc["assessment", "n_sufficient"], t.loc["assessment", "n_applicable"]) == (8, 11)
    assert t.loc["assessment", "score_pct"] == 72.7
    for column in ["score_pct", "ci_low_pct", "ci_high_pct"]:
        assert (t[column] == t[column].round(1)).all()
    lines = (tmp_path / "comparison.csv").read_text().splitlines()
    # the judgement row: no baseline percentage, no change: empty fields, never 0 or "nan"
    judged = next(line for line in lines if "fji-2015" in line and "planning" in line)
    assert ",,Poor (Reducing reoffending)," in judged
    assert "nan" not in judged.lower()


def test_xlsx_has_every_table_as_a_formatted_sheet(scores, comparison, tmp_path: Path) -> None:
    write_score_tables(scores, comparison, tmp_path)
    book = load_workbook(tmp_path / "scores.xlsx")
    assert book.sheetnames == [
        "questions",
        "themes",
        "comparison",
        "cases",
        "auditors",
        "agreement",
    ]
    sheet = book["themes"]
    header = [c.value for c in sheet[1]]
    assert header[: len(THEME_CONTRACT)] == THEME_CONTRACT
    assert sheet.freeze_panes == "A2"
    assert all(c.font.bold for c in sheet[1])
    score = sheet.cell(row=2, column=header.index("score_pct") + 1)
    assert score.number_format == "0.0"
    assert score.value == pytest.approx(800 / 11)  # full precision kept, shown to 1 decimal
    assert sheet.column_dimensions["C"].width >= len("Assessment")
    comp = book["comparison"]
    comp_header = [c.value for c in comp[1]]
    assert comp_header == COMPARISON_COLUMNS
    judged_rows = [r for r in comp.iter_rows(min_row=2, values_only=True) if r[2] == "fji-2015"]
    assert all(r[comp_header.index("baseline_pct")] is None for r in judged_rows)


def test_no_comparison_writes_an_empty_table_with_its_header(scores, tmp_path: Path) -> None:
    write_score_tables(scores, None, tmp_path)
    c = pd.read_csv(tmp_path / "comparison.csv")
    assert list(c.columns) == COMPARISON_COLUMNS and c.empty


def test_writing_again_replaces_the_files(scores, comparison, tmp_path: Path) -> None:
    out = tmp_path / "tables"
    write_score_tables(scores, None, out)
    write_score_tables(scores, comparison, out)
    assert len(pd.read_csv(out / "comparison.csv")) == len(comparison)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "question_scores.csv",
            "theme_scores.csv",
            "comparison.csv",
            "case_scores.csv",
            "auditor_scores.csv",
            "scores.xlsx",
        ]
    )
