"""The manifest (caseaudit_lib.manifest): every input of an audit, by content, and its stage.

Issue 18: the batch skipped stale reports (a workbook edited inside a data folder, an answers
baseline's own params, the salt in the environment were not inputs), charts were cached by a
framework's repr, and the overview's key missed the library. The hypothesis test changes one byte
of any one input (or adds or removes a workbook) and asserts a rebuild; nothing changed, a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseaudit_lib.build.batch import BuildResult, run_batch
from caseaudit_lib.build.state import staging_dir_for
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.manifest import REPORT, SCORES, audit_manifest
from caseaudit_lib.paths import ROOT_ENV, outputs_dir

PAD = "# " + "." * 40 + "\n"  # a comment line in each YAML input: a byte to change safely

PARAMS = """audit_id: {audit_id}
title: Audit {audit_id}
service: Test YOS
audit_date: '{date}'
data_file: {data}
framework: frameworks/f.yaml
caseload: 40
sample_description: test
baselines: {baselines}
earlier_audits: {earlier}
findings_file: {findings}
organisational_ratings: {{}}
privacy: {{drop: [], pseudonymise: []}}
"""


def write_project(root: Path) -> Path:
    """A project: audit a (a data folder) with an answers baseline (b) and an earlier audit (c)."""
    for folder in ("params", "data/a", "data/c", "data/findings", "data/baselines", "frameworks"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 't'\n")
    notebooks = root / "notebooks"
    notebooks.mkdir(exist_ok=True)
    for name in ("01_scores.ipynb", "05_report.ipynb"):
        (notebooks / name).write_text('{"cells": [], "nbformat": 4, "nbformat_minor": 5}\n')
    framework = load_framework("yjb-audit-2016").path
    (root / "frameworks" / "f.yaml").write_text(framework.read_text() + PAD)
    for name in ("Auditor-A.xlsx", "Auditor-B.xlsx"):
        (root / "data" / "a" / name).write_bytes(os.urandom(64))
    (root / "data" / "b.csv").write_bytes(b"case_id,auditor,case_type\n1,x,RO\n")
    (root / "data" / "c" / "one.csv").write_bytes(b"case_id,auditor,case_type\n2,y,RO\n")
    for name in ("a", "b", "c"):
        (root / "data" / "findings" / f"{name}.md").write_text(f"# Findings {name}\n\n{PAD}")
    (root / "data" / "baselines" / "b.yaml").write_text(
        "id: b\ntitle: B\nservice: Test YOS\ndate: '2015-01-01'\nsource: an earlier audit\n"
        "kind: answers\nparams: params/b.yaml\n" + PAD
    )
    audits = {
        "a": ("2017-03-01", "data/a/", "[data/baselines/b.yaml]", "[params/c.yaml]"),
        "b": ("2015-03-01", "data/b.csv", "[]", "[]"),
        "c": ("2016-03-01", "data/c/*.csv", "[]", "[]"),
    }
    for audit_id, (date, data, baselines, earlier) in audits.items():
        text = PARAMS.format(
            audit_id=audit_id,
            date=date,
            data=data,
            baselines=baselines,
            earlier=earlier,
            findings=f"data/findings/{audit_id}.md",
        )
        (root / "params" / f"{audit_id}.yaml").write_text(text + PAD)
    return root / "params" / "a.yaml"


def fake_build(params_file: Path) -> BuildResult:
    """A build that writes a report only (the batch engine's skip is what is tested)."""
    staging = staging_dir_for(outputs_dir(params_file.stem))
    (staging / "report.html").write_text("report")
    return BuildResult(staging)


def manifest_of(params_file: Path):
    return audit_manifest(params_file, pdf_engine=os.environ.get("TEST_PDF_ENGINE", "engine 1"))


def status(params_file: Path) -> str:
    summary = run_batch([params_file], fake_build, manifest_of=manifest_of, in_process=True)
    (outcome,) = summary.outcomes
    return outcome.status


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("manifest") / "project"
    params = write_project(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ROOT_ENV, str(root))
        mp.setenv("CASEAUDIT_SALT", "salt-one")
        mp.setenv("TEST_PDF_ENGINE", "engine 1")  # changed by the tests, restored after
        yield params


def test_the_manifest_lists_every_input_with_its_stage(project):
    root = project.parent.parent
    manifest = manifest_of(project)
    stages = {e.name: e.stage for e in manifest.entries}
    assert stages["params/a.yaml"] == SCORES
    assert stages["data/a/Auditor-A.xlsx"] == stages["data/a/Auditor-B.xlsx"] == SCORES
    assert stages["frameworks/f.yaml"] == SCORES
    assert stages["data/baselines/b.yaml"] == SCORES
    # Everything the answers baseline's params names, and the earlier audit's, recursively.
    assert stages["params/b.yaml"] == stages["data/b.csv"] == SCORES
    assert stages["params/c.yaml"] == stages["data/c/one.csv"] == SCORES
    assert stages["data/findings/a.md"] == stages["data/findings/c.md"] == REPORT
    assert stages["notebooks/01_scores.ipynb"] == SCORES
    assert stages["notebooks/05_report.ipynb"] == REPORT
    assert stages["caseaudit"] == stages["salt"] == SCORES and stages["pdf engine"] == REPORT
    assert any(e.kind == "template" for e in manifest.entries)
    assert all(p.is_file() for p in manifest.paths())
    assert manifest.paths(REPORT) and set(manifest.paths(REPORT)) < set(manifest.paths())
    # Never the salt itself, only a digest of it.
    assert all("salt-one" not in e.digest for e in manifest.entries)
    assert root.name not in {e.name.split("/")[0] for e in manifest.entries}


def test_lock_files_are_not_inputs_but_a_new_workbook_is(project):
    folder = project.parent.parent / "data" / "a"
    before = manifest_of(project).digest()
    (folder / "~$Auditor-A.xlsx").write_bytes(b"lock")
    (folder / ".~lock.Auditor-B.xlsx#").write_bytes(b"lock")
    try:
        assert manifest_of(project).digest() == before
    finally:
        (folder / "~$Auditor-A.xlsx").unlink()
        (folder / ".~lock.Auditor-B.xlsx#").unlink()


def inputs_to_change(params_file: Path) -> list[Path]:
    """The files of the test project the manifest lists (not caseaudit's own)."""
    root = params_file.parent.parent
    return sorted(p for p in manifest_of(params_file).paths() if p.is_relative_to(root))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    change=st.sampled_from(["byte", "add workbook", "remove workbook", "salt", "pdf engine"]),
    which=st.integers(min_value=0, max_value=10_000),
    where=st.integers(min_value=0, max_value=10_000),
)
def test_one_changed_byte_of_any_input_rebuilds_and_nothing_changed_skips(
    project, change, which, where
):
    status(project)  # up to date, whatever the example before did
    assert status(project) == "skipped"
    folder = project.parent.parent / "data" / "a"
    if change == "byte":
        files = inputs_to_change(project)
        path = files[which % len(files)]
        data = bytearray(path.read_bytes())
        # In a YAML file, a byte of its last (comment) line, so that it still parses.
        start = len(data) - len(PAD) + 2 if path.suffix == ".yaml" else 0
        at = start + where % (len(data) - start - 1)
        data[at] = (data[at] + 1) % 256 or 1
        path.write_bytes(bytes(data))
    elif change == "add workbook":
        (folder / f"Auditor-{where}.xlsx").write_bytes(os.urandom(32))
    elif change == "remove workbook":
        workbooks = sorted(folder.glob("*.xlsx"))
        if len(workbooks) < 2:
            (folder / f"Auditor-{where}.xlsx").write_bytes(os.urandom(32))
        else:
            workbooks[which % len(workbooks)].unlink()
    elif change == "salt":
        os.environ["CASEAUDIT_SALT"] = f"salt-{where}-{which}-{os.urandom(4).hex()}"
    else:
        os.environ["TEST_PDF_ENGINE"] = f"engine {where}.{os.urandom(4).hex()}"
    assert status(project) == "built", change
    assert status(project) == "skipped"


def test_the_stamp_records_each_stages_digest(project):
    status(project)
    from caseaudit_lib.build.state import read_stamp

    stamp = read_stamp(outputs_dir("a"))
    assert stamp is not None
    assert stamp.extra == manifest_of(project).stage_digests()


def test_a_chart_of_other_bands_under_one_framework_id_is_not_reused():
    # Issue 18: the PNG cache keyed bands=framework by Framework.__repr__ (id and counts).
    import dataclasses

    from caseaudit_lib.present.chart_base import inputs_fingerprint

    framework = load_framework("yjb-audit-2016")
    band = dataclasses.replace(framework.bands[0], min_pct=framework.bands[0].min_pct - 5)
    other = dataclasses.replace(framework, bands=(band, *framework.bands[1:]))
    assert repr(other) == repr(framework)
    assert inputs_fingerprint(other) != inputs_fingerprint(framework)
    assert inputs_fingerprint(framework) == inputs_fingerprint(load_framework("yjb-audit-2016"))


def test_the_kernels_results_key_follows_a_workbook_edited_inside_a_data_folder(project):
    # Issue 18: pipeline.inputs_key stat'ed the data folder, whose size and time do not change
    # when a workbook inside it is edited in place.
    from caseaudit_lib.config.params import load_params
    from caseaudit_lib.pipeline import inputs_key

    params = load_params(project, check_files=False)
    before = inputs_key(params)
    workbook = sorted((project.parent.parent / "data" / "a").glob("*.xlsx"))[0]
    stat = workbook.stat()
    workbook.write_bytes(bytes(reversed(workbook.read_bytes())))
    os.utime(workbook, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time
    assert inputs_key(params) != before
