"""The command line's dealings with its terminal: workbook passwords, closed pipes, Ctrl-C."""

from __future__ import annotations

import argparse
import os
import sys


def add_password_options(p: argparse.ArgumentParser) -> None:
    """Add the options that give the password of protected workbooks."""
    p.add_argument(
        "--password-env",
        metavar="VAR",
        help="the environment variable holding the password of protected workbooks",
    )
    p.add_argument(
        "--ask-password",
        action="store_true",
        help="ask for the password of protected workbooks (needs a terminal)",
    )


def use_passwords(args: argparse.Namespace) -> None:
    """Put a command's password options in use (the password itself is never shown)."""
    from caseaudit_lib.config.password_env import VARIABLE_NAME_EXPECTED, is_variable_name
    from caseaudit_lib.errors import CaseAuditError
    from caseaudit_lib.load.encrypted import ask_password, use_password_env

    name = getattr(args, "password_env", None)
    if name is not None and not is_variable_name(name):
        # Not repeated: what was typed may be the password itself.
        raise CaseAuditError(
            "caseaudit: --password-env takes the NAME of the environment variable holding the "
            f"password ({VARIABLE_NAME_EXPECTED}), never the password"
        )
    # `template --password-env` names the password of the forms it writes, not one to read.
    if name and args.command != "template":
        use_password_env(name)
    if getattr(args, "ask_password", False):
        ask_password()


def quiet_closed_pipe(status: int) -> int:
    """Return the status of a run whose output's reader went away, leaving nothing to complain."""
    # Python flushes stdout again at exit and would report the closed pipe there: stdout is
    # pointed at /dev/null first, as the Python documentation advises.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (a test's capture)
        pass
    return status


def interrupted(status: int) -> int:
    """Say in one line that the run was interrupted (Ctrl-C) and return its status."""
    try:
        print("caseaudit: interrupted", file=sys.stderr)
    except OSError:  # stderr has gone too
        pass
    return status
