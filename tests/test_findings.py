"""Tests for caseaudit_lib.findings.findings: the findings file and recommendations' status."""

from __future__ import annotations

import pytest

from caseaudit_lib.config.params import AuditParams, load_params
from caseaudit_lib.errors import ParamsError
from caseaudit_lib.findings.findings import (
    NOT_REVIEWED,
    Findings,
    Recommendation,
    earlier_findings,
    load_findings,
    recommendations_table,
)
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.paths import project_root

FRAMEWORK = load_framework("yjb-audit-2016")


def write(tmp_path, text: str):
    path = tmp_path / "findings.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_2016_findings_follow_the_seed_report():
    findings = load_findings(
        project_root() / "data/findings/bromley-2016.yaml", FRAMEWORK, audit_id="bromley-2016"
    )
    assert len(findings.background) == 3
    assert findings.conclusion.startswith("The YOS should feel confident")
    assert len(findings.good_practice) == 5
    assert list(findings.themes) == [t.id for t in FRAMEWORK.themes]
    assert len(findings.theme("planning").further_improvements) == 11
    assert len(findings.recommendations) == 15
    first = findings.recommendations[0]
    assert (first.id, first.theme_id, first.due, first.status) == (
        "R01", "risk_vulnerability", "2016-06-30", "not started",
    )  # fmt: skip


def test_a_minimal_file_and_a_theme_it_does_not_mention(tmp_path):
    findings = load_findings(write(tmp_path, "good_practice: [Strong use of specialists.]\n"))
    assert findings.good_practice == ("Strong use of specialists.",)
    assert findings.theme("assessments").findings == ()
    assert findings.background == () and findings.recommendations == ()


def test_background_as_one_text_is_one_paragraph(tmp_path):
    findings = load_findings(write(tmp_path, "background: Why the audit was done.\n"))
    assert findings.background == ("Why the audit was done.",)


def test_every_fault_is_reported_at_once_with_its_place(tmp_path):
    path = write(
        tmp_path,
        """
audit_id: bromley-2016
conclsion: typo
themes:
  assesments: {findings: [x]}
  planning: {findings: [x], improvements: [y]}
recommendations:
  - {id: R1, text: Do it, theme: planing, owner: Head, due: 2016-13-01, status: complete}
  - {id: R1, text: Again, owner: Head, due: 2016-06-30, status: done}
  - {id: R2, text: No owner, due: 2016-06-30, status: Done}
""",
    )
    with pytest.raises(ParamsError) as caught:
        load_findings(path, FRAMEWORK, audit_id="bromley-2017")
    found = {(p.cell, p.message) for p in caught.value.problems}
    assert found == {
        ("audit_id", "findings of another audit"),
        ("conclsion", "unknown key"),
        ("themes.assesments", "not a theme of the audit's framework"),
        ("themes.planning.improvements", "unknown key"),
        ("recommendations[0].due", "not a date"),
        ("recommendations[0].status", "not a status"),
        ("recommendations[0].theme", "not a theme of the audit's framework"),
        ("recommendations[1].id", "given twice"),
        ("recommendations[2].owner", "missing required key"),
    }
    by_cell = {p.cell: p for p in caught.value.problems}
    assert by_cell["themes.assesments"].expected == "did you mean 'assessments'?"
    assert by_cell["recommendations[0].theme"].expected == "did you mean 'planning'?"
    assert (
        "one of not started, in progress, done, dropped"
        in by_cell["recommendations[0].status"].expected
    )
    assert all(p.file.endswith("findings.yaml") for p in caught.value.problems)


def test_status_is_read_case_insensitively(tmp_path):
    path = write(
        tmp_path,
        "recommendations:\n  - {id: 7, text: T, owner: O, due: 2016-06-30, status: In Progress}\n",
    )
    (rec,) = load_findings(path).recommendations
    assert (rec.id, rec.status, rec.theme_id) == ("7", "in progress", None)


def params(audit_id: str, date: str) -> AuditParams:
    return AuditParams(
        audit_id=audit_id, title=audit_id, service="S", audit_date=date, data_file="x.csv",
        framework="yjb-audit-2016",
    )  # fmt: skip


def rec(rec_id: str, status: str, owner: str = "Head") -> Recommendation:
    return Recommendation(rec_id, f"Do {rec_id}", owner, "2016-06-30", status, "planning")


def test_an_earlier_recommendation_shows_its_status_now():
    older = Findings(recommendations=(rec("R1", "not started"), rec("R2", "in progress")))
    middle = Findings(recommendations=(rec("R1", "in progress"), rec("R3", "not started")))
    now = Findings(recommendations=(rec("R1", "done", owner="Deputy"), rec("R4", "not started")))
    earlier = [(params("a-2015", "2015-03-01"), older), (params("a-2016", "2016-03-01"), middle)]
    table = recommendations_table(now, earlier).set_index("id")
    assert list(table.index) == ["R1", "R2", "R3", "R4"]
    assert table.loc["R1", ["made_in", "status_then", "status_now", "owner"]].tolist() == [
        "a-2015", "in progress", "done", "Deputy",
    ]  # fmt: skip
    assert table.loc["R2", "status_now"] == NOT_REVIEWED
    assert table.loc["R3", ["made_in", "status_then"]].tolist() == ["a-2016", "not started"]
    assert table.loc["R4", "made_in"] is None
    assert table.loc["R4", "status_now"] == "not started"


def test_the_2017_sample_follows_up_the_2016_recommendations_through_the_earlier_chain():
    current = load_params(project_root() / "params/bromley-2017.yaml")
    earlier = earlier_findings(current, FRAMEWORK)
    assert [p.audit_id for p, _ in earlier] == ["bromley-2016"]
    now = load_findings(current.findings_path, FRAMEWORK)
    table = recommendations_table(now, earlier).set_index("id")
    assert table.loc["R03", ["status_then", "status_now"]].tolist() == ["in progress", "done"]
    assert table.loc["R14", "status_now"] == NOT_REVIEWED
    assert table["made_in"].isna().sum() == 3  # R16-R18 are new
