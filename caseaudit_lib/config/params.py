"""One audit's parameters: the params YAML file, which is also the notebooks' papermill input.

The same names are read three ways: :func:`load_params` reads ``params/<audit_id>.yaml``;
:func:`params_from_namespace` collects them from a notebook's globals (its ``parameters`` cell
plus papermill's injected cell); :func:`defaults` gives the values a parameters cell starts from.
Every fault is reported at once, one line each, as a :class:`~caseaudit_lib.errors.ParamsError`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import glob
import inspect
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from caseaudit_lib.errors import ParamsError, Problem
from caseaudit_lib.paths import project_root, resolve

AUDIT_ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")
AUDIT_ID_EXPECTED = "lower-case letters, digits, '-' or '_', e.g. bromley-2016"
PRIVACY_KEYS = ("drop", "pseudonymise", "patterns")


# libyaml's parser when PyYAML was built with it (its wheels are): a batch reads every params
# file several times, and the pure-Python parser was most of a no-change rebuild's time.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextDateLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """A safe YAML loader that leaves dates as text: a bad date is a problem, not a crash."""


_TextDateLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Names IPython and Jupyter put in a notebook's globals; never parameters.
_IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})


@dataclass(frozen=True)
class AuditParams:
    """The parameters of one audit, as written in its params file (paths as given, unresolved)."""

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
        """Return plain YAML-able values (lists, dicts), e.g. as papermill parameters."""
        out = dataclasses.asdict(self)
        out["baselines"] = list(self.baselines)
        out["earlier_audits"] = list(self.earlier_audits)
        out["organisational_ratings"] = dict(self.organisational_ratings)
        out["privacy"] = {k: list(v) for k, v in self.privacy.items()}
        return out


_FIELDS = {f.name: f for f in dataclasses.fields(AuditParams)}
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


class FieldChecker:
    """Checks the values of a YAML file one key at a time, collecting a problem for each fault.

    Each method returns the converted value, or None after recording a problem, so that a
    caller can check every key and raise once with every fault. ``key`` is the value's place
    in the file (e.g. ``themes[2].n_sufficient``) and becomes the problem's cell.
    """

    def __init__(self, source: str, check_files: bool = True) -> None:
        self.source = source
        self.check_files = check_files
        self.problems: list[Problem] = []

    def fault(self, key: str | None, value: Any, message: str, expected: str | None) -> None:
        """Record one problem at a key."""
        problem = Problem(
            "error", self.source, message, cell=key, value=show_value(value), expected=expected
        )
        self.problems.append(problem)

    def unknown_keys(self, prefix: str, values: Mapping[str, Any], known: Collection[str]) -> None:
        """Record each key of a mapping that is not known, with a 'did you mean'."""
        for name in values:
            if name not in known:
                key = f"{prefix}.{name}" if prefix else str(name)
                self.fault(key, str(name), "unknown key", one_of(str(name), known))

    def required(self, prefix: str, values: Mapping[str, Any], names: Collection[str]) -> None:
        """Record each required key that a mapping lacks."""
        for name in names:
            if name not in values:
                key = f"{prefix}.{name}" if prefix else name
                self.problems.append(
                    Problem("error", self.source, "missing required key", cell=key)
                )

    def entries(
        self,
        key: str,
        value: list[Any],
        known: Collection[str],
        required: Collection[str],
        expected: str,
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """Yield ``(place, entry)`` for each mapping of a list, its keys checked; fault the rest."""
        for i, entry in enumerate(value):
            where = f"{key}[{i}]"
            if not isinstance(entry, Mapping):
                self.fault(where, entry, "not a mapping", expected)
                continue
            self.unknown_keys(where, entry, known)
            self.required(where, entry, required)
            yield where, entry

    def repeated(self, key: str, value: str | None, seen: set[str | None], expected: str) -> bool:
        """Record a fault if an id was seen before in its list; return whether it was."""
        twice = value is not None and value in seen
        if twice:
            self.fault(key, value, "given twice", expected)
        seen.add(value)
        return twice

    def text(self, key: str, value: Any, *, optional: bool = False) -> str | None:
        """Return non-empty text (None allowed when optional)."""
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fault(key, value, "not a text value", "non-empty text")
            return None
        return value.strip()

    def date(self, key: str, value: Any, *, optional: bool = False) -> str | None:
        """Return an ISO date string (YYYY-MM-DD)."""
        if value is None and optional:
            return None
        # YAML reads an unquoted 2016-03-21 as a date; that is what was meant.
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        self.fault(key, value, "not a date", 'an ISO date YYYY-MM-DD, e.g. "2016-03-21"')
        return None

    def path(self, key: str, value: Any, *, optional: bool = False) -> str | None:
        """Return a path as written, checking that the file exists (relative to the root)."""
        text = self.text(key, value, optional=optional)
        if text is not None and self.check_files and not resolve(text).is_file():
            self.fault(key, text, "file not found", f"an existing file ({resolve(text)})")
        return text

    def paths(self, key: str, value: Any) -> tuple[str, ...]:
        """Return a list of paths (a single path is taken as a list of one)."""
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]  # one path written without brackets
        if not isinstance(value, list | tuple):
            self.fault(key, value, "not a list of files", "a list of file paths")
            return ()
        out = [self.path(f"{key}[{i}]", v) for i, v in enumerate(value)]
        return tuple(p for p in out if p is not None)

    def texts(self, key: str, value: Any) -> tuple[str, ...] | None:
        """Return a list of non-empty texts (None or an empty list is an empty tuple)."""
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            self.fault(key, value, "not a list", "a list of text values")
            return None
        out = [self.text(f"{key}[{i}]", v) for i, v in enumerate(value)]
        return None if None in out else tuple(out)  # type: ignore[arg-type]

    def whole(
        self, key: str, value: Any, *, minimum: int = 0, optional: bool = False, what: str = ""
    ) -> int | None:
        """Return a whole number at least ``minimum`` (1.0 is taken as 1)."""
        if value is None and optional:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fault(
                key,
                value,
                f"not a number{' of ' + what if what else ''}",
                f"a whole number, at least {minimum}",
            )
            return None
        return value

    def percentage(self, key: str, value: Any) -> float | None:
        """Return a percentage 0-100."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            self.fault(key, value, "not a percentage", "a number from 0 to 100")
            return None
        return float(value)

    def caseload(self, key: str, value: Any) -> int | None:
        """Return a caseload: a whole number of cases, at least 1, or None."""
        return self.whole(key, value, minimum=1, optional=True, what="cases")

    def ratings(self, key: str, value: Any) -> dict[str, str]:
        """Return organisational ratings, standard id -> rating word."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fault(key, value, "not a mapping", 'standard: rating, e.g. {"1.1": Good}')
            return {}
        out = {}
        for standard, rating in value.items():
            # An unquoted 1.1 reads as a number; the standard's id is the text.
            sid = str(standard).strip()
            if not isinstance(rating, str) or not rating.strip():
                self.fault(f"{key}.{sid}", rating, "not a rating", "a rating word, e.g. Good")
                continue
            out[sid] = rating.strip()
        return out

    def privacy(self, key: str, value: Any) -> dict[str, tuple[str, ...]]:
        """Return the privacy settings: columns to drop, to pseudonymise; comment patterns."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fault(key, value, "not a mapping", "{drop: [...], pseudonymise: [...]}")
            return {}
        self.unknown_keys(key, value, PRIVACY_KEYS)
        out = {}
        for sub in PRIVACY_KEYS:
            if sub in value:
                columns = self.texts(f"{key}.{sub}", value[sub])
                if columns is not None:
                    out[sub] = columns
        return out


def show_value(value: Any) -> str:
    """Return a short printable form of a value for a one-line problem."""
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."


def one_of(name: str, choices: Collection[str]) -> str:
    """Return "did you mean 'x'?" when a choice is close to the name, else "one of ..."."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "one of " + ", ".join(choices)


def _framework(checker: FieldChecker, value: Any) -> str | None:
    """Check a framework name (packaged) or path (a file)."""
    text = checker.text("framework", value)
    if text is None:
        return None
    if "/" in text or "\\" in text or text.endswith((".yaml", ".yml")):
        if checker.check_files and not resolve(text).is_file():
            checker.fault("framework", text, "framework file not found", "an existing YAML file")
        return text
    try:
        from caseaudit_lib.framework.model import available_frameworks
    except ImportError:  # only while the framework module is being written
        return text
    names = list(available_frameworks())
    if names and text not in names:
        checker.fault("framework", text, "unknown framework", one_of(text, names))
    return text


def _data_file(checker: FieldChecker, value: Any) -> str | None:
    """Check a data file: one scoring file, a folder of them or a glob that matches a file."""
    text = checker.text("data_file", value)
    if text is None or not checker.check_files:
        return text
    path = resolve(text)
    if glob.has_magic(text):
        if not glob.glob(str(path)):
            checker.fault("data_file", text, "no file matches", f"files matching {path}")
    elif not (path.is_file() or path.is_dir()):
        checker.fault("data_file", text, "file not found", f"an existing file or folder ({path})")
    return text


def _build(values: Mapping[str, Any], source: str, *, check_files: bool) -> AuditParams:
    """Check every value, then build the params or raise one ParamsError with every fault."""
    c = FieldChecker(source, check_files)
    c.required("", values, [n for n in PARAMETER_NAMES if n in REQUIRED_NAMES])
    c.unknown_keys("", values, PARAMETER_NAMES)
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
        "framework": given("framework", lambda _, v: _framework(c, v)),
        "caseload": c.caseload("caseload", get("caseload")),
        "sample_description": c.text("sample_description", description, optional=True) or "",
        "baselines": c.paths("baselines", get("baselines")),
        "earlier_audits": c.paths("earlier_audits", get("earlier_audits")),
        "findings_file": c.path("findings_file", get("findings_file"), optional=True),
        "organisational_ratings": c.ratings(
            "organisational_ratings", get("organisational_ratings")
        ),
        "privacy": c.privacy("privacy", get("privacy")),
    }
    start, end = kw["audit_date"], kw["audit_end_date"]
    if start and end and end < start:
        c.fault("audit_end_date", end, "ends before the audit starts", f"on or after {start}")
    if c.problems:
        raise ParamsError(c.problems)
    return AuditParams(**kw)


def display_path(path: Path) -> str:
    """Return a path as problems show it: relative to the project root when it is inside it."""
    try:
        return str(path.relative_to(project_root()))
    except ValueError:
        return str(path)


def read_yaml_mapping(path: str | Path, what: str) -> tuple[dict[str, Any], str]:
    """Read a YAML file whose top level is a mapping.

    Args:
        path: the file; relative paths are relative to the project root.
        what: what the file is, for the messages (e.g. "params file").

    Returns:
        ``(values, source)``: the mapping with text keys, and the file name for problems.

    Raises:
        ParamsError: the file is missing, is not valid YAML or is not a mapping.

    """
    path = resolve(path)
    source = display_path(path)
    try:
        values = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_TextDateLoader)
    except FileNotFoundError:
        raise ParamsError([Problem("error", source, f"{what} not found")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ParamsError([Problem("error", source, f"{what} unreadable: {error}")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        cell = f"line {mark.line + 1}" if mark is not None else None
        message = f"not valid YAML: {getattr(error, 'problem', None) or error}"
        raise ParamsError([Problem("error", source, message, cell=cell)]) from None
    if not isinstance(values, Mapping):
        problem = Problem(
            "error", source, f"not a {what}", value=show_value(values), expected="key: value lines"
        )
        raise ParamsError([problem])
    return {str(k): v for k, v in values.items()}, source


def load_params(path: str | Path, *, check_files: bool = True) -> AuditParams:
    """Read one audit's params YAML file.

    Args:
        path: the params file; relative paths are relative to the project root.
        check_files: also check that the data, baseline, earlier-audit and findings files exist.

    Raises:
        ParamsError: with one problem per fault (unknown keys, wrong types, bad dates, a bad
            audit id, missing files), all at once.

    """
    values, source = read_yaml_mapping(path, "params file")
    return _build(values, source, check_files=check_files)


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
    return _build(values, source, check_files=check_files)


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
