"""What a person typed, read by a CommonMark parser: what the findings format drops, and the rest.

The text is parsed by markdown-it-py (CommonMark, with GitHub's tables), every link parsed as a
link whatever its scheme, so that nothing hides from the walk as plain text. The walk finds what
the findings format does not allow: raw HTML (a tag, a comment, an HTML block; the content of a
``<script>`` or ``<style>`` element with it), images (their alt text is kept), links to anything
but ``http(s)``, ``mailto`` and the page's headings (their text is kept; an autolink's text is
its address, dropped with it), link reference definitions to such places, and links nested in
links. Each is a :class:`Drop` with its line in the text. When nothing is dropped the text is
returned as it was typed (with every ``<`` that could open a tag written ``&lt;``); when
something is, the text is written again from the parser's tokens, without it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

ALLOWED_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\\]+")
# Elements whose content is code or markup, not text: dropped whole.
CONTENT_ELEMENTS = frozenset(
    "script style iframe object embed template noscript textarea svg math xmp noembed"
    " noframes".split()
)
_TAG = re.compile(r"<(/?)\s*([A-Za-z][A-Za-z0-9\-]*)")
_HTML_PARTS = re.compile(
    r"<!--.*?(?:-->|\Z)"
    rf"|<(?P<name>{'|'.join(sorted(CONTENT_ELEMENTS))})\b[^>]*>.*?(?:</(?P=name)\s*>|\Z)"
    r"|</?[A-Za-z][A-Za-z0-9\-]*(?:\s[^>]*)?/?>|<[!?][^>]*>",
    re.IGNORECASE | re.DOTALL,
)
_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>")
_ESCAPED = re.compile(r"([\\`*_\[\]])")
_LINE_START = re.compile(r"^(\s*\d*)((?<=\d)[.)]|(?<!\d)[#>+\-])", re.MULTILINE)


@dataclass(frozen=True)
class Drop:
    """One thing left out: what it was, its text (to find its line), its line in the text."""

    what: str
    fragment: str
    line: int = 0  # 0-based, within the text cleaned


def link_allowed(destination: str) -> bool:
    """Return whether a link destination is http(s), mailto or a heading of the same page."""
    url = _INVISIBLE.sub("", html.unescape(unquote(destination.strip().strip("<>")))).lower()
    if url.startswith("#"):
        return True
    scheme = _SCHEME.match(url)
    return scheme is not None and scheme.group(1) in ALLOWED_SCHEMES


def link_kind(destination: str) -> str:
    """Return what a refused link is, in words: "a javascript: link", "a link to a file"."""
    url = _INVISIBLE.sub("", html.unescape(unquote(destination.strip().strip("<>")))).lower()
    scheme = _SCHEME.match(url)
    if scheme:
        return f"a {scheme.group(1)}: link"
    return "a link to a file (only http(s) and mailto links are allowed)"


def describe_tag(fragment: str) -> str:
    """Return a piece of raw HTML in words: "raw HTML <img>", "an HTML comment"."""
    if fragment.lstrip().startswith("<!--"):
        return "an HTML comment"
    name = _TAG.match(fragment.lstrip())
    return f"raw HTML <{name.group(2).lower()}>" if name else "raw HTML"


@cache
def parser() -> MarkdownIt:
    """Return the CommonMark parser: tables on, HTML seen (to drop it), every link a link."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True  # refused links must be seen to be dropped and named
    return md


def clean(text: str) -> tuple[str, list[Drop]]:
    """Return Markdown without what the findings format drops, and what was dropped."""
    env: dict = {}
    tokens = parser().parse(text, env)
    drops = [
        Drop(link_kind(ref["href"]), ref["href"], (ref.get("map") or [0])[0])
        for ref in env.get("references", {}).values()
        if not link_allowed(ref["href"])
    ]
    writer = _Writer(drops)
    body = writer.blocks(tokens)
    if not drops:
        return _escape_lone_lt(text), []
    return body.strip("\n"), drops


def _escape_lone_lt(text: str) -> str:
    """Return text with every ``<`` that is not an allowed autolink written ``&lt;``."""
    out, last = [], 0
    for m in _AUTOLINK.finditer(text):
        out += [text[last : m.start()].replace("<", "&lt;"), m.group(0)]
        last = m.end()
    out.append(text[last:].replace("<", "&lt;"))
    return "".join(out)


def html_text(fragment: str) -> str:
    """Return the text of a piece of HTML: tags, comments and code elements left out."""
    return _HTML_PARTS.sub("", fragment)


class _Writer:
    """Writes tokens back as Markdown, leaving out (and noting) what the format drops."""

    def __init__(self, drops: list[Drop]) -> None:
        self.drops = drops

    def blocks(self, tokens: list[Token]) -> str:
        out: list[str] = []
        lists: list[list] = []  # per open list: [ordered, number]
        prefix = ""
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            line = tok.map[0] if tok.map else 0
            kind = tok.type
            if kind == "inline":
                out.append(self.inline(tok.children or [], line))
            elif kind == "paragraph_close" or kind == "heading_close":
                out.append("\n\n" if not lists else "\n")
            elif kind == "heading_open":
                out.append(prefix + tok.markup + " ")
            elif kind == "bullet_list_open" or kind == "ordered_list_open":
                start = int(tok.attrGet("start") or 1)
                lists.append([kind == "ordered_list_open", start, tok.markup])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                lists.pop()
                out.append("\n")
            elif kind == "list_item_open":
                ordered, number, markup = lists[-1]
                indent = "   " * (len(lists) - 1)
                out.append(indent + (f"{number}{markup} " if ordered else f"{markup} "))
                lists[-1][1] += 1
            elif kind == "blockquote_open":
                prefix += "> "
                out.append(prefix)
            elif kind == "blockquote_close":
                prefix = prefix[:-2]
            elif kind in ("fence", "code_block"):
                out.append(f"```\n{tok.content}```\n\n")
            elif kind == "hr":
                out.append("---\n\n")
            elif kind == "html_block":
                self.drops.append(Drop(describe_tag(tok.content), tok.content, line))
                kept = html_text(tok.content).strip()
                if kept:
                    out.append(_escape_text(kept) + "\n\n")
            elif kind == "table_open":
                i = self._table(tokens, i, out)
            i += 1
        return "".join(out)

    def _table(self, tokens: list[Token], i: int, out: list[str]) -> int:
        rows: list[list[str]] = []
        while tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "tr_open":
                rows.append([])
            elif tok.type == "inline":
                cell = self.inline(tok.children or [], tok.map[0] if tok.map else 0)
                rows[-1].append(cell.replace("|", "\\|"))
            i += 1
        if rows:
            out.append("| " + " | ".join(rows[0]) + " |\n")
            out.append("|" + "---|" * len(rows[0]) + "\n")
            out += ["| " + " | ".join(row) + " |\n" for row in rows[1:]]
            out.append("\n")
        return i

    def inline(self, children: list[Token], line: int) -> str:
        out: list[str] = []
        skipping: str | None = None  # inside a <script>...</script>: dropped with it
        links: list[tuple[bool, str]] = []  # per open link: kept or dropped, its address
        for tok in children:
            kind = tok.type
            if skipping == "autolink":
                if kind == "link_close":
                    skipping = None
                    links.pop()
                continue
            if skipping is not None:
                if kind == "html_inline" and _closes(tok.content, skipping):
                    skipping = None
                continue
            if kind == "text":
                out.append(_escape_text(tok.content))
            elif kind == "softbreak":
                line += 1
                out.append("\n")
            elif kind == "hardbreak":
                line += 1
                out.append("\\\n")
            elif kind == "code_inline":
                fence = "``" if "`" in tok.content else "`"
                out.append(f"{fence}{tok.content}{fence}")
            elif kind in ("em_open", "em_close", "strong_open", "strong_close"):
                out.append(tok.markup)
            elif kind == "html_inline":
                self.drops.append(Drop(describe_tag(tok.content), tok.content, line))
                opened = _TAG.match(tok.content)
                if opened and not opened.group(1) and opened.group(2).lower() in CONTENT_ELEMENTS:
                    skipping = opened.group(2).lower()
            elif kind == "image":
                self.drops.append(
                    Drop("an image (not part of the findings format)", tok.content, line)
                )
                out.append(_escape_text(tok.content))
            elif kind == "link_open":
                href = tok.attrGet("href") or ""
                autolink = tok.markup == "autolink"
                keep = link_allowed(href) and not links
                if not keep:
                    what = "a link inside a link" if links else link_kind(href)
                    self.drops.append(Drop(what, str(href), line))
                links.append((keep, str(href)))
                if keep:
                    out.append(f"<{href}>" if autolink else "[")
                elif autolink:
                    skipping = "autolink"  # the text of an autolink is its address
            elif kind == "link_close":
                kept, href = links.pop() if links else (False, "")
                if kept and tok.markup != "autolink":
                    out.append(f"]({href})")
        return "".join(out)


def _closes(content: str, element: str) -> bool:
    m = _TAG.match(content)
    return bool(m and m.group(1) and m.group(2).lower() == element)


def _escape_text(text: str) -> str:
    """Return text that reads back as the same text: Markdown's signs escaped, ``<`` as ``&lt;``."""
    text = _ESCAPED.sub(r"\\\1", text).replace("<", "&lt;")
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
