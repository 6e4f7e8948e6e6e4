"""One audit from its params file to every number the notebooks and the report show.

load → validate → pseudonymise (``load_audit``) → score (``score_audit``) → compare with the
baselines and the latest earlier audit (``compare_all``) → trend over every audit of the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from caseaudit_lib.audit import Audit, load_audit
from caseaudit_lib.baseline import Baseline, baseline_from_params, load_baseline
from caseaudit_lib.comparison import compare_all, compare_questions, trend
from caseaudit_lib.errors import AuditDataError, Problem
from caseaudit_lib.framework import Framework, load_framework
from caseaudit_lib.params import AuditParams, earlier_chain, load_params
from caseaudit_lib.paths import outputs_dir
from caseaudit_lib.privacy import PrivacyConfig
from caseaudit_lib.scoring import AuditScores, score_audit
from caseaudit_lib.tables import write_score_tables


@dataclass
class AuditResults:
    """One audit loaded, scored and compared: what every notebook starts from."""

    params: AuditParams
    framework: Framework
    audit: Audit
    scores: AuditScores
    baselines: list[Baseline]
    earlier: list[AuditParams]
    earlier_scores: list[AuditScores]
    comparison: pd.DataFrame
    question_comparison: pd.DataFrame
    trend: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def previous(self) -> AuditScores | None:
        """Return the scores of the latest earlier audit, if there is one."""
        return self.earlier_scores[-1] if self.earlier_scores else None


def privacy_config(params: AuditParams) -> PrivacyConfig:
    """Return the privacy settings of an audit's params."""
    return PrivacyConfig.from_params(
        params.to_dict()["privacy"], file=f"params/{params.audit_id}.yaml"
    )


def score_params(params: AuditParams | str | Path) -> AuditResults:
    """Load, score and compare one audit given its params (or its params file)."""
    if not isinstance(params, AuditParams):
        params = load_params(params)
    framework = load_framework(params.framework)
    audit = load_audit(params.data_path, framework, privacy=privacy_config(params))
    if audit.n_cases == 0:
        raise AuditDataError(
            [Problem("error", str(params.data_file), "no cases to score: the form is blank")]
        )
    scores = score_audit(
        audit,
        audit_id=params.audit_id,
        caseload=params.caseload,
        organisational_ratings=dict(params.organisational_ratings) or None,
    )
    baselines = [load_baseline(path) for path in params.baseline_paths]
    earlier = earlier_chain(params)
    earlier_scores = [baseline_from_params(p).scores() for p in earlier]
    # The comparison table holds every baseline and the latest earlier audit; older audits are
    # in the trend, each against the audit before it.
    against: list[Baseline | AuditScores] = [*baselines, *earlier_scores[-1:]]
    comparison = compare_all(scores, against, framework=framework)
    question_tables = [compare_questions(scores, b, framework=framework) for b in against]
    question_comparison = (
        pd.concat(question_tables, ignore_index=True) if question_tables else pd.DataFrame()
    )
    dates = [p.audit_date for p in earlier] + [params.audit_date]
    return AuditResults(
        params=params,
        framework=framework,
        audit=audit,
        scores=scores,
        baselines=baselines,
        earlier=earlier,
        earlier_scores=earlier_scores,
        comparison=comparison,
        question_comparison=question_comparison,
        trend=trend([*earlier_scores, scores], dates),
        notes=[str(w) for b in baselines for w in b.warnings],
    )


def tables_dir(params: AuditParams) -> Path:
    """Return the folder the score tables of an audit go to: outputs/<audit_id>/tables."""
    return outputs_dir(params.audit_id) / "tables"


def write_tables(results: AuditResults, out_dir: Path | None = None) -> Path:
    """Write an audit's score tables (csv and scores.xlsx) and return their folder."""
    out_dir = out_dir or tables_dir(results.params)
    write_score_tables(results.scores, results.comparison, out_dir)
    return out_dir


def summary_table(results: AuditResults) -> str:
    """Return the theme scores as a plain-text table for the console."""
    themes = results.scores.themes
    rows = [("Theme", "n", "Score", "95% interval", "Rating")]
    for row in themes.itertuples():
        if pd.isna(row.score_pct):
            rows.append((row.theme, str(row.n_applicable), "no data", "", ""))
            continue
        rows.append(
            (
                row.theme,
                str(row.n_applicable),
                f"{row.score_pct:.0f}%",
                f"{row.ci_low_pct:.0f}%–{row.ci_high_pct:.0f}%",
                str(row.rating or ""),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    title = f"{results.params.title} ({results.params.audit_id}): {results.audit.n_cases} cases"
    return "\n".join([title, *lines])
