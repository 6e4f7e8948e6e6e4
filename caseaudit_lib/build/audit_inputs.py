"""Which audits a command names, and which files each audit's build reads.

``caseaudit batch`` and ``caseaudit report`` expand the paths they are given into params files
(:func:`find_params_files`), name each audit's output folder by its ``audit_id``
(:func:`output_dir_of`) and decide whether it is stale from every file its build reads
(:func:`report_inputs`). All of it runs in the batch's parent process, so it reads only small
YAML files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from caseaudit_lib.config.params import earlier_chain, load_params
from caseaudit_lib.errors import CaseAuditError, Problem
from caseaudit_lib.export.browser import find_chromium
from caseaudit_lib.load.sources import data_files
from caseaudit_lib.paths import outputs_dir, project_root
from caseaudit_lib.privacy.salt import resolve_salt, salt_path

NOTEBOOKS_DIR = "notebooks"
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
PARAMS_SUFFIXES = (".yaml", ".yml")


def notebooks_dir() -> Path:
    """Return the folder of the audit notebooks, ``<project root>/notebooks``."""
    return project_root() / NOTEBOOKS_DIR


def audit_notebooks() -> list[Path]:
    """Return the notebooks every audit runs, in order (``notebooks/NN_*.ipynb``)."""
    return sorted(notebooks_dir().glob(NOTEBOOK_PATTERN))


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


def report_inputs(params_file: Path) -> list[Path]:
    """Return every file an audit's build reads, besides its params file.

    The data, findings and framework files, the baselines (and the files an answers baseline
    names), the notebooks, each earlier audit's params, data and findings files, and the
    Chromium that prints the PDF, when there is one. Runs in the
    batch's parent process for every audit, so it reads only small YAML files.
    """
    from caseaudit_lib.framework.model import load_framework

    params = load_params(params_file)
    # A folder or glob of workbooks: each file is an input (a file added or removed counts).
    files: list[Path] = [*data_files(params.data_path), load_framework(params.framework).path]
    files += [p for p in (params.findings_path,) if p is not None]
    if params.baseline_paths:
        # Only then: the baselines module imports pandas, a quarter of a second of a batch
        # that finds nothing changed.
        from caseaudit_lib.compare.baseline import load_baseline
    for path in params.baseline_paths:
        files.append(path)
        baseline = load_baseline(path)
        files += [Path(f) for f in (baseline.params_file, baseline.data_file) if f]
    files += params.earlier_audit_paths
    for earlier in earlier_chain(params):
        files += [*data_files(earlier.data_path), *earlier.earlier_audit_paths]
        files += [p for p in (earlier.findings_path,) if p is not None]
    files += audit_notebooks()
    # The PDF depends on whether there is a Chromium to print it: installing one (Debian's
    # /usr/bin/chromium is a small launcher script) rebuilds the audits that skipped their PDF.
    chromium = find_chromium()
    files += [Path(chromium)] if chromium else []
    # A new salt changes every pseudonym in the case tables, so it counts as an input. The
    # build would create the project's salt file if there is none yet: create it here, so the
    # first build's recorded inputs include it and the next run does not see it as a change.
    salt_file = salt_path()
    if salt_file is not None:
        if not salt_file.exists():
            resolve_salt()
        files.append(salt_file)
    return list(dict.fromkeys(p.resolve() for p in files))
