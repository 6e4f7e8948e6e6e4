import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from caseaudit_lib.score.intervals import (
    effective_n_clustered,
    fpc_effective,
    newcombe_diff,
    wilson,
    wilson_clustered,
)


def wilson_by_hand(x: float, n: float, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson 1927 score interval, written out from the formula."""
    z = norm.ppf(1 - alpha / 2)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("x,n", [(0, 1), (1, 1), (0, 20), (13, 20), (20, 20), (7, 9), (40, 80)])
def test_wilson_matches_hand_formula(x, n):
    low, high = wilson(x, n)
    exp_low, exp_high = wilson_by_hand(x, n)
    assert low == pytest.approx(exp_low, abs=1e-12)
    assert high == pytest.approx(exp_high, abs=1e-12)


def test_wilson_known_value_from_domain_notes():
    # domain.md: n = 20 around 65% runs from about 43% to 82%.
    low, high = wilson(13, 20)
    assert round(low, 3) == 0.433
    assert round(high, 3) == 0.819


def test_wilson_vectorised_and_nan_for_empty():
    low, high = wilson(np.array([0, 13, 0]), np.array([0, 20, 5]))
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert low[1] == pytest.approx(wilson_by_hand(13, 20)[0])
    assert low[2] == 0.0 and high[2] > 0.4  # 0% is still a real interval


def test_wilson_accepts_series_with_missing_population():
    low, high = wilson(pd.Series([13, 13]), pd.Series([20, 20]), population=pd.Series([np.nan, 80]))
    assert low[0] == pytest.approx(wilson_by_hand(13, 20)[0])
    assert low[1] > low[0] and high[1] < high[0]


def test_zero_and_hundred_percent_are_not_degenerate_without_fpc():
    low, high = wilson(0, 5)
    assert low == 0 and 0 < high < 1
    low, high = wilson(5, 5)
    assert 0 < low < 1 and high == pytest.approx(1)


def test_fpc_effective_n_formula():
    c, n = fpc_effective(13, 20, 80)
    assert n == pytest.approx(20 * 79 / 60)
    assert c / n == pytest.approx(13 / 20)
    low, high = wilson(13, 20, population=80)
    exp = wilson_by_hand(13 / 20 * 20 * 79 / 60, 20 * 79 / 60)
    assert (low, high) == pytest.approx(exp)


def test_fpc_collapses_when_whole_population_read():
    assert wilson(13, 20, population=20) == (0.65, 0.65)


def test_population_smaller_than_sample_is_an_error():
    with pytest.raises(ValueError):
        wilson(3, 20, population=10)


@given(
    n=st.integers(1, 200),
    frac=st.floats(0, 1),
    extra=st.integers(1, 1000),
)
def test_fpc_narrows_and_contains_estimate(n, frac, extra):
    x = round(frac * n)
    low, high = wilson(x, n)
    flow, fhigh = wilson(x, n, population=n + extra)
    p = x / n
    assert 0 <= low <= p + 1e-12 and p - 1e-12 <= high <= 1
    assert flow >= low - 1e-12 and fhigh <= high + 1e-12
    assert flow <= p + 1e-12 <= fhigh + 2e-12


def test_newcombe_published_example():
    # Newcombe (1998) Stat Med 17:873, example (a): 56/70 vs 48/80, difference 0.2.
    low, high = newcombe_diff(56, 70, 48, 80)
    assert round(low, 4) == 0.0524
    assert round(high, 4) == 0.3339


def test_newcombe_hybrid_formula_equals_statsmodels_without_fpc():
    x1, n1, x2, n2 = (
        np.array([56, 3, 0, 9]),
        np.array([70, 10, 4, 9]),
        np.array([48, 5, 2, 1]),
        [
            80,
            10,
            5,
            7,
        ],
    )
    expected = newcombe_diff(x1, n1, x2, n2)
    # An enormous population makes the FPC branch run with (almost) no correction.
    got = newcombe_diff(x1, n1, x2, n2, pop1=1e15, pop2=1e15)
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_newcombe_with_fpc_is_narrower_and_nan_for_empty():
    plain = newcombe_diff(56, 70, 48, 80)
    fpc = newcombe_diff(56, 70, 48, 80, pop1=100, pop2=200)
    assert plain[0] < fpc[0] < 0.2 < fpc[1] < plain[1]
    low, high = newcombe_diff(
        np.array([1, 0]), np.array([2, 0]), np.array([1, 1]), np.array([2, 2])
    )
    assert not np.isnan(low[0]) and np.isnan(low[1]) and np.isnan(high[1])


def test_design_effect_by_hand():
    y, m = [3, 0, 4, 1], [4, 3, 4, 4]
    cc = effective_n_clustered(y, m)
    p = 8 / 15
    mbar = 15 / 4
    v = sum((yi - p * mi) ** 2 for yi, mi in zip(y, m, strict=True)) / (4 * 3 * mbar**2)
    deff = v / (p * (1 - p) / 15)
    assert cc.deff == pytest.approx(deff)
    assert cc.nobs == pytest.approx(15 / deff)
    assert cc.count / cc.nobs == pytest.approx(p)
    assert cc.n_clusters == 4


def test_design_effect_floor_and_edges():
    # Every case half sufficient: no between-case variation, deff floored at 1.
    cc = effective_n_clustered([2, 2, 2], [4, 4, 4])
    assert cc.deff == 1 and cc.nobs == 12
    # All sufficient: deff 1; one case: one effective observation; no cases: n 0.
    assert effective_n_clustered([3, 4], [3, 4]).deff == 1
    one = effective_n_clustered([2], [5])
    assert one.nobs == pytest.approx(1) and one.count == pytest.approx(0.4)
    assert effective_n_clustered([0], [0]).nobs == 0


def test_design_effect_capped_at_cluster_size():
    # Cases entirely sufficient or entirely not: at most one effective answer per case.
    cc = effective_n_clustered([5, 0, 5, 0], [5, 5, 5, 5])
    assert cc.nobs == pytest.approx(4)


def test_wilson_clustered_fpc_on_cases():
    low, high, cc = wilson_clustered([3, 0, 4, 1], [4, 3, 4, 4])
    assert (low, high) == pytest.approx(wilson(cc.count, cc.nobs))
    flow, fhigh, _ = wilson_clustered([3, 0, 4, 1], [4, 3, 4, 4], population_cases=16)
    assert low < flow < 8 / 15 < fhigh < high
    assert wilson_clustered([3, 0, 4, 1], [4, 3, 4, 4], population_cases=4)[:2] == pytest.approx(
        (8 / 15, 8 / 15)
    )
