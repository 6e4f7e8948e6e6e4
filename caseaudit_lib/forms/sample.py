"""Drawing an audit's sample from the service's caseload and sharing it out among the auditors.

The service lists every open case (a csv or xlsx export with a case reference, case type and
start date); the audit reads a random sample of those that started on or after a date. The
sample is stratified by case type in proportion to the caseload (each type gets its share,
rounded by largest remainder, so within one case of it) and reproducible: the same caseload,
size and seed give the same sample. Cases are dealt to the auditors in turn, case type by case
type, so no auditor has more than one case above another and each reads a mix of types.

The sample file holds only ``case_id`` (the case reference: auditors need it to find the file),
``case_type`` and ``auditor``; no other column of the caseload (no name, no date of birth).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from caseaudit_lib.errors import AuditDataError, Problem
from caseaudit_lib.framework.model import Framework
from caseaudit_lib.load.reading import HEADER_SEARCH_ROWS, RawSheet, header_key, iter_sheets

CASE_REF, CASE_TYPE, START_DATE = "case_ref", "case_type", "start_date"
SAMPLE_COLUMNS = ("case_id", "case_type", "auditor")
EXPECTED_DATE = "a date such as 2015-09-01 or 01/09/2015"

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$")
_UK = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(frozen=True)
class Caseload:
    """The service's open cases: one row per case, with where each came from.

    Attributes:
        source: The caseload file, as named in problems.
        cases: Columns case_id, case_type (the framework's label when one was given, else as
            written) and start_date (a ``datetime.date``), one row per case, in file order.
        total: How many cases the file lists.

    """

    source: str
    cases: pd.DataFrame
    total: int


@dataclass(frozen=True)
class Sample:
    """A drawn sample: the cases, their auditors, and the figures for the params file."""

    cases: pd.DataFrame  # SAMPLE_COLUMNS, one row per case, auditor by auditor
    eligible: int  # cases that started on or after ``since``: the audit's caseload
    since: dt.date | None

    @property
    def fraction(self) -> float:
        """Return the sampling fraction: cases sampled over cases eligible."""
        return len(self.cases) / self.eligible

    def summary(self) -> str:
        """Return what to tell the analyst: the fraction, and the caseload for the params file."""
        since = f" that started on or after {self.since.isoformat()}" if self.since else ""
        return (
            f"sampled {len(self.cases)} of {self.eligible} cases{since} "
            f"(sampling fraction {self.fraction:.0%})\n"
            f"put in the params file: caseload: {self.eligible}"
        )


def parse_date(text: str) -> dt.date | None:
    """Return the date a cell holds (ISO, as Excel dates read, or day first), or None."""
    text = text.strip()
    if m := _ISO.match(text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _UK.match(text):
        d, mo, y = (int(g) for g in m.groups())
    else:
        return None
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


def _header_row(sheet: RawSheet, key: str) -> int | None:
    for position, row in enumerate(sheet.grid.iloc[:HEADER_SEARCH_ROWS].itertuples(index=False)):
        if any(header_key(str(cell)) == key for cell in row):
            return position
    return None


def read_caseload(
    path: str | os.PathLike[str],
    *,
    case_ref: str = CASE_REF,
    case_type: str = CASE_TYPE,
    start_date: str = START_DATE,
    framework: Framework | None = None,
) -> Caseload:
    """Read the service's caseload export (csv or xlsx; the first sheet with the columns).

    Args:
        path: The caseload file.
        case_ref: The header of its case reference column (matched ignoring case, spaces
            and hyphens).
        case_type: The header of its case type column.
        start_date: The header of its start date column.
        framework: When given, every case type must be one of its case types (id, label or
            alias); the sample then holds its label.

    Raises:
        AuditDataError: A column is missing, or a cell holds a blank reference, an unknown
            case type or a bad date; one located problem each.

    """
    wanted = {"case_ref": case_ref, "case_type": case_type, "start_date": start_date}
    keys = {role: header_key(name) for role, name in wanted.items()}
    file = str(path)
    sheet, header = None, None
    for candidate in iter_sheets(path):
        header = _header_row(candidate, keys["case_ref"])
        if header is not None:
            sheet = candidate
            break
    if sheet is None or header is None:
        raise AuditDataError(
            [Problem("error", file, "no such column", column=case_ref,
                     expected=f"a header cell {case_ref!r} in the first {HEADER_SEARCH_ROWS} rows "
                     "(name it with --case-ref-column)")]
        )  # fmt: skip
    sheet = RawSheet(sheet.file, sheet.name, sheet.grid, header)
    names = [header_key(n) for n in sheet.header_names]
    problems: list[Problem] = []
    cols: dict[str, int] = {}
    for role, key in keys.items():
        if key in names:
            cols[role] = names.index(key)
        else:
            flag = "--" + role.replace("_", "-") + "-column"
            problems.append(
                sheet.sheet_problem(
                    "error", "no such column", column=wanted[role],
                    expected=f"a header cell {wanted[role]!r} in row {header + 1} (or {flag})",
                )
            )  # fmt: skip
    if problems:
        raise AuditDataError(problems)
    body = sheet.grid.iloc[header + 1 :]
    body = body[(body.to_numpy(dtype=object) != "").any(axis=1)]
    refs, types, dates = [], [], []
    for row, values in body.iterrows():
        ref = str(values[cols["case_ref"]]).strip()
        raw_type = str(values[cols["case_type"]]).strip()
        raw_date = str(values[cols["start_date"]]).strip()
        if not ref:
            problems.append(sheet.problem("error", row, cols["case_ref"], "blank case reference"))
        kind: str | None = raw_type or None
        if framework is not None:
            type_id = framework.case_type_id(raw_type)
            kind = framework.case_types[type_id] if type_id else None
        if kind is None:
            expected = (
                "one of " + ", ".join(framework.case_types.values())
                if framework is not None
                else "a case type"
            )
            problems.append(
                sheet.problem(
                    "error", row, cols["case_type"],
                    "unknown case type" if raw_type else "blank case type",
                    value=raw_type, expected=expected,
                )
            )  # fmt: skip
        started = parse_date(raw_date)
        if started is None:
            problems.append(
                sheet.problem(
                    "error", row, cols["start_date"], "not a date", value=raw_date,
                    expected=EXPECTED_DATE,
                )
            )  # fmt: skip
        refs.append(ref)
        types.append(kind)
        dates.append(started)
    repeated = pd.Series(refs).duplicated().to_numpy()
    for i in np.flatnonzero(repeated & (np.array(refs, dtype=object) != "")):
        problems.append(
            sheet.problem("error", body.index[i], cols["case_ref"], "case listed twice")
        )
    if problems:
        raise AuditDataError(problems)
    cases = pd.DataFrame({"case_id": refs, "case_type": types, "start_date": dates})
    return Caseload(file, cases, len(cases))


def parse_auditors(text: str) -> list[str]:
    """Return the auditors' names from "Ann;Bo;Cy" (blank names dropped).

    Raises:
        AuditDataError: No name, or a name given twice.

    """
    names = [name.strip() for name in text.split(";") if name.strip()]
    twice = sorted({n for n in names if names.count(n) > 1})
    if not names or twice:
        message = f"auditor named twice: {', '.join(twice)}" if twice else "no auditor named"
        raise AuditDataError(
            [Problem("error", "--auditors", message, expected='names separated by ";"')]
        )
    return names


def proportional_sizes(counts: pd.Series, size: int, rng: np.random.Generator) -> pd.Series:
    """Return how many cases to draw of each stratum: its share of ``size``, largest remainder.

    Each stratum gets the whole part of its share, and the cases left over go to the largest
    fractional parts (ties broken at random), so every stratum is within one case of its share.
    """
    share = counts * size / counts.sum()
    sizes = np.floor(share).astype(int)
    left = size - int(sizes.sum())
    remainder = (share - sizes).to_numpy()
    order = np.lexsort((rng.random(len(remainder)), -remainder))
    bump = np.zeros(len(counts), dtype=int)
    bump[order[:left]] = 1
    return sizes + bump


def draw_sample(
    caseload: Caseload,
    size: int,
    auditors: list[str],
    *,
    since: dt.date | None = None,
    seed: int = 0,
) -> Sample:
    """Draw a stratified random sample of the cases started since a date, dealt to auditors.

    Raises:
        AuditDataError: Fewer eligible cases than ``size``, or a size below 1.

    """
    cases = caseload.cases
    if since is not None:
        cases = cases[cases["start_date"] >= since]
    if size < 1:
        raise AuditDataError(
            [Problem("error", "--size", "not a sample size", value=str(size),
                     expected="a whole number of cases, at least 1")]
        )  # fmt: skip
    if len(cases) < size:
        since_text = f" that started on or after {since.isoformat()}" if since else ""
        raise AuditDataError(
            [Problem("error", caseload.source,
                     f"only {len(cases)} cases{since_text}, fewer than the sample size",
                     value=str(size), expected=f"--size from 1 to {len(cases)}")]
        )  # fmt: skip
    rng = np.random.default_rng(seed)
    # Sorted first, so that the draw depends on the cases, not on the order of the export.
    cases = cases.sort_values(["case_type", "case_id"], kind="stable").reset_index(drop=True)
    counts = cases["case_type"].value_counts().sort_index()
    sizes = proportional_sizes(counts, size, rng)
    picked = []
    for case_type, n in sizes.items():
        of_type = cases[cases["case_type"] == case_type]
        picked.append(of_type.iloc[np.sort(rng.choice(len(of_type), n, replace=False))])
    chosen = pd.concat(picked, ignore_index=True)
    # Dealt in turn, type after type, from a random first auditor: counts differ by at most
    # one, and each type is spread across the auditors.
    start = int(rng.integers(len(auditors)))
    chosen["auditor"] = [auditors[(start + i) % len(auditors)] for i in range(len(chosen))]
    rank = {name: i for i, name in enumerate(auditors)}
    chosen = chosen.sort_values(
        ["auditor", "case_type", "case_id"], key=lambda s: s.map(rank) if s.name == "auditor" else s
    )
    return Sample(
        cases=chosen[list(SAMPLE_COLUMNS)].reset_index(drop=True),
        eligible=len(cases),
        since=since,
    )


def write_sample(sample: Sample, path: str | os.PathLike[str]) -> Path:
    """Write the sample file (case_id, case_type, auditor) as UTF-8 csv."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sample.cases.to_csv(path, index=False, encoding="utf-8")
    return path


def parse_since(text: str | None) -> dt.date | None:
    """Return the ``--since`` date (YYYY-MM-DD), or None when not given.

    Raises:
        AuditDataError: Not an ISO date.

    """
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise AuditDataError(
            [Problem("error", "--since", "not a date", value=text, expected="YYYY-MM-DD")]
        ) from None
