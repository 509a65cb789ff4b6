"""A count model for alerting: negative-binomial tails around a baseline, with robust over-dispersion.

Pure functions on numpy arrays, shared by the spike detector (``transforms.spikes``).

- ``nb_tail(count, mean, alpha)``: P(Y ≥ count) for Y ~ NB with that mean and variance
  ``mean + alpha · mean²``; exact for small counts (regularised incomplete beta), the Poisson
  tail when ``alpha`` is 0.
- ``robust_dispersion(counts, means, quantile)``: the over-dispersion ``alpha`` that puts the
  ``quantile`` of the standardised residuals ``(count − mean) / sqrt(mean + alpha · mean²)`` at
  the normal quantile. Matching one upper quantile (not the variance) is what makes it robust:
  bursts that occupy less than ``1 − quantile`` of the sample do not move it, so an earlier spike
  does not hide the next one.
"""

from __future__ import annotations

import numpy as np
from scipy import special

MIN_SAMPLES = 48
_MAX_ALPHA = 100.0


def nb_tail(count: np.ndarray, mean: np.ndarray, alpha: np.ndarray | float) -> np.ndarray:
    """P(Y ≥ count) under NB(mean, alpha) (Poisson where alpha is 0); 1 where count ≤ 0."""
    count, mean, alpha = np.broadcast_arrays(np.asarray(count, float), np.asarray(mean, float),
                                             np.asarray(alpha, float))
    tail = np.ones(count.shape)
    positive = count > 0
    poisson = positive & (alpha <= 0)
    # P(Pois(m) ≥ y) = P(Gamma(y, 1) ≤ m)
    tail[poisson] = special.gammainc(count[poisson], mean[poisson])
    negbin = positive & (alpha > 0)
    size = 1.0 / alpha[negbin]
    # NB as failures before `size` successes with success probability size / (size + mean):
    # P(Y ≥ y) = I_{mean / (size + mean)}(y, size)
    tail[negbin] = special.betainc(count[negbin], size, mean[negbin] / (size + mean[negbin]))
    return tail


def robust_dispersion(counts: np.ndarray, means: np.ndarray, quantile: float) -> float:
    """Over-dispersion matching the ``quantile`` of standardised residuals to the normal one.

    NaN when fewer than ``MIN_SAMPLES`` pairs have a mean; 0 when the counts are no wider than
    Poisson noise at that quantile.
    """
    known = ~np.isnan(means) & ~np.isnan(counts) & (means > 0)
    counts, means = counts[known], means[known]
    if len(counts) < MIN_SAMPLES:
        return float("nan")
    target = float(special.ndtri(quantile))
    rank = quantile * (len(counts) - 1)

    def excess(alpha: float) -> float:
        z = (counts - means) / np.sqrt(means + alpha * means * means)
        return float(np.partition(z, int(rank))[int(rank)]) - target

    if excess(0.0) <= 0:
        return 0.0
    low, high = 0.0, 1.0 / 64
    while excess(high) > 0:
        if high >= _MAX_ALPHA:
            return _MAX_ALPHA
        low, high = high, high * 4
    while high - low > 0.01 * high:
        middle = (low + high) / 2
        if excess(middle) > 0:
            low = middle
        else:
            high = middle
    return high
