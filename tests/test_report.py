"""Tests for caseaudit_lib.build.audit_build: one audit's build, report, leaks and the batch.

Builds run real notebooks with papermill (a few seconds each), so each test project is a
temporary copy of the bundled params and data with only the notebooks the test needs; only the
first test runs all five notebooks.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from browser_support import chromium  # noqa: F401 - the fixture
from pdf_support import pdf_facts
from test_batch import _wait_until, snapshot, statuses
from test_export import Page

from caseaudit_lib.build.audit_build import build_audit, worker_setup
from caseaudit_lib.build.audit_inputs import find_params_files, output_dir_of, report_inputs
from caseaudit_lib.build.batch import BuildFailed, run_batch
from caseaudit_lib.build.state import publish
from caseaudit_lib.build.status import build_status
from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.export.browser import check_report, find_chromium
from caseaudit_lib.export.html import find_external_resources, software_version
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.paths import ROOT_ENV

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Planted in identifying columns of a copy of the sample: distinctive, so a hit is no accident.
FAKE_NAME = "Zebedee Quillfeather"
FAKE_DOB = "2002-07-19"
FAKE_REF = "ZQ-7731-QX"
IDENTIFYING = ["child_name", "dob", "cms_ref"]


def output_text(path: Path) -> str:
    """Return all the text of a built file, read independently of the leak check's own reader."""
    if path.suffix in (".html", ".csv", ".ipynb"):
        return path.read_text(encoding="utf-8")
    if path.suffix == ".pdf":
        return " ".join(pdf_facts(path).texts)
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="calamine")
    return " ".join(str(v) for sheet in sheets.values() for v in sheet.to_numpy().ravel())


def make_project(root: Path, notebooks: list[str]) -> Path:
    """Copy the bundled params and data into root, with the named notebooks, and return it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'copy'\n")
    shutil.copytree(REPO / "params", root / "params")
    shutil.copytree(REPO / "data", root / "data")
    (root / "notebooks").mkdir()
    for name in notebooks:
        shutil.copy2(REPO / "notebooks" / name, root / "notebooks" / name)
    return root


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with only the report notebook; CASEAUDIT_ROOT points at it (kernels inherit)."""
    root = make_project(tmp_path / "project", ["05_report.ipynb"])
    monkeypatch.setenv(ROOT_ENV, str(root))
    return root


def batch(files, **kwargs):
    return run_batch(
        files,
        build_audit,
        inputs_of=report_inputs,
        output_dir_of=output_dir_of,
        initializer=worker_setup,
        workers=kwargs.pop("workers", 2),
        progress=False,
        # Fixed, so other work on the library during a test run cannot make an audit stale.
        fingerprint="test-library",
        **kwargs,
    )


def test_the_kernel_writes_the_tables_of_the_stored_run_and_this_process_scores_nothing(
    project, monkeypatch
):
    import caseaudit_lib.pipeline as pipeline

    def no_scoring(params):
        raise AssertionError(f"the build scored {params.audit_id} outside the kernel")

    # Patched in this process only: the warm kernel, a process of its own, still scores.
    monkeypatch.setattr(pipeline, "_score", no_scoring)
    monkeypatch.setenv("CASEAUDIT_SALT", "backtest")  # the back-test's stored run
    result = build_audit(project / "params" / "bromley-2017.yaml")
    expected = REPO / "tests" / "data" / "backtest" / "bromley-2017"
    for table in sorted(expected.glob("*.csv")):
        built = pd.read_csv(result.staging_dir / "tables" / table.name, dtype=str)
        pd.testing.assert_frame_equal(built, pd.read_csv(table, dtype=str), obj=table.name)


# --- one full build of the bundled 2016 sample --------------------------------------------


@pytest.fixture(scope="module")
def built_2016(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("full"), NOTEBOOKS)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ROOT_ENV, str(root))
        result = build_audit(root / "params" / "bromley-2016.yaml")
    final = root / "outputs" / "bromley-2016"
    publish(result.staging_dir, final, last=result.last)  # what the batch does after a build
    return final


def test_the_build_writes_the_report_the_notebooks_and_the_tables(built_2016):
    assert result_files(built_2016) >= {
        "report.html",
        "scores.xlsx",
        *(f"notebooks/{name}" for name in NOTEBOOKS),
        *(f"tables/{name}" for name in ("theme_scores.csv", "question_scores.csv",
                                        "comparison.csv", "scores.xlsx")),
    }  # fmt: skip
    themes = pd.read_csv(built_2016 / "tables" / "theme_scores.csv")
    assert themes["theme_id"].tolist() == [t.id for t in load_framework("yjb-audit-2016").themes]


def result_files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_the_report_has_no_code_no_parameters_and_no_external_resources(built_2016):
    page = (built_2016 / "report.html").read_text(encoding="utf-8")
    for code in ("params_from_namespace", "import caseaudit_lib", "display(Markdown", "Narrative("):
        assert code not in page
    assert "injected-parameters" not in page and "audit_id =" not in page
    assert "jp-CodeMirrorEditor" not in page and 'class="highlight' not in page
    assert 'class="jp-InputPrompt' not in page and "In&nbsp;[" not in page
    assert find_external_resources(page) == []
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "Traceback" not in page and "Error" not in page


def test_the_report_headings_follow_the_seed_order_and_every_figure_has_alt_text(built_2016):
    page = Page((built_2016 / "report.html").read_text(encoding="utf-8"))
    titles = re.findall(r"<h2[^>]*>(.*?)</h2>", (built_2016 / "report.html").read_text())
    themes = [t.name for t in load_framework("yjb-audit-2016").themes]
    assert [re.sub(r"<[^>]+>", "", t).strip() for t in titles] == [
        "At a glance", "Background", "Conclusion", "Good practice", *themes, "Recommendations",
        "Limits of these numbers", "How to read the numbers",
    ]  # fmt: skip
    assert page.title.strip() == "Case file audit, Bromley YOS, March 2016 (synthetic sample)"
    assert len(page.images) == 2 + len(themes)  # overview, comparison, one per theme
    for image in page.images:
        assert image["src"].startswith("data:image/png;base64,")
        assert len(image.get("alt") or "") > 40
    assert "21–22 March 2016" in page.footer_text
    assert software_version() in page.footer_text


def test_the_real_report_renders_offline_in_chromium(built_2016, chromium):  # noqa: F811
    # The screenshot of the first screen goes to outputs/ for people to look at.
    shot = REPO / "outputs" / "report-first-screen.png"
    seen = check_report(built_2016 / "report.html", shot, executable_path=chromium)
    assert seen.blocked_requests == [] and seen.page_errors == []
    assert seen.h1_visible and seen.broken_toc_links == []
    assert seen.image_count >= 8 and seen.broken_images == []
    assert seen.images_without_alt == []
    assert seen.ok
    assert shot.stat().st_size > 10_000


def test_the_report_reads_like_the_seed(built_2016):
    text = re.sub(r"<[^>]+>", " ", (built_2016 / "report.html").read_text(encoding="utf-8"))
    text = " ".join(text.split())
    assert "A total of 20 cases were audited by 7 auditors on 21–22 March 2016." in text
    assert "20 of about 80 open cases (25%)" in text
    assert (
        "judged Protecting the public Poor and Protecting the child or young person "
        "Unsatisfactory; it published no percentages, so this is a comparison with a word, "
        "not a number." in text
    )
    assert "Case workers knew the young people" in text  # the analyst's good practice
    assert "Further improvements:" in text
    assert "| R01 |" not in text and "Dip sample vulnerability" in text  # a rendered table
    assert not re.search(r"\bC-[A-Z2-7]{6}\b", text)  # the report needs no case pseudonyms
    assert "BRM-16-" not in text  # nor the raw case ids


# --- personal data ------------------------------------------------------------------------


def plant_identifiers(root: Path, *, in_comment: bool, in_column: bool = False) -> Path:
    """Write the 2016 sample as csv with a name, DOB and case reference; point the params at it."""
    sheet = pd.read_excel(
        root / "data" / "bromley-2016-audit.xlsx", header=2, dtype=str, engine="calamine"
    ).fillna("")
    # The sample already has these columns (with made-up values): overwrite them.
    sheet["child_name"] = FAKE_NAME
    sheet["dob"] = FAKE_DOB
    sheet["cms_ref"] = [FAKE_REF if i == 0 else f"ZQ-{i:04d}-QX" for i in range(len(sheet))]
    if in_comment:
        # Withheld at load: the reference, the first name, the surname and the date of birth.
        sheet.loc[0, "AS1_comment"] = f"Chronology is on {FAKE_REF}, not in this file."
        sheet.loc[1, "AS1_comment"] = "Zebedee said his plan was agreed on 19/07/2002."
        sheet.loc[2, "AS1_comment"] = "Seen with Mr Quillfeather at home."
    if in_column:
        # Not a comment, so not withheld: only the leak check stands between it and the board.
        sheet.insert(3, "keyworker_team", "")
        sheet.loc[3, "keyworker_team"] = FAKE_REF
    data = root / "data" / "planted.csv"
    sheet.to_csv(data, index=False, quoting=csv.QUOTE_MINIMAL)
    params = root / "params" / "bromley-2016.yaml"
    params.write_text(
        params.read_text().replace("data/bromley-2016-audit.xlsx", "data/planted.csv")
    )
    return params


COMMENTS_NOTEBOOK = r"""
import caseaudit_lib as ca
params = ca.params_from_namespace(globals())
results = ca.score_params(params)
comments = results.audit.answers["comment"]
print("\n".join(comments[comments != ""]))
print(results.audit.cases.to_string())
"""


def add_comments_notebook(root: Path) -> None:
    """Add a notebook that shows the auditors' comments: a way for a comment to reach an output."""
    report = nbformat.read(root / "notebooks" / "05_report.ipynb", as_version=4)
    parameters = next(c for c in report.cells if "parameters" in c.metadata.get("tags", []))
    nb = nbformat.v4.new_notebook(
        cells=[parameters, nbformat.v4.new_code_cell(textwrap.dedent(COMMENTS_NOTEBOOK))],
        metadata=report.metadata,
    )
    nbformat.write(nb, root / "notebooks" / "04_comments.ipynb")


def test_identifying_columns_never_reach_an_output(project):
    params = plant_identifiers(project, in_comment=False)
    result = build_audit(params)
    outputs = [p for p in result.staging_dir.rglob("*") if p.is_file()]
    assert {p.name for p in outputs} >= {"report.html", "scores.xlsx", "case_scores.csv"}
    # The PDF is printed wherever there is a Chromium (always under CI: make test installs it).
    assert ("report.pdf" in {p.name for p in outputs}) == (find_chromium() is not None)
    for path in outputs:
        text = output_text(path)
        for value in (FAKE_NAME, "Quillfeather", FAKE_DOB, "19/07/2002", FAKE_REF, "BRM-16-001"):
            assert value not in text, f"{value!r} reached {path.name}"


PLANTED_COMMENTS = {
    "xlsx": f"Chronology is on {FAKE_REF}, not in this file.",
    "ods": "Zebedee said his plan was agreed on 19/07/2002.",
    "csv": "Seen with Mr Quillfeather at home.",
}


def plant_in_every_format(root: Path) -> Path:
    """Split the 2016 sample into an xlsx, an ods and a long csv, a name planted in a comment of
    each, in one folder; point the params at the folder."""
    from audit_files import write_ods, write_xlsx

    sheet = pd.read_excel(
        root / "data" / "bromley-2016-audit.xlsx", header=2, dtype=str, engine="calamine"
    ).fillna("")
    sheet["child_name"] = FAKE_NAME
    sheet["dob"] = FAKE_DOB
    sheet["cms_ref"] = [FAKE_REF if i == 0 else f"ZQ-{i:04d}-QX" for i in range(len(sheet))]
    folder = root / "data" / "planted"
    folder.mkdir()
    parts = {"xlsx": sheet.iloc[:7], "ods": sheet.iloc[7:14], "csv": sheet.iloc[14:]}
    for fmt, part in parts.items():
        part = part.copy()
        part.iloc[1, part.columns.get_loc("AS1_comment")] = PLANTED_COMMENTS[fmt]
        rows = [list(part.columns), *part.to_numpy().tolist()]
        if fmt == "xlsx":
            write_xlsx(folder / "a.xlsx", rows)
        elif fmt == "ods":
            write_ods(folder / "b.ods", rows)
        else:
            case_cols = ["case_id", "auditor", "case_type", "marking", *IDENTIFYING]
            qids = [c for c in part.columns if f"{c}_comment" in part.columns]
            long = part.melt(case_cols, qids, "question_id", "answer")
            notes = part.melt(case_cols, [f"{q}_comment" for q in qids], "question_id", "comment")
            long["comment"] = notes["comment"].to_numpy()
            long.to_csv(folder / "c.csv", index=False)
    params = root / "params" / "bromley-2016.yaml"
    params.write_text(params.read_text().replace("data/bromley-2016-audit.xlsx", "data/planted/"))
    return params


def test_identifiers_in_comments_of_every_format_are_withheld_from_every_output(project):
    add_comments_notebook(project)
    params = plant_in_every_format(project)
    result = build_audit(params)
    outputs = [p for p in result.staging_dir.rglob("*") if p.is_file()]
    assert "04_comments.ipynb" in {p.name for p in outputs}
    for path in outputs:
        text = output_text(path)
        for value in ("Zebedee", "Quillfeather", FAKE_REF, "19/07/2002"):
            assert value not in text, f"{value!r} reached {path.name}"
    executed = (result.staging_dir / "notebooks" / "04_comments.ipynb").read_text()
    assert executed.count("[withheld]") >= 3


def test_an_identifier_that_reaches_an_output_fails_the_build(project, capsys):
    add_comments_notebook(project)
    params = plant_identifiers(project, in_comment=True, in_column=True)
    with pytest.raises(BuildFailed) as caught:
        build_audit(params)
    message = str(caught.value)
    assert message.startswith("personal data in the outputs: notebooks/04_comments.ipynb")
    assert "contains a personal identifier" in message
    assert FAKE_REF not in message and FAKE_NAME not in message
    assert FAKE_REF not in capsys.readouterr().out
    staging = caught.value.staging_dir
    # The leaking file is not kept with the failed build's artefacts; the clean ones are.
    assert not (staging / "notebooks" / "04_comments.ipynb").exists()
    assert (staging / "report.html").is_file()


# --- the batch ----------------------------------------------------------------------------


def break_data(root: Path) -> tuple[Path, bytes]:
    """Put an answer no one can read into the 2017 sample's data; return the file and its bytes."""
    data = root / "data" / "bromley-2017-audit.csv"
    good = data.read_bytes()
    data.write_bytes(good.replace(b",Yes,", b",Perhaps,", 1))
    assert data.read_bytes() != good
    return data, good


FAILING_TEST_AUDITS = ("bromley-2016", "bromley-2016-split", "bromley-2017", "sample-hmip-2025")


def test_a_failing_audit_keeps_its_last_good_report_and_the_others_build(project):
    # The Bromley and HMIP samples; the synthetic region's audits add nothing to this test.
    files = [f for f in find_params_files([project / "params"]) if f.stem in FAILING_TEST_AUDITS]
    first = batch(files)
    assert statuses(first) == {
        a: "built"
        for a in ("bromley-2016", "bromley-2016-split", "bromley-2017", "sample-hmip-2025")
    }
    out_2017 = project / "outputs" / "bromley-2017"
    report_2017 = (out_2017 / "report.html").read_text(encoding="utf-8")
    assert "Recommendations of earlier audits" in report_2017
    good_before = snapshot(out_2017)

    data, good = break_data(project)
    with (project / "data" / "findings" / "sample-hmip-2025.yaml").open("a") as findings:
        findings.write("# edited\n")
    second = batch(files)
    assert statuses(second) == {
        "bromley-2016": "skipped", "bromley-2016-split": "skipped", "bromley-2017": "failed",
        "sample-hmip-2025": "built",
    }  # fmt: skip
    assert second.exit_code == 1
    (failed,) = [o for o in second.outcomes if o.audit_id == "bromley-2017"]
    assert failed.message.startswith("notebook failed/notebooks/05_report.ipynb: AuditDataError")
    # The whole first line of the reason, and the report left in place is said to be stale.
    line = next(row for row in second.table().splitlines() if row.startswith("bromley-2017"))
    assert failed.message.splitlines()[0] in line and "column 'answer'" in line
    # Issue 18: the reason names the file, cell and kind of fault, never the cell's value.
    assert "Perhaps" not in failed.message and "Perhaps" not in line
    assert "Perhaps" not in (out_2017 / ".last-failure.json").read_text()
    assert f"[stale: the last good report is kept at {out_2017 / 'report.html'}]" in line
    assert ".staging-" not in second.table()
    assert build_status(out_2017).stale
    kept = out_2017 / "failed" / "notebooks" / "05_report.ipynb"
    assert kept in failed.failed_artifacts
    assert "Perhaps" in kept.read_text(encoding="utf-8")  # the error, for debugging
    after = snapshot(out_2017)
    assert {k: v for k, v in after.items() if not k.startswith(("failed/", "."))} == {
        k: v for k, v in good_before.items() if not k.startswith(".")
    }

    data.write_bytes(good)  # the data as it was at the last good build
    third = batch(files)
    assert set(statuses(third).values()) == {"skipped"}
    assert third.pools_started == 0 and third.exit_code == 0
    assert not build_status(out_2017).last_build_failed  # the good report is current again


def test_a_second_run_skips_when_the_first_build_created_the_salt_file(project, monkeypatch):
    monkeypatch.delenv("CASEAUDIT_SALT")
    salt = project / ".caseaudit-salt"
    assert not salt.exists()
    files = [project / "params" / "bromley-2016.yaml"]
    assert statuses(batch(files)) == {"bromley-2016": "built"}
    assert salt.stat().st_size > 0
    assert statuses(batch(files)) == {"bromley-2016": "skipped"}


def test_kill_9_during_a_build_leaves_the_old_report_in_place(project):
    files = [project / "params" / "bromley-2016.yaml"]
    assert batch(files).exit_code == 0
    final = project / "outputs" / "bromley-2016"
    before = snapshot(final)
    with (project / "data" / "findings" / "bromley-2016.yaml").open("a") as findings:
        findings.write("# edited\n")
    code = (
        "import sys; from pathlib import Path; import test_report as t; "
        "t.batch([Path(sys.argv[1])], workers=1)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(files[0])],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill once the build is executing its notebook: the staging folder has a notebooks/ folder.
    _wait_until(lambda: list(final.glob(".staging-*/notebooks")), timeout=60)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    after = snapshot(final)
    visible = {k: v for k, v in after.items() if not k.split("/")[0].startswith(".")}
    assert visible == {k: v for k, v in before.items() if not k.startswith(".")}


# --- inputs and params files ---------------------------------------------------------------


def test_report_inputs_lists_everything_the_build_reads(project):
    inputs = set(report_inputs(project / "params" / "bromley-2017.yaml"))
    expected = {
        project / "data" / "bromley-2017-audit.csv",
        project / "data" / "findings" / "bromley-2017.yaml",
        project / "data" / "baselines" / "bromley-hmip-fji-2015.yaml",
        project / "params" / "bromley-2016.yaml",
        project / "data" / "bromley-2016-audit.xlsx",
        project / "data" / "findings" / "bromley-2016.yaml",
        project / "notebooks" / "05_report.ipynb",
        load_framework("yjb-audit-2016").path,
    }
    assert {p.resolve() for p in expected} <= inputs


def test_report_inputs_and_output_dir_do_not_import_papermill(project):
    code = (
        "import sys; from pathlib import Path; from caseaudit_lib.build import audit_inputs as r; "
        "p = Path(sys.argv[1]); r.report_inputs(p); print(r.output_dir_of(p).name); "
        "print('papermill' in sys.modules, 'nbconvert' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(project / "params" / "bromley-2016.yaml")],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert out == ["bromley-2016", "False", "False"]


def test_output_dir_is_named_by_the_audit_id_not_the_file(project):
    renamed = project / "params" / "renamed.yaml"
    shutil.copy(project / "params" / "bromley-2016.yaml", renamed)
    assert output_dir_of(renamed) == project / "outputs" / "bromley-2016"


def test_find_params_files(project, tmp_path):
    one = project / "params" / "bromley-2017.yaml"
    found = find_params_files([project / "params", one])
    assert [p.name for p in found] == [
        "bromley-2016-split.yaml",
        "bromley-2016.yaml",
        "bromley-2017.yaml",
        "sample-hmip-2025.yaml",
        *(f"synthetic-{c}-2025.yaml" for c in "abcdef"),  # the synthetic region
    ]
    with pytest.raises(CaseAuditError) as caught:
        find_params_files([tmp_path / "missing.yaml", one, tmp_path / "nope"])
    assert [p.file for p in caught.value.problems] == [
        str(tmp_path / "missing.yaml"), str(tmp_path / "nope"),
    ]  # fmt: skip
