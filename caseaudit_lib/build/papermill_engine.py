"""papermill's engine extension point, used to run a notebook in a warm :class:`KernelSession`.

``papermill.execute_notebook(..., engine_name=ENGINE_NAME, session=<KernelSession>)`` does all
that papermill does for a notebook (parameters, metadata, error markers, the error check) and
hands the execution to the session's kernel instead of starting one.
"""

from __future__ import annotations

import logging
from typing import Any

ENGINE_NAME = "caseaudit-warm"
_registered = False


def register_engine() -> None:
    """Register the warm kernel's engine with papermill as ``caseaudit-warm`` (once).

    papermill's engine extension point: ``papermill.execute_notebook(engine_name=
    "caseaudit-warm", session=<KernelSession>)`` runs the notebook in that session's kernel.
    Defined here rather than at import: importing papermill takes about a second, while the
    kernel boots.
    """
    global _registered
    if _registered:
        return
    from papermill.engines import Engine, papermill_engines

    class WarmKernelEngine(Engine):
        """A notebook run in a KernelSession's warm kernel."""

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
            """Run the notebook papermill manages in the session passed as ``session=``."""
            from papermill.clientwrap import PapermillNotebookClient

            session = kwargs.pop("session")  # a build.execution.KernelSession
            session.managed = nb_man  # what ran so far, written out if the cell times out
            client = PapermillNotebookClient(
                nb_man,
                km=session.km,
                kernel_name=kernel_name,
                timeout=kwargs.get("execution_timeout") or session.timeout,
                startup_timeout=kwargs.get("start_timeout", session.startup_timeout),
                log=logging.getLogger("papermill"),
            )
            # One client for every notebook of the kernel: a new one costs ~0.2 s of waiting
            # for its IOPub subscription to reach the kernel.
            client.kc = session.kernel_client
            try:
                return client.execute()
            finally:
                session.kernel_client = client.kc

    papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
    _registered = True
