"""Tests of the benchmark script (benchmarks/bench.py): its floor and a smoke run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench  # noqa: E402


def test_a_cell_becomes_plain_python_that_shows_its_last_expression():
    source = "%matplotlib inline\nx = 2\n!ls\nx * 3"
    script = bench.cell_as_script(source)
    # Magics are dropped (commented out, and the comments do not survive ast.unparse).
    assert script.splitlines() == ["x = 2", "_floor_display(x * 3)", "_floor_flush()"]
    assert bench.cell_as_script("y = 1").splitlines() == ["y = 1", "_floor_flush()"]


def test_the_floor_runs_each_notebook_in_one_process_with_the_params(tmp_path):
    folder = tmp_path / "nbs"
    folder.mkdir()
    for name, body in (
        ("01_a.ipynb", "import os\nprint('a', value, os.getpid())"),
        ("02_b.ipynb", "import os\nprint('b', value * 2, 'os' in dir(), os.getpid())"),
    ):
        nb = nbformat.v4.new_notebook()
        params = nbformat.v4.new_code_cell("value = 1")
        params.metadata["tags"] = ["parameters"]
        nb.cells = [params, nbformat.v4.new_code_cell(body), nbformat.v4.new_code_cell("value")]
        nbformat.write(nb, folder / name)
    params_file = tmp_path / "p.yaml"
    params_file.write_text("value: 21\n", encoding="utf-8")
    runner = bench.write_floor(sorted(folder.glob("*.ipynb")), params_file, tmp_path / "floor")
    done = subprocess.run(
        [sys.executable, str(runner)], capture_output=True, text=True, check=True, timeout=60
    )
    first, second = done.stdout.splitlines()
    assert first.startswith("a 21 ") and second.startswith("b 42 True ")
    assert first.split()[-1] == second.split()[-1]  # one process


def test_the_papermill_contrast_runs_a_notebook_with_its_parameters(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "caseaudit", "language": "python", "display_name": "x"}
    params = nbformat.v4.new_code_cell("value = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import os\nprint(value * 2, os.getcwd())")]
    source, target = tmp_path / "a.ipynb", tmp_path / "out" / "a.ipynb"
    nbformat.write(nb, source)
    target.parent.mkdir()
    bench.papermill_executor(source, target, {"value": 21}, tmp_path)
    executed = nbformat.read(target, as_version=4)
    printed = executed.cells[-1].outputs[0]["text"].split()
    assert printed == ["42", str(tmp_path)]


def test_quick_loading_part_prints_its_ratio_lines(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH / "bench.py"), "--quick", "--only", "loading", "--work",
         str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "loading: load_audit / calamine read" in done.stdout
    assert "loading: openpyxl read / calamine read" in done.stdout
    assert "cores (nproc):" in done.stdout


# A few minutes of report builds: always under CI (where nothing passes by skipping), and
# elsewhere on request.
@pytest.mark.skipif(
    not (os.environ.get("CASEAUDIT_BENCH_SMOKE") or os.environ.get("CI")),
    reason="builds reports for a few minutes; set CASEAUDIT_BENCH_SMOKE=1 to run",
)
def test_quick_bench_prints_every_ratio_line(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH / "bench.py"), "--quick", "--work", str(tmp_path)],
        capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = done.stdout.split("## summary", 1)[1]
    for measure in (
        "report / floor",
        "batch speed-up",
        "batch of 2 / floor of one",
        "no-change rebuild",
        "loading: load_audit / calamine read",
        "loading: openpyxl read / calamine read",
        "memory",
    ):
        assert measure in summary
    line = next(x for x in summary.splitlines() if x.startswith("batch of 2 / floor of one"))
    assert "<= 8" in line and line.split()[-1] in ("yes", "no")
