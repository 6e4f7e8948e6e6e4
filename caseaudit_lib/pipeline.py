"""One audit from its params file to every number the notebooks and the report show.

load → validate → pseudonymise (``load_audit``) → score (``score_audit``) → compare with the
baselines and the latest earlier audit (``compare_all``) → trend over every audit of the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from caseaudit_lib.audit.blank_form import blank_form_error
from caseaudit_lib.audit.loading import Audit, load_audit
from caseaudit_lib.compare.baseline import Baseline, baseline_from_params, load_baseline
from caseaudit_lib.compare.comparison import compare_all, compare_questions, trend
from caseaudit_lib.config.params import AuditParams, earlier_chain, load_params
from caseaudit_lib.framework.model import Framework, load_framework
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig
from caseaudit_lib.score.scoring import AuditScores, score_audit


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
        raise blank_form_error(str(params.data_file))
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
