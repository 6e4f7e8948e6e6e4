"""Rebuilding many audits: in parallel worker processes, only those whose inputs changed, safely.

The engine knows nothing about notebooks: the caller passes ``build`` (builds ONE audit from its
params file, in a worker process) and ``inputs_of`` (lists the files an audit is built from, in
this process). A build writes its outputs into a staging folder
(:func:`caseaudit_lib.build.state.staging_dir_for`) and
returns a :class:`BuildResult`; the engine publishes them file by file atomically (see
:mod:`caseaudit_lib.build.state` for the exact guarantee), then writes the build stamp that lets
the next batch skip the audit while nothing it depends on has changed.

A failure never stops the other audits: a build that raises, returns ``ok=False`` or kills its
worker process is reported as failed, its artefacts go to ``outputs/<audit_id>/failed/`` and the
previous good outputs stay as they were: the summary calls such a report stale, and
:mod:`caseaudit_lib.build.status` tells the overview page the same.
"""

from __future__ import annotations

import functools
import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caseaudit_lib.build.pool import init_worker, run_in_pools
from caseaudit_lib.build.state import (
    FileHasher,
    InputState,
    clear_failed,
    input_state,
    keep_failed,
    library_fingerprint,
    manifest_state,
    mark_publishing,
    publish,
    read_stamp,
    remove_leftovers,
    remove_outputs,
    staging_dirs_of,
    stale_reason,
    write_stamp,
)
from caseaudit_lib.build.status import build_status, clear_failure, record_failure
from caseaudit_lib.build.summary import (
    AuditOutcome,
    BatchSummary,
    describe_exception,
    reason_for_reader,
    without_values,
)
from caseaudit_lib.manifest import Manifest
from caseaudit_lib.paths import outputs_dir

__all__ = ["UNCHANGED", "BuildFailed", "BuildResult", "run_batch"]

UNCHANGED = "unchanged since its last good build (--force rebuilds it)"


@dataclass(frozen=True)
class BuildResult:
    """What one build of one audit produced, not yet published.

    Attributes:
        staging_dir: the folder holding the new outputs (or, on failure, the failed run's
            artefacts); best made with :func:`caseaudit_lib.build.state.staging_dir_for` so
            publishing is a rename.
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
    inputs_of: Callable[[Path], list[Path]] | None = None,
    manifest_of: Callable[[Path], Manifest] | None = None,
    output_dir_of: Callable[[Path], Path] | None = None,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
    fingerprint: str | None = None,
    start_method: str = "spawn",
    in_process: bool = False,
    on_outcome: Callable[[AuditOutcome], None] | None = None,
    audit_timeout: float | None = None,
    check_failed: Callable[[Path, Path], str] | None = None,
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
        manifest_of: instead of ``inputs_of`` (and ``fingerprint``): an audit's manifest, every
            input by content (:func:`caseaudit_lib.manifest.audit_manifest`); its stage
            digests are recorded in the build stamp.
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
        on_outcome: called in this process with each audit's outcome as soon as it is known
            (skipped and unbuildable ones first, then each build as it ends), e.g. to prepare
            the overview while other audits build; it must not raise.
        audit_timeout: seconds one audit's build may take in a worker; then the worker is
            stopped and the audit fails, named ("timed out after N s"), and the others go on.
            None: no limit (``in_process`` builds have none: their cells' timeout applies).
        check_failed: called in this process with the params file and the staging folder of
            a build whose worker died or was stopped, before that folder is kept as
            ``failed/``: deletes what must not be kept, returns a note for the reason (the
            build itself checks the files of a failure it reports).

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
    claimed: dict[Path, Path] = {}  # output folder -> the params file that has it
    for index, params_file in enumerate(Path(p) for p in params_files):
        audit_id = params_file.stem
        final_dir: Path | None = None  # known and ours: a failure is recorded there
        try:
            folder = Path(output_dir_of(params_file))
            audit_id = folder.name
            if folder.resolve() in claimed:
                raise ValueError(f"same output folder as {claimed[folder.resolve()]}")
            claimed[folder.resolve()] = params_file
            final_dir = folder
            if manifest_of is not None:
                state = manifest_state(manifest_of(params_file))
            elif inputs_of is not None:
                state = input_state([params_file, *inputs_of(params_file)], hasher, fingerprint)
            else:
                raise TypeError("run_batch needs inputs_of or manifest_of")
        except Exception as exc:  # one bad params file must not stop the batch
            outcomes[index] = _unbuildable(audit_id, params_file, final_dir, exc)
            continue
        reason = "forced" if force else stale_reason(read_stamp(final_dir), state, final_dir)
        if reason is None:
            # The last good build matches the inputs again: its report is not stale. A batch
            # killed earlier may have left staging folders behind: any batch removes them.
            clear_failure(final_dir)
            clear_failed(final_dir)
            remove_leftovers(final_dir)
            outcomes[index] = AuditOutcome(
                audit_id, params_file, "skipped", message=UNCHANGED, output_dir=final_dir
            )
        else:
            tasks.append(_Task(index, audit_id, params_file, final_dir, state, reason))

    report = on_outcome or (lambda outcome: None)
    for index in sorted(outcomes):
        report(outcomes[index])
    pools = 0
    if tasks:
        try:
            pickle.dumps(build)
        except Exception as exc:
            raise TypeError(f"build must be a top-level function (picklable): {exc}") from exc
        n_workers = min(workers or _usable_cpus(), len(tasks))
        with _progress_bar(len(outcomes) + len(tasks), len(outcomes), progress) as bar:
            if in_process:
                init_worker(None, initializer, initargs)
                for task in tasks:
                    outcomes[task.index] = _build_one(task, build)
                    report(outcomes[task.index])
                    bar.update(1)
            else:

                def done(task: _Task, outcome: AuditOutcome) -> None:
                    outcomes[task.index] = outcome
                    report(outcome)
                    bar.update(1)

                def failed(task: _Task, message: str, pid: int | None) -> None:
                    outcomes[task.index] = _died(task, message, pid, check_failed)
                    report(outcomes[task.index])
                    bar.update(1)

                pools = run_in_pools(
                    tasks,
                    functools.partial(_build_one, build=build),
                    n_workers,
                    initializer=initializer,
                    initargs=initargs,
                    start_method=start_method,
                    done=done,
                    failed=failed,
                    task_timeout=audit_timeout,
                )
    ordered = [outcomes[i] for i in sorted(outcomes)]
    return BatchSummary(ordered, seconds=time.perf_counter() - started, pools_started=pools)


def _default_output_dir(params_file: Path) -> Path:
    return outputs_dir(params_file.stem)


def _usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _unbuildable(
    audit_id: str, params_file: Path, final_dir: Path | None, exc: Exception
) -> AuditOutcome:
    """Report an audit that could not even be planned (e.g. a bad params file)."""
    message = without_values(describe_exception(exc))
    if final_dir is None:
        return AuditOutcome(audit_id, params_file, "failed", message=message)
    return _failed_outcome(audit_id, params_file, final_dir, message, 0.0, ())


def _failed_outcome(
    audit_id: str,
    params_file: Path,
    final_dir: Path,
    message: str,
    seconds: float,
    artefacts: Sequence[Path],
) -> AuditOutcome:
    """Record a failed build in its folder and report it, naming a stale report if one is kept."""
    message = without_values(message).strip() or "build failed"
    try:
        record_failure(final_dir, message)
    except OSError:
        pass  # the summary still says it; only the overview page loses the record
    status = build_status(final_dir)
    return AuditOutcome(
        audit_id,
        params_file,
        "failed",
        seconds,
        message,
        final_dir,
        tuple(artefacts),
        stale_report=status.last_good_report,
    )


def _died(
    task: _Task,
    message: str,
    pid: int | None,
    check_failed: Callable[[Path, Path], str] | None = None,
) -> AuditOutcome:
    """Report a build whose worker died (or whose result was lost), keeping what it staged.

    What it staged is first given to ``check_failed`` (the leak check), when there is one.
    """
    artefacts: list[Path] = []
    if pid is not None:
        staged = staging_dirs_of(task.final_dir, pid)
        if staged and check_failed is not None:
            message += check_failed(task.params_file, staged[-1])
        artefacts = keep_failed(staged[-1] if staged else None, task.final_dir)
    return _failed_outcome(task.audit_id, task.params_file, task.final_dir, message, 0.0, artefacts)


@contextmanager
def _progress_bar(total: int, done: int, wanted: bool) -> Iterator[Any]:
    from tqdm import tqdm

    disable = not wanted or not sys.stderr.isatty()
    with tqdm(total=total, initial=done, unit="audit", disable=disable, file=sys.stderr) as bar:
        yield bar


def _build_one(task: _Task, build: Callable[[Path], BuildResult]) -> AuditOutcome:
    """Build, publish and stamp one audit, in a worker process."""
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
        message = describe_exception(exc)
        result = BuildResult(staged[-1] if staged else None, ok=False, message=message)
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
                clear_failure(task.final_dir)
            except OSError as exc:
                message = f"publishing failed: {describe_exception(exc)}"
                result = BuildResult(result.staging_dir, ok=False, message=message)
            else:
                message = result.message or task.reason
                return AuditOutcome(
                    task.audit_id, task.params_file, "built", seconds, message, task.final_dir
                )
    artefacts = keep_failed(result.staging_dir, task.final_dir)
    return _failed_outcome(
        task.audit_id,
        task.params_file,
        task.final_dir,
        reason_for_reader(result.message, task.final_dir),
        time.perf_counter() - begun,
        artefacts,
    )
