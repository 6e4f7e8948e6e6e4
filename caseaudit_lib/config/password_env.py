"""Which environment variables hold the password of protected workbooks: names, never values.

A params file's ``password_env`` and the command line's ``--password-env`` name a variable; the
names in use are kept in the environment variable :data:`PASSWORD_NAMES_ENV`, so that the
processes a build starts (batch workers, the notebooks' Jupyter kernel) inherit them. The
reader (:mod:`caseaudit_lib.load.encrypted`) looks the password up only when it decrypts.
"""

from __future__ import annotations

import os
import re

# The names (not values) of the environment variables that hold workbook passwords, os.pathsep
# separated: inherited by every process this one starts.
PASSWORD_NAMES_ENV = "CASEAUDIT_PASSWORD_ENV"
# Where `--ask-password` keeps the typed password, for this process and its children only.
ASKED_PASSWORD_ENV = "CASEAUDIT_ASKED_PASSWORD"


# A variable's name as environment variables are written: capitals, digits and "_". Anything
# else may be the password itself, typed where its variable's name belongs: refused unseen.
_VARIABLE_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
VARIABLE_NAME_EXPECTED = "a name in capitals such as CASEAUDIT_WORKBOOK_PASSWORD"


def is_variable_name(text: str) -> bool:
    """Return whether a text is written as an environment variable's name (never a password)."""
    return bool(_VARIABLE_NAME.match(text))


def password_env_names() -> list[str]:
    """Return the names of the environment variables that may hold a workbook password."""
    return [n for n in os.environ.get(PASSWORD_NAMES_ENV, "").split(os.pathsep) if n]


def use_password_env(name: str) -> None:
    """Name an environment variable as holding workbook passwords, here and in child processes."""
    names = password_env_names()
    if name not in names:
        # Sorted, so the same names always give the same value: a warm kernel is restarted
        # when the environment changes, and should not be for a mere reordering.
        os.environ[PASSWORD_NAMES_ENV] = os.pathsep.join(sorted([*names, name]))


def use_password(password: str) -> None:
    """Keep a password typed at a prompt for this process and its children (never on disk)."""
    os.environ[ASKED_PASSWORD_ENV] = password
    use_password_env(ASKED_PASSWORD_ENV)
