"""The regional view, outputs/region.html (export/region.py, build/region.py): pages from tables.

Each service's published tables are written by hand (a theme and a case table, as a build
leaves them), so the pages are made in a second, without building any audit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from axe_support import axe_violations
from browser_support import chromium  # noqa: F401 - the fixture

from caseaudit_lib.build.overview import rebuild_overview
from caseaudit_lib.build.region import rebuild_region
from caseaudit_lib.config.params import AuditParams, load_params
from caseaudit_lib.errors import ParamsError
from caseaudit_lib.export.html import find_external_resources
from caseaudit_lib.export.overview import AuditEntry
from caseaudit_lib.export.region import write_region_pages

MINI = Path(__file__).parent / "data" / "frameworks" / "mini.yaml"
THEMES = (("assessment", "Assessment"), ("planning", "Planning"))
PER_CASE = 5  # applicable answers per case and theme


def service(outputs: Path, audit_id: str, name: str, p: float, *, cases: int = 20,
            date: str = "2025-03-01", region: str | None = None) -> AuditParams:  # fmt: skip
    """Write one audit's published tables (every case scoring about p) and return its params."""
    theme_rows, case_rows = [], []
    for theme_id, theme in THEMES:
        # Cases alternate one answer either side of p, so answers cluster a little by case.
        sufficient = [
            min(PER_CASE, max(0, round(p * PER_CASE) + (1 if i % 2 else -1) * (0 < p < 1)))
            for i in range(cases)
        ]
        for i, s in enumerate(sufficient):
            case_rows.append({"audit_id": audit_id, "case_id": f"c{i:03d}", "theme_id": theme_id,
                              "n_applicable": PER_CASE, "n_sufficient": s})  # fmt: skip
        n_app, n_suf = PER_CASE * cases, sum(sufficient)
        theme_rows.append({"audit_id": audit_id, "theme_id": theme_id, "theme": theme,
                           "scoring": "pooled", "n_cases": cases, "n_applicable": n_app,
                           "n_sufficient": n_suf, "score_pct": round(100 * n_suf / n_app, 1),
                           "ci_low_pct": 0.0, "ci_high_pct": 100.0, "rating": "Good"})  # fmt: skip
    tables = outputs / audit_id / "tables"
    tables.mkdir(parents=True)
    pd.DataFrame(theme_rows).to_csv(tables / "theme_scores.csv", index=False)
    pd.DataFrame(case_rows).to_csv(tables / "case_scores.csv", index=False)
    (outputs / audit_id / "report.html").write_text("<!DOCTYPE html><title>r</title>")
    return AuditParams(audit_id=audit_id, title=f"Audit {audit_id}", service=name,
                       audit_date=date, data_file=f"data/{audit_id}.csv", framework=str(MINI),
                       region=region)  # fmt: skip


def text_of(page: Path) -> str:
    """Return a page's words, tags and the stylesheet removed, spaces collapsed."""
    html = page.read_text(encoding="utf-8")
    html = re.sub(r"<style>.*?</style>|<img[^>]*>", " ", html, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def planted(tmp_path) -> tuple[Path, list[AuditParams]]:
    outputs = tmp_path / "outputs"
    scores = {"Alpha": 0.6, "Bravo": 0.56, "Charlie": 0.64, "Delta": 0.58, "Echo": 0.62}
    params = [
        service(outputs, f"svc-{i}", f"Synthetic {name}", p)
        for i, (name, p) in enumerate(scores.items())
    ]
    params.append(service(outputs, "svc-9", "Synthetic Far Below", 0.1, cases=20))
    return outputs, params


def test_a_service_planted_far_below_is_named_in_words_and_in_the_table(planted):
    outputs, params = planted
    (page,) = write_region_pages(params, outputs)
    assert page == outputs / "region.html"
    words = text_of(page)
    assert words.count("Below the lower 99.8% limit: Synthetic Far Below.") == 2
    assert words.count("No service is above the upper 99.8% limit.") == 2
    row = re.search(
        r"Synthetic Far Below March 2025 (\d+)% 20 \d+ .*? (\w+) the lower 99.8%", words
    )
    assert row and row.groups() == ("10", "below")
    assert "Synthetic Alpha March 2025 60%" in words
    assert find_external_resources(page.read_text(encoding="utf-8")) == []


def test_services_all_within_the_limits_are_named_none(tmp_path):
    outputs = tmp_path / "outputs"
    params = [
        service(outputs, f"svc-{i}", f"Synthetic {i}", p, cases=n)
        for i, (p, n) in enumerate([(0.6, 20), (0.6, 24), (0.6, 16), (0.8, 14)])
    ]
    (page,) = write_region_pages(params, outputs)
    words = text_of(page)
    assert words.count("No service is above the upper 99.8% limit.") == 2
    assert words.count("No service is below the lower 99.8% limit.") == 2
    assert words.count("Every service is within the range expected by chance.") == 2
    assert "Below the lower" not in words and "Above the upper" not in words


def test_fewer_than_three_services_make_no_page_and_a_stale_page_goes(tmp_path):
    outputs = tmp_path / "outputs"
    params = [service(outputs, f"svc-{i}", f"Synthetic {i}", 0.6) for i in range(2)]
    (outputs / "region.html").write_text("old")
    assert write_region_pages(params, outputs) == []
    assert not (outputs / "region.html").exists()


def test_a_small_sample_is_noted_and_typed_text_is_escaped(tmp_path):
    outputs = tmp_path / "outputs"
    params = [
        service(outputs, "svc-0", "Synthetic <b>Bold</b> & Co", 0.6),
        service(outputs, "svc-1", "Synthetic Tiny", 0.6, cases=8),
        service(outputs, "svc-2", "Synthetic Three", 0.6, region=None),
    ]
    (page,) = write_region_pages(params, outputs)
    html = page.read_text(encoding="utf-8")
    assert "<b>Bold</b>" not in html and "Synthetic &lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html
    words = text_of(page)
    assert "Small samples. Synthetic Tiny has fewer than 14 cases" in words
    assert "Synthetic Tiny (small sample)" in words


def test_several_regions_get_a_page_each_and_region_html_lists_them(tmp_path):
    outputs = tmp_path / "outputs"
    params = [
        service(outputs, f"{r[0].lower()}-{i}", f"Synthetic {r} {i}", 0.6, region=r)
        for r in ("North & East", "South")
        for i in range(3)
    ]
    pages = write_region_pages(params, outputs)
    names = sorted(p.name for p in pages)
    assert names == ["region-north-east-mini.html", "region-south-mini.html", "region.html"]
    index = (outputs / "region.html").read_text(encoding="utf-8")
    assert 'href="region-north-east-mini.html"' in index and "North &amp; East" in index
    assert 'href="region.html"' in (outputs / "region-south-mini.html").read_text()


def test_audits_in_two_years_show_the_pooled_trend(tmp_path):
    outputs = tmp_path / "outputs"
    params = [
        service(outputs, f"svc-{i}-{y}", f"Synthetic {i}", p, date=f"{y}-03-01")
        for i in range(3)
        for y, p in ((2024, 0.4), (2025, 0.8))
    ]
    (page,) = write_region_pages(params, outputs)
    words = text_of(page)
    assert "Over the years" in words
    assert re.search(r"2024 Assessment 3 40% \d+%–\d+% 60", words)
    assert re.search(r"2025 Assessment 3 80% \d+%–\d+% 60", words)
    # The funnels show each service's latest audit only.
    assert "Synthetic 0 March 2025 80%" in words and "Synthetic 0 March 2024" not in words


def test_a_leak_in_a_region_page_deletes_it_and_is_reported(planted):
    outputs, params = planted
    entries = [AuditEntry(p) for p in params]
    identifiers = {p.audit_id: set() for p in params}
    identifiers["svc-0"] = {"Synthetic Alpha"}
    problems = rebuild_region(entries, outputs, identifiers=identifiers)
    assert problems and "svc-0 (identifying columns)" in str(problems[0])
    assert "Synthetic Alpha" not in str(problems[0])
    assert not (outputs / "region.html").exists()


def test_the_overview_links_the_regional_page(tmp_path):
    outputs = tmp_path / "outputs"
    folder = tmp_path / "params"
    folder.mkdir()
    for i in range(3):
        params = service(outputs, f"svc-{i}", f"Synthetic {i}", 0.6, region="Synthetic")
        (folder / f"svc-{i}.yaml").write_text(
            f"audit_id: svc-{i}\ntitle: Audit {i}\nservice: Synthetic {i}\nregion: Synthetic\n"
            f"audit_date: '2025-03-01'\ndata_file: data/svc-{i}.csv\nframework: {MINI}\n"
        )
        assert load_params(folder / f"svc-{i}.yaml", check_files=False).region == params.region
    page, problems = rebuild_overview([folder], outputs_root=outputs)
    assert problems == []
    assert '<a href="region.html">The regional view</a>' in page.read_text(encoding="utf-8")
    assert "Regional view: Synthetic, Mini test framework" in text_of(outputs / "region.html")


def test_region_must_be_text(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "audit_id: a\ntitle: t\nservice: s\nregion: 12\naudit_date: '2025-03-01'\n"
        f"data_file: d.csv\nframework: {MINI}\n"
    )
    with pytest.raises(ParamsError, match="region"):
        load_params(path, check_files=False)


def test_axe_core_finds_no_violation_in_the_regional_page(planted, chromium):  # noqa: F811
    outputs, params = planted
    (page,) = write_region_pages(params, outputs)
    assert axe_violations(page, chromium) == []


def test_a_theme_no_service_scored_says_so_and_dollars_in_names_are_text(tmp_path):
    outputs = tmp_path / "outputs"
    params = [service(outputs, f"svc-{i}", f"Synthetic ${i}$ ^", 0.6) for i in range(3)]
    for p in params:
        table = outputs / p.audit_id / "tables" / "theme_scores.csv"
        themes = pd.read_csv(table)
        themes.loc[themes["theme_id"] == "planning", "score_pct"] = None
        themes.to_csv(table, index=False)
    (page,) = write_region_pages(params, outputs)
    words = text_of(page)
    assert "Planning No service has a score for this theme." in words
    assert "Synthetic $0$ ^" in words


def test_a_page_that_cannot_be_made_is_one_problem_and_the_overview_is_still_written(tmp_path):
    outputs = tmp_path / "outputs"
    folder = tmp_path / "params"
    folder.mkdir()
    for i in range(3):
        service(outputs, f"svc-{i}", f"Synthetic {i}", 0.6)
        (folder / f"svc-{i}.yaml").write_text(
            f"audit_id: svc-{i}\ntitle: Audit {i}\nservice: Synthetic {i}\n"
            f"audit_date: '2025-03-01'\ndata_file: data/svc-{i}.csv\nframework: {MINI}\n"
        )
    # A case table without its counts, as no build writes it.
    (outputs / "svc-1" / "tables" / "case_scores.csv").write_text("case_id,theme_id\nc1,planning\n")
    page, problems = rebuild_overview([folder], outputs_root=outputs)
    assert page is not None and page.is_file()
    (problem,) = problems
    assert "the regional view was not rebuilt: KeyError" in str(problem)
    assert "Traceback" not in str(problem) and "\n" not in str(problem)


def test_the_regional_page_shows_percentages_by_the_one_rounding_rule():
    # Issue 20: the whole percentage shown beside a band is rounded half up (64.5 is "65%",
    # Good from 65), never Python's half to even ("64%").
    from caseaudit_lib.export import region

    pct = region._environment().filters["pct"]
    assert pct(64.5) == "65%" and pct(79.5) == "80%" and pct(float("nan")) == "no data"
