"""Where the project lives, so that relative paths mean the same from any working directory.

Notebooks run by papermill start in ``notebooks/``, the command line in the project root, tests in
a temporary folder: all of them resolve ``data/...`` and ``params/...`` against one root.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "CASEAUDIT_ROOT"


def project_root() -> Path:
    """Return the project root folder.

    The first found of: the folder named by the environment variable ``CASEAUDIT_ROOT``; the
    nearest ancestor of the working directory holding both ``params/`` and ``pyproject.toml``;
    the ancestor of this package holding ``pyproject.toml`` (an editable install); the working
    directory.
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).expanduser().resolve()
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / "params").is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    return cwd


def resolve(path: str | os.PathLike[str]) -> Path:
    """Return a path made absolute: a relative one is taken from the project root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else project_root() / path


def outputs_dir(audit_id: str) -> Path:
    """Return the folder for one audit's outputs, ``<project root>/outputs/<audit_id>``."""
    return project_root() / "outputs" / audit_id


def display_path(path: Path) -> str:
    """Return a path as problems show it: relative to the project root when it is inside it."""
    try:
        return str(path.relative_to(project_root()))
    except ValueError:
        return str(path)
