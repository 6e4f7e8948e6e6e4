"""What executing one notebook gives back: the executed notebook, or the error of its cell.

Both are made by :class:`caseaudit_lib.build.execution.KernelSession`; callers catch
:class:`NotebookExecutionError` without importing papermill.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import nbformat


@dataclass(frozen=True)
class ExecutedNotebook:
    """One notebook after execution.

    Attributes:
        source: The notebook that was run.
        path: Where the executed notebook was written.
        notebook: The executed notebook itself (outputs, papermill metadata).
        seconds: Wall time of its execution, reset included.

    """

    source: Path
    path: Path
    notebook: nbformat.NotebookNode
    seconds: float


class NotebookExecutionError(Exception):
    """A cell of a notebook raised: names the notebook, the cell and the error.

    Carries papermill's ``PapermillExecutionError`` attributes (``cell_index``, ``exec_count``,
    ``source``, ``ename``, ``evalue``, ``traceback``) plus ``notebook`` (the source notebook)
    and ``output_path`` (the executed notebook, written with the error); the papermill error
    itself is its ``__cause__``. Not a subclass of it, so that this module can be imported
    without importing papermill.
    """

    def __init__(self, notebook: Path, output_path: Path, error: Any) -> None:
        self.notebook = Path(notebook)
        self.output_path = Path(output_path)
        self.cell_index = error.cell_index
        self.exec_count = error.exec_count
        self.source = error.source
        self.ename = error.ename
        self.evalue = error.evalue
        self.traceback = error.traceback
        self._details = str(error)
        super().__init__(
            f"{self.notebook.name}: cell {self.cell_index} (In [{self.exec_count}]) raised "
            f"{self.ename}: {self.evalue}; executed notebook kept at {self.output_path}"
        )

    def __str__(self) -> str:
        return self.args[0] + self._details
