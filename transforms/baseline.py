"""Shared pieces of the count-series detectors: a regular bucket grid and a time-of-day baseline.

Pure functions on numpy arrays. Detectors (``transforms.spikes``, ``transforms.silence``) state
their parameters as durations; these helpers turn durations into bucket counts for whatever
bucket size the series has (5 minutes for NAB, 15 minutes in the DAG).

- ``infer_bucket(timestamps)``: the series' bucket size (most common step between timestamps).
- ``to_grid(timestamps, values, bucket)``: a ``Grid`` with one value per bucket from the first
  timestamp on; missing buckets are zero (for a count series a missing bucket is no posts),
  values of timestamps that fall in the same bucket are added.
- ``trailing_sum(values, n)``: sum over the last ``n`` buckets, ending at each bucket.
- ``same_time_samples(values, per_day, days, tolerance)``: for each bucket, the values at the
  same time of day (± ``tolerance`` buckets) on each of the previous ``days`` days; NaN where
  history is missing. Median and zero-fraction baselines are taken over these samples.
- ``seasonal_median(values, grid, days, tolerance)``: the median of those samples, the
  time-of-day baseline both the spike and the silence detector use: a spike on fewer than half of
  the past days does not move it.
- ``weekday_correction(values, typical, per_day, weeks, tolerance)``: how far, on a log scale,
  the same hour of the week ran above or below its time-of-day baseline in each of the previous
  ``weeks`` weeks (median over weeks and ± ``tolerance`` buckets; a missing week counts as no
  weekday effect). Weekends and Mondays get their own level once two of the past weeks agree;
  one spiky week does not move it.
- ``seasonal_baseline(values, grid, days, weeks, tolerance, quantile, first=0)``: the time-of-day
  level times that weekday correction (the spike detector's baseline), for buckets ``first`` on.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

DAY = timedelta(days=1)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Grid:
    """A count series on a regular grid: bucket ``i`` starts at ``start + i * bucket``."""

    start: datetime
    bucket: timedelta
    values: np.ndarray

    def timestamp(self, index: int) -> datetime:
        """Start of bucket ``index``."""
        return self.start + index * self.bucket

    def buckets(self, duration: timedelta) -> int:
        """How many whole buckets a duration spans (at least one)."""
        return max(1, round(duration / self.bucket))

    def periods(self, period: timedelta) -> np.ndarray:
        """For each bucket, the number of the clock period (e.g. hour) it starts in.

        Periods count from the Unix epoch, so they do not depend on where the series starts.
        """
        epoch = datetime(1970, 1, 1, tzinfo=self.start.tzinfo and UTC)
        first = (self.start - epoch) / self.bucket
        offsets = (first + np.arange(len(self.values))) * (self.bucket / period)
        return np.floor(offsets + 1e-9).astype(np.int64)


def infer_bucket(timestamps: Sequence[datetime]) -> timedelta:
    """The bucket size of a series: its most common positive step (robust to gaps)."""
    ordered = sorted(timestamps)
    steps = Counter(b - a for a, b in zip(ordered, ordered[1:]) if b > a)
    if not steps:
        raise ValueError("need at least two distinct timestamps to infer the bucket size")
    return min(steps.items(), key=lambda item: (-item[1], item[0]))[0]


def to_grid(
    timestamps: Sequence[datetime], values: Sequence[float], bucket: timedelta | None = None
) -> Grid:
    """Place a count series on a regular grid; gaps become zero-count buckets."""
    if len(timestamps) != len(values):
        raise ValueError(f"{len(timestamps)} timestamps but {len(values)} values")
    if not timestamps:
        raise ValueError("empty series")
    counts = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise ValueError("counts must be finite and not negative")
    if bucket is None:
        bucket = infer_bucket(timestamps)
    if bucket <= timedelta(0):
        raise ValueError(f"bucket size must be positive, got {bucket}")
    start = min(timestamps)
    index = np.array([round((t - start) / bucket) for t in timestamps], dtype=np.int64)
    grid = np.zeros(int(index.max()) + 1)
    np.add.at(grid, index, counts)
    return Grid(start, bucket, grid)


def trailing_sum(values: np.ndarray, n: int) -> np.ndarray:
    """Sum over the ``n`` buckets ending at each bucket (fewer at the very start)."""
    cumulative = np.concatenate(([0.0], np.cumsum(values)))
    ends = np.arange(1, len(values) + 1)
    return cumulative[ends] - cumulative[np.maximum(0, ends - n)]


def same_time_samples(values: np.ndarray, per_day: int, days: int, tolerance: int) -> np.ndarray:
    """Rows of past same-time-of-day values for each bucket (shape: samples × buckets, NaN-padded)."""
    return lagged(values, [day * per_day + offset for day in range(1, days + 1)
                           for offset in range(-tolerance, tolerance + 1)])


def nan_median(samples: np.ndarray) -> np.ndarray:
    """Column medians ignoring NaN; NaN where a column has no sample."""
    counts = np.sum(~np.isnan(samples), axis=0)
    medians = np.full(samples.shape[1], np.nan)
    has = counts > 0
    if has.any():
        medians[has] = np.nanmedian(samples[:, has], axis=0)
    return medians


def seasonal_median(values: np.ndarray, grid: Grid, days: int, tolerance: timedelta) -> np.ndarray:
    """Median of the same-time-of-day values (± ``tolerance``) over the previous ``days`` days."""
    return nan_median(same_time_samples(values, buckets_per_day(grid.bucket), days, round(tolerance / grid.bucket)))


def buckets_per_day(bucket: timedelta) -> int:
    """Buckets in a day (one if buckets are a day or longer)."""
    return max(1, math.floor(DAY / bucket))


def lagged(values: np.ndarray, lags: Sequence[int]) -> np.ndarray:
    """Rows of ``values`` shifted by each lag (in buckets; NaN where the lag reaches before the start)."""
    rows = np.full((len(lags), len(values)), np.nan)
    for row, lag in zip(rows, lags):
        if 0 < lag < len(values):
            row[lag:] = values[: len(values) - lag]
    return rows


def log_ratio(values: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """log((value + ½) / (expected + ½)): a count's departure from its baseline, defined at zero."""
    return np.log((values + 0.5) / (expected + 0.5))


def winsorised_mean(samples: np.ndarray, quantile: float) -> np.ndarray:
    """Column means after clipping each column at its ``quantile`` (a sample value, not an interpolation
    towards the top one; NaN ignored; NaN where empty)."""
    known = np.sum(~np.isnan(samples), axis=0) > 0
    out = np.full(samples.shape[1], np.nan)
    if known.any():
        part = samples[:, known]
        out[known] = np.nanmean(np.minimum(part, lower_quantile(part, quantile)), axis=0)
    return out


def lower_quantile(samples: np.ndarray, quantile: float) -> np.ndarray:
    """Column quantiles ignoring NaN, each a sample value (`np.nanquantile(..., axis=0, method="lower")`,
    which the same values give), for columns with at least one sample. Sorted once for all columns:
    nanquantile takes each column with a NaN on its own, ~1 ms each over a week of buckets."""
    rows = np.floor((np.sum(~np.isnan(samples), axis=0) - 1) * quantile).astype(np.intp)
    return np.take_along_axis(np.sort(samples, axis=0), rows[None, :], axis=0)[0]  # NaN sorts last


def seasonal_level(values: np.ndarray, grid: Grid, days: int, tolerance: timedelta, quantile: float,
                   first: int = 0) -> np.ndarray:
    """Mean of the same-time-of-day values (± ``tolerance``) over the previous ``days`` days, each
    clipped at their ``quantile``: the expected count, with the top samples (an earlier spike) capped.

    For buckets ``first`` on (an array of ``len(values) - first``): a bucket's samples reach back
    ``days`` days and ``tolerance``, so only that much before ``first`` is read."""
    per_day, slack = buckets_per_day(grid.bucket), round(tolerance / grid.bucket)
    read_from = max(0, first - (days * per_day + slack))
    samples = same_time_samples(values[read_from:], per_day, days, slack)[:, first - read_from:]
    return winsorised_mean(samples, quantile)


def weekday_effect(values: np.ndarray, grid: Grid, weeks: int) -> np.ndarray:
    """Per bucket: how much busier (log-ratio) its UTC weekday ran than the week before it, in past weeks.

    Each complete past day's total is compared with the mean daily total of the 7 days before it;
    the effect is the smallest of the last ``weeks`` same-weekday log-ratios when they all point the
    same way, else 0 (missing weeks count as 0). A weekday that was quiet in each of the past weeks
    (a weekend) gets a lower baseline; one busy week does not make a weekday busy.
    """
    day = grid.periods(DAY)
    first = int(day[0])
    totals = np.bincount(day - first, weights=values)
    counts = np.bincount(day - first)
    complete = counts == buckets_per_day(grid.bucket)
    totals = np.where(complete, totals, np.nan)
    before = np.mean(lagged(totals, list(range(1, 8))), axis=0)  # NaN unless all 7 days are complete
    ratio = log_ratio(totals, before)
    past = np.nan_to_num(lagged(ratio, [7 * week for week in range(1, weeks + 1)]), nan=0.0)
    agree = np.all(past > 0, axis=0) | np.all(past < 0, axis=0)
    smallest = np.take_along_axis(past, np.argmin(np.abs(past), axis=0)[None, :], axis=0)[0]
    effect = np.where(agree, smallest, 0.0)
    return effect[day - first]


def seasonal_baseline(values: np.ndarray, grid: Grid, days: int, weeks: int, tolerance: timedelta,
                      quantile: float, first: int = 0) -> np.ndarray:
    """Time-of-day level over ``days`` days times the weekday effect over ``weeks`` weeks (NaN: no history),
    for buckets ``first`` on (the same values as for the whole series, without computing the earlier ones)."""
    typical = seasonal_level(values, grid, days, tolerance, quantile, first)
    if weeks < 1:
        return typical
    return (typical + 0.5) * np.exp(weekday_effect(grid.values, grid, weeks)[first:]) - 0.5
