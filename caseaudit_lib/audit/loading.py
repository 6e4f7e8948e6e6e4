"""One audit's answers, loaded, validated and pseudonymised: the input of every score.

``load_audit`` is the only way in: it reads the file, checks every cell, drops and pseudonymises
identifying columns, and only then builds the tables the rest of the package sees. The original
case ids never reach an :class:`Audit`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from caseaudit_lib.audit.workbooks import read_workbooks, validate_workbooks
from caseaudit_lib.errors import AuditDataError, Problem
from caseaudit_lib.framework.model import Framework, load_framework
from caseaudit_lib.load.answers import ANSWER_DTYPE
from caseaudit_lib.load.sources import DataSpec
from caseaudit_lib.privacy.free_text import withhold_identifiers
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig, apply_privacy
from caseaudit_lib.validate.shared import CASE_ID, ValidatedSheet


@dataclass
class Audit:
    """The cases and answers of one audit.

    Attributes:
        framework: The framework the answers belong to.
        source: The scoring file read.
        cases: One row per marking: case_id (pseudonym), marking ("first" or "second"), auditor,
            case_type (framework id), then the kept case attributes.
        answers: One row per marking and framework question: case_id, marking, auditor,
            case_type, theme_id, question_id, applies (bool), answer (Categorical of
            ``ANSWER_LEVELS``), comment ("" if none).
        warnings: Problems that did not stop loading, one line each.

    """

    framework: Framework
    source: Path
    cases: pd.DataFrame
    answers: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)

    def first_marking(self) -> Audit:
        """Return the audit restricted to first markings, the ones scores count."""
        return replace(
            self,
            cases=self.cases[self.cases["marking"] == "first"].reset_index(drop=True),
            answers=self.answers[self.answers["marking"] == "first"].reset_index(drop=True),
        )

    @property
    def n_cases(self) -> int:
        """Number of cases audited (first markings)."""
        return int((self.cases["marking"] == "first").sum())


def _framework(framework: Framework | str) -> Framework:
    return framework if isinstance(framework, Framework) else load_framework(framework)


def _validate(path: DataSpec, framework: Framework, privacy: PrivacyConfig) -> ValidatedSheet:
    sheets, unread = read_workbooks(path)
    if not sheets:
        raise AuditDataError(unread)
    # Before validation, so that no later step ever holds a name written in a comment.
    sheets, withheld = withhold_identifiers(sheets, privacy, framework)
    sheet = validate_workbooks(sheets, framework, privacy)
    sheet.problems[:0] = unread
    sheet.problems += withheld
    return sheet


def _source(path: DataSpec) -> Path:
    """Return the path an audit names as its source: the file, folder or glob, or the first."""
    if isinstance(path, str | os.PathLike):
        return Path(path)
    return Path(next(iter(path), "."))


def load_audit(
    path: DataSpec,
    framework: Framework | str,
    *,
    privacy: PrivacyConfig | None = None,
) -> Audit:
    """Load an audit scoring file (xlsx, xlsm, xls, xlsb, ods or csv; wide or long layout).

    Args:
        path: The scoring file, a folder of them, a glob, or a list of these: several files
            are one audit (see :mod:`caseaudit_lib.audit.workbooks`).
        framework: A :class:`Framework` or the name or path of one.
        privacy: Columns to drop or pseudonymise, and the salt; None for the defaults.

    Returns:
        The audit, with case ids pseudonymised and identifying columns dropped; warnings kept
        in ``Audit.warnings``.

    Raises:
        AuditDataError: The file cannot be read or has errors; one problem per error.

    """
    framework = _framework(framework)
    privacy = privacy or PrivacyConfig()
    sheet = _validate(path, framework, privacy)
    if sheet.errors:
        raise AuditDataError(sheet.errors)
    cases = apply_privacy(sheet.cases, privacy)
    return Audit(
        framework=framework,
        source=_source(path),
        cases=cases,
        answers=answers_table(cases, framework, sheet),
        warnings=[p for p in sheet.problems if p.severity == "warning"],
    )


def validate_file(
    path: DataSpec,
    framework: Framework | str,
    *,
    privacy: PrivacyConfig | None = None,
) -> list[Problem]:
    """Return every problem of an audit's scoring files, errors and warnings, in sheet order.

    ``path`` is as for :func:`load_audit`. Data problems, including an unreadable file, are
    returned, not raised.

    Raises:
        FrameworkError: The framework itself cannot be loaded.

    """
    framework = _framework(framework)
    try:
        return _validate(path, framework, privacy or PrivacyConfig()).problems
    except AuditDataError as error:
        return error.problems


def answers_table(cases: pd.DataFrame, framework: Framework, sheet: ValidatedSheet) -> pd.DataFrame:
    """Return the answers table: one row per marking and framework question.

    Args:
        cases: The cases table after privacy (pseudonymised case ids), in the order of
            ``sheet.cases``.
        framework: The framework.
        sheet: The validated sheet.

    """
    questions = framework.questions
    n_q = len(questions)
    # take() on typed arrays rather than building object arrays: pandas would otherwise infer
    # the type of every one of the (cases x questions) strings again.
    per_case = np.repeat(np.arange(len(cases)), n_q)
    per_question = np.tile(np.arange(n_q), len(cases))

    def each_question(column: str) -> pd.api.extensions.ExtensionArray:
        return pd.array(cases[column].astype(str).to_numpy(), dtype=str).take(per_case)

    def each_case(values: list[str]) -> pd.api.extensions.ExtensionArray:
        return pd.array(values, dtype=str).take(per_question)

    return pd.DataFrame(
        {
            CASE_ID: each_question(CASE_ID),
            "marking": each_question("marking"),
            "auditor": each_question("auditor"),
            "case_type": each_question("case_type"),
            "theme_id": each_case([q.theme_id for q in questions]),
            "question_id": each_case([q.id for q in questions]),
            "applies": sheet.applies.ravel(),
            "answer": pd.Categorical.from_codes(sheet.answers.ravel(), dtype=ANSWER_DTYPE),
            "comment": pd.array(sheet.comments.ravel(), dtype=str),
        }
    )
