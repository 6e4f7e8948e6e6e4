"""Funnel plots: services compared with control limits around their pooled rate.

A service's theme score is set against its effective sample size (Spiegelhalter 2005, "Funnel
plots for comparing institutional performance", Statistics in Medicine 24:1185). Around the
pooled rate ``p0`` of the services shown, a service with effective sample n is expected, by
chance alone, within ``p0 ± z * sqrt(phi * p0 * (1 - p0) / n)``: the 95 % limits (z = 1.96)
and the 99.8 % limits (z = 3.09). Only a service outside the 99.8 % limits is called above or
below the others; every other is "within the range expected by chance".

The effective sample allows for the clustering of a theme's answers within cases, by the
library's own function for the theme intervals
(:func:`caseaudit_lib.score.intervals.effective_n_clustered`), so that a service is not called
different because its answers were counted as independent.

Overdispersion: services may vary more than sampling alone allows (different caseloads,
practice, auditors). We use Spiegelhalter's multiplicative adjustment (2005, "Handling
over-dispersion of performance indicators", Quality and Safety in Health Care 14:347): the
z-scores are winsorised at their 10th and 90th percentiles, so one extreme service cannot hide
itself; ``phi = mean(z_w ** 2)``; when ``I * phi`` exceeds the 95th percentile of chi-squared
with I - 1 degrees of freedom (I services), the limits are widened by ``sqrt(phi)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from caseaudit_lib.score.intervals import effective_n_clustered, wilson, wilson_clustered

LEVELS: tuple[float, float] = (0.95, 0.998)  # the two pairs of control limits
WINSOR = 0.10  # the share of z-scores pulled in at each end before estimating phi
DISPERSION_TEST = 0.95  # phi is used when I * phi exceeds this quantile of chi-squared(I - 1)
ABOVE, BELOW, WITHIN = "above", "below", "within"
WITHIN_WORDS = "within the range expected by chance"
# The fewest children's cases HMIP inspects (its youth programme from 2025; 15 before). HMIP
# does not rate the case domains of "small" services, but publishes no case count below which
# a standard is unrated; this is the one published figure, so a smaller sample is noted.
HMIP_MIN_CASES = 14
POINT_COLUMNS = ["service", "audit_id", "audit_date", "score", "n_eff", "weight", "n_cases"]


def z_value(level: float) -> float:
    """Return the two-sided normal critical value of a confidence level (0.95 -> 1.96)."""
    return float(norm.ppf(1 - (1 - level) / 2))


def theme_effective_n(
    scoring: str, n_applicable: float, count_by_case: np.ndarray, nobs_by_case: np.ndarray
) -> float:
    """Return the effective sample size of one service's theme score.

    A pooled (or mean-of-questions) theme mixes several answers of each case: its effective
    sample is the library's clustered one, from each case's sufficient and applicable answers
    (for a mean of questions this pools the same answers, an approximation). A weakest key
    question has one answer per case, so its applicable answers are its effective sample.
    """
    if scoring == "weakest_key_question":
        return float(n_applicable)
    return float(effective_n_clustered(count_by_case, nobs_by_case).nobs)


def winsorised(z: np.ndarray, share: float = WINSOR) -> np.ndarray:
    """Return z with values beyond its ``share`` and ``1 - share`` quantiles pulled in to them."""
    if z.size == 0:
        return z
    low, high = np.quantile(z, [share, 1 - share])
    return np.clip(z, low, high)


@dataclass(frozen=True)
class Funnel:
    """One theme's funnel: the pooled rate, the dispersion, and each service's place.

    Attributes:
        target: the pooled rate p0 (0-1) the limits are drawn around.
        phi: the estimated dispersion factor (NaN with fewer than two services).
        chi2: ``I * phi``, the test statistic for overdispersion.
        p_value: its upper-tail probability under chi-squared with I - 1 df.
        overdispersed: whether the limits are widened (the test's p below 0.05).
        points: one row per service: POINT_COLUMNS, ``z``, the limits at its n and ``position``.

    """

    target: float
    phi: float
    chi2: float
    p_value: float
    overdispersed: bool
    points: pd.DataFrame

    @property
    def scale(self) -> float:
        """Return the factor the limits' variance is multiplied by (phi when used, else 1)."""
        return self.phi if self.overdispersed else 1.0

    def limits(self, n_eff: np.ndarray | float, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Return the lower and upper control limits (0-1, clipped) at effective sample sizes."""
        n = np.asarray(n_eff, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            half = z_value(level) * np.sqrt(self.scale * self.target * (1 - self.target) / n)
        return np.clip(self.target - half, 0, 1), np.clip(self.target + half, 0, 1)

    def named(self, position: str) -> list[str]:
        """Return the services in a position (ABOVE, BELOW or WITHIN), in the points' order."""
        return self.points.loc[self.points["position"] == position, "service"].tolist()


def funnel(points: pd.DataFrame) -> Funnel:
    """Return the funnel of services' scores (``score`` 0-1, ``n_eff``, ``weight``).

    The pooled rate weights each score by ``weight`` (its applicable answers: for a pooled
    theme, all sufficient answers over all applicable ones). Services without a score or an
    effective sample are left out.

    Raises:
        ValueError: a score outside 0-1 or a negative effective sample.

    """
    missing = [c for c in ("service", "score", "n_eff", "weight") if c not in points]
    if missing:
        raise ValueError(f"funnel: points have no column(s) {', '.join(missing)}")
    shown = points[points["score"].notna() & (points["n_eff"] > 0)].reset_index(drop=True)
    score = shown["score"].to_numpy(dtype=float)
    n = shown["n_eff"].to_numpy(dtype=float)
    if ((score < 0) | (score > 1)).any() or (n < 0).any():
        raise ValueError("funnel: a score outside 0-1 or a negative effective sample")
    weight = shown["weight"].to_numpy(dtype=float)
    target = float(np.sum(score * weight) / np.sum(weight)) if weight.sum() > 0 else np.nan
    spread = np.sqrt(target * (1 - target) / n) if n.size else n
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0, (score - target) / spread, 0.0)
    count = z.size
    phi = float(np.mean(winsorised(z) ** 2)) if count >= 2 else np.nan
    statistic = count * phi if count >= 2 else np.nan
    p_value = float(chi2.sf(statistic, count - 1)) if count >= 2 else np.nan
    overdispersed = bool(count >= 2 and p_value < 1 - DISPERSION_TEST and phi > 1)
    out = Funnel(target, phi, statistic, p_value, overdispersed, pd.DataFrame())
    for level in LEVELS:
        low, high = out.limits(n, level)
        tag = f"{level * 100:g}".replace(".", "_")
        shown[f"low_{tag}"], shown[f"high_{tag}"] = low, high
    low, high = out.limits(n, LEVELS[-1])
    shown["z"] = z
    shown["position"] = np.where(score > high, ABOVE, np.where(score < low, BELOW, WITHIN))
    return Funnel(target, phi, statistic, p_value, overdispersed, shown)


@dataclass(frozen=True)
class PooledScore:
    """The region's pooled score of one theme, with its 95 % interval (percentages)."""

    score_pct: float
    ci_low_pct: float
    ci_high_pct: float
    n_cases: int
    n_applicable: int
    n_services: int


def pooled_score(scoring: str, themes: pd.DataFrame, cases: pd.DataFrame) -> PooledScore:
    """Return the pooled score of a theme over several services' audits, each case as sampled.

    Every sampled case counts once, whatever its service's caseload (no weighting up to the
    caseloads): ``Σ sufficient / Σ applicable`` over the services' answers. A pooled (or mean)
    theme's interval is the library's clustered Wilson interval over all the cases (Korn and
    Graubard's t, no finite population correction); a weakest key question's is Wilson over
    the services' counts of their weakest key question, one answer per case.

    Args:
        scoring: the theme's rule.
        themes: one row per service: ``n_applicable``, ``n_sufficient``, ``n_cases``.
        cases: one row per case of those services: ``n_applicable``, ``n_sufficient``.

    """
    n_app = int(themes["n_applicable"].sum())
    n_suf = int(themes["n_sufficient"].sum())
    n_cases = int(themes["n_cases"].sum())
    if n_app == 0:
        return PooledScore(np.nan, np.nan, np.nan, n_cases, 0, len(themes))
    if scoring == "weakest_key_question":
        low, high = wilson(n_suf, n_app)
    else:
        used = cases[cases["n_applicable"] > 0]
        low, high, _ = wilson_clustered(used["n_sufficient"], used["n_applicable"])
    return PooledScore(100 * n_suf / n_app, 100 * low, 100 * high, n_cases, n_app, int(len(themes)))
