"""Scanning exported files for children's identifiers before anything leaves the service.

Names, dates of birth and case references are dropped or pseudonymised at load, so they should
never reach a report, a score table or an executed notebook. This module checks that they did not:
it re-reads the identifying values of the input file (``privacy.collect_identifiers``) and looks for
each of them in every exported file. A hit names the file, where in it, and which kind of column
the value came from, never the value itself, so the check's own output is safe to print or log.

What counts as a hit, and why:

* Matching ignores case and runs of whitespace, and needs a whole token: "Ann" matches
  "Ann Smith" but not "Annual", which would raise an alarm on every report.
* Values shorter than 3 characters are ignored (initials, "M"/"F", small codes), and so are
  numbers below 10,000: a case numbered 12 or 2016 would otherwise "match" every count,
  percentage and year in a report. Longer numbers (CMS references, UPNs) are checked.
* A first name that is also an ordinary word ("May", "Will") will be reported wherever the
  word appears: the check prefers a false alarm, which the analyst can dismiss, to a missed name.
* Dates are also looked for in the other ways Excel, pandas or a person may have written them:
  a date of birth 2009-03-14 also matches 14/03/2009, 14/3/2009, 14-03-2009, 14.03.2009,
  2009/03/14, 14/03/09, 20090314, 14 March 2009, 14 Mar 2009 and March 14, 2009.
* A PDF's text is read back page by page (PDFium, through pypdfium2), with its metadata and
  outline, and folded with Unicode compatibility forms, so the "ﬁ" ligature of a printed
  "Griffin" still matches.
* ``data:`` URIs are not searched as text (their base64 is random letters that could spell
  anything); SVG ones are decoded and searched, PNG and JPEG pixels cannot be searched.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import html
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from urllib.parse import unquote

from caseaudit_lib.errors import Problem, excel_cell
from caseaudit_lib.framework.model import fold_text
from caseaudit_lib.load.reading import cell_text
from caseaudit_lib.privacy.detector import describe, without_pseudonyms
from caseaudit_lib.privacy.patterns import patterned_spans

MIN_LENGTH = 3
SMALL_NUMBER = 10_000
ANY_COLUMN = "an identifying column"

TEXT_SUFFIXES = frozenset(
    {".html", ".htm", ".txt", ".md", ".json", ".yaml", ".yml", ".svg", ".tex"}
)
# The detector's kinds searched for in every board file as they are (see _search_details).
BOARD_KINDS = frozenset(
    {"postcode", "address", "phone number", "e-mail address", "NHS number",
     "National Insurance number", "case reference"}
)  # fmt: skip
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_WHOLE_FLOAT = re.compile(r"^(\d+)\.0+$")
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
_UK_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_DATA_URI = re.compile(
    r"data:([\w.+-]+/[\w.+-]+)?((?:;[\w-]+=[^;,\"']*)*)(;base64)?,([^\"')\s<>]*)"
)
_IMAGE_KEYS = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})


# One compiled whole-token pattern per identifying column.
# What is searched for: one compiled pattern per column of identifiers (compile_needles).
Needles = dict[str, re.Pattern[str]]


def date_variants(value: str) -> set[str]:
    """Return the other spellings of a date value, or an empty set if it is not a date.

    ISO dates (2009-03-14, also with a midnight time) and day-first dates (14/03/2009, as in UK
    files) are understood.
    """
    value = value.strip()
    if m := _ISO_DATE.match(value):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _UK_DATE.match(value):
        d, mo, y = (int(g) for g in m.groups())
    else:
        return set()
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        return set()
    month, abbr = day.strftime("%B"), day.strftime("%b")
    variants = {
        day.isoformat(),
        f"{y}/{mo:02d}/{d:02d}",
        f"{y}{mo:02d}{d:02d}",
        f"{d} {month} {y}",
        f"{d:02d} {month} {y}",
        f"{d} {abbr} {y}",
        f"{d:02d} {abbr} {y}",
        f"{d}-{abbr}-{y}",
        f"{month} {d}, {y}",
        f"{day.isoformat()} 00:00:00",
        f"{day.isoformat()}T00:00:00",
    }
    for sep in "/-.":
        variants |= {
            f"{d:02d}{sep}{mo:02d}{sep}{y}",
            f"{d}{sep}{mo}{sep}{y}",
            f"{d:02d}{sep}{mo:02d}{sep}{y % 100:02d}",
        }
    # Month-first, as an American-set Excel may show it; only when it cannot be read as a
    # different day-first date, which would be a false alarm on another child's birthday.
    if d > 12 or d == mo:
        variants |= {f"{mo:02d}/{d:02d}/{y}", f"{mo}/{d}/{y}"}
    return variants


def is_checkable(value: str) -> bool:
    """Return whether a value is specific enough to look for (see the module docstring)."""
    value = value.strip()
    if len(value) < MIN_LENGTH:
        return False
    if _NUMBER.match(value):
        try:
            return abs(float(value.replace(",", "."))) >= SMALL_NUMBER
        except ValueError:
            return True
    return True


def _spellings(value: str) -> set[str]:
    """Return the spellings of one identifier to look for: itself, unfloated, as other dates."""
    value = value.strip()
    spellings = {value}
    if m := _WHOLE_FLOAT.match(value):  # 1234567.0 from a numeric Excel cell
        spellings.add(m.group(1))
    spellings |= date_variants(value)
    return {s for s in spellings if is_checkable(s)}


def compile_needles(identifiers: Mapping[str, Iterable[str]] | Iterable[str]) -> Needles:
    """Return one case-insensitive whole-token pattern per column of identifiers.

    Pass the result to :func:`scan_outputs` instead of the identifiers to compile them once
    for several scans (compiling is most of a small scan's cost).
    """
    if not isinstance(identifiers, Mapping):
        identifiers = {ANY_COLUMN: identifiers}
    patterns: Needles = {}
    for column, values in identifiers.items():
        needles = {fold_text(s) for v in values if v is not None for s in _spellings(str(v))}
        needles.discard("")
        if not needles:
            continue
        # Longest first, so "14/03/2009" wins over "14/03/20" style prefixes in the alternation.
        body = "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True))
        patterns[str(column)] = re.compile(rf"(?<!\w)(?:{body})(?!\w)")
    return patterns


def _describe(column: str) -> str:
    """Return the words naming where a value came from, e.g. "a value from column 'dob'"."""
    return "a value from " + (column if column == ANY_COLUMN else f"column {column!r} of the input")


def scan_outputs(
    paths: Iterable[Path],
    identifiers: Mapping[str, Iterable[str]] | Iterable[str],
    *,
    needles: Needles | None = None,
) -> list[Problem]:
    """Return one problem per file and identifying column whose values appear in the file.

    Args:
        paths: Exported files: .html, .xlsx/.xlsm, .csv, .ipynb, .pdf; other text files (.md,
            .json, .svg...) are searched as text, images are skipped.
        identifiers: The identifying values, as column -> values (so a hit can say which kind of
            value leaked) or as a plain set of values.
        needles: The identifiers already compiled (:func:`compile_needles`); then
            ``identifiers`` is not read.

    Returns:
        Problems (errors) naming the file, the first place in it and the column; the value is
        never included. A file that cannot be read is an error too: an unchecked file is not a
        clean one.

    """
    if needles is None:
        needles = compile_needles(identifiers)
    problems: list[Problem] = []
    for path in paths:
        path = Path(path)
        if path.suffix.lower() in IMAGE_SUFFIXES:
            continue
        try:
            chunks = list(_chunks(path))
        except Exception as exc:  # an unreadable file is reported, not raised
            problems.append(
                Problem(
                    "error",
                    str(path),
                    f"could not be read for the leak check ({type(exc).__name__})",
                )
            )
            continue
        problems += _search(path, chunks, needles)
    return problems


def _search(
    path: Path, chunks: list[tuple[str | None, str | None, str]], needles: Needles
) -> list[Problem]:
    """Return the problems of one file's text chunks: (sheet, place, text) each."""
    problems = []
    folded = [(sheet, place, fold_text(text)) for sheet, place, text in chunks]
    # One search of the whole file per column; chunk by chunk only to locate a hit. Chunks are
    # joined by newlines, which are not word characters, so no match spans two cells.
    whole = "\n".join(text for _, _, text in folded)
    for column, pattern in needles.items():
        if not pattern.search(whole):
            continue
        hits = [(sheet, place) for sheet, place, text in folded if pattern.search(text)]
        sheet, place = hits[0]
        more = f" ({len(hits)} places)" if len(hits) > 1 else ""
        problems.append(
            Problem(
                "error",
                str(path),
                f"contains a personal identifier: {_describe(column)}{more}",
                sheet=sheet,
                cell=place,
                # Not Problem.column: that would read as a column of this file.
            )
        )
    # A value already found at a place is not reported again by its shape.
    places = {(p.sheet, p.cell) for p in problems}
    problems += [p for p in _search_details(path, chunks) if (p.sheet, p.cell) not in places]
    return problems


def _search_details(path: Path, chunks: list[tuple[str | None, str | None, str]]) -> list[Problem]:
    """Return one problem per kind of patterned personal detail in a file, wherever it came from.

    The detector's unambiguous kinds (postcodes, addresses, phone numbers, e-mail addresses,
    NHS and National Insurance numbers, case references of common shapes) never belong in a
    board file, whatever the input says. Names and dates do (the service's, the audit's): they
    are looked for as the values the detector found in the input (:func:`compile_needles`).
    """
    first: dict[str, tuple[str | None, str | None, int]] = {}
    for sheet, place, text in chunks:
        for _, _, kind in without_pseudonyms(text, patterned_spans(text, dates=False)):
            if kind in BOARD_KINDS:
                where = first.setdefault(kind, (sheet, place, 0))
                first[kind] = (where[0], where[1], where[2] + 1)
    problems = []
    for kind, (sheet, place, count) in first.items():
        more = f" ({count} places)" if count > 1 else ""
        problems.append(
            Problem(
                "error",
                str(path),
                f"contains a personal detail: {describe(kind)}{more}",
                sheet=sheet,
                cell=place,
            )
        )
    return problems


def _chunks(path: Path) -> Iterator[tuple[str | None, str | None, str]]:
    """Yield (sheet, place, text) for every piece of text in a file, by its type."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_chunks(path)
    elif suffix == ".csv":
        yield from _csv_chunks(path)
    elif suffix == ".ipynb":
        yield from _notebook_chunks(path)
    elif suffix == ".pdf":
        yield from _pdf_chunks(path)
    elif suffix in (".html", ".htm", ".svg"):
        yield None, None, _html_text(path.read_text(encoding="utf-8", errors="replace"))
    elif suffix in TEXT_SUFFIXES or not _looks_binary(path):
        yield None, None, _without_data_uris(path.read_text(encoding="utf-8", errors="replace"))


def _looks_binary(path: Path) -> bool:
    """Return whether a file of unknown type looks binary (a NUL byte in its first 8 kB)."""
    with path.open("rb") as f:
        return b"\0" in f.read(8192)


def _without_data_uris(text: str) -> str:
    """Return text with data: URIs replaced by their decoded SVG, or removed."""

    def decode(match: re.Match[str]) -> str:
        mimetype, is_base64, payload = match.group(1) or "", match.group(3), match.group(4)
        if "svg" not in mimetype:
            return " "
        try:
            raw = base64.b64decode(payload) if is_base64 else payload.encode()
            return " " + (raw.decode("utf-8", "replace") if is_base64 else unquote(payload)) + " "
        except (binascii.Error, ValueError):
            return " "

    return _DATA_URI.sub(decode, text)


def _html_text(page: str) -> str:
    """Return an HTML page's source and its text without tags, entities decoded, for searching.

    The source keeps attribute values (alt text, titles, ids); the tag-free text finds a name
    split by markup, such as "Jo <b>Smith</b>".
    """
    page = _without_data_uris(page)
    tagless = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page) + "\n" + html.unescape(tagless)


def _xlsx_chunks(path: Path) -> Iterator[tuple[str | None, str | None, str]]:
    """Yield every sheet name and non-empty cell value of a workbook (cached formula results)."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            yield sheet.title, None, sheet.title
            for r, row in enumerate(sheet.iter_rows(values_only=True)):
                for c, value in enumerate(row):
                    if value is not None and value != "":
                        yield sheet.title, excel_cell(r, c), cell_text(value)
    finally:
        workbook.close()


def _csv_chunks(path: Path) -> Iterator[tuple[str | None, str | None, str]]:
    """Yield every cell of a CSV file (comma, semicolon or tab separated)."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:8192], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    for r, row in enumerate(csv.reader(io.StringIO(text), dialect)):
        for c, value in enumerate(row):
            if value.strip():
                yield None, excel_cell(r, c), value


def _pdf_chunks(path: Path) -> Iterator[tuple[str | None, str | None, str]]:
    """Yield a PDF's metadata, outline titles and the text of each page ("page N")."""
    # PDFium (Chromium's own PDF library) reads the text as Chromium wrote it, at about a
    # twentieth of the time of a pure-Python reader: one report is checked per build.
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        metadata = " ".join(str(v) for v in document.get_metadata_dict().values())
        yield None, "document properties", unicodedata.normalize("NFKC", metadata)
        titles = "\n".join(item.get_title() or "" for item in document.get_toc())
        yield None, "outline", unicodedata.normalize("NFKC", titles)
        for n, page in enumerate(document, start=1):
            text = page.get_textpage().get_text_range()
            yield None, f"page {n}", unicodedata.normalize("NFKC", text)
    finally:
        document.close()


def _notebook_chunks(path: Path) -> Iterator[tuple[str | None, str | None, str]]:
    """Yield every string in a notebook (sources, outputs, metadata) but base64 image data."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    yield from ((None, "notebook metadata", t) for t in _strings(notebook.get("metadata", {})))
    for i, cell in enumerate(notebook.get("cells", [])):
        yield from ((None, f"cell {i + 1}", t) for t in _strings(cell))


def _strings(node: object) -> Iterator[str]:
    """Yield the strings in a JSON value, joining line lists, skipping binary image data."""
    if isinstance(node, str):
        yield html.unescape(_without_data_uris(node))
    elif isinstance(node, list):
        if node and all(isinstance(x, str) for x in node):
            # A multi-line source or output; HTML outputs hold names as entities too.
            yield html.unescape(_without_data_uris("".join(node)))
        else:
            for item in node:
                yield from _strings(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in _IMAGE_KEYS:
                yield str(key)
                yield from _strings(value)
