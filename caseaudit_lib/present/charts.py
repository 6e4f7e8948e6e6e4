"""The charts of an audit report, all in one house style (see :mod:`caseaudit_lib.present.style`).

Every chart function follows seaborn's vocabulary: it takes a tidy table as ``data=`` (one of the
score tables of docs/design.md), an optional ``ax=`` to draw into, and returns the Axes. Every
percentage carries its 95% interval, scores sit on a 0-100 axis in front of the framework's rating
bands, each row shows its ``n``, and a missing score is drawn as "no data", never as 0.

Alt text: each chart describes what it shows, numbers included, and stores that description as
the figure's label (``Figure.set_label``), a plain matplotlib property that travels with the
figure. Read it with :func:`alt_text` to fill an ``<img alt>``; :func:`figure_to_png_bytes` also
writes it into the PNG's ``Description``. A chart drawn into one panel of a figure that already
has alt text appends its own sentences, so a multi-panel figure describes every panel.

Figures made here come from pyplot (so they show inline in a notebook); release them with
:func:`close` once embedded.

This module draws the score and comparison charts. The trend chart
(:mod:`caseaudit_lib.present.charts_trend`), the case grid and auditor chart
(:mod:`caseaudit_lib.present.charts_cases`) and the alt text, export and shared drawing
(:mod:`caseaudit_lib.present.chart_base`) live apart and are re-exported here, so every chart is
``plots.<name>``.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from caseaudit_lib.present import style
from caseaudit_lib.present.chart_base import (
    NO_DATA,
    POINT_GID,
    SCORE_COLUMNS,
    SCORE_LABEL,
    alt_text,
    close,
    display_figure,
    figure_to_png_bytes,
    finish_chart,
    float_column,
    in_house_style,
    n_label,
    new_axes,
    pct_label,
    require_columns,
    row_axis,
    score_words,
    set_alt_text,
)
from caseaudit_lib.present.charts_cases import DIFF_LABEL, auditor_chart, case_heatmap
from caseaudit_lib.present.charts_trend import trend_chart

if TYPE_CHECKING:
    from caseaudit_lib.present.chart_base import BandsLike

__all__ = [
    "BAND_PAD",
    "BASELINE_GID",
    "COMPARISON_COLUMNS",
    "DIFF_LABEL",
    "INTERVAL_GID",
    "NO_DATA",
    "POINT_GID",
    "SCORE_COLUMNS",
    "SCORE_LABEL",
    "alt_text",
    "auditor_chart",
    "case_heatmap",
    "close",
    "comparison_chart",
    "display_figure",
    "figure_to_png_bytes",
    "question_scores_chart",
    "set_alt_text",
    "theme_scores_chart",
    "trend_chart",
]

# gids let tests (and anyone post-processing a figure) find the parts of a chart.
INTERVAL_GID = style.INTERVAL_GID
BASELINE_GID = "caseaudit-baseline"
COMPARISON_COLUMNS = (
    "theme_id baseline_id baseline_kind baseline_pct baseline_rating current_pct change_pts"
)
BAND_PAD = 24  # points between plot and title when band names sit above the plot


# --- shared drawing -----------------------------------------------------------------------


def _wrap(text: Any, width: int = 28) -> str:
    return textwrap.fill(str(text) if pd.notna(text) else "", width, break_long_words=False)


def _score_rows(ax: Axes | None, data: pd.DataFrame, labels: list[str], bands: Any) -> Axes:
    """Draw a point with its interval per row of scores, rating bands behind, n beside."""
    ax = new_axes(ax, len(data), per_row=0.5 if any("\n" in t for t in labels) else 0.42)
    pos = np.arange(len(data), dtype=float)
    score, low, high, n = (float_column(data, c) for c in SCORE_COLUMNS)
    style.draw_bands(ax, bands, along="x")
    style.draw_intervals(ax, pos, low, high, along="x")
    has = ~np.isnan(score)
    ax.scatter(score[has], pos[has], gid=POINT_GID, **style.CURRENT_POINT)
    style.draw_no_data(ax, pos[~has])
    style.draw_notes(ax, pos, [n_label(v) for v in n])
    row_axis(ax, labels, (0, 100), SCORE_LABEL)
    return ax


def _score_rows_words(data: pd.DataFrame, labels: list[str]) -> str:
    """Return every row of a score chart in words."""
    ratings = data["rating"].tolist() if "rating" in data else [None] * len(data)
    plain = [t.replace("\n", " ") for t in labels]
    columns = (float_column(data, c) for c in SCORE_COLUMNS)
    return " ".join(map(score_words, plain, *columns, ratings))


# --- the charts ---------------------------------------------------------------------------


@in_house_style
def theme_scores_chart(
    data: pd.DataFrame, *, bands: BandsLike, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Plot each theme's score with its 95% interval, in front of the rating bands.

    Args:
        data: the ``themes`` score table (theme, score_pct, ci_low_pct, ci_high_pct,
            n_applicable, rating), one row per theme in the order to show.
        bands: the framework (or its bands, or ``(label, min_pct)`` pairs); None for no bands.
        ax: an Axes to draw into; a new A4-width figure when None.
        title: the title; "Theme scores" when None.

    Returns:
        The Axes drawn on; its figure carries the alt text (see :func:`alt_text`).

    """
    require_columns(
        data, "theme score_pct ci_low_pct ci_high_pct n_applicable", "theme_scores_chart"
    )
    labels = [_wrap(t) for t in data["theme"]]
    ax = _score_rows(ax, data, labels, bands)
    alt = "Theme scores with 95% intervals, 0 to 100%. " + _score_rows_words(data, labels)
    return finish_chart(ax, title or "Theme scores", alt, pad=BAND_PAD if bands else 8)


@in_house_style
def question_scores_chart(
    data: pd.DataFrame,
    *,
    theme_id: str,
    bands: BandsLike,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Plot the score of each question of one theme with its 95% interval, bands behind.

    Args:
        data: the ``questions`` score table (theme_id, question_id, question, score_pct,
            ci_low_pct, ci_high_pct, n_applicable, rating).
        theme_id: the theme whose questions to show, in table order.
        bands: the framework (whose theme name then goes in the title), its bands, or pairs.
        ax: an Axes to draw into; a new figure when None.
        title: the title; "Question scores: <theme name>" when None.

    Returns:
        The Axes drawn on.

    """
    require_columns(
        data, "theme_id question_id question " + " ".join(SCORE_COLUMNS), "question_scores_chart"
    )
    rows = data[data["theme_id"] == theme_id]
    labels = [
        _wrap(f"{qid}  " + textwrap.shorten(str(text), 80, placeholder="…"), 42)
        for qid, text in zip(rows["question_id"], rows["question"].fillna(""), strict=True)
    ]
    name = _theme_name(bands, theme_id)
    ax = _score_rows(ax, rows, labels, bands)
    alt = f"Question scores for {name}, with 95% intervals, 0 to 100%. "
    alt += _score_rows_words(rows, labels)
    return finish_chart(ax, title or f"Question scores: {name}", alt, pad=BAND_PAD if bands else 8)


def _theme_name(source: Any, theme_id: str) -> str:
    """Return a theme's name from a Framework, or the id itself."""
    try:
        return source.theme(theme_id).name
    except (AttributeError, KeyError, LookupError):
        return theme_id


@in_house_style
def comparison_chart(
    data: pd.DataFrame,
    *,
    bands: BandsLike,
    themes: pd.DataFrame | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Plot each theme's baseline and current score as a dumbbell, current with its interval.

    A baseline that is only a judgement in words (``baseline_kind == "judgements"``) is shown
    as a text label on its row, never as a point or a number. With several baselines each
    theme gets one row per baseline.

    Args:
        data: the comparison table (theme_id, baseline_id, baseline_kind, baseline_pct,
            baseline_rating, current_pct, change_pts, change_ci_low_pts, change_ci_high_pts,
            verdict), one row per theme and baseline.
        bands: the framework (or its bands, or pairs); None for no bands.
        themes: the ``themes`` score table, for the current intervals, ``n`` and theme names;
            needed unless ``data`` itself has current_ci_low_pct, current_ci_high_pct and
            current_n.
        ax: an Axes to draw into; a new figure when None.
        title: the title; "Change since the baseline" when None.

    Returns:
        The Axes drawn on.

    """
    require_columns(data, COMPARISON_COLUMNS, "comparison_chart")
    rows = _with_current(data, themes)
    several = rows["baseline_id"].nunique() > 1
    labels = [
        _wrap(t) + (f"\nvs {b}" if several else "")
        for t, b in zip(rows["theme"], rows["baseline_id"], strict=True)
    ]
    ax = new_axes(ax, len(rows), per_row=0.5)
    pos = np.arange(len(rows), dtype=float)
    style.draw_bands(ax, bands, along="x")
    now, base = float_column(rows, "current_pct"), float_column(rows, "baseline_pct")
    judged = (rows["baseline_kind"] == "judgements").to_numpy(dtype=bool)
    pair = ~judged & ~np.isnan(base) & ~np.isnan(now)
    ax.hlines(pos[pair], base[pair], now[pair], colors="#999999", lw=1, zorder=2)
    shown = ~judged & ~np.isnan(base)
    ax.scatter(base[shown], pos[shown], gid=BASELINE_GID, **style.BASELINE_POINT)
    style.draw_intervals(
        ax, pos, float_column(rows, "current_ci_low_pct"), float_column(rows, "current_ci_high_pct")
    )
    ax.scatter(now[~np.isnan(now)], pos[~np.isnan(now)], gid=POINT_GID, **style.CURRENT_POINT)
    style.draw_no_data(ax, pos[np.isnan(now)])
    for p, word in zip(pos[judged], rows["baseline_rating"][judged], strict=True):
        # Just above the row's interval line, so the words never hide the current score.
        text = f"Baseline judgement: {word}" if _is_word(word) else "Not in the baseline"
        ax.text(1, p - 0.22, text, ha="left", va="bottom", **style.JUDGEMENT_TEXT)
    style.draw_notes(ax, pos, [_change_note(r) for r in rows.itertuples()])
    row_axis(ax, labels, (0, 100), SCORE_LABEL)
    ax.legend(handles=_comparison_legend(), loc="upper left", bbox_to_anchor=(0, -0.12), ncol=3)
    words = " ".join(_comparison_words(r) for r in rows.itertuples())
    alt = f"Change since the baseline, theme by theme, 0 to 100%. {words}"
    return finish_chart(ax, title or "Change since the baseline", alt, pad=BAND_PAD if bands else 8)


def _with_current(data: pd.DataFrame, themes: pd.DataFrame | None) -> pd.DataFrame:
    """Return the comparison rows with theme, current_ci_low_pct/high_pct and current_n."""
    rows = data.reset_index(drop=True)
    if themes is not None:
        names = {
            "ci_low_pct": "current_ci_low_pct",
            "ci_high_pct": "current_ci_high_pct",
            "n_applicable": "current_n",
        }
        extra = themes.reindex(columns=["theme_id", "theme", *names]).rename(columns=names)
        extra = extra.drop_duplicates("theme_id")
        rows = rows.drop(columns=[c for c in extra if c in rows and c != "theme_id"])
        rows = rows.merge(extra, on="theme_id", how="left")
    elif not {"current_ci_low_pct", "current_ci_high_pct", "current_n"} <= set(rows):
        raise ValueError("comparison_chart: pass themes= (the theme scores) for the intervals")
    rows["theme"] = rows.get("theme", rows["theme_id"]).fillna(rows["theme_id"])
    return rows


def _change_note(row: Any) -> str:
    """Return the note beside one comparison row: n, then the change and its interval."""
    n = n_label(float(row.current_n))
    if row.baseline_kind == "judgements" or pd.isna(row.change_pts):
        return n
    low, high = (
        getattr(row, "change_ci_low_pts", np.nan),
        getattr(row, "change_ci_high_pts", np.nan),
    )
    interval = f" ({low:+.0f} to {high:+.0f})" if pd.notna(low) and pd.notna(high) else ""
    return f"{n}\n{row.change_pts:+.0f} pts{interval}"


def _is_word(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _comparison_words(row: Any) -> str:
    """Return one comparison row in words, for the alt text."""
    if row.baseline_kind == "judgements":
        word = row.baseline_rating
        base = f"baseline judgement {word}" if _is_word(word) else "not in the baseline"
    else:
        base = (
            "no baseline figure"
            if pd.isna(row.baseline_pct)
            else f"baseline {pct_label(row.baseline_pct)}"
        )
    now = NO_DATA if pd.isna(row.current_pct) else f"now {pct_label(row.current_pct)}"
    if pd.notna(row.current_pct) and pd.notna(row.current_ci_low_pct):
        low, high = pct_label(row.current_ci_low_pct), pct_label(row.current_ci_high_pct)
        now += f" (95% interval {low} to {high})"
    now += f", {n_label(float(row.current_n))}" if pd.notna(row.current_n) else ""
    change = f"; change {row.change_pts:+.0f} points" if pd.notna(row.change_pts) else ""
    verdict = getattr(row, "verdict", None)
    verdict = f", {verdict}" if isinstance(verdict, str) and verdict else ""
    return f"{row.theme} ({row.baseline_id}): {base}, {now}{change}{verdict}."


def _comparison_legend() -> list[Line2D]:
    base = style.BASELINE_POINT
    return [
        Line2D([], [], marker="o", ls="", color=style.CURRENT_COLOUR, label="This audit"),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="white",
            mec=base["edgecolor"],
            mew=base["linewidth"],
            label="Baseline",
        ),
        Line2D([], [], color="#222222", lw=style.INTERVAL_LINE["lw"], label="95% interval"),
    ]
