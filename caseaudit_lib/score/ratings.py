"""Rating bands, their only home: the label for a percentage, HMIP points, standards, overall.

One rounding rule (issue 20): a percentage is shown as a whole number rounded half up
(:func:`whole_pct`, :func:`pct_text`), and its rating is the band of that whole number, so a
shown percentage never contradicts its band (79.5 shows "80%" and is rated 80's band). The
tables keep the raw value; HMIP publishes whole percentages but does not say which it bands.

Bands come from the framework (``Framework.bands``, highest first, ``min_pct`` inclusive) and
HMIP's overall rule (``Framework.overall``): the framework holds only the band data, every rule
that reads it is here, and nothing here knows a threshold. A missing score (None or NaN, e.g. a
theme where every answer was not applicable) has no rating: None. A label that is not a band
(typed by a person, in params) is a :class:`~caseaudit_lib.errors.ParamsError` naming where it
was given; a number no band can hold (a points total beyond the framework's maximum) is a
ValueError, a fault of the caller.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from caseaudit_lib.errors import ParamsError, Problem

if TYPE_CHECKING:
    from caseaudit_lib.framework.model import Band, Framework, OverallRule

STANDARD_COLUMNS = ["standard", "rating", "points"]

# Scores are computed as count / n * 100, so 13/20 or 129/200 may come out a hair off 65 or
# 64.5; rounding to this many decimals first keeps such a score where its exact value belongs.
_DECIMALS = 9


def _missing(value: Any) -> bool:
    """Return True for None, NaN and pandas NA."""
    return value is None or bool(pd.isna(value))


def _ordered(bands: Iterable[Band]) -> list[Band]:
    """Return the bands highest threshold first, whatever order they were given in."""
    return sorted(bands, key=lambda b: b.min_pct, reverse=True)


def whole_pct(pct: float | None) -> int | None:
    """Return a percentage as the whole number shown, rounded half up (None where missing)."""
    if _missing(pct):
        return None
    return math.floor(round(float(pct), _DECIMALS) + 0.5)


def pct_text(pct: float | None, missing: str = "no data") -> str:
    """Return a percentage as shown beside its band, e.g. "80%" for 79.5 (``missing`` if none)."""
    whole = whole_pct(pct)
    return missing if whole is None else f"{whole}%"


def rating(pct: float | None, bands: Iterable[Band]) -> str | None:
    """Return the label of the band of a percentage as shown (whole, rounded half up).

    Args:
        pct: a percentage 0-100, or None/NaN.
        bands: the framework's rating bands.

    Returns:
        The label of the highest band whose ``min_pct`` is at or below ``whole_pct(pct)`` (the
        lowest band for a percentage below every band); None for a missing percentage.

    """
    if _missing(pct):
        return None
    value = whole_pct(pct)
    ordered = _ordered(bands)
    for band in ordered:
        if value >= band.min_pct:
            return band.label
    return ordered[-1].label if ordered else None


def ratings(pcts: pd.Series | np.ndarray | Iterable[float], bands: Iterable[Band]) -> pd.Series:
    """Return the band label of each percentage (None where missing), as an object Series."""
    bands = list(bands)
    index = pcts.index if isinstance(pcts, pd.Series) else None
    return pd.Series([rating(p, bands) for p in pcts], index=index, dtype=object)


def hmip_points(
    label: str | None, bands: Iterable[Band], *, source: str = "", cell: str | None = None
) -> int | None:
    """Return the points a band label scores (HMIP: Inadequate 0 ... Outstanding 3).

    Labels match case-insensitively, ignoring surrounding spaces.

    Args:
        label: a band label, or None.
        bands: the framework's rating bands.
        source: the file the label was given in, for the error.
        cell: where in that file (e.g. ``organisational_ratings.1.1``), for the error.

    Returns:
        The band's points; None for a missing label or a band without points.

    Raises:
        ParamsError: the label is not one of the bands.

    """
    if _missing(label):
        return None
    bands = list(bands)
    wanted = str(label).strip().casefold()
    for band in bands:
        if band.label.casefold() == wanted:
            return band.points
    raise ParamsError(
        [
            Problem(
                "error",
                source,
                "unknown rating",
                cell=cell,
                value=str(label),
                expected="one of " + ", ".join(b.label for b in bands),
            )
        ]
    )


def overall_band(total_points: float | None, overall_rule: OverallRule) -> str | None:
    """Return the overall band of a points total (HMIP: 31-36 Outstanding, ...).

    Args:
        total_points: the sum of the standards' points, or None.
        overall_rule: the framework's rule; its bands are ``(label, min_points)`` pairs.

    Returns:
        The label of the highest band whose ``min_points`` is at or below the total (the lowest
        band for a total below every band); None for a missing total.

    Raises:
        ValueError: a total below 0 or above the rule's ``max_points``: no band holds it.

    """
    if _missing(total_points):
        return None
    if not 0 <= total_points <= overall_rule.max_points:
        raise ValueError(
            f"a points total of {total_points:g} is outside 0 to {overall_rule.max_points}"
        )
    ordered = sorted(overall_rule.bands, key=lambda b: b[1], reverse=True)
    for label, min_points in ordered:
        if total_points >= min_points:
            return label
    return ordered[-1][0] if ordered else None


def canonical_label(
    label: str, bands: Iterable[Band], *, source: str = "", cell: str | None = None
) -> str:
    """Return a band label in the framework's own spelling (matched case-insensitively).

    Raises:
        ParamsError: the label is not one of the bands (naming ``source`` and ``cell``).

    """
    bands = list(bands)
    hmip_points(label, bands, source=source, cell=cell)  # raises on an unknown label
    wanted = str(label).strip().casefold()
    return next(b.label for b in bands if b.label.casefold() == wanted)


def standard_scores(
    framework: Framework,
    themes: pd.DataFrame,
    organisational_ratings: Mapping[str, str] | None = None,
    *,
    source: str = "",
) -> tuple[pd.DataFrame, dict[str, Any] | None, str | None]:
    """Return the HMIP standards table, the overall result and why it is missing (if it is).

    Case standards are the themes, rated from their scores; organisational standards take the
    ratings supplied, named by id, label or alias (3.4's earlier title "Joint working", say).
    A theme rated outside the total (``in_overall: false``: HMIP's resettlement) is listed with
    its rating and no points, and a missing rating there ("not rated": no case applied) leaves
    the overall result alone. The overall total and band are given only when every standard
    that counts has a rating.

    Returns:
        ``(standards, overall, reason)``: standards has columns standard, rating, points (empty
        for a framework without an overall rule); overall is ``{"total_points", "max_points",
        "band"}`` or None, with reason saying why it is None.

    Args:
        framework: the audit's framework.
        themes: the theme scores table.
        organisational_ratings: organisational standard id -> rating label, as given in params.
        source: the params file the ratings were given in, for errors.

    Raises:
        ParamsError: a rating names an unknown standard or band.

    """
    supplied = dict(organisational_ratings or {})
    if framework.overall is None:
        if supplied:
            raise ParamsError(
                [
                    Problem(
                        "error",
                        "",
                        f"framework {framework.id} has no organisational standards to rate",
                        column="organisational_ratings",
                    )
                ]
            )
        return pd.DataFrame(columns=STANDARD_COLUMNS), None, "the framework has no overall rating"
    org_ids = [sid for sid, _ in framework.overall.organisational_standards]
    named = {given: framework.overall.standard_id(given) for given in supplied}
    unknown = sorted(given for given, sid in named.items() if sid is None)
    if unknown:
        raise ParamsError(
            [
                Problem(
                    "error",
                    source,
                    "unknown organisational standard",
                    column="organisational_ratings",
                    value=sid,
                    expected="one of " + ", ".join(org_ids),
                )
                for sid in unknown
            ]
        )
    twice = sorted(sid for sid in set(named.values()) if list(named.values()).count(sid) > 1)
    if twice:
        raise ParamsError(
            [
                Problem(
                    "error",
                    source,
                    "one organisational standard rated twice (by id, title or earlier title)",
                    column="organisational_ratings",
                    value=sid,
                    expected="one rating per standard",
                )
                for sid in twice
            ]
        )
    org = {
        named[given]: canonical_label(
            supplied[given], framework.bands, source=source, cell=f"organisational_ratings.{given}"
        )
        for given in supplied
    }
    rows = [(sid, org.get(sid)) for sid in org_ids]
    rows += list(zip(themes["theme_id"], themes["rating"], strict=True))
    # object dtype keeps None for "no rating" (a string column would turn it into NaN).
    standards = pd.DataFrame(rows, columns=["standard", "rating"], dtype=object)
    standards["standard"] = standards["standard"].astype(str)
    outside = {t.id for t in framework.themes if not t.in_overall}
    standards["points"] = pd.array(
        [
            None if sid in outside else hmip_points(r, framework.bands)
            for sid, r in zip(standards["standard"], standards["rating"], strict=True)
        ],
        dtype="Int64",
    )
    missing_org = [sid for sid in org_ids if sid not in org]
    unrated = [
        t
        for t, r in zip(themes["theme_id"], themes["rating"], strict=True)
        if r is None and t not in outside
    ]
    if missing_org:
        return (
            standards,
            None,
            "no rating supplied for organisational standard(s) " + ", ".join(missing_org),
        )
    if unrated:
        return standards, None, "no applicable answers, so no rating, for " + ", ".join(unrated)
    total = int(standards["points"].sum())
    overall = {
        "total_points": total,
        "max_points": framework.overall.max_points,
        "band": overall_band(total, framework.overall),
    }
    return standards, overall, None
