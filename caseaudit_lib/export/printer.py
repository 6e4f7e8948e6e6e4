"""One headless Chromium kept running for a process's PDF prints, on a thread of its own.

Starting Chromium (and Playwright's driver) costs more than printing a report with it, and a
batch worker prints one report per audit: :func:`printer_for` keeps one browser per Chromium
executable for the life of the process and gives each print a fresh browser context (its own
request filter, no state carried from the report before). Playwright's sync API belongs to the
thread that started it, so the browser lives on a daemon thread that takes print jobs from a
queue: the caller's thread (which may run nbclient's event loops, or a test's own Playwright) is
never touched. A browser that crashed is started again for the next print.
"""

from __future__ import annotations

import atexit
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

# A print job: what to do with the running browser, and where its result goes.
_Job = tuple[Callable[[Any], bytes], Future]


class LaunchError(Exception):
    """Chromium could not be started: the first line of Playwright's message."""


class PrintError(Exception):
    """Chromium started but the print failed: the first line of Playwright's message."""


def first_line(exc: BaseException) -> str:
    """Return the first line of an exception's message, shortened for a one-line error."""
    return (str(exc).strip().splitlines() or ["no message"])[0][:160]


class ChromiumPrinter:
    """A headless Chromium on its own thread, running jobs one at a time.

    Args:
        executable: The Chromium to start.
        args: Its command-line switches.

    """

    def __init__(self, executable: str, args: tuple[str, ...]) -> None:
        self.executable = executable
        self.args = args
        self.launches = 0  # browsers started so far: one, unless one crashed
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="caseaudit-chromium", daemon=True)
        self._thread.start()

    def run(self, job: Callable[[Any], bytes]) -> bytes:
        """Run ``job(browser)`` on the browser's thread and return what it returns.

        Raises:
            LaunchError: Chromium could not be started.
            PrintError: the job failed.

        """
        if not self._thread.is_alive():
            raise LaunchError("the printing thread has stopped")
        done: Future[bytes] = Future()
        self._jobs.put((job, done))
        return done.result()

    def close(self) -> None:
        """Stop the browser and its thread (safe to call twice)."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=30)

    def _serve(self) -> None:
        try:
            from playwright.sync_api import Error as PlaywrightError
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            self._fail_all(LaunchError(f"playwright is not installed ({first_line(exc)})"))
            return
        with sync_playwright() as playwright:
            browser = None
            try:
                while (item := self._jobs.get()) is not None:
                    job, done = item
                    if browser is None or not browser.is_connected():
                        try:
                            browser = playwright.chromium.launch(
                                executable_path=self.executable, args=list(self.args)
                            )
                            self.launches += 1
                        except PlaywrightError as exc:
                            browser = None
                            done.set_exception(LaunchError(first_line(exc)))
                            continue
                    try:
                        done.set_result(job(browser))
                    except PlaywrightError as exc:
                        done.set_exception(PrintError(first_line(exc)))
                    except BaseException as exc:  # the caller's own error, raised in its thread
                        done.set_exception(exc)
            finally:
                if browser is not None and browser.is_connected():
                    browser.close()

    def _fail_all(self, error: BaseException) -> None:
        """Answer every job, now and later, with one error (no browser can ever start)."""
        while (item := self._jobs.get()) is not None:
            item[1].set_exception(error)


_printers: dict[tuple[str, tuple[str, ...]], ChromiumPrinter] = {}
_lock = threading.Lock()


def printer_for(executable: str, args: tuple[str, ...]) -> ChromiumPrinter:
    """Return this process's printer for a Chromium, starting its thread on first use."""
    with _lock:
        printer = _printers.get((executable, args))
        if printer is None:
            printer = _printers[(executable, args)] = ChromiumPrinter(executable, args)
            if len(_printers) == 1:
                _register_shutdown()
        return printer


def close_printers() -> None:
    """Stop every printer of this process (at exit; also for tests)."""
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
