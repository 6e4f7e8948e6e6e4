"""The salt of the pseudonyms: from the environment, a named file, or the project's own file.

Apart from the pseudonymiser so that a batch can name the salt file among an audit's inputs
(a new salt changes every pseudonym) without importing pandas.
"""

from __future__ import annotations

import os
from pathlib import Path

from caseaudit_lib.errors import ParamsError, Problem
from caseaudit_lib.paths import project_root

SALT_ENV = "CASEAUDIT_SALT"
SALT_FILE_ENV = "CASEAUDIT_SALT_FILE"
SALT_FILE_NAME = ".caseaudit-salt"


def salt_path() -> Path | None:
    """Return the salt file the pseudonyms use, or None when the salt is in the environment."""
    if os.environ.get(SALT_ENV):
        return None
    named = os.environ.get(SALT_FILE_ENV)
    return Path(named).expanduser() if named else project_root() / SALT_FILE_NAME


def resolve_salt() -> bytes:
    """Return the salt from the environment or the project's salt file, creating that file once.

    Raises:
        ParamsError: The salt file named by ``CASEAUDIT_SALT_FILE`` is missing or empty.

    """
    env = os.environ.get(SALT_ENV)
    if env:
        return env.encode("utf-8")
    named = os.environ.get(SALT_FILE_ENV)
    if named:
        return _read_salt(Path(named).expanduser(), SALT_FILE_ENV)
    path = project_root() / SALT_FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_salt(path, "the project salt file")
    with os.fdopen(fd, "wb") as out:
        salt = os.urandom(32)
        out.write(salt)
    return salt


def _read_salt(path: Path, source: str) -> bytes:
    try:
        salt = path.read_bytes()
    except OSError as exc:
        raise ParamsError(
            [Problem("error", str(path), f"cannot read the salt file named by {source}",
                     value=exc.strerror)]
        ) from None  # fmt: skip
    if not salt:
        raise ParamsError([Problem("error", str(path), "the salt file is empty")])
    return salt
