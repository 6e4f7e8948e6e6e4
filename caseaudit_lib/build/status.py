"""Whether an audit's last build failed, and which good report is still published.

A failed build never touches the published outputs, so after a failure the audit's
``report.html`` is the last GOOD one: stale, since it was not made from the current inputs. The
batch records each failure in ``outputs/<audit_id>/.last-failure.json`` (:func:`record_failure`)
and removes the record after a good build, or when a batch finds the last good build up to date
again. :func:`build_status` reads both records, for the batch summary and for the overview page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from caseaudit_lib.build.state import STAMP_NAME, read_stamp
from caseaudit_lib.export import REPORT_FILE
from caseaudit_lib.export.atomic import write_atomic

FAILURE_NAME = ".last-failure.json"


@dataclass(frozen=True)
class AuditBuildStatus:
    """The state of one audit's output folder: its last build, its last good report.

    Attributes:
        audit_id: the audit (the output folder's name).
        output_dir: the audit's output folder, ``outputs/<audit_id>``.
        last_build_failed: whether the audit's most recent build failed.
        failure: the first line of that failure's reason ("" when it did not fail).
        failed_at: when it failed, ISO 8601 UTC ("" when it did not fail).
        last_good_report: the published report of the last good build, None if there is none.
        last_good_built_at: when that good build was made, ISO 8601 UTC ("" if none).

    """

    audit_id: str
    output_dir: Path
    last_build_failed: bool = False
    failure: str = ""
    failed_at: str = ""
    last_good_report: Path | None = None
    last_good_built_at: str = ""

    @property
    def stale(self) -> bool:
        """Return whether the published report is an older good one kept after a failure."""
        return self.last_build_failed and self.last_good_report is not None


def record_failure(final_dir: Path, reason: str) -> None:
    """Remember that an audit's latest build failed, and why (the first line of the reason)."""
    first = (reason.strip().splitlines() or ["build failed"])[0]
    record = {"failed_at": datetime.now(UTC).isoformat(timespec="seconds"), "reason": first}
    write_atomic(final_dir / FAILURE_NAME, json.dumps(record, indent=2))


def clear_failure(final_dir: Path) -> None:
    """Forget an audit's failed build (its outputs are good and up to date again)."""
    (final_dir / FAILURE_NAME).unlink(missing_ok=True)


def build_status(final_dir: Path) -> AuditBuildStatus:
    """Return whether an audit's last build failed and where its last good report is."""
    final_dir = Path(final_dir)
    stamp = read_stamp(final_dir)
    report = final_dir / REPORT_FILE
    good = stamp is not None and REPORT_FILE in stamp.outputs and report.is_file()
    try:
        record = json.loads((final_dir / FAILURE_NAME).read_text(encoding="utf-8"))
        failure, failed_at = str(record["reason"]), str(record.get("failed_at", ""))
        failed = True
    except (OSError, ValueError, KeyError, TypeError):
        failure, failed_at, failed = "", "", False
    return AuditBuildStatus(
        audit_id=final_dir.name,
        output_dir=final_dir,
        last_build_failed=failed,
        failure=failure,
        failed_at=failed_at,
        last_good_report=report if good else None,
        last_good_built_at=stamp.built_at if good and stamp is not None else "",
    )


def build_statuses(outputs_root: Path) -> list[AuditBuildStatus]:
    """Return the build status of every audit folder under ``outputs/``, by audit id."""
    root = Path(outputs_root)
    if not root.is_dir():
        return []
    folders = [p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    # Only folders a build has written to: a stamp or a failure record.
    built = [p for p in folders if (p / STAMP_NAME).is_file() or (p / FAILURE_NAME).is_file()]
    return [build_status(p) for p in built]
