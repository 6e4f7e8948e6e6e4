import math

import pandas as pd
import pytest

from caseaudit_lib.errors import ParamsError
from caseaudit_lib.framework.model import Band, OverallRule, load_framework
from caseaudit_lib.score.ratings import (
    canonical_label,
    hmip_points,
    overall_band,
    rating,
    ratings,
    standard_scores,
)

BANDS = (
    Band("Outstanding", 80, 3),
    Band("Good", 65, 2),
    Band("Requires improvement", 50, 1),
    Band("Inadequate", 0, 0),
)
OVERALL = OverallRule(
    max_points=36,
    bands=(("Outstanding", 31), ("Good", 19), ("Requires improvement", 7), ("Inadequate", 0)),
    organisational_standards=(("1.1", "Governance and leadership"),),
)


@pytest.mark.parametrize(
    "pct,label",
    [
        (100, "Outstanding"),
        (80, "Outstanding"),
        (79.49, "Good"),  # shown as 79%
        (79.5, "Outstanding"),  # shown as 80%: the band of the shown whole percentage
        (65, "Good"),
        (13 / 20 * 100, "Good"),
        (29 / 100 * 100 + 51, "Outstanding"),
        (64.49, "Requires improvement"),
        (64.5, "Good"),
        (50, "Requires improvement"),
        (49.49, "Inadequate"),
        (49.5, "Requires improvement"),
        (0, "Inadequate"),
        (None, None),
        (math.nan, None),
    ],
)
def test_rating(pct, label):
    assert rating(pct, BANDS) == label


def test_rating_on_threshold_despite_float_error():
    # 0.29 * 100 == 28.999999999999996 in floating point.
    bands = (Band("High", 29, None), Band("Low", 0, None))
    assert rating(0.29 * 100, bands) == "High"


def test_rating_order_of_bands_does_not_matter_and_below_all_is_lowest():
    assert rating(70, tuple(reversed(BANDS))) == "Good"
    assert rating(10, (Band("Pass", 50, None), Band("Fail", 20, None))) == "Fail"


def test_ratings_series():
    s = ratings([90, float("nan"), 40], BANDS)
    assert s.tolist() == ["Outstanding", None, "Inadequate"]


def test_rating_is_not_fooled_by_floating_point():
    # a true 80% or 65% can arrive a hair below after division; it keeps its band
    assert rating(80 - 1e-12, BANDS) == "Outstanding"
    assert rating(64.999999999999, BANDS) == "Good"
    # a shortfall that shows as the band's whole percentage takes its band (shown "80%")
    assert rating(79.9999, BANDS) == "Outstanding"
    assert rating(79.4999, BANDS) == "Good"
    assert rating(16 / 20 * 100, BANDS) == "Outstanding"


def test_points_and_overall():
    assert hmip_points("good", BANDS) == 2
    assert hmip_points(" Outstanding ", BANDS) == 3
    assert hmip_points(None, BANDS) is None
    with pytest.raises(ParamsError):
        hmip_points("Excellent", BANDS)
    assert canonical_label("requires IMPROVEMENT", BANDS) == "Requires improvement"
    assert overall_band(33, OVERALL) == "Outstanding"
    assert overall_band(31, OVERALL) == "Outstanding"
    assert overall_band(30, OVERALL) == "Good"
    assert overall_band(6, OVERALL) == "Inadequate"
    assert overall_band(0, OVERALL) == "Inadequate"
    assert overall_band(36, OVERALL) == "Outstanding"
    assert overall_band(None, OVERALL) is None
    assert overall_band(math.nan, OVERALL) is None
    assert [hmip_points(b.label, BANDS) for b in BANDS] == [3, 2, 1, 0]
    assert hmip_points("inadequate", BANDS) == 0


@pytest.mark.parametrize("total", [37, 36.5, -1])
def test_a_total_no_band_can_hold_is_an_error(total):
    with pytest.raises(ValueError, match="outside 0 to 36"):
        overall_band(total, OVERALL)


def test_an_unknown_rating_names_where_it_was_given():
    with pytest.raises(ParamsError) as err:
        hmip_points("Superb", BANDS, source="params/x.yaml", cell="organisational_ratings.1.1")
    assert err.value.lines() == [
        "params/x.yaml: organisational_ratings.1.1: error: unknown rating (found 'Superb'; "
        "expected one of Outstanding, Good, Requires improvement, Inadequate)"
    ]


def test_standard_scores_locate_an_unknown_rating():
    hmip = load_framework("hmip-youth-2021")
    themes = pd.DataFrame({"theme_id": [t.id for t in hmip.themes], "rating": "Good"})
    with pytest.raises(ParamsError, match=r"^params/x.yaml: organisational_ratings.1.2: "):
        standard_scores(hmip, themes, {"1.2": "Superb"}, source="params/x.yaml")
