"""The structure of an audit framework: its case types, themes, questions and rating bands.

These are the dataclasses a framework file is checked into (by
:mod:`caseaudit_lib.framework.parse`); :mod:`caseaudit_lib.framework.model` re-exports them with
the loading functions, and is where the rest of the package imports them from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

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
    # False for a standard rated on its own, outside the overall points total (HMIP's
    # resettlement): reported beside the others, "not rated" when no case applied.
    in_overall: bool = True


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
    # (another name, standard id): earlier titles, e.g. ("Joint working", "3.4").
    aliases: tuple[tuple[str, str], ...] = ()

    def standard_id(self, name: str) -> str | None:
        """Return the organisational standard an id, label or alias names (None: none).

        Matching ignores case and surplus spaces, as for case types.
        """
        wanted = fold_text(str(name))
        names = [(sid, sid) for sid, _ in self.organisational_standards]
        names += [(label, sid) for sid, label in self.organisational_standards]
        names += list(self.aliases)
        return next((sid for text, sid in names if fold_text(text) == wanted), None)


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
        # Imported here: reading params and frameworks (a batch's check that nothing changed)
        # would otherwise import pandas, a quarter of a second, for this one table.
        import pandas as pd

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
        return self.case_type_aliases.get(fold_text(raw))


def fold_text(text: str) -> str:
    """Return text lower-cased with runs of spaces collapsed, for forgiving matching.

    Shared: case type spellings are matched by it here, and the leak check folds the text it
    searches for identifiers the same way, so that one spelling rule serves both.
    """
    return " ".join(text.split()).casefold()
