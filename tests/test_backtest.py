"""Back-test: the bundled audits' score tables, number for number, against a stored run.

The expected tables in tests/data/backtest/ were written by ``caseaudit score`` with the salt
``backtest``. A change of method that moves a number must update them on purpose (and say so
in the CHANGELOG); a refactoring must leave them as they are.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from caseaudit_lib.pipeline import score_params

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = Path(__file__).parent / "data" / "backtest"
TABLES = ["question_scores", "theme_scores", "case_scores", "auditor_scores", "comparison"]
AUDITS = sorted(p.name for p in EXPECTED.iterdir() if p.is_dir())


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, dtype=str)


@pytest.mark.parametrize("audit_id", AUDITS)
def test_score_tables_match_the_stored_run(audit_id, tmp_path, monkeypatch):
    monkeypatch.setenv("CASEAUDIT_SALT", "backtest")
    from caseaudit_lib.export.tables import write_score_tables

    results = score_params(ROOT / "params" / f"{audit_id}.yaml")
    write_score_tables(results.scores, results.comparison, tmp_path)
    for name in TABLES:
        expected = _read(EXPECTED / audit_id / f"{name}.csv")
        actual = _read(tmp_path / f"{name}.csv")
        pd.testing.assert_frame_equal(actual, expected, obj=f"{audit_id}/{name}.csv")


# An audit read from a folder of the auditors' workbooks, and the single file it was split from:
# the split audit must score exactly as the single file, number for number and row for row.
SPLIT_TWINS = {"bromley-2016-split": "bromley-2016"}


@pytest.mark.parametrize(("split", "single"), SPLIT_TWINS.items())
def test_an_audit_split_across_workbooks_scores_as_the_single_file(split, single, tmp_path,
                                                                   monkeypatch):  # fmt: skip
    monkeypatch.setenv("CASEAUDIT_SALT", "backtest")
    from caseaudit_lib.export.tables import write_score_tables

    results = score_params(ROOT / "params" / f"{split}.yaml")
    assert results.params.data_path.is_dir()
    assert results.audit.warnings == []
    write_score_tables(results.scores, results.comparison, tmp_path)
    for name in TABLES:
        expected = _read(EXPECTED / single / f"{name}.csv")
        actual = _read(tmp_path / f"{name}.csv").replace(split, single)
        pd.testing.assert_frame_equal(actual, expected, obj=f"{split}/{name}.csv")


def test_every_bundled_audit_is_back_tested():
    bundled = sorted(p.stem for p in (ROOT / "params").glob("*.yaml"))
    assert sorted([*AUDITS, *SPLIT_TWINS]) == bundled
