"""Rebuilding many audits: in parallel worker processes, only those whose inputs changed, safely.

The engine knows nothing about notebooks: the caller passes ``build`` (builds ONE audit from its
params file, in a worker process) and ``inputs_of`` (lists the files an audit is built from, in
this process). A build writes its outputs into a staging folder (:func:`staging_dir_for`) and
returns a :class:`BuildResult`; the engine publishes them file by file atomically (see
:mod:`caseaudit_lib.build.state` for the exact guarantee), then writes the build stamp that lets
the next batch skip the audit while nothing it depends on has changed.

A failure never stops the other audits: a build that raises, returns ``ok=False`` or kills its
worker process is reported as failed, its artefacts go to ``outputs/<audit_id>/failed/`` and the
previous good outputs stay as they were.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from caseaudit_lib.build.state import (
    FAILED_DIR,
    FileHasher,
    InputState,
    clear_failed,
    input_state,
    keep_failed,
    library_fingerprint,
    mark_publishing,
    publish,
    read_stamp,
    remove_leftovers,
    remove_outputs,
    staging_dir_for,
    staging_dirs_of,
    stale_reason,
    write_stamp,
)

__all__ = [
    "AuditOutcome",
    "BatchSummary",
    "BuildFailed",
    "BuildResult",
    "publish",
    "run_batch",
    "staging_dir_for",
]

Status = Literal["built", "skipped", "failed"]

# Numerical libraries size their thread pools at import; one thread each keeps N workers on N cores.
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


@dataclass(frozen=True)
class BuildResult:
    """What one build of one audit produced, not yet published.

    Attributes:
        staging_dir: the folder holding the new outputs (or, on failure, the failed run's
            artefacts); best made with :func:`staging_dir_for` so publishing is a rename.
        ok: False when the build failed; its staging folder then becomes ``failed/``.
        message: a one-line note for the summary (the error, on failure).
        last: output names to publish after all the others (the report, so that it never points
            at files not yet in place).

    """

    staging_dir: Path | None
    ok: bool = True
    message: str = ""
    last: tuple[str, ...] = ("report.html",)


class BuildFailed(Exception):
    """A build's failure that names the folder holding its artefacts (e.g. the failed notebook)."""

    def __init__(self, message: str, staging_dir: Path | None = None) -> None:
        super().__init__(message)
        self.staging_dir = staging_dir


@dataclass(frozen=True)
class AuditOutcome:
    """What the batch did with one audit."""

    audit_id: str
    params_file: Path
    status: Status
    seconds: float = 0.0
    message: str = ""
    output_dir: Path | None = None
    failed_artifacts: tuple[Path, ...] = ()


@dataclass
class BatchSummary:
    """The outcome of every audit of a batch, in the order the params files were given."""

    outcomes: list[AuditOutcome]
    seconds: float = 0.0
    pools_started: int = 0

    def with_status(self, status: Status) -> list[AuditOutcome]:
        """Return the outcomes with one status."""
        return [o for o in self.outcomes if o.status == status]

    @property
    def exit_code(self) -> int:
        """Return 1 if any audit failed, else 0."""
        return 1 if self.with_status("failed") else 0

    def table(self) -> str:
        """Return the summary as a plain-text table, one audit a line, with a totals line."""
        header = ("audit_id", "status", "seconds", "message", "failed artefacts")
        rows = [header]
        for o in self.outcomes:
            message = (o.message.splitlines() or [""])[0]
            message = message if len(message) <= 70 else message[:67] + "..."
            rows.append((o.audit_id, o.status, f"{o.seconds:.1f}", message, _artefacts(o)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        ]
        counts = {s: len(self.with_status(s)) for s in ("built", "skipped", "failed")}
        lines.append(
            f"{counts['built']} built, {counts['skipped']} skipped (unchanged), "
            f"{counts['failed']} failed in {self.seconds:.1f} s"
        )
        return "\n".join(lines)


def _artefacts(outcome: AuditOutcome) -> str:
    files = outcome.failed_artifacts
    if len(files) == 1:
        return _shown(files[0])
    if files and outcome.output_dir is not None:
        return f"{_shown(outcome.output_dir / FAILED_DIR)} ({len(files)} files)"
    return ""


def _shown(path: Path) -> str:
    """Return a path relative to the working directory when it lies below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class _Task:
    index: int
    audit_id: str
    params_file: Path
    final_dir: Path
    state: InputState
    reason: str


def run_batch(
    params_files: Sequence[Path],
    build: Callable[[Path], BuildResult],
    *,
    workers: int | None = None,
    force: bool = False,
    progress: bool = True,
    inputs_of: Callable[[Path], list[Path]],
    output_dir_of: Callable[[Path], Path] | None = None,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
    fingerprint: str | None = None,
    start_method: str = "spawn",
    in_process: bool = False,
) -> BatchSummary:
    """Build every audit whose inputs changed since its last good build, in parallel.

    Args:
        params_files: one params file per audit.
        build: builds one audit in a worker process; a top-level (picklable) function that
            returns a :class:`BuildResult` or raises (:class:`BuildFailed` to name artefacts).
        workers: worker processes; default the usable CPUs, never more than the audits to build.
        force: rebuild even the audits whose inputs have not changed.
        progress: show a progress bar (only when stderr is a terminal).
        inputs_of: the files an audit is built from besides its params file (data, findings,
            framework, baselines, notebooks...); called in this process, so keep it light.
        output_dir_of: an audit's output folder; default ``outputs/<params file stem>``.
        initializer: called once in each worker process (import papermill, build an
            exporter...); it must be picklable, like ``build``.
        initargs: the arguments of ``initializer``.
        fingerprint: the library's fingerprint; default :func:`library_fingerprint`.
        start_method: ``"spawn"`` (default) or ``"forkserver"``; forking a process that has
            started threads or kernels is unsafe, so ``"fork"`` is not recommended.
        in_process: build in this process, one audit after another, with no worker pool (for
            a single report, where a worker's start-up is pure overhead); a build that kills
            its process then takes the command with it.

    Returns:
        The outcome of each audit; ``exit_code`` is non-zero if any failed.

    """
    started = time.perf_counter()
    if output_dir_of is None:
        output_dir_of = _default_output_dir
    fingerprint = fingerprint if fingerprint is not None else library_fingerprint()
    hasher = FileHasher()
    outcomes: dict[int, AuditOutcome] = {}
    tasks: list[_Task] = []
    claimed: dict[Path, Path] = {}
    for index, params_file in enumerate(Path(p) for p in params_files):
        audit_id = params_file.stem
        try:
            final_dir = Path(output_dir_of(params_file))
            audit_id = final_dir.name
            if final_dir.resolve() in claimed:
                other = claimed[final_dir.resolve()]
                raise ValueError(f"same output folder as {other}")
            claimed[final_dir.resolve()] = params_file
            state = input_state([params_file, *inputs_of(params_file)], hasher, fingerprint)
        except Exception as exc:  # one bad params file must not stop the batch
            outcomes[index] = AuditOutcome(audit_id, params_file, "failed", message=_describe(exc))
            continue
        reason = "forced" if force else stale_reason(read_stamp(final_dir), state, final_dir)
        if reason is None:
            outcomes[index] = AuditOutcome(
                audit_id, params_file, "skipped", message="unchanged", output_dir=final_dir
            )
        else:
            tasks.append(_Task(index, audit_id, params_file, final_dir, state, reason))

    pools = 0
    if tasks:
        try:
            pickle.dumps(build)
        except Exception as exc:
            raise TypeError(f"build must be a top-level function (picklable): {exc}") from exc
        n_workers = min(workers or _usable_cpus(), len(tasks))
        with _progress_bar(len(outcomes) + len(tasks), len(outcomes), progress) as bar:
            if in_process:
                _init_worker(None, initializer, initargs)
                for task in tasks:
                    outcomes[task.index] = _build_one(task, build)
                    bar.update(1)
            else:
                pools = _run_tasks(
                    tasks, build, n_workers, initializer, initargs, start_method, outcomes, bar
                )
    ordered = [outcomes[i] for i in sorted(outcomes)]
    return BatchSummary(ordered, seconds=time.perf_counter() - started, pools_started=pools)


def _default_output_dir(params_file: Path) -> Path:
    from caseaudit_lib.paths import outputs_dir

    return outputs_dir(params_file.stem)


def _usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _describe(exc: BaseException) -> str:
    """Name an exception and its message (several lines for a CaseAuditError's problems)."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _run_tasks(
    tasks: list[_Task],
    build: Callable[[Path], BuildResult],
    n_workers: int,
    initializer: Callable[..., object] | None,
    initargs: tuple[Any, ...],
    start_method: str,
    outcomes: dict[int, AuditOutcome],
    bar: Any,
) -> int:
    """Run the builds in process pools, starting a fresh pool whenever a worker dies.

    When a worker dies, every unfinished future of its pool fails. Builds that had not started
    are simply run again; of those that had started, a lone one is the culprit, and several are
    re-run one at a time so that the next death names its build exactly.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context(start_method)
    pending, one_by_one = list(tasks), []
    pools = 0
    with _one_thread_per_worker():
        while pending or one_by_one:
            if pending:
                round_tasks, width, pending = pending, min(n_workers, len(pending)), []
            else:
                round_tasks, width, one_by_one = one_by_one, 1, []
            starts = context.SimpleQueue()  # (task index, worker pid) when a build starts
            pool = ProcessPoolExecutor(
                width,
                mp_context=context,
                initializer=_init_worker,
                initargs=(starts, initializer, initargs),
            )
            pools += 1
            started: dict[int, int] = {}
            broken: list[_Task] = []
            try:
                futures = {pool.submit(_build_one, task, build): task for task in round_tasks}
                for future in as_completed(futures):
                    _drain(starts, started)
                    task = futures[future]
                    try:
                        outcomes[task.index] = future.result()
                    except BrokenProcessPool:
                        broken.append(task)
                        continue
                    except Exception as exc:  # e.g. an unpicklable result
                        outcomes[task.index] = _failed(task, _describe(exc))
                    bar.update(1)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown(wait=True, cancel_futures=True)
            _drain(starts, started)
            if not broken:
                continue
            suspects = [t for t in broken if t.index in started]
            if not suspects:  # the workers died before any build began: retrying cannot help
                for task in broken:
                    outcomes[task.index] = _failed(task, "worker process could not start")
                    bar.update(1)
                continue
            pending.extend(t for t in broken if t.index not in started)
            if len(suspects) > 1 and width > 1:
                one_by_one.extend(suspects)
                continue
            # Alone in its pool, or the last one a single worker began: this build killed it.
            culprit = max(suspects, key=lambda t: list(started).index(t.index))
            one_by_one.extend(t for t in suspects if t is not culprit)
            outcomes[culprit.index] = _died(culprit, started[culprit.index])
            bar.update(1)
    return pools


def _drain(queue: Any, started: dict[int, int]) -> None:
    while not queue.empty():
        index, pid = queue.get()
        started[index] = pid


def _failed(task: _Task, message: str, artefacts: Sequence[Path] = ()) -> AuditOutcome:
    return AuditOutcome(
        task.audit_id,
        task.params_file,
        "failed",
        message=message,
        output_dir=task.final_dir,
        failed_artifacts=tuple(artefacts),
    )


def _died(task: _Task, pid: int) -> AuditOutcome:
    """Report a build whose worker process died, keeping whatever it had staged."""
    staged = staging_dirs_of(task.final_dir, pid)
    artefacts = keep_failed(staged[-1] if staged else None, task.final_dir)
    message = f"worker process {pid} died during the build (crash, kill or exit)"
    return _failed(task, message, artefacts)


@contextmanager
def _one_thread_per_worker() -> Iterator[None]:
    """Set one thread per numerical library for the workers (unless the user set them)."""
    added = [name for name in THREAD_VARS if name not in os.environ]
    for name in added:
        os.environ[name] = "1"
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


@contextmanager
def _progress_bar(total: int, done: int, wanted: bool) -> Iterator[Any]:
    from tqdm import tqdm

    disable = not wanted or not sys.stderr.isatty()
    with tqdm(total=total, initial=done, unit="audit", disable=disable, file=sys.stderr) as bar:
        yield bar


_starts: Any = None


def _init_worker(starts: Any, initializer: Callable[..., object] | None, initargs: tuple) -> None:
    """Prepare a worker process: thread limits, the start queue, then the caller's hook."""
    global _starts
    _starts = starts
    for name in THREAD_VARS:
        os.environ.setdefault(name, "1")
    if initializer is not None:
        initializer(*initargs)


def _build_one(task: _Task, build: Callable[[Path], BuildResult]) -> AuditOutcome:
    """Build, publish and stamp one audit, in a worker process."""
    if _starts is not None:
        _starts.put((task.index, os.getpid()))
    begun = time.perf_counter()
    remove_leftovers(task.final_dir)
    try:
        result = build(task.params_file)
        if not isinstance(result, BuildResult):
            raise TypeError(f"build returned {type(result).__name__}, expected BuildResult")
    except BuildFailed as exc:
        result = BuildResult(exc.staging_dir, ok=False, message=str(exc).strip())
    except (Exception, SystemExit) as exc:
        staged = staging_dirs_of(task.final_dir, os.getpid())
        result = BuildResult(staged[-1] if staged else None, ok=False, message=_describe(exc))
    if result.ok:
        if result.staging_dir is None:
            result = BuildResult(None, ok=False, message="build produced no staging folder")
        else:
            try:
                old = read_stamp(task.final_dir)
                mark_publishing(task.final_dir, old)
                published = publish(result.staging_dir, task.final_dir, last=result.last)
                if old is not None:
                    remove_outputs(task.final_dir, set(old.outputs) - set(published))
                seconds = time.perf_counter() - begun
                write_stamp(task.final_dir, task.state, published, seconds)
                clear_failed(task.final_dir)
            except OSError as exc:
                result = BuildResult(
                    result.staging_dir, ok=False, message=f"publishing failed: {_describe(exc)}"
                )
            else:
                message = result.message or task.reason
                return AuditOutcome(
                    task.audit_id, task.params_file, "built", seconds, message, task.final_dir
                )
    artefacts = keep_failed(result.staging_dir, task.final_dir)
    return AuditOutcome(
        task.audit_id,
        task.params_file,
        "failed",
        time.perf_counter() - begun,
        result.message or "build failed",
        task.final_dir,
        tuple(artefacts),
    )
