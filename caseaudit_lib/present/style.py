"""The house style of the charts: palette, fonts, figure size, band and answer colours.

Every chart in :mod:`caseaudit_lib.present.charts` draws inside :func:`house_style`, a
``matplotlib.rc_context``, so the look is the same everywhere and the caller's rcParams are
untouched afterwards. Colours come from the Okabe–Ito palette, which stays distinguishable for
the common forms of colour blindness; nothing relies on colour alone (bands are labelled,
answers are also hatched, lines also differ by marker).

The marks every chart shares live here too, so they look alike wherever they appear and a
notebook can draw a one-off chart in the same style: :func:`draw_bands` (named rating bands
shaded behind the scores), :func:`draw_intervals` (one line per 95% interval),
:func:`draw_notes` (``n = 20`` beside each row) and :func:`draw_no_data`.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.transforms import blended_transform_factory

from caseaudit_lib.load.answers import NOT_ANSWERED, NOT_APPLICABLE, NOT_SUFFICIENT, SUFFICIENT

# Okabe & Ito (2008), "Color Universal Design". Black is left out: it is used for text.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermilion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
)
PALETTE: list[tuple[float, float, float]] = sns.color_palette(OKABE_ITO)
MARKERS: tuple[str, ...] = ("o", "s", "D", "^", "v", "P", "X")

CURRENT_COLOUR = OKABE_ITO[0]  # this audit's scores
BASELINE_COLOUR = OKABE_ITO[1]  # a baseline or an earlier audit
FLAG_COLOUR = OKABE_ITO[3]  # flagged auditors
TEXT_GREY = "#555555"
NO_DATA_GREY = "#777777"

# Light tints behind the scores, highest band first: light enough that black points and text
# read on top, and each band carries its name so the tint is only a help.
BAND_TINTS: tuple[str, ...] = ("#CFE3F1", "#D9EEE6", "#FBEFCF", "#F7DCCD")
BAND_ALPHA = 0.85

# Answer colours differ in lightness as well as hue, and the two "problem" answers are hatched,
# so a greyscale print still tells them apart.
ANSWER_COLOURS: dict[str, str] = {
    SUFFICIENT: "#0072B2",
    NOT_SUFFICIENT: "#E69F00",
    NOT_APPLICABLE: "#E4E4E4",
    NOT_ANSWERED: "#FFFFFF",
}
ANSWER_HATCHES: dict[str, str] = {
    SUFFICIENT: "",
    NOT_SUFFICIENT: "///",
    NOT_APPLICABLE: "",
    NOT_ANSWERED: "xx",
}

# Keyword sets for the recurring marks, so every chart draws them alike.
CURRENT_POINT: dict[str, object] = {
    "s": 40,
    "color": CURRENT_COLOUR,
    "edgecolor": "white",
    "zorder": 4,
}
BASELINE_POINT: dict[str, object] = {
    "s": 46,
    "facecolor": "white",
    "edgecolor": BASELINE_COLOUR,
    "linewidth": 1.8,
    "zorder": 5,
}
FLAG_POINT: dict[str, object] = {
    "s": 48,
    "color": FLAG_COLOUR,
    "marker": "D",
    "edgecolor": "white",
    "zorder": 4,
}
INTERVAL_LINE: dict[str, object] = {"lw": 2.2, "zorder": 3}
NOTE_TEXT: dict[str, object] = {"fontsize": 7.5, "color": TEXT_GREY, "clip_on": False}
BAND_NAME_TEXT: dict[str, object] = {
    "fontsize": 7,
    "color": TEXT_GREY,
    "clip_on": False,
    "linespacing": 1.0,
}
NO_DATA_TEXT: dict[str, object] = {"fontsize": 7.5, "style": "italic", "color": NO_DATA_GREY}
JUDGEMENT_TEXT: dict[str, object] = {
    "fontsize": 7,
    "color": "#7A4A00",
    "zorder": 6,
    "bbox": {"boxstyle": "round,pad=0.15", "fc": "white", "ec": BASELINE_COLOUR, "lw": 0.6},
}

BAND_GID = "caseaudit-band"
INTERVAL_GID = "caseaudit-interval"  # lets tests and post-processing find the interval lines
NO_DATA = "no data"

FIGSIZE: tuple[float, float] = (8.0, 4.5)  # inches: the text width of an A4 report
MAX_HEIGHT = 11.0  # inches: a chart never runs past one A4 page
DPI = 150

RC: dict[str, object] = {
    "font.family": "sans-serif",
    # DejaVu Sans ships with matplotlib, so the look does not depend on what is installed.
    "font.sans-serif": ["DejaVu Sans", "Arial", "Liberation Sans"],
    "font.size": 9.0,
    "axes.titlesize": 11.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9.0,
    "axes.labelcolor": "#222222",
    "axes.edgecolor": "#888888",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO)),
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "figure.figsize": FIGSIZE,
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "hatch.linewidth": 0.6,
    "svg.fonttype": "none",
}


def band_colours(n: int) -> list[str]:
    """Return ``n`` band tints, highest band first."""
    if n == len(BAND_TINTS):
        return list(BAND_TINTS)
    return [mpl.colors.to_hex(c) for c in sns.blend_palette(BAND_TINTS, max(n, 1))][:n]


@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """Apply the house rcParams for the duration of a ``with`` block, then restore the caller's."""
    with mpl.rc_context(RC):
        yield


# --- the marks every chart shares ---------------------------------------------------------


def band_spans(bands: Any) -> list[tuple[str, float, float]]:
    """Return (label, low, high) per band, highest first; the lowest band reaches down to 0."""
    items = getattr(bands, "bands", bands) or ()
    pairs = sorted(
        (
            (b.label, float(b.min_pct)) if hasattr(b, "label") else (str(b[0]), float(b[1]))
            for b in items
        ),
        key=lambda p: p[1],
        reverse=True,
    )
    if not pairs:
        return []
    highs = [100.0] + [low for _, low in pairs[:-1]]
    lows = [low for _, low in pairs[:-1]] + [0.0]
    return [(label, lo, hi) for (label, _), lo, hi in zip(pairs, lows, highs, strict=True)]


def draw_bands(ax: Axes, bands: Any, *, along: str = "x") -> bool:
    """Shade the rating bands behind the data, each named; return whether any were drawn.

    ``along="x"`` shades vertical spans of the x axis, named above the plot; ``along="y"``
    shades horizontal spans of the y axis, named to the right of the plot.
    """
    spans = band_spans(bands)
    for (label, low, high), colour in zip(spans, band_colours(len(spans)), strict=True):
        span = ax.axvspan if along == "x" else ax.axhspan
        span(low, high, color=colour, alpha=BAND_ALPHA, lw=0, zorder=0, gid=BAND_GID)
        mid = (low + high) / 2
        if along == "x":
            name = textwrap.fill(label, max(6, int((high - low) * 0.9)), break_long_words=False)
            where = {"x": mid, "y": 1.01, "ha": "center", "va": "bottom"}
            transform = blended_transform_factory(ax.transData, ax.transAxes)
        else:
            name = textwrap.fill(label, 14, break_long_words=False)
            where = {"x": 1.01, "y": mid, "ha": "left", "va": "center"}
            transform = blended_transform_factory(ax.transAxes, ax.transData)
        ax.text(**where, s=name, transform=transform, **BAND_NAME_TEXT)
    return bool(spans)


def draw_intervals(
    ax: Axes,
    pos: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    *,
    along: str = "x",
    colour: Any = "#222222",
) -> int:
    """Draw one interval line per position with both ends known; return how many were drawn."""
    ok = ~(np.isnan(low) | np.isnan(high))
    if ok.any():
        lines = ax.hlines if along == "x" else ax.vlines
        lines(pos[ok], low[ok], high[ok], colors=[colour], gid=INTERVAL_GID, **INTERVAL_LINE)
    return int(ok.sum())


def draw_notes(ax: Axes, pos: Sequence[float], notes: Sequence[str]) -> None:
    """Write a short note (``n = 20`` ...) to the right of the plot, level with each row."""
    transform = blended_transform_factory(ax.transAxes, ax.transData)
    for p, note in zip(pos, notes, strict=True):
        ax.text(1.01, p, note, transform=transform, ha="left", va="center", **NOTE_TEXT)


def draw_no_data(ax: Axes, pos: np.ndarray, *, at: float = 1.5, along: str = "x") -> None:
    """Mark rows (``along="x"``) or columns (``"y"``) without a score "no data", never as 0."""
    for p in pos:
        if along == "x":
            ax.text(at, p, NO_DATA, ha="left", va="center", **NO_DATA_TEXT)
        else:
            ax.text(p, at, NO_DATA, ha="center", va="bottom", rotation=90, **NO_DATA_TEXT)
