"""Rebuilding ``outputs/index.html`` after every build, and checking it for personal data.

``caseaudit batch`` and ``caseaudit report`` call :func:`rebuild_overview` once their audits are
built. The overview (:mod:`caseaudit_lib.export.overview`) lists every params file in the folders
of the params files built (``caseaudit report params/x.yaml`` still shows every audit of
``params/``), each with the state its outputs folder is in: its failure record
(``.last-failure.json``) means its last build failed, whatever earlier good report stays
linked. Like every board file, the page is then searched for the identifying values of every
listed audit's scoring file; a hit deletes it and is reported (file and kind of value, never
the value).

A batch that changed nothing leaves the overview as it is, without reading a table or drawing a
chart: the page records a key of what it was made from (caseaudit's own digest, each params
file's content, each audit's build stamp and failure record, by content), and an equal key
means there is nothing to redo.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from caseaudit_lib.build.audit_inputs import find_params_files
from caseaudit_lib.build.batch import BatchSummary
from caseaudit_lib.build.region import rebuild_region
from caseaudit_lib.build.state import STAMP_NAME
from caseaudit_lib.build.status import FAILURE_NAME, build_status
from caseaudit_lib.config.params import AuditParams, load_params
from caseaudit_lib.errors import CaseAuditError, Problem
from caseaudit_lib.export import OVERVIEW_FILE
from caseaudit_lib.manifest import library_fingerprint
from caseaudit_lib.paths import project_root

_KEY = re.compile(r'<meta name="caseaudit-overview-key" content="([0-9a-f]+)">')


def overview_params(paths: Iterable[Path]) -> list[Path]:
    """Return every params file of the folders of the paths given (a folder stands for itself)."""
    folders = [Path(p) if Path(p).is_dir() else Path(p).parent for p in paths]
    try:
        return find_params_files(dict.fromkeys(folders))
    except CaseAuditError:
        return []


def overview_entries(
    paths: Iterable[Path], summary: BatchSummary | None, outputs_root: Path
) -> list:
    """Return an overview entry per readable params file of the paths' folders, failed or not.

    Whether an audit's last build failed, and why, is its failure record
    (:func:`caseaudit_lib.build.status.build_status`), the same the summary and ``status`` read.
    """
    from caseaudit_lib.export.overview import AuditEntry

    entries = []
    for path in overview_params(paths):
        try:
            params = load_params(path, check_files=False)
        except CaseAuditError:
            continue  # the batch has already reported it
        status = build_status(outputs_root / params.audit_id)
        message = status.failure if status.last_build_failed else ""
        entries.append(AuditEntry(params, failed=status.last_build_failed, message=message))
    return entries


def overview_key(params_files: Sequence[Path], outputs_root: Path) -> str:
    """Return the key of what an overview is made from: every input of the page, by content.

    caseaudit itself (version and source, templates included), each params file listed, and
    each audit's build stamp and failure record, which change with every good or failed build.
    """
    sha = hashlib.sha256(f"caseaudit={library_fingerprint()}\n".encode())
    for path in params_files:
        sha.update(f"{path.resolve()}={_digest(path)}\n".encode())
        try:
            audit_id = load_params(path, check_files=False).audit_id
        except CaseAuditError:
            continue
        folder = outputs_root / audit_id
        for name in (STAMP_NAME, FAILURE_NAME):
            sha.update(f"{audit_id}/{name}={_digest(folder / name)}\n".encode())
    return sha.hexdigest()


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def recorded_key(page: Path) -> str | None:
    """Return the key an overview page was made with, or None."""
    try:
        with page.open(encoding="utf-8") as f:
            found = _KEY.search(f.read(4096))
    except OSError:
        return None
    return found.group(1) if found else None


def identifier_label(audit_id: str) -> str:
    """Return the leak check's name of an audit's identifying values (named in a hit)."""
    return f"{audit_id} (identifying columns)"


def identifiers_of(params: Sequence[AuditParams]) -> dict[str, set[str]]:
    """Return the identifying values of every audit's scoring file, by audit (unreadable: none)."""
    from caseaudit_lib.pipeline import privacy_config
    from caseaudit_lib.privacy.pseudonymise import collect_identifiers

    found: dict[str, set[str]] = {}
    for p in params:
        try:
            found[p.audit_id] = collect_identifiers(p.data_path, None, privacy_config(p))
        except (CaseAuditError, OSError):
            # A file that cannot be read now was checked when its audit was built, and the
            # overview shows only what those builds published.
            found[p.audit_id] = set()
    return found


def rebuild_overview(
    paths: Iterable[Path],
    summary: BatchSummary | None = None,
    outputs_root: Path | None = None,
    *,
    identifiers: dict[str, set[str]] | None = None,
    needles: Any = None,
) -> tuple[Path | None, list[Problem]]:
    """Write ``outputs/index.html`` for every audit beside those built; leak-check it.

    Args:
        paths: The params files or folders the command was given.
        summary: The batch's outcome (the failures' reasons are read from their records).
        outputs_root: The folder of the audits' outputs; default ``<project>/outputs``.
        identifiers: Each audit's identifying values, read while the batch built
            (:class:`caseaudit_lib.build.overview_ahead.OverviewAhead`); used only if they
            cover exactly the audits listed, else read again.
        needles: Those values compiled for the leak check (``compile_needles``).

    Returns:
        The overview's path (None if there was nothing to show or it was deleted) and the leak
        check's problems.

    """
    root = outputs_root or project_root() / "outputs"
    paths = list(paths)
    key = overview_key(overview_params(paths), root)
    if recorded_key(root / OVERVIEW_FILE) == key:
        return root / OVERVIEW_FILE, []
    # Only now: the page's modules import pandas and matplotlib.
    from caseaudit_lib.export.overview import write_overview
    from caseaudit_lib.privacy.leakcheck import scan_outputs

    entries = overview_entries(paths, summary, root)
    if not entries:
        return None, []
    # The regional view first, so that the overview links it only when written and leak-free.
    region_problems = rebuild_region(entries, root, identifiers=identifiers, needles=needles)
    page = write_overview(entries, root, key=key)
    if identifiers is None or set(identifiers) != {e.params.audit_id for e in entries}:
        identifiers, needles = identifiers_of([e.params for e in entries]), None
    # Keyed by audit, so that a hit says which audit's scoring file the value came from.
    labelled = {identifier_label(a): v for a, v in identifiers.items()}
    problems = scan_outputs([page], labelled, needles=needles)
    if problems:
        page.unlink(missing_ok=True)
        return None, region_problems + problems
    return page, region_problems
