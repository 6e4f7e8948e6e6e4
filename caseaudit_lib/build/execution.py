"""Running one audit's notebooks in one Jupyter kernel, the way papermill would run each alone.

papermill starts a kernel per notebook, and each would import pandas, matplotlib, statsmodels and
caseaudit again. Here the notebooks of an audit share one warm kernel, and each is still run by
``papermill.execute_notebook`` (its public API: the same ``injected-parameters`` cell, metadata,
error markers and error check as ``papermill nb.ipynb out.ipynb -f params.yaml``), through an
engine of ours registered at papermill's extension point
(:mod:`caseaudit_lib.build.papermill_engine`) that runs the cells in that kernel.

Between notebooks the kernel forgets everything a notebook could see: ``%reset -f`` empties the
user namespace (imported modules stay loaded), the execution counter starts at 1, and the working
directory, ``sys.path``, environment, warning filters, pandas options and matplotlib's figures and
rcParams go back to what they were at start. Module-level state inside libraries is not reset;
a session is recycled after a number of uses to bound it (:func:`worker_session`).

Nothing waits for ever: a cell has a timeout (``timeout``), every silent request to the kernel
too; a kernel whose cell timed out, that died, or that failed a notebook is marked broken and
replaced before the next notebook.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.session import Session
from jupyter_core.utils import run_sync

from caseaudit_lib.build.executed_notebook import ExecutedNotebook, NotebookExecutionError
from caseaudit_lib.build.kernel_code import (
    BUILD_CACHES_CODE,
    FREEZE_CODE,
    RESET_CODE,
    SNAPSHOT_CODE,
)
from caseaudit_lib.build.papermill_engine import ENGINE_NAME, register_engine

# papermill, nbclient and nbformat are imported where they are used, not here: importing them
# takes about a second, and the kernel (which needs only jupyter_client) should be booting and
# importing pandas on the other core meanwhile.

__all__ = [
    "DEFAULT_PRELOAD",
    "KernelSession",
    "execute_notebooks",
    "worker_session",
]

log = logging.getLogger(__name__)

MESSAGE_TIMEOUT_S = 120.0  # a silent request (reset, tables) beyond the cell timeout

# Modules every audit notebook imports; a warm kernel imports them while the caller does other
# work (imports nbconvert, builds the exporter), so two cores overlap the two start-ups.
DEFAULT_PRELOAD = (
    "numpy",
    "pandas",
    "matplotlib.pyplot",
    "seaborn",
    "statsmodels.stats.proportion",
    "caseaudit_lib.pipeline",
)


class KernelSession:
    """One running Jupyter kernel that executes notebooks one after another, isolated.

    Args:
        kernel_name: The kernelspec to start (the project's ``caseaudit``).
        cwd: The kernel's first working directory.
        preload: Modules the kernel imports as soon as it starts, in the background.
        setup: Code the kernel runs silently after the preload (e.g. ``BUILD_CACHES_CODE``).
        max_uses: Start a new kernel after this many notebooks (bounds whatever module-level
            state notebooks leave behind); None never.
        startup_timeout: Seconds to wait for the kernel to answer.
        timeout: Seconds a cell may run; None for no limit (papermill's default).

    """

    def __init__(
        self,
        kernel_name: str = "caseaudit",
        *,
        cwd: Path | None = None,
        preload: Iterable[str] = (),
        setup: str = "",
        max_uses: int | None = None,
        startup_timeout: float = 60,
        timeout: float | None = None,
    ) -> None:
        self.kernel_name = kernel_name
        self.cwd = Path(cwd or Path.cwd()).resolve()
        self.preload = tuple(preload)
        self.setup = setup
        self.max_uses = max_uses
        self.startup_timeout = startup_timeout
        self.timeout = timeout
        self.km: AsyncKernelManager | None = None
        self._control: Any = None
        self.kernel_client: Any = None  # the notebooks' client, made by nbclient at first use
        self.managed: Any = None  # papermill's record of the notebook running (the engine's)
        self.uses = 0
        self._fresh = False  # no notebook has run since the kernel started
        self._healthy = True
        self._ipc_dir = ""
        self._started_env: dict[str, str] = {}

    # -- kernel life -------------------------------------------------------------------------

    def start(self) -> KernelSession:
        """Start the kernel (if not running) and send the preload imports without waiting."""
        if self.km is not None:
            return self
        # Local IPC sockets rather than TCP: nothing listens on a network port, and ipykernel
        # does not warn on every start that TCP traffic is unencrypted.
        self._ipc_dir = tempfile.mkdtemp(prefix="caseaudit-kernel-")
        km = AsyncKernelManager(
            kernel_name=self.kernel_name, transport="ipc", ip=os.path.join(self._ipc_dir, "k")
        )
        # History in memory, as nbclient does for the kernels it starts: no sqlite file to lock.
        run_sync(km.start_kernel)(
            cwd=str(self.cwd), extra_arguments=["--HistoryManager.hist_file=:memory:"]
        )
        self.km = km
        self._started_env = dict(os.environ)
        # One client for our own silent requests, open for the kernel's life: requests sent
        # before the kernel is listening wait in its queue, so start() does not wait for them.
        # Its own session: clients of one session share a zmq identity, and the kernel would
        # send the notebook client's replies to this one.
        session = Session(key=km.session.key, signature_scheme=km.session.signature_scheme)
        self._control = km.client(session=session)
        # Shell only: its replies are never lost, whereas IOPub drops what is published before
        # the subscription reaches the kernel.
        self._control.start_channels(iopub=False, stdin=False, hb=False, control=False)
        self.uses = 0
        self._fresh = True
        self._healthy = True
        code = SNAPSHOT_CODE
        if self.preload:
            # Imported inside a function: nothing is bound in the user namespace.
            code += f"\n(lambda: [__import__(m) for m in {list(self.preload)!r}])()\n"
        code += self.setup
        # Then the objects made so far (mostly the imported libraries') are frozen out of the
        # garbage collector's sight: otherwise every full collection, including the one in the
        # %reset between notebooks, scans them all (about 0.1 s each time).
        code += FREEZE_CODE
        self._control.execute(code, silent=True, store_history=False)
        return self

    def close(self) -> None:
        """Shut the kernel down (safe to call twice)."""
        km, self.km = self.km, None
        if km is None:
            return
        for client in (self._control, self.kernel_client):
            if client is not None:
                client.stop_channels()
        self._control = self.kernel_client = None
        try:
            if run_sync(km.is_alive)():
                # Nothing in the kernel needs saving: no graceful shutdown's half second.
                run_sync(km.shutdown_kernel)(now=True)
        except Exception as exc:  # a dying kernel must not hide the caller's own error
            log.warning("kernel shutdown failed: %s", exc)
        finally:
            run_sync(km.cleanup_resources)()
            shutil.rmtree(self._ipc_dir, ignore_errors=True)

    def __enter__(self) -> KernelSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_ready(self) -> None:
        """Start a kernel, or a new one if this one died, failed a notebook or is worn out."""
        worn = self.max_uses is not None and self.uses >= self.max_uses
        alive = self.km is not None and run_sync(self.km.is_alive)()
        # A kernel inherits the environment it was started in (the project root, the salt);
        # if this process's has changed since, the kernel would build with stale settings.
        moved = dict(os.environ) != self._started_env
        if self.km is not None and (worn or not alive or not self._healthy or moved):
            self.close()
        self.start()

    def run_code(self, code: str, what: str) -> None:
        """Execute code silently in the kernel as it is (no reset first); raise if it failed.

        ``what`` names the step in the error, e.g. "writing the tables".
        """
        self._ensure_ready()
        self._send(code, what)

    def _send(self, code: str, what: str = "resetting the kernel") -> None:
        """Execute code silently (no history, no outputs) and wait; raise if it failed.

        Waits at most the cell timeout (or :data:`MESSAGE_TIMEOUT_S` without one); a kernel
        that does not answer in time is marked broken, so the next use starts a new one.
        """
        import queue

        wait = self.timeout or MESSAGE_TIMEOUT_S
        deadline = time.monotonic() + wait
        msg_id = self._control.execute(code, silent=True, store_history=False)
        while True:
            # Waits behind the preload imports if they are still running.
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise queue.Empty
                reply = run_sync(self._control.get_shell_msg)(timeout=remaining)
            except queue.Empty:
                self._healthy = False
                raise RuntimeError(
                    f"{what} failed: the kernel did not answer within {wait:g} s"
                ) from None
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content["status"] != "ok":
            raise RuntimeError(f"{what} failed: {content.get('ename')}: {content.get('evalue')}")

    # -- running notebooks -------------------------------------------------------------------

    def run(
        self,
        notebooks: Sequence[Path],
        parameters: Mapping[str, Any] | str | Path,
        out_dir: Path,
        *,
        cwd: Path | None = None,
    ) -> list[ExecutedNotebook]:
        """Execute notebooks in order, each isolated from the others; see execute_notebooks."""
        return [
            self.run_notebook(source, parameters, Path(out_dir) / Path(source).name, cwd=cwd)
            for source in notebooks
        ]

    def run_notebook(
        self,
        source: Path,
        parameters: Mapping[str, Any] | str | Path,
        output: Path,
        *,
        cwd: Path | None = None,
    ) -> ExecutedNotebook:
        """Execute one notebook into ``output``, isolated from those run before it.

        The per-notebook form of :meth:`run`, for callers that execute one notebook at a time
        (e.g. ``audit_build.execute_notebook``): consecutive calls share the warm kernel.
        """
        if isinstance(parameters, (str, Path)):
            from papermill.iorw import read_yaml_file

            # Exactly what `papermill ... -f params.yaml` injects.
            parameters = read_yaml_file(str(parameters))
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        self._ensure_ready()
        self.uses += 1
        return self._run_one(
            Path(source), dict(parameters), output, Path(cwd or self.cwd).resolve()
        )

    def _run_one(
        self, source: Path, parameters: dict[str, Any], output: Path, cwd: Path
    ) -> ExecutedNotebook:
        import nbformat
        import papermill
        from papermill.exceptions import PapermillExecutionError

        begun = time.perf_counter()
        assert self.km is not None
        if not self._fresh:
            self._send(RESET_CODE.format(cwd=json.dumps(str(cwd))))
        self._fresh = False
        self.managed = None
        register_engine()
        try:
            # papermill's public API, run by the engine registered below on this warm kernel:
            # the same parameters cell, metadata and error markers as `papermill` alone.
            papermill.execute_notebook(
                str(source),
                str(output),
                parameters=parameters,
                engine_name=ENGINE_NAME,
                kernel_name=self.kernel_name,
                progress_bar=False,
                request_save_on_cell_execute=False,
                start_timeout=self.startup_timeout,
                execution_timeout=self.timeout,
                session=self,
            )
        except PapermillExecutionError as error:
            # The kernel may hold half-built state of a failed notebook: a new one next time.
            self._healthy = False
            raise NotebookExecutionError(source, output, error) from error
        except BaseException:
            # A cell that timed out is still running, a dead kernel is dead: either way this
            # kernel is done with; the next notebook starts a new one.
            self._healthy = False
            if self.managed is not None:
                nbformat.write(self.managed.nb, output)
            raise
        notebook = nbformat.read(output, as_version=4)
        return ExecutedNotebook(source, output, notebook, time.perf_counter() - begun)


def execute_notebooks(
    notebooks: Sequence[Path],
    parameters: Mapping[str, Any] | str | Path,
    out_dir: Path,
    *,
    kernel_name: str = "caseaudit",
    cwd: Path,
    session: KernelSession | None = None,
    timeout: float | None = None,
) -> list[ExecutedNotebook]:
    """Execute several notebooks of one audit in one kernel, each as papermill would alone.

    Each notebook gets papermill's ``injected-parameters`` cell and metadata, runs with a
    namespace emptied of everything the notebooks before it defined (imported modules stay
    loaded), and is written to ``out_dir/<notebook name>`` with papermill's metadata.

    Args:
        notebooks: The notebooks, in the order to run them.
        parameters: The papermill parameters, or a params YAML file read as ``papermill -f``
            reads it.
        out_dir: The folder for the executed notebooks (created if missing).
        kernel_name: The kernelspec to run them in.
        cwd: The working directory of every notebook (papermill's ``cwd``).
        session: A running :class:`KernelSession` to reuse (e.g. :func:`worker_session`);
            None starts a kernel for this call and shuts it down afterwards.
        timeout: Seconds a cell may run (None: no limit), for a session started here.

    Returns:
        The executed notebooks, in order.

    Raises:
        NotebookExecutionError: A cell raised; the executed notebook up to and including the
            failing cell (with papermill's error markers) is written, later notebooks are not
            run.
        nbclient.exceptions.DeadKernelError: The kernel died; the partial notebook is written.

    """
    if session is not None:
        return session.run(notebooks, parameters, out_dir, cwd=cwd)
    with KernelSession(kernel_name, cwd=cwd, timeout=timeout) as own:
        return own.run(notebooks, parameters, out_dir, cwd=cwd)


_worker_session: KernelSession | None = None


def worker_session(
    kernel_name: str = "caseaudit",
    *,
    cwd: Path | None = None,
    preload: Iterable[str] = DEFAULT_PRELOAD,
    setup: str = BUILD_CACHES_CODE,
    max_uses: int | None = 100,
    timeout: float | None = None,
) -> KernelSession:
    """Return this process's warm kernel session, starting it (and its preload) on first use.

    Meant for batch workers: call it from the worker initializer so the kernel boots and
    imports while the worker builds its exporter, then pass it to :func:`execute_notebooks`
    for every audit. The kernel is shut down when the process exits (also in a
    multiprocessing worker, where ``atexit`` handlers do not run), and replaced after
    ``max_uses`` notebooks (20 audits of 5), after a failed notebook, or if it died. ``setup``
    (by default) lets an audit's notebooks share its scored results and chart PNGs.
    """
    global _worker_session
    if _worker_session is None:
        _worker_session = KernelSession(
            kernel_name,
            cwd=cwd,
            preload=preload,
            setup=setup,
            max_uses=max_uses,
            timeout=timeout,
        ).start()
        atexit.register(_worker_session.close)
        from multiprocessing import util

        util.Finalize(None, _worker_session.close, exitpriority=50)
    return _worker_session
