"""Findings in Markdown: the same findings as the YAML file, and every fault located by line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from caseaudit_lib.errors import ParamsError
from caseaudit_lib.findings.findings import load_findings
from caseaudit_lib.findings.findings_markdown import parse_markdown_findings
from caseaudit_lib.framework.model import load_framework

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORK = load_framework("yjb-audit-2016")

EXAMPLE = """\
# Findings: case file audit, March 2016
audit_id: bromley-2016

<!-- A note for the analyst: never in the report. -->

## Background

The YJB audited the case files one year after the inspection.
This line goes on the same paragraph.

A second paragraph.

## Conclusion

The direction of travel is upward.

## Good practice

- Case workers knew the young people.
- The restorative justice conference was
  impressive, for the victim too.

## Assessments

### Findings

- Assets were completed on time.

### Further improvements

- **Back-dating** was seen.
-

## Theme: planning

Plans were on the system.

## Recommendations

| id | recommendation | theme | owner | due | status |
|----|----------------|-------|-------|-----|--------|
| R01 | Dip sample plans \\| every two months | Risk and vulnerability | Deputy head |\
 2016-06-30 | Not started |
| R02 | Review Level 1 caseloads | | Head of Service | 2016-05-31 | done |
"""


def test_the_example_reads_as_its_yaml_twin(tmp_path):
    path = tmp_path / "f.md"
    path.write_text(EXAMPLE, encoding="utf-8")
    findings = load_findings(path, FRAMEWORK, audit_id="bromley-2016")
    assert findings.audit_id == "bromley-2016"
    assert findings.background == (
        "The YJB audited the case files one year after the inspection. This line goes on the "
        "same paragraph.",
        "A second paragraph.",
    )
    assert findings.conclusion == "The direction of travel is upward."
    assert findings.good_practice == (
        "Case workers knew the young people.",
        "The restorative justice conference was impressive, for the victim too.",
    )
    assert findings.theme("assessments").findings == ("Assets were completed on time.",)
    assert findings.theme("assessments").further_improvements == ("**Back-dating** was seen.",)
    assert findings.theme("planning").findings == ("Plans were on the system.",)
    r1, r2 = findings.recommendations
    assert (r1.id, r1.text, r1.theme_id, r1.status) == (
        "R01", "Dip sample plans | every two months", "risk_vulnerability", "not started"
    )  # fmt: skip
    assert (r2.theme_id, r2.due, r2.status) == (None, "2016-05-31", "done")


def to_markdown(findings, framework) -> str:
    """Write loaded findings as Markdown, as an analyst would from the YAML file."""
    out = ["# Findings", f"audit_id: {findings.audit_id}", "", "## Background", ""]
    out += [f"- {p}" for p in findings.background]
    out += ["", "## Conclusion", "", findings.conclusion or "", "", "## Good practice", ""]
    out += [f"- {p}" for p in findings.good_practice]
    for theme in framework.themes:
        t = findings.theme(theme.id)
        out += ["", f"## {theme.name}", "", "### Findings", ""]
        out += [f"- {p}" for p in t.findings]
        out += ["", "### Further improvements", ""]
        out += [f"- {p}" for p in t.further_improvements]
    out += ["", "## Recommendations", "", "| id | text | theme | owner | due | status |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for r in findings.recommendations:
        cells = [r.id, r.text, r.theme_id or "", r.owner, r.due, r.status]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("audit", ["bromley-2016", "bromley-2017", "sample-hmip-2025"])
def test_every_bundled_findings_file_reads_the_same_in_markdown(tmp_path, audit):
    import yaml

    params = yaml.safe_load((ROOT / "params" / f"{audit}.yaml").read_text())
    framework = load_framework(params["framework"])
    source = ROOT / params["findings_file"]
    expected = load_findings(source, framework, audit_id=audit)
    md = tmp_path / f"{audit}.md"
    md.write_text(to_markdown(expected, framework), encoding="utf-8")
    got = load_findings(md, framework, audit_id=audit)
    assert (got.background, got.conclusion, got.good_practice) == (
        expected.background, expected.conclusion, expected.good_practice
    )  # fmt: skip
    for theme in framework.themes:
        assert got.theme(theme.id) == expected.theme(theme.id)
    assert got.recommendations == expected.recommendations


def errors(text: str) -> list[str]:
    with pytest.raises(ParamsError) as caught:
        parse_markdown_findings(text, "f.md", FRAMEWORK)
    return caught.value.lines()


def test_a_heading_that_names_no_theme_is_located():
    (line,) = errors("## Background\n\nText.\n\n## Assesments\n\n- x\n")
    assert line.startswith("f.md: line 5: error: heading names no section and no theme")
    assert "did you mean 'Assessments'?" in line


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("Loose text\n## Background\n", "line 1", "text outside any section"),
        ("## Assessments\n### Findings\n- a\n## Assessments\n", "line 4", "second heading"),
        ("## Assessments\n### Evidence\n", "line 2", "heading not expected in a theme"),
        ("## Recommendations\nSome words\n", "line 2", "outside its table"),
        ("## Recommendations\n| id | colour |\n", "line 2", "unknown column"),
    ],
)
def test_structural_faults_name_their_line(text, where, message):
    (line,) = errors(text)
    assert f"f.md: {where}: error:" in line and message in line


def test_value_faults_name_the_line_of_their_row(tmp_path):
    text = (
        "## Recommendations\n\n| id | recommendation | owner | due | status |\n"
        "|---|---|---|---|---|\n"
        "| R1 | Do it | Ann | soon | done |\n| R2 | Do more | Bo | 2016-01-01 | complete |\n"
        "| R3 | | Cy | 2016-01-01 | done |\n"
    )
    path = tmp_path / "f.md"
    path.write_text(text)
    with pytest.raises(ParamsError) as caught:
        load_findings(path, FRAMEWORK)
    lines = caught.value.lines()
    assert any(re.search(r"f\.md: line 5 \(due\): error: not a date", x) for x in lines), lines
    assert any(re.search(r"f\.md: line 6 \(status\): error: not a status", x) for x in lines)
    assert any(re.search(r"f\.md: line 7 \(text\): error: missing required key", x) for x in lines)


def test_findings_of_another_audit_are_refused(tmp_path):
    path = tmp_path / "f.md"
    path.write_text("audit_id: other\n\n## Background\n\nText.\n")
    with pytest.raises(ParamsError, match="line 1.*findings of another audit"):
        load_findings(path, FRAMEWORK, audit_id="bromley-2016")


def test_the_complete_example_of_docs_report_md_loads(tmp_path):
    docs = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```markdown\n(.*?)```", docs, flags=re.DOTALL)
    path = tmp_path / "example.md"
    path.write_text(example, encoding="utf-8")
    findings = load_findings(path, FRAMEWORK, audit_id="bromley-2016")
    assert len(findings.background) == 2 and len(findings.good_practice) == 2
    assert findings.theme("risk_vulnerability").findings
    assert [(r.id, r.theme_id, r.status) for r in findings.recommendations] == [
        ("R01", "risk_vulnerability", "not started"),
        ("R06", None, "in progress"),
    ]


def test_the_bundled_markdown_findings_are_the_2016_findings():
    yaml_findings = load_findings(ROOT / "data/findings/bromley-2016.yaml", FRAMEWORK)
    md = load_findings(ROOT / "data/findings/bromley-2016-split.md", FRAMEWORK,
                       audit_id="bromley-2016-split")  # fmt: skip
    assert md.background == yaml_findings.background
    assert md.conclusion == yaml_findings.conclusion
    assert md.good_practice == yaml_findings.good_practice
    assert dict(md.themes) == dict(yaml_findings.themes)
    assert md.recommendations == yaml_findings.recommendations
