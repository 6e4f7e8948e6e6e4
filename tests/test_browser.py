"""Browser test: an exported report renders offline in headless Chromium; no silent skip in CI."""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
import warnings
from functools import partial
from pathlib import Path

import browser_support
import pytest
from browser_support import chromium  # noqa: F401 - the fixture
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from caseaudit_lib.export import browser
from caseaudit_lib.export.browser import check_report
from caseaudit_lib.export.html import ExportWarning, export_html

FIGURE_CELL = textwrap.dedent(
    """
    import matplotlib.pyplot as plt
    from IPython.display import display
    fig, ax = plt.subplots(figsize=(4, 2.5))
    ax.barh(["Assessments", "Plans"], [70, 55], color="#0072B2")
    ax.set_title("Scores by theme")
    display(fig, metadata={"caseaudit": {"alt": "Bar chart: Assessments 70%, Plans 55%"}})
    plt.close(fig)
    """
)
NO_ALT_FIGURE_CELL = textwrap.dedent(
    """
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 2, 3], [60, 65, 70], marker="o")
    display(fig)
    plt.close(fig)
    """
)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A small report: a notebook executed here, then exported."""
    nb = new_notebook(
        cells=[
            new_code_cell("audit_id = 'sample'", metadata={"tags": ["parameters"]}),
            new_markdown_cell("## Summary\n\nTwenty cases were audited."),
            new_markdown_cell("### Scores by theme"),
            new_code_cell(FIGURE_CELL),
            new_markdown_cell("## Trend"),
            new_code_cell(NO_ALT_FIGURE_CELL),
            new_code_cell("print('<b>done</b>')"),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    folder = tmp_path_factory.mktemp("browser")
    NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    out = folder / "report.html"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExportWarning)  # the second figure has no alt on purpose
        export_html(nb, out, title="Case file audit: Sample YOS", footer="Sample YOS, 1 March 2016")
    return out


def test_report_renders_offline_in_chromium(report, chromium, tmp_path):  # noqa: F811
    shot = tmp_path / "report.png"
    seen = check_report(report, shot, executable_path=chromium, full_page=True)
    assert seen.blocked_requests == []
    assert seen.page_errors == []
    assert seen.title == "Case file audit: Sample YOS"
    assert seen.h1_visible
    assert seen.toc_links == 3 and seen.broken_toc_links == []
    assert seen.image_count == 2
    assert seen.broken_images == []
    assert seen.images_without_alt == []
    assert seen.ok
    assert shot.stat().st_size > 10_000  # a real full-page screenshot, not an empty one
    # The first figure's alt text came from its display metadata; the second had none and got
    # one from its heading.
    alts = re.findall(r'<img[^>]*\salt="([^"]*)"', report.read_text())
    assert alts == ["Bar chart: Assessments 70%, Plans 55%", "Figure 2: Trend"]


def test_check_report_catches_external_requests_and_broken_images(chromium, tmp_path):  # noqa: F811
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>Bad</title>"
        '<script src="https://cdn.example.org/require.js"></script>'
        '<link rel="stylesheet" href="//cdn.example.org/lab.css"></head>'
        '<body><h1>Bad</h1><nav class="toc"><a href="#missing">Gone</a></nav>'
        '<img src="chart.png" alt="A chart"><img src="data:image/png;base64,AAAA"></body></html>'
    )
    seen = check_report(page, executable_path=chromium)
    # The browser fetches these in parallel, so in no fixed order.
    assert sorted(seen.blocked_requests) == sorted(
        [
            "https://cdn.example.org/require.js",
            "file://cdn.example.org/lab.css",
            (tmp_path / "chart.png").as_uri(),
        ]
    )
    assert seen.broken_toc_links == ["#missing"]
    assert seen.broken_images == [0, 1]
    assert seen.images_without_alt == [1]
    assert not seen.ok
    assert len(seen.problems(str(page))) == 4


# --- no silent skip in CI: finding Chromium, and the install script ------------------------

BASH = shutil.which("bash")


@pytest.fixture
def no_chromium(tmp_path, monkeypatch):
    """No Chromium anywhere: not at the default path, not on PATH, no CASEAUDIT_CHROMIUM."""
    monkeypatch.setattr(browser, "DEFAULT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(browser.CHROMIUM_ENV, raising=False)
    assert browser.find_chromium() is None


def failing_installer(tmp_path: Path) -> Path:
    script = tmp_path / "install.sh"
    script.write_text("echo 'install-chromium: could not install chromium (offline)'\nexit 1\n")
    return script


def run_support(monkeypatch, script: Path, ci: str | None):
    # bash by its full path: PATH holds no browser, and no bash either.
    monkeypatch.setattr(
        browser_support.subprocess, "run", partial(_run_with_bash, real=subprocess.run)
    )
    return browser_support.chromium_or_stop(script, environ={} if ci is None else {"CI": ci})


def _run_with_bash(args, real, **kwargs):
    return real([BASH, *args[1:]], **kwargs)


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_no_chromium_under_ci_fails_with_one_clear_line(no_chromium, tmp_path, monkeypatch, ci):
    with pytest.raises(pytest.fail.Exception) as caught:
        run_support(monkeypatch, failing_installer(tmp_path), ci)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("CI is set and the browser check cannot run: no Chromium at")
    assert "install.sh exited 1: install-chromium: could not install chromium (offline)" in message


@pytest.mark.parametrize("ci", [None, "", "  "])
def test_no_chromium_elsewhere_skips_saying_why(no_chromium, tmp_path, monkeypatch, ci):
    with pytest.raises(pytest.skip.Exception) as caught:
        run_support(monkeypatch, failing_installer(tmp_path), ci)
    assert str(caught.value).startswith("browser check skipped: no Chromium at")
    assert "could not install chromium (offline)" in str(caught.value)


def test_chromium_on_path_is_found_without_installing(no_chromium, tmp_path, monkeypatch):
    fake = tmp_path / "empty-bin" / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    never = tmp_path / "never.sh"
    never.write_text("exit 7\n")
    assert run_support(monkeypatch, never, "true") == str(fake)


def test_a_caseaudit_chromium_that_is_not_there_is_not_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv(browser.CHROMIUM_ENV, str(tmp_path / "missing"))
    assert browser.find_chromium() is None  # even though /usr/bin/chromium may exist
    assert browser.missing_chromium_reason() == (
        f"CASEAUDIT_CHROMIUM={tmp_path / 'missing'} is not an executable file"
    )


def fake_bin(tmp_path: Path, *, uid: int, apt_get: str | None) -> Path:
    """A PATH folder with a fake `id` and, optionally, a fake `apt-get` running `apt_get`."""
    folder = tmp_path / "bin"
    folder.mkdir()
    tools = {"id": f"echo {uid}"}
    if apt_get is not None:
        tools["apt-get"] = apt_get
    for name, body in tools.items():
        (folder / name).write_text(f"#!{BASH}\n{body}\n")
        (folder / name).chmod(0o755)
    return folder


def run_install_script(tmp_path: Path, executable: Path, path: Path):
    return subprocess.run(
        [BASH, str(browser_support.INSTALL_SCRIPT)],
        env={"PATH": str(path), "CASEAUDIT_CHROMIUM": str(executable)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("uid", "apt_get", "says"),
    [
        (1000, None, "not running as root"),
        (0, None, "apt-get is not available"),
        (0, "exit 100", "could not install chromium with apt-get"),
        (0, "exit 0", "still no Chromium at"),  # apt-get "worked" but no browser appeared
    ],
)
def test_install_script_exits_non_zero_when_it_could_not_install(tmp_path, uid, apt_get, says):
    path = fake_bin(tmp_path, uid=uid, apt_get=apt_get)
    result = run_install_script(tmp_path, tmp_path / "missing-chromium", path)
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert lines and says in lines[-1]
    assert lines[-1].startswith("install-chromium: ")


def test_install_script_exits_zero_when_chromium_is_there_or_installed(tmp_path):
    executable = tmp_path / "chromium"
    # The fake apt-get "installs" it (by full paths: PATH holds only the fakes).
    touch, chmod = shutil.which("touch"), shutil.which("chmod")
    install = f'[ "$1" = install ] && {touch} {executable} && {chmod} +x {executable}; exit 0'
    path = fake_bin(tmp_path, uid=0, apt_get=install)
    installed = run_install_script(tmp_path, executable, path)
    assert installed.returncode == 0, installed
    assert installed.stdout.strip() == f"chromium installed: {executable}"
    again = run_install_script(tmp_path, executable, path)
    assert again.returncode == 0
    assert again.stdout.strip() == f"chromium already installed: {executable}"
