"""The last line of defence of the board report: an allow-list pass over the exported page.

Whatever reached the notebook (findings text the Markdown sanitiser missed, a library output
with markup of its own), the report's content is passed through ``nh3`` (the Rust ``ammonia``
sanitiser) with an allow-list of the elements and attributes a report uses: no script, no
event-handler attribute, no link or source other than ``http(s)``, ``mailto``, an in-page
``#anchor`` or an embedded ``data:image/...`` picture. :func:`find_live_script` then checks the
whole page (the template's head and footer too), so an export never writes a page that could
run anything; the page's Content-Security-Policy forbids script as well.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

from caseaudit_lib.errors import CaseAuditError, Problem

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "article", "aside", "b", "blockquote", "br", "caption", "cite", "code",
        "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img",
        "ins", "kbd", "li", "mark", "nav", "ol", "p", "pre", "q", "s", "samp", "section",
        "small", "span", "strong", "style", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir", "role", "style", "hidden", "tabindex"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "headers", "align"},
    "th": {"colspan", "rowspan", "headers", "scope", "align"},
    "col": {"span", "width"},
    "colgroup": {"span"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "time": {"datetime"},
    "details": {"open"},
    "style": {"type", "media"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "data"})
# Elements dropped with everything inside them, not only their tags.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "iframe", "object", "embed", "template", "noscript", "svg", "math", "textarea"}
)
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp|svg\+xml)[;,]", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "poster", "background"}
)
_LIVE_TAGS = frozenset({"script", "iframe", "object", "embed", "base", "frame", "frameset"})


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Return an attribute's value to keep it, None to drop it: ``data:`` only for pictures."""
    if _CONTROL.sub("", value).lower().startswith("data:"):
        ok = tag == "img" and attribute == "src" and _DATA_IMAGE.match(value.strip())
        return value if ok else None
    return value


def clean_fragment(fragment: str) -> str:
    """Return an HTML fragment with everything outside the report's allow-list removed."""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        generic_attribute_prefixes={"aria-", "data-"},
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
    )


def clean_between(page: str, start: str, end: str, *, keep: tuple[str, ...] = ()) -> str:
    """Return the page with the part between two marker comments cleaned (whole page if absent).

    Args:
        page: the page.
        start: the comment that opens the part to clean.
        end: the comment that closes it.
        keep: marker comments inside the part that stay where they are (the cleaner drops
            every other comment).

    """
    if start not in page or end not in page:
        return _clean_keeping(page, keep)
    head, rest = page.split(start, 1)
    content, _, tail = rest.partition(end)
    return head + start + _clean_keeping(content, keep) + end + tail


def _clean_keeping(fragment: str, keep: tuple[str, ...]) -> str:
    """Return a fragment cleaned piece by piece around the marker comments it keeps."""
    if not keep:
        return clean_fragment(fragment)
    marker, others = keep[0], keep[1:]
    return marker.join(_clean_keeping(piece, others) for piece in fragment.split(marker))


class _LiveFinder(HTMLParser):
    """Collects what in a page could run: scripts, handlers, script or document URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LIVE_TAGS:
            self.found.append(f"a <{tag}> element")
        refresh = any(n == "http-equiv" and (v or "").lower() == "refresh" for n, v in attrs)
        if tag == "meta" and refresh:
            self.found.append("a <meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"an event handler {name}= on <{tag}>")
            elif name in _URL_ATTRIBUTES and value is not None:
                url = _CONTROL.sub("", value).lower()
                if url.startswith(("javascript:", "vbscript:")):
                    self.found.append(f"a {url.split(':', 1)[0]}: URL in <{tag} {name}>")
                elif url.startswith("data:") and not (tag == "img" and name == "src"):
                    self.found.append(f"a data: URL in <{tag} {name}>")

    handle_startendtag = handle_starttag


def find_live_script(page: str) -> list[str]:
    """Return a description of everything in a page that could run script (empty: none)."""
    finder = _LiveFinder()
    finder.feed(page)
    finder.close()
    return finder.found


def require_no_live_script(page: str, file: str) -> None:
    """Raise unless the page holds nothing that could run script.

    Raises:
        CaseAuditError: one line naming the file and the first thing found.

    """
    live = find_live_script(page)
    if live:
        message = f"the report would hold {len(live)} thing(s) that could run (first: {live[0]})"
        raise CaseAuditError([Problem("error", file, message)])
