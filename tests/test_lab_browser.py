"""The analyst's path in JupyterLab, in headless Chromium: the explorer responds, audits switch.

The test starts JupyterLab itself, on 127.0.0.1, a free port and a token, rooted (as ``make
lab`` roots it) at a copy of the project, so that nothing it runs or autosaves touches the
committed notebooks. Chromium is the system one (:func:`find_chromium`), driven by Playwright;
nothing is downloaded. The server and every kernel it started are stopped whatever happens:
the kernels through the server's API, then the server's process group, then any kernel's own
process group still alive (jupyter_client starts each kernel in a session of its own).

Outside CI a missing Chromium or Playwright skips the test, saying why; under ``CI`` it fails.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseaudit_lib.export.browser import CHROMIUM_ARGS, find_chromium

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("notebooks", "params", "data", "pyproject.toml")
OTHER_AUDIT = "params/bromley-2017.yaml"
OTHER_TITLE = "Follow-up case file audit, Bromley YOS, March 2017 (synthetic sample)"
VISIBLE_NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# An auditor's comment that would run script if the notebooks' HTML took it as markup.
HOSTILE = '<img src=x onerror="window.caseauditRan=1">'
RUN_TIMEOUT_MS = 300_000  # a cold kernel on a loaded machine imports pandas, scipy, matplotlib


def make_lab_option(name: str) -> str:
    """Return the value ``make lab`` gives a JupyterLab option, so the test opens Lab as it does."""
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nlab:", 1)[1]
    found = re.search(rf"--{re.escape(name)}=(\S+)", recipe)
    assert found, f"make lab does not set --{name}"
    return found.group(1)


def missing(reason: str) -> None:
    """Skip the test, or under CI fail it: a browser check never passes by not running there."""
    if os.environ.get("CI"):
        pytest.fail(f"CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def system_chromium() -> str:
    """Return the system Chromium, with Playwright importable."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("playwright (Python) is not installed")
    found = find_chromium()
    if found is None:
        missing("chromium is not installed; run scripts/install-chromium.sh as root")
    return str(found)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """Return every process descended from pid (Linux /proc), nearest first."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        parent = todo.pop(0)
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        todo += kids
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie has exited; only its parent's wait is missing
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def api(base: str, token: str, path: str, method: str = "GET") -> object:
    request = urllib.request.Request(
        f"{base}{path}", method=method, headers={"Authorization": f"token {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        body = reply.read()
    return json.loads(body) if body else None


def stop(server: subprocess.Popen, base: str, token: str) -> list[int]:
    """Stop every kernel and the server; return the pids that would not die."""
    spawned = children(server.pid)
    try:
        for kernel in api(base, token, "/api/kernels"):  # type: ignore[union-attr]
            api(base, token, f"/api/kernels/{kernel['id']}", method="DELETE")
    except Exception:  # the server may be the thing that failed; the signals below still work
        pass
    spawned += [p for p in children(server.pid) if p not in spawned]
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if server.poll() is None:
            try:
                os.killpg(server.pid, sig)
            except ProcessLookupError:
                pass
            try:
                server.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass
    for pid in spawned:
        if alive(pid):
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(p) for p in spawned):
        time.sleep(0.2)
    return [p for p in spawned if alive(p)]


def plant_hostile_comment(workbook: Path) -> None:
    """Write HOSTILE into the first evidence cell of every question (the copy's workbook)."""
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    sheet = book["Answers"]
    rows = list(sheet.iter_rows())
    header = next(r for r in rows if r[0].value == "case_id")
    for col, cell in enumerate(header):
        if str(cell.value or "").endswith("_comment"):
            for row in rows[header[0].row :]:
                if row[col].value:
                    row[col].value = HOSTILE
                    break
    book.save(workbook)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """Start JupyterLab on a copy of the project; yield (base URL, token, project copy)."""
    project = tmp_path_factory.mktemp("lab-project")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            shutil.copy2(source, project / name)
    plant_hostile_comment(project / "data" / "bromley-2016-audit.xlsx")
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    # Jupyter's config, settings, runtime files (which hold the token) and workspaces all in the
    # copy: the test reads no one's settings and leaves nothing behind.
    env = {
        **os.environ,
        "CASEAUDIT_ROOT": str(project),
        "JUPYTER_CONFIG_DIR": str(project / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(project / ".jupyter" / "runtime"),
    }
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        f"--ServerApp.root_dir={project}",
        f"--LabApp.default_url={make_lab_option('LabApp.default_url')}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabServerApp.workspaces_dir=" + str(project / ".workspaces"),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = open(project / "jupyter.log", "wb")  # noqa: SIM115 - closed in the finally below
    server = subprocess.Popen(
        command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                api(base, token, "/api/status")
                break
            except Exception:
                if server.poll() is not None or time.monotonic() > deadline:
                    tail = (project / "jupyter.log").read_text(errors="replace")[-2000:]
                    pytest.fail(f"JupyterLab did not start:\n{tail}", pytrace=False)
                time.sleep(0.5)
        yield base, token, project
    finally:
        left = stop(server, base, token)
        log.close()
    assert not left, f"processes of the Lab server still running: {left}"


@pytest.fixture(scope="module")
def browser(system_chromium: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=system_chromium, args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def open_notebook(browser, base: str, token: str, name: str):  # noqa: ANN001, ANN201
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    # ?reset: a fresh workspace, not the tabs an earlier test left open
    page.goto(f"{base}/lab/tree/notebooks/{name}?reset&token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    # the notebook's own kernel (Python (caseaudit)) has started and is idle
    page.wait_for_selector(
        ".jp-NotebookPanel-toolbar .jp-KernelName:has-text('caseaudit')", timeout=120_000
    )
    return page


def run_all(page) -> None:  # noqa: ANN001
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")


def wait_until_done(page) -> None:  # noqa: ANN001
    """Wait until no cell is queued or running, and the last cell has run."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            const texts = prompts.map(p => p.textContent.trim());
            return texts.length > 0 && !texts.some(t => t.includes('*'))
                && /\\[\\d+\\]/.test(texts[texts.length - 1]);
        }""",
        timeout=RUN_TIMEOUT_MS,
    )


def text(locator) -> str:  # noqa: ANN001
    """Return an element's text, spaces folded: Lab may not render cells out of view."""
    return " ".join((locator.text_content() or "").split())


def test_lab_opens_on_the_notebooks_with_the_project_in_reach(lab) -> None:  # noqa: ANN001
    base, token, project = lab
    request = urllib.request.Request(f"{base}/?token={token}", method="GET")
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.url.split("?")[0] == f"{base}/lab/tree/notebooks"
    names = {c["name"] for c in api(base, token, "/api/contents")["content"]}  # type: ignore[index]
    assert {"notebooks", "params", "data"} <= names


def test_explorer_responds_in_the_browser(lab, browser) -> None:  # noqa: ANN001
    base, token, _ = lab
    page = open_notebook(browser, base, token, "04_explore.ipynb")
    try:
        run_all(page)
        theme = page.locator(".widget-dropdown:has(label:text-is('Theme')) select")
        theme.wait_for(timeout=RUN_TIMEOUT_MS)
        wait_until_done(page)
        assert not page.locator(".jp-OutputArea-output[data-mime-type*='error']").count()
        # every control shows a value: "All" is really selected
        for label in ("Case type", "Auditor"):
            select = page.locator(f".widget-dropdown:has(label:text-is('{label}')) select")
            assert select.evaluate("s => s.options[s.selectedIndex]?.text") == "All"
        showing = page.locator(".widget-html:has-text('Showing:')")
        assert text(showing).endswith("all case types · all auditors · 20 cases")
        questions = page.locator(".widget-html:has-text('Questions of')").first
        before = text(questions)
        first, other = theme.evaluate("s => [s.options[0].text, s.options[1].text]")
        assert f"Questions of {first}" in before
        theme.select_option(label=other)
        page.wait_for_function(
            "([el, old]) => el.textContent.split(/\\s+/).join(' ').trim() !== old",
            arg=[questions.element_handle(), before],
            timeout=60_000,
        )
        after = text(questions)
        assert f"Questions of {other}" in after and after != before
        assert text(showing).startswith(f"Showing: {other} · ")
        # An auditor's "<img onerror=...>" is shown as text and runs nothing.
        evidence = page.locator(".widget-html:has-text('Cases and the auditors')").first
        assert HOSTILE in text(evidence)
        assert page.locator(".jp-OutputArea img[src='x']").count() == 0
        assert page.evaluate("() => window.caseauditRan") is None
    finally:
        page.screenshot(path=str(lab[2] / "04_explore.png"))
        page.close()


def test_params_file_switches_the_audit_in_the_browser(lab, browser) -> None:  # noqa: ANN001
    base, token, _ = lab
    page = open_notebook(browser, base, token, "02_theme_scores.ipynb")
    try:
        cell = page.locator(f"{VISIBLE_NOTEBOOK} .jp-CodeCell").first
        assert "params_file" in text(cell)
        editor = cell.locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+Home")
        page.keyboard.press("Shift+End")
        page.keyboard.insert_text(f'params_file = "{OTHER_AUDIT}"')
        assert f'params_file = "{OTHER_AUDIT}"' in text(editor)
        page.keyboard.press("Escape")
        run_all(page)
        headline = page.locator(".caseaudit-headline")
        headline.wait_for(timeout=RUN_TIMEOUT_MS)
        assert OTHER_TITLE in text(headline)
        assert "audit id bromley-2017" in text(headline)
        wait_until_done(page)
        assert not page.locator(".jp-OutputArea-output[data-mime-type*='error']").count()
    finally:
        # what the browser showed, for a failure's post-mortem (in the test's temporary folder)
        page.screenshot(path=str(lab[2] / "02_theme_scores.png"))
        page.close()


def test_a_missing_browser_fails_under_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI: chromium is not installed"):
        missing("chromium is not installed")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        missing("chromium is not installed")
