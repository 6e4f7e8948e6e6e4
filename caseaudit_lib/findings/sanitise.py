"""What a person typed, made safe to show as Markdown in the board report.

Findings, comments, auditor names, titles, baseline labels and framework wording are untrusted
text: the report notebook displays them as Markdown, and nbconvert renders Markdown's raw HTML as
it stands. :func:`clean_markdown` keeps only the Markdown the findings format documents (emphasis,
lists, tables, links to ``http(s)`` and ``mailto`` addresses and to headings of the page) and
drops the rest: raw HTML (a ``<script>`` or ``<style>`` element with its content, any other tag
without it), HTML comments, images, and links to anything else (``javascript:``, ``data:``, a
file), whose text is kept without the link. A ``<`` that starts no tag is written ``&lt;``, which
Markdown shows as ``<``, so nothing left can open a tag.

:func:`clean_yaml_texts` cleans every text of a findings file and returns a warning per drop,
naming the file, the key and the line. The exported page gets a second, allow-list pass
(:mod:`caseaudit_lib.export.html`) whatever this module let through.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from caseaudit_lib.errors import Problem
from caseaudit_lib.privacy.detector import Detector, describe, withhold_spans

ALLOWED_SCHEMES = ("http", "https", "mailto")

# Elements whose content is code or markup, not text: dropped whole.
_CONTENT_ELEMENTS = (
    "script|style|iframe|object|embed|template|noscript|textarea|svg|math|xmp|noembed|noframes"
)
_HTML = re.compile(
    r"(?P<comment><!--.*?(?:-->|\Z))"
    rf"|(?P<element><(?P<name>{_CONTENT_ELEMENTS})\b[^>]*>.*?(?:</(?P=name)\s*>|\Z))"
    r"|(?P<autolink><(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]{1,31}):[^\s<>]*>)"
    r"|(?P<tag></?[A-Za-z][A-Za-z0-9\-]*(?=[\s/>])[^>]*>)"
    r"|(?P<declaration><[!?][^>]*>)"
    r"|(?P<lt><)",
    re.IGNORECASE | re.DOTALL,
)
# An inline link or image: [text](destination "title"), the destination possibly in <...>.
_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*)\]"
    r"\(\s*(?P<dest><[^>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)",
    re.DOTALL,
)
# A link reference definition: [label]: destination
_REFERENCE = re.compile(r"^ {0,3}\[(?P<label>[^\]\n]+)\]:[ \t]*(?P<dest>\S+).*$", re.MULTILINE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\\]+")


class SafeMarkdown(str):
    """Markdown text that :func:`clean_markdown` has already cleaned."""

    __slots__ = ()


@dataclass(frozen=True)
class Drop:
    """One thing :func:`clean_markdown` left out: what it was, and the text, to find its line."""

    what: str
    fragment: str


def link_allowed(destination: str) -> bool:
    """Return whether a link destination is http(s), mailto or a heading of the same page."""
    url = _INVISIBLE.sub("", html.unescape(destination.strip().strip("<>"))).lower()
    if url.startswith("#"):
        return True
    scheme = _SCHEME.match(url)
    return scheme is not None and scheme.group(1) in ALLOWED_SCHEMES


def _describe_tag(fragment: str) -> str:
    name = re.match(r"</?\s*([A-Za-z][A-Za-z0-9\-]*)", fragment)
    return f"raw HTML <{name.group(1).lower()}>" if name else "raw HTML"


def clean_markdown(text: str) -> tuple[SafeMarkdown, list[Drop]]:
    """Return Markdown with raw HTML, images and unsafe links left out, and what was left out."""
    if isinstance(text, SafeMarkdown):
        return text, []
    drops: list[Drop] = []

    def html_part(match: re.Match[str]) -> str:
        if match.group("comment") is not None:
            drops.append(Drop("an HTML comment", match.group(0)))
            return ""
        if match.group("element") is not None:
            drops.append(Drop(_describe_tag(match.group(0)), match.group(0)))
            return ""
        if match.group("autolink") is not None:
            if match.group("scheme").lower() in ALLOWED_SCHEMES:
                return match.group(0)
            drops.append(Drop(f"a {match.group('scheme').lower()}: link", match.group(0)))
            return ""
        if match.group("tag") is not None:
            drops.append(Drop(_describe_tag(match.group(0)), match.group(0)))
            return ""
        if match.group("declaration") is not None:
            drops.append(Drop("raw HTML", match.group(0)))
            return ""
        return "&lt;"

    def link(match: re.Match[str]) -> str:
        label = match.group("text")
        if match.group("bang"):
            drops.append(Drop("an image (not part of the findings format)", match.group(0)))
            return label
        if link_allowed(match.group("dest")):
            return match.group(0)
        drops.append(Drop(_link_kind(match.group("dest")), match.group(0)))
        return label

    def reference(match: re.Match[str]) -> str:
        if link_allowed(match.group("dest")):
            return match.group(0)
        drops.append(Drop(_link_kind(match.group("dest")), match.group(0)))
        return ""

    cleaned = _HTML.sub(html_part, str(text))
    cleaned = _LINK.sub(link, cleaned)
    cleaned = _REFERENCE.sub(reference, cleaned)
    return SafeMarkdown(cleaned), drops


def _link_kind(destination: str) -> str:
    url = _INVISIBLE.sub("", html.unescape(destination.strip().strip("<>"))).lower()
    scheme = _SCHEME.match(url)
    if scheme:
        return f"a {scheme.group(1)}: link"
    return "a link to a file (only http(s) and mailto links are allowed)"


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
