"""The score tables as files: one csv per table and ``scores.xlsx`` with every table as a sheet.

CSV files hold percentages and percentage points rounded to 1 decimal (columns ending ``_pct``
or ``_pts``), kappa to 3 decimals, and leave missing values blank. Each file is written to a
temporary name in the same folder and then renamed over the old one, so a reader never sees half
a file and an interrupted run leaves the previous tables intact.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from caseaudit_lib.compare.comparison import COMPARISON_COLUMNS
from caseaudit_lib.paths import outputs_dir
from caseaudit_lib.pipeline import AuditResults, kept_results, score_params
from caseaudit_lib.score.scoring import AuditScores

if TYPE_CHECKING:
    from caseaudit_lib.config.params import AuditParams

QUESTION_SCORE_COLUMNS = [
    "audit_id", "theme_id", "question_id", "n_applicable", "n_sufficient", "score_pct",
    "ci_low_pct", "ci_high_pct",
    # Beyond the contract: what a reader needs to judge a question's percentage.
    "n_not_applicable", "n_not_answered", "rating", "question",
]  # fmt: skip
THEME_SCORE_COLUMNS = [
    "audit_id", "theme_id", "theme", "n_cases", "n_applicable", "n_sufficient", "score_pct",
    "ci_low_pct", "ci_high_pct", "rating",
    # Beyond the contract: the rule behind the score and the bands the interval spans, and the
    # design effect estimated from the clustering of answers in cases (issue 20).
    "scoring", "rating_low", "rating_high", "design_effect",
]  # fmt: skip
CSV_FILES = {
    "questions": "question_scores.csv",
    "themes": "theme_scores.csv",
    "comparison": "comparison.csv",
    "cases": "case_scores.csv",
    "auditors": "auditor_scores.csv",
}
XLSX_FILE = "scores.xlsx"
_MAX_WIDTH = 60


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table with percentages and points at 1 decimal and kappa at 3."""
    decimals = {c: 1 for c in table.columns if c.endswith(("_pct", "_pts"))}
    decimals |= {c: 3 for c in table.columns if c in ("kappa", "design_effect")}
    return table.round(decimals) if decimals else table


def score_tables(scores: AuditScores, comparison: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """Return every table to write, by sheet name, in the contract's column order."""
    tables = {
        "questions": scores.questions[QUESTION_SCORE_COLUMNS],
        "themes": scores.themes[THEME_SCORE_COLUMNS],
        "comparison": (
            pd.DataFrame(columns=COMPARISON_COLUMNS)
            if comparison is None
            else comparison[COMPARISON_COLUMNS]
        ),
        "cases": scores.cases,
        "auditors": scores.auditors,
        "agreement": scores.agreement,
    }
    if not scores.standards.empty:
        tables["standards"] = scores.standards
    if scores.overall:
        tables["overall"] = pd.DataFrame([{"audit_id": scores.audit_id, **scores.overall}])
    return tables


def _atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Write a file through a temporary name in the same folder, then rename it into place."""
    # A name of our own rather than mkstemp's, so the file gets the usual permissions.
    # The suffix is kept, for writers that choose the format by it.
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _format_sheet(sheet, table: pd.DataFrame) -> None:  # noqa: ANN001 - an openpyxl Worksheet
    """Make a sheet readable: bold frozen header, widths to fit, percentages at 1 decimal."""
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, column in enumerate(table.columns, start=1):
        letter = get_column_letter(i)
        values = table[column].astype(object).where(table[column].notna(), "")
        longest = max([len(str(column)), *(len(str(v)) for v in values)], default=8)
        sheet.column_dimensions[letter].width = min(longest + 2, _MAX_WIDTH)
        if str(column).endswith(("_pct", "_pts")):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "0.0"


def _write_xlsx(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """Write every table as a sheet, then format the sheets for people."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name, index=False, na_rep="")
            _format_sheet(writer.sheets[name], table)


def write_score_tables(
    scores: AuditScores, comparison: pd.DataFrame | None, out_dir: Path
) -> list[Path]:
    """Write the score tables of one audit.

    Args:
        scores: the audit's scores.
        comparison: the comparison table (``comparison.compare_all``), or None for none; an
            empty comparison.csv with its header is written either way.
        out_dir: the folder (created if missing).

    Returns:
        The files written: question_scores.csv, theme_scores.csv, comparison.csv,
        case_scores.csv, auditor_scores.csv and scores.xlsx (every table, agreement and HMIP
        standards too, as sheets).

    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = score_tables(scores, comparison)
    written = []
    for name, filename in CSV_FILES.items():
        table = _rounded(tables[name])
        written.append(
            _atomic(
                out_dir / filename,
                lambda tmp, t=table: t.to_csv(tmp, index=False, na_rep="", encoding="utf-8"),
            )
        )
    written.append(_atomic(out_dir / XLSX_FILE, lambda tmp: _write_xlsx(tables, tmp)))
    return written


def tables_dir(params: AuditParams) -> Path:
    """Return the folder the score tables of an audit go to: outputs/<audit_id>/tables."""
    return outputs_dir(params.audit_id) / "tables"


def write_tables(results: AuditResults, out_dir: Path | None = None) -> Path:
    """Write an audit's score tables (csv and scores.xlsx) and return their folder."""
    out_dir = out_dir or tables_dir(results.params)
    write_score_tables(results.scores, results.comparison, out_dir)
    return out_dir


def write_kept_tables(audit_id: str, params_file: str | Path, out_dir: str | Path) -> Path:
    """Write the tables of the audit this process has just scored (else score it) into out_dir.

    For the build's warm kernel, after an audit's notebooks: their results are kept there
    (:func:`caseaudit_lib.pipeline.kept_results`), so the audit is not scored again.
    """
    results = kept_results(audit_id) or score_params(params_file)
    return write_tables(results, Path(out_dir))
