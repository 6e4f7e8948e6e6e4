"""Loading and scoring one audit from its params: the one way, for this audit and earlier ones.

:func:`caseaudit_lib.pipeline.score_params` scores the audit a notebook or command is about;
an earlier audit named in its params (``compare.baseline``: an answers baseline) is scored the
same way, by :func:`load_and_score`, so the two can never differ in how they read or count.
"""

from __future__ import annotations

from pathlib import Path

from caseaudit_lib.audit.blank_form import blank_form_error
from caseaudit_lib.audit.loading import Audit, load_audit
from caseaudit_lib.config.checks import caseload_covers, raise_if_caseload_too_small
from caseaudit_lib.config.params import AuditParams
from caseaudit_lib.errors import ParamsError
from caseaudit_lib.framework.model import Framework, load_framework
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig
from caseaudit_lib.score.scoring import AuditScores, score_audit
from caseaudit_lib.yaml_fields import FieldChecker, locate


def params_file(params: AuditParams) -> str:
    """Return the params file of an audit as its errors name it (``params/<audit_id>.yaml``)."""
    return params.source or f"params/{params.audit_id}.yaml"


def privacy_config(params: AuditParams, where: str | None = None) -> PrivacyConfig:
    """Return the privacy settings of an audit's params (``where`` names the file in errors)."""
    where = where or params_file(params)
    try:
        return PrivacyConfig.from_params(params.to_dict()["privacy"], file=where)
    except ParamsError as exc:  # e.g. privacy.drop names case_id: give the problem its line
        raise ParamsError(locate(exc.problems, where, params.lines)) from None


def load_and_score(
    params: AuditParams, *, where: str | None = None
) -> tuple[Framework, Audit, AuditScores]:
    """Return an audit's framework, its loaded audit and its scores, given its params.

    Args:
        params: the audit's params.
        where: the params file to name in errors (default ``params/<audit_id>.yaml``).

    Raises:
        AuditDataError: the scoring file has errors, or holds no case.
        ParamsError: the caseload or organisational ratings do not fit the audit.

    """
    where = where or params_file(params)
    framework = load_framework(params.framework)
    audit = load_audit(params.data_path, framework, privacy=privacy_config(params, where))
    if audit.n_cases == 0:
        raise blank_form_error(str(params.data_file))
    raise_if_caseload_too_small(params, audit.n_cases)
    scores = score_audit(
        audit,
        audit_id=params.audit_id,
        caseload=params.caseload,
        organisational_ratings=dict(params.organisational_ratings) or None,
        source=where,
    )
    return framework, audit, scores


def load_and_score_file(
    data_file: str | Path,
    framework: str,
    *,
    audit_id: str,
    caseload: int | None = None,
    checker: FieldChecker | None = None,
) -> AuditScores:
    """Return the scores of a scoring file read with the default privacy settings (no params).

    Args:
        data_file: the scoring file.
        framework: its framework's name or path.
        audit_id: the id its tables carry.
        caseload: the caseload it was drawn from, if known.
        checker: the checker of the YAML file that named it, to locate a caseload fault.

    """
    audit = load_audit(data_file, framework)
    if checker is not None:
        caseload_covers(checker, "caseload", caseload, audit.n_cases, str(data_file))
        if checker.problems:
            raise ParamsError(checker.problems)
    return score_audit(audit, audit_id=audit_id, caseload=caseload)
