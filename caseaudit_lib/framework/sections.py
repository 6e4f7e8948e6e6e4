"""The checks of each section of a framework file: case types, bands, themes, questions, overall.

Each function checks one section of the parsed YAML, reports its faults to the
:class:`~caseaudit_lib.framework.parse._Checker` it is given, and returns what it could build.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import TYPE_CHECKING

from caseaudit_lib.framework.model import (
    KEY_AREAS,
    SCORING_RULES,
    Band,
    OverallRule,
    Question,
    Theme,
    fold_text,
)

if TYPE_CHECKING:
    from caseaudit_lib.framework.parse import _Checker

_SLUG = re.compile(r"[a-z][a-z0-9_]*\Z")
_QUESTION_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.]*\Z")
# Column names of the scoring files: a question id equal to one would be read as a case column.
_RESERVED_IDS = frozenset(
    {"case_id", "auditor", "case_type", "marking", "question_id", "answer", "comment"}
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
            key = fold_text(spelling)
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
