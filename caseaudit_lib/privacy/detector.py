"""One detector of personal details in free text: what the loader withholds, the leak check finds.

Everything typed (auditors' evidence comments at load, the analyst's findings, the findings
draft) passes :class:`Detector`, and the values it finds in the input's comments are what the
leak check then looks for in every board file (:func:`caseaudit_lib.privacy.pseudonymise.
collect_identifiers`), so the two can never disagree. It finds:

* the input's own identifying values (names and their parts, dates of birth however written,
  case references; :class:`Searcher`) and the params file's ``privacy: {patterns: [...]}``;
* people's names, whether or not the input has a column for them (:mod:`.names`);
* dates, UK postcodes, street addresses, phone numbers (UK and international), e-mail
  addresses, NHS numbers, National Insurance numbers and case references of common shapes
  (:mod:`.patterns`).

A hit is named by its kind ("a name", "a postcode", "like a value of column 'dob'"), never by
its value, so a warning about it is safe to print.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from caseaudit_lib.privacy.names import NameFinder
from caseaudit_lib.privacy.patterns import date_spans_allowed, patterned_spans
from caseaudit_lib.privacy.pseudonymise import CASE_PREFIX, OTHER_PREFIX, PSEUDONYM_LENGTH

WITHHELD = "[withheld]"
_WORD = re.compile(r"\w+")
_POSSESSIVE = re.compile(r"['’]s?$")
# The salted pseudonyms ("C-AB23CD") are ours, and random: one may look like a postcode.
_PSEUDONYM = re.compile(
    rf"(?<![\w-])(?:{re.escape(CASE_PREFIX)}|{re.escape(OTHER_PREFIX)})"
    rf"[A-Z2-7]{{{PSEUDONYM_LENGTH}}}(?![\w-])"
)
_ARTICLE = {
    "name": "a name",
    "date": "a date",
    "postcode": "a postcode",
    "address": "an address",
    "phone number": "a phone number",
    "e-mail address": "an e-mail address",
    "NHS number": "an NHS number",
    "National Insurance number": "a National Insurance number",
    "case reference": "a case reference",
}
KINDS: tuple[str, ...] = tuple(_ARTICLE)


def describe(kind: str) -> str:
    """Return the words naming a kind of hit in a warning, e.g. "a postcode"."""
    return _ARTICLE.get(kind, kind)


class Searcher:
    """Finds the input's identifying values (whole tokens, any case) and the params patterns.

    The values are indexed by their first word, so a comment is searched in one pass over its
    words whatever the number of values: a regular expression alternating 3,000 names costs
    seconds per column. Each hit is named by where its value came from, never by the value.
    """

    def __init__(self, values: Mapping[str, set[str]], patterns: Sequence[str] = ()) -> None:
        self.by_first: dict[str, list[tuple[str, str]]] = {}
        odd: dict[str, set[str]] = {}
        for column, spelled in values.items():
            source = f"like a value of column {column!r}"
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
                    end < len(lower) and (lower[end].isalnum() or lower[end] == "_")
                ):
                    found.append((word.start(), end, source))
                    break
        for source, regex in self.regexes:
            found += [
                (m.start(), m.end(), source) for m in regex.finditer(text) if m.end() > m.start()
            ]
        return found


class Detector:
    """Finds every personal detail in a text: the input's values, patterns, names and numbers.

    Args:
        values: The input's identifying values to withhold, by column (spellings included).
        patterns: The params file's regular expressions (``privacy: {patterns: [...]}``).
        allowed: Text that is the framework's or the params' own wording (audit dates, theme
            and question words, the service's name): never a personal detail.

    """

    def __init__(
        self,
        values: Mapping[str, set[str]] | None = None,
        patterns: Sequence[str] = (),
        allowed: Iterable[str] = (),
    ) -> None:
        allowed = list(allowed)
        self.searcher = Searcher(values or {}, patterns)
        self.names = NameFinder(w for text in allowed for w in _WORD.findall(text))
        self.allowed_dates = allowed

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Return (start, end, kind) of every personal detail in a text, unsorted."""
        if not text or not text.strip():
            return []
        found = self.searcher.spans(text) if self.searcher else []
        found += patterned_spans(text)
        found += self.names.spans(text)
        if self.allowed_dates and any(k == "date" for _, _, k in found):
            keep = date_spans_allowed(text, self.allowed_dates)
            found = [s for s in found if not (s[2] == "date" and s[:2] in keep)]
        return without_pseudonyms(text, found)

    def withhold(self, text: str) -> tuple[str, list[str]]:
        """Return text with every detail replaced by ``[withheld]``, and the kinds found."""
        return withhold_spans(text, self.spans(text))

    def kinds(self, text: str) -> list[str]:
        """Return the kinds of detail in a text, in order of first appearance, without values."""
        return withhold_spans(text, self.spans(text))[1]


def without_pseudonyms(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Return the spans that do not fall within one of the case pseudonyms of a text."""
    if "-" not in text:
        return spans
    ours = [(m.start(), m.end()) for m in _PSEUDONYM.finditer(text)]
    if not ours:
        return spans
    return [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in ours)]


def withhold_spans(text: str, spans: Iterable[tuple[int, int, str]]) -> tuple[str, list[str]]:
    """Return text with the spans replaced by ``[withheld]`` (overlaps merged), and their kinds."""
    ordered = sorted(spans)
    if not ordered:
        return text, []
    out, last, kinds = [], 0, []
    for start, end, kind in ordered:
        if kind not in kinds:
            kinds.append(kind)
        if start < last:  # overlaps the previous hit: extend it
            last = max(last, end)
            continue
        out += [text[last:start], WITHHELD]
        last = end
    out.append(text[last:])
    return "".join(out), kinds


def found_values(text: str, detector: Detector) -> set[str]:
    """Return the texts of the details found in a text, for the leak check (never print them).

    A name that is also an ordinary word ("Grace", "Will") is left out unless written with
    another name: searched for alone in a board file it would match every "will" of the report.
    """
    out = set()
    for start, end, kind in sorted(detector.spans(text)):
        value = text[start:end].strip()
        if kind == "name":
            value = _POSSESSIVE.sub("", value)  # "Kieran's" is searched as "Kieran"
            if " " not in value and detector.names.is_ordinary(value):
                continue
        out.add(value)
    # Names written together ("Grace Brown") are searched together too.
    names = [(s, e) for s, e, k in sorted(detector.spans(text)) if k == "name"]
    for (s1, e1), (s2, e2) in zip(names, names[1:], strict=False):
        if text[e1:s2].strip(" .,") == "":
            out.add(_POSSESSIVE.sub("", text[s1:e2]))
    return out


def framework_wording(framework: object | None) -> list[str]:
    """Return the framework's own wording (title, themes, questions): never a personal detail."""
    if framework is None:
        return []
    texts = [str(getattr(framework, "title", "")), str(getattr(framework, "source", ""))]
    for theme in getattr(framework, "themes", ()):
        texts.append(str(getattr(theme, "name", "")))
        texts += [str(getattr(q, "text", "")) for q in getattr(theme, "questions", ())]
    return [t for t in texts if t]
