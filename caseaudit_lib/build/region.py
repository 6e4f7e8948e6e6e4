"""Rebuilding the regional view (``outputs/region.html``) beside the overview, leak-checked.

:func:`caseaudit_lib.build.overview.rebuild_overview` calls :func:`rebuild_region` just before
it writes the overview, so that the overview links the regional page only when one was written
and passed the leak check. The pages (:mod:`caseaudit_lib.export.region`) are searched for the
identifying values of every listed audit's scoring file, like the overview; a page with a hit
is deleted and the hit reported (file and kind of value, never the value). A page that cannot
be made is one problem, in one line: the overview is written all the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from caseaudit_lib.build.summary import describe_exception
from caseaudit_lib.errors import Problem
from caseaudit_lib.export import REGION_FILE


def rebuild_region(
    entries: Sequence[Any],
    outputs_root: Path,
    *,
    identifiers: dict[str, set[str]] | None = None,
    needles: Any = None,
) -> list[Problem]:
    """Write the regional pages of the overview's entries, leak-check them; return the problems.

    Args:
        entries: The overview's entries (``export.overview.AuditEntry``): every audit listed.
        outputs_root: The folder of the audits' outputs.
        identifiers: Each audit's identifying values, if already read (else read here).
        needles: Those values compiled for the leak check.

    """
    from caseaudit_lib.build.overview import identifier_label, identifiers_of
    from caseaudit_lib.export.region import write_region_pages
    from caseaudit_lib.privacy.leakcheck import scan_outputs

    params = [e.params for e in entries]
    try:
        pages = write_region_pages(params, Path(outputs_root))
    except Exception as exc:  # the overview is still written; earlier pages are left as they are
        reason = describe_exception(exc).splitlines()[0]
        where = str(Path(outputs_root) / REGION_FILE)
        return [Problem("error", where, f"the regional view was not rebuilt: {reason}")]
    if not pages:
        return []
    if identifiers is None or set(identifiers) != {p.audit_id for p in params}:
        identifiers, needles = identifiers_of(params), None
    labelled = {identifier_label(a): v for a, v in identifiers.items()}
    problems = scan_outputs(pages, labelled, needles=needles)
    if problems:
        for page in pages:
            page.unlink(missing_ok=True)
    return problems
