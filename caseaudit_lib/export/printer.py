"""One headless Chromium kept running for a process's PDF prints, on a thread of its own.

Starting Chromium (and Playwright's driver) costs more than printing a report with it, and a
batch worker prints one report per audit: :func:`printer_for` keeps one browser, and one page
in it, per Chromium executable for the life of the process. Playwright's sync API belongs to the
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
    """A headless Chromium on its own thread, with one page that prints report after report.

    The page is kept between prints (a new browser context per print costs a renderer process
    each time, about half a print). It runs no script and registers no service worker, and
    while a report is open every request but the report file itself (and its ``data:`` URIs)
    is aborted, so nothing of one report can reach the next, and nothing reaches the network.

    Args:
        executable: The Chromium to start.
        args: Its command-line switches.

    """

    def __init__(self, executable: str, args: tuple[str, ...]) -> None:
        self.executable = executable
        self.args = args
        self.launches = 0  # browsers started so far: one, unless one crashed
        self._allowed = ""  # the one URL the page may load now
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="caseaudit-chromium", daemon=True)
        self._thread.start()

    def print_page(self, url: str, options: dict[str, Any], timeout_ms: float) -> bytes:
        """Open ``url`` in the page (nothing else may load), emulating print; return its PDF.

        Raises:
            LaunchError: Chromium could not be started.
            PrintError: the page could not be opened or printed.

        """

        def job(page: Any) -> bytes:
            self._allowed = url
            page.goto(url, wait_until="load", timeout=timeout_ms)
            return page.pdf(**options)

        return self.run(job)

    def run(self, job: Callable[[Any], bytes]) -> bytes:
        """Run ``job(page)`` on the browser's thread and return what it returns.

        Raises:
            LaunchError: Chromium could not be started.
            PrintError: the job failed (a Playwright error).

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

    def _route(self, route: Any, request: Any) -> None:
        # The report is self-contained: anything else would be a request to the network.
        if request.url.split("#", 1)[0] == self._allowed or request.url.startswith("data:"):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _serve(self) -> None:
        try:
            from playwright.sync_api import Error as PlaywrightError
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            self._fail_all(LaunchError(f"playwright is not installed ({first_line(exc)})"))
            return
        with sync_playwright() as playwright:
            browser = page = None
            try:
                while (item := self._jobs.get()) is not None:
                    job, done = item
                    if page is None or page.is_closed() or not browser.is_connected():
                        if browser is not None and browser.is_connected():
                            browser.close()
                        try:
                            browser, page = self._open_page(playwright)
                        except PlaywrightError as exc:
                            browser = page = None
                            done.set_exception(LaunchError(first_line(exc)))
                            continue
                    try:
                        done.set_result(job(page))
                    except PlaywrightError as exc:
                        done.set_exception(PrintError(first_line(exc)))
                    except BaseException as exc:  # the caller's own error, raised in its thread
                        done.set_exception(exc)
                    finally:
                        self._allowed = ""
            finally:
                if browser is not None and browser.is_connected():
                    browser.close()

    def _open_page(self, playwright: Any) -> tuple[Any, Any]:
        """Start Chromium and open the page every print uses: no script, print media."""
        browser = playwright.chromium.launch(executable_path=self.executable, args=list(self.args))
        self.launches += 1
        try:
            context = browser.new_context(service_workers="block", java_script_enabled=False)
            context.route("**/*", self._route)
            page = context.new_page()
            page.emulate_media(media="print")
        except BaseException:
            browser.close()  # started but unusable: not left running
            raise
        return browser, page

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
