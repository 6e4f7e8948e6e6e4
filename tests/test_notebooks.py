"""The analysts' notebooks: committed clean, parameterised like the params files, and runnable.

Every notebook is executed under papermill with every params file in params/, in the project's
``caseaudit`` kernel, and the values it records (the JSON output of its cell tagged ``record``)
are checked against the library's own tables for the same params. A misspelt or mistyped
parameter must stop a notebook at its top with the one-line message of ``ParamsError``.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest
import yaml

from caseaudit_lib.params import PARAMETER_NAMES, load_params
from caseaudit_lib.paths import project_root
from caseaudit_lib.pipeline import AuditResults, score_params
from caseaudit_lib.views import RECORD_MIMETYPE, RECORD_TAG, lowest_theme

ROOT = project_root()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PARAMS_FILES = sorted((ROOT / "params").glob("*.yaml"))
SAMPLE = ROOT / "params" / "bromley-2016.yaml"
KERNEL = "caseaudit"


def tagged(nb: nbformat.NotebookNode, tag: str) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if tag in c.get("metadata", {}).get("tags", [])]


def parameters_cell(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Return the names and literal default values of a notebook's parameters cell, in order."""
    (index,) = tagged(nb, "parameters")
    tree = ast.parse(nb.cells[index].source)
    values = {}
    for node in tree.body:
        assert isinstance(node, ast.AnnAssign | ast.Assign), ast.dump(node)
        target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
        values[target.id] = ast.literal_eval(node.value)
    return values


def execute(notebook: Path, out_dir: Path, parameters: dict[str, Any]) -> nbformat.NotebookNode:
    """Run a notebook as papermill does, from the notebooks folder, into out_dir."""
    return papermill.execute_notebook(
        str(notebook),
        str(out_dir / notebook.name),
        parameters=parameters,
        kernel_name=KERNEL,
        cwd=str(notebook.parent),
        progress_bar=False,
    )


def recorded(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Return the JSON the notebook's record cell displayed."""
    (index,) = tagged(nb, RECORD_TAG)
    found = [o.data[RECORD_MIMETYPE] for o in nb.cells[index].outputs if "data" in o]
    assert len(found) == 1, nb.cells[index].outputs
    return found[0]


@functools.cache
def library(params_file: Path) -> AuditResults:
    return score_params(params_file)


def test_there_are_notebooks_and_params_files() -> None:
    assert [n.stem for n in NOTEBOOKS] == [
        "01_data_quality",
        "02_theme_scores",
        "03_comparison",
        "04_explore",
    ]
    assert SAMPLE in PARAMS_FILES


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_clean_and_parameterised(notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == KERNEL
    assert "widgets" not in nb.metadata
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{notebook.name} is committed with outputs"
            assert cell.execution_count is None
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    # one parameters cell, holding every params name in the params file's order ...
    values = parameters_cell(nb)
    assert tuple(values) == PARAMETER_NAMES
    # ... with the bundled sample as defaults, so the notebook runs as it is
    sample = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    assert values == {name: sample.get(name) for name in PARAMETER_NAMES}
    # the first code cell after it checks them before anything else runs
    (index,) = tagged(nb, "parameters")
    following = [c for c in nb.cells[index + 1 :] if c.cell_type == "code"]
    assert "params = ca.params_from_namespace(globals())" in following[0].source
    assert "score_params(params)" in following[1].source
    assert len(tagged(nb, RECORD_TAG)) == 1


@pytest.mark.parametrize("params_file", PARAMS_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_matches_the_library(
    notebook: Path, params_file: Path, tmp_path: Path
) -> None:
    parameters = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    values = recorded(execute(notebook, tmp_path, parameters))
    results = library(params_file)
    themes = results.scores.themes
    assert values["audit_id"] == results.params.audit_id
    assert values["n_cases"] == results.audit.n_cases
    assert list(values["themes"]) == themes["theme_id"].tolist()
    for row in themes.itertuples():
        got = values["themes"][row.theme_id]
        assert (got["n_applicable"], got["n_sufficient"]) == (row.n_applicable, row.n_sufficient)
        assert got["rating"] == row.rating
        for column in ("score_pct", "ci_low_pct", "ci_high_pct"):
            expected = getattr(row, column)
            if expected != expected:  # NaN: no data
                assert got[column] is None
            else:
                assert got[column] == pytest.approx(expected, abs=1e-9)
    scores = results.scores
    if "not_answered" in values:  # data quality
        assert values["not_answered"] == scores.questions["n_not_answered"].sum()
        assert values["warnings"] == len(results.audit.warnings)
    if "questions" in values:  # theme scores
        expected = scores.questions.set_index("question_id")["score_pct"]
        assert values["questions"].keys() == set(expected.index)
        for qid, pct in expected.items():
            assert values["questions"][qid] == (None if pct != pct else pytest.approx(pct))
        assert values["flagged"] == scores.auditors["flag"].sum()
        assert values["overall"] == scores.overall
    if "verdicts" in values:  # comparison
        c = results.comparison
        assert values["verdicts"] == dict(
            zip(c["baseline_id"] + "/" + c["theme_id"], c["verdict"], strict=True)
        )
        assert values["audits"] == [*(p.audit_id for p in results.earlier), values["audit_id"]]
    if "not_sufficient_rows" in values:  # explore: every not-sufficient answer of a theme
        assert values["theme_id"] == lowest_theme(results)
        q = scores.questions[scores.questions["theme_id"] == values["theme_id"]]
        assert values["not_sufficient_rows"] == (q["n_applicable"] - q["n_sufficient"]).sum()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_misspelt_parameter_stops_at_the_top(notebook: Path, tmp_path: Path) -> None:
    """papermill -p casload 80: fails in the cell that checks the parameters, saying why."""
    with pytest.raises(papermill.PapermillExecutionError) as failure:
        execute(notebook, tmp_path, {"casload": 80})
    error = failure.value
    assert error.ename == "ParamsError"
    assert error.evalue == (
        "notebook parameters: casload: error: unknown key "
        "(found 'casload'; expected did you mean 'caseload'?)"
    )
    out = nbformat.read(tmp_path / notebook.name, as_version=4)
    assert "params_from_namespace" in out.cells[error.cell_index].source
    assert not recorded_or_none(out)


def recorded_or_none(nb: nbformat.NotebookNode) -> dict[str, Any] | None:
    (index,) = tagged(nb, RECORD_TAG)
    return next((o.data[RECORD_MIMETYPE] for o in nb.cells[index].outputs if "data" in o), None)


def test_params_file_with_unknown_key_and_mistyped_value_fails(tmp_path: Path) -> None:
    """papermill ... -f params.yaml, as the README says, with a misspelt key and a bad number."""
    text = SAMPLE.read_text(encoding="utf-8").replace("caseload: 80", "casload: 80")
    text += "audit_end_date: 2016-13-45\n" if "audit_end_date" not in text else ""
    params_file = tmp_path / "typo.yaml"
    params_file.write_text(text + "title: 12\n", encoding="utf-8")
    assert load_params  # the same checks as the command line's
    notebook = NOTEBOOKS[0]
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("papermill")),
            str(notebook),
            str(tmp_path / "out.ipynb"),
            "-f",
            str(params_file),
            "-k",
            KERNEL,
            "--cwd",
            str(notebook.parent),
            "--no-progress-bar",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "did you mean 'caseload'?" in said
    assert "title: error: not a text value (found '12'" in said
