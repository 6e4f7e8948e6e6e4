"""The ``chromium`` fixture: the system Chromium for browser tests, installed if missing.

Import the fixture into a test module (``from browser_support import chromium``). It tries
``scripts/install-chromium.sh`` once when Chromium is missing, and skips (with the reason) only
if it is still missing afterwards, e.g. when not root or offline.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from caseaudit_lib.export.browser import find_chromium

INSTALL_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "install-chromium.sh"


@pytest.fixture(scope="session")
def chromium() -> str:
    """Return the path of a Chromium executable, or skip the test if there is none."""
    pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
    found = find_chromium()
    if found is None and INSTALL_SCRIPT.is_file() and hasattr(os, "geteuid"):
        result = subprocess.run(
            ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900, check=False
        )
        found = find_chromium()
        if found is None:
            last = (result.stdout.strip().splitlines() or ["no output"])[-1]
            pytest.skip(f"chromium is not installed and could not be installed: {last}")
    if found is None:
        pytest.skip("chromium is not installed; run scripts/install-chromium.sh as root")
    return found
