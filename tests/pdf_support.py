"""Reading a report's PDF back with pypdf: pages, text, page numbers, tags, links and outline."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader


@dataclass
class PdfFacts:
    """What pypdf reads back from a PDF."""

    pages: int
    texts: list[str]  # each page's text, ligatures folded (NFKC), whitespace single
    tagged: bool  # a structure tree, and MarkInfo Marked
    lang: str
    title: str
    page_sizes: list[tuple[float, float]]  # points
    links: list[str]  # named destinations of the internal links, in page order
    destinations: set[str]  # the named destinations the PDF defines
    outline: list[str]  # top-level bookmark titles


def pdf_facts(path: Path) -> PdfFacts:
    """Return the facts of a PDF file."""
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    texts = [
        " ".join(unicodedata.normalize("NFKC", page.extract_text() or "").split())
        for page in reader.pages
    ]
    links = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link" and annot.get("/Dest") is not None:
                links.append(str(annot["/Dest"]).lstrip("/"))
    dests = root.get("/Dests")
    destinations = {str(k).lstrip("/") for k in dests.get_object()} if dests else set()
    mark = root.get("/MarkInfo")
    return PdfFacts(
        pages=len(reader.pages),
        texts=texts,
        tagged="/StructTreeRoot" in root and bool(mark and mark.get_object().get("/Marked")),
        lang=str(root.get("/Lang", "")),
        title=str((reader.metadata or {}).get("/Title", "")),
        page_sizes=[(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages],
        links=links,
        destinations=destinations,
        outline=list(_titles(reader.outline)),
    )


def page_numbers(facts: PdfFacts) -> list[tuple[int, int]]:
    """Return the "Page N of M" found on each page, in order (one per page if all is well)."""
    found = []
    for text in facts.texts:
        found += [(int(n), int(m)) for n, m in re.findall(r"Page (\d+) of (\d+)", text)]
    return found


A4 = (595.0, 842.0)


def is_a4(size: tuple[float, float]) -> bool:
    """Return whether a page size in points is A4 portrait (to a point)."""
    return abs(size[0] - A4[0]) < 1.5 and abs(size[1] - A4[1]) < 1.5


def _titles(items: list) -> list[str]:
    """Return every bookmark title of an outline, depth first."""
    out: list[str] = []
    for item in items:
        out += _titles(item) if isinstance(item, list) else [str(item.title)]
    return out
