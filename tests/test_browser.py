"""Browser test: a freshly executed and exported report renders offline in headless Chromium."""

from __future__ import annotations

import re
import textwrap
import warnings

import pytest
from browser_support import chromium  # noqa: F401 - the fixture
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from caseaudit_lib.export.browser import check_report
from caseaudit_lib.export.html import ExportWarning, export_html

FIGURE_CELL = textwrap.dedent(
    """
    import matplotlib.pyplot as plt
    from IPython.display import display
    fig, ax = plt.subplots(figsize=(4, 2.5))
    ax.barh(["Assessments", "Plans"], [70, 55], color="#0072B2")
    ax.set_title("Scores by theme")
    display(fig, metadata={"caseaudit": {"alt": "Bar chart: Assessments 70%, Plans 55%"}})
    plt.close(fig)
    """
)
NO_ALT_FIGURE_CELL = textwrap.dedent(
    """
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 2, 3], [60, 65, 70], marker="o")
    display(fig)
    plt.close(fig)
    """
)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A small report: a notebook executed here, then exported."""
    nb = new_notebook(
        cells=[
            new_code_cell("audit_id = 'sample'", metadata={"tags": ["parameters"]}),
            new_markdown_cell("## Summary\n\nTwenty cases were audited."),
            new_markdown_cell("### Scores by theme"),
            new_code_cell(FIGURE_CELL),
            new_markdown_cell("## Trend"),
            new_code_cell(NO_ALT_FIGURE_CELL),
            new_code_cell("print('<b>done</b>')"),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    folder = tmp_path_factory.mktemp("browser")
    NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    out = folder / "report.html"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExportWarning)  # the second figure has no alt on purpose
        export_html(nb, out, title="Case file audit: Sample YOS", footer="Sample YOS, 1 March 2016")
    return out


def test_report_renders_offline_in_chromium(report, chromium, tmp_path):  # noqa: F811
    shot = tmp_path / "report.png"
    seen = check_report(report, shot, executable_path=chromium, full_page=True)
    assert seen.blocked_requests == []
    assert seen.page_errors == []
    assert seen.title == "Case file audit: Sample YOS"
    assert seen.h1_visible
    assert seen.toc_links == 3 and seen.broken_toc_links == []
    assert seen.image_count == 2
    assert seen.broken_images == []
    assert seen.images_without_alt == []
    assert seen.ok
    assert shot.stat().st_size > 10_000  # a real full-page screenshot, not an empty one
    # The first figure's alt text came from its display metadata; the second had none and got
    # one from its heading.
    alts = re.findall(r'<img[^>]*\salt="([^"]*)"', report.read_text())
    assert alts == ["Bar chart: Assessments 70%, Plans 55%", "Figure 2: Trend"]


def test_check_report_catches_external_requests_and_broken_images(chromium, tmp_path):  # noqa: F811
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>Bad</title>"
        '<script src="https://cdn.example.org/require.js"></script>'
        '<link rel="stylesheet" href="//cdn.example.org/lab.css"></head>'
        '<body><h1>Bad</h1><nav class="toc"><a href="#missing">Gone</a></nav>'
        '<img src="chart.png" alt="A chart"><img src="data:image/png;base64,AAAA"></body></html>'
    )
    seen = check_report(page, executable_path=chromium)
    # The browser fetches these in parallel, so in no fixed order.
    assert sorted(seen.blocked_requests) == sorted(
        [
            "https://cdn.example.org/require.js",
            "file://cdn.example.org/lab.css",
            (tmp_path / "chart.png").as_uri(),
        ]
    )
    assert seen.broken_toc_links == ["#missing"]
    assert seen.broken_images == [0, 1]
    assert seen.images_without_alt == [1]
    assert not seen.ok
    assert len(seen.problems(str(page))) == 4
