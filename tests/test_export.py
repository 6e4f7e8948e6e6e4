"""Tests for caseaudit_lib.export.html: a code-free, self-contained, offline HTML report."""

from __future__ import annotations

import base64
import os
import re
from html.parser import HTMLParser
from importlib.metadata import version

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.export.html import (
    ExportWarning,
    export_html,
    find_external_resources,
    make_exporter,
)

# A valid 1x1 PNG, so no test needs matplotlib.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d49444154789c6360f8cfc0f01f0005000201a5f6d34b0000000049454e44ae426082"
    )
).decode()
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    '<rect width="10" height="10" fill="#0072B2"/></svg>'
)
FOOTER = "Bromley YOS case file audit, 21 March 2016"


class Page(HTMLParser):
    """The parts of a report page the tests look at."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str | None]] = []
        self.headings: list[tuple[str, str | None]] = []
        self.toc_links: list[str] = []
        self.footer_text = ""
        self.title = ""
        self._stack: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._stack.append(tag)
        if tag == "img":
            self.images.append(attrs)
            self._stack.pop()
        if tag in ("h2", "h3") and "nav" not in self._stack:
            self.headings.append((tag, attrs.get("id")))
        if tag == "a" and "nav" in self._stack:
            self.toc_links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack.pop() != tag:
                pass

    def handle_data(self, data):
        if "footer" in self._stack:
            self.footer_text += data
        if self._stack and self._stack[-1] == "title":
            self.title += data


def report_notebook() -> nbformat.NotebookNode:
    """An 'executed' notebook with everything the export must keep or drop."""
    return new_notebook(
        cells=[
            new_code_cell("audit_id = 'PARAM_DEFAULT_MARKER'", metadata={"tags": ["parameters"]}),
            new_code_cell(
                "audit_id = 'INJECTED_MARKER'",
                metadata={"tags": ["injected-parameters"]},
                outputs=[new_output("stream", name="stdout", text="INJECTED_OUTPUT_MARKER")],
            ),
            new_markdown_cell("## Summary\n\nThe audit looked at 20 cases."),
            new_code_cell(
                "CODE_MARKER = scores.head()",
                execution_count=4,
                outputs=[
                    new_output(
                        "execute_result",
                        execution_count=4,
                        data={
                            "text/html": "<table class='dataframe'><tr><td>KEPT_TABLE</td></tr>"
                            "</table>",
                            "text/plain": "KEPT_TABLE",
                        },
                    )
                ],
            ),
            new_markdown_cell("### Assessments"),
            new_code_cell(
                "plot_themes()",
                execution_count=5,
                outputs=[
                    new_output(
                        "display_data",
                        data={"image/png": PNG, "text/plain": "<Figure>"},
                        metadata={"image/png": {"alt": "Bar chart of theme scores"}},
                    )
                ],
            ),
            new_markdown_cell("### Plans"),
            new_code_cell(
                "plot_svg()",
                execution_count=6,
                outputs=[
                    new_output(
                        "display_data",
                        data={"image/svg+xml": SVG, "text/plain": "<Figure>"},
                        metadata={"caseaudit": {"alt": "Dot plot of plans"}},
                    )
                ],
            ),
            new_markdown_cell(
                "Scratch note REMOVED_MARKDOWN_MARKER", metadata={"tags": ["remove-cell"]}
            ),
            new_code_cell(
                "debug()",
                metadata={"tags": ["remove_cell"]},
                outputs=[new_output("stream", name="stdout", text="REMOVED_OUTPUT_MARKER")],
            ),
            new_markdown_cell("## Findings"),
            new_code_cell(
                "narrative()",
                execution_count=7,
                outputs=[
                    new_output(
                        "display_data",
                        data={
                            "text/markdown": "Practice was "
                            "<span class='rating rating-good'>Good</span>."
                        },
                    ),
                    new_output("stream", name="stderr", text="FutureWarning: STDERR_MARKER"),
                ],
            ),
        ]
    )


@pytest.fixture(scope="module")
def exporter():
    return make_exporter()


@pytest.fixture(scope="module")
def page(tmp_path_factory, exporter) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    with pytest.warns(ExportWarning, match="stderr") as caught:
        export_html(
            report_notebook(),
            out,
            title="Case file audit: Bromley",
            footer=FOOTER,
            exporter=exporter,
        )
    # Both figures carry alt text, so stderr is the only warning.
    assert len(caught) == 1
    return out.read_text(encoding="utf-8")


def without_data_uris(text: str) -> str:
    return re.sub(r"data:[^\"'\s)]+", "data:", text)


def test_export_drops_code_prompts_parameters_and_removed_cells(page):
    for marker in (
        "PARAM_DEFAULT_MARKER",
        "INJECTED_MARKER",
        "INJECTED_OUTPUT_MARKER",
        "CODE_MARKER",
        "plot_themes",
        "REMOVED_MARKDOWN_MARKER",
        "REMOVED_OUTPUT_MARKER",
        "STDERR_MARKER",
    ):
        assert marker not in page, marker
    assert "In&nbsp;[" not in page and "In [" not in page
    assert "Out[" not in page
    assert "jp-InputArea-editor" not in page
    assert "KEPT_TABLE" in page
    assert "The audit looked at 20 cases." in page
    assert '<span class="rating rating-good">Good</span>' in page.replace("'", '"')


def test_report_loads_nothing_from_outside_the_file(page):
    assert find_external_resources(page) == []
    text = without_data_uris(page).lower()
    for needle in ("http://", "https://", "//cdn", "<script", "<link", "@import", "url("):
        assert needle not in text, needle
    # The images are inline.
    assert page.count('src="data:image/png;base64,') == 1
    assert page.count('src="data:image/svg+xml;base64,') == 1


def test_title_and_contents_in_heading_order(page):
    parsed = Page(page)
    assert parsed.title == "Case file audit: Bromley"
    assert "<h1>Case file audit: Bromley</h1>" in page
    assert parsed.headings == [
        ("h2", "summary"),
        ("h3", "assessments"),
        ("h3", "plans"),
        ("h2", "findings"),
    ]
    assert parsed.toc_links == ["#summary", "#assessments", "#plans", "#findings"]
    # h3 entries are nested under their h2.
    toc = page[page.index('<nav class="toc"') : page.index("</nav>")]
    assert re.search(r"#summary.*?<ol>.*?#assessments.*?#plans.*?</ol>.*?#findings", toc, re.S)


def test_every_image_has_alt_text(page):
    assert [img["alt"] for img in Page(page).images] == [
        "Bar chart of theme scores",
        "Dot plot of plans",
    ]


def test_missing_alt_gets_the_heading_and_a_warning(tmp_path, exporter):
    nb = new_notebook(
        cells=[
            new_markdown_cell("## Scores by *theme*"),
            new_code_cell("plot()", outputs=[new_output("display_data", data={"image/png": PNG})]),
            new_code_cell(
                "plot()",
                outputs=[
                    new_output(
                        "display_data",
                        data={"image/png": PNG},
                        metadata={"caseaudit": {"title": "Answers by case type"}},
                    )
                ],
            ),
        ]
    )
    out = tmp_path / "r.html"
    with pytest.warns(ExportWarning, match="no alt text"):
        export_html(nb, out, title="T", footer=FOOTER, exporter=exporter)
    alts = [img["alt"] for img in Page(out.read_text()).images]
    assert alts == ["Figure 1: Scores by theme", "Figure 2: Answers by case type"]
    # The caller's notebook is not changed by the export.
    assert "caseaudit" not in nb.cells[1].outputs[0].metadata


def test_footer_has_audit_date_and_version(page):
    footer = " ".join(Page(page).footer_text.split())
    assert "21 March 2016" in footer
    assert f"caseaudit version {version('caseaudit')}" in footer


def test_print_styles(page):
    assert "@media print" in page
    assert "size: A4" in page
    assert "break-inside: avoid" in page


def test_rating_badges_use_the_chart_band_tints(page):
    from caseaudit_lib.present.style import BAND_TINTS

    bands = ["outstanding", "good", "requires-improvement", "inadequate"]
    found = [re.search(rf"\.rating-{b} {{ background: (#\w+);", page).group(1) for b in bands]
    assert [c.upper() for c in found] == [c.upper() for c in BAND_TINTS]


def test_export_from_a_path_and_exporter_reuse(tmp_path, exporter):
    nb_path = tmp_path / "executed.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("## One")]), nb_path)
    first = export_html(nb_path, tmp_path / "a.html", title="First", footer="", exporter=exporter)
    second = export_html(
        new_notebook(cells=[new_markdown_cell("## Two")]),
        tmp_path / "b.html",
        title="Second",
        footer="",
        exporter=exporter,
    )
    assert Page(first.read_text()).title == "First"
    b = second.read_text()
    assert Page(b).title == "Second" and Page(b).toc_links == ["#two"]
    assert "One" not in b


def test_external_resource_is_refused_and_old_report_kept(tmp_path, exporter):
    out = tmp_path / "report.html"
    out.write_text("OLD REPORT")
    nb = new_notebook(
        cells=[
            new_code_cell(
                "show()",
                outputs=[
                    new_output(
                        "display_data",
                        data={
                            "text/html": '<img src="https://cdn.example.org/logo.png" alt="logo">'
                        },
                    )
                ],
            )
        ]
    )
    with pytest.raises(CaseAuditError, match="outside the file") as info:
        export_html(nb, out, title="T", footer=FOOTER, exporter=exporter)
    assert "cdn.example.org" in str(info.value) and "logo.png" not in str(info.value)
    assert out.read_text() == "OLD REPORT"
    assert list(tmp_path.iterdir()) == [out]


@pytest.mark.filterwarnings("ignore::caseaudit_lib.export.html.ExportWarning")
def test_failed_write_leaves_old_report_and_no_temporary_file(tmp_path, exporter, monkeypatch):
    out = tmp_path / "report.html"
    out.write_text("OLD REPORT")

    def fail(fd):
        raise OSError("disk full")

    monkeypatch.setattr("caseaudit_lib.export.atomic.os.fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        export_html(report_notebook(), out, title="T", footer=FOOTER, exporter=exporter)
    assert out.read_text() == "OLD REPORT"
    assert list(tmp_path.iterdir()) == [out]


@pytest.mark.filterwarnings("ignore::caseaudit_lib.export.html.ExportWarning")
def test_failed_render_leaves_old_report(tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    out.write_text("OLD REPORT")
    broken = make_exporter()

    def boom(*args, **kwargs):
        raise RuntimeError("template error")

    monkeypatch.setattr(broken, "from_notebook_node", boom)
    with pytest.raises(RuntimeError, match="template error"):
        export_html(report_notebook(), out, title="T", footer=FOOTER, exporter=broken)
    assert out.read_text() == "OLD REPORT"
    assert list(tmp_path.iterdir()) == [out]


def test_successful_export_replaces_the_old_report(tmp_path, exporter):
    out = tmp_path / "report.html"
    out.write_text("OLD REPORT")
    export_html(
        new_notebook(cells=[new_markdown_cell("## New")]),
        out,
        title="New",
        footer="",
        exporter=exporter,
    )
    assert Page(out.read_text()).title == "New"
    assert out.stat().st_mode & 0o777 == 0o644
    assert list(tmp_path.iterdir()) == [out]


def test_find_external_resources_ignores_links_and_data_uris():
    page = (
        '<a href="https://www.gov.uk">a link a reader may follow</a>'
        '<img src="data:image/png;base64,AAAA" alt="x"><a href="#top">top</a>'
        '<div style="background: url(https://example.org/bg.png)"></div>'
        '<img srcset="small.png 1x, data:image/png;base64,AA 2x" alt="y">'
        '<link rel="stylesheet" href="//cdn.example.org/x.css"><script src="a.js"></script>'
    )
    assert find_external_resources(page) == [
        ("<div style>", "https://example.org/bg.png"),
        ("<img srcset>", "small.png"),
        ("<link href>", "//cdn.example.org/x.css"),
        ("<script src>", "a.js"),
    ]


def test_the_one_atomic_writer_writes_text_and_bytes_and_names_its_temporary_file(tmp_path):
    from caseaudit_lib.build import state
    from caseaudit_lib.export.atomic import TEMP_MARK, temp_name_for, write_atomic

    target = tmp_path / "sub" / "report.html"
    write_atomic(target, "é <p>\n")
    assert target.read_bytes() == "é <p>\n".encode()
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]
    # A temporary name is hidden and carries this process's id, so a later build can tell a
    # leftover of a killed process from a live write; the build state uses the same writer.
    assert temp_name_for(target).name.startswith(f".report.html{TEMP_MARK}{os.getpid()}-")
    assert state.write_atomic is write_atomic
