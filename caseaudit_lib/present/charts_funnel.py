"""The funnel chart: each service's theme score against its effective sample, with limits.

Same conventions as :mod:`caseaudit_lib.present.charts`: drawn in the house style, returns the
Axes, and stores its alt text on the figure. The statistics are
:mod:`caseaudit_lib.compare.funnel`'s; this module only draws them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from caseaudit_lib.compare.funnel import ABOVE, BELOW, LEVELS, WITHIN_WORDS, Funnel
from caseaudit_lib.present import style
from caseaudit_lib.present.chart_base import (
    POINT_GID,
    SCORE_LABEL,
    finish_chart,
    in_house_style,
    new_axes,
)
from caseaudit_lib.score.ratings import pct_text

LIMIT_STYLES = {0.95: "--", 0.998: "-"}  # dashed inner, solid outer: not by colour alone
MARKS = {ABOVE: ("^", style.OKABE_ITO[2]), BELOW: ("v", style.FLAG_COLOUR)}


def _pct(value: float) -> str:
    return pct_text(100 * value)  # as the page's table shows it: rounded half up


@in_house_style
def funnel_chart(result: Funnel, *, title: str, ax: Axes | None = None) -> Axes:
    """Plot services' scores against effective sample size, with 95 % and 99.8 % limits.

    Args:
        result: the theme's funnel (:func:`caseaudit_lib.compare.funnel.funnel`).
        title: the chart's title.
        ax: an Axes to draw into; a new figure when None.

    """
    ax = new_axes(ax)
    points = result.points
    n = points["n_eff"].to_numpy(dtype=float)
    top = max(float(n.max()) * 1.3, 10.0) if n.size else 10.0  # room for the names
    grid = np.linspace(max(top / 400, 0.5), top, 400)
    ax.axhline(
        100 * result.target,
        color=style.TEXT_GREY,
        lw=1.0,
        ls=":",
        zorder=2,
        label=f"Pooled rate, {_pct(result.target)}",
    )
    for level in LEVELS:
        low, high = result.limits(grid, level)
        label = f"{level * 100:g}% limits"
        for line, name in ((low, label), (high, None)):
            ax.plot(
                grid,
                100 * line,
                ls=LIMIT_STYLES[level],
                color="#333333",
                lw=1.1,
                label=name,
                zorder=3,
            )
    for position, rows in points.groupby("position", sort=False):
        marker, colour = MARKS.get(str(position), ("o", style.CURRENT_COLOUR))
        ax.scatter(
            rows["n_eff"],
            100 * rows["score"],
            marker=marker,
            s=46,
            color=colour,
            edgecolor="white",
            zorder=5,
            gid=POINT_GID,
        )
    for row, y in zip(points.itertuples(), _label_heights(points, top), strict=True):
        moved = abs(y - 100 * row.score) > 0.5
        ax.annotate(
            str(row.service),
            (row.n_eff, 100 * row.score),
            xytext=(row.n_eff + 0.015 * top, y + 2.5),
            parse_math=False,  # a service's name is typed text: "$" is a dollar, not maths
            fontsize=7,
            color="#222222",
            va="center",
            arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.6} if moved else None,
        )
    ax.set_xlim(0, top)
    ax.set_ylim(0, 100)
    ax.set_xlabel("Effective sample size (answers, allowing for clustering within cases)")
    ax.set_ylabel(SCORE_LABEL)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.14), ncol=3)
    chart = finish_chart(ax, title, funnel_alt_text(result, title))
    chart.title.set_parse_math(False)  # a theme's name is typed text too
    return chart


def _label_heights(points: pd.DataFrame, width: float, gap: float = 4.0) -> list[float]:
    """Return the height (%) of each point's name, moved up so that close points' names don't clash.

    A name runs to the right of its point, about a third of the chart wide: names of points
    nearer than that across, and less than ``gap`` points apart, are set ``gap`` apart.
    """
    scores = (100 * points["score"]).to_list()
    xs = points["n_eff"].to_list()
    heights = list(scores)
    placed: list[int] = []
    for i in sorted(range(len(scores)), key=lambda k: scores[k]):
        for j in sorted(placed, key=lambda k: heights[k]):
            if abs(xs[j] - xs[i]) < 0.35 * width and abs(heights[j] - heights[i]) < gap:
                heights[i] = heights[j] + gap
        placed.append(i)
    return heights


def funnel_alt_text(result: Funnel, title: str) -> str:
    """Return the funnel chart in words: pooled rate, limits' basis, each service's place."""
    adjusted = (
        f" widened for overdispersion (phi = {result.phi:.2f})" if result.overdispersed else ""
    )
    words = [
        f"{title}. Funnel plot of {len(result.points)} services' scores, 0 to 100%, against "
        f"their effective sample sizes; the pooled rate is {_pct(result.target)}, with 95% and "
        f"99.8% control limits{adjusted}."
    ]
    for row in result.points.itertuples():
        where = {ABOVE: "above the upper 99.8% limit", BELOW: "below the lower 99.8% limit"}
        words.append(
            f"{row.service}: {_pct(row.score)} at effective n {row.n_eff:.0f}, "
            f"{where.get(row.position, WITHIN_WORDS)}."
        )
    return " ".join(words)
