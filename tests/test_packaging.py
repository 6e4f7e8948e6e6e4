"""The project's own files agree with each other: pyproject, environment.yml, Makefile, CI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _split(spec: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", spec.strip())
    assert match, spec
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_agrees_with_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_split(s) for s in project["dependencies"])
    for specs in project["optional-dependencies"].values():
        wanted.update(_split(s) for s in specs)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    python_spec = conda.pop("python")
    conda.pop("pip")
    assert conda == wanted
    assert python_spec == project["requires-python"]
    pip_lines = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any(line.endswith("-e .") for line in pip_lines)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [ln for ln in ci.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert commands[-1].strip() == "make test"
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make report" in readme


def test_console_script_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["caseaudit"] == "caseaudit_lib.cli:main"


def test_jupyterlab_is_installed_by_the_main_setup_and_make_lab_installs_nothing() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "jupyterlab" in dict(_split(s) for s in project["dependencies"])
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^lab:.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert recipe, "no lab target"
    assert "pip" not in recipe.group(1)
    # rooted at the project, opening on the notebooks
    assert "--ServerApp.root_dir=." in recipe.group(1)
    assert "/lab/tree/notebooks" in recipe.group(1)
