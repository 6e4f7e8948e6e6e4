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
  scored once per build; with another executor they are scored and written here first.

Before anything is published, every output is searched for the identifying values of the audit's
scoring file (names, dates of birth, case references: :mod:`caseaudit_lib.privacy.leakcheck`); a hit
fails the build, names the file and the kind of value, never the value, and the file with the
hit is deleted rather than kept with the failed build's artefacts.

Executing a notebook is one replaceable function (``executor``, default :func:`execute_notebook`).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from caseaudit_lib.build.audit_inputs import NOTEBOOKS_DIR, audit_notebooks, notebooks_dir
from caseaudit_lib.build.batch import BuildFailed, BuildResult
from caseaudit_lib.build.state import staging_dir_for
from caseaudit_lib.config.params import AuditParams, display_path, load_params
from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.export import REPORT_FILE
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.paths import outputs_dir

KERNEL_NAME = "caseaudit"
REPORT_NOTEBOOK = "05_report.ipynb"
TABLES_DIR = "tables"
XLSX_FILE = "scores.xlsx"
CELL_TIMEOUT_S = 600

Executor = Callable[[Path, Path, Mapping[str, Any], Path], None]

# Built once per worker process by worker_setup(): compiling nbconvert's templates is slow.
_exporter: Any = None


def worker_setup() -> None:
    """Prepare a worker process: start its warm kernel, import nbconvert, build the exporter."""
    global _exporter
    # The kernel first: it boots and imports pandas on the other core while this process
    # imports nbconvert and builds the exporter.
    from caseaudit_lib.build.execution import worker_session

    worker_session(KERNEL_NAME, cwd=notebooks_dir(), timeout=CELL_TIMEOUT_S)
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

    session = worker_session(KERNEL_NAME, cwd=cwd, timeout=CELL_TIMEOUT_S)
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
    params: AuditParams, staging: Path, executor: Executor | None = None
) -> list[Path]:
    """Execute every audit notebook into ``staging/notebooks`` and return the executed files.

    Raises:
        BuildFailed: a notebook raised; the executed notebook with its error stays in staging.

    """
    executor = executor or execute_notebook
    folder = staging / NOTEBOOKS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    # Every parameter, not only those in the file: a name left out must not keep the
    # notebook's default, which points at the bundled sample audit.
    parameters = params.to_dict()
    done = []
    notebooks = audit_notebooks()
    if not any(nb.name == REPORT_NOTEBOOK for nb in notebooks):
        raise BuildFailed(f"no {REPORT_NOTEBOOK} in {display_path(notebooks_dir())}", staging)
    for notebook in notebooks:
        target = folder / notebook.name
        try:
            executor(notebook, target, parameters, notebooks_dir())
        except Exception as exc:
            where = f"failed/{NOTEBOOKS_DIR}/{notebook.name}"
            raise BuildFailed(f"notebook {where}: {_failure(exc)}", staging) from exc
        done.append(target)
    return done


def check_for_identifiers(
    params: AuditParams, files: Iterable[Path], staging: Path, framework: Any = None
) -> None:
    """Fail the build if any output holds an identifying value of the audit's scoring file.

    Files with a hit are deleted, so the failed build's kept artefacts hold no identifier.

    Raises:
        BuildFailed: naming each file (relative to the audit's folder) and the kind of value.

    """
    from caseaudit_lib.pipeline import privacy_config
    from caseaudit_lib.privacy.leakcheck import scan_outputs
    from caseaudit_lib.privacy.pseudonymise import collect_identifiers

    identifiers = collect_identifiers(params.data_path, framework, privacy_config(params))
    problems = scan_outputs(list(files), identifiers)
    if not problems:
        return
    lines = []
    for problem in problems:
        path = Path(problem.file)
        shown = path.relative_to(staging).as_posix() if path.is_relative_to(staging) else path.name
        where = (
            f" ({problem.sheet + '!' if problem.sheet else ''}{problem.cell})"
            if problem.cell
            else ""
        )
        lines.append(f"{shown}{where}: {problem.message}")
        path.unlink(missing_ok=True)
    raise BuildFailed("personal data in the outputs: " + "; ".join(lines), staging)


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
    session = worker_session(KERNEL_NAME, cwd=notebooks_dir(), timeout=CELL_TIMEOUT_S)
    try:
        session.run_code(code, "writing the tables")
    except RuntimeError as exc:
        raise BuildFailed(str(exc).splitlines()[0], staging) from exc
    return folder


def build_with_executor(
    params: AuditParams, staging: Path, executor: Executor
) -> tuple[list[Path], Path, Any]:
    """Score and write the tables here, then run the notebooks with another executor.

    Returns:
        The executed notebooks, the tables' folder and the audit's framework.

    Raises:
        CaseAuditError: the form is blank (before any notebook runs).
        BuildFailed: a notebook failed, or the audit could not be scored.

    """
    from caseaudit_lib.export.tables import write_tables
    from caseaudit_lib.pipeline import score_params

    # The tables first: this process would otherwise sit idle while the executor starts.
    # Bad input is reported by the notebooks, whose executed copies are then kept.
    try:
        results = score_params(params)
        tables = write_tables(results, staging / TABLES_DIR)
    except CaseAuditError as exc:
        if is_blank_form(exc):
            raise  # nothing to build: stop before any notebook runs
        run_notebooks(params, staging, executor)
        raise BuildFailed(f"scoring failed: {exc.lines()[0]}", staging) from exc
    return run_notebooks(params, staging, executor), tables, results.framework


def build_audit(params_file: Path, *, executor: Executor | None = None) -> BuildResult:
    """Build one audit's report, executed notebooks and tables into a staging folder.

    Args:
        params_file: the audit's params file.
        executor: runs one notebook (default :func:`execute_notebook`, the warm kernel).

    Returns:
        The staging folder, for :func:`caseaudit_lib.build.batch.run_batch` to publish into
        ``outputs/<audit_id>/`` (report.html last).

    Raises:
        BuildFailed: a notebook failed (its executed copy is kept) or an output holds personal
            data (that output is deleted).
        CaseAuditError: the params file has errors (nothing was built).

    """
    from caseaudit_lib.export.html import export_html

    params = load_params(params_file)
    staging = staging_dir_for(outputs_dir(params.audit_id))
    if executor is None:
        # The warm kernel scores the audit for its notebooks and keeps the results: it writes
        # the tables too, so the audit is not scored a second time in this process.
        require_filled_form(params)
        notebooks = run_notebooks(params, staging)
        tables = kernel_tables(params, params_file, staging)
        framework = load_framework(params.framework)
    else:
        notebooks, tables, framework = build_with_executor(params, staging, executor)
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
    return BuildResult(staging, message=note)


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
