"""End to end on the bundled samples: params file → scores → comparisons, back-tested."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from caseaudit_lib.cli import summary_table
from caseaudit_lib.errors import AuditDataError
from caseaudit_lib.export.tables import write_tables
from caseaudit_lib.pipeline import score_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def results_2017():
    return score_params(ROOT / "params" / "bromley-2017.yaml")


def test_2016_against_the_2015_inspection_is_words_not_numbers() -> None:
    results = score_params(ROOT / "params" / "bromley-2016.yaml")
    fji = results.comparison[results.comparison["baseline_id"] == "bromley-hmip-fji-2015"]
    assert len(fji) == len(results.framework.themes)
    assert (fji["baseline_kind"] == "judgements").all()
    assert fji["baseline_pct"].isna().all() and fji["change_pts"].isna().all()
    assert fji["baseline_rating"].str.contains("Poor").all()
    assert not fji["verdict"].isin(["improved", "declined"]).any()


def test_2017_against_2016_verdicts_match_the_intervals(results_2017) -> None:
    step = results_2017.comparison[results_2017.comparison["baseline_id"] == "bromley-2016"]
    assert len(step) == 6
    low, high = step["change_ci_low_pts"].to_numpy(), step["change_ci_high_pts"].to_numpy()
    expected = np.where(low > 0, "improved", np.where(high < 0, "declined", "no clear change"))
    assert step["verdict"].tolist() == expected.tolist()
    # the change is the difference of the two audits' own scores
    earlier = results_2017.previous.themes.set_index("theme_id")["score_pct"]
    now = results_2017.scores.themes.set_index("theme_id")["score_pct"]
    change = step.set_index("theme_id")["change_pts"]
    assert np.allclose(change, (now - earlier).loc[change.index])
    # the story of the synthetic follow-up: planning and oversight improved beyond noise
    verdicts = step.set_index("theme_id")["verdict"]
    assert verdicts["planning"] == "improved" and verdicts["management_oversight"] == "improved"


def test_trend_runs_oldest_first_with_steps(results_2017) -> None:
    trend = results_2017.trend
    assert trend["audit_id"].unique().tolist() == ["bromley-2016", "bromley-2017"]
    first = trend[trend["audit_id"] == "bromley-2016"]
    assert (first["verdict"] == "first audit").all()


def test_tables_and_summary(results_2017, tmp_path: Path) -> None:
    out = write_tables(results_2017, tmp_path)
    assert sorted(p.name for p in out.iterdir()) == [
        "auditor_scores.csv", "case_scores.csv", "comparison.csv", "question_scores.csv",
        "scores.xlsx", "theme_scores.csv",
    ]  # fmt: skip
    text = summary_table(results_2017)
    assert "Management oversight" in text and "95% interval" in text


def test_a_blank_form_cannot_be_scored(tmp_path: Path) -> None:
    from caseaudit_lib.forms.template import write_template

    blank = write_template("yjb-audit-2016", tmp_path / "blank.xlsx")
    params = (ROOT / "params" / "bromley-2016.yaml").read_text(encoding="utf-8")
    params = params.replace("data/bromley-2016-audit.xlsx", str(blank))
    (tmp_path / "p.yaml").write_text(params, encoding="utf-8")
    with pytest.raises(AuditDataError, match="no cases to score"):
        score_params(tmp_path / "p.yaml")


def sample_on_a_copy(tmp_path: Path):
    """Return a copy of the 2016 sample's workbook and its params pointing at that copy."""
    from caseaudit_lib.config.params import load_params

    data = tmp_path / "audit.xlsx"
    shutil.copy(ROOT / "data" / "bromley-2016-audit.xlsx", data)
    params = load_params(ROOT / "params" / "bromley-2016.yaml")
    return data, type(params)(**{**params.to_dict(), "data_file": str(data)})


def edit_bytes_not_answers(workbook: Path) -> None:
    """Change a workbook's bytes (a document property), not its answers: a content change.

    The results are keyed by content (issue 18), so touching the file's time is no change.
    """
    import openpyxl

    book = openpyxl.load_workbook(workbook)
    book.properties.title = "edited"
    book.save(workbook)


def test_remembered_results_are_scored_once_and_recomputed_when_an_input_changes(
    tmp_path, monkeypatch
) -> None:

    from caseaudit_lib import pipeline

    data, params = sample_on_a_copy(tmp_path)
    scored = []
    real = pipeline.load_and_score
    monkeypatch.setattr(pipeline, "load_and_score", lambda p: scored.append(p) or real(p))
    pipeline.remember_results(True)
    try:
        first = pipeline.score_params(params)
        second = pipeline.score_params(params)
        assert len(scored) == 1  # the second notebook of the audit scores nothing
        assert second is not first and second.scores.themes.equals(first.scores.themes)
        second.scores.themes.loc[0, "score_pct"] = -1.0  # a notebook changing its copy
        assert pipeline.score_params(params).scores.themes.equals(first.scores.themes)
        edit_bytes_not_answers(data)
        pipeline.score_params(params)
        assert len(scored) == 2  # the scoring file changed: scored again
    finally:
        pipeline.remember_results(False)
    pipeline.score_params(params)
    assert len(scored) == 3  # off: every call scores


def test_kept_results_come_with_the_auditor_tables_made_once_and_only_while_inputs_hold(
    tmp_path, monkeypatch
):

    from caseaudit_lib import pipeline
    from caseaudit_lib.score import scoring

    data, params = sample_on_a_copy(tmp_path)
    made = []
    real = scoring.auditor_scores
    monkeypatch.setattr(scoring, "auditor_scores", lambda *a, **k: made.append(1) or real(*a, **k))
    pipeline.remember_results(True)
    try:
        assert pipeline.kept_results(params.audit_id) is None  # nothing scored yet
        copies = [pipeline.score_params(params) for _ in range(3)]
        assert all(not c.scores.auditors.empty for c in copies)
        assert len(made) == 1  # once, before the copies; not once per notebook
        kept = pipeline.kept_results(params.audit_id)
        assert kept is not None and kept.scores.themes.equals(copies[0].scores.themes)
        assert pipeline.kept_results("another-audit") is None
        edit_bytes_not_answers(data)
        assert pipeline.kept_results(params.audit_id) is None  # the scoring file changed
    finally:
        pipeline.remember_results(False)
