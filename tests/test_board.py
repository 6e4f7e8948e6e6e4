"""The board's outputs as ``make report`` writes them: every bundled audit built by the command.

One batch (``caseaudit batch params/``, as ``make report`` runs it) over a copy of the project:
each report has its report.pdf beside it, read back with pypdf, and the overview
``outputs/index.html``; axe-core then finds no accessibility violation in any report nor in the
overview. The build takes a minute or two; the other tests of the board outputs are fast.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from axe_support import axe_violations
from browser_support import chromium  # noqa: F401 - the fixture
from pdf_support import is_a4, page_numbers, pdf_facts
from test_report import NOTEBOOKS, make_project

from caseaudit_lib import cli
from caseaudit_lib.config.params import load_params
from caseaudit_lib.export.browser import check_report
from caseaudit_lib.paths import ROOT_ENV
from caseaudit_lib.score.ratings import pct_text

AUDITS = tuple(sorted(p.stem for p in (Path(__file__).parents[1] / "params").glob("*.yaml")))


@pytest.fixture(scope="module")
def board(tmp_path_factory, chromium):  # noqa: F811 - Chromium must be there to print PDFs
    root = make_project(tmp_path_factory.mktemp("board"), NOTEBOOKS)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ROOT_ENV, str(root))
        mp.chdir(root)
        code = cli.main(["batch", "params", "--workers", "2", "--no-progress"])
    assert code == 0
    return root


def test_every_report_has_its_pdf_and_the_overview_is_written(board):
    outputs = board / "outputs"
    for audit_id in AUDITS:
        assert (outputs / audit_id / "report.html").is_file()
        assert (outputs / audit_id / "report.pdf").stat().st_size > 50_000
    assert (outputs / "index.html").is_file()


def test_the_bundled_region_is_compared_and_its_weak_service_named(board):
    page = (board / "outputs" / "region.html").read_text(encoding="utf-8")
    words = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Regional view: Synthetic region" in words
    assert "Below the lower 99.8% limit: Synthetic Service E." in words
    assert "Small samples. Synthetic Service B has fewer than 14 cases" in words


@pytest.mark.parametrize("audit_id", AUDITS)
def test_each_pdf_reads_back_numbered_tagged_and_opening_with_the_glance(board, audit_id):
    params = load_params(board / "params" / f"{audit_id}.yaml", check_files=False)
    facts = pdf_facts(board / "outputs" / audit_id / "report.pdf")
    assert facts.tagged and all(is_a4(size) for size in facts.page_sizes)
    assert page_numbers(facts) == [(n, facts.pages) for n in range(1, facts.pages + 1)]
    assert facts.title == params.title
    first = facts.texts[0]
    # The box opens the PDF; the contents follow it (on the next page if the box is long).
    assert first.index(params.title) < first.index("At a glance")
    assert " ".join(facts.texts).index("At a glance") < " ".join(facts.texts).index("Contents")
    themes = pd.read_csv(board / "outputs" / audit_id / "tables" / "theme_scores.csv")
    for row in themes.itertuples():
        if pd.isna(row.score_pct):  # resettlement without its cases: rated on its own
            assert f"{row.theme} no rating not rated" in first
            continue
        # The table keeps one decimal (81.5 may be 81.46, shown as 81%): the whole percentage
        # shown is within half a point of it, beside the table's rating.
        shown = re.search(rf"{re.escape(row.theme)} {row.rating} (\d+)%", first)
        assert shown and abs(int(shown.group(1)) - row.score_pct) <= 0.5
    assert facts.links and set(facts.links) <= facts.destinations
    assert "Recommendations" in facts.outline
    if audit_id == "sample-hmip-2025":
        assert re.search(r"Overall on HMIP's rules: \w+, \d+ of 36 points", first)


@pytest.mark.parametrize(
    "page", [*(f"{a}/report.html" for a in AUDITS), "index.html", "region.html"]
)
def test_axe_core_finds_no_violation_in_any_report_or_the_overview(board, chromium, page):  # noqa: F811
    assert axe_violations(board / "outputs" / page, chromium) == []


def test_the_overview_links_every_report_and_shows_the_tables(board, chromium):  # noqa: F811
    outputs = board / "outputs"
    page = (outputs / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)"', page)
    reports = [f"{a}/report.{ext}" for a in AUDITS for ext in ("html", "pdf")]
    assert sorted(links) == sorted([*reports, "region.html"])  # and the synthetic region's view
    for audit_id in AUDITS:
        row = re.search(rf'<tr data-audit="{audit_id}">(.*?)</tr>', page, re.DOTALL).group(1)
        themes = pd.read_csv(outputs / audit_id / "tables" / "theme_scores.csv")
        for t in themes.itertuples():
            cell = re.search(rf'<td data-theme="{t.theme_id}">(.*?)</td>', row, re.DOTALL)
            text = " ".join(re.sub(r"<[^>]+>", " ", cell.group(1)).split())
            if pd.isna(t.score_pct):  # resettlement without its cases
                assert text.startswith("no rating not rated")
                continue
            interval = f"{pct_text(t.ci_low_pct)}–{pct_text(t.ci_high_pct)}"
            assert text.startswith(f"{t.rating} {pct_text(t.score_pct)} 95% interval {interval}")
    comparison = pd.read_csv(outputs / "bromley-2017" / "tables" / "comparison.csv")
    improved = comparison[(comparison.baseline_id == "bromley-2016")].set_index("theme_id")
    row = re.search(r'<tr data-audit="bromley-2017">(.*?)</tr>', page, re.DOTALL).group(1)
    for theme_id, verdict in improved["verdict"].items():
        assert re.search(rf'data-theme="{theme_id}">.*?{verdict} since March 2016', row, re.DOTALL)
    seen = check_report(outputs / "index.html", executable_path=chromium)
    services = {load_params(board / "params" / f"{a}.yaml", check_files=False).service
                for a in AUDITS}  # fmt: skip
    assert seen.ok and seen.image_count == len(services)  # one chart per service
