"""The hostile-input corpus (tests/data/hostile/, made by make_corpus.py) through the real command.

Every input of the manifest is given to ``caseaudit validate`` or ``caseaudit score`` (findings
files to ``load_findings``, the report notebook's way in): the exit status is the one expected,
each problem is one line, no traceback, and the messages name the cell, key or line. One report
is built from several hostile strings at once (title, service, sample description, a baseline's
title and a findings file) and must hold nothing that could run.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import yaml

from caseaudit_lib.cli import main
from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.export.page_safety import find_live_script
from caseaudit_lib.findings.findings import load_findings
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.load.encrypted import PASSWORD_NAMES_ENV
from caseaudit_lib.paths import ROOT_ENV

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "data" / "hostile"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text())
COMMANDS = [e for e in MANIFEST if e["command"] in ("validate", "score")]
FINDINGS = [e for e in MANIFEST if e["command"] == "findings"]
PROBLEM_LINE = re.compile(r"^\S.*: (error|warning): ")
SUMMARY_LINE = re.compile(r": \d+ error\(s\), \d+ warning\(s\)$")
CONSOLE_SAMPLE = frozenset({
    "csv-unknown-answer", "csv-latin1", "xlsx-hidden-draft-first", "xlsx-error-na",
    "xlsx-formula-unsaved", "framework-bad-applies-to", "params-blank-form",
    "params-caseload-negative", "xlsx-16000-stray-columns", "csv-every-answer-invalid",
    "csv-zero-width-space-id", "xlsx-password-wrong", "xlsx-password-given",
})  # fmt: skip
HOSTILE = ['<script>alert("x")</script>', "[click](javascript:alert(6))",
           "<img src=x onerror=alert(1)>", "[x](data:text/html,<b>hi</b>)"]  # fmt: skip


def caseaudit() -> str:
    """Return the installed console command beside this interpreter."""
    command = Path(sys.executable).with_name("caseaudit")
    return str(command) if command.exists() else shutil.which("caseaudit") or "caseaudit"


def argv_of(entry: dict, out: Path) -> list[str]:
    """Return the command-line arguments of one manifest entry."""
    # Absolute paths: the in-process runs start in the repository, not in the corpus.
    argv = [entry["command"], str(CORPUS / entry["input"]), *entry.get("args", [])]
    if entry["command"] == "validate":
        framework = CORPUS / entry.get("framework", "frameworks/mini.yaml")
        return [*argv, "--framework", str(framework)]
    return [*argv, "--out", str(out / entry["id"])]


def run_console(entry: dict, out: Path) -> Outcome:
    """Run one manifest entry through the installed console command, the corpus as root."""
    env = os.environ | {ROOT_ENV: str(CORPUS)} | entry.get("env", {})
    env.pop(PASSWORD_NAMES_ENV, None)  # only the entry's own options name one
    done = subprocess.run(
        [caseaudit(), *argv_of(entry, out)], cwd=CORPUS, env=env, capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip
    return Outcome(done.returncode, done.stdout, done.stderr)


def run_in_process(entry: dict, out: Path) -> Outcome:
    """Run one manifest entry through the command's own main(), in this process."""
    stdout, stderr = io.StringIO(), io.StringIO()
    # A password option names its variable in the environment (for child processes): each
    # entry starts from, and leaves, the environment as it was.
    saved = dict(os.environ)
    os.environ.pop(PASSWORD_NAMES_ENV, None)  # only the entry's own options name one
    os.environ.update(entry.get("env", {}))
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = main(argv_of(entry, out))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return Outcome(status, stdout.getvalue(), stderr.getvalue())


@dataclass(frozen=True)
class Outcome:
    """What one command did: exit status and its two streams."""

    status: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, Outcome]:
    """Every command of the manifest: in this process, and the console's own for a sample.

    A fresh process per input costs seconds on a loaded machine, so the whole corpus runs
    through ``main()`` and a sample of every kind (all of it with CASEAUDIT_HOSTILE_CONSOLE=all)
    through the console command as well, which must agree.
    """
    out = tmp_path_factory.mktemp("hostile-out")
    saved = os.environ.get(ROOT_ENV)
    os.environ[ROOT_ENV] = str(CORPUS)
    try:
        done = {e["id"]: run_in_process(e, out) for e in COMMANDS}
    finally:
        if saved is None:
            os.environ.pop(ROOT_ENV)
        else:
            os.environ[ROOT_ENV] = saved
    every = os.environ.get("CASEAUDIT_HOSTILE_CONSOLE") == "all"
    sample = [e for e in COMMANDS if every or e["id"] in CONSOLE_SAMPLE]
    with ThreadPoolExecutor(max_workers=3) as pool:
        console = dict(pool.map(lambda e: (e["id"], run_console(e, out / "console")), sample))
    done.update({f"console:{k}": v for k, v in console.items()})
    return done


def test_the_corpus_is_large_and_spans_every_kind_of_input():
    kinds = {e["id"].split("-")[0] for e in MANIFEST}
    assert len(MANIFEST) >= 40
    assert {"csv", "xlsx", "framework", "params", "findings"} <= kinds
    assert sum(e["status"] == 2 for e in MANIFEST) >= 30


def check_outcome(entry: dict, done: Outcome) -> None:
    """Assert the exit status, one line per problem, no traceback, and the names in the lines."""
    text = done.stdout + done.stderr
    assert "Traceback" not in text
    assert "internal error" not in text
    assert done.status == entry["status"], text
    for name in entry["names"]:
        assert name in text, f"{name!r} not named in:\n{text}"
    # validate prints problems on stdout, score on stderr (its stdout is the score table).
    lines = text if entry["command"] == "validate" else done.stderr
    problems = [line for line in lines.splitlines() if line.strip()]
    for line in problems:
        assert PROBLEM_LINE.match(line) or SUMMARY_LINE.search(line), line
    if entry["status"] == 2:
        assert any(PROBLEM_LINE.match(line) for line in problems), text
    if "max_lines" in entry:
        assert len(done.stdout.splitlines()) <= entry["max_lines"], done.stdout[:2000]


@pytest.mark.parametrize("entry", COMMANDS, ids=[e["id"] for e in COMMANDS])
def test_each_input_gets_its_exit_status_and_located_one_line_messages(entry, results):
    check_outcome(entry, results[entry["id"]])


def test_the_console_command_agrees_on_its_sample(results):
    sample = [e for e in COMMANDS if f"console:{e['id']}" in results]
    assert len(sample) >= len(CONSOLE_SAMPLE)
    for entry in sample:
        check_outcome(entry, results[f"console:{entry['id']}"])


@pytest.mark.parametrize("entry", FINDINGS, ids=[e["id"] for e in FINDINGS])
def test_each_findings_file_is_refused_or_cleaned_with_located_lines(entry, monkeypatch):
    monkeypatch.setenv(ROOT_ENV, str(CORPUS))
    framework = load_framework(str(CORPUS / "frameworks" / "mini.yaml"))
    try:
        findings = load_findings(entry["input"], framework)
    except CaseAuditError as error:
        status, lines = 2, error.lines()
    else:
        status, lines = 0, [str(w) for w in findings.warnings]
        texts = [*findings.background, findings.conclusion or "", *findings.good_practice]
        texts += [p for t in findings.themes.values() for p in t.findings]
        texts += [r.text for r in findings.recommendations]
        for text in texts:
            assert "<script" not in text and "javascript:" not in text and "onerror" not in text
            assert "data:" not in text
    assert status == entry["status"], lines
    joined = "\n".join(lines)
    for name in entry["names"]:
        assert name in joined, f"{name!r} not named in:\n{joined}"
    assert all(entry["input"] in line for line in lines)


# --- one report built from many hostile strings at once ---------------------------------------


def hostile_project(root: Path) -> Path:
    """Copy the bundled audit into root with hostile text in every place a person types."""
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'hostile'\n")
    shutil.copytree(REPO / "data", root / "data")
    (root / "params").mkdir()
    (root / "notebooks").mkdir()
    shutil.copy2(REPO / "notebooks" / "05_report.ipynb", root / "notebooks")
    params = yaml.safe_load((REPO / "params" / "bromley-2016.yaml").read_text())
    params["title"] = f"Audit {HOSTILE[0]} {HOSTILE[1]}"
    params["service"] = f"Bromley {HOSTILE[2]}"
    params["sample_description"] = f"all cases {HOSTILE[3]} {HOSTILE[0]}"
    (root / "params" / "bromley-2016.yaml").write_text(yaml.safe_dump(params))
    baseline = root / "data" / "baselines" / "bromley-hmip-2012.yaml"
    values = yaml.safe_load(baseline.read_text())
    values["title"] = f"{values['title']} {HOSTILE[0]}"
    baseline.write_text(yaml.safe_dump(values, sort_keys=False))
    # An auditor's name and a comment, typed into the scoring workbook.
    book = openpyxl.load_workbook(root / "data" / "bromley-2016-audit.xlsx")
    sheet = book["Answers"]
    sheet["B4"] = f"Auditor A {HOSTILE[0]}"
    sheet["F4"] = f"Late. {HOSTILE[2]} {HOSTILE[1]}"
    book.save(root / "data" / "bromley-2016-audit.xlsx")
    findings_file = root / "data" / "findings" / "bromley-2016.yaml"
    findings = yaml.safe_load(findings_file.read_text())
    findings["conclusion"] = "Improving. " + " ".join(HOSTILE) + " [ok](https://example.org)"
    findings["good_practice"].append('<a href="javascript:alert(7)" onclick="alert(8)">link</a>')
    theme = next(iter(findings["themes"]))
    findings["themes"][theme]["findings"].insert(0, f"Found {HOSTILE[2]} {HOSTILE[1]}")
    findings_file.write_text(yaml.safe_dump(findings, sort_keys=False))
    return root


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    root = hostile_project(tmp_path_factory.mktemp("hostile") / "project")
    env = os.environ | {ROOT_ENV: str(root)}
    done = subprocess.run(
        [caseaudit(), "report", "params/bromley-2016.yaml"],
        cwd=root, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    return done, root / "outputs" / "bromley-2016" / "report.html"


def test_a_report_built_from_hostile_text_holds_nothing_that_could_run(hostile_report):
    done, report = hostile_report
    assert done.returncode == 0, done.stdout + done.stderr
    page = report.read_text(encoding="utf-8")
    assert find_live_script(page) == []
    assert not re.search(r"<script", page, re.IGNORECASE)
    tags = re.findall(r"<[A-Za-z][^>]*>", page)
    assert not [t for t in tags if re.search(r"\son\w+\s*=", t, re.IGNORECASE)]
    assert not [t for t in tags if re.search(r"(href|src)\s*=\s*[\"']?\s*javascript:", t, re.I)]
    assert not [t for t in tags if re.search(r"href\s*=\s*[\"']?\s*data:", t, re.I)]
    assert 'http-equiv="Content-Security-Policy"' in page
    # The allowed link and the words around the dropped markup are still there.
    assert 'href="https://example.org"' in page
    assert "Improving." in page


def test_the_hostile_findings_are_warned_about_with_file_and_line(hostile_report):
    done, _ = hostile_report
    warnings = [line for line in done.stderr.splitlines() if "left out of the report" in line]
    assert warnings, done.stderr
    assert all("data/findings/bromley-2016.yaml" in w and ", line " in w for w in warnings)
    assert any("conclusion, line" in w and "<script>" in w for w in warnings)


def test_a_blank_form_stops_report_at_once_with_one_line(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(CORPUS / "data", root / "data")
    shutil.copytree(CORPUS / "frameworks", root / "frameworks")
    (root / "params").mkdir()
    shutil.copy2(CORPUS / "params" / "blank-form.yaml", root / "params")
    (root / "pyproject.toml").write_text("[project]\nname = 'blank'\n")
    (root / "notebooks").mkdir()
    shutil.copy2(REPO / "notebooks" / "05_report.ipynb", root / "notebooks")
    env = os.environ | {ROOT_ENV: str(root)}
    for command in (["report", "params/blank-form.yaml"], ["batch", "params", "--no-progress"]):
        done = subprocess.run(
            [caseaudit(), *command], cwd=root, env=env, capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 2, done.stdout + done.stderr
        assert "no cases to score" in done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        # No notebook ran: nothing was kept as a failed build's evidence.
        assert not list(root.glob("outputs/*/failed/notebooks/*.ipynb"))
        if command[0] == "report":
            assert len([x for x in done.stderr.splitlines() if x.strip()]) == 1, done.stderr
