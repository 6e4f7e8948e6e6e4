"""Fill workbooks in LibreOffice through UNO and save them in other formats (a test helper).

Run by the SYSTEM python3 (Debian's python3-uno), never the project's: it connects to a
``soffice --headless --invisible`` already listening on a pipe, opens each workbook hidden, sets
each cell's ``FormulaLocal`` (read as typing into the cell is: "50%" becomes a percentage and
"12/01/2016" a date, unless the cell is formatted as text; ``setFormula``, tried first, reads
input the API's way and makes "50%" the number 0.5 even in a text cell, which typing never
does), stores the document with each filter asked for and closes it. Only
model calls are made: view and dispatcher actions on a hidden document were seen to crash
LibreOffice 7.4 headless a second later. It also reports what LibreOffice made of each form: the
frozen rows and columns of every sheet (the view data imported with the file) and the height
of every used row.

    python3 uno_fill.py PIPE_NAME PLAN.json RESULT.json

PLAN: {"deadline_s": 60, "jobs": [{"source": "/abs/form.xlsx",
       "cells": [["Answers", "A4", "C01"], ...],
       "save": [["/abs/out.ods", "calc8"], ["/abs/locked.xls", "MS Excel 97", "password"]]}]}
"""

import json
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def props(**values):
    out = []
    for name, value in values.items():
        p = PropertyValue()
        p.Name, p.Value = name, value
        out.append(p)
    return tuple(out)


def connect(pipe, deadline):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if time.monotonic() > deadline:
                raise SystemExit(
                    "uno_fill: LibreOffice did not answer on its pipe in time"
                ) from None
            time.sleep(0.25)


def view_data(doc):
    """Return each sheet's frozen rows and columns as LibreOffice imported them."""
    out = {}
    data = doc.getViewData()
    if data is None or data.getCount() == 0:
        return out
    first = {p.Name: p.Value for p in data.getByIndex(0)}
    tables = first.get("Tables")
    if tables is None:
        return out
    for name in tables.getElementNames():
        entry = {p.Name: p.Value for p in tables.getByName(name)}
        # Split mode 2 is "frozen"; a frozen split's position is then a row (column) count,
        # and PositionBottom (PositionRight) the first row (column) of the scrolling pane.
        out[name] = {
            "frozen": entry.get("VerticalSplitMode") == 2,
            "rows": entry.get("VerticalSplitPositionTwips"),
            "first_scrolling_row": entry.get("PositionBottom"),
            "cols": entry.get("HorizontalSplitPositionTwips"),
            "first_scrolling_col": entry.get("PositionRight"),
        }
    return out


def row_heights(doc):
    """Return every sheet's used rows' heights, in 1/100 mm."""
    out = {}
    sheets = doc.getSheets()
    for name in sheets.getElementNames():
        sheet = sheets.getByName(name)
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        last = cursor.getRangeAddress().EndRow
        rows = sheet.getRows()
        out[name] = [rows.getByIndex(i).Height for i in range(last + 1)]
    return out


def main():
    pipe, plan_path, result_path = sys.argv[1:4]
    with open(plan_path, encoding="utf-8") as handle:
        plan = json.load(handle)
    deadline = time.monotonic() + plan.get("deadline_s", 60)
    context = connect(pipe, deadline)
    desktop = context.ServiceManager.createInstanceWithContext(
        "com.sun.star.frame.Desktop", context
    )
    results = []
    for job in plan["jobs"]:
        url = uno.systemPathToFileUrl(job["source"])
        doc = desktop.loadComponentFromURL(url, "_blank", 0, props(Hidden=True))
        if doc is None:
            raise SystemExit(f"uno_fill: LibreOffice could not open {job['source']}")
        try:
            report = {"source": job["source"], "view": view_data(doc)}
            report["heights_before"] = row_heights(doc)
            sheets = doc.getSheets()
            for sheet_name, ref, text in job.get("cells", []):
                cell = sheets.getByName(sheet_name).getCellRangeByName(ref)
                cell.setPropertyValue("FormulaLocal", text)
            for target, filter_name, *password in job.get("save", []):
                # A third item is a password: the file saved encrypted, as "Save with password".
                extra = {"Password": password[0]} if password else {}
                doc.storeToURL(
                    uno.systemPathToFileUrl(target),
                    props(FilterName=filter_name, Overwrite=True, **extra),
                )
            results.append(report)
        finally:
            doc.close(True)
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump({"jobs": results}, handle)


if __name__ == "__main__":
    main()
