"""A six-case audit on the mini framework, loaded and scored, for the notebook-view tests.

Assessment (Q1-Q3, pooled): Q1 5/6, Q2 3/5 (one blank), Q3 2/4 (applies to court orders only;
C6's "n" is a warning, treated as not applicable). Theme 10/15. Case C3 is 0/3: without it
the theme would be 10/12. Planning (Q4-Q5): Q4 4/6, Q5 3/4 (one blank, one n/a). Theme 7/10.
C1 is second-marked by auditor B, who disagrees on Q3.
"""

from __future__ import annotations

import csv
from pathlib import Path

from caseaudit_lib.params import AuditParams
from caseaudit_lib.pipeline import AuditResults, score_params

MINI = Path(__file__).parent / "data" / "frameworks" / "mini.yaml"

HEADER = ["case_id", "auditor", "case_type", "marking", "Q1", "Q1_comment", "Q2", "Q3", "Q4", "Q5"]
ROWS = [
    ["C1", "Auditor A", "RO", "first", "y", "Timely and thorough", "y", "y", "y", "y"],
    ["C2", "Auditor A", "RO", "first", "y", "", "n", "y", "y", ""],
    ["C3", "Auditor A", "YRO", "first", "n", "Assessment late, no review", "n", "n", "n", "n"],
    ["C4", "Auditor B", "OOCD", "first", "y", "", "y", "", "y", "n/a"],
    ["C5", "Auditor B", "YRO", "first", "y", "", "y", "n", "y", "y"],
    ["C6", "Auditor B", "OOCD", "first", "y", "", "", "n", "n", "y"],
    ["C1", "Auditor B", "RO", "second", "y", "", "y", "n", "y", "y"],
]


def mini_results(tmp_path: Path, *, caseload: int | None = 30) -> AuditResults:
    """Write the mini audit to a csv in tmp_path and return it scored."""
    data = tmp_path / "mini-audit.csv"
    with open(data, "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([HEADER, *ROWS])
    params = AuditParams(
        audit_id="mini-2016",
        title="Mini audit",
        service="Mini YOS",
        audit_date="2016-03-21",
        data_file=str(data),
        framework=str(MINI),
        caseload=caseload,
        sample_description="every case that started in the quarter",
    )
    return score_params(params)
