"""The one YAML checker: reading a YAML file with the line of every key, and checking its fields.

Params, baseline, findings and framework files are all read by :func:`read_yaml` (or
:func:`parse_yaml`) and checked with a :class:`FieldChecker`, so that every fault of every file
is one :class:`~caseaudit_lib.errors.Problem` named the same way: the file, the line, the key's
YAML path and what was found and expected, e.g. ``params/x.yaml: line 7, caseload: error: ...``.
A checker collects every fault of a file, so the file's loader raises once with all of them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import reprlib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from caseaudit_lib.errors import CaseAuditError, ParamsError, Problem
from caseaudit_lib.paths import display_path, resolve

# libyaml's parser when PyYAML was built with it (its wheels are): a batch reads every params
# file several times, and the pure-Python parser was most of a no-change rebuild's time.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What a problem shows when the fault is the absence of a value (a list with no entries, ...).
NO_VALUE: Any = object()
# A value's repr, cut short while it is made: a value can be huge (a YAML alias of an alias...).
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 3, 12, 12
_SHORT.maxstring = _SHORT.maxother = 80


class TextDateLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """A safe YAML loader that leaves dates as text: a bad date is a problem, not a crash."""


TextDateLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def join_key(prefix: str, key: object) -> str:
    """Return the YAML path of a key under a prefix (``themes[0]`` + ``id`` -> ``themes[0].id``)."""
    return f"{prefix}.{key}" if prefix else str(key)


def show_value(value: Any) -> str:
    """Return a short printable form of a value for a one-line problem."""
    text = _SHORT.repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."


def one_of(name: str, choices: Collection[str]) -> str:
    """Return "did you mean 'x'?" when a choice is close to the name, else "one of ..."."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "one of " + ", ".join(choices)


@dataclass(frozen=True)
class YamlDocument:
    """A YAML file read: its values, how problems name it, and the line of every key."""

    source: str
    values: Any
    lines: Mapping[str, int] = field(default_factory=dict)
    duplicates: tuple[tuple[str, int], ...] = ()  # (YAML path, line) of each key given twice

    def checker(self, *, check_files: bool = True) -> FieldChecker:
        """Return a checker for this file, holding already a fault for each key given twice."""
        checker = FieldChecker(self.source, self.lines, check_files=check_files)
        for key, line in self.duplicates:
            checker.fault(key, NO_VALUE, "key given twice", "each key once", line=line)
        return checker


def _walk(node: yaml.Node, path: str, doc: dict[str, int], dups: list, walked: set[int]) -> None:
    """Record the 1-based line of every YAML path under node, and each key given twice."""
    doc.setdefault(path, node.start_mark.line + 1)
    # An alias is the node it names: walking it once keeps a recursive alias (&a [*a]) or a
    # "billion laughs" file from looping or taking exponential time; its lines are the anchor's.
    if id(node) in walked:
        return
    walked.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            child = join_key(path, key)
            if key in seen:
                dups.append((child, key_node.start_mark.line + 1))
            seen.add(key)
            doc.setdefault(child, key_node.start_mark.line + 1)
            _walk(value_node, child, doc, dups, walked)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, f"{path}[{index}]", doc, dups, walked)


def parse_yaml(
    text: str, source: str, *, error: type[CaseAuditError] = ParamsError
) -> YamlDocument:
    """Return the YAML document in text, with the line of every key.

    Args:
        text: the file's contents.
        source: the file as problems name it.
        error: the exception raised for a syntax error (e.g. FrameworkError for a framework).

    Raises:
        CaseAuditError: of the class given, naming the line and column of a syntax error.

    """
    loader = TextDateLoader(text)
    try:
        node = loader.get_single_node()
        values = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        where = {"cell": f"column {mark.column + 1}", "line": mark.line + 1} if mark else {}
        problem = Problem("error", source, f"not valid YAML: {reason}", **where)  # type: ignore[arg-type]
        raise error([problem]) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    dups: list[tuple[str, int]] = []
    if node is not None:
        _walk(node, "", lines, dups, set())
    return YamlDocument(source, values, lines, tuple(dups))


def read_yaml_mapping(path: str | Path, what: str) -> YamlDocument:
    """Read a YAML file whose top level is a mapping (its keys made text).

    Args:
        path: the file; relative paths are relative to the project root.
        what: what the file is, for the messages (e.g. "params file").

    Raises:
        ParamsError: the file is missing, unreadable, not valid YAML or not a mapping.

    """
    path = resolve(path)
    source = display_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ParamsError([Problem("error", source, f"{what} not found")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ParamsError([Problem("error", source, f"{what} unreadable: {error}")]) from None
    doc = parse_yaml(text, source)
    if not isinstance(doc.values, Mapping):
        problem = Problem(
            "error",
            source,
            f"not a {what}",
            value=show_value(doc.values),
            expected="key: value lines",
            line=doc.lines.get(""),
        )
        raise ParamsError([problem])
    return replace(doc, values={str(k): v for k, v in doc.values.items()})


def locate(problems: list[Problem], source: str, lines: Mapping[str, int]) -> list[Problem]:
    """Return problems found in a file's values elsewhere, named by the file and their lines."""
    checker = FieldChecker(source, lines)
    return [replace(p, file=source, line=checker.line_of(p.cell or "")) for p in problems]


class FieldChecker:
    """Checks the values of one YAML file one key at a time, collecting a problem for each fault.

    Each check returns the value converted, or None after recording a problem, so that a caller
    can check every key and raise once with every fault. ``key`` is the value's YAML path (e.g.
    ``themes[2].n_sufficient``): it becomes the problem's cell, and gives the problem its line.
    """

    def __init__(
        self, source: str, lines: Mapping[str, int] | None = None, *, check_files: bool = True
    ) -> None:
        self.source = source
        self.lines = lines or {}
        self.check_files = check_files
        self.problems: list[Problem] = []

    def line_of(self, key: str) -> int | None:
        """Return the line of a key, or of its nearest parent when it is absent (None at top)."""
        while key:
            if key in self.lines:
                return self.lines[key]
            parent = re.sub(r"(\.[^.\[\]]*|\[\d+\])\Z", "", key)
            key = "" if parent == key else parent
        return None  # a missing top-level key has no line of its own

    def problem(self, severity: str, key: str | None, message: str, **kw: Any) -> Problem:
        """Return a problem at a key, located by the key's line."""
        line = kw.pop("line", None) or self.line_of(key or "")
        return Problem(severity, self.source, message, cell=key or None, line=line, **kw)  # type: ignore[arg-type]

    def fault(
        self,
        key: str | None,
        value: Any,
        message: str,
        expected: str | None = None,
        *,
        line: int | None = None,
    ) -> None:
        """Record one error at a key (``value`` NO_VALUE when nothing is there to show)."""
        shown = None if value is NO_VALUE else show_value(value)
        self.problems.append(
            self.problem("error", key, message, value=shown, expected=expected, line=line)
        )

    def unknown_keys(self, prefix: str, values: Mapping[str, Any], known: Collection[str]) -> None:
        """Record each key of a mapping that is not known, with a 'did you mean'."""
        for name in values:
            if name not in known:
                self.fault(
                    join_key(prefix, name), str(name), "unknown key", one_of(str(name), known)
                )

    def required(self, prefix: str, values: Mapping[str, Any], names: Collection[str]) -> None:
        """Record each required key that a mapping lacks."""
        for name in names:
            if name not in values:
                self.fault(join_key(prefix, name), NO_VALUE, "missing required key")

    def mapping(
        self,
        key: str,
        value: Any,
        known: Collection[str],
        required: Collection[str] = (),
        expected: str | None = None,
    ) -> Mapping[str, Any] | None:
        """Return a mapping with its keys checked (unknown, missing), or None if it is not one."""
        if not isinstance(value, Mapping):
            self.fault(key, value, "not a mapping", expected or "keys " + ", ".join(known))
            return None
        self.required(key, value, required)
        self.unknown_keys(key, value, known)
        return value

    def entries(
        self,
        key: str,
        value: list[Any],
        known: Collection[str],
        required: Collection[str],
        expected: str,
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """Yield ``(place, entry)`` for each mapping of a list, its keys checked; fault the rest."""
        for i, entry in enumerate(value):
            where = f"{key}[{i}]"
            checked = self.mapping(where, entry, known, required, expected)
            if checked is not None:
                yield where, checked

    def items(self, key: str, value: Any) -> list[Any]:
        """Return a non-empty list, or [] after recording a fault."""
        if not isinstance(value, list) or not value:
            self.fault(key, value, "not a non-empty list", "a list")
            return []
        return value

    def repeated(self, key: str, value: str | None, seen: set[str | None], expected: str) -> bool:
        """Record a fault if an id was seen before in its list; return whether it was."""
        twice = value is not None and value in seen
        if twice:
            self.fault(key, value, "given twice", expected)
        seen.add(value)
        return twice

    def text(self, key: str, value: Any, *, optional: bool = False) -> str | None:
        """Return non-empty text, stripped (None allowed when optional)."""
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            expected = "non-empty text"
            if isinstance(value, int | float) and not isinstance(value, bool):
                expected += ' (put numbers in quotes, e.g. "1.0")'
            self.fault(key, value, "not a text value", expected)
            return None
        return value.strip()

    def ident(self, key: str, value: Any, pattern: re.Pattern[str], expected: str) -> str | None:
        """Return an id matching a pattern, or None after recording a fault."""
        if not isinstance(value, str) or not pattern.match(value):
            self.fault(key, value, "not a valid id", expected)
            return None
        return value

    def flag(self, key: str, value: Any) -> bool | None:
        """Return true or false."""
        if not isinstance(value, bool):
            self.fault(key, value, "not true or false", "true or false")
            return None
        return value

    def date(self, key: str, value: Any, *, optional: bool = False) -> str | None:
        """Return an ISO date string (YYYY-MM-DD)."""
        if value is None and optional:
            return None
        # A date object comes only from values given in Python (a notebook); the loader keeps text.
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        self.fault(key, value, "not a date", 'an ISO date YYYY-MM-DD, e.g. "2016-03-21"')
        return None

    def path(self, key: str, value: Any, *, optional: bool = False) -> str | None:
        """Return a path as written, checking that the file exists (relative to the root)."""
        text = self.text(key, value, optional=optional)
        if text is not None and self.check_files and not resolve(text).is_file():
            self.fault(key, text, "file not found", f"an existing file ({resolve(text)})")
        return text

    def paths(self, key: str, value: Any) -> tuple[str, ...]:
        """Return a list of paths (a single path is taken as a list of one)."""
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]  # one path written without brackets
        if not isinstance(value, list | tuple):
            self.fault(key, value, "not a list of files", "a list of file paths")
            return ()
        out = [self.path(f"{key}[{i}]", v) for i, v in enumerate(value)]
        return tuple(p for p in out if p is not None)

    def texts(self, key: str, value: Any) -> tuple[str, ...] | None:
        """Return a list of non-empty texts (None or an empty list is an empty tuple)."""
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            self.fault(key, value, "not a list", "a list of text values")
            return None
        out = [self.text(f"{key}[{i}]", v) for i, v in enumerate(value)]
        return None if None in out else tuple(out)  # type: ignore[arg-type]

    def number(self, key: str, value: Any) -> float | None:
        """Return a number (not NaN)."""
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (isinstance(value, float) and math.isnan(value))
        ):
            self.fault(key, value, "not a number", "a number")
            return None
        return value

    def whole(
        self,
        key: str,
        value: Any,
        *,
        minimum: int | None = 0,
        optional: bool = False,
        what: str = "",
    ) -> int | None:
        """Return a whole number, at least ``minimum`` when given (1.0 is taken as 1)."""
        if value is None and optional:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        too_small = isinstance(value, int) and minimum is not None and value < minimum
        if isinstance(value, bool) or not isinstance(value, int) or too_small:
            expected = "a whole number" + (f", at least {minimum}" if minimum is not None else "")
            self.fault(key, value, f"not a whole number{' of ' + what if what else ''}", expected)
            return None
        return value

    def percentage(self, key: str, value: Any) -> float | None:
        """Return a percentage 0-100."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            self.fault(key, value, "not a percentage", "a number from 0 to 100")
            return None
        return float(value)
