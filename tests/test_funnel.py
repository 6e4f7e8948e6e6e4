"""The funnel plot's statistics (compare/funnel.py): limits by hand, overdispersion, names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from caseaudit_lib.compare.funnel import (
    ABOVE,
    BELOW,
    WITHIN,
    funnel,
    pooled_score,
    theme_effective_n,
    winsorised,
    z_value,
)
from caseaudit_lib.score.intervals import effective_n_clustered, wilson, wilson_clustered


def points(scores, n_eff, weight=None, names=None) -> pd.DataFrame:
    names = names or [f"Service {chr(65 + i)}" for i in range(len(scores))]
    return pd.DataFrame(
        {
            "service": names,
            "score": scores,
            "n_eff": n_eff,
            "weight": n_eff if weight is None else weight,
        }
    )


def test_the_critical_values_are_the_usual_ones():
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.998) == pytest.approx(3.090232, abs=1e-6)


def test_limits_worked_by_hand_for_four_services():
    # p0 = (0.56*25 + 0.64*25 + 0.6*50 + 0.6*100) / 200 = 120 / 200 = 0.6.
    result = funnel(points([0.56, 0.64, 0.60, 0.60], [25, 25, 50, 100]))
    assert result.target == pytest.approx(0.6)
    # z at n = 25: ±0.04 / sqrt(0.24 / 25) = ±0.4082; the others 0. Winsorised at the 10th and
    # 90th percentiles (±0.2858), phi = 2 * 0.2858^2 / 4 = 0.0408: no overdispersion.
    assert result.points["z"].tolist() == pytest.approx([-0.408248, 0.408248, 0, 0], abs=1e-6)
    assert result.phi == pytest.approx(0.040833, abs=1e-6)
    assert not result.overdispersed
    # n = 25: sd = sqrt(0.24 / 25) = 0.0979796; 95%: ±0.192036; 99.8%: ±0.302780.
    low, high = result.limits(25, 0.95)
    assert (low, high) == pytest.approx((0.407964, 0.792036), abs=1e-6)
    low, high = result.limits(25, 0.998)
    assert (low, high) == pytest.approx((0.297220, 0.902780), abs=1e-6)
    # n = 100: sd = 0.0489898; 95%: ±0.096018; 99.8%: ±0.151390.
    assert result.limits(100, 0.95) == pytest.approx((0.503982, 0.696018), abs=1e-6)
    assert result.limits(100, 0.998) == pytest.approx((0.448610, 0.751390), abs=1e-6)
    row = result.points.iloc[3]
    assert (row["low_99_8"], row["high_99_8"]) == pytest.approx((0.448610, 0.751390), abs=1e-6)
    assert result.named(ABOVE) == result.named(BELOW) == []


def test_overdispersion_worked_by_hand_widens_the_limits():
    # Five services of n = 100 around p0 = 0.6: z = 0, ±3.0619, ±6.1237; winsorised at the
    # 10th/90th percentiles the outer two become ±4.8990, so phi = (2 * 24 + 2 * 9.375) / 5.
    result = funnel(points([0.3, 0.45, 0.6, 0.75, 0.9], [100] * 5))
    assert result.phi == pytest.approx(13.35, abs=1e-3)
    assert result.chi2 == pytest.approx(66.75, abs=1e-2)
    assert result.overdispersed and result.p_value < 0.001
    # 95% at n = 100: 0.6 ± 1.959964 * sqrt(13.35 * 0.24 / 100) = 0.6 ± 0.350828.
    assert result.limits(100, 0.95) == pytest.approx((0.249172, 0.950828), abs=1e-5)
    # 99.8%: ± 0.553141, the upper end clipped at 100%.
    assert result.limits(100, 0.998) == pytest.approx((0.046859, 1.0), abs=1e-5)
    assert result.named(WITHIN) == [f"Service {c}" for c in "ABCDE"]


def test_winsorising_pulls_in_only_the_ends():
    z = np.array([-5.0, -1.0, 0.0, 1.0, 2.0])
    assert winsorised(z).tolist() == pytest.approx([-3.4, -1.0, 0.0, 1.0, 1.6])


def test_a_service_planted_far_outside_the_limits_is_named():
    names = ["North", "South", "East", "West", "Centre", "Far Below"]
    result = funnel(points([0.60, 0.62, 0.58, 0.61, 0.59, 0.15], [60] * 6, names=names))
    assert result.named(BELOW) == ["Far Below"]
    assert result.named(ABOVE) == []
    assert result.named(WITHIN) == names[:5]


def test_a_service_planted_far_above_is_named_above():
    names = ["North", "South", "East", "West", "Centre", "Far Above"]
    result = funnel(points([0.50, 0.52, 0.48, 0.51, 0.49, 0.97], [80] * 6, names=names))
    assert result.named(ABOVE) == ["Far Above"]
    assert result.named(BELOW) == []


def test_services_all_within_the_limits_are_named_none():
    result = funnel(points([0.58, 0.62, 0.60, 0.55, 0.66, 0.61], [40, 60, 80, 20, 30, 100]))
    assert result.named(ABOVE) == result.named(BELOW) == []
    assert len(result.named(WITHIN)) == 6
    assert not result.overdispersed


def test_a_service_without_a_score_is_left_out_and_bad_scores_are_errors():
    result = funnel(points([0.5, np.nan, 0.6], [20, 20, 20]))
    assert result.points["service"].tolist() == ["Service A", "Service C"]
    with pytest.raises(ValueError, match="outside 0-1"):
        funnel(points([0.5, 60.0], [20, 20]))


def test_all_services_at_100_percent_have_no_spread_and_none_is_named():
    result = funnel(points([1.0, 1.0, 1.0], [20, 30, 40]))
    assert result.target == 1.0
    assert result.named(WITHIN) == ["Service A", "Service B", "Service C"]


def test_effective_n_is_the_librarys_clustered_one():
    y, m = np.array([3, 4, 1, 5]), np.array([5, 5, 4, 6])
    expected = effective_n_clustered(y, m).nobs
    assert theme_effective_n("pooled", 20, y, m) == expected
    # A weakest key question has one answer per case: its applicable answers.
    assert theme_effective_n("weakest_key_question", 18, y, m) == 18


def test_the_pooled_score_counts_every_case_once_as_sampled():
    themes = pd.DataFrame({"n_applicable": [30, 20], "n_sufficient": [18, 8], "n_cases": [6, 4]})
    cases = pd.DataFrame({"n_applicable": [5] * 10, "n_sufficient": [3, 3, 3, 3, 3, 3, 2, 2, 2, 2]})
    got = pooled_score("pooled", themes, cases)
    assert got.score_pct == pytest.approx(100 * 26 / 50)
    low, high, _ = wilson_clustered(cases["n_sufficient"], cases["n_applicable"])
    assert (got.ci_low_pct, got.ci_high_pct) == pytest.approx((100 * low, 100 * high))
    assert (got.n_cases, got.n_applicable, got.n_services) == (10, 50, 2)
    key = pooled_score("weakest_key_question", themes, cases)
    assert (key.ci_low_pct, key.ci_high_pct) == pytest.approx(
        tuple(100 * v for v in wilson(26, 50))
    )
