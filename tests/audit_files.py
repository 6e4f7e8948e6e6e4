"""Writing small audit scoring files in every supported format, for the loading tests."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

MINI = Path(__file__).parent / "data" / "frameworks" / "mini.yaml"
LOADING = Path(__file__).parent / "data" / "loading"

Rows = Sequence[Sequence[object]]


def write_xlsx(
    path: Path, rows: Rows, *, sheet: str = "Answers", before: dict | None = None
) -> Path:
    """Write rows to one sheet of a workbook; ``before`` maps names to rows of earlier sheets."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, other in (before or {}).items():
        ws = wb.create_sheet(name)
        for row in other:
            ws.append(list(row))
    ws = wb.create_sheet(sheet)
    for row in rows:
        ws.append([None if v == "" else v for v in row])
    wb.save(path)
    return path


def write_csv(path: Path, rows: Rows, *, delimiter: str = ",", bom: bool = False) -> Path:
    """Write rows as a UTF-8 csv file, with or without a byte order mark."""
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as out:
        csv.writer(out, delimiter=delimiter).writerows([[str(v) for v in row] for row in rows])
    return path


def write_ods(path: Path, rows: Rows, *, sheet: str = "Answers") -> Path:
    """Write rows to a minimal OpenDocument spreadsheet (no odfpy needed)."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )

    def cell(value: object) -> str:
        if value == "" or value is None:
            return "<table:table-cell/>"
        if isinstance(value, bool):
            return (
                f'<table:table-cell office:value-type="boolean" office:boolean-value='
                f'"{str(value).lower()}"><text:p>{value}</text:p></table:table-cell>'
            )
        if isinstance(value, int | float):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return (
            f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p>'
            "</table:table-cell>"
        )

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_rows(path: Path, rows: Rows) -> Path:
    """Write rows in the format the path's extension names (csv, xlsx or ods)."""
    if path.suffix == ".csv":
        return write_csv(path, rows)
    if path.suffix == ".ods":
        return write_ods(path, rows)
    return write_xlsx(path, rows)
