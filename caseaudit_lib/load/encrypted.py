"""Password-protected workbooks: recognised, and decrypted in memory with msoffcrypto-tool.

Councils send children's data encrypted. A protected .xlsx/.xlsm/.xlsb is an OLE container
around the encrypted package (an unprotected one is a zip); a protected .xls is an OLE file
whose workbook stream says so. The plain workbook is only ever held in memory (``BytesIO``),
never written to disk.

The password never travels in a params file or on a command line: it is held by an environment
variable, and what is passed around is the variable's NAME (``password_env`` in a params file,
``--password-env VAR``), kept by :mod:`caseaudit_lib.config.password_env`; the password itself
is read only at the moment of decrypting, and never printed, logged or put in a message.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from caseaudit_lib.config.password_env import (
    ASKED_PASSWORD_ENV,
    PASSWORD_NAMES_ENV,
    password_env_names,
    use_password,
    use_password_env,
)
from caseaudit_lib.errors import AuditDataError, CaseAuditError, Problem

# Where the names of the password variables live, re-exported for the command line and tests.
__all__ = [
    "ASKED_PASSWORD_ENV",
    "PASSWORD_NAMES_ENV",
    "ask_password",
    "decrypted",
    "encrypt_workbook",
    "is_encrypted",
    "password_env_names",
    "password_in",
    "use_password",
    "use_password_env",
]

HOW_TO_GIVE = (
    "put the password in an environment variable and name it with 'password_env: VAR' in the "
    "params file or '--password-env VAR' on the command line, or use --ask-password"
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML = (".xlsx", ".xlsm", ".xlsb")


def password_in(name: str) -> str:
    """Return the password held by an environment variable (for protecting new forms).

    Raises:
        CaseAuditError: The variable is not set or empty.

    """
    password = os.environ.get(name, "")
    if not password:
        raise CaseAuditError(
            f"caseaudit: --password-env {name}: the environment variable {name} is not set; "
            "set it to the password the forms are to be protected with"
        )
    return password


def ask_password() -> None:
    """Ask for the workbooks' password at the terminal and put it in use.

    Raises:
        CaseAuditError: No terminal is attached, or nothing was typed.

    """
    import getpass
    import sys

    if not sys.stdin.isatty():
        raise CaseAuditError(
            "caseaudit: --ask-password needs a terminal to type in; without one, put the "
            "password in an environment variable and give its name with --password-env VAR"
        )
    password = getpass.getpass("Password of the protected workbooks: ")
    if not password:
        raise CaseAuditError("caseaudit: no password typed")
    use_password(password)


def is_encrypted(path: Path) -> bool:
    """Return whether a workbook is password-protected (an encrypted .xlsx, .xlsm, .xlsb, .xls)."""
    suffix = path.suffix.lower()
    if suffix == ".ods":
        return _encrypted_ods(path)
    if suffix not in (*_OOXML, ".xls"):
        return False
    try:
        with path.open("rb") as handle:
            if handle.read(len(OLE_MAGIC)) != OLE_MAGIC:
                return False
            if suffix in _OOXML:
                return True  # an OOXML package inside an OLE container is an encrypted one
            handle.seek(0)
            return bool(_office_file(handle).is_encrypted())
    except Exception:  # unreadable or damaged: the reader reports it in its own words
        return False


def decrypted(path: Path, file: str) -> io.BytesIO:
    """Return a protected workbook decrypted in memory, with the password from the environment.

    Raises:
        AuditDataError: No password is given, the password is wrong, or the file cannot be
            decrypted; one problem naming the file, never the password.

    """
    if path.suffix.lower() == ".ods":
        raise _error(
            file,
            "the workbook is password-protected, and a protected .ods cannot be opened",
            expected="the workbook saved as .xlsx with its password (or without one)",
        )
    names = password_env_names()
    given = [(name, os.environ[name]) for name in names if os.environ.get(name)]
    if not given:
        if names:
            unset = ", ".join(n for n in names if n != ASKED_PASSWORD_ENV) or ASKED_PASSWORD_ENV
            why = f"the environment variable {unset} that should hold it is not set"
            raise _error(file, f"the workbook is password-protected and {why}")
        raise _error(file, f"the workbook is password-protected: {HOW_TO_GIVE}")
    try:
        with path.open("rb") as handle:
            data = io.BytesIO(handle.read())
    except OSError as exc:
        raise _error(file, f"cannot read the file ({exc.strerror})") from None
    for _name, password in given:
        out = _try_password(data, password)
        if out is not None:
            return out
    tried = ", ".join(
        "the password typed" if name == ASKED_PASSWORD_ENV else name for name, _ in given
    )
    raise _error(file, f"wrong password for this password-protected workbook (tried {tried})")


def _try_password(data: io.BytesIO, password: str) -> io.BytesIO | None:
    """Return the workbook decrypted with one password, or None when the password is wrong."""
    import msoffcrypto.exceptions
    from msoffcrypto.format.ooxml import OOXMLFile

    data.seek(0)
    out = io.BytesIO()
    try:
        office = _office_file(data)
        if isinstance(office, OOXMLFile):
            office.load_key(password=password, verify_password=True)
        else:  # .xls: its load_key always checks the password (and takes no such option)
            office.load_key(password=password)
        office.decrypt(out)
    except (msoffcrypto.exceptions.InvalidKeyError, msoffcrypto.exceptions.DecryptionError):
        return None
    except Exception:  # a damaged container: no password would open it
        return None
    out.seek(0)
    return out


def encrypt_workbook(path: Path, password: str) -> None:
    """Password-protect an .xlsx in place (a blank form: it holds no answers yet)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    OOXMLFile(plain).encrypt(password, out)
    path.write_bytes(out.getvalue())


def _office_file(handle: io.BufferedIOBase) -> object:
    import msoffcrypto

    return msoffcrypto.OfficeFile(handle)


def _encrypted_ods(path: Path) -> bool:
    """Return whether an .ods file's manifest says its content is encrypted."""
    try:
        with zipfile.ZipFile(path) as package:
            return b"encryption-data" in package.read("META-INF/manifest.xml")
    except Exception:  # not a readable package: the reader reports it
        return False


def _error(file: str, message: str, *, expected: str | None = None) -> AuditDataError:
    return AuditDataError([Problem("error", file, message, expected=expected)])
