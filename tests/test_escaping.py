"""Typed text is text in the analysts' notebooks: escaped in every table, caption and widget."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from mini_results import mini_results

from caseaudit_lib.present import explore, views

HOSTILE = "<img src=x onerror=alert(1)>"
SHOWN = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CASEAUDIT_SALT", "test-salt")
    results = mini_results(tmp_path)
    answers = results.audit.answers
    answers.loc[answers["comment"] != "", "comment"] = HOSTILE
    return results


def test_a_styled_table_escapes_cells_headings_and_caption():
    table = pd.DataFrame({HOSTILE: [HOSTILE], "Sufficient %": [50.0], "n": [2]})
    page = views.styled(table, f"Caption {HOSTILE}").to_html()
    assert "<img" not in page
    assert page.count(SHOWN) == 3
    assert "50%" in page  # the number formats still apply


def test_evidence_in_the_explorer_shows_as_text(results):
    poor = explore.question_cases(results, "assessment", answer="not sufficient")
    assert HOSTILE in poor["Evidence"].tolist()  # the data keep what was typed
    page = views.styled(poor).to_html()
    assert "<img" not in page and SHOWN in page
    box = explore.explorer(results)
    box.controls["only_not_sufficient"].value = True
    widget_html = box.tables["cases"].value
    assert "<img" not in widget_html and SHOWN in widget_html
