"""Printing an exported HTML report to ``report.pdf`` for the board pack: PDF/UA-1 and PDF/A-2u.

The PDF is made from the very HTML file the board can open, so the two never disagree. WeasyPrint
(:mod:`caseaudit_lib.export.pdf_engine`, with Debian's Pango; no browser) lays it out: A4, the
report's title in the header, the service and date with "Page N of M" in the footer, both marked
as artifacts; the report's print stylesheet (no chart, table row or call-out split across pages,
no ligatures in copied text); selectable text, working contents links described for a screen
reader, an outline of the headings, a tagged PDF whose figures carry the charts' alt text, the
title shown, the language declared, and XMP identifying PDF/UA-1 and PDF/A-2u (sRGB output
intent, fonts embedded). Nothing is fetched but the report's own ``data:`` images: the PDF is
made offline. The engine runs as a child process kept for the process's prints, each print with
a timeout (:mod:`caseaudit_lib.export.printer`).
"""

from __future__ import annotations

import os
from pathlib import Path

from caseaudit_lib.errors import CaseAuditError, Problem
from caseaudit_lib.export.atomic import fsync_dir, fsync_file, temp_name_for
from caseaudit_lib.export.browser import BrowserUnavailableError
from caseaudit_lib.export.printer import (
    LaunchError,
    PrintError,
    engine_command,
    print_timeout,
    printer_for,
)

PDF_FILE = "report.pdf"
INSTALL_HINT = "bash scripts/install-pdf-engine.sh"
# The note a build returns when it skipped the PDF; the command line prints one line for all.
PDF_SKIPPED = "report.pdf skipped: no PDF engine"
CI_ENV = "CI"


class PdfEngineUnavailableError(BrowserUnavailableError):
    """The PDF engine (WeasyPrint with Pango) is missing or cannot start."""


def pdf_required() -> bool:
    """Return whether a missing PDF fails the build: under env ``CI`` it must be made."""
    return os.environ.get(CI_ENV, "").strip().lower() not in ("", "0", "false", "no")


def skipped_line(count: int) -> str:
    """Return the one line the command line prints when builds skipped their PDF."""
    audits = "audit" if count == 1 else "audits"
    return (
        f"report.pdf skipped for {count} {audits}: the PDF engine (WeasyPrint with Pango) "
        f"could not start (the HTML reports were written); install it with: {INSTALL_HINT}"
    )


def prepare_pdf_engine() -> None:
    """Start this process's PDF engine in the background, so it is loaded by the first print."""
    printer_for(engine_command()).start()


def write_pdf(
    html_path: Path,
    pdf_path: Path,
    *,
    title: str,
    footer: str,
    timeout: float | None = None,
) -> Path:
    """Print an exported report to an A4, tagged PDF/UA-1 and PDF/A-2u file, offline.

    Args:
        html_path: The exported report (``report.html``).
        pdf_path: Where to write the PDF; replaced atomically.
        title: The report's title, for the running header.
        footer: The service and audit date, for the running footer.
        timeout: Seconds the print may take; None for $CASEAUDIT_PDF_TIMEOUT or the default.

    Returns:
        ``pdf_path``.

    Raises:
        PdfEngineUnavailableError: If the engine cannot be started; the message says how to
            install it.
        CaseAuditError: If the engine started but the print failed or took too long.

    """
    pdf_path = Path(pdf_path)
    seconds = print_timeout() if timeout is None else timeout
    temp = temp_name_for(pdf_path)
    job = {
        "html": str(Path(html_path).resolve()),
        "pdf": str(temp.resolve()),
        "title": title,
        "footer": footer,
    }
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        printer_for(engine_command()).print_pdf(job, seconds)
        fsync_file(temp)
        os.replace(temp, pdf_path)
    except LaunchError as exc:
        problem = f"{exc}; run {INSTALL_HINT}"
        raise PdfEngineUnavailableError([Problem("error", str(pdf_path), problem)]) from exc
    except PrintError as exc:
        # The engine started but the print failed: a fault to report, not a PDF to skip.
        raise CaseAuditError(
            [Problem("error", str(pdf_path), f"the PDF could not be printed: {exc}")]
        ) from exc
    except OSError as exc:  # the engine answered but left no file
        raise CaseAuditError(
            [Problem("error", str(pdf_path), f"the PDF engine wrote no file ({exc.strerror})")]
        ) from exc
    finally:
        temp.unlink(missing_ok=True)
    fsync_dir(pdf_path.parent)
    return pdf_path
