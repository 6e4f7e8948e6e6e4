"""Cells that look blank but are not: Excel error values and formulas whose value was never saved.

calamine reads an error cell (``#N/A``, ``#REF!``...) and a formula without a saved value (a
workbook written by a script and never opened in Excel) as empty, which would count as "not
answered" without a word. For .xlsx and .xlsm files the sheet's XML is scanned for both (cheaply:
only when it holds an error or a formula at all); in every format, a cell whose text is an Excel
error (as a csv saved from Excel writes it) is one too.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

import pandas as pd

EXCEL_ERRORS = frozenset(
    {
        "#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
        "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
    }
)  # fmt: skip
XML_WORKBOOKS = (".xlsx", ".xlsm")
NO_SAVED_VALUE = "formula with no saved value"

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_TYPE = re.compile(rb'\bt="(\w+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.DOTALL)


@dataclass(frozen=True)
class CellFault:
    """A cell read as blank (or as error text) that holds no usable value."""

    row: int  # zero-based, as in a raw grid
    col: int
    text: str  # "Excel error #N/A" or "formula with no saved value"


def error_text_faults(grid: pd.DataFrame) -> list[CellFault]:
    """Return every cell of a raw grid whose whole text is an Excel error value."""
    hits = grid.isin(EXCEL_ERRORS).to_numpy().nonzero()
    return [
        CellFault(int(r), int(c), f"Excel error {grid.iat[r, c]}")
        for r, c in zip(*hits, strict=True)
    ]


def xml_cell_faults(path: Path | BinaryIO, sheet_name: str) -> list[CellFault]:
    """Return the error cells and formulas without a saved value of one .xlsx/.xlsm sheet.

    ``path`` may be the workbook's bytes (a password-protected one, decrypted in memory). A file
    that is not a readable workbook package gives no faults: calamine has read it, and any
    damage is reported by the reading itself.
    """
    if isinstance(path, Path) and path.suffix.lower() not in XML_WORKBOOKS:
        return []
    try:
        with zipfile.ZipFile(path) as package:
            part = _sheet_part(package, sheet_name)
            if part is None:
                return []
            xml = package.read(part)
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return []
    # Two plain substring tests first: most sheets hold neither, and a 3,000-row sheet is 13 MB
    # of XML. Every formula element ends in "f>" (<f>...</f>, <x:f>...</x:f>; a shared one's
    # <f .../> only beside its first cell's), which nothing else in a sheet's XML does.
    if b't="e"' not in xml and b"f>" not in xml:
        return []
    faults = []
    for match in _CELL.finditer(xml):
        attrs, body = match.group(1), match.group(2) or b""
        ref = _REF.search(attrs)
        if ref is None:
            continue
        kind = _TYPE.search(attrs)
        kind = kind.group(1) if kind else b"n"
        value = _VALUE.search(body)
        if kind == b"e":
            shown = value.group(1).decode("utf-8", "replace").strip() if value else "#N/A"
            text = f"Excel error {shown}"
        elif _FORMULA.search(body) and not (value and value.group(1)) and kind != b"str":
            # A formula whose result is an empty string is saved as t="str" with an empty value.
            text = NO_SAVED_VALUE
        else:
            continue
        faults.append(CellFault(int(ref.group(2)) - 1, _column_index(ref.group(1)), text))
    return faults


def _sheet_part(package: zipfile.ZipFile, sheet_name: str) -> str | None:
    """Return the package path of a named sheet's XML, from the workbook and its relations."""
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rel_id = next(
        (s.get(f"{_REL}id") for s in workbook.iter(f"{_MAIN}sheet") if s.get("name") == sheet_name),
        None,
    )
    if rel_id is None:
        return None
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    target = next(
        (r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship") if r.get("Id") == rel_id),
        None,
    )
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)


def _column_index(letters: bytes) -> int:
    """Return the zero-based index of column letters (b"A" -> 0, b"AB" -> 27)."""
    index = 0
    for letter in letters.decode("ascii"):
        index = index * 26 + ord(letter) - 64
    return index - 1
