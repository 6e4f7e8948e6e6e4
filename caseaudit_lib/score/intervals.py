"""Confidence intervals for audit percentages: Wilson, Newcombe difference, clustering.

All functions work on proportions (0-1), not percentages, and are vectorised: they accept
scalars, numpy arrays or pandas Series and return numpy arrays (or floats for scalar input).
Where there is nothing to estimate (``nobs == 0``) the interval is NaN, never 0.

Finite population correction (FPC). An audit samples n of a caseload of N cases, so the
sample tells us more than an infinite-population interval admits. Under simple random sampling
without replacement the variance of a proportion is multiplied by (N - n) / (N - 1); we fold that
into the Wilson interval by using the *effective* sample size
``n_eff = n * (N - 1) / (N - n)`` and a count scaled to keep the point estimate
(``count_eff = count / n * n_eff``). When n == N the effective size is infinite and the
interval collapses to the point estimate: the whole caseload was read.

Clustered theme intervals (answers from ~20 case files, several per case) use an effective
sample (Korn and Graubard 1998): the linearised variance with k - 1 degrees of freedom, so the
critical value is Student's t with k - 1 df instead of z (:func:`korn_graubard`); the effective
sample is never below Kish's ``(sum m)^2 / sum m^2`` (k for cases of equal size), which it takes
at 0 % and 100 %, where that variance is 0. Below :data:`MIN_CASES` cases there is no interval.
Counts out of range (below 0, above n) are errors, never NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm
from scipy.stats import t as student_t
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

ArrayLike = float | int | np.ndarray | pd.Series

# Fewer cases than this give no interval ("too few cases to give a range"): with two cases t has
# one degree of freedom (12.7 against 1.96) and the interval would widen when a case is added.
MIN_CASES = 3
TOO_FEW_CASES = "too few cases to give a range"


def _arrays(*values: ArrayLike | None) -> list[np.ndarray]:
    """Return float arrays of a common broadcast shape (None becomes NaN)."""
    arrays = [
        np.array(np.nan)
        if v is None
        else v.to_numpy(dtype=float, na_value=np.nan)
        if isinstance(v, pd.Series)
        else np.asarray(v, dtype=float)
        for v in values
    ]
    return [np.array(a) for a in np.broadcast_arrays(*arrays)]


def _check_counts(count: np.ndarray, nobs: np.ndarray) -> None:
    """Raise ValueError where a count is below 0 or above its n, or an n is below 0."""
    # Effective counts are scaled floats: allow rounding, not a real excess.
    tol = 1e-9 * np.maximum(1.0, np.abs(np.nan_to_num(nobs)))
    bad = (nobs < 0) | (count < -tol) | (count > nobs + tol)
    if np.any(bad):
        i = int(np.flatnonzero(bad.reshape(-1))[0])
        c, n = count.reshape(-1)[i], nobs.reshape(-1)[i]
        raise ValueError(f"a count of {c:g} out of {n:g} is out of range (0 to n, n >= 0)")


def _out(scalar: bool, *arrays: np.ndarray) -> tuple:
    """Return plain floats for scalar input, arrays otherwise."""
    if scalar:
        return tuple(float(a.reshape(-1)[0]) for a in arrays)
    return tuple(arrays)


def fpc_effective(
    count: ArrayLike, nobs: ArrayLike, population: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Return the count and sample size that carry the finite population correction.

    Args:
        count: successes in the sample.
        nobs: sample size n.
        population: population size N (NaN where unknown: no correction there).

    Returns:
        ``(count_eff, nobs_eff)``; ``nobs_eff`` is ``inf`` where n == N.

    Raises:
        ValueError: where N < n.

    """
    count, nobs, population = _arrays(count, nobs, population)
    known = ~np.isnan(population)
    # A relative tolerance, because populations derived by scaling are not exact.
    tol = 1e-9 * np.maximum(1.0, np.where(known, population, 1.0))
    if np.any(known & (population < nobs - tol)):
        raise ValueError("population size smaller than the sample size")
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(
            known,
            np.where(population - nobs <= tol, np.inf, (population - 1) / (population - nobs)),
            1.0,
        )
        n_eff = np.where(nobs > 0, nobs * factor, nobs)
        c_eff = np.where(nobs > 0, count / nobs * n_eff, count)
    return c_eff, n_eff


def wilson(
    count: ArrayLike,
    nobs: ArrayLike,
    *,
    population: ArrayLike | None = None,
    alpha: float = 0.05,
) -> tuple:
    """Return the Wilson score interval ``(low, high)`` for a proportion.

    Args:
        count: successes (may be non-integer effective counts).
        nobs: trials (may be non-integer effective sizes).
        population: population size N for a finite population correction; None or NaN for none.
        alpha: 1 - confidence level.

    Returns:
        ``(low, high)`` as proportions; NaN where ``nobs == 0``; the point estimate at both ends
        where the sample is the whole population.

    Raises:
        ValueError: a count below 0 or above its nobs, a negative nobs, or N < n.

    """
    scalar = np.ndim(count) == 0 and np.ndim(nobs) == 0 and np.ndim(population) == 0
    count, nobs, population = _arrays(count, nobs, population)
    _check_counts(count, nobs)
    c_eff, n_eff = fpc_effective(count, nobs, population)
    low = np.full(nobs.shape, np.nan)
    high = np.full(nobs.shape, np.nan)
    finite = (nobs > 0) & np.isfinite(n_eff)
    if finite.any():
        lo, hi = proportion_confint(c_eff[finite], n_eff[finite], alpha=alpha, method="wilson")
        low[finite], high[finite] = lo, hi
    whole = (nobs > 0) & ~np.isfinite(n_eff)
    low[whole] = high[whole] = count[whole] / nobs[whole]
    return _out(scalar, low, high)


def newcombe_diff(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    *,
    pop1: ArrayLike | None = None,
    pop2: ArrayLike | None = None,
    alpha: float = 0.05,
) -> tuple:
    """Return the Newcombe hybrid score interval ``(low, high)`` for ``p1 - p2``.

    Without a population this is statsmodels' ``confint_proportions_2indep(method="newcomb")``
    (Newcombe 1998, method 10). With a population for either sample, the same hybrid formula is
    applied to the FPC-adjusted Wilson intervals of the two proportions:
    ``low = d - sqrt((p1 - l1)^2 + (u2 - p2)^2)``, ``high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2)``.

    Returns:
        ``(low, high)`` as differences of proportions; NaN where either n is 0.

    Raises:
        ValueError: a count below 0 or above its n.

    """
    scalar = all(np.ndim(v) == 0 for v in (x1, n1, x2, n2, pop1, pop2))
    x1, n1, x2, n2, pop1, pop2 = _arrays(x1, n1, x2, n2, pop1, pop2)
    _check_counts(x1, n1)
    _check_counts(x2, n2)
    low = np.full(n1.shape, np.nan)
    high = np.full(n1.shape, np.nan)
    ok = (n1 > 0) & (n2 > 0)
    if not ok.any():
        return _out(scalar, low, high)
    if np.isnan(pop1).all() and np.isnan(pop2).all():
        lo, hi = confint_proportions_2indep(
            x1[ok], n1[ok], x2[ok], n2[ok], method="newcomb", compare="diff", alpha=alpha
        )
        low[ok], high[ok] = lo, hi
        return _out(scalar, low, high)
    p1, p2 = x1[ok] / n1[ok], x2[ok] / n2[ok]
    l1, u1 = wilson(x1[ok], n1[ok], population=pop1[ok], alpha=alpha)
    l2, u2 = wilson(x2[ok], n2[ok], population=pop2[ok], alpha=alpha)
    d = p1 - p2
    low[ok] = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high[ok] = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return _out(scalar, low, high)


@dataclass(frozen=True)
class ClusteredCount:
    """Effective count and sample size of a clustered proportion, ready for :func:`wilson`."""

    count: float
    nobs: float
    deff: float
    n_clusters: int


def kish_floor(case_sizes: ArrayLike) -> float:
    """Return Kish's effective number of cases, ``(sum m)^2 / sum m^2`` (k for equal sizes)."""
    m = np.asarray(case_sizes, dtype=float).reshape(-1)
    m = m[m > 0]
    return float(m.sum() ** 2 / np.sum(m**2)) if m.size else 0.0


def effective_n_linearised(
    estimate: float,
    influence: ArrayLike,
    n_answers: float,
    case_sizes: ArrayLike | None = None,
) -> ClusteredCount:
    """Return the effective sample of a proportion from its per-case influence values.

    An estimate built from answers clustered in k cases has the linearised (with-replacement)
    variance ``v = k / (k - 1) * sum(z_i^2)``, where ``z_i`` is case i's influence on it. The
    effective sample size is the number of independent answers with that variance,
    ``n_eff = p * (1 - p) / v`` (Korn and Graubard 1998), with the count scaled to keep p; the
    design effect reported is the one estimated, ``n_answers * v / (p * (1 - p))`` (NaN where v
    cannot be estimated). ``n_eff`` is kept between Kish's floor ``(sum m_i)^2 / sum m_i^2`` for
    case sizes ``m_i`` (perfect agreement within each case; k when every case has the same
    number of answers, and k when no sizes are given) and ``n_answers`` (independent answers; a
    design effect below 1 is treated as chance). Where v cannot be estimated: a single case
    counts as one answer; at an estimate of 0 or 1 (v is 0 whatever the clustering) ``n_eff``
    takes the floor, so that answers which all agree are never worth more than their cases.

    Args:
        estimate: the proportion p.
        influence: ``z_i`` for each case contributing at least one answer.
        n_answers: the number of answers behind the estimate.
        case_sizes: each case's number of answers, in the order of ``influence`` (None: the
            floor is the number of cases).

    """
    z = np.asarray(influence, dtype=float)
    k = int(z.size)
    if k == 0 or n_answers <= 0 or np.isnan(estimate):
        return ClusteredCount(0.0, 0.0, np.nan, k)
    floor = float(min(k, n_answers)) if case_sizes is None else kish_floor(case_sizes)
    deff = np.nan
    if k == 1:
        n_eff = 1.0
    elif estimate <= 0.0 or estimate >= 1.0:
        # At the edges the answers may all agree because they share cases; nothing here can
        # tell, so the floor the method keeps elsewhere holds.
        n_eff = floor
    else:
        variance = k / (k - 1) * float(np.sum(z**2))
        if variance <= 0:
            n_eff, deff = float(n_answers), 0.0
        else:
            estimated = estimate * (1 - estimate) / variance
            n_eff, deff = float(np.clip(estimated, floor, n_answers)), n_answers / estimated
    return ClusteredCount(count=float(estimate * n_eff), nobs=n_eff, deff=float(deff), n_clusters=k)


def effective_n_clustered(count_by_case: ArrayLike, nobs_by_case: ArrayLike) -> ClusteredCount:
    """Return the effective count and n of a proportion pooled over answers clustered in cases.

    A theme's answers are not independent: several come from the same case file, so they tend to
    agree. The pooled proportion ``p = sum(y_i) / sum(m_i)`` is a ratio estimator over k cases;
    case i's influence is ``(y_i - p * m_i) / n`` (n = sum(m_i)), which makes the variance of
    :func:`effective_n_linearised` the usual cluster variance of a ratio,
    ``sum((y_i - p * m_i)^2) / (k * (k - 1) * mbar^2)``, and the design effect
    ``deff = v / (p * (1 - p) / n)``; the effective n is kept between Kish's floor and n.

    Args:
        count_by_case: successes per case (cases with no trials are ignored).
        nobs_by_case: trials per case.

    """
    y = np.asarray(count_by_case, dtype=float)
    m = np.asarray(nobs_by_case, dtype=float)
    keep = m > 0
    y, m = y[keep], m[keep]
    n = float(m.sum())
    if n == 0:
        return ClusteredCount(0.0, 0.0, np.nan, 0)
    p = float(y.sum()) / n
    return effective_n_linearised(p, (y - p * m) / n, n, case_sizes=m)


def korn_graubard(clustered: ClusteredCount, *, alpha: float = 0.05) -> ClusteredCount:
    """Return a clustered effective sample with Korn and Graubard's degrees-of-freedom adjustment.

    The linearised variance of an estimate from k cases has k - 1 degrees of freedom, so its
    interval should use Student's t with k - 1 df instead of z. The Wilson interval depends on
    its critical value c and sample n only through ``c^2 / n``, so using t is the same as using
    z with the effective sample ``n_eff * (z / t)^2`` (count scaled alike). With a single case
    there are no degrees of freedom to adjust: it keeps one answer's worth, as a question with
    one case does.
    """
    k = clustered.n_clusters
    if k < 2 or clustered.nobs <= 0 or not np.isfinite(clustered.nobs):
        return clustered
    q = 1 - alpha / 2
    shrink = float((norm.ppf(q) / student_t.ppf(q, k - 1)) ** 2)
    nobs = clustered.nobs * shrink
    return ClusteredCount(clustered.count * shrink, nobs, clustered.deff, k)


def wilson_effective(
    clustered: ClusteredCount,
    *,
    population_cases: float | None = None,
    sampling_fraction: float | None = None,
    alpha: float = 0.05,
) -> tuple[float, float]:
    """Return the Wilson interval of a clustered proportion: t with k - 1 df, FPC if known.

    The effective sample is first adjusted by :func:`korn_graubard`. The finite population
    correction then multiplies the variance by ``1 - f`` (divides the effective sample by it) for a
    sampling fraction f: the share of the population's answers that were read
    (``sampling_fraction``, as the score tables compute it, the same way as for a question), or
    of its cases, ``k / population_cases``. A fraction of 1 (a census, every answer read)
    collapses the interval to the estimate.

    Args:
        clustered: the effective count and sample.
        population_cases: cases in the population the answers come from (None/NaN: no FPC).
        sampling_fraction: the share of the population's answers read, 0-1 (None/NaN: no FPC);
            give at most one of the two.
        alpha: 1 - confidence level.

    Returns:
        ``(low, high)`` as proportions; NaN for fewer than :data:`MIN_CASES` cases.

    Raises:
        ValueError: the population is smaller than the cases sampled, a fraction outside
            (0, 1], or both a population and a fraction.

    """
    known_cases = population_cases is not None and not np.isnan(population_cases)
    known_fraction = sampling_fraction is not None and not np.isnan(sampling_fraction)
    if known_cases and known_fraction:
        raise ValueError("give a population of cases or a sampling fraction, not both")
    fraction = sampling_fraction if known_fraction else None
    if known_cases and clustered.n_clusters:
        if population_cases < clustered.n_clusters - 1e-9:
            raise ValueError("population of cases smaller than the cases sampled")
        fraction = clustered.n_clusters / population_cases
    if fraction is not None and not 0 < fraction <= 1 + 1e-9:
        raise ValueError(f"a sampling fraction of {fraction:g} is outside (0, 1]")
    if clustered.n_clusters < MIN_CASES:
        return float("nan"), float("nan")
    adjusted = korn_graubard(clustered, alpha=alpha)
    count, nobs = adjusted.count, adjusted.nobs
    if fraction is not None and clustered.n_clusters and nobs > 0:
        # Without replacement the variance of a cluster sample shrinks by (1 - f); a census
        # (f = 1, with a relative tolerance for fractions a hair below it) has none left.
        if fraction >= 1 - 1e-9:
            return count / nobs, count / nobs
        count, nobs = count / (1 - fraction), nobs / (1 - fraction)
    low, high = wilson(count, nobs, alpha=alpha)
    return float(low), float(high)


def wilson_clustered(
    count_by_case: ArrayLike,
    nobs_by_case: ArrayLike,
    *,
    population_cases: float | None = None,
    sampling_fraction: float | None = None,
    alpha: float = 0.05,
) -> tuple[float, float, ClusteredCount]:
    """Return the interval of a proportion pooled over answers clustered in cases.

    The interval of a pooled theme: the clustered effective sample
    (:func:`effective_n_clustered`), Korn and Graubard's t with k - 1 df, and the finite
    population correction (:func:`wilson_effective`).

    Args:
        count_by_case: successes per case.
        nobs_by_case: trials per case.
        population_cases: cases in the population the answers come from (None: no FPC).
        sampling_fraction: the share of the population's answers read (None: no FPC).
        alpha: 1 - confidence level.

    Returns:
        ``(low, high, clustered)`` with low and high as proportions; ``clustered`` is the
        effective sample before the degrees-of-freedom adjustment.

    Raises:
        ValueError: a case's count below 0 or above its trials (see also wilson_effective).

    """
    y, m = _arrays(count_by_case, nobs_by_case)
    _check_counts(y, m)
    clustered = effective_n_clustered(y.reshape(-1), m.reshape(-1))
    low, high = wilson_effective(
        clustered,
        population_cases=population_cases,
        sampling_fraction=sampling_fraction,
        alpha=alpha,
    )
    return low, high, clustered
