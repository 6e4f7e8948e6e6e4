"""Tests for caseaudit_lib.export.pdf: report.pdf from the report's HTML, read back with pypdf."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from pdf_support import is_a4, page_numbers, pdf_engine, pdf_facts  # noqa: F401 - the fixture

from caseaudit_lib import cli
from caseaudit_lib.build.audit_build import print_pdf
from caseaudit_lib.build.batch import AuditOutcome, BatchSummary, BuildFailed
from caseaudit_lib.config.params import load_params
from caseaudit_lib.export import pdf as pdf_module
from caseaudit_lib.export.html import export_html
from caseaudit_lib.export.pdf import INSTALL_HINT, PDF_SKIPPED, pdf_required, write_pdf
from caseaudit_lib.export.pdf_engine import css_string, page_css
from caseaudit_lib.export.printer import ENGINE_ENV, close_printers, engine_command, printer_for
from caseaudit_lib.present.glance import TOC_HERE
from caseaudit_lib.privacy.leakcheck import scan_outputs

REPO = Path(__file__).resolve().parent.parent
TITLE = 'Audit of "A & B" <YOS>'
FOOTER = "Sample YOS: case file audit on 1 March 2016"
PARAGRAPH = (
    "The auditors read every case file in the sample and answered each question of the "
    "framework for it; the paragraph is repeated so that the report runs over several pages. "
)


def long_notebook(extra: str = ""):
    """A report notebook with a box before the contents and three long sections."""
    box = (
        '<section class="glance" aria-labelledby="g"><h2 id="g">At a glance</h2>'
        "<p>20 cases read by 7 auditors.</p></section>" + TOC_HERE
    )
    cells = [
        new_code_cell(
            "", outputs=[new_output("display_data", data={"text/html": box, "text/plain": ""})]
        )
    ]
    for name in ("Background", "Assessments", "Recommendations"):
        cells.append(new_markdown_cell(f"## {name}\n\n" + "\n\n".join([PARAGRAPH * 4] * 6)))
    cells.append(new_markdown_cell("## Annex\n\n" + extra))
    return new_notebook(cells=cells)


@pytest.fixture(scope="module")
def printed(tmp_path_factory, pdf_engine):  # noqa: F811
    folder = tmp_path_factory.mktemp("pdf")
    html = export_html(
        long_notebook("Notes on Zebedee Griffin."),
        folder / "report.html",
        title=TITLE,
        footer=FOOTER,
    )
    return write_pdf(html, folder / "report.pdf", title=TITLE, footer=FOOTER)


def test_the_pdf_is_a4_with_page_n_of_m_on_every_page(printed):
    facts = pdf_facts(printed)
    assert facts.pages >= 3
    assert all(is_a4(size) for size in facts.page_sizes)
    assert page_numbers(facts) == [(n, facts.pages) for n in range(1, facts.pages + 1)]
    # The running header and footer: the title (escaped, so shown as typed) and the date.
    for text in facts.texts:
        assert TITLE in text and FOOTER in text


def test_the_pdf_is_tagged_searchable_and_opens_with_the_box_then_the_contents(printed):
    facts = pdf_facts(printed)
    assert facts.tagged and facts.lang == "en-GB"
    assert facts.title == TITLE
    first = facts.texts[0]
    assert first.index("At a glance") < first.index("Contents") < first.index("Background")
    assert "answered each question of the framework" in " ".join(facts.texts)


def test_the_contents_links_and_outline_lead_to_the_sections(printed):
    facts = pdf_facts(printed)
    assert facts.links == ["background", "assessments", "recommendations", "annex"]
    assert set(facts.links) <= facts.destinations
    assert {"Background", "Assessments", "Recommendations", "Annex"} <= set(facts.outline)


def test_the_leak_check_reads_the_pdf_text_ligatures_and_all(printed):
    # Printed without ligatures now, but a PDF from elsewhere may hold "ﬃ" as one glyph: the
    # check folds it back either way.
    problems = scan_outputs([printed], {"name": ["Zebedee Griffin"]})
    assert len(problems) == 1
    assert problems[0].cell.startswith("page ") and "Zebedee" not in str(problems[0])
    assert scan_outputs([printed], {"name": ["Quentin Blake"]}) == []


def test_the_leak_check_reads_a_pdf_made_without_chromium(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"pdf.fonttype": 42}):
        fig = plt.figure()
        fig.text(0.1, 0.5, "Case notes for Zebedee Quillfeather, born 19/07/2002")
        fig.savefig(tmp_path / "notes.pdf")
        plt.close(fig)
    problems = scan_outputs(
        [tmp_path / "notes.pdf"], {"name": ["Zebedee Quillfeather"], "dob": ["2002-07-19"]}
    )
    assert [p.cell for p in problems] == ["page 1", "page 1"]


def test_header_and_footer_escape_typed_text():
    typed = '<script>alert(1)</script> & Co"; } @page { content: url(x)'
    quoted = css_string(typed)
    # Nothing of the typed text can close the string, the rule or open a url().
    assert quoted.startswith('"') and quoted.endswith('"') and '"' not in quoted[1:-1]
    assert not any(c in quoted[1:-1] for c in "<>;{}()&")
    page = page_css(typed, "<b>YOS</b>")
    assert "<script>" not in page and "<b>" not in page and "url(x)" not in page
    assert '"Page " counter(page) " of " counter(pages)' in page


@pytest.mark.parametrize(
    ("value", "required"),
    [(None, False), ("", False), ("0", False), ("false", False), ("true", True), ("1", True)],
)
def test_the_pdf_is_required_under_ci(monkeypatch, value, required):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert pdf_required() is required


def missing_engine(tmp_path: Path) -> str:
    """A command line for an engine that cannot start (as WeasyPrint without Pango)."""
    script = tmp_path / "engine.py"
    script.write_text("import sys\nsys.exit('WeasyPrint could not be loaded: no Pango')\n")
    return f"{sys.executable} {script}"


@pytest.fixture
def no_engine(monkeypatch, tmp_path):
    # An engine that cannot start, as WeasyPrint without Pango.
    monkeypatch.setenv(ENGINE_ENV, missing_engine(tmp_path))
    close_printers()
    report = tmp_path / "report.html"
    report.write_text("<!DOCTYPE html><title>t</title><h1>t</h1>")
    yield report
    close_printers()


def test_without_a_pdf_engine_the_build_skips_the_pdf_with_a_note(no_engine, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    params = load_params(REPO / "params" / "bromley-2016.yaml", check_files=False)
    assert print_pdf(no_engine, params, no_engine.parent) == ([], PDF_SKIPPED)
    assert not (no_engine.parent / "report.pdf").exists()


def test_without_a_pdf_engine_under_ci_the_build_fails(no_engine, monkeypatch):
    monkeypatch.setenv("CI", "true")
    params = load_params(REPO / "params" / "bromley-2016.yaml", check_files=False)
    with pytest.raises(BuildFailed, match="report.pdf.*CI.*install-pdf-engine.sh"):
        print_pdf(no_engine, params, no_engine.parent)


def test_the_command_says_once_that_pdfs_were_skipped_and_how_to_install(tmp_path, capsys):
    outcomes = [
        AuditOutcome(f"a{i}", tmp_path / f"a{i}.yaml", "built", message=PDF_SKIPPED)
        for i in range(2)
    ]
    assert cli._after_build([tmp_path], BatchSummary(outcomes)) == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert "report.pdf skipped for 2 audits" in lines[0] and INSTALL_HINT in lines[0]


def test_the_pdf_module_needs_and_downloads_no_browser():
    from caseaudit_lib.export import pdf_engine as engine_module
    from caseaudit_lib.export import printer

    source = "".join(Path(m.__file__).read_text() for m in (pdf_module, printer, engine_module))
    # No browser at all: WeasyPrint lays the page out itself.
    assert "playwright" not in source and "chromium" not in source.lower()
    assert 'URLFetcher(allowed_protocols=("data",)' in Path(engine_module.__file__).read_text()


def test_an_engine_that_cannot_start_is_missing_but_a_failed_print_fails(tmp_path, monkeypatch):
    # One that cannot start is "missing" (skipped outside
    # CI); one that started but failed the print fails the build.
    monkeypatch.delenv("CI", raising=False)
    report = tmp_path / "report.html"
    report.write_text("<!DOCTYPE html><title>t</title><h1>t</h1>")
    params = load_params(REPO / "params" / "bromley-2016.yaml", check_files=False)
    monkeypatch.setenv(ENGINE_ENV, missing_engine(tmp_path))
    close_printers()
    try:
        assert print_pdf(report, params, tmp_path) == ([], PDF_SKIPPED)
    finally:
        close_printers()

    def failing_print(*args, **kwargs):
        raise pdf_module.CaseAuditError("the PDF could not be printed: out of memory")

    monkeypatch.setattr(pdf_module, "write_pdf", failing_print)
    with pytest.raises(BuildFailed, match="report.pdf failed: .*out of memory"):
        print_pdf(report, params, tmp_path)


def test_installing_the_pdf_engine_changes_the_manifest_so_a_skipped_pdf_is_made(monkeypatch):
    import ctypes.util

    from caseaudit_lib import manifest

    params = REPO / "params" / "bromley-2016.yaml"
    manifest.pdf_engine_version.cache_clear()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    without = manifest.pdf_engine_version()
    assert without.endswith("pango missing")
    digest_without = manifest.audit_manifest(params, pdf_engine=without).digest(manifest.REPORT)
    manifest.pdf_engine_version.cache_clear()
    monkeypatch.undo()
    with_pango = manifest.pdf_engine_version()
    assert digest_without != manifest.audit_manifest(params).digest(manifest.REPORT)
    assert "pango missing" not in with_pango or not ctypes.util.find_library("pango-1.0")


def test_one_engine_prints_many_reports_each_with_its_own_header(tmp_path, pdf_engine):  # noqa: F811
    # One engine process (no longer Chromium) serves every print of a process.
    printer = printer_for(engine_command())
    before = printer.launches
    titles = ["First & report", "Second <report>"]
    for i, title in enumerate(titles):
        html = export_html(long_notebook(), tmp_path / f"r{i}.html", title=title, footer=FOOTER)
        pdf = write_pdf(html, tmp_path / f"r{i}.pdf", title=title, footer=FOOTER)
        assert all(title in text for text in pdf_facts(pdf).texts)
    assert printer.launches - before <= 1  # at most the first print started an engine


def test_a_crashed_engine_is_started_again_for_the_next_print(tmp_path, pdf_engine):  # noqa: F811
    html = export_html(long_notebook(), tmp_path / "r.html", title=TITLE, footer=FOOTER)
    write_pdf(html, tmp_path / "a.pdf", title=TITLE, footer=FOOTER)
    printer = printer_for(engine_command())
    launches = printer.launches
    printer._process.kill()  # as if the engine had died between two prints
    printer._process.wait()
    write_pdf(html, tmp_path / "b.pdf", title=TITLE, footer=FOOTER)
    assert printer.launches == launches + 1
    assert all(is_a4(size) for size in pdf_facts(tmp_path / "b.pdf").page_sizes)


def test_the_engine_lets_nothing_but_the_report_load_print_after_print(tmp_path, pdf_engine):  # noqa: F811
    import http.server
    import threading

    asked = []

    class Counting(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        outside = f"http://127.0.0.1:{server.server_port}"
        for i in range(2):
            page = tmp_path / f"r{i}.html"
            page.write_text(
                f'<!DOCTYPE html><title>t</title><h1>t</h1><img src="{outside}/{i}.png" alt="x">'
                f'<link rel="stylesheet" href="{outside}/{i}.css">'
            )
            write_pdf(page, tmp_path / f"r{i}.pdf", title=TITLE, footer=FOOTER)
    finally:
        server.shutdown()
    assert asked == []
