"""The overview's slow parts, done while a batch builds: imports, identifiers, service charts.

After a batch, :func:`caseaudit_lib.build.overview.rebuild_overview` draws one chart per service
and searches the page for every listed audit's identifying values: about a second per service,
with both workers idle. Meanwhile the batch's parent process only waits for its workers, so
:class:`OverviewAhead`, started by the first audit built, does that work on a thread of its own:
it imports the overview's modules, reads and compiles the identifying values, and draws each
service's chart as soon as the last of the service's audits in the batch is done (the chart
reads only the published tables, which no longer change). The page made at the end finds the
charts already drawn (``export.overview.service_chart`` keeps them by their data) and the
compiled values; anything the thread did not get to, or could not do, the page does itself, so
it is the same page either way.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from caseaudit_lib.build.overview import identifier_label, identifiers_of, overview_entries
from caseaudit_lib.build.summary import AuditOutcome, describe_exception
from caseaudit_lib.config.params import AuditParams, load_params
from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.paths import project_root


class OverviewAhead:
    """Prepare the overview on a thread while the audits of a batch build.

    Args:
        paths: The params files or folders the command was given (as for rebuild_overview).
        batch_files: The params files the batch builds or skips (each reports one outcome).
        outputs_root: The folder of the audits' outputs; default ``<project>/outputs``.

    """

    def __init__(
        self, paths: Sequence[Path], batch_files: Sequence[Path], outputs_root: Path | None = None
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.batch_files = [Path(p) for p in batch_files]
        self.root = outputs_root or project_root() / "outputs"
        self.identifiers: dict[str, set[str]] | None = None  # audit_id -> values
        self.needles: Any = None  # the leak check's compiled identifiers, by label
        self.services_ready: list[str] = []  # services whose charts are drawn (if any)
        self.error: str | None = None  # why the thread stopped early, if it did
        self._service_of: dict[Path, str] = {}  # each batch file's service
        self._queue: queue.Queue[AuditOutcome | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def audit_done(self, outcome: AuditOutcome) -> None:
        """Take an audit's outcome (``run_batch``'s ``on_outcome``); a first build starts work."""
        if self._thread is None and outcome.status != "skipped":
            self._thread = threading.Thread(
                target=self._work, name="caseaudit-overview", daemon=True
            )
            self._thread.start()
        self._queue.put(outcome)  # skipped ones too: they complete their service

    def finish(self) -> None:
        """Wait for the thread to finish what it was given (nothing to wait for if none)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()

    def _work(self) -> None:
        try:
            entries, pending = self._prepare()
        except Exception as exc:  # the page is then made without help, exactly as before
            self.error = describe_exception(exc)
            entries, pending = None, Counter()
        while (outcome := self._queue.get()) is not None:
            if entries is None:
                continue
            try:
                self._count(outcome, entries, pending)
            except Exception as exc:
                self.error = describe_exception(exc)
                entries = None

    def _prepare(self) -> tuple[list[Any], Counter[str]]:
        """Import what the page needs, read the identifiers, count each service's audits."""
        import matplotlib

        matplotlib.use("Agg")  # this process never shows a figure
        from caseaudit_lib.privacy.leakcheck import compile_needles

        entries = overview_entries(self.paths, None, self.root)
        found = identifiers_of([e.params for e in entries])
        self.needles = compile_needles({identifier_label(a): v for a, v in found.items()})
        self.identifiers = found
        pending: Counter[str] = Counter()
        for path in self.batch_files:
            service = _service(path)
            if service is not None:
                self._service_of[path.resolve()] = service
                pending[service] += 1
        return entries, pending

    def _count(self, outcome: AuditOutcome, entries: list[Any], pending: Counter[str]) -> None:
        """Count one audit done; draw its service's chart when it was the service's last."""
        from caseaudit_lib.export.overview import framework_groups

        service = self._service_of.get(Path(outcome.params_file).resolve())
        if service is None:
            return
        pending[service] -= 1
        if pending[service] == 0:
            # The same call the page makes, for this service's audits only: its charts are
            # drawn and kept, keyed by their data, for the page to find.
            framework_groups([e for e in entries if e.params.service == service], self.root)
            self.services_ready.append(service)


def _service(path: Path) -> str | None:
    """Return the service a params file names, or None if it cannot be read."""
    try:
        params: AuditParams = load_params(path, check_files=False)
    except (CaseAuditError, OSError):
        return None
    return params.service
