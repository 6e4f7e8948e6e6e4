"""Tests of running several notebooks of one audit in one kernel (caseaudit_lib.build.execution)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from papermill.exceptions import PapermillExecutionError

from caseaudit_lib.build.executed_notebook import NotebookExecutionError
from caseaudit_lib.build.execution import (
    KernelSession,
    execute_notebooks,
)

KERNEL = "caseaudit" if "caseaudit" in KernelSpecManager().find_kernel_specs() else "python3"


def write_notebook(path: Path, *cells: str | tuple[str, str]) -> Path:
    """Write a notebook; a (tag, source) tuple makes a tagged code cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python", "language": "python"}
    for cell in cells:
        tag, source = cell if isinstance(cell, tuple) else (None, cell)
        code = nbformat.v4.new_code_cell(source)
        if tag:
            code.metadata["tags"] = [tag]
        nb.cells.append(code)
    nbformat.write(nb, path)
    return path


def outputs_text(cell: nbformat.NotebookNode) -> list[str]:
    """Return the plain-text outputs of a cell (stream text or text/plain data)."""
    texts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            texts.append(output.text)
        elif "data" in output:
            texts.append(output.data.get("text/plain", ""))
        elif output.output_type == "error":
            texts.append(f"{output.ename}: {output.evalue}")
    return texts


@pytest.fixture
def notebooks(tmp_path: Path) -> dict[str, Path]:
    first = write_notebook(
        tmp_path / "01_first.ipynb",
        ("parameters", "x = 1\nlabel = 'default'"),
        "import os\nsecret = x * 10\nprint(secret, label)",
        "print(os.getpid())",
    )
    second = write_notebook(
        tmp_path / "02_second.ipynb",
        ("parameters", "x = 1\nlabel = 'default'"),
        "print(sorted(n for n in ('secret', 'os', 'first_only') if n in globals()))",
        "import os\nprint(os.getpid())",
        "x + 1",
    )
    failing = write_notebook(
        tmp_path / "03_failing.ipynb",
        ("parameters", "x = 1"),
        "y = 2",
        "y / (x - x)",
        "z = 3",
    )
    return {"first": first, "second": second, "failing": failing}


def test_two_notebooks_share_one_kernel_but_not_their_variables(notebooks, tmp_path):
    out = tmp_path / "out"
    done = execute_notebooks(
        [notebooks["first"], notebooks["second"]],
        {"x": 5, "label": "bromley"},
        out,
        kernel_name=KERNEL,
        cwd=tmp_path,
    )
    first, second = (d.notebook for d in done)
    assert [d.path for d in done] == [out / "01_first.ipynb", out / "02_second.ipynb"]
    assert outputs_text(first.cells[2]) == ["50 bromley\n"]
    # The second notebook sees none of the first one's names, not even its imports...
    assert outputs_text(second.cells[2]) == ["[]\n"]
    # ...yet ran in the same kernel process.
    assert outputs_text(first.cells[3]) == outputs_text(second.cells[3])
    assert outputs_text(second.cells[4]) == ["6"]
    # Each notebook counts its cells from 1, as in a kernel of its own.
    assert [c.execution_count for c in second.cells] == [1, 2, 3, 4, 5]
    written = nbformat.read(out / "02_second.ipynb", as_version=4)
    assert outputs_text(written.cells[4]) == ["6"]


def test_injected_parameters_cell_is_papermills(notebooks, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("x: 7\nlabel: from yaml\nlist_value: [a, b]\n", encoding="utf-8")
    (done,) = execute_notebooks(
        [notebooks["first"]], params, tmp_path / "out", kernel_name=KERNEL, cwd=tmp_path
    )
    nb = done.notebook
    injected = nb.cells[1]
    assert injected.metadata["tags"] == ["injected-parameters"]
    assert injected.source == '# Parameters\nx = 7\nlabel = "from yaml"\nlist_value = ["a", "b"]\n'
    assert nb.cells[0].metadata["tags"] == ["parameters"]
    assert nb.metadata.papermill["parameters"] == {
        "x": 7,
        "label": "from yaml",
        "list_value": ["a", "b"],
    }
    assert nb.metadata.papermill["input_path"] == str(notebooks["first"])
    assert nb.metadata.papermill["output_path"] == str(done.path)
    assert nb.metadata.papermill["exception"] is None
    assert nb.metadata.papermill["duration"] > 0
    assert {c.metadata.papermill["status"] for c in nb.cells} == {"completed"}


def test_same_notebook_as_papermill_execute_notebook(notebooks, tmp_path):
    parameters = {"x": 3, "label": "same"}
    reference = papermill.execute_notebook(
        str(notebooks["second"]),
        str(tmp_path / "papermill.ipynb"),
        parameters=parameters,
        kernel_name=KERNEL,
        progress_bar=False,
        cwd=str(tmp_path),
    )
    (ours,) = execute_notebooks(
        [notebooks["second"]], parameters, tmp_path / "out", kernel_name=KERNEL, cwd=tmp_path
    )
    assert [c.source for c in ours.notebook.cells] == [c.source for c in reference.cells]
    assert [c.metadata.get("tags") for c in ours.notebook.cells] == [
        c.metadata.get("tags") for c in reference.cells
    ]
    assert [c.execution_count for c in ours.notebook.cells] == [
        c.execution_count for c in reference.cells
    ]
    # The deterministic cells have the same outputs (cell 3 prints a process id).
    for index in (2, 4):
        assert outputs_text(ours.notebook.cells[index]) == outputs_text(reference.cells[index])
    assert outputs_text(ours.notebook.cells[4]) == ["4"]
    keys = ("parameters", "default_parameters", "environment_variables", "version")
    assert {k: ours.notebook.metadata.papermill[k] for k in keys} == {
        k: reference.metadata.papermill[k] for k in keys
    }
    assert ours.notebook.metadata.language_info == reference.metadata.language_info


def test_a_failing_cell_names_notebook_and_cell_and_keeps_the_partial_notebook(notebooks, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(NotebookExecutionError) as caught:
        execute_notebooks(
            [notebooks["first"], notebooks["failing"], notebooks["second"]],
            {"x": 1},
            out,
            kernel_name=KERNEL,
            cwd=tmp_path,
        )
    error = caught.value
    assert isinstance(error.__cause__, PapermillExecutionError)  # papermill's own check
    assert error.ename == "ZeroDivisionError"
    assert error.notebook == notebooks["failing"]
    assert error.cell_index == 3  # parameters, injected, y = 2, the failing cell
    assert error.exec_count == 4
    message = str(error).splitlines()[0]
    assert message.startswith("03_failing.ipynb: cell 3 (In [4]) raised ZeroDivisionError")
    assert str(out / "03_failing.ipynb") in message
    kept = nbformat.read(out / "03_failing.ipynb", as_version=4)
    # papermill's error banner first, then the cells; the one after the error never ran.
    assert "papermill-error-cell-tag" in kept.cells[0].metadata["tags"]
    failed = [c for c in kept.cells if c.get("outputs") and c.outputs[0].output_type == "error"]
    assert len(failed) == 1 and failed[0].source == "y / (x - x)"
    assert kept.cells[-1].source == "z = 3" and kept.cells[-1].execution_count is None
    assert kept.metadata.papermill["exception"] is True
    # The notebook after the failing one was not run.
    assert (out / "01_first.ipynb").exists()
    assert not (out / "02_second.ipynb").exists()


def test_a_warm_session_resets_state_between_audits(tmp_path):
    dirty = write_notebook(
        tmp_path / "dirty.ipynb",
        ("parameters", "audit = 'a'"),
        "import os, sys, warnings\n"
        "import matplotlib\n"
        "import matplotlib.pyplot as plt\n"
        "import pandas as pd\n"
        "plt.figure()\n"
        "matplotlib.rcParams['lines.linewidth'] = 9.0\n"
        "pd.set_option('display.max_rows', 3)\n"
        "os.chdir('/')\n"
        "os.environ['CASEAUDIT_LEAK'] = '1'\n"
        "sys.path.append('/nowhere')\n"
        "warnings.simplefilter('error')\n"
        "print(os.getpid())",
    )
    check = write_notebook(
        tmp_path / "check.ipynb",
        ("parameters", "audit = 'a'"),
        "import os, sys, warnings\n"
        "import matplotlib\n"
        "import matplotlib.pyplot as plt\n"
        "import pandas as pd\n"
        "print(plt.get_fignums(), matplotlib.rcParams['lines.linewidth'],\n"
        "      pd.get_option('display.max_rows'), os.getcwd() == str(cwd_expected),\n"
        "      'CASEAUDIT_LEAK' in os.environ, '/nowhere' in sys.path,\n"
        "      ('error', None, Warning, None, 0) in warnings.filters, audit)",
        "print(os.getpid())",
    )
    import matplotlib

    default_width = matplotlib.rc_params()["lines.linewidth"]
    session = KernelSession(KERNEL, cwd=tmp_path)
    try:
        (first,) = session.run([dirty], {"audit": "one"}, tmp_path / "one", cwd=tmp_path)
        cwd_param = {"audit": "two", "cwd_expected": str(tmp_path.resolve())}
        # cwd_expected is injected as a parameter the notebook does not declare: papermill
        # allows it (with a warning), and it is a handy way to hand the test a value.
        (second,) = session.run([check], cwd_param, tmp_path / "two", cwd=tmp_path)
    finally:
        session.close()
    assert outputs_text(second.notebook.cells[2]) == [
        f"[] {default_width} 60 True False False False two\n"
    ]
    assert outputs_text(first.notebook.cells[2])[0] == outputs_text(second.notebook.cells[3])[0]
    assert session.km is None


def test_a_session_starts_a_new_kernel_after_a_failure(notebooks, tmp_path):
    session = KernelSession(KERNEL, cwd=tmp_path)
    try:
        (before,) = session.run([notebooks["first"]], {}, tmp_path / "a", cwd=tmp_path)
        with pytest.raises(NotebookExecutionError):
            session.run([notebooks["failing"]], {}, tmp_path / "b", cwd=tmp_path)
        (after,) = session.run([notebooks["first"]], {}, tmp_path / "c", cwd=tmp_path)
    finally:
        session.close()
    # No parameters: papermill injects no parameters cell, as `papermill` alone would not.
    pid_before = outputs_text(before.notebook.cells[2])
    pid_after = outputs_text(after.notebook.cells[2])
    assert pid_before != pid_after
    assert outputs_text(after.notebook.cells[1]) == ["10 default\n"]


def test_start_up_objects_are_frozen_but_a_notebooks_garbage_is_collected(tmp_path):
    source = write_notebook(
        tmp_path / "gc.ipynb",
        "import gc\nclass Node: pass\nnode = Node()\nnode.me = node\ndel node\n"
        "print(gc.get_freeze_count() > 0, gc.collect() > 0)",
    )
    with KernelSession(KERNEL, cwd=tmp_path, preload=["json"]) as session:
        done = session.run_notebook(source, {}, tmp_path / "out.ipynb")
    assert outputs_text(done.notebook.cells[-1]) == ["True True\n"]


def test_the_setup_code_runs_once_and_what_it_sets_outlives_the_reset(tmp_path):
    source = write_notebook(tmp_path / "s.ipynb", "import json\nprint(json.setup_ran)")
    setup = (
        "(lambda m: setattr(m, 'setup_ran', getattr(m, 'setup_ran', 0) + 1))(__import__('json'))"
    )
    with KernelSession(KERNEL, cwd=tmp_path, preload=["json"], setup=setup) as session:
        first = session.run_notebook(source, {}, tmp_path / "a.ipynb")
        second = session.run_notebook(source, {}, tmp_path / "b.ipynb")
    assert outputs_text(first.notebook.cells[-1]) == ["1\n"]
    assert outputs_text(second.notebook.cells[-1]) == ["1\n"]  # kept, and not run again


def test_the_build_caches_code_switches_both_caches_on(monkeypatch):
    from caseaudit_lib import pipeline
    from caseaudit_lib.build.kernel_code import BUILD_CACHES_CODE
    from caseaudit_lib.present import chart_base

    calls = []
    monkeypatch.setattr(pipeline, "remember_results", lambda on: calls.append(("results", on)))
    monkeypatch.setattr(chart_base, "remember_pngs", lambda on: calls.append(("pngs", on)))
    exec(BUILD_CACHES_CODE, {})
    assert calls == [("results", True), ("pngs", True)]


def test_a_cell_that_never_ends_times_out_and_the_next_notebook_gets_a_new_kernel(
    notebooks, tmp_path
):
    # Issue 18: after a cell timeout the kernel was still treated as healthy and the next
    # reset waited for ever behind the sleeping cell; the whole batch hung.
    import time

    from nbclient.exceptions import CellTimeoutError

    forever = write_notebook(
        tmp_path / "04_forever.ipynb",
        ("parameters", "x = 1"),
        "import os\nprint(os.getpid())",
        "import time\ntime.sleep(10**6)",
    )
    session = KernelSession(KERNEL, cwd=tmp_path, timeout=10)  # generous on a loaded machine
    begun = time.monotonic()
    try:
        with pytest.raises(CellTimeoutError):
            session.run([forever], {"x": 2}, tmp_path / "a", cwd=tmp_path)
        (after,) = session.run([notebooks["first"]], {"x": 3}, tmp_path / "b", cwd=tmp_path)
    finally:
        session.close()
    assert time.monotonic() - begun < 60
    written = nbformat.read(tmp_path / "a" / "04_forever.ipynb", as_version=4)
    pid_stuck = outputs_text(written.cells[2])  # the parameters, injected ones, then the pid
    assert pid_stuck and pid_stuck != outputs_text(after.notebook.cells[3])
    assert outputs_text(after.notebook.cells[2]) == ["30 default\n"]


def test_a_kernel_that_does_not_answer_a_silent_request_fails_it_in_time(tmp_path):
    import time

    session = KernelSession(KERNEL, cwd=tmp_path, timeout=10)  # generous on a loaded machine
    try:
        session.run_code("x = 0", "starting")  # booted and answering
        begun = time.monotonic()
        with pytest.raises(RuntimeError, match="did not answer within 10 s"):
            session.run_code("import time; time.sleep(10**6)", "sleeping")
        assert time.monotonic() - begun < 40
        session.run_code("x = 1", "a request to the new kernel")  # replaced, answers
    finally:
        session.close()
