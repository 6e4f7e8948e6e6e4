"""Running one audit's notebooks in one Jupyter kernel, the way papermill would run each alone.

papermill starts a kernel per notebook, and each kernel then imports pandas, matplotlib,
statsmodels and caseaudit again: with five notebooks per audit that start-up costs more than the
arithmetic. Here the notebooks of an audit share one kernel. Each notebook is still parameterised
by papermill's own code (the same ``injected-parameters`` cell and ``metadata.papermill`` as
``papermill nb.ipynb out.ipynb -f params.yaml``), executed cell by cell by papermill's nbclient
client (the same per-cell timing and status metadata), and checked for errors by papermill, so
the notebooks run unchanged under the plain papermill CLI as well.

Between notebooks the kernel forgets everything a notebook could see: ``%reset -f`` empties the
user namespace (imported modules stay in ``sys.modules``, which is the point), the execution
counter starts again at 1, the working directory, ``sys.path``, environment variables, warning
filters, pandas options, matplotlib's open figures and rcParams go back to what they were when
the kernel started. What is NOT reset is module-level state inside imported libraries (a cache,
a monkeypatch); a notebook that changes such state must undo it, and a :class:`KernelSession` can
be recycled after a number of uses to bound what leaks (see :func:`worker_session`).

Use :func:`execute_notebooks` for one audit (a fresh kernel, shut down afterwards), or pass a
:class:`KernelSession` to reuse one warm kernel for many audits, e.g. one per batch worker.
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
        self._kc: Any = None  # the notebooks' client, made by nbclient for the first one
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
        for client in (self._control, self._kc):
            if client is not None:
                client.stop_channels()
        self._control = self._kc = None
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
        """Execute code silently (no history, no outputs) and wait; raise if it failed."""
        msg_id = self._control.execute(code, silent=True, store_history=False)
        while True:
            # Waits behind the preload imports if they are still running.
            reply = run_sync(self._control.get_shell_msg)(timeout=None)
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
        from nbclient.exceptions import DeadKernelError
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.engines import NotebookExecutionManager
        from papermill.exceptions import PapermillExecutionError
        from papermill.execute import (
            prepare_notebook_metadata,
            raise_for_execution_errors,
            remove_error_markers,
        )
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        begun = time.perf_counter()
        assert self.km is not None
        if not self._fresh:
            self._send(RESET_CODE.format(cwd=json.dumps(str(cwd))))
        self._fresh = False
        # The same steps, in the same order, as papermill.execute_notebook.
        nb = load_notebook_node(str(source))
        nb = parameterize_notebook(nb, parameters, kernel_name=self.kernel_name)
        nb = prepare_notebook_metadata(nb, str(source), str(output))
        nb = remove_error_markers(nb)
        manager = NotebookExecutionManager(nb, output_path=None, progress_bar=False)
        manager.notebook_start()
        client = PapermillNotebookClient(
            manager,
            km=self.km,
            kernel_name=self.kernel_name,
            timeout=self.timeout,
            startup_timeout=self.startup_timeout,
            log=logging.getLogger("papermill"),
        )
        # One client for every notebook of the kernel: a new one costs ~0.2 s of waiting for
        # its IOPub subscription to reach the kernel.
        client.kc = self._kc
        try:
            client.execute()
        except DeadKernelError:
            self._healthy = False
            nbformat.write(manager.nb, output)
            raise
        finally:
            self._kc = client.kc
            manager.notebook_complete()
        try:
            raise_for_execution_errors(manager.nb, str(output))  # writes the notebook on error
        except PapermillExecutionError as error:
            # The kernel may hold half-built state of a failed notebook: a new one next time.
            self._healthy = False
            raise NotebookExecutionError(source, output, error) from error
        nbformat.write(manager.nb, output)
        return ExecutedNotebook(source, output, manager.nb, time.perf_counter() - begun)


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
