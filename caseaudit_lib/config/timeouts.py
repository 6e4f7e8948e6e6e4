"""Timeouts a user may set in the environment: a notebook cell, a whole audit, a print."""

from __future__ import annotations

import os

from caseaudit_lib.errors import CaseAuditError


def seconds_from_env(name: str, default: float) -> float:
    """Return the seconds set in environment variable ``name``, or ``default`` when unset.

    Raises:
        CaseAuditError: the variable is set but is not a positive, finite number of seconds.

    """
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise CaseAuditError(f"{name}={text} is not a positive number of seconds")
    return seconds
