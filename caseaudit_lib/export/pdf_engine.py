"""The PDF engine: prints a report's HTML to a PDF/UA-1 and PDF/A-2u file with WeasyPrint.

Runs as a child process of the build (``python -m caseaudit_lib.export.pdf_engine``, started and
timed by :mod:`caseaudit_lib.export.printer`), so a print that hangs can be killed without
taking the build with it. It reads one JSON request a line on stdin and answers one JSON line
on stdout: ``{"ready": VERSION}`` once WeasyPrint (and Debian's Pango under it) has loaded, then
``{"ok": true}`` or ``{"error": "one line"}`` per print.

WeasyPrint lays out the page itself (no browser): A4, the report's title in the running header,
the service and date with "Page N of M" in the footer (page margin boxes, which it marks as
artifacts), the report's print stylesheet, the outline of the headings, working contents links,
and a tagged PDF whose figures carry the charts' alt text. Its ``pdf/a-2u`` variant adds the
sRGB output intent, the file identifier and the XMP ``pdfaid`` identification; the PDF/UA
identification (``pdfuaid:part``) is added to the same XMP packet with pikepdf. Nothing is
fetched but ``data:`` URIs: the print is offline.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any

PDF_VARIANT = "pdf/a-2u"
PDFUA_NS = "http://www.aiim.org/pdfua/ns/id/"
# Room for the running header and footer, drawn in the page margins.
MARGINS = "20mm 16mm"
_BAND_FONT = "'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', sans-serif"


def css_string(text: str) -> str:
    """Return ``text`` as a quoted CSS string that typed text can never end.

    Every character but ASCII letters, digits and spaces is hex-escaped.
    """
    out = []
    for char in text:
        if char.isascii() and (char.isalnum() or char == " "):
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x} ")  # the space ends the escape and is not shown
    return '"' + "".join(out) + '"'


def page_css(title: str, footer: str) -> str:
    """Return the page rules: A4, the title in the header, the footer and "Page N of M"."""
    band = f"font-family: {_BAND_FONT}; font-size: 8pt; color: #000;"
    return f"""
@page {{
  size: A4; margin: {MARGINS};
  @top-left {{ content: {css_string(title)}; {band} vertical-align: middle; }}
  @bottom-left {{ content: {css_string(footer)}; {band} vertical-align: middle; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); {band}
                   vertical-align: middle; white-space: nowrap; }}
}}
"""


def render(html_path: Path, pdf_path: Path, *, title: str, footer: str) -> None:
    """Print ``html_path`` to ``pdf_path`` (PDF/UA-1 and PDF/A-2u), fetching nothing."""
    import weasyprint

    # Only data: URIs (the report's inlined charts) load; anything else is refused.
    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",), timeout=1)
    document = weasyprint.HTML(filename=str(html_path), url_fetcher=fetcher).render(
        stylesheets=[weasyprint.CSS(string=page_css(title, footer))], media_type="print"
    )
    data = document.write_pdf(
        pdf_variant=PDF_VARIANT, pdf_tags=True, finisher=_finish, uncompressed_pdf=False
    )
    Path(pdf_path).write_bytes(_declare_pdfua(data))


def _finish(document: Any, pdf: Any) -> None:
    """Describe links, give header cells a scope, lift captions; no image interpolation."""
    import pydyf

    for obj in pdf.objects:
        # PDF/A-2 (6.2.8) forbids /Interpolate true, which WeasyPrint writes for smooth scaling.
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Subtype") == "/Image":
            obj.extra["Interpolate"] = "false"

    for page in document.pages:
        for _kind, target, _rect, box in page.links:
            annotation = getattr(box, "link_annotation", None)
            element = getattr(box, "element", None)
            if annotation is None or element is None:
                continue
            text = " ".join("".join(element.itertext()).split())
            annotation["Contents"] = pydyf.String(f"Go to {text}" if text else str(target))
    by_ref = {obj.reference: obj for obj in pdf.objects if isinstance(obj, dict) and "S" in obj}
    for element in list(by_ref.values()):
        if element.get("S") == "/Table":
            _lift_caption(element, by_ref)
    for element in by_ref.values():
        if element.get("S") != "/TH":
            continue
        row = by_ref.get(element.get("P"))
        group = by_ref.get(row.get("P")) if row is not None else None
        in_head = group is not None and group.get("S") == "/THead"
        element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        element["A"]["Scope"] = "/Column" if in_head else "/Row"


def _lift_caption(table: Any, by_ref: dict[Any, Any]) -> None:
    """Make a table's caption its first child (WeasyPrint nests it in two more /Table)."""
    for position, ref in enumerate(table["K"]):
        child = by_ref.get(ref)
        chain = []
        while child is not None and child.get("S") == "/Table" and len(child["K"]) == 1:
            chain.append(child)
            child = by_ref.get(child["K"][0])
        if chain and child is not None and child.get("S") == "/Caption":
            child["P"] = table.reference
            del table["K"][position]
            table["K"].insert(0, child.reference)
            return


def _declare_pdfua(data: bytes) -> bytes:
    """Return the PDF with ``pdfuaid:part`` 1 added to its XMP metadata."""
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta[f"{{{PDFUA_NS}}}part"] = "1"
        pdf.save(out)
    return out.getvalue()


def engine_version() -> str:
    """Return the versions of WeasyPrint and the Pango it loaded, e.g. "70.0 / Pango 1.50.12"."""
    import weasyprint
    from weasyprint.text.ffi import pango

    number = pango.pango_version()  # major * 10000 + minor * 100 + micro
    return (
        f"{weasyprint.__version__} / Pango {number // 10000}.{number // 100 % 100}.{number % 100}"
    )


def _answer(channel: Any, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def main() -> int:
    """Serve print requests from stdin until it closes; return the exit status."""
    # Nothing but answers on the channel: a copy of stdout; what Python or a C library (Pango,
    # fontconfig) would print to stdout goes to stderr instead.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    import logging

    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)  # its CSS notes are not faults
    try:
        version = engine_version()
    except (ImportError, OSError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        print(f"WeasyPrint could not be loaded: {first}", file=sys.stderr)
        return 3
    _answer(channel, {"ready": version})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            job = json.loads(line)
            render(Path(job["html"]), Path(job["pdf"]), title=job["title"], footer=job["footer"])
        except Exception as exc:  # noqa: BLE001 - any fault of a print is that print's answer
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            _answer(channel, {"error": f"{type(exc).__name__}: {first}".rstrip(": ")})
        else:
            _answer(channel, {"ok": True})
    return 0


if __name__ == "__main__":
    sys.exit(main())
