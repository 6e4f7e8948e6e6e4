"""A question's interval near a census: exact (hypergeometric) when most of the caseload was read.

When the sample is more than half of the cases an item applies to, the Wilson interval with the
finite population correction undercovers (20 of 20 read from 25 gives 96.2-100 %, which excludes
24 of 25, a caseload that gives 20 of 20 one time in five). There the interval is the exact one
for sampling without replacement: the numbers of sufficient cases M in the population of N that
would give a count at least as extreme as the one seen with probability above alpha / 2 on each
side (the hypergeometric analogue of Clopper and Pearson), reported as M / N. Its coverage is at
least 1 - alpha for every M (a test enumerates every outcome for small N).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import hypergeom

from caseaudit_lib.score.intervals import ArrayLike, wilson

# The sample must be more than this share of the population for the exact interval.
EXACT_ABOVE_FRACTION = 0.5


def hypergeometric_interval(
    count: int, nobs: int, population: int, *, alpha: float = 0.05
) -> tuple[float, float]:
    """Return the exact interval ``(low, high)`` of a proportion sampled without replacement.

    Args:
        count: successes in the sample.
        nobs: the sample size n (0 gives NaN).
        population: the population size N, at least n.
        alpha: 1 - confidence level.

    Raises:
        ValueError: a count outside 0 to n, or N below n.

    """
    if not 0 <= count <= nobs or population < nobs:
        raise ValueError(f"a count of {count} of {nobs} from {population} is out of range")
    if nobs == 0:
        return float("nan"), float("nan")
    m = np.arange(population + 1)
    upper_tail = hypergeom.sf(count - 1, population, m, nobs)  # P(X >= count | M)
    lower_tail = hypergeom.cdf(count, population, m, nobs)  # P(X <= count | M)
    plausible = (upper_tail > alpha / 2) & (lower_tail > alpha / 2)
    # M below count or with fewer failures than nobs - count cannot give the count at all.
    plausible &= (m >= count) & (population - m >= nobs - count)
    kept = m[plausible]
    return float(kept.min() / population), float(kept.max() / population)


def proportion_interval(
    count: ArrayLike, nobs: ArrayLike, population: ArrayLike, *, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Return each proportion's interval: exact above half the population, Wilson with FPC below.

    Args:
        count: successes per item.
        nobs: sample size per item.
        population: population per item (NaN: unknown, plain Wilson); a population scaled from
            the caseload is rounded to whole cases, and never below the sample.
        alpha: 1 - confidence level.

    """
    count, nobs, population = (
        np.atleast_1d(np.asarray(a, dtype=float)) for a in (count, nobs, population)
    )
    low, high = (np.asarray(a, dtype=float) for a in wilson(count, nobs, population=population))
    low, high = np.atleast_1d(low).copy(), np.atleast_1d(high).copy()
    exact = ~np.isnan(population) & (nobs > 0) & (nobs > EXACT_ABOVE_FRACTION * population)
    for i in np.flatnonzero(exact):
        whole = max(round(float(population[i])), int(nobs[i]))
        low[i], high[i] = hypergeometric_interval(int(count[i]), int(nobs[i]), whole, alpha=alpha)
    return low, high
