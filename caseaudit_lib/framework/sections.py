"""The checks of each section of a framework file: case types, bands, themes, questions, overall.

Each function checks one section of the parsed YAML, records its faults with the
:class:`~caseaudit_lib.yaml_fields.FieldChecker` it is given, and returns what it could build.
They are public because :mod:`caseaudit_lib.framework.parse` calls them for each section.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from caseaudit_lib.framework.structure import (
    KEY_AREAS,
    SCORING_RULES,
    Band,
    OverallRule,
    Question,
    Theme,
    fold_text,
)
from caseaudit_lib.yaml_fields import NO_VALUE, FieldChecker, join_key

_SLUG = re.compile(r"[a-z][a-z0-9_]*\Z")
_QUESTION_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.]*\Z")
# Column names of the scoring files: a question id equal to one would be read as a case column.
_RESERVED_IDS = frozenset(
    {"case_id", "auditor", "case_type", "marking", "question_id", "answer", "comment"}
)
_SLUG_EXPECTED = "a slug: a-z, 0-9 and _"


def _text(check: FieldChecker, m: Mapping, path: str, key: str, default: Any = None) -> Any:
    """Return the text at m[key] (default when absent), recording a fault for a wrong type."""
    return check.text(join_key(path, key), m[key]) if key in m else default


def _whole(check: FieldChecker, m: Mapping, path: str, key: str) -> int | None:
    """Return the whole number at m[key] (None when absent: mapping() reported it if required)."""
    return check.whole(join_key(path, key), m[key], minimum=None) if key in m else None


def scoring_rule(value: object, path: str, check: FieldChecker) -> str | None:
    """Return a theme scoring rule, or None after recording a fault."""
    if value not in SCORING_RULES:
        check.fault(path, value, "unknown scoring rule", "one of " + ", ".join(SCORING_RULES))
        return None
    return value  # type: ignore[return-value]


def case_types(items: list, check: FieldChecker) -> tuple[dict[str, str], dict[str, str]]:
    """Return the case types (id -> label) and every spelling of them (folded -> id)."""
    found: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for i, item in enumerate(items):
        path = f"case_types[{i}]"
        m = check.mapping(path, item, ("id", "label", "aliases"), ("id", "label"))
        if m is None:
            continue
        cid = check.ident(f"{path}.id", m.get("id"), _SLUG, _SLUG_EXPECTED) if "id" in m else None
        label = _text(check, m, path, "label")
        raw_aliases = m.get("aliases", [])
        if not isinstance(raw_aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in raw_aliases
        ):
            check.fault(f"{path}.aliases", raw_aliases, "aliases is not a list of texts", "a list")
            raw_aliases = []
        if cid is None:
            continue
        if cid in found:
            check.fault(f"{path}.id", cid, "duplicate case type id", "ids unique in the framework")
            continue
        found[cid] = label or cid
        for spelling in [cid, label or cid, *raw_aliases]:
            key = fold_text(spelling)
            if aliases.get(key, cid) != cid:
                check.fault(
                    path,
                    spelling,
                    f"spelling {spelling!r} also names case type {aliases[key]!r}",
                    "each id, label and alias to name one case type",
                )
            aliases.setdefault(key, cid)
    return found, aliases


def bands(items: list, check: FieldChecker) -> tuple[Band, ...]:
    """Return the rating bands, highest first."""
    found: list[Band] = []
    for i, item in enumerate(items):
        path = f"bands[{i}]"
        m = check.mapping(path, item, ("label", "min_pct", "points"), ("label", "min_pct"))
        if m is None:
            continue
        label = _text(check, m, path, "label")
        min_pct = check.number(f"{path}.min_pct", m["min_pct"]) if "min_pct" in m else None
        points = _whole(check, m, path, "points")
        if min_pct is not None and not 0 <= min_pct <= 100:
            check.fault(f"{path}.min_pct", min_pct, "min_pct is out of range", "0 to 100")
            min_pct = None
        if label is not None and min_pct is not None:
            found.append(Band(label, float(min_pct), points))
    if len(found) != len(items):
        return tuple(found)
    check_descending(
        [b.min_pct for b in found], [b.label for b in found], "bands", "min_pct", check
    )
    with_points = [b.points is not None for b in found]
    if any(with_points) and not all(with_points):
        check.fault(
            "bands",
            NO_VALUE,
            "some bands have points and some do not",
            "points on all or none",
        )
    elif all(with_points) and any(a.points <= b.points for a, b in pairwise(found)):  # type: ignore[operator]
        check.fault(
            "bands",
            [b.points for b in found],
            "band points do not fall from the first band to the last",
            "points falling band by band, e.g. 3, 2, 1, 0",
        )
    return tuple(found)


def check_descending(
    values: list[float], labels: list[str], path: str, key: str, check: FieldChecker
) -> None:
    """Record bands whose thresholds do not fall strictly, do not end at 0, or repeat a label."""
    if any(a <= b for a, b in pairwise(values)):
        check.fault(
            path,
            values,
            f"bands are not in descending order of {key}",
            f"highest {key} first, each lower than the one before",
        )
    if values and values[-1] != 0:
        check.fault(
            f"{path}[{len(values) - 1}].{key}",
            values[-1],
            f"the last band's {key} is not 0",
            "0, so that every score has a band",
        )
    folded = [lab.casefold() for lab in labels]
    for i, label in enumerate(folded):
        if label in folded[:i]:
            check.fault(f"{path}[{i}].label", labels[i], "duplicate band label", "unique labels")


def themes(
    items: list, default_scoring: str, known_case_types: dict[str, str], check: FieldChecker
) -> tuple[Theme, ...]:
    """Return the themes with their questions, in file order."""
    found: list[Theme] = []
    theme_ids: set[str] = set()
    question_ids: set[str] = set()
    for i, item in enumerate(items):
        path = f"themes[{i}]"
        m = check.mapping(
            path,
            item,
            ("id", "name", "scoring", "description", "in_overall", "questions"),
            ("id", "name", "questions"),
        )
        if m is None:
            continue
        tid = check.ident(f"{path}.id", m.get("id"), _SLUG, _SLUG_EXPECTED) if "id" in m else None
        if tid == "all":  # the score tables use theme_id "all" for whole-case rows
            check.fault(f"{path}.id", tid, "theme id 'all' is reserved", "another id")
            tid = None
        elif tid in theme_ids:
            check.fault(f"{path}.id", tid, "duplicate theme id", "ids unique in the framework")
        elif tid is not None:
            theme_ids.add(tid)
        name = _text(check, m, path, "name")
        description = _text(check, m, path, "description", default="")
        scoring = default_scoring
        if "scoring" in m:
            scoring = scoring_rule(m["scoring"], f"{path}.scoring", check) or default_scoring
        raw_questions = check.items(f"{path}.questions", m["questions"]) if "questions" in m else []
        questions = tuple(
            q
            for j, raw in enumerate(raw_questions)
            if (
                q := question(
                    raw, f"{path}.questions[{j}]", tid or "", known_case_types, question_ids, check
                )
            )
            is not None
        )
        if scoring == "weakest_key_question" and questions and not any(q.key for q in questions):
            check.fault(
                f"{path}.scoring",
                scoring,
                "weakest_key_question theme has no key question",
                "at least one question with key: true",
            )
        in_overall = (
            check.flag(f"{path}.in_overall", m["in_overall"]) if "in_overall" in m else True
        )
        if tid is not None and name is not None:
            found.append(
                Theme(tid, name, scoring, questions, description or "", in_overall is not False)
            )
    return tuple(found)


def question(
    raw: object,
    path: str,
    theme_id: str,
    known_case_types: dict[str, str],
    seen: set[str],
    check: FieldChecker,
) -> Question | None:
    """Return one question of a theme, or None when its id or text is faulty."""
    allowed = ("id", "text", "applies_to", "key_area", "key")
    m = check.mapping(path, raw, allowed, ("id", "text"))
    if m is None:
        return None
    expected = "a letter, then letters, digits, _ or . (e.g. AS1, Q2.1.1)"
    qid = check.ident(f"{path}.id", m.get("id"), _QUESTION_ID, expected) if "id" in m else None
    if qid is not None:
        if qid.endswith("_comment"):
            check.fault(
                f"{path}.id",
                qid,
                "question id ends in _comment",
                "an id not ending _comment (that suffix marks comment columns)",
            )
        elif qid.casefold() in _RESERVED_IDS:
            check.fault(
                f"{path}.id",
                qid,
                "question id is a reserved column name",
                "not one of " + ", ".join(sorted(_RESERVED_IDS)),
            )
        elif qid in seen:
            check.fault(f"{path}.id", qid, "duplicate question id", "ids unique in the framework")
        else:
            seen.add(qid)
    text = _text(check, m, path, "text")
    applies_to = None
    if "applies_to" in m:
        applies_to = _applies_to(m["applies_to"], f"{path}.applies_to", known_case_types, check)
    key_area = m.get("key_area")
    if key_area is not None and key_area not in KEY_AREAS:
        check.fault(
            f"{path}.key_area", key_area, "unknown key area", "one of " + ", ".join(KEY_AREAS)
        )
    key = check.flag(f"{path}.key", m["key"]) if "key" in m else True
    if qid is None or text is None:
        return None
    return Question(qid, theme_id, text, applies_to, key_area, key is not False)


def _applies_to(
    value: object, path: str, known_case_types: dict[str, str], check: FieldChecker
) -> frozenset[str] | None:
    if not isinstance(value, list) or not value:
        check.fault(
            path,
            value,
            "applies_to is not a non-empty list of case type ids",
            "a list such as [yro, custody]",
        )
        return None
    unknown = [v for v in value if not isinstance(v, str) or v not in known_case_types]
    if unknown and known_case_types:  # with no valid case types, that fault is reported already
        check.fault(
            path,
            ", ".join(map(str, unknown)),
            "applies_to names an unknown case type",
            "case type ids: " + ", ".join(known_case_types),
        )
    return frozenset(v for v in value if isinstance(v, str) and v in known_case_types) or None


def overall(
    value: object, rating_bands: tuple[Band, ...], n_themes: int, check: FieldChecker
) -> OverallRule | None:
    """Return the overall rule (HMIP: standards' points to an overall band), or None."""
    keys = ("max_points", "bands", "organisational_standards")
    m = check.mapping("overall", value, keys, ("max_points", "bands"))
    if m is None:
        return None
    max_points = _whole(check, m, "overall", "max_points")
    if max_points is not None and max_points <= 0:
        check.fault(
            "overall.max_points", max_points, "max_points is not positive", "a whole number > 0"
        )
        max_points = None
    overall_bands: list[tuple[str, int]] = []
    raw_bands = check.items("overall.bands", m["bands"]) if "bands" in m else []
    for i, item in enumerate(raw_bands):
        path = f"overall.bands[{i}]"
        b = check.mapping(path, item, ("label", "min_points"), ("label", "min_points"))
        if b is None:
            continue
        label = _text(check, b, path, "label")
        min_points = _whole(check, b, path, "min_points")
        if label is not None and min_points is not None:
            overall_bands.append((label, min_points))
    if len(overall_bands) == len(raw_bands):
        check_descending(
            [p for _, p in overall_bands],
            [lab for lab, _ in overall_bands],
            "overall.bands",
            "min_points",
            check,
        )
        if max_points is not None and overall_bands and overall_bands[0][1] > max_points:
            check.fault(
                "overall.bands[0].min_points",
                overall_bands[0][1],
                "the top band is above max_points",
                f"at most {max_points}",
            )
    standards = _standards(m.get("organisational_standards", []), check)
    points = [b.points for b in rating_bands]
    if not rating_bands or None in points:
        check.fault(
            "bands", NO_VALUE, "overall needs points on every band", "points: 3, 2, 1, 0 ..."
        )
    elif max_points is not None and standards is not None:
        rated = n_themes + len(standards)
        most = rated * max(points)  # type: ignore[type-var]
        if max_points != most:
            check.fault(
                "overall.max_points",
                max_points,
                "max_points is not the most the standards can score",
                f"{rated} rated standards x {max(points)} points = {most}",  # type: ignore[type-var]
            )
    if check.problems or max_points is None:
        return None
    aliases = tuple((alias, sid) for sid, _, names in standards or () for alias in names)
    plain = tuple((sid, label) for sid, label, _ in standards or ())
    return OverallRule(max_points, tuple(overall_bands), plain, aliases)


def _standards(raw: object, check: FieldChecker) -> list[tuple[str, str, tuple[str, ...]]] | None:
    """Return the organisational standards (id, label, aliases), or None when one is faulty."""
    key = "overall.organisational_standards"
    if not isinstance(raw, list):
        check.fault(key, raw, "not a list", "a list")
        return None
    standards: list[tuple[str, str, tuple[str, ...]]] = []
    for i, item in enumerate(raw):
        path = f"{key}[{i}]"
        s = check.mapping(path, item, ("id", "label", "aliases"), ("id", "label"))
        if s is None:
            continue
        sid = _text(check, s, path, "id")
        label = _text(check, s, path, "label")
        aliases = check.texts(f"{path}.aliases", s["aliases"]) if "aliases" in s else ()
        if sid is not None and sid in {x for x, _, _ in standards}:
            check.fault(f"{path}.id", sid, "duplicate organisational standard id", "unique ids")
        elif sid is not None and label is not None and aliases is not None:
            standards.append((sid, label, aliases))
    return standards if len(standards) == len(raw) else None
