"""Which sheet of a workbook holds the answers, chosen on purpose and said when there was a choice.

A workbook may hold an old draft on a hidden first sheet, a guidance sheet, a copy of the
answers: reading "the first sheet with a ``case_id`` header" would score the draft without a
word. The rule, in order:

1. the visible sheet named as the blank form names it (:data:`TEMPLATE_ANSWERS_SHEET`), when it
   holds a ``case_id`` header;
2. else the first visible sheet holding a ``case_id`` header;
3. else the first hidden (or very hidden) sheet holding one, with a warning that it is hidden.

Whenever another sheet could have been read, a warning names the sheet used and the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from caseaudit_lib.errors import Problem

# The answers sheet of the blank scoring workbook that caseaudit_lib.forms.template writes (a
# test keeps the two equal: this stage sits below forms and cannot import it).
TEMPLATE_ANSWERS_SHEET = "Answers"
VISIBLE = "visible"


@dataclass(frozen=True)
class SheetInfo:
    """What is known of one sheet before it is read in full."""

    name: str
    visibility: str  # "visible", "hidden" or "very hidden"
    has_header: bool  # a case_id header cell in its top rows


@dataclass(frozen=True)
class SheetChoice:
    """The sheet to read, and the one-line warnings that say why (empty when no choice)."""

    name: str | None
    notes: tuple[Problem, ...] = ()


def visibility_name(raw: object) -> str:
    """Return a sheet visibility as "visible", "hidden" or "very hidden" (calamine or openpyxl)."""
    text = str(raw).rsplit(".", 1)[-1].replace("_", "").replace(" ", "").lower()
    if text in ("hidden",):
        return "hidden"
    if text in ("veryhidden",):
        return "very hidden"
    return VISIBLE


def choose_sheet(file: str, sheets: Sequence[SheetInfo]) -> SheetChoice:
    """Return the answers sheet among a workbook's sheets (name None when none has a header)."""
    candidates = [s for s in sheets if s.has_header]
    if not candidates:
        return SheetChoice(None)
    visible = [s for s in candidates if s.visibility == VISIBLE]
    named = [s for s in visible if s.name.strip().casefold() == TEMPLATE_ANSWERS_SHEET.casefold()]
    chosen = (named or visible or candidates)[0]
    others = [s for s in candidates if s is not chosen]
    notes: list[Problem] = []
    if chosen.visibility != VISIBLE:
        notes.append(
            Problem(
                "warning",
                file,
                f"read the {chosen.visibility} sheet {chosen.name!r}: no visible sheet has a "
                "'case_id' header; unhide it in Excel if it is the audit's answers",
                sheet=chosen.name,
            )
        )
    elif others:
        why = (
            f"it is named {TEMPLATE_ANSWERS_SHEET!r} as in the blank form"
            if named
            else "it is the first visible sheet with a 'case_id' header"
        )
        skipped = ", ".join(
            repr(s.name) + ("" if s.visibility == VISIBLE else f" ({s.visibility})") for s in others
        )
        notes.append(
            Problem(
                "warning",
                file,
                f"answers read from sheet {chosen.name!r} ({why}); not read: {skipped}",
                sheet=chosen.name,
            )
        )
    return SheetChoice(chosen.name, tuple(notes))
