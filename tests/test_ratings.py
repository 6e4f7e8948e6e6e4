import math

import pytest

from caseaudit_lib.errors import ParamsError
from caseaudit_lib.framework.model import Band, OverallRule
from caseaudit_lib.score.ratings import (
    canonical_label,
    hmip_points,
    overall_band,
    points_total,
    rating,
    rating_span,
    ratings,
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
        (79.99, "Good"),
        (65, "Good"),
        (13 / 20 * 100, "Good"),
        (29 / 100 * 100 + 51, "Outstanding"),
        (64.9, "Requires improvement"),
        (50, "Requires improvement"),
        (49.9, "Inadequate"),
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


def test_ratings_series_and_span():
    s = ratings([90, float("nan"), 40], BANDS)
    assert s.tolist() == ["Outstanding", None, "Inadequate"]
    assert rating_span(43.3, 81.9, BANDS) == ("Inadequate", "Outstanding")
    assert rating_span(None, None, BANDS) == (None, None)


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
    assert overall_band(None, OVERALL) is None
    assert points_total({"a": "Good", "b": "Outstanding", "c": None}, BANDS) == 5
