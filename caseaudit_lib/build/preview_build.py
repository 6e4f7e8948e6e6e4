"""Building what ``caseaudit preview`` shows: the report of one audit, in a warm kernel it keeps.

A :class:`PreviewBuilder` owns one Jupyter kernel for the preview's whole life. A full build runs
the audit's five notebooks in it (the kernel keeps the scored results, as a batch worker's does:
``pipeline.remember_results``); a findings-only build runs the report notebook alone, and the
kernel's kept scores are reused, so only the narrative is made again. Either way the report
page is exported into a staging folder inside ``outputs/<audit_id>/preview/``, leak-checked
like any board file, and only then replaces the page the preview serves: the audit's own
``outputs/<audit_id>/report.html`` is never touched, and a failed build leaves the last good
page on show, with the located problems above it.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caseaudit_lib.build.audit_build import (
    KERNEL_NAME,
    REPORT_NOTEBOOK,
    cell_timeout,
    footer_text,
)
from caseaudit_lib.build.audit_inputs import audit_notebooks, notebooks_dir
from caseaudit_lib.build.execution import DEFAULT_PRELOAD, KernelSession
from caseaudit_lib.build.kernel_code import BUILD_CACHES_CODE
from caseaudit_lib.config.params import load_params
from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.export import REPORT_FILE
from caseaudit_lib.manifest import REPORT, SCORES
from caseaudit_lib.paths import outputs_dir

PREVIEW_DIR = "preview"
STATUS_FILE = "status.json"
REPORT_STAGE = REPORT  # the findings: only the report notebook and the page are made again
SCORES_STAGE = SCORES  # anything else: every notebook, the audit scored again


def preview_dir(audit_id: str) -> Path:
    """Return the folder of an audit's preview, ``outputs/<audit_id>/preview``."""
    return outputs_dir(audit_id) / PREVIEW_DIR


@dataclass
class BuildOutcome:
    """What one preview build made: the page (None when it failed), its problems and notes."""

    stage: str
    page: bytes | None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


class PreviewBuilder:
    """Build one audit's preview page, the whole audit or its findings only, in a warm kernel.

    Args:
        params_file: the audit's params file.
        folder: where the preview writes (``outputs/<audit_id>/preview``).
        pdf: also print ``report.pdf`` beside the preview's page.

    """

    def __init__(self, params_file: Path, folder: Path, *, pdf: bool = False) -> None:
        self.params_file = Path(params_file)
        self.folder = Path(folder)
        self.pdf = pdf
        self.session: KernelSession | None = None
        self.exporter: Any = None
        self.scored = False  # the kernel holds the scores of the audit's current inputs
        self._identifiers: set[str] | None = None

    def start(self) -> PreviewBuilder:
        """Start the warm kernel (it imports in the background) and build the page exporter."""
        self.session = KernelSession(
            KERNEL_NAME,
            cwd=notebooks_dir(),
            preload=DEFAULT_PRELOAD,
            setup=BUILD_CACHES_CODE,
            max_uses=200,
            timeout=cell_timeout(),
        ).start()
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type] # see worker_setup
        from caseaudit_lib.export.html import make_exporter

        self.exporter = make_exporter()
        return self

    def close(self) -> None:
        """Stop the kernel and the PDF engine, if started (safe to call twice)."""
        session, self.session = self.session, None
        if session is not None:
            session.close()
        if self.pdf:
            from caseaudit_lib.export.printer import close_printers

            try:
                close_printers()
            except Exception as exc:
                print(f"closing the PDF engine: {failure_line(exc)}", file=sys.stderr)

    def build(self, stage: str) -> BuildOutcome:
        """Build the page: the report notebook only (``report``) or every notebook (``scores``)."""
        begun = time.perf_counter()
        if stage == REPORT_STAGE and not self.scored:
            stage = SCORES_STAGE  # nothing kept to reuse: the last full build did not finish
        outcome = BuildOutcome(stage, None)
        staging = self.folder / f".preview-build-{stage}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            outcome.page, outcome.notes = self._build(stage, staging)
        except CaseAuditError as exc:
            outcome.problems = exc.lines()
        except Exception as exc:  # a fault of caseaudit: shown, and the preview keeps watching
            self.scored = False
            outcome.problems = [
                f"caseaudit: internal error: {failure_line(exc)} (this is a bug; please report it)"
            ]
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        outcome.seconds = time.perf_counter() - begun
        return outcome

    def _build(self, stage: str, staging: Path) -> tuple[bytes, list[str]]:
        from caseaudit_lib.build.audit_build import require_filled_form
        from caseaudit_lib.export.html import export_html
        from caseaudit_lib.findings.findings import findings_of
        from caseaudit_lib.framework.model import load_framework

        if stage == SCORES_STAGE:
            # Before anything can fail: kept scores must never be re-used for inputs that changed.
            self.scored = False
            self._identifiers = None
        params = load_params(self.params_file)
        framework = load_framework(params.framework)
        # The findings first, in this process: their faults are located lines for the banner,
        # not a notebook's traceback, and the kernel stays healthy (its scores kept).
        notes = [str(warning) for warning in findings_of(params, framework).warnings]
        if stage == SCORES_STAGE:
            require_filled_form(params)
            notebooks = audit_notebooks()
        else:  # the kernel's kept results are keyed by the scores stage alone: reused
            notebooks = [nb for nb in audit_notebooks() if nb.name == REPORT_NOTEBOOK]
        for notebook in notebooks:
            self._run_notebook(notebook, params.to_dict(), staging)
        self.scored = True
        report = staging / REPORT_FILE
        export_html(
            staging / REPORT_NOTEBOOK,
            report,
            title=params.title,
            footer=footer_text(params),
            exporter=self.exporter,
        )
        board = [report]
        if self.pdf:
            board += self._print(report, params, staging)
        self.check(params, framework, board)
        page = report.read_bytes()
        for done in board:  # the page as shown, and the PDF, replace the last good ones
            done.replace(self.folder / done.name)
        return page, notes

    def _run_notebook(self, notebook: Path, parameters: dict[str, Any], staging: Path) -> None:
        assert self.session is not None, "start() the builder first"
        try:
            self.session.run_notebook(
                notebook, parameters, staging / notebook.name, cwd=notebooks_dir()
            )
        except Exception as exc:
            self.scored = False
            raise CaseAuditError(f"notebook {notebook.name}: {failure_line(exc)}") from exc

    def _print(self, report: Path, params: Any, staging: Path) -> list[Path]:
        from caseaudit_lib.export.pdf import PDF_FILE, write_pdf

        pdf = staging / PDF_FILE
        write_pdf(report, pdf, title=params.title, footer=footer_text(params))
        return [pdf]

    def identifiers(self, params: Any, framework: Any) -> set[str]:
        """Return the identifying values of the audit's scoring files (read once per full build)."""
        if self._identifiers is None:
            from caseaudit_lib.pipeline import privacy_config
            from caseaudit_lib.privacy.pseudonymise import collect_identifiers

            self._identifiers = collect_identifiers(
                params.data_path, framework, privacy_config(params)
            )
        return self._identifiers

    def _known_identifiers(self) -> set[str] | None:
        """Return the identifying values, reading them if the audit's files can be read."""
        if self._identifiers is None:
            from caseaudit_lib.framework.model import load_framework

            try:
                params = load_params(self.params_file)
                self.identifiers(params, load_framework(params.framework))
            except CaseAuditError:
                return None  # the lines then name files and cells, which the loader wrote
        return self._identifiers

    def check(self, params: Any, framework: Any, files: list[Path]) -> None:
        """Raise if a file holds an identifying value of the audit (naming the file, not it)."""
        from caseaudit_lib.privacy.leakcheck import scan_outputs

        problems = scan_outputs(files, self.identifiers(params, framework))
        if problems:
            for path in files:
                path.unlink(missing_ok=True)
            shown = "; ".join(f"{Path(p.file).name}: {p.message}" for p in problems)
            raise CaseAuditError(f"personal data in the preview, not shown: {shown}")

    def clean_lines(self, problems: list[str], notes: list[str]) -> tuple[list[str], list[str]]:
        """Return the banner's problems and notes, each withheld if it quotes a personal detail.

        They are written to ``status.json`` in the preview's folder and that file is
        leak-checked like any board file, as the page that shows them is.
        """
        from caseaudit_lib.export.atomic import write_atomic
        from caseaudit_lib.privacy.leakcheck import scan_outputs

        status = self.folder / STATUS_FILE
        identifiers = self._known_identifiers() if problems or notes else None
        cleaned = []
        for lines in (problems, notes):
            write_atomic(status, json.dumps({"lines": lines}, ensure_ascii=False))
            if lines and identifiers is not None and scan_outputs([status], identifiers):
                withheld = "withheld: they quote a personal detail (see the console)"
                lines = [f"{len(lines)} message(s) {withheld}"]
            cleaned.append(lines)
        write_atomic(status, json.dumps({"problems": cleaned[0], "notes": cleaned[1]}))
        return cleaned[0], cleaned[1]


def failure_line(exc: BaseException) -> str:
    """Return a notebook's error in one line: its name and the first line of its message."""
    name = getattr(exc, "ename", None) or type(exc).__name__
    value = str(getattr(exc, "evalue", None) or exc).strip().splitlines()
    return f"{name}: {value[0]}" if value else name
