"""The report's wording toolkit: number and date formats, and the jinja2 environment.

The narrative templates (``templates/``) print numbers and dates through these filters, and every
value through the Markdown sanitiser; :mod:`caseaudit_lib.present.narrative` gathers the numbers,
the at-a-glance box, the headline and the overview page use the same date wording.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from caseaudit_lib.findings.findings import NOT_REVIEWED
from caseaudit_lib.findings.sanitise import safe_markdown
from caseaudit_lib.score.ratings import pct_text

TEMPLATES_DIR = Path(__file__).parent / "templates"
_KEEP_LINES = re.compile(r"^\s*(?:[-*+] |\||#|\d+\. )")


# --- formatting filters -------------------------------------------------------------------


def missing(x: Any) -> bool:
    """Return whether a table value is absent: None, NaN or pandas' NA."""
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def _pct(x: Any) -> str:
    return "no data" if missing(x) else pct_text(x)


def _signed(x: Any) -> str:
    return "" if missing(x) else f"{float(x):+.0f}"


def _points(x: Any) -> str:
    value = round(abs(float(x)))
    return f"{value} point" if value == 1 else f"{value} points"


def _count(n: Any, word: str) -> str:
    n = int(n)
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _count_of(n: int, total: int, word: str) -> str:
    if total == 1:
        return f"the one {word}" if n else f"not the one {word}"
    return f"{n if n else 'none'} of the {total} {word}s"


def _none_or(n: int) -> str:
    return str(n) if n else "none"


def _date(value: Any) -> dt.date | None:
    if missing(value) or value in ("", None):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def long_date(value: Any) -> str:
    """Return an ISO date as "30 June 2016" ("" when missing)."""
    day = _date(value)
    return "" if day is None else f"{day.day} {day:%B %Y}"


def month_year(value: Any) -> str:
    """Return an ISO date as "March 2016"."""
    day = _date(value)
    return "" if day is None else f"{day:%B %Y}"


def date_span(start: Any, end: Any = None) -> str:
    """Return when an audit took place: "on 21 March 2016", "on 21–22 March 2016"."""
    first, last = _date(start), _date(end)
    if first is None:
        return ""
    if last is None or last == first:
        return f"on {long_date(first)}"
    if (first.year, first.month) == (last.year, last.month):
        return f"on {first.day}–{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"from {first.day} {first:%B} to {long_date(last)}"
    return f"from {long_date(first)} to {long_date(last)}"


def _joiner_and(loop: Any, sep: str = ",") -> str:
    """Return what goes after a list item: "", " and ", or the separator."""
    if loop.last:
        return ""
    if loop.revindex == 2:
        return "; and " if sep == ";" else " and "
    return f"{sep} "


def join_and(items: Iterable[Any]) -> str:
    """Return "a, b and c"."""
    items = [str(i) for i in items]
    return (
        items[0]
        if len(items) == 1
        else ", ".join(items[:-1]) + " and " + items[-1]
        if items
        else ""
    )


def _cell(value: Any) -> str:
    """Return text safe inside a Markdown table cell."""
    if missing(value):
        return ""
    return " ".join(str(value).split()).replace("|", "\\|")


def _indent_item(text: str) -> str:
    """Return a Markdown list item's text with its continuation lines indented."""
    return "\n  ".join(str(text).strip().splitlines())


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


@functools.cache
def environment() -> jinja2.Environment:
    """Return the jinja2 environment of the narrative templates (built once)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=False,  # Markdown, not HTML: nbconvert escapes what it renders
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        # Every value a template prints may hold text a person typed (findings, titles, names,
        # baseline labels): it goes through the Markdown sanitiser, whatever the template.
        finalize=safe_markdown,
    )
    env.filters.update(
        pct=_pct, signed=_signed, points=_points, count=_count, count_of=_count_of,
        none_or=_none_or, long_date=long_date, month_year=month_year, joiner_and=_joiner_and,
        join_and=join_and, cell=_cell, indent_item=_indent_item, upper_first=_upper_first,
    )  # fmt: skip
    env.globals.update(date_span=date_span, not_reviewed=NOT_REVIEWED)
    return env


def tidy(text: str) -> str:
    """Return rendered Markdown with each paragraph on one line and single spaces.

    List items, table rows and headings keep their own lines; a line that continues a list item
    is joined to it.
    """
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines: list[str] = []
        for line in block.splitlines():
            if not line.strip():
                continue
            if lines and not _KEEP_LINES.match(line):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line.strip() if not line.startswith("  ") else line.rstrip())
        cleaned = [re.sub(r"(?<=\S) {2,}", " ", ln) for ln in lines]
        cleaned = [re.sub(r" +([.,;:)])", r"\1", ln) for ln in cleaned]
        blocks.append("\n".join(cleaned))
    return "\n\n".join(b for b in blocks if b) + "\n"


def render(template: str, **values: Any) -> str:
    """Return a narrative template rendered and tidied."""
    return tidy(environment().get_template(template).render(**values))
