"""What a batch did with each audit, and the summary table the command line prints.

A failure's reason is kept whole (every line of a CaseAuditError's problems) and the table shows
its whole first line. Reasons never name a staging folder: that folder is gone once the build
ends, so :func:`reason_for_reader` puts the audit's own folder in its place
(``outputs/<audit_id>/.staging-123-ab12/report.html`` becomes ``outputs/<audit_id>/report.html``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from caseaudit_lib.build.state import FAILED_DIR, STAGING_PREFIX

Status = Literal["built", "skipped", "failed"]

# A path to a staging folder as any message may print it: absolute, relative or shortened.
_STAGING_PATH = re.compile(r"""[^\s'"(\[]*""" + re.escape(STAGING_PREFIX) + r"\d+-[0-9a-f]+")


@dataclass(frozen=True)
class AuditOutcome:
    """What the batch did with one audit.

    ``stale_report`` is set on a failed audit whose last good report is still published.
    """

    audit_id: str
    params_file: Path
    status: Status
    seconds: float = 0.0
    message: str = ""
    output_dir: Path | None = None
    failed_artifacts: tuple[Path, ...] = ()
    stale_report: Path | None = None


@dataclass
class BatchSummary:
    """The outcome of every audit of a batch, in the order the params files were given."""

    outcomes: list[AuditOutcome]
    seconds: float = 0.0
    pools_started: int = 0

    def with_status(self, status: Status) -> list[AuditOutcome]:
        """Return the outcomes with one status."""
        return [o for o in self.outcomes if o.status == status]

    @property
    def exit_code(self) -> int:
        """Return 1 if any audit failed, else 0."""
        return 1 if self.with_status("failed") else 0

    def table(self) -> str:
        """Return the summary as a plain-text table, one audit a line, with a totals line."""
        header = ("audit_id", "status", "seconds", "message", "failed artefacts")
        rows = [header]
        for o in self.outcomes:
            rows.append(
                (o.audit_id, o.status, f"{o.seconds:.1f}", summary_message(o), _artefacts(o))
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        ]
        counts = {s: len(self.with_status(s)) for s in ("built", "skipped", "failed")}
        stale = sum(1 for o in self.outcomes if o.stale_report is not None)
        lines.append(
            f"{counts['built']} built, {counts['skipped']} skipped (unchanged), "
            f"{counts['failed']} failed in {self.seconds:.1f} s"
            + (f"; {stale} stale report(s) kept from an earlier good build" if stale else "")
        )
        return "\n".join(lines)


def summary_message(outcome: AuditOutcome) -> str:
    """Return an outcome's message as the summary shows it: its whole first line, and staleness."""
    message = (outcome.message.strip().splitlines() or [""])[0]
    if outcome.stale_report is not None:
        message += f" [stale: the last good report is kept at {shown_path(outcome.stale_report)}]"
    return message


def reason_for_reader(message: str, final_dir: Path) -> str:
    """Return a failure's reason with every staging folder path replaced by the audit's folder."""
    return _STAGING_PATH.sub(lambda _: shown_path(final_dir), message)


# What a Problem prints of a cell's content: "(found 'x'; expected y)". The value may be a
# child's name typed in the wrong cell, so no failure record or summary keeps it.
_QUOTED = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
_FOUND_EXPECTED = re.compile(r"\(found " + _QUOTED + r"; (expected [^)]*)\)")
_FOUND = re.compile(r"\s?\(found " + _QUOTED + r"\)")


def without_values(message: str) -> str:
    """Return a failure's reason with every cell value it quotes left out (place and kind kept)."""
    message = _FOUND_EXPECTED.sub(lambda m: f"({m.group(1)})", message)
    return _FOUND.sub("", message)


def describe_exception(exc: BaseException) -> str:
    """Name an exception and its message (several lines for a CaseAuditError's problems)."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def shown_path(path: Path) -> str:
    """Return a path relative to the working directory when it lies below it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _artefacts(outcome: AuditOutcome) -> str:
    files = outcome.failed_artifacts
    if len(files) == 1:
        return shown_path(files[0])
    if files and outcome.output_dir is not None:
        return f"{shown_path(outcome.output_dir / FAILED_DIR)} ({len(files)} files)"
    return ""
