"""Which audits a command names, and which files each audit's build reads.

``caseaudit batch`` and ``caseaudit report`` expand the paths they are given into params files
(:func:`find_params_files`), name each audit's output folder by its ``audit_id``
(:func:`output_dir_of`) and decide whether it is stale from its manifest
(:func:`report_manifest`, every input by content: :mod:`caseaudit_lib.manifest`). All of it
runs in the batch's parent process, so it reads only small YAML files and hashes the inputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from caseaudit_lib.config.params import load_params
from caseaudit_lib.errors import CaseAuditError, Problem
from caseaudit_lib.manifest import (
    Manifest,
    ManifestCache,
    audit_manifest,
    audit_notebooks,
    notebooks_dir,
)
from caseaudit_lib.paths import outputs_dir

__all__ = [
    "NOTEBOOKS_DIR",
    "audit_notebooks",
    "find_params_files",
    "notebooks_dir",
    "output_dir_of",
    "report_inputs",
    "report_manifest",
]

NOTEBOOKS_DIR = "notebooks"
PARAMS_SUFFIXES = (".yaml", ".yml")


def output_dir_of(params_file: Path) -> Path:
    """Return an audit's output folder, ``outputs/<audit_id>``, from its params file.

    Pass this as ``run_batch(output_dir_of=...)``: the folder is named by the params'
    ``audit_id``, not by the file's name.
    """
    return outputs_dir(load_params(params_file, check_files=False).audit_id)


def find_params_files(paths: Iterable[Path]) -> list[Path]:
    """Return the params files named: files as given, folders expanded to their ``*.yaml``.

    Raises:
        CaseAuditError: a path that does not exist (every such path, one problem each), or a
            folder with no params file in it.

    """
    found: list[Path] = []
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.suffix in PARAMS_SUFFIXES)
            if not inside:
                problems.append(Problem("error", str(path), "no params files (*.yaml) in folder"))
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Problem("error", str(path), "no such params file or folder"))
    if problems:
        raise CaseAuditError(problems)
    return list(dict.fromkeys(found))


def report_manifest(params_file: Path, cache: ManifestCache | None = None) -> Manifest:
    """Return an audit's manifest, the PDF engine included (the batch's key).

    ``cache``: one per batch, so that files several audits share are read once.
    """
    return audit_manifest(params_file, cache=cache)


def report_inputs(params_file: Path) -> list[Path]:
    """Return every file an audit's build reads: its manifest's files.

    See :mod:`caseaudit_lib.manifest` for what counts as an input (values such as the salt and
    the library are in the manifest only).
    """
    files = audit_manifest(params_file, pdf_engine="").paths()
    return list(dict.fromkeys(p.resolve() for p in files))
