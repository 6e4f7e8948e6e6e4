"""A build's outputs searched for the identifying values of its audit, good build or failed.

A good build's outputs are checked before anything is published (:func:`check_for_identifiers`);
a failed build's files before the batch keeps them in ``outputs/<audit_id>/failed/``
(:func:`scrub_failed`). A hit deletes the file and names it and the kind of value, never the value.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from caseaudit_lib.build.batch import BuildFailed
from caseaudit_lib.config.params import AuditParams


def check_for_identifiers(
    params: AuditParams, files: Iterable[Path], staging: Path, framework: Any = None
) -> None:
    """Fail the build if any output holds an identifying value of the audit's scoring file.

    Files with a hit are deleted, so the failed build's kept artefacts hold no identifier.

    Raises:
        BuildFailed: naming each file (relative to the audit's folder) and the kind of value.

    """
    from caseaudit_lib.pipeline import privacy_config
    from caseaudit_lib.privacy.leakcheck import scan_outputs
    from caseaudit_lib.privacy.pseudonymise import collect_identifiers

    identifiers = collect_identifiers(params.data_path, framework, privacy_config(params))
    problems = scan_outputs(list(files), identifiers)
    if not problems:
        return
    lines = []
    for problem in problems:
        path = Path(problem.file)
        shown = path.relative_to(staging).as_posix() if path.is_relative_to(staging) else path.name
        where = (
            f" ({problem.sheet + '!' if problem.sheet else ''}{problem.cell})"
            if problem.cell
            else ""
        )
        lines.append(f"{shown}{where}: {problem.message}")
        path.unlink(missing_ok=True)
    raise BuildFailed("personal data in the outputs: " + "; ".join(lines), staging)


def scrub_failed(params: AuditParams, staging: Path) -> str:
    """Leak-check a failed build's files before they are kept; delete each file with a hit.

    Returns:
        A note for the failure's reason ("" when nothing was withheld). When the audit's
        identifying values cannot be read (its scoring file is what failed, say), the files
        cannot be checked, so none is kept.

    """
    from caseaudit_lib.pipeline import privacy_config
    from caseaudit_lib.privacy.leakcheck import scan_outputs
    from caseaudit_lib.privacy.pseudonymise import collect_identifiers

    files = sorted(p for p in staging.rglob("*") if p.is_file()) if staging.is_dir() else []
    if not files:
        return ""
    try:
        identifiers = collect_identifiers(params.data_path, None, privacy_config(params))
        problems = scan_outputs(files, identifiers)
    except Exception:
        shutil.rmtree(staging, ignore_errors=True)
        return " (the failed build's files were not kept: they could not be checked)"
    withheld = sorted({Path(p.file) for p in problems})
    for path in withheld:
        path.unlink(missing_ok=True)
    if not withheld:
        return ""
    names = ", ".join(p.relative_to(staging).as_posix() for p in withheld)
    return f" (not kept, personal data in them: {names})"


def scrub_staging(params_file: Path, staging: Path) -> str:
    """Leak-check the staging folder of a build whose worker died (see :func:`scrub_failed`)."""
    from caseaudit_lib.config.params import load_params
    from caseaudit_lib.errors import CaseAuditError

    try:
        params = load_params(params_file)
    except CaseAuditError:
        shutil.rmtree(staging, ignore_errors=True)
        return " (the failed build's files were not kept: they could not be checked)"
    return scrub_failed(params, staging)
