"""One audit's parameters: the params YAML file, which is also the notebooks' papermill input.

The same names are read three ways: :func:`load_params` reads ``params/<audit_id>.yaml``;
:func:`params_from_namespace` collects them from a notebook's globals (its ``parameters`` cell
plus papermill's injected cell); :func:`defaults` gives the values a parameters cell starts from.
Every fault is reported at once, one line each naming the file, line and key, as a
:class:`~caseaudit_lib.errors.ParamsError`. The values' checks are in
:mod:`caseaudit_lib.config.checks`, the dataclass in :mod:`caseaudit_lib.config.audit_params`
(both re-exported here, the config stage's public surface).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from caseaudit_lib.config.audit_params import PARAMETER_NAMES, REQUIRED_NAMES, AuditParams, defaults
from caseaudit_lib.config.checks import check_params, raise_if_caseload_too_small
from caseaudit_lib.errors import ParamsError, Problem
from caseaudit_lib.paths import display_path
from caseaudit_lib.yaml_fields import FieldChecker, read_yaml_mapping, show_value

__all__ = [
    "PARAMETER_NAMES",
    "REQUIRED_NAMES",
    "AuditParams",
    "defaults",
    "display_path",
    "earlier_chain",
    "load_params",
    "params_from_namespace",
    "raise_if_caseload_too_small",
]

# A notebook's one parameter that is not a params key: the params file its values start from.
PARAMS_FILE = "params_file"
# Names IPython and Jupyter put in a notebook's globals; never parameters.
_IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})


def load_params(path: str | Path, *, check_files: bool = True) -> AuditParams:
    """Read one audit's params YAML file.

    Args:
        path: the params file; relative paths are relative to the project root.
        check_files: also check that the data, baseline, earlier-audit and findings files exist.

    Raises:
        ParamsError: with one problem per fault (unknown keys, wrong types, bad dates, a bad
            audit id, missing files, a key given twice), all at once.

    """
    doc = read_yaml_mapping(path, "params file")
    return check_params(doc.values, doc.checker(check_files=check_files))


def _is_parameter(name: str, value: Any) -> bool:
    """Return True for a global that could be a parameter (not IPython's, not code)."""
    if name.startswith("_") or name in _IPYTHON_NAMES:
        return False
    return not (inspect.ismodule(value) or isinstance(value, Callable))  # type: ignore[arg-type]


def params_from_namespace(
    ns: Mapping[str, Any],
    *,
    allow: Collection[str] = (),
    check_files: bool = True,
    source: str = "notebook parameters",
) -> AuditParams:
    """Collect the audit parameters a notebook defines as globals.

    Call it as ``params = params_from_namespace(globals())`` in the cell after ``parameters``.
    IPython's own names, names starting with ``_``, modules, functions and classes are ignored.
    A ``params_file`` global names the params file the values start from (see
    :func:`with_params_file`); it is not read when every required value is given.

    Args:
        ns: the notebook's globals.
        allow: extra names the notebook defines on purpose (not audit parameters).
        check_files: also check that the named files exist.
        source: how the problems name where the values came from.

    Raises:
        ParamsError: an unknown name (e.g. ``casload``, with "did you mean 'caseload'?"), a
            missing one or a mistyped value, every fault at once.

    """
    allowed = set(allow)
    values = {
        name: value
        for name, value in ns.items()
        if name not in allowed and _is_parameter(name, value)
    }
    params_file = values.pop(PARAMS_FILE, None)
    given = {name for name, value in values.items() if value is not None}
    # Every required value given (papermill -f, or a build's parameters) is a whole audit:
    # reading params_file then could only slip another audit's optional values in.
    if params_file is not None and not REQUIRED_NAMES <= given:
        values = with_params_file(params_file, values, check_files=check_files, source=source)
    return check_params(values, FieldChecker(source, check_files=check_files))


def with_params_file(
    params_file: Any,
    values: Mapping[str, Any],
    *,
    check_files: bool = True,
    source: str = "notebook parameters",
) -> dict[str, Any]:
    """Return a params file's values, each overridden by a value of ``values`` that is not None.

    This is a notebook's ``params_file`` parameter: the file names the audit, and a value set in
    the parameters cell or by ``papermill -p`` replaces the file's value for that name only.

    Raises:
        ParamsError: ``params_file`` is not a path, or the file has faults (located in the file).

    """
    if not isinstance(params_file, str | Path) or not str(params_file).strip():
        problem = Problem(
            "error",
            source,
            "not a params file",
            cell=PARAMS_FILE,
            value=show_value(params_file),
            expected='a params file, e.g. "params/bromley-2017.yaml"',
        )
        raise ParamsError([problem])
    from_file = load_params(str(params_file).strip(), check_files=check_files).to_dict()
    return from_file | {name: value for name, value in values.items() if value is not None}


def earlier_chain(params: AuditParams) -> list[AuditParams]:
    """Return every earlier audit of this one, recursively, oldest first.

    Each earlier audit's own ``earlier_audits`` are followed too; a file reached twice, or a chain
    that leads back to this audit, is used once (cycles are safe).
    """
    seen_files: set[Path] = set()
    seen_ids = {params.audit_id}
    found: list[AuditParams] = []
    todo = list(params.earlier_audit_paths)
    while todo:
        path = todo.pop(0).resolve()
        if path in seen_files:
            continue
        seen_files.add(path)
        earlier = load_params(path)
        if earlier.audit_id in seen_ids:
            continue
        seen_ids.add(earlier.audit_id)
        found.append(earlier)
        todo.extend(earlier.earlier_audit_paths)
    return sorted(found, key=lambda p: (p.audit_date, p.audit_id))
