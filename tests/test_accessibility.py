"""axe-core in Chromium: it finds what it should, and an exported report has no violation.

The bundled audits' real reports and the overview are checked in tests/test_board.py.
"""

from __future__ import annotations

from axe_support import axe_violations
from browser_support import chromium  # noqa: F401 - the fixture
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from test_export import PNG

from caseaudit_lib.export.html import export_html
from caseaudit_lib.present.glance import TOC_HERE


def test_axe_finds_the_violations_of_a_bad_page(tmp_path, chromium):  # noqa: F811
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>Bad</title></head><body>"
        f'<img src="data:image/png;base64,{PNG}">'
        '<p style="color:#bbbbbb;background:#ffffff">Pale grey text on white</p>'
        '<a href="#x"></a></body></html>'
    )
    found = {v["id"] for v in axe_violations(page, chromium)}
    assert {"image-alt", "color-contrast", "link-name", "html-has-lang"} <= found


def test_an_exported_report_with_the_box_and_a_table_has_no_violation(tmp_path, chromium):  # noqa: F811
    box = (
        '<section class="glance" aria-labelledby="at-a-glance"><h2 id="at-a-glance">At a glance'
        '</h2><table><caption>Themes</caption><thead><tr><th scope="col">Theme</th>'
        '<th scope="col">Rating</th></tr></thead><tbody><tr><th scope="row">Planning</th>'
        '<td><span class="rating rating-good">Good</span></td></tr></tbody></table></section>'
        + TOC_HERE
    )
    nb = new_notebook(
        cells=[
            new_code_cell("", outputs=[new_output("display_data", data={"text/html": box})]),
            new_markdown_cell("## Background\n\nTwenty cases were audited."),
            new_code_cell(
                "",
                outputs=[
                    new_output(
                        "display_data",
                        data={"image/png": PNG},
                        metadata={"caseaudit": {"alt": "A one-pixel chart"}},
                    )
                ],
            ),
            new_markdown_cell("## Recommendations\n\n| id | text |\n|---|---|\n| R1 | Plan |"),
        ]
    )
    out = export_html(nb, tmp_path / "report.html", title="Audit <YOS>", footer="YOS, 2016")
    assert axe_violations(out, chromium) == []
