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
    "Framework": "framework.model",
    "load_framework": "framework.model",
    "available_frameworks": "framework.model",
    "Audit": "audit.loading",
    "load_audit": "audit.loading",
    "validate_file": "audit.loading",
    "PrivacyConfig": "privacy.pseudonymise",
    "write_template": "forms.template",
    # params, scores, comparisons
    "AuditParams": "config.params",
    "load_params": "config.params",
    "params_from_namespace": "config.params",
    "AuditScores": "score.scoring",
    "score_audit": "score.scoring",
    "load_baseline": "compare.baseline",
    "compare_all": "compare.comparison",
    "compare_questions": "compare.comparison",
    "trend": "compare.comparison",
    "write_score_tables": "export.tables",
    "AuditResults": "pipeline",
    "score_params": "pipeline",
    "project_root": "paths",
    # the board report's words; the headline each analysts' notebook opens with
    "Narrative": "present.narrative",
    "audit_headline": "present.headline",
    "at_a_glance": "present.glance",
}

# Modules the notebooks use by name: ``from caseaudit_lib import plots, views``. ``plots`` is
# the one charts module (present/charts), whatever figure a notebook draws.
_MODULES = {
    "plots": "present.charts",
    "views": "present.views",
    "quality": "present.quality",
    "changes": "present.changes",
    "explore": "present.explore",
}

__all__ = sorted(_PUBLIC) + sorted(_MODULES) + ["__version__"]


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    if name in _MODULES:
        value: Any = importlib.import_module(f"caseaudit_lib.{_MODULES[name]}")
    elif name in _PUBLIC:
        value = getattr(importlib.import_module(f"caseaudit_lib.{_PUBLIC[name]}"), name)
    else:
        raise AttributeError(f"module 'caseaudit_lib' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
