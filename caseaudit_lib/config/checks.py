"""The checks of a params file's values, and the caseload rules that baselines share.

:func:`check_params` turns the values of a params file (or of a notebook's parameters) into
:class:`~caseaudit_lib.config.audit_params.AuditParams`, with every fault recorded by the
:class:`~caseaudit_lib.yaml_fields.FieldChecker` it is given. :func:`check_caseload` and
:func:`caseload_covers` are public because baselines, which have a caseload too, use them.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Mapping
from typing import Any

from caseaudit_lib.config.audit_params import (
    GROUPING_NAMES,
    PARAMETER_NAMES,
    REQUIRED_NAMES,
    AuditParams,
)
from caseaudit_lib.config.password_env import (
    VARIABLE_NAME_EXPECTED,
    is_variable_name,
    use_password_env,
)
from caseaudit_lib.errors import ParamsError
from caseaudit_lib.framework.model import available_frameworks
from caseaudit_lib.paths import resolve
from caseaudit_lib.yaml_fields import NO_VALUE, FieldChecker, one_of

AUDIT_ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")
AUDIT_ID_EXPECTED = "lower-case letters, digits, '-' or '_', e.g. bromley-2016"
PRIVACY_KEYS = ("drop", "pseudonymise", "patterns")
# Not a notebook parameter: the NAME of the environment variable holding the password of the
# audit's protected workbooks. It reaches child processes and kernels through the environment.
PASSWORD_ENV = "password_env"


def check_caseload(c: FieldChecker, key: str, value: Any) -> int | None:
    """Return a caseload: a whole number of cases, at least 1, or None."""
    return c.whole(key, value, minimum=1, optional=True, what="cases")


def caseload_covers(
    c: FieldChecker, key: str, caseload: int | None, n_cases: int, data_file: str
) -> None:
    """Record a fault when a caseload is smaller than the cases audited from it (it cannot be)."""
    if caseload is not None and caseload < max(n_cases, 1):
        c.fault(
            key,
            caseload,
            f"caseload {caseload} is smaller than the {n_cases} cases audited in {data_file}",
            f"at least {n_cases}, the cases open at the service",
        )


def raise_if_caseload_too_small(params: AuditParams, n_cases: int) -> None:
    """Raise ParamsError, naming the params file, key and line, if caseload < cases audited."""
    c = FieldChecker(params.source or f"params/{params.audit_id}.yaml", params.lines)
    caseload_covers(c, "caseload", params.caseload, n_cases, params.data_file)
    if c.problems:
        raise ParamsError(c.problems)


def _data_file(c: FieldChecker, value: Any) -> str | None:
    """Check a data file: one scoring file, a folder of them or a glob that matches a file."""
    text = c.text("data_file", value)
    if text is None or not c.check_files:
        return text
    path = resolve(text)
    if glob.has_magic(text):
        if not glob.glob(str(path)):
            c.fault("data_file", text, "no file matches", f"files matching {path}")
    elif not (path.is_file() or path.is_dir()):
        c.fault("data_file", text, "file not found", f"an existing file or folder ({path})")
    return text


def _framework(c: FieldChecker, key: str, value: Any) -> str | None:
    """Check a framework name (packaged) or path (a file)."""
    text = c.text(key, value)
    if text is None:
        return None
    if "/" in text or "\\" in text or text.endswith((".yaml", ".yml")):
        if c.check_files and not resolve(text).is_file():
            c.fault(key, text, "framework file not found", "an existing YAML file")
        return text
    names = available_frameworks()
    if names and text not in names:
        c.fault(key, text, "unknown framework", one_of(text, names))
    return text


def _ratings(c: FieldChecker, key: str, value: Any) -> dict[str, str]:
    """Return organisational ratings, standard id -> rating word."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        c.fault(key, value, "not a mapping", 'standard: rating, e.g. {"1.1": Good}')
        return {}
    out = {}
    for standard, rating in value.items():
        # An unquoted 1.1 reads as a number; the standard's id is the text.
        sid = str(standard).strip()
        if not isinstance(rating, str) or not rating.strip():
            c.fault(f"{key}.{sid}", rating, "not a rating", "a rating word, e.g. Good")
            continue
        out[sid] = rating.strip()
    return out


def _privacy(c: FieldChecker, key: str, value: Any) -> dict[str, tuple[str, ...]]:
    """Return the privacy settings: columns to drop, to pseudonymise; comment patterns."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        c.fault(key, value, "not a mapping", "{drop: [...], pseudonymise: [...]}")
        return {}
    c.unknown_keys(key, value, PRIVACY_KEYS)
    out = {}
    for sub in PRIVACY_KEYS:
        if sub in value:
            columns = c.texts(f"{key}.{sub}", value[sub])
            if columns is not None:
                out[sub] = columns
    return out


def _password_env(c: FieldChecker, value: Any) -> str | None:
    """Return the name of the variable holding the workbooks' password, and put it in use."""
    if value is None:
        return None
    if not isinstance(value, str) or not is_variable_name(value.strip()):
        # Never echoed: a value that is not a variable's name may be the password itself.
        c.fault(
            PASSWORD_ENV,
            NO_VALUE,
            "not the name of an environment variable (the password never goes in this file)",
            f"{VARIABLE_NAME_EXPECTED}: the variable holding the password",
        )
        return None
    use_password_env(value.strip())
    return value.strip()


def check_params(values: Mapping[str, Any], c: FieldChecker) -> AuditParams:
    """Check every value, then build the params or raise one ParamsError with every fault."""
    c.required("", values, [n for n in PARAMETER_NAMES if n in REQUIRED_NAMES])
    c.unknown_keys("", values, (*PARAMETER_NAMES, *GROUPING_NAMES, PASSWORD_ENV))
    get = values.get

    def given(name: str, check: Any) -> Any:
        # A missing required key is reported once, above; checking it again would say it twice.
        return check(name, values[name]) if name in values else None

    description = None if get("sample_description") == "" else get("sample_description")
    audit_id = given("audit_id", c.text)
    if audit_id is not None and not AUDIT_ID_PATTERN.match(audit_id):
        c.fault("audit_id", audit_id, "not a valid audit id", AUDIT_ID_EXPECTED)
    kw: dict[str, Any] = {
        "audit_id": audit_id,
        "title": given("title", c.text),
        "service": given("service", c.text),
        "audit_date": given("audit_date", c.date),
        "audit_end_date": c.date("audit_end_date", get("audit_end_date"), optional=True),
        "data_file": given("data_file", lambda _, v: _data_file(c, v)),
        "framework": given("framework", lambda k, v: _framework(c, k, v)),
        "caseload": check_caseload(c, "caseload", get("caseload")),
        "sample_description": c.text("sample_description", description, optional=True) or "",
        "baselines": c.paths("baselines", get("baselines")),
        "earlier_audits": c.paths("earlier_audits", get("earlier_audits")),
        "findings_file": c.path("findings_file", get("findings_file"), optional=True),
        "organisational_ratings": _ratings(
            c, "organisational_ratings", get("organisational_ratings")
        ),
        "privacy": _privacy(c, "privacy", get("privacy")),
        PASSWORD_ENV: _password_env(c, get(PASSWORD_ENV)),
    }
    region = c.text("region", get("region"), optional=True)
    start, end = kw["audit_date"], kw["audit_end_date"]
    if start and end and end < start:
        c.fault("audit_end_date", end, "ends before the audit starts", f"on or after {start}")
    if c.problems:
        raise ParamsError(c.problems)
    return AuditParams(**kw, region=region, source=c.source, lines=dict(c.lines))
