"""The parameters of one audit (:class:`AuditParams`) and the names a parameters cell declares."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caseaudit_lib.paths import resolve

# Metadata of the fields that say where the params came from: they are not parameters.
_NOT_A_PARAMETER = {"parameter": False}


@dataclass(frozen=True)
class AuditParams:
    """The parameters of one audit, as written in its params file (paths as given, unresolved).

    ``source`` (the params file as problems name it, or "notebook parameters") and ``lines``
    (the line of each key in that file) are not parameters: they let a problem found later, such
    as a caseload smaller than the cases audited, name the file, key and line.
    """

    audit_id: str
    title: str
    service: str
    audit_date: str
    data_file: str
    framework: str
    audit_end_date: str | None = None
    caseload: int | None = None
    sample_description: str = ""
    baselines: tuple[str, ...] = ()
    earlier_audits: tuple[str, ...] = ()
    findings_file: str | None = None
    # Left out of the hash (mappings have none), so params can still key a dict or a cache.
    organisational_ratings: Mapping[str, str] = field(default_factory=dict, hash=False)
    privacy: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    # The region the service belongs to, for the regional view only: not a notebook parameter,
    # since no report of one audit depends on it.
    region: str | None = field(default=None, metadata=_NOT_A_PARAMETER)
    # The NAME of the environment variable holding the password of protected workbooks (never
    # the password); not a notebook parameter: kernels inherit it through the environment.
    password_env: str | None = field(default=None, metadata=_NOT_A_PARAMETER)
    # Where the values came from: the same values from a file or a notebook are equal params.
    source: str = field(default="", compare=False, repr=False, metadata=_NOT_A_PARAMETER)
    lines: Mapping[str, int] = field(
        default_factory=dict, compare=False, repr=False, metadata=_NOT_A_PARAMETER
    )

    @property
    def data_path(self) -> Path:
        """Return the scoring file, folder or glob, resolved against the project root."""
        return resolve(self.data_file)

    @property
    def baseline_paths(self) -> list[Path]:
        """Return the baseline files, resolved."""
        return [resolve(p) for p in self.baselines]

    @property
    def earlier_audit_paths(self) -> list[Path]:
        """Return the params files of the earlier audits, resolved."""
        return [resolve(p) for p in self.earlier_audits]

    @property
    def findings_path(self) -> Path | None:
        """Return the findings file, resolved, or None."""
        return resolve(self.findings_file) if self.findings_file else None

    @property
    def date(self) -> dt.date:
        """Return the audit's (first) date."""
        return dt.date.fromisoformat(self.audit_date)

    def to_dict(self) -> dict[str, Any]:
        """Return the parameters as plain YAML-able values (lists, dicts), e.g. for papermill."""
        out = {name: getattr(self, name) for name in PARAMETER_NAMES}
        out["baselines"] = list(self.baselines)
        out["earlier_audits"] = list(self.earlier_audits)
        out["organisational_ratings"] = dict(self.organisational_ratings)
        out["privacy"] = {k: list(v) for k, v in self.privacy.items()}
        return out


# Keys of a params file that group audits for pages beyond one audit's report.
GROUPING_NAMES: tuple[str, ...] = ("region",)
_FIELDS = {f.name: f for f in dataclasses.fields(AuditParams) if f.metadata.get("parameter", True)}
PARAMETER_NAMES: tuple[str, ...] = tuple(_FIELDS)
REQUIRED_NAMES: frozenset[str] = frozenset(
    name
    for name, f in _FIELDS.items()
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
)


def defaults() -> dict[str, Any]:
    """Return every parameter name with its default (None for the required ones).

    A notebook's ``parameters`` cell declares exactly these names; the required ones point at
    the bundled sample there, the others start from these values.
    """
    out: dict[str, Any] = {}
    for name, f in _FIELDS.items():
        if f.default_factory is not dataclasses.MISSING:
            out[name] = f.default_factory()
        elif f.default is dataclasses.MISSING:
            out[name] = None
        else:
            out[name] = list(f.default) if isinstance(f.default, tuple) else f.default
    return out
