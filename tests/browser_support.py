"""The ``chromium`` fixture: the system Chromium for browser tests, installed if missing.

Import the fixture into a test module (``from browser_support import chromium``). It runs
``scripts/install-chromium.sh`` once when Chromium is missing. If there is still none, the test
FAILS where the environment variable ``CI`` is set (to anything non-empty): a CI run must never
pass without opening a report in a browser. Elsewhere it skips, and the skip says why (pytest's
``-ra`` summary lists it).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from caseaudit_lib.export.browser import find_chromium, missing_chromium_reason

INSTALL_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "install-chromium.sh"


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """Return whether this is a CI run: ``CI`` set to a non-empty value."""
    return bool((os.environ if environ is None else environ).get("CI", "").strip())


def no_browser(reason: str, environ: Mapping[str, str] | None = None) -> None:
    """Fail the test under CI, skip it elsewhere; either way with one line saying why."""
    if in_ci(environ):
        pytest.fail(f"CI is set and the browser check cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser check skipped: {reason}")


def chromium_or_stop(
    install_script: Path = INSTALL_SCRIPT, environ: Mapping[str, str] | None = None
) -> str:
    """Return a Chromium executable, installing it once if missing; else fail (CI) or skip."""
    if importlib.util.find_spec("playwright") is None:
        no_browser("playwright (Python) is not installed", environ)
    found = find_chromium()
    if found is not None:
        return found
    reason = missing_chromium_reason()
    if install_script.is_file():
        result = subprocess.run(
            ["bash", str(install_script)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=900,
            check=False,
        )
        found = find_chromium()
        if found is not None:
            return found
        last = (result.stdout.strip().splitlines() or ["no output"])[-1]
        reason = f"{reason}; {install_script.name} exited {result.returncode}: {last}"
    no_browser(reason, environ)
    raise AssertionError("unreachable")  # no_browser always raises


@pytest.fixture(scope="session")
def chromium() -> str:
    """Return the path of a Chromium executable (see the module docstring when there is none)."""
    return chromium_or_stop()
