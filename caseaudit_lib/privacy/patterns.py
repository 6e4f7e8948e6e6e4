"""The patterned kinds of personal detail: dates, postcodes, addresses, phones, e-mails, numbers.

Each finder returns ``(start, end, kind)`` spans of one text. Phone numbers are Google's
libphonenumber (``phonenumbers``) at its "valid" leniency, plus any number of its "possible"
ones that is dialled like a phone (10 digits or more, starting 0 or +): Ofcom's drama numbers
(07700 900xxx) are not allocated, so not "valid", yet are what a test or a careless auditor
writes. NHS numbers need their modulus-11 check digit unless "NHS" stands before them. Dates are
any day of a month however a person in the UK writes it; a month and year alone ("March 2016")
is not a personal date and stays.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

import phonenumbers

Span = tuple[int, int, str]

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:'?\d{2}|\d{4})"
_NUMERIC_DATE = re.compile(
    r"(?<![\w/.\-])(\d{1,2})\s?([/.\-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\w/\-]|\.\d)"
)
_ISO_DATE = re.compile(r"(?<![\w/.\-])(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})(?![\w/\-]|\.\d)")
_DAY_MONTH = re.compile(
    rf"(?<![\w/])(\d{{1,2}}){_ORD}(?:\s+of)?[\s\-/.]*({_MONTHS})\b\.?(?:,?[\s\-/]*{_YEAR}\b)?",
    re.I,
)
_MONTH_DAY = re.compile(
    rf"\b({_MONTHS})\.?\s+(?:the\s+)?(\d{{1,2}}){_ORD}\b(?!\s*(?:%|days?|weeks?|months?|years?|"
    rf"hours?|sessions?|cases?|times?|pages?))(?:,?\s*{_YEAR}\b)?",
    re.I,
)
# The ambiguous month words count only capitalised, or with a year after them: "3 may have".
_LOWER_AMBIGUOUS = ("may", "mar", "march")

_POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}|GIR\s?0AA)\b", re.I
)
_STREET = (
    r"road|rd|street|st|avenue|ave|close|lane|ln|drive|dr|way|gardens|gdns|crescent|cres|place"
    r"|pl|grove|terrace|rise|walk|square|sq|mews|court|ct|park|hill|row|vale|view|parade|green"
    r"|estate|house|towers?|heights|gate|end|wharf|yard"
)
# The street's name is capitalised ("14 Elm Road"), or "2 cases went to court" would be one.
_ADDRESS = re.compile(
    rf"\b(?:(?i:flat|apartment|apt|unit)\s+\d+[a-zA-Z]?,?\s+)?\d{{1,4}}[a-zA-Z]?,?\s+"
    rf"(?:[A-Z][\w'’\-]*\s+){{1,3}}(?i:{_STREET})\b\.?"
)
_EMAIL = re.compile(r"[\w.+\-']+@[\w\-]+(?:\.[\w\-]+)+", re.I)
_TEN_DIGITS = re.compile(r"(?<![\w/.\-])(\d{3})[\s\-]?(\d{3})[\s\-]?(\d{4})(?![\w/\-]|\.\d)")
_NHS_CONTEXT = re.compile(r"\bnhs\b[\s\w.:#]{0,12}$", re.I)
_NI = re.compile(
    r"\b(?:QQ|(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"
    r"\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b",
    re.I,
)
_REF_CONTEXT = re.compile(
    r"\b(?:ref(?:erence)?|case\s+(?:no|number|id|ref)|crn|pnc|upn|urn|cms|childview|careworks"
    r"|yois|mosaic|liquidlogic|lcs|eclipse)\b\.?\s*(?:id\b|ref\b|no\.?|number|#)?\s*[:#]?\s*"
    r"((?=[\w/\-]*\d)[A-Z]{0,4}[\-/]?\d[\w/\-]*\d[A-Z]?|(?=[\w/\-]*\d)[A-Z]{1,4}[\-/]?\d{3,}[A-Z]?)",
    re.I,
)
_REF_SHAPES = re.compile(
    r"(?<![\w/\-])(?:[A-Z]{1,5}[/\-]\d{2,4}[/\-]\d{2,7}[A-Z]?"  # YOS/2016/0123, CR-16-00042
    r"|\d{2}/\d{5,7}[A-Z]"  # a PNC number, 16/123456A
    r"|[A-Z]{2,4}[\-]?\d{5,9}"  # BR1234567, YJ-123456
    r"|[A-Z]\d{12}"  # a UPN
    r")(?![\w/\-])"
)


# The decimals of a number ("35.00967117988395", a duration 0.0910377069) are no phone number.
_DECIMAL_BEFORE = re.compile(r"\d[.,]$")
_DECIMAL = re.compile(r"[+\-]?\d*[.,]\d+")
# A phone number stands apart: digits inside a word (a hex id "a07953461278f") are none.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_DIGIT_RUN = re.compile(r"(?<!\w)[+(]?\d[\d \t()\-.]{5,24}\d(?!\w)")


def _valid_date(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _dates(text: str) -> Iterable[Span]:
    for m in _NUMERIC_DATE.finditer(text):
        a, b = int(m.group(1)), int(m.group(3))
        if _valid_date(a, b) or _valid_date(b, a):
            yield m.start(), m.end(), "date"
    for m in _ISO_DATE.finditer(text):
        if _valid_date(int(m.group(4)), int(m.group(3))):
            yield m.start(), m.end(), "date"
    for regex, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        for m in regex.finditer(text):
            month = m.group(month_group)
            has_year = m.group(0).rstrip(".").strip()[-2:].isdigit() and regex is _DAY_MONTH
            if month.lower() in _LOWER_AMBIGUOUS and month[0].islower() and not has_year:
                continue
            if 1 <= int(m.group(day_group)) <= 31:
                yield m.start(), m.end(), "date"


def nhs_check_digit_ok(digits: str) -> bool:
    """Return whether ten digits carry a valid NHS number check digit (modulus 11)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _nhs(text: str) -> Iterable[Span]:
    for m in _TEN_DIGITS.finditer(text):
        digits = "".join(m.groups())
        if nhs_check_digit_ok(digits) or _NHS_CONTEXT.search(text[: m.start()]):
            yield m.start(), m.end(), "NHS number"


def _phones(text: str) -> Iterable[Span]:
    # libphonenumber reads a long text slowly: only the runs of digits long enough to dial.
    uuids = [m.span() for m in _UUID.finditer(text)] if "-" in text else []
    for run in _DIGIT_RUN.finditer(text):
        if sum(c.isdigit() for c in run.group(0)) < 9:
            continue
        if any(a <= run.start() < b for a, b in uuids):  # a notebook's ids, not a number
            continue
        start = max(0, run.start() - 1)
        yield from (
            (start + a, start + b, kind) for a, b, kind in _phones_in(text[start : run.end()])
        )


def _phones_in(text: str) -> Iterable[Span]:
    seen = set()
    for m in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.VALID):
        seen.add(m.start)
        # Dialled as a phone (0, + or a bracket first): a bare 12-digit count is not one.
        if (
            m.raw_string[:1] in "0+("
            and not _DECIMAL_BEFORE.search(text[: m.start])
            and not _DECIMAL.fullmatch(m.raw_string)
        ):
            yield m.start, m.end, "phone number"
    for m in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        digits = sum(c.isdigit() for c in m.raw_string)
        if (
            m.start not in seen
            and digits >= 10
            and m.raw_string.lstrip("(")[:1] in "0+"
            and not _DECIMAL_BEFORE.search(text[: m.start])
            and not _DECIMAL.fullmatch(m.raw_string)
        ):
            yield m.start, m.end, "phone number"


def _references(text: str) -> Iterable[Span]:
    # A reference has three digits or more: "ref R02" is a recommendation, not a child's file.
    for m in _REF_CONTEXT.finditer(text):
        if sum(c.isdigit() for c in m.group(1)) >= 3:
            yield m.start(1), m.end(1), "case reference"


def _regex(regex: re.Pattern[str], kind: str, group: int = 0) -> Callable[[str], Iterable[Span]]:
    def find(text: str) -> Iterable[Span]:
        for m in regex.finditer(text):
            yield m.start(group), m.end(group), kind

    return find


FINDERS: tuple[Callable[[str], Iterable[Span]], ...] = (
    _dates,
    _regex(_POSTCODE, "postcode"),
    _regex(_ADDRESS, "address"),
    _regex(_EMAIL, "e-mail address"),
    _nhs,
    _regex(_NI, "National Insurance number"),
    _phones,
    _references,
    _regex(_REF_SHAPES, "case reference"),
)


def patterned_spans(text: str, *, dates: bool = True) -> list[Span]:
    """Return the spans of every patterned personal detail in a text (dates too, or not)."""
    return [span for finder in (FINDERS if dates else FINDERS[1:]) for span in finder(text)]


def date_spans_allowed(text: str, allowed: Iterable[str]) -> set[tuple[int, int]]:
    """Return the spans of dates in a text that are among some allowed date texts (audit dates)."""
    allowed = list(allowed)
    keys = {_date_key(a) for a in allowed if len(a) <= 30}
    keys |= {_date_key(a[s:e]) for a in allowed for s, e, _ in _dates(a)}
    keys.discard(None)
    return {(start, end) for start, end, _ in _dates(text) if _date_key(text[start:end]) in keys}


def _date_key(text: str) -> dt.date | None:
    """Return the date a text spells, or None: 3 April 2003, 03/04/03 and 2003-04-03 alike."""
    from dateutil import parser

    try:
        return parser.parse(text, dayfirst=True, default=dt.datetime(1900, 1, 1)).date()
    except (ValueError, OverflowError):
        return None
