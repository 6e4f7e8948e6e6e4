"""Every bundled report's PDF: PDF/UA-1 (the pdfua checker, zero findings) and PDF/A-2u.

The bundled audits are built into a temporary copy of the project with the report notebook
only (its HTML is all the PDF is made from), by ``caseaudit batch`` as a user runs it. Also:
the recommendations table fits the A4 width with more than four rows a page, and copied text
carries no ligature.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook
from pdf_support import is_a4, page_numbers, pdf_engine, pdf_facts  # noqa: F401 - the fixture

from caseaudit_lib.export.html import export_html
from caseaudit_lib.export.pdf import write_pdf
from caseaudit_lib.export.pdfa_check import pdfa_problems
from caseaudit_lib.paths import ROOT_ENV

REPO = Path(__file__).resolve().parent.parent
BUNDLED = sorted(p.stem for p in (REPO / "params").glob("*.yaml"))
# pdfua 0.1.3's empty-heading rule raises on a heading whose /K is an array (as WeasyPrint
# writes them); test_every_heading_has_content below checks that rule instead.
CHECKER_FAULTS = {"UA-14-001"}
LIGATURES = re.compile("[\ufb00-\ufb06]")


@pytest.fixture(scope="module")
def bundled_pdfs(tmp_path_factory, pdf_engine):  # noqa: F811
    root = tmp_path_factory.mktemp("bundled") / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'copy'\n")
    shutil.copytree(REPO / "params", root / "params")
    shutil.copytree(REPO / "data", root / "data")
    shutil.copy2(REPO / "notebooks" / "05_report.ipynb", root / "notebooks")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "caseaudit"), "batch", "params", "--force"],
        env={**os.environ, ROOT_ENV: str(root)},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {name: root / "outputs" / name / "report.pdf" for name in BUNDLED}


@pytest.mark.parametrize("name", BUNDLED)
def test_the_pdfua_checker_finds_nothing(bundled_pdfs, name):
    checker = Path(sys.executable).parent / "pdfua"
    done = subprocess.run(
        [str(checker), "check", "--format", "json", str(bundled_pdfs[name])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(done.stdout)
    assert report["summary"]["errors"] == 0, report["findings"]
    assert report["summary"]["warnings"] == 0, report["findings"]
    assert {s["rule_id"] for s in report["skipped"]} <= CHECKER_FAULTS
    assert report["summary"]["rules_run"] >= 11


@pytest.mark.parametrize("name", BUNDLED)
def test_the_pdf_holds_the_pdfa_2u_rules_and_declares_pdfua(bundled_pdfs, name):
    assert pdfa_problems(bundled_pdfs[name]) == []
    with pikepdf.open(bundled_pdfs[name]) as pdf:
        meta = pdf.open_metadata()
        assert meta.get("{http://www.aiim.org/pdfua/ns/id/}part") == "1"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.Root.Lang) == "en-GB"


@pytest.mark.parametrize("name", BUNDLED)
def test_every_heading_and_figure_has_content_and_header_footer_are_artifacts(bundled_pdfs, name):
    with pikepdf.open(bundled_pdfs[name]) as pdf:
        seen = {"/H1": 0, "/H2": 0, "/Figure": 0}

        def marks(node) -> bool:
            kids = node.get("/K")
            kids = kids if isinstance(kids, pikepdf.Array) else [kids]
            return any(
                isinstance(k, int) or (isinstance(k, pikepdf.Dictionary) and marks(k))
                for k in kids
                if k is not None
            )

        def walk(node):
            kind = str(node.get("/S", ""))
            if kind in seen:
                seen[kind] += 1
                assert marks(node), f"empty {kind}"
            if kind == "/Figure":
                assert len(str(node.get("/Alt", ""))) > 40  # the chart's alt text
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != "/MCR":
                    walk(kid)

        walk(pdf.Root.StructTreeRoot)
        assert seen["/H1"] == 1 and seen["/H2"] >= 5 and seen["/Figure"] >= 3
        first = pikepdf.parse_content_stream(pdf.pages[0])
        artifacts = [
            op
            for op in first
            if str(op.operator) in ("BMC", "BDC") and op.operands[0] == pikepdf.Name.Artifact
        ]
        assert len(artifacts) >= 3  # the title, the footer, "Page N of M"


@pytest.mark.parametrize("name", BUNDLED)
def test_what_was_good_is_kept(bundled_pdfs, name):
    facts = pdf_facts(bundled_pdfs[name])
    assert all(is_a4(size) for size in facts.page_sizes)
    assert page_numbers(facts) == [(n, facts.pages) for n in range(1, facts.pages + 1)]
    assert all(facts.title in text for text in facts.texts)  # the title in the header
    # The box opens page 1; a long one (many recommendations) may push the contents on.
    whole = " ".join(facts.texts)
    assert "At a glance" in facts.texts[0] and whole.index("At a glance") < whole.index("Contents")
    assert facts.links and set(facts.links) <= facts.destinations
    assert "Recommendations" in facts.outline
    document = pdfium.PdfDocument(bundled_pdfs[name])  # what the leak check reads
    try:
        text = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    assert "At a glance" in text and not LIGATURES.search(text)


RECOMMENDATION = (
    "Make sure the officer writing the file affirms the plan with the child and the family, "
    "and that the office files the review on time, every time, with a note of who was there."
)


def test_the_recommendations_table_fits_the_page_with_many_rows_a_page(tmp_path, pdf_engine):  # noqa: F811
    rows = "\n".join(
        f"| R{i:02d} | {RECOMMENDATION} | Planning | Deputy Head of Service | 30 September 2026 "
        f"| March 2025 audit | not started | **in progress** |"
        for i in range(1, 13)
    )
    table = (
        "## Recommendations\n\n| Ref | Recommendation | Theme | Owner | Due | Made | Status then "
        "| Status now |\n|---|---|---|---|---|---|---|---|\n" + rows
    )
    html = export_html(new_notebook(cells=[new_markdown_cell(table)]), tmp_path / "r.html",
                       title="Recommendations", footer="Sample YOS")  # fmt: skip
    pdf = write_pdf(html, tmp_path / "r.pdf", title="Recommendations", footer="Sample YOS")
    document = pdfium.PdfDocument(pdf)
    try:
        refs_by_page = []
        for page in document:
            width = page.get_width()
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            assert not LIGATURES.search(text)
            for i in range(textpage.count_chars()):
                left, _, right, _ = textpage.get_charbox(i)
                assert 0 < left and right < width - 30, "text runs into the right margin"
            refs_by_page.append(re.findall(r"\bR(\d\d)\b", text))
    finally:
        document.close()
    assert len(refs_by_page[0]) > 4  # more than four rows a page
    assert sorted(int(r) for page in refs_by_page for r in page) == list(range(1, 13))
    flat = " ".join(" ".join(pdf_facts(pdf).texts).split())
    assert flat.count("in progress") == 12 and flat.count("30 September 2026") == 12
    assert "file affirms" in flat and "office files" in flat
