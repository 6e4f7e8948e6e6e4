"""The findings file written in Markdown, for analysts who live in Word rather than in YAML.

Headings name the parts (the format in full, with an example, is in docs/report.md)::

    # Findings: any title
    audit_id: bromley-2016

    ## Background            paragraphs or bullets, one paragraph each
    ## Conclusion            paragraphs, one text
    ## Good practice         bullets
    ## Assessments           a theme, by its name or id ("Theme: Assessments" also works)
    ### Findings             bullets or paragraphs
    ### Further improvements bullets or paragraphs
    ## Recommendations       a table: id | recommendation | theme | owner | due | status

HTML comments (``<!-- ... -->``) are notes for the analyst and are ignored: the drafts that
``caseaudit findings draft`` writes keep the scores and the auditors' evidence in them. This
module turns the text into the same mapping a YAML findings file holds, with the line of each
part, so that :mod:`caseaudit_lib.findings.findings` checks both formats alike and every fault
names its line. A heading that names no part and no theme is a located error.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseaudit_lib.errors import ParamsError, Problem

if TYPE_CHECKING:
    from caseaudit_lib.framework.model import Framework

MARKDOWN_SUFFIXES = (".md", ".markdown")
SECTIONS = {
    "background": "background",
    "conclusion": "conclusion",
    "good practice": "good_practice",
    "recommendations": "recommendations",
}
SKIPPED = "(skipped)"
THEME_PARTS = {"findings": "findings", "further improvements": "further_improvements"}
TABLE_COLUMNS = {
    "id": "id",
    "recommendation": "text",
    "text": "text",
    "theme": "theme",
    "owner": "owner",
    "due": "due",
    "status": "status",
}

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])(?:\s+(.*))?$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_AUDIT_ID = re.compile(r"^audit[ _]id\s*:\s*(\S+)\s*$", re.IGNORECASE)
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_RULE = re.compile(r"^:?-{3,}:?$")


def is_markdown(path: str | Path) -> bool:
    """Return whether a findings file is Markdown (by its extension, .md or .markdown)."""
    return Path(path).suffix.lower() in MARKDOWN_SUFFIXES


def fold(text: str) -> str:
    """Return a heading folded for matching: lower case, single spaces, "_" and "-" as spaces."""
    return " ".join(re.sub(r"[_\-]+", " ", text).casefold().split())


@dataclass
class _Block:
    """The paragraphs of one part of the file, as they are read."""

    key: str
    line: int
    paragraphs: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # the line each paragraph starts on
    open_item: bool = False  # the last line had text: a next line of text continues it


@dataclass
class MarkdownFindings:
    """A Markdown findings file read into the YAML file's shape, with the line of each part.

    Attributes:
        values: Keys as in a YAML findings file (``background``, ``themes``...).
        lines: Line numbers by YAML-style place (``themes.planning``, ``recommendations[2]``).

    """

    values: dict[str, Any]
    lines: dict[str, int]

    def locate(self, problem: Problem) -> Problem:
        """Return a problem with its YAML-style place replaced by the line in the file."""
        place = problem.cell or ""
        best = max(
            (key for key in self.lines if place == key or place.startswith((key + ".", key + "["))),
            key=len,
            default=None,
        )
        if best is None:
            return problem
        rest = place[len(best) :].lstrip(".")
        cell = f"line {self.lines[best]}" + (f" ({rest})" if rest else "")
        return Problem(
            problem.severity,
            problem.file,
            problem.message,
            cell=cell,
            value=problem.value,
            expected=problem.expected,
        )


def _without_comments(text: str) -> str:
    """Return text with HTML comments blanked, keeping every line where it was."""
    return _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _theme_index(framework: Framework | None) -> dict[str, str]:
    if framework is None:
        return {}
    index = {}
    for theme in framework.themes:
        index[fold(theme.id)] = theme.id
        index[fold(theme.name)] = theme.id
    return index


def _table_cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(inner)]


def parse_markdown_findings(
    text: str, source: str, framework: Framework | None = None
) -> MarkdownFindings:
    """Read the text of a Markdown findings file into the YAML shape.

    Args:
        text: The file's text.
        source: The file as named in problems.
        framework: The audit's framework: theme headings must name one of its themes (by name
            or id). Without it a theme heading's text is taken as the theme id.

    Raises:
        ParamsError: Headings that name no part or theme, text outside any part, a malformed
            recommendations table; one problem per fault, each naming its line.

    """
    themes = _theme_index(framework)
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    blocks: list[_Block] = []
    block: _Block | None = None
    section: str | None = None
    theme_id: str | None = None
    table_header: list[str] | None = None
    rows: list[dict[str, str]] = []

    def fault(n: int, message: str, value: str | None = None, expected: str | None = None):
        problems.append(
            Problem("error", source, message, cell=f"line {n}", value=value, expected=expected)
        )

    def start(key: str, n: int) -> _Block:
        new = _Block(key, n)
        blocks.append(new)
        lines.setdefault(key, n)
        return new

    for n, raw in enumerate(_without_comments(text).splitlines(), start=1):
        line = raw.rstrip()
        heading = _HEADING.match(line)
        if heading:
            level, title = len(heading.group(1)), heading.group(2)
            key = fold(title)
            if level == 1:
                continue
            if level == 2:
                theme_id, table_header = None, None
                if key in SECTIONS:
                    section = SECTIONS[key]
                    block = start(section, n) if section != "recommendations" else None
                    lines.setdefault(section, n)
                    continue
                name = re.sub(r"^theme\s*:\s*", "", key)
                found = themes.get(name) if framework is not None else title.strip()
                if found is None:
                    choices = [
                        *(t.name for t in framework.themes),
                        "Background",
                        "Conclusion",
                        "Good practice",
                        "Recommendations",
                    ]
                    close = difflib.get_close_matches(title, choices, n=1, cutoff=0.6)
                    fault(
                        n,
                        "heading names no section and no theme of the framework",
                        title,
                        f"did you mean {close[0]!r}?" if close else "one of " + ", ".join(choices),
                    )
                    section, block = SKIPPED, None
                    continue
                if f"themes.{found}" in lines:
                    fault(
                        n,
                        "a second heading for the same theme",
                        title,
                        f"one section per theme (the first is line {lines[f'themes.{found}']})",
                    )
                section, theme_id, block = "themes", found, None
                lines.setdefault(f"themes.{found}", n)
                values.setdefault("themes", {}).setdefault(found, {})
                continue
            if level == 3 and section == "themes" and key in THEME_PARTS:
                block = start(f"themes.{theme_id}.{THEME_PARTS[key]}", n)
                continue
            where = "a theme" if section == "themes" else "this section"
            fault(
                n,
                f"heading not expected in {where}",
                title,
                "### Findings or ### Further improvements under a theme's ## heading",
            )
            section, block = SKIPPED, None
            continue
        if not line.strip():
            if block is not None:
                block.open_item = False
            continue
        if section == SKIPPED:
            continue  # under a faulty heading: that heading's problem is enough
        if section is None:
            match = _AUDIT_ID.match(line.strip())
            if match and "audit_id" not in values:
                values["audit_id"] = match.group(1)
                lines["audit_id"] = n
            elif not problems or problems[-1].cell != f"line {n - 1}":
                fault(
                    n,
                    "text outside any section",
                    None,
                    "text under a ## heading (Background, a theme, ...)",
                )
            continue
        if section == "recommendations":
            if not line.lstrip().startswith("|"):
                fault(
                    n,
                    "text in the recommendations section outside its table",
                    None,
                    "rows | id | recommendation | theme | owner | due | status |",
                )
                continue
            cells = _table_cells(line)
            if table_header is None:
                table_header = [fold(c) for c in cells]
                unknown = [c for c in table_header if c not in TABLE_COLUMNS]
                for name in unknown:
                    fault(
                        n,
                        "unknown column of the recommendations table",
                        name,
                        "id, recommendation, theme, owner, due, status",
                    )
                continue
            if all(_RULE.match(c.replace(" ", "")) for c in cells if c):
                continue
            entry = {
                TABLE_COLUMNS[name]: cell
                for name, cell in zip(table_header, cells, strict=False)
                if name in TABLE_COLUMNS and cell
            }
            if "theme" in entry and framework is not None:
                entry["theme"] = themes.get(fold(entry["theme"]), entry["theme"])
            lines[f"recommendations[{len(rows)}]"] = n
            rows.append(entry)
            continue
        if block is None:
            # Text under a theme's heading before ### Findings: taken as findings.
            block = start(f"themes.{theme_id}.findings", n)
        item = _ITEM.match(line)
        if item:  # a bullet starts a paragraph
            block.paragraphs.append((item.group(1) or "").strip())
            block.starts.append(n)
        elif block.open_item and block.paragraphs:  # the paragraph or bullet goes on
            block.paragraphs[-1] = (block.paragraphs[-1] + " " + line.strip()).strip()
        else:
            block.paragraphs.append(line.strip())
            block.starts.append(n)
        block.open_item = True

    if problems:
        raise ParamsError(problems)
    for b in blocks:
        kept = [(p, n) for p, n in zip(b.paragraphs, b.starts, strict=True) if p]
        paragraphs = [p for p, _ in kept]
        if b.key == "conclusion":
            values["conclusion"] = "\n\n".join(paragraphs) or None
            continue
        if b.key.startswith("themes."):
            _, tid, part = b.key.split(".", 2)
            target = values["themes"][tid].setdefault(part, [])
        else:
            target = values.setdefault(b.key, [])
        # Each paragraph's own line, so that a warning about it names where it is.
        for p, n in kept:
            lines[f"{b.key}[{len(target)}]"] = n
            target.append(p)
    if rows:
        values["recommendations"] = rows
    return MarkdownFindings(values, lines)


def read_markdown_findings(path: Path, source: str, framework: Framework | None = None):
    """Read a Markdown findings file (see :func:`parse_markdown_findings`).

    Raises:
        ParamsError: The file is missing or unreadable, or its headings are faulty.

    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ParamsError([Problem("error", source, "findings file not found")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ParamsError(
            [Problem("error", source, f"findings file unreadable: {error}")]
        ) from None
    return parse_markdown_findings(text, source, framework)
