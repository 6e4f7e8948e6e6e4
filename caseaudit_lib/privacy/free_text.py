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

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from caseaudit_lib.errors import Problem
from caseaudit_lib.load.reading import RawSheet
from caseaudit_lib.privacy.leakcheck import MIN_LENGTH, date_variants, is_checkable
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig, is_comment_column, privacy_key

WITHHELD = "[withheld]"
_LETTERS = re.compile(r"[^\W\d_]+")


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


@dataclass(frozen=True)
class Needle:
    """One compiled search: what it came from (for the warning, never the value) and its regex."""

    source: str
    pattern: re.Pattern[str]


def identifying_values(sheets: Iterable[RawSheet], config: PrivacyConfig) -> dict[str, set[str]]:
    """Return the spellings to withhold, by identifying column, from every sheet's own columns."""
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
                found.setdefault(header, set()).update(spellings(value, kind))
    return found


def needles(values: dict[str, set[str]], patterns: Sequence[str] = ()) -> list[Needle]:
    """Return one case-insensitive whole-token search per identifying column, then per pattern."""
    out = []
    for column, spelled in values.items():
        if spelled:
            body = "|".join(re.escape(s) for s in sorted(spelled, key=len, reverse=True))
            out.append(Needle(f"column {column!r}", re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.I)))
    for i, pattern in enumerate(patterns):
        out.append(Needle(f"privacy pattern {i + 1}", re.compile(pattern, re.I)))
    return out


def withhold_text(text: str, searches: Sequence[Needle]) -> tuple[str, list[str]]:
    """Return text with every hit replaced by ``[withheld]``, and the sources that hit."""
    hits = []
    for needle in searches:
        text, n = needle.pattern.subn(WITHHELD, text)
        if n:
            hits.append(needle.source)
    return text, hits


def withhold_identifiers(
    sheets: Sequence[RawSheet], config: PrivacyConfig
) -> tuple[list[RawSheet], list[Problem]]:
    """Return the sheets with identifiers withheld from their comment cells, and one warning each.

    The identifying values of every sheet are withheld from the comments of every sheet: with
    one workbook per auditor, a sibling's name may be in another auditor's file.
    """
    searches = needles(identifying_values(sheets, config), config.patterns)
    if not searches:
        return list(sheets), []
    out: list[RawSheet] = []
    warnings: list[Problem] = []
    for sheet in sheets:
        if sheet.header_row is None:
            out.append(sheet)
            continue
        grid = None
        found: list[tuple[int, int, Problem]] = []
        for col, header in enumerate(sheet.header_names):
            if not header or not is_comment_column(header):
                continue
            cells = sheet.grid[col].iloc[sheet.header_row + 1 :].astype(str)
            hit = pd.Series(False, index=cells.index)
            for needle in searches:
                hit |= cells.str.contains(needle.pattern, regex=True)
            for row in cells.index[hit.to_numpy()]:
                text, sources = withhold_text(cells[row], searches)
                if grid is None:
                    grid = sheet.grid.copy()
                grid.at[row, col] = text
                found.append(
                    (
                        int(row),
                        col,
                        sheet.problem(
                            "warning",
                            row,
                            col,
                            "identifying text withheld from the comment (like a value of "
                            + ", ".join(sources)
                            + ")",
                            expected="no names, dates of birth or case references in comments",
                        ),
                    )
                )
        warnings += [problem for _, _, problem in sorted(found, key=lambda f: f[:2])]
        out.append(
            sheet if grid is None else RawSheet(sheet.file, sheet.name, grid, sheet.header_row)
        )
    return out, warnings
