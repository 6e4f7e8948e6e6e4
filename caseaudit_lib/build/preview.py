"""``caseaudit preview``: the report beside the findings as they are typed, rebuilt on each save.

:func:`run_preview` starts the loopback server (:mod:`caseaudit_lib.build.preview_server`), a
warm kernel (:mod:`caseaudit_lib.build.preview_build`), builds the audit once, then watches its
inputs by polling their content digests (portable; no file-system events to miss on network
drives or editors that replace files). A save of the findings file re-runs the report notebook
alone; a change to anything else (params, data, framework, baselines, earlier audits,
notebooks) re-runs every notebook. Ctrl-C (or SIGTERM) stops the server, the kernel and any
PDF engine started for ``--pdf``.

Which files are watched, and which stage a changed file belongs to, come from the audit's
manifest (:func:`caseaudit_lib.manifest.audit_manifest`): :func:`watched_files` and
:func:`stage_of`.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import threading
import time
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from caseaudit_lib.build.preview_build import (
    REPORT_STAGE,
    SCORES_STAGE,
    PreviewBuilder,
    preview_dir,
)
from caseaudit_lib.build.preview_server import PreviewServer, PreviewState
from caseaudit_lib.config.params import load_params
from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.manifest import audit_manifest
from caseaudit_lib.paths import resolve

POLL_S = 0.2  # how often the inputs are looked at
SETTLE_S = 0.1  # an editor's save in several writes: wait until the file stops changing
PREFIX = "Preview: "
LOCK_FILE = ".preview.lock"
MAX_PORT = 65535


def watched_files(params_file: Path) -> list[Path]:
    """Return every file the audit's preview depends on: the files of its manifest."""
    files = audit_manifest(params_file, pdf_engine="").paths()
    return list(dict.fromkeys([resolve(params_file).resolve(), *(p.resolve() for p in files)]))


def stage_of(path: Path, params_file: Path) -> str:
    """Return the stage a changed file belongs to: ``report`` (findings) or ``scores`` (all)."""
    try:
        entries = audit_manifest(params_file, pdf_engine="").entries
    except CaseAuditError:
        return SCORES_STAGE
    path = Path(path).resolve()
    stages = {e.stage for e in entries if e.path is not None and e.path.resolve() == path}
    return REPORT_STAGE if stages == {REPORT_STAGE} else SCORES_STAGE


def file_digest(path: Path) -> str | None:
    """Return the SHA-256 of a file's bytes, or None if it cannot be read (e.g. removed)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class Watcher:
    """Polls a set of files; reports those whose content changed since the last snapshot."""

    def __init__(self, files_of: Callable[[], list[Path]]) -> None:
        self.files_of = files_of
        self.files: list[Path] = []
        self.stamps: dict[Path, tuple[int, int] | None] = {}
        self.digests: dict[Path, str | None] = {}

    def snapshot(self) -> None:
        """Record every watched file's content as the state the next build starts from."""
        try:
            self.files = self.files_of()
        except CaseAuditError:
            pass  # a broken params file: keep watching what was watched (and the params)
        self.stamps = {p: _stamp(p) for p in self.files}
        self.digests = {p: file_digest(p) for p in self.files}

    def changed(self) -> list[Path]:
        """Return the files whose content differs from the snapshot (stat first, then digest)."""
        out = []
        for path in self.files:
            stamp = _stamp(path)
            if stamp == self.stamps.get(path):
                continue
            self.stamps[path] = stamp
            if file_digest(path) != self.digests.get(path):
                out.append(path)
        return out

    def wait_for_change(self, stop_at: float | None = None) -> list[Path]:
        """Poll until some file changed and settled; return them ([] when ``stop_at`` passed)."""
        while stop_at is None or time.monotonic() < stop_at:
            changed = self.changed()
            if changed:
                time.sleep(SETTLE_S)
                while more := self.changed():
                    changed += more
                    time.sleep(SETTLE_S)
                return list(dict.fromkeys(changed))
            time.sleep(POLL_S)
        return []


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def rebuild(builder: PreviewBuilder, state: PreviewState, stage: str) -> None:
    """Build the page for a stage, publish it (or its problems) to the state and the console."""
    with state.lock:
        state.building = True
    outcome = builder.build(stage)
    for line in outcome.problems:
        print(line, file=sys.stderr)
    for line in outcome.notes:
        print(line, file=sys.stderr)
    problems, notes = builder.clean_lines(outcome.problems, outcome.notes)
    with state.lock:
        state.building = False
        state.problems, state.notes = problems, notes
        if outcome.page is not None:
            state.page = outcome.page
            state.stage, state.seconds = outcome.stage, outcome.seconds
        state.version += 1  # the banner changed, or the page did: the wrapper reloads
    what = "the report" if outcome.stage == REPORT_STAGE else "every notebook"
    verdict = "rebuilt" if outcome.page is not None else "NOT rebuilt (see above)"
    print(f"{verdict}: {what}, {outcome.seconds:.1f} s", file=sys.stderr, flush=True)


def preview_loop(
    params_file: Path, builder: PreviewBuilder, state: PreviewState, stop_at: float | None = None
) -> None:
    """Build once, then rebuild on every change until interrupted (or ``stop_at`` passes)."""
    watcher = Watcher(lambda: watched_files(params_file))
    watcher.snapshot()
    rebuild(builder, state, SCORES_STAGE)
    while stop_at is None or time.monotonic() < stop_at:
        changed = watcher.wait_for_change(stop_at)
        if not changed:
            continue
        stages = {stage_of(path, params_file) for path in changed}
        watcher.snapshot()  # edits made during the build are seen by the next poll
        rebuild(builder, state, REPORT_STAGE if stages == {REPORT_STAGE} else SCORES_STAGE)


@contextmanager
def preview_lock(folder: Path, audit_id: str) -> Iterator[None]:
    """Hold the audit's preview lock: a second preview of the same audit stops in one line."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; two previews would share the folder
        yield
        return
    with open(folder / LOCK_FILE, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise CaseAuditError(f"a preview of {audit_id} is already running") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Treat SIGTERM as Ctrl-C while previewing, so the same clean-up runs."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def open_in_browser(url: str) -> bool:
    """Open the address in the default browser, without ever waiting for it; False if none."""
    graphical = os.name == "nt" or sys.platform == "darwin"
    graphical = graphical or any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY"))
    if not graphical:
        # webbrowser would fall back to a console browser (lynx, w3m) that takes the terminal.
        print("No display to open a browser on: open the address above.", file=sys.stderr)
        return False
    # In a thread of its own: a browser launcher that does not return must not stop the preview.
    threading.Thread(target=webbrowser.open, args=(url,), name="open-browser", daemon=True).start()
    return True


def run_preview(
    params_file: Path, *, port: int = 0, open_browser: bool = True, pdf: bool = False
) -> int:
    """Serve an audit's report on 127.0.0.1 and rebuild it on every save, until Ctrl-C."""
    if not 0 <= port <= MAX_PORT:
        raise CaseAuditError(f"--port {port}: not a port number (1 to {MAX_PORT}, or 0: any free)")
    params_file = resolve(params_file)  # as load_params reads it: from the project root
    params = load_params(params_file)
    folder = preview_dir(params.audit_id)
    with preview_lock(folder, params.audit_id), sigterm_interrupts():
        state = PreviewState(params.audit_id)
        server = PreviewServer(state, port)
        builder = PreviewBuilder(params_file, folder, pdf=pdf)
        thread = None
        try:
            builder.start()
            thread = server.start()
            print(f"{PREFIX}{server.url}", flush=True)
            print("Watching the audit's inputs; Ctrl-C to stop.", file=sys.stderr, flush=True)
            if open_browser:
                open_in_browser(server.url)
            preview_loop(params_file, builder, state)
        except KeyboardInterrupt:
            print("Preview stopped.", file=sys.stderr)
        finally:
            # A second Ctrl-C must not cut the clean-up short and leave the kernel running.
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                server.stop(thread)
                builder.close()
            finally:
                signal.signal(signal.SIGINT, previous)
    return 0
