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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

ArrayLike = float | int | np.ndarray | pd.Series


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

    """
    scalar = np.ndim(count) == 0 and np.ndim(nobs) == 0 and np.ndim(population) == 0
    count, nobs, population = _arrays(count, nobs, population)
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

    """
    scalar = all(np.ndim(v) == 0 for v in (x1, n1, x2, n2, pop1, pop2))
    x1, n1, x2, n2, pop1, pop2 = _arrays(x1, n1, x2, n2, pop1, pop2)
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


def effective_n_linearised(
    estimate: float, influence: ArrayLike, n_answers: float
) -> ClusteredCount:
    """Return the effective sample of a proportion from its per-case influence values.

    An estimate built from answers clustered in k cases has the linearised (with-replacement)
    variance ``v = k / (k - 1) * sum(z_i^2)``, where ``z_i`` is case i's influence on it. The
    effective sample size is the number of independent answers with that variance,
    ``n_eff = p * (1 - p) / v`` (Korn and Graubard 1998), with the count scaled to keep p; the
    design effect is ``n_answers / n_eff``. ``n_eff`` is kept between k (perfect agreement within
    each case: one effective answer per case) and ``n_answers`` (independent answers; a design
    effect below 1 is treated as chance). Where v cannot be estimated: a single case counts as
    one answer; an estimate of 0 or 1 keeps all ``n_answers``.

    Args:
        estimate: the proportion p.
        influence: ``z_i`` for each case contributing at least one answer.
        n_answers: the number of answers behind the estimate.

    """
    z = np.asarray(influence, dtype=float)
    k = int(z.size)
    if k == 0 or n_answers <= 0 or np.isnan(estimate):
        return ClusteredCount(0.0, 0.0, np.nan, k)
    if k == 1:
        n_eff = 1.0
    elif estimate <= 0.0 or estimate >= 1.0:
        n_eff = float(n_answers)
    else:
        variance = k / (k - 1) * float(np.sum(z**2))
        n_eff = (
            float(n_answers)
            if variance <= 0
            else float(np.clip(estimate * (1 - estimate) / variance, k, n_answers))
        )
    return ClusteredCount(
        count=float(estimate * n_eff), nobs=n_eff, deff=float(n_answers / n_eff), n_clusters=k
    )


def effective_n_clustered(count_by_case: ArrayLike, nobs_by_case: ArrayLike) -> ClusteredCount:
    """Return the effective count and n of a proportion pooled over answers clustered in cases.

    A theme's answers are not independent: several come from the same case file, so they tend to
    agree. The pooled proportion ``p = sum(y_i) / sum(m_i)`` is a ratio estimator over k cases;
    case i's influence is ``(y_i - p * m_i) / n`` (n = sum(m_i)), which makes the variance of
    :func:`effective_n_linearised` the usual cluster variance of a ratio,
    ``sum((y_i - p * m_i)^2) / (k * (k - 1) * mbar^2)``, and the design effect
    ``deff = v / (p * (1 - p) / n)``, floored at 1 and capped at ``n / k``.

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
    return effective_n_linearised(p, (y - p * m) / n, n)


def wilson_effective(
    clustered: ClusteredCount, *, population_cases: float | None = None, alpha: float = 0.05
) -> tuple[float, float]:
    """Return the Wilson interval of a clustered proportion, with an FPC on cases if known.

    The finite population correction of a cluster sample works on cases: with k of M cases read,
    the sampling fraction is k / M. It is applied to the effective sample by giving it the
    population ``n_eff * M / k``, so that the same fraction is sampled.

    Args:
        clustered: the effective count and sample.
        population_cases: cases in the population the answers come from (None/NaN: no FPC).
        alpha: 1 - confidence level.

    Returns:
        ``(low, high)`` as proportions (NaN for an empty sample).

    Raises:
        ValueError: the population is smaller than the cases sampled.

    """
    population = None
    known = population_cases is not None and not np.isnan(population_cases)
    if known and clustered.n_clusters:
        if population_cases < clustered.n_clusters - 1e-9:
            raise ValueError("population of cases smaller than the cases sampled")
        population = clustered.nobs * population_cases / clustered.n_clusters
    return wilson(clustered.count, clustered.nobs, population=population, alpha=alpha)


def wilson_clustered(
    count_by_case: ArrayLike,
    nobs_by_case: ArrayLike,
    *,
    population_cases: float | None = None,
    alpha: float = 0.05,
) -> tuple[float, float, ClusteredCount]:
    """Return a Wilson interval for a proportion pooled over cases, allowing for clustering.

    Args:
        count_by_case: successes per case.
        nobs_by_case: trials per case.
        population_cases: cases in the population the answers come from (None: no FPC).
        alpha: 1 - confidence level.

    Returns:
        ``(low, high, clustered)`` with low and high as proportions.

    """
    clustered = effective_n_clustered(count_by_case, nobs_by_case)
    low, high = wilson_effective(clustered, population_cases=population_cases, alpha=alpha)
    return low, high, clustered
