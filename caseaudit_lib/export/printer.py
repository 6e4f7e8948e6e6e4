"""The PDF engine kept running for a process's prints, as a child process with a timeout on each.

Loading WeasyPrint (and Pango under it) costs about as much as a print, and a batch worker prints
one report per audit: :func:`printer_for` keeps one engine process
(:mod:`caseaudit_lib.export.pdf_engine`) per command for the life of the process. A child
process, not a thread, because a print that never returns must be stoppable: every start and
every print has a deadline; past it the engine is killed and the print fails in one line, and
the next print starts a fresh engine. An engine that cannot start fails that print and every
later one of the process at once, with the same line (nothing waits on an engine that is not
there). An engine that died mid-print fails that print, saying how it ended, and is started
again for the next.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from typing import IO, Any

from caseaudit_lib.config.timeouts import seconds_from_env

ENGINE_ENV = "CASEAUDIT_PDF_ENGINE"  # a command line to run instead of the bundled engine
TIMEOUT_ENV = "CASEAUDIT_PDF_TIMEOUT"  # seconds one print may take
DEFAULT_TIMEOUT = 120.0  # a long report prints in a few seconds; generous on a loaded machine
START_TIMEOUT = 60.0  # seconds for the engine to load WeasyPrint and say it is ready


class LaunchError(Exception):
    """The PDF engine could not be started: one line saying why."""


class PrintError(Exception):
    """The engine started but this print failed (or timed out): one line saying why."""


def first_line(exc: BaseException | str) -> str:
    """Return the first line of a message, shortened for a one-line error."""
    return (str(exc).strip().splitlines() or ["no message"])[0][:200]


def engine_command() -> tuple[str, ...]:
    """Return the command that starts the engine: $CASEAUDIT_PDF_ENGINE, else the bundled one."""
    chosen = os.environ.get(ENGINE_ENV, "").strip()
    if chosen:
        return tuple(shlex.split(chosen))
    return (sys.executable, "-m", "caseaudit_lib.export.pdf_engine")


def print_timeout() -> float:
    """Return the seconds a print may take: $CASEAUDIT_PDF_TIMEOUT, else the default."""
    return seconds_from_env(TIMEOUT_ENV, DEFAULT_TIMEOUT)


class PdfPrinter:
    """One engine process that prints report after report, each print with a deadline.

    Args:
        command: The engine's command line.
        start_timeout: Seconds the engine may take to say it is ready.

    """

    def __init__(self, command: tuple[str, ...], start_timeout: float = START_TIMEOUT) -> None:
        self.command = command
        self.start_timeout = start_timeout
        self.launches = 0  # engines started so far: one, unless one died or was killed
        self.version = ""  # what the running engine said it is
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._buffer = b""
        self._broken = ""  # why the engine cannot start: every later print fails with it
        self._started = 0.0  # when the running engine was launched (monotonic)
        self._ahead = False  # whether it was launched ahead of any print, by start()
        self._lock = threading.Lock()

    def print_pdf(self, job: dict[str, str], timeout: float) -> None:
        """Have the engine print one job (``html``, ``pdf``, ``title``, ``footer``).

        Raises:
            LaunchError: the engine could not be started (now or earlier in this process).
            PrintError: the print failed, the engine died, or no answer came within ``timeout``.

        """
        with self._lock:
            if self._broken:
                raise LaunchError(self._broken)
            # An engine that died after it was ready is started again; one started ahead (by
            # start()) that failed to start is tried once more, now: it may have been killed
            # by something else; one that fails here is broken for good.
            if self._process is None or (self.version and self._process.poll() is not None):
                self._launch()
            if not self.version:
                try:
                    self._await_ready()
                except LaunchError:
                    if not self._ahead:
                        raise
                    self._broken = ""
                    self._launch()
                    self._await_ready()
            self._send(job)
            answer = self._answer(time.monotonic() + timeout, f"within {timeout:g} s")
            if "error" in answer:
                raise PrintError(first_line(answer["error"]))

    def start(self) -> None:
        """Start the engine now, without waiting for it: the first print then finds it loaded."""
        with self._lock:
            if not self._broken and (self._process is None or self._process.poll() is not None):
                try:
                    self._launch()
                    self._ahead = True
                except LaunchError:
                    pass  # the print that follows raises it again

    def close(self) -> None:
        """Stop the engine (safe to call twice): end its input, then kill it if it lingers."""
        with self._lock:
            self._stop(graceful=True)

    def _launch(self) -> None:
        self._stop(graceful=False)
        self._buffer = b""
        self.version = ""
        self._ahead = False
        self._started = time.monotonic()
        self._stderr = tempfile.TemporaryFile()  # a file, not a pipe: a chatty engine never blocks
        try:
            self._process = subprocess.Popen(  # noqa: S603 - our own engine, or the user's choice
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        except OSError as exc:
            self._broken = f"the PDF engine could not be started: {first_line(exc)}"
            raise LaunchError(self._broken) from exc
        self.launches += 1

    def _await_ready(self) -> None:
        try:
            ready = self._answer(
                self._started + self.start_timeout,
                f"within {self.start_timeout:g} s of starting",
            )
        except PrintError as exc:
            self._broken = str(exc)
            raise LaunchError(self._broken) from exc
        self.version = str(ready.get("ready", ""))

    def _send(self, job: dict[str, str]) -> None:
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write((json.dumps(job) + "\n").encode())
            self._process.stdin.flush()
        except OSError as exc:
            raise PrintError(self._ended()) from exc

    def _answer(self, deadline: float, waited: str) -> dict[str, Any]:
        """Return the engine's next answer line; kill it and fail if none comes by ``deadline``."""
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(timeout=left):
                    self._stop(graceful=False)
                    raise PrintError(f"the PDF engine gave no answer {waited}; it was stopped")
                chunk = os.read(stdout.fileno(), 65536)
                if not chunk:
                    raise PrintError(self._ended())
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            answer = json.loads(line)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            self._stop(graceful=False)
            raise PrintError(
                f"the PDF engine answered nonsense: {first_line(line.decode('replace'))}"
            )
        return answer

    def _ended(self) -> str:
        """Return one line saying how the engine ended, with the last line it wrote to stderr."""
        code = None
        if self._process is not None:
            try:
                code = self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # closed its output but lingers: killed below
                pass
        said = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
            said = f": {first_line(lines[-1])}" if lines else ""
        self._stop(graceful=False)
        return f"the PDF engine stopped (exit status {code}){said}"

    def _stop(self, *, graceful: bool) -> None:
        process, self._process = self._process, None
        if process is not None:
            if graceful and process.stdin is not None:
                try:
                    process.stdin.close()
                    process.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


_printers: dict[tuple[str, ...], PdfPrinter] = {}
_lock = threading.Lock()


def printer_for(command: tuple[str, ...]) -> PdfPrinter:
    """Return this process's printer for an engine command, made on first use."""
    with _lock:
        printer = _printers.get(command)
        if printer is None:
            printer = _printers[command] = PdfPrinter(command)
            if len(_printers) == 1:
                _register_shutdown()
        return printer


def close_printers() -> None:
    """Stop every engine of this process (at exit; also for tests)."""
    with _lock:
        printers = list(_printers.values())
        _printers.clear()
    for printer in printers:
        printer.close()


def _register_shutdown() -> None:
    atexit.register(close_printers)
    # A multiprocessing worker does not run atexit handlers; its finalizers do run.
    from multiprocessing import util

    util.Finalize(None, close_printers, exitpriority=40)
