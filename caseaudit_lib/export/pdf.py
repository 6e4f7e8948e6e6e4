"""Printing an exported HTML report to ``report.pdf`` for the board pack, with headless Chromium.

The PDF is made from the very HTML file the board can open, so the two never disagree. Chromium
(the system one, :func:`caseaudit_lib.export.browser.find_chromium`; never a browser download)
prints it through Playwright's ``page.pdf``: A4, the report's title in the header, the service
and date with "Page N of M" in the footer, the report's print stylesheet (no chart, table row or
call-out split across pages), selectable text, working contents links, an outline of the
headings and a tagged PDF (a structure tree, for screen readers). While printing, every request
that is not the file itself is aborted, as in the browser check: the PDF is made offline.
One Chromium serves every print of a process (:mod:`caseaudit_lib.export.printer`).
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from caseaudit_lib.errors import CaseAuditError, Problem
from caseaudit_lib.export.atomic import write_atomic
from caseaudit_lib.export.browser import (
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    BrowserUnavailableError,
    find_chromium,
)
from caseaudit_lib.export.printer import LaunchError, PrintError, printer_for

PDF_FILE = "report.pdf"
INSTALL_HINT = "bash scripts/install-chromium.sh"
# The note a build returns when it skipped the PDF; the command line prints one line for all.
PDF_SKIPPED = "report.pdf skipped: no Chromium"
CI_ENV = "CI"
# Room for the running header and footer, which Chromium draws inside the page margins.
MARGINS = {"top": "20mm", "bottom": "20mm", "left": "16mm", "right": "16mm"}
# Chromium's header and footer are separate little pages with no styles of their own: the font
# size must be set or it is tiny; black on white, as the print stylesheet.
_BAND_STYLE = (
    "font-family: 'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', sans-serif; "
    "font-size: 8pt; color: #000; width: 100%; margin: 0 16mm; display: flex; "
    "justify-content: space-between; gap: 8mm;"
)


def pdf_required() -> bool:
    """Return whether a missing PDF fails the build: under env ``CI`` it must be made."""
    return os.environ.get(CI_ENV, "").strip().lower() not in ("", "0", "false", "no")


def skipped_line(count: int) -> str:
    """Return the one line the command line prints when builds skipped their PDF."""
    audits = "audit" if count == 1 else "audits"
    return (
        f"report.pdf skipped for {count} {audits}: no Chromium to print it "
        f"(the HTML reports were written); install it with: {INSTALL_HINT}"
    )


def header_template(title: str) -> str:
    """Return the running header: the report's title, escaped (it is typed text)."""
    return f'<div style="{_BAND_STYLE}"><span>{html.escape(title)}</span></div>'


def footer_template(footer: str) -> str:
    """Return the running footer: the service and audit date, then "Page N of M"."""
    return (
        f'<div style="{_BAND_STYLE}"><span>{html.escape(footer)}</span>'
        '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span>'
        "</span></div>"
    )


def write_pdf(
    html_path: Path,
    pdf_path: Path,
    *,
    title: str,
    footer: str,
    executable_path: str | None = None,
) -> Path:
    """Print an exported report to an A4, tagged PDF with page numbers, offline.

    Args:
        html_path: The exported report (``report.html``).
        pdf_path: Where to write the PDF; replaced atomically.
        title: The report's title, for the running header.
        footer: The service and audit date, for the running footer.
        executable_path: The Chromium to use; None for :func:`find_chromium`.

    Returns:
        ``pdf_path``.

    Raises:
        BrowserUnavailableError: If there is no Chromium or it cannot be started; the message
            says how to install it.

    """
    try:
        import playwright.sync_api  # noqa: F401 - a dependency, but an install may lack it
    except ImportError as exc:
        raise BrowserUnavailableError(
            [Problem("error", str(pdf_path), "playwright is not installed; pip install playwright")]
        ) from exc
    executable = executable_path or find_chromium()
    if executable is None:
        raise BrowserUnavailableError(
            [Problem("error", str(pdf_path), f"no Chromium to print the PDF; run {INSTALL_HINT}")]
        )
    page_url = Path(html_path).resolve().as_uri()
    options = {
        "format": "A4",
        "margin": MARGINS,
        "print_background": True,
        "display_header_footer": True,
        "header_template": header_template(title),
        "footer_template": footer_template(footer),
        "tagged": True,
        "outline": True,
    }
    # One Chromium per process, started by the first print: a batch worker prints an audit's
    # report after another, and starting the browser costs more than a print.
    try:
        data = printer_for(executable, CHROMIUM_ARGS).print_page(page_url, options, TIMEOUT_MS)
    except LaunchError as exc:
        problem = f"Chromium could not be started ({exc}); run {INSTALL_HINT}"
        raise BrowserUnavailableError([Problem("error", str(pdf_path), problem)]) from exc
    except PrintError as exc:
        # Chromium started but the print failed: a fault to report, not a PDF to skip.
        raise CaseAuditError(
            [Problem("error", str(pdf_path), f"Chromium could not print the PDF: {exc}")]
        ) from exc
    write_atomic(Path(pdf_path), data)
    return Path(pdf_path)
