"""Exporting an executed report notebook to one self-contained, offline, code-free HTML file.

The board reads the report, not the notebook: no code, no prompts, no parameter cells, and a
single file that opens on a laptop with no network. nbconvert's own HTML templates load
require.js, MathJax and widget scripts from a CDN, so the export uses our template
(``templates/report_html``), which inherits the "lab" cell markup but has a head of its own with
one small inlined stylesheet and no scripts. Every image is a ``data:`` URI with alt text, and the
finished page is checked for anything it would fetch before it is written.

Build the exporter once with :func:`make_exporter` and pass it to :func:`export_html` for every
report: the templates are loaded and compiled once per exporter.
"""

from __future__ import annotations

import html
import re
import warnings
from html.parser import HTMLParser
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

from caseaudit_lib.errors import CaseAuditError, Problem
from caseaudit_lib.export import TEMPLATES_DIR
from caseaudit_lib.export.atomic import write_atomic
from caseaudit_lib.export.page_safety import clean_between, require_no_live_script
from caseaudit_lib.present.glance import TOC_HERE  # the box that comes before the contents

TEMPLATE_NAME = "report_html"

# Cells that never reach the board: papermill's parameter cells and anything the author tagged.
REMOVE_CELL_TAGS = frozenset(
    {"parameters", "injected-parameters", "remove_cell", "remove-cell", "hide", "hide-cell"}
)
REMOVE_OUTPUT_TAGS = frozenset({"remove_output", "remove-output", "hide-output"})

IMAGE_MIMETYPES = ("image/png", "image/jpeg", "image/svg+xml")

TOC_MARKER = "<!--caseaudit:toc-->"
CONTENT_START = "<!--caseaudit:content-start-->"
CONTENT_END = "<!--caseaudit:content-end-->"

_HEADING = re.compile(r"<h([23])(\s[^>]*)?>(.*?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
_ID_ATTR = re.compile(r"""\sid\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


class ExportWarning(UserWarning):
    """Something in the notebook that the export repaired but the author should fix."""


def software_version() -> str:
    """Return the installed caseaudit version, or "0+unknown" in a never-installed tree."""
    try:
        return version("caseaudit")
    except PackageNotFoundError:
        return "0+unknown"


class ReportOutputsPreprocessor(Preprocessor):
    """Prepares outputs for the board: drops stderr and empty code cells, gives images alt text.

    Alt text comes from, first found: ``output.metadata["image/png"]["alt"]`` (for any image
    mimetype), ``output.metadata["caseaudit"]["alt"]``; otherwise it is made from the figure's
    title (``output.metadata["caseaudit"]["title"]``) or the nearest heading above it, with an
    :class:`ExportWarning`. The result is put in ``output.metadata["caseaudit"]["alt"]``, where
    the template reads it.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple:
        """Return the notebook with its outputs prepared (nbconvert works on a copy)."""
        heading = ""
        figure_number = 0
        kept = []
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                headings = _MARKDOWN_HEADING.findall(cell.source)
                heading = headings[-1] if headings else heading
                kept.append(cell)
                continue
            if cell.cell_type != "code":
                kept.append(cell)
                continue
            outputs = []
            for output in cell.get("outputs", []):
                if output.output_type == "stream" and output.name == "stderr":
                    # Library warnings belong in the run log, not in front of the board.
                    warnings.warn(
                        "a cell wrote to stderr; left out of the report",
                        ExportWarning,
                        stacklevel=2,
                    )
                    continue
                if output.output_type in ("display_data", "execute_result") and any(
                    m in output.get("data", {}) for m in IMAGE_MIMETYPES
                ):
                    figure_number += 1
                    _set_alt(output, heading, figure_number)
                outputs.append(output)
            cell.outputs = outputs
            if outputs:
                kept.append(cell)
        nb.cells = kept
        return nb, resources


def _set_alt(output: nbformat.NotebookNode, heading: str, figure_number: int) -> None:
    """Put the alt text of one image output in ``metadata.caseaudit.alt``."""
    metadata = output.setdefault("metadata", {})
    ours = metadata.setdefault("caseaudit", {})
    alt = next(
        (
            metadata[m]["alt"]
            for m in IMAGE_MIMETYPES
            if isinstance(metadata.get(m), dict) and str(metadata[m].get("alt", "")).strip()
        ),
        str(ours.get("alt", "")).strip(),
    )
    if not str(alt).strip():
        title = str(ours.get("title", "")).strip() or _plain_heading(heading)
        alt = f"Figure {figure_number}: {title}" if title else f"Figure {figure_number}"
        warnings.warn(
            f"figure {figure_number} has no alt text; using {alt!r}. Pass it in the output "
            'metadata: {"caseaudit": {"alt": "..."}}',
            ExportWarning,
            stacklevel=3,
        )
    ours["alt"] = str(alt).strip()


def _plain_heading(markdown: str) -> str:
    """Return a markdown heading's text without emphasis or link markup."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    return re.sub(r"[*_`]", "", text).strip()


def make_exporter() -> HTMLExporter:
    """Return an HTML exporter for board reports, to build once and reuse for many exports."""
    c = Config()
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.exclude_output_stdin = True
    c.HTMLExporter.exclude_anchor_links = True
    # Not embed_images: in nbconvert 7.17 it re-parses every inline HTML fragment of markdown on
    # its own, which empties elements (<span class="rating">Good</span> loses its text).
    # Attachments are embedded anyway; a markdown image by path is refused by the offline check.
    c.HTMLExporter.embed_images = False
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    exporter = HTMLExporter(
        config=c,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
    )
    exporter.register_preprocessor(ReportOutputsPreprocessor(), enabled=True)
    return exporter


def render_html(
    nb: nbformat.NotebookNode,
    *,
    title: str,
    footer: str,
    exporter: HTMLExporter | None = None,
) -> str:
    """Return the report page for an executed notebook (see :func:`export_html`)."""
    exporter = exporter or make_exporter()
    resources = {"caseaudit": {"title": title, "footer": footer, "version": software_version()}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    # The notebook's content through the allow-list first: the contents list is made from the
    # headings that are left.
    return add_table_of_contents(clean_between(body, CONTENT_START, CONTENT_END, keep=(TOC_HERE,)))


def export_html(
    nb: nbformat.NotebookNode | Path,
    out_path: Path,
    *,
    title: str,
    footer: str,
    exporter: HTMLExporter | None = None,
) -> Path:
    """Write an executed notebook as one self-contained, offline, code-free HTML report.

    Code, prompts, stderr and cells tagged ``parameters``, ``injected-parameters``,
    ``remove_cell`` or ``remove-cell`` are left out. The page has the title as ``<title>`` and
    ``<h1>``, a table of contents of the h2/h3 headings, alt text on every image and a footer
    with ``footer`` (say, the service and the audit's date) and the caseaudit version.

    Args:
        nb: The executed notebook, or the path of one.
        out_path: Where to write the report; replaced atomically, so a failed export leaves the
            previous report as it was.
        title: The report's title.
        footer: Text for the footer, e.g. "Bromley YOS case file audit, 21–22 March 2016".
        exporter: An exporter from :func:`make_exporter`, to reuse across many exports.

    Returns:
        ``out_path``.

    Raises:
        CaseAuditError: If the page would load anything from outside the file (a script, a
            stylesheet or an image by URL), which would break the report offline.

    """
    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.read(Path(nb), as_version=4)
    out_path = Path(out_path)
    page = render_html(nb, title=title, footer=footer, exporter=exporter)
    external = find_external_resources(page)
    if external:
        raise CaseAuditError(
            [
                Problem(
                    "error",
                    str(out_path),
                    f"the report would load {len(external)} resource(s) from outside the file "
                    f"(first: {_describe(external[0])}); it must open offline, so embed it or "
                    "leave it out",
                )
            ]
        )
    require_no_live_script(page, str(out_path))
    write_atomic(out_path, page)
    return out_path


def add_table_of_contents(page: str) -> str:
    """Return the page with unique ids on its h2/h3 headings and a contents list at the marker.

    Only headings of the notebook's content (between the content markers) are listed; a page
    without the markers is returned unchanged. Given :data:`TOC_HERE`, the list goes there instead.
    """
    if TOC_MARKER not in page or CONTENT_START not in page:
        return page
    head, rest = page.split(CONTENT_START, 1)
    content, sep, tail = rest.partition(CONTENT_END)
    before, here, content = content.rpartition(TOC_HERE)
    used: set[str] = set()
    entries: list[tuple[int, str, str]] = []

    def fix_heading(match: re.Match[str]) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2) or "", match.group(3)
        text = " ".join(html.unescape(_TAG.sub("", inner)).split())
        found = _ID_ATTR.search(attrs)
        wanted = html.unescape(found.group(2)) if found else _slug(text)
        anchor = _unique(wanted or "section", used)
        attrs = _ID_ATTR.sub("", attrs)
        entries.append((level, anchor, text))
        return f'<h{level} id="{html.escape(anchor)}"{attrs}>{inner}</h{level}>'

    used.update(m.group(2) for m in _ID_ATTR.finditer(before))  # the box's ids stay unique
    content = _HEADING.sub(fix_heading, content)
    toc = _toc_html(entries)
    if here:
        head, before = head.replace(TOC_MARKER, "", 1), before + toc
    else:
        head = head.replace(TOC_MARKER, toc, 1)
    return head + CONTENT_START + before + content + sep + tail


def _slug(text: str) -> str:
    """Return a heading's text as an id: lower case, words joined by hyphens."""
    return "-".join(re.findall(r"\w+", text.lower()))


def _unique(anchor: str, used: set[str]) -> str:
    """Return the anchor, suffixed -2, -3... if it is already used; record it as used."""
    candidate, n = anchor, 1
    while candidate in used:
        n += 1
        candidate = f"{anchor}-{n}"
    used.add(candidate)
    return candidate


def _toc_html(entries: list[tuple[int, str, str]]) -> str:
    """Return the contents list: h2 entries with their h3 entries nested under them."""
    if not entries:
        return ""
    lines = [
        '<nav class="toc" aria-labelledby="toc-title">',
        '<p class="toc-title" id="toc-title">Contents</p>',
        "<ol>",
    ]
    open_sub = False
    open_item = False
    for level, anchor, text in entries:
        link = f'<a href="#{html.escape(anchor)}">{html.escape(text)}</a>'
        if level == 3 and open_item:
            if not open_sub:
                lines.append("<ol>")
                open_sub = True
            lines.append(f"<li>{link}</li>")
            continue
        if open_sub:
            lines.append("</ol>")
            open_sub = False
        if open_item:
            lines.append("</li>")
        # An h3 before any h2 is listed at the top level rather than dropped.
        lines.append(f"<li>{link}")
        open_item = True
    if open_sub:
        lines.append("</ol>")
    lines += ["</li>", "</ol>", "</nav>"]
    return "\n".join(lines)


class _ResourceFinder(HTMLParser):
    """Collects every URL an HTML page would fetch by itself (not links a reader may follow)."""

    # (tag, attribute) pairs that make the browser fetch something on load.
    FETCHING = {
        ("script", "src"), ("img", "src"), ("img", "srcset"), ("source", "src"),
        ("source", "srcset"), ("link", "href"), ("iframe", "src"), ("embed", "src"),
        ("object", "data"), ("video", "src"), ("video", "poster"), ("audio", "src"),
        ("track", "src"), ("input", "src"), ("image", "href"), ("image", "xlink:href"),
        ("use", "href"), ("use", "xlink:href"), ("frame", "src"),
    }  # fmt: skip
    CSS_URL = re.compile(r"""url\(\s*["']?([^"')\s]+)|@import\s+["']([^"']+)""", re.IGNORECASE)

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in self.FETCHING:
                urls = _srcset_urls(value) if "srcset" in name else [value.strip()]
                self.found += [(f"<{tag} {name}>", u) for u in urls]
            elif name == "style":
                self._css(value, f"<{tag} style>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data, "<style>")

    def _css(self, css: str, where: str) -> None:
        for match in self.CSS_URL.finditer(css):
            self.found.append((where, match.group(1) or match.group(2)))


def _srcset_urls(srcset: str) -> list[str]:
    """Return the URLs of a srcset: its tokens that are not width or density descriptors."""
    tokens = (t.strip(",") for t in srcset.split())
    return [t for t in tokens if t and not re.fullmatch(r"[\d.]+[wxh]", t)]


def find_external_resources(page: str) -> list[tuple[str, str]]:
    """Return (where, url) for everything the page would fetch that is not inside the file.

    ``data:`` URIs and in-page ``#fragment`` references are inside the file; anything else (an
    ``http(s)://`` or protocol-relative URL, or a relative path to a file beside it) is not.
    """
    finder = _ResourceFinder()
    finder.feed(page)
    finder.close()
    return [
        (where, url)
        for where, url in finder.found
        if not url.strip().lower().startswith(("data:", "#"))
    ]


def _describe(resource: tuple[str, str]) -> str:
    """Return where a resource is referenced and its host, without the rest of the URL."""
    where, url = resource
    host = urlsplit(url.strip()).netloc
    return f"{where} from {host}" if host else f"{where} from a file beside it"
