"""Audit frameworks: the themes, questions, case types and rating bands of an audit.

A framework is data, kept in a YAML file (see docs/frameworks.md). The packaged ones live in
``caseaudit_lib/frameworks/``; a user can pass their own file instead. Loading checks the whole
file and reports every fault at once as a :class:`~caseaudit_lib.errors.FrameworkError`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import yaml

from caseaudit_lib.errors import FrameworkError, Problem

SCORING_RULES = ("pooled", "mean_of_questions", "weakest_key_question")
KEY_AREAS = ("desistance", "child_safety", "others_safety")


@dataclass(frozen=True)
class Question:
    """One question an auditor answers for each case it applies to."""

    id: str
    theme_id: str
    text: str
    applies_to: frozenset[str] | None
    key_area: str | None
    key: bool

    def applies(self, case_type: str) -> bool:
        """Return whether the question applies to a case type id."""
        return self.applies_to is None or case_type in self.applies_to


@dataclass(frozen=True)
class Theme:
    """A group of questions scored together (an HMIP standard is a theme)."""

    id: str
    name: str
    scoring: str
    questions: tuple[Question, ...]
    description: str


@dataclass(frozen=True)
class Band:
    """One rating band: percentages from ``min_pct`` (inclusive) up to the next band."""

    label: str
    min_pct: float
    points: int | None


@dataclass(frozen=True)
class OverallRule:
    """How standards' points add up to an overall rating (HMIP)."""

    max_points: int
    bands: tuple[tuple[str, int], ...]
    organisational_standards: tuple[tuple[str, str], ...]

    def rating(self, points: float | None) -> str | None:
        """Return the overall band label for a points total, or None when the total is unknown."""
        if points is None or (isinstance(points, float) and math.isnan(points)):
            return None
        for label, min_points in self.bands:
            if points >= min_points:
                return label
        return self.bands[-1][0]


# eq=False: frameworks compare (and hash) by identity, so one can key a cache; loading the same
# unchanged file returns the same object.
@dataclass(frozen=True, eq=False)
class Framework:
    """An audit framework: case types, themes with their questions, and rating bands."""

    id: str
    title: str
    version: str
    source: str
    scoring: str
    case_types: Mapping[str, str]
    case_type_aliases: Mapping[str, str]
    themes: tuple[Theme, ...]
    bands: tuple[Band, ...]
    overall: OverallRule | None
    path: Path

    def __repr__(self) -> str:
        return f"Framework({self.id!r}, {len(self.themes)} themes, {len(self.questions)} questions)"

    # Read-only mappings cannot be pickled; batch runs send frameworks to worker processes.
    def __getstate__(self) -> dict:
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["case_types"] = dict(self.case_types)
        state["case_type_aliases"] = dict(self.case_type_aliases)
        return state

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            if name in ("case_types", "case_type_aliases"):
                value = MappingProxyType(dict(value))
            object.__setattr__(self, name, value)

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """Every question, theme by theme, in file order."""
        return tuple(q for t in self.themes for q in t.questions)

    @cached_property
    def question_ids(self) -> tuple[str, ...]:
        """Every question id, in file order."""
        return tuple(q.id for q in self.questions)

    @cached_property
    def _questions_by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def _themes_by_id(self) -> dict[str, Theme]:
        return {t.id: t for t in self.themes}

    def question(self, id: str) -> Question:
        """Return the question with this id (KeyError if there is none)."""
        try:
            return self._questions_by_id[id]
        except KeyError:
            raise KeyError(f"framework {self.id!r} has no question {id!r}") from None

    def theme(self, id: str) -> Theme:
        """Return the theme with this id (KeyError if there is none)."""
        try:
            return self._themes_by_id[id]
        except KeyError:
            raise KeyError(f"framework {self.id!r} has no theme {id!r}") from None

    def applies(self, question_id: str, case_type: str) -> bool:
        """Return whether a question applies to a case type id (KeyError for unknown ids)."""
        if case_type not in self.case_types:
            raise KeyError(f"framework {self.id!r} has no case type {case_type!r}")
        return self.question(question_id).applies(case_type)

    def applicability(self) -> pd.DataFrame:
        """Return a bool table, case type ids by question ids, True where the question applies."""
        table = pd.DataFrame(
            [[q.applies(ct) for q in self.questions] for ct in self.case_types],
            index=pd.Index(list(self.case_types), name="case_type"),
            columns=pd.Index(list(self.question_ids), name="question_id"),
            dtype=bool,
        )
        return table

    def case_type_id(self, raw: object) -> str | None:
        """Return the case type id that a spelling names (id, label or alias), or None.

        Matching ignores case and surplus spaces, so " referral  ORDER " finds ``referral_order``.
        """
        if not isinstance(raw, str):
            return None
        return self.case_type_aliases.get(_fold(raw))

    def rating(self, pct: float | None) -> str | None:
        """Return the band label for a percentage (0-100), or None when it is None or NaN.

        The percentage is rounded to 9 decimals first so that a score of exactly 80% that
        arrives as 79.99999999999999 after floating-point division still rates in the 80% band.
        """
        if pct is None:
            return None
        pct = float(pct)
        if math.isnan(pct):
            return None
        pct = round(pct, 9)
        for band in self.bands:
            if pct >= band.min_pct:
                return band.label
        return self.bands[-1].label

    def rating_points(self, label: str | None) -> int | None:
        """Return the points of a band label (HMIP: 3 to 0), or None if label or points are None."""
        if label is None:
            return None
        for band in self.bands:
            if band.label.casefold() == label.strip().casefold():
                return band.points
        raise KeyError(f"framework {self.id!r} has no rating band {label!r}")


def _fold(text: str) -> str:
    """Return text lower-cased with runs of spaces collapsed, for forgiving matching."""
    return " ".join(text.split()).casefold()


def _packaged_dir():  # noqa: ANN202 - a Traversable
    return files("caseaudit_lib").joinpath("frameworks")


def available_frameworks() -> list[str]:
    """Return the names of the packaged frameworks, sorted."""
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in _packaged_dir().iterdir()
        if entry.name.endswith(".yaml")
    )


def load_framework(name_or_path: str | Path) -> Framework:
    """Load a packaged framework by name, or a framework file by path.

    Args:
        name_or_path: A packaged name such as ``"yjb-audit-2016"``, or a path: a ``Path``, or a
            string holding a ``/`` or ending ``.yaml``/``.yml``. A relative path is looked for
            from the working directory, then from the project root.

    Returns:
        The framework. Loading an unchanged file again returns the same (cached) object.

    Raises:
        FrameworkError: the name is unknown, the file is missing, or the file is malformed (one
            problem per fault).

    """
    path = _locate(name_or_path)
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


def _locate(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    is_path = (
        isinstance(name_or_path, Path)
        or "/" in text
        or "\\" in text
        or text.lower().endswith((".yaml", ".yml"))
    )
    if not is_path:
        names = available_frameworks()
        if text not in names:
            raise FrameworkError(
                f"unknown framework {text!r}: the packaged frameworks are "
                f"{', '.join(names)}; or give the path of a framework .yaml file"
            )
        return Path(str(_packaged_dir().joinpath(f"{text}.yaml"))).resolve()
    path = Path(text).expanduser()
    if not path.is_absolute() and not path.exists():
        try:  # params files name paths relative to the project root
            from caseaudit_lib.paths import resolve
        except ImportError:  # pragma: no cover - paths.py is always there once the project is whole
            pass
        else:
            path = Path(resolve(path))
    if not path.is_file():
        raise FrameworkError(
            [Problem("error", text, "framework file not found", expected="a .yaml framework file")]
        )
    return path.resolve()


@functools.lru_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int, size: int) -> Framework:
    # mtime and size are in the key so that an edited file is read again
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError([Problem("error", path, f"cannot read the file: {exc}")]) from None
    return parse_framework(text, Path(path))


# --- reading and checking a framework file -------------------------------------------------------

_MISSING = object()
_SLUG = re.compile(r"[a-z][a-z0-9_]*\Z")
_FRAMEWORK_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")
_QUESTION_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.]*\Z")
# Column names of the scoring files: a question id equal to one would be read as a case column.
_RESERVED_IDS = frozenset(
    {"case_id", "auditor", "case_type", "marking", "question_id", "answer", "comment"}
)
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


def _scoring_rule(value: object, path: str, check: _Checker) -> str | None:
    if value not in SCORING_RULES:
        check.fault(path, "unknown scoring rule", value, "one of " + ", ".join(SCORING_RULES))
        return None
    return value


def _case_types(items: list, check: _Checker) -> tuple[dict[str, str], dict[str, str]]:
    case_types: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for i, item in enumerate(items):
        path = f"case_types[{i}]"
        m = check.mapping(item, path, ("id", "label"), ("id", "label", "aliases"))
        if m is None:
            continue
        cid = check.ident(m.get("id"), f"{path}.id", _SLUG, "a slug: a-z, 0-9 and _")
        label = check.text(m, "label", path)
        raw_aliases = m.get("aliases", [])
        if not isinstance(raw_aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in raw_aliases
        ):
            check.fault(f"{path}.aliases", "aliases is not a list of texts", raw_aliases, "a list")
            raw_aliases = []
        if cid is None:
            continue
        if cid in case_types:
            check.fault(f"{path}.id", "duplicate case type id", cid, "ids unique in the framework")
            continue
        case_types[cid] = label or cid
        for spelling in [cid, label or cid, *raw_aliases]:
            key = _fold(spelling)
            if aliases.get(key, cid) != cid:
                check.fault(
                    path,
                    f"spelling {spelling!r} also names case type {aliases[key]!r}",
                    spelling,
                    "each id, label and alias to name one case type",
                )
            aliases.setdefault(key, cid)
    return case_types, aliases


def _bands(items: list, check: _Checker) -> tuple[Band, ...]:
    bands: list[Band] = []
    for i, item in enumerate(items):
        path = f"bands[{i}]"
        m = check.mapping(item, path, ("label", "min_pct"), ("label", "min_pct", "points"))
        if m is None:
            continue
        label = check.text(m, "label", path)
        min_pct = check.number(m, "min_pct", path)
        points = check.number(m, "points", path, integer=True)
        if min_pct is not None and not 0 <= min_pct <= 100:
            check.fault(f"{path}.min_pct", "min_pct is out of range", min_pct, "0 to 100")
            min_pct = None
        if label is not None and min_pct is not None:
            bands.append(Band(label, float(min_pct), points))
    if len(bands) != len(items):
        return tuple(bands)
    _check_descending(
        [b.min_pct for b in bands], [b.label for b in bands], "bands", "min_pct", check
    )
    with_points = [b.points is not None for b in bands]
    if any(with_points) and not all(with_points):
        check.fault(
            "bands", "some bands have points and some do not", expected="points on all or none"
        )
    elif all(with_points) and any(a.points <= b.points for a, b in pairwise(bands)):
        check.fault(
            "bands",
            "band points do not fall from the first band to the last",
            [b.points for b in bands],
            "points falling band by band, e.g. 3, 2, 1, 0",
        )
    return tuple(bands)


def _check_descending(
    values: list[float], labels: list[str], path: str, key: str, check: _Checker
) -> None:
    """Report bands whose thresholds do not fall strictly, do not end at 0, or repeat a label."""
    if any(a <= b for a, b in pairwise(values)):
        check.fault(
            path,
            f"bands are not in descending order of {key}",
            values,
            f"highest {key} first, each lower than the one before",
        )
    if values and values[-1] != 0:
        check.fault(
            f"{path}[{len(values) - 1}].{key}",
            f"the last band's {key} is not 0",
            values[-1],
            "0, so that every score has a band",
        )
    folded = [lab.casefold() for lab in labels]
    for i, label in enumerate(folded):
        if label in folded[:i]:
            check.fault(f"{path}[{i}].label", "duplicate band label", labels[i], "unique labels")


def _themes(
    items: list, default_scoring: str, case_types: dict[str, str], check: _Checker
) -> tuple[Theme, ...]:
    themes: list[Theme] = []
    theme_ids: set[str] = set()
    question_ids: set[str] = set()
    for i, item in enumerate(items):
        path = f"themes[{i}]"
        m = check.mapping(
            item,
            path,
            ("id", "name", "questions"),
            ("id", "name", "scoring", "description", "questions"),
        )
        if m is None:
            continue
        tid = check.ident(m.get("id"), f"{path}.id", _SLUG, "a slug: a-z, 0-9 and _")
        if tid == "all":  # the score tables use theme_id "all" for whole-case rows
            check.fault(f"{path}.id", "theme id 'all' is reserved", tid, "another id")
            tid = None
        elif tid in theme_ids:
            check.fault(f"{path}.id", "duplicate theme id", tid, "ids unique in the framework")
        elif tid is not None:
            theme_ids.add(tid)
        name = check.text(m, "name", path)
        description = check.text(m, "description", path, default="")
        scoring = default_scoring
        if "scoring" in m:
            scoring = _scoring_rule(m["scoring"], f"{path}.scoring", check) or default_scoring
        questions = tuple(
            q
            for j, raw in enumerate(check.items(m, "questions", path))
            if (
                q := _question(
                    raw, f"{path}.questions[{j}]", tid or "", case_types, question_ids, check
                )
            )
            is not None
        )
        if scoring == "weakest_key_question" and questions and not any(q.key for q in questions):
            check.fault(
                f"{path}.scoring",
                "weakest_key_question theme has no key question",
                scoring,
                "at least one question with key: true",
            )
        if tid is not None and name is not None:
            themes.append(Theme(tid, name, scoring, questions, description or ""))
    return tuple(themes)


def _question(
    raw: object,
    path: str,
    theme_id: str,
    case_types: dict[str, str],
    seen: set[str],
    check: _Checker,
) -> Question | None:
    allowed = ("id", "text", "applies_to", "key_area", "key")
    m = check.mapping(raw, path, ("id", "text"), allowed)
    if m is None:
        return None
    expected = "a letter, then letters, digits, _ or . (e.g. AS1, Q2.1.1)"
    qid = check.ident(m.get("id"), f"{path}.id", _QUESTION_ID, expected)
    if qid is not None:
        if qid.endswith("_comment"):
            check.fault(
                f"{path}.id",
                "question id ends in _comment",
                qid,
                "an id not ending _comment (that suffix marks comment columns)",
            )
        elif qid.casefold() in _RESERVED_IDS:
            check.fault(
                f"{path}.id",
                "question id is a reserved column name",
                qid,
                "not one of " + ", ".join(sorted(_RESERVED_IDS)),
            )
        elif qid in seen:
            check.fault(f"{path}.id", "duplicate question id", qid, "ids unique in the framework")
        else:
            seen.add(qid)
    text = check.text(m, "text", path)
    applies_to = None
    if "applies_to" in m:
        applies_to = _applies_to(m["applies_to"], f"{path}.applies_to", case_types, check)
    key_area = m.get("key_area")
    if key_area is not None and key_area not in KEY_AREAS:
        check.fault(
            f"{path}.key_area", "unknown key area", key_area, "one of " + ", ".join(KEY_AREAS)
        )
    key = m.get("key", True)
    if not isinstance(key, bool):
        check.fault(f"{path}.key", "key is not true or false", key, "true or false")
    if qid is None or text is None:
        return None
    return Question(qid, theme_id, text, applies_to, key_area, key is not False)


def _applies_to(
    value: object, path: str, case_types: dict[str, str], check: _Checker
) -> frozenset[str] | None:
    if not isinstance(value, list) or not value:
        check.fault(
            path,
            "applies_to is not a non-empty list of case type ids",
            value,
            "a list such as [yro, custody]",
        )
        return None
    unknown = [v for v in value if not isinstance(v, str) or v not in case_types]
    if unknown and case_types:  # with no valid case types, that fault is reported already
        check.fault(
            path,
            "applies_to names an unknown case type",
            ", ".join(map(str, unknown)),
            "case type ids: " + ", ".join(case_types),
        )
    return frozenset(v for v in value if isinstance(v, str) and v in case_types) or None


def _overall(
    value: object, bands: tuple[Band, ...], n_themes: int, check: _Checker
) -> OverallRule | None:
    keys = ("max_points", "bands", "organisational_standards")
    m = check.mapping(value, "overall", ("max_points", "bands"), keys)
    if m is None:
        return None
    max_points = check.number(m, "max_points", "overall", integer=True)
    if max_points is not None and max_points <= 0:
        check.fault(
            "overall.max_points", "max_points is not positive", max_points, "a whole number > 0"
        )
        max_points = None
    overall_bands: list[tuple[str, int]] = []
    raw_bands = check.items(m, "bands", "overall")
    for i, item in enumerate(raw_bands):
        path = f"overall.bands[{i}]"
        b = check.mapping(item, path, ("label", "min_points"), ("label", "min_points"))
        if b is None:
            continue
        label = check.text(b, "label", path)
        min_points = check.number(b, "min_points", path, integer=True)
        if label is not None and min_points is not None:
            overall_bands.append((label, min_points))
    if len(overall_bands) == len(raw_bands):
        _check_descending(
            [p for _, p in overall_bands],
            [lab for lab, _ in overall_bands],
            "overall.bands",
            "min_points",
            check,
        )
        if max_points is not None and overall_bands and overall_bands[0][1] > max_points:
            check.fault(
                "overall.bands[0].min_points",
                "the top band is above max_points",
                overall_bands[0][1],
                f"at most {max_points}",
            )
    standards: list[tuple[str, str]] = []
    raw_standards = m.get("organisational_standards", [])
    if not isinstance(raw_standards, list):
        check.fault("overall.organisational_standards", "is not a list", raw_standards, "a list")
        raw_standards = []
    for i, item in enumerate(raw_standards):
        path = f"overall.organisational_standards[{i}]"
        s = check.mapping(item, path, ("id", "label"), ("id", "label"))
        if s is None:
            continue
        sid = check.text(s, "id", path)
        label = check.text(s, "label", path)
        if sid is not None and sid in {x for x, _ in standards}:
            check.fault(f"{path}.id", "duplicate organisational standard id", sid, "unique ids")
        elif sid is not None and label is not None:
            standards.append((sid, label))
    points = [b.points for b in bands]
    if not bands or None in points:
        check.fault(
            "bands", "overall needs points on every band", expected="points: 3, 2, 1, 0 ..."
        )
    elif max_points is not None and len(standards) == len(raw_standards):
        rated = n_themes + len(standards)
        if max_points != rated * max(points):
            check.fault(
                "overall.max_points",
                "max_points is not the most the standards can score",
                max_points,
                f"{rated} rated standards x {max(points)} points = {rated * max(points)}",
            )
    if check.problems or max_points is None:
        return None
    return OverallRule(max_points, tuple(overall_bands), tuple(standards))
