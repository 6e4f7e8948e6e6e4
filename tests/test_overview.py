"""Tests for the overview of every audit, outputs/index.html (export/overview, build/overview)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_export import Page

from caseaudit_lib.build.overview import overview_params, rebuild_overview
from caseaudit_lib.build.status import build_status, clear_failure, record_failure
from caseaudit_lib.config.params import load_params
from caseaudit_lib.export.html import find_external_resources
from caseaudit_lib.export.overview import AuditEntry, write_overview

MINI = Path(__file__).parent / "data" / "frameworks" / "mini.yaml"
CHILD = "Zebedee Quillfeather"

THEMES = {
    # audit_id: (assessment, planning) as (n_applicable, n_sufficient, score, low, high, rating)
    "mini-2016": [
        ("assessment", "Assessment", 15, 6, 40.0, 25.1, 57.2, "Inadequate"),
        ("planning", "Planning", 10, 7, 70.0, 41.3, 88.9, "Good"),
    ],
    "mini-2017": [
        ("assessment", "Assessment", 15, 13, 86.7, 62.1, 96.3, "Outstanding"),
        ("planning", "Planning", 10, 6, 60.0, 31.3, 83.2, "Requires improvement"),
    ],
}
VERDICTS = {"assessment": "improved", "planning": "no clear change"}


def write_params(folder: Path, audit_id: str, **extra) -> Path:
    values = {
        "audit_id": audit_id,
        "title": extra.pop("title", f"Case file audit {audit_id}"),
        "service": extra.pop("service", "Mini YOS"),
        "audit_date": extra.pop("audit_date"),
        "data_file": extra.pop("data_file", f"data/{audit_id}.csv"),
        "framework": str(MINI),
    }
    lines = [f"{k}: {v!r}" if isinstance(v, str) else f"{k}: {v}" for k, v in values.items()]
    path = folder / f"{audit_id}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def write_outputs(outputs: Path, audit_id: str, *, pdf: bool = True, previous: str = "") -> None:
    folder = outputs / audit_id
    (folder / "tables").mkdir(parents=True)
    (folder / "report.html").write_text("<!DOCTYPE html><title>r</title>")
    if pdf:
        (folder / "report.pdf").write_bytes(b"%PDF-1.4\n")
    rows = [
        {
            "audit_id": audit_id, "theme_id": t, "theme": name, "n_cases": 6,
            "n_applicable": n, "n_sufficient": s, "score_pct": pct, "ci_low_pct": low,
            "ci_high_pct": high, "rating": rating, "scoring": "pooled",
            "rating_low": "", "rating_high": "",
        }
        for t, name, n, s, pct, low, high, rating in THEMES[audit_id]
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(folder / "tables" / "theme_scores.csv", index=False)
    comparison = [
        {"audit_id": audit_id, "theme_id": t, "baseline_id": previous, "baseline_kind": "answers",
         "verdict": VERDICTS[t]}
        for t in ("assessment", "planning")
    ] if previous else []  # fmt: skip
    columns = ["audit_id", "theme_id", "baseline_id", "baseline_kind", "verdict"]
    pd.DataFrame(comparison, columns=columns).to_csv(
        folder / "tables" / "comparison.csv", index=False
    )


@pytest.fixture
def audits(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    outputs = tmp_path / "outputs"
    files = [
        write_params(params, "mini-2016", audit_date="2016-03-21"),
        write_params(params, "mini-2017", audit_date="2017-03-20"),
        write_params(
            params,
            "other-2017",
            audit_date="2017-05-02",
            service="Other <b>YOS</b> & Co",
            title='Audit "Other" <script>alert(1)</script>',
        ),
    ]
    write_outputs(outputs, "mini-2016", pdf=False)
    write_outputs(outputs, "mini-2017", previous="mini-2016")
    # other-2017 failed on its first build: no good report, only its failure record.
    (outputs / "other-2017").mkdir(parents=True)
    record_failure(outputs / "other-2017", "notebook failed")
    return files, outputs


def entries(files, failed=()):
    return [
        AuditEntry(load_params(f, check_files=False), failed=f.stem in failed, message="")
        for f in files
    ]


def cells(page: str, audit_id: str) -> dict[str, str]:
    row = re.search(rf'<tr data-audit="{audit_id}">(.*?)</tr>', page, re.DOTALL).group(1)
    found = re.findall(r'<td data-theme="([^"]+)">(.*?)</td>', row, re.DOTALL)
    return {t: " ".join(re.sub(r"<[^>]+>", " ", text).split()) for t, text in found}


def test_one_row_per_audit_with_each_theme_as_in_the_tables(audits):
    files, outputs = audits
    page = write_overview(entries(files, failed={"other-2017"}), outputs).read_text()
    assert re.findall(r'<tr data-audit="([^"]+)">', page) == [
        "mini-2016",
        "mini-2017",
        "other-2017",
    ]
    for audit_id, themes in THEMES.items():
        shown = cells(page, audit_id)
        for t, _, n, _, pct, low, high, rating in themes:
            assert shown[t].startswith(f"{rating} {pct:.0f}% 95% interval {low:.0f}%–{high:.0f}%")
            assert f"n = {n}" in shown[t]
    assert cells(page, "mini-2016")["assessment"].endswith("first audit")
    assert cells(page, "mini-2017")["assessment"].endswith("improved since March 2016")
    assert cells(page, "mini-2017")["planning"].endswith("no clear change since March 2016")
    assert cells(page, "other-2017") == {"assessment": "no scores", "planning": "no scores"}


def test_links_lead_to_each_report_and_pdf_that_exists(audits):
    files, outputs = audits
    path = write_overview(entries(files, failed={"other-2017"}), outputs)
    links = re.findall(r'<a href="([^"]+)"', path.read_text())
    assert links == ["mini-2016/report.html", "mini-2017/report.html", "mini-2017/report.pdf"]
    assert all((path.parent / link).is_file() for link in links)


def test_a_failed_audit_shows_as_failed_with_its_last_good_report(audits):
    files, outputs = audits
    page = write_overview(
        [*entries(files[:1], failed={"mini-2016"}), *entries(files[1:])], outputs
    ).read_text()
    row = re.search(r'<tr data-audit="mini-2016">(.*?)</tr>', page, re.DOTALL).group(1)
    assert "Last build failed" in row and "Last good report:" in row
    assert 'href="mini-2016/report.html"' in row
    other = re.search(r'<tr data-audit="other-2017">(.*?)</tr>', page, re.DOTALL).group(1)
    assert "Not built yet." in other


def test_typed_text_is_escaped_and_the_page_is_self_contained(audits):
    files, outputs = audits
    page = write_overview(entries(files, failed={"other-2017"}), outputs).read_text()
    assert "<script>" not in page and "<b>YOS</b>" not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        and "Other &lt;b&gt;YOS&lt;/b&gt; &amp; Co" in page
    )
    assert find_external_resources(page) == []


def test_one_chart_per_service_with_intervals_in_its_alt_text(audits):
    files, outputs = audits
    page = Page(write_overview(entries(files, failed={"other-2017"}), outputs).read_text())
    assert len(page.images) == 1  # Mini YOS; the other service has no scores yet
    image = page.images[0]
    assert image["src"].startswith("data:image/png;base64,")
    assert "Assessment" in image["alt"] and "95%" in image["alt"]


def test_rebuild_lists_every_params_file_of_the_folder_and_reads_failures_from_disk(audits):
    files, outputs = audits
    assert overview_params([files[0]]) == sorted(files)
    page, problems = rebuild_overview([files[0]], outputs_root=outputs)
    assert problems == [] and page == outputs / "index.html"
    row = re.search(r'<tr data-audit="other-2017">(.*?)</tr>', page.read_text(), re.DOTALL)
    assert "Last build failed" in row.group(1) and "No good report yet." in row.group(1)


def plant_child(params: Path, tmp_path: Path) -> None:
    """Give mini-2016 a scoring file naming a child, and the child's name in its service."""
    data = tmp_path / "mini-2016.csv"
    data.write_text(f"case_id,auditor,case_type,name,Q1\nC1,Auditor A,RO,{CHILD},y\n")
    write_params(params, "mini-2016", audit_date="2016-03-21", data_file=str(data),
                 service=f"{CHILD}'s service")  # fmt: skip


def test_a_child_s_name_in_the_overview_deletes_it_and_names_the_audit(audits, tmp_path):
    files, outputs = audits
    plant_child(files[0].parent, tmp_path)
    page, problems = rebuild_overview([files[0].parent], outputs_root=outputs)
    assert page is None and not (outputs / "index.html").exists()
    assert len(problems) == 1
    assert "mini-2016" in problems[0].message and CHILD not in str(problems[0])


def test_an_unchanged_batch_leaves_the_overview_alone_and_a_change_remakes_it(audits):
    files, outputs = audits
    page, _ = rebuild_overview([files[0].parent], outputs_root=outputs)
    first = page.stat().st_mtime_ns
    page.write_text(page.read_text().replace("Mini YOS", "Edited YOS"))  # to see a rewrite
    again, problems = rebuild_overview([files[0].parent], outputs_root=outputs)
    assert again == page and problems == [] and "Edited YOS" in page.read_text()
    files[1].write_text(files[1].read_text() + "caseload: 40\n")  # a params file changed
    rebuild_overview([files[0].parent], outputs_root=outputs)
    assert "Edited YOS" not in page.read_text() and page.stat().st_mtime_ns >= first


def test_a_recovered_audit_is_not_shown_failed_though_its_failed_folder_is_kept(audits):
    # One failure record, read by the summary, the status and the overview alike: the
    # artefacts folder failed/ says nothing about the last build.
    files, outputs = audits
    (outputs / "mini-2017" / "failed").mkdir()
    record_failure(outputs / "mini-2017", "notebook failed")
    page, _ = rebuild_overview([files[0].parent], outputs_root=outputs)
    assert "Last build failed" in cells_row(page.read_text(), "mini-2017")
    clear_failure(outputs / "mini-2017")  # what a good build, or a skip, does
    page, _ = rebuild_overview([files[0].parent], outputs_root=outputs)
    assert "Last build failed" not in cells_row(page.read_text(), "mini-2017")
    assert build_status(outputs / "mini-2017").last_build_failed is False


def cells_row(page, audit_id):
    return re.search(rf'<tr data-audit="{audit_id}">(.*?)</tr>', page, re.DOTALL).group(1)


def test_the_previous_audit_is_an_earlier_one_this_audit_was_compared_with(audits, monkeypatch):
    files, outputs = audits
    params = files[0].parent
    # A second audit of mini-2016's day (its answers split into workbooks, say): not "previous"
    # to mini-2016, and not what mini-2017 was compared with, though it sorts after mini-2016.
    monkeypatch.setitem(THEMES, "mini-2016-split", THEMES["mini-2016"])
    files.append(write_params(params, "mini-2016-split", audit_date="2016-03-21"))
    write_outputs(outputs, "mini-2016-split")
    page = write_overview(entries(files, failed={"other-2017"}), outputs).read_text()
    assert cells(page, "mini-2016")["assessment"].endswith("first audit")
    # Its counts and dates are mini-2016's: the same audit, not a second first audit (issue 20).
    assert cells(page, "mini-2016-split")["assessment"].endswith("the same audit as mini-2016")
    assert cells(page, "mini-2017")["assessment"].endswith("improved since March 2016")
    from caseaudit_lib.export.overview import audit_row, mark_copies, trend_table

    rows = [audit_row(e, outputs) for e in entries(files)]
    mark_copies(rows)
    assert set(trend_table(rows, outputs)["audit_id"]) == {"mini-2016", "mini-2017"}


def test_an_audit_of_the_same_day_with_other_counts_is_its_own_audit(audits, monkeypatch):
    files, outputs = audits
    other = [(*t[:2], t[2], t[3] - 1, *t[4:]) for t in THEMES["mini-2016"]]
    monkeypatch.setitem(THEMES, "mini-2016-b", other)
    files.append(write_params(files[0].parent, "mini-2016-b", audit_date="2016-03-21"))
    write_outputs(outputs, "mini-2016-b")
    page = write_overview(entries(files, failed={"other-2017"}), outputs).read_text()
    assert cells(page, "mini-2016-b")["assessment"].endswith("first audit")


def test_an_unchanged_batch_checks_the_overview_without_importing_nbconvert(audits):
    # A batch that changed nothing must stay quick: nbconvert (and nbformat's schema grammar)
    # cost about two seconds of imports, for a page that is not remade.
    files, outputs = audits
    rebuild_overview([files[0].parent], outputs_root=outputs)
    code = (
        "import sys; from pathlib import Path; "
        "from caseaudit_lib.build.overview import rebuild_overview; "
        "page, problems = rebuild_overview([Path(sys.argv[1])], outputs_root=Path(sys.argv[2])); "
        "print(page is not None, problems == [], 'nbconvert' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(files[0].parent), str(outputs)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.split() == ["True", "True", "False"]


# --- prepared while the batch builds (build/overview_ahead) -------------------------------


def outcome(path: Path, status: str, outputs: Path):
    from caseaudit_lib.build.summary import AuditOutcome

    return AuditOutcome(path.stem, path, status, output_dir=outputs / path.stem)


def test_each_service_s_chart_is_drawn_once_its_audits_are_done_and_the_page_reuses_it(
    audits, monkeypatch
):
    from caseaudit_lib.build.overview_ahead import OverviewAhead
    from caseaudit_lib.export import overview as export_overview
    from caseaudit_lib.present import charts

    files, outputs = audits
    monkeypatch.setattr(export_overview, "_charts", {})  # nothing drawn by earlier tests
    without = Page(write_overview(entries(files, failed={"other-2017"}), outputs).read_text())
    monkeypatch.setattr(export_overview, "_charts", {})
    ahead = OverviewAhead([files[0].parent], files, outputs_root=outputs)
    ahead.audit_done(outcome(files[0], "built", outputs))  # Mini YOS: one of two done
    ahead.audit_done(outcome(files[2], "failed", outputs))
    ahead.audit_done(outcome(files[1], "built", outputs))  # Mini YOS: both done
    ahead.finish()
    assert ahead.error is None
    assert ahead.services_ready == ["Other <b>YOS</b> & Co", "Mini YOS"]
    assert set(ahead.identifiers) == {"mini-2016", "mini-2017", "other-2017"}

    def no_drawing(*args, **kwargs):
        raise AssertionError("the page drew a chart the batch had drawn")

    monkeypatch.setattr(charts, "trend_chart", no_drawing)
    page, problems = rebuild_overview(
        [files[0].parent], outputs_root=outputs, identifiers=ahead.identifiers,
        needles=ahead.needles,
    )  # fmt: skip
    assert problems == []
    assert Page(page.read_text()).images == without.images


def test_a_batch_that_builds_nothing_prepares_nothing(audits):
    from caseaudit_lib.build.overview_ahead import OverviewAhead

    files, outputs = audits
    ahead = OverviewAhead([files[0].parent], files, outputs_root=outputs)
    for path in files:
        ahead.audit_done(outcome(path, "skipped", outputs))
    ahead.finish()
    assert ahead.identifiers is None and ahead.services_ready == []


def test_the_prepared_leak_check_still_finds_a_child_s_name(audits, tmp_path):
    from caseaudit_lib.build.overview_ahead import OverviewAhead

    files, outputs = audits
    plant_child(files[0].parent, tmp_path)
    ahead = OverviewAhead([files[0].parent], files, outputs_root=outputs)
    ahead.audit_done(outcome(files[0], "built", outputs))
    ahead.finish()
    page, problems = rebuild_overview(
        [files[0].parent], outputs_root=outputs, identifiers=ahead.identifiers,
        needles=ahead.needles,
    )  # fmt: skip
    assert page is None and len(problems) == 1 and "mini-2016" in problems[0].message


def test_a_failure_on_the_thread_leaves_the_page_to_be_made_as_before(audits, monkeypatch):
    from caseaudit_lib.build import overview_ahead

    files, outputs = audits

    def broken(params):
        raise OSError("disk gone")

    monkeypatch.setattr(overview_ahead, "identifiers_of", broken)
    ahead = overview_ahead.OverviewAhead([files[0].parent], files, outputs_root=outputs)
    ahead.audit_done(outcome(files[0], "built", outputs))
    ahead.finish()
    assert "disk gone" in ahead.error and ahead.identifiers is None
    page, problems = rebuild_overview(
        [files[0].parent], outputs_root=outputs, identifiers=ahead.identifiers,
        needles=ahead.needles,
    )  # fmt: skip
    assert problems == [] and page is not None


def test_the_overviews_key_follows_caseaudit_itself(audits, monkeypatch):
    # Issue 18: the overview's skip key held the version string, not the library's source: a
    # changed template or chart left the old page in place.
    from caseaudit_lib.build import overview as overview_module

    files, outputs = audits
    page, _ = rebuild_overview([files[0].parent], outputs_root=outputs)
    page.write_text(page.read_text().replace("Mini YOS", "Edited YOS"))  # to see a rewrite
    rebuild_overview([files[0].parent], outputs_root=outputs)
    assert "Edited YOS" in page.read_text()  # nothing changed: left alone
    monkeypatch.setattr(overview_module, "library_fingerprint", lambda: "another caseaudit")
    rebuild_overview([files[0].parent], outputs_root=outputs)
    assert "Edited YOS" not in page.read_text()


def test_a_service_chart_is_not_reused_for_a_framework_with_other_bands(monkeypatch):
    # Issue 18: export/overview.py keyed service charts by framework id, like the PNG cache.
    import dataclasses

    import matplotlib.pyplot as plt

    from caseaudit_lib.export import overview as page_module
    from caseaudit_lib.framework.model import load_framework
    from caseaudit_lib.present import charts

    drawn = []

    def fake_trend_chart(data, *, bands, title):
        drawn.append(bands)
        return plt.subplots()[1]

    monkeypatch.setattr(charts, "trend_chart", fake_trend_chart)
    monkeypatch.setattr(page_module, "_charts", {})
    framework = load_framework("yjb-audit-2016")
    band = dataclasses.replace(framework.bands[0], min_pct=framework.bands[0].min_pct - 5)
    other = dataclasses.replace(framework, bands=(band, *framework.bands[1:]))
    data = pd.DataFrame({"theme_id": ["a"], "score_pct": [50.0], "audit_date": ["2016-01-01"]})
    page_module.service_chart(data, "Mini YOS", framework)
    page_module.service_chart(data, "Mini YOS", framework)  # the same: reused
    page_module.service_chart(data, "Mini YOS", other)  # same id, other bands: drawn
    assert drawn == [framework, other]
