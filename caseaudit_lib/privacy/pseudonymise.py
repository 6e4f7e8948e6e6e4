"""Keeping children's identities out of everything after loading.

Audit files often carry a child's name, date of birth or a case-management reference beside the
answers. Those columns are dropped as the file is loaded, and the case id (plus any column the
params name) is replaced by a keyed pseudonym: the same case gets the same pseudonym in every
audit scored with the same salt, so first and second markings and repeat audits still line up,
but the pseudonym cannot be turned back into the id without the salt.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from caseaudit_lib.errors import ParamsError, Problem
from caseaudit_lib.load.reading import header_key, read_audit_sheet
from caseaudit_lib.load.sources import data_files
from caseaudit_lib.privacy.salt import resolve_salt

DEFAULT_DROP: tuple[str, ...] = (
    "name", "first_name", "forename", "surname", "last_name", "child_name", "young_person",
    "yp_name", "full_name", "dob", "date_of_birth", "birth_date", "address", "postcode",
    "cms_ref", "case_ref", "case_reference", "case_number", "pnc", "upn", "nhs_number",
    "parent_name", "carer_name",
)  # fmt: skip
DEFAULT_PSEUDONYMISE: tuple[str, ...] = ("case_id",)
# Columns the scores need: they can be pseudonymised but never dropped.
REQUIRED: tuple[str, ...] = ("case_id", "auditor", "case_type", "marking")

CASE_PREFIX = "C-"
OTHER_PREFIX = "P-"
PSEUDONYM_LENGTH = 6

_BASE32 = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), dtype="<U1")
_FIVE_BITS = np.array([16, 8, 4, 2, 1], dtype=np.uint8)

Action = Literal["drop", "pseudonymise"]
_IGNORED = re.compile(r"[\s_\-]+")
COMMENT_KEYS = ("comment", "comments", "note", "notes", "evidence")
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00$")


def is_comment_column(header: str) -> bool:
    """Return whether a column holds free text: ``comment``, ``<question id>_comment``, notes."""
    key = header_key(header)
    return key in COMMENT_KEYS or key.endswith("_comment")


def privacy_key(header: str) -> str:
    """Return a column header folded for the privacy lists: lower-case, no spaces, _ or -."""
    return _IGNORED.sub("", str(header).strip().lower())


@dataclass(frozen=True)
class PrivacyConfig:
    """Which columns are dropped or pseudonymised at load, and the salt of the pseudonyms.

    Attributes:
        drop: Column headers removed at load (matched ignoring case, spaces, "_" and "-").
        pseudonymise: Column headers whose values are replaced by pseudonyms; ``case_id`` is
            always pseudonymised whether listed or not.
        salt: The key of the pseudonyms; None to look it up (see :func:`resolve_salt`).
        patterns: Regular expressions withheld from comments besides the input's own
            identifying values (see :mod:`caseaudit_lib.privacy.free_text`).

    """

    drop: tuple[str, ...] = DEFAULT_DROP
    pseudonymise: tuple[str, ...] = DEFAULT_PSEUDONYMISE
    salt: bytes | None = field(default=None, repr=False)
    patterns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "drop", tuple(self.drop))
        object.__setattr__(self, "pseudonymise", tuple(self.pseudonymise))
        object.__setattr__(self, "patterns", tuple(self.patterns))
        required = {privacy_key(c) for c in REQUIRED}
        clash = [c for c in self.drop if privacy_key(c) in required]
        if clash:
            raise ParamsError(
                [
                    Problem(
                        "error",
                        "params",
                        f"column {c!r} is needed for scoring and cannot be dropped",
                        cell="privacy.drop",
                        expected="pseudonymise it instead",
                    )
                    for c in clash
                ]
            )

    @classmethod
    def from_params(
        cls, params: Mapping[str, Any] | None, *, file: str = "params"
    ) -> PrivacyConfig:
        """Return the default config extended by a params ``privacy`` mapping.

        Args:
            params: ``{"drop": [...], "pseudonymise": [...], "patterns": [...]}`` (each key
                optional), or None.
            file: The params file, named in problems.

        Raises:
            ParamsError: Unknown keys or values that are not lists of column names.

        """
        params = params or {}
        problems = []
        if not isinstance(params, Mapping):
            raise ParamsError(
                [Problem("error", file, "privacy must be a mapping", cell="privacy",
                         value=repr(params), expected="{drop: [...], pseudonymise: [...]}")]
            )  # fmt: skip
        for key in set(params) - {"drop", "pseudonymise", "patterns"}:
            problems.append(
                Problem("error", file, "unknown privacy setting", cell=f"privacy.{key}",
                        value=str(key), expected="drop, pseudonymise or patterns")
            )  # fmt: skip
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("drop", "pseudonymise", "patterns"):
            value = params.get(key) or []
            if isinstance(value, str) or not isinstance(value, Iterable):
                value = [value]
            bad = [v for v in value if not isinstance(v, str) or not v.strip()]
            for v in bad:
                problems.append(
                    Problem("error", file, "not a column name", cell=f"privacy.{key}",
                            value=repr(v), expected="a list of column headers")
                )  # fmt: skip
            lists[key] = tuple(v for v in value if v not in bad)
        for i, pattern in enumerate(lists["patterns"]):
            try:
                re.compile(pattern)
            except re.error as error:
                problems.append(
                    Problem("error", file, f"not a regular expression ({error})",
                            cell=f"privacy.patterns[{i}]", value=pattern,
                            expected=r"a Python regular expression, e.g. \bKieran\b")
                )  # fmt: skip
        if problems:
            raise ParamsError(problems)
        return cls(
            drop=DEFAULT_DROP + lists["drop"],
            pseudonymise=DEFAULT_PSEUDONYMISE + lists["pseudonymise"],
            patterns=lists["patterns"],
        )

    @cached_property
    def _keys(self) -> tuple[frozenset[str], frozenset[str]]:
        return (
            frozenset(map(privacy_key, self.pseudonymise)) | {"caseid"},
            frozenset(map(privacy_key, self.drop)),
        )

    def action(self, header: str) -> Action | None:
        """Return what happens to a column at load: "drop", "pseudonymise" or None (kept)."""
        key = privacy_key(header)
        pseudonymised, dropped = self._keys
        if key in pseudonymised:
            return "pseudonymise"
        if key in dropped:
            return "drop"
        return None

    def resolve_salt(self) -> bytes:
        """Return the salt of the pseudonyms.

        The first found of: this config's salt, env ``CASEAUDIT_SALT``, the file named by env
        ``CASEAUDIT_SALT_FILE``, ``<project root>/.caseaudit-salt`` (created with 32 random
        bytes, readable only by its owner, on first use).
        """
        return self.salt if self.salt else resolve_salt()


def pseudonymise(values: pd.Series, salt: bytes, *, prefix: str = CASE_PREFIX) -> pd.Series:
    """Return keyed pseudonyms of values: prefix + base32(HMAC-SHA256(salt, value))[:6].

    Values are trimmed first; blanks stay blank. Should two different values share the first six
    characters (about 1 in 250 for an audit of 3,000 cases), the whole column takes longer
    pseudonyms, so that two cases are never merged.
    """
    text = values.astype(str).str.strip()
    uniques = pd.unique(text[text != ""]).tolist()
    # Ten bytes of each digest give the first sixteen base32 characters of the whole digest.
    # Encoded all at once with numpy: base64.b32encode loops in Python, 3,000 calls cost more
    # than the rest of loading put together.
    digests = np.frombuffer(
        b"".join(hmac.digest(salt, v.encode("utf-8"), hashlib.sha256)[:10] for v in uniques),
        dtype=np.uint8,
    ).reshape(-1, 10)
    fives = np.unpackbits(digests, axis=1).reshape(len(uniques), 16, 5) @ _FIVE_BITS
    chars = _BASE32[fives]
    length = PSEUDONYM_LENGTH
    while length < 16 and len(np.unique(chars[:, :length], axis=0)) < len(uniques):
        length += 2
    codes = np.ascontiguousarray(chars[:, :length]).view(f"<U{length}").ravel()
    mapping = dict(zip(uniques, np.char.add(prefix, codes).tolist(), strict=True))
    mapping[""] = ""
    return text.map(mapping).astype(str)


def apply_privacy(cases: pd.DataFrame, config: PrivacyConfig | None = None) -> pd.DataFrame:
    """Return the cases table with identifying columns dropped and pseudonymised ones replaced.

    Args:
        cases: One row per case, column headers as in the input file.
        config: The privacy settings; None for the defaults.

    """
    config = config or PrivacyConfig()
    salt = config.resolve_salt()
    actions = {col: config.action(str(col)) for col in cases.columns}
    result = cases.drop(columns=[c for c, a in actions.items() if a == "drop"])
    for col, action in actions.items():
        if action == "pseudonymise":
            prefix = CASE_PREFIX if privacy_key(str(col)) == "caseid" else OTHER_PREFIX
            result[col] = pseudonymise(result[col], salt, prefix=prefix)
    return result


def collect_identifiers(
    path: str | os.PathLike[str],
    framework: object | None = None,
    config: PrivacyConfig | None = None,
) -> set[str]:
    """Return the raw values of an input's identifying columns, and what the detector finds.

    For the leak check, which looks for them in exported files; never print them. A date of
    birth read from Excel as "2010-03-04 00:00:00" is returned as "2010-03-04" too.

    Args:
        path: The audit scoring file, or a folder or glob of them (every file is read).
        framework: Its wording is never a personal detail; the columns are found by header
            alone. A :class:`PrivacyConfig` passed here is taken as ``config``.
        config: The privacy settings; None for the defaults.

    """
    if isinstance(framework, PrivacyConfig) and config is None:
        config = framework
    config = config or PrivacyConfig()
    found: set[str] = set()
    # What the loader withholds from comments is what the leak check looks for: one detector.
    from caseaudit_lib.privacy.detector import Detector, found_values, framework_wording

    detector = Detector(None, config.patterns, framework_wording(framework))
    for file in data_files(path):
        sheet = read_audit_sheet(file)
        header = sheet.grid.iloc[sheet.header_row]
        body = sheet.grid.iloc[sheet.header_row + 1 :]
        for col, text in header.items():
            if text.strip() and config.action(text) is not None:
                values = body[col].str.strip()
                found.update(values[values != ""])
            elif is_comment_column(text):
                for cell in pd.unique(body[col]):
                    found.update(found_values(cell, detector))
    found.update(m.group(1) for v in list(found) if (m := _MIDNIGHT.match(v)))
    return found
