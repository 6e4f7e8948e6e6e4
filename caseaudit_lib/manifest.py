"""Every input an audit's outputs depend on, each with a SHA-256 digest of its content.

:func:`audit_manifest` is the one answer to "what is this audit built from?": the batch's skip
decision, the warm kernel's results cache (``pipeline.inputs_key``), the overview's key and the
findings-only rebuild all read it. Each :class:`ManifestEntry` names an input, the digest of its
bytes (or of its value) and the stage that reads it:

- ``scores``: the params file, the scoring files (a folder or glob expanded to its spreadsheet
  files, lock files left out), the framework file, the baselines and everything an answers
  baseline's params names, the earlier audits and everything they name (recursively), the
  notebooks before the report, the salt of the pseudonyms and caseaudit itself (its version
  and a digest of every one of its source files);
- ``report``: the findings files (this audit's and its earlier audits'), the report notebook,
  the export templates and the PDF engine (WeasyPrint's packages and the Pango it loads).

Everything is read from small files (YAML, the spreadsheets' bytes): no pandas, so a batch that
changed nothing stays quick.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from caseaudit_lib.config.params import AuditParams, load_params
from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.load.sources import data_files
from caseaudit_lib.paths import project_root, resolve
from caseaudit_lib.privacy.salt import SALT_ENV, SALT_FILE_ENV, resolve_salt
from caseaudit_lib.yaml_fields import read_yaml_mapping

__all__ = [
    "REPORT",
    "REPORT_NOTEBOOK",
    "SCORES",
    "Manifest",
    "ManifestCache",
    "ManifestEntry",
    "audit_manifest",
    "audit_notebooks",
    "library_fingerprint",
    "manifest_of_params",
    "notebooks_dir",
    "pdf_engine_version",
    "watched_paths",
]

SCORES = "scores"  # read by every notebook: a change re-runs them all
REPORT = "report"  # read only by the report notebook, the HTML and the PDF
REPORT_NOTEBOOK = "05_report.ipynb"
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
MISSING = "missing"
# What prints report.pdf (export.pdf, which this layer cannot import): its Python packages and
# the system's Pango, whose presence decides whether a PDF is made at all.
PDF_ENGINE_PACKAGES = ("weasyprint", "pydyf", "pikepdf")
PANGO_LIBRARY = "pango-1.0"
_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ManifestEntry:
    """One input: its name (a path, or a value's name), its content digest, who reads it.

    Attributes:
        name: The file's path (relative to the project root when inside it), or the value's
            name (``salt``, ``caseaudit``, ``chromium``).
        digest: SHA-256 hex of the file's bytes or the value; ``missing`` for no such file.
        stage: ``scores`` or ``report`` (see the module docstring).
        kind: What it is: params, data, framework, baseline, findings, notebook, template,
            library, salt, chromium.
        path: The file, or None for a value.

    """

    name: str
    digest: str
    stage: str
    kind: str
    path: Path | None = None


@dataclass(frozen=True)
class Manifest:
    """Every input of one audit, in a stable order, and one digest over them."""

    params_file: Path | None
    entries: tuple[ManifestEntry, ...] = field(default_factory=tuple)

    def digest(self, stage: str | None = None) -> str:
        """Return one SHA-256 over the entries (of one stage, if given): names and contents."""
        sha = hashlib.sha256()
        for entry in self.entries:
            if stage is None or entry.stage == stage:
                sha.update(f"{entry.stage}|{entry.kind}|{entry.name}|{entry.digest}\n".encode())
        return sha.hexdigest()

    def stage_digests(self) -> dict[str, str]:
        """Return the digest of each stage, ``{"scores": ..., "report": ...}``."""
        return {stage: self.digest(stage) for stage in (SCORES, REPORT)}

    def paths(self, stage: str | None = None) -> list[Path]:
        """Return the files to watch (of one stage, if given), missing ones included."""
        return [e.path for e in self.entries if e.path is not None and stage in (None, e.stage)]

    def as_dict(self) -> dict[str, str]:
        """Return ``{name: digest}``, e.g. for a build stamp."""
        return {e.name: e.digest for e in self.entries}


class ManifestCache:
    """Digests and params files read once for many manifests (one batch: each file hashed once).

    Use one per command run, not for longer: a file edited later would not be read again.
    """

    def __init__(self) -> None:
        self.digests: dict[Path, str] = {}
        self.params: dict[Path, AuditParams | None] = {}
        self.frameworks: dict[str, Path | None] = {}


def audit_manifest(
    params_file: Path, *, pdf_engine: str | None = None, cache: ManifestCache | None = None
) -> Manifest:
    """Return every input of the audit a params file describes, each with its content digest.

    Args:
        params_file: The audit's params file.
        pdf_engine: Text identifying what prints the PDF; default
            :func:`pdf_engine_version`.
        cache: Shared by the manifests of one batch, so each file is read once.

    Raises:
        CaseAuditError: The params file itself cannot be read (a missing input file does not
            raise: it is listed as ``missing``, and the build reports it).

    """
    cache = cache or ManifestCache()
    path = Path(os.path.abspath(params_file))
    params = cache.params.get(path) or load_params(path, check_files=False)
    cache.params[path] = params
    return manifest_of_params(params, pdf_engine=pdf_engine, params_file=path, cache=cache)


def manifest_of_params(
    params: AuditParams,
    *,
    pdf_engine: str | None = None,
    params_file: Path | None = None,
    cache: ManifestCache | None = None,
) -> Manifest:
    """Return the manifest of an audit given by its params (see :func:`audit_manifest`).

    ``params_file`` defaults to the file the params were read from, if any.
    """
    found = _Collector(cache or ManifestCache())
    source = params_file or (resolve(params.source) if params.source else None)
    if source is not None and source.is_file():
        found.file(source, SCORES, "params")
    found.audit(params)
    notebooks = audit_notebooks()
    for notebook in notebooks:
        found.file(notebook, REPORT if notebook.name == REPORT_NOTEBOOK else SCORES, "notebook")
    templates = _PACKAGE / "export" / "templates"
    for template in sorted(p for p in templates.rglob("*") if p.is_file()):
        found.file(template, REPORT, "template")
    found.value("caseaudit", library_fingerprint(), SCORES, "library")
    found.value("salt", _salt_digest(), SCORES, "salt")
    engine = pdf_engine if pdf_engine is not None else pdf_engine_version()
    found.value("pdf engine", engine, REPORT)
    return Manifest(source, tuple(found.entries.values()))


class _Collector:
    """The entries found so far, each input once, following params files recursively."""

    def __init__(self, cache: ManifestCache) -> None:
        self.cache = cache
        self.entries: dict[tuple[str, str], ManifestEntry] = {}
        self.seen_params: set[Path] = set()
        self.roots = ((f"{project_root()}/", ""), (f"{_PACKAGE}/", f"{_PACKAGE.name}/"))

    def file(self, path: Path, stage: str, kind: str) -> None:
        path = Path(os.path.abspath(path))
        name = _shown(path, self.roots)
        key = (name, stage)
        if key not in self.entries:
            if path not in self.cache.digests:
                self.cache.digests[path] = _file_sha256(path)
            digest = self.cache.digests[path]
            self.entries[key] = ManifestEntry(name, digest, stage, kind, path)

    def value(self, name: str, text: str, stage: str, kind: str = "") -> None:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.entries[(name, stage)] = ManifestEntry(name, digest, stage, kind or name)

    def params_file(self, path: Path) -> None:
        """Add a params file another audit names (earlier audit, answers baseline), recursively."""
        path = Path(os.path.abspath(path))
        self.file(path, SCORES, "params")
        if path in self.seen_params:
            return
        self.seen_params.add(path)
        if path not in self.cache.params:
            try:
                self.cache.params[path] = load_params(path, check_files=False)
            except CaseAuditError:
                self.cache.params[path] = None  # listed by content: the build reports it
        params = self.cache.params[path]
        if params is not None:
            self.audit(params)

    def audit(self, params: AuditParams) -> None:
        """Add what one audit's params name: data, framework, findings, baselines, earlier."""
        try:
            for path in data_files(params.data_path):
                self.file(path, SCORES, "data")
        except CaseAuditError:
            self.file(params.data_path, SCORES, "data")  # an empty folder: adding a file counts
        self.framework(params.framework)
        if params.findings_path is not None:
            self.file(params.findings_path, REPORT, "findings")
        for path in params.baseline_paths:
            self.baseline(path)
        for path in params.earlier_audit_paths:
            self.params_file(path)

    def framework(self, name: str) -> None:
        from caseaudit_lib.framework.model import load_framework

        if name not in self.cache.frameworks:
            try:
                self.cache.frameworks[name] = load_framework(name).path
            except CaseAuditError:
                self.cache.frameworks[name] = None
        path = self.cache.frameworks[name]
        if path is None:
            self.value(f"framework {name}", MISSING, SCORES, "framework")
        else:
            self.file(path, SCORES, "framework")

    def baseline(self, path: Path) -> None:
        """Add a baseline file and, for an answers baseline, all it names."""
        self.file(path, SCORES, "baseline")
        try:
            values = read_yaml_mapping(path, "baseline file").values
        except CaseAuditError:
            return
        if values.get("kind") != "answers":
            return
        if isinstance(values.get("params"), str):
            self.params_file(resolve(values["params"]))
        if isinstance(values.get("data_file"), str):
            try:
                for data in data_files(resolve(values["data_file"])):
                    self.file(data, SCORES, "data")
            except CaseAuditError:
                self.file(resolve(values["data_file"]), SCORES, "data")
        if isinstance(values.get("framework"), str):
            self.framework(values["framework"])


def _shown(path: Path, roots: Iterable[tuple[str, str]]) -> str:
    """Name a file by where it is in the project, or in caseaudit: moving either is no change."""
    text = path.as_posix()
    for root, prefix in roots:  # as text: pathlib's relative_to is slow for a thousand files
        if text.startswith(root):
            return prefix + text[len(root) :]
    return text


def _file_sha256(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return MISSING


def _salt_digest() -> str:
    """Return what identifies the salt, wherever it comes from (never the salt itself)."""
    try:
        salt = resolve_salt()  # creates the project's salt file on first use, as a build would
    except CaseAuditError:
        named = os.environ.get(SALT_FILE_ENV, "")
        return f"{MISSING}:{SALT_FILE_ENV}={named}"
    source = "env" if os.environ.get(SALT_ENV) else "file"
    return source + ":" + hashlib.sha256(b"caseaudit-salt\0" + salt).hexdigest()


def notebooks_dir() -> Path:
    """Return the folder of the audit notebooks, ``<project root>/notebooks``."""
    return project_root() / "notebooks"


def audit_notebooks() -> list[Path]:
    """Return the notebooks every audit runs, in order (``notebooks/NN_*.ipynb``)."""
    return sorted(notebooks_dir().glob(NOTEBOOK_PATTERN))


def library_fingerprint(package_dir: Path | None = None, version: str | None = None) -> str:
    """Return a digest of caseaudit's version and of every source file of the package.

    The installed package's (no arguments) is computed once per process: a running process
    keeps the code it imported, so a later edit of the source is not what it builds with.
    """
    if package_dir is None and version is None:
        return _installed_fingerprint()
    return _fingerprint(package_dir, version)


@functools.cache
def _installed_fingerprint() -> str:
    return _fingerprint(None, None)


def _fingerprint(package_dir: Path | None, version: str | None) -> str:
    package_dir = Path(package_dir) if package_dir is not None else _PACKAGE
    if version is None:
        from caseaudit_lib import __version__ as version
    sha = hashlib.sha256(f"version={version}\n".encode())
    files = sorted(
        p
        for p in package_dir.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}
    )
    for path in files:
        sha.update(f"{path.relative_to(package_dir).as_posix()}={_file_sha256(path)}\n".encode())
    return sha.hexdigest()


@functools.cache
def pdf_engine_version() -> str:
    """Return what would print the PDF: WeasyPrint's packages' versions and Pango's ("missing")."""
    from ctypes import CDLL
    from ctypes.util import find_library
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in PDF_ENGINE_PACKAGES:
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} missing")
    name = find_library(PANGO_LIBRARY)
    try:
        # Loading the library answers in a millisecond; installing or upgrading Pango changes it.
        found.append(f"pango {CDLL(name).pango_version()}" if name else "pango missing")
    except (OSError, AttributeError):
        found.append("pango missing")
    return ", ".join(found)


def watched_paths(manifests: Iterable[Manifest]) -> list[Path]:
    """Return every file the manifests name, once each (what a watcher such as preview watches)."""
    return list(dict.fromkeys(p for m in manifests for p in m.paths()))
