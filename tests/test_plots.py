"""Tests for the charts: structure, numbers, missing data and the alt text, on the Agg backend."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection, QuadMesh

from caseaudit_lib.framework.model import Band, Framework, Question, Theme
from caseaudit_lib.present import charts as plots
from caseaudit_lib.present import style

NAN = np.nan
PAIRS = [("Outstanding", 80), ("Good", 65), ("Requires improvement", 50), ("Inadequate", 0)]
BANDS = (
    Band("Outstanding", 80, 3),
    Band("Good", 65, 2),
    Band("Requires improvement", 50, 1),
    Band("Inadequate", 0, 0),
)


@pytest.fixture(autouse=True)
def _no_files_and_no_leftover_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run each test in an empty directory, then check nothing was written there."""
    monkeypatch.chdir(tmp_path)
    yield
    plt.close("all")
    assert os.listdir(tmp_path) == []


def framework() -> Framework:
    q = Question("AS1", "assess", "Was it done?", None, None, True)
    theme = Theme("assess", "Assessments", "pooled", (q,), "")
    return Framework(
        "test", "Test", "1", "", "pooled", {}, {}, (theme,), BANDS, None, Path("test.yaml")
    )


def themes_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "audit_id": "a",
            "theme_id": ["assess", "plan", "risk"],
            "theme": ["Assessments", "Planning", "Risk"],
            "score_pct": [75.0, NAN, 40.0],
            "ci_low_pct": [53.1, NAN, 21.9],
            "ci_high_pct": [88.8, NAN, 61.3],
            "n_applicable": [20, 0, 15],
            "rating": ["Good", None, "Inadequate"],
        }
    )


def interval_count(ax) -> int:
    return sum(
        len(c.get_segments())
        for c in ax.collections
        if isinstance(c, LineCollection) and c.get_gid() == plots.INTERVAL_GID
    )


def points(ax, gid: str = plots.POINT_GID) -> np.ndarray:
    """Return the (x, y) of every point drawn with a gid, from scatter plots."""
    found = [
        c.get_offsets()
        for c in ax.collections
        if isinstance(c, PathCollection) and c.get_gid() == gid
    ]
    return np.concatenate(found) if found else np.empty((0, 2))


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_theme_scores_chart_draws_points_intervals_bands_and_n():
    ax = plots.theme_scores_chart(themes_table(), bands=PAIRS)
    assert ax.get_title(loc="left") == "Theme scores"
    assert ax.get_xlim() == (0, 100)
    assert ax.get_xlabel() == "Cases judged sufficient (%)"
    assert interval_count(ax) == 2  # Planning has no data
    xy = points(ax)
    assert sorted(xy[:, 1]) == [0, 2]  # no point on the Planning row, not even at 0
    assert sorted(xy[:, 0]) == [40, 75]
    assert "no data" in texts(ax)
    assert {"n = 20", "n = 0", "n = 15"} <= set(texts(ax))
    band_names = [t.replace("\n", " ") for t in texts(ax)]
    assert {"Outstanding", "Good", "Requires improvement", "Inadequate"} <= set(band_names)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Assessments", "Planning", "Risk"]


def test_theme_scores_alt_text_gives_the_numbers():
    ax = plots.theme_scores_chart(themes_table(), bands=BANDS)
    alt = plots.alt_text(ax.figure)
    assert alt == plots.alt_text(ax)
    assert "Assessments: 75%, 95% interval 53% to 89% (n = 20), rated Good." in alt
    assert "Planning: no data (n = 0)." in alt
    assert "Risk: 40%, 95% interval 22% to 61% (n = 15)" in alt


def test_bands_accept_band_objects_pairs_or_a_framework_in_any_order():
    expected = [
        ("Outstanding", 80.0, 100.0),
        ("Good", 65.0, 80.0),
        ("Requires improvement", 50.0, 65.0),
        ("Inadequate", 0.0, 50.0),
    ]
    assert style.band_spans(BANDS) == expected
    assert style.band_spans(list(reversed(PAIRS))) == expected
    assert style.band_spans(framework()) == expected
    assert style.band_spans([("Pass", 60), ("Fail", 10)])[-1] == ("Fail", 0.0, 60.0)
    assert style.band_spans(None) == []


def test_bands_are_shaded_behind_the_scores():
    ax = plots.theme_scores_chart(themes_table(), bands=framework())
    spans = [p for p in ax.patches if p.get_gid() == style.BAND_GID]
    assert len(spans) == 4
    assert all(p.get_zorder() < 1 for p in spans)
    assert sorted(round(p.get_x()) for p in spans) == [0, 50, 65, 80]


def test_without_bands_nothing_is_shaded():
    ax = plots.theme_scores_chart(themes_table(), bands=None)
    assert not [p for p in ax.patches if p.get_gid() == style.BAND_GID]
    assert interval_count(ax) == 2


def test_question_scores_chart_one_theme_with_wrapped_labels():
    questions = pd.DataFrame(
        {
            "theme_id": ["assess", "assess", "plan"],
            "question_id": ["AS1", "AS2", "PL1"],
            "question": [
                "Was the assessment completed within National Standards timescales, taking "
                "account of the views of the child and of their parents or carers?",
                "Short?",
                "Plan?",
            ],
            "score_pct": [50.0, NAN, 90.0],
            "ci_low_pct": [29.9, NAN, 70.0],
            "ci_high_pct": [70.1, NAN, 97.0],
            "n_applicable": [20, 0, 20],
            "rating": ["Requires improvement", None, "Outstanding"],
        }
    )
    ax = plots.question_scores_chart(questions, theme_id="assess", bands=framework())
    assert ax.get_title(loc="left") == "Question scores: Assessments"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 2 and labels[0].startswith("AS1") and "\n" in labels[0]
    assert labels[1] == "AS2  Short?"
    assert interval_count(ax) == 1
    assert points(ax)[:, 0].tolist() == [50]
    assert ax.get_xlim() == (0, 100)
    alt = plots.alt_text(ax)
    assert "50%, 95% interval 30% to 70% (n = 20)" in alt
    assert "AS2  Short?: no data (n = 0)." in alt
    assert "PL1" not in alt


def comparison_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "audit_id": "a",
            "theme_id": ["assess", "plan", "risk"],
            "baseline_id": "hmip-2015",
            "baseline_kind": ["percentages", "judgements", "percentages"],
            "baseline_pct": [60.0, NAN, 55.0],
            "baseline_rating": ["Requires improvement", "Poor", "Requires improvement"],
            "current_pct": [75.0, 62.0, 40.0],
            "current_rating": ["Good", "Requires improvement", "Inadequate"],
            "change_pts": [15.0, NAN, -15.0],
            "change_ci_low_pts": [-5.0, NAN, -35.0],
            "change_ci_high_pts": [33.0, NAN, 5.0],
            "verdict": ["no clear change", "judgement only", "no clear change"],
        }
    )


def comparison_themes() -> pd.DataFrame:
    themes = themes_table()
    themes.loc[1, ["score_pct", "ci_low_pct", "ci_high_pct", "n_applicable"]] = [62, 40, 80, 21]
    return themes


def test_comparison_chart_dumbbells_and_judgement_labels():
    ax = plots.comparison_chart(comparison_table(), bands=BANDS, themes=comparison_themes())
    assert ax.get_title(loc="left") == "Change since the baseline"
    assert ax.get_xlim() == (0, 100)
    baseline = points(ax, plots.BASELINE_GID)
    assert baseline.tolist() == [[60, 0], [55, 2]]  # the judgement row has no baseline point
    assert sorted(points(ax)[:, 0]) == [40, 62, 75]
    assert interval_count(ax) == 3
    assert "Baseline judgement: Poor" in texts(ax)
    assert "n = 20\n+15 pts (-5 to +33)" in texts(ax)
    assert "n = 21" in texts(ax)  # no change figure beside a judgement
    alt = plots.alt_text(ax)
    assert "Assessments (hmip-2015): baseline 60%, now 75% (95% interval 53% to 89%)" in alt
    assert "Planning (hmip-2015): baseline judgement Poor, now 62%" in alt
    assert "change +15 points, no clear change" in alt


def test_comparison_chart_current_no_data_is_not_zero():
    table = comparison_table()
    table.loc[2, ["current_pct", "change_pts"]] = NAN
    themes = comparison_themes()
    themes.loc[2, ["score_pct", "ci_low_pct", "ci_high_pct", "n_applicable"]] = [NAN, NAN, NAN, 0]
    ax = plots.comparison_chart(table, bands=BANDS, themes=themes)
    assert sorted(points(ax)[:, 1]) == [0, 1]
    assert interval_count(ax) == 2
    assert "no data" in texts(ax)
    assert points(ax, plots.BASELINE_GID)[:, 1].tolist() == [0, 2]


def test_comparison_chart_judgement_missing_from_the_baseline():
    table = comparison_table()
    table.loc[1, "baseline_rating"] = None
    ax = plots.comparison_chart(table, bands=BANDS, themes=comparison_themes())
    assert "Not in the baseline" in texts(ax)
    assert "Planning (hmip-2015): not in the baseline, now 62%" in plots.alt_text(ax)
    assert len(points(ax, plots.BASELINE_GID)) == 2


def test_comparison_chart_needs_current_intervals():
    with pytest.raises(ValueError, match="themes="):
        plots.comparison_chart(comparison_table(), bands=BANDS)
    table = comparison_table().assign(
        current_ci_low_pct=[50.0, 40.0, 20.0], current_ci_high_pct=[90.0, 80.0, 60.0], current_n=20
    )
    ax = plots.comparison_chart(table, bands=BANDS)
    assert interval_count(ax) == 3


def test_comparison_chart_with_two_baselines_gives_a_row_each():
    table = pd.concat(
        [comparison_table(), comparison_table().iloc[:1].assign(baseline_id="audit-2015")]
    )
    ax = plots.comparison_chart(table, bands=BANDS, themes=comparison_themes())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Assessments\nvs hmip-2015" and labels[3] == "Assessments\nvs audit-2015"


def trend_table() -> pd.DataFrame:
    # Rows deliberately out of date order.
    return pd.DataFrame(
        {
            "audit_id": ["a2", "a2", "a1", "a1", "a3", "a3"],
            "audit_date": [
                "2016-03-21",
                "2016-03-21",
                "2015-01-10",
                "2015-01-10",
                "2017-03-01",
                "2017-03-01",
            ],
            "theme_id": ["assess", "plan"] * 3,
            "theme": ["Assessments", "Planning"] * 3,
            "score_pct": [75.0, NAN, 50.0, 60.0, 80.0, 70.0],
            "ci_low_pct": [53.0, NAN, 30.0, 40.0, 60.0, 50.0],
            "ci_high_pct": [89.0, NAN, 70.0, 78.0, 92.0, 85.0],
            "n_applicable": [20, 0, 20, 20, 25, 25],
            "rating": None,
        }
    )


def test_trend_chart_all_themes_in_date_order():
    ax = plots.trend_chart(trend_table(), bands=BANDS)
    assert ax.get_title(loc="left") == "Scores over time"
    assert ax.get_ylim() == (0, 100)
    assert ax.get_ylabel() == "Cases judged sufficient (%)"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "a1\nJan 2015",
        "a2\nMar 2016",
        "a3\nMar 2017",
    ]
    assert interval_count(ax) == 5
    lines = {line.get_label(): line for line in ax.lines if line.get_gid() == plots.POINT_GID}
    assert lines["Assessments"].get_ydata().tolist() == [50, 75, 80]
    planning = lines["Planning"].get_ydata()
    assert planning[0] == 60 and np.isnan(planning[1]) and planning[2] == 70  # a gap, not 0
    assert "no data" in texts(ax)
    assert texts(ax).count("n = 20") == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Assessments", "Planning"]
    alt = plots.alt_text(ax)
    assert "Assessments: a1: 50%, 95% interval 30% to 70% (n = 20)." in alt
    assert "a2: no data (n = 0)." in alt


def test_trend_chart_one_theme():
    ax = plots.trend_chart(trend_table(), bands=BANDS, theme_id="assess")
    assert ax.get_title(loc="left") == "Scores over time: Assessments"
    assert interval_count(ax) == 3
    assert ax.get_legend() is None
    assert "Planning" not in plots.alt_text(ax)


def answers_table() -> pd.DataFrame:
    rows = [
        ("C-1", "first", "t1", "Q1", "sufficient"),
        ("C-1", "first", "t1", "Q2", "not sufficient"),
        ("C-1", "first", "t2", "Q3", "not applicable"),
        ("C-2", "first", "t1", "Q1", "not answered"),
        ("C-2", "first", "t1", "Q2", "sufficient"),
        # C-2 has no row for Q3: counted as not answered.
        ("C-1", "second", "t1", "Q1", "not sufficient"),  # a moderation re-marking: not shown
    ]
    return pd.DataFrame(rows, columns=["case_id", "marking", "theme_id", "question_id", "answer"])


def test_case_heatmap_colours_hatches_and_legend():
    ax = plots.case_heatmap(answers_table())
    assert ax.get_title(loc="left") == "Answers by case and question"
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    assert np.asarray(mesh.get_array()).reshape(2, 3).tolist() == [[0, 1, 2], [3, 0, 3]]
    hatched = {
        c.get_gid(): c.get_hatch()
        for c in ax.collections
        if c.get_gid() in ("not sufficient", "not answered")
    }
    assert hatched == {"not sufficient": "///", "not answered": "xx"}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Sufficient", "Not sufficient", "Not applicable", "Not answered"]
    assert [h.get_hatch() for h in ax.get_legend().legend_handles] == ["", "///", "", "xx"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["C-1", "C-2"]
    assert [line.get_xdata()[0] for line in ax.lines] == [2]  # between themes t1 and t2
    alt = plots.alt_text(ax)
    assert alt == (
        "Grid of the answers of 2 cases to 3 questions: 2 sufficient, 1 not sufficient, "
        "1 not applicable, 2 not answered."
    )


def test_case_heatmap_categorical_answers():
    table = answers_table()
    table["answer"] = pd.Categorical(table["answer"])
    ax = plots.case_heatmap(table.drop(columns=["marking", "theme_id"]).iloc[:5])
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    assert np.asarray(mesh.get_array()).reshape(2, 3).tolist() == [[0, 1, 2], [3, 0, 3]]


def auditors_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "audit_id": "a",
            "auditor": ["Ann", "Bob", "Cy", "Ann", "Bob", "Cy"],
            "theme_id": ["all"] * 3 + ["assess"] * 3,
            "n_applicable": [40, 35, 0, 10, 9, 0],
            "diff_pts": [12.0, -20.0, NAN, 5.0, -5.0, NAN],
            "diff_ci_low_pts": [-5.0, -35.0, NAN, -30.0, -40.0, NAN],
            "diff_ci_high_pts": [28.0, -4.0, NAN, 38.0, 30.0, NAN],
            "flag": [False, True, False, False, False, False],
        }
    )


def test_auditor_chart_marks_flagged_auditors():
    ax = plots.auditor_chart(auditors_table())
    assert ax.get_title(loc="left") == "Each auditor compared with the rest"
    assert ax.get_xlim() == (-100, 100)
    assert interval_count(ax) == 2
    flagged = [
        c
        for c in ax.collections
        if isinstance(c, PathCollection)
        and len(c.get_offsets())
        and np.allclose(c.get_facecolor()[0][:3], matplotlib.colors.to_rgb(style.FLAG_COLOUR))
    ]
    assert len(flagged) == 1 and flagged[0].get_offsets().tolist() == [[-20, 1]]
    assert "n = 35 · flagged" in texts(ax)
    assert "no data" in texts(ax)
    alt = plots.alt_text(ax)
    assert "Bob: -20 points (95% interval -35 to -4, n = 35), flagged." in alt
    assert "Ann: +12 points (95% interval -5 to +28, n = 40)." in alt
    assert "Cy: no data." in alt


def test_auditor_chart_one_theme():
    ax = plots.auditor_chart(auditors_table(), theme_id="assess")
    assert ax.get_title(loc="left") == "Each auditor compared with the rest: assess"
    assert "flagged" not in plots.alt_text(ax)
    assert interval_count(ax) == 2


def test_drawing_into_panels_and_alt_text_of_a_multi_panel_figure():
    fig, (left, right) = plt.subplots(1, 2)
    assert plots.theme_scores_chart(themes_table(), bands=BANDS, ax=left) is left
    plots.auditor_chart(auditors_table(), ax=right)
    alt = plots.alt_text(fig)
    assert alt.startswith("Theme scores") and "Each auditor's score" in alt


def test_redrawing_a_single_chart_replaces_its_alt_text():
    ax = plots.theme_scores_chart(themes_table(), bands=BANDS)
    plots.auditor_chart(auditors_table(), ax=ax)  # same figure, one axes: the new chart wins
    assert plots.alt_text(ax).startswith("Each auditor's score")


def test_every_chart_leaves_rcparams_as_they_were():
    before = dict(matplotlib.rcParams)
    plots.theme_scores_chart(themes_table(), bands=BANDS)
    plots.case_heatmap(answers_table())
    plots.trend_chart(trend_table(), bands=BANDS)
    assert dict(matplotlib.rcParams) == before


def test_new_figures_are_a4_width():
    ax = plots.theme_scores_chart(themes_table(), bands=BANDS)
    width, height = ax.figure.get_size_inches()
    assert width == 8 and 4.5 <= height <= 11


def test_png_bytes_are_a_png_with_the_alt_text_and_stable(tmp_path: Path):
    ax = plots.theme_scores_chart(themes_table(), bands=BANDS)
    png = plots.figure_to_png_bytes(ax.figure, dpi=72)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"Description" in png and b"Assessments: 75%" in png
    assert plots.figure_to_png_bytes(ax, dpi=72) == png
    (tmp_path / "chart.png").write_bytes(png)  # the only file a test writes, removed below
    (tmp_path / "chart.png").unlink()


def test_close_releases_the_figure():
    ax = plots.trend_chart(trend_table(), bands=BANDS)
    number = ax.figure.number
    assert plt.fignum_exists(number)
    plots.close(ax.figure)
    assert not plt.fignum_exists(number)


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="ci_low_pct"):
        plots.theme_scores_chart(themes_table().drop(columns="ci_low_pct"), bands=BANDS)


def shown_pngs(monkeypatch: pytest.MonkeyPatch) -> list:
    """Capture what display_figure shows instead of sending it to a notebook."""
    shown: list = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    return shown


def test_a_chart_drawn_again_from_the_same_inputs_reuses_its_png(monkeypatch):
    from caseaudit_lib.present import chart_base

    shown = shown_pngs(monkeypatch)
    renders = []
    real = chart_base.figure_to_png_bytes
    monkeypatch.setattr(chart_base, "figure_to_png_bytes", lambda f: renders.append(1) or real(f))
    chart_base.remember_pngs(True)
    try:
        for _ in range(2):  # e.g. notebook 02, then the board notebook 05
            plots.display_figure(plots.theme_scores_chart(themes_table(), bands=BANDS))
        changed = themes_table().assign(score_pct=[70.0, NAN, 40.0])
        plots.display_figure(plots.theme_scores_chart(changed, bands=BANDS))
    finally:
        chart_base.remember_pngs(False)
    assert len(renders) == 2  # the third chart's inputs differ: rendered anew
    assert shown[0].data == shown[1].data != shown[2].data
    assert shown[1].metadata["alt"] == shown[0].metadata["alt"]
    assert "70%" in shown[2].metadata["alt"]
    assert plt.get_fignums() == []  # every figure released, reused or not


def test_without_remember_pngs_every_chart_is_rendered(monkeypatch):
    from caseaudit_lib.present import chart_base

    shown_pngs(monkeypatch)
    renders = []
    real = chart_base.figure_to_png_bytes
    monkeypatch.setattr(chart_base, "figure_to_png_bytes", lambda f: renders.append(1) or real(f))
    for _ in range(2):
        plots.display_figure(plots.theme_scores_chart(themes_table(), bands=BANDS))
    assert len(renders) == 2


def test_a_chart_into_a_given_axes_or_of_unknown_inputs_has_no_cache_key():
    from caseaudit_lib.present import chart_base

    _, ax = plt.subplots()
    assert chart_base.chart_key(plots.theme_scores_chart, (themes_table(),), {"ax": ax}) is None
    assert chart_base.chart_key(plots.theme_scores_chart, (object(),), {}) is None
    key = chart_base.chart_key(plots.theme_scores_chart, (themes_table(),), {"bands": BANDS})
    again = chart_base.chart_key(plots.theme_scores_chart, (themes_table(),), {"bands": BANDS})
    assert key == again and len(key) == 64


def test_a_chart_key_depends_on_every_argument_and_on_the_rcparams():
    from caseaudit_lib.present import chart_base

    def key(**kwargs):
        return chart_base.chart_key(plots.theme_scores_chart, (themes_table(),), kwargs)

    assert key(bands=None) != key(bands=BANDS)
    assert key(bands=object()) is None  # no content to key by: never reused
    plain = key(bands=BANDS)
    with matplotlib.rc_context({"lines.linewidth": 3.0}):
        assert key(bands=BANDS) != plain
