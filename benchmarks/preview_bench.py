"""The writing loop of `caseaudit preview`: a findings save until the new text is on screen.

Run by ``make bench`` (the ``preview`` part of benchmarks/bench.py). In a project root of its own
(``benchmarks/work/preview``: copies of params, data and notebooks, because the findings file is
edited), one ``caseaudit preview params/bromley-2016.yaml --no-browser`` runs while the
benchmark, ``reps`` times, alternately:

- builds the same audit in full, ``caseaudit report params/bromley-2016.yaml`` (a subprocess);
- changes one sentence of the findings file on disk and waits until the new sentence is
  visible in the preview's page, in headless system Chromium (Playwright) when there is one,
  else until the preview serves it (then the page's own poll, 0.3 s at most, is not counted).

The figure is the median time from the save to the sentence on screen, against the target of
3 s, and its ratio to the median full report of the same run.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

PARAMS = "params/bromley-2016.yaml"
FINDINGS = "data/findings/bromley-2016.yaml"
SENTENCE = "It was pleasing to see the distance that has been travelled."
TARGET_S = 3.0
START_TIMEOUT_S = 300
EDIT_TIMEOUT_S = 60
REPORT_TIMEOUT_S = 900


def preview_root(work: Path, project: Path) -> Path:
    """Return a project root whose findings may be edited: copies, never the project's files."""
    root = work / "preview"
    shutil.rmtree(root, ignore_errors=True)
    for name in ("params", "data", "notebooks"):
        shutil.copytree(project / name, root / name)
    (root / "outputs").mkdir()
    return root


def start(command: list[str], env: dict[str, str], root: Path) -> tuple[subprocess.Popen, str]:
    """Start the preview; return it and its address once its first build is on show."""
    process = subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_S)
    line = process.stdout.readline() if ready else ""  # printed before the first build starts
    if not line.startswith("Preview: "):
        process.kill()
        raise SystemExit(f"caseaudit preview did not start: {line!r}")
    url = line.split(" ", 1)[1].strip()
    deadline = time.monotonic() + START_TIMEOUT_S
    while status(url)["version"] < 1:
        if time.monotonic() > deadline:
            stop(process)
            raise SystemExit("caseaudit preview did not build within the timeout")
        time.sleep(0.5)
    return process, url


def status(url: str) -> dict:
    base, token = url.split("/?token=")
    with urllib.request.urlopen(f"{base}/status?token={token}", timeout=10) as reply:
        return json.loads(reply.read())


def served(url: str, text: str) -> bool:
    base, token = url.split("/?token=")
    with urllib.request.urlopen(f"{base}/report?token={token}", timeout=10) as reply:
        return text in reply.read().decode("utf-8")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def edit_and_wait(root: Path, n: int, shown: Callable[[str], bool]) -> float:
    """Save the findings with a new sentence; return the seconds until it is shown."""
    path = root / FINDINGS
    text = path.read_text(encoding="utf-8")
    previous = SENTENCE if n == 0 else SENTENCE.replace("It was", f"It was, edit {n - 1},")
    new = SENTENCE.replace("It was", f"It was, edit {n},")
    assert previous in text, "the findings sentence to edit is missing"
    begun = time.perf_counter()
    path.write_text(text.replace(previous, new, 1), encoding="utf-8")
    while not shown(new):
        if time.perf_counter() - begun > EDIT_TIMEOUT_S:
            raise SystemExit("the preview did not show the edit within the timeout")
        time.sleep(0.02)
    return time.perf_counter() - begun


def bench_preview(
    work: Path,
    project: Path,
    caseaudit: str,
    env_for: Callable[[Path], dict[str, str]],
    reps: int,
    say: Callable[[str], None],
    record: Callable[[str, str, str, bool | None], None],
) -> None:
    """Measure the findings edit in the preview against a full report, alternated."""
    say("\n## preview: findings edit shown / full report (one audit: bromley-2016)")
    root = preview_root(work, project)
    env = env_for(root)
    process, url = start([caseaudit, "preview", PARAMS, "--no-browser"], env, root)
    try:
        with _screen(url) as (shown, how):
            edits, reports = [], []
            for n in range(reps):
                begun = time.perf_counter()
                done = subprocess.run(
                    [caseaudit, "report", PARAMS],
                    cwd=root,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=REPORT_TIMEOUT_S,
                )
                if done.returncode != 0:
                    raise SystemExit(f"caseaudit report failed: {done.stderr[-2000:]!r}")
                reports.append(time.perf_counter() - begun)
                edits.append(edit_and_wait(root, n, shown))
    finally:
        stop(process)
    t_edit, t_report = statistics.median(edits), statistics.median(reports)
    say(f"  findings save -> new sentence {how}: median {t_edit:.2f} s ({_shown(edits)})")
    say(f"  caseaudit report (full): median {t_report:.2f} s ({_shown(reports)})")
    value = f"{t_edit:.2f} s ({t_edit / t_report:.2f} of a full report, {t_report:.2f} s)"
    record("preview: findings edit shown", value, f"<= {TARGET_S:.0f} s", t_edit <= TARGET_S)


def _shown(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


class _screen:  # noqa: N801 - used as a context manager, named for what it yields
    """Yield (is the text shown?, how it is looked for): in Chromium if there is one."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.playwright = self.browser = None

    def __enter__(self) -> tuple[Callable[[str], bool], str]:
        from caseaudit_lib.export.browser import CHROMIUM_ARGS, find_chromium

        executable = find_chromium()
        if executable is None or os.environ.get("CASEAUDIT_BENCH_NO_BROWSER"):
            return (lambda text: served(self.url, text)), "served (no Chromium)"
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS)
        )
        page = self.browser.new_page()
        page.goto(self.url)
        frame = page.frame_locator("#report")
        frame.get_by_text(SENTENCE).wait_for(timeout=START_TIMEOUT_S * 1000)

        def shown(text: str) -> bool:
            return frame.get_by_text(text).count() > 0

        return shown, "on screen in Chromium"

    def __exit__(self, *exc: object) -> None:
        if self.browser is not None:
            self.browser.close()
        if self.playwright is not None:
            self.playwright.stop()
