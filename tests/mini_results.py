"""A six-case audit on the mini framework, loaded and scored, for the notebook-view tests.

Assessment (Q1-Q3, pooled): Q1 5/6, Q2 3/5 (one blank), Q3 2/4 (applies to court orders only;
C6's "n" is a warning, treated as not applicable). Theme 10/15. Case C3 is 0/3: without it
the theme would be 10/12. Planning (Q4-Q5): Q4 4/6, Q5 3/4 (one blank, one n/a). Theme 7/10.
C1 is second-marked by auditor B, who disagrees on Q3.
"""

from __future__ import annotations

import csv
from pathlib import Path

from caseaudit_lib.config.params import AuditParams
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


PERCENTAGES = """\
id: mini-inspection
title: Mini inspection
date: "2014-06-01"
source: made up
service: Mini YOS
kind: percentages
framework: mini
themes:
  - {theme_id: assessment, n_applicable: 10, n_sufficient: 2}
"""
JUDGEMENTS = """\
id: mini-judged
title: Mini judgements
date: "2015-05-01"
source: made up
service: Mini YOS
kind: judgements
framework: mini
scale: [Good, Satisfactory, Unsatisfactory, Poor]
areas:
  - {id: plans, label: Planning well, judgement: Poor, themes: [planning]}
"""
EARLIER = """\
audit_id: mini-2015
title: Earlier mini audit
service: Mini YOS
audit_date: "2015-03-01"
data_file: {data}
framework: {framework}
caseload: 30
"""


def mini_results(
    tmp_path: Path, *, caseload: int | None = 30, compared: bool = False
) -> AuditResults:
    """Write the mini audit to a csv in tmp_path and return it scored.

    With ``compared``, the audit also has a percentages baseline (assessment 2 of 10), a
    judgements baseline (planning judged Poor) and an earlier audit with the same answers.
    """
    data = tmp_path / "mini-audit.csv"
    with open(data, "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([HEADER, *ROWS])
    baselines: tuple[str, ...] = ()
    earlier: tuple[str, ...] = ()
    if compared:
        (tmp_path / "pct.yaml").write_text(PERCENTAGES, encoding="utf-8")
        (tmp_path / "judged.yaml").write_text(JUDGEMENTS, encoding="utf-8")
        text = EARLIER.format(data=data, framework=MINI)
        (tmp_path / "mini-2015.yaml").write_text(text, encoding="utf-8")
        baselines = (str(tmp_path / "pct.yaml"), str(tmp_path / "judged.yaml"))
        earlier = (str(tmp_path / "mini-2015.yaml"),)
    params = AuditParams(
        audit_id="mini-2016",
        title="Mini audit",
        service="Mini YOS",
        audit_date="2016-03-21",
        data_file=str(data),
        framework=str(MINI),
        caseload=caseload,
        sample_description="every case that started in the quarter",
        baselines=baselines,
        earlier_audits=earlier,
    )
    return score_params(params)
