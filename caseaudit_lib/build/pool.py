"""Running builds in worker processes, in pools that survive a worker's death.

The batch engine (:mod:`caseaudit_lib.build.batch`) hands this module its tasks and a function
that runs one of them in a worker; this module knows nothing of audits. Each worker gets one
thread per numerical library (:data:`THREAD_VARS`), runs the caller's initializer once, and
reports which task it starts, so that when a worker dies the build that killed it is named.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from caseaudit_lib.build.summary import describe_exception

# Numerical libraries size their thread pools at import; one thread each keeps N workers on N cores.
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

Task = TypeVar("Task")

_POLL_S = 0.5  # how often the parent looks at the clock while tasks run
_starts: Any = None  # in a worker: the queue on which it says which task it starts


def init_worker(starts: Any, initializer: Callable[..., object] | None, initargs: tuple) -> None:
    """Prepare a worker process (or this one): thread limits, the start queue, the caller's hook."""
    global _starts
    _starts = starts
    for name in THREAD_VARS:
        os.environ.setdefault(name, "1")
    if initializer is not None:
        initializer(*initargs)


def run_announced(run_one: Callable[[Task], Any], key: int, task: Task) -> Any:
    """Run one task in a worker after telling the parent (by key) that this process started it."""
    if _starts is not None:
        _starts.put((key, os.getpid()))
    return run_one(task)


def run_in_pools(
    tasks: Sequence[Task],
    run_one: Callable[[Task], Any],
    n_workers: int,
    *,
    initializer: Callable[..., object] | None,
    initargs: tuple[Any, ...],
    start_method: str,
    done: Callable[[Task, Any], None],
    failed: Callable[[Task, str, int | None], None],
    task_timeout: float | None = None,
) -> int:
    """Run every task in process pools, starting a fresh pool whenever a worker dies.

    When a worker dies, every unfinished future of its pool fails. Tasks that had not started
    are simply run again; of those that had started, a lone one is the culprit, and several are
    re-run one at a time so that the next death names its task exactly.

    Args:
        tasks: the tasks; each is passed to ``run_one`` in a worker (so it must be picklable).
        run_one: runs one task in a worker and returns its result (a picklable top-level
            function, or a ``functools.partial`` of one).
        n_workers: the most worker processes at once.
        initializer: called once in each worker, with ``initargs``.
        initargs: the arguments of ``initializer``.
        start_method: the multiprocessing start method (``"spawn"`` or ``"forkserver"``).
        done: called in this process with each task and its result.
        failed: called with a task, why it failed, and the pid of the worker that died running
            it (None when no worker died, e.g. an unpicklable result).
        task_timeout: seconds a task may run once a worker has started it; its worker is then
            killed and the task fails, named, while the others carry on. None: no limit.

    Returns:
        The number of pools started.

    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context(start_method)
    pending: list[int] = list(range(len(tasks)))
    one_by_one: list[int] = []
    pools = 0
    with one_thread_per_worker():
        while pending or one_by_one:
            if pending:
                round_keys, width, pending = pending, min(n_workers, len(pending)), []
            else:
                round_keys, width, one_by_one = one_by_one, 1, []
            starts = context.SimpleQueue()  # (task key, worker pid) when a task starts
            pool = ProcessPoolExecutor(
                width,
                mp_context=context,
                initializer=init_worker,
                initargs=(starts, initializer, initargs),
            )
            pools += 1
            started: dict[int, int] = {}
            begun: dict[int, float] = {}  # when this process first heard a task started
            timed_out: set[int] = set()
            broken: list[int] = []
            try:
                futures = {
                    pool.submit(run_announced, run_one, key, tasks[key]): key for key in round_keys
                }
                waiting = set(futures)
                while waiting:
                    finished, waiting = wait(waiting, timeout=_POLL_S, return_when=FIRST_COMPLETED)
                    _drain(starts, started)
                    running = {futures[f] for f in waiting}
                    _kill_overdue(started, begun, running, task_timeout, timed_out)
                    for future in finished:
                        key = futures[future]
                        try:
                            result = future.result()
                        except BrokenProcessPool:
                            broken.append(key)
                            continue
                        except Exception as exc:  # e.g. an unpicklable result
                            failed(tasks[key], describe_exception(exc), None)
                            continue
                        done(tasks[key], result)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown(wait=True, cancel_futures=True)
            _drain(starts, started)
            for key in sorted(timed_out):
                if key in broken:
                    broken.remove(key)
                    message = f"timed out after {task_timeout:g} s (its worker was stopped)"
                    failed(tasks[key], message, started.get(key))
            if timed_out:
                # Our kill broke the pool: the others are innocent, run them again.
                pending.extend(k for k in broken if k not in started)
                one_by_one.extend(k for k in broken if k in started)
                continue
            if not broken:
                continue
            suspects = [k for k in broken if k in started]
            if not suspects:  # the workers died before any task began: retrying cannot help
                for key in broken:
                    failed(tasks[key], "worker process could not start", None)
                continue
            pending.extend(k for k in broken if k not in started)
            if len(suspects) > 1 and width > 1:
                one_by_one.extend(suspects)
                continue
            # Alone in its pool, or the last one a single worker began: this task killed it.
            culprit = max(suspects, key=list(started).index)
            one_by_one.extend(k for k in suspects if k != culprit)
            pid = started[culprit]
            message = f"worker process {pid} died during the build (crash, kill or exit)"
            failed(tasks[culprit], message, pid)
    return pools


def _kill_overdue(
    started: dict[int, int],
    begun: dict[int, float],
    running: set[int],
    limit: float | None,
    timed_out: set[int],
) -> None:
    """Kill the worker of every running task that has run longer than ``limit`` seconds."""
    now = time.monotonic()
    for key, pid in started.items():
        begun.setdefault(key, now)
        if limit is None or key not in running or key in timed_out or now - begun[key] < limit:
            continue
        timed_out.add(key)
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # gone already: the pool reports it broken all the same


def _drain(queue: Any, started: dict[int, int]) -> None:
    while not queue.empty():
        key, pid = queue.get()
        started[key] = pid


@contextmanager
def one_thread_per_worker() -> Iterator[None]:
    """Set one thread per numerical library for the workers (unless the user set them)."""
    added = [name for name in THREAD_VARS if name not in os.environ]
    for name in added:
        os.environ[name] = "1"
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
