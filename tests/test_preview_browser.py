"""`caseaudit preview` as the analyst uses it: the command, a browser, edits on disk, Ctrl-C.

The command runs as a subprocess on a copy of the project (``CASEAUDIT_ROOT``), so the edits
never touch the committed findings. The page is opened in the system Chromium by Playwright;
outside CI a missing Chromium or Playwright skips these tests saying why, under ``CI`` they
fail (tests/browser_support.py). Whatever happens, the previews started here are stopped, and
the last test checks that Ctrl-C leaves none of their processes running.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_support import chromium  # noqa: F401 - the fixture

from caseaudit_lib.export.browser import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("notebooks", "params", "data", "pyproject.toml")
AUDIT = "params/bromley-2016.yaml"
OTHER_AUDIT = "params/bromley-2017.yaml"
FINDINGS = "data/findings/bromley-2016.yaml"
SENTENCE = "It was pleasing to see the distance that has been travelled."
EDITED = "It was most pleasing to see the distance that has been travelled."
START_TIMEOUT_S = 120  # the address is printed before the first build
BUILD_TIMEOUT_S = 300  # a cold kernel on a loaded machine runs five notebooks
EDIT_TIMEOUT_MS = 60_000
STOP_TIMEOUT_S = 60


@dataclass
class Preview:
    """One `caseaudit preview` subprocess, its address and its output."""

    process: subprocess.Popen
    url: str = ""
    lines: queue.Queue = field(default_factory=queue.Queue)
    stderr: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return self.url.split("/?", 1)[0]

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1]


def start_preview(project: Path, params: str, *options: str) -> Preview:
    """Start a preview of one audit of the project copy; return once it printed its address."""
    command = [str(Path(sys.executable).with_name("caseaudit")), "preview", params, "--no-browser"]
    command += options
    env = {**os.environ, "CASEAUDIT_ROOT": str(project)}
    process = subprocess.Popen(
        command,
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a signal for the test process never reaches it
    )
    preview = Preview(process)
    threading.Thread(target=_read, args=(process.stdout, preview.lines.put), daemon=True).start()
    threading.Thread(
        target=_read, args=(process.stderr, preview.stderr.append), daemon=True
    ).start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            line = preview.lines.get(timeout=1)
        except queue.Empty:
            continue
        if line.startswith("Preview: http://127.0.0.1:"):
            preview.url = line.split(" ", 1)[1].strip()
            return preview
    stop(preview)
    pytest.fail(f"no address from {params}: {''.join(preview.stderr)[-2000:]}", pytrace=False)


def _read(stream, keep) -> None:  # noqa: ANN001
    for line in stream:
        keep(line)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for_version(preview: Preview, version: int = 1) -> None:
    """Wait until the preview has published at least ``version`` (its first build)."""
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    while time.monotonic() < deadline:
        code, body = get(f"{preview.base}/status?token={preview.token}")
        if code == 200 and json.loads(body)["version"] >= version:
            return
        time.sleep(0.5)
    pytest.fail(f"the preview did not build: {''.join(preview.stderr)[-2000:]}", pytrace=False)


def descendants(pid: int) -> list[int]:
    """Return every process descended from pid (Linux /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        parent_pid = todo.pop()
        kids = [p for p, parent in parents.items() if parent == parent_pid]
        found += kids
        todo += kids
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def interrupt(
    preview: Preview, *, kernel: bool = False, with_pdf: bool = False
) -> tuple[int, list[int]]:
    """Press Ctrl-C on a preview; return its exit status and the processes it left running.

    With ``kernel``, the preview must have a process of its own running (its warm kernel). With
    ``with_pdf``, its PDF engine too (a process of its own), and Ctrl-C goes to the whole
    process group, as a terminal's does.
    """
    spawned = descendants(preview.process.pid)
    assert spawned or not kernel, "no kernel process to check"
    if with_pdf:
        lines = [command_line(pid) for pid in spawned]
        assert any("caseaudit_lib.export.pdf_engine" in line for line in lines), lines
        os.killpg(preview.process.pid, signal.SIGINT)
    else:
        preview.process.send_signal(signal.SIGINT)
    code = preview.process.wait(timeout=STOP_TIMEOUT_S)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(p) for p in spawned):
        time.sleep(0.2)
    return code, [p for p in spawned if alive(p)]


def stop(preview: Preview) -> None:
    """Stop a preview whatever state it is in (the fixtures' clean-up)."""
    if preview.process.poll() is not None:
        return
    spawned = descendants(preview.process.pid)
    for sig in (signal.SIGINT, signal.SIGKILL):
        preview.process.send_signal(sig)
        try:
            preview.process.wait(timeout=STOP_TIMEOUT_S)
            break
        except subprocess.TimeoutExpired:
            continue
    for pid in spawned:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("preview-project")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        else:
            shutil.copy2(source, copy / name)
    return copy


@pytest.fixture(scope="module")
def preview(project: Path) -> Iterator[Preview]:
    running = start_preview(project, AUDIT)
    try:
        wait_for_version(running)
        yield running
    finally:
        stop(running)


@pytest.fixture(scope="module")
def page(preview: Preview, chromium: str) -> Iterator[object]:  # noqa: F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page()
            page.set_default_timeout(EDIT_TIMEOUT_MS)
            page.goto(preview.url)
            yield page
        finally:
            browser.close()


def edit(project: Path, old: str, new: str) -> None:
    """Change a line of the findings file on disk, as an editor's save does."""
    path = project / FINDINGS
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_saved_findings_line_shows_in_the_page(page, project: Path) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    report = page.frame_locator("#report")
    expect(report.get_by_text(SENTENCE)).to_be_visible()
    edit(project, "It was pleasing", "It was most pleasing")
    expect(report.get_by_text(EDITED)).to_be_visible()
    expect(page.locator("#banner")).to_be_hidden()


def test_the_report_is_served_as_built_and_the_audits_own_is_untouched(
    preview: Preview, project: Path
) -> None:
    code, served = get(f"{preview.base}/report?token={preview.token}")
    kept = project / "outputs" / "bromley-2016" / "preview" / "report.html"
    assert code == 200 and served == kept.read_bytes()
    # The report's own policy, as `caseaudit report` writes it: no script may run in it.
    assert b'http-equiv="Content-Security-Policy"' in served and b"<script" not in served
    assert not (project / "outputs" / "bromley-2016" / "report.html").exists()


def test_a_findings_error_shows_its_line_above_the_last_good_report(page, project: Path) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    edit(project, "due: 2016-06-30", "due: 2016-13-45")
    banner = page.locator("#banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"{FINDINGS}: line 190, recommendations[0].due")
    expect(banner).to_contain_text("not a date (found '2016-13-45'")
    expect(page.frame_locator("#report").get_by_text(EDITED)).to_be_visible()  # last good
    edit(project, "due: 2016-13-45", "due: 2016-06-30")
    expect(banner).to_be_hidden()


def test_text_left_out_of_the_report_is_noted_above_it(page, project: Path) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    edit(project, "It was most pleasing", "It was <script>alert(1)</script> most pleasing")
    notes = page.locator("#notes")
    expect(notes).to_contain_text(f"{FINDINGS}: conclusion, line 26: warning: raw HTML <script>")
    expect(page.locator("#banner")).to_be_hidden()
    expect(page.frame_locator("#report").get_by_text(EDITED)).to_be_visible()
    edit(project, "It was <script>alert(1)</script> most pleasing", "It was most pleasing")
    expect(notes).to_be_hidden()


def test_two_previews_at_once_and_ctrl_c_leaves_nothing_running(
    preview: Preview,
    project: Path,
    chromium: str,  # noqa: F811 - the fixture: the other preview prints its PDF
) -> None:
    other = start_preview(project, OTHER_AUDIT, "--pdf")
    try:
        assert other.base != preview.base
        assert get(f"{other.base}/status?token={other.token}")[0] == 200
        assert get(f"{other.base}/status?token={preview.token}")[0] == 403
        # The same audit twice: refused in one line, the running preview untouched.
        again = subprocess.run(
            [str(Path(sys.executable).with_name("caseaudit")), "preview", AUDIT, "--no-browser"],
            cwd=project,
            env={**os.environ, "CASEAUDIT_ROOT": str(project)},
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
        )
        assert again.returncode == 2
        (line,) = again.stderr.strip().splitlines()  # one line, no traceback
        assert "a preview of bromley-2016 is already running" in line
        # Ctrl-C, from a terminal, to the one that started a PDF engine for its PDF.
        wait_for_version(other)
        assert (project / "outputs" / "bromley-2017" / "preview" / "report.pdf").is_file()
        code, left = interrupt(other, kernel=True, with_pdf=True)
        assert code == 0 and not left, f"still running after Ctrl-C: {left}"
        assert get(f"{preview.base}/status?token={preview.token}")[0] == 200
        code, left = interrupt(preview, kernel=True)
        assert code == 0 and not left, f"still running after Ctrl-C: {left}"
        assert "Preview stopped." in "".join(preview.stderr)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{preview.base}/status?token={preview.token}", timeout=5)
    finally:
        stop(other)
