"""The findings draft: written from the evidence, never overwriting, and building as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseaudit_lib.cli import main
from caseaudit_lib.findings.findings import load_findings
from caseaudit_lib.pipeline import score_params
from caseaudit_lib.present.narrative import Narrative

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params" / "bromley-2017.yaml"


@pytest.fixture(scope="module")
def results():
    return score_params(PARAMS)


def render(results, findings) -> str:
    n = Narrative(results, findings=findings)
    parts = [n.background(), n.conclusion(), n.good_practice(), n.recommendations(), n.annex()]
    for theme in results.framework.themes:
        parts += [n.theme_score(theme.id), n.theme_findings(theme.id)]
    return "\n".join(parts)


@pytest.mark.parametrize("suffix", [".md", ".yaml"])
def test_an_unedited_draft_loads_and_renders(tmp_path, results, suffix, capsys):
    out = tmp_path / f"draft{suffix}"
    assert main(["findings", "draft", str(PARAMS), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    for theme in results.framework.themes:
        assert theme.name in text
    assert "Score: " in text and "Weakest: " in text
    # Evidence by pseudonym, never by case reference.
    some_comment = results.audit.answers.query("comment != ''").iloc[0]
    assert some_comment["case_id"] in text and some_comment["comment"] in text
    assert "BRM-17-" not in text and "BRM-16-" not in text
    findings = load_findings(out, results.framework, audit_id="bromley-2017")
    assert findings.background == () and findings.good_practice == ()
    assert all(not t.findings and not t.further_improvements for t in findings.themes.values())
    # The earlier audit's recommendations, with their status then, to update.
    earlier = load_findings(ROOT / "data" / "findings" / "bromley-2016.yaml")
    assert [r.id for r in findings.recommendations] == [r.id for r in earlier.recommendations]
    assert [r.status for r in findings.recommendations] == [
        r.status for r in earlier.recommendations
    ]
    assert "Dip sample vulnerability" in render(results, findings)


def test_an_edited_markdown_draft_renders_its_findings(tmp_path, results):
    out = tmp_path / "draft.md"
    assert main(["findings", "draft", str(PARAMS), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    text = text.replace("### Findings\n\n-\n", "### Findings\n\n- Plans were SMART.\n", 1)
    text = text.replace("## Good practice\n", "## Good practice\n\n- Voice of the child.\n", 1)
    out.write_text(text, encoding="utf-8")
    findings = load_findings(out, results.framework, audit_id="bromley-2017")
    first = results.framework.themes[0].id
    assert findings.theme(first).findings == ("Plans were SMART.",)
    report = render(results, findings)
    assert "Plans were SMART." in report and "Voice of the child." in report


def test_an_existing_file_is_kept_without_force(tmp_path, capsys):
    out = tmp_path / "draft.md"
    out.write_text("mine")
    assert main(["findings", "draft", str(PARAMS), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err and out.read_text() == "mine"
    assert main(["findings", "draft", str(PARAMS), "--out", str(out), "--force"]) == 0
    assert out.read_text() != "mine"
    assert main(["findings", "draft", str(PARAMS), "--out", str(tmp_path / "d.docx")]) == 2
