"""The benchmark's floor: an audit's notebooks as plain Python scripts run by one process.

Each code cell becomes plain Python (magics commented out), the injected parameters come from
papermill's own translator, the last expression of a cell goes to a ``display`` that computes
every representation a kernel would send, and figures are rendered as the inline backend does.
"""

from __future__ import annotations

import ast
from pathlib import Path

KERNEL = "caseaudit"

FLOOR_PRELUDE = '''\
"""What Jupyter does for each cell, without Jupyter: rich display and inline figures."""
import json

import matplotlib

matplotlib.use("Agg")
import IPython.display
import matplotlib.pyplot as plt
from IPython.core.formatters import DisplayFormatter
from IPython.core.pylabtools import print_figure
from matplotlib.figure import Figure

_formatter = DisplayFormatter()


def display(*objs, raw=False, **kwargs):
    """Compute every representation a kernel would send (HTML, Markdown, PNG...)."""
    for obj in objs:
        if raw:
            json.dumps(obj, default=str)
        elif isinstance(obj, Figure):
            print_figure(obj, "png", bbox_inches="tight")  # the inline backend's own call
        elif obj is not None:
            _formatter.format(obj)


def flush():
    """Render and close every open figure, as the inline backend does after each cell."""
    for num in plt.get_fignums():
        display(plt.figure(num))
    plt.close("all")


IPython.display.display = display
plt.show = lambda *args, **kwargs: flush()
'''

FLOOR_RUNNER = """\
import os
import runpy
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import floor_prelude  # noqa: E402

os.chdir({cwd!r})
for script in {scripts!r}:
    runpy.run_path(os.path.join(here, script), run_name="__main__")
    floor_prelude.flush()
"""


def cell_as_script(source: str) -> str:
    """Return a cell's code as plain Python: magics dropped, the last expression shown."""
    lines = [
        f"# {line}" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    ]
    code = "\n".join(lines)
    tree = ast.parse(code)
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        tree.body[-1] = ast.Expr(ast.Call(ast.Name("_floor_display", ast.Load()), [last.value], []))
        ast.fix_missing_locations(tree)
        code = ast.unparse(tree)
    return code + "\n_floor_flush()\n"


def write_floor(notebooks: list[Path], params_file: Path, folder: Path) -> Path:
    """Write the notebooks as plain scripts plus floor.py that runs them all in one process."""
    import nbformat
    import yaml
    from papermill.translators import translate_parameters

    folder.mkdir(parents=True, exist_ok=True)
    parameters = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    (folder / "floor_prelude.py").write_text(FLOOR_PRELUDE, encoding="utf-8")
    scripts = []
    for notebook in notebooks:
        nb = nbformat.read(notebook, as_version=4)
        parts = ["from floor_prelude import display as _floor_display, flush as _floor_flush\n"]
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            parts.append(cell_as_script(cell.source))
            if "parameters" in cell.metadata.get("tags", []):
                parts.append(translate_parameters(KERNEL, "python", parameters, "Parameters"))
        script = f"floor_{notebook.stem}.py"
        (folder / script).write_text("\n".join(parts), encoding="utf-8")
        scripts.append(script)
    runner = folder / "floor.py"
    runner.write_text(
        FLOOR_RUNNER.format(cwd=str(notebooks[0].parent), scripts=scripts), encoding="utf-8"
    )
    return runner
