"""Opening an exported report in headless Chromium to check it renders and stays offline.

A report is for a board member's laptop, perhaps with no network: it must render from the file
alone. :func:`check_report` opens it in Debian's Chromium through Playwright, lets the file itself
load and aborts (and records) every other request, then reads the rendered page: the title, the
table of contents' links, every image's decoded size and alt text. The report command can call it
after exporting; the browser test calls it on a freshly exported report.

Chromium is the system one (``scripts/install-chromium.sh`` installs it), not Playwright's
download, so nothing is fetched to run the check.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from caseaudit_lib.errors import CaseAuditError, Problem

CHROMIUM_ENV = "CASEAUDIT_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Headless in a container, and nothing in the background that would itself go on the network
# (and so be counted against the report).
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
TIMEOUT_MS = 30_000

_IMAGES_JS = """() => Array.from(document.images).map(img => ({
    complete: img.complete,
    width: img.naturalWidth,
    alt: (img.getAttribute('alt') || '').trim(),
}))"""
_TOC_JS = """() => Array.from(document.querySelectorAll('nav.toc a')).map(a => {
    const href = a.getAttribute('href') || '';
    const id = href.startsWith('#') ? decodeURIComponent(href.slice(1)) : null;
    return {href: href, resolves: id !== null && document.getElementById(id) !== null};
})"""


class BrowserUnavailableError(CaseAuditError):
    """No Chromium to check the report with."""


@dataclass
class BrowserReport:
    """What headless Chromium saw of one report.

    Attributes:
        title: The page's ``<title>``.
        h1_visible: Whether the page's first ``<h1>`` is rendered visibly.
        toc_links: The number of links in the table of contents.
        broken_toc_links: The hrefs of contents links that lead to no element of the page.
        image_count: The number of ``<img>`` elements.
        broken_images: Indexes (0-based, page order) of images that did not decode.
        images_without_alt: Indexes of images with no or blank alt text.
        blocked_requests: URLs the page asked for outside the file; all were aborted.
        page_errors: Uncaught script errors (a report has no scripts, so any is a fault).

    """

    title: str = ""
    h1_visible: bool = False
    toc_links: int = 0
    broken_toc_links: list[str] = field(default_factory=list)
    image_count: int = 0
    broken_images: list[int] = field(default_factory=list)
    images_without_alt: list[int] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether the report rendered offline with nothing broken."""
        return self.h1_visible and not (
            self.broken_toc_links
            or self.broken_images
            or self.images_without_alt
            or self.blocked_requests
            or self.page_errors
        )

    def problems(self, file: str) -> list[Problem]:
        """Return one problem per fault found, for the command line."""
        faults = [
            (not self.h1_visible, "the title (h1) is not visible"),
            (self.broken_toc_links, f"{len(self.broken_toc_links)} contents link(s) lead nowhere"),
            (self.broken_images, f"{len(self.broken_images)} image(s) did not render"),
            (self.images_without_alt, f"{len(self.images_without_alt)} image(s) have no alt text"),
            (
                self.blocked_requests,
                f"the page asked for {len(self.blocked_requests)} resource(s) outside the file",
            ),
            (self.page_errors, f"{len(self.page_errors)} script error(s)"),
        ]
        return [Problem("error", file, message) for fault, message in faults if fault]


def find_chromium() -> str | None:
    """Return the Chromium executable: $CASEAUDIT_CHROMIUM if set, else /usr/bin/chromium or PATH.

    A ``CASEAUDIT_CHROMIUM`` that names no executable gives None rather than some other browser:
    the user asked for that one (:func:`missing_chromium_reason` says so).
    """
    chosen = os.environ.get(CHROMIUM_ENV, "").strip()
    if chosen:
        return chosen if _is_executable(chosen) else None
    if _is_executable(DEFAULT_CHROMIUM):
        return DEFAULT_CHROMIUM
    return shutil.which("chromium")


def missing_chromium_reason() -> str:
    """Return one line saying why :func:`find_chromium` found nothing, and what to do."""
    chosen = os.environ.get(CHROMIUM_ENV, "").strip()
    if chosen:
        return f"{CHROMIUM_ENV}={chosen} is not an executable file"
    return f"no Chromium at {DEFAULT_CHROMIUM} or on PATH; run scripts/install-chromium.sh as root"


def _is_executable(path: str) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


def check_report(
    html_path: Path,
    screenshot_path: Path | None = None,
    *,
    executable_path: str | None = None,
    full_page: bool = False,
) -> BrowserReport:
    """Open a report in headless Chromium, offline, and return what rendered.

    Args:
        html_path: The exported report.
        screenshot_path: Where to save a PNG screenshot, if wanted.
        full_page: Screenshot the whole page rather than the first screen.
        executable_path: The Chromium to use; None for :func:`find_chromium`.

    Returns:
        A :class:`BrowserReport`; ``report.ok`` says whether all is well.

    Raises:
        BrowserUnavailableError: If there is no Chromium or Playwright cannot start it.

    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    executable = executable_path or find_chromium()
    if executable is None:
        raise BrowserUnavailableError(
            [Problem("error", str(html_path), f"cannot check it: {missing_chromium_reason()}")]
        )
    page_url = Path(html_path).resolve().as_uri()
    report = BrowserReport()

    def is_the_file(url: str) -> bool:
        return url.split("#", 1)[0] == page_url or url.startswith("data:")

    def record(url: str) -> None:
        if url not in report.blocked_requests:
            report.blocked_requests.append(url)

    def route(route, request) -> None:  # noqa: ANN001 - Playwright's callback signature
        if is_the_file(request.url):
            route.continue_()
        else:
            record(request.url)
            route.abort("blockedbyclient")

    def seen(request) -> None:  # noqa: ANN001
        # Also record requests that routing does not see (e.g. made by a worker).
        if not is_the_file(request.url):
            record(request.url)

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_ARGS), headless=True
            )
            try:
                context = browser.new_context(service_workers="block", java_script_enabled=True)
                context.route("**/*", route)
                context.on("request", seen)
                page = context.new_page()
                page.on("pageerror", lambda exc: report.page_errors.append(str(exc)))
                page.on("websocket", lambda ws: record(ws.url))
                page.goto(page_url, wait_until="load", timeout=TIMEOUT_MS)
                report.title = page.title()
                h1 = page.locator("h1").first
                report.h1_visible = h1.count() > 0 and h1.is_visible()
                toc = page.evaluate(_TOC_JS)
                report.toc_links = len(toc)
                report.broken_toc_links = [link["href"] for link in toc if not link["resolves"]]
                images = page.evaluate(_IMAGES_JS)
                report.image_count = len(images)
                report.broken_images = [
                    i for i, img in enumerate(images) if not img["complete"] or img["width"] == 0
                ]
                report.images_without_alt = [i for i, img in enumerate(images) if not img["alt"]]
                if screenshot_path is not None:
                    Path(screenshot_path).parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshot_path), full_page=full_page)
            finally:
                browser.close()
    except PlaywrightError as exc:
        if "Executable doesn't exist" in str(exc) or "Failed to launch" in str(exc):
            raise BrowserUnavailableError(
                [Problem("error", str(executable), "Chromium could not be started")]
            ) from exc
        raise
    return report
