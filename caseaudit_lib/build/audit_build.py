"""Building one audit's outputs: its notebooks executed, the board report, the score tables.

:func:`build_audit` is what ``caseaudit report`` and ``caseaudit batch`` run for each audit (in a
worker process, through :func:`caseaudit_lib.build.batch.run_batch`). Everything is written into a
staging folder that the batch engine publishes into ``outputs/<audit_id>/`` only when the whole
build succeeded:

- ``notebooks/``: the executed notebooks 01-05 (papermill, kernel ``caseaudit``);
- ``report.html``: notebook 05 exported for the board
  (:func:`caseaudit_lib.export.html.export_html`);
- ``report.pdf``: the same page printed by headless Chromium (:mod:`caseaudit_lib.export.pdf`);
  with no Chromium it is skipped with a note, except under env ``CI``, where that fails the build;
- ``tables/``: the score tables as csv and ``scores.xlsx``; ``scores.xlsx`` also beside the report.
  The warm kernel that ran the notebooks writes them from the results it kept, so an audit is
  scored once per build.

Before anything is published, every output is searched for the identifying values of the audit's
scoring file (names, dates of birth, case references: :mod:`caseaudit_lib.privacy.leakcheck`); a hit
fails the build, names the file and the kind of value, never the value, and the file with the
hit is deleted rather than kept with the failed build's artefacts.

When only the findings (or anything else read by the report alone) changed since the last good
build, only the report notebook runs (:func:`reusable_outputs`).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from caseaudit_lib.build.audit_inputs import NOTEBOOKS_DIR, audit_notebooks, notebooks_dir
from caseaudit_lib.build.batch import BuildFailed, BuildResult
from caseaudit_lib.build.leaks import check_for_identifiers, scrub_failed
from caseaudit_lib.build.state import read_stamp, staging_dir_for
from caseaudit_lib.config.params import AuditParams, display_path, load_params
from caseaudit_lib.config.timeouts import seconds_from_env
from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.export import REPORT_FILE
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.manifest import REPORT_NOTEBOOK, SCORES, audit_manifest
from caseaudit_lib.paths import outputs_dir

KERNEL_NAME = "caseaudit"
TABLES_DIR = "tables"
XLSX_FILE = "scores.xlsx"
REPORT_ONLY = "only the report rebuilt (scores unchanged)"

CELL_TIMEOUT_ENV = "CASEAUDIT_CELL_TIMEOUT"
CELL_TIMEOUT_S = 600.0  # default: generous, a national audit's notebook takes seconds
AUDIT_TIMEOUT_ENV = "CASEAUDIT_AUDIT_TIMEOUT"
AUDIT_TIMEOUT_S = 1800.0  # a whole build in a batch worker, the outer guard

# Built once per worker process by worker_setup(): compiling nbconvert's templates is slow.
_exporter: Any = None


def worker_setup() -> None:
    """Prepare a worker process: start its warm kernel, import nbconvert, build the exporter."""
    global _exporter
    # The kernel first: it boots and imports pandas on the other core while this process
    # imports nbconvert and builds the exporter.
    from caseaudit_lib.build.execution import worker_session

    worker_session(KERNEL_NAME, cwd=notebooks_dir(), timeout=cell_timeout())
    from caseaudit_lib.export.pdf import prepare_pdf_engine

    prepare_pdf_engine()  # loads WeasyPrint in a process of its own while the notebooks run
    # nbformat imports jsonschema, which imports rfc3987_syntax when it is installed (JupyterLab
    # brings it, through jupyter-events) and that compiles a grammar at import: 0.7 s a process,
    # for IRI format checks that notebook validation never makes. Marked missing, jsonschema
    # skips it; a process that has already imported it keeps it.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import matplotlib
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    matplotlib.use("Agg")  # the worker draws nothing itself; never try to open a display
    from caseaudit_lib.export.html import make_exporter

    if _exporter is None:
        _exporter = make_exporter()


def cell_timeout() -> float:
    """Return the seconds a notebook cell may run: env ``CASEAUDIT_CELL_TIMEOUT``, default 600."""
    return seconds_from_env(CELL_TIMEOUT_ENV, CELL_TIMEOUT_S)


def audit_timeout() -> float:
    """Return the seconds one audit's build may take: env ``CASEAUDIT_AUDIT_TIMEOUT``, 1800."""
    return seconds_from_env(AUDIT_TIMEOUT_ENV, AUDIT_TIMEOUT_S)


def _get_exporter() -> Any:
    if _exporter is None:
        worker_setup()
    return _exporter


def execute_notebook(source: Path, target: Path, parameters: Mapping[str, Any], cwd: Path) -> None:
    """Execute one notebook with its parameters, writing the executed copy to ``target``.

    It runs in this process's warm kernel (one per batch worker, its namespace reset between
    notebooks), parameterised by papermill's own machinery, so the executed notebook is what
    ``papermill`` would write. On an exception in a cell the executed notebook, with the error,
    is still written to ``target`` and ``NotebookExecutionError`` propagates.
    """
    from caseaudit_lib.build.execution import worker_session

    session = worker_session(KERNEL_NAME, cwd=cwd, timeout=cell_timeout())
    session.run_notebook(source, dict(parameters), target, cwd=cwd)


def footer_text(params: AuditParams) -> str:
    """Return the report's footer: the service, and when the audit took place."""
    from caseaudit_lib.present.wording import date_span

    return (
        f"{params.service}: case file audit {date_span(params.audit_date, params.audit_end_date)}"
    )


def _failure(exc: BaseException) -> str:
    """Return a one-line description of a notebook's error (its name and whole first line)."""
    name = getattr(exc, "ename", None) or type(exc).__name__
    value = str(getattr(exc, "evalue", None) or exc).strip().splitlines()
    return f"{name}: {value[0]}" if value else name


def run_notebooks(
    params: AuditParams,
    staging: Path,
    *,
    only: Iterable[str] | None = None,
) -> list[Path]:
    """Execute the audit notebooks into ``staging/notebooks`` and return the executed files.

    ``only`` names the notebooks to run (default every one), e.g. the report notebook alone
    when only the findings changed.

    Raises:
        BuildFailed: a notebook raised; the executed notebook with its error stays in staging.

    """
    folder = staging / NOTEBOOKS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    # Every parameter, not only those in the file: a name left out must not keep the
    # notebook's default, which points at the bundled sample audit.
    parameters = params.to_dict()
    done = []
    notebooks = audit_notebooks()
    if not any(nb.name == REPORT_NOTEBOOK for nb in notebooks):
        raise BuildFailed(f"no {REPORT_NOTEBOOK} in {display_path(notebooks_dir())}", staging)
    wanted = set(only) if only is not None else None
    for notebook in notebooks:
        if wanted is not None and notebook.name not in wanted:
            continue
        target = folder / notebook.name
        try:
            execute_notebook(notebook, target, parameters, notebooks_dir())
        except Exception as exc:
            where = f"failed/{NOTEBOOKS_DIR}/{notebook.name}"
            raise BuildFailed(f"notebook {where}: {_failure(exc)}", staging) from exc
        done.append(target)
    return done


def is_blank_form(error: CaseAuditError) -> bool:
    """Return whether an error is the scoring file having no cases at all."""
    from caseaudit_lib.audit.blank_form import BLANK_FORM

    return any(p.message == BLANK_FORM for p in error.problems)


def report_warnings(params: AuditParams, framework: Any) -> None:
    """Print, one line each, what the report leaves out of the findings file (unsafe text)."""
    from caseaudit_lib.findings.findings import findings_of

    try:
        findings = findings_of(params, framework)
    except CaseAuditError:
        return  # the report notebook stops on it, with the same lines
    for warning in findings.warnings:
        print(warning, file=sys.stderr)


def require_filled_form(params: AuditParams) -> None:
    """Stop before any notebook runs if the scoring file has no cases (the blank-form error).

    Raises:
        CaseAuditError: the form is blank. Any other fault of the file is left to the
            notebooks, whose executed copies are then kept as the failure's evidence.

    """
    from caseaudit_lib.audit.blank_form import require_cases

    try:
        require_cases(params.data_path, str(params.data_file))
    except CaseAuditError as exc:
        if is_blank_form(exc):
            raise


def kernel_tables(params: AuditParams, params_file: Path, staging: Path) -> Path:
    """Have the warm kernel write the tables of the audit its notebooks have just scored.

    Raises:
        BuildFailed: the kernel could not write them.

    """
    from caseaudit_lib.build.execution import worker_session
    from caseaudit_lib.build.kernel_code import TABLES_CODE

    folder = staging / TABLES_DIR
    code = TABLES_CODE.format(
        audit_id=params.audit_id, params_file=str(Path(params_file).resolve()), out_dir=str(folder)
    )
    session = worker_session(KERNEL_NAME, cwd=notebooks_dir(), timeout=cell_timeout())
    try:
        session.run_code(code, "writing the tables")
    except RuntimeError as exc:
        raise BuildFailed(str(exc).splitlines()[0], staging) from exc
    return folder


def build_audit(params_file: Path, *, full: bool = False) -> BuildResult:
    """Build one audit's report, executed notebooks and tables into a staging folder.

    When the audit's last good build was made from the same scores-stage inputs (only the
    findings, the report notebook, the templates or Chromium changed: see
    :mod:`caseaudit_lib.manifest`), only the report notebook runs; the other executed notebooks
    and the tables of that build are reused. A failed build's files are leak-checked before
    the batch keeps them (:func:`scrub_failed`).

    Args:
        params_file: the audit's params file.
        full: run every notebook even when the scores could be reused (``--force``).

    Returns:
        The staging folder, for :func:`caseaudit_lib.build.batch.run_batch` to publish into
        ``outputs/<audit_id>/`` (report.html last).

    Raises:
        BuildFailed: a notebook failed (its executed copy is kept, if it holds no personal
            data) or an output holds personal data (that output is deleted).
        CaseAuditError: the params file has errors, or the form is blank (nothing was built).

    """
    params = load_params(params_file)
    final = outputs_dir(params.audit_id)
    staging = staging_dir_for(final)
    try:
        reused = [] if full else reusable_outputs(params_file, final)
        return _build_into(params, params_file, staging, reused)
    except BuildFailed as exc:
        note = scrub_failed(params, staging)
        raise BuildFailed(str(exc) + note, exc.staging_dir) from exc
    except BaseException:
        scrub_failed(params, staging)
        raise


def reusable_outputs(params_file: Path, final: Path) -> list[str]:
    """Return the outputs of the last good build that a findings-only rebuild keeps ([]: none).

    They are the executed notebooks before the report and the score tables, reusable when that
    build's scores-stage digest is the current one and every one of them is still in place.
    """
    stamp = read_stamp(final)
    if stamp is None or not stamp.extra.get(SCORES):
        return []
    if stamp.extra[SCORES] != audit_manifest(params_file, pdf_engine="").digest(SCORES):
        return []
    report_nb = f"{NOTEBOOKS_DIR}/{REPORT_NOTEBOOK}"
    kept = [
        name
        for name in stamp.outputs
        if name.startswith((f"{NOTEBOOKS_DIR}/", f"{TABLES_DIR}/")) and name != report_nb
    ]
    others = [nb for nb in audit_notebooks() if nb.name != REPORT_NOTEBOOK]
    complete = {f"{NOTEBOOKS_DIR}/{nb.name}" for nb in others} <= set(kept)
    present = all((final / name).is_file() for name in kept)
    has_tables = f"{TABLES_DIR}/{XLSX_FILE}" in kept
    return kept if complete and present and has_tables else []


def _build_into(
    params: AuditParams,
    params_file: Path,
    staging: Path,
    reused: list[str],
) -> BuildResult:
    """Build into ``staging``: every notebook, or the report alone beside ``reused`` outputs."""
    from caseaudit_lib.export.html import export_html

    if reused:
        final = outputs_dir(params.audit_id)
        for name in reused:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(final / name, staging / name)
        require_filled_form(params)
        run_notebooks(params, staging, only=[REPORT_NOTEBOOK])
        notebooks = sorted((staging / NOTEBOOKS_DIR).iterdir())
        tables = staging / TABLES_DIR
        framework = load_framework(params.framework)
    else:
        # The warm kernel scores the audit for its notebooks and keeps the results: it writes
        # the tables too, so the audit is not scored a second time in this process.
        require_filled_form(params)
        notebooks = run_notebooks(params, staging)
        tables = kernel_tables(params, params_file, staging)
        framework = load_framework(params.framework)
    report_warnings(params, framework)
    report = staging / REPORT_FILE
    try:
        export_html(
            staging / NOTEBOOKS_DIR / REPORT_NOTEBOOK,
            report,
            title=params.title,
            footer=footer_text(params),
            exporter=_get_exporter(),
        )
    except CaseAuditError as exc:
        raise BuildFailed(f"export failed: {exc.lines()[0]}", staging) from exc
    pdf, note = print_pdf(report, params, staging)
    shutil.copy2(tables / XLSX_FILE, staging / XLSX_FILE)
    board = [report, *pdf, staging / XLSX_FILE, *sorted(tables.iterdir())]
    check_for_identifiers(params, [*board, *notebooks], staging, framework)
    return BuildResult(staging, message=note or (REPORT_ONLY if reused else ""))


def print_pdf(report: Path, params: AuditParams, staging: Path) -> tuple[list[Path], str]:
    """Print ``report.pdf`` beside the report; return it (or nothing) and the build's note.

    Raises:
        BuildFailed: Chromium is missing or cannot start and env ``CI`` is set (a check that
            skips is not a check), or Chromium started but could not print.

    """
    from caseaudit_lib.export.browser import BrowserUnavailableError
    from caseaudit_lib.export.pdf import PDF_FILE, PDF_SKIPPED, pdf_required, write_pdf

    try:
        pdf = write_pdf(report, staging / PDF_FILE, title=params.title, footer=footer_text(params))
    except BrowserUnavailableError as exc:
        if pdf_required():
            raise BuildFailed(f"{PDF_FILE} (required under CI): {exc.lines()[0]}", staging) from exc
        return [], PDF_SKIPPED
    except CaseAuditError as exc:
        raise BuildFailed(f"{PDF_FILE} failed: {exc.lines()[0]}", staging) from exc
    return [pdf], ""
