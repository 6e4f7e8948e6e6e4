"""Reader-facing tables of an audit's scores, for the notebooks: themes, questions, cases, auditors.

Each function takes the :class:`~caseaudit_lib.pipeline.AuditResults` of one audit and returns a
plain DataFrame whose column names are headings in words. A column ending in ``%`` holds a
percentage (0-100, NaN for "no data") and always sits beside its ``n``; a column ending in
``pts`` holds percentage points. :func:`styled` turns any of these tables into a pandas Styler
showing percentages to 0 decimal places. :func:`record` gathers an audit's key values as JSON,
which each notebook displays in a cell tagged ``record`` so the tests can check the notebook
against the library.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from caseaudit_lib.score.counts import first_answers
from caseaudit_lib.score.ratings import pct_text
from caseaudit_lib.score.theme_rules import scores_without_each_case, theme_grid

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from caseaudit_lib.pipeline import AuditResults

NO_DATA = "no data"
MISSING = "–"  # a missing number in a table (docs/methodology.md)
RECORD_MIMETYPE = "application/json"
RECORD_TAG = "record"


# --- formatting ---------------------------------------------------------------------------


def styled(table: pd.DataFrame, caption: str | None = None) -> Styler:
    """Return a table styled for reading: percentages to 0 dp, counts whole, points signed.

    Columns are recognised by their headings: ``... %`` percentages, ``... pts`` percentage
    points, ``n`` / ``... n`` counts, ``Kappa``. A missing value shows as "–", never as 0.
    Every cell, heading and the caption are HTML-escaped.
    """
    formats: dict[str, Any] = {}
    for column in table.columns:
        name = str(column)
        if name.endswith("%"):
            formats[column] = pct_text  # whole, half up: the number the band was read from
        elif name.endswith("pts"):
            formats[column] = "{:+.0f}"
        elif name == "n" or name.endswith(" n"):
            formats[column] = "{:.0f}"
        elif name == "Kappa":
            formats[column] = "{:.2f}"
    # Cells and headings hold what people typed (comments, auditors' names, theme names):
    # escaped, so "<img onerror=...>" in a comment is text in the notebook, never markup.
    styler = table.style.format(formats, na_rep=MISSING, escape="html").hide(axis="index")
    styler = styler.format_index(escape="html", axis=1)
    styler = styler.set_table_styles([{"selector": "th, td", "props": "text-align: left;"}])
    return styler.set_caption(html.escape(caption)) if caption else styler


def interval_text(low: Any, high: Any, unit: str = "%") -> list[str]:
    """Return each 95% interval as text, e.g. "43% to 82%" ("" where either end is missing)."""
    sign = "+" if unit == " pts" else ""

    def end(x: float) -> str:
        return f"{x:{sign}.0f}{unit}" if sign else pct_text(x)[:-1] + unit

    return [
        "" if pd.isna(lo) or pd.isna(hi) else f"{end(lo)} to {end(hi)}"
        for lo, hi in zip(np.asarray(low, dtype=float), np.asarray(high, dtype=float), strict=True)
    ]


def band_span(rating: Any, rating_low: Any, rating_high: Any) -> str:
    """Return a rating with the bands its interval spans, in words.

    ``"Good, but could be anything from Requires improvement to Outstanding"``, or
    ``"Good (the whole interval is Good)"`` when both ends fall in the same band.
    """
    if not isinstance(rating, str) or not rating:
        return NO_DATA
    if rating_low == rating_high == rating:
        return f"{rating} (the whole interval is {rating})"
    if not isinstance(rating_low, str) or not isinstance(rating_high, str):
        return rating
    return f"{rating}, but could be anything from {rating_low} to {rating_high}"


# --- themes and questions ----------------------------------------------------------------


def theme_table(results: AuditResults) -> pd.DataFrame:
    """Return each theme's score, n, 95% interval, rating and the bands the interval spans."""
    return theme_rows(results.scores.themes)


def theme_rows(t: pd.DataFrame) -> pd.DataFrame:
    """Return a theme scores table (``score.scoring.theme_scores``) as people read it."""
    return pd.DataFrame(
        {
            "Theme": t["theme"].to_numpy(),
            "Cases": t["n_cases"].to_numpy(),
            "n": t["n_applicable"].to_numpy(),
            "Sufficient %": t["score_pct"].to_numpy(dtype=float),
            "95% interval": interval_text(t["ci_low_pct"], t["ci_high_pct"]),
            "Rating": [
                band_span(*r)
                for r in zip(t["rating"], t["rating_low"], t["rating_high"], strict=True)
            ],
        }
    )


def question_table(results: AuditResults, theme_id: str | None = None) -> pd.DataFrame:
    """Return each question's score with n, interval and rating (one theme's, or every one)."""
    q = results.scores.questions
    if theme_id is not None:
        q = q[q["theme_id"] == theme_id]
    return pd.DataFrame(
        {
            "Question": q["question_id"].to_numpy(),
            "Wording": q["question"].to_numpy(),
            "n": q["n_applicable"].to_numpy(),
            "Sufficient %": q["score_pct"].to_numpy(),
            "95% interval": interval_text(q["ci_low_pct"], q["ci_high_pct"]),
            "Rating": q["rating"].fillna(NO_DATA).to_numpy(),
            "Not applicable": q["n_not_applicable"].to_numpy(),
            "Not answered": q["n_not_answered"].to_numpy(),
        }
    )


def cases_dragging_down(results: AuditResults, theme_id: str, limit: int = 5) -> pd.DataFrame:
    """Return the cases without which a theme would score highest: those that drag it down.

    Each first-marked case is left out in turn and the theme rescored by its own rule; the cases
    whose removal would raise the score most are listed (at most ``limit``, only those that
    lower it). A case that drags a theme down is a case to read, not a verdict on the work.
    """
    scored, sufficient = theme_grid(first_answers(results.audit.answers), theme_id)
    themes = results.scores.themes.set_index("theme_id")
    now = float(themes.loc[theme_id, "score_pct"])
    without = scores_without_each_case(results.framework.theme(theme_id), scored, sufficient)
    cases = results.scores.cases
    cases = cases[cases["theme_id"] == theme_id].set_index("case_id").reindex(scored.index)
    labels = results.framework.case_types
    table = pd.DataFrame(
        {
            "Case": scored.index.to_numpy(),
            "Case type": cases["case_type"].map(labels).fillna(cases["case_type"]).to_numpy(),
            "Auditor": cases["auditor"].to_numpy(),
            "n": scored.sum(axis=1).to_numpy(dtype=int),
            "Not sufficient": (scored - sufficient).sum(axis=1).to_numpy(dtype=int),
            "Case sufficient %": cases["score_pct"].to_numpy(dtype=float),
            "Theme without this case %": without,
            "Theme would rise by pts": without - now,
        }
    )
    table = table[table["Theme would rise by pts"] > 1e-9]
    table = table.sort_values(["Theme would rise by pts", "Case"], ascending=[False, True])
    return table.head(limit).reset_index(drop=True)


def lowest_theme(results: AuditResults) -> str:
    """Return the id of the theme with the lowest score (the first theme if none has a score)."""
    themes = results.scores.themes
    scored = themes.dropna(subset=["score_pct"])
    return str(
        (scored if len(scored) else themes)
        .sort_values("score_pct", kind="stable")["theme_id"]
        .iloc[0]
    )


# --- auditors, moderation, HMIP standards -----------------------------------------------------


def auditor_table(results: AuditResults, theme_id: str = "all") -> pd.DataFrame:
    """Return each auditor's score beside the other auditors' on the same questions."""
    a = results.scores.auditors
    a = a[a["theme_id"] == theme_id]
    return pd.DataFrame(
        {
            "Auditor": a["auditor"].to_numpy(),
            "Cases": a["n_cases"].to_numpy(),
            "n": a["n_applicable"].to_numpy(),
            "Sufficient %": a["score_pct"].to_numpy(),
            "Others n": a["others_n"].to_numpy(),
            "Others sufficient %": a["others_pct"].to_numpy(),
            "Difference pts": a["diff_pts"].to_numpy(),
            "95% interval of the difference": interval_text(
                a["diff_ci_low_pts"], a["diff_ci_high_pts"], unit=" pts"
            ),
            "Flagged": np.where(a["flag"].fillna(False).astype(bool), "flagged", ""),
        }
    )


def flag_sentences(results: AuditResults) -> list[str]:
    """Return one plain sentence per flagged auditor and theme (none when nobody is flagged)."""
    a = results.scores.auditors
    names = {t.id: t.name for t in results.framework.themes} | {"all": "all questions"}
    out = []
    for row in a[a["flag"].fillna(False).astype(bool)].itertuples():
        direction = "higher" if row.diff_pts > 0 else "lower"
        out.append(
            f"{row.auditor} marked {names.get(row.theme_id, row.theme_id)} "
            f"{abs(row.diff_pts):.0f} points {direction} than the other auditors on the same "
            f"questions ({pct_text(row.score_pct)} of n = {row.n_applicable} against "
            f"{pct_text(row.others_pct)} of n = {row.others_n}; 95% interval "
            f"{row.diff_ci_low_pts:+.0f} to {row.diff_ci_high_pts:+.0f} points). "
            "A prompt to second-mark some of these cases, not a finding about the auditor."
        )
    return out


def agreement_table(results: AuditResults) -> pd.DataFrame:
    """Return agreement between first and second markings per theme (empty with no pairs)."""
    g = results.scores.agreement
    g = g[g["n_pairs"] > 0]
    names = {t.id: t.name for t in results.framework.themes} | {"all": "All questions"}
    return pd.DataFrame(
        {
            "Theme": g["theme_id"].map(names).to_numpy(),
            "n": g["n_pairs"].to_numpy(),
            "Same answer %": g["pct_agreement"].to_numpy(),
            "Kappa": g["kappa"].to_numpy(dtype=float),
        }
    )


def standards_table(results: AuditResults) -> pd.DataFrame:
    """Return the HMIP standards with their rating and points (empty for other frameworks)."""
    s = results.scores.standards
    names = {t.id: t.name for t in results.framework.themes}
    outside = {t.id for t in results.framework.themes if not t.in_overall}
    overall = results.framework.overall
    if overall is not None:
        names |= dict(overall.organisational_standards)
    return pd.DataFrame(
        {
            "Standard": s["standard"].map(lambda x: names.get(x, x)).to_numpy(),
            "Rating": s["rating"].fillna("not rated").to_numpy(),
            "Points": [
                "not in the total" if sid in outside else "" if pd.isna(p) else p
                for sid, p in zip(s["standard"], s["points"].astype(object), strict=True)
            ],
        }
    )


def overall_sentence(results: AuditResults) -> str:
    """Return the HMIP overall rating in words, or why there is none."""
    overall = results.scores.overall
    if overall:
        return (
            f"Overall: {overall['band']}, {overall['total_points']} of "
            f"{overall['max_points']} points."
        )
    return f"No overall rating: {results.scores.overall_reason}."


# --- what the notebooks record for the tests ------------------------------------------------


def _plain(value: Any) -> Any:
    """Return a JSON-safe value: numpy scalars as Python ones, NaN as None, recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def record(results: AuditResults, **extra: Any) -> dict[str, Any]:
    """Return an audit's key values as JSON-safe data: n cases and each theme's score."""
    columns = ["n_applicable", "n_sufficient", "score_pct", "ci_low_pct", "ci_high_pct", "rating"]
    themes = {
        str(row["theme_id"]): {c: _plain(row[c]) for c in columns}
        for _, row in results.scores.themes.iterrows()
    }
    values = {"audit_id": results.params.audit_id, "n_cases": results.audit.n_cases}
    return values | {"themes": themes} | {k: _plain(v) for k, v in extra.items()}


def show_record(values: dict[str, Any]) -> None:
    """Display recorded values as a JSON output of the cell (what the notebook tests read)."""
    from IPython.display import display

    display({RECORD_MIMETYPE: values, "text/plain": f"recorded: {', '.join(values)}"}, raw=True)
