"""The project's own files agree with each other: pyproject, environment.yml, Makefile, CI."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _split(spec: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", spec.strip())
    assert match, spec
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def _lock_script():
    """Return scripts/lock.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("lock_script", ROOT / "scripts" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_environment_yml_agrees_with_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_split(s) for s in project["dependencies"])
    for specs in project["optional-dependencies"].values():
        wanted.update(_split(s) for s in specs)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    assert conda.pop("python") == "=3.11"
    conda.pop("pip")
    assert set(conda) == set(wanted), "run `make lock` after changing pyproject.toml"
    pip_lines = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any(line.endswith("-e .") for line in pip_lines)


def test_lock_is_made_from_pyproject_and_environment_yml_pins_its_versions() -> None:
    """`make lock` is the one command after a change or a merge: both files then agree."""
    lock = _lock_script()
    assert lock.check() == 0, "requirements.lock is stale: run `make lock`"
    assert (ROOT / "environment.yml").read_text() == lock.environment_text(), (
        "environment.yml does not pin the lock's versions: run `make lock`"
    )
    versions = lock.locked_versions()
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    for line in env["dependencies"]:
        if isinstance(line, str) and "==" in line:
            name, version = line.split("==")
            assert versions[lock.canonical(name)] == version
    # every requirement is pinned to one version and carries hashes
    text = (ROOT / "requirements.lock").read_text()
    pins = [ln for ln in text.splitlines() if ln and not ln.startswith((" ", "#"))]
    assert pins and all("==" in ln and ln.rstrip().endswith("\\") for ln in pins)
    assert "--hash=sha256:" in text


def test_lock_check_fails_when_pyproject_changes(tmp_path, monkeypatch) -> None:
    lock = _lock_script()
    changed = tmp_path / "pyproject.toml"
    changed.write_text(
        (ROOT / "pyproject.toml")
        .read_text()
        .replace("dependencies = [\n", 'dependencies = [\n    "phonenumbers>=8.13",\n', 1)
    )
    monkeypatch.setattr(lock, "PYPROJECT", changed)
    assert lock.check() == 1


def test_make_venv_installs_the_lock_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert recipe and "$(LOCK)" in recipe.group(0).splitlines()[0]
    assert "--require-hashes -r $(LOCK)" in recipe.group(1)
    assert "--no-deps -e ." in recipe.group(1)
    assert "scripts/lock.py --check" in recipe.group(1)
    for target in ("lock", "upgrade"):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE)
    upgrade = re.search(r"^upgrade:.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE).group(1)
    assert "test_backtest.py" in upgrade


def test_scipy_and_papermill_internals_are_declared_because_used() -> None:
    """What is declared is used (scipy: the intervals); papermill's internals pin its range."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = dict(_split(s) for s in project["dependencies"])
    sources = "\n".join(p.read_text() for p in (ROOT / "caseaudit_lib").rglob("*.py"))
    assert "from scipy" in sources and "scipy" in deps
    assert "from papermill." in sources and "<" in deps["papermill"]


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
