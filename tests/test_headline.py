"""The headline each analysts' notebook opens with: which audit, cases, auditors, themes rated."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from mini_results import mini_results

import caseaudit_lib as ca


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CASEAUDIT_SALT", "test-salt")
    return mini_results(tmp_path)


def test_headline_names_the_audit_and_its_numbers(results) -> None:
    headline = ca.audit_headline(results)
    assert headline.about() == (
        "Mini YOS, 21 March 2016 · Mini test framework · audit id mini-2016"
    )
    # 6 cases (C1's second marking is not a case), auditors A and B; both themes Good
    assert headline.numbers() == "6 cases · 2 auditors · 2 of 2 themes rated: 2 Good"
    assert repr(headline).splitlines()[0] == "Mini audit"
    assert "6 cases · 2 auditors" in headline._repr_html_()


def test_a_theme_with_no_data_is_not_rated(results) -> None:
    themes = results.scores.themes.copy()
    themes.loc[themes["theme_id"] == "planning", ["score_pct", "rating"]] = [float("nan"), None]
    scores = dataclasses.replace(results.scores, themes=themes)
    headline = ca.audit_headline(dataclasses.replace(results, scores=scores))
    assert headline.numbers() == "6 cases · 2 auditors · 1 of 2 themes rated: 1 Good"


def test_headline_escapes_what_a_person_typed(results) -> None:
    params = dataclasses.replace(results.params, title="<script>x</script> & co")
    html = ca.audit_headline(dataclasses.replace(results, params=params))._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt; &amp; co" in html
