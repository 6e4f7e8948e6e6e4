"""caseaudit: load, validate, score, compare and report youth justice case file audits.

The names below are what notebooks and users call; everything else is private. They are
imported lazily, so the command line starts quickly and `caseaudit validate` never pays for
matplotlib or nbconvert.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("caseaudit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

_PUBLIC = {
    # errors
    "Problem": "errors",
    "CaseAuditError": "errors",
    "AuditDataError": "errors",
    "FrameworkError": "errors",
    "ParamsError": "errors",
    # frameworks and data
    "Framework": "framework",
    "load_framework": "framework",
    "available_frameworks": "framework",
    "Audit": "audit",
    "load_audit": "audit",
    "validate_file": "audit",
    "PrivacyConfig": "privacy",
    "write_template": "template",
    # params, scores, comparisons
    "AuditParams": "params",
    "load_params": "params",
    "params_from_namespace": "params",
    "AuditScores": "scoring",
    "score_audit": "scoring",
    "load_baseline": "baseline",
    "compare": "comparison",
    "trend": "comparison",
    "write_score_tables": "tables",
    "AuditResults": "pipeline",
    "score_params": "pipeline",
    "project_root": "paths",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'caseaudit_lib' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"caseaudit_lib.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
