"""The command line's dealings with its terminal: passwords, closed pipes, Ctrl-C, summaries."""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caseaudit_lib.pipeline import AuditResults


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


def summary_table(results: AuditResults) -> str:
    """Return the theme scores as a plain-text table for the console."""
    from caseaudit_lib.score.intervals import TOO_FEW_CASES
    from caseaudit_lib.score.ratings import pct_text

    themes = results.scores.themes
    rows = [("Theme", "n", "Score", "95% interval", "Rating")]
    for row in themes.itertuples():
        if math.isnan(row.score_pct):  # nothing applicable: no data, never 0%
            rows.append((row.theme, str(row.n_applicable), "no data", "", ""))
            continue
        rows.append(
            (
                row.theme,
                str(row.n_applicable),
                pct_text(row.score_pct),
                TOO_FEW_CASES
                if math.isnan(row.ci_low_pct)
                else f"{pct_text(row.ci_low_pct)}–{pct_text(row.ci_high_pct)}",
                str(row.rating or ""),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    title = f"{results.params.title} ({results.params.audit_id}): {results.audit.n_cases} cases"
    return "\n".join([title, *lines])


def blank_form_failure(message: str) -> bool:
    """Return whether a build failed because its form had no cases (the user's input)."""
    # Imported only when a build failed: it pulls in pandas, which a batch that changed
    # nothing never needs.
    from caseaudit_lib.audit.blank_form import BLANK_FORM

    return BLANK_FORM in message
