"""Audit frameworks: the themes, questions, case types and rating bands of an audit.

A framework is data, kept in a YAML file (see docs/frameworks.md). The packaged ones live in
``caseaudit_lib/framework/shipped/``; a user can pass their own file instead. Loading checks the
whole file and reports every fault at once as a :class:`~caseaudit_lib.errors.FrameworkError`.

This module is the framework stage's public surface: the structure (defined in
:mod:`caseaudit_lib.framework.structure`), reading a file (:func:`parse_framework`, defined in
:mod:`caseaudit_lib.framework.parse`) and finding and loading frameworks by name or path.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

from caseaudit_lib.errors import FrameworkError, Problem
from caseaudit_lib.framework.parse import parse_framework
from caseaudit_lib.framework.structure import (
    KEY_AREAS,
    SCORING_RULES,
    Band,
    Framework,
    OverallRule,
    Question,
    Theme,
    fold_text,
)
from caseaudit_lib.paths import resolve

__all__ = [
    "KEY_AREAS",
    "SCORING_RULES",
    "Band",
    "Framework",
    "OverallRule",
    "Question",
    "Theme",
    "available_frameworks",
    "fold_text",
    "load_framework",
    "parse_framework",
]


def _packaged_dir():  # noqa: ANN202 - a Traversable
    return files("caseaudit_lib.framework").joinpath("shipped")


def available_frameworks() -> list[str]:
    """Return the names of the packaged frameworks, sorted."""
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in _packaged_dir().iterdir()
        if entry.name.endswith(".yaml")
    )


def load_framework(name_or_path: str | Path) -> Framework:
    """Load a packaged framework by name, or a framework file by path.

    Args:
        name_or_path: A packaged name such as ``"yjb-audit-2016"``, or a path: a ``Path``, or a
            string holding a ``/`` or ending ``.yaml``/``.yml``. A relative path is looked for
            from the working directory, then from the project root.

    Returns:
        The framework. Loading an unchanged file again returns the same (cached) object.

    Raises:
        FrameworkError: the name is unknown, the file is missing, or the file is malformed (one
            problem per fault).

    """
    path = _locate(name_or_path)
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


def _locate(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    is_path = (
        isinstance(name_or_path, Path)
        or "/" in text
        or "\\" in text
        or text.lower().endswith((".yaml", ".yml"))
    )
    if not is_path:
        names = available_frameworks()
        if text not in names:
            raise FrameworkError(
                f"unknown framework {text!r}: the packaged frameworks are "
                f"{', '.join(names)}; or give the path of a framework .yaml file"
            )
        return Path(str(_packaged_dir().joinpath(f"{text}.yaml"))).resolve()
    path = Path(text).expanduser()
    if not path.is_absolute() and not path.exists():
        path = resolve(path)  # params files name paths relative to the project root
    if not path.is_file():
        raise FrameworkError(
            [Problem("error", text, "framework file not found", expected="a .yaml framework file")]
        )
    return path.resolve()


@functools.lru_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int, size: int) -> Framework:
    # mtime and size are in the key so that an edited file is read again
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError([Problem("error", path, f"cannot read the file: {exc}")]) from None
    return parse_framework(text, Path(path))
