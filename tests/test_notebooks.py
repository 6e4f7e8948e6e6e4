"""The notebooks: committed clean, parameterised like the params files, and runnable.

Every notebook is executed with every params file in params/, in the project's ``caseaudit``
kernel, two ways: with the file's values as papermill's parameters (``papermill -f
params/X.yaml``, as a build runs them) and with ``params_file`` alone (``papermill -p
params_file params/X.yaml``). The values an analysts' notebook records (the JSON output of its
cell tagged ``record``) are checked against the library's own tables for the same params. A
misspelt or mistyped parameter must stop a notebook at its top with the one-line message of
``ParamsError``.

Starting a kernel is most of the cost, so the whole matrix runs once, up front, in warm kernels
(caseaudit's own :class:`KernelSession`, papermill's parameterising and client, one kernel per
core, each in its own process); each test then reads its executed copy. The plain papermill
command line is run too, once each way.
"""

from __future__ import annotations

import ast
import functools
import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest
import yaml

from caseaudit_lib.build.execution import KernelSession
from caseaudit_lib.config.params import PARAMETER_NAMES, PARAMS_FILE
from caseaudit_lib.paths import project_root
from caseaudit_lib.pipeline import AuditResults, score_params
from caseaudit_lib.present.views import RECORD_MIMETYPE, RECORD_TAG, lowest_theme

ROOT = project_root()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ANALYSTS = [n for n in NOTEBOOKS if n.stem[:2] in {"01", "02", "03", "04"}]
# Every bundled audit but five of the synthetic region's six: one generator wrote them alike,
# so synthetic-a-2025 stands for them here (all six are back-tested and built by test_board).
PARAMS_FILES = sorted(
    p
    for p in (ROOT / "params").glob("*.yaml")
    if not p.stem.startswith("synthetic-") or p.stem == "synthetic-a-2025"
)
SAMPLE = ROOT / "params" / "bromley-2016.yaml"
KERNEL = "caseaudit"
MODES = ("whole", PARAMS_FILE)  # -f params/X.yaml, or -p params_file params/X.yaml
# What a notebook may import of caseaudit: the package, and the modules it exposes by name.
PUBLIC_MODULES = {"plots", "views", "quality", "changes", "explore"}


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


def run_jobs(jobs: list[tuple[Path, Path, dict[str, Any]]]) -> list[str | None]:
    """Run notebooks one after another in one warm kernel; return each one's error or None."""
    errors: list[str | None] = []
    with KernelSession(KERNEL, cwd=ROOT / "notebooks", timeout=300) as session:
        for notebook, out_path, parameters in jobs:
            try:
                session.run_notebook(notebook, parameters, out_path)
            except Exception as error:  # reported by the test that reads this run
                cause = error.__cause__ or error  # papermill's error, as the CLI raises it
                errors.append(f"{type(cause).__name__}: {cause}")
            else:
                errors.append(None)
    return errors


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], Any]:
    """Execute every notebook with every params file both ways; key (notebook, params, mode)."""
    jobs: dict[tuple[str, ...], tuple[Path, Path, dict[str, Any]]] = {}
    for notebook in NOTEBOOKS:
        for params_file in PARAMS_FILES:
            whole = yaml.safe_load(params_file.read_text(encoding="utf-8"))
            by_file = {PARAMS_FILE: f"params/{params_file.name}"}
            for mode, parameters in zip(MODES, (whole, by_file), strict=True):
                folder = tmp_path_factory.mktemp(f"{notebook.stem}-{params_file.stem}-{mode}")
                key = (notebook.stem, params_file.stem, mode)
                jobs[key] = (notebook, folder / "out.ipynb", parameters)
    for notebook in ANALYSTS:  # as papermill -p casload 80; last, as a failure costs a kernel
        folder = tmp_path_factory.mktemp(f"{notebook.stem}-typo")
        jobs[(notebook.stem, "typo")] = (notebook, folder / "out.ipynb", {"casload": 80})
    keys = list(jobs)
    workers = max(1, min(len(jobs), os.cpu_count() or 1))
    shares = [keys[i::workers] for i in range(workers)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        done = pool.map(run_jobs, [[jobs[k] for k in share] for share in shares])
        errors = {}
        for share, out in zip(shares, done, strict=True):
            errors.update(zip(share, out, strict=True))
    return {key: (errors[key], jobs[key][1]) for key in keys}


def recorded(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Return the JSON the notebook's record cell displayed."""
    (index,) = tagged(nb, RECORD_TAG)
    found = [o.data[RECORD_MIMETYPE] for o in nb.cells[index].outputs if "data" in o]
    assert len(found) == 1, nb.cells[index].outputs
    return found[0]


@functools.cache
def library(params_file: Path) -> AuditResults:
    return score_params(params_file)


def papermill_cli(notebook: Path, out: Path, *arguments: str) -> subprocess.CompletedProcess:
    """Run the papermill command line on a notebook, from its folder, as a user would."""
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("papermill")),
            str(notebook),
            str(out),
            *arguments,
            "-k",
            KERNEL,
            "--cwd",
            str(notebook.parent),
            "--no-progress-bar",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_there_are_notebooks_and_params_files() -> None:
    assert [n.stem for n in ANALYSTS] == [
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
    # one parameters cell, holding params_file and every params name ...
    values = parameters_cell(nb)
    assert set(values) == {PARAMS_FILE, *PARAMETER_NAMES}
    # ... params_file naming the bundled sample, so the notebook runs as it is, and every
    # other value None: taken from that file unless set here
    assert values == {PARAMS_FILE: "params/bromley-2016.yaml", **dict.fromkeys(PARAMETER_NAMES)}
    assert (ROOT / values[PARAMS_FILE]).resolve() == SAMPLE
    # the first code cell after it checks them before anything else runs
    (index,) = tagged(nb, "parameters")
    following = [c for c in nb.cells[index + 1 :] if c.cell_type == "code"]
    assert "params_from_namespace(globals())" in following[0].source


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_lists_every_parameter(notebook: Path) -> None:
    """papermill --help-notebook reads the cell (it cannot parse annotations like `str | None`)."""
    inferred = papermill.inspect_notebook(str(notebook))
    assert list(inferred)[0] == PARAMS_FILE
    assert set(inferred) == {PARAMS_FILE, *PARAMETER_NAMES}
    assert inferred[PARAMS_FILE]["default"] == '"params/bromley-2016.yaml"'
    assert all(inferred[name]["help"] for name in inferred)


@pytest.mark.parametrize("notebook", ANALYSTS, ids=lambda p: p.stem)
def test_analysts_notebook_layout(notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    sample = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    assert list(parameters_cell(nb)) == [PARAMS_FILE, *sample]  # in the params files' order
    (index,) = tagged(nb, "parameters")
    following = [c for c in nb.cells[index + 1 :] if c.cell_type == "code"]
    assert "params = ca.params_from_namespace(globals())" in following[0].source
    assert "score_params(params)" in following[1].source
    # the first screen after the title: which audit this is, and its headline numbers
    assert following[1].source.splitlines()[-1] == "ca.audit_headline(results)"
    assert len(tagged(nb, RECORD_TAG)) == 1


def imports(nb: nbformat.NotebookNode) -> list[ast.Import | ast.ImportFrom]:
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            found += [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_imports_only_the_public_surface(notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    for node in imports(nb):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("caseaudit_lib"):
                    assert (alias.name, alias.asname) == ("caseaudit_lib", "ca"), ast.dump(node)
                assert not alias.name.startswith("matplotlib"), "figures go through plots"
        else:
            assert node.module is not None and not node.module.startswith("caseaudit_lib."), (
                f"{notebook.name}: from {node.module} import ..."
            )
            assert not (node.module or "").startswith("matplotlib"), "figures go through plots"
            if node.module == "caseaudit_lib":
                assert {a.name for a in node.names} <= PUBLIC_MODULES


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_is_shown_one_way(notebook: Path) -> None:
    """plots.display_figure(...) carries the alt text; nothing else shows a chart."""
    nb = nbformat.read(notebook, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "plt." not in code and "plt.show" not in code
    calls = [
        node
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "plots"
    ]
    charts = [c for c in calls if c.func.attr != "display_figure"]
    shown = [c for c in calls if c.func.attr == "display_figure"]
    assert len(charts) == len(shown), f"{notebook.name}: a chart not shown by display_figure"
    for call in shown:
        (argument,) = call.args
        assert isinstance(argument, ast.Call) and argument.func.value.id == "plots"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("params_file", PARAMS_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_matches_the_library(
    notebook: Path, params_file: Path, mode: str, executed: dict[tuple[str, ...], Any]
) -> None:
    error, out_path = executed[(notebook.stem, params_file.stem, mode)]
    assert error is None, error
    out = nbformat.read(out_path, as_version=4)
    if notebook not in ANALYSTS:
        return  # the report notebook records nothing; it ran to the end
    values = recorded(out)
    results = library(params_file)
    themes = results.scores.themes
    assert values["audit_id"] == results.params.audit_id
    assert values["n_cases"] == results.audit.n_cases
    assert set(values["themes"]) == set(themes["theme_id"])  # JSON keys come back sorted
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


@pytest.mark.parametrize("notebook", ANALYSTS, ids=lambda p: p.stem)
def test_misspelt_parameter_stops_at_the_top(
    notebook: Path, executed: dict[tuple[str, ...], Any]
) -> None:
    """papermill -p casload 80: fails in the cell that checks the parameters, saying why."""
    error, out_path = executed[(notebook.stem, "typo")]
    assert error is not None and error.startswith("PapermillExecutionError")
    out = nbformat.read(out_path, as_version=4)
    failed = [
        (cell, output)
        for cell in out.cells
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    assert len(failed) == 1
    cell, output = failed[0]
    assert "params_from_namespace" in cell.source
    assert output.ename == "ParamsError"
    assert output.evalue == (
        "notebook parameters: casload: error: unknown key "
        "(found 'casload'; expected did you mean 'caseload'?)"
    )
    assert not recorded_or_none(out)


def recorded_or_none(nb: nbformat.NotebookNode) -> dict[str, Any] | None:
    (index,) = tagged(nb, RECORD_TAG)
    return next((o.data[RECORD_MIMETYPE] for o in nb.cells[index].outputs if "data" in o), None)


def test_params_file_with_unknown_key_and_mistyped_value_fails(tmp_path: Path) -> None:
    """papermill ... -f params.yaml, as the README says, with a misspelt key and a bad number."""
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("caseload: 80", "casload: 80").replace(
        "service: Bromley YOS", "service: 12"
    )
    params_file = tmp_path / "typo.yaml"
    params_file.write_text(text, encoding="utf-8")
    done = papermill_cli(ANALYSTS[0], tmp_path / "out.ipynb", "-f", str(params_file))
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "did you mean 'caseload'?" in said
    assert "service: error: not a text value (found '12'" in said


def test_papermill_cli_runs_another_audit_by_params_file(tmp_path: Path) -> None:
    """papermill NB OUT -p params_file params/X.yaml -p caseload 90: X, caseload overridden."""
    notebook = ANALYSTS[1]
    out = tmp_path / "out.ipynb"
    done = papermill_cli(
        notebook, out, "-p", PARAMS_FILE, "params/bromley-2017.yaml", "-p", "caseload", "90"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    values = recorded(nbformat.read(out, as_version=4))
    assert values["audit_id"] == "bromley-2017"
    results = library(ROOT / "params" / "bromley-2017.yaml")
    assert values["n_cases"] == results.audit.n_cases
    # the same answers, but the intervals' finite population correction uses caseload 90
    theme = results.scores.themes.iloc[0]
    got = values["themes"][theme.theme_id]
    assert got["score_pct"] == pytest.approx(theme.score_pct)
    assert got["ci_low_pct"] != pytest.approx(theme.ci_low_pct)
