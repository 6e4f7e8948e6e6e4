"""Fault injection for the PDF engine: it fails to start, never answers, or dies mid-print.

Each fake engine is a small script given as $CASEAUDIT_PDF_ENGINE (or to PdfPrinter directly).
Every case ends within its timeout, in one line naming what happened; the last test runs a real
batch in which one audit's print never returns while the other audit is built with its PDF.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pdf_support import pdf_engine, pdf_facts  # noqa: F401 - the fixture

from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.export.pdf import (
    INSTALL_HINT,
    PdfEngineUnavailableError,
    prepare_pdf_engine,
    write_pdf,
)
from caseaudit_lib.export.printer import (
    ENGINE_ENV,
    TIMEOUT_ENV,
    LaunchError,
    PdfPrinter,
    close_printers,
    engine_command,
    printer_for,
)
from caseaudit_lib.paths import ROOT_ENV

REPO = Path(__file__).resolve().parent.parent
READY = 'import json, sys, time\nprint(json.dumps({"ready": "fake"}), flush=True)\n'
ENGINES = {
    "fails_to_start": 'import sys\nsys.exit("WeasyPrint could not be loaded: cannot load '
    "library 'libpango-1.0-0'\")\n",
    "never_ready": "import time\ntime.sleep(3600)\n",
    "never_returns": READY + "for line in sys.stdin:\n    time.sleep(3600)\n",
    "dies_mid_print": READY
    + "import os\nfor line in sys.stdin:\n"
    + "    print('Fatal Python error: Segmentation fault', file=sys.stderr, flush=True)\n"
    + "    os._exit(139)\n",
}
# A real engine, except that a report whose title holds $HANG_ON never comes back.
HANGS_ON_ONE = READY + textwrap.dedent(
    """
    import os
    from pathlib import Path
    from caseaudit_lib.export.pdf_engine import render
    for line in sys.stdin:
        job = json.loads(line)
        if os.environ["HANG_ON"] in job["title"]:
            time.sleep(3600)
        render(Path(job["html"]), Path(job["pdf"]), title=job["title"], footer=job["footer"])
        print(json.dumps({"ok": True}), flush=True)
    """
)


def engine(tmp_path: Path, name: str, source: str | None = None) -> str:
    script = tmp_path / f"{name}.py"
    script.write_text(source or ENGINES[name])
    return f"{sys.executable} {script}"


@pytest.fixture
def report(tmp_path, monkeypatch):
    close_printers()
    page = tmp_path / "report.html"
    page.write_text('<!DOCTYPE html><html lang="en-GB"><title>t</title><h1>t</h1></html>')
    yield page
    close_printers()


def test_an_engine_that_fails_to_start_fails_this_print_and_every_later_one_at_once(
    report, tmp_path, monkeypatch
):
    monkeypatch.setenv(ENGINE_ENV, engine(tmp_path, "fails_to_start"))
    with pytest.raises(PdfEngineUnavailableError) as first:
        write_pdf(report, tmp_path / "report.pdf", title="T", footer="F", timeout=30)
    line = first.value.lines()[0]
    assert "\n" not in line and "Traceback" not in line
    assert "the PDF engine stopped (exit status 1)" in line
    assert "cannot load library 'libpango-1.0-0'" in line and INSTALL_HINT in line
    started = time.monotonic()
    with pytest.raises(PdfEngineUnavailableError) as second:
        write_pdf(report, tmp_path / "again.pdf", title="T", footer="F", timeout=30)
    assert time.monotonic() - started < 1  # no new engine, no waiting: the same line at once
    assert second.value.lines()[0] == line.replace("report.pdf", "again.pdf")
    assert printer_for(engine_command()).launches == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fails_to_start.py", "report.html"]


def test_an_engine_started_ahead_that_cannot_start_fails_the_print_in_one_line(
    report, tmp_path, monkeypatch
):
    monkeypatch.setenv(ENGINE_ENV, engine(tmp_path, "fails_to_start"))
    prepare_pdf_engine()  # as a build worker does while its notebooks run
    time.sleep(0.5)  # it has died by now
    with pytest.raises(PdfEngineUnavailableError) as failed:
        write_pdf(report, tmp_path / "report.pdf", title="T", footer="F", timeout=30)
    assert "the PDF engine stopped (exit status 1): WeasyPrint" in failed.value.lines()[0]
    assert printer_for(engine_command()).launches == 2  # tried once more at the print, no more
    with pytest.raises(PdfEngineUnavailableError):
        write_pdf(report, tmp_path / "report.pdf", title="T", footer="F", timeout=30)
    assert printer_for(engine_command()).launches == 2


def test_an_engine_that_never_returns_a_pdf_is_stopped_at_the_timeout(
    report, tmp_path, monkeypatch
):
    monkeypatch.setenv(ENGINE_ENV, engine(tmp_path, "never_returns"))
    printer = printer_for(engine_command())
    started = time.monotonic()
    with pytest.raises(CaseAuditError) as failed:
        write_pdf(report, tmp_path / "report.pdf", title="T", footer="F", timeout=1.5)
    assert 1.5 <= time.monotonic() - started < 10
    line = failed.value.lines()[0]
    assert "the PDF engine gave no answer within 1.5 s; it was stopped" in line
    assert printer._process is None  # killed, not left running
    assert not list(tmp_path.glob("*.pdf*")) and not list(tmp_path.glob(".report.pdf*"))
    # The next print starts a fresh engine (which, being the same fake, times out again).
    monkeypatch.setenv(TIMEOUT_ENV, "1")
    with pytest.raises(CaseAuditError, match="no answer within 1 s"):
        write_pdf(report, tmp_path / "report.pdf", title="T", footer="F")
    assert printer.launches == 2


def test_an_engine_that_dies_mid_print_says_how_and_is_started_again(report, tmp_path, monkeypatch):
    monkeypatch.setenv(ENGINE_ENV, engine(tmp_path, "dies_mid_print"))
    for attempt in (1, 2):
        with pytest.raises(CaseAuditError) as failed:
            write_pdf(report, tmp_path / "report.pdf", title="T", footer="F", timeout=30)
        assert failed.value.lines()[0].endswith(
            "the PDF could not be printed: the PDF engine stopped (exit status 139): "
            "Fatal Python error: Segmentation fault"
        )
        assert printer_for(engine_command()).launches == attempt


def test_an_engine_that_never_says_it_is_ready_is_stopped_at_the_start_timeout(tmp_path):
    printer = PdfPrinter(tuple(engine(tmp_path, "never_ready").split()), start_timeout=1)
    started = time.monotonic()
    with pytest.raises(LaunchError, match="no answer within 1 s of starting; it was stopped"):
        printer.print_pdf({"html": "x", "pdf": "y", "title": "", "footer": ""}, timeout=30)
    assert time.monotonic() - started < 10
    assert printer._process is None


def test_a_bad_timeout_setting_is_one_clear_line(report, tmp_path, monkeypatch):
    monkeypatch.setenv(TIMEOUT_ENV, "soon")
    with pytest.raises(CaseAuditError) as failed:
        write_pdf(report, tmp_path / "report.pdf", title="T", footer="F")
    assert failed.value.lines()[0].endswith(
        "CASEAUDIT_PDF_TIMEOUT=soon is not a positive number of seconds"
    )


def test_a_batch_whose_print_never_returns_ends_with_the_other_audit_built(
    tmp_path,
    pdf_engine,  # noqa: F811
):
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'copy'\n")
    shutil.copytree(REPO / "params", root / "params")
    shutil.copytree(REPO / "data", root / "data")
    shutil.copy2(REPO / "notebooks" / "05_report.ipynb", root / "notebooks")
    env = {
        **os.environ,
        ROOT_ENV: str(root),
        ENGINE_ENV: engine(tmp_path, "hangs_on_one", HANGS_ON_ONE),
        TIMEOUT_ENV: "30",  # a real print takes a few seconds, more on a loaded machine
        "HANG_ON": "HMIP",  # sample-hmip-2025's title
    }
    env.pop("CI", None)
    params = [root / "params" / f"{name}.yaml" for name in ("bromley-2016", "sample-hmip-2025")]
    started = time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "caseaudit"), "batch", *map(str, params), "--force"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert time.monotonic() - started < 300
    assert done.returncode != 0
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert rows["bromley-2016"].split()[1] == "built", done.stdout + done.stderr
    assert rows["sample-hmip-2025"].split()[1] == "failed"
    assert "no answer within 30 s" in done.stdout + done.stderr
    assert pdf_facts(root / "outputs" / "bromley-2016" / "report.pdf").pages > 3
    assert not (root / "outputs" / "sample-hmip-2025" / "report.pdf").exists()
