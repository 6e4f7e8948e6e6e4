"""One audit from its params file to every number the notebooks and the report show.

load → validate → pseudonymise → score (``score.from_params.load_and_score``, the same for
earlier audits) → compare with the baselines and the latest earlier audit (``compare_all``) →
trend over every audit of the service. ``privacy_config`` is re-exported for the build.

A build runs an audit's five notebooks in one warm kernel, and each starts with
``score_params``: :func:`remember_results` (switched on in that kernel only) keeps the last
results, keyed by the parameters and the content of every input (the audit's manifest), so
the audit is loaded and scored once per kernel instead of once per notebook.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from caseaudit_lib.audit.loading import Audit
from caseaudit_lib.compare.baseline import Baseline, baseline_from_params, load_baseline
from caseaudit_lib.compare.comparison import compare_all, compare_questions, trend
from caseaudit_lib.config.params import AuditParams, earlier_chain, load_params
from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.framework.model import Framework
from caseaudit_lib.manifest import SCORES, manifest_of_params
from caseaudit_lib.score.from_params import load_and_score, privacy_config
from caseaudit_lib.score.scoring import AuditScores

__all__ = ["AuditResults", "kept_results", "privacy_config", "remember_results", "score_params"]

# The results kept by remember_results(): None when off, else {key: results} (one entry).
_kept: dict[str, AuditResults] | None = None


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


def remember_results(on: bool = True) -> None:
    """Keep the last audit's results for the next :func:`score_params` of the same inputs.

    For a build's warm kernel, whose notebooks all score the same audit; off (the default)
    everywhere else, so an analyst editing a scoring file in JupyterLab always sees it anew.
    """
    global _kept
    _kept = {} if on else None


def inputs_key(params: AuditParams) -> str:
    """Return what identifies an audit's results: its parameters and its scores-stage inputs.

    The inputs by content, from the audit's manifest (:mod:`caseaudit_lib.manifest`): a
    workbook edited inside a data folder, a salt changed in the environment, a baseline's own
    params changed, each gives another key.
    """
    manifest = manifest_of_params(params, pdf_engine="")  # the PDF's printer scores nothing
    parts = [params.to_dict(), str(Path.cwd()), manifest.digest(SCORES)]
    return json.dumps(parts, sort_keys=True, default=str)


def score_params(params: AuditParams | str | Path) -> AuditResults:
    """Load, score and compare one audit given its params (or its params file)."""
    if not isinstance(params, AuditParams):
        params = load_params(params)
    if _kept is None:
        return _score(params)
    try:
        key = inputs_key(params)
    except CaseAuditError:  # e.g. a broken earlier audit: scoring reports it, located
        return _score(params)
    if key not in _kept:
        results = _score(params)  # raises on bad input: nothing is kept
        # Computed when first read: once here, not once in each notebook's copy.
        results.scores.auditors, results.scores.agreement  # noqa: B018
        _kept.clear()
        _kept[key] = results
    # A copy each time: one notebook changing a table in place must not change the next one's.
    return copy.deepcopy(_kept[key])


def kept_results(audit_id: str) -> AuditResults | None:
    """Return the results :func:`remember_results` keeps for an audit, if its inputs are unchanged.

    For the build, which writes the score tables in the kernel that has just run the audit's
    notebooks. The object kept is returned, not a copy: read it, do not change it.
    """
    if not _kept:
        return None
    key, results = next(iter(_kept.items()))
    if results.params.audit_id != audit_id:
        return None
    try:
        current = inputs_key(results.params)
    except CaseAuditError:
        return None
    return results if current == key else None


def _score(params: AuditParams) -> AuditResults:
    framework, audit, scores = load_and_score(params)
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
