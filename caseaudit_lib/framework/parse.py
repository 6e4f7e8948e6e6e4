"""Reading and checking a framework file: the YAML schema checks that build a Framework.

Every fault in the file is collected, each located by its YAML path and line (by the shared
:class:`~caseaudit_lib.yaml_fields.FieldChecker`), and raised at once as a
:class:`~caseaudit_lib.errors.FrameworkError`. The checks of each section of the file (case
types, bands, themes and questions, the overall rule) are in
:mod:`caseaudit_lib.framework.sections`.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType
from typing import Any

from caseaudit_lib.errors import FrameworkError
from caseaudit_lib.framework import sections
from caseaudit_lib.framework.structure import Framework
from caseaudit_lib.yaml_fields import NO_VALUE, FieldChecker, parse_yaml

_FRAMEWORK_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")
_TOP_KEYS = (
    "id",
    "title",
    "version",
    "source",
    "scoring",
    "case_types",
    "bands",
    "overall",
    "themes",
)
_TOP_REQUIRED = ("id", "title", "case_types", "bands", "themes")


def parse_framework(text: str, path: Path) -> Framework:
    """Return the framework written in text (the contents of the file at path).

    Raises:
        FrameworkError: one problem per fault, all at once.

    """
    doc = parse_yaml(text, str(path), error=FrameworkError)
    check = doc.checker()
    if doc.values is None:
        check.fault(
            "",
            NO_VALUE,
            "the framework file is empty",
            "a mapping with " + ", ".join(_TOP_REQUIRED),
        )
        raise FrameworkError(check.problems)
    framework = _build(doc.values, path, check)
    if check.problems or framework is None:
        raise FrameworkError(check.problems)
    return framework


def _build(data: object, path: Path, check: FieldChecker) -> Framework | None:
    top = check.mapping("", data, _TOP_KEYS, _TOP_REQUIRED)
    if top is None:
        return None
    fid = None
    if "id" in top:
        fid = check.ident(
            "id", top["id"], _FRAMEWORK_ID, "lower-case letters, digits, - _ . (a slug)"
        )

    def text(key: str, default: Any = None) -> Any:
        return check.text(key, top[key]) if key in top else default

    title = text("title")
    version = text("version", "")
    source = text("source", "")
    scoring = sections.scoring_rule(top.get("scoring", "pooled"), "scoring", check)
    case_types, aliases = sections.case_types(_items(top, "case_types", check), check)
    bands = sections.bands(_items(top, "bands", check), check)
    themes = sections.themes(_items(top, "themes", check), scoring or "pooled", case_types, check)
    overall = None
    if "overall" in top:
        # Themes rated outside the total (in_overall: false) add no points.
        n_themes = sum(t.in_overall for t in themes)
        overall = sections.overall(top["overall"], bands, n_themes, check)
    if check.problems or fid is None or title is None or version is None or source is None:
        return None
    return Framework(
        id=fid,
        title=title,
        version=version,
        source=source,
        scoring=scoring,
        case_types=MappingProxyType(case_types),
        case_type_aliases=MappingProxyType(aliases),
        themes=themes,
        bands=bands,
        overall=overall,
        path=path,
    )


def _items(top: dict, key: str, check: FieldChecker) -> list:
    """Return the non-empty list of a top-level key ([] when absent: reported as missing)."""
    return check.items(key, top[key]) if key in top else []
