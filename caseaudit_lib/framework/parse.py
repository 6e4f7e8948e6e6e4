"""Reading and checking a framework file: the YAML schema checks that build a Framework.

Every fault in the file is collected, each located by its YAML path and line, and raised at once
as a :class:`~caseaudit_lib.errors.FrameworkError`. The checks of each section of the file (case
types, bands, themes and questions, the overall rule) are in
:mod:`caseaudit_lib.framework.sections`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from types import MappingProxyType

import yaml

from caseaudit_lib.errors import FrameworkError, Problem
from caseaudit_lib.framework.model import Framework
from caseaudit_lib.framework.sections import _bands, _case_types, _overall, _scoring_rule, _themes

_MISSING = object()
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


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _show(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class _Checker:
    """Collects the faults of one framework file, each located by its YAML path and line."""

    def __init__(self, file: Path, lines: dict[str, int]) -> None:
        self.file = str(file)
        self.lines = lines
        self.problems: list[Problem] = []

    def fault(
        self,
        cell: str,
        message: str,
        value: object = _MISSING,
        expected: str | None = None,
        *,
        line: int | None = None,
    ) -> None:
        line = line or self._line(cell)
        self.problems.append(
            Problem(
                "error",
                self.file,
                f"line {line}: {message}" if line else message,
                cell=cell or None,
                value=None if value is _MISSING else _show(value),
                expected=expected,
            )
        )

    def _line(self, cell: str) -> int | None:
        # A missing key has no line of its own: use its nearest parent's.
        while cell:
            if cell in self.lines:
                return self.lines[cell]
            parent = re.sub(r"(\.[^.\[\]]*|\[\d+\])\Z", "", cell)
            cell = "" if parent == cell else parent
        return None  # a fault of the whole file (e.g. a missing top-level key) has no one line

    def mapping(
        self, value: object, path: str, required: tuple[str, ...], allowed: tuple[str, ...]
    ) -> dict | None:
        """Return value if it is a mapping, reporting missing required keys and unknown keys."""
        if not isinstance(value, dict):
            self.fault(path, "is not a mapping", value, "keys " + ", ".join(required))
            return None
        for key in required:
            if key not in value:
                self.fault(_join(path, key), f"missing key {key!r}")
        for key in value:
            if key not in allowed:
                self.fault(
                    _join(path, key),
                    f"unknown key {key!r}",
                    expected="one of " + ", ".join(allowed),
                )
        return value

    def text(self, m: dict, key: str, path: str, default: str | None = None) -> str | None:
        """Return a non-empty string at m[key] (default if absent), reporting a wrong type."""
        value = m.get(key, _MISSING)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or not value.strip():
            expected = "a non-empty text"
            if isinstance(value, int | float) and not isinstance(value, bool):
                expected += ' (put numbers in quotes, e.g. "1.0")'
            self.fault(_join(path, key), f"{key} is not a text", value, expected)
            return None
        return value.strip()

    def number(self, m: dict, key: str, path: str, *, integer: bool = False) -> float | None:
        """Return a number (int if integer) at m[key], reporting absent handled by mapping()."""
        value = m.get(key, _MISSING)
        if value is _MISSING:
            return None
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or (isinstance(value, float) and math.isnan(value)):
            kind = "a whole number" if integer else "a number"
            self.fault(_join(path, key), f"{key} is not {kind}", value, kind)
            return None
        return value

    def items(self, m: dict, key: str, path: str) -> list:
        """Return the non-empty list at m[key], or [] after reporting a wrong type."""
        value = m.get(key, _MISSING)
        if value is _MISSING:
            return []
        if not isinstance(value, list) or not value:
            self.fault(_join(path, key), f"{key} is not a non-empty list", value, "a list")
            return []
        return value

    def ident(self, value: object, path: str, pattern: re.Pattern, expected: str) -> str | None:
        """Return an id matching pattern, reporting a bad one."""
        if not isinstance(value, str) or not pattern.match(value):
            self.fault(path, "bad id", value, expected)
            return None
        return value


def _yaml_lines(
    node: yaml.Node, path: str, lines: dict[str, int], dups: list[str], depth: int = 0
) -> None:
    """Record the 1-based line of every YAML path under node, and paths of duplicated keys."""
    lines.setdefault(path, node.start_mark.line + 1)
    if depth > 20:  # a framework is never this deep; stops a recursive alias (&a [*a]) looping
        return
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            child = _join(path, key)
            if key in seen:
                dups.append(child)
                lines[child + "#dup"] = key_node.start_mark.line + 1
            seen.add(key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            _yaml_lines(value_node, child, lines, dups, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _yaml_lines(item, f"{path}[{index}]", lines, dups, depth + 1)


def parse_framework(text: str, path: Path) -> Framework:
    """Return the framework written in text (the contents of the file at path).

    Raises:
        FrameworkError: one problem per fault, all at once.

    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise FrameworkError(
            [Problem("error", str(path), f"YAML syntax error: {reason}", cell=where)]
        ) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    dups: list[str] = []
    if node is not None:
        _yaml_lines(node, "", lines, dups)
    check = _Checker(path, lines)
    for dup in dups:
        check.fault(dup, "key given twice", line=lines[dup + "#dup"])
    if data is None:
        check.fault(
            "", "the framework file is empty", expected="a mapping with " + ", ".join(_TOP_REQUIRED)
        )
        raise FrameworkError(check.problems)
    framework = _build(data, path, check)
    if check.problems:
        raise FrameworkError(check.problems)
    assert framework is not None
    return framework


def _build(data: object, path: Path, check: _Checker) -> Framework | None:
    top = check.mapping(data, "", _TOP_REQUIRED, _TOP_KEYS)
    if top is None:
        return None
    fid = None
    if "id" in top:
        fid = check.ident(
            top["id"], "id", _FRAMEWORK_ID, "lower-case letters, digits, - _ . (a slug)"
        )
    title = check.text(top, "title", "")
    version = check.text(top, "version", "", default="")
    source = check.text(top, "source", "", default="")
    scoring = _scoring_rule(top.get("scoring", "pooled"), "scoring", check)
    case_types, aliases = _case_types(check.items(top, "case_types", ""), check)
    bands = _bands(check.items(top, "bands", ""), check)
    themes = _themes(check.items(top, "themes", ""), scoring or "pooled", case_types, check)
    overall = None
    if "overall" in top:
        n_themes = len(top["themes"]) if isinstance(top.get("themes"), list) else 0
        overall = _overall(top["overall"], bands, n_themes, check)
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
