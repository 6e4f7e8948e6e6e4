"""The trend chart: an audit's theme scores beside earlier audits', each with its interval.

Same conventions as :mod:`caseaudit_lib.present.charts`, which re-exports it as
``plots.trend_chart``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from caseaudit_lib.present import style
from caseaudit_lib.present.chart_base import (
    POINT_GID,
    SCORE_COLUMNS,
    SCORE_LABEL,
    finish_chart,
    float_column,
    in_house_style,
    n_label,
    new_axes,
    require_columns,
    score_words,
)

if TYPE_CHECKING:
    from caseaudit_lib.present.chart_base import BandsLike


@in_house_style
def trend_chart(
    data: pd.DataFrame,
    *,
    bands: BandsLike,
    theme_id: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Plot scores over successive audits, one line per theme (or one theme), with intervals.

    Audits are placed in date order, evenly spaced; a missing score leaves a gap in its line
    and a "no data" mark.

    Args:
        data: the trend table (audit_id, audit_date, theme_id, theme, score_pct, ci_low_pct,
            ci_high_pct, n_applicable, rating).
        bands: the framework (or its bands, or pairs); None for no bands.
        theme_id: one theme to show; every theme when None.
        ax: an Axes to draw into; a new figure when None.
        title: the title; "Scores over time" (with the theme's name) when None.

    Returns:
        The Axes drawn on.

    """
    needed = "audit_id audit_date theme_id theme " + " ".join(SCORE_COLUMNS)
    require_columns(data, needed, "trend_chart")
    rows = data if theme_id is None else data[data["theme_id"] == theme_id]
    audits = _audit_order(rows)
    ax = new_axes(ax)
    style.draw_bands(ax, bands, along="y")
    theme_ids = list(dict.fromkeys(rows["theme_id"]))
    words = []
    for i, tid in enumerate(theme_ids):
        one = rows[rows["theme_id"] == tid]
        x = one["audit_id"].map(audits).to_numpy(dtype=float) + _dodge(i, len(theme_ids))
        words.append(_trend_line(ax, one, x, i))
    ax.set_xticks(range(len(audits)), [_audit_label(a, rows) for a in audits])
    ax.set_xlim(-0.5, max(len(audits) - 0.5, 0.5))
    ax.set_ylim(0, 100)
    ax.set_xlabel("Audit")
    ax.set_ylabel(SCORE_LABEL)
    if len(theme_ids) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.2), ncol=min(3, len(theme_ids)))
    name = rows["theme"].iloc[0] if len(theme_ids) == 1 else None
    alt = "Scores over time with 95% intervals, 0 to 100%. " + " ".join(words)
    return finish_chart(ax, title or "Scores over time" + (f": {name}" if name else ""), alt)


def _audit_order(rows: pd.DataFrame) -> dict[str, int]:
    """Return each audit's position on the x axis: by date, then by id."""
    audits = rows[["audit_id", "audit_date"]].drop_duplicates("audit_id")
    audits = audits.assign(_when=pd.to_datetime(audits["audit_date"], errors="coerce"))
    ordered = audits.sort_values(["_when", "audit_id"], na_position="last")["audit_id"]
    return {a: i for i, a in enumerate(ordered)}


def _audit_label(audit_id: str, rows: pd.DataFrame) -> str:
    """Return an x tick label: the audit id and its month."""
    date = rows.loc[rows["audit_id"] == audit_id, "audit_date"].iloc[0]
    when = pd.to_datetime(date, errors="coerce")
    return f"{audit_id}\n{when:%b %Y}" if pd.notna(when) else str(audit_id)


def _dodge(i: int, k: int) -> float:
    """Return the small x shift that keeps several themes' intervals apart."""
    return (i - (k - 1) / 2) * min(0.1, 0.5 / max(k, 1))


def _trend_line(ax: Axes, one: pd.DataFrame, x: np.ndarray, i: int) -> str:
    """Draw one theme's line, intervals, n and no-data marks; return it in words."""
    colour, marker = style.PALETTE[i % len(style.PALETTE)], style.MARKERS[i % len(style.MARKERS)]
    order = np.argsort(x)
    one, x = one.iloc[order], x[order]
    score, low, high, n = (float_column(one, c) for c in SCORE_COLUMNS)
    name = str(one["theme"].iloc[0])
    style.draw_intervals(ax, x, low, high, along="y", colour=colour)
    ax.plot(
        x, score, color=colour, marker=marker, ms=6, lw=1.6, zorder=4, label=name, gid=POINT_GID
    )
    style.draw_no_data(ax, x[np.isnan(score)], at=2, along="y")
    for xi, lo, ni in zip(x, low, n, strict=True):
        if not (np.isnan(lo) or np.isnan(ni)):  # under the interval, upright, so themes don't clash
            ax.annotate(
                n_label(ni),
                (xi, lo),
                xytext=(0, -3),
                textcoords="offset points",
                rotation=90,
                ha="center",
                va="top",
                fontsize=6.5,
                color=colour,
            )
    ratings = one["rating"].tolist() if "rating" in one else [None] * len(one)
    audits = one["audit_id"].astype(str).tolist()
    return f"{name}: " + " ".join(map(score_words, audits, score, low, high, n, ratings))
