"""One pre-filled scoring workbook per auditor, made from the sample file.

``caseaudit sample`` shares the cases out; each auditor then gets the framework's form (see
:mod:`caseaudit_lib.forms.template`) with their own cases already in it: every case row holds
its ``case_id``, ``auditor`` and ``case_type``, locked so that they cannot be changed by
mistake, while the answer, evidence and marking cells stay open. The sheet's protection has no
password: it guards against slips, not against the auditor.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from openpyxl.styles import Protection

from caseaudit_lib.errors import AuditDataError, Problem
from caseaudit_lib.forms.template import ANSWERS_SHEET, CASE_COLUMNS, FIRST_CASE_ROW, build_template
from caseaudit_lib.framework.model import Framework, load_framework
from caseaudit_lib.load.encrypted import encrypt_workbook
from caseaudit_lib.load.reading import header_key, read_audit_sheet

LOCKED_COLUMNS = ("case_id", "auditor", "case_type")
_UNSAFE = re.compile(r"[^\w\-]+")


def form_file_name(auditor: str) -> str:
    """Return an auditor's workbook name: letters, digits, "-" and "_" only, e.g. Auditor-A.xlsx."""
    stem = _UNSAFE.sub("-", auditor.strip()).strip("-")
    return f"{stem or 'auditor'}.xlsx"


def read_case_list(
    path: str | os.PathLike[str], framework: Framework
) -> dict[str, list[tuple[str, str]]]:
    """Return the sample file's cases by auditor: auditor -> [(case_id, case type label)].

    Raises:
        AuditDataError: A missing column, a blank cell, an unknown case type or a case listed
            twice; one located problem each.

    """
    sheet = read_audit_sheet(path)
    names = [header_key(n) for n in sheet.header_names]
    problems = [
        sheet.sheet_problem("error", "missing required column", column=name,
                            expected=f"a header cell {name!r}")
        for name in LOCKED_COLUMNS
        if name not in names
    ]  # fmt: skip
    if problems:
        raise AuditDataError(problems)
    cols = {name: names.index(name) for name in LOCKED_COLUMNS}
    body = sheet.grid.iloc[sheet.header_row + 1 :]
    body = body[(body.to_numpy(dtype=object) != "").any(axis=1)]
    by_auditor: dict[str, list[tuple[str, str]]] = {}
    seen: dict[str, str] = {}
    for row, values in body.iterrows():
        cells = {name: str(values[col]).strip() for name, col in cols.items()}
        for name, text in cells.items():
            if not text:
                problems.append(sheet.problem("error", row, cols[name], f"blank {name}"))
        type_id = framework.case_type_id(cells["case_type"])
        if cells["case_type"] and type_id is None:
            problems.append(
                sheet.problem(
                    "error", row, cols["case_type"], "unknown case type",
                    value=cells["case_type"],
                    expected="one of " + ", ".join(framework.case_types.values()),
                )
            )  # fmt: skip
        if cells["case_id"] in seen:
            problems.append(
                sheet.problem(
                    "error", row, cols["case_id"], "case listed twice",
                    expected=f"one row per case (the first is {seen[cells['case_id']]})",
                )
            )  # fmt: skip
        seen.setdefault(cells["case_id"], sheet.ref(row, cols["case_id"]))
        if all(cells.values()) and type_id is not None:
            label = framework.case_types[type_id]
            by_auditor.setdefault(cells["auditor"], []).append((cells["case_id"], label))
    if problems:
        raise AuditDataError(problems)
    if not by_auditor:
        raise AuditDataError([sheet.sheet_problem("error", "no cases in the case list")])
    return by_auditor


def form_paths(auditors: list[str], out_dir: Path) -> dict[str, Path]:
    """Return each auditor's workbook path in a folder, names made unique."""
    paths: dict[str, Path] = {}
    used: set[str] = set()
    for auditor in auditors:
        name = form_file_name(auditor)
        stem, n = name.removesuffix(".xlsx"), 2
        while name.lower() in used:  # two auditors whose names differ only in punctuation
            name, n = f"{stem}-{n}.xlsx", n + 1
        used.add(name.lower())
        paths[auditor] = out_dir / name
    return paths


def write_auditor_forms(
    framework: Framework | str,
    case_list: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    force: bool = False,
    password: str | None = None,
) -> list[Path]:
    """Write one pre-filled workbook per auditor of a sample file into a folder.

    With a ``password`` every workbook is password-protected (encrypted) with it.

    Returns:
        The workbooks written, in the order the auditors first appear in the case list.

    Raises:
        AuditDataError: The case list is faulty, or (without ``force``) a form exists already:
            it may hold an auditor's answers, so nothing is written.

    """
    if not isinstance(framework, Framework):
        framework = load_framework(framework)
    by_auditor = read_case_list(case_list, framework)
    out = Path(out_dir)
    paths = form_paths(list(by_auditor), out)
    existing = [p for p in paths.values() if p.exists()]
    if existing and not force:
        raise AuditDataError(
            [Problem("error", str(p), "the form exists; not overwritten",
                     expected="another folder, or --force to replace it")
             for p in existing]
        )  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for auditor, cases in by_auditor.items():
        workbook = build_template(framework, n_cases=len(cases), prefilled=True)
        ws = workbook[ANSWERS_SHEET]
        last_col = ws.max_column
        for offset, (case_id, label) in enumerate(cases):
            row = FIRST_CASE_ROW + offset
            values = {"case_id": case_id, "auditor": auditor, "case_type": label}
            for col in range(1, last_col + 1):
                ws.cell(row, col).protection = Protection(locked=False)
            for name_, value in values.items():
                cell = ws.cell(row, CASE_COLUMNS.index(name_) + 1, value)
                cell.protection = Protection(locked=True)
        # Protected so the case columns stay as drawn; columns can still be folded and resized.
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
        ws.protection.formatCells = False
        path = paths[auditor]
        workbook.save(path)
        if password:
            encrypt_workbook(path, password)
        written.append(path)
    return written
