"""Personal details that slip into auditors' comments, withheld as the files load.

Auditors write their evidence in comment cells, and a child's or parent's name, a date of
birth or a phone number can slip in ("Kieran said..."). Identifying columns are dropped at
load (:mod:`.pseudonymise`), but a comment is kept, so it is searched by the one detector
(:mod:`.detector`): for the input's own identifying values (each name, and each part of a name
of three letters or more; dates of birth however written; case references and the other values
of dropped or pseudonymised columns), the regular expressions the params file lists
(``privacy: {patterns: [...]}``), and names, dates, addresses, postcodes, phone numbers,
e-mail addresses, NHS and National Insurance numbers and case references whether or not the
input has a column for them. Every hit is replaced by ``[withheld]`` and reported as a warning
naming the cell and the kind of detail, never the value, so the report still builds and the
analyst can tell the auditor where to look. The framework's own wording is never withheld.

Matching the input's values ignores case and needs a whole token, as the leak check does
(:mod:`.leakcheck`): "Ann" is withheld from "Ann said" but not from "Annual review".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from caseaudit_lib.errors import Problem
from caseaudit_lib.load.reading import RawSheet
from caseaudit_lib.privacy.detector import (
    WITHHELD as WITHHELD,
)
from caseaudit_lib.privacy.detector import (
    Detector,
    Searcher,
    describe,
    framework_wording,
    withhold_spans,
)
from caseaudit_lib.privacy.leakcheck import MIN_LENGTH, date_variants, is_checkable
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig, is_comment_column, privacy_key

_LETTERS = re.compile(r"[^\W\d_]+")
_WORD = re.compile(r"\w+")


def _kind(header: str) -> str:
    """Return what an identifying column holds: "name", "date" or "reference"."""
    key = privacy_key(header)
    if "name" in key or key in ("youngperson", "child", "parent", "carer"):
        return "name"
    if "dob" in key or "birth" in key:
        return "date"
    return "reference"


def spellings(value: str, kind: str) -> set[str]:
    """Return the spellings of one identifying value to withhold from comments.

    A name gives itself and each of its parts of ``MIN_LENGTH`` letters or more ("Kieran
    O'Brien": also "Kieran", "O'Brien" and "Brien"); a date of birth its other spellings.
    """
    value = value.strip()
    out = {value}
    if kind == "name":
        out |= {part for part in value.split() if len(part) >= MIN_LENGTH}
        out |= {part for part in _LETTERS.findall(value) if len(part) >= MIN_LENGTH}
    out |= date_variants(value)
    return {s for s in out if is_checkable(s)}


def identifying_values(
    sheets: Iterable[RawSheet], config: PrivacyConfig, words: set[str] | None = None
) -> dict[str, set[str]]:
    """Return the spellings to withhold, by identifying column, from every sheet's own columns.

    Args:
        sheets: The input's answer sheets.
        config: Which columns are identifying.
        words: When given, the lower-cased words of the texts to search: a value none of whose
            spellings could start with one of them is left out (most are, and it saves
            spelling thousands of names for comments that hold none).

    """
    has_digits = words is None or any(any(c.isdigit() for c in w) for w in words)
    found: dict[str, set[str]] = {}
    for sheet in sheets:
        if sheet.header_row is None:
            continue
        body = sheet.grid.iloc[sheet.header_row + 1 :]
        for col, header in enumerate(sheet.header_names):
            if not header or config.action(header) is None:
                continue
            kind = _kind(header)
            values = body[col].astype(str).str.strip()
            for value in pd.unique(values[values != ""]):
                # Every spelling of a name or reference starts with one of its own words; every
                # spelling of a date holds digits.
                if words is not None and not (
                    (kind == "date" and has_digits)
                    or not words.isdisjoint(_WORD.findall(value.lower()))
                ):
                    continue
                found.setdefault(header, set()).update(spellings(value, kind))
    return found


def searcher(values: dict[str, set[str]], patterns: Sequence[str] = ()) -> Searcher:
    """Return the search for some identifying values (by column) and params patterns."""
    return Searcher(values, patterns)


def withhold_text(text: str, search: Searcher | Detector) -> tuple[str, list[str]]:
    """Return text with every hit replaced by ``[withheld]``, and the sources that hit."""
    return withhold_spans(text, search.spans(text))


def withhold_identifiers(
    sheets: Sequence[RawSheet], config: PrivacyConfig, framework: object | None = None
) -> tuple[list[RawSheet], list[Problem]]:
    """Return the sheets with identifiers withheld from their comment cells, and one warning each.

    The identifying values of every sheet are withheld from the comments of every sheet: with
    one workbook per auditor, a sibling's name may be in another auditor's file.
    """
    columns = {
        id(sheet): [
            (col, sheet.grid[col].iloc[sheet.header_row + 1 :].astype(str).to_numpy(dtype=object))
            for col, header in enumerate(sheet.header_names)
            if header and is_comment_column(header)
        ]
        for sheet in sheets
        if sheet.header_row is not None
    }
    texts = {t for cols in columns.values() for _, cells in cols for t in pd.unique(cells) if t}
    if not texts:
        return list(sheets), []
    words = {w for text in texts for w in _WORD.findall(text.lower())}
    search = Detector(
        identifying_values(sheets, config, words), config.patterns, framework_wording(framework)
    )
    # Comments repeat ("Not evident on the system."): each text is searched once.
    done = {text: withhold_text(text, search) for text in texts}
    changed = {text for text, (_, sources) in done.items() if sources}
    out: list[RawSheet] = []
    warnings: list[Problem] = []
    for sheet in sheets:
        if sheet.header_row is None:
            out.append(sheet)
            continue
        grid = None
        found: list[tuple[int, int, Problem]] = []
        for col, cells in columns[id(sheet)]:
            if not changed:
                break
            for i in np.flatnonzero(pd.Series(cells).isin(changed).to_numpy()):
                row = sheet.header_row + 1 + int(i)
                new, sources = done[cells[i]]
                if grid is None:
                    grid = sheet.grid.copy()
                grid.at[row, col] = new
                message = (
                    "identifying text withheld from the comment ("
                    + ", ".join(describe(s) for s in sources)
                    + ")"
                )
                expected = "no names, dates, addresses, contact details or references in comments"
                problem = sheet.problem("warning", row, col, message, expected=expected)
                found.append((row, col, problem))
        warnings += [problem for _, _, problem in sorted(found, key=lambda f: f[:2])]
        out.append(sheet if grid is None else dataclasses.replace(sheet, grid=grid))
    return out, warnings
