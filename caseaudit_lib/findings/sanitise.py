"""What a person typed, made safe to show as Markdown in the board report.

Findings, comments, auditor names, titles, baseline labels and framework wording are untrusted
text: the report notebook displays them as Markdown, and nbconvert renders Markdown's raw HTML as
it stands. :func:`clean_markdown` reads the text with a CommonMark parser (markdown-it-py,
:mod:`.markdown_tokens`) and keeps only the Markdown the findings format documents (emphasis,
lists, tables, links to ``http(s)`` and ``mailto`` addresses and to headings of the page); it
drops the rest: raw HTML (a ``<script>`` or ``<style>`` element with its content, any other tag
without it), HTML comments, images (even inside a link), links nested in links, and links to
anything else (``javascript:``, ``data:``, a file, a scheme hidden behind entities), whose text
is kept without the link. A ``<`` that starts no tag is written ``&lt;``, which Markdown shows as
``<``, so nothing left can open a tag.

:func:`clean_yaml_texts` cleans every text of a findings file and returns a warning per drop,
naming the file, the key and the line. The exported page gets a second, allow-list pass
(:mod:`caseaudit_lib.export.html`) whatever this module let through.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from caseaudit_lib.errors import Problem
from caseaudit_lib.findings.markdown_tokens import ALLOWED_SCHEMES as ALLOWED_SCHEMES
from caseaudit_lib.findings.markdown_tokens import Drop, clean
from caseaudit_lib.findings.markdown_tokens import link_allowed as link_allowed
from caseaudit_lib.privacy.detector import Detector, describe, withhold_spans


class SafeMarkdown(str):
    """Markdown text that :func:`clean_markdown` has already cleaned."""

    __slots__ = ()


def clean_markdown(text: str) -> tuple[SafeMarkdown, list[Drop]]:
    """Return Markdown with raw HTML, images and unsafe links left out, and what was left out."""
    if isinstance(text, SafeMarkdown):
        return text, []
    cleaned, drops = clean(str(text))
    return SafeMarkdown(cleaned), drops


def safe_markdown(text: Any) -> Any:
    """Return text cleaned by :func:`clean_markdown` (anything not text as it is)."""
    if isinstance(text, str):
        return clean_markdown(text)[0]
    return text


# Keys whose values are the format's own (ids, dates due, statuses, theme ids), not prose.
STRUCTURAL_KEYS = ("id", "due", "status", "theme", "audit_id")


def clean_yaml_texts(
    values: Any,
    source: str,
    path: str | Path | None = None,
    *,
    detector: Detector | None = None,
) -> tuple[Any, list[Problem]]:
    """Return a YAML file's values with every text cleaned, and a warning per thing dropped.

    Args:
        values: what the file holds (mappings, lists, texts, other scalars).
        source: the file as problems name it.
        path: the file itself, read again to find the line of each drop (None: no lines).
        detector: when given, personal details are withheld from every text but the
            structural ones (``STRUCTURAL_KEYS``), with a warning naming the line and the
            kind of detail, never the detail.

    """
    lines = _scalar_lines(path)
    warnings: list[Problem] = []

    def walk(value: Any, key: str) -> Any:
        if isinstance(value, str):
            cleaned, drops = clean_markdown(value)
            for drop in drops:
                line = _line_of(drop.fragment, lines.get(key), path)
                where = f"{key}, line {line}" if line else key
                warnings.append(
                    Problem(
                        "warning",
                        source,
                        f"{drop.what} left out of the report",
                        cell=where or None,
                        value=_short(drop.fragment),
                        expected="Markdown text: emphasis, lists, links to http(s) or mailto",
                    )
                )
            if detector is not None and key.rsplit(".", 1)[-1] not in STRUCTURAL_KEYS:
                spans = detector.spans(cleaned)
                if spans:
                    # The line of the first detail, found without ever printing it.
                    first = min(spans)
                    line = _line_of(cleaned[first[0] : first[1]], lines.get(key), path)
                    withheld, kinds = withhold_spans(cleaned, spans)
                    cleaned = SafeMarkdown(withheld)
                    warnings.append(
                        Problem(
                            "warning",
                            source,
                            "identifying text withheld from the findings ("
                            + ", ".join(describe(k) for k in kinds)
                            + ")",
                            cell=f"{key}, line {line}" if line else key or None,
                            expected="no names, dates, addresses, contact details or references",
                        )
                    )
            return cleaned
        if isinstance(value, Mapping):
            return {k: walk(v, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            cleaned = [walk(v, f"{key}[{i}]") for i, v in enumerate(value)]
            # A paragraph that was nothing but markup is left out, not kept as an empty text.
            return [c for c, v in zip(cleaned, value, strict=True) if not _emptied(v, c)]
        return value

    return walk(values, ""), warnings


def _emptied(before: Any, after: Any) -> bool:
    """Return whether cleaning left nothing of a text that held something."""
    return isinstance(before, str) and bool(before.strip()) and not str(after).strip()


def _short(fragment: str, limit: int = 60) -> str:
    text = " ".join(fragment.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scalar_lines(path: str | Path | None) -> dict[str, tuple[int, int]]:
    """Return each text's key (``themes.x.findings[0]``) and its first and last line (1-based)."""
    if path is None:
        return {}
    try:
        root = yaml.compose(Path(path).read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    out: dict[str, tuple[int, int]] = {}

    def walk(node: yaml.Node | None, key: str) -> None:
        if isinstance(node, yaml.ScalarNode):
            out[key] = (node.start_mark.line + 1, node.end_mark.line + 1)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                name = str(k.value)
                walk(v, f"{key}.{name}" if key else name)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, f"{key}[{i}]")

    walk(root, "")
    return out


def _line_of(fragment: str, span: tuple[int, int] | None, path: str | Path | None) -> int | None:
    """Return the line of the file where a dropped fragment starts (the text's line if unsure)."""
    if span is None:
        return None
    first, last = span
    try:
        file_lines = Path(path).read_text(encoding="utf-8-sig").splitlines() if path else []
    except (OSError, UnicodeDecodeError):
        return first
    probe = fragment.strip().splitlines()[0][:20] if fragment.strip() else ""
    for number in range(first, min(last, len(file_lines)) + 1):
        if probe and probe in file_lines[number - 1]:
            return number
    return first


def plain_text(text: str) -> str:
    """Return text for an HTML-escaping template (a title): tags and unsafe links left out."""
    return html.unescape(clean_markdown(text)[0])
