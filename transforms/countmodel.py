"""A count model for alerting: negative-binomial tails around a baseline, with robust over-dispersion.

Pure functions on numpy arrays, shared by the spike detector (``transforms.spikes``).

- ``nb_tail(count, mean, alpha)``: P(Y ≥ count) for Y ~ NB with that mean and variance
  ``mean + alpha · mean²``; exact for small counts (regularised incomplete beta), the Poisson
  tail when ``alpha`` is 0.
- ``robust_dispersion(counts, means, min_mean, quantile)``: the over-dispersion ``alpha`` at
  which a share ``quantile`` (e.g. 0.9) of the counts lie below their model quantile, i.e. the
  ``quantile`` of the probability-integral transforms P(Y < count) + ½ P(Y = count) is
  ``quantile``. An upper quantile fits the upper tail, which is what a false-alarm budget is
  about, and ignores what happens above it; pairs with means below ``min_mean`` are left out,
  their counts are too discrete to tell over-dispersion from Poisson noise.
- ``dispersion_bound(ratio, excess, tail, means)``: per mean, the largest ``alpha`` at which a
  count of ``max(ratio · mean, mean + excess)`` still has a tail probability of at most ``tail``:
  the over-dispersion above which the model could no longer promise to flag a burst of that size.
"""

from __future__ import annotations

import numpy as np
from scipy import special

MIN_SAMPLES = 48
MAX_PAIRS = 700
_MAX_ALPHA = 100.0
_MIN_ALPHA = 1e-6
_BISECTIONS = 30


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


def robust_dispersion(counts: np.ndarray, means: np.ndarray, min_mean: float, quantile: float) -> float:
    """Over-dispersion at which the ``quantile`` of the counts' probability-integral transforms is ``quantile``.

    Uses pairs whose mean is at least ``min_mean``, at most ``MAX_PAIRS`` of them (every k-th: the
    windows of a look overlap anyway). NaN when fewer than ``MIN_SAMPLES`` pairs qualify; 0 when the
    counts are no wider than Poisson noise at that quantile.
    """
    known = ~np.isnan(means) & ~np.isnan(counts) & (means >= min_mean)
    counts, means = counts[known], means[known]
    if len(counts) < MIN_SAMPLES:
        return float("nan")
    stride = -(-len(counts) // MAX_PAIRS)
    counts, means = counts[::stride], means[::stride]

    def excess(alpha: float) -> float:
        # mid-distribution transform: uniform under the model, up to the counts' discreteness
        transform = 1.0 - 0.5 * (nb_tail(counts, means, alpha) + nb_tail(counts + 1, means, alpha))
        return float(np.quantile(transform, quantile)) - quantile

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


def dispersion_bound(ratio: float, excess: float, tail: float, means: np.ndarray) -> np.ndarray:
    """Per mean: the largest alpha at which P(Y ≥ max(ratio · mean, mean + excess)) ≤ ``tail``.

    0 where even Poisson noise is too wide for that (a count that small is no burst), NaN where the
    mean is NaN. Bisection on all means at once; the result errs low, never high.
    """
    means = np.asarray(means, float)
    known = ~np.isnan(means)
    counts = np.ceil(np.maximum(ratio * means, means + excess) - 1e-9)
    low = np.zeros(means.shape)
    high = np.full(means.shape, _MAX_ALPHA)
    for _ in range(_BISECTIONS):
        middle = np.sqrt(np.maximum(low, _MIN_ALPHA) * high)  # geometric: alpha spans many decades
        ok = known & (nb_tail(np.where(known, counts, 1.0), np.where(known, means, 1.0), middle) <= tail)
        low = np.where(ok, middle, low)
        high = np.where(ok, high, middle)
    return np.where(known, low, np.nan)
