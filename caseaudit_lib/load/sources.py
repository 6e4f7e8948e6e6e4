"""Which scoring files an audit's ``data_file`` names: one file, a folder of them, or a glob.

Each auditor fills their own copy of the form, so an audit often arrives as a folder of
workbooks. A folder means every scoring file directly in it (xlsx, xlsm, xls, xlsb, ods, csv),
in name order; the lock files Excel and LibreOffice leave beside an open workbook
(``~$name.xlsx``, ``.~lock.name.ods#``) and other hidden files are skipped. A path with ``*``,
``?`` or ``[`` is a glob (``data/audit-2016/*.xlsx``), matched in name order too.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

from caseaudit_lib.errors import AuditDataError, Problem

EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_EXTENSIONS = (".csv",)
SCORING_EXTENSIONS = EXCEL_EXTENSIONS + CSV_EXTENSIONS
LOCK_PREFIXES = ("~$", ".~lock.", ".")

DataSpec = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


def is_scoring_file(path: Path) -> bool:
    """Return whether a file in a folder is one to read: a scoring extension and not a lock file."""
    return (
        path.is_file()
        and path.suffix.lower() in SCORING_EXTENSIONS
        and not path.name.startswith(LOCK_PREFIXES)
    )


def is_glob(text: str) -> bool:
    """Return whether a path as written is a glob pattern (holds ``*``, ``?`` or ``[``)."""
    return glob.has_magic(text)


def data_files(spec: DataSpec) -> list[Path]:
    """Return the scoring files a path, folder, glob (or a list of them) names, in order.

    A plain file is returned as it is, whatever its extension, so that reading it reports a
    missing file or a wrong extension in its own words. Paths are taken as given (a relative
    one from the working directory; params files resolve theirs against the project root
    first). A file named twice is returned once.

    Raises:
        AuditDataError: A folder holds no scoring file, or a glob matches none.

    """
    specs = [spec] if isinstance(spec, str | os.PathLike) else list(spec)
    found: list[Path] = []
    problems: list[Problem] = []
    for item in specs:
        text = os.fspath(item)
        path = Path(text)
        if is_glob(text):
            matches = [Path(p) for p in sorted(glob.glob(str(path)))]
            files = [p for p in matches if is_scoring_file(p)]
            if not files:
                problems.append(
                    Problem(
                        "error",
                        text,
                        "no scoring file matches this pattern",
                        expected=", ".join(SCORING_EXTENSIONS) + " files",
                    )
                )
            found += files
        elif path.is_dir():
            files = sorted(p for p in path.iterdir() if is_scoring_file(p))
            if not files:
                problems.append(
                    Problem(
                        "error",
                        text,
                        "no scoring file in this folder",
                        expected=", ".join(SCORING_EXTENSIONS) + " files",
                    )
                )
            found += files
        else:
            found.append(path)
    if problems:
        raise AuditDataError(problems)
    return list(dict.fromkeys(found))
