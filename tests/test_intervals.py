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
    korn_graubard,
    newcombe_diff,
    wilson,
    wilson_clustered,
    wilson_effective,
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
    # Every case half sufficient: no between-case variation; the design effect estimated is 0
    # (reported as estimated), the effective n is capped at the 12 answers.
    cc = effective_n_clustered([2, 2, 2], [4, 4, 4])
    assert cc.deff == 0 and cc.nobs == 12
    # All sufficient: no variance to estimate, so Kish's floor holds: 2 cases of 3 and 4
    # answers, (3 + 4)^2 / (9 + 16) = 49 / 25 = 1.96 effective answers; no design effect can be
    # estimated (NaN); one case: one; no cases: n 0.
    edge = effective_n_clustered([3, 4], [3, 4])
    assert (edge.nobs, edge.count) == pytest.approx((1.96, 1.96))
    assert math.isnan(edge.deff)
    one = effective_n_clustered([2], [5])
    assert one.nobs == pytest.approx(1) and one.count == pytest.approx(0.4)
    assert effective_n_clustered([0], [0]).nobs == 0


def test_design_effect_capped_at_cluster_size():
    # Cases entirely sufficient or entirely not: at most one effective answer per case.
    cc = effective_n_clustered([5, 0, 5, 0], [5, 5, 5, 5])
    assert cc.nobs == pytest.approx(4)


def test_wilson_clustered_fpc_on_cases():
    low, high, cc = wilson_clustered([3, 0, 4, 1], [4, 3, 4, 4])
    # Korn-Graubard: t with 3 df (3.182446) for z (1.959964) is n_eff * (z / t)^2.
    shrink = (1.959964 / 3.182446) ** 2
    expected = wilson(cc.count * shrink, cc.nobs * shrink)
    assert (low, high) == pytest.approx(expected, abs=1e-6)
    flow, fhigh, _ = wilson_clustered([3, 0, 4, 1], [4, 3, 4, 4], population_cases=16)
    assert low < flow < 8 / 15 < fhigh < high
    assert wilson_clustered([3, 0, 4, 1], [4, 3, 4, 4], population_cases=4)[:2] == pytest.approx(
        (8 / 15, 8 / 15)
    )


Z, T19 = 1.959963984540054, 2.093024054408263  # z and t(19 df) at 97.5%


def _wilson_by_hand(p: float, n: float, c: float) -> tuple[float, float]:
    centre = (p + c**2 / (2 * n)) / (1 + c**2 / n)
    half = c / (1 + c**2 / n) * math.sqrt(p * (1 - p) / n + c**2 / (4 * n**2))
    return centre - half, centre + half


def test_an_all_sufficient_theme_keeps_its_clustering():
    # 20 cases of 6 answers, all sufficient: the variance is 0 whatever the clustering, so the
    # effective sample is bounded by the cases (20, not 120), with t on 19 df: by hand,
    # low = n / (n + t^2) = 20 / (20 + 2.093024^2) = 0.820319.
    low, high, cc = wilson_clustered([6] * 20, [6] * 20)
    assert cc.nobs == 20 and math.isnan(cc.deff)
    assert low == pytest.approx(20 / (20 + T19**2), abs=1e-12)
    assert low == pytest.approx(0.820319, abs=1e-6)
    assert high == pytest.approx(1)
    # Not near-certain any more (it was 96.9-100% as if 120 independent answers), and no
    # narrower than a theme with one case at 0/6, which has information on the clustering.
    low_one, high_one, one = wilson_clustered([6] * 19 + [0], [6] * 20)
    assert low < 0.9 and low_one < low
    # That theme: p = 114/120 = 0.95; the cluster variance gives p(1-p)/v = 19 effective
    # answers, below the floor of one per case, so n_eff = 20 (deff 6) there too; t on 19 df.
    p, mbar = 0.95, 6.0
    v = (19 * (6 - p * 6) ** 2 + (0 - p * 6) ** 2) / (20 * 19 * mbar**2)
    assert p * (1 - p) / v == pytest.approx(19)
    n_eff = 20
    assert one.nobs == n_eff
    assert (low_one, high_one) == pytest.approx(_wilson_by_hand(p, n_eff, T19), abs=1e-9)
    # All not sufficient mirrors it.
    low0, high0, _ = wilson_clustered([0] * 20, [6] * 20)
    assert (low0, high0) == pytest.approx((0, 1 - low), abs=1e-12)


def test_korn_graubard_uses_t_with_k_minus_1_df():
    cc = effective_n_clustered([3, 0, 4, 1], [4, 3, 4, 4])
    adjusted = korn_graubard(cc)
    assert adjusted.nobs == pytest.approx(cc.nobs * (Z / 3.182446305284263) ** 2)
    assert adjusted.count / adjusted.nobs == pytest.approx(cc.count / cc.nobs)
    assert wilson_effective(cc) == pytest.approx(
        _wilson_by_hand(8 / 15, cc.nobs, 3.182446305284263), abs=1e-9
    )
    # One case: nothing to adjust (no degrees of freedom); it counts as one answer.
    one = effective_n_clustered([2], [5])
    assert korn_graubard(one) == one


@pytest.mark.parametrize(("count", "nobs"), [(-1, 5), (6, 5), (1, -1)])
def test_counts_out_of_range_are_errors(count, nobs):
    with pytest.raises(ValueError, match="out of range"):
        wilson(count, nobs)
    with pytest.raises(ValueError, match="out of range"):
        newcombe_diff(count, nobs, 1, 2)
    with pytest.raises(ValueError, match="out of range"):
        wilson_clustered([1, count], [2, nobs])


def test_a_census_collapses_every_interval():
    # Every case of the caseload read and every answer given: no sampling error is left.
    for y, m in (([6] * 20, [6] * 20), ([3, 0, 4, 1], [4, 3, 4, 4])):
        p = sum(y) / sum(m)
        assert wilson_clustered(y, m, population_cases=len(y))[:2] == pytest.approx((p, p))
        assert wilson_clustered(y, m, sampling_fraction=1.0)[:2] == pytest.approx((p, p))
    assert wilson(3, 4, population=4) == (0.75, 0.75)
    # Half the caseload: the variance is halved, so the effective sample doubles.
    cc = effective_n_clustered([3, 0, 4, 1], [4, 3, 4, 4])
    adjusted = korn_graubard(cc)
    half = wilson_clustered([3, 0, 4, 1], [4, 3, 4, 4], population_cases=8)[:2]
    assert half == pytest.approx(wilson(2 * adjusted.count, 2 * adjusted.nobs))
    with pytest.raises(ValueError, match="not both"):
        wilson_effective(cc, population_cases=8, sampling_fraction=0.5)
    with pytest.raises(ValueError, match="outside"):
        wilson_effective(cc, sampling_fraction=1.5)
