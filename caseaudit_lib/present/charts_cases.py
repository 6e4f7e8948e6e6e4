"""The charts of cases and auditors: every answer as a grid, and each auditor against the rest.

Same conventions as :mod:`caseaudit_lib.present.charts`, which re-exports these charts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch, Rectangle

from caseaudit_lib.load.answers import ANSWER_LEVELS, NOT_ANSWERED
from caseaudit_lib.present import style
from caseaudit_lib.present.chart_base import (
    NO_DATA,
    POINT_GID,
    finish_chart,
    float_column,
    in_house_style,
    n_label,
    new_axes,
    require_columns,
    row_axis,
)

DIFF_LABEL = "Difference from the other auditors (percentage points)"


@in_house_style
def case_heatmap(data: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Show every case's answer to every question as a grid, coloured and hatched by answer.

    Args:
        data: an answers-like tidy table (case_id, question_id, answer; optional marking, of
            which only "first" rows are used, and theme_id, which draws a line between
            themes). A case with no row for a question counts as not answered.
        ax: an Axes to draw into; a new figure when None.
        title: the title; "Answers by case and question" when None.

    Returns:
        The Axes drawn on.

    """
    require_columns(data, "case_id question_id answer", "case_heatmap")
    rows = data[data["marking"] == "first"] if "marking" in data else data
    codes = _answer_codes(rows)
    ax = new_axes(ax, len(codes), per_row=0.2)
    colours = [style.ANSWER_COLOURS[a] for a in ANSWER_LEVELS]
    sns.heatmap(
        codes,
        ax=ax,
        cmap=ListedColormap(colours),
        vmin=-0.5,
        vmax=len(colours) - 0.5,
        cbar=False,
        linewidths=0.4,
        linecolor="#BBBBBB",
    )
    _hatch_cells(ax, codes.to_numpy())
    _theme_dividers(ax, rows, list(codes.columns))
    ax.set_xlabel("Question")
    ax.set_ylabel("Case")
    ax.tick_params(axis="x", labelsize=7 if codes.shape[1] > 20 else 8.5, rotation=90)
    ax.tick_params(axis="y", labelsize=7 if codes.shape[0] > 30 else 8.5, rotation=0)
    handles = [
        Patch(
            facecolor=style.ANSWER_COLOURS[a],
            hatch=style.ANSWER_HATCHES[a],
            edgecolor="#333333",
            lw=0.6,
            label=a.capitalize(),
        )
        for a in ANSWER_LEVELS
    ]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=4, handleheight=1.2)
    counts = pd.Series(codes.to_numpy().ravel()).value_counts()
    tally = ", ".join(f"{int(counts.get(i, 0))} {a}" for i, a in enumerate(ANSWER_LEVELS))
    alt = f"Grid of the answers of {codes.shape[0]} cases to {codes.shape[1]} questions: {tally}."
    return finish_chart(ax, title or "Answers by case and question", alt, pad=26)


def _answer_codes(rows: pd.DataFrame) -> pd.DataFrame:
    """Return a case x question table of answer codes (positions in ANSWER_LEVELS)."""
    code = rows["answer"].astype(object).map({a: i for i, a in enumerate(ANSWER_LEVELS)})
    grid = (
        rows.assign(code=code)
        .pivot_table(index="case_id", columns="question_id", values="code", aggfunc="first")
        .reindex(
            index=list(dict.fromkeys(rows["case_id"])),
            columns=list(dict.fromkeys(rows["question_id"])),
        )
    )
    return grid.fillna(ANSWER_LEVELS.index(NOT_ANSWERED)).astype(int)


def _hatch_cells(ax: Axes, codes: np.ndarray) -> None:
    """Hatch the cells of each hatched answer, so the grid reads in greyscale too."""
    for i, answer in enumerate(ANSWER_LEVELS):
        rows, cols = np.nonzero(codes == i)
        if style.ANSWER_HATCHES[answer] and len(rows):
            cells = [Rectangle((c, r), 1, 1) for r, c in zip(rows, cols, strict=True)]
            ax.add_collection(
                PatchCollection(
                    cells,
                    facecolor="none",
                    edgecolor="#333333",
                    lw=0,
                    hatch=style.ANSWER_HATCHES[answer],
                    zorder=2,
                    gid=answer,
                )
            )


def _theme_dividers(ax: Axes, rows: pd.DataFrame, questions: list[str]) -> None:
    """Draw a line between the questions of consecutive themes."""
    if "theme_id" not in rows:
        return
    theme_of = rows.drop_duplicates("question_id").set_index("question_id")["theme_id"]
    themes = theme_of.reindex(questions).to_numpy()
    for edge in np.nonzero(themes[1:] != themes[:-1])[0] + 1:
        ax.axvline(edge, color="#222222", lw=1.2, zorder=3)


@in_house_style
def auditor_chart(
    data: pd.DataFrame,
    *,
    theme_id: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Plot how far each auditor's score is from the other auditors', with its 95% interval.

    An auditor is flagged (vermilion diamond, "flagged" beside the row) when the interval of
    the difference excludes zero. The axis runs from -100 to +100 percentage points.

    Args:
        data: the ``auditors`` score table (auditor, theme_id, n_applicable, diff_pts,
            diff_ci_low_pts, diff_ci_high_pts, flag).
        theme_id: the theme to show; when None the ``"all"`` rows if there are any, else every
            row, labelled with its theme.
        ax: an Axes to draw into; a new figure when None.
        title: the title; "Each auditor compared with the rest" when None.

    Returns:
        The Axes drawn on.

    """
    require_columns(
        data, "auditor theme_id diff_pts diff_ci_low_pts diff_ci_high_pts flag", "auditor_chart"
    )
    pick = theme_id or ("all" if (data["theme_id"] == "all").any() else None)
    rows = (data if pick is None else data[data["theme_id"] == pick]).reset_index(drop=True)
    labels = [
        str(a) if pick else f"{a} · {t}"
        for a, t in zip(rows["auditor"], rows["theme_id"], strict=True)
    ]
    ax = new_axes(ax, len(rows))
    pos = np.arange(len(rows), dtype=float)
    diff, low, high, n = (
        float_column(rows, c)
        for c in ("diff_pts", "diff_ci_low_pts", "diff_ci_high_pts", "n_applicable")
    )
    flag = rows["flag"].fillna(False).astype(bool).to_numpy()
    ax.axvline(0, color="#444444", lw=1, zorder=1)
    style.draw_intervals(ax, pos, low, high)
    has = ~np.isnan(diff)
    ax.scatter(diff[has & ~flag], pos[has & ~flag], gid=POINT_GID, **style.CURRENT_POINT)
    ax.scatter(diff[has & flag], pos[has & flag], gid=POINT_GID, **style.FLAG_POINT)
    style.draw_no_data(ax, pos[~has], at=-98)
    style.draw_notes(
        ax, pos, [n_label(v) + (" · flagged" if f else "") for v, f in zip(n, flag, strict=True)]
    )
    row_axis(ax, labels, (-100, 100), DIFF_LABEL)
    words = " ".join(map(_auditor_words, labels, diff, low, high, n, flag))
    alt = f"Each auditor's score minus the others', in points, with 95% intervals. {words}"
    heading = "Each auditor compared with the rest" + (
        f": {pick}" if pick not in (None, "all") else ""
    )
    return finish_chart(ax, title or heading, alt)


def _auditor_words(label: str, diff: float, low: float, high: float, n: float, flag: bool) -> str:
    """Return one auditor row in words, for the alt text."""
    if np.isnan(diff):
        return f"{label}: {NO_DATA}."
    n_text = f", {n_label(n)}" if not np.isnan(n) else ""
    flagged = ", flagged" if flag else ""
    return f"{label}: {diff:+.0f} points (95% interval {low:+.0f} to {high:+.0f}{n_text}){flagged}."
