"""Names and other identifiers that slip into auditors' comments, withheld as the files load.

Auditors write their evidence in comment cells, and a child's or parent's name can slip in
("Kieran said..."). Identifying columns are dropped at load (:mod:`.pseudonymise`), but a
comment is kept, so it is searched: for the input's own identifying values (each name, and
each part of a name of three letters or more; dates of birth however written; case
references and the other values of dropped or pseudonymised columns) and for the regular
expressions the params file lists (``privacy: {patterns: [...]}``). Every hit is replaced by
``[withheld]`` and reported as a warning naming the cell, never the value, so the report still
builds and the analyst can tell the auditor where to look.

Matching ignores case and needs a whole token, as the leak check does (:mod:`.leakcheck`):
"Ann" is withheld from "Ann said" but not from "Annual review". A name that is also an ordinary
word ("Will", "May") is withheld wherever the word appears: a lost word in a comment costs less
than a child's name in a board report.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from caseaudit_lib.errors import Problem
from caseaudit_lib.load.reading import RawSheet
from caseaudit_lib.privacy.leakcheck import MIN_LENGTH, date_variants, is_checkable
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig, is_comment_column, privacy_key

WITHHELD = "[withheld]"
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


class Searcher:
    """Finds the identifying values (whole tokens, any case) and the patterns in a text.

    The values are indexed by their first word, so a comment is searched in one pass over its
    words whatever the number of values: a regular expression alternating 3,000 names costs
    seconds per column. Each hit is named by where its value came from, never by the value.
    """

    def __init__(self, values: dict[str, set[str]], patterns: Sequence[str] = ()) -> None:
        self.by_first: dict[str, list[tuple[str, str]]] = {}
        odd: dict[str, set[str]] = {}
        for column, spelled in values.items():
            source = f"column {column!r}"
            for value in spelled:
                needle = " ".join(value.lower().split())
                first = _WORD.match(needle)
                if first is None:  # starts with punctuation: left to a regular expression
                    odd.setdefault(source, set()).add(needle)
                    continue
                self.by_first.setdefault(first.group(0), []).append((needle, source))
        for candidates in self.by_first.values():
            candidates.sort(key=lambda c: len(c[0]), reverse=True)  # the longest match wins
        self.regexes = [
            (source, re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, v)) + r")(?!\w)", re.I))
            for source, v in odd.items()
        ]
        self.regexes += [
            (f"privacy pattern {i + 1}", re.compile(p, re.I)) for i, p in enumerate(patterns)
        ]

    def __bool__(self) -> bool:
        return bool(self.by_first or self.regexes)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Return (start, end, source) of every hit in a text."""
        found = []
        lower = text.lower()
        if len(lower) != len(text):  # lower-casing changed the length (rare letters): as typed
            lower = text
        for word in _WORD.finditer(lower):
            for needle, source in self.by_first.get(word.group(0), ()):
                end = word.start() + len(needle)
                if lower.startswith(needle, word.start()) and not (
                    end < len(lower) and _is_word_char(lower[end])
                ):
                    found.append((word.start(), end, source))
                    break
        for source, regex in self.regexes:
            found += [
                (m.start(), m.end(), source) for m in regex.finditer(text) if m.end() > m.start()
            ]
        return found


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def searcher(values: dict[str, set[str]], patterns: Sequence[str] = ()) -> Searcher:
    """Return the search for some identifying values (by column) and params patterns."""
    return Searcher(values, patterns)


def withhold_text(text: str, search: Searcher) -> tuple[str, list[str]]:
    """Return text with every hit replaced by ``[withheld]``, and the sources that hit."""
    spans = sorted(search.spans(text))
    if not spans:
        return text, []
    out, last, sources = [], 0, []
    for start, end, source in spans:
        if source not in sources:
            sources.append(source)
        if start < last:  # overlaps the previous hit: extend it
            if end > last:
                last = end
            continue
        out += [text[last:start], WITHHELD]
        last = end
    out.append(text[last:])
    return "".join(out), sources


def withhold_identifiers(
    sheets: Sequence[RawSheet], config: PrivacyConfig
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
    search = searcher(identifying_values(sheets, config, words), config.patterns)
    if not search:
        return list(sheets), []
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
                    "identifying text withheld from the comment (like a value of "
                    + ", ".join(sources)
                    + ")"
                )
                expected = "no names, dates of birth or case references in comments"
                problem = sheet.problem("warning", row, col, message, expected=expected)
                found.append((row, col, problem))
        warnings += [problem for _, _, problem in sorted(found, key=lambda f: f[:2])]
        out.append(sheet if grid is None else dataclasses.replace(sheet, grid=grid))
    return out, warnings
