"""Running LibreOffice headless for the round-trip test: found, started, always stopped.

LibreOffice is Debian's ``libreoffice-calc-nogui`` with ``python3-uno`` (installed by
scripts/install-libreoffice.sh, which ``make test`` runs). The cells are filled by
tests/libreoffice/uno_fill.py, run by the system ``python3`` (the one UNO is built for), talking
to one ``soffice`` listening on a named pipe. Everything that waits has a timeout, and soffice
(with the processes it starts, in their own session) is killed at the end whatever happens.
Without LibreOffice the test skips, saying why; under CI it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import in_ci

UNO_FILL = Path(__file__).parent / "libreoffice" / "uno_fill.py"
SYSTEM_PYTHON = "/usr/bin/python3"
START_TIMEOUT_S = 60
RUN_TIMEOUT_S = 240


def need_libreoffice() -> str:
    """Return the soffice command; skip (fail under CI) when it or python3-uno is missing."""
    soffice = shutil.which("soffice")
    reason = None
    if soffice is None:
        reason = "soffice not found (run: sudo bash scripts/install-libreoffice.sh)"
    elif (
        not Path(SYSTEM_PYTHON).exists()
        or subprocess.run(
            [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, timeout=30
        ).returncode
    ):
        reason = "python3-uno missing (run: sudo bash scripts/install-libreoffice.sh)"
    if reason:
        if in_ci():
            pytest.fail(
                f"CI is set and the LibreOffice round trip cannot run: {reason}", pytrace=False
            )
        pytest.skip(reason)
    return str(soffice)


@contextlib.contextmanager
def running_soffice(profile: Path) -> Iterator[str]:
    """Start one headless soffice listening on a new pipe; yield the pipe's name; kill it."""
    pipe = f"caseaudit-test-{uuid.uuid4().hex[:12]}"
    process = subprocess.Popen(
        [
            need_libreoffice(),
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: soffice starts soffice.bin
    )
    try:
        yield pipe
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


def fill_in_libreoffice(jobs: list[dict], work: Path) -> list[dict]:
    """Run the UNO script over ``jobs`` in one soffice; return its report of each job."""
    plan, result = work / "plan.json", work / "result.json"
    plan.write_text(json.dumps({"deadline_s": START_TIMEOUT_S, "jobs": jobs}), encoding="utf-8")
    with running_soffice(work / "profile") as pipe:
        try:
            run = subprocess.run(
                [SYSTEM_PYTHON, str(UNO_FILL), pipe, str(plan), str(result)],
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"LibreOffice did not finish filling the forms in {RUN_TIMEOUT_S} s")
    if run.returncode:
        pytest.fail(f"filling the forms in LibreOffice failed: {run.stderr.strip()[-800:]}")
    return json.loads(result.read_text(encoding="utf-8"))["jobs"]
