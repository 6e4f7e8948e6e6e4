"""What every chart shares: alt text, PNG export, closing, the house-style wrapper, row drawing.

The charts themselves are in :mod:`caseaudit_lib.present.charts` (scores and comparisons),
:mod:`caseaudit_lib.present.charts_trend` (scores over time) and
:mod:`caseaudit_lib.present.charts_cases` (cases and auditors); :mod:`caseaudit_lib.present.charts`
re-exports what notebooks use (``alt_text``, ``close``, ``display_figure``,
``figure_to_png_bytes``...). The drawing helpers below (``in_house_style``, ``new_axes``,
``row_axis``, ``finish_chart``, ``float_column``, ``require_columns``, ``n_label``, ``pct_label``,
``score_words``) are public for those chart modules, not for notebooks.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from caseaudit_lib.present import style
from caseaudit_lib.score.ratings import pct_text

if TYPE_CHECKING:
    from caseaudit_lib.framework.model import Band, Framework

    # What a chart's ``bands=`` takes: a framework, its bands, (label, min_pct) pairs, or None.
    BandsLike: TypeAlias = Framework | Sequence[Band] | Sequence[tuple[str, float]] | None

_Chart = TypeVar("_Chart", bound=Callable[..., Axes])

# gids let tests (and anyone post-processing a figure) find the parts of a chart.
POINT_GID = "caseaudit-point"
NO_DATA = style.NO_DATA
SCORE_LABEL = "Cases judged sufficient (%)"
SCORE_COLUMNS = ("score_pct", "ci_low_pct", "ci_high_pct", "n_applicable")

# The PNG cache of remember_pngs(): None when off, else {chart inputs' key: PNG bytes}.
_pngs: dict[str, bytes] | None = None
# The inputs' key of each figure a chart drew while the cache is on.
_figure_keys: weakref.WeakKeyDictionary[Figure, str] = weakref.WeakKeyDictionary()
PNG_CACHE_SIZE = 64  # charts kept: more than one audit draws (about 20)


# --- alt text, export, closing ------------------------------------------------------------


def _root(fig_or_ax: Figure | Axes) -> Figure:
    """Return the top-level Figure of an Axes, SubFigure or Figure."""
    fig = fig_or_ax.figure
    while fig.figure is not fig:
        fig = fig.figure
    return fig


def alt_text(fig: Figure | Axes) -> str:
    """Return the alt text a chart stored on its figure ("" if none)."""
    return _root(fig).get_label() or ""


def set_alt_text(fig: Figure | Axes, text: str) -> None:
    """Store alt text on a figure, appending when another panel already described itself."""
    root = _root(fig)
    old = root.get_label() or ""
    replace = not old or len(root.axes) <= 1 or text in old
    root.set_label(text if replace else f"{old} {text}")


def figure_to_png_bytes(fig: Figure | Axes, dpi: int = style.DPI) -> bytes:
    """Return the figure as PNG bytes, cropped to its content, with its alt text as Description."""
    root = _root(fig)
    buffer = io.BytesIO()
    # Constrained layout settles over a draw or two; drawing first makes every save identical.
    root.draw_without_rendering()
    # Software=None keeps the bytes identical between runs, so unchanged charts do not churn.
    metadata = {"Software": None, "Description": alt_text(root) or None}
    root.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata=metadata)
    return buffer.getvalue()


def close(fig: Figure | Axes) -> None:
    """Release a figure made by these functions (pyplot keeps it alive until closed)."""
    plt.close(_root(fig))


def remember_pngs(on: bool = True) -> None:
    """Reuse the PNG of a chart drawn again from the same inputs, in :func:`display_figure`.

    For a build's warm kernel, where the board notebook shows charts an earlier notebook of
    the same audit has shown; off (the default) everywhere else.
    """
    global _pngs
    _pngs = {} if on else None
    _figure_keys.clear()


def inputs_fingerprint(value: Any) -> str | None:
    """Return a stable text identifying a chart argument's content, or None if it has none."""
    if isinstance(value, pd.DataFrame | pd.Series):
        try:
            hashed = pd.util.hash_pandas_object(value, index=True).to_numpy()
        except TypeError:  # e.g. lists in a cell: no content hash, so no reuse
            return None
        names = value.columns if isinstance(value, pd.DataFrame) else [value.name]
        dtypes = value.dtypes if isinstance(value, pd.DataFrame) else [value.dtype]
        return f"{type(value).__name__}{list(names)}{list(map(str, dtypes))}{hashed.tobytes()!r}"
    if isinstance(value, np.ndarray):
        return f"ndarray{value.dtype}{value.shape}{value.tobytes()!r}"
    if isinstance(value, list | tuple):
        parts = [inputs_fingerprint(v) for v in value]
        if None in parts:
            return None
        return f"{type(value).__name__}({','.join(parts)})"  # type: ignore[arg-type]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Every field, not the repr: a Framework's repr shows only its id and counts, and two
        # frameworks with one id and other bands must not share a chart.
        fields = [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)]
        return _named_parts(type(value).__qualname__, fields)
    if isinstance(value, Mapping):
        return _named_parts(type(value).__name__, sorted(value.items(), key=lambda kv: repr(kv[0])))
    text = repr(value)
    # A default repr names the object's address, not its content: such a chart is not reused.
    return None if " at 0x" in text else text


def _named_parts(name: str, items: Sequence[tuple[Any, Any]]) -> str | None:
    parts = [(repr(k), inputs_fingerprint(v)) for k, v in items]
    if any(p is None for _, p in parts):
        return None
    return f"{name}({','.join(f'{k}={p}' for k, p in parts)})"


def chart_key(chart: Callable[..., Axes], args: tuple, kwargs: dict[str, Any]) -> str | None:
    """Return the PNG cache key of one chart call, or None when it cannot be cached."""
    if kwargs.get("ax") is not None:
        return None  # drawn into someone else's figure: that figure is not this chart alone
    values = [*args, *(v for _, v in sorted(kwargs.items()))]
    parts = [inputs_fingerprint(v) for v in values]
    if any(p is None for p in parts):
        return None
    names = [""] * len(args) + sorted(kwargs)
    # The rcParams in force too: a notebook may change what the house style does not set.
    rc = repr(sorted(plt.rcParams.items()))
    name = f"{chart.__module__}.{chart.__qualname__}"
    given = "|".join(f"{n}={p}" for n, p in zip(names, parts, strict=True))
    text = f"{name}|{style.DPI}|{rc}|{given}"
    return hashlib.sha256(text.encode()).hexdigest()


def in_house_style(chart: _Chart) -> _Chart:
    """Run a chart function inside the house style, restoring the caller's rcParams after."""

    @functools.wraps(chart)
    def styled(*args: Any, **kwargs: Any) -> Axes:
        with style.house_style():
            ax = chart(*args, **kwargs)
            key = chart_key(chart, args, kwargs) if _pngs is not None else None
        if key is not None:
            _figure_keys[_root(ax)] = key
        return ax

    return styled  # type: ignore[return-value]


# --- shared drawing -----------------------------------------------------------------------


def new_axes(ax: Axes | None, rows: int = 0, per_row: float = 0.42) -> Axes:
    """Return the given Axes, or a new one on an A4-width figure tall enough for the rows."""
    if ax is not None:
        return ax
    height = min(max(style.FIGSIZE[1], 1.6 + per_row * rows), style.MAX_HEIGHT)
    _, new = plt.subplots(figsize=(style.FIGSIZE[0], height), layout="constrained")
    return new


def row_axis(ax: Axes, labels: Sequence[str], xlim: tuple[float, float], xlabel: str) -> None:
    """Label one row per item, top to bottom, against a fixed x scale."""
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(*xlim)
    ax.set_xlabel(xlabel)


def finish_chart(ax: Axes, title: str, alt: str, *, pad: float = 8) -> Axes:
    """Set the title (``pad`` points above the plot, room for band names) and the alt text."""
    ax.set_title(title, loc="left", pad=pad)
    ax.spines[["top", "right"]].set_visible(False)
    set_alt_text(ax, alt)
    return ax


def float_column(data: pd.DataFrame, column: str) -> np.ndarray:
    """Return a column as floats (NaN where missing, or where the column is absent)."""
    if column not in data:
        return np.full(len(data), np.nan)
    return pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def require_columns(data: pd.DataFrame, columns: str, chart: str) -> None:
    """Fail early, naming the columns (space-separated) a chart needs and did not get."""
    missing = [c for c in columns.split() if c not in data]
    if missing:
        raise ValueError(f"{chart}: data has no column(s) {', '.join(missing)}")


def n_label(n: float) -> str:
    """Return a count as "n = 12" ("" when unknown), the note beside a chart's row."""
    return "" if np.isnan(n) else f"n = {n:.0f}"


def pct_label(x: float) -> str:
    """Return a percentage rounded to a whole number (half up, as its band), as "65%"."""
    return pct_text(x)


def score_words(label: str, score: float, low: float, high: float, n: float, rating: Any) -> str:
    """Return one score in words, for the alt text."""
    n_text = n_label(n) or "n unknown"
    if np.isnan(score):
        return f"{label}: {NO_DATA} ({n_text})."
    rated = f", rated {rating}" if isinstance(rating, str) and rating else ""
    interval = (
        f", 95% interval {pct_label(low)} to {pct_label(high)}" if not np.isnan(low + high) else ""
    )
    return f"{label}: {pct_label(score)}{interval} ({n_text}){rated}."


def display_figure(chart: Any) -> None:
    """Show a chart in a notebook as a PNG carrying its alt text, then release it.

    The alt text (:func:`alt_text`) goes in the output's metadata, where the export turns it
    into the ``<img alt>`` of the report. With :func:`remember_pngs` on, a chart drawn from the
    same inputs as one shown before reuses that PNG instead of rendering it again (rendering,
    not drawing, is most of a chart's cost).
    """
    from IPython.display import Image, display

    key = _figure_keys.get(_root(chart)) if _pngs is not None else None
    png = _pngs.get(key) if _pngs is not None and key is not None else None
    if png is None:
        png = figure_to_png_bytes(chart)
        if _pngs is not None and key is not None:
            if len(_pngs) >= PNG_CACHE_SIZE:
                _pngs.pop(next(iter(_pngs)))  # the oldest: an earlier audit's
            _pngs[key] = png
    display(Image(data=png, format="png", metadata={"alt": alt_text(chart)}))
    close(chart)
